// Who logged in, proven against a provider nobody here wrote: the widget's id_token verification
// ("Who logged in: OpenID Connect" in the contract) in Chromium, with node-oidc-provider v9
// (tests/interop/oidc-provider.mjs) signing the tokens: an ES256 id_token verifies; a signature,
// an audience, a nonce, an algorithm and an at_hash that do not hold are each refused with
// `invalid_id_token` naming the check; a discovery document naming another issuer is
// `invalid_config`; userinfo answering for someone else is ignored; and keys rotated by a real
// provider restart are fetched once more. oidc-provider never misbehaves by itself, so its
// answers are altered in transit (Playwright routes) where a case needs a broken or foreign one;
// every token put in place is still one it really issued. tests/e2e/oidc.test.mjs has the same
// cases against the project's own dev provider.
//
// Run: `npm run build` (the tests load pkg/), then
// `node --test --test-concurrency=1 --test-reporter=spec tests/e2e/interop-oidc-proof.test.mjs`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { codeFlowClient, consent, openCodeFlowWidget, signIn, startInteropEnvironment } from '../interop/oidc-env.mjs';
import { ecSigningKey, rsaSigningKey } from '../interop/oidc-provider.mjs';
import { loginOutcome, openWidget, startLogin, waitForEvents, widgetState } from './harness.mjs';

const TIMEOUT = 60_000;
const ES256_CLIENT_ID = 'interop-es256';
/** A second code-flow client: its id_tokens are real, and addressed to someone else. */
const OTHER_CLIENT_ID = 'interop-other';
const IMPLICIT_CLIENT_ID = 'interop-implicit';
const ROTATED_KID = 'interop-rs256-rotated';

let env;
before(async () => {
  env = await startInteropEnvironment({
    // The RSA key signs by default (RS256); the EC P-256 key next to it signs for the ES256 client.
    keys: [rsaSigningKey(), ecSigningKey()],
    clients: [
      codeFlowClient(ES256_CLIENT_ID, { id_token_signed_response_alg: 'ES256' }),
      codeFlowClient(OTHER_CLIENT_ID),
      { client_id: IMPLICIT_CLIENT_ID, token_endpoint_auth_method: 'none', grant_types: ['implicit'], response_types: ['id_token token'], application_type: 'web' },
    ],
    implicitOnLoopback: true,
  });
});
after(async () => { await env?.close(); });

// ---- Helpers

/** The header and the payload of a compact JWS. */
function decodeJws(jws) {
  const [header, payload] = jws.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url')));
  return { header, payload };
}

/** `text` with the character at its middle replaced by another one. */
function withMiddleCharChanged(text) {
  const i = Math.floor(text.length / 2);
  return text.slice(0, i) + (text[i] === 'A' ? 'B' : 'A') + text.slice(i + 1);
}

/**
 * Logs in on #w1 through the popup and resolves with the outcome of `login()`: `{ ok }` or
 * `{ err }`. With `login`, signs in and consents on oidc-provider's pages; without, the
 * provider's live session and grant answer the popup by themselves.
 */
async function logIn(page, login) {
  if (login) {
    const popup = await startLogin(page);
    await signIn(popup, login);
    await consent(popup, popup.waitForEvent('close'));
  } else {
    await startLogin(page, { popup: false });
  }
  return loginOutcome(page, 'w1', 15_000);
}

/**
 * Routes the token endpoint's answers in `context` through `replace(id_token, answer)`, which
 * returns the id_token the widget is to get instead; the real answers are kept in the result.
 */
async function replaceIdTokenInTransit(context, replace) {
  const realAnswers = [];
  await context.route(env.op.tokenEndpoint, async (route) => {
    const response = await route.fetch();
    const answer = await response.json();
    realAnswers.push(answer);
    await route.fulfill({ response, json: { ...answer, id_token: replace(answer.id_token, answer) } });
  });
  return realAnswers;
}

/**
 * The widget refused the login's id_token: `invalid_id_token` naming `check`, in the Promise and in
 * the one event, and no token held or stored (#w1 uses `storage="local"`).
 */
async function assertIdTokenRefused(page, outcome, check) {
  assert.equal(outcome.err?.code, 'invalid_id_token', JSON.stringify(outcome));
  assert.ok(outcome.err.description.includes(check), outcome.err.description);
  const events = await waitForEvents(page);
  assert.deepEqual(events.map((e) => [e.type, e.detail.error]), [['oauth-error', 'invalid_id_token']]);
  assert.equal(events[0].detail.description, outcome.err.description);
  const held = await page.evaluate(() => ({
    token: document.getElementById('w1').accessToken,
    idToken: document.getElementById('w1').idToken,
    stored: [...Object.keys(localStorage), ...Object.keys(sessionStorage)].filter((k) => k.startsWith('oauth-prefab:token')),
  }));
  assert.deepEqual(held, { token: null, idToken: null, stored: [] });
  assert.match((await widgetState(page)).message, /^Login failed: id_token: /);
}

/**
 * A code flow for `clientId` with `nonce`, driven on oidc-provider's pages in `page` with no widget
 * (redirect URI: the plain callback page), the code redeemed from Node. Resolves with the token
 * answer: the id_token oidc-provider issues to that client.
 */
async function tokensWithoutWidget(page, { clientId, login, nonce }) {
  const redirectUri = `${env.web}/interop/callback.html`;
  const verifier = randomBytes(32).toString('base64url');
  const authorize = new URL(env.op.authorizationEndpoint);
  const params = {
    client_id: clientId, response_type: 'code', redirect_uri: redirectUri, scope: 'openid', nonce, state: randomBytes(16).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
  };
  for (const [name, value] of Object.entries(params)) authorize.searchParams.set(name, value);
  await page.goto(authorize.href);
  await signIn(page, login);
  await consent(page, page.waitForURL((url) => url.href.startsWith(redirectUri)));
  const code = new URL(page.url()).searchParams.get('code');
  assert.ok(code, page.url());
  const response = await fetch(env.op.tokenEndpoint, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: clientId, code_verifier: verifier }),
  });
  const answer = await response.json();
  assert.equal(response.status, 200, JSON.stringify(answer));
  return answer;
}

/** at_hash of an access token for an RS256 id_token: the left half of its SHA-256, base64url. */
function atHashOf(accessToken) {
  return createHash('sha256').update(accessToken).digest().subarray(0, 16).toString('base64url');
}

/** The profile oidc-provider's userinfo gives for `login` (its findAccount). */
function interopProfile(login) {
  return { sub: login, name: `Interop ${login}`, email: `${login}@interop.test`, emailVerified: true, picture: null, username: login };
}

// ---- Signatures

test('an ES256 id_token (EC P-256 key next to the RSA one) verifies, and the person is logged in with their profile', { timeout: TIMEOUT }, async () => {
  const { context, page } = await env.newPage();
  try {
    await openCodeFlowWidget(env, page, { 'client-id': ES256_CLIENT_ID });
    const { ok, err } = await logIn(page, 'anna');
    assert.ok(ok, JSON.stringify(err));
    const { header, payload } = decodeJws(ok.idToken);
    assert.deepEqual([header.alg, header.kid], ['ES256', 'interop-es256']);
    assert.deepEqual(ok.claims, payload);
    assert.deepEqual([ok.claims.sub, ok.claims.aud, ok.claims.iss], ['anna', ES256_CLIENT_ID, env.op.issuer]);
    assert.deepEqual(ok.profile, interopProfile('anna'));
    assert.equal((await widgetState(page)).label, 'Interop anna');
  } finally {
    await context.close();
  }
});

test('an id_token whose signature was altered in transit is refused (the signature does not verify), no token kept', { timeout: TIMEOUT }, async () => {
  const { context, page } = await env.newPage();
  try {
    const realAnswers = await replaceIdTokenInTransit(context, (idToken) => {
      const [header, payload, signature] = idToken.split('.');
      // In the middle: the last character of a base64url signature may carry only padding bits.
      return `${header}.${payload}.${withMiddleCharChanged(signature)}`;
    });
    await openCodeFlowWidget(env, page, { storage: 'local' });
    const outcome = await logIn(page, 'ben');
    assert.equal(realAnswers.length, 1, 'one token answer, altered');
    await assertIdTokenRefused(page, outcome, 'the signature does not verify');
  } finally {
    await context.close();
  }
});

test('`alg: none`: the real id_token with its header replaced by {"alg":"none"} and no signature is refused', { timeout: TIMEOUT }, async () => {
  const { context, page } = await env.newPage();
  try {
    await replaceIdTokenInTransit(context, (idToken) => {
      const payload = idToken.split('.')[1];
      return `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${payload}.`;
    });
    await openCodeFlowWidget(env, page, { storage: 'local' });
    await assertIdTokenRefused(page, await logIn(page, 'cleo'), '`none`');
  } finally {
    await context.close();
  }
});

// ---- Claims: audience, nonce

test('another client\'s valid id_token (same person, same nonce) is refused: `aud` does not include the client id', { timeout: TIMEOUT }, async () => {
  const { context, page } = await env.newPage();
  // The other client's login happens in another browser context: a session of its own.
  const other = await env.newPage();
  try {
    await openCodeFlowWidget(env, page, { storage: 'local' });
    // The popup opens blank and is sent to the provider once the challenge is known.
    const authorizeRequest = context.waitForEvent('request', (r) => r.url().startsWith(`${env.op.authorizationEndpoint}?`));
    const popup = await startLogin(page);
    const nonce = new URL((await authorizeRequest).url()).searchParams.get('nonce');
    assert.match(nonce, /^[0-9a-f]{32}$/);
    // A real id_token oidc-provider issued to OTHER_CLIENT_ID for the same person with this very
    // nonce: only its audience is wrong for the widget's client.
    const foreign = await tokensWithoutWidget(other.page, { clientId: OTHER_CLIENT_ID, login: 'dora', nonce });
    const foreignClaims = decodeJws(foreign.id_token).payload;
    assert.deepEqual([foreignClaims.aud, foreignClaims.sub, foreignClaims.nonce, foreignClaims.iss], [OTHER_CLIENT_ID, 'dora', nonce, env.op.issuer]);

    const realAnswers = await replaceIdTokenInTransit(context, () => foreign.id_token);
    await signIn(popup, 'dora');
    await consent(popup, popup.waitForEvent('close'));
    const outcome = await loginOutcome(page, 'w1', 15_000);
    assert.equal(decodeJws(realAnswers[0].id_token).payload.sub, 'dora', 'the real answer was for the same person');
    await assertIdTokenRefused(page, outcome, '`aud` does not include the client id');
  } finally {
    await other.context.close();
    await context.close();
  }
});

test('an earlier login\'s id_token, replayed into the next login\'s token answer, fails on its nonce; the first session stays', { timeout: TIMEOUT }, async () => {
  const { context, page, authorizeRequests } = await env.newPage();
  try {
    await openCodeFlowWidget(env, page, { storage: 'local' });
    const first = await logIn(page, 'emil');
    assert.ok(first.ok, JSON.stringify(first.err));

    const realAnswers = await replaceIdTokenInTransit(context, () => first.ok.idToken);
    // The provider's session and grant answer the second login without a page.
    const second = await logIn(page);
    assert.equal(authorizeRequests.length, 2);
    assert.notEqual(authorizeRequests[1].get('nonce'), authorizeRequests[0].get('nonce'));
    assert.equal(second.err?.code, 'invalid_id_token', JSON.stringify(second));
    assert.ok(second.err.description.includes('`nonce` is not the login\'s'), second.err.description);
    const events = await waitForEvents(page, 2);
    assert.deepEqual(events.map((e) => [e.type, e.detail.error ?? null]), [['oauth-login', null], ['oauth-error', 'invalid_id_token']]);
    // The replayed login's access token is not kept; the first login's session is not lost to it.
    assert.equal(realAnswers.length, 1);
    const held = await page.evaluate(() => ({ token: document.getElementById('w1').accessToken, idToken: document.getElementById('w1').idToken }));
    assert.notEqual(held.token, realAnswers[0].access_token);
    assert.deepEqual(held, { token: first.ok.accessToken, idToken: first.ok.idToken });
  } finally {
    await context.close();
  }
});

// ---- Discovery

test('a discovery document naming another issuer: invalid_config, said at connect, and no login window on click', { timeout: TIMEOUT }, async () => {
  const { context, page } = await env.newPage();
  try {
    await context.route(`${env.op.issuer}/.well-known/openid-configuration`, async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, json: { ...await response.json(), issuer: 'https://elsewhere.example' } });
    });
    const windowsOpened = [];
    context.on('page', (opened) => windowsOpened.push(opened.url()));
    // Said at connect, before anyone clicks.
    const saidAtConnect = page.waitForEvent('console', { predicate: (msg) => msg.text().includes('`https://elsewhere.example` is not the issuer') });
    await openWidget(env, page, { attrs: { 'authorize-url': null, issuer: env.op.issuer, 'client-id': env.op.clientId, scope: 'openid profile email' } });
    assert.equal((await saidAtConnect).type(), 'warning');

    await page.locator('#w1 button[part=button]').click();
    const events = await waitForEvents(page);
    assert.deepEqual(events.map((e) => [e.type, e.detail.error]), [['oauth-error', 'invalid_config']]);
    assert.ok(events[0].detail.description.includes('`https://elsewhere.example` is not the issuer'), events[0].detail.description);
    assert.deepEqual(windowsOpened, [], 'a login window opened');
    assert.equal(context.pages().length, 1);
    assert.equal(await page.evaluate(() => document.getElementById('w1').accessToken), null);
  } finally {
    await context.close();
  }
});

// ---- at_hash in the implicit grant

test('the implicit grant with `token id_token`: at_hash binds the access token; one altered in transit is refused', { timeout: TIMEOUT }, async () => {
  const { context, page, authorizeRequests } = await env.newPage();
  try {
    // The response is the fragment of the Location header of the provider's redirect to the
    // widget's page. A route sees no request that follows a redirect, so not the first login's
    // answer (after the consent page's redirects); the second login's comes straight from the
    // authorization endpoint (the provider's session and grant answer it), and is altered there:
    // an access token the id_token's at_hash does not match.
    const widgetPage = `${env.web}/e2e/widget.html`;
    const alteredResponses = [];
    await context.route((url) => url.href.startsWith(`${env.op.authorizationEndpoint}?`), async (route) => {
      const response = await route.fetch({ maxRedirects: 0 });
      const location = response.headers().location ?? '';
      if (!location.startsWith(`${widgetPage}#`)) return route.fulfill({ response });
      const accessToken = new URLSearchParams(location.slice(widgetPage.length + 1)).get('access_token');
      // Only the token's value changes; the rest of the fragment stays byte for byte.
      const altered = location.replace(`access_token=${accessToken}`, `access_token=${withMiddleCharChanged(accessToken)}`);
      alteredResponses.push({ accessToken, idToken: new URLSearchParams(location.slice(widgetPage.length + 1)).get('id_token') });
      return route.fulfill({ response, headers: { ...response.headers(), location: altered } });
    });
    await openWidget(env, page, {
      attrs: { 'authorize-url': null, issuer: env.op.issuer, 'client-id': IMPLICIT_CLIENT_ID, 'response-type': 'token id_token', scope: 'openid profile', storage: 'local' },
    });

    const clean = await logIn(page, 'fay');
    assert.ok(clean.ok, JSON.stringify(clean.err));
    assert.deepEqual(authorizeRequests[0].get('response_type').split(' ').sort(), ['id_token', 'token']);
    assert.equal(alteredResponses.length, 0);
    assert.equal(clean.ok.claims.sub, 'fay');
    assert.equal(clean.ok.claims.aud, IMPLICIT_CLIENT_ID);
    // oidc-provider's at_hash (RS256: the left half of SHA-256) is the access token's.
    assert.equal(clean.ok.claims.at_hash, atHashOf(clean.ok.accessToken));
    // Logged out (the provider's session stays), so what the next login leaves is its own.
    assert.deepEqual(await page.evaluate(() => document.getElementById('w1').logout()), { revoked: true });
    await page.evaluate(() => { window.events.length = 0; });

    const altered = await logIn(page); // the provider's session answers at once
    assert.equal(alteredResponses.length, 1, 'the second login\'s answer was altered');
    // The id_token is genuine and bound to the access token the provider really issued.
    assert.equal(decodeJws(alteredResponses[0].idToken).payload.at_hash, atHashOf(alteredResponses[0].accessToken));
    await assertIdTokenRefused(page, altered, '`at_hash` does not match');
  } finally {
    await context.close();
  }
});

// ---- The profile

test('userinfo answering for someone else: the login stands on the id_token, that profile is ignored, the console says so', { timeout: TIMEOUT }, async () => {
  const { context, page, consoleLines } = await env.newPage();
  try {
    const userinfoAnswers = [];
    await context.route(env.op.userinfoEndpoint, async (route) => {
      // A CORS preflight (the Authorization header) goes through as it is.
      if (route.request().method() !== 'GET') return route.fallback();
      const response = await route.fetch();
      const answer = await response.json();
      userinfoAnswers.push(answer);
      await route.fulfill({ response, json: { ...answer, sub: 'someone-else', name: 'Someone Else', email: 'someone@else.test' } });
    });
    await openCodeFlowWidget(env, page);
    const { ok, err } = await logIn(page, 'gus');
    assert.ok(ok, JSON.stringify(err));
    assert.equal(userinfoAnswers.length, 1, 'userinfo was read');
    assert.equal(userinfoAnswers[0].sub, 'gus', 'the real answer');
    assert.equal(ok.claims.sub, 'gus');
    // What the verified claims give, and nothing from the other answer: oidc-provider puts only
    // `sub` in an id_token that comes with an access token (conformIdTokenClaims).
    assert.deepEqual(ok.profile, { sub: 'gus', name: null, email: null, emailVerified: null, picture: null, username: null });
    assert.deepEqual(await page.evaluate(() => document.getElementById('w1').profile), ok.profile);
    assert.ok(!(await widgetState(page)).label.includes('Someone'), 'the other answer\'s name is on the button');
    assert.ok(consoleLines.some((l) => l.includes('the profile answer\'s sub is not the id_token\'s')), consoleLines.join('\n'));
  } finally {
    await context.close();
  }
});

// ---- Key rotation (restarts the provider: last, though the restarted one serves the same clients)

test('keys rotated by a provider restart between two logins: the new kid fetches the key set exactly once more', { timeout: TIMEOUT }, async () => {
  const { context, page } = await env.newPage();
  try {
    const discovery = await (await fetch(`${env.op.issuer}/.well-known/openid-configuration`)).json();
    const keySetRequests = [];
    const discoveryRequests = [];
    context.on('request', (r) => {
      if (r.url() === discovery.jwks_uri) keySetRequests.push(r.url());
      if (r.url() === `${env.op.issuer}/.well-known/openid-configuration`) discoveryRequests.push(r.url());
    });
    await openCodeFlowWidget(env, page);
    const first = await logIn(page, 'hugo');
    assert.ok(first.ok, JSON.stringify(first.err));
    assert.equal(decodeJws(first.ok.idToken).header.kid, 'interop-rs256');
    assert.equal(keySetRequests.length, 1);
    // A login signed with a known kid reads no key set (the page keeps it).
    const known = await logIn(page);
    assert.ok(known.ok, JSON.stringify(known.err));
    assert.equal(keySetRequests.length, 1);

    // The same issuer, now signing with a new RSA key published first, the old ones after it.
    const issuer = env.op.issuer;
    await env.restartProvider({ keys: [rsaSigningKey(ROTATED_KID), ...env.op.keys] });
    assert.equal(env.op.issuer, issuer);

    const second = await logIn(page, 'hugo'); // the restart lost the session: sign in again
    assert.ok(second.ok, JSON.stringify(second.err));
    assert.notEqual(second.ok.accessToken, known.ok.accessToken);
    assert.equal(decodeJws(second.ok.idToken).header.kid, ROTATED_KID);
    assert.equal(second.ok.claims.sub, 'hugo');
    assert.equal(keySetRequests.length, 2, 'the key set read exactly once more');
    assert.equal(discoveryRequests.length, 1, 'discovery read once per page');
  } finally {
    await context.close();
  }
});
