//! Issued access tokens and authorization codes, with expiry measured against an
//! injectable clock so tests can expire things without sleeping.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::pkce;

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

/// What an authorization code was issued for, remembered until it is redeemed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCode {
    /// What the code grants.
    pub grant: Grant,
    /// The `redirect_uri` of the authorization request; redemption must repeat it.
    pub redirect_uri: String,
    /// The PKCE `S256` challenge of the authorization request, if it had one.
    pub code_challenge: Option<String>,
    /// The `state` of the authorization request, for the test controls.
    pub state: Option<String>,
}

#[derive(Debug)]
struct CodeEntry {
    issued: IssuedCode,
    expires_at: Instant,
}

/// What the token endpoint knows when it redeems a code.
#[derive(Debug, Clone, Copy)]
pub struct Redemption<'a> {
    /// The authenticated (or, for a public client, identified) client.
    pub client_id: &'a str,
    /// The `redirect_uri` sent to the token endpoint.
    pub redirect_uri: &'a str,
    /// The `code_verifier` sent to the token endpoint, if any.
    pub code_verifier: Option<&'a str>,
    /// A public client's code must have been issued with a PKCE challenge.
    pub require_pkce: bool,
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
    /// Issued with a PKCE challenge, but no `code_verifier` was sent.
    VerifierMissing,
    /// The `code_verifier` is malformed or does not hash to the challenge.
    VerifierMismatch,
    /// A `code_verifier` was sent for a code issued without a challenge.
    VerifierUnexpected,
    /// A public client's code without a PKCE challenge.
    PkceRequired,
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
            Self::VerifierMissing => {
                "code_verifier is required: the authorization request had a code_challenge."
            }
            Self::VerifierMismatch => {
                "code_verifier does not match the code_challenge (or is not 43-128 characters of [A-Za-z0-9-._~])."
            }
            Self::VerifierUnexpected => {
                "code_verifier was sent, but the authorization request had no code_challenge."
            }
            Self::PkceRequired => {
                "A public client must use PKCE: the authorization request had no code_challenge."
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

    /// Records a new single-use authorization code.
    pub fn issue_code(&mut self, code: String, issued: IssuedCode, now: Instant) {
        self.maybe_purge(now);
        self.codes.insert(
            code,
            CodeEntry {
                issued,
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
    /// mistaken attempt (wrong `redirect_uri`, wrong `code_verifier`) does not burn it;
    /// the verifier's 256 bits make guessing it pointless.
    pub fn redeem_code(
        &mut self,
        code: &str,
        req: Redemption<'_>,
        now: Instant,
    ) -> Result<IssuedCode, CodeError> {
        let entry = self.codes.get(code).ok_or(CodeError::Unknown)?;
        if now >= entry.expires_at {
            self.codes.remove(code);
            return Err(CodeError::Expired);
        }
        let issued = &entry.issued;
        if issued.grant.client_id != req.client_id {
            return Err(CodeError::WrongClient);
        }
        if issued.redirect_uri != req.redirect_uri {
            return Err(CodeError::WrongRedirectUri);
        }
        match (issued.code_challenge.as_deref(), req.code_verifier) {
            (Some(_), None) => return Err(CodeError::VerifierMissing),
            (Some(challenge), Some(verifier)) if !pkce::verify(verifier, challenge) => {
                return Err(CodeError::VerifierMismatch)
            }
            (None, Some(_)) => return Err(CodeError::VerifierUnexpected),
            (None, None) if req.require_pkce => return Err(CodeError::PkceRequired),
            _ => {}
        }
        self.codes
            .remove(code)
            .map(|e| e.issued)
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

    fn issued(challenge: Option<&str>) -> IssuedCode {
        IssuedCode {
            grant: grant(),
            redirect_uri: "http://a/".into(),
            code_challenge: challenge.map(str::to_owned),
            state: Some("st".into()),
        }
    }

    fn redemption<'a>(client_id: &'a str, redirect_uri: &'a str) -> Redemption<'a> {
        Redemption {
            client_id,
            redirect_uri,
            code_verifier: None,
            require_pkce: false,
        }
    }

    #[test]
    fn codes_are_single_use_and_bound() {
        let clock = Clock::default();
        let mut store = TokenStore::default();
        store.issue_code("k".into(), issued(None), clock.now());
        let now = clock.now();
        assert_eq!(
            store.redeem_code("k", redemption("other", "http://a/"), now),
            Err(CodeError::WrongClient)
        );
        assert_eq!(
            store.redeem_code("k", redemption("c", "http://b/"), now),
            Err(CodeError::WrongRedirectUri)
        );
        assert_eq!(
            store.redeem_code("k", redemption("c", "http://a/"), now),
            Ok(issued(None))
        );
        assert_eq!(
            store.redeem_code("k", redemption("c", "http://a/"), now),
            Err(CodeError::Unknown)
        );

        store.issue_code("e".into(), issued(None), clock.now());
        clock.advance(CODE_TTL);
        assert_eq!(
            store.redeem_code("e", redemption("c", "http://a/"), clock.now()),
            Err(CodeError::Expired)
        );
    }

    #[test]
    fn pkce_is_checked_at_redemption() {
        // RFC 7636 Appendix B.
        const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        let clock = Clock::default();
        let now = clock.now();
        let mut store = TokenStore::default();
        let with = |verifier| Redemption {
            code_verifier: verifier,
            ..redemption("c", "http://a/")
        };

        store.issue_code("p".into(), issued(Some(CHALLENGE)), now);
        assert_eq!(
            store.redeem_code("p", with(None), now),
            Err(CodeError::VerifierMissing)
        );
        let wrong = VERIFIER.replace('d', "e");
        assert_eq!(
            store.redeem_code("p", with(Some(&wrong)), now),
            Err(CodeError::VerifierMismatch)
        );
        assert_eq!(
            store.redeem_code("p", with(Some("")), now),
            Err(CodeError::VerifierMismatch)
        );
        // Failed attempts do not burn the code.
        assert!(store.redeem_code("p", with(Some(VERIFIER)), now).is_ok());

        store.issue_code("n".into(), issued(None), now);
        assert_eq!(
            store.redeem_code("n", with(Some(VERIFIER)), now),
            Err(CodeError::VerifierUnexpected)
        );
        let public = Redemption {
            require_pkce: true,
            ..with(None)
        };
        assert_eq!(
            store.redeem_code("n", public, now),
            Err(CodeError::PkceRequired)
        );
        assert!(store.redeem_code("n", with(None), now).is_ok());
    }

    #[test]
    fn random_values_differ() {
        let a = random_hex(16).unwrap();
        assert_eq!(a.len(), 32);
        assert_ne!(a, random_hex(16).unwrap());
    }
}
