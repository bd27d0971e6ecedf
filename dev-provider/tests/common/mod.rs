//! Helpers shared by the in-process HTTP tests: a router over test clients, requests
//! sent through `tower::ServiceExt::oneshot`, and form/Location decoding.

// Each test crate uses its own subset of these.
#![allow(dead_code)]

use axum::body::{to_bytes, Body};
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use dev_provider::{app, AppState, ClientRegistry, Config};
use serde_json::Value;
use tower::ServiceExt;

pub const CLIENTS: &str = r#"{"clients":[
  {"id":"app","secret":"s3cret","name":"Test <App> & Co",
   "redirect_uris":["http://localhost:5173/cb","http://localhost:5173/?mode=popup"]},
  {"id":"other","secret":"x","name":"Other","redirect_uris":["http://127.0.0.1:4000/"]},
  {"id":"spa","name":"Public SPA","redirect_uris":["http://localhost:5173/spa"]}
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
    send(router, Request::get(uri).body(Body::empty()).unwrap()).await
}

pub async fn post_form(router: &Router, uri: &str, body: &str) -> Res {
    let req = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_owned()))
        .unwrap();
    send(router, req).await
}

pub fn enc(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
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

/// Consent form POST for `app` with the given extra fields.
pub async fn decide(router: &Router, extra: &[(&str, &str)]) -> Res {
    let mut pairs = vec![("client_id", "app"), ("redirect_uri", CB)];
    pairs.extend_from_slice(extra);
    post_form(router, "/oauth/authorize", &enc(&pairs)).await
}

pub async fn implicit_token(router: &Router) -> String {
    let res = decide(router, &[("response_type", "token"), ("decision", "allow")]).await;
    let (_, _, fragment) = split_location(res.location());
    field(&decode(&fragment.unwrap()), "access_token")
        .unwrap()
        .to_owned()
}
