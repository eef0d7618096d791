//! One scan, end to end: walk → classify → detect → resolve → policy → suppressions → a sorted
//! report.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::classify::Class;
use crate::config::Config;
use crate::detect::Reference;
use crate::detect::text::TextDetector;
use crate::detect::weights::{self, ModelClues, WeightOptions};
use crate::digest::DigestCache;
use crate::policy;
use crate::report::{Notification, Report, RulesInfo};
use crate::resolve;
use crate::suppress::{self, Baseline, InlineAllow};
use crate::walk::{self, FileData, Visitor, WalkOptions};

pub struct ScanConfig {
    pub roots: Vec<PathBuf>,
    pub walk: WalkOptions,
    pub config: Config,
    pub baseline: Option<Baseline>,
    /// Dependency analysis of manifests and lock files (and `--deps`).
    pub deps: crate::deps::DepsOptions,
    /// Hashing of weight files.
    pub weights: WeightOptions,
    /// Folder of the digest cache; `None` disables it.
    pub cache_dir: Option<PathBuf>,
    /// `--online`: look up unknown hub repositories through the hub's API.
    pub online: Option<crate::online::OnlineOptions>,
}

type Found = (Reference, Vec<InlineAllow>);

/// What a worker produces for the files it was given.
#[derive(Default)]
pub struct Collected {
    pub refs: Vec<Found>,
    pub notes: Vec<Notification>,
    /// Manifests and lock files (by file name), analysed once after the walk.
    pub manifests: Vec<crate::deps::ManifestFile>,
    /// Weight files and model metadata, resolved after the walk by [`crate::lineage`].
    pub models: ModelClues,
}

/// Detects references in one text file and reads the inline directives that apply to them.
pub fn detect_file(
    detector: &TextDetector,
    rel: &str,
    bytes: &[u8],
    prose: bool,
    out: &mut Collected,
) {
    if let Some(kind) = crate::deps::manifest_kind(rel) {
        out.manifests.push(crate::deps::ManifestFile {
            rel: rel.to_string(),
            kind,
            text: String::from_utf8_lossy(bytes).into_owned(),
        });
    }
    let mut refs = Vec::new();
    detector.scan(bytes, rel, prose, &mut refs);
    if refs.is_empty() {
        return;
    }
    let lines: Vec<&[u8]> = if memchr::memmem::find(bytes, b"modelgate").is_some() {
        bytes.split(|&b| b == b'\n').collect()
    } else {
        Vec::new()
    };
    for r in refs {
        let allows = if lines.is_empty() {
            Vec::new()
        } else {
            suppress::inline_allows(&lines, r.line, rel, &mut out.notes)
        };
        out.refs.push((r, allows));
    }
}

struct Worker<'a> {
    detector: &'a TextDetector,
    local: Collected,
    shared: &'a Mutex<Collected>,
    weights: &'a WeightOptions,
    cache: &'a DigestCache,
}

impl Visitor for Worker<'_> {
    fn visit(&mut self, file: &FileData<'_>) {
        match file.class {
            Class::Text { prose } => {
                detect_file(self.detector, file.rel, file.bytes, prose, &mut self.local);
                weights::text_file(file.rel, file.bytes, &mut self.local.models);
            }
            Class::Weights => {
                if let Some(f) = file.file
                    && let Some(w) = weights::binary_file(
                        self.weights,
                        self.cache,
                        file.rel,
                        f,
                        file.len,
                        file.head,
                    )
                {
                    self.local.models.weights.push(w);
                }
            }
            Class::OtherBinary => {}
        }
    }
}

impl Drop for Worker<'_> {
    fn drop(&mut self) {
        if let Ok(mut s) = self.shared.lock() {
            s.refs.append(&mut self.local.refs);
            s.notes.append(&mut self.local.notes);
            s.manifests.append(&mut self.local.manifests);
            s.models.append(&mut self.local.models);
        }
    }
}

/// Turns collected references into a report: resolve, policy, fingerprints, suppressions.
pub fn build_report(
    cfg: &ScanConfig,
    detector: &TextDetector,
    collected: Collected,
    mut notifications: Vec<Notification>,
    stats: walk::WalkStats,
) -> Report {
    let db = detector.db();
    let mut collected = collected;
    dependency_refs(cfg, detector, &mut collected);
    if let Some(o) = &cfg.online {
        crate::online::enrich(&mut collected.refs, detector, o, &mut collected.notes);
    }
    if !collected.models.weights.is_empty()
        || !collected.models.metas.is_empty()
        || !collected.models.remote_code.is_empty()
    {
        let text_refs: Vec<&Reference> = collected.refs.iter().map(|(r, _)| r).collect();
        let (refs, notes) = crate::lineage::references(detector, &collected.models, &text_refs);
        collected.notes.extend(notes);
        collected
            .refs
            .extend(refs.into_iter().map(|r| (r, Vec::new())));
    }
    let mut findings: Vec<_> = collected
        .refs
        .iter()
        .filter_map(|(r, allows)| {
            let mut f = policy::evaluate(&cfg.config.policy, r, resolve::resolve(db, r))?;
            suppress::apply_inline(&mut f, allows);
            Some(f)
        })
        .collect();
    policy::finalize(&mut findings);
    notifications.extend(collected.notes);
    suppress::apply(
        &mut findings,
        &cfg.config,
        cfg.baseline.as_ref(),
        &mut notifications,
    );
    notifications.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    notifications.dedup();
    // Exact bytes of the non-UTF-8 paths the report names (for SARIF URIs).
    let raw_paths = crate::escape::raw_paths(|p| {
        findings.iter().any(|f| f.path == p)
            || notifications.iter().any(|n| n.path.as_deref() == Some(p))
    });
    Report {
        tool_version: env!("CARGO_PKG_VERSION"),
        rules: RulesInfo::of(db),
        roots: cfg.roots.iter().map(|r| r.display().to_string()).collect(),
        findings,
        notifications,
        stats,
        raw_paths,
    }
}

/// Adds the references of the dependencies that the collected manifests declare, with the inline
/// directives on their manifest lines.
pub fn dependency_refs(cfg: &ScanConfig, detector: &TextDetector, c: &mut Collected) {
    if c.manifests.is_empty() {
        return;
    }
    c.manifests.sort_by(|a, b| a.rel.cmp(&b.rel));
    let a = crate::deps::analyze(&cfg.roots, detector, &c.manifests, &cfg.deps);
    c.notes.extend(a.notes);
    let texts: std::collections::HashMap<&str, &str> = c
        .manifests
        .iter()
        .map(|m| (m.rel.as_str(), m.text.as_str()))
        .collect();
    for r in a.refs {
        let allows = match texts.get(r.path.as_str()) {
            Some(t) if t.contains("modelgate") => {
                let lines: Vec<&[u8]> = t.as_bytes().split(|&b| b == b'\n').collect();
                suppress::inline_allows(&lines, r.line, &r.path, &mut c.notes)
            }
            _ => Vec::new(),
        };
        c.refs.push((r, allows));
    }
}

/// Scans the roots with an already built detector (it carries the database).
pub fn run(cfg: &ScanConfig, detector: &TextDetector) -> Report {
    let shared = Mutex::new(Collected::default());
    let cache = match &cfg.cache_dir {
        Some(d) if cfg.weights.hash => DigestCache::open(d),
        _ => DigestCache::disabled(),
    };
    let make = || Worker {
        detector,
        local: Collected::default(),
        shared: &shared,
        weights: &cfg.weights,
        cache: &cache,
    };
    let (mut notifications, stats) = walk::walk(&cfg.roots, &cfg.walk, &make);
    if let Err(e) = cache.save() {
        notifications.push(Notification {
            level: crate::report::NotificationLevel::Note,
            path: None,
            message: format!("digest cache not saved: {e}"),
        });
    }
    let collected = shared.into_inner().unwrap_or_default();
    build_report(cfg, detector, collected, notifications, stats)
}

/// Builds the detector for a database.
pub fn detector(db: Arc<crate::rules::Database>) -> Result<TextDetector, String> {
    TextDetector::new(db)
}
