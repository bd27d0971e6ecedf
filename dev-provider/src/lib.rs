//! `dev-provider`: a real local OAuth 2.0 provider that behaves like Instagram's
//! classic (legacy) API, for the oauth-prefab demo page and end-to-end tests.
//!
//! [`app`] builds the axum router from an [`AppState`]; `main.rs` only parses the
//! command line and serves it.

#![deny(missing_docs)]

pub mod api;
pub mod authorize;
pub mod clients;
pub mod controls;
pub mod discovery;
pub mod pages;
pub mod params;
pub mod pkce;
pub mod token_endpoint;
pub mod tokens;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{middleware, Router};

pub use clients::{Client, ClientRegistry, ConfigError};
pub use tokens::{Clock, Grant, TokenStore};

/// Runtime options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Lifetime of issued access tokens (`expires_in`).
    pub token_ttl: Duration,
    /// Skip the consent page and act as if **Allow** was clicked.
    pub auto_approve: bool,
    /// Expose the `/test/*` endpoints and honor `deny_in`.
    pub test_controls: bool,
    /// Send `Cross-Origin-Opener-Policy: same-origin` with every HTML page, which
    /// severs a login popup from its opener (`--coop`).
    pub coop: bool,
    /// `scheme://host:port` this server is reachable at, for absolute URLs in API
    /// data; it is also the issuer identifier (RFC 8414, RFC 9207).
    pub public_origin: String,
}

impl Config {
    /// The issuer identifier: this server's own origin as it listens.
    pub fn issuer(&self) -> &str {
        &self.public_origin
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            token_ttl: Duration::from_secs(3600),
            auto_approve: false,
            test_controls: false,
            coop: false,
            public_origin: "http://127.0.0.1:9090".into(),
        }
    }
}

/// The most recent token, for `GET /test/last-token`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LastToken {
    /// The token.
    pub access_token: String,
    /// Always `bearer`.
    pub token_type: &'static str,
    /// Lifetime in seconds.
    pub expires_in: u64,
    /// Granted scopes joined by spaces.
    pub scope: String,
    /// The `state` of the request, if any.
    pub state: Option<String>,
    /// The client it was issued to.
    pub client_id: String,
    /// `token` (implicit grant, issued at the authorization endpoint) or `code`
    /// (issued by the token endpoint for an authorization code).
    pub flow: &'static str,
}

/// One request to the token endpoint, for `GET /test/token-requests`. It says
/// whether a secret was sent, never what it was.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TokenRequestRecord {
    /// `client_id` from the form, or else from HTTP Basic; `None` if neither parsed.
    pub client_id: Option<String>,
    /// The `grant_type` parameter.
    pub grant_type: Option<String>,
    /// The `redirect_uri` parameter.
    pub redirect_uri: Option<String>,
    /// Whether the form had a `code_verifier` parameter.
    pub has_code_verifier: bool,
    /// Whether a client secret was sent (form `client_secret` or HTTP Basic).
    pub has_client_secret: bool,
    /// How the client authenticated: `basic`, `post` or `none`.
    pub auth: &'static str,
    /// The request's `Origin` header (browsers send it on cross-origin POSTs).
    pub origin: Option<String>,
    /// The HTTP status of the answer.
    pub status: u16,
}

/// Most token requests kept for the test controls; older ones are dropped so a
/// long run with `--test-controls` stays bounded.
pub(crate) const MAX_TOKEN_REQUESTS: usize = 1000;

/// What the test controls report.
#[derive(Debug, Default)]
pub(crate) struct Records {
    pub last_authorize: Option<Vec<(String, String)>>,
    pub last_token: Option<LastToken>,
    pub token_requests: Vec<TokenRequestRecord>,
}

struct Inner {
    clients: ClientRegistry,
    config: Config,
    clock: Clock,
    store: Mutex<TokenStore>,
    records: Mutex<Records>,
}

/// Shared server state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

impl AppState {
    /// Creates the state for a registry and configuration.
    pub fn new(clients: ClientRegistry, config: Config) -> Self {
        Self {
            inner: Arc::new(Inner {
                clients,
                config,
                clock: Clock::default(),
                store: Mutex::new(TokenStore::default()),
                records: Mutex::new(Records::default()),
            }),
        }
    }

    /// The registered clients.
    pub fn clients(&self) -> &ClientRegistry {
        &self.inner.clients
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The clock used for expiry; tests advance it.
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// The token store. A poisoned lock is recovered: the data stays consistent
    /// because no code path panics while holding it.
    pub fn store(&self) -> MutexGuard<'_, TokenStore> {
        self.inner.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn records(&self) -> MutexGuard<'_, Records> {
        self.inner.records.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Upper bound on request bodies; the parameter parser enforces the tighter 8 KiB
/// limit itself so it can answer with a descriptive 400.
const BODY_LIMIT: usize = 64 * 1024;

/// Builds the router with every endpoint.
pub fn app(state: AppState) -> Router {
    // The endpoints a browser calls cross-origin (token exchange, API, metadata).
    let cors_routes = Router::new()
        .route(
            "/oauth/access_token",
            post(token_endpoint::token).options(api::preflight),
        )
        // The name most providers use; same handler and CORS.
        .route(
            "/oauth/token",
            post(token_endpoint::token).options(api::preflight),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(discovery::metadata).options(api::preflight),
        )
        .route(
            "/v1/users/self",
            get(api::users_self).options(api::preflight),
        )
        .route(
            "/v1/users/self/media/recent",
            get(api::media_recent).options(api::preflight),
        )
        .route_layer(middleware::from_fn_with_state(state.clone(), api::cors));

    let mut router = Router::new()
        .route(
            "/oauth/authorize",
            get(authorize::show).post(authorize::decide),
        )
        .route("/static/avatar.svg", get(api::avatar))
        .merge(cors_routes);
    if state.config().test_controls {
        router = router
            .route("/test/last-authorize", get(controls::last_authorize))
            .route("/test/last-token", get(controls::last_token))
            .route("/test/token-requests", get(controls::token_requests))
            .route("/test/respond", get(controls::respond))
            .route("/test/reset", post(controls::reset));
    }
    router
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::map_response_with_state(state.clone(), coop))
        .layer(middleware::map_response(nosniff))
        .with_state(state)
}

/// With `--coop`, every HTML page opens a new browsing context group, as some real
/// providers' login pages do: a popup showing it loses `window.opener`.
async fn coop(State(st): State<AppState>, mut res: Response) -> Response {
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if st.config().coop && is_html {
        res.headers_mut().insert(
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        );
    }
    res
}

async fn not_found(uri: Uri) -> Response {
    plain(
        StatusCode::NOT_FOUND,
        format!("404 Not Found: no endpoint at {}\n", uri.path()),
    )
}

async fn nosniff(mut res: Response) -> Response {
    res.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}

/// A `text/plain` response.
pub(crate) fn plain(status: StatusCode, text: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}

/// Whether the request declares an `application/x-www-form-urlencoded` body.
pub(crate) fn is_form(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| {
            mime.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}
