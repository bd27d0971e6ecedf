//! In-browser tests of the crate (`wasm-pack test --headless --chrome`): the one export, as JS
//! calls it, with the page's real `sessionStorage` and `localStorage`, in Chromium. Some core
//! rules also run here and natively (`unsupported = test`), to show the wasm build behaves as
//! the native one.

use oauth_prefab::core::json;
use oauth_prefab::core::oauth::form::Params;
use oauth_prefab::core::oauth::response::capture;
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
    let captured = capture("?keep=1&error=access_denied", "").unwrap();
    assert_eq!(
        (captured.raw.as_str(), captured.rest.as_str()),
        ("error=access_denied", "?keep=1")
    );
    assert!(json::parse(r#"{"a":[1,{"b":"\ud83d\ude00"}]}"#).is_some());
    assert!(json::parse(r#"{"a":01}"#).is_none());
}

#[cfg(target_arch = "wasm32")]
mod export {
    use js_sys::{Array, Reflect, JSON};
    use oauth_prefab::core::json;
    use oauth_prefab::core::machine::io::{COMMANDS, INPUTS};
    use oauth_prefab::web::Widget;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_test::*;
    use web_sys::Storage;

    const ORIGIN: &str = "http://localhost:8000";

    fn session() -> Storage {
        gloo_utils::window().session_storage().unwrap().unwrap()
    }

    fn get(target: &JsValue, key: &str) -> JsValue {
        Reflect::get(target, &JsValue::from_str(key)).unwrap()
    }

    fn text(target: &JsValue, key: &str) -> Option<String> {
        get(target, key).as_string()
    }

    /// An input as JS sends it: its number by name, then its fields.
    fn input(name: &str, fields: &[JsValue]) -> String {
        let number = INPUTS.iter().position(|(n, _)| *n == name).unwrap();
        let array: Array = std::iter::once(JsValue::from(number as u32))
            .chain(fields.iter().cloned())
            .collect();
        JSON::stringify(&array).unwrap().as_string().unwrap()
    }

    /// Tells `w` of an input; its commands as JS parses them.
    fn tell(w: &mut Widget, name: &str, fields: &[JsValue], now: f64) -> Vec<JsValue> {
        JSON::parse(&w.on(&input(name, fields), now))
            .unwrap()
            .dyn_into::<Array>()
            .unwrap()
            .iter()
            .collect()
    }

    /// The commands named `name`.
    fn named<'a>(list: &'a [JsValue], name: &str) -> Vec<&'a JsValue> {
        let number = COMMANDS.iter().position(|(n, _)| *n == name).unwrap() as f64;
        list.iter()
            .filter(|c| get(c, "do").as_f64() == Some(number))
            .collect()
    }

    fn widget(attributes: &str) -> Widget {
        let mut w = Widget::new();
        tell(
            &mut w,
            "update",
            &[attributes.into(), ORIGIN.into(), "/app".into()],
            1_000.0,
        );
        w
    }

    #[wasm_bindgen_test]
    fn a_stored_token_is_restored_from_session_storage_on_connect() {
        session().clear().unwrap();
        session()
            .set_item(
                "oauth-prefab:token:#t1",
                "access_token=abc&expires_in=&expires_at=&scope=a+b",
            )
            .unwrap();
        let mut w =
            widget("id=t1&client-id=x&authorize-url=https%3A%2F%2Fid.example%2Fa&storage=session");
        let out = tell(&mut w, "connect", &[], 2_000.0);
        let events = named(&out, "event");
        assert_eq!(events.len(), 1);
        assert_eq!(text(events[0], "event").as_deref(), Some("oauth-login"));
        let detail = get(events[0], "detail");
        assert_eq!(text(&detail, "accessToken").as_deref(), Some("abc"));
        assert_eq!(get(&detail, "restored"), JsValue::TRUE);
        let properties = tell(&mut w, "read", &[], 2_000.0);
        assert_eq!(get(&properties[0], "logged_in"), JsValue::TRUE);
        assert_eq!(
            text(&properties[0], "callbackurl").as_deref(),
            Some("http://localhost:8000/app")
        );
        // A damaged record is removed, not restored.
        session().set_item("oauth-prefab:token:#t2", "%%%").unwrap();
        let mut damaged =
            widget("id=t2&client-id=x&authorize-url=https%3A%2F%2Fid.example%2Fa&storage=session");
        assert!(named(&tell(&mut damaged, "connect", &[], 2_000.0), "event").is_empty());
        assert_eq!(session().get_item("oauth-prefab:token:#t2").unwrap(), None);
    }

    #[wasm_bindgen_test]
    fn a_redirect_code_login_keeps_its_verifier_in_session_storage_until_the_page_load_takes_it() {
        session().clear().unwrap();
        let attributes = "id=r1&client-id=spa&authorize-url=https%3A%2F%2Fid.example%2Fa&mode=redirect&response-type=code&token-url=%2Ftoken";
        let mut w = widget(attributes);
        let random: Array = (0..64).map(|_| JsValue::from(7)).collect();
        let out = tell(&mut w, "login", &[random.into()], 1_000.0);
        let digest = named(&out, "digest");
        assert_eq!(
            digest.len(),
            1,
            "the code flow asks for the challenge's digest"
        );
        let record = session().get_item("oauth-prefab:pending").unwrap().unwrap();
        assert!(record.contains("verifier="), "{record}");
        let state = "07".repeat(32);
        let bytes: Array = (0..32).map(|_| JsValue::from(1)).collect();
        let go = tell(
            &mut w,
            "digest",
            &[get(digest[0], "seq"), bytes.into()],
            1_000.0,
        );
        let url = text(named(&go, "go")[0], "url").unwrap();
        assert!(url.contains("code_challenge=AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE&code_challenge_method=S256"), "{url}");

        // The tab comes back with the code: the page decides, and strips the address.
        let mut page = Widget::new();
        let search = format!("?keep=1&code=c1&state={state}&iss=x");
        let random: Array = (0..8).map(|_| JsValue::from(1)).collect();
        let loaded = tell(
            &mut page,
            "page-load",
            &[
                "/app".into(),
                search.as_str().into(),
                "".into(),
                false.into(),
                random.into(),
            ],
            2_000.0,
        );
        assert_eq!(loaded.len(), 1);
        assert_eq!(
            text(named(&loaded, "clean")[0], "url").as_deref(),
            Some("/app?keep=1")
        );
        assert_eq!(
            session().get_item("oauth-prefab:pending").unwrap(),
            None,
            "the state is used once"
        );
        let mut back = widget(attributes);
        let out = tell(&mut back, "connect", &[], 2_000.0);
        let fetch = named(&out, "fetch");
        assert_eq!(
            text(fetch[0], "url").as_deref(),
            Some("http://localhost:8000/token")
        );
        let body = text(fetch[0], "body").unwrap();
        assert!(
            body.starts_with("grant_type=authorization_code&code=c1&"),
            "{body}"
        );
        assert!(body.contains("&code_verifier="), "{body}");
    }

    #[wasm_bindgen_test]
    fn a_response_with_no_login_of_this_tab_is_relayed_to_an_opener() {
        session().clear().unwrap();
        let mut page = Widget::new();
        let random: Array = (0..8).map(|_| JsValue::from(255)).collect();
        let out = tell(
            &mut page,
            "page-load",
            &[
                "/".into(),
                "".into(),
                "#access_token=t&state=s".into(),
                true.into(),
                random.into(),
            ],
            0.0,
        );
        let relay = named(&out, "relay");
        assert_eq!(get(relay[0], "opener"), JsValue::TRUE);
        assert_eq!(text(relay[0], "id").as_deref(), Some("ffffffffffffffff"));
        assert_eq!(text(named(&out, "clean")[0], "url").as_deref(), Some("/"));
    }

    /// Every input decodes in the wasm build; an input that cannot be read answers a fault.
    #[wasm_bindgen_test]
    fn every_input_is_read_and_a_bad_one_is_a_fault() {
        let mut w = widget("client-id=x&authorize-url=https%3A%2F%2Fid.example%2Fa&fallback=none");
        let opened = tell(
            &mut w,
            "login",
            &[(0..64).map(|_| JsValue::from(3)).collect::<Array>().into()],
            1_000.0,
        );
        assert_eq!(named(&opened, "open").len(), 1);
        let blocked = tell(&mut w, "blocked", &[], 1_000.0);
        assert_eq!(
            text(&get(named(&blocked, "event")[0], "detail"), "error").as_deref(),
            Some("popup_blocked")
        );
        for bad in ["[]", "{}", "[999]", "[\"login\"]", "x"] {
            let out: Vec<JsValue> = JSON::parse(&w.on(bad, 0.0))
                .unwrap()
                .dyn_into::<Array>()
                .unwrap()
                .iter()
                .collect();
            assert_eq!(named(&out, "fault").len(), 1, "{bad}");
        }
    }

    /// The core's JSON reader agrees, in the browser, with serde-wasm-bindgen's reading of the
    /// same text after `JSON.parse`.
    #[wasm_bindgen_test]
    fn the_json_reader_agrees_with_serde_wasm_bindgen() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Answer {
            access_token: Option<String>,
            expires_in: Option<u64>,
            scope: Option<String>,
        }
        for body in [
            r#"{"access_token":"at","token_type":"Bearer","expires_in":3600,"scope":"a b","user":{"id":"1"}}"#,
            r#"{"access_token":"\u00e9\ud83d\ude00","scope":null}"#,
            r#"{"expires_in":1.5}"#,
            r#"{"expires_in":-1}"#,
        ] {
            let typed = serde_wasm_bindgen::from_value::<Answer>(JSON::parse(body).unwrap()).ok();
            let value = json::parse(body).unwrap();
            let expires = value.get("expires_in").map(|e| e.as_u64());
            let ours = match expires {
                Some(None) => None,
                e => Some(Answer {
                    access_token: value.str_of("access_token"),
                    expires_in: e.flatten(),
                    scope: value.str_of("scope"),
                }),
            };
            assert_eq!(ours, typed, "{body}");
        }
    }
}
