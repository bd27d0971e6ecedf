//! The exchange in-process against the real dev provider and fake token endpoints, over
//! loopback sockets: every behaviour of the contract's "exchange" section.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::*;

/// The exchange with [`CLIENT_ID`] on the dev provider, and a second client that allows
/// [`OTHER_ORIGIN`], so that origin passes CORS but not for [`CLIENT_ID`].
async fn exchange_for_provider() -> (String, String) {
    let provider = start_provider().await;
    let config = config_json(
        &[
            client_entry(
                CLIENT_ID,
                &token_endpoint(&provider),
                SECRET_ENV,
                "client_secret_post",
                &[ORIGIN],
            ),
            client_entry(
                "other-app",
                &token_endpoint(&provider),
                "OTHER_SECRET",
                "client_secret_post",
                &[OTHER_ORIGIN],
            ),
        ],
        2_000,
    );
    let exchange = start_exchange(&config, &[(SECRET_ENV, SECRET), ("OTHER_SECRET", "o")]).await;
    (provider, exchange)
}

/// The exchange with one client whose token endpoint is `endpoint`.
async fn exchange_for_endpoint(endpoint: &str, auth: &str, timeout_ms: u64) -> String {
    let config = config_json(
        &[client_entry(
            CLIENT_ID,
            endpoint,
            SECRET_ENV,
            auth,
            &[ORIGIN],
        )],
        timeout_ms,
    );
    start_exchange(&config, &[(SECRET_ENV, SECRET)]).await
}

#[tokio::test]
async fn a_full_exchange_returns_the_providers_token_and_user() {
    let (provider, exchange) = exchange_for_provider().await;
    let (verifier, challenge) = pkce();
    let code = fresh_code(&provider, &challenge).await;

    let answer = post_code(&exchange, CLIENT_ID, &code, &verifier).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let json = answer.json();
    assert!(json["access_token"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(json["token_type"], "bearer");
    assert!(json["expires_in"].is_u64());
    assert!(json["user"]["username"].is_string(), "{json}");
    assert!(answer
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(answer.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(answer.header("vary"), Some("Origin"));

    // The token works at the provider's API.
    assert_eq!(
        api_status(&provider, &answer.text("access_token")).await,
        StatusCode::OK
    );

    // The code is single-use: the provider's own refusal comes back with its status.
    let again = post_code(&exchange, CLIENT_ID, &code, &verifier).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(again.error(), "invalid_grant");
    assert_eq!(again.header("access-control-allow-origin"), Some(ORIGIN));
}

#[tokio::test]
async fn a_providers_own_error_passes_through_unchanged() {
    let (_provider, exchange) = exchange_for_provider().await;
    let answer = post_token(&exchange, Some(ORIGIN), request_with_code("no-such-code")).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    let json = answer.json();
    assert_eq!(json["error"], "invalid_grant");
    // The provider's own extra fields are kept: the body is relayed as it came.
    assert_eq!(json["error_type"], "OAuthException", "{json}");
}

#[tokio::test]
async fn unknown_client_redirect_uri_and_origins_are_refused_with_403() {
    let (_provider, exchange) = exchange_for_provider().await;
    let cases = [
        (
            "unknown client",
            Some(ORIGIN),
            token_form("nobody", "c", REDIRECT_URI, "v"),
            "invalid_client",
            Some(ORIGIN),
        ),
        (
            "redirect URI not allowed",
            Some(ORIGIN),
            token_form(CLIENT_ID, "c", "http://localhost:8080/other", "v"),
            "unauthorized_client",
            Some(ORIGIN),
        ),
        (
            "origin of another client",
            Some(OTHER_ORIGIN),
            request_with_code("c"),
            "unauthorized_client",
            Some(OTHER_ORIGIN),
        ),
        (
            "foreign origin",
            Some(FOREIGN_ORIGIN),
            request_with_code("c"),
            "unauthorized_client",
            None,
        ),
        (
            "no origin",
            None,
            request_with_code("c"),
            "unauthorized_client",
            None,
        ),
        (
            "opaque origin",
            Some("null"),
            request_with_code("c"),
            "unauthorized_client",
            None,
        ),
    ];
    for (what, origin, body, error, cors) in cases {
        let answer = post_token(&exchange, origin, body).await;
        assert_eq!(
            answer.status,
            StatusCode::FORBIDDEN,
            "{what}: {}",
            answer.body
        );
        assert_eq!(answer.error(), error, "{what}");
        if what == "origin of another client" {
            let description = answer.json()["error_description"].to_string();
            assert!(
                description.contains("may not redeem codes for client demo-app"),
                "{description}"
            );
        }
        // Only a configured origin may read the refusal.
        assert_eq!(answer.header("access-control-allow-origin"), cors, "{what}");
    }
}

#[tokio::test]
async fn preflights_are_answered_for_configured_origins_only() {
    let (_provider, exchange) = exchange_for_provider().await;
    let preflight_from = |origin: Option<&'static str>| {
        send(
            preflight(format!("{exchange}/token"), origin)
                .header("access-control-request-headers", "content-type"),
        )
    };

    let allowed = preflight_from(Some(ORIGIN)).await;
    assert_eq!(allowed.status, StatusCode::NO_CONTENT);
    assert_eq!(allowed.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(allowed.header("access-control-allow-methods"), Some("POST"));
    assert!(allowed
        .header("access-control-allow-headers")
        .is_some_and(|h| h.eq_ignore_ascii_case("content-type")));

    for origin in [Some(FOREIGN_ORIGIN), None] {
        let refused = preflight_from(origin).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{origin:?}");
        assert_eq!(refused.error(), "unauthorized_client");
        assert_eq!(refused.header("access-control-allow-origin"), None);
        assert_eq!(refused.header("access-control-allow-methods"), None);
    }
}

#[tokio::test]
async fn bodies_that_are_not_a_token_request_form_are_400() {
    let (_provider, exchange) = exchange_for_provider().await;
    let post = |content_type: &'static str, body: String| {
        send(
            http()
                .post(format!("{exchange}/token"))
                .header("origin", ORIGIN)
                .header("content-type", content_type)
                .body(body),
        )
    };
    let json_body = serde_json::json!({"grant_type": "authorization_code"}).to_string();
    let form = "application/x-www-form-urlencoded";
    let cases = [
        (
            "JSON body",
            "application/json",
            json_body,
            "invalid_request",
        ),
        (
            "text body",
            "text/plain",
            request_with_code("c"),
            "invalid_request",
        ),
        (
            "broken escape",
            form,
            request_with_code("c") + "&x=%zz",
            "invalid_request",
        ),
        (
            "non-UTF-8",
            form,
            request_with_code("c").replace("code=c", "code=c%FF"),
            "invalid_request",
        ),
        (
            "repeated field",
            form,
            request_with_code("c") + "&code=d",
            "invalid_request",
        ),
        (
            "a secret",
            form,
            request_with_code("c") + "&client_secret=x",
            "invalid_request",
        ),
        (
            "another field",
            form,
            request_with_code("c") + "&scope=all",
            "invalid_request",
        ),
        (
            "missing code",
            form,
            "grant_type=authorization_code&client_id=demo-app&redirect_uri=x".into(),
            "invalid_request",
        ),
        (
            "another grant",
            form,
            request_with_code("c").replace("authorization_code", "password"),
            "unsupported_grant_type",
        ),
    ];
    for (what, content_type, body, error) in cases {
        let answer = post(content_type, body).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{what}: {}",
            answer.body
        );
        assert_eq!(answer.error(), error, "{what}");
        assert_eq!(
            answer.header("access-control-allow-origin"),
            Some(ORIGIN),
            "{what}"
        );
    }

    // No Content-Type at all.
    let answer = send(
        http()
            .post(format!("{exchange}/token"))
            .header("origin", ORIGIN)
            .body(request_with_code("c")),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_body_over_16_kib_is_413() {
    let (_provider, exchange) = exchange_for_provider().await;
    let big = request_with_code(&"c".repeat(17 * 1024));
    let answer = post_token(&exchange, Some(ORIGIN), big).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.error(), "invalid_request");

    // Exactly at the limit is still read (and then refused for what it says).
    let padded = request_with_code("c") + "&";
    let at_limit = padded.clone() + &"x".repeat(16 * 1024 - padded.len());
    assert_eq!(at_limit.len(), 16 * 1024);
    let answer = post_token(&exchange, Some(ORIGIN), at_limit).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
}

#[tokio::test]
async fn a_chunked_body_over_16_kib_is_413() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (_provider, exchange) = exchange_for_provider().await;
    let addr = exchange.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /token HTTP/1.1\r\nHost: {addr}\r\nOrigin: {ORIGIN}\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    let chunk = "c".repeat(4096);
    for _ in 0..5 {
        let framed = format!("{:x}\r\n{chunk}\r\n", chunk.len());
        if socket.write_all(framed.as_bytes()).await.is_err() {
            break; // The server may answer and close before reading it all.
        }
    }
    let _ = socket.write_all(b"0\r\n\r\n").await;
    let mut answer = String::new();
    let _ = socket.read_to_string(&mut answer).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("cache-control: no-store"), "{answer}");
}

#[tokio::test]
async fn a_body_that_stalls_is_408() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let config = config_json(
        &[client_entry(
            CLIENT_ID,
            "https://provider.example/token",
            SECRET_ENV,
            "client_secret_post",
            &[ORIGIN],
        )],
        2_000,
    );
    let exchange =
        start_exchange_with(&config, &[(SECRET_ENV, SECRET)], Duration::from_millis(300)).await;
    let addr = exchange.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /token HTTP/1.1\r\nHost: {addr}\r\nOrigin: {ORIGIN}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 300\r\n\r\ngrant_type="
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    let mut answer = String::new();
    let read = tokio::time::timeout(Duration::from_secs(5), socket.read_to_string(&mut answer));
    assert!(read.await.is_ok(), "no answer to a stalled body");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("invalid_request"), "{answer}");
}

#[tokio::test]
async fn other_methods_are_405_and_other_paths_404() {
    let (_provider, exchange) = exchange_for_provider().await;
    for method in [
        reqwest::Method::GET,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
    ] {
        let answer = send(
            http()
                .request(method.clone(), format!("{exchange}/token"))
                .header("origin", ORIGIN),
        )
        .await;
        assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(answer.header("allow"), Some("POST, OPTIONS"));
        assert_eq!(answer.error(), "invalid_request");
    }
    for path in ["/", "/oauth/token", "/token/", "/tokens"] {
        let answer = send(http().post(format!("{exchange}{path}"))).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(answer.error(), "invalid_request");
    }
}

#[tokio::test]
async fn healthz_answers_200() {
    let (_provider, exchange) = exchange_for_provider().await;
    let answer = send(http().get(format!("{exchange}/healthz"))).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json()["status"], "ok");
    let answer = send(http().post(format!("{exchange}/healthz"))).await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn a_provider_that_is_down_is_502() {
    let (down, _held) = closed_port_origin().await;
    let exchange =
        exchange_for_endpoint(&format!("{down}/token"), "client_secret_post", 2_000).await;
    let answer = post_token(&exchange, Some(ORIGIN), request_with_code("c")).await;
    assert_eq!(answer.status, StatusCode::BAD_GATEWAY);
    assert_eq!(answer.error(), "server_error");
    assert_eq!(answer.header("access-control-allow-origin"), Some(ORIGIN));
}

#[tokio::test]
async fn a_provider_that_never_answers_is_502_after_the_timeout() {
    let silent = start_silent_server(None).await;
    let exchange =
        exchange_for_endpoint(&format!("{silent}/token"), "client_secret_post", 300).await;
    let started = Instant::now();
    let answer = post_token(&exchange, Some(ORIGIN), request_with_code("c")).await;
    let took = started.elapsed();
    assert_eq!(answer.status, StatusCode::BAD_GATEWAY);
    assert_eq!(answer.error(), "server_error");
    assert!(answer.json()["error_description"]
        .as_str()
        .unwrap()
        .contains("300 ms"));
    assert!(took >= Duration::from_millis(300), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[tokio::test]
async fn a_provider_answering_something_that_is_not_json_is_502() {
    for (status, content_type, body) in [
        (200, "text/html", "<html><body>Sign in</body></html>"),
        (500, "text/html", "<h1>Internal Server Error</h1>"),
        (200, "application/json", "[\"not\",\"an\",\"object\"]"),
        (
            200,
            "application/x-www-form-urlencoded",
            "access_token=t&token_type=bearer",
        ),
        // A redirect is not followed: the secret would go where the config never named.
        (302, "application/json", "{}"),
    ] {
        let (endpoint, seen) = start_fake_endpoint(status, content_type, body).await;
        let exchange =
            exchange_for_endpoint(&format!("{endpoint}/token"), "client_secret_post", 2_000).await;
        let answer = post_token(&exchange, Some(ORIGIN), request_with_code("c")).await;
        assert_eq!(answer.status, StatusCode::BAD_GATEWAY, "{status} {body}");
        assert_eq!(answer.error(), "server_error", "{status} {body}");
        assert!(!answer.body.contains(body), "{}", answer.body);
        assert_eq!(
            seen.lock().unwrap().len(),
            1,
            "one request, no redirect followed"
        );
    }
}

#[tokio::test]
async fn an_oversized_provider_answer_is_502() {
    let huge: &'static str =
        Box::leak(format!("{{\"pad\":\"{}\"}}", "x".repeat(70_000)).into_boxed_str());
    let (endpoint, _seen) = start_fake_endpoint(200, "application/json", huge).await;
    let exchange =
        exchange_for_endpoint(&format!("{endpoint}/token"), "client_secret_post", 2_000).await;
    let answer = post_token(&exchange, Some(ORIGIN), request_with_code("c")).await;
    assert_eq!(answer.status, StatusCode::BAD_GATEWAY);
    assert_eq!(answer.error(), "server_error");
}

const FAKE_TOKEN: &str = r#"{"access_token":"fake-token","token_type":"bearer","expires_in":60}"#;

/// The widget's token request through an exchange whose client authenticates with `auth` at a
/// fake endpoint answering [`FAKE_TOKEN`]: what the page sent, its answer, and what the
/// endpoint received.
async fn relayed_with(auth: &str) -> (String, Answer, Captured) {
    let (endpoint, seen) = start_fake_endpoint(200, "application/json", FAKE_TOKEN).await;
    let exchange = exchange_for_endpoint(&format!("{endpoint}/token"), auth, 2_000).await;
    let sent = token_form(CLIENT_ID, "the code", REDIRECT_URI, "the-verifier");
    let answer = post_token(&exchange, Some(ORIGIN), sent.clone()).await;
    let request = seen.lock().unwrap().first().cloned();
    let request = request.unwrap_or_else(|| panic!("nothing reached the endpoint: {answer:?}"));
    (sent, answer, request)
}

#[tokio::test]
async fn client_secret_post_adds_the_secret_to_the_widgets_fields() {
    let (sent, answer, request) = relayed_with("client_secret_post").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body, FAKE_TOKEN);

    assert_eq!(
        form_fields(&request.body),
        fields_then_secret(&sent),
        "every field of the widget, in order, then the secret"
    );
    assert!(request.headers.get("authorization").is_none());
    assert_eq!(
        request.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(request.headers["accept"], "application/json");
}

#[tokio::test]
async fn client_secret_basic_sends_the_secret_in_the_authorization_header() {
    let (sent, answer, request) = relayed_with("client_secret_basic").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);

    assert_eq!(
        request.body, sent,
        "the widget's fields exactly, no secret among them"
    );
    // RFC 6749 section 2.3.1: each part form-encoded before joining.
    assert_eq!(request.basic_credentials(), basic_pair(CLIENT_ID, SECRET));
}

#[tokio::test]
async fn an_https_token_endpoint_is_reached_over_tls() {
    // Nothing here can complete a handshake trusted by the public roots, so the request
    // fails (502); what arrives shows the secret was never sent in clear.
    let first_bytes = Arc::new(Mutex::new(Vec::new()));
    let silent = start_silent_server(Some(first_bytes.clone())).await;
    let endpoint = format!("{}/token", silent.replacen("http://", "https://", 1));
    let exchange = exchange_for_endpoint(&endpoint, "client_secret_post", 500).await;
    let answer = post_token(&exchange, Some(ORIGIN), request_with_code("c")).await;
    assert_eq!(answer.status, StatusCode::BAD_GATEWAY);
    let bytes = first_bytes.lock().unwrap().clone();
    // A TLS record of type handshake (22), version 3.x: a ClientHello.
    assert!(bytes.len() >= 3, "{bytes:?}");
    assert_eq!((bytes[0], bytes[1]), (0x16, 0x03), "{bytes:?}");
    assert!(!String::from_utf8_lossy(&bytes).contains("POST"));
}
