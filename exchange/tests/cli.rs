//! The real binary: its startup line, its exit statuses for bad configurations, a clean
//! exit on SIGTERM, and what it writes to stderr over every kind of request, which must
//! never include a secret, a code, a verifier or a token.

mod common;

use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::StatusCode;
use common::*;
use tokio::process::Command;

/// Runs the binary to its end; returns its status, stdout and stderr.
async fn run_to_end(args: &[&str], env: &[(&str, &str)]) -> (ExitStatus, String, String) {
    let output = tokio::time::timeout(
        WAIT,
        Command::new(BINARY)
            .args(args)
            .env_remove(SECRET_ENV)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("the exchange did not exit")
    .unwrap();
    (
        output.status,
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[tokio::test]
async fn a_missing_secret_variable_exits_1_before_listening() {
    let config = temp_file(
        "missing-env.json",
        &config_json(
            &[client_entry(
                CLIENT_ID,
                "https://provider.example/token",
                "EXCHANGE_TEST_UNSET_SECRET",
                "client_secret_post",
                &[ORIGIN],
            )],
            1_000,
        ),
    );
    let (status, stdout, stderr) =
        run_to_end(&["--port", "0", "--config", config.to_str().unwrap()], &[]).await;
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert_eq!(stdout, "", "it must not start listening");
    assert!(
        stderr.contains(
            "environment variable `EXCHANGE_TEST_UNSET_SECRET` (the client secret) is not set"
        ),
        "{stderr}"
    );
    assert!(stderr.contains(config.to_str().unwrap()), "{stderr}");
}

#[tokio::test]
async fn invalid_json_exits_1_with_its_position() {
    let config = temp_file("invalid.json", "{\"clients\": [\n  {\"client_id\": }\n]}");
    let (status, stdout, stderr) =
        run_to_end(&["--port", "0", "--config", config.to_str().unwrap()], &[]).await;
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert_eq!(stdout, "");
    assert!(stderr.contains("is not valid"), "{stderr}");
    assert!(stderr.contains("line 2"), "{stderr}");
}

#[tokio::test]
async fn an_unreadable_config_exits_1() {
    let missing = std::env::temp_dir().join("oauth-prefab-exchange-test-no-such-file.json");
    let directory = std::env::temp_dir();
    for path in [missing, directory] {
        let (status, stdout, stderr) =
            run_to_end(&["--port", "0", "--config", path.to_str().unwrap()], &[]).await;
        assert_eq!(status.code(), Some(1), "{stderr}");
        assert_eq!(stdout, "");
        assert!(stderr.contains("cannot read config file"), "{stderr}");
    }
}

#[tokio::test]
async fn bad_arguments_exit_2_with_usage() {
    for args in [
        &[][..],
        &["--config"],
        &["--config", "x.json", "--port", "http"],
        &["--verbose"],
    ] {
        let (status, _stdout, stderr) = run_to_end(args, &[]).await;
        assert_eq!(status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("usage: oauth-prefab-exchange --config FILE"),
            "{stderr}"
        );
    }
    let (status, stdout, _) = run_to_end(&["--help"], &[]).await;
    assert!(status.success());
    assert!(stdout.starts_with("usage:"));
}

/// Every kind of request through the real binary; then its stderr is searched for every
/// secret, code, verifier and token that went through it.
#[tokio::test]
async fn logs_say_what_happened_and_never_a_secret_code_verifier_or_token() {
    let provider = start_provider().await;
    let (post_endpoint, _) = start_fake_endpoint(
        200,
        "application/json",
        r#"{"access_token":"fake-post-token-Jd82","token_type":"bearer"}"#,
    )
    .await;
    let (basic_endpoint, _) = start_fake_endpoint(
        200,
        "application/json",
        r#"{"access_token":"fake-basic-token-Pw41","token_type":"bearer","refresh_token":"fake-refresh-Ux07"}"#,
    )
    .await;
    let (html_endpoint, _) =
        start_fake_endpoint(200, "text/html", "<html>login-page-Kk55</html>").await;
    let silent = start_silent_server(None).await;
    let (down, _held) = closed_port_origin().await;

    let secrets = [
        (SECRET_ENV, SECRET),
        ("EXCHANGE_TEST_POST_SECRET", "post-secret-Hq27"),
        ("EXCHANGE_TEST_BASIC_SECRET", "basic-secret-Mv63"),
        ("EXCHANGE_TEST_HTML_SECRET", "html-secret-Rb19"),
        ("EXCHANGE_TEST_SLOW_SECRET", "slow-secret-Tn48"),
        ("EXCHANGE_TEST_DOWN_SECRET", "down-secret-Ye30"),
    ];
    let entry = |id: &str, endpoint: String, env: &str, auth: &str| {
        client_entry(id, &endpoint, env, auth, &[ORIGIN])
    };
    let config = temp_file(
        "everything.json",
        &config_json(
            &[
                entry(
                    CLIENT_ID,
                    token_endpoint(&provider),
                    SECRET_ENV,
                    "client_secret_post",
                ),
                entry(
                    "post-app",
                    format!("{post_endpoint}/token"),
                    secrets[1].0,
                    "client_secret_post",
                ),
                entry(
                    "basic-app",
                    format!("{basic_endpoint}/token"),
                    secrets[2].0,
                    "client_secret_basic",
                ),
                entry(
                    "html-app",
                    format!("{html_endpoint}/token"),
                    secrets[3].0,
                    "client_secret_post",
                ),
                entry(
                    "slow-app",
                    format!("{silent}/token"),
                    secrets[4].0,
                    "client_secret_post",
                ),
                entry(
                    "down-app",
                    format!("{down}/token"),
                    secrets[5].0,
                    "client_secret_post",
                ),
            ],
            300,
        ),
    );
    let running = start_binary(&config, &secrets).await;
    let exchange = running.origin.clone();
    assert!(exchange.starts_with("http://127.0.0.1:"), "{exchange}");

    let mut sensitive: Vec<String> = secrets.iter().map(|(_, s)| (*s).to_owned()).collect();
    sensitive.extend(
        [
            "fake-post-token-Jd82",
            "fake-basic-token-Pw41",
            "fake-refresh-Ux07",
            "login-page-Kk55",
        ]
        .map(String::from),
    );
    // For client_secret_basic the header's base64 must not show up either.
    sensitive.push(base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        basic_pair("basic-app", "basic-secret-Mv63"),
    ));

    // A full exchange, then the same code again (the provider's invalid_grant).
    let (verifier, challenge) = pkce();
    let code = fresh_code(&provider, &challenge).await;
    let ok = post_code(&exchange, CLIENT_ID, &code, &verifier).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    sensitive.extend([code.clone(), verifier.clone(), ok.text("access_token")]);
    let replay = post_code(&exchange, CLIENT_ID, &code, &verifier).await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST);

    // Each refusal and each failing provider, with a code and verifier of its own.
    let mut case = 0;
    let mut request = |client_id: &str, redirect_uri: &str| {
        case += 1;
        let code = format!("code-{case}-Wc{}", case * 7919);
        let verifier = format!("verifier-{case}-Gs{}", case * 104_729);
        let body = token_form(client_id, &code, redirect_uri, &verifier);
        sensitive.extend([code, verifier]);
        body
    };
    let expectations = [
        (
            Some(ORIGIN),
            request("nobody", REDIRECT_URI),
            StatusCode::FORBIDDEN,
        ),
        (
            Some(ORIGIN),
            request(CLIENT_ID, "http://localhost:8080/elsewhere"),
            StatusCode::FORBIDDEN,
        ),
        (
            Some(FOREIGN_ORIGIN),
            request(CLIENT_ID, REDIRECT_URI),
            StatusCode::FORBIDDEN,
        ),
        (
            None,
            request(CLIENT_ID, REDIRECT_URI),
            StatusCode::FORBIDDEN,
        ),
        (
            Some(ORIGIN),
            request(CLIENT_ID, REDIRECT_URI) + "&code=again",
            StatusCode::BAD_REQUEST,
        ),
        (
            Some(ORIGIN),
            request(CLIENT_ID, REDIRECT_URI) + &"p".repeat(17 * 1024),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            Some(ORIGIN),
            request(CLIENT_ID, "x").replace("authorization_code", "password"),
            StatusCode::BAD_REQUEST,
        ),
        (
            Some(ORIGIN),
            request("post-app", REDIRECT_URI),
            StatusCode::OK,
        ),
        (
            Some(ORIGIN),
            request("basic-app", REDIRECT_URI),
            StatusCode::OK,
        ),
        (
            Some(ORIGIN),
            request("html-app", REDIRECT_URI),
            StatusCode::BAD_GATEWAY,
        ),
        (
            Some(ORIGIN),
            request("slow-app", REDIRECT_URI),
            StatusCode::BAD_GATEWAY,
        ),
        (
            Some(ORIGIN),
            request("down-app", REDIRECT_URI),
            StatusCode::BAD_GATEWAY,
        ),
        (
            Some(ORIGIN),
            request("nobody", REDIRECT_URI),
            StatusCode::FORBIDDEN,
        ),
    ];
    for (origin, body, status) in expectations {
        let answer = post_token(&exchange, origin, body).await;
        assert_eq!(answer.status, status, "{}", answer.body);
    }
    let non_form = request(CLIENT_ID, REDIRECT_URI);
    let answer = send(
        http()
            .post(format!("{exchange}/token"))
            .header("origin", ORIGIN)
            .header("content-type", "text/plain")
            .body(non_form),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    // Malformed bodies that put a code where a name or a redirect URI goes.
    for (body, status) in [
        ("bare-code-Qq77", StatusCode::BAD_REQUEST),
        (
            "grant_type=authorization_code&repeated-code-Vb58&repeated-code-Vb58",
            StatusCode::BAD_REQUEST,
        ),
    ] {
        sensitive.push(body.rsplit('&').next().unwrap_or(body).to_owned());
        let answer = post_token(&exchange, Some(ORIGIN), body.to_owned()).await;
        assert_eq!(answer.status, status, "{}", answer.body);
    }
    let leaky = token_form(
        CLIENT_ID,
        "c",
        "http://localhost:8080/?code=uri-code-Fn63",
        "v",
    );
    sensitive.push("uri-code-Fn63".into());
    let answer = post_token(&exchange, Some(ORIGIN), leaky).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(
        answer.body.contains("uri-code-Fn63"),
        "the page is told what it sent"
    );

    let preflight = send(
        http()
            .request(reqwest::Method::OPTIONS, format!("{exchange}/token"))
            .header("origin", FOREIGN_ORIGIN),
    )
    .await;
    assert_eq!(preflight.status, StatusCode::FORBIDDEN);
    let get = send(http().get(format!("{exchange}/token?code=query-code-Zx11"))).await;
    assert_eq!(get.status, StatusCode::METHOD_NOT_ALLOWED);
    sensitive.push("query-code-Zx11".into());
    let other = send(http().post(format!("{exchange}/elsewhere"))).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    let health = send(http().get(format!("{exchange}/healthz"))).await;
    assert_eq!(health.status, StatusCode::OK);

    let startup_line = running.startup_line.clone();
    let (status, rest_of_stdout, log) = running.stop().await;
    assert!(
        status.success(),
        "SIGTERM must end it cleanly: {status:?}\n{log}"
    );
    assert_eq!(
        startup_line,
        format!("oauth-prefab-exchange listening on {exchange}\n")
    );
    assert_eq!(rest_of_stdout, "", "stdout carries the startup line only");

    for secret in &sensitive {
        assert!(
            !log.contains(secret.as_str()),
            "the log contains {secret:?}:\n{log}"
        );
    }
    // It does say what happened.
    for expected in [
        "POST /token -> 200 in ",
        "client_id=demo-app origin=http://localhost:8080: provider answered 200 in ",
        "provider answered 400 in ",
        "(invalid_grant)",
        "client_id=nobody",
        "-> 403 in ",
        "no Origin header",
        "-> 413 in ",
        "-> 400 in ",
        "client_id=basic-app",
        "client_id=html-app",
        "not a JSON object",
        "client_id=slow-app",
        "did not answer within 300 ms",
        "client_id=down-app",
        "could not be reached",
        "OPTIONS /token -> 403 in ",
        "GET /token -> 405 in ",
        "POST /elsewhere -> 404 in ",
        "secret from $EXCHANGE_TEST_BASIC_SECRET",
        "refused: a parameter that is not part of a token request",
        "refused: a parameter is given more than once",
        "refused: redirect URI http://localhost:8080/?... is not allowed",
    ] {
        assert!(log.contains(expected), "the log lacks {expected:?}:\n{log}");
    }
    assert!(
        !log.contains("/healthz"),
        "successful health checks are not logged:\n{log}"
    );
}

/// The refresh grant and `/revoke` through the real binary: refresh tokens, like codes and
/// secrets, never appear in the log, and each request's line says what happened.
#[tokio::test]
async fn refresh_and_revoke_are_logged_without_tokens() {
    let (endpoint, _) = start_fake_endpoint(
        200,
        "application/json",
        r#"{"access_token":"renewed-access-Lq30","token_type":"bearer","refresh_token":"rotated-refresh-Hh71"}"#,
    )
    .await;
    let config = temp_file(
        "refresh.json",
        &config_json(
            &[
                revoking_client_entry(
                    CLIENT_ID,
                    &format!("{endpoint}/token"),
                    &format!("{endpoint}/revoke"),
                    SECRET_ENV,
                    "client_secret_post",
                    &[ORIGIN],
                ),
                client_entry(
                    "no-revoke",
                    &format!("{endpoint}/token"),
                    SECRET_ENV,
                    "client_secret_post",
                    &[ORIGIN],
                ),
            ],
            1_000,
        ),
    );
    let running = start_binary(&config, &[(SECRET_ENV, SECRET)]).await;
    let exchange = running.origin.clone();
    let sensitive = [
        SECRET,
        "renewed-access-Lq30",
        "rotated-refresh-Hh71",
        "page-refresh-Kd52",
        "revoked-token-Wm88",
        "unrevoked-token-Pz19",
        "repeated-refresh-Ty64",
    ];
    let requests = [
        (
            "/token",
            refresh_form(CLIENT_ID, "page-refresh-Kd52", Some("basic")),
            StatusCode::OK,
        ),
        (
            "/revoke",
            revoke_form(CLIENT_ID, "revoked-token-Wm88", Some("refresh_token")),
            StatusCode::OK,
        ),
        (
            "/revoke",
            revoke_form("no-revoke", "unrevoked-token-Pz19", None),
            StatusCode::FORBIDDEN,
        ),
        (
            "/token",
            refresh_form(CLIENT_ID, "repeated-refresh-Ty64", None)
                + "&refresh_token=repeated-refresh-Ty64",
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (path, body, status) in requests {
        let answer = post_form(&exchange, path, Some(ORIGIN), body).await;
        assert_eq!(answer.status, status, "{path}: {}", answer.body);
    }
    let (status, _, log) = running.stop().await;
    assert!(status.success(), "{log}");
    for secret in sensitive {
        assert!(!log.contains(secret), "the log contains {secret:?}:\n{log}");
    }
    for expected in [
        "revocation at http://",
        "POST /token -> 200 in ",
        "POST /revoke -> 200 in ",
        "client_id=demo-app origin=http://localhost:8080: provider answered 200 in ",
        "POST /revoke -> 403 in ",
        "client_id=no-revoke",
        "refused: a parameter is given more than once",
    ] {
        assert!(log.contains(expected), "the log lacks {expected:?}:\n{log}");
    }
}

/// README, Logging: "One line per request on stderr". A page that goes away (tab closed,
/// navigation, fetch aborted) while the exchange waits on the provider must still leave its
/// line: the provider has received the code and may have redeemed it.
#[tokio::test]
async fn a_request_whose_page_goes_away_during_the_provider_call_is_still_logged() {
    use axum::response::IntoResponse;
    use tokio::io::AsyncWriteExt;
    let received = std::sync::Arc::new(AtomicUsize::new(0));
    let count = received.clone();
    let slow = axum::routing::post(move || {
        let count = count.clone();
        async move {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(800)).await;
            let body = r#"{"access_token":"gone-token-Qa71","token_type":"bearer"}"#;
            (StatusCode::OK, [("content-type", "application/json")], body).into_response()
        }
    });
    let provider = serve(axum::Router::new().route("/token", slow)).await;
    let config = temp_file(
        "page-goes-away.json",
        &config_json(
            &[client_entry(
                CLIENT_ID,
                &format!("http://{provider}/token"),
                SECRET_ENV,
                "client_secret_post",
                &[ORIGIN],
            )],
            2_000,
        ),
    );
    let running = start_binary(&config, &[(SECRET_ENV, SECRET)]).await;
    let body = token_form(
        CLIENT_ID,
        "gone-code-Lm52",
        REDIRECT_URI,
        "v".repeat(43).as_str(),
    );
    let head = format!(
        "POST /token HTTP/1.1\r\nHost: x\r\nOrigin: {ORIGIN}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut socket = tokio::net::TcpStream::connect(running.origin.trim_start_matches("http://"))
        .await
        .unwrap();
    socket.write_all((head + &body).as_bytes()).await.unwrap();
    // The page goes away once the exchange has called the provider.
    tokio::time::timeout(WAIT, async {
        while received.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the provider was never called");
    drop(socket);
    // Past the provider's answer and well within the upstream timeout.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let (status, _, stderr) = running.stop().await;
    assert!(status.success(), "{stderr}");
    assert!(
        stderr.lines().any(|l| l.contains("POST /token ->")),
        "a request that reached the provider left no log line:\n{stderr}"
    );
    assert!(
        stderr.contains("POST /token -> client went away after ")
            && stderr.contains(&format!(" ms origin={ORIGIN}\n")),
        "{stderr}"
    );
    for secret in ["gone-code-Lm52", "gone-token-Qa71", SECRET] {
        assert!(
            !stderr.contains(secret),
            "the log holds {secret:?}:\n{stderr}"
        );
    }
}
