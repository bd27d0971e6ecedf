// The exchange (oauth-prefab-exchange) end to end in Chromium: the widget fixture page logs in
// with `response-type=code` as a confidential client of the dev provider, its `token-url` the
// exchange's `/token`, which adds the client secret. Checked against what the provider issued and
// received (/test/last-token, /test/token-requests) and against the exchange's stderr log, which
// must never hold the secret, the code, the verifier or the token. Then the refusals a page sees:
// an Origin the exchange knows but not for this client (a readable 403 `unauthorized_client`,
// passed through by the widget), and an exchange that knows no client of the page's origin (no
// CORS headers, so the browser blocks the answer: `network_error`).
//
// The environment is the harness's, with two exchanges beside the provider.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decide, loginOutcome, openWidget, recordPosts, startEnvironment, startLogin, waitForEvents } from './harness.mjs';
import { buildExchange, startExchange } from '../../scripts/lib/exchange.mjs';

const FIXTURE = '/e2e/widget.html';

// Confidential clients of the dev provider, with secrets made for this run (so that finding one
// in a log cannot be a coincidence). The Basic one has characters that form-encoding changes.
const CLIENTS = {
  post: { id: 'xc-post', secret: `post-${randomBytes(16).toString('hex')}`, auth: 'client_secret_post' },
  basic: { id: 'xc-basic', secret: `b+s/${randomBytes(16).toString('hex')}=`, auth: 'client_secret_basic' },
  // Served by the exchange, but for pages of another origin only.
  elsewhere: { id: 'xc-elsewhere', secret: `else-${randomBytes(16).toString('hex')}`, auth: 'client_secret_post' },
};
const ELSEWHERE = 'https://elsewhere.example';

let env;
before(async () => { env = await startEnvironment({ clients: exchangeClients, services: twoExchanges }); });
after(async () => { await env?.close(); });

/** The confidential clients of CLIENTS, registered for the fixture page. */
function exchangeClients(web) {
  return Object.values(CLIENTS).map(({ id, secret }) => ({ id, secret, name: `Exchange ${id}`, redirect_uris: [web + FIXTURE] }));
}

/**
 * Two exchanges beside the provider: `exchange` serves the CLIENTS (the page's origin allowed for
 * all but `elsewhere`); `foreign` serves `post` for ELSEWHERE only, so it knows nothing of the
 * page's origin. Each exchange's stderr is collected in `.log`.
 */
async function twoExchanges({ web, provider }) {
  const secretEnv = (client) => `SECRET_${client.id.replaceAll('-', '_').toUpperCase()}`;
  const entry = (client, allowedOrigins) => ({
    client_id: client.id,
    token_endpoint: `${provider}/oauth/token`,
    client_secret_env: secretEnv(client),
    client_auth: client.auth,
    redirect_uris: [web + FIXTURE],
    allowed_origins: allowedOrigins,
  });
  const secrets = Object.fromEntries(Object.values(CLIENTS).map((client) => [secretEnv(client), client.secret]));
  const binary = buildExchange();
  const start = async (clients) => {
    const child = await startExchange({ config: { clients }, env: secrets, stderr: 'pipe', binary });
    child.log = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => { child.log += chunk; });
    return child;
  };
  const exchange = await start([entry(CLIENTS.post, [web]), entry(CLIENTS.basic, [web]), entry(CLIENTS.elsewhere, [ELSEWHERE])]);
  const foreign = await start([entry(CLIENTS.post, [ELSEWHERE])]);
  return { values: { exchange, foreign }, stop: () => { exchange.kill(); foreign.kill(); } };
}

// ---- Helpers ---------------------------------------------------------------------------------

/** Opens the fixture as a code-flow widget of `client` with its token-url on `exchange`. */
async function openExchangeWidget(client, exchange = env.exchange) {
  await env.controls.reset();
  const session = await env.newPage();
  session.posts = recordPosts(session.context, `${exchange.url}/token`);
  await openWidget(env, session.page, {
    attrs: {
      'client-id': client.id,
      'response-type': 'code',
      'token-url': `${exchange.url}/token`,
      'authorize-url': `${env.provider}/oauth/authorize`,
    },
  });
  return session;
}


/** Starts a popup login and clicks Allow on the consent page (once the popup shows it). */
async function loginAndAllow(page) {
  const popup = await startLogin(page);
  await popup.waitForURL((url) => url.href.startsWith(`${env.provider}/oauth/authorize?`));
  await popup.waitForLoadState();
  await decide(popup, 'Allow');
}

/** Waits until the exchange's log has a line matching `pattern`; returns the whole log. */
async function waitForLogLine(exchange, pattern) {
  const deadline = Date.now() + 5000;
  while (!pattern.test(exchange.log)) {
    if (Date.now() > deadline) assert.fail(`no log line matching ${pattern} in:\n${exchange.log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return exchange.log;
}

/** Asserts that none of `values` (name -> value) appears in `text`. */
function assertNoneIn(text, values, where) {
  for (const [name, value] of Object.entries(values)) {
    assert.ok(value && value.length >= 8, `${name} is known`);
    assert.ok(!text.includes(value), `${where} must not hold the ${name}`);
  }
}

// ---- A login through the exchange ----------------------------------------------------------

for (const kind of ['post', 'basic']) {
  const client = CLIENTS[kind];
  test(`a code-flow login through the exchange (${client.auth}): the exchange adds the secret, the page gets the provider's token`, async () => {
    const { page, context, posts, consoleLines } = await openExchangeWidget(client);
    const logStart = env.exchange.log.length;
    await loginAndAllow(page);
    const outcome = await loginOutcome(page);
    assert.ok(outcome.ok, `login() resolved (got ${JSON.stringify(outcome)})`);

    // The page's detail carries exactly the token the provider issued, for this client.
    const issued = await env.controls.lastToken();
    assert.equal(issued.flow, 'code');
    assert.equal(issued.client_id, client.id);
    const [event] = await waitForEvents(page, 1);
    assert.equal(event.type, 'oauth-login');
    assert.equal(event.detail.accessToken, issued.access_token);
    assert.equal(outcome.ok.accessToken, issued.access_token);
    assert.equal(event.detail.tokenType, 'bearer');
    assert.equal(event.detail.expiresIn, issued.expires_in);
    assert.equal(event.detail.user?.username, 'snoopdogg', 'the token response\'s user is passed on');
    assert.equal(await page.evaluate(() => document.getElementById('w1').accessToken), issued.access_token);

    // The page sent the widget's token request, without a secret, to the exchange...
    assert.equal(posts.length, 1);
    const sent = posts[0].fields;
    assert.deepEqual([...sent.keys()].sort(), ['client_id', 'code', 'code_verifier', 'grant_type', 'redirect_uri']);
    assert.equal(sent.get('client_id'), client.id);
    assert.equal(sent.get('redirect_uri'), env.web + FIXTURE);
    assert.equal(posts[0].headers['content-type'], 'application/x-www-form-urlencoded');

    // ...which redeemed it at the provider with the secret and the page's verifier.
    const requests = await env.controls.tokenRequests();
    assert.equal(requests.length, 1, 'one token request reached the provider');
    assert.equal(requests[0].client_id, client.id);
    assert.equal(requests[0].grant_type, 'authorization_code');
    assert.equal(requests[0].redirect_uri, env.web + FIXTURE);
    assert.equal(requests[0].has_client_secret, true);
    assert.equal(requests[0].has_code_verifier, true);
    assert.equal(requests[0].auth, kind);
    assert.equal(requests[0].status, 200);

    // The exchange logged the request, and nothing secret.
    const log = (await waitForLogLine(env.exchange, new RegExp(`POST /token -> 200 .*client_id=${client.id}`))).slice(logStart);
    assert.match(log, new RegExp(`origin=${env.web}`));
    assertNoneIn(env.exchange.log, {
      'client secret': client.secret, code: sent.get('code'), 'code verifier': sent.get('code_verifier'), token: issued.access_token,
    }, 'the exchange\'s log');
    assertNoneIn(consoleLines.join('\n'), { token: issued.access_token, 'client secret': client.secret }, 'the console');
    await context.close();
  });
}

// ---- Refusals --------------------------------------------------------------------------------

test('an Origin the exchange does not allow for this client: a readable 403, passed through as unauthorized_client', async () => {
  const { page, context, posts } = await openExchangeWidget(CLIENTS.elsewhere);
  const logStart = env.exchange.log.length;
  await loginAndAllow(page);
  const outcome = await loginOutcome(page);
  assert.ok(outcome.err, `login() rejected (got ${JSON.stringify(outcome)})`);
  assert.equal(outcome.err.code, 'unauthorized_client');
  assert.match(outcome.err.description, new RegExp(`may not redeem codes for client ${CLIENTS.elsewhere.id}`));
  assert.equal(outcome.err.isError, true);
  const [event] = await waitForEvents(page, 1);
  assert.equal(event.type, 'oauth-error');
  assert.equal(event.detail.error, 'unauthorized_client');
  assert.equal(event.detail.description, outcome.err.description);
  assert.equal(await page.evaluate(() => document.getElementById('w1').loggedIn), false);

  assert.equal(posts.length, 1, 'the page did send its token request');
  assert.deepEqual(await env.controls.tokenRequests(), [], 'the exchange did not call the provider');
  const log = (await waitForLogLine(env.exchange, new RegExp(`POST /token -> 403 .*client_id=${CLIENTS.elsewhere.id}`))).slice(logStart);
  assertNoneIn(log, { 'client secret': CLIENTS.elsewhere.secret, code: posts[0].fields.get('code'), 'code verifier': posts[0].fields.get('code_verifier') },
    'the exchange\'s log');
  await context.close();
});

test('an exchange that allows no client of the page\'s origin: the browser blocks its answer, network_error', async () => {
  const { page, context, posts } = await openExchangeWidget(CLIENTS.post, env.foreign);
  await loginAndAllow(page);
  const outcome = await loginOutcome(page);
  assert.ok(outcome.err, `login() rejected (got ${JSON.stringify(outcome)})`);
  assert.equal(outcome.err.code, 'network_error');
  assert.ok(outcome.err.description.length > 0);
  const [event] = await waitForEvents(page, 1);
  assert.equal(event.type, 'oauth-error');
  assert.equal(event.detail.error, 'network_error');
  assert.equal(await page.evaluate(() => document.getElementById('w1').loggedIn), false);

  assert.equal(posts.length, 1, 'the page did send its token request');
  assert.deepEqual(await env.controls.tokenRequests(), [], 'the exchange did not call the provider');
  const log = await waitForLogLine(env.foreign, new RegExp(`POST /token -> 403 .*origin=${env.web}`));
  assertNoneIn(log, { 'client secret': CLIENTS.post.secret, code: posts[0].fields.get('code'), 'code verifier': posts[0].fields.get('code_verifier') },
    'the exchange\'s log');
  await context.close();
});
