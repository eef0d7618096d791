//! Rules entries about model weights: architecture identifiers (`[[arch]]` in organisation files)
//! and known weight-file digests (`digest = [...]` in `digests/*.toml`).

use std::collections::{HashMap, HashSet};

use serde::Deserialize;

use super::validate::check_common;
use super::{Database, Problem};

/// An architecture identifier of a developer's models: a transformers `model_type` and its
/// `architectures` class names, or a GGUF `general.architecture` value.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arch {
    pub id: String,
    /// Organisation id (defaults to the file's organisation).
    #[serde(default)]
    pub org: String,
    #[serde(default)]
    pub family: Option<String>,
    /// GGUF `general.architecture`.
    #[serde(default)]
    pub gguf: Option<String>,
    /// transformers `model_type` values (config.json).
    #[serde(default)]
    pub model_types: Vec<String>,
    /// transformers `architectures` class names (config.json).
    #[serde(default)]
    pub classes: Vec<String>,
    /// Used by models of several origins: never attributes a developer by itself.
    #[serde(default)]
    pub shared: bool,
    #[serde(default)]
    pub note: String,
    /// `match`: values (`gguf:qwen3`, `model_type:qwen3`, `class:Qwen3ForCausalLM`) that must
    /// resolve to this entry; `no_match`: values that must resolve to nothing.
    #[serde(default)]
    pub examples: super::Examples,
    pub sources: Vec<String>,
    pub as_of: String,
}

/// A known weight file: its digest and the release it belongs to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestEntry {
    /// Lower-case hex sha256 of the file.
    #[serde(default)]
    pub sha256: Option<String>,
    /// Lower-case hex md5, only for files whose catalogue gives no sha256.
    #[serde(default)]
    pub md5: Option<String>,
    #[serde(default)]
    pub size: Option<u64>,
    pub org: String,
    #[serde(default)]
    pub family: Option<String>,
    /// The catalogue's name for the release.
    pub model: String,
    pub file: String,
    #[serde(default)]
    pub url: String,
    /// Where the digest was copied from: `owner/repo:path#Lline@commit`.
    pub origin: String,
    pub sources: Vec<String>,
    pub as_of: String,
}

impl DigestEntry {
    /// The hub repository the file was downloaded from, when its URL says so
    /// (`huggingface://org/repo/file`, `https://huggingface.co/org/repo/resolve/...`).
    pub fn repo(&self) -> Option<String> {
        let u = self.url.as_str();
        let rest = u
            .strip_prefix("huggingface://")
            .or_else(|| u.strip_prefix("https://huggingface.co/"))?;
        let mut it = rest.split('/');
        let (a, b) = (it.next()?, it.next()?);
        (!a.is_empty() && !b.is_empty()).then(|| format!("{a}/{b}"))
    }
}

/// Which kind of architecture value a lookup is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArchKey {
    Gguf,
    ModelType,
    Class,
}

impl ArchKey {
    pub fn as_str(self) -> &'static str {
        match self {
            ArchKey::Gguf => "gguf",
            ArchKey::ModelType => "model_type",
            ArchKey::Class => "class",
        }
    }
}

/// Lookup tables over the weight entries of a database.
#[derive(Debug, Clone, Default)]
pub struct WeightIndex {
    arch: HashMap<(ArchKey, String), Vec<usize>>,
    sha256: HashMap<String, Vec<usize>>,
}

impl WeightIndex {
    pub fn build(archs: &[Arch], digests: &[DigestEntry]) -> WeightIndex {
        let mut ix = WeightIndex::default();
        for (i, a) in archs.iter().enumerate() {
            if let Some(g) = &a.gguf {
                ix.arch
                    .entry((ArchKey::Gguf, g.to_ascii_lowercase()))
                    .or_default()
                    .push(i);
            }
            for m in &a.model_types {
                ix.arch
                    .entry((ArchKey::ModelType, m.to_ascii_lowercase()))
                    .or_default()
                    .push(i);
            }
            for c in &a.classes {
                ix.arch
                    .entry((ArchKey::Class, c.to_ascii_lowercase()))
                    .or_default()
                    .push(i);
            }
        }
        for (i, d) in digests.iter().enumerate() {
            if let Some(h) = &d.sha256 {
                ix.sha256.entry(h.clone()).or_default().push(i);
            }
        }
        ix
    }
}

impl Database {
    /// Architecture entries for a value (case-insensitive).
    pub fn archs_for(&self, key: ArchKey, value: &str) -> Vec<&Arch> {
        self.weight_index
            .arch
            .get(&(key, value.to_ascii_lowercase()))
            .map(|v| v.iter().map(|&i| &self.archs[i]).collect())
            .unwrap_or_default()
    }

    /// Known files with this sha256 (lower-case hex).
    pub fn digests_for(&self, sha256: &str) -> Vec<&DigestEntry> {
        self.weight_index
            .sha256
            .get(sha256)
            .map(|v| v.iter().map(|&i| &self.digests[i]).collect())
            .unwrap_or_default()
    }
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Parses an architecture example such as `gguf:qwen3`.
pub fn parse_arch_example(s: &str) -> Option<(ArchKey, &str)> {
    let (k, v) = s.split_once(':')?;
    let key = match k {
        "gguf" => ArchKey::Gguf,
        "model_type" => ArchKey::ModelType,
        "class" => ArchKey::Class,
        _ => return None,
    };
    Some((key, v))
}

/// Validation of the weight entries (called from `validate`).
pub fn validate(db: &Database, out: &mut Vec<Problem>) {
    let mut p = |key: &str, msg: String| out.push(db.problem(key, msg));
    let mut ids = HashSet::new();
    for a in &db.archs {
        let key = format!("arch:{}", a.id);
        if !ids.insert(a.id.as_str()) {
            p(&key, format!("duplicate arch id `{}`", a.id));
        }
        check_common(db, &key, &a.sources, &a.as_of, &mut p);
        if db.org(&a.org).is_none() {
            p(&key, format!("arch `{}`: unknown org `{}`", a.id, a.org));
        }
        if let Some(f) = &a.family {
            match db.family(f) {
                None => p(&key, format!("arch `{}`: unknown family `{f}`", a.id)),
                Some(fam) if fam.org != a.org => p(
                    &key,
                    format!("arch `{}`: family `{f}` belongs to `{}`", a.id, fam.org),
                ),
                _ => {}
            }
        }
        if a.gguf.is_none() && a.model_types.is_empty() && a.classes.is_empty() {
            p(
                &key,
                format!("arch `{}`: needs gguf, model_types or classes", a.id),
            );
        }
        // A value that several organisations use must be marked shared in every entry.
        let values = a
            .gguf
            .iter()
            .map(|g| (ArchKey::Gguf, g.as_str()))
            .chain(
                a.model_types
                    .iter()
                    .map(|m| (ArchKey::ModelType, m.as_str())),
            )
            .chain(a.classes.iter().map(|c| (ArchKey::Class, c.as_str())));
        for (k, v) in values {
            let owners: HashSet<&str> = db.archs_for(k, v).iter().map(|x| x.org.as_str()).collect();
            if owners.len() > 1 && !a.shared {
                p(
                    &key,
                    format!(
                        "arch `{}`: {} `{v}` is also claimed by another organisation; mark it shared = true",
                        a.id,
                        k.as_str()
                    ),
                );
            }
        }
        for ex in &a.examples.must_match {
            match parse_arch_example(ex) {
                Some((k, v)) if db.archs_for(k, v).iter().any(|x| x.id == a.id) => {}
                _ => p(
                    &key,
                    format!("arch `{}`: example `{ex}` does not resolve to it", a.id),
                ),
            }
        }
        for ex in &a.examples.no_match {
            match parse_arch_example(ex) {
                Some((k, v)) if db.archs_for(k, v).is_empty() => {}
                _ => p(
                    &key,
                    format!(
                        "arch `{}`: no_match example `{ex}` resolves to an entry",
                        a.id
                    ),
                ),
            }
        }
    }
    for d in &db.digests {
        let id = d.sha256.as_deref().or(d.md5.as_deref()).unwrap_or("");
        let key = format!("digest:{id}");
        check_common(db, &key, &d.sources, &d.as_of, &mut p);
        match (&d.sha256, &d.md5) {
            (Some(h), None) if is_hex(h, 64) => {}
            (None, Some(h)) if is_hex(h, 32) => {}
            _ => p(
                &key,
                format!(
                    "digest `{id}`: needs exactly one of sha256 (64 lower-case hex) or md5 (32 lower-case hex)"
                ),
            ),
        }
        if db.org(&d.org).is_none() {
            p(&key, format!("digest `{id}`: unknown org `{}`", d.org));
        }
        if let Some(f) = &d.family
            && db.family(f).is_none()
        {
            p(&key, format!("digest `{id}`: unknown family `{f}`"));
        }
        if !d.origin.contains('@') || !d.origin.contains(':') {
            p(
                &key,
                format!(
                    "digest `{id}`: origin `{}` must be owner/repo:path#Lline@commit",
                    d.origin
                ),
            );
        }
    }
}
