//! In-browser tests of the crate (`wasm-pack test --headless --chrome`): the element's glue in a
//! real Chromium. Some core rules also run here and natively (`unsupported = test`), to show the
//! wasm build behaves as the native one.

use oauth_prefab::core::params::Params;
use oauth_prefab::core::response::capture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test(unsupported = test)]
fn parser_rules_hold_in_wasm_too() {
    assert_eq!(Params::parse("a=%E2%9C%93+x").unwrap().get("a"), Some("✓ x"));
    assert!(Params::parse("a=1&a=2").is_err());
    assert!(Params::parse("a=%FF").is_err());
}

#[wasm_bindgen_test(unsupported = test)]
fn capture_rules_hold_in_wasm_too() {
    let captured = capture("?keep=1&error=access_denied", "").unwrap();
    assert_eq!((captured.raw.as_str(), captured.search.as_str()), ("error=access_denied", "?keep=1"));
}

#[cfg(target_arch = "wasm32")]
mod element {
    use js_sys::{Function, Object, Promise, Reflect};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use wasm_bindgen_test::*;
    use web_sys::{Element, HtmlElement};

    fn document() -> web_sys::Document {
        web_sys::window().unwrap().document().unwrap()
    }

    /// A connected `<oauth-login>` with `attributes`.
    fn widget(attributes: &[(&str, &str)]) -> HtmlElement {
        oauth_prefab::web::define();
        let el: HtmlElement = document().create_element("oauth-login").unwrap().dyn_into().unwrap();
        for (name, value) in attributes {
            el.set_attribute(name, value).unwrap();
        }
        document().body().unwrap().append_child(&el).unwrap();
        el
    }

    fn get(target: &JsValue, key: &str) -> JsValue {
        Reflect::get(target, &JsValue::from_str(key)).unwrap()
    }

    fn call(target: &JsValue, method: &str, args: &[JsValue]) -> JsValue {
        let f: Function = get(target, method).dyn_into().unwrap();
        let array: js_sys::Array = args.iter().collect();
        f.apply(target, &array).unwrap()
    }

    /// Awaits a promise that must reject; returns the rejection.
    async fn rejection(promise: JsValue) -> JsValue {
        JsFuture::from(promise.dyn_into::<Promise>().unwrap()).await.expect_err("the promise should reject")
    }

    /// Records the `detail` of every `name` event on `el`.
    fn record(el: &HtmlElement, name: &str) -> js_sys::Array {
        let seen = js_sys::Array::new();
        let sink = seen.clone();
        let listener = wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::CustomEvent)>::new(move |e: web_sys::CustomEvent| {
            sink.push(&e.detail());
        });
        el.add_event_listener_with_callback(name, listener.as_ref().unchecked_ref()).unwrap();
        listener.forget();
        seen
    }

    #[wasm_bindgen_test]
    fn define_twice_is_harmless_and_the_shadow_button_has_parts() {
        oauth_prefab::web::define();
        let el = widget(&[("provider", "instagram"), ("client-id", "abc")]);
        let root = el.shadow_root().expect("open shadow root");
        let button: Element = root.query_selector("button[part=button]").unwrap().expect("a real button");
        assert_eq!(button.get_attribute("type").as_deref(), Some("button"));
        assert_eq!(button.get_attribute("aria-busy").as_deref(), Some("false"));
        assert!(root.query_selector("[part=spinner]").unwrap().is_some());
        let label = root.query_selector("[part=label]").unwrap().unwrap();
        assert_eq!(label.text_content().as_deref(), Some("Log in with Instagram"));
        el.set_attribute("label", "Sign in <b>now</b>").unwrap();
        assert_eq!(label.text_content().as_deref(), Some("Sign in <b>now</b>"), "labels are text, not HTML");
        el.remove();
    }

    #[wasm_bindgen_test]
    fn attributes_reflect_to_properties_and_back() {
        let el = widget(&[("client-id", "abc")]);
        assert_eq!(get(&el, "clientId").as_string().as_deref(), Some("abc"));
        Reflect::set(&el, &JsValue::from_str("authorizeUrl"), &JsValue::from_str("https://id.example/auth")).unwrap();
        assert_eq!(el.get_attribute("authorize-url").as_deref(), Some("https://id.example/auth"));
        Reflect::set(&el, &JsValue::from_str("authorizeUrl"), &JsValue::NULL).unwrap();
        assert!(!el.has_attribute("authorize-url"));
        el.remove();
    }

    #[wasm_bindgen_test]
    fn callbackurl_is_origin_and_path_or_the_redirect_uri() {
        let location = web_sys::window().unwrap().location();
        let expected = format!("{}{}", location.origin().unwrap(), location.pathname().unwrap());
        let el = widget(&[("client-id", "abc")]);
        assert_eq!(get(&el, "callbackurl").as_string(), Some(expected));
        el.set_attribute("redirect-uri", "http://localhost:1/cb").unwrap();
        assert_eq!(get(&el, "callbackurl").as_string().as_deref(), Some("http://localhost:1/cb"));
        assert_eq!(get(&el, "accessToken"), JsValue::NULL);
        assert_eq!(get(&el, "loggedIn"), JsValue::FALSE);
        assert_eq!(get(&el, "expiresAt"), JsValue::NULL);
        el.remove();
    }

    #[wasm_bindgen_test]
    async fn a_missing_client_id_rejects_and_fires_oauth_error() {
        let el = widget(&[("provider", "google")]);
        let errors = record(&el, "oauth-error");
        let error = rejection(call(&el, "login", &[])).await;
        assert_eq!(get(&error, "name").as_string().as_deref(), Some("OAuthError"));
        assert!(error.is_instance_of::<js_sys::Error>());
        assert_eq!(get(&error, "code").as_string().as_deref(), Some("invalid_config"));
        assert_eq!(errors.length(), 1);
        let detail = errors.get(0);
        assert_eq!(get(&detail, "error").as_string().as_deref(), Some("invalid_config"));
        assert_eq!(get(&detail, "reason"), JsValue::NULL);
        let message = el.shadow_root().unwrap().query_selector("[part=message]").unwrap().unwrap();
        assert!(message.text_content().unwrap().contains("client-id is required"));
        el.remove();
    }

    #[wasm_bindgen_test]
    async fn a_client_secret_attribute_refuses_to_log_in() {
        let el = widget(&[("provider", "google"), ("client-id", "abc"), ("client-secret", "s3cret")]);
        let error = rejection(call(&el, "login", &[])).await;
        assert_eq!(get(&error, "code").as_string().as_deref(), Some("invalid_config"));
        assert!(get(&error, "description").as_string().unwrap().contains("client secret"));
        el.remove();
    }

    #[wasm_bindgen_test]
    async fn fetch_without_a_token_rejects_with_login_required() {
        let el = widget(&[("provider", "google"), ("client-id", "abc")]);
        let error = rejection(call(&el, "fetch", &[JsValue::from_str("/nothing")])).await;
        assert_eq!(get(&error, "code").as_string().as_deref(), Some("login_required"));
        el.remove();
    }

    #[wasm_bindgen_test]
    async fn a_blocked_popup_with_fallback_none_fails_with_popup_blocked() {
        let window = web_sys::window().unwrap();
        let original = get(&window, "open");
        Reflect::set(&window, &JsValue::from_str("open"), &Function::new_no_args("return null")).unwrap();
        let el = widget(&[("client-id", "abc"), ("authorize-url", "https://id.example/auth"), ("fallback", "none")]);
        let error = rejection(call(&el, "login", &[])).await;
        Reflect::set(&window, &JsValue::from_str("open"), &original).unwrap();
        assert_eq!(get(&error, "code").as_string().as_deref(), Some("popup_blocked"));
        el.remove();
    }

    #[wasm_bindgen_test]
    async fn programmatic_login_validates_its_options() {
        let error = rejection(oauth_prefab::web::login(JsValue::from_str("nope")).into()).await;
        assert_eq!(get(&error, "code").as_string().as_deref(), Some("invalid_config"));
        let options = Object::new();
        Reflect::set(&options, &JsValue::from_str("authorizeUrl"), &JsValue::from_str("http://evil.example/")).unwrap();
        Reflect::set(&options, &JsValue::from_str("clientId"), &JsValue::from_str("x")).unwrap();
        let error = rejection(oauth_prefab::web::login(options.into()).into()).await;
        assert!(get(&error, "description").as_string().unwrap().contains("must use https"));
    }
}
