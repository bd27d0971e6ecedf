// Redirect mode end to end: the round trip with the address cleaned afterwards, a blocked popup
// going on as a redirect (fallback="redirect", the default), the result delivered to the element
// that started it, Instagram's stateless query denial on return, a replayed callback URL, and the
// address cleaned on a page whose <base href> is another origin's.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clickToProvider as clickTo, decideInTab as decideIn, launchChromium, loginOutcome, openWidget, pendingKeys, recordUrls, startEnvironment, startLogin, waitForEvents, widgetState,
} from './harness.mjs';

let env;
before(async () => { env = await startEnvironment(); });
after(async () => { await env?.close(); });

const clickToProvider = (page, id) => clickTo(env, page, id);
const decideInTab = (page, name, path) => decideIn(env, page, name, path);





test('redirect mode: the login round trip delivers oauth-login and cleans the address', async () => {
  const { page, context } = await env.newPage();
  const urls = recordUrls(page);
  await openWidget(env, page, { attrs: { mode: 'redirect', scope: 'basic' } });
  await clickToProvider(page);
  const sent = await env.controls.lastAuthorize();
  assert.equal(sent.redirect_uri, `${env.web}/e2e/widget.html`);
  assert.equal(sent.response_type, 'token');
  assert.match(sent.state, /^[0-9a-f]{64}$/);
  await decideInTab(page, 'Allow');
  const issued = await env.controls.lastToken();
  assert.equal(issued.state, sent.state);

  // The listener the page added before the module loaded heard it.
  const events = await waitForEvents(page);
  assert.equal(events.length, 1, JSON.stringify(events));
  assert.deepEqual(events[0].target, 'w1');
  assert.equal(events[0].type, 'oauth-login');
  assert.equal(events[0].detail.accessToken, issued.access_token);
  assert.equal(events[0].detail.expiresIn, 3600);
  assert.deepEqual(events[0].detail.scope, ['basic']);
  assert.equal(events[0].detail.restored, false);
  const state = await widgetState(page);
  assert.deepEqual([state.loggedIn, state.accessToken, state.busy], [true, issued.access_token, 'false']);

  // The response is gone from the address bar and from history.
  assert.equal(page.url(), `${env.web}/e2e/widget.html`);
  assert.equal(await page.evaluate(() => location.hash + location.search), '');
  assert.deepEqual(await pendingKeys(page), [], 'the redirect login is used up');
  await page.goBack();
  assert.ok(!page.url().includes(issued.access_token), `back: ${page.url()}`);
  await page.goForward();
  assert.equal(page.url(), `${env.web}/e2e/widget.html`);
  assert.ok(urls.some((u) => u.includes('#access_token=')), 'the response did arrive in the address');
  await context.close();
});

test('a page whose <base href> is another origin\'s still has a response taken out of its address', async () => {
  const { page, context, consoleLines } = await env.newPage();
  // A page whose links resolve against a CDN (its own scripts named absolutely): `history`
  // resolves a relative address against that base too.
  await page.route(`${env.web}/e2e/widget.html**`, async (route) => {
    const response = await route.fetch();
    const body = (await response.text())
      .replace('<head>', '<head><base href="https://cdn.invalid/">')
      .replaceAll('src="/', `src="${env.web}/`);
    await route.fulfill({ response, body });
  });
  await openWidget(env, page, { path: '/e2e/widget.html?keep=1&error=access_denied&error_reason=user_denied' });
  assert.equal(await page.evaluate(() => document.baseURI), 'https://cdn.invalid/');
  await page.waitForFunction(() => !location.search.includes('error'));
  assert.equal(page.url(), `${env.web}/e2e/widget.html?keep=1`);
  assert.deepEqual(consoleLines.filter((l) => l.startsWith('pageerror')), []);
  await context.close();
});

test('redirect mode: the token has left the address before the page\'s other scripts see it (DOMContentLoaded)', async () => {
  const { page, context } = await env.newPage();
  // On every load: what the page's own code (a router, an analytics snippet) reads once the
  // document is parsed and its deferred and module scripts have run.
  await page.addInitScript(() => {
    document.addEventListener('DOMContentLoaded', () => { sessionStorage.setItem('seen', location.href); });
  });
  await openWidget(env, page, { attrs: { mode: 'redirect', scope: 'basic' } });
  await clickToProvider(page);
  await decideInTab(page, 'Allow');
  const [event] = await waitForEvents(page);
  assert.equal(event.type, 'oauth-login');
  const seen = await page.evaluate(() => sessionStorage.getItem('seen'));
  assert.equal(seen, `${env.web}/e2e/widget.html`, 'the address the page\'s scripts read');
  await context.close();
});

test('a blocked popup with the default fallback goes on as a redirect login', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page, { init: () => { window.open = () => null; } });
  assert.equal(await page.evaluate(() => document.getElementById('w1').getAttribute('fallback')), null, 'default fallback');
  await clickToProvider(page);
  await decideInTab(page, 'Allow');
  const issued = await env.controls.lastToken();
  const events = await waitForEvents(page);
  assert.deepEqual(events.map((e) => [e.type, e.target, e.detail.accessToken]), [['oauth-login', 'w1', issued.access_token]]);
  assert.equal(page.url(), `${env.web}/e2e/widget.html`);
  assert.equal((await widgetState(page)).loggedIn, true);
  await context.close();
});

test('a redirect result goes to the element that started the login', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page, { path: '/e2e/two.html', attrs: { w2: { mode: 'redirect' } } });
  await clickToProvider(page, 'w2');
  assert.equal((await env.controls.lastAuthorize()).scope, 'likes');
  await decideInTab(page, 'Allow', '/e2e/two.html');
  const issued = await env.controls.lastToken();
  const events = await waitForEvents(page);
  assert.deepEqual(events.map((e) => [e.type, e.target, e.detail.accessToken]), [['oauth-login', 'w2', issued.access_token]]);
  const held = await page.evaluate(() => ['w1', 'w2'].map((id) => document.getElementById(id).loggedIn));
  assert.deepEqual(held, [false, true]);
  assert.equal(page.url(), `${env.web}/e2e/two.html`);
  await context.close();
});

test('redirect mode: Instagram\'s stateless denial in the query is reported, other query parameters stay', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page, {
    path: '/e2e/widget.html?keep=1',
    attrs: {
      mode: 'redirect', provider: 'instagram',
      'authorize-url': `${env.provider}/oauth/authorize?deny_in=query`,
      'redirect-uri': `${env.web}/e2e/widget.html?keep=1`,
    },
  });
  await clickToProvider(page);
  assert.equal((await env.controls.lastAuthorize()).redirect_uri, `${env.web}/e2e/widget.html?keep=1`);
  await decideInTab(page, 'Deny');
  const events = await waitForEvents(page);
  assert.deepEqual(events, [{
    type: 'oauth-error', target: 'w1',
    detail: { error: 'access_denied', description: 'The user denied your request', reason: 'user_denied', uri: null },
  }]);
  assert.equal(page.url(), `${env.web}/e2e/widget.html?keep=1`);
  assert.equal((await widgetState(page)).message, 'Login failed: The user denied your request');
  assert.deepEqual(await pendingKeys(page), []);
  await context.close();
});

test('a replayed callback URL is refused with state_mismatch', async () => {
  const { page, context } = await env.newPage();
  const urls = recordUrls(page);
  await openWidget(env, page, { attrs: { mode: 'redirect' } });
  await clickToProvider(page);
  await decideInTab(page, 'Allow');
  const issued = await env.controls.lastToken();
  const first = await waitForEvents(page);
  assert.equal(first[0].detail.accessToken, issued.access_token);
  const callback = urls.find((u) => u.includes('#access_token='));
  assert.ok(callback?.includes(issued.access_token), `callback URL seen: ${callback}`);

  // Load the very same callback URL again in this tab (a fresh document, as a replay would be).
  await page.goto('about:blank');
  await page.goto(callback);
  await page.waitForFunction(() => customElements.get('oauth-login'));
  const events = await waitForEvents(page);
  assert.equal(events.length, 1, JSON.stringify(events));
  assert.equal(events[0].type, 'oauth-error');
  assert.equal(events[0].target, 'w1');
  assert.equal(events[0].detail.error, 'state_mismatch');
  const state = await widgetState(page);
  assert.deepEqual([state.loggedIn, state.accessToken], [false, null]);
  assert.equal(page.url(), `${env.web}/e2e/widget.html`, 'the replayed response is stripped too');
  await context.close();
});

test('a response in the query leaves with its parameters only: the page\'s other parameters and its own fragment stay', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page, { path: '/e2e/widget.html?keep=1&code=c1&state=s1&iss=x&session_state=q&after=2#section' });
  const events = await waitForEvents(page);
  assert.deepEqual(events.map((e) => [e.type, e.detail.error]), [['oauth-error', 'state_mismatch']]);
  assert.equal(page.url(), `${env.web}/e2e/widget.html?keep=1&after=2#section`);
  await context.close();
});

test('back from the provider to the page kept whole (back/forward cache): its login() rejects with login_cancelled', async () => {
  const browser = await launchChromium({ backForwardCache: true });
  const page = await (await browser.newContext()).newPage();
  await openWidget(env, page, { attrs: { mode: 'redirect' } });
  await startLogin(page, { popup: false });
  await page.waitForURL((url) => url.href.startsWith(`${env.provider}/oauth/authorize?`));
  // A page restored from the cache fires no load event.
  await page.goBack({ waitUntil: 'commit' });
  // The same page, not a new load: the promise from before the trip is still there to settle.
  assert.equal(await page.evaluate(() => 'outcomes' in window), true, 'the page came from the back/forward cache');
  const outcome = await loginOutcome(page);
  assert.equal(outcome.err?.code, 'login_cancelled', JSON.stringify(outcome));
  assert.deepEqual(await pendingKeys(page), [], 'the pending login is gone');
  const state = await widgetState(page);
  assert.equal(state.busy, 'false');
  await browser.close();
});
