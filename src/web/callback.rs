//! The callback: what a page does when it loads with an OAuth response in its address.
//!
//! In order: strip the response from the address bar and history (before anything else), then
//! either hand it to the opener (a popup) or resolve it against this tab's pending redirect
//! login, keeping the result until the widget that started it connects and takes it.

use std::cell::RefCell;

use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Window;

use crate::core::error::OAuthError;
use crate::core::response::{self, Token};
use crate::core::session::select_pending;

use super::browser::{now, window};
use super::popup::MESSAGE_KEY;
use super::storage;

/// A redirect login's result, waiting for its widget.
pub struct Delivery {
    /// The widget it is for; `None` when no login in this tab matches (a replayed or forged
    /// response), which the first widget to connect reports.
    pub key: Option<String>,
    /// The provider of that login.
    pub provider: &'static str,
    /// The result.
    pub result: Result<Token, OAuthError>,
}

thread_local! {
    static DELIVERIES: RefCell<Vec<Delivery>> = const { RefCell::new(Vec::new()) };
}

/// Takes the result waiting for the widget `key`, if any.
pub fn take_delivery(key: Option<&str>) -> Option<Delivery> {
    DELIVERIES.with_borrow_mut(|deliveries| {
        let index = deliveries.iter().position(|d| d.key.is_none() || d.key.as_deref() == key)?;
        Some(deliveries.remove(index))
    })
}

/// Handles an OAuth response in this page's address, if there is one.
pub fn handle_page_load() {
    let Ok(window) = window() else { return };
    let location = window.location();
    let (search, hash) = (location.search().unwrap_or_default(), location.hash().unwrap_or_default());
    let Some(captured) = response::capture(&search, &hash) else { return };
    let clean = format!("{}{}{}", location.pathname().unwrap_or_default(), captured.search, captured.hash);
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&clean));
    }

    let pending = storage::pending_logins();
    let state = response::state_of(&captured.raw);
    let selected = select_pending(state.as_deref(), &pending);
    // Matched by its state, the response belongs to a redirect login of this very tab.
    let started_here = state.is_some() && selected.is_some();
    if !started_here {
        if let Some(opener) = opener(&window) {
            relay_to_opener(&window, &opener, &captured.raw);
            return;
        }
    }
    let delivery = match selected {
        Some(login) => {
            storage::remove_pending(login);
            Delivery { key: Some(login.key.clone()), provider: login.preset.id, result: login.resolve(&captured.raw, now()) }
        }
        None => Delivery {
            key: None,
            provider: "custom",
            result: Err(OAuthError::state_mismatch(
                "the response matches no login pending in this tab (it may have been used already)",
            )),
        },
    };
    DELIVERIES.with_borrow_mut(|d| d.push(delivery));
}

fn opener(window: &Window) -> Option<Window> {
    let opener = window.opener().ok()?;
    (!opener.is_null() && !opener.is_undefined()).then(|| opener.unchecked_into())
}

/// Posts the raw response to the opener, addressed to this page's own origin only, and closes.
fn relay_to_opener(window: &Window, opener: &Window, raw: &str) {
    let message = Object::new();
    let _ = Reflect::set(&message, &JsValue::from_str(MESSAGE_KEY), &JsValue::from_str(raw));
    if let Ok(origin) = window.location().origin() {
        let _ = opener.post_message(&message, &origin);
    }
    let _ = window.close();
}
