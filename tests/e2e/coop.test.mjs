// Popups that lose their opener: a provider whose pages send `Cross-Origin-Opener-Policy:
// same-origin` (the dev provider's --coop) cuts the login popup off from the page that opened it,
// which then reads as closed before it ever showed a page, as a popup closed at once does.
// The first time, that reads as a cancel (the button is usable at once), yet the login still
// completes when its answer comes over the BroadcastChannel, and the element learns that this
// provider cuts popups off. From then on a popup the page cannot see is waited for, and its close
// ends the login by the timeout. The opener-reloaded case, without COOP, is in popup.test.mjs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { allowSecondThenFirst, decide, loginOutcome, openWidget, startEnvironment, startLogin, stateOf, waitForEvents, widgetState } from './harness.mjs';

let env;
before(async () => { env = await startEnvironment({ providerArgs: ['--coop'] }); });
after(async () => { await env?.close(); });

/** Whether the provider's page in `popup` was cut off from its opener. */
const severed = (popup) => popup.evaluate(() => window.opener === null);

/** Opens the widget on a page whose origin has seen this provider cut a popup off before. */
async function openKnowingCoop(page, options) {
  await page.addInitScript((provider) => localStorage.setItem(`oauth-prefab:severs:${provider}`, '1'), env.provider);
  await openWidget(env, page, options);
}

test('with COOP, the first popup login reads as a cancel at once, yet its answer still logs in, and the provider is then known', async () => {
  const { page, context, consoleLines } = await env.newPage();
  await openWidget(env, page);
  const popup = await startLogin(page);
  assert.equal(await severed(popup), true, 'the provider page severed the popup from its opener');
  const outcome = await loginOutcome(page);
  assert.equal(outcome.err?.code, 'popup_closed', 'read as closed before it showed a page');
  const state = await widgetState(page);
  assert.deepEqual([state.busy, state.message], ['false', 'Login cancelled.'], 'the button is usable again at once');
  assert.ok(consoleLines.some((line) => /Cross-Origin-Opener-Policy/.test(line)), 'the page author is told of the other cause');
  await decide(popup, 'Allow');
  const issued = await env.controls.lastToken();
  const events = await waitForEvents(page, 2);
  assert.deepEqual(events.map((e) => e.type), ['oauth-error', 'oauth-login']);
  assert.equal(events[1].detail.accessToken, issued.access_token);
  assert.equal((await widgetState(page)).loggedIn, true);
  assert.equal(await page.evaluate((p) => localStorage.getItem(`oauth-prefab:severs:${p}`), env.provider), '1', 'learned');
  await context.close();
});

test('with COOP known, a popup login where the user clicks Allow after 2 s succeeds, and the popup closes', async () => {
  const { page, context, consoleLines } = await env.newPage();
  await openKnowingCoop(page);
  const popup = await startLogin(page);
  assert.equal(await severed(popup), true, 'the provider page severed the popup from its opener');
  // The user reads the consent page; the opener already sees the popup as closed.
  await popup.waitForTimeout(2_000);
  assert.equal(await page.evaluate(() => window.outcomes.w1), null, 'the login is still pending, not popup_closed');
  assert.ok(consoleLines.some((line) => /Cross-Origin-Opener-Policy/.test(line)), 'the page author is told why');
  await decide(popup, 'Allow');
  const issued = await env.controls.lastToken();
  const outcome = await loginOutcome(page);
  assert.equal(outcome.ok?.accessToken, issued.access_token, JSON.stringify(outcome));
  assert.equal(issued.state, stateOf(popup) ?? issued.state);
  await context.close();
});

test('with COOP known, Instagram\'s stateless denial reaches the login out of sight: access_denied at once, and the popup closes', async () => {
  const { page, context } = await env.newPage();
  await openKnowingCoop(page, { attrs: { 'authorize-url': `${env.provider}/oauth/authorize?deny_in=query` } });
  const popup = await startLogin(page);
  assert.equal(await severed(popup), true, 'the provider page severed the popup from its opener');
  await decide(popup, 'Deny');
  const outcome = await loginOutcome(page);
  assert.deepEqual(
    [outcome.err?.code, outcome.err?.reason, outcome.err?.description],
    ['access_denied', 'user_denied', 'The user denied your request'],
    JSON.stringify(outcome),
  );
  assert.equal((await widgetState(page)).message, 'Login failed: The user denied your request');
  await context.close();
});

test('with COOP known, two widgets logging in at once each get their own token', async () => {
  const { page, context } = await env.newPage();
  await openKnowingCoop(page, { path: '/e2e/two.html' });
  const first = await startLogin(page, { id: 'w1' });
  const second = await startLogin(page, { id: 'w2' });
  const [firstState, secondState] = [stateOf(first), stateOf(second)];
  assert.notEqual(firstState, secondState);
  assert.deepEqual([await severed(first), await severed(second)], [true, true]);
  await page.waitForTimeout(2_000);
  assert.deepEqual(await page.evaluate(() => [window.outcomes.w1, window.outcomes.w2]), [null, null]);

  // The second answers first; each answer goes to the widget whose state it carries.
  await allowSecondThenFirst(env, page, [first, firstState], [second, secondState]);
  await context.close();
});

test('with COOP known, closing the popup ends the login by the timeout', async () => {
  const { page, context } = await env.newPage();
  await openKnowingCoop(page, { attrs: { timeout: '4' } });
  const started = Date.now();
  const popup = await startLogin(page);
  assert.equal(await severed(popup), true);
  await popup.waitForTimeout(500);
  await popup.close();
  // The page cannot tell this close from the popup it lost sight of: the login goes on...
  await page.waitForTimeout(1_500);
  assert.equal(await page.evaluate(() => window.outcomes.w1), null, 'not ended as a cancel');
  // ... until its timeout.
  const outcome = await loginOutcome(page, 'w1', 6_000);
  const took = Date.now() - started;
  assert.equal(outcome.err?.code, 'timeout');
  assert.match(outcome.err.description, /cut the login window off from this page, so it may have been closed/);
  assert.ok(took >= 4_000 && took < 6_000, `ended after ${took} ms, with timeout="4"`);
  await context.close();
});

test('with COOP known, a second click while the popup is out of sight starts again; the old answer is refused', async () => {
  const { page, context } = await env.newPage();
  await openKnowingCoop(page);
  const old = await startLogin(page);
  assert.equal(await severed(old), true);
  await page.waitForTimeout(500);
  const fresh = await startLogin(page);
  assert.notEqual(stateOf(fresh), stateOf(old));
  // The abandoned popup's answer is taken by no page. Cut off, the callback page cannot tell a
  // popup from a tab: it refuses the response there as a replay (state_mismatch), which says
  // to log in again, and the token never reaches a page.
  await old.getByRole('button', { name: 'Allow' }).click();
  await old.waitForFunction(() => window.events?.some((e) => e.type === 'oauth-error'), null, { timeout: 10_000 });
  const refused = await old.evaluate(() => window.events.find((e) => e.type === 'oauth-error').detail);
  assert.equal(refused.error, 'state_mismatch');
  assert.match(refused.description, /start the login again/);
  assert.equal(new URL(old.url()).hash, '', 'the response left the address');
  assert.equal(await page.evaluate(() => window.outcomes.w1), null, 'the new login is untouched');
  await decide(fresh, 'Allow');
  const issued = await env.controls.lastToken();
  assert.equal(issued.state, stateOf(fresh) ?? issued.state);
  const outcome = await loginOutcome(page);
  assert.equal(outcome.ok?.accessToken, issued.access_token, JSON.stringify(outcome));
  await context.close();
});

test('a tab the browser will not let script close hands the response over, strips its address and says it is done', async () => {
  const { page, context } = await env.newPage();
  await openKnowingCoop(page);
  const popup = await startLogin(page);
  const state = stateOf(popup);
  // The response lands in a tab the person opened (pages in its history: not script-closable),
  // with no opener: it can only use the channel.
  const tab = await context.newPage();
  await tab.goto(env.web + '/e2e/frame.html');
  await tab.goto(`${env.web}/e2e/widget.html#access_token=channel-token&token_type=bearer&state=${state}`);
  const outcome = await loginOutcome(page);
  assert.equal(outcome.ok?.accessToken, 'channel-token', JSON.stringify(outcome));
  await tab.waitForFunction(() => /You can close this window/.test(document.body?.textContent ?? ''));
  assert.equal(await tab.textContent('body'), 'The login went back to the page that started it. You can close this window.');
  assert.equal(new URL(tab.url()).hash, '', 'the response left the address');
  assert.ok(await tab.evaluate(() => history.length) > 1, 'more than one page in its history');
  await popup.close();
  await context.close();
});
