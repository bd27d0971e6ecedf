// scripts/build/minify-names.mjs on a fixture shaped like wasm-bindgen 0.2.130's glue: every name
// wasm-opt renamed is renamed in the glue, and a glue of another shape fails the build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renameInGlue, unreadExports } from '../../scripts/build/minify-names.mjs';

const fixture = readFileSync(join(import.meta.dirname, 'fixtures', 'glue.js'), 'utf8');
const renames = {
  imports: [['./oauth_prefab_bg.js', '__wbg_storageGet_d094b72177b9fe77', 'a'], ['./oauth_prefab_bg.js', '__wbindgen_init_externref_table', 'b']],
  exports: [['on', 'c'], ['widget', 'f'], ['__wbindgen_malloc', 'd'], ['__abort_handler', 'e']],
};

test('imports, their module and the exports the glue reads are renamed', () => {
  const glue = renameInGlue(fixture, renames);
  assert.match(glue, /"a": import0/);
  assert.match(glue, /\ba: function/);
  assert.match(glue, /\bb: function/);
  assert.match(glue, /wasm\.c\(/);
  assert.match(glue, /wasm\.d\)/);
  assert.match(glue, /wasm\.f\(\)/);
  for (const old of ['./oauth_prefab_bg.js', '__wbg_storageGet', '__wbindgen_init_externref_table', 'wasm.on', 'wasm.widget', '__wbindgen_malloc']) {
    assert.ok(!glue.includes(old), `${old} is gone`);
  }
});

test('a glue without a name wasm-opt renamed fails the build', () => {
  assert.throws(() => renameInGlue(fixture, { imports: [['./oauth_prefab_bg.js', '__wbg_missing_0', 'z']], exports: [] }), /changed shape/);
  assert.throws(() => renameInGlue('const x = 1;', renames), /changed shape/);
});

test('the exports the glue never reads are the ones to remove', () => {
  const exported = ['on', 'widget', '__wbindgen_malloc', '__abort_handler', '__instance_terminated', 'onward'];
  assert.deepEqual(unreadExports(fixture, exported), ['__abort_handler', '__instance_terminated', 'onward']);
});
