//! `POST /revoke`: token revocation (RFC 7009).
//!
//! The client authenticates as at the token endpoint (a public client names itself with
//! `client_id`). Revoking an access token revokes it alone; revoking a refresh token
//! revokes its whole family, every access and refresh token of that login. An unknown or
//! already revoked token is still a `200` (RFC 7009 2.2): the client's goal is reached.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use server_kit::{Form, FormRejection, OAuthError};

use crate::client_auth::{authenticate, describe};
use crate::tokens::Revoked;
use crate::{AppState, Records, RevocationRecord};

/// `POST /revoke`.
pub async fn revoke(
    State(st): State<AppState>,
    headers: HeaderMap,
    form: Result<Form, FormRejection>,
) -> Response {
    let result = match &form {
        Ok(form) => revoke_token(&st, &headers, form),
        Err(rejection) => Err(rejection.clone().into()),
    };
    let (response, kind) = match result {
        Ok(kind) => {
            let ok = (StatusCode::OK, [(header::CACHE_CONTROL, "no-store")]);
            (ok.into_response(), Some(kind.as_str()))
        }
        Err(error) => (error.into_response(), None),
    };
    if st.config().test_controls {
        let (auth, client_id, _) = describe(&headers, form.as_ref().ok());
        let record = RevocationRecord {
            client_id,
            token_type_hint: form
                .as_ref()
                .ok()
                .and_then(|f| f.get("token_type_hint"))
                .map(str::to_owned),
            token_kind: kind,
            auth,
            origin: headers
                .get(header::ORIGIN)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            status: response.status().as_u16(),
        };
        Records::push(&mut st.records().revocations, record);
    }
    response
}

/// Authenticates the client and revokes the token; says what the token was.
fn revoke_token(st: &AppState, headers: &HeaderMap, form: &Form) -> Result<Revoked, OAuthError> {
    let token = form.required("token")?;
    match form.get("token_type_hint") {
        None | Some("access_token" | "refresh_token") => {}
        Some(other) => {
            return Err(OAuthError::bad_request(
                "unsupported_token_type",
                format!(
                "token_type_hint `{other}` is not supported: use access_token or refresh_token."
            ),
            ))
        }
    }
    let client = authenticate(st, headers, form)?;
    st.store().revoke(token, &client.id).map_err(|kind| {
        OAuthError::bad_request(
            "unauthorized_client",
            format!(
                "This {} was issued to another client.",
                kind.as_str().replace('_', " ")
            ),
        )
    })
}
