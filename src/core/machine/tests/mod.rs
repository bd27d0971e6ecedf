//! Scenario tests of the controller, driven as the browser drives it: settings in, commands
//! out, web storage as a map, the clock in the test's hands. Shared fixtures here; one file per
//! scenario.

mod callback_page;
mod code;
mod logout;
mod oidc;
mod popup;
mod redirect;
mod renew;
mod session;
mod settings;

use serde_json::Value;

use super::callback::PageState;
use super::io::{Commands, Input, Source, COMMANDS};
use super::{Env, Machine};
use crate::core::contract::Storage;
use crate::core::oauth::request::RANDOM_BYTES;
use crate::core::store::{MemoryStore, Store, TOKEN_PREFIX};
use crate::core::text::hex;
use crate::web::edge;

pub(super) const NOW: u64 = 1_700_000_000_000;
pub(super) const ORIGIN: &str = "http://localhost:8080";
pub(super) const IMPLICIT: &str =
    "client-id=app&authorize-url=https%3A%2F%2Fid.example%2Fauthorize";
pub(super) const CODE: &str = "client-id=spa&authorize-url=https%3A%2F%2Fid.example%2Fauthorize&response-type=code&token-url=https%3A%2F%2Fid.example%2Ftoken";

/// The issuer of the OpenID Connect scenarios, and its discovery document.
pub(super) const ISSUER: &str = "https://id.example";
pub(super) const DISCOVERY: &str = r#"{"issuer":"https://id.example","authorization_endpoint":"https://id.example/auth","token_endpoint":"https://id.example/token","userinfo_endpoint":"https://id.example/me","jwks_uri":"https://id.example/jwks"}"#;

/// The commands of one call as JS reads them (parsed JSON), each as an object of its declared
/// fields, with its number as `do` and its name as `command`.
fn recorded(out: Commands) -> Vec<Value> {
    let all: Value = serde_json::from_str(&edge::finish(out)).expect("the commands are JSON");
    let mut recorded: Vec<Value> = Vec::new();
    for array in all.as_array().expect("the commands are an array") {
        let array = array.as_array().expect("a command is an array");
        let number = array[0].as_u64().unwrap();
        let (name, fields) = COMMANDS[number as usize];
        assert_eq!(
            array.len(),
            1 + fields.len(),
            "{name} has its declared fields"
        );
        // Named as the driver's handler names its arguments, for the assertions.
        let mut value = serde_json::json!({"do": number, "command": name});
        for (field, field_value) in fields.iter().zip(&array[1..]) {
            value[*field] = field_value.clone();
        }
        let after_an_event = recorded.last().is_some_and(|c| c["command"] == "event");
        assert!(
            name == "event" || !after_an_event,
            "an event comes last: {name} after {:?}",
            recorded
        );
        recorded.push(value);
    }
    recorded
}

/// One widget on a page at `ORIGIN/app`, with its page's storage and shared state.
pub(super) struct Widget {
    pub machine: Machine,
    pub store: MemoryStore,
    pub page: PageState,
    pub now: u64,
}

impl Widget {
    /// A widget with `attributes`, not yet connected.
    pub fn new(attributes: &str) -> Self {
        let mut w = Self::bare();
        w.update(attributes);
        w
    }

    /// A widget that was told nothing yet.
    pub fn bare() -> Self {
        Self {
            machine: Machine::default(),
            store: MemoryStore::default(),
            page: PageState::default(),
            now: NOW,
        }
    }

    /// The same page and storage, with a second widget's controller (a reload, or a new tab
    /// sharing `localStorage`).
    pub fn another(&self, attributes: &str) -> Self {
        let mut w = Self {
            machine: Machine::default(),
            store: self.store.clone(),
            page: PageState::default(),
            now: self.now,
        };
        w.update(attributes);
        w
    }

    pub fn send(&mut self, input: Input) -> Vec<Value> {
        let mut env = Env {
            store: &mut self.store,
            page: &mut self.page,
            now: self.now,
        };
        let mut out = edge::commands();
        self.machine.handle(&input, &mut env, &mut out);
        recorded(out)
    }

    pub fn update(&mut self, attributes: &str) -> Vec<Value> {
        self.send(Input::Update {
            attributes: attributes.into(),
            origin: ORIGIN.into(),
            path: "/app".into(),
        })
    }

    pub fn connect(&mut self) -> Vec<Value> {
        self.send(Input::Connect {})
    }

    /// Starts a login with random bytes all `byte`: the commands and the state it sends.
    pub fn login(&mut self, byte: u8) -> (Vec<Value>, String) {
        let out = self.send(Input::Login {
            random: vec![byte; RANDOM_BYTES],
            address: format!("{ORIGIN}/app?tab=2#top").into(),
        });
        (out, hex(&[byte; 32]))
    }

    /// A response from this widget's popup, on this page's origin.
    pub fn popup_answer(&mut self, search: &str, hash: &str) -> Vec<Value> {
        self.message(Source::Popup, ORIGIN, search, hash)
    }

    /// A popup login answered with the implicit grant's `fragment` (the state is added).
    pub fn log_in_with(&mut self, byte: u8, fragment: &str) -> Vec<Value> {
        let (_, state) = self.login(byte);
        self.popup_answer("", &format!("#{fragment}&state={state}"))
    }

    pub fn message(
        &mut self,
        source: Source,
        origin: &str,
        search: &str,
        hash: &str,
    ) -> Vec<Value> {
        self.send(Input::Message {
            source,
            origin: origin.into(),
            search: search.into(),
            hash: hash.into(),
            id: "p1".into(),
        })
    }

    /// Looks at the popup, in order: `o` open on a page, `b` open and blank, `c` closed.
    pub fn looks(&mut self, looks: &str) -> Vec<Value> {
        looks
            .bytes()
            .flat_map(|look| {
                self.send(Input::Look {
                    closed: look == b'c',
                    shown: look == b'o',
                })
            })
            .collect()
    }

    pub fn tick_at(&mut self, at: u64) -> Vec<Value> {
        self.now = at;
        self.send(Input::Tick {})
    }

    /// Supplies the digest a login asked for.
    pub fn digest(&mut self, out: &[Value]) -> Vec<Value> {
        self.send(Input::Digest {
            seq: digest_seq(out),
            digest: vec![9; 32],
        })
    }

    /// `logout()` (promise 1), or `logout({ endSession: true })`.
    pub fn logout(&mut self, end_session: bool) -> Vec<Value> {
        self.send(Input::Logout {
            end_session,
            id: 1,
            random: vec![0xe5; 16],
        })
    }

    /// Answers the last `fetch` of `out` with `status` and `body`.
    pub fn answer(&mut self, out: &[Value], status: u32, body: &str) -> Vec<Value> {
        let fetch = find(out, "fetch").unwrap_or_else(|| panic!("no fetch: {out:?}"));
        self.reply(fetch["seq"].as_u64().unwrap() as u32, status, body)
    }

    /// Answers request `seq` with `status` and `body`.
    pub fn reply(&mut self, seq: u32, status: u32, body: &str) -> Vec<Value> {
        self.send(Input::Answer {
            seq,
            status,
            body: body.into(),
        })
    }

    /// Connects, and answers the discovery request with `document`.
    pub fn discovered(&mut self, document: &str) -> Vec<Value> {
        let out = self.connect();
        let fetch = find(&out, "fetch").unwrap_or_else(|| panic!("no discovery: {out:?}"));
        assert_eq!(
            fetch["url"],
            format!("{ISSUER}/.well-known/openid-configuration")
        );
        assert_eq!(fetch["body"], Value::Null, "a GET");
        self.answer(&out, 200, document)
    }

    /// Starts a code login, supplies its digest and answers it with a code: the request's seq.
    pub fn code_returned(&mut self, byte: u8) -> u32 {
        let (out, state) = self.login(byte);
        self.digest(&out);
        let out = self.popup_answer(&format!("?code=c&state={state}"), "");
        find(&out, "fetch").unwrap_or_else(|| panic!("no token request: {out:?}"))["seq"]
            .as_u64()
            .unwrap() as u32
    }
}

/// The tokens the `fetch`es of `commands` ask to revoke, in order.
pub(super) fn revoked_tokens(commands: &[Value]) -> Vec<String> {
    commands
        .iter()
        .filter(|c| c["command"] == "fetch")
        .filter_map(|c| crate::core::oauth::form::Params::parse(c["body"].as_str()?).ok())
        .filter_map(|body| body.get("token").map(String::from))
        .collect()
}

/// The revocation endpoint `revoke-url=%2Frevoke` names.
pub(super) const REVOKE: &str = "http://localhost:8080/revoke";

/// The revocations the `fetch`es of `commands` ask for, in order: each one's endpoint, token and
/// `token_type_hint`.
pub(super) fn revocations(commands: &[Value]) -> Vec<[String; 3]> {
    commands
        .iter()
        .filter(|c| c["command"] == "fetch")
        .filter_map(|c| {
            let body = crate::core::oauth::form::Params::parse(c["body"].as_str()?).ok()?;
            let (token, hint) = (body.get("token")?, body.get("token_type_hint")?);
            Some([c["url"].as_str()?.into(), token.into(), hint.into()])
        })
        .collect()
}

/// One revocation of `token` (a `hint`) at [`REVOKE`], as [`revocations`] lists it.
pub(super) fn revoking(token: &str, hint: &str) -> [String; 3] {
    [REVOKE.into(), token.into(), hint.into()]
}

/// The events the commands fire, in order.
pub(super) fn fired(commands: &[Value]) -> Vec<&str> {
    commands
        .iter()
        .filter(|c| c["command"] == "event")
        .map(|c| c["event"].as_str().unwrap())
        .collect()
}

/// The commands' names, in order.
pub(super) fn names(commands: &[Value]) -> Vec<&str> {
    commands
        .iter()
        .map(|c| c["command"].as_str().unwrap())
        .collect()
}

/// The last command named `name`.
pub(super) fn find<'a>(commands: &'a [Value], name: &str) -> Option<&'a Value> {
    commands.iter().rev().find(|c| c["command"] == name)
}

/// The detail of event `event`, if the commands fire it.
pub(super) fn event<'a>(commands: &'a [Value], event: &str) -> Option<&'a Value> {
    commands
        .iter()
        .find(|c| c["command"] == "event" && c["event"] == event)
        .map(|c| &c["detail"])
}

/// The code of the error an `oauth-error` event carries.
pub(super) fn error(commands: &[Value]) -> Option<&str> {
    event(commands, "oauth-error")?["error"].as_str()
}

/// Its description.
pub(super) fn description(commands: &[Value]) -> &str {
    event(commands, "oauth-error")
        .and_then(|d| d["description"].as_str())
        .unwrap_or_else(|| panic!("no error: {commands:?}"))
}

/// The access token an `oauth-login` event carries.
pub(super) fn logged_in_with(commands: &[Value]) -> Option<&str> {
    event(commands, "oauth-login")?["accessToken"].as_str()
}

/// The last render's (state, busy, message).
pub(super) fn rendered(commands: &[Value]) -> (&str, bool, Option<&str>) {
    let r = find(commands, "render").unwrap_or_else(|| panic!("no render: {commands:?}"));
    (
        r["state"].as_str().unwrap(),
        r["busy"].as_bool().unwrap(),
        r["message"].as_str(),
    )
}

/// The last timer's delay (`None`: no timer).
pub(super) fn timer(commands: &[Value]) -> Option<u64> {
    find(commands, "timer").unwrap_or_else(|| panic!("no timer: {commands:?}"))["ms"].as_u64()
}

pub(super) fn digest_seq(commands: &[Value]) -> u32 {
    find(commands, "digest").expect("a digest is asked for")["seq"]
        .as_u64()
        .unwrap() as u32
}

/// The `go` command's (url, popup).
pub(super) fn go_url(commands: &[Value]) -> Option<(&str, bool)> {
    let go = find(commands, "go")?;
    Some((go["url"].as_str()?, go["popup"].as_bool()?))
}

pub(super) fn warnings(commands: &[Value]) -> Vec<&str> {
    commands
        .iter()
        .filter(|c| c["command"] == "warn")
        .map(|c| c["text"].as_str().unwrap())
        .collect()
}

/// A code login whose token answer carries refresh token `r1` and lives 600 s.
pub(super) fn with_refresh_token(extra: &str) -> Widget {
    let mut w = Widget::new(&format!("{CODE}{extra}"));
    let seq = w.code_returned(0x31);
    let out = w.send(Input::Answer {
        seq,
        status: 200,
        body:
            r#"{"access_token":"a1","token_type":"bearer","expires_in":600,"refresh_token":"r1"}"#
                .into(),
    });
    assert_eq!(logged_in_with(&out), Some("a1"), "{out:?}");
    assert_eq!(
        timer(&out),
        Some(540_000),
        "renewal due 60 s before the expiry"
    );
    w
}

/// An element given nothing but `issuer` (every endpoint is the discovered one), over a live
/// session stored with refresh token `r1`, not yet connected.
pub(super) fn discovered_only_with_session() -> Widget {
    with_issuer_and_session("")
}

/// As [`discovered_only_with_session`], with `more` attributes (`&name=value...`).
pub(super) fn with_issuer_and_session(more: &str) -> Widget {
    let attributes = format!(
        "issuer=https%3A%2F%2Fid.example&client-id=spa&scope=offline_access&storage=session{more}"
    );
    let mut w = Widget::new(&attributes);
    let key = format!("{TOKEN_PREFIX}custom:spa");
    w.store.set(
        Storage::Session,
        &key,
        "access_token=a1&expires_in=600&expires_at=1700000600000&scope=offline_access&refresh_token=r1",
    );
    w
}
