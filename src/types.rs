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
    /// 1-based line in `path` the notification is about, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    pub message: String,
}

impl Notification {
    pub fn new(level: NotificationLevel, path: Option<&str>, message: impl Into<String>) -> Self {
        Notification {
            level,
            path: path.map(str::to_string),
            line: None,
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
    /// A file the walk opened: read in place and hashed through the digest cache (binaries), or
    /// read in windows (a text file larger than one window, see [`FileData::bytes`]).
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
    /// The whole content for text files; empty for binaries, and for a text file larger than
    /// one window, whose content is read from `body` window by window.
    pub bytes: &'a [u8],
    /// For binaries and text read in windows: the bytes read from the start of the file (at
    /// least the first 8 KiB).
    pub head: &'a [u8],
    /// For binaries: where the rest is, for header parsers and hashing.
    pub body: Body<'a>,
    /// The file's size.
    pub len: u64,
}

/// What kind of identifier a reference is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RefKind {
    /// A hub repository id (`Qwen/Qwen2.5-7B-Instruct`), bare or in a hub URL.
    HubRepo,
    /// A third party's repository whose name carries a family (`bartowski/Qwen2.5-7B-GGUF`).
    Derivative,
    /// An id on a router (`z-ai/glm-4.6` on OpenRouter) or behind a routing prefix
    /// (`deepseek/deepseek-reasoner` in LiteLLM).
    RouterModel,
    /// A provider-native API model name (`deepseek-chat`).
    ApiModel,
    /// A cloud platform's model id (`deepseek.r1-v1:0` on AWS Bedrock).
    CloudModel,
    /// An Ollama tag (`qwen2.5:14b`).
    OllamaTag,
    /// An API endpoint host (`api.deepseek.com`).
    Endpoint,
    /// A hub or hub mirror host (`hf-mirror.com`).
    Hub,
    /// An environment variable that names a provider.
    EnvVar,
    /// A framework class that names a provider.
    SdkClass,
    /// A package in a manifest or lock file that the database maps to a provider (an SDK).
    Package,
    /// A weight file (GGUF, safetensors, pickle, ONNX, or a Git LFS pointer to one).
    WeightFile,
    /// A model config (`config.json`) whose architecture names a family.
    ModelConfig,
    /// Code or configuration that makes a loader execute a model repository's code.
    RemoteCode,
    /// A local folder or file named after a model (`/models/chatglm3-6b`,
    /// `/path/to/DeepSeek-V3.1-source`): weights on the machine, not a hub repository.
    LocalModel,
    /// A data set (`BAAI/Infinity-Instruct` under `dataset:`, in `dataset_info.json`, a
    /// `/datasets/` URL): inventory only, never attributed to a developer.
    Dataset,
}

impl RefKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RefKind::HubRepo => "hub-repo",
            RefKind::Derivative => "derivative",
            RefKind::RouterModel => "router-model",
            RefKind::ApiModel => "api-model",
            RefKind::CloudModel => "cloud-model",
            RefKind::OllamaTag => "ollama-tag",
            RefKind::Endpoint => "endpoint",
            RefKind::Hub => "hub",
            RefKind::EnvVar => "env-var",
            RefKind::SdkClass => "sdk-class",
            RefKind::Package => "package",
            RefKind::WeightFile => "weight-file",
            RefKind::ModelConfig => "model-config",
            RefKind::RemoteCode => "remote-code",
            RefKind::Dataset => "dataset",
            RefKind::LocalModel => "local-model",
        }
    }

    /// True for kinds that name a model (as opposed to a provider or host).
    pub fn names_model(self) -> bool {
        matches!(
            self,
            RefKind::HubRepo
                | RefKind::Derivative
                | RefKind::RouterModel
                | RefKind::ApiModel
                | RefKind::CloudModel
                | RefKind::OllamaTag
                | RefKind::WeightFile
                | RefKind::ModelConfig
                | RefKind::LocalModel
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// What an identifier matched in the database.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Hit {
    pub kind: RefKind,
    /// The identifier as it should be reported (e.g. `Qwen/Qwen2.5-7B-Instruct`, `api.deepseek.com`).
    pub identifier: String,
    /// Developer organisation id.
    pub org: Option<String>,
    pub family: Option<String>,
    /// Host id that serves the model or is the endpoint.
    pub host: Option<String>,
    /// How it is reached, when a router prefix says so (e.g. "LiteLLM route `deepseek/`").
    pub via: Option<String>,
    pub confidence: Confidence,
    /// Database entries that decided the match.
    pub rules: Vec<RuleRef>,
}

/// A hit at a place in a file.
#[derive(Debug, Clone)]
pub struct Reference {
    pub hit: Hit,
    /// Repository-relative path with `/` separators.
    pub path: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column in Unicode code points.
    pub column: u32,
    /// 1-based end column (exclusive), in code points.
    pub end_column: u32,
    /// The matched text exactly as it appears in the file.
    pub text: String,
    /// The file is prose (Markdown and similar): a mention, not usage.
    pub prose: bool,
    /// What the reference rests on besides its place in a text.
    pub evidence: Evidence,
    /// Further occurrences of the same identifier on the same line, folded into this reference.
    pub also: AlsoOnLine,
}

/// Most columns of further occurrences listed on one reference; the rest are counted.
pub const MAX_ALSO_COLUMNS: usize = 64;

/// The further occurrences on its line that a reference stands for: the same identifier (case
/// aside) with the same developer, family, host, route and kind, reported once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlsoOnLine {
    /// 1-based columns (code points) of the first [`MAX_ALSO_COLUMNS`] further occurrences.
    pub columns: Vec<u32>,
    /// Further occurrences beyond those listed.
    pub more: u32,
}

impl AlsoOnLine {
    /// Records one more occurrence at `column`.
    pub fn push(&mut self, column: u32) {
        if self.columns.len() < MAX_ALSO_COLUMNS {
            self.columns.push(column);
        } else {
            self.more = self.more.saturating_add(1);
        }
    }

    /// Number of further occurrences, listed or not.
    pub fn count(&self) -> usize {
        self.columns.len() + self.more as usize
    }
}

/// What a reference rests on: a place in a text, a dependency, a weight file or model metadata,
/// or code that makes a loader run a model repository's code. A new kind of evidence is a new
/// variant here, and the compiler names every place that must handle it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    /// Seen in a text file (code, configuration, documentation).
    Text,
    /// A dependency that a manifest or lock file declares, or found in its installed files.
    Dependency(Box<DepContext>),
    /// A weight file, a model config, a model card or an Ollama manifest.
    Weights(Box<WeightEvidence>),
    /// `trust_remote_code` or an `auto_map`: the loader executes the repository's code.
    RemoteCode(Box<WeightEvidence>),
}

impl Evidence {
    /// The dependency the reference is attributed to (manifest and dependency findings).
    pub fn dependency(&self) -> Option<&DepContext> {
        match self {
            Evidence::Dependency(d) => Some(d),
            _ => None,
        }
    }

    pub fn dependency_mut(&mut self) -> Option<&mut DepContext> {
        match self {
            Evidence::Dependency(d) => Some(d),
            _ => None,
        }
    }

    /// The weight, config or remote-code evidence.
    pub fn weights(&self) -> Option<&WeightEvidence> {
        match self {
            Evidence::Weights(w) | Evidence::RemoteCode(w) => Some(w),
            _ => None,
        }
    }
}

/// What a weight file, model config or remote-code reference rests on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WeightEvidence {
    /// What the file is and every clue behind it, for the message.
    #[serde(skip)]
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<&'static str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub lfs_pointer: bool,
    /// Header summary (GGUF version and counts, safetensors header size and dtypes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// The catalogued release the digest belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    /// GGUF `general.*` metadata or safetensors `__metadata__`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<std::collections::BTreeMap<String, String>>,
}

/// Why a finding is attributed to a dependency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DepEvidence {
    /// The package itself is in the database (a provider SDK).
    Package,
    /// The database says the package loads this model by default.
    DefaultModel,
    /// The reference was found in the dependency's installed files (`--deps`).
    Source,
}

/// A place in a file of a dependency (SARIF `relatedLocations`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Related {
    /// Relative to the scanned folder when the file is inside it (`base` = `%SRCROOT%`), else to
    /// the dependency's installation folder (`base` = `DEPENDENCY`).
    pub path: String,
    pub base: &'static str,
    pub line: u32,
    pub column: u32,
    pub end_column: u32,
}

/// The dependency a finding is attributed to.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DepContext {
    pub ecosystem: Ecosystem,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub direct: bool,
    /// The dependency path from the direct dependency that brings a transitive one in.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub path: Vec<String>,
    pub evidence: DepEvidence,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related: Option<Related>,
}

/// A language ecosystem, named as OSV names it (and serialized so).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ecosystem {
    Cargo,
    PyPI,
    Npm,
    Go,
}

impl Ecosystem {
    pub fn parse(s: &str) -> Option<Ecosystem> {
        match s {
            "crates.io" => Some(Ecosystem::Cargo),
            "PyPI" => Some(Ecosystem::PyPI),
            "npm" => Some(Ecosystem::Npm),
            "Go" => Some(Ecosystem::Go),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::Cargo => "crates.io",
            Ecosystem::PyPI => "PyPI",
            Ecosystem::Npm => "npm",
            Ecosystem::Go => "Go",
        }
    }
}

impl Serialize for Ecosystem {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of database entry (or other evidence) a match rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleKind {
    Pattern,
    Family,
    Namespace,
    Host,
    Route,
    Package,
    Context,
    /// A weight architecture entry.
    Arch,
    /// A catalogued weight digest.
    Digest,
    /// A hub's answer to an online lookup.
    Online,
}

impl RuleKind {
    pub const ALL: &'static [RuleKind] = &[
        RuleKind::Pattern,
        RuleKind::Family,
        RuleKind::Namespace,
        RuleKind::Host,
        RuleKind::Route,
        RuleKind::Package,
        RuleKind::Context,
        RuleKind::Arch,
        RuleKind::Digest,
        RuleKind::Online,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RuleKind::Pattern => "pattern",
            RuleKind::Family => "family",
            RuleKind::Namespace => "namespace",
            RuleKind::Host => "host",
            RuleKind::Route => "route",
            RuleKind::Package => "package",
            RuleKind::Context => "context",
            RuleKind::Arch => "arch",
            RuleKind::Digest => "digest",
            RuleKind::Online => "online",
        }
    }
}

/// A database entry that decided a match: its kind and id, written `kind:id` in reports
/// (`pattern:deepseek-api`, `namespace:THUDM@huggingface`, `package:PyPI/zhipuai`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleRef {
    pub kind: RuleKind,
    pub id: String,
}

impl RuleRef {
    pub fn new(kind: RuleKind, id: impl Into<String>) -> RuleRef {
        RuleRef {
            kind,
            id: id.into(),
        }
    }

    /// Reads the `kind:id` form.
    pub fn parse(s: &str) -> Option<RuleRef> {
        let (k, id) = s.split_once(':')?;
        let kind = RuleKind::ALL.iter().copied().find(|x| x.as_str() == k)?;
        Some(RuleRef::new(kind, id))
    }
}

impl std::fmt::Display for RuleRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.kind.as_str(), self.id)
    }
}

impl Serialize for RuleRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
