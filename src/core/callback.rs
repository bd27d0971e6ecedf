//! The callback: what a page decides when it loads with an OAuth response in its address.
//!
//! The response is stripped from the address first of all; then it is either relayed to the
//! opener (a popup) or matched to this tab's pending redirect login, and kept as a [`Delivery`]
//! until the widget that started that login connects and takes it.

use super::config::StorageKind;
use super::error::text;
use super::response::{capture, state_of};
use super::session::{select_pending, PendingLogin};
use super::widget::Store;

/// Where redirect logins wait: `oauth-prefab:pending:<state>` in `sessionStorage`.
pub const PENDING_PREFIX: &str = "oauth-prefab:pending:";

/// A redirect login's response, waiting for its widget.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// The widget it is for; `None` when no login in this tab matches (a replayed or forged
    /// response), which the first widget to connect reports as `state_mismatch`.
    pub key: Option<String>,
    /// The login it answers (already removed from storage: a state is used once).
    pub login: Option<PendingLogin>,
    /// The response, as raw form-urlencoded text.
    pub raw: String,
}

/// What a page does with the response in its address.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    /// Post the address to the opener (addressed to this page's own origin) and close.
    Relay,
    /// Keep it for a widget of this page.
    Deliver(Box<Delivery>),
}

/// The decision for a page load: the address to put in place of the current one (path, kept
/// query, kept fragment), and the route. `None` when the address holds no response.
pub fn on_page_load(
    store: &mut dyn Store,
    path: &str,
    search: &str,
    hash: &str,
    has_opener: bool,
) -> Option<(String, Route)> {
    let captured = capture(search, hash)?;
    let clean = text(&[path, &captured.search, &captured.hash]);
    let mut pending = Vec::new();
    for key in store
        .keys(StorageKind::Session)
        .into_iter()
        .filter(|k| k.starts_with(PENDING_PREFIX))
    {
        match store
            .get(StorageKind::Session, &key)
            .and_then(|r| PendingLogin::from_record(&r))
        {
            Some(login) => pending.push(login),
            None => store.remove(StorageKind::Session, &key),
        }
    }
    let state = state_of(&captured.raw);
    let selected = select_pending(state.as_deref(), &pending);
    // Matched by its state, the response belongs to a redirect login of this very tab.
    if (state.is_none() || selected.is_none()) && has_opener {
        return Some((clean, Route::Relay));
    }
    let login = selected.map(|i| pending.swap_remove(i));
    if let Some(login) = &login {
        store.remove(
            StorageKind::Session,
            &text(&[PENDING_PREFIX, login.state.as_str()]),
        );
    }
    let delivery = Delivery {
        key: login.as_ref().map(|l| l.key.clone()),
        login,
        raw: captured.raw,
    };
    Some((clean, Route::Deliver(Box::new(delivery))))
}

/// Takes the delivery waiting for the widget `key`: its own, or one that matched no login
/// (reported by the first widget that connects).
pub fn take_delivery(deliveries: &mut Vec<Delivery>, key: Option<&str>) -> Option<Delivery> {
    let index = deliveries
        .iter()
        .position(|d| d.key.is_none() || d.key.as_deref() == key)?;
    Some(deliveries.remove(index))
}
