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
use crate::scan;
use crate::types::{Notification, NotificationLevel};
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
                line: None,
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

/// The command line of `modelgate audit`.
#[derive(clap::Args)]
pub struct AuditArgs {
    /// Repositories: folders, or clone URLs (https://, ssh://, file://, git@host:path)
    repos: Vec<String>,
    /// A file listing repositories, one a line (paths relative to the file's folder, or clone
    /// URLs; `#` starts a comment line)
    #[arg(long = "repos", value_name = "FILE")]
    repos_file: Option<PathBuf>,
    /// Audit every repository of this GitHub organisation (token: $GITHUB_TOKEN)
    #[arg(long, value_name = "ORG")]
    github_org: Option<String>,
    /// GitHub API base URL (GitHub Enterprise Server: https://HOST/api/v3)
    #[arg(
        long,
        value_name = "URL",
        default_value = "https://api.github.com",
        requires = "github_org"
    )]
    github_api: String,
    /// Longest wait for a GitHub rate limit to reset, in seconds; a longer one fails the run
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    max_rate_wait: u64,
    /// Where to write repos/<name>/{modelgate.json,status.json} and the merged reports
    #[arg(long, value_name = "DIR")]
    output_dir: PathBuf,
    /// Audit only shard I of N (1 <= I <= N), chosen by a hash of each repository's id; merge
    /// the N output folders with `modelgate merge`
    #[arg(long, value_name = "I/N", value_parser = audit::Shard::parse, default_value = "1/1")]
    shard: audit::Shard,
    /// Exit 1 when a finding of any repository is at or above this level
    #[arg(long, value_enum, default_value_t = FailOn::Never)]
    fail_on: FailOn,
    /// Folder for clones (each is removed after its scan; default: the temporary folder)
    #[arg(long, value_name = "DIR")]
    work_dir: Option<PathBuf>,
    /// Time allowed for one clone, in seconds
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    clone_timeout: u64,
    /// Network timeout of one GitHub API request, in seconds
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    timeout: u64,
    /// Use the rules database in DIR instead of the embedded one
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
    /// Worker threads per scan (default: the number of CPUs)
    #[arg(long, short = 'j', value_name = "N")]
    threads: Option<usize>,
    /// Largest text file to scan, e.g. 8MiB (default: no limit)
    #[arg(long, value_name = "SIZE", value_parser = super::parse_size)]
    max_file_size: Option<u64>,
    /// Do not honour .gitignore, .git/info/exclude and .ignore files
    #[arg(long)]
    no_ignore: bool,
    /// Also scan hidden files and folders (.git/ is always skipped)
    #[arg(long)]
    hidden: bool,
    /// Warn when the rules database is older than this many days
    #[arg(long, value_name = "DAYS", default_value_t = 180)]
    max_rules_age: u32,
    /// Do not hash weight files
    #[arg(long)]
    no_hash: bool,
    /// Largest weight file to hash, e.g. 20GiB (default: no limit)
    #[arg(long, value_name = "SIZE", value_parser = super::parse_size)]
    hash_max_size: Option<u64>,
    /// Neither read nor write the digest cache
    #[arg(long)]
    no_cache: bool,
}

impl AuditArgs {
    pub fn into_options(self) -> AuditOptions {
        AuditOptions {
            entries: self.repos,
            repos_file: self.repos_file,
            github_org: self.github_org,
            github_api: self.github_api,
            output_dir: self.output_dir,
            shard: self.shard,
            fail_on: self.fail_on,
            work_dir: self.work_dir,
            clone_timeout_secs: self.clone_timeout,
            network_timeout_secs: self.timeout,
            max_rate_wait_secs: self.max_rate_wait,
            scan: ScanOptions {
                paths: Vec::new(),
                format: crate::report::Format::Json,
                output: None,
                color: false,
                quiet: false,
                progress: false,
                outputs: Vec::new(),
                paths_from_cwd: false,
                fail_on: self.fail_on,
                rules: self.rules,
                threads: self.threads,
                max_file_size: self.max_file_size,
                text_chunk: crate::scan::TEXT_CHUNK,
                no_ignore: self.no_ignore,
                hidden: self.hidden,
                max_rules_age: self.max_rules_age,
                config: None,
                baseline: None,
                write_baseline: None,
                diff_base: None,
                staged: false,
                history: false,
                since: None,
                deps: false,
                python_env: None,
                no_hash: self.no_hash,
                hash_max_size: self.hash_max_size,
                cache_dir: None,
                no_cache: self.no_cache,
                online: None,
                online_timeout_secs: 10,
            },
        }
    }
}
