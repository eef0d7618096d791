//! The rules database: organisations, model families, hosts, identifier shapes and restriction
//! listings, read from TOML files. The embedded copy (see [`embedded`]) and a user's `--rules DIR`
//! go through the same loader and the same validation.

pub mod bundle;
pub mod diff;
pub mod embedded;
pub mod sign;
pub mod update;
mod validate;
pub mod weights;

/// The embedded files as `build.rs` parsed them: `PARSED` (name, tables as JSON) and
/// `CONTENT_HASH`.
mod prebuilt {
    include!(concat!(env!("OUT_DIR"), "/embedded_index.rs"));
}

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::util::{days_from_date, hex};
pub use validate::{Problem, is_search_trace, validate};
pub use weights::{Arch, ArchKey, DigestEntry};

/// Version of the on-disk format described in `rules/README.md`.
pub const SCHEMA_VERSION: u32 = 1;

/// Where a database was loaded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Embedded,
    Dir(PathBuf),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Embedded => f.write_str("embedded"),
            Origin::Dir(p) => write!(f, "{}", p.display()),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    pub schema_version: u32,
    pub as_of: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub id: String,
    /// What the source is (a document, a file at a commit, a page), never how it was found.
    pub citation: String,
    /// Where a reader opens it. Required by `rules check`.
    #[serde(default)]
    pub url: Option<String>,
    /// `primary` (a government document, the organisation's own code, package or documentation)
    /// or `secondary` (press, law-firm notes, third-party code relaying a primary). Required by
    /// `rules check`; every listing cites at least one primary source.
    #[serde(default)]
    pub kind: Option<SourceKind>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    Primary,
    Secondary,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Primary => "primary",
            SourceKind::Secondary => "secondary",
        }
    }
}

/// A restriction list (the US Entity List, ...).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct List {
    pub id: String,
    pub name: String,
    pub authority: String,
    /// Every kind but `informational` can raise MG101; `informational` lists only annotate.
    pub kind: ListKind,
    #[serde(default)]
    pub description: String,
    /// Dated notes on the list as a whole (a rule that extends it, and when it is suspended).
    #[serde(default)]
    pub note: Vec<ListNote>,
    pub sources: Vec<String>,
    pub as_of: String,
}

/// A dated note on a list: a rule that changes what the list covers (the BIS Affiliates rule),
/// with the window in which it is suspended, if any.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListNote {
    pub id: String,
    pub title: String,
    pub text: String,
    /// When the rule took effect.
    pub effective: String,
    /// First and last day of a suspension (stay) of the rule, when one is recorded.
    #[serde(default)]
    pub suspended_from: Option<String>,
    #[serde(default)]
    pub suspended_until: Option<String>,
    pub citation: String,
    pub sources: Vec<String>,
    pub as_of: String,
}

impl ListNote {
    /// Whether the rule applies on `day` (days since 1970-01-01): on or after `effective`, and
    /// outside the suspension window.
    pub fn applies_on(&self, day: i64) -> bool {
        let from = days_from_date(&self.effective).unwrap_or(i64::MAX);
        let suspended = match (
            self.suspended_from.as_deref().and_then(days_from_date),
            self.suspended_until.as_deref().and_then(days_from_date),
        ) {
            (Some(a), Some(b)) => (a..=b).contains(&day),
            _ => false,
        };
        day >= from && !suspended
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ListKind {
    /// An export-control list (the US Entity List).
    TradeRestriction,
    /// A securities-investment ban (OFAC NS-CMIC).
    InvestmentRestriction,
    /// A designation with procurement consequences (DoD 1260H).
    ProcurementDesignation,
    /// A statute that bars named buyers (an agency and its contractors) from using or acquiring
    /// named products (FY2026 NDAA covered AI). Off unless the policy enforces the list.
    ProcurementProhibition,
    /// Government-device bans and similar: never raises MG101.
    Informational,
}

impl ListKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::TradeRestriction => "trade-restriction",
            ListKind::InvestmentRestriction => "investment-restriction",
            ListKind::ProcurementDesignation => "procurement-designation",
            ListKind::ProcurementProhibition => "procurement-prohibition",
            ListKind::Informational => "informational",
        }
    }
}

/// One record of an organisation on a list.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Listing {
    pub id: String,
    pub list: String,
    pub org: String,
    /// Entity names as they appear on the list.
    pub entities: Vec<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub effective: String,
    /// Legal citation, e.g. "90 FR 4617".
    pub citation: String,
    #[serde(default)]
    pub notes: String,
    /// For a `procurement-prohibition`: who must not use or acquire (e.g. the Department of
    /// Defense and its contractors), what is prohibited, and the waiver the statute allows.
    #[serde(default)]
    pub applies_to: Vec<String>,
    #[serde(default)]
    pub prohibits: String,
    #[serde(default)]
    pub waiver: String,
    pub sources: Vec<String>,
    pub as_of: String,
    #[serde(default)]
    pub withdrawn: bool,
    /// The date the listing stopped applying (removal, or absence from a later list); required
    /// on a withdrawn listing.
    #[serde(default)]
    pub withdrawn_on: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Org {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub legal_names: Vec<String>,
    #[serde(default)]
    pub parent: Option<String>,
    /// ISO 3166-1 alpha-2 country of the organisation.
    pub country: String,
    #[serde(default)]
    pub notes: Vec<String>,
    pub sources: Vec<String>,
    pub as_of: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Examples {
    #[serde(default, rename = "match")]
    pub must_match: Vec<String>,
    #[serde(default)]
    pub no_match: Vec<String>,
}

/// A model family (Qwen, GLM, ...): the words that anchor a search for it and the shape of a
/// repository name that derives from it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Family {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub org: String,
    /// Case-insensitive literals; every identifier of the family contains one of them.
    pub keywords: Vec<String>,
    /// Regex searched in a repository name whose namespace is not the developer's: a re-upload
    /// or fine-tune (`bartowski/Qwen2.5-7B-Instruct-GGUF`).
    #[serde(default)]
    pub derivative: Option<String>,
    #[serde(default)]
    pub examples: Examples,
    pub sources: Vec<String>,
    pub as_of: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HostKind {
    /// A developer's or reseller's model API.
    Api,
    /// A model hub (weights are downloaded from it).
    Hub,
    /// A mirror or proxy of a hub.
    Mirror,
    /// A router or aggregator that forwards to other providers.
    Router,
    /// A cloud platform serving models under its own ids.
    Cloud,
    /// A local runtime.
    Local,
}

impl HostKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HostKind::Api => "api",
            HostKind::Hub => "hub",
            HostKind::Mirror => "mirror",
            HostKind::Router => "router",
            HostKind::Cloud => "cloud",
            HostKind::Local => "local",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Host {
    pub id: String,
    pub name: String,
    pub kind: HostKind,
    /// Domain names (lower case). Empty for platforms known only by their id shapes.
    #[serde(default)]
    pub domains: Vec<String>,
    /// Also match any subdomain of `domains`.
    #[serde(default)]
    pub subdomains: bool,
    /// URI schemes that name a model on this host (`hf://Qwen/Qwen2.5-7B-Instruct`,
    /// `ollama://qwen2.5:7b`), lower case, without `://`.
    #[serde(default)]
    pub schemes: Vec<String>,
    /// For hubs: whether bare `namespace/name` ids (outside the hub's URLs) usually mean this hub.
    /// `false` for hubs whose namespaces should only win when no other hub has the namespace.
    #[serde(default = "yes")]
    pub bare_ids: bool,
    /// Organisation id of the operator, when it is in the database.
    #[serde(default)]
    pub operator: Option<String>,
    /// The operator's API as a whole, with no domain: the host of its API model names when no
    /// endpoint of the operator is named in the same file (the client's endpoint decides the
    /// region, so `jurisdiction` is empty). At most one per operator.
    #[serde(default)]
    pub default_api: bool,
    /// ISO country code, or a descriptive value such as "INTL" when the serving location is not
    /// documented; "local" for runtimes on the user's machine.
    pub jurisdiction: String,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub examples: Examples,
    pub sources: Vec<String>,
    pub as_of: String,
}

/// A namespace on a hub or router: `Qwen` on Hugging Face, `z-ai` on OpenRouter.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Namespace {
    pub name: String,
    /// Host id of the hub or router the namespace lives on.
    pub host: String,
    #[serde(default)]
    pub org: String,
    #[serde(default)]
    pub family: Option<String>,
    /// Regex a repository name must fully match (for namespaces that also hold unrelated repos).
    #[serde(default)]
    pub names: Option<String>,
    /// A hub's own namespace of re-uploads of other developers' models (`AI-ModelScope`,
    /// `LLM-Research` on ModelScope): the developer comes from the repository's name, the hosting
    /// from the namespace's hub, and the namespace's organisation is the host's operator, not the
    /// developer.
    #[serde(default)]
    pub reupload: bool,
    #[serde(default)]
    pub examples: Examples,
    pub sources: Vec<String>,
    pub as_of: String,
}

/// A routing prefix (LiteLLM `deepseek/`, `dashscope/`): what follows it is a model id, served
/// by `host`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// Written exactly as the tool spells it (LiteLLM's are lower case): `MiniMax/…` is a hub
    /// namespace, not the `minimax/` route.
    pub prefix: String,
    pub host: String,
    pub tool: String,
    /// What follows the prefix is a whole hub repository id (`modelscope/Qwen/Qwen2.5-7B`): a
    /// two-part token (`modelscope/Yi-1.5-34B-Chat-GPTQ`) is a repository, not this route.
    #[serde(default)]
    pub repo_ids: bool,
    #[serde(default)]
    pub examples: Examples,
    pub sources: Vec<String>,
    pub as_of: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PatternKind {
    /// A provider-native API model name (`deepseek-chat`).
    ApiModel,
    /// An id on a cloud platform (`deepseek.r1-v1:0` on AWS Bedrock).
    CloudModel,
    /// An Ollama library tag (`qwen2.5:14b`).
    OllamaTag,
    /// An environment variable that names a provider (`DASHSCOPE_API_KEY`).
    EnvVar,
    /// A framework class that names a provider (`ChatTongyi`).
    SdkClass,
    /// A variable that switches a tool's model downloads to another hub
    /// (`VLLM_USE_MODELSCOPE`): reported only where it is set to a true value.
    HubSwitch,
}

impl PatternKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PatternKind::ApiModel => "api-model",
            PatternKind::CloudModel => "cloud-model",
            PatternKind::OllamaTag => "ollama-tag",
            PatternKind::EnvVar => "env-var",
            PatternKind::SdkClass => "sdk-class",
            PatternKind::HubSwitch => "hub-switch",
        }
    }
}

/// An identifier shape: a regex (or literal) that must match a whole token.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pattern {
    pub id: String,
    pub kind: PatternKind,
    #[serde(default)]
    pub org: String,
    #[serde(default)]
    pub family: Option<String>,
    #[serde(default)]
    pub regex: Option<String>,
    #[serde(default)]
    pub literal: Option<String>,
    /// Host id that serves what this pattern names (a cloud platform, a local runtime).
    #[serde(default)]
    pub host: Option<String>,
    /// Regex that the text before the token on its line must match (it is anchored at the end),
    /// for shapes that are only identifiers in a context (`ollama pull deepseek-r1`).
    #[serde(default)]
    pub after: Option<String>,
    /// Case-insensitive literals that every match contains. Defaults to the literal, or to the
    /// family's keywords.
    #[serde(default)]
    pub anchors: Vec<String>,
    #[serde(default)]
    pub examples: Examples,
    pub sources: Vec<String>,
    pub as_of: String,
    #[serde(default)]
    pub withdrawn: bool,
}

/// A package of a language ecosystem (`[[package]]`): an SDK of a provider, or a library that
/// loads a listed model when its caller names none.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Package {
    /// `crates.io`, `PyPI`, `npm` or `Go` (the OSV ecosystem names).
    pub ecosystem: String,
    /// The name as published (a Go module path for `Go`).
    pub name: String,
    /// The organisation whose service the package is for (defaults to the file's org). Empty for
    /// a library that only matters through `default_models`.
    #[serde(default)]
    pub org: String,
    #[serde(default)]
    pub family: Option<String>,
    /// Host id the package talks to by default.
    #[serde(default)]
    pub host: Option<String>,
    /// Model identifiers the package loads by default; each must resolve through the detector.
    #[serde(default)]
    pub default_models: Vec<String>,
    #[serde(default)]
    pub notes: String,
    /// `match`: dependency specifications (as written in a manifest of the ecosystem) that name
    /// this package; `no_match`: specifications that must name no package of the database.
    #[serde(default)]
    pub examples: Examples,
    pub sources: Vec<String>,
    pub as_of: String,
    #[serde(default)]
    pub withdrawn: bool,
}

impl Package {
    /// The entry key used in messages and `rules`: `package:<ecosystem>/<name>`.
    pub fn key(&self) -> String {
        format!("package:{}", self.rule_id())
    }

    /// The id part of [`Package::key`]: `ecosystem/name`.
    pub fn rule_id(&self) -> String {
        format!("{}/{}", self.ecosystem, self.name)
    }
}

/// What the place of a token says it is (`[[context]]` in `rules/contexts.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContextClass {
    /// A data set: reported as inventory (`dataset` kind), never as a model.
    Dataset,
    /// A folder or file the program writes or reads (an output directory, a result file): not a
    /// model reference at all.
    Path,
    /// A download switch: a bare hub id here is downloaded from `host` (ModelScope for
    /// LLaMA-Factory's `DownloadSource.MODELSCOPE`, ms-swift's default hub).
    Hub,
    /// A folder of weights on the local disk (`models/chatglm3-6b` mounted into a container): a
    /// local model named by the folder, never a hub repository.
    Local,
    /// The name of something else that shares a model's name: a tool-call or reasoning parser,
    /// a substring a program tests a model name for. Not a model reference.
    Name,
}

/// Where a token stands decides what it is: the value of a key or command-line option
/// (`output_dir:`, `--dataset`), the argument of a call (`load_dataset(`), a file that only
/// lists data sets (`dataset_info.json`), or a leading folder of a path (`saves/`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Context {
    pub id: String,
    pub class: ContextClass,
    /// Keys and options whose value the token is, compared case-insensitively with leading
    /// dashes removed and `-` read as `_` (`--output-dir` is `output_dir`).
    #[serde(default)]
    pub keys: Vec<String>,
    /// Functions or methods whose argument the token is (`load_dataset`, `MsDataset.load`).
    #[serde(default)]
    pub calls: Vec<String>,
    /// Calls whose second positional argument the token is, after a string first argument
    /// (ms-swift's `Model('modelscope/id', 'hf/id')`).
    #[serde(default)]
    pub second_args: Vec<String>,
    /// Shell commands whose argument the token is (`exec qwen/d`, `cd Qwen2.5-7B`): a path.
    #[serde(default)]
    pub commands: Vec<String>,
    /// Words that follow the token's string literal and say what it is: `"glm-4" in name`
    /// (`in`, `not in`) tests a name for a substring.
    #[serde(default)]
    pub follows: Vec<String>,
    /// Endings (`.png`, `.jsonl`) that make a token the name or URL of a file of this class: a
    /// sample image in a model repository, a results file named after a model.
    #[serde(default)]
    pub extensions: Vec<String>,
    /// File names (the last path component) in which every token is of this class.
    #[serde(default)]
    pub files: Vec<String>,
    /// Leading folders (`saves/`) that make a token a path of this class.
    #[serde(default)]
    pub prefixes: Vec<String>,
    /// Text anywhere in the file that puts every token of the file in this context (a download
    /// switch, a command line of a tool), unless the file also holds one of `unless`.
    #[serde(default)]
    pub markers: Vec<String>,
    #[serde(default)]
    pub unless: Vec<String>,
    /// Variables that switch the context on for the whole file when it sets one of them to a
    /// true value (`VLLM_USE_MODELSCOPE=True`, `os.environ["USE_MODELSCOPE_HUB"] = "1"`); reading
    /// or clearing one does not.
    #[serde(default)]
    pub switches: Vec<String>,
    /// Folder names (any component of the file's path but its own name) that put every token of
    /// the file in this context: a provider's adaptor folder (`relay/adaptor/siliconflow/`).
    #[serde(default)]
    pub folders: Vec<String>,
    /// Text of a comment line that heads a section of a table or list (`// https://openrouter.ai/models`):
    /// the lines after it, up to the next comment line or the end of its block, are in this
    /// context.
    #[serde(default)]
    pub headings: Vec<String>,
    /// For `class = "hub"`: the host id bare hub ids are downloaded from.
    #[serde(default)]
    pub host: Option<String>,
    #[serde(default)]
    pub notes: String,
    /// `match`: lines with a candidate this context classifies; `no_match`: lines where it
    /// classifies none.
    #[serde(default)]
    pub examples: Examples,
    pub sources: Vec<String>,
    pub as_of: String,
}

/// A key as [`Context::keys`] compares it: lowercase, leading dashes removed, `-` as `_`.
pub fn normalise_key(k: &str) -> String {
    k.trim_start_matches('-')
        .to_ascii_lowercase()
        .replace('-', "_")
}

/// An organisation file: `rules/orgs/<id>.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct OrgFile {
    org: Org,
    #[serde(default)]
    family: Vec<Family>,
    #[serde(default)]
    namespace: Vec<Namespace>,
    #[serde(default)]
    host: Vec<Host>,
    #[serde(default)]
    route: Vec<Route>,
    #[serde(default)]
    pattern: Vec<Pattern>,
    #[serde(default)]
    package: Vec<Package>,
    #[serde(default)]
    arch: Vec<Arch>,
}

/// Any other data file: hosts, routes and patterns not owned by one organisation.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DataFile {
    #[serde(default)]
    source: Vec<Source>,
    #[serde(default)]
    list: Vec<List>,
    #[serde(default)]
    listing: Vec<Listing>,
    #[serde(default)]
    host: Vec<Host>,
    #[serde(default)]
    namespace: Vec<Namespace>,
    #[serde(default)]
    route: Vec<Route>,
    #[serde(default)]
    pattern: Vec<Pattern>,
    #[serde(default)]
    package: Vec<Package>,
    #[serde(default)]
    digest: Vec<DigestEntry>,
    #[serde(default)]
    context: Vec<Context>,
}

/// A loaded database.
#[derive(Debug, Clone)]
pub struct Database {
    pub meta: Meta,
    pub origin: Origin,
    /// sha256 over the file names and contents, in name order.
    pub content_hash: String,
    pub sources: BTreeMap<String, Source>,
    pub lists: Vec<List>,
    pub listings: Vec<Listing>,
    pub orgs: Vec<Org>,
    pub families: Vec<Family>,
    pub hosts: Vec<Host>,
    pub namespaces: Vec<Namespace>,
    pub routes: Vec<Route>,
    pub patterns: Vec<Pattern>,
    pub packages: Vec<Package>,
    /// Architecture identifiers (transformers `model_type`/classes, GGUF architectures).
    pub archs: Vec<Arch>,
    /// Known weight-file digests.
    pub digests: Vec<DigestEntry>,
    /// Places that decide what a token is (data sets, output folders).
    pub contexts: Vec<Context>,
    /// Which file each entry id came from (for messages).
    pub files: HashMap<String, String>,
    /// The text of every file, by name (to point problems at a line); see [`Database::texts`].
    texts: OnceLock<BTreeMap<String, String>>,
    org_index: HashMap<String, usize>,
    family_index: HashMap<String, usize>,
    host_index: HashMap<String, usize>,
    list_index: HashMap<String, usize>,
    weight_index: weights::WeightIndex,
}

/// A database problem that stops loading.
#[derive(Debug)]
pub struct LoadError {
    pub file: String,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.message)
    }
}

impl std::error::Error for LoadError {}

fn toml_error(file: &str, text: &str, e: toml::de::Error) -> LoadError {
    let line = e
        .span()
        .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
    let msg = e.message().trim().to_string();
    match line {
        Some(l) => LoadError {
            file: format!("{file}:{l}"),
            message: msg,
        },
        None => LoadError {
            file: file.to_string(),
            message: msg,
        },
    }
}

/// One file's tables, decoded.
enum Parsed {
    Meta(Meta),
    Org(Box<OrgFile>),
    Data(Box<DataFile>),
}

/// Decodes the file `name` (its kind is in its name) from TOML.
fn decode_toml(name: &str, text: &str) -> Result<Parsed, LoadError> {
    let err = |e| toml_error(name, text, e);
    Ok(if name == "meta.toml" {
        Parsed::Meta(toml::from_str(text).map_err(err)?)
    } else if name.starts_with("orgs/") {
        Parsed::Org(toml::from_str(text).map_err(err)?)
    } else {
        Parsed::Data(toml::from_str(text).map_err(err)?)
    })
}

/// Decodes the file `name` from the JSON `build.rs` wrote for it: the same tables, through the
/// same types.
fn decode_json(name: &str, json: &str) -> Result<Parsed, LoadError> {
    let err = |e: serde_json::Error| LoadError {
        file: name.to_string(),
        message: format!("{e} (in the index build.rs made)"),
    };
    Ok(if name == "meta.toml" {
        Parsed::Meta(serde_json::from_str(json).map_err(err)?)
    } else if name.starts_with("orgs/") {
        Parsed::Org(serde_json::from_str(json).map_err(err)?)
    } else {
        Parsed::Data(serde_json::from_str(json).map_err(err)?)
    })
}

/// sha256 over the names and contents of `files` (sorted by name).
fn content_hash(files: &[(String, String)]) -> String {
    let mut hasher = Sha256::new();
    for (name, text) in files {
        hasher.update(name.as_bytes());
        hasher.update([0u8]);
        hasher.update(text.as_bytes());
        hasher.update([0u8]);
    }
    hex(&hasher.finalize())
}

impl Database {
    /// Loads the database compiled into the binary.
    ///
    /// Not parsed from TOML at run time: `build.rs` parsed the same files into JSON (several
    /// times faster to read) and hashed them; when its index does not list exactly the embedded
    /// files, they are parsed here as any other folder is. Not validated again at every start
    /// (validation takes twice as long as parsing): the embedded files are the `rules/` folder
    /// the build was made from, which the tests (`embedded_equals_rules_folder`,
    /// `the_database_passes_every_lint`) and `rules check` in CI validate, examples included;
    /// `modelgate rules check` validates it on request.
    pub fn embedded() -> Result<Database, LoadError> {
        let mut names: Vec<&str> = embedded::FILES.iter().map(|(n, _)| *n).collect();
        names.sort();
        let indexed = names.len() == prebuilt::PARSED.len()
            && names.iter().zip(prebuilt::PARSED).all(|(a, (b, _))| a == b);
        if !indexed {
            return Database::embedded_from_toml();
        }
        // The texts stay in the binary until asked for (`texts`).
        Database::assemble(
            &names,
            Origin::Embedded,
            prebuilt::CONTENT_HASH.to_string(),
            &mut |i| decode_json(names[i], prebuilt::PARSED[i].1),
        )
    }

    /// [`Database::embedded`] parsed from its TOML files, without the index `build.rs` made.
    fn embedded_from_toml() -> Result<Database, LoadError> {
        let files = embedded::FILES
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        Database::parse(files, Origin::Embedded)
    }

    /// Loads a database from a folder laid out like `rules/`.
    pub fn from_dir(dir: &Path) -> Result<Database, LoadError> {
        let mut files = Vec::new();
        collect_toml(dir, dir, &mut files).map_err(|e| LoadError {
            file: dir.display().to_string(),
            message: e.to_string(),
        })?;
        if files.is_empty() {
            return Err(LoadError {
                file: dir.display().to_string(),
                message: "no rules files (*.toml) found".into(),
            });
        }
        Database::from_files(files, Origin::Dir(dir.to_path_buf()))
    }

    /// Reads a folder without validating references between entries (for `rules check`).
    pub fn from_dir_unchecked(dir: &Path) -> Result<Database, LoadError> {
        let mut files = Vec::new();
        collect_toml(dir, dir, &mut files).map_err(|e| LoadError {
            file: dir.display().to_string(),
            message: e.to_string(),
        })?;
        Database::parse(files, Origin::Dir(dir.to_path_buf()))
    }

    /// Loads from (relative name, contents) pairs and validates; the first problem is an error.
    pub fn from_files(files: Vec<(String, String)>, origin: Origin) -> Result<Database, LoadError> {
        let db = Database::parse(files, origin)?;
        let problems = validate(&db);
        if let Some(p) = problems.first() {
            return Err(LoadError {
                file: p.location(),
                message: if problems.len() > 1 {
                    format!("{} (and {} more problems)", p.message, problems.len() - 1)
                } else {
                    p.message.clone()
                },
            });
        }
        Ok(db)
    }

    /// Parses (relative name, contents) pairs without validating references between entries:
    /// what `rules check` needs to report every problem. Names use `/` separators.
    pub fn parse(mut files: Vec<(String, String)>, origin: Origin) -> Result<Database, LoadError> {
        files.sort_by(|a, b| a.0.cmp(&b.0));
        let content_hash = content_hash(&files);
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        let db = Database::assemble(&names, origin, content_hash, &mut |i| {
            decode_toml(&files[i].0, &files[i].1)
        })?;
        let _ = db.texts.set(files.into_iter().collect());
        Ok(db)
    }

    /// Builds the database from the files `names` (sorted), decoding each in turn with `decode`
    /// (given its position); the first error stops. The texts are left to the caller.
    fn assemble(
        names: &[&str],
        origin: Origin,
        content_hash: String,
        decode: &mut dyn FnMut(usize) -> Result<Parsed, LoadError>,
    ) -> Result<Database, LoadError> {
        let mut meta: Option<Meta> = None;
        let mut db = Database {
            meta: Meta {
                schema_version: 0,
                as_of: String::new(),
                name: String::new(),
                description: String::new(),
            },
            origin,
            content_hash,
            sources: BTreeMap::new(),
            lists: vec![],
            listings: vec![],
            orgs: vec![],
            families: vec![],
            hosts: vec![],
            namespaces: vec![],
            routes: vec![],
            patterns: vec![],
            packages: vec![],
            archs: vec![],
            digests: vec![],
            contexts: vec![],
            files: HashMap::new(),
            texts: OnceLock::new(),
            org_index: HashMap::new(),
            family_index: HashMap::new(),
            host_index: HashMap::new(),
            list_index: HashMap::new(),
            weight_index: weights::WeightIndex::default(),
        };
        for (i, name) in names.iter().enumerate() {
            let name = &name.to_string();
            let parsed = decode(i)?;
            if let Parsed::Meta(m) = parsed {
                db.files.insert("meta:meta".into(), name.clone());
                meta = Some(m);
            } else if let Parsed::Org(f) = parsed {
                let f = *f;
                let org_id = f.org.id.clone();
                db.files.insert(format!("org:{org_id}"), name.clone());
                db.orgs.push(f.org);
                for mut fam in f.family {
                    if fam.org.is_empty() {
                        fam.org = org_id.clone();
                    }
                    db.files.insert(format!("family:{}", fam.id), name.clone());
                    db.families.push(fam);
                }
                for mut ns in f.namespace {
                    if ns.org.is_empty() {
                        ns.org = org_id.clone();
                    }
                    db.files
                        .insert(format!("namespace:{}@{}", ns.name, ns.host), name.clone());
                    db.namespaces.push(ns);
                }
                for mut h in f.host {
                    if h.operator.is_none() {
                        h.operator = Some(org_id.clone());
                    }
                    db.files.insert(format!("host:{}", h.id), name.clone());
                    db.hosts.push(h);
                }
                for r in f.route {
                    db.files.insert(format!("route:{}", r.prefix), name.clone());
                    db.routes.push(r);
                }
                for mut p in f.pattern {
                    if p.org.is_empty() {
                        p.org = org_id.clone();
                    }
                    db.files.insert(format!("pattern:{}", p.id), name.clone());
                    db.patterns.push(p);
                }
                for mut p in f.package {
                    if p.org.is_empty() {
                        p.org = org_id.clone();
                    }
                    db.files.insert(p.key(), name.clone());
                    db.packages.push(p);
                }
                for mut a in f.arch {
                    if a.org.is_empty() {
                        a.org = org_id.clone();
                    }
                    db.files.insert(format!("arch:{}", a.id), name.clone());
                    db.archs.push(a);
                }
            } else if let Parsed::Data(f) = parsed {
                let f = *f;
                for s in f.source {
                    if db.sources.contains_key(&s.id) {
                        return Err(LoadError {
                            file: name.clone(),
                            message: format!(
                                "duplicate source id `{}` (also in {})",
                                s.id,
                                db.file_of(&format!("source:{}", s.id))
                            ),
                        });
                    }
                    db.files.insert(format!("source:{}", s.id), name.clone());
                    db.sources.insert(s.id.clone(), s);
                }
                for l in f.list {
                    db.files.insert(format!("list:{}", l.id), name.clone());
                    db.lists.push(l);
                }
                for l in f.listing {
                    db.files.insert(format!("listing:{}", l.id), name.clone());
                    db.listings.push(l);
                }
                for h in f.host {
                    db.files.insert(format!("host:{}", h.id), name.clone());
                    db.hosts.push(h);
                }
                for ns in f.namespace {
                    db.files
                        .insert(format!("namespace:{}@{}", ns.name, ns.host), name.clone());
                    db.namespaces.push(ns);
                }
                for r in f.route {
                    db.files.insert(format!("route:{}", r.prefix), name.clone());
                    db.routes.push(r);
                }
                for p in f.pattern {
                    db.files.insert(format!("pattern:{}", p.id), name.clone());
                    db.patterns.push(p);
                }
                for p in f.package {
                    db.files.insert(p.key(), name.clone());
                    db.packages.push(p);
                }
                for c in f.context {
                    db.files.insert(format!("context:{}", c.id), name.clone());
                    db.contexts.push(c);
                }
                for d in f.digest {
                    let id = d.sha256.as_deref().or(d.md5.as_deref()).unwrap_or("");
                    db.files.insert(format!("digest:{id}"), name.clone());
                    db.digests.push(d);
                }
            }
        }
        db.meta = meta.ok_or_else(|| LoadError {
            file: "meta.toml".into(),
            message: "missing: every database needs a meta.toml with schema_version and as_of"
                .into(),
        })?;
        if db.meta.schema_version != SCHEMA_VERSION {
            return Err(LoadError {
                file: "meta.toml".into(),
                message: format!(
                    "schema_version {} is not supported (this modelgate reads {})",
                    db.meta.schema_version, SCHEMA_VERSION
                ),
            });
        }
        db.org_index = index(db.orgs.iter().map(|o| o.id.as_str()));
        db.family_index = index(db.families.iter().map(|o| o.id.as_str()));
        db.host_index = index(db.hosts.iter().map(|o| o.id.as_str()));
        db.list_index = index(db.lists.iter().map(|o| o.id.as_str()));
        db.weight_index = weights::WeightIndex::build(&db.archs, &db.digests);
        Ok(db)
    }

    pub fn org(&self, id: &str) -> Option<&Org> {
        self.org_index.get(id).map(|&i| &self.orgs[i])
    }

    pub fn family(&self, id: &str) -> Option<&Family> {
        self.family_index.get(id).map(|&i| &self.families[i])
    }

    pub fn host(&self, id: &str) -> Option<&Host> {
        self.host_index.get(id).map(|&i| &self.hosts[i])
    }

    pub fn list(&self, id: &str) -> Option<&List> {
        self.list_index.get(id).map(|&i| &self.lists[i])
    }

    /// Active listings of an organisation.
    pub fn listings_of<'a>(&'a self, org: &'a str) -> impl Iterator<Item = &'a Listing> + 'a {
        self.listings
            .iter()
            .filter(move |l| l.org == org && !l.withdrawn)
    }

    /// The text of every file, by name. For the embedded database, copied from the binary
    /// when first asked for (a scan does not need them).
    pub fn texts(&self) -> &BTreeMap<String, String> {
        self.texts.get_or_init(|| {
            embedded::FILES
                .iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect()
        })
    }

    pub fn file_of(&self, key: &str) -> &str {
        self.files.get(key).map(String::as_str).unwrap_or("rules")
    }

    /// A problem about the entry `key` (`kind:id`), pointed at the line that names it.
    pub fn problem(&self, key: &str, message: String) -> Problem {
        let file = self.file_of(key).to_string();
        let (kind, id) = key.split_once(':').unwrap_or(("", key));
        let needle = match kind {
            "namespace" => format!("name = \"{}\"", id.split('@').next().unwrap_or(id)),
            "route" => format!("prefix = \"{id}\""),
            "package" => format!("name = \"{}\"", id.split_once('/').map_or(id, |x| x.1)),
            "source" => format!("id = \"{id}\""),
            "digest" => format!("= \"{id}\""),
            _ => format!("id = \"{id}\""),
        };
        let line = self.texts().get(&file).and_then(|t| {
            t.lines()
                .position(|l| {
                    l.trim_start().starts_with(&needle) || (kind == "digest" && l.contains(&needle))
                })
                .map(|i| i + 1)
        });
        Problem {
            file,
            line,
            message,
        }
    }
}

fn yes() -> bool {
    true
}

fn index<'a>(ids: impl Iterator<Item = &'a str>) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for (i, id) in ids.enumerate() {
        m.entry(id.to_string()).or_insert(i);
    }
    m
}

fn collect_toml(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let ft = e.file_type()?;
        let p = e.path();
        if ft.is_dir() {
            collect_toml(root, &p, out)?;
        } else if ft.is_file() && p.extension().is_some_and(|x| x == "toml") {
            let rel = p
                .strip_prefix(root)
                .unwrap_or(&p)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let text = std::fs::read_to_string(&p)?;
            out.push((rel, text));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every entry of a database as text, in a stable order.
    fn entries(db: &Database) -> String {
        let files: BTreeMap<_, _> = db.files.iter().collect();
        format!(
            "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
            db.meta,
            db.origin,
            db.content_hash,
            db.sources,
            db.lists,
            db.listings,
            db.orgs,
            db.families,
            db.hosts,
            db.namespaces,
            db.routes,
            db.patterns,
            db.packages,
            db.archs,
            db.digests,
            db.contexts,
            files,
            db.texts(),
        )
    }

    #[test]
    fn the_index_build_rs_made_reads_as_the_toml_files() {
        assert_eq!(prebuilt::PARSED.len(), embedded::FILES.len());
        let a = Database::embedded().unwrap();
        let b = Database::embedded_from_toml().unwrap();
        assert_eq!(entries(&a), entries(&b));
        assert_eq!(
            prebuilt::CONTENT_HASH,
            content_hash(&{
                let mut f: Vec<(String, String)> = embedded::FILES
                    .iter()
                    .map(|(n, t)| (n.to_string(), t.to_string()))
                    .collect();
                f.sort();
                f
            })
        );
    }

    #[test]
    fn a_json_decoding_error_names_the_file() {
        let e = match decode_json("orgs/x.toml", r#"{"org": 1}"#) {
            Err(e) => e,
            Ok(_) => panic!("decoded"),
        };
        assert_eq!(e.file, "orgs/x.toml");
    }
}
