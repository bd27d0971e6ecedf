//! Small typed accessors for what the widget reads from the page: the clock, randomness, the
//! page's location, and the settings of an element or an options object.

use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{HtmlElement, Window};

use crate::core::config::{PageLocation, Settings, SECRET_ATTRIBUTES};
use crate::core::error::OAuthError;
use crate::core::request::{State, STATE_BYTES};

/// The global `window`; every page the widget runs on has one.
pub fn window() -> Result<Window, OAuthError> {
    web_sys::window().ok_or_else(|| OAuthError::config("oauth-prefab needs a browser window"))
}

/// Milliseconds since the epoch.
pub fn now() -> u64 {
    js_sys::Date::now() as u64
}

/// This page's origin and path.
pub fn page_location() -> Result<PageLocation, OAuthError> {
    let location = window()?.location();
    let read = |r: Result<String, JsValue>| r.map_err(|_| OAuthError::config("the page's location cannot be read"));
    Ok(PageLocation { origin: read(location.origin())?, pathname: read(location.pathname())? })
}

/// A fresh `state` from `crypto.getRandomValues`.
pub fn random_state() -> Result<State, OAuthError> {
    let mut bytes = [0u8; STATE_BYTES];
    window()?
        .crypto()
        .and_then(|crypto| crypto.get_random_values_with_u8_array(&mut bytes))
        .map_err(|_| OAuthError::config("crypto.getRandomValues is not available on this page"))?;
    Ok(State::from_random(bytes))
}

/// Where a widget's settings come from.
pub enum SettingsSource {
    /// An `<oauth-login>` element's attributes.
    Element(HtmlElement),
    /// A `login(options)` object, keyed by property names.
    Options(Object),
}

impl SettingsSource {
    /// Reads the settings as they are now.
    pub fn read(&self) -> Settings {
        match self {
            Self::Element(el) => {
                let mut settings = Settings::read(|a| el.get_attribute(a.name));
                settings.has_client_secret = SECRET_ATTRIBUTES.iter().any(|n| el.has_attribute(n));
                settings
            }
            Self::Options(options) => {
                let get = |key: &str| Reflect::get(options, &JsValue::from_str(key)).ok().filter(|v| !v.is_undefined() && !v.is_null());
                let mut settings = Settings::read(|a| {
                    // `String(value)`, so `timeout: 30` works like `timeout="30"`.
                    get(a.property).map(|v| v.as_string().unwrap_or_else(|| v.unchecked_into::<Object>().to_string().into()))
                });
                settings.has_client_secret = ["clientSecret", "client_secret", "client-secret"].iter().any(|k| get(k).is_some());
                settings
            }
        }
    }

    /// The element's `id`, which keys its token and redirect logins.
    pub fn element_id(&self) -> Option<String> {
        match self {
            Self::Element(el) => Some(el.id()).filter(|id| !id.is_empty()),
            Self::Options(options) => Reflect::get(options, &JsValue::from_str("id")).ok().and_then(|v| v.as_string()),
        }
    }
}
