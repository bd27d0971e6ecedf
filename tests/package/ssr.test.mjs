// The package as a server-side render meets it: Next.js, Nuxt, SvelteKit and Astro evaluate a
// component's imports in Node (no `window`, `HTMLElement` or `customElements`), and the README's
// React and Vue samples call `define()` at the top of a component, which the server runs too.
// Importing either entry, and `define()`, must be safe there; only a login needs the browser.
// Each import runs in a fresh Node process, resolved by package name through the `exports` map
// (pkg/ linked as node_modules/oauth-prefab). Builds nothing: it reads pkg/ as it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const pkg = resolve(import.meta.dirname, '..', '..', 'pkg');
const dir = mkdtempSync(join(tmpdir(), 'oauth-prefab-ssr-'));
mkdirSync(join(dir, 'node_modules'));
symlinkSync(pkg, join(dir, 'node_modules', 'oauth-prefab'), 'dir');
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** Runs `source` as an ES module in a fresh Node (no DOM) from `dir`; its stdout, or the error. */
function nodeRuns(source) {
  try {
    return execFileSync(process.execPath, ['--input-type=module', '-e', source], { cwd: dir, encoding: 'utf8', timeout: 30_000, stdio: 'pipe' });
  } catch (error) {
    assert.fail(`Node without a DOM failed:\n${error.stderr || error.message}`);
  }
}

test('pkg/ is built', () => assert.ok(existsSync(join(pkg, 'oauth-login.js')), 'run `npm run build` first'));

test("import { define, login, OAuthError } from 'oauth-prefab' in Node (a server render) neither throws nor hangs", () => {
  const out = nodeRuns(`
    const m = await import('oauth-prefab');
    if (typeof globalThis.window !== 'undefined' || typeof globalThis.HTMLElement !== 'undefined') throw new Error('not a DOM-less Node');
    console.log(JSON.stringify([typeof m.define, typeof m.login, typeof m.OAuthError, m.OAuthError.prototype instanceof Error]));
  `);
  assert.deepEqual(JSON.parse(out.trim().split('\n').pop()), ['function', 'function', 'function', true]);
});

test("define() at a component module's top (the README's React and Vue samples) does nothing in Node", () => {
  const out = nodeRuns(`
    import { define } from 'oauth-prefab';
    define();
    define();
    console.log('defined');
  `);
  assert.match(out, /^defined$/m);
});

test("the script-tag entry, import 'oauth-prefab/oauth-login.js', in Node neither throws nor hangs", () => {
  const out = nodeRuns(`await import('oauth-prefab/oauth-login.js'); console.log('imported');`);
  assert.match(out, /^imported$/m);
});
