//! HTML report: one self-contained page (inline CSS and JS, no network) for readers who are not
//! engineers: counts by level, developers by country with their listings and citations, charts
//! of findings by developer and by check, a filterable, sortable, paginated table of findings,
//! and the inventory of models, services and packages.
//!
//! Everything from the repository is escaped: text in the page goes through [`esc`]; the
//! findings travel as JSON in a `<script type="application/json">` block with `<`, `>` and `&`
//! written as `\u003c`, `\u003e`, `\u0026`, and the script renders them with `textContent`. The
//! findings are interned (each distinct string once) so that 10,000 findings stay small, and
//! the table shows one page of 100 rows at a time.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::Write;

use super::Report;
use super::cyclonedx::{self, Inventory, Item, ItemKind};
use crate::checks::Level;
use crate::resolve::{ListingFacts, OrgFacts};

mod assets;

use assets::{CSS, JS};
/// Rows per inventory table and notifications shown; the rest is counted.
const MAX_ROWS: usize = 1000;

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON for a `<script type="application/json">` block: no `<`, `>` or `&` left, so that no
/// `</script>` or `<!--` can end or change the block.
fn script_json(v: &serde_json::Value) -> String {
    serde_json::to_string(v)
        .unwrap_or_else(|_| "{}".into())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

fn country_name(code: &str) -> &'static str {
    match code {
        "CN" => "China",
        "US" => "United States",
        "HK" => "Hong Kong",
        "TW" => "Taiwan",
        "SG" => "Singapore",
        "JP" => "Japan",
        "KR" => "South Korea",
        "FR" => "France",
        "DE" => "Germany",
        "GB" => "United Kingdom",
        "CA" => "Canada",
        "AE" => "United Arab Emirates",
        "IL" => "Israel",
        "IN" => "India",
        "RU" => "Russia",
        "INTL" => "international",
        "local" => "local",
        _ => "",
    }
}

fn country_label(code: &str) -> String {
    match (code, country_name(code)) {
        ("", _) => "not recorded".into(),
        (c, "") => c.to_string(),
        (c, n) => format!("{n} ({c})"),
    }
}

fn level_label(l: Level) -> &'static str {
    match l {
        Level::None => "inventory",
        l => l.as_str(),
    }
}

/// Counts per level of unsuppressed findings: [error, warning, note, none].
type LevelCounts = [usize; 4];

fn slot(l: Level) -> usize {
    match l {
        Level::Error => 0,
        Level::Warning => 1,
        Level::Note => 2,
        Level::None => 3,
    }
}

const SLOTS: [&str; 4] = ["error", "warning", "note", "none"];

/// A stacked bar chart (CSS) of counts per label, largest first, at most `max` bars.
fn chart(out: &mut String, title: &str, data: &BTreeMap<String, LevelCounts>, max: usize) {
    let mut bars: Vec<(&String, &LevelCounts, usize)> = data
        .iter()
        .map(|(k, c)| (k, c, c.iter().sum::<usize>()))
        .filter(|(_, _, n)| *n > 0)
        .collect();
    bars.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(b.0)));
    let top = bars.first().map_or(1, |b| b.2.max(1));
    let _ = write!(out, "<div class=\"chart\"><h3>{}</h3>", esc(title));
    if bars.is_empty() {
        out.push_str("<p class=\"muted\">No findings.</p>");
    }
    for (label, counts, n) in bars.iter().take(max) {
        let _ = write!(
            out,
            "<div class=\"bar\"><span class=\"label\" title=\"{l}\">{l}</span><span class=\"track\" role=\"img\" aria-label=\"{l}: {n}\">",
            l = esc(label)
        );
        for (i, c) in counts.iter().enumerate() {
            if *c > 0 {
                let pct = (*c as f64) * 100.0 / (top as f64);
                let _ = write!(
                    out,
                    "<span class=\"seg {}\" style=\"width:{pct:.2}%\" title=\"{c} {}\"></span>",
                    SLOTS[i],
                    level_label([Level::Error, Level::Warning, Level::Note, Level::None][i])
                );
            }
        }
        let _ = write!(out, "</span><span class=\"n\">{n}</span></div>");
    }
    if bars.len() > max {
        let _ = write!(out, "<p class=\"muted\">and {} more</p>", bars.len() - max);
    }
    out.push_str("<div class=\"legend\">");
    for (i, s) in SLOTS.iter().enumerate() {
        let _ = write!(
            out,
            "<i class=\"seg {s}\"></i>{}",
            level_label([Level::Error, Level::Warning, Level::Note, Level::None][i])
        );
    }
    out.push_str("</div></div>");
}

fn link_list(urls: &[String]) -> String {
    urls.iter()
        .filter(|u| cyclonedx::safe_url(u))
        .enumerate()
        .map(|(i, u)| {
            format!(
                "<a href=\"{}\" rel=\"noreferrer noopener\" target=\"_blank\">source{}</a>",
                esc(u),
                if urls.len() > 1 {
                    format!(" {}", i + 1)
                } else {
                    String::new()
                }
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn listing_html(l: &ListingFacts, urls: &HashMap<String, Vec<String>>) -> String {
    let links = urls.get(&l.id).map(|u| link_list(u)).unwrap_or_default();
    format!(
        "<li><b>{}</b> since {} ({}){}<br><span class=\"muted\">as {}</span>{}</li>",
        esc(&l.list_name),
        esc(&l.effective),
        esc(&l.citation),
        if l.list_kind == crate::rules::ListKind::Informational {
            " <span class=\"muted\">(informational)</span>"
        } else {
            ""
        },
        esc(&l.entities.join("; ")),
        if links.is_empty() {
            String::new()
        } else {
            format!(" — {links}")
        }
    )
}

struct OrgRow<'a> {
    org: &'a OrgFacts,
    counts: LevelCounts,
    roles: std::collections::BTreeSet<&'static str>,
    listings: BTreeMap<&'a str, &'a ListingFacts>,
}

fn developers(report: &Report, out: &mut String, urls: &HashMap<String, Vec<String>>) {
    let mut orgs: BTreeMap<&str, OrgRow<'_>> = BTreeMap::new();
    for f in &report.findings {
        let r = &f.resolved;
        let mut who: Vec<(&OrgFacts, &'static str)> = Vec::new();
        if let Some(d) = &r.developer {
            who.push((d, "developer"));
        }
        if let Some(op) = r.hosting.as_ref().and_then(|h| h.operator.as_ref())
            && r.developer.as_ref().is_none_or(|d| d.id != op.id)
        {
            who.push((op, "service operator"));
        }
        for (o, role) in who {
            let row = orgs.entry(o.id.as_str()).or_insert_with(|| OrgRow {
                org: o,
                counts: [0; 4],
                roles: Default::default(),
                listings: BTreeMap::new(),
            });
            if f.suppression.is_none() {
                row.counts[slot(f.level)] += 1;
            }
            row.roles.insert(role);
            for l in r.listings.iter().filter(|l| l.org == o.id) {
                row.listings.insert(l.id.as_str(), l);
            }
        }
    }
    out.push_str("<h2 id=\"developers\">Developers and operators by country</h2>");
    out.push_str("<p class=\"explain\">Who made the models this repository uses, or runs the services it calls, where they are based, and the restriction lists that name them, with the date the listing took effect and its legal citation.</p>");
    if orgs.is_empty() {
        out.push_str("<p class=\"muted\">No developer or operator identified.</p>");
        return;
    }
    let mut rows: Vec<&OrgRow<'_>> = orgs.values().collect();
    rows.sort_by(|a, b| {
        a.org
            .country
            .cmp(&b.org.country)
            .then(a.org.name.cmp(&b.org.name))
    });
    out.push_str("<table><thead><tr><th>Country</th><th>Organisation</th><th>Role</th><th>Findings</th><th>Listings</th></tr></thead><tbody>");
    for row in rows {
        let n: usize = row.counts.iter().sum();
        let breakdown: Vec<String> = row
            .counts
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(i, c)| {
                format!(
                    "{c} {}",
                    level_label([Level::Error, Level::Warning, Level::Note, Level::None][i])
                )
            })
            .collect();
        let listings = if row.listings.is_empty() {
            "<span class=\"muted\">none recorded</span>".to_string()
        } else {
            format!(
                "<ul class=\"listings\">{}</ul>",
                row.listings
                    .values()
                    .map(|l| listing_html(l, urls))
                    .collect::<String>()
            )
        };
        let _ = write!(
            out,
            "<tr><td class=\"country\">{}</td><td>{}</td><td>{}</td><td>{n}<br><span class=\"muted\">{}</span></td><td>{listings}</td></tr>",
            esc(&country_label(&row.org.country)),
            esc(&row.org.name),
            esc(&row.roles.iter().copied().collect::<Vec<_>>().join(", ")),
            esc(&breakdown.join(", ")),
        );
    }
    out.push_str("</tbody></table>");
}

fn charts(report: &Report, out: &mut String) {
    let mut by_dev: BTreeMap<String, LevelCounts> = BTreeMap::new();
    let mut by_check: BTreeMap<String, LevelCounts> = BTreeMap::new();
    for f in report.findings.iter().filter(|f| f.suppression.is_none()) {
        let dev = f
            .resolved
            .developer
            .as_ref()
            .or(f
                .resolved
                .hosting
                .as_ref()
                .and_then(|h| h.operator.as_ref()))
            .map_or("not identified".to_string(), |o| o.name.clone());
        by_dev.entry(dev).or_default()[slot(f.level)] += 1;
        by_check
            .entry(format!("{} {}", f.code.as_str(), f.check))
            .or_default()[slot(f.level)] += 1;
    }
    out.push_str("<h2 id=\"charts\">Findings by developer and by check</h2><div class=\"charts\">");
    chart(out, "By developer (or service operator)", &by_dev, 15);
    chart(out, "By check", &by_check, 15);
    out.push_str("</div>");
}

fn table_of(
    out: &mut String,
    title: &str,
    head: &[&str],
    items: &[&Item<'_>],
    row: &dyn Fn(&Item<'_>) -> Vec<String>,
) {
    let _ = write!(out, "<h3>{} ({})</h3>", esc(title), items.len());
    if items.is_empty() {
        out.push_str("<p class=\"muted\">None.</p>");
        return;
    }
    out.push_str("<table><thead><tr>");
    for h in head {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for it in items.iter().take(MAX_ROWS) {
        out.push_str("<tr>");
        for c in row(it) {
            let _ = write!(out, "<td>{c}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    if items.len() > MAX_ROWS {
        let _ = write!(
            out,
            "<p class=\"muted\">{} more not shown; the CycloneDX output (<code>--format cyclonedx</code>) lists them all.</p>",
            items.len() - MAX_ROWS
        );
    }
}

fn level_badge(it: &Item<'_>) -> String {
    match it.level() {
        Some(l) => format!(
            "<span class=\"lvl {}\">{}</span>",
            l.as_str(),
            level_label(l)
        ),
        None => "<span class=\"lvl suppressed\">suppressed</span>".into(),
    }
}

fn org_cell(o: Option<&OrgFacts>) -> String {
    match o {
        Some(o) if o.country.is_empty() => esc(&o.name),
        Some(o) => format!(
            "{} <span class=\"muted\">({})</span>",
            esc(&o.name),
            esc(&o.country)
        ),
        None => "<span class=\"muted\">not identified</span>".into(),
    }
}

fn places(it: &Item<'_>) -> String {
    let mut locs: Vec<String> = it
        .findings
        .iter()
        .map(|f| format!("{}:{}", f.path, f.line))
        .collect();
    locs.dedup();
    if locs.is_empty() {
        locs = it
            .manifest_lines
            .iter()
            .map(|(p, l)| format!("{p}:{l}"))
            .collect();
    }
    let n = locs.len();
    let mut s = locs
        .iter()
        .take(3)
        .map(|l| format!("<code>{}</code>", esc(l)))
        .collect::<Vec<_>>()
        .join("<br>");
    if n > 3 {
        let _ = write!(s, "<br><span class=\"muted\">and {} more</span>", n - 3);
    }
    s
}

fn inventory(inv: &Inventory<'_>, out: &mut String) {
    out.push_str("<h2 id=\"inventory\">Inventory</h2><p class=\"explain\">Every model, weight file, service and package the findings refer to, counted once each however often it is referenced.</p>");
    let of = |k: &[ItemKind]| -> Vec<&Item<'_>> {
        inv.items.values().filter(|i| k.contains(&i.kind)).collect()
    };
    let models = of(&[ItemKind::Model, ItemKind::File]);
    table_of(
        out,
        "Models and weight files",
        &[
            "Model",
            "Developer",
            "Family",
            "Hosting",
            "Level",
            "Referenced at",
        ],
        &models,
        &|it| {
            let mut name = esc(&match &it.group {
                Some(g) => format!("{g}/{}", it.name),
                None => it.name.clone(),
            });
            if it.kind == ItemKind::File {
                name.push_str(" <span class=\"muted\">(weight file)</span>");
            }
            if let Some(h) = it
                .findings
                .iter()
                .find_map(|f| f.weight.as_ref().and_then(|w| w.sha256.as_deref()))
            {
                let _ = write!(
                    name,
                    "<br><code class=\"muted\">sha256 {}</code>",
                    esc(&h[..h.len().min(16)])
                );
            }
            let fam = it
                .findings
                .iter()
                .find_map(|f| f.resolved.family.as_ref())
                .map_or(String::new(), |f| esc(&f.name));
            let mut hosts: Vec<String> = it
                .findings
                .iter()
                .filter_map(|f| f.resolved.hosting.as_ref())
                .map(|h| {
                    if h.jurisdiction.is_empty() {
                        h.name.clone()
                    } else {
                        format!("{} ({})", h.name, h.jurisdiction)
                    }
                })
                .collect();
            hosts.sort();
            hosts.dedup();
            vec![
                name,
                org_cell(it.developer()),
                fam,
                esc(&hosts.join(", ")),
                level_badge(it),
                places(it),
            ]
        },
    );
    let services = of(&[ItemKind::Service]);
    table_of(
        out,
        "Services (APIs, routers, hubs)",
        &[
            "Service",
            "Provider",
            "Jurisdiction",
            "Endpoints",
            "Level",
            "Referenced at",
        ],
        &services,
        &|it| {
            let mut j: Vec<&str> = it
                .findings
                .iter()
                .filter_map(|f| f.resolved.hosting.as_ref())
                .map(|h| h.jurisdiction.as_str())
                .filter(|j| !j.is_empty())
                .collect();
            j.sort();
            j.dedup();
            vec![
                esc(&it.name),
                org_cell(it.provider()),
                esc(&j
                    .iter()
                    .map(|c| country_label(c))
                    .collect::<Vec<_>>()
                    .join(", ")),
                it.endpoints
                    .iter()
                    .map(|e| format!("<code>{}</code>", esc(e)))
                    .collect::<Vec<_>>()
                    .join("<br>"),
                level_badge(it),
                places(it),
            ]
        },
    );
    let libs = of(&[ItemKind::Library]);
    table_of(
        out,
        "Packages",
        &[
            "Package",
            "Ecosystem",
            "Version",
            "For the services of",
            "Brings in",
            "Level",
            "Declared at",
        ],
        &libs,
        &|it| {
            let brings: Vec<String> = it
                .depends_on
                .iter()
                .map(|r| {
                    inv.items.get(r).map_or(r.clone(), |d| match &d.group {
                        Some(g) if d.kind != ItemKind::Library => format!("{g}/{}", d.name),
                        _ => d.name.clone(),
                    })
                })
                .map(|s| esc(&s))
                .collect();
            let level = if it.findings.is_empty() {
                "<span class=\"muted\">through what it brings in</span>".to_string()
            } else {
                level_badge(it)
            };
            vec![
                format!("<code>{}</code>", esc(&it.name)),
                esc(it.ecosystem.unwrap_or("")),
                esc(it.version.as_deref().unwrap_or("")),
                if it.findings.is_empty() {
                    String::new()
                } else {
                    org_cell(it.developer())
                },
                brings.join("<br>"),
                level,
                places(it),
            ]
        },
    );
}

/// The findings as compact JSON: a table of distinct strings and one array of indices per
/// finding: path, line, code, check, level, identifier, message, matched text, developer,
/// suppressed (0/1).
fn findings_json(report: &Report) -> serde_json::Value {
    struct Interner<'a> {
        strings: Vec<&'a str>,
        index: HashMap<&'a str, usize>,
    }
    impl<'a> Interner<'a> {
        fn get(&mut self, s: &'a str) -> usize {
            if let Some(&i) = self.index.get(s) {
                return i;
            }
            self.strings.push(s);
            self.index.insert(s, self.strings.len() - 1);
            self.strings.len() - 1
        }
    }
    let mut int = Interner {
        strings: Vec::new(),
        index: HashMap::new(),
    };
    let mut rows = Vec::with_capacity(report.findings.len());
    for f in &report.findings {
        let dev = f
            .resolved
            .developer
            .as_ref()
            .or(f
                .resolved
                .hosting
                .as_ref()
                .and_then(|h| h.operator.as_ref()))
            .map_or("", |o| o.name.as_str());
        rows.push(serde_json::json!([
            int.get(&f.path),
            f.line,
            int.get(f.code.as_str()),
            int.get(f.check),
            int.get(f.level.as_str()),
            int.get(&f.identifier),
            int.get(&f.message),
            int.get(&f.matched),
            int.get(dev),
            u8::from(f.suppression.is_some()),
        ]));
    }
    serde_json::json!({ "s": int.strings, "f": rows })
}

fn findings_table(report: &Report, out: &mut String) {
    out.push_str("<h2 id=\"findings\">Findings</h2>");
    out.push_str("<p class=\"explain\">Each place a model, service or package is referenced. Type to filter (file, identifier, developer, message); click a column heading to sort.</p>");
    let mut codes: Vec<(&str, &str)> = report
        .findings
        .iter()
        .map(|f| (f.code.as_str(), f.check))
        .collect();
    codes.sort();
    codes.dedup();
    out.push_str("<div class=\"controls\"><input id=\"mg-q\" type=\"search\" placeholder=\"Filter findings\" aria-label=\"Filter findings\">");
    out.push_str("<select id=\"mg-level\" aria-label=\"Level\"><option value=\"\">All levels</option><option value=\"error\">error</option><option value=\"warning\">warning</option><option value=\"note\">note</option><option value=\"none\">inventory</option><option value=\"suppressed\">suppressed</option></select>");
    out.push_str(
        "<select id=\"mg-code\" aria-label=\"Check\"><option value=\"\">All checks</option>",
    );
    for (c, n) in codes {
        let _ = write!(
            out,
            "<option value=\"{}\">{} {}</option>",
            esc(c),
            esc(c),
            esc(n)
        );
    }
    out.push_str("</select></div>");
    out.push_str("<div class=\"pager\"><button id=\"mg-prev\" type=\"button\">Previous</button><button id=\"mg-next\" type=\"button\">Next</button><span id=\"mg-info\"></span></div>");
    out.push_str("<noscript><p>The table of findings needs JavaScript; the JSON output (<code>--format json</code>) has them all.</p></noscript>");
    out.push_str("<table><thead><tr><th data-key=\"level\">Level</th><th data-key=\"code\">Check</th><th data-key=\"loc\">File:line</th><th data-key=\"ident\">Identifier</th><th data-key=\"msg\">Message</th><th data-key=\"matched\">Evidence</th></tr></thead><tbody id=\"mg-rows\"></tbody></table>");
    let _ = write!(
        out,
        "<script type=\"application/json\" id=\"mg-data\">{}</script>",
        script_json(&findings_json(report))
    );
}

/// Writes the page.
pub fn write(report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    let (e, wa, n, none) = report.counts();
    let rules = &report.rules;
    let inv = cyclonedx::inventory(report);
    let urls = cyclonedx::listing_urls(report);
    let mut out = String::with_capacity(64 * 1024 + report.findings.len() * 200);
    let roots = report.roots.join(", ");
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"generator\" content=\"modelgate {}\"><title>modelgate report: {}</title><style>{CSS}</style></head><body>",
        esc(report.tool_version),
        esc(&roots)
    );
    let _ = write!(
        out,
        "<header><h1>AI models in {}</h1><p class=\"sub\">modelgate {} · rules database “{}” as of {} · {} files scanned</p>",
        esc(&roots),
        esc(report.tool_version),
        esc(&rules.name),
        esc(&rules.as_of),
        report.stats.files_scanned,
    );
    out.push_str("<div class=\"cards\">");
    for (cls, count, label) in [
        ("error", e, "errors"),
        ("warning", wa, "warnings"),
        ("note", n, "notes"),
        ("none", none, "inventory only"),
        ("none", report.suppressed(), "suppressed"),
    ] {
        let _ = write!(
            out,
            "<div class=\"card {cls}\"><b>{count}</b><span>{label}</span></div>"
        );
    }
    out.push_str("</div>");
    let models = inv
        .items
        .values()
        .filter(|i| matches!(i.kind, ItemKind::Model | ItemKind::File))
        .count();
    let services = inv
        .items
        .values()
        .filter(|i| i.kind == ItemKind::Service)
        .count();
    let libs = inv
        .items
        .values()
        .filter(|i| i.kind == ItemKind::Library)
        .count();
    let _ = write!(
        out,
        "<p class=\"explain\">Errors break the build (<code>--fail-on</code>); warnings and notes are for review; inventory findings only record what is used. Found: {models} models and weight files, {services} services, {libs} packages.</p></header><main>"
    );
    developers(report, &mut out, &urls);
    charts(report, &mut out);
    findings_table(report, &mut out);
    inventory(&inv, &mut out);
    if !report.notifications.is_empty() {
        let _ = write!(
            out,
            "<h2 id=\"notifications\">Scan notes ({})</h2><ul>",
            report.notifications.len()
        );
        for note in report.notifications.iter().take(MAX_ROWS) {
            let _ = write!(
                out,
                "<li><b>{}</b> {}{}</li>",
                esc(note.level.as_str()),
                note.path
                    .as_deref()
                    .map(|p| format!("<code>{}</code>: ", esc(p)))
                    .unwrap_or_default(),
                esc(&note.message)
            );
        }
        out.push_str("</ul>");
    }
    let _ = writeln!(
        out,
        "</main><footer>Rules database “{}”, schema version {}, as of {}, sha256 <code>{}</code> ({}). Generated by modelgate {}. Facts are reported with their citation; the report makes no inference the database does not state.</footer><script>{JS}</script></body></html>",
        esc(&rules.name),
        rules.schema_version,
        esc(&rules.as_of),
        esc(&rules.content_sha256),
        esc(&rules.origin),
        esc(report.tool_version),
    );
    w.write_all(out.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("<script>alert('x')</script>&\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"
        );
    }

    #[test]
    fn script_json_cannot_close_the_block() {
        let v = serde_json::json!({"s": ["</script><script>alert(1)</script>", "<!--", "a&b"]});
        let s = script_json(&v);
        assert!(
            !s.contains('<') && !s.contains('>') && !s.contains('&'),
            "{s}"
        );
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }
}
