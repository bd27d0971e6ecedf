//! The popup: opening it, hearing its answer, and noticing when the user closes it.
//!
//! The opener accepts a message only from its own origin *and* from the very window it opened;
//! anything else (another origin, a same-origin frame, a stray tab) is ignored and the login
//! stays pending. Dropping a [`PopupWatch`] removes its listeners and closes the popup.

use gloo_events::EventListener;
use gloo_timers::callback::Interval;
use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MessageEvent, Window};

/// The key of the message a callback popup posts: `{ [MESSAGE_KEY]: "<raw response>" }`.
pub const MESSAGE_KEY: &str = "oauthPrefabResponse";

/// How often to check whether the user closed the popup, in ms.
const CLOSED_POLL_MS: u32 = 400;

/// Opens `url` in a centred popup named after its login; `None` when the browser blocked it.
///
/// Each login gets its own window name: a shared name would make a second widget's login reuse
/// (and hijack) the first one's popup.
pub fn open(window: &Window, url: &str, login_name: &str) -> Option<Window> {
    let (width, height) = (520, 640);
    // Centre over the page where the browser says where that is; position is cosmetic only.
    // Integers: formatting floats would pull ~20 KB of float printing into the module.
    let number = |v: Result<JsValue, JsValue>| v.ok().and_then(|v| v.as_f64()).unwrap_or(0.0) as i32;
    let left = number(window.screen_x()) + (number(window.outer_width()) - width).max(0) / 2;
    let top = number(window.screen_y()) + (number(window.outer_height()) - height).max(0) / 2;
    let features = format!("popup=yes,width={width},height={height},left={left},top={top}");
    window.open_with_url_and_target_and_features(url, &format!("oauth-prefab-{login_name}"), &features).ok().flatten()
}

/// A popup being watched; dropping it ends the watch and closes the popup.
pub struct PopupWatch {
    popup: Window,
    _message: EventListener,
    _poll: Interval,
}

impl PopupWatch {
    /// Watches `popup`, opened from `window`: `on_response` gets the raw response it posts,
    /// `on_closed` runs if it closes without one.
    pub fn new(
        window: &Window,
        popup: Window,
        own_origin: String,
        on_response: impl Fn(String) + 'static,
        on_closed: impl Fn() + 'static,
    ) -> Self {
        let source = popup.clone();
        let message = EventListener::new(window, "message", move |event| {
            let Some(event) = event.dyn_ref::<MessageEvent>() else { return };
            let from_popup = event.source().is_some_and(|s| JsValue::from(s) == JsValue::from(&source));
            if event.origin() != own_origin || !from_popup {
                return;
            }
            if let Some(raw) = Reflect::get(&event.data(), &JsValue::from_str(MESSAGE_KEY)).ok().and_then(|v| v.as_string()) {
                on_response(raw);
            }
        });
        // The popup posts its answer and then closes: give a message already on its way one more
        // tick to arrive before calling the popup closed.
        let watched = popup.clone();
        let mut seen_closed = false;
        let poll = Interval::new(CLOSED_POLL_MS, move || {
            if seen_closed {
                on_closed();
            }
            seen_closed = watched.closed().unwrap_or(true);
        });
        Self { popup, _message: message, _poll: poll }
    }
}

impl Drop for PopupWatch {
    fn drop(&mut self) {
        if !self.popup.closed().unwrap_or(true) {
            let _ = self.popup.close();
        }
    }
}
