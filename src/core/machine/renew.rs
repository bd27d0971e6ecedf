//! Staying logged in, and logging out: the refresh token renews the session before it expires
//! (under a Web Lock where tabs share the session, so a rotating refresh token is sent once),
//! another tab's login, renewal or logout reaches this one through `localStorage`, and logout
//! revokes the tokens (RFC 7009) and may end the provider's session (RP-Initiated Logout). The
//! tokens a token endpoint grants that the widget then drops (a login's that ended without
//! success, a renewal's whose session ended) are revoked the same way, where no session is held
//! (see `Revoking::send`).

use std::rc::Rc;

use super::callback::{Discovered, PageState};
use super::io::{Command, Commands, Detail, Settle};
use super::proof::{Progress, Proof, Reply};
use super::session::{Attempt, Held, Stage};
use super::{
    answered, fetch, forget_token, go, keep, may_come_back, token_endpoint, token_name,
    unreachable_error, warn, Env, Machine, DISCOVERY_LOOK_MS,
};
use crate::core::contract::{Attr, Event, Storage};
use crate::core::error::OAuthError;
use crate::core::json;
use crate::core::oauth::config::Config;
use crate::core::oauth::request::{client_id_pair, refresh_request, revoke_request, with_query};
use crate::core::oauth::response::token_answer;
use crate::core::oauth::token::Token;
use crate::core::oidc::discovery::Discovery;
use crate::core::store::{Store, LOGOUT_KEY, RENEW_LOCK_PREFIX};
use crate::core::text::{cat, form_pair, hex, saturating_times, Lend};

/// A renewal is due once less than a tenth of the token's lifetime remains, and at most this
/// long before it expires.
pub const RENEW_AHEAD_MAX_MS: u64 = 60_000;
/// The first retry of a renewal that could not reach the token endpoint waits this long, each
/// next one twice as long, up to [`RETRY_MAX_MS`].
pub const RETRY_FIRST_MS: u64 = 1_000;
/// The longest wait between two retries.
pub const RETRY_MAX_MS: u64 = 30_000;
/// One last retry is made within this long of the expiry.
pub const LAST_CHANCE_MS: u64 = 2_000;
/// A try (the Web Lock, the discovery document) that takes longer than this is given up as
/// unreachable: a request that never answers must hold neither the lock nor the session. Once
/// the refresh token is out (the refresh request, the proof of its answer), the try lasts until
/// the expiry if that is later: a rotating provider may have used the token, so it is not sent
/// again, from this tab or from another given the lock, while its answer may still come.
pub const TRY_MAX_MS: u64 = 30_000;

/// A time that never comes: what the machine's times (a renewal's, a try's or a logout's
/// deadline, a hint's) are when there is none. A plain number, not an `Option`: a function
/// answering an `Option<u64>` hands it back through memory in the wasm, and the earliest of
/// several is then their `min`.
pub const NEVER: u64 = u64::MAX;

/// When the session holding `token` is renewed: [`NEVER`] when its lifetime is unknown (it never
/// expires, as far as the widget knows).
pub fn renew_at(token: &Token) -> u64 {
    let (Some(expires_at), Some(lifetime_secs)) = (token.expires_at, token.expires_in) else {
        return NEVER;
    };
    // A tenth of the lifetime, in milliseconds, is the lifetime in seconds times 100.
    expires_at.saturating_sub(saturating_times(lifetime_secs, 100).min(RENEW_AHEAD_MAX_MS))
}

/// When to try again after the `failures`-th failed try at `now`, for a token expiring at
/// `expires_at`: 1 s, then doubling, at most 30 s apart, and once more within the last 2 s
/// (`last_chance` says whether that one was made). With it the second member is true; `None`
/// when no try is left before the expiry.
#[inline(always)]
pub fn retry_at(
    now: u64,
    failures: u32,
    expires_at: u64,
    last_chance: bool,
) -> Option<(u64, bool)> {
    let wait =
        saturating_times(RETRY_FIRST_MS, 1 << failures.saturating_sub(1).min(16)).min(RETRY_MAX_MS);
    let last = expires_at.saturating_sub(LAST_CHANCE_MS);
    match now.saturating_add(wait) {
        at if at < last => Some((at, false)),
        _ if last_chance || now >= expires_at => None,
        _ => Some((now.max(last), true)),
    }
}

/// A renewal of the held session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renewal {
    /// Where it is at.
    pub step: RenewStep,
    /// Its tries that could not reach the token endpoint.
    pub failures: u32,
    /// The retry within the last seconds before the expiry was made.
    pub last_chance: bool,
    /// It renews a session restored with an expired access token: success is reported as the
    /// restore (`oauth-login`), not as `oauth-renewed`.
    pub restoring: bool,
    /// This tab holds the renewal's Web Lock.
    pub locked: bool,
    /// When the current try started.
    pub since: u64,
}

impl Renewal {
    /// Whether a try is under way (not waiting to try again).
    pub fn trying(&self) -> bool {
        !matches!(self.step, RenewStep::Wait(_))
    }

    /// Gives the try up until `at`, letting the Web Lock go.
    pub fn wait_until(&mut self, at: u64, out: &mut Commands) {
        self.step = RenewStep::Wait(at);
        if std::mem::take(&mut self.locked) {
            unlock(out);
        }
    }
}

/// Lets the renewal's Web Lock go.
#[inline(never)]
fn unlock(out: &mut Commands) {
    out.emit(Command::Unlock {});
}

/// A step of [`Renewal`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenewStep {
    /// Waiting for the Web Lock.
    Locking,
    /// Waiting for the page's discovery document (a page just loaded): it names the token
    /// endpoint, or the key set that verifies the renewed id_token.
    Discovering,
    /// The refresh request `seq` is out.
    Request(u32),
    /// The renewed id_token is being proven.
    Prove(Box<Proof>),
    /// Waiting to try again at this time.
    Wait(u64),
}

/// What a revocation is for: the `logout()` promise it settles (none for a session ended
/// otherwise), and where the tab then goes to end the provider's session.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Logout {
    /// The `logout()` promise it settles (0: none).
    pub id: u32,
    /// Where the tab then goes to end the provider's session, if it does: its URL; while the
    /// logout waits for the discovery document that names the endpoint ([`Revoking::parked`]),
    /// the request's query alone.
    pub end_session: Option<String>,
}

impl Logout {
    /// A logout's revocation is over: its promise settles, then the tab may leave to end the
    /// provider's session.
    fn settle(&self, revoked: bool, out: &mut Commands) {
        let Logout { id, end_session } = self;
        if *id > 0 {
            out.emit(Command::Revoked { id: *id, revoked });
        }
        if let Some(url) = end_session {
            go(url, out);
        }
    }
}

/// [`Revoking::since`] of a token request awaited past its logout's settlement: its deadline is
/// then [`NEVER`].
const AWAITING: u64 = NEVER;

/// A logout's revocation requests still out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoking {
    /// What it is for.
    pub logout: Logout,
    /// The requests not yet answered.
    pub waiting: Vec<u32>,
    /// Every answer so far was a 200.
    pub revoked: bool,
    /// When the logout was; [`TRY_MAX_MS`] later, what is still out counts as unanswered, but
    /// for the token request (`renewal`), which is then awaited with this [`AWAITING`].
    pub since: u64,
    /// The token request out at the logout (a refresh, or a dropped login's code exchange; 0:
    /// none), in `waiting`: the tokens its answer brings are revoked too, never kept.
    pub renewal: u32,
    /// The session's settings.
    pub config: Rc<Config>,
    /// The revocation endpoint, if one is known.
    pub url: Option<String>,
    /// A logout as the page loads (a "/logout" route): the page is still reading the discovery
    /// document that names the revocation endpoint (no `revoke-url` set) or the end-session one.
    /// The sessions it revokes (held, stored), and its renewal's step, wait here until it is
    /// read, with the answer of the renewal's refresh request if it came meanwhile (a page that
    /// loaded with an expired session, whose renewal did not need the document).
    pub parked: Option<Box<Parked>>,
}

/// What a logout waiting for the discovery document revokes once it is read: the session held,
/// the one stored, the renewal's step, and the body of its refresh request's answer, kept
/// until the tokens it brings can be revoked.
type Parked = (
    Option<Held>,
    Option<Held>,
    Option<RenewStep>,
    Option<String>,
);

impl Revoking {
    /// A logout's revocation at `url`, nothing asked for yet; `parked` while it waits for the
    /// discovery document.
    fn new(
        logout: Logout,
        config: Rc<Config>,
        url: Option<String>,
        parked: Option<Box<Parked>>,
        now: u64,
    ) -> Self {
        Self {
            logout,
            waiting: Vec::new(),
            revoked: false,
            since: now,
            renewal: 0,
            config,
            url,
            parked,
        }
    }

    /// When what is still out counts as unanswered ([`NEVER`] for a token request awaited).
    fn deadline(&self) -> u64 {
        self.since.saturating_add(TRY_MAX_MS)
    }

    /// Asks for the revocation of `tokens`, each of the kind `hint` names (`token_type_hint`,
    /// RFC 7009 2.1; one call per kind, where a kind in each entry of one list cost more): the
    /// requests join `waiting`. None while this widget `holds` a session (a logout's are taken
    /// first): a provider may revoke the whole grant with any of its tokens (RFC 7009 2.1), and
    /// a dropped token may be of the same person and client as the session held, which would
    /// end with it.
    fn send(
        &mut self,
        tokens: &[Option<&str>],
        hint: &str,
        holds: bool,
        seq: &mut u32,
        out: &mut Commands,
    ) {
        let Some(url) = &self.url else { return };
        if holds {
            return;
        }
        // By a slice pattern: a `for` loop calls the slice's `into_iter`, kept apart by LLVM.
        let mut tokens = tokens;
        while let [token, rest @ ..] = tokens {
            tokens = rest;
            let Some(token) = token else { continue };
            let body = revoke_request(&self.config, token, hint);
            self.waiting.push(fetch(seq, url, Some(&body), out));
        }
    }
}

/// What this page read, or is reading, of `config`'s issuer's discovery document (one pointer
/// back in a register, where the issuer's text comes back through memory).
fn discovered<'a>(config: &Config, page: &'a PageState) -> Option<&'a Discovered> {
    page.discovery(config.issuer()?)
}

/// The discovery document this page read for `config`'s issuer, if it has.
fn discovery<'a>(config: &Config, page: &'a PageState) -> Option<&'a Rc<Discovery>> {
    match discovered(config, page) {
        Some(Discovered::Known(document)) => Some(document),
        _ => None,
    }
}

/// Where a renewal is sent: `token-url`, else the `token_endpoint` of the discovery document
/// this page read.
fn renewal_endpoint<'a>(config: &'a Config, page: &'a PageState) -> Option<&'a str> {
    token_endpoint(config, discovery(config, page).map(|d| &**d))
}

impl Machine {
    /// When the held session is next renewed (or retried), if it can be.
    pub(super) fn renewal_time(&self) -> u64 {
        let Some(held) = self.held.as_ref().filter(|h| h.refresh_token.is_some()) else {
            return NEVER;
        };
        match &self.renewal {
            None => renew_at(&held.token),
            Some(Renewal {
                step: RenewStep::Wait(at),
                ..
            }) => *at,
            Some(_) => NEVER,
        }
    }

    /// When the try under way next needs a look: the discovery document it waits for, or the
    /// end of the time it may take.
    pub(super) fn try_deadline(&self, now: u64) -> u64 {
        let Some(renewal) = self.renewal.as_ref().filter(|r| r.trying()) else {
            return NEVER;
        };
        let end = renewal.since.saturating_add(TRY_MAX_MS);
        let expires_at = self.held.as_ref().and_then(|h| h.token.expires_at);
        match renewal.step {
            RenewStep::Discovering => end.min(now + DISCOVERY_LOOK_MS),
            RenewStep::Request(_) | RenewStep::Prove(_) => end.max(expires_at.unwrap_or(0)),
            _ => end,
        }
    }

    /// Starts the renewal [`renewal_time`](Self::renewal_time) says is due, or tries a waiting
    /// one again, keeping whether it restores the session.
    pub(super) fn renew(&mut self, env: &mut Env, out: &mut Commands) {
        let restoring = self.renewal.as_ref().is_some_and(|r| r.restoring);
        self.start_renewal(restoring, env, out);
    }

    /// Starts (or tries again) renewing the held session: under the Web Lock where tabs share
    /// it, at once where each tab keeps its own. Sets the timer for what it waits for.
    pub(super) fn start_renewal(&mut self, restoring: bool, env: &mut Env, out: &mut Commands) {
        let Some(held) = &self.held else {
            return;
        };
        let (failures, last_chance) = self
            .renewal
            .as_ref()
            .map_or((0, false), |r| (r.failures, r.last_chance));
        let shared = held.config.storage == Storage::Local;
        self.renewal = Some(Renewal {
            step: RenewStep::Locking,
            failures,
            last_chance,
            restoring,
            locked: false,
            since: env.now,
        });
        if shared {
            let name = cat(&[RENEW_LOCK_PREFIX, &held.config.key]);
            out.emit(Command::Lock { name: &name });
            self.arm(env.now, out);
        } else {
            self.send_refresh(env, out);
        }
    }

    /// The Web Lock is held: another tab may have renewed (or ended) the session while this one
    /// waited for it, in which case its result is taken and nothing is sent.
    pub(super) fn locked(&mut self, env: &mut Env, out: &mut Commands) {
        let restoring = match &mut self.renewal {
            Some(r) if matches!(r.step, RenewStep::Locking) => {
                r.locked = true;
                r.restoring
            }
            _ => return unlock(out),
        };
        let Some(held) = &self.held else {
            return self.drop_renewal(out);
        };
        let name = token_name(&held.config);
        // An unknown lifetime ([`NEVER`]) is due now: the renewal was asked for.
        let at = renew_at(&held.token);
        let due = at == NEVER || env.now >= at;
        // Unchanged too under another client's or server's record (the same key, other
        // settings): it is no change of this session, as `sync_shared` reads it, which goes on.
        let record = env.store.get(Storage::Local, &name);
        // The record matched by reference: no `Some` of the session's text built to compare.
        let unchanged = !held.kept
            || matches!(&record, Some(r) if *r == held.to_record()
                || matches!(Held::from_record(r, &held.config), Some(None)));
        if unchanged && due {
            self.send_refresh(env, out);
        } else {
            self.drop_renewal(out);
            self.sync_shared(restoring, env, out);
        }
    }

    /// Sends the refresh request, once the page has the discovery document it needs; sets the
    /// timer for what it waits for.
    pub(super) fn send_refresh(&mut self, env: &mut Env, out: &mut Commands) {
        let Some(held) = &self.held else {
            return self.drop_renewal(out);
        };
        let needs_document = held.config.token_url.is_none() || held.config.proves();
        // The page's discovery document for the issuer, looked up once.
        let document = match discovered(&held.config, env.page) {
            Some(Discovered::Reading) if needs_document => {
                self.renewal_step(RenewStep::Discovering);
                return self.arm(env.now, out);
            }
            Some(Discovered::Known(document)) => Some(&**document),
            _ => None,
        };
        let endpoint = token_endpoint(&held.config, document);
        let (Some(endpoint), Some(refresh_token)) = (endpoint, &held.refresh_token) else {
            // The discovery document could not be read: as unreachable.
            return self.retry(env, out);
        };
        let body = refresh_request(&held.config, refresh_token);
        let seq = fetch(&mut self.seq, endpoint, Some(&body), out);
        self.renewal_step(RenewStep::Request(seq));
        self.arm(env.now, out);
    }

    /// The renewal under way, if any, goes to `step`.
    fn renewal_step(&mut self, step: RenewStep) {
        if let Some(renewal) = &mut self.renewal {
            renewal.step = step;
        }
    }

    /// Whether the renewal waits for request `seq`.
    pub(super) fn renewing(&self, seq: u32) -> bool {
        matches!(&self.renewal, Some(Renewal { step: RenewStep::Request(s), .. }) if *s == seq)
    }

    /// The token endpoint answered the refresh request: checked as at login, then proven.
    #[inline(always)]
    pub(super) fn refresh_reply(
        &mut self,
        seq: u32,
        reply: Reply,
        env: &mut Env,
        out: &mut Commands,
    ) {
        // The request is over: a session ending now has no answer of it to revoke.
        self.renewal_step(RenewStep::Wait(0));
        let Some(held) = &self.held else {
            return self.drop_renewal(out);
        };
        let granted = match reply {
            Reply::Unreachable(_) => return self.retry(env, out),
            // A server failing (5xx) or busy (429) may answer later: tried again.
            Reply::Answered(status, _) if may_come_back(status) => return self.retry(env, out),
            Reply::Answered(status, body) => {
                token_answer(status, body, held.config.preset, &held.token.scope, env.now)
            }
        };
        let mut granted = match granted {
            Ok(granted) => granted,
            // A 200 that fails its checks (a `token_type` other than bearer, say) may still carry
            // what the provider granted (a rotated refresh token, live): revoked as the session
            // ends, as a login's is.
            Err(error) => {
                let (seq, body) = match reply {
                    Reply::Answered(200, body) => (seq, body),
                    _ => (0, ""),
                };
                return self.end_session(Some(error), seq, body, env, out);
            }
        };
        // Without a new id_token, the login's stands; without a new refresh token, the old one
        // goes on (no rotation).
        let login_subject = held.login();
        granted.refresh_token = granted
            .refresh_token
            .or_else(|| held.refresh_token.as_ref().map(|t| t.expose().into()));
        let mut proof = Box::new(Proof::new(
            held.config.clone(),
            discovery(&held.config, env.page).cloned(),
            None,
            login_subject,
            granted,
            false,
        ));
        let progress = proof.begin(&mut self.seq, env.page, out);
        self.renewal_step(RenewStep::Prove(proof));
        self.renewed(progress, env, out);
    }

    /// Where the renewal's proof is at: the renewed tokens are kept, or the session ends.
    pub(super) fn renewed(&mut self, progress: Progress, env: &mut Env, out: &mut Commands) {
        match progress {
            Progress::Waiting => return,
            Progress::Failed(error) => return self.end_session(Some(error), 0, "", env, out),
            Progress::Done => {}
        }
        // Another tab's change this tab has not heard of yet (a logout: the renewed tokens are
        // revoked; a new login) is taken first, not written over: the tabs would take this one.
        self.sync(env, out);
        // Taken only if still this proof's: a renewal that change started (of an expired
        // session) goes on.
        let Some(Renewal {
            step: RenewStep::Prove(proof),
            restoring,
            locked,
            ..
        }) = self
            .renewal
            .take_if(|r| matches!(r.step, RenewStep::Prove(_)))
        else {
            return;
        };
        let (mut held, user) = Held::proven(*proof, self.held.as_ref());
        // The session renewed keeps its profile (the proof reads none): swapped over, not copied.
        if let Some(before) = &mut self.held {
            std::mem::swap(&mut held.profile, &mut before.profile);
        }
        // Written before the lock goes: the next tab to take it reads the rotated token.
        keep(env.store, &mut held, out);
        if locked {
            unlock(out);
        }
        self.held = Some(held);
        self.settle(false);
        let event = if restoring {
            Event::Login
        } else {
            Event::Renewed
        };
        self.report(event, Settle::Not, restoring, user.lend(), env, out);
    }

    /// The last attempt's outcome becomes `Expired` where the session `expired`, else none; a
    /// login under way goes on. (A flag, where an `Attempt` handed in was dropped when unused.)
    fn settle(&mut self, expired: bool) {
        if !matches!(self.attempt, Attempt::Pending(_)) {
            self.attempt = if expired {
                Attempt::Expired
            } else {
                Attempt::None
            };
        }
    }

    /// The refresh request could not be made: tried again later, or, out of time, the session
    /// ends with `network_error`.
    pub(super) fn retry(&mut self, env: &mut Env, out: &mut Commands) {
        let Some(held) = &self.held else {
            return self.drop_renewal(out);
        };
        let Some(renewal) = &mut self.renewal else {
            return;
        };
        renewal.failures += 1;
        let expires_at = held.token.expires_at.unwrap_or(u64::MAX);
        match retry_at(env.now, renewal.failures, expires_at, renewal.last_chance) {
            Some((at, last)) => {
                renewal.wait_until(at, out);
                renewal.last_chance |= last;
                self.arm(env.now, out);
            }
            None => {
                // The endpoint it was sent to; the issuer where its discovery document could
                // not be read.
                let url = renewal_endpoint(&held.config, env.page).or(held.config.issuer());
                let error = unreachable_error("the renewal", url.unwrap_or(""), "");
                self.end_session(Some(error), 0, "", env, out);
            }
        }
    }

    /// The renewal ends without a result: its lock goes.
    pub(super) fn drop_renewal(&mut self, out: &mut Commands) {
        self.take_renewal(out);
    }

    /// Takes the renewal, letting its lock go: its step, all its callers keep of it.
    fn take_renewal(&mut self, out: &mut Commands) -> Option<RenewStep> {
        let renewal = self.renewal.take()?;
        if renewal.locked {
            unlock(out);
        }
        Some(renewal.step)
    }

    /// Takes the renewal of a session ended without a logout (its lock goes), and
    /// revokes the tokens it brings (under `config`, the session's settings).
    fn revoke_renewal(&mut self, config: &Rc<Config>, env: &Env, out: &mut Commands) {
        let renewal = self.take_renewal(out);
        self.revoke(
            Logout::default(),
            config.clone(),
            (None, None),
            renewal,
            env,
            out,
        );
    }

    /// The pending login ends without success: what its token endpoint granted is revoked, as a
    /// renewal's is (RFC 7009 2.1: tokens the client no longer needs; where no session is held,
    /// see `Revoking::send`), those its proof holds at
    /// once, those its code exchange still out brings when it answers. A code flow's only: the
    /// tokens an implicit response brings are unproven, and may be another client's. The
    /// login's stage is taken whatever it was: called only as the attempt ends (`fail`).
    pub(super) fn revoke_login(&mut self, env: &Env, out: &mut Commands) {
        let Attempt::Pending(p) = &mut self.attempt else {
            return;
        };
        // Taken as a renewal's steps: the request out, the proof.
        let step = match std::mem::replace(&mut p.stage, Stage::Exchange(0)) {
            Stage::Exchange(seq) if seq > 0 => RenewStep::Request(seq),
            Stage::Prove(proof) if p.secrets.verifier.is_some() => RenewStep::Prove(proof),
            _ => return,
        };
        let config = p.config.clone();
        self.revoke(
            Logout::default(),
            config,
            (None, None),
            Some(step),
            env,
            out,
        );
    }

    /// The session ends without a logout: the tokens are forgotten and `oauth-expired` fires
    /// with `error`'s code (`null` when there was nothing to renew with). `seq` (0: none) and
    /// `body`: the refresh request and its 200 answer that failed its checks, whose tokens are
    /// revoked (two plain values, where an `Option` of the pair was written to memory at each
    /// call).
    pub(super) fn end_session(
        &mut self,
        error: Option<OAuthError>,
        seq: u32,
        body: &str,
        env: &mut Env,
        out: &mut Commands,
    ) {
        // Another tab's logout or new login this tab has not heard of yet is taken instead: an
        // ended record written over it would end that tab's new session everywhere.
        if self.sync(env, out) {
            return;
        }
        let Some(held) = self.held.take() else {
            return self.drop_renewal(out);
        };
        // What a renewal under way brings (a refresh request out past the expiry) is revoked;
        // so is what the answer that ended it brought, handed to revocation as that request's.
        if seq > 0 {
            self.renewal_step(RenewStep::Request(seq));
        }
        self.revoke_renewal(&held.config, env, out);
        if seq > 0 {
            self.revoke_reply(seq, Reply::Answered(200, body), out);
        }
        let code = error.as_ref().map(|e| e.code.as_str());
        leave_ended(env.store, &held.config, code);
        if let Some(error) = &error {
            warn(&["the session ended: ", &error.description], out);
        }
        self.settle(true);
        self.show(env.now, out);
        self.fire(
            Event::Expired,
            Detail::Expired(held.config.preset.id, code),
            Settle::Not,
            out,
        );
    }

    /// Another tab changed `localStorage` item `key`: if it is this widget's session (the
    /// session held, whatever the settings now say), this tab takes the change.
    pub(super) fn stored(&mut self, key: &str, env: &mut Env, out: &mut Commands) {
        // `sync_shared` looks at `localStorage` only.
        let name = token_name(self.session_config());
        if key.is_empty() || *key == *name {
            self.sync(env, out);
        }
    }

    /// [`sync_shared`](Self::sync_shared), `restoring` as the renewal under way (if any) is.
    fn sync(&mut self, env: &mut Env, out: &mut Commands) -> bool {
        let restoring = self.renewal.as_ref().is_some_and(|r| r.restoring);
        self.sync_shared(restoring, env, out)
    }

    /// Takes the session another tab left in `localStorage`: a login (`oauth-login`, restored),
    /// a renewal (`oauth-renewed`; `oauth-login` where this tab was `restoring` the session,
    /// as its own renewal would report it), a logout (`oauth-logout`), or a session that ended
    /// there (`oauth-expired`, with that tab's error code). Whether there was such a change.
    fn sync_shared(&mut self, restoring: bool, env: &mut Env, out: &mut Commands) -> bool {
        let config = self.session_config();
        if config.storage != Storage::Local {
            return false;
        }
        // None read as an empty one, which says nothing either: neither a session nor its end.
        let record = env
            .store
            .get(Storage::Local, &token_name(config))
            .unwrap_or_default();
        // Unchanged; or beside a session this tab could not store (its own alone: a record
        // there is its own past, one it could not write over).
        match &self.held {
            None if record.is_empty() => return false,
            Some(held) if !held.kept || record == held.to_record() => return false,
            _ => {}
        }
        let mut ended = ended_code(&record);
        match Held::from_record(&record, config) {
            // Another client's or server's session under the same key: no change of this one.
            Some(None) => return false,
            Some(Some(shared)) => {
                // A session whose access token expired since it was written (this tab slept, or
                // was out of the document, through the other tab's renewal) is taken if it can
                // be renewed, as a page loading would restore it: nobody logged out.
                let expired = shared.token.is_expired(env.now);
                if !expired || shared.refresh_token.is_some() {
                    // Another person's login is a login; the same person's new token, a
                    // renewal. Only a session with a refresh token can have been renewed:
                    // without a subject (plain OAuth) any new login, another account's too,
                    // would read as the same.
                    let renewed = !restoring
                        && self.held.as_ref().is_some_and(|old| {
                            old.refresh_token.is_some() && old.profile.sub == shared.profile.sub
                        });
                    self.settle(false);
                    self.held = Some(shared);
                    // A renewal waiting for the lock finds the new token when it gets it (an
                    // expired one it renews, reporting it as this change); one under way is
                    // dropped, and what it brings is not kept (nor revoked: a session is held).
                    match &mut self.renewal {
                        Some(r) if matches!(r.step, RenewStep::Locking) => {
                            if expired {
                                r.restoring = !renewed;
                            }
                        }
                        _ => self.drop_renewal(out),
                    }
                    // An expired session is reported once renewed (or ended), as a restore is.
                    if expired {
                        self.render(env.now, out);
                        if self.renewal.is_none() {
                            self.start_renewal(!renewed, env, out);
                        }
                        return true;
                    }
                    let event = if renewed {
                        Event::Renewed
                    } else {
                        Event::Login
                    };
                    self.report(event, Settle::Not, !renewed, None, env, out);
                    return true;
                }
                // One that ran out with nothing to renew it with (no tab was left to write its
                // end): ended, not logged out.
                ended = Some("");
            }
            None => {}
        }
        // Nothing held, nothing to take (a logout or an end this page wrote, or heard
        // already): no change, and the button keeps saying what it says. Taken first
        // otherwise: what the renewal brings is revoked only where no session is held.
        let Some(old) = self.held.take() else {
            return false;
        };
        // What this tab's renewal under way brings is live at the provider: revoked.
        self.revoke_renewal(&old.config, env, out);
        let id = old.config.preset.id;
        let (expired, event, detail) = match ended {
            Some(code) => {
                let code = Some(code).filter(|c| !c.is_empty());
                (true, Event::Expired, Detail::Expired(id, code))
            }
            None => (false, Event::Logout, Detail::Provider(id)),
        };
        self.settle(expired);
        self.show(env.now, out);
        self.fire(event, detail, Settle::Not, out);
        true
    }

    /// `logout()`: forgets the tokens here (and, through storage, in the tabs sharing them:
    /// where the session was kept, and where this element's settings keep one now),
    /// asks for their revocation where a revocation endpoint is known, and fires `oauth-logout`
    /// at once; once revoked, `end_session` sends the tab to end the provider's session. The
    /// tokens a renewal under way brings are revoked too: those its proof holds at once, those
    /// its refresh request still out brings when they come; the promise waits for them.
    pub(super) fn logout(
        &mut self,
        end_session: bool,
        id: u32,
        random: &[u8],
        env: &mut Env,
        out: &mut Commands,
    ) {
        let renewal = self.take_renewal(out);
        let config = self.session_config().clone();
        let held = self.held.take();
        // The session as it is stored: another tab may have renewed it since this one last heard
        // (a removed element hears no `storage` event), or this element not restored it yet. Its
        // tokens are the live ones; the tabs that hear of this logout revoke nothing.
        // Matched, not `and_then` and `flatten`, which moved the session through memory.
        let record = env.store.get(config.storage, &token_name(&config));
        let stored = match Held::from_record(record.lend().unwrap_or(""), &config) {
            Some(Some(held)) => Some(held),
            _ => None,
        };
        forget_token(env.store, &config);
        forget_token(env.store, &self.config);
        self.settle(false);
        self.render(env.now, out);
        // The request's query; its URL once the endpoint is known (see `Revoking::parked`).
        let end_session = end_session.then(|| {
            end_session_query(
                &config,
                stored.as_ref().or(held.as_ref()),
                random,
                env.store,
            )
        });
        let provider = config.preset.id;
        // An element never connected has not asked for its issuer's document yet.
        self.discover(env, out);
        let document = discovered(&config, env.page);
        if matches!(document, Some(Discovered::Reading))
            && (config.get(Attr::RevokeUrl).is_none() || end_session.is_some())
        {
            let parked = Some(Box::new((held, stored, renewal, None)));
            let logout = Logout { id, end_session };
            self.revoking
                .push(Revoking::new(logout, config, None, parked, env.now));
        } else {
            let mut logout = Logout { id, end_session };
            end_session_at(&mut logout.end_session, document, env.store, out);
            let sessions = (held.as_ref(), stored.as_ref());
            self.revoke(logout, config, sessions, renewal, env, out);
        }
        self.arm(env.now, out);
        // Last, as every event: a listener finds the widget logged out, its requests sent.
        self.fire(Event::Logout, Detail::Provider(provider), Settle::Not, out);
    }

    /// Asks for the revocation of the tokens of `held` (the session held, and the one stored;
    /// each token once) and of those its renewal `step` brings (its
    /// proof's at once, its refresh request's when it answers; a login's, as such steps), never
    /// anything while this widget holds a session (see `Revoking::send`): for the `logout()`
    /// promise `id`, or for none (0: a renewal or a login dropped otherwise, here or in another
    /// tab). The two sessions come as a pair, two values in registers, where an array of them
    /// was written to memory at each call.
    fn revoke(
        &mut self,
        logout: Logout,
        config: Rc<Config>,
        (held, stored): (Option<&Held>, Option<&Held>),
        renewal: Option<RenewStep>,
        env: &Env,
        out: &mut Commands,
    ) {
        let url = match config.endpoint(Attr::RevokeUrl) {
            Some(url) => url,
            None => discovery(&config, env.page)
                .and_then(|d| d.revocation_endpoint.lend())
                .or(config.preset.revoke_url)
                .map(Into::into),
        };
        let mut revoking = Revoking::new(logout, config, url, None, env.now);
        let refresh = held.and_then(|h| h.refresh_token.lend());
        let access = held.map(|h| h.token.access_token.expose());
        let proven = match &renewal {
            Some(RenewStep::Prove(proof)) => Some(&proof.granted),
            _ => None,
        };
        let refreshes = [
            refresh,
            other(proven.and_then(|g| g.refresh_token.lend()), refresh),
            other(stored.and_then(|h| h.refresh_token.lend()), refresh),
        ];
        let accesses = [
            access,
            proven.map(|g| g.token.access_token.expose()),
            other(stored.map(|h| h.token.access_token.expose()), access),
        ];
        let holds = self.held.is_some();
        revoking.send(&refreshes, "refresh_token", holds, &mut self.seq, out);
        revoking.send(&accesses, "access_token", holds, &mut self.seq, out);
        revoking.revoked = !revoking.waiting.is_empty();
        if let (Some(RenewStep::Request(seq)), true) = (renewal, revoking.url.is_some()) {
            revoking.renewal = seq;
            revoking.waiting.push(seq);
        }
        if revoking.waiting.is_empty() {
            revoking.logout.settle(revoking.revoked, out);
        } else {
            // Beside any earlier logout's still out: each promise settles with its own.
            self.revoking.push(revoking);
        }
    }

    /// The logouts that waited for the page's discovery document (see [`Revoking::parked`]) go
    /// on once it is read, or could not be: their tokens are revoked at the endpoint it names
    /// (else the preset's), and the end-session request gets its URL.
    pub(super) fn revoke_discovered(&mut self, env: &mut Env, out: &mut Commands) {
        // Each looked at once, its document looked up once (what `revoke` adds is not parked).
        let mut index = 0;
        while let Some(revoking) = self.revoking.get_mut(index) {
            let document = discovered(&revoking.config, env.page);
            let parked = match document {
                Some(Discovered::Reading) => None,
                _ => revoking.parked.take(),
            };
            let Some(mut parked) = parked else {
                index += 1;
                continue;
            };
            let Revoking {
                mut logout, config, ..
            } = self.revoking.remove(index);
            end_session_at(&mut logout.end_session, document, env.store, out);
            // Lent from the box, not moved out of it (a copy of their bytes).
            let (held, stored, renewal, answer) = &mut *parked;
            let sessions = (held.as_ref(), stored.as_ref());
            let seq = match renewal {
                Some(RenewStep::Request(seq)) => *seq,
                _ => 0,
            };
            self.revoke(logout, config, sessions, renewal.take(), env, out);
            // The refresh answer that came meanwhile, as if it came now (a token request's
            // answer counts whatever its status: only its body is kept).
            if let Some(body) = answer {
                self.revoke_reply(seq, Reply::Answered(200, body), out);
            }
        }
    }

    /// Whether a logout waits for the page's discovery document: the timer then looks for it,
    /// as a login's does (another widget of the page may be reading it).
    pub(super) fn revoke_parked(&self) -> bool {
        self.revoking.iter().any(|r| r.parked.is_some())
    }

    /// Settles the logouts whose revocation took longer than [`TRY_MAX_MS`], as unanswered: a late
    /// revocation's answer is then ignored, but a token request's is still awaited (a fetch has
    /// no timeout of its own), and what it brings revoked when it comes. One still waiting for
    /// the discovery document revokes nothing, and the tab stays.
    pub(super) fn revoke_overdue(&mut self, env: &mut Env, out: &mut Commands) {
        // Each looked at once: one kept for its token request's answer is then awaited.
        let mut index = 0;
        while let Some(revoking) = self.revoking.get_mut(index) {
            if env.now < revoking.deadline() {
                index += 1;
                continue;
            }
            if revoking.parked.take().is_some() {
                end_session_at(&mut revoking.logout.end_session, None, env.store, out);
            }
            std::mem::take(&mut revoking.logout).settle(false, out);
            if revoking.waiting.contains(&revoking.renewal) {
                let renewal = revoking.renewal;
                revoking.waiting.clear();
                revoking.waiting.push(renewal);
                revoking.since = AWAITING;
                index += 1;
            } else {
                self.revoking.remove(index);
            }
        }
    }

    /// When the earliest logout still revoking is given up ([`NEVER`] for a token request awaited).
    pub(super) fn revoke_deadline(&self) -> u64 {
        (self.revoking.iter()).fold(NEVER, |earliest, r| earliest.min(r.deadline()))
    }

    /// The revocation endpoint answered request `seq` of a logout, or could not be reached, or
    /// the token request a logout revokes what it brings of: whether a logout waited for it
    /// (found here, once: a lookup answering the logout's index and the request's place came
    /// back through memory at each call).
    pub(super) fn revoke_reply(&mut self, seq: u32, reply: Reply, out: &mut Commands) -> bool {
        // Each logout looked at once, by index (two walks, a `for` loop and an enumerated
        // `find_map`, cost 133 B more): a request is in one place, once. A parked logout's
        // renewal, whose refresh answer it keeps while it waits for the discovery document; or
        // one logout's `waiting`, where the order is immaterial.
        let mut index = 0;
        let at = loop {
            let Some(revoking) = self.revoking.get_mut(index) else {
                return false;
            };
            if let Some(parked) = &mut revoking.parked {
                if matches!(parked.2, Some(RenewStep::Request(s)) if s == seq) {
                    match reply {
                        Reply::Answered(_, body) => parked.3 = Some(body.into()),
                        Reply::Unreachable(_) => parked.2 = None,
                    }
                    return true;
                }
            }
            if let Some(at) = revoking.waiting.iter().position(|s| *s == seq) {
                break at;
            }
            index += 1;
        };
        let revoking = &mut self.revoking[index];
        revoking.waiting.swap_remove(at);
        let renewal = seq == revoking.renewal;
        // RFC 7009 2.2: 200 for a revoked token, and for one the server did not know. The token
        // request's answer counts as long as it came: whatever it grants is revoked in turn.
        let was = revoking.revoked;
        revoking.revoked &= matches!(reply, Reply::Answered(status, _) if status == 200 || renewal);
        if was && !revoking.revoked {
            // Said once per logout: `{ revoked: false }` alone says neither why nor what to set.
            let url = revoking.url.as_deref().unwrap_or("");
            match reply {
                Reply::Answered(status, _) => warn(
                    &[
                        &answered("logout(): the revocation at", url, status),
                        "; the token may still be live (a provider that wants the client secret to revoke: set revoke-url to your exchange's /revoke)",
                    ],
                    out,
                ),
                Reply::Unreachable(blocked_by) => {
                    let error = unreachable_error("logout()'s revocation", url, blocked_by);
                    warn(&[&error.description], out);
                }
            }
        }
        if let (true, Reply::Answered(_, body)) = (renewal, reply) {
            let granted = json::parse(body);
            let token = |name| granted.as_ref().and_then(|g| g.str_of(name));
            let (refresh, access) = (token("refresh_token"), token("access_token"));
            let holds = self.held.is_some();
            revoking.send(
                &[refresh.lend()],
                "refresh_token",
                holds,
                &mut self.seq,
                out,
            );
            revoking.send(&[access.lend()], "access_token", holds, &mut self.seq, out);
        }
        // Past its logout's settlement, nothing awaits the answers (a late one is ignored).
        if revoking.waiting.is_empty() || revoking.since == AWAITING {
            let done = self.revoking.remove(index);
            done.logout.settle(done.revoked, out);
        }
        true
    }
}

/// Forgets an ended session's tokens. Where tabs share it (`localStorage`), its record becomes
/// `ended=<error code>` rather than going, so that the other tabs report `oauth-expired` with
/// this tab's reason: a removed record reads there as a logout. A tombstone restores nothing.
fn leave_ended(store: &mut dyn Store, config: &Rc<Config>, code: Option<&str>) {
    if config.storage != Storage::Local {
        return forget_token(store, config);
    }
    let name = token_name(config);
    // Replaced in one write: a removal first would reach the other tabs as a logout.
    store.set(Storage::Local, &name, &cat(&[ENDED, code.unwrap_or("")]));
}

/// The error code an ended session's record holds (empty when there was nothing to renew
/// with); `None` for any other record. The code is the rest of the record, as it was written.
fn ended_code(record: &str) -> Option<&str> {
    record.strip_prefix(ENDED)
}

/// `token`, unless it is `held`'s (revoked once).
fn other<'a>(token: Option<&'a str>, held: Option<&str>) -> Option<&'a str> {
    token.filter(|t| held != Some(*t))
}

/// How an ended session's record starts (a session's record starts with `access_token=`).
const ENDED: &str = "ended=";

/// The RP-Initiated Logout request's query (OpenID Connect RP-Initiated Logout 1.0, 2): the
/// id_token as a hint, the client, `callbackurl` to come back to, and a `state` kept in this
/// tab's `sessionStorage` so the page that comes back strips it from its address.
fn end_session_query(
    config: &Config,
    held: Option<&Held>,
    random: &[u8],
    store: &mut dyn Store,
) -> String {
    let state = hex(random);
    store.set(Storage::Session, LOGOUT_KEY, &state);
    let mut query = String::new();
    if let Some(hint) = held.and_then(|h| h.id_token.lend()) {
        form_pair(&mut query, "id_token_hint", hint);
    }
    client_id_pair(&mut query, config);
    form_pair(&mut query, "post_logout_redirect_uri", &config.redirect_uri);
    form_pair(&mut query, "state", &state);
    query
}

/// The end-session request's `query` becomes its URL, at the `end_session_endpoint` of the
/// discovery `document` the page read; without one it goes (the console says so, the tab
/// stays, and the `state` kept for its return goes). In place: an `Option<String>` handed in
/// and back went through memory both ways.
fn end_session_at(
    query: &mut Option<String>,
    document: Option<&Discovered>,
    store: &mut dyn Store,
    out: &mut Commands,
) {
    let Some(request) = query else { return };
    let endpoint = match document {
        Some(Discovered::Known(document)) => document.end_session_endpoint.lend(),
        _ => None,
    };
    *query = match endpoint {
        Some(endpoint) => Some(with_query(endpoint, request)),
        None => {
            store.remove(Storage::Session, LOGOUT_KEY);
            let why = match document {
                Some(Discovered::Known(_)) => "the provider names no end_session_endpoint (set issuer to one whose discovery document does)",
                // None set, one that could not be read (said as it failed), or one still out.
                _ => "no discovery document was read to name the end_session_endpoint (set issuer, or see why above)",
            };
            let lead = "logout({ endSession: true }): ";
            warn(&[lead, why, "; the session was ended here only"], out);
            None
        }
    };
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    const NOW: u64 = 1_700_000_000_000;

    #[test]
    fn a_renewal_is_due_a_tenth_of_the_lifetime_before_expiry_at_most_a_minute() {
        for (lifetime, ahead) in [
            (3600, 60_000),
            (600, 60_000),
            (300, 30_000),
            (10, 1_000),
            (1, 100),
            (0, 0),
        ] {
            let token = Token::new("t", Some(lifetime), String::new(), NOW);
            assert_eq!(
                renew_at(&token),
                NOW + lifetime * 1000 - ahead,
                "{lifetime} s"
            );
        }
        assert_eq!(
            renew_at(&Token::new("t", None, String::new(), NOW)),
            NEVER,
            "no lifetime, no renewal"
        );
    }

    #[test]
    fn retries_back_off_from_a_second_to_thirty_and_once_more_in_the_last_two() {
        let expires = NOW + 120_000;
        let waits: Vec<u64> = (1..=8)
            .map(|failures| retry_at(NOW, failures, expires, false).unwrap().0 - NOW)
            .collect();
        assert_eq!(
            waits,
            [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]
        );
        // Near the expiry: one last try within its last two seconds, then none.
        assert_eq!(
            retry_at(expires - 10_000, 5, expires, false),
            Some((expires - 2_000, true))
        );
        assert_eq!(
            retry_at(expires - 1_000, 5, expires, false),
            Some((expires - 1_000, true))
        );
        assert_eq!(retry_at(expires - 10_000, 5, expires, true), None);
        assert_eq!(
            retry_at(expires, 1, expires, false),
            None,
            "expired: no try left"
        );
        assert_eq!(
            retry_at(NOW, u32::MAX, expires, false).map(|r| r.0),
            Some(NOW + 30_000)
        );
    }
}
