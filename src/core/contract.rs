//! The element's public contract, declared once: its attributes (with their allowed values,
//! defaults, TypeScript types and docs), events, CSS parts, read-only properties and methods.
//!
//! Validation (`core::config`) reads the names, values and defaults from here; the JS class
//! reflects exactly these attributes; `custom-elements.json` and `index.d.ts` are generated
//! from the same tables (`cargo run --example contract` prints them as JSON). Docs and types are
//! compiled natively only, so none of their bytes reach the browser.

/// One reflected setting of `<oauth-login>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribute {
    /// The HTML attribute name (kebab-case).
    pub name: &'static str,
    /// The JS property name (camelCase; also the `login(options)` key).
    pub property: &'static str,
    /// The values allowed; empty when the value is free text (checked by its own rule).
    pub values: &'static [&'static str],
    /// The default, as a value of the attribute; empty when there is none.
    pub default: &'static str,
}

macro_rules! attributes {
    ($( $variant:ident $name:literal $property:literal [$($value:literal),*] $default:literal : $ts:literal, $doc:literal; )*) => {
        /// An attribute, by its place in [`ATTRIBUTES`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Attr { $( #[doc = $doc] $variant, )* }

        /// Every reflected setting, in the contract's order.
        pub const ATTRIBUTES: &[Attribute] = &[$(
            Attribute { name: $name, property: $property, values: &[$($value),*], default: $default },
        )*];

        /// Each attribute's TypeScript type (empty: the union of its values) and doc, in order.
        #[cfg(not(target_arch = "wasm32"))]
        pub const ATTRIBUTE_DOCS: &[(&str, &str)] = &[$( ($ts, $doc), )*];
    };
}

attributes! {
    Provider "provider" "provider" [] "" : "", "A preset provider (`instagram`, `facebook`, `google`, `linkedin`, `box`). Absent means a custom provider given by `authorize-url`.";
    ClientId "client-id" "clientId" [] "" : "string", "The app's client id, as registered with the provider. Required.";
    Scope "scope" "scope" [] "" : "string", "Scopes to request, separated by spaces or commas; sent joined with the provider's own separator. Defaults to the preset's default scopes.";
    AuthorizeUrl "authorize-url" "authorizeUrl" [] "" : "string", "The authorization endpoint; overrides the preset's. Must be `https:`, except on loopback hosts (`localhost`, `127.0.0.1`, `[::1]`).";
    RedirectUri "redirect-uri" "redirectUri" [] "" : "string", "Overrides the redirect URI sent to the provider; must be on the page's own origin. Defaults to `callbackurl`: the page's origin + pathname.";
    ResponseType "response-type" "responseType" ["token", "code"] "token" : "", "`token`: the implicit grant. `code`: the authorization code flow with PKCE (needs `token-url`).";
    TokenUrl "token-url" "tokenUrl" [] "" : "string", "Where a `code` is exchanged: the provider's token endpoint (a public client) or your own exchange (a provider that needs a client secret). An absolute `https:` URL (loopback `http:` aside) or a path on the page's own origin. Required with `response-type=\"code\"`.";
    ExtraParams "extra-params" "extraParams" [] "" : "string", "More authorization-request parameters, form-encoded (`prompt=consent&login_hint=a%40b.example`). Naming one the widget sets itself is `invalid_config`.";
    Issuer "issuer" "issuer" [] "" : "string", "The provider's issuer identifier (RFC 9207): when set, an authorization response must carry an equal `iss`, or it is refused with `invalid_response`.";
    Mode "mode" "mode" ["popup", "redirect"] "popup" : "", "How the provider's page is shown: `popup` (the page stays) or `redirect` (this tab goes to the provider and back).";
    Fallback "fallback" "fallback" ["redirect", "none"] "redirect" : "", "What a blocked popup does: `redirect` (go on as a redirect login) or `none` (fail with `popup_blocked`).";
    Storage "storage" "storage" ["memory", "session", "local"] "memory" : "", "Where the token is kept: `memory` (this page only), `session` (sessionStorage) or `local` (localStorage).";
    Label "label" "label" [] "" : "string", "The button's text. Defaults to `Log in with <Provider>` (`Log in` for a custom provider).";
    Timeout "timeout" "timeout" [] "300" : "number", "Seconds a pending login may take, the token request included, before it fails with `timeout` (whole seconds, 1 to 86400).";
}

impl Attr {
    /// This attribute's declaration.
    pub fn declared(self) -> &'static Attribute {
        // The enum and the table come from one macro list, in one order.
        &ATTRIBUTES[self as usize]
    }
}

/// Attributes (and `login()` option keys) that would carry a client secret; their mere presence
/// refuses a login. Not reflected: the element has no such setting.
pub const SECRET_ATTRIBUTES: &[Attribute] = &[
    Attribute {
        name: "client-secret",
        property: "clientSecret",
        values: &[],
        default: "",
    },
    Attribute {
        name: "client_secret",
        property: "client_secret",
        values: &[],
        default: "",
    },
];

/// The custom element's tag.
pub const TAG: &str = "oauth-login";

macro_rules! events {
    ($( $variant:ident $name:literal : $detail:literal, $doc:literal; )*) => {
        /// The events the element dispatches (`CustomEvent`s, `bubbles` and `composed`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Event { $( #[doc = $doc] $variant, )* }

        impl Event {
            /// The event's type name.
            pub fn name(self) -> &'static str {
                match self { $( Self::$variant => $name, )* }
            }
        }

        /// Each event's name, `detail` type and doc.
        #[cfg(not(target_arch = "wasm32"))]
        pub const EVENT_DOCS: &[(&str, &str, &str)] = &[$( ($name, $detail, $doc), )*];
    };
}

events! {
    Login "oauth-login" : "OAuthLoginDetail", "A login succeeded, or a stored token was restored when the element connected.";
    Error "oauth-error" : "OAuthErrorDetail", "A login failed.";
    Logout "oauth-logout" : "OAuthProviderDetail", "`logout()` was called.";
    Expired "oauth-expired" : "OAuthProviderDetail", "The held token passed `expiresAt`.";
}

/// The shadow DOM: static markup only; every dynamic text goes in with `textContent`. The
/// button carries the session as `data-state` (`logged-out`, `pending`, `logged-in`, `expired`,
/// `failed`, `cancelled`), each distinct at a glance; the host element has the same as a custom
/// state, so a page styles a state with `oauth-login:state(logged-in)::part(button)`.
pub const TEMPLATE: &str = "<style>:host{display:inline-block}[part=button]{display:inline-flex;align-items:center;gap:.5em;padding:.6em 1.2em;border:0;border-radius:.5em;background:#1f2937;color:#fff;font:inherit;font-weight:600;cursor:pointer}[part=button]:hover{filter:brightness(1.2)}[part=button]:focus-visible{outline:3px solid #2563eb;outline-offset:2px}[aria-busy=true]{cursor:progress;opacity:.85}[data-state=logged-in]{background:#166534}[data-state=logged-in] [part=label]:before{content:\"\\2713  \"}[data-state=expired]{background:#92400e}[part=spinner]{width:1em;height:1em;box-sizing:border-box;border:2px solid;border-right-color:transparent;border-radius:50%;animation:r .8s linear infinite}[hidden]{display:none!important}[part=message]{display:block;margin-top:.4em;color:#b91c1c;font-size:.9em}[data-state=cancelled]~[part=message],[data-state=logged-out]~[part=message]{color:#4b5563}@keyframes r{to{transform:rotate(1turn)}}</style><button part=button type=button><span part=spinner hidden></span><span part=label></span></button><span part=message role=status></span>";

/// The CSS parts of the template, with their docs.
#[cfg(not(target_arch = "wasm32"))]
pub const PART_DOCS: &[(&str, &str)] = &[
    (
        "button",
        "The login `<button>`; `aria-busy` while a login is pending, `data-state` for the session.",
    ),
    ("spinner", "Shown while a login is pending."),
    ("label", "The button's text."),
    (
        "message",
        "The last error, a cancel, an expiry or a setup problem, as text.",
    ),
];

/// The read-only properties: name, TypeScript type, doc.
#[cfg(not(target_arch = "wasm32"))]
pub const PROPERTY_DOCS: &[(&str, &str, &str)] = &[
    ("callbackurl", "string", "The exact redirect URI this widget sends: register it with the provider. Without `redirect-uri` it is the page's origin + pathname, with no query and no fragment."),
    ("accessToken", "string | null", "The current access token, or `null`. Never written to an attribute, the console or a URL."),
    ("loggedIn", "boolean", "`true` while an unexpired token is held."),
    ("expiresAt", "number | null", "When the token expires, in milliseconds since the epoch; `null` when unknown or logged out."),
];

/// The methods: name, TypeScript parameters, return type, doc.
#[cfg(not(target_arch = "wasm32"))]
pub const METHOD_DOCS: &[(&str, &str, &str, &str)] = &[
    ("login", "", "Promise<OAuthLoginDetail>", "Starts a login (or joins the pending one); resolves with the `oauth-login` detail or rejects with an `OAuthError`. Clicking the button calls it."),
    ("logout", "", "void", "Forgets the token and its stored copy, and fires `oauth-logout`."),
    ("fetch", "input: RequestInfo | URL, init?: RequestInit", "Promise<Response>", "`window.fetch` with the token attached (`Authorization: Bearer`, or the `access_token` query parameter where the preset's API wants it). Rejects with `login_required` without a token."),
];

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_custom_element_conventions() {
        for a in ATTRIBUTES {
            let camel: String = a
                .name
                .split('-')
                .enumerate()
                .map(|(i, w)| {
                    if i == 0 {
                        w.to_owned()
                    } else {
                        w[..1].to_uppercase() + &w[1..]
                    }
                })
                .collect();
            assert_eq!(camel, a.property, "{}", a.name);
            assert!(
                a.values.is_empty() || a.values.contains(&a.default),
                "{}: default is allowed",
                a.name
            );
        }
        assert_eq!(Attr::Timeout.declared().name, "timeout");
        assert_eq!(ATTRIBUTES.len(), ATTRIBUTE_DOCS.len());
        assert!(EVENT_DOCS
            .iter()
            .all(|(name, _, _)| name.starts_with("oauth-")));
        assert_eq!(Event::Expired.name(), "oauth-expired");
    }

    #[test]
    fn the_template_has_exactly_the_declared_parts() {
        let markup = TEMPLATE.split("</style>").nth(1).unwrap();
        let used: Vec<&str> = markup
            .split("part=")
            .skip(1)
            .filter_map(|rest| rest.split([' ', '>']).next())
            .collect();
        let declared: Vec<&str> = PART_DOCS.iter().map(|(name, _)| *name).collect();
        assert_eq!(used, declared);
    }
}
