//! The bodies of the fuzz targets, one function per target, each taking libFuzzer's bytes.
//!
//! `fuzz_targets/<name>.rs` hands them to libFuzzer (`cargo fuzz run <name>`, nightly), and
//! `tests/regressions.rs` replays every file of `corpus/<name>/` and `regressions/<name>/`
//! through them under plain `cargo test` (stable). A target fails by panicking: the parser
//! itself panicked, or an oracle (an `assert!` here) saw it disagree with another reading of the
//! same bytes, with `serde_json`, with `form_urlencoded`, or with its own writer's output read
//! back.
//!
//! Inputs that must be text (everything the wasm core reads is a JS string) are taken only when
//! the bytes are UTF-8; the servers read bytes and get them as they are.
// The root clippy.toml's size rules are for the shipped wasm; a fuzz target formats and panics.
#![allow(clippy::disallowed_macros, clippy::disallowed_methods)]

use std::borrow::Cow;
use std::sync::OnceLock;
use std::time::Duration;

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::IntoResponse;
use base64::Engine as _;
use oauth_prefab::core::contract::{ResponseType, Storage};
use oauth_prefab::core::json::{self, Writer, MAX_DEPTH};
use oauth_prefab::core::machine::callback::PageState;
use oauth_prefab::core::machine::io::{Command, COMMANDS, INPUTS};
use oauth_prefab::core::machine::session::{Held, Pending, Stage};
use oauth_prefab::core::machine::{Env, Machine};
use oauth_prefab::core::oauth::config::{advice, Config, Page, Settings, RESERVED_PARAMS};
use oauth_prefab::core::oauth::form::{Params, MAX_INPUT_BYTES, MAX_PAIRS};
use oauth_prefab::core::oauth::provider::{Preset, CUSTOM, PRESETS};
use oauth_prefab::core::oauth::request::{authorize_url, token_request, Secret, Secrets};
use oauth_prefab::core::oauth::response::{
    capture, check_issuer, check_state, code_of, implicit_token, parse, provider_error, state_of,
    token_answer as read_token_answer, MAX_TOKEN_ANSWER_BYTES,
};
use oauth_prefab::core::oauth::token::{Token, MAX_EXPIRES_IN_DIGITS};
use oauth_prefab::core::oauth::url::{is_secure, origin_of};
use oauth_prefab::core::store::{MemoryStore, Store};
use oauth_prefab::core::text;
use oauth_prefab::web::edge;
use server_kit::{Form, FormLimits, FormRejection};

/// The clock of every target: a fixed instant, so that a crash replays.
pub const NOW: u64 = 1_700_000_000_000;

/// A target's body.
pub type Target = fn(&[u8]);

/// The targets, by name, as `cargo fuzz` and the regression test know them.
pub const TARGETS: &[(&str, Target)] = &[
    ("form", form),
    ("authorization_response", authorization_response),
    ("token_answer", token_answer),
    ("json", json),
    ("settings", settings),
    ("records", records),
    ("edge", edge),
    ("exchange_form", exchange_form),
    ("exchange_config", exchange_config),
    ("dev_provider_form", dev_provider_form),
    ("dev_provider_clients", dev_provider_clients),
    ("jws", jws),
    ("jwk", jwk),
    ("discovery", discovery),
    ("claims", claims),
    ("userinfo", userinfo),
    ("unpack", unpack),
];

// ---------------------------------------------------------------------------------------------
// Shared oracles

/// `form_urlencoded`'s reading of `raw`: lenient, but equal to a strict one wherever that accepts.
fn url_crate_pairs(raw: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(raw)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The deepest nesting of arrays and objects in a JSON text that is known to be valid.
fn json_depth(text: &str) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0, false, false);
    for b in text.bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_string = true,
                b'[' | b'{' => {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    deepest
}

/// `serde_json`'s reading of a JSON text as a value, where the core's reader and it are meant to
/// agree. Two differences are accounted for, as `Err(true)` (no comparison to make):
/// - `serde_json` refuses a number beyond `f64`'s range (`1e400`: "number out of range"), which
///   the core keeps as text, valid by RFC 8259's grammar: refused for that reason alone (its
///   grammar-only reading, `IgnoredAny`, accepts);
/// - an object member named `$serde_json::private::RawValue` (serde_json's `raw_value` feature,
///   which a dependency turns on) is read as something else than an object.
fn serde_reading(text: &str) -> Result<serde_json::Value, bool> {
    if text.contains("$serde_json::private::") {
        return Err(true);
    }
    serde_json::from_str::<serde_json::Value>(text).map_err(|e| {
        e.to_string().starts_with("number out of range")
            && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
    })
}

/// The core's value as `serde_json` would hold it (members by name, the last of a name kept, as
/// `serde_json` keeps it); `None` where a number is out of `f64`'s range.
fn as_serde(value: &json::Value) -> Option<serde_json::Value> {
    Some(match value {
        json::Value::Null => serde_json::Value::Null,
        json::Value::Bool(b) => serde_json::Value::Bool(*b),
        json::Value::Number(raw) => serde_json::from_str(raw).ok()?,
        json::Value::Str(_) => serde_json::Value::String(value.as_str()?.into_owned()),
        json::Value::Array(_) => serde_json::Value::Array(
            value
                .members()
                .iter()
                .map(|(_, element)| as_serde(element))
                .collect::<Option<_>>()?,
        ),
        json::Value::Object(_) => {
            let mut map = serde_json::Map::new();
            for (name, member) in value.members() {
                map.insert(name.into_owned(), as_serde(&member)?);
            }
            serde_json::Value::Object(map)
        }
    })
}

/// Writes the core's value again with the core's writer.
fn rewrite(writer: &mut Writer, value: &json::Value) {
    match value {
        json::Value::Null => {
            writer.raw("null");
        }
        json::Value::Bool(b) => {
            writer.boolean(*b);
        }
        json::Value::Number(raw) => {
            writer.raw(raw);
        }
        json::Value::Str(_) => {
            writer.string(&value.as_str().expect("a string read unescapes"));
        }
        json::Value::Array(_) => {
            writer.raw("[");
            for (_, element) in value.members() {
                rewrite(writer, &element);
            }
            writer.raw("]");
        }
        json::Value::Object(_) => {
            writer.raw("{");
            for (name, member) in value.members() {
                writer.key(&name);
                rewrite(writer, &member);
            }
            writer.raw("}");
        }
    }
}

/// A text for a log line or a page: no control character may survive (a forged log line).
fn assert_no_control(shown: &str, what: &str) {
    assert!(
        !shown.chars().any(char::is_control),
        "{what} lets a control character through: {shown:?}"
    );
}

fn pairs_of(list: &[(String, String)]) -> Vec<(&str, &str)> {
    list.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect()
}

// ---------------------------------------------------------------------------------------------
// The core

/// `oauth::form::Params::parse`, the strict form parser of responses, records and settings:
/// against `form_urlencoded` (equal pairs wherever it accepts), against server-kit's strict
/// decoder (the same decisions, for the same reasons), and `text::form`'s output read back.
pub fn form(data: &[u8]) {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let ours = Params::parse(input);
    let strict = Form::parse(
        data,
        &FormLimits {
            max_body_bytes: MAX_INPUT_BYTES,
            max_value_bytes: usize::MAX,
            read_timeout: Duration::from_secs(1),
        },
    );
    assert_eq!(
        ours.is_ok(),
        strict.as_ref().is_ok_and(|f| f.pairs().len() <= MAX_PAIRS),
        "the core's form parser and server-kit's decide differently: {ours:?} / {strict:?}"
    );
    match (&ours, &strict) {
        (Ok(params), _) => {
            assert!(input.len() <= MAX_INPUT_BYTES && params.pairs().len() <= MAX_PAIRS);
            assert_eq!(
                params.pairs(),
                &url_crate_pairs(data)[..],
                "form_urlencoded"
            );
            assert_eq!(Ok(params.pairs()), strict.as_ref().map(Form::pairs));
            let written = text::form(&pairs_of(params.pairs()));
            if written.len() <= MAX_INPUT_BYTES {
                assert_eq!(Params::parse(&written).as_ref(), Ok(params), "{written}");
            }
        }
        (Err(why), Err(rejection)) if why != "it has over 32 parameters" => {
            let agree = match rejection {
                FormRejection::TooLarge { .. } => why == "it is over 16 KiB",
                // The core names it cut after 40 characters (a name may be 16 KiB).
                FormRejection::Repeated(name) => {
                    let shown: String = name.chars().take(40).collect();
                    why == &text::cat(&["`", &shown, "` is given twice"])
                }
                FormRejection::BadEncoding(detail) if detail.starts_with("invalid percent") => {
                    why.ends_with("has bad percent-encoding")
                }
                FormRejection::BadEncoding(_) => why.ends_with("is not UTF-8 once decoded"),
                _ => false,
            };
            assert!(
                agree,
                "refused for different reasons: {why:?} / {rejection:?}"
            );
        }
        _ => {}
    }
    // The writer, on pairs of any text: lines of `name<TAB>value`, each name once.
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for line in input.split('\n') {
        let (name, value) = line.split_once('\t').unwrap_or((line, ""));
        if pairs.len() < MAX_PAIRS && !pairs.iter().any(|(n, _)| *n == name) {
            pairs.push((name, value));
        }
    }
    let written = text::form(&pairs);
    if written.len() <= MAX_INPUT_BYTES {
        let back = Params::parse(&written).expect("what text::form writes parses");
        assert_eq!(pairs_of(back.pairs()), pairs, "{written}");
    }
    let theirs = url_crate_pairs(written.as_bytes());
    assert_eq!(pairs_of(&theirs), pairs, "form_urlencoded reads {written}");
}

/// The query parameters that belong to an authorization response (README, "Stripping first"),
/// written from the README and not imported from the core: the oracle must not share the list
/// it checks.
const QUERY_RESPONSE_NAMES: &[&str] = &[
    "code",
    "state",
    "iss",
    "session_state",
    "error",
    "error_reason",
    "error_description",
    "error_uri",
];

/// An authorization response in a page's address (`?query#fragment`): `capture`, `parse`,
/// `state_of`, `check_state`, `check_issuer`, `provider_error`, `implicit_token` for every
/// preset, `code_of`; what is stripped plus what stays is the address; a token read from a
/// response survives its stored record.
pub fn authorization_response(data: &[u8]) {
    let Ok(address) = std::str::from_utf8(data) else {
        return;
    };
    let (search, hash) = address.split_at(address.find('#').unwrap_or(address.len()));
    let fragment = hash.strip_prefix('#').unwrap_or(hash);
    if let Some(c) = capture(search, hash) {
        // The query's response parameters leave, the page's own stay, in order; the fragment
        // leaves too when it is the response (it names one of these), else it stays.
        let name = |piece: &str| piece.split_once('=').map_or(piece, |(n, _)| n).to_owned();
        let in_fragment = fragment
            .split('&')
            .any(|p| ["access_token", "code", "error", "state"].contains(&name(p).as_str()));
        let query = search.strip_prefix('?').unwrap_or(search);
        let pieces = query.split('&').filter(|p| !p.is_empty());
        let (raw, rest): (Vec<&str>, Vec<&str>) =
            pieces.partition(|p| QUERY_RESPONSE_NAMES.contains(&name(p).as_str()));
        let kept = if rest.is_empty() {
            String::new()
        } else {
            format!("?{}", rest.join("&"))
        };
        let (raw, hash_kept) = match in_fragment {
            true => (fragment.to_owned(), ""),
            false => (raw.join("&"), hash),
        };
        assert_eq!(
            (c.raw.as_str(), c.rest.as_str()),
            (raw.as_str(), &*format!("{kept}{hash_kept}")),
            "{address:?}"
        );
        // What stays is no response: the page will not take it again.
        assert_eq!(capture(&kept, hash_kept), None, "{c:?}");
        response_rules(&c.raw);
    }
    response_rules(fragment);
    response_rules(search.strip_prefix('?').unwrap_or(search));
}

fn response_rules(raw: &str) {
    let parsed = parse(raw);
    assert_eq!(
        state_of(raw),
        parsed
            .as_ref()
            .ok()
            .and_then(|p| p.get("state").map(str::to_owned))
    );
    let Ok(params) = parsed else {
        return;
    };
    let expected = Secret::new("9".repeat(64));
    let state_ok = check_state(&params, &expected).is_ok();
    assert_eq!(
        state_ok,
        match params.get("state") {
            None => params.get("error").is_some(),
            Some(given) => given == expected.expose(),
        }
    );
    if let Some(given) = params.get("state") {
        assert!(check_state(&params, &Secret::new(given)).is_ok());
    }
    // An `iss` given must be the issuer; none passes unless one is required.
    for required in [false, true] {
        let issuer_ok = check_issuer(&params, Some("https://id.example"), required).is_ok();
        let iss = params.get("iss");
        assert_eq!(
            issuer_ok,
            iss.map_or(!required, |i| i == "https://id.example")
        );
        assert!(check_issuer(&params, None, required).is_ok());
    }
    if let Some(error) = provider_error(&params) {
        let code = params.get("error").unwrap_or_default();
        let code = if code.is_empty() {
            "server_error"
        } else {
            code
        };
        assert_eq!(error.code.as_str(), code);
        // The description given, or (none, or empty) one naming the code.
        match params.get("error_description").filter(|d| !d.is_empty()) {
            Some(given) => assert_eq!(error.description, given),
            None => assert!(error.description.contains(code), "{}", error.description),
        }
    }
    assert_eq!(
        code_of(&params).ok(),
        params.get("code").filter(|c| !c.is_empty())
    );
    for preset in PRESETS.iter().chain([&CUSTOM]) {
        let Ok(token) = implicit_token(&params, preset, "basic likes", NOW) else {
            continue;
        };
        check_token(&token, &params, preset);
    }
}

/// What `implicit_token` may accept, and the token's record read back.
fn check_token(token: &Token, params: &Params, preset: &Preset) {
    assert_eq!(
        Some(token.access_token.expose()),
        params.get("access_token")
    );
    assert!(!token.access_token.expose().is_empty());
    match params.get("token_type") {
        Some(t) => assert!(t.eq_ignore_ascii_case("bearer"), "{t}"),
        None => assert!(preset.token_type_optional, "{}", preset.id),
    }
    match params.get("expires_in") {
        None => assert_eq!(token.expires_in, None),
        Some(e) => {
            assert!(e.len() <= MAX_EXPIRES_IN_DIGITS && e.bytes().all(|b| b.is_ascii_digit()));
            assert_eq!(token.expires_in, e.parse().ok());
        }
    }
    let held = Held {
        token: token.clone(),
        profile: Default::default(),
        id_token: None,
        refresh_token: None,
        auth_time: None,
        config: record_config(),
        // As a record read back is.
        kept: true,
    };
    let record = held.to_record();
    if record.len() <= MAX_INPUT_BYTES {
        let back = Held::from_record(&record, &held.config).flatten();
        assert_eq!(back.as_ref(), Some(&held), "the token's record reads back");
    }
}

/// The configuration a token record is read for (it only names the record's widget).
fn record_config() -> std::rc::Rc<Config> {
    let settings = Settings::parse("provider=google&client-id=abc");
    Config::new(settings, pages()[0].clone())
}

/// The typed reading of a token answer that `token_answer` means to match (README: "the same
/// rules as serde's typed deserialization").
#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct TypedAnswer {
    access_token: Option<String>,
    token_type: Option<String>,
    id_token: Option<String>,
    refresh_token: Option<String>,
    expires_in: Option<u64>,
    scope: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
    error_uri: Option<String>,
    /// Any value, once: a `user` given twice is refused, as serde's typed reading refuses it.
    user: Option<serde::de::IgnoredAny>,
}

/// `oauth::response::token_answer`, any status, any preset, any body: against `serde_json`,
/// reading the body as a value and as the typed answer.
pub fn token_answer(data: &[u8]) {
    let [a, b, p, body @ ..] = data else {
        return;
    };
    let Ok(body) = std::str::from_utf8(body) else {
        return;
    };
    let status = u32::from(u16::from_le_bytes([*a, *b]) % 600);
    let preset = PRESETS.get(usize::from(*p)).unwrap_or(&CUSTOM);
    let ours = read_token_answer(status, body, preset, "openid", NOW);
    let value = serde_reading(body);
    let Ok(granted) = &ours else {
        // Whatever serde reads, a refusal is in order, unless serde reads a good answer.
        let Ok(serde_json::Value::Object(_)) = &value else {
            return;
        };
        let Ok(typed) = serde_json::from_str::<TypedAnswer>(body) else {
            return;
        };
        let good = (200..300).contains(&status)
            && typed.error.is_none()
            && typed.access_token.is_some_and(|t| !t.is_empty())
            && typed.token_type.map_or(preset.token_type_optional, |t| {
                t.eq_ignore_ascii_case("bearer")
            })
            && typed
                .expires_in
                .is_none_or(|e| e < 10u64.pow(MAX_EXPIRES_IN_DIGITS as u32))
            && body.len() <= MAX_TOKEN_ANSWER_BYTES
            && json_depth(body) <= MAX_DEPTH;
        assert!(!good, "a good answer refused: {:?}", ours.unwrap_err());
        return;
    };
    assert!((200..300).contains(&status) && body.len() <= MAX_TOKEN_ANSWER_BYTES);
    let object = match value {
        Ok(serde_json::Value::Object(object)) => object,
        Ok(other) => panic!("taken, but serde_json reads {other}"),
        Err(true) => return, // a number out of f64's range, somewhere in an unknown member
        Err(false) => panic!("taken, but serde_json refuses it"),
    };
    // serde_json keeps the last member of a name; the core refuses a known one given twice.
    let typed = serde_json::from_str::<TypedAnswer>(body);
    let typed = typed.unwrap_or_else(|e| panic!("taken, but serde's typed reading says {e}"));
    assert_eq!(
        typed.access_token.as_deref(),
        Some(granted.token.access_token.expose())
    );
    assert!(typed.error.is_none());
    assert_eq!(typed.expires_in, granted.token.expires_in);
    let given = |v: &Option<String>| v.clone().filter(|v| !v.is_empty());
    assert_eq!(given(&typed.id_token), granted.id_token);
    assert_eq!(given(&typed.refresh_token), granted.refresh_token);
    assert!(
        matches!(&typed.token_type, Some(t) if t.eq_ignore_ascii_case("bearer"))
            || typed.token_type.is_none() && preset.token_type_optional
    );
    let scope = typed.scope.as_deref().map(text::words).unwrap_or_default();
    let scope = if scope.is_empty() {
        "openid".into()
    } else {
        scope.join(" ")
    };
    assert_eq!(granted.token.scope, scope);
    // `user` is the object serde reads (serde keeps the last of a name; the core refuses a
    // `user` given twice, so there is one).
    let user = granted
        .user
        .as_deref()
        .map(|user| serde_json::from_str::<serde_json::Value>(user).expect("user is JSON"));
    assert_eq!(user.as_ref(), object.get("user").filter(|u| u.is_object()));
}

/// `json::parse`: against `serde_json` (the same texts accepted, nesting over
/// [`json::MAX_DEPTH`] aside, and the same values read), and the writer's output read back by
/// both: every string, and the whole value written again.
pub fn json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let ours = json::parse(text);
    match (&ours, serde_reading(text)) {
        (Some(value), Ok(theirs)) => {
            assert!(json_depth(text) <= MAX_DEPTH);
            assert_eq!(as_serde(value).as_ref(), Some(&theirs), "read differently");
        }
        (None, Ok(_)) => assert!(
            json_depth(text) > MAX_DEPTH,
            "refused, but serde_json reads it"
        ),
        (Some(_), Err(out_of_range)) => {
            assert!(out_of_range, "read, but serde_json refuses it")
        }
        (None, Err(_)) => {}
    }
    if let Some(value) = &ours {
        let mut writer = Writer::default();
        rewrite(&mut writer, value);
        let written = writer.finish();
        let again = json::parse(&written).expect("the writer's output reads back");
        assert_eq!(as_serde(&again), as_serde(value), "{written}");
        if let Ok(theirs) = serde_reading(text) {
            assert_eq!(serde_reading(&written).ok(), Some(theirs), "{written}");
        }
    }
    let mut writer = Writer::default();
    writer.string(text);
    let written = writer.finish();
    assert_eq!(
        json::parse(&written)
            .and_then(|v| v.as_str().map(Cow::into_owned))
            .as_deref(),
        Some(text)
    );
    assert_eq!(
        serde_json::from_str::<String>(&written).ok().as_deref(),
        Some(text)
    );
    assert!(!written.contains(['\u{2028}', '\u{2029}']), "{written}");
}

/// Pages a widget may run on.
fn pages() -> [Page; 2] {
    [
        Page {
            origin: "http://localhost:8080".into(),
            path: "/app/".into(),
        },
        Page {
            origin: "https://app.example".into(),
            path: "/".into(),
        },
    ]
}

/// `oauth::config::Settings::parse` and `Config::new` (the element's attributes, form-encoded,
/// with `extra-params` inside), `advice`; for a valid configuration: its rules hold, the
/// authorization URL and the token request it writes read back, and a redirect login's record
/// of it rebuilds it.
pub fn settings(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let settings = Settings::parse(text);
    for page in pages() {
        let config = Config::new(settings.clone(), page);
        let _ = advice(&config);
        for url in [config.authorize_url(), &config.redirect_uri]
            .into_iter()
            .chain(config.token_url.as_deref())
        {
            if let Some(origin) = origin_of(url) {
                assert_eq!(origin_of(&origin).as_deref(), Some(origin.as_str()));
                let _ = is_secure(&origin);
            }
        }
        if config.error.is_none() {
            valid_config(&config);
        }
    }
}

fn valid_config(config: &std::rc::Rc<Config>) {
    let id = config.client_id();
    assert!(!id.is_empty() && id.len() <= 512 && !id.bytes().any(|b| b < b' ' || b == 0x7f));
    assert!((1..=86_400).contains(&config.timeout_secs));
    // A code flow's token URL is set, or discovered from the issuer.
    let code_flow = config.code_flow();
    assert_eq!(code_flow, config.response_type == ResponseType::Code);
    assert!(!code_flow || config.token_url.is_some() || config.issuer().is_some());
    assert!(code_flow || config.token_url.is_none());
    assert!(config.response_type != ResponseType::TokenIdToken || config.verifies());
    assert!(!config.authorize_url().is_empty() || config.issuer().is_some());
    let page_origin = config.page.origin.to_ascii_lowercase();
    assert_eq!(
        origin_of(&config.redirect_uri).as_deref(),
        Some(page_origin.as_str()),
        "the redirect URI sent, {:?}, is not an absolute URL of the page's origin",
        config.redirect_uri
    );
    // The authorization and token endpoints: absolute, or a path on the page's origin.
    for url in [config.authorize_url()]
        .into_iter()
        .filter(|url| !url.is_empty())
        .chain(config.token_url.as_deref())
    {
        let absolute = match url.starts_with('/') && !url.starts_with("//") {
            true => format!("{page_origin}{url}"),
            false => url.to_owned(),
        };
        let origin = origin_of(&absolute).unwrap_or_else(|| panic!("{url} has no origin"));
        assert!(is_secure(&origin), "{url} is not https (nor loopback http)");
    }
    let extra = Params::parse(
        config
            .get(oauth_prefab::core::contract::Attr::ExtraParams)
            .unwrap_or(""),
    )
    .expect("a valid config's extra-params parse");
    assert!(!extra
        .pairs()
        .iter()
        .any(|(n, _)| RESERVED_PARAMS.contains(&n.as_str())));

    // The authorization URL: the settings' own query (if any), then ours, each name once.
    let secrets = Secrets {
        state: Secret::new("5".repeat(64)),
        verifier: code_flow.then(|| Secret::new("v".repeat(43))),
        // A nonce only where the id_token is verified, as login_secrets makes them.
        nonce: config.proves().then(|| Secret::new("6".repeat(32))),
    };
    let digest = [7u8; 32];
    let base = match config.authorize_url() {
        "" => "https://discovered.example/authorize",
        set => set,
    };
    let url = authorize_url(base, config, &secrets, code_flow.then_some(&digest[..]));
    assert!(url.starts_with(base), "{url}");
    let ours = url_crate_pairs(&url.as_bytes()[base.len() + 1..]);
    let get = |name: &str| {
        let mut found = ours.iter().filter(|(n, _)| n == name);
        let first = found.next().map(|(_, v)| v.as_str());
        assert!(found.next().is_none(), "{name} twice in {url}");
        first
    };
    assert_eq!(get("client_id"), Some(id));
    assert_eq!(get("redirect_uri"), Some(config.redirect_uri.as_str()));
    let response_type = get("response_type").expect("a response_type");
    let mut words: Vec<&str> = response_type.split(' ').collect();
    words.sort_unstable();
    let expected = match config.response_type {
        ResponseType::TokenIdToken => vec!["id_token", "token"],
        other => vec![other.as_str()],
    };
    assert_eq!(words, expected, "{response_type}");
    assert_eq!(get("state"), Some(secrets.state.expose()));
    assert_eq!(get("nonce"), secrets.nonce.as_ref().map(Secret::expose));
    assert_eq!(get("code_challenge_method").is_some(), code_flow);
    for (name, value) in extra.pairs() {
        assert_eq!(get(name), Some(value.as_str()));
    }

    // The token request: exactly the contract's fields.
    let verifier = Secret::new("v".repeat(43));
    let body = token_request(id, config, &verifier);
    let fields = url_crate_pairs(body.as_bytes());
    assert_eq!(
        pairs_of(&fields),
        [
            ("grant_type", "authorization_code"),
            ("code", id),
            ("redirect_uri", config.redirect_uri.as_str()),
            ("client_id", id),
            ("code_verifier", verifier.expose()),
        ]
    );

    // A redirect login's record rebuilds the same configuration.
    let login = Pending {
        config: config.clone(),
        secrets,
        digest: None,
        discovery: None,
        started_at: NOW,
        popup: None,
        stage: Stage::Authorize(url),
        hinted: true,
        address: "http://localhost:8080/app?q=1#top".into(),
    };
    let record = login.to_record();
    if record.len() <= MAX_INPUT_BYTES {
        let back = Pending::from_record(&record).expect("a valid login's record reads back");
        assert_eq!(*back.config, **config);
        assert_eq!(
            (&back.secrets, back.started_at, &back.address),
            (&login.secrets, login.started_at, &login.address)
        );
    }
}

/// The stored records: a session (`Held::from_record`: the token, who it is, the id_token and
/// refresh token) and a redirect login (`Pending::from_record`, with or without the `address` of
/// its start page); whatever reads back is written and read again unchanged.
pub fn records(data: &[u8]) {
    let Ok(record) = std::str::from_utf8(data) else {
        return;
    };
    let config = record_config();
    if let Some(held) = Held::from_record(record, &config).flatten() {
        assert!(!held.token.access_token.expose().is_empty());
        let profile = &held.profile;
        for text in [
            &profile.sub,
            &profile.name,
            &profile.email,
            &profile.picture,
            &profile.username,
        ]
        .into_iter()
        .chain([&held.id_token])
        .flatten()
        {
            assert!(!text.is_empty());
        }
        let again = held.to_record();
        if again.len() <= MAX_INPUT_BYTES {
            let back = Held::from_record(&again, &config).flatten();
            assert_eq!(back.as_ref(), Some(&held), "a session's record reads back");
        }
        let _ = (held.token.is_expired(NOW), held.profile());
    }
    if let Some(login) = Pending::from_record(record) {
        assert!(login.config.error.is_none());
        assert!(!login.secrets.state.expose().is_empty());
        assert_eq!(login.config.code_flow(), login.secrets.verifier.is_some());
        assert_eq!(login.config.proves(), login.secrets.nonce.is_some());
        let again = login.to_record();
        if again.len() <= MAX_INPUT_BYTES {
            let back = Pending::from_record(&again).expect("a record written reads back");
            assert_eq!(back.config, login.config);
            assert_eq!(
                (&back.secrets, back.started_at, &back.address),
                (&login.secrets, login.started_at, &login.address)
            );
        }
        let _ = (login.deadline(), login.causes(""), login.awaits_discovery());
    }
}

/// `web::edge::decode`, the JSON edge, driving the controller as the wasm export `on` does: each line is
/// one input (optionally `@<ms>` first, the time it arrives after the previous one, and `!<n>`,
/// which of three widgets of one page it goes to; `["connect"]` may name the input instead of
/// numbering it; or, instead of an input, `$key<TAB>value`, another tab's write of any record to
/// `localStorage`, or `$`, the page's writes refused from then on, or no longer), and every
/// answer must be a JSON array of commands, each with exactly its declared fields.
pub fn edge(data: &[u8]) {
    let Ok(script) = std::str::from_utf8(data) else {
        return;
    };
    let mut store = MemoryStore::default();
    let mut page = PageState::default();
    let mut widgets: [Machine; 3] = Default::default();
    let mut now = NOW;
    for line in script.lines().take(64) {
        let mut line = line;
        if let Some(rest) = line.strip_prefix('@') {
            let end = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            now = now.saturating_add(rest[..end].parse::<u64>().unwrap_or(0).min(1 << 40));
            line = &rest[end..];
        }
        // `$key<TAB>value`: another tab writes `localStorage` (`["stored", key]` then tells);
        // `$` alone: the browser starts, or stops, refusing the page's writes.
        if let Some(rest) = line.strip_prefix('$') {
            match rest.split_once('\t') {
                Some((key, value)) => {
                    let refuse = std::mem::take(&mut store.refuse);
                    store.set(Storage::Local, key, value);
                    store.refuse = refuse;
                }
                None => store.refuse = !store.refuse,
            }
            continue;
        }
        let mut widget = 0;
        if let Some(rest) = line.strip_prefix('!') {
            widget = usize::from(rest.as_bytes().first().copied().unwrap_or(b'0') % 3);
            line = rest.get(1..).unwrap_or("");
        }
        // `["name", ...]`: the input named so, numbered as io.rs declares it today (the seeds
        // name their inputs, so that they keep their meaning when inputs are added).
        let named;
        if let Some(rest) = line.strip_prefix("[\"") {
            let end = rest.find('"').unwrap_or(0);
            if let Some(number) = INPUTS.iter().position(|(n, _)| *n == &rest[..end]) {
                named = format!("[{number}{}", &rest[end + 1..]);
                line = &named;
            }
        }
        let mut out = edge::commands();
        match edge::decode(line) {
            Ok(input) => {
                let mut env = Env {
                    store: &mut store,
                    page: &mut page,
                    now,
                };
                widgets[widget].handle(&input, &mut env, &mut out);
            }
            Err(text) => out.emit(Command::Fault { text }),
        }
        let written = edge::finish(out);
        assert!(json::parse(&written).is_some(), "{written}");
        let commands = match serde_reading(&written) {
            Ok(commands) => commands,
            Err(true) => continue,
            Err(false) => panic!("the commands are not JSON: {written}"),
        };
        for command in commands.as_array().expect("an array of commands") {
            let command = command.as_array().expect("each command an array");
            let number = command[0].as_u64().expect("a command number") as usize;
            let (name, fields) = COMMANDS[number];
            assert_eq!(
                command.len(),
                1 + fields.len(),
                "{name}: its declared fields"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The servers

/// The exchange of `example.config.json`, with a secret that must never show.
const EXCHANGE_SECRET: &str = "fuzz-secret-3f9a";

fn exchange() -> &'static oauth_prefab_exchange::AppState {
    static STATE: OnceLock<oauth_prefab_exchange::AppState> = OnceLock::new();
    STATE.get_or_init(|| {
        let text = include_str!("../../exchange/example.config.json");
        let config = oauth_prefab_exchange::Config::from_json(text, |_| Ok(EXCHANGE_SECRET.into()))
            .expect("the example config is valid");
        oauth_prefab_exchange::AppState::new(config).expect("the exchange's state")
    })
}

/// The exchange's form (server-kit's `Form::parse` with its limits) against `form_urlencoded`,
/// then what `POST /token` and `POST /revoke` check of it, each refusal answered; the log's
/// quoting of a request's values lets no control character through; and the body the exchange
/// sends the provider (with the secret) reads back through the dev provider's form and Basic
/// credentials parsers.
pub fn exchange_form(data: &[u8]) {
    use oauth_prefab_exchange::log::shown;
    use oauth_prefab_exchange::request::{check_client, KnownOrigin, Refusal};
    let limits = FormLimits {
        max_body_bytes: oauth_prefab_exchange::MAX_REQUEST_BYTES,
        max_value_bytes: oauth_prefab_exchange::MAX_REQUEST_BYTES,
        read_timeout: oauth_prefab_exchange::BODY_TIMEOUT,
    };
    let form = match Form::parse(data, &limits) {
        Ok(form) => form,
        Err(rejection) => {
            let message = rejection.to_string();
            assert!(!message.is_empty());
            let _ = Refusal::from(rejection).into_response();
            // The refused Origin header's message.
            assert_no_control(&shown(&String::from_utf8_lossy(data), 80), "log::shown");
            return;
        }
    };
    assert_eq!(form.pairs(), &url_crate_pairs(data)[..], "form_urlencoded");
    for (name, value) in form.pairs() {
        assert!(form.pairs().iter().filter(|(n, _)| n == name).count() == 1);
        assert_no_control(&shown(name, 40), "log::shown");
        assert_no_control(&shown(value, 200), "log::shown");
    }
    use oauth_prefab_exchange::revoke::REVOCATION;
    use oauth_prefab_exchange::token::{AUTHORIZATION_CODE, EITHER, REFRESH_TOKEN};
    let state = exchange();
    let origin = KnownOrigin("http://localhost:8080".into());
    let answer = |result: Result<(), Refusal>| {
        if let Err(refusal) = result {
            let response = refusal.into_response();
            assert!(response.status().is_client_error());
        }
    };
    answer((|| -> Result<(), Refusal> {
        EITHER.check_names(&form)?;
        let (fields, action) = match form.required("grant_type")? {
            "authorization_code" => (&AUTHORIZATION_CODE, "redeem codes"),
            "refresh_token" => (&REFRESH_TOKEN, "refresh tokens"),
            _ => return Ok(()),
        };
        fields.check(&form)?;
        let client = check_client(state, &origin, &form, action)?;
        if let Some(uri) = form.get("redirect_uri") {
            let _ = client.allows_redirect_uri(uri);
        }
        provider_reads_back(client, form.pairs());
        Ok(())
    })());
    answer((|| -> Result<(), Refusal> {
        REVOCATION.check(&form)?;
        let client = check_client(state, &origin, &form, "revoke tokens")?;
        provider_reads_back(client, form.pairs());
        Ok(())
    })());
}

/// The exchange's request to a provider (its `form_body` and `basic_credentials`, private in
/// `exchange/src/upstream.rs`, written the same way here) read by the dev provider.
fn provider_reads_back(
    client: &oauth_prefab_exchange::config::Client,
    fields: &[(String, String)],
) {
    let mut body = form_urlencoded::Serializer::new(String::new());
    body.extend_pairs(fields);
    body.append_pair("client_secret", client.secret.expose());
    let body = body.finish();
    let limits = FormLimits {
        max_body_bytes: dev_provider::params::MAX_QUERY_LEN,
        max_value_bytes: dev_provider::params::MAX_VALUE_LEN,
        read_timeout: Duration::from_secs(10),
    };
    if let Ok(read) = Form::parse(body.as_bytes(), &limits) {
        let mut expected = fields.to_vec();
        expected.push(("client_secret".into(), client.secret.expose().into()));
        assert_eq!(read.pairs(), &expected[..]);
    } else {
        assert!(
            body.len() > limits.max_body_bytes
                || fields
                    .iter()
                    .any(|(n, v)| n.len().max(v.len()) > limits.max_value_bytes)
        );
    }
    let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let pair = format!("{}:{}", encode(&client.id), encode(client.secret.expose()));
    let header = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    );
    let basic =
        dev_provider::client_auth::parse_basic(header.as_bytes()).expect("Basic reads back");
    assert_eq!(
        (basic.id.as_str(), basic.secret.as_str()),
        (client.id.as_str(), client.secret.expose())
    );
}

/// The exchange's configuration file (`Config::from_json`): a configuration taken keeps the
/// rules the exchange promises, and no message or `Debug` shows a secret.
pub fn exchange_config(data: &[u8]) {
    use oauth_prefab_exchange::Config;
    use std::env::VarError;
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let env = |name: &str| match name {
        "UNSET" => Err(VarError::NotPresent),
        "EMPTY" => Ok(String::new()),
        _ => Ok(EXCHANGE_SECRET.into()),
    };
    match Config::from_json(text, env) {
        Err(e) => {
            let message = e.to_string();
            assert!(!message.contains(EXCHANGE_SECRET), "{message}");
            assert!(!format!("{e:?}").contains(EXCHANGE_SECRET));
        }
        Ok(config) => {
            assert!(!format!("{config:?}").contains(EXCHANGE_SECRET));
            let ms = config.upstream_timeout.as_millis();
            assert!((1..=120_000).contains(&ms), "{ms}");
            assert!(!config.clients().is_empty());
            for (i, client) in config.clients().iter().enumerate() {
                assert!(!client.id.is_empty() && !client.id.chars().any(char::is_control));
                assert!(config.clients()[..i].iter().all(|c| c.id != client.id));
                assert!(std::ptr::eq(config.client(&client.id).unwrap(), client));
                assert_eq!(client.secret.expose(), EXCHANGE_SECRET);
                for url in [&client.token_endpoint]
                    .into_iter()
                    .chain(&client.revocation_endpoint)
                {
                    assert!(url.scheme() == "https" || url.scheme() == "http");
                    assert!(url.username().is_empty() && url.password().is_none());
                    assert!(url.fragment().is_none());
                }
                assert!(!client.redirect_uris.is_empty() && !client.allowed_origins.is_empty());
                for origin in &client.allowed_origins {
                    assert!(client.allows_origin(origin));
                    assert!(!origin.ends_with('/'), "{origin}");
                }
                for uri in &client.redirect_uris {
                    assert!(
                        client.allows_redirect_uri(uri) && !uri.contains('#'),
                        "{uri}"
                    );
                }
            }
        }
    }
}

/// The parameters `GET`/`POST /oauth/authorize` reads (and the account pages' `return`).
const AUTHORIZE_NAMES: &[&str] = &[
    "client_id",
    "redirect_uri",
    "response_type",
    "response_mode",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "deny_in",
    "decision",
    "return",
];

/// The dev provider's parameters: a query string (`params::Params::parse`, which keeps repeats)
/// against server-kit's form decoder with the same limits (the form refuses a repeat) and
/// `form_urlencoded`; each parameter the authorization endpoint reads, the scope list, PKCE, the
/// redirect URI against the registered ones, HTTP Basic credentials (the raw bytes as a header,
/// and a client id and secret written and read back), the sign-in cookie, the HTML escaping.
pub fn dev_provider_form(data: &[u8]) {
    use dev_provider::client_auth::parse_basic;
    use dev_provider::clients::redirect_uri_matches;
    use dev_provider::params::{Params as Query, MAX_QUERY_LEN, MAX_VALUE_LEN};
    use dev_provider::{pages, pkce, scopes, users};
    let query = Query::parse(data);
    let limits = FormLimits {
        max_body_bytes: MAX_QUERY_LEN,
        max_value_bytes: MAX_VALUE_LEN,
        read_timeout: Duration::from_secs(10),
    };
    let form = Form::parse(data, &limits);
    match (&query, &form) {
        (Ok(q), Ok(f)) => assert_eq!(q.pairs(), f.pairs()),
        (Ok(q), Err(FormRejection::Repeated(name))) => {
            assert!(q.pairs().iter().filter(|(n, _)| n == name).count() > 1)
        }
        (Err(e), Err(r)) => {
            let _ = (e.to_string(), r.to_string());
        }
        (q, f) => panic!("the query and the form decide differently: {q:?} / {f:?}"),
    }
    let _ = parse_basic(data);
    let Ok(params) = query else {
        return;
    };
    assert_eq!(
        params.pairs(),
        &url_crate_pairs(data)[..],
        "form_urlencoded"
    );
    for name in AUTHORIZE_NAMES {
        let _ = params.optional(name).map_err(|e| e.to_string());
        let _ = params.required(name).map_err(|e| e.to_string());
    }
    let one = |name| params.optional(name).ok().flatten();
    if let Some(scope) = one("scope") {
        let list = scopes::parse(scope);
        for (i, s) in list.iter().enumerate() {
            assert!(!s.is_empty() && !s.contains([' ', ',', '+']) && !list[..i].contains(s));
        }
        if let Some(unknown) = scopes::first_unknown(&list) {
            assert!(!scopes::KNOWN.contains(&unknown));
            let _ = scopes::unknown_message(unknown);
        }
    }
    if let Some(verifier) = one("code_verifier").or(one("code_challenge")) {
        if pkce::is_well_formed(verifier) {
            let challenge = pkce::s256_challenge(verifier);
            assert!(pkce::is_well_formed(&challenge) && pkce::verify(verifier, &challenge));
        }
        let _ = pkce::verify(verifier, one("code_challenge").unwrap_or_default());
    }
    if let Some(given) = one("redirect_uri") {
        for registered in [
            "http://localhost:8080/",
            "https://app.example/cb?x=1",
            given,
        ] {
            if redirect_uri_matches(registered, given) {
                assert!(!given.contains('#'), "{given}");
                assert!(redirect_uri_matches(registered, registered), "{registered}");
            }
        }
    }
    if let (Some(id), Some(secret)) = (one("client_id"), one("client_secret")) {
        let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let pair = format!("{}:{}", encode(id), encode(secret));
        let header = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        );
        let basic = parse_basic(header.as_bytes()).expect("Basic reads back");
        assert_eq!((basic.id.as_str(), basic.secret.as_str()), (id, secret));
    }
    if let Some(cookie) = one("cookie") {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            let mut headers = HeaderMap::new();
            headers.insert(header::COOKIE, value);
            let _ = users::signed_in(&headers);
        }
    }
    for (name, value) in params.pairs() {
        for text in [name, value] {
            let escaped = pages::escape_html(text);
            assert!(!escaped.contains(['<', '>', '"', '\'']), "{escaped}");
        }
    }
}

/// The dev provider's clients file (`ClientRegistry::from_json`): a registry taken holds clients
/// whose every redirect URI matches itself and whose origin is allowed.
pub fn dev_provider_clients(data: &[u8]) {
    use dev_provider::clients::{redirect_uri_matches, ClientRegistry};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(registry) = ClientRegistry::from_json(text) else {
        return;
    };
    let Ok(file) = serde_reading(text) else {
        return; // serde_json's private member names, which its typed reading took
    };
    for client in file["clients"].as_array().expect("a list of clients") {
        let id = client["id"].as_str().expect("an id");
        let found = registry.get(id).expect("every client is found by its id");
        assert!(!found.id.is_empty() && !found.name.is_empty());
        assert_eq!(found.is_public(), found.secret.is_none());
        for uri in &found.redirect_uris {
            assert!(redirect_uri_matches(uri, uri), "{uri}");
            assert!(found.redirect_matches(uri) && registry.any_redirect_matches(uri));
            let origin = browser_origin(uri);
            assert!(registry.is_allowed_origin(&origin), "{origin} of {uri}");
        }
    }
}

/// `scheme://host[:port]` of a URI the registry took, as a browser sends it in `Origin` (lower
/// case, default port dropped), for the URIs where that is plain.
fn browser_origin(uri: &str) -> String {
    let (scheme, rest) = uri.split_once("://").expect("an absolute URI");
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let scheme = scheme.to_ascii_lowercase();
    let mut host: Cow<str> = Cow::Owned(host.to_ascii_lowercase());
    let default = if scheme == "http" { ":80" } else { ":443" };
    if let Some(stripped) = host.strip_suffix(default) {
        host = Cow::Owned(stripped.to_owned());
    }
    format!("{scheme}://{host}")
}

// ---------------------------------------------------------------------------------------------
// OpenID Connect (src/core/oidc)

/// `oidc::jws::read_jws`: the compact JWS as given, and one written from lines of the input
/// (`header JSON`, `payload JSON`, signature bytes) and read back. What it takes is three
/// canonical base64url parts whose signed bytes, signature and claims are exactly the token's,
/// with a header and a payload that `serde_json` reads as objects too.
pub fn jws(data: &[u8]) {
    use oauth_prefab::core::oidc::jws::{read_jws, Alg};
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let check = |compact: &str| {
        let Ok(jws) = read_jws(compact) else {
            return None;
        };
        let (header, rest) = compact.split_once('.').expect("three parts");
        let (payload, signature) = rest.split_once('.').expect("three parts");
        assert_eq!(
            jws.signing_input,
            &compact[..header.len() + 1 + payload.len()]
        );
        assert_eq!(
            text::base64url(&jws.signature),
            signature,
            "one encoding per signature"
        );
        let decoded = |part| String::from_utf8(text::from_base64url(part).unwrap()).unwrap();
        assert_eq!(jws.claims, decoded(payload));
        for object in [decoded(header), jws.claims.clone()] {
            match serde_reading(&object) {
                Ok(value) => assert!(value.is_object(), "{object}"),
                Err(out_of_range) => assert!(out_of_range, "serde_json refuses {object}"),
            }
        }
        let header = decoded(header);
        if let Ok(serde_json::Value::Object(h)) = serde_reading(&header) {
            let alg = h.get("alg").and_then(|a| a.as_str()).map(Alg::parse);
            assert!(alg.is_none() || alg == Some(Some(jws.alg)), "{header}");
            assert!(!h.contains_key("crit"));
        }
        let sizes = match jws.alg {
            Alg::RS256 | Alg::PS256 => 256..=1024,
            Alg::ES256 | Alg::EdDSA => 64..=64,
        };
        assert!(sizes.contains(&jws.signature.len()));
        let _ = (
            jws.alg.webcrypto(),
            jws.alg.at_hash_digest(),
            Alg::parse(jws.alg.name()),
        );
        Some((jws.claims, jws.signature, jws.kid))
    };
    check(input);
    let mut lines = input.splitn(3, '\n');
    if let (Some(header), Some(payload), Some(signature)) =
        (lines.next(), lines.next(), lines.next())
    {
        let compact = [header.as_bytes(), payload.as_bytes(), signature.as_bytes()]
            .map(text::base64url)
            .join(".");
        if let Some((claims, read, _)) = check(&compact) {
            assert_eq!(
                (claims.as_str(), read.as_slice()),
                (payload, signature.as_bytes())
            );
        }
    }
}

/// `oidc::jwk::choose_key`: the first byte picks the algorithm and whether the token names a
/// `kid` (then the first line); the rest is the key set. A key chosen is a JSON object of
/// public members only (never `d`, `p`, `q`, `k`...), of the algorithm's type, copied from a key
/// of the set (with the token's `kid`, when it names one).
pub fn jwk(data: &[u8]) {
    use oauth_prefab::core::oidc::jwk::{choose_key, KeyChoice};
    use oauth_prefab::core::oidc::jws::Alg;
    let [flags, rest @ ..] = data else {
        return;
    };
    let Ok(rest) = std::str::from_utf8(rest) else {
        return;
    };
    let alg = [Alg::RS256, Alg::PS256, Alg::ES256, Alg::EdDSA][usize::from(flags % 4)];
    let (kid, jwks) = match flags & 4 {
        0 => (None, rest),
        _ => {
            let (kid, jwks) = rest.split_once('\n').unwrap_or((rest, ""));
            (Some(kid), jwks)
        }
    };
    match choose_key(jwks, kid, alg) {
        KeyChoice::UnknownKid => assert!(kid.is_some()),
        KeyChoice::Refused(error) => assert_eq!(error.code.as_str(), "invalid_id_token"),
        KeyChoice::Key(key) => {
            let chosen = json::parse(&key).expect("the key is JSON");
            let serde_json::Value::Object(chosen_serde) =
                serde_reading(&key).expect("serde reads it")
            else {
                panic!("the key is not an object: {key}")
            };
            let (kty, members): (&str, &[&str]) = match alg {
                Alg::RS256 | Alg::PS256 => ("RSA", &["n", "e"]),
                Alg::ES256 => ("EC", &["x", "y"]),
                Alg::EdDSA => ("OKP", &["x"]),
            };
            assert_eq!(chosen.str_of("kty").as_deref(), Some(kty));
            assert_eq!(chosen.get("ext"), Some(json::Value::Bool(true)));
            for (name, _) in chosen.members() {
                assert!(
                    matches!(name.as_ref(), "kty" | "crv" | "ext")
                        || members.contains(&name.as_ref()),
                    "`{name}` handed to WebCrypto: {key}"
                );
            }
            assert_eq!(chosen_serde.len(), chosen.members().len());
            // A key of the set with these members (and the kid, when named).
            let set = json::parse(jwks).expect("a key set was read");
            let keys = set.get("keys").expect("with keys").members();
            let origin = keys.iter().map(|(_, k)| k).find(|k| {
                members.iter().all(|m| k.str_of(m) == chosen.str_of(m))
                    && k.str_of("kty").as_deref() == Some(kty)
                    && kid.is_none_or(|kid| k.str_of("kid").as_deref() == Some(kid))
            });
            assert!(origin.is_some(), "{key} is no key of the set");
        }
    }
}

/// `oidc::discovery::read_discovery`: the first line is the issuer, the rest the document. A
/// document taken names that issuer once, and every endpoint it gives is https (or loopback
/// http), as `serde_json` reads it too.
pub fn discovery(data: &[u8]) {
    use oauth_prefab::core::oidc::discovery::{discovery_url, read_discovery};
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let (issuer, body) = input
        .split_once('\n')
        .unwrap_or(("https://id.example", input));
    let url = discovery_url(issuer);
    assert!(url.ends_with("/.well-known/openid-configuration") && url.len() <= issuer.len() + 33);
    let Ok(found) = read_discovery(body, issuer) else {
        return;
    };
    let value = serde_reading(body);
    if let Ok(value) = &value {
        assert_eq!(value["issuer"].as_str(), Some(issuer), "{body}");
    }
    for url in [
        &found.authorization_endpoint,
        &found.token_endpoint,
        &found.userinfo_endpoint,
        &found.jwks_uri,
        &found.revocation_endpoint,
        &found.end_session_endpoint,
    ]
    .into_iter()
    .flatten()
    {
        let origin = origin_of(url).unwrap_or_else(|| panic!("{url} has no origin"));
        assert!(is_secure(&origin), "{url}");
        if let Ok(value) = &value {
            assert!(value
                .as_object()
                .unwrap()
                .values()
                .any(|v| v.as_str() == Some(url)));
        }
    }
}

/// `oidc::claims::check_claims` (with and without a nonce expected), `same_subject`,
/// `check_at_hash`: claims taken hold what the checks promise, as `serde_json` reads them.
pub fn claims(data: &[u8]) {
    use oauth_prefab::core::oidc::claims::{
        at_hash_of, check_at_hash, check_claims, same_subject, subject, Expect, SKEW_MS,
    };
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let login = Expect {
        issuer: "https://id.example",
        client_id: "spa",
        nonce: Some("n-0S6_WzA2Mj"),
        now_ms: NOW,
        max_age: None,
    };
    let renewal = Expect {
        nonce: None,
        ..login
    };
    // A login that sent `max_age=300`: `auth_time` given, at most 300 s (and the skew) ago.
    let fresh = Expect {
        max_age: Some(300),
        ..login
    };
    let first = check_claims(text, &login);
    let renewed = check_claims(text, &renewal);
    if first.is_ok() {
        assert_eq!(renewed, first, "a renewal checks less than a login");
    }
    if let Ok(verified) = check_claims(text, &fresh) {
        assert_eq!(Ok(verified), first, "max_age checks more than a login");
        // serde_json refuses a whole text for a number beyond f64's range in any member
        // (`Err(true)`), which the widget's reader takes where it never reads the value.
        match serde_reading(text) {
            Ok(claims) => {
                let auth_time = claims
                    .get("auth_time")
                    .and_then(|t| t.as_f64())
                    .expect("auth_time is a number");
                assert!(
                    auth_time.floor() * 1000.0 + (300_000 + SKEW_MS) as f64 >= NOW as f64,
                    "auth_time {auth_time} is older than max_age"
                );
            }
            Err(out_of_range) => assert!(out_of_range, "claims serde_json cannot read passed"),
        }
    }
    let Ok(verified) = renewed else {
        return;
    };
    assert_eq!(verified.iss, login.issuer);
    assert!(!verified.sub.is_empty());
    let aud: Vec<String> = serde_json::from_str(&verified.aud).expect("aud is an array of strings");
    assert!(aud.iter().any(|a| a == login.client_id));
    assert!(same_subject(&verified, &verified).is_ok());
    // What a renewal is held to, read back from the login's claims, is what the check found.
    assert_eq!(subject(text).as_ref(), Some(&verified));
    // `auth_time`, if given, is a number of seconds or `null` (OIDC Core 2).
    if let Some(auth_time) = serde_reading(text)
        .ok()
        .and_then(|c| c.get("auth_time").cloned())
    {
        assert!(
            auth_time.is_null() || auth_time.as_f64().is_some_and(|t| t >= 0.0),
            "auth_time {auth_time} passed"
        );
    }
    let digest: Vec<u8> = (0u8..32).collect();
    assert!(check_at_hash(Some(&at_hash_of(&digest)), &digest, true).is_ok());
    assert_eq!(
        check_at_hash(verified.at_hash.as_deref(), &digest, false).is_ok(),
        verified.at_hash.is_none_or(|h| h == at_hash_of(&digest))
    );
    if let Ok(serde_json::Value::Object(claims)) = serde_reading(text) {
        assert_eq!(
            claims.get("iss").and_then(|v| v.as_str()),
            Some(login.issuer)
        );
        assert_eq!(
            claims.get("sub").and_then(|v| v.as_str()),
            Some(verified.sub.as_str())
        );
        // An `azp`, where there is one, is the client id.
        assert_eq!(
            claims.get("azp").map(|v| v.as_str()),
            verified.azp.then_some(Some(login.client_id))
        );
        let seconds = |name: &str| claims.get(name).and_then(serde_json::Value::as_f64);
        let exp = seconds("exp").expect("exp is a number");
        let iat = seconds("iat").expect("iat is a number");
        assert!(exp >= 0.0 && iat >= 0.0, "{exp} {iat}");
        assert!(
            exp.floor() * 1000.0 + SKEW_MS as f64 > NOW as f64,
            "exp {exp} has passed"
        );
        assert!(
            iat.floor() * 1000.0 <= (NOW + SKEW_MS) as f64,
            "iat {iat} is in the future"
        );
        // `nbf`, if given, is a number of seconds not in the future.
        if let Some(nbf) = claims.get("nbf") {
            let nbf = nbf.as_f64().expect("nbf is a number");
            assert!(
                nbf >= 0.0 && nbf.floor() * 1000.0 <= (NOW + SKEW_MS) as f64,
                "nbf {nbf} is in the future"
            );
        }
    }
}

/// `oidc::profile`: a profile endpoint's answer read in each shape (the first byte picks it), the
/// claims' profile, their merge, the name shown. A profile names someone,
/// keeps no empty text, and shows only https pictures (loopback http aside).
pub fn userinfo(data: &[u8]) {
    use oauth_prefab::core::oauth::provider::UserinfoShape;
    use oauth_prefab::core::oidc::profile::{
        display_name, merge, profile_from_claims, profile_from_userinfo, Profile,
    };
    let [shape, body @ ..] = data else {
        return;
    };
    let Ok(body) = std::str::from_utf8(body) else {
        return;
    };
    let shapes = [
        UserinfoShape::Oidc,
        UserinfoShape::Facebook,
        UserinfoShape::Instagram,
        UserinfoShape::Box,
    ];
    let shape = shapes[usize::from(shape % 4)];
    let sound = |p: &Profile| {
        for text in [&p.sub, &p.name, &p.email, &p.picture, &p.username]
            .into_iter()
            .flatten()
        {
            assert!(!text.is_empty());
        }
        if let Some(picture) = &p.picture {
            // https, or loopback http (the dev provider's pictures).
            assert!(
                origin_of(picture).is_some_and(|o| is_secure(&o)),
                "{picture}"
            );
        }
    };
    let claims = profile_from_claims(body);
    sound(&claims);
    let answer = profile_from_userinfo(body, shape);
    if let Ok(profile) = &answer {
        sound(profile);
        assert!(profile.sub.is_some());
        let mut merged = claims.clone();
        if merge(&mut merged, profile.clone()).is_ok() {
            sound(&merged);
            assert_eq!(merged.sub, profile.sub);
            let _ = display_name(&merged);
        }
        // Without claims, the answer as it is (`email_verified` only with its email).
        let alone = Profile {
            email_verified: profile.email.as_ref().and(profile.email_verified),
            ..profile.clone()
        };
        let mut merged = Profile::default();
        assert_eq!(merge(&mut merged, profile.clone()), Ok(()));
        assert_eq!(merged, alone);
    }
}

/// The script's loader (`unpack/`): the first two bytes are the output's size (little-endian),
/// the rest a raw LZMA stream, which is decoded or refused; then all the bytes as the build's
/// text, which decodes to 6 bits a character or is refused; then as a plan of code streams. A
/// panic would be a trap in the page.
pub fn unpack(data: &[u8]) {
    if let [low, high, stream @ ..] = data {
        let mut output = vec![0; usize::from(u16::from_le_bytes([*low, *high]))];
        let _ = ::unpack::unlzma(stream, &mut output);
    }
    let mut text = data.to_vec();
    if let Ok(written) = ::unpack::from_text(&mut text) {
        assert_eq!(written, data.len() * 6 / 8, "6 bits a character");
    }
    // As a plan of code streams, rebuilt or refused: as it is, and with a header of the first
    // bytes as small numbers, so that its parts often add up and the bodies are walked.
    let mut wasm = vec![0; data.len().saturating_sub(::unpack::HEADER)];
    let _ = ::unpack::rebuild(data, &mut wasm);
    if let Some((numbers, rest)) = data.split_at_checked(::unpack::HEADER / 4) {
        let mut plan: Vec<u8> = numbers
            .iter()
            .flat_map(|&n| u32::from(n).to_le_bytes())
            .collect();
        plan.extend_from_slice(rest);
        let _ = ::unpack::rebuild(&plan, &mut vec![0; rest.len()]);
    }
}
