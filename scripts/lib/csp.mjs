// The Content Security Policy the demo page is served under (`npm start`, and the demo's e2e
// test): README's policy for a script-tag page, with the origins this page talks to. The page's
// own favicon is a data: URL, hence `data:` in img-src.
export function demoPolicy({ provider, exchange }) {
  return `default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' ${provider} ${exchange}; img-src 'self' data: ${provider} https:`;
}

/** The demo page's paths, which get the policy. */
export const DEMO_PAGES = ['/', '/index.html'];
