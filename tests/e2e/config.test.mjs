// invalid_config, one test per case: the button and login() both fail with invalid_config, a
// description naming the problem (shown as the message), and no popup, redirect or request.
// Also: loopback authorize URLs may use plain http, and attribute changes apply to the next login.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CLIENT_ID, decide, loginOutcome, openWidget, startEnvironment, startLogin, waitForEvents, widgetState } from './harness.mjs';

let env;
before(async () => { env = await startEnvironment(); });
after(async () => { await env?.close(); });

/** Records every window.open call (and still opens). */
function spyOnOpen() {
  const real = window.open;
  window.__opened = [];
  window.open = function open(...args) {
    window.__opened.push(String(args[0]));
    return real.apply(this, args);
  };
}

/** Applies `attrs`, then clicks the button and calls login(): both must fail with invalid_config. */
async function assertInvalidConfig(attrs, describes) {
  const { page, context } = await env.newPage();
  const providerRequests = [];
  page.on('request', (r) => { if (r.url().startsWith(env.provider)) providerRequests.push(r.url()); });
  await openWidget(env, page, { attrs, init: spyOnOpen });

  await page.locator('#w1 button[part=button]').click();
  const events = await waitForEvents(page);
  assert.equal(events.length, 1, JSON.stringify(events));
  assert.equal(events[0].type, 'oauth-error');
  assert.equal(events[0].target, 'w1');
  assert.equal(events[0].detail.error, 'invalid_config', events[0].detail.description);
  assert.match(events[0].detail.description, describes);
  assert.deepEqual([events[0].detail.reason, events[0].detail.uri], [null, null]);

  await startLogin(page, { popup: false });
  const outcome = await loginOutcome(page);
  assert.equal(outcome.err?.name, 'OAuthError');
  assert.equal(outcome.err.isError, true);
  assert.equal(outcome.err.code, 'invalid_config');
  assert.equal(outcome.err.description, events[0].detail.description);

  const state = await widgetState(page);
  assert.equal(state.message, `Login failed: ${outcome.err.description}`);
  assert.deepEqual([state.busy, state.loggedIn], ['false', false]);
  assert.deepEqual(await page.evaluate(() => window.__opened), [], 'no popup');
  assert.equal(page.url(), `${env.web}/e2e/widget.html`, 'no redirect');
  assert.deepEqual(providerRequests, [], 'nothing sent to the provider');
  assert.deepEqual(await page.evaluate(() => Object.keys(sessionStorage)), []);
  await context.close();
  return outcome.err.description;
}

test('invalid_config: missing client-id', async () => {
  await assertInvalidConfig({ 'client-id': null }, /client-id/);
});

test('invalid_config: unknown provider', async () => {
  const description = await assertInvalidConfig({ provider: 'myspace' }, /myspace/);
  assert.match(description, /provider/);
});

test('invalid_config: an authorize-url that is not https', async () => {
  await assertInvalidConfig({ 'authorize-url': 'http://auth.example.com/oauth/authorize' }, /https/);
});

test('plain http authorize-url is allowed on loopback hosts (localhost, 127.0.0.1, [::1])', async () => {
  const port = new URL(env.provider).port;
  for (const host of ['localhost', '127.0.0.1', '[::1]']) {
    const { page, context } = await env.newPage();
    const authorize = `http://${host}:${port}/oauth/authorize`;
    await openWidget(env, page, { attrs: { 'authorize-url': authorize }, init: spyOnOpen });
    await startLogin(page, { popup: false });
    await page.waitForFunction(() => window.__opened.length > 0 || window.events.length > 0);
    const opened = await page.evaluate(() => window.__opened);
    assert.equal(opened.length, 1, `${host}: ${JSON.stringify(await page.evaluate(() => window.events))}`);
    assert.ok(opened[0].startsWith(`${authorize}?response_type=token&`), opened[0]);
    assert.equal(new URL(opened[0]).searchParams.get('client_id'), CLIENT_ID);
    assert.equal((await widgetState(page)).busy, 'true');
    assert.deepEqual(await page.evaluate(() => window.events), []);
    await context.close();
  }
});

test('invalid_config: a client-secret (or client_secret) attribute, with the reason', async () => {
  // `clientSecret`: a React 19 or Vue prop the element has no property for is set as an
  // attribute, which HTML lowercases to `clientsecret`; login({ clientSecret }) refuses too.
  for (const name of ['client-secret', 'client_secret', 'clientSecret']) {
    const description = await assertInvalidConfig({ [name]: 'e2e-secret' }, /secret/i);
    assert.match(description, /web page|cannot|never|public/i, description);
    assert.ok(!description.includes('e2e-secret'), 'the secret itself is not repeated');
  }
});

test('invalid_config: a redirect-uri on another origin', async () => {
  await assertInvalidConfig({ 'redirect-uri': 'https://other.example/callback' }, /origin/);
  // Same host and port, other host name: still another origin.
  const other = env.web.replace('localhost', '127.0.0.1');
  await assertInvalidConfig({ 'redirect-uri': `${other}/e2e/widget.html` }, /origin/);
});

test('invalid_config: a bad mode value', async () => {
  await assertInvalidConfig({ mode: 'tab' }, /mode/);
});

test('invalid_config: a bad fallback value', async () => {
  await assertInvalidConfig({ fallback: 'popup' }, /fallback/);
});

test('invalid_config: a bad storage value', async () => {
  await assertInvalidConfig({ storage: 'cookie' }, /storage/);
});

test('invalid_config: a bad timeout value', async () => {
  for (const value of ['0', 'abc', '-5', '1.5']) {
    await assertInvalidConfig({ timeout: value }, /timeout/);
  }
});

test('invalid_config: a bad response-type value', async () => {
  await assertInvalidConfig({ 'response-type': 'code' }, /response-type/);
});

test('attributes reflect to properties, and a change applies to the next login', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page, { init: spyOnOpen });
  const reflected = await page.evaluate(() => {
    const el = document.getElementById('w1');
    el.clientId = null;
    el.label = 'Sign in';
    return { attr: el.getAttribute('client-id'), authorizeUrl: el.authorizeUrl, label: el.shadowRoot.querySelector('[part=label]').textContent };
  });
  assert.deepEqual(reflected, { attr: null, authorizeUrl: `${env.provider}/oauth/authorize`, label: 'Sign in' });
  await startLogin(page, { popup: false });
  assert.equal((await loginOutcome(page)).err?.code, 'invalid_config');
  await page.evaluate(() => { document.getElementById('w1').clientId = 'e2e-app'; });
  assert.equal(await page.evaluate(() => document.getElementById('w1').getAttribute('client-id')), 'e2e-app');
  const popup = await startLogin(page);
  assert.equal((await env.controls.lastAuthorize()).client_id, CLIENT_ID);
  assert.equal((await widgetState(page)).busy, 'true');
  await popup.close();
  await context.close();
});

test('many data-* attributes and a 20 KB style leave the settings whole: the login goes through', async () => {
  const { page, context, consoleLines } = await env.newPage();
  const attrs = { style: `--pad: ${'x'.repeat(20_000)}`, class: 'big', clientid: 'typo' };
  for (let i = 0; i < 40; i += 1) attrs[`data-x${i}`] = `${i}`;
  await openWidget(env, page, { attrs });
  const popup = await startLogin(page);
  assert.equal((await env.controls.lastAuthorize()).client_id, CLIENT_ID);
  await decide(popup, 'Allow');
  const outcome = await loginOutcome(page);
  assert.ok(outcome.ok?.accessToken, JSON.stringify(outcome));
  assert.deepEqual((await page.evaluate(() => window.events)).filter((e) => e.type === 'oauth-error'), []);
  // The other attributes' names still reach the advice.
  assert.ok(consoleLines.includes('<oauth-login>: unknown attribute `clientid`: did you mean `client-id`?'), JSON.stringify(consoleLines));
  await context.close();
});

test('login(options) with a client secret, however it is spelled, is invalid_config and opens nothing', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page, { init: spyOnOpen });
  for (const key of ['clientSecret', 'client_secret', 'client-secret']) {
    const outcome = await page.evaluate(async (key) => {
      const { login } = await import('/pkg/oauth-login.js');
      try {
        await login({ clientId: 'e2e-app', authorizeUrl: 'https://id.example/authorize', [key]: 's3cret-value' });
        return { ok: true };
      } catch (e) {
        return { code: e.code, description: e.description, name: e.name };
      }
    }, key);
    assert.equal(outcome.code, 'invalid_config', `${key}: ${JSON.stringify(outcome)}`);
    assert.match(outcome.description, /client secret must never be put in a web page/);
    assert.ok(!outcome.description.includes('s3cret-value'), 'the secret itself is not repeated');
  }
  assert.deepEqual(await page.evaluate(() => window.__opened), [], 'no popup');
  await context.close();
});

// Review of 6c5407f (attributesOf sends observed attributes' values, the others' names as one pair).

test('a Client-Secret attribute kept in its case (setAttributeNS) still refuses the login', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page, { init: spyOnOpen });
  await page.evaluate(() => {
    const el = document.getElementById('w1');
    el.setAttributeNS(null, 'Client-Secret', 's3cret-value');
    el.label = 'again'; // an observed change: the settings are read again
  });
  await startLogin(page, { popup: false });
  await page.waitForFunction(() => window.__opened.length > 0 || window.outcomes?.w1 != null);
  const outcome = await page.evaluate(() => window.outcomes.w1);
  const opened = await page.evaluate(() => window.__opened);
  assert.equal(outcome?.err?.code, 'invalid_config', `outcome ${JSON.stringify(outcome)}, opened ${JSON.stringify(opened)}`);
  await context.close();
});

test('an attribute of another namespace named client-id does not erase the settings', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page, { init: spyOnOpen });
  await page.evaluate(() => {
    const el = document.getElementById('w1');
    el.setAttributeNS('urn:example:other', 'client-id', 'other-app');
  });
  const popup = await startLogin(page).catch(async (e) => { throw new Error(`${e.message}; outcome ${JSON.stringify(await page.evaluate(() => window.outcomes.w1))}`); });
  assert.equal((await env.controls.lastAuthorize()).client_id, CLIENT_ID);
  await popup.close();
  await context.close();
});
