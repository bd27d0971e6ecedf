//! Token and pending-login persistence: `memory`, `sessionStorage` or `localStorage` behind one
//! small interface. Storage can be missing or refuse writes (private modes, sandboxed frames,
//! a full quota); every failure is reported, never a panic.

use web_sys::Storage;

use crate::core::config::StorageKind;
use crate::core::error::OAuthError;
use crate::core::response::Token;
use crate::core::session::PendingLogin;

use super::browser::window;

const TOKEN_PREFIX: &str = "oauth-prefab:token:";
const PENDING_PREFIX: &str = "oauth-prefab:pending:";

fn web_storage(kind: StorageKind) -> Option<Storage> {
    let window = window().ok()?;
    match kind {
        StorageKind::Memory => None,
        StorageKind::Session => window.session_storage().ok().flatten(),
        StorageKind::Local => window.local_storage().ok().flatten(),
    }
}

/// Keeps `token` for the widget `key` where `kind` says (nothing to do for `memory`).
pub fn save_token(kind: StorageKind, key: &str, token: &Token) -> Result<(), OAuthError> {
    if kind == StorageKind::Memory {
        return Ok(());
    }
    web_storage(kind)
        .ok_or(())
        .and_then(|s| s.set_item(&format!("{TOKEN_PREFIX}{key}"), &token.to_record()).map_err(|_| ()))
        .map_err(|_| OAuthError::config("the browser refused to store the token; it is kept in memory only"))
}

/// The stored token of widget `key`, if there is a readable one. A damaged record is removed.
pub fn load_token(kind: StorageKind, key: &str) -> Option<Token> {
    let storage = web_storage(kind)?;
    let name = format!("{TOKEN_PREFIX}{key}");
    let record = storage.get_item(&name).ok().flatten()?;
    let token = Token::from_record(&record);
    if token.is_none() {
        let _ = storage.remove_item(&name);
    }
    token
}

/// Forgets widget `key`'s stored token in both storages (its `storage` may have changed since).
pub fn forget_token(key: &str) {
    for kind in [StorageKind::Session, StorageKind::Local] {
        if let Some(storage) = web_storage(kind) {
            let _ = storage.remove_item(&format!("{TOKEN_PREFIX}{key}"));
        }
    }
}

/// Keeps a redirect login in this tab's `sessionStorage` for the page it returns to.
pub fn save_pending(pending: &PendingLogin) -> Result<(), OAuthError> {
    web_storage(StorageKind::Session)
        .ok_or(())
        .and_then(|s| s.set_item(&format!("{PENDING_PREFIX}{}", pending.state.as_str()), &pending.to_record()).map_err(|_| ()))
        .map_err(|_| OAuthError::config("redirect mode needs sessionStorage, which this page cannot use"))
}

/// Every redirect login pending in this tab (damaged records are dropped).
pub fn pending_logins() -> Vec<PendingLogin> {
    let Some(storage) = web_storage(StorageKind::Session) else { return Vec::new() };
    let len = storage.length().unwrap_or(0);
    let names: Vec<String> = (0..len).filter_map(|i| storage.key(i).ok().flatten()).filter(|k| k.starts_with(PENDING_PREFIX)).collect();
    names
        .into_iter()
        .filter_map(|name| {
            let login = storage.get_item(&name).ok().flatten().and_then(|r| PendingLogin::from_record(&r));
            if login.is_none() {
                let _ = storage.remove_item(&name);
            }
            login
        })
        .collect()
}

/// Removes a redirect login: its state is used once.
pub fn remove_pending(pending: &PendingLogin) {
    if let Some(storage) = web_storage(StorageKind::Session) {
        let _ = storage.remove_item(&format!("{PENDING_PREFIX}{}", pending.state.as_str()));
    }
}
