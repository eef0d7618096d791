//! `modelgate merge`: per-repository outputs (of one audit, of several shard runs, or single
//! repository folders) read back and combined into one [`Merged`] report, written as
//! `merged.json` and `merged.md`. Everything is ordered by repository id, then in each report's
//! own order, and nothing depends on the time or the machine, so one run and N shard runs
//! merged give the same bytes.
//!
//! Shard runs are checked for completeness: the shard files of the inputs must name the same
//! plan and every shard `1..=N` of it, and a repository a shard planned without leaving a status
//! (the run stopped) is listed among the repositories with errors.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::run::{REPORT_FILE, ShardFile, Status, WriteFn, repo_dirs, write_json};
use super::{REPOS_DIR, SHARD_FILE, STATUS_FILE, safe_name};
use crate::escape;

pub const FORMAT: &str = "modelgate-audit";
pub const VERSION: u32 = 1;
/// The merged reports written into the output folder: (format, file name).
pub const MERGED_OUTPUTS: &[(MergedFormat, &str)] = &[
    (MergedFormat::Json, "merged.json"),
    (MergedFormat::Markdown, "merged.md"),
    (MergedFormat::Html, "merged.html"),
];
/// Most rows of the Markdown findings table.
pub const MAX_ROWS: usize = 200;

/// The renderings of a [`Merged`] report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergedFormat {
    Json,
    Markdown,
    Html,
}

impl MergedFormat {
    pub fn write(self, m: &Merged, w: &mut dyn Write) -> std::io::Result<()> {
        match self {
            MergedFormat::Json => write_json(w, m),
            MergedFormat::Markdown => write_markdown(m, w),
            MergedFormat::Html => write_html(m, w),
        }
    }
}

/// One repository in the merged report.
#[derive(Debug, Clone, Serialize)]
pub struct RepoRow {
    pub repository: String,
    pub owner: Option<String>,
    /// `ok` or `error`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The repository report's summary (counts by level, files scanned); null on error.
    pub summary: Value,
    /// Ids of the developers (or hosting operators) its findings attribute.
    pub developers: Vec<String>,
    /// Ids of the restriction listings its findings carry.
    pub listed_entities: Vec<String>,
}

/// An organisation that develops (or operates the hosting of) what repositories use.
#[derive(Debug, Clone, Serialize)]
pub struct DeveloperRow {
    pub id: String,
    pub name: String,
    pub country: String,
    /// Findings attributed to it, inventory and suppressed ones included.
    pub findings: usize,
    /// The most severe level among its unsuppressed findings (`none` when all are suppressed).
    pub most_severe: String,
    pub repositories: Vec<String>,
}

/// A restriction listing carried by findings.
#[derive(Debug, Clone, Serialize)]
pub struct ListingRow {
    /// The listing entry (the database's id), then what it says.
    pub id: String,
    pub list: String,
    pub list_name: String,
    pub org: String,
    pub org_name: String,
    pub entities: Value,
    pub effective: String,
    pub citation: String,
    pub repositories: Vec<String>,
}

/// What the repositories of one owner (a GitHub organisation, a URL's first path segment; null
/// for local paths) use.
#[derive(Debug, Clone, Serialize)]
pub struct OwnerRow {
    pub owner: Option<String>,
    pub repositories: Vec<String>,
    pub developers: Vec<String>,
    pub listed_entities: Vec<String>,
    pub repositories_with_errors: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorRow {
    pub repository: String,
    pub error: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub repositories: usize,
    pub repositories_with_errors: usize,
    pub error: u64,
    pub warning: u64,
    pub note: u64,
    pub none: u64,
    pub suppressed: u64,
}

/// The merged report: every repository, the organisations and listings they use, the
/// repositories with errors, and every finding and notification naming its `repository`.
#[derive(Debug, Clone, Serialize)]
pub struct Merged {
    pub format: &'static str,
    pub version: u32,
    /// The distinct `tool` objects of the repository reports (one, unless versions were mixed).
    pub tools: Vec<Value>,
    /// The distinct rules databases the repository reports used.
    pub rules: Vec<Value>,
    pub summary: Summary,
    pub repositories: Vec<RepoRow>,
    /// Per owner inventory.
    pub owners: Vec<OwnerRow>,
    pub developers: Vec<DeveloperRow>,
    pub listed_entities: Vec<ListingRow>,
    pub repositories_with_errors: Vec<ErrorRow>,
    pub findings: Vec<Value>,
    pub notifications: Vec<Value>,
}

/// One repository's output read back.
struct Input {
    dir: PathBuf,
    status: Status,
    report: Option<Value>,
}

fn read_json(p: &Path) -> Result<Value, String> {
    let bytes = std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{}: not valid JSON: {e}", p.display()))
}

fn read_status(dir: &Path) -> Result<Status, String> {
    let p = dir.join(STATUS_FILE);
    let v = read_json(&p)?;
    let s: Status = serde_json::from_value(v).map_err(|e| format!("{}: {e}", p.display()))?;
    if s.format != super::run::STATUS_FORMAT {
        return Err(format!("{}: not a modelgate audit status", p.display()));
    }
    Ok(s)
}

fn read_input(dir: &Path) -> Result<Input, String> {
    let status = read_status(dir)?;
    let report = if status.is_ok() {
        let v = read_json(&dir.join(REPORT_FILE))?;
        if v["format"] != crate::report::json::FORMAT {
            return Err(format!(
                "{}: not a modelgate report",
                dir.join(REPORT_FILE).display()
            ));
        }
        Some(v)
    } else {
        None
    };
    Ok(Input {
        dir: dir.to_path_buf(),
        status,
        report,
    })
}

/// Reads the outputs in `dirs` (audit or shard output folders, holding `repos/`, or single
/// repository folders, holding `status.json`) and merges them.
pub fn read(dirs: &[PathBuf]) -> Result<(Merged, Vec<PathBuf>), String> {
    let mut inputs: BTreeMap<String, Input> = BTreeMap::new();
    let mut shards: Vec<(PathBuf, ShardFile)> = Vec::new();
    for d in dirs {
        let mut found = Vec::new();
        if d.join(STATUS_FILE).is_file() {
            found.push(read_input(d)?);
        } else if d.join(REPOS_DIR).is_dir() {
            for r in repo_dirs(d)? {
                if r.join(STATUS_FILE).is_file() {
                    found.push(read_input(&r)?);
                }
            }
        } else {
            return Err(format!(
                "{}: no modelgate audit output here (neither {REPOS_DIR}/ nor {STATUS_FILE})",
                d.display()
            ));
        }
        if d.join(SHARD_FILE).is_file() {
            let p = d.join(SHARD_FILE);
            let s: ShardFile = serde_json::from_value(read_json(&p)?)
                .map_err(|e| format!("{}: {e}", p.display()))?;
            if s.format != super::run::SHARD_FORMAT {
                return Err(format!("{}: not a modelgate shard file", p.display()));
            }
            shards.push((d.clone(), s));
        }
        for i in found {
            let same_place = |a: &Path, b: &Path| {
                a.canonicalize()
                    .ok()
                    .zip(b.canonicalize().ok())
                    .is_some_and(|(x, y)| x == y)
            };
            match inputs.get(&i.status.repository) {
                Some(prev) if same_place(&prev.dir, &i.dir) => {}
                Some(prev) => {
                    return Err(format!(
                        "the repository `{}` has outputs in both {} and {}",
                        i.status.repository,
                        prev.dir.display(),
                        i.dir.display()
                    ));
                }
                None => {
                    inputs.insert(i.status.repository.clone(), i);
                }
            }
        }
    }
    // Shards: one plan, every shard of it, and a status for every repository each one planned.
    if let Some((_, first)) = shards.first() {
        let mut seen = BTreeSet::new();
        for (d, s) in &shards {
            if s.plan != first.plan || s.of != first.of {
                return Err(format!(
                    "{} holds shard {}/{} of another plan than the other folders",
                    d.display(),
                    s.shard,
                    s.of
                ));
            }
            seen.insert(s.shard);
        }
        let missing: Vec<String> = (1..=first.of)
            .filter(|i| !seen.contains(i))
            .map(|i| format!("{i}/{}", first.of))
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "shard(s) {} missing: merge the output folders of every shard",
                missing.join(", ")
            ));
        }
        for (d, s) in &shards {
            for id in &s.repositories {
                inputs.entry(id.clone()).or_insert_with(|| Input {
                    dir: d.join(REPOS_DIR).join(safe_name(id)),
                    status: Status {
                        format: super::run::STATUS_FORMAT.into(),
                        version: 1,
                        repository: id.clone(),
                        owner: None,
                        status: "error".into(),
                        error: Some(format!(
                            "no result: shard {}/{} planned it but left no status (the run stopped)",
                            s.shard, s.of
                        )),
                        seconds: 0.0,
                    },
                    report: None,
                });
            }
        }
    }
    let dirs_out = inputs
        .values()
        .filter(|i| i.dir.join(STATUS_FILE).is_file())
        .map(|i| i.dir.clone())
        .collect();
    Ok((build(inputs.into_values().collect()), dirs_out))
}

fn level_rank(l: &str) -> u8 {
    match l {
        "error" => 3,
        "warning" => 2,
        "note" => 1,
        _ => 0,
    }
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// The developer of a finding, else the operator of its hosting: `{id, name, country}`.
fn attributed(f: &Value) -> Option<&Value> {
    [&f["developer"], &f["hosting"]["operator"]]
        .into_iter()
        .find(|v| v.is_object() && v["id"].is_string())
}

fn build(inputs: Vec<Input>) -> Merged {
    let mut tools: BTreeSet<String> = BTreeSet::new();
    let mut rules: BTreeSet<String> = BTreeSet::new();
    let mut summary = Summary::default();
    let mut repositories = Vec::new();
    let mut findings = Vec::new();
    let mut notifications = Vec::new();
    let mut developers: BTreeMap<String, DeveloperRow> = BTreeMap::new();
    let mut dev_levels: BTreeMap<String, u8> = BTreeMap::new();
    let mut listings: BTreeMap<String, ListingRow> = BTreeMap::new();
    let mut owners: BTreeMap<Option<String>, OwnerRow> = BTreeMap::new();
    let mut errors = Vec::new();
    for i in inputs {
        let id = i.status.repository.clone();
        summary.repositories += 1;
        let owner = owners
            .entry(i.status.owner.clone())
            .or_insert_with(|| OwnerRow {
                owner: i.status.owner.clone(),
                repositories: Vec::new(),
                developers: Vec::new(),
                listed_entities: Vec::new(),
                repositories_with_errors: Vec::new(),
            });
        owner.repositories.push(id.clone());
        let mut row = RepoRow {
            repository: id.clone(),
            owner: i.status.owner.clone(),
            status: i.status.status.clone(),
            error: i.status.error.clone(),
            summary: Value::Null,
            developers: Vec::new(),
            listed_entities: Vec::new(),
        };
        let Some(report) = i.report else {
            summary.repositories_with_errors += 1;
            owner.repositories_with_errors.push(id.clone());
            errors.push(ErrorRow {
                repository: id,
                error: i
                    .status
                    .error
                    .unwrap_or_else(|| "unknown error".to_string()),
            });
            repositories.push(row);
            continue;
        };
        tools.insert(report["tool"].to_string());
        rules.insert(report["rules"].to_string());
        let sm = &report["summary"];
        summary.error += sm["error"].as_u64().unwrap_or(0);
        summary.warning += sm["warning"].as_u64().unwrap_or(0);
        summary.note += sm["note"].as_u64().unwrap_or(0);
        summary.none += sm["none"].as_u64().unwrap_or(0);
        summary.suppressed += sm["suppressed"].as_u64().unwrap_or(0);
        row.summary = sm.clone();
        let mut devs = BTreeSet::new();
        let mut lists = BTreeSet::new();
        for f in report["findings"].as_array().into_iter().flatten() {
            let suppressed = f.get("suppression").is_some_and(|v| !v.is_null());
            if let Some(d) = attributed(f) {
                let did = s(&d["id"]);
                let e = developers
                    .entry(did.clone())
                    .or_insert_with(|| DeveloperRow {
                        id: did.clone(),
                        name: s(&d["name"]),
                        country: s(&d["country"]),
                        findings: 0,
                        most_severe: String::new(),
                        repositories: Vec::new(),
                    });
                e.findings += 1;
                if e.repositories.last() != Some(&id) {
                    e.repositories.push(id.clone());
                }
                let lv = dev_levels.entry(did.clone()).or_insert(0);
                if !suppressed {
                    *lv = (*lv).max(level_rank(f["level"].as_str().unwrap_or("")));
                }
                devs.insert(did);
            }
            for l in f["listings"].as_array().into_iter().flatten() {
                let lid = s(&l["id"]);
                let e = listings.entry(lid.clone()).or_insert_with(|| ListingRow {
                    id: lid.clone(),
                    list: s(&l["list"]),
                    list_name: s(&l["list_name"]),
                    org: s(&l["org"]),
                    org_name: s(&l["org_name"]),
                    entities: l["entities"].clone(),
                    effective: s(&l["effective"]),
                    citation: s(&l["citation"]),
                    repositories: Vec::new(),
                });
                if e.repositories.last() != Some(&id) {
                    e.repositories.push(id.clone());
                }
                lists.insert(lid);
            }
            let mut f = f.clone();
            if let Some(o) = f.as_object_mut() {
                o.insert("repository".into(), Value::String(id.clone()));
            }
            findings.push(f);
        }
        for n in report["notifications"].as_array().into_iter().flatten() {
            let mut n = n.clone();
            if let Some(o) = n.as_object_mut() {
                o.insert("repository".into(), Value::String(id.clone()));
            }
            notifications.push(n);
        }
        row.developers = devs.iter().cloned().collect();
        row.listed_entities = lists.iter().cloned().collect();
        for d in devs {
            if !owner.developers.contains(&d) {
                owner.developers.push(d);
            }
        }
        for l in lists {
            if !owner.listed_entities.contains(&l) {
                owner.listed_entities.push(l);
            }
        }
        repositories.push(row);
    }
    for o in owners.values_mut() {
        o.developers.sort();
        o.listed_entities.sort();
    }
    let names = ["none", "note", "warning", "error"];
    let developers = developers
        .into_values()
        .map(|mut d| {
            d.most_severe = names[usize::from(dev_levels[&d.id])].to_string();
            d
        })
        .collect();
    let parse = |set: BTreeSet<String>| -> Vec<Value> {
        set.iter()
            .filter_map(|t| serde_json::from_str(t).ok())
            .collect()
    };
    Merged {
        format: FORMAT,
        version: VERSION,
        tools: parse(tools),
        rules: parse(rules),
        summary,
        repositories,
        owners: owners.into_values().collect(),
        developers,
        listed_entities: listings.into_values().collect(),
        repositories_with_errors: errors,
        findings,
        notifications,
    }
}

impl Merged {
    /// Whether an unsuppressed finding is at or above `threshold` (`error`, `warning`, `note`).
    pub fn fails(&self, threshold: &str) -> bool {
        let t = level_rank(threshold);
        t > 0
            && self.findings.iter().any(|f| {
                f.get("suppression").is_none_or(Value::is_null)
                    && level_rank(f["level"].as_str().unwrap_or("")) >= t
            })
    }
}

/// Writes the merged reports ([`MERGED_OUTPUTS`]) into `out_dir`, and copies the repository
/// folders that are elsewhere into `out_dir/repos/`, so the folder has the layout of a single
/// run.
pub fn write(
    m: &Merged,
    repo_dirs: &[PathBuf],
    out_dir: &Path,
    write: WriteFn,
) -> Result<Vec<PathBuf>, String> {
    let repos = out_dir.join(REPOS_DIR);
    std::fs::create_dir_all(&repos)
        .map_err(|e| format!("cannot create {}: {e}", repos.display()))?;
    for src in repo_dirs {
        let Some(name) = src.file_name() else {
            continue;
        };
        let dest = repos.join(name);
        let same = dest
            .canonicalize()
            .ok()
            .zip(src.canonicalize().ok())
            .is_some_and(|(a, b)| a == b);
        if same {
            continue;
        }
        if dest.exists() {
            if !dest.join(STATUS_FILE).is_file() {
                return Err(format!(
                    "{} is not a modelgate audit output; choose another --output-dir",
                    dest.display()
                ));
            }
            std::fs::remove_dir_all(&dest).map_err(|e| format!("{}: {e}", dest.display()))?;
        }
        copy_files(src, &dest)?;
    }
    let mut written = Vec::new();
    for (format, name) in MERGED_OUTPUTS {
        let p = out_dir.join(name);
        write(&p, &|w| format.write(m, w))
            .map_err(|e| format!("cannot write {}: {e}", p.display()))?;
        written.push(p);
    }
    Ok(written)
}

/// Copies the regular files of `src` (a repository output folder) into a new `dest`.
fn copy_files(src: &Path, dest: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dest).map_err(|e| format!("cannot create {}: {e}", dest.display()))?;
    for e in std::fs::read_dir(src).map_err(|e| format!("{}: {e}", src.display()))? {
        let p = e.map_err(|e| format!("{}: {e}", src.display()))?.path();
        let meta = std::fs::symlink_metadata(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        if meta.is_file()
            && let Some(n) = p.file_name()
        {
            std::fs::copy(&p, dest.join(n))
                .map_err(|e| format!("cannot copy {}: {e}", p.display()))?;
        }
    }
    Ok(())
}

fn cell(s: &str) -> String {
    escape::markdown(s)
}

fn icon(level: &str) -> &'static str {
    match level {
        "error" => "🔴 error",
        "warning" => "🟠 warning",
        "note" => "🔵 note",
        _ => "inventory",
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "—".to_string()
    } else {
        items.iter().map(|i| cell(i)).collect::<Vec<_>>().join(", ")
    }
}

/// The Markdown rendering: summary, repositories, per owner inventory, developers, listed
/// entities, repositories with errors, then the unsuppressed findings above inventory.
/// One Markdown section: a `###` title, then a table (each column a header and `:` to align it
/// right) or, without rows, `empty` (a table with only its header when `empty` is `None`).
fn md_table(
    w: &mut dyn Write,
    title: &str,
    columns: &[(&str, &str)],
    rows: &[Vec<String>],
    empty: Option<&str>,
) -> std::io::Result<()> {
    writeln!(w)?;
    writeln!(w, "### {title}")?;
    writeln!(w)?;
    if let (true, Some(e)) = (rows.is_empty(), empty) {
        return writeln!(w, "{e}");
    }
    let head: Vec<&str> = columns.iter().map(|(h, _)| *h).collect();
    let rule: Vec<String> = columns.iter().map(|(_, a)| format!("---{a}")).collect();
    writeln!(w, "| {} |", head.join(" | "))?;
    writeln!(w, "|{}|", rule.join("|"))?;
    for r in rows {
        writeln!(w, "| {} |", r.join(" | "))?;
    }
    Ok(())
}

pub fn write_markdown(m: &Merged, w: &mut dyn Write) -> std::io::Result<()> {
    let sm = &m.summary;
    writeln!(w, "## modelgate audit")?;
    writeln!(w)?;
    writeln!(
        w,
        "**{} repositories** · {} with errors · **{} error(s), {} warning(s), {} note(s)** · {} suppressed · {} inventory-only",
        sm.repositories,
        sm.repositories_with_errors,
        sm.error,
        sm.warning,
        sm.note,
        sm.suppressed,
        sm.none
    )?;
    for r in &m.rules {
        writeln!(
            w,
            "\nRules {} ({}, {}).",
            cell(&s(&r["as_of"])),
            cell(&s(&r["origin"])),
            cell(&s(&r["content_sha256"]).chars().take(12).collect::<String>())
        )?;
    }
    let repos: Vec<Vec<String>> = m
        .repositories
        .iter()
        .map(|r| {
            let n = |k: &str| r.summary[k].as_u64().unwrap_or(0).to_string();
            vec![
                cell(&r.repository),
                cell(&r.status),
                n("error"),
                n("warning"),
                n("note"),
                n("none"),
                list(&r.developers),
                list(&r.listed_entities),
            ]
        })
        .collect();
    md_table(
        w,
        "Repositories",
        &[
            ("Repository", ""),
            ("Status", ""),
            ("Errors", ":"),
            ("Warnings", ":"),
            ("Notes", ":"),
            ("Inventory", ":"),
            ("Developers", ""),
            ("Listed entities", ""),
        ],
        &repos,
        None,
    )?;
    let owners: Vec<Vec<String>> = m
        .owners
        .iter()
        .map(|o| {
            vec![
                o.owner.as_deref().map_or("(local paths)".to_string(), cell),
                o.repositories.len().to_string(),
                list(&o.developers),
                list(&o.listed_entities),
                o.repositories_with_errors.len().to_string(),
            ]
        })
        .collect();
    md_table(
        w,
        "By owner",
        &[
            ("Owner", ""),
            ("Repositories", ":"),
            ("Developers", ""),
            ("Listed entities", ""),
            ("With errors", ":"),
        ],
        &owners,
        None,
    )?;
    let developers: Vec<Vec<String>> = m
        .developers
        .iter()
        .map(|d| {
            vec![
                cell(&d.name),
                cell(&d.country),
                d.findings.to_string(),
                icon(&d.most_severe).to_string(),
                list(&d.repositories),
            ]
        })
        .collect();
    md_table(
        w,
        "Developers",
        &[
            ("Organisation", ""),
            ("Country", ""),
            ("Findings", ":"),
            ("Most severe", ""),
            ("Repositories", ""),
        ],
        &developers,
        Some("None."),
    )?;
    let listed: Vec<Vec<String>> = m
        .listed_entities
        .iter()
        .map(|l| {
            vec![
                cell(&l.org_name),
                cell(&l.list_name),
                cell(&l.effective),
                cell(&l.citation),
                list(&l.repositories),
            ]
        })
        .collect();
    md_table(
        w,
        "Listed entities",
        &[
            ("Organisation", ""),
            ("List", ""),
            ("Since", ""),
            ("Citation", ""),
            ("Repositories", ""),
        ],
        &listed,
        Some("None."),
    )?;
    let errors: Vec<Vec<String>> = m
        .repositories_with_errors
        .iter()
        .map(|e| vec![cell(&e.repository), cell(&e.error)])
        .collect();
    md_table(
        w,
        "Repositories with errors",
        &[("Repository", ""), ("Error", "")],
        &errors,
        Some("None."),
    )?;
    let shown: Vec<&Value> = m
        .findings
        .iter()
        .filter(|f| {
            f.get("suppression").is_none_or(Value::is_null)
                && level_rank(f["level"].as_str().unwrap_or("")) > 0
        })
        .collect();
    writeln!(w)?;
    writeln!(w, "### Findings")?;
    writeln!(w)?;
    if shown.is_empty() {
        writeln!(w, "No findings.")?;
        return Ok(());
    }
    writeln!(w, "| Level | Repository | Location | Check | Finding |")?;
    writeln!(w, "|---|---|---|---|---|")?;
    for f in shown.iter().take(MAX_ROWS) {
        writeln!(
            w,
            "| {} | {} | {}:{} | {} | {} |",
            icon(f["level"].as_str().unwrap_or("")),
            cell(&s(&f["repository"])),
            cell(&s(&f["path"])),
            f["line"],
            cell(&s(&f["code"])),
            cell(&s(&f["message"]))
        )?;
    }
    if shown.len() > MAX_ROWS {
        writeln!(w)?;
        writeln!(
            w,
            "… and {} more (see merged.json).",
            shown.len() - MAX_ROWS
        )?;
    }
    Ok(())
}

fn h(s: &str) -> String {
    crate::report::html::esc(&escape::display(s))
}

fn hlist(items: &[String]) -> String {
    if items.is_empty() {
        "—".to_string()
    } else {
        items.iter().map(|i| h(i)).collect::<Vec<_>>().join(", ")
    }
}

/// Writes one HTML table: a header row and the rows (cells already escaped).
fn html_table(w: &mut dyn Write, head: &[&str], rows: &[Vec<String>]) -> std::io::Result<()> {
    if rows.is_empty() {
        return writeln!(w, "<p>None.</p>");
    }
    writeln!(w, "<table>")?;
    write!(w, "<tr>")?;
    for c in head {
        write!(w, "<th>{}</th>", h(c))?;
    }
    writeln!(w, "</tr>")?;
    for r in rows {
        write!(w, "<tr>")?;
        for c in r {
            write!(w, "<td>{c}</td>")?;
        }
        writeln!(w, "</tr>")?;
    }
    writeln!(w, "</table>")
}

/// The HTML rendering: one self-contained page (no script, no external resource) with the
/// tables of the Markdown rendering. Every value is escaped for HTML.
pub fn write_html(m: &Merged, w: &mut dyn Write) -> std::io::Result<()> {
    let sm = &m.summary;
    writeln!(w, "<!DOCTYPE html>")?;
    writeln!(w, "<html lang=\"en\"><head><meta charset=\"utf-8\">")?;
    writeln!(w, "<meta name=\"generator\" content=\"modelgate audit\">")?;
    writeln!(w, "<title>modelgate audit</title>")?;
    writeln!(
        w,
        "<style>body{{font-family:system-ui,sans-serif;margin:2rem;}}table{{border-collapse:collapse;margin:0 0 1.5rem;}}th,td{{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top;}}th{{background:#f3f3f3;}}</style>"
    )?;
    writeln!(w, "</head><body>")?;
    writeln!(w, "<h1>modelgate audit</h1>")?;
    writeln!(
        w,
        "<p><strong>{} repositories</strong> · {} with errors · <strong>{} error(s), {} warning(s), {} note(s)</strong> · {} suppressed · {} inventory-only</p>",
        sm.repositories,
        sm.repositories_with_errors,
        sm.error,
        sm.warning,
        sm.note,
        sm.suppressed,
        sm.none
    )?;
    for r in &m.rules {
        writeln!(
            w,
            "<p>Rules {} ({}, {}).</p>",
            h(&s(&r["as_of"])),
            h(&s(&r["origin"])),
            h(&s(&r["content_sha256"]).chars().take(12).collect::<String>())
        )?;
    }
    writeln!(w, "<h2>Repositories</h2>")?;
    let rows: Vec<Vec<String>> = m
        .repositories
        .iter()
        .map(|r| {
            let n = |k: &str| r.summary[k].as_u64().unwrap_or(0).to_string();
            vec![
                h(&r.repository),
                h(&r.status),
                n("error"),
                n("warning"),
                n("note"),
                n("none"),
                hlist(&r.developers),
                hlist(&r.listed_entities),
            ]
        })
        .collect();
    html_table(
        w,
        &[
            "Repository",
            "Status",
            "Errors",
            "Warnings",
            "Notes",
            "Inventory",
            "Developers",
            "Listed entities",
        ],
        &rows,
    )?;
    writeln!(w, "<h2>By owner</h2>")?;
    let rows: Vec<Vec<String>> = m
        .owners
        .iter()
        .map(|o| {
            vec![
                o.owner.as_deref().map_or("(local paths)".to_string(), h),
                o.repositories.len().to_string(),
                hlist(&o.developers),
                hlist(&o.listed_entities),
                o.repositories_with_errors.len().to_string(),
            ]
        })
        .collect();
    html_table(
        w,
        &[
            "Owner",
            "Repositories",
            "Developers",
            "Listed entities",
            "With errors",
        ],
        &rows,
    )?;
    writeln!(w, "<h2>Developers</h2>")?;
    let rows: Vec<Vec<String>> = m
        .developers
        .iter()
        .map(|d| {
            vec![
                h(&d.name),
                h(&d.country),
                d.findings.to_string(),
                h(&d.most_severe),
                hlist(&d.repositories),
            ]
        })
        .collect();
    html_table(
        w,
        &[
            "Organisation",
            "Country",
            "Findings",
            "Most severe",
            "Repositories",
        ],
        &rows,
    )?;
    writeln!(w, "<h2>Listed entities</h2>")?;
    let rows: Vec<Vec<String>> = m
        .listed_entities
        .iter()
        .map(|l| {
            vec![
                h(&l.org_name),
                h(&l.list_name),
                h(&l.effective),
                h(&l.citation),
                hlist(&l.repositories),
            ]
        })
        .collect();
    html_table(
        w,
        &["Organisation", "List", "Since", "Citation", "Repositories"],
        &rows,
    )?;
    writeln!(w, "<h2>Repositories with errors</h2>")?;
    let rows: Vec<Vec<String>> = m
        .repositories_with_errors
        .iter()
        .map(|e| vec![h(&e.repository), h(&e.error)])
        .collect();
    html_table(w, &["Repository", "Error"], &rows)?;
    writeln!(w, "<h2>Findings</h2>")?;
    let shown: Vec<&Value> = m
        .findings
        .iter()
        .filter(|f| {
            f.get("suppression").is_none_or(Value::is_null)
                && level_rank(f["level"].as_str().unwrap_or("")) > 0
        })
        .collect();
    let rows: Vec<Vec<String>> = shown
        .iter()
        .take(MAX_ROWS)
        .map(|f| {
            vec![
                h(f["level"].as_str().unwrap_or("")),
                h(&s(&f["repository"])),
                format!("{}:{}", h(&s(&f["path"])), f["line"]),
                h(&s(&f["code"])),
                h(&s(&f["message"])),
            ]
        })
        .collect();
    html_table(
        w,
        &["Level", "Repository", "Location", "Check", "Finding"],
        &rows,
    )?;
    if shown.len() > MAX_ROWS {
        writeln!(
            w,
            "<p>… and {} more (see merged.json).</p>",
            shown.len() - MAX_ROWS
        )?;
    }
    writeln!(w, "</body></html>")
}
