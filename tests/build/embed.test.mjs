// scripts/build/embed.mjs: the module survives the trip into the script's base64 literal and back,
// as the page decodes it (js/bytes.js: base64, then DecompressionStream); the placeholder must be
// there exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateRawSync } from 'node:zlib';
import { deflated, embedWasm, PLACEHOLDER } from '../../scripts/build/embed.mjs';
import { bytesOf, inflated } from '../../js/bytes.js';

// Every byte value, and runs that compress, as a module has both.
const bytes = Uint8Array.from({ length: 4096 }, (_, i) => (i < 2048 ? (i * 7) % 256 : i % 13));

test('the deflated bytes inflate back, by zlib and as the page does it', async () => {
  const stream = await deflated(bytes);
  assert.deepEqual(new Uint8Array(inflateRawSync(stream)), bytes);
  assert.deepEqual(new Uint8Array(await inflated(stream.toString('base64'))), bytes);
  assert.ok(stream.length < bytes.length / 2, 'it compresses');
});

test('the placeholder is replaced once by a base64 literal, and its absence or a second one fails the build', async () => {
  const bundle = `var w="${PLACEHOLDER}";export{w};`;
  const script = await embedWasm(bundle, bytes);
  const literal = new Function(`${script.replace('export{w};', '')}return w;`)();
  assert.match(literal, /^[A-Za-z0-9+/]+=*$/);
  assert.deepEqual(new Uint8Array(await inflated(literal)), bytes);
  await assert.rejects(embedWasm('var w="x";', bytes), /should hold/);
  await assert.rejects(embedWasm(bundle + bundle, bytes), /should hold/);
});

test('bytesOf keeps every character code of a binary string', () => {
  const text = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));
  assert.deepEqual([...bytesOf(text)], Array.from({ length: 256 }, (_, i) => i));
});
