#![no_main]
//! See `mls_fuzz_targets::stateful::welcome_join`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| mls_fuzz_targets::stateful::welcome_join(data));
