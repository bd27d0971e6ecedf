//! The browser layer: the only code that touches the page. It reads from the browser, asks
//! `core` what to do, and writes the answer back; it decides nothing itself.
//!
//! - [`element`]: the `<oauth-login>` controller;
//! - [`callback`]: handling a response in the page's own address;
//! - [`popup`]: the login window and its messages;
//! - [`storage`]: where tokens and redirect logins are kept;
//! - [`browser`], [`js`]: small accessors and the JS boundary.

pub mod browser;
pub mod callback;
pub mod element;
pub mod js;
pub mod popup;
pub mod storage;

use std::cell::Cell;

use js_sys::{Object, Promise};
use wasm_bindgen::prelude::*;
use web_sys::HtmlElement;

use crate::core::config::ATTRIBUTES;
use crate::core::error::OAuthError;

/// The custom element's tag.
pub const TAG: &str = "oauth-login";

/// Runs when the module is instantiated: handles an OAuth response in the address first of all.
#[wasm_bindgen(start)]
pub fn start() {
    callback::handle_page_load();
}

thread_local! {
    static DEFINED: Cell<bool> = const { Cell::new(false) };
}

/// Defines `<oauth-login>`; calling it again does nothing.
#[wasm_bindgen]
pub fn define() {
    if DEFINED.replace(true) {
        return;
    }
    let pairs: Vec<[&str; 2]> = ATTRIBUTES.iter().map(|a| [a.name, a.property]).collect();
    let create = Closure::<dyn FnMut(HtmlElement) -> JsValue>::new(|element| JsValue::from(element::Widget::for_element(element)));
    js::define_element(TAG, js::to_js(&pairs), &create);
    // The element class calls it for every element for the page's lifetime.
    create.forget();
}

/// `login(options)`: a login without an element; resolves with the `oauth-login` detail.
#[wasm_bindgen]
pub fn login(options: JsValue) -> Promise {
    Promise::new(&mut |resolve, reject| match options.clone().dyn_into::<Object>() {
        Ok(options) => element::Widget::login_with_options(options, resolve, reject),
        Err(_) => {
            let error = OAuthError::config("login(options) needs an options object, e.g. { clientId, authorizeUrl }");
            let _ = reject.call1(&JsValue::NULL, &js::error_value(&error));
        }
    })
}

/// The `OAuthError` class, re-exported by the package entry.
#[wasm_bindgen(js_name = oauthErrorClass)]
pub fn oauth_error_class() -> JsValue {
    js::error_class()
}
