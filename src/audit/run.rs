//! One audit run: the repositories of a shard, one after the other, each cloned when it is a
//! URL, scanned by the scan function the command hands in (its own policy file is read there),
//! and written to `DIR/repos/<safe-name>/`: the report in every per-repository format
//! ([`OUTPUTS`]), then `status.json` (ok, or the error that stopped it). A repository that cannot
//! be cloned or scanned gets an error status and stays in every report.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{REPOS_DIR, Repo, SHARD_FILE, STATUS_FILE, Shard};
use crate::report::{Format, Report, WriteOptions};

/// The reports written for each repository: (format, file name). The merge reads `modelgate.json`.
pub const OUTPUTS: &[(Format, &str)] = &[
    (Format::Json, "modelgate.json"),
    (Format::Cyclonedx, "modelgate.cdx.json"),
];
/// The JSON report of one repository (read back by the merge).
pub const REPORT_FILE: &str = "modelgate.json";
/// Protocols a clone may use (`GIT_ALLOW_PROTOCOL`): no `ext::` commands, no plain `git://` or
/// `http://`.
pub const CLONE_PROTOCOLS: &str = "https:ssh:file";

/// Scans one folder with the policy file found in it; the error is one line.
pub type ScanFn<'a> = dyn Fn(&Path) -> Result<Report, String> + 'a;
/// Writes a file atomically through the function it is given (the command's `write_atomic`).
pub type WriteFn = fn(&Path, &dyn Fn(&mut dyn Write) -> std::io::Result<()>) -> std::io::Result<()>;

/// The status file of one repository.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Status {
    pub format: String,
    pub version: u32,
    pub repository: String,
    pub owner: Option<String>,
    /// `ok` or `error`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Wall-clock seconds of the clone and scan (not carried into merged reports).
    pub seconds: f64,
}

pub const STATUS_FORMAT: &str = "modelgate-audit-repository";

impl Status {
    pub fn is_ok(&self) -> bool {
        self.status == "ok"
    }
}

/// The shard file of an output folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardFile {
    pub format: String,
    pub version: u32,
    pub shard: u32,
    pub of: u32,
    /// [`super::plan_digest`] of the whole plan.
    pub plan: String,
    /// The ids of this shard's repositories, sorted.
    pub repositories: Vec<String>,
}

pub const SHARD_FORMAT: &str = "modelgate-audit-shard";

pub struct RunOptions<'a> {
    pub output_dir: &'a Path,
    pub shard: Shard,
    /// Folder for clones (default: the system's temporary folder); each clone is removed after
    /// its scan.
    pub work_dir: Option<&'a Path>,
    pub clone_timeout: Duration,
}

/// Audits the repositories of `plan` that are in `o.shard`; returns their statuses. `progress`
/// gets one line per repository.
pub fn run(
    plan: &[Repo],
    o: &RunOptions<'_>,
    scan: &ScanFn<'_>,
    write: WriteFn,
    progress: &mut dyn Write,
) -> Result<Vec<Status>, String> {
    let repos_dir = o.output_dir.join(REPOS_DIR);
    std::fs::create_dir_all(&repos_dir)
        .map_err(|e| format!("cannot create {}: {e}", repos_dir.display()))?;
    let mine = o.shard.select(plan);
    clear_previous(&repos_dir, &mine)?;
    let shard = ShardFile {
        format: SHARD_FORMAT.into(),
        version: 1,
        shard: o.shard.index,
        of: o.shard.count,
        plan: super::plan_digest(plan),
        repositories: mine.iter().map(|r| r.id.clone()).collect(),
    };
    let shard_path = o.output_dir.join(SHARD_FILE);
    write(&shard_path, &|w| write_json(w, &shard))
        .map_err(|e| format!("cannot write {}: {e}", shard_path.display()))?;
    let mut statuses = Vec::with_capacity(mine.len());
    for (i, repo) in mine.iter().enumerate() {
        let start = Instant::now();
        let scanned = scan_repo(repo, o, scan);
        let dir = repos_dir.join(repo.safe_name());
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let mut error = None;
        match &scanned {
            Ok(report) => {
                for (format, name) in OUTPUTS {
                    let p = dir.join(name);
                    write(&p, &|w| format.write(report, w, &WriteOptions::default()))
                        .map_err(|e| format!("cannot write {}: {e}", p.display()))?;
                }
            }
            Err(e) => error = Some(e.clone()),
        }
        let status = Status {
            format: STATUS_FORMAT.into(),
            version: 1,
            repository: repo.id.clone(),
            owner: repo.owner.clone(),
            status: if error.is_none() { "ok" } else { "error" }.into(),
            error,
            seconds: (start.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
        };
        let p = dir.join(STATUS_FILE);
        write(&p, &|w| write_json(w, &status))
            .map_err(|e| format!("cannot write {}: {e}", p.display()))?;
        let what = match (&scanned, &status.error) {
            (Ok(r), _) => format!("{} findings", r.findings.len()),
            (Err(_), Some(e)) => format!("error: {}", crate::escape::display(e)),
            (Err(_), None) => String::new(),
        };
        let _ = writeln!(
            progress,
            "[{}/{}] {}: {what} ({:.2} s)",
            i + 1,
            mine.len(),
            crate::escape::display(&repo.id),
            status.seconds
        );
        statuses.push(status);
    }
    Ok(statuses)
}

pub fn write_json<T: Serialize>(w: &mut dyn Write, v: &T) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, v)?;
    w.write_all(b"\n")
}

/// Removes the outputs an earlier run left for this shard's repositories (a retried shard
/// replaces them). Anything in `repos/` that is not a modelgate output is left alone and refused.
fn clear_previous(repos_dir: &Path, mine: &[Repo]) -> Result<(), String> {
    let entries =
        std::fs::read_dir(repos_dir).map_err(|e| format!("{}: {e}", repos_dir.display()))?;
    for e in entries {
        let e = e.map_err(|e| format!("{}: {e}", repos_dir.display()))?;
        let p = e.path();
        let ours = p.is_dir() && !p.is_symlink() && p.join(STATUS_FILE).is_file();
        if !ours {
            return Err(format!(
                "{} is not a modelgate audit output; choose an empty --output-dir",
                p.display()
            ));
        }
        let name = e.file_name();
        if mine.iter().any(|r| OsString::from(r.safe_name()) == name) {
            std::fs::remove_dir_all(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        }
    }
    Ok(())
}

/// Clones (for a URL) and scans one repository; its report names it by its id.
fn scan_repo(repo: &Repo, o: &RunOptions<'_>, scan: &ScanFn<'_>) -> Result<Report, String> {
    // Messages name the repository by its id, not by where it happens to be on this machine.
    let scan_at =
        |dir: &Path| scan(dir).map_err(|e| e.replace(&dir.display().to_string(), &repo.id));
    let mut report = match &repo.location {
        super::Location::Path(p) => {
            if !p.is_dir() {
                return Err(format!("{}: no such folder", repo.id));
            }
            scan_at(p)?
        }
        super::Location::Url(url) => {
            let mut b = tempfile::Builder::new();
            b.prefix("modelgate-clone-");
            let tmp = match o.work_dir {
                Some(d) => b.tempdir_in(d),
                None => b.tempdir(),
            }
            .map_err(|e| format!("cannot create a folder for the clone: {e}"))?;
            let dest = tmp.path().join("repo");
            clone(url, &dest, o.clone_timeout)
                .map_err(|e| format!("clone failed: {}", redact(&e, url, &repo.id)))?;
            scan_at(&dest)?
        }
    };
    report.roots = vec![repo.id.clone()];
    Ok(report)
}

/// The message with the URL as given (it may carry credentials) replaced by the id.
fn redact(msg: &str, url: &str, id: &str) -> String {
    msg.replace(url, id)
}

/// `git clone --depth 1` of `url` into `dest`, through the neutralised git of
/// [`crate::diff::Git`] (no system or user configuration, no hooks, no prompts) with only the
/// [`CLONE_PROTOCOLS`] allowed, within `timeout`.
fn clone(url: &str, dest: &Path, timeout: Duration) -> Result<(), String> {
    let parent = dest.parent().unwrap_or(Path::new("."));
    let g = crate::diff::Git::new(parent)?;
    let args: Vec<OsString> = [
        "clone",
        "--depth",
        "1",
        "--no-tags",
        "--single-branch",
        "--no-recurse-submodules",
        "--quiet",
        "--",
    ]
    .iter()
    .map(OsString::from)
    .chain([OsString::from(url), dest.as_os_str().to_os_string()])
    .collect();
    let mut c = g.command(&args);
    // Over the `protocol.allow=never` of every other git call: the listed protocols only.
    c.env("GIT_ALLOW_PROTOCOL", CLONE_PROTOCOLS)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = c.spawn().map_err(|e| format!("cannot run git: {e}"))?;
    let mut stderr = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(e) = stderr.as_mut() {
            let _ = std::io::Read::read_to_end(&mut std::io::Read::take(e, 64 << 10), &mut s);
        }
        s
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("timed out after {} s", timeout.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("git: {e}")),
        }
    };
    let err = reader.join().unwrap_or_default();
    if !status.success() {
        let text = String::from_utf8_lossy(&err);
        return Err(format!(
            "{} ({status})",
            crate::escape::display(text.trim())
        ));
    }
    Ok(())
}

/// The folders of per-repository outputs under `dir/repos`, sorted by name.
pub fn repo_dirs(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let repos = dir.join(REPOS_DIR);
    let mut out = Vec::new();
    for e in std::fs::read_dir(&repos).map_err(|e| format!("{}: {e}", repos.display()))? {
        let p = e.map_err(|e| format!("{}: {e}", repos.display()))?.path();
        if p.is_dir() && !p.is_symlink() {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clone_never_runs_the_ext_transport_and_redacts_credentials() {
        let t = tempfile::tempdir().unwrap();
        let marker = t.path().join("ran");
        let url = format!("ext::sh -c touch% {}", marker.display());
        let e = clone(&url, &t.path().join("repo"), Duration::from_secs(30)).unwrap_err();
        assert!(!marker.exists(), "{e}");
        assert_eq!(
            redact(
                "fatal: https://u:tok@h/x failed",
                "https://u:tok@h/x",
                "https://h/x"
            ),
            "fatal: https://h/x failed"
        );
    }
}
