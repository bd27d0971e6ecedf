//! The code flow: the digest before the URL, the state before any token request, and every
//! answer of the token endpoint.

use super::*;
use crate::core::contract::Storage;
use crate::core::oauth::form::Params;
use crate::core::store::{Store, TOKEN_PREFIX};

#[test]
fn the_code_flow_waits_for_the_digest_and_asks_for_a_token_only_after_the_state_matched() {
    let mut w = Widget::new(CODE);
    let (out, state) = w.login(0x55);
    assert_eq!(names(&out), ["open", "digest", "render", "timer"]);
    assert_eq!(out[0]["url"], "", "a blank popup, opened within the click");
    assert_eq!(out[1]["text"].as_str().map(str::len), Some(43));
    let seq = digest_seq(&out);
    assert!(
        w.send(Input::Digest {
            seq: seq + 1,
            digest: vec![9; 32]
        })
        .is_empty(),
        "another request's digest"
    );
    let go = w.digest(&out);
    let (url, popup) = go_url(&go).unwrap();
    assert!(popup);
    let query = Params::parse(url.split_once('?').unwrap().1).unwrap();
    assert_eq!(
        (
            query.get("response_type"),
            query.get("code_challenge_method")
        ),
        (Some("code"), Some("S256"))
    );
    assert_eq!(
        query.get("code_challenge"),
        Some("CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk")
    );

    // A wrong state: refused, and no token request at all.
    let forged = w.popup_answer("?code=stolen&state=wrong", "");
    assert_eq!(error(&forged), Some("state_mismatch"));
    assert!(!names(&forged).contains(&"fetch"));

    let (out, state2) = w.login(0x66);
    assert_ne!(state, state2);
    w.digest(&out);
    let out = w.popup_answer(&format!("?code=c%2F1&state={state2}"), "");
    assert_eq!(
        names(&out),
        ["ack", "close", "fetch", "render", "timer"],
        "the popup hears its answer was taken, and closes; the exchange begins"
    );
    let fetch = find(&out, "fetch").unwrap();
    assert_eq!(fetch["url"], "https://id.example/token");
    let body = Params::parse(fetch["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        (
            body.get("grant_type"),
            body.get("code"),
            body.get("redirect_uri")
        ),
        (
            Some("authorization_code"),
            Some("c/1"),
            Some("http://localhost:8080/app")
        )
    );
    assert_eq!(body.get("code_verifier").map(str::len), Some(43));
    let seq = fetch["seq"].as_u64().unwrap() as u32;
    assert!(
        w.looks("cc").is_empty(),
        "the popup closing now is not a cancel"
    );
    assert!(
        w.send(Input::Answer {
            seq: seq + 1,
            status: 200,
            body: "{}".into()
        })
        .is_empty(),
        "an answer to another request"
    );
    let done = w.reply(
        seq,
        200,
        r#"{"access_token":"at","token_type":"bearer","user":{"id":"1"}}"#,
    );
    let detail = event(&done, "oauth-login").unwrap();
    assert_eq!(
        (detail["accessToken"].as_str(), &detail["user"]),
        (Some("at"), &serde_json::json!({"id": "1"}))
    );
}

#[test]
fn token_request_failures_become_the_contract_codes() {
    let mut w = Widget::new(CODE);
    let seq = w.code_returned(0x55);
    let out = w.send(Input::Unreachable {
        seq,
        blocked_by: "".into(),
    });
    assert_eq!(error(&out), Some("network_error"));
    assert!(
        description(&out).contains("https://id.example/token")
            && description(&out).contains("CORS")
    );

    let seq = w.code_returned(0x56);
    let out = w.send(Input::Unreachable {
        seq,
        blocked_by: "connect-src".into(),
    });
    assert_eq!(
        description(&out),
        "the page's Content Security Policy blocked the token request to `https://id.example/token` (connect-src): add https://id.example to its connect-src directive"
    );

    let seq = w.code_returned(0x57);
    assert_eq!(
        error(&w.send(Input::Answer {
            seq,
            status: 502,
            body: "<html>".into()
        })),
        Some("invalid_response")
    );
    let seq = w.code_returned(0x58);
    assert_eq!(
        error(&w.send(Input::Answer {
            seq,
            status: 400,
            body: r#"{"error":"invalid_grant"}"#.into()
        })),
        Some("invalid_grant")
    );
}

#[test]
fn the_issuer_is_checked_before_any_token_request() {
    let mut w = Widget::new(&format!("{CODE}&issuer=https%3A%2F%2Fid.example"));
    w.discovered(DISCOVERY);
    let (out, state) = w.login(0x57);
    w.digest(&out);
    let out = w.popup_answer(
        &format!("?code=c&state={state}&iss=https%3A%2F%2Fevil.example"),
        "",
    );
    assert_eq!(error(&out), Some("invalid_response"));
    assert!(!names(&out).contains(&"fetch"));
}

#[test]
fn without_subtle_crypto_the_code_flow_fails_at_once() {
    let mut w = Widget::new(CODE);
    let (out, _) = w.login(0x33);
    let out = w.send(Input::Digest {
        seq: digest_seq(&out),
        digest: Vec::new(),
    });
    assert_eq!(error(&out), Some("browser_refused"));
    assert!(description(&out).contains("secure context"));
}

#[test]
fn the_url_is_built_from_the_settings_the_login_started_with() {
    let mut w = Widget::new(CODE);
    let (out, _) = w.login(0x22);
    w.update(&CODE.replace("id.example", "other.example"));
    let go = w.digest(&out);
    assert!(go_url(&go)
        .unwrap()
        .0
        .starts_with("https://id.example/authorize?"));
}

#[test]
fn an_error_response_from_another_issuer_is_refused() {
    // With `issuer` set, "an authorization response must carry an `iss` equal to it, or it is
    // refused with `invalid_response` (a mix-up defense)". RFC 9207 2.4: for error responses
    // too. An error from another issuer must not be reported as the provider's own, with its
    // text shown under the button.
    let mut w = Widget::new(&format!("{CODE}&issuer=https%3A%2F%2Fid.example"));
    w.discovered(DISCOVERY);
    let (out, state) = w.login(0x58);
    w.digest(&out);
    let out = w.popup_answer(
        &format!("?error=access_denied&error_description=Call+us+at+555-0100&state={state}&iss=https%3A%2F%2Fevil.example"),
        "",
    );
    assert_eq!(
        error(&out),
        Some("invalid_response"),
        "{:?}",
        rendered(&out)
    );
}

/// A token answer with access token `access` and refresh token `refresh`.
fn granting(access: &str, refresh: &str) -> String {
    format!(
        r#"{{"access_token":"{access}","token_type":"bearer","expires_in":600,"refresh_token":"{refresh}"}}"#
    )
}

#[test]
fn a_token_answer_to_a_login_that_timed_out_is_revoked_not_kept() {
    // A login (30 s) runs out of time with its code exchange out. The token endpoint answers
    // after all: the tokens were issued to this client and no one keeps them, so they are
    // revoked, and the page hears nothing more than the timeout.
    let mut w = Widget::new(&format!("{CODE}&revoke-url=%2Frevoke&timeout=30"));
    let seq = w.code_returned(0x32);
    let out = w.tick_at(NOW + 30_000);
    assert_eq!(error(&out), Some("timeout"));
    assert!(revocations(&out).is_empty(), "{out:?}");
    let late = w.reply(seq, 200, &granting("a2", "r2"));
    assert_eq!(
        revocations(&late),
        [
            revoking("r2", "refresh_token"),
            revoking("a2", "access_token")
        ],
        "{late:?}"
    );
    assert!(fired(&late).is_empty(), "{late:?}");
    // An answer after the deadline that comes before the timer does: the login times out all
    // the same, the tokens revoked before the event.
    w.now = NOW + 40_000;
    let seq = w.code_returned(0x33);
    w.now += 30_001;
    let late = w.reply(seq, 200, &granting("a3", "r3"));
    assert_eq!(error(&late), Some("timeout"));
    assert_eq!(names(&late).last(), Some(&"event"));
    assert_eq!(
        revocations(&late),
        [
            revoking("r3", "refresh_token"),
            revoking("a3", "access_token")
        ],
        "{late:?}"
    );
    assert_eq!(w.send(Input::Read {})[0]["logged_in"], false);
    // A refusal that comes late has nothing to revoke; nor has any answer where no revocation
    // endpoint is known.
    let seq = w.code_returned(0x34);
    w.tick_at(w.now + 30_000);
    let refused = w.reply(seq, 400, r#"{"error":"invalid_grant"}"#);
    assert!(refused.is_empty(), "{refused:?}");
    let mut w = Widget::new(&format!("{CODE}&timeout=30"));
    let seq = w.code_returned(0x35);
    w.tick_at(NOW + 30_000);
    let late = w.reply(seq, 200, &granting("a4", "r4"));
    assert!(late.is_empty(), "{late:?}");
}

#[test]
fn a_token_answer_that_fails_its_checks_has_its_tokens_revoked_where_no_session_is_held() {
    // The token endpoint answers 200 with tokens the widget refuses (a `token_type` it does
    // not support): the provider granted them all the same, and no one keeps them, so they are
    // revoked before the login fails; a refusal (400) grants nothing to revoke.
    let mac = r#"{"access_token":"a2","token_type":"mac","refresh_token":"r2"}"#;
    let mut w = Widget::new(&format!("{CODE}&revoke-url=%2Frevoke"));
    let seq = w.code_returned(0x38);
    let out = w.reply(seq, 200, mac);
    assert_eq!(error(&out), Some("invalid_response"), "{out:?}");
    assert_eq!(
        revocations(&out),
        [
            revoking("r2", "refresh_token"),
            revoking("a2", "access_token")
        ],
        "{out:?}"
    );
    assert_eq!(names(&out).last(), Some(&"event"));
    let seq = w.code_returned(0x39);
    let out = w.reply(seq, 400, r#"{"error":"invalid_grant","access_token":"a3"}"#);
    assert_eq!(error(&out), Some("invalid_grant"), "{out:?}");
    assert!(revocations(&out).is_empty(), "{out:?}");
    // While a session is held, dropped unrevoked (see the test below) and the session stays.
    let mut w = with_refresh_token("&revoke-url=%2Frevoke");
    let seq = w.code_returned(0x3a);
    let out = w.reply(seq, 200, mac);
    assert_eq!(error(&out), Some("invalid_response"), "{out:?}");
    assert!(revocations(&out).is_empty(), "{out:?}");
    assert_eq!(w.send(Input::Read {})[0]["access_token"], "a1");
}

#[test]
fn a_late_token_answer_is_dropped_unrevoked_while_a_session_is_held() {
    // A session is held (a1, r1) when a new login runs out of time with its code exchange out.
    // Its late answer is not kept, and not revoked either: a provider may revoke the whole
    // grant with any token (RFC 7009 2.1), and these may be of the same person and client as
    // the session held, which would end with them. The session stays, as stored.
    let mut w = with_refresh_token("&revoke-url=%2Frevoke&timeout=30");
    let key = format!("{TOKEN_PREFIX}custom:spa");
    let record = w.store.get(Storage::Session, &key);
    let seq = w.code_returned(0x36);
    let out = w.tick_at(NOW + 30_000);
    assert_eq!(error(&out), Some("timeout"));
    let late = w.reply(seq, 200, &granting("a2", "r2"));
    assert!(late.is_empty(), "{late:?}");
    assert_eq!(w.send(Input::Read {})[0]["access_token"], "a1");
    assert_eq!(w.store.get(Storage::Session, &key), record);
}

#[test]
fn a_page_restored_from_the_cache_while_its_code_is_exchanged_keeps_the_login() {
    // The page is restored from the back/forward cache (`pageshow`, persisted) while a login's
    // code exchange is out: the login came back with its answer, nothing is cancelled, and the
    // answer, when it comes, logs in.
    let mut w = Widget::new(CODE);
    let seq = w.code_returned(0x37);
    let out = w.send(Input::Returned {});
    assert!(out.is_empty(), "{out:?}");
    let out = w.reply(seq, 200, &granting("a1", "r1"));
    assert_eq!(fired(&out), ["oauth-login"], "{out:?}");
}
