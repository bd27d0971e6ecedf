// A removed <oauth-login> is collected (issue "A lean widget"): an app that mounts and unmounts the
// widget on every route change must not leak one per mount. 200 widgets are mounted and removed,
// idle ones and logged-in ones (whose expiry timer was armed), then Chromium's GC is forced
// (--js-flags=--expose-gc) and a FinalizationRegistry counts what went. Each element's controller
// lives in the wasm, freed when js/driver.js's FinalizationRegistry (the first one the page makes)
// hears its driver was collected: that registry is watched too.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, startEnvironment } from './harness.mjs';

let env;
let browser;
before(async () => {
  env = await startEnvironment();
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: [...CHROMIUM_ARGS, '--js-flags=--expose-gc'] });
});
after(async () => {
  await browser?.close();
  await env?.close();
});

/**
 * Before any script of the page: the first FinalizationRegistry made (js/driver.js's, which frees
 * a controller's wasm memory) counts the controllers it frees in `window.freedControllers`.
 */
function watchFreedControllers(page) {
  return page.addInitScript(() => {
    const Registry = globalThis.FinalizationRegistry;
    window.freedControllers = 0;
    let first = true;
    globalThis.FinalizationRegistry = class extends Registry {
      constructor(cleanup) {
        const watched = first;
        first = false;
        super((held) => {
          if (watched) window.freedControllers += 1;
          cleanup(held);
        });
      }
    };
  });
}

/**
 * Mounts and removes `count` elements in the page; resolves with how many were collected and how
 * many controllers were freed in the wasm meanwhile.
 */
function mountAndRemove(page, count, attributes, tag = 'oauth-login') {
  return page.evaluate(async ({ count, attributes, tag }) => {
    const freedBefore = window.freedControllers;
    const freed = () => window.freedControllers - freedBefore;
    let collected = 0;
    const registry = new FinalizationRegistry(() => { collected += 1; });
    await customElements.whenDefined('oauth-login');
    // In a function of its own, so no variable of this frame keeps the last element alive.
    const mount = (i) => {
      const element = document.createElement(tag);
      for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value.replace('{i}', String(i)));
      document.body.append(element);
      // Read it, as a page would: properties go through the controller.
      void element.loggedIn;
      void element.callbackurl;
      registry.register(element, i);
      element.remove();
    };
    for (let i = 0; i < count; i += 1) mount(i);
    const controllers = tag === 'oauth-login' ? count : 0;
    for (let round = 0; round < 50 && (collected < count || freed() < controllers); round += 1) {
      // Asynchronously, from a task of its own: a collection run from this script scans the
      // native stack conservatively, and a stale word there kept a random element or two alive
      // for every round (195 of 200, now and then).
      await globalThis.gc({ type: 'major', execution: 'async' });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { collected, freed: freed() };
  }, { count, attributes, tag });
}

test('200 mounted and removed idle widgets are all collected, as <div>s are, and their controllers freed', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await watchFreedControllers(page);
  await page.goto(`${env.web}/e2e/widget.html`);
  assert.equal((await mountAndRemove(page, 200, { title: 'control {i}' }, 'div')).collected, 200, 'the control: plain elements');
  const { collected, freed } = await mountAndRemove(page, 200, { 'client-id': 'leak-{i}', 'authorize-url': `${env.provider}/oauth/authorize` });
  assert.equal(collected, 200);
  assert.ok(freed >= 200, `each removed element's controller is freed in the wasm (${freed} freed)`);
  await context.close();
});

test('200 logged-in widgets (a stored token restored, its expiry timer armed) are all collected once removed, and their controllers freed', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await watchFreedControllers(page);
  await page.goto(`${env.web}/e2e/widget.html`);
  await page.evaluate(() => {
    for (let i = 0; i < 200; i += 1) {
      const expiresAt = Date.now() + 3_600_000;
      sessionStorage.setItem(`oauth-prefab:token:#leak-${i}`, `access_token=t${i}&token_type=bearer&expires_in=3600&expires_at=${expiresAt}&scope=basic`);
    }
  });
  const restored = await page.evaluate(async () => {
    await customElements.whenDefined('oauth-login');
    const element = document.createElement('oauth-login');
    element.id = 'leak-0';
    element.setAttribute('client-id', 'x');
    element.setAttribute('authorize-url', 'https://id.example/a');
    element.setAttribute('storage', 'session');
    document.body.append(element);
    const loggedIn = element.loggedIn;
    element.remove();
    return loggedIn;
  });
  assert.equal(restored, true, 'the stored token is restored, so the expiry timer is armed');
  const collected = await mountAndRemove(page, 200, {
    id: 'leak-{i}', 'client-id': 'x', 'authorize-url': `${env.provider}/oauth/authorize`, storage: 'session',
  });
  assert.equal(collected.collected, 200);
  // At least: the element that checked the restore above may be freed meanwhile too.
  assert.ok(collected.freed >= 200, `each removed element's controller is freed in the wasm (${collected.freed} freed)`);
  await context.close();
});
