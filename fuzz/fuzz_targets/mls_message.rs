#![no_main]
//! See `mls_fuzz_targets::mls_message`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| mls_fuzz_targets::mls_message(data));
