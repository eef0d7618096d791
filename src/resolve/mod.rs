//! Resolution: turn a reference's database ids into the facts a reader needs: model family,
//! developer and its country, hosting provider and jurisdiction, restriction listings with their
//! citations, and the sources behind all of it.

pub mod token;

use serde::Serialize;

use crate::rules::{Database, HostKind, ListKind};
use crate::types::Reference;
use crate::types::RuleKind;
pub use token::Resolver;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OrgFacts {
    pub id: String,
    pub name: String,
    pub country: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct HostFacts {
    pub id: String,
    pub name: String,
    pub kind: HostKind,
    /// Empty when the database records none.
    pub jurisdiction: String,
    pub operator: Option<OrgFacts>,
    /// The provider's API with its region left to the client's endpoint (no endpoint named).
    #[serde(skip)]
    pub default_api: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ListingFacts {
    pub id: String,
    pub list: String,
    pub list_name: String,
    pub list_kind: ListKind,
    /// Organisation id the listing belongs to.
    pub org: String,
    pub org_name: String,
    pub entities: Vec<String>,
    pub effective: String,
    pub citation: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FamilyFacts {
    pub id: String,
    pub name: String,
}

/// Everything the database says about one reference.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Resolved {
    pub family: Option<FamilyFacts>,
    pub developer: Option<OrgFacts>,
    /// Who published a fine-tune of the developer's model under its own name, when the database
    /// records the publisher (a namespace or a name of another organisation whose models derive
    /// from the developer's family).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<OrgFacts>,
    pub hosting: Option<HostFacts>,
    /// Listings of the developer and of the host's operator.
    pub listings: Vec<ListingFacts>,
    /// Citations of every entry that contributed, deduplicated.
    pub sources: Vec<String>,
}

fn org_facts(db: &Database, id: &str) -> Option<OrgFacts> {
    db.org(id).map(|o| OrgFacts {
        id: o.id.clone(),
        name: o.name.clone(),
        country: o.country.clone(),
    })
}

pub fn resolve(db: &Database, r: &Reference) -> Resolved {
    let hit = &r.hit;
    let mut source_ids: Vec<&str> = Vec::new();
    let developer = hit.org.as_deref().and_then(|o| {
        if let Some(org) = db.org(o) {
            source_ids.extend(org.sources.iter().map(String::as_str));
        }
        org_facts(db, o)
    });
    let family = hit.family.as_deref().and_then(|f| db.family(f)).map(|f| {
        source_ids.extend(f.sources.iter().map(String::as_str));
        FamilyFacts {
            id: f.id.clone(),
            name: f.name.clone(),
        }
    });
    let hosting = hit.host.as_deref().and_then(|h| db.host(h)).map(|h| {
        source_ids.extend(h.sources.iter().map(String::as_str));
        HostFacts {
            id: h.id.clone(),
            name: h.name.clone(),
            kind: h.kind,
            jurisdiction: h.jurisdiction.clone(),
            operator: h.operator.as_deref().and_then(|o| org_facts(db, o)),
            default_api: h.default_api,
        }
    });
    let mut orgs: Vec<&str> = Vec::new();
    if let Some(d) = &developer {
        orgs.push(&d.id);
    }
    if let Some(op) = hosting.as_ref().and_then(|h| h.operator.as_ref())
        && !orgs.contains(&op.id.as_str())
    {
        orgs.push(&op.id);
    }
    let mut listings = Vec::new();
    for o in orgs {
        for l in db.listings_of(o) {
            let Some(list) = db.list(&l.list) else {
                continue;
            };
            source_ids.extend(l.sources.iter().map(String::as_str));
            listings.push(ListingFacts {
                id: l.id.clone(),
                list: list.id.clone(),
                list_name: list.name.clone(),
                list_kind: list.kind,
                org: l.org.clone(),
                org_name: db.org(&l.org).map(|x| x.name.clone()).unwrap_or_default(),
                entities: l.entities.clone(),
                effective: l.effective.clone(),
                citation: l.citation.clone(),
            });
        }
    }
    let mut publisher = None;
    let mut publisher_of = |org: &str| {
        if publisher.is_none() && developer.as_ref().is_some_and(|d| d.id != org) {
            publisher = org_facts(db, org);
        }
    };
    for key in &hit.rules {
        match key.kind {
            RuleKind::Pattern => {
                if let Some(p) = db.patterns.iter().find(|p| p.id == key.id) {
                    source_ids.extend(p.sources.iter().map(String::as_str));
                    publisher_of(&p.org);
                }
            }
            RuleKind::Namespace => {
                let (name, host) = key.id.split_once('@').unwrap_or((key.id.as_str(), ""));
                if let Some(n) = db
                    .namespaces
                    .iter()
                    .find(|n| !n.reupload && n.name == name && n.host == host)
                {
                    source_ids.extend(n.sources.iter().map(String::as_str));
                    publisher_of(&n.org);
                }
            }
            RuleKind::Package => {
                if let Some(p) = db.packages.iter().find(|p| p.rule_id() == key.id) {
                    source_ids.extend(p.sources.iter().map(String::as_str));
                }
            }
            _ => {}
        }
    }
    if let Some(p) = &publisher
        && let Some(o) = db.org(&p.id)
    {
        source_ids.extend(o.sources.iter().map(String::as_str));
    }
    let mut sources: Vec<String> = Vec::new();
    for id in source_ids {
        if let Some(s) = db.sources.get(id) {
            let c = match &s.url {
                Some(u) => format!("{} <{u}>", s.citation),
                None => s.citation.clone(),
            };
            if !sources.contains(&c) {
                sources.push(c);
            }
        }
    }
    Resolved {
        family,
        developer,
        publisher,
        hosting,
        listings,
        sources,
    }
}
