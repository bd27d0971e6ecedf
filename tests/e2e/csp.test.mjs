// Pages with a Content Security Policy (contract, and README "Pages with a Content Security
// Policy"): the README's policy, as written, lets the widget style itself, log in and reach its
// token endpoint; a policy that forbids compiling WebAssembly leaves a defined, disabled button and
// names the directive to add; a request the policy refuses is reported as the policy's doing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, loginOutcome, startEnvironment, startLogin, widgetState } from './harness.mjs';

// The policy README gives for a script-tag page whose provider is reached from the page (the code
// flow with the provider's token endpoint): {{TOKEN_ORIGIN}} is that endpoint's origin.
const README_POLICY = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' {{TOKEN_ORIGIN}}; img-src 'self' https:";

let policy = README_POLICY;
let env;
before(async () => {
  env = await startEnvironment({
    headers: (path, { provider }) => (path === '/e2e/csp.html' ? { 'Content-Security-Policy': policy.replace('{{TOKEN_ORIGIN}}', provider) } : {}),
  });
});
after(async () => { await env?.close(); });

async function openCspPage() {
  const { page, context, consoleLines } = await env.newPage();
  await page.goto(`${env.web}/e2e/csp.html`);
  await page.waitForFunction(() => customElements.get('oauth-login'));
  return { page, context, consoleLines };
}

test('under the README\'s policy the button is styled, and a code-flow login completes with no violation', async () => {
  policy = README_POLICY;
  const { page, context } = await openCspPage();
  const style = await page.evaluate(() => {
    const button = document.getElementById('w1').shadowRoot.querySelector('button');
    return { background: getComputedStyle(button).backgroundColor, radius: getComputedStyle(button).borderRadius };
  });
  assert.equal(style.background, 'rgb(31, 41, 55)', 'the adopted stylesheet applies under the policy');
  assert.notEqual(style.radius, '0px');
  const popup = await startLogin(page);
  await decide(popup, 'Allow');
  const outcome = await loginOutcome(page);
  assert.equal(typeof outcome.ok?.accessToken, 'string', JSON.stringify(outcome));
  assert.match(await page.textContent('#out'), /^logged in/);
  assert.deepEqual(await page.evaluate(() => window.violations), []);
  await context.close();
});

test('a policy without \'wasm-unsafe-eval\': the element is defined, its button disabled, and the console names the directive', async () => {
  policy = "default-src 'self'; script-src 'self'";
  const { page, context, consoleLines } = await openCspPage();
  const state = await widgetState(page);
  assert.equal(state.message, 'This login button is not set up yet.');
  assert.equal(await page.evaluate(() => document.getElementById('w1').shadowRoot.querySelector('button').disabled), true);
  assert.ok(consoleLines.some((line) => /'wasm-unsafe-eval' \(not 'unsafe-eval'\)/.test(line)), consoleLines.join('\n'));
  const refused = await page.evaluate(() => document.getElementById('w1').login().then(() => null, (e) => ({ name: e.name, code: e.code })));
  assert.deepEqual(refused, { name: 'OAuthError', code: 'browser_refused' });
  await context.close();
});

test('a token request the policy\'s connect-src refuses is network_error naming the policy and the directive', async () => {
  policy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' https:";
  const { page, context } = await openCspPage();
  const popup = await startLogin(page);
  await decide(popup, 'Allow');
  const outcome = await loginOutcome(page);
  assert.equal(outcome.err?.code, 'network_error', JSON.stringify(outcome));
  assert.match(outcome.err.description, /Content Security Policy blocked the token request to `http:\/\/127\.0\.0\.1:\d+\/oauth\/token` \(connect-src\): add http:\/\/127\.0\.0\.1:\d+ to its connect-src directive/);
  await context.close();
});
