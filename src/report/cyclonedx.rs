//! CycloneDX 1.7 AI/ML-BOM (JSON): one component per distinct model, weight file, SDK package
//! and one service per API or hub, with where each is referenced, who made it, its lineage and
//! the database facts (country, hosting, listings) as `modelgate:` properties. The mapping is
//! documented in docs/cyclonedx.md.
//!
//! The serde types are our own: the `cyclonedx-bom` crate stops at spec 1.5. Output is
//! deterministic: `bom-ref`s are derived from content, every list is sorted, the timestamp comes
//! from `SOURCE_DATE_EPOCH` when it is set, and the serial number is derived from the content
//! (or taken from `MODELGATE_BOM_SERIAL`).
//!
//! [`inventory`] (the grouping of findings into models, services and packages) and
//! [`listing_urls`] are shared with the HTML report.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::Report;
use crate::checks::Level;
use crate::policy::Finding;
use crate::resolve::{ListingFacts, OrgFacts};
use crate::types::{RefKind, RuleKind};

pub const SPEC_VERSION: &str = "1.7";
const SCHEMA: &str = "http://cyclonedx.org/schema/bom-1.7.schema.json";
/// bom-ref of `metadata.component`, the scanned repository.
pub const ROOT_REF: &str = "repository";
/// Longest `additionalContext` (the matched text) kept per occurrence, in characters.
const MAX_CONTEXT: usize = 200;

// ------------------------------------------------------------------------------------------
// Inventory: findings grouped into what they refer to.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ItemKind {
    /// A model (hub repository, API model, router or cloud model, Ollama tag, identified weight
    /// file, model config).
    Model,
    /// A weight file nothing ties to a known model.
    File,
    /// An API, router or hub endpoint, or the API a client configuration (env var, SDK class)
    /// talks to.
    Service,
    /// A package of a dependency manifest.
    Library,
    /// A data set a training or evaluation script loads.
    Data,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Model => "model",
            ItemKind::File => "weight file",
            ItemKind::Service => "service",
            ItemKind::Library => "package",
            ItemKind::Data => "data set",
        }
    }
}

/// A base model named by a weight file's lineage (model card, adapter config, GGUF header).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ancestor {
    /// Hub repository id `ORG/NAME`.
    pub repo: String,
    /// `fine-tune of`, `adapter on`, `merge of`, `quantization of`, `derived from`,
    /// `converted from`.
    pub relation: &'static str,
}

/// One model, weight file, service or package, with every finding that refers to it.
#[derive(Debug)]
pub struct Item<'a> {
    pub bom_ref: String,
    pub kind: ItemKind,
    pub name: String,
    pub group: Option<String>,
    pub version: Option<String>,
    /// `ORG/NAME` on Hugging Face, when the model is (or its weights are a file of) a Hugging
    /// Face repository.
    pub hf_repo: Option<String>,
    /// Package ecosystem (`PyPI`, `npm`, `crates.io`, `Go`) of a library.
    pub ecosystem: Option<&'static str>,
    pub findings: Vec<&'a Finding>,
    pub ancestors: BTreeSet<Ancestor>,
    pub endpoints: BTreeSet<String>,
    /// Manifest lines that bring a package in, for packages that are not findings themselves.
    pub manifest_lines: BTreeSet<(String, u32)>,
    /// bom-refs this item brings in (a package's models, services and packages).
    pub depends_on: BTreeSet<String>,
    /// The repository depends on it directly: referenced from its own files, or a dependency
    /// at the top of a chain.
    pub direct: bool,
}

impl<'a> Item<'a> {
    fn new(bom_ref: String, kind: ItemKind, name: String) -> Self {
        Item {
            bom_ref,
            kind,
            name,
            group: None,
            version: None,
            hf_repo: None,
            ecosystem: None,
            findings: Vec::new(),
            ancestors: BTreeSet::new(),
            endpoints: BTreeSet::new(),
            manifest_lines: BTreeSet::new(),
            depends_on: BTreeSet::new(),
            direct: false,
        }
    }

    /// The developer: that of the first finding that names one.
    pub fn developer(&self) -> Option<&'a OrgFacts> {
        self.findings
            .iter()
            .find_map(|f| f.resolved.developer.as_ref())
    }

    /// The operator of the service (the hosting's operator, or the developer whose API an env
    /// var or SDK class configures).
    pub fn provider(&self) -> Option<&'a OrgFacts> {
        self.findings.iter().find_map(|f| {
            f.resolved
                .hosting
                .as_ref()
                .and_then(|h| h.operator.as_ref())
                .or(match f.kind {
                    RefKind::EnvVar | RefKind::SdkClass => f.resolved.developer.as_ref(),
                    _ => None,
                })
        })
    }

    /// Most severe level of its unsuppressed findings (`None` when all are suppressed).
    pub fn level(&self) -> Option<Level> {
        self.findings
            .iter()
            .filter(|f| f.suppression.is_none())
            .map(|f| f.level)
            .max()
    }

    /// Distinct listings of its findings, by id.
    pub fn listings(&self) -> Vec<&'a ListingFacts> {
        let mut seen = BTreeMap::new();
        for f in &self.findings {
            for l in &f.resolved.listings {
                seen.entry(l.id.as_str()).or_insert(l);
            }
        }
        seen.into_values().collect()
    }

    /// The message of its most severe finding (the first of those in report order).
    pub fn headline(&self) -> &'a str {
        let mut best: Option<&'a Finding> = None;
        for f in &self.findings {
            if best.is_none_or(|b| f.level > b.level) {
                best = Some(f);
            }
        }
        best.map_or("", |f| &*f.message)
    }
}

/// Everything the findings refer to, by bom-ref (sorted).
#[derive(Debug, Default)]
pub struct Inventory<'a> {
    pub items: BTreeMap<String, Item<'a>>,
}

/// A hub repository id as the database and the purl type know it: `ORG/NAME`, with an
/// `auto_map` class suffix (`--modeling_x.Class`) removed (Hugging Face forbids `--` in names).
fn hub_repo(ident: &str) -> Option<String> {
    let id = ident.split("--").next().unwrap_or(ident);
    let (org, name) = id.split_once('/')?;
    let ok = |x: &str| {
        !x.is_empty()
            && x.len() <= 96
            && x.bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"._-".contains(&c))
    };
    (ok(org) && ok(name)).then(|| format!("{org}/{name}"))
}

fn on_huggingface(f: &Finding) -> bool {
    f.resolved
        .hosting
        .as_ref()
        .is_some_and(|h| h.id == "huggingface" || h.id == "hf-mirror")
        || f.rules
            .iter()
            .any(|r| r.kind == RuleKind::Namespace && r.id.ends_with("@huggingface"))
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Base models named in a weight file's description: the parts `fine-tune of ORG/NAME`,
/// `itself adapter on ORG/NAME (…)` and so on. The GGUF `general.name` (free text from the file)
/// is cut out first so that it cannot pose as a part.
fn ancestors_of(f: &Finding) -> Vec<Ancestor> {
    const RELATIONS: [&str; 6] = [
        "fine-tune of",
        "adapter on",
        "merge of",
        "quantization of",
        "derived from",
        "converted from",
    ];
    let Some(w) = &f.weight else {
        return vec![];
    };
    let mut d = w.description.clone();
    if let Some(n) = w.metadata.as_ref().and_then(|m| m.get("general.name")) {
        let quoted = format!("named \"{}\"", n.chars().take(120).collect::<String>());
        d = d.replace(&quoted, "");
    }
    let body = d.split_once(": ").map_or("", |(_, b)| b);
    let mut out = Vec::new();
    for part in body.split("; ") {
        let part = part.strip_prefix("itself ").unwrap_or(part);
        for rel in RELATIONS {
            if let Some(rest) = part.strip_prefix(rel).and_then(|r| r.strip_prefix(' ')) {
                let token = rest.split(' ').next().unwrap_or("");
                if let Some(repo) = hub_repo(token) {
                    out.push(Ancestor {
                        repo,
                        relation: rel,
                    });
                }
            }
        }
    }
    out
}

/// The Hugging Face repository a weight file is a file of: its catalogued release or its
/// Hugging Face cache folder.
fn weight_repo(f: &Finding) -> Option<String> {
    let release = f.weight.as_ref().and_then(|w| w.release.as_deref());
    release
        .and_then(hub_repo)
        .or_else(|| crate::detect::modelmeta::hf_cache_repo(&f.path))
}

fn lib_ref(eco: &str, name: &str) -> String {
    format!(
        "library:{}/{}",
        eco.to_ascii_lowercase(),
        norm_pkg(eco, name)
    )
}

/// Package name as its registry compares it (PyPI: PEP 503 normalisation).
fn norm_pkg(eco: &str, name: &str) -> String {
    if eco == "PyPI" {
        let mut s = String::new();
        for c in name.chars() {
            let c = c.to_ascii_lowercase();
            if matches!(c, '-' | '_' | '.') {
                if !s.ends_with('-') {
                    s.push('-');
                }
            } else {
                s.push(c);
            }
        }
        s
    } else {
        name.to_string()
    }
}

/// Groups the findings of a report into models, weight files, services and packages.
pub fn inventory(report: &Report) -> Inventory<'_> {
    let mut inv = Inventory::default();
    let items = &mut inv.items;
    for f in &report.findings {
        let ident = f.identifier.as_str();
        let lower = ident.to_ascii_lowercase();
        let host_id = f.resolved.hosting.as_ref().map(|h| h.id.as_str());
        let (r, item) = match f.kind {
            RefKind::Package => {
                let Some(d) = &f.dependency else { continue };
                (lib_ref(d.ecosystem.as_str(), &d.name), None)
            }
            RefKind::HubRepo | RefKind::Derivative | RefKind::RemoteCode
                if hub_repo(ident).is_some() =>
            {
                let repo = hub_repo(ident).unwrap_or_default();
                let r = format!("model:hub/{}", repo.to_ascii_lowercase());
                let (org, name) = repo.split_once('/').unwrap_or(("", &repo));
                let mut it = Item::new(r.clone(), ItemKind::Model, name.to_string());
                it.group = Some(org.to_string());
                (r, Some((it, Some(repo.clone()))))
            }
            RefKind::RouterModel | RefKind::CloudModel | RefKind::ApiModel => {
                let r = format!("model:{}/{lower}", host_id.unwrap_or("api"));
                (
                    r.clone(),
                    Some((Item::new(r, ItemKind::Model, ident.into()), None)),
                )
            }
            RefKind::LocalModel => {
                let r = format!("model:local/{lower}");
                (
                    r.clone(),
                    Some((Item::new(r, ItemKind::Model, ident.into()), None)),
                )
            }
            RefKind::Dataset => {
                let r = format!("data:{lower}");
                (
                    r.clone(),
                    Some((Item::new(r, ItemKind::Data, ident.into()), None)),
                )
            }
            RefKind::OllamaTag => {
                let r = format!("model:ollama/{lower}");
                (
                    r.clone(),
                    Some((Item::new(r, ItemKind::Model, ident.into()), None)),
                )
            }
            RefKind::WeightFile => {
                let r = format!("weight:{ident}");
                let mut it = Item::new(r.clone(), ItemKind::File, file_name(&f.path).into());
                it.hf_repo = weight_repo(f);
                (r, Some((it, None)))
            }
            RefKind::ModelConfig => {
                let r = format!("model:config/{}#{ident}", f.path);
                let name = format!("{ident} ({})", f.path);
                (r.clone(), Some((Item::new(r, ItemKind::Model, name), None)))
            }
            RefKind::HubRepo | RefKind::Derivative | RefKind::RemoteCode => {
                let r = format!("model:code/{}:{}#{lower}", f.path, f.line);
                (
                    r.clone(),
                    Some((Item::new(r, ItemKind::Model, ident.into()), None)),
                )
            }
            RefKind::Endpoint | RefKind::Hub => {
                let key = host_id.unwrap_or(&lower);
                let r = format!("service:{key}");
                let name = f
                    .resolved
                    .hosting
                    .as_ref()
                    .map_or(ident.to_string(), |h| h.name.clone());
                (
                    r.clone(),
                    Some((Item::new(r, ItemKind::Service, name), None)),
                )
            }
            RefKind::EnvVar | RefKind::SdkClass => {
                let (r, name) = match &f.resolved.developer {
                    Some(d) => (
                        format!("service:api-of/{}", d.id),
                        format!("{} API", d.name),
                    ),
                    None => (format!("service:{lower}"), ident.to_string()),
                };
                (
                    r.clone(),
                    Some((Item::new(r, ItemKind::Service, name), None)),
                )
            }
        };
        // The entry (libraries are made below, from the dependency).
        if let Some((mut fresh, hf)) = item {
            if let Some(hf) = hf
                && on_huggingface(f)
            {
                fresh.hf_repo = Some(hf);
            }
            let it = items.entry(r.clone()).or_insert(fresh);
            if it.hf_repo.is_none()
                && f.kind != RefKind::WeightFile
                && let Some(g) = &it.group
                && on_huggingface(f)
            {
                it.hf_repo = Some(format!("{g}/{}", it.name));
            }
            if matches!(f.kind, RefKind::Endpoint | RefKind::Hub) {
                it.endpoints.insert(endpoint_url(f));
            }
            if f.kind == RefKind::WeightFile
                && (f.resolved.developer.is_some() || f.resolved.family.is_some())
            {
                it.kind = ItemKind::Model;
            }
            it.ancestors.extend(ancestors_of(f));
        }
        match &f.dependency {
            Some(d) => {
                let lib = library(items, d.ecosystem.as_str(), &d.name);
                if lib.version.is_none() {
                    lib.version = d.version.clone();
                }
                if f.kind == RefKind::Package {
                    lib.findings.push(f);
                } else {
                    lib.depends_on.insert(r.clone());
                    lib.manifest_lines.insert((f.path.clone(), f.line));
                    if let Some(it) = items.get_mut(&r) {
                        it.findings.push(f);
                    }
                }
                // The chain from the direct dependency down to this one.
                let chain: Vec<&str> = if d.path.is_empty() {
                    vec![d.name.as_str()]
                } else {
                    d.path.iter().map(String::as_str).collect()
                };
                // The root depends on the first of the chain (a transitive dependency whose
                // chain is not known hangs from the root too).
                if let Some(first) = chain.first() {
                    library(items, d.ecosystem.as_str(), first).direct = true;
                }
                for pair in chain.windows(2) {
                    let child = lib_ref(d.ecosystem.as_str(), pair[1]);
                    library(items, d.ecosystem.as_str(), pair[1]);
                    library(items, d.ecosystem.as_str(), pair[0])
                        .depends_on
                        .insert(child);
                }
            }
            None => {
                if let Some(it) = items.get_mut(&r) {
                    it.findings.push(f);
                    it.direct = true;
                }
            }
        }
    }
    inv
}

fn library<'i, 'a>(
    items: &'i mut BTreeMap<String, Item<'a>>,
    eco: &'static str,
    name: &str,
) -> &'i mut Item<'a> {
    let r = lib_ref(eco, name);
    items.entry(r.clone()).or_insert_with(|| {
        let mut it = Item::new(r, ItemKind::Library, name.to_string());
        it.ecosystem = Some(eco);
        it
    })
}

/// The URL of an endpoint or hub finding: the matched URL when it is one, else `https://HOST`.
fn endpoint_url(f: &Finding) -> String {
    let m = f.matched.trim_end_matches(['/', '.', ',', ')', '"', '\'']);
    let clean = |s: &str| {
        !s.is_empty()
            && s.len() <= 2048
            && s.bytes()
                .all(|c| c.is_ascii_graphic() && !b"<>\"'`{}|\\^".contains(&c))
    };
    if (m.starts_with("https://") || m.starts_with("http://")) && clean(m) {
        m.to_string()
    } else if clean(&f.identifier) {
        format!("https://{}", f.identifier)
    } else {
        format!("https://{}", pct(&f.identifier))
    }
}

// ------------------------------------------------------------------------------------------
// Citations of listings.

/// URLs of the sources of each listing (primary sources first), from the database the report
/// names (the embedded one, or the `--rules` folder) when its content hash matches the report's.
/// Empty when it cannot be read again.
pub fn listing_urls(report: &Report) -> HashMap<String, Vec<String>> {
    let mut out = HashMap::new();
    let wanted: BTreeSet<&str> = report
        .findings
        .iter()
        .flat_map(|f| f.resolved.listings.iter().map(|l| l.id.as_str()))
        .collect();
    if wanted.is_empty() {
        return out;
    }
    let db = if report.rules.origin == "embedded" {
        crate::rules::Database::embedded()
    } else {
        crate::rules::Database::from_dir(std::path::Path::new(&report.rules.origin))
    };
    let Ok(db) = db else { return out };
    if db.content_hash != report.rules.content_sha256 {
        return out;
    }
    for org in db.orgs.iter() {
        for l in db.listings_of(&org.id) {
            if !wanted.contains(l.id.as_str()) {
                continue;
            }
            let mut urls: Vec<(bool, String)> = Vec::new();
            for s in &l.sources {
                if let Some(src) = db.sources.get(s)
                    && let Some(u) = &src.url
                    && safe_url(u)
                {
                    let primary = matches!(src.kind, Some(crate::rules::SourceKind::Primary));
                    urls.push((!primary, u.clone()));
                }
            }
            urls.sort_by_key(|(secondary, _)| *secondary);
            let mut v: Vec<String> = Vec::new();
            for (_, u) in urls {
                if !v.contains(&u) {
                    v.push(u);
                }
            }
            out.insert(l.id.clone(), v);
        }
    }
    out
}

/// An absolute http(s) URL without whitespace or quotes.
pub fn safe_url(u: &str) -> bool {
    (u.starts_with("https://") || u.starts_with("http://"))
        && u.len() > 8
        && u.bytes()
            .all(|c| c.is_ascii_graphic() && !b"<>\"'`{}|\\^".contains(&c))
}

/// `list | list name | organisation: entities | effective DATE | citation | URL`.
pub fn listing_value(l: &ListingFacts, urls: &HashMap<String, Vec<String>>) -> String {
    let mut s = format!(
        "{} | {} | {}: {} | effective {} | {}",
        l.list,
        l.list_name,
        l.org_name,
        l.entities.join("; "),
        l.effective,
        l.citation
    );
    if let Some(u) = urls.get(&l.id).and_then(|v| v.first()) {
        s.push_str(" | ");
        s.push_str(u);
    }
    s
}

// ------------------------------------------------------------------------------------------
// CycloneDX types (the subset modelgate writes).

#[derive(Serialize)]
struct Bom {
    #[serde(rename = "$schema")]
    schema: &'static str,
    #[serde(rename = "bomFormat")]
    bom_format: &'static str,
    #[serde(rename = "specVersion")]
    spec_version: &'static str,
    #[serde(rename = "serialNumber")]
    serial_number: String,
    version: u32,
    metadata: Metadata,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    components: Vec<Component>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    services: Vec<Service>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    dependencies: Vec<Dependency>,
}

#[derive(Serialize)]
struct Metadata {
    timestamp: String,
    tools: Tools,
    component: Component,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize)]
struct Tools {
    components: Vec<Component>,
}

#[derive(Serialize, Default)]
struct Component {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    bom_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    supplier: Option<Organization>,
    #[serde(skip_serializing_if = "Option::is_none")]
    manufacturer: Option<Organization>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<String>,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hashes: Vec<Hash>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<String>,
    #[serde(rename = "externalReferences", skip_serializing_if = "Vec::is_empty")]
    external_references: Vec<ExternalReference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pedigree: Option<Pedigree>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
    #[serde(skip_serializing_if = "Option::is_none")]
    evidence: Option<Evidence>,
}

#[derive(Serialize, Clone)]
struct Organization {
    name: String,
}

#[derive(Serialize)]
struct Hash {
    alg: &'static str,
    content: String,
}

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
struct ExternalReference {
    #[serde(rename = "type")]
    kind: &'static str,
    url: String,
}

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
struct Property {
    name: String,
    value: String,
}

#[derive(Serialize)]
struct Evidence {
    occurrences: Vec<Occurrence>,
}

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
struct Occurrence {
    location: String,
    line: u32,
    #[serde(rename = "additionalContext", skip_serializing_if = "Option::is_none")]
    additional_context: Option<String>,
}

#[derive(Serialize)]
struct Pedigree {
    ancestors: Vec<Component>,
}

#[derive(Serialize)]
struct Service {
    #[serde(rename = "bom-ref")]
    bom_ref: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    provider: Option<Organization>,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    endpoints: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize)]
struct Dependency {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(rename = "dependsOn")]
    depends_on: Vec<String>,
}

// ------------------------------------------------------------------------------------------
// Building the BOM.

/// Percent-encodes a purl segment (everything but ASCII letters, digits and `.-_~`).
fn pct(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b".-_~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn hf_purl(repo: &str) -> Option<String> {
    let (org, name) = repo.split_once('/')?;
    Some(format!("pkg:huggingface/{}/{}", pct(org), pct(name)))
}

fn hf_refs(repo: &str) -> Vec<ExternalReference> {
    vec![
        ExternalReference {
            kind: "model-card",
            url: format!("https://huggingface.co/{repo}"),
        },
        ExternalReference {
            kind: "distribution",
            url: format!("https://huggingface.co/{repo}/tree/main"),
        },
    ]
}

fn library_purl(eco: &str, name: &str, version: Option<&str>) -> Option<String> {
    let v = version.map(|v| format!("@{}", pct(v))).unwrap_or_default();
    let p = match eco {
        "PyPI" => format!("pkg:pypi/{}{v}", pct(&norm_pkg(eco, name))),
        "npm" => match name.strip_prefix('@').and_then(|n| n.split_once('/')) {
            Some((scope, n)) => format!("pkg:npm/{}/{}{v}", pct(&format!("@{scope}")), pct(n)),
            None => format!("pkg:npm/{}{v}", pct(name)),
        },
        "crates.io" => format!("pkg:cargo/{}{v}", pct(name)),
        "Go" => {
            let (ns, n) = name.rsplit_once('/')?;
            let ns: Vec<String> = ns.split('/').map(pct).collect();
            format!("pkg:golang/{}/{}{v}", ns.join("/"), pct(n))
        }
        _ => return None,
    };
    Some(p)
}

fn prop(name: &str, value: impl Into<String>) -> Property {
    Property {
        name: format!("modelgate:{name}"),
        value: value.into(),
    }
}

fn level_name(l: Option<Level>) -> &'static str {
    l.map_or("suppressed", Level::as_str)
}

/// The `modelgate:` properties every item carries: facts from the database and the checks.
fn common_properties(it: &Item<'_>, urls: &HashMap<String, Vec<String>>) -> Vec<Property> {
    let mut ps: BTreeSet<Property> = BTreeSet::new();
    for f in &it.findings {
        let r = &f.resolved;
        if let Some(d) = &r.developer {
            ps.insert(prop("developer", d.name.clone()));
            if !d.country.is_empty() {
                ps.insert(prop("country", d.country.clone()));
            }
        }
        if let Some(fam) = &r.family {
            ps.insert(prop("family", fam.name.clone()));
        }
        if let Some(h) = &r.hosting {
            ps.insert(prop("hosting", format!("{} ({})", h.name, h.kind.as_str())));
            if !h.jurisdiction.is_empty() {
                ps.insert(prop("jurisdiction", h.jurisdiction.clone()));
            }
            if let Some(op) = &h.operator
                && !op.country.is_empty()
            {
                ps.insert(prop("operator-country", op.country.clone()));
            }
        }
        for l in &r.listings {
            ps.insert(prop("listing", listing_value(l, urls)));
        }
        ps.insert(prop("check", format!("{} {}", f.code.as_str(), f.check)));
        ps.insert(prop("kind", f.kind.as_str()));
        if let Some(w) = &f.weight {
            if let Some(fmt) = w.format {
                ps.insert(prop("weight-format", fmt));
            }
            if let Some(s) = w.size {
                ps.insert(prop("weight-size", s.to_string()));
            }
            if w.lfs_pointer {
                ps.insert(prop("lfs-pointer", "true"));
            }
            if let Some(h) = &w.header {
                ps.insert(prop("weight-header", h.clone()));
            }
            if let Some(rel) = &w.release {
                ps.insert(prop("release", rel.clone()));
            }
        }
        if let Some(v) = &f.via {
            ps.insert(prop("via", v.clone()));
        }
    }
    ps.insert(prop("level", level_name(it.level())));
    let suppressed = it
        .findings
        .iter()
        .filter(|f| f.suppression.is_some())
        .count();
    if suppressed > 0 {
        ps.insert(prop("suppressed", suppressed.to_string()));
    }
    ps.into_iter().collect()
}

fn occurrences(it: &Item<'_>) -> Option<Evidence> {
    let mut occ: BTreeSet<Occurrence> = it
        .findings
        .iter()
        .map(|f| Occurrence {
            location: f.path.clone(),
            line: f.line.max(1),
            additional_context: (f.kind != RefKind::WeightFile && !f.matched.is_empty())
                .then(|| f.matched.chars().take(MAX_CONTEXT).collect()),
        })
        .collect();
    if occ.is_empty() {
        occ.extend(it.manifest_lines.iter().map(|(p, l)| Occurrence {
            location: p.clone(),
            line: (*l).max(1),
            additional_context: None,
        }));
    }
    (!occ.is_empty()).then(|| Evidence {
        occurrences: occ.into_iter().collect(),
    })
}

fn component(it: &Item<'_>, urls: &HashMap<String, Vec<String>>) -> Component {
    let dev = it.developer();
    let org = dev.map(|d| Organization {
        name: d.name.clone(),
    });
    let derivative =
        it.findings.iter().all(|f| f.kind == RefKind::Derivative) && !it.findings.is_empty();
    let mut c = Component {
        kind: match it.kind {
            ItemKind::Model => "machine-learning-model",
            ItemKind::File => "file",
            ItemKind::Library => "library",
            ItemKind::Service => "application",
            ItemKind::Data => "data",
        },
        bom_ref: Some(it.bom_ref.clone()),
        name: it.name.clone(),
        group: it.group.clone(),
        version: it.version.clone(),
        properties: common_properties(it, urls),
        evidence: occurrences(it),
        ..Default::default()
    };
    let headline = it.headline();
    if !headline.is_empty() {
        c.description = Some(headline.to_string());
    }
    match it.kind {
        ItemKind::Model | ItemKind::File => {
            if derivative {
                // A third-party repository: its publisher is the hub namespace; the developer
                // of the family it derives from stays in the properties.
                c.supplier = it.group.clone().map(|name| Organization { name });
            } else if it.kind == ItemKind::Model {
                c.supplier = org.clone();
                c.manufacturer = org;
            }
            if let Some(repo) = &it.hf_repo {
                c.purl = hf_purl(repo);
                c.external_references = hf_refs(repo);
            }
            if it.kind == ItemKind::Model && c.supplier.is_none() {
                // An identified model whose developer the database does not name (a family
                // only): its publisher is the hub namespace when there is one.
                c.supplier = it.group.clone().map(|name| Organization { name });
            }
            let sha: BTreeSet<&str> = it
                .findings
                .iter()
                .filter_map(|f| f.weight.as_ref().and_then(|w| w.sha256.as_deref()))
                .collect();
            if let Some(h) = sha.iter().next() {
                c.hashes.push(Hash {
                    alg: "SHA-256",
                    content: h.to_string(),
                });
            }
            // One ancestor per base model, with every relation the lineage gives it.
            let mut bases: BTreeMap<&str, Vec<Property>> = BTreeMap::new();
            for a in &it.ancestors {
                bases
                    .entry(a.repo.as_str())
                    .or_default()
                    .push(prop("relation", a.relation));
            }
            if !bases.is_empty() {
                c.pedigree = Some(Pedigree {
                    ancestors: bases
                        .into_iter()
                        .map(|(repo, properties)| {
                            let (g, n) = repo.split_once('/').unwrap_or(("", repo));
                            Component {
                                kind: "machine-learning-model",
                                group: Some(g.to_string()),
                                name: n.to_string(),
                                purl: hf_purl(repo),
                                external_references: hf_refs(repo),
                                properties,
                                ..Default::default()
                            }
                        })
                        .collect(),
                });
            }
            if c.kind == "machine-learning-model"
                && c.supplier.is_none()
                && c.manufacturer.is_none()
            {
                // Nothing names who made it: leave it a file.
                c.kind = "file";
            }
        }
        ItemKind::Library => {
            let eco = it.ecosystem.unwrap_or("");
            c.purl = library_purl(eco, &it.name, it.version.as_deref());
            if eco == "npm"
                && let Some((scope, n)) = it.name.strip_prefix('@').and_then(|n| n.split_once('/'))
            {
                c.group = Some(format!("@{scope}"));
                c.name = n.to_string();
            }
            c.properties.push(prop("ecosystem", eco));
            c.properties.sort();
        }
        ItemKind::Service | ItemKind::Data => {}
    }
    c
}

fn service(it: &Item<'_>, urls: &HashMap<String, Vec<String>>) -> Service {
    let mut properties = common_properties(it, urls);
    let occ: BTreeSet<String> = it
        .findings
        .iter()
        .map(|f| format!("{}:{}", f.path, f.line))
        .collect();
    properties.extend(occ.into_iter().map(|o| prop("occurrence", o)));
    for f in &it.findings {
        match f.kind {
            RefKind::EnvVar => properties.push(prop("env-var", f.identifier.clone())),
            RefKind::SdkClass => properties.push(prop("sdk-class", f.identifier.clone())),
            _ => {}
        }
    }
    properties.sort();
    properties.dedup();
    let headline = it.headline();
    Service {
        bom_ref: it.bom_ref.clone(),
        provider: it.provider().map(|o| Organization {
            name: o.name.clone(),
        }),
        name: it.name.clone(),
        description: (!headline.is_empty()).then(|| headline.to_string()),
        endpoints: it.endpoints.iter().cloned().collect(),
        properties,
    }
}

fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The BOM timestamp: `SOURCE_DATE_EPOCH` (seconds) when it is set, else now.
fn timestamp() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        });
    rfc3339(secs.min(253_402_300_799))
}

/// A `urn:uuid:` from a digest: an RFC 9562 version 8 (custom) UUID.
fn uuid_from(digest: &[u8]) -> String {
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = crate::util::hex(&b);
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

fn valid_serial(s: &str) -> bool {
    let Some(u) = s.strip_prefix("urn:uuid:") else {
        return false;
    };
    u.len() == 36
        && u.char_indices().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_digit() || ('a'..='f').contains(&c)
            }
        })
}

/// Builds the BOM. `timestamp` and `serial` override the defaults (tests).
fn build(report: &Report, timestamp: String, serial: Option<String>) -> Bom {
    let inv = inventory(report);
    let urls = listing_urls(report);
    let mut components = Vec::new();
    let mut services = Vec::new();
    let mut root_deps = BTreeSet::new();
    let mut dependencies = Vec::new();
    for it in inv.items.values() {
        match it.kind {
            ItemKind::Service => services.push(service(it, &urls)),
            _ => components.push(component(it, &urls)),
        }
        if it.direct {
            root_deps.insert(it.bom_ref.clone());
        }
        dependencies.push(Dependency {
            reference: it.bom_ref.clone(),
            depends_on: it.depends_on.iter().cloned().collect(),
        });
    }
    dependencies.insert(
        0,
        Dependency {
            reference: ROOT_REF.into(),
            depends_on: root_deps.into_iter().collect(),
        },
    );
    let rules = &report.rules;
    let tools = Tools {
        components: vec![
            Component {
                kind: "application",
                name: "modelgate".into(),
                version: Some(report.tool_version.into()),
                external_references: vec![ExternalReference {
                    kind: "website",
                    url: super::INFORMATION_URI.into(),
                }],
                ..Default::default()
            },
            Component {
                kind: "data",
                name: rules.name.clone(),
                version: Some(rules.as_of.clone()),
                description: Some(format!(
                    "rules database, schema version {}, as of {}",
                    rules.schema_version, rules.as_of
                )),
                hashes: vec![Hash {
                    alg: "SHA-256",
                    content: rules.content_sha256.clone(),
                }]
                .into_iter()
                .filter(|h| h.content.len() == 64)
                .collect(),
                properties: vec![
                    prop("rules-origin", rules.origin.clone()),
                    prop("rules-schema-version", rules.schema_version.to_string()),
                ],
                ..Default::default()
            },
        ],
    };
    let (e, w, n, none) = report.counts();
    let metadata = Metadata {
        timestamp,
        tools,
        component: Component {
            kind: "application",
            bom_ref: Some(ROOT_REF.into()),
            name: report.roots.join(", "),
            ..Default::default()
        },
        properties: vec![
            prop("findings-error", e.to_string()),
            prop("findings-warning", w.to_string()),
            prop("findings-note", n.to_string()),
            prop("findings-inventory", none.to_string()),
            prop("findings-suppressed", report.suppressed().to_string()),
            prop("rules-as-of", rules.as_of.clone()),
        ],
    };
    let mut bom = Bom {
        schema: SCHEMA,
        bom_format: "CycloneDX",
        spec_version: SPEC_VERSION,
        serial_number: String::new(),
        version: 1,
        metadata,
        components,
        services,
        dependencies,
    };
    bom.serial_number = match serial {
        Some(s) => s,
        None => {
            let body = serde_json::to_vec(&bom).unwrap_or_default();
            uuid_from(&Sha256::digest(&body))
        }
    };
    bom
}

/// Writes the BOM. `SOURCE_DATE_EPOCH` sets the timestamp; `MODELGATE_BOM_SERIAL`
/// (`urn:uuid:…`, lower-case) sets the serial number, which is otherwise derived from the
/// content (timestamp included), so that equal inputs give byte-identical BOMs.
pub fn write(report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    let serial = std::env::var("MODELGATE_BOM_SERIAL")
        .ok()
        .filter(|s| valid_serial(s));
    let bom = build(report, timestamp(), serial);
    serde_json::to_writer_pretty(&mut *w, &bom)?;
    w.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn serials_are_uuids() {
        let s = uuid_from(&Sha256::digest(b"x"));
        assert!(valid_serial(&s), "{s}");
        assert_eq!(&s[23..24], "8");
        assert!(!valid_serial("urn:uuid:ABC"));
    }

    #[test]
    fn purls() {
        assert_eq!(
            library_purl("npm", "@ai-sdk/deepseek", Some("1.0.5")).unwrap(),
            "pkg:npm/%40ai-sdk/deepseek@1.0.5"
        );
        assert_eq!(
            library_purl("PyPI", "Zhipu_AI.sdk", None).unwrap(),
            "pkg:pypi/zhipu-ai-sdk"
        );
        assert_eq!(
            library_purl("Go", "github.com/a/b", Some("v1.2.3+incompatible")).unwrap(),
            "pkg:golang/github.com/a/b@v1.2.3%2Bincompatible"
        );
        assert_eq!(
            hf_purl("Qwen/Qwen2.5-7B-Instruct").unwrap(),
            "pkg:huggingface/Qwen/Qwen2.5-7B-Instruct"
        );
    }

    #[test]
    fn hub_repos_drop_auto_map_classes() {
        assert_eq!(
            hub_repo("THUDM/chatglm3-6b--modeling_chatglm.ChatGLMModel").as_deref(),
            Some("THUDM/chatglm3-6b")
        );
        assert_eq!(hub_repo("a/b/c"), None);
        assert_eq!(hub_repo("no-slash"), None);
    }
}
