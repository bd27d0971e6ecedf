// Interop with a provider nobody here wrote: node-oidc-provider (v9, OpenID Certified), with a
// public PKCE client, CORS for the host pages' origin and its own login and consent pages
// (tests/interop/oidc-provider.mjs). First a manual code flow that uses no widget at all (it proves
// the provider set-up works on its own), then the widget's code flow through it in Chromium, in
// popup and in redirect mode, with the token accepted by the provider's userinfo endpoint, and a
// wrong `issuer` refused (RFC 9207).
//
// Run: `npm run build` (the widget tests load pkg/), then
// `node --test --test-concurrency=1 --test-reporter=spec tests/e2e/interop-oidc.test.mjs`.
// The first test needs no build.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { consent, jwsHeader, openCodeFlowWidget, signIn, startInteropEnvironment, userinfoFromPage } from '../interop/oidc-env.mjs';
import { loginOutcome, openWidget, startLogin, waitForEvents } from './harness.mjs';

const TIMEOUT = 60_000;

let env;
before(async () => { env = await startInteropEnvironment(); });
after(async () => { await env?.close(); });

/** Checks an `oauth-login` detail from oidc-provider and that userinfo accepts its token. */
async function assertLoggedIn(page, detail, login, consoleLines) {
  assert.equal(typeof detail.accessToken, 'string');
  assert.ok(detail.accessToken.length > 0);
  assert.equal(detail.tokenType.toLowerCase(), 'bearer');
  assert.equal(detail.expiresIn, 600, 'ttl.AccessToken of the interop provider');
  assert.ok(detail.scope.includes('openid'), `granted scope: ${JSON.stringify(detail.scope)}`);
  assert.ok(Math.abs(detail.expiresAt - (Date.now() + 600_000)) < 60_000, `expiresAt ${detail.expiresAt}`);
  assert.equal(detail.restored, false);
  assert.equal(detail.user, null);
  // Who logged in, proven: the id_token oidc-provider signed (RS256), verified in the browser,
  // its claims and the profile from the claims and userinfo.
  assert.match(detail.idToken, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  assert.equal(jwsHeader(detail.idToken).alg, 'RS256');
  assert.equal(detail.claims.sub, login);
  assert.equal(detail.claims.iss, env.op.issuer);
  assert.equal(detail.claims.aud, env.op.clientId);
  assert.match(detail.claims.nonce, /^[0-9a-f]{32}$/, 'the nonce the widget sent');
  assert.deepEqual(detail.profile, {
    sub: login, name: `Interop ${login}`, email: `${login}@interop.test`, emailVerified: true, picture: null, username: login,
  });
  assert.equal(await page.evaluate(() => document.getElementById('w1').idToken), detail.idToken);
  assert.equal(await page.evaluate(() => document.getElementById('w1').shadowRoot.querySelector('[part=label]').textContent), `Interop ${login}`);
  // No refresh token was asked for; none is exposed anyway.
  assert.ok(!Object.keys(detail).some((k) => /refresh/i.test(k)), `detail keys: ${Object.keys(detail)}`);

  // The provider itself accepts the token: the page's own fetch, then the widget's el.fetch().
  const direct = await userinfoFromPage(env, page, detail.accessToken);
  assert.equal(direct.status, 200);
  assert.equal(direct.body.sub, login);
  const viaWidget = await page.evaluate(async (url) => {
    const response = await document.getElementById('w1').fetch(url);
    return { status: response.status, body: await response.json() };
  }, env.op.userinfoEndpoint);
  assert.equal(viaWidget.status, 200);
  assert.equal(viaWidget.body.sub, login);
  assert.equal(viaWidget.body.email, `${login}@interop.test`);

  // Tokens never appear in the console.
  assert.ok(!consoleLines.some((line) => line.includes(detail.accessToken) || line.includes(detail.idToken)), 'token printed to the console');
}

/**
 * Checks the widget's requests to the provider, per "The code flow": one authorization request
 * with an S256 challenge, and one token request that redeems its code with the matching verifier.
 */
function assertCodeFlowRequests({ authorizeRequests, tokenRequests }, code) {
  assert.equal(authorizeRequests.length, 1);
  const [authorize] = authorizeRequests;
  const redirectUri = `${env.web}/e2e/widget.html`;
  assert.equal(authorize.get('response_type'), 'code');
  assert.equal(authorize.get('client_id'), env.op.clientId);
  assert.equal(authorize.get('redirect_uri'), redirectUri);
  assert.equal(authorize.get('scope'), 'openid profile email');
  assert.equal(authorize.get('code_challenge_method'), 'S256');
  assert.match(authorize.get('nonce'), /^[0-9a-f]{32}$/);
  assert.match(authorize.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
  assert.ok(authorize.get('state'));

  assert.equal(tokenRequests.length, 1);
  const [token] = tokenRequests;
  assert.deepEqual([...token.keys()].sort(), ['client_id', 'code', 'code_verifier', 'grant_type', 'redirect_uri']);
  assert.equal(token.get('grant_type'), 'authorization_code');
  if (code !== undefined) assert.equal(token.get('code'), code);
  assert.equal(token.get('redirect_uri'), redirectUri);
  assert.equal(token.get('client_id'), env.op.clientId);
  const verifier = token.get('code_verifier');
  assert.match(verifier, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(createHash('sha256').update(verifier).digest('base64url'), authorize.get('code_challenge'));
  return { state: authorize.get('state'), verifier };
}

test('oidc-provider on its own: a manual PKCE code flow from a page, token and userinfo through CORS', { timeout: TIMEOUT }, async () => {
  const { context, page, consoleLines } = await env.newPage();
  try {
    const redirectUri = `${env.web}/interop/callback.html`;
    /** An authorization request URL; `verifier` null sends no PKCE challenge. */
    const authorizeUrl = (state, verifier) => {
      const u = new URL(env.op.authorizationEndpoint);
      const params = { client_id: env.op.clientId, response_type: 'code', redirect_uri: redirectUri, scope: 'openid profile email', state };
      if (verifier) Object.assign(params, { code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256' });
      for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
      return u.href;
    };
    const backOnCallback = () => page.waitForURL((url) => url.href.startsWith(redirectUri));
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(16).toString('base64url');

    await page.goto(authorizeUrl(state, verifier));
    await signIn(page, 'alice');
    await consent(page, backOnCallback());

    // RFC 6749 4.1.2 in the query, plus RFC 9207's iss.
    const response = new URL(page.url()).searchParams;
    assert.equal(response.get('state'), state);
    assert.equal(response.get('iss'), env.op.issuer);
    const code = response.get('code');
    assert.ok(code, `no code in ${page.url()}`);

    const tokenRequest = (code, verifier) => ({
      url: env.op.tokenEndpoint,
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: env.op.clientId, code_verifier: verifier }).toString(),
    });
    // Runs in the page: a form POST, as the widget makes it; a blocked request gives `fetchError`.
    const postForm = ({ url, body }) => fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body })
      .then(async (r) => ({ status: r.status, body: await r.json() }), (e) => ({ fetchError: e.name }));

    // CORS is per origin, not "*": the same request from an origin not allowed is blocked (and the
    // provider refuses it before it looks at the code, so the code stays usable).
    const other = await context.newPage();
    await other.goto(`${env.otherOrigin}/interop/callback.html`);
    assert.deepEqual(await other.evaluate(postForm, tokenRequest(code, verifier)), { fetchError: 'TypeError' });
    assert.ok(consoleLines.some((line) => line.includes('blocked by CORS policy')), consoleLines.join('\n'));
    await other.close();

    // The exchange, from the redirect URI's page (its origin is allowed).
    const token = await page.evaluate(postForm, tokenRequest(code, verifier));
    assert.equal(token.status, 200, JSON.stringify(token.body?.error ?? token));
    assert.equal(token.body.token_type.toLowerCase(), 'bearer');
    assert.equal(typeof token.body.access_token, 'string');
    assert.equal(typeof token.body.id_token, 'string');

    const userinfo = await userinfoFromPage(env, page, token.body.access_token);
    assert.equal(userinfo.status, 200);
    assert.equal(userinfo.body.sub, 'alice');
    assert.equal(userinfo.body.email, 'alice@interop.test');

    // A code is used once; a replay also revokes what it granted (RFC 6749 4.1.2), token included.
    const replay = await page.evaluate(postForm, tokenRequest(code, verifier));
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
    assert.equal((await userinfoFromPage(env, page, token.body.access_token)).status, 401);

    // PKCE is required: without a challenge the authorization request fails at once...
    await page.goto(authorizeUrl('no-pkce', null));
    const refused = new URL(page.url()).searchParams;
    assert.ok(page.url().startsWith(redirectUri), page.url());
    assert.equal(refused.get('error'), 'invalid_request');
    assert.equal(refused.get('state'), 'no-pkce');
    // ...and a code is not redeemed with another verifier. (alice is still signed in, but the
    // revoked grant means the consent page again.)
    await page.goto(authorizeUrl('pkce', verifier));
    await consent(page, backOnCallback());
    const second = new URL(page.url()).searchParams.get('code');
    assert.ok(second, page.url());
    const wrong = await page.evaluate(postForm, tokenRequest(second, randomBytes(32).toString('base64url')));
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error, 'invalid_grant');
  } finally {
    await context.close();
  }
});

// ---- The widget through oidc-provider (needs the widget's code flow, "The code flow" in the contract)

/**
 * A widget on `page` with `issuer` alone (and `attrs`), logged in as `login` through the provider's
 * own pages in a popup: the events, which must be one `oauth-login`.
 */
async function loginWithIssuerAlone(page, login, attrs = {}) {
  await openWidget(env, page, { attrs: { 'client-id': env.op.clientId, issuer: env.op.issuer, scope: 'openid profile email', 'authorize-url': null, ...attrs } });
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.locator('#w1 button[part=button]').click()]);
  await popup.waitForLoadState();
  await signIn(popup, login);
  await consent(popup, popup.waitForEvent('close'));
  const events = await waitForEvents(page);
  assert.deepEqual(events.map((e) => e.type), ['oauth-login'], JSON.stringify(events));
  return events;
}

test('widget with `issuer` alone: discovers the provider, logs in with the code flow, verifies the id_token', { timeout: TIMEOUT }, async () => {
  const session = await env.newPage();
  const { context, page, consoleLines } = session;
  try {
    const events = await loginWithIssuerAlone(page, 'erin');
    assertCodeFlowRequests(session);
    await assertLoggedIn(page, events[0].detail, 'erin', consoleLines);
  } finally {
    await context.close();
  }
});

test('widget with `max_age=0` in extra-params: oidc-provider asks for the login again and says when (auth_time), which the widget checks', { timeout: TIMEOUT }, async () => {
  const session = await env.newPage();
  const { context, page } = session;
  try {
    const events = await loginWithIssuerAlone(page, 'maxage', { 'extra-params': 'max_age=0' });
    assert.equal(session.authorizeRequests[0].get('max_age'), '0');
    // OIDC Core 2: with max_age asked, auth_time is required; the widget held it to 0 s (+60 s skew).
    const { auth_time: authTime } = events[0].detail.claims;
    assert.equal(typeof authTime, 'number');
    assert.ok(Math.abs(authTime * 1000 - Date.now()) < 60_000, `auth_time ${authTime}`);
  } finally {
    await context.close();
  }
});

test('widget, popup mode: logs in through oidc-provider\'s own pages; userinfo accepts the token', { timeout: TIMEOUT }, async () => {
  const session = await env.newPage();
  const { context, page, consoleLines } = session;
  try {
    await openCodeFlowWidget(env, page);
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.locator('#w1 button[part=button]').click()]);
    await popup.waitForLoadState();
    await signIn(popup, 'bob');
    await consent(popup, popup.waitForEvent('close'));

    const events = await waitForEvents(page);
    assert.deepEqual(events.map((e) => e.type), ['oauth-login'], JSON.stringify(events));
    assert.equal(events[0].target, 'w1');
    assertCodeFlowRequests(session);
    await assertLoggedIn(page, events[0].detail, 'bob', consoleLines);
  } finally {
    await context.close();
  }
});

test('widget, redirect mode: logs in through oidc-provider\'s own pages in the tab; the event arrives after returning', { timeout: TIMEOUT }, async () => {
  const session = await env.newPage();
  const { context, page, consoleLines } = session;
  try {
    const callback = `${env.web}/e2e/widget.html`;
    await openCodeFlowWidget(env, page, { mode: 'redirect' });
    await Promise.all([
      page.waitForURL((url) => url.href.startsWith(`${env.op.issuer}/`)),
      page.locator('#w1 button[part=button]').click(),
    ]);
    await signIn(page, 'carol');
    // Back on the host page, which the provider reached with ?code=...&state=...&iss=...
    const returned = page.waitForRequest((req) => req.isNavigationRequest() && req.url().startsWith(`${callback}?`));
    await consent(page, page.waitForURL((url) => url.href.startsWith(callback)));
    const response = new URL((await returned).url()).searchParams;
    assert.equal(response.get('iss'), env.op.issuer);

    const events = await waitForEvents(page, 1, 15_000);
    assert.deepEqual(events.map((e) => e.type), ['oauth-login'], JSON.stringify(events));
    const { state, verifier } = assertCodeFlowRequests(session, response.get('code'));
    assert.equal(response.get('state'), state);
    await assertLoggedIn(page, events[0].detail, 'carol', consoleLines);

    // The response is gone from the address (iss is one of its parameters, RFC 9207), and the
    // verifier, used, is no longer kept.
    assert.equal(page.url(), callback, 'the authorization response is left in the address');
    const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }));
    assert.ok(!stored.includes(verifier), 'code_verifier still stored after use');
  } finally {
    await context.close();
  }
});

test('widget: an authorization response from another issuer than `issuer` is refused (RFC 9207), no code redeemed', { timeout: TIMEOUT }, async () => {
  const { context, page, tokenRequests } = await env.newPage();
  try {
    // A near miss: the comparison is exact, as RFC 9207 2.4 requires. The other issuer's
    // discovery document (served here) names the real provider's endpoints: a mix-up.
    const other = `${env.op.issuer}/other`;
    const real = await (await fetch(`${env.op.issuer}/.well-known/openid-configuration`)).json();
    await context.route(`${other}/.well-known/openid-configuration`, (route) => route.fulfill({
      status: 200, contentType: 'application/json', headers: { 'access-control-allow-origin': '*' },
      body: JSON.stringify({ ...real, issuer: other }),
    }));
    await openCodeFlowWidget(env, page, { issuer: other });
    const popup = await startLogin(page);
    await signIn(popup, 'dave');
    await consent(popup, popup.waitForEvent('close'));

    const outcome = await loginOutcome(page, 'w1', 15_000);
    assert.equal(outcome.err?.code, 'invalid_response', JSON.stringify(outcome));
    assert.equal(outcome.err.isError, true);
    const events = await waitForEvents(page);
    assert.deepEqual(events.map((e) => [e.type, e.detail.error]), [['oauth-error', 'invalid_response']]);
    // "MUST NOT proceed with the authorization grant" (RFC 9207 2.4): the code never reaches a
    // token endpoint, and no token is held.
    assert.equal(tokenRequests.length, 0);
    assert.equal(await page.evaluate(() => document.getElementById('w1').accessToken), null);
  } finally {
    await context.close();
  }
});

// ---- Staying logged in, and logging out, through oidc-provider ("Staying logged in" in the contract)

test('widget with offline_access: renewed with rotated refresh tokens, logout revokes, logout at the provider comes back cleaned', { timeout: TIMEOUT }, async () => {
  const { context, page, tokenRequests } = await env.newPage();
  try {
    const revocations = [];
    context.on('request', (r) => { if (r.url() === env.op.revocationEndpoint) revocations.push(new URLSearchParams(r.postData() ?? '')); });
    const attrs = { scope: 'openid profile offline_access', 'extra-params': 'prompt=consent', storage: 'local' };
    await openCodeFlowWidget(env, page, attrs);
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.locator('#w1 button[part=button]').click()]);
    await popup.waitForLoadState();
    await signIn(popup, 'frank');
    await consent(popup, popup.waitForEvent('close'));
    const [login] = await waitForEvents(page);
    assert.equal(login.type, 'oauth-login', JSON.stringify(login));
    assert.ok(login.detail.scope.includes('offline_access'), JSON.stringify(login.detail.scope));

    // Two renewals, each with the refresh token the one before got (oidc-provider rotates a
    // public client's); each id_token verified and the same person's.
    await page.waitForFunction(() => window.events.filter((e) => e.type === 'oauth-renewed').length >= 2, null, { timeout: 20_000 });
    const refreshes = tokenRequests.filter((t) => t.get('grant_type') === 'refresh_token');
    assert.ok(refreshes.length >= 2);
    assert.notEqual(refreshes[1].get('refresh_token'), refreshes[0].get('refresh_token'), 'rotated');
    const renewed = (await page.evaluate(() => window.events)).filter((e) => e.type === 'oauth-renewed');
    assert.equal(renewed[1].detail.profile.sub, 'frank');
    assert.notEqual(renewed[1].detail.accessToken, login.detail.accessToken);

    // Logout revokes both tokens: the provider then refuses the access token.
    const last = await page.evaluate(() => document.getElementById('w1').accessToken);
    assert.deepEqual(await page.evaluate(() => document.getElementById('w1').logout()), { revoked: true });
    assert.deepEqual(revocations.map((r) => r.get('token_type_hint')), ['refresh_token', 'access_token']);
    assert.equal((await userinfoFromPage(env, page, last)).status, 401);

    // Logged in again, then out at the provider: its confirmation page, and back, cleaned.
    const [again] = await Promise.all([page.waitForEvent('popup'), page.locator('#w1 button[part=button]').click()]);
    await again.waitForLoadState();
    await consent(again, again.waitForEvent('close'));
    await page.waitForFunction(() => document.getElementById('w1').loggedIn);
    const back = page.waitForRequest((r) => r.isNavigationRequest() && r.url().startsWith(`${env.web}/e2e/widget.html?`));
    await Promise.all([
      page.waitForURL((url) => url.href.startsWith(env.op.endSessionEndpoint)),
      page.evaluate(() => { document.getElementById('w1').logout({ endSession: true }); }),
    ]);
    await page.getByRole('button', { name: /yes, sign me out/i }).click();
    assert.ok(new URL((await back).url()).searchParams.get('state'));
    await page.waitForFunction(() => customElements.get('oauth-login') && location.search === '');
    assert.deepEqual(await page.evaluate(() => window.events), [], 'nothing fires on the returning page');
  } finally {
    await context.close();
  }
});
