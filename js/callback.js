// The callback page: a page that loads with an OAuth response in its address hands it to the
// Rust core (core::machine::callback), which decides where it goes; the handlers here only do
// what it says: clean the address, relay the response, speak, close, or take the person back to
// the page that started the login.
import { CHANNEL, CMD_CLEAN, CMD_LEAVE, CMD_RELAY, CMD_SAY, CMD_SHUT, IN_LOADED, IN_PAGE_LOAD, IN_RELAYED } from './contract.js';
import { randomBytes } from './webcrypto.js';

/** Command handlers for a callback page, keyed by number as js/driver.js's, called with the
 * driver as `this` and the command's fields as arguments. */
export const pageCommands = {
  [CMD_CLEAN](url) {
    // On this origin, whatever the page's <base href> says (a relative address resolves
    // against it, and another origin's throws), and even for a path that starts with `//`.
    history.replaceState(history.state, '', location.origin + url);
  },

  /** Posts the response to the opener (our own origin only) or on the channel; waits for the ack. */
  [CMD_RELAY](id, search, hash, opener, waitMs) {
    const channel = new BroadcastChannel(CHANNEL);
    this._relaying = new Promise((resolve) => {
      channel.onmessage = (e) => { if (e.data?.oauthPrefabAck === id) resolve(true); };
      setTimeout(resolve, waitMs, false);
      const message = { oauthPrefabResponse: { search, hash, id } };
      if (opener && window.opener) window.opener.postMessage(message, location.origin);
      else channel.postMessage(message);
    }).then((taken) => {
      channel.close();
      this._tell(IN_RELAYED, taken, opener);
    });
  },

  /** The page becomes the widget's message: see js/oauth-login.js. */
  [CMD_SAY](text) {
    this._tookOver = true;
    const p = document.createElement('p');
    p.textContent = text;
    (document.body ?? document.documentElement).replaceChildren(p);
  },

  [CMD_SHUT]() {
    close();
  },

  [CMD_LEAVE](url) {
    location.replace(url);
  },
};

/**
 * Asks the core about this page's address; resolves once any relay has ended. `driver._tookOver`
 * then says whether the page became the widget's message (see js/oauth-login.js).
 */
export function handleCallback(driver) {
  driver._tell(IN_PAGE_LOAD, location.pathname, location.search, location.hash, !!opener, randomBytes(8));
  return driver._relaying;
}

/** Reports `loaded` once the page has loaded, one task later: its elements have connected. */
export function reportLoaded(driver) {
  const loaded = () => setTimeout(() => driver._tell(IN_LOADED));
  if (document.readyState === 'complete') loaded();
  else addEventListener('load', loaded);
}
