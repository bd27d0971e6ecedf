//! After a token arrives: proving who logged in (OpenID Connect) and reading the profile. A
//! [`Proof`] runs the steps in order (the issuer's key set, WebCrypto's verdict on the signature,
//! the claims, `at_hash`, the profile endpoint), each a command and its answer; a login runs one
//! before it reports success, and a renewal one before it keeps the renewed tokens.
//!
//! The rules themselves are in `core::oidc`; this module only orders them and asks the browser
//! for what they need.

use std::rc::Rc;

use super::callback::PageState;
use super::io::{Command, Commands};
use super::{answered, fetch, lacks, may_come_back, warn};
use crate::core::contract::{Attr, ErrorCode, ResponseType};
use crate::core::error::OAuthError;
use crate::core::json;
use crate::core::oauth::config::Config;
use crate::core::oauth::provider::UserinfoShape;
use crate::core::oauth::request::{with_query, Secret};
use crate::core::oauth::response::Granted;
use crate::core::oidc::claims::{check_at_hash, check_parsed, same_subject, Expect, Verified};
use crate::core::oidc::discovery::Discovery;
use crate::core::oidc::jwk::{choose_key, KeyChoice};
use crate::core::oidc::jws::{read_jws, Alg};
use crate::core::oidc::profile::{merge, profile_from_parsed, profile_from_userinfo, Profile};
use crate::core::oidc::{refused, refused_as};
use crate::core::text::{cat, form_pair, Lend};

/// A request's outcome, as the browser reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply<'a> {
    /// The server answered with `status` and `body`.
    Answered(u32, &'a str),
    /// The request failed before any answer; the page's CSP directive that refused it, if one
    /// did (else empty).
    Unreachable(&'a str),
}

/// Where a proof is at after a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// Waiting for the answer to request `seq` of the proof.
    Waiting,
    /// Proven (or nothing to prove), the profile read where one could be.
    Done,
    /// The tokens must not be kept.
    Failed(OAuthError),
}

impl Progress {
    /// `Waiting` for a step that asked for its answer, else `Failed` with why it could not.
    fn waiting_unless(asked: Result<(), OAuthError>) -> Self {
        match asked {
            Ok(()) => Progress::Waiting,
            Err(error) => Progress::Failed(error),
        }
    }

    /// `Waiting` for a step that `waits` for an answer, else `Done`.
    fn waiting(waits: bool) -> Self {
        if waits {
            Progress::Waiting
        } else {
            Progress::Done
        }
    }
}

/// The step a proof waits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The issuer's key set is being fetched.
    Keys,
    /// WebCrypto is verifying the signature.
    Verify,
    /// WebCrypto is hashing the access token, for `at_hash`.
    AtHash,
    /// The profile endpoint is being read.
    Userinfo,
}

/// The proof of one grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    /// The settings the grant was asked for under.
    pub config: Rc<Config>,
    /// The issuer's discovery document, if it has one.
    pub discovery: Option<Rc<Discovery>>,
    /// The login's `nonce`; `None` on renewal, where it is not checked.
    pub nonce: Option<Secret>,
    /// On renewal: who the session is, which the renewed id_token must repeat (Core 12.2).
    pub subject: Option<Verified>,
    /// What was granted.
    pub granted: Granted,
    /// What the id_token's claims established, once checked.
    pub verified: Option<Verified>,
    /// Who logged in, as far as known.
    pub profile: Profile,
    /// Whether the profile is read, from the claims and the profile endpoint (a login: yes; a
    /// renewal keeps the profile it had).
    pub reads_profile: bool,
    /// The request the current step waits for.
    pub seq: u32,
    /// The current step.
    pub step: Step,
    /// This proof has asked for the key set itself: a key set the page held from before may
    /// predate a rotation (an unknown `kid`, or a signature its one key does not verify), and is
    /// read once more, once.
    pub keys_read: bool,
    /// The id_token's algorithm and claims (its payload's JSON text), kept where the token is
    /// read for its signature: one read serves the signature and then the claims.
    pub alg: Alg,
    /// See [`Proof::alg`]; empty until then.
    pub claims: String,
}

/// The next request number of a widget.
#[inline(never)]
pub fn next(seq: &mut u32) -> u32 {
    *seq += 1;
    *seq
}

impl Proof {
    /// A proof of `granted`, not yet begun. Inlined into its two callers: it only moves its
    /// arguments in, and LLVM keeps it apart since the proof holds the token's claims.
    #[inline(always)]
    pub fn new(
        config: Rc<Config>,
        discovery: Option<Rc<Discovery>>,
        nonce: Option<Secret>,
        subject: Option<Verified>,
        granted: Granted,
        reads_profile: bool,
    ) -> Self {
        Self {
            reads_profile,
            config,
            discovery,
            nonce,
            subject,
            granted,
            verified: None,
            profile: Profile::default(),
            seq: 0,
            step: Step::Keys,
            keys_read: false,
            // Set with `claims`, before the step that reads them.
            alg: Alg::RS256,
            claims: String::new(),
        }
    }

    /// Begins: the id_token's signature where the login proves who logged in, else the profile.
    /// A login that proves must have an id_token; a renewal may come without one. Inlined into
    /// its two callers: kept apart, its `Progress` came back through memory (64 B more).
    #[inline(always)]
    pub fn begin(&mut self, seq: &mut u32, page: &PageState, out: &mut Commands) -> Progress {
        if !self.config.proves() {
            return Progress::waiting(self.read_profile(seq, out));
        }
        match self.granted.id_token {
            Some(_) => Progress::waiting_unless(self.check_signature(seq, page, out)),
            None if self.subject.is_some() => Progress::Done,
            None => Progress::Failed(refused_as("the provider's answer has none")),
        }
    }

    /// Whether it proves a renewal's grant, not a login's: a renewal's is the proof that reads
    /// no profile (see [`Proof::reads_profile`]).
    pub fn renews(&self) -> bool {
        !self.reads_profile
    }

    /// The key that verifies the id_token, from the key set this page read; the key set is
    /// fetched when there is none yet, and once more for a `kid` it does not have. `Ok` where the
    /// proof then waits (for the key set, or for WebCrypto's verdict): one pointer, where a
    /// `Progress` came back through memory.
    fn check_signature(
        &mut self,
        seq: &mut u32,
        page: &PageState,
        out: &mut Commands,
    ) -> Result<(), OAuthError> {
        let jws = read_jws(self.granted.id_token.lend().unwrap_or(""))?;
        // Kept for `verified`, which a `Verify` step leads to.
        self.alg = jws.alg;
        self.claims = jws.claims;
        let name = "jwks_uri, so the id_token cannot be verified";
        // One way on from here, so the token read is dropped in one place.
        let choice = match self.jwks_uri() {
            Some(uri) => match page.keys(uri) {
                Some(keys) => choose_key(keys, jws.kid.lend(), jws.alg),
                None => KeyChoice::UnknownKid,
            },
            None => KeyChoice::Refused(lacks(&self.config, name)),
        };
        match choice {
            KeyChoice::Key(jwk) => {
                self.step = Step::Verify;
                self.seq = next(seq);
                let (import_with, verify_with) = jws.alg.webcrypto();
                out.emit(Command::Verify {
                    seq: self.seq,
                    key: &jwk,
                    import_with,
                    verify_with,
                    data: jws.signing_input,
                    signature: &jws.signature,
                });
                Ok(())
            }
            KeyChoice::UnknownKid if !self.keys_read => {
                self.read_keys(seq, out);
                Ok(())
            }
            KeyChoice::UnknownKid => Err(refused(&[
                "no key of the issuer's key set is `",
                jws.kid.lend().unwrap_or(""),
                "`",
            ])),
            KeyChoice::Refused(error) => Err(error),
        }
    }

    /// The issuer's `jwks_uri`, if its discovery document names one.
    ///
    /// Inlined over [`jwks_uri_of`](Self::jwks_uri_of), whose pointer comes back in a register
    /// where an `Option<&str>` would come back through memory.
    #[inline(always)]
    fn jwks_uri(&self) -> Option<&str> {
        match self.jwks_uri_of() {
            Some(uri) => Some(uri),
            None => None,
        }
    }

    /// [`jwks_uri`](Self::jwks_uri), as stored.
    fn jwks_uri_of(&self) -> Option<&String> {
        self.discovery.as_ref()?.jwks_uri.as_ref()
    }

    /// Asks for the key set (a proof that checks a signature has a `jwks_uri`); the caller
    /// then waits (no `Progress` handed back through memory for it).
    fn read_keys(&mut self, seq: &mut u32, out: &mut Commands) {
        self.keys_read = true;
        self.step = Step::Keys;
        self.seq = fetch(seq, self.jwks_uri().unwrap_or(""), None, out);
    }

    /// The answer to the request the proof waits for: the key set, or the profile.
    #[inline(always)]
    pub fn reply(
        &mut self,
        reply: Reply,
        seq: &mut u32,
        page: &mut PageState,
        out: &mut Commands,
    ) -> Progress {
        match self.step {
            Step::Keys => {
                let uri = self.jwks_uri().unwrap_or("");
                match reply {
                    Reply::Answered(200, body) => {
                        page.set_keys(uri, body);
                        let checked = self.check_signature(seq, page, out);
                        // A key set that failed its login is not kept (an error page a CDN
                        // answered 200, `{}`): the next login reads it again. The page's
                        // others go with it (one more read each; dropping one alone cost more).
                        if checked.is_err() {
                            page.keys.clear();
                        }
                        Progress::waiting_unless(checked)
                    }
                    Reply::Answered(status, _) => {
                        let why = answered("the issuer's key set", uri, status);
                        Progress::Failed(if may_come_back(status) {
                            // A server failing (5xx) or busy (429) says nothing of the id_token:
                            // the key set could not be read, as the discovery document's such
                            // answer is `network_error` (a renewal's `oauth-expired` then says so).
                            OAuthError::new(ErrorCode::NetworkError, why)
                        } else {
                            refused_as(&why)
                        })
                    }
                    Reply::Unreachable(_) => Progress::Failed(OAuthError::new(
                        ErrorCode::NetworkError,
                        cat(&["could not reach the issuer's key set `", uri, "`"]),
                    )),
                }
            }
            Step::Userinfo => {
                // (The step was taken with the URL these give.)
                let Some((url, shape)) = userinfo(&self.config, self.discovery.as_deref()) else {
                    return Progress::Done;
                };
                let read = match reply {
                    Reply::Answered(200, body) => profile_from_userinfo(body, shape)
                        .and_then(|given| merge(&mut self.profile, given)),
                    Reply::Answered(status, _) => {
                        Err(answered("the profile endpoint", &url, status))
                    }
                    Reply::Unreachable(_) => Err(cat(&[
                        "could not reach the profile endpoint `",
                        &url,
                        "` (refused, unreachable, or blocked by CORS or the page's connect-src)",
                    ])),
                };
                match read {
                    Ok(()) => {}
                    // A profile read that fails does not fail the login.
                    Err(why) => warn(&[&why, "; the profile has what the id_token gave"], out),
                }
                Progress::Done
            }
            Step::Verify | Step::AtHash => Progress::Waiting,
        }
    }

    /// WebCrypto's verdict on the signature; then the claims, which only a verified token's are
    /// worth reading.
    #[inline(always)]
    pub fn verified(&mut self, ok: bool, now: u64, seq: &mut u32, out: &mut Commands) -> Progress {
        if !ok {
            if !self.keys_read {
                self.read_keys(seq, out);
                return Progress::Waiting;
            }
            let lead = "the signature does not verify with the issuer's key";
            return Progress::Failed(match self.alg {
                // Where browsers differ in what they verify, that may be why.
                Alg::PS256 | Alg::EdDSA => refused(&[
                    lead,
                    " (or this browser cannot verify ",
                    self.alg.name(),
                    ")",
                ]),
                _ => refused_as(lead),
            });
        }
        let expect = Expect {
            issuer: self.config.issuer().unwrap_or(""),
            client_id: self.config.client_id(),
            nonce: self.nonce.lend(),
            now_ms: now,
            // A renewal's id_token keeps the login's `auth_time` (Core 12.2): only a login's is
            // held to its `max_age`.
            max_age: self.nonce.as_ref().and_then(|_| {
                let discovered = self.discovery.as_deref();
                (self.config).max_age(discovered.and_then(|d| d.authorization_endpoint.lend()))
            }),
        };
        // Parsed once, for the checks and the profile.
        let claims = json::parse(&self.claims);
        let verified = match check_parsed(claims, &expect) {
            Ok(verified) => verified,
            Err(error) => return Progress::Failed(error),
        };
        if let Some(subject) = &self.subject {
            if let Err(error) = same_subject(subject, &verified) {
                return Progress::Failed(error);
            }
        }
        if self.reads_profile {
            self.profile = profile_from_parsed(claims);
        }
        self.verified = Some(verified);
        // The implicit grant's access token came beside the id_token, not from the token
        // endpoint: `at_hash` binds the two (Core 3.2.2.9).
        if self.config.response_type == ResponseType::TokenIdToken && self.subject.is_none() {
            self.step = Step::AtHash;
            self.seq = next(seq);
            out.emit(Command::Digest {
                seq: self.seq,
                text: self.granted.token.access_token.expose(),
                algorithm: self.alg.at_hash_digest(),
            });
            return Progress::Waiting;
        }
        Progress::waiting(self.read_profile(seq, out))
    }

    /// The access token's digest, for `at_hash`.
    #[inline(always)]
    pub fn digest(&mut self, digest: &[u8], seq: &mut u32, out: &mut Commands) -> Progress {
        let at_hash = self.verified.as_ref().and_then(|v| v.at_hash.lend());
        match check_at_hash(at_hash, digest, true) {
            Ok(()) => Progress::waiting(self.read_profile(seq, out)),
            Err(error) => Progress::Failed(error),
        }
    }

    /// Reads the profile endpoint, where there is one and the proof reads it: whether it did, so
    /// the proof waits (a flag, where a `Progress` came back through memory).
    fn read_profile(&mut self, seq: &mut u32, out: &mut Commands) -> bool {
        if !self.reads_profile {
            return false;
        }
        let Some((url, _)) = userinfo(&self.config, self.discovery.as_deref()) else {
            return false;
        };
        let token = self.granted.token.access_token.expose();
        // A preset whose API takes the token as a query parameter takes it here too.
        let in_query = self.config.preset.token_in_query;
        let url = if in_query {
            let mut query = String::new();
            form_pair(&mut query, "access_token", token);
            with_query(&url, &query)
        } else {
            url
        };
        self.step = Step::Userinfo;
        self.seq = next(seq);
        out.emit(Command::Fetch {
            seq: self.seq,
            url: &url,
            body: None,
            bearer: (!in_query).then_some(token),
        });
        true
    }
}

/// Where the profile is read and how its answer names the fields: `userinfo-url` (unless
/// `none`), else the discovered `userinfo_endpoint`, else the preset's profile endpoint.
pub fn userinfo(config: &Config, discovery: Option<&Discovery>) -> Option<(String, UserinfoShape)> {
    let preset = config.preset;
    let shape = preset.userinfo_shape;
    match config.endpoint(Attr::UserinfoUrl) {
        Some(url) => Some((url?, shape)),
        None => match discovery.and_then(|d| d.userinfo_endpoint.lend()) {
            Some(url) => Some((url.into(), UserinfoShape::Oidc)),
            // `is_empty`, not a match on `""`: that calls the slices' comparison.
            None if preset.userinfo_url.is_empty() => None,
            None => Some((preset.userinfo_url.into(), shape)),
        },
    }
}
