#![no_main]
//! See `mls_fuzz_targets::key_package`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| mls_fuzz_targets::key_package(data));
