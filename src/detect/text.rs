//! Text detection in one pass per file.
//!
//! An Aho-Corasick automaton over literal anchors taken from the database (namespace names, host
//! domains, family keywords, env var prefixes, ...) finds candidate positions. Each candidate is
//! widened to the identifier token around it (ASCII letters, digits and `._-/:@~`), and the token
//! as a whole is confirmed against the database: identifier shapes must match the entire token, so
//! `minimax(`, `glm_fit`, `Kimi` or `ababcabab` never match `MiniMax-M2`, `glm-4`, `kimi-k2` or
//! `abab6.5s-chat`. Non-ASCII bytes end a token, so Chinese text costs nothing extra.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};
use regex::{Regex, RegexSet};

use crate::types::{Confidence, Evidence, Hit, RefKind, Reference};
use crate::lineindex::{ColumnCursor, LineIndex};
use crate::rules::{Database, HostKind, Problem};

/// Tokens longer than this are not identifiers (minified code, base64 blobs). It also bounds
/// how far a candidate is widened.
pub const MAX_TOKEN: usize = 300;
/// Bytes of the line before a token that a context rule (`after`) sees.
pub const MAX_PREFIX: usize = 256;

/// The text before a token on its line, for context rules: given, or cut from the file only
/// when a rule asks for it.
enum Prefix<'a> {
    Text(&'a str),
    Lazy {
        buf: &'a [u8],
        at: usize,
        text: std::cell::OnceCell<String>,
    },
}

impl Prefix<'_> {
    fn get(&self) -> &str {
        match self {
            Prefix::Text(t) => t,
            Prefix::Lazy { buf, at, text } => text.get_or_init(|| line_prefix(buf, *at)),
        }
    }
}

/// At most [`MAX_PREFIX`] bytes of the line before `at`. When the line starts earlier, the cut is
/// marked with `…` so that a rule anchored at the line start (`^\s*FROM`) cannot match inside
/// the window.
fn line_prefix(buf: &[u8], at: usize) -> String {
    let at = at.min(buf.len());
    let lo = at.saturating_sub(MAX_PREFIX);
    match memchr::memrchr(b'\n', &buf[lo..at]) {
        Some(i) => String::from_utf8_lossy(&buf[lo + i + 1..at]).into_owned(),
        None if lo == 0 => String::from_utf8_lossy(&buf[..at]).into_owned(),
        None => {
            let mut lo = lo;
            while lo < at && (buf[lo] & 0xC0) == 0x80 {
                lo += 1;
            }
            format!("\u{2026}{}", String::from_utf8_lossy(&buf[lo..at]))
        }
    }
}

fn is_tok(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/' | b':' | b'@' | b'~')
}

fn is_edge_punct(b: u8) -> bool {
    matches!(b, b'.' | b'-' | b'/' | b':' | b'@' | b'~' | b'_')
}

struct NsRule {
    index: usize,
    names: Option<Regex>,
}

struct PatternRule {
    index: usize,
    after: Option<Regex>,
}

/// The compiled detector. Build once per run; it is `Sync` and shared by all worker threads.
pub struct TextDetector {
    db: std::sync::Arc<Database>,
    anchors: AhoCorasick,
    set: RegexSet,
    set_rules: Vec<PatternRule>,
    namespaces: HashMap<String, Vec<NsRule>>,
    hosts_exact: HashMap<String, usize>,
    hosts_suffix: Vec<(String, usize)>,
    routes: HashMap<String, usize>,
    derivatives: Vec<(usize, Regex)>,
    /// org id -> families with a derivative regex (index into `derivatives`).
    org_derivatives: HashMap<String, Vec<usize>>,
}

fn full(re: &str) -> String {
    format!("^(?:{re})$")
}

impl TextDetector {
    pub fn new(db: std::sync::Arc<Database>) -> Result<TextDetector, String> {
        let mut anchors: Vec<String> = Vec::new();
        let mut set_src = Vec::new();
        let mut set_rules = Vec::new();
        for (i, p) in db.patterns.iter().enumerate() {
            if p.withdrawn {
                continue;
            }
            let re = match (&p.regex, &p.literal) {
                (Some(r), _) => r.clone(),
                (None, Some(l)) => regex::escape(l),
                (None, None) => continue,
            };
            set_src.push(full(&re));
            let after = match &p.after {
                Some(a) => Some(Regex::new(a).map_err(|e| format!("pattern {}: {e}", p.id))?),
                None => None,
            };
            set_rules.push(PatternRule { index: i, after });
            if !p.anchors.is_empty() {
                anchors.extend(p.anchors.iter().cloned());
            } else if let Some(l) = &p.literal {
                anchors.push(l.clone());
            } else if let Some(f) = p.family.as_deref().and_then(|f| db.family(f)) {
                anchors.extend(f.keywords.iter().cloned());
            }
        }
        let set = RegexSet::new(&set_src).map_err(|e| e.to_string())?;

        let mut namespaces: HashMap<String, Vec<NsRule>> = HashMap::new();
        for (i, n) in db.namespaces.iter().enumerate() {
            let names = match &n.names {
                Some(r) => {
                    Some(Regex::new(&full(r)).map_err(|e| format!("namespace {}: {e}", n.name))?)
                }
                None => None,
            };
            namespaces
                .entry(n.name.to_ascii_lowercase())
                .or_default()
                .push(NsRule { index: i, names });
            anchors.push(format!("{}/", n.name));
        }

        let mut hosts_exact = HashMap::new();
        let mut hosts_suffix = Vec::new();
        for (i, h) in db.hosts.iter().enumerate() {
            for d in &h.domains {
                hosts_exact.insert(d.clone(), i);
                if h.subdomains {
                    hosts_suffix.push((format!(".{d}"), i));
                }
                anchors.push(d.clone());
            }
        }
        let mut routes = HashMap::new();
        for (i, r) in db.routes.iter().enumerate() {
            routes.insert(r.prefix.to_ascii_lowercase(), i);
            anchors.push(format!("{}/", r.prefix));
        }
        let mut derivatives = Vec::new();
        let mut org_derivatives: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, f) in db.families.iter().enumerate() {
            if let Some(d) = &f.derivative {
                let re = Regex::new(d).map_err(|e| format!("family {}: {e}", f.id))?;
                org_derivatives
                    .entry(f.org.clone())
                    .or_default()
                    .push(derivatives.len());
                derivatives.push((i, re));
                anchors.extend(f.keywords.iter().cloned());
            }
        }
        let anchors = minimal_anchors(anchors);
        let anchors = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostFirst)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(&anchors)
            .map_err(|e| e.to_string())?;
        Ok(TextDetector {
            db,
            anchors,
            set,
            set_rules,
            namespaces,
            hosts_exact,
            hosts_suffix,
            routes,
            derivatives,
            org_derivatives,
        })
    }

    pub fn db(&self) -> &Database {
        &self.db
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
        let mut at = 0usize;
        let mut lines: Option<LineIndex> = None;
        let mut cursor = ColumnCursor::default();
        while at < buf.len() {
            let Some(m) = self.anchors.find(Input::new(buf).span(at..buf.len())) else {
                break;
            };
            let mut s = m.start();
            let floor = m.start().saturating_sub(MAX_TOKEN + 1);
            while s > floor && is_tok(buf[s - 1]) {
                s -= 1;
            }
            let limit = s.saturating_add(MAX_TOKEN + 1).min(buf.len());
            let mut e = m.end().min(limit);
            while e < limit && is_tok(buf[e]) {
                e += 1;
            }
            let too_long = e - s > MAX_TOKEN || (s > 0 && is_tok(buf[s - 1]));
            if too_long {
                // Skip the rest of the run: every byte is skipped once.
                let rest = buf[e..].iter().position(|&b| !is_tok(b));
                at = rest.map_or(buf.len(), |i| e + i).max(m.end());
                continue;
            }
            at = e.max(m.end());
            // `\n` and `\t` escapes inside JSON strings (notebooks) are not part of a token.
            if s >= 1 && buf[s - 1] == b'\\' && matches!(buf[s], b'n' | b't' | b'r') {
                s += 1;
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
            let prefix = Prefix::Lazy {
                buf,
                at: s,
                text: std::cell::OnceCell::new(),
            };
            let Some(hit) = self.resolve(token, &prefix) else {
                continue;
            };
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
            });
        }
    }

    /// Decides what one token is, if anything. `prefix` is the text before it on its line.
    pub fn resolve_token(&self, token: &str, prefix: &str) -> Option<Hit> {
        self.resolve(token, &Prefix::Text(prefix))
    }

    fn resolve(&self, token: &str, prefix: &Prefix<'_>) -> Option<Hit> {
        if let Some(i) = token.find("://") {
            return self.resolve_url(&token[i + 3..]);
        }
        if let Some(h) = self.match_pattern(token, prefix) {
            return Some(h);
        }
        if let Some(rest) = token.strip_prefix("arn:") {
            let tail = rest.rsplit('/').next().unwrap_or("");
            return self.match_pattern(tail, &Prefix::Text(""));
        }
        if token.contains('/') {
            let first = token.split('/').next().unwrap_or("");
            if first.contains('.') && looks_like_domain(first) {
                return self.resolve_url(token);
            }
            let segs: Vec<&str> = token.split('/').filter(|s| !s.is_empty()).collect();
            return self.resolve_path(&segs, None);
        }
        if token.contains('.') {
            if let Some(h) = self.resolve_host_only(token) {
                return Some(h);
            }
            // `process.env.DEEPSEEK_API_KEY`, `langchain_community.chat_models.ChatTongyi`: a
            // variable or class name at the end of a dotted path.
            let tail = token.rsplit('.').next().unwrap_or("");
            return self
                .match_pattern(tail, prefix)
                .filter(|h| matches!(h.kind, RefKind::EnvVar | RefKind::SdkClass));
        }
        None
    }

    fn match_pattern(&self, token: &str, prefix: &Prefix<'_>) -> Option<Hit> {
        let matches = self.set.matches(token);
        if !matches.matched_any() {
            return None;
        }
        for i in matches.iter() {
            let rule = &self.set_rules[i];
            if let Some(a) = &rule.after
                && !a.is_match(prefix.get())
            {
                continue;
            }
            let p = &self.db.patterns[rule.index];
            let kind = match p.kind {
                crate::rules::PatternKind::ApiModel => RefKind::ApiModel,
                crate::rules::PatternKind::CloudModel => RefKind::CloudModel,
                crate::rules::PatternKind::OllamaTag => RefKind::OllamaTag,
                crate::rules::PatternKind::EnvVar => RefKind::EnvVar,
                crate::rules::PatternKind::SdkClass => RefKind::SdkClass,
            };
            let mut rules = vec![format!("pattern:{}", p.id)];
            if let Some(f) = &p.family {
                rules.push(format!("family:{f}"));
            }
            if let Some(h) = &p.host {
                rules.push(format!("host:{h}"));
            }
            return Some(Hit {
                kind,
                identifier: token.to_string(),
                org: Some(p.org.clone()),
                family: p.family.clone(),
                host: p.host.clone(),
                via: None,
                confidence: Confidence::High,
                rules,
            });
        }
        None
    }

    fn lookup_host(&self, host: &str) -> Option<usize> {
        let host = host.to_ascii_lowercase();
        if let Some(&i) = self.hosts_exact.get(&host) {
            return Some(i);
        }
        self.hosts_suffix
            .iter()
            .find(|(suffix, _)| host.ends_with(suffix.as_str()))
            .map(|&(_, i)| i)
    }

    fn host_hit(&self, index: usize, identifier: &str) -> Hit {
        let h = &self.db.hosts[index];
        Hit {
            kind: match h.kind {
                HostKind::Hub | HostKind::Mirror => RefKind::Hub,
                _ => RefKind::Endpoint,
            },
            identifier: identifier.to_ascii_lowercase(),
            org: None,
            family: None,
            host: Some(h.id.clone()),
            via: None,
            confidence: Confidence::High,
            rules: vec![format!("host:{}", h.id)],
        }
    }

    fn resolve_host_only(&self, token: &str) -> Option<Hit> {
        let host = strip_userinfo_port(token);
        if !looks_like_domain(host) {
            return None;
        }
        self.lookup_host(host).map(|i| self.host_hit(i, host))
    }

    /// `rest` is what follows `scheme://`, or a token that starts with a domain.
    fn resolve_url(&self, rest: &str) -> Option<Hit> {
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        let host = strip_userinfo_port(authority);
        let index = self.lookup_host(host)?;
        let h = &self.db.hosts[index];
        let mut hit = self.host_hit(index, host);
        if matches!(h.kind, HostKind::Hub | HostKind::Mirror) {
            let mut segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
            if segs.first() == Some(&"api") {
                segs.remove(0);
            }
            if segs.first() == Some(&"models") {
                segs.remove(0);
                // OpenXLab: models/detail/<org>/<name>.
                if segs.first() == Some(&"detail") {
                    segs.remove(0);
                }
            }
            let is_repo =
                segs.len() >= 2 && !matches!(segs[0], "datasets" | "spaces" | "docs" | "blog");
            if is_repo {
                let hub_for_ns = if h.kind == HostKind::Mirror {
                    "huggingface"
                } else {
                    h.id.as_str()
                };
                if let Some(mut model) = self.resolve_pair(segs[0], segs[1], Some(hub_for_ns)) {
                    model.host = Some(h.id.clone());
                    model.rules.push(format!("host:{}", h.id));
                    return Some(model);
                }
                // An unknown repository on a known hub: inventory, not attributed to anyone.
                hit.kind = RefKind::HubRepo;
                hit.identifier = format!("{}/{}", segs[0], segs[1]);
                hit.confidence = Confidence::Medium;
            }
        }
        Some(hit)
    }

    /// Path-like tokens: routing prefixes, hub ids, derivatives.
    fn resolve_path(&self, segs: &[&str], hub: Option<&str>) -> Option<Hit> {
        if segs.len() >= 2
            && let Some(&ri) = self.routes.get(&segs[0].to_ascii_lowercase())
        {
            let route = &self.db.routes[ri];
            let rest = segs[1..].join("/");
            let inner = if segs.len() == 2 {
                // A provider's own name for the model, else any name with a family's shape
                // (`sambanova/DeepSeek-V3.1`).
                // The shape fallback is not used for prefixes that are also hub or router
                // namespaces (`tencent/`, `deepseek/`): those ids are read as namespaces below.
                let ns_too = self.namespaces.contains_key(&segs[0].to_ascii_lowercase());
                self.match_pattern(&rest, &Prefix::Text("")).or_else(|| {
                    if ns_too {
                        return None;
                    }
                    self.family_by_shape(&rest).map(|(fi, f)| Hit {
                        kind: RefKind::RouterModel,
                        identifier: rest.clone(),
                        org: Some(f.org.clone()),
                        family: Some(f.id.clone()),
                        host: None,
                        via: None,
                        confidence: Confidence::High,
                        rules: vec![format!("family:{}", self.db.families[fi].id)],
                    })
                })
            } else {
                None
            }
            .or_else(|| {
                if segs.len() > 2 {
                    self.resolve_path(&segs[1..], None)
                } else {
                    None
                }
            });
            if let Some(mut h) = inner
                && h.kind.names_model()
            {
                // The route decides where the request goes unless the inner id names a
                // router itself (openrouter/z-ai/glm-4.6).
                if h.kind != RefKind::RouterModel || route.host != "openrouter" {
                    h.host = Some(route.host.clone());
                }
                h.kind = RefKind::RouterModel;
                h.identifier = segs.join("/");
                h.via = Some(format!("{} route `{}/`", route.tool, route.prefix));
                h.rules.push(format!("route:{}", route.prefix));
                h.rules.push(format!("host:{}", route.host));
                return Some(h);
            }
        }
        for w in segs.windows(2) {
            if let Some(h) = self.resolve_pair(w[0], w[1], hub) {
                return Some(h);
            }
        }
        None
    }

    /// A `namespace/name` pair: a known namespace, else a third party's derivative.
    fn resolve_pair(&self, ns: &str, name: &str, hub: Option<&str>) -> Option<Hit> {
        if let Some(rules) = self.namespaces.get(&ns.to_ascii_lowercase()) {
            let mut best: Option<(u8, &NsRule)> = None;
            for r in rules {
                let n = &self.db.namespaces[r.index];
                if let Some(hb) = hub
                    && n.host != hb
                {
                    continue;
                }
                if let Some(re) = &r.names
                    && !re.is_match(name)
                {
                    continue;
                }
                // Outside a hub's own URLs, prefer namespaces of hubs that take bare ids
                // (Hugging Face) over hubs whose ids mostly appear in their URLs (ModelScope),
                // then an exact-case name.
                let url_only = hub.is_none() && self.db.host(&n.host).is_some_and(|h| !h.bare_ids);
                let score = 2 * u8::from(url_only) + u8::from(n.name != ns);
                if best.is_none_or(|(b, _)| score < b) {
                    best = Some((score, r));
                }
            }
            if let Some((_, r)) = best {
                let n = &self.db.namespaces[r.index];
                let host = self.db.host(&n.host);
                let family = self
                    .org_derivatives
                    .get(&n.org)
                    .and_then(|ds| {
                        ds.iter()
                            .map(|&d| &self.derivatives[d])
                            .find(|(_, re)| re.is_match(name))
                            .map(|(fi, _)| self.db.families[*fi].id.clone())
                    })
                    .or_else(|| n.family.clone());
                let mut rules = vec![format!("namespace:{}@{}", n.name, n.host)];
                if let Some(f) = &family {
                    rules.push(format!("family:{f}"));
                }
                let router = host.is_some_and(|h| h.kind == HostKind::Router);
                return Some(Hit {
                    kind: if router {
                        RefKind::RouterModel
                    } else {
                        RefKind::HubRepo
                    },
                    identifier: format!("{ns}/{name}"),
                    org: Some(n.org.clone()),
                    family,
                    host: Some(n.host.clone()),
                    via: None,
                    confidence: Confidence::High,
                    rules,
                });
            }
        }
        if !looks_like_hub_name(ns) || !looks_like_hub_name(name) {
            return None;
        }
        let (_, f) = self.family_by_shape(name)?;
        Some(Hit {
            kind: RefKind::Derivative,
            identifier: format!("{ns}/{name}"),
            org: Some(f.org.clone()),
            family: Some(f.id.clone()),
            host: None,
            via: None,
            confidence: Confidence::Medium,
            rules: vec![format!("family:{}", f.id)],
        })
    }

    /// The first family whose derivative shape the name has.
    fn family_by_shape(&self, name: &str) -> Option<(usize, &crate::rules::Family)> {
        if !looks_like_hub_name(name) {
            return None;
        }
        self.derivatives
            .iter()
            .find(|(_, re)| re.is_match(name))
            .map(|(fi, _)| (*fi, &self.db.families[*fi]))
    }

    /// Runs every example in the database through the detector: each `match` example must produce
    /// a reference that involves its entry, each `no_match` example must produce none at all.
    pub fn check_examples(&self) -> Vec<Problem> {
        let db = &*self.db;
        let mut out = Vec::new();
        let mut check = |key: String, ex: &crate::rules::Examples| {
            for m in &ex.must_match {
                let mut refs = Vec::new();
                self.scan(m.as_bytes(), "example", false, &mut refs);
                if !refs.iter().any(|r| r.hit.rules.contains(&key)) {
                    let got = refs
                        .iter()
                        .map(|r| r.hit.rules.join("+"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    out.push(db.problem(
                        &key,
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
                        &key,
                        format!(
                            "{key}: must-not-match example `{m}` matches {}",
                            r.hit.rules.join("+")
                        ),
                    ));
                }
            }
        };
        for p in &db.patterns {
            if !p.withdrawn {
                check(format!("pattern:{}", p.id), &p.examples);
            }
        }
        for f in &db.families {
            check(format!("family:{}", f.id), &f.examples);
        }
        for n in &db.namespaces {
            check(format!("namespace:{}@{}", n.name, n.host), &n.examples);
        }
        for h in &db.hosts {
            check(format!("host:{}", h.id), &h.examples);
        }
        for r in &db.routes {
            check(format!("route:{}", r.prefix), &r.examples);
        }
        out
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
    let mut kept: Vec<String> = Vec::new();
    for a in anchors {
        if !kept.iter().any(|k| a.contains(k.as_str())) {
            kept.push(a);
        }
    }
    kept
}

fn strip_userinfo_port(authority: &str) -> &str {
    let a = authority.rsplit('@').next().unwrap_or(authority);
    match a.find(':') {
        Some(i) => &a[..i],
        None => a,
    }
}

fn looks_like_domain(s: &str) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
}

/// Hub namespaces and repository names: letters, digits, `-`, `_`, `.`; not a file name of code.
fn looks_like_hub_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 96
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !s.starts_with('.')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn det() -> TextDetector {
        TextDetector::new(Arc::new(Database::embedded().unwrap())).unwrap()
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
