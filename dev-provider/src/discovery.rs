//! Metadata documents, so a client can learn the issuer and endpoints instead of
//! hard-coding them: RFC 8414's `/.well-known/oauth-authorization-server` (the
//! Instagram-style OAuth subset, unchanged since the first release) and OpenID Connect
//! Discovery 1.0's `/.well-known/openid-configuration` (everything).

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::AppState;

/// The RFC 8414 document. `token_endpoint` names `/oauth/token`; the Instagram-style
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

/// The OpenID Connect discovery document. Its `issuer` is this server's origin, unless
/// `POST /test/oidc` set `discovery_issuer` (the endpoints stay this server's).
pub async fn openid_configuration(State(st): State<AppState>) -> Response {
    let origin = st.config().issuer();
    let claimed = st.records().oidc.discovery_issuer.clone();
    let issuer = claimed.as_deref().unwrap_or(origin);
    (
        [(header::CACHE_CONTROL, "no-cache")],
        Json(json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{origin}/oauth/authorize"),
            "token_endpoint": format!("{origin}/oauth/token"),
            "userinfo_endpoint": format!("{origin}/userinfo"),
            "jwks_uri": format!("{origin}/jwks"),
            "revocation_endpoint": format!("{origin}/revoke"),
            "end_session_endpoint": format!("{origin}/logout"),
            "scopes_supported": crate::scopes::KNOWN,
            "response_types_supported": ["code", "token", "id_token token", "token id_token"],
            "response_modes_supported": ["query", "fragment"],
            "grant_types_supported": ["authorization_code", "implicit", "refresh_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "token_endpoint_auth_methods_supported":
                ["client_secret_basic", "client_secret_post", "none"],
            "revocation_endpoint_auth_methods_supported":
                ["client_secret_basic", "client_secret_post", "none"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "azp",
                "at_hash", "name", "preferred_username", "picture", "email", "email_verified"],
            "authorization_response_iss_parameter_supported": true,
        })),
    )
        .into_response()
}
