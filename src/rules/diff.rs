//! `modelgate rules diff OLD NEW`: what an update changes, entry by entry, before it is installed.
//! OLD and NEW are rules folders or bundle files. Entries are compared as written (their TOML
//! tables), keyed by kind and id, so the output names the fields that changed.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use super::bundle::{Bundle, FORMAT, MAX_BUNDLE};

/// The files of a database (relative name → text), from a folder or a bundle file, and its
/// `as_of`.
pub struct Snapshot {
    pub label: String,
    pub as_of: String,
    pub files: BTreeMap<String, String>,
}

/// Reads a rules folder or a bundle file. Only the format is checked, not the entries: a diff
/// must also show what is wrong with a bundle that `rules check` would refuse.
pub fn load(path: &Path) -> Result<Snapshot, String> {
    let label = path.display().to_string();
    let files: BTreeMap<String, String> = if path.is_dir() {
        let db = super::Database::from_dir_unchecked(path).map_err(|e| e.to_string())?;
        db.texts().clone()
    } else {
        let meta = std::fs::metadata(path).map_err(|e| format!("{label}: {e}"))?;
        if meta.len() > MAX_BUNDLE {
            return Err(format!("{label}: larger than {MAX_BUNDLE} bytes"));
        }
        let bytes = std::fs::read(path).map_err(|e| format!("{label}: {e}"))?;
        let b: Bundle = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{label}: not a rules folder or bundle: {e}"))?;
        if b.format != FORMAT {
            return Err(format!("{label}: unsupported bundle format `{}`", b.format));
        }
        b.files
    };
    let as_of = files
        .get("meta.toml")
        .and_then(|t| t.parse::<toml::Table>().ok())
        .and_then(|m| m.get("as_of").and_then(|v| v.as_str()).map(str::to_string))
        .unwrap_or_else(|| "unknown".into());
    Ok(Snapshot {
        label,
        as_of,
        files,
    })
}

/// The kinds of entries, as the arrays of tables that hold them.
const KINDS: &[&str] = &[
    "source",
    "list",
    "listing",
    "family",
    "namespace",
    "host",
    "route",
    "pattern",
    "package",
    "arch",
    "digest",
];

fn key_of(kind: &str, t: &toml::Table) -> Option<String> {
    let s = |k: &str| t.get(k).and_then(|v| v.as_str());
    let id = match kind {
        "namespace" => format!("{}@{}", s("name")?, s("host")?),
        "route" => s("prefix")?.to_string(),
        "package" => format!("{}/{}", s("ecosystem")?, s("name")?),
        "digest" => s("sha256").or(s("md5"))?.to_string(),
        "org" => s("id")?.to_string(),
        _ => s("id")?.to_string(),
    };
    Some(format!("{kind}:{id}"))
}

fn name_of(t: &toml::Table) -> String {
    ["name", "title", "model"]
        .iter()
        .find_map(|k| t.get(*k).and_then(|v| v.as_str()))
        .or_else(|| {
            t.get("entities")
                .and_then(|v| v.as_array())
                .and_then(|a| a.first())
                .and_then(|v| v.as_str())
        })
        .unwrap_or("")
        .to_string()
}

/// Every entry of a snapshot, keyed `kind:id`.
fn entries(s: &Snapshot) -> BTreeMap<String, toml::Table> {
    let mut out = BTreeMap::new();
    for text in s.files.values() {
        let Ok(t) = text.parse::<toml::Table>() else {
            continue;
        };
        if let Some(o) = t.get("org").and_then(|v| v.as_table())
            && let Some(k) = key_of("org", o)
        {
            out.insert(k, o.clone());
        }
        for kind in KINDS {
            let Some(arr) = t.get(*kind).and_then(|v| v.as_array()) else {
                continue;
            };
            for v in arr {
                let Some(e) = v.as_table() else { continue };
                if let Some(k) = key_of(kind, e) {
                    out.insert(k, e.clone());
                }
            }
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Added,
    Removed,
    /// `withdrawn` became true (with `withdrawn_on`, when given).
    Withdrawn(Option<String>),
    /// `withdrawn` became false.
    Reinstated,
    /// The fields whose values differ.
    Changed(Vec<String>),
}

/// The differences between two snapshots, in key order.
pub fn diff(old: &Snapshot, new: &Snapshot) -> Vec<(String, String, Change)> {
    let a = entries(old);
    let b = entries(new);
    let withdrawn = |t: &toml::Table| t.get("withdrawn").and_then(|v| v.as_bool()) == Some(true);
    let mut out = Vec::new();
    for (k, t) in &b {
        match a.get(k) {
            None => out.push((k.clone(), name_of(t), Change::Added)),
            Some(o) if o != t => {
                let change = if withdrawn(t) && !withdrawn(o) {
                    Change::Withdrawn(
                        t.get("withdrawn_on")
                            .and_then(|v| v.as_str())
                            .map(str::to_string),
                    )
                } else if withdrawn(o) && !withdrawn(t) {
                    Change::Reinstated
                } else {
                    let mut fields: Vec<String> = o
                        .keys()
                        .chain(t.keys())
                        .filter(|f| o.get(*f) != t.get(*f))
                        .cloned()
                        .collect();
                    fields.sort();
                    fields.dedup();
                    Change::Changed(fields)
                };
                out.push((k.clone(), name_of(t), change));
            }
            Some(_) => {}
        }
    }
    for (k, t) in &a {
        if !b.contains_key(k) {
            out.push((k.clone(), name_of(t), Change::Removed));
        }
    }
    out.sort_by(|x, y| x.0.cmp(&y.0));
    out
}

/// The text report of `rules diff`.
pub fn report(old: &Snapshot, new: &Snapshot) -> String {
    let changes = diff(old, new);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "rules diff: {} (as of {}) -> {} (as of {})",
        old.label, old.as_of, new.label, new.as_of
    );
    let (mut added, mut changed, mut withdrawn, mut removed) = (0, 0, 0, 0);
    for (k, name, c) in &changes {
        let name = if name.is_empty() {
            String::new()
        } else {
            format!("  {name}")
        };
        let line = match c {
            Change::Added => {
                added += 1;
                format!("added      {k}{name}")
            }
            Change::Removed => {
                removed += 1;
                format!("removed    {k}{name}")
            }
            Change::Withdrawn(d) => {
                withdrawn += 1;
                match d {
                    Some(d) => format!("withdrawn  {k}{name} (on {d})"),
                    None => format!("withdrawn  {k}{name}"),
                }
            }
            Change::Reinstated => {
                changed += 1;
                format!("reinstated {k}{name}")
            }
            Change::Changed(f) => {
                changed += 1;
                format!("changed    {k}{name} ({})", f.join(", "))
            }
        };
        let _ = writeln!(s, "{line}");
    }
    let _ = writeln!(
        s,
        "{added} added, {changed} changed, {withdrawn} withdrawn, {removed} removed"
    );
    s
}
