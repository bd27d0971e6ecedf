//! Popup logins: opening, answers from the popup and from elsewhere, a blocked popup, and every
//! way a popup can close or be cut off from the page.

use super::*;
use crate::core::contract::Storage;
use crate::core::store::{Store, PENDING_KEY, SEVERS_PREFIX};

fn token_hash(state: &str) -> String {
    format!("#access_token=t&token_type=bearer&expires_in=60&state={state}")
}

#[test]
fn an_implicit_popup_login_opens_the_url_and_settles_once() {
    let mut w = Widget::new(IMPLICIT);
    let (out, state) = w.login(0x11);
    assert_eq!(names(&out), ["open", "render", "timer"]);
    let url = out[0]["url"].as_str().unwrap();
    assert!(
        url.starts_with("https://id.example/authorize?response_type=token&client_id=app&"),
        "{url}"
    );
    assert_eq!(
        (out[0]["name"].as_str().unwrap(), out[0]["poll_ms"].as_u64()),
        (format!("oauth-prefab-{}", &state[..16]).as_str(), Some(100))
    );
    assert_eq!(timer(&out), Some(5_000), "the first wake-up: the hint");
    assert_eq!(rendered(&out), ("pending", true, None));
    // A second login() while pending joins it: nothing new is opened, its window is brought
    // forward.
    assert_eq!(names(&w.login(0x22).0), ["raise"]);

    let done = w.popup_answer("", &token_hash(&state));
    assert_eq!(
        names(&done),
        ["ack", "close", "render", "timer", "event"],
        "the event comes last, after the state is final"
    );
    let detail = event(&done, "oauth-login").unwrap();
    assert_eq!(
        detail,
        &serde_json::json!({"provider": "custom", "accessToken": "t", "tokenType": "bearer", "expiresIn": 60, "expiresAt": NOW + 60_000, "scope": [], "restored": false, "user": null, "profile": null, "claims": null, "idToken": null})
    );
    assert_eq!(find(&done, "event").unwrap()["settle"], "resolve");
    assert_eq!(
        timer(&done),
        Some(60_000),
        "the next wake-up is the token's expiry"
    );
    assert!(
        w.popup_answer("", &token_hash(&state)).is_empty(),
        "used once"
    );
    assert!(
        w.store.keys(Storage::Session).is_empty() && w.store.keys(Storage::Local).is_empty(),
        "memory storage writes nothing"
    );
}

#[test]
fn answers_from_elsewhere_are_ignored_and_the_login_stays_pending() {
    let mut w = Widget::new(IMPLICIT);
    let (_, state) = w.login(0x11);
    let forged = token_hash(&state);
    assert!(w
        .message(Source::Popup, "http://evil.example", "", &forged)
        .is_empty());
    assert!(w.message(Source::Other, ORIGIN, "", &forged).is_empty());
    assert!(w.popup_answer("", "#section").is_empty());
    assert!(
        w.message(Source::Channel, ORIGIN, "", &token_hash(&"ab".repeat(32)))
            .is_empty(),
        "another login's state"
    );
    assert!(
        w.message(Source::Channel, ORIGIN, "?error=access_denied", "")
            .is_empty(),
        "no state: could be any tab's"
    );
    assert_eq!(
        logged_in_with(&w.popup_answer("", &token_hash(&state))),
        Some("t")
    );
}

#[test]
fn a_blocked_popup_goes_on_by_redirect_or_fails_as_configured() {
    let mut w = Widget::new(IMPLICIT);
    w.login(0x33);
    let out = w.send(Input::Blocked {});
    assert_eq!(names(&out), ["go"]);
    assert_eq!(go_url(&out).map(|(_, popup)| popup), Some(false));
    assert!(
        w.store.get(Storage::Session, PENDING_KEY).is_some(),
        "kept for the return"
    );

    let mut none = Widget::new(&format!("{IMPLICIT}&fallback=none"));
    none.login(0x33);
    assert_eq!(error(&none.send(Input::Blocked {})), Some("popup_blocked"));
    assert!(none.store.get(Storage::Session, PENDING_KEY).is_none());

    // The fallback was "redirect" when the login started: a change since applies to the next.
    let mut changed = Widget::new(IMPLICIT);
    changed.login(0x34);
    changed.update(&format!("{IMPLICIT}&fallback=none"));
    assert_eq!(names(&changed.send(Input::Blocked {})), ["go"]);
}

#[test]
fn a_blocked_report_counts_only_while_the_popup_is_still_to_be_shown() {
    // Twice: the second finds the login gone on by redirect.
    let mut w = Widget::new(IMPLICIT);
    w.login(0x35);
    assert_eq!(names(&w.send(Input::Blocked {})), ["go"]);
    assert!(w.send(Input::Blocked {}).is_empty());

    // A redirect login has no popup to block.
    let mut redirect = Widget::new(&format!("{IMPLICIT}&mode=redirect"));
    redirect.login(0x36);
    assert!(redirect.send(Input::Blocked {}).is_empty());

    // The code came back and is being exchanged: nothing is written for a return.
    let mut code = Widget::new(CODE);
    code.code_returned(0x37);
    assert!(code.send(Input::Blocked {}).is_empty());
    assert!(code.store.get(Storage::Session, PENDING_KEY).is_none());
}

#[test]
fn a_popup_seen_and_then_closed_is_a_cancel_naming_the_likely_causes() {
    let mut w = Widget::new(IMPLICIT);
    w.login(0x12);
    assert!(
        w.looks("boo").is_empty(),
        "looks at an open popup say nothing"
    );
    let out = w.looks("cc");
    assert_eq!(error(&out), Some("popup_closed"));
    assert!(description(&out).starts_with("the login window was closed before the login finished; if the provider showed an error, check client-id `app`, register http://localhost:8080/app (callbackurl) with it"), "{}", description(&out));
    assert_eq!(
        rendered(&out),
        ("cancelled", false, Some("Login cancelled.")),
        "a cancel is neutral"
    );
    assert_eq!(find(&out, "event").unwrap()["settle"], "reject");
}

#[test]
fn after_a_few_seconds_the_person_is_pointed_at_the_login_window() {
    let mut w = Widget::new(IMPLICIT);
    w.login(0x12);
    w.looks("oo");
    assert_eq!(
        names(&w.tick_at(NOW + 4_999)),
        ["timer"],
        "an early timer does nothing"
    );
    let out = w.tick_at(NOW + 5_000);
    assert_eq!(
        rendered(&out),
        (
            "pending",
            true,
            Some("Finish logging in in the login window.")
        )
    );
    assert_eq!(warnings(&out), ["<oauth-login>: no answer yet; if the provider showed an error, check client-id `app`, register http://localhost:8080/app (callbackurl) with it, and check scope `(none)`"]);
    assert_eq!(timer(&out), Some(295_000), "then only the deadline");
    assert!(warnings(&w.tick_at(NOW + 6_000)).is_empty(), "said once");
}

#[test]
fn a_popup_closed_before_it_showed_a_page_is_a_cancel_whose_answer_is_still_taken() {
    let mut w = Widget::new(&format!("{IMPLICIT}&timeout=30"));
    let (_, state) = w.login(0x21);
    let out = w.looks("bcc");
    assert_eq!(
        error(&out),
        Some("popup_closed"),
        "the button is clickable again at once"
    );
    assert!(
        names(&out).contains(&"unwatch") && !names(&out).contains(&"close"),
        "it goes on listening for the answer"
    );
    assert_eq!(timer(&out), Some(30_000), "until the login's deadline");
    assert!(
        warnings(&out)[0].contains("Cross-Origin-Opener-Policy"),
        "the page author hears of the other cause"
    );
    // It was cut off by COOP after all: its answer arrives on the channel, and is taken.
    w.now += 2_000;
    let out = w.message(Source::Channel, ORIGIN, "", &token_hash(&state));
    assert_eq!(names(&out)[0], "ack");
    assert_eq!(logged_in_with(&out), Some("t"));
    let learned = format!("{SEVERS_PREFIX}https://id.example");
    assert_eq!(
        w.store.get(Storage::Local, &learned).as_deref(),
        Some("1"),
        "the provider is known to cut popups off"
    );

    // The next popup that reads as closed unseen is waited for: out of sight, not cancelled.
    let (_, state) = w.login(0x22);
    let out = w.looks("bcc");
    assert_eq!(
        names(&out),
        ["warn", "unwatch", "render", "timer"],
        "it stops looking, and goes on listening"
    );
    assert_eq!(
        rendered(&out),
        (
            "pending",
            false,
            Some("Finish logging in in the login window, or click to start again.")
        ),
        "clickable: a click starts again"
    );
    assert!(w.looks("cc").is_empty(), "said once");
    assert_eq!(
        logged_in_with(&w.message(Source::Channel, ORIGIN, "", &token_hash(&state))),
        Some("t")
    );
}

/// Instagram's documented denial has no `state`. From a popup cut off by COOP it can only come
/// over the channel: the login whose popup is out of sight takes it as its own and fails with the
/// provider's code, not at its timeout; so does one taken for closed (the first time), which then
/// learns its real cause. A stateless success is still refused.
#[test]
fn a_stateless_refusal_from_a_cut_off_popup_reaches_its_login() {
    let denial = "?error=access_denied&error_reason=user_denied&error_description=The+user+denied+your+request.";
    // Taken for closed, the provider not yet known to cut popups off.
    let mut w = Widget::new(&format!("{IMPLICIT}&timeout=30"));
    w.login(0x23);
    assert_eq!(error(&w.looks("bcc")), Some("popup_closed"));
    w.now += 2_000;
    let out = w.message(Source::Channel, ORIGIN, denial, "");
    assert_eq!(names(&out)[0], "ack");
    assert_eq!(error(&out), Some("access_denied"));
    assert_eq!(description(&out), "The user denied your request.");

    // Out of sight, the provider known to cut popups off.
    let (_, state) = w.login(0x24);
    w.looks("bcc");
    assert!(
        w.message(
            Source::Channel,
            ORIGIN,
            "",
            "#access_token=t&token_type=bearer"
        )
        .is_empty(),
        "a success without a state is no login's"
    );
    let out = w.message(Source::Channel, ORIGIN, denial, "");
    assert_eq!(error(&out), Some("access_denied"));
    assert!(
        w.message(Source::Channel, ORIGIN, "", &token_hash(&state))
            .is_empty(),
        "the login is over"
    );
}

#[test]
fn a_late_answer_to_a_cancelled_login_is_refused_after_its_timeout() {
    let mut w = Widget::new(&format!("{IMPLICIT}&timeout=3"));
    let (_, state) = w.login(0x21);
    w.looks("cc");
    assert_eq!(
        names(&w.tick_at(NOW + 3_000)),
        ["close", "timer"],
        "it stops listening at the deadline"
    );
    assert!(w
        .message(Source::Channel, ORIGIN, "", &token_hash(&state))
        .is_empty());
}

#[test]
fn a_popup_out_of_sight_ends_at_the_timeout_or_at_the_next_click() {
    let mut w = Widget::new(&format!("{IMPLICIT}&timeout=5"));
    w.store.set(
        Storage::Local,
        &format!("{SEVERS_PREFIX}https://id.example"),
        "1",
    );
    w.login(0x31);
    w.looks("cc");
    let out = w.tick_at(NOW + 5_000);
    assert_eq!(error(&out), Some("timeout"));
    assert!(description(&out).starts_with("no answer from the provider within 5 seconds; the provider's pages cut the login window off from this page, so it may have been closed; if the provider showed an error"), "{}", description(&out));

    // A click while the popup is out of sight starts again; the old login's answer is refused.
    let (_, old) = w.login(0x32);
    w.looks("cc");
    let (out, new) = w.login(0x33);
    assert_eq!(names(&out), ["close", "open", "render", "timer"]);
    assert_ne!(old, new);
    assert!(w
        .message(Source::Channel, ORIGIN, "", &token_hash(&old))
        .is_empty());
    // A popup in sight: a click joins its login, and brings its window forward.
    assert_eq!(names(&w.login(0x34).0), ["raise"]);
}

#[test]
fn a_timed_out_login_ignores_its_late_answer() {
    let mut w = Widget::new(&format!("{IMPLICIT}&timeout=2"));
    let (_, state) = w.login(0x11);
    assert_eq!(error(&w.tick_at(NOW + 2_000)), Some("timeout"));
    assert!(w.popup_answer("", &token_hash(&state)).is_empty());
}

#[test]
fn a_discovered_provider_that_cuts_popups_off_is_remembered_under_its_own_origin() {
    // README: the provider is remembered as one that cuts popups off under
    // `oauth-prefab:severs:<its origin>`. A provider given by `issuer` alone has no
    // authorize-url setting: its authorization endpoint comes from discovery.
    let mut w = Widget::new("issuer=https%3A%2F%2Fid.example&client-id=spa&timeout=30");
    w.discovered(DISCOVERY);
    let (out, state) = w.login(0x71);
    w.digest(&out);
    assert_eq!(error(&w.looks("bcc")), Some("popup_closed"));
    w.now += 2_000;
    let out = w.message(
        Source::Channel,
        ORIGIN,
        &format!("?code=c&state={state}&iss=https%3A%2F%2Fid.example"),
        "",
    );
    assert!(find(&out, "fetch").is_some(), "taken: {out:?}");
    // Another provider, also given by its issuer, that never cut a popup off: a popup the
    // person closes before it showed a page is a cancel (`popup_closed`), as for any provider
    // not seen cutting popups off.
    let mut other = w.another("issuer=https%3A%2F%2Flogin.other.example&client-id=spa&timeout=30");
    let out = other.connect();
    other.answer(
        &out,
        200,
        r#"{"issuer":"https://login.other.example","authorization_endpoint":"https://login.other.example/auth","token_endpoint":"https://login.other.example/token","jwks_uri":"https://login.other.example/jwks"}"#,
    );
    let (out, _) = other.login(0x72);
    other.digest(&out);
    let out = other.looks("bcc");
    assert_eq!(
        error(&out),
        Some("popup_closed"),
        "taken for a provider that cuts popups off (key {:?}): {out:?}",
        other.store.keys(Storage::Local)
    );
}

#[test]
fn a_slow_profile_read_does_not_throw_away_a_granted_token() {
    // The provider answered within the timeout; only the profile read (LinkedIn's preset reads
    // its profile endpoint before reporting the login) is still out at the deadline. "A
    // profile read that fails does not fail the login": the login must not end as `timeout`,
    // its token discarded.
    let mut w = Widget::new(
        "provider=linkedin&client-id=li&authorize-url=https%3A%2F%2Fid.example%2Fa&timeout=30",
    );
    let (_, state) = w.login(0x81);
    w.now = NOW + 25_000;
    let out = w.popup_answer("", &token_hash(&state));
    let profile = find(&out, "fetch").expect("the profile read");
    assert_eq!(profile["url"], "https://api.linkedin.com/v2/userinfo");
    // Control: the same read failing outright before the deadline logs in.
    let mut control = Widget::new(
        "provider=linkedin&client-id=li&authorize-url=https%3A%2F%2Fid.example%2Fa&timeout=30",
    );
    let (_, s2) = control.login(0x82);
    let seq = find(&control.popup_answer("", &token_hash(&s2)), "fetch").unwrap()["seq"]
        .as_u64()
        .unwrap() as u32;
    let failed = control.send(Input::Unreachable {
        seq,
        blocked_by: "".into(),
    });
    assert_eq!(logged_in_with(&failed), Some("t"));
    let out = w.tick_at(NOW + 30_000);
    assert_eq!(
        (error(&out), logged_in_with(&out)),
        (None, Some("t")),
        "{:?}",
        event(&out, "oauth-error")
    );
}

#[test]
fn a_blank_popup_closed_before_the_provider_is_known_ends_the_login() {
    // A click before the discovery document came opens this page's own blank window, which
    // nothing can cut off: its close is the person's, at once, even for a provider known to cut
    // popups off (the login would otherwise wait for the whole timeout).
    for severs in [false, true] {
        let mut w = Widget::new("issuer=https%3A%2F%2Fid.example&client-id=spa");
        if severs {
            let key = format!("{SEVERS_PREFIX}https://id.example");
            w.store.set(Storage::Local, &key, "1");
        }
        let connected = w.connect(); // the document is slow to come
        let (out, _) = w.login(0x91);
        assert_eq!(out[0]["url"], "", "a blank popup, opened within the click");
        w.digest(&out);
        let out = w.looks("bbcc");
        assert_eq!(error(&out), Some("popup_closed"), "severs: {severs}");
        assert_eq!(rendered(&out).0, "cancelled");
        // The document then comes: nothing goes to the closed window.
        let out = w.answer(&connected, 200, DISCOVERY);
        assert_eq!(go_url(&out), None);
    }
}
