// What the provider answers, in popup mode: a denial in the fragment, Instagram's denial in the
// query with no state, and crafted responses (answered by the dev provider's /test/respond) that
// break RFC 6749 4.2.2's rules: each must fail the pending login with the right code.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decide, loginOutcome, openWidget, respondInPopup, startEnvironment, startLogin, stateOf, waitForEvents, widgetState,
} from './harness.mjs';

let env;
before(async () => { env = await startEnvironment(); });
after(async () => { await env?.close(); });

/** Starts a popup login on the widget fixture and answers it with `fragment(state)`. */
async function answerWith(fragment, attrs = {}) {
  const { page, context, consoleLines } = await env.newPage();
  await openWidget(env, page, { attrs });
  const popup = await startLogin(page);
  const state = stateOf(popup);
  await respondInPopup(env, popup, { fragment: fragment(state) });
  const outcome = await loginOutcome(page);
  const events = await waitForEvents(page);
  return { page, context, consoleLines, outcome, events, state };
}

/** Asserts a failed login with `code`, reported identically by login(), the event and the UI. */
async function assertFailed({ page, outcome, events }, code) {
  assert.ok(outcome.err, `login() rejected (got ${JSON.stringify(outcome)})`);
  assert.equal(outcome.err.name, 'OAuthError');
  assert.equal(outcome.err.code, code, `code (description: ${outcome.err.description})`);
  assert.ok(outcome.err.description.length > 0);
  assert.equal(events.length, 1, JSON.stringify(events));
  assert.equal(events[0].type, 'oauth-error');
  assert.equal(events[0].target, 'w1');
  assert.deepEqual(events[0].detail, { error: code, description: outcome.err.description, reason: outcome.err.reason, uri: outcome.err.uri });
  const state = await widgetState(page);
  assert.equal(state.loggedIn, false);
  assert.equal(state.accessToken, null);
  assert.equal(state.busy, 'false');
  assert.equal(state.message, `Login failed: ${outcome.err.description}`);
}

test('Deny: the provider\'s access_denied in the fragment passes through with its details', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page);
  const popup = await startLogin(page);
  await decide(popup, 'Deny');
  const outcome = await loginOutcome(page);
  const events = await waitForEvents(page);
  await assertFailed({ page, outcome, events }, 'access_denied');
  assert.deepEqual(events[0].detail, {
    error: 'access_denied', description: 'The user denied your request', reason: 'user_denied', uri: null,
  });
  assert.equal(outcome.err.reason, 'user_denied');
  await context.close();
});

test('Instagram\'s denial in the query, with no state, is reported to the pending login', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page, {
    attrs: { provider: 'instagram', 'authorize-url': `${env.provider}/oauth/authorize?deny_in=query` },
  });
  assert.equal((await widgetState(page)).label, 'Log in with Instagram');
  const popup = await startLogin(page);
  const sent = await env.controls.lastAuthorize();
  assert.equal(sent.deny_in, 'query');
  assert.equal(sent.scope, 'instagram_business_basic', "the preset's default scope");
  await decide(popup, 'Deny');
  const outcome = await loginOutcome(page);
  const events = await waitForEvents(page);
  await assertFailed({ page, outcome, events }, 'access_denied');
  assert.deepEqual(events[0].detail, {
    error: 'access_denied', description: 'The user denied your request', reason: 'user_denied', uri: null,
  });
  await context.close();
});

test('an error with an empty error_description: the message says the code, not "Login failed: " alone', async () => {
  const r = await answerWith((state) => `error=temporarily_unavailable&error_description=&state=${state}`);
  await assertFailed(r, 'temporarily_unavailable');
  assert.equal(r.outcome.err.description, 'the provider refused (temporarily_unavailable)');
  await r.context.close();
});

test('a response with a wrong state fails with state_mismatch', async () => {
  const r = await answerWith((state) => `access_token=wrongstate&token_type=bearer&expires_in=60&state=${state.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))}`);
  await assertFailed(r, 'state_mismatch');
  await r.context.close();
});

test('a success response with no state fails with state_mismatch', async () => {
  const r = await answerWith(() => 'access_token=nostate&token_type=bearer&expires_in=60');
  await assertFailed(r, 'state_mismatch');
  await r.context.close();
});

test('a parameter given twice fails with invalid_response', async () => {
  const r = await answerWith((state) => `access_token=first&access_token=second&token_type=bearer&state=${state}`);
  await assertFailed(r, 'invalid_response');
  assert.match(r.outcome.err.description, /access_token/);
  await r.context.close();
});

test('bad percent-encoding fails with invalid_response', async () => {
  const r = await answerWith((state) => `access_token=ab%zzcd&token_type=bearer&state=${state}`);
  await assertFailed(r, 'invalid_response');
  await r.context.close();
});

test('no token_type fails with invalid_response for a custom provider', async () => {
  const r = await answerWith((state) => `access_token=notype&expires_in=60&state=${state}`);
  await assertFailed(r, 'invalid_response');
  assert.match(r.outcome.err.description, /token_type/);
  await r.context.close();
});

test('no token_type means bearer for the instagram preset', async () => {
  const r = await answerWith((state) => `access_token=igtoken.123&state=${state}`,
    { provider: 'instagram', 'authorize-url': `${env.provider}/oauth/authorize` });
  assert.deepEqual(r.outcome, {
    ok: { provider: 'instagram', accessToken: 'igtoken.123', tokenType: 'bearer', expiresIn: null, expiresAt: null, scope: ['instagram_business_basic'], restored: false, user: null, profile: null, claims: null, idToken: null },
  });
  assert.deepEqual(r.events, [{ type: 'oauth-login', detail: r.outcome.ok, target: 'w1' }]);
  const state = await widgetState(r.page);
  assert.deepEqual([state.loggedIn, state.accessToken, state.expiresAt], [true, 'igtoken.123', null]);
  await r.context.close();
});

test('an expires_in that is not plain digits fails with invalid_response', async () => {
  const r = await answerWith((state) => `access_token=badexpiry&token_type=bearer&expires_in=1e3&state=${state}`);
  await assertFailed(r, 'invalid_response');
  assert.match(r.outcome.err.description, /expires_in/);
  await r.context.close();
});

test('no access_token fails with invalid_response', async () => {
  const r = await answerWith((state) => `token_type=bearer&expires_in=60&state=${state}`);
  await assertFailed(r, 'invalid_response');
  assert.match(r.outcome.err.description, /access_token/);
  await r.context.close();
});

test('an error_description holding HTML is shown as text, never parsed', async () => {
  const html = '<img src=x onerror="window.pwned=1"><b id="injected">bold</b>';
  const r = await answerWith((state) => `error=invalid_scope&error_description=${encodeURIComponent(html)}`
    + `&error_uri=${encodeURIComponent('https://provider.example/errors?id=1')}&state=${state}`);
  await assertFailed(r, 'invalid_scope');
  assert.deepEqual(r.events[0].detail, {
    error: 'invalid_scope', description: html, reason: null, uri: 'https://provider.example/errors?id=1',
  });
  const shown = await r.page.evaluate(() => {
    const root = document.getElementById('w1').shadowRoot;
    return {
      text: root.querySelector('[part=message]').textContent,
      elements: root.querySelectorAll('img:not([part=avatar]), b, #injected').length + document.querySelectorAll('img, #injected').length,
      pwned: window.pwned ?? null,
    };
  });
  assert.deepEqual(shown, { text: `Login failed: ${html}`, elements: 0, pwned: null });
  await r.context.close();
});

/** Answers the pending login in `popup` with `raw` by navigating it to the callback page. */
async function answerDirectly(page, popup, raw) {
  await Promise.all([popup.waitForEvent('close'), popup.evaluate((u) => { location.href = u; }, `${env.web}/e2e/widget.html#${raw}`)]);
  return loginOutcome(page);
}

/** After a hostile response, the same element still logs in normally. */
async function assertSurvives(page, consoleLines) {
  assert.equal(consoleLines.filter((l) => /pageerror|panicked|unreachable|RuntimeError/i.test(l)).length, 0, consoleLines.join('\n'));
  const popup = await startLogin(page);
  await decide(popup, 'Allow');
  const outcome = await loginOutcome(page);
  const issued = await env.controls.lastToken();
  assert.equal(outcome.ok?.accessToken, issued.access_token, JSON.stringify(outcome));
  assert.equal((await widgetState(page)).loggedIn, true);
}

test('a huge fragment fails with invalid_response and the widget survives', async () => {
  const { page, context, consoleLines } = await env.newPage();
  await openWidget(env, page);
  const popup = await startLogin(page);
  const raw = `access_token=${'A'.repeat(1_000_000)}&token_type=bearer&state=${stateOf(popup)}`;
  const outcome = await answerDirectly(page, popup, raw);
  assert.equal(outcome.err?.code, 'invalid_response', JSON.stringify(outcome).slice(0, 300));
  const state = await widgetState(page);
  assert.deepEqual([state.loggedIn, state.busy], [false, 'false']);
  await assertSurvives(page, consoleLines);
  await context.close();
});

test('a parameter-flooded fragment fails with invalid_response and the widget survives', async () => {
  const { page, context, consoleLines } = await env.newPage();
  await openWidget(env, page);
  const popup = await startLogin(page);
  const flood = Array.from({ length: 500 }, (_, i) => `p${i}=${i}`).join('&');
  const raw = `${flood}&access_token=flooded&token_type=bearer&state=${stateOf(popup)}`;
  const outcome = await answerDirectly(page, popup, raw);
  assert.equal(outcome.err?.code, 'invalid_response', JSON.stringify(outcome));
  const state = await widgetState(page);
  assert.deepEqual([state.loggedIn, state.accessToken, state.busy], [false, null, 'false']);
  await assertSurvives(page, consoleLines);
  await context.close();
});
