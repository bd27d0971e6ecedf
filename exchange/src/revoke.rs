//! `POST /revoke`: a page's token revocation (RFC 7009), relayed with the client secret to
//! the provider's revocation endpoint, for clients whose configuration names one.
//!
//! The fields are RFC 7009's, `token` and optionally `token_type_hint`, plus `client_id`
//! (the page is a public client of the exchange; the exchange authenticates it to the
//! provider). A provider's success is usually `200` with an empty body, relayed as it is.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use server_kit::{Form, FormRejection};

use crate::request::{check_client, relay, Fields, KnownOrigin, Refusal};
use crate::upstream::Endpoint;
use crate::AppState;

/// The fields of a revocation request (RFC 7009 2.1; public for the fuzz targets).
pub const REVOCATION: Fields = Fields {
    what: "revocation request",
    required: &["token", "client_id"],
    optional: &["token_type_hint"],
};

/// `POST /revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    origin: KnownOrigin,
    form: Result<Form, FormRejection>,
) -> Result<Response, Refusal> {
    let form = form?;
    REVOCATION.check(&form)?;
    let client = check_client(&state, &origin, &form, "revoke tokens")?;
    let Some(url) = &client.revocation_endpoint else {
        return Err(Refusal::new(
            StatusCode::FORBIDDEN,
            "unauthorized_client",
            format!(
                "Client {} has no revocation_endpoint in this exchange's configuration, so its tokens cannot be revoked here.",
                client.id
            ),
        )
        .for_client(&client.id));
    };
    Ok(relay(&state, client, url, Endpoint::Revocation, &form).await)
}
