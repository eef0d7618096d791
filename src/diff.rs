//! Git-aware scans: `--diff-base REF` keeps only the findings a change introduces, `--staged`
//! scans what is staged in the index (what a pre-commit hook checks). Git is run as a command;
//! nothing here writes to the repository.
//!
//! The repository is untrusted (a pull request): its `.git/config` can name commands that git
//! runs on its own (`core.fsmonitor`, filter and diff drivers, hooks). Every git call goes through
//! [`Git::command`], which runs git without system or user configuration, with an empty `HOME`,
//! without optional index writes (so no index hooks), without any transport (a partial clone
//! cannot fetch), with the fsmonitor, hooks and untracked cache off, and with every filter and diff
//! driver that the repository's configuration defines overridden by an empty one. Only plumbing
//! that reads objects and the index is used (`diff-index`, `ls-files`, `cat-file --batch`), and
//! blob sizes are checked before their content is read.
//!
//! `--staged` (a pre-commit check, where each git process counts) skips the `git config` call
//! that finds the drivers to override: none of its commands can run one (see
//! [`Git::index_and_objects`]). Its git processes are started as soon as the scanned folder is
//! known ([`start_staged`]), and run while the rules are loaded.

use std::collections::{BTreeMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Output, Stdio};

use crate::classify::{self, Class, SNIFF_LEN};
use sha2::Digest;

use crate::detect::text::TextDetector;
use crate::digest::DigestCache;
use crate::escape;
use crate::report::Report;
use crate::scan::{self, Collected, FileCtx, ScanConfig};
use crate::types::{Body, FileData, Notification, NotificationLevel, WalkStats};

/// Configuration given to every git call (highest precedence, over the repository's own).
const FIXED_CONFIG: &[(&str, &str)] = &[
    ("core.fsmonitor", "false"),
    ("core.hooksPath", "/dev/null"),
    ("protocol.allow", "never"),
    ("core.untrackedCache", "false"),
    ("core.pager", "cat"),
    ("diff.external", ""),
    ("submodule.recurse", "false"),
    // `git log` would run `gpg.program` to show signatures (history mode).
    ("log.showSignature", "false"),
];

#[cfg(unix)]
pub(crate) fn os(b: &[u8]) -> std::borrow::Cow<'_, OsStr> {
    std::borrow::Cow::Borrowed(std::os::unix::ffi::OsStrExt::from_bytes(b))
}

#[cfg(not(unix))]
pub(crate) fn os(b: &[u8]) -> std::borrow::Cow<'_, OsStr> {
    std::borrow::Cow::Owned(OsString::from(String::from_utf8_lossy(b).into_owned()))
}

/// Git, run on an untrusted repository with its configuration and hooks neutralised.
pub(crate) struct Git {
    dir: PathBuf,
    /// Empty `HOME` and `XDG_CONFIG_HOME`: no user configuration, attributes or excludes.
    home: tempfile::TempDir,
    /// `key=value` configuration given through `GIT_CONFIG_COUNT` (any key or value bytes).
    config: Vec<(OsString, OsString)>,
}

impl Git {
    /// Git in `dir`. `safe.directory` is granted to `dir` and its parents (the repository top
    /// level is one of them) since the user's global configuration is not read; that is safe
    /// because nothing of the repository's configuration can run a command.
    pub(crate) fn new(dir: &Path) -> Result<Git, String> {
        let mut g = Git::index_and_objects(dir)?;
        g.neutralise_drivers()?;
        Ok(g)
    }

    /// Git in `dir` as [`Git::new`] sets it up, without the `git config` call that overrides the
    /// repository's filter and diff drivers: only for commands that never run a driver. Those
    /// are (git 2.47 source): `rev-parse`; `hash-object --stdin` without `--path` (no filter
    /// is applied to standard input); `cat-file --batch` without `--filters` or `--textconv`
    /// (the only options that set its `transform_mode`; the object is written as stored); and
    /// `diff-index --cached --raw --no-renames`, which compares the index with a tree by object
    /// id: with `--cached` it reads no working tree file, and only rename, copy or break
    /// detection, pickaxe, a patch or stat output or the whitespace options read content (the
    /// plumbing diff commands ignore `diff.renames`; `--no-renames` says so anyway).
    pub(crate) fn index_and_objects(dir: &Path) -> Result<Git, String> {
        let home = tempfile::Builder::new()
            .prefix("modelgate-git-home-")
            .tempdir()
            .map_err(|e| format!("cannot create an empty HOME for git: {e}"))?;
        let mut g = Git {
            dir: dir.to_path_buf(),
            home,
            config: Vec::new(),
        };
        let canon = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        for a in canon.ancestors() {
            g.config
                .push(("safe.directory".into(), a.as_os_str().to_os_string()));
        }
        Ok(g)
    }

    /// Overrides every `filter.X.*` and `diff.X.*` driver that the configuration defines (the
    /// repository's, and the files it includes) with an empty one. An empty `clean`, `smudge`
    /// or `process` is no filter; `required=false` lets a file go through without it. An empty
    /// `textconv` or `command` is no command either (git fails to run it rather than running
    /// anything); those are also off through `--no-textconv` and `--no-ext-diff`.
    fn neutralise_drivers(&mut self) -> Result<(), String> {
        let out = match self.run(&["config", "-z", "--get-regexp", r"^(filter|diff)\."]) {
            Ok(o) => o,
            // Exit code 1: no such key.
            Err(e) if e.ends_with("(exit status: 1)") => Vec::new(),
            Err(e) => return Err(e),
        };
        let mut names: Vec<(&'static str, Vec<u8>)> = Vec::new();
        for entry in out.split(|&b| b == 0).filter(|e| !e.is_empty()) {
            let key = entry.split(|&b| b == b'\n').next().unwrap_or_default();
            let (section, rest) = if let Some(r) = key.strip_prefix(b"filter.") {
                ("filter", r)
            } else if let Some(r) = key.strip_prefix(b"diff.") {
                ("diff", r)
            } else {
                continue;
            };
            // `section.<name>.variable`; a name may contain dots.
            let Some(dot) = rest.iter().rposition(|&b| b == b'.') else {
                continue;
            };
            let name = rest[..dot].to_vec();
            if !names.contains(&(section, name.clone())) {
                names.push((section, name));
            }
        }
        for (section, name) in names {
            let vars: &[(&str, &str)] = if section == "filter" {
                &[
                    ("clean", ""),
                    ("smudge", ""),
                    ("process", ""),
                    ("required", "false"),
                ]
            } else {
                &[
                    ("textconv", ""),
                    ("command", ""),
                    ("cachetextconv", "false"),
                ]
            };
            for (var, value) in vars {
                let mut key = format!("{section}.").into_bytes();
                key.extend_from_slice(&name);
                key.push(b'.');
                key.extend_from_slice(var.as_bytes());
                self.config
                    .push((os(&key).into_owned(), OsString::from(value)));
            }
        }
        Ok(())
    }

    /// The one way git is started: `git -C DIR` with the neutralised environment and
    /// configuration, then `args`.
    pub(crate) fn command<S: AsRef<OsStr>>(&self, args: &[S]) -> Command {
        let mut c = Command::new("git");
        c.arg("-C").arg(&self.dir);
        for (k, v) in FIXED_CONFIG {
            c.arg("-c").arg(format!("{k}={v}"));
        }
        c.args(args);
        c.env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env_remove("GIT_CONFIG")
            .env_remove("GIT_CONFIG_SYSTEM")
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path())
            .env("GIT_OPTIONAL_LOCKS", "0")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_NO_LAZY_FETCH", "1")
            .env("GIT_PAGER", "cat")
            .env("PAGER", "cat")
            .env("GIT_ATTR_NOSYSTEM", "1")
            .env("GIT_ALLOW_PROTOCOL", "")
            .env_remove("GIT_EXTERNAL_DIFF")
            .env("GIT_CONFIG_COUNT", self.config.len().to_string());
        for (i, (k, v)) in self.config.iter().enumerate() {
            c.env(format!("GIT_CONFIG_KEY_{i}"), k)
                .env(format!("GIT_CONFIG_VALUE_{i}"), v);
        }
        c.stdin(Stdio::null());
        c
    }

    pub(crate) fn run<S: AsRef<OsStr>>(&self, args: &[S]) -> Result<Vec<u8>, String> {
        let shown = || {
            args.iter()
                .map(|a| a.as_ref().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let out = self
            .command(args)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "git {}: {} ({})",
                shown(),
                escape::display(String::from_utf8_lossy(&out.stderr).trim()),
                out.status
            ));
        }
        Ok(out.stdout)
    }

    pub(crate) fn run_line<S: AsRef<OsStr>>(&self, args: &[S]) -> Result<Vec<u8>, String> {
        let mut v = self.run(args)?;
        while v.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            v.pop();
        }
        Ok(v)
    }
}

/// A blob read through `git cat-file --batch`: whole when it is at most the limit, else its size,
/// the first bytes that [`Keep`] asks for (the rest is read and discarded, never held in memory)
/// and, when asked, the sha256 of the whole.
pub(crate) enum Blob {
    Whole(Vec<u8>),
    Large {
        size: u64,
        head: Vec<u8>,
        sha256: Option<String>,
    },
    /// A text blob larger than the limit, copied to an unnamed temporary file as it streamed by,
    /// to be scanned from there in windows ([`scan::detect_chunked`]) in bounded memory.
    LargeText {
        size: u64,
        head: Vec<u8>,
        file: std::fs::File,
    },
    Missing,
}

/// What to keep of a blob larger than the limit, decided from its first [`SNIFF_LEN`] bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Keep {
    /// Bytes kept from the start (at least the first [`SNIFF_LEN`]).
    head: u64,
    /// Hash the whole blob as it streams by.
    hash: bool,
    /// Copy the whole blob to a temporary file, to scan it as text ([`Blob::LargeText`]).
    text: bool,
}

/// Most of a large weight blob held in memory for its header parser: the GGUF metadata or
/// safetensors header of real models fits well within it; a longer header is reported as
/// not read in full.
pub const BLOB_HEADER_MAX: u64 = 64 << 20;

/// One `git cat-file --batch` process for all the blobs of a run.
pub(crate) struct Blobs {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Blobs {
    pub(crate) fn start(g: &Git) -> Result<Blobs, String> {
        let mut child = g
            .command(&["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot run git: {e}"))?;
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().ok_or("git cat-file: no output")?);
        Ok(Blobs {
            child,
            stdin,
            stdout,
        })
    }

    /// Reads the blob `oid` (hex): whole if it is at most `max` bytes, else what `keep` asks for
    /// given its first bytes.
    pub(crate) fn read(
        &mut self,
        oid: &str,
        max: u64,
        keep: &dyn Fn(&[u8], u64) -> Keep,
    ) -> Result<Blob, String> {
        let err = |e: std::io::Error| format!("git cat-file: {e}");
        let stdin = self.stdin.as_mut().ok_or("git cat-file: closed")?;
        stdin
            .write_all(format!("{oid}\n").as_bytes())
            .map_err(err)?;
        stdin.flush().map_err(err)?;
        let mut header = Vec::new();
        (&mut self.stdout)
            .take(512)
            .read_until(b'\n', &mut header)
            .map_err(err)?;
        let header = String::from_utf8_lossy(&header);
        let mut parts = header.split_whitespace();
        let (Some(_), Some(kind)) = (parts.next(), parts.next()) else {
            return Err(format!(
                "git cat-file: unexpected answer `{}`",
                header.trim()
            ));
        };
        if kind == "missing" || kind == "ambiguous" {
            return Ok(Blob::Missing);
        }
        let size: u64 = parts
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("git cat-file: unexpected answer `{}`", header.trim()))?;
        let blob = if size <= max {
            let mut v = Vec::with_capacity(size as usize);
            (&mut self.stdout)
                .take(size)
                .read_to_end(&mut v)
                .map_err(err)?;
            Blob::Whole(v)
        } else {
            let mut head = Vec::with_capacity(SNIFF_LEN);
            // Never more than the blob holds: the stream goes on with the next answer.
            (&mut self.stdout)
                .take((SNIFF_LEN as u64).min(size))
                .read_to_end(&mut head)
                .map_err(err)?;
            let want = if kind == "blob" {
                keep(&head, size)
            } else {
                Keep {
                    head: 0,
                    hash: false,
                    text: false,
                }
            };
            if want.text {
                // Copied out as it streams by: the blob is never held in memory.
                let mut file = tempfile::tempfile().map_err(err)?;
                file.write_all(&head).map_err(err)?;
                std::io::copy(
                    &mut (&mut self.stdout).take(size - head.len() as u64),
                    &mut file,
                )
                .map_err(err)?;
                let mut nl = [0u8; 1];
                self.stdout.read_exact(&mut nl).map_err(err)?;
                return Ok(Blob::LargeText { size, head, file });
            }
            let mut hasher = want.hash.then(|| {
                let mut h = sha2::Sha256::new();
                h.update(&head);
                h
            });
            let more = want.head.min(size).saturating_sub(head.len() as u64);
            if more > 0 {
                let from = head.len();
                (&mut self.stdout)
                    .take(more)
                    .read_to_end(&mut head)
                    .map_err(err)?;
                if let Some(h) = hasher.as_mut() {
                    h.update(&head[from..]);
                }
            }
            let rest = size - head.len() as u64;
            let mut sink = HashSink(hasher.as_mut());
            std::io::copy(&mut (&mut self.stdout).take(rest), &mut sink).map_err(err)?;
            Blob::Large {
                size,
                head,
                sha256: hasher.map(|h| crate::util::hex(&h.finalize())),
            }
        };
        // The content is followed by a newline.
        let mut nl = [0u8; 1];
        self.stdout.read_exact(&mut nl).map_err(err)?;
        if kind != "blob" {
            return Ok(Blob::Missing);
        }
        Ok(blob)
    }
}

/// A writer that feeds a hasher (or nothing).
struct HashSink<'a>(Option<&'a mut sha2::Sha256>);

impl Write for HashSink<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(h) = self.0.as_mut() {
            h.update(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What to keep of a blob larger than the text limit: a weight file's header (and its digest
/// when weights are hashed); of anything else, only the first bytes.
pub(crate) fn keep_for<'a>(cfg: &'a ScanConfig, rel: &str) -> impl Fn(&[u8], u64) -> Keep + 'a {
    let rel = rel.to_string();
    move |head: &[u8], size: u64| match classify::classify(Path::new(&rel), head) {
        Class::Weights => Keep {
            head: BLOB_HEADER_MAX.min(size),
            hash: cfg.weights.hash && size <= cfg.weights.hash_max_size,
            text: false,
        },
        // Text has no size cap unless the user set `--max-file-size`.
        Class::Text { .. } => Keep {
            head: SNIFF_LEN as u64,
            hash: false,
            text: cfg.walk.max_file_size == u64::MAX,
        },
        _ => Keep {
            head: SNIFF_LEN as u64,
            hash: false,
            text: false,
        },
    }
}

/// Hands one blob to the pipeline's per-file path ([`scan::visit_file`]) as the walk hands a
/// file read from disk: text up to `--max-file-size` (a larger one is a warning, as in the walk),
/// weight files whatever their size.
pub(crate) fn visit_blob(
    ctx: &FileCtx<'_>,
    rel: &str,
    blob: &Blob,
    max: u64,
    stats: &mut WalkStats,
    notes: &mut Vec<Notification>,
    out: &mut Collected,
) {
    let (class, bytes, head, body, len) = match blob {
        Blob::Missing => return,
        Blob::LargeText { size, head, file } => {
            stats.files_scanned += 1;
            stats.bytes_scanned += size;
            let file = FileData {
                rel,
                class: classify::classify(Path::new(rel), head),
                bytes: &[],
                head,
                body: Body::File(file),
                len: *size,
            };
            scan::visit_file(ctx, &file, out);
            return;
        }
        Blob::Whole(b) => {
            let class = classify::classify(Path::new(rel), b);
            let body = Body::Blob {
                bytes: b,
                sha256: None,
            };
            (class, &b[..], &b[..], body, b.len() as u64)
        }
        Blob::Large { size, head, sha256 } => {
            let class = classify::classify(Path::new(rel), head);
            if let Class::Text { .. } = class {
                notes.push(Notification {
                    level: NotificationLevel::Warning,
                    path: Some(rel.to_string()),
                    line: None,
                    message: format!(
                        "text file of {size} bytes is larger than --max-file-size ({max} bytes); not scanned"
                    ),
                });
                stats.skipped += 1;
                return;
            }
            let body = Body::Blob {
                bytes: head,
                sha256: sha256.as_deref(),
            };
            (class, &[][..], &head[..], body, *size)
        }
    };
    let file = match class {
        Class::Text { .. } => {
            stats.files_scanned += 1;
            stats.bytes_scanned += len;
            FileData {
                rel,
                class,
                bytes,
                head: &[],
                body: Body::None,
                len,
            }
        }
        _ => {
            stats.binary_files += 1;
            FileData {
                rel,
                class,
                bytes: &[],
                head,
                body,
                len,
            }
        }
    };
    scan::visit_file(ctx, &file, out);
}

impl Blobs {
    /// Closes `cat-file`'s input: it ends (and is waited for when `self` is dropped).
    fn close(&mut self) {
        drop(self.stdin.take());
    }
}

impl Drop for Blobs {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

/// Where the scan happens: git set up in the repository top level, and the scanned root's path
/// inside it (`b""` or `b"sub/dir/"`).
pub(crate) struct Repo {
    pub(crate) git: Git,
    pub(crate) prefix: Vec<u8>,
}

/// The folder git runs in for the scanned root: the root, or the folder of a file.
fn folder_of(root: &Path) -> PathBuf {
    let dir = if root.is_dir() {
        root.to_path_buf()
    } else {
        root.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    }
}

/// Git set up as [`Git::new`] does, in the top level of the repository holding `root`.
pub(crate) fn locate(root: &Path) -> Result<Repo, String> {
    let mut git = Git::index_and_objects(&folder_of(root))?;
    // One `rev-parse` for the top level and the folder's prefix (each git process costs
    // milliseconds), started before the `git config` call of [`Git::new`] and run at the same
    // time: `rev-parse` runs no driver. Its lines are read only when there are exactly as many
    // as asked for (a path holding a newline is asked for again, one value per call).
    let rev_parse = one_rev_parse_command(&git)
        .stdout(Stdio::piped())
        .spawn()
        .ok();
    let neutralised = git.neutralise_drivers();
    let answer = rev_parse.and_then(|c| c.wait_with_output().ok());
    neutralised?;
    let (top, prefix) = match answer.as_ref().and_then(one_rev_parse_answer) {
        Some((top, prefix, _)) => (top, prefix),
        None => (
            git.run_line(&["rev-parse", "--show-toplevel"])?,
            git.run_line(&["rev-parse", "--show-prefix"])?,
        ),
    };
    git.dir = PathBuf::from(os(&top).into_owned());
    Ok(Repo { git, prefix })
}

/// `rev-parse --show-toplevel --show-prefix --verify -q HEAD^{tree}`; its answer is read by
/// [`one_rev_parse_answer`].
fn one_rev_parse_command(g: &Git) -> Command {
    let mut c = g.command(&[
        "rev-parse",
        "--show-toplevel",
        "--show-prefix",
        "--verify",
        "-q",
        "HEAD^{tree}",
    ]);
    c.stderr(Stdio::null());
    c
}

type TopPrefixTree = (Vec<u8>, Vec<u8>, Option<String>);

/// (top level, prefix, tree) from the answer of [`one_rev_parse_command`], the tree `None`
/// before the first commit; `None` when the answer is not three lines (or two without a
/// commit).
fn one_rev_parse_answer(out: &Output) -> Option<TopPrefixTree> {
    let text = out.stdout.strip_suffix(b"\n")?;
    let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    let hex = |t: &[u8]| matches!(t.len(), 40 | 64) && t.iter().all(u8::is_ascii_hexdigit);
    match (out.status.success(), lines.as_slice()) {
        (true, [top, prefix, tree]) if !top.is_empty() && hex(tree) => Some((
            top.to_vec(),
            prefix.to_vec(),
            Some(String::from_utf8_lossy(tree).into_owned()),
        )),
        (false, [top, prefix]) if !top.is_empty() && out.status.code() == Some(1) => {
            Some((top.to_vec(), prefix.to_vec(), None))
        }
        _ => None,
    }
}

/// The display path of a repository path under the scanned root (`None` outside it); the same
/// string the walk gives the file.
pub(crate) fn rel_of(prefix: &[u8], path: &[u8]) -> Option<String> {
    let rel = path.strip_prefix(prefix)?;
    let s = escape::path_bytes(rel).into_owned();
    escape::note_raw_path(&s, rel);
    Some(s)
}

/// One entry of `git diff-index --raw -z`.
struct RawChange {
    status: u8,
    /// Object id on the old side (the base or HEAD).
    src: String,
    /// Object id on the new side (all zeros for a working-tree file).
    dst: String,
    dst_mode: String,
    /// Path on the new side.
    path: Vec<u8>,
}

fn diff_index(g: &Git, extra: &[&str], tree: &str) -> Result<Vec<RawChange>, String> {
    let mut args = vec![
        "diff-index",
        "--raw",
        "-z",
        "-M",
        "--no-ext-diff",
        "--no-textconv",
        "--ignore-submodules=all",
    ];
    args.extend_from_slice(extra);
    args.extend_from_slice(&[tree, "--"]);
    parse_raw(&g.run(&args)?)
}

/// `diff-index --cached` with neither renames nor any content read (see
/// [`Git::index_and_objects`]), its paths relative to the folder git runs in and only those
/// under it (`--relative`), then `tree`.
const STAGED_ARGS: &[&str] = &[
    "diff-index",
    "--cached",
    "--raw",
    "-z",
    "--no-renames",
    "--relative",
    "--no-ext-diff",
    "--no-textconv",
    "--ignore-submodules=all",
];

/// The entries of `git diff-index --raw -z` output.
fn parse_raw(out: &[u8]) -> Result<Vec<RawChange>, String> {
    let mut it = out.split(|&b| b == 0);
    let mut v = Vec::new();
    while let Some(meta) = it.next() {
        if meta.is_empty() {
            continue;
        }
        // `:srcmode dstmode src dst status`
        let meta = String::from_utf8_lossy(meta);
        let f: Vec<&str> = meta.trim_start_matches(':').split(' ').collect();
        if f.len() < 5 {
            return Err(format!("git diff-index: unexpected output `{meta}`"));
        }
        let status = f[4].bytes().next().unwrap_or(b' ');
        let a = it.next().unwrap_or_default().to_vec();
        // Renames and copies: the old path, then the new one.
        let path = if matches!(status, b'R' | b'C') {
            it.next().unwrap_or_default().to_vec()
        } else {
            a
        };
        v.push(RawChange {
            status,
            src: f[2].to_string(),
            dst: f[3].to_string(),
            dst_mode: f[1].to_string(),
            path,
        });
    }
    Ok(v)
}

/// Fingerprints of the findings a blob held as the file `rel`: the same per-file path and the
/// same findings path as a scan (text, weights, model clues and remote code, and the package
/// findings of a manifest). Findings that need other files of the project (a weight file's
/// config next to it, transitive dependencies) are computed from this file alone.
fn fingerprints_of(cfg: &ScanConfig, ctx: &FileCtx<'_>, rel: &str, blob: &Blob) -> HashSet<String> {
    let mut c = Collected::default();
    let mut notes = Vec::new();
    let mut stats = WalkStats::default();
    visit_blob(
        ctx,
        rel,
        blob,
        cfg.walk.blob_max,
        &mut stats,
        &mut notes,
        &mut c,
    );
    let (fs, _) = scan::findings(cfg, ctx.detector, c);
    fs.into_iter().map(|f| f.fingerprint).collect()
}

/// Scans the root, then keeps only the findings that the changes since `git merge-base REF HEAD`
/// introduce: findings in added files, and findings of changed files whose fingerprint the file
/// did not have at the merge base.
pub fn diff_scan(cfg: &ScanConfig, det: &TextDetector, base_ref: &str) -> Result<Report, String> {
    let root = cfg.roots.first().ok_or("no path to scan")?;
    let Repo { git, prefix, .. } = locate(root)?;
    let base = git
        .run_line(&["merge-base", "--end-of-options", base_ref, "HEAD"])
        .map_err(|e| {
            format!(
                "--diff-base {}: no merge base with HEAD (not a commit of this repository, or unrelated history): {e}",
                escape::display(base_ref)
            )
        })?;
    let base = String::from_utf8_lossy(&base).into_owned();
    // Changed file (display path) → the blob it had at the base, if it existed there.
    let shown = shown_as(cfg, root);
    let mut changed: BTreeMap<String, Option<String>> = BTreeMap::new();
    for c in diff_index(&git, &[], &base)? {
        let Some(rel) = rel_of(&prefix, &c.path).map(&shown) else {
            continue;
        };
        match c.status {
            b'A' => {
                changed.insert(rel, None);
            }
            b'M' | b'T' | b'R' | b'C' => {
                changed.insert(rel, Some(c.src));
            }
            _ => {} // deleted: nothing is introduced
        }
    }
    // Untracked files are new too.
    let untracked = git.run(&["ls-files", "--others", "--exclude-standard", "-z"])?;
    for p in untracked.split(|&b| b == 0).filter(|s| !s.is_empty()) {
        if let Some(rel) = rel_of(&prefix, p).map(&shown) {
            changed.insert(rel, None);
        }
    }
    let mut report = scan::run(cfg, det);
    let mut base_prints: BTreeMap<String, HashSet<String>> = BTreeMap::new();
    let mut blobs = Blobs::start(&git)?;
    let mut missing = Vec::new();
    // The base side is not cached: its files are not on disk.
    let cache = DigestCache::disabled();
    let ctx = FileCtx::of(cfg, det, &cache);
    for (rel, src) in &changed {
        if let Some(oid) = src {
            let keep = keep_for(cfg, rel);
            let prints = match blobs.read(oid, cfg.walk.blob_max, &keep)? {
                blob @ (Blob::Whole(_) | Blob::Large { .. } | Blob::LargeText { .. }) => {
                    fingerprints_of(cfg, &ctx, rel, &blob)
                }
                // Never fetched (a partial clone does not fetch here): every finding is new.
                Blob::Missing => {
                    missing.push(Notification {
                        level: NotificationLevel::Warning,
                        path: Some(rel.clone()),
                        line: None,
                        message: format!(
                            "the content at the merge base (object {oid}) is not in the repository; every finding of this file is reported as new"
                        ),
                    });
                    HashSet::new()
                }
            };
            base_prints.insert(rel.clone(), prints);
        }
    }
    drop(blobs);
    report.findings.retain(|f| match changed.get(&f.path) {
        None => false,
        Some(None) => true,
        Some(Some(_)) => !base_prints
            .get(&f.path)
            .is_some_and(|s| s.contains(&f.fingerprint)),
    });
    report.notifications.extend(missing);
    report.notifications.push(Notification {
        level: NotificationLevel::Note,
        path: None,
        line: None,
        message: format!(
            "diff mode: only findings introduced since {} (merge base of {base_ref} and HEAD); {} changed file(s)",
            &base[..base.len().min(12)],
            changed.len()
        ),
    });
    Ok(report)
}

/// How a path relative to the scanned root is shown: with the root as given in front under
/// `--paths-from-cwd`, as the walk shows it.
fn shown_as<'a>(cfg: &'a ScanConfig, root: &'a Path) -> impl Fn(String) -> String + 'a {
    move |rel| {
        if cfg.walk.prefix_root {
            format!("{}{rel}", crate::walk::display_prefix(root))
        } else {
            rel
        }
    }
}

/// The tree the index is compared with: HEAD's, or the empty tree before the first commit.
fn head_tree(g: &Git) -> Result<String, String> {
    match g.run_line(&["rev-parse", "--verify", "-q", "HEAD^{tree}"]) {
        Ok(t) => Ok(String::from_utf8_lossy(&t).into_owned()),
        Err(_) => {
            let t = g
                .command(&["hash-object", "-t", "tree", "--stdin"])
                .output()
                .map_err(|e| format!("cannot run git: {e}"))?;
            Ok(String::from_utf8_lossy(&t.stdout).trim().to_string())
        }
    }
}

/// The policy file's excludes as a glob set matched against root-relative paths (the same cap
/// as the walk's: excludes come from a policy file the repository controls); problems are
/// notifications.
pub(crate) fn excludes(
    cfg: &ScanConfig,
    notes: &mut Vec<Notification>,
) -> Result<globset::GlobSet, String> {
    let (kept, cap_note) = crate::walk::capped_excludes(&cfg.walk.excludes);
    notes.extend(cap_note);
    let mut ex = globset::GlobSetBuilder::new();
    for e in kept {
        match globset::Glob::new(e) {
            Ok(g) => {
                ex.add(g);
            }
            Err(err) => notes.push(Notification {
                level: NotificationLevel::Error,
                path: None,
                line: None,
                message: format!("exclude `{}`: {err}", escape::display(e)),
            }),
        }
    }
    ex.build().map_err(|e| e.to_string())
}

/// The git processes of `--staged`, started by [`start_staged`] and read by [`staged_scan`].
pub struct StagedGit(Starting);

enum Starting {
    Thread(std::thread::JoinHandle<Result<Started, String>>),
    Done(Result<Started, String>),
}

struct Started {
    git: Git,
    /// [`one_rev_parse_command`]: that the folder is in a work tree, and that HEAD exists.
    rev_parse: Child,
    /// `diff-index` ([`STAGED_ARGS`]) against `HEAD`.
    diff: Child,
    blobs: Blobs,
}

/// Starts the git processes that `--staged` on `root` needs (they do not wait for each other;
/// each costs milliseconds of a pre-commit check, mostly its start-up): the `rev-parse` that
/// checks the folder, the `diff-index` of the index against HEAD, and the `cat-file --batch`
/// that will read the staged blobs. They are started on a thread of their own (starting a
/// process waits until it has loaded git, about a millisecond each), while the rules load. A
/// failure is given by [`staged_scan`].
pub fn start_staged(root: &Path) -> StagedGit {
    let dir = folder_of(root);
    let thread = {
        let dir = dir.clone();
        std::thread::Builder::new()
            .name("modelgate-git".into())
            .spawn(move || spawn_staged(&dir))
    };
    StagedGit(match thread {
        Ok(t) => Starting::Thread(t),
        Err(_) => Starting::Done(spawn_staged(&dir)),
    })
}

fn spawn_staged(dir: &Path) -> Result<Started, String> {
    let git = Git::index_and_objects(dir)?;
    let spawn = |mut c: Command| c.spawn().map_err(|e| format!("cannot run git: {e}"));
    let mut diff = git.command(STAGED_ARGS);
    diff.args(["HEAD", "--"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut rev_parse = one_rev_parse_command(&git);
    rev_parse.stdout(Stdio::piped());
    let diff = spawn(diff)?;
    let rev_parse = spawn(rev_parse)?;
    let blobs = Blobs::start(&git)?;
    Ok(Started {
        git,
        rev_parse,
        diff,
        blobs,
    })
}

/// The staged changes under the folder git runs in, their paths relative to it: the output of
/// the `diff-index` already started when `rev-parse` says HEAD exists, else (no commit yet, a
/// folder name with a newline, an error) from calls made one after another, as before.
fn staged_changes(git: &Git, rev_parse: Child, diff: Child) -> Result<Vec<RawChange>, String> {
    let checked = rev_parse.wait_with_output().ok();
    let diffed = diff
        .wait_with_output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    let answer = checked.as_ref().and_then(one_rev_parse_answer);
    if let Some((_, _, Some(_))) = answer
        && diffed.status.success()
    {
        return parse_raw(&diffed.stdout);
    }
    if answer.is_none() {
        // Not a work tree, or a path with a newline: the error (or the answer) of one value.
        git.run_line(&["rev-parse", "--show-toplevel"])?;
    }
    let tree = head_tree(git)?;
    let mut args = STAGED_ARGS.to_vec();
    args.extend_from_slice(&[&tree, "--"]);
    parse_raw(&git.run(&args)?)
}

/// Scans the staged content of the staged files (added, copied, modified, renamed), with the git
/// processes that [`start_staged`] started for the first root.
pub fn staged_scan(
    cfg: &ScanConfig,
    det: &TextDetector,
    started: StagedGit,
) -> Result<Report, String> {
    let root = cfg.roots.first().ok_or("no path to scan")?;
    let started = match started.0 {
        Starting::Thread(t) => t
            .join()
            .map_err(|_| "cannot run git: the thread starting it failed".to_string())?,
        Starting::Done(r) => r,
    };
    let Started {
        git,
        rev_parse,
        diff,
        mut blobs,
    } = started?;
    let staged = staged_changes(&git, rev_parse, diff)?;
    let mut notes = Vec::new();
    let excludes = excludes(cfg, &mut notes)?;
    let shown = shown_as(cfg, root);
    let mut collected = Collected::default();
    let mut stats = WalkStats::default();
    let max = cfg.walk.blob_max;
    let cache = DigestCache::disabled();
    let ctx = FileCtx::of(cfg, det, &cache);
    for c in staged {
        // Added, modified, type changed (no rename or copy detection: a renamed file is added);
        // not a submodule (a commit, not a blob).
        if !matches!(c.status, b'A' | b'C' | b'M' | b'R' | b'T') || c.dst_mode == "160000" {
            continue;
        }
        let Some(rel) = rel_of(b"", &c.path).map(&shown) else {
            continue;
        };
        if excludes.is_match(Path::new(&*os(&c.path))) {
            continue;
        }
        let keep = keep_for(cfg, &rel);
        let blob = blobs.read(&c.dst, max, &keep)?;
        if let Blob::Missing = blob {
            notes.push(Notification {
                level: NotificationLevel::Warning,
                path: Some(rel.clone()),
                line: None,
                message: format!(
                    "cannot read the staged content: object {} is missing",
                    c.dst
                ),
            });
            continue;
        }
        visit_blob(
            &ctx,
            &rel,
            &blob,
            max,
            &mut stats,
            &mut notes,
            &mut collected,
        );
    }
    // `cat-file` ends while the report is built.
    blobs.close();
    let report = scan::build_report(cfg, det, collected, notes, stats);
    drop(blobs);
    drop(git);
    Ok(report)
}
