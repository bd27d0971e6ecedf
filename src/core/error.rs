//! The one error type of a failed login: a contract code, a sentence for people, and the
//! provider's details. It becomes a JS `OAuthError` only at the browser edge, as the `detail` of
//! an `oauth-error` event.

use std::rc::Rc;

use super::contract::ErrorCode;

/// A failed login, as reported in `oauth-error` and by a rejected `login()`. Behind an `Rc`:
/// errors are returned and moved through every rule, and one pointer moves for less than four
/// strings; a copy (the failed attempt's, the page's broken discovery) only counts a reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError(Rc<Details>);

/// What an [`OAuthError`] says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Details {
    /// The contract code.
    pub code: ErrorCode,
    /// A sentence for people: the provider's `error_description`, or the widget's own.
    pub description: String,
    /// The provider's `error_reason` (Instagram), if any.
    pub reason: Option<String>,
    /// The provider's `error_uri`, if any.
    pub uri: Option<String>,
}

impl std::ops::Deref for OAuthError {
    type Target = Details;

    fn deref(&self) -> &Details {
        &self.0
    }
}

impl OAuthError {
    /// An error with all its details.
    pub fn with(
        code: ErrorCode,
        description: String,
        reason: Option<String>,
        uri: Option<String>,
    ) -> Self {
        Self(Rc::new(Details {
            code,
            description,
            reason,
            uri,
        }))
    }

    /// An error of the widget's own, with no provider details.
    pub fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        Self::with(code, description.into(), None, None)
    }

    /// An `invalid_config` error.
    pub fn config(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidConfig, description)
    }

    /// An `invalid_response` error.
    pub fn response(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidResponse, description)
    }

    /// A `state_mismatch` error.
    pub fn state(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::StateMismatch, description)
    }
}
