//! `oauth-prefab`: a drop-in OAuth 2.0 login widget, `<oauth-login>`, compiled to WebAssembly.
//!
//! The crate has two halves:
//! - [`core`]: pure Rust, natively tested: response parsing, request building, presets,
//!   configuration and the login state machine;
//! - `web` (wasm32 only): the thin browser layer: the element, popups, the callback, storage.
#![deny(missing_docs)]

pub mod core;

#[cfg(target_arch = "wasm32")]
pub mod web;

// Wasm is single-threaded here (no atomics), which is what `AssumeSingleThreaded` requires.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    // SAFETY: this module is built without threads: one instance, one thread.
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
