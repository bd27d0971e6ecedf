#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| oauth_prefab_fuzz::dev_provider_clients(data));
