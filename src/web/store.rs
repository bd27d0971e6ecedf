//! `sessionStorage` and `localStorage` as the core's [`Store`]. Storage can be missing or refuse
//! (private modes, sandboxed frames, a full quota): every failure is an absent item or `false`,
//! which the core turns into a message, never a panic.

use web_sys::Storage;

use crate::core::config::StorageKind;
use crate::core::widget::Store;

/// The page's web storage.
pub struct WebStore;

fn area(kind: StorageKind) -> Option<Storage> {
    let window = gloo_utils::window();
    match kind {
        StorageKind::Memory => None,
        StorageKind::Session => window.session_storage().ok().flatten(),
        StorageKind::Local => window.local_storage().ok().flatten(),
    }
}

impl Store for WebStore {
    fn get(&self, kind: StorageKind, key: &str) -> Option<String> {
        area(kind)?.get_item(key).ok().flatten()
    }

    fn set(&mut self, kind: StorageKind, key: &str, value: &str) -> bool {
        area(kind).is_some_and(|s| s.set_item(key, value).is_ok())
    }

    fn remove(&mut self, kind: StorageKind, key: &str) {
        if let Some(s) = area(kind) {
            let _ = s.remove_item(key);
        }
    }

    fn keys(&self, kind: StorageKind) -> Vec<String> {
        let Some(s) = area(kind) else {
            return Vec::new();
        };
        (0..s.length().unwrap_or(0))
            .filter_map(|i| s.key(i).ok().flatten())
            .collect()
    }
}
