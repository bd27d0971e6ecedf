// scripts/build/trim-glue.mjs on excerpts of wasm-bindgen 0.2.130's glue: what the script cannot
// reach is cut, the rest kept, and a glue of another shape fails the build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { trimGlue } from '../../scripts/build/trim-glue.mjs';

const fixture = readFileSync(join(import.meta.dirname, 'fixtures', 'glue-trim.js'), 'utf8');

test('the glue loses initSync\'s other argument forms, the encodeInto fallback, the ASCII loop, realloc and the malloc argument, the views\' and the decoder\'s caches and helpers, on\'s try/finally, isLikeNone, __proto__, widget\'s >>> 0 and remove\'s !== 0', () => {
  const glue = trimGlue(fixture);
  for (const gone of ['deprecated', "'encodeInto' in", 'realloc', 'encodeInto', 'charCodeAt', 'wasm !== undefined', 'detached', 'byteLength', 'return __wbg_finalize_init(', 'cachedTextDecoder', 'MAX_SAFARI_DECODE_BYTES', 'isLikeNone', '__proto__']) {
    assert.ok(!glue.includes(gone), `${gone} is gone`);
  }
  assert.match(glue, /function initSync\(module\) \{\n {4}wasm = new WebAssembly\.Instance\(module, __wbg_get_imports\(\)\)\.exports;\n\}\n/);
  // A glue whose finalize calls a start export (a wasm with reference types, built on stable):
  // initSync still calls it.
  const started = trimGlue(fixture.replace('    cachedUint8ArrayMemory0 = null;\n', '    cachedUint8ArrayMemory0 = null;\n    wasm.n();\n'));
  assert.match(started, /function initSync\(module\) \{\n {4}wasm = new WebAssembly\.Instance\(module, __wbg_get_imports\(\)\)\.exports;\n {4}wasm\.n\(\);\n\}\n/);
  // Views made where they are used, on the memory's current buffer, whatever the memory's export
  // is named; no helper for them is left (the variables stay for `__wbg_finalize_init`).
  for (const gone of ['getDataViewMemory0', 'getUint8ArrayMemory0', 'decodeText', 'deferred', 'finally']) {
    assert.ok(!glue.includes(gone), `${gone} is gone`);
  }
  assert.match(glue, /let cachedDataViewMemory0 = null;\n/);
  assert.match(glue, /let cachedUint8ArrayMemory0 = null;\n/);
  const renamed = trimGlue(fixture.replaceAll('wasm.memory.buffer', 'wasm.c.buffer'));
  assert.ok(!renamed.includes('wasm.memory'));
  assert.equal(renamed.match(/wasm\.c\.buffer/g).length, 3);
  // A string crosses encoded whole, then copied, with `malloc` alone, which the function calls
  // itself (every call handed it the same one); a decoder for each string.
  assert.match(glue, /function passStringToWasm0\(arg\) \{\n {4}const buf = cachedTextEncoder\.encode\(arg\);\n {4}const ptr = wasm\.__wbindgen_malloc\(buf\.length, 1\) >>> 0;\n {4}new Uint8Array\(wasm\.memory\.buffer\)\.set\(buf, ptr\);\n {4}WASM_VECTOR_LEN = buf\.length;\n {4}return ptr;\n\}\n/);
  assert.equal(glue.match(/passStringToWasm0\((input|ret)\)/g).length, 2);
  assert.match(glue, /var ptr1 = ret == null \? 0 : passStringToWasm0/);
  assert.match(glue, /function getStringFromWasm0\(ptr, len\) \{\n {4}return new TextDecoder\('utf-8', \{ ignoreBOM: true \}\)\.decode\(new Uint8Array\(wasm\.memory\.buffer, ptr >>> 0, len\)\);\n\}\n/);
  // The storage read's answer: its string's address, then its length, as 32-bit numbers.
  assert.match(glue, /\n {12}\{ const view = new DataView\(wasm\.memory\.buffer, arg0 >>> 0, 8\); view\.setInt32\(0, ptr1, true\); view\.setInt32\(4, len1, true\); \}\n {8}\},/);
  // `on`: its answer read, then freed.
  assert.match(glue, /export function on\(id, input, now\) \{\n {4}const \[ptr, len\] = wasm\.on\(id, passStringToWasm0\(input\), WASM_VECTOR_LEN, now\);\n {4}const text = getStringFromWasm0\(ptr, len\);\n {4}wasm\.__wbindgen_free\(ptr, len, 1\);\n {4}return text;\n\}\n/);
  assert.match(glue, /const cachedTextEncoder = new TextEncoder\(\);\n\n+let WASM_VECTOR_LEN = 0;/);
  // A controller's number as the wasm answers it; a storage write's `remove` as the wasm passes it.
  assert.match(glue, /export function widget\(\) \{\n {4}const ret = wasm\.widget\(\);\n {4}return ret;\n\}\n/);
  assert.match(glue, /storageSet\(arg0, getStringFromWasm0\(arg1, arg2\), getStringFromWasm0\(arg3, arg4\), arg5\);/);
  // The imports object and its module keep their entries.
  assert.match(glue, /const import0 = \{\n {8}__wbg_storageGet_\w+: function/);
  assert.match(glue, /return \{\n {8}"\.\/oauth_prefab_bg\.js": import0,\n {4}\};/);
});

test('a glue without one of the parts it cuts, or with one twice, fails the build', () => {
  assert.throws(() => trimGlue('const x = 1;'), /changed shape/);
  assert.throws(() => trimGlue(fixture.replace("if (!('encodeInto' in cachedTextEncoder)) {", 'if (true) {')), /changed shape/);
  assert.throws(() => trimGlue(`${fixture}\n${fixture}`), /changed shape/);
  assert.throws(() => trimGlue(fixture.replace('let cachedDataViewMemory0 = null;', 'let cachedDataView = null;')), /changed shape/);
  assert.throws(() => trimGlue(fixture.replace('if (realloc === undefined) {', 'if (!realloc) {')), /changed shape/);
  assert.throws(() => trimGlue(fixture.replaceAll(', wasm.__wbindgen_realloc)', ')')), /changed shape/);
  assert.throws(() => trimGlue(fixture.replaceAll('isLikeNone(ret)', 'ret == null')), /changed shape/);
  assert.throws(() => trimGlue(fixture.replace('return ret >>> 0;', 'return ret;')), /changed shape/);
  assert.throws(() => trimGlue(fixture.replace('arg5 !== 0)', 'arg5 === 1)')), /changed shape/);
  // Calls handing `passStringToWasm0` two different `malloc`s.
  assert.throws(() => trimGlue(fixture.replace('passStringToWasm0(ret, wasm.__wbindgen_malloc,', 'passStringToWasm0(ret, wasm.other_malloc,')), /changed shape/);
  // `on` in another shape (its arguments in another order), or a view helper still read.
  assert.throws(() => trimGlue(fixture.replace('wasm.on(val2, ptr0, len0, val3)', 'wasm.on(val3, ptr0, len0, val2)')), /changed shape/);
  assert.throws(() => trimGlue(fixture.replace('4 * 0, ptr1, true);', '4 * 0, ptr1, true);\n            getDataViewMemory0().setInt32(arg0, 0, true);')), /changed shape/);
});
