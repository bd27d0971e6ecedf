//! `oauth-prefab-exchange`: a small stateless server that redeems the oauth-prefab widget's
//! authorization codes and refresh tokens at providers that need a client secret, which a
//! page cannot hold, and relays its revocations.
//!
//! [`app`] builds the axum router from an [`AppState`] (the validated [`Config`] and the
//! HTTP client for providers); [`serve()`] serves it until a signal and drains it;
//! `main.rs` only parses the command line and calls it.
//! Nothing is kept between requests.

#![deny(missing_docs)]

pub mod config;
pub mod cors;
pub mod log;
pub mod reply;
pub mod request;
pub mod revoke;
pub mod serve;
pub mod token;
pub mod upstream;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRef;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post, MethodRouter};
use axum::{middleware, Router};
use server_kit::FormLimits;

pub use config::{ClientAuth, Config, ConfigError};
pub use serve::serve;
pub use upstream::Upstream;

/// Largest accepted request body. The widget's is a few hundred bytes.
pub const MAX_REQUEST_BYTES: usize = 16 * 1024;
/// How long a client may take to send its body once the headers are in: a page sends a
/// few hundred bytes at once, so only a stalled or hostile client takes longer.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);

struct Inner {
    config: Config,
    upstream: Upstream,
    /// Every origin any client allows, for CORS and preflights.
    origins: HashSet<String>,
    body_timeout: Duration,
}

/// Shared server state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

impl AppState {
    /// Creates the state, with an HTTP client bounded by the configured upstream timeout.
    pub fn new(config: Config) -> Result<Self, String> {
        Self::with_body_timeout(config, BODY_TIMEOUT)
    }

    /// [`AppState::new`] with another bound on reading a request body (tests shorten it).
    pub fn with_body_timeout(config: Config, body_timeout: Duration) -> Result<Self, String> {
        let upstream = Upstream::new(config.upstream_timeout)?;
        let origins = config
            .clients()
            .iter()
            .flat_map(|c| c.allowed_origins.iter().cloned())
            .collect();
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                upstream,
                origins,
                body_timeout,
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The HTTP client for providers.
    pub fn upstream(&self) -> &Upstream {
        &self.inner.upstream
    }

    /// How long a request body may take to arrive.
    pub fn body_timeout(&self) -> Duration {
        self.inner.body_timeout
    }

    /// The longest a request can take once its head has arrived: reading its body, then
    /// calling the provider, plus a second. A graceful shutdown waits at most this long.
    pub fn drain_bound(&self) -> Duration {
        self.body_timeout() + self.inner.config.upstream_timeout + Duration::from_secs(1)
    }

    /// Whether any configured client allows pages of `origin`.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.inner.origins.contains(origin)
    }
}

/// The body limits of `/token` and `/revoke`: the whole body is bounded, so a single value
/// needs no bound of its own.
impl FromRef<AppState> for FormLimits {
    fn from_ref(state: &AppState) -> Self {
        FormLimits {
            max_body_bytes: MAX_REQUEST_BYTES,
            max_value_bytes: MAX_REQUEST_BYTES,
            read_timeout: state.body_timeout(),
        }
    }
}

/// Builds the router: `POST`/`OPTIONS` `/token` and `/revoke`, `GET /healthz`, JSON 404/405
/// elsewhere.
pub fn app(state: AppState) -> Router {
    let page_facing = |route: MethodRouter<AppState>| {
        route
            .options(request::preflight)
            .fallback(|| async { reply::method_not_allowed("POST, OPTIONS") })
    };
    let cors_routes = Router::new()
        .route("/token", page_facing(post(token::token)))
        .route("/revoke", page_facing(post(revoke::revoke)))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            cors::add_headers,
        ));
    Router::new()
        .route(
            "/healthz",
            get(healthz).fallback(|| async { reply::method_not_allowed("GET, HEAD") }),
        )
        .merge(cors_routes)
        .fallback(reply::not_found)
        .layer(middleware::from_fn(log::log_request))
        .layer(middleware::map_response(reply::common_headers))
        .with_state(state)
}

/// `GET /healthz`: the process is up and serving. It does not call any provider, so a
/// provider's outage does not take every copy out of a load balancer's rotation.
async fn healthz() -> Response {
    reply::json(StatusCode::OK, r#"{"status":"ok"}"#.into())
}
