//! `modelgate scan`: the options of a scan, their assembly into a [`ScanConfig`], the run (full,
//! `--staged`, `--diff-base` or `--history`), the report in the chosen format and the exit code.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use super::dbsel::{load_db, staleness};
use super::{Failure, Outcome, cannot_write, emit, write_atomic};
use crate::checks::Level;
use crate::config::Config;
use crate::report::{Format, Report, WriteOptions};
use crate::rules::Database;
use crate::scan::{self, ScanConfig};
use crate::suppress::Baseline;
use crate::util::today_days;
use crate::walk::WalkOptions;

/// The level at or above which an unsuppressed finding fails the run (exit 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

impl FailOn {
    /// The lowest failing level; `None` for `never`.
    pub fn threshold(self) -> Option<Level> {
        match self {
            FailOn::Error => Some(Level::Error),
            FailOn::Warning => Some(Level::Warning),
            FailOn::Note => Some(Level::Note),
            FailOn::Never => None,
        }
    }
}

/// Everything `modelgate scan` was asked for (the command line's options, already parsed).
#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub paths: Vec<PathBuf>,
    pub format: Format,
    /// Write the report to this file (atomically) instead of the output writer.
    pub output: Option<PathBuf>,
    /// Colour the text report (the caller knows whether it goes to a terminal).
    pub color: bool,
    /// Only findings and problems: no notes, no summary line, no stale-database line on stderr.
    pub quiet: bool,
    /// Draw a progress line on stderr for a scan that takes more than a second.
    pub progress: bool,
    /// More reports from the same scan: each format to its file (`None`: stdout). When any is
    /// given, the `format` report is written only to `output`.
    pub outputs: Vec<(Format, Option<PathBuf>)>,
    /// Paths relative to the current folder, as the roots were given.
    pub paths_from_cwd: bool,
    pub fail_on: FailOn,
    pub rules: Option<PathBuf>,
    /// Worker threads; default: the number of CPUs.
    pub threads: Option<usize>,
    /// `--max-file-size`: none by default (text of any size is scanned).
    pub max_file_size: Option<u64>,
    /// Window of text files read in windows (hidden `--text-chunk`).
    pub text_chunk: usize,
    pub no_ignore: bool,
    pub hidden: bool,
    /// A database older than this many days is reported as stale.
    pub max_rules_age: u32,
    pub config: Option<PathBuf>,
    pub baseline: Option<PathBuf>,
    pub write_baseline: Option<PathBuf>,
    pub diff_base: Option<String>,
    pub staged: bool,
    /// `--history`: every finding ever committed on the history HEAD reaches.
    pub history: bool,
    /// `--since REF` (with `--history`): only the commits of `REF..HEAD`.
    pub since: Option<String>,
    pub deps: bool,
    pub python_env: Option<PathBuf>,
    pub no_hash: bool,
    pub hash_max_size: Option<u64>,
    pub cache_dir: Option<PathBuf>,
    pub no_cache: bool,
    /// Ask the hub about unknown repositories at this endpoint.
    pub online: Option<String>,
    pub online_timeout_secs: u64,
}

/// The [`ScanConfig`] of `o`: checks the paths and the thread count, reads the policy file (its
/// allow entries checked against `db`) and the baseline, and resolves the cache folder and the
/// online endpoint.
pub fn scan_config(o: &ScanOptions, db: &Database) -> Result<ScanConfig, Failure> {
    for p in &o.paths {
        if std::fs::symlink_metadata(p).is_err() {
            return Err(Failure::Error(format!(
                "{}: no such file or folder",
                p.display()
            )));
        }
    }
    let threads = o
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if threads == 0 {
        return Err(Failure::Error("--threads must be at least 1".into()));
    }
    let config = match Config::locate(o.config.as_deref(), &o.paths[0]) {
        Some(p) => Config::load(&p, db, today_days()).map_err(|e| Failure::Error(e.to_string()))?,
        None => Config::default(),
    };
    let baseline = match &o.baseline {
        Some(p) => Some(Baseline::load(p).map_err(Failure::Error)?),
        None => None,
    };
    let cache_dir = if o.no_cache {
        None
    } else {
        o.cache_dir.clone().or_else(crate::digest::default_dir)
    };
    let online = match &o.online {
        Some(endpoint) => {
            crate::rules::update::check_url(endpoint).map_err(Failure::Error)?;
            Some(crate::online::OnlineOptions {
                endpoint: endpoint.clone(),
                timeout: std::time::Duration::from_secs(o.online_timeout_secs.max(1)),
                cache_dir: cache_dir.clone(),
            })
        }
        None => None,
    };
    Ok(ScanConfig {
        roots: o.paths.clone(),
        walk: WalkOptions {
            threads,
            max_file_size: o.max_file_size.unwrap_or(u64::MAX),
            text_chunk: o.text_chunk,
            blob_max: o.max_file_size.unwrap_or(crate::scan::TEXT_CHUNK as u64),
            no_ignore: o.no_ignore,
            hidden: o.hidden,
            excludes: config.excludes.clone(),
            prefix_root: o.paths_from_cwd,
        },
        config,
        baseline,
        deps: crate::deps::DepsOptions {
            scan_sources: o.deps,
            python_env: o.python_env.clone(),
            max_file_size: o.max_file_size.unwrap_or(0),
        },
        weights: crate::detect::weights::WeightOptions {
            hash: !o.no_hash,
            hash_max_size: o.hash_max_size.unwrap_or(u64::MAX),
        },
        cache_dir,
        online,
        progress: o
            .progress
            .then(|| std::sync::Arc::new(crate::progress::Progress::default())),
    })
}

/// 1 when an unsuppressed finding is at or above the `fail_on` level, else 0.
pub fn exit_code(report: &Report, fail_on: FailOn) -> u8 {
    let Some(threshold) = fail_on.threshold() else {
        return 0;
    };
    u8::from(
        report
            .findings
            .iter()
            .any(|f| f.level >= threshold && f.suppression.is_none()),
    )
}

/// Runs the scan `o` asks for and writes its report to `out` (or to `o.output`). A stale
/// database is a warning notification in the report and a line on `err`.
pub fn run(o: &ScanOptions, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    // `--staged`'s git processes run while the rules are loaded (a pre-commit check).
    let mut staged = o
        .paths
        .first()
        .filter(|_| o.staged)
        .map(|root| crate::diff::start_staged(root));
    let db = load_db(o.rules.as_deref()).map_err(Failure::Error)?;
    let stale = staleness(&db, o.max_rules_age, today_days());
    // Also on stderr, so that a report written to a file or read by a program still gets seen;
    // not when the text report itself goes to the terminal (it lists the notification).
    let shown_in_report = o.format == crate::report::Format::Text
        && o.output.is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stdout());
    if let Some(n) = &stale
        && !shown_in_report
        && !o.quiet
    {
        let _ = writeln!(err, "modelgate: warning: {}", n.message);
    }
    // Not freed: the process ends after the report, and freeing the database and the compiled
    // automata one allocation at a time costs more than a small scan (a pre-commit check).
    let detector =
        std::mem::ManuallyDrop::new(scan::detector(Arc::new(db)).map_err(Failure::Error)?);
    let cfg = scan_config(o, detector.db())?;
    // Drawn from one second in until the scan ends (dropped before the report is written).
    let display = cfg.progress.clone().map(crate::progress::Display::start);
    let mut report = if let Some(base) = &o.diff_base {
        crate::diff::diff_scan(&cfg, &detector, base).map_err(Failure::Error)?
    } else if o.history {
        crate::history::history_scan(&cfg, &detector, o.since.as_deref()).map_err(Failure::Error)?
    } else if let Some(started) = staged.take() {
        crate::diff::staged_scan(&cfg, &detector, started).map_err(Failure::Error)?
    } else if o.paths.len() > 1 && o.config.is_none() {
        // Several roots: each under its own policy file, walked on its own.
        let mut reports = Vec::new();
        for p in &o.paths {
            let one = ScanOptions {
                paths: vec![p.clone()],
                ..o.clone()
            };
            let mut root_cfg = scan_config(&one, detector.db())?;
            root_cfg.walk.prefix_root = true;
            root_cfg.progress = cfg.progress.clone();
            let mut r = scan::run(&root_cfg, &detector);
            r.notifications.push(scan::policy_note(&root_cfg));
            reports.push(r);
        }
        let first = reports.remove(0);
        Report::merge(first, reports)
    } else if o.paths.len() > 1 {
        // One policy file for every root (`--config`): said once.
        let mut r = scan::run(&cfg, &detector);
        r.notifications.push(scan::policy_note(&cfg));
        r
    } else {
        scan::run(&cfg, &detector)
    };
    drop(display);
    if let Some(n) = stale {
        report.notifications.insert(0, n);
    }
    if let Some(p) = &o.write_baseline {
        let bytes = Baseline::render(&report.findings);
        write_atomic(p, &|w| w.write_all(&bytes)).map_err(cannot_write(p))?;
    }
    let opts = WriteOptions {
        color: o.color,
        quiet: o.quiet,
        threads: cfg.walk.threads,
    };
    let plain = opts;
    let mut jobs: Vec<(Format, Option<&std::path::Path>, WriteOptions)> = Vec::new();
    if o.outputs.is_empty() || o.output.is_some() {
        jobs.push((o.format, o.output.as_deref(), opts));
    }
    for (f, dest) in &o.outputs {
        // Colour only for the text report on a terminal, never into a file.
        let wo = WriteOptions {
            color: plain.color && dest.is_none(),
            ..plain
        };
        jobs.push((*f, dest.as_deref(), wo));
    }
    for (format, dest, wo) in jobs {
        emit(dest, out, &|w| format.write(&report, w, &wo)).map_err(|e| {
            match (e.kind(), dest) {
                (std::io::ErrorKind::BrokenPipe, _) => Failure::BrokenPipe,
                (_, Some(p)) => cannot_write(p)(e),
                (_, None) => Failure::Error(e.to_string()),
            }
        })?;
    }
    let code = exit_code(&report, o.fail_on);
    // Not freed either: the process ends here, and freeing every finding one allocation at a
    // time is a measurable part of a large scan.
    std::mem::forget(report);
    Ok(code)
}
