// The browser side of <oauth-login>: the custom element class, and a driver that carries out the
// commands the Rust core answers with (render, event, open, go, close, ack, digest, fetch, timer,
// warn; see src/core/widget.rs). It decides nothing: every rule lives in Rust. The build bundles this
// file with wasm-bindgen's glue into pkg/oauth-login.js, the one script a page loads.
import { initSync, Widget } from '../pkg/oauth_prefab.js';

const PENDING_PREFIX = 'oauth-prefab:pending:';

/** A failed login: `.code` is a contract error code, `.description` a sentence for people. */
export class OAuthError extends Error {
  constructor(detail) {
    super(`${detail.error}: ${detail.description}`);
    this.name = 'OAuthError';
    this.code = detail.error;
    this.description = detail.description;
    this.reason = detail.reason ?? null;
    this.uri = detail.uri ?? null;
  }
}

// Popups and the tabs that opened them talk on this channel when the opener is out of reach: a
// provider's Cross-Origin-Opener-Policy cuts the popup off from it. Only this origin's pages hear it.
const CHANNEL = 'oauth-prefab';
// How long a callback page waits to hear that its response was taken. The opener answers within
// milliseconds; silence means no page is waiting for this login any more.
const ACK_WAIT_MS = 2000;
const START_AGAIN = 'This login can no longer finish here: the page that started it was reloaded, closed or left. Close this window and start the login again.';
const TAKEN = 'The login went back to the page that started it. You can close this window.';

/**
 * Hands this page's response to the page that started the login: to the opener (addressed to
 * our own origin only) or, cut off from it, on the channel. Resolves with whether a page took it.
 */
function relay(response) {
  const id = Math.random().toString(36).slice(2);
  const channel = new BroadcastChannel(CHANNEL);
  const taken = new Promise((resolve) => {
    channel.onmessage = (e) => { if (e.data?.oauthPrefabAck === id) resolve(true); };
    setTimeout(resolve, ACK_WAIT_MS, false);
  });
  const message = { oauthPrefabResponse: { ...response, id } };
  if (window.opener) window.opener.postMessage(message, location.origin);
  else channel.postMessage(message);
  return taken.finally(() => channel.close());
}

/** Puts `text` in place of this page: a popup's last word to the person looking at it. */
function say(text) {
  const p = document.createElement('p');
  p.textContent = text;
  document.body.replaceChildren(p);
}

// A popup landing on its callback page hands the raw address to its opener without loading the
// wasm at all (the opener's Rust parses and checks everything), and closes once it is taken. The
// fast path is taken only when the address looks like a response and no redirect login of this
// tab could own it; otherwise the core decides (core::callback). A page with no opener tries the
// channel first: it may be a popup that the provider's COOP cut off.
const response = { search: location.search, hash: location.hash };
const looksLikeResponse = /(^|&)(access_token|code|error|state)=/.test(location.hash.slice(1))
  || /(^|&)(code|error)=/.test(location.search.slice(1));
let redirectPendingHere = false;
try { redirectPendingHere = Object.keys(sessionStorage).some((k) => k.startsWith(PENDING_PREFIX)); } catch { /* no storage */ }
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let taken = looksLikeResponse && !redirectPendingHere && await relay(response);
if (taken) {
  window.close();
  // Never instantiate the module in a closing window; one the browser keeps open (a tab that
  // no script opened) goes on below, to strip its address and say it is done.
  await sleep(500);
}

// The events Widget.on is told of, numbered as src/web/mod.rs (`input`) numbers them, and two
// questions any controller answers: the page's load and the element's contract.
const UPDATE = 0, CONNECT = 1, LOGIN = 2, CHALLENGE = 3, BLOCKED = 4, MESSAGE = 5, CLOSED = 6,
  TICK = 7, ANSWER = 8, UNREACHABLE = 9, LOGOUT = 10, AUTHORIZATION = 11, PROPERTIES = 12,
  PAGE_LOAD = 13, CONTRACT = 14;
const NO_BYTES = new Uint8Array(0);

/** Tells controller `w` of browser event `event` (unused arguments 0 or empty); returns its JSON. */
const call = (w, event, n = 0, m = 0, a = '', b = '', c = '', d = '', bytes = NO_BYTES) =>
  w.on(event, n, m, a, b, c, d, bytes, Date.now());

// The wasm is compiled as it downloads; a server that labels it other than application/wasm
// (which streaming compilation requires) still works, compiled once it has arrived.
const wasm = await fetch(new URL('oauth_prefab_bg.wasm', import.meta.url));
if (!wasm.ok) throw new Error(`oauth-prefab: ${wasm.url} answered ${wasm.status}`);
initSync({
  module: await (wasm.headers.get('Content-Type')?.startsWith('application/wasm')
    ? WebAssembly.compileStreaming(wasm) : wasm.arrayBuffer().then(WebAssembly.compile)),
});
const pageWidget = new Widget();
const { template, attributes, secrets } = JSON.parse(call(pageWidget, CONTRACT));

if (looksLikeResponse) {
  // A response already taken is only stripped here: as with an opener, the core keeps nothing.
  const routed = call(pageWidget, PAGE_LOAD, +(taken || !!window.opener), 0, location.pathname, response.search, response.hash);
  if (routed) {
    const { clean, relay: toOpener } = JSON.parse(routed);
    // The response leaves the address bar and history before anything else happens.
    history.replaceState(history.state, '', clean);
    if (toOpener) {
      // The fast path skipped this page (a redirect login of its tab might have owned it).
      if (redirectPendingHere && await relay(response)) {
        taken = true;
        window.close();
        await sleep(500);
      }
      // Still open: a window script may not close, or a popup whose response no page took.
      say(taken ? TAKEN : START_AGAIN);
      await new Promise(() => {});
    }
  }
}

/** Runs one controller's commands. `host` is the element, or null for `login(options)`. */
class Driver {
  constructor(host, readSettings) {
    this.w = new Widget();
    this.host = host;
    this.read = readSettings;
    this.waiters = [];
    this.popup = null;
    this.queue = [];
    this.running = false;
    this.connected = false; // set by the first connectedCallback
  }

  /** Tells this controller of a browser event; returns its JSON. */
  ask(...args) {
    return call(this.w, ...args);
  }

  /** Tells the core of an event and carries out the commands it answers with. */
  tell(...args) {
    this.apply(this.ask(...args));
  }

  /** Hands the current settings and page to the core. */
  sync() {
    this.tell(UPDATE, 0, 0, this.read(), location.origin, location.pathname);
  }

  /**
   * Carries out a JSON list of commands, in order. A report made while commands run (a blocked
   * popup, a listener calling logout()) queues its commands after the current ones, so a list is
   * never interleaved with the answer to one of its own commands.
   */
  apply(json) {
    this.queue.push(...JSON.parse(json));
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length) {
        const command = this.queue.shift();
        this[command.do](command);
      }
    } finally {
      this.running = false;
    }
  }

  login() {
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.sync();
      this.tell(LOGIN, 0, 0, '', '', '', '', crypto.getRandomValues(new Uint8Array(64)));
    });
  }

  render({ label, state, busy, message }) {
    const root = this.host?.shadowRoot;
    if (!root) return;
    const [button, spinner, text, note] = ['button', 'spinner', 'label', 'message'].map((p) => root.querySelector(`[part=${p}]`));
    button.dataset.state = state;
    // The same state on the host, for page styles: oauth-login:state(logged-in)::part(button).
    const states = this.host.internals?.states;
    if (states) {
      states.clear();
      try { states.add(state); } catch { /* an older engine: data-state only */ }
    }
    button.setAttribute('aria-busy', String(busy));
    spinner.hidden = !busy;
    text.textContent = label;
    note.textContent = message ?? '';
    note.hidden = message == null;
  }

  event({ name, detail }) {
    this.host?.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
    const settled = name === 'oauth-login' ? 'resolve' : name === 'oauth-error' ? 'reject' : null;
    if (!settled) return;
    const waiters = this.waiters.splice(0);
    const value = settled === 'resolve' ? detail : new OAuthError(detail);
    for (const waiter of waiters) waiter[settled](value);
  }

  open({ url, name }) {
    const [width, height] = [520, 640];
    const left = screenX + Math.max(0, (outerWidth - width) / 2);
    const top = screenY + Math.max(0, (outerHeight - height) / 2);
    const popup = window.open(url, name, `popup=yes,width=${width},height=${height},left=${left | 0},top=${top | 0}`);
    this.popup = popup;
    if (!popup) return this.tell(BLOCKED);
    const take = (data, origin, source) => {
      const response = data?.oauthPrefabResponse;
      if (response && typeof response === 'object') {
        this.tell(MESSAGE, source, 0, origin, String(response.search ?? ''), String(response.hash ?? ''), String(response.id ?? ''));
      }
    };
    // Sources, as the core's Widget::message numbers them: 0 another window, 1 the popup, 2 the channel.
    this.onMessage = (e) => take(e.data, e.origin, e.source === popup ? 1 : 0);
    addEventListener('message', this.onMessage);
    this.channel = new BroadcastChannel(CHANNEL);
    this.channel.onmessage = (e) => take(e.data, location.origin, 2);
    // Whether the popup was seen showing a page: its address unreadable (another origin's page)
    // or no longer about:blank, on two looks in a row (a COOP swap can make it unreadable for an
    // instant before it reads as closed). A popup that reads as closed before that was cut off
    // by the provider's COOP, or closed at once: the core decides what that means.
    let seen = false;
    let shownTicks = 0;
    let closedTicks = 0;
    this.poll = setInterval(() => {
      if (popup.closed) {
        // One more tick lets a message on its way arrive; then report once.
        if (++closedTicks === 2) {
          clearInterval(this.poll);
          this.tell(CLOSED, +seen);
        }
        return;
      }
      let shown = true;
      try { shown = popup.location.href !== 'about:blank'; } catch { /* another origin's page */ }
      shownTicks = shown ? shownTicks + 1 : 0;
      seen ||= shownTicks >= 2;
    }, 100);
  }

  go({ url, popup }) {
    if (popup) {
      if (this.popup && !this.popup.closed) this.popup.location.href = url;
    } else {
      location.assign(url);
    }
  }

  close() {
    clearInterval(this.poll);
    removeEventListener('message', this.onMessage);
    this.channel?.close();
    this.channel = null;
    if (this.popup && !this.popup.closed) this.popup.close();
    this.popup = null;
  }

  ack({ id }) {
    this.channel?.postMessage({ oauthPrefabAck: id });
  }

  digest({ text }) {
    Promise.resolve()
      .then(() => crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))
      .then((hash) => new Uint8Array(hash), () => new Uint8Array(0))
      .then((hash) => this.tell(CHALLENGE, 0, 0, '', '', '', '', hash));
  }

  fetch({ seq, url, body }) {
    window.fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body,
    }).then(async (response) => {
      const body = await response.text();
      this.tell(ANSWER, seq, response.status, body);
    }).catch(() => this.tell(UNREACHABLE, seq));
  }

  timer({ ms }) {
    clearTimeout(this.timeout);
    if (ms != null) this.timeout = setTimeout(() => this.tell(TICK), ms);
  }

  warn({ text }) {
    console.warn(text);
  }

  /** The element left the page: drop the timer that would keep it alive. */
  disconnect() {
    clearTimeout(this.timeout);
  }
}

/** Every attribute of `element`, form-encoded, for the core to read. */
function attributesOf(element) {
  const pairs = new URLSearchParams();
  for (const { name, value } of element.attributes) pairs.append(name, value);
  return pairs.toString();
}

class OAuthLogin extends HTMLElement {
  static observedAttributes = [...attributes, ...secrets].map(([name]) => name).concat('id');

  constructor() {
    super();
    this.internals = this.attachInternals?.();
    this.attachShadow({ mode: 'open' }).innerHTML = template;
    this._driver = new Driver(this, () => attributesOf(this));
    this.shadowRoot.querySelector('button').addEventListener('click', () => this.login().catch(() => {}));
  }

  connectedCallback() {
    // A property set before the element was defined shadows the accessor: re-apply it.
    for (const [, property] of attributes) {
      if (Object.hasOwn(this, property)) {
        const value = this[property];
        delete this[property];
        this[property] = value;
      }
    }
    this._driver.connected = true;
    this._driver.sync();
    this._driver.tell(CONNECT);
  }

  disconnectedCallback() {
    this._driver.disconnect();
  }

  attributeChangedCallback() {
    // Before the first connectedCallback (an upgrade reports every attribute first), the sync in
    // connectedCallback reads them all at once.
    if (this.isConnected && this._driver.connected) this._driver.sync();
  }

  get #properties() { return JSON.parse(this._driver.ask(PROPERTIES)); }

  get callbackurl() { this._driver.sync(); return this.#properties.callbackurl; }

  get accessToken() { return this.#properties.accessToken; }

  get loggedIn() { return this.#properties.loggedIn; }

  get expiresAt() { return this.#properties.expiresAt; }

  login() { return this._driver.login(); }

  logout() {
    this._driver.sync();
    this._driver.tell(LOGOUT);
  }

  fetch(input, init) {
    const auth = JSON.parse(this._driver.ask(AUTHORIZATION));
    if (auth.error) return Promise.reject(new OAuthError(auth.error));
    const request = new Request(input, init);
    if (auth.header) {
      request.headers.set('Authorization', auth.header);
      return window.fetch(request);
    }
    const url = new URL(request.url);
    url.searchParams.set('access_token', auth.query);
    return window.fetch(new Request(url, request));
  }
}

for (const [attribute, property] of attributes) {
  Object.defineProperty(OAuthLogin.prototype, property, {
    get() { return this.getAttribute(attribute); },
    set(value) {
      if (value == null) this.removeAttribute(attribute);
      else this.setAttribute(attribute, String(value));
    },
    configurable: true,
  });
}

/** Defines `<oauth-login>`; calling it again does nothing. */
export function define() {
  if (!customElements.get('oauth-login')) customElements.define('oauth-login', OAuthLogin);
}

/** A login without an element: resolves with the `oauth-login` detail, or rejects. */
export function login(options) {
  if (options === null || typeof options !== 'object') {
    return Promise.reject(new OAuthError({ error: 'invalid_config', description: 'login(options) needs an options object, e.g. { clientId, authorizeUrl }' }));
  }
  const read = () => {
    const pairs = new URLSearchParams();
    for (const [attribute, property] of [...attributes, ['id', 'id']]) {
      if (options[property] != null) pairs.append(attribute, String(options[property]));
    }
    // A secret refuses the login whichever way it is spelled.
    for (const [attribute, property] of secrets) {
      if (options[property] != null || options[attribute] != null) pairs.append(attribute, '');
    }
    return pairs.toString();
  };
  return new Driver(null, read).login();
}

define();
