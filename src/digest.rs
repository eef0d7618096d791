//! File digests: streaming sha256 with a bounded buffer, and an on-disk cache keyed by
//! (device, inode, size, mtime) so an unchanged file is never hashed twice.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

/// Read buffer of the hasher.
pub const BUF: usize = 1 << 20;

/// Streams a file through sha256 from its current position (1 MiB reads).
pub fn sha256_file(mut f: &File) -> std::io::Result<(String, u64)> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // Purely advisory; errors are irrelevant.
        unsafe {
            libc::posix_fadvise(f.as_raw_fd(), 0, 0, libc::POSIX_FADV_SEQUENTIAL);
        }
    }
    let mut h = Sha256::new();
    let mut buf = vec![0u8; BUF];
    let mut total = 0u64;
    loop {
        let n = match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        h.update(&buf[..n]);
        total += n as u64;
    }
    Ok((crate::util::hex(&h.finalize()), total))
}

/// sha256 of bytes in memory, as lower-case hex.
pub fn sha256_bytes(bytes: &[u8]) -> String {
    crate::util::hex(&Sha256::digest(bytes))
}

/// Identity of a file's content as far as the file system tells: (device, inode, size, mtime
/// seconds, mtime nanoseconds).
pub type Key = (u64, u64, u64, i64, i64);

pub fn key_of(meta: &std::fs::Metadata) -> Option<Key> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((
            meta.dev(),
            meta.ino(),
            meta.size(),
            meta.mtime(),
            meta.mtime_nsec(),
        ))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        None
    }
}

const HEADER: &str = "modelgate-digest-cache v1";
/// Entries kept at most (oldest file order is not tracked; the cache is rebuilt beyond this).
const MAX_ENTRIES: usize = 1_000_000;

/// The digest cache. Loaded once; lookups are lock-free, new entries are collected and written
/// back atomically by [`DigestCache::save`].
#[derive(Debug, Default)]
pub struct DigestCache {
    path: Option<PathBuf>,
    known: HashMap<Key, String>,
    fresh: Mutex<Vec<(Key, String)>>,
    /// The file on disk was missing, foreign or corrupt.
    rebuild: bool,
}

/// Default cache folder: `$XDG_CACHE_HOME/modelgate`, else `~/.cache/modelgate`.
pub fn default_dir() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|x| !x.is_empty()) {
        return Some(PathBuf::from(x).join("modelgate"));
    }
    std::env::var_os("HOME")
        .filter(|x| !x.is_empty())
        .map(|h| PathBuf::from(h).join(".cache").join("modelgate"))
}

fn parse(text: &str) -> Option<HashMap<Key, String>> {
    let mut lines = text.lines();
    if lines.next()? != HEADER {
        return None;
    }
    let mut m = HashMap::new();
    for l in lines {
        let f: Vec<&str> = l.split(' ').collect();
        if f.len() != 6 || f[5].len() != 64 || !f[5].bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let k = (
            f[0].parse().ok()?,
            f[1].parse().ok()?,
            f[2].parse().ok()?,
            f[3].parse().ok()?,
            f[4].parse().ok()?,
        );
        m.insert(k, f[5].to_ascii_lowercase());
        if m.len() > MAX_ENTRIES {
            return None;
        }
    }
    Some(m)
}

impl DigestCache {
    /// A cache that neither reads nor writes.
    pub fn disabled() -> DigestCache {
        DigestCache::default()
    }

    /// Opens the cache in `dir` (`digests-v1.txt`). A missing, unreadable, foreign or corrupt
    /// file gives an empty cache that is rewritten on save.
    pub fn open(dir: &Path) -> DigestCache {
        let path = dir.join("digests-v1.txt");
        let text = std::fs::read(&path)
            .ok()
            .and_then(|b| String::from_utf8(b).ok());
        let (known, rebuild) = match text.as_deref().map(parse) {
            Some(Some(m)) => (m, false),
            _ => (HashMap::new(), true),
        };
        DigestCache {
            path: Some(path),
            known,
            fresh: Mutex::new(Vec::new()),
            rebuild,
        }
    }

    pub fn get(&self, k: &Key) -> Option<&str> {
        self.known.get(k).map(String::as_str)
    }

    pub fn put(&self, k: Key, sha256: String) {
        if self.path.is_some()
            && let Ok(mut f) = self.fresh.lock()
        {
            f.push((k, sha256));
        }
    }

    /// Writes the cache back when something changed (temporary file, then rename).
    pub fn save(self) -> std::io::Result<()> {
        let Some(path) = self.path else {
            return Ok(());
        };
        let fresh = self.fresh.into_inner().unwrap_or_default();
        if fresh.is_empty() && !self.rebuild {
            return Ok(());
        }
        let mut all = self.known;
        all.extend(fresh);
        if all.len() > MAX_ENTRIES {
            all.clear();
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let mut entries: Vec<_> = all.into_iter().collect();
        entries.sort();
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        {
            let mut w = std::io::BufWriter::new(tmp.as_file_mut());
            writeln!(w, "{HEADER}")?;
            for ((d, i, s, m, n), h) in entries {
                writeln!(w, "{d} {i} {s} {m} {n} {h}")?;
            }
            w.flush()?;
        }
        tmp.persist(&path).map_err(|e| e.error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_cache_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"abc").unwrap();
        let f = File::open(&p).unwrap();
        let (h, n) = sha256_file(&f).unwrap();
        assert_eq!(n, 3);
        assert_eq!(
            h,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let k = key_of(&f.metadata().unwrap()).unwrap();
        let c = DigestCache::open(dir.path());
        assert!(c.get(&k).is_none());
        c.put(k, h.clone());
        c.save().unwrap();
        let c = DigestCache::open(dir.path());
        assert_eq!(c.get(&k), Some(h.as_str()));
        // A corrupt or foreign file is ignored and rebuilt.
        std::fs::write(dir.path().join("digests-v1.txt"), b"garbage\n1 2").unwrap();
        let c = DigestCache::open(dir.path());
        assert!(c.get(&k).is_none());
        c.save().unwrap();
        let text = std::fs::read_to_string(dir.path().join("digests-v1.txt")).unwrap();
        assert_eq!(text, format!("{HEADER}\n"));
    }
}
