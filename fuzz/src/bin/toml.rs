//! libFuzzer target: see `signoff_fuzz::toml`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| signoff_fuzz::toml(data));
