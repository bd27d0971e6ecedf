//! Redirect logins and callback pages: the round trip through `sessionStorage`, responses that
//! match no login, relays to an opener or over the channel, and a return without an answer.

use super::*;
use crate::core::contract::Storage;
use crate::core::machine::callback::TAKEN;
use crate::core::store::{Store, PENDING_KEY};

fn page_load(w: &mut Widget, search: &str, hash: &str, opener: bool) -> Vec<Value> {
    w.send(Input::PageLoad {
        path: "/app".into(),
        search: search.into(),
        hash: hash.into(),
        opener,
        random: vec![7; 8],
    })
}

#[test]
fn a_redirect_code_login_round_trips_through_the_callback() {
    let attributes = format!("id=r&{CODE}&mode=redirect&storage=session");
    let mut w = Widget::new(&attributes);
    let (out, state) = w.login(0x77);
    assert_eq!(names(&out), ["digest", "render", "timer"]);
    let record = w.store.get(Storage::Session, PENDING_KEY).unwrap();
    assert!(
        record.contains("verifier="),
        "the verifier survives the round trip"
    );
    assert_eq!(go_url(&w.digest(&out)).map(|(_, popup)| popup), Some(false));

    // The tab returns: the response leaves the address before anything else, and waits.
    let mut back = w.another(&attributes);
    let out = page_load(
        &mut back,
        &format!("?keep=1&code=c&state={state}&iss=x"),
        "",
        false,
    );
    assert_eq!(names(&out), ["clean"]);
    assert_eq!(out[0]["url"], "/app?keep=1");
    assert!(
        back.store.get(Storage::Session, PENDING_KEY).is_none(),
        "used once"
    );
    let out = back.connect();
    assert!(find(&out, "fetch").unwrap()["body"]
        .as_str()
        .unwrap()
        .contains("code_verifier="));
}

#[test]
fn a_replayed_response_is_relayed_then_reported_as_state_mismatch() {
    let mut w = Widget::new(IMPLICIT);
    let out = page_load(
        &mut w,
        "",
        "#access_token=t&token_type=bearer&state=old",
        false,
    );
    assert_eq!(names(&out), ["clean", "relay"]);
    let relay = &out[1];
    assert_eq!(
        (
            relay["id"].as_str(),
            relay["opener"].as_bool(),
            relay["wait_ms"].as_u64()
        ),
        (Some("0707070707070707"), Some(false), Some(2_000))
    );
    assert_eq!(relay["hash"], "#access_token=t&token_type=bearer&state=old");
    assert!(w
        .send(Input::Relayed {
            taken: false,
            opener: false
        })
        .is_empty());
    let out = w.connect();
    assert_eq!(error(&out), Some("state_mismatch"));
    assert!(description(&out).contains("start the login again"));
    assert_eq!(
        find(&out, "event").unwrap()["later"],
        true,
        "events of a connect wait for the page's listeners"
    );
}

#[test]
fn a_popup_callback_relays_to_its_opener_and_closes_once_taken() {
    let mut w = Widget::new(IMPLICIT);
    let out = page_load(&mut w, "?code=c&state=s", "", true);
    assert_eq!(out[1]["opener"], true);
    let out = w.send(Input::Relayed {
        taken: true,
        opener: true,
    });
    assert_eq!(
        (names(&out), out[1]["text"].as_str()),
        (vec!["shut", "say"], Some(TAKEN))
    );
    page_load(&mut w, "?code=c&state=s", "", true);
    let out = w.send(Input::Relayed {
        taken: false,
        opener: true,
    });
    assert!(out[0]["text"]
        .as_str()
        .unwrap()
        .contains("start the login again"));
    assert!(
        w.send(Input::Relayed {
            taken: true,
            opener: true
        })
        .is_empty(),
        "no relay under way"
    );
    assert!(
        page_load(&mut w, "?q=1", "#top", true).is_empty(),
        "no response, nothing to do"
    );
}

#[test]
fn a_stateless_denial_goes_to_this_tabs_login_unless_a_popup_shows_it() {
    let denial = "?error=access_denied&error_reason=user_denied";
    // A popup carries a copy of its opener's sessionStorage, taken as it opens: a popup login
    // first removes any redirect login this tab left behind, so the denial is the popup's.
    let mut w = Widget::new(&format!("{IMPLICIT}&mode=redirect"));
    w.login(0x44);
    let mut opener = w.another(IMPLICIT);
    opener.login(0x45);
    let mut popup = opener.another(IMPLICIT);
    assert_eq!(
        names(&page_load(&mut popup, denial, "", true)),
        ["clean", "relay"]
    );
    // A tab's redirect login gets it, whether the tab has an opener (an app opened by
    // `window.open`) or not.
    for has_opener in [false, true] {
        let mut w = Widget::new(&format!("{IMPLICIT}&mode=redirect"));
        w.login(0x44);
        let mut back = w.another(&format!("{IMPLICIT}&mode=redirect"));
        assert_eq!(
            names(&page_load(&mut back, denial, "", has_opener)),
            ["clean"]
        );
        let out = back.connect();
        assert_eq!(
            (
                error(&out),
                event(&out, "oauth-error").unwrap()["reason"].as_str()
            ),
            (Some("access_denied"), Some("user_denied"))
        );
    }
}

#[test]
fn coming_back_without_an_answer_says_why_it_may_have_failed() {
    let attributes = format!("{IMPLICIT}&mode=redirect&scope=basic");
    let mut w = Widget::new(&attributes);
    w.login(0x44);
    let mut back = w.another(&attributes);
    let out = back.connect();
    assert_eq!(warnings(&out), ["<oauth-login>: the login by redirect came back without an answer; if the provider showed an error, check client-id `app`, register http://localhost:8080/app (callbackurl) with it, and check scope `basic`"]);
    assert_eq!(rendered(&out).0, "cancelled");
    assert!(back.store.get(Storage::Session, PENDING_KEY).is_none());
    // Back past the login's timeout (the tab went elsewhere, and came back much later): the
    // login is forgotten, not reported as a cancel now.
    let mut w = Widget::new(&attributes);
    w.login(0x43);
    let mut late = w.another(&attributes);
    late.now = w.now + 300_001;
    let out = late.connect();
    assert!(warnings(&out).is_empty(), "{out:?}");
    assert_eq!(rendered(&out).0, "logged-out");
    assert!(late.store.get(Storage::Session, PENDING_KEY).is_none());
    // Another widget's record is not ours to judge.
    let mut w = Widget::new(&attributes);
    w.login(0x45);
    assert!(warnings(
        &w.another("client-id=other&authorize-url=https%3A%2F%2Fid.example%2Fa")
            .connect()
    )
    .is_empty());
    // A page restored from the back/forward cache, its login still pending, says the same, and
    // settles that login's `login()` promise: the person came back without an answer.
    let out = w.send(Input::Returned {});
    assert_eq!(warnings(&out).len(), 1);
    assert_eq!(
        rendered(&out),
        ("cancelled", false, Some("Login cancelled."))
    );
    assert_eq!(error(&out), Some("login_cancelled"));
    assert_eq!(find(&out, "event").unwrap()["settle"], "reject");
    // The same when another tab has already taken the pending record.
    let mut w = Widget::new(&attributes);
    w.login(0x46);
    w.store.remove(Storage::Session, PENDING_KEY);
    let out = w.send(Input::Returned {});
    assert_eq!(error(&out), Some("login_cancelled"));
    assert_eq!(rendered(&out).0, "cancelled");
}

#[test]
fn redirect_mode_without_session_storage_says_so() {
    let mut w = Widget::new(&format!("{IMPLICIT}&mode=redirect"));
    w.store.refuse = true;
    let (out, _) = w.login(0x44);
    assert_eq!(error(&out), Some("browser_refused"));
    assert!(!names(&out).contains(&"go"));
}

#[test]
fn a_programmatic_redirect_login_called_again_on_its_return_gets_its_result() {
    let attributes = format!("{IMPLICIT}&mode=redirect");
    let mut w = Widget::new(&attributes);
    let (_, state) = w.login(0x46);
    let mut back = w.another(&attributes);
    page_load(
        &mut back,
        "",
        &format!("#access_token=rt&token_type=bearer&state={state}"),
        false,
    );
    let (out, _) = back.login(0x47);
    assert_eq!(logged_in_with(&out), Some("rt"));
    assert!(!names(&out).contains(&"go"), "no new login");
}

#[test]
fn a_redirect_login_with_openid_and_nothing_to_verify_round_trips() {
    // `openid` in the scopes without a way to verify (no issuer; LinkedIn's preset by default):
    // no nonce is made, the login is plain OAuth, and the redirect must still come back to it.
    for attributes in [
        format!("{IMPLICIT}&scope=openid&mode=redirect"),
        "provider=linkedin&client-id=li&mode=redirect".to_owned(),
    ] {
        let mut w = Widget::new(&attributes);
        let (_, state) = w.login(0x78);
        assert!(w.store.get(Storage::Session, PENDING_KEY).is_some());
        let mut back = w.another(&attributes);
        let out = page_load(
            &mut back,
            "",
            &format!("#access_token=t&token_type=bearer&state={state}"),
            false,
        );
        assert!(
            !names(&out).contains(&"relay"),
            "{attributes}: this tab's: {out:?}"
        );
        let mut out = back.connect();
        assert_eq!(
            error(&out),
            None,
            "{attributes}: {}",
            event(&out, "oauth-error").map_or(String::new(), |d| d.to_string())
        );
        // LinkedIn's preset reads its profile endpoint before it reports the login.
        if find(&out, "fetch").is_some() {
            out = back.answer(&out, 200, r#"{"sub":"li-1","name":"Ada"}"#);
        }
        assert_eq!(logged_in_with(&out), Some("t"), "{attributes}: {out:?}");
    }
}

#[test]
fn a_failed_second_redirect_login_keeps_the_stored_session() {
    // Logged in (stored in sessionStorage), the person logs in again by redirect, to switch
    // accounts, and denies at the provider. A failed new login must not cost the held token
    // (README "Tokens"), as it does not in popup mode.
    let attributes = format!("{IMPLICIT}&mode=redirect&storage=session");
    let mut w = Widget::new(&attributes);
    let (_, state) = w.login(0x41);
    let mut back = w.another(&attributes);
    page_load(
        &mut back,
        "",
        &format!("#access_token=held&token_type=bearer&expires_in=3600&state={state}"),
        false,
    );
    assert_eq!(logged_in_with(&back.connect()), Some("held"));

    let (_, state) = back.login(0x42);
    let mut again = back.another(&attributes);
    page_load(
        &mut again,
        &format!("?error=access_denied&state={state}"),
        "",
        false,
    );
    let out = again.connect();
    assert_eq!(error(&out), Some("access_denied"));
    let props = again.send(Input::Read {});
    assert_eq!(
        props[0]["access_token"].as_str(),
        Some("held"),
        "the session held before the failed login is lost: {props:?}"
    );
}

#[test]
fn an_address_that_reads_as_a_response_does_not_hide_the_stored_session() {
    // A session stored in localStorage. The page then loads with something in its address that
    // the widget takes for a response matching no login (a forged link, or the page's own
    // `?code=` parameter): it is reported as state_mismatch, and the stored session must still be
    // restored ("a failed or forged new login does not cost the user the token already held").
    for (search, hash) in [
        ("?code=SUMMER24", ""),
        ("", "#access_token=evil&token_type=bearer&state=forged"),
    ] {
        let attributes = format!("{IMPLICIT}&storage=local");
        let mut w = Widget::new(&attributes);
        let (_, state) = w.login(0x51);
        w.popup_answer(
            "",
            &format!("#access_token=held&token_type=bearer&expires_in=3600&state={state}"),
        );
        let mut reload = w.another(&attributes);
        page_load(&mut reload, search, hash, false);
        reload.send(Input::Relayed {
            taken: false,
            opener: false,
        });
        let out = reload.connect();
        assert_eq!(error(&out), Some("state_mismatch"));
        let props = reload.send(Input::Read {});
        assert_eq!(
            (
                props[0]["access_token"].as_str(),
                props[0]["logged_in"].as_bool()
            ),
            (Some("held"), Some(true)),
            "{search}{hash}: the stored session was not restored"
        );
    }
}

#[test]
fn a_response_in_the_fragment_takes_the_querys_response_parameters_out_too() {
    // Left in the address, `?error=...` would read as a new response on a reload.
    let attributes = format!("{IMPLICIT}&mode=redirect");
    let mut w = Widget::new(&attributes);
    let (_, state) = w.login(0x61);
    let mut back = w.another(&attributes);
    let out = page_load(
        &mut back,
        "?keep=1&error=access_denied&error_reason=user_denied",
        &format!("#access_token=t&token_type=bearer&state={state}"),
        false,
    );
    assert_eq!(logged_in_with(&back.connect()), Some("t"));
    assert_eq!(find(&out, "clean").unwrap()["url"], "/app?keep=1");
}

#[test]
fn a_redirect_login_whose_page_did_not_leave_goes_again_at_the_next_click() {
    // The page's `beforeunload` kept it (the person chose to stay), or the address answered
    // 204: the login is still pending, and the next click must not be lost.
    let mut w = Widget::new(&format!("{IMPLICIT}&mode=redirect"));
    let (first, _) = w.login(0x47);
    let (again, _) = w.login(0x48);
    assert_eq!(go_url(&again), go_url(&first), "the same login, sent again");
    assert!(go_url(&again).is_some());
}

#[test]
fn a_redirect_response_waits_for_its_element_to_be_set_up() {
    // The element of the page the login returns to gets its client-id after it connected (a
    // framework binding it after mounting): it takes its login's response then.
    let mut w = Widget::new(&format!("{IMPLICIT}&mode=redirect"));
    let (_, state) = w.login(0x21);
    let mut back = w.another("authorize-url=https%3A%2F%2Fid.example%2Fauthorize&mode=redirect");
    page_load(
        &mut back,
        "",
        &format!("#access_token=t&token_type=bearer&state={state}"),
        false,
    );
    assert!(fired(&back.connect()).is_empty(), "not set up yet");
    let out = back.update(&format!("{IMPLICIT}&mode=redirect"));
    assert_eq!(logged_in_with(&out), Some("t"), "{out:?}");
}
