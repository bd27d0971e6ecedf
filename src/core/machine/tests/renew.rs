//! Staying logged in: the refresh token renews the session before it expires (under a Web Lock
//! where tabs share it), refusals and unreachable endpoints end it, other tabs' changes reach
//! this one, and logout revokes and may end the provider's session.

use super::*;
use crate::core::contract::Storage;
use crate::core::machine::renew::TRY_MAX_MS;
use crate::core::oauth::form::Params;
use crate::core::store::{Store, LOGOUT_KEY, TOKEN_PREFIX};

/// The form fields of the last `fetch` of `out`.
fn sent(out: &[Value]) -> Params {
    let fetch = find(out, "fetch").unwrap_or_else(|| panic!("no fetch: {out:?}"));
    Params::parse(fetch["body"].as_str().unwrap()).unwrap()
}

fn answer(access: &str, refresh: Option<&str>) -> String {
    let refresh = refresh.map_or(String::new(), |r| format!(r#","refresh_token":"{r}""#));
    format!(r#"{{"access_token":"{access}","token_type":"bearer","expires_in":600{refresh}}}"#)
}

#[test]
fn the_session_is_renewed_before_it_expires_and_the_rotated_token_is_used_next() {
    let mut w = with_refresh_token("");
    assert!(w
        .tick_at(NOW + 539_999)
        .iter()
        .all(|c| c["command"] != "fetch"));
    let out = w.tick_at(NOW + 540_000);
    let fetch = find(&out, "fetch").unwrap();
    assert_eq!(fetch["url"], "https://id.example/token");
    let body = sent(&out);
    assert_eq!(
        (
            body.get("grant_type"),
            body.get("refresh_token"),
            body.get("client_id"),
            body.get("client_secret")
        ),
        (Some("refresh_token"), Some("r1"), Some("spa"), None)
    );
    let out = w.answer(&out, 200, &answer("a2", Some("r2")));
    let detail = event(&out, "oauth-renewed").unwrap_or_else(|| panic!("{out:?}"));
    assert_eq!(
        (&detail["accessToken"], &detail["restored"]),
        (&Value::from("a2"), &Value::Bool(false))
    );
    assert_eq!(w.send(Input::Read {})[0]["access_token"], "a2");
    // The next renewal sends the rotated refresh token; an answer without one keeps it.
    let out = w.tick_at(NOW + 540_000 + 540_000);
    assert_eq!(sent(&out).get("refresh_token"), Some("r2"));
    w.answer(&out, 200, &answer("a3", None));
    let out = w.tick_at(NOW + 3 * 540_000);
    assert_eq!(sent(&out).get("refresh_token"), Some("r2"));
}

#[test]
fn a_renewed_token_the_browser_refuses_to_store_is_kept_in_memory_and_said() {
    let mut w = with_refresh_token("&storage=session");
    w.store.refuse = true;
    let out = w.tick_at(NOW + 540_000);
    let out = w.answer(&out, 200, &answer("a2", Some("r2")));
    assert_eq!(
        warnings(&out),
        ["<oauth-login>: the browser refused to store the token; it is kept in memory only"]
    );
    assert_eq!(event(&out, "oauth-renewed").unwrap()["accessToken"], "a2");
}

#[test]
fn a_refused_renewal_ends_the_session_with_its_error_here_and_in_the_other_tabs() {
    let mut w = with_refresh_token("&storage=local&revoke-url=%2Frevoke");
    let mut b = w.another(&format!("{CODE}&storage=local&revoke-url=%2Frevoke"));
    assert_eq!(logged_in_with(&b.connect()), Some("a1"));
    let out = w.tick_at(NOW + 540_000);
    assert_eq!(
        find(&out, "lock").unwrap()["name"],
        "oauth-prefab:renew:custom:spa"
    );
    let out = w.send(Input::Locked {});
    assert!(find(&out, "fetch").is_some());
    let out = w.answer(
        &out,
        400,
        r#"{"error":"invalid_grant","error_description":"reused"}"#,
    );
    assert_eq!(names(&out)[0], "unlock");
    assert_eq!(
        event(&out, "oauth-expired"),
        Some(&serde_json::json!({"provider": "custom", "error": "invalid_grant"}))
    );
    let key = format!("{TOKEN_PREFIX}custom:spa");
    assert_eq!(
        w.store.get(Storage::Local, &key).as_deref(),
        Some("ended=invalid_grant"),
        "the tokens are forgotten; the record says why, for the other tabs"
    );
    assert_eq!(rendered(&out).0, "expired");
    assert_eq!(timer(&out), None, "nothing is left to wait for: {out:?}");
    // This page hears its own write (its other elements do): no change, the button still says
    // why the session ended.
    assert_eq!(
        w.send(Input::Stored {
            key: key.clone().into()
        }),
        Vec::<Value>::new()
    );
    assert_eq!(
        rendered(&w.update(&format!("{CODE}&storage=local&revoke-url=%2Frevoke"))).0,
        "expired"
    );
    // The other tab reports the same end, not a logout.
    b.store = w.store.clone();
    let out = b.send(Input::Stored { key: key.into() });
    assert_eq!(
        event(&out, "oauth-expired"),
        Some(&serde_json::json!({"provider": "custom", "error": "invalid_grant"}))
    );
    assert!(event(&out, "oauth-logout").is_none());
    assert_eq!(rendered(&out).0, "expired");
    assert_eq!(b.send(Input::Read {})[0]["logged_in"], false);
    // A page loaded later restores nothing from it, and clears it.
    let mut c = w.another(&format!("{CODE}&storage=local"));
    assert!(logged_in_with(&c.connect()).is_none());
    assert!(c.store.keys(Storage::Local).is_empty());
}

#[test]
fn a_session_that_ran_out_with_nothing_to_renew_with_ends_in_every_tab_with_a_null_error() {
    let mut a = Widget::new(&format!("{IMPLICIT}&storage=local"));
    let mut b = a.another(&format!("{IMPLICIT}&storage=local"));
    a.log_in_with(0x41, "access_token=t1&token_type=bearer&expires_in=60");
    b.store = a.store.clone();
    assert_eq!(logged_in_with(&b.connect()), Some("t1"));
    let out = a.tick_at(NOW + 60_000);
    let ended = serde_json::json!({"provider": "custom", "error": null});
    assert_eq!(event(&out, "oauth-expired"), Some(&ended));
    b.store = a.store.clone();
    let key = format!("{TOKEN_PREFIX}custom:app");
    assert_eq!(
        event(&b.send(Input::Stored { key: key.into() }), "oauth-expired"),
        Some(&ended)
    );
}

#[test]
fn an_unreachable_token_endpoint_is_retried_with_backoff_until_the_expiry() {
    let mut w = with_refresh_token("");
    let mut out = w.tick_at(NOW + 540_000);
    let mut waits = Vec::new();
    loop {
        let seq = find(&out, "fetch").unwrap()["seq"].as_u64().unwrap() as u32;
        out = w.send(Input::Unreachable {
            seq,
            blocked_by: "".into(),
        });
        if let Some(ended) = event(&out, "oauth-expired") {
            assert_eq!(ended["error"], "network_error");
            break;
        }
        let wait = timer(&out).unwrap();
        waits.push(wait);
        out = w.tick_at(w.now + wait);
        // A 503 is tried again too, and so is a 429 (a gateway's rate limit).
        if waits.len() == 2 || waits.len() == 4 {
            let status = if waits.len() == 2 { 503 } else { 429 };
            out = w.answer(&out, status, "<html>busy</html>");
            waits.push(timer(&out).unwrap());
            out = w.tick_at(w.now + waits[waits.len() - 1]);
        }
    }
    // 1, 2, 4 (the 503), 8, 16 (the 429), then one last try in the final 2 s of the 60 s left.
    assert_eq!(waits, [1_000, 2_000, 4_000, 8_000, 16_000, 27_000]);
    assert_eq!(w.now, NOW + 598_000);
}

#[test]
fn a_tab_that_waited_for_the_lock_takes_the_other_tabs_renewal() {
    let mut a = with_refresh_token("&storage=local");
    let mut b = a.another(&format!("{CODE}&storage=local"));
    let out = b.connect();
    assert_eq!(
        logged_in_with(&out),
        Some("a1"),
        "restored in the second tab"
    );
    let lock = find(&a.tick_at(NOW + 540_000), "lock").unwrap().clone();
    assert_eq!(lock["name"], "oauth-prefab:renew:custom:spa");
    let b_lock = b.tick_at(NOW + 540_000);
    assert!(
        find(&b_lock, "lock").is_some(),
        "both want it; the browser grants one"
    );
    let out = a.send(Input::Locked {});
    let out = a.answer(&out, 200, &answer("a2", Some("r2")));
    // The rotated token is written before the lock goes.
    assert_eq!(names(&out)[0], "unlock");
    assert!(a
        .store
        .get(Storage::Local, &format!("{TOKEN_PREFIX}custom:spa"))
        .unwrap()
        .contains("r2"));
    b.store = a.store.clone();
    let out = b.send(Input::Locked {});
    assert!(
        find(&out, "fetch").is_none(),
        "the used refresh token is never sent again"
    );
    assert_eq!(names(&out)[0], "unlock");
    assert_eq!(event(&out, "oauth-renewed").unwrap()["accessToken"], "a2");
    // A tab that heard of the renewal while waiting for the lock sends nothing either.
    let mut c = a.another(&format!("{CODE}&storage=local"));
    c.store = b_store_before_renewal(&a);
    c.connect();
    c.tick_at(NOW + 540_000);
    c.store = a.store.clone();
    let key = format!("{TOKEN_PREFIX}custom:spa");
    assert_eq!(
        event(&c.send(Input::Stored { key: key.into() }), "oauth-renewed").unwrap()["accessToken"],
        "a2"
    );
    let out = c.send(Input::Locked {});
    assert_eq!(names(&out), ["unlock"]);
}

/// `a`'s storage as it was before its renewal: its session with the first tokens.
fn b_store_before_renewal(a: &Widget) -> crate::core::store::MemoryStore {
    let mut store = a.store.clone();
    let key = format!("{TOKEN_PREFIX}custom:spa");
    let record = store.get(Storage::Local, &key).unwrap();
    store.set(
        Storage::Local,
        &key,
        &record
            .replace("a2", "a1")
            .replace("r2", "r1")
            .replace("1700001140000", "1700000600000"),
    );
    store
}

#[test]
fn other_tabs_logins_renewals_and_logouts_reach_this_one() {
    let mut a = Widget::new(&format!("{IMPLICIT}&storage=local"));
    let mut b = a.another(&format!("{IMPLICIT}&storage=local"));
    assert!(event(&b.connect(), "oauth-login").is_none());
    a.log_in_with(0x41, "access_token=t1&token_type=bearer");
    b.store = a.store.clone();
    let key = format!("{TOKEN_PREFIX}custom:app");
    let out = b.send(Input::Stored {
        key: key.clone().into(),
    });
    assert_eq!(event(&out, "oauth-login").unwrap()["restored"], true);
    assert!(
        b.send(Input::Stored {
            key: key.clone().into()
        })
        .is_empty(),
        "nothing new"
    );
    assert!(b
        .send(Input::Stored {
            key: "other".into()
        })
        .is_empty());
    a.log_in_with(0x42, "access_token=t2&token_type=bearer");
    b.store = a.store.clone();
    // A new login, not a renewal: `oauth-renewed` is a renewal with a refresh token (the
    // contract), and this session has none. With no subject known, the new token may well be
    // another account's.
    let out = b.send(Input::Stored {
        key: key.clone().into(),
    });
    let login = event(&out, "oauth-login").unwrap();
    assert_eq!(
        (&login["accessToken"], &login["restored"]),
        (&"t2".into(), &true.into())
    );
    assert!(event(&out, "oauth-renewed").is_none());
    a.logout(false);
    b.store = a.store.clone();
    let out = b.send(Input::Stored { key: "".into() });
    assert_eq!(
        event(&out, "oauth-logout"),
        Some(&serde_json::json!({"provider": "custom"}))
    );
    assert_eq!(b.send(Input::Read {})[0]["logged_in"], false);
}

#[test]
fn logout_revokes_both_tokens_and_settles_with_whether_both_were() {
    for (statuses, revoked) in [([200, 200], true), ([200, 503], false)] {
        let mut w = with_refresh_token("&revoke-url=%2Frevoke&storage=session");
        let out = w.logout(false);
        assert!(
            w.store.keys(Storage::Session).is_empty(),
            "forgotten at once"
        );
        assert_eq!(names(&out).last(), Some(&"event"));
        let fetches: Vec<&Value> = out.iter().filter(|c| c["command"] == "fetch").collect();
        assert_eq!(fetches.len(), 2);
        let bodies: Vec<Params> = fetches
            .iter()
            .map(|f| Params::parse(f["body"].as_str().unwrap()).unwrap())
            .collect();
        assert_eq!(fetches[0]["url"], "http://localhost:8080/revoke");
        assert_eq!(
            (
                bodies[0].get("token"),
                bodies[0].get("token_type_hint"),
                bodies[0].get("client_id")
            ),
            (Some("r1"), Some("refresh_token"), Some("spa"))
        );
        assert_eq!(
            (bodies[1].get("token"), bodies[1].get("token_type_hint")),
            (Some("a1"), Some("access_token"))
        );
        let first = w.reply(fetches[0]["seq"].as_u64().unwrap() as u32, statuses[0], "");
        assert!(find(&first, "revoked").is_none(), "one answer is not both");
        let last = w.reply(fetches[1]["seq"].as_u64().unwrap() as u32, statuses[1], "");
        assert_eq!(find(&last, "revoked").unwrap()["revoked"], revoked);
    }
    let mut w = with_refresh_token("&revoke-url=none");
    let out = w.logout(false);
    assert!(find(&out, "fetch").is_none());
    assert_eq!(find(&out, "revoked").unwrap()["revoked"], false);
}

#[test]
fn logout_with_end_session_goes_to_the_provider_and_the_page_it_returns_to_is_cleaned() {
    let attributes = "issuer=https%3A%2F%2Fid.example&client-id=spa&scope=openid&revoke-url=none";
    let mut w = Widget::new(attributes);
    w.discovered(&with_end_session());
    let out = w.logout(true);
    let (url, popup) = go_url(&out).unwrap();
    assert!(!popup);
    let (base, query) = url.split_once('?').unwrap();
    assert_eq!(base, "https://id.example/logout");
    let p = Params::parse(query).unwrap();
    let state = "e5".repeat(16);
    assert_eq!(
        (
            p.get("client_id"),
            p.get("post_logout_redirect_uri"),
            p.get("state")
        ),
        (
            Some("spa"),
            Some("http://localhost:8080/app"),
            Some(state.as_str())
        )
    );
    assert_eq!(
        w.store.get(Storage::Session, LOGOUT_KEY),
        Some(state.clone())
    );
    // The provider sends the tab back with the state: it leaves the address, nothing else.
    let mut back = w.another(attributes);
    let out = back.send(Input::PageLoad {
        path: "/app".into(),
        search: format!("?tab=2&state={state}").into(),
        hash: "".into(),
        opener: false,
        random: vec![1; 16],
    });
    assert_eq!(names(&out), ["clean"]);
    assert_eq!(out[0]["url"], "/app?tab=2");
    assert_eq!(back.store.get(Storage::Session, LOGOUT_KEY), None);
    // Without an end_session_endpoint, the console says so and the tab stays.
    let mut w = Widget::new(attributes);
    w.discovered(DISCOVERY);
    let out = w.logout(true);
    assert!(go_url(&out).is_none());
    assert!(warnings(&out)[0].contains("no end_session_endpoint"));
}

#[test]
fn a_stored_session_with_an_expired_token_is_renewed_then_restored() {
    let w = with_refresh_token("&storage=local");
    let mut later = w.another(&format!("{CODE}&storage=local"));
    later.now = NOW + 700_000;
    let out = later.connect();
    assert!(event(&out, "oauth-login").is_none());
    let out = later.send(Input::Locked {});
    assert_eq!(sent(&out).get("refresh_token"), Some("r1"));
    let out = later.answer(&out, 200, &answer("a9", Some("r9")));
    let detail = event(&out, "oauth-login").unwrap();
    assert_eq!(
        (&detail["accessToken"], &detail["restored"]),
        (&Value::from("a9"), &Value::Bool(true))
    );
}

#[test]
fn an_id_token_a_renewal_brings_is_exposed_only_if_it_was_verified_as_at_a_login() {
    // `openid` without issuer: nothing can verify an id_token, so none is ever exposed.
    let mut w = with_refresh_token("&scope=openid");
    let out = w.tick_at(NOW + 540_000);
    let unverified = r#"{"access_token":"a2","token_type":"bearer","expires_in":600,"id_token":"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."}"#;
    let out = w.answer(&out, 200, unverified);
    let detail = event(&out, "oauth-renewed").unwrap_or_else(|| panic!("{out:?}"));
    assert_eq!(
        (
            &detail["accessToken"],
            &detail["idToken"],
            &detail["claims"]
        ),
        (&Value::from("a2"), &Value::Null, &Value::Null)
    );
    assert_eq!(w.send(Input::Read {})[0]["id_token"], Value::Null);
}

#[test]
fn a_renewal_answer_with_a_user_object_hands_it_on_as_a_login_answer_does() {
    let mut w = with_refresh_token("");
    let out = w.tick_at(NOW + 540_000);
    let with_user = r#"{"access_token":"a2","token_type":"bearer","expires_in":600,"user":{"id":"17","username":"ada"}}"#;
    let out = w.answer(&out, 200, with_user);
    let detail = event(&out, "oauth-renewed").unwrap_or_else(|| panic!("{out:?}"));
    assert_eq!(
        detail["user"],
        serde_json::json!({"id": "17", "username": "ada"})
    );
    let out = w.tick_at(NOW + 2 * 540_000);
    let out = w.answer(&out, 200, &answer("a3", None));
    assert_eq!(event(&out, "oauth-renewed").unwrap()["user"], Value::Null);
}

#[test]
fn a_tab_that_slept_past_the_expiry_renews_as_a_restore_would() {
    // The lid closed before the renewal was due and opened after the expiry (or a background
    // tab whose timers the browser held back): the refresh token is still good, and a reload
    // of this very page would renew it.
    let mut w = with_refresh_token("&storage=local");
    let out = w.tick_at(NOW + 600_001);
    assert!(event(&out, "oauth-expired").is_none(), "{out:?}");
    assert!(find(&out, "lock").is_some(), "{out:?}");
    let out = w.send(Input::Locked {});
    assert_eq!(sent(&out).get("refresh_token"), Some("r1"));
    let out = w.answer(&out, 200, &answer("a2", Some("r2")));
    assert_eq!(event(&out, "oauth-renewed").unwrap()["accessToken"], "a2");
    // Without a refresh token, a session found expired is over.
    let mut w = Widget::new(IMPLICIT);
    let (_, state) = w.login(0x41);
    let hash = format!("#access_token=t&token_type=bearer&expires_in=60&state={state}");
    assert_eq!(logged_in_with(&w.popup_answer("", &hash)), Some("t"));
    let out = w.tick_at(NOW + 60_001);
    assert_eq!(
        event(&out, "oauth-expired"),
        Some(&serde_json::json!({"provider": "custom", "error": null}))
    );
}

#[test]
fn a_session_restored_expired_is_reported_as_a_login_even_if_another_tab_renewed_it() {
    // Two tabs of a site reopened together (the browser restores them): both find the expired
    // session, one renews it, the other takes its result.
    let w = with_refresh_token("&storage=local");
    let mut a = w.another(&format!("{CODE}&storage=local"));
    let mut b = w.another(&format!("{CODE}&storage=local"));
    a.now = NOW + 700_000;
    b.now = NOW + 700_000;
    assert!(find(&a.connect(), "lock").is_some());
    assert!(find(&b.connect(), "lock").is_some());
    let out = a.send(Input::Locked {});
    let out = a.answer(&out, 200, &answer("a9", Some("r9")));
    assert_eq!(event(&out, "oauth-login").unwrap()["restored"], true);
    // b gets the lock after a let it go, and takes a's result.
    b.store = a.store.clone();
    let out = b.send(Input::Locked {});
    assert!(find(&out, "fetch").is_none());
    let fired = fired(&out);
    assert_eq!(
        event(&out, "oauth-login").map(|d| &d["restored"]),
        Some(&Value::Bool(true)),
        "b restores the session as a does; it fired {fired:?}"
    );
}

/// An element given nothing but `issuer` (the token endpoint is the discovered one), over a
/// stored session whose token expired 100 s ago, not yet connected.
fn discovered_only_and_expired() -> Widget {
    let mut w = discovered_only_with_session();
    w.now = NOW + 700_000;
    w
}

#[test]
fn a_restore_of_an_expired_session_waits_for_the_discovered_token_endpoint() {
    let mut w = discovered_only_and_expired();
    let out = w.connect();
    assert!(event(&out, "oauth-expired").is_none(), "{out:?}");
    assert_eq!(
        find(&out, "fetch").unwrap()["url"],
        "https://id.example/.well-known/openid-configuration"
    );
    assert_eq!(timer(&out), Some(50), "it looks again for the document");
    let out = w.answer(&out, 200, DISCOVERY);
    assert!(find(&out, "fetch").is_none(), "{out:?}");
    let out = w.tick_at(NOW + 700_050);
    assert_eq!(
        find(&out, "fetch").unwrap()["url"],
        "https://id.example/token"
    );
    let out = w.answer(&out, 200, &answer("a2", Some("r2")));
    assert_eq!(event(&out, "oauth-login").unwrap()["restored"], true);
}

#[test]
fn a_refresh_request_that_never_answers_holds_the_lock_until_the_expiry_then_ends_the_session() {
    let mut w = with_refresh_token("&storage=local&revoke-url=%2Frevoke");
    w.tick_at(NOW + 540_000);
    let refresh = w.send(Input::Locked {});
    assert!(find(&refresh, "fetch").is_some(), "sent; the lock is held");
    // The token endpoint never answers (a fetch has no timeout of its own). It may have used r1
    // all the same: r1 is not sent again, and the lock (another tab would send it) is held, until
    // the expiry; then the session ends and the lock goes.
    assert_eq!(timer(&refresh), Some(60_000), "the expiry");
    let out = w.tick_at(NOW + 600_000);
    assert_eq!(names(&out)[0], "unlock", "{out:?}");
    assert_eq!(
        event(&out, "oauth-expired"),
        Some(&serde_json::json!({"provider": "custom", "error": "network_error"}))
    );
    // Its answer, if it still comes, brings a live refresh token: revoked, not kept.
    assert_eq!(timer(&out), Some(TRY_MAX_MS), "{out:?}");
    let late = w.answer(&refresh, 200, &answer("a2", Some("r2")));
    assert_eq!(revoked_tokens(&late), ["r2", "a2"], "{late:?}");
    assert!(event(&late, "oauth-renewed").is_none());
    // Past the expiry (the tab slept through the renewal): one try, whose deadline, not the past
    // expiry, is the timer (which would fire at once, again and again).
    let mut w = with_refresh_token("&storage=local");
    let out = w.tick_at(NOW + 600_001);
    assert!(find(&out, "lock").is_some(), "{out:?}");
    assert_eq!(timer(&out), Some(TRY_MAX_MS));
    let out = w.send(Input::Locked {});
    assert!(find(&out, "fetch").is_some(), "{out:?}");
    assert_eq!(timer(&out), Some(TRY_MAX_MS));
    assert!(w
        .tick_at(NOW + 610_000)
        .iter()
        .all(|c| c["command"] != "event"));
    // Unanswered: the session ends, and the lock goes.
    let out = w.tick_at(NOW + 600_001 + TRY_MAX_MS);
    assert_eq!(names(&out)[0], "unlock", "{out:?}");
    assert_eq!(
        event(&out, "oauth-expired"),
        Some(&serde_json::json!({"provider": "custom", "error": "network_error"}))
    );
    assert_eq!(timer(&out), None);
}

#[test]
fn every_logout_promise_settles_even_when_two_revocations_overlap() {
    let mut w = with_refresh_token("&revoke-url=%2Frevoke");
    // logout() #1: its two revocation requests are still out (a slow endpoint)...
    let first = w.send(Input::Logout {
        end_session: false,
        id: 1,
        random: vec![0xe5; 16],
    });
    let first_fetches: Vec<u32> = first
        .iter()
        .filter(|c| c["command"] == "fetch")
        .map(|c| c["seq"].as_u64().unwrap() as u32)
        .collect();
    assert_eq!(first_fetches.len(), 2);
    // ...when the person logs in again and logs out again (logout() #2).
    let seq = w.code_returned(0x32);
    w.answer(
        &[serde_json::json!({"command": "fetch", "seq": seq})],
        200,
        &answer("b1", Some("s1")),
    );
    let second = w.send(Input::Logout {
        end_session: false,
        id: 2,
        random: vec![0xe6; 16],
    });
    let mut settled: Vec<u64> = Vec::new();
    let fetches = second
        .iter()
        .filter(|c| c["command"] == "fetch")
        .map(|c| c["seq"].as_u64().unwrap() as u32)
        .chain(first_fetches);
    for seq in fetches.collect::<Vec<_>>() {
        let out = w.reply(seq, 200, "");
        settled.extend(
            out.iter()
                .filter(|c| c["command"] == "revoked")
                .map(|c| c["id"].as_u64().unwrap()),
        );
    }
    settled.sort();
    assert_eq!(
        settled,
        [1, 2],
        "every revocation answered, yet only these promises settled"
    );
}

#[test]
fn a_session_kept_in_memory_because_local_storage_refused_it_is_renewed_as_with_session() {
    // As a_renewed_token_the_browser_refuses_to_store_is_kept_in_memory_and_said, with
    // storage="local": the browser refused the login's write (storage blocked, quota).
    let mut w = Widget::new(&format!("{CODE}&storage=local"));
    w.store.refuse = true;
    let seq = w.code_returned(0x31);
    let out = w.reply(seq, 200, &answer("a1", Some("r1")));
    assert!(warnings(&out)[0].contains("kept in memory only"));
    assert_eq!(logged_in_with(&out), Some("a1"));
    w.tick_at(NOW + 540_000);
    let out = w.send(Input::Locked {});
    assert!(
        event(&out, "oauth-logout").is_none(),
        "nobody logged out: {out:?}"
    );
    assert_eq!(sent(&out).get("refresh_token"), Some("r1"));
}

#[test]
fn a_revocation_that_never_answers_settles_logout_as_not_revoked_and_ends_the_session() {
    // README "Logout": `{ revoked: false }` for no answer too; `endSession` then leaves.
    let attributes = "issuer=https%3A%2F%2Fid.example&client-id=spa&scope=openid&response-type=token&userinfo-url=none&revoke-url=%2Frevoke";
    let mut w = Widget::new(attributes);
    w.discovered(&with_end_session());
    // A session to revoke (plain implicit: `openid` with `token` stays OAuth).
    let (_, state) = w.login(0x44);
    w.popup_answer(
        "",
        &format!("#access_token=a1&token_type=bearer&expires_in=600&state={state}&iss=https%3A%2F%2Fid.example"),
    );
    assert_eq!(w.send(Input::Read {})[0]["logged_in"], true);
    let out = w.logout(true);
    assert_eq!(revoked_tokens(&out), ["a1"]);
    // The revocation endpoint never answers: the timer gives it up after TRY_MAX_MS.
    assert_eq!(timer(&out), Some(TRY_MAX_MS), "{out:?}");
    let late = w.tick_at(w.now + TRY_MAX_MS - 1);
    assert!(find(&late, "revoked").is_none(), "{late:?}");
    let given_up = w.tick_at(w.now + 1);
    assert_eq!(
        find(&given_up, "revoked").unwrap()["revoked"],
        false,
        "{given_up:?}"
    );
    assert!(go_url(&given_up).is_some(), "{given_up:?}");
    // Its answer, after all, changes nothing.
    let late = w.answer(&out, 200, "");
    assert!(
        find(&late, "revoked").is_none() && go_url(&late).is_none(),
        "{late:?}"
    );
}

#[test]
fn a_logout_during_a_refresh_request_revokes_the_tokens_its_answer_brings() {
    // The refresh request out at the logout brings a rotated refresh token r2, live at the
    // provider: it is revoked with its access token, never kept, and the promise waits for them.
    let mut w = with_refresh_token("&revoke-url=%2Frevoke&storage=session");
    let refresh = w.tick_at(NOW + 540_000);
    assert_eq!(sent(&refresh).get("refresh_token"), Some("r1"));
    let out = w.logout(false);
    assert_eq!(revoked_tokens(&out), ["r1", "a1"]);
    for fetch in out.iter().filter(|c| c["command"] == "fetch") {
        let answered = w.answer(std::slice::from_ref(fetch), 200, "");
        assert!(find(&answered, "revoked").is_none(), "{answered:?}");
    }
    let late = w.answer(&refresh, 200, &answer("a2", Some("r2")));
    assert!(
        w.store.keys(Storage::Session).is_empty() && event(&late, "oauth-renewed").is_none(),
        "not kept: {late:?}"
    );
    assert_eq!(revoked_tokens(&late), ["r2", "a2"]);
    let settled: Vec<Vec<Value>> = late
        .iter()
        .filter(|c| c["command"] == "fetch")
        .map(|fetch| w.answer(std::slice::from_ref(fetch), 200, ""))
        .collect();
    assert!(find(&settled[0], "revoked").is_none(), "{settled:?}");
    assert_eq!(find(&settled[1], "revoked").unwrap()["revoked"], true);
}

#[test]
fn a_refresh_answer_later_than_the_logouts_try_is_still_revoked() {
    // The logout settles unrevoked at TRY_MAX_MS; the refresh request, which has no timeout of
    // its own, is still awaited (without a timer), and the tokens it brings are revoked.
    let mut w = with_refresh_token("&revoke-url=%2Frevoke&storage=session");
    let refresh = w.tick_at(NOW + 540_000);
    let out = w.logout(false);
    assert_eq!(revoked_tokens(&out), ["r1", "a1"]);
    let given_up = w.tick_at(w.now + TRY_MAX_MS);
    assert_eq!(find(&given_up, "revoked").unwrap()["revoked"], false);
    assert_eq!(timer(&given_up), None, "{given_up:?}");
    w.now += 600_000;
    let late = w.answer(&refresh, 200, &answer("a2", Some("r2")));
    assert!(
        w.store.keys(Storage::Session).is_empty() && event(&late, "oauth-renewed").is_none(),
        "not kept: {late:?}"
    );
    assert_eq!(revoked_tokens(&late), ["r2", "a2"]);
    assert!(find(&late, "revoked").is_none(), "settled once: {late:?}");
    // Nothing awaits those revocations' answers: they change nothing.
    for fetch in late.iter().filter(|c| c["command"] == "fetch") {
        let answered = w.answer(std::slice::from_ref(fetch), 200, "");
        assert!(find(&answered, "revoked").is_none(), "{answered:?}");
    }
    // So too for a session that ended at its expiry with the refresh request out.
    let mut w = with_refresh_token("&revoke-url=%2Frevoke&storage=session");
    let refresh = w.tick_at(NOW + 540_000);
    let ended = w.tick_at(NOW + 600_000);
    assert!(event(&ended, "oauth-expired").is_some(), "{ended:?}");
    assert_eq!(timer(&w.tick_at(NOW + 600_000 + TRY_MAX_MS)), None);
    let late = w.answer(&refresh, 200, &answer("a2", Some("r2")));
    assert_eq!(revoked_tokens(&late), ["r2", "a2"], "{late:?}");
}

/// The discovery document, with an `end_session_endpoint`.
fn with_end_session() -> String {
    DISCOVERY.replace(
        '}',
        r#","end_session_endpoint":"https://id.example/logout"}"#,
    )
}

/// A widget finding a session stored by an earlier version: its record has no `by` (README: "a record without
/// `by` (an earlier version's) is restored as before").
fn with_legacy_record() -> Widget {
    let w = with_refresh_token("&storage=local");
    let key = format!("{TOKEN_PREFIX}custom:spa");
    let record = w.store.get(Storage::Local, &key).unwrap();
    let (legacy, by) = record.split_once("&by=").expect("by is the last field");
    assert!(!by.contains('&'));
    let mut b = w.another(&format!("{CODE}&storage=local"));
    b.store.set(Storage::Local, &key, legacy);
    b
}

#[test]
fn a_session_restored_from_a_record_without_by_is_renewed_when_due() {
    let mut b = with_legacy_record();
    assert_eq!(logged_in_with(&b.connect()), Some("a1"));
    assert!(find(&b.tick_at(NOW + 540_000), "lock").is_some());
    let out = b.send(Input::Locked {});
    assert!(
        find(&out, "fetch").is_some(),
        "no refresh sent under the lock; it fired {:?} with token {:?}, timer {:?}",
        fired(&out),
        event(&out, "oauth-renewed").map(|d| &d["accessToken"]),
        timer(&out)
    );
}

#[test]
fn an_expired_session_restored_from_a_record_without_by_is_renewed_not_logged_out() {
    let mut b = with_legacy_record();
    b.now = NOW + 700_000;
    assert!(find(&b.connect(), "lock").is_some());
    let out = b.send(Input::Locked {});
    assert!(
        find(&out, "fetch").is_some(),
        "no refresh sent; it fired {:?}",
        fired(&out)
    );
}

#[test]
fn a_restore_whose_try_ran_out_while_removed_is_still_reported_as_the_restore() {
    // README: an expired stored session "is renewed when the element connects, then restored
    // (`oauth-login`, restored: true)"; a removed element's try is dropped and "Back in the
    // document, it renews again".
    let w = with_refresh_token("&storage=local");
    let mut later = w.another(&format!("{CODE}&storage=local"));
    later.now = NOW + 700_000;
    assert!(find(&later.connect(), "lock").is_some());
    later.send(Input::Disconnect {});
    // The lock is not granted within the try's time (another tab holds it): given up.
    later.tick_at(NOW + 700_000 + TRY_MAX_MS);
    assert_eq!(names(&later.send(Input::Locked {})), ["unlock"]);
    // It tries again, when its wait is over, once back in the document.
    let wait = timer(&later.connect()).unwrap();
    assert!(find(&later.tick_at(later.now + wait), "lock").is_some());
    let out = later.send(Input::Locked {});
    let out = later.answer(&out, 200, &answer("a9", Some("r9")));
    assert_eq!(
        fired(&out),
        ["oauth-login"],
        "the page never heard of this session before: {:?}",
        event(&out, "oauth-renewed")
    );
}

#[test]
fn another_settings_record_under_the_same_key_is_no_logout_here() {
    // Tab a holds its session (by `https://id.example/authorize spa`) and is renewing it. Tab b,
    // with the same key `custom:spa` but another authorization server, logs in and stores its
    // own session (by `https://other.example/authorize spa`). Nobody logged out.
    let mut a = with_refresh_token("&storage=local");
    let key = format!("{TOKEN_PREFIX}custom:spa");
    a.tick_at(NOW + 540_000);
    let refresh = a.send(Input::Locked {});
    assert!(find(&refresh, "fetch").is_some());
    let record = a.store.get(Storage::Local, &key).unwrap();
    let theirs = record
        .replace("a1", "other-a")
        .replace("r1", "other-r")
        .replace("id.example", "other.example");
    assert_ne!(record, theirs);
    a.store.set(Storage::Local, &key, &theirs);
    let out = a.send(Input::Stored { key: key.into() });
    assert!(
        event(&out, "oauth-logout").is_none(),
        "another grantor's record read as a logout: {out:?}"
    );
    assert_eq!(a.send(Input::Read {})[0]["access_token"], "a1");
}

#[test]
fn a_refresh_request_slower_than_the_try_is_waited_for_and_its_token_never_sent_again() {
    // The provider may have used (rotated) r1 the moment the request reached it: sending r1 again,
    // from this tab or from another tab given the lock, is a reuse, which a rotating provider
    // (oidc-provider, the dev provider) answers by revoking the whole family.
    let mut w = with_refresh_token("&storage=local");
    w.tick_at(NOW + 540_000);
    let refresh = w.send(Input::Locked {});
    assert_eq!(sent(&refresh).get("refresh_token"), Some("r1"));
    // Over 30 s without an answer: the lock stays (another tab would send r1) and nothing is
    // sent again.
    for at in [570_000, 571_000, 575_000] {
        let out = w.tick_at(NOW + at);
        assert!(
            ["unlock", "lock", "fetch"]
                .iter()
                .all(|c| !names(&out).contains(c)),
            "at +{at}: {out:?}"
        );
    }
    // The answer comes, 35 s late: it is the renewal.
    let out = w.answer(&refresh, 200, &answer("a2", Some("r2")));
    assert_eq!(names(&out)[0], "unlock", "{out:?}");
    assert_eq!(event(&out, "oauth-renewed").unwrap()["accessToken"], "a2");
    w.tick_at(NOW + 540_000 + 35_000 + 540_000);
    let out = w.send(Input::Locked {});
    assert_eq!(sent(&out).get("refresh_token"), Some("r2"), "{out:?}");
}

/// Tabs `a` and `b` sharing a session (`local`, with a revocation endpoint), and `a`'s refresh
/// request (the commands that sent it) out under the Web Lock.
fn two_tabs_while_a_renews() -> (Widget, Widget, Vec<serde_json::Value>) {
    let mut a = with_refresh_token("&storage=local&revoke-url=%2Frevoke");
    let mut b = a.another(&format!("{CODE}&storage=local&revoke-url=%2Frevoke"));
    assert_eq!(logged_in_with(&b.connect()), Some("a1"));
    a.tick_at(NOW + 540_000);
    let refresh = a.send(Input::Locked {});
    (a, b, refresh)
}

#[test]
fn another_tabs_logout_during_a_refresh_request_revokes_the_tokens_its_answer_brings() {
    // As a_logout_during_a_refresh_request_revokes_the_tokens_its_answer_brings, with the logout
    // made in another tab: tab a's refresh request is out under the lock when tab b logs out.
    let (mut a, mut b, refresh) = two_tabs_while_a_renews();
    assert_eq!(sent(&refresh).get("refresh_token"), Some("r1"));
    assert_eq!(revoked_tokens(&b.logout(false)), ["r1", "a1"]);
    a.store = b.store.clone();
    let key = format!("{TOKEN_PREFIX}custom:spa");
    let out = a.send(Input::Stored { key: key.into() });
    assert_eq!(fired(&out), ["oauth-logout"]);
    // The provider rotated r1 before b's revocation reached it: the answer brings r2, live.
    let late = a.answer(&refresh, 200, &answer("a2", Some("r2")));
    assert!(
        event(&late, "oauth-renewed").is_none() && a.store.keys(Storage::Local).is_empty(),
        "not kept: {late:?}"
    );
    assert_eq!(revoked_tokens(&late), ["r2", "a2"], "{late:?}");
    assert_eq!(
        find(&late, "fetch").unwrap()["url"],
        "http://localhost:8080/revoke"
    );
}

#[test]
fn a_renewal_answered_before_this_tab_hears_of_another_tabs_logout_does_not_undo_it() {
    // Tab b logs out while tab a's refresh request is out, and a's answer is handled before the
    // `storage` event of the logout (two tasks of a's page, in either order): a must not write
    // the renewed session back over the logout, which the other tabs would restore.
    let (mut a, mut b, refresh) = two_tabs_while_a_renews();
    b.logout(false);
    a.store = b.store.clone();
    let late = a.answer(&refresh, 200, &answer("a2", Some("r2")));
    assert!(
        a.store.keys(Storage::Local).is_empty(),
        "the logout undone: {late:?}"
    );
    assert_eq!(fired(&late), ["oauth-logout"], "{late:?}");
    assert_eq!(revoked_tokens(&late), ["r2", "a2"], "{late:?}");
    let key = format!("{TOKEN_PREFIX}custom:spa");
    assert!(fired(&a.send(Input::Stored { key: key.into() })).is_empty());
}

#[test]
fn a_renewal_refused_after_another_tabs_logout_and_new_login_does_not_end_the_new_session() {
    // Tab b logs out (revoking r1) and logs in again while tab a's refresh request with r1 is
    // out; the provider refuses it (invalid_grant), and a handles the refusal before the
    // `storage` events: a must not replace b's new session with its own ended one, which would
    // end it in every tab.
    let (mut a, mut b, refresh) = two_tabs_while_a_renews();
    b.now = a.now;
    b.logout(false);
    let seq = b.code_returned(0x32);
    let out = b.reply(seq, 200, &answer("b1", Some("s1")));
    assert_eq!(logged_in_with(&out), Some("b1"));
    a.store = b.store.clone();
    let out = a.answer(&refresh, 400, r#"{"error":"invalid_grant"}"#);
    let key = format!("{TOKEN_PREFIX}custom:spa");
    assert_eq!(
        a.store.get(Storage::Local, &key),
        b.store.get(Storage::Local, &key),
        "b's new session replaced: {out:?}"
    );
    assert!(event(&out, "oauth-expired").is_none(), "{out:?}");
    assert_eq!(a.send(Input::Read {})[0]["access_token"], "b1");
}

#[test]
fn a_renewal_after_one_the_browser_refused_to_store_is_no_logout() {
    // The browser refused to store a renewed session (a full quota): localStorage still holds
    // the session before it, which is this tab's own past, not another tab's change.
    let mut w = with_refresh_token("&storage=local");
    w.tick_at(NOW + 540_000);
    let refresh = w.send(Input::Locked {});
    w.store.refuse = true;
    let out = w.answer(&refresh, 200, &answer("a2", Some("r2")));
    assert_eq!(event(&out, "oauth-renewed").unwrap()["accessToken"], "a2");
    w.tick_at(NOW + 1_080_000);
    let refresh = w.send(Input::Locked {});
    assert_eq!(sent(&refresh).get("refresh_token"), Some("r2"));
    let out = w.answer(&refresh, 200, &answer("a3", Some("r3")));
    assert_eq!(fired(&out), ["oauth-renewed"], "{out:?}");
    assert_eq!(w.send(Input::Read {})[0]["access_token"], "a3");
    // A refusal then ends the session with its error, not as a logout.
    w.tick_at(NOW + 1_620_000);
    let refresh = w.send(Input::Locked {});
    let out = w.answer(&refresh, 400, r#"{"error":"invalid_grant"}"#);
    assert_eq!(fired(&out), ["oauth-expired"], "{out:?}");
}

#[test]
fn a_refresh_request_a_removed_element_sent_is_never_sent_again_by_another_tab() {
    // As a_refresh_request_slower_than_the_try_is_waited_for_and_its_token_never_sent_again, with
    // tab a's element removed from its page (a route change) while its request with r1 is out:
    // r1 may have been used all the same, so no tab sends it again, and what its answer brings
    // is revoked.
    let mut a = with_refresh_token("&storage=local&revoke-url=%2Frevoke");
    let mut b = a.another(&format!("{CODE}&storage=local&revoke-url=%2Frevoke"));
    assert_eq!(logged_in_with(&b.connect()), Some("a1"));
    a.tick_at(NOW + 540_000);
    let refresh = a.send(Input::Locked {});
    assert_eq!(sent(&refresh).get("refresh_token"), Some("r1"));
    a.send(Input::Disconnect {});
    // Tab b waits for the lock meanwhile, try after try.
    assert!(find(&b.tick_at(NOW + 540_000), "lock").is_some());
    b.tick_at(NOW + 570_000);
    assert!(find(&b.tick_at(NOW + 571_000), "lock").is_some());
    // At the expiry tab a lets the lock go, and tab b gets it.
    let out = a.tick_at(NOW + 600_000);
    assert!(names(&out).contains(&"unlock"), "{out:?}");
    b.store = a.store.clone();
    b.now = NOW + 600_000;
    let out = b.send(Input::Locked {});
    assert!(
        find(&out, "fetch").is_none_or(|_| sent(&out).get("refresh_token") != Some("r1")),
        "r1 sent again: {out:?}"
    );
    let late = a.answer(&refresh, 200, &answer("a2", Some("r2")));
    assert_eq!(revoked_tokens(&late), ["r2", "a2"], "{late:?}");
}

#[test]
fn a_renewal_that_cannot_reach_the_discovered_token_endpoint_names_it() {
    let mut w = discovered_only_and_expired();
    let out = w.connect();
    w.answer(&out, 200, DISCOVERY);
    let mut out = w.tick_at(NOW + 700_050);
    let ended = loop {
        let seq = find(&out, "fetch").unwrap()["seq"].as_u64().unwrap() as u32;
        out = w.send(Input::Unreachable {
            seq,
            blocked_by: "".into(),
        });
        if let Some(ended) = event(&out, "oauth-expired") {
            break ended.clone();
        }
        out = w.tick_at(w.now + timer(&out).unwrap());
    };
    assert_eq!(ended["error"], "network_error");
    // The endpoint the renewal was sent to, not `token-url`, which the page did not set.
    assert_eq!(
        find(&out, "warn").unwrap()["text"],
        "<oauth-login>: the session ended: the renewal could not reach `https://id.example/token` \
         (refused, unreachable, or blocked by CORS)"
    );
}

/// Tab b (of [`two_tabs_while_a_renews`]) logs in anew, getting `b1` and refresh token
/// `refresh`; tab a's storage then holds b's session. Its record.
fn b_logs_in_anew(a: &mut Widget, b: &mut Widget, refresh: &str) -> Option<String> {
    b.now = a.now;
    let seq = b.code_returned(0x32);
    let out = b.reply(seq, 200, &answer("b1", Some(refresh)));
    assert_eq!(logged_in_with(&out), Some("b1"));
    a.store = b.store.clone();
    a.store
        .get(Storage::Local, &format!("{TOKEN_PREFIX}custom:spa"))
}

#[test]
fn a_renewal_overtaken_by_another_tabs_login_is_dropped_and_the_new_session_kept() {
    // Tab b logs in anew while tab a's refresh request with r1 is out under the lock. Tab a takes
    // b's session; the answer to its request then brings tokens no tab keeps. They are dropped,
    // not revoked: a provider may revoke the whole grant with any token (RFC 7009 2.1), and b's
    // login may be the same person's, which would end with them. b's session is untouched, and
    // the page hears nothing of it. Tab a hears of b's login before the answer, or after it (the
    // answer then finds b's session in storage, at the end of its renewal).
    for heard_first in [true, false] {
        let (mut a, mut b, refresh) = two_tabs_while_a_renews();
        let record = b_logs_in_anew(&mut a, &mut b, "s1");
        let key = format!("{TOKEN_PREFIX}custom:spa");
        if heard_first {
            let out = a.send(Input::Stored {
                key: key.clone().into(),
            });
            // (A renewal to the page: plain OAuth cannot tell b's login from one of the same
            // person's.)
            assert_eq!(fired(&out), ["oauth-renewed"], "{out:?}");
            assert!(names(&out).contains(&"unlock"), "the lock goes: {out:?}");
            assert!(revocations(&out).is_empty(), "the answer is still to come");
        }
        let late = a.answer(&refresh, 200, &answer("a2", Some("r2")));
        assert!(revocations(&late).is_empty(), "{late:?}");
        let takeover: &[&str] = if heard_first { &[] } else { &["oauth-renewed"] };
        assert_eq!(fired(&late), takeover, "{late:?}");
        assert_eq!(a.send(Input::Read {})[0]["access_token"], "b1");
        assert_eq!(
            a.store.get(Storage::Local, &key),
            record,
            "b's session kept"
        );
    }
}

#[test]
fn a_new_login_during_a_refresh_request_drops_what_the_request_brings() {
    // The person logs in again in this tab (another account, say) while the renewal's refresh
    // request is out: the renewal is dropped (its answer would mix two sessions), and what its
    // answer brings is neither kept nor revoked (the new session may be of the same grant).
    let mut w = with_refresh_token("&revoke-url=%2Frevoke&storage=session");
    let refresh = w.tick_at(NOW + 540_000);
    assert_eq!(sent(&refresh).get("refresh_token"), Some("r1"));
    let seq = w.code_returned(0x32);
    let out = w.reply(seq, 200, &answer("b1", Some("s1")));
    assert_eq!(logged_in_with(&out), Some("b1"));
    assert!(revocations(&out).is_empty(), "{out:?}");
    let key = format!("{TOKEN_PREFIX}custom:spa");
    let record = w.store.get(Storage::Session, &key);
    let late = w.answer(&refresh, 200, &answer("a2", Some("r2")));
    assert!(late.is_empty(), "{late:?}");
    assert_eq!(w.send(Input::Read {})[0]["access_token"], "b1");
    assert_eq!(w.store.get(Storage::Session, &key), record);
}

#[test]
fn a_shared_session_renewed_while_this_element_was_away_and_expired_since_is_renewed_not_logged_out(
) {
    // Tabs a and b share a session. b's element is out of the document (a route change) while
    // a renews it (a2, r2); then a is closed, and a2 expires. b's element comes back: the shared
    // record holds a live refresh token, r2, as a page loading would restore it. Nobody logged
    // out.
    let mut a = with_refresh_token("&storage=local");
    let mut b = a.another(&format!("{CODE}&storage=local"));
    assert_eq!(logged_in_with(&b.connect()), Some("a1"));
    b.send(Input::Disconnect {});
    a.tick_at(NOW + 540_000);
    let out = a.send(Input::Locked {});
    let out = a.answer(&out, 200, &answer("a2", Some("r2")));
    assert_eq!(event(&out, "oauth-renewed").unwrap()["accessToken"], "a2");
    b.store = a.store.clone();
    b.now = NOW + 540_000 + 600_000 + 1_000;
    b.connect();
    // (js/element.js tells the core of a change it may have missed when the element is back.)
    let out = b.send(Input::Stored { key: "".into() });
    assert!(fired(&out).is_empty(), "{out:?}");
    assert!(find(&out, "lock").is_some(), "{out:?}");
    let out = b.send(Input::Locked {});
    assert_eq!(sent(&out).get("refresh_token"), Some("r2"), "{out:?}");
    let out = b.answer(&out, 200, &answer("a3", Some("r3")));
    assert_eq!(fired(&out), ["oauth-renewed"], "{out:?}");
    let key = format!("{TOKEN_PREFIX}custom:spa");
    assert!(b.store.get(Storage::Local, &key).unwrap().contains("r3"));
}

#[test]
fn a_tab_that_missed_the_renewal_and_slept_past_its_expiry_renews_with_the_rotated_token() {
    // As a_tab_that_slept_past_the_expiry_renews_as_a_restore_would, in a tab that did not hear
    // of the other tab's renewal before it slept (frozen in the background): given the lock, it
    // finds the rotated session in storage, expired, and renews that one, not logging out.
    let mut a = with_refresh_token("&storage=local");
    let mut b = a.another(&format!("{CODE}&storage=local"));
    assert_eq!(logged_in_with(&b.connect()), Some("a1"));
    a.tick_at(NOW + 540_000);
    let out = a.send(Input::Locked {});
    a.answer(&out, 200, &answer("a2", Some("r2")));
    let wake = NOW + 540_000 + 600_000 + 1_000;
    assert!(find(&b.tick_at(wake), "lock").is_some());
    b.store = a.store.clone();
    let out = b.send(Input::Locked {});
    assert!(fired(&out).is_empty(), "{out:?}");
    assert_eq!(names(&out)[0], "unlock", "{out:?}");
    assert!(find(&out, "lock").is_some(), "{out:?}");
    let out = b.send(Input::Locked {});
    assert_eq!(sent(&out).get("refresh_token"), Some("r2"), "{out:?}");
    let out = b.answer(&out, 200, &answer("a3", Some("r3")));
    assert_eq!(fired(&out), ["oauth-renewed"], "{out:?}");
    // A tab that held no session (it logged out, and missed the login that followed in another
    // tab) reports the one it takes as a login, restored.
    let mut d = a.another(&format!("{CODE}&storage=local"));
    d.connect();
    d.logout(false);
    d.store = a.store.clone();
    d.now = wake;
    let out = d.send(Input::Stored { key: "".into() });
    assert!(fired(&out).is_empty(), "{out:?}");
    let out = d.send(Input::Locked {});
    let out = d.answer(&out, 200, &answer("a4", Some("r4")));
    assert_eq!(
        event(&out, "oauth-login").unwrap()["restored"],
        true,
        "{out:?}"
    );
}

#[test]
fn a_session_beside_another_grantors_record_under_its_key_is_still_renewed() {
    // As another_settings_record_under_the_same_key_is_no_logout_here: tab a keeps its session
    // when a record another authorization server granted replaces its own under the same key.
    // Its renewal must still be made; given up at each lock, the session was neither renewed nor
    // ended, past its expiry, the lock taken every 30 seconds for as long as the page was open.
    let mut a = with_refresh_token("&storage=local");
    let key = format!("{TOKEN_PREFIX}custom:spa");
    let record = a.store.get(Storage::Local, &key).unwrap();
    let theirs = record
        .replace("a1", "other-a")
        .replace("r1", "other-r")
        .replace("id.example", "other.example");
    a.store.set(Storage::Local, &key, &theirs);
    assert!(fired(&a.send(Input::Stored { key: key.into() })).is_empty());
    assert!(find(&a.tick_at(NOW + 540_000), "lock").is_some());
    let out = a.send(Input::Locked {});
    assert_eq!(sent(&out).get("refresh_token"), Some("r1"), "{out:?}");
    let out = a.answer(&out, 200, &answer("a2", Some("r2")));
    assert_eq!(fired(&out), ["oauth-renewed"], "{out:?}");
}

#[test]
fn a_renewal_answer_that_fails_its_checks_has_what_it_granted_revoked() {
    // README "Logout": tokens the widget is granted and then drops are revoked where no session
    // is held, a 200 token answer that fails its own checks (an unsupported `token_type`) among
    // them. A renewal's such answer ends the session; the rotated refresh token it brings is live.
    let mut w = with_refresh_token("&revoke-url=%2Frevoke&storage=session");
    let refresh = w.tick_at(NOW + 540_000);
    let mac = r#"{"access_token":"a2","token_type":"mac","expires_in":600,"refresh_token":"r2"}"#;
    let out = w.answer(&refresh, 200, mac);
    assert_eq!(
        event(&out, "oauth-expired"),
        Some(&serde_json::json!({"provider": "custom", "error": "invalid_response"}))
    );
    assert_eq!(
        revocations(&out),
        [
            revoking("r2", "refresh_token"),
            revoking("a2", "access_token")
        ],
        "{out:?}"
    );
    // Their answers change nothing; no logout awaits them.
    for fetch in out.iter().filter(|c| c["command"] == "fetch") {
        assert!(w.answer(std::slice::from_ref(fetch), 200, "").is_empty());
    }
    // A refusal brings nothing to revoke.
    let mut w = with_refresh_token("&revoke-url=%2Frevoke&storage=session");
    let refresh = w.tick_at(NOW + 540_000);
    let out = w.answer(&refresh, 400, r#"{"error":"invalid_grant"}"#);
    assert!(revocations(&out).is_empty(), "{out:?}");
}

#[test]
fn a_shared_session_that_ran_out_while_this_element_was_away_is_an_end_not_a_logout() {
    // Tabs a and b share a session without a refresh token. b's element is out of the document
    // while a logs in anew (t2, 60 s); then a is closed, before t2 ran out (no tab wrote its
    // end). b's element comes back after that: nobody logged out; the session ran out with
    // nothing to renew it with.
    let mut a = Widget::new(&format!("{IMPLICIT}&storage=local"));
    a.log_in_with(0x41, "access_token=t1&token_type=bearer&expires_in=60");
    let mut b = a.another(&format!("{IMPLICIT}&storage=local"));
    assert_eq!(logged_in_with(&b.connect()), Some("t1"));
    b.send(Input::Disconnect {});
    a.now = NOW + 10_000;
    a.log_in_with(0x42, "access_token=t2&token_type=bearer&expires_in=60");
    b.store = a.store.clone();
    b.now = NOW + 80_000;
    b.connect();
    let out = b.send(Input::Stored { key: "".into() });
    assert_eq!(
        event(&out, "oauth-expired"),
        Some(&serde_json::json!({"provider": "custom", "error": null})),
        "{out:?}"
    );
    assert!(event(&out, "oauth-logout").is_none(), "{out:?}");
    assert_eq!(rendered(&out).0, "expired");
}

#[test]
fn a_tab_still_restoring_an_expired_session_hears_another_tabs_logout_as_its_restores_end() {
    // Two tabs reopened together over an expired session: a holds the lock and renews; b waits
    // for it, not yet reporting the session (`loggedIn` false). a's person logs out before its
    // renewal answers. b's restore is over: it says so with `oauth-logout`, as the contract has
    // every tab sharing the session hear a logout; with no event a page waiting for the restore's
    // outcome (`oauth-login` or `oauth-expired`) would wait for ever.
    let w = with_refresh_token("&storage=local&revoke-url=%2Frevoke");
    let shared = format!("{CODE}&storage=local&revoke-url=%2Frevoke");
    let mut a = w.another(&shared);
    let mut b = w.another(&shared);
    a.now = NOW + 700_000;
    b.now = NOW + 700_000;
    a.connect();
    b.connect();
    a.send(Input::Locked {});
    a.logout(false);
    b.store = a.store.clone();
    let heard = b.send(Input::Stored { key: "".into() });
    assert_eq!(fired(&heard), ["oauth-logout"], "{heard:?}");
    assert_eq!(
        find(&heard, "render").map(|r| &r["state"]),
        Some(&Value::from("logged-out")),
        "{heard:?}"
    );
    // Its wait for the lock is over too: getting it later sends nothing.
    let later = b.send(Input::Locked {});
    assert!(find(&later, "fetch").is_none(), "{later:?}");
}
