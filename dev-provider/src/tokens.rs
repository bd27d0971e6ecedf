//! Issued access tokens, refresh tokens and authorization codes, with expiry measured
//! against an injectable clock so tests can expire things without sleeping.
//!
//! Every token issued from one authorization code shares a *family*. Refresh tokens rotate
//! (RFC 9700 4.14.2): each use returns a new one and marks the old one used. Presenting a
//! used refresh token or a redeemed code again means it leaked, so the whole family is
//! revoked (RFC 6749 4.1.2).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::pkce;
use crate::users::User;

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

    /// Seconds since the Unix epoch, moved forward like [`Clock::now`] (for JWT claims).
    pub fn unix_now(&self) -> u64 {
        let offset = self.offset_ms.load(Ordering::Relaxed) / 1000;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        now.saturating_add(offset)
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

/// What a token or code grants, to whom, on whose behalf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The client it was issued to.
    pub client_id: String,
    /// Granted scopes, in request order.
    pub scopes: Vec<String>,
    /// The user who allowed it.
    pub user: &'static User,
    /// When the user allowed it, in seconds since the epoch (the id_token's `auth_time`).
    pub auth_time: u64,
}

impl Grant {
    /// Whether `scope` was granted.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// The tokens descended from one login, revoked together.
pub type Family = u64;

#[derive(Debug)]
struct TokenEntry {
    grant: Grant,
    expires_at: Instant,
    family: Option<Family>,
}

#[derive(Debug)]
struct RefreshEntry {
    grant: Grant,
    expires_at: Instant,
    family: Family,
    /// Rotated away: presenting it again revokes the family.
    used: bool,
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
    /// The `nonce` of the authorization request, for the id_token.
    pub nonce: Option<String>,
}

#[derive(Debug)]
struct CodeEntry {
    issued: IssuedCode,
    expires_at: Instant,
}

/// A redeemed code, kept at least until it would have expired (then purged like one):
/// presented again, it revokes the family of the tokens issued from it.
#[derive(Debug)]
struct RedeemedCode {
    family: Family,
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
    /// Never issued, or redeemed and since forgotten.
    Unknown,
    /// Already redeemed: the tokens issued from it are now revoked.
    Reused,
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
            Self::Reused => {
                "The authorization code was already used: every token issued from it is now revoked."
            }
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

/// Why a refresh token was refused; the text goes into the `invalid_grant` answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshError {
    /// Never issued, revoked, or its family revoked.
    Unknown,
    /// Past its lifetime.
    Expired,
    /// Issued to another client.
    WrongClient,
    /// Already used: the family is now revoked.
    Reused,
}

impl RefreshError {
    /// Human-readable explanation.
    pub fn message(self) -> &'static str {
        match self {
            Self::Unknown => "Invalid or revoked refresh token.",
            Self::Expired => "The refresh token has expired.",
            Self::WrongClient => "The refresh token was issued to another client.",
            Self::Reused => {
                "The refresh token was already used: every token of this login is now revoked."
            }
        }
    }
}

/// What a revocation found (RFC 7009: an unknown token is not an error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revoked {
    /// An access token, now revoked.
    AccessToken,
    /// A refresh token: its whole family is now revoked.
    RefreshToken,
    /// No such token (or already revoked): nothing to do.
    Unknown,
}

impl Revoked {
    /// The RFC 7009 `token_type_hint` name of what was found, or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccessToken => "access_token",
            Self::RefreshToken => "refresh_token",
            Self::Unknown => "unknown",
        }
    }
}

/// How long an issued id_token is remembered for `id_token_hint` at logout (a hint may
/// be an expired id_token).
const ID_TOKEN_MEMORY: Duration = Duration::from_secs(24 * 3600);

/// In-memory store of live tokens and codes.
#[derive(Debug, Default)]
pub struct TokenStore {
    tokens: HashMap<String, TokenEntry>,
    refresh: HashMap<String, RefreshEntry>,
    codes: HashMap<String, CodeEntry>,
    redeemed: HashMap<String, RedeemedCode>,
    /// Issued id_tokens and their client, for `id_token_hint`.
    id_tokens: HashMap<String, (String, Instant)>,
    families: Family,
    inserts: u64,
}

impl TokenStore {
    /// Records a new access token valid for `ttl` from `now`, outside any family.
    pub fn issue_token(&mut self, token: String, grant: Grant, ttl: Duration, now: Instant) {
        self.issue_token_in(token, grant, ttl, now, None);
    }

    /// Records a new access token, revoked with `family` if it has one.
    pub fn issue_token_in(
        &mut self,
        token: String,
        grant: Grant,
        ttl: Duration,
        now: Instant,
        family: Option<Family>,
    ) {
        self.maybe_purge(now);
        let expires_at = now + ttl;
        let entry = TokenEntry {
            grant,
            expires_at,
            family,
        };
        self.tokens.insert(token, entry);
    }

    /// A new family, for the tokens of one login.
    pub fn new_family(&mut self) -> Family {
        self.families += 1;
        self.families
    }

    /// Records a new refresh token of `family`, valid for `ttl` from `now`.
    pub fn issue_refresh(
        &mut self,
        token: String,
        grant: Grant,
        family: Family,
        ttl: Duration,
        now: Instant,
    ) {
        self.maybe_purge(now);
        let entry = RefreshEntry {
            grant,
            expires_at: now + ttl,
            family,
            used: false,
        };
        self.refresh.insert(token, entry);
    }

    /// The login and family of a live, unused refresh token of `client_id`, without using
    /// it up. A used one revokes its family (RFC 9700 4.14.2).
    pub fn check_refresh(
        &mut self,
        token: &str,
        client_id: &str,
        now: Instant,
    ) -> Result<(Grant, Family), RefreshError> {
        let entry = self.refresh.get(token).ok_or(RefreshError::Unknown)?;
        if entry.grant.client_id != client_id {
            return Err(RefreshError::WrongClient);
        }
        if now >= entry.expires_at {
            self.refresh.remove(token);
            return Err(RefreshError::Expired);
        }
        if entry.used {
            let family = entry.family;
            self.revoke_family(family);
            return Err(RefreshError::Reused);
        }
        Ok((entry.grant.clone(), entry.family))
    }

    /// Marks a refresh token used (the caller issues its successor in the same family).
    pub fn mark_refresh_used(&mut self, token: &str) {
        if let Some(entry) = self.refresh.get_mut(token) {
            entry.used = true;
        }
    }

    /// Revokes every access and refresh token of `family`.
    pub fn revoke_family(&mut self, family: Family) {
        self.tokens.retain(|_, e| e.family != Some(family));
        self.refresh.retain(|_, e| e.family != family);
    }

    /// Revokes `token` for `client_id` (RFC 7009): an access token alone, a refresh token
    /// with its family. `Err` when it belongs to another client.
    pub fn revoke(&mut self, token: &str, client_id: &str) -> Result<Revoked, Revoked> {
        if let Some(entry) = self.refresh.get(token) {
            if entry.grant.client_id != client_id {
                return Err(Revoked::RefreshToken);
            }
            let family = entry.family;
            self.revoke_family(family);
            return Ok(Revoked::RefreshToken);
        }
        match self.tokens.get(token) {
            Some(e) if e.grant.client_id != client_id => Err(Revoked::AccessToken),
            Some(_) => {
                self.tokens.remove(token);
                Ok(Revoked::AccessToken)
            }
            None => Ok(Revoked::Unknown),
        }
    }

    /// Remembers an issued id_token, for a later `id_token_hint`.
    pub fn remember_id_token(&mut self, id_token: String, client_id: String, now: Instant) {
        self.maybe_purge(now);
        self.id_tokens
            .insert(id_token, (client_id, now + ID_TOKEN_MEMORY));
    }

    /// The client an id_token this provider issued in the last [`ID_TOKEN_MEMORY`] was for.
    pub fn id_token_client(&self, id_token: &str, now: Instant) -> Option<&str> {
        self.id_tokens
            .get(id_token)
            .filter(|(_, until)| now < *until)
            .map(|(c, _)| c.as_str())
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

    /// Redeems a code, starting the family of the tokens to issue from it. It is consumed
    /// only on success (or when found expired), so a mistaken attempt (wrong
    /// `redirect_uri`, wrong `code_verifier`) does not burn it; the verifier's 256 bits
    /// make guessing it pointless. A redeemed code presented again revokes that family.
    pub fn redeem_code(
        &mut self,
        code: &str,
        req: Redemption<'_>,
        now: Instant,
    ) -> Result<(IssuedCode, Family), CodeError> {
        if let Some(redeemed) = self.redeemed.get(code) {
            // Whoever presents it (even another client): the code leaked.
            let family = redeemed.family;
            self.revoke_family(family);
            return Err(CodeError::Reused);
        }
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
        let entry = self.codes.remove(code).ok_or(CodeError::Unknown)?;
        let family = self.new_family();
        let expires_at = entry.expires_at;
        self.redeemed
            .insert(code.to_owned(), RedeemedCode { family, expires_at });
        Ok((entry.issued, family))
    }

    /// Forgets every token and code.
    pub fn clear(&mut self) {
        self.tokens.clear();
        self.refresh.clear();
        self.codes.clear();
        self.redeemed.clear();
        self.id_tokens.clear();
    }

    fn maybe_purge(&mut self, now: Instant) {
        self.inserts = self.inserts.wrapping_add(1);
        if self.inserts % PURGE_EVERY == 0 {
            self.tokens.retain(|_, e| now < e.expires_at);
            self.refresh.retain(|_, e| now < e.expires_at);
            self.codes.retain(|_, e| now < e.expires_at);
            self.redeemed.retain(|_, e| now < e.expires_at);
            self.id_tokens.retain(|_, (_, until)| now < *until);
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
            user: crate::users::default_user(),
            auth_time: 0,
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
            nonce: None,
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
        let (code, family) = store
            .redeem_code("k", redemption("c", "http://a/"), now)
            .unwrap();
        assert_eq!(code, issued(None));
        let ttl = Duration::from_secs(100);
        store.issue_token_in("a".into(), grant(), ttl, now, Some(family));
        store.issue_refresh("r".into(), grant(), family, ttl, now);
        // Used again (by anyone): refused, and what it gave is revoked (RFC 6749 4.1.2).
        assert_eq!(
            store.redeem_code("k", redemption("other", "http://a/"), now),
            Err(CodeError::Reused)
        );
        assert!(store.check_token("a", now).is_none());
        assert_eq!(
            store.check_refresh("r", "c", now),
            Err(RefreshError::Unknown)
        );
        assert_eq!(
            store.redeem_code("never", redemption("c", "http://a/"), now),
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

    /// As the token endpoint uses a refresh token.
    fn use_refresh(
        store: &mut TokenStore,
        token: &str,
        client_id: &str,
        now: Instant,
    ) -> Result<(Grant, Family), RefreshError> {
        let found = store.check_refresh(token, client_id, now)?;
        store.mark_refresh_used(token);
        Ok(found)
    }

    #[test]
    fn refresh_tokens_rotate_and_a_reuse_revokes_the_family() {
        let clock = Clock::default();
        let now = clock.now();
        let ttl = Duration::from_secs(100);
        let mut store = TokenStore::default();
        let family = store.new_family();
        store.issue_token_in("a1".into(), grant(), ttl, now, Some(family));
        store.issue_refresh("r1".into(), grant(), family, ttl, now);
        // An unrelated login's tokens survive what happens to this family.
        let other = store.new_family();
        store.issue_token_in("b1".into(), grant(), ttl, now, Some(other));
        store.issue_refresh("s1".into(), grant(), other, ttl, now);

        assert_eq!(
            use_refresh(&mut store, "r1", "someone", now),
            Err(RefreshError::WrongClient)
        );
        assert!(
            store.check_refresh("r1", "c", now).is_ok(),
            "checking uses nothing"
        );
        assert_eq!(
            use_refresh(&mut store, "r1", "c", now),
            Ok((grant(), family))
        );
        store.issue_token_in("a2".into(), grant(), ttl, now, Some(family));
        store.issue_refresh("r2".into(), grant(), family, ttl, now);
        assert!(
            store.check_token("a1", now).is_some(),
            "rotation alone revokes nothing"
        );

        assert_eq!(
            use_refresh(&mut store, "r1", "c", now),
            Err(RefreshError::Reused)
        );
        for token in ["a1", "a2"] {
            assert!(store.check_token(token, now).is_none(), "{token}");
        }
        assert_eq!(
            use_refresh(&mut store, "r2", "c", now),
            Err(RefreshError::Unknown)
        );
        assert!(store.check_token("b1", now).is_some());
        assert!(use_refresh(&mut store, "s1", "c", now).is_ok());

        store.issue_refresh("old".into(), grant(), other, ttl, now);
        clock.advance(ttl);
        assert_eq!(
            use_refresh(&mut store, "old", "c", clock.now()),
            Err(RefreshError::Expired)
        );
    }

    #[test]
    fn revocation_of_access_and_refresh_tokens() {
        let now = Clock::default().now();
        let ttl = Duration::from_secs(100);
        let mut store = TokenStore::default();
        let family = store.new_family();
        store.issue_token_in("a".into(), grant(), ttl, now, Some(family));
        store.issue_token_in("a2".into(), grant(), ttl, now, Some(family));
        store.issue_refresh("r".into(), grant(), family, ttl, now);

        assert_eq!(store.revoke("a", "other"), Err(Revoked::AccessToken));
        assert_eq!(store.revoke("r", "other"), Err(Revoked::RefreshToken));
        assert_eq!(store.revoke("a", "c"), Ok(Revoked::AccessToken));
        assert!(store.check_token("a", now).is_none());
        assert!(
            store.check_token("a2", now).is_some(),
            "an access token alone"
        );
        assert_eq!(store.revoke("r", "c"), Ok(Revoked::RefreshToken));
        assert!(
            store.check_token("a2", now).is_none(),
            "the family went with it"
        );
        assert_eq!(store.revoke("r", "c"), Ok(Revoked::Unknown));
        assert_eq!(store.revoke("never", "c"), Ok(Revoked::Unknown));
    }

    #[test]
    fn id_tokens_are_remembered_for_logout_hints() {
        let clock = Clock::default();
        let mut store = TokenStore::default();
        store.remember_id_token("jwt".into(), "c".into(), clock.now());
        assert_eq!(store.id_token_client("jwt", clock.now()), Some("c"));
        assert_eq!(store.id_token_client("other", clock.now()), None);
        clock.advance(ID_TOKEN_MEMORY);
        assert_eq!(store.id_token_client("jwt", clock.now()), None);
    }

    #[test]
    fn random_values_differ() {
        let a = random_hex(16).unwrap();
        assert_eq!(a.len(), 32);
        assert_ne!(a, random_hex(16).unwrap());
    }
}
