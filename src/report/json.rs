//! JSON output: a versioned envelope documented in docs/json-output.md. It carries every finding,
//! inventory included.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::checks::{Code, Level};

use super::{Notification, Report, RulesInfo};
use crate::policy::Finding;
use crate::types::WalkStats;

pub const FORMAT: &str = "modelgate-report";
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Envelope<'a> {
    format: &'static str,
    version: u32,
    tool: Tool,
    rules: &'a RulesInfo,
    roots: &'a [String],
    summary: Summary<'a>,
    findings: &'a [Finding],
    notifications: &'a [Notification],
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary<'a> {
    error: usize,
    warning: usize,
    note: usize,
    none: usize,
    suppressed: usize,
    #[serde(flatten)]
    stats: &'a WalkStats,
    /// `by_developer`, `by_family`, `unattributed`.
    #[serde(flatten)]
    inventory: super::summary::Inventory,
    /// `scan --history` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    history: Option<HistorySummary>,
}

/// The summary of a history scan: findings present at HEAD and removed, and each identifier with
/// the earliest commit it was seen in.
#[derive(Serialize)]
struct HistorySummary {
    present_at_head: usize,
    removed: usize,
    identifiers: Vec<IdentifierHistory>,
}

/// One identifier over the whole history, whatever the paths it was at (a rename gives a new
/// path, so a new finding; here they are one).
#[derive(Debug, Clone, Serialize)]
pub struct IdentifierHistory {
    pub identifier: String,
    /// The most severe level of its findings.
    pub level: Level,
    pub codes: Vec<Code>,
    pub paths: Vec<String>,
    pub findings: usize,
    /// The earliest first appearance (by author date) over its findings.
    pub first_commit: String,
    pub first_date: String,
    /// The latest last presence (HEAD when one of its findings is still there).
    pub last_commit: String,
    pub last_date: String,
    pub present_at_head: bool,
}

/// Seconds since 1970 of an ISO 8601 date-time with offset (`2026-01-02T03:04:05+01:00`), so
/// that dates of different time zones compare.
fn instant(s: &str) -> Option<i64> {
    let days = crate::util::days_from_date(s.get(..10)?)?;
    let t = s.get(11..19)?;
    let num = |r: std::ops::Range<usize>| t.get(r)?.parse::<i64>().ok();
    let secs = num(0..2)? * 3600 + num(3..5)? * 60 + num(6..8)?;
    let off = match s.get(19..)? {
        "Z" | "" => 0,
        o => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let h: i64 = o.get(1..3)?.parse().ok()?;
            let m: i64 = o.get(4..6)?.parse().ok()?;
            sign * (h * 3600 + m * 60)
        }
    };
    Some(days * 86_400 + secs - off)
}

/// The findings of a history scan grouped by identifier (case-insensitive), sorted by the
/// earliest first appearance; empty when no finding has a history.
pub fn history_groups(findings: &[Finding]) -> Vec<IdentifierHistory> {
    let mut groups: BTreeMap<String, IdentifierHistory> = BTreeMap::new();
    let key = |d: &str| instant(d).unwrap_or(i64::MAX);
    for f in findings {
        let Some(h) = &f.history else {
            continue;
        };
        let g = groups
            .entry(f.identifier.to_ascii_lowercase())
            .or_insert_with(|| IdentifierHistory {
                identifier: f.identifier.clone(),
                level: f.level,
                codes: Vec::new(),
                paths: Vec::new(),
                findings: 0,
                first_commit: h.first_commit.clone(),
                first_date: h.first_date.clone(),
                last_commit: h.last_commit.clone(),
                last_date: h.last_date.clone(),
                present_at_head: false,
            });
        g.findings += 1;
        g.level = g.level.max(f.level);
        if !g.codes.contains(&f.code) {
            g.codes.push(f.code);
            g.codes.sort();
        }
        if !g.paths.contains(&f.path) {
            g.paths.push(f.path.clone());
            g.paths.sort();
        }
        if key(&h.first_date) < key(&g.first_date) {
            g.first_commit = h.first_commit.clone();
            g.first_date = h.first_date.clone();
        }
        if h.present_at_head && !g.present_at_head
            || h.present_at_head == g.present_at_head && key(&h.last_date) > key(&g.last_date)
        {
            g.last_commit = h.last_commit.clone();
            g.last_date = h.last_date.clone();
        }
        g.present_at_head |= h.present_at_head;
    }
    let mut v: Vec<IdentifierHistory> = groups.into_values().collect();
    v.sort_by(|a, b| (key(&a.first_date), &a.identifier).cmp(&(key(&b.first_date), &b.identifier)));
    v
}

pub fn write(report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    let (error, warning, note, none) = report.counts();
    let env = Envelope {
        format: FORMAT,
        version: VERSION,
        tool: Tool {
            name: "modelgate",
            version: report.tool_version,
        },
        rules: &report.rules,
        roots: &report.roots,
        summary: Summary {
            error,
            warning,
            note,
            none,
            suppressed: report.suppressed(),
            stats: &report.stats,
            inventory: super::summary::inventory(&report.findings),
            history: report
                .findings
                .iter()
                .any(|f| f.history.is_some())
                .then(|| HistorySummary {
                    present_at_head: report
                        .findings
                        .iter()
                        .filter(|f| f.history.as_ref().is_some_and(|h| h.present_at_head))
                        .count(),
                    removed: report
                        .findings
                        .iter()
                        .filter(|f| f.history.as_ref().is_some_and(|h| !h.present_at_head))
                        .count(),
                    identifiers: history_groups(&report.findings),
                }),
        },
        findings: &report.findings,
        notifications: &report.notifications,
    };
    serde_json::to_writer_pretty(&mut *w, &env)?;
    w.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn instants_of_different_offsets_compare() {
        let a = super::instant("2026-01-02T03:00:00+02:00").unwrap();
        let b = super::instant("2026-01-02T01:30:00Z").unwrap();
        let c = super::instant("2026-01-01T21:00:00-05:00").unwrap();
        assert!(a < b && b < c, "{a} {b} {c}");
        assert_eq!(super::instant("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(super::instant("garbage"), None);
    }
}
