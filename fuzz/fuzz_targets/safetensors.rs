#![no_main]
//! safetensors header reader (length prefix bounded by the file and the 100 MB limit), streamed
//! from the file (`parse`) and from memory (`parse_header`, the JSON after the length prefix).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = modelgate::detect::safetensors::sniff(data, data.len() as u64);
    let _ = modelgate::detect::safetensors::parse(&data);
    if let Some(json) = data.get(8..) {
        let _ = modelgate::detect::safetensors::parse_header(json, json.len() as u64);
    }
});
