#![no_main]
//! See `mls_fuzz_targets::stateful::external_commit`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| mls_fuzz_targets::stateful::external_commit(data));
