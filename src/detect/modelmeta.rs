//! Model metadata that is text: Git LFS pointers, transformers `config.json`,
//! `adapter_config.json`, `generation_config.json`, `model.safetensors.index.json`, model cards
//! (README.md YAML front matter), Ollama manifests, Hugging Face cache paths and
//! `trust_remote_code` in code. Each parser takes bytes and never panics.

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::BoundedStr;

/// Most `base_model` entries kept from a model card.
const MAX_BASE_MODELS: usize = 32;
/// Most `trust_remote_code` lines reported per file.
const MAX_REMOTE_CODE_LINES: usize = 1000;

/// 1-based line of byte offset `at`.
pub fn line_of(buf: &[u8], at: usize) -> u32 {
    memchr::memchr_iter(b'\n', &buf[..at.min(buf.len())]).count() as u32 + 1
}

/// 1-based line of the first occurrence of `needle`, or 1.
pub fn line_of_text(buf: &[u8], needle: &str) -> u32 {
    memchr::memmem::find(buf, needle.as_bytes()).map_or(1, |i| line_of(buf, i))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LfsPointer {
    pub oid_sha256: String,
    pub size: u64,
}

/// Parses a Git LFS pointer file (at most 1024 bytes, spec v1).
pub fn lfs_pointer(buf: &[u8]) -> Option<LfsPointer> {
    if buf.len() > 1024 || !buf.starts_with(b"version https://git-lfs.github.com/spec/v1") {
        return None;
    }
    let text = std::str::from_utf8(buf).ok()?;
    let mut oid = None;
    let mut size = None;
    for l in text.lines() {
        if let Some(h) = l.strip_prefix("oid sha256:") {
            let h = h.trim();
            if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) {
                oid = Some(h.to_ascii_lowercase());
            }
        } else if let Some(s) = l.strip_prefix("size ") {
            size = s.trim().parse().ok();
        }
    }
    Some(LfsPointer {
        oid_sha256: oid?,
        size: size?,
    })
}

/// What a transformers config file says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigInfo {
    pub model_type: Option<String>,
    pub architectures: Vec<String>,
    pub name_or_path: Option<String>,
    /// adapter_config.json `base_model_name_or_path`.
    pub adapter_base: Option<String>,
    /// `auto_map` values that name another repository (`org/repo--module.Class`), and whether
    /// any auto_map is present at all (the loader executes the repository's code).
    pub auto_map: Vec<String>,
    pub has_auto_map: bool,
    pub line: u32,
    pub auto_map_line: u32,
}

/// File names of transformers configs this module reads.
pub fn is_config_name(name: &str) -> bool {
    matches!(
        name,
        "config.json" | "adapter_config.json" | "generation_config.json"
    )
}

/// Largest config file read.
pub const MAX_CONFIG: usize = 16 << 20;
/// `architectures` entries kept.
const MAX_ARCHS: usize = 16;
/// `auto_map` entries looked at, and repositories kept from them.
const MAX_AUTO_MAP: usize = 32;

/// Parses a transformers config (or adapter/generation config). `None` when it is not JSON or
/// carries none of the keys of interest.
///
/// The JSON is streamed through a visitor that keeps only the keys of interest, each bounded
/// (strings cut to [`super::MAX_VALUE_CHARS`] characters, at most 16 architectures and 32
/// `auto_map` entries); everything else is skipped without being built, so memory does not grow
/// with the file's structure (serde_json's nesting limit stays on).
pub fn config(buf: &[u8]) -> Option<ConfigInfo> {
    if buf.len() > MAX_CONFIG {
        return None;
    }
    let mut de = serde_json::Deserializer::from_slice(buf);
    let mut c = serde::Deserializer::deserialize_map(&mut de, ConfigVisitor).ok()?;
    de.end().ok()?;
    if c.model_type.is_none()
        && c.architectures.is_empty()
        && c.name_or_path.is_none()
        && c.adapter_base.is_none()
        && !c.has_auto_map
    {
        return None;
    }
    if c.has_auto_map {
        c.auto_map_line = line_of_text(buf, "\"auto_map\"");
    }
    c.line = [
        "\"base_model_name_or_path\"",
        "\"model_type\"",
        "\"architectures\"",
        "\"_name_or_path\"",
    ]
    .iter()
    .find_map(|k| memchr::memmem::find(buf, k.as_bytes()).map(|i| line_of(buf, i)))
    .unwrap_or(1);
    Some(c)
}

fn trimmed(v: Option<String>) -> Option<String> {
    v.map(|x| x.trim().to_string()).filter(|x| !x.is_empty())
}

struct ConfigVisitor;

impl<'de> Visitor<'de> for ConfigVisitor {
    type Value = ConfigInfo;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ConfigInfo, A::Error> {
        let mut c = ConfigInfo::default();
        let bounded = BoundedStr(super::MAX_VALUE_CHARS);
        while let Some(k) = map.next_key_seed(ConfigKey)? {
            match k {
                Some(Key::ModelType) => c.model_type = trimmed(map.next_value_seed(bounded)?),
                Some(Key::NameOrPath) => c.name_or_path = trimmed(map.next_value_seed(bounded)?),
                Some(Key::AdapterBase) => {
                    c.adapter_base = trimmed(map.next_value_seed(bounded)?);
                }
                Some(Key::Architectures) => {
                    c.architectures = map.next_value_seed(StringList(MAX_ARCHS))?;
                }
                Some(Key::AutoMap) => {
                    let (n, repos) = map.next_value_seed(AutoMapSeed)?;
                    c.has_auto_map = n > 0;
                    c.auto_map = repos;
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(c)
    }
}

enum Key {
    ModelType,
    NameOrPath,
    AdapterBase,
    Architectures,
    AutoMap,
}

/// A config key: one of interest, else `None` (never copied).
struct ConfigKey;

impl<'de> DeserializeSeed<'de> for ConfigKey {
    type Value = Option<Key>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<Key>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for ConfigKey {
    type Value = Option<Key>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<Key>, E> {
        Ok(match v {
            "model_type" => Some(Key::ModelType),
            "_name_or_path" => Some(Key::NameOrPath),
            "base_model_name_or_path" => Some(Key::AdapterBase),
            "architectures" => Some(Key::Architectures),
            "auto_map" => Some(Key::AutoMap),
            _ => None,
        })
    }
}

/// At most `.0` string items of a list (each cut to [`super::MAX_VALUE_CHARS`] characters);
/// other items and a value that is not a list are skipped.
#[derive(Clone, Copy)]
struct StringList(usize);

impl<'de> DeserializeSeed<'de> for StringList {
    type Value = Vec<String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<String>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StringList {
    type Value = Vec<String>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of strings")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(BoundedStr(super::MAX_VALUE_CHARS))? {
            if let Some(v) = v
                && out.len() < self.0
            {
                out.push(v);
            }
        }
        Ok(out)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Vec<String>, E> {
        Ok(Vec::new())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Vec<String>, E> {
        Ok(Vec::new())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Vec<String>, E> {
        Ok(Vec::new())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Vec<String>, E> {
        Ok(Vec::new())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Vec<String>, E> {
        Ok(Vec::new())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Vec<String>, E> {
        Ok(Vec::new())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<String>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Vec::new())
    }
}

/// `auto_map`: (number of entries, repositories named by `org/repo--module.Class` values).
struct AutoMapSeed;

impl<'de> DeserializeSeed<'de> for AutoMapSeed {
    type Value = (usize, Vec<String>);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for AutoMapSeed {
    type Value = (usize, Vec<String>);
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an auto_map object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut n = 0usize;
        let mut repos: Vec<String> = Vec::new();
        while map.next_key::<IgnoredAny>()?.is_some() {
            n += 1;
            if n > MAX_AUTO_MAP {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            // A value is a string or a list of strings (an `AutoTokenizer` pair).
            let items: Vec<String> = map.next_value_seed(OneOrList)?;
            for it in items {
                if let Some((repo, _)) = it.split_once("--")
                    && repo.contains('/')
                    && repos.len() < MAX_AUTO_MAP
                    && !repos.iter().any(|r| r == repo)
                {
                    repos.push(repo.to_string());
                }
            }
        }
        Ok((n, repos))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok((0, Vec::new()))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok((0, Vec::new()))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok((0, Vec::new()))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok((0, Vec::new()))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok((0, Vec::new()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok((0, Vec::new()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok((0, Vec::new()))
    }
}

/// A string, or the strings of a list (at most 8), each cut to [`super::MAX_VALUE_CHARS`].
struct OneOrList;

impl<'de> DeserializeSeed<'de> for OneOrList {
    type Value = Vec<String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<String>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for OneOrList {
    type Value = Vec<String>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string or a list of strings")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<String>, E> {
        Ok(vec![super::cap_text(v, super::MAX_VALUE_CHARS)])
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Vec<String>, A::Error> {
        StringList(8).visit_seq(seq)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Vec<String>, E> {
        Ok(Vec::new())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Vec<String>, E> {
        Ok(Vec::new())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Vec<String>, E> {
        Ok(Vec::new())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Vec<String>, E> {
        Ok(Vec::new())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Vec<String>, E> {
        Ok(Vec::new())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<String>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Vec::new())
    }
}

/// A model card's front matter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardInfo {
    pub base_models: Vec<String>,
    /// `adapter`, `finetune`, `merge` or `quantized`.
    pub relation: Option<String>,
    pub license: Option<String>,
    pub line: u32,
}

/// A front-matter scalar without quotes or comment, cut to [`super::MAX_VALUE_CHARS`].
fn unquote(s: &str) -> String {
    let s = s.trim();
    let s = s.split(" #").next().unwrap_or(s).trim();
    super::cap_text(
        s.trim_matches(|c| c == '"' || c == '\'').trim(),
        super::MAX_VALUE_CHARS,
    )
}

/// Reads `base_model`, `base_model_relation` and `license` from YAML front matter (the block
/// between a leading `---` line and the next one). Only the flat forms model cards use are read:
/// a scalar, an inline list `[a, b]` or an indented `- a` list.
pub fn card(buf: &[u8]) -> Option<CardInfo> {
    let text = std::str::from_utf8(&buf[..buf.len().min(256 << 10)]).ok()?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines();
    if lines.next()?.trim_end() != "---" {
        return None;
    }
    let mut info = CardInfo::default();
    let mut in_base = false;
    for (i, l) in lines.enumerate() {
        let lineno = i as u32 + 2;
        if l.trim_end() == "---" || l.trim_end() == "..." {
            break;
        }
        if in_base {
            if let Some(item) = l.trim_start().strip_prefix("- ")
                && l.starts_with([' ', '-'])
            {
                let v = unquote(item);
                if !v.is_empty() && info.base_models.len() < MAX_BASE_MODELS {
                    info.base_models.push(v);
                }
                continue;
            }
            in_base = false;
        }
        let Some((k, v)) = l.split_once(':') else {
            continue;
        };
        if l.starts_with([' ', '\t']) {
            continue;
        }
        match k.trim() {
            "base_model" => {
                info.line = lineno;
                let v = v.trim();
                if v.is_empty() {
                    in_base = true;
                } else if let Some(inner) = v.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
                    let room = MAX_BASE_MODELS.saturating_sub(info.base_models.len());
                    info.base_models.extend(
                        inner
                            .split(',')
                            .map(unquote)
                            .filter(|x| !x.is_empty())
                            .take(room),
                    );
                } else if info.base_models.len() < MAX_BASE_MODELS {
                    info.base_models.push(unquote(v));
                }
            }
            "base_model_relation" => info.relation = Some(unquote(v)).filter(|x| !x.is_empty()),
            "license" => info.license = Some(unquote(v)).filter(|x| !x.is_empty()),
            _ => {}
        }
    }
    (!info.base_models.is_empty() || info.license.is_some()).then_some(info)
}

/// An Ollama manifest: `manifests/<registry>/<namespace>/<model>/<tag>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OllamaManifest {
    pub registry: String,
    /// `qwen2.5:7b` for the library namespace, else `namespace/model:tag`.
    pub model: String,
    /// sha256 (hex) of the `application/vnd.ollama.image.model` layers.
    pub model_layers: Vec<(String, u64)>,
}

pub fn ollama_manifest(rel: &str, buf: &[u8]) -> Option<OllamaManifest> {
    let parts: Vec<&str> = rel.split('/').collect();
    let i = parts.iter().rposition(|p| *p == "manifests")?;
    if parts.len() != i + 5 || buf.len() > 1 << 20 {
        return None;
    }
    let (registry, ns, model, tag) = (parts[i + 1], parts[i + 2], parts[i + 3], parts[i + 4]);
    let mut de = serde_json::Deserializer::from_slice(buf);
    let layers = serde::Deserializer::deserialize_map(&mut de, ManifestVisitor).ok()??;
    de.end().ok()?;
    let mut out = OllamaManifest {
        registry: registry.to_string(),
        model: if ns == "library" {
            format!("{model}:{tag}")
        } else {
            format!("{ns}/{model}:{tag}")
        },
        model_layers: Vec::new(),
    };
    for l in layers {
        if l.media_type.as_deref() == Some("application/vnd.ollama.image.model")
            && let Some(d) = l.digest.as_deref().and_then(|d| d.strip_prefix("sha256:"))
            && d.len() == 64
            && d.bytes().all(|b| b.is_ascii_hexdigit())
        {
            out.model_layers
                .push((d.to_ascii_lowercase(), l.size.unwrap_or(0)));
        }
    }
    Some(out)
}

/// Manifest layers looked at.
const MAX_LAYERS: usize = 64;

#[derive(Default)]
struct Layer {
    media_type: Option<String>,
    digest: Option<String>,
    size: Option<u64>,
}

/// A manifest, streamed: the first [`MAX_LAYERS`] layers' `mediaType`, `digest` and `size`;
/// `None` without a `layers` list.
struct ManifestVisitor;

impl<'de> Visitor<'de> for ManifestVisitor {
    type Value = Option<Vec<Layer>>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an Ollama manifest object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut layers = None;
        while let Some(k) = map.next_key_seed(super::NameIs("layers"))? {
            if k {
                layers = Some(map.next_value_seed(LayersSeed)?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(layers)
    }
}

struct LayersSeed;

impl<'de> DeserializeSeed<'de> for LayersSeed {
    type Value = Vec<Layer>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<Layer>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for LayersSeed {
    type Value = Vec<Layer>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of layers")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Layer>, A::Error> {
        let mut out = Vec::new();
        let mut n = 0usize;
        loop {
            n += 1;
            let more = if n <= MAX_LAYERS {
                seq.next_element_seed(LayerSeed)?.map(|l| out.extend(l))
            } else {
                seq.next_element::<IgnoredAny>()?.map(|_| ())
            };
            if more.is_none() {
                break;
            }
        }
        Ok(out)
    }
}

/// One layer: its fields when it is an object, else `None` (skipped).
struct LayerSeed;

impl<'de> DeserializeSeed<'de> for LayerSeed {
    type Value = Option<Layer>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<Layer>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for LayerSeed {
    type Value = Option<Layer>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a layer object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut l = Layer::default();
        while let Some(k) = map.next_key_seed(LayerKey)? {
            match k {
                1 => l.media_type = map.next_value_seed(BoundedStr(128))?,
                2 => l.digest = map.next_value_seed(BoundedStr(128))?,
                3 => l.size = map.next_value_seed(super::AnyU64)?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Some(l))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        BoundedStr(0).visit_seq(seq).map(|_| None)
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
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// A layer key: 1 `mediaType`, 2 `digest`, 3 `size`, 0 anything else (never copied).
struct LayerKey;

impl<'de> DeserializeSeed<'de> for LayerKey {
    type Value = u8;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<u8, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for LayerKey {
    type Value = u8;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<u8, E> {
        Ok(match v {
            "mediaType" => 1,
            "digest" => 2,
            "size" => 3,
            _ => 0,
        })
    }
}

/// The sha256 an Ollama blob (`blobs/sha256-<hex>`) or a Hugging Face cache blob
/// (`models--o--n/blobs/<hex>`) is named after.
pub fn blob_name_digest(rel: &str) -> Option<String> {
    let mut it = rel.rsplit('/');
    let name = it.next()?;
    if it.next()? != "blobs" {
        return None;
    }
    let h = name.strip_prefix("sha256-").unwrap_or(name);
    (h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit())).then(|| h.to_ascii_lowercase())
}

/// The repository of a Hugging Face cache folder on the path (`models--Qwen--Qwen2.5-7B/...`).
pub fn hf_cache_repo(rel: &str) -> Option<String> {
    rel.split('/').find_map(|c| {
        let rest = c.strip_prefix("models--")?;
        let (o, n) = rest.split_once("--")?;
        (!o.is_empty() && !n.is_empty()).then(|| format!("{o}/{n}"))
    })
}

/// Where code or configuration turns on `trust_remote_code`: (first line of the call it is an
/// argument of, its own line), 1-based. Outside a call (`trust_remote_code: true` in a config) the
/// first line is `None`. At most [`MAX_REMOTE_CODE_LINES`], in one pass (lines are counted forward,
/// never from the start of the file per occurrence).
pub fn trust_remote_code_lines(buf: &[u8]) -> Vec<(Option<u32>, u32)> {
    let mut out: Vec<(Option<u32>, u32)> = Vec::new();
    let mut counted = 0usize;
    let mut line = 1u32;
    for i in memchr::memmem::find_iter(buf, b"trust_remote_code") {
        let rest = &buf[i + "trust_remote_code".len()..];
        let rest = &rest[..rest.len().min(24)];
        let t: Vec<u8> = rest
            .iter()
            .copied()
            .filter(|b| !b" \t\"':=".contains(b))
            .take(4)
            .collect();
        if t.eq_ignore_ascii_case(b"true") {
            line += memchr::memchr_iter(b'\n', &buf[counted..i]).count() as u32;
            counted = i;
            if out.last().map(|l| l.1) != Some(line) {
                if out.len() == MAX_REMOTE_CODE_LINES {
                    break;
                }
                let call = call_open(buf, i)
                    .map(|p| line - memchr::memchr_iter(b'\n', &buf[p..i]).count() as u32);
                out.push((call, line));
            }
        }
    }
    out
}

/// The `(` of the call whose argument list holds the byte at `at`, looking back at most 4 KiB.
fn call_open(buf: &[u8], at: usize) -> Option<usize> {
    let floor = at.saturating_sub(4096);
    let mut depth = 0usize;
    for p in (floor..at).rev() {
        match buf[p] {
            b')' | b']' | b'}' => depth += 1,
            b'[' | b'{' if depth > 0 => depth -= 1,
            b'(' if depth > 0 => depth -= 1,
            b'(' => return Some(p),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsers() {
        let p = lfs_pointer(b"version https://git-lfs.github.com/spec/v1\noid sha256:4d2b9d3bfc3a2bb21b87e2c4cf3d6b4e4e6f9d7d0d5e7b6f7b9e7b7b2b1e6a5f\nsize 12\n").unwrap();
        assert_eq!(p.size, 12);
        let c = config(br#"{"model_type": "qwen2", "architectures": ["Qwen2ForCausalLM"], "auto_map": {"AutoModel": "THUDM/chatglm3-6b--modeling_chatglm.ChatGLMModel"}}"#).unwrap();
        assert_eq!(c.auto_map, vec!["THUDM/chatglm3-6b"]);
        let k = card(b"---\nlicense: apache-2.0\nbase_model:\n- Qwen/Qwen2.5-1.5B-Instruct\nbase_model_relation: finetune\n---\n# x\n").unwrap();
        assert_eq!(k.base_models, vec!["Qwen/Qwen2.5-1.5B-Instruct"]);
        assert_eq!(k.relation.as_deref(), Some("finetune"));
        assert_eq!(k.line, 3);
        let k = card(b"---\nbase_model: [\"a/b\", c/d]\n---\n").unwrap();
        assert_eq!(k.base_models, vec!["a/b", "c/d"]);
        let m = ollama_manifest("x/manifests/registry.ollama.ai/library/qwen2.5/7b", br#"{"layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","size":3}]}"#).unwrap();
        assert_eq!(m.model, "qwen2.5:7b");
        assert_eq!(m.model_layers.len(), 1);
        assert_eq!(
            hf_cache_repo("a/models--Qwen--Qwen2.5-7B/snapshots/x/config.json").as_deref(),
            Some("Qwen/Qwen2.5-7B")
        );
        assert_eq!(
            trust_remote_code_lines(b"x\nf(trust_remote_code=True)\n"),
            vec![(Some(2), 2)]
        );
        assert_eq!(
            trust_remote_code_lines(b"m = f(\n  \"a/b\",\n  g(x),\n  trust_remote_code=True,\n)\n"),
            vec![(Some(1), 4)]
        );
        assert_eq!(
            trust_remote_code_lines(b"model: a/b\ntrust_remote_code: true\n"),
            vec![(None, 2)]
        );
        assert!(trust_remote_code_lines(b"trust_remote_code=False").is_empty());
        for cut in 0..40 {
            let _ = card(&b"---\nbase_model:\n- a\n---\n"[..cut.min(22)]);
        }
    }
}
