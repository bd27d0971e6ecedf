//! The login state: the token held, and the attempt under way or last ended, with everything
//! that belongs to one login kept inside it, so that ending the login drops it all.

use std::rc::Rc;

use super::popup::PopupWatch;
use super::proof::Proof;
use super::renew::NEVER;
use crate::core::contract::{ButtonState, LOG_IN, NOT_SET_UP};
use crate::core::error::OAuthError;
use crate::core::oauth::config::{Config, Page, Settings};
use crate::core::oauth::form::Params;
use crate::core::oauth::request::{Secret, Secrets};
use crate::core::oauth::token::Token;
use crate::core::oidc::claims::{subject, Verified};
use crate::core::oidc::discovery::Discovery;
use crate::core::oidc::jws::read_jws;
use crate::core::oidc::profile::{display_name, Profile};
use crate::core::text::{cat, decimal_or_max, form_pair, parse_decimal, push_decimal, Lend};

/// A session held: the token, who it is (OpenID Connect), and the configuration of the login
/// that got it (its key, storage, preset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// The token.
    pub token: Token,
    /// Who logged in, as far as known.
    pub profile: Profile,
    /// The verified id_token, if the login was OpenID Connect's.
    pub id_token: Option<String>,
    /// The refresh token, if the provider gave one.
    pub refresh_token: Option<Secret>,
    /// The login's `auth_time`, in milliseconds, if its id_token gave one: kept apart from the
    /// id_token because a renewed one, which replaces it, may leave `auth_time` out (Core 12.2).
    /// `None` too in a record written before it was: see [`Held::login`].
    pub auth_time: Option<u64>,
    /// The settings it was granted under.
    pub config: Rc<Config>,
    /// Whether it is in web storage. One the browser refused to store is this tab's alone:
    /// the shared record (absent) says nothing of it.
    pub kept: bool,
}

impl Held {
    /// The session a proven grant leaves (its tokens, the proof's profile), and the answer's
    /// `user` object. Only a verified id_token is kept, at a login as at a renewal: an
    /// unverified one says nothing. A grant without one keeps the id_token of the session
    /// `before` it (a renewal's answer need not repeat it; a login has no session before).
    pub fn proven(proof: Proof, before: Option<&Held>) -> (Self, Option<String>) {
        // A renewal keeps the login's `auth_time` (its id_token repeats it, or leaves it out).
        let auth_time = proof
            .subject
            .as_ref()
            .or(proof.verified.as_ref())
            .and_then(|v| v.auth_time);
        let Proof {
            config,
            granted,
            profile,
            ..
        } = proof;
        let id_token = match granted.id_token.filter(|_| config.proves()) {
            Some(verified) => Some(verified),
            None => before.and_then(|held| held.id_token.clone()),
        };
        let held = Self {
            token: granted.token,
            profile,
            id_token,
            refresh_token: granted.refresh_token.map(Secret::new),
            auth_time,
            config,
            kept: false,
        };
        (held, granted.user)
    }

    /// Who the login named, which a renewed id_token must repeat (Core 12.2): the held id_token's
    /// `iss`, `sub`, `aud` and `azp` (each renewal repeated the login's), and the login's
    /// `auth_time`, as kept; where none was kept, the held id_token's (a record written before
    /// `authenticated_at` was, or a login that gave none and a renewal that then did).
    #[inline(always)]
    pub fn login(&self) -> Option<Verified> {
        // Matched, not `ok()?`: no `Result::ok` for this one type. By reference: the answer is
        // dropped once, where it is, not moved out of it first.
        let Ok(jws) = &read_jws(self.id_token.lend()?) else {
            return None;
        };
        // Completed in the answer it was read into, not copied out of it and back.
        let mut login = subject(&jws.claims);
        if let Some(login) = &mut login {
            login.auth_time = self.auth_time.or(login.auth_time);
        }
        login
    }

    /// Who is logged in, if anything is known of them.
    pub fn profile(&self) -> Option<&Profile> {
        // Each member looked at in place: no empty profile built to compare with.
        let Profile {
            sub,
            name,
            email,
            email_verified,
            picture,
            username,
        } = &self.profile;
        let known = sub.is_some()
            || name.is_some()
            || email.is_some()
            || email_verified.is_some()
            || picture.is_some()
            || username.is_some();
        known.then_some(&self.profile)
    }

    /// The record it is kept as in `sessionStorage` / `localStorage`.
    pub fn to_record(&self) -> String {
        let (t, p) = (&self.token, &self.profile);
        // Written pair by pair, as each is decided.
        let mut record = String::new();
        form_pair(&mut record, "access_token", t.access_token.expose());
        put_number(&mut record, "expires_in", t.expires_in);
        put_number(&mut record, "expires_at", t.expires_at);
        form_pair(&mut record, "scope", &t.scope);
        put_secret(&mut record, "refresh_token", &self.refresh_token);
        put_text(&mut record, "id_token", &self.id_token);
        put_number(&mut record, "authenticated_at", self.auth_time);
        put_text(&mut record, "sub", &p.sub);
        put_text(&mut record, "name", &p.name);
        put_text(&mut record, "email", &p.email);
        // `1`, `0` or empty: the number of a `bool`.
        put_number(
            &mut record,
            "email_verified",
            p.email_verified.map(u64::from),
        );
        put_text(&mut record, "picture", &p.picture);
        put_text(&mut record, "username", &p.username);
        form_pair(&mut record, "by", &granted_by(&self.config));
        record
    }

    /// Reads a record back for `config`: `None` for anything damaged (it is then deleted);
    /// `Some(None)` for a session another client or server granted (an element with the same
    /// key and other settings: left for those settings to come back to). A record without `by`
    /// was written before records named their grantor: it is taken as `config`'s, as then.
    pub fn from_record(record: &str, config: &Rc<Config>) -> Option<Option<Self>> {
        // Read from the arm's parameters: every way out of `read` leaves them to the one drop
        // after. Matched, not `ok()?`: no `Result::ok` for this one type.
        match Params::parse_any_length(record) {
            Ok(p) => Self::read(&p, config),
            Err(_) => None,
        }
    }

    /// [`from_record`](Self::from_record), from its parameters.
    fn read(p: &Params, config: &Rc<Config>) -> Option<Option<Self>> {
        // A number member as a plain number (an `Option` of one comes back through memory):
        // `EMPTY` for an empty one, `u64::MAX` for one missing or not of 16 digits at most,
        // which stay below both.
        const EMPTY: u64 = u64::MAX - 1;
        let number = |name| match p.get(name) {
            // Told empty by its length: a `""` pattern calls the slice comparison.
            Some(n) if !n.is_empty() => decimal_or_max(n, 16),
            Some(_) => EMPTY,
            None => u64::MAX,
        };
        let given = |n: u64| (n < EMPTY).then_some(n);
        let ours = p.get("by").is_none_or(|by| *by == *granted_by(config));
        if !ours {
            return Some(None);
        }
        // Every member that can be missing is read before any text is copied: nothing copied
        // is then dropped on the way out. (No access token: no session, an ended one's record.)
        let access_token = p.given("access_token")?;
        // A session of settings that prove who logged in has its verified id_token (a login's,
        // or a renewal's): one without was granted as plain OAuth (`openid` without `issuer`,
        // the same server and client), its profile never held to an id_token, and nothing a
        // renewed id_token could be held to (Core 12.2). Left for those settings.
        if config.proves() && p.given("id_token").is_none() {
            return Some(None);
        }
        let (expires_in, expires_at) = (number("expires_in"), number("expires_at"));
        if expires_in == u64::MAX || expires_at == u64::MAX {
            return None;
        }
        let scope = p.get("scope")?;
        // Read before the texts, which are then copied straight into the session.
        let email_verified = match p.get("email_verified").map(str::as_bytes) {
            Some(b"1") => Some(true),
            Some(b"0") => Some(false),
            _ => None,
        };
        // None in a record written before it was (see `login`).
        let auth_time = given(number("authenticated_at"));
        Some(Some(Self {
            token: Token {
                access_token: Secret::new(access_token),
                expires_in: given(expires_in),
                expires_at: given(expires_at),
                scope: scope.into(),
            },
            profile: record_profile(p, email_verified),
            id_token: p.owned("id_token"),
            refresh_token: p.owned("refresh_token").map(Secret::new),
            auth_time,
            config: config.clone(),
            kept: true,
        }))
    }
}

/// The profile a session's record keeps. A function of its own: it builds the profile where its
/// caller keeps it, where built inside the session's literal it was built apart and then moved.
#[inline(never)]
fn record_profile(p: &Params, email_verified: Option<bool>) -> Profile {
    Profile {
        sub: p.owned("sub"),
        name: p.owned("name"),
        email: p.owned("email"),
        email_verified,
        picture: p.owned("picture"),
        username: p.owned("username"),
    }
}

/// Writes a record's text member: one absent as an empty one.
fn put_text(record: &mut String, name: &str, value: &Option<String>) {
    form_pair(record, name, value.lend().unwrap_or(""));
}

/// Writes a record's secret member: one absent as an empty one.
fn put_secret(record: &mut String, name: &str, value: &Option<Secret>) {
    form_pair(record, name, value.as_ref().map_or("", Secret::expose));
}

/// Writes a record's number member: one absent as an empty one.
fn put_number(record: &mut String, name: &str, value: Option<u64>) {
    // Digits, which encode as themselves: written in place after the name.
    form_pair(record, name, "");
    if let Some(n) = value {
        push_decimal(record, n);
    }
}

/// What granted a session, as its record names it: the authorization server and the client.
fn granted_by(config: &Config) -> String {
    cat(&[config.server(), " ", config.client_id()])
}

/// Where a pending login is at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    /// Waiting for the PKCE verifier's digest (request `seq`, 0 when there is none to wait for)
    /// and the discovery document, whichever the login needs: the URL is not known yet.
    Prepare(u32),
    /// The provider has the person, at this URL.
    Authorize(String),
    /// The response (raw) came back to a page still reading the discovery document.
    Arrived(String),
    /// The code is being exchanged (request `seq`; 0 once it answered).
    Exchange(u32),
    /// The token came: proving who logged in and reading the profile.
    Prove(Box<Proof>),
}

/// A login started and not yet ended: everything needed to finish it, so that a change of the
/// settings while it is pending applies only to the next login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The settings it started with.
    pub config: Rc<Config>,
    /// Its secrets: `state`, the PKCE verifier, the nonce.
    pub secrets: Secrets,
    /// The PKCE verifier's digest, once known.
    pub digest: Option<[u8; 32]>,
    /// The provider's discovery document, once read (an `issuer`'s).
    pub discovery: Option<Rc<Discovery>>,
    /// When it started, in ms since the epoch.
    pub started_at: u64,
    /// The popup it is shown in; `None` in this tab (a redirect).
    pub popup: Option<PopupWatch>,
    /// Where it is at.
    pub stage: Stage,
    /// The person was told to look at the login window, and the console why it may be stuck.
    pub hinted: bool,
    /// The address of the page it started on (`location.href`, which holds no response: the
    /// page removed any at load): a redirect login whose response reached another page comes
    /// back to it.
    pub address: String,
}

/// How long a popup login waits before the message under the button points at the login window.
pub const HINT_AFTER_MS: u64 = 5_000;

impl Pending {
    /// When it times out.
    #[inline(never)]
    pub fn deadline(&self) -> u64 {
        self.started_at + u64::from(self.config.timeout_secs) * 1000
    }

    /// Whether it waits for the page to read its issuer's discovery document.
    pub fn awaits_discovery(&self) -> bool {
        matches!(self.stage, Stage::Prepare(_) | Stage::Arrived(_))
            && self.discovery.is_none()
            && self.config.has_issuer()
    }

    /// When the person is pointed at the login window, if that is still to come.
    pub fn hint_at(&self) -> u64 {
        let waiting = matches!(self.stage, Stage::Authorize(_));
        if waiting && !self.hinted && self.popup.is_some_and(|p| !p.lost_sight) {
            self.started_at + HINT_AFTER_MS
        } else {
            NEVER
        }
    }

    /// The record a redirect login keeps in `sessionStorage` for the page it returns to: its
    /// settings as given (the configuration is rebuilt from them), its page (with its query and
    /// fragment) and its secrets.
    #[inline(always)]
    pub fn to_record(&self) -> String {
        let (c, secrets) = (&self.config, &self.secrets);
        // Written pair by pair, as each is decided.
        let mut record = String::new();
        form_pair(&mut record, "attributes", &c.settings.text);
        form_pair(&mut record, "origin", &c.page.origin);
        form_pair(&mut record, "path", &c.page.path);
        form_pair(&mut record, "state", secrets.state.expose());
        put_secret(&mut record, "verifier", &secrets.verifier);
        put_secret(&mut record, "nonce", &secrets.nonce);
        put_number(&mut record, "started_at", Some(self.started_at));
        form_pair(&mut record, "address", &self.address);
        record
    }

    /// Reads a record back as a pending login in this tab; `None` for anything damaged. An
    /// earlier version's record (without `address`, or an empty one) started on its page's
    /// origin and path. Boxed as built: a page's delivery keeps it so, and it is not copied into
    /// a box after.
    pub fn from_record(record: &str) -> Option<Box<Self>> {
        let Ok(p) = Params::parse_any_length(record) else {
            return None;
        };
        // Every member that can be missing is read before anything is built: nothing built is
        // then dropped on the way out.
        let started_at = parse_decimal(p.get("started_at")?, 16)?;
        let state = p.given("state")?;
        let (verifier, nonce) = (p.given("verifier"), p.given("nonce"));
        let (origin, path) = (p.get("origin")?, p.get("path")?);
        let attributes = p.get("attributes")?;
        let page = Page {
            origin: origin.into(),
            path: path.into(),
        };
        let config = Config::new(Settings::parse(attributes), page);
        // A login cannot finish without the secrets its settings need: dropped, not half-used.
        // (A nonce is made only where the id_token is verified: `openid` alone is plain OAuth.)
        if config.error.is_some()
            || config.code_flow() != verifier.is_some()
            || config.proves() != nonce.is_some()
        {
            return None;
        }
        let address = p
            .given("address")
            .map_or_else(|| config.page.at(&config.page.path), String::from);
        Some(Box::new(Self {
            config,
            secrets: Secrets {
                state: Secret::new(state),
                verifier: verifier.map(Secret::new),
                nonce: nonce.map(Secret::new),
            },
            digest: None,
            discovery: None,
            started_at,
            popup: None,
            stage: Stage::Authorize(String::new()),
            hinted: true,
            address,
        }))
    }

    /// `lead`, then what commonly makes a provider show its own error page instead of
    /// answering, with this login's values: said where a login ends without an answer. Built
    /// in one text, where the caller would copy it into its own.
    pub fn causes(&self, lead: &str) -> String {
        let c = &self.config;
        let scope = if c.scope.is_empty() {
            "(none)"
        } else {
            &c.scope
        };
        cat(&[
            lead,
            "; if the provider showed an error, check client-id `",
            c.client_id(),
            "`, register ",
            &c.redirect_uri,
            " (callbackurl) with it, and check scope `",
            scope,
            "`",
        ])
    }
}

/// The login attempt under way, or how the last one ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Attempt {
    /// None since the page loaded, or since the last success or logout.
    #[default]
    None,
    /// Under way.
    Pending(Box<Pending>),
    /// The last one failed.
    Failed(OAuthError),
    /// The person closed the login window. A popup that read as closed before it showed a page
    /// may have been cut off by the provider's COOP instead: its login is kept, and its answer
    /// still taken from the channel until its timeout.
    Cancelled(Option<Box<Pending>>),
    /// The token ran out.
    Expired,
}

/// What the button shows, from the state alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// The state at a glance.
    pub state: ButtonState,
    /// A login is under way and the page can see it (spinner, `aria-busy`).
    pub busy: bool,
    /// A message under the button.
    pub message: Option<String>,
}

/// The view of `attempt` with `logged_in`; `configured` says whether the settings are valid.
/// A cancel is neutral, not a failure; wrong settings say so to the person in a short neutral
/// text (the page author gets the detail in the console). A login that failed or was cancelled
/// while a session is held leaves it held: the button stays `logged-in`, as `loggedIn` does,
/// with the failure's message under it.
#[inline(always)]
pub fn view(attempt: &Attempt, logged_in: bool, configured: bool) -> View {
    let (state, busy, message) = match attempt {
        Attempt::Pending(p) => match p.popup {
            Some(w) if w.lost_sight => (
                ButtonState::Pending,
                false,
                Some("Finish logging in in the login window, or click to start again."),
            ),
            _ if p.hinted && p.popup.is_some() => (
                ButtonState::Pending,
                true,
                Some("Finish logging in in the login window."),
            ),
            _ => (ButtonState::Pending, true, None),
        },
        Attempt::Failed(error) => {
            return View {
                state: if logged_in {
                    ButtonState::LoggedIn
                } else {
                    ButtonState::Failed
                },
                busy: false,
                message: Some(cat(&["Login failed: ", &error.description])),
            }
        }
        Attempt::Cancelled(_) if !logged_in => {
            (ButtonState::Cancelled, false, Some("Login cancelled."))
        }
        _ if logged_in => (ButtonState::LoggedIn, false, None),
        Attempt::Expired => (
            ButtonState::Expired,
            false,
            Some("Your session expired. Please log in again."),
        ),
        _ if !configured => (ButtonState::LoggedOut, false, Some(NOT_SET_UP)),
        _ => (ButtonState::LoggedOut, false, None),
    };
    View {
        state,
        busy,
        message: message.map(str::to_owned),
    }
}

/// The button's text: the `label` setting (`set`: the caller reads it once, for the picture
/// too); else who is logged in (name, user name or email); else "Log in with <Provider>", which
/// says "Logged in" once a user is (the button still logs in again, to switch accounts).
#[inline(always)]
pub fn label(config: &Config, set: Option<&str>, held: Option<&Held>) -> String {
    let verb = if held.is_some() { "Logged in" } else { LOG_IN };
    let who = held.and_then(|h| display_name(&h.profile));
    match (set, who, config.preset.name) {
        (Some(label), _, _) => label.into(),
        (None, Some(who), _) => who.into(),
        // A custom provider has no name: "Log in" alone.
        (None, None, name) => cat(&[verb, if name.is_empty() { "" } else { " with " }, name]),
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::core::contract::{Attr, ErrorCode};
    use crate::core::oauth::config::tests::config;
    use crate::core::oauth::token::Token;

    fn pending(pairs: &[(&str, &str)]) -> Pending {
        Pending {
            config: config(pairs).unwrap(),
            secrets: Secrets {
                state: Secret::new("s".repeat(64)),
                verifier: None,
                nonce: None,
            },
            digest: None,
            discovery: None,
            started_at: 1_000,
            popup: Some(PopupWatch::default()),
            stage: Stage::Authorize("https://id.example/a".into()),
            hinted: false,
            address: "http://localhost:8080/app/?tab=2#top".into(),
        }
    }

    #[test]
    fn records_round_trip_and_damage_is_refused() {
        let mut login = pending(&[
            ("id", "w1"),
            ("client-id", "spa"),
            ("authorize-url", "https://id.example/a"),
            ("response-type", "code"),
            ("token-url", "/t"),
            ("storage", "local"),
            ("timeout", "30"),
        ]);
        login.secrets.verifier = Some(Secret::new("v"));
        let back = Pending::from_record(&login.to_record()).unwrap();
        assert_eq!(
            (
                back.config.as_ref(),
                &back.secrets.state,
                &back.secrets.verifier,
                back.started_at
            ),
            (
                login.config.as_ref(),
                &login.secrets.state,
                &login.secrets.verifier,
                1_000
            )
        );
        assert_eq!(
            (back.popup, back.config.key.as_str(), back.deadline()),
            (None, "#w1", 31_000)
        );
        assert_eq!(back.address, "http://localhost:8080/app/?tab=2#top");
        let record = login.to_record();
        // An earlier version's record, which does not say where its login started: its page.
        let earlier = Pending::from_record(&record[..record.find("&address=").unwrap()]);
        assert_eq!(
            earlier.map(|p| p.address),
            Some("http://localhost:8080/app/".into())
        );
        let empty = Pending::from_record(&record.replace("&address=", "&address=&x="));
        assert_eq!(
            empty.map(|p| p.address),
            Some("http://localhost:8080/app/".into())
        );
        for bad in [
            record.replace("verifier=v", "verifier="),
            record.replace("started_at=1000", "started_at=x"),
            record.replace("state=ssss", "stat=ssss"),
            record.replace("client-id%3Dspa", "client-id%3D"),
            "%%%".into(),
            String::new(),
        ] {
            assert_eq!(Pending::from_record(&bad), None, "{bad}");
        }
    }

    #[test]
    fn the_causes_name_this_logins_values() {
        let login = pending(&[("client-id", "abc"), ("provider", "google")]);
        assert_eq!(
            login.causes(""),
            "; if the provider showed an error, check client-id `abc`, register http://localhost:8080/app/ (callbackurl) with it, and check scope `openid email profile`"
        );
        assert_eq!(login.hint_at(), 1_000 + HINT_AFTER_MS);
    }

    #[test]
    fn the_view_follows_the_state() {
        let v = |attempt: &Attempt, logged_in, configured| {
            let v = view(attempt, logged_in, configured);
            (v.state, v.busy, v.message)
        };
        assert_eq!(
            v(&Attempt::None, false, true),
            (ButtonState::LoggedOut, false, None)
        );
        assert_eq!(v(&Attempt::None, false, false).2.lend(), Some(NOT_SET_UP));
        assert_eq!(v(&Attempt::None, true, true).0, ButtonState::LoggedIn);
        let mut login = pending(&[("client-id", "abc"), ("provider", "google")]);
        assert_eq!(
            v(&Attempt::Pending(Box::new(login.clone())), true, true),
            (ButtonState::Pending, true, None)
        );
        login.hinted = true;
        assert_eq!(
            v(&Attempt::Pending(Box::new(login.clone())), false, true)
                .2
                .lend(),
            Some("Finish logging in in the login window.")
        );
        let mut watch = PopupWatch::default();
        watch.lost_sight = true;
        login.popup = Some(watch);
        assert!(
            !v(&Attempt::Pending(Box::new(login)), false, true).1,
            "a popup out of sight leaves the button clickable"
        );
        let failed = Attempt::Failed(OAuthError::new(ErrorCode::Timeout, "slow"));
        let message = Some("Login failed: slow".into());
        assert_eq!(
            v(&failed, false, true),
            (ButtonState::Failed, false, message.clone())
        );
        assert_eq!(
            v(&failed, true, true),
            (ButtonState::LoggedIn, false, message),
            "the session held stays"
        );
        assert_eq!(
            v(&Attempt::Cancelled(None), true, true),
            (ButtonState::LoggedIn, false, None)
        );
        assert_eq!(
            v(&Attempt::Cancelled(None), false, true).2.lend(),
            Some("Login cancelled.")
        );
        assert_eq!(v(&Attempt::Expired, false, true).0, ButtonState::Expired);
        assert_eq!(
            v(&Attempt::Expired, true, true).0,
            ButtonState::LoggedIn,
            "a new token outranks an old expiry"
        );
    }

    fn held(pairs: &[(&str, &str)], profile: Profile) -> Held {
        Held {
            token: Token::new("t", Some(60), "openid".into(), 1_000),
            profile,
            id_token: None,
            refresh_token: None,
            auth_time: None,
            config: config(pairs).unwrap(),
            // As a record read back is.
            kept: true,
        }
    }

    #[test]
    fn labels_name_the_provider_and_the_person() {
        let label =
            |config: &Config, held: Option<&Held>| label(config, config.get(Attr::Label), held);
        let google = [("provider", "google"), ("client-id", "a")];
        let session = held(&google, Profile::default());
        assert_eq!(label(&session.config, None), "Log in with Google");
        assert_eq!(
            label(&session.config, Some(&session)),
            "Logged in with Google"
        );
        let custom = config(&[("authorize-url", "https://x.example/a"), ("client-id", "a")]);
        assert_eq!(label(&custom.unwrap(), None), "Log in");
        let labelled = config(&[google[0], google[1], ("label", "Go")]).unwrap();
        assert_eq!(label(&labelled, Some(&session)), "Go");
        let person = |name: Option<&str>, username: Option<&str>, email: Option<&str>| Profile {
            name: name.map(Into::into),
            username: username.map(Into::into),
            email: email.map(Into::into),
            ..Profile::default()
        };
        for (profile, shown) in [
            (
                person(Some("Jane <b>"), Some("jd"), Some("j@x")),
                "Jane <b>",
            ),
            (person(None, Some("jd"), Some("j@x")), "jd"),
            (person(None, None, Some("j@x")), "j@x"),
        ] {
            let session = held(&google, profile);
            assert_eq!(label(&session.config, Some(&session)), shown);
            assert_eq!(
                label(&labelled, Some(&session)),
                "Go",
                "the page's label wins"
            );
        }
    }

    #[test]
    fn held_records_round_trip_and_damage_is_refused() {
        let pairs = [("provider", "google"), ("client-id", "a")];
        let mut session = held(
            &pairs,
            Profile {
                sub: Some("s&1".into()),
                name: Some("Jane Doe".into()),
                email: Some("j@x".into()),
                email_verified: Some(false),
                picture: Some("https://x.example/p?a=1".into()),
                username: None,
            },
        );
        session.id_token = Some("h.p.s".into());
        session.refresh_token = Some(Secret::new("r/1"));
        session.auth_time = Some(1_699_999_800_000);
        let back = Held::from_record(&session.to_record(), &session.config)
            .flatten()
            .unwrap();
        assert_eq!(back, session);
        // The previous version's record has no `authenticated_at`: none is kept (`login` then
        // reads the kept id_token's).
        let previous = session
            .to_record()
            .replace("&authenticated_at=1699999800000", "");
        let read = Held::from_record(&previous, &session.config).flatten();
        assert_eq!(read.map(|held| held.auth_time), Some(None));
        assert_eq!(back.profile().and_then(|p| p.name.lend()), Some("Jane Doe"));
        // A token answer near its 16 KiB bound with a non-ASCII name makes a longer record: it
        // is still the widget's own, and read back.
        let mut large = session.clone();
        large.token.access_token = Secret::new("a".repeat(12 * 1024));
        large.id_token = Some("i".repeat(3 * 1024));
        large.profile.name = Some("é".repeat(1024));
        assert!(large.to_record().len() > 16 * 1024);
        assert_eq!(
            Held::from_record(&large.to_record(), &large.config),
            Some(Some(large))
        );
        let bare = held(&pairs, Profile::default());
        let back = Held::from_record(&bare.to_record(), &bare.config)
            .flatten()
            .unwrap();
        assert_eq!(
            (back.profile(), &back.id_token, &back.refresh_token),
            (None, &None, &None)
        );
        let record = bare.to_record();
        // Bound to what granted it: another client, or another server, reads it as not its own
        // (and leaves it); a record from before the binding is read as the element's.
        for other in [
            [("provider", "google"), ("client-id", "b")],
            [("provider", "facebook"), ("client-id", "a")],
        ] {
            let other = config(&other).unwrap();
            assert_eq!(Held::from_record(&record, &other), Some(None));
        }
        let unbound = &record[..record.find("&by=").unwrap()];
        assert_eq!(
            Held::from_record(unbound, &bare.config),
            Some(Some(bare.clone()))
        );
        for bad in [
            record.replace("access_token=t", "access_token="),
            record.replace("expires_at=61000", "expires_at=x"),
            record.replace("scope=", "scop="),
            "%%%".into(),
            String::new(),
        ] {
            assert_eq!(Held::from_record(&bad, &bare.config), None, "{bad}");
        }
    }
}
