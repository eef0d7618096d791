//! Lineage: after the walk, combine every clue about a weight file or model folder — its digest
//! (a known release), its header and config (architecture → family), its name in a Hugging Face
//! cache or Ollama store, and its parents (model card `base_model`, adapter base, GGUF
//! `general.base_model.*`), followed recursively through local folders and cycle-safe — into one
//! reference per weight file, plus references for configs that name an architecture and for code
//! that lets a loader execute a model repository's code.

use std::collections::{HashMap, HashSet};

use crate::detect::modelmeta::{self, CardInfo, ConfigInfo};
use crate::detect::weights::{MetaObs, ModelClues, WeightObs};
use crate::resolve::Resolver;
use crate::rules::{ArchKey, Database};
use crate::types::{
    Confidence, Evidence, Hit, RefKind, Reference, RuleKind, RuleRef, WeightEvidence,
};
use crate::types::{Notification, NotificationLevel};

/// Deepest parent chain followed.
const MAX_DEPTH: usize = 8;

fn dir_of(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(d, _)| d)
}

/// `org/name` from a repository id or hub URL.
fn repo_id(s: &str) -> Option<String> {
    let s = s.trim();
    let s = s
        .strip_prefix("https://huggingface.co/")
        .or_else(|| s.strip_prefix("http://huggingface.co/"))
        .or_else(|| s.strip_prefix("hf.co/"))
        .or_else(|| s.strip_prefix("huggingface://"))
        .unwrap_or(s);
    if s.starts_with('/') || s.starts_with('.') || s.contains("://") {
        return None;
    }
    let mut it = s.split('/');
    let (a, b) = (it.next()?, it.next()?);
    let ok = |x: &str| {
        !x.is_empty()
            && x.len() <= 96
            && x.bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"._-".contains(&c))
    };
    (ok(a) && ok(b)).then(|| format!("{a}/{b}"))
}

fn relation_words(r: Option<&str>) -> &'static str {
    match r {
        Some("adapter") => "adapter on",
        Some("finetune") => "fine-tune of",
        Some("merge") => "merge of",
        Some("quantized") => "quantization of",
        _ => "derived from",
    }
}

struct Ctx<'a> {
    det: &'a Resolver,
    db: &'a Database,
    configs: HashMap<&'a str, Vec<(&'a str, &'a ConfigInfo)>>,
    cards: HashMap<&'a str, &'a CardInfo>,
    /// Ollama model layer digest → model name.
    ollama: HashMap<&'a str, &'a str>,
    /// Repository id (lower case) → local folder that holds it.
    local: HashMap<String, String>,
}

impl<'a> Ctx<'a> {
    fn resolve_repo(&self, repo: &str) -> Option<Hit> {
        self.det
            .resolve_token(repo, "")
            .filter(|h| h.org.is_some() || h.family.is_some())
    }

    fn describe_org(&self, hit: &Hit) -> String {
        match hit.org.as_deref().and_then(|o| self.db.org(o)) {
            Some(o) if o.country.is_empty() => format!(" ({})", o.name),
            Some(o) => format!(" ({}, {})", o.name, o.country),
            None => String::new(),
        }
    }

    /// Parents of a folder: adapter base and model card base models.
    fn folder_parents(&self, dir: &str) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        for (_, c) in self.configs.get(dir).into_iter().flatten() {
            if let Some(b) = c.adapter_base.as_deref().and_then(repo_id) {
                out.push(("adapter on", b));
            }
        }
        if let Some(card) = self.cards.get(dir) {
            for b in &card.base_models {
                if let Some(r) = repo_id(b) {
                    out.push((relation_words(card.relation.as_deref()), r));
                }
            }
        }
        out.dedup();
        out
    }

    /// Follows a parent recursively: the text of the chain and the first resolved ancestor.
    fn chain(
        &self,
        rel: &'static str,
        repo: &str,
        seen: &mut HashSet<String>,
        depth: usize,
        text: &mut Vec<String>,
    ) -> Option<Hit> {
        let key = repo.to_ascii_lowercase();
        if depth >= MAX_DEPTH || !seen.insert(key.clone()) {
            return None;
        }
        let hit = self.resolve_repo(repo);
        let who = hit
            .as_ref()
            .map(|h| self.describe_org(h))
            .unwrap_or_default();
        let prefix = if depth == 0 { "" } else { "itself " };
        text.push(format!("{prefix}{rel} {repo}{who}"));
        let mut found = hit;
        if let Some(dir) = self.local.get(&key) {
            for (r, p) in self.folder_parents(dir) {
                let h = self.chain(r, &p, seen, depth + 1, text);
                if found.is_none() {
                    found = h;
                }
            }
        }
        found
    }

    /// Architecture entries for a value: (resolved org, family, rule key, shared).
    fn arch(
        &self,
        key: ArchKey,
        v: &str,
    ) -> Option<(Option<String>, Option<String>, RuleRef, bool)> {
        let entries = self.db.archs_for(key, v);
        let first = entries.first()?;
        let orgs: HashSet<&str> = entries.iter().map(|a| a.org.as_str()).collect();
        let shared = orgs.len() > 1 || entries.iter().any(|a| a.shared);
        if shared {
            return Some((
                None,
                None,
                RuleRef::new(RuleKind::Arch, first.id.to_string()),
                true,
            ));
        }
        Some((
            Some(first.org.clone()),
            first.family.clone(),
            RuleRef::new(RuleKind::Arch, first.id.to_string()),
            false,
        ))
    }
}

fn human_size(n: u64) -> String {
    const U: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1024.0 && i < U.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{n} bytes")
    } else {
        format!("{v:.1} {}", U[i])
    }
}

/// Turns the collected clues into references. `text_refs` are the text detector's references
/// (to tie `trust_remote_code` to the repository loaded on the same line).
pub fn references(
    det: &Resolver,
    clues: &ModelClues,
    text_refs: &[&Reference],
) -> (Vec<Reference>, Vec<Notification>) {
    let db = det.db();
    let mut ctx = Ctx {
        det,
        db,
        configs: HashMap::new(),
        cards: HashMap::new(),
        ollama: HashMap::new(),
        local: HashMap::new(),
    };
    let mut notes = Vec::new();
    for m in &clues.metas {
        match m {
            MetaObs::Config { rel, info } => {
                ctx.configs
                    .entry(dir_of(rel))
                    .or_default()
                    .push((rel, info));
                if let Some(r) = info.name_or_path.as_deref().and_then(repo_id) {
                    ctx.local
                        .entry(r.to_ascii_lowercase())
                        .or_insert_with(|| dir_of(rel).to_string());
                }
            }
            MetaObs::Card { rel, info } => {
                ctx.cards.insert(dir_of(rel), info);
            }
            MetaObs::Ollama { manifest, .. } => {
                for (d, _) in &manifest.model_layers {
                    ctx.ollama.insert(d, &manifest.model);
                }
            }
        }
    }
    let all_rels = clues
        .weights
        .iter()
        .map(|w| w.rel.as_str())
        .chain(clues.metas.iter().map(|m| match m {
            MetaObs::Config { rel, .. }
            | MetaObs::Card { rel, .. }
            | MetaObs::Ollama { rel, .. } => rel.as_str(),
        }));
    for rel in all_rels {
        if let Some(r) = modelmeta::hf_cache_repo(rel) {
            ctx.local
                .entry(r.to_ascii_lowercase())
                .or_insert_with(|| dir_of(rel).to_string());
        }
    }

    let mut out = Vec::new();
    for w in &clues.weights {
        if let Some(p) = &w.problem {
            let message = if w.gguf.is_some() || w.safetensors.is_some() {
                format!("malformed weight file: {p}; what was read before it is used")
            } else {
                format!("malformed weight file: {p}; identified by digest only")
            };
            notes.push(Notification {
                level: NotificationLevel::Warning,
                path: Some(w.rel.clone()),
                line: None,
                message,
            });
        }
        out.push(weight_reference(&ctx, w));
    }

    // Configs that name an architecture of one developer.
    let weight_dirs: HashSet<&str> = clues.weights.iter().map(|w| dir_of(&w.rel)).collect();
    for (dir, cs) in &ctx.configs {
        let has_weights = weight_dirs.contains(dir);
        for (rel, c) in cs {
            if !has_weights {
                let mut best = None;
                if let Some(mt) = &c.model_type
                    && let Some(a) = ctx.arch(ArchKey::ModelType, mt)
                {
                    best = Some((format!("model_type `{mt}`"), mt.clone(), a));
                }
                for cl in &c.architectures {
                    if best.as_ref().is_none_or(|b| b.2.3)
                        && let Some(a) = ctx.arch(ArchKey::Class, cl)
                    {
                        best = Some((format!("architecture `{cl}`"), cl.clone(), a));
                    }
                }
                if let Some((what, id, (org, family, rule, false))) = best {
                    let desc = format!("`{rel}` configures a model of {what}");
                    let hit = Hit {
                        kind: RefKind::ModelConfig,
                        identifier: id,
                        org,
                        family,
                        host: None,
                        via: None,
                        confidence: Confidence::Medium,
                        rules: vec![rule],
                    };
                    out.push(evidence_ref(hit, rel, c.line, desc));
                }
            }
            if c.has_auto_map {
                let repo = c
                    .auto_map
                    .first()
                    .cloned()
                    .or_else(|| modelmeta::hf_cache_repo(rel))
                    .or_else(|| c.name_or_path.as_deref().and_then(repo_id));
                let hit = repo.as_deref().and_then(|r| ctx.resolve_repo(r));
                let ident = repo.clone().unwrap_or_else(|| "auto_map".into());
                let desc = match &repo {
                    Some(r) => format!(
                        "`auto_map` in `{rel}` makes the loader execute Python code from the model repository {r}"
                    ),
                    None => format!(
                        "`auto_map` in `{rel}` makes the loader execute Python code shipped with the model"
                    ),
                };
                out.push(remote_code_ref(rel, c.auto_map_line, ident, hit, desc));
            }
        }
    }

    // trust_remote_code=True in code: tie it to the repository passed to the same call (the
    // first one from the call's opening line to its own); in a configuration (no call), to the
    // repository on the same line or just above. Text references are grouped by file first, so
    // this is not files × references.
    let mut refs_by_path: HashMap<&str, Vec<&Reference>> = HashMap::new();
    for r in text_refs {
        if matches!(r.hit.kind, RefKind::HubRepo | RefKind::Derivative) {
            refs_by_path.entry(r.path.as_str()).or_default().push(r);
        }
    }
    for (rel, call, line) in &clues.remote_code {
        let in_file = || refs_by_path.get(rel.as_str()).into_iter().flatten();
        let near = match call {
            Some(first) => in_file()
                .filter(|r| *first <= r.line && r.line <= *line)
                .min_by_key(|r| (r.line, r.column)),
            None => in_file()
                .filter(|r| r.line <= *line && r.line + 3 >= *line)
                .max_by_key(|r| r.line),
        };
        let (ident, hit) = match near {
            Some(r) => (r.hit.identifier.clone(), Some(r.hit.clone())),
            None => ("trust_remote_code=True".to_string(), None),
        };
        let desc = match near {
            Some(r) => format!(
                "`trust_remote_code=True` lets the loader execute Python code from the model repository {}",
                r.hit.identifier
            ),
            None => "`trust_remote_code=True` lets the loader execute Python code from the model repository".to_string(),
        };
        out.push(remote_code_ref(rel, *line, ident, hit, desc));
    }
    (out, notes)
}

fn remote_code_ref(
    rel: &str,
    line: u32,
    ident: String,
    hit: Option<Hit>,
    desc: String,
) -> Reference {
    let (org, family, rules, confidence) = match hit {
        Some(h) => (h.org, h.family, h.rules, h.confidence),
        None => (None, None, vec![], Confidence::High),
    };
    let hit = Hit {
        kind: RefKind::RemoteCode,
        identifier: ident,
        org,
        family,
        host: None,
        via: None,
        confidence,
        rules,
    };
    evidence_ref(hit, rel, line, desc)
}

/// A config or remote-code reference at `line` of `rel`, with its description as evidence.
fn evidence_ref(hit: Hit, rel: &str, line: u32, desc: String) -> Reference {
    let kind = hit.kind;
    Reference {
        text: hit.identifier.clone(),
        hit,
        path: rel.to_string(),
        line,
        column: 1,
        end_column: 1,
        prose: false,
        evidence: {
            let w = Box::new(WeightEvidence {
                description: desc,
                ..Default::default()
            });
            if kind == RefKind::RemoteCode {
                Evidence::RemoteCode(w)
            } else {
                Evidence::Weights(w)
            }
        },
        also: Default::default(),
    }
}

/// Developer org, family, confidence and the rules that decided them.
type Attribution = (Option<String>, Option<String>, Confidence, Vec<RuleRef>);

fn weight_reference(ctx: &Ctx<'_>, w: &WeightObs) -> Reference {
    let db = ctx.db;
    let dir = dir_of(&w.rel);
    let digest = w.sha256.as_deref().or(w.name_digest.as_deref());
    let mut parts: Vec<String> = Vec::new();
    let mut attributed: Option<Attribution> = None;
    let mut release = None;

    // 1. Digest: a known release.
    if let Some(d) = digest {
        let known = db.digests_for(d);
        if let Some(k) = known.first() {
            let repo = k.repo().map(|r| format!(" from {r}")).unwrap_or_default();
            parts.push(format!(
                "known file `{}` of `{}`{repo} (digest catalogued in {})",
                k.file, k.model, k.origin
            ));
            release = Some(k.model.clone());
            attributed = Some((
                Some(k.org.clone()),
                k.family.clone(),
                Confidence::High,
                vec![RuleRef::new(RuleKind::Digest, d.to_string())],
            ));
        }
    }

    // 2. What the file's place or header names it.
    let g = w.gguf.as_ref();
    let mut names: Vec<(String, &'static str)> = Vec::new();
    if let Some(r) = modelmeta::hf_cache_repo(&w.rel) {
        names.push((r, "Hugging Face cache of"));
    }
    if let Some(g) = g {
        for k in [
            "general.source.huggingface.repository",
            "general.source.repo_url",
            "general.repo_url",
        ] {
            if let Some(r) = g.get(k).and_then(repo_id) {
                names.push((r, "converted from"));
            }
        }
        if let (Some(o), Some(b)) = (g.get("general.organization"), g.get("general.basename")) {
            let o = o.replace(' ', "-");
            let b = b.replace(' ', "-");
            if let Some(r) = repo_id(&format!("{o}/{b}")) {
                names.push((r, "named"));
            }
        }
    }
    for (_, c) in ctx.configs.get(dir).into_iter().flatten() {
        if let Some(r) = c.name_or_path.as_deref().and_then(repo_id) {
            names.push((r, "configured as"));
        }
    }
    if let Some(d) = digest
        && let Some(m) = ctx.ollama.get(d)
    {
        let hit = ctx.det.resolve_token(m, "ollama pull ");
        parts.push(format!("Ollama model `{m}`"));
        if attributed.is_none()
            && let Some(h) = hit.filter(|h| h.org.is_some())
        {
            attributed = Some((h.org, h.family, h.confidence, h.rules));
        }
    }
    let mut named_done = HashSet::new();
    for (n, how) in &names {
        if !named_done.insert(n.to_ascii_lowercase()) {
            continue;
        }
        let hit = ctx.resolve_repo(n);
        let who = hit
            .as_ref()
            .map(|h| ctx.describe_org(h))
            .unwrap_or_default();
        parts.push(format!("{how} {n}{who}"));
        if attributed.is_none()
            && let Some(h) = hit
        {
            attributed = Some((h.org, h.family, h.confidence.min(Confidence::High), h.rules));
        }
    }

    // 3. Parents.
    let mut parents: Vec<(&'static str, String)> = Vec::new();
    if let Some(g) = g {
        for b in g.base_models() {
            let r = b.repo_url.as_deref().and_then(repo_id).or_else(|| {
                match (&b.organization, &b.name) {
                    (Some(o), Some(n)) => {
                        repo_id(&format!("{}/{}", o.replace(' ', "-"), n.replace(' ', "-")))
                    }
                    _ => None,
                }
            });
            if let Some(r) = r {
                parents.push(("derived from", r));
            }
        }
    }
    parents.extend(ctx.folder_parents(dir));
    let mut seen: HashSet<String> = named_done.clone();
    let mut chain_text = Vec::new();
    for (rel, p) in &parents {
        let h = ctx.chain(rel, p, &mut seen, 0, &mut chain_text);
        if attributed.is_none()
            && let Some(h) = h
        {
            attributed = Some((h.org, h.family, Confidence::Medium, h.rules));
        }
    }

    // 4. Architecture (header or config).
    let mut archs: Vec<(ArchKey, String)> = Vec::new();
    if let Some(a) = g.and_then(|g| g.get("general.architecture")) {
        archs.push((ArchKey::Gguf, a.to_string()));
    }
    for (_, c) in ctx.configs.get(dir).into_iter().flatten() {
        if let Some(mt) = &c.model_type {
            archs.push((ArchKey::ModelType, mt.clone()));
        }
        for cl in &c.architectures {
            archs.push((ArchKey::Class, cl.clone()));
        }
    }
    for (k, v) in &archs {
        match ctx.arch(*k, v) {
            Some((org, fam, rule, shared)) => {
                let label = match k {
                    ArchKey::Gguf => "GGUF architecture",
                    ArchKey::ModelType => "model_type",
                    ArchKey::Class => "architecture",
                };
                if shared {
                    parts.push(format!(
                        "{label} `{v}` (shared by models of several developers)"
                    ));
                } else {
                    let who = org
                        .as_deref()
                        .and_then(|o| db.org(o))
                        .map(|o| format!(" ({})", o.name))
                        .unwrap_or_default();
                    parts.push(format!("{label} `{v}`{who}"));
                    if attributed.is_none() {
                        attributed = Some((org, fam, Confidence::Medium, vec![rule]));
                    }
                }
            }
            None => {
                if *k == ArchKey::Gguf {
                    parts.push(format!("GGUF architecture `{v}`"));
                }
            }
        }
    }
    if let Some(g) = g {
        if let Some(n) = g.get("general.name") {
            parts.push(format!(
                "named \"{}\"",
                n.chars().take(120).collect::<String>()
            ));
        }
        if let Some(l) = g.get("general.license") {
            parts.push(format!("license `{l}`"));
        }
    }
    parts.extend(chain_text.iter().cloned());

    let sha = w.sha256.clone();
    let head = match (&sha, w.lfs_pointer) {
        (Some(h), true) => format!(
            "`{}` is a Git LFS pointer to a {} file ({}, sha256 {})",
            w.rel,
            w.format.as_str(),
            human_size(w.size),
            &h[..12]
        ),
        (Some(h), false) => format!(
            "`{}` is a {} file ({}, sha256 {})",
            w.rel,
            w.format.as_str(),
            human_size(w.size),
            &h[..12]
        ),
        (None, _) => format!(
            "`{}` is a {} file ({}, {})",
            w.rel,
            w.format.as_str(),
            human_size(w.size),
            w.hash_note.as_deref().unwrap_or("not hashed")
        ),
    };
    let description = if parts.is_empty() {
        head
    } else {
        format!("{head}: {}", parts.join("; "))
    };
    let header = if let Some(g) = g {
        Some(format!(
            "GGUF v{}, {} tensors, {} keys{}",
            g.version,
            g.tensor_count,
            g.kv_count,
            if g.truncated { " (truncated)" } else { "" }
        ))
    } else {
        w.safetensors.as_ref().map(|s| {
            format!(
                "safetensors header {} bytes, {} tensors, dtypes {}",
                s.header_len,
                s.tensors,
                s.dtypes.join(",")
            )
        })
    };
    let (org, family, confidence, rules) =
        attributed.unwrap_or((None, None, Confidence::High, vec![]));
    let identifier = match digest {
        Some(d) => format!("sha256:{d}"),
        None => w.rel.clone(),
    };
    Reference {
        hit: Hit {
            kind: RefKind::WeightFile,
            identifier,
            org,
            family,
            host: None,
            via: None,
            confidence,
            rules,
        },
        path: w.rel.clone(),
        line: 1,
        column: 1,
        end_column: 1,
        text: w.rel.clone(),
        prose: false,
        evidence: Evidence::Weights(Box::new(WeightEvidence {
            description,
            sha256: sha,
            size: Some(w.size),
            format: Some(w.format.as_str()),
            lfs_pointer: w.lfs_pointer,
            header,
            release,
            metadata: g.map(|g| g.meta.clone()).or_else(|| {
                w.safetensors
                    .as_ref()
                    .filter(|s| !s.metadata.is_empty())
                    .map(|s| s.metadata.clone())
            }),
        })),
        also: Default::default(),
    }
}
