// The one piece of signature arithmetic the widget leaves to the browser: WebCrypto verifies an
// id_token's signature with the key and parameters the Rust core chose (a `verify` command, see
// src/core/machine/proof.rs). Its own module, so the in-browser tests (tests/browser.rs) verify
// published vectors through this very function.

/**
 * Whether `signature` (bytes) verifies over `data` (text) with `key` (a public JWK as JSON text),
 * imported with the WebCrypto parameters `importWith` and checked with `verifyWith` (JSON texts). A
 * browser without the algorithm refuses the import: that is a signature not verified.
 */
export function verifySignature(key, importWith, verifyWith, data, signature) {
  return Promise.resolve()
    .then(() => crypto.subtle.importKey('jwk', JSON.parse(key), JSON.parse(importWith), false, ['verify']))
    .then((publicKey) => crypto.subtle.verify(JSON.parse(verifyWith), publicKey, Uint8Array.from(signature), new TextEncoder().encode(data)))
    .then((ok) => ok === true, () => false);
}

/** `n` random bytes as an array of numbers; none where the browser has no getRandomValues. */
export function randomBytes(n) {
  return Array.from(crypto.getRandomValues?.(new Uint8Array(n)) ?? []);
}
