//! Model metadata that is text: Git LFS pointers, transformers `config.json`,
//! `adapter_config.json`, `generation_config.json`, `model.safetensors.index.json`, model cards
//! (README.md YAML front matter), Ollama manifests, Hugging Face cache paths and
//! `trust_remote_code` in code. Each parser takes bytes and never panics.

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

/// Parses a transformers config (or adapter/generation config). `None` when it is not JSON or
/// carries none of the keys of interest.
pub fn config(buf: &[u8]) -> Option<ConfigInfo> {
    if buf.len() > 16 << 20 {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(buf).ok()?;
    let o = v.as_object()?;
    let s = |k: &str| {
        o.get(k)
            .and_then(|x| x.as_str())
            .map(str::trim)
            .filter(|x| !x.is_empty() && x.len() <= 512)
            .map(str::to_string)
    };
    let mut c = ConfigInfo {
        model_type: s("model_type"),
        name_or_path: s("_name_or_path"),
        adapter_base: s("base_model_name_or_path"),
        ..Default::default()
    };
    if let Some(a) = o.get("architectures").and_then(|x| x.as_array()) {
        c.architectures = a
            .iter()
            .take(16)
            .filter_map(|x| x.as_str())
            .filter(|x| x.len() <= 256)
            .map(str::to_string)
            .collect();
    }
    if let Some(am) = o.get("auto_map").and_then(|x| x.as_object()) {
        c.has_auto_map = !am.is_empty();
        c.auto_map_line = line_of_text(buf, "\"auto_map\"");
        for val in am.values().take(32) {
            let items: Vec<&str> = match val {
                serde_json::Value::String(s) => vec![s.as_str()],
                serde_json::Value::Array(a) => a.iter().filter_map(|x| x.as_str()).collect(),
                _ => vec![],
            };
            for it in items {
                if let Some((repo, _)) = it.split_once("--")
                    && repo.contains('/')
                    && !c.auto_map.iter().any(|r| r == repo)
                {
                    c.auto_map.push(repo.to_string());
                }
            }
        }
    }
    if c.model_type.is_none()
        && c.architectures.is_empty()
        && c.name_or_path.is_none()
        && c.adapter_base.is_none()
        && !c.has_auto_map
    {
        return None;
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

/// A model card's front matter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardInfo {
    pub base_models: Vec<String>,
    /// `adapter`, `finetune`, `merge` or `quantized`.
    pub relation: Option<String>,
    pub license: Option<String>,
    pub line: u32,
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    let s = s.split(" #").next().unwrap_or(s).trim();
    s.trim_matches(|c| c == '"' || c == '\'').trim().to_string()
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
                if !v.is_empty() && info.base_models.len() < 32 {
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
                    info.base_models.extend(
                        inner
                            .split(',')
                            .map(unquote)
                            .filter(|x| !x.is_empty())
                            .take(32),
                    );
                } else {
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
    let v: serde_json::Value = serde_json::from_slice(buf).ok()?;
    let layers = v.get("layers")?.as_array()?;
    let mut out = OllamaManifest {
        registry: registry.to_string(),
        model: if ns == "library" {
            format!("{model}:{tag}")
        } else {
            format!("{ns}/{model}:{tag}")
        },
        model_layers: Vec::new(),
    };
    for l in layers.iter().take(64) {
        if l.get("mediaType").and_then(|m| m.as_str()) == Some("application/vnd.ollama.image.model")
            && let Some(d) = l
                .get("digest")
                .and_then(|d| d.as_str())
                .and_then(|d| d.strip_prefix("sha256:"))
            && d.len() == 64
            && d.bytes().all(|b| b.is_ascii_hexdigit())
        {
            let size = l.get("size").and_then(|s| s.as_u64()).unwrap_or(0);
            out.model_layers.push((d.to_ascii_lowercase(), size));
        }
    }
    Some(out)
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

/// Lines (1-based) where code or configuration turns on `trust_remote_code`.
pub fn trust_remote_code_lines(buf: &[u8]) -> Vec<u32> {
    let mut out = Vec::new();
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
            let l = line_of(buf, i);
            if !out.contains(&l) && out.len() < 1000 {
                out.push(l);
            }
        }
    }
    out
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
            vec![2]
        );
        assert!(trust_remote_code_lines(b"trust_remote_code=False").is_empty());
        for cut in 0..40 {
            let _ = card(&b"---\nbase_model:\n- a\n---\n"[..cut.min(22)]);
        }
    }
}
