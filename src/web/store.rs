//! `sessionStorage` and `localStorage` as the core's [`Store`], through two functions of
//! `js/storage.js`. Storage can be missing or refuse (private modes, sandboxed frames, a full
//! quota): every failure is an absent item or `false`, which the core turns into a message.
//!
//! Two plain imports, rather than web-sys's `Window` and `Storage` objects: those bring
//! wasm-bindgen's object handles and js-sys's global lookup into the module (measured: 2.8 KB of
//! the wasm, gzipped, and a third of the glue).

use wasm_bindgen::prelude::*;

use crate::core::contract::Storage;
use crate::core::store::Store;

#[wasm_bindgen(module = "/js/storage.js")]
extern "C" {
    #[wasm_bindgen(js_name = storageGet)]
    fn storage_get(area: u8, key: &str) -> Option<String>;
    #[wasm_bindgen(js_name = storageSet)]
    fn storage_set(area: u8, key: &str, value: &str, remove: bool) -> bool;
}

/// The page's web storage.
pub struct WebStore;

/// The number `js/storage.js` knows an area by.
fn area(kind: Storage) -> u8 {
    match kind {
        Storage::Session => 1,
        _ => 2,
    }
}

impl Store for WebStore {
    fn get(&self, kind: Storage, key: &str) -> Option<String> {
        if kind == Storage::Memory {
            return None;
        }
        storage_get(area(kind), key)
    }

    fn set(&mut self, kind: Storage, key: &str, value: &str) -> bool {
        kind != Storage::Memory && storage_set(area(kind), key, value, false)
    }

    fn remove(&mut self, kind: Storage, key: &str) {
        if kind != Storage::Memory {
            storage_set(area(kind), key, "", true);
        }
    }
}
