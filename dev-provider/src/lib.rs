//! `dev-provider`: a real local OAuth 2.0 and OpenID Connect provider that behaves like
//! Instagram's classic (legacy) API, for the oauth-prefab demo page and end-to-end tests.
//!
//! [`app`] builds the axum router from an [`AppState`]; `main.rs` only parses the command
//! line and serves it. The modules, by endpoint: [`authorize`] (consent), [`token_endpoint`]
//! (codes and refresh tokens), [`revoke`], [`oidc`] (id_tokens, discovery, keys, userinfo),
//! [`account`] (switching users, logout), [`api`] (the `/v1` API), [`controls`] (`/test/*`).

#![deny(missing_docs)]

pub mod account;
pub mod api;
pub mod authorize;
pub mod client_auth;
pub mod clients;
pub mod controls;
pub mod discovery;
pub mod keys;
pub mod oidc;
pub mod pages;
pub mod params;
pub mod pkce;
pub mod revoke;
pub mod scopes;
pub mod token_endpoint;
pub mod tokens;
pub mod users;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, FromRef, Request, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{middleware, Router};
use server_kit::FormLimits;

pub use clients::{Client, ClientRegistry, ClientsFile, ConfigError};
pub use tokens::{Clock, Grant, TokenStore};

/// Runtime options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Lifetime of issued access tokens (`expires_in`).
    pub token_ttl: Duration,
    /// Lifetime of each issued refresh token (`--refresh-ttl`).
    pub refresh_ttl: Duration,
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
            refresh_ttl: Duration::from_secs(24 * 3600),
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
    /// `token` (implicit grant, issued at the authorization endpoint), `code` (issued by
    /// the token endpoint for an authorization code) or `refresh` (for a refresh token).
    pub flow: &'static str,
    /// The id_token issued with it, if any (only then is the key present).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// The refresh token issued with it, if any (only then is the key present).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// One request to the token endpoint, for `GET /test/token-requests`. It says
/// whether a secret was sent, never what it was.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TokenRequestRecord {
    /// `client_id` from the form, or else from HTTP Basic; `None` if neither parsed.
    pub client_id: Option<String>,
    /// The `grant_type` parameter (`authorization_code` or `refresh_token`).
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

/// One request to `POST /revoke`, for `GET /test/revocations`. Like the token requests,
/// it never holds the token or a secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RevocationRecord {
    /// `client_id` from the form, or else from HTTP Basic.
    pub client_id: Option<String>,
    /// The `token_type_hint` parameter.
    pub token_type_hint: Option<String>,
    /// What the token was: `access_token`, `refresh_token`, `unknown` (RFC 7009: still
    /// 200), or `null` when the request was refused before the token was looked up.
    pub token_kind: Option<&'static str>,
    /// How the client authenticated: `basic`, `post` or `none`.
    pub auth: &'static str,
    /// The request's `Origin` header.
    pub origin: Option<String>,
    /// The HTTP status of the answer.
    pub status: u16,
}

/// Most requests kept per list for the test controls; older ones are dropped so a
/// long run with `--test-controls` stays bounded.
pub(crate) const MAX_RECORDS: usize = 1000;

/// What the test controls report and set; `POST /test/reset` empties it.
#[derive(Debug, Default)]
pub(crate) struct Records {
    pub last_authorize: Option<Vec<(String, String)>>,
    pub last_token: Option<LastToken>,
    pub token_requests: Vec<TokenRequestRecord>,
    pub revocations: Vec<RevocationRecord>,
    /// The id_token issued last, for the `replay-previous` tampering.
    pub last_id_token: Option<String>,
    /// What `POST /test/oidc` asked to break.
    pub oidc: oidc::Tampering,
}

impl Records {
    /// Appends to a bounded list.
    pub fn push<T>(list: &mut Vec<T>, item: T) {
        if list.len() >= MAX_RECORDS {
            list.remove(0);
        }
        list.push(item);
    }
}

struct Inner {
    clients: RwLock<Arc<ClientRegistry>>,
    clients_file: Option<ClientsFile>,
    config: Config,
    clock: Clock,
    store: Mutex<TokenStore>,
    records: Mutex<Records>,
    keys: Mutex<keys::Keys>,
}

/// Shared server state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

impl AppState {
    /// Creates the state for a registry and configuration.
    pub fn new(clients: ClientRegistry, config: Config) -> Self {
        Self::build(clients, None, config)
    }

    /// [`AppState::new`] for clients read from `path`, which is read again whenever it
    /// changes (checked before each request).
    pub fn watching(clients: ClientRegistry, path: PathBuf, config: Config) -> Self {
        Self::build(clients, Some(ClientsFile::new(path)), config)
    }

    fn build(clients: ClientRegistry, file: Option<ClientsFile>, config: Config) -> Self {
        // Fails only without OS randomness or with a broken checked-in key (a unit test
        // loads both): nothing a request can cause.
        let keys = keys::Keys::new().expect("the id_token signing keys");
        Self {
            inner: Arc::new(Inner {
                clients: RwLock::new(Arc::new(clients)),
                clients_file: file,
                config,
                clock: Clock::default(),
                store: Mutex::new(TokenStore::default()),
                records: Mutex::new(Records::default()),
                keys: Mutex::new(keys),
            }),
        }
    }

    /// The registered clients, as of now.
    pub fn clients(&self) -> Arc<ClientRegistry> {
        let guard = self.inner.clients.read().unwrap_or_else(|e| e.into_inner());
        Arc::clone(&guard)
    }

    /// Takes the clients file again if it changed; a broken edit keeps the old clients.
    /// Either way stderr says what happened, once per change.
    pub fn reload_clients(&self) {
        let Some(file) = &self.inner.clients_file else {
            return;
        };
        match file.changed() {
            None => {}
            Some(Ok(clients)) => {
                eprintln!("dev-provider: clients file {} reloaded", file.path().display());
                *self.inner.clients.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(clients);
            }
            Some(Err(e)) => eprintln!(
                "dev-provider: clients file {} changed but was not reloaded, the previous clients stay: {e}",
                file.path().display()
            ),
        }
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

    /// The id_token signing keys.
    pub fn keys(&self) -> MutexGuard<'_, keys::Keys> {
        self.inner.keys.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn records(&self) -> MutexGuard<'_, Records> {
        self.inner.records.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Form bodies: 8 KiB in all, 2 KiB per value (like queries), within 10 s.
impl FromRef<AppState> for FormLimits {
    fn from_ref(_: &AppState) -> Self {
        FormLimits {
            max_body_bytes: params::MAX_QUERY_LEN,
            max_value_bytes: params::MAX_VALUE_LEN,
            read_timeout: Duration::from_secs(10),
        }
    }
}

/// Upper bound on any request body (the form extractor has its own, tighter one).
const BODY_LIMIT: usize = 64 * 1024;

/// Builds the router with every endpoint.
pub fn app(state: AppState) -> Router {
    // The endpoints a browser calls cross-origin (token, revocation, API, metadata, keys).
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
        .route("/revoke", post(revoke::revoke).options(api::preflight))
        .route("/userinfo", get(oidc::userinfo).options(api::preflight))
        .route(
            "/v1/users/self",
            get(api::users_self).options(api::preflight),
        )
        .route(
            "/v1/users/self/media/recent",
            get(api::media_recent).options(api::preflight),
        )
        .route_layer(middleware::from_fn_with_state(state.clone(), api::cors));
    // Public documents, readable from any page as at real providers: a page not registered
    // reads them and learns why at the authorization page, which names its `redirect_uri`.
    let public_routes = Router::new()
        .route(
            "/.well-known/oauth-authorization-server",
            get(discovery::metadata).options(api::preflight),
        )
        .route(
            "/.well-known/openid-configuration",
            get(discovery::openid_configuration).options(api::preflight),
        )
        .route("/jwks", get(oidc::jwks).options(api::preflight))
        .route_layer(middleware::from_fn(api::public_cors));

    let mut router = Router::new()
        .route(
            "/oauth/authorize",
            get(authorize::show).post(authorize::decide),
        )
        .route("/account", get(account::chooser).post(account::choose))
        .route("/logout", get(account::logout))
        .route("/static/avatar.svg", get(api::avatar))
        .route("/static/avatar/{file}", get(users::avatar))
        .merge(cors_routes)
        .merge(public_routes);
    if state.config().test_controls {
        router = router
            .route("/test/last-authorize", get(controls::last_authorize))
            .route("/test/last-token", get(controls::last_token))
            .route("/test/token-requests", get(controls::token_requests))
            .route("/test/revocations", get(controls::revocations))
            .route("/test/respond", get(controls::respond))
            .route(
                "/test/oidc",
                get(controls::oidc_get).post(controls::oidc_set),
            )
            .route("/test/rotate-keys", post(controls::rotate_keys))
            .route("/test/reset", post(controls::reset));
    }
    router
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::map_response_with_state(state.clone(), coop))
        .layer(middleware::map_response(nosniff))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            reload_clients,
        ))
        .with_state(state)
}

/// Before each request: an edited clients file takes effect at once.
async fn reload_clients(State(st): State<AppState>, req: Request, next: Next) -> Response {
    st.reload_clients();
    next.run(req).await
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
