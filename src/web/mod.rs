//! The browser layer: the one wasm export JS calls, [`Widget::on`]. It hands the browser's
//! input to `core` and returns the core's decisions as JSON commands for JS to carry out.
//! Nothing here decides anything, and nothing here holds a JS object between calls (so a
//! removed element is collected with its controller).

mod store;

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

use crate::core::callback::{on_page_load, Delivery, Route};
use crate::core::config::Page;
use crate::core::contract::{ATTRIBUTES, SECRET_ATTRIBUTES, TEMPLATE};
use crate::core::json::Writer;
use crate::core::response::TokenResponse;
use crate::core::widget::{self, Source};

use store::WebStore;

thread_local! {
    /// Redirect results waiting for the widget that started them.
    static DELIVERIES: RefCell<Vec<Delivery>> = const { RefCell::new(Vec::new()) };
}

/// Runs `step` with the page's storage and the waiting deliveries.
fn with_page<T>(step: impl FnOnce(&mut WebStore, &mut Vec<Delivery>) -> T) -> T {
    DELIVERIES.with_borrow_mut(|deliveries| step(&mut WebStore, deliveries))
}

/// JS numbers are f64; times are whole milliseconds well below 2^53.
fn ms(now: f64) -> u64 {
    now as u64
}

/// The controller of one `<oauth-login>` (or of one `login(options)`).
#[wasm_bindgen]
#[derive(Default)]
pub struct Widget(widget::Widget);

/// The browser events [`Widget::on`] is told of, by number; `js/oauth-login.js` numbers them
/// alike, and two questions that need no controller (the page's load, the element's
/// contract). One export for all of them, not one each: every export costs the wasm a shim
/// and the glue a wrapper (measured: 2.0 KB gzipped for thirteen).
pub mod input {
    /// [`Widget::update`](super::Widget::update): `a` attributes, `b` origin, `c` path.
    pub const UPDATE: u8 = 0;
    /// [`Widget::connect`](super::Widget::connect).
    pub const CONNECT: u8 = 1;
    /// [`Widget::login`](super::Widget::login): `bytes` random.
    pub const LOGIN: u8 = 2;
    /// [`Widget::challenge`](super::Widget::challenge): `bytes` the digest.
    pub const CHALLENGE: u8 = 3;
    /// [`Widget::blocked`](super::Widget::blocked).
    pub const BLOCKED: u8 = 4;
    /// [`Widget::message`](super::Widget::message): `a` origin, `b` search, `c` hash, `d` id,
    /// `n` source.
    pub const MESSAGE: u8 = 5;
    /// [`Widget::closed`](super::Widget::closed): `n` is 1 when the popup was seen.
    pub const CLOSED: u8 = 6;
    /// [`Widget::tick`](super::Widget::tick).
    pub const TICK: u8 = 7;
    /// [`Widget::answer`](super::Widget::answer): `n` seq, `m` status, `a` body.
    pub const ANSWER: u8 = 8;
    /// [`Widget::unreachable`](super::Widget::unreachable): `n` seq.
    pub const UNREACHABLE: u8 = 9;
    /// [`Widget::logout`](super::Widget::logout).
    pub const LOGOUT: u8 = 10;
    /// [`Widget::authorization`](super::Widget::authorization).
    pub const AUTHORIZATION: u8 = 11;
    /// [`Widget::properties`](super::Widget::properties).
    pub const PROPERTIES: u8 = 12;
    /// [`page_load`](super::page_load), a question about the page (any controller answers
    /// it): `a` path, `b` search, `c` hash, `n` 1 when the window has an opener; `""` when the
    /// address holds no response.
    pub const PAGE_LOAD: u8 = 13;
    /// [`contract`](super::contract), a question about the element (any controller answers it).
    pub const CONTRACT: u8 = 14;
}

#[wasm_bindgen]
impl Widget {
    /// A new controller, idle.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Self {
        Self::default()
    }

    /// Browser event `event` (an [`input`] number) with its arguments, unused ones 0 or empty;
    /// answers with the JSON the method of the same name returns. An unknown number answers
    /// with no commands.
    #[allow(clippy::too_many_arguments)]
    pub fn on(
        &mut self,
        event: u8,
        n: u32,
        m: u32,
        a: &str,
        b: &str,
        c: &str,
        d: &str,
        bytes: &[u8],
        now: f64,
    ) -> String {
        match event {
            input::UPDATE => self.update(a, b.to_owned(), c.to_owned(), now),
            input::CONNECT => self.connect(now),
            input::LOGIN => self.login(bytes, now),
            input::CHALLENGE => self.challenge(bytes, now),
            input::BLOCKED => self.blocked(now),
            input::MESSAGE => self.message(a, n, b, c, d, now),
            input::CLOSED => self.closed(n == 1, now),
            input::TICK => self.tick(now),
            // A status no HTTP answer has reads as one out of range, not as a wrapped number.
            input::ANSWER => self.answer(n, m, a, now),
            input::UNREACHABLE => self.unreachable(n, now),
            input::LOGOUT => self.logout(now),
            input::AUTHORIZATION => self.authorization(now),
            input::PROPERTIES => self.properties(now),
            input::PAGE_LOAD => page_load(a, b, c, n == 1).unwrap_or_default(),
            input::CONTRACT => contract(),
            _ => "[]".into(),
        }
    }
}

/// The events one by one, as Rust calls them (the in-browser tests do); [`Widget::on`] is how
/// JS reaches them.
impl Widget {
    /// The current settings (every attribute, form-encoded) and page.
    pub fn update(&mut self, attributes: &str, origin: String, path: String, now: f64) -> String {
        self.0
            .update(attributes, Page { origin, path }, ms(now))
            .finish()
    }

    /// `connectedCallback`.
    pub fn connect(&mut self, now: f64) -> String {
        with_page(|store, deliveries| self.0.connect(store, deliveries, ms(now))).finish()
    }

    /// `login()` or a click; `random` is 64 bytes from `crypto.getRandomValues`.
    pub fn login(&mut self, random: &[u8], now: f64) -> String {
        with_page(|store, deliveries| self.0.login(random, store, deliveries, ms(now))).finish()
    }

    /// The SHA-256 digest of the verifier the `digest` command named.
    pub fn challenge(&mut self, digest: &[u8], now: f64) -> String {
        self.0.challenge(digest, ms(now)).finish()
    }

    /// `window.open` returned `null`.
    pub fn blocked(&mut self, now: f64) -> String {
        self.0.popup_blocked(&mut WebStore, ms(now)).finish()
    }

    /// A callback page's address, from `source`: 1 (a `message` event from the popup this
    /// widget opened), 2 (the `oauth-prefab` BroadcastChannel), or 0 (a `message` event from
    /// another window); `id` names it for the `ack`.
    pub fn message(
        &mut self,
        origin: &str,
        source: u32,
        search: &str,
        hash: &str,
        id: &str,
        now: f64,
    ) -> String {
        let source = match source {
            1 => Source::Popup,
            2 => Source::Channel,
            _ => Source::Other,
        };
        self.0
            .message(origin, source, search, hash, id, &mut WebStore, ms(now))
            .finish()
    }

    /// The watched popup reads as closed; `seen`: this page saw it show a page first.
    pub fn closed(&mut self, seen: bool, now: f64) -> String {
        self.0.popup_closed(seen, ms(now)).finish()
    }

    /// The timer the `timer` command set went off.
    pub fn tick(&mut self, now: f64) -> String {
        self.0.tick(&mut WebStore, ms(now)).finish()
    }

    /// The token endpoint answered request `seq` with `status` and the body's text.
    pub fn answer(&mut self, seq: u32, status: u32, body: &str, now: f64) -> String {
        self.0
            .token_answer(
                seq,
                status,
                TokenResponse::from_json(body),
                &mut WebStore,
                ms(now),
            )
            .finish()
    }

    /// Token request `seq` failed before any answer.
    pub fn unreachable(&mut self, seq: u32, now: f64) -> String {
        self.0.token_unreachable(seq, ms(now)).finish()
    }

    /// `logout()`.
    pub fn logout(&mut self, now: f64) -> String {
        self.0.logout(&mut WebStore, ms(now)).finish()
    }

    /// What `fetch()` attaches, or its error.
    pub fn authorization(&self, now: f64) -> String {
        self.0.authorization(ms(now))
    }

    /// `callbackurl`, `accessToken`, `loggedIn`, `expiresAt`.
    pub fn properties(&self, now: f64) -> String {
        self.0.properties(ms(now))
    }
}

/// A page load with a response in its address: `{"clean": <address>, "relay": bool}` (relay:
/// post it to the opener and close), or `None` when there is none.
pub fn page_load(path: &str, search: &str, hash: &str, has_opener: bool) -> Option<String> {
    let (clean, route) = on_page_load(&mut WebStore, path, search, hash, has_opener)?;
    let relay = match route {
        Route::Relay => true,
        Route::Deliver(delivery) => {
            DELIVERIES.with_borrow_mut(|d| d.push(*delivery));
            false
        }
    };
    let mut out = Writer::default();
    out.open_object()
        .key("clean")
        .string(&clean)
        .key("relay")
        .boolean(relay)
        .close_object();
    Some(out.finish())
}

/// The element's contract for the JS class: `{"template": ..., "attributes": [[name, property],
/// ...], "secrets": [[name, property], ...]}` (the settings it reflects, and the names that would
/// carry a client secret, which it watches only to refuse them).
pub fn contract() -> String {
    let mut out = Writer::default();
    out.open_object().key("template").string(TEMPLATE);
    for (key, list) in [("attributes", ATTRIBUTES), ("secrets", SECRET_ATTRIBUTES)] {
        out.key(key).open_array();
        for attribute in list {
            out.open_array()
                .string(attribute.name)
                .string(attribute.property)
                .close_array();
        }
        out.close_array();
    }
    out.close_object();
    out.finish()
}
