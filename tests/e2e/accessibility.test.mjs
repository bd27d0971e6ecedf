// The element as people use it who do not use a mouse and a default screen (from an accessibility
// review, 2026-12): high contrast (forced colors), a screen reader, the keyboard. The platform's
// own habits, which a web component's shadow root must keep.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, openWidget, startEnvironment, startLogin } from './harness.mjs';

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

/** What a screen reader is given, from Chromium's accessibility tree: the buttons (name,
 * description) and the live regions (role, text), in page order. */
async function spoken(page) {
  const cdp = await page.context().newCDPSession(page);
  const { nodes } = await cdp.send('Accessibility.getFullAXTree');
  await cdp.detach();
  const byId = new Map(nodes.map((n) => [n.nodeId, n]));
  const text = (n) => (n.role?.value === 'StaticText' ? n.name?.value ?? '' : (n.childIds ?? []).map((id) => text(byId.get(id))).join(''));
  return nodes.filter((n) => !n.ignored && ['button', 'status'].includes(n.role?.value)).map((n) => (n.role.value === 'button'
    ? { button: n.name?.value, description: n.description?.value ?? '' }
    : { status: text(n) }));
}

test('the message under the button is a live region before it speaks, and describes its own button', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page, { path: '/e2e/two.html' });
  // A live region made visible with its text already in it is, to a screen reader, a new region,
  // and new regions are not read out (only changes to one already there are): "Login failed"
  // would go unsaid. It must be in the accessibility tree, empty, before the message comes.
  assert.deepEqual(await spoken(page), [
    { button: 'Log in', description: '' }, { status: '' },
    { button: 'Log in', description: '' }, { status: '' },
  ]);
  await decide(await startLogin(page, { id: 'w1' }), 'Deny');
  await page.waitForFunction(() => window.events.length > 0);
  const message = await page.evaluate(() => document.getElementById('w1').shadowRoot.querySelector('[part=message]').textContent);
  assert.match(message, /^Login failed: /);
  // Back on the button (Tab), the person hears why it failed; the other element's button is not
  // described by it (each shadow root's ids are its own).
  assert.deepEqual(await spoken(page), [
    { button: 'Log in', description: message }, { status: message },
    { button: 'Log in', description: '' }, { status: '' },
  ]);
  await context.close();
});

test('a message is said once: the element drawn again with the same message leaves its live region alone', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page);
  await decide(await startLogin(page), 'Deny');
  await page.waitForFunction(() => window.events.length > 0);
  // The app sets a label, a scope (as a framework does on its own renders): the element is drawn
  // again. A text node replaced by an equal one is a change to a screen reader, which would read
  // "Login failed: ..." out again each time.
  const touched = await page.evaluate(async () => {
    const el = document.getElementById('w1');
    const region = el.shadowRoot.querySelector('[role=status]');
    const changes = [];
    new MutationObserver((records) => changes.push(...records.map((r) => r.type))).observe(region, { childList: true, subtree: true, characterData: true });
    el.label = 'Sign in';
    el.scope = 'basic likes';
    await new Promise((resolve) => setTimeout(resolve, 100));
    return changes;
  });
  assert.deepEqual(touched, []);
  await context.close();
});

test('the button pressed again while its login window is open brings that window forward', async () => {
  const { page, context } = await env.newPage();
  // The window a login opened can end up behind the page (a click on the page, a screen
  // magnifier following focus), and the message says to finish there. Pressing the button again
  // joins the pending login, so it must at least bring its window back: a keyboard user has no
  // other way to it than the system's window switcher. Headless Chromium has no window stacking
  // to observe, so the page's window.open is wrapped, as a page's own script may, to count focus().
  await openWidget(env, page, {
    init: () => {
      window.raised = 0;
      const open = window.open;
      window.open = function (...args) {
        const popup = open.apply(this, args);
        return popup && new Proxy(popup, {
          get(target, key) {
            if (key === 'focus') return () => { window.raised++; target.focus(); };
            const value = Reflect.get(target, key);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        });
      };
    },
  });
  await page.keyboard.press('Tab');
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.keyboard.press('Enter')]);
  await popup.waitForLoadState();
  await page.bringToFront(); // the person is back on the page, the login window behind it
  const opened = [];
  context.on('page', (p) => opened.push(p));
  await page.keyboard.press('Enter');
  await page.waitForTimeout(300);
  const seen = await page.evaluate(() => ({
    raised: window.raised,
    busy: document.getElementById('w1').shadowRoot.querySelector('[part=button]').getAttribute('aria-busy'),
  }));
  assert.deepEqual({ ...seen, windows: opened.length }, { raised: 1, busy: 'true', windows: 0 });
  await popup.close();
  await context.close();
});
