//! Weight files and model metadata, per file (run by the walk's worker threads): identify the
//! format by its magic bytes, read GGUF and safetensors headers, hash the file (streaming, with
//! the digest cache), and collect the clues of text files (LFS pointers, configs, model cards,
//! Ollama manifests, `trust_remote_code`). What the clues mean together is decided after the
//! walk, in [`crate::lineage`]. Nothing is unpickled or executed: pickle and ONNX files are
//! identified by digest only.

use std::fs::File;
use std::io::{Seek, SeekFrom};

use super::gguf::{self, GgufInfo};
use super::modelmeta::{self, CardInfo, ConfigInfo, LfsPointer, OllamaManifest};
use super::safetensors::{self, SafetensorsInfo};
use super::source::{BodySource, FileSource, PrefixSource};
use crate::digest::{self, DigestCache};
use crate::types::Body;

pub use crate::classify::{Format, sniff_format};

#[derive(Debug, Clone)]
pub struct WeightOptions {
    pub hash: bool,
    /// Files larger than this are not hashed.
    pub hash_max_size: u64,
}

impl Default for WeightOptions {
    fn default() -> Self {
        WeightOptions {
            hash: true,
            hash_max_size: u64::MAX,
        }
    }
}

/// One weight file as seen by a worker.
#[derive(Debug, Clone)]
pub struct WeightObs {
    pub rel: String,
    pub size: u64,
    pub format: Format,
    pub sha256: Option<String>,
    /// Why there is no sha256 (hashing off, too large, read error).
    pub hash_note: Option<String>,
    pub gguf: Option<GgufInfo>,
    pub safetensors: Option<SafetensorsInfo>,
    /// A Git LFS pointer stands in for the file: `sha256` is its oid and `size` its size.
    pub lfs_pointer: bool,
    /// The digest the file's name claims (Ollama and Hugging Face cache blobs).
    pub name_digest: Option<String>,
    /// Header problem (for a notification).
    pub problem: Option<String>,
}

/// Clues of text files.
#[derive(Debug, Clone)]
pub enum MetaObs {
    Config {
        rel: String,
        info: ConfigInfo,
    },
    Card {
        rel: String,
        info: CardInfo,
    },
    Ollama {
        rel: String,
        manifest: OllamaManifest,
    },
}

/// Everything a worker saw about models.
#[derive(Debug, Default)]
pub struct ModelClues {
    pub weights: Vec<WeightObs>,
    pub metas: Vec<MetaObs>,
    /// `trust_remote_code` turned on: (path, line).
    /// (file, first line of the call it is passed to, line) of `trust_remote_code=True`.
    pub remote_code: Vec<(String, Option<u32>, u32)>,
}

impl ModelClues {
    pub fn append(&mut self, other: &mut ModelClues) {
        self.weights.append(&mut other.weights);
        self.metas.append(&mut other.metas);
        self.remote_code.append(&mut other.remote_code);
    }
}

fn ext_of(rel: &str) -> String {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
}

/// Examines a binary file the classifier called weights, wherever its content is: an open file
/// (headers read in place, the digest through the cache) or a blob from git.
pub fn binary_file(
    opts: &WeightOptions,
    cache: &DigestCache,
    rel: &str,
    body: Body<'_>,
    len: u64,
    head: &[u8],
) -> Option<WeightObs> {
    let ext = ext_of(rel);
    let format = sniff_format(head, len, &ext).unwrap_or(Format::Other);
    let mut obs = WeightObs {
        rel: rel.to_string(),
        size: len,
        format,
        sha256: None,
        hash_note: None,
        gguf: None,
        safetensors: None,
        lfs_pointer: false,
        name_digest: modelmeta::blob_name_digest(rel),
        problem: None,
    };
    let src = match body {
        Body::File(file) => BodySource::File(FileSource { file, len }),
        Body::Blob { bytes, .. } => BodySource::Prefix(PrefixSource { bytes, len }),
        Body::None => BodySource::Prefix(PrefixSource { bytes: head, len }),
    };
    match format {
        Format::Gguf => match gguf::parse(&src) {
            Ok(i) => {
                if i.truncated {
                    obs.problem = Some(format!(
                        "GGUF header: metadata larger than {} MiB; the keys after it were not read",
                        gguf::MAX_META_BYTES >> 20
                    ));
                }
                obs.gguf = Some(i);
            }
            Err(e) => obs.problem = Some(format!("GGUF header: {e}")),
        },
        Format::Safetensors => match safetensors::parse(&src) {
            Ok(i) => obs.safetensors = Some(i),
            Err(e) => obs.problem = Some(e),
        },
        // Named safetensors but not one: say why.
        Format::Other if ext == "safetensors" => {
            obs.problem = safetensors::parse(&src).err();
        }
        _ => {}
    }
    if !opts.hash {
        obs.hash_note = Some("not hashed (--no-hash)".into());
    } else if len > opts.hash_max_size {
        obs.hash_note = Some(format!(
            "not hashed: {len} bytes is larger than --hash-max-size ({} bytes)",
            opts.hash_max_size
        ));
    } else {
        match body {
            Body::File(file) => hash_file(cache, file, len, &mut obs),
            Body::Blob {
                sha256: Some(h), ..
            } => obs.sha256 = Some(h.to_string()),
            Body::Blob { bytes, .. } if bytes.len() as u64 == len => {
                obs.sha256 = Some(digest::sha256_bytes(bytes))
            }
            Body::Blob { .. } | Body::None => {
                obs.hash_note = Some("not hashed: the content was not read in full".into())
            }
        }
    }
    Some(obs)
}

/// Hashes an open file, through the digest cache.
fn hash_file(cache: &DigestCache, file: &File, len: u64, obs: &mut WeightObs) {
    let key = file.metadata().ok().as_ref().and_then(digest::key_of);
    if let Some(h) = key.as_ref().and_then(|k| cache.get(k)) {
        obs.sha256 = Some(h.to_string());
        return;
    }
    let mut f = file;
    let r = f
        .seek(SeekFrom::Start(0))
        .and_then(|_| digest::sha256_file(file));
    match r {
        Ok((h, n)) if n == len => {
            if let Some(k) = key {
                cache.put(k, h.clone());
            }
            obs.sha256 = Some(h);
        }
        Ok((h, n)) => {
            // The file changed while it was read: report the digest, do not cache it.
            obs.size = n;
            obs.sha256 = Some(h);
        }
        Err(e) => obs.hash_note = Some(format!("not hashed: {e}")),
    }
}

/// Collects the model clues of a text file.
pub fn text_file(rel: &str, bytes: &[u8], out: &mut ModelClues) {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if bytes.starts_with(b"version https://git-lfs.github.com/spec/v1") {
        if let Some(LfsPointer { oid_sha256, size }) = modelmeta::lfs_pointer(bytes) {
            let ext = ext_of(rel);
            out.weights.push(WeightObs {
                rel: rel.to_string(),
                size,
                format: sniff_format(b"", size, &ext).unwrap_or(match ext.as_str() {
                    "gguf" => Format::Gguf,
                    "safetensors" => Format::Safetensors,
                    _ => Format::Other,
                }),
                sha256: Some(oid_sha256),
                hash_note: None,
                gguf: None,
                safetensors: None,
                lfs_pointer: true,
                name_digest: None,
                problem: None,
            });
        }
        return;
    }
    let in_hf_blobs = rel.contains("/blobs/") && modelmeta::hf_cache_repo(rel).is_some();
    if modelmeta::is_config_name(name) || (in_hf_blobs && bytes.first() == Some(&b'{')) {
        if let Some(info) = modelmeta::config(bytes) {
            out.metas.push(MetaObs::Config {
                rel: rel.to_string(),
                info,
            });
        }
    } else if name.eq_ignore_ascii_case("README.md") {
        if let Some(info) = modelmeta::card(bytes) {
            out.metas.push(MetaObs::Card {
                rel: rel.to_string(),
                info,
            });
        }
    } else if rel.contains("manifests/")
        && bytes.first() == Some(&b'{')
        && let Some(manifest) = modelmeta::ollama_manifest(rel, bytes)
    {
        out.metas.push(MetaObs::Ollama {
            rel: rel.to_string(),
            manifest,
        });
    }
    // Built once: a searcher per file costs more than the search of most files.
    static TRUST_REMOTE_CODE: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"trust_remote_code"));
    if TRUST_REMOTE_CODE.find(bytes).is_some() {
        for (call, l) in modelmeta::trust_remote_code_lines(bytes) {
            out.remote_code.push((rel.to_string(), call, l));
        }
    }
}
