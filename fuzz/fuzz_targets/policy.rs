#![no_main]
//! The policy file (`modelgate.toml`): `Config::parse` from a string against the embedded
//! database, with `[policy]`, `[checks]`, `[paths] exclude` and `[[allow]]` entries (globs,
//! expiry dates); errors point at a line and column inside the file. A parsed configuration is
//! applied to no findings (expired and unused allow entries are reported).
use libfuzzer_sys::fuzz_target;
use modelgate::config::Config;

mod common;

fuzz_target!(
    init: {
        // Built before fuzzing starts, so its cost is not charged to the first input's timeout.
        common::detector();
    },
    |data: &[u8]| {
    // `Config::load` reads the file with `read_to_string`: only UTF-8 reaches the parser.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let today = modelgate::util::days_from_date("2026-12-05").expect("a date");
    match Config::parse("modelgate.toml", text, common::db(), today) {
        Err(e) => {
            let lines = text.split('\n').count();
            assert!(e.line >= 1 && e.line <= lines + 1, "error line {} of {lines}: {e}", e.line);
            assert!(e.column >= 1, "{e}");
            let _ = e.to_string();
        }
        Ok(cfg) => {
            for a in &cfg.allows {
                for s in ["deepseek", "Qwen/Qwen2.5-7B-Instruct", "src/app.py"] {
                    for g in [&a.org, &a.model, &a.host, &a.package].into_iter().flatten() {
                        let _ = g.is_match(s);
                    }
                    if let Some(p) = &a.paths {
                        let _ = p.is_match(s);
                    }
                }
            }
            let mut notes = Vec::new();
            modelgate::suppress::apply(&mut [], &cfg, None, &mut notes);
            assert!(notes.len() <= cfg.allows.len());
        }
    }
}
);
