//! Fuzz target `dev_provider_form`: the body and what it checks are `oauth_prefab_fuzz::dev_provider_form` (fuzz/src/lib.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| oauth_prefab_fuzz::dev_provider_form(data));
