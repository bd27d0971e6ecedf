// The demo page (www/index.html), end to end in Chromium against the dev provider and the
// exchange: Allow logs in and shows the profile fetched with the widget's fetch(), with each of
// the flows of the flow picker (implicit; code + PKCE as the public client demo-spa; code through
// the exchange, which adds demo-app's secret; OpenID Connect from the issuer alone, which shows
// who logged in and what the widget checked); Deny shows the provider's error as text; with
// offline_access the session renews itself, and logout revokes its tokens.
//
// The environment is the harness's, set up as `npm start` does: demo-app (confidential) and
// demo-spa (public) registered for the demo page, an exchange holding demo-app's secret, and the
// page served under the Content Security Policy README gives (no violation may occur). Access
// tokens live TOKEN_TTL_SECS, so a renewal comes within the test.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openWidget, startEnvironment, widgetState } from './harness.mjs';
import { demoExchangeConfig, startExchange } from '../../scripts/lib/exchange.mjs';
import { DEMO_PAGES, demoPolicy } from '../../scripts/lib/csp.mjs';

const DEMO_SECRET = 'demo-secret';
const TOKEN_TTL_SECS = 8;

let env;
before(async () => {
  env = await startEnvironment({
    providerArgs: ['--token-ttl', String(TOKEN_TTL_SECS)],
    clients: demoClients,
    services: demoExchange,
    headers: (path, { provider }) => (DEMO_PAGES.includes(path) ? { 'Content-Security-Policy': demoPolicy({ provider, exchange: env?.exchange ?? exchangeUrl }) } : {}),
  });
});
let exchangeUrl = '';
after(async () => { await env?.close(); });

/** The clients the demo uses: `demo-app` with its secret (implicit, and code via the exchange), `demo-spa` public (PKCE). */
function demoClients(web) {
  return [{ id: 'demo-app', secret: DEMO_SECRET, name: 'Prefab Demo', redirect_uris: [`${web}/`] },
    { id: 'demo-spa', name: 'Prefab Demo (PKCE)', redirect_uris: [`${web}/`] }];
}

/** The exchange beside the provider, as `npm start` runs it; the demo finds it as `{{EXCHANGE}}`. */
async function demoExchange({ web, provider }) {
  const exchange = await startExchange({
    config: demoExchangeConfig({ providerOrigin: provider, demoOrigin: web }),
    env: { DEMO_APP_CLIENT_SECRET: DEMO_SECRET },
  });
  exchangeUrl = exchange.url;
  return { replacements: { EXCHANGE: exchange.url }, values: { exchange: exchange.url }, stop: () => exchange.kill() };
}

/** Opens the demo in a fresh page; picks `flow` (a value of the picker) unless it is null. */
async function openDemo(flow = null) {
  await env.controls.reset();
  const session = await env.newPage();
  session.page.on('console', (message) => { if (/Content Security Policy/.test(message.text())) session.violations.push(message.text()); });
  session.violations = [];
  await openWidget(env, session.page, { path: '/' });
  if (flow) await session.page.check(`#flow input[value="${flow}"]`);
  return session;
}

/**
 * A code-flow login on the demo with flow `flow` of the picker, as client `clientId`: the
 * authorize request asks for a code with an S256 challenge, Allow shows the profile, and exactly
 * one token request was made. Returns the page and that request.
 */
async function codeLogin(flow, clientId) {
  const session = await openDemo(flow);
  const popup = await openConsent(session.page);
  const authorize = await env.controls.lastAuthorize();
  assert.equal(authorize.client_id, clientId);
  assert.equal(authorize.response_type, 'code');
  assert.equal(authorize.code_challenge_method, 'S256');
  await allowAndWaitForProfile(session.page, popup);
  const issued = await env.controls.lastToken();
  assert.equal(issued.flow, 'code');
  assert.equal(issued.client_id, clientId);
  const requests = await env.controls.tokenRequests();
  assert.equal(requests.length, 1);
  return { ...session, requests };
}

/** Clicks the widget and returns the popup once it shows the consent page. */
async function openConsent(page) {
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.locator('oauth-login').click()]);
  // A code-flow popup opens blank and goes to the authorize URL once its PKCE challenge is ready.
  await popup.waitForURL((url) => url.href.startsWith(`${env.provider}/oauth/authorize?`));
  await popup.waitForLoadState();
  return popup;
}

/** Allow on the consent page, then waits for the demo to show the profile. */
async function allowAndWaitForProfile(page, popup) {
  await Promise.all([popup.waitForEvent('close'), popup.getByRole('button', { name: 'Allow' }).click()]);
  await page.waitForSelector('#profile:not([hidden])');
  assert.equal(await page.textContent('#username'), '@snoopdogg');
  assert.equal(await page.textContent('#error'), '');
  assert.equal(await page.evaluate(() => document.querySelector('oauth-login').loggedIn), true);
}

/** The event log shows the login, never the token the provider issued. */
async function assertLogMasksToken(page) {
  const log = await page.textContent('#log');
  assert.match(log, /oauth-login/);
  const issued = await env.controls.lastToken();
  assert.ok(issued?.access_token, 'the provider issued a token');
  assert.ok(!log.includes(issued.access_token), 'the event log never shows the token');
  assert.match(log, new RegExp(`\\[${issued.access_token.length} chars hidden\\]`));
}

/** The `user` list the demo shows, as [[term, description], ...], and whether it holds only text. */
function tokenUserShown(page) {
  return page.evaluate(() => ({
    hidden: document.getElementById('token-user-box').hidden,
    pairs: [...document.querySelectorAll('#token-user dt')].map((dt) => [dt.textContent, dt.nextElementSibling.textContent]),
    onlyText: [...document.querySelectorAll('#token-user dt, #token-user dd')].every((el) => el.childElementCount === 0),
  }));
}

/** The element's attributes that the flow picker sets. */
function flowAttributes(page) {
  return page.evaluate(() => {
    const el = document.querySelector('oauth-login');
    return Object.fromEntries(['client-id', 'response-type', 'token-url', 'issuer'].map((name) => [name, el.getAttribute(name)]));
  });
}

test('the demo shows the callback URL to register', async () => {
  const { page, context } = await env.newPage();
  const response = await page.goto(env.web + '/');
  assert.match(response.headers()['content-security-policy'], /^default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src/);
  await page.waitForFunction(() => document.getElementById('callbackurl').textContent.startsWith('http'));
  assert.equal(await page.textContent('#callbackurl'), env.web + '/');
  await context.close();
});

test('Allow on the consent page logs in and shows the profile; the button says so in words; the policy refuses nothing', async () => {
  const { page, context, violations } = await openDemo();
  const popup = await openConsent(page);
  assert.match(await popup.textContent('body'), /Prefab Demo/);
  await allowAndWaitForProfile(page, popup);
  await assertLogMasksToken(page);
  assert.equal((await widgetState(page, 'demo-login')).label, 'Logged in');
  assert.deepEqual(violations, [], 'the demo runs under README\'s Content Security Policy');
  await context.close();
});

test('Deny on the consent page shows access_denied as text', async () => {
  const { page, context } = await openDemo();
  const popup = await openConsent(page);
  await Promise.all([popup.waitForEvent('close'), popup.getByRole('button', { name: 'Deny' }).click()]);
  await page.waitForFunction(() => document.getElementById('error').textContent !== '');
  assert.equal(await page.textContent('#error'), 'access_denied: The user denied your request');
  assert.equal(await page.evaluate(() => document.querySelector('oauth-login').loggedIn), false);
  await context.close();
});

test('the flow picker sets the element\'s attributes, implicit by default, and never makes it warn', async () => {
  const { page, context, consoleLines } = await openDemo();
  assert.equal(await page.isChecked('#flow input[value="implicit"]'), true);
  assert.deepEqual(await flowAttributes(page), { 'client-id': 'demo-app', 'response-type': 'token', 'token-url': null, issuer: null });
  await page.check('#flow input[value="pkce"]');
  assert.deepEqual(await flowAttributes(page),
    { 'client-id': 'demo-spa', 'response-type': 'code', 'token-url': `${env.provider}/oauth/token`, issuer: null });
  await page.check('#flow input[value="exchange"]');
  assert.deepEqual(await flowAttributes(page),
    { 'client-id': 'demo-app', 'response-type': 'code', 'token-url': `${env.exchange}/token`, issuer: null });
  assert.match(await page.textContent('#markup'), new RegExp(`token-url="${env.exchange}/token"`));
  // Kept for the next load of the page (a redirect login comes back to it).
  await page.reload();
  await page.waitForFunction(() => customElements.get('oauth-login'));
  assert.equal(await page.isChecked('#flow input[value="exchange"]'), true);
  assert.deepEqual(await flowAttributes(page),
    { 'client-id': 'demo-app', 'response-type': 'code', 'token-url': `${env.exchange}/token`, issuer: null });
  await page.check('#flow input[value="oidc"]');
  assert.deepEqual(await flowAttributes(page), { 'client-id': 'demo-spa', 'response-type': null, 'token-url': null, issuer: env.provider });
  assert.equal(await page.evaluate(() => document.querySelector('oauth-login').getAttribute('authorize-url')), null);
  assert.equal(await page.evaluate(() => document.querySelector('oauth-login').scope), 'openid profile email');
  await page.check('#flow input[value="implicit"]');
  assert.deepEqual(await flowAttributes(page), { 'client-id': 'demo-app', 'response-type': 'token', 'token-url': null, issuer: null });
  assert.equal(await page.evaluate(() => document.querySelector('oauth-login').scope), 'basic');
  assert.deepEqual(consoleLines.filter((line) => line.startsWith('<oauth-login>')), [], 'the demo sets attributes in an order that is valid at each step');
  await context.close();
});

test('flow "Implicit": the token comes in the fragment, no token request', async () => {
  const { page, context } = await openDemo('implicit');
  const popup = await openConsent(page);
  const authorize = await env.controls.lastAuthorize();
  assert.equal(authorize.client_id, 'demo-app');
  assert.equal(authorize.response_type, 'token');
  await allowAndWaitForProfile(page, popup);
  assert.equal((await env.controls.lastToken()).flow, 'token');
  assert.deepEqual(await env.controls.tokenRequests(), []);
  assert.equal((await tokenUserShown(page)).hidden, true, 'an implicit login has no `user` to show');
  await assertLogMasksToken(page);
  await context.close();
});

test('flow "Code + PKCE": demo-spa redeems the code at the provider with its verifier, no secret', async () => {
  const { page, context, requests } = await codeLogin('pkce', 'demo-spa');
  assert.deepEqual(
    { ...requests[0] },
    { client_id: 'demo-spa', grant_type: 'authorization_code', redirect_uri: `${env.web}/`, has_code_verifier: true,
      has_client_secret: false, auth: 'none', origin: env.web, status: 200 },
  );
  await assertLogMasksToken(page);
  await context.close();
});

test('flow "Code via the exchange": the exchange adds the secret; the token response\'s user is shown', async () => {
  const { page, context, requests } = await codeLogin('exchange', 'demo-app');
  assert.equal(requests[0].client_id, 'demo-app');
  assert.equal(requests[0].has_client_secret, true);
  assert.equal(requests[0].auth, 'post');
  assert.equal(requests[0].has_code_verifier, true);
  assert.equal(requests[0].status, 200);
  assert.notEqual(requests[0].origin, env.web, 'the provider was called by the exchange, not the page');

  // The dev provider's token answer has a `user`; the demo lists it, as text.
  await page.waitForSelector('#token-user-box:not([hidden])');
  const shown = await tokenUserShown(page);
  const user = Object.fromEntries(shown.pairs);
  assert.equal(user.username, 'snoopdogg');
  assert.equal(user.full_name, await page.textContent('#full-name'));
  assert.deepEqual(Object.keys(user).sort(), ['full_name', 'id', 'profile_picture', 'username']);
  assert.ok(shown.onlyText);
  await assertLogMasksToken(page);

  // Logging out hides what the login showed.
  await page.click('#logout');
  await page.waitForSelector('#profile', { state: 'hidden' });
  assert.equal((await tokenUserShown(page)).hidden, true);
  await context.close();
});

test('flow "Code via the exchange" in redirect mode comes back to the same flow and logs in', async () => {
  const { page, context } = await openDemo('exchange');
  await page.selectOption('#mode', 'redirect');
  await Promise.all([
    page.waitForURL((url) => url.href.startsWith(`${env.provider}/oauth/authorize?`)),
    page.locator('oauth-login').click(),
  ]);
  await Promise.all([page.waitForURL(`${env.web}/`), page.getByRole('button', { name: 'Allow' }).click()]);
  await page.waitForSelector('#profile:not([hidden])');
  assert.equal(await page.textContent('#username'), '@snoopdogg');
  assert.equal(await page.isChecked('#flow input[value="exchange"]'), true);
  assert.equal(await page.inputValue('#mode'), 'redirect');
  await page.waitForSelector('#token-user-box:not([hidden])');
  const requests = await env.controls.tokenRequests();
  assert.equal(requests.length, 1);
  assert.equal(requests[0].has_client_secret, true);
  assert.equal(page.url(), `${env.web}/`, 'the code left the address bar');
  await assertLogMasksToken(page);
  await context.close();
});

test('flow "OpenID Connect": from the issuer alone; the page shows who logged in and what the widget checked', async () => {
  const { page, context, violations, consoleLines } = await openDemo('oidc');
  const popup = await openConsent(page);
  assert.equal((await env.controls.lastAuthorize()).client_id, 'demo-spa');
  await Promise.all([popup.waitForEvent('close'), popup.getByRole('button', { name: 'Allow' }).click()]);
  await page.waitForSelector('#who:not([hidden])');
  assert.equal(await page.textContent('#who-name'), 'Snoop Dogg');
  assert.match(await page.textContent('#who-email'), /@dev-provider\.example \(verified\)$/);
  const checks = await page.$$eval('#checks li', (items) => items.map((li) => li.textContent));
  assert.match(checks[0], /^signature: RS256, verified by the browser's WebCrypto with key \S+ from the provider's key set$/);
  assert.deepEqual(checks.slice(1).map((c) => c.split(':')[0]), ['iss', 'aud', 'exp', 'nonce']);
  assert.equal((await widgetState(page, 'demo-login')).label, 'Snoop Dogg', 'the button says who');
  assert.equal(await page.evaluate(() => document.querySelector('oauth-login').shadowRoot.querySelector('[part=avatar]').hidden), false);
  const log = await page.textContent('#log');
  const idToken = await page.evaluate(() => document.querySelector('oauth-login').idToken);
  assert.ok(!log.includes(idToken), 'the log hides the id_token too');
  assert.deepEqual(violations, []);
  assert.deepEqual(consoleLines.filter((line) => line.startsWith('<oauth-login>')), []);
  await context.close();
});

test('offline_access: the session renews itself; logout revokes, and the API then refuses the old token', async () => {
  const { page, context, violations } = await openDemo('oidc');
  await page.check('#scopes input[value="offline_access"]');
  const popup = await openConsent(page);
  await Promise.all([popup.waitForEvent('close'), popup.getByRole('button', { name: 'Allow' }).click()]);
  await page.waitForSelector('#session:not([hidden])');
  assert.match(await page.textContent('#session-state'), /renews itself before then \(renewed 0 times so far\)/);
  await page.waitForFunction(() => document.getElementById('session-state').textContent.includes('renewed 1 time so far'), null, { timeout: (TOKEN_TTL_SECS + 5) * 1000 });
  assert.match(await page.textContent('#log'), /oauth-renewed/);
  await page.click('#logout');
  await page.waitForSelector('#after-logout:not([hidden])');
  assert.match(await page.textContent('#revoked'), /^The provider revoked the tokens/);
  await page.click('#old-token');
  await page.waitForFunction(() => document.getElementById('old-token-answer').textContent !== '');
  assert.equal(await page.textContent('#old-token-answer'), 'The API answered 401: the old token is refused.');
  assert.deepEqual(violations, []);
  await context.close();
});

test('logout revokes in every flow, as README says: the API then refuses the old token', async () => {
  for (const flow of ['implicit', 'pkce', 'exchange']) {
    const { page, context, violations } = await openDemo(flow);
    const popup = await openConsent(page);
    await allowAndWaitForProfile(page, popup);
    await page.click('#logout');
    await page.waitForSelector('#after-logout:not([hidden])');
    assert.match(await page.textContent('#revoked'), /^The provider revoked the tokens/, flow);
    await page.click('#old-token');
    await page.waitForFunction(() => document.getElementById('old-token-answer').textContent !== '');
    assert.equal(await page.textContent('#old-token-answer'), 'The API answered 401: the old token is refused.', flow);
    assert.deepEqual(violations, []);
    await context.close();
  }
});

test('offline_access with the implicit grant: the demo does not promise a renewal that cannot come', async () => {
  const { page, context } = await openDemo('implicit');
  await page.check('#scopes input[value="offline_access"]');
  const popup = await openConsent(page);
  await allowAndWaitForProfile(page, popup);
  await page.waitForSelector('#session:not([hidden])');
  assert.match(await page.textContent('#session-state'), /ends then \(the implicit grant gets no refresh token/);
  await context.close();
});
