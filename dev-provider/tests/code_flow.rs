//! In-process HTTP tests of the code flow as the widget uses it: PKCE, public and
//! confidential client authentication, `response_mode`, `iss` (RFC 9207), metadata,
//! CORS and `Cache-Control` on the token endpoint, `--coop`, the token-request
//! record, and the redirect_uri error page.

mod common;

use axum::body::Body;
use axum::http::{header, HeaderName, Method, Request, StatusCode};
use axum::Router;
use common::*;
use dev_provider::Config;
use serde_json::json;

const ISSUER: &str = "http://127.0.0.1:9090";
const COOP: HeaderName = HeaderName::from_static("cross-origin-opener-policy");

async fn spa_code(router: &Router) -> String {
    code_of(
        &spa_authorize(
            router,
            &[
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
                ("state", "st"),
            ],
        )
        .await,
    )
}

/// A token request with the given form fields and optional extra header.
async fn token_request(
    router: &Router,
    path: &str,
    pairs: &[(&str, &str)],
    header: Option<(HeaderName, &str)>,
) -> Res {
    post_form_with(router, path, &enc(pairs), header.as_slice()).await
}

fn assert_oauth_error(res: &Res, status: StatusCode, error: &str) {
    assert_eq!(res.status, status, "{}", res.body);
    let j = res.json();
    assert_eq!(j["error"], error, "{j}");
    assert!(j["error_description"]
        .as_str()
        .is_some_and(|d| !d.is_empty()));
    assert_eq!(j["error_type"], "OAuthException");
    assert_eq!(j["code"], status.as_u16());
    assert_eq!(res.header(header::CACHE_CONTROL), Some("no-store"));
}

#[tokio::test]
async fn public_client_pkce_round_trip() {
    let (_, router) = setup(config(true));
    // The consent page carries the PKCE parameters through the form.
    let q = spa_authorize_query(&[
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
        ("state", "st"),
    ]);
    let res = get(&router, &format!("/oauth/authorize?{q}")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains(&format!(
        r#"<input type="hidden" name="code_challenge" value="{CHALLENGE}">"#
    )));
    assert!(res
        .body
        .contains(r#"<input type="hidden" name="code_challenge_method" value="S256">"#));

    let res = spa_authorize(
        &router,
        &[
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
            ("state", "st"),
            ("scope", "basic"),
        ],
    )
    .await;
    let loc = res.location().to_owned();
    let (base, query, fragment) = split_location(&loc);
    assert_eq!((base.as_str(), fragment), (SPA, None));
    let q = decode(&query.unwrap());
    assert_eq!(names(&q), ["code", "state", "iss"]);
    assert_eq!(field(&q, "state"), Some("st"));
    assert_eq!(field(&q, "iss"), Some(ISSUER));
    let code = field(&q, "code").unwrap();

    // Exactly the widget's request: no secret, a verifier, at /oauth/token.
    let res = token_request(
        &router,
        "/oauth/token",
        &spa_redemption(code),
        Some((header::ORIGIN, APP_ORIGIN)),
    )
    .await;
    let token = assert_basic_login(&router, &res).await;
    assert_eq!(
        res.header(header::ACCESS_CONTROL_ALLOW_ORIGIN),
        Some(APP_ORIGIN)
    );

    let j = get(&router, "/test/last-token").await.json();
    assert_eq!(
        j,
        json!({
            "access_token": token, "token_type": "bearer", "expires_in": 3600,
            "scope": "basic", "state": "st", "client_id": "spa", "flow": "code"
        })
    );
}

#[tokio::test]
async fn pkce_failures_are_invalid_grant() {
    let (_, router) = setup(config(false));
    let code = spa_code(&router).await;
    let exchange = |verifier: Option<&'static str>, code: String| {
        let router = router.clone();
        async move {
            let mut pairs = vec![
                ("grant_type", "authorization_code"),
                ("redirect_uri", SPA),
                ("client_id", "spa"),
            ];
            pairs.extend(verifier.map(|v| ("code_verifier", v)));
            pairs.push(("code", &code));
            token_request(&router, "/oauth/access_token", &pairs, None).await
        }
    };
    for verifier in [
        None,
        Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXl"),
        Some(""),
        Some("short"),
        Some(CHALLENGE),
    ] {
        let res = exchange(verifier, code.clone()).await;
        assert_oauth_error(&res, StatusCode::BAD_REQUEST, "invalid_grant");
        assert!(
            res.json()["error_description"]
                .as_str()
                .unwrap()
                .contains("code_verifier"),
            "{verifier:?}: {}",
            res.body
        );
    }
    // Failed attempts did not burn the code; success does.
    assert_eq!(
        exchange(Some(VERIFIER), code.clone()).await.status,
        StatusCode::OK
    );
    assert_oauth_error(
        &exchange(Some(VERIFIER), code).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );

    // A verifier for a code issued without a challenge (confidential client).
    let res = decide(&router, &[("response_type", "code"), ("decision", "allow")]).await;
    let code = code_of(&res);
    let res = token_request(
        &router,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("redirect_uri", CB),
            ("client_id", "app"),
            ("client_secret", "s3cret"),
            ("code_verifier", VERIFIER),
            ("code", &code),
        ],
        None,
    )
    .await;
    assert_oauth_error(&res, StatusCode::BAD_REQUEST, "invalid_grant");
    assert!(res.body.contains("no code_challenge"), "{}", res.body);
}

#[tokio::test]
async fn confidential_client_may_use_pkce_too() {
    let (_, router) = setup(config(false));
    let res = decide(
        &router,
        &[
            ("response_type", "code"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
            ("decision", "allow"),
        ],
    )
    .await;
    let code = code_of(&res);
    let mut pairs = vec![
        ("grant_type", "authorization_code"),
        ("redirect_uri", CB),
        ("client_id", "app"),
        ("client_secret", "s3cret"),
        ("code", &code),
    ];
    let res = token_request(&router, "/oauth/token", &pairs, None).await;
    assert_oauth_error(&res, StatusCode::BAD_REQUEST, "invalid_grant");
    pairs.push(("code_verifier", VERIFIER));
    let res = token_request(&router, "/oauth/token", &pairs, None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

#[tokio::test]
async fn authorize_rejects_bad_pkce_parameters_by_redirect() {
    let (_, router) = setup(config(false));
    let cases: [(&[(&str, &str)], &str); 7] = [
        (&[("code_challenge", CHALLENGE)], "code_challenge_method"),
        (
            &[
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "plain"),
            ],
            "`plain` is not supported",
        ),
        (
            &[
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "s256"),
            ],
            "not supported",
        ),
        (
            &[("code_challenge_method", "S256")],
            "without a code_challenge",
        ),
        (
            &[
                ("code_challenge", "tooshort"),
                ("code_challenge_method", "S256"),
            ],
            "43 to 128",
        ),
        (
            &[
                (
                    "code_challenge",
                    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM",
                ),
                ("code_challenge_method", "S256"),
            ],
            "43 to 128",
        ),
        // A public client must use PKCE in the code flow.
        (&[], "public client must use PKCE"),
    ];
    for (extra, message) in cases {
        let mut fields = vec![("state", "s")];
        fields.extend_from_slice(extra);
        let q = spa_authorize_query(&fields);
        let res = get(&router, &format!("/oauth/authorize?{q}")).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{extra:?}: {}", res.body);
        let (base, query, fragment) = split_location(res.location());
        assert_eq!((base.as_str(), fragment), (SPA, None), "{extra:?}");
        let q = decode(&query.unwrap());
        assert_eq!(field(&q, "error"), Some("invalid_request"), "{extra:?}");
        assert!(
            field(&q, "error_description").is_some_and(|d| d.contains(message)),
            "{extra:?}: {q:?}"
        );
        assert_eq!(field(&q, "state"), Some("s"));
        assert_eq!(field(&q, "iss"), Some(ISSUER));
    }

    // The same problems in the token flow are reported in the fragment.
    let q = authorize_query(&[
        ("response_type", "token"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "plain"),
    ]);
    let res = get(&router, &format!("/oauth/authorize?{q}")).await;
    let (_, query, fragment) = split_location(res.location());
    assert_eq!(query, None);
    assert!(fragment.unwrap().starts_with("error=invalid_request&"));

    // A public client needs no PKCE for the implicit grant.
    let q = enc(&[
        ("client_id", "spa"),
        ("redirect_uri", SPA),
        ("response_type", "token"),
    ]);
    assert_eq!(
        get(&router, &format!("/oauth/authorize?{q}")).await.status,
        StatusCode::OK
    );
}

/// Form fields, `Authorization` header, expected status, error, and whether a
/// `WWW-Authenticate: Basic` challenge is expected.
type AuthCase<'a> = (
    Vec<(&'a str, &'a str)>,
    Option<String>,
    StatusCode,
    &'a str,
    bool,
);

#[tokio::test]
async fn client_authentication() {
    let (_, router) = setup(config(false));
    let app_code = || async {
        code_of(&decide(&router, &[("response_type", "code"), ("decision", "allow")]).await)
    };
    let basic = |id_secret: &str| {
        use base64::Engine as _;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(id_secret)
        )
    };

    // Confidential client over HTTP Basic, without client_id in the form.
    let code = app_code().await;
    let auth = basic("app:s3cret");
    let res = token_request(
        &router,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("redirect_uri", CB),
            ("code", &code),
        ],
        Some((header::AUTHORIZATION, &auth)),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);

    let code = app_code().await;
    let form = |extra: &[(&'static str, &'static str)]| {
        let mut pairs = vec![("grant_type", "authorization_code"), ("redirect_uri", CB)];
        pairs.extend_from_slice(extra);
        pairs
    };
    let cases: Vec<AuthCase<'_>> = vec![
        // Wrong secret over Basic: 401 with a Basic challenge.
        (
            form(&[]),
            Some(basic("app:nope")),
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            true,
        ),
        // Wrong or missing secret in the form: 401 without a challenge.
        (
            form(&[("client_id", "app"), ("client_secret", "nope")]),
            None,
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            false,
        ),
        (
            form(&[("client_id", "app")]),
            None,
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            false,
        ),
        // Unknown client.
        (
            form(&[("client_id", "ghost"), ("client_secret", "x")]),
            None,
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            false,
        ),
        (
            form(&[]),
            Some(basic("ghost:x")),
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            true,
        ),
        // Malformed Basic or another scheme.
        (
            form(&[]),
            Some("Basic !!!".into()),
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            true,
        ),
        (
            form(&[("client_id", "app")]),
            Some("Bearer abc".into()),
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            true,
        ),
        // Two methods at once, or two different client ids.
        (
            form(&[("client_secret", "s3cret")]),
            Some(basic("app:s3cret")),
            StatusCode::BAD_REQUEST,
            "invalid_request",
            false,
        ),
        (
            form(&[("client_id", "other")]),
            Some(basic("app:s3cret")),
            StatusCode::BAD_REQUEST,
            "invalid_request",
            false,
        ),
        // No client at all.
        (
            form(&[]),
            None,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            false,
        ),
        // A public client must not send a secret, in either place.
        (
            form(&[("client_id", "spa"), ("client_secret", "x")]),
            None,
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            false,
        ),
        (
            form(&[("client_id", "spa"), ("client_secret", "")]),
            None,
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            false,
        ),
        (
            form(&[]),
            Some(basic("spa:")),
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            true,
        ),
    ];
    for (mut pairs, auth, status, error, challenge) in cases {
        let what = format!("{pairs:?} {auth:?}");
        pairs.push(("code", &code));
        let auth = auth.as_deref().map(|a| (header::AUTHORIZATION, a));
        let res = token_request(&router, "/oauth/token", &pairs, auth).await;
        assert_oauth_error(&res, status, error);
        assert_eq!(
            res.header(header::WWW_AUTHENTICATE),
            challenge.then_some("Basic realm=\"dev-provider\""),
            "{what}"
        );
    }
    // None of that burned the code.
    let mut pairs = form(&[("client_id", "app"), ("client_secret", "s3cret")]);
    pairs.push(("code", &code));
    let res = token_request(&router, "/oauth/token", &pairs, None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

#[tokio::test]
async fn response_mode_places_the_response() {
    let (_, router) = setup(config(false));
    let pkce = [
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
        ("state", "s"),
    ];
    let with = |mode: &'static str| {
        let mut v = pkce.to_vec();
        v.push(("response_mode", mode));
        v
    };

    let res = spa_authorize(&router, &with("fragment")).await;
    let (base, query, fragment) = split_location(res.location());
    assert_eq!((base.as_str(), query), (SPA, None));
    let f = decode(&fragment.unwrap());
    assert_eq!(names(&f), ["code", "state", "iss"]);

    let res = spa_authorize(&router, &with("query")).await;
    let (_, query, fragment) = split_location(res.location());
    assert_eq!(fragment, None);
    assert!(query.unwrap().starts_with("code="));

    // Unknown mode: invalid_request, in the code flow's default place.
    for mode in ["form_post", "Fragment", ""] {
        let res = spa_authorize(&router, &with(mode)).await;
        let (_, query, fragment) = split_location(res.location());
        assert_eq!(fragment, None, "{mode}");
        let q = decode(&query.unwrap());
        assert_eq!(field(&q, "error"), Some("invalid_request"), "{mode}");
        assert_eq!(field(&q, "state"), Some("s"));
        assert_eq!(field(&q, "iss"), Some(ISSUER));
    }

    // A denial follows the mode too, and the consent page carries it.
    let mut deny = with("fragment");
    deny.push(("decision", "deny"));
    let pairs: Vec<(&str, &str)> = [
        ("client_id", "spa"),
        ("redirect_uri", SPA),
        ("response_type", "code"),
    ]
    .into_iter()
    .chain(deny)
    .collect();
    let res = post_form(&router, "/oauth/authorize", &enc(&pairs)).await;
    let (_, query, fragment) = split_location(res.location());
    assert_eq!(query, None);
    assert!(fragment
        .unwrap()
        .starts_with("error=access_denied&error_reason=user_denied"));
    let q = spa_authorize_query(&[
        ("response_mode", "fragment"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]);
    let res = get(&router, &format!("/oauth/authorize?{q}")).await;
    assert!(res
        .body
        .contains(r#"<input type="hidden" name="response_mode" value="fragment">"#));

    // Tokens never go in the query: response_mode=query with token is refused (in
    // the fragment); response_mode=fragment with token is the default anyway.
    let res = decide(
        &router,
        &[
            ("response_type", "token"),
            ("response_mode", "query"),
            ("decision", "allow"),
        ],
    )
    .await;
    let (_, query, fragment) = split_location(res.location());
    assert_eq!(query, None);
    assert!(fragment.unwrap().starts_with("error=invalid_request&"));
    let res = decide(
        &router,
        &[
            ("response_type", "token"),
            ("response_mode", "fragment"),
            ("decision", "allow"),
        ],
    )
    .await;
    assert!(res.location().starts_with(&format!("{CB}#access_token=")));
}

#[tokio::test]
async fn every_authorization_response_carries_the_issuer() {
    let origin = "http://127.0.0.1:54321";
    let (_, router) = setup(Config {
        public_origin: origin.into(),
        test_controls: true,
        ..Config::default()
    });
    let iss = enc(&[("iss", origin)]);
    let responses = [
        decide(
            &router,
            &[("response_type", "token"), ("decision", "allow")],
        )
        .await,
        decide(&router, &[("response_type", "token"), ("decision", "deny")]).await,
        decide(
            &router,
            &[
                ("response_type", "token"),
                ("deny_in", "query"),
                ("decision", "deny"),
            ],
        )
        .await,
        decide(&router, &[("response_type", "code"), ("decision", "allow")]).await,
        decide(&router, &[("response_type", "code"), ("decision", "deny")]).await,
        decide(
            &router,
            &[("response_type", "id_token"), ("decision", "allow")],
        )
        .await,
        decide(
            &router,
            &[("response_type", "id_token token"), ("decision", "allow")],
        )
        .await,
    ];
    for res in responses {
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert!(
            res.location().ends_with(&format!("&{iss}")),
            "{}",
            res.location()
        );
    }

    // /test/respond stays verbatim: no iss is added to crafted responses.
    let q = enc(&[("redirect_uri", CB), ("fragment", "a=1")]);
    assert_eq!(
        get(&router, &format!("/test/respond?{q}")).await.location(),
        format!("{CB}#a=1")
    );
}

#[tokio::test]
async fn metadata_document() {
    let origin = "http://127.0.0.1:54321";
    let (_, router) = setup(Config {
        public_origin: origin.into(),
        ..Config::default()
    });
    let res = get(&router, "/.well-known/oauth-authorization-server").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res
        .header(header::CONTENT_TYPE)
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(
        res.json(),
        json!({
            "issuer": origin,
            "authorization_endpoint": format!("{origin}/oauth/authorize"),
            "token_endpoint": format!("{origin}/oauth/token"),
            "response_types_supported": ["code", "token"],
            "response_modes_supported": ["query", "fragment"],
            "grant_types_supported": ["authorization_code", "implicit"],
            "token_endpoint_auth_methods_supported":
                ["client_secret_basic", "client_secret_post", "none"],
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": true,
        })
    );
}

#[tokio::test]
async fn token_endpoint_cors_and_no_store() {
    let (_, router) = setup(config(false));
    for path in ["/oauth/token", "/oauth/access_token"] {
        let preflight = |origin: &'static str| {
            Request::builder()
                .method(Method::OPTIONS)
                .uri(path)
                .header(header::ORIGIN, origin)
                .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
                .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
                .body(Body::empty())
                .unwrap()
        };
        let res = send(&router, preflight(APP_ORIGIN)).await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{path}");
        assert_eq!(
            res.header(header::ACCESS_CONTROL_ALLOW_ORIGIN),
            Some(APP_ORIGIN)
        );
        assert!(res
            .header(header::ACCESS_CONTROL_ALLOW_METHODS)
            .unwrap()
            .contains("POST"));
        assert!(res
            .header(header::ACCESS_CONTROL_ALLOW_HEADERS)
            .unwrap()
            .contains("Content-Type"));
        let res = send(&router, preflight("http://evil.example")).await;
        assert_eq!(res.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), None);

        // An error answer is readable by the registered page, and never cached.
        let res = token_request(
            &router,
            path,
            &[
                ("client_id", "spa"),
                ("grant_type", "authorization_code"),
                ("redirect_uri", SPA),
                ("code", "nope"),
            ],
            Some((header::ORIGIN, APP_ORIGIN)),
        )
        .await;
        assert_oauth_error(&res, StatusCode::BAD_REQUEST, "invalid_grant");
        assert_eq!(
            res.header(header::ACCESS_CONTROL_ALLOW_ORIGIN),
            Some(APP_ORIGIN)
        );
        let res = token_request(
            &router,
            path,
            &[
                ("client_id", "app"),
                ("grant_type", "authorization_code"),
                ("redirect_uri", CB),
                ("code", "nope"),
            ],
            Some((header::ORIGIN, "http://evil.example")),
        )
        .await;
        assert_oauth_error(&res, StatusCode::UNAUTHORIZED, "invalid_client");
        assert_eq!(res.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), None);
    }
    assert_eq!(
        get(&router, "/oauth/token").await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
}

#[tokio::test]
async fn coop_flag_marks_every_html_page() {
    let consent = authorize_query(&[("response_type", "token")]);
    let bad_client = enc(&[("client_id", "ghost"), ("redirect_uri", CB)]);
    let pages = [
        format!("/oauth/authorize?{consent}"),
        format!("/oauth/authorize?{bad_client}"),
        "/oauth/authorize?client_id=a&client_id=b".to_owned(),
    ];
    for coop in [false, true] {
        let (_, router) = setup(Config {
            coop,
            ..Config::default()
        });
        for page in &pages {
            let res = get(&router, page).await;
            assert!(res
                .header(header::CONTENT_TYPE)
                .unwrap()
                .starts_with("text/html"));
            assert_eq!(
                res.header(COOP.clone()),
                coop.then_some("same-origin"),
                "{page}"
            );
        }
        let res = post_form(&router, "/oauth/authorize", "decision=maybe").await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert_eq!(res.header(COOP.clone()), coop.then_some("same-origin"));
        // Not on redirects or JSON.
        let res = decide(
            &router,
            &[("response_type", "token"), ("decision", "allow")],
        )
        .await;
        assert_eq!(res.header(COOP.clone()), None);
        let res = get(&router, "/.well-known/oauth-authorization-server").await;
        assert_eq!(res.header(COOP.clone()), None);
    }
}

#[tokio::test]
async fn token_requests_are_recorded_without_secrets() {
    let (_, router) = setup(config(true));
    let res = get(&router, "/test/token-requests").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json(), json!([]));

    let code = spa_code(&router).await;
    token_request(
        &router,
        "/oauth/token",
        &spa_redemption(&code),
        Some((header::ORIGIN, APP_ORIGIN)),
    )
    .await;
    token_request(
        &router,
        "/oauth/access_token",
        &[
            ("grant_type", "authorization_code"),
            ("code", "nope"),
            ("redirect_uri", CB),
            ("client_id", "app"),
            ("client_secret", "s3cret"),
        ],
        None,
    )
    .await;
    token_request(
        &router,
        "/oauth/token",
        &[
            ("grant_type", "authorization_code"),
            ("redirect_uri", CB),
            ("code", "x"),
        ],
        Some((header::AUTHORIZATION, "Basic YXBwOndyb25nLXNlY3JldA==")),
    )
    .await;
    post_json(&router, "/oauth/token", &json!({})).await;

    let res = get(&router, "/test/token-requests").await;
    assert!(!res.body.contains("s3cret") && !res.body.contains("wrong-secret"));
    assert_eq!(
        res.json(),
        json!([
            {"client_id": "spa", "grant_type": "authorization_code", "redirect_uri": SPA,
             "has_code_verifier": true, "has_client_secret": false, "auth": "none",
             "origin": APP_ORIGIN, "status": 200},
            {"client_id": "app", "grant_type": "authorization_code", "redirect_uri": CB,
             "has_code_verifier": false, "has_client_secret": true, "auth": "post",
             "origin": null, "status": 400},
            {"client_id": "app", "grant_type": "authorization_code", "redirect_uri": CB,
             "has_code_verifier": false, "has_client_secret": true, "auth": "basic",
             "origin": null, "status": 401},
            {"client_id": null, "grant_type": null, "redirect_uri": null,
             "has_code_verifier": false, "has_client_secret": false, "auth": "none",
             "origin": null, "status": 400},
        ])
    );
    // Preflights are not token requests.
    request_with(
        &router,
        Method::OPTIONS,
        "/oauth/token",
        &[(header::ORIGIN, APP_ORIGIN)],
    )
    .await;
    assert_eq!(
        get(&router, "/test/token-requests")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        4
    );

    let reset = request_with(&router, Method::POST, "/test/reset", &[]).await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT);
    assert_eq!(get(&router, "/test/token-requests").await.json(), json!([]));

    let (_, plain) = setup(config(false));
    assert_eq!(
        get(&plain, "/test/token-requests").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn redirect_uri_error_page_names_the_problem() {
    let (_, router) = setup(config(false));
    let evil = "http://evil.example/<b>cb</b>?x=\"1\"";
    let escaped = "http://evil.example/&lt;b&gt;cb&lt;/b&gt;?x=&quot;1&quot;";
    let cases = [
        (
            enc(&[("client_id", "app"), ("redirect_uri", evil)]),
            "Invalid redirect_uri",
        ),
        (
            enc(&[("client_id", "ghost"), ("redirect_uri", evil)]),
            "Unknown client",
        ),
        (
            enc(&[
                ("client_id", "app"),
                ("redirect_uri", "http://localhost:5173/cb#frag"),
            ]),
            "Invalid redirect_uri",
        ),
    ];
    for (query, title) in cases {
        for post in [false, true] {
            let res = if post {
                post_form(
                    &router,
                    "/oauth/authorize",
                    &format!("{query}&decision=allow"),
                )
                .await
            } else {
                get(
                    &router,
                    &format!("/oauth/authorize?{query}&response_type=code"),
                )
                .await
            };
            assert_eq!(res.status, StatusCode::BAD_REQUEST, "{query}");
            assert!(res.headers.get(header::LOCATION).is_none());
            assert!(
                res.body
                    .contains(&format!("<h1 id=\"error-title\">{title}</h1>")),
                "{}",
                res.body
            );
            let message = res
                .body
                .split("<p id=\"error-message\">")
                .nth(1)
                .and_then(|m| m.split("</p>").next())
                .unwrap();
            assert!(message.contains("redirect_uri"), "{message}");
            assert!(!res.body.contains("<b>cb"), "{message}");
            if query.contains("evil") {
                assert!(message.contains(escaped), "{message}");
            } else {
                assert!(message.contains("http://localhost:5173/cb#frag"));
                assert!(message.contains("must not contain a fragment"));
            }
        }
    }
    // The registered URIs are listed to help fix the mistake.
    let res = get(
        &router,
        &format!(
            "/oauth/authorize?{}",
            enc(&[("client_id", "app"), ("redirect_uri", evil)])
        ),
    )
    .await;
    assert!(res
        .body
        .contains("http://localhost:5173/cb, http://localhost:5173/?mode=popup"));
}
