//! Structural validation of a loaded database: ids, references between entries, sources, dates,
//! and patterns that compile. Examples are checked by the real detector in `detect::text`.

use std::collections::HashSet;

use super::Database;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub message: String,
}

/// True for `YYYY-MM-DD` with a plausible month and day.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if !(digits(0..4) && digits(5..7) && digits(8..10)) {
        return false;
    }
    let m: u32 = s[5..7].parse().unwrap_or(0);
    let d: u32 = s[8..10].parse().unwrap_or(0);
    (1..=12).contains(&m) && (1..=31).contains(&d)
}

pub fn validate(db: &Database) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut p = |key: &str, msg: String| {
        out.push(Problem {
            file: db.file_of(key).to_string(),
            message: msg,
        })
    };
    if !is_date(&db.meta.as_of) {
        out_push_meta(&mut p, &db.meta.as_of);
    }

    let mut check_common = |key: &str, what: &str, sources: &[String], as_of: &str| {
        if sources.is_empty() {
            p(key, format!("{what}: no sources"));
        }
        for s in sources {
            if !db.sources.contains_key(s) {
                p(key, format!("{what}: unknown source `{s}`"));
            }
        }
        if !is_date(as_of) {
            p(
                key,
                format!("{what}: as_of `{as_of}` is not a YYYY-MM-DD date"),
            );
        }
    };

    for o in &db.orgs {
        check_common(
            &format!("org:{}", o.id),
            &format!("org `{}`", o.id),
            &o.sources,
            &o.as_of,
        );
    }
    for f in &db.families {
        check_common(
            &format!("family:{}", f.id),
            &format!("family `{}`", f.id),
            &f.sources,
            &f.as_of,
        );
    }
    for h in &db.hosts {
        check_common(
            &format!("host:{}", h.id),
            &format!("host `{}`", h.id),
            &h.sources,
            &h.as_of,
        );
    }
    for n in &db.namespaces {
        check_common(
            &format!("org:{}", n.org),
            &format!("namespace `{}`", n.name),
            &n.sources,
            &n.as_of,
        );
    }
    for r in &db.routes {
        check_common(
            &format!("host:{}", r.host),
            &format!("route `{}/`", r.prefix),
            &r.sources,
            &r.as_of,
        );
    }
    for pat in &db.patterns {
        check_common(
            &format!("pattern:{}", pat.id),
            &format!("pattern `{}`", pat.id),
            &pat.sources,
            &pat.as_of,
        );
    }
    for l in &db.lists {
        check_common(
            &format!("list:{}", l.id),
            &format!("list `{}`", l.id),
            &l.sources,
            &l.as_of,
        );
    }
    for l in &db.listings {
        let key = format!("listing:{}", l.id);
        check_common(&key, &format!("listing `{}`", l.id), &l.sources, &l.as_of);
    }

    // Unique ids.
    let dup = |kind: &str, ids: Vec<String>| {
        let mut seen = HashSet::new();
        let mut d = Vec::new();
        for id in ids {
            if !seen.insert(id.clone()) {
                d.push(format!("duplicate {kind} id `{id}`"));
            }
        }
        d
    };
    let mut dups = Vec::new();
    dups.extend(dup("org", db.orgs.iter().map(|x| x.id.clone()).collect()));
    dups.extend(dup(
        "family",
        db.families.iter().map(|x| x.id.clone()).collect(),
    ));
    dups.extend(dup("host", db.hosts.iter().map(|x| x.id.clone()).collect()));
    dups.extend(dup(
        "pattern",
        db.patterns.iter().map(|x| x.id.clone()).collect(),
    ));
    dups.extend(dup("list", db.lists.iter().map(|x| x.id.clone()).collect()));
    dups.extend(dup(
        "listing",
        db.listings.iter().map(|x| x.id.clone()).collect(),
    ));
    dups.extend(dup(
        "namespace",
        db.namespaces
            .iter()
            .map(|n| format!("{}@{}", n.name, n.host))
            .collect(),
    ));
    for d in dups {
        out.push(Problem {
            file: "rules".into(),
            message: d,
        });
    }

    let mut p = |key: &str, msg: String| {
        out.push(Problem {
            file: db.file_of(key).to_string(),
            message: msg,
        })
    };
    let regex_ok = |r: &str| regex::Regex::new(r).map(|_| ()).map_err(|e| e.to_string());

    // References between entries.
    for f in &db.families {
        let key = format!("family:{}", f.id);
        if db.org(&f.org).is_none() {
            p(&key, format!("family `{}`: unknown org `{}`", f.id, f.org));
        }
        if f.keywords.is_empty() {
            p(&key, format!("family `{}`: no keywords", f.id));
        }
        if let Some(r) = &f.derivative
            && let Err(e) = regex_ok(r)
        {
            p(
                &key,
                format!("family `{}`: invalid derivative regex: {e}", f.id),
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
            if d.is_empty()
                || d.chars().any(|c| {
                    !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
                })
            {
                p(
                    &key,
                    format!("host `{}`: domain `{d}` must be lower-case ASCII", h.id),
                );
            }
        }
    }
    for n in &db.namespaces {
        let key = format!("org:{}", n.org);
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
        if let Some(r) = &n.names
            && let Err(e) = regex_ok(r)
        {
            p(
                &key,
                format!("namespace `{}`: invalid names regex: {e}", n.name),
            );
        }
    }
    for r in &db.routes {
        if db.host(&r.host).is_none() {
            p(
                &format!("host:{}", r.host),
                format!("route `{}/`: unknown host `{}`", r.prefix, r.host),
            );
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
                if let Err(e) = regex_ok(r) {
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
        if let Some(a) = &pat.after
            && let Err(e) = regex_ok(a)
        {
            p(
                &key,
                format!("pattern `{}`: invalid after regex: {e}", pat.id),
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
    }
    out
}

fn out_push_meta(p: &mut impl FnMut(&str, String), as_of: &str) {
    p(
        "meta",
        format!("meta.toml: as_of `{as_of}` is not a YYYY-MM-DD date"),
    );
}
