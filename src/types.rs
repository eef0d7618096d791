//! The bottom layer: the types every stage of the pipeline shares. This module imports nothing
//! from the pipeline (walk, classify, detect, resolve, policy, report), so any stage can use it
//! without creating a cycle.

use std::fs::File;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NotificationLevel {
    Note,
    Warning,
    Error,
}

impl NotificationLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationLevel::Note => "note",
            NotificationLevel::Warning => "warning",
            NotificationLevel::Error => "error",
        }
    }
}

/// A problem with the run or one file (unreadable, too large, not a regular file).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Notification {
    pub level: NotificationLevel,
    pub path: Option<String>,
    pub message: String,
}

impl Notification {
    pub fn new(level: NotificationLevel, path: Option<&str>, message: impl Into<String>) -> Self {
        Notification {
            level,
            path: path.map(str::to_string),
            message: message.into(),
        }
    }
}

/// Counters of the walk (or of the blobs read in `--staged` mode).
#[derive(Debug, Clone, Default, Serialize)]
pub struct WalkStats {
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    pub binary_files: u64,
    pub skipped: u64,
}

/// What a file is, decided from its name and first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Source, configuration or data text. `prose` marks documentation (Markdown and similar),
    /// where a model name is a mention rather than usage.
    Text { prose: bool },
    /// Model weights by extension (GGUF, safetensors, pickle checkpoints, ONNX).
    Weights,
    /// Any other binary content.
    OtherBinary,
}

/// Where a binary file's content can be read.
#[derive(Debug, Clone, Copy)]
pub enum Body<'a> {
    /// Nothing beyond [`FileData::bytes`] (text files).
    None,
    /// A file the walk opened: read in place and hashed through the digest cache.
    File(&'a File),
    /// Content from git's object database (`--staged`, `--diff-base`): the whole blob, or its
    /// first part when the blob is larger than what is held in memory; then `sha256` is the
    /// digest of the whole, computed while it streamed by.
    Blob {
        bytes: &'a [u8],
        sha256: Option<&'a str>,
    },
}

/// One file as every mode of the pipeline hands it to [`crate::scan::visit_file`], whether the
/// walk read it from disk or git from its object database.
#[derive(Debug, Clone, Copy)]
pub struct FileData<'a> {
    /// Repository-relative path with `/` separators.
    pub rel: &'a str,
    pub class: Class,
    /// The whole content for text files; empty for binaries.
    pub bytes: &'a [u8],
    /// For binaries: the bytes read from the start of the file (at least the first 8 KiB).
    pub head: &'a [u8],
    /// For binaries: where the rest is, for header parsers and hashing.
    pub body: Body<'a>,
    /// The file's size.
    pub len: u64,
}
