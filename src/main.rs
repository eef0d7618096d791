//! The command line. Only this file touches stdout and stderr.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};

use modelgate::checks::{self, Level};
use modelgate::config::Config;
use modelgate::report::{self, Report};
use modelgate::rules::{self as rules_db, Database, bundle};
use modelgate::scan::{self, ScanConfig};
use modelgate::suppress::Baseline;
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
    Scan(Box<ScanArgs>),
    /// Write a commented default policy file (modelgate.toml)
    Init {
        /// Where to write it
        #[arg(default_value = "modelgate.toml")]
        path: PathBuf,
        /// Overwrite an existing file
        #[arg(long)]
        force: bool,
    },
    /// Explain a check code, an organisation, a host or a model identifier, with citations
    Explain {
        /// A check code (MG101), an organisation (zhipu, BAAI), a host (api.deepseek.com) or an
        /// identifier (zai-org/GLM-4.5-Air, deepseek-chat)
        query: String,
        /// Use the rules database in DIR
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
    },
    /// Inspect, validate, export and update the rules database
    #[command(subcommand)]
    Rules(RulesCommand),
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Validate a database (the one in use by default); print every problem as file:line: message
    Check {
        /// A rules folder to check instead
        dir: Option<PathBuf>,
    },
    /// List the database's entries
    List {
        /// Only entries of this kind
        #[arg(long, value_enum)]
        kind: Option<EntryKind>,
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
        /// Use the rules database in DIR
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
    },
    /// Write the database in use as a bundle file (plus FILE.sha256)
    Export {
        #[arg(long, short = 'o', value_name = "FILE")]
        output: PathBuf,
        /// Export the rules folder DIR instead
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
    },
    /// Show what changes between two databases (rules folders or bundle files): added, changed,
    /// withdrawn and removed entries
    Diff { old: PathBuf, new: PathBuf },
    /// Download, verify, validate and install a rules bundle
    Update {
        /// Bundle URL (https://; plain http only to a loopback address). Default: $MODELGATE_RULES_URL
        #[arg(long, value_name = "URL")]
        from: Option<String>,
        /// Expected sha256 of the bundle; default: the digest published at URL.sha256
        #[arg(long, value_name = "HEX")]
        sha256: Option<String>,
        /// Install even when the bundle is older than the database in use
        #[arg(long)]
        force: bool,
        /// Network timeout in seconds
        #[arg(long, value_name = "SECS", default_value_t = 30)]
        timeout: u64,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum EntryKind {
    Org,
    Family,
    Host,
    Namespace,
    Route,
    Pattern,
    List,
    Listing,
    Source,
    Package,
}

#[derive(Clone, Copy, ValueEnum)]
enum ListFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
    Sarif,
    /// Summary tables and findings in Markdown
    Markdown,
    /// GitHub Actions workflow annotations
    Github,
    /// CycloneDX 1.7 AI/ML-BOM (JSON): models, services and packages
    Cyclonedx,
    /// One self-contained HTML page for readers
    Html,
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
    /// Warn when the rules database is older than this many days
    #[arg(long, value_name = "DAYS", default_value_t = 180)]
    max_rules_age: u32,
    /// Policy file (default: modelgate.toml or .modelgate.toml at the scanned root)
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Suppress the findings recorded in this baseline file
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record the fingerprints of the current findings in FILE (atomically)
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Report only what the changes since `git merge-base REF HEAD` introduce
    #[arg(long, value_name = "REF", conflicts_with = "staged")]
    diff_base: Option<String>,
    /// Scan the staged content of staged files (what a pre-commit hook checks)
    #[arg(long)]
    staged: bool,
    /// Also scan the installed sources of the dependencies (Cargo packages through `cargo
    /// metadata`, a Python environment, node_modules) and attribute what they contain to the
    /// manifest line that brings them in
    #[arg(long)]
    deps: bool,
    /// The Python environment whose installed packages --deps reads (default: a .venv or venv
    /// folder beside each Python manifest)
    #[arg(long, value_name = "DIR", requires = "deps")]
    python_env: Option<PathBuf>,
    /// Do not hash weight files (identify them by header and surroundings only)
    #[arg(long)]
    no_hash: bool,
    /// Largest weight file to hash, e.g. 20GiB (default: no limit)
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    hash_max_size: Option<u64>,
    /// Folder of the digest cache (default: $XDG_CACHE_HOME/modelgate or ~/.cache/modelgate)
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    cache_dir: Option<PathBuf>,
    /// Neither read nor write the digest cache
    #[arg(long)]
    no_cache: bool,
    /// Ask the hub's API about repositories the rules database does not know (network)
    #[arg(long)]
    online: bool,
    /// Hub endpoint for --online (an enterprise mirror, for example)
    #[arg(
        long,
        value_name = "URL",
        default_value = "https://huggingface.co",
        requires = "online"
    )]
    hub_endpoint: String,
    /// Network timeout in seconds for --online
    #[arg(long, value_name = "SECS", default_value_t = 10, requires = "online")]
    online_timeout: u64,
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

/// The database to use: `--rules DIR`, else an installed bundle, else the embedded one.
fn load_db(rules: Option<&Path>) -> Result<Database, String> {
    if let Some(dir) = rules {
        return Database::from_dir(dir).map_err(|e| format!("rules database: {e}"));
    }
    if let Some(dir) = bundle::data_dir() {
        match bundle::load_installed(&dir) {
            Ok(Some(db)) => return Ok(db),
            Ok(None) => {}
            Err(e) => {
                return Err(format!(
                    "installed rules bundle: {e} (remove it or run `modelgate rules update`)"
                ));
            }
        }
    }
    Database::embedded().map_err(|e| format!("embedded rules database: {e}"))
}

fn version_line() -> String {
    match load_db(None) {
        Ok(db) => format!(
            "modelgate {} (rules {}, schema {}, sha256 {}; {})",
            env!("CARGO_PKG_VERSION"),
            db.meta.as_of,
            db.meta.schema_version,
            &db.content_hash[..16],
            db.origin
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
    if let Some(d) = rules_db::days_from_date(&db.meta.as_of) {
        let age = rules_db::today_days() - d;
        if age > i64::from(a.max_rules_age) {
            eprintln!(
                "modelgate: warning: the rules database ({}) is dated {}, {age} days ago (more than {}); run `modelgate rules update`",
                db.origin, db.meta.as_of, a.max_rules_age
            );
        }
    }
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
    let config = match Config::locate(a.config.as_deref(), &a.paths[0]) {
        Some(p) => Config::load(&p, detector.db(), rules_db::today_days())
            .map_err(|e| Failure::Error(e.to_string()))?,
        None => Config::default(),
    };
    let baseline = match &a.baseline {
        Some(p) => Some(Baseline::load(p).map_err(Failure::Error)?),
        None => None,
    };
    let cfg = ScanConfig {
        roots: a.paths.clone(),
        walk: WalkOptions {
            threads,
            max_file_size: a.max_file_size,
            no_ignore: a.no_ignore,
            hidden: a.hidden,
            excludes: config.excludes.clone(),
        },
        config,
        baseline,
        deps: modelgate::deps::DepsOptions {
            scan_sources: a.deps,
            python_env: a.python_env.clone(),
            max_file_size: a.max_file_size,
        },
        weights: modelgate::detect::weights::WeightOptions {
            hash: !a.no_hash,
            hash_max_size: a.hash_max_size.unwrap_or(u64::MAX),
        },
        cache_dir: if a.no_cache {
            None
        } else {
            a.cache_dir.clone().or_else(modelgate::digest::default_dir)
        },
        online: if a.online {
            modelgate::rules::update::check_url(&a.hub_endpoint).map_err(Failure::Error)?;
            Some(modelgate::online::OnlineOptions {
                endpoint: a.hub_endpoint.clone(),
                timeout: std::time::Duration::from_secs(a.online_timeout.max(1)),
                cache_dir: if a.no_cache {
                    None
                } else {
                    a.cache_dir.clone().or_else(modelgate::digest::default_dir)
                },
            })
        } else {
            None
        },
    };
    let report = if let Some(base) = &a.diff_base {
        modelgate::diff::diff_scan(&cfg, &detector, base).map_err(Failure::Error)?
    } else if a.staged {
        modelgate::diff::staged_scan(&cfg, &detector).map_err(Failure::Error)?
    } else {
        scan::run(&cfg, &detector)
    };
    if let Some(p) = &a.write_baseline {
        let bytes = Baseline::render(&report.findings);
        emit(Some(p), &|w| w.write_all(&bytes))
            .map_err(|e| Failure::Error(format!("cannot write {}: {e}", p.display())))?;
    }
    let color = a.output.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let write = |w: &mut dyn Write| -> std::io::Result<()> {
        match a.format {
            Format::Text => report::text::write(&report, w, color),
            Format::Json => report::json::write(&report, w),
            Format::Sarif => report::sarif::write(&report, w),
            Format::Markdown => report::markdown::write(&report, w),
            Format::Github => report::github::write(&report, w),
            Format::Cyclonedx => report::cyclonedx::write(&report, w),
            Format::Html => report::html::write(&report, w),
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
    u8::from(
        report
            .findings
            .iter()
            .any(|f| f.level >= threshold && f.suppression.is_none()),
    )
}

fn cmd_explain(query: &str, rules: Option<&Path>) -> Result<u8, Failure> {
    if let Some(c) = checks::find(query.trim()) {
        let mut out = std::io::stdout().lock();
        out.write_all(c.doc.as_bytes())?;
        out.flush()?;
        return Ok(0);
    }
    let db = Arc::new(load_db(rules).map_err(Failure::Error)?);
    let det = scan::detector(db.clone()).map_err(Failure::Error)?;
    match modelgate::explain::explain(&db, &det, query) {
        Some(text) => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
            Ok(0)
        }
        None => {
            let known: Vec<_> = checks::CHECKS.iter().map(|c| c.code.as_str()).collect();
            Err(Failure::Error(format!(
                "nothing known as `{query}`: not a check ({}), organisation, host or identifier in the rules database",
                known.join(", ")
            )))
        }
    }
}

fn cmd_init(path: &Path, force: bool) -> Result<u8, Failure> {
    if path.exists() && !force {
        return Err(Failure::Error(format!(
            "{} exists; use --force to overwrite",
            path.display()
        )));
    }
    emit(Some(path), &|w| {
        w.write_all(modelgate::config::DEFAULT.as_bytes())
    })
    .map_err(|e| Failure::Error(format!("cannot write {}: {e}", path.display())))?;
    println!("wrote {}", path.display());
    Ok(0)
}

fn cmd_rules(c: &RulesCommand) -> Result<u8, Failure> {
    match c {
        RulesCommand::Check { dir } => {
            let db = match dir {
                Some(d) => {
                    if !d.is_dir() {
                        return Err(Failure::Error(format!("{}: not a folder", d.display())));
                    }
                    match Database::from_dir_unchecked(d) {
                        Ok(db) => db,
                        Err(e) => {
                            println!("{e}");
                            return Ok(1);
                        }
                    }
                }
                None => load_db(None).map_err(Failure::Error)?,
            };
            let problems = bundle::check(&db);
            let mut out = std::io::stdout().lock();
            for p in &problems {
                writeln!(out, "{p}")?;
            }
            if problems.is_empty() {
                writeln!(
                    out,
                    "{}: ok ({} organisations, {} families, {} namespaces, {} hosts, {} routes, {} patterns, {} packages, {} lists, {} listings, {} architectures, {} digests, {} sources; as of {})",
                    db.origin,
                    db.orgs.len(),
                    db.families.len(),
                    db.namespaces.len(),
                    db.hosts.len(),
                    db.routes.len(),
                    db.patterns.len(),
                    db.packages.len(),
                    db.lists.len(),
                    db.listings.len(),
                    db.archs.len(),
                    db.digests.len(),
                    db.sources.len(),
                    db.meta.as_of
                )?;
                Ok(0)
            } else {
                writeln!(out, "{} problem(s)", problems.len())?;
                Ok(1)
            }
        }
        RulesCommand::List {
            kind,
            format,
            rules,
        } => {
            let db = load_db(rules.as_deref()).map_err(Failure::Error)?;
            let rows = list_rows(&db, *kind);
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            match format {
                ListFormat::Json => {
                    serde_json::to_writer_pretty(&mut out, &rows).map_err(std::io::Error::from)?;
                    writeln!(out)?;
                }
                ListFormat::Text => {
                    for r in &rows {
                        writeln!(
                            out,
                            "{:<9} {:<36} {:<4} {}  [{}]",
                            r.kind,
                            r.id,
                            r.country.as_deref().unwrap_or("-"),
                            r.name,
                            r.sources.join(", ")
                        )?;
                    }
                }
            }
            out.flush()?;
            Ok(0)
        }
        RulesCommand::Diff { old, new } => {
            let load = |p: &PathBuf| modelgate::rules::diff::load(p).map_err(Failure::Error);
            print!(
                "{}",
                modelgate::rules::diff::report(&load(old)?, &load(new)?)
            );
            Ok(0)
        }
        RulesCommand::Export { output, rules } => {
            let db = load_db(rules.as_deref()).map_err(Failure::Error)?;
            let bytes = bundle::export(&db);
            let digest = bundle::sha256_hex(&bytes);
            emit(Some(output), &|w| w.write_all(&bytes))
                .map_err(|e| Failure::Error(format!("cannot write {}: {e}", output.display())))?;
            let name = output
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let side = PathBuf::from(format!("{}.sha256", output.display()));
            emit(Some(&side), &|w| writeln!(w, "{digest}  {name}"))
                .map_err(|e| Failure::Error(format!("cannot write {}: {e}", side.display())))?;
            println!(
                "wrote {} (rules {}, sha256 {digest})",
                output.display(),
                db.meta.as_of
            );
            Ok(0)
        }
        RulesCommand::Update {
            from,
            sha256,
            force,
            timeout,
        } => {
            let url = from
                .clone()
                .or_else(|| {
                    std::env::var("MODELGATE_RULES_URL")
                        .ok()
                        .filter(|s| !s.is_empty())
                })
                .ok_or_else(|| {
                    Failure::Error(
                        "no bundle URL: pass --from URL or set MODELGATE_RULES_URL".into(),
                    )
                })?;
            let dir = bundle::data_dir().ok_or_else(|| {
                Failure::Error("no data directory: set MODELGATE_DATA_DIR or HOME".into())
            })?;
            let current = load_db(None).map_err(Failure::Error)?;
            let done = rules_db::update::update(&rules_db::update::UpdateOptions {
                url: &url,
                sha256: sha256.as_deref(),
                force: *force,
                timeout: std::time::Duration::from_secs((*timeout).max(1)),
                data_dir: &dir,
                current_as_of: &current.meta.as_of,
            })
            .map_err(Failure::Error)?;
            println!(
                "installed rules {} (sha256 {}) into {}; previous: {} ({})",
                done.as_of,
                done.sha256,
                done.path.display(),
                current.meta.as_of,
                current.origin
            );
            Ok(0)
        }
    }
}

#[derive(serde::Serialize)]
struct Row {
    kind: &'static str,
    id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    country: Option<String>,
    sources: Vec<String>,
    as_of: String,
}

fn list_rows(db: &Database, kind: Option<EntryKind>) -> Vec<Row> {
    let want = |k: EntryKind| kind.is_none_or(|x| x == k);
    let mut rows = Vec::new();
    let row =
        |kind, id: &str, name: &str, country: Option<&str>, sources: &[String], as_of: &str| Row {
            kind,
            id: id.to_string(),
            name: name.to_string(),
            country: country.map(str::to_string),
            sources: sources.to_vec(),
            as_of: as_of.to_string(),
        };
    if want(EntryKind::Org) {
        rows.extend(db.orgs.iter().map(|o| {
            row(
                "org",
                &o.id,
                &o.name,
                Some(&o.country),
                &o.sources,
                &o.as_of,
            )
        }));
    }
    if want(EntryKind::Family) {
        rows.extend(
            db.families
                .iter()
                .map(|f| row("family", &f.id, &f.name, None, &f.sources, &f.as_of)),
        );
    }
    if want(EntryKind::Namespace) {
        rows.extend(db.namespaces.iter().map(|n| {
            row(
                "namespace",
                &format!("{}@{}", n.name, n.host),
                &n.org,
                None,
                &n.sources,
                &n.as_of,
            )
        }));
    }
    if want(EntryKind::Host) {
        rows.extend(db.hosts.iter().map(|h| {
            let name = format!("{} [{}; {}]", h.name, h.kind.as_str(), h.domains.join(", "));
            row(
                "host",
                &h.id,
                &name,
                Some(&h.jurisdiction),
                &h.sources,
                &h.as_of,
            )
        }));
    }
    if want(EntryKind::Route) {
        rows.extend(db.routes.iter().map(|r| {
            row(
                "route",
                &format!("{}/", r.prefix),
                &format!("{} → {}", r.tool, r.host),
                None,
                &r.sources,
                &r.as_of,
            )
        }));
    }
    if want(EntryKind::Pattern) {
        rows.extend(db.patterns.iter().map(|p| {
            let name = format!("{} ({})", p.kind.as_str(), p.org);
            row("pattern", &p.id, &name, None, &p.sources, &p.as_of)
        }));
    }
    if want(EntryKind::Package) {
        rows.extend(db.packages.iter().map(|p| {
            let what = if p.default_models.is_empty() {
                p.org.clone()
            } else {
                format!("default model {}", p.default_models.join(", "))
            };
            let name = format!("{} {} ({what})", p.ecosystem, p.name);
            row("package", &p.key(), &name, None, &p.sources, &p.as_of)
        }));
    }
    if want(EntryKind::List) {
        rows.extend(
            db.lists
                .iter()
                .map(|l| row("list", &l.id, &l.name, None, &l.sources, &l.as_of)),
        );
    }
    if want(EntryKind::Listing) {
        rows.extend(db.listings.iter().map(|l| {
            let name = format!(
                "{} on {} since {} ({})",
                l.org, l.list, l.effective, l.citation
            );
            row("listing", &l.id, &name, None, &l.sources, &l.as_of)
        }));
    }
    if want(EntryKind::Source) {
        rows.extend(
            db.sources
                .values()
                .map(|s| row("source", &s.id, &s.citation, None, &[], "")),
        );
    }
    rows
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
        Some(Command::Explain { query, rules }) => cmd_explain(query, rules.as_deref()),
        Some(Command::Rules(c)) => cmd_rules(c),
        Some(Command::Init { path, force }) => cmd_init(path, *force),
        None => Err(Failure::Error(
            "no command given; try `modelgate scan .` or `modelgate --help`".into(),
        )),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Failure::BrokenPipe) => ExitCode::SUCCESS,
        Err(Failure::Error(msg)) => {
            // Messages can quote repository content (a policy file's text): never raw to a terminal.
            eprintln!("modelgate: error: {}", modelgate::escape::display(&msg));
            ExitCode::from(2)
        }
    }
}
