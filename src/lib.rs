//! `oauth-prefab`: a drop-in OAuth 2.0 login widget, `<oauth-login>`, compiled to WebAssembly.
//!
//! The crate has two halves:
//! - [`core`]: pure Rust, natively tested: every decision, from the element's contract to the
//!   login state machine, which answers each browser event with a list of commands;
//! - [`web`]: the one wasm export JS calls, which reads browser input as JSON, hands it to the
//!   core and writes back its commands; `js/` carries them out in the page.
#![deny(missing_docs)]

pub mod core;

pub mod web;

// Wasm is single-threaded here (no atomics), which is what `AssumeSingleThreaded` requires.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    // SAFETY: this module is built without threads: one instance, one thread.
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
