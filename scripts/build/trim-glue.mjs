// Post-link step: wasm-bindgen's glue, cut to what js/oauth-login.js reaches, and its string
// passing made smaller (docs/size.md has each cut's bytes).
//
// - `initSync`: the script hands it a compiled module, once, as its one argument (not wrapped in
//   `{ module }`), so its checks for a second call and its argument forms go, and it sets `wasm`
//   itself (the bookkeeping of `__wbg_finalize_init` goes; a start export, where the glue has one,
//   is still called).
// - Strings into the wasm (a few short JSON texts per input) cross as the glue's own branch
//   without `realloc` does: encoded whole, then copied. The ASCII loop, the UTF-8 tail written in
//   place and the `encodeInto` fallback go, and the calls stop handing `realloc` over, so the
//   wasm's export of it goes too (scripts/build.mjs trims before scripts/build/minify-names.mjs
//   drops unread exports); nor `malloc`, the same at every call: the function calls it itself.
// - Strings out of the wasm: decoded from a view made for them by a `TextDecoder` made there (the
//   shared one and its count of bytes for Safari's 2 GiB limit go); the export `on` reads and
//   frees its answer without `try`/`finally` (reading cannot throw: the decoder is not `fatal`;
//   where the call throws, nothing was allocated).
// - Views of the memory are made where they are used, so the cached ones and their checks for a
//   memory that grew go; a storage read's two numbers are written through one DataView of their
//   8 bytes, little-endian as wasm's memory is. The build fails if a cut view helper is still read.
// - `isLikeNone(x)` is `x == null`; the imports object and its module lose `__proto__: null`
//   (the instance asks them only for their own, minified names); a controller's number is not made
//   unsigned (it only goes back to the wasm), nor a storage write's `remove` a boolean (read as
//   one).
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
  // initSync as js/oauth-login.js calls it: `initSync(module)`, a WebAssembly.Module, once; what it
  // returns is not used. The start export `__wbg_finalize_init` calls, where the glue has one (a
  // wasm built with reference types, on stable: it fills the externref table), is still called.
  ['function initSync(module) {', '\n}\n', (cut, glue) => `function initSync(module) {\n    wasm = new WebAssembly.Instance(module, __wbg_get_imports()).exports;\n${startCall(glue)}}\n`],
  ["if (!('encodeInto' in cachedTextEncoder)) {", '\n}\n', ''],
  // The glue's own branch for a `realloc` not given, alone (a view of the memory made there and
  // written with `set(bytes, at)`).
  ['function passStringToWasm0(arg, malloc, realloc) {', '\n}\n', (cut, glue) => {
    const branch = cut.match(/\n {4}if \(realloc === undefined\) \{\n([^]*?)\n {4}\}\n/)?.[1].replace(/^ {4}/gm, '');
    if (!branch) throw new Error('build: the glue has no `if (realloc === undefined) {` branch; wasm-bindgen\'s glue changed shape');
    return `function passStringToWasm0(arg) {\n${branch.replace(/getUint8ArrayMemory0\(\)\.subarray\((\w+), \1 \+ (\w+)\.length\)\.set\(\2\)/, `new Uint8Array(${memoryBuffer(glue)}).set($2, $1)`).replace(/\bmalloc\(/, `${mallocOf(glue)}(`)}\n}\n`;
  }],
  // A string the wasm hands over, decoded straight from its bytes in the memory (the decoder cut
  // below, with its cache).
  ['function getStringFromWasm0(ptr, len) {', '\n}\n', (cut, glue) => `function getStringFromWasm0(ptr, len) {\n    return ${glue.match(/new TextDecoder\([^)]*\)/)[0]}.decode(new Uint8Array(${memoryBuffer(glue)}, ptr >>> 0, len));\n}\n`],
  ['let cachedTextDecoder = ', 'return cachedTextDecoder.decode(bytes);\n}\n', ''],
  // The export `on` answers a string the wasm allocated: read, then freed. Without the glue's
  // try/finally: reading cannot throw (a decoder without `fatal`), and where the call itself
  // throws nothing was allocated (the glue's `finally` then freed 0 bytes). The numbers go as
  // they are: the wasm's parameter conversion is the `+x` the glue wrote.
  ['export function on(', '\n}\n', (cut) => {
    const shape = cut.match(/^export function on\((\w+), (\w+), (\w+)\) \{\n {4}let (\w+);\n {4}let (\w+);\n {4}try \{\n {8}const (\w+) = \+\1;\n {8}const (\w+) = \+\3;\n {8}const (\w+) = passStringToWasm0\(\2, (wasm\.\w+), wasm\.\w+\);\n {8}const (\w+) = WASM_VECTOR_LEN;\n {8}const ret = (wasm\.\w+)\(\6, \8, \10, \7\);\n {8}\4 = ret\[0\];\n {8}\5 = ret\[1\];\n {8}return getStringFromWasm0\(ret\[0\], ret\[1\]\);\n {4}\} finally \{\n {8}(wasm\.\w+)\(\4, \5, 1\);\n {4}\}\n\}\n$/);
    if (!shape) throw new Error('build: the glue\'s `export function on(` has another shape; wasm-bindgen\'s glue changed shape');
    const [, id, input, now, , , , , , , , on, free] = shape;
    return `export function on(${id}, ${input}, ${now}) {\n    const [ptr, len] = ${on}(${id}, passStringToWasm0(${input}), WASM_VECTOR_LEN, ${now});\n    const text = getStringFromWasm0(ptr, len);\n    ${free}(ptr, len, 1);\n    return text;\n}\n`;
  }],
  ['function isLikeNone(x) {', '\n}\n', ''],
  // The cached DataView and Uint8Array of the memory go: each use makes its own view of the
  // memory's current buffer (the variables stay, for `__wbg_finalize_init`, which the bundle
  // leaves out).
  ['let cachedDataViewMemory0 = null;', 'return cachedDataViewMemory0;\n}\n', 'let cachedDataViewMemory0 = null;\n'],
  ['let cachedUint8ArrayMemory0 = null;', 'return cachedUint8ArrayMemory0;\n}\n', 'let cachedUint8ArrayMemory0 = null;\n'],
];

// Then, everywhere: [pattern, replacement (or a function of the glue giving it), what it finds,
// absent], each to match at least once; one marked absent must match nowhere, and replaces nothing.
const REWRITES = [
  [/(passStringToWasm0\(\w+), wasm\.\w+, wasm\.\w+\)/g, '$1)', '`passStringToWasm0(arg, malloc, realloc)` call'],
  [/isLikeNone\((\w+)\)/g, '$1 == null', '`isLikeNone(x)` call'],
  // A controller's number goes back to the wasm as it came (to `on` and `drop_widget`, whose `i32`
  // parameters read the same bits), and JS does nothing else with it: not made unsigned.
  [/(export function widget\(\) \{\n +const ret = wasm\.\w+\(\);\n +return ret) >>> 0;/, '$1;', '`widget()` that answers `ret >>> 0`'],
  // `storageSet` reads `remove` as true or false (`if (remove)`): the 0 or 1 goes as it is.
  [/(= storageSet\(.*, )(\w+) !== 0\);/, '$1$2);', '`storageSet(` call with `!== 0`'],
  [/\n *__proto__: null,/g, '', '`__proto__: null` in the imports'],
  // The two numbers a storage read answers (its string's address and length), written through one
  // DataView of their 8 bytes, made there, little-endian as the glue wrote them (wasm's memory is).
  [/getDataViewMemory0\(\)\.setInt32\(\((\w+) >>> 0\) \+ 4 \* 1, (\w+), true\);\n +getDataViewMemory0\(\)\.setInt32\(\(\1 >>> 0\) \+ 4 \* 0, (\w+), true\);/g,
    (glue) => (_, at, len, ptr) => `{ const view = new DataView(${memoryBuffer(glue)}, ${at} >>> 0, 8); view.setInt32(0, ${ptr}, true); view.setInt32(4, ${len}, true); }`, 'pair of `getDataViewMemory0().setInt32(` writes'],
  [/getDataViewMemory0|getUint8ArrayMemory0/, '', 'a view of the memory still read through its cut helper', true],
];

/** The memory's buffer as `glue` reads it (`wasm.memory.buffer`, whatever the export's name). */
function memoryBuffer(glue) {
  const found = glue.match(/new Uint8Array\((wasm\.\w+\.buffer)\)/);
  if (!found) throw new Error('build: the glue has no `new Uint8Array(wasm.memory.buffer)`; wasm-bindgen\'s glue changed shape');
  return found[1];
}

/** The `malloc` every call of `passStringToWasm0` in `glue` hands it (`wasm.__wbindgen_malloc`, whatever its name). */
function mallocOf(glue) {
  const found = new Set(Array.from(glue.matchAll(/passStringToWasm0\(\w+, (wasm\.\w+), wasm\.\w+\)/g), (call) => call[1]));
  if (found.size !== 1) throw new Error('build: the glue\'s `passStringToWasm0` calls should hand it one `malloc`; wasm-bindgen\'s glue changed shape');
  return [...found][0];
}

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
  for (const [pattern, to, what, absent] of REWRITES) {
    if ((glue.search(pattern) < 0) !== !!absent) throw new Error(`build: the glue has ${absent ? '' : 'no '}${what}; wasm-bindgen's glue changed shape`);
    if (!absent) glue = glue.replace(pattern, typeof to === 'function' ? to(glue) : to);
  }
  return glue;
}
