// Post-link step, before xz (scripts/build/embed.mjs): the wasm's function bodies taken apart into
// streams of one kind each (opcodes, local indices, constants, memory offsets, call targets...),
// which LZMA models better than the instructions interleaved: measured on the widget's wasm, the
// packed wasm is about 2.7 KB smaller (1.4 KB less in the script, once the decoder's growth is paid). unpack/src/lib.rs (`rebuild`) puts the bodies back, and
// every build decodes what it packed and compares (scripts/build.mjs).
//
// The layout the decoder reads (`plan`):
//   a header of u32s little-endian: where the function bodies go in the skeleton (the skeleton's
//   bytes before them), how many there are, and the length of each stream below;
//   the skeleton: the wasm without its function bodies (every section as it was; the code section
//   keeps its header and count), each body's size left out;
//   the streams, in the order of STREAMS.
// Every byte of the wasm is in exactly one place but the function bodies' sizes (the decoder
// counts them again): the plan is the wasm's size, plus the header, less those sizes.
//
// When wasm-bindgen, binaryen or Rust's wasm target starts to emit an instruction this does not
// know (SIMD, exceptions, tail calls, GC...), the build fails here naming its opcode: teach
// `immediates` and unpack/src/lib.rs's `rebuild` the same shape, in the same streams.

/**
 * The streams, in their order in the plan; unpack/src/lib.rs numbers them alike. This order packs
 * smallest of those tried (by up to 200 B): the kinds alike side by side, the opcodes last.
 */
export const STREAMS = ['locals', 'other', 'branch', 'call', 'const64', 'const32', 'load', 'store', 'set', 'tee', 'get', 'op'];
const at = Object.fromEntries(STREAMS.map((name, index) => [name, index]));

/**
 * The plan of `wasm` (a Uint8Array or Buffer): see the header. `seen`, if given, collects the
 * instructions met (opcodes; 0xfc's as 0xfc00 + the sub-opcode), for the fixture test.
 */
export function splitCode(wasm, seen = new Set()) {
  const streams = STREAMS.map(() => []);
  const skeleton = [];
  let bodiesAt = null;
  let functions = 0;
  let p = 8;
  const fail = (why) => { throw new Error(`build: code-streams: ${why} at byte ${p}`); };
  const need = (n) => { if (p + n > wasm.length) fail('the wasm ends early'); };
  /** Reads an unsigned LEB128 (at most 5 bytes); returns its value and bytes. */
  const leb = () => {
    const start = p;
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      need(1);
      const byte = wasm[p++];
      if (shift === 28 && byte > 0x0f) fail('a LEB128 over 32 bits');
      value += (byte & 0x7f) * 2 ** shift;
      if (!(byte & 0x80)) return { value, bytes: wasm.subarray(start, p) };
    }
  };
  /** A signed LEB128 of up to 10 bytes (i64.const), copied as it is. */
  const sleb = () => {
    const start = p;
    for (let i = 0; ; i++) {
      need(1);
      if (i === 10) fail('a LEB128 over 64 bits');
      if (!(wasm[p++] & 0x80)) return wasm.subarray(start, p);
    }
  };
  const put = (name, bytes) => { for (const b of bytes) streams[at[name]].push(b); };
  const lebTo = (name) => { const { value, bytes } = leb(); put(name, bytes); return value; };
  const bytesTo = (name, n) => { need(n); put(name, wasm.subarray(p, p + n)); p += n; };

  if (wasm.length < 8 || wasm[0] !== 0 || wasm[1] !== 0x61 || wasm[2] !== 0x73 || wasm[3] !== 0x6d) fail('not a wasm module');
  for (let i = 0; i < 8; i++) skeleton.push(wasm[i]);
  while (p < wasm.length) {
    const start = p;
    const id = wasm[p++];
    const { value: length } = leb();
    const end = p + length;
    if (end > wasm.length) fail('a section runs past the end');
    if (id !== 10) {
      for (let i = start; i < end; i++) skeleton.push(wasm[i]);
      p = end;
      continue;
    }
    if (bodiesAt != null) fail('a second code section');
    const { value: count } = leb();
    for (let i = start; i < p; i++) skeleton.push(wasm[i]);
    bodiesAt = skeleton.length;
    functions = count;
    for (let f = 0; f < count; f++) {
      // The body's size is left out: the decoder finds the body's end (its outermost `end`) and
      // writes the size as the shortest LEB128, which it must then be here.
      const { value: size, bytes: sizeBytes } = leb();
      if (sizeBytes.length > 1 && sizeBytes.at(-1) === 0) fail('a body size of more bytes than it needs');
      const bodyEnd = size + p;
      const groups = lebTo('locals');
      for (let g = 0; g < groups; g++) {
        lebTo('locals');
        bytesTo('locals', 1);
      }
      let depth = 0;
      while (depth >= 0) {
        if (p >= bodyEnd) fail('a function body without its final `end`');
        const op = wasm[p++];
        if (op >= 0x02 && op <= 0x04) depth++;
        else if (op === 0x0b) depth--;
        immediates(op);
      }
      if (p !== bodyEnd) fail('a function body goes on after its final `end`');
    }
    if (p !== end) fail('the code section holds more than its functions');
  }
  const header = [bodiesAt ?? skeleton.length, functions, ...streams.map((s) => s.length)];
  const numbers = header.flatMap((n) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24]);
  return Uint8Array.from([...numbers, ...skeleton, ...streams.flat()]);

  /** Moves the immediates of the instruction `op` (its opcode read) to their streams. */
  function immediates(op) {
    put('op', [op]);
    if (op !== 0xfc) seen.add(op);
    // Block types (0x40, a value type, or a type index) and a memory access's alignment follow
    // from their opcode closely enough to stay in the opcode stream.
    if (op >= 0x02 && op <= 0x04) lebTo('op');
    else if (op === 0x0c || op === 0x0d) lebTo('branch');
    else if (op === 0x0e) {
      const targets = lebTo('branch');
      for (let i = 0; i <= targets; i++) lebTo('branch');
    } else if (op === 0x10 || op === 0xd2) lebTo('call');
    else if (op === 0x11) { lebTo('call'); lebTo('call'); }
    else if (op === 0x1c) bytesTo('other', lebTo('other'));
    else if (op === 0x20) lebTo('get');
    else if (op === 0x21) lebTo('set');
    else if (op === 0x22) lebTo('tee');
    else if (op >= 0x23 && op <= 0x26) lebTo('other');
    else if (op >= 0x28 && op <= 0x3e) {
      if (lebTo('op') >= 0x40) fail('a memory index (multi-memory)');
      lebTo(op <= 0x35 ? 'load' : 'store');
    } else if (op === 0x3f || op === 0x40 || op === 0xd0) bytesTo('other', 1);
    else if (op === 0x41) put('const32', sleb());
    else if (op === 0x42) put('const64', sleb());
    else if (op === 0x43) bytesTo('const32', 4);
    else if (op === 0x44) bytesTo('const64', 8);
    else if (op === 0xfc) {
      const sub = lebTo('op');
      seen.add(0xfc00 + sub);
      if (sub <= 7) return;
      if (sub === 8) { lebTo('other'); bytesTo('other', 1); }
      else if (sub === 9 || sub === 13 || (sub >= 15 && sub <= 17)) lebTo('other');
      else if (sub === 10) bytesTo('other', 2);
      else if (sub === 11) bytesTo('other', 1);
      else if (sub === 12 || sub === 14) { lebTo('other'); lebTo('other'); }
      else fail(`unknown instruction 0xfc ${sub}`);
    } else if (!(op <= 0x01 || op === 0x05 || op === 0x0b || op === 0x0f || op === 0x1a || op === 0x1b || (op >= 0x45 && op <= 0xc4) || op === 0xd1)) {
      fail(`unknown opcode 0x${op.toString(16)}`);
    }
  }
}
