// Interop with a provider nobody here wrote: node-oidc-provider (v9, OpenID Certified), with a
// public PKCE client, CORS for the host pages' origin and its own login and consent pages
// (tests/interop/oidc-provider.mjs). First a manual code flow that uses no widget at all (it proves
// the provider set-up works on its own), then the widget's code flow through it in Chromium, in
// popup and in redirect mode, with the token accepted by the provider's userinfo endpoint, and a
// wrong `issuer` refused (RFC 9207).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { serveStatic } from '../../scripts/lib/serve.mjs';
import { startOidcProvider } from '../interop/oidc-provider.mjs';
import { launchChromium } from './harness.mjs';

const root = resolve(import.meta.dirname, '..', '..');
const TIMEOUT = 60_000;

let env;
before(async () => { env = await startInteropEnvironment(); });
after(async () => { await env?.close(); });

/**
 * The host pages on http://localhost:PORT, then oidc-provider (which must know the redirect URIs
 * before it starts), then Chromium. Like harness.mjs's startEnvironment, with oidc-provider in
 * place of the project's dev provider.
 */
async function startInteropEnvironment() {
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
  const op = await startOidcProvider({
    redirectUris: [`${web}/e2e/widget.html`, `${web}/interop/callback.html`],
    origins: [web],
  });
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
    // Every request to the token endpoint, from any page of the context (popups included).
    const tokenRequests = [];
    context.on('request', (req) => { if (req.url() === op.tokenEndpoint) tokenRequests.push(req); });
    return { context, page, consoleLines, tokenRequests };
  }

  async function close() {
    await browser.close().catch(() => {});
    await op.close();
    await new Promise((r) => server.close(r));
  }
  // `otherOrigin`: the same static server under another origin, one the provider's CORS refuses.
  return { web, otherOrigin: `http://127.0.0.1:${port}`, op, browser, newPage, close };
}

/** Signs in on oidc-provider's devInteractions login page (any name and password work). */
async function signIn(page, login) {
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
}

/** Confirms oidc-provider's consent page; resolves once `done` (the consequence) has happened. */
async function consent(page, done) {
  await Promise.all([done, page.getByRole('button', { name: 'Continue' }).click()]);
}

/** GET userinfo from the page (its origin, so through CORS) with `token` as a Bearer token. */
function userinfoFromPage(page, token) {
  return page.evaluate(async ({ url, token }) => {
    const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    return { status: response.status, body: await response.json() };
  }, { url: env.op.userinfoEndpoint, token });
}

test('oidc-provider on its own: a manual PKCE code flow from a page, token and userinfo through CORS', { timeout: TIMEOUT }, async () => {
  const { context, page, consoleLines } = await env.newPage();
  try {
    const redirectUri = `${env.web}/interop/callback.html`;
    /** An authorization request URL; `verifier` null sends no PKCE challenge. */
    const authorizeUrl = (state, verifier) => {
      const u = new URL(env.op.authorizationEndpoint);
      const params = { client_id: env.op.clientId, response_type: 'code', redirect_uri: redirectUri, scope: 'openid profile email', state };
      if (verifier) Object.assign(params, { code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256' });
      for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
      return u.href;
    };
    const backOnCallback = () => page.waitForURL((url) => url.href.startsWith(redirectUri));
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(16).toString('base64url');

    await page.goto(authorizeUrl(state, verifier));
    await signIn(page, 'alice');
    await consent(page, backOnCallback());

    // RFC 6749 4.1.2 in the query, plus RFC 9207's iss.
    const response = new URL(page.url()).searchParams;
    assert.equal(response.get('state'), state);
    assert.equal(response.get('iss'), env.op.issuer);
    const code = response.get('code');
    assert.ok(code, `no code in ${page.url()}`);

    const tokenRequest = (code, verifier) => ({
      url: env.op.tokenEndpoint,
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: env.op.clientId, code_verifier: verifier }).toString(),
    });
    // Runs in the page: a form POST, as the widget makes it; a blocked request gives `fetchError`.
    const postForm = ({ url, body }) => fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body })
      .then(async (r) => ({ status: r.status, body: await r.json() }), (e) => ({ fetchError: e.name }));

    // CORS is per origin, not "*": the same request from an origin not allowed is blocked (and the
    // provider refuses it before it looks at the code, so the code stays usable).
    const other = await context.newPage();
    await other.goto(`${env.otherOrigin}/interop/callback.html`);
    assert.deepEqual(await other.evaluate(postForm, tokenRequest(code, verifier)), { fetchError: 'TypeError' });
    assert.ok(consoleLines.some((line) => line.includes('blocked by CORS policy')), consoleLines.join('\n'));
    await other.close();

    // The exchange, from the redirect URI's page (its origin is allowed).
    const token = await page.evaluate(postForm, tokenRequest(code, verifier));
    assert.equal(token.status, 200, JSON.stringify(token.body?.error ?? token));
    assert.equal(token.body.token_type.toLowerCase(), 'bearer');
    assert.equal(typeof token.body.access_token, 'string');
    assert.equal(typeof token.body.id_token, 'string');

    const userinfo = await userinfoFromPage(page, token.body.access_token);
    assert.equal(userinfo.status, 200);
    assert.equal(userinfo.body.sub, 'alice');
    assert.equal(userinfo.body.email, 'alice@interop.test');

    // A code is used once; a replay also revokes what it granted (RFC 6749 4.1.2), token included.
    const replay = await page.evaluate(postForm, tokenRequest(code, verifier));
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
    assert.equal((await userinfoFromPage(page, token.body.access_token)).status, 401);

    // PKCE is required: without a challenge the authorization request fails at once...
    await page.goto(authorizeUrl('no-pkce', null));
    const refused = new URL(page.url()).searchParams;
    assert.ok(page.url().startsWith(redirectUri), page.url());
    assert.equal(refused.get('error'), 'invalid_request');
    assert.equal(refused.get('state'), 'no-pkce');
    // ...and a code is not redeemed with another verifier. (alice is still signed in, but the
    // revoked grant means the consent page again.)
    await page.goto(authorizeUrl('pkce', verifier));
    await consent(page, backOnCallback());
    const second = new URL(page.url()).searchParams.get('code');
    assert.ok(second, page.url());
    const wrong = await page.evaluate(postForm, tokenRequest(second, randomBytes(32).toString('base64url')));
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error, 'invalid_grant');
  } finally {
    await context.close();
  }
});
