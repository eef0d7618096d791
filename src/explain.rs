//! `modelgate explain QUERY`: a check's documentation, or a cited dossier of an organisation, a
//! host, or whatever an identifier resolves to.

use std::fmt::Write;

use crate::checks;
use crate::policy::{self, Policy};
use crate::resolve;
use crate::resolve::Resolver;
use crate::rules::{Database, Host, Org};
use crate::types::{Evidence, Reference};

fn cite(db: &Database, ids: &[String], out: &mut Vec<String>) {
    for id in ids {
        let line = match db.sources.get(id) {
            Some(s) => {
                let kind = s
                    .kind
                    .map_or(String::new(), |k| format!("({}) ", k.as_str()));
                match &s.url {
                    Some(u) => format!("[{id}] {kind}{} <{u}>", s.citation),
                    None => format!("[{id}] {kind}{}", s.citation),
                }
            }
            None => format!("[{id}] (unknown source)"),
        };
        if !out.contains(&line) {
            out.push(line);
        }
    }
}

fn find_org<'a>(db: &'a Database, q: &str) -> Option<&'a Org> {
    let q = q.trim();
    db.orgs
        .iter()
        .find(|o| o.id.eq_ignore_ascii_case(q))
        .or_else(|| {
            db.orgs.iter().find(|o| {
                o.name.eq_ignore_ascii_case(q)
                    || o.aliases.iter().any(|a| a.eq_ignore_ascii_case(q))
                    || o.legal_names.iter().any(|a| a.eq_ignore_ascii_case(q))
            })
        })
}

fn find_host<'a>(db: &'a Database, q: &str) -> Option<&'a Host> {
    let q = q.trim().trim_end_matches('/').to_ascii_lowercase();
    let q = q
        .strip_prefix("https://")
        .or_else(|| q.strip_prefix("http://"))
        .unwrap_or(&q)
        .split('/')
        .next()
        .unwrap_or("")
        .to_string();
    db.hosts
        .iter()
        .find(|h| h.id == q || h.domains.contains(&q))
        .or_else(|| {
            db.hosts
                .iter()
                .find(|h| h.subdomains && h.domains.iter().any(|d| q.ends_with(&format!(".{d}"))))
        })
}

fn jurisdiction(j: &str) -> &str {
    if j.is_empty() { "not recorded" } else { j }
}

fn listings_section(db: &Database, org: &str, s: &mut String, sources: &mut Vec<String>) {
    listings_active(db, org, s, sources);
    // Withdrawn listings stay in the database with the date they stopped applying.
    let gone: Vec<_> = db
        .listings
        .iter()
        .filter(|l| l.org == org && l.withdrawn)
        .collect();
    if !gone.is_empty() {
        let _ = writeln!(s, "Withdrawn listings:");
        for l in gone {
            let _ = writeln!(
                s,
                "  - {}: {} — effective {}, withdrawn {} — {}",
                db.list(&l.list)
                    .map_or(l.list.as_str(), |x| x.name.as_str()),
                l.entities.join("; "),
                l.effective,
                l.withdrawn_on.as_deref().unwrap_or("(date not recorded)"),
                l.citation
            );
            cite(db, &l.sources, sources);
        }
    }
}

fn listings_active(db: &Database, org: &str, s: &mut String, sources: &mut Vec<String>) {
    let ls: Vec<_> = db.listings_of(org).collect();
    if ls.is_empty() {
        let _ = writeln!(s, "Restriction listings: none in the database");
        return;
    }
    let _ = writeln!(s, "Restriction listings:");
    let mut noted: Vec<String> = Vec::new();
    for l in ls {
        let list = db.list(&l.list);
        let _ = writeln!(
            s,
            "  - {} ({}): {} — effective {} — {}",
            list.map_or(l.list.as_str(), |x| x.name.as_str()),
            list.map_or("", |x| x.authority.as_str()),
            l.entities.join("; "),
            l.effective,
            l.citation
        );
        if !l.aliases.is_empty() {
            let _ = writeln!(s, "    listed aliases: {}", l.aliases.join("; "));
        }
        if !l.applies_to.is_empty() {
            let _ = writeln!(s, "    binds: {}", l.applies_to.join("; "));
        }
        if !l.prohibits.is_empty() {
            let _ = writeln!(s, "    prohibits: {}", l.prohibits);
        }
        if !l.waiver.is_empty() {
            let _ = writeln!(s, "    waiver: {}", l.waiver);
        }
        if list.is_some_and(|x| x.kind == crate::rules::ListKind::ProcurementProhibition) {
            let _ = writeln!(
                s,
                "    enforced only when the policy names `{}` in enforce-lists",
                l.list
            );
        }
        if !l.notes.is_empty() {
            let _ = writeln!(s, "    note: {}", l.notes);
        }
        cite(db, &l.sources, sources);
        if let Some(list) = list
            && !noted.contains(&list.id)
        {
            noted.push(list.id.clone());
            for n in &list.note {
                let _ = writeln!(s, "    {}", list_note_line(n, crate::util::today_days()));
                cite(db, &n.sources, sources);
            }
        }
    }
}

/// A dated note on a list, with whether it applies today and, during a suspension, when it
/// applies again.
pub fn list_note_line(n: &crate::rules::ListNote, today: i64) -> String {
    let mut line = format!("{} (effective {}", n.title, n.effective);
    if let (Some(a), Some(b)) = (&n.suspended_from, &n.suspended_until) {
        line.push_str(&format!("; suspended {a} to {b}"));
    }
    line.push_str(&format!("; {}): {}", n.citation, n.text));
    let status = if n.applies_on(today) {
        match &n.suspended_until {
            Some(b) if crate::util::days_from_date(b).is_some_and(|d| d < today) => format!(
                " Status: the recorded suspension ended {b}; the rule applies again unless a later stay (not recorded) extended it."
            ),
            _ => " Status: applies.".to_string(),
        }
    } else {
        match &n.suspended_until {
            Some(b) if crate::util::days_from_date(&n.effective).is_some_and(|d| d <= today) => {
                format!(" Status: suspended; applies again after {b}.")
            }
            _ => " Status: not yet effective.".to_string(),
        }
    };
    line.push_str(&status);
    line
}

fn host_line(h: &Host) -> String {
    let mut s = format!(
        "{} — {} ({}) — jurisdiction {}",
        if h.domains.is_empty() {
            h.id.clone()
        } else {
            h.domains.join(", ")
        },
        h.name,
        h.kind.as_str(),
        jurisdiction(&h.jurisdiction)
    );
    if !h.notes.is_empty() {
        s.push_str(&format!(" — {}", h.notes));
    }
    s
}

pub fn org_dossier(db: &Database, o: &Org) -> String {
    let mut s = String::new();
    let mut sources = Vec::new();
    let _ = writeln!(s, "{} ({})", o.name, o.id);
    let _ = writeln!(s, "Country: {}", o.country);
    if !o.aliases.is_empty() {
        let _ = writeln!(s, "Also known as: {}", o.aliases.join("; "));
    }
    if !o.legal_names.is_empty() {
        let _ = writeln!(s, "Legal names: {}", o.legal_names.join("; "));
    }
    if let Some(p) = &o.parent {
        let _ = writeln!(s, "Parent: {p}");
    }
    for n in &o.notes {
        let _ = writeln!(s, "Note: {n}");
    }
    cite(db, &o.sources, &mut sources);
    let fams: Vec<_> = db.families.iter().filter(|f| f.org == o.id).collect();
    if !fams.is_empty() {
        let _ = writeln!(s, "Model families:");
        for f in fams {
            let _ = writeln!(s, "  - {} (keywords: {})", f.name, f.keywords.join(", "));
            cite(db, &f.sources, &mut sources);
        }
    }
    let nss: Vec<_> = db.namespaces.iter().filter(|n| n.org == o.id).collect();
    if !nss.is_empty() {
        let _ = writeln!(s, "Namespaces:");
        for n in nss {
            let host = db
                .host(&n.host)
                .map_or(n.host.as_str(), |h| h.name.as_str());
            let _ = writeln!(s, "  - {}/… on {host}", n.name);
            cite(db, &n.sources, &mut sources);
        }
    }
    let hosts: Vec<_> = db
        .hosts
        .iter()
        .filter(|h| h.operator.as_deref() == Some(o.id.as_str()))
        .collect();
    if !hosts.is_empty() {
        let _ = writeln!(s, "Hosts operated:");
        for h in hosts {
            let _ = writeln!(s, "  - {}", host_line(h));
            cite(db, &h.sources, &mut sources);
        }
    }
    let routes: Vec<_> = db
        .routes
        .iter()
        .filter(|r| db.host(&r.host).and_then(|h| h.operator.as_deref()) == Some(o.id.as_str()))
        .collect();
    if !routes.is_empty() {
        let _ = writeln!(s, "Routing prefixes:");
        for r in routes {
            let _ = writeln!(s, "  - {} `{}/` → {}", r.tool, r.prefix, r.host);
            cite(db, &r.sources, &mut sources);
        }
    }
    let pats: Vec<_> = db
        .patterns
        .iter()
        .filter(|p| p.org == o.id && !p.withdrawn)
        .collect();
    if !pats.is_empty() {
        let _ = writeln!(s, "Identifier shapes:");
        for p in pats {
            let _ = writeln!(
                s,
                "  - {} ({}): e.g. {}",
                p.id,
                p.kind.as_str(),
                p.examples.must_match.join(", ")
            );
            cite(db, &p.sources, &mut sources);
        }
    }
    listings_section(db, &o.id, &mut s, &mut sources);
    let _ = writeln!(s, "Sources (as of {}):", o.as_of);
    for c in sources {
        let _ = writeln!(s, "  {c}");
    }
    s
}

pub fn host_dossier(db: &Database, h: &Host) -> String {
    let mut s = String::new();
    let mut sources = Vec::new();
    let _ = writeln!(s, "{} ({})", h.name, h.id);
    let _ = writeln!(s, "Kind: {}", h.kind.as_str());
    if !h.domains.is_empty() {
        let _ = writeln!(
            s,
            "Domains: {}{}",
            h.domains.join(", "),
            if h.subdomains {
                " (and subdomains)"
            } else {
                ""
            }
        );
    }
    let _ = writeln!(s, "Jurisdiction: {}", jurisdiction(&h.jurisdiction));
    if !h.notes.is_empty() {
        let _ = writeln!(s, "Note: {}", h.notes);
    }
    cite(db, &h.sources, &mut sources);
    match h.operator.as_deref().and_then(|o| db.org(o)) {
        Some(o) => {
            let _ = writeln!(s, "Operator: {} ({}), country {}", o.name, o.id, o.country);
            listings_section(db, &o.id, &mut s, &mut sources);
        }
        None => {
            let _ = writeln!(s, "Operator: not an organisation in the database");
        }
    }
    let nss: Vec<_> = db.namespaces.iter().filter(|n| n.host == h.id).collect();
    if !nss.is_empty() {
        let names: Vec<_> = nss.iter().map(|n| n.name.as_str()).collect();
        let _ = writeln!(s, "Known namespaces here: {}", names.join(", "));
    }
    let _ = writeln!(s, "Sources (as of {}):", h.as_of);
    for c in sources {
        let _ = writeln!(s, "  {c}");
    }
    s
}

fn identifier_dossier(db: &Database, det: &Resolver, q: &str) -> Option<String> {
    let q = q.trim();
    let hit = det.resolve_token(q, "").or_else(|| {
        // A command such as `ollama pull deepseek-r1`: resolve its last word in context.
        let (prefix, last) = q.rsplit_once(char::is_whitespace)?;
        det.resolve_token(last, &format!("{prefix} "))
    })?;
    let r = Reference {
        hit,
        path: String::new(),
        line: 0,
        column: 0,
        end_column: 0,
        text: q.to_string(),
        prose: false,
        evidence: Evidence::Text,
        also: Default::default(),
    };
    let res = resolve::resolve(db, &r);
    let f = policy::evaluate(&Policy::default(), &r, res.clone())?;
    let mut s = String::new();
    let _ = writeln!(s, "{q}");
    let _ = writeln!(
        s,
        "Kind: {} ({} confidence)",
        r.hit.kind.as_str(),
        r.hit.confidence.as_str()
    );
    if let Some(fam) = &res.family {
        let _ = writeln!(s, "Family: {}", fam.name);
    }
    if let Some(d) = &res.developer {
        let _ = writeln!(s, "Developer: {} ({}), country {}", d.name, d.id, d.country);
    }
    if let Some(h) = &res.hosting {
        let _ = writeln!(
            s,
            "Hosting: {} ({}), jurisdiction {}{}",
            h.name,
            h.kind.as_str(),
            jurisdiction(&h.jurisdiction),
            h.operator
                .as_ref()
                .map(|o| format!(", operated by {} ({})", o.name, o.country))
                .unwrap_or_default()
        );
    }
    if let Some(v) = &r.hit.via {
        let _ = writeln!(s, "Via: {v}");
    }
    for l in &res.listings {
        let _ = writeln!(
            s,
            "Listed: {} — {} on the {} since {} ({})",
            l.org_name,
            l.entities.first().map_or("", String::as_str),
            l.list_name,
            l.effective,
            l.citation
        );
    }
    let _ = writeln!(
        s,
        "Matched by: {}",
        r.hit
            .rules
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        s,
        "Default policy: {} {} ({}): {}",
        f.code.as_str(),
        f.check,
        f.level.as_str(),
        f.message
    );
    let _ = writeln!(s, "Sources:");
    for c in &res.sources {
        let _ = writeln!(s, "  {c}");
    }
    if let Some(o) = res.developer.as_ref().and_then(|d| db.org(&d.id)) {
        let _ = writeln!(s, "\n{}", org_dossier(db, o));
    }
    Some(s)
}

fn package_dossier(db: &Database, q: &str) -> Option<String> {
    let q = q.trim();
    let pkgs: Vec<_> = db
        .packages
        .iter()
        .filter(|p| !p.withdrawn && p.name.eq_ignore_ascii_case(q))
        .collect();
    if pkgs.is_empty() {
        return None;
    }
    let mut s = String::new();
    let mut sources = Vec::new();
    for p in pkgs {
        let _ = writeln!(s, "{} ({} package)", p.name, p.ecosystem);
        if let Some(o) = db.org(&p.org) {
            let _ = writeln!(s, "Provider: {} ({}), country {}", o.name, o.id, o.country);
            listings_section(db, &o.id, &mut s, &mut sources);
        }
        if let Some(f) = p.family.as_deref().and_then(|f| db.family(f)) {
            let _ = writeln!(s, "Family: {}", f.name);
        }
        if !p.default_models.is_empty() {
            let _ = writeln!(s, "Loads by default: {}", p.default_models.join(", "));
        }
        if !p.notes.is_empty() {
            let _ = writeln!(s, "Note: {}", p.notes);
        }
        cite(db, &p.sources, &mut sources);
        let _ = writeln!(s);
    }
    let _ = writeln!(s, "Sources:");
    for c in sources {
        let _ = writeln!(s, "  {c}");
    }
    Some(s)
}

/// The text `explain` prints for `query`, or `None` when nothing matches.
pub fn explain(db: &Database, det: &Resolver, query: &str) -> Option<String> {
    if let Some(c) = checks::find(query.trim()) {
        return Some(c.doc.to_string());
    }
    if let Some(o) = find_org(db, query) {
        return Some(org_dossier(db, o));
    }
    if let Some(h) = find_host(db, query) {
        return Some(host_dossier(db, h));
    }
    if let Some(p) = package_dossier(db, query) {
        return Some(p);
    }
    identifier_dossier(db, det, query)
}

#[cfg(test)]
mod tests {
    use super::list_note_line;
    use crate::rules::ListNote;
    use crate::util::days_from_date;

    fn note() -> ListNote {
        ListNote {
            id: "n".into(),
            title: "Rule".into(),
            text: "t".into(),
            effective: "2025-09-29".into(),
            suspended_from: Some("2025-11-12".into()),
            suspended_until: Some("2026-11-09".into()),
            citation: "c".into(),
            sources: vec![],
            as_of: "2026-12-04".into(),
        }
    }

    #[test]
    fn a_suspended_rule_says_when_it_applies_again() {
        let d = |s| days_from_date(s).unwrap();
        assert!(list_note_line(&note(), d("2025-10-01")).ends_with("Status: applies."));
        assert!(
            list_note_line(&note(), d("2026-01-01"))
                .ends_with("Status: suspended; applies again after 2026-11-09.")
        );
        assert!(list_note_line(&note(), d("2026-12-05")).contains("suspension ended 2026-11-09"));
        assert!(list_note_line(&note(), d("2025-01-01")).ends_with("not yet effective."));
    }
}
