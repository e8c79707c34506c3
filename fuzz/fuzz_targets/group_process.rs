#![no_main]
//! See `mls_fuzz_targets::stateful::group_process`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| mls_fuzz_targets::stateful::group_process(data));
