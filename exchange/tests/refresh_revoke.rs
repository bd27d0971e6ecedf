//! The refresh grant at `POST /token` and the `POST /revoke` relay, against fake provider
//! endpoints over loopback: what reaches the provider, what comes back, and every refusal.

mod common;

use axum::http::StatusCode;
use common::*;

const FAKE_TOKEN: &str = r#"{"access_token":"new-access","token_type":"bearer","expires_in":60,"refresh_token":"rotated-refresh"}"#;

/// The exchange with [`CLIENT_ID`] (revocation at the fake endpoint, secret sent as `auth`),
/// `no-revoke` (no revocation endpoint) and `other-app` (allowing [`OTHER_ORIGIN`] only).
async fn exchange_for(endpoint: &str, auth: &str) -> String {
    let token = format!("{endpoint}/token");
    let revoke = format!("{endpoint}/revoke");
    let config = config_json(
        &[
            revoking_client_entry(CLIENT_ID, &token, &revoke, SECRET_ENV, auth, &[ORIGIN]),
            client_entry("no-revoke", &token, SECRET_ENV, auth, &[ORIGIN]),
            revoking_client_entry(
                "other-app",
                &token,
                &revoke,
                SECRET_ENV,
                auth,
                &[OTHER_ORIGIN],
            ),
        ],
        2_000,
    );
    start_exchange(&config, &[(SECRET_ENV, SECRET)]).await
}

/// What a refusal case is: its name, path, `Origin`, body, and the expected status and error.
type Case = (
    &'static str,
    &'static str,
    Option<&'static str>,
    String,
    StatusCode,
    &'static str,
);

#[tokio::test]
async fn a_refresh_is_relayed_with_the_secret_and_the_answer_comes_back() {
    let (endpoint, seen) = start_fake_endpoint(200, "application/json", FAKE_TOKEN).await;
    let exchange = exchange_for(&endpoint, "client_secret_post").await;
    for scope in [None, Some("basic likes")] {
        let sent = refresh_form(CLIENT_ID, "the refresh token", scope);
        let answer = post_token(&exchange, Some(ORIGIN), sent.clone()).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        assert_eq!(answer.body, FAKE_TOKEN);
        assert_eq!(answer.header("access-control-allow-origin"), Some(ORIGIN));

        let request = seen.lock().unwrap().pop().unwrap();
        assert_eq!(
            form_fields(&request.body),
            fields_then_secret(&sent),
            "the page's fields, then the secret"
        );
        assert!(request.headers.get("authorization").is_none());
        assert_eq!(request.path, "/token");
    }
}

#[tokio::test]
async fn a_refresh_over_basic_keeps_the_pages_fields_exactly() {
    let (endpoint, seen) = start_fake_endpoint(200, "application/json", FAKE_TOKEN).await;
    let exchange = exchange_for(&endpoint, "client_secret_basic").await;
    let sent = refresh_form(CLIENT_ID, "rt", None);
    let answer = post_token(&exchange, Some(ORIGIN), sent.clone()).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let request = seen.lock().unwrap().pop().unwrap();
    assert_eq!(request.body, sent);
    assert_eq!(request.basic_credentials(), basic_pair(CLIENT_ID, SECRET));
}

#[tokio::test]
async fn a_providers_refusal_of_a_refresh_passes_through() {
    let body = r#"{"error":"invalid_grant","error_description":"reused"}"#;
    let (endpoint, _) = start_fake_endpoint(400, "application/json", body).await;
    let exchange = exchange_for(&endpoint, "client_secret_post").await;
    let answer = post_refresh(&exchange, CLIENT_ID, "rt", None).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.body, body);
}

/// Every refusal of the refresh grant and of `/revoke`: none reaches the provider.
#[tokio::test]
async fn refusals_of_the_refresh_grant_and_of_revoke() {
    let (endpoint, seen) = start_fake_endpoint(200, "application/json", FAKE_TOKEN).await;
    let exchange = exchange_for(&endpoint, "client_secret_post").await;
    let refresh = |extra: &str| refresh_form(CLIENT_ID, "rt", None) + extra;
    let revoke = |extra: &str| revoke_form(CLIENT_ID, "tok", Some("refresh_token")) + extra;
    let big = "x".repeat(17 * 1024);
    #[rustfmt::skip]
    let cases: Vec<Case> = vec![
        ("refresh: no refresh_token", "/token", Some(ORIGIN), "grant_type=refresh_token&client_id=demo-app".into(), StatusCode::BAD_REQUEST, "invalid_request"),
        ("refresh: empty refresh_token", "/token", Some(ORIGIN), refresh_form(CLIENT_ID, "", None), StatusCode::BAD_REQUEST, "invalid_request"),
        ("refresh: no client_id", "/token", Some(ORIGIN), "grant_type=refresh_token&refresh_token=rt".into(), StatusCode::BAD_REQUEST, "invalid_request"),
        ("refresh: a redirect_uri", "/token", Some(ORIGIN), refresh(&format!("&redirect_uri={REDIRECT_URI}")), StatusCode::BAD_REQUEST, "invalid_request"),
        ("refresh: a code", "/token", Some(ORIGIN), refresh("&code=c"), StatusCode::BAD_REQUEST, "invalid_request"),
        ("refresh: a code_verifier", "/token", Some(ORIGIN), refresh("&code_verifier=v"), StatusCode::BAD_REQUEST, "invalid_request"),
        ("refresh: a secret", "/token", Some(ORIGIN), refresh("&client_secret=s"), StatusCode::BAD_REQUEST, "invalid_request"),
        ("refresh: another field", "/token", Some(ORIGIN), refresh("&audience=x"), StatusCode::BAD_REQUEST, "invalid_request"),
        ("refresh: twice", "/token", Some(ORIGIN), refresh("&refresh_token=again"), StatusCode::BAD_REQUEST, "invalid_request"),
        ("refresh: broken escape", "/token", Some(ORIGIN), refresh("&scope=%zz"), StatusCode::BAD_REQUEST, "invalid_request"),
        ("refresh: over 16 KiB", "/token", Some(ORIGIN), refresh(&format!("&scope={big}")), StatusCode::PAYLOAD_TOO_LARGE, "invalid_request"),
        ("refresh: unknown client", "/token", Some(ORIGIN), refresh_form("nobody", "rt", None), StatusCode::FORBIDDEN, "invalid_client"),
        ("refresh: another client's origin", "/token", Some(OTHER_ORIGIN), refresh(""), StatusCode::FORBIDDEN, "unauthorized_client"),
        ("refresh: foreign origin", "/token", Some(FOREIGN_ORIGIN), refresh(""), StatusCode::FORBIDDEN, "unauthorized_client"),
        ("refresh: no origin", "/token", None, refresh(""), StatusCode::FORBIDDEN, "unauthorized_client"),
        ("code fields with the refresh grant name", "/token", Some(ORIGIN), token_form(CLIENT_ID, "c", REDIRECT_URI, "v").replace("authorization_code", "refresh_token"), StatusCode::BAD_REQUEST, "invalid_request"),
        ("a refresh_token with the code grant", "/token", Some(ORIGIN), token_form(CLIENT_ID, "c", REDIRECT_URI, "v") + "&refresh_token=rt", StatusCode::BAD_REQUEST, "invalid_request"),
        ("revoke: no token", "/revoke", Some(ORIGIN), "client_id=demo-app".into(), StatusCode::BAD_REQUEST, "invalid_request"),
        ("revoke: no client_id", "/revoke", Some(ORIGIN), "token=t".into(), StatusCode::BAD_REQUEST, "invalid_request"),
        ("revoke: a secret", "/revoke", Some(ORIGIN), revoke("&client_secret=s"), StatusCode::BAD_REQUEST, "invalid_request"),
        ("revoke: another field", "/revoke", Some(ORIGIN), revoke("&grant_type=refresh_token"), StatusCode::BAD_REQUEST, "invalid_request"),
        ("revoke: twice", "/revoke", Some(ORIGIN), revoke("&token=again"), StatusCode::BAD_REQUEST, "invalid_request"),
        ("revoke: non-UTF-8", "/revoke", Some(ORIGIN), revoke("&token_type_hint=%FF"), StatusCode::BAD_REQUEST, "invalid_request"),
        ("revoke: over 16 KiB", "/revoke", Some(ORIGIN), revoke(&format!("&x={big}")), StatusCode::PAYLOAD_TOO_LARGE, "invalid_request"),
        ("revoke: unknown client", "/revoke", Some(ORIGIN), revoke_form("nobody", "t", None), StatusCode::FORBIDDEN, "invalid_client"),
        ("revoke: no revocation endpoint", "/revoke", Some(ORIGIN), revoke_form("no-revoke", "t", None), StatusCode::FORBIDDEN, "unauthorized_client"),
        ("revoke: another client's origin", "/revoke", Some(OTHER_ORIGIN), revoke(""), StatusCode::FORBIDDEN, "unauthorized_client"),
        ("revoke: foreign origin", "/revoke", Some(FOREIGN_ORIGIN), revoke(""), StatusCode::FORBIDDEN, "unauthorized_client"),
        ("revoke: no origin", "/revoke", None, revoke(""), StatusCode::FORBIDDEN, "unauthorized_client"),
    ];
    for (what, path, origin, body, status, error) in cases {
        let answer = post_form(&exchange, path, origin, body).await;
        assert_eq!(answer.status, status, "{what}: {}", answer.body);
        assert_eq!(answer.error(), error, "{what}");
        let readable = origin.filter(|o| *o != FOREIGN_ORIGIN);
        assert_eq!(
            answer.header("access-control-allow-origin"),
            readable,
            "{what}"
        );
    }
    let no_revoke = post_revoke(&exchange, "no-revoke", "t", None).await;
    assert!(no_revoke.json()["error_description"]
        .as_str()
        .unwrap()
        .contains("revocation_endpoint"));
    // Not a form at all.
    let answer = send(
        http()
            .post(format!("{exchange}/revoke"))
            .header("origin", ORIGIN)
            .header("content-type", "application/json")
            .body(r#"{"token":"t"}"#),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(
        seen.lock().unwrap().is_empty(),
        "nothing reached the provider"
    );
}

#[tokio::test]
async fn a_revocation_is_relayed_with_the_secret() {
    let (endpoint, seen) = start_fake_endpoint(200, "text/html", "").await;
    let exchange = exchange_for(&endpoint, "client_secret_post").await;
    for hint in [Some("refresh_token"), Some("access_token"), None] {
        let sent = revoke_form(CLIENT_ID, "the token", hint);
        let answer = post_form(&exchange, "/revoke", Some(ORIGIN), sent.clone()).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        assert_eq!(answer.body, "", "RFC 7009's empty success");
        assert_eq!(answer.header("access-control-allow-origin"), Some(ORIGIN));
        let request = seen.lock().unwrap().pop().unwrap();
        assert_eq!(form_fields(&request.body), fields_then_secret(&sent));
        assert_eq!(request.path, "/revoke");
    }
}

#[tokio::test]
async fn a_revocations_answers_as_the_provider_gives_them() {
    // A success with a body that is not JSON is still a success; its body is dropped.
    let (endpoint, _) = start_fake_endpoint(200, "text/html", "<p>revoked</p>").await;
    let exchange = exchange_for(&endpoint, "client_secret_post").await;
    let answer = post_revoke(&exchange, CLIENT_ID, "t", None).await;
    assert_eq!((answer.status, answer.body.as_str()), (StatusCode::OK, ""));

    let refusal = r#"{"error":"invalid_client","error_description":"bad secret"}"#;
    let (endpoint, _) = start_fake_endpoint(401, "application/json", refusal).await;
    let exchange = exchange_for(&endpoint, "client_secret_post").await;
    let answer = post_revoke(&exchange, CLIENT_ID, "t", None).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.body, refusal);

    // An error that is not JSON, a provider that is down: 502.
    let (endpoint, _) = start_fake_endpoint(503, "text/html", "<h1>down</h1>").await;
    let exchange = exchange_for(&endpoint, "client_secret_post").await;
    let answer = post_revoke(&exchange, CLIENT_ID, "t", None).await;
    assert_eq!(answer.status, StatusCode::BAD_GATEWAY);
    assert_eq!(answer.error(), "server_error");
    let (down, _held) = closed_port_origin().await;
    let exchange = exchange_for(&down, "client_secret_post").await;
    for (path, body) in [
        ("/revoke", revoke_form(CLIENT_ID, "t", None)),
        ("/token", refresh_form(CLIENT_ID, "rt", None)),
    ] {
        let answer = post_form(&exchange, path, Some(ORIGIN), body).await;
        assert_eq!(answer.status, StatusCode::BAD_GATEWAY, "{path}");
        assert_eq!(answer.error(), "server_error");
        let description = answer.json()["error_description"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(
            description.contains("could not be reached"),
            "{description}"
        );
    }
}

#[tokio::test]
async fn revoke_has_the_same_preflight_methods_and_paths() {
    let (endpoint, _) = start_fake_endpoint(200, "text/html", "").await;
    let exchange = exchange_for(&endpoint, "client_secret_post").await;
    let allowed = send(preflight(format!("{exchange}/revoke"), Some(ORIGIN))).await;
    assert_eq!(allowed.status, StatusCode::NO_CONTENT);
    assert_eq!(allowed.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(allowed.header("access-control-allow-methods"), Some("POST"));
    for origin in [Some(FOREIGN_ORIGIN), None] {
        let refused = send(preflight(format!("{exchange}/revoke"), origin)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(refused.header("access-control-allow-origin"), None);
    }
    for method in [reqwest::Method::GET, reqwest::Method::PUT] {
        let answer = send(http().request(method.clone(), format!("{exchange}/revoke"))).await;
        assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(answer.header("allow"), Some("POST, OPTIONS"));
    }
    for path in ["/revoke/", "/revocation", "/oauth/revoke"] {
        let answer = send(http().post(format!("{exchange}{path}"))).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
    }
}

/// Against the real dev provider: a login with `offline_access`, a refresh (rotated), the
/// old refresh token refused (and its family revoked), then a revocation.
#[tokio::test]
async fn refresh_and_revoke_at_the_dev_provider() {
    let provider = start_provider().await;
    let config = config_json(
        &[revoking_client_entry(
            CLIENT_ID,
            &token_endpoint(&provider),
            &format!("{provider}/revoke"),
            SECRET_ENV,
            "client_secret_basic",
            &[ORIGIN],
        )],
        2_000,
    );
    let exchange = start_exchange(&config, &[(SECRET_ENV, SECRET)]).await;

    let (verifier, challenge) = pkce();
    let code = fresh_code_for(&provider, &challenge, "basic offline_access").await;
    let login = post_code(&exchange, CLIENT_ID, &code, &verifier).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    let first = login.text("refresh_token");

    let renewed = post_refresh(&exchange, CLIENT_ID, &first, Some("basic")).await;
    assert_eq!(renewed.status, StatusCode::OK, "{}", renewed.body);
    assert_eq!(renewed.json()["scope"], "basic");
    let second = renewed.text("refresh_token");
    assert_ne!(second, first);
    assert_eq!(
        api_status(&provider, &renewed.text("access_token")).await,
        StatusCode::OK
    );

    let again = post_refresh(&exchange, CLIENT_ID, &first, None).await;
    assert_eq!(
        (again.status, again.error()),
        (StatusCode::BAD_REQUEST, "invalid_grant".to_owned())
    );
    assert_eq!(
        api_status(&provider, &renewed.text("access_token")).await,
        StatusCode::UNAUTHORIZED,
        "family revoked"
    );

    // A new login, revoked through the exchange.
    let (verifier, challenge) = pkce();
    let code = fresh_code_for(&provider, &challenge, "basic offline_access").await;
    let login = post_code(&exchange, CLIENT_ID, &code, &verifier).await;
    let revoked = post_revoke(
        &exchange,
        CLIENT_ID,
        &login.text("refresh_token"),
        Some("refresh_token"),
    )
    .await;
    assert_eq!(
        (revoked.status, revoked.body.as_str()),
        (StatusCode::OK, "")
    );
    assert_eq!(
        api_status(&provider, &login.text("access_token")).await,
        StatusCode::UNAUTHORIZED
    );
    let after = post_refresh(&exchange, CLIENT_ID, &login.text("refresh_token"), None).await;
    assert_eq!(after.error(), "invalid_grant");
}
