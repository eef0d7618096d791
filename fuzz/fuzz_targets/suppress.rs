#![no_main]
//! Suppressions read from the repository: baseline files (`Baseline::load`, which only takes a
//! path: the input is written to a per-process temporary file) and inline
//! `modelgate: allow MG103 <reason>` directives (`parse_directive` on every line,
//! `inline_allows` for every line of the input).
use libfuzzer_sys::fuzz_target;
use modelgate::suppress::{Baseline, inline_allows, parse_directive};

fn baseline_path() -> &'static std::path::PathBuf {
    static P: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    P.get_or_init(|| {
        std::env::temp_dir().join(format!(
            "modelgate-fuzz-baseline-{}.json",
            std::process::id()
        ))
    })
}

fuzz_target!(|data: &[u8]| {
    let p = baseline_path();
    if std::fs::write(p, data).is_ok()
        && let Ok(b) = Baseline::load(p)
    {
        assert!(b.fingerprints.len() <= data.len());
    }

    let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    for l in lines.iter().take(256) {
        match parse_directive(&String::from_utf8_lossy(l)) {
            Some(Ok((codes, reason))) => {
                assert!(!codes.is_empty());
                assert!(
                    codes.iter().all(|c| c.len() == 5 && c.starts_with("MG")),
                    "{codes:?}"
                );
                assert!(!reason.is_empty() && reason.trim() == reason, "{reason:?}");
            }
            Some(Err(codes)) => assert!(!codes.is_empty()),
            None => {}
        }
    }
    let mut notes = Vec::new();
    for line in 0..=(lines.len().min(256) as u32 + 1) {
        for a in inline_allows(&lines, line, "src/app.py", &mut notes) {
            assert!(
                a.line >= 1 && (a.line == line || a.line + 1 == line),
                "{a:?} at {line}"
            );
        }
    }
});
