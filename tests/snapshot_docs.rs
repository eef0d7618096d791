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
    let Some((snap, want)) = snapshot_or_bless(name, got) else {
        return;
    };
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

/// A database dated long ago: the scan's JSON and SARIF carry the warning as a notification (and
/// the text report lists it with the others); within --max-rules-age there is none.
#[test]
fn stale_database_is_a_notification_in_every_document() {
    let t = tempfile::tempdir().unwrap();
    for (name, body) in modelgate::rules::embedded::FILES {
        let p = t.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
    let meta = t.path().join("meta.toml");
    let as_of = modelgate::rules::Database::embedded().unwrap().meta.as_of;
    let s = std::fs::read_to_string(&meta).unwrap();
    let old = s.replace(&format!("as_of = \"{as_of}\""), "as_of = \"2020-01-01\"");
    assert_ne!(s, old);
    std::fs::write(&meta, old).unwrap();
    let rules = t.path().to_string_lossy().into_owned();
    let scan = |format: &str, max_age: &str| {
        let out = run(&[
            "scan",
            "--rules",
            &rules,
            "--format",
            format,
            "--max-rules-age",
            max_age,
            "fixtures/traps",
        ]);
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8(out.stdout).unwrap()
    };
    // The message names the database, its date and its age in days (counted by the binary, so
    // between the days before and after the run).
    let dated = modelgate::util::days_from_date("2020-01-01").unwrap();
    let before = modelgate::util::today_days() - dated;
    let is_the_warning = |m: &str| {
        let prefix = format!("the rules database ({rules}) is dated 2020-01-01, ");
        let suffix = " days ago (more than 180); run `modelgate rules update`";
        let after = modelgate::util::today_days() - dated;
        m.strip_prefix(&prefix)
            .and_then(|r| r.strip_suffix(suffix))
            .and_then(|d| d.parse::<i64>().ok())
            .is_some_and(|d| (before..=after).contains(&d))
    };

    let v: serde_json::Value = serde_json::from_str(&scan("json", "180")).unwrap();
    let n = &v["notifications"][0];
    assert_eq!(n["level"], "warning", "{v}");
    assert_eq!(n["path"], serde_json::Value::Null, "{v}");
    assert!(is_the_warning(n["message"].as_str().unwrap()), "{v}");

    let v: serde_json::Value = serde_json::from_str(&scan("sarif", "180")).unwrap();
    let n = &v["runs"][0]["invocations"][0]["toolExecutionNotifications"][0];
    assert_eq!(n["level"], "warning", "{v}");
    assert!(
        is_the_warning(n["message"]["text"].as_str().unwrap()),
        "{v}"
    );
    assert!(n.get("locations").is_none(), "{v}");

    let text = scan("text", "180");
    assert!(
        text.lines()
            .any(|l| l.strip_prefix("warning: ").is_some_and(is_the_warning)),
        "{text}"
    );

    let v: serde_json::Value = serde_json::from_str(&scan("json", "100000")).unwrap();
    assert!(
        !v["notifications"].to_string().contains("rules database"),
        "{v}"
    );
}

/// The SARIF log is streamed result by result; the bytes are those of the pretty-printed
/// document (with every finding, one, and none).
#[test]
fn streamed_log_is_the_pretty_printed_document() {
    let db = std::sync::Arc::new(modelgate::rules::Database::embedded().unwrap());
    let det = modelgate::scan::detector(db).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    let cfg = modelgate::scan::ScanConfig {
        roots: vec![root],
        walk: modelgate::walk::WalkOptions {
            threads: 1,
            max_file_size: u64::MAX,
            text_chunk: modelgate::scan::TEXT_CHUNK,
            blob_max: modelgate::scan::TEXT_CHUNK as u64,
            no_ignore: false,
            hidden: false,
            excludes: vec![],
            prefix_root: false,
        },
        config: modelgate::config::Config::default(),
        baseline: None,
        deps: Default::default(),
        weights: Default::default(),
        cache_dir: None,
        online: None,
        progress: None,
    };
    let mut report = modelgate::scan::run(&cfg, &det);
    assert!(report.visible().count() >= 5);
    for keep in [usize::MAX, 1, 0] {
        report.findings.truncate(keep);
        let mut streamed = Vec::new();
        modelgate::report::sarif::write(&report, &mut streamed).unwrap();
        let mut whole =
            serde_json::to_vec_pretty(&modelgate::report::sarif::build(&report)).unwrap();
        whole.push(b'\n');
        assert_eq!(
            String::from_utf8(streamed).unwrap(),
            String::from_utf8(whole).unwrap()
        );
    }
}
