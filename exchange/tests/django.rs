//! Interop with django-oauth-toolkit (tests/interop/django/), a real provider with
//! confidential clients and rotating refresh tokens: a code is exchanged, refreshed and
//! revoked through the exchange, with the secret sent both ways the exchange can send it.
//!
//! The provider runs in the Python environment that `scripts/interop-django.sh` creates
//! (this test runs the script, which skips what is installed). If that environment cannot
//! be created, the test says why and passes without running: it is the only part of the
//! exchange's suite that needs Python.

mod common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use common::*;
use tokio::io::{AsyncBufReadExt, AsyncReadExt};
use tokio::process::{Child, Command};

const DJANGO_CLIENT_ID: &str = "oauth-prefab-interop";
/// With the characters RFC 6749 2.3.1's form-encoding inside Basic is about.
const DJANGO_SECRET: &str = "interop-s3cret+/=:x";
const DJANGO_SECRET_ENV: &str = "EXCHANGE_TEST_DJANGO_SECRET";

/// The repository's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Says why the test does not run, on the real stderr: `eprintln!` would be captured by
/// the test harness and shown only for a failure.
fn skipped(why: &str) {
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: the django-oauth-toolkit interop test: {why}"
    );
}

/// The venv's Python, after `scripts/interop-django.sh` made sure of the packages; `None`
/// (with the reason on stderr) when the environment cannot be created.
fn python() -> Option<PathBuf> {
    let script = root().join("scripts/interop-django.sh");
    let python = root().join(".cache/django-venv/bin/python");
    match std::process::Command::new("bash").arg(&script).output() {
        Ok(out) if out.status.success() && python.exists() => Some(python),
        Ok(out) => {
            skipped(&format!(
                "{} failed:\n{}{}",
                script.display(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
            None
        }
        Err(e) => {
            skipped(&format!("cannot run bash: {e}"));
            None
        }
    }
}

/// The running provider: its origin, a signed-in session cookie, and the process.
struct Django {
    url: String,
    session_cookie: String,
    _child: Child,
    /// Its stderr (a line per request), shown only when the test fails.
    log: Arc<Mutex<String>>,
    _db: TempFile,
}

impl Drop for Django {
    fn drop(&mut self) {
        // Captured by the test harness, which prints it for a failed test only.
        eprintln!("django-oauth-toolkit's log:\n{}", self.log.lock().unwrap());
    }
}

async fn start_django(python: &Path) -> Django {
    let db = temp_path("django.sqlite3");
    let (mut child, mut stdout) = spawn_piped(
        Command::new(python)
            .arg(root().join("tests/interop/django/serve.py"))
            .env("INTEROP_DB", &*db)
            .env("INTEROP_CLIENT_ID", DJANGO_CLIENT_ID)
            .env("INTEROP_CLIENT_SECRET", DJANGO_SECRET)
            .env("INTEROP_REDIRECT_URI", REDIRECT_URI),
    );
    let mut stderr = child.stderr.take().unwrap();
    let log = Arc::new(Mutex::new(String::new()));
    let sink = log.clone();
    tokio::spawn(async move {
        let mut chunk = [0u8; 4096];
        while let Ok(n @ 1..) = stderr.read(&mut chunk).await {
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&chunk[..n]));
        }
    });
    let mut line = String::new();
    tokio::time::timeout(Duration::from_secs(60), stdout.read_line(&mut line))
        .await
        .unwrap_or_else(|_| {
            panic!(
                "django-oauth-toolkit did not start within 60 s: {}",
                log.lock().unwrap()
            )
        })
        .unwrap();
    let ready: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| {
        // Give the process a moment to finish writing why it stopped.
        std::thread::sleep(Duration::from_millis(300));
        panic!(
            "unexpected ready line {line:?} ({e}): {}",
            log.lock().unwrap()
        )
    });
    Django {
        url: ready["url"].as_str().unwrap().to_owned(),
        session_cookie: ready["session_cookie"].as_str().unwrap().to_owned(),
        _child: child,
        log,
        _db: db,
    }
}

/// A code from django-oauth-toolkit's authorization endpoint, for the signed-in session
/// (the application skips the consent page), with a PKCE challenge.
async fn django_code(django: &Django, challenge: &str) -> String {
    let res = http()
        .get(format!("{}/o/authorize/", django.url))
        .query(&[
            ("response_type", "code"),
            ("client_id", DJANGO_CLIENT_ID),
            ("redirect_uri", REDIRECT_URI),
            ("scope", "read"),
            ("state", "st4te"),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ])
        .header("cookie", &django.session_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND, "{:?}", res.text().await);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let url = url::Url::parse(&location).unwrap();
    assert!(location.starts_with(REDIRECT_URI), "{location}");
    let code = url.query_pairs().find(|(k, _)| k == "code");
    code.map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no code in {location}"))
}

/// The protected resource's status for an access token.
async fn hello(django: &Django, access_token: &str) -> StatusCode {
    let res = http()
        .get(format!("{}/api/hello", django.url))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap();
    res.status()
}

#[tokio::test]
async fn code_refresh_and_revocation_through_the_exchange_at_django_oauth_toolkit() {
    let Some(python) = python() else {
        return;
    };
    let django = start_django(&python).await;
    for auth in ["client_secret_basic", "client_secret_post"] {
        let config = config_json(
            &[revoking_client_entry(
                DJANGO_CLIENT_ID,
                &format!("{}/o/token/", django.url),
                &format!("{}/o/revoke_token/", django.url),
                DJANGO_SECRET_ENV,
                auth,
                &[ORIGIN],
            )],
            10_000,
        );
        let exchange = start_exchange(&config, &[(DJANGO_SECRET_ENV, DJANGO_SECRET)]).await;

        // The code, exchanged with the widget's request.
        let (verifier, challenge) = pkce();
        let code = django_code(&django, &challenge).await;
        let login = post_code(&exchange, DJANGO_CLIENT_ID, &code, &verifier).await;
        assert_eq!(login.status, StatusCode::OK, "{auth}: {}", login.body);
        assert_eq!(login.json()["token_type"], "Bearer");
        let (access, refresh) = (login.text("access_token"), login.text("refresh_token"));
        assert_eq!(hello(&django, &access).await, StatusCode::OK, "{auth}");

        // A refresh returns a rotated refresh token; the old one is then refused.
        let renewed = post_refresh(&exchange, DJANGO_CLIENT_ID, &refresh, None).await;
        assert_eq!(renewed.status, StatusCode::OK, "{auth}: {}", renewed.body);
        let (new_access, new_refresh) =
            (renewed.text("access_token"), renewed.text("refresh_token"));
        assert_ne!(new_refresh, refresh, "{auth}: rotated");
        assert_eq!(hello(&django, &new_access).await, StatusCode::OK);
        let reused = post_refresh(&exchange, DJANGO_CLIENT_ID, &refresh, None).await;
        assert_eq!(
            reused.status,
            StatusCode::BAD_REQUEST,
            "{auth}: {}",
            reused.body
        );
        assert_eq!(reused.error_code(), "invalid_grant");

        // Revocation: the access token, then the refresh token, which is then refused.
        let revoked = post_revoke(
            &exchange,
            DJANGO_CLIENT_ID,
            &new_access,
            Some("access_token"),
        )
        .await;
        assert_eq!(revoked.status, StatusCode::OK, "{auth}: {}", revoked.body);
        assert_eq!(revoked.header("access-control-allow-origin"), Some(ORIGIN));
        assert_ne!(
            hello(&django, &new_access).await,
            StatusCode::OK,
            "{auth}: revoked"
        );
        let revoked = post_revoke(
            &exchange,
            DJANGO_CLIENT_ID,
            &new_refresh,
            Some("refresh_token"),
        )
        .await;
        assert_eq!(revoked.status, StatusCode::OK, "{auth}: {}", revoked.body);
        let after = post_refresh(&exchange, DJANGO_CLIENT_ID, &new_refresh, None).await;
        assert_eq!(
            after.status,
            StatusCode::BAD_REQUEST,
            "{auth}: {}",
            after.body
        );
        assert_eq!(after.error_code(), "invalid_grant");
    }
}
