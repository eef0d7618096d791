//! Shared by the fuzz targets (`mod common;` in each): the detector built once from the embedded
//! rules database, the "archive" input format of the multi-file targets, and the invariants of
//! reported places.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use modelgate::deps::{Ecosystem, Loc, ManifestFile, ManifestKind};
use modelgate::types::Reference;
use modelgate::detect::text::TextDetector;
use modelgate::rules::Database;

/// The text detector of the embedded database, built once per process.
pub fn detector() -> &'static TextDetector {
    static DET: OnceLock<TextDetector> = OnceLock::new();
    DET.get_or_init(|| {
        let db = Database::embedded().expect("the embedded database loads");
        modelgate::scan::detector(Arc::new(db)).expect("the embedded database compiles")
    })
}

/// The embedded database (the detector's).
pub fn db() -> &'static Database {
    detector().db()
}

/// A multi-file input: parts separated by NUL bytes, each `relative/path\ncontent`. Returns
/// `None` when the input holds no NUL (then it is one file's content). A repeated path keeps its
/// first content.
pub fn archive(data: &[u8]) -> Option<Vec<(String, &[u8])>> {
    memchr(0, data)?;
    let mut out = Vec::new();
    for part in data.split(|&b| b == 0) {
        let (name, body) = match memchr(b'\n', part) {
            Some(i) => (&part[..i], &part[i + 1..]),
            None => (part, &part[part.len()..]),
        };
        let name = String::from_utf8_lossy(name).into_owned();
        // A repository has one file per path.
        if out.iter().any(|(n, _)| *n == name) {
            continue;
        }
        out.push((name, body));
        if out.len() >= 16 {
            break;
        }
    }
    Some(out)
}

fn memchr(b: u8, s: &[u8]) -> Option<usize> {
    s.iter().position(|&x| x == b)
}

/// The manifest files of an input for one ecosystem. One file (no NUL in the input): its text as
/// every kind of the ecosystem, all in the folder `p` (so declarations and lock files are joined
/// as in one project). An archive: each part whose file name is a manifest of the ecosystem.
pub fn manifests(data: &[u8], kinds: &[(&str, ManifestKind)]) -> Vec<ManifestFile> {
    let eco = kinds[0].1.ecosystem();
    match archive(data) {
        None => {
            // The walk hands manifests over decoded lossily (scan::detect_file).
            let text = String::from_utf8_lossy(data).into_owned();
            kinds
                .iter()
                .map(|(name, kind)| ManifestFile {
                    rel: format!("p/{name}"),
                    kind: *kind,
                    text: text.clone(),
                })
                .collect()
        }
        Some(parts) => parts
            .into_iter()
            .filter_map(|(rel, body)| {
                let kind = modelgate::deps::manifest_kind(&rel)?;
                (kind.ecosystem() == eco).then(|| ManifestFile {
                    rel,
                    kind,
                    text: String::from_utf8_lossy(body).into_owned(),
                })
            })
            .collect(),
    }
}

/// The lines of a file as `str::lines` gives them (computed once per file: a check per reported
/// place must not cost a pass over the file, or the harness itself is quadratic).
pub fn lines_of(text: &str) -> Vec<&str> {
    text.lines().collect()
}

/// Checks a reported place in a manifest: 1 ≤ line ≤ lines + 1, columns in code points, and the
/// reported text is what the line holds at the reported column.
pub fn check_loc(loc: &Loc, lines: &[&str]) {
    let n = lines.len() as u32;
    assert!(loc.line >= 1, "line 0: {loc:?}");
    assert!(loc.line <= n + 1, "line {} of {n} lines: {loc:?}", loc.line);
    assert!(loc.column >= 1, "column 0: {loc:?}");
    assert_eq!(
        loc.end_column - loc.column,
        loc.text.chars().count() as u32,
        "end column does not match the text: {loc:?}"
    );
    match lines.get(loc.line as usize - 1) {
        Some(l) => {
            let col = loc.column as usize - 1;
            let b = l
                .char_indices()
                .map(|(i, _)| i)
                .chain(std::iter::once(l.len()))
                .nth(col);
            assert!(b.is_some(), "column beyond the line {l:?}: {loc:?}");
            let b = b.unwrap_or(0);
            assert!(
                l[b..].starts_with(&loc.text),
                "line {l:?} does not hold the text at the column: {loc:?}"
            );
        }
        None => assert!(loc.text.is_empty(), "text on a line past the end: {loc:?}"),
    }
}

/// Checks the places of dependencies reported in the given manifests.
pub fn check_deps(deps: &[modelgate::deps::Dep], files: &[ManifestFile]) {
    let tables: Vec<Vec<&str>> = files.iter().map(|m| lines_of(&m.text)).collect();
    for d in deps {
        if let Some(i) = files.iter().position(|m| m.rel == d.loc.path) {
            check_loc(&d.loc, &tables[i]);
        }
        assert!(d.loc.line >= 1);
    }
}

/// Checks references reported in `files` (path, bytes): 1 ≤ line ≤ lines + 1, column ≥ 1,
/// end column after the column, and the matched text on the reported line.
pub fn check_refs(refs: &[Reference], files: &[(&str, &[u8])]) {
    let tables: Vec<Vec<&[u8]>> = files
        .iter()
        .map(|(_, bytes)| bytes.split(|&b| b == b'\n').collect())
        .collect();
    for r in refs {
        assert!(r.line >= 1, "line 0: {r:?}");
        assert!(r.column >= 1, "column 0: {r:?}");
        assert!(r.end_column >= r.column, "end before start: {r:?}");
        let Some(i) = files.iter().position(|(p, _)| *p == r.path) else {
            continue;
        };
        let lines = &tables[i];
        assert!(
            r.line as usize <= lines.len(),
            "line {} of {} lines: {r:?}",
            r.line,
            lines.len()
        );
        // The text on its line (skipped for long lines: a search per reference would make the
        // harness quadratic on minified files).
        if r.evidence.dependency().is_none() && !r.text.is_empty() && lines[r.line as usize - 1].len() <= 4096 {
            let l = lines[r.line as usize - 1];
            assert!(
                l.windows(r.text.len()).any(|w| w == r.text.as_bytes()),
                "line {} does not hold {:?}",
                r.line,
                r.text
            );
        }
    }
}

/// A folder outside any repository that `-r` includes and disk lookups resolve against: fixed
/// requirement files (one including the other, one including itself).
pub fn include_root() -> &'static PathBuf {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let d = std::env::temp_dir().join("modelgate-fuzz-root");
        let p = d.join("p");
        let _ = std::fs::create_dir_all(p.join("common"));
        let files = [
            ("p/base.txt", "zhipuai>=2\n-r common/more.in\n"),
            (
                "p/common/more.in",
                "dashscope==1.20 \\\n  --hash=sha256:abc\n-r ../base.txt\n-r more.in\n",
            ),
            (
                "p/dev.txt",
                "-r base.txt\n-e git+https://example.invalid/x.git#egg=qianfan\n",
            ),
        ];
        for (rel, text) in files {
            if std::fs::read_to_string(d.join(rel)).ok().as_deref() != Some(text) {
                let _ = std::fs::write(d.join(rel), text);
            }
        }
        d
    })
}

/// The ecosystem's manifest kinds with their canonical file names.
pub fn kinds(eco: Ecosystem) -> &'static [(&'static str, ManifestKind)] {
    use ManifestKind::*;
    match eco {
        Ecosystem::PyPI => &[
            ("requirements.txt", Requirements),
            ("pyproject.toml", Pyproject),
            ("setup.cfg", SetupCfg),
            ("Pipfile", Pipfile),
            ("Pipfile.lock", PipfileLock),
            ("poetry.lock", PoetryLock),
            ("uv.lock", UvLock),
        ],
        Ecosystem::Npm => &[
            ("package.json", PackageJson),
            ("package-lock.json", PackageLock),
            ("pnpm-lock.yaml", PnpmLock),
            ("yarn.lock", YarnLock),
        ],
        Ecosystem::Cargo => &[("Cargo.toml", CargoToml), ("Cargo.lock", CargoLock)],
        Ecosystem::Go => &[("go.mod", GoMod)],
    }
}

/// Runs the whole dependency analysis (`deps::analyze`, without `--deps`) on in-memory manifests
/// and checks every reference it reports.
pub fn analyze(files: &[ManifestFile]) {
    let det = detector();
    let opts = modelgate::deps::DepsOptions {
        scan_sources: false,
        python_env: None,
        max_file_size: 1 << 20,
    };
    let roots = [include_root().clone()];
    let a = modelgate::deps::analyze(&roots, det, files, &opts);
    let bytes: Vec<(&str, &[u8])> = files
        .iter()
        .map(|m| (m.rel.as_str(), m.text.as_bytes()))
        .collect();
    check_refs(&a.refs, &bytes);
    let tables: Vec<Vec<&str>> = files.iter().map(|m| lines_of(&m.text)).collect();
    for r in &a.refs {
        if let Some(i) = files.iter().position(|m| m.rel == r.path) {
            let loc = Loc {
                path: r.path.clone(),
                line: r.line,
                column: r.column,
                end_column: r.end_column,
                text: r.text.clone(),
            };
            check_loc(&loc, &tables[i]);
        }
    }
}

/// Checks the entries of a lock graph parsed from `m`.
pub fn check_graph(g: &Option<modelgate::deps::LockGraph>, m: &ManifestFile) {
    let lines = lines_of(&m.text);
    for p in g.iter().flat_map(|g| &g.packages) {
        if p.loc.path == m.rel {
            check_loc(&p.loc, &lines);
        }
    }
}
