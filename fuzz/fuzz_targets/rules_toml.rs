#![no_main]
//! The rules TOML loader (`Database::parse`: `meta.toml`, `orgs/*.toml` with families,
//! namespaces, hosts, routes, patterns, packages, architectures; data files with sources, lists,
//! listings, digests) and everything `rules check` runs on the result (`rulecheck::check`:
//! validation, then the detector compiled from the database's regexes and every example checked).
//! Input: one file's content, loaded as `orgs/fuzz.toml` beside the embedded `meta.toml` and
//! `sources.toml`; or NUL-separated `path\ncontent` parts (see `common.rs`).
use libfuzzer_sys::fuzz_target;
use modelgate::rules::{Database, Origin, embedded};

mod common;

fn embedded_file(name: &str) -> String {
    embedded::FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| t.to_string())
        .unwrap_or_default()
}

fuzz_target!(|data: &[u8]| {
    let files: Vec<(String, String)> = match common::archive(data) {
        Some(parts) => parts
            .into_iter()
            .map(|(n, b)| (n, String::from_utf8_lossy(b).into_owned()))
            .collect(),
        None => {
            let Ok(text) = std::str::from_utf8(data) else {
                return;
            };
            vec![
                ("meta.toml".into(), embedded_file("meta.toml")),
                ("sources.toml".into(), embedded_file("sources.toml")),
                ("orgs/fuzz.toml".into(), text.to_string()),
            ]
        }
    };
    match Database::parse(files, Origin::Embedded) {
        Ok(db) => {
            for p in modelgate::rulecheck::check(&db) {
                let _ = p.to_string();
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
