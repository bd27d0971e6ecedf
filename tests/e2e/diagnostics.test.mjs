// Failures a person can act on: settings checked when the element connects (console advice for the
// page author, a neutral note for the end user), the unregistered redirect URI (the most common
// mistake: the provider shows its error in the popup; the widget's description then names
// `callbackurl`), and the button's states, each distinct, with a picture of them
// (docs/button-states.png, also written to test-artifacts/).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decide, loginOutcome, openWidget, startEnvironment, startLogin, waitForEvents, widgetState, closeShownPopup } from './harness.mjs';

const root = resolve(import.meta.dirname, '..', '..');
let env;
before(async () => { env = await startEnvironment(); });
after(async () => { await env?.close(); });

/** Waits up to 2 s for a line of `lines()` that matches `pattern` (console messages reach the test asynchronously); returns it. */
async function lineMatching(page, lines, pattern) {
  for (let i = 0; i < 40 && !lines().some((line) => pattern.test(line)); i += 1) await page.waitForTimeout(50);
  return lines().find((line) => pattern.test(line));
}

test('settings are checked on connect and on change: console.warn names the setting and the fix, once', async () => {
  const { page, context, consoleLines } = await env.newPage();
  await openWidget(env, page, { attrs: { 'client-id': null, clientid: 'e2e-app' } });
  await page.waitForFunction(() => document.getElementById('w1').shadowRoot.querySelector('[part=message]').textContent !== '');
  const advice = () => consoleLines.filter((line) => line.startsWith('<oauth-login>'));
  const adviceMatching = (pattern) => lineMatching(page, advice, pattern);
  await adviceMatching(/client-id is required/);
  assert.deepEqual(advice(), [
    '<oauth-login>: unknown attribute `clientid`: did you mean `client-id`?',
    '<oauth-login>: client-id is required: the client id of the app you registered with the provider',
  ]);
  // The end user sees a short neutral note; the detail is for the page author.
  assert.equal((await widgetState(page)).message, 'This login button is not set up yet.');
  assert.equal(await page.evaluate(() => document.getElementById('w1').shadowRoot.querySelector('button').dataset.state), 'logged-out');
  await page.evaluate(() => { const el = document.getElementById('w1'); el.setAttribute('client-id', 'e2e-app'); el.provider = 'myspace'; });
  assert.match(await adviceMatching(/unknown provider/) ?? '', /unknown provider `myspace`: use one of instagram, facebook, google, linkedin, box/);
  assert.equal(advice().length, 3);
  // A retired flow of a preset (with its own endpoint: an overriding authorize-url is never
  // advised): advice for the page author.
  const authorizeUrl = await page.evaluate(() => document.getElementById('w1').authorizeUrl);
  await page.evaluate(() => { const el = document.getElementById('w1'); el.authorizeUrl = null; el.provider = 'linkedin'; });
  assert.match(await adviceMatching(/LinkedIn/) ?? '', /LinkedIn no longer offers response-type `token`.*response-type="code"/);
  // Fixing the settings clears the note; nothing is said twice.
  await page.evaluate((url) => { const el = document.getElementById('w1'); el.provider = null; el.authorizeUrl = url; }, authorizeUrl);
  assert.equal((await widgetState(page)).message, '');
  assert.equal(new Set(advice()).size, advice().length);
  await context.close();
});

test('an unregistered redirect URI: the provider\'s error shows in the popup; closed, the description names callbackurl', async () => {
  const { page, context } = await env.newPage();
  const unregistered = `${env.web}/e2e/unregistered.html`;
  await openWidget(env, page, { attrs: { 'redirect-uri': unregistered } });
  assert.equal(await page.evaluate(() => document.getElementById('w1').callbackurl), unregistered);
  const popup = await startLogin(page);
  assert.match(await popup.textContent('body'), /redirect_uri/);
  await closeShownPopup(popup);
  const outcome = await loginOutcome(page, 'w1', 5_000);
  assert.equal(outcome.err?.code, 'popup_closed');
  assert.ok(outcome.err.description.includes(`register ${unregistered} (callbackurl) with it`), outcome.err.description);
  assert.equal((await widgetState(page)).message, 'Login cancelled.', 'a neutral state, not a failure');
  await context.close();
});

test('a page on an origin the provider does not know, with issuer alone: discovery works, and the provider\'s error names redirect_uri', async () => {
  const { page, context } = await env.newPage();
  // The same page on 127.0.0.1: another origin, registered nowhere.
  const web = env.web.replace('localhost', '127.0.0.1');
  await openWidget({ ...env, web }, page, { attrs: { 'authorize-url': null, issuer: env.provider, 'response-type': 'code', scope: 'openid' } });
  const popup = await startLogin(page);
  assert.match(await popup.textContent('body'), /redirect_uri/);
  assert.ok((await popup.textContent('body')).includes(`${web}/e2e/widget.html`));
  await closeShownPopup(popup);
  const outcome = await loginOutcome(page, 'w1', 5_000);
  assert.equal(outcome.err?.code, 'popup_closed');
  assert.ok(outcome.err.description.includes(`register ${web}/e2e/widget.html (callbackurl) with it`), outcome.err.description);
  await context.close();
});

test('an unknown client-id: while the provider shows its error, the button points at the login window and the console lists the likely causes', async () => {
  const { page, context, consoleLines } = await env.newPage();
  await openWidget(env, page, { attrs: { 'client-id': 'nobody-registered-this', scope: 'basic' } });
  const popup = await startLogin(page);
  assert.match(await popup.textContent('body'), /client/i, 'the provider\'s own error page');
  // A few seconds with no answer: the person is told where to look, the author what to check.
  await page.waitForFunction(() => document.getElementById('w1').shadowRoot.querySelector('[part=message]').textContent !== '', null, { timeout: 8_000 });
  const state = await widgetState(page);
  assert.deepEqual([state.message, state.busy], ['Finish logging in in the login window.', 'true']);
  const hint = await lineMatching(page, () => consoleLines, /no answer yet/);
  assert.ok(hint?.includes('check client-id `nobody-registered-this`'), hint);
  assert.ok(hint.includes(`register ${env.web}/e2e/widget.html (callbackurl) with it`), hint);
  assert.ok(hint.includes('check scope `basic`'), hint);
  await popup.close();
  const outcome = await loginOutcome(page, 'w1', 5_000);
  assert.equal(outcome.err?.code, 'popup_closed');
  assert.ok(outcome.err.description.includes('check client-id `nobody-registered-this`'), outcome.err.description);
  await context.close();
});

test('a popup closed before its first page loaded is a cancel at once, with the button usable again', async () => {
  const { page, context } = await env.newPage();
  await openWidget(env, page);
  // The provider takes its time: the popup shows nothing of it yet when the person closes it.
  await context.route(`${env.provider}/oauth/authorize**`, (route) => setTimeout(() => route.continue().catch(() => {}), 3_000));
  const [popup] = await Promise.all([page.waitForEvent('popup'), startLogin(page, { popup: false })]);
  const started = Date.now();
  await popup.close();
  const outcome = await loginOutcome(page, 'w1', 5_000);
  assert.equal(outcome.err?.code, 'popup_closed');
  assert.ok(Date.now() - started < 3_000, `ended after ${Date.now() - started} ms, not at the timeout`);
  assert.deepEqual([(await widgetState(page)).busy, (await widgetState(page)).message], ['false', 'Login cancelled.']);
  await context.close();
});

test('redirect mode: Back from the provider\'s error page says the login did not finish and lists the likely causes', async () => {
  const { page, context, consoleLines } = await env.newPage();
  await openWidget(env, page, { attrs: { mode: 'redirect', 'client-id': 'nobody-registered-this' } });
  await Promise.all([page.waitForURL((url) => url.href.startsWith(`${env.provider}/oauth/authorize?`)), page.locator('#w1 button[part=button]').click()]);
  await page.goBack();
  await page.waitForFunction(() => customElements.get('oauth-login'));
  const hint = await lineMatching(page, () => consoleLines, /came back without an answer/);
  assert.ok(hint?.includes('check client-id `nobody-registered-this`'), consoleLines.join('\n'));
  assert.equal((await widgetState(page)).message, 'Login cancelled.');
  assert.deepEqual(await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('oauth-prefab:pending'))), [], 'the stale login is gone');
  await context.close();
});

test('the button shows the session: each state distinct at a glance, stylable, and pictured', async () => {
  const { page, context } = await env.newPage();
  await page.addInitScript((provider) => {
    if (sessionStorage.getItem('seeded')) return;
    sessionStorage.setItem('seeded', '1');
    const now = Date.now();
    sessionStorage.setItem('oauth-prefab:token:#s-in', `access_token=in&token_type=bearer&expires_in=3600&expires_at=${now + 3_600_000}&scope=basic`);
    // A session that knows who: its profile was read at login (OpenID Connect, or the profile endpoint).
    const who = new URLSearchParams({ access_token: 'who', expires_in: '3600', expires_at: String(now + 3_600_000), scope: 'openid', sub: 'alice', name: 'Alice Liddell', picture: `${provider}/static/avatar/alice.svg` });
    sessionStorage.setItem('oauth-prefab:token:#s-who', who.toString());
    sessionStorage.setItem('oauth-prefab:token:#s-expired', `access_token=old&token_type=bearer&expires_in=2&expires_at=${now + 2_000}&scope=basic`);
  }, env.provider);
  await page.setViewportSize({ width: 800, height: 600 });
  await openWidget(env, page, { path: '/e2e/states.html' });
  const click = async (id) => {
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.locator(`#${id} button`).click()]);
    await popup.waitForLoadState();
    return popup;
  };
  const pending = await click('s-pending');
  await decide(await click('s-failed'), 'Deny');
  await closeShownPopup(await click('s-cancelled'));
  await page.waitForFunction(() => window.events.some((e) => e.type === 'oauth-expired' && e.target === 's-expired'), null, { timeout: 10_000 });
  await page.waitForFunction(() => window.events.some((e) => e.type === 'oauth-error' && e.target === 's-cancelled'));
  await page.waitForFunction(() => window.events.some((e) => e.type === 'oauth-error' && e.target === 's-failed'));

  const seen = await page.evaluate(() => [...document.querySelectorAll('oauth-login')].map((el) => {
    const button = el.shadowRoot.querySelector('button');
    const note = el.shadowRoot.querySelector('[part=message]');
    return {
      id: el.id,
      state: button.dataset.state,
      custom: el.matches(`:state(${button.dataset.state})`),
      label: el.shadowRoot.querySelector('[part=label]').textContent,
      check: getComputedStyle(el.shadowRoot.querySelector('[part=label]'), '::before').content,
      background: getComputedStyle(button).backgroundColor,
      busy: button.getAttribute('aria-busy'),
      message: note.hidden ? '' : note.textContent,
      messageColor: getComputedStyle(note).color,
    };
  }));
  const by = Object.fromEntries(seen.map((s) => [s.id, s]));
  assert.deepEqual(seen.map((s) => s.state), ['logged-out', 'pending', 'logged-in', 'logged-in', 'expired', 'failed', 'cancelled', 'logged-out']);
  assert.ok(seen.every((s) => s.custom), 'each state is also a custom state of the host: oauth-login:state(...)::part(button)');
  assert.equal(by['s-pending'].busy, 'true');
  assert.equal(by['s-in'].check, '"✓ "', 'logged in shows a check mark');
  assert.deepEqual([by['s-out'].label, by['s-in'].label], ['Log in', 'Logged in'], 'and says so');
  // Who is logged in: the name, and the picture, round, loaded.
  assert.equal(by['s-who'].label, 'Alice Liddell');
  await page.waitForFunction(() => document.getElementById('s-who').shadowRoot.querySelector('[part=avatar]').complete);
  const avatar = await page.evaluate(() => {
    const img = document.getElementById('s-who').shadowRoot.querySelector('[part=avatar]');
    return { hidden: img.hidden, loaded: img.naturalWidth > 0, round: getComputedStyle(img).borderRadius, alt: img.alt };
  });
  assert.deepEqual(avatar, { hidden: false, loaded: true, round: '50%', alt: '' });
  assert.equal(await page.evaluate(() => document.getElementById('s-in').shadowRoot.querySelector('[part=avatar]').hidden), true, 'no profile, no picture');
  const backgrounds = new Set([by['s-out'].background, by['s-in'].background, by['s-expired'].background]);
  assert.equal(backgrounds.size, 3, `logged out, logged in and expired look different: ${[...backgrounds]}`);
  assert.equal(by['s-failed'].message, 'Login failed: The user denied your request');
  assert.equal(by['s-cancelled'].message, 'Login cancelled.');
  assert.equal(by['s-expired'].message, 'Your session expired. Please log in again.');
  assert.equal(by['s-unset'].message, 'This login button is not set up yet.');
  assert.notEqual(by['s-failed'].messageColor, by['s-cancelled'].messageColor, 'a failure is red, a cancel is neutral');

  mkdirSync(join(root, 'test-artifacts'), { recursive: true });
  const picture = await page.locator('body').screenshot();
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(root, 'test-artifacts', 'button-states.png'), picture);
  if (!process.env.CI) writeFileSync(join(root, 'docs', 'button-states.png'), picture);
  await pending.close();
  await context.close();
});

test('one request: the script carries its WebAssembly, compiled as it runs, and the element is defined at once', async () => {
  const { page, context } = await env.newPage();
  const fetched = [];
  page.on('request', (request) => { if (request.url().includes('/pkg/')) fetched.push(new URL(request.url()).pathname); });
  await openWidget(env, page);
  assert.deepEqual(fetched, ['/pkg/oauth-login.js']);
  // Defined with its properties answering as soon as whenDefined resolves.
  assert.equal(await page.evaluate(async () => {
    await customElements.whenDefined('oauth-login');
    return document.getElementById('w1').callbackurl;
  }), `${env.web}/e2e/widget.html`);
  assert.equal((await widgetState(page)).label, 'Log in');
  await context.close();
});
