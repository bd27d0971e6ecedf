//! The session: where a token is kept and restored, what `fetch()` attaches, logout, expiry and
//! the read-only properties.

use super::*;
use crate::core::contract::Storage;
use crate::core::store::{Store, TOKEN_PREFIX};

fn logged_in(attributes: &str, hash: &str) -> Widget {
    let mut w = Widget::new(attributes);
    let (_, state) = w.login(0x11);
    let mut out = w.popup_answer("", &format!("{hash}&state={state}"));
    // A preset's profile endpoint is read before the login is reported.
    if let Some(fetch) = find(&out, "fetch") {
        let seq = fetch["seq"].as_u64().unwrap() as u32;
        let body = r#"{"id":"7","name":"Fay"}"#.into();
        out = w.send(Input::Answer {
            seq,
            status: 200,
            body,
        });
    }
    assert!(logged_in_with(&out).is_some(), "{out:?}");
    w
}

#[test]
fn a_token_is_stored_under_the_key_and_storage_its_login_started_with() {
    let mut w = Widget::new(&format!("id=main&{IMPLICIT}&storage=local"));
    let (_, state) = w.login(0x11);
    w.update(&format!("id=other&{IMPLICIT}&storage=session"));
    w.popup_answer(
        "",
        &format!("#access_token=t&token_type=bearer&state={state}"),
    );
    assert!(w
        .store
        .get(Storage::Local, &format!("{TOKEN_PREFIX}#main"))
        .is_some());
    assert!(w.store.keys(Storage::Session).is_empty());

    w.store.refuse = true;
    let (_, state) = w.login(0x12);
    let out = w.popup_answer(
        "",
        &format!("#access_token=t2&token_type=bearer&state={state}"),
    );
    assert!(warnings(&out)[0].contains("refused to store the token"));
    assert_eq!(logged_in_with(&out), Some("t2"), "kept in memory");
}

#[test]
fn a_stored_token_is_restored_once_and_a_bad_one_deleted() {
    let attributes = "provider=google&client-id=g&storage=local";
    let mut w = Widget::new(attributes);
    let key = format!("{TOKEN_PREFIX}google:g");
    w.store.set(
        Storage::Local,
        &key,
        "access_token=a&expires_in=&expires_at=&scope=openid",
    );
    let out = w.connect();
    let detail = event(&out, "oauth-login").unwrap();
    assert_eq!(
        (
            detail["restored"].as_bool(),
            detail["provider"].as_str(),
            detail["scope"].clone()
        ),
        (Some(true), Some("google"), serde_json::json!(["openid"]))
    );
    assert_eq!(
        (
            find(&out, "event").unwrap()["later"].as_bool(),
            find(&out, "event").unwrap()["settle"].is_null()
        ),
        (Some(true), true)
    );
    assert!(
        event(&w.connect(), "oauth-login").is_none(),
        "only on the first connect"
    );
    for bad in ["access_token=a&expires_in=&expires_at=5&scope=", "garbage"] {
        let mut w = Widget::new(attributes);
        w.store.set(Storage::Local, &key, bad);
        assert!(event(&w.connect(), "oauth-login").is_none());
        assert!(
            w.store.get(Storage::Local, &key).is_none(),
            "{bad}: deleted"
        );
    }
}

#[test]
fn fetch_attaches_the_token_where_the_providers_api_wants_it() {
    let mut ig = Widget::new(
        "provider=instagram&client-id=ig&authorize-url=https%3A%2F%2Fcompat.example%2Fa",
    );
    let refused = ig.send(Input::Authorize {});
    assert_eq!(
        (names(&refused), refused[0]["detail"]["error"].as_str()),
        (vec!["refuse"], Some("login_required"))
    );
    let (_, state) = ig.login(0x11);
    let out = ig.popup_answer("", &format!("#access_token=igt&state={state}"));
    // Instagram's profile endpoint takes the token in the query too.
    let profile = find(&out, "fetch").unwrap();
    assert_eq!(
        (profile["url"].as_str(), &profile["bearer"]),
        (
            Some("https://graph.instagram.com/me?fields=user_id,username,name,profile_picture_url&access_token=igt"),
            &Value::Null
        )
    );
    let seq = profile["seq"].as_u64().unwrap() as u32;
    let out = ig.reply(seq, 200, r#"{"user_id":"17841","username":"jane.d"}"#);
    assert_eq!(
        event(&out, "oauth-login").unwrap()["profile"]["username"],
        "jane.d"
    );
    assert_eq!(find(&out, "render").unwrap()["label"], "jane.d");
    let attach = ig.send(Input::Authorize {});
    assert_eq!(
        (attach[0]["token"].as_str(), attach[0]["in_query"].as_bool()),
        (Some("igt"), Some(true))
    );
    let mut w = logged_in(IMPLICIT, "#access_token=bt&token_type=bearer");
    let attach = w.send(Input::Authorize {});
    assert_eq!(
        (attach[0]["token"].as_str(), attach[0]["in_query"].as_bool()),
        (Some("bt"), Some(false))
    );
}

#[test]
fn the_token_expires_at_its_time_and_logout_forgets_it() {
    let mut w = logged_in(
        "provider=facebook&client-id=f&storage=session",
        "#access_token=t&expires_in=5",
    );
    assert_eq!(w.store.keys(Storage::Session).len(), 1);
    let props = w.send(Input::Read {});
    assert_eq!(
        (
            props[0]["logged_in"].as_bool(),
            props[0]["expires_at"].as_u64()
        ),
        (Some(true), Some(NOW + 5_000))
    );
    let out = w.tick_at(NOW + 5_000);
    assert_eq!(
        event(&out, "oauth-expired"),
        Some(&serde_json::json!({"provider": "facebook", "error": null}))
    );
    assert_eq!(rendered(&out).0, "expired");
    assert!(w.store.keys(Storage::Session).is_empty());
    let props = w.send(Input::Read {});
    assert_eq!(
        props[0],
        serde_json::json!({"do": 15, "command": "properties", "callbackurl": "http://localhost:8080/app", "access_token": null, "logged_in": false, "expires_at": null, "profile": null, "id_token": null})
    );

    let mut w = logged_in(
        &format!("{IMPLICIT}&storage=local"),
        "#access_token=t&token_type=bearer",
    );
    let out = w.logout(false);
    assert_eq!(
        event(&out, "oauth-logout"),
        Some(&serde_json::json!({"provider": "custom"}))
    );
    let settled = find(&out, "revoked").unwrap();
    assert_eq!(
        (&settled["id"], &settled["revoked"]),
        (&Value::from(1), &Value::Bool(false)),
        "no revocation endpoint"
    );
    assert_eq!(timer(&out), None);
    assert_eq!(rendered(&out).0, "logged-out");
    assert!(w.store.keys(Storage::Local).is_empty());
}

#[test]
fn a_failed_relogin_keeps_the_token_held_and_the_button_logged_in() {
    let mut w = logged_in(IMPLICIT, "#access_token=t1&token_type=bearer");
    w.login(0x22);
    let out = w.popup_answer("", "#access_token=evil&token_type=bearer&state=forged");
    assert_eq!(w.send(Input::Read {})[0]["access_token"], "t1");
    // The button says what `loggedIn` says, and the failure beside it.
    let (state, busy, message) = rendered(&out);
    assert_eq!((state, busy), ("logged-in", false), "{out:?}");
    assert!(
        message.is_some_and(|m| m.starts_with("Login failed: ")),
        "{out:?}"
    );
    let out = w.update(IMPLICIT);
    assert_eq!(
        (
            rendered(&out).0,
            find(&out, "render").unwrap()["label"].as_str()
        ),
        ("logged-in", Some("Logged in"))
    );
    // A cancelled one (the person closed the window) leaves the session as it was: no message.
    let (out, _) = w.login(0x23);
    assert_eq!(rendered(&out).0, "pending");
    let out = w.looks("occ");
    assert_eq!(error(&out), Some("popup_closed"));
    assert_eq!(rendered(&out), ("logged-in", false, None), "{out:?}");
}

#[test]
fn a_removed_element_drops_its_timer() {
    let mut w = logged_in(IMPLICIT, "#access_token=t&token_type=bearer&expires_in=60");
    assert_eq!(names(&w.send(Input::Disconnect {})), ["timer"]);
    assert_eq!(
        timer(&w.connect()),
        Some(60_000),
        "and gets it back when it returns"
    );
}

#[test]
fn what_a_removed_element_started_still_ends() {
    use crate::core::machine::renew::TRY_MAX_MS;
    // A login cancelled while its popup may have been cut off keeps listening until its
    // deadline; then its listener and channel go.
    let mut w = Widget::new(&format!("{IMPLICIT}&timeout=2"));
    w.connect();
    w.login(0x51);
    assert_eq!(error(&w.looks("cc")), Some("popup_closed"));
    assert_eq!(timer(&w.send(Input::Disconnect {})), Some(2_000));
    assert_eq!(names(&w.tick_at(NOW + 2_000))[0], "close");
    // A logout's revocation that never answers settles logout() all the same.
    let mut w = with_refresh_token("&revoke-url=%2Frevoke");
    w.logout(false);
    assert_eq!(timer(&w.send(Input::Disconnect {})), Some(TRY_MAX_MS));
    let out = w.tick_at(w.now + TRY_MAX_MS);
    assert_eq!(find(&out, "revoked").unwrap()["revoked"], false, "{out:?}");
    // A renewal's refresh request that never answers holds the Web Lock until the expiry (its
    // token may have been used: no tab sends it again), then the session ends, as in the
    // document.
    let mut w = with_refresh_token("&storage=local");
    assert_eq!(names(&w.tick_at(NOW + 540_000)), ["lock", "timer"]);
    assert_eq!(names(&w.send(Input::Locked {}))[0], "fetch");
    assert_eq!(timer(&w.send(Input::Disconnect {})), Some(60_000));
    let out = w.tick_at(w.now + 60_000);
    assert_eq!(names(&out)[0], "unlock", "{out:?}");
    assert_eq!(
        event(&out, "oauth-expired").unwrap()["error"],
        "network_error"
    );
    // A Web Lock never granted is given up, and tried for again only when the element is back.
    let mut w = with_refresh_token("&storage=local");
    assert_eq!(names(&w.tick_at(NOW + 540_000)), ["lock", "timer"]);
    assert_eq!(timer(&w.send(Input::Disconnect {})), Some(TRY_MAX_MS));
    let out = w.tick_at(w.now + TRY_MAX_MS);
    assert_eq!(timer(&out), None, "{out:?}");
    let wait = timer(&w.connect()).unwrap();
    assert_eq!(names(&w.tick_at(w.now + wait))[0], "lock");
}

#[test]
fn a_login_under_way_when_its_element_is_removed_still_ends_by_its_deadline() {
    let mut w = Widget::new(&format!("{IMPLICIT}&timeout=2"));
    w.connect();
    w.login(0x51);
    assert_eq!(timer(&w.send(Input::Disconnect {})), Some(2_000));
    let out = w.tick_at(NOW + 2_000);
    assert_eq!(
        names(&out)[0],
        "close",
        "the popup and its listeners go: {out:?}"
    );
    assert_eq!(error(&out), Some("timeout"));
    assert_eq!(
        find(&out, "event").unwrap()["settle"],
        "reject",
        "login() rejects"
    );
}

#[test]
fn another_tabs_new_login_without_a_refresh_token_is_a_login_not_a_renewal() {
    // Plain OAuth, no refresh token: nothing can renew this session. Tab a logs in again (the
    // button "still logs in again, to switch accounts"): tab b must see a login.
    let shared = format!("{IMPLICIT}&storage=local");
    let mut a = logged_in(&shared, "#access_token=alice&token_type=bearer");
    let mut b = a.another(&shared);
    b.connect();
    a.log_in_with(0x22, "access_token=bob&token_type=bearer");
    b.store = a.store.clone();
    let out = b.send(Input::Stored {
        key: format!("{TOKEN_PREFIX}custom:app").into(),
    });
    let fired = fired(&out);
    assert_eq!(
        fired,
        ["oauth-login"],
        "another tab's login reported as a renewal, with no refresh token"
    );
}

#[test]
fn a_stored_session_is_not_restored_for_another_provider_or_client() {
    // Page 1 of the site: an element with id `login`, Facebook, client `f`, logs in.
    let facebook = "id=login&provider=facebook&client-id=f&storage=local";
    let w = logged_in(facebook, "#access_token=fb-token&expires_in=3600");
    // Page 2 of the same site: an element with the same id, another provider and client.
    let mut other = w.another(
        "id=login&client-id=app&authorize-url=https%3A%2F%2Fid.example%2Fauthorize&storage=local",
    );
    let out = other.connect();
    assert_eq!(
        logged_in_with(&out),
        None,
        "Facebook's token restored for a custom provider and another client-id: {:?}",
        event(&out, "oauth-login")
    );
    // Not this element's, so not deleted either: the page's Facebook element still has it.
    let mut back = other.another(facebook);
    assert_eq!(logged_in_with(&back.connect()), Some("fb-token"));
}

#[test]
fn a_stored_session_is_not_restored_for_another_authorization_server() {
    // Without ids: two custom providers with the same client id share the key `custom:app`.
    let a = logged_in(
        &format!("{IMPLICIT}&storage=local"),
        "#access_token=a-token&token_type=bearer",
    );
    let mut b = a.another(
        "client-id=app&authorize-url=https%3A%2F%2Fother.example%2Fauthorize&storage=local",
    );
    assert_eq!(
        logged_in_with(&b.connect()),
        None,
        "id.example's token restored for other.example"
    );
    assert!(b
        .store
        .get(Storage::Local, &format!("{TOKEN_PREFIX}custom:app"))
        .is_some());
}

#[test]
fn an_address_that_reads_as_a_response_does_not_cost_a_renewable_stored_session() {
    // A code login's session with a refresh token, stored; the page is opened again after the
    // access token expired, with `?code=SUMMER24` in its address (a page's own parameter).
    let attributes = format!("{CODE}&storage=local");
    let w = with_refresh_token("&storage=local");
    let mut later = w.another(&attributes);
    later.now = NOW + 700_000;
    later.send(Input::PageLoad {
        path: "/app".into(),
        search: "?code=SUMMER24".into(),
        hash: "".into(),
        opener: false,
        random: vec![7; 8],
    });
    later.send(Input::Relayed {
        taken: false,
        opener: false,
    });
    let out = later.connect();
    assert_eq!(error(&out), Some("state_mismatch"));
    // The session is renewed as on a load without the address: the lock, then the refresh,
    // and the renewed session is reported as restored.
    assert!(
        names(&out).contains(&"lock"),
        "the stored session is neither renewed nor restored: {:?}",
        names(&out)
    );
    let out = later.send(Input::Locked {});
    let out = later.answer(
        &out,
        200,
        r#"{"access_token":"a2","token_type":"bearer","expires_in":600,"refresh_token":"r2"}"#,
    );
    assert_eq!(event(&out, "oauth-login").unwrap()["restored"], true);
}

#[test]
fn another_tabs_logout_reaches_a_shared_session_after_the_storage_attribute_changed() {
    let shared = format!("{IMPLICIT}&storage=local");
    let mut a = logged_in(&shared, "#access_token=t1&token_type=bearer");
    let mut b = a.another(&shared);
    assert_eq!(logged_in_with(&b.connect()), Some("t1"));
    // Tab b's page changes the attribute: it "takes effect for the next login"; the session
    // held is still the shared one, in localStorage.
    b.update(&format!("{IMPLICIT}&storage=session"));
    a.logout(false);
    b.store = a.store.clone();
    let out = b.send(Input::Stored {
        key: format!("{TOKEN_PREFIX}custom:app").into(),
    });
    assert!(
        event(&out, "oauth-logout").is_some(),
        "tab a's logout did not reach tab b: {out:?}"
    );
    assert_eq!(b.send(Input::Read {})[0]["access_token"], Value::Null);
}

#[test]
fn a_new_login_under_another_storage_leaves_no_old_token_in_the_old_one() {
    let mut w = logged_in(
        &format!("{IMPLICIT}&storage=local"),
        "#access_token=old&token_type=bearer",
    );
    // The page switches to memory: nothing is to be stored from now on.
    w.update(&format!("{IMPLICIT}&storage=memory"));
    let (_, state) = w.login(0x21);
    let out = w.popup_answer(
        "",
        &format!("#access_token=new&token_type=bearer&state={state}"),
    );
    assert_eq!(logged_in_with(&out), Some("new"));
    assert_eq!(
        w.store.get(Storage::Local, &format!("{TOKEN_PREFIX}custom:app")),
        None,
        "the replaced session's token stays in localStorage (other tabs, and a later page with storage=local, keep using it)"
    );
}

#[test]
fn a_memory_elements_logout_leaves_a_shared_session_alone() {
    // Tab 1: a page whose element keeps its session in localStorage.
    let shared = logged_in(
        "provider=facebook&client-id=f&storage=local",
        "#access_token=shared&expires_in=3600",
    );
    // Tab 2: another page of the site, same provider and client, storage="memory" (the
    // default): "with session or memory storage each tab keeps its own session".
    let mut mine = shared.another("provider=facebook&client-id=f");
    mine.connect();
    mine.logout(false);
    assert!(
        mine.store
            .get(Storage::Local, &format!("{TOKEN_PREFIX}facebook:f"))
            .is_some(),
        "a memory element's logout deleted tab 1's shared session"
    );
}

#[test]
fn a_logout_on_an_element_with_other_settings_leaves_the_record_it_did_not_grant() {
    // As a_stored_session_is_not_restored_for_another_provider_or_client, then logout() on the
    // element that neither restored nor holds it.
    let facebook = "id=login&provider=facebook&client-id=f&storage=local";
    let w = logged_in(facebook, "#access_token=fb-token&expires_in=3600");
    let mut other = w.another(
        "id=login&client-id=app&authorize-url=https%3A%2F%2Fid.example%2Fauthorize&storage=local",
    );
    assert_eq!(logged_in_with(&other.connect()), None);
    other.logout(false);
    assert!(
        other
            .store
            .get(Storage::Local, &format!("{TOKEN_PREFIX}#login"))
            .is_some(),
        "the Facebook element's session, deleted by another client's logout()"
    );
}

#[test]
fn a_stored_session_is_restored_once_settings_set_after_connecting_complete_them() {
    // A page (or a framework binding its attributes after mounting) that inserts the element
    // first and gives it its client-id after: the session stored on an earlier visit is restored
    // then, as it would be had the client-id been there at the connection.
    let attributes = "provider=google&client-id=g&storage=local";
    let mut w = Widget::new("provider=google&storage=local");
    w.store.set(
        Storage::Local,
        &format!("{TOKEN_PREFIX}google:g"),
        "access_token=a&expires_in=&expires_at=&scope=openid",
    );
    assert!(
        event(&w.connect(), "oauth-login").is_none(),
        "not set up yet"
    );
    let out = w.update(attributes);
    let detail = event(&out, "oauth-login").unwrap_or_else(|| panic!("{out:?}"));
    assert_eq!(detail["restored"].as_bool(), Some(true));
    assert_eq!(rendered(&out).0, "logged-in");
    assert!(
        event(&w.update(&format!("{attributes}&label=Go")), "oauth-login").is_none(),
        "once"
    );
}
