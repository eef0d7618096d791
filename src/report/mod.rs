//! Reports: one sorted [`Report`] rendered by an emitter onto the writer it is given.

pub mod cyclonedx;
pub mod github;
pub mod html;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod text;

use serde::Serialize;

use crate::checks::Level;
use crate::policy::Finding;
use crate::walk::WalkStats;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NotificationLevel {
    Note,
    Warning,
    Error,
}

impl NotificationLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationLevel::Note => "note",
            NotificationLevel::Warning => "warning",
            NotificationLevel::Error => "error",
        }
    }
}

/// A problem with the run or one file (unreadable, too large, not a regular file).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Notification {
    pub level: NotificationLevel,
    pub path: Option<String>,
    pub message: String,
}

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
