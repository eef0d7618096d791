#![no_main]
//! Rust and Go manifests: `Cargo.toml` (dependency tables, renames, targets, workspace),
//! `Cargo.lock`, `go.mod`, crate and module specifications; then the whole `deps::analyze` path.
//! Input: one file's content (fed as every kind of both ecosystems), or NUL-separated
//! `path\ncontent` parts (see `common.rs`).
use libfuzzer_sys::fuzz_target;
use modelgate::deps::{Ecosystem, ManifestKind, cargo, golang};

mod common;

fuzz_target!(
    init: {
        // Built before fuzzing starts, so its cost is not charged to the first input's timeout.
        common::detector();
        common::include_root();
    },
    |data: &[u8]| {
    let mut files = common::manifests(data, common::kinds(Ecosystem::Cargo));
    files.extend(common::manifests(data, common::kinds(Ecosystem::Go)));
    let mut notes = Vec::new();
    for m in &files {
        match m.kind {
            ManifestKind::CargoToml => {
                let (_, deps) = cargo::manifest_deps(m, &mut notes);
                common::check_deps(&deps, &files);
            }
            ManifestKind::CargoLock => common::check_graph(&cargo::lock_graph(m, &mut notes), m),
            ManifestKind::GoMod => {
                let deps = golang::go_mod(m, &mut notes);
                common::check_deps(&deps, &files);
            }
            _ => {}
        }
    }
    if let Some(m) = files.first() {
        for l in m.text.lines().take(64) {
            let _ = cargo::spec_name(l);
            let _ = golang::spec_name(l);
        }
    }
    common::analyze(&files);
}
);
