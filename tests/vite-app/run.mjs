// The package as a bundler user gets it: `npm pack` of pkg/, installed from the tarball into this
// Vite app, type-checked with tsc, built with `vite build`, then logged in with in Chromium against
// the dev provider. Builds nothing in pkg/: it packs whatever pkg/ holds (run `npm run build`
// first). Exits non-zero on any failure; the last line is `N passed, M failed`.
//
//   node tests/vite-app/run.mjs
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import assert from 'node:assert/strict';
import { launchChromium } from '../e2e/harness.mjs';
import { ALPHABET } from '../../scripts/build/embed.mjs';
import { serveStatic } from '../../scripts/lib/serve.mjs';
import { startProvider } from '../../scripts/lib/provider.mjs';

const run = promisify(execFile);
const app = import.meta.dirname;
const root = resolve(app, '..', '..');
const pkg = join(root, 'pkg');
const CLIENT_ID = 'vite-app';
const STEP_TIMEOUT_MS = 60_000;

const results = [];
const cleanups = [];

/** Runs one check; a failure is recorded and printed, and the run goes on. */
async function check(name, fn, { needs = [] } = {}) {
  const missing = needs.filter((n) => !results.find((r) => r.name === n)?.ok);
  if (missing.length) {
    results.push({ name, ok: false });
    console.log(`✖ ${name}\n    not run: it needs ${missing.map((m) => `"${m}"`).join(', ')}`);
    return;
  }
  const started = Date.now();
  try {
    let timer;
    await Promise.race([
      fn(),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${STEP_TIMEOUT_MS / 1000} s`)), STEP_TIMEOUT_MS); }),
    ]).finally(() => clearTimeout(timer));
    results.push({ name, ok: true });
    console.log(`✔ ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    results.push({ name, ok: false });
    const text = (error?.stack ?? String(error)) + (error?.stderr ? `\n${error.stderr}` : '') + (error?.stdout ? `\n${error.stdout}` : '');
    console.log(`✖ ${name} (${Date.now() - started} ms)\n${text.replace(/^/gm, '    ')}`);
  }
}

const npm = (args, cwd) => run('npm', args, { cwd, maxBuffer: 64 << 20, env: { ...process.env, npm_config_update_notifier: 'false' } });
const bin = (pkgName, file) => join(app, 'node_modules', pkgName, file);
const filesUnder = (dir) => readdirSync(dir, { recursive: true, withFileTypes: true })
  .filter((d) => d.isFile()).map((d) => relative(dir, join(d.parentPath ?? d.path, d.name)));

// ---- 1. pack --------------------------------------------------------------------------------
const PACK = 'npm pack: the tarball holds the whole package';
const INSTALL = 'npm install of the tarball into the Vite app';
const TSC = 'tsc --noEmit: index.d.ts types the element, its events, login(), and <oauth-login> in React JSX (src/LoginButton.tsx, no declaration of its own)';
const TSC_BARE = 'tsc --noEmit of src/*.ts without react or vue, then with react but no @types/react: the JSX augmentations are inert (skipLibCheck off)';
const BUILD = 'vite build: bundles the package, its WebAssembly inside the script (no asset, no second request)';
let tarball;

await check(PACK, async () => {
  assert.ok(existsSync(join(pkg, 'package.json')), 'pkg/ has no package.json: run `npm run build` first');
  const dir = mkdtempSync(join(tmpdir(), 'oauth-prefab-pack-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const { stdout } = await npm(['pack', '--json', '--pack-destination', dir], pkg);
  const [info] = JSON.parse(stdout.slice(stdout.indexOf('[')));
  tarball = join(dir, info.filename);
  assert.ok(existsSync(tarball), `npm pack wrote no ${tarball}`);
  const packed = new Set(info.files.map((f) => f.path));
  const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
  const required = ['package.json', 'README.md', 'LICENSE-MIT', 'LICENSE-APACHE', 'custom-elements.json', 'index.js', 'index.d.ts', 'oauth-login.js', 'oauth-login.d.ts'];
  for (const file of required) assert.ok(packed.has(file), `the tarball lacks ${file}`);
  // Every relative import of every packed module resolves inside the tarball.
  for (const file of [...packed].filter((f) => f.endsWith('.js'))) {
    const source = readFileSync(join(pkg, file), 'utf8');
    for (const [, spec] of source.matchAll(/\bfrom\s*['"](\.[^'"]+)['"]|^\s*import\s*['"](\.[^'"]+)['"]/gm)) {
      const target = join(dirname(file), spec).split('\\').join('/');
      assert.ok(packed.has(target), `${file} imports ${spec}, which the tarball lacks`);
    }
  }
  // Everything the exports map points at is packed.
  const targets = Object.values(manifest.exports).flatMap((t) => (typeof t === 'string' ? [t] : Object.values(t)));
  for (const target of targets) assert.ok(packed.has(target.replace(/^\.\//, '')), `exports points at ${target}, which the tarball lacks`);
  console.log(`    ${info.filename}: ${info.entryCount} files, ${info.size} B packed, ${info.unpackedSize} B unpacked`);
});

// ---- 2. install -----------------------------------------------------------------------------
await check(INSTALL, async () => {
  if (!['vite', 'typescript', '@types/react'].every((name) => existsSync(bin(name, 'package.json')))) {
    console.log('    installing vite, typescript and @types/react (first run only)');
    await npm(['install', '--no-audit', '--no-fund'], app);
  }
  // --no-save: the tarball's temporary path stays out of package.json and the lockfile.
  await npm(['install', '--no-audit', '--no-fund', '--no-save', tarball], app);
  const installed = join(app, 'node_modules', 'oauth-prefab');
  for (const file of ['oauth-login.js', 'index.js']) {
    assert.ok(readFileSync(join(installed, file)).equals(readFileSync(join(pkg, file))), `node_modules/oauth-prefab/${file} is not pkg/'s: a stale install`);
  }
});

// ---- 3. types -------------------------------------------------------------------------------
/** `tsc --noEmit -p dir`: its output, or an error that quotes only tsc's error lines. */
async function tsc(dir, args = []) {
  try {
    const { stdout } = await run(process.execPath, [bin('typescript', 'bin/tsc'), '--noEmit', '-p', dir, ...args], { cwd: dir, maxBuffer: 256 << 20 });
    return stdout;
  } catch (error) {
    const errors = String(error.stdout ?? '').split('\n').filter((line) => /error TS\d+/.test(line));
    throw new Error(`tsc -p ${dir} failed:\n${errors.join('\n') || error.stderr || error.message}`);
  }
}

await check(TSC, async () => {
  const sources = filesUnder(join(app, 'src'));
  for (const file of sources) {
    assert.doesNotMatch(readFileSync(join(app, 'src', file), 'utf8'), /interface\s+IntrinsicElements|declare\s+(module|global)/, `src/${file} declares types of its own: the package's must do`);
  }
  const files = (await tsc(app, ['--listFiles'])).split('\n').map((f) => f.trim().split('\\').join('/'));
  assert.ok(files.some((f) => f.endsWith('/src/LoginButton.tsx')), 'the compile covers src/LoginButton.tsx');
  assert.ok(files.some((f) => f.endsWith('/node_modules/@types/react/index.d.ts')), 'the compile has @types/react');
}, { needs: [INSTALL] });

await check(TSC_BARE, async () => {
  // Outside tests/vite-app, so that nothing resolves react, @types/react or vue from its
  // node_modules; the package copied, not linked, for the same reason. The app's own tsconfig.
  const dir = mkdtempSync(join(tmpdir(), 'oauth-prefab-bare-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(app, 'node_modules', 'oauth-prefab'), join(dir, 'node_modules', 'oauth-prefab'), { recursive: true, dereference: true });
  const config = JSON.parse(readFileSync(join(app, 'tsconfig.json'), 'utf8'));
  assert.equal(config.compilerOptions.skipLibCheck, false, 'the declaration files are checked');
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(config));
  const sources = filesUnder(join(app, 'src')).filter((f) => f.endsWith('.ts'));
  assert.ok(sources.includes('types-check.ts'), `src/*.ts: ${sources.join(', ')}`);
  for (const file of sources) cpSync(join(app, 'src', file), join(dir, 'src', file));

  // No react, no vue.
  const bare = await tsc(dir, ['--traceResolution']);
  for (const name of ['react', 'vue']) assert.match(bare, new RegExp(`Module name '${name}' was not resolved`), `${name} resolves: ${dir} is not bare`);

  // react without @types/react: an untyped module, which TypeScript refuses to augment.
  mkdirSync(join(dir, 'node_modules', 'react'));
  writeFileSync(join(dir, 'node_modules', 'react', 'package.json'), JSON.stringify({ name: 'react', version: '19.3.1', main: 'index.js' }));
  writeFileSync(join(dir, 'node_modules', 'react', 'index.js'), 'module.exports = {};\n');
  const untyped = await tsc(dir, ['--traceResolution']);
  assert.match(untyped, /Module name 'react' was successfully resolved to '[^']*\/node_modules\/react\/index\.js'/);
}, { needs: [INSTALL] });

// ---- 4. build -------------------------------------------------------------------------------
await check(BUILD, async () => {
  rmSync(join(app, 'dist'), { recursive: true, force: true });
  await run(process.execPath, [bin('vite', 'bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: app });
  const assets = filesUnder(join(app, 'dist'));
  assert.deepEqual(assets.filter((f) => f.endsWith('.wasm')), [], `dist/ holds no .wasm: ${assets.join(', ')}`);
  const scripts = assets.filter((f) => f.endsWith('.js'));
  // The widget's wasm, as the packed text (20,000 characters of scripts/build/embed.mjs's
  // ALPHABET in a row), and its decoder's magic number, as Vite's minifier printed the string:
  // escaped or raw.
  const packedText = new RegExp(`[${ALPHABET.replace(/[\\\]^[-]/g, '\\$&')}]{20000}`);
  const holds = (f) => {
    const text = readFileSync(join(app, 'dist', f), 'utf8');
    return packedText.test(text) && /(\\0|\x00)asm/.test(text);
  };
  assert.ok(scripts.some(holds), `no script of dist/ holds the WebAssembly: ${scripts.join(', ')}`);
  console.log(`    dist/: ${assets.join(', ')}`);
}, { needs: [INSTALL] });

// ---- 5. in Chromium -------------------------------------------------------------------------
let env;
const BROWSER = 'environment: dist/ served, dev provider, Chromium';
await check(BROWSER, async () => { env = await startEnvironment(); }, { needs: [BUILD] });

/** A fresh context on the built app; fails the check on a page error. */
async function openApp() {
  const context = await env.browser.newContext();
  cleanups.push(() => context.close().catch(() => {}));
  const page = await context.newPage();
  const errors = [];
  context.on('weberror', (e) => errors.push(e.error().message));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(env.web + '/');
  await page.waitForFunction(() => customElements.get('oauth-login') && window.app);
  return { context, page, errors };
}

async function allowInPopup(popup) {
  await popup.waitForLoadState();
  await Promise.all([popup.waitForEvent('close'), popup.getByRole('button', { name: 'Allow' }).click()]);
}

await check('the element: click → popup → Allow → oauth-login with the issued token', async () => {
  const { page, context, errors } = await openApp();
  assert.equal(await page.evaluate(() => document.querySelector('oauth-login').callbackurl), env.web + '/');
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.locator('#widget').click()]);
  assert.ok(popup.url().startsWith(env.provider + '/oauth/authorize?'), `popup at ${popup.url()}`);
  await allowInPopup(popup);
  await page.waitForFunction(() => window.app.events.length > 0);
  const [event] = await page.evaluate(() => window.app.events);
  const issued = await env.lastToken();
  assert.equal(event.type, 'oauth-login', JSON.stringify(event));
  assert.equal(event.detail.accessToken, issued.access_token);
  assert.equal(event.detail.tokenType, 'bearer');
  assert.equal(event.detail.provider, 'custom');
  assert.deepEqual(event.detail.scope, ['basic']);
  assert.equal(event.detail.restored, false);
  assert.equal(await page.evaluate(() => document.querySelector('oauth-login').loggedIn), true);
  assert.deepEqual(errors, []);
  await context.close();
}, { needs: [BROWSER] });

await check('login(options) from a click handler → popup → Allow → resolves with the issued token', async () => {
  const { page, context, errors } = await openApp();
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#programmatic')]);
  await allowInPopup(popup);
  await page.waitForFunction(() => window.app.programmatic);
  const result = await page.evaluate(() => window.app.programmatic);
  const issued = await env.lastToken();
  assert.equal(result.ok, true, JSON.stringify(result));
  assert.equal(result.detail.accessToken, issued.access_token);
  assert.equal(result.detail.tokenType, 'bearer');
  assert.equal(result.detail.expiresIn, issued.expires_in);
  assert.deepEqual(await page.evaluate(() => window.app.events), [], 'no element event for a programmatic login');
  assert.deepEqual(errors, []);
  await context.close();
}, { needs: [BROWSER] });

await check('OAuthError is exported; login({}) rejects with an OAuthError, code invalid_config', async () => {
  const { page, context, errors } = await openApp();
  assert.equal(await page.evaluate(() => window.app.oauthErrorIsAClass), true, 'OAuthError is not a subclass of Error');
  const result = await page.evaluate(() => window.app.invalidConfig());
  assert.deepEqual(result, { isOAuthError: true, code: 'invalid_config', name: 'OAuthError' });
  assert.deepEqual(errors, []);
  await context.close();
}, { needs: [BROWSER] });

await check('vite dev, with no configuration, serves a working element; React 19 mounted over a stored session gets the restored event, with no warning', async () => {
  const { createServer } = await import(pathToFileURL(bin('vite', 'dist/node/index.js')).href);
  const server = await createServer({ root: app, configFile: false, logLevel: 'error', server: { host: '127.0.0.1', port: 0, strictPort: false } });
  cleanups.push(() => server.close());
  await server.listen();
  const context = await env.browser.newContext();
  cleanups.push(() => context.close().catch(() => {}));
  const page = await context.newPage();
  const errors = [];
  const warnings = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (message) => { if (['error', 'warning'].includes(message.type())) warnings.push(message.text()); });
  // A session stored by an earlier visit: React's element restores it as it mounts.
  await context.addInitScript(() => localStorage.setItem('oauth-prefab:token:#react-login', 'access_token=stored&expires_in=&expires_at=&scope=basic'));
  await page.goto(server.resolvedUrls.local[0]);
  await page.waitForFunction(() => customElements.get('oauth-login') && document.querySelector('oauth-login').shadowRoot?.querySelector('button'), null, { timeout: 20_000 });
  await page.waitForFunction(() => document.getElementById('react-state')?.textContent === 'restored basic', null, { timeout: 10_000 });
  assert.deepEqual(errors, []);
  assert.deepEqual(warnings.filter((w) => /React|mounted|state update/i.test(w)), [], 'React (development build) warns of nothing');
  await context.close();
  await server.close();
}, { needs: [INSTALL, BROWSER] });

// ---- the end --------------------------------------------------------------------------------
await env?.close();
for (const cleanup of cleanups.reverse()) await Promise.resolve().then(cleanup).catch(() => {});
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

/** dist/ on its own origin, a dev provider that knows this app, and Chromium. */
async function startEnvironment() {
  const state = { providerOrigin: '' };
  const server = await serveStatic({ port: 0, mounts: { '/': join(app, 'dist') }, get providerOrigin() { return state.providerOrigin; } });
  const web = `http://localhost:${server.address().port}`;
  const dir = mkdtempSync(join(tmpdir(), 'oauth-prefab-vite-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const clients = join(dir, 'clients.json');
  writeFileSync(clients, JSON.stringify({ clients: [{ id: CLIENT_ID, secret: 'vite-secret', name: 'Vite App', redirect_uris: [web + '/'] }] }));
  const providerProcess = await startProvider({ args: ['--clients', clients, '--test-controls'] });
  const provider = `http://127.0.0.1:${providerProcess.port}`;
  state.providerOrigin = provider;
  const browser = await launchChromium();
  return {
    web,
    provider,
    browser,
    async lastToken() {
      const response = await fetch(provider + '/test/last-token');
      assert.equal(response.status, 200, 'the provider issued no token');
      return response.json();
    },
    async close() {
      await browser.close().catch(() => {});
      providerProcess.kill();
      await new Promise((r) => server.close(r));
    },
  };
}

