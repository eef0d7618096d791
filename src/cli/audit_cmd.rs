//! `modelgate audit` and `modelgate merge`: the repositories to audit (paths, a list file, a
//! GitHub organisation), a scan of each with the options of `scan` and the repository's own
//! policy file, and the merged reports (see [`crate::audit`]).

use std::cell::Cell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::dbsel::{load_db, staleness};
use super::scan_cmd::{FailOn, ScanOptions, exit_code, scan_config};
use super::{Failure, Outcome, write_atomic};
use crate::audit::{self, Repo, Shard, github, merge, run};
use crate::report::{Notification, NotificationLevel};
use crate::scan;
use crate::util::today_days;

/// Everything `modelgate audit` was asked for.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    /// Repository paths or clone URLs given on the command line.
    pub entries: Vec<String>,
    /// A file listing repositories, one a line.
    pub repos_file: Option<PathBuf>,
    pub github_org: Option<String>,
    pub github_api: String,
    pub output_dir: PathBuf,
    pub shard: Shard,
    pub fail_on: FailOn,
    pub work_dir: Option<PathBuf>,
    pub clone_timeout_secs: u64,
    pub network_timeout_secs: u64,
    pub max_rate_wait_secs: u64,
    /// The scan options every repository is scanned with (paths, format, output and policy
    /// file are set per repository).
    pub scan: ScanOptions,
}

/// The repositories the options name: command-line entries, the list file, the organisation.
fn repositories(o: &AuditOptions, err: &mut dyn Write) -> Result<Vec<Repo>, String> {
    let mut repos = Vec::new();
    for e in &o.entries {
        repos.push(Repo::from_entry(e, None)?);
    }
    if let Some(f) = &o.repos_file {
        repos.extend(audit::read_list(f)?);
    }
    if let Some(org) = &o.github_org {
        let token = std::env::var("GITHUB_TOKEN").ok().filter(|t| !t.is_empty());
        repos.extend(github::list_org(
            &github::GithubOptions {
                api: &o.github_api,
                org,
                token: token.as_deref(),
                timeout: Duration::from_secs(o.network_timeout_secs.max(1)),
                max_wait: Duration::from_secs(o.max_rate_wait_secs),
            },
            err,
        )?);
    }
    Ok(repos)
}

/// `modelgate audit`: scans the repositories of the shard into `output_dir`; an unsharded run
/// (`1/1`) also writes the merged reports. Exit 1 when a finding of any repository is at or
/// above `--fail-on`; a repository that fails is listed, not an exit code.
pub fn audit(o: &AuditOptions, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    let plan =
        audit::plan(repositories(o, err).map_err(Failure::Error)?).map_err(Failure::Error)?;
    let db = load_db(o.scan.rules.as_deref()).map_err(Failure::Error)?;
    let stale = staleness(&db, o.scan.max_rules_age, today_days());
    if let Some(n) = &stale {
        let _ = writeln!(err, "modelgate: warning: {}", n.message);
    }
    let detector = scan::detector(Arc::new(db)).map_err(Failure::Error)?;
    let failing = Cell::new(false);
    let scan_one = |dir: &Path| {
        let mut so = o.scan.clone();
        so.paths = vec![dir.to_path_buf()];
        so.config = None;
        let cfg = scan_config(&so, detector.db()).map_err(|f| match f {
            Failure::Error(e) => e,
            Failure::BrokenPipe => "broken pipe".into(),
        })?;
        let mut report = scan::run(&cfg, &detector);
        // Which policy governed the repository (its own file, or the default), relative to it:
        // where the repository was (a clone's temporary folder) is no part of its report.
        let file = cfg
            .config
            .file
            .as_ref()
            .map(|p| p.strip_prefix(dir).unwrap_or(p).display().to_string());
        for f in &mut report.findings {
            f.policy.clone_from(&file);
        }
        let policy = match &file {
            Some(p) => format!("policy file {p}"),
            None => "the default policy (no policy file)".to_string(),
        };
        report.notifications.insert(
            0,
            Notification {
                level: NotificationLevel::Note,
                path: None,
                message: format!("scanned with {policy}"),
            },
        );
        if let Some(n) = &stale {
            report.notifications.insert(0, n.clone());
        }
        if exit_code(&report, o.fail_on) == 1 {
            failing.set(true);
        }
        Ok(report)
    };
    std::fs::create_dir_all(&o.output_dir)
        .map_err(|e| Failure::Error(format!("cannot create {}: {e}", o.output_dir.display())))?;
    let statuses = run::run(
        &plan,
        &run::RunOptions {
            output_dir: &o.output_dir,
            shard: o.shard,
            work_dir: o.work_dir.as_deref(),
            clone_timeout: Duration::from_secs(o.clone_timeout_secs.max(1)),
        },
        &scan_one,
        write_atomic,
        err,
    )
    .map_err(Failure::Error)?;
    let errors = statuses.iter().filter(|s| !s.is_ok()).count();
    if o.shard == Shard::ALL {
        let (m, dirs) = merge::read(std::slice::from_ref(&o.output_dir)).map_err(Failure::Error)?;
        let written =
            merge::write(&m, &dirs, &o.output_dir, write_atomic).map_err(Failure::Error)?;
        summary_line(out, statuses.len(), errors, &written)?;
    } else {
        writeln!(
            out,
            "shard {}: {} of {} repositories audited ({errors} with errors) into {}; combine every shard's folder with `modelgate merge`",
            o.shard,
            statuses.len(),
            plan.len(),
            o.output_dir.display()
        )?;
    }
    if errors > 0 {
        let _ = writeln!(
            err,
            "modelgate: warning: {errors} repositories could not be audited (listed in the reports)"
        );
    }
    out.flush()?;
    Ok(u8::from(failing.get()))
}

fn summary_line(
    out: &mut dyn Write,
    repos: usize,
    errors: usize,
    written: &[PathBuf],
) -> std::io::Result<()> {
    let files: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    writeln!(
        out,
        "{repos} repositories audited ({errors} with errors); wrote {}",
        files.join(", ")
    )
}

/// `modelgate merge DIR... --output-dir OUT`: combines audit, shard or repository output folders.
/// Exit 1 when a merged finding is at or above `fail_on`.
pub fn merge_dirs(
    dirs: &[PathBuf],
    output_dir: &Path,
    fail_on: FailOn,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    if dirs.is_empty() {
        return Err(Failure::Error("give the output folders to merge".into()));
    }
    let (m, repo_dirs) = merge::read(dirs).map_err(Failure::Error)?;
    std::fs::create_dir_all(output_dir)
        .map_err(|e| Failure::Error(format!("cannot create {}: {e}", output_dir.display())))?;
    let written = merge::write(&m, &repo_dirs, output_dir, write_atomic).map_err(Failure::Error)?;
    let errors = m.summary.repositories_with_errors;
    summary_line(out, m.summary.repositories, errors, &written)?;
    if errors > 0 {
        let _ = writeln!(
            err,
            "modelgate: warning: {errors} repositories could not be audited (listed in the reports)"
        );
    }
    out.flush()?;
    let fails = fail_on.threshold().is_some_and(|l| m.fails(l.as_str()));
    Ok(u8::from(fails))
}
