// The <oauth-login> custom element: a button in a shadow root, its attributes reflected to
// properties, and everything else handed to its driver. `login(options)` is the same controller
// without an element. Names, markup and style come from js/contract.js, generated from Rust.
import {
  ATTRIBUTES, CSP_WASM_ERROR, IN_AUTHORIZE, IN_CONNECT, IN_DISCONNECT, IN_OPTIONS, IN_READ, IN_STORED, LOG_IN, MARKUP,
  NOT_SET_UP, PRESET_LABELS, SECRET_ATTRIBUTES, STYLE, TAG,
} from './contract.js';
import { Driver, OAuthError } from './driver.js';

export { OAuthError };

let sheet;

/**
 * The shadow root's markup and style (the style is adopted, so a page's CSP needs no
 * 'unsafe-inline'); answers its parts in MARKUP's order: button, avatar, spinner, label, message.
 */
function shadowOf(host) {
  // delegatesFocus: `focus()` on the element focuses its button, as on a native control.
  const root = host.attachShadow({ mode: 'open', delegatesFocus: true });
  root.innerHTML = MARKUP;
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLE);
  }
  root.adoptedStyleSheets = [sheet];
  return root.querySelectorAll('[part]');
}

/**
 * The button's label until the core draws it, as the core will: the `label` attribute, else the
 * preset's ("Log in with Google"), else "Log in"; trimmed, and blank as absent, as the core reads
 * them (JS's `trim` takes Unicode white space too: a label of no-break spaces alone shows the default
 * until the core draws it).
 */
function drawLabel(element) {
  const setting = (name) => element.getAttribute(name)?.trim();
  // The label: the fourth part (see shadowOf).
  element.shadowRoot.querySelectorAll('[part]')[3].textContent = setting('label') || PRESET_LABELS[setting('provider')] || LOG_IN;
}

/** A property set before the element was defined shadows the accessor: applied again. */
function applyEarlyProperties(element) {
  for (const [, property] of ATTRIBUTES) {
    if (Object.hasOwn(element, property)) {
      const value = element[property];
      delete element[property];
      element[property] = value;
    }
  }
}

/**
 * The element's own attributes, form-encoded, for the core to read, and the names of the others
 * (`data-*`, `style`, a misspelled one) as one more name, for the advice: with their values, many
 * or long ones would break the core's form limits (32 pairs, 16 KiB) and lose the settings.
 */
function attributesOf(element) {
  const pairs = new URLSearchParams();
  const others = [];
  for (const { name, value, namespaceURI } of element.attributes) {
    // Another namespace's attribute of the same name is not the element's.
    if (namespaceURI === null && OAuthLogin.observedAttributes.includes(name)) pairs.append(name, value);
    else others.push(name);
  }
  // Led by a space, which no attribute name holds: never the name of one of the element's own.
  if (others.length) pairs.append(` ${others.join(' ')}`, '');
  return pairs.toString();
}

// Outside a browser (a server render imports the package in Node) the classes are defined on a
// stand-in, and define() does nothing.
const Base = globalThis.HTMLElement ?? Object;

/** What both elements share: the attributes' properties (defined below). */
class LoginElement extends Base {}

class OAuthLogin extends LoginElement {
  static observedAttributes = [...ATTRIBUTES, ...SECRET_ATTRIBUTES].map(([name]) => name).concat('id');

  constructor() {
    super();
    this._internals = this.attachInternals?.();
    // A click before the core started starts it here, so the popup opens within the click.
    shadowOf(this)[0].addEventListener('click', () => this.login().catch(() => {}));
  }

  /** The element's controller, made once the core has started (which it does first if need be). */
  get _driver() {
    start();
    return this._d ??= new Driver(this, () => attributesOf(this));
  }

  connectedCallback() {
    applyEarlyProperties(this);
    // Before the core started: the button drawn now, the rest when it starts.
    if (waiting) {
      drawLabel(this);
      waiting.add(this);
    } else this._connect();
  }

  _connect() {
    const driver = this._driver;
    const again = driver._connected;
    driver._connected = true;
    driver._sync();
    driver._tell(IN_CONNECT);
    driver._watchStorage(true);
    // Moved back into the document: another tab may have changed the shared session meanwhile.
    if (again) driver._tell(IN_STORED, '');
  }

  disconnectedCallback() {
    const driver = this._d;
    // None, or never connected: the core had not started, nothing to undo.
    if (driver?._connected) {
      driver._watchStorage(false);
      driver._tell(IN_DISCONNECT);
    }
  }

  attributeChangedCallback() {
    // Before the first connect (an upgrade reports every attribute first, and the core may not
    // have started), the sync in _connect reads them all at once.
    if (this.isConnected && this._d?._connected) this._d._sync();
    // Connected while the core has not started: the early button follows its label and provider.
    else if (waiting?.has(this)) drawLabel(this);
  }

  // `read` answers the `properties` command's fields as a list, in their order (js/contract.js).
  get callbackurl() { this._driver._sync(); return this._driver._ask(IN_READ)[0]; }

  get accessToken() { return this._driver._ask(IN_READ)[1]; }

  get loggedIn() { return this._driver._ask(IN_READ)[2]; }

  get expiresAt() { return this._driver._ask(IN_READ)[3]; }

  get profile() { return this._driver._ask(IN_READ)[4]; }

  get idToken() { return this._driver._ask(IN_READ)[5]; }

  login() { return this._driver.login(); }

  logout(options) { return this._driver.logout(options); }

  fetch(input, init) {
    return attach(this._driver._ask(IN_AUTHORIZE), input, init);
  }
}

/** A login where the page's Content Security Policy forbids compiling WebAssembly. */
const refused = () => Promise.reject(new OAuthError({ error: 'browser_refused', description: CSP_WASM_ERROR }));

/**
 * The element where the page's Content Security Policy forbids compiling WebAssembly: defined,
 * its button drawn disabled and saying so; a login rejects with the reason.
 */
class Unavailable extends LoginElement {
  static observedAttributes = ['label', 'provider'];

  constructor() {
    super();
    const [button, , , , note] = shadowOf(this);
    button.disabled = true;
    note.textContent = NOT_SET_UP;
    note.hidden = false;
  }

  connectedCallback() {
    applyEarlyProperties(this);
    this.attributeChangedCallback();
  }

  /** The label, however and whenever the page sets it or its provider (a framework sets them after creating). */
  attributeChangedCallback() {
    drawLabel(this);
  }

  login() { return refused(); }

  /** Nothing to forget or revoke: no login could happen. */
  logout() { return Promise.resolve({ revoked: false }); }

  fetch() { return this.login(); }

  // Logged out, as far as anything can tell: the contract's values for that.
  get accessToken() { return null; }

  get loggedIn() { return false; }

  get expiresAt() { return null; }

  get profile() { return null; }

  get idToken() { return null; }

  /** The redirect URI a login here would send, to register (the contract's `callbackurl` is never null). */
  // The core's rule (`Config::new`): a path is made absolute on this origin, anything else is
  // sent as given, trimmed, blank as absent (and never throws here, even where it is no URL).
  get callbackurl() {
    const uri = this.redirectUri?.trim();
    return !uri ? location.origin + location.pathname : uri[0] === '/' && uri[1] !== '/' ? location.origin + uri : uri;
  }
}

/**
 * `fetch(input, init)` with the token `authorize` answered attached (a Bearer header, or the
 * `access_token` query parameter), or rejected with its error. Always a promise, as
 * `window.fetch` is (a bad URL rejects). A request with a body sent to a new URL is rebuilt from
 * its parts, the body read whole: `new Request(url, request)` would stream it, which browsers
 * refuse over HTTP/1.1. `answer` is what js/driver.js keeps of the `attach` command, `[token,
 * inQuery]`, or of `refuse`, `{ _detail }`.
 */
async function attach(answer, input, init) {
  if (answer._detail) throw new OAuthError(answer._detail);
  const request = new Request(input, init);
  if (!answer[1]) {
    request.headers.set('Authorization', `Bearer ${answer[0]}`);
    return fetch(request);
  }
  const url = new URL(request.url);
  url.searchParams.set('access_token', answer[0]);
  const sent = { body: request.method === 'GET' || request.method === 'HEAD' ? null : await request.arrayBuffer() };
  for (const name of 'method headers mode credentials cache redirect referrer referrerPolicy integrity keepalive signal'.split(' ')) sent[name] = request[name];
  return fetch(url, sent);
}

for (const [attribute, property] of ATTRIBUTES) {
  Object.defineProperty(LoginElement.prototype, property, {
    get() { return this.getAttribute(attribute); },
    set(value) {
      if (value == null) this.removeAttribute(attribute);
      else this.setAttribute(attribute, String(value));
    },
    configurable: true,
  });
}

let available = false;
// Where the core has not started (js/oauth-login.js): what starts it, and the elements that
// connected meanwhile, in the order they connected.
let boot;
let waiting;

/**
 * Which element `define()` defines: the one that logs in where `ready` (WebAssembly can run).
 * `later`, where the core has not started yet, starts it (see `start`).
 */
export function setAvailable(ready, later) {
  available = ready;
  if (later) {
    boot = later;
    waiting = new Set();
  }
}

/** Starts the core if it has not started, then connects the elements that waited for it; once. */
export function start() {
  const elements = waiting;
  if (elements) {
    waiting = null;
    boot();
    // One that left the document meanwhile has nothing to connect.
    for (const element of elements) if (element.isConnected) element._connect();
  }
}

/** Defines `<oauth-login>`; calling it again, or outside a browser, does nothing. */
export function define() {
  if (globalThis.customElements && !customElements.get(TAG)) customElements.define(TAG, available ? OAuthLogin : Unavailable);
}

/** A login without an element: resolves with the `oauth-login` detail, or rejects. */
export function login(options) {
  // Not through an element: another copy of this script may have defined <oauth-login>.
  if (!available) return refused();
  start();
  const object = options !== null && typeof options === 'object';
  const read = () => {
    const pairs = new URLSearchParams();
    for (const [attribute, property] of [...ATTRIBUTES, ['id', 'id']]) {
      if (object && options[property] != null) pairs.append(attribute, String(options[property]));
    }
    // A secret refuses the login whichever way it is spelled.
    for (const [attribute, property] of SECRET_ATTRIBUTES) {
      if (object && (options[property] != null || options[attribute] != null)) pairs.append(attribute, '');
    }
    return pairs.toString();
  };
  const driver = new Driver(null, read);
  driver._sync = () => driver._tell(IN_OPTIONS, read(), location.origin, location.pathname, object);
  return driver.login();
}
