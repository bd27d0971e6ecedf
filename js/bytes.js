// The wasm travels inside the script as base64 of its raw DEFLATE stream (scripts/build/embed.mjs
// writes it, compressed by zopfli). A server's gzip cannot shrink bytes already compressed, so the
// script downloads at about the compressed module's size: zopfli's DEFLATE is 5% smaller than
// gzip -9 of the module, and base64 under gzip costs under 1%. This turns it back into the module's
// bytes with the browser's own inflater, for the page and the build's round-trip test alike.

/**
 * The bytes of `text`, one per character. A plain loop: `Uint8Array.from(text, mapFn)` walks the
 * string's iterator, making a string of every character (about 17 ms for the module in Chromium
 * here, with two garbage collections); this loop takes about 1 ms.
 */
export function bytesOf(text) {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** The bytes `base64` holds, inflated (raw DEFLATE, RFC 1951) by `DecompressionStream`. */
export function inflated(base64) {
  return new Response(new Blob([bytesOf(atob(base64))]).stream().pipeThrough(new DecompressionStream('deflate-raw'))).arrayBuffer();
}
