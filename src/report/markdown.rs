//! Markdown output: summary tables by check, organisation and file, the findings, then the
//! inventory per developer and per model family. Suited to
//! a pull-request comment or `$GITHUB_STEP_SUMMARY`. Every string that came from the repository
//! or the rules (paths, names, messages) goes through [`escape::markdown`]: no control character,
//! no Markdown or HTML syntax, no cell break.

use std::collections::BTreeMap;
use std::io::Write;

use super::Report;
use crate::checks::{CHECKS, Level};
use crate::escape;

/// Most rows in the findings table; the rest are counted.
pub const MAX_ROWS: usize = 200;

fn cell(s: &str) -> String {
    escape::markdown(s)
}

fn icon(l: Level) -> &'static str {
    match l {
        Level::Error => "🔴 error",
        Level::Warning => "🟠 warning",
        Level::Note => "🔵 note",
        Level::None => "inventory",
    }
}

/// The identifiers of a row, with how many more there are.
fn identifiers(c: &super::summary::Counts) -> String {
    let mut s: Vec<String> = c.identifiers.iter().map(|i| cell(i)).collect();
    if c.identifiers_total > c.identifiers.len() {
        s.push(format!(
            "… {} more",
            c.identifiers_total - c.identifiers.len()
        ));
    }
    s.join(", ")
}

/// The inventory tables: every finding (inventory-only and suppressed included) per developer
/// and per model family.
fn write_inventory(report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    let inv = super::summary::inventory(&report.findings);
    if inv.is_empty() {
        return Ok(());
    }
    writeln!(w)?;
    writeln!(w, "### Inventory by developer")?;
    writeln!(w)?;
    writeln!(
        w,
        "Every finding, inventory-only and suppressed ones included{}.",
        match inv.unattributed {
            0 => String::new(),
            1 => "; 1 finding is attributed to no developer".to_string(),
            n => format!("; {n} findings are attributed to no developer"),
        }
    )?;
    writeln!(w)?;
    inventory_table(
        w,
        ["Developer", "Country"],
        inv.by_developer
            .iter()
            .map(|d| (cell(&d.name), cell(&d.country), &d.counts)),
    )?;
    if !inv.by_family.is_empty() {
        writeln!(w)?;
        writeln!(w, "### Inventory by model family")?;
        writeln!(w)?;
        inventory_table(
            w,
            ["Family", "Developer"],
            inv.by_family.iter().map(|f| {
                let dev = f
                    .developer
                    .as_ref()
                    .map_or(String::new(), |d| cell(&d.name));
                (cell(&f.name), dev, &f.counts)
            }),
        )?;
    }
    let more = inv.by_developer.len().saturating_sub(MAX_ROWS)
        + inv.by_family.len().saturating_sub(MAX_ROWS);
    if more > 0 {
        writeln!(w)?;
        writeln!(w, "… and {more} more rows (see the JSON report).")?;
    }
    Ok(())
}

/// One inventory table: two naming columns, then the counts, at most [`MAX_ROWS`] rows.
fn inventory_table<'a>(
    w: &mut dyn Write,
    head: [&str; 2],
    rows: impl Iterator<Item = (String, String, &'a crate::report::summary::Counts)>,
) -> std::io::Result<()> {
    writeln!(
        w,
        "| {} | {} | Findings | Files | By level | Most severe | Identifiers |",
        head[0], head[1]
    )?;
    writeln!(w, "|---|---|---:|---:|---|---|---|")?;
    for (a, b, c) in rows.take(MAX_ROWS) {
        writeln!(
            w,
            "| {a} | {b} | {} | {} | {} | {} | {} |",
            c.findings,
            c.files,
            c.levels.describe(),
            icon(c.most_severe),
            identifiers(c)
        )?;
    }
    Ok(())
}

pub fn write(report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    let (e, wa, n, inv) = report.counts();
    let shown: Vec<_> = report
        .visible()
        .filter(|f| f.suppression.is_none())
        .collect();
    writeln!(w, "## modelgate")?;
    writeln!(w)?;
    writeln!(
        w,
        "**{e} error(s), {wa} warning(s), {n} note(s)** · {} suppressed · {inv} inventory-only · {} files scanned · rules {} ({})",
        report.suppressed(),
        report.stats.files_scanned,
        cell(&report.rules.as_of),
        cell(&report.rules.origin)
    )?;
    writeln!(w)?;
    if shown.is_empty() {
        writeln!(w, "No findings.")?;
    } else {
        writeln!(w, "### By check")?;
        writeln!(w)?;
        writeln!(w, "| Check | Name | Findings |")?;
        writeln!(w, "|---|---|---:|")?;
        for c in CHECKS {
            let k = shown.iter().filter(|f| f.code == c.code).count();
            if k > 0 {
                writeln!(w, "| {} | {} | {k} |", c.code.as_str(), c.name)?;
            }
        }
        writeln!(w)?;
        writeln!(w, "### By organisation")?;
        writeln!(w)?;
        writeln!(w, "| Organisation | Country | Findings | Most severe |")?;
        writeln!(w, "|---|---|---:|---|")?;
        let mut orgs: BTreeMap<(String, String), (usize, Level)> = BTreeMap::new();
        for f in &shown {
            let (name, country) = f
                .resolved
                .developer
                .as_ref()
                .or_else(|| {
                    f.resolved
                        .hosting
                        .as_ref()
                        .and_then(|h| h.operator.as_ref())
                })
                .map_or(("(unattributed)".to_string(), "".to_string()), |o| {
                    (o.name.clone(), o.country.clone())
                });
            let e = orgs.entry((name, country)).or_insert((0, Level::None));
            e.0 += 1;
            e.1 = e.1.max(f.level);
        }
        for ((name, country), (k, l)) in &orgs {
            writeln!(
                w,
                "| {} | {} | {k} | {} |",
                cell(name),
                cell(country),
                icon(*l)
            )?;
        }
        writeln!(w)?;
        writeln!(w, "### By file")?;
        writeln!(w)?;
        writeln!(w, "| File | Errors | Warnings | Notes |")?;
        writeln!(w, "|---|---:|---:|---:|")?;
        let mut files: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
        for f in &shown {
            let e = files.entry(&f.path).or_default();
            match f.level {
                Level::Error => e[0] += 1,
                Level::Warning => e[1] += 1,
                _ => e[2] += 1,
            }
        }
        for (p, c) in &files {
            writeln!(w, "| {} | {} | {} | {} |", cell(p), c[0], c[1], c[2])?;
        }
        writeln!(w)?;
        let history = super::json::history_groups(&report.findings);
        if !history.is_empty() {
            writeln!(w, "### History by identifier")?;
            writeln!(w)?;
            writeln!(
                w,
                "| Identifier | Most severe | Paths | First committed | Last present | At HEAD |"
            )?;
            writeln!(w, "|---|---|---|---|---|---|")?;
            for g in history.iter().take(MAX_ROWS) {
                let paths: Vec<String> = g.paths.iter().map(|p| cell(p)).collect();
                writeln!(
                    w,
                    "| {} | {} | {} | {} {} | {} {} | {} |",
                    cell(&g.identifier),
                    icon(g.level),
                    paths.join(", "),
                    cell(super::text::short(&g.first_commit)),
                    cell(&g.first_date),
                    cell(super::text::short(&g.last_commit)),
                    cell(&g.last_date),
                    if g.present_at_head { "yes" } else { "no" }
                )?;
            }
            writeln!(w)?;
        }
        writeln!(w, "### Findings")?;
        writeln!(w)?;
        if history.is_empty() {
            writeln!(w, "| Level | Location | Check | Finding |")?;
            writeln!(w, "|---|---|---|---|")?;
        } else {
            writeln!(w, "| Level | Location | Check | Finding | History |")?;
            writeln!(w, "|---|---|---|---|---|")?;
        }
        for f in shown.iter().take(MAX_ROWS) {
            let history = f
                .history
                .as_ref()
                .map(|h| format!(" {} |", cell(&super::text::history_line(h))))
                .unwrap_or_default();
            writeln!(
                w,
                "| {} | {}:{} | {} | {} |{history}",
                icon(f.level),
                cell(&f.path),
                f.line,
                f.code.as_str(),
                cell(&f.message)
            )?;
        }
        if shown.len() > MAX_ROWS {
            writeln!(w)?;
            writeln!(
                w,
                "… and {} more (see the SARIF or JSON report).",
                shown.len() - MAX_ROWS
            )?;
        }
    }
    write_inventory(report, w)?;
    if !report.notifications.is_empty() {
        writeln!(w)?;
        writeln!(
            w,
            "<details><summary>{} notification(s)</summary>",
            report.notifications.len()
        )?;
        writeln!(w)?;
        for n in &report.notifications {
            writeln!(
                w,
                "- {}: {}{}",
                n.level.as_str(),
                match (n.path.as_deref(), n.line) {
                    (Some(p), Some(l)) => format!("{}:{l}: ", cell(p)),
                    (Some(p), None) => format!("{}: ", cell(p)),
                    (None, _) => String::new(),
                },
                cell(&n.message)
            )?;
        }
        writeln!(w)?;
        writeln!(w, "</details>")?;
    }
    Ok(())
}
