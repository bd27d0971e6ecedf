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
    use oauth_prefab::core::oauth::request::RANDOM_BYTES;
    use oauth_prefab::web::{drop_widget, on, widget as new_widget};
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

    /// Tells controller `w` of an input; its commands, see [`commands`].
    fn tell(w: u32, name: &str, fields: &[JsValue], now: f64) -> Vec<JsValue> {
        commands(&on(w, &input(name, fields), now))
    }

    /// Commands as JS parses them (`[number, ...fields]`), each made an object of its declared
    /// fields, with its number as `do`.
    fn commands(text: &str) -> Vec<JsValue> {
        let commands = JSON::parse(text).unwrap().dyn_into::<Array>().unwrap();
        commands
            .iter()
            .map(|command| {
                let command = command.dyn_into::<Array>().unwrap();
                let number = command.get(0).as_f64().unwrap();
                let declared = COMMANDS[number as usize].1;
                assert_eq!(command.length() as usize, 1 + declared.len());
                let object = js_sys::Object::new();
                Reflect::set(&object, &"do".into(), &number.into()).unwrap();
                for (i, field) in declared.iter().enumerate() {
                    Reflect::set(&object, &(*field).into(), &command.get(i as u32 + 1)).unwrap();
                }
                object.into()
            })
            .collect()
    }

    /// The commands named `name`.
    fn named<'a>(list: &'a [JsValue], name: &str) -> Vec<&'a JsValue> {
        let number = COMMANDS.iter().position(|(n, _)| *n == name).unwrap() as f64;
        list.iter()
            .filter(|c| get(c, "do").as_f64() == Some(number))
            .collect()
    }

    fn widget(attributes: &str) -> u32 {
        let w = new_widget();
        tell(
            w,
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
        let w =
            widget("id=t1&client-id=x&authorize-url=https%3A%2F%2Fid.example%2Fa&storage=session");
        let out = tell(w, "connect", &[], 2_000.0);
        let events = named(&out, "event");
        assert_eq!(events.len(), 1);
        assert_eq!(text(events[0], "event").as_deref(), Some("oauth-login"));
        let detail = get(events[0], "detail");
        assert_eq!(text(&detail, "accessToken").as_deref(), Some("abc"));
        assert_eq!(get(&detail, "restored"), JsValue::TRUE);
        let properties = tell(w, "read", &[], 2_000.0);
        assert_eq!(get(&properties[0], "logged_in"), JsValue::TRUE);
        assert_eq!(
            text(&properties[0], "callbackurl").as_deref(),
            Some("http://localhost:8000/app")
        );
        // A damaged record is removed, not restored.
        session().set_item("oauth-prefab:token:#t2", "%%%").unwrap();
        let damaged =
            widget("id=t2&client-id=x&authorize-url=https%3A%2F%2Fid.example%2Fa&storage=session");
        assert!(named(&tell(damaged, "connect", &[], 2_000.0), "event").is_empty());
        assert_eq!(session().get_item("oauth-prefab:token:#t2").unwrap(), None);
    }

    #[wasm_bindgen_test]
    fn a_redirect_code_login_keeps_its_verifier_in_session_storage_until_the_page_load_takes_it() {
        session().clear().unwrap();
        let attributes = "id=r1&client-id=spa&authorize-url=https%3A%2F%2Fid.example%2Fa&mode=redirect&response-type=code&token-url=%2Ftoken";
        let w = widget(attributes);
        let random: Array = (0..RANDOM_BYTES).map(|_| JsValue::from(7)).collect();
        let out = tell(w, "login", &[random.into(), ORIGIN.into()], 1_000.0);
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
        let go = tell(w, "digest", &[get(digest[0], "seq"), bytes.into()], 1_000.0);
        let url = text(named(&go, "go")[0], "url").unwrap();
        assert!(url.contains("code_challenge=AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE&code_challenge_method=S256"), "{url}");

        // The tab comes back with the code: the page decides, and strips the address.
        let page = new_widget();
        let search = format!("?keep=1&code=c1&state={state}&iss=x");
        let random: Array = (0..8).map(|_| JsValue::from(1)).collect();
        let loaded = tell(
            page,
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
        let back = widget(attributes);
        let out = tell(back, "connect", &[], 2_000.0);
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
        let page = new_widget();
        let random: Array = (0..8).map(|_| JsValue::from(255)).collect();
        let out = tell(
            page,
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
        let w = widget("client-id=x&authorize-url=https%3A%2F%2Fid.example%2Fa&fallback=none");
        let opened = tell(
            w,
            "login",
            &[
                (0..RANDOM_BYTES)
                    .map(|_| JsValue::from(3))
                    .collect::<Array>()
                    .into(),
                ORIGIN.into(),
            ],
            1_000.0,
        );
        assert_eq!(named(&opened, "open").len(), 1);
        let blocked = tell(w, "blocked", &[], 1_000.0);
        assert_eq!(
            text(&get(named(&blocked, "event")[0], "detail"), "error").as_deref(),
            Some("popup_blocked")
        );
        for bad in ["[]", "{}", "[999]", "[\"login\"]", "x"] {
            assert_eq!(named(&answer(w, bad), "fault").len(), 1, "{bad}");
        }
    }

    /// Commands for a raw input, see [`commands`].
    fn answer(w: u32, raw: &str) -> Vec<JsValue> {
        commands(&on(w, raw, 0.0))
    }

    #[wasm_bindgen_test]
    fn a_dropped_controller_answers_a_fault_and_its_number_goes_to_the_next() {
        let w = widget("client-id=x&authorize-url=https%3A%2F%2Fid.example%2Fa");
        let read = input("read", &[]);
        assert!(named(&answer(w, &read), "fault").is_empty());
        drop_widget(w);
        assert_eq!(
            named(&answer(w, &read), "fault").len(),
            1,
            "a dropped controller"
        );
        assert_eq!(
            named(&answer(u32::MAX, &read), "fault").len(),
            1,
            "a number never given"
        );
        let next = new_widget();
        assert_eq!(next, w, "the freed slot is reused");
        assert!(
            named(&answer(next, &read), "fault").is_empty(),
            "a new, idle controller"
        );
        drop_widget(next);
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

/// WebCrypto verifies published signatures through the widget's own path: the core reads the
/// JWS and chooses the key, its `verify` command is written as the browser layer writes it, and
/// js/webcrypto.js (what the driver calls) verifies.
#[cfg(target_arch = "wasm32")]
mod signatures {
    use js_sys::{Array, Promise, JSON};
    use oauth_prefab::core::json::Writer;
    use oauth_prefab::core::machine::io::Command;
    use oauth_prefab::core::oidc::jwk::{choose_key, KeyChoice};
    use oauth_prefab::core::oidc::jws::{read_jws, Alg};
    use oauth_prefab::core::text::from_base64url;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen_futures::JsFuture;
    use wasm_bindgen_test::*;

    #[wasm_bindgen(module = "/js/webcrypto.js")]
    extern "C" {
        #[wasm_bindgen(js_name = verifySignature)]
        fn verify_signature(
            key: JsValue,
            import_with: JsValue,
            verify_with: JsValue,
            data: JsValue,
            signature: JsValue,
        ) -> Promise;
    }

    /// RFC 7515 A.2 to A.3's payload, base64url.
    const PAYLOAD: &str = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";

    /// (name, compact JWS, key set) per algorithm.
    fn vectors() -> [(&'static str, String, String); 4] {
        [
            // RFC 7515 A.2: RS256, with A.2.1's public key.
            (
                "RS256",
                format!("eyJhbGciOiJSUzI1NiJ9.{PAYLOAD}.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw"),
                r#"{"keys":[{"kty":"RSA","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ","e":"AQAB"}]}"#.into(),
            ),
            // RFC 7515 A.3: ES256, with A.3.1's public key.
            (
                "ES256",
                format!("eyJhbGciOiJFUzI1NiJ9.{PAYLOAD}.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"),
                r#"{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"#.into(),
            ),
            // RFC 8037 A.4: EdDSA (Ed25519), with A.2's public key.
            (
                "EdDSA",
                "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg".into(),
                r#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#.into(),
            ),
            // PS256 has no JOSE RFC example (RFC 7520 4.2's is PS384): this one was signed with
            // Node's WebCrypto (OpenSSL) over RFC 7515's payload, salt 32, on 2026-12-05.
            (
                "PS256",
                format!("eyJhbGciOiJQUzI1NiJ9.{PAYLOAD}.cyJ_WMiA8pKklzqNT4bUdK7W3ScKjLFHebOjvm15NjnWjjuZY1kOCR0my8jJF4jRdkH2U79xvLNrbH_LoOq_07b7SRaHeG335qJ44y2j5Ib1yALBipDwzuk3o3gIL6w_82dhQhHgSTQAeR830iRb82zgs2UopqURkv2vsvTYmI8zKCjX04tCm1a5p8CF8q05ku8lEtYgb_weH430vR0rwcAzHdLF-Z9hrVoyTiCYtCaa1XAlmRuJfztu76HgrgKnD6CpODxcREGblTzPo4-PBtyyqjha_lTVDTALD5Kq7DJcXcOJ8Xoth5gxrIyJw83JMMjX6ZMH9t11WwcHWJPUrw"),
                r#"{"keys":[{"kty":"RSA","n":"uXtpXyX9p2ZSU3SvT45jrLvUr8MZTnRE3xyxskzIwuDMLKHx6VqYRPQuHOHxeGIj-lByAJT89HdalWKxwMGPsJC9NNsnw4PmZG1i5uqyUOcFESLf4jjcmhhpftDMPJcHs4-CiSLWbkX-SeG-56aW2ERBE-WcIzAYD_X-u7AdssDEH2UgX89tgvTxLUD_PRsrlO0xrg97084VW_arUBHsZA6gUBVbCSGpxDivRGeV4mBjJp4aMwkzer-vE0iAFX9c_urjcNxlOcy9ZulEx6gqkBI3XUBxq33uztrWJc9Ng5P07PaAlhGqjNrqwLnOgMxmTdxOKhqykbTLpvRSXjjm6Q","e":"AQAB"}]}"#.into(),
            ),
        ]
    }

    /// Whether WebCrypto verifies `signature` over `data` with the key the core chooses from
    /// `jwks` for `alg`, through the `verify` command the widget would send.
    async fn verifies(alg: Alg, data: &str, signature: &[u8], jwks: &str) -> bool {
        let KeyChoice::Key(key) = choose_key(jwks, None, alg) else {
            panic!("no key chosen for {}", alg.name());
        };
        let (import_with, verify_with) = alg.webcrypto();
        let command = Command::Verify {
            seq: 1,
            key: &key,
            import_with,
            verify_with,
            data,
            signature,
        };
        let mut json = Writer::default();
        command.put(&mut json);
        // `[number, seq, key, import_with, verify_with, data, signature]`, as the driver's handler takes it.
        let fields: Array = JSON::parse(&json.finish()).unwrap().into();
        let promise = verify_signature(
            fields.get(2),
            fields.get(3),
            fields.get(4),
            fields.get(5),
            fields.get(6),
        );
        let verdict = JsFuture::from(promise).await.unwrap();
        verdict.as_bool().unwrap()
    }

    /// Whether this browser's WebCrypto has the algorithm at all.
    async fn supported(alg: Alg, jwks: &str) -> bool {
        let probe = js_sys::Function::new_with_args(
            "jwks, algorithm",
            "return crypto.subtle.importKey('jwk', JSON.parse(jwks).keys[0], JSON.parse(algorithm), false, ['verify']).then(() => true, () => false)",
        );
        let promise: Promise = probe
            .call2(&JsValue::NULL, &jwks.into(), &alg.webcrypto().0.into())
            .unwrap()
            .into();
        JsFuture::from(promise).await.unwrap().as_bool().unwrap()
    }

    #[wasm_bindgen_test]
    async fn webcrypto_verifies_the_published_vectors_and_refuses_them_altered() {
        for (name, compact, jwks) in vectors() {
            let alg = Alg::parse(name).unwrap();
            // RS256 and ES256 are always there; PS256 and EdDSA where the browser has them.
            if matches!(alg, Alg::PS256 | Alg::EdDSA) && !supported(alg, &jwks).await {
                continue;
            }
            // RFC 8037's payload is not JSON, so not an id_token: the parts are taken by hand.
            let (data, signature) = compact.rsplit_once('.').unwrap();
            let signature = from_base64url(signature).unwrap();
            if alg != Alg::EdDSA {
                let jws = read_jws(&compact).expect("an id_token's shape");
                assert_eq!(
                    (jws.alg, jws.signing_input, &jws.signature),
                    (alg, data, &signature)
                );
            }
            assert!(
                verifies(alg, data, &signature, &jwks).await,
                "{name} verifies"
            );
            // The signed text changed by one character: the signature no longer verifies.
            let altered = format!("{}A", &data[..data.len() - 1]);
            assert!(
                !verifies(alg, &altered, &signature, &jwks).await,
                "{name} altered"
            );
        }
    }
}
