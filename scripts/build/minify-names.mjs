// Post-link step: the wasm's import, export and module names shortened to a letter or two, and
// wasm-bindgen's glue rewritten to match. wasm-bindgen names imports after their Rust path with a
// hash (`__wbg_storageGet_d094b72177b9fe77`): random hex that gzip cannot shrink, once in the
// wasm and again in the glue.
//
// When wasm-bindgen or binaryen moves: the glue must still refer to imports as `name:` keys of
// the object it hands to the instance, and to exports as `wasm.name`; wasm-opt must still print
// the rename map as JSON after --minify-imports-and-exports-and-modules. The rewrite fails the
// build if any old name is left, and tests/build/minify-names.test.mjs checks it on a fixture.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Renames in place: the wasm by wasm-opt, then the glue. The exports the glue never reads
 * (wasm-bindgen's `__abort_handler` and `__instance_terminated`, two globals) leave the wasm
 * first, and what only they kept with them.
 */
export function minifyBoundaryNames(wasmFile, glueFile, env, features) {
  const glue = readFileSync(glueFile, 'utf8');
  const exported = WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(wasmFile))).map((e) => e.name);
  const unread = unreadExports(glue, exported);
  const remove = unread.length ? ['--remove-exports', `--pass-arg=remove-exports@${unread.join(',')}`, '--remove-unused-module-elements'] : [];
  const printed = execFileSync('wasm-opt', [wasmFile, '-o', wasmFile, ...remove, '--minify-imports-and-exports-and-modules', ...features], { env, encoding: 'utf8' });
  const renames = JSON.parse(printed.slice(printed.indexOf('{')));
  writeFileSync(glueFile, renameInGlue(glue, renames));
}

/** The names of `exported` that `glue` never reads as `wasm.name`. */
export function unreadExports(glue, exported) {
  return exported.filter((name) => !new RegExp(`\\bwasm\\.${name}\\b`).test(glue));
}

/**
 * `glue` with the names of `renames` (wasm-opt's map: `{ imports: [[module, name, to]],
 * exports: [[name, to]] }`) replaced; binaryen names every import module "a". Throws where the
 * glue does not have the shape this expects.
 */
export function renameInGlue(glue, { imports, exports }) {
  const replaceAll = (pattern, to, what) => {
    const before = glue;
    glue = glue.replace(pattern, to);
    if (glue === before) throw new Error(`build: the glue has no ${what}; wasm-bindgen's glue changed shape`);
  };
  for (const from of new Set(imports.map(([module]) => module))) replaceAll(`"${from}":`, '"a":', `import module ${from}`);
  for (const [, name, to] of imports) replaceAll(new RegExp(`\\b${name}(?=:)`, 'g'), to, `import ${name}`);
  // Exports the glue never reads (wasm-bindgen's abort handler) need no rewrite.
  for (const [name, to] of exports) {
    if (glue.includes(`wasm.${name}`)) replaceAll(new RegExp(`\\bwasm\\.${name}\\b`, 'g'), `wasm.${to}`, `export ${name}`);
  }
  const left = [
    ...imports.filter(([, name]) => new RegExp(`\\b${name}:`).test(glue)).map(([, name]) => name),
    ...exports.filter(([name]) => new RegExp(`\\bwasm\\.${name}\\b`).test(glue)).map(([name]) => name),
  ];
  if (left.length) throw new Error(`build: the glue still names ${left.join(', ')} after the rename`);
  return glue;
}
