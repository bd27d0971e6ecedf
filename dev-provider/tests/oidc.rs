//! OpenID Connect in-process: discovery, the key set, id_tokens from the code flow and the
//! implicit `id_token token` answer (RS256 and ES256), userinfo, and the test controls that
//! break id_tokens, userinfo and discovery, and rotate the keys.

mod common;

use axum::http::{header, Method, StatusCode};
use axum::Router;
use common::*;
use serde_json::{json, Value};

async fn jwks(router: &Router) -> Value {
    let res = get(router, "/jwks").await;
    assert_eq!(res.status, StatusCode::OK);
    res.json()
}

/// An implicit `id_token token` login of `es` (or another client/redirect); the fragment.
async fn implicit(
    router: &Router,
    client: &str,
    redirect: &str,
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    let mut pairs = vec![
        ("client_id", client),
        ("redirect_uri", redirect),
        ("decision", "allow"),
    ];
    pairs.extend_from_slice(extra);
    let res = post_form(router, "/oauth/authorize", &enc(&pairs)).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    redirect_fragment(&res)
}

#[tokio::test]
async fn discovery_names_every_endpoint_with_cors() {
    let (_, router) = setup(config(false));
    let res = get_with(
        &router,
        "/.well-known/openid-configuration",
        &[(header::ORIGIN, APP_ORIGIN)],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));
    let d = res.json();
    let issuer = "http://127.0.0.1:9090";
    assert_eq!(d["issuer"], issuer);
    for (key, path) in [
        ("authorization_endpoint", "/oauth/authorize"),
        ("token_endpoint", "/oauth/token"),
        ("userinfo_endpoint", "/userinfo"),
        ("jwks_uri", "/jwks"),
        ("revocation_endpoint", "/revoke"),
        ("end_session_endpoint", "/logout"),
    ] {
        assert_eq!(d[key], format!("{issuer}{path}"), "{key}");
    }
    assert_eq!(
        d["response_types_supported"],
        json!(["code", "token", "id_token token", "token id_token"])
    );
    assert_eq!(
        d["id_token_signing_alg_values_supported"],
        json!(["RS256", "ES256"])
    );
    assert_eq!(d["code_challenge_methods_supported"], json!(["S256"]));
    assert!(d["grant_types_supported"]
        .as_array()
        .unwrap()
        .contains(&json!("refresh_token")));
    for scope in ["openid", "profile", "email", "offline_access", "basic"] {
        assert!(
            d["scopes_supported"]
                .as_array()
                .unwrap()
                .contains(&json!(scope)),
            "{scope}"
        );
    }
    let res = request_with(
        &router,
        Method::OPTIONS,
        "/.well-known/openid-configuration",
        &[(header::ORIGIN, APP_ORIGIN)],
    )
    .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(res.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));
    // Public documents, as at real providers: any page reads them (an unregistered one then
    // learns at the authorization page that its redirect URI is not registered).
    for path in ["/jwks", "/.well-known/oauth-authorization-server"] {
        let res = get_with(&router, path, &[(header::ORIGIN, "http://evil.example")]).await;
        assert_eq!(res.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));
    }
    // What a registered page alone may read stays its own.
    let res = get_with(
        &router,
        "/userinfo",
        &[(header::ORIGIN, "http://evil.example")],
    )
    .await;
    assert_eq!(res.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), None);
    let res = get_with(&router, "/jwks", &[(header::ORIGIN, APP_ORIGIN)]).await;
    let keys = res.json();
    let kinds: Vec<(&str, &str)> = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["kty"].as_str().unwrap(), k["alg"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [("RSA", "RS256"), ("EC", "ES256")]);
    assert!(keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .all(|k| k["kid"].is_string() && k["use"] == "sig"));
}

#[tokio::test]
async fn the_code_flow_returns_a_verified_id_token_with_the_users_claims() {
    let (_, router) = setup(config(true));
    let before = unix_now();
    let answer = spa_login(&router, "openid profile email", Some("n-0S6_WzA2Mj"), None).await;
    let id_token = answer["id_token"].as_str().expect("an id_token");
    let claims = verify_jws(&jwks(&router).await, id_token).expect("it verifies");
    let (header, _) = jwt_parts(id_token);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(claims["iss"], "http://127.0.0.1:9090");
    assert_eq!(claims["sub"], "1574083");
    assert_eq!(claims["aud"], "spa");
    assert_eq!(claims["azp"], "spa");
    assert_eq!(claims["nonce"], "n-0S6_WzA2Mj");
    let iat = claims["iat"].as_u64().unwrap();
    assert!(iat >= before && iat <= unix_now());
    assert_eq!(claims["exp"].as_u64().unwrap(), iat + 3600);
    assert!(claims["auth_time"].as_u64().unwrap() <= iat);
    assert_eq!(
        claims["at_hash"],
        at_hash(answer["access_token"].as_str().unwrap())
    );
    assert_eq!(claims["name"], "Snoop Dogg");
    assert_eq!(claims["preferred_username"], "snoopdogg");
    assert_eq!(claims["picture"], "http://127.0.0.1:9090/static/avatar.svg");
    assert_eq!(claims["email"], "snoopdogg@dev-provider.example");
    assert_eq!(claims["email_verified"], true);

    let last = get(&router, "/test/last-token").await.json();
    assert_eq!(last["id_token"], id_token);
    assert_eq!(last["flow"], "code");
    let q = spa_authorize_query(&[("nonce", "n-0S6_WzA2Mj")]);
    get(&router, &format!("/oauth/authorize?{q}")).await;
    let sent = get(&router, "/test/last-authorize").await.json();
    assert_eq!(sent["nonce"], "n-0S6_WzA2Mj");

    // Only the granted scopes' claims; no id_token without openid.
    let answer = spa_login(&router, "openid", None, None).await;
    let claims = verify_jws(&jwks(&router).await, answer["id_token"].as_str().unwrap()).unwrap();
    assert!(
        claims.get("nonce").is_none()
            && claims.get("email").is_none()
            && claims.get("name").is_none()
    );
    let answer = spa_login(&router, "basic profile", None, None).await;
    assert!(answer.get("id_token").is_none(), "{answer}");
    assert!(get(&router, "/test/last-token")
        .await
        .json()
        .get("id_token")
        .is_none());
}

#[tokio::test]
async fn implicit_id_token_token_in_either_order_and_es256() {
    let (_, router) = setup(config(false));
    let keys = jwks(&router).await;
    for response_type in ["id_token token", "token id_token"] {
        let f = implicit(
            &router,
            "es",
            "http://localhost:5173/es",
            &[
                ("response_type", response_type),
                ("scope", "openid email"),
                ("nonce", "abc"),
                ("state", "s"),
            ],
        )
        .await;
        assert_eq!(
            names(&f),
            [
                "access_token",
                "token_type",
                "expires_in",
                "scope",
                "id_token",
                "state",
                "iss"
            ]
        );
        let id_token = field(&f, "id_token").unwrap();
        assert_eq!(jwt_parts(id_token).0["alg"], "ES256");
        let claims = verify_jws(&keys, id_token).expect("ES256 verifies");
        assert_eq!(claims["aud"], "es");
        assert_eq!(claims["nonce"], "abc");
        assert_eq!(
            claims["at_hash"],
            at_hash(field(&f, "access_token").unwrap())
        );
        assert_eq!(claims["email"], "snoopdogg@dev-provider.example");
    }
    // A plain token answer has no id_token, even with openid.
    let f = implicit(
        &router,
        "app",
        CB,
        &[("response_type", "token"), ("scope", "openid")],
    )
    .await;
    assert!(field(&f, "id_token").is_none());

    // id_token token needs a nonce and the openid scope.
    let f = implicit(
        &router,
        "app",
        CB,
        &[("response_type", "id_token token"), ("scope", "openid")],
    )
    .await;
    assert_eq!(field(&f, "error"), Some("invalid_request"));
    assert!(field(&f, "error_description").unwrap().contains("nonce"));
    let f = implicit(
        &router,
        "app",
        CB,
        &[("response_type", "id_token token"), ("nonce", "n")],
    )
    .await;
    assert_eq!(field(&f, "error"), Some("unsupported_response_type"));
    assert!(field(&f, "error_description").unwrap().contains("openid"));
    // The consent page carries the nonce.
    let q = authorize_query(&[
        ("response_type", "token id_token"),
        ("scope", "openid"),
        ("nonce", "n1"),
    ]);
    let res = get(&router, &format!("/oauth/authorize?{q}")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res
        .body
        .contains(r#"<input type="hidden" name="nonce" value="n1">"#));
    assert!(res
        .body
        .contains(r#"<input type="hidden" name="response_type" value="token id_token">"#));
}

#[tokio::test]
async fn userinfo_answers_for_an_openid_token_only() {
    let (_, router) = setup(config(false));
    let answer = spa_login(&router, "openid profile email", None, None).await;
    let bearer = format!("Bearer {}", answer["access_token"].as_str().unwrap());
    let res = get_with(
        &router,
        "/userinfo",
        &[
            (header::AUTHORIZATION, &bearer),
            (header::ORIGIN, APP_ORIGIN),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(
        res.header(header::ACCESS_CONTROL_ALLOW_ORIGIN),
        Some(APP_ORIGIN)
    );
    assert_eq!(
        res.json(),
        json!({"sub": "1574083", "name": "Snoop Dogg", "preferred_username": "snoopdogg",
               "picture": "http://127.0.0.1:9090/static/avatar.svg",
               "email": "snoopdogg@dev-provider.example", "email_verified": true})
    );
    let picture = get(&router, "/static/avatar.svg").await;
    assert_eq!(picture.header(header::CONTENT_TYPE), Some("image/svg+xml"));

    let plain = spa_login(&router, "basic", None, None).await;
    let bearer = format!("Bearer {}", plain["access_token"].as_str().unwrap());
    let res = get_with(&router, "/userinfo", &[(header::AUTHORIZATION, &bearer)]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.json()["error"], "insufficient_scope");

    for auth in [None, Some("Bearer nope"), Some("Basic YTpi")] {
        let headers: Vec<_> = auth
            .map(|a| (header::AUTHORIZATION, a))
            .into_iter()
            .collect();
        let res = get_with(&router, "/userinfo", &headers).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_eq!(res.json()["error"], "invalid_token");
        assert!(res
            .header(header::WWW_AUTHENTICATE)
            .unwrap()
            .starts_with("Bearer "));
    }
}

/// The payload of the next `openid` login's id_token (code flow, nonce `n1`) while
/// `tamper` is set, and the token answer.
async fn tampered(router: &Router, tamper: &str) -> (String, Value) {
    let res = post_json(router, "/test/oidc", &json!({ "tamper": tamper })).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let answer = spa_login(router, "openid", Some("n1"), None).await;
    (answer["id_token"].as_str().unwrap().to_owned(), answer)
}

#[tokio::test]
async fn each_tampering_breaks_exactly_one_check() {
    let (_, router) = setup(config(true));
    let keys = jwks(&router).await;
    let (genuine, _) = tampered(&router, "signature").await;
    assert!(verify_jws(&keys, &genuine).is_none(), "a bad signature");
    let (_, claims) = jwt_parts(&genuine);
    assert_eq!(claims["nonce"], "n1", "only the signature is wrong");

    let (token, _) = tampered(&router, "alg-none").await;
    assert_eq!(jwt_parts(&token).0["alg"], "none");
    assert!(token.ends_with('.'));
    let (token, _) = tampered(&router, "hs256").await;
    assert_eq!(jwt_parts(&token).0["alg"], "HS256");

    let checks: [(&str, &str, Value); 4] = [
        ("aud-other", "aud", json!("someone-else")),
        ("nonce-other", "nonce", json!("not-the-nonce-you-sent")),
        ("iss-other", "iss", json!("https://elsewhere.example")),
        (
            "at-hash-wrong",
            "at_hash",
            json!(at_hash("some other access token")),
        ),
    ];
    for (tamper, claim, value) in checks {
        let (token, _) = tampered(&router, tamper).await;
        let claims = verify_jws(&keys, &token).expect("still signed");
        assert_eq!(claims[claim], value, "{tamper}");
    }
    let (token, _) = tampered(&router, "exp-past").await;
    let claims = verify_jws(&keys, &token).unwrap();
    assert!(claims["exp"].as_u64().unwrap() < unix_now());

    // replay-previous: the id_token of the login before, whatever this login's nonce.
    post_json(&router, "/test/oidc", &json!({})).await;
    let first = spa_login(&router, "openid", Some("first"), None).await;
    post_json(&router, "/test/oidc", &json!({"tamper": "replay-previous"})).await;
    let second = spa_login(&router, "openid", Some("second"), None).await;
    assert_eq!(second["id_token"], first["id_token"]);
    assert_eq!(
        verify_jws(&keys, second["id_token"].as_str().unwrap()).unwrap()["nonce"],
        "first"
    );

    // userinfo and discovery.
    let set = post_json(
        &router,
        "/test/oidc",
        &json!({"userinfo_sub": "someone-else", "discovery_issuer": "https://elsewhere.example"}),
    )
    .await;
    assert_eq!(
        set.json(),
        json!({"tamper": null, "userinfo_sub": "someone-else", "discovery_issuer": "https://elsewhere.example"})
    );
    let answer = spa_login(&router, "openid", None, None).await;
    let bearer = format!("Bearer {}", answer["access_token"].as_str().unwrap());
    let info = get_with(&router, "/userinfo", &[(header::AUTHORIZATION, &bearer)]).await;
    assert_eq!(info.json()["sub"], "someone-else");
    let d = get(&router, "/.well-known/openid-configuration")
        .await
        .json();
    assert_eq!(d["issuer"], "https://elsewhere.example");
    assert_eq!(
        d["jwks_uri"], "http://127.0.0.1:9090/jwks",
        "the endpoints stay"
    );
    assert_eq!(
        get(&router, "/test/oidc").await.json()["userinfo_sub"],
        "someone-else"
    );

    // A reset ends it all.
    let reset = request_with(&router, Method::POST, "/test/reset", &[]).await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT);
    assert_eq!(
        get(&router, "/test/oidc").await.json(),
        json!({"tamper": null, "userinfo_sub": null, "discovery_issuer": null})
    );
    assert_eq!(
        get_with(&router, "/userinfo", &[(header::AUTHORIZATION, &bearer)])
            .await
            .json()["sub"],
        "1574083"
    );
    assert_eq!(
        get(&router, "/.well-known/openid-configuration")
            .await
            .json()["issuer"],
        "http://127.0.0.1:9090"
    );
    let answer = spa_login(&router, "openid", Some("n"), None).await;
    assert!(verify_jws(&keys, answer["id_token"].as_str().unwrap()).is_some());

    // Malformed settings are refused and change nothing.
    for bad in [
        json!({"tamper": "everything"}),
        json!({"extra": 1}),
        json!([1]),
    ] {
        assert_eq!(
            post_json(&router, "/test/oidc", &bad).await.status,
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
}

#[tokio::test]
async fn rotating_keys_replaces_the_key_set() {
    let (_, router) = setup(config(true));
    let old_keys = jwks(&router).await;
    let before = spa_login(&router, "openid", None, None).await;
    let res = request_with(&router, Method::POST, "/test/rotate-keys", &[]).await;
    assert_eq!(res.status, StatusCode::OK);
    let new_keys = jwks(&router).await;
    assert_eq!(res.json(), new_keys);
    let kids = |keys: &Value| -> Vec<String> {
        keys["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(
        kids(&new_keys).iter().all(|k| !kids(&old_keys).contains(k)),
        "only new kids"
    );
    let old_token = before["id_token"].as_str().unwrap();
    assert!(
        verify_jws(&new_keys, old_token).is_none(),
        "the old kid is unknown now"
    );
    let after = spa_login(&router, "openid", None, None).await;
    let new_token = after["id_token"].as_str().unwrap();
    assert!(
        verify_jws(&old_keys, new_token).is_none(),
        "a cached key set fails by kid"
    );
    assert!(verify_jws(&new_keys, new_token).is_some());
}

#[tokio::test]
async fn oidc_test_controls_need_the_flag() {
    let (_, router) = setup(config(false));
    for path in ["/test/oidc", "/test/rotate-keys", "/test/revocations"] {
        assert_eq!(
            request_with(&router, Method::POST, path, &[]).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}
