#![no_main]
//! See `mls_fuzz_targets::group_info`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| mls_fuzz_targets::group_info(data));
