//! Staying logged in and logging out, in-process: refresh tokens (rotation, reuse
//! detection, lifetimes), revocation (RFC 7009), switching accounts, RP-initiated logout,
//! and unknown scopes.

mod common;

use std::time::Duration;

use axum::http::{header, StatusCode};
use axum::Router;
use common::*;
use dev_provider::Config;
use serde_json::{json, Value};

/// A refused revocation: its fields, and the expected status and error.
type RevokeCase<'a> = (Vec<(&'a str, &'a str)>, StatusCode, &'a str);

fn text(value: &Value, key: &str) -> String {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("no {key} in {value}"))
        .to_owned()
}

async fn api_status(router: &Router, access_token: &str) -> (StatusCode, StatusCode) {
    let bearer = format!("Bearer {access_token}");
    let api = get_with(
        router,
        "/v1/users/self",
        &[(header::AUTHORIZATION, &bearer)],
    )
    .await;
    let info = get_with(router, "/userinfo", &[(header::AUTHORIZATION, &bearer)]).await;
    (api.status, info.status)
}

#[tokio::test]
async fn offline_access_gets_a_refresh_token_that_rotates() {
    let (_, router) = setup(config(true));
    let without = spa_login(&router, "openid basic", None, None).await;
    assert!(without.get("refresh_token").is_none(), "{without}");

    let login = spa_login(&router, "openid profile offline_access", Some("n"), None).await;
    let first = text(&login, "refresh_token");
    assert_eq!(
        get(&router, "/test/last-token").await.json()["refresh_token"],
        first
    );
    let keys = get(&router, "/jwks").await.json();
    let login_claims = verify_jws(&keys, &text(&login, "id_token")).unwrap();

    let res = spa_refresh(&router, &first, None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.header(header::CACHE_CONTROL), Some("no-store"));
    let renewed = res.json();
    let second = text(&renewed, "refresh_token");
    assert_ne!(second, first, "rotated");
    assert_ne!(renewed["access_token"], login["access_token"]);
    assert_eq!(renewed["token_type"], "bearer");
    assert_eq!(renewed["scope"], "openid profile offline_access");
    let claims = verify_jws(&keys, &text(&renewed, "id_token")).unwrap();
    for same in ["iss", "sub", "aud", "azp", "auth_time"] {
        assert_eq!(claims[same], login_claims[same], "{same}");
    }
    assert!(claims.get("nonce").is_none(), "no nonce on refresh");
    assert_eq!(claims["at_hash"], at_hash(&text(&renewed, "access_token")));
    assert_eq!(
        api_status(&router, &text(&renewed, "access_token")).await,
        (StatusCode::OK, StatusCode::OK)
    );
    let last = get(&router, "/test/last-token").await.json();
    assert_eq!(
        (last["flow"].clone(), last["refresh_token"].clone()),
        (json!("refresh"), json!(second))
    );

    // A narrower scope for this access token; the login keeps its scopes.
    let res = spa_refresh(&router, &second, Some("openid")).await;
    assert_eq!(res.json()["scope"], "openid", "{}", res.body);
    let third = text(&res.json(), "refresh_token");
    // A wider one is refused, and does not burn the token.
    let res = spa_refresh(&router, &third, Some("openid email")).await;
    assert_eq!(
        (res.status, res.json()["error"].clone()),
        (StatusCode::BAD_REQUEST, json!("invalid_scope"))
    );
    let res = spa_refresh(&router, &third, None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["scope"], "openid profile offline_access");

    let requests = get(&router, "/test/token-requests").await.json();
    let grants: Vec<&str> = requests
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["grant_type"].as_str().unwrap())
        .collect();
    assert_eq!(grants.iter().filter(|g| **g == "refresh_token").count(), 4);
}

#[tokio::test]
async fn a_reused_refresh_token_revokes_the_whole_family() {
    let (_, router) = setup(config(false));
    let login = spa_login(&router, "openid offline_access", None, None).await;
    let other_login = spa_login(&router, "openid offline_access", None, None).await;
    let first = text(&login, "refresh_token");
    let renewed = spa_refresh(&router, &first, None).await.json();
    let second = text(&renewed, "refresh_token");

    let reuse = spa_refresh(&router, &first, None).await;
    assert_eq!(reuse.status, StatusCode::BAD_REQUEST);
    assert_eq!(reuse.json()["error"], "invalid_grant");
    assert!(text(&reuse.json(), "error_description").contains("already used"));
    for access in [text(&login, "access_token"), text(&renewed, "access_token")] {
        assert_eq!(
            api_status(&router, &access).await,
            (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
        );
    }
    let res = spa_refresh(&router, &second, None).await;
    assert_eq!(
        res.json()["error"],
        "invalid_grant",
        "the newest one went too"
    );
    // Another login is untouched.
    assert_eq!(
        api_status(&router, &text(&other_login, "access_token"))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        spa_refresh(&router, &text(&other_login, "refresh_token"), None)
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn refresh_needs_the_right_client_and_a_live_token() {
    let (state, router) = setup(Config {
        refresh_ttl: Duration::from_secs(60),
        ..Config::default()
    });
    let login = spa_login(&router, "offline_access", None, None).await;
    let refresh_token = text(&login, "refresh_token");
    // Another client, with or without its secret, cannot use it (and does not burn it).
    for pairs in [
        vec![("client_id", "app"), ("client_secret", "s3cret")],
        vec![("client_id", "es")],
    ] {
        let mut form = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.as_str()),
        ];
        form.extend(pairs);
        let res = post_form(&router, "/oauth/token", &enc(&form)).await;
        assert_eq!(res.json()["error"], "invalid_grant", "{form:?}");
    }
    let res = post_form(
        &router,
        "/oauth/token",
        "grant_type=refresh_token&client_id=spa",
    )
    .await;
    assert_eq!(res.json()["error"], "invalid_request");
    assert_eq!(
        spa_refresh(&router, "rt.unknown", None).await.json()["error"],
        "invalid_grant"
    );

    // A confidential client authenticates to refresh.
    let res = decide(
        &router,
        &[
            ("response_type", "code"),
            ("scope", "offline_access"),
            ("decision", "allow"),
        ],
    )
    .await;
    let code = code_of(&res);
    let redeem = [
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", CB),
        ("client_id", "app"),
        ("client_secret", "s3cret"),
    ];
    let app_login = post_form(&router, "/oauth/token", &enc(&redeem))
        .await
        .json();
    let app_refresh = text(&app_login, "refresh_token");
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", app_refresh.as_str()),
        ("client_id", "app"),
    ];
    let res = post_form(&router, "/oauth/token", &enc(&form)).await;
    assert_eq!(
        (res.status, res.json()["error"].clone()),
        (StatusCode::UNAUTHORIZED, json!("invalid_client"))
    );
    let basic = format!(
        "Basic {}",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, "app:s3cret")
    );
    let res = post_form_with(
        &router,
        "/oauth/token",
        &enc(&form),
        &[(header::AUTHORIZATION, &basic)],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    // --refresh-ttl: each refresh token lives that long.
    state.clock().advance(Duration::from_secs(60));
    let res = spa_refresh(&router, &refresh_token, None).await;
    assert_eq!(res.json()["error"], "invalid_grant");
    assert!(text(&res.json(), "error_description").contains("expired"));
}

async fn revoke(
    router: &Router,
    pairs: &[(&str, &str)],
    headers: &[(header::HeaderName, &str)],
) -> Res {
    post_form_with(router, "/revoke", &enc(pairs), headers).await
}

#[tokio::test]
async fn revocation_of_access_and_refresh_tokens() {
    let (_, router) = setup(config(true));
    let login = spa_login(&router, "openid offline_access", None, None).await;
    let access = text(&login, "access_token");
    let res = revoke(
        &router,
        &[
            ("token", &access),
            ("token_type_hint", "access_token"),
            ("client_id", "spa"),
        ],
        &[(header::ORIGIN, APP_ORIGIN)],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.body, "");
    assert_eq!(
        res.header(header::ACCESS_CONTROL_ALLOW_ORIGIN),
        Some(APP_ORIGIN)
    );
    assert_eq!(
        api_status(&router, &access).await,
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
    // The refresh token still works: an access token alone was revoked.
    let renewed = spa_refresh(&router, &text(&login, "refresh_token"), None)
        .await
        .json();
    let (new_access, new_refresh) = (
        text(&renewed, "access_token"),
        text(&renewed, "refresh_token"),
    );

    // Revoking the refresh token revokes its family's access tokens too.
    let res = revoke(
        &router,
        &[("token", &new_refresh), ("client_id", "spa")],
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        api_status(&router, &new_access).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        spa_refresh(&router, &new_refresh, None).await.json()["error"],
        "invalid_grant"
    );
    // Unknown (or already revoked) tokens: still 200.
    for token in [new_refresh.as_str(), "never-issued"] {
        assert_eq!(
            revoke(&router, &[("token", token), ("client_id", "spa")], &[])
                .await
                .status,
            StatusCode::OK
        );
    }

    let other = spa_login(&router, "basic", None, None).await;
    let other_token = text(&other, "access_token");
    let cases: [RevokeCase<'_>; 5] = [
        (
            vec![("token", &other_token), ("client_id", "es")],
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
        ),
        (
            vec![("token", &other_token), ("client_id", "app")],
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            vec![
                ("token", &other_token),
                ("client_id", "spa"),
                ("token_type_hint", "id_token"),
            ],
            StatusCode::BAD_REQUEST,
            "unsupported_token_type",
        ),
        (
            vec![("client_id", "spa")],
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            vec![("token", &other_token)],
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
    ];
    for (pairs, status, error) in cases {
        let res = revoke(&router, &pairs, &[]).await;
        assert_eq!(
            (res.status, res.json()["error"].clone()),
            (status, json!(error)),
            "{pairs:?}"
        );
    }
    assert_eq!(
        api_status(&router, &other_token).await.0,
        StatusCode::OK,
        "refusals revoked nothing"
    );
    let res = post_form(&router, "/revoke", "token=a&token=b&client_id=spa").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);

    let records = get(&router, "/test/revocations").await.json();
    let records = records.as_array().unwrap();
    assert_eq!(records.len(), 10);
    assert_eq!(
        records[0],
        json!({"client_id": "spa", "token_type_hint": "access_token", "token_kind": "access_token",
               "auth": "none", "origin": APP_ORIGIN, "status": 200})
    );
    assert_eq!(records[1]["token_kind"], "refresh_token");
    assert_eq!(records[2]["token_kind"], "unknown");
    assert_eq!(
        (
            records[4]["token_kind"].clone(),
            records[4]["status"].clone()
        ),
        (json!(null), json!(400))
    );
    assert!(
        !records.iter().any(|r| r.to_string().contains(&other_token)),
        "tokens are never recorded"
    );
}

#[tokio::test]
async fn another_account_can_be_chosen_and_logs_in() {
    let (_, router) = setup(config(false));
    let q = spa_authorize_query(&[
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]);
    let consent = get(&router, &format!("/oauth/authorize?{q}")).await;
    assert!(
        consent
            .body
            .contains(r#"<strong id="signed-in">@snoopdogg</strong>"#),
        "{}",
        consent.body
    );
    let here = format!("/oauth/authorize?{q}");
    let link = format!("/account?{}", enc(&[("return", &here)]));
    assert!(
        consent.body.contains(&format!(
            r#"<a id="switch-account" href="{}">Use another account</a>"#,
            link.replace('&', "&amp;")
        )),
        "{}",
        consent.body
    );

    let page = get(&router, &link).await;
    assert_eq!(page.status, StatusCode::OK);
    for user in ["snoopdogg", "alice", "bob"] {
        assert!(
            page.body.contains(&format!(r#"id="account-{user}""#)),
            "{user}"
        );
    }
    let res = post_form(
        &router,
        "/account",
        &enc(&[("user", "alice"), ("return", &here)]),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), here);
    let cookie = res
        .header(header::SET_COOKIE)
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(cookie, "dev_provider_user=alice");

    let consent = get_with(&router, &here, &[(header::COOKIE, &cookie)]).await;
    assert!(consent.body.contains("@alice"));
    let login = spa_login(&router, "openid profile email", None, Some(&cookie)).await;
    assert_eq!(login["user"]["username"], "alice");
    let claims = jwt_parts(&text(&login, "id_token")).1;
    assert_eq!(
        (claims["sub"].clone(), claims["name"].clone()),
        (json!("2048001"), json!("Alice Liddell"))
    );
    assert_eq!(
        claims["picture"],
        "http://127.0.0.1:9090/static/avatar/alice.svg"
    );
    let bearer = format!("Bearer {}", text(&login, "access_token"));
    let me = get_with(
        &router,
        "/v1/users/self",
        &[(header::AUTHORIZATION, &bearer)],
    )
    .await
    .json();
    assert_eq!(me["data"]["username"], "alice");
    let info = get_with(&router, "/userinfo", &[(header::AUTHORIZATION, &bearer)])
        .await
        .json();
    assert_eq!(info["email"], "alice@dev-provider.example");
    let picture = get(&router, "/static/avatar/alice.svg").await;
    assert_eq!(
        (picture.status, picture.header(header::CONTENT_TYPE)),
        (StatusCode::OK, Some("image/svg+xml"))
    );
    assert_ne!(
        picture.body,
        get(&router, "/static/avatar/bob.svg").await.body
    );
    assert_eq!(
        get(&router, "/static/avatar/mallory.svg").await.status,
        StatusCode::NOT_FOUND
    );

    // Only this provider's authorize endpoint is a place to return to.
    let res = post_form(
        &router,
        "/account",
        &enc(&[("user", "bob"), ("return", "https://evil.example/")]),
    )
    .await;
    assert_eq!(res.location(), "/account");
    let res = post_form(&router, "/account", &enc(&[("user", "mallory")])).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn logout_signs_out_and_returns_to_a_registered_uri() {
    let (_, router) = setup(config(false));
    let login = spa_login(&router, "openid", None, None).await;
    let id_token = text(&login, "id_token");
    let signed_out = "dev_provider_user=-";

    // With the id_token as hint, a registered URI, and state.
    let q = enc(&[
        ("id_token_hint", &id_token),
        ("post_logout_redirect_uri", SPA),
        ("state", "s 1"),
    ]);
    let res = get(&router, &format!("/logout?{q}")).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), format!("{SPA}?state=s+1"));
    assert!(res
        .header(header::SET_COOKIE)
        .unwrap()
        .starts_with(signed_out));
    let q = enc(&[
        ("client_id", "app"),
        (
            "post_logout_redirect_uri",
            "http://localhost:5173/?mode=popup",
        ),
    ]);
    let res = get(&router, &format!("/logout?{q}")).await;
    assert_eq!(res.location(), "http://localhost:5173/?mode=popup");

    // Nowhere to return to: a page.
    let res = get(&router, "/logout").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("You are signed out"));
    assert!(res
        .header(header::SET_COOKIE)
        .unwrap()
        .starts_with(signed_out));

    let refusals = [
        enc(&[
            ("client_id", "spa"),
            ("post_logout_redirect_uri", "http://evil.example/"),
        ]),
        enc(&[
            ("client_id", "spa"),
            ("post_logout_redirect_uri", "http://localhost:5173/spa?x=1"),
        ]),
        enc(&[("post_logout_redirect_uri", SPA)]),
        enc(&[
            ("id_token_hint", "not.an.id-token"),
            ("post_logout_redirect_uri", SPA),
        ]),
        enc(&[
            ("id_token_hint", &id_token),
            ("client_id", "app"),
            ("post_logout_redirect_uri", CB),
        ]),
        enc(&[("client_id", "ghost"), ("post_logout_redirect_uri", SPA)]),
    ];
    for q in refusals {
        let res = get(&router, &format!("/logout?{q}")).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{q}");
        assert!(res.headers.get(header::LOCATION).is_none());
        assert!(
            res.headers.get(header::SET_COOKIE).is_none(),
            "a refused logout signs nobody out"
        );
    }

    // Signed out, the next authorization request asks for an account first.
    let q = authorize_query(&[("response_type", "token")]);
    let res = get_with(
        &router,
        &format!("/oauth/authorize?{q}"),
        &[(header::COOKIE, signed_out)],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("Choose an account") && res.body.contains("You are signed out"));
    assert!(res.body.contains(&format!(
        r#"name="return" value="/oauth/authorize?{}""#,
        q.replace('&', "&amp;")
    )));
    let res = post_form_with(
        &router,
        "/oauth/authorize",
        &enc(&[
            ("client_id", "app"),
            ("redirect_uri", CB),
            ("response_type", "token"),
            ("decision", "allow"),
        ]),
        &[(header::COOKIE, signed_out)],
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn unknown_scopes_are_refused_where_the_flow_answers() {
    let (_, router) = setup(config(false));
    let known = "basic public_content follower_list comments relationships likes instagram_business_basic public_profile openid profile email offline_access";
    let res = decide(
        &router,
        &[
            ("response_type", "token"),
            ("scope", known),
            ("decision", "allow"),
        ],
    )
    .await;
    assert!(
        res.location().contains("#access_token="),
        "{}",
        res.location()
    );
    let res = decide(
        &router,
        &[
            ("response_type", "token"),
            ("scope", "basic,admin"),
            ("state", "s"),
        ],
    )
    .await;
    let (_, query, fragment) = split_location(res.location());
    assert_eq!(query, None);
    let f = decode(&fragment.unwrap());
    assert_eq!(field(&f, "error"), Some("invalid_scope"));
    assert_eq!(field(&f, "state"), Some("s"));
    assert!(field(&f, "error_description").unwrap().contains("`admin`"));
    let res = decide(&router, &[("response_type", "code"), ("scope", "write")]).await;
    assert_eq!(field(&redirect_query(&res), "error"), Some("invalid_scope"));
}

/// Logs in `spa` with the code flow and `scope`: the token request redeeming its code.
async fn spa_code_redemption(router: &Router, scope: &str) -> String {
    let res = spa_authorize(
        router,
        &[
            ("scope", scope),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    enc(&spa_redemption(&code_of(&res)))
}

/// RFC 6749 4.1.2 (and 10.5): "If an authorization code is used more than once, the
/// authorization server MUST deny the request and SHOULD revoke (when possible) all
/// tokens previously issued based on that authorization code."
#[tokio::test]
async fn a_reused_code_revokes_the_tokens_issued_from_it() {
    let (_, router) = setup(config(false));
    for scope in ["openid basic", "openid offline_access"] {
        let redeem = spa_code_redemption(&router, scope).await;
        let first = post_form(&router, "/oauth/token", &redeem).await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.body);
        let access = text(&first.json(), "access_token");
        assert_eq!(api_status(&router, &access).await.0, StatusCode::OK);

        let replay = post_form(&router, "/oauth/token", &redeem).await;
        assert_eq!(replay.json()["error"], "invalid_grant", "{scope}");
        assert_eq!(
            api_status(&router, &access).await,
            (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED),
            "{scope}: the access token issued from a replayed code still works"
        );
        let refresh = first.json()["refresh_token"].as_str().map(str::to_owned);
        assert_eq!(
            refresh.is_some(),
            scope.contains("offline_access"),
            "{scope}"
        );
        if let Some(refresh) = refresh {
            let res = spa_refresh(&router, &refresh, None).await;
            assert_eq!(res.json()["error"], "invalid_grant", "{scope}");
        }
    }
}

/// README, "Reuse detection": presenting a used refresh token answers `invalid_grant`
/// and revokes the whole family. A `scope` parameter must not turn that off.
#[tokio::test]
async fn a_reused_refresh_token_revokes_the_family_even_with_a_scope() {
    let (_, router) = setup(config(false));
    let login = spa_login(&router, "openid offline_access", None, None).await;
    let first = text(&login, "refresh_token");
    let renewed = spa_refresh(&router, &first, None).await.json();
    let second = text(&renewed, "refresh_token");

    // The attacker replays the rotated-out token, asking for a scope never granted.
    let reuse = spa_refresh(&router, &first, Some("openid email")).await;
    assert_eq!(
        api_status(&router, &text(&renewed, "access_token")).await,
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED),
        "the replay of a used refresh token ({}) left the family alive",
        reuse.body
    );
    assert_eq!(reuse.json()["error"], "invalid_grant");
    assert_eq!(
        spa_refresh(&router, &second, None).await.json()["error"],
        "invalid_grant"
    );
}

/// README, logout: `id_token_hint` must be an id_token this provider issued "in the last
/// 24 hours, expired ones included".
#[tokio::test]
async fn an_id_token_hint_older_than_a_day_is_refused() {
    let (state, router) = setup(config(false));
    let login = spa_login(&router, "openid", None, None).await;
    let id_token = text(&login, "id_token");
    state.clock().advance(Duration::from_secs(25 * 3600));
    let q = enc(&[
        ("id_token_hint", &id_token),
        ("post_logout_redirect_uri", SPA),
    ]);
    let res = get(&router, &format!("/logout?{q}")).await;
    assert_eq!(
        res.status,
        StatusCode::BAD_REQUEST,
        "a 25-hour-old hint was taken: Location {:?}",
        res.header(header::LOCATION)
    );
}

/// README, token endpoint errors: "another client's refresh token" is `invalid_grant`,
/// also with a `scope`: the token's client is checked before the scope, so another client
/// learns nothing about the login's scopes.
#[tokio::test]
async fn another_clients_refresh_token_is_invalid_grant_whatever_the_scope() {
    let (_, router) = setup(config(false));
    let login = spa_login(&router, "openid offline_access", None, None).await;
    let refresh = text(&login, "refresh_token");
    let form = enc(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", &refresh),
        ("client_id", "es"),
        ("scope", "openid email"),
    ]);
    let res = post_form(&router, "/oauth/token", &form).await;
    assert_eq!(res.json()["error"], "invalid_grant", "{}", res.body);
}

/// Two token requests with the same code or refresh token at the same time (the page and
/// an attacker who learnt it), each on a thread of its own, as a multi-threaded runtime
/// serving [`dev_provider::app`] would run them: the two answers, the winner first.
async fn race(router: &Router, body: String) -> (Res, Res) {
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let spawn = |router: Router, body: String| {
        let barrier = barrier.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            barrier.wait();
            rt.block_on(async move { post_form(&router, "/oauth/token", &body).await })
        })
    };
    let (a, b) = (
        spawn(router.clone(), body.clone()),
        spawn(router.clone(), body),
    );
    let (a, b) = (a.join().unwrap(), b.join().unwrap());
    if a.status == StatusCode::OK {
        (a, b)
    } else {
        (b, a)
    }
}

/// Runs a [`race`] of `body`, checks the loser is refused as a reuse (`invalid_grant`), then
/// tries the winner's access token at the API and its refresh token: what still works, if any.
async fn alive_after_race(router: &Router, body: String) -> Option<String> {
    let (won, lost) = race(router, body).await;
    assert_eq!(won.status, StatusCode::OK, "{}", won.body);
    assert_eq!(lost.json()["error"], "invalid_grant", "{}", lost.body);
    let api = api_status(router, &text(&won.json(), "access_token")).await;
    let refresh = spa_refresh(router, &text(&won.json(), "refresh_token"), None).await;
    (api.0 != StatusCode::UNAUTHORIZED || refresh.status == StatusCode::OK)
        .then(|| format!("API {}, refresh {}", api.0, refresh.status))
}

/// README, code grant: "A used code presented again ... is `invalid_grant` and revokes
/// every access and refresh token issued from it (RFC 6749 4.1.2)". The tokens of the
/// redemption the replay raced with are stored only after `redeem_code` let go of the
/// lock (the refresh token after the id_token is signed), so they join a family already
/// revoked and stay valid.
#[tokio::test]
async fn a_code_replayed_during_its_redemption_leaves_no_token_alive() {
    let (_, router) = setup(config(false));
    let mut alive = Vec::new();
    for round in 0..60 {
        let redeem = spa_code_redemption(&router, "openid offline_access").await;
        if let Some(what) = alive_after_race(&router, redeem).await {
            alive.push(format!("round {round}: {what}"));
        }
    }
    assert!(
        alive.is_empty(),
        "the replay was refused as a reuse, yet tokens issued from the code still work:\n{}",
        alive.join("\n")
    );
}

/// README, "Reuse detection": presenting a used refresh token revokes the whole family,
/// "so the newest refresh token stops working too, and the API answers 401". The winner's
/// successor and access token are stored after the lock is let go, so a replay that
/// lands in between revokes the family before they join it.
#[tokio::test]
async fn a_refresh_token_replayed_during_its_use_leaves_no_token_alive() {
    let (_, router) = setup(config(false));
    let mut alive = Vec::new();
    for round in 0..60 {
        let login = spa_login(&router, "openid offline_access", None, None).await;
        let body = enc(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &text(&login, "refresh_token")),
            ("client_id", "spa"),
        ]);
        if let Some(what) = alive_after_race(&router, body).await {
            alive.push(format!("round {round}: {what}"));
        }
    }
    assert!(
        alive.is_empty(),
        "the replay was refused as a reuse, yet the winner's tokens still work:\n{}",
        alive.join("\n")
    );
}
