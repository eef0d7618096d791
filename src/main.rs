//! The command line: its definition, and thin command bodies that call [`modelgate::cli`] with
//! stdout and stderr. Only this file touches them.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use modelgate::cli::audit_cmd::{self, AuditArgs};
use modelgate::cli::rules_cmd::{self, EntryKind, ListFormat, UpdateRequest};
use modelgate::cli::scan_cmd::{self, FailOn, ScanOptions};
use modelgate::cli::{self, Failure, Outcome, dbsel};
use modelgate::report::Format;

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
    /// Scan many repositories, each with its own policy file, into per-repository reports and
    /// one merged report (see docs/audit.md)
    Audit(Box<AuditArgs>),
    /// Combine the output folders of audit runs (shards, or single repositories) into the
    /// merged reports
    Merge {
        /// Output folders of `modelgate audit` (or repository folders inside them)
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Where to write merged.json, merged.md and the repositories' folders
        #[arg(long, value_name = "DIR")]
        output_dir: PathBuf,
        /// Exit 1 when a merged finding is at or above this level
        #[arg(long, value_enum, default_value_t = FailOn::Never)]
        fail_on: FailOn,
    },
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
        /// Also write FILE.minisig, signed with this minisign secret key (an encrypted key is
        /// decrypted with $MODELGATE_SIGNING_KEY_PASSWORD)
        #[arg(long, value_name = "KEYFILE")]
        sign: Option<PathBuf>,
    },
    /// Show what changes between two databases (rules folders or bundle files): added, changed,
    /// withdrawn and removed entries
    Diff { old: PathBuf, new: PathBuf },
    /// Download, verify, validate and install a rules bundle
    Update {
        /// Bundle URL (https://; plain http only to a loopback address). Default:
        /// $MODELGATE_RULES_URL, else the project's release feed. The bundle must be signed
        /// (URL.minisig) by a trusted key
        #[arg(long, value_name = "URL")]
        from: Option<String>,
        /// Expected sha256 of the bundle; default: the digest published at URL.sha256, if any
        #[arg(long, value_name = "HEX")]
        sha256: Option<String>,
        /// Trust only the minisign public key (or keyring) in FILE instead of the project's
        /// keys, for this --from URL (a mirror with its own key)
        #[arg(long, value_name = "FILE", requires = "from")]
        trusted_key: Option<PathBuf>,
        /// Install without checking a signature (only with --from; prints a warning)
        #[arg(long, requires = "from", conflicts_with = "trusted_key")]
        insecure_skip_signature: bool,
        /// Install even when the bundle is older than the database in use
        #[arg(long)]
        force: bool,
        /// Network timeout in seconds
        #[arg(long, value_name = "SECS", default_value_t = 30)]
        timeout: u64,
    },
}

#[derive(clap::Args)]
struct ScanArgs {
    /// Files or folders to scan
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Colour the text report: auto (a terminal without NO_COLOR), always or never
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    color: ColorChoice,
    /// Only findings and problems: no progress, no notes, no summary line, no stale-database
    /// warning on stderr
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Write the report to FILE (atomically) instead of stdout. Repeatable as FORMAT=FILE to
    /// write several formats from one scan (`-o sarif=out.sarif -o github=-`; `-` is stdout);
    /// with FORMAT=FILE outputs, the --format report is written only to a plain -o FILE
    #[arg(long, short = 'o', value_name = "[FORMAT=]FILE")]
    output: Vec<String>,
    /// Show paths relative to the current folder, as the roots were given (`services/api/app.py`
    /// for `scan services/api`), not relative to each root: SARIF URIs then stay relative to the
    /// repository root when a subfolder is scanned from it
    #[arg(long)]
    paths_from_cwd: bool,
    /// Exit 1 when a finding is at or above this level
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,
    /// Use the rules database in DIR instead of the embedded one
    #[arg(long, value_name = "DIR")]
    rules: Option<PathBuf>,
    /// Worker threads (default: the number of CPUs)
    #[arg(long, short = 'j', value_name = "N")]
    threads: Option<usize>,
    /// Largest text file to scan, e.g. 8MiB, 512K, 1000000; larger text files are reported as
    /// skipped. Default: no limit (text over 8 MiB is read in windows, in bounded memory). Weight
    /// and other binary files are never skipped by size (see --hash-max-size). Git blobs
    /// (--staged, --diff-base, --history) over 8 MiB are copied to a temporary file and read in
    /// windows the same way
    #[arg(long, value_name = "SIZE", value_parser = cli::parse_size)]
    max_file_size: Option<u64>,
    /// Window for text files read in windows (testing)
    #[arg(long, value_name = "SIZE", default_value = "8MiB", value_parser = cli::parse_size, hide = true)]
    text_chunk: u64,
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
    /// Scan every version of every file ever committed on the history HEAD reaches; each
    /// finding says the commit where it first appeared, where it was last present and whether
    /// HEAD still has it. Findings removed before HEAD count for --fail-on too
    #[arg(long, conflicts_with_all = ["staged", "diff_base"])]
    history: bool,
    /// With --history: walk only the commits of REF..HEAD
    #[arg(long, value_name = "REF", requires = "history")]
    since: Option<String>,
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
    #[arg(long, value_name = "SIZE", value_parser = cli::parse_size)]
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ScanArgs {
    /// The scan's options; `color` says whether the text report may be coloured, `progress`
    /// whether a progress line may be drawn on stderr.
    fn into_options(self, color: bool, progress: bool) -> Result<ScanOptions, Failure> {
        let (output, outputs) = split_outputs(&self.output)?;
        Ok(ScanOptions {
            output,
            outputs,
            paths_from_cwd: self.paths_from_cwd,
            quiet: self.quiet,
            progress,
            paths: self.paths,
            format: self.format,
            color,
            fail_on: self.fail_on,
            rules: self.rules,
            threads: self.threads,
            max_file_size: self.max_file_size,
            text_chunk: usize::try_from(self.text_chunk.max(1)).unwrap_or(usize::MAX),
            no_ignore: self.no_ignore,
            hidden: self.hidden,
            max_rules_age: self.max_rules_age,
            config: self.config,
            baseline: self.baseline,
            write_baseline: self.write_baseline,
            diff_base: self.diff_base,
            staged: self.staged,
            history: self.history,
            since: self.since,
            deps: self.deps,
            python_env: self.python_env,
            no_hash: self.no_hash,
            hash_max_size: self.hash_max_size,
            cache_dir: self.cache_dir,
            no_cache: self.no_cache,
            online: self.online.then_some(self.hub_endpoint),
            online_timeout_secs: self.online_timeout,
        })
    }
}

/// A format and where it goes (`None`: stdout).
type FormatOutput = (Format, Option<PathBuf>);

/// `-o` values: at most one plain FILE (the --format report), and FORMAT=FILE pairs.
fn split_outputs(values: &[String]) -> Result<(Option<PathBuf>, Vec<FormatOutput>), Failure> {
    let mut plain = None;
    let mut pairs = Vec::new();
    for v in values {
        let format = v
            .split_once('=')
            .and_then(|(f, file)| Some((Format::from_str(f, true).ok()?, file)));
        match format {
            Some((f, "-")) => pairs.push((f, None)),
            Some((f, file)) => pairs.push((f, Some(PathBuf::from(file)))),
            None if plain.is_none() => plain = Some(PathBuf::from(v)),
            None => {
                return Err(Failure::Error(format!(
                    "--output {v}: only one --output FILE without a format; write FORMAT=FILE for more"
                )));
            }
        }
    }
    Ok((plain, pairs))
}

fn cmd_scan(a: ScanArgs, out: &mut dyn Write) -> Outcome {
    let color = match a.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            a.output.iter().all(|v| v.ends_with("=-"))
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    // A progress line only for a person at a terminal: never in CI logs or piped output.
    let progress = !a.quiet
        && std::io::stderr().is_terminal()
        && std::env::var_os("CI").is_none_or(|v| v.is_empty())
        && std::env::var("TERM").map_or(true, |t| t != "dumb");
    let o = a.into_options(color, progress)?;
    scan_cmd::run(&o, out, &mut std::io::stderr())
}

fn cmd_rules(c: RulesCommand, out: &mut dyn Write) -> Outcome {
    match c {
        RulesCommand::Check { dir } => rules_cmd::check(dir.as_deref(), out),
        RulesCommand::List {
            kind,
            format,
            rules,
        } => rules_cmd::list(kind, format, rules.as_deref(), out),
        RulesCommand::Export {
            output,
            rules,
            sign,
        } => rules_cmd::export(&output, rules.as_deref(), sign.as_deref(), out),
        RulesCommand::Diff { old, new } => rules_cmd::diff(&old, &new, out),
        RulesCommand::Update {
            from,
            sha256,
            trusted_key,
            insecure_skip_signature,
            force,
            timeout,
        } => rules_cmd::update(
            &UpdateRequest {
                from,
                sha256,
                trusted_key,
                insecure_skip_signature,
                force,
                timeout_secs: timeout,
            },
            out,
            &mut std::io::stderr(),
        ),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) if e.use_stderr() => {
            // The documented form of every error line: `modelgate: error: ...`.
            let text = e.render().to_string();
            eprint!("modelgate: {}", text.trim_start());
            return ExitCode::from(2);
        }
        Err(e) => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
    };
    // Unlocked: each write takes the lock, so no thread can be kept waiting for the whole run.
    let mut out = std::io::BufWriter::new(std::io::stdout());
    let result = match cli.command {
        _ if cli.version => writeln!(out, "{}", dbsel::version_line())
            .map(|()| 0)
            .map_err(Failure::from),
        Some(Command::Scan(a)) => cmd_scan(*a, &mut out),
        Some(Command::Explain { query, rules }) => cli::explain(&query, rules.as_deref(), &mut out),
        Some(Command::Rules(c)) => cmd_rules(c, &mut out),
        Some(Command::Init { path, force }) => cli::init(&path, force, &mut out),
        Some(Command::Audit(a)) => {
            audit_cmd::audit(&a.into_options(), &mut out, &mut std::io::stderr())
        }
        Some(Command::Merge {
            dirs,
            output_dir,
            fail_on,
        }) => audit_cmd::merge_dirs(
            &dirs,
            &output_dir,
            fail_on,
            &mut out,
            &mut std::io::stderr(),
        ),
        None => Err(Failure::Error(
            "no command given; try `modelgate scan .` or `modelgate --help`".into(),
        )),
    };
    // Whatever was written goes out before an error message.
    let flushed = out.flush();
    let result = result.and_then(|code| flushed.map(|()| code).map_err(Failure::from));
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
