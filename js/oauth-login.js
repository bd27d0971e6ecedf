// The script a page loads: the element, its driver and wasm-bindgen's glue, bundled by the build
// into pkg/oauth-login.js with the WebAssembly inside it (one request). Importing it compiles the
// module, handles an OAuth response in this page's address, and defines <oauth-login>.
import { packed, size, unpacker } from 'oauth-prefab:wasm';
import { initSync } from '../pkg/oauth_prefab.js';
import { handleCallback, reportLoaded } from './callback.js';
import { CSP_WASM_ERROR } from './contract.js';
import { Driver } from './driver.js';
import { define, login, OAuthError, setAvailable } from './element.js';
import { unpack } from './unpack.js';

export { define, login, OAuthError };

let ready = false;
try {
  // The module, decoded and compiled at once, with no request of its own. At once matters: the
  // core must take a response out of the address before the page's other scripts run (an await
  // here lets them run first; so would any asynchronous inflating).
  initSync({ module: new WebAssembly.Module(unpack(packed, size, unpacker)) });
  ready = true;
} catch (error) {
  console.error(CSP_WASM_ERROR, error);
}
setAvailable(ready);
// A response in this address goes where the core says first; a relay to another page is waited
// for, so that a response no page took is waiting when this page's widgets connect. Outside a
// browser (a server render in Node) there is no page.
const page = ready && globalThis.document && new Driver(null, null);
if (page) await handleCallback(page);
define();
// A redirect login's response that none of this page's elements took goes back to the page that
// started the login, if that was another page (a site's one callback page): the core decides.
if (page) reportLoaded(page);
// A page that became the widget's message (its response relayed and the window closing, or the
// person told to start again) never finishes this import: an app whose callback URL is its own
// page must not start on content the widget replaced, in a window about to close.
if (page?._tookOver) await new Promise(() => {});
