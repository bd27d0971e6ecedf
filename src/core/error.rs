//! The one error type of a failed login: a contract error code plus the provider's details.
//!
//! Provider codes (`access_denied`, `invalid_scope`, ...) pass through unchanged; the widget's
//! own codes are the variants of [`ErrorCode`]. It becomes a JS `OAuthError` only at the
//! browser boundary (`web::js`).

use std::fmt;

/// What went wrong, as the `error` / `.code` string of the contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorCode {
    /// The element's attributes or `login()` options cannot make a valid request.
    InvalidConfig,
    /// The popup could not open and `fallback="none"`.
    PopupBlocked,
    /// The user closed the popup before it answered.
    PopupClosed,
    /// The response's `state` is missing or matches no login this browser started.
    StateMismatch,
    /// The response is malformed.
    InvalidResponse,
    /// No answer within the configured time.
    Timeout,
    /// `fetch()` was called without a token.
    LoginRequired,
    /// A code the provider sent, passed through as it came.
    Provider(String),
}

impl ErrorCode {
    /// The code as the contract spells it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::InvalidConfig => "invalid_config",
            Self::PopupBlocked => "popup_blocked",
            Self::PopupClosed => "popup_closed",
            Self::StateMismatch => "state_mismatch",
            Self::InvalidResponse => "invalid_response",
            Self::Timeout => "timeout",
            Self::LoginRequired => "login_required",
            Self::Provider(code) => code,
        }
    }
}

/// A failed login, as reported in `oauth-error` and by a rejected `login()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    /// The contract code.
    pub code: ErrorCode,
    /// A sentence for people: the provider's `error_description`, or the widget's own.
    pub description: String,
    /// The provider's `error_reason` (Instagram), if any.
    pub reason: Option<String>,
    /// The provider's `error_uri`, if any.
    pub uri: Option<String>,
}

impl OAuthError {
    /// An error of the widget's own, with no provider details.
    pub fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        Self { code, description: description.into(), reason: None, uri: None }
    }

    /// Shorthand for an `invalid_config` error.
    pub fn config(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidConfig, description)
    }

    /// Shorthand for an `invalid_response` error.
    pub fn response(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidResponse, description)
    }

    /// Shorthand for a `state_mismatch` error.
    pub fn state_mismatch(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::StateMismatch, description)
    }
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.description)
    }
}

impl std::error::Error for OAuthError {}
