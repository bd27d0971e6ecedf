// Post-bundle step: the wasm goes inside the bundled script, so a page makes one request and the
// module compiles synchronously (`new WebAssembly.Module`) as the script runs.
//
// Its function bodies are first taken apart into streams of one kind each
// (scripts/build/code-streams.mjs: about 2.7 KB less packed, 1.4 KB less in the script). It travels compressed by LZMA
// (`xz`, raw LZMA1 with lc=1, lp=0, pb=0: about 5 KB less than what the server's gzip leaves of
// the wasm), written as text of a 64-character alphabet (`ALPHABET`: the JS's most frequent) that
// gzip then leaves at the compressed size (6 bits a character). The page decodes it with the small wasm
// module of unpack/ (js/unpack.js), which travels as a string of one character per byte (U+0000 to
// U+00FF). The script imports them as the virtual module `oauth-prefab:wasm`: `packed` (the
// text), `plan` (the bytes it decodes to), `size` (the wasm's bytes), `build` (a hash of the
// text) and `unpacker`.
//
// esbuild would print a one-character-per-byte string with an escape for every control character
// (measured: +13% gzipped), so the bundle gets placeholders, and the strings go in afterwards, the
// unpacker's escaped only where a JS string literal must be (quote, backslash, line ends). When
// esbuild moves: it must keep each placeholder as one double-quoted literal;
// tests/build/embed.test.mjs checks the round trips. When xz moves: the build decodes every
// packed wasm again and compares (scripts/build.mjs).
import { execFileSync } from 'node:child_process';
import { splitCode } from './code-streams.mjs';

/** The placeholders the bundler sees for the two strings. */
export const PLACEHOLDERS = { packed: '__oauth_prefab_packed__', unpacker: '__oauth_prefab_unpacker__' };

/**
 * xz's options: the decoder in unpack/src/lib.rs assumes lc=1 (its `LC`), lp=0 and pb=0. With the
 * code streams, lc=1 packs 234 B smaller than lc=3 (lc 0 to 4 measured).
 */
export const XZ_ARGS = ['--format=raw', '--lzma1=preset=9e,lc=1,lp=0,pb=0', '--stdout'];

/**
 * An esbuild plugin resolving `oauth-prefab:wasm` to the placeholders, the `plan`'s size, the
 * wasm's `size` and `build`, which names the packed wasm (a window shares its compiled core only
 * with pages of the same build: js/oauth-login.js).
 */
export function embeddedWasmPlugin(plan, size, build) {
  return {
    name: 'embedded-wasm',
    // Not `build`, the parameter above, which the text below names.
    setup(b) {
      b.onResolve({ filter: /^oauth-prefab:wasm$/ }, () => ({ path: 'wasm', namespace: 'embedded-wasm' }));
      b.onLoad({ filter: /.*/, namespace: 'embedded-wasm' }, () => ({
        contents: `export const packed = '${PLACEHOLDERS.packed}', unpacker = '${PLACEHOLDERS.unpacker}', plan = ${plan}, size = ${size}, build = '${build}';`,
        loader: 'js',
      }));
    },
  };
}

/**
 * `wasm` taken apart into code streams (`splitCode`), compressed by xz and written as text
 * (`toText`): the text, and the size of the plan it decodes to.
 */
export function packWasm(wasm) {
  const plan = splitCode(wasm);
  return { packed: toText(execFileSync('xz', XZ_ARGS, { input: plan, maxBuffer: 1 << 26 })), plan: plan.length };
}

/**
 * The text's 64 characters, value 0 first (unpack/src/lib.rs's `ALPHABET`; the fixture
 * unpack/tests/every-byte.txt holds both sides to it): the 64 most frequent in the bundle's own
 * minified JS, without the quote, the backslash (the literal needs no escape) or `<` (no `</script`
 * if a page inlines the script). zlib codes each block of about 16,000 symbols with one Huffman
 * table, and the block where the text meets the JS holds both: in the JS's own characters the text
 * costs the JS's codes less (measured: 389 B less in the script than '#' to 'c', the contiguous range
 * of before, the decoder's table included; brotli, which splits blocks by content, 15 B less).
 */
export const ALPHABET = '!&(),-./01235678:;=>?ACEILMOPRSTUW[]_`abcdefghijklmnoprstuvwxy{}';

/**
 * `bytes` as text of 6 bits a character ([`ALPHABET`]), highest bits first, the last character's
 * spare bits 0.
 */
export function toText(bytes) {
  let text = '';
  let held = 0;
  let bits = 0;
  for (const byte of bytes) {
    held = ((held << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      text += ALPHABET[(held >> bits) & 63];
    }
  }
  return bits ? text + ALPHABET[(held << (6 - bits)) & 63] : text;
}

/** `bundle` with the placeholders replaced by `packed` and `unpacker`; throws unless each is there once. */
export function embedWasm(bundle, { packed, unpacker }) {
  for (const [name, literal] of [['packed', `"${packed}"`], ['unpacker', bytesAsString(unpacker)]]) {
    const quoted = `"${PLACEHOLDERS[name]}"`;
    if (bundle.split(quoted).length !== 2) throw new Error(`build: the bundle should hold ${quoted} once`);
    bundle = bundle.replace(quoted, () => literal);
  }
  return bundle;
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
