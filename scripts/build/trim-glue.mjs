// Post-link step: the parts of wasm-bindgen's glue that js/oauth-login.js can never reach, cut
// (measured −176 B gzipped), and its string passing made smaller (−252 B, below). The script hands
// `initSync` a compiled module, once, as `{ module }`: the glue's checks for a second call and for
// its older argument forms, with their warning, are dead. initSync sets `wasm` itself, so the
// bookkeeping of `__wbg_finalize_init` (the module, the instance, views that are null already)
// goes; and the DataView on the memory, only for the two numbers a storage read answers, is made
// on each call, without the cache and its checks for a memory that grew (measured −61 B with both).
//
// Strings (a few short JSON texts per input) cross as the glue's own branch without `realloc`
// does: encoded whole, then copied. The ASCII loop, the UTF-8 tail written in place (and the
// `encodeInto` fallback) go, and the calls stop handing `realloc` over, so the wasm's export of it
// goes too (scripts/build.mjs trims before scripts/build/minify-names.mjs drops unread exports):
// −147 B. The Uint8Array view of the memory is made on each call as the DataView is (−36 B); a
// TextDecoder is made for each string, so the one kept for all and its count of bytes decoded
// (Safari's decoders fail past 2 GiB) go (−51 B); `isLikeNone(x)` is `x == null` (−10 B); and
// the imports object and its module lose `__proto__: null` (−8 B): every name the instance looks
// up in them is their own.
//
// When wasm-bindgen moves: each cut must find its text exactly once, and each rewrite its calls,
// or the build fails; a cut that stops applying is dropped here, not worked around.
// tests/build/trim-glue.test.mjs checks it on glue of wasm-bindgen 0.2.130's shape.

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
  // The glue's own branch for a `realloc` not given, alone (its view of the memory written with
  // `set(bytes, at)`).
  ['function passStringToWasm0(arg, malloc, realloc) {', '\n}\n', (cut) => {
    const branch = cut.match(/\n {4}if \(realloc === undefined\) \{\n([^]*?)\n {4}\}\n/)?.[1].replace(/^ {4}/gm, '');
    if (!branch) throw new Error('build: the glue has no `if (realloc === undefined) {` branch; wasm-bindgen\'s glue changed shape');
    return `function passStringToWasm0(arg, malloc) {\n${branch.replace(/\.subarray\((\w+), \1 \+ (\w+)\.length\)\.set\(\2\)/, '.set($2, $1)')}\n}\n`;
  }],
  ['let cachedTextDecoder = ', 'return cachedTextDecoder.decode(bytes);\n}\n', (cut) => `function decodeText(bytes) {\n    return ${cut.match(/new TextDecoder\([^)]*\)/)[0]}.decode(bytes);\n}\n`],
  ['function isLikeNone(x) {', '\n}\n', ''],
  // A DataView and a Uint8Array made on each call, on the memory's current buffer (the
  // variables stay, for `__wbg_finalize_init`, which the bundle leaves out).
  ['let cachedDataViewMemory0 = null;', 'return cachedDataViewMemory0;\n}\n', (cut) => `let cachedDataViewMemory0 = null;\nfunction getDataViewMemory0() {\n    return new DataView(${cut.match(/new DataView\(([^)]*)\)/)[1]});\n}\n`],
  ['let cachedUint8ArrayMemory0 = null;', 'return cachedUint8ArrayMemory0;\n}\n', (cut) => `let cachedUint8ArrayMemory0 = null;\nfunction getUint8ArrayMemory0() {\n    return ${cut.match(/new Uint8Array\([^)]*\)/)[0]};\n}\n`],
];

// Then, everywhere: [pattern, replacement, what it finds], each to match at least once.
const REWRITES = [
  [/(passStringToWasm0\(\w+, wasm\.\w+), wasm\.\w+\)/g, '$1)', '`passStringToWasm0(arg, malloc, realloc)` call'],
  [/isLikeNone\((\w+)\)/g, '$1 == null', '`isLikeNone(x)` call'],
  [/\n *__proto__: null,/g, '', '`__proto__: null` in the imports'],
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
  for (const [pattern, to, what] of REWRITES) {
    if (glue.search(pattern) < 0) throw new Error(`build: the glue has no ${what}; wasm-bindgen's glue changed shape`);
    glue = glue.replace(pattern, to);
  }
  return glue;
}
