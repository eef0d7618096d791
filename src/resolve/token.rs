//! Confirming a token: decide from the database what one identifier-shaped token is (a hub
//! repository, an API model name, an endpoint, an env var, ...), if anything. The [`Resolver`]
//! is built once per run from the database and handed to every stage that needs it: the text
//! scanner confirms its candidates with it, and dependency analysis, model lineage, online
//! lookups and `explain` resolve names with it.

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::{Regex, RegexSet};

use crate::rules::{Database, HostKind, Origin};
use crate::types::{Confidence, Hit, RefKind, RuleKind, RuleRef};

/// Bytes of the line before a token that a context rule (`after`) sees.
pub const MAX_PREFIX: usize = 256;

/// The text before a token on its line, for context rules: given, or cut from the file only
/// when a rule asks for it.
pub(crate) enum Prefix<'a> {
    Text(&'a str),
    Lazy {
        buf: &'a [u8],
        at: usize,
        text: std::cell::OnceCell<String>,
    },
}

impl<'a> Prefix<'a> {
    /// The prefix of the token at `at` in `buf`, cut from the file only when a rule asks.
    pub(crate) fn lazy(buf: &'a [u8], at: usize) -> Self {
        Prefix::Lazy {
            buf,
            at,
            text: std::cell::OnceCell::new(),
        }
    }

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

struct NsRule {
    index: usize,
    names: Option<LazyRegex>,
}

struct PatternRule {
    index: usize,
    after: Option<LazyRegex>,
}

/// A regex of the database, compiled when the resolver is built (`eager`) or the first time a
/// token needs it. Compiling every regex of the embedded database takes longer than the rest of
/// a small scan; its regexes are known to compile (`build.rs` parses them, the tests and
/// `rules check` compile them), so it compiles only those a scan uses.
struct LazyRegex {
    src: String,
    re: OnceLock<Regex>,
}

impl LazyRegex {
    fn new(src: String, eager: bool) -> Result<LazyRegex, regex::Error> {
        let re = OnceLock::new();
        if eager {
            let _ = re.set(Regex::new(&src)?);
        }
        Ok(LazyRegex { src, re })
    }

    fn get(&self) -> &Regex {
        self.re.get_or_init(|| {
            Regex::new(&self.src)
                .unwrap_or_else(|e| panic!("rules database: regex `{}`: {e}", self.src))
        })
    }
}

fn full(re: &str) -> String {
    format!("^(?:{re})$")
}

/// The compiled identifier rules of a database: patterns, namespaces, hosts, routes and
/// derivative shapes. Build once per run; it is `Sync` and shared by all worker threads.
pub struct Resolver {
    db: std::sync::Arc<Database>,
    /// The patterns' regexes, anchored, compiled together (on first use, as [`LazyRegex`]).
    set: OnceLock<RegexSet>,
    set_src: Vec<String>,
    set_rules: Vec<PatternRule>,
    namespaces: HashMap<String, Vec<NsRule>>,
    hosts_exact: HashMap<String, usize>,
    hosts_suffix: Vec<(String, usize)>,
    routes: HashMap<String, usize>,
    derivatives: Vec<(usize, LazyRegex)>,
    /// The derivative regexes compiled together (on first use): which of them match a name,
    /// in one pass instead of one search per family.
    derivative_set: OnceLock<RegexSet>,
    /// org id -> families with a derivative regex (index into `derivatives`).
    org_derivatives: HashMap<String, Vec<usize>>,
}

impl Resolver {
    /// The resolver of `db`. The regexes of a database read at run time are compiled here (an
    /// invalid one is an error); those of the embedded database when a token first needs them.
    pub fn new(db: std::sync::Arc<Database>) -> Result<Resolver, String> {
        let eager = db.origin != Origin::Embedded;
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
                Some(a) => Some(
                    LazyRegex::new(a.clone(), eager)
                        .map_err(|e| format!("pattern {}: {e}", p.id))?,
                ),
                None => None,
            };
            set_rules.push(PatternRule { index: i, after });
        }
        let set = OnceLock::new();
        if eager {
            let _ = set.set(RegexSet::new(&set_src).map_err(|e| e.to_string())?);
        }

        let mut namespaces: HashMap<String, Vec<NsRule>> = HashMap::new();
        for (i, n) in db.namespaces.iter().enumerate() {
            let names = match &n.names {
                Some(r) => Some(
                    LazyRegex::new(full(r), eager)
                        .map_err(|e| format!("namespace {}: {e}", n.name))?,
                ),
                None => None,
            };
            namespaces
                .entry(n.name.to_ascii_lowercase())
                .or_default()
                .push(NsRule { index: i, names });
        }

        let mut hosts_exact = HashMap::new();
        let mut hosts_suffix = Vec::new();
        for (i, h) in db.hosts.iter().enumerate() {
            for d in &h.domains {
                hosts_exact.insert(d.clone(), i);
                if h.subdomains {
                    hosts_suffix.push((format!(".{d}"), i));
                }
            }
        }
        let mut routes = HashMap::new();
        for (i, r) in db.routes.iter().enumerate() {
            routes.insert(r.prefix.to_ascii_lowercase(), i);
        }
        let mut derivatives = Vec::new();
        let mut org_derivatives: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, f) in db.families.iter().enumerate() {
            if let Some(d) = &f.derivative {
                let re = LazyRegex::new(d.clone(), eager)
                    .map_err(|e| format!("family {}: {e}", f.id))?;
                org_derivatives
                    .entry(f.org.clone())
                    .or_default()
                    .push(derivatives.len());
                derivatives.push((i, re));
            }
        }
        Ok(Resolver {
            db,
            set,
            set_src,
            set_rules,
            namespaces,
            hosts_exact,
            hosts_suffix,
            routes,
            derivatives,
            derivative_set: OnceLock::new(),
            org_derivatives,
        })
    }

    pub fn db(&self) -> &Database {
        &self.db
    }

    fn set(&self) -> &RegexSet {
        self.set.get_or_init(|| {
            RegexSet::new(&self.set_src)
                .unwrap_or_else(|e| panic!("rules database: pattern regexes: {e}"))
        })
    }

    /// The database, shared.
    pub fn db_arc(&self) -> std::sync::Arc<Database> {
        self.db.clone()
    }

    /// Where the API model names of `org` in the file `buf` are served: the one endpoint of the
    /// organisation the file names (with the domain, for `via`), else the organisation's
    /// default API (its region left to the client's endpoint). Called once per file and
    /// organisation.
    pub fn api_host_in(&self, org: &str, buf: &[u8]) -> Option<(String, Option<String>)> {
        let mut named: Vec<(&crate::rules::Host, &str)> = Vec::new();
        for h in &self.db.hosts {
            if h.operator.as_deref() != Some(org)
                || h.default_api
                || !matches!(h.kind, HostKind::Api | HostKind::Cloud)
            {
                continue;
            }
            if let Some(d) = h
                .domains
                .iter()
                .find(|d| memchr::memmem::find(buf, d.as_bytes()).is_some())
            {
                named.push((h, d));
            }
        }
        if let Some((first, d)) = named.first()
            && named
                .iter()
                .all(|(h, _)| h.jurisdiction == first.jurisdiction)
        {
            return Some((
                first.id.clone(),
                Some(format!("endpoint `{d}` named in the same file")),
            ));
        }
        self.db
            .hosts
            .iter()
            .find(|h| h.default_api && h.operator.as_deref() == Some(org))
            .map(|h| (h.id.clone(), None))
    }

    /// The developer of an entry of `owner` naming `family`: the family's own organisation, so
    /// that a publisher's fine-tune of another developer's model is that developer's (the
    /// resolver names the publisher from the entry).
    fn developer(&self, family: Option<&str>, owner: &str) -> String {
        family
            .and_then(|f| self.db.family(f))
            .map_or(owner, |f| f.org.as_str())
            .to_string()
    }

    /// Decides what one token is, if anything. `prefix` is the text before it on its line.
    pub fn resolve_token(&self, token: &str, prefix: &str) -> Option<Hit> {
        self.resolve(token, &Prefix::Text(prefix))
    }

    pub(crate) fn resolve(&self, token: &str, prefix: &Prefix<'_>) -> Option<Hit> {
        let hit = self
            .resolve_plain(token, prefix)
            .or_else(|| self.model_value(token, prefix));
        match self.cloud_tag(token, hit.as_ref()) {
            Some(h) => Some(h),
            None => hit,
        }
    }

    /// An Ollama cloud tag (`glm-5:cloud`, `qwen3-coder:480b-cloud`,
    /// `deepseek-v4-flash:0731:cloud`): the name before the first `:` names the model, and it
    /// runs on Ollama's hosted service when the database has such a host.
    fn cloud_tag(&self, token: &str, plain: Option<&Hit>) -> Option<Hit> {
        let lower = token.to_ascii_lowercase();
        let (base, tag) = lower.split_once(':')?;
        if !(tag == "cloud" || tag.ends_with(":cloud") || tag.ends_with("-cloud"))
            || base.contains('/')
            || self.db.host("ollama-cloud").is_none()
        {
            return None;
        }
        let base = &token[..base.len()];
        let mut hit = match plain {
            Some(h) if h.kind == RefKind::OllamaTag => h.clone(),
            _ => {
                if let Some(h) = self
                    .match_pattern(base, &Prefix::Text(""))
                    .filter(|h| h.kind.names_model())
                {
                    h
                } else {
                    let (_, f) = self.family_by_shape(base).or_else(|| {
                        // A bare family name with a version (`qwen3.5`, `glm-5`).
                        self.db.families.iter().enumerate().find(|(_, f)| {
                            f.keywords.iter().any(|k| {
                                base.to_ascii_lowercase()
                                    .strip_prefix(&k.to_ascii_lowercase())
                                    .is_some_and(|r| {
                                        r.trim_start_matches(['-', '.'])
                                            .as_bytes()
                                            .first()
                                            .is_some_and(u8::is_ascii_digit)
                                    })
                            })
                        })
                    })?;
                    family_hit(
                        RefKind::OllamaTag,
                        token.to_string(),
                        f,
                        None,
                        Confidence::High,
                    )
                }
            }
        };
        hit.kind = RefKind::OllamaTag;
        hit.identifier = token.to_string();
        hit.host = Some("ollama-cloud".into());
        hit.rules.push(RuleRef::new(RuleKind::Host, "ollama-cloud"));
        Some(hit)
    }

    fn resolve_plain(&self, token: &str, prefix: &Prefix<'_>) -> Option<Hit> {
        if let Some(i) = token.find("://") {
            if let Some(h) = self.resolve_scheme(&token[..i], &token[i + 3..]) {
                return Some(h);
            }
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
        let matches = self.set().matches(token);
        if !matches.matched_any() {
            return None;
        }
        for i in matches.iter() {
            let rule = &self.set_rules[i];
            if let Some(a) = &rule.after
                && !a.get().is_match(prefix.get())
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
                crate::rules::PatternKind::HubSwitch => RefKind::Hub,
            };
            let switch = p.kind == crate::rules::PatternKind::HubSwitch;
            let mut rules = vec![RuleRef::new(RuleKind::Pattern, p.id.to_string())];
            if let Some(f) = &p.family {
                rules.push(RuleRef::new(RuleKind::Family, f.to_string()));
            }
            if let Some(h) = &p.host {
                rules.push(RuleRef::new(RuleKind::Host, h.to_string()));
            }
            // A hub switch names where downloads come from, not a developer; a name of another
            // organisation's fine-tune belongs to the base model's developer (the resolver names
            // the publisher).
            let org = (!switch).then(|| self.developer(p.family.as_deref(), &p.org));
            return Some(Hit {
                kind,
                identifier: token.to_string(),
                org,
                family: p.family.clone(),
                host: p.host.clone(),
                via: switch.then(|| "a hub switch set to a true value".to_string()),
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
            rules: vec![RuleRef::new(RuleKind::Host, h.id.to_string())],
        }
    }

    fn resolve_host_only(&self, token: &str) -> Option<Hit> {
        let host = strip_userinfo_port(token);
        if !looks_like_domain(host) {
            return None;
        }
        self.lookup_host(host).map(|i| self.host_hit(i, host))
    }

    /// A bare name with a family's shape as the value of a key that names a model
    /// (`"model": "deepseek-r1"`, `model_name="glm4-9b-chat"`, `--model chatglm3-6b`): a model of
    /// that family, where it is served left to the file.
    fn model_value(&self, token: &str, prefix: &Prefix<'_>) -> Option<Hit> {
        // A name in code (`Glm4Model`, `GLM52_MODEL_ID`): model names carry `-` or `.`, or are
        // lower case (`glm4`).
        if token.contains(['/', ':'])
            || (!token.contains(['-', '.']) && token.bytes().any(|b| b.is_ascii_uppercase()))
        {
            return None;
        }
        // The shape first: the text before the token is cut from the file only for a candidate
        // that has one.
        let (_, f) = self.family_by_shape(token)?;
        if !model_key_at_end(prefix.get()) {
            return None;
        }
        Some(family_hit(
            RefKind::ApiModel,
            token.to_string(),
            f,
            None,
            Confidence::Medium,
        ))
    }

    /// A model named by a host's URI scheme: `hf://Qwen/Qwen2.5-7B-Instruct` (a repository on
    /// the hub), `ollama://qwen2.5:7b` (a name of the runtime).
    fn resolve_scheme(&self, scheme: &str, rest: &str) -> Option<Hit> {
        let scheme = scheme.to_ascii_lowercase();
        let h = self.db.hosts.iter().find(|h| h.schemes.contains(&scheme))?;
        let mut hit = if matches!(h.kind, HostKind::Hub | HostKind::Mirror) {
            let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
            if segs.len() < 2 {
                return None;
            }
            self.resolve_pair(segs[0], segs[1], Some(&h.id))?
        } else {
            self.match_pattern(rest, &Prefix::Text(""))
                .filter(|m| m.kind.names_model())?
        };
        hit.host = Some(h.id.clone());
        hit.via = Some(format!("URI scheme `{scheme}://`"));
        hit.rules
            .push(RuleRef::new(RuleKind::Host, h.id.to_string()));
        Some(hit)
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
            // `/datasets/<ns>/<name>` (also behind an API version, `api/v1/datasets/…`): a data
            // set, inventory only, attributed to no developer.
            if let Some(d) = segs.iter().take(3).position(|s| *s == "datasets") {
                let rest = &segs[d + 1..];
                let mut rules = hit.rules.clone();
                rules.push(RuleRef::new(RuleKind::Host, h.id.to_string()));
                rules.dedup();
                return Some(Hit {
                    kind: RefKind::Dataset,
                    identifier: if rest.len() >= 2 {
                        format!("{}/{}", rest[0], rest[1])
                    } else {
                        format!("{host}/datasets")
                    },
                    org: None,
                    family: None,
                    host: None,
                    via: Some(format!("dataset on {}", h.name)),
                    confidence: Confidence::Medium,
                    rules,
                });
            }
            let is_repo =
                segs.len() >= 2 && !matches!(segs[0], "datasets" | "spaces" | "docs" | "blog");
            if is_repo {
                let hub_for_ns = if h.kind == HostKind::Mirror {
                    "huggingface"
                } else {
                    h.id.as_str()
                };
                // A namespace of the developer known on another hub (`deepseek-ai`, `BAAI` on
                // ModelScope) names the developer as it does there; only then a name's shape.
                let on_hub = self.resolve_pair(segs[0], segs[1], Some(hub_for_ns));
                let named = match on_hub {
                    Some(ref m) if m.kind != RefKind::Derivative => on_hub,
                    _ => self
                        .resolve_pair(segs[0], segs[1], None)
                        .filter(|m| m.kind == RefKind::HubRepo)
                        .or(on_hub),
                };
                if let Some(mut model) = named {
                    model.host = Some(h.id.clone());
                    model
                        .rules
                        .push(RuleRef::new(RuleKind::Host, h.id.to_string()));
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
            && self.db.routes[ri].prefix == segs[0]
            && !(self.db.routes[ri].repo_ids && segs.len() < 3)
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
                    self.family_by_shape(&rest).map(|(_, f)| {
                        family_hit(
                            RefKind::RouterModel,
                            rest.clone(),
                            f,
                            None,
                            Confidence::High,
                        )
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
                // The route decides where the request goes: what follows `openrouter/` is an
                // OpenRouter id (`openrouter/deepseek/deepseek-chat`), whatever another route
                // would make of it.
                h.host = Some(route.host.clone());
                h.kind = RefKind::RouterModel;
                h.identifier = segs.join("/");
                h.via = Some(format!("{} route `{}/`", route.tool, route.prefix));
                h.rules
                    .push(RuleRef::new(RuleKind::Route, route.prefix.to_string()));
                h.rules
                    .push(RuleRef::new(RuleKind::Host, route.host.to_string()));
                return Some(h);
            }
        }
        let last = segs.len().saturating_sub(2);
        for (i, w) in segs.windows(2).enumerate() {
            if let Some(h) = self.resolve_pair(w[0], w[1], hub) {
                // Inside a path only a known namespace names a repository: two inner folders
                // (`results/bge-large-en-v1.5/…/eval.json`, base64 data) are not a third
                // party's. The first pair and the last (`accounts/x/models/<name>`) may be.
                if i > 0 && i < last && h.kind == RefKind::Derivative {
                    continue;
                }
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
                    && !re.get().is_match(name)
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
                let ns_rule = RuleRef::new(RuleKind::Namespace, format!("{}@{}", n.name, n.host));
                if n.reupload {
                    // A hub's re-upload namespace: the name says whose model it is; the hub
                    // serves it. An unknown name is still a repository on that hub.
                    let mut hit = match self.family_by_shape(name) {
                        Some((_, f)) => family_hit(
                            RefKind::HubRepo,
                            format!("{ns}/{name}"),
                            f,
                            None,
                            Confidence::Medium,
                        ),
                        None => Hit {
                            kind: RefKind::HubRepo,
                            identifier: format!("{ns}/{name}"),
                            org: None,
                            family: None,
                            host: None,
                            via: None,
                            confidence: Confidence::Medium,
                            rules: Vec::new(),
                        },
                    };
                    hit.host = Some(n.host.clone());
                    hit.via = Some(format!(
                        "re-upload namespace `{}` of {}",
                        n.name,
                        host.map_or(n.host.as_str(), |h| h.name.as_str())
                    ));
                    hit.rules.insert(0, ns_rule);
                    return Some(hit);
                }
                let family = self
                    .org_derivatives
                    .get(&n.org)
                    .and_then(|ds| {
                        ds.iter()
                            .map(|&d| &self.derivatives[d])
                            .find(|(_, re)| re.get().is_match(name))
                            .map(|(fi, _)| self.db.families[*fi].id.clone())
                    })
                    .or_else(|| n.family.clone());
                let mut rules = vec![ns_rule];
                if let Some(f) = &family {
                    rules.push(RuleRef::new(RuleKind::Family, f.to_string()));
                }
                let router = host.is_some_and(|h| h.kind == HostKind::Router);
                // A publisher's fine-tune of another developer's model (`FlagAlpha` on Meta's
                // Llama, `agentica-org` on a DeepSeek distill): the developer is the base model's;
                // the resolver names the publisher from the namespace.
                let org = self.developer(family.as_deref(), &n.org);
                return Some(Hit {
                    kind: if router {
                        RefKind::RouterModel
                    } else {
                        RefKind::HubRepo
                    },
                    identifier: format!("{ns}/{name}"),
                    org: Some(org),
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
        // Two model names joined by a slash (`Qwen3-VL/GLM4.5V`, `Qwen3.5/Qwen3-Next`) are a
        // list, not a repository: a third party's namespace is not itself a model name.
        if self.family_by_shape(ns).is_some() || self.names_a_version(ns) {
            return None;
        }
        let (_, f) = self.family_by_shape(name)?;
        Some(family_hit(
            RefKind::Derivative,
            format!("{ns}/{name}"),
            f,
            None,
            Confidence::Medium,
        ))
    }

    /// A local path (`/models/chatglm3-6b`, `/path/to/DeepSeek-V3.1-source/config.json`): the
    /// model is named by the folder's name when it has a family's shape; the path is the
    /// identifier.
    pub fn resolve_local(&self, path: &str) -> Option<Hit> {
        // The folder's own name; for a file in it (`…/chatglm3-6b/config.json`), its folder's.
        // A model's name higher up is a checkout of a code repository, not weights.
        let mut comps = path.rsplit('/').filter(|c| !c.is_empty());
        let last = comps.next()?;
        let named = if last.contains('.') && self.family_by_shape(last).is_none() {
            comps.next()?
        } else {
            last
        };
        let (_, f) = self.family_by_shape(named)?;
        Some(family_hit(
            RefKind::LocalModel,
            path.to_string(),
            f,
            Some("a local folder".into()),
            Confidence::Medium,
        ))
    }

    /// `Qwen3.5`, `GLM4`: a family keyword followed by a version, the name of a model rather
    /// than of a publisher.
    fn names_a_version(&self, name: &str) -> bool {
        let lower = name.to_ascii_lowercase();
        self.db.families.iter().any(|f| {
            f.keywords.iter().any(|k| {
                let k = k.to_ascii_lowercase();
                lower
                    .strip_prefix(k.as_str())
                    .is_some_and(|rest| rest.as_bytes().first().is_some_and(u8::is_ascii_digit))
            })
        })
    }

    /// The first family whose derivative shape the name has.
    fn family_by_shape(&self, name: &str) -> Option<(usize, &crate::rules::Family)> {
        if !looks_like_hub_name(name) {
            return None;
        }
        let set = self.derivative_set.get_or_init(|| {
            RegexSet::new(self.derivatives.iter().map(|(_, re)| &re.src))
                .unwrap_or_else(|e| panic!("rules database: derivative regexes: {e}"))
        });
        // The first family (in database order) whose regex matches, as one search each would.
        let d = set.matches(name).iter().next()?;
        let fi = self.derivatives[d].0;
        Some((fi, &self.db.families[fi]))
    }
}

/// Keys whose value names a model, compared in lower case with `-` read as `_`.
const MODEL_KEYS: &[&str] = &[
    "model",
    "model_name",
    "model_id",
    "llm_model",
    "chat_model",
    "base_model",
    "model_name_or_path",
    "embedding_model",
    "embed_model",
    "rerank_model",
    "reranker_model",
];

/// `prefix` ends with a key that names a model and its separator: `model: `, `"model": "`,
/// `model_name='`, `--model `.
fn model_key_at_end(prefix: &str) -> bool {
    let t = prefix.trim_end_matches([' ', '\t', '"', '\'', '`']);
    let (t, sep) = match t.strip_suffix([':', '=']) {
        Some(t) => (t.trim_end_matches([' ', '\t', '"', '\'']), true),
        None => (t, false),
    };
    let start = t
        .char_indices()
        .rfind(|&(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let word = &t[start..];
    if !sep && !word.starts_with("--") {
        return false;
    }
    let key = word
        .trim_start_matches('-')
        .to_ascii_lowercase()
        .replace('-', "_");
    let key = key.rsplit('.').next().unwrap_or(&key);
    MODEL_KEYS.contains(&key)
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

/// A hit that the shape of a family's name decided: the family and its developer, no host.
fn family_hit(
    kind: RefKind,
    identifier: impl Into<String>,
    f: &crate::rules::Family,
    via: Option<String>,
    confidence: Confidence,
) -> Hit {
    Hit {
        kind,
        identifier: identifier.into(),
        org: Some(f.org.clone()),
        family: Some(f.id.clone()),
        host: None,
        via,
        confidence,
        rules: vec![RuleRef::new(RuleKind::Family, f.id.clone())],
    }
}
