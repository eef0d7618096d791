//! Rust: `Cargo.toml` (declared dependencies) and `Cargo.lock` (the resolved graph), both parsed
//! with the `toml` crate. With `--deps`, `cargo metadata --locked --offline` (through the
//! `cargo_metadata` crate) locates the installed sources of registry, git and path packages; when
//! it cannot run, the lock file is used and a notification says so.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::locate::{self, Loc};
use super::{Dep, DepsOptions, Ecosystem, LockGraph, Locked, ManifestFile, ManifestKind};
use crate::report::{Notification, NotificationLevel};

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
    let mut out = Vec::new();
    for (section, deps) in tables {
        for (key, v) in deps {
            let name = v
                .get("package")
                .and_then(|p| p.as_str())
                .unwrap_or(key)
                .to_string();
            let header = |l: &str| {
                l.starts_with('[')
                    && (l.trim_end_matches(']').ends_with(&section)
                        || l.contains(&format!("{section}.{key}")))
            };
            let loc = locate::locate(&m.rel, &m.text, header, key);
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
                loc,
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
    let lines: Vec<&str> = m.text.lines().collect();
    let mut g = LockGraph::default();
    for p in lock.package {
        let name_line = format!("name = \"{}\"", p.name);
        let version_line = p.version.as_ref().map(|v| format!("version = \"{v}\""));
        let idx = lines.iter().enumerate().position(|(i, l)| {
            l.trim() == name_line
                && version_line
                    .as_ref()
                    .is_none_or(|v| lines.get(i + 1).is_some_and(|n| n.trim() == v))
        });
        let loc = match idx {
            Some(i) => locate::find_after(&m.rel, &m.text, i, &p.name)
                .unwrap_or_else(|| Loc::line_of(&m.rel, &m.text, i as u32 + 1)),
            None => locate::locate(&m.rel, &m.text, |_| false, &p.name),
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

/// Where `cargo metadata` says each (name, version) is installed; `Err` with a reason when it
/// cannot run offline.
fn metadata_dirs(lock_dir: &Path) -> Result<HashMap<(String, String), PathBuf>, String> {
    let manifest = lock_dir.join("Cargo.toml");
    let md = cargo_metadata::MetadataCommand::new()
        .manifest_path(&manifest)
        .other_options(vec!["--locked".to_string(), "--offline".to_string()])
        .exec()
        .map_err(|e| match e {
            cargo_metadata::Error::Io(_) => "cargo is not available".to_string(),
            _ => "`cargo metadata --locked --offline` could not resolve it".to_string(),
        })?;
    let mut out = HashMap::new();
    for p in md.packages {
        if let Some(dir) = p.manifest_path.parent() {
            out.insert(
                (p.name.to_string(), p.version.to_string()),
                PathBuf::from(dir.as_std_path()),
            );
        }
    }
    Ok(out)
}

/// The unpacked registry sources of `name-version` under `$CARGO_HOME/registry/src/*/`.
fn registry_dir(name: &str, version: &str) -> Option<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    let src = home.join("registry").join("src");
    let mut idx: Vec<_> = std::fs::read_dir(&src).ok()?.flatten().collect();
    idx.sort_by_key(|e| e.file_name());
    idx.into_iter()
        .map(|e| e.path().join(format!("{name}-{version}")))
        .find(|p| p.join("Cargo.toml").is_file())
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
        let (_, deps) = manifest_deps(m, notes);
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
            let dir = super::disk_path(roots, l.dir()).unwrap_or_else(|| PathBuf::from(l.dir()));
            match metadata_dirs(&dir) {
                Ok(dirs) => {
                    for p in &mut g.packages {
                        let v = p.version.clone().unwrap_or_default();
                        p.installed = dirs.get(&(p.name.clone(), v)).cloned();
                    }
                }
                Err(why) => {
                    notes.push(super::note(
                        NotificationLevel::Note,
                        &l.rel,
                        format!(
                            "{why}; the dependency graph was read from Cargo.lock and registry sources were looked up in the Cargo home"
                        ),
                    ));
                    for p in &mut g.packages {
                        if let Some(v) = &p.version {
                            p.installed = registry_dir(&p.name, v);
                        }
                    }
                }
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
        assert!(n[0].message.contains("x/Cargo.toml:2"), "{:?}", n);
    }
}
