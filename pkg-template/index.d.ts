// Types of the oauth-prefab package: the element, its events and details, and the entry points.

/** The widget's own error codes; a provider's codes (`access_denied`, ...) pass through as strings. */
export type WidgetErrorCode =
  | 'invalid_config'
  | 'popup_blocked'
  | 'popup_closed'
  | 'state_mismatch'
  | 'invalid_response'
  | 'timeout'
  | 'login_required';

/** Provider codes of RFC 6749 4.2.2.1, plus any other string a provider sends. */
export type ProviderErrorCode =
  | 'access_denied'
  | 'invalid_request'
  | 'unauthorized_client'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'server_error'
  | 'temporarily_unavailable'
  | (string & {});

export type OAuthErrorCode = WidgetErrorCode | ProviderErrorCode;

export type ProviderId = 'instagram' | 'facebook' | 'google' | 'linkedin' | 'box';

/** `detail` of `oauth-login`, and what `login()` resolves with. */
export interface OAuthLoginDetail {
  /** The preset id, or `'custom'` for a provider given by `authorize-url`. */
  provider: ProviderId | 'custom';
  accessToken: string;
  /** Always `'bearer'`: other token types are refused. */
  tokenType: 'bearer';
  /** Seconds, or `null` when the provider did not say. */
  expiresIn: number | null;
  /** Milliseconds since the epoch, or `null` when unknown. */
  expiresAt: number | null;
  /** Granted scopes (the requested ones where the provider returned none). */
  scope: string[];
  /** `true` only for a token restored from storage. */
  restored: boolean;
}

/** `detail` of `oauth-error`. */
export interface OAuthErrorDetail {
  error: OAuthErrorCode;
  description: string;
  /** The provider's `error_reason`, or `null`. */
  reason: string | null;
  /** The provider's `error_uri`, or `null`. */
  uri: string | null;
}

/** `detail` of `oauth-logout` and `oauth-expired`. */
export interface OAuthProviderDetail {
  provider: ProviderId | 'custom';
}

/** A failed login or `fetch()`. */
export declare class OAuthError extends Error {
  readonly name: 'OAuthError';
  readonly code: OAuthErrorCode;
  readonly description: string;
  readonly reason: string | null;
  readonly uri: string | null;
}

/** Settings of a login: the element's attributes as camelCase properties. */
export interface OAuthLoginOptions {
  provider?: ProviderId | null;
  clientId: string;
  /** Scopes separated by spaces or commas. */
  scope?: string | null;
  authorizeUrl?: string | null;
  redirectUri?: string | null;
  responseType?: 'token' | null;
  mode?: 'popup' | 'redirect' | null;
  fallback?: 'redirect' | 'none' | null;
  storage?: 'memory' | 'session' | 'local' | null;
  label?: string | null;
  /** Seconds, as a number or a string of digits. */
  timeout?: number | string | null;
  /** Keys the stored token and redirect logins, as an element's `id` does. */
  id?: string;
}

/** The `<oauth-login>` element. */
export interface OAuthLoginElement extends HTMLElement {
  provider: ProviderId | null;
  clientId: string | null;
  scope: string | null;
  authorizeUrl: string | null;
  redirectUri: string | null;
  responseType: 'token' | null;
  mode: 'popup' | 'redirect' | null;
  fallback: 'redirect' | 'none' | null;
  storage: 'memory' | 'session' | 'local' | null;
  label: string | null;
  timeout: string | null;
  /** The exact redirect URI this widget sends: register it with the provider. */
  readonly callbackurl: string;
  readonly accessToken: string | null;
  readonly loggedIn: boolean;
  readonly expiresAt: number | null;
  login(): Promise<OAuthLoginDetail>;
  logout(): void;
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  addEventListener<K extends keyof OAuthLoginEventMap>(type: K, listener: (this: OAuthLoginElement, ev: OAuthLoginEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof OAuthLoginEventMap>(type: K, listener: (this: OAuthLoginElement, ev: OAuthLoginEventMap[K]) => unknown, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

export interface OAuthLoginEventMap extends HTMLElementEventMap {
  'oauth-login': CustomEvent<OAuthLoginDetail>;
  'oauth-error': CustomEvent<OAuthErrorDetail>;
  'oauth-logout': CustomEvent<OAuthProviderDetail>;
  'oauth-expired': CustomEvent<OAuthProviderDetail>;
}

declare global {
  interface HTMLElementTagNameMap {
    'oauth-login': OAuthLoginElement;
  }
  // The events bubble and are composed, so they reach document and window listeners too.
  interface HTMLElementEventMap {
    'oauth-login': CustomEvent<OAuthLoginDetail>;
    'oauth-error': CustomEvent<OAuthErrorDetail>;
    'oauth-logout': CustomEvent<OAuthProviderDetail>;
    'oauth-expired': CustomEvent<OAuthProviderDetail>;
  }
  interface DocumentEventMap {
    'oauth-login': CustomEvent<OAuthLoginDetail>;
    'oauth-error': CustomEvent<OAuthErrorDetail>;
    'oauth-logout': CustomEvent<OAuthProviderDetail>;
    'oauth-expired': CustomEvent<OAuthProviderDetail>;
  }
}

/** Defines `<oauth-login>`; safe to call more than once. */
export declare function define(): void;

/** A login without an element: resolves with the same detail as `oauth-login`, or rejects with an `OAuthError`. */
export declare function login(options: OAuthLoginOptions): Promise<OAuthLoginDetail>;
