//! The Instagram-classic `/v1` API, the bearer-token check it shares with `/userinfo`,
//! the CORS handling of every endpoint a page fetches, and the first user's avatar.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::params::Params;
use crate::tokens::Grant;
use crate::users::{picture_url, User};
use crate::AppState;

const AVATAR_SVG: &str = include_str!("../static/avatar.svg");

/// The `user` object of token responses and API data.
pub(crate) fn user_summary(st: &AppState, user: &User) -> Value {
    json!({
        "id": user.id,
        "username": user.username,
        "full_name": user.full_name,
        "profile_picture": picture_url(&st.config().public_origin, user),
    })
}

/// JSON with `Cache-Control: no-store` (RFC 6749 5.1 for tokens; harmless elsewhere).
pub(crate) fn json_no_store(status: StatusCode, body: Value) -> Response {
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::PRAGMA, "no-cache"),
        ],
        Json(body),
    )
        .into_response()
}

/// Instagram's `meta` error envelope.
fn api_error(status: StatusCode, error_type: &str, message: &str) -> Response {
    let mut res = json_no_store(
        status,
        json!({"meta": {"code": status.as_u16(), "error_type": error_type, "error_message": message}}),
    );
    if status == StatusCode::UNAUTHORIZED {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"dev-provider\", error=\"invalid_token\""),
        );
    }
    res
}

fn invalid_token() -> Response {
    api_error(
        StatusCode::UNAUTHORIZED,
        "OAuthAccessTokenException",
        "The access_token provided is invalid.",
    )
}

fn bad_params(message: &str) -> Response {
    api_error(
        StatusCode::BAD_REQUEST,
        "APIInvalidParametersError",
        message,
    )
}

/// Why a request's access token was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFailure {
    /// The request is malformed (a repeated parameter, two ways of sending the token).
    BadRequest(String),
    /// No token, or one that is unknown, expired or revoked.
    InvalidToken,
}

/// Authenticates an API call by `access_token` query parameter or bearer header
/// (RFC 6750 2.1/2.3; section 2 forbids using both in one request).
pub fn authenticate(st: &AppState, uri: &Uri, headers: &HeaderMap) -> Result<Grant, AuthFailure> {
    let bad = |e: String| AuthFailure::BadRequest(e);
    let params = Params::from_query(uri.query()).map_err(|e| bad(e.to_string()))?;
    let from_query = params
        .optional("access_token")
        .map_err(|e| bad(e.to_string()))?;
    let mut auth_headers = headers.get_all(header::AUTHORIZATION).iter();
    let from_header = match (auth_headers.next(), auth_headers.next()) {
        (None, _) => None,
        (Some(_), Some(_)) => {
            return Err(bad("Authorization header is given more than once.".into()))
        }
        (Some(value), None) => {
            let token = value
                .to_str()
                .ok()
                .and_then(|v| v.trim().split_once(' '))
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, token)| token.trim())
                .filter(|token| !token.is_empty());
            match token {
                Some(t) => Some(t),
                None => return Err(AuthFailure::InvalidToken),
            }
        }
    };
    let token = match (from_query, from_header) {
        (Some(_), Some(_)) => {
            return Err(bad(
                "Give the access token either as the access_token parameter or in the Authorization header, not both.".into(),
            ))
        }
        (Some(t), None) | (None, Some(t)) => t,
        (None, None) => return Err(AuthFailure::InvalidToken),
    };
    st.store()
        .check_token(token, st.clock().now())
        .cloned()
        .ok_or(AuthFailure::InvalidToken)
}

/// [`authenticate`] with failures as Instagram's `meta` errors.
// The error is the finished response; boxing it would only add noise.
#[allow(clippy::result_large_err)]
fn api_grant(st: &AppState, uri: &Uri, headers: &HeaderMap) -> Result<Grant, Response> {
    authenticate(st, uri, headers).map_err(|failure| match failure {
        AuthFailure::BadRequest(why) => bad_params(&why),
        AuthFailure::InvalidToken => invalid_token(),
    })
}

/// `GET /v1/users/self`.
pub async fn users_self(State(st): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    let grant = match api_grant(&st, &uri, &headers) {
        Ok(grant) => grant,
        Err(res) => return res,
    };
    let mut data = user_summary(&st, grant.user);
    data["bio"] = json!("This is my bio");
    data["website"] = json!(format!("http://{}.com", grant.user.username));
    data["counts"] = json!({"media": 1320, "follows": 420, "followed_by": 3410});
    json_no_store(StatusCode::OK, json!({"data": data, "meta": {"code": 200}}))
}

/// `GET /v1/users/self/media/recent`: three fixed sample posts.
pub async fn media_recent(State(st): State<AppState>, uri: Uri, headers: HeaderMap) -> Response {
    let grant = match api_grant(&st, &uri, &headers) {
        Ok(grant) => grant,
        Err(res) => return res,
    };
    let user = grant.user;
    let image = picture_url(&st.config().public_origin, user);
    let items: Vec<Value> = [
        ("22721881", "Sunset at the studio", "1279340983", "BaAaAa1"),
        (
            "22722152",
            "New track dropping soon",
            "1279341004",
            "BaAaAa2",
        ),
        ("22987123", "Thanks for the love", "1279315783", "BaAaAa3"),
    ]
    .iter()
    .map(|(id, text, created, short)| {
        json!({
            "id": format!("{id}_{}", user.id),
            "type": "image",
            "caption": {"text": text, "from": user_summary(&st, user)},
            "images": {
                "thumbnail": {"url": image, "width": 150, "height": 150},
                "standard_resolution": {"url": image, "width": 640, "height": 640},
            },
            "created_time": created,
            "link": format!("https://www.instagram.com/p/{short}/"),
            "user": user_summary(&st, user),
        })
    })
    .collect();
    json_no_store(
        StatusCode::OK,
        json!({"data": items, "meta": {"code": 200}}),
    )
}

/// `OPTIONS` on the CORS-enabled routes; [`cors`] adds the CORS headers.
pub async fn preflight() -> Response {
    (
        StatusCode::NO_CONTENT,
        [(header::ALLOW, "GET, POST, OPTIONS")],
    )
        .into_response()
}

/// Adds CORS headers when the `Origin` is that of a registered redirect URI, so
/// only the registered apps' pages can read tokens and API data cross-origin.
pub async fn cors(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .filter(|o| o.to_str().is_ok_and(|o| st.clients().is_allowed_origin(o)))
        .cloned();
    let is_preflight = req.method() == Method::OPTIONS;
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.append(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = origin {
        let headers = Some("Authorization, Content-Type");
        allow(h, origin, is_preflight.then_some(("GET, POST", headers)));
    }
    res
}

/// Adds `Access-Control-Allow-Origin: *` to a public document (metadata, keys): no
/// credentials, nothing secret, the same for every page.
pub async fn public_cors(req: Request, next: Next) -> Response {
    let is_preflight = req.method() == Method::OPTIONS;
    let mut res = next.run(req).await;
    let any = HeaderValue::from_static("*");
    allow(
        res.headers_mut(),
        any,
        is_preflight.then_some(("GET", None)),
    );
    res
}

/// Allows `origin`; a preflight also gets the methods (and request headers) allowed, cached
/// 600 s.
fn allow(
    h: &mut HeaderMap,
    origin: HeaderValue,
    preflight: Option<(&'static str, Option<&'static str>)>,
) {
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    let Some((methods, headers)) = preflight else {
        return;
    };
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(methods),
    );
    if let Some(headers) = headers {
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(headers),
        );
    }
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
}

/// `GET /static/avatar.svg`.
pub async fn avatar() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        AVATAR_SVG,
    )
        .into_response()
}
