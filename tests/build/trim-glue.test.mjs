// scripts/build/trim-glue.mjs on excerpts of wasm-bindgen 0.2.130's glue: what the script cannot
// reach is cut, the rest kept, and a glue of another shape fails the build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { trimGlue } from '../../scripts/build/trim-glue.mjs';

const fixture = readFileSync(join(import.meta.dirname, 'fixtures', 'glue-trim.js'), 'utf8');

test('the glue loses initSync\'s other argument forms, the encodeInto fallback, the branch without realloc and the DataView\'s cache', () => {
  const glue = trimGlue(fixture);
  for (const gone of ['deprecated', "'encodeInto' in", 'realloc === undefined', 'wasm !== undefined', 'detached', 'return __wbg_finalize_init(']) {
    assert.ok(!glue.includes(gone), `${gone} is gone`);
  }
  assert.match(glue, /function initSync\(\{ module \}\) \{\n {4}wasm = new WebAssembly\.Instance\(module, __wbg_get_imports\(\)\)\.exports;\n\}\n/);
  // A glue whose finalize calls a start export (a wasm with reference types, built on stable):
  // initSync still calls it.
  const started = trimGlue(fixture.replace('    cachedUint8ArrayMemory0 = null;\n', '    cachedUint8ArrayMemory0 = null;\n    wasm.n();\n'));
  assert.match(started, /function initSync\(\{ module \}\) \{\n {4}wasm = new WebAssembly\.Instance\(module, __wbg_get_imports\(\)\)\.exports;\n {4}wasm\.n\(\);\n\}\n/);
  // A DataView on the memory's current buffer, whatever the memory's export is named.
  assert.match(glue, /let cachedDataViewMemory0 = null;\nfunction getDataViewMemory0\(\) \{\n {4}return new DataView\(wasm\.c\.buffer\);\n\}\n/);
  assert.match(trimGlue(fixture.replaceAll('wasm.c.buffer', 'wasm.memory.buffer')), /return new DataView\(wasm\.memory\.buffer\);/);
  // What the script does reach stays whole: the string's copy, then its UTF-8 tail.
  assert.match(glue, /let len = arg\.length;[^]*cachedTextEncoder\.encodeInto\(arg, view\)[^]*WASM_VECTOR_LEN = offset;\n {4}return ptr;\n\}/);
  assert.match(glue, /const cachedTextEncoder = new TextEncoder\(\);\n\n+let WASM_VECTOR_LEN = 0;/);
});

test('a glue without one of the parts it cuts, or with one twice, fails the build', () => {
  assert.throws(() => trimGlue('const x = 1;'), /changed shape/);
  assert.throws(() => trimGlue(fixture.replace("if (!('encodeInto' in cachedTextEncoder)) {", 'if (true) {')), /changed shape/);
  assert.throws(() => trimGlue(`${fixture}\n${fixture}`), /changed shape/);
  assert.throws(() => trimGlue(fixture.replace('let cachedDataViewMemory0 = null;', 'let cachedDataView = null;')), /changed shape/);
});
