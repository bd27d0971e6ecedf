// The token once issued: logout(), expiry, fetch() with and without a token (Bearer header for a
// custom provider, access_token query parameter for the instagram preset), and storage: restore
// from sessionStorage and localStorage, nothing kept with the default memory storage.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decide, loginOutcome, openWidget, respondInPopup, startEnvironment, startLogin, stateOf, waitForEvents, widgetState,
} from './harness.mjs';

let env;
before(async () => { env = await startEnvironment(); });
after(async () => { await env?.close(); });

const TOKEN_PREFIX = 'oauth-prefab:token:';

/** A popup login answered with Allow; resolves with the login detail. */
async function allowLogin(page) {
  const popup = await startLogin(page);
  await decide(popup, 'Allow');
  const outcome = await loginOutcome(page);
  assert.ok(outcome.ok, JSON.stringify(outcome));
  assert.equal(outcome.ok.accessToken, (await env.controls.lastToken()).access_token);
  return outcome.ok;
}

/** The widget's entries in sessionStorage and localStorage. */
function storedTokens(page) {
  return page.evaluate((prefix) => {
    const pick = (s) => Object.fromEntries(Object.keys(s).filter((k) => k.startsWith(prefix)).map((k) => [k, s.getItem(k)]));
    return { session: pick(sessionStorage), local: pick(localStorage) };
  }, TOKEN_PREFIX);
}

/** Runs el.fetch(url) in the page; resolves with the response (status, body) or the error. */
function widgetFetch(page, url) {
  return page.evaluate(async (url) => {
    try {
      const response = await document.getElementById('w1').fetch(url);
      return { status: response.status, body: await response.json() };
    } catch (e) {
      return { err: { name: e?.name, code: e?.code, description: e?.description, isError: e instanceof Error } };
    }
  }, url);
}

/** Every request the page makes to the provider's API. */
function apiRequests(page) {
  const seen = [];
  page.on('request', (request) => {
    if (request.url().startsWith(`${env.provider}/v1/`)) seen.push(request);
  });
  return seen;
}

test('logout() forgets the token and its stored copy and fires oauth-logout', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page, { attrs: { storage: 'local' } });
  await allowLogin(page);
  assert.equal(Object.keys((await storedTokens(page)).local).length, 1);
  await page.evaluate(() => document.getElementById('w1').logout());
  const events = await waitForEvents(page, 2);
  assert.deepEqual(events[1], { type: 'oauth-logout', detail: { provider: 'custom' }, target: 'w1' });
  const state = await widgetState(page);
  assert.deepEqual([state.loggedIn, state.accessToken, state.expiresAt], [false, null, null]);
  assert.deepEqual(await storedTokens(page), { session: {}, local: {} });
  const fetched = await widgetFetch(page, `${env.provider}/v1/users/self`);
  assert.equal(fetched.err?.code, 'login_required');
  // Nothing comes back on reload.
  await page.reload();
  await page.waitForFunction(() => customElements.get('oauth-login'));
  await page.waitForTimeout(300);
  assert.deepEqual(await page.evaluate(() => window.events), []);
  assert.equal((await widgetState(page)).loggedIn, false);
  await context.close();
});

test('the token expires at expiresAt: oauth-expired, logged out, not restored afterwards', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page, { attrs: { storage: 'session' } });
  await page.evaluate(() => {
    document.getElementById('w1').addEventListener('oauth-expired', () => { window.expiredAt = Date.now(); });
  });
  const popup = await startLogin(page);
  await respondInPopup(env, popup, { fragment: `access_token=shortlived&token_type=bearer&expires_in=2&state=${stateOf(popup)}` });
  const { ok } = await loginOutcome(page);
  assert.equal(ok?.expiresIn, 2);
  const held = await widgetState(page);
  assert.deepEqual([held.loggedIn, held.accessToken, held.expiresAt], [true, 'shortlived', ok.expiresAt]);

  const events = await waitForEvents(page, 2, 5_000);
  assert.deepEqual(events[1], { type: 'oauth-expired', detail: { provider: 'custom', error: null }, target: 'w1' });
  const expiredAt = await page.evaluate(() => window.expiredAt);
  assert.ok(expiredAt >= ok.expiresAt - 5 && expiredAt < ok.expiresAt + 1_000,
    `oauth-expired at ${expiredAt}, expiresAt ${ok.expiresAt}`);
  const state = await widgetState(page);
  assert.deepEqual([state.loggedIn, state.accessToken, state.expiresAt], [false, null, null]);
  assert.equal((await widgetFetch(page, `${env.provider}/v1/users/self`)).err?.code, 'login_required');
  await page.reload();
  await page.waitForFunction(() => customElements.get('oauth-login'));
  await page.waitForTimeout(300);
  assert.deepEqual(await page.evaluate(() => window.events), [], 'an expired token is not restored');
  await context.close();
});

test('fetch() with a token sends it as a Bearer header (custom provider)', async () => {
  const { page, context } = await env.newPage();
  const seen = apiRequests(page);
  await openWidget(env, page);
  const { accessToken } = await allowLogin(page);
  const result = await widgetFetch(page, `${env.provider}/v1/users/self`);
  assert.equal(result.status, 200, JSON.stringify(result));
  assert.equal(result.body.data.username, 'snoopdogg');
  const request = seen.find((r) => r.method() === 'GET');
  assert.equal((await request.allHeaders()).authorization, `Bearer ${accessToken}`);
  assert.ok(!request.url().includes(accessToken), 'not in the URL');
  await context.close();
});

test('fetch() with a token puts it in the access_token query parameter (instagram preset)', async () => {
  const { page, context } = await env.newPage();
  const seen = apiRequests(page);
  await openWidget(env, page, { attrs: { provider: 'instagram', 'authorize-url': `${env.provider}/oauth/authorize` } });
  const { accessToken, provider } = await allowLogin(page);
  assert.equal(provider, 'instagram');
  const result = await widgetFetch(page, `${env.provider}/v1/users/self?count=1`);
  assert.equal(result.status, 200, JSON.stringify(result));
  assert.equal(result.body.data.username, 'snoopdogg');
  const request = seen.find((r) => r.method() === 'GET');
  const url = new URL(request.url());
  assert.equal(url.searchParams.get('access_token'), accessToken);
  assert.equal(url.searchParams.get('count'), '1', 'the page\'s own query stays');
  assert.equal((await request.allHeaders()).authorization, undefined);
  await context.close();
});

test('fetch() without a token rejects with login_required and sends nothing', async () => {
  const { page, context } = await env.newPage();
  const seen = apiRequests(page);
  await openWidget(env, page);
  const result = await widgetFetch(page, `${env.provider}/v1/users/self`);
  assert.equal(result.err?.name, 'OAuthError');
  assert.equal(result.err.code, 'login_required');
  assert.equal(result.err.isError, true);
  assert.ok(result.err.description.length > 0);
  assert.equal(seen.length, 0);
  await context.close();
});

test('storage="session": a reload restores the token with restored: true', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page, { attrs: { storage: 'session' } });
  const detail = await allowLogin(page);
  const stored = await storedTokens(page);
  assert.equal(Object.keys(stored.session).length, 1);
  assert.deepEqual(stored.local, {});
  await page.reload();
  await page.waitForFunction(() => customElements.get('oauth-login'));
  const events = await waitForEvents(page);
  assert.deepEqual(events, [{ type: 'oauth-login', detail: { ...detail, restored: true }, target: 'w1' }]);
  const state = await widgetState(page);
  assert.deepEqual([state.loggedIn, state.accessToken, state.expiresAt], [true, detail.accessToken, detail.expiresAt]);
  const result = await widgetFetch(page, `${env.provider}/v1/users/self`);
  assert.equal(result.status, 200);
  // sessionStorage is per tab: a new tab starts logged out.
  const other = await context.newPage();
  await openWidget(env, other);
  await other.waitForTimeout(300);
  assert.deepEqual(await other.evaluate(() => window.events), []);
  await context.close();
});

test('storage="local": another tab restores the token with restored: true', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page, { attrs: { storage: 'local' } });
  const detail = await allowLogin(page);
  const stored = await storedTokens(page);
  assert.equal(Object.keys(stored.local).length, 1);
  assert.deepEqual(stored.session, {});
  const other = await context.newPage();
  await other.addInitScript(() => { window.__attrs = { storage: 'local' }; });
  await other.goto(`${env.web}/e2e/widget.html`);
  const events = await waitForEvents(other);
  assert.deepEqual(events, [{ type: 'oauth-login', detail: { ...detail, restored: true }, target: 'w1' }]);
  const state = await widgetState(other);
  assert.deepEqual([state.loggedIn, state.accessToken, state.expiresAt], [true, detail.accessToken, detail.expiresAt]);
  await context.close();
});

test('storage="memory" (the default) keeps the token out of web storage; a reload forgets it', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page);
  const { accessToken } = await allowLogin(page);
  const everything = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }));
  assert.ok(!everything.includes(accessToken));
  await page.reload();
  await page.waitForFunction(() => customElements.get('oauth-login'));
  await page.waitForTimeout(300);
  assert.deepEqual(await page.evaluate(() => window.events), []);
  assert.equal((await widgetState(page)).loggedIn, false);
  await context.close();
});

test('storage="local": an element inserted first and given its client-id after restores the stored session then', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page, { attrs: { storage: 'local' } });
  const detail = await allowLogin(page);
  const other = await context.newPage();
  // The fixture's element loses its client-id before the module loads; the page gives it back
  // once the element is defined and connected (a framework binding it after mounting).
  await other.addInitScript(() => { window.__attrs = { storage: 'local', 'client-id': null }; });
  await other.goto(`${env.web}/e2e/widget.html`);
  await other.waitForFunction(() => customElements.get('oauth-login'));
  await other.waitForTimeout(200);
  assert.deepEqual(await other.evaluate(() => window.events), []);
  await other.evaluate(() => { document.getElementById('w1').clientId = 'e2e-app'; });
  const events = await waitForEvents(other);
  assert.deepEqual(events, [{ type: 'oauth-login', detail: { ...detail, restored: true }, target: 'w1' }]);
  assert.equal((await widgetState(other)).loggedIn, true);
  await context.close();
});
