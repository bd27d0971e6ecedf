//! Web storage as the core sees it: a synchronous map per area, and the names the widget keeps
//! there. The browser layer implements [`Store`] over `sessionStorage` / `localStorage`; native
//! tests use [`MemoryStore`].

use super::contract::Storage;

/// Where a stored token lives: `oauth-prefab:token:<widget key>`.
pub const TOKEN_PREFIX: &str = "oauth-prefab:token:";
/// This tab's pending redirect login (in `sessionStorage`); a tab has at most one, since a
/// redirect login leaves the page.
pub const PENDING_KEY: &str = "oauth-prefab:pending";
/// A response that came back to another page than its redirect login's, carried (in
/// `sessionStorage`) to the page that started the login, which takes it on load.
pub const RESPONSE_KEY: &str = "oauth-prefab:response";
/// The `state` of this tab's logout at the provider (RP-Initiated Logout), in `sessionStorage`,
/// so the page it returns to strips it from its address.
pub const LOGOUT_KEY: &str = "oauth-prefab:logout";
/// The Web Lock one renewal of widget `<key>`'s session holds across tabs:
/// `oauth-prefab:renew:<widget key>`.
pub const RENEW_LOCK_PREFIX: &str = "oauth-prefab:renew:";
/// Providers seen to cut login popups off from their opener, by authorization origin (in
/// `localStorage`), so a later popup they hide is waited for rather than taken for a cancel.
pub const SEVERS_PREFIX: &str = "oauth-prefab:severs:";

/// The `BroadcastChannel` callback pages and the pages that started their logins talk on when a
/// provider's COOP cut a popup off from its opener. Only pages of this origin hear it.
pub const CHANNEL: &str = "oauth-prefab";

/// Synchronous web storage; never asked about [`Storage::Memory`].
pub trait Store {
    /// The item, if there is one and the storage can be read.
    fn get(&self, area: Storage, key: &str) -> Option<String>;
    /// Sets the item; `false` when the browser refused (private mode, quota, sandbox).
    fn set(&mut self, area: Storage, key: &str, value: &str) -> bool;
    /// Removes the item, if it can.
    fn remove(&mut self, area: Storage, key: &str);
}

/// Web storage in memory, for native tests.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    items: Vec<(Storage, String, String)>,
    /// When set, every `set` is refused, as a browser with storage disabled does.
    pub refuse: bool,
}

#[cfg(not(target_arch = "wasm32"))]
impl MemoryStore {
    /// The keys held in `area`.
    pub fn keys(&self, area: Storage) -> Vec<&str> {
        self.items
            .iter()
            .filter(|(a, _, _)| *a == area)
            .map(|(_, k, _)| k.as_str())
            .collect()
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Store for MemoryStore {
    fn get(&self, area: Storage, key: &str) -> Option<String> {
        self.items
            .iter()
            .find(|(a, k, _)| *a == area && k == key)
            .map(|(_, _, v)| v.clone())
    }

    fn set(&mut self, area: Storage, key: &str, value: &str) -> bool {
        if self.refuse {
            return false;
        }
        self.remove(area, key);
        self.items.push((area, key.into(), value.into()));
        true
    }

    fn remove(&mut self, area: Storage, key: &str) {
        self.items.retain(|(a, k, _)| !(*a == area && k == key));
    }
}
