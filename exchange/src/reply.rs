//! Response builders shared by every endpoint: the OAuth-shaped JSON error, the 404 and
//! 405 answers, and the headers that every response carries.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use crate::log::Outcome;

/// `{"error":..,"error_description":..}` (RFC 6749 section 5.2) with `status`.
pub fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = serde_json::json!({ "error": error, "error_description": description });
    json(status, Bytes::from(body.to_string()))
}

/// A JSON body, passed as it is.
pub fn json(status: StatusCode, body: Bytes) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        Body::from(body),
    )
        .into_response()
}

/// Attaches what the log line should say about this response.
pub fn with_outcome(mut response: Response, outcome: Outcome) -> Response {
    response.extensions_mut().insert(outcome);
    response
}

/// 404 for every path but the two endpoints.
pub async fn not_found(uri: Uri) -> Response {
    let description = format!("There is no endpoint at {}: use POST /token.", uri.path());
    oauth_error(StatusCode::NOT_FOUND, "invalid_request", &description)
}

/// 405 with `Allow`, for a method an endpoint does not take.
pub fn method_not_allowed(allow: &'static str) -> Response {
    let description = format!("This endpoint takes only {allow}.");
    let mut response = oauth_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "invalid_request",
        &description,
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    response
}

/// Headers on every response: nothing here may be cached (RFC 6749 section 5.1 for token
/// answers, and an error is no better kept), nor sniffed as another type.
pub async fn common_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}
