#![no_main]
//! JavaScript manifests and lock files: `package.json`, `package-lock.json` (v1 and v2/v3),
//! `pnpm-lock.yaml`, `yarn.lock` (Yarn 1 format and Yarn Berry YAML), npm specifications; then
//! the whole `deps::analyze` path. Input: one file's content (fed as every kind), or
//! NUL-separated `path\ncontent` parts (see `common.rs`).
use libfuzzer_sys::fuzz_target;
use modelgate::deps::{Ecosystem, ManifestKind, npm};

mod common;

fuzz_target!(
    init: {
        // Built before fuzzing starts, so its cost is not charged to the first input's timeout.
        common::detector();
        common::include_root();
    },
    |data: &[u8]| {
    let files = common::manifests(data, common::kinds(Ecosystem::Npm));
    let mut notes = Vec::new();
    for m in &files {
        match m.kind {
            ManifestKind::PackageJson => {
                let (_, deps) = npm::package_json(m, &mut notes);
                common::check_deps(&deps, &files);
            }
            ManifestKind::PackageLock => {
                common::check_graph(&npm::package_lock(m, None, &mut notes), m)
            }
            ManifestKind::PnpmLock => common::check_graph(&npm::pnpm_lock(m, &mut notes), m),
            ManifestKind::YarnLock => common::check_graph(&npm::yarn_lock(m, &mut notes), m),
            _ => {}
        }
    }
    if let Some(m) = files.first() {
        for l in m.text.lines().take(64) {
            let _ = npm::spec_name(l);
        }
    }
    common::analyze(&files);
}
);
