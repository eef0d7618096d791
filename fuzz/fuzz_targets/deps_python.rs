#![no_main]
//! Python manifests and lock files: `requirements*.txt` (with `-r` includes read from a fixed
//! folder), `pyproject.toml`, `setup.cfg`, `Pipfile`, `Pipfile.lock`, `poetry.lock`, `uv.lock`,
//! PEP 508 requirements; then the whole `deps::analyze` path (join with the lock graph, database
//! look-up). Input: one file's content (fed as every kind), or NUL-separated `path\ncontent`
//! parts (see `common.rs`).
use libfuzzer_sys::fuzz_target;
use modelgate::deps::{Ecosystem, ManifestKind, python};

mod common;

fuzz_target!(
    init: {
        // Built before fuzzing starts, so its cost is not charged to the first input's timeout.
        common::detector();
        common::include_root();
    },
    |data: &[u8]| {
    let files = common::manifests(data, common::kinds(Ecosystem::PyPI));
    let mut notes = Vec::new();
    for m in &files {
        let deps = match m.kind {
            ManifestKind::Requirements => {
                let (d, inc) = python::requirements(&m.rel, &m.text, &mut notes);
                assert!(inc.iter().all(|i| !i.is_empty()));
                d
            }
            ManifestKind::Pyproject => python::pyproject(m, &mut notes).1,
            ManifestKind::SetupCfg => python::setup_cfg(m, &mut notes),
            ManifestKind::PipfileLock => {
                common::check_graph(&python::pipfile_lock(m, &mut notes), m);
                Vec::new()
            }
            ManifestKind::PoetryLock | ManifestKind::UvLock => {
                common::check_graph(&python::toml_lock(m, &mut notes), m);
                Vec::new()
            }
            // `Pipfile` is read inside `python::analyze` only.
            _ => Vec::new(),
        };
        common::check_deps(&deps, &files);
    }
    // PEP 508 on each line, as `Ecosystem::spec_name` and the parsers use it.
    if let Some(m) = files.first() {
        for l in m.text.lines().take(64) {
            if let Ok(r) = python::parse_requirement(l) {
                assert!(!r.name.is_empty());
                let _ = python::normalize(&r.name);
            }
            let _ = Ecosystem::PyPI.spec_name(l);
        }
    }
    common::analyze(&files);
}
);
