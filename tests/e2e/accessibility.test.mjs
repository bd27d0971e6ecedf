// The element as people use it who do not use a mouse and a default screen (from an accessibility
// review, 2026-12): high contrast (forced colors), a screen reader, the keyboard. The platform's
// own habits, which a web component's shadow root must keep.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openWidget, startEnvironment, startLogin } from './harness.mjs';

let env;
before(async () => { env = await startEnvironment(); });
after(async () => { await env?.close(); });

test('in forced colors (Windows high contrast) the button keeps an edge and the pending spinner still turns', async () => {
  const { page, context } = await env.newPage();
  // Forced colors replace every author color with the person's own: a background alone no longer
  // shows a button, and a ring whose one transparent side made it an arc becomes a full circle,
  // whose turning nobody sees (a still "O" before the label, like a radio button).
  await page.emulateMedia({ forcedColors: 'active' });
  await openWidget(env, page);
  await startLogin(page);
  const seen = await page.evaluate(() => {
    const root = document.getElementById('w1').shadowRoot;
    const drawn = (style, side) => style[`${side}Style`] !== 'none' && parseFloat(style[`${side}Width`]) > 0;
    const button = getComputedStyle(root.querySelector('[part=button]'));
    const spinner = getComputedStyle(root.querySelector('[part=spinner]'));
    const sides = ['Top', 'Right', 'Bottom', 'Left'].map((side) => (drawn(spinner, `border${side}`) ? spinner[`border${side}Color`] : 'none'));
    return {
      forced: matchMedia('(forced-colors: active)').matches,
      busy: root.querySelector('[part=button]').getAttribute('aria-busy'),
      edge: drawn(button, 'borderTop') || drawn(button, 'outline'),
      arc: new Set(sides).size > 1,
    };
  });
  assert.deepEqual(seen, { forced: true, busy: 'true', edge: true, arc: true });
  await context.close();
});
