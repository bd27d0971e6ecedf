// The element as a page author handles it (from a review of the element, 2026-12): the platform's
// own habits a web component must keep. `hidden` hides it, as it hides any element; `focus()`
// on the element focuses its button, as on a native control.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openWidget, startEnvironment } from './harness.mjs';

let env;
before(async () => { env = await startEnvironment(); });
after(async () => { await env?.close(); });

test('the hidden attribute hides the element, as it hides any element', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page);
  const seen = await page.evaluate(() => {
    const el = document.getElementById('w1');
    const shown = getComputedStyle(el).display;
    el.hidden = true; // an app hides the login button once logged in
    const hidden = getComputedStyle(el).display;
    const box = el.getBoundingClientRect();
    el.hidden = false;
    return { shown, hidden, size: [box.width, box.height], again: getComputedStyle(el).display };
  });
  assert.deepEqual(seen, { shown: 'inline-block', hidden: 'none', size: [0, 0], again: 'inline-block' });
  await context.close();
});

test('focus() on the element focuses its button; the page can still restyle the element', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page);
  const seen = await page.evaluate(() => {
    const el = document.getElementById('w1');
    el.focus(); // as an app does to put the person back on the login button
    const active = el.shadowRoot.activeElement;
    const style = document.createElement('style');
    style.textContent = 'oauth-login { display: block }';
    document.head.append(style);
    return { host: document.activeElement === el, button: active?.getAttribute('part') ?? null, display: getComputedStyle(el).display };
  });
  assert.deepEqual(seen, { host: true, button: 'button', display: 'block' });
  // The keyboard takes it from there.
  const [popup] = await Promise.all([page.waitForEvent('popup', { timeout: 5000 }), page.keyboard.press('Enter')]);
  await popup.close();
  await context.close();
});

test('a label outside ASCII crosses to the core and back whole', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page);
  // Every string crosses the glue as UTF-8 (scripts/build/trim-glue.mjs): accents, CJK, an emoji.
  const label = 'Se connecter — 日本語 🙂';
  const shown = await page.evaluate(async (text) => {
    const el = document.getElementById('w1');
    el.label = text;
    await new Promise((resolve) => setTimeout(resolve));
    return el.shadowRoot.querySelector('[part=label]').textContent;
  }, label);
  assert.equal(shown, label);
  await context.close();
});
