//! Fuzz target `unpack`: the body and what it checks are `oauth_prefab_fuzz::unpack` (fuzz/src/lib.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| oauth_prefab_fuzz::unpack(data));
