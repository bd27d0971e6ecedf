//! Logging out for real: what `logout()` revokes, where, and when, in the cases the renewal
//! scenarios (renew.rs) leave out.

use super::*;
use crate::core::contract::Storage;
use crate::core::machine::callback::Discovered;
use crate::core::oidc::discovery::read_discovery;
use crate::core::store::{Store, LOGOUT_KEY, TOKEN_PREFIX};

/// The discovery document, with a revocation and an end-session endpoint.
fn with_logout_endpoints() -> String {
    DISCOVERY.replace(
        '}',
        r#","revocation_endpoint":"https://id.example/revoke","end_session_endpoint":"https://id.example/logout"}"#,
    )
}

#[test]
fn a_logout_before_the_discovery_document_came_still_revokes_and_ends_the_session() {
    // A page that logs out as it loads (a "/logout" route): the session is restored at once, the
    // discovery document, which names the revocation and end-session endpoints, is still out.
    let mut w = discovered_only_with_session();
    let connected = w.connect();
    assert_eq!(logged_in_with(&connected), Some("a1"));
    let out = w.logout(true);
    assert_eq!(fired(&out), ["oauth-logout"], "at once: {out:?}");
    let key = format!("{TOKEN_PREFIX}custom:spa");
    assert_eq!(
        w.store.get(Storage::Session, &key),
        None,
        "forgotten at once"
    );
    assert!(
        find(&out, "revoked").is_none(),
        "settled before the endpoint is known: {out:?}"
    );
    assert!(warnings(&out).is_empty(), "{out:?}");
    let out = w.answer(&connected, 200, &with_logout_endpoints());
    let at = |token: &str, hint: &str| -> [String; 3] {
        [
            "https://id.example/revoke".into(),
            token.into(),
            hint.into(),
        ]
    };
    assert_eq!(
        revocations(&out),
        [at("r1", "refresh_token"), at("a1", "access_token")],
        "{out:?}"
    );
    let fetches: Vec<Value> = out
        .iter()
        .filter(|c| c["command"] == "fetch")
        .cloned()
        .collect();
    w.answer(&fetches[..1], 200, "");
    let settled = w.answer(&fetches[1..], 200, "");
    assert_eq!(
        find(&settled, "revoked").unwrap()["revoked"],
        true,
        "{settled:?}"
    );
    let (url, _) = go_url(&settled).unwrap_or_else(|| panic!("no end of session: {settled:?}"));
    assert!(url.starts_with("https://id.example/logout?"), "{url}");
}

#[test]
fn a_logout_waiting_for_the_discovery_document_another_widget_reads_or_that_fails() {
    // Another widget of the page reads the document: the logout looks for it, as a login does.
    let mut w = discovered_only_with_session();
    w.connect();
    let out = w.logout(false);
    assert_eq!(timer(&out), Some(50), "{out:?}");
    let document = read_discovery(&with_logout_endpoints(), ISSUER).unwrap();
    w.page
        .set_discovery(ISSUER, Discovered::Known(std::rc::Rc::new(document)));
    let out = w.tick_at(NOW + 50);
    assert_eq!(revoked_tokens(&out), ["r1", "a1"], "{out:?}");
    // A document that cannot be read: nothing is revoked, the tab stays, and the state kept for
    // its return goes.
    let mut w = discovered_only_with_session();
    let connected = w.connect();
    w.logout(true);
    assert!(w.store.get(Storage::Session, LOGOUT_KEY).is_some());
    let out = w.answer(&connected, 404, "");
    assert_eq!(find(&out, "revoked").unwrap()["revoked"], false, "{out:?}");
    assert!(
        go_url(&out).is_none() && revoked_tokens(&out).is_empty(),
        "{out:?}"
    );
    // Not "the provider names none": its document could not be read.
    let said = warnings(&out);
    assert!(
        said.iter()
            .any(|w| w.contains("no discovery document was read")),
        "{said:?}"
    );
    assert_eq!(w.store.get(Storage::Session, LOGOUT_KEY), None);
    // One that never answers: the logout settles unrevoked at TRY_MAX_MS, and stays.
    let mut w = discovered_only_with_session();
    w.connect();
    w.logout(true);
    let mut out = Vec::new();
    while find(&out, "revoked").is_none() && w.now < NOW + 40_000 {
        out = w.tick_at(w.now + 50);
    }
    assert_eq!(w.now, NOW + crate::core::machine::renew::TRY_MAX_MS);
    assert_eq!(find(&out, "revoked").unwrap()["revoked"], false, "{out:?}");
    assert!(go_url(&out).is_none(), "{out:?}");
    let said = warnings(&out);
    assert!(
        said.iter()
            .any(|w| w.contains("no discovery document was read")),
        "{said:?}"
    );
    assert_eq!(w.store.get(Storage::Session, LOGOUT_KEY), None);
}

#[test]
fn a_logout_from_an_element_that_missed_another_tabs_renewal_revokes_the_renewed_tokens() {
    // Tab a's element was removed from its document (a framework unmounted it once logged in;
    // the page's own "Log out" link calls its logout()): it hears no `storage` event, so it
    // missed tab b's renewal, which rotated r1 to r2. Its logout removes the shared record, and
    // the tabs that hear of it revoke nothing: the live tokens are the record's.
    let shared = format!("{CODE}&storage=local&revoke-url=%2Frevoke");
    let mut a = with_refresh_token("&storage=local&revoke-url=%2Frevoke");
    a.send(Input::Disconnect {});
    let mut b = a.another(&shared);
    assert_eq!(logged_in_with(&b.connect()), Some("a1"));
    b.tick_at(NOW + 540_000);
    let refresh = b.send(Input::Locked {});
    let renewed = b.answer(
        &refresh,
        200,
        r#"{"access_token":"a2","token_type":"bearer","expires_in":600,"refresh_token":"r2"}"#,
    );
    assert!(event(&renewed, "oauth-renewed").is_some(), "{renewed:?}");
    a.store = b.store.clone();
    a.now = b.now;
    let out = a.logout(false);
    let revoked = revoked_tokens(&out);
    assert!(
        revoked.contains(&"r2".into()) && revoked.contains(&"a2".into()),
        "the live tokens are left: {revoked:?}"
    );
    // Tab b hears of the logout: nothing more to revoke there.
    b.store = a.store.clone();
    let heard = b.send(Input::Stored { key: "".into() });
    assert_eq!(fired(&heard), ["oauth-logout"]);
}

#[test]
fn a_logout_from_an_element_never_connected_revokes_the_session_it_removes() {
    // A logout page that makes an element without showing it (`document.createElement`, its
    // settings, `logout()`): the stored session it removes is revoked, not merely forgotten.
    let shared = format!("{CODE}&storage=local&revoke-url=%2Frevoke");
    let a = with_refresh_token("&storage=local&revoke-url=%2Frevoke");
    let mut b = a.another(&shared);
    let out = b.logout(false);
    let key = format!("{TOKEN_PREFIX}custom:spa");
    assert_eq!(b.store.get(Storage::Local, &key), None, "forgotten");
    assert_eq!(
        revocations(&out),
        [
            revoking("r1", "refresh_token"),
            revoking("a1", "access_token")
        ],
        "{out:?}"
    );
}

#[test]
fn a_logout_from_an_element_never_connected_reads_the_discovery_document_it_needs() {
    // As above, with an element given nothing but `issuer`: its endpoints are the discovered ones.
    let mut w = discovered_only_with_session();
    let out = w.logout(false);
    let fetch = find(&out, "fetch").unwrap_or_else(|| panic!("no discovery: {out:?}"));
    assert_eq!(
        fetch["url"],
        format!("{ISSUER}/.well-known/openid-configuration")
    );
    let out = w.answer(&out, 200, &with_logout_endpoints());
    assert_eq!(revoked_tokens(&out), ["r1", "a1"], "{out:?}");
}

#[test]
fn a_refresh_answer_that_comes_while_a_logout_waits_for_the_discovery_document_is_revoked() {
    // A "/logout" page over an expired session whose token endpoint is set (`token-url`): the
    // renewal sends its refresh request at once, and the logout waits for the document that names
    // the revocation endpoint. The refresh answer that comes meanwhile brings a rotated refresh
    // token, live at the provider: revoked with the rest once the endpoint is known.
    let mut w = with_issuer_and_session("&token-url=https%3A%2F%2Fid.example%2Ftoken");
    let key = format!("{TOKEN_PREFIX}custom:spa");
    w.now = NOW + 700_000;
    let connected = w.connect();
    let fetch_to = |out: &[Value], url: &str| -> Vec<Value> {
        let fetch = out
            .iter()
            .find(|c| c["command"] == "fetch" && c["url"] == url);
        vec![fetch
            .unwrap_or_else(|| panic!("no fetch of {url}: {out:?}"))
            .clone()]
    };
    let refresh = fetch_to(&connected, "https://id.example/token");
    let document = fetch_to(
        &connected,
        &format!("{ISSUER}/.well-known/openid-configuration"),
    );
    let out = w.logout(false);
    assert!(revoked_tokens(&out).is_empty(), "no endpoint yet: {out:?}");
    let late = w.answer(
        &refresh,
        200,
        r#"{"access_token":"a2","token_type":"bearer","expires_in":600,"refresh_token":"r2"}"#,
    );
    assert!(
        event(&late, "oauth-renewed").is_none() && event(&late, "oauth-login").is_none(),
        "not kept: {late:?}"
    );
    assert!(w.store.get(Storage::Session, &key).is_none(), "{late:?}");
    let out = w.answer(&document, 200, &with_logout_endpoints());
    let revoked = revoked_tokens(&out);
    for token in ["r1", "a1", "r2", "a2"] {
        assert!(revoked.iter().any(|t| t == token), "{token} left: {out:?}");
    }
    // The promise settles once every revocation is answered.
    let fetches: Vec<Value> = out
        .iter()
        .filter(|c| c["command"] == "fetch")
        .cloned()
        .collect();
    let mut settled = Vec::new();
    for fetch in &fetches {
        assert!(find(&settled, "revoked").is_none(), "settled early");
        settled = w.answer(std::slice::from_ref(fetch), 200, "");
    }
    assert_eq!(find(&settled, "revoked").unwrap()["revoked"], true);
}

#[test]
fn a_revocation_refused_or_unreachable_is_said_in_the_console_once_per_logout() {
    // A client with a secret whose provider wants it to revoke (Box, or an issuer's discovered
    // `revocation_endpoint` with the client's `token-url` on its exchange): `{ revoked: false }`
    // alone does not say why, nor what to set.
    let mut w = with_refresh_token("&revoke-url=%2Frevoke&storage=session");
    let out = w.logout(false);
    let fetches: Vec<Value> = out
        .iter()
        .filter(|c| c["command"] == "fetch")
        .cloned()
        .collect();
    let first = w.answer(&fetches[..1], 401, r#"{"error":"invalid_client"}"#);
    let said = warnings(&first);
    assert_eq!(said.len(), 1, "{first:?}");
    assert!(
        said[0].contains("http://localhost:8080/revoke")
            && said[0].contains("401")
            && said[0].contains("revoke-url"),
        "{said:?}"
    );
    let last = w.answer(&fetches[1..], 401, "");
    assert!(warnings(&last).is_empty(), "once: {last:?}");
    assert_eq!(find(&last, "revoked").unwrap()["revoked"], false);
    // Unreachable (CORS, or the page's CSP): said as a login's unreachable request is.
    let mut w = with_refresh_token("&revoke-url=%2Frevoke&storage=session");
    let out = w.logout(false);
    let seq = find(&out, "fetch").unwrap()["seq"].as_u64().unwrap() as u32;
    let failed = w.send(Input::Unreachable {
        seq,
        blocked_by: "connect-src".into(),
    });
    let said = warnings(&failed);
    assert_eq!(said.len(), 1, "{failed:?}");
    assert!(said[0].contains("connect-src"), "{said:?}");
    // Every revocation answered 200: nothing said.
    let mut w = with_refresh_token("&revoke-url=%2Frevoke&storage=session");
    let out = w.logout(false);
    for fetch in out.iter().filter(|c| c["command"] == "fetch") {
        let answered = w.answer(std::slice::from_ref(fetch), 200, "");
        assert!(warnings(&answered).is_empty(), "{answered:?}");
    }
}
