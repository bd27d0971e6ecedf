// End-to-end harness: a real dev provider (with test controls), the host pages on their own
// origin, and Debian's Chromium driven by playwright-core. One environment per test file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { serveStatic } from '../../scripts/lib/serve.mjs';
import { startProvider } from '../../scripts/lib/provider.mjs';

const root = resolve(import.meta.dirname, '..', '..');

/** Host-page paths registered as redirect URIs with the test client. */
export const PAGES = ['/', '/e2e/widget.html', '/e2e/two.html', '/e2e/frame.html'];
export const CLIENT_ID = 'e2e-app';

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

/** Launches Debian's Chromium headless (never a downloaded browser). */
export function launchChromium() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}

/**
 * Starts everything. Returns { web, provider, browser, newPage, controls, close }.
 * `web` is the host origin (http://localhost:PORT), `provider` the provider origin.
 */
export async function startEnvironment({ providerArgs = [] } = {}) {
  const state = { providerOrigin: '' };
  const server = await serveStatic({
    port: 0,
    mounts: { '/': join(root, 'www'), '/pkg/': join(root, 'pkg'), '/e2e/': join(root, 'tests', 'e2e', 'pages') },
    get providerOrigin() { return state.providerOrigin; },
  });
  const web = `http://localhost:${server.address().port}`;
  const dir = mkdtempSync(join(tmpdir(), 'oauth-prefab-e2e-'));
  const clients = join(dir, 'clients.json');
  writeFileSync(clients, JSON.stringify({
    clients: [{ id: CLIENT_ID, secret: 'e2e-secret', name: 'E2E <Test> App', redirect_uris: PAGES.map((p) => web + p) },
      { id: 'demo-app', secret: 'demo-secret', name: 'Prefab Demo', redirect_uris: [web + '/'] }],
  }));
  const port = await freePort();
  const providerProcess = await startProvider({ port, args: ['--clients', clients, '--test-controls', ...providerArgs] });
  const provider = `http://127.0.0.1:${port}`;
  state.providerOrigin = provider;
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
    await new Promise((r) => server.close(r));
  }
  return { web, provider, browser, newPage, controls, close };
}

async function freePort() {
  const { createServer } = await import('node:net');
  return new Promise((resolvePromise) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolvePromise(port));
    });
  });
}
