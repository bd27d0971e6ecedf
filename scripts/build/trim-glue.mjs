// Post-link step: the parts of wasm-bindgen's glue that js/oauth-login.js can never reach, cut
// (measured −176 B gzipped). The script hands `initSync` a compiled module, once, as
// `{ module }`: the glue's checks for a second call and for its older argument forms, with their
// warning, are dead; every string crosses with `realloc`, so `passStringToWasm0`'s branch
// without it is dead; and every browser that runs the bundle (ES2022, WebAssembly) has
// `TextEncoder.encodeInto`, so its fallback is dead too. initSync sets `wasm` itself, so the
// bookkeeping of `__wbg_finalize_init` (the module, the instance, views that are null already)
// goes; and the DataView on the memory, only for the two numbers a storage read answers, is made
// on each call, without the cache and its checks for a memory that grew (measured −61 B with both).
//
// When wasm-bindgen moves: each cut must find its text exactly once, or the build fails; a
// cut that stops applying is dropped here, not worked around. tests/build/trim-glue.test.mjs
// checks it on glue of wasm-bindgen 0.2.130's shape.

/** The block of `glue` that starts with `head` and ends at the first `tail` after it. */
function block(glue, head, tail) {
  const start = glue.indexOf(head);
  if (start < 0 || glue.indexOf(head, start + 1) >= 0) return null;
  const end = glue.indexOf(tail, start);
  return end < 0 ? null : [start, end + tail.length];
}

const CUTS = [
  // initSync as js/oauth-login.js calls it: `{ module }`, a WebAssembly.Module, once; what it
  // returns is not used. The start export `__wbg_finalize_init` calls, where the glue has one (a
  // wasm built with reference types, on stable: it fills the externref table), is still called.
  ['function initSync(module) {', '\n}\n', (cut, glue) => `function initSync({ module }) {\n    wasm = new WebAssembly.Instance(module, __wbg_get_imports()).exports;\n${startCall(glue)}}\n`],
  ["if (!('encodeInto' in cachedTextEncoder)) {", '\n}\n', ''],
  ['    if (realloc === undefined) {', '\n    }\n', ''],
  // A DataView made on each call, on the memory's current buffer (the variable stays, for
  // `__wbg_finalize_init`, which the bundle leaves out).
  ['let cachedDataViewMemory0 = null;', 'return cachedDataViewMemory0;\n}\n', (cut) => `let cachedDataViewMemory0 = null;\nfunction getDataViewMemory0() {\n    return new DataView(${cut.match(/new DataView\(([^)]*)\)/)[1]});\n}\n`],
];

/** The line calling the start export in `glue`'s `__wbg_finalize_init` (`wasm.name();`), or ''. */
function startCall(glue) {
  const found = block(glue, 'function __wbg_finalize_init(', '\n}\n');
  if (!found) throw new Error('build: the glue has no one `function __wbg_finalize_init(`; wasm-bindgen\'s glue changed shape');
  const call = glue.slice(...found).match(/\bwasm\.\w+\(\);/);
  return call ? `    ${call[0]}\n` : '';
}

/** `glue` without the parts the script cannot reach; throws where the glue has another shape. */
export function trimGlue(glue) {
  for (const [head, tail, to] of CUTS) {
    const found = block(glue, head, tail);
    if (!found) throw new Error(`build: the glue has no one \`${head.trim()}\`; wasm-bindgen's glue changed shape`);
    glue = glue.slice(0, found[0]) + (typeof to === 'function' ? to(glue.slice(...found), glue) : to) + glue.slice(found[1]);
  }
  return glue;
}
