//! `--deps`: scan the installed files of the resolved dependencies with the text detector and
//! attribute what is found to the dependency, at the manifest line that brings it in. The file
//! inside the dependency becomes a related location.
//!
//! Python distributions are read through their `RECORD` (the files the installer wrote); other
//! packages through their folder (without nested `node_modules`, `target` or `.git`). Every file
//! is read through [`crate::safeio`]: symbolic links are not followed, FIFOs and devices are not
//! opened, a folder linked out of the package is refused, and files larger than
//! `--max-file-size` are left out, each with a notification. Binaries and documentation are
//! skipped.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use super::{Dep, DepsOptions};
use crate::classify::{self, Class, SNIFF_LEN};
use crate::detect::text::TextDetector;
use crate::safeio::{self, limits};
use crate::types::Notification;
use crate::types::Reference;
use crate::types::{DepContext, DepEvidence, Evidence, Related};

/// The files of one installed package: its base folder and the paths relative to it, sorted.
fn files_of(
    roots: &[PathBuf],
    installed: &Path,
    notes: &mut Vec<Notification>,
) -> (PathBuf, Vec<PathBuf>) {
    let is_dist_info = installed
        .file_name()
        .is_some_and(|n| n.to_string_lossy().ends_with(".dist-info"));
    if is_dist_info {
        let site = installed.parent().unwrap_or(installed).to_path_buf();
        let record_path = installed.join("RECORD");
        let record = match safeio::read_text(&record_path, Some(&site), limits::METADATA_FILE) {
            Ok(t) => t,
            Err(e) if e.is_not_found() => String::new(),
            Err(e) => {
                let shown = super::shown(roots, &site, &record_path);
                notes.push(super::refused(&shown, "installed package record", &e));
                String::new()
            }
        };
        let mut out: Vec<PathBuf> = record
            .lines()
            .filter_map(|l| {
                // CSV: path,hash,size; a path with a comma is quoted.
                let p = if let Some(q) = l.strip_prefix('"') {
                    q.split_once("\",").map(|x| x.0)?
                } else {
                    l.split(',').next()?
                };
                let bad = p.is_empty()
                    || p.starts_with('/')
                    || p.split('/').any(|c| c == ".." || c == "__pycache__")
                    || p.contains(".dist-info/");
                (!bad).then(|| PathBuf::from(p))
            })
            .collect();
        out.sort();
        out.dedup();
        return (site, out);
    }
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(installed.join(&rel)) else {
            continue;
        };
        for e in rd.flatten() {
            let Ok(ft) = e.file_type() else { continue };
            let name = e.file_name();
            let r = rel.join(&name);
            if ft.is_dir() {
                if !matches!(
                    name.to_string_lossy().as_ref(),
                    "node_modules" | "target" | ".git"
                ) {
                    stack.push(r);
                }
            } else if ft.is_file() {
                out.push(r);
            }
        }
    }
    out.sort();
    (installed.to_path_buf(), out)
}

/// A reference found in a dependency's file, before it is attributed.
struct Found {
    reference: Reference,
    /// Path relative to the package base.
    rel: String,
    abs: PathBuf,
}

/// What one package's files gave: the references and the files that were refused.
type Scanned = (Vec<Found>, Vec<Notification>);

fn scan_package(roots: &[PathBuf], det: &TextDetector, installed: &Path, max: u64) -> Scanned {
    let mut notes = Vec::new();
    let (base, files) = files_of(roots, installed, &mut notes);
    let mut out: Vec<Found> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for rel in files {
        let abs = base.join(&rel);
        // Through safeio: a FIFO listed in a RECORD does not block, a symbolic link is not
        // followed, a folder linked out of the package is refused, the size is capped.
        let bytes = match safeio::read_bounded(&abs, Some(&base), max) {
            Ok(b) => b,
            Err(e) if e.is_not_found() => continue,
            Err(e) => {
                let shown = super::shown(roots, &base, &abs);
                notes.push(super::refused(&shown, "dependency file", &e));
                continue;
            }
        };
        let head = &bytes[..bytes.len().min(SNIFF_LEN)];
        match classify::classify(&abs, head) {
            Class::Text { prose: false } => {}
            _ => continue,
        }
        let rel_s = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        // One finding per identifier and package: the first place it occurs. Streamed, so a file
        // full of repeats costs no memory per repeat.
        det.scan_with(&bytes, &rel_s, false, &mut |r| {
            if seen.insert(r.hit.identifier.to_ascii_lowercase()) {
                out.push(Found {
                    reference: r,
                    rel: rel_s.clone(),
                    abs: abs.clone(),
                });
            }
        });
    }
    (out, notes)
}

/// Whether an installed folder is covered by the walk already (a path dependency inside the
/// scanned tree); environments and `node_modules` are not, being hidden or ignored as a rule.
fn walked(roots: &[PathBuf], p: &Path) -> bool {
    let in_env = p.components().any(|c| {
        matches!(
            c.as_os_str().to_string_lossy().as_ref(),
            ".venv" | "venv" | "node_modules" | "site-packages"
        )
    });
    !in_env && super::inside_roots(roots, p)
}

pub(crate) fn root_relative(roots: &[PathBuf], abs: &Path) -> Option<String> {
    let ca = abs.canonicalize().ok()?;
    for r in roots {
        let Ok(cr) = r.canonicalize() else { continue };
        if let Ok(rel) = ca.strip_prefix(&cr) {
            let mut s: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if roots.len() > 1 {
                s.insert(0, r.to_string_lossy().trim_end_matches('/').to_string());
            }
            return Some(s.join("/"));
        }
    }
    None
}

/// Scans the installed files of every dependency that has them.
pub fn scan(
    roots: &[PathBuf],
    det: &TextDetector,
    deps: &[Dep],
    opts: &DepsOptions,
    notes: &mut Vec<Notification>,
) -> Vec<Reference> {
    let max = if opts.max_file_size == 0 {
        8 << 20
    } else {
        opts.max_file_size
    };
    let mut dirs: BTreeMap<PathBuf, Vec<&Dep>> = BTreeMap::new();
    for d in deps {
        if let Some(p) = &d.installed
            && p.exists()
            && !walked(roots, p)
        {
            dirs.entry(p.clone()).or_default().push(d);
        }
    }
    let list: Vec<(&PathBuf, &Vec<&Dep>)> = dirs.iter().collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(list.len().max(1));
    let chunk = list.len().div_ceil(threads).max(1);
    let mut found: Vec<(usize, Scanned)> = std::thread::scope(|s| {
        let handles: Vec<_> = list
            .chunks(chunk)
            .enumerate()
            .map(|(ci, part)| {
                s.spawn(move || {
                    part.iter()
                        .enumerate()
                        .map(|(i, (dir, _))| (ci * chunk + i, scan_package(roots, det, dir, max)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    found.sort_by_key(|(i, _)| *i);
    let mut out = Vec::new();
    for (i, (fs, n)) in found {
        notes.extend(n);
        let (_, ds) = list[i];
        for f in fs {
            let related = match root_relative(roots, &f.abs) {
                Some(p) => Related {
                    path: p,
                    base: "%SRCROOT%",
                    line: f.reference.line,
                    column: f.reference.column,
                    end_column: f.reference.end_column,
                },
                None => Related {
                    path: f.rel.clone(),
                    base: "DEPENDENCY",
                    line: f.reference.line,
                    column: f.reference.column,
                    end_column: f.reference.end_column,
                },
            };
            for d in ds {
                let mut ctx = DepContext::of(d, DepEvidence::Source);
                ctx.related = Some(related.clone());
                out.push(Reference {
                    hit: f.reference.hit.clone(),
                    path: d.loc.path.clone(),
                    line: d.loc.line,
                    column: d.loc.column,
                    end_column: d.loc.end_column,
                    text: d.loc.text.clone(),
                    prose: false,
                    evidence: Evidence::Dependency(Box::new(ctx)),
                    also: Default::default(),
                });
            }
        }
    }
    out
}
