// The script a page loads: the element, its driver and wasm-bindgen's glue, bundled by the build
// into pkg/oauth-login.js with the WebAssembly inside it (one request). Importing it defines
// <oauth-login>; on a page that may be a callback, only once the core has handled its address.
import { build, packed, plan, size, unpacker } from 'oauth-prefab:wasm';
import { initSync } from '../pkg/oauth_prefab.js';
import { bytesOf } from './bytes.js';
import { handleCallback, reportLoaded } from './callback.js';
import { CHANNEL, CSP_WASM_ERROR, RESPONSE_KEY } from './contract.js';
import { Driver } from './driver.js';
import { define, login, OAuthError, setAvailable, start } from './element.js';
import { unpack } from './unpack.js';

export { define, login, OAuthError };

let allowed;
let later;
try {
  // The smallest module there is (its header, the decoder's first 8 bytes, which gzip finds
  // again in the decoder's text): compiling it tells whether the page's CSP allows WebAssembly,
  // which decides the element's class. The decoder is compiled when the core starts (2 to 5 ms
  // measured here, with its bytes' loop), and not at all in a popup that takes its opener's core.
  allowed = !!new WebAssembly.Module(bytesOf(unpacker.slice(0, 8)));
} catch (error) {
  console.error(CSP_WASM_ERROR, error);
}
// A page that may be a callback (an address with a query or a fragment, or a response carried
// back to it in sessionStorage) waits for the core, which must take a response out of the address
// before the page's other scripts run (an await before it would let them run first). Anywhere
// else the element is defined at once, its button drawn, and the core starts one task later, or
// sooner when something needs it (element.js's `start`).
try {
  later = allowed && !/[?#]/.test(document.URL) && sessionStorage.getItem(RESPONSE_KEY) == null;
} catch { /* outside a browser (no document), or storage refused: the core decides at once */ }

let page;
/**
 * Where a window keeps its compiled core, with its build: a popup's callback page takes its
 * opener's (same origin, same build) instead of decoding its own, which takes 15-20 ms. Its name
 * is the channel's, 'oauth-prefab'.
 */
const SHARED = Symbol.for(CHANNEL);
/** The core, decoded and compiled with no request of its own; asked about this page's address. */
const boot = () => {
  let core;
  try {
    // A cross-origin opener throws; another build's core is not this glue's.
    const [from, module] = globalThis.opener?.[SHARED] ?? [];
    if (from === build) core = module;
  } catch { /* decoded here, then */ }
  globalThis[SHARED] = [build, core ??= new WebAssembly.Module(unpack(packed, plan, size, new WebAssembly.Module(bytesOf(unpacker))))];
  initSync(core);
  // Outside a browser (a server render in Node) there is no page.
  page = globalThis.document && new Driver(null, null);
  return page && handleCallback(page);
};

setAvailable(allowed, later && (() => {
  boot();
  reportLoaded(page);
}));
if (later) setTimeout(start);
else if (allowed) await boot();
define();
// A redirect login's response that none of this page's elements took goes back to the page that
// started the login, if that was another page (a site's one callback page): the core decides.
// (Where the core starts later, `page` is not set yet: define() runs none of the page's code.)
if (page) reportLoaded(page);
// A page that became the widget's message (its response relayed and the window closing, or the
// person told to start again) never finishes this import: an app whose callback URL is its own
// page must not start on content the widget replaced, in a window about to close.
if (page?._tookOver) await new Promise(() => {});
