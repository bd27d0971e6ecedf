//! Helpers shared by the in-process HTTP tests: a router over test clients, requests
//! sent through `tower::ServiceExt::oneshot`, and form/Location decoding.

// Each test crate uses its own subset of these.
#![allow(dead_code)]

use axum::body::{to_bytes, Body};
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use dev_provider::{app, AppState, ClientRegistry, Config};
use serde_json::Value;
use tower::ServiceExt;

pub const CLIENTS: &str = r#"{"clients":[
  {"id":"app","secret":"s3cret","name":"Test <App> & Co",
   "redirect_uris":["http://localhost:5173/cb","http://localhost:5173/?mode=popup"]},
  {"id":"other","secret":"x","name":"Other","redirect_uris":["http://127.0.0.1:4000/"]},
  {"id":"spa","name":"Public SPA","redirect_uris":["http://localhost:5173/spa"]},
  {"id":"es","name":"ES256 SPA","redirect_uris":["http://localhost:5173/es"],"id_token_alg":"ES256"}
]}"#;
pub const APP_ORIGIN: &str = "http://localhost:5173";
pub const CB: &str = "http://localhost:5173/cb";
/// The RFC 9207 `iss` parameter every authorization response ends with (the
/// issuer is `Config::default().public_origin`).
pub const ISS: &str = "iss=http%3A%2F%2F127.0.0.1%3A9090";

pub fn config(test_controls: bool) -> Config {
    Config {
        test_controls,
        ..Config::default()
    }
}

pub fn setup(cfg: Config) -> (AppState, Router) {
    let state = AppState::new(ClientRegistry::from_json(CLIENTS).unwrap(), cfg);
    (state.clone(), app(state))
}

pub struct Res {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Res {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .unwrap()
            .to_str()
            .unwrap()
    }
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
    pub fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }
}

pub async fn send(router: &Router, req: Request<Body>) -> Res {
    let res = router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = to_bytes(res.into_body(), 1 << 20).await.unwrap();
    Res {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

pub async fn get(router: &Router, uri: &str) -> Res {
    get_with(router, uri, &[]).await
}

pub async fn post_form(router: &Router, uri: &str, body: &str) -> Res {
    post_form_with(router, uri, body, &[]).await
}

pub fn enc(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// The query of an authorization request by `app` for `CB`, with `extra` fields after those
/// two: the GET twin of [`decide`].
pub fn authorize_query(extra: &[(&str, &str)]) -> String {
    let mut pairs = vec![("client_id", "app"), ("redirect_uri", CB)];
    pairs.extend_from_slice(extra);
    enc(&pairs)
}

pub fn decode(raw: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.as_bytes())
        .into_owned()
        .collect()
}

pub fn field<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Splits a Location into (base, query, fragment).
pub fn split_location(loc: &str) -> (String, Option<String>, Option<String>) {
    let (rest, fragment) = match loc.split_once('#') {
        Some((r, f)) => (r, Some(f.to_owned())),
        None => (loc, None),
    };
    match rest.split_once('?') {
        Some((b, q)) => (b.to_owned(), Some(q.to_owned()), fragment),
        None => (rest.to_owned(), None, fragment),
    }
}

/// The decoded query of a redirect's Location.
pub fn redirect_query(res: &Res) -> Vec<(String, String)> {
    let (_, query, _) = split_location(res.location());
    decode(&query.expect("a query"))
}

/// The decoded fragment of a redirect's Location.
pub fn redirect_fragment(res: &Res) -> Vec<(String, String)> {
    let (_, _, fragment) = split_location(res.location());
    decode(&fragment.expect("a fragment"))
}

/// The `code` of a successful code-flow redirect in the query.
pub fn code_of(res: &Res) -> String {
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    field(&redirect_query(res), "code")
        .expect("a code")
        .to_owned()
}

/// The names of decoded pairs, in their order.
pub fn names(pairs: &[(String, String)]) -> Vec<&str> {
    pairs.iter().map(|(k, _)| k.as_str()).collect()
}

/// Consent form POST for `app` with the given extra fields.
pub async fn decide(router: &Router, extra: &[(&str, &str)]) -> Res {
    let mut pairs = vec![("client_id", "app"), ("redirect_uri", CB)];
    pairs.extend_from_slice(extra);
    post_form(router, "/oauth/authorize", &enc(&pairs)).await
}

pub async fn implicit_token(router: &Router) -> String {
    let res = decide(router, &[("response_type", "token"), ("decision", "allow")]).await;
    field(&redirect_fragment(&res), "access_token")
        .unwrap()
        .to_owned()
}

/// A request with extra headers.
pub async fn get_with(router: &Router, uri: &str, headers: &[(header::HeaderName, &str)]) -> Res {
    request_with(router, Method::GET, uri, headers).await
}

/// A request with no body, by any method, with extra headers.
pub async fn request_with(
    router: &Router,
    method: Method,
    uri: &str,
    headers: &[(header::HeaderName, &str)],
) -> Res {
    let mut req = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        req = req.header(name, *value);
    }
    send(router, req.body(Body::empty()).unwrap()).await
}

/// A POST of `body` as JSON.
pub async fn post_json(router: &Router, uri: &str, body: &Value) -> Res {
    let req = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    send(router, req).await
}

/// A form POST with extra headers.
pub async fn post_form_with(
    router: &Router,
    uri: &str,
    body: &str,
    headers: &[(header::HeaderName, &str)],
) -> Res {
    let mut req =
        Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    for (name, value) in headers {
        req = req.header(name, *value);
    }
    send(router, req.body(Body::from(body.to_owned())).unwrap()).await
}

fn b64(part: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap()
}

/// A compact JWS's header and payload, unverified.
pub fn jwt_parts(jws: &str) -> (Value, Value) {
    let mut parts = jws.split('.');
    let header = serde_json::from_slice(&b64(parts.next().unwrap())).unwrap();
    let payload = serde_json::from_slice(&b64(parts.next().unwrap())).unwrap();
    (header, payload)
}

/// Verifies `jws` as a relying party would, with the key of its `kid` in `jwks`
/// (RS256 or ES256 only); the claims if it verifies.
pub fn verify_jws(jwks: &Value, jws: &str) -> Option<Value> {
    use ring::signature;
    let (header, payload) = jwt_parts(jws);
    let key = jwks["keys"]
        .as_array()?
        .iter()
        .find(|k| k["kid"] == header["kid"])?;
    let (input, sig) = jws.rsplit_once('.')?;
    let sig = b64(sig);
    let ok = match (header["alg"].as_str()?, key["kty"].as_str()?) {
        ("RS256", "RSA") => ring::rsa::PublicKeyComponents {
            n: b64(key["n"].as_str()?),
            e: b64(key["e"].as_str()?),
        }
        .verify(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            input.as_bytes(),
            &sig,
        )
        .is_ok(),
        ("ES256", "EC") => {
            let mut point = vec![4];
            point.extend(b64(key["x"].as_str()?));
            point.extend(b64(key["y"].as_str()?));
            signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                .verify(input.as_bytes(), &sig)
                .is_ok()
        }
        _ => false,
    };
    ok.then_some(payload)
}

/// `at_hash` of an access token (OpenID Connect Core 3.1.3.6).
pub fn at_hash(access_token: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(access_token.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// Checks the token endpoint's answer to a `basic` login of the default user (200, not
/// cached, a bearer token for an hour) and that its token works at the API; the token.
pub async fn assert_basic_login(router: &Router, res: &Res) -> String {
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.header(header::CACHE_CONTROL), Some("no-store"));
    let j = res.json();
    assert_eq!(j["token_type"], "bearer");
    assert_eq!(j["expires_in"], 3600);
    assert_eq!(j["scope"], "basic");
    assert_eq!(j["user"]["username"], "snoopdogg");
    let token = j["access_token"].as_str().unwrap().to_owned();
    let api = get(router, &format!("/v1/users/self?access_token={token}")).await;
    assert_eq!(api.status, StatusCode::OK);
    token
}

/// Seconds since the epoch.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The RFC 7636 Appendix B pair.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
pub const SPA: &str = "http://localhost:5173/spa";

/// The query of a code-flow authorization request by the public client `spa` for `SPA`,
/// with `extra` fields after: the GET twin of [`spa_authorize`].
pub fn spa_authorize_query(extra: &[(&str, &str)]) -> String {
    let mut pairs = vec![
        ("client_id", "spa"),
        ("redirect_uri", SPA),
        ("response_type", "code"),
    ];
    pairs.extend_from_slice(extra);
    enc(&pairs)
}

/// A code-flow authorization request by the public client `spa`, with the given extra
/// fields, decided with **Allow** on the consent form.
pub async fn spa_authorize(router: &Router, extra: &[(&str, &str)]) -> Res {
    let mut pairs = vec![
        ("client_id", "spa"),
        ("redirect_uri", SPA),
        ("response_type", "code"),
        ("decision", "allow"),
    ];
    pairs.extend_from_slice(extra);
    post_form(router, "/oauth/authorize", &enc(&pairs)).await
}

/// The widget's token request redeeming `code` for `spa`: no secret, the PKCE verifier.
pub fn spa_redemption(code: &str) -> [(&str, &str); 5] {
    [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", SPA),
        ("client_id", "spa"),
        ("code_verifier", VERIFIER),
    ]
}

/// A code-flow login of the public client `spa` (PKCE), allowed by the browser with
/// `cookie` (None: the default user), then redeemed: the token endpoint's JSON.
pub async fn spa_login(
    router: &Router,
    scope: &str,
    nonce: Option<&str>,
    cookie: Option<&str>,
) -> Value {
    let mut pairs = vec![
        ("client_id", "spa"),
        ("redirect_uri", SPA),
        ("response_type", "code"),
        ("scope", scope),
        ("state", "st"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
        ("decision", "allow"),
    ];
    pairs.extend(nonce.map(|n| ("nonce", n)));
    let headers: Vec<(header::HeaderName, &str)> =
        cookie.map(|c| (header::COOKIE, c)).into_iter().collect();
    let res = post_form_with(router, "/oauth/authorize", &enc(&pairs), &headers).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let query = redirect_query(&res);
    assert!(field(&query, "error").is_none(), "{query:?}");
    let code = field(&query, "code").unwrap();
    let res = post_form(router, "/oauth/token", &enc(&spa_redemption(code))).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

/// A refresh at the token endpoint by the public client `spa`.
pub async fn spa_refresh(router: &Router, refresh_token: &str, scope: Option<&str>) -> Res {
    let mut pairs = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", "spa"),
    ];
    pairs.extend(scope.map(|s| ("scope", s)));
    post_form(router, "/oauth/token", &enc(&pairs)).await
}
