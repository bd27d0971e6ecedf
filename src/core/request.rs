//! The authorization request (RFC 6749 4.1.1 and 4.2.1): scopes, the CSRF `state`, the PKCE pair
//! (RFC 7636), the authorize URL, and the token request of the code flow (RFC 6749 4.1.3).
//!
//! Randomness and hashing come in from outside (random bytes, a SHA-256 digest), so every rule
//! here runs natively in tests; the browser layer feeds it `crypto.getRandomValues` and
//! `crypto.subtle.digest`.

use std::fmt;

use super::ascii;
use super::config::{Config, Flow};
use super::error::join;
use super::params::{encode_into, Params};

/// Bytes of randomness in a `state`: 256 bits, twice the contract's floor of 128.
pub const STATE_BYTES: usize = 32;
/// Bytes of randomness in a PKCE `code_verifier` (RFC 7636 4.1: 32 octets, 43 characters).
pub const VERIFIER_BYTES: usize = 32;

/// Authorization-request parameters the widget sets itself; `extra-params` may not name them.
pub const RESERVED_AUTHORIZE_PARAMS: &[&str] = &[
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
];

/// A set of scopes, in the order given, without repeats.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scopes(Vec<String>);

impl Scopes {
    /// Parses scopes separated by spaces and/or commas (as page authors, and some providers'
    /// token responses, write them).
    pub fn parse(list: &str) -> Self {
        Self::from_iter(ascii::split(list, b" ,"))
    }

    /// Scopes from a fixed list (a preset's defaults).
    pub fn from_list(list: &[&str]) -> Self {
        Self::from_iter(list.iter().copied())
    }

    fn from_iter<'a>(items: impl Iterator<Item = &'a str>) -> Self {
        let mut scopes: Vec<String> = Vec::new();
        for scope in items.map(str::trim_ascii).filter(|s| !s.is_empty()) {
            if !scopes.iter().any(|s| s == scope) {
                scopes.push(scope.to_owned());
            }
        }
        Self(scopes)
    }

    /// The scopes as a slice.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The scopes joined with a provider's separator.
    pub fn join(&self, separator: &str) -> String {
        join(&self.0, separator)
    }
}

/// The CSRF `state` of one login: random, sent with the request, matched once on return.
#[derive(Clone, PartialEq, Eq)]
pub struct State(String);

impl State {
    /// Makes a state from [`STATE_BYTES`] random bytes (lower-case hex).
    pub fn from_random(bytes: &[u8; STATE_BYTES]) -> Self {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut text = String::with_capacity(STATE_BYTES * 2);
        for b in bytes {
            text.push(HEX[usize::from(b >> 4)] as char);
            text.push(HEX[usize::from(b & 15)] as char);
        }
        Self(text)
    }

    /// Restores a state from a stored record.
    pub fn from_stored(text: &str) -> Self {
        Self(text.to_owned())
    }

    /// The state as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether a response's `state` is this one. Compared in constant time: the value is a
    /// secret until the login ends.
    pub fn matches(&self, given: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), given.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("State([redacted])")
    }
}

/// Base64url without padding (RFC 4648 5), as PKCE writes verifiers and challenges.
pub fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 2);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// A PKCE `code_verifier` from [`VERIFIER_BYTES`] random bytes: 43 base64url characters.
pub fn code_verifier(bytes: &[u8; VERIFIER_BYTES]) -> String {
    base64url(bytes)
}

/// The `S256` challenge from SHA-256 of the verifier (computed by the browser's `SubtleCrypto`).
pub fn code_challenge(sha256_of_verifier: &[u8]) -> String {
    base64url(sha256_of_verifier)
}

/// The URL to send the user to: the endpoint plus `response_type`, `client_id`, `redirect_uri`,
/// `scope` (joined with the provider's separator, omitted when empty), `state`, for the code flow
/// the PKCE challenge, then `extra-params`.
pub fn authorize_url(config: &Config, state: &State, challenge: Option<&str>) -> String {
    let mut url = config.authorize_url.clone();
    // An endpoint may carry a query of its own (`...?tenant=x`): keep it and append.
    url.push(if ascii::find(&url, b"?").is_some() {
        '&'
    } else {
        '?'
    });
    let scope = join(&config.scopes.0, config.preset.scope_separator);
    let mut params = Params::default();
    params.set(
        "response_type",
        if config.flow == Flow::Code {
            "code"
        } else {
            "token"
        },
    );
    params.set("client_id", &config.client_id);
    params.set("redirect_uri", &config.redirect_uri);
    if !scope.is_empty() {
        params.set("scope", &scope);
    }
    params.set("state", state.as_str());
    if let Some(challenge) = challenge {
        params.set("code_challenge", challenge);
        params.set("code_challenge_method", "S256");
    }
    for (name, value) in config.extra_params.iter() {
        params.set(name, value);
    }
    url.push_str(&params.encode());
    url
}

/// The form body of the code flow's token request (RFC 6749 4.1.3 with RFC 7636 4.5). No secret,
/// ever: a provider that needs one is reached through the exchange.
pub fn token_request_body(
    code: &str,
    redirect_uri: &str,
    client_id: &str,
    verifier: &str,
) -> String {
    let mut body = String::new();
    for (i, (name, value)) in [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("client_id", client_id),
        ("code_verifier", verifier),
    ]
    .into_iter()
    .enumerate()
    {
        if i > 0 {
            body.push('&');
        }
        body.push_str(name);
        body.push('=');
        encode_into(&mut body, value);
    }
    body
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::core::config::{Page, Settings};
    use sha2::{Digest, Sha256};

    fn config(pairs: &[(&str, &str)]) -> Config {
        let mut p = Params::default();
        for (n, v) in pairs {
            p.set(n, v);
        }
        let page = Page {
            origin: "http://localhost:8080".into(),
            path: "/".into(),
        };
        Config::from_settings(&Settings::parse(&p.encode()), &page).unwrap()
    }

    #[test]
    fn scopes_split_on_spaces_and_commas_without_repeats() {
        assert_eq!(Scopes::parse(" a, b  c,,a ").as_slice(), ["a", "b", "c"]);
        assert!(Scopes::parse(" , ").is_empty());
    }

    #[test]
    fn state_is_hex_of_256_bits_and_redacted_in_debug() {
        let state = State::from_random(&[0xab; STATE_BYTES]);
        assert_eq!(state.as_str().len(), 64);
        assert!(state.as_str().chars().all(|c| c == 'a' || c == 'b'));
        assert_eq!(format!("{state:?}"), "State([redacted])");
        assert!(state.matches(&"ab".repeat(32)));
        assert!(!state.matches(&"ab".repeat(31)));
        assert!(!state.matches(""));
        assert_ne!(State::from_random(&[1; 32]), State::from_random(&[2; 32]));
    }

    #[test]
    fn pkce_follows_rfc_7636_appendix_b() {
        let octets = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212,
            37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        let verifier = code_verifier(&octets);
        assert_eq!(verifier, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        let digest = Sha256::digest(verifier.as_bytes());
        assert_eq!(
            code_challenge(&digest),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn base64url_pads_nothing_and_uses_the_url_alphabet() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn authorize_url_for_the_implicit_grant() {
        let c = config(&[
            ("provider", "facebook"),
            ("client-id", "id 1"),
            ("scope", "email public_profile"),
        ]);
        let url = authorize_url(&c, &State::from_random(&[7; 32]), None);
        let (base, query) = url.split_once('?').unwrap();
        assert_eq!(base, "https://www.facebook.com/v26.0/dialog/oauth");
        let p = Params::parse(query).unwrap();
        let names: Vec<&str> = p.iter().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "response_type",
                "client_id",
                "redirect_uri",
                "scope",
                "state"
            ]
        );
        assert_eq!(p.get("response_type"), Some("token"));
        assert_eq!(p.get("client_id"), Some("id 1"));
        assert_eq!(p.get("redirect_uri"), Some("http://localhost:8080/"));
        assert_eq!(p.get("scope"), Some("email,public_profile"));
        assert_eq!(p.get("state"), Some("07".repeat(32).as_str()));
    }

    #[test]
    fn authorize_url_for_the_code_flow_with_extra_params() {
        let c = config(&[
            ("client-id", "spa"),
            ("authorize-url", "https://id.example/auth?tenant=t"),
            ("response-type", "code"),
            ("token-url", "https://id.example/token"),
            ("extra-params", "prompt=consent&login_hint=a%40b.example"),
        ]);
        let url = authorize_url(
            &c,
            &State::from_random(&[0; 32]),
            Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
        );
        assert!(
            url.starts_with("https://id.example/auth?tenant=t&response_type=code&client_id=spa&"),
            "{url}"
        );
        assert!(!url.contains("scope="), "{url}");
        let p = Params::parse(url.split_once('?').unwrap().1).unwrap();
        assert_eq!(
            p.get("code_challenge"),
            Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        );
        assert_eq!(p.get("code_challenge_method"), Some("S256"));
        assert_eq!(
            (p.get("prompt"), p.get("login_hint")),
            (Some("consent"), Some("a@b.example"))
        );
    }

    #[test]
    fn the_token_request_carries_exactly_the_contract_fields() {
        let body = token_request_body("c/1", "http://localhost:8080/", "spa", "v");
        assert_eq!(
            body,
            "grant_type=authorization_code&code=c%2F1&redirect_uri=http%3A%2F%2Flocalhost%3A8080%2F&client_id=spa&code_verifier=v"
        );
    }
}
