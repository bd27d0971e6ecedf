// A site's one callback page (every page's `redirect-uri` is /e2e/callback.html, which loads the
// module and carries no element): a redirect login started on another page goes back to that
// page, its full address, and completes there. The response travels in the tab's sessionStorage,
// never in an address the widget writes. Implicit and code logins, a programmatic login(options),
// a denial, a wrong state; a callback page that has the element keeps the result
// (tests/e2e/readme.test.mjs).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PUBLIC_CLIENT_ID, clickToProvider, openWidget, recordUrls, startEnvironment, waitForEvents, widgetState,
} from './harness.mjs';

let env;
before(async () => { env = await startEnvironment(); });
after(async () => { await env?.close(); });

const START = '/e2e/widget.html?from=a#top';
const callback = () => `${env.web}/e2e/callback.html`;

/** The widget's keys left in the tab's sessionStorage. */
const widgetKeys = (page) => page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('oauth-prefab:')));

/** Clicks `name` on the provider's page; waits to be back on the start page, its element defined. */
async function decideAndReturn(page, name) {
  await Promise.all([
    page.waitForURL(env.web + START),
    page.getByRole('button', { name }).click(),
  ]);
  await page.waitForFunction(() => customElements.get('oauth-login'));
}

/** Checks that the callback page was passed through, and that no token was put anywhere it must not be. */
function checkTrip(urls, consoleLines, token) {
  const seen = urls.map((u) => u.replace(/[#?].*/, ''));
  assert.ok(seen.includes(callback()), `the callback page was shown: ${urls.join(' ')}`);
  assert.equal(urls.at(-1), env.web + START);
  if (token) {
    const carrying = urls.filter((u) => u.includes(token));
    assert.ok(carrying.every((u) => u.startsWith(`${callback()}#`)), `only the provider's callback URL carries the token: ${carrying}`);
    assert.ok(!consoleLines.some((l) => l.includes(token)), consoleLines.join('\n'));
  }
}

test('an implicit redirect login through the one callback page completes on the page that started it', async () => {
  const { page, context, consoleLines } = await env.newPage();
  const urls = recordUrls(page);
  await openWidget(env, page, { path: START, attrs: { mode: 'redirect', 'redirect-uri': callback() } });
  await clickToProvider(env, page);
  assert.equal((await env.controls.lastAuthorize()).redirect_uri, callback());
  await decideAndReturn(page, 'Allow');
  const issued = await env.controls.lastToken();
  const events = await waitForEvents(page);
  assert.deepEqual(events.map((e) => [e.type, e.target, e.detail.accessToken, e.detail.restored]), [['oauth-login', 'w1', issued.access_token, false]]);
  const state = await widgetState(page);
  assert.deepEqual([state.loggedIn, state.accessToken, state.busy], [true, issued.access_token, 'false']);
  assert.deepEqual(await widgetKeys(page), [], 'neither the login nor its response is left in sessionStorage');
  checkTrip(urls, consoleLines, issued.access_token);
  assert.ok(!(await page.content()).includes(issued.access_token), 'no token in the DOM');
  // Back goes to the provider's page, not to the callback page, which left no entry behind.
  await page.goBack({ waitUntil: 'commit' });
  assert.ok(page.url().startsWith(`${env.provider}/`), page.url());
  await context.close();
});

test('a code-flow redirect login through the one callback page redeems its code on the page that started it', async () => {
  await env.controls.reset();
  const { page, context, consoleLines } = await env.newPage();
  const urls = recordUrls(page);
  await openWidget(env, page, {
    path: START,
    attrs: {
      mode: 'redirect', 'redirect-uri': callback(), 'client-id': PUBLIC_CLIENT_ID, 'response-type': 'code',
      'token-url': `${env.provider}/oauth/token`, storage: 'session',
    },
  });
  await clickToProvider(env, page);
  await decideAndReturn(page, 'Allow');
  const events = await waitForEvents(page);
  const issued = await env.controls.lastToken();
  assert.deepEqual(events.map((e) => [e.type, e.target, e.detail.accessToken]), [['oauth-login', 'w1', issued.access_token]]);
  const requests = await env.controls.tokenRequests();
  assert.deepEqual(requests.map((r) => [r.redirect_uri, r.has_code_verifier, r.origin, r.status]), [[callback(), true, env.web, 200]],
    'one token request, with the verifier kept across both pages');
  assert.deepEqual(await widgetKeys(page), ['oauth-prefab:token:#w1'], 'only the session is kept');
  checkTrip(urls, consoleLines, issued.access_token);
  await context.close();
});

test('a programmatic redirect login(options) through the one callback page: login(options) again on the start page resolves with it', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page, { path: START });
  const options = { id: 'prog', clientId: 'e2e-app', authorizeUrl: `${env.provider}/oauth/authorize`, mode: 'redirect', redirectUri: callback() };
  await Promise.all([
    page.waitForURL((url) => url.href.startsWith(`${env.provider}/oauth/authorize?`)),
    page.evaluate((o) => { import('/pkg/oauth-login.js').then((m) => m.login(o)); }, options),
  ]);
  await decideAndReturn(page, 'Allow');
  const issued = await env.controls.lastToken();
  const detail = await page.evaluate((o) => import('/pkg/oauth-login.js').then((m) => m.login(o)), options);
  assert.equal(detail.accessToken, issued.access_token);
  await context.close();
});

test('a denial through the one callback page is reported on the page that started the login', async () => {
  const { page, context } = await env.newPage();
  const urls = recordUrls(page);
  await openWidget(env, page, { path: START, attrs: { mode: 'redirect', 'redirect-uri': callback() } });
  await clickToProvider(env, page);
  await decideAndReturn(page, 'Deny');
  const events = await waitForEvents(page);
  assert.deepEqual(events.map((e) => [e.type, e.target, e.detail.error]), [['oauth-error', 'w1', 'access_denied']]);
  assert.equal((await widgetState(page)).loggedIn, false);
  assert.deepEqual(await widgetKeys(page), []);
  checkTrip(urls, [], null);
  await context.close();
});

test('a response with a wrong state at the one callback page is refused on the start page with state_mismatch', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page, { path: START, attrs: { mode: 'redirect', 'redirect-uri': callback() } });
  await clickToProvider(env, page);
  // Instead of the provider's answer, a forged one for the same callback page.
  await Promise.all([
    page.waitForURL(env.web + START, { timeout: 10_000 }),
    page.goto(env.controls.respondUrl(callback(), { fragment: 'access_token=forged&token_type=bearer&state=0123' })),
  ]);
  const events = await waitForEvents(page);
  assert.deepEqual(events.map((e) => [e.type, e.target, e.detail.error]), [['oauth-error', 'w1', 'state_mismatch']]);
  const state = await widgetState(page);
  assert.deepEqual([state.loggedIn, state.accessToken], [false, null]);
  assert.ok(!(await widgetKeys(page)).includes('oauth-prefab:response'), 'the response is used up');
  await context.close();
});

test('an element with the login\'s key that the callback page adds after it loaded leaves the response to the start page', async () => {
  const { page, context, consoleLines } = await env.newPage();
  // The callback page's app renders its element late (after `load` and a task), while the tab is
  // going back; the start page's server answers slowly, so that element connects before it left.
  await page.addInitScript(() => {
    if (location.pathname !== '/e2e/callback.html') return;
    addEventListener('load', () => setTimeout(() => {
      const late = document.createElement('oauth-login');
      late.id = 'w1';
      for (const [name, value] of Object.entries(window.__attrs)) late.setAttribute(name, value);
      document.body.append(late);
    }, 50));
  });
  let returns = 0;
  await page.route(`${env.web}/e2e/widget.html?from=a`, async (route) => {
    if (returns++ > 0) await new Promise((resolve) => { setTimeout(resolve, 600); });
    await route.continue();
  });
  await openWidget(env, page, {
    path: START,
    attrs: { 'client-id': 'e2e-app', 'authorize-url': `${env.provider}/oauth/authorize`, mode: 'redirect', 'redirect-uri': callback() },
  });
  await clickToProvider(env, page);
  await decideAndReturn(page, 'Allow');
  const issued = await env.controls.lastToken();
  const events = await waitForEvents(page);
  assert.deepEqual(events.map((e) => [e.type, e.target, e.detail.accessToken ?? e.detail.error]), [['oauth-login', 'w1', issued.access_token]]);
  assert.deepEqual(await widgetKeys(page), []);
  assert.ok(!consoleLines.some((l) => l.includes('without an answer')), consoleLines.join('\n'));
  await context.close();
});
