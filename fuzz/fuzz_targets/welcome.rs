#![no_main]
//! See `mls_fuzz_targets::welcome`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| mls_fuzz_targets::welcome(data));
