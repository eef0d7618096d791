//! Structural validation of a loaded database: ids, references between entries, sources, dates,
//! and patterns that compile. Examples are checked by the real detector in `detect::text`.

use std::collections::HashSet;
use std::fmt;

use super::Database;
use crate::util::is_date;

/// One problem of a database, pointed at a file and, where it can be found, a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl Problem {
    /// `file:line` (or `file` when the line is unknown).
    pub fn location(&self) -> String {
        match self.line {
            Some(l) => format!("{}:{l}", self.file),
            None => self.file.clone(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location(), self.message)
    }
}

/// Every entry's `sources` (present, known) and `as_of` (a date).
pub(super) fn check_common(
    db: &Database,
    key: &str,
    sources: &[String],
    as_of: &str,
    p: &mut impl FnMut(&str, String),
) {
    if sources.is_empty() {
        p(key, format!("{key}: no sources"));
    }
    for s in sources {
        if !db.sources.contains_key(s) {
            p(key, format!("{key}: unknown source `{s}`"));
        }
    }
    if !is_date(as_of) {
        p(
            key,
            format!("{key}: as_of `{as_of}` is not a YYYY-MM-DD date"),
        );
    }
}

/// The part of `text` that records how a source was looked up rather than what it is (a result
/// number such as `id 70099710725` or `ids: 62597746449, …`), if any. A citation names a document
/// a reader can open.
pub fn is_search_trace(text: &str) -> Option<String> {
    static ID: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = ID.get_or_init(|| {
        regex::Regex::new(r"(?i)\b(?:hit |result )?ids?[ :#]+[0-9]{6,}\b").expect("valid regex")
    });
    re.find(text).map(|m| m.as_str().to_string())
}

/// Every `[[source]]`: a citation that says what it is, a URL a reader can open, and a kind.
fn validate_sources(db: &Database, out: &mut Vec<Problem>) {
    for (id, s) in &db.sources {
        let key = format!("source:{id}");
        let mut p = |msg: String| out.push(db.problem(&key, msg));
        match s.url.as_deref().map(str::trim) {
            None | Some("") => p(format!(
                "source `{id}`: no url (every source needs a public URL a reader can open)"
            )),
            Some(u)
                if !(u.starts_with("https://") || u.starts_with("http://")) || u.contains(' ') =>
            {
                p(format!("source `{id}`: url `{u}` is not an http(s) URL"))
            }
            Some(_) => {}
        }
        if s.kind.is_none() {
            p(format!(
                "source `{id}`: no kind (give kind = \"primary\" or \"secondary\")"
            ));
        }
        for text in [Some(s.citation.as_str()), s.url.as_deref()]
            .into_iter()
            .flatten()
        {
            if let Some(t) = is_search_trace(text) {
                p(format!(
                    "source `{id}`: the citation says how it was found (`{t}`); name the document, file or page instead"
                ));
            }
        }
    }
}

fn regex_error(r: &str) -> Option<String> {
    regex::Regex::new(r).err().map(|e| {
        e.to_string()
            .lines()
            .last()
            .unwrap_or("invalid")
            .trim()
            .to_string()
    })
}

pub fn validate(db: &Database) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut p = |key: &str, msg: String| out.push(db.problem(key, msg));

    if !is_date(&db.meta.as_of) {
        out_meta(&mut p, &db.meta.as_of);
    }

    let mut common =
        |key: &str, sources: &[String], as_of: &str| check_common(db, key, sources, as_of, &mut p);
    for o in &db.orgs {
        common(&format!("org:{}", o.id), &o.sources, &o.as_of);
    }
    for f in &db.families {
        common(&format!("family:{}", f.id), &f.sources, &f.as_of);
    }
    for h in &db.hosts {
        common(&format!("host:{}", h.id), &h.sources, &h.as_of);
    }
    for n in &db.namespaces {
        common(
            &format!("namespace:{}@{}", n.name, n.host),
            &n.sources,
            &n.as_of,
        );
    }
    for r in &db.routes {
        common(&format!("route:{}", r.prefix), &r.sources, &r.as_of);
    }
    for pat in &db.patterns {
        common(&format!("pattern:{}", pat.id), &pat.sources, &pat.as_of);
    }
    for l in &db.lists {
        common(&format!("list:{}", l.id), &l.sources, &l.as_of);
    }
    for l in &db.listings {
        common(&format!("listing:{}", l.id), &l.sources, &l.as_of);
    }
    for l in &db.lists {
        for n in &l.note {
            common(&format!("list:{}", l.id), &n.sources, &n.as_of);
        }
    }
    for pk in &db.packages {
        common(&pk.key(), &pk.sources, &pk.as_of);
    }
    for c in &db.contexts {
        common(&format!("context:{}", c.id), &c.sources, &c.as_of);
    }

    let mut p = |key: &str, msg: String| out.push(db.problem(key, msg));

    // Unique ids.
    let mut dup = |kind: &str, ids: Vec<String>| {
        let mut seen = HashSet::new();
        for id in ids {
            if !seen.insert(id.clone()) {
                p(
                    &format!("{kind}:{id}"),
                    format!("duplicate {kind} id `{id}`"),
                );
            }
        }
    };
    dup("org", db.orgs.iter().map(|x| x.id.clone()).collect());
    dup("family", db.families.iter().map(|x| x.id.clone()).collect());
    dup("host", db.hosts.iter().map(|x| x.id.clone()).collect());
    dup(
        "pattern",
        db.patterns.iter().map(|x| x.id.clone()).collect(),
    );
    dup("list", db.lists.iter().map(|x| x.id.clone()).collect());
    dup(
        "context",
        db.contexts.iter().map(|x| x.id.clone()).collect(),
    );
    dup(
        "listing",
        db.listings.iter().map(|x| x.id.clone()).collect(),
    );
    dup(
        "route",
        db.routes
            .iter()
            .map(|x| x.prefix.to_ascii_lowercase())
            .collect(),
    );
    dup(
        "namespace",
        db.namespaces
            .iter()
            .map(|n| format!("{}@{}", n.name, n.host))
            .collect(),
    );
    let mut domains = HashSet::new();
    for h in &db.hosts {
        for d in &h.domains {
            if !domains.insert(d.clone()) {
                p(
                    &format!("host:{}", h.id),
                    format!(
                        "host `{}`: domain `{d}` is already claimed by another host",
                        h.id
                    ),
                );
            }
        }
    }

    // References between entries, and patterns that compile.
    for f in &db.families {
        let key = format!("family:{}", f.id);
        if db.org(&f.org).is_none() {
            p(&key, format!("family `{}`: unknown org `{}`", f.id, f.org));
        }
        if f.keywords.iter().all(|k| k.trim().is_empty()) {
            p(&key, format!("family `{}`: no keywords", f.id));
        }
        if let Some(e) = f.derivative.as_deref().and_then(regex_error) {
            p(
                &key,
                format!("family `{}`: invalid derivative regex: {e}", f.id),
            );
        }
        if f.derivative.is_some() && f.examples.must_match.is_empty() {
            p(
                &key,
                format!("family `{}`: a derivative regex needs examples.match", f.id),
            );
        }
    }
    for h in &db.hosts {
        let key = format!("host:{}", h.id);
        if let Some(o) = &h.operator
            && db.org(o).is_none()
        {
            p(&key, format!("host `{}`: unknown operator `{o}`", h.id));
        }
        for d in &h.domains {
            let ok = !d.is_empty()
                && d.contains('.')
                && d.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
            if !ok {
                p(
                    &key,
                    format!(
                        "host `{}`: domain `{d}` must be a lower-case ASCII domain name",
                        h.id
                    ),
                );
            }
        }
    }
    let mut default_api: HashSet<&str> = HashSet::new();
    for h in db.hosts.iter().filter(|h| h.default_api) {
        let key = format!("host:{}", h.id);
        let op = h.operator.as_deref().unwrap_or("");
        if !default_api.insert(op) {
            p(
                &key,
                format!("host `{}`: a second default API of `{op}`", h.id),
            );
        }
        if !h.domains.is_empty() || !h.jurisdiction.is_empty() {
            p(
                &key,
                format!(
                    "host `{}`: a default API names no domain and no jurisdiction (the endpoint decides them)",
                    h.id
                ),
            );
        }
    }
    for n in &db.namespaces {
        let key = format!("namespace:{}@{}", n.name, n.host);
        if db.org(&n.org).is_none() {
            p(
                &key,
                format!("namespace `{}`: unknown org `{}`", n.name, n.org),
            );
        }
        if db.host(&n.host).is_none() {
            p(
                &key,
                format!("namespace `{}`: unknown host `{}`", n.name, n.host),
            );
        }
        if let Some(f) = &n.family
            && db.family(f).is_none()
        {
            p(
                &key,
                format!("namespace `{}`: unknown family `{f}`", n.name),
            );
        }
        if n.reupload && n.family.is_some() {
            p(
                &key,
                format!(
                    "namespace `{}`: a re-upload namespace takes the developer from each name, not a family",
                    n.name
                ),
            );
        }
        if let Some(e) = n.names.as_deref().and_then(regex_error) {
            p(
                &key,
                format!("namespace `{}`: invalid names regex: {e}", n.name),
            );
        }
        if n.examples.must_match.is_empty() {
            p(&key, format!("namespace `{}`: no examples.match", n.name));
        }
    }
    for c in &db.contexts {
        let key = format!("context:{}", c.id);
        match (&c.class, &c.host) {
            (crate::rules::ContextClass::Hub, None) => {
                p(&key, format!("context `{}`: class hub needs a host", c.id))
            }
            (crate::rules::ContextClass::Hub, Some(h)) if db.host(h).is_none() => {
                p(&key, format!("context `{}`: unknown host `{h}`", c.id))
            }
            (crate::rules::ContextClass::Hub, _) => {}
            (_, Some(_)) => p(
                &key,
                format!("context `{}`: only class hub takes a host", c.id),
            ),
            _ => {}
        }
        if c.keys.is_empty()
            && c.second_args.is_empty()
            && c.calls.is_empty()
            && c.commands.is_empty()
            && c.follows.is_empty()
            && c.extensions.is_empty()
            && c.files.is_empty()
            && c.prefixes.is_empty()
            && c.markers.is_empty()
            && c.switches.is_empty()
            && c.folders.is_empty()
            && c.headings.is_empty()
        {
            p(
                &key,
                format!("context `{}`: no keys, calls, files or prefixes", c.id),
            );
        }
        for k in c.keys.iter().chain(&c.calls) {
            let name = k.strip_prefix('*').unwrap_or(k);
            if name.is_empty() || name.contains('*') {
                p(
                    &key,
                    format!(
                        "context `{}`: `{k}` must be a name or `*` and a suffix of names",
                        c.id
                    ),
                );
            }
        }
        for k in &c.keys {
            if crate::rules::normalise_key(k) != *k {
                p(
                    &key,
                    format!(
                        "context `{}`: key `{k}` is not written as it is compared (`{}`)",
                        c.id,
                        crate::rules::normalise_key(k)
                    ),
                );
            }
        }
        for x in &c.extensions {
            if !x.starts_with('.') || x.len() < 2 || x.contains('/') {
                p(
                    &key,
                    format!(
                        "context `{}`: extension `{x}` must be `.` and a suffix",
                        c.id
                    ),
                );
            }
        }
        for x in &c.prefixes {
            if !x.ends_with('/') || x.starts_with('/') {
                p(
                    &key,
                    format!(
                        "context `{}`: prefix `{x}` must be a folder name ending in `/`",
                        c.id
                    ),
                );
            }
        }
        if c.examples.must_match.is_empty() {
            p(&key, format!("context `{}`: no examples.match", c.id));
        }
    }
    for r in &db.routes {
        let key = format!("route:{}", r.prefix);
        if db.host(&r.host).is_none() {
            p(
                &key,
                format!("route `{}/`: unknown host `{}`", r.prefix, r.host),
            );
        }
        if r.examples.must_match.is_empty() {
            p(&key, format!("route `{}/`: no examples.match", r.prefix));
        }
    }
    for pat in &db.patterns {
        let key = format!("pattern:{}", pat.id);
        if db.org(&pat.org).is_none() {
            p(
                &key,
                format!("pattern `{}`: unknown org `{}`", pat.id, pat.org),
            );
        }
        if let Some(f) = &pat.family
            && db.family(f).is_none()
        {
            p(&key, format!("pattern `{}`: unknown family `{f}`", pat.id));
        }
        if let Some(h) = &pat.host
            && db.host(h).is_none()
        {
            p(&key, format!("pattern `{}`: unknown host `{h}`", pat.id));
        }
        match (&pat.regex, &pat.literal) {
            (Some(r), None) => {
                if let Some(e) = regex_error(r) {
                    p(&key, format!("pattern `{}`: invalid regex: {e}", pat.id));
                }
            }
            (None, Some(l)) if !l.is_empty() => {}
            _ => p(
                &key,
                format!(
                    "pattern `{}`: needs exactly one of regex or literal",
                    pat.id
                ),
            ),
        }
        if let Some(e) = pat.after.as_deref().and_then(regex_error) {
            p(
                &key,
                format!("pattern `{}`: invalid after regex: {e}", pat.id),
            );
        }
        let anchored = !pat.anchors.is_empty()
            || pat.literal.is_some()
            || pat.family.as_deref().and_then(|f| db.family(f)).is_some();
        if !anchored {
            p(
                &key,
                format!(
                    "pattern `{}`: no anchors (give anchors, a literal or a family)",
                    pat.id
                ),
            );
        }
        if pat.examples.must_match.is_empty() {
            p(&key, format!("pattern `{}`: no examples.match", pat.id));
        }
    }
    for l in &db.listings {
        let key = format!("listing:{}", l.id);
        if db.list(&l.list).is_none() {
            p(
                &key,
                format!("listing `{}`: unknown list `{}`", l.id, l.list),
            );
        }
        if db.org(&l.org).is_none() {
            p(&key, format!("listing `{}`: unknown org `{}`", l.id, l.org));
        }
        if !is_date(&l.effective) {
            p(
                &key,
                format!(
                    "listing `{}`: effective `{}` is not a YYYY-MM-DD date",
                    l.id, l.effective
                ),
            );
        }
        if l.entities.is_empty() {
            p(&key, format!("listing `{}`: no listed entity names", l.id));
        }
        let primary = l.sources.iter().any(|s| {
            db.sources
                .get(s)
                .is_some_and(|s| s.kind == Some(super::SourceKind::Primary))
        });
        let informational = db
            .list(&l.list)
            .is_some_and(|x| x.kind == super::ListKind::Informational);
        if !primary && !informational {
            p(
                &key,
                format!(
                    "listing `{}`: no primary source (cite the government document itself; press only beside it)",
                    l.id
                ),
            );
        }
        match (&l.withdrawn, l.withdrawn_on.as_deref()) {
            (true, None) => p(
                &key,
                format!(
                    "listing `{}`: withdrawn without withdrawn_on (the date)",
                    l.id
                ),
            ),
            (_, Some(d)) if !is_date(d) => p(
                &key,
                format!(
                    "listing `{}`: withdrawn_on `{d}` is not a YYYY-MM-DD date",
                    l.id
                ),
            ),
            (false, Some(_)) => p(
                &key,
                format!("listing `{}`: withdrawn_on without withdrawn = true", l.id),
            ),
            _ => {}
        }
        let prohibition = db
            .list(&l.list)
            .is_some_and(|x| x.kind == super::ListKind::ProcurementProhibition);
        if prohibition && (l.applies_to.is_empty() || l.prohibits.trim().is_empty()) {
            p(
                &key,
                format!(
                    "listing `{}`: a procurement-prohibition names who must not use it (applies_to) and what (prohibits)",
                    l.id
                ),
            );
        }
    }
    for l in &db.lists {
        let key = format!("list:{}", l.id);
        for n in &l.note {
            for (what, d) in [
                ("effective", Some(n.effective.as_str())),
                ("suspended_from", n.suspended_from.as_deref()),
                ("suspended_until", n.suspended_until.as_deref()),
            ] {
                if let Some(d) = d
                    && !is_date(d)
                {
                    p(
                        &key,
                        format!(
                            "list `{}` note `{}`: {what} `{d}` is not a YYYY-MM-DD date",
                            l.id, n.id
                        ),
                    );
                }
            }
            if n.suspended_from.is_some() != n.suspended_until.is_some() {
                p(
                    &key,
                    format!(
                        "list `{}` note `{}`: a suspension needs both suspended_from and suspended_until",
                        l.id, n.id
                    ),
                );
            }
        }
    }
    validate_packages(db, &mut out);
    validate_sources(db, &mut out);
    super::weights::validate(db, &mut out);
    out.sort_by(|a, b| (&a.file, a.line, &a.message).cmp(&(&b.file, b.line, &b.message)));
    out.dedup();
    out
}

fn out_meta(p: &mut impl FnMut(&str, String), as_of: &str) {
    p(
        "meta:meta",
        format!("meta.toml: as_of `{as_of}` is not a YYYY-MM-DD date"),
    );
}

/// `[[package]]` entries: a known ecosystem, references to orgs, families and hosts, unique names
/// (after the ecosystem's normalisation), and examples that parse to (or away from) the entry.
fn validate_packages(db: &Database, out: &mut Vec<Problem>) {
    use crate::types::Ecosystem;
    let mut seen = HashSet::new();
    for pk in &db.packages {
        let key = pk.key();
        let mut p = |msg: String| out.push(db.problem(&key, msg));
        let Some(eco) = Ecosystem::parse(&pk.ecosystem) else {
            p(format!(
                "{key}: unknown ecosystem `{}` (use crates.io, PyPI, npm or Go)",
                pk.ecosystem
            ));
            continue;
        };
        if pk.name.trim().is_empty() || eco.normalize(&pk.name) != eco.normalize(pk.name.trim()) {
            p(format!("{key}: empty or padded name"));
        }
        if !seen.insert((eco, eco.normalize(&pk.name))) {
            p(format!("{key}: duplicate package `{}`", pk.name));
        }
        if pk.org.is_empty() {
            if pk.default_models.is_empty() {
                p(format!("{key}: needs an org or default_models"));
            }
        } else if db.org(&pk.org).is_none() {
            p(format!("{key}: unknown org `{}`", pk.org));
        }
        if let Some(f) = &pk.family
            && db.family(f).is_none()
        {
            p(format!("{key}: unknown family `{f}`"));
        }
        if let Some(h) = &pk.host
            && db.host(h).is_none()
        {
            p(format!("{key}: unknown host `{h}`"));
        }
        if pk.examples.must_match.is_empty() {
            p(format!("{key}: no examples.match"));
        }
        for m in &pk.examples.must_match {
            match eco.spec_name(m) {
                Some(n) if eco.normalize(&n) == eco.normalize(&pk.name) => {}
                Some(n) => p(format!(
                    "{key}: example `{m}` names `{n}`, not this package"
                )),
                None => p(format!(
                    "{key}: example `{m}` is not a {} dependency",
                    eco.as_str()
                )),
            }
        }
    }
    // A must-not-match example must name no package of the ecosystem (checked after all entries
    // are known).
    for pk in &db.packages {
        let Some(eco) = Ecosystem::parse(&pk.ecosystem) else {
            continue;
        };
        for m in &pk.examples.no_match {
            let Some(n) = eco.spec_name(m) else { continue };
            if let Some(other) = db.packages.iter().find(|o| {
                !o.withdrawn
                    && Ecosystem::parse(&o.ecosystem) == Some(eco)
                    && eco.normalize(&o.name) == eco.normalize(&n)
            }) {
                out.push(db.problem(
                    &pk.key(),
                    format!(
                        "{}: must-not-match example `{m}` names package `{}`",
                        pk.key(),
                        other.name
                    ),
                ));
            }
        }
    }
}
