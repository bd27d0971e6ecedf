//! A site's one callback page: every page's `redirect-uri` is `/callback`, which loads the module
//! and may have no widget. A redirect login's response that no widget there takes goes back,
//! through `sessionStorage`, to the page that started the login (its full address), and is
//! taken there as a response in its own address would be.

use super::*;
use crate::core::contract::Storage;
use crate::core::store::{Store, PENDING_KEY, RESPONSE_KEY};

const START: &str = "http://localhost:8080/app?tab=2#top";

fn attributes() -> String {
    format!("id=r&{IMPLICIT}&mode=redirect&redirect-uri=%2Fcallback")
}

/// This tab's page at `path` loads with `search` and `hash` (its page driver, no widget yet).
fn page_at(from: &Widget, path: &str, search: &str, hash: &str) -> (Widget, Vec<Value>) {
    let mut page = Widget::bare();
    page.store = from.store.clone();
    page.now = from.now;
    let out = page.send(Input::PageLoad {
        path: path.into(),
        search: search.into(),
        hash: hash.into(),
        opener: false,
        random: vec![7; 8],
    });
    (page, out)
}

/// `page`'s widgets have connected and it has loaded.
fn loaded(page: &mut Widget) -> Vec<Value> {
    page.send(Input::Loaded {})
}

/// A redirect login of `attributes()` (random bytes `byte`) answered with the access token
/// `token` at the callback page: that page, and the answer's fragment.
fn answered_at_callback(byte: u8, token: &str) -> (Widget, String) {
    let mut w = Widget::new(&attributes());
    let (_, state) = w.login(byte);
    let hash = format!("#access_token={token}&token_type=bearer&state={state}");
    let (callback, _) = page_at(&w, "/callback", "", &hash);
    (callback, hash)
}

/// A widget with the login's key on `page` (its storage, what its load left for its widgets).
fn element_on(page: Widget) -> Widget {
    let mut element = page.another(&attributes());
    element.page = page.page;
    element
}

#[test]
fn a_response_no_widget_of_the_callback_page_takes_goes_back_to_the_page_that_started_it() {
    let mut w = Widget::new(&attributes());
    let (out, state) = w.login(0x21);
    assert!(go_url(&out)
        .unwrap()
        .0
        .contains("redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Fcallback"));
    let raw = format!("access_token=t1&token_type=bearer&state={state}");

    // The callback page: the response leaves its address first, then waits for the page to load.
    let (mut callback, out) = page_at(&w, "/callback", "", &format!("#{raw}"));
    assert_eq!(names(&out), ["clean"]);
    assert_eq!(out[0]["url"], "/callback");
    assert!(
        callback.store.get(Storage::Session, PENDING_KEY).is_some(),
        "kept for the page that started the login"
    );
    assert_eq!(callback.store.get(Storage::Session, RESPONSE_KEY), None);
    // No widget took it: back to the start page's full address, the response in sessionStorage.
    let out = loaded(&mut callback);
    assert_eq!(names(&out), ["leave"]);
    assert_eq!(out[0]["url"], START);
    assert_eq!(
        callback.store.get(Storage::Session, RESPONSE_KEY),
        Some(raw)
    );
    assert!(loaded(&mut callback).is_empty(), "it goes once");

    // The start page takes it on load, as if its own address had brought it: nothing to clean,
    // nothing to relay; its widget gets the login, and nothing is left in storage.
    let (start, out) = page_at(&callback, "/app", "?tab=2", "#top");
    assert!(out.is_empty(), "{out:?}");
    let mut element = element_on(start);
    let out = element.connect();
    assert_eq!(logged_in_with(&out), Some("t1"), "{out:?}");
    assert!(element.store.keys(Storage::Session).is_empty());
    // The same start page loaded again has nothing to take.
    assert!(page_at(&element, "/app", "?tab=2", "#top").1.is_empty());
}

#[test]
fn a_widget_of_the_callback_page_with_the_logins_key_takes_the_response_there() {
    let (callback, _) = answered_at_callback(0x22, "t2");
    let mut element = element_on(callback);
    assert_eq!(logged_in_with(&element.connect()), Some("t2"));
    assert_eq!(
        element.store.get(Storage::Session, PENDING_KEY),
        None,
        "used once"
    );
    assert!(element.send(Input::Loaded {}).is_empty(), "it stays here");
    assert_eq!(element.store.get(Storage::Session, RESPONSE_KEY), None);
    // A widget with another key leaves it: it goes back.
    let (callback, _) = answered_at_callback(0x23, "t3");
    let mut other = callback.another("client-id=other&authorize-url=https%3A%2F%2Fid.example%2Fa");
    other.page = callback.page;
    let out = other.connect();
    assert!(
        fired(&out).is_empty() && warnings(&out).is_empty(),
        "{out:?}"
    );
    assert_eq!(names(&loaded(&mut other)), ["leave"]);
}

#[test]
fn a_code_a_denial_and_a_wrong_state_at_the_callback_page_end_on_the_start_page() {
    // A code: the token request is made from the start page, with the verifier kept for it.
    let code = format!("id=r&{CODE}&mode=redirect&redirect-uri=%2Fcallback");
    let mut w = Widget::new(&code);
    let (out, state) = w.login(0x24);
    w.digest(&out);
    let (mut callback, _) = page_at(&w, "/callback", &format!("?code=c&state={state}"), "");
    assert_eq!(names(&loaded(&mut callback)), ["leave"]);
    let (start, out) = page_at(&callback, "/app", "?tab=2", "#top");
    assert!(out.is_empty());
    let mut element = start.another(&code);
    element.page = start.page;
    let fetch = find(&element.connect(), "fetch")
        .cloned()
        .expect("a token request");
    let body = fetch["body"].as_str().unwrap();
    assert!(
        body.contains("code=c&") && body.contains("code_verifier="),
        "{body}"
    );
    assert!(
        body.contains("redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Fcallback"),
        "{body}"
    );

    // A denial, with or without a state (Instagram's has none).
    for denial in [
        format!("?error=access_denied&state={state}"),
        "?error=access_denied".into(),
    ] {
        let mut w = Widget::new(&attributes());
        let (_, state) = w.login(0x25);
        let denial = denial.replace(&hex(&[0x24; 32]), &state);
        let (mut callback, _) = page_at(&w, "/callback", &denial, "");
        assert_eq!(names(&loaded(&mut callback)), ["leave"], "{denial}");
        let (start, _) = page_at(&callback, "/app", "?tab=2", "#top");
        let mut element = element_on(start);
        assert_eq!(error(&element.connect()), Some("access_denied"), "{denial}");
    }

    // A wrong state: no page of this origin takes it over the channel, and it is refused on the
    // start page, which logs nobody in.
    let mut w = Widget::new(&attributes());
    w.login(0x26);
    let (mut callback, out) = page_at(
        &w,
        "/callback",
        "",
        "#access_token=evil&token_type=bearer&state=forged",
    );
    assert_eq!(names(&out), ["clean", "relay"]);
    assert!(
        loaded(&mut callback).is_empty(),
        "not before the relay ended"
    );
    callback.send(Input::Relayed {
        taken: false,
        opener: false,
    });
    assert_eq!(names(&loaded(&mut callback)), ["leave"]);
    let (start, out) = page_at(&callback, "/app", "?tab=2", "#top");
    assert!(out.is_empty(), "not relayed again: {out:?}");
    let mut element = element_on(start);
    let out = element.connect();
    assert_eq!(error(&out), Some("state_mismatch"));
    assert_eq!(logged_in_with(&out), None);
}

#[test]
fn a_response_with_nowhere_to_go_back_to_stays_and_goes_no_further() {
    // A replayed callback URL (its login used up): no login says where it started.
    let (mut callback, hash) = answered_at_callback(0x27, "t");
    loaded(&mut callback);
    let (start, _) = page_at(&callback, "/app", "", "");
    let mut element = element_on(start);
    assert_eq!(logged_in_with(&element.connect()), Some("t"));
    let (mut replay, out) = page_at(&element, "/callback", "", &hash);
    assert_eq!(names(&out), ["clean", "relay"]);
    replay.send(Input::Relayed {
        taken: false,
        opener: false,
    });
    assert!(loaded(&mut replay).is_empty());

    // A response carried back that lands on another page than its start (the start page's
    // server sent the tab elsewhere) is that page's: it never goes on again (no loop).
    let (mut callback, _) = answered_at_callback(0x28, "t4");
    loaded(&mut callback);
    let (mut elsewhere, out) = page_at(&callback, "/home", "", "");
    assert!(out.is_empty());
    assert!(loaded(&mut elsewhere).is_empty());
    let mut element = element_on(elsewhere);
    assert_eq!(logged_in_with(&element.connect()), Some("t4"));

    // The page a login started on is its own callback page (the default): as before, nothing
    // goes anywhere.
    let mut w = Widget::new(&format!("id=r&{IMPLICIT}&mode=redirect"));
    let (_, state) = w.login(0x29);
    let hash = format!("#access_token=t5&token_type=bearer&state={state}");
    let (mut same, out) = page_at(&w, "/app", "", &hash);
    assert_eq!(names(&out), ["clean"]);
    assert_eq!(
        same.store.get(Storage::Session, PENDING_KEY),
        None,
        "used once"
    );
    assert!(loaded(&mut same).is_empty());
}

#[test]
fn a_widget_of_the_callback_page_that_connects_after_it_left_neither_takes_nor_drops_the_login() {
    // The callback page's element with the login's key is added late (after `load` and one
    // task: an app that renders it once its data came), while the page is going back.
    let (mut callback, _) = answered_at_callback(0x2a, "t6");
    assert_eq!(names(&loaded(&mut callback)), ["leave"]);
    let mut late = element_on(callback);
    let out = late.connect();
    assert_eq!(logged_in_with(&out), None, "it went back: {out:?}");
    assert!(warnings(&out).is_empty(), "{out:?}");
    // The start page completes the login, with the token the response carried.
    let (start, _) = page_at(&late, "/app", "?tab=2", "#top");
    let mut element = element_on(start);
    let out = element.connect();
    assert_eq!(logged_in_with(&out), Some("t6"), "{out:?}");
    assert_eq!(error(&out), None, "{out:?}");
}
