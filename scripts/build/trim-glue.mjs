// Post-link step: the parts of wasm-bindgen's glue that js/oauth-login.js can never reach, cut
// (measured −176 B gzipped). The script hands `initSync` a compiled module, once, as
// `{ module }`: the glue's checks for a second call and for its older argument forms, with their
// warning, are dead; every string crosses with `realloc`, so `passStringToWasm0`'s branch
// without it is dead; and every browser that runs the bundle (ES2022, WebAssembly) has
// `TextEncoder.encodeInto`, so its fallback is dead too.
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
  // initSync as js/oauth-login.js calls it: `{ module }`, a WebAssembly.Module, once.
  ['function initSync(module) {', '\n}\n', 'function initSync({ module }) {\n    return __wbg_finalize_init(new WebAssembly.Instance(module, __wbg_get_imports()), module);\n}\n'],
  ["if (!('encodeInto' in cachedTextEncoder)) {", '\n}\n', ''],
  ['    if (realloc === undefined) {', '\n    }\n', ''],
];

/** `glue` without the parts the script cannot reach; throws where the glue has another shape. */
export function trimGlue(glue) {
  for (const [head, tail, to] of CUTS) {
    const found = block(glue, head, tail);
    if (!found) throw new Error(`build: the glue has no one \`${head.trim()}\`; wasm-bindgen's glue changed shape`);
    glue = glue.slice(0, found[0]) + to + glue.slice(found[1]);
  }
  return glue;
}
