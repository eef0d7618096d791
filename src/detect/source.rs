//! Positional reads over untrusted bytes (a file or a slice) with a small buffer, for the header
//! parsers. Every read is bounded by the source's length; nothing allocates more than asked for,
//! and callers check lengths against [`Cursor::remaining`] first.

use std::fs::File;

/// Something that can be read at an offset.
pub trait Source {
    fn len(&self) -> u64;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Reads up to `buf.len()` bytes at `off`; returns how many were read (0 at the end).
    fn read_at(&self, off: u64, buf: &mut [u8]) -> std::io::Result<usize>;
}

impl Source for &[u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }
    fn read_at(&self, off: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        let Ok(off) = usize::try_from(off) else {
            return Ok(0);
        };
        if off >= <[u8]>::len(self) {
            return Ok(0);
        }
        let n = buf.len().min(<[u8]>::len(self) - off);
        buf[..n].copy_from_slice(&self[off..off + n]);
        Ok(n)
    }
}

/// A file and its length (taken once, when the file was opened).
pub struct FileSource<'a> {
    pub file: &'a File,
    pub len: u64,
}

impl Source for FileSource<'_> {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_at(&self, off: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        if off >= self.len {
            return Ok(0);
        }
        let want = buf
            .len()
            .min((self.len - off).min(usize::MAX as u64) as usize);
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt;
            self.file.read_at(&mut buf[..want], off)
        }
        #[cfg(not(unix))]
        {
            use std::io::{Read, Seek, SeekFrom};
            let mut f = self.file;
            f.seek(SeekFrom::Start(off))?;
            f.read(&mut buf[..want])
        }
    }
}

/// The first `bytes.len()` bytes of content that is `len` bytes long (a blob from git's object
/// database held in memory only in part). Reads past what is held fail with a message that says
/// so, rather than returning made-up bytes.
pub struct PrefixSource<'a> {
    pub bytes: &'a [u8],
    pub len: u64,
}

impl Source for PrefixSource<'_> {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_at(&self, off: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        if off >= self.len {
            return Ok(0);
        }
        let held = self.bytes.len() as u64;
        if off >= held {
            return Err(std::io::Error::other(format!(
                "the header goes past the first {held} bytes, which is all that is read of a blob \
                 from git"
            )));
        }
        let end = (held - off).min(buf.len() as u64) as usize;
        let o = off as usize;
        buf[..end].copy_from_slice(&self.bytes[o..o + end]);
        Ok(end)
    }
}

/// A file on disk or a blob in memory, whichever a [`crate::types::Body`] holds.
pub enum BodySource<'a> {
    File(FileSource<'a>),
    Prefix(PrefixSource<'a>),
}

impl Source for BodySource<'_> {
    fn len(&self) -> u64 {
        match self {
            BodySource::File(f) => f.len(),
            BodySource::Prefix(p) => p.len(),
        }
    }
    fn read_at(&self, off: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            BodySource::File(f) => f.read_at(off, buf),
            BodySource::Prefix(p) => p.read_at(off, buf),
        }
    }
}

/// `std::io::Read` over `len` bytes of a [`Source`] from `off` (for streaming parsers).
pub struct SourceReader<'a, S: Source> {
    src: &'a S,
    pos: u64,
    end: u64,
}

impl<'a, S: Source> SourceReader<'a, S> {
    pub fn new(src: &'a S, off: u64, len: u64) -> Self {
        SourceReader {
            src,
            pos: off,
            end: off.saturating_add(len).min(src.len()),
        }
    }
}

impl<S: Source> std::io::Read for SourceReader<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.end {
            return Ok(0);
        }
        let want = buf
            .len()
            .min((self.end - self.pos).min(usize::MAX as u64) as usize);
        let n = self.src.read_at(self.pos, &mut buf[..want])?;
        self.pos += n as u64;
        Ok(n)
    }
}

const BUF: usize = 64 * 1024;

/// A forward reader over a [`Source`].
pub struct Cursor<'a, S: Source> {
    src: &'a S,
    pos: u64,
    buf: Vec<u8>,
    /// Source offset of `buf[0]`.
    buf_at: u64,
    pub big_endian: bool,
}

impl<'a, S: Source> Cursor<'a, S> {
    pub fn new(src: &'a S, pos: u64) -> Self {
        Cursor {
            src,
            pos,
            buf: Vec::new(),
            buf_at: 0,
            big_endian: false,
        }
    }

    pub fn pos(&self) -> u64 {
        self.pos
    }

    pub fn remaining(&self) -> u64 {
        self.src.len().saturating_sub(self.pos)
    }

    /// Copies `out.len()` bytes at the current position.
    fn fill(&mut self, out: &mut [u8]) -> Result<(), String> {
        let n = out.len() as u64;
        if n > self.remaining() {
            return Err("unexpected end of file".into());
        }
        let end = self.pos + n;
        if !(self.pos >= self.buf_at && end <= self.buf_at + self.buf.len() as u64) {
            if out.len() > BUF {
                read_exact(self.src, self.pos, out)?;
                self.pos = end;
                return Ok(());
            }
            let want = (BUF as u64).min(self.remaining()) as usize;
            self.buf.resize(want, 0);
            let mut got = 0;
            while got < want {
                let r = self
                    .src
                    .read_at(self.pos + got as u64, &mut self.buf[got..])
                    .map_err(|e| e.to_string())?;
                if r == 0 {
                    break;
                }
                got += r;
            }
            self.buf.truncate(got);
            self.buf_at = self.pos;
            if (got as u64) < n {
                return Err("unexpected end of file".into());
            }
        }
        let s = (self.pos - self.buf_at) as usize;
        out.copy_from_slice(&self.buf[s..s + out.len()]);
        self.pos = end;
        Ok(())
    }

    pub fn bytes_fixed<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut b = [0u8; N];
        self.fill(&mut b)?;
        Ok(b)
    }

    pub fn u8(&mut self) -> Result<u8, String> {
        Ok(self.bytes_fixed::<1>()?[0])
    }

    pub fn u16(&mut self) -> Result<u16, String> {
        let b = self.bytes_fixed::<2>()?;
        Ok(if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }

    pub fn u32_le(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.bytes_fixed::<4>()?))
    }

    pub fn u32(&mut self) -> Result<u32, String> {
        let b = self.bytes_fixed::<4>()?;
        Ok(if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    pub fn u64(&mut self) -> Result<u64, String> {
        let b = self.bytes_fixed::<8>()?;
        Ok(if self.big_endian {
            u64::from_be_bytes(b)
        } else {
            u64::from_le_bytes(b)
        })
    }

    /// Reads `n` bytes (already checked against `remaining` by the caller) as lossy UTF-8.
    pub fn string(&mut self, n: u64) -> Result<String, String> {
        if n > self.remaining() {
            return Err("unexpected end of file".into());
        }
        let mut v = vec![0u8; n as usize];
        self.fill(&mut v)?;
        Ok(String::from_utf8_lossy(&v).into_owned())
    }

    pub fn skip(&mut self, n: u64) -> Result<(), String> {
        if n > self.remaining() {
            return Err("unexpected end of file".into());
        }
        self.pos += n;
        Ok(())
    }
}

/// Reads exactly `out.len()` bytes at `off`.
pub fn read_exact<S: Source>(src: &S, off: u64, out: &mut [u8]) -> Result<(), String> {
    let mut got = 0;
    while got < out.len() {
        let r = src
            .read_at(off + got as u64, &mut out[got..])
            .map_err(|e| e.to_string())?;
        if r == 0 {
            return Err("unexpected end of file".into());
        }
        got += r;
    }
    Ok(())
}
