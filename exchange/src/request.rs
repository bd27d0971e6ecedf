//! What `/token` and `/revoke` share: the `Origin` check made before the body is read, the
//! refusals and how they are logged, the field and client checks, the CORS preflight, and
//! relaying the request to the provider.
//!
//! The checks run cheapest first, and nothing reaches the provider until all have passed:
//! the origin, the body's type, size and encoding, its fields, then the client and its
//! origins (and, for a code, its redirect URIs).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use server_kit::{Form, FormRejection, OAuthError};
use url::Url;

use crate::config::Client;
use crate::cors::allowed_origin;
use crate::log::{shown, Outcome};
use crate::reply::{json, with_outcome};
use crate::upstream::{Endpoint, UpstreamError};
use crate::AppState;

/// A refusal: the OAuth error the page gets, and what the log line says of it.
#[derive(Debug)]
pub struct Refusal {
    /// Boxed: a refusal travels through every `Result` of a request, which stays small.
    error: Box<OAuthError>,
    /// What the log says instead of the description, when that quotes a part of the body
    /// that could hold a code or a token (a malformed body can put one anywhere).
    logged: Option<String>,
    /// The `client_id` the request named, once it got that far.
    client_id: Option<String>,
}

impl Refusal {
    /// A refusal with any status.
    pub fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        OAuthError::new(status, error, description).into()
    }

    /// `400 invalid_request`.
    pub fn bad_request(description: impl Into<String>) -> Self {
        OAuthError::invalid_request(description).into()
    }

    /// Logs `detail` instead of the description.
    pub fn logged_as(mut self, detail: impl Into<String>) -> Self {
        self.logged = Some(detail.into());
        self
    }

    /// Names the client in the log line.
    pub fn for_client(mut self, client_id: &str) -> Self {
        self.client_id = Some(client_id.to_owned());
        self
    }
}

impl From<OAuthError> for Refusal {
    fn from(error: OAuthError) -> Self {
        Self {
            error: Box::new(error),
            logged: None,
            client_id: None,
        }
    }
}

impl From<FormRejection> for Refusal {
    fn from(rejection: FormRejection) -> Self {
        // These quote a name or an escape from the body: the page reads them, the log not.
        let logged = match &rejection {
            FormRejection::Repeated(_) => Some("a parameter is given more than once"),
            FormRejection::BadEncoding(_) => Some("the body is not valid form encoding"),
            FormRejection::ValueTooLong(_) => Some("a parameter is too long"),
            _ => None,
        };
        Self {
            logged: logged.map(str::to_owned),
            ..OAuthError::from(rejection).into()
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let detail = format!(
            "refused: {}",
            self.logged.as_deref().unwrap_or(&self.error.description)
        );
        let outcome = match &self.client_id {
            Some(id) => Outcome::client(id, detail),
            None => Outcome::anonymous(detail),
        };
        with_outcome(self.error.into_response(), outcome)
    }
}

/// The request's `Origin`, one that some client allows. As an extractor it runs before the
/// body is read, so a page of another origin is refused without reading a byte of it.
#[derive(Debug, Clone)]
pub struct KnownOrigin(pub String);

impl FromRequestParts<AppState> for KnownOrigin {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Refusal> {
        if let Some(origin) = allowed_origin(state, &parts.headers) {
            return Ok(Self(origin.to_owned()));
        }
        let description = match parts.headers.get(header::ORIGIN) {
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
}

/// The fields one kind of request takes; the exchange forwards these and no others.
pub struct Fields {
    /// What the request is, for messages ("token request").
    pub what: &'static str,
    /// Fields that must be present and non-empty.
    pub required: &'static [&'static str],
    /// Fields that may be present.
    pub optional: &'static [&'static str],
}

impl Fields {
    /// Refuses a secret, a field this kind does not take, and a missing required one.
    pub fn check(&self, form: &Form) -> Result<(), Refusal> {
        self.check_names(form)?;
        for name in self.required {
            form.required(name)?;
        }
        Ok(())
    }

    /// Refuses a secret and a field this kind does not take.
    pub fn check_names(&self, form: &Form) -> Result<(), Refusal> {
        refuse_secret(form)?;
        for (name, _) in form.pairs() {
            let name = name.as_str();
            if !self.required.contains(&name) && !self.optional.contains(&name) {
                return Err(Refusal::bad_request(format!(
                    "Parameter {} is not part of a {}.",
                    shown(name, 40),
                    self.what
                ))
                .logged_as(format!("a parameter that is not part of a {}", self.what)));
            }
        }
        Ok(())
    }
}

/// A page must never hold a secret, so one in its request is a mistake worth naming.
pub fn refuse_secret(form: &Form) -> Result<(), Refusal> {
    if form.contains("client_secret") {
        return Err(Refusal::bad_request(
            "A page must not send a client secret: the exchange adds it.",
        ));
    }
    Ok(())
}

/// The client the request names, if it is configured and allows the page's origin.
/// `action` says what the page tried, for the refusal ("redeem codes").
pub fn check_client<'s>(
    state: &'s AppState,
    origin: &KnownOrigin,
    form: &Form,
    action: &str,
) -> Result<&'s Client, Refusal> {
    let client_id = form.get("client_id").unwrap_or_default();
    let refuse = |error, description: String| {
        Refusal::new(StatusCode::FORBIDDEN, error, description).for_client(client_id)
    };
    let client = state.config().client(client_id).ok_or_else(|| {
        refuse(
            "invalid_client",
            format!(
                "Client {} is not configured on this exchange.",
                shown(client_id, 64)
            ),
        )
    })?;
    if !client.allows_origin(&origin.0) {
        return Err(refuse(
            "unauthorized_client",
            format!(
                "Origin {} may not {action} for client {}.",
                shown(&origin.0, 80),
                client.id
            ),
        ));
    }
    Ok(client)
}

/// `OPTIONS /token` and `OPTIONS /revoke`: the CORS preflight. Allowed origins get the
/// methods and headers a page's request uses (the `cors` middleware adds
/// `Access-Control-Allow-Origin`); others were refused by [`KnownOrigin`].
pub async fn preflight(_origin: KnownOrigin) -> Response {
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

/// Sends the page's fields with `client`'s secret to `url` and answers with the provider's
/// status and JSON; a provider that fails is a `502 server_error`.
pub async fn relay(
    state: &AppState,
    client: &Client,
    url: &Url,
    endpoint: Endpoint,
    form: &Form,
) -> Response {
    match state
        .upstream()
        .post(client, url, endpoint, form.pairs())
        .await
    {
        Ok(answer) => {
            let mut detail = format!(
                "provider answered {} in {} ms",
                answer.status.as_u16(),
                answer.elapsed.as_millis()
            );
            if let Some(error) = &answer.error {
                detail.push_str(&format!(" ({error})"));
            }
            let response = if answer.body.is_empty() {
                answer.status.into_response()
            } else {
                json(answer.status, answer.body)
            };
            with_outcome(response, Outcome::client(&client.id, detail))
        }
        Err(error) => {
            let description = match &error {
                // The page learns that it failed; the operator's log says why.
                UpstreamError::Unreachable(_) => {
                    format!("The provider's {} could not be reached.", endpoint.name())
                }
                other => format!("The provider's {} {other}.", endpoint.name()),
            };
            with_outcome(
                OAuthError::new(StatusCode::BAD_GATEWAY, "server_error", description)
                    .into_response(),
                Outcome::client(&client.id, format!("provider at {url} {error}")),
            )
        }
    }
}
