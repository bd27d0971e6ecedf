// The interop environment shared by the oidc-provider end-to-end tests (interop-oidc*.test.mjs):
// the host pages on http://localhost:PORT, node-oidc-provider (tests/interop/oidc-provider.mjs)
// and Chromium, with the steps of oidc-provider's own login and consent pages.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { serveStatic } from '../../scripts/lib/serve.mjs';
import { startOidcProvider } from './oidc-provider.mjs';
import { launchChromium, loginOutcome, openWidget, startLogin } from '../e2e/harness.mjs';

const root = resolve(import.meta.dirname, '..', '..');

/**
 * The host pages on http://localhost:PORT, then oidc-provider (which must know the redirect URIs
 * before it starts), then Chromium. Like harness.mjs's startEnvironment, with oidc-provider in
 * place of the project's dev provider. `providerOptions` go to startOidcProvider; the environment's
 * `restartProvider(options)` replaces the provider by a new one on the same issuer with them
 * changed (its sessions and grants are gone, as after a real restart).
 */
export async function startInteropEnvironment(providerOptions = {}) {
  const state = { providerOrigin: '' };
  const server = await serveStatic({
    port: 0,
    mounts: {
      '/pkg/': join(root, 'pkg'),
      '/e2e/': join(root, 'tests', 'e2e', 'pages'),
      '/interop/': join(root, 'tests', 'interop', 'pages'),
    },
    get providerOrigin() { return state.providerOrigin; },
  });
  const port = server.address().port;
  const web = `http://localhost:${port}`;
  const opOptions = {
    redirectUris: [`${web}/e2e/widget.html`, `${web}/interop/callback.html`],
    origins: [web],
    ...providerOptions,
  };
  let op = await startOidcProvider(opOptions);
  state.providerOrigin = op.issuer;
  const browser = await launchChromium();

  /** A fresh context (so a fresh provider session) and page, with console output collected. */
  async function newPage() {
    const context = await browser.newContext();
    // oidc-provider's pages @import a web font: keep the tests off the internet.
    await context.route((url) => !['localhost', '127.0.0.1'].includes(url.hostname), (route) => route.abort());
    const page = await context.newPage();
    const consoleLines = [];
    context.on('console', (msg) => consoleLines.push(msg.text()));
    page.on('pageerror', (err) => consoleLines.push(`pageerror: ${err.message}`));
    // What the browser sent to the provider, from any page of the context (popups included).
    const authorizeRequests = [];
    const tokenRequests = [];
    context.on('request', (req) => {
      if (req.url().startsWith(`${op.authorizationEndpoint}?`)) authorizeRequests.push(new URL(req.url()).searchParams);
      if (req.url() === op.tokenEndpoint && req.method() === 'POST') tokenRequests.push(new URLSearchParams(req.postData() ?? ''));
    });
    return { context, page, consoleLines, authorizeRequests, tokenRequests };
  }

  async function restartProvider(options = {}) {
    const { port } = new URL(op.issuer);
    await op.close();
    // The same keys unless `options` says otherwise (a new key under an old kid would be a trap).
    op = await startOidcProvider({ ...opOptions, keys: op.keys, ...options, port: Number(port) });
  }

  async function close() {
    await browser.close().catch(() => {});
    await op.close();
    await new Promise((r) => server.close(r));
  }
  // `otherOrigin`: the same static server under another origin, one the provider's CORS refuses.
  return { web, otherOrigin: `http://127.0.0.1:${port}`, get op() { return op; }, browser, newPage, restartProvider, close };
}

/** Signs in on oidc-provider's devInteractions login page (any name and password work). */
export async function signIn(page, login) {
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
}

/** Confirms oidc-provider's consent page; resolves once `done` (the consequence) has happened. */
export async function consent(page, done) {
  await Promise.all([done, page.getByRole('button', { name: 'Continue' }).click()]);
}

/**
 * Logs #w1 in through oidc-provider's pages in a popup: signs in as `login` first, or, without
 * it, reuses the provider session the context has and only consents. Its outcome: `{ ok }` (the
 * `oauth-login` detail) or `{ err }`.
 */
export async function logInThroughPopup(page, login) {
  const popup = await startLogin(page);
  if (login) await signIn(popup, login);
  await consent(popup, popup.waitForEvent('close'));
  return loginOutcome(page, 'w1', 15_000);
}

/** A public client using the code flow with PKCE, like the provider's own `interop-spa`. */
export function codeFlowClient(clientId, more = {}) {
  return { client_id: clientId, token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], response_types: ['code'], application_type: 'web', ...more };
}

/** A compact JWS's header, parsed. */
export function jwsHeader(jws) {
  return JSON.parse(Buffer.from(jws.split('.')[0], 'base64url'));
}

/**
 * Opens the widget fixture with #w1 set up for a code flow against oidc-provider (`extra`
 * attributes override). Fails at once, rather than by a timeout, when pkg/ has not been built.
 */
export async function openCodeFlowWidget(env, page, extra) {
  assert.ok(existsSync(join(root, 'pkg', 'oauth-login.js')), 'pkg/oauth-login.js is missing: run `npm run build` first');
  await openWidget(env, page, { attrs: widgetAttrs(env, extra) });
}

/** The widget's attributes for a code flow against oidc-provider. */
export function widgetAttrs(env, extra = {}) {
  return {
    'authorize-url': env.op.authorizationEndpoint,
    'token-url': env.op.tokenEndpoint,
    'response-type': 'code',
    'client-id': env.op.clientId,
    scope: 'openid profile email',
    issuer: env.op.issuer,
    ...extra,
  };
}

/** GET userinfo from the page (its origin, so through CORS) with `token` as a Bearer token. */
export function userinfoFromPage(env, page, token) {
  return page.evaluate(async ({ url, token }) => {
    const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    return { status: response.status, body: await response.json() };
  }, { url: env.op.userinfoEndpoint, token });
}
