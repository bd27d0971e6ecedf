// End-to-end harness: a real dev provider (with test controls), the host pages on their own
// origin, and Debian's Chromium driven by playwright-core. One environment per test file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { serveStatic } from '../../scripts/lib/serve.mjs';
import { startProvider } from '../../scripts/lib/provider.mjs';

const root = resolve(import.meta.dirname, '..', '..');

/** Host-page paths registered as redirect URIs with the test client. */
export const PAGES = ['/', '/e2e/widget.html', '/e2e/app.html', '/e2e/two.html', '/e2e/frame.html', '/e2e/states.html', '/e2e/csp.html', '/e2e/csp-cdn.html', '/e2e/callback.html', '/e2e/readme.html'];
export const CLIENT_ID = 'e2e-app';
/** A public client (no secret, so PKCE is required) with the same redirect URIs: the code flow. */
export const PUBLIC_CLIENT_ID = 'e2e-spa';

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

/**
 * Launches Debian's Chromium headless (never a downloaded browser). Playwright turns the
 * back/forward cache off; `backForwardCache: true` leaves it on, as browsers ship it.
 */
export function launchChromium({ backForwardCache = false } = {}) {
  const ignoreDefaultArgs = backForwardCache ? ['--disable-back-forward-cache'] : [];
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, ignoreDefaultArgs });
}

/** The clients the e2e tests register: a confidential and a public one on every fixture page. */
function e2eClients(web) {
  return [{ id: CLIENT_ID, secret: 'e2e-secret', name: 'E2E <Test> App', redirect_uris: PAGES.map((p) => web + p) },
    { id: PUBLIC_CLIENT_ID, name: 'E2E SPA', redirect_uris: PAGES.map((p) => web + p) },
    { id: 'demo-app', secret: 'demo-secret', name: 'Prefab Demo', redirect_uris: [web + '/'] }];
}

/**
 * Starts everything: the host pages (www/ at /, pkg/, the fixtures at /e2e/) on their own origin,
 * the dev provider with test controls, and Chromium. Options:
 * - `providerArgs`: more dev-provider flags;
 * - `clients(web)`: the clients to register (default: the e2e clients on `PAGES`);
 * - `services({ web, provider, dir })`: starts more servers once the provider listens (an
 *   exchange); resolves with `{ replacements, values, stop }`: `{{NAME}}`s for the pages, members
 *   added to the environment, and how to stop them;
 * - `headers(path, { web, provider })`: more response headers for a host page (a CSP).
 * Returns { web, provider, browser, newPage, controls, close, ...values }.
 */
export async function startEnvironment({ providerArgs = [], clients = e2eClients, services, headers } = {}) {
  const replacements = { PROVIDER: '' }; // filled below; read at every request
  const server = await serveStatic({
    port: 0,
    mounts: { '/': join(root, 'www'), '/pkg/': join(root, 'pkg'), '/e2e/': join(root, 'tests', 'e2e', 'pages') },
    replacements,
    headers: headers && ((path) => headers(path, { web: `http://localhost:${server.address().port}`, provider: replacements.PROVIDER })),
  });
  const web = `http://localhost:${server.address().port}`;
  const dir = mkdtempSync(join(tmpdir(), 'oauth-prefab-e2e-'));
  const clientsFile = join(dir, 'clients.json');
  writeFileSync(clientsFile, JSON.stringify({ clients: clients(web) }));
  const providerProcess = await startProvider({ args: ['--clients', clientsFile, '--test-controls', ...providerArgs] });
  const provider = `http://127.0.0.1:${providerProcess.port}`;
  replacements.PROVIDER = provider;
  const extra = services ? await services({ web, provider, dir }) : {};
  Object.assign(replacements, extra.replacements ?? {});
  const browser = await launchChromium();

  /** A fresh browser context and page, with console output collected. */
  async function newPage() {
    const context = await browser.newContext();
    const page = await context.newPage();
    const consoleLines = [];
    context.on('console', (msg) => consoleLines.push(msg.text()));
    page.on('pageerror', (err) => consoleLines.push(`pageerror: ${err.message}`));
    return { context, page, consoleLines };
  }

  const controls = {
    async get(path) {
      const response = await fetch(provider + path);
      return response.status === 200 ? response.json() : null;
    },
    lastAuthorize() { return this.get('/test/last-authorize'); },
    lastToken() { return this.get('/test/last-token'); },
    /** Every token-endpoint POST the provider received since start or the last reset(). */
    tokenRequests() { return this.get('/test/token-requests'); },
    /** Forgets the recorded authorize request, token and token requests. */
    async reset() {
      const response = await fetch(provider + '/test/reset', { method: 'POST' });
      if (!response.ok) throw new Error(`POST /test/reset: ${response.status}`);
    },
    /** The provider URL that answers the widget's redirect URI with crafted raw text. */
    respondUrl(redirectUri, { fragment, query }) {
      const u = new URL(provider + '/test/respond');
      u.searchParams.set('redirect_uri', redirectUri);
      if (fragment !== undefined) u.searchParams.set('fragment', fragment);
      if (query !== undefined) u.searchParams.set('query', query);
      return u.href;
    },
  };

  async function close() {
    await browser.close().catch(() => {});
    providerProcess.kill();
    await extra.stop?.();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
  return { web, provider, browser, newPage, controls, close, clientsFile, ...extra.values };
}

// ---- Helpers shared by the end-to-end test files -------------------------------------------

/** Widget properties and UI state of element `id`, read in the page. */
export function widgetState(page, id = 'w1') {
  return page.evaluate((id) => {
    const el = document.getElementById(id);
    const root = el.shadowRoot;
    const button = root?.querySelector('button[part=button]');
    const spinner = root?.querySelector('[part=spinner]');
    const message = root?.querySelector('[part=message]');
    return {
      accessToken: el.accessToken,
      loggedIn: el.loggedIn,
      expiresAt: el.expiresAt,
      busy: button?.getAttribute('aria-busy') ?? null,
      spinnerVisible: spinner ? getComputedStyle(spinner).display !== 'none' && !spinner.hidden : null,
      label: root?.querySelector('[part=label]')?.textContent ?? null,
      message: message && !message.hidden ? message.textContent : '',
    };
  }, id);
}

/**
 * Opens `path` (default the widget fixture) with `attrs` applied to #w1 before the module loads,
 * on this and every later load of the page; waits for the element to be defined.
 */
export async function openWidget(env, page, { path = '/e2e/widget.html', attrs = {}, init } = {}) {
  await page.addInitScript((attrs) => { window.__attrs = attrs; }, attrs);
  if (init) await page.addInitScript(init);
  await page.goto(env.web + path);
  await page.waitForFunction(() => customElements.get('oauth-login'));
}

/**
 * Calls `login()` on element `id`; the outcome is kept in `window.outcomes[id]` as
 * `{ ok: detail }` or `{ err: { name, code, description, reason, uri, isOAuthError } }`, and
 * `null` while pending. Resolves with the popup when `popup` is true (the default).
 */
export async function startLogin(page, { id = 'w1', popup = true } = {}) {
  const call = page.evaluate((id) => {
    window.outcomes ??= {};
    window.outcomes[id] = null;
    document.getElementById(id).login().then(
      (ok) => { window.outcomes[id] = { ok }; },
      (e) => {
        window.outcomes[id] = { err: { name: e?.name, code: e?.code, description: e?.description, reason: e?.reason ?? null, uri: e?.uri ?? null, isError: e instanceof Error } };
      },
    );
  }, id);
  if (!popup) return call.then(() => null);
  const [opened] = await Promise.all([page.waitForEvent('popup'), call]);
  await opened.waitForLoadState();
  return opened;
}

/** Waits for and returns the settled outcome of `login()` on `id` (see startLogin). */
export async function loginOutcome(page, id = 'w1', timeout = 10_000) {
  await page.waitForFunction((id) => window.outcomes?.[id] != null, id, { timeout });
  return page.evaluate((id) => window.outcomes[id], id);
}

/**
 * Two pending popup logins on /e2e/two.html (w1 asked for `basic`, w2 for `likes`), answered in
 * reverse order: each answer must reach the widget whose state it carries, and only it. Returns
 * the tokens the provider issued and each widget's outcome.
 */
export async function allowSecondThenFirst(env, page, [first, firstState], [second, secondState]) {
  await decide(second, 'Allow');
  const token2 = await env.controls.lastToken();
  assert.equal(token2.state, secondState);
  const out2 = await loginOutcome(page, 'w2');
  assert.equal(out2.ok?.accessToken, token2.access_token, JSON.stringify(out2));
  assert.equal(await page.evaluate(() => window.outcomes.w1), null, 'w1 is still pending');
  await decide(first, 'Allow');
  const token1 = await env.controls.lastToken();
  assert.equal(token1.state, firstState);
  const out1 = await loginOutcome(page, 'w1');
  assert.equal(out1.ok?.accessToken, token1.access_token, JSON.stringify(out1));
  assert.notEqual(token1.access_token, token2.access_token);
  assert.deepEqual([out1.ok.scope, out2.ok.scope], [['basic'], ['likes']]);
  return { token1, token2 };
}

/** The `state` sent in the authorize URL the popup shows. */
export function stateOf(popup) {
  return new URL(popup.url()).searchParams.get('state');
}

/** Waits until at least `count` oauth-* events were recorded by the fixture; returns them all. */
export async function waitForEvents(page, count = 1, timeout = 10_000) {
  await page.waitForFunction((n) => window.events.length >= n, count, { timeout });
  return page.evaluate(() => window.events);
}

/** The events of `type` the page recorded, once there are `count` of them. */
export async function eventsOf(page, type, count = 1, timeout = 15_000) {
  await page.waitForFunction(([t, n]) => window.events.filter((e) => e.type === t).length >= n, [type, count], { timeout });
  return page.evaluate((t) => window.events.filter((e) => e.type === t), type);
}

/**
 * Makes the provider answer in `popup` with crafted raw text (a fragment and/or a query) on the
 * callback page `callbackPath`, and waits for the popup to close.
 */
export async function respondInPopup(env, popup, { fragment, query, callbackPath = '/e2e/widget.html' }) {
  const url = env.controls.respondUrl(env.web + callbackPath, { fragment, query });
  await Promise.all([popup.waitForEvent('close'), popup.evaluate((u) => { location.href = u; }, url)]);
}

/**
 * Closes the popup as a person does: after its page showed. The widget tells a cancel from a
 * popup cut off by COOP by having seen the popup show a page (on two looks 100 ms apart), so a
 * close within milliseconds of the page loading would read as a popup it never saw.
 */
export async function closeShownPopup(popup) {
  await popup.waitForTimeout(500);
  await popup.close();
}

/** Clicks the consent page's button (`Allow` or `Deny`) and waits for the popup to close. */
export async function decide(popup, name) {
  await Promise.all([popup.waitForEvent('close'), popup.getByRole('button', { name }).click()]);
}

/** Records the POSTs the page's context sends to `url`: their form fields and request headers. */
export function recordPosts(context, url) {
  const posts = [];
  context.on('request', (request) => {
    if (request.method() === 'POST' && request.url() === url) {
      posts.push({ fields: new URLSearchParams(request.postData() ?? ''), headers: request.headers() });
    }
  });
  return posts;
}

/** Every address the main frame showed, fragments included (to catch a response left in one). */
export function recordUrls(page) {
  const urls = [];
  page.on('framenavigated', (frame) => { if (frame === page.mainFrame()) urls.push(frame.url()); });
  return urls;
}

/** The redirect logins kept in the page's sessionStorage. */
export function pendingKeys(page) {
  return page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('oauth-prefab:pending')));
}

/** Clicks `id`'s button and waits for the tab to show the provider's consent page. */
export async function clickToProvider(env, page, id = 'w1') {
  await Promise.all([
    page.waitForURL((url) => url.href.startsWith(`${env.provider}/oauth/authorize?`)),
    page.locator(`#${id} button[part=button]`).click(),
  ]);
  await page.waitForLoadState();
}

/** Clicks Allow or Deny on the consent page in the tab; waits to be back on `path`, defined. */
export async function decideInTab(env, page, name, path = '/e2e/widget.html') {
  await Promise.all([
    page.waitForURL((url) => url.href.startsWith(env.web + path)),
    page.getByRole('button', { name }).click(),
  ]);
  await page.waitForFunction(() => customElements.get('oauth-login'));
}
