//! libFuzzer target: see `signoff_fuzz::markdown`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| signoff_fuzz::markdown(data));
