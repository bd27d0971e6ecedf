// The widget's wasm travels inside the script compressed (scripts/build/embed.mjs writes it). This
// turns it back into bytes with the small decoder module of unpack/, synchronously: the core must
// take a response out of the address before the page's other scripts run. The page and the build
// (which checks every build's round trip) both call it.

/**
 * The widget's wasm: the text `packed`, decoded by `decoder` (unpack/'s compiled module) into the
 * `plan` bytes of its code streams, then into the wasm's `size` bytes.
 */
export function unpack(packed, plan, size, decoder) {
  // Its exports as the build names them (scripts/build/unpacker.mjs's EXPORTS).
  const { a: memory, b: room, c: decode } = new WebAssembly.Instance(decoder).exports;
  const at = room(packed.length, plan, size);
  // The text is ASCII: one byte a character, written where the decoder reads it.
  if (at) new TextEncoder().encodeInto(packed, new Uint8Array(memory.buffer, at, packed.length));
  const wasm = at && decode(packed.length, plan, size);
  if (!wasm) throw new Error('the embedded WebAssembly is damaged, or memory ran out');
  return new Uint8Array(memory.buffer, wasm, size);
}
