// scripts/build/code-streams.mjs: the function bodies taken apart into streams, on a checked-in
// fixture with every shape of immediate (fixtures/code-shapes.wat); unpack/tests/decode.rs puts
// the same plan back together. Every build also packs, decodes and compares the widget's wasm.
// To write the plan again after a deliberate change of the layout:
//   node -e "import('./scripts/build/code-streams.mjs').then(({ splitCode }) => require('fs').writeFileSync('tests/build/fixtures/code-shapes.plan', splitCode(require('fs').readFileSync('tests/build/fixtures/code-shapes.wasm'))))"
// (and check that unpack/tests/decode.rs still passes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { splitCode, STREAMS } from '../../scripts/build/code-streams.mjs';

const fixture = (name) => readFileSync(new URL(`fixtures/${name}`, import.meta.url));
const wasm = fixture('code-shapes.wasm');

test('the fixture is a valid module with an instruction of every shape the streams know', () => {
  assert.ok(WebAssembly.validate(wasm));
  const seen = new Set();
  splitCode(wasm, seen);
  const shapes = {
    'block, loop, if (block types)': [0x02, 0x03, 0x04],
    'br, br_if, br_table': [0x0c, 0x0d, 0x0e],
    'call, call_indirect, ref.func': [0x10, 0x11, 0xd2],
    'typed select': [0x1c],
    'local.get, local.set, local.tee': [0x20, 0x21, 0x22],
    'global and table get/set': [0x23, 0x24, 0x25, 0x26],
    'loads and stores': [0x28, 0x32, 0x36, 0x38, 0x39, 0x3c],
    'memory.size, memory.grow, ref.null': [0x3f, 0x40, 0xd0],
    'the four constants': [0x41, 0x42, 0x43, 0x44],
    'saturating truncation, bulk memory, tables (0xfc)': [0xfc00, 0xfc07, ...Array.from({ length: 10 }, (_, i) => 0xfc08 + i)],
  };
  for (const [what, ops] of Object.entries(shapes)) {
    for (const op of ops) assert.ok(seen.has(op), `${what}: 0x${op.toString(16)} is in the fixture`);
  }
});

test('the plan is the checked-in one: the header, the skeleton, then the streams', () => {
  const plan = splitCode(wasm);
  assert.deepEqual(Buffer.from(plan), fixture('code-shapes.plan'));
  const header = (2 + STREAMS.length) * 4;
  // Every byte of the wasm in one place, but the bodies' sizes (1, 1 and 2 bytes); plus the header.
  assert.equal(plan.length, header + wasm.length - 4);
  const view = new DataView(plan.buffer, plan.byteOffset);
  const numbers = Array.from({ length: 2 + STREAMS.length }, (_, i) => view.getUint32(i * 4, true));
  const [bodiesAt, functions, ...lengths] = numbers;
  assert.equal(functions, 3);
  const skeleton = plan.length - header - lengths.reduce((a, b) => a + b);
  // The skeleton is the wasm up to the code section's count, then what follows the code section.
  assert.deepEqual(Buffer.from(plan.subarray(header, header + bodiesAt)), wasm.subarray(0, bodiesAt));
  assert.ok(bodiesAt < skeleton);
  // The opcodes' stream is last and starts with the first function's first opcode (local.get).
  assert.equal(STREAMS.at(-1), 'op');
  assert.equal(plan[plan.length - lengths.at(-1)], 0x20);
});

test('a module it cannot take apart fails the build, saying where', () => {
  assert.throws(() => splitCode(Uint8Array.of(1, 2, 3)), /not a wasm module/);
  assert.throws(() => splitCode(wasm.subarray(0, wasm.length - 3)), /code-streams: .* at byte \d+/);
  // An opcode it does not know (0xfd: SIMD) in place of the first function's local.get.
  const body = Buffer.from(wasm);
  const at = body.indexOf(Buffer.from([0x00, 0x20, 0x00, 0x0b]));
  assert.ok(at > 0, 'the first function is `local.get 0`');
  body[at + 1] = 0xfd;
  assert.throws(() => splitCode(body), /unknown opcode 0xfd/);
});
