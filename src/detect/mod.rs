//! Detection: turn one classified file into raw references. No policy here: a reference says what
//! was seen, where, which database entries it matched and how sure the match is.

pub mod gguf;
pub mod modelmeta;
pub mod safetensors;
pub mod source;
pub mod text;
pub mod weights;

use serde::Serialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// Longest value taken from file content (a GGUF `general.name`, safetensors metadata, a config's
/// `auto_map`, a model card's `base_model`) that is kept for reports, in characters; longer
/// values are cut and end with `…`. Escaping for output is the report's business.
pub const MAX_VALUE_CHARS: usize = 256;

/// `s` cut to at most `max` characters, with `…` when cut.
pub fn cap_text(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((i, _)) => format!("{}\u{2026}", &s[..i]),
    }
}

/// A map key compared with a name, never copied.
pub(crate) struct NameIs(pub &'static str);

impl<'de> DeserializeSeed<'de> for NameIs {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for NameIs {
    type Value = bool;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        Ok(v == self.0)
    }
}

/// A JSON value read as a string cut with [`cap_text`]: `None` (skipped, never materialised)
/// when it is not a string.
#[derive(Clone, Copy)]
pub(crate) struct BoundedStr(pub usize);

impl<'de> DeserializeSeed<'de> for BoundedStr {
    type Value = Option<String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<String>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for BoundedStr {
    type Value = Option<String>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(cap_text(v, self.0)))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map
            .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
            .is_some()
        {}
        Ok(None)
    }
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
    /// Database entries that decided the match, as `kind:id` keys.
    pub rules: Vec<String>,
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
    /// The dependency the reference is attributed to (manifest and dependency findings).
    pub dep: Option<Box<crate::deps::DepContext>>,
    /// Evidence of weight files, configs and remote code (see [`crate::lineage`]).
    pub weight: Option<Box<WeightEvidence>>,
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

/// A JSON value read as an unsigned integer: `None` (skipped) when it is anything else.
#[derive(Clone, Copy)]
pub(crate) struct AnyU64;

impl<'de> DeserializeSeed<'de> for AnyU64 {
    type Value = Option<u64>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<u64>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for AnyU64 {
    type Value = Option<u64>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map
            .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
            .is_some()
        {}
        Ok(None)
    }
}
