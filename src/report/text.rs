//! Text output for people: findings grouped by file, a summary line with counts per level.
//! Every string that came from the repository (paths, messages) goes through
//! [`escape::display`]: no control character reaches the terminal.

use std::io::Write;

use anstyle::{AnsiColor, Style};

use super::{Report, WriteOptions};
use crate::checks::Level;
use crate::escape;
use crate::types::NotificationLevel;

fn style(level: Level) -> Style {
    match level {
        Level::Error => AnsiColor::Red.on_default().bold(),
        Level::Warning => AnsiColor::Yellow.on_default().bold(),
        Level::Note => AnsiColor::Cyan.on_default(),
        Level::None => Style::new(),
    }
}

/// A commit id as shown to people.
pub fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

/// Where a finding of a history scan is in the history, on one line.
pub fn history_line(h: &crate::policy::History) -> String {
    let first = format!(
        "{} {} {}",
        if h.before_range {
            "already there at"
        } else {
            "first committed in"
        },
        escape::display(short(&h.first_commit)),
        escape::display(&h.first_date)
    );
    match &h.removed_in {
        _ if h.present_at_head => format!("{first}; still at HEAD"),
        Some(r) => format!(
            "{first}; last present in {} {}; removed in {} {}",
            escape::display(short(&h.last_commit)),
            escape::display(&h.last_date),
            escape::display(short(r)),
            escape::display(h.removed_date.as_deref().unwrap_or_default())
        ),
        None => format!(
            "{first}; last present in {} {}; not at HEAD",
            escape::display(short(&h.last_commit)),
            escape::display(&h.last_date)
        ),
    }
}

pub fn write(report: &Report, w: &mut dyn Write, opts: &WriteOptions) -> std::io::Result<()> {
    let color = opts.color;
    let paint = |s: Style, t: &str| -> String {
        if color {
            format!("{}{t}{}", s.render(), s.render_reset())
        } else {
            t.to_string()
        }
    };
    let bold = Style::new().bold();
    let dim = Style::new().dimmed();
    let mut current: Option<&str> = None;
    for f in report.visible().filter(|f| f.suppression.is_none()) {
        if current != Some(f.path.as_str()) {
            if current.is_some() {
                writeln!(w)?;
            }
            writeln!(w, "{}", paint(bold, &escape::display(&f.path)))?;
            current = Some(&f.path);
        }
        writeln!(
            w,
            "  {}:{}  {} {} {}",
            f.line,
            f.column,
            paint(style(f.level), &format!("{:<7}", f.level.as_str())),
            paint(bold, f.code.as_str()),
            paint(dim, f.check)
        )?;
        writeln!(w, "      {}", escape::display(&f.message))?;
        if let Some(h) = &f.history {
            writeln!(w, "      {}", paint(dim, &history_line(h)))?;
        }
    }
    let shown: Vec<_> = report
        .notifications
        .iter()
        .filter(|n| !opts.quiet || n.level > NotificationLevel::Note)
        .collect();
    if !shown.is_empty() {
        if current.is_some() {
            writeln!(w)?;
        }
        // One form for every problem: `path:line: level: message` (what has no line or no
        // path leaves it out).
        for n in &shown {
            let place = match (n.path.as_deref(), n.line) {
                (Some(p), Some(l)) => format!("{}:{l}: ", escape::display(p)),
                (Some(p), None) => format!("{}: ", escape::display(p)),
                (None, _) => String::new(),
            };
            writeln!(
                w,
                "{place}{}: {}",
                paint(dim, n.level.as_str()),
                escape::display(&n.message)
            )?;
        }
    }
    if opts.quiet {
        return Ok(());
    }
    let (e, wa, no, inv) = report.counts();
    if current.is_some() || !shown.is_empty() {
        writeln!(w)?;
    }
    writeln!(
        w,
        "{} {}, {} {}, {} {} ({} suppressed, {} inventory-only in JSON); {} files scanned, {} binary, {} skipped; rules {} ({})",
        paint(style(Level::Error), &e.to_string()),
        if e == 1 { "error" } else { "errors" },
        paint(style(Level::Warning), &wa.to_string()),
        if wa == 1 { "warning" } else { "warnings" },
        paint(style(Level::Note), &no.to_string()),
        if no == 1 { "note" } else { "notes" },
        report.suppressed(),
        inv,
        report.stats.files_scanned,
        report.stats.binary_files,
        report.stats.skipped,
        escape::display(&report.rules.as_of),
        escape::display(&report.rules.origin),
    )
}
