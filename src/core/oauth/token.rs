//! The token a widget holds: what a login granted, when it expires, and the record it is kept
//! as in web storage.

use super::form::Params;
use super::request::Secret;
use crate::core::text::{decimal, form, parse_decimal};

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
    pub fn new(access_token: &str, expires_in: Option<u64>, scope: String, now_ms: u64) -> Self {
        Self {
            access_token: Secret::new(access_token),
            expires_in,
            expires_at: expires_in.map(|secs| now_ms.saturating_add(secs.saturating_mul(1000))),
            scope,
        }
    }

    /// Whether it has passed its expiry at `now_ms`.
    pub fn is_expired(&self, now_ms: u64) -> bool {
        self.expires_at.is_some_and(|at| now_ms >= at)
    }

    /// The record it is kept as in `sessionStorage` / `localStorage`.
    pub fn to_record(&self) -> String {
        let number = |n: Option<u64>| n.map(decimal).unwrap_or_default();
        form(&[
            ("access_token", self.access_token.expose()),
            ("expires_in", &number(self.expires_in)),
            ("expires_at", &number(self.expires_at)),
            ("scope", &self.scope),
        ])
    }

    /// Reads a record back; `None` for anything damaged (it is then deleted).
    pub fn from_record(record: &str) -> Option<Self> {
        let p = Params::parse(record).ok()?;
        let number = |name| match p.get(name)? {
            "" => Some(None),
            n => parse_decimal(n, 16).map(Some),
        };
        Some(Self {
            access_token: Secret::new(p.get("access_token").filter(|t| !t.is_empty())?),
            expires_in: number("expires_in")?,
            expires_at: number("expires_at")?,
            scope: p.get("scope")?.into(),
        })
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    const NOW: u64 = 1_700_000_000_000;

    #[test]
    fn records_round_trip_and_damage_is_refused() {
        let token = Token::new("t/1", Some(60), "a b".into(), NOW);
        assert_eq!(token.expires_at, Some(NOW + 60_000));
        assert_eq!(Token::from_record(&token.to_record()), Some(token.clone()));
        let forever = Token::new("t", None, String::new(), NOW);
        assert_eq!(Token::from_record(&forever.to_record()), Some(forever));
        for bad in [
            "",
            "access_token=&expires_in=&expires_at=&scope=",
            "access_token=t&expires_in=x&expires_at=&scope=",
            "access_token=t&expires_in=&expires_at=&scope=&scope=",
            "access_token=t&expires_in=&expires_at=",
            "%%%",
        ] {
            assert_eq!(Token::from_record(bad), None, "{bad}");
        }
    }

    #[test]
    fn expiry_is_judged_against_the_clock() {
        let token = Token::new("t", Some(1), String::new(), NOW);
        assert!(!token.is_expired(NOW + 999));
        assert!(token.is_expired(NOW + 1000));
        assert!(!Token::new("t", None, String::new(), NOW).is_expired(u64::MAX));
    }
}
