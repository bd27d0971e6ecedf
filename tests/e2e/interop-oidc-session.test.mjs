// Staying logged in, and logging out ("Staying logged in, and logging out" in the contract), in
// Chromium against a provider nobody here wrote: node-oidc-provider v9 (tests/interop/
// oidc-provider.mjs), whose access tokens of an `offline_access` login live 5 seconds and whose
// refresh tokens rotate. A refresh token revoked at the provider (two tabs), a used refresh token
// replayed, the provider down during a renewal, and two tabs sharing one session through several
// renewals and a logout. The same cases against the project's dev provider are in renewal.test.mjs;
// renewal with rotation, logout revoking both tokens and logout at the provider through
// oidc-provider are in interop-oidc.test.mjs.
//
// Run: `npm run build` (the tests load pkg/), then
// `node --test --test-concurrency=1 --test-reporter=spec tests/e2e/interop-oidc-session.test.mjs`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { RENEWING_TTL_SECS } from '../interop/oidc-provider.mjs';
import { logInThroughPopup, openCodeFlowWidget, startInteropEnvironment, userinfoFromPage } from '../interop/oidc-env.mjs';
import { eventsOf, widgetState } from './harness.mjs';

const TIMEOUT = 60_000;
/** Long enough for a renewal to come due: a tenth of the lifetime before expiry, with slack. */
const RENEWAL_WAIT = RENEWING_TTL_SECS * 1000 + 10_000;

/**
 * #w1 asking for a refresh token (oidc-provider grants `offline_access` only with
 * prompt=consent), its session in localStorage so that the tabs share it.
 */
const SESSION_ATTRS = { scope: 'openid profile offline_access', 'extra-params': 'prompt=consent', storage: 'local' };

let env;
before(async () => { env = await startInteropEnvironment(); });
after(async () => { await env?.close(); });

/** The widget fixture with SESSION_ATTRS in `page`, and in `count - 1` more tabs of its context. */
async function openTabs(page, count = 1) {
  const tabs = [page];
  while (tabs.length < count) tabs.push(await page.context().newPage());
  for (const tab of tabs) await openCodeFlowWidget(env, tab, SESSION_ATTRS);
  return tabs;
}

/**
 * Logs #w1 in through oidc-provider's pages in a popup: signs in as `login` first, or, without
 * it, reuses the provider session the context has and only consents. Its `oauth-login` detail.
 */
async function logIn(page, login) {
  const { ok, err } = await logInThroughPopup(page, login);
  assert.ok(ok, JSON.stringify(err));
  return ok;
}

/**
 * The token endpoint's answers to the context's POSTs, in order, as promises of
 * `{ grantType, refreshToken, status, body }` (`refreshToken`: the one the request sent). The
 * answers themselves carry the refresh tokens, which the page never exposes.
 */
function recordTokenAnswers(context) {
  const answers = [];
  context.on('response', (response) => {
    const request = response.request();
    if (request.method() !== 'POST' || request.url() !== env.op.tokenEndpoint) return;
    const fields = new URLSearchParams(request.postData() ?? '');
    answers.push(response.json().catch((e) => ({ unreadable: e.message })).then((body) => ({
      grantType: fields.get('grant_type'), refreshToken: fields.get('refresh_token'), status: response.status(), body,
    })));
  });
  return answers;
}

/** A form POST from Node (no Origin: not the browser), as a public client: `client_id` in the form. */
async function postForm(url, fields) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: env.op.clientId, ...fields }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** Checks that the session in `tab` ended with `oauth-expired` `error`, not with a logout. */
async function assertEnded(tab, error) {
  const [expired] = await eventsOf(tab, 'oauth-expired', 1, RENEWAL_WAIT);
  assert.deepEqual(expired.detail, { provider: 'custom', error });
  const state = await widgetState(tab);
  assert.deepEqual([state.loggedIn, state.accessToken], [false, null]);
  assert.deepEqual((await tab.evaluate(() => window.events)).filter((e) => e.type === 'oauth-logout'), [], 'an end, not a logout');
}

/** The values of the widget's session records in the page's localStorage. */
function storedSessions(page) {
  return page.evaluate(() => Object.entries(localStorage).filter(([k]) => k.startsWith('oauth-prefab:token:')).map(([, v]) => v));
}

test('a refresh token revoked at the provider: the next renewal ends the session in both tabs with oauth-expired invalid_grant', { timeout: TIMEOUT }, async () => {
  const { context, page } = await env.newPage();
  try {
    const answers = recordTokenAnswers(context);
    const [, other] = await openTabs(page, 2);
    const login = await logIn(page, 'grace');
    await eventsOf(other, 'oauth-login', 1, 1_000);
    const { body: { refresh_token: refreshToken } } = await answers[0];
    assert.ok(refreshToken, 'offline_access with prompt=consent gave a refresh token');

    // RFC 7009, well before the renewal is due (a tenth of 5 s before the expiry).
    const revocation = await postForm(env.op.revocationEndpoint, { token: refreshToken, token_type_hint: 'refresh_token' });
    assert.equal(revocation.status, 200);
    // oidc-provider revokes the whole grant with it: the access token is refused at once too.
    assert.equal((await userinfoFromPage(env, page, login.accessToken)).status, 401);

    for (const tab of [page, other]) await assertEnded(tab, 'invalid_grant');
    // One tab asked, with the revoked token, and was refused; the other took its result (the
    // record `ended=invalid_grant`) rather than asking again. No token is left in storage.
    const refreshes = (await Promise.all(answers)).filter((a) => a.grantType === 'refresh_token');
    assert.deepEqual(refreshes.map((a) => [a.refreshToken === refreshToken, a.status, a.body.error]), [[true, 400, 'invalid_grant']]);
    assert.deepEqual(await storedSessions(page), ['ended=invalid_grant']);
  } finally {
    await context.close();
  }
});

test('a used refresh token replayed: oidc-provider refuses it and revokes the grant, so the next renewal ends the session with invalid_grant', { timeout: TIMEOUT }, async () => {
  const { context, page } = await env.newPage();
  try {
    const answers = recordTokenAnswers(context);
    await openTabs(page);
    await logIn(page, 'heidi');
    const [renewed] = await eventsOf(page, 'oauth-renewed', 1, RENEWAL_WAIT);
    const [loginAnswer, renewalAnswer] = await Promise.all(answers);
    const used = loginAnswer.body.refresh_token;
    assert.equal(renewalAnswer.refreshToken, used, 'the renewal sent the login\'s refresh token');
    assert.ok(renewalAnswer.body.refresh_token && renewalAnswer.body.refresh_token !== used, 'and got a rotated one');

    // Someone replays the used token. oidc-provider (lib/actions/grants/refresh_token.js) takes
    // a consumed refresh token for a stolen one: it answers invalid_grant ("refresh token already
    // used"), destroys it and revokes every token of its grant, the rotated refresh token and
    // the renewed access token included.
    const replay = await postForm(env.op.tokenEndpoint, { grant_type: 'refresh_token', refresh_token: used });
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
    assert.equal((await userinfoFromPage(env, page, renewed.detail.accessToken)).status, 401);

    // The widget learns it at its next renewal, sent with the rotated token.
    await assertEnded(page, 'invalid_grant');
    const refreshes = (await Promise.all(answers)).filter((a) => a.grantType === 'refresh_token');
    assert.deepEqual(refreshes.map((a) => a.refreshToken), [used, renewalAnswer.body.refresh_token]);
    assert.deepEqual(refreshes.map((a) => [a.status, a.body.error]), [[200, undefined], [400, 'invalid_grant']]);
    assert.deepEqual(await storedSessions(page), ['ended=invalid_grant']);
  } finally {
    await context.close();
  }
});

test('the provider down during a renewal: tried again, then oauth-expired network_error; a login works again after', { timeout: TIMEOUT }, async () => {
  const { context, page, consoleLines } = await env.newPage();
  try {
    await openTabs(page);
    await logIn(page, 'ivan');
    const tries = [];
    await context.route(env.op.tokenEndpoint, (route) => {
      tries.push(new URLSearchParams(route.request().postData() ?? '').get('grant_type'));
      return route.abort('connectionrefused');
    });
    await assertEnded(page, 'network_error');
    // The renewal, then (the 1-second backoff falling past a 5-second token's expiry) the one
    // last try within its final 2 seconds: each a refresh request.
    assert.ok(tries.length >= 2, `tried ${tries.length} times`);
    assert.ok(tries.every((t) => t === 'refresh_token'), JSON.stringify(tries));
    assert.ok(consoleLines.some((l) => l.includes('the session ended')), consoleLines.join('\n'));
    assert.equal((await widgetState(page)).message, 'Your session expired. Please log in again.');

    // The provider back: a new login (the provider's session is still there: only its consent).
    await context.unroute(env.op.tokenEndpoint);
    const again = await logIn(page);
    assert.equal((await userinfoFromPage(env, page, again.accessToken)).body.sub, 'ivan');
  } finally {
    await context.close();
  }
});

test('two tabs share one session: a login, renewals one at a time between them with rotated tokens, a logout', { timeout: TIMEOUT }, async () => {
  const RENEWALS = 3;
  const { context, page } = await env.newPage();
  try {
    const answers = recordTokenAnswers(context);
    const [, other] = await openTabs(page, 2);
    const login = await logIn(page, 'judy');
    const [restored] = await eventsOf(other, 'oauth-login', 1, 1_000);
    assert.deepEqual([restored.detail.accessToken, restored.detail.restored], [login.accessToken, true]);

    // Both tabs' timers come due together; for each renewal one tab sends the refresh request
    // under the Web Lock and the other takes its result.
    const here = await eventsOf(page, 'oauth-renewed', RENEWALS, RENEWALS * RENEWAL_WAIT);
    const there = await eventsOf(other, 'oauth-renewed', RENEWALS, 1_000);
    const accessTokens = here.map((e) => e.detail.accessToken);
    assert.deepEqual(there.map((e) => e.detail.accessToken), accessTokens, 'each renewal, the same token in both tabs');
    assert.equal(new Set([login.accessToken, ...accessTokens]).size, RENEWALS + 1);

    // As many refresh requests as renewals, each with the token the one before got: none sent
    // twice (oidc-provider would refuse a reused one and revoke the grant).
    const [loginAnswer, ...refreshes] = await Promise.all(answers);
    assert.equal(loginAnswer.grantType, 'authorization_code');
    assert.equal(refreshes.length, RENEWALS, `${refreshes.length} refresh requests for ${RENEWALS} renewals`);
    assert.deepEqual(refreshes.map((a) => a.status), Array(RENEWALS).fill(200));
    assert.deepEqual(refreshes.map((a) => a.body.access_token), accessTokens);
    assert.deepEqual(refreshes.map((a) => a.refreshToken), [loginAnswer, ...refreshes.slice(0, -1)].map((a) => a.body.refresh_token));
    assert.equal(new Set(refreshes.map((a) => a.refreshToken)).size, RENEWALS);

    // A logout in one tab reaches the other within a second.
    await page.evaluate(() => document.getElementById('w1').logout());
    const [loggedOut] = await eventsOf(other, 'oauth-logout', 1, 1_000);
    assert.deepEqual(loggedOut.detail, { provider: 'custom' });
    assert.deepEqual([(await widgetState(other)).loggedIn, await storedSessions(other)], [false, []]);
    assert.deepEqual((await other.evaluate(() => window.events)).filter((e) => e.type === 'oauth-expired'), []);
  } finally {
    await context.close();
  }
});
