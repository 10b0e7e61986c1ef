//! libFuzzer target: see `signoff_fuzz::verify`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| signoff_fuzz::verify(data));
