//! The pure core: every decision the widget makes, with no browser in sight.
//!
//! Nothing here imports a browser crate: randomness, digests, the clock and web storage come in
//! from outside (inputs, and the [`store::Store`] trait), and decisions go out as commands, so
//! every rule runs under plain `cargo test`. Layers, each using only those below it:
//!
//! - [`machine`]: the controller, one state machine per widget, and the callback page;
//! - [`oauth`]: settings, requests, responses, tokens, provider presets;
//! - [`oidc`]: discovery, JWS and JWK, id_token claims, the profile;
//! - [`contract`], [`error`]: the element's public surface, declared once, and its error type;
//! - [`text`], [`json`], [`store`]: leaves that everything may use.
//!
//! Inlining is chosen by hand where it measured smaller (every byte of the wasm reaches the
//! browser; the figures are in `docs/size.md`): the build sets LLVM's inline threshold to -5, so
//! `#[inline(always)]` marks a function with one caller, or a mere forwarder, that LLVM would
//! keep apart, and `#[inline(never)]` a small helper with several callers that LLVM would copy
//! into each. Neither changes what the code does. A borrowed text is compared as `str` with
//! `str` (`*a == *b`, `**name == *"id"`): std's `==` for `&str`, `&String` and `String` against
//! a `&str`, each kept apart by LLVM, takes its operands through memory. Two `String`s, or two
//! `Option<String>`s, compare by std's own, smaller there (their texts are in memory already).
//!
//! No `unsafe`: the core reads what strangers send, and a slicing without its check was measured
//! to save 228 B of raw wasm (`docs/size.md`): not worth that risk in a login widget.

#![forbid(unsafe_code)]

pub mod contract;
pub mod error;
pub mod json;
pub mod machine;
pub mod oauth;
pub mod oidc;
pub mod store;
pub mod text;
