#![no_main]
//! The text matcher (`TextDetector` of the embedded rules database, built once) as the scan runs
//! it on one file: classification by name and content, `scan::detect_file` (references and the
//! inline `modelgate: allow` directives on their lines) and `weights::text_file` (configs, cards,
//! Ollama manifests, LFS pointers, `trust_remote_code`), under several file names: `.py`,
//! `.ipynb`, `.md`, `.json`, `.yaml`; then `lineage::references` on what was collected.
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use modelgate::classify::{Class, classify};
use modelgate::detect::weights;
use modelgate::config::Config;
use modelgate::scan::{Collected, detect_file_with};

mod common;

const NAMES: &[&str] = &[
    "src/app.py",
    "notebooks/eval.ipynb",
    "docs/README.md",
    "model/config.json",
    "deploy/values.yaml",
];

fuzz_target!(
    init: {
        // Built before fuzzing starts, so its cost is not charged to the first input's timeout.
        common::detector();
    },
    |data: &[u8]| {
    let det = common::detector();
    // The matcher on raw bytes, whatever the class.
    let mut raw = Vec::new();
    det.scan(data, "raw.txt", false, &mut raw);
    common::check_refs(&raw, &[("raw.txt", data)]);

    let mut c = Collected::default();
    for name in NAMES {
        let Class::Text { prose } = classify(Path::new(name), data) else {
            continue;
        };
        assert_eq!(prose, name.ends_with(".md"));
        detect_file_with(det, &Config::default(), name, data, prose, &mut c);
        weights::text_file(name, data, &mut c.models);
    }
    let lines = data.split(|&b| b == b'\n').count() as u32;
    for (r, allows) in &c.refs {
        for a in allows {
            assert!(a.line >= 1 && (a.line == r.line || a.line + 1 == r.line), "{a:?} for {r:?}");
            assert!(!a.codes.is_empty() && !a.reason.is_empty(), "{a:?}");
        }
    }
    let refs: Vec<_> = c.refs.iter().map(|(r, _)| r.clone()).collect();
    let files: Vec<(&str, &[u8])> = NAMES.iter().map(|n| (*n, data)).collect();
    common::check_refs(&refs, &files);
    for (_, l) in &c.models.remote_code {
        assert!(*l >= 1 && *l <= lines, "trust_remote_code line {l} of {lines}");
    }
    let text_refs: Vec<_> = refs.iter().collect();
    let (lin, _notes) = modelgate::lineage::references(det.resolver(), &c.models, &text_refs);
    for r in &lin {
        assert!(r.line >= 1, "{r:?}");
        if NAMES.contains(&r.path.as_str()) {
            assert!(r.line <= lines, "line {} of {lines}: {r:?}", r.line);
        }
    }
}
);
