//! Rules bundles: one JSON file that carries a whole database, how it is exported, verified,
//! installed into the user data directory and loaded back.
//!
//! A bundle is `{"format": "modelgate-rules-bundle", "version": 1, "as_of": ..., "files": {name:
//! text}}`. Installing writes `rules.bundle.json` atomically in the data directory and keeps the
//! previous one as `rules.bundle.prev.json`; nothing is replaced until the new bundle has been
//! verified and validated.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Database, Origin, Problem, hex};

pub const FORMAT: &str = "modelgate-rules-bundle";
pub const VERSION: u32 = 1;
pub const FILE_NAME: &str = "rules.bundle.json";
pub const PREVIOUS_NAME: &str = "rules.bundle.prev.json";
/// Largest bundle accepted (the embedded database is well under 1 MiB).
pub const MAX_BUNDLE: u64 = 32 << 20;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    pub format: String,
    pub version: u32,
    pub as_of: String,
    pub files: BTreeMap<String, String>,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Serialises a database's files as a bundle.
pub fn export(db: &Database) -> Vec<u8> {
    let b = Bundle {
        format: FORMAT.into(),
        version: VERSION,
        as_of: db.meta.as_of.clone(),
        files: db.texts().clone(),
    };
    let mut v = serde_json::to_vec_pretty(&b).expect("a bundle serialises");
    v.push(b'\n');
    v
}

/// A full check of a parsed database (structure, references, and every example through the real
/// detector): [`crate::rulecheck::check`], handed down by the caller because the detector sits
/// above the database.
pub type Check<'a> = &'a dyn Fn(&Database) -> Vec<Problem>;

/// Parses a bundle and checks it with `check`: format, structure, references, and every example
/// through the real detector. Returns the database or every problem found.
pub fn load(bytes: &[u8], origin: Origin, check: Check<'_>) -> Result<Database, Vec<String>> {
    let b: Bundle =
        serde_json::from_slice(bytes).map_err(|e| vec![format!("not a rules bundle: {e}")])?;
    if b.format != FORMAT || b.version != VERSION {
        return Err(vec![format!(
            "unsupported bundle format `{}` version {} (this modelgate reads {FORMAT} version {VERSION})",
            b.format, b.version
        )]);
    }
    for name in b.files.keys() {
        let bad = name.is_empty()
            || name.starts_with('/')
            || name
                .split('/')
                .any(|c| c.is_empty() || c == "." || c == "..")
            || !name.ends_with(".toml");
        if bad {
            return Err(vec![format!(
                "bundle file name `{name}` is not a relative .toml path"
            )]);
        }
    }
    let db =
        Database::parse(b.files.into_iter().collect(), origin).map_err(|e| vec![e.to_string()])?;
    if db.meta.as_of != b.as_of {
        return Err(vec![format!(
            "bundle as_of {} differs from its meta.toml as_of {}",
            b.as_of, db.meta.as_of
        )]);
    }
    let problems = check(&db);
    if problems.is_empty() {
        Ok(db)
    } else {
        Err(problems.iter().map(Problem::to_string).collect())
    }
}

/// The user data directory for installed rules: `$MODELGATE_DATA_DIR`, else
/// `$XDG_DATA_HOME/modelgate`, else `~/.local/share/modelgate`.
pub fn data_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("MODELGATE_DATA_DIR").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(d).join("modelgate"));
    }
    std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .map(|h| PathBuf::from(h).join(".local/share/modelgate"))
}

/// Loads the installed bundle from `dir`, if there is one. A damaged bundle is an error, not a
/// silent fallback.
pub fn load_installed(dir: &Path, check: Check<'_>) -> Result<Option<Database>, String> {
    let path = dir.join(FILE_NAME);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    load(&bytes, Origin::Dir(path.clone()), check)
        .map(Some)
        .map_err(|p| format!("{}: {}", path.display(), p.join("; ")))
}

/// Writes `bytes` to `dir/FILE_NAME` atomically, keeping the current one as the previous bundle.
pub fn install(dir: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let target = dir.join(FILE_NAME);
    let mut tmp = tempfile::Builder::new()
        .prefix(".rules-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    if target.exists() {
        // A hard link keeps the current bundle in place until the rename replaces it.
        let prev = dir.join(PREVIOUS_NAME);
        let _ = std::fs::remove_file(&prev);
        std::fs::hard_link(&target, &prev)
            .or_else(|_| std::fs::copy(&target, &prev).map(|_| ()))?;
    }
    tmp.persist(&target).map_err(|e| e.error)?;
    Ok(target)
}
