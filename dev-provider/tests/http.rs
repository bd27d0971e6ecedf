//! In-process HTTP tests against the router (no sockets): every request goes
//! through `tower::ServiceExt::oneshot`.

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use common::*;
use dev_provider::Config;

#[tokio::test]
async fn consent_page_shows_app_scopes_and_buttons() {
    let (_, router) = setup(config(false));
    let q = authorize_query(&[
        ("response_type", "token"),
        ("scope", "basic likes,comments+relationships"),
        ("state", "abc"),
    ]);
    let res = get(&router, &format!("/oauth/authorize?{q}")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res
        .header(header::CONTENT_TYPE)
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(res.header(header::CACHE_CONTROL), Some("no-store"));
    let b = &res.body;
    assert!(
        b.contains("<title>Authorize Test &lt;App&gt; &amp; Co</title>"),
        "{b}"
    );
    assert!(b.contains(
        r#"<button type="submit" name="decision" value="allow" class="allow">Allow</button>"#
    ));
    assert!(b.contains(
        r#"<button type="submit" name="decision" value="deny" class="deny">Deny</button>"#
    ));
    for scope in ["basic", "likes", "comments", "relationships"] {
        assert!(b.contains(&format!("<li>{scope}</li>")), "{scope}");
    }
    assert!(b.contains(r#"<form method="post" action="/oauth/authorize">"#));
    assert!(b.contains(r#"<input type="hidden" name="state" value="abc">"#));
    assert!(b.contains(r#"<input type="hidden" name="response_type" value="token">"#));
}

#[tokio::test]
async fn consent_page_escapes_state_and_unknown_scopes_never_reach_it() {
    let (_, router) = setup(config(false));
    let q = authorize_query(&[
        ("response_type", "code"),
        ("scope", "basic"),
        ("state", "\"><img src=x onerror=alert(1)>"),
    ]);
    let res = get(&router, &format!("/oauth/authorize?{q}")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(!res.body.contains("<img"), "{}", res.body);
    assert!(res
        .body
        .contains("value=\"&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\""));

    // A scope the provider does not know (here, markup) is refused by redirect
    // (RFC 6749 4.1.2.1): it is never shown on a page.
    let q = authorize_query(&[
        ("response_type", "code"),
        ("scope", "basic <script>alert(1)</script>"),
        ("state", "s"),
    ]);
    let res = get(&router, &format!("/oauth/authorize?{q}")).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let q = redirect_query(&res);
    assert_eq!(field(&q, "error"), Some("invalid_scope"));
    assert!(field(&q, "error_description")
        .unwrap()
        .starts_with("Unknown scope `<script>alert(1)</script>`."));
    assert_eq!(field(&q, "state"), Some("s"));
}

#[tokio::test]
async fn allow_token_redirects_with_fragment_and_token_works_both_ways() {
    let (_, router) = setup(config(false));
    let res = decide(
        &router,
        &[
            ("response_type", "token"),
            ("scope", "basic,likes"),
            ("state", "xyz 1&2=3"),
            ("decision", "allow"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let (base, query, fragment) = split_location(res.location());
    assert_eq!((base.as_str(), query), (CB, None));
    let raw = fragment.unwrap();
    assert!(
        raw.contains("&token_type=bearer&expires_in=3600&scope=basic+likes&state=xyz+1%262%3D3"),
        "{raw}"
    );
    let f = decode(&raw);
    assert_eq!(
        names(&f),
        [
            "access_token",
            "token_type",
            "expires_in",
            "scope",
            "state",
            "iss"
        ]
    );
    assert_eq!(field(&f, "state"), Some("xyz 1&2=3"));
    let token = field(&f, "access_token").unwrap();
    assert!(token.starts_with("1574083."));

    let res = get(&router, &format!("/v1/users/self?access_token={token}")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let j = res.json();
    assert_eq!(j["data"]["username"], "snoopdogg");
    assert_eq!(j["data"]["id"], "1574083");
    assert_eq!(j["data"]["counts"]["media"], 1320);
    assert_eq!(j["meta"]["code"], 200);

    let bearer = format!("Bearer {token}");
    let res = get_with(
        &router,
        "/v1/users/self/media/recent",
        &[(header::AUTHORIZATION, &bearer)],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    let j = res.json();
    assert_eq!(j["data"].as_array().unwrap().len(), 3);
    assert_eq!(j["data"][0]["type"], "image");
    assert!(j["data"][0]["images"]["thumbnail"]["url"]
        .as_str()
        .unwrap()
        .ends_with("/static/avatar.svg"));

    // Both transports at once are refused (RFC 6750).
    let res = get_with(
        &router,
        &format!("/v1/users/self?access_token={token}"),
        &[(header::AUTHORIZATION, &bearer)],
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn token_fragment_omits_absent_state_and_scope() {
    let (_, router) = setup(config(false));
    let res = decide(
        &router,
        &[("response_type", "token"), ("decision", "allow")],
    )
    .await;
    let f = redirect_fragment(&res);
    assert_eq!(
        names(&f),
        ["access_token", "token_type", "expires_in", "iss"]
    );
}

#[tokio::test]
async fn code_flow_exchanges_once_with_exact_redirect_uri() {
    let (state, router) = setup(config(false));
    let popup = "http://localhost:5173/?mode=popup";
    let res = post_form(
        &router,
        "/oauth/authorize",
        &enc(&[
            ("client_id", "app"),
            ("redirect_uri", popup),
            ("response_type", "code"),
            ("scope", "basic"),
            ("state", "s1"),
            ("decision", "allow"),
        ]),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let loc = res.location().to_owned();
    assert!(
        loc.starts_with("http://localhost:5173/?mode=popup&code="),
        "{loc}"
    );
    let (_, query, fragment) = split_location(&loc);
    assert_eq!(fragment, None);
    let q = decode(&query.unwrap());
    assert_eq!(field(&q, "state"), Some("s1"));
    let code = field(&q, "code").unwrap().to_owned();

    let exchange = |redirect: &'static str, secret: &'static str, code: String| {
        let router = router.clone();
        async move {
            let body = enc(&[
                ("client_id", "app"),
                ("client_secret", secret),
                ("grant_type", "authorization_code"),
                ("redirect_uri", redirect),
                ("code", &code),
            ]);
            post_form(&router, "/oauth/access_token", &body).await
        }
    };

    let res = exchange(
        "http://localhost:5173/?mode=popup&x=1",
        "s3cret",
        code.clone(),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"], "invalid_grant");
    assert_eq!(res.json()["error_type"], "OAuthException");
    assert_eq!(res.json()["code"], 400);

    let res = exchange(popup, "wrong", code.clone()).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.json()["error"], "invalid_client");
    assert_eq!(res.json()["code"], 401);

    let res = exchange(popup, "s3cret", code.clone()).await;
    assert_basic_login(&router, &res).await;

    let res = exchange(popup, "s3cret", code).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"], "invalid_grant");

    // Codes die after 60 seconds.
    let res = decide(&router, &[("response_type", "code"), ("decision", "allow")]).await;
    let code = code_of(&res);
    state.clock().advance(Duration::from_secs(61));
    let res = exchange(CB, "s3cret", code).await;
    assert_eq!(res.json()["error"], "invalid_grant");

    let res = post_form(
        &router,
        "/oauth/access_token",
        "client_id=app&grant_type=password",
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn deny_redirects_with_access_denied() {
    const DENIED: &str =
        "error=access_denied&error_reason=user_denied&error_description=The+user+denied+your+request";
    let (_, router) = setup(config(true));
    let res = decide(
        &router,
        &[
            ("response_type", "token"),
            ("state", "st"),
            ("decision", "deny"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), format!("{CB}#{DENIED}&state=st&{ISS}"));

    let res = decide(
        &router,
        &[
            ("response_type", "code"),
            ("state", "st"),
            ("decision", "deny"),
        ],
    )
    .await;
    assert_eq!(res.location(), format!("{CB}?{DENIED}&state=st&{ISS}"));

    let res = decide(
        &router,
        &[
            ("response_type", "token"),
            ("state", "st"),
            ("deny_in", "query"),
            ("decision", "deny"),
        ],
    )
    .await;
    assert_eq!(res.location(), format!("{CB}?{DENIED}&{ISS}"));

    // The consent page carries deny_in along.
    let q = authorize_query(&[("response_type", "token"), ("deny_in", "query")]);
    let res = get(&router, &format!("/oauth/authorize?{q}")).await;
    assert!(res
        .body
        .contains(r#"<input type="hidden" name="deny_in" value="query">"#));

    // Without --test-controls, deny_in is ignored.
    let (_, plain_router) = setup(config(false));
    let res = decide(
        &plain_router,
        &[
            ("response_type", "token"),
            ("state", "st"),
            ("deny_in", "query"),
            ("decision", "deny"),
        ],
    )
    .await;
    assert_eq!(res.location(), format!("{CB}#{DENIED}&state=st&{ISS}"));

    for decision in [
        &[("decision", "maybe")][..],
        &[],
        &[("decision", "allow"), ("decision", "deny")],
    ] {
        let mut extra = vec![("response_type", "token")];
        extra.extend_from_slice(decision);
        let res = decide(&router, &extra).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{decision:?}");
        assert!(res.headers.get(header::LOCATION).is_none());
    }
}

#[tokio::test]
async fn invalid_client_or_redirect_uri_is_an_error_page_not_a_redirect() {
    let (_, router) = setup(config(false));
    let cases = [
        (
            enc(&[
                ("client_id", "nope"),
                ("redirect_uri", CB),
                ("response_type", "token"),
            ]),
            "Unknown client_id",
        ),
        (
            enc(&[
                ("client_id", "app"),
                ("redirect_uri", "http://evil.example/cb"),
                ("response_type", "token"),
            ]),
            "does not match",
        ),
        (
            enc(&[
                ("client_id", "app"),
                ("redirect_uri", "http://localhost:5173/cb/"),
                ("response_type", "token"),
            ]),
            "does not match",
        ),
        (
            enc(&[
                ("client_id", "app"),
                ("redirect_uri", "http://localhost:5173/cb#x"),
                ("response_type", "token"),
            ]),
            "does not match",
        ),
        // A redirect URI registered for another client does not count.
        (
            enc(&[
                ("client_id", "app"),
                ("redirect_uri", "http://127.0.0.1:4000/"),
                ("response_type", "token"),
            ]),
            "does not match",
        ),
        (
            enc(&[("redirect_uri", CB), ("response_type", "token")]),
            "`client_id` is missing",
        ),
        (
            enc(&[("client_id", "app"), ("response_type", "token")]),
            "`redirect_uri` is missing",
        ),
    ];
    for (query, message) in cases {
        for method in [Method::GET, Method::POST] {
            let res = if method == Method::GET {
                get(&router, &format!("/oauth/authorize?{query}")).await
            } else {
                post_form(
                    &router,
                    "/oauth/authorize",
                    &format!("{query}&decision=allow"),
                )
                .await
            };
            assert_eq!(res.status, StatusCode::BAD_REQUEST, "{method} {query}");
            assert!(res.headers.get(header::LOCATION).is_none(), "{query}");
            assert!(res
                .header(header::CONTENT_TYPE)
                .unwrap()
                .starts_with("text/html"));
            assert!(res.body.contains(message), "{query}: {}", res.body);
        }
    }
}

#[tokio::test]
async fn unsupported_response_type_redirects_with_error() {
    let (_, router) = setup(config(false));
    let q = authorize_query(&[("response_type", "id_token"), ("state", "s")]);
    let res = get(&router, &format!("/oauth/authorize?{q}")).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let (_, query, fragment) = split_location(res.location());
    assert_eq!(fragment, None);
    let q = decode(&query.unwrap());
    assert_eq!(field(&q, "error"), Some("unsupported_response_type"));
    assert_eq!(field(&q, "state"), Some("s"));

    let q = authorize_query(&[("response_type", "id_token token")]);
    let res = get(&router, &format!("/oauth/authorize?{q}")).await;
    let (_, query, fragment) = split_location(res.location());
    assert_eq!(query, None);
    assert!(fragment
        .unwrap()
        .starts_with("error=unsupported_response_type"));

    let q = authorize_query(&[]);
    let res = get(&router, &format!("/oauth/authorize?{q}")).await;
    assert!(res
        .location()
        .starts_with(&format!("{CB}?error=unsupported_response_type")));
}

#[tokio::test]
async fn malformed_parameters_are_rejected() {
    let (_, router) = setup(config(false));
    let base = authorize_query(&[("response_type", "token")]);
    let long = "x".repeat(2049);
    let cases = [
        (
            format!("{base}&client_id=app"),
            "`client_id` is given more than once",
        ),
        (
            format!("{base}&state=a&state=b"),
            "`state` is given more than once",
        ),
        (format!("{base}&state={long}"), "`state` is too long"),
        (
            format!("{base}&a={}", "y".repeat(2000)).repeat(5),
            "too long",
        ),
        (format!("{base}&state=%zz"), "invalid percent-escape"),
        (format!("{base}&state=%C3%28"), "not valid UTF-8"),
    ];
    for (query, message) in cases {
        let res = get(&router, &format!("/oauth/authorize?{query}")).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{message}");
        assert!(res.body.contains(message), "{message}: {}", res.body);
        assert!(res.headers.get(header::LOCATION).is_none());
    }
    // API and token endpoints reject them too.
    let res = get(&router, "/v1/users/self?access_token=a&access_token=b").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.body.contains("`access_token` is given more than once"));
    let res = post_form(&router, "/oauth/access_token", "code=%G0").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let res = post_json(&router, "/oauth/access_token", &serde_json::json!({})).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn wrong_method_and_unknown_path() {
    let (_, router) = setup(config(false));
    for (method, path) in [
        (Method::PUT, "/oauth/authorize"),
        (Method::GET, "/oauth/access_token"),
        (Method::DELETE, "/v1/users/self"),
        (Method::POST, "/v1/users/self/media/recent"),
        (Method::POST, "/static/avatar.svg"),
    ] {
        assert_eq!(
            request_with(&router, method.clone(), path, &[])
                .await
                .status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
    }
    assert_eq!(get(&router, "/nope").await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&router, "/").await.status, StatusCode::NOT_FOUND);
    let res = get(&router, "/static/avatar.svg").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.header(header::CONTENT_TYPE), Some("image/svg+xml"));
    assert!(res.body.starts_with("<svg"));
}

#[tokio::test]
async fn invalid_tokens_get_401() {
    let expect_401 = |res: Res| {
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);
        let j = res.json();
        assert_eq!(j["meta"]["code"], 401);
        assert_eq!(j["meta"]["error_type"], "OAuthAccessTokenException");
        assert_eq!(
            j["meta"]["error_message"],
            "The access_token provided is invalid."
        );
    };
    let (state, router) = setup(config(false));
    expect_401(get(&router, "/v1/users/self").await);
    expect_401(get(&router, "/v1/users/self?access_token=1574083.bogus").await);
    expect_401(get(&router, "/v1/users/self/media/recent?access_token=").await);
    expect_401(
        get_with(
            &router,
            "/v1/users/self",
            &[(header::AUTHORIZATION, "Basic YTpi")],
        )
        .await,
    );

    // Expired through the clock...
    let token = implicit_token(&router).await;
    let uri = format!("/v1/users/self?access_token={token}");
    assert_eq!(get(&router, &uri).await.status, StatusCode::OK);
    state.clock().advance(Duration::from_secs(3600));
    expect_401(get(&router, &uri).await);

    // ...and with a zero TTL.
    let (_, router) = setup(Config {
        token_ttl: Duration::ZERO,
        ..Config::default()
    });
    let token = implicit_token(&router).await;
    expect_401(get(&router, &format!("/v1/users/self?access_token={token}")).await);
}

#[tokio::test]
async fn cors_only_for_registered_origins() {
    let (_, router) = setup(config(false));
    let token = implicit_token(&router).await;
    let with_origin = |method: Method, path: String, origin: &'static str| {
        Request::builder()
            .method(method)
            .uri(path)
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
            .body(Body::empty())
            .unwrap()
    };
    let path = format!("/v1/users/self?access_token={token}");

    let res = send(&router, with_origin(Method::GET, path.clone(), APP_ORIGIN)).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        res.header(header::ACCESS_CONTROL_ALLOW_ORIGIN),
        Some(APP_ORIGIN)
    );
    assert_eq!(res.header(header::VARY), Some("Origin"));

    let res = send(
        &router,
        with_origin(
            Method::GET,
            "/v1/users/self".into(),
            "http://127.0.0.1:4000",
        ),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        res.header(header::ACCESS_CONTROL_ALLOW_ORIGIN),
        Some("http://127.0.0.1:4000")
    );

    let res = send(
        &router,
        with_origin(Method::GET, path.clone(), "http://evil.example"),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), None);

    for p in [
        "/v1/users/self",
        "/v1/users/self/media/recent",
        "/oauth/access_token",
    ] {
        let res = send(&router, with_origin(Method::OPTIONS, p.into(), APP_ORIGIN)).await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{p}");
        assert_eq!(
            res.header(header::ACCESS_CONTROL_ALLOW_ORIGIN),
            Some(APP_ORIGIN)
        );
        assert_eq!(
            res.header(header::ACCESS_CONTROL_ALLOW_METHODS),
            Some("GET, POST")
        );
        assert_eq!(
            res.header(header::ACCESS_CONTROL_ALLOW_HEADERS),
            Some("Authorization, Content-Type")
        );

        let res = send(
            &router,
            with_origin(Method::OPTIONS, p.into(), "http://localhost:5174"),
        )
        .await;
        assert_eq!(res.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), None, "{p}");
        assert_eq!(res.header(header::ACCESS_CONTROL_ALLOW_METHODS), None);
    }

    // The authorize page is navigated to, never fetched: no CORS there.
    let res = send(
        &router,
        with_origin(Method::GET, "/oauth/authorize".into(), APP_ORIGIN),
    )
    .await;
    assert_eq!(res.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), None);
}

#[tokio::test]
async fn test_controls_are_404_without_the_flag() {
    let (_, router) = setup(config(false));
    for path in [
        "/test/last-authorize",
        "/test/last-token",
        &format!("/test/respond?redirect_uri={CB}&fragment=a"),
    ] {
        assert_eq!(
            get(&router, path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let reset = request_with(&router, Method::POST, "/test/reset", &[]).await;
    assert_eq!(reset.status, StatusCode::NOT_FOUND);
}

/// The statuses of `/test/last-authorize` and `/test/last-token`: 404 while nothing is recorded.
async fn last_request_statuses(router: &Router) -> (StatusCode, StatusCode) {
    (
        get(router, "/test/last-authorize").await.status,
        get(router, "/test/last-token").await.status,
    )
}

#[tokio::test]
async fn test_controls_record_and_reset() {
    let (_, router) = setup(config(true));
    assert_eq!(
        last_request_statuses(&router).await,
        (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND)
    );

    let q = format!(
        "{}&extra=1&extra=2&extra=3",
        authorize_query(&[("response_type", "token"), ("state", "s t")])
    );
    get(&router, &format!("/oauth/authorize?{q}")).await;
    let j = get(&router, "/test/last-authorize").await.json();
    assert_eq!(j["client_id"], "app");
    assert_eq!(j["redirect_uri"], CB);
    assert_eq!(j["state"], "s t");
    assert_eq!(j["extra"], serde_json::json!(["1", "2", "3"]));

    // A rejected request is still recorded, duplicates as arrays.
    get(&router, "/oauth/authorize?client_id=a&client_id=b").await;
    let j = get(&router, "/test/last-authorize").await.json();
    assert_eq!(j, serde_json::json!({"client_id": ["a", "b"]}));

    let res = decide(
        &router,
        &[
            ("response_type", "token"),
            ("scope", "basic likes"),
            ("state", "q"),
            ("decision", "allow"),
        ],
    )
    .await;
    let token = field(&redirect_fragment(&res), "access_token")
        .unwrap()
        .to_owned();
    let j = get(&router, "/test/last-token").await.json();
    assert_eq!(
        j,
        serde_json::json!({
            "access_token": token, "token_type": "bearer", "expires_in": 3600,
            "scope": "basic likes", "state": "q", "client_id": "app", "flow": "token"
        })
    );

    let reset = request_with(&router, Method::POST, "/test/reset", &[]).await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT);
    assert_eq!(
        last_request_statuses(&router).await,
        (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND)
    );
}

#[tokio::test]
async fn test_respond_inserts_raw_text_verbatim() {
    let (_, router) = setup(config(true));
    let raw = "access_token=a%ZZb&state=1&state=2&x=%E2%9C";
    let q = enc(&[("redirect_uri", CB), ("fragment", raw)]);
    let res = get(&router, &format!("/test/respond?{q}")).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), format!("{CB}#{raw}"));

    let q = enc(&[
        ("redirect_uri", "http://localhost:5173/?mode=popup"),
        ("query", "code=%%&state="),
    ]);
    let res = get(&router, &format!("/test/respond?{q}")).await;
    assert_eq!(
        res.location(),
        "http://localhost:5173/?mode=popup&code=%%&state="
    );

    let q = enc(&[("redirect_uri", CB), ("query", "a=1"), ("fragment", "b=2")]);
    assert_eq!(
        get(&router, &format!("/test/respond?{q}")).await.location(),
        format!("{CB}?a=1#b=2")
    );

    // Any client's redirect URI is fine; unregistered ones are refused.
    let q = enc(&[
        ("redirect_uri", "http://127.0.0.1:4000/"),
        ("fragment", "x"),
    ]);
    assert_eq!(
        get(&router, &format!("/test/respond?{q}")).await.status,
        StatusCode::SEE_OTHER
    );
    for q in [
        enc(&[("redirect_uri", "http://evil.example/"), ("fragment", "x")]),
        enc(&[("redirect_uri", CB)]),
        enc(&[("redirect_uri", CB), ("fragment", "line\nbreak")]),
        enc(&[("fragment", "x")]),
    ] {
        let res = get(&router, &format!("/test/respond?{q}")).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{q}");
        assert!(res.headers.get(header::LOCATION).is_none());
    }
}

#[tokio::test]
async fn auto_approve_skips_the_consent_page() {
    let (_, router) = setup(Config {
        auto_approve: true,
        ..Config::default()
    });
    let q = authorize_query(&[("response_type", "token"), ("state", "s")]);
    let res = get(&router, &format!("/oauth/authorize?{q}")).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(res
        .location()
        .starts_with(&format!("{CB}#access_token=1574083.")));
    assert!(res.location().ends_with(&format!("&state=s&{ISS}")));
}
