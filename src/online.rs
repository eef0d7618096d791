//! `--online`: for a hub repository the rules database does not know, ask the Hugging Face API
//! (`/api/models/{id}`) who published it and what it derives from. Off by default; with it off,
//! nothing here runs and results are exactly the offline ones. Answers are cached on disk.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::resolve::Resolver;
use crate::types::{Confidence, RefKind, Reference, RuleKind, RuleRef};
use crate::types::{Notification, NotificationLevel};

/// How long a cached API answer is reused.
const CACHE_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
/// Largest API answer read.
const MAX_ANSWER: u64 = 4 << 20;
/// At most this many repositories are looked up per run.
const MAX_LOOKUPS: usize = 200;

#[derive(Debug, Clone)]
pub struct OnlineOptions {
    /// Base URL of the hub (`https://huggingface.co`, or an enterprise mirror).
    pub endpoint: String,
    pub timeout: Duration,
    /// Folder for cached answers; `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
}

/// What the API says about a repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoInfo {
    pub author: Option<String>,
    pub base_models: Vec<String>,
}

pub fn parse_answer(v: &Value) -> RepoInfo {
    let author = v.get("author").and_then(Value::as_str).map(str::to_string);
    let base = v.get("cardData").and_then(|c| c.get("base_model"));
    let base_models = match base {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    };
    RepoInfo {
        author,
        base_models,
    }
}

fn valid_repo_id(id: &str) -> bool {
    let mut parts = id.split('/');
    let ok = |s: Option<&str>| {
        s.is_some_and(|s| {
            !s.is_empty()
                && s.len() <= 96
                && !s.starts_with('.')
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        })
    };
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

fn cache_path(dir: &Path, endpoint: &str, id: &str) -> PathBuf {
    let key = crate::rules::bundle::sha256_hex(format!("{endpoint}\n{id}").as_bytes());
    dir.join("hub-api").join(format!("{}.json", &key[..32]))
}

fn cached(path: &Path) -> Option<Value> {
    let meta = std::fs::metadata(path).ok()?;
    let age = SystemTime::now()
        .duration_since(meta.modified().ok()?)
        .unwrap_or_default();
    if age > CACHE_TTL {
        return None;
    }
    // A damaged cache entry is ignored and fetched again.
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

fn store(path: &Path, v: &Value) {
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    if let Ok(mut tmp) = tempfile::NamedTempFile::new_in(dir) {
        use std::io::Write;
        if serde_json::to_writer(&mut tmp, v).is_ok() && tmp.flush().is_ok() {
            let _ = tmp.persist(path);
        }
    }
}

/// Fetches (or reads from the cache) the API answer for one repository.
fn lookup(
    client: &reqwest::blocking::Client,
    o: &OnlineOptions,
    id: &str,
) -> Result<Value, String> {
    let cache = o
        .cache_dir
        .as_deref()
        .map(|d| cache_path(d, &o.endpoint, id));
    if let Some(v) = cache.as_deref().and_then(cached) {
        return Ok(v);
    }
    let url = format!("{}/api/models/{id}", o.endpoint.trim_end_matches('/'));
    // The same bounded request as `rules update`: a total deadline, checked redirects, a cap.
    let body = crate::rules::update::get(client, &url, MAX_ANSWER, o.timeout)?;
    let v: Value = serde_json::from_slice(&body).map_err(|e| format!("{url}: not JSON: {e}"))?;
    if let Some(p) = &cache {
        store(p, &v);
    }
    Ok(v)
}

/// Resolves hub repositories the database does not know (references of kind `hub-repo` without
/// a developer) through their declared base models. Changes those references in place.
pub fn enrich(
    refs: &mut [(Reference, Vec<crate::suppress::InlineAllow>)],
    det: &Resolver,
    o: &OnlineOptions,
    notes: &mut Vec<Notification>,
) {
    let client = match crate::rules::update::client(o.timeout) {
        Ok(c) => c,
        Err(e) => {
            notes.push(Notification {
                level: NotificationLevel::Warning,
                path: None,
                line: None,
                message: format!("--online: {e}"),
            });
            return;
        }
    };
    let mut answers: std::collections::HashMap<String, Option<RepoInfo>> =
        std::collections::HashMap::new();
    for (r, _) in refs.iter_mut() {
        if r.hit.kind != RefKind::HubRepo || r.hit.org.is_some() {
            continue;
        }
        let id = r.hit.identifier.clone();
        if !valid_repo_id(&id) {
            continue;
        }
        if !answers.contains_key(&id) {
            if answers.len() >= MAX_LOOKUPS {
                continue;
            }
            let info = match lookup(&client, o, &id) {
                Ok(v) => Some(parse_answer(&v)),
                Err(e) => {
                    notes.push(Notification {
                        level: NotificationLevel::Warning,
                        path: Some(r.path.clone()),
                        line: None,
                        message: format!("--online: no answer for `{id}`: {e}"),
                    });
                    None
                }
            };
            answers.insert(id.clone(), info);
        }
        let Some(Some(info)) = answers.get(&id) else {
            continue;
        };
        // The first declared base model that the database resolves decides the family.
        for base in &info.base_models {
            if let Some(h) = det.resolve_token(base, "")
                && h.org.is_some()
                && h.kind.names_model()
            {
                r.hit.org = h.org.clone();
                r.hit.family = h.family.clone();
                r.hit.confidence = Confidence::Medium;
                r.hit.via = Some(format!(
                    "the hub's API (declared base model `{base}`{})",
                    info.author
                        .as_deref()
                        .map(|a| format!(", author `{a}`"))
                        .unwrap_or_default()
                ));
                r.hit
                    .rules
                    .push(RuleRef::new(RuleKind::Online, base.to_string()));
                r.hit.rules.extend(h.rules.iter().cloned());
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_and_ids() {
        let v: Value = serde_json::from_str(
            r#"{"author":"acme","cardData":{"base_model":["Qwen/Qwen2.5-7B-Instruct"]}}"#,
        )
        .unwrap();
        assert_eq!(
            parse_answer(&v),
            RepoInfo {
                author: Some("acme".into()),
                base_models: vec!["Qwen/Qwen2.5-7B-Instruct".into()]
            }
        );
        let v: Value = serde_json::from_str(r#"{"cardData":{"base_model":"x/y"}}"#).unwrap();
        assert_eq!(parse_answer(&v).base_models, vec!["x/y".to_string()]);
        assert!(valid_repo_id("acme/my-model_v1.2"));
        assert!(!valid_repo_id("acme/../etc"));
        assert!(!valid_repo_id("acme"));
        assert!(!valid_repo_id("a/b/c"));
    }
}
