//! The OAuth error answer of RFC 6749 section 5.2 (also RFC 7009's revocation errors):
//! a JSON object with `error` and `error_description`, never cached.

use std::fmt;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{Map, Value};

/// An OAuth error: the HTTP status, the `error` code and a description for the developer.
///
/// Its response is `{"error":..,"error_description":..}` (plus any [`OAuthError::with_field`]
/// extras) with `Cache-Control: no-store` and `Pragma: no-cache`, and `WWW-Authenticate`
/// when one was set.
#[derive(Debug, Clone, PartialEq)]
pub struct OAuthError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The error code (`invalid_request`, `invalid_grant`, ...).
    pub error: &'static str,
    /// What went wrong, for the developer reading it.
    pub description: String,
    /// A `WWW-Authenticate` challenge to send (RFC 6749 5.2 for `invalid_client`).
    pub challenge: Option<&'static str>,
    /// More members of the JSON object, for a server with a richer error shape.
    pub extra: Map<String, Value>,
}

impl OAuthError {
    /// An error with any status.
    pub fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            description: description.into(),
            challenge: None,
            extra: Map::new(),
        }
    }

    /// `400 invalid_request`: a missing, repeated or malformed parameter.
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    /// `400` with another code (`invalid_grant`, `unsupported_grant_type`, ...).
    pub fn bad_request(error: &'static str, description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, error, description)
    }

    /// `401 invalid_client`: the client could not be authenticated.
    pub fn invalid_client(description: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_client", description)
    }

    /// `500 server_error`.
    pub fn server_error(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            description,
        )
    }

    /// `400 invalid_request` naming a required parameter that is absent or empty.
    pub fn missing(name: &str) -> Self {
        Self::invalid_request(format!("Required parameter `{name}` is missing."))
    }

    /// Adds a `WWW-Authenticate` challenge to the answer.
    pub fn with_challenge(mut self, challenge: &'static str) -> Self {
        self.challenge = Some(challenge);
        self
    }

    /// Adds a member to the JSON object (it never replaces `error` or `error_description`).
    pub fn with_field(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(name.to_owned(), value.into());
        self
    }

    /// The JSON object of the answer.
    pub fn body(&self) -> Value {
        let mut body = self.extra.clone();
        body.insert("error".into(), Value::from(self.error));
        body.insert(
            "error_description".into(),
            Value::from(self.description.as_str()),
        );
        Value::Object(body)
    }
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error, self.description)
    }
}

impl std::error::Error for OAuthError {}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            [
                (header::CACHE_CONTROL, "no-store"),
                (header::PRAGMA, "no-cache"),
            ],
            Json(self.body()),
        )
            .into_response();
        if let Some(challenge) = self.challenge {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;

    #[tokio::test]
    async fn renders_the_rfc_shape_with_status_and_headers() {
        let error = OAuthError::invalid_client("Wrong secret.")
            .with_challenge("Basic realm=\"x\"")
            .with_field("code", 401);
        let response = error.into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let headers = response.headers();
        assert_eq!(headers[header::CACHE_CONTROL], "no-store");
        assert_eq!(headers[header::PRAGMA], "no-cache");
        assert_eq!(headers[header::WWW_AUTHENTICATE], "Basic realm=\"x\"");
        assert!(headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        let body = to_bytes(response.into_body(), 4096).await.unwrap();
        let json: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": "invalid_client", "error_description": "Wrong secret.", "code": 401})
        );
    }

    #[test]
    fn extras_never_replace_the_standard_members() {
        let error = OAuthError::missing("code").with_field("error", "forged");
        assert_eq!(error.body()["error"], "invalid_request");
        assert_eq!(
            error.body()["error_description"],
            "Required parameter `code` is missing."
        );
        assert_eq!(
            error.to_string(),
            "invalid_request: Required parameter `code` is missing."
        );
    }
}
