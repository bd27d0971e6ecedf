// Who logged in ("Who logged in: OpenID Connect" in the contract), in Chromium against the dev
// provider: discovery from `issuer` alone, id_tokens signed RS256 and ES256 verified by the
// browser's WebCrypto, the profile on the button, and every broken id_token the provider can be
// asked to send (POST /test/oidc), each refused with `invalid_id_token` naming its check and
// leaving no token behind. oidc-provider, a certified provider, is in interop-oidc.test.mjs.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { CLIENT_ID, PAGES, PUBLIC_CLIENT_ID, decide, loginOutcome, openWidget, startEnvironment, startLogin, waitForEvents, widgetState } from './harness.mjs';

const ES256_CLIENT_ID = 'e2e-es256';

let env;
before(async () => {
  env = await startEnvironment({
    clients: (web) => [
      { id: CLIENT_ID, secret: 'e2e-secret', name: 'E2E App', redirect_uris: PAGES.map((p) => web + p) },
      { id: PUBLIC_CLIENT_ID, name: 'E2E SPA', redirect_uris: PAGES.map((p) => web + p) },
      { id: ES256_CLIENT_ID, name: 'E2E ES256', redirect_uris: PAGES.map((p) => web + p), id_token_alg: 'ES256' },
    ],
  });
});
after(async () => { await env?.close(); });
beforeEach(async () => {
  await env.controls.reset();
  await breakTokens({});
});

/** Asks the dev provider to break its next id_tokens (or its discovery document, or userinfo). */
async function breakTokens(tampering) {
  const response = await fetch(`${env.provider}/test/oidc`, { method: 'POST', body: JSON.stringify(tampering) });
  assert.equal(response.status, 200, await response.text());
}

/** #w1 set up for the code flow found by discovery alone: `issuer` and `client-id`. */
function discovered(extra = {}) {
  return { 'authorize-url': null, issuer: env.provider, 'client-id': PUBLIC_CLIENT_ID, scope: 'openid profile email', ...extra };
}

/** Logs in through the consent page; the login's outcome, `{ ok }` or `{ err }`. */
async function logIn(page) {
  const popup = await startLogin(page);
  await decide(popup, 'Allow');
  return loginOutcome(page, 'w1', 15_000);
}

/** The payload of a compact JWS. */
function payloadOf(jws) {
  return JSON.parse(Buffer.from(jws.split('.')[1], 'base64url'));
}

test('an issuer alone: discovered once per page, the code flow, an RS256 id_token verified, the person on the button', async () => {
  const { context, page, consoleLines } = await env.newPage();
  try {
    const discoveries = [];
    context.on('request', (r) => { if (r.url().endsWith('/.well-known/openid-configuration')) discoveries.push(r.url()); });
    await openWidget(env, page, { attrs: discovered() });
    const { ok, err } = await logIn(page);
    assert.ok(ok, JSON.stringify(err));
    const authorize = await env.controls.lastAuthorize();
    assert.equal(authorize.response_type, 'code');
    assert.match(authorize.nonce, /^[0-9a-f]{32}$/);
    assert.equal(JSON.parse(Buffer.from(ok.idToken.split('.')[0], 'base64url')).alg, 'RS256');
    assert.deepEqual(ok.claims, payloadOf(ok.idToken));
    assert.equal(ok.claims.nonce, authorize.nonce);
    assert.equal(ok.claims.iss, env.provider);
    assert.equal(ok.profile.sub, ok.claims.sub);
    assert.ok(ok.profile.name && ok.profile.email, JSON.stringify(ok.profile));
    assert.equal(ok.profile.emailVerified, true);
    assert.match(ok.profile.picture, /^http:\/\/127\.0\.0\.1:\d+\/static\/avatar/);

    // The button says who, with their picture: text as text, the picture without a referrer.
    const state = await widgetState(page);
    assert.equal(state.label, ok.profile.name);
    const avatar = await page.evaluate(() => {
      const img = document.getElementById('w1').shadowRoot.querySelector('[part=avatar]');
      return { hidden: img.hidden, src: img.src, referrer: img.referrerPolicy, width: img.getBoundingClientRect().width, loaded: img.complete && img.naturalWidth > 0 };
    });
    assert.deepEqual({ ...avatar, width: avatar.width > 0 }, { hidden: false, src: ok.profile.picture, referrer: 'no-referrer', width: true, loaded: true });
    const props = await page.evaluate(() => { const el = document.getElementById('w1'); return { profile: el.profile, idToken: el.idToken }; });
    assert.deepEqual(props, { profile: ok.profile, idToken: ok.idToken });

    // A second login on the same page reads no discovery document again.
    const again = await logIn(page);
    assert.ok(again.ok, JSON.stringify(again.err));
    assert.equal(discoveries.length, 1, JSON.stringify(discoveries));
    assert.ok(!consoleLines.some((l) => l.includes(ok.idToken) || l.includes(ok.accessToken)), 'a token in the console');
  } finally {
    await context.close();
  }
});

test('an ES256 id_token verifies too', async () => {
  const { context, page } = await env.newPage();
  try {
    await openWidget(env, page, { attrs: discovered({ 'client-id': ES256_CLIENT_ID }) });
    const { ok, err } = await logIn(page);
    assert.ok(ok, JSON.stringify(err));
    assert.equal(JSON.parse(Buffer.from(ok.idToken.split('.')[0], 'base64url')).alg, 'ES256');
  } finally {
    await context.close();
  }
});

// Each broken id_token the dev provider can send, and the check that must catch it.
for (const [tamper, check] of [
  ['signature', 'the signature does not verify'],
  ['alg-none', '`none`'],
  ['hs256', '`HS256`'],
  ['aud-other', '`aud` does not include the client id'],
  ['nonce-other', '`nonce` is not the login\'s'],
  ['exp-past', '`exp` has passed'],
  ['iss-other', 'is not the issuer'],
]) {
  test(`a ${tamper} id_token is refused (${check}) and no token is kept`, async () => {
    const { context, page } = await env.newPage();
    try {
      await openWidget(env, page, { attrs: discovered({ storage: 'local' }) });
      await breakTokens({ tamper });
      const { err } = await logIn(page);
      assert.equal(err?.code, 'invalid_id_token', JSON.stringify(err));
      assert.ok(err.description.includes(check), err.description);
      const events = await waitForEvents(page);
      assert.deepEqual(events.map((e) => e.type), ['oauth-error']);
      assert.deepEqual(await page.evaluate(() => ({ token: document.getElementById('w1').accessToken, stored: Object.keys(localStorage).filter((k) => k.startsWith('oauth-prefab:token')) })), { token: null, stored: [] });
      assert.match((await widgetState(page)).message, /^Login failed: id_token: /);
    } finally {
      await context.close();
    }
  });
}

test('an earlier login\'s id_token, replayed, fails on its nonce', async () => {
  const { context, page } = await env.newPage();
  try {
    await openWidget(env, page, { attrs: discovered() });
    const first = await logIn(page);
    assert.ok(first.ok, JSON.stringify(first.err));
    await breakTokens({ tamper: 'replay-previous' });
    const { err } = await logIn(page);
    assert.equal(err?.code, 'invalid_id_token');
    assert.ok(err.description.includes('`nonce` is not the login\'s'), err.description);
    // The session the first login made is kept: a forged login does not cost the person it.
    assert.equal((await widgetState(page)).accessToken, first.ok.accessToken);
  } finally {
    await context.close();
  }
});

test('a discovery document naming another issuer: invalid_config, said at connect, and no login window', async () => {
  const { context, page, consoleLines } = await env.newPage();
  try {
    await breakTokens({ discovery_issuer: 'https://elsewhere.example' });
    // Said at connect, before anyone logs in: waited for, since a login() before the document is
    // read opens its window within the call (a click is never lost) and closes it at the refusal.
    const saidAtConnect = page.waitForEvent('console', { predicate: (msg) => msg.text().includes('is not the issuer') });
    await openWidget(env, page, { attrs: discovered() });
    await saidAtConnect;
    const outcome = await page.evaluate(() => document.getElementById('w1').login().then(() => null, (e) => ({ code: e.code, description: e.description })));
    assert.equal(outcome?.code, 'invalid_config');
    assert.ok(outcome.description.includes('`https://elsewhere.example` is not the issuer'), outcome.description);
    assert.ok(consoleLines.some((l) => l.includes('is not the issuer')), consoleLines.join('\n'));
    assert.equal(context.pages().length, 1, 'no popup');
  } finally {
    await context.close();
  }
});

test('the implicit grant with `token id_token`: at_hash binds the access token, and an altered one is refused', async () => {
  const { context, page } = await env.newPage();
  try {
    await openWidget(env, page, { attrs: { issuer: env.provider, 'client-id': CLIENT_ID, 'response-type': 'token id_token', scope: 'openid profile' } });
    const { ok, err } = await logIn(page);
    assert.ok(ok, JSON.stringify(err));
    assert.equal((await env.controls.lastAuthorize()).response_type, 'id_token token');
    assert.ok(ok.claims.at_hash, 'the implicit id_token has at_hash');
    await breakTokens({ tamper: 'at-hash-wrong' });
    const broken = await logIn(page);
    assert.equal(broken.err?.code, 'invalid_id_token');
    assert.ok(broken.err.description.includes('`at_hash` does not match'), broken.err.description);
  } finally {
    await context.close();
  }
});

test('userinfo answering for someone else is ignored, said in the console; the login stands on the id_token', async () => {
  const { context, page, consoleLines } = await env.newPage();
  try {
    await openWidget(env, page, { attrs: discovered() });
    await breakTokens({ userinfo_sub: 'someone-else' });
    const { ok, err } = await logIn(page);
    assert.ok(ok, JSON.stringify(err));
    assert.equal(ok.profile.sub, ok.claims.sub);
    assert.equal(ok.profile.name, ok.claims.name);
    assert.ok(consoleLines.some((l) => l.includes('the profile answer\'s sub is not the id_token\'s')), consoleLines.join('\n'));
  } finally {
    await context.close();
  }
});

test('keys rotated between two logins: the unknown kid fetches the key set once more', async () => {
  const { context, page } = await env.newPage();
  try {
    const keySets = [];
    context.on('request', (r) => { if (r.url() === `${env.provider}/jwks`) keySets.push(r.url()); });
    await openWidget(env, page, { attrs: discovered() });
    assert.ok((await logIn(page)).ok);
    assert.equal(keySets.length, 1);
    const rotated = await fetch(`${env.provider}/test/rotate-keys`, { method: 'POST' });
    assert.equal(rotated.status, 200);
    const { ok, err } = await logIn(page);
    assert.ok(ok, JSON.stringify(err));
    assert.equal(keySets.length, 2, 'the key set read once more');
  } finally {
    await context.close();
  }
});

test('a restored session carries its profile and id_token', async () => {
  const { context, page } = await env.newPage();
  try {
    await openWidget(env, page, { attrs: discovered({ storage: 'local' }) });
    const { ok } = await logIn(page);
    await page.reload();
    const [event] = await waitForEvents(page);
    assert.equal(event.type, 'oauth-login');
    assert.equal(event.detail.restored, true);
    assert.deepEqual([event.detail.profile, event.detail.idToken, event.detail.claims.sub], [ok.profile, ok.idToken, ok.claims.sub]);
    assert.equal((await widgetState(page)).label, ok.profile.name);
  } finally {
    await context.close();
  }
});
