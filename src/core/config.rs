//! From the element's attributes (or `login()` options) to a validated, typed [`Config`].
//!
//! [`ATTRIBUTES`] is the one declaration of the element's settings: the JS class reflects exactly
//! these as properties, `login(options)` reads exactly these, and every rule that can refuse a
//! value lives in [`Config::from_settings`], so an `invalid_config` always says what to fix.

use super::error::OAuthError;
use super::provider::{self, Preset};
use super::request::Scopes;

/// One setting: its kebab-case attribute and camelCase property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribute {
    /// The HTML attribute name.
    pub name: &'static str,
    /// The JS property name (also the `login(options)` key).
    pub property: &'static str,
}

/// Every reflected setting of `<oauth-login>`, in the contract's order.
pub const ATTRIBUTES: &[Attribute] = &[
    Attribute { name: "provider", property: "provider" },
    Attribute { name: "client-id", property: "clientId" },
    Attribute { name: "scope", property: "scope" },
    Attribute { name: "authorize-url", property: "authorizeUrl" },
    Attribute { name: "redirect-uri", property: "redirectUri" },
    Attribute { name: "response-type", property: "responseType" },
    Attribute { name: "mode", property: "mode" },
    Attribute { name: "fallback", property: "fallback" },
    Attribute { name: "storage", property: "storage" },
    Attribute { name: "label", property: "label" },
    Attribute { name: "timeout", property: "timeout" },
];

/// Attribute names that would carry a client secret; their mere presence refuses a login.
pub const SECRET_ATTRIBUTES: &[&str] = &["client-secret", "client_secret"];

/// The default `timeout`, in seconds.
pub const DEFAULT_TIMEOUT_SECS: u32 = 300;
/// The longest `timeout` accepted, in seconds (a day).
pub const MAX_TIMEOUT_SECS: u32 = 86_400;
/// The longest client id accepted.
const MAX_CLIENT_ID_LEN: usize = 512;

/// How the authorization page is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// In a popup window; the page stays.
    Popup,
    /// By navigating this tab away and back.
    Redirect,
}

/// What a blocked popup does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    /// Carry on as a redirect login.
    Redirect,
    /// Fail with `popup_blocked`.
    None,
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageLocation {
    /// `location.origin`, e.g. `http://localhost:8080`.
    pub origin: String,
    /// `location.pathname`, e.g. `/`.
    pub pathname: String,
}

impl PageLocation {
    /// The default redirect URI: origin and path, no query, no fragment.
    pub fn callback_url(&self) -> String {
        format!("{}{}", self.origin, self.pathname)
    }
}

/// The settings as given, before validation: a value per attribute name, and whether a secret
/// was offered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    values: Vec<(&'static str, String)>,
    /// Whether a `client-secret` / `client_secret` attribute or option is present.
    pub has_client_secret: bool,
}

impl Settings {
    /// Reads every attribute of [`ATTRIBUTES`] through `lookup(attribute)`.
    pub fn read(mut lookup: impl FnMut(&Attribute) -> Option<String>) -> Self {
        let values = ATTRIBUTES
            .iter()
            .filter_map(|a| lookup(a).map(|v| (a.name, v)))
            .collect();
        Self { values, has_client_secret: false }
    }

    /// A setting by attribute name; blank values count as absent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
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
    /// Popup or redirect.
    pub mode: Mode,
    /// What a blocked popup does.
    pub fallback: Fallback,
    /// Where the token is kept.
    pub storage: StorageKind,
    /// The button's text.
    pub label: String,
    /// Seconds a pending login may take.
    pub timeout_secs: u32,
    /// Identifies this widget's stored token and redirect logins: its `id`, or provider and
    /// client id.
    pub key: String,
}

impl Config {
    /// Validates `settings` for a widget on `page`; `element_id` is the element's `id`, if any.
    pub fn from_settings(
        settings: &Settings,
        page: &PageLocation,
        element_id: Option<&str>,
    ) -> Result<Self, OAuthError> {
        if settings.has_client_secret {
            return Err(OAuthError::config(
                "a client secret must never be put in a web page, where anyone can read it; \
                 the implicit flow needs none: remove the client-secret attribute (and rotate the \
                 secret, since it has been exposed)",
            ));
        }
        let preset = match settings.get("provider") {
            None => &provider::CUSTOM,
            Some(id) => provider::find(id).ok_or_else(|| {
                let known: Vec<&str> = provider::PRESETS.iter().map(|p| p.id).collect();
                OAuthError::config(format!(
                    "unknown provider `{id}`: use one of {}, or none with authorize-url",
                    known.join(", ")
                ))
            })?,
        };
        let client_id = match settings.get("client-id") {
            None => return Err(OAuthError::config("client-id is required: the client id of the app you registered with the provider")),
            Some(id) if id.len() > MAX_CLIENT_ID_LEN || id.chars().any(char::is_control) => {
                return Err(OAuthError::config("client-id is too long or holds control characters"))
            }
            Some(id) => id.to_owned(),
        };
        let authorize_url = match (settings.get("authorize-url"), preset.authorize_url) {
            (Some(url), _) => url,
            (None, "") => {
                return Err(OAuthError::config(
                    "authorize-url is required when no provider is given",
                ))
            }
            (None, preset_url) => preset_url,
        };
        check_authorize_url(authorize_url)?;
        let callback_url = page.callback_url();
        let redirect_uri = settings.get("redirect-uri").unwrap_or(&callback_url);
        check_redirect_uri(redirect_uri, &page.origin)?;
        match settings.get("response-type") {
            None | Some("token") => {}
            Some(other) => {
                return Err(OAuthError::config(format!(
                    "response-type `{other}` is not supported: a web page cannot redeem a code \
                     without a secret; use `token`"
                )))
            }
        }
        let mode = match settings.get("mode") {
            None | Some("popup") => Mode::Popup,
            Some("redirect") => Mode::Redirect,
            Some(other) => return Err(one_of("mode", other, "popup, redirect")),
        };
        let fallback = match settings.get("fallback") {
            None | Some("redirect") => Fallback::Redirect,
            Some("none") => Fallback::None,
            Some(other) => return Err(one_of("fallback", other, "redirect, none")),
        };
        let storage = match settings.get("storage") {
            None | Some("memory") => StorageKind::Memory,
            Some("session") => StorageKind::Session,
            Some("local") => StorageKind::Local,
            Some(other) => return Err(one_of("storage", other, "memory, session, local")),
        };
        let timeout_secs = match settings.get("timeout") {
            None => DEFAULT_TIMEOUT_SECS,
            Some(text) => parse_timeout(text)?,
        };
        let scopes = match settings.get("scope") {
            Some(text) => Scopes::parse(text),
            None => Scopes::from_list(preset.default_scopes),
        };
        Ok(Self {
            preset,
            client_id: client_id.clone(),
            scopes,
            authorize_url: authorize_url.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            mode,
            fallback,
            storage,
            label: label_for(settings.get("label"), preset),
            timeout_secs,
            key: widget_key(element_id, preset, &client_id),
        })
    }
}

/// The button text: the `label` setting, or the contract's default for the preset.
pub fn label_for(label: Option<&str>, preset: &Preset) -> String {
    match (label, preset.display_name) {
        (Some(label), _) => label.to_owned(),
        (None, "") => "Log in".to_owned(),
        (None, name) => format!("Log in with {name}"),
    }
}

/// The key under which a widget keeps its token and redirect logins.
fn widget_key(element_id: Option<&str>, preset: &Preset, client_id: &str) -> String {
    match element_id.map(str::trim).filter(|id| !id.is_empty()) {
        Some(id) => format!("#{id}"),
        None => format!("{}:{client_id}", preset.id),
    }
}

fn one_of(name: &str, got: &str, allowed: &str) -> OAuthError {
    OAuthError::config(format!("{name} `{got}` is not one of: {allowed}"))
}

fn parse_timeout(text: &str) -> Result<u32, OAuthError> {
    let valid = !text.is_empty() && text.len() <= 6 && text.bytes().all(|b| b.is_ascii_digit());
    match text.parse::<u32>() {
        Ok(secs) if valid && (1..=MAX_TIMEOUT_SECS).contains(&secs) => Ok(secs),
        _ => Err(OAuthError::config(format!(
            "timeout `{text}` must be a whole number of seconds from 1 to {MAX_TIMEOUT_SECS}"
        ))),
    }
}

/// The parts of an absolute `http:` or `https:` URL that the rules look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlParts<'a> {
    /// `http` or `https`, lower case.
    pub scheme: String,
    /// The host, lower case, without the port (IPv6 keeps its brackets).
    pub host: String,
    /// The origin, `scheme://host[:port]`, default ports dropped, lower case.
    pub origin: String,
    /// Path and query, as written.
    pub rest: &'a str,
}

/// Splits an absolute http(s) URL; `None` for anything else, including URLs with user info,
/// a fragment, white space or control characters.
pub fn split_url(url: &str) -> Option<UrlParts<'_>> {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) || url.contains('#') {
        return None;
    }
    let (scheme, after) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => ":80",
        "https" => ":443",
        _ => return None,
    };
    let end = after.find(['/', '?']).unwrap_or(after.len());
    let (authority, rest) = after.split_at_checked(end)?;
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let authority = authority.to_ascii_lowercase();
    let host = match authority.strip_prefix('[') {
        Some(v6) => format!("[{}]", v6.split(']').next()?),
        None => authority.split(':').next()?.to_owned(),
    };
    let port = authority.get(host.len()..)?;
    if host.is_empty() || host == "[]" || !(port.is_empty() || is_port(port)) {
        return None;
    }
    let port = if port == default_port { "" } else { port };
    Some(UrlParts { origin: format!("{scheme}://{host}{port}"), scheme, host, rest })
}

fn is_port(text: &str) -> bool {
    text.strip_prefix(':')
        .is_some_and(|digits| (1..=5).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether `host` is a loopback name the contract allows over plain http.
pub fn is_loopback(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

fn check_authorize_url(url: &str) -> Result<(), OAuthError> {
    let parts = split_url(url).ok_or_else(|| {
        OAuthError::config(format!(
            "authorize-url `{url}` is not an absolute http(s) URL without user info or fragment"
        ))
    })?;
    if parts.scheme == "https" || is_loopback(&parts.host) {
        Ok(())
    } else {
        Err(OAuthError::config(format!(
            "authorize-url `{url}` must use https: (plain http only for localhost, 127.0.0.1 or [::1])"
        )))
    }
}

fn check_redirect_uri(url: &str, page_origin: &str) -> Result<(), OAuthError> {
    let parts = split_url(url).ok_or_else(|| {
        OAuthError::config(format!(
            "redirect-uri `{url}` is not an absolute http(s) URL without user info or fragment"
        ))
    })?;
    // The response must land on a page of this origin: only there can it reach the opener
    // (postMessage to our own origin) or this tab's pending login (sessionStorage).
    if parts.origin == page_origin.to_ascii_lowercase() {
        Ok(())
    } else {
        Err(OAuthError::config(format!(
            "redirect-uri `{url}` must be on this page's origin ({page_origin}), where the widget \
             can receive the response"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::error::ErrorCode;

    fn page() -> PageLocation {
        PageLocation { origin: "http://localhost:8080".into(), pathname: "/app/".into() }
    }

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        Settings::read(|a| pairs.iter().find(|(n, _)| *n == a.name).map(|(_, v)| v.to_string()))
    }

    fn config(pairs: &[(&str, &str)]) -> Result<Config, OAuthError> {
        Config::from_settings(&settings(pairs), &page(), None)
    }

    #[test]
    fn preset_defaults_fill_in() {
        let c = config(&[("provider", "instagram"), ("client-id", "abc")]).unwrap();
        assert_eq!(c.authorize_url, "https://api.instagram.com/oauth/authorize");
        assert_eq!(c.redirect_uri, "http://localhost:8080/app/");
        assert_eq!(c.scopes.as_slice(), ["basic"]);
        assert_eq!((c.mode, c.fallback, c.storage), (Mode::Popup, Fallback::Redirect, StorageKind::Memory));
        assert_eq!(c.label, "Log in with Instagram");
        assert_eq!(c.timeout_secs, 300);
        assert_eq!(c.key, "instagram:abc");
    }

    #[test]
    fn custom_provider_with_every_setting() {
        let c = Config::from_settings(
            &settings(&[
                ("client-id", " app "),
                ("authorize-url", "http://127.0.0.1:9090/oauth/authorize"),
                ("redirect-uri", "http://LOCALHOST:8080/cb?x=1"),
                ("scope", "a,b c"),
                ("mode", "redirect"),
                ("fallback", "none"),
                ("storage", "local"),
                ("label", "Sign in"),
                ("timeout", "30"),
            ]),
            &page(),
            Some("main"),
        )
        .unwrap();
        assert_eq!(c.preset.id, "custom");
        assert_eq!(c.client_id, "app");
        assert_eq!(c.scopes.as_slice(), ["a", "b", "c"]);
        assert_eq!((c.mode, c.fallback, c.storage), (Mode::Redirect, Fallback::None, StorageKind::Local));
        assert_eq!((c.label.as_str(), c.timeout_secs, c.key.as_str()), ("Sign in", 30, "#main"));
        assert_eq!(config(&[("client-id", "x"), ("authorize-url", "https://id.example/a")]).unwrap().label, "Log in");
    }

    #[test]
    fn each_invalid_config_names_its_problem() {
        let ig = ("provider", "instagram");
        let id = ("client-id", "abc");
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[ig], "client-id is required"),
            (&[ig, ("client-id", "   ")], "client-id is required"),
            (&[("provider", "myspace"), id], "unknown provider `myspace`"),
            (&[id], "authorize-url is required"),
            (&[id, ("authorize-url", "http://evil.example/auth")], "must use https"),
            (&[id, ("authorize-url", "http://localhost.evil.example/")], "must use https"),
            (&[id, ("authorize-url", "javascript:alert(1)")], "not an absolute http(s) URL"),
            (&[id, ("authorize-url", "https://user@evil.example/")], "not an absolute http(s) URL"),
            (&[id, ("authorize-url", "https://a.example/#x")], "not an absolute http(s) URL"),
            (&[ig, id, ("redirect-uri", "https://other.example/")], "must be on this page's origin"),
            (&[ig, id, ("redirect-uri", "/relative")], "not an absolute"),
            (&[ig, id, ("response-type", "code")], "response-type `code`"),
            (&[ig, id, ("mode", "tab")], "mode `tab`"),
            (&[ig, id, ("fallback", "popup")], "fallback `popup`"),
            (&[ig, id, ("storage", "cookie")], "storage `cookie`"),
            (&[ig, id, ("timeout", "0")], "timeout `0`"),
            (&[ig, id, ("timeout", "-5")], "timeout `-5`"),
            (&[ig, id, ("timeout", "1e3")], "timeout `1e3`"),
            (&[ig, id, ("timeout", "99999999999")], "timeout `99999999999`"),
        ];
        for (pairs, expected) in cases {
            let err = config(pairs).expect_err(expected);
            assert_eq!(err.code, ErrorCode::InvalidConfig, "{expected}");
            assert!(err.description.contains(expected), "{expected}: {}", err.description);
        }
    }

    #[test]
    fn a_client_secret_refuses_with_the_reason() {
        let mut s = settings(&[("provider", "instagram"), ("client-id", "abc")]);
        s.has_client_secret = true;
        let err = Config::from_settings(&s, &page(), None).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidConfig);
        assert!(err.description.contains("client secret must never be put in a web page"));
    }

    #[test]
    fn loopback_hosts_may_use_http() {
        for url in ["http://localhost/a", "http://127.0.0.1:9090/a", "http://[::1]:1/a"] {
            assert!(config(&[("client-id", "x"), ("authorize-url", url)]).is_ok(), "{url}");
        }
    }

    #[test]
    fn split_url_normalises_origins() {
        let parts = split_url("HTTPS://Example.COM:443/p?q").unwrap();
        assert_eq!((parts.origin.as_str(), parts.rest), ("https://example.com", "/p?q"));
        assert_eq!(split_url("http://[::1]:8080").unwrap().origin, "http://[::1]:8080");
        for bad in ["http://", "http://:80/", "http://a:b/", "http://a:123456/", "ftp://a/", "http://a b/"] {
            assert_eq!(split_url(bad), None, "{bad}");
        }
    }
}
