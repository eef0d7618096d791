#![no_main]
//! Text metadata parsers: LFS pointers, configs, model cards, Ollama manifests, trust_remote_code,
//! format sniffing; the reported lines lie in the file.
use libfuzzer_sys::fuzz_target;
use modelgate::detect::modelmeta as m;

fuzz_target!(|data: &[u8]| {
    let lines = data.split(|&b| b == b'\n').count() as u32;
    let _ = m::lfs_pointer(data);
    if let Some(c) = m::config(data) {
        assert!(
            c.line >= 1 && c.line <= lines,
            "config line {} of {lines}",
            c.line
        );
        assert!(
            c.auto_map_line <= lines,
            "auto_map line {} of {lines}",
            c.auto_map_line
        );
    }
    if let Some(c) = m::card(data) {
        assert!(c.line <= lines, "card line {} of {lines}", c.line);
    }
    let _ = m::ollama_manifest("x/manifests/registry.ollama.ai/library/qwen2.5/7b", data);
    for l in m::trust_remote_code_lines(data) {
        assert!(
            l >= 1 && l <= lines,
            "trust_remote_code line {l} of {lines}"
        );
    }
    let _ = modelgate::detect::weights::sniff_format(data, data.len() as u64, "bin");
});
