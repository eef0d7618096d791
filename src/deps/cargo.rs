//! Rust: `Cargo.toml` (declared dependencies) and `Cargo.lock` (the resolved graph), both parsed
//! with the `toml` crate. With `--deps`, the installed sources of registry packages are looked up
//! in the Cargo home by the name and version that `Cargo.lock` gives; path dependencies are read
//! only inside the scanned tree. Cargo itself is never run (it would honour the scanned
//! repository's `.cargo/config.toml`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::locate;
use super::{Dep, DepsOptions, Ecosystem, LockGraph, Locked, ManifestFile, ManifestKind};
use crate::types::{Notification, NotificationLevel};

const DEP_TABLES: &[&str] = &["dependencies", "dev-dependencies", "build-dependencies"];

/// The crate a specification names: `name`, `name@1.2`, `name = "1"`, `name = { ... }`.
pub fn spec_name(spec: &str) -> Option<String> {
    let head = match spec.split_once('=') {
        Some((k, _)) => k,
        None => spec.split('@').next().unwrap_or(spec),
    };
    let name = head.trim().trim_matches('"');
    let ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && name.as_bytes()[0].is_ascii_alphabetic();
    ok.then(|| name.to_string())
}

fn toml_line(text: &str, e: &toml::de::Error) -> Option<usize> {
    e.span().map(|s| locate::line_of_offset(text, s.start))
}

/// The declared dependencies of one `Cargo.toml`, and its package name.
pub fn manifest_deps(
    m: &ManifestFile,
    notes: &mut Vec<Notification>,
) -> (Option<String>, Vec<Dep>) {
    let table: toml::Table = match toml::from_str(&m.text) {
        Ok(t) => t,
        Err(e) => {
            notes.push(super::malformed(
                &m.rel,
                toml_line(&m.text, &e),
                "Cargo.toml",
                e.message(),
            ));
            return (None, Vec::new());
        }
    };
    let pkg_name = table
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .map(str::to_string);
    let mut tables: Vec<(String, &toml::Table)> = Vec::new();
    for t in DEP_TABLES {
        if let Some(d) = table.get(*t).and_then(|v| v.as_table()) {
            tables.push((t.to_string(), d));
        }
    }
    if let Some(targets) = table.get("target").and_then(|v| v.as_table()) {
        for (_, tv) in targets {
            for t in DEP_TABLES {
                if let Some(d) = tv.get(*t).and_then(|v| v.as_table()) {
                    tables.push((t.to_string(), d));
                }
            }
        }
    }
    if let Some(d) = table
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(|v| v.as_table())
    {
        tables.push(("dependencies".into(), d));
    }
    let names = tables
        .iter()
        .flat_map(|(_, d)| d.keys().map(String::as_str));
    let loc = locate::Locator::new(&m.rel, &m.text, names);
    // Table headers, once: `[section]` (or one that ends with it) and dotted `[section.key]`.
    let headers: Vec<(usize, &str)> = loc
        .iter_lines()
        .map(|(i, l)| (i, l.trim()))
        .filter(|(_, l)| l.starts_with('['))
        .collect();
    let mut section_line: HashMap<&str, Option<usize>> = HashMap::new();
    let mut dotted: HashMap<(&str, &str), usize> = HashMap::new();
    for &(i, l) in &headers {
        for sec in DEP_TABLES {
            for (p, _) in l.match_indices(&format!("{sec}.")) {
                let rest = &l[p + sec.len() + 1..];
                let key = match rest.strip_prefix('"') {
                    Some(q) => q.split('"').next().unwrap_or(q),
                    None => rest.split(['.', ']']).next().unwrap_or(rest),
                };
                dotted.entry((sec, key.trim())).or_insert(i);
            }
        }
    }
    let mut out = Vec::new();
    for (section, deps) in tables {
        let sec = DEP_TABLES
            .iter()
            .copied()
            .find(|s| *s == section)
            .unwrap_or("dependencies");
        let first = *section_line.entry(sec).or_insert_with(|| {
            headers
                .iter()
                .find(|(_, l)| l.trim_end_matches(']').ends_with(sec))
                .map(|(i, _)| *i)
        });
        for (key, v) in deps {
            let name = v
                .get("package")
                .and_then(|p| p.as_str())
                .unwrap_or(key)
                .to_string();
            let header = match (first, dotted.get(&(sec, key.as_str())).copied()) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let installed = v
                .get("path")
                .and_then(|p| p.as_str())
                .map(|p| Path::new(m.dir()).join(p));
            out.push(Dep {
                ecosystem: Ecosystem::Cargo,
                name,
                version: None,
                direct: true,
                chain: Vec::new(),
                loc: loc.locate(header, key),
                marker: None,
                installed,
            });
        }
    }
    (pkg_name, out)
}

/// The graph of a `Cargo.lock`.
pub fn lock_graph(m: &ManifestFile, notes: &mut Vec<Notification>) -> Option<LockGraph> {
    #[derive(serde::Deserialize)]
    struct Lock {
        #[serde(default)]
        package: Vec<Pkg>,
    }
    #[derive(serde::Deserialize)]
    struct Pkg {
        name: String,
        version: Option<String>,
        source: Option<String>,
        #[serde(default)]
        dependencies: Vec<String>,
    }
    let lock: Lock = match toml::from_str(&m.text) {
        Ok(l) => l,
        Err(e) => {
            notes.push(super::malformed(
                &m.rel,
                toml_line(&m.text, &e),
                "Cargo.lock",
                e.message(),
            ));
            return None;
        }
    };
    let loc = locate::Locator::new(
        &m.rel,
        &m.text,
        lock.package.iter().map(|p| p.name.as_str()),
    );
    let entries = entry_lines(&loc);
    let mut g = LockGraph::default();
    for p in lock.package {
        let name_line = format!("name = \"{}\"", p.name);
        let version_line = p.version.as_ref().map(|v| format!("version = \"{v}\""));
        let idx = match &version_line {
            Some(v) => entries.get(&(name_line.as_str(), v.as_str())).copied(),
            None => loc.trimmed_line(&name_line),
        };
        let loc = match idx {
            Some(i) => loc
                .find_after(i, &p.name)
                .unwrap_or_else(|| loc.line_of(i as u32 + 1)),
            None => loc.locate(None, &p.name),
        };
        if p.source.is_none() {
            g.roots.push(p.name.clone());
        }
        g.packages.push(Locked {
            name: p.name,
            version: p.version,
            deps: p
                .dependencies
                .iter()
                .filter_map(|d| d.split_whitespace().next().map(str::to_string))
                .collect(),
            loc,
            installed: None,
        });
    }
    Some(g)
}

/// `(trimmed line, trimmed next line)` → first 0-based line: finds `name = "x"` followed by
/// `version = "1"` (a `[[package]]` entry of a TOML lock file) in one lookup.
pub(crate) fn entry_lines<'a>(loc: &locate::Locator<'a>) -> HashMap<(&'a str, &'a str), usize> {
    let mut m = HashMap::new();
    let n = loc.lines();
    for i in (0..n.saturating_sub(1)).rev() {
        let a = loc.line(i).trim();
        if a.starts_with("name") {
            m.insert((a, loc.line(i + 1).trim()), i);
        }
    }
    m
}

/// The unpacked registry sources of `name-version` under `$CARGO_HOME/registry/src/*/`.
/// `None` for a name or version that is not one (a lock file is repository content: `../x` must
/// not lead the lookup out of the Cargo home).
fn registry_dir(name: &str, version: &str) -> Option<PathBuf> {
    let name_ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let version_ok = !version.is_empty()
        && version.len() <= 128
        && version.as_bytes()[0].is_ascii_digit()
        && version
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+'));
    if !name_ok || !version_ok {
        return None;
    }
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    let src = home.join("registry").join("src");
    let mut idx: Vec<_> = std::fs::read_dir(&src).ok()?.flatten().collect();
    idx.sort_by_key(|e| e.file_name());
    idx.into_iter()
        .map(|e| e.path().join(format!("{name}-{version}")))
        .find(|p| {
            std::fs::symlink_metadata(p.join("Cargo.toml")).is_ok_and(|m| m.file_type().is_file())
        })
}

/// Every Cargo project in the scan: each `Cargo.lock` with the `Cargo.toml` files under its folder
/// (a workspace), and each `Cargo.toml` that no lock file covers on its own.
pub fn analyze(
    roots: &[PathBuf],
    files: &[&ManifestFile],
    opts: &DepsOptions,
    out: &mut Vec<Dep>,
    notes: &mut Vec<Notification>,
) {
    let locks: Vec<&&ManifestFile> = files
        .iter()
        .filter(|m| m.kind == ManifestKind::CargoLock)
        .collect();
    // The innermost lock folder that contains a manifest's folder.
    let owner = |dir: &str| -> Option<usize> {
        locks
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                let ld = l.dir();
                ld.is_empty() || dir == ld || dir.starts_with(&format!("{ld}/"))
            })
            .max_by_key(|(_, l)| l.dir().len())
            .map(|(i, _)| i)
    };
    let mut groups: Vec<Vec<Dep>> = vec![Vec::new(); locks.len()];
    for m in files.iter().filter(|m| m.kind == ManifestKind::CargoToml) {
        let (_, mut deps) = manifest_deps(m, notes);
        for d in &mut deps {
            let Some(rel) = d.installed.take() else {
                continue;
            };
            if !opts.scan_sources {
                continue;
            }
            // A path dependency: its sources are read only inside the scanned tree (where the walk
            // covers them); `path = "/etc"` or `../../elsewhere` is not followed.
            let disk = super::disk_path(roots, &rel.to_string_lossy());
            match disk {
                Some(p) if super::inside_roots(roots, &p) => d.installed = Some(p),
                _ => notes.push(super::note(
                    NotificationLevel::Note,
                    &m.rel,
                    format!(
                        "path dependency `{}` is outside the scanned tree; its sources are not read",
                        crate::escape::display(&rel.to_string_lossy())
                    ),
                )),
            }
        }
        match owner(m.dir()) {
            Some(i) => groups[i].extend(deps),
            None => out.extend(deps),
        }
    }
    for (i, l) in locks.iter().enumerate() {
        let Some(mut g) = lock_graph(l, notes) else {
            out.append(&mut groups[i]);
            continue;
        };
        if opts.scan_sources {
            // Never `cargo metadata`: cargo honours the scanned repository's `.cargo/config.toml`
            // (a `rustc-wrapper`, a `build.target-dir`...), which is code execution on an
            // untrusted pull request. Registry packages are looked up in the Cargo home by the
            // (validated) name and version of the lock file; the workspace's own packages are
            // folders of the scanned tree, which the walk covers.
            let mut missing = false;
            let own: std::collections::HashSet<&String> = g.roots.iter().collect();
            for p in &mut g.packages {
                if own.contains(&p.name) {
                    continue;
                }
                let Some(v) = &p.version else { continue };
                p.installed = registry_dir(&p.name, v);
                missing |= p.installed.is_none();
            }
            if missing {
                notes.push(super::note(
                    NotificationLevel::Note,
                    &l.rel,
                    "registry packages of Cargo.lock that are not unpacked in the Cargo home (`$CARGO_HOME/registry/src`) are not scanned; cargo is not run".to_string(),
                ));
            }
        }
        let declared = std::mem::take(&mut groups[i]);
        out.extend(super::combine(Ecosystem::Cargo, declared, Some(&g)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mf(rel: &str, kind: ManifestKind, text: &str) -> ManifestFile {
        ManifestFile::new(rel, kind, text)
    }

    #[test]
    fn specs() {
        assert_eq!(spec_name("fastembed").as_deref(), Some("fastembed"));
        assert_eq!(spec_name("fastembed = \"4\"").as_deref(), Some("fastembed"));
        assert_eq!(
            spec_name("async-dashscope@0.12").as_deref(),
            Some("async-dashscope")
        );
        assert_eq!(spec_name("not a crate"), None);
    }

    #[test]
    fn declared_renamed_and_tables() {
        let t = "[package]\nname = \"a\"\n\n[dependencies]\nserde = \"1\"\nemb = { package = \"fastembed\", version = \"4\" }\n\n[dependencies.async-dashscope]\nversion = \"0.12\"\n";
        let mut n = Vec::new();
        let (name, deps) = manifest_deps(&mf("Cargo.toml", ManifestKind::CargoToml, t), &mut n);
        assert_eq!(name.as_deref(), Some("a"));
        let got: Vec<_> = deps.iter().map(|d| (d.name.as_str(), d.loc.line)).collect();
        assert!(got.contains(&("fastembed", 6)), "{got:?}");
        assert!(got.contains(&("async-dashscope", 8)), "{got:?}");
        assert!(n.is_empty());
    }

    #[test]
    fn malformed_is_a_notification_with_a_line() {
        let mut n = Vec::new();
        let (_, deps) = manifest_deps(
            &mf(
                "x/Cargo.toml",
                ManifestKind::CargoToml,
                "[dependencies]\nfoo = \n",
            ),
            &mut n,
        );
        assert!(deps.is_empty());
        assert_eq!(
            (n[0].path.as_deref(), n[0].line),
            (Some("x/Cargo.toml"), Some(2)),
            "{n:?}"
        );
    }
}
