//! Reports: one sorted [`Report`] rendered by an emitter onto the writer it is given.

pub mod cyclonedx;
pub mod github;
pub mod html;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod summary;
pub mod text;

use serde::Serialize;

use crate::checks::Level;
use crate::policy::Finding;
use crate::types::WalkStats;

pub use crate::types::{Notification, NotificationLevel};

/// Identity of the rules database a run used.
#[derive(Debug, Clone, Serialize)]
pub struct RulesInfo {
    pub name: String,
    pub schema_version: u32,
    pub as_of: String,
    pub content_sha256: String,
    /// `embedded` or the folder given with `--rules`.
    pub origin: String,
}

impl RulesInfo {
    pub fn of(db: &crate::rules::Database) -> RulesInfo {
        RulesInfo {
            name: db.meta.name.clone(),
            schema_version: db.meta.schema_version,
            as_of: db.meta.as_of.clone(),
            content_sha256: db.content_hash.clone(),
            origin: db.origin.to_string(),
        }
    }
}

/// Everything a run found, sorted.
#[derive(Debug, Clone)]
pub struct Report {
    pub tool_version: &'static str,
    pub rules: RulesInfo,
    /// The scanned roots as given on the command line.
    pub roots: Vec<String>,
    pub findings: Vec<Finding>,
    pub notifications: Vec<Notification>,
    pub stats: WalkStats,
    /// The exact bytes of the paths above that are not UTF-8 (shown with `\xNN` escapes), by
    /// display path; SARIF URIs encode these bytes.
    pub raw_paths: std::collections::BTreeMap<String, Vec<u8>>,
}

impl Report {
    /// One report of several scans (one per root, each under its own policy): findings and
    /// notifications of all, sorted as one scan sorts them, and the counters added up.
    pub fn merge(mut all: Report, rest: Vec<Report>) -> Report {
        for r in rest {
            all.roots.extend(r.roots);
            all.findings.extend(r.findings);
            all.notifications.extend(r.notifications);
            all.stats.files_scanned += r.stats.files_scanned;
            all.stats.bytes_scanned += r.stats.bytes_scanned;
            all.stats.binary_files += r.stats.binary_files;
            all.stats.skipped += r.stats.skipped;
            all.raw_paths.extend(r.raw_paths);
        }
        crate::policy::sort(&mut all.findings);
        all.notifications
            .sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
        all.notifications.dedup();
        all
    }

    /// Number of unsuppressed findings at each level, most severe first:
    /// (error, warning, note, none).
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let c = |l: Level| {
            self.findings
                .iter()
                .filter(|f| f.level == l && f.suppression.is_none())
                .count()
        };
        (
            c(Level::Error),
            c(Level::Warning),
            c(Level::Note),
            c(Level::None),
        )
    }

    /// Number of suppressed findings (inline, allow entries, baseline).
    pub fn suppressed(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.suppression.is_some())
            .count()
    }

    /// Findings shown in SARIF output (inventory-only findings are left out; suppressed ones
    /// stay, marked as such).
    pub fn visible(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.level > Level::None)
    }
}

pub const INFORMATION_URI: &str = "https://github.com/modelgate/modelgate";

/// The output formats, one emitter module each. Adding a format is a variant here and its arm in
/// [`Format::write`]; the command line offers every variant (`--format NAME`, the variant's name
/// in kebab case, its doc comment as help).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    /// Summary tables and findings in Markdown
    Markdown,
    /// GitHub Actions workflow annotations
    Github,
    /// CycloneDX 1.7 AI/ML-BOM (JSON): models, services and packages
    Cyclonedx,
    /// One self-contained HTML page for readers
    Html,
}

/// How the report is to be rendered, beyond its format.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOptions {
    /// ANSI colours (text output to a terminal only).
    pub color: bool,
    /// Text output: findings, warnings and errors only (no notes, no summary line).
    pub quiet: bool,
    /// Threads that may render findings at the same time (SARIF); 0 or 1: one.
    pub threads: usize,
}

impl Format {
    /// Renders `report` in this format onto `w`.
    pub fn write(
        self,
        report: &Report,
        w: &mut dyn std::io::Write,
        opts: &WriteOptions,
    ) -> std::io::Result<()> {
        match self {
            Format::Text => text::write(report, w, opts),
            Format::Json => json::write(report, w),
            Format::Sarif => sarif::write_with(report, w, opts.threads),
            Format::Markdown => markdown::write(report, w),
            Format::Github => github::write(report, w),
            Format::Cyclonedx => cyclonedx::write(report, w),
            Format::Html => html::write(report, w),
        }
    }
}
