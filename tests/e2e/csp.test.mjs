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

// README's policies for the implicit grant (no request of the widget's own), and for the script
// from a CDN ({{CDN}}: here the same server under another origin, 127.0.0.1).
const IMPLICIT_POLICY = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' https:";
const CDN_POLICY = "default-src 'self'; script-src 'self' {{CDN}} 'wasm-unsafe-eval'; connect-src 'self' {{TOKEN_ORIGIN}}; img-src 'self' https:";

let policy = README_POLICY;
let env;
let cdn = '';
before(async () => {
  env = await startEnvironment({
    // The other origin serves the script as a CDN does: with CORS, which a module script needs.
    services: async ({ web }) => {
      cdn = web.replace('//localhost:', '//127.0.0.1:');
      return { replacements: { CDN: cdn } };
    },
    headers: (path, { provider }) => {
      if (path.startsWith('/pkg/')) return { 'Access-Control-Allow-Origin': '*' };
      if (!['/e2e/csp.html', '/e2e/csp-cdn.html'].includes(path)) return {};
      return { 'Content-Security-Policy': policy.replace('{{TOKEN_ORIGIN}}', provider).replace('{{CDN}}', cdn) };
    },
  });
});
after(async () => { await env?.close(); });

async function openCspPage(path = '/e2e/csp.html') {
  const { page, context, consoleLines } = await env.newPage();
  await page.goto(`${env.web}${path}`);
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

test('under README\'s policy for the implicit grant (no connect-src), an implicit login completes with no violation', async () => {
  policy = IMPLICIT_POLICY;
  const { page, context } = await openCspPage();
  await page.evaluate(() => {
    const el = document.getElementById('w1');
    el.removeAttribute('token-url');
    el.setAttribute('response-type', 'token');
    el.setAttribute('client-id', 'e2e-app');
  });
  await decide(await startLogin(page), 'Allow');
  const outcome = await loginOutcome(page);
  assert.equal(typeof outcome.ok?.accessToken, 'string', JSON.stringify(outcome));
  assert.deepEqual(await page.evaluate(() => window.violations), []);
  await context.close();
});

test('under README\'s policy for a script from a CDN, the widget from another origin logs in with no violation', async () => {
  policy = CDN_POLICY;
  const { page, context } = await openCspPage('/e2e/csp-cdn.html');
  assert.ok(cdn && !cdn.startsWith(env.web), 'the script comes from another origin');
  await decide(await startLogin(page), 'Allow');
  const outcome = await loginOutcome(page);
  assert.equal(typeof outcome.ok?.accessToken, 'string', JSON.stringify(outcome));
  assert.deepEqual(await page.evaluate(() => window.violations), []);
  await context.close();
});
