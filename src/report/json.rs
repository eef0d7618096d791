//! JSON output: a versioned envelope documented in docs/json-output.md. It carries every finding,
//! inventory included.

use std::io::Write;

use serde::Serialize;

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
        },
        findings: &report.findings,
        notifications: &report.notifications,
    };
    serde_json::to_writer_pretty(&mut *w, &env)?;
    w.write_all(b"\n")
}
