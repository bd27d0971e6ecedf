// Post-bundle step: the wasm goes inside the bundled script, so a page makes one request and the
// module compiles synchronously (`new WebAssembly.Module`) as the script runs. The script imports
// it as the virtual module `oauth-prefab:wasm`: a string of one character per byte (U+0000 to
// U+00FF), which gzip compresses almost as well as the bytes (measured: +3%, where base64 costs
// +28%).
//
// esbuild would print that string with an escape for every control character (measured: +13%
// gzipped), so the bundle gets a placeholder, and the string goes in afterwards, escaped only where
// a JS string literal must be (quote, backslash, line ends). When esbuild moves: it must keep the
// placeholder as one double-quoted literal; tests/build/embed.test.mjs checks the round trip.

/** The placeholder the bundler sees as the wasm. */
export const PLACEHOLDER = '__oauth_prefab_wasm__';

/** An esbuild plugin resolving `oauth-prefab:wasm` to the placeholder. */
export const embeddedWasmPlugin = {
  name: 'embedded-wasm',
  setup(build) {
    build.onResolve({ filter: /^oauth-prefab:wasm$/ }, () => ({ path: 'wasm', namespace: 'embedded-wasm' }));
    build.onLoad({ filter: /.*/, namespace: 'embedded-wasm' }, () => ({ contents: `export default '${PLACEHOLDER}';`, loader: 'js' }));
  },
};

/** `bundle` with the placeholder replaced by `wasm` as a string; throws unless it is there once. */
export function embedWasm(bundle, wasm) {
  const quoted = `"${PLACEHOLDER}"`;
  if (bundle.split(quoted).length !== 2) throw new Error(`build: the bundle should hold ${quoted} once`);
  return bundle.replace(quoted, () => bytesAsString(wasm));
}

/** `bytes` as a JS string literal of one character per byte, escaped where JS needs it. */
export function bytesAsString(bytes) {
  let text = '"';
  for (const b of bytes) {
    if (b === 0x22 || b === 0x5c) text += `\\${String.fromCharCode(b)}`;
    else if (b === 0x0a) text += '\\n';
    else if (b === 0x0d) text += '\\r';
    else text += String.fromCharCode(b);
  }
  return `${text}"`;
}
