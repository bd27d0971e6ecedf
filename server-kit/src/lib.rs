//! `server-kit`: what the project's two servers, `dev-provider` and the exchange, share.
//!
//! - [`Form`]: a strict `application/x-www-form-urlencoded` body extractor. Unlike axum's
//!   `Form`, it refuses a field given twice and a broken `%` escape instead of guessing,
//!   so a client with an encoding bug fails loudly.
//! - [`OAuthError`]: the RFC 6749 section 5.2 error, `{"error", "error_description"}`, as a
//!   response with the right status and `Cache-Control: no-store`.
//! - [`flags`]: a command line's `--flag value` and `--flag=value`, with the same messages for
//!   the same mistakes in both servers.
//! - [`shutdown_signal`]: resolves on SIGINT or SIGTERM, for graceful shutdown; the
//!   handlers are installed when it is called.
#![deny(missing_docs)]

mod error;
pub mod flags;
mod form;
mod signal;

pub use error::OAuthError;
pub use flags::Flags;
pub use form::{decode_component, is_form, Form, FormLimits, FormRejection};
pub use signal::shutdown_signal;
