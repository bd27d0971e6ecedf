//! The login state machine: one enum, pure transitions, and the view the button renders from.
//!
//! A widget is [`Session::Idle`], [`Session::Pending`] while the provider has the user,
//! [`Session::Authenticated`] with a token, [`Session::Failed`] after an error, or
//! [`Session::Expired`] when its token ran out. A [`PendingLogin`] is also what a redirect login
//! keeps in `sessionStorage` across the round trip, so it serializes to a record.

use super::config::Config;
use super::error::{ErrorCode, OAuthError};
use super::params::Params;
use super::provider::{self, Preset};
use super::request::{Scopes, State};
use super::response::{self, Token};

/// A login that has been started and not yet answered.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingLogin {
    /// Its CSRF state.
    pub state: State,
    /// The widget it belongs to ([`Config::key`]).
    pub key: String,
    /// The provider, which decides how the response is read.
    pub preset: &'static Preset,
    /// The scopes requested, reported when the provider names none.
    pub scopes: Scopes,
    /// When it started, in ms since the epoch.
    pub started_at: u64,
    /// How long it may take, in seconds.
    pub timeout_secs: u32,
}

impl PendingLogin {
    /// Starts a login for `config` with `state` at `now_ms`.
    pub fn new(config: &Config, state: State, now_ms: u64) -> Self {
        Self {
            state,
            key: config.key.clone(),
            preset: config.preset,
            scopes: config.scopes.clone(),
            started_at: now_ms,
            timeout_secs: config.timeout_secs,
        }
    }

    /// When this login times out, in ms since the epoch.
    pub fn deadline(&self) -> u64 {
        self.started_at.saturating_add(u64::from(self.timeout_secs) * 1000)
    }

    /// Reads the response meant for this login: its state, then RFC 6749's rules. A response that
    /// arrives after the deadline (a redirect that took too long) is refused with `timeout`.
    pub fn resolve(&self, raw: &str, now_ms: u64) -> Result<Token, OAuthError> {
        if now_ms > self.deadline() {
            return Err(timeout_error(self.timeout_secs));
        }
        let params = response::parse(raw)?;
        response::check_state(&params, &self.state)?;
        response::interpret(&params, self.preset, &self.scopes, now_ms)
    }

    /// Serializes for `sessionStorage` (a redirect login).
    pub fn to_record(&self) -> String {
        let mut p = Params::default();
        p.set("state", self.state.as_str());
        p.set("key", &self.key);
        p.set("provider", self.preset.id);
        p.set("scope", &self.scopes.join(" "));
        p.set("started_at", &self.started_at.to_string());
        p.set("timeout", &self.timeout_secs.to_string());
        p.encode()
    }

    /// Reads a record back; `None` for anything damaged.
    pub fn from_record(record: &str) -> Option<Self> {
        let p = Params::parse(record).ok()?;
        let preset = match p.get("provider")? {
            "custom" => &provider::CUSTOM,
            id => provider::find(id)?,
        };
        Some(Self {
            state: State::from_stored(p.get("state").filter(|s| !s.is_empty())?),
            key: p.get("key")?.to_owned(),
            preset,
            scopes: Scopes::parse(p.get("scope")?),
            started_at: p.get("started_at")?.parse().ok()?,
            timeout_secs: p.get("timeout")?.parse().ok()?,
        })
    }
}

/// The error of a login that ran out of time.
pub fn timeout_error(secs: u32) -> OAuthError {
    OAuthError::new(ErrorCode::Timeout, format!("no answer from the provider within {secs} seconds"))
}

/// Picks which of this tab's pending redirect logins a response is for, given the response's
/// `state` ([`response::state_of`]): the one with that state, or, when it carries none or cannot
/// be read, the most recent (an error response without state is reported there; anything else
/// then fails its state check).
pub fn select_pending<'a>(state: Option<&str>, pending: &'a [PendingLogin]) -> Option<&'a PendingLogin> {
    match state {
        Some(state) => pending.iter().find(|p| p.state.matches(state)),
        None => pending.iter().max_by_key(|p| p.started_at),
    }
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
    /// Waiting for the provider's answer.
    Pending {
        /// The login under way.
        login: PendingLogin,
        /// The token held before it started, if any.
        kept: Option<Token>,
    },
    /// Holding a token.
    Authenticated(Token),
    /// The last login failed.
    Failed {
        /// Why.
        error: OAuthError,
        /// The token held before it started, if any.
        kept: Option<Token>,
    },
    /// The token ran out.
    Expired,
}

/// What the button shows, derived from the session alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// Whether a login is under way (`aria-busy`, spinner).
    pub busy: bool,
    /// Whether a token is held.
    pub logged_in: bool,
    /// A message to show as text under the button, if any.
    pub message: Option<String>,
}

impl Session {
    /// The token held, expired or not.
    fn held(&self) -> Option<&Token> {
        match self {
            Self::Authenticated(token) => Some(token),
            Self::Pending { kept, .. } | Self::Failed { kept, .. } => kept.as_ref(),
            Self::Idle | Self::Expired => None,
        }
    }

    /// The token, while one is held and unexpired at `now_ms`.
    pub fn token(&self, now_ms: u64) -> Option<&Token> {
        self.held().filter(|token| !token.is_expired(now_ms))
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
        Self::Pending { kept: self.held().cloned(), login }
    }

    /// The state after the pending login's result (a success replaces any kept token).
    pub fn finish(self, result: Result<Token, OAuthError>) -> Self {
        match result {
            Ok(token) => Self::Authenticated(token),
            Err(error) => Self::Failed { kept: self.held().cloned(), error },
        }
    }

    /// The view of this state at `now_ms`.
    pub fn view(&self, now_ms: u64) -> View {
        let message = match self {
            Self::Failed { error, .. } => Some(format!("Login failed: {}", error.description)),
            Self::Expired => Some("Your session expired. Please log in again.".to_owned()),
            _ => None,
        };
        View { busy: self.pending().is_some(), logged_in: self.token(now_ms).is_some(), message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::{PageLocation, Settings};

    const NOW: u64 = 1_700_000_000_000;

    fn config(key_id: Option<&str>, timeout: &str) -> Config {
        let pairs = [("provider", "instagram"), ("client-id", "abc"), ("scope", "basic comments"), ("timeout", timeout)];
        let settings = Settings::read(|a| pairs.iter().find(|(n, _)| *n == a.name).map(|(_, v)| v.to_string()));
        let page = PageLocation { origin: "http://localhost:8080".into(), pathname: "/".into() };
        Config::from_settings(&settings, &page, key_id).unwrap()
    }

    fn pending(byte: u8, started_at: u64) -> PendingLogin {
        PendingLogin::new(&config(None, "60"), State::from_random([byte; 32]), started_at)
    }

    #[test]
    fn resolves_its_own_response_only() {
        let login = pending(1, NOW);
        let ok = format!("access_token=t&expires_in=10&state={}", login.state.as_str());
        let token = login.resolve(&ok, NOW + 5).unwrap();
        assert_eq!((token.token_type.as_str(), token.scope.len()), ("bearer", 2));
        let other = pending(2, NOW);
        assert_eq!(other.resolve(&ok, NOW).unwrap_err().code, ErrorCode::StateMismatch);
    }

    #[test]
    fn a_late_response_times_out() {
        let login = pending(1, NOW);
        let ok = format!("access_token=t&state={}", login.state.as_str());
        assert!(login.resolve(&ok, login.deadline()).is_ok());
        let err = login.resolve(&ok, login.deadline() + 1).unwrap_err();
        assert_eq!((err.code, err.description.as_str()), (ErrorCode::Timeout, "no answer from the provider within 60 seconds"));
    }

    #[test]
    fn records_round_trip_and_damage_is_refused() {
        let login = PendingLogin::new(&config(Some("w1"), "30"), State::from_random([3; 32]), NOW);
        assert_eq!(PendingLogin::from_record(&login.to_record()), Some(login.clone()));
        let custom = PendingLogin { preset: &provider::CUSTOM, ..login };
        assert_eq!(PendingLogin::from_record(&custom.to_record()), Some(custom));
        for bad in ["", "state=s", "state=&key=k&provider=custom&scope=&started_at=1&timeout=1", "state=s&key=k&provider=myspace&scope=&started_at=1&timeout=1", "state=s&key=k&provider=custom&scope=&started_at=inf&timeout=1", "state=s&key=k&provider=custom&scope=&started_at=1.5&timeout=1"] {
            assert_eq!(PendingLogin::from_record(bad), None, "{bad}");
        }
    }

    #[test]
    fn selects_by_state_or_the_most_recent() {
        let logins = [pending(1, NOW), pending(2, NOW + 10), pending(3, NOW + 5)];
        let with_state = format!("access_token=t&state={}", logins[2].state.as_str());
        let select = |raw: &str, logins| select_pending(response::state_of(raw).as_deref(), logins);
        assert_eq!(select(&with_state, &logins), Some(&logins[2]));
        assert_eq!(select("access_token=t&state=nope", &logins), None);
        assert_eq!(select("error=access_denied", &logins), Some(&logins[1]));
        assert_eq!(select("a=%zz", &logins), Some(&logins[1]));
        assert_eq!(select("error=access_denied", &[]), None);
    }

    #[test]
    fn view_follows_the_state() {
        assert_eq!(Session::Idle.view(NOW), View { busy: false, logged_in: false, message: None });
        assert!(Session::Idle.start(pending(1, NOW)).view(NOW).busy);
        let failed = Session::Idle.finish(Err(OAuthError::config("client-id is required")));
        assert_eq!(failed.view(NOW).message.as_deref(), Some("Login failed: client-id is required"));
        assert!(Session::Expired.view(NOW).message.is_some());
        let session = Session::Idle.finish(Ok(token(1, 1)));
        assert!(session.view(NOW).logged_in);
        assert!(session.token(NOW + 999).is_some());
        assert!(session.token(NOW + 1000).is_none());
        assert!(!session.view(NOW + 1000).logged_in);
        assert!(session.pending().is_none());
    }

    fn token(byte: u8, expires_in: u32) -> Token {
        let login = pending(byte, NOW);
        login.resolve(&format!("access_token=t{byte}&expires_in={expires_in}&state={}", login.state.as_str()), NOW).unwrap()
    }

    #[test]
    fn a_failed_relogin_keeps_the_token_held() {
        let held = Session::Idle.finish(Ok(token(1, 60)));
        let pending_again = held.start(pending(2, NOW));
        assert_eq!(pending_again.token(NOW).map(|t| t.access_token.secret()), Some("t1"));
        let failed = pending_again.finish(Err(OAuthError::state_mismatch("forged")));
        assert_eq!(failed.token(NOW).map(|t| t.access_token.secret()), Some("t1"));
        let view = failed.view(NOW);
        assert!(view.logged_in && view.message.is_some());
        let replaced = failed.start(pending(3, NOW)).finish(Ok(token(3, 60)));
        assert_eq!(replaced.token(NOW).map(|t| t.access_token.secret()), Some("t3"));
    }
}
