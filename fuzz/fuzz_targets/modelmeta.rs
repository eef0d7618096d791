#![no_main]
//! Text metadata parsers: LFS pointers, configs, model cards, Ollama manifests, trust_remote_code.
use libfuzzer_sys::fuzz_target;
use modelgate::detect::modelmeta as m;

fuzz_target!(|data: &[u8]| {
    let _ = m::lfs_pointer(data);
    let _ = m::config(data);
    let _ = m::card(data);
    let _ = m::ollama_manifest("x/manifests/registry.ollama.ai/library/qwen2.5/7b", data);
    let _ = m::trust_remote_code_lines(data);
    let _ = modelgate::detect::weights::sniff_format(data, data.len() as u64, "bin");
});
