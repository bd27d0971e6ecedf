//! Issued access tokens and authorization codes, with expiry measured against an
//! injectable clock so tests can expire things without sleeping.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long an authorization code stays redeemable (Instagram-like, RFC 6749 4.1.2).
pub const CODE_TTL: Duration = Duration::from_secs(60);

/// Purge expired entries every this many inserts, so long benchmark runs stay bounded.
const PURGE_EVERY: u64 = 256;

/// Monotonic time plus a test-controlled offset.
#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: AtomicU64,
}

impl Clock {
    /// The current (possibly advanced) instant.
    pub fn now(&self) -> Instant {
        let offset = Duration::from_millis(self.offset_ms.load(Ordering::Relaxed));
        Instant::now() + offset
    }

    /// Moves the clock forward, e.g. to expire codes and tokens in tests.
    pub fn advance(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        let _ = self
            .offset_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |o| {
                Some(o.saturating_add(ms))
            });
    }
}

/// What a token or code grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The client it was issued to.
    pub client_id: String,
    /// Granted scopes, in request order.
    pub scopes: Vec<String>,
}

#[derive(Debug)]
struct TokenEntry {
    grant: Grant,
    expires_at: Instant,
}

#[derive(Debug)]
struct CodeEntry {
    grant: Grant,
    redirect_uri: String,
    expires_at: Instant,
}

/// Why a code could not be redeemed; the text goes into the error response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeError {
    /// Never issued, or already redeemed.
    Unknown,
    /// Older than [`CODE_TTL`].
    Expired,
    /// Issued to another client.
    WrongClient,
    /// `redirect_uri` differs from the one used at the authorization request.
    WrongRedirectUri,
}

impl CodeError {
    /// Human-readable explanation.
    pub fn message(self) -> &'static str {
        match self {
            Self::Unknown => "Invalid or already used authorization code.",
            Self::Expired => "The authorization code has expired.",
            Self::WrongClient => "The authorization code was issued to another client.",
            Self::WrongRedirectUri => {
                "redirect_uri does not match the one used in the authorization request."
            }
        }
    }
}

/// In-memory store of live tokens and codes.
#[derive(Debug, Default)]
pub struct TokenStore {
    tokens: HashMap<String, TokenEntry>,
    codes: HashMap<String, CodeEntry>,
    inserts: u64,
}

impl TokenStore {
    /// Records a new access token valid for `ttl` from `now`.
    pub fn issue_token(&mut self, token: String, grant: Grant, ttl: Duration, now: Instant) {
        self.maybe_purge(now);
        self.tokens.insert(
            token,
            TokenEntry {
                grant,
                expires_at: now + ttl,
            },
        );
    }

    /// Records a new single-use authorization code bound to `redirect_uri`.
    pub fn issue_code(&mut self, code: String, grant: Grant, redirect_uri: String, now: Instant) {
        self.maybe_purge(now);
        self.codes.insert(
            code,
            CodeEntry {
                grant,
                redirect_uri,
                expires_at: now + CODE_TTL,
            },
        );
    }

    /// The grant behind a live token.
    pub fn check_token(&self, token: &str, now: Instant) -> Option<&Grant> {
        self.tokens
            .get(token)
            .filter(|e| now < e.expires_at)
            .map(|e| &e.grant)
    }

    /// Redeems a code. It is consumed only on success (or when found expired), so a
    /// mistaken attempt with the wrong redirect_uri does not burn it.
    pub fn redeem_code(
        &mut self,
        code: &str,
        client_id: &str,
        redirect_uri: &str,
        now: Instant,
    ) -> Result<Grant, CodeError> {
        let entry = self.codes.get(code).ok_or(CodeError::Unknown)?;
        if now >= entry.expires_at {
            self.codes.remove(code);
            return Err(CodeError::Expired);
        }
        if entry.grant.client_id != client_id {
            return Err(CodeError::WrongClient);
        }
        if entry.redirect_uri != redirect_uri {
            return Err(CodeError::WrongRedirectUri);
        }
        self.codes
            .remove(code)
            .map(|e| e.grant)
            .ok_or(CodeError::Unknown)
    }

    /// Forgets every token and code.
    pub fn clear(&mut self) {
        self.tokens.clear();
        self.codes.clear();
    }

    fn maybe_purge(&mut self, now: Instant) {
        self.inserts = self.inserts.wrapping_add(1);
        if self.inserts % PURGE_EVERY == 0 {
            self.tokens.retain(|_, e| now < e.expires_at);
            self.codes.retain(|_, e| now < e.expires_at);
        }
    }
}

/// A fresh unguessable value: `bytes` random bytes as lowercase hex.
pub fn random_hex(bytes: usize) -> Result<String, getrandom::Error> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf)?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant() -> Grant {
        Grant {
            client_id: "c".into(),
            scopes: vec!["basic".into()],
        }
    }

    #[test]
    fn tokens_expire() {
        let clock = Clock::default();
        let mut store = TokenStore::default();
        store.issue_token("t".into(), grant(), Duration::from_secs(10), clock.now());
        assert!(store.check_token("t", clock.now()).is_some());
        assert!(store.check_token("x", clock.now()).is_none());
        clock.advance(Duration::from_secs(10));
        assert!(store.check_token("t", clock.now()).is_none());
    }

    #[test]
    fn codes_are_single_use_and_bound() {
        let clock = Clock::default();
        let mut store = TokenStore::default();
        store.issue_code("k".into(), grant(), "http://a/".into(), clock.now());
        let now = clock.now();
        assert_eq!(
            store.redeem_code("k", "other", "http://a/", now),
            Err(CodeError::WrongClient)
        );
        assert_eq!(
            store.redeem_code("k", "c", "http://b/", now),
            Err(CodeError::WrongRedirectUri)
        );
        assert_eq!(store.redeem_code("k", "c", "http://a/", now), Ok(grant()));
        assert_eq!(
            store.redeem_code("k", "c", "http://a/", now),
            Err(CodeError::Unknown)
        );

        store.issue_code("e".into(), grant(), "http://a/".into(), clock.now());
        clock.advance(CODE_TTL);
        assert_eq!(
            store.redeem_code("e", "c", "http://a/", clock.now()),
            Err(CodeError::Expired)
        );
    }

    #[test]
    fn random_values_differ() {
        let a = random_hex(16).unwrap();
        assert_eq!(a.len(), 32);
        assert_ne!(a, random_hex(16).unwrap());
    }
}
