//! The callback: what a page decides when it loads with an OAuth response in its address.
//!
//! The response leaves the address first of all. Then it belongs either to this tab's pending
//! redirect login, and waits (a [`Delivery`]) for the widget that started it to connect; or to a
//! popup login of another page, and is relayed there: to the opener, or, when the provider's
//! COOP cut this popup off from it, over the channel. A response no page takes is reported here
//! as `state_mismatch`. A page a logout at the provider came back to only loses its `state`.
//!
//! A redirect login's response that reached another page than the one the login started on (a
//! site's one callback page) waits there until the page has loaded; if no widget of that page
//! took it by then, it goes back, through `sessionStorage`, to the page that started the login,
//! which takes it on load as if its own address had brought it.

use std::rc::Rc;

use super::io::{Command, Commands};
use super::popup::LOOK_EVERY_MS;
use super::session::Pending;
use crate::core::contract::Storage;
use crate::core::error::OAuthError;
use crate::core::oauth::response::{capture, query_response, state_of, Captured};
use crate::core::oidc::discovery::Discovery;
use crate::core::store::{Store, LOGOUT_KEY, PENDING_KEY, RESPONSE_KEY};
use crate::core::text::{cat, hex, same_secret, Lend};

/// How long a callback page waits to hear that its response was taken. The opener answers
/// within milliseconds; silence means no page is waiting for this login any more.
pub const ACK_WAIT_MS: u32 = 20 * LOOK_EVERY_MS;

/// What a callback window says once its response was taken, if the browser keeps it open.
pub const TAKEN: &str =
    "The login went back to the page that started it. You can close this window.";

/// What a callback popup says when no page took its response.
pub const START_AGAIN: &str = "This login can no longer finish here: the page that started it was reloaded, closed or left. Close this window and start the login again.";

/// A response waiting for a widget of this page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The login it answers (already removed from storage: a state is used once); `None` when
    /// no login of this tab matches (a replayed or forged response), which the first widget to
    /// connect reports as `state_mismatch`.
    pub login: Option<Box<Pending>>,
    /// The response, as raw form-urlencoded text.
    pub raw: String,
}

/// What a page keeps for its widgets, whichever connects first.
#[derive(Debug, Default)]
pub struct PageState {
    /// Responses waiting for their widgets.
    pub deliveries: Vec<Delivery>,
    /// The response being relayed, until the relay ends.
    relaying: Option<String>,
    /// Where this page's response goes if no widget of the page takes it: the address of the
    /// page its tab's redirect login started on, when that is another page (the login stays
    /// stored for that page: a widget of this one connecting after the response left finds it
    /// came back with an answer).
    pub back: Option<String>,
    /// The discovery documents asked for, by issuer: read once per page.
    pub discovered: Vec<(String, Discovered)>,
    /// The key sets read, by `jwks_uri` (all dropped when one just read fails its login).
    pub keys: Vec<(String, String)>,
}

/// A discovery document of this page: being read, read, or unusable (why, for people).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Discovered {
    /// Asked for; not answered yet.
    Reading,
    /// Read and checked.
    Known(Rc<Discovery>),
    /// Unreachable or answered 5xx or 429 (`network_error`: the next login asks again), or
    /// unusable (`invalid_config`).
    Broken(OAuthError),
}

impl PageState {
    /// Nothing kept yet; `const`, so the page's state needs no lazy start in the wasm.
    pub const fn new() -> Self {
        Self {
            deliveries: Vec::new(),
            relaying: None,
            back: None,
            discovered: Vec::new(),
            keys: Vec::new(),
        }
    }

    /// The discovery document of `issuer`, if it was asked for.
    pub fn discovery(&self, issuer: &str) -> Option<&Discovered> {
        let at = index_of(&self.discovered, issuer);
        self.discovered.get(at).map(|(_, d)| d)
    }

    /// Records the discovery document of `issuer`.
    pub fn set_discovery(&mut self, issuer: &str, document: Discovered) {
        let at = index_of(&self.discovered, issuer);
        match self.discovered.get_mut(at) {
            Some((_, known)) => *known = document,
            None => self.discovered.push((issuer.into(), document)),
        }
    }

    /// The key set read from `uri`, if any.
    #[inline(always)]
    pub fn keys(&self, uri: &str) -> Option<&str> {
        let at = index_of(&self.keys, uri);
        self.keys.get(at).map(|(_, k)| k.as_str())
    }

    /// Records the key set read from `uri`, in place of any read before.
    #[inline(always)]
    pub fn set_keys(&mut self, uri: &str, keys: &str) {
        let at = index_of(&self.keys, uri);
        match self.keys.get_mut(at) {
            // Written over in place: its buffer kept, nothing dropped.
            Some((_, known)) => {
                known.clear();
                known.push_str(keys);
            }
            None => self.keys.push((uri.into(), keys.into())),
        }
    }

    /// The delivery for the widget `key`: its own, or one that matched no login.
    pub fn take_delivery(&mut self, key: &str) -> Option<Delivery> {
        let index = self.deliveries.iter().position(|d| {
            d.login
                .as_ref()
                .is_none_or(|login| *login.config.key == *key)
        })?;
        Some(self.deliveries.swap_remove(index))
    }
}

/// A page's address, as `location` splits it: the path, and the query and fragment (each with
/// its leading `?` / `#`, or empty).
#[derive(Debug, Clone, Copy)]
pub struct Address<'a> {
    /// `location.pathname`.
    pub path: &'a str,
    /// `location.search`.
    pub search: &'a str,
    /// `location.hash`.
    pub hash: &'a str,
}

/// A page loaded at `address`; `opener`: the window has one; `random`: bytes to name the relay
/// by.
#[inline(always)]
pub fn page_load(
    page: &mut PageState,
    store: &mut dyn Store,
    address: Address,
    opener: bool,
    random: &[u8],
    out: &mut Commands,
) {
    let Address { path, search, hash } = address;
    // The page a logout at the provider came back to: its `state` leaves the address, and
    // nothing else happens (`oauth-logout` fired before the tab left).
    if let Some(expected) = store.get(Storage::Session, LOGOUT_KEY) {
        let back = query_response(search, hash);
        if state_of(&back.raw).is_some_and(|state| same_secret(&state, &expected)) {
            store.remove(Storage::Session, LOGOUT_KEY);
            return clean(path, &back, out);
        }
    }
    // The response: in this page's address, or carried back here from another page.
    let (raw, here) = match capture(search, hash) {
        Some(captured) => {
            clean(path, &captured, out);
            (captured.raw, true)
        }
        None => match store.get(Storage::Session, RESPONSE_KEY) {
            Some(raw) => {
                store.remove(Storage::Session, RESPONSE_KEY);
                (raw, false)
            }
            None => return,
        },
    };
    // Boxed as read (`Pending::from_record`): a delivery keeps it so, and any other path drops
    // one pointer. The record is dropped here, once, not on each way out.
    let pending = {
        let record = store.get(Storage::Session, PENDING_KEY);
        let pending = record.lend().and_then(Pending::from_record);
        if record.is_some() && pending.is_none() {
            store.remove(Storage::Session, PENDING_KEY);
        }
        pending
    };
    // The page this tab's redirect login started on, if this is another one: a response no
    // widget of this page takes goes back there (`loaded`). One carried back goes no further.
    page.back = pending
        .as_ref()
        .filter(|login| here && !path.eq(login.config.page.path.as_str()))
        .map(|login| login.address.clone());
    // A stateless error is this window's redirect login's: a popup's copy of its opener's
    // sessionStorage holds no pending login (a popup login removes it before opening), and a tab
    // that has an opener (an app opened by `window.open`) logs in by redirect too.
    let login = pending
        .filter(|login| state_of(&raw).is_none_or(|state| login.secrets.state.matches(&state)));
    if login.is_none() && here {
        page.relaying = Some(raw);
        out.emit(Command::Relay {
            id: &hex(random),
            search,
            hash,
            opener,
            wait_ms: ACK_WAIT_MS,
        });
        return;
    }
    // Used once; where the response may go back, the login stays stored for that page until a
    // widget of this one takes it (`Machine::deliver`).
    if login.is_some() && page.back.is_none() {
        store.remove(Storage::Session, PENDING_KEY);
    }
    // This tab's login's, or carried back and no longer its login's: refused here (no login).
    page.deliveries.push(Delivery { login, raw });
}

/// Takes the response out of the page's address (`path` and what stays of the rest).
fn clean(path: &str, captured: &Captured, out: &mut Commands) {
    out.emit(Command::Clean {
        url: &cat(&[path, &captured.rest]),
    });
}

/// The page has loaded, and its widgets have connected (after any relay): a response none of
/// them took goes back to the page its tab's redirect login started on, in `sessionStorage`
/// (never in the address), where that page takes it on load as if its address had brought it.
/// The response leaves this page's deliveries: a widget that connects later does not take it.
#[inline(always)]
pub fn loaded(page: &mut PageState, store: &mut dyn Store, out: &mut Commands) {
    if let Some(url) = &page.back {
        if let Some(waiting) = page.deliveries.pop() {
            store.set(Storage::Session, RESPONSE_KEY, &waiting.raw);
            out.emit(Command::Leave { url });
        }
    }
}

/// A relay ended: `taken` when a page acknowledged the response.
#[inline(always)]
pub fn relayed(page: &mut PageState, taken: bool, opener: bool, out: &mut Commands) {
    let Some(raw) = page.relaying.take() else {
        return;
    };
    let text = if taken {
        // A window that script may not close (a tab the person opened) stays, and says so.
        out.emit(Command::Shut {});
        TAKEN
    } else if opener {
        START_AGAIN
    } else {
        // No popup waits for it: a replayed address, or a popup whose login is gone. The first
        // widget to connect reports it, here or on the page this tab's login started on (`loaded`).
        return page.deliveries.push(Delivery { login: None, raw });
    };
    out.emit(Command::Say { text });
}

/// Where the entry named `name` is in `entries` (their length for none: a plain number, where an
/// `Option` came back through memory), for the reader and the writer of the page's discovery
/// documents and key sets, which then search in one place.
fn index_of<T>(entries: &[(String, T)], name: &str) -> usize {
    let found = entries.iter().position(|(n, _)| **n == *name);
    found.unwrap_or(entries.len())
}
