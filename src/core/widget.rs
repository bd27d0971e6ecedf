//! The `<oauth-login>` controller as a pure state machine: every input the browser reports
//! (connected, clicked, a popup's message, the popup closed, a timer, the token endpoint's answer)
//! goes in, and the decisions come out as a list of commands for the browser layer to carry out.
//!
//! Synchronous reads and writes of web storage go through [`Store`], so natively the tests use a
//! map. Everything that can run page code (events, promises, navigation) is a command, carried out
//! by JS after the call returns: a listener that calls back into the widget never finds it busy.
//!
//! Commands (a JSON array; each object's `do` names it):
//! - `render {label, state, busy, message}`: the button, from [`Session::view`];
//! - `event {name, detail}`: dispatch it; `oauth-login` also resolves, `oauth-error` rejects, the
//!   pending `login()` promises;
//! - `open {url, name}`: open the login popup (`url` empty: a blank one, navigated by `go`); if the
//!   browser blocks it, report [`Widget::popup_blocked`];
//! - `go {url, popup}`: navigate the popup, or this tab;
//! - `close`: stop watching the popup, and close it;
//! - `ack {id}`: tell the callback page `id` (on the `oauth-prefab` BroadcastChannel) that its
//!   response was taken, so it closes; one that hears nothing says the login must start again;
//! - `digest {text}`: SHA-256 of `text`, reported to [`Widget::challenge`];
//! - `fetch {seq, url, body}`: the token request, reported to [`Widget::token_answer`];
//! - `timer {ms}`: call [`Widget::tick`] in `ms` (`null`: no timer needed);
//! - `warn {text}`: advice for the page author's console.

use super::callback::{take_delivery, Delivery, PENDING_PREFIX};
use super::config::{advice, Config, Flow, Mode, Page, Settings, StorageKind};
use super::contract::Event;
use super::error::{text, ErrorCode, OAuthError};
use super::json::Writer;
use super::provider::TokenPlacement;
use super::request::{
    authorize_url, code_challenge, code_verifier, token_request_body, State, STATE_BYTES,
    VERIFIER_BYTES,
};
use super::response::{
    authorization_code, capture, check_issuer, check_state, implicit_token, parse, provider_error,
    state_of, token_from_endpoint, TokenResponse,
};
use super::session::{redirect_uri_hint, timeout_error, Held, PendingLogin, Session};

/// Where stored tokens live: `oauth-prefab:token:<widget key>`.
pub const TOKEN_PREFIX: &str = "oauth-prefab:token:";

/// Random bytes a login needs: a state and a PKCE verifier.
pub const RANDOM_BYTES: usize = STATE_BYTES + VERIFIER_BYTES;

/// Synchronous web storage (`sessionStorage` / `localStorage`); never asked about `memory`.
pub trait Store {
    /// The item `key`, if there is one and the storage can be read.
    fn get(&self, area: StorageKind, key: &str) -> Option<String>;
    /// Sets the item; `false` if the browser refused (private mode, quota, sandbox).
    fn set(&mut self, area: StorageKind, key: &str, value: &str) -> bool;
    /// Removes the item, if it can.
    fn remove(&mut self, area: StorageKind, key: &str);
    /// Every key in the area.
    fn keys(&self, area: StorageKind) -> Vec<String>;
}

/// The commands of one call, written as they are decided.
#[derive(Debug)]
pub struct Commands(Writer);

impl Default for Commands {
    fn default() -> Self {
        let mut out = Writer::default();
        out.open_array();
        Self(out)
    }
}

impl Commands {
    fn begin(&mut self, name: &str) -> &mut Writer {
        self.0.open_object().key("do").string(name)
    }

    fn end(&mut self) {
        self.0.close_object();
    }

    fn warn(&mut self, line: &str) {
        self.begin("warn").key("text").string(line);
        self.end();
    }

    /// The JSON text of every command.
    pub fn finish(mut self) -> String {
        self.0.close_array();
        self.0.finish()
    }
}

/// Where a callback page's response came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A `message` event whose source is the popup this widget opened.
    Popup,
    /// A `message` event from any other window.
    Other,
    /// The `oauth-prefab` BroadcastChannel, which only pages of this origin can post to: a popup
    /// that a provider's `Cross-Origin-Opener-Policy` cut off from its opener.
    Channel,
}

/// One widget: an element, or one programmatic `login(options)`.
#[derive(Debug, Default)]
pub struct Widget {
    settings: Settings,
    page: Page,
    session: Session,
    /// The pending login is shown in a popup (not this tab).
    in_popup: bool,
    /// The popup read as closed before this page ever saw it show a page: a provider's
    /// `Cross-Origin-Opener-Policy` cut it off (or it was closed at once; the two look alike).
    lost_sight: bool,
    /// The pending login's authorize URL, once known (the code flow waits for the digest).
    url: Option<String>,
    /// The settings the pending login started with: a change applies to the next login only.
    flight: Option<Config>,
    /// The number of the last token request, so a late answer to an old one is ignored.
    seq: u32,
    connected: bool,
    /// Advice already printed, so each line shows once.
    advised: Vec<String>,
}

impl Widget {
    /// Takes the current settings (every attribute, form-encoded) and page; re-renders and
    /// prints new advice for the page author.
    pub fn update(&mut self, attributes: &str, page: Page, now: u64) -> Commands {
        self.settings = Settings::parse(attributes);
        self.page = page;
        let mut out = Commands::default();
        let mut lines = advice(&self.settings);
        if let Err(error) = Config::from_settings(&self.settings, &self.page) {
            lines.push(text(&["<oauth-login>: ", &error.description]));
        }
        for line in lines {
            if !self.advised.contains(&line) {
                out.warn(&line);
                self.advised.push(line);
            }
        }
        self.render(&mut out, now);
        out
    }

    /// The element connected: on the first time, take a redirect result waiting for it, or
    /// restore its stored token.
    pub fn connect(
        &mut self,
        store: &mut dyn Store,
        deliveries: &mut Vec<Delivery>,
        now: u64,
    ) -> Commands {
        let mut out = Commands::default();
        if !std::mem::replace(&mut self.connected, true) {
            let config = Config::from_settings(&self.settings, &self.page);
            let key = config.as_ref().ok().map(|c| c.key.as_str());
            if let Some(delivery) = take_delivery(deliveries, key) {
                self.deliver(delivery, store, &mut out, now);
            } else if let Ok(config) = config {
                self.restore(&config, store, &mut out, now);
            }
        }
        self.render(&mut out, now);
        self.arm(&mut out, now);
        out
    }

    /// `login()` or a click: starts a login, or joins the pending one. `random` holds
    /// [`RANDOM_BYTES`] bytes from `crypto.getRandomValues`.
    pub fn login(
        &mut self,
        random: &[u8],
        store: &mut dyn Store,
        deliveries: &mut Vec<Delivery>,
        now: u64,
    ) -> Commands {
        let mut out = Commands::default();
        if self.session.pending().is_some() {
            if !self.lost_sight {
                return out;
            }
            // A popup this page cannot see may be gone: a click means "start again", and the old
            // login's answer is no longer taken.
            self.end_flight(&mut out);
        }
        if let Err(error) = self.start(random, store, deliveries, &mut out, now) {
            self.fail(error, &mut out, now);
        }
        out
    }

    fn start(
        &mut self,
        random: &[u8],
        store: &mut dyn Store,
        deliveries: &mut Vec<Delivery>,
        out: &mut Commands,
        now: u64,
    ) -> Result<(), OAuthError> {
        let config = Config::from_settings(&self.settings, &self.page)?;
        // A programmatic login called again on the page a redirect returned to gets that result.
        if let Some(delivery) = take_delivery(deliveries, Some(&config.key)) {
            self.deliver(delivery, store, out, now);
            return Ok(());
        }
        let (Some(state_bytes), Some(verifier_bytes)) = (
            random
                .get(..STATE_BYTES)
                .and_then(|b| <&[u8; STATE_BYTES]>::try_from(b).ok()),
            random
                .get(STATE_BYTES..RANDOM_BYTES)
                .and_then(|b| <&[u8; VERIFIER_BYTES]>::try_from(b).ok()),
        ) else {
            return Err(OAuthError::new(
                ErrorCode::BrowserRefused,
                "crypto.getRandomValues is not available on this page",
            ));
        };
        let state = State::from_random(state_bytes);
        let verifier = (config.flow == Flow::Code).then(|| code_verifier(verifier_bytes));
        let login = PendingLogin::new(&config, state, verifier, now);
        // The implicit URL is known now; the code flow's waits for the challenge's digest.
        self.url = login
            .verifier
            .is_none()
            .then(|| authorize_url(&config, &login.state, None));
        self.in_popup = config.mode == Mode::Popup;
        if !self.in_popup {
            save_pending(store, &login)?;
        }
        self.flight = Some(config);
        let name = login
            .state
            .as_str()
            .get(..16)
            .unwrap_or_default()
            .to_owned();
        let verifier = login.verifier.clone();
        self.session = std::mem::take(&mut self.session).start(login);
        if self.in_popup {
            out.begin("open")
                .key("url")
                .string(self.url.as_deref().unwrap_or_default())
                .key("name")
                .string(&text(&["oauth-prefab-", &name]));
            out.end();
        }
        match verifier {
            Some(verifier) => {
                out.begin("digest").key("text").string(&verifier);
                out.end();
            }
            None => self.go(out),
        }
        self.render(out, now);
        self.arm(out, now);
        Ok(())
    }

    /// Navigates the popup or the tab to the authorize URL, once it is known.
    fn go(&mut self, out: &mut Commands) {
        if let Some(url) = &self.url {
            // A popup opened with the URL already on it needs no second navigation.
            let popup_has_it = self.in_popup
                && self
                    .session
                    .pending()
                    .is_some_and(|l| l.flow == Flow::Token);
            if !popup_has_it {
                out.begin("go")
                    .key("url")
                    .string(url)
                    .key("popup")
                    .boolean(self.in_popup);
                out.end();
            }
        }
    }

    /// The SHA-256 digest of the pending code login's verifier: its authorize URL is now known.
    pub fn challenge(&mut self, digest: &[u8], now: u64) -> Commands {
        let mut out = Commands::default();
        let (Some(login), Some(config)) = (self.session.pending(), &self.flight) else {
            return out;
        };
        if self.url.is_some() {
            return out;
        }
        if digest.len() != 32 {
            let error = OAuthError::new(
                ErrorCode::BrowserRefused,
                "the code flow needs crypto.subtle, which only a secure context (https, or localhost) has",
            );
            self.fail(error, &mut out, now);
            return out;
        }
        self.url = Some(authorize_url(
            config,
            &login.state,
            Some(&code_challenge(digest)),
        ));
        self.go(&mut out);
        out
    }

    /// The browser blocked the popup: go on by redirect, or fail with `popup_blocked`.
    pub fn popup_blocked(&mut self, store: &mut dyn Store, now: u64) -> Commands {
        let mut out = Commands::default();
        let Some(login) = self.session.pending().cloned() else {
            return out;
        };
        if !self.flight.as_ref().is_some_and(|c| c.fallback_to_redirect) {
            let error = OAuthError::new(
                ErrorCode::PopupBlocked,
                "the browser blocked the login popup; allow popups for this site and try again",
            );
            self.fail(error, &mut out, now);
            return out;
        }
        match save_pending(store, &login) {
            Ok(()) => {
                self.in_popup = false;
                self.go(&mut out);
            }
            Err(error) => self.fail(error, &mut out, now),
        }
        out
    }

    /// A callback page's response: `origin` the message's origin, `source` where it came from,
    /// `search` / `hash` the page's address, `id` the page's name for it (echoed in `ack`).
    /// Taken only from our own popup on our own origin, or from the channel with this very
    /// login's state (any tab of the origin hears the channel); anything else is ignored, and
    /// the login stays pending.
    #[allow(clippy::too_many_arguments)]
    pub fn message(
        &mut self,
        origin: &str,
        source: Source,
        search: &str,
        hash: &str,
        id: &str,
        store: &mut dyn Store,
        now: u64,
    ) -> Commands {
        let mut out = Commands::default();
        let (Some(login), Some(captured)) = (self.session.pending(), capture(search, hash)) else {
            return out;
        };
        let ours = self.in_popup
            && match source {
                Source::Popup => origin == self.page.origin,
                Source::Other => false,
                Source::Channel => {
                    state_of(&captured.raw).is_some_and(|state| login.state.matches(&state))
                }
            };
        let waiting = matches!(self.session, Session::Pending { exchange: None, .. });
        if ours && waiting {
            out.begin("ack").key("id").string(id);
            out.end();
            self.answer(&captured.raw, store, &mut out, now);
        }
        out
    }

    /// The popup reads as closed, with no answer; `seen` whether this page saw it show a page
    /// first (it could read the popup's address, or could not because another origin's page was
    /// on it). A popup seen and then closed is a cancel. One that reads as closed before it
    /// was ever seen was most likely cut off by the provider's `Cross-Origin-Opener-Policy`
    /// while it stays open: the login waits for the answer on the channel, and its `timeout`
    /// ends it if none comes.
    pub fn popup_closed(&mut self, seen: bool, now: u64) -> Commands {
        let mut out = Commands::default();
        let waiting = matches!(self.session, Session::Pending { exchange: None, .. });
        if !seen && self.in_popup && waiting && !self.lost_sight {
            self.lost_sight = true;
            out.warn("<oauth-login>: the provider's Cross-Origin-Opener-Policy cut the login window off from this page: its answer still arrives, but a close ends the login only at the timeout");
            return out;
        }
        if let (true, true, true, Some(login)) =
            (seen, self.in_popup, waiting, self.session.pending())
        {
            let description = text(&[
                "the login window was closed before the login finished",
                &redirect_uri_hint(login),
            ]);
            self.fail(
                OAuthError::new(ErrorCode::PopupClosed, description),
                &mut out,
                now,
            );
        }
        out
    }

    /// A timer fired: the pending login may have timed out, the held token may have expired.
    pub fn tick(&mut self, store: &mut dyn Store, now: u64) -> Commands {
        let mut out = Commands::default();
        if let Some(login) = self.session.pending() {
            if now >= login.deadline() {
                let error = timeout_error(login, self.lost_sight);
                self.fail(error, &mut out, now);
                return out;
            }
        }
        let expired = self
            .session
            .held()
            .filter(|h| h.token.is_expired(now))
            .map(|h| (h.key.clone(), h.preset.id));
        if let Some((key, provider)) = expired {
            forget_token(store, &key);
            self.session = std::mem::take(&mut self.session).forget(true);
            self.render(&mut out, now);
            self.arm(&mut out, now);
            provider_event(&mut out, Event::Expired, provider);
            return out;
        }
        self.arm(&mut out, now);
        out
    }

    /// The token endpoint answered token request `seq` with `status` and `body` (`None` when it
    /// was not a JSON object of the expected shape).
    pub fn token_answer(
        &mut self,
        seq: u32,
        status: u32,
        body: Option<TokenResponse>,
        store: &mut dyn Store,
        now: u64,
    ) -> Commands {
        let mut out = Commands::default();
        let Session::Pending {
            login,
            exchange: Some(current),
            ..
        } = &self.session
        else {
            return out;
        };
        if *current != seq {
            return out;
        }
        let login = login.clone();
        match token_from_endpoint(status, body, login.preset, &login.scopes, now) {
            Ok((token, user)) => self.succeed(&login, token, user.as_deref(), store, &mut out, now),
            Err(error) => self.fail(error, &mut out, now),
        }
        out
    }

    /// Token request `seq` could not be made (refused, unreachable, blocked by CORS).
    pub fn token_unreachable(&mut self, seq: u32, now: u64) -> Commands {
        let mut out = Commands::default();
        if let Session::Pending {
            login,
            exchange: Some(current),
            ..
        } = &self.session
        {
            if *current == seq {
                let url = login.token_url.clone().unwrap_or_default();
                let error = OAuthError::new(
                    ErrorCode::NetworkError,
                    text(&[
                        "the token request could not reach token-url `",
                        &url,
                        "` (refused, unreachable, or blocked by CORS)",
                    ]),
                );
                self.fail(error, &mut out, now);
            }
        }
        out
    }

    /// `logout()`: forgets the token and its stored copy, fires `oauth-logout`.
    pub fn logout(&mut self, store: &mut dyn Store, now: u64) -> Commands {
        let mut out = Commands::default();
        if let Some(held) = self.session.held() {
            forget_token(store, &held.key.clone());
        }
        if let Ok(config) = Config::from_settings(&self.settings, &self.page) {
            forget_token(store, &config.key);
        }
        self.session = std::mem::take(&mut self.session).forget(false);
        self.render(&mut out, now);
        self.arm(&mut out, now);
        provider_event(&mut out, Event::Logout, self.settings.preset().id);
        out
    }

    /// What `fetch()` attaches: `{"header": "Bearer ..."}` or `{"query": "<token>"}` (an
    /// `access_token` parameter, where the preset's API wants it), or `{"error": detail}`.
    pub fn authorization(&self, now: u64) -> String {
        let mut out = Writer::default();
        out.open_object();
        match self.session.token(now) {
            Some(held) if held.preset.token_placement == TokenPlacement::QueryParameter => {
                out.key("query").string(held.token.access_token.secret());
            }
            Some(held) => {
                out.key("header")
                    .string(&text(&["Bearer ", held.token.access_token.secret()]));
            }
            None => {
                out.key("error");
                OAuthError::new(ErrorCode::LoginRequired, "log in before calling fetch()")
                    .write_detail(&mut out);
            }
        }
        out.close_object();
        out.finish()
    }

    /// The read-only properties: `{callbackurl, accessToken, loggedIn, expiresAt}`.
    pub fn properties(&self, now: u64) -> String {
        let held = self.session.token(now);
        let mut out = Writer::default();
        out.open_object();
        out.key("callbackurl")
            .string(&self.settings.callback_url(&self.page));
        out.key("accessToken")
            .opt_string(held.map(|h| h.token.access_token.secret()));
        out.key("loggedIn").boolean(held.is_some());
        out.key("expiresAt")
            .opt_number(held.and_then(|h| h.token.expires_at));
        out.close_object();
        out.finish()
    }

    fn deliver(&mut self, delivery: Delivery, store: &mut dyn Store, out: &mut Commands, now: u64) {
        match delivery.login {
            Some(login) => {
                self.in_popup = false;
                self.session = std::mem::take(&mut self.session).start(login);
                self.answer(&delivery.raw, store, out, now);
            }
            None => self.fail(
                OAuthError::state_mismatch("the response matches no login pending in this tab (used already, or its page was reloaded or closed): start the login again"),
                out,
                now,
            ),
        }
    }

    /// The authorization response for the pending login: state, issuer, then the grant's rules.
    fn answer(&mut self, raw: &str, store: &mut dyn Store, out: &mut Commands, now: u64) {
        let Some(login) = self.session.pending().cloned() else {
            return;
        };
        if now > login.deadline() {
            return self.fail(timeout_error(&login, self.lost_sight), out, now);
        }
        let checked = parse(raw).and_then(|params| {
            check_state(&params, &login.state)?;
            if let Some(error) = provider_error(&params) {
                return Err(error);
            }
            check_issuer(&params, login.issuer.as_deref())?;
            Ok(params)
        });
        let params = match checked {
            Ok(params) => params,
            Err(error) => return self.fail(error, out, now),
        };
        if login.flow == Flow::Token {
            match implicit_token(&params, login.preset, &login.scopes, now) {
                Ok(token) => self.succeed(&login, token, None, store, out, now),
                Err(error) => self.fail(error, out, now),
            }
            return;
        }
        let code = match authorization_code(&params) {
            Ok(code) => code,
            Err(error) => return self.fail(error, out, now),
        };
        // The state matched: only now may the code be sent anywhere.
        self.seq = self.seq.wrapping_add(1);
        if let Session::Pending { exchange, .. } = &mut self.session {
            *exchange = Some(self.seq);
        }
        out.begin("close");
        out.end();
        let body = token_request_body(
            &code,
            &login.redirect_uri,
            &login.client_id,
            login.verifier.as_deref().unwrap_or_default(),
        );
        out.begin("fetch")
            .key("seq")
            .number(self.seq.into())
            .key("url")
            .string(login.token_url.as_deref().unwrap_or_default())
            .key("body")
            .string(&body);
        out.end();
    }

    fn restore(&mut self, config: &Config, store: &mut dyn Store, out: &mut Commands, now: u64) {
        if config.storage == StorageKind::Memory {
            return;
        }
        let name = text(&[TOKEN_PREFIX, &config.key]);
        let Some(record) = store.get(config.storage, &name) else {
            return;
        };
        match super::response::Token::from_record(&record) {
            Some(token) if !token.is_expired(now) => {
                let held = Held {
                    token,
                    preset: config.preset,
                    key: config.key.clone(),
                };
                self.settle_ok(held, None, true, out, now);
            }
            // Expired or damaged: deleted, not restored.
            _ => store.remove(config.storage, &name),
        }
    }

    /// A successful login: keep the token where the login said, then report it.
    fn succeed(
        &mut self,
        login: &PendingLogin,
        token: super::response::Token,
        user: Option<&str>,
        store: &mut dyn Store,
        out: &mut Commands,
        now: u64,
    ) {
        if login.storage != StorageKind::Memory
            && !store.set(
                login.storage,
                &text(&[TOKEN_PREFIX, &login.key]),
                &token.to_record(),
            )
        {
            out.warn(
                "<oauth-login>: the browser refused to store the token; it is kept in memory only",
            );
        }
        let held = Held {
            token,
            preset: login.preset,
            key: login.key.clone(),
        };
        self.settle_ok(held, user, false, out, now);
    }

    fn settle_ok(
        &mut self,
        held: Held,
        user: Option<&str>,
        restored: bool,
        out: &mut Commands,
        now: u64,
    ) {
        let provider = held.preset.id;
        let detail = {
            let mut w = Writer::default();
            held.token.write_detail(&mut w, provider, restored, user);
            w.finish()
        };
        self.session = std::mem::take(&mut self.session).finish(Ok(held));
        self.end_flight(out);
        self.render(out, now);
        self.arm(out, now);
        emit(out, Event::Login, &detail);
    }

    fn fail(&mut self, error: OAuthError, out: &mut Commands, now: u64) {
        let mut detail = Writer::default();
        error.write_detail(&mut detail);
        self.session = std::mem::take(&mut self.session).finish(Err(error));
        self.end_flight(out);
        self.render(out, now);
        self.arm(out, now);
        emit(out, Event::Error, &detail.finish());
    }

    fn end_flight(&mut self, out: &mut Commands) {
        if std::mem::take(&mut self.in_popup) {
            out.begin("close");
            out.end();
        }
        self.url = None;
        self.flight = None;
        self.lost_sight = false;
    }

    fn render(&self, out: &mut Commands, now: u64) {
        let configured = Config::from_settings(&self.settings, &self.page).is_ok();
        let view = self.session.view(now, configured);
        let w = out
            .begin("render")
            .key("label")
            .string(&self.settings.label(view.state == "logged-in"))
            .key("state")
            .string(view.state);
        w.key("busy")
            .boolean(view.busy)
            .key("message")
            .opt_string(view.message.as_deref());
        out.end();
    }

    /// One timer for whatever comes next: the pending login's deadline, or the token's expiry.
    fn arm(&self, out: &mut Commands, now: u64) {
        let next = match self.session.pending() {
            Some(login) => Some(login.deadline()),
            None => self.session.held().and_then(|h| h.token.expires_at),
        };
        // setTimeout holds at most 2^31-1 ms (24.8 days); a longer wait re-arms when it fires.
        let w = out.begin("timer").key("ms");
        w.opt_number(next.map(|at| at.saturating_sub(now).min(i32::MAX as u64)));
        out.end();
    }
}

/// An event with its `detail` JSON. Events come last in a list: a listener may call back into
/// the widget (`logout()`, `login()`) and must find its state final.
fn emit(out: &mut Commands, event: Event, detail: &str) {
    out.begin("event")
        .key("name")
        .string(event.name())
        .key("detail")
        .raw(detail);
    out.end();
}

fn provider_event(out: &mut Commands, event: Event, provider: &str) {
    let mut detail = Writer::default();
    detail
        .open_object()
        .key("provider")
        .string(provider)
        .close_object();
    emit(out, event, &detail.finish());
}

/// Keeps a redirect login in this tab's `sessionStorage` for the page it returns to.
fn save_pending(store: &mut dyn Store, login: &PendingLogin) -> Result<(), OAuthError> {
    if store.set(
        StorageKind::Session,
        &text(&[PENDING_PREFIX, login.state.as_str()]),
        &login.to_record(),
    ) {
        Ok(())
    } else {
        Err(OAuthError::new(
            ErrorCode::BrowserRefused,
            "redirect mode needs sessionStorage, which this page cannot use",
        ))
    }
}

/// Forgets widget `key`'s stored token in both storages (its `storage` may have changed since).
fn forget_token(store: &mut dyn Store, key: &str) {
    for area in [StorageKind::Session, StorageKind::Local] {
        store.remove(area, &text(&[TOKEN_PREFIX, key]));
    }
}
