// scripts/build/embed.mjs: the packed wasm's text and the decoder's string survive the trip into
// JS string literals; the text is what unpack/ decodes (a fixture both sides check); each
// placeholder must be there exactly once. The packing itself (xz, then the decoder in wasm) is
// checked by every build, which decodes what it packed, and by unpack/tests/decode.rs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ALPHABET, bytesAsString, embeddedWasmPlugin, embedWasm, PLACEHOLDERS, toText } from '../../scripts/build/embed.mjs';
import { bytesOf } from '../../js/bytes.js';

const everyByte = Uint8Array.from({ length: 256 }, (_, i) => i);

test('the text of every byte value is the fixture the decoder reads, in its 64 characters', () => {
  const text = toText(everyByte);
  assert.equal(text, readFileSync(new URL('../../unpack/tests/every-byte.txt', import.meta.url), 'utf8').trimEnd());
  assert.equal(text.length, Math.ceil((256 * 8) / 6));
  assert.match(text, /^[^"\\<\s]+$/, 'no quote, backslash or line end (the literal needs no escape), no `<`');
  assert.equal(new Set(text).size, 64);
  assert.equal(new Set(ALPHABET).size, 64);
  assert.match(ALPHABET, /^[!-~]{64}$/, 'printable ASCII: one byte a character');
  // 6 bits a character, the last one's spare bits 0.
  assert.equal(toText(Uint8Array.of()), '');
  assert.equal(toText(Uint8Array.of(0)), ALPHABET[0].repeat(2));
  assert.equal(toText(Uint8Array.of(0xff)), ALPHABET[63] + ALPHABET[0b110000]);
  assert.equal(toText(Uint8Array.of(0xff, 0xff, 0xff)), ALPHABET[63].repeat(4));
});

test('every byte value round-trips through the decoder module\'s string literal, as the page decodes it', () => {
  const bytes = Uint8Array.from({ length: 512 }, (_, i) => (i * 7) % 256);
  const literal = bytesAsString(bytes);
  const decoded = bytesOf(new Function(`return ${literal};`)());
  assert.deepEqual(decoded, bytes);
  assert.ok(!/[\n\r]/.test(literal), 'no raw line end in the literal');
});

test('each placeholder is replaced once, and its absence or a second one fails the build', () => {
  const bundle = `var p="${PLACEHOLDERS.packed}",u="${PLACEHOLDERS.unpacker}";export{p,u};`;
  const strings = { packed: '#$c', unpacker: Uint8Array.of(0, 34, 92, 255) };
  assert.equal(embedWasm(bundle, strings), `var p="#$c",u="\0\\"\\\\\u00ff";export{p,u};`);
  assert.throws(() => embedWasm('var w="x";', strings), /should hold/);
  assert.throws(() => embedWasm(bundle + bundle, strings), /should hold/);
});

test('the virtual module names the build it was given (a popup takes only the same build\'s core)', () => {
  let load;
  embeddedWasmPlugin(100, 200, 'abcDEF012_-x').setup({ onResolve() {}, onLoad(_, f) { load = f; } });
  assert.match(load().contents, /plan = 100, size = 200, build = 'abcDEF012_-x';$/);
});
