//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per
//! unsuppressed finding, and `::warning` lines for notifications. Every string that came from
//! the repository goes through [`escape::github_property`] or [`escape::github_message`]: no line
//! break (so no forged `::command::`), no control character, no property break.

use std::io::Write;

use super::Report;
use crate::checks::Level;
use crate::escape::{github_message as data, github_property as property};

pub fn write(report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    for f in report.visible().filter(|f| f.suppression.is_none()) {
        let cmd = match f.level {
            Level::Error => "error",
            Level::Warning => "warning",
            _ => "notice",
        };
        writeln!(
            w,
            "::{cmd} file={},line={},col={},endColumn={},title={}::{}",
            property(&f.path),
            f.line,
            f.column,
            f.end_column,
            property(&format!("{} {}", f.code.as_str(), f.check)),
            data(&f.message)
        )?;
    }
    for n in &report.notifications {
        let cmd = match n.level {
            crate::types::NotificationLevel::Note => "notice",
            _ => "warning",
        };
        match (&n.path, n.line) {
            (Some(p), Some(l)) => writeln!(
                w,
                "::{cmd} file={},line={l},title=modelgate::{}",
                property(p),
                data(&n.message)
            )?,
            (Some(p), None) => writeln!(
                w,
                "::{cmd} file={},title=modelgate::{}",
                property(p),
                data(&n.message)
            )?,
            (None, _) => writeln!(w, "::{cmd} title=modelgate::{}", data(&n.message))?,
        }
    }
    let (e, wa, no, _) = report.counts();
    writeln!(
        w,
        "modelgate: {e} error(s), {wa} warning(s), {no} note(s), {} suppressed",
        report.suppressed()
    )
}
