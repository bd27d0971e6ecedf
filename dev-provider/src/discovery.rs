//! `GET /.well-known/oauth-authorization-server`: authorization server metadata
//! (RFC 8414), so a client can learn the issuer and endpoints instead of hard-coding them.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::AppState;

/// The metadata document. `token_endpoint` names `/oauth/token`; the Instagram-style
/// `/oauth/access_token` is the same endpoint.
pub async fn metadata(State(st): State<AppState>) -> Response {
    let issuer = st.config().issuer();
    (
        [(header::CACHE_CONTROL, "no-cache")],
        Json(json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/oauth/authorize"),
            "token_endpoint": format!("{issuer}/oauth/token"),
            "response_types_supported": ["code", "token"],
            "response_modes_supported": ["query", "fragment"],
            "grant_types_supported": ["authorization_code", "implicit"],
            "token_endpoint_auth_methods_supported":
                ["client_secret_basic", "client_secret_post", "none"],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": true,
        })),
    )
        .into_response()
}
