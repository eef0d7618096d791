//! The bodies of the commands. The binary (`main.rs`) parses the command line and calls these;
//! they write what they print to the writers they are given, and only the binary holds stdout and
//! stderr.

pub mod audit_cmd;
pub mod dbsel;
pub mod rules_cmd;
pub mod scan_cmd;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::checks;

/// Why a command did not complete.
#[derive(Debug)]
pub enum Failure {
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

/// What a command returns: its exit code, or why it failed.
pub type Outcome = Result<u8, Failure>;

/// Writes through `f` to `path` atomically: a temporary file in the same folder, then a rename, so
/// a failed or interrupted run never leaves a truncated file. A file being replaced keeps its
/// mode. The file is not synced to the disk before the rename: a report can be made again, and
/// waiting for the disk cost a scan of the benchmark corpus about 50 ms of its 2 s. (After a
/// power loss, the file system may hold the older file or an incomplete new one.)
pub fn write_atomic(
    path: &Path,
    f: &dyn Fn(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".modelgate-")
        .suffix(".tmp")
        .tempfile_in(&dir)?;
    {
        // Large writes: a report of tens of megabytes in a few hundred system calls.
        let mut w = std::io::BufWriter::with_capacity(1 << 20, tmp.as_file_mut());
        f(&mut w)?;
        w.flush()?;
    }
    #[cfg(unix)]
    {
        // Keep the mode of a file being replaced; otherwise the usual 0644 rather than the
        // temporary file's 0600.
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o777);
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Writes through `f` to `out` (then flushes it), or atomically to `path` when there is one.
pub fn emit(
    path: Option<&Path>,
    out: &mut dyn Write,
    f: &dyn Fn(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    match path {
        None => {
            f(out)?;
            out.flush()
        }
        Some(p) => write_atomic(p, f),
    }
}

/// `Failure::Error("cannot write PATH: cause")` for a failed write to a file.
fn cannot_write(path: &Path) -> impl Fn(std::io::Error) -> Failure + '_ {
    move |e| Failure::Error(format!("cannot write {}: {e}", path.display()))
}

/// Parses a size such as `8MiB`, `512K` or `1000000` (bytes; K, M and G are powers of 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
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

/// `modelgate init`: writes the commented default policy file to `path`.
pub fn init(path: &Path, force: bool, out: &mut dyn Write) -> Outcome {
    if path.exists() && !force {
        return Err(Failure::Error(format!(
            "{} exists; use --force to overwrite",
            path.display()
        )));
    }
    write_atomic(path, &|w| w.write_all(crate::config::DEFAULT.as_bytes()))
        .map_err(cannot_write(path))?;
    writeln!(out, "wrote {}", path.display())?;
    out.flush()?;
    Ok(0)
}

/// `modelgate explain QUERY`: a check's documentation, or what the rules database says of an
/// organisation, host or identifier.
pub fn explain(query: &str, rules: Option<&Path>, out: &mut dyn Write) -> Outcome {
    if let Some(c) = checks::find(query.trim()) {
        out.write_all(c.doc.as_bytes())?;
        out.flush()?;
        return Ok(0);
    }
    let db = Arc::new(dbsel::load_db(rules).map_err(Failure::Error)?);
    let det = crate::scan::detector(db.clone()).map_err(Failure::Error)?;
    match crate::explain::explain(&db, det.resolver(), query) {
        Some(text) => {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_binary_units_and_refuse_zero_and_overflow() {
        assert_eq!(parse_size("1000000"), Ok(1_000_000));
        assert_eq!(parse_size("8MiB"), Ok(8 << 20));
        assert_eq!(parse_size("512K"), Ok(512 << 10));
        assert_eq!(parse_size(" 2 gb "), Ok(2 << 30));
        assert!(parse_size("0").is_err());
        assert!(parse_size("8T").unwrap_err().contains("unknown unit"));
        assert!(parse_size("MiB").unwrap_err().contains("not a size"));
        assert!(
            parse_size("99999999999G")
                .unwrap_err()
                .contains("out of range")
        );
    }

    #[test]
    fn emit_writes_whole_files_and_keeps_their_mode() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("report.txt");
        emit(Some(&p), &mut std::io::sink(), &|w| w.write_all(b"one")).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let failed = emit(Some(&p), &mut std::io::sink(), &|w| {
            w.write_all(b"partial")?;
            Err(std::io::Error::other("stop"))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        emit(Some(&p), &mut std::io::sink(), &|w| w.write_all(b"two")).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let mut out = Vec::new();
        emit(None, &mut out, &|w| w.write_all(b"to the writer")).unwrap();
        assert_eq!(out, b"to the writer");
        assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), 1);
    }
}
