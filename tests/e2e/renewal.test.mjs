// Staying logged in, and logging out ("Staying logged in, and logging out" in the contract), in
// Chromium against the dev provider with 4-second access tokens: renewals with rotating refresh
// tokens, a revoked and a reused refresh token, the provider down during a renewal, two tabs
// sharing one session, logout revoking both tokens, and logout at the provider (RP-Initiated
// Logout) with its return. oidc-provider's renewal and logout are in interop-oidc.test.mjs.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { PUBLIC_CLIENT_ID, decide, eventsOf, loginOutcome, openWidget, recordPosts, startEnvironment, startLogin, waitForEvents, widgetState } from './harness.mjs';

const TOKEN_TTL_SECS = 4;

let env;
before(async () => { env = await startEnvironment({ providerArgs: ['--token-ttl', String(TOKEN_TTL_SECS)] }); });
after(async () => { await env?.close(); });
beforeEach(async () => { await env.controls.reset(); });

/** #w1 found by discovery, asking for a refresh token, its session shared by the tabs. */
function attrs(extra = {}) {
  return {
    'authorize-url': null, issuer: env.provider, 'client-id': PUBLIC_CLIENT_ID,
    scope: 'openid profile offline_access', storage: 'local', ...extra,
  };
}

/** Logs #w1 in through the consent page; its `oauth-login` detail. */
async function logIn(page) {
  const popup = await startLogin(page);
  await decide(popup, 'Allow');
  const { ok, err } = await loginOutcome(page, 'w1', 15_000);
  assert.ok(ok, JSON.stringify(err));
  return ok;
}

/** The refresh requests the browser context sent to the dev provider. */
function refreshes(posts) {
  return posts.filter((p) => p.fields.get('grant_type') === 'refresh_token').map((p) => p.fields);
}

async function revoke(token) {
  const response = await fetch(`${env.provider}/revoke`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, token_type_hint: 'refresh_token', client_id: PUBLIC_CLIENT_ID }),
  });
  assert.equal(response.status, 200);
}

/** The refresh token the dev provider issued last. */
async function lastRefreshToken() {
  return (await env.controls.lastToken()).refresh_token;
}

test('renewed before expiry, then again with the rotated refresh token', async () => {
  const { context, page } = await env.newPage();
  try {
    const posts = recordPosts(context, `${env.provider}/oauth/token`);
    await openWidget(env, page, { attrs: attrs() });
    const login = await logIn(page);
    const first = await lastRefreshToken();
    assert.ok(first, 'offline_access gave a refresh token');
    const renewed = await eventsOf(page, 'oauth-renewed', 2);
    const sent = refreshes(posts);
    assert.equal(sent.length, 2);
    assert.deepEqual([sent[0].get('refresh_token'), sent[0].get('client_id'), sent[0].get('client_secret')], [first, PUBLIC_CLIENT_ID, null]);
    assert.notEqual(sent[1].get('refresh_token'), first, 'the second renewal sends the rotated token');
    assert.notEqual(renewed[0].detail.accessToken, login.accessToken);
    assert.notEqual(renewed[1].detail.accessToken, renewed[0].detail.accessToken);
    // Each before the token it replaced expired; the person stays who they were.
    assert.ok(renewed[0].detail.expiresAt > login.expiresAt);
    assert.deepEqual([renewed[1].detail.profile, renewed[1].detail.restored], [login.profile, false]);
    assert.equal((await widgetState(page)).accessToken, renewed[1].detail.accessToken);
    assert.deepEqual((await page.evaluate(() => window.events)).filter((e) => e.type === 'oauth-expired'), []);
  } finally {
    await context.close();
  }
});

test('a revoked refresh token ends the session with oauth-expired invalid_grant, in both tabs', async () => {
  const { context, page } = await env.newPage();
  try {
    await openWidget(env, page, { attrs: attrs() });
    const other = await context.newPage();
    await openWidget(env, other, { attrs: attrs() });
    await logIn(page);
    await eventsOf(other, 'oauth-login', 1, 1_000);
    await revoke(await lastRefreshToken());
    for (const tab of [page, other]) {
      const [expired] = await eventsOf(tab, 'oauth-expired');
      assert.deepEqual(expired.detail, { provider: 'custom', error: 'invalid_grant' });
      const state = await widgetState(tab);
      assert.deepEqual([state.loggedIn, state.accessToken], [false, null]);
      assert.deepEqual((await tab.evaluate(() => window.events)).filter((e) => e.type === 'oauth-logout'), [], 'an end, not a logout');
    }
    // No token is left: the shared record only says why the session ended.
    const stored = await page.evaluate(() => Object.entries(localStorage).filter(([k]) => k.startsWith('oauth-prefab:token')));
    assert.deepEqual(stored.map(([, v]) => v), ['ended=invalid_grant']);
  } finally {
    await context.close();
  }
});

test('a reused refresh token revokes the family: the next renewal ends the session', async () => {
  const { context, page } = await env.newPage();
  try {
    await openWidget(env, page, { attrs: attrs() });
    await logIn(page);
    const first = await lastRefreshToken();
    await eventsOf(page, 'oauth-renewed');
    // Someone replays the used token: the provider revokes every token of the login.
    const replay = await fetch(`${env.provider}/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: first, client_id: PUBLIC_CLIENT_ID }),
    });
    assert.equal(replay.status, 400);
    const [expired] = await eventsOf(page, 'oauth-expired');
    assert.equal(expired.detail.error, 'invalid_grant');
  } finally {
    await context.close();
  }
});

test('a page whose Web Locks refuse the lock (a sandboxed frame, say) renews on its own, as one without them', async () => {
  const { context, page, consoleLines } = await env.newPage();
  try {
    const init = () => {
      window.lockTries = 0;
      LockManager.prototype.request = function () {
        window.lockTries += 1;
        return Promise.reject(new DOMException('locks are refused here', 'SecurityError'));
      };
    };
    await openWidget(env, page, { attrs: attrs(), init });
    const login = await logIn(page);
    const [renewed] = await eventsOf(page, 'oauth-renewed');
    assert.notEqual(renewed.detail.accessToken, login.accessToken);
    assert.ok(await page.evaluate(() => window.lockTries) >= 1, 'the lock was asked for');
    assert.deepEqual(consoleLines.filter((l) => l.includes('locks are refused')), [], 'no unhandled rejection');
  } finally {
    await context.close();
  }
});

test('the provider down during the renewal: tried again, then oauth-expired network_error; a login works again after', async () => {
  const { context, page, consoleLines } = await env.newPage();
  try {
    await openWidget(env, page, { attrs: attrs() });
    await logIn(page);
    let tries = 0;
    await context.route(`${env.provider}/oauth/token`, (route) => { tries += 1; return route.abort('connectionrefused'); });
    const [expired] = await eventsOf(page, 'oauth-expired');
    assert.deepEqual(expired.detail, { provider: 'custom', error: 'network_error' });
    assert.ok(tries >= 2, `tried ${tries} times`);
    assert.ok(consoleLines.some((l) => l.includes('the session ended')), consoleLines.join('\n'));
    assert.equal((await widgetState(page)).message, 'Your session expired. Please log in again.');
    await context.unroute(`${env.provider}/oauth/token`);
    await logIn(page);
  } finally {
    await context.close();
  }
});

test('two tabs share one session: a login, one renewal between them, a logout', async () => {
  const { context, page } = await env.newPage();
  try {
    const posts = recordPosts(context, `${env.provider}/oauth/token`);
    await openWidget(env, page, { attrs: attrs() });
    const other = await context.newPage();
    await openWidget(env, other, { attrs: attrs() });
    const login = await logIn(page);
    const [restored] = await eventsOf(other, 'oauth-login', 1, 1_000);
    assert.deepEqual([restored.detail.accessToken, restored.detail.restored], [login.accessToken, true]);
    // Both tabs' timers come due together; one renews, the other takes its result.
    const [here] = await eventsOf(page, 'oauth-renewed');
    const [there] = await eventsOf(other, 'oauth-renewed');
    assert.equal(there.detail.accessToken, here.detail.accessToken);
    await page.waitForTimeout(500);
    const sent = refreshes(posts);
    assert.equal(sent.length, 1, `one renewal between the tabs, not ${sent.length}`);
    const requests = await env.controls.tokenRequests();
    assert.ok(requests.every((r) => r.status === 200), JSON.stringify(requests));
    // A logout in one tab reaches the other within a second.
    await page.evaluate(() => document.getElementById('w1').logout());
    const [loggedOut] = await eventsOf(other, 'oauth-logout', 1, 1_000);
    assert.deepEqual(loggedOut.detail, { provider: 'custom' });
    assert.equal((await widgetState(other)).loggedIn, false);
  } finally {
    await context.close();
  }
});

test('two elements with the same key on one page share the session as two tabs do: a login, a renewal, a logout', async () => {
  const { context, page } = await env.newPage();
  try {
    const posts = recordPosts(context, `${env.provider}/oauth/token`);
    // No id: both elements' key is the issuer and the client id.
    const same = attrs({ id: null });
    await openWidget(env, page, { path: '/e2e/two.html', attrs: { w1: same, w2: same } });
    const states = () => page.evaluate(() => [...document.querySelectorAll('oauth-login')].map((el) => [el.loggedIn, el.accessToken]));
    const [popup] = await Promise.all([
      page.waitForEvent('popup'),
      page.evaluate(() => { document.querySelector('oauth-login').login(); }),
    ]);
    await popup.waitForLoadState();
    await decide(popup, 'Allow');
    const logins = await eventsOf(page, 'oauth-login', 2, 5_000);
    assert.deepEqual(logins.map((e) => e.detail.restored), [false, true], 'the other element hears the login');
    const [[in1, token1], [in2, token2]] = await states();
    assert.deepEqual([in1, in2, token2], [true, true, token1]);
    // One renewal for the two, as for two tabs.
    const renewed = await eventsOf(page, 'oauth-renewed', 2);
    assert.equal(renewed[0].detail.accessToken, renewed[1].detail.accessToken);
    await page.waitForTimeout(500);
    assert.equal(refreshes(posts).length, 1, 'one renewal between the elements');
    // A logout through one reaches the other.
    await page.evaluate(() => document.querySelector('oauth-login').logout());
    await eventsOf(page, 'oauth-logout', 2, 2_000);
    assert.deepEqual((await states()).map(([loggedIn]) => loggedIn), [false, false]);
  } finally {
    await context.close();
  }
});

test('a login that timed out with its code exchange out: the tokens its late answer brings are revoked', async () => {
  const { context, page } = await env.newPage();
  try {
    await openWidget(env, page, { attrs: attrs({ timeout: '5' }) });
    // The code exchange reaches the dev provider, which issues the tokens; its answer is held
    // back until the login has timed out.
    let answered;
    const held = new Promise((resolve) => { answered = resolve; });
    await page.route(`${env.provider}/oauth/token`, async (route) => {
      if (new URLSearchParams(route.request().postData() ?? '').get('grant_type') === 'authorization_code') {
        const response = await route.fetch();
        return answered({ route, response, body: await response.json() });
      }
      return route.continue();
    });
    const popup = await startLogin(page);
    await decide(popup, 'Allow');
    const { route, response, body } = await held;
    assert.ok(body.refresh_token, JSON.stringify(body));
    const { err } = await loginOutcome(page, 'w1', 15_000);
    assert.equal(err?.code, 'timeout', JSON.stringify(err));
    assert.deepEqual(await env.controls.get('/test/revocations'), []);
    await route.fulfill({ response });
    let revocations = [];
    for (let waited = 0; revocations.length < 2 && waited < 5_000; waited += 100) {
      await page.waitForTimeout(100);
      revocations = await env.controls.get('/test/revocations');
    }
    assert.deepEqual(revocations.map((r) => [r.token_type_hint, r.status]).sort(), [['access_token', 200], ['refresh_token', 200]]);
    // The refresh token, live at the provider until then, is revoked.
    const replay = await fetch(`${env.provider}/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: body.refresh_token, client_id: PUBLIC_CLIENT_ID }),
    });
    assert.equal(replay.status, 400);
    // Nothing was kept, and the page heard only the timeout.
    assert.equal((await widgetState(page)).loggedIn, false);
    assert.deepEqual((await page.evaluate(() => window.events)).map((e) => e.type), ['oauth-error']);
  } finally {
    await context.close();
  }
});

test('logout revokes the refresh and the access token: the API then answers 401', async () => {
  const { context, page } = await env.newPage();
  try {
    await openWidget(env, page, { attrs: attrs({ scope: 'openid profile offline_access', storage: 'session' }) });
    const login = await logIn(page);
    const before = await fetch(`${env.provider}/userinfo`, { headers: { Authorization: `Bearer ${login.accessToken}` } });
    assert.equal(before.status, 200);
    const result = await page.evaluate(async () => {
      const el = document.getElementById('w1');
      const pending = el.logout();
      const atOnce = { loggedIn: el.loggedIn, events: window.events.map((e) => e.type) };
      return { atOnce, settled: await pending };
    });
    assert.deepEqual(result, { atOnce: { loggedIn: false, events: ['oauth-login', 'oauth-logout'] }, settled: { revoked: true } });
    const revocations = await env.controls.get('/test/revocations');
    // Both are sent at once: they may reach the provider in either order.
    assert.deepEqual(revocations.map((r) => [r.token_type_hint, r.status]).sort(), [['access_token', 200], ['refresh_token', 200]]);
    const afterLogout = await fetch(`${env.provider}/userinfo`, { headers: { Authorization: `Bearer ${login.accessToken}` } });
    assert.equal(afterLogout.status, 401);
  } finally {
    await context.close();
  }
});

test('logout({ endSession: true }) ends the provider session and the returning page is cleaned', async () => {
  const { context, page } = await env.newPage();
  try {
    await openWidget(env, page, { attrs: attrs() });
    await logIn(page);
    const left = page.waitForRequest((r) => r.url().startsWith(`${env.provider}/logout?`));
    const back = page.waitForRequest((r) => r.isNavigationRequest() && r.url().startsWith(`${env.web}/e2e/widget.html?`));
    await page.evaluate(() => { document.getElementById('w1').logout({ endSession: true }); });
    const sent = new URL((await left).url());
    const returned = new URL((await back).url());
    await page.waitForFunction(() => customElements.get('oauth-login') && !location.search.includes('state='));
    assert.equal(returned.searchParams.get('state'), sent.searchParams.get('state'));
    assert.equal(page.url(), `${env.web}/e2e/widget.html`, 'the state is gone from the address');
    assert.equal(sent.searchParams.get('client_id'), PUBLIC_CLIENT_ID);
    assert.equal(sent.searchParams.get('post_logout_redirect_uri'), `${env.web}/e2e/widget.html`);
    assert.ok(sent.searchParams.get('id_token_hint'));
    await page.waitForTimeout(200);
    assert.deepEqual(await page.evaluate(() => window.events), [], 'the returning page fires nothing');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('oauth-prefab:logout')), null);
    // The provider's session is over: its cookie says nobody is signed in.
    const cookies = await context.cookies(env.provider);
    assert.deepEqual(cookies.filter((c) => c.name === 'dev_provider_user').map((c) => c.value), ['-']);
  } finally {
    await context.close();
  }
});
