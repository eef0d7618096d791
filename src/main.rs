//! The command line. Only this file touches stdout and stderr.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};

use modelgate::checks::{self, Level};
use modelgate::policy::Policy;
use modelgate::report::{self, Report};
use modelgate::rules::Database;
use modelgate::scan::{self, ScanConfig};
use modelgate::walk::WalkOptions;

#[derive(Parser)]
#[command(
    name = "modelgate",
    about = "Find AI model references in a repository and check them against a sourced rules database",
    disable_version_flag = true
)]
struct Cli {
    /// Print the version and the rules database's date
    #[arg(short = 'V', long = "version")]
    version: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Scan files and folders for model references
    Scan(ScanArgs),
    /// Print the documentation of a check (e.g. MG101)
    Explain {
        /// A check code or name
        code: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
    Sarif,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

#[derive(clap::Args)]
struct ScanArgs {
    /// Files or folders to scan
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write the report to FILE (atomically) instead of stdout
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Exit 1 when a finding is at or above this level
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,
    /// Use the rules database in DIR instead of the embedded one
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
    /// Worker threads (default: the number of CPUs)
    #[arg(long, short = 'j', value_name = "N")]
    threads: Option<usize>,
    /// Largest text file to scan, e.g. 8MiB, 512K, 1000000; larger text files are reported as skipped
    #[arg(long, value_name = "SIZE", default_value = "8MiB", value_parser = parse_size)]
    max_file_size: u64,
    /// Do not honour .gitignore, .git/info/exclude and .ignore files
    #[arg(long)]
    no_ignore: bool,
    /// Also scan hidden files and folders (.git/ is always skipped)
    #[arg(long)]
    hidden: bool,
}

fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size (try 8MiB, 512K or 1000000)"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(format!("`{s}`: unknown unit (use K, M or G)")),
    };
    n.checked_mul(mult)
        .filter(|&v| v > 0)
        .ok_or_else(|| format!("`{s}` is out of range"))
}

fn load_db(rules: Option<&Path>) -> Result<Database, String> {
    match rules {
        Some(dir) => Database::from_dir(dir).map_err(|e| format!("rules database: {e}")),
        None => Database::embedded().map_err(|e| format!("embedded rules database: {e}")),
    }
}

fn version_line() -> String {
    match Database::embedded() {
        Ok(db) => format!(
            "modelgate {} (rules {}, schema {}, sha256 {})",
            env!("CARGO_PKG_VERSION"),
            db.meta.as_of,
            db.meta.schema_version,
            &db.content_hash[..16]
        ),
        Err(e) => format!(
            "modelgate {} (embedded rules invalid: {e})",
            env!("CARGO_PKG_VERSION")
        ),
    }
}

/// Writes through `f` to stdout, or atomically to `path` (temporary file in the same folder, then
/// rename), so a failed run never leaves a truncated report.
fn emit(
    path: Option<&Path>,
    f: &dyn Fn(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    match path {
        None => {
            let stdout = std::io::stdout();
            let mut lock = std::io::BufWriter::new(stdout.lock());
            f(&mut lock)?;
            lock.flush()
        }
        Some(p) => {
            let dir = match p.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            };
            let mut tmp = tempfile::Builder::new()
                .prefix(".modelgate-")
                .suffix(".tmp")
                .tempfile_in(&dir)?;
            {
                let mut w = std::io::BufWriter::new(tmp.as_file_mut());
                f(&mut w)?;
                w.flush()?;
            }
            #[cfg(unix)]
            {
                // Keep the mode of a report being replaced; otherwise the usual 0644 rather than
                // the temporary file's 0600.
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(p).map_or(0o644, |m| m.permissions().mode() & 0o777);
                tmp.as_file()
                    .set_permissions(std::fs::Permissions::from_mode(mode))?;
            }
            tmp.as_file().sync_all()?;
            tmp.persist(p).map_err(|e| e.error)?;
            Ok(())
        }
    }
}

enum Failure {
    /// Exit 2 with this one-line cause.
    Error(String),
    /// Stdout was closed: exit quietly.
    BrokenPipe,
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Failure::BrokenPipe
        } else {
            Failure::Error(e.to_string())
        }
    }
}

fn cmd_scan(a: &ScanArgs) -> Result<u8, Failure> {
    let db = load_db(a.rules.as_deref()).map_err(Failure::Error)?;
    let detector = scan::detector(Arc::new(db)).map_err(Failure::Error)?;
    for p in &a.paths {
        if std::fs::symlink_metadata(p).is_err() {
            return Err(Failure::Error(format!(
                "{}: no such file or folder",
                p.display()
            )));
        }
    }
    let threads = a
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if threads == 0 {
        return Err(Failure::Error("--threads must be at least 1".into()));
    }
    let cfg = ScanConfig {
        roots: a.paths.clone(),
        walk: WalkOptions {
            threads,
            max_file_size: a.max_file_size,
            no_ignore: a.no_ignore,
            hidden: a.hidden,
        },
        policy: Policy::default(),
    };
    let report = scan::run(&cfg, &detector);
    let color = a.output.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let write = |w: &mut dyn Write| -> std::io::Result<()> {
        match a.format {
            Format::Text => report::text::write(&report, w, color),
            Format::Json => report::json::write(&report, w),
            Format::Sarif => report::sarif::write(&report, w),
        }
    };
    emit(a.output.as_deref(), &write).map_err(|e| match e.kind() {
        std::io::ErrorKind::BrokenPipe => Failure::BrokenPipe,
        _ => Failure::Error(match &a.output {
            Some(p) => format!("cannot write {}: {e}", p.display()),
            None => e.to_string(),
        }),
    })?;
    Ok(exit_for(&report, a.fail_on))
}

fn exit_for(report: &Report, fail_on: FailOn) -> u8 {
    let threshold = match fail_on {
        FailOn::Error => Level::Error,
        FailOn::Warning => Level::Warning,
        FailOn::Note => Level::Note,
        FailOn::Never => return 0,
    };
    u8::from(report.findings.iter().any(|f| f.level >= threshold))
}

fn cmd_explain(code: &str) -> Result<u8, Failure> {
    let Some(c) = checks::find(code) else {
        let known: Vec<_> = checks::CHECKS.iter().map(|c| c.code.as_str()).collect();
        return Err(Failure::Error(format!(
            "unknown check `{code}` (known: {})",
            known.join(", ")
        )));
    };
    let mut out = std::io::stdout().lock();
    out.write_all(c.doc.as_bytes())?;
    out.flush()?;
    Ok(0)
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    if cli.version {
        println!("{}", version_line());
        return ExitCode::SUCCESS;
    }
    let result = match &cli.command {
        Some(Command::Scan(a)) => cmd_scan(a),
        Some(Command::Explain { code }) => cmd_explain(code),
        None => Err(Failure::Error(
            "no command given; try `modelgate scan .` or `modelgate --help`".into(),
        )),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Failure::BrokenPipe) => ExitCode::SUCCESS,
        Err(Failure::Error(msg)) => {
            eprintln!("modelgate: error: {msg}");
            ExitCode::from(2)
        }
    }
}
