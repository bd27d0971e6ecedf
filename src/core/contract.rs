//! The element's public contract, declared once: its attributes and their values, the events it
//! fires, the error codes, the button's states, its CSS parts, markup and style.
//!
//! Everything reads from here: settings validation (`oauth::config`), the controller
//! (`machine`), and, through `cargo run --example contract`, the generated `js/contract.js`,
//! `custom-elements.json` and `index.d.ts`. Docs, TypeScript types, the markup and the style are
//! compiled natively only: the JS side gets them as generated constants, so none of those bytes
//! reach the wasm module.

/// Declares an enum of the values a setting or a state may take, with `as_str`, `parse` and the
/// list of every value in the contract's order.
macro_rules! values {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($(#[$vmeta])* $variant,)* }

        impl $name {
            /// Every value as text, in the contract's order.
            pub const TEXTS: &'static [&'static str] = &[$($text,)*];

            /// The value as the contract spells it.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text,)* }
            }

            /// The value `text` names, if any.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some(Self::$variant),)* _ => None }
            }
        }
    };
}

values! {
    /// `response-type`: the grant a login uses.
    ResponseType {
        /// The implicit grant: the token comes back in the fragment.
        Token = "token",
        /// The authorization code with PKCE, exchanged at `token-url`.
        Code = "code",
        /// The implicit grant with a verified OpenID Connect id_token (`id_token token` is the
        /// same).
        TokenIdToken = "token id_token",
    }
}

impl ResponseType {
    /// The value `text` names, the contract's alias `id_token token` included.
    pub fn read(text: &str) -> Option<Self> {
        match text {
            "id_token token" => Some(Self::TokenIdToken),
            _ => Self::parse(text),
        }
    }
}

values! {
    /// `mode`: how the provider's page is shown.
    Mode {
        /// In a popup; the page stays.
        Popup = "popup",
        /// This tab goes to the provider and back.
        Redirect = "redirect",
    }
}

values! {
    /// `fallback`: what a blocked popup does.
    Fallback {
        /// Go on as a redirect login.
        Redirect = "redirect",
        /// Fail with `popup_blocked`.
        None = "none",
    }
}

values! {
    /// `storage`: where a token is kept.
    Storage {
        /// This page's memory only.
        Memory = "memory",
        /// `sessionStorage`: this tab, until it closes.
        Session = "session",
        /// `localStorage`: every tab of this origin.
        Local = "local",
    }
}

values! {
    /// The session at a glance: the button's `data-state` and the host's custom state.
    ButtonState {
        /// No token.
        LoggedOut = "logged-out",
        /// A login is under way.
        Pending = "pending",
        /// A token is held.
        LoggedIn = "logged-in",
        /// The token ran out.
        Expired = "expired",
        /// The last login failed.
        Failed = "failed",
        /// The person closed the login window.
        Cancelled = "cancelled",
    }
}

/// Declares the attributes: an `Attr` enum in order, their names (the wasm needs them to read
/// settings), and, natively, their properties, allowed values, defaults, types and docs.
macro_rules! attributes {
    ($($variant:ident $name:literal $property:literal $values:expr, $default:literal : $ts:literal, $doc:literal;)*) => {
        /// An attribute of `<oauth-login>`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Attr { $(#[doc = $doc] $variant,)* }

        /// How many attributes there are.
        pub const ATTRIBUTE_COUNT: usize = [$($name,)*].len();

        impl Attr {
            /// Every attribute, in the contract's order.
            pub const ALL: [Attr; ATTRIBUTE_COUNT] = [$(Attr::$variant,)*];

            /// The HTML attribute name.
            pub fn name(self) -> &'static str {
                match self { $(Self::$variant => $name,)* }
            }

            /// The values it may take; empty when its value is free text.
            pub fn values(self) -> &'static [&'static str] {
                match self { $(Self::$variant => $values,)* }
            }
        }

        /// Each attribute's name, property, allowed values, default, TypeScript type (empty: the
        /// union of its values) and doc, in order.
        #[cfg(not(target_arch = "wasm32"))]
        pub const ATTRIBUTES: &[(&str, &str, &[&str], &str, &str, &str)] =
            &[$(($name, $property, $values, $default, $ts, $doc),)*];
    };
}

const FREE: &[&str] = &[];

attributes! {
    Provider "provider" "provider" FREE, "" : "", "A preset provider (`instagram`, `facebook`, `google`, `linkedin`, `box`). Absent means a custom provider given by `authorize-url`.";
    ClientId "client-id" "clientId" FREE, "" : "string", "The app's client id, as registered with the provider. Required.";
    Scope "scope" "scope" FREE, "" : "string", "Scopes to request, separated by spaces or commas; sent joined with the provider's own separator. Defaults to the preset's default scopes.";
    AuthorizeUrl "authorize-url" "authorizeUrl" FREE, "" : "string", "The authorization endpoint; overrides the preset's. Must be `https:`, except on loopback hosts (`localhost`, `127.0.0.1`, `[::1]`). Its query is kept; naming a parameter the widget sets itself there is `invalid_config`.";
    RedirectUri "redirect-uri" "redirectUri" FREE, "" : "string", "Overrides the redirect URI sent to the provider; must be on the page's own origin. Defaults to `callbackurl`: the page's origin + pathname.";
    ResponseType "response-type" "responseType" ResponseType::TEXTS, "token" : "'token' | 'code' | 'token id_token' | 'id_token token'", "`token`: the implicit grant. `code`: the authorization code flow with PKCE (needs `token-url`, or an `issuer` whose discovery document names the token endpoint). `token id_token` (or `id_token token`): the implicit grant with a verified OpenID Connect id_token. Defaults to `code` for a provider given by `issuer` alone.";
    TokenUrl "token-url" "tokenUrl" FREE, "" : "string", "Where a `code` is exchanged: the provider's token endpoint (a public client) or your own exchange (a provider that needs a client secret). An absolute `https:` URL (loopback `http:` aside) or a path on the page's own origin. Required with `response-type=\"code\"`.";
    ExtraParams "extra-params" "extraParams" FREE, "" : "string", "More authorization-request parameters, form-encoded (`prompt=consent&login_hint=a%40b.example`). Naming one the widget sets itself is `invalid_config`.";
    Issuer "issuer" "issuer" FREE, "" : "string", "The provider's issuer identifier (RFC 9207): when set, an authorization response must carry an equal `iss` (or an id_token whose verified `iss` is it), else `invalid_response`. Also where the widget discovers the provider (OpenID Connect Discovery): its endpoints and key set.";
    UserinfoUrl "userinfo-url" "userinfoUrl" FREE, "" : "string", "Where the profile is read after a login (`GET`, token attached); `none` reads none. Defaults to the discovered `userinfo_endpoint`, else the preset's profile endpoint.";
    RevokeUrl "revoke-url" "revokeUrl" FREE, "" : "string", "Where `logout()` revokes the tokens (RFC 7009): the provider's revocation endpoint, or your exchange's `/revoke`; `none` revokes nothing. Defaults to the discovered `revocation_endpoint`, else the preset's.";
    Mode "mode" "mode" Mode::TEXTS, "popup" : "", "How the provider's page is shown: `popup` (the page stays) or `redirect` (this tab goes to the provider and back).";
    Fallback "fallback" "fallback" Fallback::TEXTS, "redirect" : "", "What a blocked popup does: `redirect` (go on as a redirect login) or `none` (fail with `popup_blocked`).";
    Storage "storage" "storage" Storage::TEXTS, "memory" : "", "Where the token is kept: `memory` (this page only), `session` (sessionStorage) or `local` (localStorage).";
    Label "label" "label" FREE, "" : "string", "The button's text. Defaults to `Log in with <Provider>` (`Log in` for a custom provider).";
    Timeout "timeout" "timeout" FREE, "300" : "number", "Seconds a pending login may take, the token request included, before it fails with `timeout` (whole seconds, 1 to 86400).";
}

/// Attribute names (and `login()` option keys) that would carry a client secret, with their
/// property names; their mere presence refuses a login. Not reflected: the element has no such
/// setting. `clientsecret` is a framework's `clientSecret` prop (React 19, Vue), which an element
/// without that property gets as an attribute, lowercased by HTML.
pub const SECRET_ATTRIBUTES: &[(&str, &str)] = &[
    ("client-secret", "clientSecret"),
    ("client_secret", "client_secret"),
    ("clientsecret", "clientsecret"),
];

/// The custom element's tag.
pub const TAG: &str = "oauth-login";

values! {
    /// The events the element dispatches (`CustomEvent`s, `bubbles` and `composed`).
    Event {
        /// A login succeeded, or a stored token was restored.
        Login = "oauth-login",
        /// A login failed.
        Error = "oauth-error",
        /// The access token was renewed with a refresh token (here, or in another tab).
        Renewed = "oauth-renewed",
        /// `logout()` was called (here or in another tab).
        Logout = "oauth-logout",
        /// The session ended without a logout.
        Expired = "oauth-expired",
    }
}

/// Each event's name, `detail` type and doc.
#[cfg(not(target_arch = "wasm32"))]
pub const EVENT_DOCS: &[(&str, &str, &str)] = &[
    (
        "oauth-login",
        "OAuthLoginDetail",
        "A login succeeded, or a stored token was restored when the element connected.",
    ),
    ("oauth-error", "OAuthErrorDetail", "A login failed."),
    ("oauth-renewed", "OAuthLoginDetail", "The access token was renewed with a refresh token, here or in another tab sharing the session (`restored` is false)."),
    (
        "oauth-logout",
        "OAuthProviderDetail",
        "`logout()` was called, here or in another tab sharing the session.",
    ),
    (
        "oauth-expired",
        "OAuthExpiredDetail",
        "The session ended without a logout, here or in another tab sharing it: the token passed `expiresAt` and could not be renewed, or a renewal was refused (`error` says why; `null` when there was nothing to renew with).",
    ),
];

/// Declares the widget's own error codes, with their meanings for the generated docs.
macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal, $meaning:literal;)*) => {
        /// What went wrong, as the `error` / `.code` string of the contract.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
            /// A code the provider sent, passed through as it came (a `Box<str>`, not a
            /// `String`: the enum then keeps a plain tag, cheaper to test than a `String`'s niche).
            Provider(Box<str>),
        }

        impl ErrorCode {
            /// The code as the contract spells it.
            pub fn as_str(&self) -> &str {
                /// The widget's own codes, by number.
                #[allow(dead_code)]
                enum Own { $($variant),* }
                const CODES: &[&str] = &[$($code,)*];
                // The widget's own read from a table by their number: one match of the texts,
                // the provider's among them, was a jump and two stores per code (215 B of wasm,
                // 67 B so, with the table's 96 B). `get` never misses: `Own` numbers the codes.
                let own = match self {
                    $(Self::$variant => Own::$variant,)*
                    Self::Provider(code) => return code,
                };
                CODES.get(own as usize).copied().unwrap_or_default()
            }
        }

        /// The widget's own codes with their meanings.
        #[cfg(not(target_arch = "wasm32"))]
        pub const ERROR_CODES: &[(&str, &str)] = &[$(($code, $meaning),)*];

        /// The widget's own codes, in the order of [`ERROR_CODES`].
        #[cfg(all(test, not(target_arch = "wasm32")))]
        const OWN_CODES: &[ErrorCode] = &[$(ErrorCode::$variant,)*];
    };
}

error_codes! {
    /// The settings cannot make a valid request.
    InvalidConfig = "invalid_config", "missing `client-id`, unknown `provider`, an `authorize-url` that is not https (loopback aside), a bad `response-type`, `token-url`, `extra-params`, `mode`, `fallback`, `storage` or `timeout`, a `client-secret` attribute";
    /// The popup could not open and `fallback="none"`.
    PopupBlocked = "popup_blocked", "the popup could not open and `fallback=\"none\"`";
    /// The person closed the popup before it answered.
    PopupClosed = "popup_closed", "the user closed the popup before it answered";
    /// The response's `state` is missing or matches no login this browser started.
    StateMismatch = "state_mismatch", "the response's `state` is missing, or matches no login that this browser started";
    /// The response is malformed.
    InvalidResponse = "invalid_response", "a malformed response: bad percent-encoding, a parameter given twice, no `access_token`, no `token_type`, a bad `expires_in`, an `iss` that is not `issuer`, a token endpoint answer that is not OAuth JSON, ...";
    /// No answer within the configured time.
    Timeout = "timeout", "no answer within `timeout` seconds";
    /// `fetch()` was called without a token.
    LoginRequired = "login_required", "`fetch()` without a token";
    /// A request the login needs could not be made.
    NetworkError = "network_error", "a request the login needs could not reach its server (refused, unreachable, or blocked by CORS or the page's Content Security Policy), or the discovery document answered 5xx or 429";
    /// The id_token failed a check.
    InvalidIdToken = "invalid_id_token", "the id_token failed a check: the description names it (signature, `iss`, `aud`, `azp`, `exp`, `iat`, `nbf`, `nonce`, `auth_time` with `max_age`, `at_hash`, algorithm, key, or a renewed one's `iss`, `sub`, `aud`, `azp` or `auth_time` that is not the login's)";
    /// The page came back from the provider without an answer (redirect mode).
    LoginCancelled = "login_cancelled", "the page came back from the provider without an answer (the browser's Back button, in redirect mode)";
    /// The browser refused something the login needs.
    BrowserRefused = "browser_refused", "the browser refused what the login needs: `sessionStorage` for a redirect login, `crypto.subtle` (a secure context) for the code flow, randomness, or compiling WebAssembly under the page's Content Security Policy";
}

/// What a button whose settings are wrong says to the person in front of it (the page author
/// gets the detail in the console). Also shown when the page's Content Security Policy forbids
/// compiling the widget's WebAssembly.
pub const NOT_SET_UP: &str = "This login button is not set up yet.";

/// The button's text with no `label` and no provider name (a custom provider), and the one it
/// shows before the WebAssembly is ready or where it cannot run.
pub const LOG_IN: &str = "Log in";

/// A console line's text, as a literal: every line the element writes to the console begins
/// `<oauth-login>: `, so a page author can tell (and filter) them. Written here only.
macro_rules! console {
    ($text:literal) => {
        concat!("<oauth-login>: ", $text)
    };
}
pub(crate) use console;

/// The console lines' prefix alone, for a line built at run time.
pub const CONSOLE: &str = console!("");

/// The console error of a page where the WebAssembly cannot be compiled (its Content Security
/// Policy forbids it).
#[cfg(not(target_arch = "wasm32"))]
pub const CSP_WASM_ERROR: &str = console!("the login button's WebAssembly could not be compiled. A page with a Content Security Policy must allow it: add 'wasm-unsafe-eval' (not 'unsafe-eval') to its script-src directive.");

/// The CSS parts of the markup, with their docs.
#[cfg(not(target_arch = "wasm32"))]
pub const PARTS: &[(&str, &str)] = &[
    (
        "button",
        "The login `<button>`; `aria-busy` while a login is pending, `data-state` for the session.",
    ),
    (
        "avatar",
        "The logged-in person's picture (an `https:` URL from the profile), round, beside their name; loaded with `referrerpolicy=\"no-referrer\"`. Hidden when there is none or the page set a `label`.",
    ),
    ("spinner", "Shown while a login is pending."),
    ("label", "The button's text."),
    (
        "message",
        "The last error, a cancel, an expiry or a setup problem, as text.",
    ),
];

/// The shadow root's markup: static only; every dynamic text goes in with `textContent`.
/// The message describes the button (read again when the person comes back to it), and speaks
/// from a live region that is always there, empty when there is nothing to say: a region shown
/// with its text already in it is a new region to a screen reader, and is not read out. Its id is
/// the shadow root's own, so elements on one page never share it.
#[cfg(not(target_arch = "wasm32"))]
pub const MARKUP: &str = "<button part=button type=button aria-describedby=m><img part=avatar hidden alt=\"\" referrerpolicy=no-referrer><span part=spinner hidden></span><span part=label></span></button><span role=status><span part=message id=m hidden></span></span>";

/// The shadow root's style, adopted as a constructed stylesheet (so a page's `style-src` needs no
/// `'unsafe-inline'`). Each state is distinct at a glance; a page restyles one through the parts:
/// `oauth-login:state(logged-in)::part(button)`.
/// Forced colors (high contrast) paint every border and outline in the person's colors, a
/// transparent one too: the button's clear outline is its edge there, and the spinner's open side
/// has no width, not a transparent color, so it stays an arc that is seen to turn.
#[cfg(not(target_arch = "wasm32"))]
pub const STYLE: &str = ":host(:not([hidden])){display:inline-block}button{display:inline-flex;align-items:center;gap:.5em;padding:.6em 1.2em;border:0;outline:1px solid #0000;border-radius:.5em;background:#1f2937;color:#fff;font:inherit;font-weight:600;cursor:pointer}button:hover{filter:brightness(1.2)}button:focus-visible{outline:3px solid #2563eb;outline-offset:2px}[aria-busy=true]{cursor:progress;opacity:.85}[data-state=logged-in]{background:#166534}[data-state=logged-in] [part=label]:before{content:\"\\2713  \"}[data-state=expired]{background:#92400e}[part=spinner]{width:1em;height:1em;box-sizing:border-box;border:2px solid;border-right-width:0;border-radius:50%;animation:r .8s linear infinite}[hidden]{display:none!important}[part=message]{display:block;margin-top:.4em;color:#b91c1c;font-size:.9em}[data-state=cancelled]~* [part=message],[data-state=logged-out]~* [part=message],[data-state=pending]~* [part=message]{color:#4b5563}:disabled{cursor:not-allowed;opacity:.6}img{width:1.6em;height:1.6em;margin:-.3em 0;border-radius:50%;object-fit:cover}@keyframes r{to{transform:rotate(1turn)}}";

/// The read-only properties: name, TypeScript type, doc.
#[cfg(not(target_arch = "wasm32"))]
pub const PROPERTIES: &[(&str, &str, &str)] = &[
    ("callbackurl", "string", "The exact redirect URI this widget sends: register it with the provider. Without `redirect-uri` it is the page's origin + pathname, with no query and no fragment."),
    ("accessToken", "string | null", "The current access token, or `null`. Never written to an attribute, the console or a URL."),
    ("loggedIn", "boolean", "`true` while an unexpired token is held."),
    ("expiresAt", "number | null", "When the token expires, in milliseconds since the epoch; `null` when unknown or logged out."),
    ("profile", "OAuthProfile | null", "Who is logged in: from the verified id_token's claims and the profile endpoint; `null` when logged out or unknown."),
    ("idToken", "string | null", "The verified id_token (the compact JWS), for the page to send to its own server; `null` without OpenID Connect."),
];

/// The methods: name, TypeScript parameters, return type, doc.
#[cfg(not(target_arch = "wasm32"))]
pub const METHODS: &[(&str, &str, &str, &str)] = &[
    ("login", "", "Promise<OAuthLoginDetail>", "Starts a login (or joins the pending one); resolves with the `oauth-login` detail or rejects with an `OAuthError`. Clicking the button calls it."),
    ("logout", "options?: { endSession?: boolean }", "Promise<{ revoked: boolean }>", "Forgets the tokens (and their stored copies) at once and fires `oauth-logout`, then revokes them where a revocation endpoint is known; resolves with whether the endpoint accepted each, and never rejects. `{ endSession: true }` then ends the provider's session too (OpenID Connect RP-Initiated Logout)."),
    ("fetch", "input: RequestInfo | URL, init?: RequestInit", "Promise<Response>", "`window.fetch` with the token attached (`Authorization: Bearer`, or the `access_token` query parameter where the preset's API wants it). Rejects with `login_required` without a token."),
];

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_custom_element_conventions() {
        for (attr, (name, property, values, default, _, _)) in Attr::ALL.iter().zip(ATTRIBUTES) {
            assert_eq!(attr.name(), *name);
            assert_eq!(attr.values(), *values);
            let mut camel = String::new();
            for (i, word) in name.split('-').enumerate() {
                let mut chars = word.chars();
                if i > 0 {
                    camel.extend(chars.next().map(|c| c.to_ascii_uppercase()));
                }
                camel.extend(chars);
            }
            assert_eq!(&camel, property);
            assert!(values.is_empty() || values.contains(default), "{name}");
        }
        assert!(Event::TEXTS.iter().all(|name| name.starts_with("oauth-")));
        assert_eq!(Event::TEXTS.len(), EVENT_DOCS.len());
        assert_eq!(Mode::parse("redirect"), Some(Mode::Redirect));
        assert_eq!(Mode::parse("tab"), None);
        assert_eq!(ButtonState::Cancelled.as_str(), "cancelled");
    }

    #[test]
    fn error_codes_are_spelled_as_the_contract_lists_them() {
        assert_eq!(OWN_CODES.len(), ERROR_CODES.len());
        for (code, (text, _)) in OWN_CODES.iter().zip(ERROR_CODES) {
            assert_eq!(code.as_str(), *text);
        }
        assert_eq!(
            ErrorCode::Provider("access_denied".into()).as_str(),
            "access_denied"
        );
    }

    #[test]
    fn the_markup_has_exactly_the_declared_parts() {
        let used: Vec<&str> = MARKUP
            .split("part=")
            .skip(1)
            .filter_map(|rest| rest.split([' ', '>']).next())
            .collect();
        let declared: Vec<&str> = PARTS.iter().map(|(name, _)| *name).collect();
        assert_eq!(used, declared);
        assert!(
            !MARKUP.contains("style"),
            "no inline style: the style is adopted"
        );
    }
}
