//! Response builders shared by every endpoint: a JSON body as it is, the 404 and 405
//! answers, and the headers that every response carries. Errors are
//! [`server_kit::OAuthError`]s.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use server_kit::OAuthError;

use crate::log::Outcome;

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

/// 404 for every path but the endpoints.
pub async fn not_found(uri: Uri) -> Response {
    let description = format!(
        "There is no endpoint at {}: use POST /token or POST /revoke.",
        uri.path()
    );
    OAuthError::new(StatusCode::NOT_FOUND, "invalid_request", description).into_response()
}

/// 405 with `Allow`, for a method an endpoint does not take.
pub fn method_not_allowed(allow: &'static str) -> Response {
    let description = format!("This endpoint takes only {allow}.");
    let mut response = OAuthError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "invalid_request",
        description,
    )
    .into_response();
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
