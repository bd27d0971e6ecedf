//! Helpers shared by the integration tests: the dev provider served in-process on a
//! loopback port, fake token endpoints (a capture server, a silent one, an HTML one, a
//! closed port), the exchange itself in-process and as its real binary (`binary`), and the
//! widget's token request.

// Each test crate uses its own subset of these.
#![allow(dead_code)]

mod binary;

#[allow(unused_imports)] // Not every test crate starts the binary.
pub use binary::*;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use base64::Engine as _;
use oauth_prefab_exchange::{app, AppState, Config};
use tokio::net::TcpListener;

/// The dev provider's client, as both sides know it.
pub const CLIENT_ID: &str = "demo-app";
/// The secret: distinctive, so a test can search logs for it.
pub const SECRET: &str = "dev-secret-Zq81+/=:x";
pub const SECRET_ENV: &str = "EXCHANGE_TEST_DEMO_SECRET";
pub const REDIRECT_URI: &str = "http://localhost:8080/";
pub const ORIGIN: &str = "http://localhost:8080";
/// An origin some other client allows.
pub const OTHER_ORIGIN: &str = "http://127.0.0.1:4000";
pub const FOREIGN_ORIGIN: &str = "https://evil.example";

/// Serves `router` on a free loopback port and returns its address.
pub async fn serve(router: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    addr
}

/// The dev provider with [`CLIENT_ID`] registered; returns its origin.
pub async fn start_provider() -> String {
    let clients = serde_json::json!({"clients": [{
        "id": CLIENT_ID, "secret": SECRET, "name": "Exchange test",
        "redirect_uris": [REDIRECT_URI],
    }]});
    let registry = dev_provider::ClientRegistry::from_json(&clients.to_string()).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let config = dev_provider::Config {
        public_origin: origin.clone(),
        ..dev_provider::Config::default()
    };
    let router = dev_provider::app(dev_provider::AppState::new(registry, config));
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    origin
}

/// The dev provider's token endpoint.
pub fn token_endpoint(provider: &str) -> String {
    format!("{provider}/oauth/access_token")
}

/// A PKCE pair: a fresh verifier and its S256 challenge (RFC 7636).
pub fn pkce() -> (String, String) {
    let mut bytes = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes).unwrap();
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let verifier = b64.encode(bytes);
    let challenge = b64.encode(ring::digest::digest(
        &ring::digest::SHA256,
        verifier.as_bytes(),
    ));
    (verifier, challenge)
}

/// A client that never follows redirects, for the provider's 303 and raw answers.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// The status of the dev provider's API for `access_token`.
pub async fn api_status(provider: &str, access_token: &str) -> StatusCode {
    let res = http()
        .get(format!("{provider}/v1/users/self"))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap();
    res.status()
}

/// A real authorization code: the consent form's **Allow**, as a user would click it,
/// with a PKCE challenge for `verifier`'s pair. Read from the 303's `Location`.
pub async fn fresh_code(provider: &str, challenge: &str) -> String {
    fresh_code_for(provider, challenge, "basic").await
}

/// [`fresh_code`] for other scopes (`offline_access` gets a refresh token).
pub async fn fresh_code_for(provider: &str, challenge: &str, scope: &str) -> String {
    let form = [
        ("decision", "allow"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT_URI),
        ("response_type", "code"),
        ("scope", scope),
        ("state", "st4te"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ];
    let res = http()
        .post(format!("{provider}/oauth/authorize"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "consent form refused");
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let url = url::Url::parse(&location).unwrap();
    let code = url
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned());
    code.unwrap_or_else(|| panic!("no code in {location}"))
}

/// The widget's token request, in its order.
pub fn token_form(client_id: &str, code: &str, redirect_uri: &str, verifier: &str) -> String {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("client_id", client_id)
        .append_pair("code_verifier", verifier)
        .finish()
}

/// The widget's token request for [`CLIENT_ID`]'s `code` at [`REDIRECT_URI`], with a verifier
/// of a valid length: for requests that no real provider redeems.
pub fn request_with_code(code: &str) -> String {
    token_form(CLIENT_ID, code, REDIRECT_URI, &"v".repeat(43))
}

/// What a fake token endpoint received.
#[derive(Debug, Clone)]
pub struct Captured {
    /// The path the request was sent to.
    pub path: String,
    pub headers: HeaderMap,
    pub body: String,
}

impl Captured {
    /// The `id:secret` of its `Authorization: Basic` header, decoded from base64.
    pub fn basic_credentials(&self) -> String {
        let header = self.headers["authorization"].to_str().unwrap();
        let encoded = header.strip_prefix("Basic ").unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        String::from_utf8(decoded).unwrap()
    }
}

/// `id:secret` as RFC 6749 section 2.3.1 puts them in Basic: each part form-encoded before
/// joining.
pub fn basic_pair(id: &str, secret: &str) -> String {
    let encode = |part: &str| form_urlencoded::byte_serialize(part.as_bytes()).collect::<String>();
    format!("{}:{}", encode(id), encode(secret))
}

/// The fields of a form body, decoded, in their order.
pub fn form_fields(body: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect()
}

/// The fields of the page's form `sent`, then `client_secret` [`SECRET`]: what the exchange
/// sends on for `client_secret_post`.
pub fn fields_then_secret(sent: &str) -> Vec<(String, String)> {
    let mut fields = form_fields(sent);
    fields.push(("client_secret".into(), SECRET.into()));
    fields
}

/// A token endpoint at `/token` (and a revocation endpoint at `/revoke`, the same) that
/// records each request and answers `status` with `body` as `content_type`. Returns its
/// origin and the recordings.
pub async fn start_fake_endpoint(
    status: u16,
    content_type: &'static str,
    body: &'static str,
) -> (String, Arc<Mutex<Vec<Captured>>>) {
    let seen: Arc<Mutex<Vec<Captured>>> = Arc::default();
    let record = seen.clone();
    let handler = post(
        move |uri: axum::http::Uri, headers: HeaderMap, received: Bytes| {
            let record = record.clone();
            async move {
                record.lock().unwrap().push(Captured {
                    path: uri.path().to_owned(),
                    headers,
                    body: String::from_utf8(received.to_vec()).unwrap(),
                });
                (
                    StatusCode::from_u16(status).unwrap(),
                    [
                        ("content-type", content_type),
                        ("location", "https://elsewhere.example/"),
                    ],
                    body,
                )
                    .into_response()
            }
        },
    );
    let router = Router::new()
        .route("/token", handler.clone())
        .route("/revoke", handler);
    (format!("http://{}", serve(router).await), seen)
}

/// A TCP server that accepts connections and never answers; returns its origin. If
/// `first_bytes` is given, it records what each connection sends first.
pub async fn start_silent_server(first_bytes: Option<Arc<Mutex<Vec<u8>>>>) -> String {
    use tokio::io::AsyncReadExt;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut socket, _)) = listener.accept().await {
            if let Some(record) = &first_bytes {
                let mut buf = [0u8; 16];
                if let Ok(n) = socket.read(&mut buf).await {
                    record.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            }
            held.push(socket);
        }
    });
    format!("http://{addr}")
}

/// An origin on a port where nothing listens, for as long as the returned socket lives: it is
/// bound there and never listens, so a connection is refused, and no other listener can take the
/// port meanwhile. (A port bound, closed, then named raced with the tests' own listeners, which
/// the system gave it to: a 403 from another exchange where a 502 was expected.)
pub async fn closed_port_origin() -> (String, tokio::net::TcpSocket) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = socket.local_addr().unwrap();
    (format!("http://{addr}"), socket)
}

/// One client entry of the exchange's config.
pub fn client_entry(
    client_id: &str,
    token_endpoint: &str,
    secret_env: &str,
    auth: &str,
    origins: &[&str],
) -> serde_json::Value {
    serde_json::json!({
        "client_id": client_id,
        "token_endpoint": token_endpoint,
        "client_secret_env": secret_env,
        "client_auth": auth,
        "redirect_uris": [REDIRECT_URI],
        "allowed_origins": origins,
    })
}

/// [`client_entry`] with a `revocation_endpoint`.
pub fn revoking_client_entry(
    client_id: &str,
    token_endpoint: &str,
    revocation_endpoint: &str,
    secret_env: &str,
    auth: &str,
    origins: &[&str],
) -> serde_json::Value {
    let mut entry = client_entry(client_id, token_endpoint, secret_env, auth, origins);
    entry["revocation_endpoint"] = revocation_endpoint.into();
    entry
}

/// The widget's refresh request (the contract's "Renewal"), in its order.
pub fn refresh_form(client_id: &str, refresh_token: &str, scope: Option<&str>) -> String {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("grant_type", "refresh_token")
        .append_pair("refresh_token", refresh_token)
        .append_pair("client_id", client_id);
    if let Some(scope) = scope {
        form.append_pair("scope", scope);
    }
    form.finish()
}

/// The widget's revocation request (RFC 7009), in its order.
pub fn revoke_form(client_id: &str, token: &str, hint: Option<&str>) -> String {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("token", token);
    if let Some(hint) = hint {
        form.append_pair("token_type_hint", hint);
    }
    form.append_pair("client_id", client_id).finish()
}

/// `POST {exchange}{path}` with a form body and an optional `Origin`.
pub async fn post_form(exchange: &str, path: &str, origin: Option<&str>, body: String) -> Answer {
    let mut request = http()
        .post(format!("{exchange}{path}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    send(request).await
}

/// The widget's token request redeeming `client_id`'s `code` (see [`token_form`]) at
/// [`REDIRECT_URI`], from [`ORIGIN`].
pub async fn post_code(exchange: &str, client_id: &str, code: &str, verifier: &str) -> Answer {
    let body = token_form(client_id, code, REDIRECT_URI, verifier);
    post_token(exchange, Some(ORIGIN), body).await
}

/// The widget's refresh request (see [`refresh_form`]), from [`ORIGIN`].
pub async fn post_refresh(
    exchange: &str,
    client_id: &str,
    refresh_token: &str,
    scope: Option<&str>,
) -> Answer {
    let body = refresh_form(client_id, refresh_token, scope);
    post_token(exchange, Some(ORIGIN), body).await
}

/// The widget's revocation request (see [`revoke_form`]), from [`ORIGIN`].
pub async fn post_revoke(
    exchange: &str,
    client_id: &str,
    token: &str,
    hint: Option<&str>,
) -> Answer {
    let body = revoke_form(client_id, token, hint);
    post_form(exchange, "/revoke", Some(ORIGIN), body).await
}

/// The config file text for `clients`, with a small upstream timeout.
pub fn config_json(clients: &[serde_json::Value], timeout_ms: u64) -> String {
    serde_json::json!({ "upstream_timeout_ms": timeout_ms, "clients": clients }).to_string()
}

/// The exchange, in-process on a loopback port; `secrets` plays the environment.
pub async fn start_exchange(config: &str, secrets: &[(&str, &str)]) -> String {
    start_exchange_with(config, secrets, oauth_prefab_exchange::BODY_TIMEOUT).await
}

/// [`start_exchange`] with another bound on reading request bodies.
pub async fn start_exchange_with(
    config: &str,
    secrets: &[(&str, &str)],
    body_timeout: Duration,
) -> String {
    let secrets: Vec<(String, String)> = secrets
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let config = Config::from_json(config, |name| {
        secrets
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .ok_or(std::env::VarError::NotPresent)
    })
    .unwrap();
    let state = AppState::with_body_timeout(config, body_timeout).unwrap();
    format!("http://{}", serve(app(state)).await)
}

/// An answer of the exchange, with the checks every answer must pass already made.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// The string member `key` of the JSON answer.
    pub fn text(&self, key: &str) -> String {
        self.json()[key]
            .as_str()
            .unwrap_or_else(|| panic!("no {key} in {}", self.body))
            .to_owned()
    }

    /// The `error` member of a provider's own error answer (which may have no description).
    pub fn error_code(&self) -> String {
        self.json()["error"].as_str().unwrap_or_default().to_owned()
    }

    /// The OAuth error code, after checking the answer is OAuth-shaped.
    pub fn error(&self) -> String {
        let json = self.json();
        assert!(json["error_description"].is_string(), "{}", self.body);
        json["error"].as_str().unwrap().to_owned()
    }
}

/// Sends a request and checks what every answer carries: `Cache-Control: no-store`.
pub async fn send(request: reqwest::RequestBuilder) -> Answer {
    let res = request.send().await.unwrap();
    let answer = Answer {
        status: res.status(),
        headers: res.headers().clone(),
        body: res.text().await.unwrap(),
    };
    assert_eq!(
        answer.header("cache-control"),
        Some("no-store"),
        "{answer:?}"
    );
    answer
}

/// A CORS preflight for a POST to `url`, from `origin` (`None`: no `Origin` header).
pub fn preflight(url: String, origin: Option<&str>) -> reqwest::RequestBuilder {
    let request = http()
        .request(reqwest::Method::OPTIONS, url)
        .header("access-control-request-method", "POST");
    match origin {
        Some(origin) => request.header("origin", origin),
        None => request,
    }
}

/// `POST {exchange}/token` with a form body and an optional `Origin`.
pub async fn post_token(exchange: &str, origin: Option<&str>, body: String) -> Answer {
    post_form(exchange, "/token", origin, body).await
}

/// A path in the temp directory, unique to this process and call; what is there is removed
/// when it is dropped.
pub struct TempFile(PathBuf);

impl std::ops::Deref for TempFile {
    type Target = PathBuf;
    fn deref(&self) -> &PathBuf {
        &self.0
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        // What sqlite leaves beside a database it was given.
        for suffix in ["-journal", "-wal", "-shm"] {
            let mut beside = self.0.clone().into_os_string();
            beside.push(suffix);
            let _ = std::fs::remove_file(beside);
        }
    }
}

/// A path in the temp directory, unique to this process and call, with nothing there yet;
/// whatever is written there (and beside it, by sqlite) is removed when it is dropped.
pub fn temp_path(name: &str) -> TempFile {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    TempFile(std::env::temp_dir().join(format!(
        "oauth-prefab-exchange-test-{}-{n}-{name}",
        std::process::id()
    )))
}

/// [`temp_path`] with `contents` written there.
pub fn temp_file(name: &str, contents: &str) -> TempFile {
    let file = temp_path(name);
    std::fs::write(&file.0, contents).unwrap();
    file
}
