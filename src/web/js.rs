//! The boundary with JavaScript: the JS shim's imports, and Rust values made into JS ones.
//!
//! Errors stay [`OAuthError`] in Rust and become JS `OAuthError` objects only here; event
//! details are serialized with `serde-wasm-bindgen` (`None` as `null`, as the contract says).

use serde::Serialize;
use wasm_bindgen::prelude::*;
use web_sys::HtmlElement;

use crate::core::error::OAuthError;

#[wasm_bindgen(module = "/js/element.js")]
extern "C" {
    /// Defines the custom element class, which calls `create` for each element.
    #[wasm_bindgen(js_name = defineElement)]
    pub fn define_element(tag: &str, attributes: JsValue, create: &Closure<dyn FnMut(HtmlElement) -> JsValue>);

    #[wasm_bindgen(js_name = makeError)]
    fn make_error(code: &str, description: &str, reason: Option<String>, uri: Option<String>) -> JsValue;

    /// The `OAuthError` class, for the package's exports.
    #[wasm_bindgen(js_name = errorClass)]
    pub fn error_class() -> JsValue;
}

/// A Rust error as a JS `OAuthError`.
pub fn error_value(error: &OAuthError) -> JsValue {
    make_error(error.code.as_str(), &error.description, error.reason.clone(), error.uri.clone())
}

/// A serializable value as a plain JS object, `None` as `null`.
pub fn to_js<T: Serialize>(value: &T) -> JsValue {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_missing_as_null(true);
    // Our details are plain structs of strings, numbers and arrays: serialization cannot fail,
    // but a failure would still yield `null` rather than a panic.
    value.serialize(&serializer).unwrap_or(JsValue::NULL)
}
