// The few lines wasm-bindgen cannot express: a class extending HTMLElement (which must be a real
// JS class), and an Error subclass. Every decision stays in Rust; this file only delegates.

/** A failed login: `.code` is a contract error code, `.description` a sentence for people. */
export class OAuthError extends Error {
  constructor(code, description, reason = null, uri = null) {
    super(`${code}: ${description}`);
    this.name = 'OAuthError';
    this.code = code;
    this.description = description;
    this.reason = reason;
    this.uri = uri;
  }
}

export function makeError(code, description, reason, uri) {
  return new OAuthError(code, description, reason ?? null, uri ?? null);
}

export function errorClass() {
  return OAuthError;
}

/**
 * Defines `<tag>` once. `attributes` is Rust's table of [attribute, property] pairs; `create`
 * makes the Rust controller for one element.
 */
export function defineElement(tag, attributes, create) {
  if (customElements.get(tag)) return;
  class OAuthLogin extends HTMLElement {
    static get observedAttributes() {
      return attributes.map(([attribute]) => attribute);
    }
    constructor() {
      super();
      this._w = create(this);
    }
    connectedCallback() {
      // A property set before the element was defined shadows the accessor: re-apply it.
      for (const [, property] of attributes) {
        if (Object.prototype.hasOwnProperty.call(this, property)) {
          const value = this[property];
          delete this[property];
          this[property] = value;
        }
      }
      this._w.connected();
    }
    attributeChangedCallback() {
      this._w.render();
    }
    get callbackurl() { return this._w.callbackUrl(); }
    // Rust's None arrives as undefined; the contract says null.
    get accessToken() { return this._w.accessToken() ?? null; }
    get loggedIn() { return this._w.loggedIn(); }
    get expiresAt() { return this._w.expiresAt() ?? null; }
    login() {
      return new Promise((resolve, reject) => this._w.login(resolve, reject));
    }
    logout() { this._w.logout(); }
    fetch(input, init) { return this._w.fetch(input, init); }
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
  customElements.define(tag, OAuthLogin);
}
