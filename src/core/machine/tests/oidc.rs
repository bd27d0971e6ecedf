//! OpenID Connect: discovery, the id_token proven before the login is reported (key set,
//! WebCrypto's verdict, claims, `at_hash`), the profile, and every way a token is refused.

use super::*;
use crate::core::contract::Storage;
use crate::core::machine::callback::Discovered;
use crate::core::store::{Store, TOKEN_PREFIX};
use crate::core::text::base64url;

const DISCOVERED: &str = "issuer=https%3A%2F%2Fid.example&client-id=spa";

/// A compact JWS with `header` and `claims` (JSON texts) and 64 bytes of signature: WebCrypto's
/// verdict is the test's to give.
fn jws(header: &str, claims: &str) -> String {
    format!(
        "{}.{}.{}",
        base64url(header.as_bytes()),
        base64url(claims.as_bytes()),
        base64url(&[7; 64])
    )
}

/// The claims a login with random bytes all `byte` expects, with `extra` members after them
/// (a member given twice counts as absent, so extras replace by removal: see `without`).
fn claims(byte: u8, extra: &str) -> String {
    let now = NOW / 1000;
    format!(
        r#"{{"iss":"{ISSUER}","sub":"u1","aud":"spa","exp":{},"iat":{now},"nonce":"{}","name":"Jane Doe","email":"jane@id.example"{extra}}}"#,
        now + 300,
        hex(&[byte; 16])
    )
}

const HEADER: &str = r#"{"alg":"ES256","kid":"k1"}"#;

fn jwks(kid: &str) -> String {
    format!(
        r#"{{"keys":[{{"kty":"EC","crv":"P-256","kid":"{kid}","use":"sig","x":"{}","y":"{}","d":"private"}}]}}"#,
        base64url(&[1; 32]),
        base64url(&[2; 32])
    )
}

/// A discovery-only widget logged in up to the token answer `token_answer`: the commands of
/// that answer.
fn code_login(w: &mut Widget, byte: u8, token_answer: &str) -> Vec<Value> {
    let (out, state) = w.login(byte);
    let out = w.digest(&out);
    assert!(go_url(&out).is_some(), "{out:?}");
    let out = w.popup_answer(
        &format!("?code=c&state={state}&iss=https%3A%2F%2Fid.example"),
        "",
    );
    assert_eq!(
        find(&out, "fetch").unwrap()["url"],
        "https://id.example/token"
    );
    w.answer(&out, 200, token_answer)
}

fn token_answer(id_token: &str) -> String {
    format!(
        r#"{{"access_token":"at","token_type":"Bearer","expires_in":3600,"id_token":"{id_token}"}}"#
    )
}

/// Fetches the key set, and has WebCrypto say `ok`: the commands of the verdict.
fn keys_then_verdict(w: &mut Widget, out: &[Value], keys: &str, ok: bool) -> Vec<Value> {
    assert_eq!(
        find(out, "fetch").unwrap()["url"],
        "https://id.example/jwks",
        "{out:?}"
    );
    let out = w.answer(out, 200, keys);
    let verify = find(&out, "verify").unwrap_or_else(|| panic!("no verify: {out:?}"));
    w.send(Input::Verified {
        seq: verify["seq"].as_u64().unwrap() as u32,
        ok,
    })
}

#[test]
fn an_issuer_alone_logs_in_with_the_code_flow_and_proves_who() {
    let mut w = Widget::new(DISCOVERED);
    // A click before the document came opens a blank popup within the click.
    let out = w.connect();
    let (login, state) = w.login(0x21);
    assert_eq!(names(&login), ["open", "digest", "render", "timer"]);
    assert_eq!(login[0]["url"], "");
    assert!(
        go_url(&w.digest(&login)).is_none(),
        "the endpoint is not known yet"
    );
    let out = w.answer(&out, 200, DISCOVERY);
    let (url, popup) = go_url(&out).expect("navigated once the document came");
    assert!(popup);
    assert!(
        url.starts_with("https://id.example/auth?response_type=code&client_id=spa&"),
        "{url}"
    );
    let p = crate::core::oauth::form::Params::parse(url.split_once('?').unwrap().1).unwrap();
    assert_eq!(p.get("nonce"), Some(hex(&[0x21; 16]).as_str()));
    assert_eq!(p.get("scope"), Some("openid"), "an issuer's default scope");
    let out = w.popup_answer(
        &format!("?code=c&state={state}&iss=https%3A%2F%2Fid.example"),
        "",
    );
    let id_token = jws(
        HEADER,
        &claims(0x21, r#","picture":"https://id.example/jane.png""#),
    );
    let out = w.answer(&out, 200, &token_answer(&id_token));
    let out = keys_then_verdict(&mut w, &out, &jwks("k1"), true);
    let profile = find(&out, "fetch").expect("the profile is read");
    assert_eq!(
        (
            profile["url"].as_str(),
            profile["bearer"].as_str(),
            &profile["body"]
        ),
        (Some("https://id.example/me"), Some("at"), &Value::Null)
    );
    let out = w.answer(
        &out,
        200,
        r#"{"sub":"u1","name":"Jane D.","email_verified":true}"#,
    );
    let detail = event(&out, "oauth-login").unwrap_or_else(|| panic!("{out:?}"));
    assert_eq!(detail["idToken"], id_token.as_str());
    assert_eq!(detail["claims"]["sub"], "u1");
    assert_eq!(
        detail["profile"],
        serde_json::json!({"sub": "u1", "name": "Jane D.", "email": "jane@id.example",
            "emailVerified": null, "picture": "https://id.example/jane.png", "username": null}),
        "the profile endpoint's fields win; its email_verified speaks of no email of its own"
    );
    let render = find(&out, "render").unwrap();
    assert_eq!(
        (render["label"].as_str(), render["avatar"].as_str()),
        (Some("Jane D."), Some("https://id.example/jane.png"))
    );
    let props = w.send(Input::Read {});
    assert_eq!(
        (
            props[0]["profile"]["name"].as_str(),
            props[0]["id_token"].as_str()
        ),
        (Some("Jane D."), Some(id_token.as_str()))
    );
}

#[test]
fn the_key_is_the_issuers_public_one_and_webcrypto_gets_its_parameters() {
    let mut w = Widget::new(DISCOVERED);
    w.discovered(DISCOVERY);
    let id_token = jws(HEADER, &claims(0x22, ""));
    let out = code_login(&mut w, 0x22, &token_answer(&id_token));
    let out = w.answer(&out, 200, &jwks("k1"));
    let verify = find(&out, "verify").unwrap();
    let key: Value = serde_json::from_str(verify["key"].as_str().unwrap()).unwrap();
    assert_eq!(key["kty"], "EC");
    assert_eq!(key["d"], Value::Null, "no private member reaches JS");
    assert_eq!(
        verify["import_with"],
        r#"{"name":"ECDSA","namedCurve":"P-256"}"#
    );
    assert_eq!(
        verify["verify_with"],
        r#"{"name":"ECDSA","hash":"SHA-256"}"#
    );
    assert_eq!(
        verify["data"].as_str(),
        id_token.rsplit_once('.').map(|(input, _)| input)
    );
    assert_eq!(verify["signature"].as_array().map(Vec::len), Some(64));
}

#[test]
fn a_token_that_fails_any_check_is_not_kept() {
    let other_nonce = claims(0x99, "");
    let aud = claims(0x23, "").replace(r#""aud":"spa""#, r#""aud":"other""#);
    let exp = claims(0x23, "").replace(&format!(r#""exp":{}"#, NOW / 1000 + 300), r#""exp":1000"#);
    let iss = claims(0x23, "").replace(ISSUER, "https://evil.example");
    let cases: [(&str, String, bool, &str); 6] = [
        (
            "signature",
            claims(0x23, ""),
            false,
            "the signature does not verify",
        ),
        ("nonce", other_nonce, true, "`nonce` is not the login's"),
        ("aud", aud, true, "`aud` does not include the client id"),
        ("exp", exp, true, "`exp` has passed"),
        ("iss", iss, true, "is not the issuer"),
        (
            "kid",
            claims(0x23, ""),
            true,
            "no key of the issuer's key set is `k1`",
        ),
    ];
    for (name, claims, ok, expected) in cases {
        let mut w = Widget::new(&format!("{DISCOVERED}&storage=local"));
        w.discovered(DISCOVERY);
        let out = code_login(&mut w, 0x23, &token_answer(&jws(HEADER, &claims)));
        let out = if name == "kid" {
            // The key set was just read for this login: not read once more.
            w.answer(&out, 200, &jwks("k0"))
        } else {
            keys_then_verdict(&mut w, &out, &jwks("k1"), ok)
        };
        assert_eq!(error(&out), Some("invalid_id_token"), "{name}: {out:?}");
        assert!(
            description(&out).contains(expected),
            "{name}: {}",
            description(&out)
        );
        assert!(event(&out, "oauth-login").is_none());
        assert!(
            w.store.keys(Storage::Local).is_empty(),
            "{name}: nothing stored"
        );
        assert_eq!(w.send(Input::Read {})[0]["logged_in"], false);
    }
}

#[test]
fn tokens_refused_before_any_key_is_fetched() {
    let none = jws(r#"{"alg":"none"}"#, &claims(0x24, "")).replace(&base64url(&[7; 64]), "");
    let hs256 = jws(r#"{"alg":"HS256","kid":"k1"}"#, &claims(0x24, ""));
    for (id_token, expected) in [
        (none.as_str(), "none"),
        (hs256.as_str(), "HS256"),
        ("a.b", "compact JWS"),
    ] {
        let mut w = Widget::new(DISCOVERED);
        w.discovered(DISCOVERY);
        let out = code_login(&mut w, 0x24, &token_answer(id_token));
        assert!(find(&out, "fetch").is_none(), "{out:?}");
        assert_eq!(error(&out), Some("invalid_id_token"));
        assert!(
            description(&out).contains(expected),
            "{}",
            description(&out)
        );
    }
    let mut w = Widget::new(DISCOVERED);
    w.discovered(DISCOVERY);
    let out = code_login(
        &mut w,
        0x24,
        r#"{"access_token":"at","token_type":"bearer"}"#,
    );
    assert_eq!(
        error(&out),
        Some("invalid_id_token"),
        "openid with the code flow needs one"
    );
}

#[test]
fn a_rotated_key_is_found_by_fetching_the_key_set_once_more() {
    let mut w = Widget::new(DISCOVERED);
    w.discovered(DISCOVERY);
    let out = code_login(&mut w, 0x25, &token_answer(&jws(HEADER, &claims(0x25, ""))));
    let out = keys_then_verdict(&mut w, &out, &jwks("k1"), true);
    w.answer(&out, 404, "");
    // The provider rotated to k2: the page's key set is old, and is read once more.
    let header = r#"{"alg":"ES256","kid":"k2"}"#;
    let out = code_login(&mut w, 0x26, &token_answer(&jws(header, &claims(0x26, ""))));
    assert_eq!(names(&out), ["fetch"], "{out:?}");
    let out = keys_then_verdict(&mut w, &out, &jwks("k2"), true);
    let out = w.answer(&out, 200, r#"{"sub":"u1"}"#);
    assert!(event(&out, "oauth-login").is_some(), "{out:?}");
}

#[test]
fn a_token_without_kid_that_the_held_key_set_fails_reads_the_key_set_once_more() {
    // A provider with one key, and tokens without `kid`: a rotation shows only as a signature
    // that the page's old key set does not verify.
    let header = r#"{"alg":"ES256"}"#;
    let mut w = Widget::new(DISCOVERED);
    w.discovered(DISCOVERY);
    let out = code_login(&mut w, 0x25, &token_answer(&jws(header, &claims(0x25, ""))));
    let out = keys_then_verdict(&mut w, &out, &jwks("k1"), true);
    w.answer(&out, 404, "");
    let out = code_login(&mut w, 0x26, &token_answer(&jws(header, &claims(0x26, ""))));
    let verify = find(&out, "verify").unwrap_or_else(|| panic!("the held key set: {out:?}"));
    let out = w.send(Input::Verified {
        seq: verify["seq"].as_u64().unwrap() as u32,
        ok: false,
    });
    assert_eq!(names(&out), ["fetch"], "read once more: {out:?}");
    let out = keys_then_verdict(&mut w, &out, &jwks("k2"), true);
    let out = w.answer(&out, 200, r#"{"sub":"u1"}"#);
    assert!(event(&out, "oauth-login").is_some(), "{out:?}");
    // A signature the key set just read does not verify either fails: no second read.
    let out = code_login(&mut w, 0x27, &token_answer(&jws(header, &claims(0x27, ""))));
    let verify = find(&out, "verify").unwrap();
    let out = w.send(Input::Verified {
        seq: verify["seq"].as_u64().unwrap() as u32,
        ok: false,
    });
    let out = keys_then_verdict(&mut w, &out, &jwks("k2"), false);
    assert_eq!(error(&out), Some("invalid_id_token"), "{out:?}");
    assert!(description(&out).contains("does not verify"), "{out:?}");
}

#[test]
fn a_discovery_document_for_another_issuer_is_refused_at_connect_and_at_login() {
    let mut w = Widget::new(DISCOVERED);
    let out = w.connect();
    let out = w.answer(
        &out,
        200,
        &DISCOVERY.replace(
            r#""issuer":"https://id.example""#,
            r#""issuer":"https://evil.example""#,
        ),
    );
    assert!(
        warnings(&out)[0]
            .contains("issuer `https://evil.example` is not the issuer `https://id.example`"),
        "{out:?}"
    );
    let (out, _) = w.login(0x27);
    assert_eq!(error(&out), Some("invalid_config"));
    assert!(!names(&out).contains(&"open"), "{out:?}");
    let mut w = Widget::new(DISCOVERED);
    let out = w.connect();
    let out = w.answer(
        &out,
        200,
        &DISCOVERY.replace("https://id.example/auth", "http://id.example/auth"),
    );
    assert!(
        warnings(&out)[0].contains("authorization_endpoint"),
        "{out:?}"
    );
}

#[test]
fn an_unreachable_discovery_document_is_asked_for_again_at_the_next_login() {
    let mut w = Widget::new(DISCOVERED);
    let out = w.connect();
    let seq = find(&out, "fetch").unwrap()["seq"].as_u64().unwrap() as u32;
    let out = w.send(Input::Unreachable {
        seq,
        blocked_by: "".into(),
    });
    assert!(warnings(&out)[0]
        .contains("could not reach `https://id.example/.well-known/openid-configuration`"));
    let (out, _) = w.login(0x28);
    assert_eq!(
        find(&out, "fetch").unwrap()["url"],
        "https://id.example/.well-known/openid-configuration"
    );
    assert!(error(&out).is_none());
}

#[test]
fn a_discovery_read_still_out_when_the_issuer_changes_is_kept_for_the_page() {
    let mut w = Widget::new(DISCOVERED);
    let first = w.connect();
    // The page points the element at another issuer before the first document arrives, and
    // a login reads that one's.
    w.update("issuer=https%3A%2F%2Fother.example&client-id=spa");
    let (out, _) = w.login(0x30);
    assert_eq!(
        find(&out, "fetch").unwrap()["url"],
        "https://other.example/.well-known/openid-configuration"
    );
    // The first answer is still the page's: its other elements of that issuer read it.
    w.answer(&first, 200, DISCOVERY);
    assert!(
        matches!(w.page.discovery(ISSUER), Some(Discovered::Known(_))),
        "{:?}",
        w.page.discovery(ISSUER)
    );
    let out = w.answer(&out, 200, &DISCOVERY.replace("id.example", "other.example"));
    assert!(warnings(&out).is_empty(), "{out:?}");
    assert!(matches!(
        w.page.discovery("https://other.example"),
        Some(Discovered::Known(_))
    ));
}

#[test]
fn the_implicit_grant_with_an_id_token_checks_at_hash_and_needs_no_iss() {
    let attributes = format!("{DISCOVERED}&response-type=token+id_token&scope=openid");
    for (digest, ok) in [(vec![5u8; 32], true), (vec![6; 32], false)] {
        let mut w = Widget::new(&attributes);
        w.discovered(&DISCOVERY.replace(r#","userinfo_endpoint":"https://id.example/me""#, ""));
        let (out, state) = w.login(0x29);
        let (url, _) = (out[0]["url"].as_str().unwrap(), ());
        assert!(
            url.contains("response_type=id_token+token")
                || url.contains("response_type=id_token%20token"),
            "{url}"
        );
        let at_hash = base64url(&[5; 16]);
        let id_token = jws(HEADER, &claims(0x29, &format!(r#","at_hash":"{at_hash}""#)));
        let out = w.popup_answer(
            "",
            &format!("#access_token=at&token_type=bearer&id_token={id_token}&state={state}"),
        );
        let out = keys_then_verdict(&mut w, &out, &jwks("k1"), true);
        let asked = find(&out, "digest").expect("the access token's digest");
        assert_eq!(
            (asked["text"].as_str(), asked["algorithm"].as_str()),
            (Some("at"), Some("SHA-256"))
        );
        let out = w.send(Input::Digest {
            seq: asked["seq"].as_u64().unwrap() as u32,
            digest,
        });
        if ok {
            assert_eq!(
                event(&out, "oauth-login").unwrap()["profile"]["name"],
                "Jane Doe",
                "{out:?}"
            );
        } else {
            assert!(
                description(&out).contains("`at_hash` does not match"),
                "{out:?}"
            );
        }
    }
}

#[test]
fn a_profile_for_someone_else_is_ignored_and_a_failed_read_fails_nothing() {
    for (status, body, said) in [
        (
            200,
            r#"{"sub":"u2","name":"Mallory"}"#,
            "not the id_token's",
        ),
        (401, "", "answered 401"),
    ] {
        let mut w = Widget::new(DISCOVERED);
        w.discovered(DISCOVERY);
        let out = code_login(&mut w, 0x2a, &token_answer(&jws(HEADER, &claims(0x2a, ""))));
        let out = keys_then_verdict(&mut w, &out, &jwks("k1"), true);
        let out = w.answer(&out, status, body);
        assert!(warnings(&out)[0].contains(said), "{out:?}");
        assert_eq!(
            event(&out, "oauth-login").unwrap()["profile"]["name"],
            "Jane Doe"
        );
    }
}

#[test]
fn openid_without_an_issuer_is_plain_oauth() {
    let mut w = Widget::new(&format!("{CODE}&scope=openid"));
    let (out, state) = w.login(0x2b);
    let out = w.digest(&out);
    assert!(
        !go_url(&out).unwrap().0.contains("nonce="),
        "no nonce: nothing would check it"
    );
    let out = w.popup_answer(
        &format!("?code=c&state={state}&iss=https%3A%2F%2Fid.example"),
        "",
    );
    let out = w.answer(&out, 200, &token_answer("not.even.checked"));
    let detail = event(&out, "oauth-login").unwrap();
    assert_eq!(
        (&detail["idToken"], &detail["claims"]),
        (&Value::Null, &Value::Null)
    );
}

#[test]
fn a_redirect_login_returning_before_the_document_waits_for_it() {
    let attributes = format!("{DISCOVERED}&mode=redirect");
    let mut w = Widget::new(&attributes);
    w.discovered(DISCOVERY);
    let (out, state) = w.login(0x2c);
    let out = w.digest(&out);
    assert_eq!(go_url(&out).map(|(_, popup)| popup), Some(false));
    // The provider sends the tab back: a new page, which has not read the document yet.
    let mut back = w.another(&attributes);
    back.send(Input::PageLoad {
        path: "/app".into(),
        search: format!("?code=c&state={state}&iss=https%3A%2F%2Fid.example").into(),
        hash: "".into(),
        opener: false,
        random: vec![1; 16],
    });
    let out = back.connect();
    assert_eq!(
        names(&out).iter().filter(|n| **n == "fetch").count(),
        1,
        "only the document: {out:?}"
    );
    let out = back.answer(&out, 200, DISCOVERY);
    assert_eq!(
        find(&out, "fetch").unwrap()["url"],
        "https://id.example/token",
        "{out:?}"
    );
}

#[test]
fn a_code_response_without_iss_is_refused_even_beside_an_id_token() {
    // Control: with `issuer` set, a code response without `iss` is refused (RFC 9207).
    let mut w = Widget::new(DISCOVERED);
    w.discovered(DISCOVERY);
    let (out, state) = w.login(0x2d);
    w.digest(&out);
    let out = w.popup_answer(&format!("?code=c&state={state}"), "");
    assert_eq!(error(&out), Some("invalid_response"), "{out:?}");
    // The same response with any `id_token` parameter beside the code: the code flow never
    // verifies an id_token from the authorization response, so there is no verified `iss` to
    // serve instead, and the code must not be sent anywhere.
    let mut w = Widget::new(DISCOVERED);
    w.discovered(DISCOVERY);
    let (out, state) = w.login(0x2e);
    w.digest(&out);
    // (In the fragment, as with `response_mode=fragment`: the query keeps only response names.)
    let out = w.popup_answer("", &format!("#code=c&state={state}&id_token=x"));
    assert!(
        find(&out, "fetch").is_none(),
        "the code went to the token endpoint without an iss: {out:?}"
    );
    assert_eq!(error(&out), Some("invalid_response"), "{out:?}");
}

#[test]
fn a_renewal_answered_after_a_switch_of_accounts_does_not_mix_the_two_sessions() {
    let mut w = Widget::new(DISCOVERED);
    w.discovered(DISCOVERY);
    proven_with_refresh_token(&mut w, 0x30);
    // u1's renewal is due: its refresh request goes out.
    let refresh = w.tick_at(NOW + 540_000);
    assert_eq!(
        find(&refresh, "fetch").unwrap()["url"],
        "https://id.example/token"
    );
    // Meanwhile the person clicks the button and switches to account u2 (the README: clicking
    // when logged in "calls login(), which switches accounts").
    let now = w.now / 1000;
    let second = jws(
        HEADER,
        &format!(
            r#"{{"iss":"{ISSUER}","sub":"u2","aud":"spa","exp":{},"iat":{now},"nonce":"{}","name":"Bob"}}"#,
            now + 300,
            hex(&[0x31; 16])
        ),
    );
    let answer = format!(
        r#"{{"access_token":"a2","token_type":"Bearer","expires_in":600,"id_token":"{second}"}}"#
    );
    let out = code_login(&mut w, 0x31, &answer);
    let verify = find(&out, "verify").unwrap_or_else(|| panic!("the keys are known: {out:?}"));
    let out = w.send(Input::Verified {
        seq: verify["seq"].as_u64().unwrap() as u32,
        ok: true,
    });
    let out = w.answer(&out, 200, r#"{"sub":"u2"}"#);
    assert_eq!(logged_in_with(&out), Some("a2"), "{out:?}");
    // Then u1's refresh answer arrives (without a new id_token, as providers often answer).
    w.answer(
        &refresh,
        200,
        r#"{"access_token":"a1-renewed","token_type":"Bearer","expires_in":600}"#,
    );
    let read = &w.send(Input::Read {})[0];
    assert_eq!(
        (
            read["access_token"].as_str(),
            read["profile"]["sub"].as_str(),
            read["id_token"].as_str()
        ),
        (Some("a2"), Some("u2"), Some(second.as_str())),
        "u1's renewed access token is now held under u2's id_token and profile"
    );
}

#[test]
fn a_restored_session_with_a_token_url_renews_once_the_document_names_the_key_set() {
    let attributes = format!(
        "{DISCOVERED}&token-url=https%3A%2F%2Fid.example%2Ftoken&storage=session&scope=openid"
    );
    let mut w = Widget::new(&attributes);
    w.discovered(DISCOVERY);
    proven_with_refresh_token(&mut w, 0x2f);
    // The page is loaded again after the access token expired: the element renews at once,
    // while the discovery document it asked for is still on its way.
    let mut b = w.another(&attributes);
    b.now = NOW + 700_000;
    let out = b.connect();
    let fetches: Vec<&Value> = out.iter().filter(|c| c["command"] == "fetch").collect();
    assert_eq!(
        fetches.len(),
        1,
        "the document; the refresh waits for it: {out:?}"
    );
    let out = b.answer(&out, 200, DISCOVERY);
    assert!(find(&out, "fetch").is_none(), "{out:?}");
    let out = b.tick_at(b.now + 50);
    assert_eq!(
        find(&out, "fetch").unwrap()["url"],
        "https://id.example/token",
        "{out:?}"
    );
    let renewed = renewed_id_token(&b);
    let out = b.answer(
        &out,
        200,
        &format!(
            r#"{{"access_token":"a2","token_type":"Bearer","expires_in":600,"id_token":"{renewed}"}}"#
        ),
    );
    let out = keys_then_verdict(&mut b, &out, &jwks("k1"), true);
    assert_eq!(logged_in_with(&out), Some("a2"), "{out:?}");
    assert_eq!(event(&out, "oauth-login").unwrap()["restored"], true);
}

/// A code login of `u1` whose answer carries refresh token `r1` and an id_token, proven, its
/// profile read: access token `a1`.
fn proven_with_refresh_token(w: &mut Widget, byte: u8) {
    proven_with_claims(w, byte, "");
}

/// [`proven_with_refresh_token`], its id_token's claims with the `extra` members.
fn proven_with_claims(w: &mut Widget, byte: u8, extra: &str) {
    let first = jws(HEADER, &claims(byte, extra));
    let answer = format!(
        r#"{{"access_token":"a1","token_type":"Bearer","expires_in":600,"refresh_token":"r1","id_token":"{first}"}}"#
    );
    let out = code_login(w, byte, &answer);
    let out = keys_then_verdict(w, &out, &jwks("k1"), true);
    let out = w.answer(&out, 200, r#"{"sub":"u1"}"#);
    assert_eq!(logged_in_with(&out), Some("a1"), "{out:?}");
}

/// RFC 6749 3.1: a parameter is sent once. The discovered authorization_endpoint's query is
/// checked as authorize-url's is: naming a parameter the widget sets, or one of `extra-params`,
/// fails the login with `invalid_config`, naming the document's fault.
#[test]
fn a_discovered_authorization_endpoint_naming_a_widget_parameter_is_invalid_config() {
    for (settings, query, name) in [
        (DISCOVERED.to_owned(), "?x=%zz&client_id=other", "client_id"),
        (
            format!("{DISCOVERED}&extra-params=prompt%3Dconsent"),
            "?prompt=login",
            "prompt",
        ),
    ] {
        let mut w = Widget::new(&settings);
        w.discovered(&DISCOVERY.replace(
            "https://id.example/auth",
            &format!("https://id.example/auth{query}"),
        ));
        let (out, _) = w.login(0x31);
        let out = w.digest(&out);
        assert_eq!(error(&out), Some("invalid_config"), "{out:?}");
        assert_eq!(
            description(&out),
            format!("the discovery document's authorization_endpoint must not set `{name}`: the widget sends it already (itself or from extra-params)")
        );
        assert!(
            go_url(&out).is_none() && find(&out, "open").is_none(),
            "{out:?}"
        );
    }
}

#[test]
fn an_at_hash_of_nothing_does_not_match_a_failed_digest() {
    // The driver answers a digest that WebCrypto refused with no bytes (js/driver.js); an
    // id_token whose `at_hash` is "" must not pass the implicit grant's check on that.
    let attributes = format!("{DISCOVERED}&response-type=token+id_token&scope=openid");
    let mut w = Widget::new(&attributes);
    w.discovered(&DISCOVERY.replace(r#","userinfo_endpoint":"https://id.example/me""#, ""));
    let (_, state) = w.login(0x2a);
    let id_token = jws(HEADER, &claims(0x2a, r#","at_hash":"""#));
    let out = w.popup_answer(
        "",
        &format!("#access_token=at&token_type=bearer&id_token={id_token}&state={state}"),
    );
    let out = keys_then_verdict(&mut w, &out, &jwks("k1"), true);
    let asked = find(&out, "digest").expect("the access token's digest");
    let out = w.send(Input::Digest {
        seq: asked["seq"].as_u64().unwrap() as u32,
        digest: vec![],
    });
    assert!(event(&out, "oauth-login").is_none(), "{out:?}");
}

#[test]
fn a_logout_while_a_renewal_is_proven_revokes_its_tokens_with_the_held_ones() {
    let mut w = Widget::new(&format!("{DISCOVERED}&revoke-url=%2Frevoke"));
    w.discovered(DISCOVERY);
    proven_with_refresh_token(&mut w, 0x34);
    let out = renewal_answered(&mut w, r#","refresh_token":"r2""#);
    // The renewal's proof waits for WebCrypto's verdict when the person logs out.
    let verify = find(&out, "verify").unwrap_or_else(|| panic!("{out:?}"))["seq"].clone();
    let out = w.logout(false);
    assert_eq!(revoked_tokens(&out), ["r1", "r2", "a1", "a2"]);
    let late = w.send(Input::Verified {
        seq: verify.as_u64().unwrap() as u32,
        ok: true,
    });
    assert!(
        event(&late, "oauth-renewed").is_none() && w.send(Input::Read {})[0]["logged_in"] == false,
        "{late:?}"
    );
}

#[test]
fn a_proven_renewal_keeps_the_profile_the_login_read() {
    let mut w = Widget::new(DISCOVERED);
    w.discovered(DISCOVERY);
    proven_with_refresh_token(&mut w, 0x35);
    let before = w.send(Input::Read {})[0]["profile"].clone();
    assert_eq!(before["name"], "Jane Doe", "{before:?}");
    let out = renewal_answered(&mut w, "");
    let verify = find(&out, "verify").unwrap_or_else(|| panic!("{out:?}"))["seq"].clone();
    let out = w.send(Input::Verified {
        seq: verify.as_u64().unwrap() as u32,
        ok: true,
    });
    assert_eq!(event(&out, "oauth-renewed").unwrap()["accessToken"], "a2");
    let read = &w.send(Input::Read {})[0];
    assert_eq!(
        (&read["access_token"], &read["profile"]),
        (&Value::from("a2"), &before)
    );
}

/// The renewal due before the login's token expires, answered with access token `a2`, a renewed
/// id_token and the `extra` members: the commands of that answer.
fn renewal_answered(w: &mut Widget, extra: &str) -> Vec<Value> {
    let refresh = w.tick_at(NOW + 540_000);
    let renewed = renewed_id_token(w);
    w.answer(
        &refresh,
        200,
        &format!(
            r#"{{"access_token":"a2","token_type":"Bearer","expires_in":600{extra},"id_token":"{renewed}"}}"#
        ),
    )
}

/// An id_token a renewal brings: the login's `iss`, `sub` and `aud`, no nonce, issued now.
fn renewed_id_token(w: &Widget) -> String {
    renewed_id_token_with(w, "")
}

/// [`renewed_id_token`] with the `extra` members.
fn renewed_id_token_with(w: &Widget, extra: &str) -> String {
    let now = w.now / 1000;
    jws(
        HEADER,
        &format!(
            r#"{{"iss":"{ISSUER}","sub":"u1","aud":"spa","exp":{},"iat":{now}{extra}}}"#,
            now + 300
        ),
    )
}

/// The renewal due at `at` (under the tabs' lock where the storage is shared), answered with
/// access token `access_token` and a renewed id_token with the `extra` claims, its signature
/// verified (the key set read first where this page has
/// none): the commands of the verdict.
fn renewed_at(w: &mut Widget, at: u64, access_token: &str, extra: &str) -> Vec<Value> {
    let mut refresh = w.tick_at(at);
    // Shared storage: the renewal waits for the tabs' lock.
    if find(&refresh, "lock").is_some() {
        refresh = w.send(Input::Locked {});
    }
    let renewed = renewed_id_token_with(w, extra);
    let out = w.answer(
        &refresh,
        200,
        &format!(
            r#"{{"access_token":"{access_token}","token_type":"Bearer","expires_in":600,"id_token":"{renewed}"}}"#
        ),
    );
    if find(&out, "verify").is_none() {
        return keys_then_verdict(w, &out, &jwks("k1"), true);
    }
    let verify = &find(&out, "verify").unwrap()["seq"];
    w.send(Input::Verified {
        seq: verify.as_u64().unwrap() as u32,
        ok: true,
    })
}

/// The session ended at a renewal whose id_token did not repeat the login's `claim`.
fn ended_for(out: &[Value], claim: &str) -> bool {
    let why = format!("id_token: the renewed token's `{claim}` is not the login's");
    event(out, "oauth-expired").is_some_and(|e| e["error"] == "invalid_id_token")
        && event(out, "oauth-renewed").is_none()
        && warnings(out).iter().any(|w| w.ends_with(&why))
}

/// OpenID Connect Core 12.2: a renewed id_token names the login's `azp` (none where the login's
/// had none), and an `auth_time` it gives is the original authentication's; otherwise the
/// renewed tokens are not kept, the session ends with `invalid_id_token`, and the console names
/// the claim.
#[test]
fn a_renewed_id_token_keeps_the_logins_azp_and_auth_time() {
    let at = NOW / 1000 - 100;
    let both = format!(r#","auth_time":{at},"azp":"spa""#);
    let cases = [
        (both.clone(), both.clone(), None),
        // `auth_time` may be left out.
        (both.clone(), r#","azp":"spa""#.to_owned(), None),
        (String::new(), String::new(), None),
        // The renewal's own time, not the login's.
        (
            both.clone(),
            format!(r#","auth_time":{},"azp":"spa""#, NOW / 1000 + 540),
            Some("auth_time"),
        ),
        // A login without one: the original time is unknown, the renewal's taken as given.
        (String::new(), format!(r#","auth_time":{at}"#), None),
        (both.clone(), format!(r#","auth_time":{at}"#), Some("azp")),
        (String::new(), r#","azp":"spa""#.to_owned(), Some("azp")),
    ];
    for (login, renewed, refused) in cases {
        let mut w = Widget::new(DISCOVERED);
        w.discovered(DISCOVERY);
        proven_with_claims(&mut w, 0x48, &login);
        let out = renewed_at(&mut w, NOW + 540_000, "a2", &renewed);
        let read = &w.send(Input::Read {})[0];
        match refused {
            Some(claim) => {
                assert!(ended_for(&out, claim), "{login} / {renewed}: {out:?}");
                assert_eq!(read["logged_in"], false);
            }
            None => {
                assert_eq!(
                    event(&out, "oauth-renewed").map(|e| &e["accessToken"]),
                    Some(&Value::from("a2")),
                    "{login} / {renewed}: {out:?}"
                );
            }
        }
    }
}

/// The renewal (`out`, with claims `next`) ended the session over `auth_time` where `refused`,
/// else renewed it with access token a3.
fn renewed_a3_unless(refused: bool, out: &[Value], next: &str) {
    if refused {
        assert!(ended_for(out, "auth_time"), "{next}: {out:?}");
    } else {
        assert_eq!(event(out, "oauth-renewed").unwrap()["accessToken"], "a3");
    }
}

/// A renewed id_token that leaves `auth_time` out replaces the login's, which the session keeps
/// (in its stored record too): the next renewal is still held to the login's `auth_time`.
#[test]
fn the_logins_auth_time_outlives_a_renewal_that_left_it_out() {
    let at = NOW / 1000 - 100;
    let login = format!(r#","auth_time":{at}"#);
    let attributes = format!("{DISCOVERED}&storage=local");
    for (next, refused) in [
        (login.clone(), false),
        (format!(r#","auth_time":{}"#, at + 1), true),
    ] {
        let mut w = Widget::new(&attributes);
        w.discovered(DISCOVERY);
        proven_with_claims(&mut w, 0x49, &login);
        let out = renewed_at(&mut w, NOW + 540_000, "a2", "");
        assert!(event(&out, "oauth-renewed").is_some(), "{out:?}");
        // The page is loaded again: the session comes from its record.
        let mut b = w.another(&attributes);
        b.discovered(DISCOVERY);
        let out = renewed_at(&mut b, NOW + 1_080_000, "a3", &next);
        renewed_a3_unless(refused, &out, &next);
    }
}

/// A session stored by the previous version (no `authenticated_at` in its record) holds its
/// renewals to the `auth_time` of the id_token it kept, after a renewal that left it out too.
#[test]
fn a_record_without_authenticated_at_takes_the_kept_id_tokens_auth_time() {
    let at = NOW / 1000 - 100;
    let login = format!(r#","auth_time":{at}"#);
    let attributes = format!("{DISCOVERED}&storage=local");
    let key = format!("{TOKEN_PREFIX}custom:spa");
    let other = format!(r#","auth_time":{}"#, at + 1);
    for (left_out_first, next, refused) in [
        (false, &login, false),
        (false, &other, true),
        (true, &login, false),
        (true, &other, true),
    ] {
        let mut w = Widget::new(&attributes);
        w.discovered(DISCOVERY);
        proven_with_claims(&mut w, 0x4a, &login);
        let record = w.store.get(Storage::Local, &key).unwrap();
        let written = format!("&authenticated_at={}", at * 1000);
        assert!(record.contains(&written), "{record}");
        let mut b = w.another(&attributes);
        b.store
            .set(Storage::Local, &key, &record.replace(&written, ""));
        b.discovered(DISCOVERY);
        // Written again as this version writes it, the time left to the id_token kept.
        assert_eq!(
            b.store.get(Storage::Local, &key),
            Some(record.replace(&written, "&authenticated_at=")),
        );
        let mut at_ms = NOW + 540_000;
        if left_out_first {
            let out = renewed_at(&mut b, at_ms, "a2", "");
            assert!(event(&out, "oauth-renewed").is_some(), "{out:?}");
            at_ms += 540_000;
        }
        let out = renewed_at(&mut b, at_ms, "a3", next);
        renewed_a3_unless(refused, &out, next);
    }
}

#[test]
fn an_error_response_beside_an_id_token_still_needs_iss() {
    // RFC 9207 2.4 lets a response leave `iss` out only where an id_token is verified in its
    // place. An error response is never proven: a parameter named `id_token` beside it verifies
    // nothing, so another server's error (its text) must not reach the page without `iss`.
    let attributes = format!("{DISCOVERED}&response-type=token+id_token&scope=openid");
    let mut w = Widget::new(&attributes);
    w.discovered(DISCOVERY);
    let (_, state) = w.login(0x40);
    let out = w.popup_answer(
        "",
        &format!(
            "#error=access_denied&error_description=Mallory%20says%20hi&id_token=x&state={state}"
        ),
    );
    assert_eq!(error(&out), Some("invalid_response"), "{out:?}");
    assert!(!description(&out).contains("Mallory"), "{out:?}");
}

#[test]
fn a_preset_issuer_compares_an_iss_the_response_carries() {
    // RFC 9207 2.4: a client that knows the issuer it sent the request to rejects a response
    // whose `iss` is another one (a mix-up), whether or not the page wrote `issuer` itself.
    let mut w = Widget::new("provider=google&client-id=app");
    let out = w.connect();
    w.answer(
        &out,
        200,
        &DISCOVERY
            .replace("https://id.example\"", "https://accounts.google.com\"")
            .replace("https://id.example/", "https://accounts.google.com/"),
    );
    let out = w.log_in_with(
        0x41,
        "access_token=at&token_type=bearer&expires_in=3600&iss=https%3A%2F%2Fevil.example",
    );
    assert_eq!(error(&out), Some("invalid_response"), "{out:?}");
}

#[test]
fn a_renewal_whose_key_set_is_slow_never_sends_the_rotated_refresh_token_again() {
    // The token endpoint answered the refresh with r2 (so r1 is used up at a rotating provider);
    // a page that never read the key set fetches it to verify the renewed id_token, and the key
    // set takes more than 30 s.
    let attributes = format!("{DISCOVERED}&storage=session&scope=openid&revoke-url=%2Frevoke");
    let mut w = Widget::new(&attributes);
    w.discovered(DISCOVERY);
    proven_with_refresh_token(&mut w, 0x35);
    let mut b = w.another(&attributes);
    b.discovered(DISCOVERY);
    let refresh = b.tick_at(NOW + 540_000);
    assert_eq!(
        find(&refresh, "fetch").unwrap()["url"],
        "https://id.example/token"
    );
    let renewed = renewed_id_token(&b);
    let keys = b.answer(
        &refresh,
        200,
        &format!(
            r#"{{"access_token":"a2","token_type":"Bearer","expires_in":600,"refresh_token":"r2","id_token":"{renewed}"}}"#
        ),
    );
    assert_eq!(
        find(&keys, "fetch").unwrap()["url"],
        "https://id.example/jwks"
    );
    for at in [570_000, 571_000, 575_000] {
        let out = b.tick_at(NOW + at);
        assert!(
            find(&out, "fetch").is_none(),
            "r1 sent again at +{at}: {out:?}"
        );
    }
    let out = keys_then_verdict(&mut b, &keys, &jwks("k1"), true);
    assert_eq!(event(&out, "oauth-renewed").unwrap()["accessToken"], "a2");
    // A key set that never answers: at the expiry the session ends, and the renewed tokens,
    // live at the provider and never to be kept, are revoked.
    let mut c = w.another(&attributes);
    c.discovered(DISCOVERY);
    let refresh = c.tick_at(NOW + 540_000);
    c.answer(
        &refresh,
        200,
        &format!(
            r#"{{"access_token":"a2","token_type":"Bearer","expires_in":600,"refresh_token":"r2","id_token":"{renewed}"}}"#
        ),
    );
    let out = c.tick_at(NOW + 600_000);
    assert_eq!(
        event(&out, "oauth-expired").unwrap()["error"],
        "network_error"
    );
    assert_eq!(revoked_tokens(&out), ["r2", "a2"], "{out:?}");
}

#[test]
fn a_key_set_answer_that_is_not_a_key_set_is_asked_for_again_at_the_next_login() {
    for bad in ["<html>502 Bad Gateway</html>", "{}", ""] {
        let mut w = Widget::new(DISCOVERED);
        w.discovered(DISCOVERY);
        let out = code_login(&mut w, 0x42, &token_answer(&jws(HEADER, &claims(0x42, ""))));
        let out = w.answer(&out, 200, bad);
        assert_eq!(error(&out), Some("invalid_id_token"), "{bad}: {out:?}");
        // The next login reads the key set again, and a good one proves it.
        let out = code_login(&mut w, 0x43, &token_answer(&jws(HEADER, &claims(0x43, ""))));
        assert_eq!(
            names(&out),
            ["fetch"],
            "{bad}: the key set is asked again: {out:?}"
        );
        let out = keys_then_verdict(&mut w, &out, &jwks("k1"), true);
        let out = w.answer(&out, 200, r#"{"sub":"u1"}"#);
        assert!(event(&out, "oauth-login").is_some(), "{bad}: {out:?}");
    }
}

#[test]
fn a_discovery_document_answered_5xx_or_429_is_a_network_error_asked_for_again() {
    for (status, code) in [
        (500, "network_error"),
        (503, "network_error"),
        (429, "network_error"),
        (404, "invalid_config"),
    ] {
        let mut w = Widget::new(DISCOVERED);
        let out = w.connect();
        // A login waits for the document, and fails with its answer.
        let (login, _) = w.login(0x44);
        w.digest(&login);
        let out = w.answer(&out, status, "");
        assert_eq!(error(&out), Some(code), "{status}: {out:?}");
        assert!(
            warnings(&out)[0].contains(&format!("answered {status}")),
            "{status}: {out:?}"
        );
        // The next login asks again only for a passing server error.
        let (out, _) = w.login(0x45);
        let asked = find(&out, "fetch")
            .is_some_and(|f| f["url"] == "https://id.example/.well-known/openid-configuration");
        assert_eq!(asked, code == "network_error", "{status}: {out:?}");
        if asked {
            let out = w.answer(&out, 200, DISCOVERY);
            assert!(error(&out).is_none(), "{status}: {out:?}");
        } else {
            assert_eq!(error(&out), Some("invalid_config"), "{status}: {out:?}");
        }
    }
}

#[test]
fn an_id_token_not_yet_valid_is_refused() {
    let now = NOW / 1000;
    for (nbf, refused) in [
        (format!("{}", now + 61), true),
        (format!("\"{now}\""), true),
        ("null".to_owned(), true),
        (format!("{}", now + 60), false),
        (format!("{}", now - 10), false),
    ] {
        let mut w = Widget::new(DISCOVERED);
        w.discovered(DISCOVERY);
        let claims = claims(0x46, &format!(r#","nbf":{nbf}"#));
        let out = code_login(&mut w, 0x46, &token_answer(&jws(HEADER, &claims)));
        let out = keys_then_verdict(&mut w, &out, &jwks("k1"), true);
        if refused {
            assert_eq!(error(&out), Some("invalid_id_token"), "nbf {nbf}: {out:?}");
            assert!(description(&out).contains("`nbf`"), "{}", description(&out));
        } else {
            assert!(error(&out).is_none(), "nbf {nbf}: {out:?}");
        }
    }
}

/// OIDC Core 2 and 3.1.2.1: a login whose request carries `max_age` needs an `auth_time` no
/// older, wherever the request's `max_age` is written: `extra-params`, `authorize-url`'s own
/// query, or the discovered endpoint's; its renewal, whose id_token keeps the first login's
/// `auth_time` (or none), is not held to it.
#[test]
fn a_login_with_max_age_needs_a_recent_auth_time_and_its_renewal_does_not() {
    let now = NOW / 1000;
    let spellings = [
        (
            format!("{DISCOVERED}&extra-params=max_age%3D300"),
            DISCOVERY.to_owned(),
        ),
        (
            format!(
                "{DISCOVERED}&response-type=code\
                 &authorize-url=https%3A%2F%2Fid.example%2Fauth%3Fmax_age%3D300"
            ),
            DISCOVERY.to_owned(),
        ),
        (
            DISCOVERED.to_owned(),
            DISCOVERY.replace(
                "https://id.example/auth",
                "https://id.example/auth?max_age=300",
            ),
        ),
    ];
    for (auth_time, refused) in [
        (String::new(), true),
        (format!(r#","auth_time":{}"#, now - 400), true),
        (format!(r#","auth_time":{}"#, now - 100), false),
    ] {
        for (attributes, document) in &spellings {
            let mut w = Widget::new(attributes);
            w.discovered(document);
            let first = jws(HEADER, &claims(0x47, &auth_time));
            let answer = format!(
                r#"{{"access_token":"a1","token_type":"Bearer","expires_in":600,"refresh_token":"r1","id_token":"{first}"}}"#
            );
            let out = code_login(&mut w, 0x47, &answer);
            let out = keys_then_verdict(&mut w, &out, &jwks("k1"), true);
            if refused {
                assert_eq!(
                    error(&out),
                    Some("invalid_id_token"),
                    "{attributes} {auth_time}: {out:?}"
                );
                assert_eq!(
                    description(&out),
                    "id_token: `auth_time` is missing or older than max_age"
                );
                continue;
            }
            let out = w.answer(&out, 200, r#"{"sub":"u1"}"#);
            assert_eq!(logged_in_with(&out), Some("a1"), "{out:?}");
            let out = renewal_answered(&mut w, "");
            let verify = find(&out, "verify").unwrap_or_else(|| panic!("{out:?}"));
            let out = w.send(Input::Verified {
                seq: verify["seq"].as_u64().unwrap() as u32,
                ok: true,
            });
            assert!(event(&out, "oauth-renewed").is_some(), "{out:?}");
        }
    }
}

#[test]
fn the_tokens_of_a_code_login_that_fails_its_proof_are_revoked_at_the_discovered_endpoint() {
    // The token endpoint granted them for this login's code (and verifier): a login refused for
    // its id_token, or out of time while the id_token is being proven, revokes them at the
    // document's revocation_endpoint. An implicit grant's tokens came in the response, unproven:
    // they may be another client's, and are not sent anywhere.
    let document = DISCOVERY.replace(
        '}',
        r#","revocation_endpoint":"https://id.example/revoke"}"#,
    );
    let at_revoke = vec![[
        "https://id.example/revoke".to_owned(),
        "at".into(),
        "access_token".into(),
    ]];
    let mut w = Widget::new(&format!("{DISCOVERED}&timeout=30"));
    w.discovered(&document);
    let out = code_login(&mut w, 0x36, &token_answer(&jws(HEADER, &claims(0x36, ""))));
    let out = keys_then_verdict(&mut w, &out, &jwks("k1"), false);
    assert_eq!(error(&out), Some("invalid_id_token"));
    assert_eq!(revocations(&out), at_revoke, "{out:?}");
    assert_eq!(names(&out).last(), Some(&"event"));
    // WebCrypto's verdict never comes: the login times out with the token in hand.
    w.now = NOW + 60_000;
    let out = code_login(&mut w, 0x37, &token_answer(&jws(HEADER, &claims(0x37, ""))));
    assert!(find(&out, "verify").is_some(), "proving: {out:?}");
    let out = w.tick_at(NOW + 90_000);
    assert_eq!(error(&out), Some("timeout"));
    assert_eq!(revocations(&out), at_revoke, "{out:?}");

    let attributes = format!("{DISCOVERED}&response-type=token+id_token&scope=openid");
    let mut w = Widget::new(&attributes);
    w.discovered(&document);
    let (_, state) = w.login(0x38);
    let id_token = jws(HEADER, &claims(0x38, ""));
    let out = w.popup_answer(
        "",
        &format!("#access_token=at&token_type=bearer&id_token={id_token}&state={state}"),
    );
    let out = keys_then_verdict(&mut w, &out, &jwks("k1"), false);
    assert_eq!(error(&out), Some("invalid_id_token"));
    assert!(revocations(&out).is_empty(), "{out:?}");
}

/// A key set answered 5xx or 429 (a server failing, or busy) says nothing of the id_token: at a
/// login it is `network_error`, as the discovery document's such answer is, and a renewal that
/// needed it ends with `oauth-expired` `network_error`, not `invalid_id_token` (which tells the
/// page a renewed id_token failed its checks). A 4xx is still the key set's fault.
#[test]
fn a_key_set_answered_5xx_is_a_network_error_not_an_invalid_id_token() {
    for (status, code) in [
        (503, "network_error"),
        (429, "network_error"),
        (404, "invalid_id_token"),
    ] {
        let mut w = Widget::new(DISCOVERED);
        w.discovered(DISCOVERY);
        let id_token = jws(HEADER, &claims(0x36, ""));
        let out = code_login(&mut w, 0x36, &token_answer(&id_token));
        assert_eq!(
            find(&out, "fetch").unwrap()["url"],
            "https://id.example/jwks"
        );
        let out = w.answer(&out, status, "busy");
        assert_eq!(error(&out), Some(code), "{status}: {out:?}");
    }
    let attributes = format!("{DISCOVERED}&storage=session&scope=openid&revoke-url=%2Frevoke");
    let mut w = Widget::new(&attributes);
    w.discovered(DISCOVERY);
    proven_with_refresh_token(&mut w, 0x37);
    let mut b = w.another(&attributes);
    b.discovered(DISCOVERY);
    let keys = renewal_answered(&mut b, r#","refresh_token":"r2""#);
    assert_eq!(
        find(&keys, "fetch").unwrap()["url"],
        "https://id.example/jwks"
    );
    let out = b.answer(&keys, 503, "busy");
    assert_eq!(
        event(&out, "oauth-expired").unwrap()["error"],
        "network_error",
        "{out:?}"
    );
}

/// Settings that prove who logged in take only a session with its verified id_token. One granted
/// as plain OAuth (`openid` without `issuer`) by the same server and client, in the storage they
/// share, was restored as theirs: a profile never held to an id_token, `idToken` and `claims`
/// null, and a renewal then took an id_token naming anyone (nothing to hold it to, Core 12.2),
/// whose `claims.sub` the detail gave beside the other `profile.sub`.
#[test]
fn a_proving_element_leaves_a_session_granted_as_plain_oauth() {
    let plain = "authorize-url=https%3A%2F%2Fid.example%2Fauth&client-id=spa&scope=openid&response-type=code&token-url=https%3A%2F%2Fid.example%2Ftoken&storage=session&userinfo-url=https%3A%2F%2Fid.example%2Fme";
    let mut a = Widget::new(plain);
    a.connect();
    let (out, state) = a.login(0x40);
    let _ = a.digest(&out);
    let out = a.popup_answer(&format!("?code=c&state={state}"), "");
    let out = a.answer(
        &out,
        200,
        r#"{"access_token":"a1","token_type":"Bearer","expires_in":600,"refresh_token":"r1"}"#,
    );
    let out = a.answer(&out, 200, r#"{"sub":"someone","name":"Unverified"}"#);
    assert_eq!(logged_in_with(&out), Some("a1"));
    let proving = format!("{plain}&issuer=https%3A%2F%2Fid.example");
    let mut b = a.another(&proving);
    let out = b.connect();
    assert_eq!(event(&out, "oauth-login"), None, "{out:?}");
    let out = b.answer(&out, 200, DISCOVERY);
    assert_eq!(event(&out, "oauth-login"), None, "{out:?}");
    let out = b.tick_at(NOW + 540_000);
    assert!(find(&out, "fetch").is_none(), "nothing to renew: {out:?}");
    // The plain element still has its own.
    let mut c = a.another(plain);
    assert_eq!(logged_in_with(&c.connect()), Some("a1"));
}

/// The record a refused renewal leaves (`ended=<code>`, no token, no id_token) is an ended
/// session to a tab whose settings prove who logged in too, not a plain OAuth session left for
/// other settings: it hears the end, and its own due renewal sends no used refresh token again.
#[test]
fn a_session_ended_in_one_tab_ends_in_a_proving_tab_too() {
    let attributes = format!("{DISCOVERED}&storage=local&scope=openid");
    let mut a = Widget::new(&attributes);
    a.discovered(DISCOVERY);
    proven_with_refresh_token(&mut a, 0x38);
    let mut b = a.another(&attributes);
    b.discovered(DISCOVERY);
    assert_eq!(rendered(&b.connect()).0, "logged-in");
    assert!(find(&a.tick_at(NOW + 540_000), "lock").is_some());
    let refresh = a.send(Input::Locked {});
    let out = a.answer(&refresh, 400, r#"{"error":"invalid_grant"}"#);
    assert_eq!(
        event(&out, "oauth-expired").unwrap()["error"],
        "invalid_grant"
    );
    b.store = a.store.clone();
    let key: String = b
        .store
        .keys(Storage::Local)
        .into_iter()
        .find(|k| k.starts_with(TOKEN_PREFIX))
        .unwrap()
        .to_owned();
    let out = b.send(Input::Stored { key: key.into() });
    assert_eq!(
        event(&out, "oauth-expired").unwrap()["error"],
        "invalid_grant",
        "{out:?}"
    );
    assert!(find(&b.tick_at(NOW + 540_000), "fetch").is_none());
}
