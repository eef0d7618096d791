//! Git-aware scans: `--diff-base REF` keeps only the findings a change introduces, `--staged`
//! scans what is staged in the index (what a pre-commit hook checks). Git is run as a command;
//! nothing here writes to the repository.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::classify::{self, Class};
use crate::detect::text::TextDetector;
use crate::policy;
use crate::report::{Notification, NotificationLevel, Report};
use crate::resolve;
use crate::scan::{self, Collected, ScanConfig};
use crate::walk::WalkStats;

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(out.stdout)
}

fn git_str(dir: &Path, args: &[&str]) -> Result<String, String> {
    Ok(String::from_utf8_lossy(&git(dir, args)?).trim().to_string())
}

/// The repository top level and the scanned root's path inside it (`""` or `sub/dir/`).
fn locate(root: &Path) -> Result<(PathBuf, String), String> {
    let dir = if root.is_dir() {
        root.to_path_buf()
    } else {
        root.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    let top = PathBuf::from(git_str(&dir, &["rev-parse", "--show-toplevel"])?);
    let prefix = git_str(&dir, &["rev-parse", "--show-prefix"])?;
    Ok((top, prefix))
}

/// A changed file: its path now, and its path at the base (renames followed).
#[derive(Debug, Clone)]
struct Change {
    path: String,
    base_path: Option<String>,
}

/// Files changed between the merge base and the working tree, relative to the top level.
fn changes(top: &Path, base: &str) -> Result<Vec<Change>, String> {
    let out = git(
        top,
        &["diff", "--name-status", "-M", "-z", "--no-ext-diff", base],
    )?;
    let mut it = out.split(|&b| b == 0).filter(|s| !s.is_empty());
    let mut v = Vec::new();
    while let Some(status) = it.next() {
        let status = String::from_utf8_lossy(status);
        let first = status.chars().next().unwrap_or(' ');
        let a = it.next().map(|s| String::from_utf8_lossy(s).into_owned());
        match first {
            'R' | 'C' => {
                let b = it.next().map(|s| String::from_utf8_lossy(s).into_owned());
                if let (Some(old), Some(new)) = (a, b) {
                    v.push(Change {
                        path: new,
                        base_path: Some(old),
                    });
                }
            }
            'A' => v.extend(a.map(|p| Change {
                path: p,
                base_path: None,
            })),
            'M' | 'T' => v.extend(a.map(|p| Change {
                base_path: Some(p.clone()),
                path: p,
            })),
            _ => {} // deleted: nothing is introduced
        }
    }
    // Untracked files are new too.
    let untracked = git(top, &["ls-files", "--others", "--exclude-standard", "-z"])?;
    for p in untracked.split(|&b| b == 0).filter(|s| !s.is_empty()) {
        v.push(Change {
            path: String::from_utf8_lossy(p).into_owned(),
            base_path: None,
        });
    }
    Ok(v)
}

/// Findings of `bytes` as if it were the file `rel` (same pipeline as a scan).
fn fingerprints_of(
    cfg: &ScanConfig,
    det: &TextDetector,
    rel: &str,
    bytes: &[u8],
) -> HashSet<String> {
    let mut c = Collected::default();
    if let Class::Text { prose } = classify::classify(Path::new(rel), bytes) {
        scan::detect_file(det, rel, bytes, prose, &mut c);
    }
    // A manifest at the merge base: its package findings, so that an unrelated edit does not make
    // them new (transitive ones that need the other files of the project are not recomputed).
    scan::dependency_refs(cfg, det, &mut c);
    let mut fs: Vec<_> = c
        .refs
        .iter()
        .filter_map(|(r, _)| policy::evaluate(&cfg.config.policy, r, resolve::resolve(det.db(), r)))
        .collect();
    policy::finalize(&mut fs);
    fs.into_iter().map(|f| f.fingerprint).collect()
}

/// Scans the root, then keeps only the findings that the changes since `git merge-base REF HEAD`
/// introduce: findings in added files, and findings of changed files whose fingerprint the file
/// did not have at the merge base.
pub fn diff_scan(cfg: &ScanConfig, det: &TextDetector, base_ref: &str) -> Result<Report, String> {
    let root = cfg.roots.first().ok_or("no path to scan")?;
    let (top, prefix) = locate(root)?;
    let base = git_str(&top, &["merge-base", base_ref, "HEAD"])?;
    let mut changed: BTreeMap<String, Option<String>> = BTreeMap::new();
    for c in changes(&top, &base)? {
        if let Some(rel) = c.path.strip_prefix(&prefix) {
            changed.insert(rel.to_string(), c.base_path);
        }
    }
    let mut report = scan::run(cfg, det);
    let mut base_prints: BTreeMap<String, HashSet<String>> = BTreeMap::new();
    for (rel, base_path) in &changed {
        if let Some(bp) = base_path {
            let bytes = git(&top, &["show", &format!("{base}:{bp}")]).unwrap_or_default();
            base_prints.insert(rel.clone(), fingerprints_of(cfg, det, rel, &bytes));
        }
    }
    report.findings.retain(|f| match changed.get(&f.path) {
        None => false,
        Some(None) => true,
        Some(Some(_)) => !base_prints
            .get(&f.path)
            .is_some_and(|s| s.contains(&f.fingerprint)),
    });
    report.notifications.push(Notification {
        level: NotificationLevel::Note,
        path: None,
        message: format!(
            "diff mode: only findings introduced since {} (merge base of {base_ref} and HEAD); {} changed file(s)",
            &base[..base.len().min(12)],
            changed.len()
        ),
    });
    Ok(report)
}

/// Scans the staged content of the staged files (added, copied, modified, renamed).
pub fn staged_scan(cfg: &ScanConfig, det: &TextDetector) -> Result<Report, String> {
    let root = cfg.roots.first().ok_or("no path to scan")?;
    let (top, prefix) = locate(root)?;
    let names = git(
        &top,
        &[
            "diff",
            "--cached",
            "--name-only",
            "-z",
            "--diff-filter=ACMRT",
        ],
    )?;
    let mut ex = globset::GlobSetBuilder::new();
    for e in &cfg.walk.excludes {
        if let Ok(g) = globset::Glob::new(e) {
            ex.add(g);
        }
    }
    let excludes = ex.build().map_err(|e| e.to_string())?;
    let mut collected = Collected::default();
    let mut notes = Vec::new();
    let mut stats = WalkStats::default();
    for name in names.split(|&b| b == 0).filter(|s| !s.is_empty()) {
        let path = String::from_utf8_lossy(name).into_owned();
        let Some(rel) = path.strip_prefix(&prefix) else {
            continue;
        };
        if excludes.is_match(rel) {
            continue;
        }
        let size: u64 = git_str(&top, &["cat-file", "-s", &format!(":{path}")])
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let bytes = match git(&top, &["show", &format!(":{path}")]) {
            Ok(b) => b,
            Err(e) => {
                notes.push(Notification {
                    level: NotificationLevel::Warning,
                    path: Some(rel.to_string()),
                    message: format!("cannot read the staged content: {e}"),
                });
                continue;
            }
        };
        match classify::classify(Path::new(rel), &bytes) {
            Class::Text { prose } => {
                if size > cfg.walk.max_file_size {
                    notes.push(Notification {
                        level: NotificationLevel::Warning,
                        path: Some(rel.to_string()),
                        message: format!(
                            "text file of {size} bytes is larger than --max-file-size ({} bytes); not scanned",
                            cfg.walk.max_file_size
                        ),
                    });
                    stats.skipped += 1;
                    continue;
                }
                stats.files_scanned += 1;
                stats.bytes_scanned += bytes.len() as u64;
                scan::detect_file(det, rel, &bytes, prose, &mut collected);
            }
            _ => stats.binary_files += 1,
        }
    }
    Ok(scan::build_report(cfg, det, collected, notes, stats))
}
