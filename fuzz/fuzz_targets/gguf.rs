#![no_main]
//! GGUF metadata reader: never panics, never allocates from an unchecked length.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(info) = modelgate::detect::gguf::parse(&data) {
        let _ = info.base_models();
    }
});
