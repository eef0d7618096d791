//! JavaScript: `package.json`, `package-lock.json` (and `npm-shrinkwrap.json`) through
//! `serde_json`; `pnpm-lock.yaml` and Yarn Berry's `yarn.lock` through `yaml-rust2`; Yarn 1's
//! `yarn.lock` (its own line format) through a small parser of that format. With `--deps`, each
//! package is looked up in `node_modules`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use yaml_rust2::{Yaml, YamlLoader};

use super::locate::{Loc, Locator};
use super::{Dep, DepsOptions, Ecosystem, LockGraph, Locked, ManifestFile, ManifestKind};
use crate::safeio;
use crate::types::{Notification, NotificationLevel};

/// Most entries read from one manifest or lock file (a real lock file has a few thousand).
const MAX_ENTRIES: usize = 200_000;

fn too_many(path: &str) -> Notification {
    super::note(
        NotificationLevel::Warning,
        path,
        format!("more than {MAX_ENTRIES} entries; only the first {MAX_ENTRIES} are checked"),
    )
}

const DEP_KEYS: &[&str] = &[
    "dependencies",
    "devDependencies",
    "optionalDependencies",
    "peerDependencies",
];

fn valid_name(n: &str) -> bool {
    let body = match n.strip_prefix('@') {
        Some(scoped) => match scoped.split_once('/') {
            Some((scope, name)) if !scope.is_empty() && !name.is_empty() => {
                return [scope, name].iter().all(|p| plain(p));
            }
            _ => return false,
        },
        None => n,
    };
    plain(body)
}

fn plain(p: &str) -> bool {
    !p.is_empty()
        && !p.starts_with(['.', '_'])
        && p.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The package an npm specification names: `name`, `name@range`, `@scope/name@range`.
pub fn spec_name(spec: &str) -> Option<String> {
    let name = descriptor_name(spec.trim().trim_matches('"'));
    valid_name(&name).then_some(name)
}

/// The name in a descriptor `name@range` (scoped names keep their leading `@`).
fn descriptor_name(d: &str) -> String {
    let d = d.trim().trim_matches(['"', '\'']);
    let cut = if let Some(rest) = d.strip_prefix('@') {
        rest.find('@').map(|i| i + 1)
    } else {
        d.find('@')
    };
    match cut {
        Some(i) => d[..i].to_string(),
        None => d.to_string(),
    }
}

fn json(m: &ManifestFile, what: &str, notes: &mut Vec<Notification>) -> Option<serde_json::Value> {
    match serde_json::from_str(&m.text) {
        Ok(v) => Some(v),
        Err(e) => {
            notes.push(super::malformed(
                &m.rel,
                Some(e.line()),
                what,
                &e.to_string(),
            ));
            None
        }
    }
}

fn direct(name: &str, loc: Loc) -> Dep {
    Dep {
        ecosystem: Ecosystem::Npm,
        name: name.to_string(),
        version: None,
        direct: true,
        chain: Vec::new(),
        loc,
        marker: None,
        installed: None,
    }
}

/// `package.json`: its name and declared dependencies.
pub fn package_json(m: &ManifestFile, notes: &mut Vec<Notification>) -> (Option<String>, Vec<Dep>) {
    let Some(v) = json(m, "package.json", notes) else {
        return (None, Vec::new());
    };
    let name = v.get("name").and_then(|n| n.as_str()).map(str::to_string);
    let mut out = Vec::new();
    let objs: Vec<(&str, &serde_json::Map<String, serde_json::Value>)> = DEP_KEYS
        .iter()
        .filter_map(|k| Some((*k, v.get(*k)?.as_object()?)))
        .collect();
    let loc = Locator::new(
        &m.rel,
        &m.text,
        objs.iter().flat_map(|(_, o)| o.keys().map(String::as_str)),
    );
    for (key, obj) in objs {
        let quoted = format!("\"{key}\"");
        let header = loc.line_where(0, |l| l.starts_with(&quoted));
        for dep in obj.keys().take(MAX_ENTRIES) {
            out.push(direct(dep, loc.locate(header, dep)));
        }
    }
    (name, out)
}

/// The name of a `node_modules/...` path key of a v2/v3 lock file.
fn path_key_name(k: &str) -> Option<&str> {
    k.rfind("node_modules/")
        .map(|i| &k[i + "node_modules/".len()..])
}

/// `package-lock.json`: v2/v3 `packages` (path keys), else v1 nested `dependencies`.
pub fn package_lock(
    m: &ManifestFile,
    dir: Option<&Path>,
    notes: &mut Vec<Notification>,
) -> Option<LockGraph> {
    let v = json(m, "package-lock.json", notes)?;
    let mut g = LockGraph::default();
    if let Some(pkgs) = v.get("packages").and_then(|p| p.as_object()) {
        let loc = Locator::new(&m.rel, &m.text, pkgs.keys().map(String::as_str));
        let header = loc
            .line_where(0, |l| l.starts_with("\"packages\""))
            .unwrap_or(0);
        for (k, info) in pkgs.iter().take(MAX_ENTRIES) {
            let deps: Vec<String> = DEP_KEYS
                .iter()
                .filter_map(|d| info.get(*d).and_then(|x| x.as_object()))
                .flat_map(|o| o.keys().cloned())
                .collect();
            let version = info
                .get("version")
                .and_then(|x| x.as_str())
                .map(str::to_string);
            let (name, loc) = match path_key_name(k) {
                Some(n) => {
                    let l = loc
                        .find_after(header, k)
                        .unwrap_or_else(|| loc.line_of(header as u32 + 1));
                    (n.to_string(), l)
                }
                None => {
                    // The root ("") or a workspace folder: a project of its own.
                    let n = if k.is_empty() {
                        "<root>".to_string()
                    } else {
                        format!("<workspace:{k}>")
                    };
                    g.roots.push(n.clone());
                    if let Some(real) = info.get("name").and_then(|x| x.as_str()) {
                        g.roots.push(real.to_string());
                    }
                    (n, loc.line_of(header as u32 + 1))
                }
            };
            // A path key is repository content: only `node_modules/...` folders below the
            // project, never `..` or an absolute path.
            let safe_key =
                !k.is_empty() && k.split('/').all(|c| !c.is_empty() && c != "." && c != "..");
            let installed = dir
                .filter(|_| safe_key)
                .map(|d| d.join(k))
                .filter(|p| p.is_dir());
            g.packages.push(Locked {
                name,
                version,
                deps,
                loc,
                installed,
            });
        }
        return Some(g);
    }
    // v1: a tree of `dependencies` with `requires`.
    fn names<'v>(obj: &'v serde_json::Map<String, serde_json::Value>, out: &mut Vec<&'v str>) {
        for (name, info) in obj {
            out.push(name);
            if let Some(nested) = info.get("dependencies").and_then(|d| d.as_object()) {
                names(nested, out);
            }
        }
    }
    fn walk(
        loc: &Locator<'_>,
        header: Option<usize>,
        obj: &serde_json::Map<String, serde_json::Value>,
        g: &mut LockGraph,
    ) {
        for (name, info) in obj {
            if g.packages.len() >= MAX_ENTRIES {
                return;
            }
            let deps = info
                .get("requires")
                .and_then(|r| r.as_object())
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            let at = loc.locate(header, name);
            g.packages.push(Locked {
                name: name.clone(),
                version: info
                    .get("version")
                    .and_then(|x| x.as_str())
                    .map(str::to_string),
                deps,
                loc: at,
                installed: None,
            });
            if let Some(nested) = info.get("dependencies").and_then(|d| d.as_object()) {
                walk(loc, header, nested, g);
            }
        }
    }
    if let Some(d) = v.get("dependencies").and_then(|d| d.as_object()) {
        let mut all = Vec::new();
        names(d, &mut all);
        let loc = Locator::new(&m.rel, &m.text, all);
        let header = loc.line_where(0, |l| l.starts_with("\"dependencies\""));
        walk(&loc, header, d, &mut g);
    }
    Some(g)
}

/// Most nodes a YAML lock file may stand for once its aliases are expanded (yaml-rust2's loader
/// copies the anchored node at every alias: a few hundred bytes of nested anchors would otherwise
/// expand to gigabytes).
const MAX_YAML_NODES: u64 = 4_000_000;

/// Counts, from the parser's events, the nodes the loaded document would hold with every alias
/// expanded; stops counting past [`MAX_YAML_NODES`].
#[derive(Default)]
struct AliasBudget {
    /// Open collections: (anchor id, nodes so far).
    stack: Vec<(usize, u64)>,
    /// Expanded size of each anchored node.
    anchors: HashMap<usize, u64>,
    total: u64,
}

impl AliasBudget {
    fn add(&mut self, n: u64) {
        match self.stack.last_mut() {
            Some((_, s)) => *s = s.saturating_add(n),
            None => self.total = self.total.saturating_add(n),
        }
    }

    fn over(&self) -> bool {
        self.total > MAX_YAML_NODES || self.stack.iter().any(|(_, s)| *s > MAX_YAML_NODES)
    }
}

impl yaml_rust2::parser::EventReceiver for AliasBudget {
    fn on_event(&mut self, ev: yaml_rust2::Event) {
        use yaml_rust2::Event;
        if self.total > MAX_YAML_NODES {
            return;
        }
        match ev {
            Event::Scalar(_, _, anchor, _) => {
                if anchor > 0 {
                    self.anchors.insert(anchor, 1);
                }
                self.add(1);
            }
            Event::Alias(id) => {
                let n = self.anchors.get(&id).copied().unwrap_or(1);
                self.add(n);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                self.stack.push((anchor, 1));
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((anchor, n)) = self.stack.pop() {
                    if anchor > 0 {
                        self.anchors.insert(anchor, n);
                    }
                    self.add(n);
                }
            }
            _ => {}
        }
        if self.over() {
            self.total = MAX_YAML_NODES + 1;
        }
    }
}

fn yaml(m: &ManifestFile, what: &str, notes: &mut Vec<Notification>) -> Option<Yaml> {
    let malformed = |e: yaml_rust2::ScanError, notes: &mut Vec<Notification>| {
        notes.push(super::malformed(
            &m.rel,
            Some(e.marker().line()),
            what,
            e.info(),
        ));
    };
    // First the events alone (of every document: the loader reads them all), counting what
    // aliases would expand to; the loader runs only when the file stays within the budget.
    let mut budget = AliasBudget::default();
    if let Err(e) = yaml_rust2::parser::Parser::new_from_str(&m.text).load(&mut budget, true) {
        malformed(e, notes);
        return None;
    }
    if budget.total > MAX_YAML_NODES {
        notes.push(super::note(
            NotificationLevel::Warning,
            &m.rel,
            format!(
                "too many alias expansions: its YAML aliases would expand to more than {MAX_YAML_NODES} nodes; not parsed, its dependencies are not checked"
            ),
        ));
        return None;
    }
    match YamlLoader::load_from_str(&m.text) {
        Ok(mut docs) if !docs.is_empty() => Some(docs.swap_remove(0)),
        Ok(_) => None,
        Err(e) => {
            malformed(e, notes);
            None
        }
    }
}

fn ykeys(y: &Yaml) -> Vec<String> {
    y.as_hash()
        .map(|h| {
            h.keys()
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// `(name, version)` of a pnpm package key: `/name@1.0.0` (v6), `name@1.0.0(peer@2)` (v9),
/// `/name/1.0.0` (v5).
fn pnpm_key(k: &str) -> (String, Option<String>) {
    let k = k.split('(').next().unwrap_or(k).trim_start_matches('/');
    let at = if let Some(rest) = k.strip_prefix('@') {
        rest.find('@').map(|i| i + 1)
    } else {
        k.find('@')
    };
    if let Some(i) = at {
        return (k[..i].to_string(), Some(k[i + 1..].to_string()));
    }
    match k.rsplit_once('/') {
        Some((n, v)) if v.starts_with(|c: char| c.is_ascii_digit()) => {
            (n.to_string(), Some(v.to_string()))
        }
        _ => (k.to_string(), None),
    }
}

/// The entries of a YAML section: the key of each line indented by `indent` → its first 0-based
/// line (also the first descriptor of a Yarn Berry key `a@npm:1, a@npm:2`). The section starts
/// after line `header` (`None`: the whole file) and ends at the next line at indent 0 (when
/// `indent` > 0). One pass.
fn section_entries<'a>(
    loc: &Locator<'a>,
    header: Option<usize>,
    indent: usize,
) -> HashMap<&'a str, usize> {
    let mut out = HashMap::new();
    let start = header.map_or(0, |h| h + 1);
    for i in start..loc.lines() {
        let l = loc.line(i);
        let ind = l.len() - l.trim_start().len();
        if indent > 0 && ind == 0 && !l.trim().is_empty() {
            break;
        }
        if ind != indent || l.trim_start().starts_with('#') {
            continue;
        }
        let t = l.trim();
        let key = match t.as_bytes().first() {
            Some(&q @ (b'\'' | b'"')) => t[1..].split(q as char).next().unwrap_or(""),
            _ => match t.find(": ") {
                Some(e) => &t[..e],
                None => t.strip_suffix(':').unwrap_or(t),
            },
        };
        let key = key.trim_start_matches('/');
        out.entry(key).or_insert(i);
        if let Some((first, _)) = key.split_once(", ") {
            out.entry(first).or_insert(i);
        }
    }
    out
}

/// The line of entry `key` (see [`section_entries`]), at `name` on it.
fn entry_loc(loc: &Locator<'_>, entries: &HashMap<&str, usize>, name: &str, key: &str) -> Loc {
    match entries.get(key.trim_start_matches('/')) {
        Some(&i) => loc
            .find_in_line(i, name)
            .unwrap_or_else(|| loc.line_of(i as u32 + 1)),
        None => loc.locate(None, name),
    }
}

/// `pnpm-lock.yaml` (lockfile versions 5 to 9): importers (or the root's dependencies) and the
/// `packages`/`snapshots` graph.
pub fn pnpm_lock(m: &ManifestFile, notes: &mut Vec<Notification>) -> Option<LockGraph> {
    let y = yaml(m, "pnpm-lock.yaml", notes)?;
    let mut g = LockGraph::default();
    let dep_names = |node: &Yaml| -> Vec<String> {
        ["dependencies", "devDependencies", "optionalDependencies"]
            .iter()
            .flat_map(|k| ykeys(&node[*k]))
            .collect()
    };
    let mut importers: Vec<(String, Vec<String>)> = Vec::new();
    if let Some(h) = y["importers"].as_hash() {
        for (k, v) in h {
            importers.push((k.as_str().unwrap_or(".").to_string(), dep_names(v)));
        }
    } else {
        importers.push((".".into(), dep_names(&y)));
    }
    let first_line = Loc::line_of(&m.rel, &m.text, 1);
    for (path, deps) in importers {
        let n = format!("<importer:{path}>");
        g.roots.push(n.clone());
        g.packages.push(Locked {
            name: n,
            version: None,
            deps,
            loc: first_line.clone(),
            installed: None,
        });
    }
    let mut seen: HashMap<(String, Option<String>), usize> = HashMap::new();
    let names: Vec<String> = ["packages", "snapshots"]
        .iter()
        .filter_map(|s| y[*s].as_hash())
        .flat_map(|h| h.keys().filter_map(|k| k.as_str()))
        .take(MAX_ENTRIES)
        .map(|k| pnpm_key(k).0)
        .collect();
    let loc = Locator::new(&m.rel, &m.text, names.iter().map(String::as_str));
    for section in ["packages", "snapshots"] {
        let Some(h) = y[section].as_hash() else {
            continue;
        };
        let header = Some(loc.trimmed_line(&format!("{section}:")).unwrap_or(0));
        let entries = section_entries(&loc, header, 2);
        for (k, v) in h {
            let Some(key) = k.as_str() else { continue };
            if g.packages.len() >= MAX_ENTRIES {
                notes.push(too_many(&m.rel));
                break;
            }
            let (name, version) = pnpm_key(key);
            let deps = dep_names(v);
            match seen.get(&(name.clone(), version.clone())) {
                Some(&i) => g.packages[i].deps.extend(deps),
                None => {
                    let loc = entry_loc(&loc, &entries, &name, key);
                    seen.insert((name.clone(), version.clone()), g.packages.len());
                    g.packages.push(Locked {
                        name,
                        version,
                        deps,
                        loc,
                        installed: None,
                    });
                }
            }
        }
    }
    Some(g)
}

/// `yarn.lock`: Berry (YAML, with `__metadata`) or Yarn 1's own format.
pub fn yarn_lock(m: &ManifestFile, notes: &mut Vec<Notification>) -> Option<LockGraph> {
    if m.text.lines().any(|l| l.starts_with("__metadata:")) {
        let y = yaml(m, "yarn.lock", notes)?;
        let mut g = LockGraph::default();
        let h = y.as_hash()?;
        let names: Vec<String> = h
            .keys()
            .filter_map(|k| k.as_str())
            .take(MAX_ENTRIES)
            .map(|k| descriptor_name(k.split(',').next().unwrap_or(k)))
            .collect();
        let loc = Locator::new(&m.rel, &m.text, names.iter().map(String::as_str));
        let entries = section_entries(&loc, None, 0);
        for (k, v) in h {
            let Some(key) = k.as_str() else { continue };
            if key == "__metadata" {
                continue;
            }
            if g.packages.len() >= MAX_ENTRIES {
                notes.push(too_many(&m.rel));
                break;
            }
            let first = key.split(',').next().unwrap_or(key);
            let name = descriptor_name(first);
            let deps = ["dependencies", "peerDependencies"]
                .iter()
                .flat_map(|d| ykeys(&v[*d]))
                .collect();
            let version = v["version"].as_str().map(str::to_string);
            if v["linkType"].as_str() == Some("soft")
                && version.as_deref() == Some("0.0.0-use.local")
            {
                g.roots.push(name.clone());
            }
            let loc = entry_loc(&loc, &entries, &name, first);
            g.packages.push(Locked {
                name,
                version,
                deps,
                loc,
                installed: None,
            });
        }
        return Some(g);
    }
    // Yarn 1: `descriptor[, descriptor]:` blocks with indented fields.
    let mut g = LockGraph::default();
    let mut cur: Option<Locked> = None;
    let mut in_deps = false;
    let loc = Locator::new(&m.rel, &m.text, []);
    for (i, line) in m.text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let t = line.trim();
        if indent == 0 {
            if let Some(p) = cur.take() {
                g.packages.push(p);
            }
            if g.packages.len() >= MAX_ENTRIES {
                notes.push(too_many(&m.rel));
                return Some(g);
            }
            let Some(head) = t.strip_suffix(':') else {
                notes.push(super::malformed(
                    &m.rel,
                    Some(i + 1),
                    "yarn.lock",
                    "an entry header must end with `:`",
                ));
                return None;
            };
            let first = head.split(',').next().unwrap_or(head);
            let name = descriptor_name(first);
            let at = loc
                .find_in_line(i, &name)
                .unwrap_or_else(|| loc.line_of(i as u32 + 1));
            cur = Some(Locked {
                name,
                version: None,
                deps: Vec::new(),
                loc: at,
                installed: None,
            });
            in_deps = false;
        } else if let Some(p) = cur.as_mut() {
            if indent == 2 {
                in_deps = t == "dependencies:" || t == "optionalDependencies:";
                if let Some(v) = t.strip_prefix("version ") {
                    p.version = Some(v.trim().trim_matches('"').to_string());
                }
            } else if in_deps && indent >= 4 {
                let n = t.split_whitespace().next().unwrap_or("").trim_matches('"');
                if !n.is_empty() {
                    p.deps.push(n.to_string());
                }
            }
        }
    }
    if let Some(p) = cur.take() {
        g.packages.push(p);
    }
    Some(g)
}

/// The packages installed in a `node_modules` folder (with their declared dependencies), for a
/// project without a lock file.
fn node_modules(
    nm: &Path,
    (tree, rel_dir): (&Path, &str),
    rel: &ManifestFile,
    notes: &mut Vec<Notification>,
) -> Vec<Locked> {
    let mut out = Vec::new();
    let at = Locator::new(&rel.rel, &rel.text, []).line_of(1);
    let mut dirs: Vec<PathBuf> = Vec::new();
    let Ok(rd) = std::fs::read_dir(nm) else {
        return out;
    };
    let mut entries: Vec<_> = rd.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let n = e.file_name().to_string_lossy().into_owned();
        if n.starts_with('@') {
            if let Ok(sub) = std::fs::read_dir(e.path()) {
                let mut s: Vec<_> = sub.flatten().map(|x| x.path()).collect();
                s.sort();
                dirs.extend(s);
            }
        } else if !n.starts_with('.') {
            dirs.push(e.path());
        }
    }
    for d in dirs.into_iter().take(MAX_ENTRIES) {
        // Through safeio: a FIFO, a link to `/dev/zero` or a folder linked out of the tree is a
        // notification, never a blocked or unbounded read.
        let pj = d.join("package.json");
        let text = match safeio::read_text(&pj, Some(tree), safeio::limits::METADATA_FILE) {
            Ok(t) => t,
            Err(e) if e.is_not_found() => continue,
            Err(e) => {
                notes.push(super::refused(
                    &rel_path(rel_dir, tree, &pj),
                    "installed package manifest",
                    &e,
                ));
                continue;
            }
        };
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        let Some(name) = v.get("name").and_then(|n| n.as_str()) else {
            continue;
        };
        let deps = ["dependencies", "optionalDependencies"]
            .iter()
            .filter_map(|k| v.get(*k).and_then(|x| x.as_object()))
            .flat_map(|o| o.keys().cloned())
            .collect();
        out.push(Locked {
            name: name.to_string(),
            version: v
                .get("version")
                .and_then(|x| x.as_str())
                .map(str::to_string),
            deps,
            loc: at.clone(),
            installed: Some(d),
        });
    }
    out
}

/// `p` (below the project folder `tree`, at repository-relative `rel_dir`) as a repository path.
fn rel_path(rel_dir: &str, tree: &Path, p: &Path) -> String {
    let r = p.strip_prefix(tree).unwrap_or(p).to_string_lossy();
    if rel_dir.is_empty() {
        r.into_owned()
    } else {
        format!("{rel_dir}/{r}")
    }
}

/// Every JavaScript project folder in the scan.
pub fn analyze(
    roots: &[PathBuf],
    files: &[&ManifestFile],
    opts: &DepsOptions,
    out: &mut Vec<Dep>,
    notes: &mut Vec<Notification>,
) {
    let by_dir = super::by_dir(files);
    for (dir, ms) in by_dir {
        let disk = opts
            .scan_sources
            .then(|| super::disk_path(roots, dir))
            .flatten();
        let mut declared = Vec::new();
        let mut own: Vec<String> = Vec::new();
        let mut lock: Option<LockGraph> = None;
        let order = |k: ManifestKind| match k {
            ManifestKind::PackageLock => 0,
            ManifestKind::PnpmLock => 1,
            ManifestKind::YarnLock => 2,
            _ => 3,
        };
        let mut locks: Vec<&&ManifestFile> = ms.iter().filter(|m| m.kind.is_lock()).collect();
        locks.sort_by_key(|m| order(m.kind));
        for m in &ms {
            if m.kind == ManifestKind::PackageJson {
                let (name, d) = package_json(m, notes);
                own.extend(name);
                declared.extend(d);
            }
        }
        for m in locks {
            let g = match m.kind {
                ManifestKind::PackageLock => package_lock(m, disk.as_deref(), notes),
                ManifestKind::PnpmLock => pnpm_lock(m, notes),
                ManifestKind::YarnLock => yarn_lock(m, notes),
                _ => None,
            };
            if lock.is_none() {
                lock = g;
            }
        }
        let nm = disk
            .as_ref()
            .map(|d| (d.clone(), d.join("node_modules")))
            .filter(|(_, p)| p.is_dir());
        if let Some((tree, nm)) = nm {
            // `node_modules` and each package folder must resolve inside the project: a link
            // to a folder elsewhere is a notification, never read.
            let inside = |p: &Path| safeio::check_inside(&p.join("package.json"), &tree);
            if let Err(e) = inside(&nm) {
                let shown = rel_path(dir, &tree, &nm);
                notes.push(super::refused(&shown, "node_modules folder", &e));
            } else {
                match &mut lock {
                    Some(g) => {
                        for p in &mut g.packages {
                            if p.installed.is_none()
                                && !p.name.starts_with('<')
                                && valid_name(&p.name)
                            {
                                let d = nm.join(&p.name);
                                p.installed = d.is_dir().then_some(d);
                            }
                            if let Some(d) = &p.installed
                                && let Err(e) = inside(d)
                            {
                                let shown = rel_path(dir, &tree, d);
                                notes.push(super::refused(&shown, "installed package", &e));
                                p.installed = None;
                            }
                        }
                    }
                    None if !declared.is_empty() => {
                        lock = Some(LockGraph {
                            packages: node_modules(&nm, (&tree, dir), ms[0], notes),
                            roots: own.clone(),
                        });
                    }
                    None => {}
                }
            }
        }
        if let Some(g) = &mut lock {
            g.roots.extend(own.iter().cloned());
        }
        let had_lock = ms.iter().any(|m| m.kind.is_lock());
        let mut deps = super::combine(Ecosystem::Npm, declared, lock.as_ref());
        deps.retain(|d| !d.name.starts_with('<'));
        if !had_lock {
            deps.retain(|d| d.direct || !d.chain.is_empty());
        }
        out.extend(deps);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mf(rel: &str, kind: ManifestKind, text: &str) -> ManifestFile {
        ManifestFile::new(rel, kind, text)
    }

    #[test]
    fn names() {
        assert_eq!(
            spec_name("@ai-sdk/deepseek@^1.0.0").as_deref(),
            Some("@ai-sdk/deepseek")
        );
        assert_eq!(spec_name("zhipuai@2").as_deref(), Some("zhipuai"));
        assert_eq!(spec_name("Not A Name"), None);
        assert_eq!(
            pnpm_key("/@ai-sdk/deepseek@1.0.0"),
            ("@ai-sdk/deepseek".into(), Some("1.0.0".into()))
        );
        assert_eq!(
            pnpm_key("zod@3.23.8(x@1)"),
            ("zod".into(), Some("3.23.8".into()))
        );
        assert_eq!(
            pnpm_key("/left-pad/1.3.0"),
            ("left-pad".into(), Some("1.3.0".into()))
        );
    }

    #[test]
    fn yarn_v1() {
        let t = "# yarn lockfile v1\n\n\"@ai-sdk/deepseek@^1.0.0\":\n  version \"1.0.5\"\n  dependencies:\n    \"@ai-sdk/provider\" \"1.0.0\"\n\n\"@ai-sdk/provider@1.0.0\":\n  version \"1.0.0\"\n";
        let g = yarn_lock(&mf("yarn.lock", ManifestKind::YarnLock, t), &mut Vec::new()).unwrap();
        assert_eq!(g.packages.len(), 2);
        assert_eq!(g.packages[0].name, "@ai-sdk/deepseek");
        assert_eq!(g.packages[0].version.as_deref(), Some("1.0.5"));
        assert_eq!(g.packages[0].deps, vec!["@ai-sdk/provider"]);
        assert_eq!(g.packages[0].loc.line, 3);
    }

    #[test]
    fn pnpm_v9() {
        let t = "lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      ai-glue:\n        specifier: ^1.0.0\n        version: 1.0.0\n\npackages:\n\n  ai-glue@1.0.0:\n    resolution: {integrity: sha512-x}\n\n  '@ai-sdk/deepseek@1.0.5':\n    resolution: {integrity: sha512-y}\n\nsnapshots:\n\n  ai-glue@1.0.0:\n    dependencies:\n      '@ai-sdk/deepseek': 1.0.5\n\n  '@ai-sdk/deepseek@1.0.5': {}\n";
        let g = pnpm_lock(
            &mf("pnpm-lock.yaml", ManifestKind::PnpmLock, t),
            &mut Vec::new(),
        )
        .unwrap();
        let glue = g.packages.iter().find(|p| p.name == "ai-glue").unwrap();
        assert_eq!(glue.deps, vec!["@ai-sdk/deepseek"]);
        assert_eq!(glue.loc.line, 13);
        let ds = g
            .packages
            .iter()
            .find(|p| p.name == "@ai-sdk/deepseek")
            .unwrap();
        assert_eq!(ds.loc.line, 16);
        let deps = super::super::combine(Ecosystem::Npm, Vec::new(), Some(&g));
        let ds = deps.iter().find(|d| d.name == "@ai-sdk/deepseek").unwrap();
        assert_eq!(ds.chain, vec!["ai-glue", "@ai-sdk/deepseek"]);
    }

    #[test]
    fn long_multibyte_lock_files_do_not_panic() {
        for pad in 0..4 {
            let t = format!(
                "lockfileVersion: '9.0'\n#{}{}\nimporters:\n  .:\n    dependencies:\n      é: 1.0.0\n",
                "x".repeat(pad),
                "é".repeat(3000)
            );
            let g = pnpm_lock(
                &mf("pnpm-lock.yaml", ManifestKind::PnpmLock, &t),
                &mut Vec::new(),
            )
            .unwrap();
            assert_eq!(g.packages[0].loc.line, 1);
        }
    }

    #[test]
    fn malformed_yaml_has_a_line() {
        let mut n = Vec::new();
        assert!(
            pnpm_lock(
                &mf("pnpm-lock.yaml", ManifestKind::PnpmLock, "a: [\nb: c\n"),
                &mut n
            )
            .is_none()
        );
        assert!(n[0].message.contains("pnpm-lock.yaml:"), "{n:?}");
    }
}
