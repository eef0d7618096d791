//! The one way the scan opens and reads a file that repository content can name or place: never
//! blocks (a FIFO or device is refused without waiting for a writer), never follows a symbolic
//! link (neither the last component nor, when a tree is given, a folder that leads out of it),
//! and never reads more than a stated number of bytes.
//!
//! Everything outside the walk (ignore files, the policy file, `-r` includes, installed-package
//! metadata, baselines) goes through [`read_bounded`] or [`open_regular`]; the walk uses
//! [`open_regular`] too.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// Not found (kept apart so callers can treat an absent optional file as nothing to do).
    NotFound,
    /// A symbolic link (never followed).
    Symlink,
    /// A FIFO, socket, device or folder.
    NotRegular,
    /// Reached through a folder outside the scanned tree (a symlinked folder).
    OutsideTree(PathBuf),
    /// Larger than the limit for this kind of file.
    TooLarge {
        size: u64,
        max: u64,
    },
    Io(io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::NotFound => f.write_str("not found"),
            ReadError::Symlink => f.write_str("is a symbolic link; not followed"),
            ReadError::NotRegular => {
                f.write_str("not a regular file (FIFO, socket, device or folder); not read")
            }
            ReadError::OutsideTree(_) => {
                f.write_str("reached through a link to a folder outside the scanned tree; not read")
            }
            ReadError::TooLarge { size, max } => {
                write!(
                    f,
                    "{size} bytes is larger than the limit of {max} bytes; not read"
                )
            }
            ReadError::Io(e) => write!(f, "cannot read: {e}"),
        }
    }
}

impl std::error::Error for ReadError {}

impl ReadError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::NotFound)
    }
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::NotFound => ReadError::NotFound,
            _ if e.raw_os_error() == Some(libc::ELOOP) => ReadError::Symlink,
            _ => ReadError::Io(e),
        }
    }
}

/// Opens `path` for reading if it is a regular file: non-blocking (a FIFO is refused, never
/// waited on), without following a symbolic link in its last component. When `tree` is given,
/// the file's folder must resolve to a place inside `tree` (so a symlinked folder cannot lead the
/// read out of the scanned tree).
pub fn open_regular(path: &Path, tree: Option<&Path>) -> Result<File, ReadError> {
    open_regular_len(path, tree).map(|(f, _)| f)
}

/// [`open_regular`], and the file's size when it was opened.
pub fn open_regular_len(path: &Path, tree: Option<&Path>) -> Result<(File, u64), ReadError> {
    if let Some(tree) = tree {
        check_inside(path, tree)?;
    }
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_CLOEXEC);
    }
    #[cfg(not(unix))]
    if std::fs::symlink_metadata(path)?.file_type().is_symlink() {
        return Err(ReadError::Symlink);
    }
    let f = o.open(path)?;
    let meta = f.metadata()?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    Ok((f, meta.len()))
}

/// Reads `f` from its current position into `buf` until the end of the file or `limit` bytes,
/// and returns how many bytes were read (`buf[..n]`; bytes after `n` are left over from earlier
/// reads). `size` is the file's expected size: the buffer is grown to hold it at once, so a
/// file is read with one call (and one more that finds its end), and a buffer reused from file
/// to file is only zeroed where it grows.
pub fn read_into(
    f: &mut File,
    buf: &mut Vec<u8>,
    limit: usize,
    size: u64,
) -> std::io::Result<usize> {
    let first = usize::try_from(size)
        .unwrap_or(usize::MAX)
        .saturating_add(1)
        .min(limit);
    if buf.len() < first {
        buf.resize(first, 0);
    }
    let mut n = 0;
    while n < limit {
        if n == buf.len() {
            let grown = buf.len().saturating_mul(2).max(8192).min(limit);
            buf.resize(grown, 0);
        }
        let end = buf.len().min(limit);
        match f.read(&mut buf[n..end]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// `Err(OutsideTree)` when the folder holding `path` is not inside `tree` once links are resolved.
pub fn check_inside(path: &Path, tree: &Path) -> Result<(), ReadError> {
    let canon_tree = tree.canonicalize()?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let canon_parent = parent.canonicalize()?;
    if canon_parent.starts_with(&canon_tree) {
        Ok(())
    } else {
        Err(ReadError::OutsideTree(canon_parent))
    }
}

/// Reads at most `max` bytes of an open file; a file that turns out longer is an error, never a
/// silently truncated read.
pub fn read_all(f: &mut File, max: u64) -> Result<Vec<u8>, ReadError> {
    let size = f.metadata()?.len();
    if size > max {
        return Err(ReadError::TooLarge { size, max });
    }
    let mut buf = Vec::with_capacity(size as usize);
    f.take(max + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > max {
        return Err(ReadError::TooLarge {
            size: buf.len() as u64,
            max,
        });
    }
    Ok(buf)
}

/// [`open_regular`] then [`read_all`].
pub fn read_bounded(path: &Path, tree: Option<&Path>, max: u64) -> Result<Vec<u8>, ReadError> {
    read_all(&mut open_regular(path, tree)?, max)
}

/// [`read_bounded`] as UTF-8 text (invalid sequences replaced).
pub fn read_text(path: &Path, tree: Option<&Path>, max: u64) -> Result<String, ReadError> {
    let b = read_bounded(path, tree, max)?;
    Ok(match String::from_utf8(b) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// Limits of the files read outside the walk.
pub mod limits {
    /// Ignore files (`.gitignore`, `.ignore`, `.modelgateignore`, `.git/info/exclude`).
    pub const IGNORE_FILE: u64 = 1 << 20;
    /// The policy file (`modelgate.toml`). Parsing TOML with spans takes about 50 times the
    /// file's size (measured: 4 MiB of `[[allow]]` entries, about 100,000 of them, peaked at
    /// 217 MiB, 16 MiB at 830 MiB), and real policies are a few KiB: 2 MiB keeps the peak near
    /// 110 MiB, under the 200 MiB bound of a scan.
    pub const POLICY_FILE: u64 = 2 << 20;
    /// A baseline file (about 250 bytes a finding as written, so some 60,000 findings). Measured:
    /// 64 MiB of minimal entries (2.6 million fingerprints) peaked at 323 MiB; 16 MiB stays near
    /// 80 MiB.
    pub const BASELINE_FILE: u64 = 16 << 20;
    /// A manifest reached outside the walk (`-r` includes) or installed-package metadata
    /// (`METADATA`, `RECORD`, `package.json`, `Cargo.toml`).
    pub const METADATA_FILE: u64 = 8 << 20;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_fifo_symlink_and_large() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("a.txt");
        std::fs::write(&f, b"hello").unwrap();
        assert_eq!(read_bounded(&f, Some(d.path()), 5).unwrap(), b"hello");
        assert!(matches!(
            read_bounded(&f, None, 4),
            Err(ReadError::TooLarge { size: 5, max: 4 })
        ));
        #[cfg(unix)]
        {
            let l = d.path().join("link");
            std::os::unix::fs::symlink("/dev/zero", &l).unwrap();
            assert!(matches!(
                read_bounded(&l, None, 10),
                Err(ReadError::Symlink)
            ));
            let fifo = d.path().join("fifo");
            let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
            assert!(matches!(
                read_bounded(&fifo, None, 10),
                Err(ReadError::NotRegular)
            ));
            let out = tempfile::tempdir().unwrap();
            std::fs::write(out.path().join("x"), b"secret").unwrap();
            let ld = d.path().join("dir");
            std::os::unix::fs::symlink(out.path(), &ld).unwrap();
            assert!(matches!(
                read_bounded(&ld.join("x"), Some(d.path()), 10),
                Err(ReadError::OutsideTree(_))
            ));
        }
        assert!(
            read_bounded(&d.path().join("none"), None, 1)
                .unwrap_err()
                .is_not_found()
        );
    }
}
