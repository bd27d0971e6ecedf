// The message channel and token hygiene: forged responses from another origin and from a
// same-origin frame that is not the popup are ignored (the login stays pending and then completes
// normally), the popup relays to its own origin only, and the token never shows up in the
// console, the DOM or the address.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, loginOutcome, openWidget, startEnvironment, startLogin, stateOf, waitForEvents, widgetState } from './harness.mjs';

let env;
before(async () => { env = await startEnvironment(); });
after(async () => { await env?.close(); });

/** Records, after the widget's own listener, every message the page receives. */
async function recordMessages(page) {
  await page.evaluate(() => {
    window.messages = [];
    window.addEventListener('message', (e) => {
      window.messages.push({ origin: e.origin, data: e.data, fromFrame: [...document.querySelectorAll('iframe')].some((f) => f.contentWindow === e.source) });
    });
  });
}

/** Asserts nothing settled: no event, login() pending, still busy and logged out. */
async function assertStillPending(page) {
  assert.deepEqual(await page.evaluate(() => window.events), []);
  assert.equal(await page.evaluate(() => window.outcomes.w1), null, 'login() is still pending');
  const state = await widgetState(page);
  assert.deepEqual([state.busy, state.loggedIn, state.accessToken, state.message], ['true', false, null, '']);
}

/** Completes the pending login with Allow in `popup`; asserts the provider's token won. */
async function assertCompletesNormally(page, popup) {
  await decide(popup, 'Allow');
  const outcome = await loginOutcome(page);
  const issued = await env.controls.lastToken();
  assert.equal(outcome.ok?.accessToken, issued.access_token, JSON.stringify(outcome));
  const events = await waitForEvents(page);
  assert.deepEqual(events.map((e) => [e.type, e.detail.accessToken]), [['oauth-login', issued.access_token]]);
  assert.equal((await widgetState(page)).accessToken, issued.access_token);
}

test('a forged response from another origin is ignored; the login stays pending', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page);
  const popup = await startLogin(page);
  const state = stateOf(popup);
  await recordMessages(page);
  const otherOrigin = env.web.replace('localhost', '127.0.0.1');
  const forged = `access_token=evil&token_type=bearer&expires_in=3600&state=${state}`;

  // 1. A frame on another origin posts into the page.
  await page.evaluate((src) => {
    const frame = document.createElement('iframe');
    frame.src = src;
    document.body.append(frame);
  }, `${otherOrigin}/e2e/frame.html#${forged}`);
  await page.waitForFunction(() => window.messages.length >= 1);
  // 2. The popup itself, navigated to another origin, posts to its opener: right window, wrong origin.
  await popup.goto(`${otherOrigin}/e2e/frame.html#${forged}`);
  await page.waitForFunction(() => window.messages.length >= 2);
  const messages = await page.evaluate(() => window.messages);
  assert.deepEqual(messages.map((m) => [m.origin, m.data.oauthPrefabResponse, m.fromFrame]),
    [[otherOrigin, forged, true], [otherOrigin, forged, false]]);
  await assertStillPending(page);

  await popup.goBack();
  assert.equal(stateOf(popup), state, 'back on the consent page of the same login');
  await assertCompletesNormally(page, popup);
  await context.close();
});

test('a huge message from another origin does not grow the page\'s WebAssembly memory', async () => {
  // Any window holding this page (a cross-origin frame, its opener) can post while a popup login
  // listens. The core ignores such a message, but its text used to be copied into the wasm
  // memory first (twice), which never shrinks: 50 M characters held 100 MB for the page's life.
  const { page, context } = await env.newPage();
  await page.addInitScript(() => {
    const Instance = WebAssembly.Instance;
    WebAssembly.Instance = function (module, imports) {
      const instance = new Instance(module, imports);
      for (const value of Object.values(instance.exports)) if (value instanceof WebAssembly.Memory) (window.memories ??= []).push(value);
      return instance;
    };
  });
  await openWidget(env, page);
  const popup = await startLogin(page);
  await recordMessages(page);
  const otherOrigin = env.web.replace('localhost', '127.0.0.1');
  await page.evaluate((src) => {
    const frame = document.createElement('iframe');
    frame.src = src;
    document.body.append(frame);
  }, `${otherOrigin}/e2e/frame.html?listen`);
  await page.waitForFunction(() => document.querySelector('iframe')?.contentWindow && window.messages !== undefined);
  const frame = await (await page.waitForSelector('iframe')).contentFrame();
  await frame.waitForFunction(() => document.title === 'listening');
  await frame.evaluate((state) => parent.postMessage({ oauthPrefabResponse: { search: '', hash: `#state=${state}&x=${'a'.repeat(50e6)}`, id: 'b'.repeat(1e6) } }, '*'), stateOf(popup));
  await page.waitForFunction(() => window.messages.length >= 1);
  const largest = await page.evaluate(() => Math.max(...window.memories.map((m) => m.buffer.byteLength)));
  assert.ok(largest < 16 * 1024 * 1024, `the wasm memory grew to ${largest} bytes`);
  await assertStillPending(page);
  await assertCompletesNormally(page, popup);
  await context.close();
});

test('a forged response from a same-origin frame that is not the popup is ignored', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page);
  const popup = await startLogin(page);
  await recordMessages(page);
  const forged = `access_token=evil&token_type=bearer&expires_in=3600&state=${stateOf(popup)}`;
  await page.evaluate((src) => {
    const frame = document.createElement('iframe');
    frame.src = src;
    document.body.append(frame);
  }, `${env.web}/e2e/frame.html?to=${encodeURIComponent(env.web)}#${forged}`);
  await page.waitForFunction(() => window.messages.length >= 1);
  const [message] = await page.evaluate(() => window.messages);
  assert.deepEqual([message.origin, message.data.oauthPrefabResponse, message.fromFrame], [env.web, forged, true]);
  await assertStillPending(page);
  await assertCompletesNormally(page, popup);
  await context.close();
});

test('the popup addresses its response to its own origin only, not to an opener that left', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page);
  const popup = await startLogin(page);
  // The opener tab goes to another origin while the popup is open (a navigation by the page
  // itself: one from the address bar would sever the popup's link to its opener).
  const otherOrigin = env.web.replace('localhost', '127.0.0.1');
  await Promise.all([
    page.waitForURL(`${otherOrigin}/e2e/frame.html?listen`),
    page.evaluate((url) => { location.href = url; }, `${otherOrigin}/e2e/frame.html?listen`),
  ]);
  await page.waitForFunction(() => document.title === 'listening');
  // The channel works: a message posted to "*" from the popup does reach the new page.
  await popup.evaluate(() => window.opener.postMessage({ probe: 1 }, '*'));
  await page.waitForFunction(() => window.messages.length === 1);
  await popup.getByRole('button', { name: 'Allow' }).click();
  const issued = await env.controls.lastToken();
  assert.ok(issued?.access_token, 'a token was issued and went to the callback page');
  // No page took the response: the popup says so, as text, instead of closing silently, and the
  // response has left its address.
  await popup.waitForFunction(() => /start the login again/.test(document.body?.textContent ?? ''));
  assert.equal(new URL(popup.url()).hash, '');
  assert.ok(!(await popup.content()).includes(issued.access_token));
  const messages = await page.evaluate(() => window.messages);
  assert.deepEqual(messages.map((m) => m.data), [{ probe: 1 }], 'the response never reached the other origin');
  assert.ok(!JSON.stringify(messages).includes(issued.access_token));
  await context.close();
});

test('the token never appears in the console, the DOM or the address', async () => {
  const { page, context, consoleLines } = await env.newPage();
  await openWidget(env, page, { attrs: { storage: 'session' } });
  const popup = await startLogin(page);
  await decide(popup, 'Allow');
  const outcome = await loginOutcome(page);
  const token = (await env.controls.lastToken()).access_token;
  assert.equal(outcome.ok?.accessToken, token);
  // Use it, then have it restored from storage on a reload, then log out: more chances to leak.
  const status = await page.evaluate((url) => document.getElementById('w1').fetch(url).then((r) => r.status), `${env.provider}/v1/users/self`);
  assert.equal(status, 200);

  const leaks = async () => page.evaluate((token) => {
    const el = document.getElementById('w1');
    return {
      html: document.documentElement.outerHTML.includes(token),
      shadow: el.shadowRoot.innerHTML.includes(token),
      attributes: [...document.querySelectorAll('*')].some((n) => [...n.attributes].some((a) => a.value.includes(token))),
      url: location.href.includes(token),
      title: document.title.includes(token),
    };
  }, token);
  const none = { html: false, shadow: false, attributes: false, url: false, title: false };
  assert.deepEqual(await leaks(), none);
  await page.reload();
  await waitForEvents(page);
  assert.equal((await widgetState(page)).accessToken, token, 'restored');
  assert.deepEqual(await leaks(), none);
  assert.ok(!page.url().includes(token));
  await page.evaluate(() => document.getElementById('w1').logout());
  assert.deepEqual(await leaks(), none);

  const leaked = consoleLines.filter((line) => line.includes(token));
  assert.deepEqual(leaked, [], 'console');
  await context.close();
});
