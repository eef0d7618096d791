//! Python: `requirements*.txt` (with `-r` includes and environment markers), `pyproject.toml`
//! (PEP 621, PEP 735 groups, Poetry, uv), `poetry.lock`, `uv.lock`, `Pipfile`, `Pipfile.lock` and
//! `setup.cfg`. TOML goes through the `toml` crate, JSON through `serde_json`; requirement lines
//! through a PEP 508 parser. With `--deps`, a virtual environment (`--python-env DIR`, or a
//! `.venv`/`venv` beside a manifest) gives the installed files of each distribution (its
//! `*.dist-info/RECORD`) and, from `Requires-Dist`, the graph when no lock file is scanned.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::locate::{self, Loc, Locator};
use super::{Dep, DepsOptions, Ecosystem, LockGraph, Locked, ManifestFile, ManifestKind};
use crate::safeio;
use crate::types::{Notification, NotificationLevel};

/// PEP 503 normalisation: lower case, every run of `-`, `_` and `.` becomes `-`.
pub fn normalize(name: &str) -> String {
    let mut s = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !s.is_empty() {
                s.push('-');
            }
            sep = false;
            s.push(c.to_ascii_lowercase());
        }
    }
    s
}

/// A PEP 508 requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub name: String,
    pub extras: Vec<String>,
    /// Version specifiers (`>=2,<3`), possibly empty.
    pub spec: String,
    /// A direct reference (`name @ https://...`).
    pub url: Option<String>,
    /// The environment marker after `;`.
    pub marker: Option<String>,
}

/// Parses a PEP 508 requirement. The name must be a valid distribution name; what follows must
/// be extras, version specifiers, a direct reference and/or a marker.
pub fn parse_requirement(s: &str) -> Result<Requirement, String> {
    let s = s.trim();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'-' | b'_' | b'.')) {
        i += 1;
    }
    let name = &s[..i];
    if name.is_empty()
        || !name.as_bytes()[0].is_ascii_alphanumeric()
        || !name.as_bytes()[name.len() - 1].is_ascii_alphanumeric()
    {
        return Err(format!("`{s}` does not start with a distribution name"));
    }
    let mut rest = s[i..].trim_start();
    let mut extras = Vec::new();
    if let Some(r) = rest.strip_prefix('[') {
        let Some(end) = r.find(']') else {
            return Err(format!("`{s}`: unclosed extras"));
        };
        extras = r[..end]
            .split(',')
            .map(|e| e.trim().to_string())
            .filter(|e| !e.is_empty())
            .collect();
        rest = r[end + 1..].trim_start();
    }
    let (body, marker) = match rest.split_once(';') {
        Some((a, m)) => (
            a.trim(),
            Some(m.trim().to_string()).filter(|m| !m.is_empty()),
        ),
        None => (rest.trim(), None),
    };
    let mut url = None;
    let mut spec = String::new();
    if let Some(u) = body.strip_prefix('@') {
        url = Some(u.trim().to_string());
    } else if !body.is_empty() {
        let ops = ['<', '>', '=', '!', '~'];
        let ok_start = body.starts_with(ops)
            || body
                .strip_prefix('(')
                .is_some_and(|b| b.trim_start().starts_with(ops));
        let ok_chars = body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " \t<>=!~.,*+-_()".contains(c));
        if !ok_start || !ok_chars {
            return Err(format!("`{s}`: `{body}` is not a version specifier"));
        }
        spec = body.to_string();
    }
    Ok(Requirement {
        name: name.to_string(),
        extras,
        spec,
        url,
        marker,
    })
}

fn dep(name: &str, loc: Loc, marker: Option<String>) -> Dep {
    Dep {
        ecosystem: Ecosystem::PyPI,
        name: name.to_string(),
        version: None,
        direct: true,
        chain: Vec::new(),
        loc,
        marker,
        installed: None,
    }
}

/// The `requirements*.txt` parser: one requirement per logical line (`\` continues a line),
/// comments, options; `-r FILE` includes are returned as paths relative to the file's folder.
pub fn requirements(
    path: &str,
    text: &str,
    notes: &mut Vec<Notification>,
) -> (Vec<Dep>, Vec<String>) {
    let mut deps = Vec::new();
    let mut includes = Vec::new();
    let loc = Locator::new(path, text, []);
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let start = i;
        let mut logical = String::new();
        loop {
            let l = lines[i];
            match l.strip_suffix('\\') {
                Some(head) => {
                    logical.push_str(head);
                    logical.push(' ');
                    i += 1;
                    if i >= lines.len() {
                        break;
                    }
                }
                None => {
                    logical.push_str(l);
                    i += 1;
                    break;
                }
            }
        }
        // A comment starts at `#` preceded by whitespace (or at the line start).
        let content = match logical.find(" #").or_else(|| logical.find("\t#")) {
            Some(c) => &logical[..c],
            None if logical.trim_start().starts_with('#') => "",
            None => logical.as_str(),
        }
        .trim();
        if content.is_empty() {
            continue;
        }
        let line_no = start as u32 + 1;
        if let Some(opt) = content.strip_prefix('-') {
            let (flag, arg) = match opt.split_once([' ', '=', '\t']) {
                Some((f, a)) => (f, a.trim()),
                None => (opt, ""),
            };
            match flag {
                "r" | "-requirement" if !arg.is_empty() => includes.push(arg.to_string()),
                "e" | "-editable" => {
                    if let Some(egg) = arg.split("#egg=").nth(1) {
                        let name = egg.split(['&', '[']).next().unwrap_or(egg);
                        let at = (start..i)
                            .find_map(|l| loc.find_in_line(l, name))
                            .unwrap_or_else(|| loc.line_of(line_no));
                        deps.push(dep(name, at, None));
                    }
                }
                _ => {}
            }
            continue;
        }
        // Per-requirement options (`--hash=...`) follow the requirement.
        let req_text = content.split(" --").next().unwrap_or(content);
        match parse_requirement(req_text) {
            Ok(r) => {
                let at = loc
                    .find_in_line(start, &r.name)
                    .unwrap_or_else(|| loc.line_of(line_no));
                deps.push(dep(&r.name, at, r.marker));
            }
            // Local paths, archives and VCS URLs name no distribution.
            Err(_) if content.starts_with(['.', '/']) || content.contains("://") => {}
            Err(e) => notes.push(super::malformed(path, Some(start + 1), "requirement", &e)),
        }
    }
    (deps, includes)
}

/// Line lookups of one TOML manifest, built in one pass: where a `[header]` is (comments
/// ignored), and on which lines a key `key = ...` or `"key" ...` is written.
struct TomlLines<'a> {
    headers: HashMap<&'a str, usize>,
    keys: HashMap<&'a str, Vec<usize>>,
}

impl<'a> TomlLines<'a> {
    fn new(loc: &Locator<'a>) -> TomlLines<'a> {
        let mut headers = HashMap::new();
        let mut keys: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, raw) in loc.iter_lines() {
            let l = raw.trim();
            let h = l.split('#').next().unwrap_or("").trim();
            if h.starts_with('[') {
                headers.entry(h).or_insert(i);
            }
            if let Some((k, _)) = l.split_once('=') {
                keys.entry(k.trim_end()).or_default().push(i);
            }
            if let Some(q) = l.strip_prefix('"')
                && let Some(e) = q.find('"')
            {
                keys.entry(&l[..e + 2]).or_default().push(i);
            }
        }
        TomlLines { headers, keys }
    }

    /// The first line at or after `from` that starts `key =` or `"key"`.
    fn key_line(&self, from: usize, key: &str) -> Option<usize> {
        let first = |k: &str| {
            let v = self.keys.get(k)?;
            v.get(v.partition_point(|&i| i < from)).copied()
        };
        match (first(key), first(&format!("\"{key}\""))) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// Every name a TOML manifest may declare: table keys and the names of requirement strings.
fn toml_names(t: &toml::Table, out: &mut Vec<String>) {
    for (k, x) in t {
        out.push(k.clone());
        value_names(x, out);
    }
}

fn value_names(v: &toml::Value, out: &mut Vec<String>) {
    match v {
        toml::Value::Table(t) => toml_names(t, out),
        toml::Value::Array(a) => a.iter().for_each(|x| value_names(x, out)),
        toml::Value::String(s) => out.extend(parse_requirement(s).ok().map(|r| r.name)),
        _ => {}
    }
}

/// Declared dependencies of a list of PEP 508 strings under `[header]` key `key`.
fn pep508_list(
    (loc, lines): (&Locator<'_>, &TomlLines<'_>),
    header: &str,
    key: &str,
    list: &[toml::Value],
    out: &mut Vec<Dep>,
    notes: &mut Vec<Notification>,
) {
    let h = lines.headers.get(header).copied().unwrap_or(0);
    let k = lines.key_line(h, key).unwrap_or(h);
    for v in list {
        let Some(s) = v.as_str() else { continue };
        match parse_requirement(s) {
            Ok(r) => {
                let at = loc
                    .find_after(k, &r.name)
                    .unwrap_or_else(|| loc.line_of(k as u32 + 1));
                out.push(dep(&r.name, at, r.marker));
            }
            Err(e) => {
                let line = loc.find_after(k, s.trim()).map(|l| l.line as usize);
                notes.push(super::malformed(loc.path, line, "requirement", &e));
            }
        }
    }
}

/// Declared dependencies of a table `name = spec` under `[header]` (Poetry, Pipfile).
fn table_deps(loc: &Locator<'_>, header: &str, t: &toml::Table, out: &mut Vec<Dep>) {
    let h = loc.trimmed_line(header);
    for (name, v) in t {
        if name == "python" {
            continue;
        }
        let loc = loc.locate(h, name);
        let marker = v
            .get("markers")
            .and_then(|x| x.as_str())
            .map(str::to_string);
        out.push(dep(name, loc, marker));
    }
}

fn parse_toml(m: &ManifestFile, what: &str, notes: &mut Vec<Notification>) -> Option<toml::Table> {
    match toml::from_str::<toml::Table>(&m.text) {
        Ok(t) => Some(t),
        Err(e) => {
            let line = e.span().map(|s| locate::line_of_offset(&m.text, s.start));
            notes.push(super::malformed(&m.rel, line, what, e.message()));
            None
        }
    }
}

/// `pyproject.toml`: PEP 621 `[project]` dependencies and optional dependencies, PEP 735
/// `[dependency-groups]`, Poetry's tables and uv's `dev-dependencies`.
pub fn pyproject(m: &ManifestFile, notes: &mut Vec<Notification>) -> (Option<String>, Vec<Dep>) {
    let Some(t) = parse_toml(m, "pyproject.toml", notes) else {
        return (None, Vec::new());
    };
    let mut out = Vec::new();
    let mut names = Vec::new();
    toml_names(&t, &mut names);
    let loc = Locator::new(&m.rel, &m.text, names.iter().map(String::as_str));
    let lines = TomlLines::new(&loc);
    let ll = (&loc, &lines);
    let project = t.get("project").and_then(|p| p.as_table());
    let name = project
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .map(str::to_string);
    if let Some(p) = project {
        if let Some(l) = p.get("dependencies").and_then(|d| d.as_array()) {
            pep508_list(ll, "[project]", "dependencies", l, &mut out, notes);
        }
        if let Some(groups) = p.get("optional-dependencies").and_then(|d| d.as_table()) {
            for (g, l) in groups {
                if let Some(l) = l.as_array() {
                    pep508_list(ll, "[project.optional-dependencies]", g, l, &mut out, notes);
                }
            }
        }
    }
    if let Some(groups) = t.get("dependency-groups").and_then(|d| d.as_table()) {
        for (g, l) in groups {
            if let Some(l) = l.as_array() {
                pep508_list(ll, "[dependency-groups]", g, l, &mut out, notes);
            }
        }
    }
    let tool = t.get("tool");
    if let Some(poetry) = tool.and_then(|x| x.get("poetry")) {
        if let Some(d) = poetry.get("dependencies").and_then(|d| d.as_table()) {
            table_deps(&loc, "[tool.poetry.dependencies]", d, &mut out);
        }
        if let Some(d) = poetry.get("dev-dependencies").and_then(|d| d.as_table()) {
            table_deps(&loc, "[tool.poetry.dev-dependencies]", d, &mut out);
        }
        if let Some(groups) = poetry.get("group").and_then(|g| g.as_table()) {
            for (g, gv) in groups {
                if let Some(d) = gv.get("dependencies").and_then(|d| d.as_table()) {
                    table_deps(
                        &loc,
                        &format!("[tool.poetry.group.{g}.dependencies]"),
                        d,
                        &mut out,
                    );
                }
            }
        }
    }
    if let Some(l) = tool
        .and_then(|x| x.get("uv"))
        .and_then(|u| u.get("dev-dependencies"))
        .and_then(|d| d.as_array())
    {
        pep508_list(ll, "[tool.uv]", "dev-dependencies", l, &mut out, notes);
    }
    (name, out)
}

fn name_entry_loc(
    loc: &Locator<'_>,
    entries: &HashMap<(&str, &str), usize>,
    name: &str,
    version: Option<&str>,
) -> Loc {
    let want = format!("name = \"{name}\"");
    let i = match version {
        Some(v) => entries
            .get(&(want.as_str(), format!("version = \"{v}\"").as_str()))
            .copied(),
        None => loc.trimmed_line(&want),
    };
    match i {
        Some(i) => loc
            .find_after(i, name)
            .unwrap_or_else(|| loc.line_of(i as u32 + 1)),
        None => loc.locate(None, name),
    }
}

/// `poetry.lock` and `uv.lock`: `[[package]]` entries with their dependencies.
pub fn toml_lock(m: &ManifestFile, notes: &mut Vec<Notification>) -> Option<LockGraph> {
    let what = if m.kind == ManifestKind::UvLock {
        "uv.lock"
    } else {
        "poetry.lock"
    };
    let t = parse_toml(m, what, notes)?;
    let mut g = LockGraph::default();
    let pkgs = t.get("package").and_then(|p| p.as_array());
    let loc = Locator::new(
        &m.rel,
        &m.text,
        pkgs.into_iter()
            .flatten()
            .filter_map(|p| p.get("name")?.as_str()),
    );
    let entries = super::cargo::entry_lines(&loc);
    for p in t
        .get("package")
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
    {
        let Some(name) = p.get("name").and_then(|n| n.as_str()) else {
            continue;
        };
        let version = p
            .get("version")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        let mut deps: Vec<String> = Vec::new();
        match p.get("dependencies") {
            // Poetry: a table name → spec.
            Some(toml::Value::Table(d)) => deps.extend(d.keys().cloned()),
            // uv: an array of { name = ... }.
            Some(toml::Value::Array(a)) => deps.extend(
                a.iter()
                    .filter_map(|x| x.get("name")?.as_str().map(str::to_string)),
            ),
            _ => {}
        }
        for key in ["optional-dependencies", "dev-dependencies"] {
            if let Some(groups) = p.get(key).and_then(|g| g.as_table()) {
                for (_, l) in groups {
                    deps.extend(
                        l.as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|x| x.get("name")?.as_str().map(str::to_string)),
                    );
                }
            }
        }
        let source = p.get("source");
        if source.is_some_and(|s| s.get("editable").is_some() || s.get("virtual").is_some()) {
            g.roots.push(name.to_string());
        }
        g.packages.push(Locked {
            name: name.to_string(),
            loc: name_entry_loc(&loc, &entries, name, version.as_deref()),
            version,
            deps,
            installed: None,
        });
    }
    Some(g)
}

/// `Pipfile.lock` (JSON): the locked packages of `default` and `develop`, without edges.
pub fn pipfile_lock(m: &ManifestFile, notes: &mut Vec<Notification>) -> Option<LockGraph> {
    let v: serde_json::Value = match serde_json::from_str(&m.text) {
        Ok(v) => v,
        Err(e) => {
            notes.push(super::malformed(
                &m.rel,
                Some(e.line()),
                "Pipfile.lock",
                &e.to_string(),
            ));
            return None;
        }
    };
    let mut g = LockGraph::default();
    let loc = Locator::new(
        &m.rel,
        &m.text,
        ["default", "develop"]
            .iter()
            .filter_map(|s| v.get(*s)?.as_object())
            .flat_map(|o| o.keys().map(String::as_str)),
    );
    for section in ["default", "develop"] {
        let Some(obj) = v.get(section).and_then(|s| s.as_object()) else {
            continue;
        };
        let quoted = format!("\"{section}\"");
        let h = loc.line_where(0, |l| l.starts_with(&quoted)).unwrap_or(0);
        for (name, info) in obj {
            let version = info
                .get("version")
                .and_then(|x| x.as_str())
                .map(|x| x.trim_start_matches('=').to_string());
            let at = loc
                .find_after(h, name)
                .unwrap_or_else(|| loc.line_of(h as u32 + 1));
            g.packages.push(Locked {
                name: name.clone(),
                version,
                deps: Vec::new(),
                loc: at,
                installed: None,
            });
        }
    }
    Some(g)
}

/// `setup.cfg`: `install_requires` of `[options]` and the lists of `[options.extras_require]`
/// (an INI file: `key = value` with indented continuation lines).
pub fn setup_cfg(m: &ManifestFile, notes: &mut Vec<Notification>) -> Vec<Dep> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut key = String::new();
    let loc = Locator::new(&m.rel, &m.text, []);
    for (i, raw) in m.text.lines().enumerate() {
        let line = raw.split(['#', ';']).next().unwrap_or("");
        if line.trim().is_empty() {
            continue;
        }
        let continuation = raw.starts_with([' ', '\t']);
        let value = if !continuation {
            let t = line.trim();
            if t.starts_with('[') && t.ends_with(']') {
                section = t[1..t.len() - 1].trim().to_string();
                key.clear();
                continue;
            }
            let Some((k, v)) = t.split_once(['=', ':']) else {
                key.clear();
                continue;
            };
            key = k.trim().to_string();
            v.trim()
        } else {
            line.trim()
        };
        let wanted = (section == "options" && key == "install_requires")
            || section == "options.extras_require";
        if !wanted || value.is_empty() {
            continue;
        }
        match parse_requirement(value) {
            Ok(r) => {
                let at = loc
                    .find_in_line(i, &r.name)
                    .unwrap_or_else(|| loc.line_of(i as u32 + 1));
                out.push(dep(&r.name, at, r.marker));
            }
            Err(e) => notes.push(super::malformed(&m.rel, Some(i + 1), "requirement", &e)),
        }
    }
    out
}

/// A Python environment's `site-packages` folder: `DIR/lib/python3.*/site-packages` (POSIX) or
/// `DIR/Lib/site-packages` (Windows).
pub fn site_packages(env: &Path) -> Option<PathBuf> {
    let win = env.join("Lib").join("site-packages");
    if win.is_dir() {
        return Some(win);
    }
    let mut libs: Vec<_> = std::fs::read_dir(env.join("lib")).ok()?.flatten().collect();
    libs.sort_by_key(|e| e.file_name());
    libs.into_iter()
        .map(|e| e.path().join("site-packages"))
        .find(|p| p.is_dir())
}

/// One installed distribution of an environment.
#[derive(Debug, Clone)]
pub struct Dist {
    pub name: String,
    pub version: Option<String>,
    /// Names in `Requires-Dist` without an `extra ==` marker.
    pub requires: Vec<String>,
    /// The `*.dist-info` folder.
    pub dist_info: PathBuf,
}

/// The distributions installed in `site-packages` (from each `*.dist-info/METADATA`, read
/// through [`crate::safeio`]: a FIFO, a link or an oversized file is a notification).
pub fn installed(roots: &[PathBuf], site: &Path, notes: &mut Vec<Notification>) -> Vec<Dist> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(site) else {
        return out;
    };
    let mut entries: Vec<_> = rd.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        let fname = e.file_name().to_string_lossy().into_owned();
        let Some(stem) = fname.strip_suffix(".dist-info") else {
            continue;
        };
        let meta_path = p.join("METADATA");
        let meta = match safeio::read_text(&meta_path, Some(site), safeio::limits::METADATA_FILE) {
            Ok(t) => t,
            Err(e) if e.is_not_found() => String::new(),
            Err(e) => {
                let shown = super::shown(roots, site, &meta_path);
                notes.push(super::refused(&shown, "installed package metadata", &e));
                continue;
            }
        };
        let mut name = None;
        let mut version = None;
        let mut requires = Vec::new();
        for l in meta.lines() {
            if l.is_empty() {
                break; // the body starts after the first empty line
            }
            if let Some(v) = l.strip_prefix("Name:") {
                name = Some(v.trim().to_string());
            } else if let Some(v) = l.strip_prefix("Version:") {
                version = Some(v.trim().to_string());
            } else if let Some(v) = l.strip_prefix("Requires-Dist:")
                && let Ok(r) = parse_requirement(v)
                && !r.marker.as_deref().is_some_and(|m| m.contains("extra"))
            {
                requires.push(r.name);
            }
        }
        let (dn, dv) = stem.split_once('-').unwrap_or((stem, ""));
        out.push(Dist {
            name: name.unwrap_or_else(|| dn.to_string()),
            version: version.or_else(|| (!dv.is_empty()).then(|| dv.to_string())),
            requires,
            dist_info: p,
        });
    }
    out
}

/// The environment of a project folder: `--python-env`, else `.venv` or `venv` beside it (which
/// must resolve inside the scanned tree: a link to a folder elsewhere is a notification).
fn env_for(
    roots: &[PathBuf],
    dir: &Path,
    rel_dir: &str,
    opts: &DepsOptions,
    notes: &mut Vec<Notification>,
) -> Option<PathBuf> {
    if let Some(e) = &opts.python_env {
        return Some(e.clone());
    }
    for n in [".venv", "venv"] {
        let p = dir.join(n);
        if !(p.join("pyvenv.cfg").is_file() || site_packages(&p).is_some()) {
            continue;
        }
        // The environment and its site-packages (a `.venv/lib` linked to `/usr/lib`).
        let inside = super::inside_roots(roots, &p)
            && site_packages(&p).is_none_or(|s| super::inside_roots(roots, &s));
        if !inside {
            let rel = if rel_dir.is_empty() {
                n.to_string()
            } else {
                format!("{rel_dir}/{n}")
            };
            notes.push(super::refused(
                &rel,
                "Python environment",
                &safeio::ReadError::OutsideTree(PathBuf::new()),
            ));
            return None;
        }
        return Some(p);
    }
    None
}

/// Every Python project folder in the scan: declared dependencies of its manifests, joined with
/// its lock file (or, with `--deps`, its environment's graph).
pub fn analyze(
    roots: &[PathBuf],
    files: &[&ManifestFile],
    opts: &DepsOptions,
    out: &mut Vec<Dep>,
    notes: &mut Vec<Notification>,
) {
    let by_dir = super::by_dir(files);
    let known: HashSet<&str> = files.iter().map(|m| m.rel.as_str()).collect();
    for (dir, ms) in by_dir {
        let mut declared = Vec::new();
        let mut lock: Option<LockGraph> = None;
        let mut own_names: Vec<String> = Vec::new();
        let mut pending: Vec<String> = Vec::new();
        let mut done: HashSet<String> = HashSet::new();
        for m in &ms {
            match m.kind {
                ManifestKind::Requirements => {
                    let (d, inc) = requirements(&m.rel, &m.text, notes);
                    declared.extend(d);
                    done.insert(m.rel.clone());
                    for i in inc {
                        pending.push(join_rel(m.dir(), &i));
                    }
                }
                ManifestKind::Pyproject => {
                    let (name, d) = pyproject(m, notes);
                    own_names.extend(name);
                    declared.extend(d);
                }
                ManifestKind::Pipfile => {
                    if let Some(t) = parse_toml(m, "Pipfile", notes) {
                        let mut names = Vec::new();
                        toml_names(&t, &mut names);
                        let loc = Locator::new(&m.rel, &m.text, names.iter().map(String::as_str));
                        for (sec, hdr) in [
                            ("packages", "[packages]"),
                            ("dev-packages", "[dev-packages]"),
                        ] {
                            if let Some(d) = t.get(sec).and_then(|x| x.as_table()) {
                                table_deps(&loc, hdr, d, &mut declared);
                            }
                        }
                    }
                }
                ManifestKind::SetupCfg => declared.extend(setup_cfg(m, notes)),
                ManifestKind::PoetryLock | ManifestKind::UvLock if lock.is_none() => {
                    lock = toml_lock(m, notes);
                }
                ManifestKind::PipfileLock if lock.is_none() => {
                    lock = pipfile_lock(m, notes);
                }
                _ => {}
            }
        }
        // `-r` includes that are not scanned as requirements files of their own.
        while let Some(rel) = pending.pop() {
            if !done.insert(rel.clone()) || known.contains(rel.as_str()) {
                continue;
            }
            if rel.split('/').any(|c| c == "..") {
                notes.push(super::note(
                    NotificationLevel::Warning,
                    &rel,
                    format!(
                        "requirements include {} leads out of the scanned tree; not read",
                        crate::escape::display(&rel)
                    ),
                ));
                continue;
            }
            let (Some(p), Some(tree)) =
                (super::disk_path(roots, &rel), super::tree_of(roots, &rel))
            else {
                continue;
            };
            // Through safeio: a FIFO must not block the scan, a link (to `/dev/zero`, to a file
            // elsewhere) is not followed, a folder linked out of the tree is refused, and the
            // size is capped. The content of a refused file is never read, so never shown.
            let text = match safeio::read_text(&p, Some(tree), safeio::limits::METADATA_FILE) {
                Ok(t) => t,
                Err(e) if e.is_not_found() => continue,
                Err(e) => {
                    notes.push(super::refused(&rel, "requirements include", &e));
                    continue;
                }
            };
            let (d, inc) = requirements(&rel, &text, notes);
            declared.extend(d);
            let base = rel.rsplit_once('/').map_or("", |x| x.0).to_string();
            pending.extend(inc.into_iter().map(|i| join_rel(&base, &i)));
        }
        // The project's own name (an editable install of itself) is not a dependency.
        if let Some(g) = &mut lock {
            g.roots.extend(own_names.iter().cloned());
        }
        if opts.scan_sources {
            let disk_dir = super::disk_path(roots, dir).unwrap_or_else(|| PathBuf::from(dir));
            if let Some(site) = env_for(roots, &disk_dir, dir, opts, notes)
                .as_deref()
                .and_then(site_packages)
            {
                let dists = installed(roots, &site, notes);
                let by_name: HashMap<String, &Dist> =
                    dists.iter().map(|d| (normalize(&d.name), d)).collect();
                match &mut lock {
                    Some(g) => {
                        for p in &mut g.packages {
                            p.installed = by_name
                                .get(&normalize(&p.name))
                                .map(|d| d.dist_info.clone());
                        }
                    }
                    None => {
                        let placeholder = Loc::line_of(&ms[0].rel, &ms[0].text, 1);
                        lock = Some(LockGraph {
                            packages: dists
                                .iter()
                                .map(|d| Locked {
                                    name: d.name.clone(),
                                    version: d.version.clone(),
                                    deps: d.requires.clone(),
                                    loc: placeholder.clone(),
                                    installed: Some(d.dist_info.clone()),
                                })
                                .collect(),
                            roots: own_names.clone(),
                        });
                    }
                }
            }
        }
        let mut deps = super::combine(Ecosystem::PyPI, declared, lock.as_ref());
        // An environment without a lock file lists what is installed, not what the project needs:
        // keep only what its declarations reach.
        if opts.scan_sources && !ms.iter().any(|m| m.kind.is_lock()) {
            deps.retain(|d| d.direct || !d.chain.is_empty());
        }
        out.extend(deps);
    }
}

fn join_rel(dir: &str, p: &str) -> String {
    let mut parts: Vec<&str> = if dir.is_empty() {
        Vec::new()
    } else {
        dir.split('/').collect()
    };
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    parts.push("..");
                }
            }
            c => parts.push(c),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503() {
        assert_eq!(normalize("Zai_SDK"), "zai-sdk");
        assert_eq!(normalize("volcengine.python__sdk"), "volcengine-python-sdk");
    }

    #[test]
    fn pep508() {
        let r = parse_requirement("volcengine-python-sdk[ark] >=4.0 ; python_version >= \"3.8\"")
            .unwrap();
        assert_eq!(r.name, "volcengine-python-sdk");
        assert_eq!(r.extras, vec!["ark"]);
        assert_eq!(r.spec, ">=4.0");
        assert_eq!(r.marker.as_deref(), Some("python_version >= \"3.8\""));
        let r = parse_requirement("pkg @ https://example.invalid/pkg.whl").unwrap();
        assert!(r.url.is_some());
        assert!(parse_requirement("minimax(board, depth)").is_err());
        assert!(parse_requirement("-r x").is_err());
    }

    #[test]
    fn requirements_with_markers_includes_and_errors() {
        let t = "# comment\nzhipuai>=2.1 ; python_version >= \"3.8\"\n-r base.txt\n--index-url https://example.invalid/simple\ndashscope==1.20 \\\n    --hash=sha256:abc\n./local/pkg\nbad requirement here\n";
        let mut n = Vec::new();
        let (deps, inc) = requirements("requirements.txt", t, &mut n);
        let got: Vec<_> = deps
            .iter()
            .map(|d| (d.name.as_str(), d.loc.line, d.marker.is_some()))
            .collect();
        assert_eq!(got, vec![("zhipuai", 2, true), ("dashscope", 5, false)]);
        assert_eq!(inc, vec!["base.txt"]);
        assert_eq!(n.len(), 1);
        assert_eq!(
            (n[0].path.as_deref(), n[0].line),
            (Some("requirements.txt"), Some(8)),
            "{n:?}"
        );
    }

    #[test]
    fn pyproject_kinds() {
        let t = "[project]\nname = \"app\"\ndependencies = [\n  \"zai-sdk>=0.2\",\n  \"requests\",\n]\n\n[project.optional-dependencies]\nembed = [\"fastembed\"]\n\n[tool.poetry.dependencies]\npython = \"^3.10\"\nqianfan = \"^0.4\"\n";
        let m = ManifestFile {
            rel: "pyproject.toml".into(),
            kind: ManifestKind::Pyproject,
            text: t.into(),
        };
        let mut n = Vec::new();
        let (name, d) = pyproject(&m, &mut n);
        assert_eq!(name.as_deref(), Some("app"));
        let got: Vec<_> = d.iter().map(|d| (d.name.as_str(), d.loc.line)).collect();
        assert_eq!(
            got,
            vec![
                ("zai-sdk", 4),
                ("requests", 5),
                ("fastembed", 9),
                ("qianfan", 13)
            ]
        );
    }

    #[test]
    fn setup_cfg_lists() {
        let t =
            "[metadata]\nname = x\n\n[options]\ninstall_requires =\n    erniebot>=0.5\n    numpy\n";
        let m = ManifestFile {
            rel: "setup.cfg".into(),
            kind: ManifestKind::SetupCfg,
            text: t.into(),
        };
        let d = setup_cfg(&m, &mut Vec::new());
        let got: Vec<_> = d.iter().map(|d| (d.name.as_str(), d.loc.line)).collect();
        assert_eq!(got, vec![("erniebot", 6), ("numpy", 7)]);
    }

    #[test]
    fn relative_includes() {
        assert_eq!(join_rel("a/b", "../c.txt"), "a/c.txt");
        assert_eq!(join_rel("", "./base.txt"), "base.txt");
    }
}

#[cfg(test)]
mod lock_tests {
    use super::*;

    #[test]
    fn poetry_and_uv_locks_give_paths() {
        let poetry = "[[package]]\nname = \"example-agents\"\nversion = \"0.3.0\"\n\n[package.dependencies]\nzhipuai = \">=2\"\n\n[[package]]\nname = \"zhipuai\"\nversion = \"2.1.5\"\n";
        let m = ManifestFile {
            rel: "poetry.lock".into(),
            kind: ManifestKind::PoetryLock,
            text: poetry.into(),
        };
        let g = toml_lock(&m, &mut Vec::new()).unwrap();
        let declared = vec![dep(
            "example-agents",
            Loc::line_of("pyproject.toml", "x = 1\n", 1),
            None,
        )];
        let deps = crate::deps::combine(Ecosystem::PyPI, declared, Some(&g));
        let z = deps.iter().find(|d| d.name == "zhipuai").unwrap();
        assert_eq!(z.chain, vec!["example-agents", "zhipuai"]);
        assert_eq!(z.version.as_deref(), Some("2.1.5"));
        assert_eq!(z.loc.path, "pyproject.toml");

        let uv = "version = 1\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\nsource = { editable = \".\" }\ndependencies = [\n    { name = \"dashscope\" },\n]\n\n[[package]]\nname = \"dashscope\"\nversion = \"1.20.0\"\nsource = { registry = \"https://pypi.org/simple\" }\n";
        let m = ManifestFile {
            rel: "uv.lock".into(),
            kind: ManifestKind::UvLock,
            text: uv.into(),
        };
        let g = toml_lock(&m, &mut Vec::new()).unwrap();
        assert_eq!(g.roots, vec!["app"]);
        // Without declarations, the root's dependencies are the direct ones, at their lock entry.
        let deps = crate::deps::combine(Ecosystem::PyPI, Vec::new(), Some(&g));
        let d = deps.iter().find(|d| d.name == "dashscope").unwrap();
        assert!(d.direct);
        assert_eq!((d.loc.path.as_str(), d.loc.line), ("uv.lock", 12));
    }

    #[test]
    fn pipfile_lock_entries() {
        let t = "{\n  \"_meta\": {},\n  \"default\": {\n    \"qianfan\": {\n      \"version\": \"==0.4.12.3\"\n    }\n  },\n  \"develop\": {}\n}\n";
        let m = ManifestFile {
            rel: "Pipfile.lock".into(),
            kind: ManifestKind::PipfileLock,
            text: t.into(),
        };
        let g = pipfile_lock(&m, &mut Vec::new()).unwrap();
        assert_eq!(g.packages[0].version.as_deref(), Some("0.4.12.3"));
        assert_eq!(g.packages[0].loc.line, 4);
    }
}
