// Post-bundle step: the wasm goes inside the bundled script, so a page makes one request. The
// script imports it as the virtual module `oauth-prefab:wasm`: a string of base64 holding the
// module's raw DEFLATE stream, compressed here by zopfli (`@gfx/zopfli`), and inflated in the page
// by `DecompressionStream('deflate-raw')` (js/bytes.js).
//
// Why this form (measured on the module of 2026-12-06, 94,862 B): gzip -9 of the bare module is
// 43,017 B and the one-character-per-byte string the script held before cost +3% over it (UTF-8
// writes bytes over 0x7F in two); zopfli's stream is 40,646 B and a server's gzip of its base64
// 40,854 B (+0.5%): base64's 64 letters code back to 6 bits each, and nothing else is left to find.
// Zopfli is deterministic: the same module gives the same script.
//
// When esbuild moves: it must keep the placeholder as one double-quoted literal;
// tests/build/embed.test.mjs checks the round trip.
import { deflateAsync } from '@gfx/zopfli';

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

/** `bytes` as raw DEFLATE (RFC 1951), by zopfli: about 5% smaller than zlib's level 9. */
export async function deflated(bytes) {
  return Buffer.from(await deflateAsync(bytes, { numiterations: 15 }));
}

/** `bundle` with the placeholder replaced by `wasm`, deflated, in base64; throws unless it is there once. */
export async function embedWasm(bundle, wasm) {
  const quoted = `"${PLACEHOLDER}"`;
  if (bundle.split(quoted).length !== 2) throw new Error(`build: the bundle should hold ${quoted} once`);
  const literal = `"${(await deflated(wasm)).toString('base64')}"`;
  return bundle.replace(quoted, () => literal);
}
