//! Fuzz target `exchange_config`: the body and what it checks are `oauth_prefab_fuzz::exchange_config` (fuzz/src/lib.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| oauth_prefab_fuzz::exchange_config(data));
