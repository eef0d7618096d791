//! Dependencies: manifests and lock files of Rust, Python, JavaScript and Go projects, parsed with
//! real parsers; the packages they name are looked up in the rules database (`[[package]]`
//! entries: provider SDKs, and libraries whose default model is a listed model). With `--deps`,
//! the installed sources of the dependencies are scanned too and what is found there is
//! attributed to the dependency and to the manifest line that brings it in.
//!
//! Manifests are recognised by file name only (see [`manifest_kind`]); nothing here runs in the
//! text scanner's hot path. The walk hands the bytes of manifest files over, and [`analyze`] runs
//! once after the walk.

pub mod cargo;
pub mod golang;
mod locate;
pub mod npm;
pub mod python;
pub mod sources;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};

use crate::detect::text::TextDetector;
use crate::resolve::Resolver;
use crate::rules::{Database, Package};
use crate::types::{
    Confidence, DepContext, DepEvidence, Evidence, Hit, Notification, NotificationLevel, RefKind,
    Reference, RuleKind, RuleRef,
};

pub use crate::classify::{ManifestKind, manifest_kind};
pub use crate::types::Ecosystem;
pub use locate::Loc;

impl Ecosystem {
    /// The form under which two names are the same package: PEP 503 for PyPI (case and runs of
    /// `-_.` do not matter), `-`/`_` and case for crates.io, case for npm; Go module paths are
    /// compared as written.
    pub fn normalize(self, name: &str) -> String {
        match self {
            Ecosystem::PyPI => python::normalize(name),
            Ecosystem::Cargo => name.to_ascii_lowercase().replace('_', "-"),
            Ecosystem::Npm => name.to_ascii_lowercase(),
            Ecosystem::Go => name.to_string(),
        }
    }

    /// The package that a dependency specification names, as it would be written in a manifest
    /// of the ecosystem: a PEP 508 requirement (`zhipuai>=2`, `volcengine-python-sdk[ark]`), an
    /// npm `name@range`, a Cargo `name = "1"` or `name@1`, a Go `module/path v1.2.3`.
    pub fn spec_name(self, spec: &str) -> Option<String> {
        let spec = spec.trim();
        match self {
            Ecosystem::PyPI => python::parse_requirement(spec).ok().map(|r| r.name),
            Ecosystem::Npm => npm::spec_name(spec),
            Ecosystem::Cargo => cargo::spec_name(spec),
            Ecosystem::Go => golang::spec_name(spec),
        }
    }
}

impl ManifestKind {
    pub fn ecosystem(self) -> Ecosystem {
        use ManifestKind::*;
        match self {
            CargoToml | CargoLock => Ecosystem::Cargo,
            Requirements | Pyproject | PoetryLock | UvLock | Pipfile | PipfileLock | SetupCfg => {
                Ecosystem::PyPI
            }
            PackageJson | PackageLock | PnpmLock | YarnLock => Ecosystem::Npm,
            GoMod => Ecosystem::Go,
        }
    }

    pub fn is_lock(self) -> bool {
        use ManifestKind::*;
        matches!(
            self,
            CargoLock | PoetryLock | UvLock | PipfileLock | PackageLock | PnpmLock | YarnLock
        )
    }
}

/// A manifest file handed over by the walk.
#[derive(Debug, Clone)]
pub struct ManifestFile {
    /// Repository-relative path with `/` separators.
    pub rel: String,
    pub kind: ManifestKind,
    pub text: String,
}

impl ManifestFile {
    /// Folder of the file, relative (`""` at the top).
    pub fn dir(&self) -> &str {
        self.rel.rsplit_once('/').map_or("", |(d, _)| d)
    }

    #[cfg(test)]
    pub fn new(rel: &str, kind: ManifestKind, text: &str) -> ManifestFile {
        ManifestFile {
            rel: rel.into(),
            kind,
            text: text.into(),
        }
    }
}

/// Manifests grouped by their folder (one project per folder), in folder order.
pub fn by_dir<'a>(
    files: &[&'a ManifestFile],
) -> std::collections::BTreeMap<&'a str, Vec<&'a ManifestFile>> {
    let mut m: std::collections::BTreeMap<&str, Vec<&ManifestFile>> =
        std::collections::BTreeMap::new();
    for f in files {
        m.entry(f.dir()).or_default().push(f);
    }
    m
}

/// Options of dependency analysis.
#[derive(Debug, Clone, Default)]
pub struct DepsOptions {
    /// `--deps`: also scan the installed sources of the dependencies (never running a package
    /// manager: cargo, pip or npm would honour the scanned repository's configuration).
    pub scan_sources: bool,
    /// `--python-env DIR`: the Python environment to read; default `.venv` or `venv` beside a
    /// Python manifest.
    pub python_env: Option<PathBuf>,
    /// Largest dependency file scanned.
    pub max_file_size: u64,
}

/// One dependency of a project, at the manifest line that brings it in.
#[derive(Debug, Clone)]
pub struct Dep {
    pub ecosystem: Ecosystem,
    /// The name as the manifest or lock file writes it.
    pub name: String,
    pub version: Option<String>,
    pub direct: bool,
    /// For a transitive dependency, the names from the direct dependency that brings it in down to
    /// this package (both included).
    pub chain: Vec<String>,
    /// Where it is reported: the manifest line of the dependency (the direct dependency heading
    /// `chain` for a transitive one), or its lock file entry when no manifest declares it.
    pub loc: Loc,
    /// A PEP 508 environment marker, when the declaration has one.
    pub marker: Option<String>,
    /// Where the dependency's files are installed, when known.
    pub installed: Option<PathBuf>,
}

/// A package as a lock file (or a resolved graph) records it.
#[derive(Debug, Clone)]
pub struct Locked {
    pub name: String,
    pub version: Option<String>,
    /// Names of the packages it depends on.
    pub deps: Vec<String>,
    /// Its entry in the lock file.
    pub loc: Loc,
    pub installed: Option<PathBuf>,
}

impl Locked {
    /// A transitive dependency that no declared one reaches: reported at its lock entry.
    fn unreached(&self, eco: Ecosystem) -> Dep {
        Dep {
            ecosystem: eco,
            name: self.name.clone(),
            version: self.version.clone(),
            direct: false,
            chain: Vec::new(),
            loc: self.loc.clone(),
            marker: None,
            installed: self.installed.clone(),
        }
    }
}

/// A resolved dependency graph from a lock file.
#[derive(Debug, Clone, Default)]
pub struct LockGraph {
    pub packages: Vec<Locked>,
    /// Names of the project's own packages (workspace members, importers): their dependencies are
    /// the direct ones when no manifest says otherwise.
    pub roots: Vec<String>,
}

/// Joins the direct dependencies that manifests declare with a lock file's graph: direct ones get
/// their locked version; every package the graph reaches from them becomes a transitive
/// dependency reported at the line of the direct dependency that brings it in (shortest path).
/// Without declarations the lock file's roots stand in, and without either every locked package
/// is reported at its lock entry.
pub fn combine(eco: Ecosystem, declared: Vec<Dep>, lock: Option<&LockGraph>) -> Vec<Dep> {
    let mut out = declared;
    let Some(lock) = lock else {
        return out;
    };
    let norm = |n: &str| eco.normalize(n);
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, p) in lock.packages.iter().enumerate() {
        by_name.entry(norm(&p.name)).or_default().push(i);
    }
    let roots: HashSet<String> = lock.roots.iter().map(|r| norm(r)).collect();
    for d in out.iter_mut() {
        if let Some(&i) = by_name.get(&norm(&d.name)).and_then(|v| v.first()) {
            let p = &lock.packages[i];
            if d.version.is_none() {
                d.version = p.version.clone();
            }
            if d.installed.is_none() {
                d.installed = p.installed.clone();
            }
        }
    }
    // Heads of the search: declared dependencies (that are not the project's own packages), else
    // the dependencies of the lock file's roots, else nothing (every package is reported at its
    // entry).
    let mut heads: Vec<(String, Option<Loc>)> = Vec::new();
    for d in out.iter().filter(|d| d.direct) {
        heads.push((d.name.clone(), Some(d.loc.clone())));
    }
    if heads.is_empty() {
        for r in &lock.roots {
            for &i in by_name.get(&norm(r)).into_iter().flatten() {
                for dep in &lock.packages[i].deps {
                    heads.push((dep.clone(), None));
                }
            }
        }
    }
    let direct: HashSet<String> = out
        .iter()
        .filter(|d| d.direct)
        .map(|d| norm(&d.name))
        .chain(roots.iter().cloned())
        .collect();
    if heads.is_empty() {
        for p in &lock.packages {
            if direct.contains(&norm(&p.name)) {
                continue;
            }
            out.push(p.unreached(eco));
        }
        return out;
    }
    // Breadth-first from every head; the first path that reaches a package wins. Nodes keep
    // their parent, not their path: a chain of 60k packages would otherwise copy 60k paths of up
    // to 60k names. A path longer than 2 × `CHAIN_END` names keeps its first and last
    // `CHAIN_END` names around an ellipsis.
    struct Node<'n> {
        name: &'n str,
        parent: usize,
        len: usize,
        loc: Option<usize>,
        /// The first `CHAIN_END` names of the path (shared once the path is longer).
        prefix: std::rc::Rc<Vec<String>>,
    }
    const CHAIN_END: usize = 16;
    let head_locs: Vec<Option<Loc>> = heads.iter().map(|(_, l)| l.clone()).collect();
    let mut nodes: Vec<Node<'_>> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut queue: VecDeque<usize> = VecDeque::new();
    for (hi, (h, _)) in heads.iter().enumerate() {
        if seen.insert(norm(h)) {
            nodes.push(Node {
                name: h,
                parent: usize::MAX,
                len: 1,
                loc: Some(hi),
                prefix: std::rc::Rc::new(vec![h.clone()]),
            });
            queue.push_back(nodes.len() - 1);
        }
    }
    let chain_of = |nodes: &[Node<'_>], i: usize| -> Vec<String> {
        let n = &nodes[i];
        let walk = |from: usize, k: usize| -> Vec<String> {
            let mut v = Vec::with_capacity(k);
            let mut j = from;
            while v.len() < k && j != usize::MAX {
                v.push(nodes[j].name.to_string());
                j = nodes[j].parent;
            }
            v.reverse();
            v
        };
        if n.len <= 2 * CHAIN_END {
            return walk(i, n.len);
        }
        let mut c: Vec<String> = n.prefix.as_ref().clone();
        c.push("…".to_string());
        c.extend(walk(i, CHAIN_END));
        c
    };
    while let Some(ni) = queue.pop_front() {
        let name = nodes[ni].name;
        let key = norm(name);
        let Some(idx) = by_name.get(&key) else {
            continue;
        };
        let first = &lock.packages[idx[0]];
        let loc = nodes[ni].loc.and_then(|h| head_locs[h].clone());
        let head_declared = loc.is_some();
        let len = nodes[ni].len;
        if len > 1 && !direct.contains(&key) {
            out.push(Dep {
                ecosystem: eco,
                name: first.name.clone(),
                version: first.version.clone(),
                direct: false,
                chain: chain_of(&nodes, ni),
                loc: loc.unwrap_or_else(|| first.loc.clone()),
                marker: None,
                installed: first.installed.clone(),
            });
        } else if len == 1 && !head_declared && !direct.contains(&key) {
            // A direct dependency of a lock root that no manifest in the scan declares.
            out.push(Dep {
                ecosystem: eco,
                name: first.name.clone(),
                version: first.version.clone(),
                direct: true,
                chain: Vec::new(),
                loc: first.loc.clone(),
                marker: None,
                installed: first.installed.clone(),
            });
        }
        let mut next: Vec<&String> = idx
            .iter()
            .flat_map(|&i| lock.packages[i].deps.iter())
            .collect();
        next.sort();
        next.dedup();
        for n in next {
            if seen.insert(norm(n)) {
                let prefix = if len < CHAIN_END {
                    let mut p = nodes[ni].prefix.as_ref().clone();
                    p.push(n.clone());
                    std::rc::Rc::new(p)
                } else {
                    nodes[ni].prefix.clone()
                };
                nodes.push(Node {
                    name: n,
                    parent: ni,
                    len: len + 1,
                    loc: nodes[ni].loc,
                    prefix,
                });
                queue.push_back(nodes.len() - 1);
            }
        }
    }
    // What the lock file holds but no path from a declared dependency reaches (a lock file
    // without edges, a stale entry): reported at its own entry.
    let mut listed: HashSet<String> = HashSet::new();
    for p in &lock.packages {
        let key = norm(&p.name);
        if seen.contains(&key) || direct.contains(&key) || !listed.insert(key) {
            continue;
        }
        out.push(p.unreached(eco));
    }
    out
}

impl DepContext {
    pub fn of(d: &Dep, evidence: DepEvidence) -> DepContext {
        DepContext {
            ecosystem: d.ecosystem,
            name: d.name.clone(),
            version: d.version.clone(),
            direct: d.direct,
            path: d.chain.clone(),
            evidence,
            marker: d.marker.clone(),
            related: None,
        }
    }
}

/// The database's package entries, indexed by (ecosystem, normalised name).
pub struct PackageIndex<'a> {
    map: HashMap<(Ecosystem, String), Vec<&'a Package>>,
}

impl<'a> PackageIndex<'a> {
    pub fn new(db: &'a Database) -> PackageIndex<'a> {
        let mut map: HashMap<(Ecosystem, String), Vec<&Package>> = HashMap::new();
        for p in db.packages.iter().filter(|p| !p.withdrawn) {
            if let Some(e) = Ecosystem::parse(&p.ecosystem) {
                map.entry((e, e.normalize(&p.name))).or_default().push(p);
            }
        }
        PackageIndex { map }
    }

    pub fn get(&self, eco: Ecosystem, name: &str) -> &[&'a Package] {
        self.map
            .get(&(eco, eco.normalize(name)))
            .map_or(&[], Vec::as_slice)
    }
}

fn reference(hit: Hit, d: &Dep, ctx: DepContext) -> Reference {
    Reference {
        hit,
        path: d.loc.path.clone(),
        line: d.loc.line,
        column: d.loc.column,
        end_column: d.loc.end_column,
        text: d.loc.text.clone(),
        prose: false,
        evidence: Evidence::Dependency(Box::new(ctx)),
        also: Default::default(),
    }
}

/// The references the database gives for one dependency: the package itself (a provider SDK) and
/// the models it loads by default.
pub fn database_refs(det: &Resolver, index: &PackageIndex<'_>, d: &Dep) -> Vec<Reference> {
    let mut out = Vec::new();
    for p in index.get(d.ecosystem, &d.name) {
        if !p.org.is_empty() {
            let hit = Hit {
                kind: RefKind::Package,
                identifier: p.name.clone(),
                org: Some(p.org.clone()),
                family: p.family.clone(),
                host: p.host.clone(),
                via: None,
                confidence: Confidence::High,
                rules: vec![RuleRef::new(RuleKind::Package, p.rule_id())],
            };
            out.push(reference(hit, d, DepContext::of(d, DepEvidence::Package)));
        }
        for m in &p.default_models {
            if let Some(mut hit) = det.resolve_token(m, "") {
                hit.rules.push(RuleRef::new(RuleKind::Package, p.rule_id()));
                out.push(reference(
                    hit,
                    d,
                    DepContext::of(d, DepEvidence::DefaultModel),
                ));
            }
        }
    }
    out
}

/// Problems of `[[package]]` entries that need the detector: a default model that does not
/// resolve.
pub fn check_default_models(det: &Resolver) -> Vec<crate::rules::Problem> {
    let db = det.db();
    let mut out = Vec::new();
    for p in db.packages.iter().filter(|p| !p.withdrawn) {
        for m in &p.default_models {
            if det.resolve_token(m, "").is_none() {
                out.push(db.problem(
                    &p.key(),
                    format!(
                        "{}: default model `{m}` does not resolve to a model",
                        p.key()
                    ),
                ));
            }
        }
    }
    out
}

/// What the analysis of a scan's manifests produced.
#[derive(Default)]
pub struct Analysis {
    pub refs: Vec<Reference>,
    pub notes: Vec<Notification>,
}

pub(crate) fn note(level: NotificationLevel, path: &str, message: String) -> Notification {
    Notification {
        level,
        path: Some(path.to_string()),
        line: None,
        message,
    }
}

/// A parse error of a manifest as a notification pointing at `file:line`.
pub(crate) fn malformed(path: &str, line: Option<usize>, what: &str, msg: &str) -> Notification {
    let consequence = if what == "requirement" {
        "this line is not checked"
    } else {
        "its dependencies are not checked"
    };
    let mut n = note(
        NotificationLevel::Warning,
        path,
        format!(
            "malformed {what}: {}; {consequence}",
            msg.lines().next().unwrap_or("").trim()
        ),
    );
    n.line = line.and_then(|l| u32::try_from(l).ok());
    n
}

/// Finds the folder on disk of a scanned path (`rel` is relative to the single root, or carries
/// the root's given path when several roots are scanned).
pub fn disk_path(roots: &[PathBuf], rel: &str) -> Option<PathBuf> {
    if roots.len() == 1 {
        let root = &roots[0];
        if root.is_dir() {
            return Some(root.join(rel));
        }
        return Some(root.clone());
    }
    let p = PathBuf::from(rel);
    p.exists().then_some(p)
}

/// Most findings from the dependencies of one manifest.
const MAX_REFS_PER_MANIFEST: usize = 1_000;

/// Analyses every manifest the walk handed over: per ecosystem and project folder, the declared
/// and locked dependencies; the database's package entries; and with `--deps` the installed
/// sources.
pub fn analyze(
    roots: &[PathBuf],
    det: &TextDetector,
    manifests: &[ManifestFile],
    opts: &DepsOptions,
) -> Analysis {
    let mut a = Analysis::default();
    let mut by_eco: BTreeMap<Ecosystem, Vec<&ManifestFile>> = BTreeMap::new();
    for m in manifests {
        by_eco.entry(m.kind.ecosystem()).or_default().push(m);
    }
    let mut deps: Vec<Dep> = Vec::new();
    for (eco, files) in by_eco {
        let mut files = files;
        files.sort_by(|x, y| x.rel.cmp(&y.rel));
        match eco {
            Ecosystem::Cargo => cargo::analyze(roots, &files, opts, &mut deps, &mut a.notes),
            Ecosystem::PyPI => python::analyze(roots, &files, opts, &mut deps, &mut a.notes),
            Ecosystem::Npm => npm::analyze(roots, &files, opts, &mut deps, &mut a.notes),
            Ecosystem::Go => golang::analyze(&files, &mut deps, &mut a.notes),
        }
    }
    let index = PackageIndex::new(det.db());
    let mut db_keys: HashSet<(String, u32, String, String)> = HashSet::new();
    // Findings per manifest are capped: a manifest repeating one listed package on 100k lines
    // must not make 100k findings (each of which later reads its manifest line's directives).
    let mut per_file: HashMap<String, usize> = HashMap::new();
    for d in &deps {
        let n = per_file.entry(d.loc.path.clone()).or_default();
        if *n > MAX_REFS_PER_MANIFEST {
            continue;
        }
        for r in database_refs(det.resolver(), &index, d) {
            if *n == MAX_REFS_PER_MANIFEST {
                *n += 1;
                a.notes.push(note(
                    NotificationLevel::Warning,
                    &d.loc.path,
                    format!(
                        "more than {MAX_REFS_PER_MANIFEST} dependency findings; the rest of this file's dependencies are not reported"
                    ),
                ));
                break;
            }
            *n += 1;
            db_keys.insert((
                r.path.clone(),
                r.line,
                d.ecosystem.normalize(&d.name),
                r.hit.identifier.to_ascii_lowercase(),
            ));
            a.refs.push(r);
        }
    }
    if opts.scan_sources {
        let found = sources::scan(roots, det, &deps, opts, &mut a.notes);
        for r in found {
            let dep = r
                .evidence
                .dependency()
                .expect("source references carry their dependency");
            let key = (
                r.path.clone(),
                r.line,
                dep.ecosystem.normalize(&dep.name),
                r.hit.identifier.to_ascii_lowercase(),
            );
            if db_keys.contains(&key) {
                // The database already says so; keep the place in the sources as evidence.
                if let Some(existing) = a.refs.iter_mut().find(|x| {
                    x.path == key.0
                        && x.line == key.1
                        && x.hit.identifier.eq_ignore_ascii_case(&key.3)
                        && x.evidence.dependency().is_some_and(|c| c.related.is_none())
                }) && let (Some(c), Some(rel)) =
                    (existing.evidence.dependency_mut(), dep.related.clone())
                {
                    c.related = Some(rel);
                }
                continue;
            }
            a.refs.push(r);
        }
    }
    a
}

/// The scanned root that holds repository-relative `rel` (the single root, or the root whose
/// given path `rel` starts with).
pub(crate) fn tree_of<'r>(roots: &'r [PathBuf], rel: &str) -> Option<&'r Path> {
    if roots.len() == 1 {
        let r = &roots[0];
        return r.is_dir().then_some(r.as_path());
    }
    roots
        .iter()
        .find(|r| Path::new(rel).starts_with(r))
        .map(PathBuf::as_path)
}

/// A path outside the walk, as a notification shows it: relative to the scanned root when it is
/// inside one, else relative to `base` (the dependency's folder), never an absolute path of the
/// machine.
pub(crate) fn shown(roots: &[PathBuf], base: &Path, p: &Path) -> String {
    if let Some(r) = sources::root_relative(roots, p) {
        return r;
    }
    let rel = p.strip_prefix(base).unwrap_or(p);
    let name = base
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let rel = rel.to_string_lossy();
    if rel.is_empty() {
        name
    } else {
        format!("{name}/{rel}")
    }
}

/// A file outside the walk that was not read, as a notification: its path and why.
pub(crate) fn refused(path: &str, what: &str, e: &crate::safeio::ReadError) -> Notification {
    note(
        NotificationLevel::Warning,
        path,
        format!("{what} {}: {e}", crate::escape::display(path)),
    )
}

/// Whether `p` lies inside one of the scanned roots (the walk covers it already).
pub(crate) fn inside_roots(roots: &[PathBuf], p: &Path) -> bool {
    let Ok(cp) = p.canonicalize() else {
        return false;
    };
    roots
        .iter()
        .filter_map(|r| r.canonicalize().ok())
        .any(|r| cp.starts_with(r))
}
