//! The access token a widget holds: what a login granted, and when it expires. (The record it
//! is kept as in web storage is the session's: `machine::session::Held`.)

use super::request::Secret;
use crate::core::text::saturating_times;

/// The longest `expires_in` accepted, in digits: 10 digits is over 300 years, and keeps
/// millisecond times below 2^53, exact as JS numbers.
pub const MAX_EXPIRES_IN_DIGITS: usize = 10;

/// A granted bearer token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The token itself.
    pub access_token: Secret,
    /// Its lifetime in seconds as the provider gave it, if it did.
    pub expires_in: Option<u64>,
    /// When it expires, in ms since the epoch, if known.
    pub expires_at: Option<u64>,
    /// The granted scopes, separated by spaces (the requested ones when the provider named none).
    pub scope: String,
}

impl Token {
    /// A token granted at `now_ms`.
    #[inline(always)]
    pub fn new(access_token: &str, expires_in: Option<u64>, scope: String, now_ms: u64) -> Self {
        Self {
            access_token: Secret::new(access_token),
            expires_in,
            expires_at: expires_in.map(|secs| now_ms.saturating_add(saturating_times(secs, 1000))),
            scope,
        }
    }

    /// Whether it has passed its expiry at `now_ms`.
    #[inline(never)]
    pub fn is_expired(&self, now_ms: u64) -> bool {
        self.expires_at.is_some_and(|at| now_ms >= at)
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    const NOW: u64 = 1_700_000_000_000;

    #[test]
    fn expiry_is_judged_against_the_clock() {
        let token = Token::new("t", Some(1), String::new(), NOW);
        assert!(!token.is_expired(NOW + 999));
        assert!(token.is_expired(NOW + 1000));
        assert!(!Token::new("t", None, String::new(), NOW).is_expired(u64::MAX));
    }
}
