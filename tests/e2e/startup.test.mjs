// Start-up ("The element may be defined, and its button drawn, before its WebAssembly is ready" in
// the contract): on a page that cannot be a callback, <oauth-login> is defined and its button drawn
// before the core is decoded; every property answers right once whenDefined resolves, and a click
// before the core started opens the popup within the click and logs in.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PUBLIC_CLIENT_ID, decide, loginOutcome, openWidget, startEnvironment, startLogin, waitForEvents } from './harness.mjs';

let env;
before(async () => { env = await startEnvironment(); });
after(async () => { await env?.close(); });

/**
 * Counts the wasm modules the page compiles (`window.compiled`): the first is the CSP probe (a
 * module of its header alone), then the core's start compiles the decoder and the core, so one
 * compiled means the core has not started, and three that it has.
 */
function countCompiles() {
  window.compiled = 0;
  const Module = WebAssembly.Module;
  WebAssembly.Module = new Proxy(Module, { construct(target, args) { window.compiled++; return new target(...args); } });
}

test('the button is laid out, with its label, before the core starts', async () => {
  const { page, context } = await env.newPage();
  await page.addInitScript(countCompiles);
  await openWidget(env, page, {
    attrs: { label: 'Sign in, please' },
    init: () => {
      customElements.whenDefined('oauth-login').then(() => {
        const el = document.getElementById('w1');
        const box = el.shadowRoot.querySelector('button').getBoundingClientRect();
        window.early = { compiled: window.compiled, width: box.width, height: box.height, label: el.shadowRoot.querySelector('[part=label]').textContent };
      });
    },
  });
  await page.waitForFunction(() => window.early);
  const early = await page.evaluate(() => window.early);
  assert.equal(early.compiled, 1, 'only the CSP probe was compiled');
  assert.ok(early.width > 0 && early.height > 0, JSON.stringify(early));
  assert.equal(early.label, 'Sign in, please');
  // The core starts on its own, one task later, and draws the same label.
  await page.waitForFunction(() => window.compiled === 3);
  assert.equal(await page.evaluate(() => document.getElementById('w1').shadowRoot.querySelector('[part=label]').textContent), 'Sign in, please');
  await context.close();
});

test("a preset's button says its provider's name before the core starts, as the core then does", async () => {
  const { page, context } = await env.newPage();
  await page.addInitScript(countCompiles);
  await openWidget(env, page, {
    attrs: { provider: ' google ', label: '  ' },
    init: () => {
      customElements.whenDefined('oauth-login').then(() => {
        const el = document.getElementById('w1');
        const text = () => el.shadowRoot.querySelector('[part=label]').textContent;
        const first = text();
        // Changed while the core has not started: the early button follows.
        el.setAttribute('provider', 'linkedin');
        window.early = { compiled: window.compiled, first, changed: text() };
      });
    },
  });
  await page.waitForFunction(() => window.early);
  assert.deepEqual(await page.evaluate(() => window.early), { compiled: 1, first: 'Log in with Google', changed: 'Log in with LinkedIn' });
  // The core, once started, draws the same label: no flash.
  await page.waitForFunction(() => window.compiled === 3);
  await page.waitForFunction(() => document.getElementById('w1').shadowRoot.querySelector('button').dataset.state);
  assert.equal(await page.evaluate(() => document.getElementById('w1').shadowRoot.querySelector('[part=label]').textContent), 'Log in with LinkedIn');
  await context.close();
});

test('a restored session: loggedIn, accessToken and profile are right as soon as whenDefined resolves', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page, { attrs: { 'authorize-url': null, issuer: env.provider, 'client-id': PUBLIC_CLIENT_ID, scope: 'openid profile email', storage: 'session' } });
  const popup = await startLogin(page);
  await decide(popup, 'Allow');
  const { ok } = await loginOutcome(page, 'w1', 15_000);
  assert.ok(ok?.profile?.sub, JSON.stringify(ok));
  await page.addInitScript(() => {
    customElements.whenDefined('oauth-login').then(() => {
      const el = document.getElementById('w1');
      window.early = { loggedIn: el.loggedIn, accessToken: el.accessToken, profile: el.profile, idToken: el.idToken, expiresAt: el.expiresAt };
    });
  });
  await page.reload();
  await page.waitForFunction(() => window.early);
  assert.deepEqual(await page.evaluate(() => window.early),
    { loggedIn: true, accessToken: ok.accessToken, profile: ok.profile, idToken: ok.idToken, expiresAt: ok.expiresAt });
  const [restored] = await waitForEvents(page);
  assert.equal(restored.detail.restored, true);
  await context.close();
});

test('a click before the core started opens the popup within the click, and the login completes', async () => {
  const { page, context } = await env.newPage();
  const popupOpened = page.waitForEvent('popup');
  await page.addInitScript(countCompiles);
  await openWidget(env, page, {
    init: () => {
      const open = window.open;
      window.open = (...args) => {
        window.openedInClick = window.inClick;
        return open.apply(window, args);
      };
      window.outcomes = { w1: null };
      document.addEventListener('oauth-login', (e) => { window.outcomes.w1 = { ok: e.detail }; });
      document.addEventListener('oauth-error', (e) => { window.outcomes.w1 = { err: e.detail }; });
      // In the task that defines the element: the core has not started.
      customElements.whenDefined('oauth-login').then(() => {
        window.compiledAtClick = window.compiled;
        window.inClick = true;
        document.getElementById('w1').shadowRoot.querySelector('button').click();
        window.inClick = false;
      });
    },
  });
  const popup = await popupOpened;
  await popup.waitForLoadState();
  assert.deepEqual(await page.evaluate(() => [window.compiledAtClick, window.openedInClick]), [1, true]);
  await decide(popup, 'Allow');
  const outcome = await loginOutcome(page);
  assert.equal(outcome.ok?.accessToken, (await env.controls.lastToken()).access_token, JSON.stringify(outcome));
  assert.equal(await page.evaluate(() => document.getElementById('w1').loggedIn), true);
  await context.close();
});

/**
 * For the popup's callback page: counts the wasm modules a page with an opener compiles, in
 * localStorage (shared with the opener, which reads it once the popup has closed).
 */
function countPopupCompiles() {
  let compiled = 0;
  const Module = WebAssembly.Module;
  WebAssembly.Module = new Proxy(Module, {
    construct(target, args) {
      compiled++;
      if (window.opener) localStorage.setItem('test:popup-compiles', String(compiled));
      return new target(...args);
    },
  });
}

test('a popup\'s callback page takes its opener\'s compiled core, of the same build only', async () => {
  for (const [sameBuild, compiles] of [[true, '1'], [false, '3']]) {
    const { page, context } = await env.newPage();
    await context.addInitScript(countPopupCompiles);
    await openWidget(env, page, { attrs: { 'client-id': PUBLIC_CLIENT_ID } });
    // The click starts the core, which the page then shares; another build's is not taken.
    const popup = await startLogin(page);
    if (!sameBuild) await page.evaluate(() => { window[Symbol.for('oauth-prefab')][0] = 'another build'; });
    await decide(popup, 'Allow');
    const outcome = await loginOutcome(page);
    assert.ok(outcome.ok, JSON.stringify(outcome));
    // The CSP probe; from another build also the decoder and the core decoded there.
    assert.equal(await page.evaluate(() => localStorage.getItem('test:popup-compiles')), compiles, `same build: ${sameBuild}`);
    await context.close();
  }
});
