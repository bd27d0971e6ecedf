// The wasm decoder of unpack/ travels inside the script as a string of one character per byte
// (U+0000 to U+00FF; scripts/build/embed.mjs writes it). This turns it back into bytes, for the
// page and the build's round-trip test alike.

/**
 * The bytes of `text`, one per character. A plain loop: `Uint8Array.from(text, mapFn)` walks the
 * string's iterator, making a string of every character (measured at 17 ms of a start-up in
 * Chromium for the 86 KB of the widget's wasm when it travelled this way; this loop 3 ms).
 */
export function bytesOf(text) {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}
