//! In-browser tests of the crate (`wasm-pack test --headless --chrome`): the wasm exports with
//! the page's real `sessionStorage` and `localStorage`, in Chromium. Some core rules also run
//! here and natively (`unsupported = test`), to show the wasm build behaves as the native one.

use oauth_prefab::core::params::Params;
use oauth_prefab::core::response::capture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test(unsupported = test)]
fn parser_rules_hold_in_wasm_too() {
    assert_eq!(
        Params::parse("a=%E2%9C%93+x").unwrap().get("a"),
        Some("✓ x")
    );
    assert!(Params::parse("a=1&a=2").is_err());
    assert!(Params::parse("a=%FF").is_err());
}

#[wasm_bindgen_test(unsupported = test)]
fn capture_rules_hold_in_wasm_too() {
    let captured = capture("?keep=1&error=access_denied", "").unwrap();
    assert_eq!(
        (captured.raw.as_str(), captured.search.as_str()),
        ("error=access_denied", "?keep=1")
    );
}

#[cfg(target_arch = "wasm32")]
mod exports {
    use js_sys::{Array, Reflect, JSON};
    use oauth_prefab::core::response::TokenResponse;
    use oauth_prefab::web::{contract, input, page_load, Widget};
    use wasm_bindgen::JsValue;
    use wasm_bindgen_test::*;
    use web_sys::Storage;

    const ORIGIN: &str = "http://localhost:8000";

    fn session() -> Storage {
        web_sys::window()
            .unwrap()
            .session_storage()
            .unwrap()
            .unwrap()
    }

    fn get(target: &JsValue, key: &str) -> JsValue {
        Reflect::get(target, &JsValue::from_str(key)).unwrap()
    }

    /// The commands of one call, as JS sees them.
    fn commands(json: &str) -> Vec<JsValue> {
        JSON::parse(json)
            .unwrap()
            .dyn_into::<Array>()
            .unwrap()
            .iter()
            .collect()
    }

    fn named<'a>(list: &'a [JsValue], name: &str) -> Vec<&'a JsValue> {
        list.iter()
            .filter(|c| get(c, "do").as_string().as_deref() == Some(name))
            .collect()
    }

    use wasm_bindgen::JsCast;

    fn widget(attributes: &str) -> Widget {
        let mut widget = Widget::new();
        widget.update(attributes, ORIGIN.into(), "/app".into(), 1_000.0);
        widget
    }

    #[wasm_bindgen_test]
    fn a_stored_token_is_restored_from_session_storage_on_connect() {
        session().clear().unwrap();
        session()
            .set_item(
                "oauth-prefab:token:#t1",
                "access_token=abc&token_type=bearer&scope=a+b",
            )
            .unwrap();
        let mut w =
            widget("id=t1&client-id=x&authorize-url=https%3A%2F%2Fid.example%2Fa&storage=session");
        let out = commands(&w.connect(2_000.0));
        let events = named(&out, "event");
        assert_eq!(events.len(), 1);
        let detail = get(events[0], "detail");
        assert_eq!(
            get(events[0], "name").as_string().as_deref(),
            Some("oauth-login")
        );
        assert_eq!(
            get(&detail, "accessToken").as_string().as_deref(),
            Some("abc")
        );
        assert_eq!(get(&detail, "restored"), JsValue::TRUE);
        let properties = JSON::parse(&w.properties(2_000.0)).unwrap();
        assert_eq!(get(&properties, "loggedIn"), JsValue::TRUE);
        assert_eq!(
            get(&properties, "callbackurl").as_string().as_deref(),
            Some("http://localhost:8000/app")
        );
        // A damaged record is removed, not restored.
        session().set_item("oauth-prefab:token:#t2", "%%%").unwrap();
        let mut damaged =
            widget("id=t2&client-id=x&authorize-url=https%3A%2F%2Fid.example%2Fa&storage=session");
        assert!(named(&commands(&damaged.connect(2_000.0)), "event").is_empty());
        assert_eq!(session().get_item("oauth-prefab:token:#t2").unwrap(), None);
    }

    #[wasm_bindgen_test]
    fn a_redirect_code_login_keeps_its_verifier_in_session_storage_until_page_load_takes_it() {
        session().clear().unwrap();
        let attributes = "id=r1&client-id=spa&authorize-url=https%3A%2F%2Fid.example%2Fa&mode=redirect&response-type=code&token-url=%2Ftoken";
        let mut w = widget(attributes);
        let out = commands(&w.login(&[7u8; 64], 1_000.0));
        let digest = named(&out, "digest");
        assert_eq!(
            digest.len(),
            1,
            "the code flow asks for the challenge's digest"
        );
        let stored: Vec<String> = (0..session().length().unwrap())
            .filter_map(|i| session().key(i).unwrap())
            .collect();
        assert_eq!(stored.len(), 1);
        let state = stored[0]
            .strip_prefix("oauth-prefab:pending:")
            .unwrap()
            .to_owned();
        assert!(session()
            .get_item(&stored[0])
            .unwrap()
            .unwrap()
            .contains("verifier="));
        let go = commands(&w.challenge(&[1u8; 32], 1_000.0));
        let url = get(named(&go, "go")[0], "url").as_string().unwrap();
        assert!(url.contains("code_challenge=AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE&code_challenge_method=S256"), "{url}");

        // The tab comes back with the code: the page decides, and strips the address.
        let routed = page_load(
            "/app",
            &format!("?keep=1&code=c1&state={state}&iss=x"),
            "",
            false,
        )
        .unwrap();
        let routed = JSON::parse(&routed).unwrap();
        assert_eq!(
            get(&routed, "clean").as_string().as_deref(),
            Some("/app?keep=1")
        );
        assert_eq!(get(&routed, "relay"), JsValue::FALSE);
        assert_eq!(session().length().unwrap(), 0, "the state is used once");
        let mut back = widget(attributes);
        let out = commands(&back.connect(2_000.0));
        let fetch = named(&out, "fetch");
        assert_eq!(fetch.len(), 1);
        assert_eq!(
            get(fetch[0], "url").as_string().as_deref(),
            Some("http://localhost:8000/token")
        );
        let body = get(fetch[0], "body").as_string().unwrap();
        assert!(
            body.starts_with("grant_type=authorization_code&code=c1&"),
            "{body}"
        );
        assert!(body.contains("&code_verifier="), "{body}");
    }

    #[wasm_bindgen_test]
    fn a_response_with_no_pending_login_is_relayed_to_an_opener() {
        session().clear().unwrap();
        let routed =
            JSON::parse(&page_load("/", "", "#access_token=t&state=s", true).unwrap()).unwrap();
        assert_eq!(get(&routed, "relay"), JsValue::TRUE);
        assert_eq!(get(&routed, "clean").as_string().as_deref(), Some("/"));
        assert_eq!(page_load("/", "?q=1", "#top", true), None);
    }

    /// The core's token JSON reader agrees, in the browser, with serde-wasm-bindgen's typed view
    /// of the same body after `JSON.parse`.
    #[wasm_bindgen_test]
    fn the_token_reader_agrees_with_serde_wasm_bindgen() {
        for body in [
            r#"{"access_token":"at","token_type":"Bearer","expires_in":3600,"scope":"a b","user":{"id":"1"}}"#,
            r#"{"error":"invalid_grant","error_description":"Code expired"}"#,
            r#"{"access_token":7}"#,
            r#"{"access_token":"at","expires_in":-1}"#,
            r#"{"access_token":"at","expires_in":1.5}"#,
            r#"{"access_token":"at","scope":null}"#,
        ] {
            let parsed = JSON::parse(body).unwrap();
            let typed = serde_wasm_bindgen::from_value::<TokenResponse>(parsed).ok();
            let ours = TokenResponse::from_json(body).map(|r| TokenResponse { user: None, ..r });
            assert_eq!(ours, typed, "{body}");
        }
        // serde reads a struct from an array too (by position); the contract wants an object.
        assert_eq!(TokenResponse::from_json("[null,null]"), None);
    }

    /// `Widget::on`, the one export JS calls, routes each event number to its method.
    #[wasm_bindgen_test]
    fn on_routes_each_event_number_to_its_method() {
        session().clear().unwrap();
        let attributes = "client-id=x&authorize-url=https%3A%2F%2Fid.example%2Fa&fallback=none";
        let mut by_number = Widget::new();
        let mut by_method = Widget::new();
        assert_eq!(
            by_number.on(
                input::UPDATE,
                0,
                0,
                attributes,
                ORIGIN,
                "/app",
                "",
                &[],
                1_000.0
            ),
            by_method.update(attributes, ORIGIN.into(), "/app".into(), 1_000.0)
        );
        assert_eq!(
            by_number.on(input::PROPERTIES, 0, 0, "", "", "", "", &[], 1_000.0),
            by_method.properties(1_000.0)
        );
        // A login (the popup's commands) then a blocked popup: `fallback=none` fails it.
        let opened = commands(&by_number.on(input::LOGIN, 0, 0, "", "", "", "", &[7; 64], 1_000.0));
        assert_eq!(named(&opened, "open").len(), 1);
        let blocked = commands(&by_number.on(input::BLOCKED, 0, 0, "", "", "", "", &[], 1_000.0));
        let events = named(&blocked, "event");
        assert_eq!(
            get(get(events[0], "detail").as_ref(), "error")
                .as_string()
                .as_deref(),
            Some("popup_blocked")
        );
        // An unknown number is no event at all.
        assert_eq!(by_number.on(200, 0, 0, "", "", "", "", &[], 1_000.0), "[]");
        // The two questions any controller answers: the contract, and a page's load.
        assert_eq!(
            by_number.on(input::CONTRACT, 0, 0, "", "", "", "", &[], 0.0),
            contract()
        );
        let hash = "#access_token=t&state=s";
        assert_eq!(
            by_number.on(input::PAGE_LOAD, 1, 0, "/", "", hash, "", &[], 0.0),
            page_load("/", "", hash, true).unwrap()
        );
        assert_eq!(
            by_number.on(input::PAGE_LOAD, 1, 0, "/", "?q=1", "#top", "", &[], 0.0),
            "",
            "no response in the address: nothing to do"
        );
    }
}
