//! The complete JSON and SARIF documents of the demo fixture, compared with pinned copies in
//! tests/snapshots/ (demo.full.json, demo.full.sarif), so that a change of any field shows in
//! review. What changes from build to build or day to day is redacted first: the tool version, the
//! rules database's date and content hash, and the repository's absolute path. Set
//! MODELGATE_BLESS=1 to rewrite the snapshots after an intended change, then review the diff.

mod common;

use std::path::Path;

use common::*;

/// One value to redact: the path of its key from the document root (object keys only; array
/// levels are left out), and what replaces it.
struct Redaction {
    path: &'static [&'static str],
    with: &'static str,
}

const JSON_REDACTIONS: &[Redaction] = &[
    Redaction {
        path: &["tool", "version"],
        with: "[version]",
    },
    Redaction {
        path: &["rules", "as_of"],
        with: "[date]",
    },
    Redaction {
        path: &["rules", "content_sha256"],
        with: "[sha256]",
    },
];

const SARIF_REDACTIONS: &[Redaction] = &[
    Redaction {
        path: &["runs", "tool", "driver", "version"],
        with: "[version]",
    },
    Redaction {
        path: &["runs", "tool", "driver", "semanticVersion"],
        with: "[version]",
    },
    Redaction {
        path: &[
            "runs",
            "tool",
            "driver",
            "properties",
            "rulesDatabase",
            "as_of",
        ],
        with: "[date]",
    },
    Redaction {
        path: &[
            "runs",
            "tool",
            "driver",
            "properties",
            "rulesDatabase",
            "content_sha256",
        ],
        with: "[sha256]",
    },
];

/// Redacts a pretty-printed JSON document line by line, keeping its exact layout and key order:
/// each line's key path is tracked through the opening and closing brackets, and a scalar whose
/// path is listed is replaced by its placeholder (as a JSON string). Every listed path must occur
/// at least once. The repository's absolute path, wherever it appears, becomes `[root]`.
fn redact(doc: &str, redactions: &[Redaction]) -> String {
    let mut stack: Vec<Option<String>> = Vec::new();
    let mut hits = vec![0usize; redactions.len()];
    let mut out = String::with_capacity(doc.len());
    for line in doc.lines() {
        let body = line.trim_start();
        let indent = &line[..line.len() - body.len()];
        let (key, value) = match body.strip_prefix('"').and_then(|r| r.split_once("\": ")) {
            Some((k, v)) => (Some(k.to_string()), v),
            None => (None, body),
        };
        let value_trim = value.trim_end_matches(',');
        let mut replaced = None;
        if value_trim == "{" || value_trim == "[" {
            stack.push(key);
        } else if value_trim.starts_with('}') || value_trim.starts_with(']') {
            stack.pop();
        } else if let Some(k) = &key {
            let path: Vec<&str> = stack
                .iter()
                .flatten()
                .map(String::as_str)
                .chain(std::iter::once(k.as_str()))
                .collect();
            if let Some(i) = redactions.iter().position(|r| r.path == path.as_slice()) {
                hits[i] += 1;
                let comma = if value.ends_with(',') { "," } else { "" };
                replaced = Some(format!(
                    "{indent}\"{k}\": \"{}\"{comma}",
                    redactions[i].with
                ));
            }
        }
        out.push_str(&replaced.unwrap_or_else(|| line.to_string()));
        out.push('\n');
    }
    assert!(stack.is_empty(), "unbalanced document:\n{doc}");
    for (r, n) in redactions.iter().zip(&hits) {
        assert!(*n > 0, "nothing to redact at {:?}", r.path);
    }
    let root = root();
    let root = root.to_string_lossy();
    out.replace(
        serde_json::to_string(&*root).unwrap().trim_matches('"'),
        "[root]",
    )
}

/// Compares `got` with `tests/snapshots/NAME`; with MODELGATE_BLESS set, rewrites it instead.
fn assert_doc(name: &str, got: &str) {
    let snap = root().join("tests/snapshots").join(name);
    if std::env::var_os("MODELGATE_BLESS").is_some() {
        std::fs::write(&snap, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&snap).unwrap_or_else(|_| {
        panic!(
            "missing snapshot {}; run with MODELGATE_BLESS=1",
            snap.display()
        )
    });
    if got != want {
        let (n, (g, w)) = got
            .lines()
            .zip(want.lines())
            .enumerate()
            .find(|(_, (g, w))| g != w)
            .unwrap_or((got.lines().count().min(want.lines().count()), ("", "")));
        panic!(
            "the document differs from {} first at line {}:\n  got:  {g}\n  want: {w}\n(run with MODELGATE_BLESS=1 to accept, then review the diff)",
            snap.display(),
            n + 1
        );
    }
}

/// The scan of `dir` in `format`, as the binary writes it. A very large --max-rules-age keeps the
/// document independent of the day it runs (the stale-database notification has its own test).
fn document(dir: &Path, format: &str) -> String {
    let p = dir.to_string_lossy().into_owned();
    let out = run(&[
        "scan",
        "--format",
        format,
        "--fail-on",
        "never",
        "--max-rules-age",
        "100000",
        &p,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = String::from_utf8(out.stdout).unwrap();
    serde_json::from_str::<serde_json::Value>(&s).expect("the document is JSON");
    s
}

#[test]
fn demo_json_document() {
    let doc = document(Path::new("fixtures/demo"), "json");
    assert_doc("demo.full.json", &redact(&doc, JSON_REDACTIONS));
}

#[test]
fn demo_sarif_document() {
    let doc = document(Path::new("fixtures/demo"), "sarif");
    assert_doc("demo.full.sarif", &redact(&doc, SARIF_REDACTIONS));
}

#[test]
fn redaction_follows_key_paths_only() {
    let doc = "{\n  \"tool\": {\n    \"version\": \"9.9.9\"\n  },\n  \"deps\": [\n    {\n      \"version\": \"9.9.9\"\n    }\n  ],\n  \"rules\": {\n    \"as_of\": \"2020-01-01\",\n    \"content_sha256\": \"ab\"\n  }\n}\n";
    let r = redact(doc, JSON_REDACTIONS);
    assert_eq!(
        r,
        "{\n  \"tool\": {\n    \"version\": \"[version]\"\n  },\n  \"deps\": [\n    {\n      \"version\": \"9.9.9\"\n    }\n  ],\n  \"rules\": {\n    \"as_of\": \"[date]\",\n    \"content_sha256\": \"[sha256]\"\n  }\n}\n"
    );
}
