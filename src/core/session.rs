//! The login state: one enum, pure transitions, and the view the button renders from.
//!
//! A widget is [`Session::Idle`], [`Session::Pending`] while the provider has the user (or the
//! code is being exchanged), [`Session::Authenticated`] with a token, [`Session::Failed`] after an
//! error, or [`Session::Expired`] when its token ran out. A [`PendingLogin`] is also what a
//! redirect login keeps in `sessionStorage` across the round trip, so it serializes to a record.

use super::config::{Config, Flow, StorageKind};
use super::error::{text, ErrorCode, OAuthError};
use super::json::{decimal, parse_decimal};
use super::params::Params;
use super::provider::{self, Preset};
use super::request::{Scopes, State};
use super::response::Token;

/// A login that has been started and not yet answered. It carries everything needed to finish
/// it, so a change of attributes while it is pending applies only to the next login.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingLogin {
    /// Its CSRF state.
    pub state: State,
    /// The widget it belongs to ([`Config::key`]).
    pub key: String,
    /// The provider, which decides how the response is read.
    pub preset: &'static Preset,
    /// The grant.
    pub flow: Flow,
    /// The scopes requested, reported when the provider names none.
    pub scopes: Scopes,
    /// The client id (sent again in the token request).
    pub client_id: String,
    /// The redirect URI sent (sent again in the token request).
    pub redirect_uri: String,
    /// Where the code is exchanged (the code flow only).
    pub token_url: Option<String>,
    /// The `iss` the response must carry, if any.
    pub issuer: Option<String>,
    /// The PKCE verifier (the code flow only): sent nowhere but in the token request.
    pub verifier: Option<String>,
    /// Where the token will be kept.
    pub storage: StorageKind,
    /// When it started, in ms since the epoch.
    pub started_at: u64,
    /// How long it may take, in seconds.
    pub timeout_secs: u32,
}

impl PendingLogin {
    /// Starts a login for `config` with `state` (and, for the code flow, `verifier`) at `now_ms`.
    pub fn new(config: &Config, state: State, verifier: Option<String>, now_ms: u64) -> Self {
        Self {
            state,
            key: config.key.clone(),
            preset: config.preset,
            flow: config.flow,
            scopes: config.scopes.clone(),
            client_id: config.client_id.clone(),
            redirect_uri: config.redirect_uri.clone(),
            token_url: config.token_url.clone(),
            issuer: config.issuer.clone(),
            verifier,
            storage: config.storage,
            started_at: now_ms,
            timeout_secs: config.timeout_secs,
        }
    }

    /// When this login times out, in ms since the epoch.
    pub fn deadline(&self) -> u64 {
        self.started_at
            .saturating_add(u64::from(self.timeout_secs) * 1000)
    }

    /// Serializes for `sessionStorage` (a redirect login).
    pub fn to_record(&self) -> String {
        let mut p = Params::default();
        p.set("state", self.state.as_str());
        p.set("key", &self.key);
        p.set("provider", self.preset.id);
        p.set(
            "flow",
            if self.flow == Flow::Code {
                "code"
            } else {
                "token"
            },
        );
        p.set("scope", &self.scopes.join(" "));
        p.set("client_id", &self.client_id);
        p.set("redirect_uri", &self.redirect_uri);
        for (name, value) in [
            ("token_url", &self.token_url),
            ("issuer", &self.issuer),
            ("verifier", &self.verifier),
        ] {
            if let Some(value) = value {
                p.set(name, value);
            }
        }
        p.set("storage", storage_name(self.storage));
        p.set("started_at", &decimal(self.started_at));
        p.set("timeout", &decimal(self.timeout_secs.into()));
        p.encode()
    }

    /// Reads a record back; `None` for anything damaged.
    pub fn from_record(record: &str) -> Option<Self> {
        let p = Params::parse(record).ok()?;
        let number = |name| parse_decimal(p.get(name)?, 16);
        let flow = match p.get("flow")? {
            "token" => Flow::Token,
            "code" => Flow::Code,
            _ => return None,
        };
        let owned = |name| p.get(name).map(str::to_owned);
        let login = Self {
            state: State::from_stored(p.get("state").filter(|s| !s.is_empty())?),
            key: owned("key")?,
            preset: provider::find(p.get("provider")?)?,
            flow,
            scopes: Scopes::parse(p.get("scope")?),
            client_id: owned("client_id")?,
            redirect_uri: owned("redirect_uri")?,
            token_url: owned("token_url"),
            issuer: owned("issuer"),
            verifier: owned("verifier"),
            storage: match p.get("storage")? {
                "memory" => StorageKind::Memory,
                "session" => StorageKind::Session,
                "local" => StorageKind::Local,
                _ => return None,
            },
            started_at: number("started_at")?,
            timeout_secs: u32::try_from(number("timeout")?).ok()?,
        };
        // A code login cannot finish without both; a damaged record is dropped, not half-used.
        (flow == Flow::Token || (login.token_url.is_some() && login.verifier.is_some()))
            .then_some(login)
    }
}

/// The name of a storage kind, as the `storage` attribute spells it.
pub fn storage_name(kind: StorageKind) -> &'static str {
    match kind {
        StorageKind::Memory => "memory",
        StorageKind::Session => "session",
        StorageKind::Local => "local",
    }
}

/// The error of a login that ran out of time, naming the likeliest cause and its fix;
/// `lost_sight`: its popup was cut off from the page, so a close could not be seen.
pub fn timeout_error(login: &PendingLogin, lost_sight: bool) -> OAuthError {
    let unseen = if lost_sight {
        "; the provider's pages cut the login window off from this page, so it may have been closed"
    } else {
        ""
    };
    OAuthError::new(
        ErrorCode::Timeout,
        text(&[
            "no answer from the provider within ",
            &decimal(login.timeout_secs.into()),
            " seconds",
            unseen,
            &redirect_uri_hint(login),
        ]),
    )
}

/// The most common mistake of all, said where a login ends without an answer: the provider
/// showed its own error page because the redirect URI is not registered with it.
pub fn redirect_uri_hint(login: &PendingLogin) -> String {
    text(&[
        "; if the provider showed an error about the redirect URI, register ",
        &login.redirect_uri,
        " (callbackurl) with it",
    ])
}

/// Picks which of this tab's pending redirect logins a response is for, given the response's
/// `state`: the one with that state, or, when it carries none or cannot be read, the most
/// recent (an error response without state is reported there; anything else then fails its
/// state check).
pub fn select_pending(state: Option<&str>, pending: &[PendingLogin]) -> Option<usize> {
    match state {
        Some(state) => pending.iter().position(|p| p.state.matches(state)),
        None => pending
            .iter()
            .enumerate()
            .max_by_key(|(_, p)| p.started_at)
            .map(|(i, _)| i),
    }
}

/// A token held by a widget, with what it was granted under.
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    /// The token.
    pub token: Token,
    /// The provider that granted it (decides where `fetch()` puts it).
    pub preset: &'static Preset,
    /// The key it is stored under.
    pub key: String,
}

/// A widget's login state.
///
/// A token already held survives a new login attempt (`kept`): a failed or forged response
/// must not cost the user the session they had.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Session {
    /// No token, nothing under way.
    #[default]
    Idle,
    /// Waiting for the provider's answer, or for the token endpoint's.
    Pending {
        /// The login under way.
        login: PendingLogin,
        /// The token held before it started, if any.
        kept: Option<Held>,
        /// The number of the token request in flight, once the code came back.
        exchange: Option<u32>,
    },
    /// Holding a token.
    Authenticated(Held),
    /// The last login failed.
    Failed {
        /// Why.
        error: OAuthError,
        /// The token held before it started, if any.
        kept: Option<Held>,
    },
    /// The token ran out.
    Expired,
}

/// What the button shows, derived from the session alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// The session at a glance, as the button's `data-state`: `out`, `pending`, `in`,
    /// `expired` or `failed`.
    pub state: &'static str,
    /// Whether a login is under way (`aria-busy`, spinner).
    pub busy: bool,
    /// A message to show as text under the button, if any.
    pub message: Option<String>,
}

impl Session {
    /// The token held, expired or not.
    pub fn held(&self) -> Option<&Held> {
        match self {
            Self::Authenticated(held) => Some(held),
            Self::Pending { kept, .. } | Self::Failed { kept, .. } => kept.as_ref(),
            Self::Idle | Self::Expired => None,
        }
    }

    /// The token, while one is held and unexpired at `now_ms`.
    pub fn token(&self, now_ms: u64) -> Option<&Held> {
        self.held().filter(|held| !held.token.is_expired(now_ms))
    }

    /// The pending login, if any.
    pub fn pending(&self) -> Option<&PendingLogin> {
        match self {
            Self::Pending { login, .. } => Some(login),
            _ => None,
        }
    }

    /// The state once `login` has started.
    pub fn start(self, login: PendingLogin) -> Self {
        Self::Pending {
            kept: self.held().cloned(),
            login,
            exchange: None,
        }
    }

    /// The state after the pending login's result (a success replaces any kept token).
    pub fn finish(self, result: Result<Held, OAuthError>) -> Self {
        match result {
            Ok(held) => Self::Authenticated(held),
            Err(error) => Self::Failed {
                kept: self.held().cloned(),
                error,
            },
        }
    }

    /// The state once the held token is forgotten (logout or expiry); a login under way stays.
    pub fn forget(self, expired: bool) -> Self {
        match self {
            Self::Pending {
                login, exchange, ..
            } => Self::Pending {
                login,
                kept: None,
                exchange,
            },
            _ if expired => Self::Expired,
            _ => Self::Idle,
        }
    }

    /// The view of this state at `now_ms`; `configured` says whether the settings are valid.
    ///
    /// A user's cancel (`popup_closed`) is a neutral state, not a failure; a button whose settings
    /// are wrong tells the end user so in a short neutral text (the page author gets the detail in
    /// the console).
    pub fn view(&self, now_ms: u64, configured: bool) -> View {
        let (state, message) = match self {
            Self::Pending { .. } => ("pending", None),
            Self::Failed { error, .. } if error.code == ErrorCode::PopupClosed => {
                ("cancelled", Some("Login cancelled.".to_owned()))
            }
            Self::Failed { error, .. } => (
                "failed",
                Some(text(&["Login failed: ", &error.description])),
            ),
            Self::Expired => (
                "expired",
                Some("Your session expired. Please log in again.".to_owned()),
            ),
            _ if self.token(now_ms).is_some() => ("logged-in", None),
            _ if !configured => (
                "logged-out",
                Some("This login button is not set up yet.".to_owned()),
            ),
            _ => ("logged-out", None),
        };
        View {
            state,
            busy: state == "pending",
            message,
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::core::config::{Page, Settings};
    use crate::core::response::{implicit_token, parse};

    const NOW: u64 = 1_700_000_000_000;

    fn config(attrs: &str) -> Config {
        let page = Page {
            origin: "http://localhost:8080".into(),
            path: "/".into(),
        };
        Config::from_settings(&Settings::parse(attrs), &page).unwrap()
    }

    fn pending(byte: u8, started_at: u64) -> PendingLogin {
        let c = config("provider=google&client-id=abc&scope=a+b&timeout=60");
        PendingLogin::new(&c, State::from_random(&[byte; 32]), None, started_at)
    }

    fn held(byte: u8, expires_in: u32) -> Held {
        let raw = format!("access_token=t{byte}&token_type=bearer&expires_in={expires_in}");
        let token = implicit_token(
            &parse(&raw).unwrap(),
            &provider::CUSTOM,
            &Scopes::default(),
            NOW,
        )
        .unwrap();
        Held {
            token,
            preset: &provider::CUSTOM,
            key: "k".into(),
        }
    }

    #[test]
    fn records_round_trip_and_damage_is_refused() {
        let code = config("id=w1&client-id=spa&authorize-url=https%3A%2F%2Fid.example%2Fa&response-type=code&token-url=%2Ft&issuer=https%3A%2F%2Fid.example&storage=local&timeout=30");
        let login = PendingLogin::new(
            &code,
            State::from_random(&[3; 32]),
            Some("verifier".into()),
            NOW,
        );
        assert_eq!(
            PendingLogin::from_record(&login.to_record()),
            Some(login.clone())
        );
        assert_eq!(login.key, "#w1");
        let token = pending(1, NOW);
        assert_eq!(
            PendingLogin::from_record(&token.to_record()),
            Some(token.clone())
        );
        let without_verifier = PendingLogin {
            verifier: None,
            ..login
        };
        assert_eq!(
            PendingLogin::from_record(&without_verifier.to_record()),
            None
        );
        let damaged = token.to_record().replace("started_at=", "started_at=x");
        assert_eq!(PendingLogin::from_record(&damaged), None);
        for bad in [
            "",
            "state=s",
            "%%%",
            &token
                .to_record()
                .replace("provider=google", "provider=myspace"),
        ] {
            assert_eq!(PendingLogin::from_record(bad), None, "{bad}");
        }
    }

    #[test]
    fn selects_by_state_or_the_most_recent() {
        let logins = [pending(1, NOW), pending(2, NOW + 10), pending(3, NOW + 5)];
        assert_eq!(
            select_pending(Some(logins[2].state.as_str()), &logins),
            Some(2)
        );
        assert_eq!(select_pending(Some("nope"), &logins), None);
        assert_eq!(select_pending(None, &logins), Some(1));
        assert_eq!(select_pending(None, &[]), None);
    }

    #[test]
    fn the_deadline_follows_the_timeout() {
        let login = pending(1, NOW);
        assert_eq!(login.deadline(), NOW + 60_000);
        assert_eq!(
            timeout_error(&login, false).description,
            "no answer from the provider within 60 seconds; if the provider showed an error about \
             the redirect URI, register http://localhost:8080/ (callbackurl) with it"
        );
    }

    #[test]
    fn view_follows_the_state() {
        assert_eq!(
            Session::Idle.view(NOW, true),
            View {
                state: "logged-out",
                busy: false,
                message: None
            }
        );
        assert!(Session::Idle
            .view(NOW, false)
            .message
            .unwrap()
            .contains("not set up"));
        assert_eq!(
            Session::Idle.start(pending(1, NOW)).view(NOW, true).state,
            "pending"
        );
        let failed = Session::Idle.finish(Err(OAuthError::config("client-id is required")));
        assert_eq!(
            failed.view(NOW, true).message.as_deref(),
            Some("Login failed: client-id is required")
        );
        assert_eq!(Session::Expired.view(NOW, true).state, "expired");
        let cancelled =
            Session::Idle.finish(Err(OAuthError::new(ErrorCode::PopupClosed, "closed")));
        assert_eq!(
            (
                cancelled.view(NOW, true).state,
                cancelled.view(NOW, true).message.as_deref()
            ),
            ("cancelled", Some("Login cancelled."))
        );
        let session = Session::Idle.finish(Ok(held(1, 1)));
        assert_eq!(session.view(NOW, true).state, "logged-in");
        assert!(session.token(NOW + 999).is_some());
        assert!(session.token(NOW + 1000).is_none());
        assert_eq!(session.view(NOW + 1000, true).state, "logged-out");
    }

    #[test]
    fn a_failed_relogin_keeps_the_token_held_and_forgetting_keeps_the_login() {
        let session = Session::Idle.finish(Ok(held(1, 60)));
        let again = session.start(pending(2, NOW));
        assert_eq!(
            again.token(NOW).map(|h| h.token.access_token.secret()),
            Some("t1")
        );
        let failed = again
            .clone()
            .finish(Err(OAuthError::state_mismatch("forged")));
        assert_eq!(
            failed.token(NOW).map(|h| h.token.access_token.secret()),
            Some("t1")
        );
        assert_eq!(failed.view(NOW, true).state, "failed");
        let forgotten = again.forget(false);
        assert!(forgotten.pending().is_some() && forgotten.held().is_none());
        assert_eq!(
            Session::Idle.finish(Ok(held(1, 60))).forget(true),
            Session::Expired
        );
        assert_eq!(
            Session::Idle.finish(Ok(held(1, 60))).forget(false),
            Session::Idle
        );
    }
}
