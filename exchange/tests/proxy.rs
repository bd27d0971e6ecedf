//! The outgoing proxy variables and loopback endpoints: plain `http` is accepted for a
//! loopback token endpoint only because the secret then never leaves the machine, so a
//! proxy named by `HTTP_PROXY` or `ALL_PROXY` (another machine, reached in clear text) must
//! never be given a request for one.

mod common;

use axum::http::StatusCode;
use common::*;

#[tokio::test]
async fn a_loopback_http_token_endpoint_is_never_reached_through_a_proxy() {
    let (provider, provider_seen) = start_fake_endpoint(
        200,
        "application/json",
        r#"{"access_token":"t","token_type":"bearer"}"#,
    )
    .await;
    // The "proxy": records what it is sent (a proxied request's path is still `/token`).
    let (proxy, proxy_seen) = start_fake_endpoint(
        200,
        "application/json",
        r#"{"access_token":"from-the-proxy","token_type":"bearer"}"#,
    )
    .await;
    let config = temp_file(
        "proxy.json",
        &config_json(
            &[client_entry(
                CLIENT_ID,
                &format!("{provider}/token"),
                SECRET_ENV,
                "client_secret_post",
                &[ORIGIN],
            )],
            5_000,
        ),
    );
    for variable in ["HTTP_PROXY", "ALL_PROXY"] {
        let running = start_binary(
            &config,
            &[
                (SECRET_ENV, SECRET),
                (variable, proxy.as_str()),
                ("NO_PROXY", ""),
                ("no_proxy", ""),
            ],
        )
        .await;
        let answer = post_token(&running.origin, Some(ORIGIN), request_with_code("c0de")).await;
        let _ = running.stop().await;
        assert_eq!(answer.status, StatusCode::OK, "{variable}: {answer:?}");
        let leaked: Vec<String> = proxy_seen
            .lock()
            .unwrap()
            .iter()
            .map(|c| c.body.clone())
            .collect();
        assert!(
            leaked.is_empty(),
            "with {variable} set, the secret went in clear text to the proxy: {leaked:?}"
        );
    }
    assert_eq!(provider_seen.lock().unwrap().len(), 2);
}
