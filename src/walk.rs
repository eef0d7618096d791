//! The walk: a parallel traversal (the `ignore` crate's walker) that hands each regular file's
//! bytes to a per-thread visitor. It never follows symlinks, never opens anything that is not a
//! regular file (a FIFO would block), skips `.git/`, and turns every problem into a notification.
//!
//! Ignore files (`.gitignore`, `.ignore`, `.modelgateignore`, `.git/info/exclude`) are read here,
//! not by the walker library: see [`ignores`]. They are repository content, so each is read
//! bounded, without following a link and without blocking, and the patterns of the whole walk
//! share one budget; an ignore file that is not honoured (or honoured in part) is a warning, and
//! every such failure leads to scanning more, never less.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ignore::{WalkBuilder, WalkState};

use crate::classify::{self, SNIFF_LEN};
use crate::safeio;
use crate::types::{Body, Notification, NotificationLevel};
pub use crate::types::{Class, FileData, WalkStats};

#[derive(Debug, Clone)]
pub struct WalkOptions {
    pub threads: usize,
    /// Text files larger than this are reported as skipped (`u64::MAX`: no limit, the default).
    pub max_file_size: u64,
    /// Text files larger than this are read and scanned in windows of this many bytes (with
    /// [`crate::scan::TEXT_OVERLAP`] on each side) instead of whole: see
    /// [`crate::scan::detect_chunked`].
    pub text_chunk: usize,
    /// Largest text blob read from git's object database (`--staged`, `--diff-base`,
    /// `--history`), which holds a blob whole: `--max-file-size`, else [`crate::scan::TEXT_CHUNK`].
    pub blob_max: u64,
    pub no_ignore: bool,
    pub hidden: bool,
    /// Globs (relative to each root) of paths not to walk at all.
    pub excludes: Vec<String>,
    /// Prefix paths with the root as given even when it is the only root (one root of a
    /// multi-root scan that is walked on its own, under its own policy).
    pub prefix_root: bool,
}

/// A worker's state: created once per thread by the factory passed to [`walk`].
pub trait Visitor: Send {
    fn visit(&mut self, file: &FileData<'_>);
}

/// Path of `p` relative to `root`, with `/` separators; `prefix` is prepended when several roots
/// are scanned.
fn relative(root: &Path, p: &Path, prefix: &str) -> String {
    // Non-UTF-8 names are shown with `\xNN` escapes; their exact bytes are remembered for SARIF.
    let bytes = |o: &std::ffi::OsStr| -> Vec<u8> {
        #[cfg(unix)]
        {
            std::os::unix::ffi::OsStrExt::as_bytes(o).to_vec()
        }
        #[cfg(not(unix))]
        {
            o.to_string_lossy().into_owned().into_bytes()
        }
    };
    let rel = p.strip_prefix(root).unwrap_or(p);
    let mut raw = prefix.as_bytes().to_vec();
    let mut push = |part: &[u8]| {
        if !raw.is_empty() && !raw.ends_with(b"/") {
            raw.push(b'/');
        }
        raw.extend_from_slice(part);
    };
    match plain_bytes(rel) {
        Some(b) => push(b),
        None => {
            for c in rel.components() {
                push(&bytes(c.as_os_str()));
            }
        }
    }
    if raw.is_empty() {
        // The root itself is a file.
        raw = p.file_name().map(bytes).unwrap_or_default();
    }
    let s = crate::escape::path_bytes(&raw).into_owned();
    crate::escape::note_raw_path(&s, &raw);
    s
}

/// The bytes of `rel` when they are its components joined with `/` as they are (the walk joins
/// plain names: no `.`, `..`, empty or leading-`/` component to drop), so it need not be taken
/// apart; `None` otherwise and off Unix.
fn plain_bytes(rel: &Path) -> Option<&[u8]> {
    #[cfg(unix)]
    {
        let b = std::os::unix::ffi::OsStrExt::as_bytes(rel.as_os_str());
        let plain = !b.is_empty()
            && !b.starts_with(b"/")
            && !b.ends_with(b"/")
            && !b.windows(2).any(|w| w == b"//")
            && b.split(|&c| c == b'/').all(|c| c != b"." && c != b"..");
        plain.then_some(b)
    }
    #[cfg(not(unix))]
    {
        let _ = rel;
        None
    }
}

/// Hidden names that are scanned even without `--hidden`: they are where model and endpoint
/// settings live (`.env`, CI workflows, dev containers).
pub fn is_config_dotfile(name: &str) -> bool {
    name == ".env"
        || name.starts_with(".env.")
        || matches!(
            name,
            ".envrc"
                | ".github"
                | ".gitlab-ci.yml"
                | ".devcontainer"
                | ".circleci"
                | ".modelgate.toml"
        )
}

/// A path as given on the command line, `/`-separated, without a leading `./`.
/// What paths under `root` are prefixed with when roots are shown as given (several roots, or
/// `--paths-from-cwd`): `root/`, or nothing for `.`.
pub fn display_prefix(root: &Path) -> String {
    match given_path(root).as_str() {
        "." => String::new(),
        p => format!("{p}/"),
    }
}

fn given_path(p: &Path) -> String {
    let s = p
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    if s.is_empty() { ".".into() } else { s }
}

/// Notifications the walk lists; beyond this (a hostile tree of a million FIFOs or links) they
/// are counted and summarised in one warning.
pub const MAX_WALK_NOTES: usize = 1_000;
/// `[paths] exclude` globs compiled; measured (release build): 100,000 excludes took 1.5 GiB
/// (about 15 KiB each), so 1,000 stay near 15 MiB.
pub const MAX_EXCLUDES: usize = 1_000;
/// Bytes of `[paths] exclude` globs compiled.
pub const MAX_EXCLUDE_BYTES: usize = 64 << 10;

/// The walk's notifications, bounded: at most [`MAX_WALK_NOTES`] are kept, the rest counted.
#[derive(Default)]
pub(crate) struct Notes {
    kept: Mutex<Vec<Notification>>,
    dropped: std::sync::atomic::AtomicUsize,
}

impl Notes {
    fn push_all(&self, v: &mut Vec<Notification>) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        let room = MAX_WALK_NOTES.saturating_sub(kept.len());
        if v.len() > room {
            self.dropped
                .fetch_add(v.len() - room, std::sync::atomic::Ordering::Relaxed);
            v.truncate(room);
        }
        kept.append(v);
    }

    fn push(&self, n: Notification) {
        self.push_all(&mut vec![n]);
    }

    /// Moves `other`'s notifications and count of dropped ones into `self`.
    fn absorb(&self, other: &Notes) {
        let mut v = std::mem::take(&mut *other.kept.lock().unwrap_or_else(|e| e.into_inner()));
        self.push_all(&mut v);
        let d = other.dropped.swap(0, std::sync::atomic::Ordering::Relaxed);
        self.dropped
            .fetch_add(d, std::sync::atomic::Ordering::Relaxed);
    }

    fn into_vec(self) -> Vec<Notification> {
        let mut v = self.kept.into_inner().unwrap_or_else(|e| e.into_inner());
        let dropped = self.dropped.into_inner();
        if dropped > 0 {
            v.push(Notification {
                level: NotificationLevel::Warning,
                path: None,
                line: None,
                message: format!(
                    "{dropped} more notifications of the walk (skipped, unreadable or ignored \
                     files) not listed: at most {MAX_WALK_NOTES} are"
                ),
            });
        }
        v
    }
}

/// The excludes that are compiled: at most [`MAX_EXCLUDES`] globs and [`MAX_EXCLUDE_BYTES`]
/// bytes, the rest dropped with an error notification (dropping one scans more, never less).
/// Every user of `[paths] exclude` (the walk, `--staged`) goes through it.
pub fn capped_excludes(excludes: &[String]) -> (&[String], Option<Notification>) {
    let mut bytes = 0usize;
    let mut n = 0usize;
    for e in excludes.iter().take(MAX_EXCLUDES) {
        if bytes + e.len() > MAX_EXCLUDE_BYTES {
            break;
        }
        bytes += e.len();
        n += 1;
    }
    let note = (n < excludes.len()).then(|| Notification {
        level: NotificationLevel::Error,
        path: None,
        line: None,
        message: format!(
            "{} exclude globs ({} bytes) are more than the limit of {MAX_EXCLUDES} globs and \
             {MAX_EXCLUDE_BYTES} bytes: only the first {n} are applied, the paths the others \
             name are scanned",
            excludes.len(),
            excludes.iter().map(String::len).sum::<usize>()
        ),
    });
    (&excludes[..n], note)
}

/// Walks every root. `make_visitor` is called once per worker thread.
pub fn walk<V: Visitor>(
    roots: &[PathBuf],
    opts: &WalkOptions,
    make_visitor: &(dyn Fn() -> V + Sync),
) -> (Vec<Notification>, WalkStats) {
    let notes = Notes::default();
    let stats = Mutex::new(WalkStats::default());
    let ign = Arc::new(ignores::Ignores::default());
    let (excludes, note) = capped_excludes(&opts.excludes);
    if let Some(n) = note {
        notes.push(n);
    }
    for root in roots {
        let prefix = if roots.len() > 1 || opts.prefix_root {
            display_prefix(root)
        } else {
            String::new()
        };
        let canon_root = match root.canonicalize() {
            Ok(c) => c,
            Err(e) => {
                notes.push(Notification {
                    level: NotificationLevel::Error,
                    path: Some(root.display().to_string()),
                    line: None,
                    message: format!("cannot scan: {e}"),
                });
                continue;
            }
        };
        let hidden = opts.hidden;
        let mut b = WalkBuilder::new(root);
        // The walker library reads no ignore file: [`ignores`] does, bounded.
        b.threads(opts.threads.max(1))
            .hidden(false)
            .follow_links(false)
            .require_git(false)
            .git_global(false)
            .git_ignore(false)
            .git_exclude(false)
            .ignore(false)
            .parents(false);
        let rctx = if opts.no_ignore {
            None
        } else {
            Some(Arc::new(ignores::RootIgnores::new(
                &ign,
                root.clone(),
                canon_root.clone(),
                prefix.clone(),
            )))
        };
        let ign_f = ign.clone();
        b.filter_entry(move |e| {
            let name = e.file_name().to_string_lossy();
            let keep = name != ".git"
                && (hidden || e.depth() == 0 || !name.starts_with('.') || is_config_dotfile(&name));
            if !keep || e.depth() == 0 {
                return keep;
            }
            let (Some(r), Some(dir)) = (rctx.as_deref(), e.path().parent()) else {
                return true;
            };
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            let chain = r.chain(&ign_f, dir);
            !ignores::is_ignored(r, chain.as_deref(), e.path(), is_dir)
        });
        if !excludes.is_empty() {
            let mut o = ignore::overrides::OverrideBuilder::new(root);
            for e in excludes {
                if let Err(err) = o.add(&format!("!{e}")) {
                    notes.push(Notification {
                        level: NotificationLevel::Error,
                        path: None,
                        line: None,
                        message: format!("exclude `{e}`: {err}"),
                    });
                }
            }
            match o.build() {
                Ok(ov) => {
                    b.overrides(ov);
                }
                Err(err) => notes.push(Notification {
                    level: NotificationLevel::Error,
                    path: None,
                    line: None,
                    message: format!("excludes: {err}"),
                }),
            }
        }
        let walker = b.build_parallel();
        walker.run(|| {
            let mut visitor = make_visitor();
            let mut buf: Vec<u8> = Vec::new();
            let notes = &notes;
            let stats = &stats;
            let root = root.as_path();
            let canon_root = canon_root.as_path();
            let prefix = prefix.as_str();
            let mut guard = FlushOnDrop {
                notes,
                stats,
                local_notes: Vec::new(),
                local: WalkStats::default(),
            };
            Box::new(move |res| {
                let entry = match res {
                    Ok(e) => e,
                    Err(err) => {
                        guard.note(Notification {
                            level: NotificationLevel::Warning,
                            path: error_path(&err, root, prefix),
                            line: None,
                            message: format!("not scanned: {}", error_text(&err)),
                        });
                        guard.local.skipped += 1;
                        return WalkState::Continue;
                    }
                };
                let Some(ft) = entry.file_type() else {
                    return WalkState::Continue;
                };
                if ft.is_dir() {
                    return WalkState::Continue;
                }
                let rel = if entry.depth() == 0 {
                    // A file given on the command line: report it as it was given.
                    given_path(root)
                } else {
                    relative(root, entry.path(), prefix)
                };
                if ft.is_symlink() {
                    if let Ok(target) = entry.path().canonicalize()
                        && !target.starts_with(canon_root)
                    {
                        guard.note(Notification {
                            level: NotificationLevel::Note,
                            path: Some(rel),
                            line: None,
                            message:
                                "symbolic link to a target outside the scanned tree; not followed"
                                    .into(),
                        });
                        guard.local.skipped += 1;
                    }
                    return WalkState::Continue;
                }
                if !ft.is_file() {
                    guard.note(Notification {
                        level: NotificationLevel::Note,
                        path: Some(rel),
                        line: None,
                        message: "not a regular file (FIFO, socket or device); skipped".into(),
                    });
                    guard.local.skipped += 1;
                    return WalkState::Continue;
                }
                read_and_visit(
                    entry.path(),
                    &rel,
                    opts.max_file_size,
                    opts.text_chunk as u64,
                    &mut buf,
                    &mut visitor,
                    &mut guard,
                );
                WalkState::Continue
            })
        });
    }
    notes.absorb(&ign.notes);
    let mut notes = notes.into_vec();
    notes.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    (notes, stats.into_inner().unwrap())
}

fn read_and_visit<V: Visitor>(
    path: &Path,
    rel: &str,
    max: u64,
    chunk: u64,
    buf: &mut Vec<u8>,
    visitor: &mut V,
    g: &mut FlushOnDrop<'_>,
) {
    let warn = |g: &mut FlushOnDrop<'_>, msg: String| {
        g.note(Notification {
            level: NotificationLevel::Warning,
            path: Some(rel.to_string()),
            line: None,
            message: msg,
        });
        g.local.skipped += 1;
    };
    let (mut f, len) = match safeio::open_regular_len(path, None) {
        Ok(f) => f,
        Err(e @ safeio::ReadError::Io(_)) => return warn(g, e.to_string()),
        Err(e) => return warn(g, format!("cannot read: {e}")),
    };
    // A file larger than the limit or than one window is sniffed here and, if it is text to
    // scan, read in windows by the visitor.
    let limit = if len > max || len > chunk {
        SNIFF_LEN as u64
    } else {
        max.min(chunk) + 1
    };
    let n = match safeio::read_into(
        &mut f,
        buf,
        usize::try_from(limit).unwrap_or(usize::MAX),
        len,
    ) {
        Ok(n) => n,
        Err(e) => return warn(g, format!("cannot read: {e}")),
    };
    let buf = &buf[..n];
    let len = len.max(buf.len() as u64);
    let class = classify::classify(path, buf);
    // Binaries, and text larger than one window, are read on from the open file; the rest of
    // text is scanned from `buf`.
    let from_file = match class {
        Class::Weights | Class::OtherBinary => {
            g.local.binary_files += 1;
            true
        }
        Class::Text { .. } => {
            if len > max {
                return warn(
                    g,
                    format!(
                        "text file of {len} bytes is larger than --max-file-size ({max} bytes); not scanned"
                    ),
                );
            }
            g.local.files_scanned += 1;
            // Larger than one window: scanned in windows from the open file.
            let windows = len > buf.len() as u64;
            g.local.bytes_scanned += if windows { len } else { buf.len() as u64 };
            windows
        }
    };
    visitor.visit(&if from_file {
        FileData {
            rel,
            class,
            bytes: &[],
            head: buf,
            body: Body::File(&f),
            len,
        }
    } else {
        FileData {
            rel,
            class,
            bytes: buf,
            head: &[],
            body: Body::None,
            len,
        }
    });
}

struct FlushOnDrop<'a> {
    notes: &'a Notes,
    stats: &'a Mutex<WalkStats>,
    local_notes: Vec<Notification>,
    local: WalkStats,
}

impl FlushOnDrop<'_> {
    /// Keeps a notification (a worker batches up to 64 before taking the shared lock; once the
    /// shared list is full, further ones are only counted).
    fn note(&mut self, n: Notification) {
        self.local_notes.push(n);
        if self.local_notes.len() >= 64 {
            self.notes.push_all(&mut self.local_notes);
        }
    }
}

impl Drop for FlushOnDrop<'_> {
    fn drop(&mut self) {
        self.notes.push_all(&mut self.local_notes);
        if let Ok(mut s) = self.stats.lock() {
            s.files_scanned += self.local.files_scanned;
            s.bytes_scanned += self.local.bytes_scanned;
            s.binary_files += self.local.binary_files;
            s.skipped += self.local.skipped;
        }
    }
}

fn error_path(err: &ignore::Error, root: &Path, prefix: &str) -> Option<String> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(relative(root, path, prefix)),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err, root, prefix)
        }
        ignore::Error::Partial(errs) => errs.first().and_then(|e| error_path(e, root, prefix)),
        _ => None,
    }
}

fn error_text(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => {
            error_text(err)
        }
        other => other.to_string(),
    }
}

/// Ignore files, read by us rather than by the walker library (which would open a FIFO and block,
/// follow a link to `/dev/zero` or out of the tree, and compile any number of patterns).
///
/// Semantics follow ripgrep's: in every folder of the walk, `.modelgateignore` (highest
/// precedence), then `.ignore`, then `.gitignore`; `.git/info/exclude` of a folder holding a `.git`
/// folder (lowest). For each kind the deepest folder with a matching pattern decides (a `!`
/// pattern keeps the path); `.gitignore` and `exclude` stop applying above a folder holding `.git`.
/// `.gitignore` is honoured outside a git repository too. The folders above a scanned root are
/// consulted only up to the root of the git repository that encloses it, never beyond it, and
/// not at all outside a repository.
pub mod ignores {
    use std::collections::HashMap;
    use std::hash::BuildHasher;
    use std::path::{Path, PathBuf};
    use std::sync::{Arc, Mutex, RwLock};

    use ignore::Match;
    use ignore::gitignore::{Gitignore, GitignoreBuilder};

    use crate::safeio::{self, ReadError, limits};
    use crate::types::{Notification, NotificationLevel};

    /// Patterns compiled across all ignore files of one scan. Measured (release build): a
    /// gitignore pattern costs about 14 KiB once compiled (200,000 patterns took 2.9 GiB), so
    /// 5,000 patterns stay under 80 MiB.
    pub const MAX_PATTERNS: usize = 5_000;
    /// Bytes of pattern text across all ignore files of one scan (long patterns compile to large
    /// automata; this bounds them whatever their number). Measured: 256 KiB of 250-character
    /// wildcard patterns peaked at 155 MiB, so half of that keeps a scan well under 200 MiB.
    pub const MAX_PATTERN_BYTES: usize = 128 << 10;
    /// Invalid patterns of one file reported one by one; the rest are counted.
    const MAX_INVALID_REPORTED: usize = 3;

    /// The names read in every folder, by kind, highest precedence first.
    const NAMES: [&str; 3] = [".modelgateignore", ".ignore", ".gitignore"];

    /// The matchers of one folder, by kind: `.modelgateignore`, `.ignore`, `.gitignore`,
    /// `.git/info/exclude`.
    #[derive(Default)]
    pub struct DirIgnores {
        kinds: [Option<Gitignore>; 4],
        has_git: bool,
    }

    /// The folders that matter for the paths of one folder, deepest first: a persistent list
    /// shared by every folder below (a folder with no ignore file and no `.git` adds no node), so
    /// each path costs one lookup whatever its depth.
    pub struct Node {
        dir: Arc<DirIgnores>,
        /// A folder above the scanned root: matched against the absolute path.
        abs: bool,
        up: Option<Arc<Node>>,
    }

    struct Budget {
        patterns: usize,
        bytes: usize,
        warned: bool,
    }

    /// What every root of one walk shares: the pattern budget and the warnings.
    pub struct Ignores {
        budget: Mutex<Budget>,
        pub(crate) notes: super::Notes,
    }

    /// One scanned root: how to name its files in notifications, the folders above it, and the
    /// chain of every folder of it seen so far (the walk is parallel). Keyed by a seeded hash of
    /// the folder's path: a tree of a million folders costs tens of MiB, not hundreds.
    pub struct RootIgnores {
        root: PathBuf,
        canon_root: PathBuf,
        prefix: String,
        base: Option<Arc<Node>>,
        chains: RwLock<HashMap<u64, Option<Arc<Node>>>>,
        hasher: std::collections::hash_map::RandomState,
    }

    impl Default for Ignores {
        fn default() -> Self {
            Ignores {
                budget: Mutex::new(Budget {
                    patterns: MAX_PATTERNS,
                    bytes: MAX_PATTERN_BYTES,
                    warned: false,
                }),
                notes: super::Notes::default(),
            }
        }
    }

    impl RootIgnores {
        pub fn new(ign: &Ignores, root: PathBuf, canon_root: PathBuf, prefix: String) -> Self {
            let mut base = None;
            for d in ign.parents(&canon_root).into_iter().rev() {
                base = Some(Arc::new(Node {
                    dir: d,
                    abs: true,
                    up: base,
                }));
            }
            RootIgnores {
                root,
                canon_root,
                prefix,
                base,
                chains: RwLock::new(HashMap::new()),
                hasher: std::collections::hash_map::RandomState::new(),
            }
        }

        fn shown(&self, d: &Path) -> String {
            if d == self.root {
                self.prefix.trim_end_matches('/').to_string()
            } else {
                super::relative(&self.root, d, &self.prefix)
            }
        }

        /// The chain of folder `dir` of this root (its ignore files are read the first time).
        pub fn chain(&self, ign: &Ignores, dir: &Path) -> Option<Arc<Node>> {
            let key = |d: &Path| self.hasher.hash_one(d);
            // The folders not seen yet, deepest first, up to the first one seen (usually `dir`
            // itself or its parent: the walk goes top down).
            let mut pending = Vec::new();
            {
                let chains = self.chains.read().unwrap_or_else(|e| e.into_inner());
                let mut cur = dir;
                loop {
                    if let Some(c) = chains.get(&key(cur)) {
                        if pending.is_empty() {
                            return c.clone();
                        }
                        break;
                    }
                    pending.push(cur);
                    match cur.parent() {
                        Some(p) if cur != self.root && p.starts_with(&self.root) => cur = p,
                        _ => break,
                    }
                }
            }
            // Built under the write lock: each ignore file is read (and warned about) once.
            let mut chains = self.chains.write().unwrap_or_else(|e| e.into_inner());
            let top = pending.last().copied().unwrap_or(dir);
            let mut chain = match top.parent().and_then(|p| chains.get(&key(p))) {
                Some(c) if top != self.root => c.clone(),
                // The root (or, outside a walk, a folder not reached from it): the folders above.
                _ => self.base.clone(),
            };
            for d in pending.into_iter().rev() {
                if let Some(c) = chains.get(&key(d)) {
                    chain = c.clone();
                    continue;
                }
                // A folder the walk reached without following a link is inside the tree: no
                // `canonicalize` per ignore file (that was quadratic in the depth).
                if let Some(own) = ign.load(d, &self.shown(d), None) {
                    chain = Some(Arc::new(Node {
                        dir: own,
                        abs: false,
                        up: chain,
                    }));
                }
                chains.insert(key(d), chain.clone());
            }
            chain
        }
    }

    impl Ignores {
        fn warn(&self, path: String, message: String) {
            self.notes.push(Notification {
                level: NotificationLevel::Warning,
                path: Some(path),
                line: None,
                message,
            });
        }

        /// Reads the ignore files of `dir`; `None` when it has none and no `.git`. `shown` names
        /// `dir` in notifications (`""` for a scanned root); `tree`, when given, is the folder the
        /// files must stay inside (for the folders above the root).
        fn load(&self, dir: &Path, shown: &str, tree: Option<&Path>) -> Option<Arc<DirIgnores>> {
            let mut d = DirIgnores {
                has_git: std::fs::symlink_metadata(dir.join(".git")).is_ok(),
                ..DirIgnores::default()
            };
            let join = |name: &str| {
                if shown.is_empty() {
                    name.to_string()
                } else {
                    format!("{}/{name}", shown.trim_end_matches('/'))
                }
            };
            for (i, name) in NAMES.iter().enumerate() {
                d.kinds[i] = self.read(dir, &dir.join(name), &join(name), tree);
            }
            if d.has_git && std::fs::symlink_metadata(dir.join(".git")).is_ok_and(|m| m.is_dir()) {
                d.kinds[3] = self.read(
                    dir,
                    &dir.join(".git/info/exclude"),
                    &join(".git/info/exclude"),
                    tree,
                );
            }
            (d.has_git || d.kinds.iter().any(Option::is_some)).then(|| Arc::new(d))
        }

        /// Reads one ignore file into a matcher rooted at `dir`; `None` when absent or not
        /// honoured (with a warning).
        fn read(
            &self,
            dir: &Path,
            path: &Path,
            shown: &str,
            tree: Option<&Path>,
        ) -> Option<Gitignore> {
            // The common case, no such file, costs one `lstat`.
            std::fs::symlink_metadata(path).ok()?;
            let text = match safeio::read_text(path, tree, limits::IGNORE_FILE) {
                Ok(t) => t,
                Err(ReadError::NotFound) => return None,
                Err(e) => {
                    self.warn(
                        shown.to_string(),
                        format!("ignore file not honoured: {e}; the paths it names are scanned"),
                    );
                    return None;
                }
            };
            let mut b = GitignoreBuilder::new(dir);
            let mut invalid = Vec::new();
            let mut invalid_count = 0usize;
            let mut added = 0usize;
            let mut cut = None;
            for (n, line) in text.lines().enumerate() {
                let t = line.trim();
                if t.is_empty() || line.starts_with('#') {
                    continue;
                }
                {
                    let mut budget = self.budget.lock().unwrap_or_else(|e| e.into_inner());
                    if budget.patterns == 0 || budget.bytes < line.len() {
                        let first = !budget.warned;
                        budget.warned = true;
                        cut = Some((n + 1, first));
                        break;
                    }
                    budget.patterns -= 1;
                    budget.bytes -= line.len();
                }
                match b.add_line(None, line) {
                    Ok(_) => added += 1,
                    Err(e) => {
                        invalid_count += 1;
                        if invalid.len() < MAX_INVALID_REPORTED {
                            invalid.push(format!("line {}: {e}", n + 1));
                        }
                    }
                }
            }
            if invalid_count > 0 {
                let more = invalid_count - invalid.len();
                self.warn(
                    shown.to_string(),
                    format!(
                        "{invalid_count} invalid ignore pattern(s) not honoured ({}{})",
                        invalid.join("; "),
                        if more > 0 {
                            format!("; {more} more")
                        } else {
                            String::new()
                        }
                    ),
                );
            }
            if let Some((line, first)) = cut {
                self.warn(
                    shown.to_string(),
                    format!(
                        "ignore patterns from line {line} on not honoured: the scan's budget of \
                         {MAX_PATTERNS} patterns ({MAX_PATTERN_BYTES} bytes) across all ignore \
                         files is used up{}; the paths they name are scanned",
                        if first {
                            ""
                        } else {
                            " (already reached by another file)"
                        }
                    ),
                );
            }
            if added == 0 {
                return None;
            }
            match b.build() {
                Ok(g) => Some(g),
                Err(e) => {
                    self.warn(
                        shown.to_string(),
                        format!("ignore file not honoured: {e}; the paths it names are scanned"),
                    );
                    None
                }
            }
        }

        /// The matchers of the folders above `canon_root` up to the root of the enclosing git
        /// repository (deepest first); none when `canon_root` is itself a repository root or is
        /// not inside one.
        pub fn parents(&self, canon_root: &Path) -> Vec<Arc<DirIgnores>> {
            if !canon_root.is_dir() || std::fs::symlink_metadata(canon_root.join(".git")).is_ok() {
                return Vec::new();
            }
            let mut chain = Vec::new();
            let mut repo = None;
            for a in canon_root.ancestors().skip(1) {
                chain.push(a);
                if std::fs::symlink_metadata(a.join(".git")).is_ok() {
                    repo = Some(a);
                    break;
                }
            }
            let Some(repo) = repo else {
                return Vec::new();
            };
            chain
                .into_iter()
                .filter_map(|a| self.load(a, &a.display().to_string(), Some(repo)))
                .collect()
        }
    }

    /// Whether `path` (a child of a folder of `r`, as the walk names it) is ignored, given the
    /// chain of that folder.
    pub fn is_ignored(r: &RootIgnores, chain: Option<&Node>, path: &Path, is_dir: bool) -> bool {
        let mut m: [Match<()>; 4] = [Match::None, Match::None, Match::None, Match::None];
        let mut saw_git = false;
        let mut abs: Option<PathBuf> = None;
        let mut node = chain;
        while let Some(n) = node {
            // The folders above the root have matchers rooted at absolute paths.
            let p: &Path = if n.abs {
                abs.get_or_insert_with(|| {
                    r.canon_root
                        .join(path.strip_prefix(&r.root).unwrap_or(path))
                })
            } else {
                path
            };
            for (k, slot) in m.iter_mut().enumerate() {
                // `.gitignore` and `exclude` stop applying above a folder holding `.git`.
                if !slot.is_none() || (k >= 2 && saw_git) {
                    continue;
                }
                if let Some(g) = &n.dir.kinds[k] {
                    *slot = g.matched(p, is_dir).map(|_| ());
                }
            }
            saw_git |= n.dir.has_git;
            node = n.up.as_deref();
        }
        m.iter()
            .find(|x| !x.is_none())
            .is_some_and(|x| x.is_ignore())
    }
}

#[cfg(test)]
mod tests {
    use super::relative;
    use std::path::Path;

    #[test]
    fn relative_paths_join_components_with_slashes() {
        let root = Path::new("repo");
        let p = |s: &str| relative(root, Path::new(s), "");
        assert_eq!(p("repo/a/b.py"), "a/b.py");
        assert_eq!(relative(root, Path::new("repo/a/b.py"), "x"), "x/a/b.py");
        assert_eq!(relative(root, Path::new("repo/a/b.py"), "x/"), "x/a/b.py");
        // Not plain: through the components.
        assert_eq!(p("repo/a/./b.py"), "a/b.py");
        assert_eq!(p("repo/a//b.py"), "a/b.py");
        assert_eq!(relative(Path::new("."), Path::new("./a/b"), ""), "a/b");
        // The root itself is a file.
        assert_eq!(relative(Path::new("f.py"), Path::new("f.py"), ""), "f.py");
    }
}
