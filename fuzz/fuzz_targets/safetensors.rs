#![no_main]
//! safetensors header reader (length prefix bounded by the file and the 100 MB limit).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = modelgate::detect::safetensors::sniff(data, data.len() as u64);
    let _ = modelgate::detect::safetensors::parse(&data);
});
