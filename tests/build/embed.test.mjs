// scripts/build/embed.mjs: every byte value survives the trip into a JS string literal and back,
// as the page decodes it (js/bytes.js); the placeholder must be there exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesAsString, embedWasm, PLACEHOLDER } from '../../scripts/build/embed.mjs';
import { bytesOf } from '../../js/bytes.js';

test('every byte value round-trips through the string literal, as the page decodes it', () => {
  const bytes = Uint8Array.from({ length: 512 }, (_, i) => (i * 7) % 256);
  const literal = bytesAsString(bytes);
  const decoded = bytesOf(new Function(`return ${literal};`)());
  assert.deepEqual(decoded, bytes);
  assert.ok(!/[\n\r]/.test(literal), 'no raw line end in the literal');
});

test('the placeholder is replaced once, and its absence or a second one fails the build', () => {
  const bundle = `var w="${PLACEHOLDER}";export{w};`;
  assert.equal(embedWasm(bundle, Uint8Array.of(0, 34, 92, 255)), `var w="\0\\"\\\\\u00ff";export{w};`);
  assert.throws(() => embedWasm('var w="x";', Uint8Array.of(1)), /should hold/);
  assert.throws(() => embedWasm(bundle + bundle, Uint8Array.of(1)), /should hold/);
});
