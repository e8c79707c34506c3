#![no_main]
//! See `mls_fuzz_targets::ratchet_tree`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| mls_fuzz_targets::ratchet_tree(data));
