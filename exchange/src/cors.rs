//! CORS for `/token` and `/revoke`: a page of an allowed origin may read the exchange's answers, and no
//! other page may.
//!
//! An origin is "allowed" here when any configured client lists it. Which client a request
//! is for is only known once its body is read, and a preflight has no body; the handler
//! then refuses a request whose origin its own client does not list, and that refusal is
//! readable by the page so its author sees why.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// The request's `Origin`, when it is one that some client allows.
pub fn allowed_origin<'a>(state: &AppState, headers: &'a HeaderMap) -> Option<&'a str> {
    headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|origin| state.allows_origin(origin))
}

/// Middleware: `Access-Control-Allow-Origin` for allowed origins only, and `Vary: Origin`
/// always, so that no cache serves one origin's answer to another.
pub async fn add_headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let origin =
        allowed_origin(&state, request.headers()).and_then(|o| HeaderValue::from_str(o).ok());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = origin {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    response
}
