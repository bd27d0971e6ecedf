//! The authorization request: scopes, the CSRF `state`, and the authorize URL (RFC 6749 4.2.1).
//!
//! Randomness comes in from outside ([`State::from_random`] takes the bytes), so every rule here
//! runs natively in tests; the browser layer feeds it `crypto.getRandomValues`.

use std::fmt;

use super::config::Config;
use super::params::encode_into;

/// Bytes of randomness in a `state`: 256 bits, twice the contract's floor of 128.
pub const STATE_BYTES: usize = 32;

/// A set of scopes, in the order given, without repeats.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scopes(Vec<String>);

impl Scopes {
    /// Parses scopes separated by spaces and/or commas (as page authors write them).
    pub fn parse(text: &str) -> Self {
        Self::from_iter(text.split([' ', ',']))
    }

    /// Scopes from a fixed list (a preset's defaults).
    pub fn from_list(list: &[&str]) -> Self {
        Self::from_iter(list.iter().copied())
    }

    fn from_iter<'a>(items: impl Iterator<Item = &'a str>) -> Self {
        let mut scopes: Vec<String> = Vec::new();
        for scope in items.map(str::trim).filter(|s| !s.is_empty()) {
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
        self.0.join(separator)
    }

    /// Takes the list out.
    pub fn into_vec(self) -> Vec<String> {
        self.0
    }
}

/// The CSRF `state` of one login: random, sent with the request, matched once on return.
#[derive(Clone, PartialEq, Eq)]
pub struct State(String);

impl State {
    /// Makes a state from [`STATE_BYTES`] random bytes (lower-case hex).
    pub fn from_random(bytes: [u8; STATE_BYTES]) -> Self {
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

/// The URL to send the user to: the endpoint plus `response_type`, `client_id`, `redirect_uri`,
/// `scope` (joined with the provider's separator, omitted when empty) and `state`.
pub fn authorize_url(config: &Config, state: &State) -> String {
    let mut url = config.authorize_url.clone();
    // An endpoint may carry a query of its own (`...?tenant=x`): keep it and append.
    url.push(if url.contains('?') { '&' } else { '?' });
    let scope = config.scopes.join(config.preset.scope_separator);
    let pairs = [
        ("response_type", "token"),
        ("client_id", config.client_id.as_str()),
        ("redirect_uri", config.redirect_uri.as_str()),
        ("scope", scope.as_str()),
        ("state", state.as_str()),
    ];
    for (i, (name, value)) in pairs.iter().filter(|(n, v)| *n != "scope" || !v.is_empty()).enumerate() {
        if i > 0 {
            url.push('&');
        }
        url.push_str(name);
        url.push('=');
        encode_into(&mut url, value);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::{PageLocation, Settings};
    use crate::core::params::Params;

    fn config(pairs: &[(&str, &str)]) -> Config {
        let settings = Settings::read(|a| pairs.iter().find(|(n, _)| *n == a.name).map(|(_, v)| v.to_string()));
        let page = PageLocation { origin: "http://localhost:8080".into(), pathname: "/".into() };
        Config::from_settings(&settings, &page, None).unwrap()
    }

    #[test]
    fn scopes_split_on_spaces_and_commas_without_repeats() {
        assert_eq!(Scopes::parse(" a, b  c,,a ").as_slice(), ["a", "b", "c"]);
        assert!(Scopes::parse(" , ").is_empty());
    }

    #[test]
    fn state_is_hex_of_256_bits_and_redacted_in_debug() {
        let state = State::from_random([0xab; STATE_BYTES]);
        assert_eq!(state.as_str().len(), 64);
        assert!(state.as_str().chars().all(|c| c == 'a' || c == 'b'));
        assert_eq!(format!("{state:?}"), "State([redacted])");
        assert!(state.matches(&"ab".repeat(32)));
        assert!(!state.matches(&"ab".repeat(31)));
        assert!(!state.matches(""));
        assert_ne!(State::from_random([1; 32]), State::from_random([2; 32]));
    }

    #[test]
    fn authorize_url_carries_every_parameter_with_the_provider_separator() {
        let c = config(&[("provider", "facebook"), ("client-id", "id 1"), ("scope", "email public_profile")]);
        let url = authorize_url(&c, &State::from_random([7; 32]));
        let (base, query) = url.split_once('?').unwrap();
        assert_eq!(base, "https://www.facebook.com/v19.0/dialog/oauth");
        let p = Params::parse(query).unwrap();
        assert_eq!(p.get("response_type"), Some("token"));
        assert_eq!(p.get("client_id"), Some("id 1"));
        assert_eq!(p.get("redirect_uri"), Some("http://localhost:8080/"));
        assert_eq!(p.get("scope"), Some("email,public_profile"));
        assert_eq!(p.get("state"), Some("07".repeat(32).as_str()));
    }

    #[test]
    fn authorize_url_keeps_an_endpoint_query_and_omits_empty_scope() {
        let c = config(&[("client-id", "x"), ("authorize-url", "https://id.example/auth?tenant=t")]);
        let url = authorize_url(&c, &State::from_random([0; 32]));
        assert!(url.starts_with("https://id.example/auth?tenant=t&response_type=token&"), "{url}");
        assert!(!url.contains("scope="), "{url}");
    }
}
