//! The policy file: `modelgate.toml` or `.modelgate.toml` at the scanned root, or `--config FILE`.
//! Parsed with spans, then validated into [`Config`]; every problem is an error that points at
//! `file:line:column`.
//!
//! The policy file found in the scanned tree is repository content: it is read through
//! [`crate::safeio`] (never blocking on a FIFO or device, at most [`limits::POLICY_FILE`] bytes)
//! and, when it is a symbolic link, refused with an error rather than followed: a link could
//! apply a policy from outside the tree while the walk reports the link as not followed. A file
//! given with `--config` is the user's choice: a link there is resolved, then read the same
//! bounded, non-blocking way.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use toml::Spanned;

use crate::checks::{CHECKS, Code, Level};
use crate::lineindex::LineIndex;
use crate::policy::Policy;
use crate::rules::Database;
use crate::safeio::{self, ReadError, limits};
use crate::util::{days_from_date, is_date};

pub const FILE_NAMES: &[&str] = &["modelgate.toml", ".modelgate.toml"];

/// The commented default written by `modelgate init`.
pub const DEFAULT: &str = include_str!("../docs/modelgate.default.toml");

#[derive(Debug)]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for ConfigError {}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    policy: RawPolicy,
    #[serde(default, deserialize_with = "raw_checks")]
    checks: RawChecks,
    #[serde(default)]
    paths: RawPaths,
    #[serde(default)]
    allow: Vec<Spanned<RawAllow>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPolicy {
    flagged_jurisdictions: Option<Vec<Spanned<String>>>,
    enforce_lists: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
enum LevelSetting {
    Error,
    Warning,
    Note,
    Off,
}

/// `[checks]`: a level per check code; the codes are those of [`crate::checks::CHECKS`].
type RawChecks = Vec<(Spanned<String>, Spanned<LevelSetting>)>;

/// Reads `[checks]` keeping the order and place of every key.
fn raw_checks<'de, D: serde::Deserializer<'de>>(d: D) -> Result<RawChecks, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = RawChecks;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a table of check codes and levels")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<RawChecks, A::Error> {
            let mut v = Vec::new();
            while let Some(e) = m.next_entry()? {
                v.push(e);
            }
            Ok(v)
        }
    }
    d.deserialize_map(V)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPaths {
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAllow {
    org: Option<Spanned<String>>,
    model: Option<Spanned<String>>,
    host: Option<Spanned<String>>,
    package: Option<Spanned<String>>,
    checks: Option<Vec<Spanned<String>>>,
    paths: Option<Vec<Spanned<String>>>,
    reason: Option<Spanned<String>>,
    expires: Option<Spanned<String>>,
}

/// One `[[allow]]` entry.
#[derive(Debug, Clone)]
pub struct Allow {
    /// `file:line` of the entry, for messages.
    pub location: String,
    pub org: Option<NameGlob>,
    pub model: Option<NameGlob>,
    pub host: Option<NameGlob>,
    pub package: Option<NameGlob>,
    pub checks: Vec<Code>,
    pub paths: Option<Box<GlobSet>>,
    pub reason: String,
    pub expires: Option<String>,
    /// The expiry date has passed: the entry no longer suppresses anything.
    pub expired: bool,
    /// A human summary of what it matches.
    pub describe: String,
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub file: Option<PathBuf>,
    pub policy: Policy,
    /// Glob patterns of paths (relative to the scanned root) not to scan.
    pub excludes: Vec<String>,
    pub allows: Vec<Allow>,
    /// [`Config::allow_index`], built on first use.
    pub allow_index: std::sync::OnceLock<AllowIndex>,
}

/// Which name of a finding an allow entry is keyed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AllowKey {
    Model,
    Org,
    Host,
    Package,
}

/// Allow entries by the literal name they require, so that a finding is checked against the
/// entries that can match it (and the glob or name-free ones), not against every entry: findings
/// times entries would be quadratic on a policy with thousands of entries.
#[derive(Debug, Clone, Default)]
pub struct AllowIndex {
    /// (field, lower-case name) → entry indices, ascending.
    by_name: std::collections::HashMap<(AllowKey, String), Vec<usize>>,
    /// Entries with no literal name to key on (globs, or only checks and paths), ascending.
    general: Vec<usize>,
}

impl AllowIndex {
    fn new(allows: &[Allow]) -> AllowIndex {
        let mut ix = AllowIndex::default();
        for (i, a) in allows.iter().enumerate() {
            // Every name an entry gives must match, so any one literal name is a sound key.
            let key = [
                (AllowKey::Model, &a.model),
                (AllowKey::Org, &a.org),
                (AllowKey::Host, &a.host),
                (AllowKey::Package, &a.package),
            ]
            .into_iter()
            .find_map(|(field, g)| match g {
                Some(NameGlob::Literal(l)) => Some((field, l.clone())),
                _ => None,
            });
            match key {
                Some(k) => ix.by_name.entry(k).or_default().push(i),
                None => ix.general.push(i),
            }
        }
        ix
    }

    /// Indices of the entries that may match a finding with these names, ascending (the first
    /// matching entry wins, as written).
    pub fn candidates<'a>(
        &self,
        names: impl IntoIterator<Item = (AllowKey, &'a str)>,
        out: &mut Vec<usize>,
    ) {
        out.clear();
        out.extend_from_slice(&self.general);
        if !self.by_name.is_empty() {
            for (k, n) in names {
                if let Some(v) = self.by_name.get(&(k, n.to_lowercase())) {
                    out.extend_from_slice(v);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
    }
}

impl Config {
    /// The index of [`Config::allows`].
    pub fn allow_index(&self) -> &AllowIndex {
        self.allow_index
            .get_or_init(|| AllowIndex::new(&self.allows))
    }
}

/// Why a `YYYY-MM-DD` string is not a calendar date (days per month, leap years), if it is not.
fn date_problem(s: &str) -> Option<String> {
    if !is_date(s) {
        return Some("is not a YYYY-MM-DD date".into());
    }
    let y: u32 = s[0..4].parse().ok()?;
    let m: u32 = s[5..7].parse().ok()?;
    let d: u32 = s[8..10].parse().ok()?;
    let leap = y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400));
    let days = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    (d > days).then(|| format!("is not a valid date: {y:04}-{m:02} has {days} days"))
}

/// Glob patterns (`[[allow]]` org/model/host/package values with a wildcard, and `paths`) compiled
/// across one policy file. Measured (release build): a compiled glob costs about 11 KiB, so 100,000
/// `[[allow]]` entries with a glob each took 1.1 GiB; 5,000 stay near 55 MiB. Values without a
/// wildcard are compared as text and do not count.
pub const MAX_GLOBS: usize = 5_000;

/// A case-insensitive name pattern of an `[[allow]]` entry: plain text is compared as text (no
/// automaton is compiled for it), anything with a glob metacharacter is a glob.
#[derive(Debug, Clone)]
pub enum NameGlob {
    Literal(String),
    Glob(Box<GlobMatcher>),
}

impl NameGlob {
    pub fn is_match(&self, s: &str) -> bool {
        match self {
            NameGlob::Literal(l) if s.is_ascii() => s.eq_ignore_ascii_case(l),
            NameGlob::Literal(l) => s.to_lowercase() == *l,
            NameGlob::Glob(g) => g.is_match(s),
        }
    }

    fn is_glob(pat: &str) -> bool {
        pat.contains(['*', '?', '[', ']', '{', '}', '\\'])
    }
}

fn glob(pat: &str) -> Result<NameGlob, String> {
    if !NameGlob::is_glob(pat) {
        return Ok(NameGlob::Literal(pat.to_lowercase()));
    }
    GlobBuilder::new(pat)
        .case_insensitive(true)
        .literal_separator(false)
        .build()
        .map(|g| NameGlob::Glob(Box::new(g.compile_matcher())))
        .map_err(|e| e.kind().to_string())
}

impl Config {
    /// Finds the policy file for `root`: `--config` wins, then `modelgate.toml`, then
    /// `.modelgate.toml`.
    ///
    /// A file found in the tree is returned whatever it is (a link, a FIFO): [`Config::load`]
    /// then refuses it with an error instead of silently scanning without it. A `--config` path
    /// that is a link is resolved here (the user chose it), so `load` reads its target.
    pub fn locate(explicit: Option<&Path>, root: &Path) -> Option<PathBuf> {
        if let Some(p) = explicit {
            let is_link = std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink());
            return Some(match p.canonicalize() {
                Ok(c) if is_link => c,
                _ => p.to_path_buf(),
            });
        }
        // Files given on the command line (as pre-commit passes them): the policy file of the
        // current directory, the repository root in that case.
        let dir = if root.is_dir() { root } else { Path::new(".") };
        FILE_NAMES
            .iter()
            .map(|n| dir.join(n))
            .find(|p| std::fs::symlink_metadata(p).is_ok_and(|m| !m.is_dir()))
    }

    /// Reads and parses a policy file: at most [`limits::POLICY_FILE`] bytes, never following a
    /// link, never waiting on a FIFO.
    pub fn load(path: &Path, db: &Database, today: i64) -> Result<Config, ConfigError> {
        let name = path.display().to_string();
        let text = safeio::read_text(path, None, limits::POLICY_FILE).map_err(|e| ConfigError {
            file: name.clone(),
            line: 1,
            column: 1,
            message: match e {
                ReadError::Symlink => "policy file is a symbolic link; not followed, so the scan \
                                       stops rather than run without it (give the target with \
                                       --config to use it)"
                    .into(),
                ReadError::TooLarge { size, max } => format!(
                    "policy file of {size} bytes is larger than the limit of {max} bytes; not read"
                ),
                e @ ReadError::Io(_) => e.to_string(),
                e => format!("policy file {e}"),
            },
        })?;
        Config::parse(&name, &text, db, today)
    }

    pub fn parse(name: &str, text: &str, db: &Database, today: i64) -> Result<Config, ConfigError> {
        // One index for the whole file: every entry's place is a binary search, not a rescan.
        let index = LineIndex::new(text.as_bytes());
        let line_col = |offset: usize| {
            let (l, c) = index.line_col(text.as_bytes(), offset.min(text.len()));
            (l as usize, c as usize)
        };
        let err = |offset: usize, message: String| {
            let (line, column) = line_col(offset);
            ConfigError {
                file: name.to_string(),
                line,
                column,
                message,
            }
        };
        let raw: Raw = toml::from_str(text).map_err(|e| {
            let off = e.span().map_or(0, |s| s.start);
            err(off, e.message().trim().to_string())
        })?;
        let mut cfg = Config {
            file: Some(PathBuf::from(name)),
            ..Config::default()
        };
        if let Some(js) = raw.policy.flagged_jurisdictions {
            let mut v = Vec::new();
            for j in js {
                let s = j.get_ref().trim();
                let ok = (s.len() == 2 && s.chars().all(|c| c.is_ascii_alphabetic()))
                    || s.eq_ignore_ascii_case("INTL");
                if !ok {
                    return Err(err(
                        j.span().start,
                        format!("`{s}` is not an ISO 3166-1 alpha-2 country code"),
                    ));
                }
                v.push(s.to_ascii_uppercase());
            }
            cfg.policy.flagged_jurisdictions = v;
        }
        if let Some(ls) = raw.policy.enforce_lists {
            let mut v = Vec::new();
            for l in ls {
                if db.list(l.get_ref()).is_none() {
                    let known: Vec<_> = db.lists.iter().map(|x| x.id.as_str()).collect();
                    return Err(err(
                        l.span().start,
                        format!(
                            "unknown restriction list `{}` (known: {})",
                            l.get_ref(),
                            known.join(", ")
                        ),
                    ));
                }
                v.push(l.into_inner());
            }
            cfg.policy.enforced_lists = Some(v);
        }
        let mut levels = HashMap::new();
        for (key, s) in raw.checks {
            let Some(code) = Code::parse(key.get_ref()) else {
                let known: Vec<_> = CHECKS.iter().map(|c| c.code.as_str()).collect();
                return Err(err(
                    key.span().start,
                    format!(
                        "unknown check `{}` (known: {})",
                        key.get_ref(),
                        known.join(", ")
                    ),
                ));
            };
            {
                levels.insert(
                    code,
                    match s.into_inner() {
                        LevelSetting::Error => Some(Level::Error),
                        LevelSetting::Warning => Some(Level::Warning),
                        LevelSetting::Note => Some(Level::Note),
                        LevelSetting::Off => None,
                    },
                );
            }
        }
        cfg.policy.levels = levels;
        for p in raw.paths.exclude {
            Glob::new(p.get_ref())
                .map_err(|e| err(p.span().start, format!("invalid glob: {}", e.kind())))?;
            cfg.excludes.push(p.into_inner());
        }
        let mut globs = 0usize;
        let mut count_glob = |offset: usize| {
            globs += 1;
            if globs > MAX_GLOBS {
                Err(err(
                    offset,
                    format!(
                        "more than {MAX_GLOBS} glob patterns in [[allow]] entries; refused (plain \
                         names without wildcards are not limited)"
                    ),
                ))
            } else {
                Ok(())
            }
        };
        for a in raw.allow {
            let start = a.span().start;
            let (line, _) = line_col(start);
            let a = a.into_inner();
            let mut describe = Vec::new();
            let mut matcher = |f: &Option<Spanned<String>>,
                               what: &str|
             -> Result<Option<NameGlob>, ConfigError> {
                match f {
                    None => Ok(None),
                    Some(s) => {
                        if NameGlob::is_glob(s.get_ref()) {
                            count_glob(s.span().start)?;
                        }
                        describe.push(format!("{what} `{}`", s.get_ref()));
                        glob(s.get_ref())
                            .map(Some)
                            .map_err(|e| err(s.span().start, format!("invalid glob: {e}")))
                    }
                }
            };
            let org = matcher(&a.org, "org")?;
            let model = matcher(&a.model, "model")?;
            let host = matcher(&a.host, "host")?;
            let package = matcher(&a.package, "package")?;
            if org.is_none() && model.is_none() && host.is_none() && package.is_none() {
                return Err(err(
                    start,
                    "an [[allow]] entry needs at least one of org, model, host or package".into(),
                ));
            }
            let reason = match &a.reason {
                Some(r) if !r.get_ref().trim().is_empty() => r.get_ref().trim().to_string(),
                Some(r) => return Err(err(r.span().start, "reason must not be empty".into())),
                None => return Err(err(start, "an [[allow]] entry needs a reason".into())),
            };
            let mut checks = Vec::new();
            for c in a.checks.iter().flatten() {
                match CHECKS.iter().find(|k| {
                    k.code.as_str().eq_ignore_ascii_case(c.get_ref()) || k.name == c.get_ref()
                }) {
                    Some(k) => checks.push(k.code),
                    None => {
                        return Err(err(
                            c.span().start,
                            format!("unknown check `{}`", c.get_ref()),
                        ));
                    }
                }
            }
            let paths = match &a.paths {
                None => None,
                Some(ps) => {
                    let mut b = GlobSetBuilder::new();
                    for p in ps {
                        count_glob(p.span().start)?;
                        b.add(Glob::new(p.get_ref()).map_err(|e| {
                            err(p.span().start, format!("invalid glob: {}", e.kind()))
                        })?);
                    }
                    Some(Box::new(b.build().map_err(|e| err(start, e.to_string()))?))
                }
            };
            let (expires, expired) = match &a.expires {
                None => (None, false),
                Some(e) => {
                    if let Some(problem) = date_problem(e.get_ref()) {
                        return Err(err(
                            e.span().start,
                            format!("expires `{}` {problem}", e.get_ref()),
                        ));
                    }
                    let d = days_from_date(e.get_ref()).unwrap_or(0);
                    (Some(e.get_ref().clone()), d < today)
                }
            };
            cfg.allows.push(Allow {
                location: format!("{name}:{line}"),
                org,
                model,
                host,
                package,
                checks,
                paths,
                reason,
                expires,
                expired,
                describe: describe.join(", "),
            });
        }
        Ok(cfg)
    }
}
