//! Text detection in one pass per file.
//!
//! A search for the literal anchors taken from the database (namespace names, host domains,
//! family keywords, env var prefixes, ...; see [`Anchors`]) finds candidate positions. Each candidate is
//! widened to the identifier token around it (ASCII letters, digits and `._-/:@~`), and the token
//! as a whole is confirmed against the database: identifier shapes must match the entire token, so
//! `minimax(`, `glm_fit`, `Kimi` or `ababcabab` never match `MiniMax-M2`, `glm-4`, `kimi-k2` or
//! `abab6.5s-chat`. Non-ASCII bytes end a token, so Chinese text costs nothing extra.

use std::sync::{Arc, OnceLock};

use crate::detect::anchors::Anchors;
use crate::detect::context::{Contexts, FileLayout, Placed};
use crate::lineindex::{ColumnCursor, LineIndex};
use crate::resolve::token::{Prefix, Resolver};
use crate::rules::{ContextClass, Database, HostKind, Origin, Problem};
use crate::types::{Evidence, Hit, RefKind, Reference, RuleKind, RuleRef};

/// Tokens longer than this are not identifiers (minified code, base64 blobs). It also bounds
/// how far a candidate is widened.
pub const MAX_TOKEN: usize = 300;
fn is_tok(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/' | b':' | b'@' | b'~')
}

fn is_edge_punct(b: u8) -> bool {
    matches!(b, b'.' | b'-' | b'/' | b':' | b'@' | b'~' | b'_')
}

/// The text scanner: a search for the anchors of a database, and the [`Resolver`] that
/// confirms its candidates. Build once per run; it is `Sync` and shared by all worker threads.
pub struct TextDetector {
    resolver: Arc<Resolver>,
    /// Built with the scanner, or for the embedded database on the first scan (see
    /// [`TextDetector::new`]).
    anchors: OnceLock<Search>,
    contexts: Contexts,
}

/// The literal anchors of a database: every place an identifier it knows can start.
fn anchors_of(db: &Database) -> Vec<String> {
    let mut anchors: Vec<String> = Vec::new();
    for p in db.patterns.iter().filter(|p| !p.withdrawn) {
        if p.regex.is_none() && p.literal.is_none() {
            continue;
        }
        if !p.anchors.is_empty() {
            anchors.extend(p.anchors.iter().cloned());
        } else if let Some(l) = &p.literal {
            anchors.push(l.clone());
        } else if let Some(f) = p.family.as_deref().and_then(|f| db.family(f)) {
            anchors.extend(f.keywords.iter().cloned());
        }
    }
    anchors.extend(db.namespaces.iter().map(|n| format!("{}/", n.name)));
    for h in &db.hosts {
        anchors.extend(h.domains.iter().cloned());
    }
    anchors.extend(db.routes.iter().map(|r| format!("{}/", r.prefix)));
    for f in db.families.iter().filter(|f| f.derivative.is_some()) {
        anchors.extend(f.keywords.iter().cloned());
    }
    anchors
}

/// The anchor search of a database, and what it tells of the heading comments.
struct Search {
    anchors: Anchors,
    /// Every heading text is made of token bytes and holds an anchor, so each heading lies in a
    /// token that the scan visits: a file's sections are only looked for once such a token has
    /// been seen, not in every file with a reference.
    headings_in_tokens: bool,
}

/// The search for the anchors of `db`.
fn automaton(db: &Database, contexts: &Contexts) -> Result<Search, String> {
    let anchors = minimal_anchors(anchors_of(db));
    let headings_in_tokens = contexts
        .heading_texts()
        .iter()
        .all(|h| h.bytes().all(is_tok) && anchors.iter().any(|a| h.contains(a.as_str())));
    Ok(Search {
        anchors: Anchors::new(&anchors, is_tok)?,
        headings_in_tokens,
    })
}

impl TextDetector {
    /// The scanner for the database `resolver` was built from. For the embedded database the
    /// automaton is built on the first scan, so that a run that scans nothing (an empty commit)
    /// does not pay for it; its anchors are known to build (the tests scan with it).
    pub fn new(resolver: Arc<Resolver>) -> Result<TextDetector, String> {
        let anchors = OnceLock::new();
        let contexts = Contexts::new(resolver.db());
        if resolver.db().origin != Origin::Embedded {
            let _ = anchors.set(automaton(resolver.db(), &contexts)?);
        }
        Ok(TextDetector {
            resolver,
            anchors,
            contexts,
        })
    }

    /// Builds the resolver and the scanner of a database.
    pub fn for_database(db: Arc<Database>) -> Result<TextDetector, String> {
        TextDetector::new(Arc::new(Resolver::new(db)?))
    }

    pub fn resolver(&self) -> &Resolver {
        &self.resolver
    }

    pub fn db(&self) -> &Database {
        self.resolver.db()
    }

    fn search(&self) -> &Search {
        self.anchors.get_or_init(|| {
            automaton(self.db(), &self.contexts)
                .unwrap_or_else(|e| panic!("rules database: anchors: {e}"))
        })
    }

    /// Finds every reference in `buf` (the whole file). `path` is only copied into the results.
    pub fn scan(&self, buf: &[u8], path: &str, prose: bool, out: &mut Vec<Reference>) {
        self.scan_with(buf, path, prose, &mut |r| out.push(r));
    }

    /// Finds every reference in `buf` and hands each to `sink`, in file order.
    ///
    /// Linear in the size of `buf` whatever its shape (a minified bundle is one long line full of
    /// anchors): the automaton scans each byte once, a candidate is widened by at most
    /// [`MAX_TOKEN`] bytes on each side, a run of token bytes longer than that is skipped once
    /// (never widened again from a later anchor inside it), the context rules see at most
    /// [`MAX_PREFIX`] bytes of the line, built only when a rule asks, and line and column are
    /// computed only for confirmed hits, through one [`LineIndex`] and a [`ColumnCursor`].
    pub fn scan_with(&self, buf: &[u8], path: &str, prose: bool, sink: &mut dyn FnMut(Reference)) {
        self.scan_inner(buf, path, prose, false, sink);
    }

    /// [`TextDetector::scan_with`]; with `keep_paths`, tokens that a `path` context classifies
    /// are handed on (with the context in their rules) instead of dropped, for the examples.
    fn scan_inner(
        &self,
        buf: &[u8],
        path: &str,
        prose: bool,
        keep_paths: bool,
        sink: &mut dyn FnMut(Reference),
    ) {
        let mut layout: Option<FileLayout> = None;
        let mut markers: Option<Vec<usize>> = None;
        let mut sections: Option<crate::detect::context::Sections> = None;
        let mut api_hosts: std::collections::HashMap<String, Option<(String, Option<String>)>> =
            std::collections::HashMap::new();
        let mut at = 0usize;
        let mut lines: Option<LineIndex> = None;
        let mut cursor = ColumnCursor::default();
        let search = self.search();
        // Whether a heading comment may come before the current token (see `Search`).
        let mut heading_seen = !search.headings_in_tokens;
        while at < buf.len() {
            let Some((m_start, m_end)) = search.anchors.find(buf, at) else {
                break;
            };
            let mut s = m_start;
            let floor = m_start.saturating_sub(MAX_TOKEN + 1);
            while s > floor && is_tok(buf[s - 1]) {
                s -= 1;
            }
            let limit = s.saturating_add(MAX_TOKEN + 1).min(buf.len());
            let mut e = m_end.min(limit);
            while e < limit && is_tok(buf[e]) {
                e += 1;
            }
            let too_long = e - s > MAX_TOKEN || (s > 0 && is_tok(buf[s - 1]));
            if too_long {
                // Skip the rest of the run: every byte is skipped once.
                let rest = buf[e..].iter().position(|&b| !is_tok(b));
                at = rest.map_or(buf.len(), |i| e + i).max(m_end);
                heading_seen = heading_seen || self.contexts.holds_heading(&buf[s..at]);
                continue;
            }
            heading_seen = heading_seen || self.contexts.holds_heading(&buf[s..e]);
            at = e.max(m_end);
            // `\n` and `\t` escapes inside JSON strings (notebooks) are not part of a token.
            if s >= 1 && buf[s - 1] == b'\\' && matches!(buf[s], b'n' | b't' | b'r') {
                s += 1;
            }
            if buf[s.saturating_sub(4)..e].starts_with(b"git+") {
                // A VCS requirement (`pkg @ git+https://host/org/repo.git@rev`): a package,
                // left to the manifest parsers.
                continue;
            }
            let raw_start = s;
            let mut at_local = false;
            // `@`: an npm scope with a version (`@deepseek-ai/dsh@latest`) is a package, an
            // e-mail address is not a host, and `name@host@port` keeps only the name.
            if !buf[s..e].windows(3).any(|w| w == b"://")
                && let Some(p) = memchr::memchr(b'@', &buf[s + 1..e]).map(|p| s + 1 + p)
                && buf[p - 1] != b'/'
            {
                if buf[s] == b'@' {
                    continue;
                }
                let right = std::str::from_utf8(&buf[p + 1..e]).unwrap_or("");
                if !buf[s..p].contains(&b'/') && right.contains('.') && !right.contains('/') {
                    continue;
                }
                at_local = ["localhost", "127.0.0.1", "0.0.0.0"]
                    .iter()
                    .any(|h| right.starts_with(h));
                e = p;
            }
            while s < e && is_edge_punct(buf[s]) {
                s += 1;
            }
            while e > s && is_edge_punct(buf[e - 1]) {
                e -= 1;
            }
            if s >= e {
                continue;
            }
            // Tokens are ASCII by construction.
            let token = std::str::from_utf8(&buf[s..e]).unwrap_or("");
            let prefix = Prefix::lazy(buf, s);
            // An absolute, home or relative path, or a placeholder `path/to/…`: a local folder.
            let local = token.contains('/')
                && !token.contains("://")
                && (buf[raw_start] == b'/'
                    // `${MODEL_PATH}:/models/x` (a volume), `D:\AI\model/x` (a Windows path)
                    || buf[raw_start..s].ends_with(b":/")
                    || (raw_start > 0 && buf[raw_start - 1] == b'\\')
                    || buf[raw_start..s].starts_with(b"~/")
                    || buf[raw_start..s].starts_with(b"./")
                    || buf[raw_start..s].starts_with(b"../")
                    || token.starts_with("path/to/"));
            let resolved = if local {
                std::str::from_utf8(&buf[raw_start..e])
                    .ok()
                    .and_then(|path| self.resolver.resolve_local(path))
            } else {
                self.resolver.resolve(token, &prefix)
            };
            let Some(mut hit) = resolved else {
                continue;
            };
            if at_local && hit.kind.names_model() {
                // `THUDM/chatglm2-6b@localhost@7650`: a model served by a local worker.
                hit.kind = RefKind::LocalModel;
                hit.host = None;
                hit.via = Some("a local worker (`@localhost`)".into());
            }
            // The only patterns that give a hub are hub switches (`PatternKind::HubSwitch`).
            let switch =
                hit.kind == RefKind::Hub && hit.rules.iter().any(|r| r.kind == RuleKind::Pattern);
            if switch && crate::detect::context::switch_value_at(buf, s, e - s) != Some(true) {
                // A hub switch that is read, cleared or only named: not a download source.
                continue;
            }
            let layout = layout.get_or_insert_with(|| FileLayout::new(path, buf));
            let prose = prose || layout.place(buf, s, e) == Placed::Mention;
            if hit.kind.names_model() || matches!(hit.kind, RefKind::Hub | RefKind::Dataset) {
                let ci = self
                    .contexts
                    .classify(path, buf, raw_start, e)
                    .or_else(|| {
                        if !heading_seen {
                            return None;
                        }
                        let sections = sections.get_or_insert_with(|| self.contexts.sections(buf));
                        Contexts::section_at(sections, raw_start)
                    })
                    .or_else(|| {
                        let markers =
                            markers.get_or_insert_with(|| self.contexts.file_markers(path, buf));
                        markers.first().copied()
                    });
                if let Some(ci) = ci {
                    let c = &self.db().contexts[ci];
                    match c.class {
                        ContextClass::Path | ContextClass::Name if !keep_paths => continue,
                        ContextClass::Path | ContextClass::Name => hit
                            .rules
                            .push(RuleRef::new(RuleKind::Context, c.id.to_string())),
                        ContextClass::Dataset => hit = as_dataset(hit, &c.id),
                        ContextClass::Local => {
                            // A weights folder on the disk: named by the folder, never a hub id.
                            if let Some(mut h) = std::str::from_utf8(&buf[raw_start..e])
                                .ok()
                                .and_then(|p| self.resolver.resolve_local(p))
                            {
                                h.rules
                                    .push(RuleRef::new(RuleKind::Context, c.id.to_string()));
                                hit = h;
                            }
                        }
                        ContextClass::Hub => {
                            // Only a bare id is switched; a URL says where it is. A hub serves
                            // repositories; a router or cloud (a provider's adaptor folder) also
                            // serves the API names and routed ids listed for it.
                            let bare = !token.contains("://") && !looks_like_url(token);
                            let hub = |h: &str| {
                                self.db().host(h).is_some_and(|h| {
                                    matches!(h.kind, HostKind::Hub | HostKind::Mirror)
                                })
                            };
                            if let Some((h, hub)) =
                                c.host.as_ref().filter(|_| bare).map(|h| (h, hub(h)))
                                && (matches!(hit.kind, RefKind::HubRepo | RefKind::Derivative)
                                    || (!hub
                                        && matches!(
                                            hit.kind,
                                            RefKind::ApiModel
                                                | RefKind::RouterModel
                                                | RefKind::CloudModel
                                        )))
                            {
                                hit.host = Some(h.clone());
                                hit.via = Some(if hub {
                                    format!("download source (context `{}`)", c.id)
                                } else {
                                    format!(
                                        "the provider of its folder or file (context `{}`)",
                                        c.id
                                    )
                                });
                                hit.rules
                                    .push(RuleRef::new(RuleKind::Context, c.id.to_string()));
                                hit.rules.push(RuleRef::new(RuleKind::Host, h.to_string()));
                            }
                        }
                    }
                }
            }
            if hit.kind == RefKind::ApiModel
                && hit.host.is_none()
                && let Some(org) = hit.org.clone()
            {
                // An API name without a host: the provider's endpoint named in the file, else
                // the provider's API with its region left open.
                let decided = api_hosts
                    .entry(org)
                    .or_insert_with_key(|org| self.resolver.api_host_in(org, buf));
                if let Some((host, via)) = decided.clone() {
                    hit.rules
                        .push(RuleRef::new(RuleKind::Host, host.to_string()));
                    hit.host = Some(host);
                    if hit.via.is_none() {
                        hit.via = via;
                    }
                }
            }
            let idx = lines.get_or_insert_with(|| LineIndex::new(buf));
            let (line, column) = cursor.line_col(idx, buf, s);
            sink(Reference {
                hit,
                path: path.to_string(),
                line,
                column,
                end_column: column + (e - s) as u32,
                text: token.to_string(),
                prose,
                evidence: Evidence::Text,
                also: Default::default(),
            });
        }
    }

    /// Runs every example in the database through the detector: each `match` example must produce
    /// a reference that involves its entry, each `no_match` example must produce none at all.
    pub fn check_examples(&self) -> Vec<Problem> {
        let db = self.db();
        let mut out = Vec::new();
        let joined = |rules: &[RuleRef]| {
            rules
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("+")
        };
        let mut check = |key: RuleRef, ex: &crate::rules::Examples| {
            for m in &ex.must_match {
                let mut refs = Vec::new();
                self.scan(m.as_bytes(), "example", false, &mut refs);
                if !refs.iter().any(|r| r.hit.rules.contains(&key)) {
                    let got = refs
                        .iter()
                        .map(|r| joined(&r.hit.rules))
                        .collect::<Vec<_>>()
                        .join(", ");
                    out.push(db.problem(
                        &key.to_string(),
                        format!(
                            "{key}: example `{m}` does not match it (matched: {})",
                            if got.is_empty() { "nothing" } else { &got }
                        ),
                    ));
                }
            }
            for m in &ex.no_match {
                let mut refs = Vec::new();
                self.scan(m.as_bytes(), "example", false, &mut refs);
                if let Some(r) = refs.first() {
                    out.push(db.problem(
                        &key.to_string(),
                        format!(
                            "{key}: must-not-match example `{m}` matches {}",
                            joined(&r.hit.rules)
                        ),
                    ));
                }
            }
        };
        for p in &db.patterns {
            if !p.withdrawn {
                check(
                    RuleRef::new(RuleKind::Pattern, p.id.to_string()),
                    &p.examples,
                );
            }
        }
        for f in &db.families {
            check(
                RuleRef::new(RuleKind::Family, f.id.to_string()),
                &f.examples,
            );
        }
        for n in &db.namespaces {
            check(
                RuleRef::new(RuleKind::Namespace, format!("{}@{}", n.name, n.host)),
                &n.examples,
            );
        }
        for h in &db.hosts {
            check(RuleRef::new(RuleKind::Host, h.id.to_string()), &h.examples);
        }
        for r in &db.routes {
            check(
                RuleRef::new(RuleKind::Route, r.prefix.to_string()),
                &r.examples,
            );
        }
        for c in &db.contexts {
            let key = RuleRef::new(RuleKind::Context, c.id.to_string());
            let path = match (c.files.first(), c.folders.first()) {
                (Some(f), _) => f.clone(),
                (None, Some(d)) => format!("{d}/example"),
                (None, None) => "example".to_string(),
            };
            let path = path.as_str();
            let classified = |m: &str| {
                let mut hits = false;
                self.scan_inner(m.as_bytes(), path, false, true, &mut |r| {
                    hits |= r.hit.rules.contains(&key);
                });
                hits
            };
            for m in &c.examples.must_match {
                if !classified(m) {
                    out.push(db.problem(
                        &key.to_string(),
                        format!("{key}: example `{m}` has no candidate it classifies"),
                    ));
                }
            }
            for m in &c.examples.no_match {
                if classified(m) {
                    out.push(db.problem(
                        &key.to_string(),
                        format!("{key}: must-not-match example `{m}` is classified by it"),
                    ));
                }
            }
        }
        out
    }
}

/// `huggingface.co/…`, `modelscope.cn/…`: a token that starts with a domain.
fn looks_like_url(token: &str) -> bool {
    token.split('/').next().is_some_and(|first| {
        first.contains('.')
            && first
                .rsplit('.')
                .next()
                .is_some_and(|t| t.len() >= 2 && t.bytes().all(|b| b.is_ascii_alphabetic()))
    })
}

/// A hit whose place says it names a data set: inventory, attributed to no developer and served
/// by no host (where the data set is downloaded from is kept in `via`).
fn as_dataset(hit: Hit, context: &str) -> Hit {
    let mut rules = hit.rules;
    rules.push(RuleRef::new(RuleKind::Context, context.to_string()));
    let via = match (&hit.via, &hit.host) {
        (Some(v), _) => Some(v.clone()),
        (None, Some(h)) if hit.kind != RefKind::Dataset => {
            Some(format!("dataset context `{context}` ({h} id)"))
        }
        _ => Some(format!("dataset context `{context}`")),
    };
    Hit {
        kind: RefKind::Dataset,
        identifier: hit.identifier,
        org: None,
        family: None,
        host: None,
        via,
        confidence: hit.confidence,
        rules,
    }
}

/// The anchors that matter: a candidate position only seeds a token, and the whole token is
/// confirmed afterwards, so an anchor that contains another anchor (`deepseek-ai/` contains
/// `deepseek`) finds nothing the shorter one does not. Fewer anchors keep the automaton small.
fn minimal_anchors(mut anchors: Vec<String>) -> Vec<String> {
    for a in &mut anchors {
        a.make_ascii_lowercase();
    }
    anchors.retain(|a| !a.is_empty());
    anchors.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    anchors.dedup();
    // Shortest first, so an anchor is kept unless one kept before is part of it; looked up by
    // each part of it whose length a kept anchor has.
    let mut kept: Vec<String> = Vec::new();
    let mut kept_set: std::collections::HashSet<Vec<u8>> = std::collections::HashSet::new();
    let mut lengths: std::collections::BTreeSet<usize> = std::collections::BTreeSet::new();
    for a in anchors {
        let b = a.as_bytes();
        let contains_kept = lengths
            .iter()
            .take_while(|&&l| l <= b.len())
            .any(|&l| b.windows(l).any(|w| kept_set.contains(w)));
        if !contains_kept {
            kept_set.insert(b.to_vec());
            lengths.insert(b.len());
            kept.push(a);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::RefKind;
    use std::sync::Arc;

    #[test]
    fn minimal_anchors_keep_the_anchors_no_shorter_one_is_part_of() {
        // The plain quadratic definition.
        fn naive(mut anchors: Vec<String>) -> Vec<String> {
            for a in &mut anchors {
                a.make_ascii_lowercase();
            }
            anchors.retain(|a| !a.is_empty());
            anchors.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
            anchors.dedup();
            let mut kept: Vec<String> = Vec::new();
            for a in anchors {
                if !kept.iter().any(|k| a.contains(k.as_str())) {
                    kept.push(a);
                }
            }
            kept
        }
        let db = crate::rules::Database::embedded().unwrap();
        let all = anchors_of(&db);
        assert_eq!(minimal_anchors(all.clone()), naive(all));
        let some: Vec<String> = [
            "deepseek",
            "DeepSeek-ai/",
            "seek",
            "qwen",
            "Qwen",
            "wen",
            "",
            "é1",
            "xé1y",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(minimal_anchors(some.clone()), naive(some.clone()));
        assert_eq!(minimal_anchors(some), ["wen", "é1", "seek"]);
    }

    fn det() -> TextDetector {
        TextDetector::for_database(Arc::new(Database::embedded().unwrap())).unwrap()
    }

    fn find(text: &str) -> Vec<(String, RefKind, Option<String>, Option<String>)> {
        let d = det();
        let mut out = Vec::new();
        d.scan(text.as_bytes(), "t", false, &mut out);
        out.into_iter()
            .map(|r| (r.hit.identifier, r.hit.kind, r.hit.org, r.hit.host))
            .collect()
    }

    #[test]
    fn hub_ids_and_derivatives() {
        let r = find(r#"m = AutoModel.from_pretrained("Qwen/Qwen2.5-7B-Instruct")"#);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].0, "Qwen/Qwen2.5-7B-Instruct");
        assert_eq!(r[0].1, RefKind::HubRepo);
        assert_eq!(r[0].2.as_deref(), Some("alibaba"));
        let r = find("repo: bartowski/Qwen2.5-7B-Instruct-GGUF");
        assert_eq!(r[0].1, RefKind::Derivative);
        assert_eq!(r[0].2.as_deref(), Some("alibaba"));
    }

    #[test]
    fn routes_and_routers() {
        let r = find(r#"model="deepseek/deepseek-reasoner""#);
        assert_eq!(r[0].1, RefKind::RouterModel);
        assert_eq!(r[0].3.as_deref(), Some("deepseek-api"));
        let r = find(r#"model: "z-ai/glm-4.6""#);
        assert_eq!(r[0].3.as_deref(), Some("openrouter"));
        assert_eq!(r[0].2.as_deref(), Some("zhipu"));
        let r = find("arn:aws:bedrock:us-west-2::foundation-model/deepseek.r1-v1:0");
        assert_eq!(r[0].1, RefKind::CloudModel);
        assert_eq!(r[0].3.as_deref(), Some("aws-bedrock"));
    }

    #[test]
    fn hosts_with_subdomains_and_ports() {
        let r = find("base_url=https://dashscope-intl.aliyuncs.com:443/compatible-mode/v1");
        assert_eq!(r[0].3.as_deref(), Some("dashscope-intl"));
        let r = find("url = 'https://cn-hongkong.dashscope.aliyuncs.com/api'");
        assert_eq!(r[0].3.as_deref(), Some("dashscope-hk"));
        let r = find("HF_ENDPOINT=https://hf-mirror.com");
        assert_eq!(r[0].3.as_deref(), Some("hf-mirror"));
        assert!(find("email support@deepseek.com or visit notapi.deepseek.com.evil").is_empty());
    }

    #[test]
    fn traps_are_silent() {
        for t in [
            "def minimax(board, depth):",
            "fit <- glm(y ~ x, family = binomial)",
            "glm_fit = sm.GLM(y, X)",
            "spark = SparkSession.builder.getOrCreate()",
            "author = \"Kimi Raikkonen\"",
            "assert kmp_search(\"ababcabab\", \"abab\") == [0, 5]",
            "# step-1: load the data",
            "import deepseek from './providers/deepseek.js'",
            "bge a0, a1, loop",
            "yi qi zou ba",
        ] {
            assert!(find(t).is_empty(), "{t}: {:?}", find(t));
        }
    }

    #[test]
    fn notebook_escapes_and_columns() {
        let d = det();
        let mut out = Vec::new();
        let text = "{\n \"source\": [\"x = 1\\nm = \\\"deepseek-chat\\\"\\n\"]\n}\n中文 deepseek-reasoner\n";
        d.scan(text.as_bytes(), "n.ipynb", false, &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].text, "deepseek-chat");
        assert_eq!(out[0].line, 2);
        assert_eq!(out[1].line, 4);
        assert_eq!(out[1].column, 4);
    }

    #[test]
    fn database_examples_hold() {
        let problems = det().check_examples();
        assert!(problems.is_empty(), "{problems:#?}");
    }
}
