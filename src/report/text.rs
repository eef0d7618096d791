//! Text output for people: findings grouped by message (each message once, most severe first,
//! then its locations file by file), the notifications, the inventory per developer and per
//! family, and a summary line with counts per level. Every string that came from the repository
//! (paths, messages) goes through [`escape::display`]: no control character reaches the terminal.

use std::io::Write;

use anstyle::{AnsiColor, Style};

use super::{Report, WriteOptions};
use crate::checks::Level;
use crate::escape;
use crate::policy::Finding;
use crate::types::NotificationLevel;

/// Width past which a line of locations wraps.
const LOCATIONS_WIDTH: usize = 100;

/// Findings that say the same thing: one check, one level, one identifier (case aside), one
/// message. Groups come most severe first, then by check, then in the order of their first
/// finding (by path).
fn groups<'a>(findings: impl Iterator<Item = &'a Finding>) -> Vec<Vec<&'a Finding>> {
    let mut index: std::collections::HashMap<(Level, &str, String, &str), usize> =
        std::collections::HashMap::new();
    let mut groups: Vec<Vec<&Finding>> = Vec::new();
    for f in findings {
        let key = (
            f.level,
            f.code.as_str(),
            f.identifier.to_ascii_lowercase(),
            &*f.message,
        );
        match index.get(&key) {
            Some(&i) => groups[i].push(f),
            None => {
                index.insert(key, groups.len());
                groups.push(vec![f]);
            }
        }
    }
    // Stable: within a level and check, the order of first findings stays.
    groups.sort_by_key(|g| (std::cmp::Reverse(g[0].level), g[0].code));
    groups
}

/// `line:column` of a finding and of the repeats folded into it.
fn places(f: &Finding) -> Vec<String> {
    let mut v = vec![format!("{}:{}", f.line, f.column)];
    v.extend(f.also_columns.iter().map(|c| format!("{}:{c}", f.line)));
    if f.more_on_line > 0 {
        v.push(format!("(+{} more on line {})", f.more_on_line, f.line));
    }
    v
}

/// The locations of a group, one file per line (`path:line:col, line:col, …`), wrapped.
fn write_locations(w: &mut dyn Write, group: &[&Finding]) -> std::io::Result<()> {
    let mut i = 0;
    while i < group.len() {
        let path = &group[i].path;
        let mut items: Vec<String> = Vec::new();
        while i < group.len() && &group[i].path == path {
            items.extend(places(group[i]));
            i += 1;
        }
        let mut line = format!("      {}:", escape::display(path));
        let mut first = true;
        for item in items {
            if !first && line.len() + item.len() + 2 > LOCATIONS_WIDTH {
                writeln!(w, "{},", line)?;
                line = "        ".to_string();
                first = true;
            }
            if !first {
                line.push_str(", ");
            }
            line.push_str(&item);
            first = false;
        }
        writeln!(w, "{line}")?;
    }
    Ok(())
}

/// The inventory: findings per developer and per family, one line each.
fn write_inventory(
    w: &mut dyn Write,
    report: &Report,
    bold: &dyn Fn(&str) -> String,
) -> std::io::Result<bool> {
    let inv = super::summary::inventory(&report.findings);
    if inv.is_empty() {
        return Ok(false);
    }
    let counts = |c: &super::summary::Counts| {
        format!(
            "{} {} in {} {} ({})",
            c.findings,
            if c.findings == 1 {
                "finding"
            } else {
                "findings"
            },
            c.files,
            if c.files == 1 { "file" } else { "files" },
            c.levels.describe()
        )
    };
    let rows = |names: Vec<String>, rest: Vec<String>| -> Vec<String> {
        let width = names
            .iter()
            .map(|n| n.chars().count())
            .max()
            .unwrap_or(0)
            .min(48);
        names
            .into_iter()
            .zip(rest)
            .map(|(n, r)| format!("  {n:<width$}  {r}"))
            .collect()
    };
    writeln!(
        w,
        "{}",
        bold("Inventory by developer (every finding, inventory-only and suppressed included)")
    )?;
    if inv.by_developer.is_empty() {
        writeln!(w, "  (none)")?;
    }
    let names = inv
        .by_developer
        .iter()
        .map(|d| {
            format!(
                "{} ({})",
                escape::display(&d.name),
                escape::display(&d.country)
            )
        })
        .collect();
    let rest = inv.by_developer.iter().map(|d| counts(&d.counts)).collect();
    for l in rows(names, rest) {
        writeln!(w, "{l}")?;
    }
    if inv.unattributed > 0 {
        writeln!(
            w,
            "  ({} {} attributed to no developer)",
            inv.unattributed,
            if inv.unattributed == 1 {
                "finding"
            } else {
                "findings"
            }
        )?;
    }
    if !inv.by_family.is_empty() {
        writeln!(w, "{}", bold("Inventory by model family"))?;
        let names = inv
            .by_family
            .iter()
            .map(|f| match &f.developer {
                Some(d) if d.name != f.name => format!(
                    "{} ({})",
                    escape::display(&f.name),
                    escape::display(&d.name)
                ),
                _ => escape::display(&f.name).into_owned(),
            })
            .collect();
        let rest = inv.by_family.iter().map(|f| counts(&f.counts)).collect();
        for l in rows(names, rest) {
            writeln!(w, "{l}")?;
        }
    }
    Ok(true)
}

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
    let groups = groups(report.visible().filter(|f| f.suppression.is_none()));
    // One section per level and check; in it, each message once with its locations.
    let mut i = 0;
    while i < groups.len() {
        let (level, code) = (groups[i][0].level, groups[i][0].code);
        let n = groups[i..]
            .iter()
            .take_while(|g| g[0].level == level && g[0].code == code)
            .count();
        let section = &groups[i..i + n];
        if i > 0 {
            writeln!(w)?;
        }
        i += n;
        let findings: usize = section.iter().map(Vec::len).sum();
        writeln!(
            w,
            "{} {} {}  ({findings} {})",
            paint(style(level), &format!("{:<7}", level.as_str())),
            paint(bold, code.as_str()),
            paint(dim, code.check().name),
            if findings == 1 { "finding" } else { "findings" }
        )?;
        for g in section {
            let occurrences: usize = g.iter().map(|f| f.occurrences()).sum();
            let files = 1 + g.windows(2).filter(|p| p[0].path != p[1].path).count();
            let count = if occurrences > 1 {
                format!(
                    " [{occurrences} locations in {files} {}]",
                    if files == 1 { "file" } else { "files" }
                )
            } else {
                String::new()
            };
            writeln!(
                w,
                "  {}{}",
                escape::display(&g[0].message),
                paint(dim, &count)
            )?;
            if g.iter().any(|f| f.history.is_some()) {
                // A history scan: each location with where it is in the history.
                for f in g {
                    writeln!(
                        w,
                        "      {}:{}",
                        escape::display(&f.path),
                        places(f).join(", ")
                    )?;
                    if let Some(h) = &f.history {
                        writeln!(w, "        {}", paint(dim, &history_line(h)))?;
                    }
                }
            } else {
                write_locations(w, g)?;
            }
        }
    }
    let current = (!groups.is_empty()).then_some(());
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
    if current.is_some() || !shown.is_empty() {
        writeln!(w)?;
    }
    let paint_bold = |t: &str| paint(bold, t);
    if write_inventory(w, report, &paint_bold)? {
        writeln!(w)?;
    }
    let (e, wa, no, inv) = report.counts();
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
