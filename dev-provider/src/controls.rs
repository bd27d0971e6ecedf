//! `/test/*` endpoints, mounted only with `--test-controls`: they let end-to-end tests
//! inspect what the widget sent, make the provider answer with crafted responses, break
//! its id_tokens on purpose and rotate its keys.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{Map, Value};

use crate::authorize::{redirect, with_fragment, with_query};
use crate::oidc::Tampering;
use crate::params::Params;
use crate::{plain, AppState};

/// `GET /test/last-authorize`: the query parameters of the latest `GET /oauth/authorize`;
/// a repeated key becomes an array of its values.
pub async fn last_authorize(State(st): State<AppState>) -> Response {
    let Some(pairs) = st.records().last_authorize.clone() else {
        return plain(
            StatusCode::NOT_FOUND,
            "no authorize request recorded yet\n".into(),
        );
    };
    let mut map = Map::new();
    for (name, value) in pairs {
        let value = Value::String(value);
        match map.get_mut(&name) {
            None => {
                map.insert(name, value);
            }
            Some(Value::Array(values)) => values.push(value),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, value]);
            }
        }
    }
    Json(Value::Object(map)).into_response()
}

/// `GET /test/last-token`: the latest token, from either flow.
pub async fn last_token(State(st): State<AppState>) -> Response {
    match st.records().last_token.clone() {
        Some(t) => Json(t).into_response(),
        None => plain(StatusCode::NOT_FOUND, "no token issued yet\n".into()),
    }
}

/// `GET /test/token-requests`: every token-endpoint request since start or the last
/// reset, oldest first (an empty array if none), so a test can assert that none was made.
pub async fn token_requests(State(st): State<AppState>) -> Response {
    Json(st.records().token_requests.clone()).into_response()
}

/// `GET /test/revocations`: every `POST /revoke` since start or the last reset, oldest
/// first.
pub async fn revocations(State(st): State<AppState>) -> Response {
    Json(st.records().revocations.clone()).into_response()
}

/// `GET /test/oidc`: what is being broken now.
pub async fn oidc_get(State(st): State<AppState>) -> Response {
    Json(st.records().oidc.clone()).into_response()
}

/// `POST /test/oidc` with a JSON object `{tamper, userinfo_sub, discovery_issuer}` (each
/// optional, `null` or absent meaning "not broken"): replaces what is being broken, until
/// the next `POST /test/oidc` or `POST /test/reset`. Answers with the new settings.
pub async fn oidc_set(State(st): State<AppState>, body: Bytes) -> Response {
    let body: &[u8] = if body.is_empty() { b"{}" } else { &body };
    match serde_json::from_slice::<Tampering>(body) {
        Ok(tampering) => {
            st.records().oidc = tampering.clone();
            Json(tampering).into_response()
        }
        Err(e) => plain(
            StatusCode::BAD_REQUEST,
            format!("expected {{\"tamper\", \"userinfo_sub\", \"discovery_issuer\"}}: {e}\n"),
        ),
    }
}

/// `POST /test/rotate-keys`: new signing keys under new `kid`s; `/jwks` then holds only
/// them. Answers with the new key set.
pub async fn rotate_keys(State(st): State<AppState>) -> Response {
    let mut keys = st.keys();
    match keys.rotate() {
        Ok(()) => Json(keys.jwks()).into_response(),
        Err(e) => plain(StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")),
    }
}

/// `GET /test/respond?redirect_uri=URI&fragment=RAW&query=RAW`: redirects to a
/// registered URI with RAW inserted verbatim, to simulate malformed provider responses.
pub async fn respond(State(st): State<AppState>, uri: Uri) -> Response {
    let bad = |msg: String| plain(StatusCode::BAD_REQUEST, format!("{msg}\n"));
    let params = match Params::from_query(uri.query()) {
        Ok(p) => p,
        Err(e) => return bad(e.to_string()),
    };
    let (target, query, fragment) = match (
        params.required("redirect_uri"),
        params.optional("query"),
        params.optional("fragment"),
    ) {
        (Ok(t), Ok(q), Ok(f)) => (t, q, f),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return bad(e.to_string()),
    };
    if query.is_none() && fragment.is_none() {
        return bad("give `fragment` and/or `query`".into());
    }
    // Same rule as /oauth/authorize, so this can never become an open redirector.
    if !st.clients().any_redirect_matches(target) {
        return bad(format!(
            "redirect_uri `{target}` does not match any registered client"
        ));
    }
    let mut location = target.to_owned();
    if let Some(q) = query {
        location = with_query(&location, q);
    }
    if let Some(f) = fragment {
        location = with_fragment(&location, f);
    }
    let res = redirect(location);
    if res.status() == StatusCode::SEE_OTHER {
        res
    } else {
        bad("the resulting Location is not a valid header value".into())
    }
}

/// `POST /test/reset`: forgets the recorded authorize request, token, token requests and
/// revocations, and stops breaking id_tokens, userinfo and discovery (issued tokens,
/// codes and keys stay valid).
pub async fn reset(State(st): State<AppState>) -> Response {
    *st.records() = Default::default();
    StatusCode::NO_CONTENT.into_response()
}
