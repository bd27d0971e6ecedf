//! Scenario tests of the controller, driven as the browser layer drives it: settings in, commands
//! out, with web storage as a map. Each test reads the commands as JS would (parsed JSON).

use std::collections::BTreeMap;

use serde_json::Value;

use super::callback::{on_page_load, Delivery, Route, PENDING_PREFIX};
use super::config::{Page, StorageKind};
use super::params::Params;
use super::widget::{Commands, Source, Store, Widget, RANDOM_BYTES, TOKEN_PREFIX};

const NOW: u64 = 1_700_000_000_000;
const ORIGIN: &str = "http://localhost:8080";
const IMPLICIT: &str = "client-id=app&authorize-url=https%3A%2F%2Fid.example%2Fauthorize";
const CODE: &str = "client-id=spa&authorize-url=https%3A%2F%2Fid.example%2Fauthorize&response-type=code&token-url=https%3A%2F%2Fid.example%2Ftoken";

/// `sessionStorage` and `localStorage` as maps; `refuse` makes every write fail.
#[derive(Default)]
struct MemStore {
    areas: BTreeMap<(u8, String), String>,
    refuse: bool,
}

fn area(kind: StorageKind) -> u8 {
    kind as u8
}

impl Store for MemStore {
    fn get(&self, kind: StorageKind, key: &str) -> Option<String> {
        self.areas.get(&(area(kind), key.to_owned())).cloned()
    }
    fn set(&mut self, kind: StorageKind, key: &str, value: &str) -> bool {
        if !self.refuse {
            self.areas
                .insert((area(kind), key.to_owned()), value.to_owned());
        }
        !self.refuse
    }
    fn remove(&mut self, kind: StorageKind, key: &str) {
        self.areas.remove(&(area(kind), key.to_owned()));
    }
    fn keys(&self, kind: StorageKind) -> Vec<String> {
        self.areas
            .keys()
            .filter(|(a, _)| *a == area(kind))
            .map(|(_, k)| k.clone())
            .collect()
    }
}

fn json(commands: Commands) -> Vec<Value> {
    serde_json::from_str::<Vec<Value>>(&commands.finish()).expect("commands are a JSON array")
}

fn names(commands: &[Value]) -> Vec<String> {
    commands
        .iter()
        .map(|c| c["do"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn find<'a>(commands: &'a [Value], name: &str) -> Option<&'a Value> {
    commands.iter().find(|c| c["do"] == name)
}

fn event<'a>(commands: &'a [Value], name: &str) -> Option<&'a Value> {
    commands
        .iter()
        .find(|c| c["do"] == "event" && c["name"] == name)
        .map(|c| &c["detail"])
}

fn widget(attributes: &str) -> Widget {
    let mut w = Widget::default();
    w.update(
        attributes,
        Page {
            origin: ORIGIN.into(),
            path: "/app".into(),
        },
        NOW,
    );
    w
}

/// Starts a login; returns the commands and the state sent.
fn start(w: &mut Widget, store: &mut MemStore, byte: u8) -> (Vec<Value>, String) {
    let out = json(w.login(&[byte; RANDOM_BYTES], store, &mut Vec::new(), NOW));
    let state = "0123456789abcdef"
        .chars()
        .nth((byte >> 4).into())
        .unwrap()
        .to_string()
        + &"0123456789abcdef"
            .chars()
            .nth((byte & 15).into())
            .unwrap()
            .to_string();
    (out, state.repeat(32))
}

/// Starts a code login, supplies its digest and answers it with a code: the token request's number.
fn code_returned(w: &mut Widget, store: &mut MemStore, byte: u8) -> u32 {
    let (_, state) = start(w, store, byte);
    json(w.challenge(&[9; 32], NOW));
    let out = json(w.message(
        ORIGIN,
        Source::Popup,
        &format!("?code=c&state={state}"),
        "",
        "p1",
        store,
        NOW,
    ));
    find(&out, "fetch").unwrap()["seq"].as_u64().unwrap() as u32
}

fn answer(w: &mut Widget, store: &mut MemStore, hash: &str) -> Vec<Value> {
    json(w.message(ORIGIN, Source::Popup, "", hash, "p1", store, NOW + 10))
}

#[test]
fn a_popup_implicit_login_opens_the_url_and_settles_once() {
    let (mut w, mut store) = (widget(IMPLICIT), MemStore::default());
    let (out, state) = start(&mut w, &mut store, 0x11);
    assert_eq!(names(&out), ["open", "render", "timer"]);
    let url = find(&out, "open").unwrap()["url"].as_str().unwrap();
    assert!(
        url.starts_with("https://id.example/authorize?response_type=token&client_id=app&"),
        "{url}"
    );
    assert_eq!(
        find(&out, "open").unwrap()["name"],
        format!("oauth-prefab-{}", &state[..16])
    );
    assert_eq!(find(&out, "timer").unwrap()["ms"], 300_000);
    assert_eq!(find(&out, "render").unwrap()["state"], "pending");
    // A second login() while pending joins it: nothing new is opened.
    assert!(json(w.login(&[0x22; RANDOM_BYTES], &mut store, &mut Vec::new(), NOW)).is_empty());

    let done = answer(
        &mut w,
        &mut store,
        &format!("#access_token=t&token_type=bearer&expires_in=60&state={state}"),
    );
    assert_eq!(
        names(&done),
        ["ack", "close", "render", "timer", "event"],
        "the event comes last, after the state is final"
    );
    let detail = event(&done, "oauth-login").unwrap();
    assert_eq!(
        (
            detail["accessToken"].as_str(),
            detail["restored"].as_bool(),
            &detail["user"]
        ),
        (Some("t"), Some(false), &Value::Null)
    );
    assert_eq!(
        find(&done, "timer").unwrap()["ms"],
        60_000,
        "the next wake-up is the token's expiry"
    );
    assert!(answer(
        &mut w,
        &mut store,
        &format!("#access_token=again&token_type=bearer&state={state}")
    )
    .is_empty());
    assert!(store.areas.is_empty(), "memory storage writes nothing");
}

#[test]
fn messages_from_elsewhere_are_ignored_and_the_login_stays_pending() {
    let (mut w, mut store) = (widget(IMPLICIT), MemStore::default());
    let (_, state) = start(&mut w, &mut store, 0x11);
    let forged = format!("#access_token=evil&token_type=bearer&state={state}");
    assert!(json(w.message(
        "http://evil.example",
        Source::Popup,
        "",
        &forged,
        "p1",
        &mut store,
        NOW
    ))
    .is_empty());
    assert!(json(w.message(ORIGIN, Source::Other, "", &forged, "p1", &mut store, NOW)).is_empty());
    assert!(
        json(w.message(ORIGIN, Source::Popup, "", "#section", "p1", &mut store, NOW)).is_empty()
    );
    let done = answer(
        &mut w,
        &mut store,
        &format!("#access_token=good&token_type=bearer&state={state}"),
    );
    assert_eq!(event(&done, "oauth-login").unwrap()["accessToken"], "good");
}

#[test]
fn a_blocked_popup_falls_back_to_redirect_or_fails_as_configured() {
    let mut store = MemStore::default();
    let mut w = widget(IMPLICIT);
    let (_, state) = start(&mut w, &mut store, 0x33);
    let out = json(w.popup_blocked(&mut store, NOW));
    assert_eq!(names(&out), ["go"]);
    assert_eq!(find(&out, "go").unwrap()["popup"], false);
    assert!(
        store
            .get(StorageKind::Session, &format!("{PENDING_PREFIX}{state}"))
            .is_some(),
        "kept for the return"
    );

    let mut none = widget(&format!("{IMPLICIT}&fallback=none"));
    let mut clean = MemStore::default();
    start(&mut none, &mut clean, 0x33);
    let out = json(none.popup_blocked(&mut clean, NOW));
    assert_eq!(
        event(&out, "oauth-error").unwrap()["error"],
        "popup_blocked"
    );
    assert!(clean.areas.is_empty(), "no redirect login kept");

    // Redirect mode needs sessionStorage: a refusal is said as such, not as a config error.
    let mut refusing = MemStore {
        refuse: true,
        ..MemStore::default()
    };
    let mut redirect = widget(&format!("{IMPLICIT}&mode=redirect"));
    let (out, _) = start(&mut redirect, &mut refusing, 0x44);
    assert_eq!(
        event(&out, "oauth-error").unwrap()["error"],
        "browser_refused"
    );
}

#[test]
fn the_code_flow_waits_for_the_digest_and_asks_for_a_token_only_after_the_state_matched() {
    let (mut w, mut store) = (widget(CODE), MemStore::default());
    let (out, state) = start(&mut w, &mut store, 0x55);
    assert_eq!(names(&out), ["open", "digest", "render", "timer"]);
    assert_eq!(
        find(&out, "open").unwrap()["url"],
        "",
        "a blank popup, opened within the click"
    );
    let verifier = find(&out, "digest").unwrap()["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(verifier.len(), 43);
    let go = json(w.challenge(&[9; 32], NOW));
    let url = find(&go, "go").unwrap()["url"].as_str().unwrap().to_owned();
    assert_eq!(find(&go, "go").unwrap()["popup"], true);
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
    let forged = answer(&mut w, &mut store, "#code=stolen&state=wrong");
    assert_eq!(
        event(&forged, "oauth-error").unwrap()["error"],
        "state_mismatch"
    );
    assert!(find(&forged, "fetch").is_none());

    let (_, state2) = start(&mut w, &mut store, 0x66);
    json(w.challenge(&[9; 32], NOW));
    let out = json(w.message(
        ORIGIN,
        Source::Popup,
        &format!("?code=c%2F1&state={state2}"),
        "",
        "p1",
        &mut store,
        NOW,
    ));
    assert_eq!(
        names(&out),
        ["ack", "close", "fetch"],
        "the popup is told its answer was taken, and closed; the exchange begins"
    );
    let fetch = find(&out, "fetch").unwrap();
    assert_eq!(fetch["url"], "https://id.example/token");
    let body = Params::parse(fetch["body"].as_str().unwrap()).unwrap();
    assert_eq!(body.get("code"), Some("c/1"));
    assert_eq!(body.get("redirect_uri"), Some("http://localhost:8080/app"));
    assert_eq!(body.get("code_verifier").map(str::len), Some(43));
    assert_ne!(state, state2);
    // The popup closing now (it does, after relaying) is not a cancel.
    assert!(json(w.popup_closed(true, NOW)).is_empty());
    let seq = fetch["seq"].as_u64().unwrap() as u32;
    assert!(
        json(w.token_answer(seq + 1, 200, None, &mut store, NOW)).is_empty(),
        "an answer to another request is ignored"
    );
    let body = super::response::TokenResponse::from_json(
        r#"{"access_token":"at","token_type":"bearer","user":{"id":"1"}}"#,
    );
    let done = json(w.token_answer(seq, 200, body, &mut store, NOW));
    let detail = event(&done, "oauth-login").unwrap();
    assert_eq!(
        (detail["accessToken"].as_str(), &detail["user"]["id"]),
        (Some("at"), &Value::from("1"))
    );
}

#[test]
fn token_request_failures_become_the_contract_codes() {
    let (mut w, mut store) = (widget(CODE), MemStore::default());
    let seq = code_returned(&mut w, &mut store, 0x55);
    let failed = json(w.token_unreachable(seq, NOW));
    let error = event(&failed, "oauth-error").unwrap();
    assert_eq!(error["error"], "network_error");
    assert!(error["description"]
        .as_str()
        .unwrap()
        .contains("https://id.example/token"));

    let seq = code_returned(&mut w, &mut store, 0x56);
    let out = json(w.token_answer(
        seq,
        502,
        super::response::TokenResponse::from_json("<html>"),
        &mut store,
        NOW,
    ));
    assert_eq!(
        event(&out, "oauth-error").unwrap()["error"],
        "invalid_response"
    );
}

#[test]
fn the_issuer_is_checked_before_any_token_request() {
    let (mut w, mut store) = (
        widget(&format!("{CODE}&issuer=https%3A%2F%2Fid.example")),
        MemStore::default(),
    );
    let (_, state) = start(&mut w, &mut store, 0x57);
    json(w.challenge(&[9; 32], NOW));
    let out = json(w.message(
        ORIGIN,
        Source::Popup,
        &format!("?code=c&state={state}&iss=https%3A%2F%2Fevil.example"),
        "",
        "p1",
        &mut store,
        NOW,
    ));
    assert_eq!(
        event(&out, "oauth-error").unwrap()["error"],
        "invalid_response"
    );
    assert!(find(&out, "fetch").is_none());
}

#[test]
fn closing_the_popup_timeouts_and_late_answers() {
    let (mut w, mut store) = (
        widget(&format!("{IMPLICIT}&timeout=2")),
        MemStore::default(),
    );
    let (_, state) = start(&mut w, &mut store, 0x11);
    assert!(
        json(w.tick(&mut store, NOW + 1_999))
            .iter()
            .all(|c| c["do"] == "timer"),
        "an early timer does nothing"
    );
    let out = json(w.tick(&mut store, NOW + 2_000));
    assert_eq!(event(&out, "oauth-error").unwrap()["error"], "timeout");
    assert!(answer(
        &mut w,
        &mut store,
        &format!("#access_token=t&token_type=bearer&state={state}")
    )
    .is_empty());
    start(&mut w, &mut store, 0x12);
    let out = json(w.popup_closed(true, NOW));
    let error = event(&out, "oauth-error").unwrap();
    assert_eq!(error["error"], "popup_closed");
    assert!(error["description"]
        .as_str()
        .unwrap()
        .ends_with("register http://localhost:8080/app (callbackurl) with it"));
    let render = find(&out, "render").unwrap();
    assert_eq!(
        (&render["state"], &render["message"]),
        (&Value::from("cancelled"), &Value::from("Login cancelled.")),
        "a cancel is neutral"
    );
}

#[test]
fn a_token_is_stored_under_the_logins_own_key_and_settings_changed_meanwhile_do_not_move_it() {
    let mut store = MemStore::default();
    let mut w = widget(&format!("id=main&{IMPLICIT}&storage=local"));
    let (_, state) = start(&mut w, &mut store, 0x11);
    // The page changes the element while the login is pending: that applies to the next login.
    w.update(
        &format!("id=other&{IMPLICIT}&storage=session"),
        Page {
            origin: ORIGIN.into(),
            path: "/app".into(),
        },
        NOW,
    );
    answer(
        &mut w,
        &mut store,
        &format!("#access_token=t&token_type=bearer&state={state}"),
    );
    assert!(store
        .get(StorageKind::Local, &format!("{TOKEN_PREFIX}#main"))
        .is_some());
    assert!(store.keys(StorageKind::Session).is_empty());
}

#[test]
fn fetch_placement_logout_and_expiry() {
    let mut store = MemStore::default();
    let mut ig = widget("provider=instagram&client-id=ig&authorize-url=https%3A%2F%2Fcompat.example%2Fa&storage=session");
    let before: Value = serde_json::from_str(&ig.authorization(NOW)).unwrap();
    assert_eq!(before["error"]["error"], "login_required");
    let (_, state) = start(&mut ig, &mut store, 0x11);
    answer(
        &mut ig,
        &mut store,
        &format!("#access_token=igt&expires_in=5&state={state}"),
    );
    let auth: Value = serde_json::from_str(&ig.authorization(NOW)).unwrap();
    assert_eq!(auth["query"], "igt");
    let mut bearer = widget(IMPLICIT);
    let (_, state) = start(&mut bearer, &mut store, 0x12);
    answer(
        &mut bearer,
        &mut store,
        &format!("#access_token=bt&token_type=bearer&state={state}"),
    );
    let auth: Value = serde_json::from_str(&bearer.authorization(NOW)).unwrap();
    assert_eq!(auth["header"], "Bearer bt");

    // The token runs out: forgotten, stored copy deleted, oauth-expired.
    assert_eq!(store.keys(StorageKind::Session).len(), 1);
    let out = json(ig.tick(&mut store, NOW + 10 + 5_000));
    assert_eq!(
        event(&out, "oauth-expired").unwrap()["provider"],
        "instagram"
    );
    assert_eq!(find(&out, "render").unwrap()["state"], "expired");
    assert!(store.keys(StorageKind::Session).is_empty());
    let props: Value = serde_json::from_str(&ig.properties(NOW + 6_000)).unwrap();
    assert_eq!(
        (props["loggedIn"].as_bool(), &props["accessToken"]),
        (Some(false), &Value::Null)
    );

    let out = json(bearer.logout(&mut store, NOW));
    assert_eq!(event(&out, "oauth-logout").unwrap()["provider"], "custom");
    assert_eq!(find(&out, "timer").unwrap()["ms"], Value::Null);
    assert_eq!(find(&out, "render").unwrap()["state"], "logged-out");
}

#[test]
fn a_redirect_login_round_trip_through_the_callback() {
    let mut store = MemStore::default();
    let attributes = format!("id=r&{CODE}&mode=redirect&storage=session");
    let mut w = widget(&attributes);
    let (out, state) = start(&mut w, &mut store, 0x77);
    assert_eq!(names(&out), ["digest", "render", "timer"]);
    let record = store
        .get(StorageKind::Session, &format!("{PENDING_PREFIX}{state}"))
        .unwrap();
    assert!(
        record.contains("verifier="),
        "the verifier survives the round trip in sessionStorage"
    );
    let go = json(w.challenge(&[1; 32], NOW));
    assert_eq!(find(&go, "go").unwrap()["popup"], false);

    // The tab returns: the page decides before anything else, and strips the address.
    let (clean, route) = on_page_load(
        &mut store,
        "/app",
        &format!("?keep=1&code=c&state={state}&iss=x"),
        "",
        false,
    )
    .unwrap();
    assert_eq!(clean, "/app?keep=1");
    let Route::Deliver(delivery) = route else {
        panic!("delivered here")
    };
    assert!(store.keys(StorageKind::Session).is_empty(), "used once");
    let mut deliveries: Vec<Delivery> = vec![*delivery];
    let mut back = widget(&attributes);
    let out = json(back.connect(&mut store, &mut deliveries, NOW + 50));
    assert!(
        find(&out, "fetch").is_some(),
        "the new page exchanges the code"
    );
    assert!(deliveries.is_empty());

    // Replayed: no login matches, so the first widget to connect reports it.
    let (_, route) = on_page_load(
        &mut store,
        "/app",
        &format!("?code=c&state={state}"),
        "",
        false,
    )
    .unwrap();
    let Route::Deliver(replayed) = route else {
        panic!("delivered here")
    };
    let mut deliveries = vec![*replayed];
    let out = json(widget(IMPLICIT).connect(&mut store, &mut deliveries, NOW));
    assert_eq!(
        event(&out, "oauth-error").unwrap()["error"],
        "state_mismatch"
    );
    // With an opener and no login of its own, a page relays.
    assert_eq!(
        on_page_load(&mut store, "/", "", "#access_token=t&state=s", true).map(|(_, r)| r),
        Some(Route::Relay)
    );
    assert_eq!(on_page_load(&mut store, "/", "?q=1", "#top", true), None);
}

#[test]
fn a_stored_token_is_restored_and_a_bad_one_deleted() {
    let mut store = MemStore::default();
    store.set(
        StorageKind::Local,
        &format!("{TOKEN_PREFIX}google:g"),
        "access_token=a&token_type=bearer&scope=openid",
    );
    let mut w = widget("provider=google&client-id=g&storage=local");
    let out = json(w.connect(&mut store, &mut Vec::new(), NOW));
    let detail = event(&out, "oauth-login").unwrap();
    assert_eq!(
        (detail["restored"].as_bool(), detail["provider"].as_str()),
        (Some(true), Some("google"))
    );
    assert!(
        json(w.connect(&mut store, &mut Vec::new(), NOW))
            .iter()
            .all(|c| c["do"] != "event"),
        "only on the first connect"
    );
    store.set(
        StorageKind::Local,
        &format!("{TOKEN_PREFIX}google:g"),
        "access_token=a&token_type=bearer&expires_at=5",
    );
    let out = json(widget("provider=google&client-id=g&storage=local").connect(
        &mut store,
        &mut Vec::new(),
        NOW,
    ));
    assert!(event(&out, "oauth-login").is_none());
    assert!(store.areas.is_empty(), "an expired record is deleted");
}

#[test]
fn advice_and_invalid_settings_reach_the_console_once() {
    let mut w = Widget::default();
    let page = Page {
        origin: ORIGIN.into(),
        path: "/".into(),
    };
    let out = json(w.update("provider=linkedin&clientid=x", page.clone(), NOW));
    let warnings: Vec<&str> = out
        .iter()
        .filter(|c| c["do"] == "warn")
        .filter_map(|c| c["text"].as_str())
        .collect();
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(warnings[0].contains("did you mean `client-id`"));
    assert!(warnings[2].contains("client-id is required"));
    let again = json(w.update("provider=linkedin&clientid=x", page, NOW));
    assert!(again.iter().all(|c| c["do"] != "warn"), "each line once");
    assert_eq!(
        find(&again, "render").unwrap()["label"],
        "Log in with LinkedIn"
    );
}

#[test]
fn an_invalid_setting_fails_the_login_with_invalid_config_and_opens_nothing() {
    let (mut w, mut store) = (
        widget("client-id=x&authorize-url=http%3A%2F%2Fevil.example%2F"),
        MemStore::default(),
    );
    let (out, _) = start(&mut w, &mut store, 0x11);
    assert_eq!(names(&out), ["render", "timer", "event"]);
    let error = event(&out, "oauth-error").unwrap();
    assert_eq!(error["error"], "invalid_config");
    assert_eq!(
        find(&out, "render").unwrap()["message"],
        format!("Login failed: {}", error["description"].as_str().unwrap())
    );
    let (out, _) = {
        let mut w = widget(IMPLICIT);
        let out = json(w.login(&[1; 10], &mut store, &mut Vec::new(), NOW));
        (out, ())
    };
    assert_eq!(
        event(&out, "oauth-error").unwrap()["error"],
        "browser_refused",
        "too few random bytes"
    );
}

#[test]
fn a_login_keeps_the_settings_it_started_with_and_needs_a_digest() {
    // The page switches fallback off while the popup opens: the login started with "redirect".
    let (mut w, mut store) = (widget(IMPLICIT), MemStore::default());
    start(&mut w, &mut store, 0x11);
    let page = Page {
        origin: ORIGIN.into(),
        path: "/app".into(),
    };
    w.update(&format!("{IMPLICIT}&fallback=none"), page.clone(), NOW);
    assert_eq!(names(&json(w.popup_blocked(&mut store, NOW))), ["go"]);

    // The code flow's URL is built from the settings of its start, not of the digest's arrival.
    let mut code = widget(CODE);
    start(&mut code, &mut store, 0x22);
    code.update(&CODE.replace("id.example", "other.example"), page, NOW);
    let go = json(code.challenge(&[9; 32], NOW));
    let url = find(&go, "go").unwrap()["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("https://id.example/authorize?"), "{url}");

    // No SubtleCrypto (not a secure context): said at once, not by the timeout.
    let mut insecure = widget(CODE);
    start(&mut insecure, &mut store, 0x33);
    let out = json(insecure.challenge(&[], NOW));
    let error = event(&out, "oauth-error").unwrap();
    assert_eq!(error["error"], "browser_refused");
    assert!(error["description"]
        .as_str()
        .unwrap()
        .contains("secure context"));
}

#[test]
fn a_popup_cut_off_before_it_was_seen_is_waited_for_and_answers_through_the_channel() {
    let (mut w, mut store) = (
        widget(&format!("{IMPLICIT}&timeout=30")),
        MemStore::default(),
    );
    let (_, state) = start(&mut w, &mut store, 0x21);
    // Read as closed before it ever showed a page: the provider's COOP cut it off. No failure,
    // one line of advice for the page author.
    let out = json(w.popup_closed(false, NOW + 500));
    assert_eq!(names(&out), ["warn"]);
    assert!(out[0]["text"]
        .as_str()
        .unwrap()
        .contains("Cross-Origin-Opener-Policy"));
    assert!(
        json(w.popup_closed(false, NOW + 900)).is_empty(),
        "said once"
    );
    let hash = format!("#access_token=t&token_type=bearer&state={state}");
    // The channel is heard by every tab of the origin: another login's answer is not taken...
    let other = "#access_token=x&token_type=bearer&state=".to_owned() + &"ab".repeat(32);
    assert!(json(w.message(ORIGIN, Source::Channel, "", &other, "p0", &mut store, NOW)).is_empty());
    // ... nor one without a state, which could be any tab's ...
    let stateless = "?error=access_denied";
    assert!(json(w.message(
        ORIGIN,
        Source::Channel,
        stateless,
        "",
        "p0",
        &mut store,
        NOW
    ))
    .is_empty());
    // ... nor a message from another window.
    assert!(json(w.message(ORIGIN, Source::Other, "", &hash, "p0", &mut store, NOW)).is_empty());
    // Its own state is taken, acknowledged by the page's id, and used once.
    let out = json(w.message(
        ORIGIN,
        Source::Channel,
        "",
        &hash,
        "p1",
        &mut store,
        NOW + 2_000,
    ));
    assert_eq!(find(&out, "ack").unwrap()["id"], "p1");
    assert_eq!(event(&out, "oauth-login").unwrap()["accessToken"], "t");
    assert!(json(w.message(ORIGIN, Source::Channel, "", &hash, "p2", &mut store, NOW)).is_empty());
}

#[test]
fn a_popup_lost_from_sight_ends_at_the_timeout_or_at_the_next_click() {
    let (mut w, mut store) = (
        widget(&format!("{IMPLICIT}&timeout=5")),
        MemStore::default(),
    );
    let (_, first) = start(&mut w, &mut store, 0x31);
    json(w.popup_closed(false, NOW + 300));
    let out = json(w.tick(&mut store, NOW + 5_000));
    let error = event(&out, "oauth-error").unwrap();
    assert_eq!(error["error"], "timeout");
    assert!(
        error["description"]
            .as_str()
            .unwrap()
            .contains("may have been closed"),
        "{error}"
    );

    // A click while the popup is out of sight starts again: a new popup and state; the old
    // login's answer is no longer taken.
    let (_, old) = start(&mut w, &mut store, 0x32);
    json(w.popup_closed(false, NOW + 300));
    let (out, new) = start(&mut w, &mut store, 0x33);
    assert_eq!(names(&out), ["close", "open", "render", "timer"]);
    assert_ne!(old, new);
    assert_ne!(first, new);
    let late = format!("#access_token=t&token_type=bearer&state={old}");
    assert!(json(w.message(ORIGIN, Source::Channel, "", &late, "p1", &mut store, NOW)).is_empty());
    // A popup that was seen and then closed is a cancel, and a click while one is open joins it.
    assert!(json(w.login(&[0x34; RANDOM_BYTES], &mut store, &mut Vec::new(), NOW)).is_empty());
    let out = json(w.popup_closed(true, NOW + 900));
    assert_eq!(event(&out, "oauth-error").unwrap()["error"], "popup_closed");
}
