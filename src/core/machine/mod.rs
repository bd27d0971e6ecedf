//! The `<oauth-login>` controller as a sans-IO state machine: each [`Input`] the browser
//! reports goes in with the time, and the decisions go out, in order, as [`Command`]s for the
//! browser layer to carry out.
//!
//! Web storage is the one thing read and written synchronously, through [`Store`]; everything
//! that can run page code (events, promises, navigation) is a command, carried out after the
//! call returns. Every path emits its event last: a listener that calls back into the widget
//! finds its state final.

pub mod callback;
pub mod io;
pub mod popup;
pub mod proof;
pub mod renew;
pub mod session;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;

use std::rc::Rc;

use callback::{Address, Delivery, Discovered, PageState};
use io::{Command, Commands, Detail, Input, Settle, Source};
use popup::{Closed, LOOK_EVERY_MS};
use proof::{next, Progress, Proof, Reply, Step};
use renew::{RenewStep, Renewal, Revoking, NEVER};
use session::{label, view, Attempt, Held, Pending, Stage};

use crate::core::contract::{
    console, Attr, ErrorCode, Event, Fallback, Mode, ResponseType, Storage, CONSOLE,
};
use crate::core::error::OAuthError;
use crate::core::oauth::config::{advice, Config, Page, Settings};
use crate::core::oauth::form::Params;
use crate::core::oauth::request::{authorize_url, login_secrets, token_request};
use crate::core::oauth::response::{
    capture, check_issuer, check_state, code_of, implicit_token, parse, provider_error, state_of,
    token_answer, Granted,
};
use crate::core::oauth::url::origin_of;
use crate::core::oidc::discovery::{discovery_url, read_discovery, Discovery};
use crate::core::oidc::jws::read_jws;
use crate::core::store::{Store, PENDING_KEY, SEVERS_PREFIX, TOKEN_PREFIX};
use crate::core::text::{cat, decimal, push_decimal, Lend};

/// How often a login waiting for a discovery document another widget of the page asked for
/// looks whether it came.
pub(super) const DISCOVERY_LOOK_MS: u64 = 50;

/// What a call may touch besides the controller: web storage, the page's shared state (its
/// waiting responses), and the time.
pub struct Env<'a> {
    /// `sessionStorage` and `localStorage`.
    pub store: &'a mut dyn Store,
    /// What the page keeps for all its widgets.
    pub page: &'a mut PageState,
    /// Milliseconds since the epoch.
    pub now: u64,
}

/// One widget: an element, or one `login(options)`.
#[derive(Debug)]
pub struct Machine {
    /// The configuration, built once per change of the settings.
    config: Rc<Config>,
    /// The first connection's work is done (a response waiting for this widget taken, its
    /// stored session restored): at the first connection with settings that can log in, or
    /// that took a response.
    connected: bool,
    /// Whether the element is in the document, which decides what is scheduled.
    place: Place,
    /// Within `connect`: its events wait until the page's framework has mounted the element.
    connecting: bool,
    /// Console advice already given, so each line shows once.
    advised: Vec<String>,
    /// The token held; a failed or forged new login does not cost the person this one.
    held: Option<Held>,
    attempt: Attempt,
    /// The number of the last digest or request asked for, so a late answer to an older one
    /// is ignored.
    seq: u32,
    /// The discovery documents this widget is reading for the page: each request and its
    /// issuer. More than one when the issuer changed during a read, whose answer the page
    /// still waits for (its other widgets of that issuer too).
    discovering: Vec<(u32, String)>,
    /// The renewal of the held session under way, or waiting to try again.
    renewal: Option<Renewal>,
    /// The revocation requests still out, per logout.
    revoking: Vec<Revoking>,
}

/// Where an element is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    /// Not connected yet (a `login(options)` widget never is): scheduled as if in the document.
    NotYet,
    /// Connected, and not removed since.
    InDocument,
    /// Removed from the document: nothing new is scheduled (no renewal, no expiry), but what
    /// is under way still ends (see `Input::Disconnect`).
    Removed,
}

impl Default for Machine {
    fn default() -> Self {
        Self {
            config: Config::new(Settings::default(), Page::default()),
            connected: false,
            place: Place::NotYet,
            connecting: false,
            advised: Vec::new(),
            held: None,
            attempt: Attempt::None,
            seq: 0,
            discovering: Vec::new(),
            renewal: None,
            revoking: Vec::new(),
        }
    }
}

impl Machine {
    /// Takes one input; emits the commands it leads to.
    pub fn handle(&mut self, input: &Input, env: &mut Env, out: &mut Commands) {
        let now = env.now;
        // Lent: the caller drops the input once, rather than each arm field by field.
        match input {
            // One call for both: `update`'s six arguments written once.
            Input::Update {
                attributes,
                origin,
                path,
            }
            | Input::Options {
                attributes,
                origin,
                path,
                ..
            } => {
                let object = !matches!(input, Input::Options { object: false, .. });
                self.update(attributes, origin, path, object, now, out);
                // Settings that complete an element already in the document (a page or a
                // framework that gives it its client-id after inserting it): the first
                // connection's work is done now, as it would have been with them there.
                if matches!(input, Input::Update { .. })
                    && self.place == Place::InDocument
                    && !self.connected
                {
                    self.connect(env, out);
                }
            }
            Input::Connect {} => {
                self.place = Place::InDocument;
                self.connect(env, out);
            }
            // A removed element schedules no renewal and no expiry, but what it started still
            // ends by its deadline: a login (its popup closed, its promise settled; a framework
            // may unmount the element while the person is logging in), a cancelled login's
            // listener, a logout's revocation, a renewal's try holding the Web Lock.
            Input::Disconnect {} => {
                self.place = Place::Removed;
                self.arm(now, out);
            }
            Input::Returned {} => self.returned(env, out),
            Input::Login { random, address } => self.login(random, address, env, out),
            Input::Digest { seq, digest } => self.digest(*seq, digest, env, out),
            Input::Verified { seq, ok } => {
                let found = proof_of(
                    &mut self.attempt,
                    &mut self.renewal,
                    *seq,
                    [Step::Verify; 2],
                );
                let Some(proof) = found else {
                    return;
                };
                let renewing = proof.renews();
                let progress = proof.verified(*ok, now, &mut self.seq, out);
                self.proved(progress, renewing, env, out);
            }
            Input::Blocked {} => self.blocked(env, out),
            Input::Look { closed, shown } => self.look(*closed, *shown, env, out),
            Input::Message {
                source,
                origin,
                search,
                hash,
                id,
            } => {
                if let Some(captured) = capture(search, hash) {
                    self.message(*source, origin, &captured.raw, id, env, out)
                }
            }
            Input::Tick {} => self.tick(env, out),
            Input::Answer { seq, status, body } => {
                self.reply(*seq, Reply::Answered(*status, body), env, out)
            }
            Input::Unreachable { seq, blocked_by } => {
                self.reply(*seq, Reply::Unreachable(blocked_by), env, out)
            }
            Input::Logout {
                end_session,
                id,
                random,
            } => self.logout(*end_session, *id, random, env, out),
            Input::Locked {} => self.locked(env, out),
            Input::Stored { key } => self.stored(key, env, out),
            Input::Read {} => {
                let (access_token, expires_at, profile, id_token) = match self.token(now) {
                    Some(h) => (
                        Some(h.token.access_token.expose()),
                        h.token.expires_at,
                        h.profile(),
                        h.id_token.lend(),
                    ),
                    None => (None, None, None, None),
                };
                out.emit(Command::Properties {
                    callbackurl: &self.config.redirect_uri,
                    access_token,
                    logged_in: access_token.is_some(),
                    expires_at,
                    profile,
                    id_token,
                });
            }
            Input::Authorize {} => match self.token(now) {
                Some(held) => out.emit(Command::Attach {
                    token: held.token.access_token.expose(),
                    in_query: held.config.preset.token_in_query,
                }),
                None => out.emit(Command::Refuse {
                    detail: Detail::Error(&OAuthError::new(
                        ErrorCode::LoginRequired,
                        "log in before calling fetch()",
                    )),
                }),
            },
            Input::PageLoad {
                path,
                search,
                hash,
                opener,
                random,
            } => {
                let address = Address { path, search, hash };
                callback::page_load(env.page, env.store, address, *opener, random, out)
            }
            Input::Relayed { taken, opener } => callback::relayed(env.page, *taken, *opener, out),
            Input::Loaded {} => callback::loaded(env.page, env.store, out),
        }
    }

    /// New settings: checked once, advice given once per line, the button redrawn.
    fn update(
        &mut self,
        attributes: &str,
        origin: &str,
        path: &str,
        object: bool,
        now: u64,
        out: &mut Commands,
    ) {
        let mut config = Config::new(
            Settings::parse(attributes),
            Page {
                origin: origin.into(),
                path: path.into(),
            },
        );
        let mut lines = advice(&config);
        if let (false, Some(config)) = (object, Rc::get_mut(&mut config)) {
            config.error = Some(OAuthError::config(
                "login(options) needs an options object, e.g. { clientId, authorizeUrl }",
            ));
        }
        if let Some(error) = &config.error {
            lines.push(cat(&[CONSOLE, &error.description]));
        }
        for line in &lines {
            if !self.advised.contains(line) {
                out.emit(Command::Warn { text: line });
                self.advised.push(line.clone());
            }
        }
        // A failure that said the settings were wrong no longer speaks of these.
        if matches!(&self.attempt, Attempt::Failed(e) if e.code == ErrorCode::InvalidConfig) {
            self.attempt = Attempt::None;
        }
        self.config = config;
        self.render(now, out);
    }

    /// [`connection`](Self::connection), whose events wait until the page's framework has
    /// mounted the element.
    fn connect(&mut self, env: &mut Env, out: &mut Commands) {
        self.connecting = true;
        self.connection(env, out);
        self.connecting = false;
    }

    /// The first connection takes a response waiting for this widget, or restores its stored
    /// token, or notices a redirect login that came back without an answer. Settings that cannot
    /// log in leave that to the first change that makes them whole (their key, their storage,
    /// may not be known yet), unless a response was theirs to take.
    fn connection(&mut self, env: &mut Env, out: &mut Commands) {
        let config = self.config.clone();
        self.discover(env, out);
        if !self.connected {
            let delivery = env.page.take_delivery(&config.key);
            self.connected = config.error.is_none() || delivery.is_some();
            if config.error.is_none() {
                // A failed or forged response must not cost the session stored before it: held
                // again (renewed if it must be), without an event of its own (the response's
                // outcome is this call's).
                let report = delivery.is_none();
                if report {
                    self.back_without_answer(&config, env, out);
                }
                if self.restore(&config, report, env, out) && report {
                    return;
                }
            }
            if let Some(delivery) = delivery {
                return self.deliver(delivery, env, out);
            }
        }
        self.show(env.now, out);
    }

    /// The page came back from the back/forward cache: a redirect login it sent to the provider
    /// came back without an answer (the person pressed Back on the provider's page). A login
    /// past that step (its code being exchanged, its token proven) had its answer: it goes on.
    fn returned(&mut self, env: &mut Env, out: &mut Commands) {
        if let Attempt::Pending(p) = &self.attempt {
            if p.popup.is_none() && matches!(p.stage, Stage::Authorize(_)) {
                let config = p.config.clone();
                self.back_without_answer(&config, env, out);
                // The page's `login()` promise survived the trip: it settles here.
                self.attempt = Attempt::Cancelled(None);
                let error = OAuthError::new(
                    ErrorCode::LoginCancelled,
                    "the page came back from the provider without an answer",
                );
                self.ended(error, env, out);
            }
        }
    }

    fn back_without_answer(&mut self, config: &Config, env: &mut Env, out: &mut Commands) {
        let record = env
            .store
            .get(Storage::Session, PENDING_KEY)
            .unwrap_or_default();
        let Some(login) = Pending::from_record(&record) else {
            return;
        };
        // Not on a page whose response goes back to its login's page: it came with an answer.
        // (Tested in place: `Option::filter` moved the login through memory.)
        let ours = *login.config.key == *config.key && env.page.back.is_none();
        if !ours {
            return;
        }
        env.store.remove(Storage::Session, PENDING_KEY);
        // One that ran out long ago (the tab went elsewhere and came back much later) is
        // forgotten: no cancel to tell of now.
        if env.now > login.deadline() {
            return;
        }
        // The prefix `warn` gives, in the text `causes` builds: not copied into another.
        out.emit(Command::Warn {
            text: &login.causes(console!(
                "the login by redirect came back without an answer"
            )),
        });
        self.attempt = Attempt::Cancelled(None);
    }

    /// Restores a stored token, reporting it if `report`; whether there was one.
    fn restore(
        &mut self,
        config: &Rc<Config>,
        report: bool,
        env: &mut Env,
        out: &mut Commands,
    ) -> bool {
        if config.storage == Storage::Memory {
            return false;
        }
        let name = token_name(config);
        let record = env.store.get(config.storage, &name).unwrap_or_default();
        match Held::from_record(&record, config) {
            Some(Some(held)) => {
                let expired = held.token.is_expired(env.now);
                if !expired || held.refresh_token.is_some() {
                    let held = self.held.insert(held);
                    // A record an earlier version wrote (without `by`) is written again as
                    // this one writes it: tabs tell a change of the shared session by its text.
                    if !held.to_record().eq(&record) {
                        keep(env.store, held, out);
                    }
                    if expired {
                        // Restored once renewed (or reported expired).
                        self.render(env.now, out);
                        self.start_renewal(true, env, out);
                    } else if report {
                        self.report(Event::Login, Settle::Not, true, None, env, out);
                    }
                    return true;
                }
            }
            // Granted to another client or by another server: left for the settings that got it.
            Some(None) => return false,
            None => {}
        }
        // Expired or damaged: deleted, not restored.
        env.store.remove(config.storage, &name);
        false
    }

    fn deliver(&mut self, delivery: Delivery, env: &mut Env, out: &mut Commands) {
        match delivery.login {
            Some(login) => {
                // Used once (kept until now where the response could go back to the page the
                // login started on: `callback::page_load`).
                env.store.remove(Storage::Session, PENDING_KEY);
                self.attempt = Attempt::Pending(login);
                self.answer(&delivery.raw, env, out);
            }
            None => self.fail(
                OAuthError::state("the response matches no login pending in this tab (used already, or its page was reloaded or closed): start the login again"),
                env,
                out,
            ),
        }
    }

    /// `login()` or a click on the page at `address`: starts a login, or joins the pending one,
    /// whose popup it brings forward (it may be behind the page, where the message says to finish).
    /// A popup out of sight may be gone: a click then starts again, and the old login's answer
    /// is no longer taken.
    fn login(&mut self, random: &[u8], address: &str, env: &mut Env, out: &mut Commands) {
        if let Attempt::Pending(p) = &self.attempt {
            // A redirect login whose page is still here did not leave (the page's
            // `beforeunload` kept it, or the address answered 204): it goes again.
            if let (None, Stage::Authorize(url)) = (&p.popup, &p.stage) {
                return go(url, out);
            }
            if !p.popup.is_some_and(|w| w.lost_sight) {
                return out.emit(Command::Raise {});
            }
            close(out);
            self.attempt = Attempt::None;
        }
        let config = self.config.clone();
        if let Some(error) = &config.error {
            return self.fail(error.clone(), env, out);
        }
        // A programmatic login called again on the page a redirect returned to gets that result.
        if let Some(delivery) = env.page.take_delivery(&config.key) {
            return self.deliver(delivery, env, out);
        }
        let Some(secrets) = login_secrets(random, config.code_flow(), config.proves()) else {
            return self.fail(
                OAuthError::new(
                    ErrorCode::BrowserRefused,
                    "crypto.getRandomValues is not available on this page",
                ),
                env,
                out,
            );
        };
        self.discover(env, out);
        let popup = config.mode == Mode::Popup;
        let mut login = Pending {
            config,
            secrets,
            digest: None,
            discovery: None,
            started_at: env.now,
            popup: popup.then(Default::default),
            stage: Stage::Prepare(0),
            hinted: false,
            address: address.into(),
        };
        // The URL, if nothing is to be waited for: the popup opens on it at once.
        let url = match target(&mut login, env.page) {
            Ok(url) => url,
            Err(error) => return self.fail(error, env, out),
        };
        if popup {
            let name = cat(&[
                "oauth-prefab-",
                login.secrets.state.expose().get(..16).unwrap_or(""),
            ]);
            // A popup starts with a copy of this tab's sessionStorage: a redirect login this
            // tab left behind must not reach it, so that a pending record in a window is always
            // that window's own (a stateless denial goes to it: `callback::page_load`).
            env.store.remove(Storage::Session, PENDING_KEY);
            out.emit(Command::Open {
                url: url.lend().unwrap_or(""),
                name: &name,
                poll_ms: LOOK_EVERY_MS,
            });
        } else if let Err(error) = save_pending(env.store, &login) {
            return self.fail(error, env, out);
        } else if let Some(url) = &url {
            go(url, out);
        }
        if let Some(url) = url {
            login.stage = Stage::Authorize(url);
        } else if let Some(verifier) = &login.secrets.verifier {
            let seq = next(&mut self.seq);
            out.emit(Command::Digest {
                seq,
                text: verifier.expose(),
                algorithm: "SHA-256",
            });
            login.stage = Stage::Prepare(seq);
        }
        self.attempt = Attempt::Pending(Box::new(login));
        self.show(env.now, out);
    }

    /// Starts reading the discovery document of this widget's issuer for the page, unless the
    /// page has it or is reading it. One that could not be reached (or answered 5xx or 429) is
    /// asked for again.
    pub(super) fn discover(&mut self, env: &mut Env, out: &mut Commands) {
        let config = &self.config;
        let (Some(issuer), None) = (config.issuer(), &config.error) else {
            return;
        };
        match env.page.discovery(issuer) {
            Some(Discovered::Broken(e)) if matches!(e.code, ErrorCode::NetworkError) => {}
            Some(_) => return,
            None => {}
        }
        env.page.set_discovery(issuer, Discovered::Reading);
        let seq = fetch(&mut self.seq, &discovery_url(issuer), None, out);
        self.discovering.push((seq, issuer.into()));
    }

    /// The discovery document's answer: recorded for the page, and a login waiting for it goes
    /// on.
    fn discovered(&mut self, issuer: &str, reply: Reply, env: &mut Env, out: &mut Commands) {
        let url = discovery_url(issuer);
        let document = match reply {
            Reply::Answered(200, body) => read_discovery(body, issuer)
                .map(|d| Discovered::Known(Rc::new(d)))
                .unwrap_or_else(|why| Discovered::Broken(OAuthError::config(why))),
            // A server error (5xx, 429) passes: asked for again, as an unreachable one is.
            Reply::Answered(status, _) => Discovered::Broken(OAuthError::new(
                if may_come_back(status) {
                    ErrorCode::NetworkError
                } else {
                    ErrorCode::InvalidConfig
                },
                answered("the discovery document", &url, status),
            )),
            Reply::Unreachable(blocked_by) => Discovered::Broken(unreachable_error(
                "the discovery document",
                &url,
                blocked_by,
            )),
        };
        if let Discovered::Broken(error) = &document {
            warn(&[&error.description], out);
        }
        env.page.set_discovery(issuer, document);
        // A logout waiting for it first: a login's failure ends with its event.
        if self.revoke_parked() {
            self.revoke_discovered(env, out);
            self.arm(env.now, out);
        }
        self.go_on(env, out);
    }

    /// A pending login waiting for the discovery document (or the verifier's digest) goes on,
    /// if what it waits for is known.
    fn go_on(&mut self, env: &mut Env, out: &mut Commands) {
        let Attempt::Pending(p) = &mut self.attempt else {
            return;
        };
        if let Stage::Arrived(raw) = &p.stage {
            let raw = raw.clone();
            return self.answer(&raw, env, out);
        }
        if !matches!(p.stage, Stage::Prepare(_)) {
            return;
        }
        match target(p, env.page) {
            Ok(None) => {}
            Ok(Some(url)) => {
                out.emit(Command::Go {
                    url: &url,
                    popup: p.popup.is_some(),
                });
                p.stage = Stage::Authorize(url);
                self.arm(env.now, out);
            }
            Err(error) => self.fail(error, env, out),
        }
    }

    /// The SHA-256 digest of the pending code login's verifier, or the digest of an implicit
    /// grant's access token for `at_hash`.
    fn digest(&mut self, seq: u32, digest: &[u8], env: &mut Env, out: &mut Commands) {
        if let Some(proof) = proof_of(&mut self.attempt, &mut self.renewal, seq, [Step::AtHash; 2])
        {
            let renewing = proof.renews();
            let progress = proof.digest(digest, &mut self.seq, out);
            return self.proved(progress, renewing, env, out);
        }
        let Attempt::Pending(p) = &mut self.attempt else {
            return;
        };
        if !matches!(p.stage, Stage::Prepare(s) if s == seq) {
            return;
        }
        let Ok(digest) = digest.try_into() else {
            let error = OAuthError::new(ErrorCode::BrowserRefused, "the code flow needs crypto.subtle, which only a secure context (https, or localhost) has");
            return self.fail(error, env, out);
        };
        p.digest = Some(digest);
        self.go_on(env, out);
    }

    /// The browser blocked the popup: go on by redirect, or fail with `popup_blocked`.
    fn blocked(&mut self, env: &mut Env, out: &mut Commands) {
        let Attempt::Pending(p) = &mut self.attempt else {
            return;
        };
        // Only a popup still to be shown can be blocked: a report for a redirect, a repeated
        // one, or one after the answer came changes nothing.
        if p.popup.is_none() || !matches!(p.stage, Stage::Prepare(_) | Stage::Authorize(_)) {
            return;
        }
        if p.config.fallback == Fallback::None {
            let error = OAuthError::new(
                ErrorCode::PopupBlocked,
                "the browser blocked the login popup; allow popups for this site and try again",
            );
            return self.fail(error, env, out);
        }
        p.popup = None;
        if let Err(error) = save_pending(env.store, p) {
            return self.fail(error, env, out);
        }
        if let Stage::Authorize(url) = &p.stage {
            go(url, out);
        }
    }

    /// One look at the popup; see [`popup`] for what a close means.
    fn look(&mut self, closed: bool, shown: bool, env: &mut Env, out: &mut Commands) {
        let Attempt::Pending(p) = &mut self.attempt else {
            return;
        };
        let Some(watch) = &mut p.popup else {
            return;
        };
        let verdict = match p.stage {
            // Still this page's own blank window: nothing can cut it off, so a close is the
            // person's.
            Stage::Prepare(_) => watch.look(closed, shown).map(|_| Closed::AfterShowing),
            Stage::Authorize(_) => watch.look(closed, shown),
            _ => return,
        };
        match verdict {
            None => {}
            Some(Closed::AfterShowing) => {
                let error = OAuthError::new(
                    ErrorCode::PopupClosed,
                    p.causes("the login window was closed before the login finished"),
                );
                self.fail(error, env, out);
            }
            Some(Closed::BeforeShowing) if severs(env.store, &p.config) => {
                watch.lost_sight = true;
                warn(&["the provider's Cross-Origin-Opener-Policy cut the login window off from this page: its answer still arrives, but a close ends the login only at the timeout"], out);
                out.emit(Command::Unwatch {});
                self.show(env.now, out);
            }
            Some(Closed::BeforeShowing) => {
                warn(&["the login window closed before it showed a page. If it was not closed, the provider's Cross-Origin-Opener-Policy cut it off from this page: its answer is still taken until the timeout"], out);
                let parked = match std::mem::take(&mut self.attempt) {
                    Attempt::Pending(login) => Some(login),
                    _ => None,
                };
                out.emit(Command::Unwatch {});
                self.attempt = Attempt::Cancelled(parked);
                self.ended(
                    OAuthError::new(
                        ErrorCode::PopupClosed,
                        "the login window was closed before it showed a page",
                    ),
                    env,
                    out,
                );
            }
        }
    }

    /// A callback page's response. Taken only from this widget's own popup on this page's own
    /// origin, or from the channel with this very login's state (any tab of the origin hears
    /// the channel), or, for a login whose popup is out of sight (cut off by COOP), an error
    /// with no state at all from the channel; anything else is ignored, and the login stays
    /// pending. `raw`: the response, as the callback page's address held it.
    fn message(
        &mut self,
        source: Source,
        origin: &str,
        raw: &str,
        id: &str,
        env: &mut Env,
        out: &mut Commands,
    ) {
        let state = state_of(raw);
        let has_state = |p: &Pending| state.lend().is_some_and(|s| p.secrets.state.matches(s));
        // A refusal without `state` (Instagram's documented denial) reaches the channel only
        // from a popup its provider cut off from its opener: the contract reports it to the
        // login pending in that popup, which is one out of sight here. (Two tabs each with
        // such a login both fail; neither logs in.)
        let stateless_error =
            state.is_none() && Params::parse(raw).is_ok_and(|p| p.get("error").is_some());
        match &mut self.attempt {
            Attempt::Pending(p) if p.popup.is_some() && matches!(p.stage, Stage::Authorize(_)) => {
                let ours = match source {
                    Source::Popup => *origin == *self.config.page.origin,
                    Source::Channel => {
                        has_state(p) || stateless_error && p.popup.is_some_and(|w| w.lost_sight)
                    }
                    Source::Other => false,
                };
                if !ours {
                    return;
                }
                if p.popup.is_some_and(|w| w.lost_sight) {
                    learn_severs(env.store, &p.config);
                }
            }
            // A popup taken for closed before it showed a page was cut off after all.
            Attempt::Cancelled(parked)
                if source == Source::Channel
                    && parked.as_ref().is_some_and(|p| {
                        (has_state(p) || stateless_error) && env.now <= p.deadline()
                    }) =>
            {
                if let Some(login) = parked.take() {
                    learn_severs(env.store, &login.config);
                    self.attempt = Attempt::Pending(login);
                }
            }
            _ => return,
        }
        out.emit(Command::Ack { id });
        self.answer(raw, env, out);
    }

    /// The authorization response for the pending login: state, then issuer, then the
    /// provider's error, then the grant's own rules. Only once the state matched may a code be sent
    /// anywhere. A page still reading the discovery document keeps the response until it has it.
    fn answer(&mut self, raw: &str, env: &mut Env, out: &mut Commands) {
        let Attempt::Pending(p) = &mut self.attempt else {
            return;
        };
        // One way out for a failure: the login fails with the error the block gives.
        let error = 'failed: {
            if env.now > p.deadline() {
                break 'failed timeout_error(p);
            }
            // The popup has done its part.
            if p.popup.take().is_some() {
                close(out);
            }
            match discovery_ready(p, env.page) {
                Ok(true) => {}
                Ok(false) => {
                    p.stage = Stage::Arrived(raw.into());
                    return self.arm(env.now, out);
                }
                Err(error) => break 'failed error,
            }
            match grant(p, raw, env.now, &mut self.seq, out) {
                Ok(Some(granted)) => return self.prove(granted, env, out),
                Ok(None) => return self.show(env.now, out),
                Err(error) => error,
            }
        };
        self.fail(error, env, out)
    }

    /// What request `seq` was for, and its outcome.
    fn reply(&mut self, seq: u32, reply: Reply, env: &mut Env, out: &mut Commands) {
        // By index: `iter().position` cost 18 B more.
        let mut at = 0;
        while let Some((s, _)) = self.discovering.get(at) {
            if *s == seq {
                let (_, issuer) = self.discovering.swap_remove(at);
                return self.discovered(&issuer, reply, env, out);
            }
            at += 1;
        }
        if let Some(proof) = proof_of(
            &mut self.attempt,
            &mut self.renewal,
            seq,
            [Step::Keys, Step::Userinfo],
        ) {
            let renewing = proof.renews();
            let progress = proof.reply(reply, &mut self.seq, env.page, out);
            return self.proved(progress, renewing, env, out);
        }
        if self.renewing(seq) {
            return self.refresh_reply(seq, reply, env, out);
        }
        if self.revoke_reply(seq, reply, out) {
            return;
        }
        let Attempt::Pending(p) = &mut self.attempt else {
            return;
        };
        if !matches!(p.stage, Stage::Exchange(s) if s == seq) {
            return;
        }
        let error = if env.now > p.deadline() {
            // Too late, as at the timeout.
            timeout_error(p)
        } else {
            let result = match reply {
                Reply::Answered(status, body) => {
                    token_answer(status, body, p.config.preset, &p.config.scope, env.now)
                }
                Reply::Unreachable(blocked_by) => {
                    // Looked up only where the error names it.
                    let url = token_endpoint(&p.config, p.discovery.as_deref());
                    Err(unreachable_error(
                        "the token request",
                        url.unwrap_or(""),
                        blocked_by,
                    ))
                }
            };
            match result {
                // The proof takes the stage.
                Ok(granted) => return self.prove(granted, env, out),
                // A 200 that fails its checks (a `token_type` other than bearer, say) may
                // still carry what the provider granted: revoked below, as a late answer's.
                Err(error) if matches!(reply, Reply::Answered(200, _)) => error,
                Err(error) => {
                    // The request is over: a refusal has no answer of it to revoke.
                    p.stage = Stage::Exchange(0);
                    return self.fail(error, env, out);
                }
            }
        };
        // The request is handed to revocation, which takes the answer (what it grants is not
        // kept; revoked where no session is held: see `Revoking::send`), then the login fails.
        self.revoke_login(env, out);
        self.revoke_reply(seq, reply, out);
        self.fail(error, env, out)
    }

    /// A grant came: prove who logged in, and read the profile, before reporting it.
    fn prove(&mut self, granted: Granted, env: &mut Env, out: &mut Commands) {
        let Attempt::Pending(p) = &mut self.attempt else {
            return;
        };
        let mut proof = Box::new(Proof::new(
            p.config.clone(),
            p.discovery.clone(),
            // Checked by the proof alone from here on: handed over, not copied.
            p.secrets.nonce.take(),
            None,
            granted,
            true,
        ));
        let progress = proof.begin(&mut self.seq, env.page, out);
        p.stage = Stage::Prove(proof);
        self.proved(progress, false, env, out);
    }

    /// Where a proof is at (the pending login's, or the renewal's): still waiting, or done, or
    /// failed.
    fn proved(&mut self, progress: Progress, renewing: bool, env: &mut Env, out: &mut Commands) {
        if renewing {
            return self.renewed(progress, env, out);
        }
        match progress {
            Progress::Waiting => {}
            Progress::Done => self.succeed(env, out),
            Progress::Failed(error) => self.fail(error, env, out),
        }
    }

    /// A timer went off: the pending login may have timed out or be due a hint, a cancelled
    /// one may stop waiting for its answer, the held token may have expired.
    fn tick(&mut self, env: &mut Env, out: &mut Commands) {
        let now = env.now;
        // Another widget of the page may have read the discovery document a logout waits for.
        self.revoke_discovered(env, out);
        self.revoke_overdue(env, out);
        match &mut self.attempt {
            Attempt::Pending(p) if now >= p.deadline() => {
                // A profile read still out: the login stands without it, as when the read
                // fails (the token was granted, and proven).
                if let Some(seq) = reading_profile(p) {
                    return self.reply(seq, Reply::Unreachable(""), env, out);
                }
                let error = timeout_error(p);
                return self.fail(error, env, out);
            }
            Attempt::Pending(p) if now >= p.hint_at() => {
                p.hinted = true;
                // As `warn` words it, built once (see `back_without_answer`).
                out.emit(Command::Warn {
                    text: &p.causes(console!("no answer yet")),
                });
                self.render(now, out);
            }
            Attempt::Cancelled(parked) if parked.as_ref().is_some_and(|p| now >= p.deadline()) => {
                *parked = None;
                close(out);
            }
            // Another widget of the page may have read the discovery document by now.
            Attempt::Pending(p) if p.awaits_discovery() => {
                self.go_on(env, out);
                if matches!(&self.attempt, Attempt::Pending(p) if p.awaits_discovery()) {
                    self.arm(now, out);
                }
                return;
            }
            _ => {}
        }
        // The session's renewal: a try that took too long is given up (a lock never granted; a
        // refresh request never answered, at the expiry: see `try_deadline`), one waiting for
        // the discovery document looks again, one under way goes on (even past the expiry: it
        // may still bring a new token). A renewal due, or overdue in a tab whose timers were
        // held back (asleep, in the background), starts, as a reload would. With nothing to
        // renew with, an expired session is over.
        let expired = self.held.as_ref().is_some_and(|h| h.token.is_expired(now));
        let trying = self.renewal.as_ref().filter(|r| r.trying());
        match trying {
            Some(_) if now >= self.try_deadline(now) => {
                match &mut self.renewal {
                    // A removed element gives the try up, its lock too, and tries again once back;
                    // not a refresh token it sent (it may have been used): that ends the session.
                    Some(r)
                        if self.place == Place::Removed
                            && !matches!(r.step, RenewStep::Request(_) | RenewStep::Prove(_)) =>
                    {
                        r.wait_until(now, out);
                        self.arm(now, out);
                    }
                    _ => self.retry(env, out),
                }
            }
            Some(r) if matches!(r.step, RenewStep::Discovering) => self.send_refresh(env, out),
            Some(_) => self.arm(now, out),
            None if self.place == Place::Removed => self.arm(now, out),
            None if now >= self.renewal_time() => self.renew(env, out),
            None if expired => {
                let error = self.renewal.is_some().then(|| {
                    OAuthError::new(
                        ErrorCode::NetworkError,
                        "the renewal could not reach the token endpoint before the token expired",
                    )
                });
                self.end_session(error, 0, "", env, out)
            }
            None => self.arm(now, out),
        }
    }

    /// A login proven: keep the tokens where the login said, then report them.
    fn succeed(&mut self, env: &mut Env, out: &mut Commands) {
        let Attempt::Pending(mut login) = std::mem::take(&mut self.attempt) else {
            return;
        };
        // The proof taken out of the box, which is then dropped whole (moving it out of the
        // box dropped the login's other fields one by one, on each way out).
        let Stage::Prove(proof) = std::mem::replace(&mut login.stage, Stage::Exchange(0)) else {
            return;
        };
        // A new login, not the held session's sequel: nothing of that session is kept.
        let (mut held, user) = Held::proven(*proof, None);
        // The session it replaces leaves no token where it was kept (the settings may have
        // changed since); one kept in the same place is replaced in one write, which reaches
        // the other tabs as one change.
        if let Some(old) = self.held.take() {
            let same_place =
                (old.config.storage, &old.config.key) == (held.config.storage, &held.config.key);
            if !same_place {
                forget_token(env.store, &old.config);
            }
        }
        keep(env.store, &mut held, out);
        self.held = Some(held);
        // A renewal of the session replaced still under way is dropped (its answer would mix two
        // sessions; nor is it revoked: see `Revoking::send`), its lock let go once the new
        // session is written.
        self.drop_renewal(out);
        self.report(Event::Login, Settle::Resolve, false, user.lend(), env, out);
    }

    /// Reports the held token: the button, the timer, then `event` (`oauth-login`, or
    /// `oauth-renewed`).
    fn report(
        &mut self,
        event: Event,
        settle: Settle,
        restored: bool,
        user: Option<&str>,
        env: &mut Env,
        out: &mut Commands,
    ) {
        self.show(env.now, out);
        if let Some(held) = &self.held {
            // No id_token reads as a refused one (no claims): no `Option` around the `Result`.
            let jws = read_jws(held.id_token.lend().unwrap_or(""));
            let detail = Detail::Login {
                provider: held.config.preset.id,
                token: &held.token,
                restored,
                user,
                profile: held.profile(),
                claims: match &jws {
                    Ok(jws) => Some(&jws.claims),
                    Err(_) => None,
                },
                id_token: held.id_token.lend(),
            };
            self.fire(event, detail, settle, out);
        }
    }

    /// Ends the attempt with `error` (a cancel when it is `popup_closed`); what its token
    /// endpoint granted is handed to revocation (see `revoke_login` and `Revoking::send`).
    fn fail(&mut self, error: OAuthError, env: &mut Env, out: &mut Commands) {
        if let Attempt::Pending(p) = &self.attempt {
            if p.popup.is_some() {
                close(out);
            }
        }
        self.revoke_login(env, out);
        self.attempt = if matches!(error.code, ErrorCode::PopupClosed) {
            Attempt::Cancelled(None)
        } else {
            Attempt::Failed(error.clone())
        };
        self.ended(error, env, out);
    }

    /// The button, the timer, then `oauth-error`.
    fn ended(&mut self, error: OAuthError, env: &mut Env, out: &mut Commands) {
        self.show(env.now, out);
        self.fire(Event::Error, Detail::Error(&error), Settle::Reject, out);
    }

    #[inline(never)]
    fn fire(&self, event: Event, detail: Detail, settle: Settle, out: &mut Commands) {
        out.emit(Command::Fire {
            event,
            detail,
            settle,
            later: self.connecting,
        });
    }

    /// The settings of the session held (its key and storage), else the element's.
    #[inline(never)]
    fn session_config(&self) -> &Rc<Config> {
        self.held.as_ref().map_or(&self.config, |h| &h.config)
    }

    /// The token, while one is held and unexpired.
    fn token(&self, now: u64) -> Option<&Held> {
        self.held.as_ref().filter(|h| !h.token.is_expired(now))
    }

    /// The button, then the timer.
    fn show(&self, now: u64, out: &mut Commands) {
        self.render(now, out);
        self.arm(now, out);
    }

    fn render(&self, now: u64, out: &mut Commands) {
        let held = self.token(now);
        let view = view(&self.attempt, held.is_some(), self.config.error.is_none());
        // The person's picture, beside their name: only where the page set no label.
        let set = self.config.get(Attr::Label);
        let avatar = held
            .filter(|_| set.is_none())
            .and_then(|h| h.profile.picture.lend());
        out.emit(Command::Render {
            label: &label(&self.config, set, held),
            state: view.state,
            busy: view.busy,
            message: view.message.lend(),
            avatar,
        });
    }

    /// One timer for whatever comes next: the pending login's hint or deadline, a cancelled
    /// login's deadline, the session's renewal, the token's expiry, or a logout's revocation
    /// given up. (`setTimeout` holds at most 2^31-1 ms; a longer
    /// wait re-arms.)
    fn arm(&self, now: u64, out: &mut Commands) {
        let login = match &self.attempt {
            Attempt::Pending(p) if p.awaits_discovery() => now + DISCOVERY_LOOK_MS,
            Attempt::Pending(p) => p.hint_at().min(p.deadline()),
            Attempt::Cancelled(Some(parked)) => parked.deadline(),
            _ => NEVER,
        };
        // While a renewal's try is under way its deadline stands in for the expiry (which, once
        // past, would fire at once, again and again).
        let trying = self.try_deadline(now);
        let (expiry, renewal) = match &self.held {
            Some(held) if trying == NEVER && self.place != Place::Removed => {
                (held.token.expires_at.unwrap_or(NEVER), self.renewal_time())
            }
            _ => (NEVER, trying),
        };
        let revoking = if self.revoke_parked() {
            now + DISCOVERY_LOOK_MS
        } else {
            self.revoke_deadline()
        };
        let next = login.min(expiry).min(renewal).min(revoking);
        out.emit(Command::Timer {
            ms: (next != NEVER).then(|| next.saturating_sub(now).min(i32::MAX as u64)),
        });
    }
}

/// The request reading the profile of login `p`, if that is what it waits for.
fn reading_profile(p: &Pending) -> Option<u32> {
    match &p.stage {
        Stage::Prove(proof) if proof.step == Step::Userinfo => Some(proof.seq),
        _ => None,
    }
}

/// The error of a login that ran out of time, naming the likeliest causes.
fn timeout_error(login: &Pending) -> OAuthError {
    let unseen = if login.popup.is_some_and(|w| w.lost_sight) {
        "; the provider's pages cut the login window off from this page, so it may have been closed"
    } else {
        ""
    };
    // The number appended in place: no text of its own to join and drop.
    let mut lead = String::from("no answer from the provider within ");
    push_decimal(&mut lead, login.config.timeout_secs.into());
    lead.push_str(" seconds");
    lead.push_str(unseen);
    OAuthError::new(ErrorCode::Timeout, login.causes(&lead))
}

/// The proof waiting for `seq` in one of `steps` (two, or one given twice: a fixed pair
/// compares in place, where a slice's `contains` cost 43 B): the pending login's, or the
/// renewal's (which [`Proof::renews`] tells: one pointer back, where a pair with that flag came
/// back through memory).
fn proof_of<'a>(
    attempt: &'a mut Attempt,
    renewal: &'a mut Option<Renewal>,
    seq: u32,
    steps: [Step; 2],
) -> Option<&'a mut Proof> {
    // The one whose request is `seq` (a request number is one proof's), then its step, tested
    // once: a closure testing both, kept apart by LLVM, was called for each.
    let login = match attempt {
        Attempt::Pending(p) => match &mut p.stage {
            Stage::Prove(proof) => Some(proof),
            _ => None,
        },
        _ => None,
    };
    let proof = match (login, renewal) {
        (Some(proof), _) if proof.seq == seq => proof,
        (
            _,
            Some(Renewal {
                step: RenewStep::Prove(proof),
                ..
            }),
        ) if proof.seq == seq => proof,
        _ => return None,
    };
    (proof.step == steps[0] || proof.step == steps[1]).then_some(proof)
}

/// The authorization response `raw` for login `p`, checked: state, then issuer, then the
/// provider's error, then the grant's own rules. An implicit grant's token; `Ok(None)` once a
/// code went to the token endpoint (request `seq`). Only once the state matched may a code be
/// sent anywhere.
fn grant(
    p: &mut Pending,
    raw: &str,
    now: u64,
    seq: &mut u32,
    out: &mut Commands,
) -> Result<Option<Granted>, OAuthError> {
    // Lent to the checks, whose every way out then leaves it to be dropped here, once.
    let params = parse(raw)?;
    checked_grant(p, &params, now, seq, out)
}

/// [`grant`]'s checks and request, over the parsed response. Kept apart: inlined, its ways
/// out each dropped the response again (25 B more).
#[inline(never)]
fn checked_grant(
    p: &mut Pending,
    params: &Params,
    now: u64,
    seq: &mut u32,
    out: &mut Commands,
) -> Result<Option<Granted>, OAuthError> {
    check_state(params, &p.secrets.state)?;
    // RFC 9207 2.4: a response carrying an id_token may leave `iss` out, the id_token's
    // verified `iss` serving instead. Only a grant that verifies the response's id_token
    // (`token id_token`) has one: the code flow verifies the token endpoint's, after the
    // code has gone there, so its response needs `iss` whatever else it carries; an error
    // is never proven, whatever `id_token` parameter comes beside it.
    let by_id_token = p.config.proves()
        && p.config.response_type == ResponseType::TokenIdToken
        && params.get("id_token").is_some()
        && params.get("error").is_none();
    // An `iss` given is compared with the issuer the widget knows (a preset's too); one
    // is required where `issuer` is set. An error response too: another server's error
    // text never reaches the page.
    check_issuer(
        params,
        p.config.issuer(),
        p.config.get(Attr::Issuer).is_some() && !by_id_token,
    )?;
    if let Some(error) = provider_error(params) {
        return Err(error);
    }
    let Some(verifier) = &p.secrets.verifier else {
        let token = implicit_token(params, p.config.preset, &p.config.scope, now)?;
        return Ok(Some(Granted::new(params, token, None)));
    };
    let Some(token_url) = token_endpoint(&p.config, p.discovery.as_deref()) else {
        return Err(lacks(&p.config, "token_endpoint"));
    };
    let body = token_request(code_of(params)?, &p.config, verifier);
    p.stage = Stage::Exchange(fetch(seq, token_url, Some(&body), out));
    Ok(None)
}

/// Sends request number `next(seq)` to `url` (posting `body`, if some), without a bearer
/// token: its number.
pub(super) fn fetch(seq: &mut u32, url: &str, body: Option<&str>, out: &mut Commands) -> u32 {
    let seq = next(seq);
    out.emit(Command::Fetch {
        seq,
        url,
        body,
        bearer: None,
    });
    seq
}

/// A status that says the server may answer later (5xx; 429, too many requests): such a request
/// is asked again, as an unreachable one is.
pub(super) fn may_come_back(status: u32) -> bool {
    status > 499 || status == 429
}

/// What a request to `url` got, for its error: `what` (the thing asked for), the URL, the status.
pub(super) fn answered(what: &str, url: &str, status: u32) -> String {
    cat(&[what, " `", url, "` answered ", &decimal(status.into())])
}

/// Why a request could not be made: unreachable, or refused by the page's Content Security
/// Policy (`blocked_by` names the directive), in which case the fix is named.
fn unreachable_error(what: &str, url: &str, blocked_by: &str) -> OAuthError {
    let description = if blocked_by.is_empty() {
        cat(&[
            what,
            " could not reach `",
            url,
            "` (refused, unreachable, or blocked by CORS)",
        ])
    } else {
        cat(&[
            "the page's Content Security Policy blocked ",
            what,
            " to `",
            url,
            "` (",
            blocked_by,
            "): add ",
            &origin_of(url).unwrap_or_default(),
            " to its connect-src directive",
        ])
    };
    OAuthError::new(ErrorCode::NetworkError, description)
}

/// The login's authorization URL, once what it waits for is known: `Ok(None)` while the
/// verifier's digest or the discovery document is still to come.
fn target(p: &mut Pending, page: &PageState) -> Result<Option<String>, OAuthError> {
    if !discovery_ready(p, page)? || (p.secrets.verifier.is_some() && p.digest.is_none()) {
        return Ok(None);
    }
    let discovered = p.discovery.as_ref();
    let found = p
        .config
        .authorization_endpoint(discovered.and_then(|d| d.authorization_endpoint.lend()));
    let Some(endpoint) = found else {
        return Err(lacks(&p.config, "authorization_endpoint"));
    };
    // The discovered endpoint's query, as authorize-url's (which passed this with the settings).
    if let Some(why) = p.config.repeats(endpoint) {
        return Err(OAuthError::config(cat(&[
            "the discovery document's authorization_endpoint ",
            &why,
        ])));
    }
    Ok(Some(authorize_url(
        endpoint,
        &p.config,
        &p.secrets,
        p.digest.as_ref().map(|d| &d[..]),
    )))
}

/// Whether the login has the discovery document it needs (none without an issuer), taking it
/// from the page once read; an error when the page could not read it. Inlined into its two
/// callers: kept apart, it cost 31 B more.
#[inline(always)]
fn discovery_ready(p: &mut Pending, page: &PageState) -> Result<bool, OAuthError> {
    let Some(issuer) = p.config.issuer() else {
        return Ok(true);
    };
    if p.discovery.is_some() {
        return Ok(true);
    }
    match page.discovery(issuer) {
        Some(Discovered::Known(document)) => {
            p.discovery = Some(document.clone());
            Ok(true)
        }
        Some(Discovered::Broken(error)) => Err(error.clone()),
        _ => Ok(false),
    }
}

/// Where a code or a refresh token is sent: `token-url`, else the `token_endpoint` of the
/// discovery document (a login's own, a renewal's as this page read it).
///
/// Inlined over [`token_url_of`], whose pointer comes back in a register where an
/// `Option<&str>` would come back through memory.
#[inline(always)]
pub(super) fn token_endpoint<'a>(
    config: &'a Config,
    discovery: Option<&'a Discovery>,
) -> Option<&'a str> {
    match token_url_of(config, discovery) {
        Some(url) => Some(url),
        None => None,
    }
}

/// [`token_endpoint`], as stored.
fn token_url_of<'a>(config: &'a Config, discovery: Option<&'a Discovery>) -> Option<&'a String> {
    match &config.token_url {
        Some(url) => Some(url),
        None => discovery?.token_endpoint.as_ref(),
    }
}

/// The error of a login under `config` whose discovery document lacks the endpoint it takes from
/// it, the member `name` (followed, where the caller says so, by what its lack stops: the key
/// set's `jwks_uri, so the id_token cannot be verified`). Its callers look the endpoint up
/// themselves: one pointer back, where a `Result` of the endpoint came back through memory.
pub(super) fn lacks(config: &Config, name: &str) -> OAuthError {
    OAuthError::config(cat(&[
        "the discovery document of `",
        config.issuer().unwrap_or(""),
        "` names no ",
        name,
    ]))
}

/// Advice for the page author's console: `<oauth-login>: `, then its `parts` (one step for every
/// such line).
pub(super) fn warn(parts: &[&str], out: &mut Commands) {
    let mut text = String::from(CONSOLE);
    text.push_str(&cat(parts));
    out.emit(Command::Warn { text: &text });
}

/// Sends the tab to `url` (a redirect login, a login going again, the end of a provider's
/// session).
#[inline(never)]
pub(super) fn go(url: &str, out: &mut Commands) {
    out.emit(Command::Go { url, popup: false });
}

/// Closes the login popup.
#[inline(never)]
fn close(out: &mut Commands) {
    out.emit(Command::Close {});
}

/// Keeps a redirect login in this tab's `sessionStorage` for the page it returns to.
fn save_pending(store: &mut dyn Store, login: &Pending) -> Result<(), OAuthError> {
    if store.set(Storage::Session, PENDING_KEY, &login.to_record()) {
        Ok(())
    } else {
        Err(OAuthError::new(
            ErrorCode::BrowserRefused,
            "redirect mode needs sessionStorage, which this page cannot use",
        ))
    }
}

/// Stores `held` where its `storage` says (a login, a renewal); the console says so when the
/// browser refuses, since the session then lives in this page's memory only.
fn keep(store: &mut dyn Store, held: &mut Held, out: &mut Commands) {
    let config = &held.config;
    if config.storage == Storage::Memory {
        held.kept = false;
        return;
    }
    held.kept = store.set(config.storage, &token_name(config), &held.to_record());
    if !held.kept {
        warn(
            &["the browser refused to store the token; it is kept in memory only"],
            out,
        );
    }
}

/// Forgets the token stored under `config`'s key in its storage (none for `memory`), unless
/// another client or server granted it (an element with the same key and other settings).
fn forget_token(store: &mut dyn Store, config: &Rc<Config>) {
    let name = token_name(config);
    let record = store.get(config.storage, &name).unwrap_or_default();
    if !matches!(Held::from_record(&record, config), Some(None)) {
        store.remove(config.storage, &name);
    }
}

/// The name of the storage item holding the session of `config`'s key.
fn token_name(config: &Config) -> String {
    cat(&[TOKEN_PREFIX, &config.key])
}

/// Names a provider by the origin of its authorization endpoint: the one set, else its issuer's
/// (whose discovery document names it; the same origin but for rare providers).
fn severs_key(config: &Config) -> String {
    cat(&[
        SEVERS_PREFIX,
        &origin_of(config.server()).unwrap_or_default(),
    ])
}

/// Whether this provider was seen cutting a popup off before (in any tab of this origin).
fn severs(store: &dyn Store, config: &Config) -> bool {
    store.get(Storage::Local, &severs_key(config)).is_some()
}

fn learn_severs(store: &mut dyn Store, config: &Config) {
    store.set(Storage::Local, &severs_key(config), "1");
}
