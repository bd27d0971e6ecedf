// The browser side of <oauth-login>: the custom element class, and a driver that carries out the
// commands the Rust core answers with (render, event, open, go, close, digest, fetch, timer, warn;
// see src/core/widget.rs). It decides nothing: every rule lives in Rust. The build bundles this
// file with wasm-bindgen's glue into pkg/oauth-login.js, the one script a page loads.
import init, { Widget, pageLoad, contract } from '../pkg/oauth_prefab.js';

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

/** Posts this page's address to the opener (our own origin only) and closes: a popup's answer. */
function relay() {
  window.opener.postMessage({ oauthPrefabResponse: { search: location.search, hash: location.hash } }, location.origin);
  window.close();
}

// A popup landing on its callback page hands the raw address to its opener without loading the
// wasm at all (the opener's Rust parses and checks everything). The fast path is taken only when
// the address looks like a response and no redirect login of this tab could own it; otherwise the
// core decides (core::callback).
const looksLikeResponse = /(^|&)(access_token|code|error|state)=/.test(location.hash.slice(1))
  || /(^|&)(code|error)=/.test(location.search.slice(1));
let redirectPendingHere = false;
try { redirectPendingHere = Object.keys(sessionStorage).some((k) => k.startsWith(PENDING_PREFIX)); } catch { /* no storage */ }
const fastRelay = looksLikeResponse && window.opener && !redirectPendingHere;
if (fastRelay) {
  relay();
  // This window is closing: never instantiate the module here.
  await new Promise(() => {});
}

await init();
const { template, attributes, secrets } = JSON.parse(contract());

if (looksLikeResponse) {
  const routed = pageLoad(location.pathname, location.search, location.hash, !!window.opener);
  if (routed) {
    const { clean, relay: toOpener } = JSON.parse(routed);
    if (toOpener) relay();
    // The response leaves the address bar and history before anything else happens.
    history.replaceState(history.state, '', clean);
  }
}

const now = () => Date.now();

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
  }

  /** Hands the current settings and page to the core. */
  sync() {
    this.apply(this.w.update(this.read(), location.origin, location.pathname, now()));
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
      this.apply(this.w.login(crypto.getRandomValues(new Uint8Array(64)), now()));
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
    this.popup = window.open(url, name, `popup=yes,width=${width},height=${height},left=${left | 0},top=${top | 0}`);
    if (!this.popup) return this.apply(this.w.blocked(now()));
    this.onMessage = (e) => {
      const response = e.data?.oauthPrefabResponse;
      if (response && typeof response === 'object') {
        this.apply(this.w.message(e.origin, e.source === this.popup, String(response.search ?? ''), String(response.hash ?? ''), now()));
      }
    };
    addEventListener('message', this.onMessage);
    // The popup posts its answer and then closes: one more tick lets a message on its way arrive.
    let seenClosed = false;
    this.poll = setInterval(() => {
      if (seenClosed) this.apply(this.w.closed(now()));
      seenClosed = !this.popup || this.popup.closed;
    }, 400);
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
    if (this.popup && !this.popup.closed) this.popup.close();
    this.popup = null;
  }

  digest({ text }) {
    Promise.resolve()
      .then(() => crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))
      .then((hash) => new Uint8Array(hash), () => new Uint8Array(0))
      .then((hash) => this.apply(this.w.challenge(hash, now())));
  }

  fetch({ seq, url, body }) {
    window.fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body,
    }).then(async (response) => {
      const body = await response.text();
      this.apply(this.w.answer(seq, response.status, body, now()));
    }).catch(() => this.apply(this.w.unreachable(seq, now())));
  }

  timer({ ms }) {
    clearTimeout(this.timeout);
    if (ms != null) this.timeout = setTimeout(() => this.apply(this.w.tick(now())), ms);
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
    this._driver.sync();
    this._driver.apply(this._driver.w.connect(now()));
  }

  disconnectedCallback() {
    this._driver.disconnect();
  }

  attributeChangedCallback() {
    if (this.isConnected) this._driver.sync();
  }

  get #properties() { return JSON.parse(this._driver.w.properties(now())); }

  get callbackurl() { this._driver.sync(); return this.#properties.callbackurl; }

  get accessToken() { return this.#properties.accessToken; }

  get loggedIn() { return this.#properties.loggedIn; }

  get expiresAt() { return this.#properties.expiresAt; }

  login() { return this._driver.login(); }

  logout() {
    this._driver.sync();
    this._driver.apply(this._driver.w.logout(now()));
  }

  fetch(input, init) {
    const auth = JSON.parse(this._driver.w.authorization(now()));
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
