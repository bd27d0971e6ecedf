// Popup mode end to end: a full login with every detail checked against what the provider
// issued, the authorize request, fresh states, the user closing the popup, a blocked popup with
// fallback="none", the timeout, the button's keyboard use and busy state, two widgets logging
// in at once, and an opener reloaded while its popup was open.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  allowSecondThenFirst, CLIENT_ID, decide, loginOutcome, openWidget, startEnvironment, startLogin, stateOf, waitForEvents, widgetState, closeShownPopup } from './harness.mjs';

let env;
before(async () => { env = await startEnvironment(); });
after(async () => { await env?.close(); });

const STATE_RE = /^[0-9a-f]{64}$/;

test('popup login: every oauth-login detail field matches what the provider issued', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page, { attrs: { scope: 'basic likes' } });
  await page.evaluate(() => {
    document.getElementById('w1').addEventListener('oauth-login', (e) => {
      window.flags = { bubbles: e.bubbles, composed: e.composed, custom: e instanceof CustomEvent, at: Date.now() };
    });
  });
  const before = await page.evaluate(() => Date.now());
  const popup = await startLogin(page);
  // The consent page names the app, escaped (the client's name is "E2E <Test> App").
  assert.match(await popup.textContent('body'), /E2E <Test> App/);
  // Each login's popup has its own name (a shared one would let a second login hijack it).
  assert.match(await popup.evaluate(() => window.name), /^oauth-prefab-[0-9a-f]{16}$/);
  const pending = await widgetState(page);
  assert.equal(pending.busy, 'true');
  assert.equal(pending.spinnerVisible, true);
  await decide(popup, 'Allow');

  const outcome = await loginOutcome(page);
  const after = await page.evaluate(() => Date.now());
  const issued = await env.controls.lastToken();
  assert.equal(issued.client_id, CLIENT_ID);
  assert.ok(outcome.ok, `login() resolved: ${JSON.stringify(outcome)}`);
  const detail = outcome.ok;
  assert.deepEqual(Object.keys(detail).sort(),
    ['accessToken', 'claims', 'expiresAt', 'expiresIn', 'idToken', 'profile', 'provider', 'restored', 'scope', 'tokenType', 'user']);
  assert.equal(detail.user, null, 'the implicit grant has no user object');
  assert.equal(detail.provider, 'custom');
  assert.equal(detail.accessToken, issued.access_token);
  assert.equal(detail.tokenType, issued.token_type);
  assert.equal(detail.expiresIn, issued.expires_in);
  assert.equal(issued.expires_in, 3600);
  assert.ok(detail.expiresAt >= before + 3600_000 && detail.expiresAt <= after + 3600_000,
    `expiresAt ${detail.expiresAt} is within [${before + 3600_000}, ${after + 3600_000}]`);
  assert.deepEqual(detail.scope, issued.scope.split(' '));
  assert.deepEqual(detail.scope, ['basic', 'likes']);
  assert.equal(detail.restored, false);

  const events = await page.evaluate(() => window.events);
  assert.equal(events.length, 1);
  assert.deepEqual(events[0], { type: 'oauth-login', detail, target: 'w1' });
  const flags = await page.evaluate(() => window.flags);
  assert.deepEqual({ ...flags, at: undefined }, { bubbles: true, composed: true, custom: true, at: undefined });

  const state = await widgetState(page);
  assert.equal(state.accessToken, issued.access_token);
  assert.equal(state.loggedIn, true);
  assert.equal(state.expiresAt, detail.expiresAt);
  assert.equal(state.busy, 'false');
  assert.equal(state.spinnerVisible, false);
  assert.equal(state.message, '');
  await context.close();
});

test('the authorize request carries response_type, client_id, redirect_uri, scope and state', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page, { attrs: { scope: 'basic, likes comments' } });
  const callbackurl = await page.evaluate(() => document.getElementById('w1').callbackurl);
  assert.equal(callbackurl, env.web + '/e2e/widget.html');
  const popup = await startLogin(page);
  const url = new URL(popup.url());
  assert.equal(url.origin + url.pathname, env.provider + '/oauth/authorize');
  const sent = await env.controls.lastAuthorize();
  assert.deepEqual(Object.keys(sent).sort(), ['client_id', 'redirect_uri', 'response_type', 'scope', 'state']);
  assert.equal(sent.response_type, 'token');
  assert.equal(sent.client_id, CLIENT_ID);
  assert.equal(sent.redirect_uri, callbackurl);
  assert.equal(sent.scope, 'basic likes comments');
  assert.match(sent.state, STATE_RE, '256 random bits as hex');
  assert.equal(sent.state, stateOf(popup));
  await popup.close();
  await context.close();

  // A preset joins scopes with its own separator (Facebook: commas), at the overriding endpoint.
  const second = await env.newPage();
  await openWidget(env, second.page, {
    attrs: { provider: 'facebook', scope: 'email public_profile', 'authorize-url': env.provider + '/oauth/authorize' },
  });
  const fbPopup = await startLogin(second.page);
  const fb = await env.controls.lastAuthorize();
  assert.equal(fb.scope, 'email,public_profile');
  assert.equal(fb.response_type, 'token');
  assert.equal(fb.redirect_uri, env.web + '/e2e/widget.html');
  await fbPopup.close();
  await second.context.close();
});

test('each login sends a fresh state', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page);
  const states = [];
  for (let i = 0; i < 3; i += 1) {
    const popup = await startLogin(page);
    states.push((await env.controls.lastAuthorize()).state);
    assert.equal(states.at(-1), stateOf(popup));
    await decide(popup, 'Allow');
    assert.ok((await loginOutcome(page)).ok);
  }
  for (const state of states) assert.match(state, STATE_RE);
  assert.equal(new Set(states).size, states.length, `states differ: ${states.join(', ')}`);
  await context.close();
});

test('closing the popup fails the login with popup_closed', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page);
  const popup = await startLogin(page);
  await closeShownPopup(popup);
  const closedAt = Date.now();
  const outcome = await loginOutcome(page);
  // The contract: a popup the opener could see ends the login within 2 seconds of its close.
  assert.ok(Date.now() - closedAt < 2_000, `ended ${Date.now() - closedAt} ms after the close`);
  assert.equal(outcome.err?.code, 'popup_closed');
  assert.equal(outcome.err.name, 'OAuthError');
  assert.equal(outcome.err.isError, true);
  const events = await waitForEvents(page);
  assert.equal(events.length, 1);
  assert.equal(events[0].type, 'oauth-error');
  assert.equal(events[0].target, 'w1');
  assert.deepEqual(events[0].detail, { error: 'popup_closed', description: outcome.err.description, reason: null, uri: null });
  assert.ok(outcome.err.description.length > 0);
  const state = await widgetState(page);
  assert.equal(state.busy, 'false');
  assert.equal(state.loggedIn, false);
  // A cancel is a neutral state, not a failure; the description (for the page author) names the
  // likeliest cause of a popup that ends without an answer, and its fix.
  assert.equal(state.message, 'Login cancelled.');
  assert.match(outcome.err.description, /register http:\/\/localhost:\d+\/e2e\/widget\.html \(callbackurl\) with it/);
  assert.equal(await page.evaluate(() => document.getElementById('w1').shadowRoot.querySelector('button').dataset.state), 'cancelled');
  await context.close();
});

test('a blocked popup with fallback="none" fails with popup_blocked and stays on the page', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page, { attrs: { fallback: 'none' }, init: () => { window.open = () => null; } });
  await startLogin(page, { popup: false });
  const outcome = await loginOutcome(page);
  assert.equal(outcome.err?.code, 'popup_blocked');
  const events = await waitForEvents(page);
  assert.deepEqual(events.map((e) => [e.type, e.detail.error, e.target]), [['oauth-error', 'popup_blocked', 'w1']]);
  assert.equal(page.url(), env.web + '/e2e/widget.html', 'no redirect');
  const pending = await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('oauth-prefab:')));
  assert.deepEqual(pending, [], 'no redirect login kept');
  const state = await widgetState(page);
  assert.equal(state.busy, 'false');
  assert.equal(state.message, `Login failed: ${outcome.err.description}`);
  await context.close();
});

test('a login with no answer within timeout="2" fails with timeout', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page, { attrs: { timeout: '2' } });
  const started = Date.now();
  await startLogin(page);
  const outcome = await loginOutcome(page, 'w1', 6_000);
  const took = Date.now() - started;
  assert.equal(outcome.err?.code, 'timeout');
  assert.ok(took >= 1_900 && took < 5_000, `timed out after ${took} ms`);
  const events = await waitForEvents(page);
  assert.deepEqual(events.map((e) => [e.type, e.detail.error]), [['oauth-error', 'timeout']]);
  const state = await widgetState(page);
  assert.equal(state.busy, 'false');
  assert.equal(state.loggedIn, false);
  await context.close();
});

test('the button is a keyboard-usable <button>, busy with a spinner while the login is pending', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page);
  const idle = await widgetState(page);
  assert.deepEqual([idle.busy, idle.spinnerVisible, idle.label], ['false', false, 'Log in']);
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => {
    const active = document.getElementById('w1').shadowRoot.activeElement;
    return active && { tag: active.tagName, part: active.getAttribute('part'), type: active.type };
  });
  assert.deepEqual(focused, { tag: 'BUTTON', part: 'button', type: 'button' });
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.keyboard.press('Enter')]);
  await popup.waitForLoadState();
  const busy = await widgetState(page);
  assert.deepEqual([busy.busy, busy.spinnerVisible], ['true', true]);
  await decide(popup, 'Allow');
  const events = await waitForEvents(page);
  assert.equal(events[0].type, 'oauth-login');
  assert.equal(events[0].detail.accessToken, (await env.controls.lastToken()).access_token);
  const done = await widgetState(page);
  assert.deepEqual([done.busy, done.spinnerVisible, done.loggedIn], ['false', false, true]);
  await context.close();
});

test('two widgets logging in at once each get their own token', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page, { path: '/e2e/two.html' });
  const first = await startLogin(page, { id: 'w1' });
  const firstState = stateOf(first);
  const secondOpened = page.waitForEvent('popup', { timeout: 5_000 }).catch(() => null);
  await startLogin(page, { id: 'w2', popup: false });
  const second = await secondOpened;
  assert.ok(second, 'the second widget opened a popup of its own '
    + `(observed: none; the first popup now shows the state ${stateOf(first) === firstState ? 'of w1' : 'of w2'})`);
  await second.waitForLoadState();
  const secondState = stateOf(second);
  assert.notEqual(firstState, secondState);
  assert.ok(!first.isClosed(), "the first widget's popup is still open");
  assert.equal(stateOf(first), firstState, "the first widget's consent page is still there");
  const both = await page.evaluate(() => ['w1', 'w2'].map((id) => document.getElementById(id).shadowRoot.querySelector('button').getAttribute('aria-busy')));
  assert.deepEqual(both, ['true', 'true']);

  // The second answers first.
  const { token1, token2 } = await allowSecondThenFirst(env, page, [first, firstState], [second, secondState]);

  const events = await page.evaluate(() => window.events);
  assert.deepEqual(events.map((e) => [e.type, e.target, e.detail.accessToken]),
    [['oauth-login', 'w2', token2.access_token], ['oauth-login', 'w1', token1.access_token]]);
  assert.equal(await page.evaluate(() => document.getElementById('w1').accessToken), token1.access_token);
  assert.equal(await page.evaluate(() => document.getElementById('w2').accessToken), token2.access_token);
  await context.close();
});

test('the opener reloaded while its popup was open: after Allow, the popup says to start again', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page);
  const popup = await startLogin(page);
  await page.reload();
  await page.waitForFunction(() => customElements.get('oauth-login'));
  await popup.getByRole('button', { name: 'Allow' }).click();
  const issued = await env.controls.lastToken();
  // The reloaded page has no such login (a popup login lives in the page's memory): nobody takes
  // the response, and the popup says so as text instead of closing silently.
  await popup.waitForFunction(() => /start the login again/.test(document.body?.textContent ?? ''));
  assert.equal(await popup.textContent('body'), 'This login can no longer finish here: the page that started it was reloaded, closed or left. Close this window and start the login again.');
  assert.equal(new URL(popup.url()).hash, '', 'the response left the popup\'s address');
  assert.ok(!popup.isClosed());
  const state = await widgetState(page);
  assert.deepEqual([state.loggedIn, state.accessToken, state.busy], [false, null, 'false']);
  assert.ok(!(await page.content()).includes(issued.access_token));
  await context.close();
});

test('an app whose callback URL is its own page starts once, on the page that logs in, never in the popup the response returns to', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page, { path: '/e2e/app.html' });
  assert.equal(await page.textContent('#app'), 'started');
  await page.evaluate(() => {
    window.starts = [];
    new BroadcastChannel('e2e-app-started').onmessage = (e) => window.starts.push(e.data);
  });
  const popup = await startLogin(page);
  await decide(popup, 'Allow');
  const outcome = await loginOutcome(page);
  assert.ok(outcome.ok, JSON.stringify(outcome));
  // The popup is closed; a start it told before closing would have arrived by now.
  await page.waitForTimeout(300);
  assert.deepEqual(await page.evaluate(() => window.starts), [], 'the app did not start in the popup');
  await context.close();
});

test('a popup whose opener was reloaded shows its message, and the app whose page it is does not start on it', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page, { path: '/e2e/app.html' });
  const popup = await startLogin(page);
  await page.reload();
  await page.waitForFunction(() => customElements.get('oauth-login'));
  await page.evaluate(() => {
    window.starts = [];
    new BroadcastChannel('e2e-app-started').onmessage = (e) => window.starts.push(e.data);
  });
  await popup.getByRole('button', { name: 'Allow' }).click();
  await popup.waitForFunction(() => /start the login again/.test(document.body?.textContent ?? ''));
  await popup.waitForTimeout(300);
  assert.equal(await popup.locator('#app').count(), 0, 'the message replaced the app\'s page');
  assert.ok(await popup.evaluate(() => !!customElements.get('oauth-login')), 'importing the package still defined the element');
  assert.deepEqual(await page.evaluate(() => window.starts), [], 'the app did not start in the popup');
  await context.close();
});
