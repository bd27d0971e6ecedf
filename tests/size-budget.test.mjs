// The size budget: what a script-tag page (`<script type="module" src=".../oauth-login.js">`)
// downloads, gzipped at level 9, must not grow past BUDGET_BYTES. Size is deterministic, so it
// belongs in a test; timings do not (see bench/run.mjs). Builds nothing: it reads pkg/ as it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

// The ceiling, in gzipped bytes: a ratchet that only ever goes down. The goal is below hello.js
// with all its providers (HELLO_BYTES); 10 KiB (TARGET_BYTES) is where we aim. Measured on
// 2026-11-23 by this test after the redesign, with the code flow in: 40,895 B (budget 40 KiB);
// then, with the COOP relay in and one string joiner and no `str` searcher in the wasm, 40,459 B;
// with a message's source passed as a number, 40,340 B; with one export for every browser event,
// boundary names minified, no source paths and more wasm-opt passes, 36,715 B; with the page's
// load and the element's contract asked through the same export, 36,203 B; with the function
// table's uncallable entries pruned, 35,210 B; with the wasm compiled by the element's script
// rather than wasm-bindgen's general loader, 34,920 B; with text split byte by byte on its
// ASCII delimiters and trimmed of ASCII white space only, 34,369 B. Lower it as the size drops.
const BUDGET_BYTES = 34_369;
const HELLO_BYTES = 19_679;
const TARGET_BYTES = 10_240;

const pkg = resolve(import.meta.dirname, '..', 'pkg');

/** Every file a script-tag page fetches: the one bundled script, and the wasm. */
function scriptTagFiles() {
  return [join(pkg, 'oauth-login.js'), join(pkg, 'oauth_prefab_bg.wasm')];
}

/** The same list found the way a browser finds it: static and dynamic imports, and `new URL(x, import.meta.url)`. */
function importGraph(entry) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    if (!file.endsWith('.js')) return;
    const source = readFileSync(file, 'utf8');
    const imports = [
      ...[...source.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]/gm)].map((m) => m[1]),
      ...[...source.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm)].map((m) => m[1]),
      ...[...source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]),
    ].filter((s) => s.startsWith('.'));
    // A URL relative to the module (wasm-bindgen's default wasm location) need not start with '.'.
    const urls = [...source.matchAll(/new URL\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g)].map((m) => m[1])
      .filter((s) => !/^[a-z][a-z0-9+.-]*:|^\//i.test(s));
    for (const specifier of [...imports, ...urls]) visit(resolve(dirname(file), specifier));
  };
  visit(entry);
  return [...seen];
}

const gzipped = (file) => gzipSync(readFileSync(file), { level: 9 }).length;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

test('pkg/ holds the script-tag files', () => {
  for (const file of scriptTagFiles()) assert.ok(existsSync(file), `missing ${relative(pkg, file)}: run \`npm run build\``);
});

test('the list is exactly what oauth-login.js loads', () => {
  const graph = importGraph(join(pkg, 'oauth-login.js')).map((f) => relative(pkg, f)).sort();
  assert.deepEqual(graph, scriptTagFiles().map((f) => relative(pkg, f)).sort());
});

test(`the script-tag download stays within the budget (${BUDGET_BYTES} B gzipped)`, () => {
  const files = scriptTagFiles();
  let total = 0;
  for (const file of files) {
    const size = gzipped(file);
    total += size;
    console.log(`  ${relative(pkg, file).padEnd(60)} ${String(size).padStart(7)} B gz`);
  }
  const toTarget = total - TARGET_BYTES;
  console.log(`  hello.js ${HELLO_BYTES} B: ${total < HELLO_BYTES ? 'below it' : `${(total / HELLO_BYTES).toFixed(2)}x it`}`);
  console.log(`  total ${total} B (${kb(total)}) gzipped; budget ${BUDGET_BYTES} B (${kb(BUDGET_BYTES)}); ` +
    `target ${TARGET_BYTES} B (${kb(TARGET_BYTES)}): ${toTarget > 0 ? `${toTarget} B (${kb(toTarget)}) above it` : `met, ${-toTarget} B to spare`}`);
  assert.ok(total <= BUDGET_BYTES, `the script-tag download is ${total} B gzipped, over the budget of ${BUDGET_BYTES} B by ${total - BUDGET_BYTES} B`);
});
