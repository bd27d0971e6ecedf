// The authorization code flow with PKCE (response-type="code") end to end, as the public client
// e2e-spa (no secret) of the dev provider: a popup login checked against what the provider issued
// and received (authorize request, token request body, /test/token-requests), a denial, a wrong
// state, a replayed callback, a code redeemed with the wrong verifier, token endpoints that answer
// badly or not at all, the `issuer` check, `extra-params`, a redirect login whose verifier survives
// the round trip in sessionStorage, and a token endpoint given as a path on the page's origin.
//
// Whenever the widget must refuse an authorization response, the test also checks that no token
// request reached the provider (the provider's record is reset at the start of every test).
// Token endpoints that misbehave are the static server (405 text) or Playwright routes on the
// host origin; the logins themselves are always real (the provider's consent page, a real code).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import {
  PUBLIC_CLIENT_ID, clickToProvider as clickTo, decide, decideInTab as decideIn, loginOutcome, openWidget, pendingKeys,
  recordPosts, recordUrls, respondInPopup, startEnvironment, startLogin, stateOf, waitForEvents, widgetState,
} from './harness.mjs';

let env;
before(async () => { env = await startEnvironment(); });
after(async () => { await env?.close(); });

const clickToProvider = (page) => clickTo(env, page);
const decideInTab = (page, name, path = FIXTURE) => decideIn(env, page, name, path);

const FIXTURE = '/e2e/widget.html';
const STATE_RE = /^[0-9a-f]{64}$/;
const PKCE_RE = /^[A-Za-z0-9_-]{43}$/; // 32 bytes, base64url without padding

// ---- Helpers ---------------------------------------------------------------------------------

/** BASE64URL(SHA-256(text)), as RFC 7636 S256 computes a challenge. */
const s256 = (text) => createHash('sha256').update(text).digest('base64url');

/** The widget's attributes for the code flow against the dev provider, plus `extra`. */
function codeAttrs(extra = {}) {
  return {
    'client-id': PUBLIC_CLIENT_ID,
    'response-type': 'code',
    'token-url': `${env.provider}/oauth/token`,
    'authorize-url': `${env.provider}/oauth/authorize`,
    ...extra,
  };
}

/** Resets the provider's records, then opens the fixture in a fresh page as a code-flow widget. */
async function openCodeWidget(extra = {}, options = {}) {
  await env.controls.reset();
  const session = await env.newPage();
  await openWidget(env, session.page, { attrs: codeAttrs(extra), ...options });
  return session;
}

/**
 * Starts a popup login and waits for the popup to show the consent page (it opens blank and is
 * sent to the authorize URL once the challenge is computed). Also records the popup's addresses.
 */
async function startCodeLogin(page) {
  const popup = await startLogin(page);
  popup.urls = [];
  popup.on('framenavigated', (frame) => { if (frame === popup.mainFrame()) popup.urls.push(frame.url()); });
  await popup.waitForURL((url) => url.href.startsWith(`${env.provider}/oauth/authorize?`));
  await popup.waitForLoadState();
  return popup;
}


/** Asserts a failed login with `code`, reported alike by login(), the event and the UI. */
async function assertFailed(page, code) {
  const outcome = await loginOutcome(page);
  assert.ok(outcome.err, `login() rejected (got ${JSON.stringify(outcome)})`);
  assert.equal(outcome.err.code, code, `code (description: ${outcome.err.description})`);
  assert.ok(outcome.err.description.length > 0);
  const events = await waitForEvents(page);
  assert.deepEqual(events.map((e) => [e.type, e.target, e.detail.error]), [['oauth-error', 'w1', code]]);
  assert.deepEqual(events[0].detail,
    { error: code, description: outcome.err.description, reason: outcome.err.reason, uri: outcome.err.uri });
  const state = await widgetState(page);
  assert.deepEqual([state.loggedIn, state.accessToken, state.busy], [false, null, 'false']);
  return outcome.err;
}

/** Asserts that the provider's token endpoint received no request since the last reset. */
async function assertNoTokenRequest(why) {
  assert.deepEqual(await env.controls.tokenRequests(), [], `no token request: ${why}`);
}


/**
 * A code obtained by the test itself, straight from the provider (consent form posted with
 * Allow), for its own login with its own PKCE pair: `{ code, verifier }`.
 */
async function codeOfAnotherLogin() {
  const verifier = randomBytes(32).toString('base64url');
  const response = await fetch(`${env.provider}/oauth/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      client_id: PUBLIC_CLIENT_ID, redirect_uri: env.web + FIXTURE, response_type: 'code', scope: 'basic',
      state: 'the-tests-own-login', code_challenge: s256(verifier), code_challenge_method: 'S256', decision: 'allow',
    }),
  });
  assert.equal(response.status, 303);
  const code = new URL(response.headers.get('location')).searchParams.get('code');
  assert.ok(code, response.headers.get('location'));
  return { code, verifier };
}

/** Redeems `code` at the provider directly, as the public client, with `verifier`. */
async function redeem(code, verifier) {
  const response = await fetch(`${env.provider}/oauth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code', code, redirect_uri: env.web + FIXTURE, client_id: PUBLIC_CLIENT_ID, code_verifier: verifier,
    }),
  });
  return { status: response.status, json: await response.json() };
}

/** A loopback port on which nothing listens. */
async function closedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Runs a real popup login (Allow) whose code goes to `tokenUrl` (after `setup(context)`, e.g. a
 * route), asserts that it fails with `expected`, and returns the error.
 */
async function loginWithTokenUrl(tokenUrl, expected, setup) {
  const { page, context } = await openCodeWidget({ 'token-url': tokenUrl });
  if (setup) await setup(context);
  const popup = await startCodeLogin(page);
  await decide(popup, 'Allow');
  const err = await assertFailed(page, expected);
  await context.close();
  return err;
}

// ---- Popup mode ------------------------------------------------------------------------------

test('popup code login: PKCE S256, one secret-less token request, and the detail the provider issued', async () => {
  const { page, context, consoleLines } = await openCodeWidget({ scope: 'basic likes' });
  const tokenPosts = recordPosts(context, `${env.provider}/oauth/token`);
  const callbackurl = await page.evaluate(() => document.getElementById('w1').callbackurl);
  assert.equal(callbackurl, env.web + FIXTURE);
  const before = await page.evaluate(() => Date.now());
  const popup = await startCodeLogin(page);

  // The authorize request: a code, an S256 challenge, a fresh state, and no verifier.
  const sent = await env.controls.lastAuthorize();
  assert.deepEqual(Object.keys(sent).sort(),
    ['client_id', 'code_challenge', 'code_challenge_method', 'redirect_uri', 'response_type', 'scope', 'state']);
  assert.equal(sent.response_type, 'code');
  assert.equal(sent.client_id, PUBLIC_CLIENT_ID);
  assert.equal(sent.redirect_uri, callbackurl);
  assert.equal(sent.code_challenge_method, 'S256');
  assert.match(sent.code_challenge, PKCE_RE, 'BASE64URL(SHA-256(verifier)) is 43 characters');
  assert.match(sent.state, STATE_RE);
  assert.equal(sent.state, stateOf(popup));
  // A popup login keeps its verifier in memory, not in sessionStorage.
  assert.deepEqual(await pendingKeys(page), []);

  await decide(popup, 'Allow');
  const outcome = await loginOutcome(page);
  const after = await page.evaluate(() => Date.now());
  assert.ok(outcome.ok, `login() resolved: ${JSON.stringify(outcome)}`);

  // The callback came in the query, with the provider's issuer.
  const callback = new URL(popup.urls.find((u) => u.startsWith(env.web)));
  assert.equal(callback.searchParams.get('state'), sent.state);
  assert.equal(callback.searchParams.get('iss'), env.provider);
  const code = callback.searchParams.get('code');
  assert.ok(code);

  // Exactly one token request, form-encoded, with the verifier of the challenge and no secret.
  assert.equal(tokenPosts.length, 1);
  const [{ headers, fields: body }] = tokenPosts;
  assert.equal(headers['content-type'], 'application/x-www-form-urlencoded');
  assert.deepEqual([...body.keys()].sort(), ['client_id', 'code', 'code_verifier', 'grant_type', 'redirect_uri']);
  assert.equal(body.get('grant_type'), 'authorization_code');
  assert.equal(body.get('code'), code);
  assert.equal(body.get('redirect_uri'), sent.redirect_uri);
  assert.equal(body.get('client_id'), PUBLIC_CLIENT_ID);
  assert.match(body.get('code_verifier'), PKCE_RE);
  assert.equal(s256(body.get('code_verifier')), sent.code_challenge);
  assert.deepEqual(await env.controls.tokenRequests(), [{
    client_id: PUBLIC_CLIENT_ID, grant_type: 'authorization_code', redirect_uri: callbackurl,
    has_code_verifier: true, has_client_secret: false, auth: 'none', origin: env.web, status: 200,
  }]);

  // The detail is what the provider issued.
  const issued = await env.controls.lastToken();
  assert.deepEqual([issued.flow, issued.client_id, issued.state], ['code', PUBLIC_CLIENT_ID, sent.state]);
  const detail = outcome.ok;
  assert.deepEqual(Object.keys(detail).sort(),
    ['accessToken', 'claims', 'expiresAt', 'expiresIn', 'idToken', 'profile', 'provider', 'restored', 'scope', 'tokenType', 'user']);
  assert.equal(detail.provider, 'custom');
  assert.equal(detail.accessToken, issued.access_token);
  assert.equal(detail.tokenType, issued.token_type);
  assert.equal(detail.expiresIn, issued.expires_in);
  assert.ok(detail.expiresAt >= before + 3600_000 && detail.expiresAt <= after + 3600_000, `expiresAt ${detail.expiresAt}`);
  assert.deepEqual(detail.scope, issued.scope.split(' '));
  assert.deepEqual(detail.scope, ['basic', 'likes']);
  assert.equal(detail.restored, false);
  const events = await page.evaluate(() => window.events);
  assert.deepEqual(events, [{ type: 'oauth-login', detail, target: 'w1' }]);

  // The token works through the widget's fetch(), and `user` is the provider's user object.
  const profile = await page.evaluate(async (url) => {
    const response = await document.getElementById('w1').fetch(url);
    return { status: response.status, json: await response.json() };
  }, `${env.provider}/v1/users/self`);
  assert.equal(profile.status, 200, JSON.stringify(profile.json));
  const { id, username, full_name, profile_picture } = profile.json.data;
  assert.deepEqual(detail.user, { id, username, full_name, profile_picture });
  const state = await widgetState(page);
  assert.deepEqual([state.loggedIn, state.accessToken, state.busy], [true, issued.access_token, 'false']);
  // Neither the token, the code nor the verifier is logged.
  const secrets = [issued.access_token, code, body.get('code_verifier')];
  assert.deepEqual(consoleLines.filter((line) => secrets.some((s) => line.includes(s))), []);
  await context.close();
});

test('Deny: access_denied passes through and no token request is made', async () => {
  const { page, context } = await openCodeWidget();
  const popup = await startCodeLogin(page);
  await decide(popup, 'Deny');
  const err = await assertFailed(page, 'access_denied');
  assert.deepEqual([err.description, err.reason, err.uri], ['The user denied your request', 'user_denied', null]);
  await assertNoTokenRequest('the user denied');
  await context.close();
});

test('a code with a wrong state fails with state_mismatch and is never exchanged', async () => {
  const { page, context } = await openCodeWidget();
  const popup = await startCodeLogin(page);
  const wrong = stateOf(popup).replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
  await respondInPopup(env, popup, { query: `code=abc&state=${wrong}&iss=${encodeURIComponent(env.provider)}` });
  await assertFailed(page, 'state_mismatch');
  await assertNoTokenRequest('the state matched no login');
  await context.close();
});

test('a code issued for another login (another verifier): the provider\'s invalid_grant passes through', async () => {
  const other = await codeOfAnotherLogin();
  const { page, context } = await openCodeWidget();
  const popup = await startCodeLogin(page);
  // Answer the widget's own pending login (its state, the provider's iss) with the other code.
  await respondInPopup(env, popup, {
    query: `code=${encodeURIComponent(other.code)}&state=${stateOf(popup)}&iss=${encodeURIComponent(env.provider)}`,
  });
  const err = await assertFailed(page, 'invalid_grant');
  const requests = await env.controls.tokenRequests();
  assert.deepEqual(requests.map((r) => [r.client_id, r.has_code_verifier, r.has_client_secret, r.status]),
    [[PUBLIC_CLIENT_ID, true, false, 400]]);

  // The provider's own description, as it answers the same mistake (a failed attempt keeps the
  // code); and the code was sound: it redeems with its own verifier.
  const wrongVerifier = await redeem(other.code, randomBytes(32).toString('base64url'));
  assert.equal(wrongVerifier.json.error, 'invalid_grant');
  assert.equal(err.description, wrongVerifier.json.error_description);
  assert.equal(err.uri, null);
  assert.equal((await redeem(other.code, other.verifier)).status, 200);
  await context.close();
});

test('a token endpoint that does not answer OAuth JSON: invalid_response', async () => {
  // The static server answers a POST with 405 text/plain.
  const err = await loginWithTokenUrl(env.web + FIXTURE, 'invalid_response');
  assert.ok(!err.description.includes('<'), err.description);
  // An HTML page answered with 200.
  const htmlUrl = `${env.web}/token-endpoint.html`;
  await loginWithTokenUrl(htmlUrl, 'invalid_response', (context) => context.route(htmlUrl, (route) => route.fulfill({
    status: 200, contentType: 'text/html', body: '<!doctype html><title>Sign in</title><p>Welcome!</p>',
  })));
  // JSON with neither access_token nor error.
  const jsonUrl = `${env.web}/token-endpoint.json`;
  await loginWithTokenUrl(jsonUrl, 'invalid_response', (context) => context.route(jsonUrl, (route) => route.fulfill({
    status: 200, contentType: 'application/json', body: '{"token_type":"bearer","expires_in":60}',
  })));
  await assertNoTokenRequest('token-url was not the provider');
});

test('a token endpoint error passes through with its description (shown as text) and error_uri', async () => {
  const url = `${env.web}/token-endpoint-error`;
  const { page, context } = await openCodeWidget({ 'token-url': url });
  await context.route(url, (route) => route.fulfill({
    status: 400,
    contentType: 'application/json',
    body: JSON.stringify({ error: 'invalid_grant', error_description: 'The code <b>expired</b>', error_uri: 'https://docs.example/errors#grant' }),
  }));
  await decide(await startCodeLogin(page), 'Allow');
  const err = await assertFailed(page, 'invalid_grant');
  assert.equal(err.description, 'The code <b>expired</b>');
  assert.equal(err.uri, 'https://docs.example/errors#grant');
  assert.equal((await widgetState(page)).message, 'Login failed: The code <b>expired</b>');
  assert.equal(await page.evaluate(() => document.getElementById('w1').shadowRoot.querySelector('b')), null);
  await context.close();
});

test('a token endpoint that is down or blocked by CORS: network_error', async () => {
  // Nothing listens on the port.
  await loginWithTokenUrl(`http://127.0.0.1:${await closedPort()}/oauth/token`, 'network_error');
  // The host's static server under another origin (127.0.0.1, not localhost) sends no CORS headers.
  const otherOrigin = env.web.replace('//localhost:', '//127.0.0.1:');
  await loginWithTokenUrl(otherOrigin + FIXTURE, 'network_error');
  await assertNoTokenRequest('token-url was not the provider');
});

test('issuer: the right one logs in; a wrong or missing iss fails with invalid_response, unexchanged', async () => {
  {
    const { page, context } = await openCodeWidget({ issuer: env.provider });
    await decide(await startCodeLogin(page), 'Allow');
    const outcome = await loginOutcome(page);
    assert.equal(outcome.ok?.accessToken, (await env.controls.lastToken()).access_token, JSON.stringify(outcome));
    assert.equal((await env.controls.tokenRequests()).length, 1);
    await context.close();
  }
  {
    // A real answer from the dev provider, whose iss is not the issuer this widget trusts: the
    // discovery document at that issuer claims it (a mix-up), the response's iss does not.
    const other = env.provider.replace('//127.0.0.1:', '//localhost:');
    await env.controls.reset();
    await fetch(`${env.provider}/test/oidc`, { method: 'POST', body: JSON.stringify({ discovery_issuer: other }) });
    const { page, context } = await env.newPage();
    await openWidget(env, page, { attrs: codeAttrs({ issuer: other }) });
    await decide(await startCodeLogin(page), 'Allow');
    await assertFailed(page, 'invalid_response');
    await assertNoTokenRequest('iss was not the issuer');
    await fetch(`${env.provider}/test/oidc`, { method: 'POST', body: '{}' });
    await context.close();
  }
  {
    // The right state, but no iss at all.
    const { page, context } = await openCodeWidget({ issuer: env.provider });
    const popup = await startCodeLogin(page);
    await respondInPopup(env, popup, { query: `code=abc&state=${stateOf(popup)}` });
    await assertFailed(page, 'invalid_response');
    await assertNoTokenRequest('iss was missing');
    await context.close();
  }
});

test('extra-params are sent with the authorization request', async () => {
  const { page, context } = await openCodeWidget({ 'extra-params': 'login_hint=a%40b.example&prompt=consent' });
  const popup = await startCodeLogin(page);
  const sent = await env.controls.lastAuthorize();
  assert.equal(sent.login_hint, 'a@b.example');
  assert.equal(sent.prompt, 'consent');
  assert.equal(sent.response_type, 'code');
  assert.equal(sent.state, stateOf(popup));
  await decide(popup, 'Allow');
  assert.ok((await loginOutcome(page)).ok);
  await context.close();
});

test('extra-params naming a parameter the widget sets is invalid_config on click, and nothing opens', async () => {
  const { page, context } = await openCodeWidget();
  const opened = [];
  context.on('page', (p) => opened.push(p.url()));
  const names = ['state', 'client_id', 'redirect_uri', 'response_type', 'scope', 'code_challenge', 'code_challenge_method'];
  for (const [i, name] of names.entries()) {
    await page.evaluate((value) => document.getElementById('w1').setAttribute('extra-params', value), `${name}=x`);
    await page.locator('#w1 button[part=button]').click();
    const events = await waitForEvents(page, i + 1);
    assert.equal(events.length, i + 1, JSON.stringify(events));
    assert.deepEqual([events[i].type, events[i].detail.error], ['oauth-error', 'invalid_config'], `extra-params=${name}=x`);
    assert.match(events[i].detail.description, new RegExp(name), events[i].detail.description);
  }
  await page.waitForTimeout(300); // a popup would have opened by now
  assert.deepEqual(opened, [], 'no popup');
  assert.equal(page.url(), env.web + FIXTURE, 'no redirect');
  assert.equal(await env.controls.lastAuthorize(), null, 'no authorize request');
  assert.equal((await widgetState(page)).busy, 'false');
  await context.close();
});

// ---- Redirect mode ---------------------------------------------------------------------------




/**
 * The tab's sessionStorage on the host origin while a redirect login waits at the provider: the
 * tab visits a host page without the widget, reads it, and goes back to the consent page.
 */
async function hostStorageMidway(page) {
  await page.goto(`${env.web}/e2e/blank.html`);
  const stored = await page.evaluate(() => ({ ...sessionStorage }));
  await page.goBack();
  await page.waitForURL((url) => url.href.startsWith(`${env.provider}/oauth/authorize?`));
  await page.waitForLoadState();
  return stored;
}

test('redirect mode: the verifier survives the round trip, is used up, and the address is cleaned', async () => {
  const landing = `${FIXTURE}?keep=1`;
  const { page, context } = await openCodeWidget({ mode: 'redirect', 'redirect-uri': env.web + landing }, { path: landing });
  const tokenPosts = recordPosts(context, `${env.provider}/oauth/token`);
  const urls = recordUrls(page);
  await clickToProvider(page);
  const sent = await env.controls.lastAuthorize();
  assert.deepEqual([sent.response_type, sent.code_challenge_method, sent.redirect_uri], ['code', 'S256', env.web + landing]);
  assert.match(sent.code_challenge, PKCE_RE);

  // While the tab is at the provider, the login waits in sessionStorage (a tab has one redirect
  // login at most), with its state and a verifier whose S256 is the challenge sent.
  const stored = await hostStorageMidway(page);
  const key = 'oauth-prefab:pending';
  assert.deepEqual(Object.keys(stored).filter((k) => k.startsWith('oauth-prefab:pending')), [key]);
  assert.ok(decodeURIComponent(stored[key]).includes(`state=${sent.state}`), 'the stored record holds the state');
  const candidates = decodeURIComponent(stored[key]).match(/[A-Za-z0-9_-]{43,}/g) ?? [];
  assert.ok(candidates.some((v) => s256(v) === sent.code_challenge), 'the stored record holds the verifier');

  await decideInTab(page, 'Allow', landing);
  const events = await waitForEvents(page);
  const issued = await env.controls.lastToken();
  assert.deepEqual(events.map((e) => [e.type, e.target, e.detail.accessToken]), [['oauth-login', 'w1', issued.access_token]]);
  assert.equal(issued.state, sent.state);
  assert.equal(typeof events[0].detail.user?.username, 'string', 'the token response\'s user is passed on');

  // One token request, with the stored verifier; then the record is gone and the address clean.
  assert.equal(tokenPosts.length, 1);
  assert.equal(s256(tokenPosts[0].fields.get('code_verifier')), sent.code_challenge);
  assert.equal(tokenPosts[0].fields.get('redirect_uri'), env.web + landing);
  assert.deepEqual((await env.controls.tokenRequests()).map((r) => [r.has_code_verifier, r.has_client_secret, r.status]),
    [[true, false, 200]]);
  assert.deepEqual(await pendingKeys(page), [], 'the pending record is used up');
  assert.ok(urls.some((u) => u.includes('?keep=1&code=')), `the code did arrive in the query: ${urls.join(' ')}`);
  assert.equal(page.url(), env.web + landing, 'code, state and iss are gone; other parameters stay');
  assert.equal((await widgetState(page)).loggedIn, true);
  await context.close();
});

test('redirect mode: a replayed callback URL is refused with state_mismatch and not exchanged again', async () => {
  const { page, context } = await openCodeWidget({ mode: 'redirect' });
  const urls = recordUrls(page);
  await clickToProvider(page);
  await decideInTab(page, 'Allow');
  const first = await waitForEvents(page);
  assert.equal(first[0]?.type, 'oauth-login', JSON.stringify(first));
  const callback = urls.find((u) => u.startsWith(env.web + FIXTURE + '?code='));
  assert.ok(callback, `callback URL seen: ${urls.join(' ')}`);
  assert.equal((await env.controls.tokenRequests()).length, 1);

  // The very same callback URL again, in a fresh document.
  await page.goto('about:blank');
  await page.goto(callback);
  await page.waitForFunction(() => customElements.get('oauth-login'));
  const events = await waitForEvents(page);
  assert.deepEqual(events.map((e) => [e.type, e.target, e.detail.error]), [['oauth-error', 'w1', 'state_mismatch']]);
  assert.equal(page.url(), env.web + FIXTURE, 'the replayed response is stripped too');
  await page.waitForTimeout(300);
  assert.equal((await env.controls.tokenRequests()).length, 1, 'no second token request');
  assert.equal((await widgetState(page)).loggedIn, false);
  await context.close();
});

// ---- A token endpoint on the page's own origin -----------------------------------------------

test('token-url given as a path on the page\'s origin is used (here forwarded to the provider)', async () => {
  const { page, context } = await openCodeWidget({ 'token-url': '/oauth/token' });
  // The host's own /oauth/token: a pass-through to the provider, as a site's exchange would be.
  const seen = [];
  await context.route(`${env.web}/oauth/token`, async (route) => {
    seen.push(route.request().method());
    const response = await route.fetch({ url: `${env.provider}/oauth/token` });
    await route.fulfill({ response });
  });
  await decide(await startCodeLogin(page), 'Allow');
  const outcome = await loginOutcome(page);
  assert.equal(outcome.ok?.accessToken, (await env.controls.lastToken()).access_token, JSON.stringify(outcome));
  assert.deepEqual(seen, ['POST']);
  assert.deepEqual((await env.controls.tokenRequests()).map((r) => [r.client_id, r.has_code_verifier, r.has_client_secret, r.status]),
    [[PUBLIC_CLIENT_ID, true, false, 200]]);
  await context.close();
});
