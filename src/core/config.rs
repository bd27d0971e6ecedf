//! From the element's attributes (or `login()` options) to a validated, typed [`Config`], and the
//! advice a page author sees in the console.
//!
//! Every rule that can refuse a value lives in [`Config::from_settings`], so an `invalid_config`
//! always names the setting and the fix. Names, allowed values and defaults come from
//! `core::contract`.

use super::ascii;
use super::contract::{Attr, ATTRIBUTES, SECRET_ATTRIBUTES};
use super::error::{join, text, OAuthError};
use super::json::{decimal, parse_decimal};
use super::params::{decode_pairs, Params};
use super::provider::{self, Preset, PRESETS};
use super::request::{Scopes, RESERVED_AUTHORIZE_PARAMS};
use super::url::{is_secure_endpoint, split_url};

/// The default `timeout`, in seconds.
pub const DEFAULT_TIMEOUT_SECS: u32 = 300;
/// The longest `timeout` accepted, in seconds (a day).
pub const MAX_TIMEOUT_SECS: u32 = 86_400;
/// The longest client id accepted.
const MAX_CLIENT_ID_LEN: usize = 512;

/// Which grant a login uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// The implicit grant: the token comes in the fragment.
    Token,
    /// The authorization code with PKCE: a code comes back and is exchanged at `token-url`.
    Code,
}

/// How the authorization page is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// In a popup window; the page stays.
    Popup,
    /// By navigating this tab away and back.
    Redirect,
}

/// Where a token is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageKind {
    /// Only in this page's memory.
    Memory,
    /// `sessionStorage`: this tab, until it closes.
    Session,
    /// `localStorage`: every tab of this origin, until logout or expiry.
    Local,
}

/// The page the widget runs on: what `callbackurl` and same-origin checks are made from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    /// `location.origin`, e.g. `http://localhost:8080`.
    pub origin: String,
    /// `location.pathname`, e.g. `/`.
    pub path: String,
}

impl Page {
    /// The default redirect URI: origin and path, no query, no fragment.
    pub fn callback_url(&self) -> String {
        text(&[&self.origin, &self.path])
    }
}

/// The settings as given, before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// A value per entry of `ATTRIBUTES`, blank values dropped.
    values: Vec<Option<String>>,
    /// The element's `id`, which keys its token and redirect logins.
    pub id: Option<String>,
    /// Whether a `client-secret` / `client_secret` attribute or option is present.
    pub has_client_secret: bool,
    /// Attribute names that are not the element's (for "did you mean" advice).
    pub unknown: Vec<String>,
}

impl Settings {
    /// Reads every attribute of an element (or the options of `login()`, named as
    /// attributes), given as form-encoded `name=value` pairs.
    pub fn parse(attributes: &str) -> Self {
        let mut settings = Self {
            values: vec![None; ATTRIBUTES.len()],
            ..Self::default()
        };
        for (name, value) in decode_pairs(attributes) {
            let value = value.trim_ascii();
            if let Some(i) = ATTRIBUTES.iter().position(|a| a.name == name) {
                if let Some(slot) = settings.values.get_mut(i) {
                    *slot = Some(value.to_owned()).filter(|v| !v.is_empty());
                }
            } else if name == "id" {
                settings.id = Some(value.to_owned()).filter(|v| !v.is_empty());
            } else if SECRET_ATTRIBUTES.iter().any(|a| a.name == name) {
                settings.has_client_secret = true;
            } else {
                settings.unknown.push(name);
            }
        }
        settings
    }

    /// A setting; blank values count as absent.
    pub fn get(&self, attr: Attr) -> Option<&str> {
        self.values.get(attr as usize)?.as_deref()
    }

    /// The preset named by `provider` (the custom one when none or an unknown one is named).
    pub fn preset(&self) -> &'static Preset {
        self.get(Attr::Provider)
            .and_then(provider::find)
            .unwrap_or(&provider::CUSTOM)
    }

    /// The button text: the `label` setting, or the contract's default for the preset, which
    /// says so once a user is logged in (the button still logs in again, to switch accounts).
    pub fn label(&self, logged_in: bool) -> String {
        let verb = if logged_in { "Logged in" } else { "Log in" };
        match (self.get(Attr::Label), self.preset().display_name) {
            (Some(label), _) => label.to_owned(),
            (None, "") => verb.to_owned(),
            (None, name) => text(&[verb, " with ", name]),
        }
    }

    /// `callbackurl`: the redirect URI this widget sends.
    pub fn callback_url(&self, page: &Page) -> String {
        match self.get(Attr::RedirectUri) {
            Some(uri) => uri.to_owned(),
            None => page.callback_url(),
        }
    }

    /// Which of an attribute's declared values is set (its default when absent).
    fn choice(&self, attr: Attr) -> Result<usize, OAuthError> {
        let declared = attr.declared();
        let value = self.get(attr).unwrap_or(declared.default);
        declared
            .values
            .iter()
            .position(|v| *v == value)
            .ok_or_else(|| {
                OAuthError::config(text(&[
                    declared.name,
                    " `",
                    value,
                    "` is not one of: ",
                    &join(declared.values, ", "),
                ]))
            })
    }
}

/// A validated configuration: everything a login needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The preset ([`provider::CUSTOM`] when no `provider` is given).
    pub preset: &'static Preset,
    /// The app's client id.
    pub client_id: String,
    /// The scopes to request.
    pub scopes: Scopes,
    /// The authorization endpoint.
    pub authorize_url: String,
    /// The redirect URI sent (and the page that must receive the response).
    pub redirect_uri: String,
    /// The grant.
    pub flow: Flow,
    /// The absolute URL where a code is exchanged (the code flow only).
    pub token_url: Option<String>,
    /// More authorization-request parameters.
    pub extra_params: Params,
    /// The `iss` an authorization response must carry, if set.
    pub issuer: Option<String>,
    /// Popup or redirect.
    pub mode: Mode,
    /// Whether a blocked popup goes on as a redirect login.
    pub fallback_to_redirect: bool,
    /// Where the token is kept.
    pub storage: StorageKind,
    /// Seconds a pending login may take.
    pub timeout_secs: u32,
    /// Identifies this widget's stored token and redirect logins: `#id`, or provider and client id.
    pub key: String,
}

impl Config {
    /// Validates `settings` for a widget on `page`.
    pub fn from_settings(settings: &Settings, page: &Page) -> Result<Self, OAuthError> {
        if settings.has_client_secret {
            return Err(OAuthError::config(
                "a client secret must never be put in a web page, where anyone can read it: remove \
                 the client-secret attribute and rotate the secret, since it has been exposed. A \
                 provider that needs one is reached through an exchange (token-url)",
            ));
        }
        let preset = match settings.get(Attr::Provider) {
            None => &provider::CUSTOM,
            Some(id) => PRESETS.iter().find(|p| p.id == id).ok_or_else(|| {
                let known: Vec<&str> = PRESETS.iter().map(|p| p.id).collect();
                OAuthError::config(text(&[
                    "unknown provider `",
                    id,
                    "`: use one of ",
                    &join(&known, ", "),
                    ", or none with authorize-url",
                ]))
            })?,
        };
        let client_id = match settings.get(Attr::ClientId) {
            None => return Err(OAuthError::config(
                "client-id is required: the client id of the app you registered with the provider",
            )),
            Some(id) if id.len() > MAX_CLIENT_ID_LEN || id.chars().any(char::is_control) => {
                return Err(OAuthError::config(
                    "client-id is too long or holds control characters",
                ))
            }
            Some(id) => id,
        };
        let authorize_url = match (settings.get(Attr::AuthorizeUrl), preset.authorize_url) {
            (Some(url), _) => url,
            (None, "") => {
                return Err(OAuthError::config(
                    "authorize-url is required when no provider is given",
                ))
            }
            (None, preset_url) => preset_url,
        };
        match split_url(authorize_url) {
            Some(parts) if is_secure_endpoint(&parts) => {}
            Some(_) => {
                return Err(OAuthError::config(text(&[
                    "authorize-url `",
                    authorize_url,
                    "` must use https: (plain http only for localhost, 127.0.0.1 or [::1])",
                ])))
            }
            None => return Err(not_absolute("authorize-url", authorize_url)),
        }
        let redirect_uri = settings.callback_url(page);
        match split_url(&redirect_uri) {
            // The response must land on a page of this origin: only there can it reach the opener
            // (postMessage to our own origin) or this tab's pending login (sessionStorage).
            Some(parts) if parts.origin == page.origin.to_ascii_lowercase() => {}
            Some(_) => {
                return Err(OAuthError::config(text(&[
                    "redirect-uri `",
                    &redirect_uri,
                    "` must be on this page's origin (",
                    &page.origin,
                    "), where the widget can receive the response",
                ])))
            }
            None => return Err(not_absolute("redirect-uri", &redirect_uri)),
        }
        let flow = [Flow::Token, Flow::Code][settings.choice(Attr::ResponseType)?];
        let token_url =
            match (flow, settings.get(Attr::TokenUrl)) {
                (Flow::Token, _) => None,
                (Flow::Code, None) => return Err(OAuthError::config(
                    "response-type `code` needs token-url: the provider's token endpoint, or your \
                     exchange for a provider that needs a client secret",
                )),
                (Flow::Code, Some(url)) => Some(resolve_token_url(url, page)?),
            };
        let extra_params = match settings.get(Attr::ExtraParams) {
            None => Params::default(),
            Some(raw) => check_extra_params(raw)?,
        };
        let mode = [Mode::Popup, Mode::Redirect][settings.choice(Attr::Mode)?];
        let fallback_to_redirect = settings.choice(Attr::Fallback)? == 0;
        let storage = [
            StorageKind::Memory,
            StorageKind::Session,
            StorageKind::Local,
        ][settings.choice(Attr::Storage)?];
        let timeout_secs = match settings.get(Attr::Timeout) {
            None => DEFAULT_TIMEOUT_SECS,
            Some(value) => parse_timeout(value)?,
        };
        let scopes = match settings.get(Attr::Scope) {
            Some(list) => Scopes::parse(list),
            None => Scopes::from_list(preset.default_scopes),
        };
        let key = match &settings.id {
            Some(id) => text(&["#", id]),
            None => text(&[preset.id, ":", client_id]),
        };
        Ok(Self {
            preset,
            client_id: client_id.to_owned(),
            scopes,
            authorize_url: authorize_url.to_owned(),
            redirect_uri,
            flow,
            token_url,
            extra_params,
            issuer: settings.get(Attr::Issuer).map(str::to_owned),
            mode,
            fallback_to_redirect,
            storage,
            timeout_secs,
            key,
        })
    }
}

fn not_absolute(name: &str, url: &str) -> OAuthError {
    OAuthError::config(text(&[
        name,
        " `",
        url,
        "` is not an absolute http(s) URL without user info or fragment",
    ]))
}

/// `token-url`: an absolute https URL (loopback http aside), or a path on the page's origin.
fn resolve_token_url(url: &str, page: &Page) -> Result<String, OAuthError> {
    let absolute = match url.strip_prefix('/') {
        Some(rest) if !rest.starts_with('/') => text(&[&page.origin, url]),
        _ => url.to_owned(),
    };
    match split_url(&absolute) {
        Some(parts) if is_secure_endpoint(&parts) => Ok(absolute),
        _ => Err(OAuthError::config(text(&[
            "token-url `",
            url,
            "` must be an absolute https: URL (plain http only on localhost, 127.0.0.1 or [::1]) \
             or a path on this page's origin, such as /oauth/token",
        ]))),
    }
}

fn check_extra_params(raw: &str) -> Result<Params, OAuthError> {
    let params = Params::parse(raw).map_err(|e| {
        OAuthError::config(text(&["extra-params is not form-encoded: ", &e.describe()]))
    })?;
    let reserved = params
        .iter()
        .map(|(name, _)| name)
        .find(|name| RESERVED_AUTHORIZE_PARAMS.contains(name))
        .map(str::to_owned);
    match reserved {
        Some(name) => Err(OAuthError::config(text(&[
            "extra-params must not set `",
            &name,
            "`: the widget sets it itself",
        ]))),
        None => Ok(params),
    }
}

fn parse_timeout(value: &str) -> Result<u32, OAuthError> {
    match parse_decimal(value, 6).and_then(|secs| u32::try_from(secs).ok()) {
        Some(secs) if (1..=MAX_TIMEOUT_SECS).contains(&secs) => Ok(secs),
        _ => Err(OAuthError::config(text(&[
            "timeout `",
            value,
            "` must be a whole number of seconds from 1 to ",
            &decimal(MAX_TIMEOUT_SECS.into()),
        ]))),
    }
}

/// Attributes any HTML element may carry: never advice-worthy.
fn is_global_attribute(name: &str) -> bool {
    const GLOBAL: &[&str] = &[
        "class",
        "style",
        "hidden",
        "title",
        "slot",
        "part",
        "tabindex",
        "lang",
        "dir",
        "role",
        "inert",
        "is",
        "exportparts",
        "autofocus",
        "nonce",
        "translate",
        "draggable",
        "contenteditable",
    ];
    GLOBAL.contains(&name)
        || name.starts_with("data-")
        || name.starts_with("aria-")
        || name.starts_with("on")
}

/// Advice for the page author's console: attributes that look like a misspelled one, and a
/// preset asked for a flow its provider no longer offers. Never blocks a login.
pub fn advice(settings: &Settings) -> Vec<String> {
    let mut lines = Vec::new();
    for name in settings.unknown.iter().filter(|n| !is_global_attribute(n)) {
        let squash = |s: &str| ascii::split(s, b"-_").collect::<String>();
        let near = ATTRIBUTES
            .iter()
            .find(|a| squash(a.name) == squash(name) || edit_distance(a.name, name) <= 2);
        if let Some(attr) = near {
            lines.push(text(&[
                "<oauth-login>: unknown attribute `",
                name,
                "`: did you mean `",
                attr.name,
                "`?",
            ]));
        }
    }
    let preset = settings.preset();
    let overridden = settings.get(Attr::AuthorizeUrl).is_some();
    let wants_token = settings.get(Attr::ResponseType).unwrap_or("token") == "token";
    if wants_token && !preset.serves_implicit && !overridden {
        lines.push(text(&[
            "<oauth-login>: ",
            preset.display_name,
            " no longer offers response-type `token` (the implicit grant): use response-type=\"code\" \
             with token-url pointing at your exchange. Logging in anyway.",
        ]));
    }
    lines
}

/// Levenshtein distance over bytes, for short attribute names.
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, &ca) in a.as_bytes().iter().enumerate() {
        let mut diagonal = i;
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, &cb) in b.iter().enumerate() {
            let above = row.get(j + 1).copied().unwrap_or(0);
            let left = row.get(j).copied().unwrap_or(0);
            let best = (diagonal + usize::from(ca != cb))
                .min(above + 1)
                .min(left + 1);
            diagonal = above;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = best;
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::core::error::ErrorCode;

    pub(crate) fn page() -> Page {
        Page {
            origin: "http://localhost:8080".into(),
            path: "/app/".into(),
        }
    }

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        let mut p = Params::default();
        for (name, value) in pairs {
            p.set(name, value);
        }
        Settings::parse(&p.encode())
    }

    fn config(pairs: &[(&str, &str)]) -> Result<Config, OAuthError> {
        Config::from_settings(&settings(pairs), &page())
    }

    #[test]
    fn preset_defaults_fill_in() {
        let c = config(&[("provider", "google"), ("client-id", "abc")]).unwrap();
        assert_eq!(
            c.authorize_url,
            "https://accounts.google.com/o/oauth2/v2/auth"
        );
        assert_eq!(c.redirect_uri, "http://localhost:8080/app/");
        assert_eq!(c.scopes.as_slice(), ["openid", "email", "profile"]);
        assert_eq!(
            (c.mode, c.fallback_to_redirect, c.storage, c.flow),
            (Mode::Popup, true, StorageKind::Memory, Flow::Token)
        );
        let google = settings(&[("provider", "google")]);
        assert_eq!(google.label(false), "Log in with Google");
        assert_eq!(google.label(true), "Logged in with Google");
        assert_eq!(
            (c.timeout_secs, c.key.as_str(), c.token_url.as_deref()),
            (300, "google:abc", None)
        );
    }

    #[test]
    fn custom_provider_with_every_setting() {
        let c = config(&[
            ("id", "main"),
            ("client-id", " app "),
            ("authorize-url", "http://127.0.0.1:9090/oauth/authorize"),
            ("redirect-uri", "http://LOCALHOST:8080/cb?x=1"),
            ("response-type", "code"),
            ("token-url", "/oauth/token"),
            ("extra-params", "prompt=consent&login_hint=a%40b.example"),
            ("issuer", "http://127.0.0.1:9090"),
            ("scope", "a,b c"),
            ("mode", "redirect"),
            ("fallback", "none"),
            ("storage", "local"),
            ("label", "Sign in"),
            ("timeout", "30"),
        ])
        .unwrap();
        assert_eq!(c.preset.id, "custom");
        assert_eq!(c.client_id, "app");
        assert_eq!(c.scopes.as_slice(), ["a", "b", "c"]);
        assert_eq!(
            (c.mode, c.fallback_to_redirect, c.storage),
            (Mode::Redirect, false, StorageKind::Local)
        );
        assert_eq!(
            (c.flow, c.token_url.as_deref()),
            (Flow::Code, Some("http://localhost:8080/oauth/token"))
        );
        assert_eq!(c.extra_params.get("login_hint"), Some("a@b.example"));
        assert_eq!(c.issuer.as_deref(), Some("http://127.0.0.1:9090"));
        assert_eq!((c.timeout_secs, c.key.as_str()), (30, "#main"));
        assert_eq!(settings(&[("label", "Sign in")]).label(true), "Sign in");
        assert_eq!(
            (
                settings(&[]).label(false),
                settings(&[]).label(true).as_str()
            ),
            ("Log in".to_owned(), "Logged in")
        );
    }

    #[test]
    fn each_invalid_config_names_its_problem() {
        let gg = ("provider", "google");
        let id = ("client-id", "abc");
        let code = ("response-type", "code");
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[gg], "client-id is required"),
            (&[gg, ("client-id", "   ")], "client-id is required"),
            (&[gg, ("client-id", "a\u{7}b")], "control characters"),
            (
                &[("provider", "myspace"), id],
                "unknown provider `myspace`: use one of instagram, facebook",
            ),
            (&[id], "authorize-url is required"),
            (
                &[id, ("authorize-url", "http://evil.example/auth")],
                "must use https",
            ),
            (
                &[id, ("authorize-url", "http://localhost.evil.example/")],
                "must use https",
            ),
            (
                &[id, ("authorize-url", "javascript:alert(1)")],
                "not an absolute http(s) URL",
            ),
            (
                &[gg, id, ("redirect-uri", "https://other.example/")],
                "must be on this page's origin",
            ),
            (&[gg, id, ("redirect-uri", "/relative")], "not an absolute"),
            (
                &[gg, id, ("response-type", "id_token")],
                "response-type `id_token` is not one of: token, code",
            ),
            (&[gg, id, code], "response-type `code` needs token-url"),
            (
                &[gg, id, code, ("token-url", "http://tokens.example/t")],
                "token-url `http://tokens.example/t` must be",
            ),
            (
                &[gg, id, code, ("token-url", "//tokens.example/t")],
                "token-url",
            ),
            (&[gg, id, code, ("token-url", "relative/path")], "token-url"),
            (
                &[gg, id, ("extra-params", "a=%zz")],
                "extra-params is not form-encoded: bad percent-encoding",
            ),
            (
                &[gg, id, ("extra-params", "prompt=x&state=forged")],
                "extra-params must not set `state`",
            ),
            (
                &[gg, id, ("extra-params", "code_challenge=x")],
                "must not set `code_challenge`",
            ),
            (
                &[gg, id, ("mode", "tab")],
                "mode `tab` is not one of: popup, redirect",
            ),
            (
                &[gg, id, ("fallback", "popup")],
                "fallback `popup` is not one of: redirect, none",
            ),
            (
                &[gg, id, ("storage", "cookie")],
                "storage `cookie` is not one of: memory, session, local",
            ),
            (
                &[gg, id, ("timeout", "0")],
                "timeout `0` must be a whole number of seconds from 1 to 86400",
            ),
            (&[gg, id, ("timeout", "-5")], "timeout `-5`"),
            (&[gg, id, ("timeout", "1.5")], "timeout `1.5`"),
            (&[gg, id, ("timeout", "86401")], "timeout `86401`"),
            (
                &[gg, id, ("timeout", "99999999999")],
                "timeout `99999999999`",
            ),
        ];
        for (pairs, expected) in cases {
            let err = config(pairs).expect_err(expected);
            assert_eq!(err.code, ErrorCode::InvalidConfig, "{expected}");
            assert!(
                err.description.contains(expected),
                "{expected}: {}",
                err.description
            );
        }
        assert_eq!(
            config(&[gg, id, ("timeout", "86400")])
                .unwrap()
                .timeout_secs,
            86_400
        );
    }

    #[test]
    fn a_client_secret_refuses_with_the_reason_and_never_repeats_it() {
        for secret in SECRET_ATTRIBUTES {
            let err = config(&[
                ("provider", "google"),
                ("client-id", "abc"),
                (secret.name, "s3cret"),
            ])
            .unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidConfig);
            assert!(err
                .description
                .contains("client secret must never be put in a web page"));
            assert!(!err.description.contains("s3cret"));
        }
    }

    #[test]
    fn advice_names_near_misses_and_retired_flows() {
        let s = settings(&[
            ("provider", "linkedin"),
            ("clientid", "x"),
            ("scopes", "a"),
            ("class", "big"),
            ("data-x", "1"),
        ]);
        let advice = advice(&s);
        assert_eq!(advice.len(), 3, "{advice:?}");
        assert!(advice[0].contains("`clientid`: did you mean `client-id`?"));
        assert!(advice[1].contains("`scopes`: did you mean `scope`?"));
        assert!(advice[2].contains("LinkedIn no longer offers response-type `token`"));
        assert!(advice[2].contains("response-type=\"code\""));
        // Asking for the code flow, or pointing authorize-url elsewhere, silences the flow advice.
        assert!(advice_of(&[("provider", "linkedin"), ("response-type", "code")]).is_empty());
        assert!(advice_of(&[
            ("provider", "box"),
            ("authorize-url", "https://compat.example/a")
        ])
        .is_empty());
        assert!(advice_of(&[("provider", "facebook")]).is_empty());
        assert!(advice_of(&[("provider", "instagram")]).len() == 1);
    }

    fn advice_of(pairs: &[(&str, &str)]) -> Vec<String> {
        advice(&settings(pairs))
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("scope", "scope"), 0);
        assert_eq!(edit_distance("scope", "scopes"), 1);
        assert_eq!(edit_distance("label", "lable"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
