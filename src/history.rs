//! `scan --history [--since REF]`: every reference that was ever committed on the history that
//! HEAD reaches, with the commit (and author date) where it first appeared, the commit where it
//! was last present and the one that removed it, and whether HEAD still has it.
//!
//! One `git log --raw` lists, for each commit (parents before children), what changed against
//! its first parent; a merge's changes are what it brought to its first parent, so the commits of
//! a merged branch are walked too. Each changed (blob, path) goes through the one per-file path
//! ([`diff::visit_blob`] → [`scan::visit_file`]) and the one findings path ([`scan::findings`])
//! once; a (blob, path) seen before is not read again. The path is part of the key because a
//! file's name is part of its evidence (its class, a manifest's kind, a model config's name, a hub
//! cache folder) and of the fingerprint. Findings are followed by fingerprint (check, subject,
//! path, identifier, occurrence; no line number), so an unrelated edit keeps a finding and a
//! rename ends it at the old path and starts it at the new one.
//!
//! Git runs through [`diff::Git`] (the repository's configuration, hooks, filters, signature
//! programs and transports neutralised); blobs are read through one `git cat-file --batch` with
//! the same size limits as `--staged`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::Stdio;

use crate::detect::text::TextDetector;
use crate::diff::{self, Blob, Blobs, Git, Repo};
use crate::digest::DigestCache;
use crate::escape;
use crate::policy::{Finding, History};
use crate::report::{Report, RulesInfo};
use crate::scan::{self, Collected, FileCtx, ScanConfig};
use crate::types::{Notification, NotificationLevel, WalkStats};

/// Longest field of `git log` output read (a path or a commit line); git's own paths are far
/// shorter, and a longer one is an error rather than an unbounded read.
const MAX_FIELD: u64 = 1 << 20;
/// Notifications kept per path (a file over the size limit would otherwise give one per version).
const MAX_NOTES_PER_PATH: usize = 5;

/// What the walk did, reported in a note and usable by callers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HistoryStats {
    pub commits: u64,
    /// Distinct (blob, path) pairs read and scanned.
    pub blobs_scanned: u64,
    /// Changes whose (blob, path) was already scanned (the old side of a change, a revert, a
    /// merge bringing a branch's files).
    pub blobs_skipped: u64,
    /// Versions whose blob is not in the object database (a partial or damaged clone).
    pub blobs_missing: u64,
    /// Changed paths left out: outside the scanned folder, excluded, submodules, symbolic links.
    pub paths_ignored: u64,
}

/// One commit of the walk.
struct Commit {
    sha: String,
    first_parent: Option<String>,
    date: String,
}

/// One entry of `git log --raw`.
struct Change {
    src_mode: String,
    dst_mode: String,
    src: String,
    dst: String,
    path: Vec<u8>,
}

/// What the history says of one fingerprint so far.
struct Record {
    /// The finding as last seen present (its location in that version).
    finding: Finding,
    /// The blob it was last seen present in (at `finding.path`).
    blob: String,
    first: String,
    /// The last commit (walk order) that set a version with it.
    last_set: String,
    before_range: bool,
    /// The last commit (walk order) that removed it, and the parent it was removed from.
    removed: Option<(String, String)>,
}

/// The blob kinds scanned: regular files (not symbolic links, not submodules).
fn is_file_mode(mode: &str) -> bool {
    matches!(mode, "100644" | "100755" | "100664")
}

/// The null object id (SHA-1 or SHA-256): no file on that side of a change.
fn is_null(oid: &str) -> bool {
    oid.bytes().all(|b| b == b'0')
}

/// Reads one NUL-terminated field (at most [`MAX_FIELD`] bytes); `None` at the end.
fn field(r: &mut impl BufRead) -> Result<Option<Vec<u8>>, String> {
    let mut v = Vec::new();
    r.take(MAX_FIELD)
        .read_until(0, &mut v)
        .map_err(|e| format!("git log: {e}"))?;
    if v.is_empty() {
        return Ok(None);
    }
    if v.last() != Some(&0) {
        if v.len() as u64 >= MAX_FIELD {
            return Err("git log: a field is longer than 1 MiB".into());
        }
    } else {
        v.pop();
    }
    Ok(Some(v))
}

struct Walker<'a> {
    cfg: &'a ScanConfig,
    det: &'a TextDetector,
    ctx: FileCtx<'a>,
    blobs: Blobs,
    prefix: Vec<u8>,
    excludes: globset::GlobSet,
    /// (blob, display path) → fingerprints of its findings.
    scanned: HashMap<(String, String), Vec<String>>,
    records: HashMap<String, Record>,
    /// Commit → author date, for every walked commit and the boundary parents asked for.
    dates: HashMap<String, String>,
    stats: HistoryStats,
    walk: WalkStats,
    notes: Vec<Notification>,
    notes_per_path: HashMap<String, usize>,
    /// The messages of the notes about unused or expired allow entries that a scan of one
    /// version can give (left out there).
    allow_notes: HashSet<String>,
}

impl Walker<'_> {
    /// Reads `oid` and scans it as the file `rel`; its notifications are kept, prefixed with
    /// the commit it was read for.
    fn scan(&mut self, oid: &str, rel: &str, commit: &str) -> Result<Vec<Finding>, String> {
        let max = self.cfg.walk.blob_max;
        let keep = diff::keep_for(self.cfg, rel);
        let blob = self.blobs.read(oid, max, &keep)?;
        let mut c = Collected::default();
        let mut notes = Vec::new();
        if let Blob::Missing = blob {
            self.stats.blobs_missing += 1;
            notes.push(Notification {
                level: NotificationLevel::Warning,
                path: Some(rel.to_string()),
                line: None,
                message: format!("object {oid} is not in the repository; not scanned"),
            });
        }
        diff::visit_blob(
            &self.ctx,
            rel,
            &blob,
            max,
            &mut self.walk,
            &mut notes,
            &mut c,
        );
        let (found, more) = scan::findings(self.cfg, self.det, c);
        // Whether an allow entry is used is decided over the whole history, at the end.
        notes.extend(
            more.into_iter()
                .filter(|n| !self.allow_notes.contains(&n.message)),
        );
        if !matches!(blob, Blob::Missing) {
            self.stats.blobs_scanned += 1;
        }
        let short = &commit[..commit.len().min(12)];
        for mut n in notes {
            let key = n.path.clone().unwrap_or_default();
            let k = self.notes_per_path.entry(key).or_default();
            *k += 1;
            if *k <= MAX_NOTES_PER_PATH {
                n.message = format!("in commit {short}: {}", n.message);
                self.notes.push(n);
            }
        }
        Ok(found)
    }

    /// The fingerprints of `oid` as `rel`, scanning it if it was not yet; with the findings when
    /// it was scanned now.
    fn prints(
        &mut self,
        oid: &str,
        rel: &str,
        commit: &str,
    ) -> Result<(Vec<String>, Option<Vec<Finding>>), String> {
        let key = (oid.to_string(), rel.to_string());
        if let Some(p) = self.scanned.get(&key) {
            self.stats.blobs_skipped += 1;
            return Ok((p.clone(), None));
        }
        let found = self.scan(oid, rel, commit)?;
        let p: Vec<String> = found.iter().map(|f| f.fingerprint.clone()).collect();
        self.scanned.insert(key, p.clone());
        Ok((p, Some(found)))
    }

    /// The display path of a changed path, if it is scanned.
    fn rel(&mut self, path: &[u8]) -> Option<String> {
        let rel = diff::rel_of(&self.prefix, path)?;
        let raw = &path[self.prefix.len()..];
        if self.excludes.is_match(Path::new(&*diff::os(raw))) {
            return None;
        }
        Some(rel)
    }

    fn commit(&mut self, c: &Commit, changes: &[Change]) -> Result<(), String> {
        self.stats.commits += 1;
        self.dates.insert(c.sha.clone(), c.date.clone());
        for ch in changes {
            let old = (!is_null(&ch.src) && is_file_mode(&ch.src_mode)).then_some(&ch.src);
            let new = (!is_null(&ch.dst) && is_file_mode(&ch.dst_mode)).then_some(&ch.dst);
            if old.is_none() && new.is_none() {
                self.stats.paths_ignored += 1;
                continue;
            }
            let Some(rel) = self.rel(&ch.path) else {
                self.stats.paths_ignored += 1;
                continue;
            };
            let mut before: HashSet<String> = HashSet::new();
            if let Some(o) = old {
                let (prints, found) = self.prints(o, &rel, &c.sha)?;
                // Already there before the range (`--since`): first seen at the boundary.
                if let Some(found) = found {
                    let parent = c.first_parent.clone().unwrap_or_else(|| c.sha.clone());
                    for f in found {
                        if !self.records.contains_key(&f.fingerprint) {
                            self.records.insert(
                                f.fingerprint.clone(),
                                Record {
                                    finding: f,
                                    blob: o.clone(),
                                    first: parent.clone(),
                                    last_set: parent.clone(),
                                    before_range: true,
                                    removed: None,
                                },
                            );
                        }
                    }
                }
                before.extend(prints);
            }
            let mut after: HashSet<String> = HashSet::new();
            if let Some(n) = new {
                let (prints, found) = self.prints(n, &rel, &c.sha)?;
                if let Some(found) = found {
                    for f in found {
                        match self.records.get_mut(&f.fingerprint) {
                            Some(r) => {
                                r.blob = n.clone();
                                r.finding = f;
                            }
                            None => {
                                self.records.insert(
                                    f.fingerprint.clone(),
                                    Record {
                                        finding: f,
                                        blob: n.clone(),
                                        first: c.sha.clone(),
                                        last_set: c.sha.clone(),
                                        before_range: false,
                                        removed: None,
                                    },
                                );
                            }
                        }
                    }
                }
                // Every finding of this version is present here (the findings of a version seen
                // before, as in a revert or a merge, are known; the location kept is the one of
                // the version last scanned, and HEAD's is looked up at the end).
                for p in &prints {
                    if let Some(r) = self.records.get_mut(p) {
                        r.last_set = c.sha.clone();
                        // Present again after a removal: that removal was not the last word.
                        r.removed = None;
                    }
                }
                after.extend(prints);
            }
            for p in before.difference(&after) {
                if let Some(r) = self.records.get_mut(p) {
                    let parent = c.first_parent.clone().unwrap_or_default();
                    r.removed = Some((c.sha.clone(), parent));
                }
            }
        }
        Ok(())
    }
}

/// Parses `git log --raw -z` output (see [`history_scan`] for the format) and hands each commit
/// with its changes to `each`.
fn parse_log<F>(r: &mut impl BufRead, mut each: F) -> Result<(), String>
where
    F: FnMut(&Commit, &[Change]) -> Result<(), String>,
{
    let mut cur: Option<Commit> = None;
    let mut changes: Vec<Change> = Vec::new();
    while let Some(tok) = field(r)? {
        let tok = match tok.iter().position(|&b| b != b'\n') {
            Some(i) => &tok[i..],
            None => continue,
        };
        if let Some(head) = tok.strip_prefix(b"\x01") {
            if let Some(c) = cur.take() {
                each(&c, &changes)?;
                changes.clear();
            }
            // `SHA PARENT... DATE`
            let head = String::from_utf8_lossy(head);
            let parts: Vec<&str> = head.split(' ').collect();
            if parts.len() < 2 {
                return Err(format!("git log: unexpected commit line `{head}`"));
            }
            cur = Some(Commit {
                sha: parts[0].to_string(),
                first_parent: (parts.len() > 2).then(|| parts[1].to_string()),
                date: parts[parts.len() - 1].to_string(),
            });
        } else if let Some(meta) = tok.strip_prefix(b":") {
            // `srcmode dstmode src dst status`, then the path.
            let meta = String::from_utf8_lossy(meta).into_owned();
            let f: Vec<&str> = meta.split(' ').collect();
            let path = field(r)?.ok_or("git log: a change without a path")?;
            if f.len() < 5 || cur.is_none() {
                return Err(format!("git log: unexpected change `{meta}`"));
            }
            changes.push(Change {
                src_mode: f[0].to_string(),
                dst_mode: f[1].to_string(),
                src: f[2].to_string(),
                dst: f[3].to_string(),
                path,
            });
        } else {
            return Err(format!(
                "git log: unexpected output `{}`",
                escape::display(&String::from_utf8_lossy(tok))
            ));
        }
    }
    if let Some(c) = cur.take() {
        each(&c, &changes)?;
    }
    Ok(())
}

/// A commit id, checked to name a commit.
fn commit_id(g: &Git, rev: &str) -> Result<String, String> {
    let spec = format!("{rev}^{{commit}}");
    let out = g
        .run_line(&["rev-parse", "--verify", "-q", "--end-of-options", &spec])
        .map_err(|_| format!("`{}` does not name a commit", escape::display(rev)))?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Author dates of commits outside the walk (the boundary of `--since`).
fn dates_of(g: &Git, shas: &[String]) -> Result<HashMap<String, String>, String> {
    if shas.is_empty() {
        return Ok(HashMap::new());
    }
    let mut args: Vec<&str> = vec![
        "log",
        "--no-walk=unsorted",
        "--no-show-signature",
        "--format=%H %aI",
        "--end-of-options",
    ];
    args.extend(shas.iter().map(String::as_str));
    args.push("--");
    let out = g.run(&args)?;
    Ok(String::from_utf8_lossy(&out)
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(h, d)| (h.to_string(), d.to_string()))
        .collect())
}

/// Path → blob of the regular files of the tree of `commit` (HEAD as resolved at the start, so a
/// HEAD that moves during the run does not mix two states).
fn head_files(g: &Git, commit: &str) -> Result<HashMap<Vec<u8>, String>, String> {
    let out = g.run(&["ls-tree", "-r", "-z", "--full-tree", commit])?;
    let mut m = HashMap::new();
    for e in out.split(|&b| b == 0).filter(|e| !e.is_empty()) {
        // `mode type oid\tpath`
        let Some(tab) = e.iter().position(|&b| b == b'\t') else {
            continue;
        };
        let meta = String::from_utf8_lossy(&e[..tab]);
        let f: Vec<&str> = meta.split(' ').collect();
        if f.len() == 3 && f[1] == "blob" && is_file_mode(f[0]) {
            m.insert(e[tab + 1..].to_vec(), f[2].to_string());
        }
    }
    Ok(m)
}

/// Scans every commit that HEAD reaches (or the commits of `SINCE..HEAD`) and reports each finding
/// ever committed once, with its [`History`]. Findings of files under the scanned folder only;
/// the policy file's excludes apply.
pub fn history_scan(
    cfg: &ScanConfig,
    det: &TextDetector,
    since: Option<&str>,
) -> Result<Report, String> {
    let root = match cfg.roots.as_slice() {
        [r] => r,
        _ => return Err("--history scans one folder of one repository".into()),
    };
    let Repo { git, prefix, .. } = diff::locate(root)?;
    let head = commit_id(&git, "HEAD").map_err(|_| "HEAD names no commit yet".to_string())?;
    let shallow = git
        .run_line(&["rev-parse", "--is-shallow-repository"])
        .is_ok_and(|o| o == b"true");
    let range = match since {
        Some(s) => format!("{}..{head}", commit_id(&git, s)?),
        None => head.clone(),
    };
    let mut notes = Vec::new();
    let excludes = diff::excludes(cfg, &mut notes)?;
    let cache = DigestCache::disabled();
    let ctx = FileCtx::of(cfg, det, &cache);
    let mut w = Walker {
        cfg,
        det,
        ctx,
        blobs: Blobs::start(&git)?,
        prefix: prefix.clone(),
        excludes,
        scanned: HashMap::new(),
        records: HashMap::new(),
        dates: HashMap::new(),
        stats: HistoryStats::default(),
        walk: WalkStats::default(),
        notes,
        notes_per_path: HashMap::new(),
        allow_notes: {
            let mut probe = Vec::new();
            crate::suppress::apply(&mut [], &cfg.config, None, &mut probe);
            probe.into_iter().map(|n| n.message).collect()
        },
    };
    // One line per commit, `\x01SHA PARENTS DATE`, then `:srcmode dstmode src dst status` and
    // the path per change against the first parent (the root commit's against the empty tree).
    let mut child = git
        .command(&[
            "log",
            "--reverse",
            "--topo-order",
            "--root",
            "--raw",
            "-z",
            "--no-abbrev",
            "--no-renames",
            "--diff-merges=first-parent",
            "--no-show-signature",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--ignore-submodules=all",
            "--format=%x01%H %P %aI",
            "--end-of-options",
            &range,
            "--",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let stdout = child.stdout.take().ok_or("git log: no output")?;
    let mut stderr = child.stderr.take();
    // Stderr is drained on its own thread so that git never blocks on it.
    let err_thread = std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(e) = stderr.as_mut() {
            let _ = e.take(64 << 10).read_to_end(&mut s);
        }
        s
    });
    let mut reader = BufReader::new(stdout);
    let parsed = parse_log(&mut reader, |c, ch| w.commit(c, ch));
    drop(reader);
    let status = child.wait().map_err(|e| format!("git log: {e}"))?;
    let err = err_thread.join().unwrap_or_default();
    parsed?;
    if !status.success() {
        return Err(format!(
            "git log: {} ({status})",
            escape::display(String::from_utf8_lossy(&err).trim())
        ));
    }

    // What HEAD has: a finding is there when HEAD's version of its path has its fingerprint.
    // (Looking up a version already scanned is not a skipped change.)
    let skipped = w.stats.blobs_skipped;
    let head_tree = head_files(&git, &head)?;
    let mut fps: Vec<String> = w.records.keys().cloned().collect();
    fps.sort();
    let mut head_prints: HashMap<String, HashSet<String>> = HashMap::new();
    let mut present: HashSet<String> = HashSet::new();
    let mut raw_of: HashMap<String, Vec<u8>> = HashMap::new();
    for (path, _) in head_tree.iter() {
        if let Some(rel) = diff::rel_of(&prefix, path) {
            raw_of.insert(rel, path.clone());
        }
    }
    for fp in &fps {
        let rel = w.records[fp].finding.path.clone();
        let Some(oid) = raw_of.get(&rel).and_then(|p| head_tree.get(p)).cloned() else {
            continue;
        };
        if !head_prints.contains_key(&rel) {
            let (p, _) = w.prints(&oid, &rel, &head)?;
            head_prints.insert(rel.clone(), p.into_iter().collect());
        }
        if head_prints[&rel].contains(fp) {
            present.insert(fp.clone());
            // Its location at HEAD (where a later version on a merged branch was last seen).
            if w.records[fp].blob != oid {
                let found = w.scan(&oid, &rel, &head)?;
                if let Some(f) = found.into_iter().find(|f| &f.fingerprint == fp)
                    && let Some(r) = w.records.get_mut(fp)
                {
                    r.finding = f;
                    r.blob = oid.clone();
                }
            }
        }
    }
    w.stats.blobs_skipped = skipped;
    drop(w.blobs);

    let boundary: Vec<String> = {
        let mut v: Vec<String> = w
            .records
            .values()
            .flat_map(|r| {
                let mut s = vec![r.first.clone()];
                if let Some((_, p)) = &r.removed {
                    s.push(p.clone());
                }
                s
            })
            .filter(|s| !s.is_empty() && !w.dates.contains_key(s))
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let mut dates = std::mem::take(&mut w.dates);
    dates.extend(dates_of(&git, &boundary)?);
    let date = |c: &str| dates.get(c).cloned().unwrap_or_default();
    let head_date = date(&head);

    let mut findings: Vec<Finding> = Vec::with_capacity(w.records.len());
    let (mut at_head, mut removed) = (0u64, 0u64);
    for (fp, r) in w.records {
        let is_present = present.contains(&fp);
        let (last_commit, removed_in) = if is_present {
            at_head += 1;
            (head.clone(), None)
        } else {
            removed += 1;
            match r.removed {
                Some((by, parent)) => (parent, Some(by)),
                // Never removed by a first-parent change, yet not at HEAD (a merge that left it
                // out): the last commit that set a version with it is the best known.
                None => (r.last_set.clone(), None),
            }
        };
        let mut f = r.finding;
        f.history = Some(Box::new(History {
            first_date: date(&r.first),
            first_commit: r.first,
            last_date: if is_present {
                head_date.clone()
            } else {
                date(&last_commit)
            },
            last_commit,
            removed_date: removed_in.as_deref().map(&date),
            removed_in,
            present_at_head: is_present,
            before_range: r.before_range,
        }));
        findings.push(f);
    }
    // Allow entries and the baseline over the whole history: an entry is unused when no
    // finding of any version matches it.
    for f in &mut findings {
        if f.suppression
            .as_ref()
            .is_some_and(|s| s.kind != crate::policy::SuppressionKind::Inline)
        {
            f.suppression = None;
        }
    }
    let mut allow_notes = Vec::new();
    crate::suppress::apply(
        &mut findings,
        &cfg.config,
        cfg.baseline.as_ref(),
        &mut allow_notes,
    );
    findings.sort_by(|a, b| {
        (
            &a.path,
            a.line,
            a.column,
            a.code,
            &a.identifier,
            &a.fingerprint,
        )
            .cmp(&(
                &b.path,
                b.line,
                b.column,
                b.code,
                &b.identifier,
                &b.fingerprint,
            ))
    });

    let s = w.stats;
    let mut notifications = w.notes;
    notifications.extend(allow_notes);
    if shallow {
        notifications.push(Notification {
            level: NotificationLevel::Warning,
            path: None,
            line: None,
            message: "the repository is a shallow clone: commits before its shallow boundary \
                      are not walked, and what the boundary commit holds is reported as first \
                      committed there (fetch the whole history, e.g. `git fetch --unshallow` or \
                      `fetch-depth: 0`, for a complete answer)"
                .into(),
        });
    }
    let over: BTreeMap<String, usize> = w
        .notes_per_path
        .into_iter()
        .filter(|(_, n)| *n > MAX_NOTES_PER_PATH)
        .collect();
    for (p, n) in over {
        notifications.push(Notification {
            level: NotificationLevel::Note,
            path: (!p.is_empty()).then_some(p),
            line: None,
            message: format!(
                "{} more notifications about other versions of this file (not listed)",
                n - MAX_NOTES_PER_PATH
            ),
        });
    }
    notifications.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    notifications.dedup();
    let range_text = match since {
        Some(s) => format!("the commits of {}..HEAD", escape::display(s)),
        None => "every commit HEAD reaches".to_string(),
    };
    notifications.insert(
        0,
        Notification {
            level: NotificationLevel::Note,
            path: None,
            line: None,
            message: format!(
                "history mode: {range_text}: {} commits walked, {} blobs scanned, {} skipped as \
                 already scanned, {} missing from the object database, {} changed paths ignored \
                 (outside the scanned folder, excluded, not regular files); {} findings ever \
                 committed: {at_head} present at HEAD, {removed} removed",
                s.commits,
                s.blobs_scanned,
                s.blobs_skipped,
                s.blobs_missing,
                s.paths_ignored,
                at_head + removed
            ),
        },
    );
    let raw_paths = escape::raw_paths(|p| {
        findings.iter().any(|f| f.path == p)
            || notifications.iter().any(|n| n.path.as_deref() == Some(p))
    });
    Ok(Report {
        tool_version: env!("CARGO_PKG_VERSION"),
        rules: RulesInfo::of(det.db()),
        roots: cfg.roots.iter().map(|r| r.display().to_string()).collect(),
        findings,
        notifications,
        stats: w.walk,
        raw_paths,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_output_is_parsed_into_commits_and_changes() {
        let z = "0".repeat(40);
        let a = "a".repeat(40);
        let b = "b".repeat(40);
        let log = format!(
            "\x01{a} 2026-01-01T00:00:00Z\0\n:000000 100644 {z} {b} A\0dir/x.py\0\
             \x01{b} {a} 2026-01-02T00:00:00+01:00\0\
             \x01{z} {b} {a} 2026-01-03T00:00:00Z\0\n:100644 000000 {b} {z} D\0\n:odd\0"
        );
        let mut seen = Vec::new();
        parse_log(&mut log.as_bytes(), |c, ch| {
            seen.push((
                c.sha.clone(),
                c.first_parent.clone(),
                c.date.clone(),
                ch.iter()
                    .map(|c| String::from_utf8_lossy(&c.path).into_owned())
                    .collect::<Vec<_>>(),
            ));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen.len(), 3);
        assert_eq!(seen[0].1, None);
        assert_eq!(seen[0].3, ["dir/x.py"]);
        assert_eq!(seen[1].1.as_deref(), Some(a.as_str()));
        assert_eq!(seen[1].2, "2026-01-02T00:00:00+01:00");
        assert!(seen[1].3.is_empty());
        // A merge: the first parent is the one its changes are against.
        assert_eq!(seen[2].1.as_deref(), Some(b.as_str()));
        // A path is taken as it is, whatever it starts with.
        assert_eq!(seen[2].3, ["\n:odd"]);
    }
}
