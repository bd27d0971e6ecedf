//! The one error type of a failed login: a contract error code plus the provider's details.
//!
//! Provider codes (`access_denied`, `invalid_scope`, ...) pass through unchanged; the widget's
//! own codes are declared once here, with their meanings (which the manifest and the `.d.ts` are
//! generated from). An error becomes a JS `OAuthError` only at the boundary, as the `detail`
//! JSON of one command (see `core::widget`).

use super::json::Writer;

macro_rules! widget_codes {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $meaning:literal; )*) => {
        /// What went wrong, as the `error` / `.code` string of the contract.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )*
            /// A code the provider sent, passed through as it came.
            Provider(String),
        }

        impl ErrorCode {
            /// The code as the contract spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $code, )*
                    Self::Provider(code) => code,
                }
            }
        }

        /// The widget's own codes with their meanings, for the generated manifest and types.
        #[cfg(not(target_arch = "wasm32"))]
        pub const WIDGET_CODES: &[(&str, &str)] = &[$( ($code, $meaning) ),*];
    };
}

widget_codes! {
    /// The settings cannot make a valid request.
    InvalidConfig = "invalid_config", "missing `client-id`, unknown `provider`, an `authorize-url` that is not https (loopback aside), a bad `response-type`, `token-url`, `extra-params`, `mode`, `fallback`, `storage` or `timeout`, a `client-secret` attribute";
    /// The popup could not open and `fallback="none"`.
    PopupBlocked = "popup_blocked", "the popup could not open and `fallback=\"none\"`";
    /// The user closed the popup before it answered.
    PopupClosed = "popup_closed", "the user closed the popup before it answered";
    /// The response's `state` is missing or matches no login this browser started.
    StateMismatch = "state_mismatch", "the response's `state` is missing, or matches no login that this browser started";
    /// The response is malformed.
    InvalidResponse = "invalid_response", "a malformed response: bad percent-encoding, a parameter given twice, no `access_token`, no `token_type`, a bad `expires_in`, an `iss` that is not `issuer`, a token endpoint answer that is not OAuth JSON, ...";
    /// No answer within the configured time.
    Timeout = "timeout", "no answer within `timeout` seconds";
    /// `fetch()` was called without a token.
    LoginRequired = "login_required", "`fetch()` without a token";
    /// The token request could not reach `token-url`.
    NetworkError = "network_error", "the token request could not reach `token-url` (refused, unreachable, or blocked by CORS)";
    /// The browser refused something the widget needed (storage, navigation).
    BrowserRefused = "browser_refused", "the browser refused what the login needs: `sessionStorage` for a redirect login, or leaving the page";
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
        Self {
            code,
            description: description.into(),
            reason: None,
            uri: None,
        }
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

    /// The `oauth-error` detail: `{ error, description, reason, uri }`. The JS `OAuthError`
    /// is made from this very object, so the two can never differ.
    pub fn write_detail(&self, out: &mut Writer) {
        out.open_object();
        out.key("error").string(self.code.as_str());
        out.key("description").string(&self.description);
        out.key("reason").opt_string(self.reason.as_deref());
        out.key("uri").opt_string(self.uri.as_deref());
        out.close_object();
    }
}

/// Joins text pieces into one `String` without `format!`, which would pull `core::fmt` into the
/// wasm module.
pub fn text(pieces: &[&str]) -> String {
    join(pieces, "")
}

/// Joins `pieces` with `separator`: the crate's one joiner. std's `join` and `concat` add a
/// large copy of their code to the wasm for each element type (measured: two, 950 B each).
pub fn join<S: AsRef<str>>(pieces: &[S], separator: &str) -> String {
    let mut out = String::new();
    for (i, piece) in pieces.iter().enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        out.push_str(piece.as_ref());
    }
    out
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn codes_spell_as_the_contract_says() {
        assert_eq!(ErrorCode::InvalidConfig.as_str(), "invalid_config");
        assert_eq!(ErrorCode::NetworkError.as_str(), "network_error");
        assert_eq!(
            ErrorCode::Provider("access_denied".into()).as_str(),
            "access_denied"
        );
        let listed: Vec<&str> = WIDGET_CODES.iter().map(|(c, _)| *c).collect();
        assert_eq!(
            listed,
            [
                "invalid_config",
                "popup_blocked",
                "popup_closed",
                "state_mismatch",
                "invalid_response",
                "timeout",
                "login_required",
                "network_error",
                "browser_refused"
            ]
        );
    }

    #[test]
    fn the_detail_is_json_with_nulls() {
        let mut out = Writer::default();
        OAuthError::config("a \"quoted\" <b>").write_detail(&mut out);
        assert_eq!(
            out.finish(),
            r#"{"error":"invalid_config","description":"a \"quoted\" <b>","reason":null,"uri":null}"#
        );
    }
}
