//! `POST /token`: the widget's token request, either grant, checked against the
//! configuration, relayed to the provider's token endpoint with the client secret added.
//!
//! - `grant_type=authorization_code`: `code`, `redirect_uri`, `client_id`, optionally
//!   `code_verifier` (RFC 6749 4.1.3, RFC 7636); the `redirect_uri` must be configured.
//! - `grant_type=refresh_token`: `refresh_token`, `client_id`, optionally `scope`
//!   (RFC 6749 section 6).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use server_kit::{Form, FormRejection};

use crate::config::Client;
use crate::log::shown;
use crate::request::{check_client, relay, Fields, KnownOrigin, Refusal};
use crate::upstream::Endpoint;
use crate::AppState;

/// The fields of an authorization code grant (public for the fuzz targets, which check the
/// exchange's refusals against them).
pub const AUTHORIZATION_CODE: Fields = Fields {
    what: "token request",
    required: &["grant_type", "code", "redirect_uri", "client_id"],
    optional: &["code_verifier"],
};

/// Every field of either grant: a field of neither is refused before the grant is known.
pub const EITHER: Fields = Fields {
    what: "token request",
    required: &[],
    optional: &[
        "grant_type",
        "code",
        "redirect_uri",
        "client_id",
        "code_verifier",
        "refresh_token",
        "scope",
    ],
};

/// The fields of a refresh token grant.
pub const REFRESH_TOKEN: Fields = Fields {
    what: "token request",
    required: &["grant_type", "refresh_token", "client_id"],
    optional: &["scope"],
};

/// `POST /token`.
pub async fn token(
    State(state): State<AppState>,
    origin: KnownOrigin,
    form: Result<Form, FormRejection>,
) -> Result<Response, Refusal> {
    let form = form?;
    EITHER.check_names(&form)?;
    let (fields, action) = match form.required("grant_type")? {
        "authorization_code" => (&AUTHORIZATION_CODE, "redeem codes"),
        "refresh_token" => (&REFRESH_TOKEN, "refresh tokens"),
        _ => return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Only grant_type=authorization_code and grant_type=refresh_token are exchanged here.",
        )),
    };
    fields.check(&form)?;
    let client = check_client(&state, &origin, &form, action)?;
    if let Some(redirect_uri) = form.get("redirect_uri") {
        check_redirect_uri(client, redirect_uri)?;
    }
    Ok(relay(
        &state,
        client,
        &client.token_endpoint,
        Endpoint::Token,
        &form,
    )
    .await)
}

/// A code is redeemed only for a configured redirect URI (compared as exact strings).
fn check_redirect_uri(client: &Client, redirect_uri: &str) -> Result<(), Refusal> {
    if client.allows_redirect_uri(redirect_uri) {
        return Ok(());
    }
    // The log leaves out any query or fragment: a page that sends its own address could
    // send a code with it.
    let path_only = redirect_uri.split(['?', '#']).next().unwrap_or_default();
    let logged_uri = if path_only.len() < redirect_uri.len() {
        format!("{}?...", shown(path_only, 200))
    } else {
        shown(redirect_uri, 200)
    };
    Err(Refusal::new(
        StatusCode::FORBIDDEN,
        "unauthorized_client",
        format!(
            "Redirect URI {} is not allowed for client {}.",
            shown(redirect_uri, 200),
            client.id
        ),
    )
    .for_client(&client.id)
    .logged_as(format!("redirect URI {logged_uri} is not allowed")))
}
