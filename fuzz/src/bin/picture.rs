//! libFuzzer target: see `signoff_fuzz::picture`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = signoff_fuzz::picture(data);
});
