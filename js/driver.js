// Carries out a controller's commands in the page. Every decision comes from the Rust core
// (src/core/machine); this file only does what a command says, through an explicit table of
// handlers, one per command that src/core/machine/io.rs declares (js/contract.js numbers them).
import { widget, on, drop_widget } from '../pkg/oauth_prefab.js';
import {
  CHANNEL, CMD_ACK, CMD_ATTACH, CMD_CLOSE, CMD_DIGEST, CMD_EVENT, CMD_FAULT, CMD_FETCH, CMD_GO, CMD_LOCK, CMD_OPEN,
  CMD_PROPERTIES, CMD_RAISE, CMD_REFUSE, CMD_RENDER, CMD_REVOKED, CMD_TIMER, CMD_UNLOCK, CMD_UNWATCH, CMD_VERIFY, CMD_WARN, IN_ANSWER, IN_BLOCKED, IN_DIGEST, IN_LOCKED, IN_LOGIN, IN_LOGOUT, IN_LOOK, IN_MESSAGE,
  IN_RETURNED, IN_STORED, IN_TICK, IN_UNREACHABLE, IN_UPDATE, IN_VERIFIED, RANDOM_BYTES,
} from './contract.js';
import { pageCommands } from './callback.js';
import { randomBytes, verifySignature } from './webcrypto.js';
import { localWrites } from './storage.js';

// A controller's Rust memory is freed once its driver (and so its element) is collected.
const FREED = new FinalizationRegistry(drop_widget);

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

// Content Security Policy violations, so that a request the page's policy blocked can be
// reported as such (a fetch that CSP refuses fails like any other). None outside a browser (a
// server render imports the package in Node).
const violations = [];
globalThis.addEventListener?.('securitypolicyviolation', (e) => violations.push(e), true);

/** Runs one controller: `host` is the element (null for `login(options)` and callback pages). */
export class Driver {
  _waiters = [];
  _logouts = new Map();
  _queue = [];
  _logoutCount = 0;

  constructor(host, readSettings) {
    this._id = widget();
    FREED.register(this, this._id);
    this._host = host;
    this._read = readSettings;
  }

  /**
   * Hears another tab's login, renewal or logout where tabs share the session (storage="local"),
   * and another element's of this page, while the element is in the document: a listener left
   * on `window` would keep a removed element alive.
   */
  _watchStorage(on) {
    this._onStorage ??= (e) => { if (e.storageArea === localStorage) this._tell(IN_STORED, e.key ?? ''); };
    // One listener for both: this page's writes come as `storage` events too.
    for (const target of [window, localWrites]) target[on ? 'addEventListener' : 'removeEventListener']('storage', this._onStorage);
  }

  /** Tells the core of input `number` (js/contract.js's `IN_*`) with its fields; returns the
   * commands it answers with. */
  _call(number, ...fields) {
    return JSON.parse(on(this._id, JSON.stringify([number, ...fields]), Date.now()));
  }

  /**
   * Tells the core of an input and carries out its commands in order. An input reported while
   * commands run (a blocked popup, a listener calling logout()) queues its commands after the
   * current ones, so a list is never interleaved with the answer to one of its own commands.
   */
  _tell(number, ...fields) {
    this._queue.push(...this._call(number, ...fields));
    if (this._running) return;
    this._running = true;
    try {
      while (this._queue.length) this._run(this._queue.shift());
    } finally {
      this._running = false;
    }
  }

  /** Asks the core a question (`read`, `authorize`), answered at once, even while commands run. */
  _ask(number) {
    for (const command of this._call(number)) this._run(command);
    return this._answer;
  }

  /** Carries out one command, `[number, ...fields]`: its handler takes the fields as arguments. */
  _run([number, ...fields]) {
    if (!Object.hasOwn(HANDLERS, number)) throw new Error(`oauth-prefab: no handler for command ${number}`);
    HANDLERS[number].apply(this, fields);
  }

  /** Hands the current settings and page to the core. */
  _sync() {
    this._tell(IN_UPDATE, this._read(), location.origin, location.pathname);
  }

  login() {
    return new Promise((resolve, reject) => {
      this._waiters.push({ resolve, reject });
      this._sync();
      this._tell(IN_LOGIN, randomBytes(RANDOM_BYTES), location.href);
    });
  }

  /** `logout(options)`: resolves with `{ revoked }` once the revocation is over; never rejects. */
  logout(options) {
    const id = ++this._logoutCount;
    return new Promise((resolve) => {
      this._logouts.set(id, resolve);
      this._sync();
      this._tell(IN_LOGOUT, options?.endSession === true, id, randomBytes(16));
    });
  }

  /** Listens for a callback page's response: from the popup (or any window), and the channel. */
  _listen(popup) {
    const take = (data, origin, source) => {
      const response = data?.oauthPrefabResponse;
      if (response && typeof response === 'object') {
        const fields = [response.search, response.hash, response.id].map((field) => String(field ?? ''));
        // Any window may post here (a frame of another origin, this page's opener), and what
        // is told to the core is copied into its memory, which never shrinks: a text longer
        // than any address a browser opens (Chromium's 2 MiB) is no callback page's, and is
        // ignored here, as the core would ignore it (or refuse it: it reads 16 KiB at most).
        if (!fields.some((field) => field.length > LONGEST_ADDRESS)) this._tell(IN_MESSAGE, source, origin, ...fields);
      }
    };
    // Sources, as core::machine::io::Source numbers them: 0 another window, 1 the popup, 2 the channel.
    this._onMessage = (e) => take(e.data, e.origin, e.source === popup ? 1 : 0);
    addEventListener('message', this._onMessage);
    this._channel = new BroadcastChannel(CHANNEL);
    this._channel.onmessage = (e) => take(e.data, location.origin, 2);
  }
}

/** The longest address a browser opens, in characters (Chromium's `kMaxURLChars`). */
const LONGEST_ADDRESS = 2 * 1024 * 1024;

/**
 * How long the renewal's Web Lock is held after the renewed tokens were written: long enough for
 * the write to reach other tabs' view of localStorage (within milliseconds in Chromium, Firefox
 * and Safari; tests/e2e/renewal.test.mjs races two tabs), short enough to delay nobody.
 */
const UNLOCK_AFTER_MS = 250;

/** One handler per command, keyed by its number (js/contract.js's `CMD_*`), called with the
 * driver as `this` and the command's fields, in their declared order (src/core/machine/io.rs),
 * as arguments. */
const HANDLERS = {
  ...pageCommands,

  [CMD_RENDER](label, state, busy, message, avatar) {
    const root = this._host?.shadowRoot;
    if (!root) return;
    // The parts in MARKUP's order (js/contract.js): button, avatar, spinner, label, message.
    const [button, picture, spinner, text, note] = root.querySelectorAll('[part]');
    if (avatar) {
      if (picture.getAttribute('src') !== avatar) picture.src = avatar;
    } else picture.removeAttribute('src');
    picture.hidden = !avatar;
    button.dataset.state = state;
    // The same state on the host, for page styles: oauth-login:state(logged-in)::part(button).
    const states = this._host._internals?.states;
    if (states) {
      states.clear();
      try { states.add(state); } catch { /* an older engine: data-state only */ }
    }
    button.setAttribute('aria-busy', busy);
    spinner.hidden = !busy;
    text.textContent = label;
    // Set only when it changes: the message is in a live region, and an equal text set again is
    // read out again.
    message ??= '';
    if (note.textContent !== message) note.textContent = message;
    note.hidden = !message;
  },

  [CMD_EVENT](event, detail, settle, later) {
    const fire = () => {
      // The promises this event settles are taken first: a login() a listener starts is the
      // next login's, not this one's.
      const waiters = settle ? this._waiters.splice(0) : [];
      this._host?.dispatchEvent(new CustomEvent(event, { detail, bubbles: true, composed: true }));
      for (const waiter of waiters) waiter[settle](settle === 'reject' ? new OAuthError(detail) : detail);
    };
    if (later) queueMicrotask(fire);
    else fire();
  },

  [CMD_OPEN](url, name, pollMs) {
    HANDLERS[CMD_CLOSE].call(this);
    // A popup of 520 by 640, centred on this window.
    const left = screenX + Math.max(0, (outerWidth - 520) / 2);
    const top = screenY + Math.max(0, (outerHeight - 640) / 2);
    const popup = open(url, name, `popup=yes,width=520,height=640,left=${left | 0},top=${top | 0}`);
    this._popup = popup;
    if (!popup) return this._tell(IN_BLOCKED);
    this._listen(popup);
    this._poll = setInterval(() => {
      const closed = popup.closed;
      let shown = !closed;
      try { shown &&= popup.location.href !== 'about:blank'; } catch { /* another origin's page */ }
      this._tell(IN_LOOK, closed, shown);
    }, pollMs);
  },

  [CMD_GO](url, popup) {
    if (!popup) {
      // Back from the provider's page to this page kept whole (the back/forward cache): the login
      // it left came back without an answer, and its login() promise is still waiting.
      removeEventListener('pageshow', this._onShow);
      this._onShow = (e) => { if (e.persisted) this._tell(IN_RETURNED); };
      addEventListener('pageshow', this._onShow, { once: true });
      location.assign(url);
    } else if (this._popup && !this._popup.closed) this._popup.location.href = url;
  },

  [CMD_UNWATCH]() {
    clearInterval(this._poll);
  },

  [CMD_CLOSE]() {
    clearInterval(this._poll);
    removeEventListener('message', this._onMessage);
    this._channel?.close();
    this._channel = null;
    if (this._popup && !this._popup.closed) this._popup.close();
    this._popup = null;
  },

  [CMD_RAISE]() {
    this._popup?.focus();
  },

  [CMD_ACK](id) {
    this._channel?.postMessage({ oauthPrefabAck: id });
  },

  [CMD_DIGEST](seq, text, algorithm) {
    Promise.resolve()
      .then(() => crypto.subtle.digest(algorithm, new TextEncoder().encode(text)))
      .then((hash) => Array.from(new Uint8Array(hash)), () => [])
      .then((bytes) => this._tell(IN_DIGEST, seq, bytes));
  },

  [CMD_FETCH](seq, url, body, bearer) {
    const headers = { Accept: 'application/json' };
    if (body != null) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    if (bearer != null) headers.Authorization = `Bearer ${bearer}`;
    // An answer whose body breaks off (the connection dropped) is unreachable too. Never one
    // the HTTP cache kept without asking the server: a key set fetched once more after a key
    // rotation must be the provider's current one.
    fetch(url, { method: body == null ? 'GET' : 'POST', headers, body, cache: 'no-cache' }).then(async (response) => [response.status, await response.text()]).then((answer) => {
      this._tell(IN_ANSWER, seq, ...answer);
    }, () => {
      // The page's CSP reports its refusal as an event of its own, queued beside the failure.
      setTimeout(() => {
        const refused = violations.find((v) => v.blockedURI && url.startsWith(v.blockedURI));
        this._tell(IN_UNREACHABLE, seq, refused?.effectiveDirective ?? '');
      });
    });
  },

  [CMD_VERIFY](seq, key, importWith, verifyWith, data, signature) {
    verifySignature(key, importWith, verifyWith, data, signature).then((ok) => this._tell(IN_VERIFIED, seq, ok));
  },

  [CMD_LOCK](name) {
    // Without Web Locks (an insecure context, an old engine), or where they refuse (a sandboxed
    // frame's opaque origin, which has no shared storage either), each tab renews on its own.
    if (!navigator.locks) return this._tell(IN_LOCKED);
    navigator.locks.request(name, () => new Promise((release) => {
      this._release = release;
      this._tell(IN_LOCKED);
    })).catch(() => this._tell(IN_LOCKED));
  },

  [CMD_UNLOCK]() {
    const release = this._release;
    this._release = null;
    // The rotated token is in localStorage already; other tabs see a write a little later than
    // this one does, so the next tab to take the lock must not read the used token.
    if (release) setTimeout(release, UNLOCK_AFTER_MS);
  },

  [CMD_REVOKED](id, revoked) {
    this._logouts.get(id)?.({ revoked });
    this._logouts.delete(id);
  },

  [CMD_TIMER](ms) {
    clearTimeout(this._timeout);
    if (ms != null) this._timeout = setTimeout(() => this._tell(IN_TICK), ms);
  },

  [CMD_WARN](text) {
    console.warn(text);
  },

  // A list, read by place (js/element.js): shorter than an object naming them all again.
  [CMD_PROPERTIES](callbackurl, accessToken, loggedIn, expiresAt, profile, idToken) {
    this._answer = [callbackurl, accessToken, loggedIn, expiresAt, profile, idToken];
  },

  // Read by js/element.js's `attach` alone: a list, read by place, and an object whose one member
  // is named with a `_`, which the build shortens.
  [CMD_ATTACH](token, inQuery) {
    this._answer = [token, inQuery];
  },

  [CMD_REFUSE](detail) {
    this._answer = { _detail: detail };
  },

  [CMD_FAULT](text) {
    throw new Error(`oauth-prefab: ${text}`);
  },
};
