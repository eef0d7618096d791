//! One scan, end to end: walk → classify → detect → resolve → policy → a sorted report.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::classify::Class;
use crate::detect::Reference;
use crate::detect::text::TextDetector;
use crate::policy::{self, Policy};
use crate::report::{Report, RulesInfo};
use crate::resolve;
use crate::walk::{self, FileData, Visitor, WalkOptions};

pub struct ScanConfig {
    pub roots: Vec<PathBuf>,
    pub walk: WalkOptions,
    pub policy: Policy,
}

struct Worker<'a> {
    detector: &'a TextDetector,
    local: Vec<Reference>,
    shared: &'a Mutex<Vec<Reference>>,
}

impl Visitor for Worker<'_> {
    fn visit(&mut self, file: &FileData<'_>) {
        if let Class::Text { prose } = file.class {
            self.detector
                .scan(file.bytes, file.rel, prose, &mut self.local);
        }
    }
}

impl Drop for Worker<'_> {
    fn drop(&mut self) {
        if let Ok(mut s) = self.shared.lock() {
            s.append(&mut self.local);
        }
    }
}

/// Scans the roots with an already built detector (it carries the database).
pub fn run(cfg: &ScanConfig, detector: &TextDetector) -> Report {
    let shared = Mutex::new(Vec::new());
    let make = || Worker {
        detector,
        local: Vec::new(),
        shared: &shared,
    };
    let (notifications, stats) = walk::walk(&cfg.roots, &cfg.walk, &make);
    let refs = shared.into_inner().unwrap_or_default();
    let db = detector.db();
    let mut findings: Vec<_> = refs
        .iter()
        .map(|r| policy::evaluate(&cfg.policy, r, resolve::resolve(db, r)))
        .collect();
    policy::finalize(&mut findings);
    Report {
        tool_version: env!("CARGO_PKG_VERSION"),
        rules: RulesInfo::of(db),
        roots: cfg.roots.iter().map(|r| r.display().to_string()).collect(),
        findings,
        notifications,
        stats,
    }
}

/// Builds the detector for a database.
pub fn detector(db: Arc<crate::rules::Database>) -> Result<TextDetector, String> {
    TextDetector::new(db)
}
