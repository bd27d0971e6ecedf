//! The pure core: every OAuth decision the widget makes, with no browser in sight.
//!
//! Nothing here imports a browser crate: randomness, hashing, the clock and web storage come in
//! from outside (arguments, and the [`widget::Store`] trait), and decisions go out as commands.
//! So every rule runs under plain `cargo test`, natively, and `web/` only carries them out.
//!
//! - [`contract`]: the element's attributes, events, parts and members, declared once;
//! - [`config`]: attributes to a validated [`config::Config`], and advice for page authors;
//! - [`request`], [`response`]: the authorization request, the response, the token endpoint;
//! - [`session`]: the login state; [`widget`]: the controller as a state machine;
//! - [`callback`]: a page that loads with a response in its address;
//! - [`params`], [`url`], [`json`], [`error`], [`provider`], [`ascii`]: the pieces they are made of.

pub mod ascii;
pub mod callback;
pub mod config;
pub mod contract;
pub mod error;
pub mod json;
pub mod params;
pub mod provider;
pub mod request;
pub mod response;
pub mod session;
pub mod url;
pub mod widget;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
