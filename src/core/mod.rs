//! The pure core: every OAuth decision the widget makes, with no browser in sight.
//!
//! Nothing here imports a browser crate: randomness and the clock
//! come in as arguments. So every rule runs under plain `cargo test`, natively, and `web/` only
//! moves data between the browser and these functions.

pub mod config;
pub mod error;
pub mod params;
pub mod provider;
pub mod request;
pub mod response;
pub mod session;
