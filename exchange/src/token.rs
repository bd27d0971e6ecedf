//! `POST /token` and its `OPTIONS` preflight: check the widget's token request against the
//! configuration, add the client secret, and relay the provider's answer.
//!
//! The checks run cheapest first, and nothing reaches the provider until all have passed:
//! the origin (before the body is even read), the body's type, size and encoding, its
//! fields, then the client, its origins and its redirect URIs.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::config::Client;
use crate::cors::allowed_origin;
use crate::form;
use crate::log::{shown, Outcome};
use crate::reply::{json, oauth_error, with_outcome};
use crate::upstream::UpstreamError;
use crate::{AppState, MAX_REQUEST_BYTES};

/// The fields of the widget's token request (RFC 6749 section 4.1.3 plus RFC 7636's
/// `code_verifier`); the exchange takes these and no others.
const REQUIRED: [&str; 4] = ["grant_type", "code", "redirect_uri", "client_id"];
const OPTIONAL: [&str; 1] = ["code_verifier"];

/// A refusal: the status, the OAuth error code and the description the page gets.
struct Refusal {
    status: StatusCode,
    error: &'static str,
    description: String,
    /// What the log says instead of `description`, when that quotes a part of the body
    /// that could hold a code (a malformed body can put one anywhere).
    logged: Option<String>,
}

impl Refusal {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            description: description.into(),
            logged: None,
        }
    }

    fn logged_as(mut self, detail: impl Into<String>) -> Self {
        self.logged = Some(detail.into());
        self
    }

    fn bad_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    /// The response, logged with `client_id` when the request got that far.
    fn into_response(self, client_id: Option<&str>) -> Response {
        let detail = format!(
            "refused: {}",
            self.logged.as_deref().unwrap_or(&self.description)
        );
        let outcome = match client_id {
            Some(id) => Outcome::client(id, detail),
            None => Outcome::anonymous(detail),
        };
        with_outcome(
            oauth_error(self.status, self.error, &self.description),
            outcome,
        )
    }
}

/// `POST /token`.
pub async fn exchange(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let fields = match read_request(&state, &headers, body).await {
        Ok(fields) => fields,
        Err(refusal) => return refusal.into_response(None),
    };
    let client_id = value(&fields, "client_id");
    let client = match check_client(&state, &headers, &fields) {
        Ok(client) => client,
        Err(refusal) => return refusal.into_response(Some(client_id)),
    };

    match state.upstream().redeem(client, &fields).await {
        Ok(answer) => {
            let mut detail = format!(
                "provider answered {} in {} ms",
                answer.status.as_u16(),
                answer.elapsed.as_millis()
            );
            if let Some(error) = &answer.error {
                detail.push_str(&format!(" ({error})"));
            }
            with_outcome(
                json(answer.status, answer.body),
                Outcome::client(client_id, detail),
            )
        }
        Err(error) => {
            let description = match &error {
                // The page learns that it failed; the operator's log says why.
                UpstreamError::Unreachable(_) => {
                    "The provider's token endpoint could not be reached.".to_owned()
                }
                other => format!("The provider's token endpoint {other}."),
            };
            with_outcome(
                oauth_error(StatusCode::BAD_GATEWAY, "server_error", &description),
                Outcome::client(
                    client_id,
                    format!("provider at {} {error}", client.token_endpoint),
                ),
            )
        }
    }
}

/// Everything that needs no client: origin, content type, size, encoding and fields.
async fn read_request(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
) -> Result<Vec<(String, String)>, Refusal> {
    check_origin_known(state, headers)?;
    if !is_form(headers) {
        return Err(Refusal::bad_request(
            "The body must be a form: Content-Type: application/x-www-form-urlencoded.",
        ));
    }
    let too_large = || {
        Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request",
            format!("The request body is over {MAX_REQUEST_BYTES} bytes."),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_REQUEST_BYTES as u64) {
        return Err(too_large());
    }
    let read = Limited::new(body, MAX_REQUEST_BYTES).collect();
    let raw = match tokio::time::timeout(state.body_timeout(), read).await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) if e.is::<LengthLimitError>() => return Err(too_large()),
        Ok(Err(_)) => return Err(Refusal::bad_request("The request body could not be read.")),
        Err(_) => {
            return Err(Refusal::new(
                StatusCode::REQUEST_TIMEOUT,
                "invalid_request",
                format!(
                    "The request body did not arrive within {} s.",
                    state.body_timeout().as_secs_f32()
                ),
            ))
        }
    };
    let fields = form::parse(&raw).map_err(|e| {
        let refusal = Refusal::bad_request(format!("{e}."));
        match e {
            form::FormError::Repeated(_) => {
                refusal.logged_as("a parameter is given more than once")
            }
            form::FormError::BadEncoding => refusal,
        }
    })?;

    for (name, _) in &fields {
        if name == "client_secret" {
            return Err(Refusal::bad_request(
                "A page must not send a client secret: the exchange adds it.",
            ));
        }
        if !REQUIRED.contains(&name.as_str()) && !OPTIONAL.contains(&name.as_str()) {
            return Err(Refusal::bad_request(format!(
                "Parameter {} is not part of a token request.",
                shown(name, 40)
            ))
            .logged_as("a parameter that is not part of a token request"));
        }
    }
    for name in REQUIRED {
        if value(&fields, name).is_empty() {
            return Err(Refusal::bad_request(format!(
                "Required parameter `{name}` is missing."
            )));
        }
    }
    if value(&fields, "grant_type") != "authorization_code" {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Only grant_type=authorization_code is exchanged here.",
        ));
    }
    Ok(fields)
}

/// The client named by the request, if its origin and redirect URI are allowed.
fn check_client<'s>(
    state: &'s AppState,
    headers: &HeaderMap,
    fields: &[(String, String)],
) -> Result<&'s Client, Refusal> {
    let client_id = value(fields, "client_id");
    let client = state.config().client(client_id).ok_or_else(|| {
        Refusal::new(
            StatusCode::FORBIDDEN,
            "invalid_client",
            format!(
                "Client {} is not configured on this exchange.",
                shown(client_id, 64)
            ),
        )
    })?;
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !client.allows_origin(origin) {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "unauthorized_client",
            format!(
                "Origin {} may not redeem codes for client {}.",
                shown(origin, 80),
                client.id
            ),
        ));
    }
    let redirect_uri = value(fields, "redirect_uri");
    if !client.allows_redirect_uri(redirect_uri) {
        // The log leaves out any query or fragment: a page that sends its own address
        // could send a code with it.
        let path_only = redirect_uri.split(['?', '#']).next().unwrap_or_default();
        let logged_uri = if path_only.len() < redirect_uri.len() {
            format!("{}?...", shown(path_only, 200))
        } else {
            shown(redirect_uri, 200)
        };
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "unauthorized_client",
            format!(
                "Redirect URI {} is not allowed for client {}.",
                shown(redirect_uri, 200),
                client.id
            ),
        )
        .logged_as(format!("redirect URI {logged_uri} is not allowed")));
    }
    Ok(client)
}

/// A request without an `Origin` of a configured page is refused before its body is read.
fn check_origin_known(state: &AppState, headers: &HeaderMap) -> Result<(), Refusal> {
    if allowed_origin(state, headers).is_some() {
        return Ok(());
    }
    let description = match headers.get(header::ORIGIN) {
        None => "The request has no Origin header: the exchange answers pages of configured origins only.".to_owned(),
        Some(origin) => format!(
            "Origin {} is not allowed to use this exchange.",
            shown(&String::from_utf8_lossy(origin.as_bytes()), 80)
        ),
    };
    Err(Refusal::new(
        StatusCode::FORBIDDEN,
        "unauthorized_client",
        description,
    ))
}

/// `OPTIONS /token`: the CORS preflight. Allowed origins get the methods and headers a
/// token request uses (the `cors` middleware adds `Access-Control-Allow-Origin`).
pub async fn preflight(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(refusal) = check_origin_known(&state, &headers) {
        return refusal.into_response(None);
    }
    let response = (
        StatusCode::NO_CONTENT,
        [
            (
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("POST"),
            ),
            (
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("Content-Type"),
            ),
            (
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            ),
        ],
    )
        .into_response();
    with_outcome(response, Outcome::anonymous("preflight allowed"))
}

/// The value of `name`, or `""` when absent (the form has no repeated names).
fn value<'f>(fields: &'f [(String, String)], name: &str) -> &'f str {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map_or("", |(_, v)| v.as_str())
}

/// Whether the request declares an `application/x-www-form-urlencoded` body.
fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            mime.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}
