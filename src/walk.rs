//! The walk: a parallel, gitignore-aware traversal (the `ignore` crate) that hands each regular
//! file's bytes to a per-thread visitor. It never follows symlinks, never opens anything that is
//! not a regular file (a FIFO would block), skips `.git/`, honours `.gitignore`,
//! `.git/info/exclude` and `.modelgateignore`, and turns every problem into a notification.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ignore::{WalkBuilder, WalkState};

use crate::classify::{self, Class, SNIFF_LEN};
use crate::report::{Notification, NotificationLevel};

#[derive(Debug, Clone)]
pub struct WalkOptions {
    pub threads: usize,
    /// Text files larger than this are reported as skipped.
    pub max_file_size: u64,
    pub no_ignore: bool,
    pub hidden: bool,
    /// Globs (relative to each root) of paths not to walk at all.
    pub excludes: Vec<String>,
}

/// What a visitor is given for one file.
pub struct FileData<'a> {
    /// Repository-relative path with `/` separators.
    pub rel: &'a str,
    pub class: Class,
    /// The whole content for text files; empty for binaries.
    pub bytes: &'a [u8],
    /// For binaries: the bytes read from the start of the file (at least the first 8 KiB).
    pub head: &'a [u8],
    /// The open file (binaries only), for header parsers and hashing.
    pub file: Option<&'a File>,
    /// The file's size.
    pub len: u64,
}

/// Counters of the walk.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct WalkStats {
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    pub binary_files: u64,
    pub skipped: u64,
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
    for c in rel.components() {
        if !raw.is_empty() && !raw.ends_with(b"/") {
            raw.push(b'/');
        }
        raw.extend(bytes(c.as_os_str()));
    }
    if raw.is_empty() {
        // The root itself is a file.
        raw = p.file_name().map(bytes).unwrap_or_default();
    }
    let s = crate::escape::path_bytes(&raw).into_owned();
    crate::escape::note_raw_path(&s, &raw);
    s
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
fn given_path(p: &Path) -> String {
    let s = p
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    if s.is_empty() { ".".into() } else { s }
}

fn open_regular(path: &Path) -> std::io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Never block on a FIFO swapped in after the walk saw a regular file; never follow a
        // symlink swapped in either.
        o.custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW);
    }
    let f = o.open(path)?;
    if !f.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    Ok(f)
}

/// Walks every root. `make_visitor` is called once per worker thread.
pub fn walk<V: Visitor>(
    roots: &[PathBuf],
    opts: &WalkOptions,
    make_visitor: &(dyn Fn() -> V + Sync),
) -> (Vec<Notification>, WalkStats) {
    let notes = Mutex::new(Vec::new());
    let stats = Mutex::new(WalkStats::default());
    for (ri, root) in roots.iter().enumerate() {
        let prefix = if roots.len() > 1 {
            match given_path(root).as_str() {
                "." => String::new(),
                p => format!("{p}/"),
            }
        } else {
            String::new()
        };
        let canon_root = match root.canonicalize() {
            Ok(c) => c,
            Err(e) => {
                notes.lock().unwrap().push(Notification {
                    level: NotificationLevel::Error,
                    path: Some(root.display().to_string()),
                    message: format!("cannot scan: {e}"),
                });
                continue;
            }
        };
        let _ = ri;
        let hidden = opts.hidden;
        let mut b = WalkBuilder::new(root);
        b.threads(opts.threads.max(1))
            .hidden(false)
            .follow_links(false)
            .require_git(false)
            .git_global(false)
            .git_ignore(!opts.no_ignore)
            .git_exclude(!opts.no_ignore)
            .ignore(!opts.no_ignore)
            .parents(!opts.no_ignore)
            .add_custom_ignore_filename(".modelgateignore")
            .filter_entry(move |e| {
                let name = e.file_name().to_string_lossy();
                name != ".git"
                    && (hidden
                        || e.depth() == 0
                        || !name.starts_with('.')
                        || is_config_dotfile(&name))
            });
        if !opts.excludes.is_empty() {
            let mut o = ignore::overrides::OverrideBuilder::new(root);
            for e in &opts.excludes {
                if let Err(err) = o.add(&format!("!{e}")) {
                    notes.lock().unwrap().push(Notification {
                        level: NotificationLevel::Error,
                        path: None,
                        message: format!("exclude `{e}`: {err}"),
                    });
                }
            }
            match o.build() {
                Ok(ov) => {
                    b.overrides(ov);
                }
                Err(err) => notes.lock().unwrap().push(Notification {
                    level: NotificationLevel::Error,
                    path: None,
                    message: format!("excludes: {err}"),
                }),
            }
        }
        let walker = b.build_parallel();
        walker.run(|| {
            let mut visitor = make_visitor();
            let mut buf: Vec<u8> = Vec::new();
            let mut local_notes: Vec<Notification> = Vec::new();
            let mut local = WalkStats::default();
            let notes = &notes;
            let stats = &stats;
            let root = root.as_path();
            let canon_root = canon_root.as_path();
            let prefix = prefix.as_str();
            let mut guard = FlushOnDrop {
                notes,
                stats,
                local_notes: std::mem::take(&mut local_notes),
                local: std::mem::take(&mut local),
            };
            Box::new(move |res| {
                let entry = match res {
                    Ok(e) => e,
                    Err(err) => {
                        guard.local_notes.push(Notification {
                            level: NotificationLevel::Warning,
                            path: error_path(&err, root, prefix),
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
                        guard.local_notes.push(Notification {
                            level: NotificationLevel::Note,
                            path: Some(rel),
                            message:
                                "symbolic link to a target outside the scanned tree; not followed"
                                    .into(),
                        });
                        guard.local.skipped += 1;
                    }
                    return WalkState::Continue;
                }
                if !ft.is_file() {
                    guard.local_notes.push(Notification {
                        level: NotificationLevel::Note,
                        path: Some(rel),
                        message: "not a regular file (FIFO, socket or device); skipped".into(),
                    });
                    guard.local.skipped += 1;
                    return WalkState::Continue;
                }
                read_and_visit(
                    entry.path(),
                    &rel,
                    opts.max_file_size,
                    &mut buf,
                    &mut visitor,
                    &mut guard,
                );
                WalkState::Continue
            })
        });
    }
    let mut notes = notes.into_inner().unwrap();
    notes.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    (notes, stats.into_inner().unwrap())
}

fn read_and_visit<V: Visitor>(
    path: &Path,
    rel: &str,
    max: u64,
    buf: &mut Vec<u8>,
    visitor: &mut V,
    g: &mut FlushOnDrop<'_>,
) {
    let warn = |g: &mut FlushOnDrop<'_>, msg: String| {
        g.local_notes.push(Notification {
            level: NotificationLevel::Warning,
            path: Some(rel.to_string()),
            message: msg,
        });
        g.local.skipped += 1;
    };
    let mut f = match open_regular(path) {
        Ok(f) => f,
        Err(e) => return warn(g, format!("cannot read: {e}")),
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    buf.clear();
    let limit = if len > max { SNIFF_LEN as u64 } else { max + 1 };
    if let Err(e) = (&mut f).take(limit).read_to_end(buf) {
        return warn(g, format!("cannot read: {e}"));
    }
    let len = len.max(buf.len() as u64);
    let class = classify::classify(path, buf);
    match class {
        Class::Weights | Class::OtherBinary => {
            g.local.binary_files += 1;
            visitor.visit(&FileData {
                rel,
                class,
                bytes: &[],
                head: buf,
                file: Some(&f),
                len,
            });
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
            g.local.bytes_scanned += buf.len() as u64;
            visitor.visit(&FileData {
                rel,
                class,
                bytes: buf,
                head: &[],
                file: None,
                len,
            });
        }
    }
}

struct FlushOnDrop<'a> {
    notes: &'a Mutex<Vec<Notification>>,
    stats: &'a Mutex<WalkStats>,
    local_notes: Vec<Notification>,
    local: WalkStats,
}

impl Drop for FlushOnDrop<'_> {
    fn drop(&mut self) {
        if let Ok(mut n) = self.notes.lock() {
            n.append(&mut self.local_notes);
        }
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
