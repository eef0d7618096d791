//! The gate: policy file, inline suppressions, allow entries with expiry, baselines, diff mode
//! and staged mode, through the binary.

mod common;

use std::fs;
use std::path::Path;

use common::*;

fn scan_json(dir: &Path, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let mut args = vec!["scan", "--format", "json"];
    args.extend_from_slice(extra);
    let p = dir.to_string_lossy().into_owned();
    args.push(&p);
    let o = bin().current_dir(dir).args(&args).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let v = serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null);
    (o.status.code().unwrap_or(-1), v, err)
}

fn by_id<'a>(v: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["identifier"] == id)
        .unwrap_or_else(|| panic!("no finding {id}"))
}

#[test]
fn policy_file_sets_levels_jurisdictions_excludes_and_allows() {
    let t = tempfile::tempdir().unwrap();
    fs::create_dir_all(t.path().join("vendor")).unwrap();
    fs::write(
        t.path().join("vendor/x.py"),
        "M = \"zai-org/GLM-4.5-Air\"\n",
    )
    .unwrap();
    fs::write(
        t.path().join("app.py"),
        "A = \"deepseek-chat\"\nB = \"moonshot-v1-8k\"\nC = \"bge-m3\"\n",
    )
    .unwrap();
    // In its own file: an endpoint named beside `deepseek-chat` would decide its hosting (MG102).
    fs::write(
        t.path().join("endpoint.py"),
        "D = \"https://api.deepseek.com\"\n",
    )
    .unwrap();
    fs::write(
        t.path().join("modelgate.toml"),
        r#"
[policy]
flagged-jurisdictions = ["CN"]
enforce-lists = ["us-entity-list"]

[checks]
MG103 = "error"
MG102 = "off"

[paths]
exclude = ["vendor/**"]

[[allow]]
model = "moonshot-*"
reason = "legacy client, removal tracked in TICKET-1"
expires = "2999-01-01"

[[allow]]
org = "baai"
reason = "approval that has lapsed"
expires = "2001-01-01"

[[allow]]
host = "api.example.invalid"
reason = "never matches"
"#,
    )
    .unwrap();
    let (code, v, err) = scan_json(t.path(), &[]);
    assert_eq!(code, 1, "{err}");
    let r = render(&v);
    assert!(!r.contains("vendor/x.py"), "excluded path scanned: {r}");
    assert!(!r.contains("api.deepseek.com"), "MG102 is off: {r}");
    assert_eq!(
        by_id(&v, "deepseek-chat")["level"],
        "error",
        "MG103 raised to error"
    );
    let m = by_id(&v, "moonshot-v1-8k");
    assert_eq!(m["suppression"]["kind"], "config");
    assert!(
        m["suppression"]["reason"]
            .as_str()
            .unwrap()
            .contains("TICKET-1")
    );
    assert!(
        m["suppression"]["source"]
            .as_str()
            .unwrap()
            .ends_with("modelgate.toml:13"),
        "{m}"
    );
    assert!(
        by_id(&v, "bge-m3")["suppression"].is_null(),
        "an expired allow no longer suppresses"
    );
    assert!(r.contains("expired on 2001-01-01"), "{r}");
    assert!(r.contains("matched nothing (unused)"), "{r}");
}

#[test]
fn bad_policy_files_exit_2_with_file_line_column() {
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("a.py"), "x = 1\n").unwrap();
    for (body, want) in [
        (
            "[policy]\nflagged = [\"CN\"]\n",
            ":2:1: unknown field `flagged`",
        ),
        (
            "[checks]\nMG103 = \"loud\"\n",
            ":2:9: unknown variant `loud`",
        ),
        (
            "[policy]\nflagged-jurisdictions = [\"China\"]\n",
            ":2:26: `China` is not an ISO",
        ),
        (
            "[policy]\nenforce-lists = [\"nope\"]\n",
            ":2:18: unknown restriction list `nope`",
        ),
        (
            "[[allow]]\nmodel = \"x\"\n",
            ":1:1: an [[allow]] entry needs a reason",
        ),
        (
            "[[allow]]\nmodel = \"x\"\nreason = \"r\"\nexpires = \"soon\"\n",
            ":4:11: expires `soon`",
        ),
    ] {
        fs::write(t.path().join("modelgate.toml"), body).unwrap();
        let (code, _, err) = scan_json(t.path(), &[]);
        assert_eq!(code, 2, "{body}");
        assert!(
            err.contains(&format!("modelgate.toml{want}")),
            "{body}: {err}"
        );
    }
}

#[test]
fn inline_allows_need_a_reason_and_a_matching_check() {
    let t = tempfile::tempdir().unwrap();
    fs::write(
        t.path().join("app.py"),
        "A = \"zai-org/GLM-4.5-Air\"  # modelgate: allow MG101 approved by legal (TICKET-7)\n\
         # modelgate: allow MG103 offline evaluation only\n\
         B = \"Qwen/Qwen2.5-7B-Instruct\"\n\
         C = \"deepseek-chat\"  # modelgate: allow MG103\n\
         D = \"moonshot-v1-8k\"  # modelgate: allow MG101 wrong check\n",
    )
    .unwrap();
    let (code, v, _) = scan_json(t.path(), &["--fail-on", "warning"]);
    let a = by_id(&v, "zai-org/GLM-4.5-Air");
    assert_eq!(a["suppression"]["kind"], "inline");
    assert_eq!(a["suppression"]["source"], "app.py:1");
    assert!(
        by_id(&v, "Qwen/Qwen2.5-7B-Instruct")["suppression"]["reason"] == "offline evaluation only"
    );
    assert!(by_id(&v, "deepseek-chat")["suppression"].is_null());
    assert!(by_id(&v, "moonshot-v1-8k")["suppression"].is_null());
    assert!(render(&v).contains("has no reason"));
    assert_eq!(code, 1, "two warnings remain");
    assert_eq!(v["summary"]["suppressed"], 2);
    // SARIF keeps suppressed results with their justification.
    let o = bin()
        .args([
            "scan",
            "--format",
            "sarif",
            "--fail-on",
            "never",
            t.path().to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let sup: Vec<_> = s["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["suppressions"].is_array())
        .collect();
    assert_eq!(sup.len(), 2);
    assert_eq!(sup[0]["suppressions"][0]["kind"], "inSource");
}

#[test]
fn baselines_suppress_known_findings_and_keep_new_ones() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    fs::create_dir(&src).unwrap();
    fs::write(src.join("a.py"), "A = \"zai-org/GLM-4.5-Air\"\n").unwrap();
    let base = t.path().join("baseline.json");
    let (code, _, err) = scan_json(&src, &["--write-baseline", base.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    let (code, v, _) = scan_json(&src, &["--baseline", base.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(v["findings"][0]["suppression"]["kind"], "baseline");
    // Lines above move the finding; the baseline still matches. A new reference is new.
    fs::write(
        src.join("a.py"),
        "import os\n\nB = \"BAAI/bge-m3\"\nA = \"zai-org/GLM-4.5-Air\"\n",
    )
    .unwrap();
    let (code, v, _) = scan_json(&src, &["--baseline", base.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(by_id(&v, "BAAI/bge-m3")["suppression"].is_null());
    assert_eq!(
        by_id(&v, "zai-org/GLM-4.5-Air")["suppression"]["kind"],
        "baseline"
    );
    fs::write(&base, "not json").unwrap();
    let (code, _, err) = scan_json(&src, &["--baseline", base.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn diff_base_reports_only_introduced_findings() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    git(d, &["init", "-q", "-b", "main"]);
    fs::write(d.join("a.py"), "A = \"zai-org/GLM-4.5-Air\"\n").unwrap();
    fs::write(d.join("old.py"), "O = \"deepseek-chat\"\n").unwrap();
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "base"]);
    git(d, &["checkout", "-q", "-b", "pr"]);
    // Moved down (not new), renamed (not new), and one new reference.
    fs::write(
        d.join("a.py"),
        "import os\n\nA = \"zai-org/GLM-4.5-Air\"\nN = \"BAAI/bge-m3\"\n",
    )
    .unwrap();
    git(d, &["mv", "old.py", "renamed.py"]);
    fs::write(d.join("added.py"), "X = \"moonshot-v1-8k\"\n").unwrap();
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "pr"]);
    let (code, v, err) = scan_json(d, &["--diff-base", "main"]);
    assert_eq!(code, 1, "{err}");
    let ids: Vec<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["identifier"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["BAAI/bge-m3", "moonshot-v1-8k"], "{}", render(&v));
    let (code, _, err) = scan_json(d, &["--diff-base", "no-such-ref"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn staged_mode_scans_the_index_not_the_working_tree() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    git(d, &["init", "-q", "-b", "main"]);
    fs::write(d.join("clean.py"), "x = 1\n").unwrap();
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "c"]);
    fs::write(d.join("bad.py"), "M = \"zai-org/GLM-4.5-Air\"\n").unwrap();
    git(d, &["add", "bad.py"]);
    // The working tree no longer has it, the index does.
    fs::write(d.join("bad.py"), "M = 1\n").unwrap();
    fs::write(d.join("unstaged.py"), "M = \"BAAI/bge-m3\"\n").unwrap();
    let (code, v, err) = scan_json(d, &["--staged"]);
    assert_eq!(code, 1, "{err}");
    let ids: Vec<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["identifier"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["zai-org/GLM-4.5-Air"]);
}

#[test]
fn init_writes_a_valid_commented_default() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("modelgate.toml");
    let o = bin().args(["init", p.to_str().unwrap()]).output().unwrap();
    assert!(o.status.success());
    let text = fs::read_to_string(&p).unwrap();
    assert!(text.contains("[[allow]]") && text.contains("flagged-jurisdictions"));
    fs::write(t.path().join("a.py"), "x = 1\n").unwrap();
    let (code, _, err) = scan_json(t.path(), &[]);
    assert_eq!(code, 0, "{err}");
    let o = bin().args(["init", p.to_str().unwrap()]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "refuses to overwrite");
}

#[test]
fn markdown_and_github_formats() {
    let o = bin()
        .current_dir(root())
        .args([
            "scan",
            "--format",
            "markdown",
            "--fail-on",
            "never",
            "fixtures/demo",
        ])
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&o.stdout);
    for s in [
        "## modelgate",
        "### By check",
        "### By organisation",
        "### By file",
        "| MG101 | restricted-entity |",
        "Zhipu AI",
    ] {
        assert!(md.contains(s), "{s}: {md}");
    }
    let o = bin()
        .current_dir(root())
        .args([
            "scan",
            "--format",
            "github",
            "--fail-on",
            "never",
            "fixtures/demo",
        ])
        .output()
        .unwrap();
    let gh = String::from_utf8_lossy(&o.stdout);
    assert!(
        gh.lines()
            .any(|l| l.starts_with("::error file=web/summarize.ts,line=9,col=31,")),
        "{gh}"
    );
    assert!(
        gh.lines()
            .any(|l| l.starts_with("::notice file=docs/models.md,")),
        "{gh}"
    );
}

#[test]
fn enforce_lists_can_add_designation_lists() {
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("a.py"), "M = \"Qwen/Qwen2.5-7B-Instruct\"\n").unwrap();
    let (code, v, _) = scan_json(t.path(), &[]);
    assert_eq!(code, 0);
    let f = by_id(&v, "Qwen/Qwen2.5-7B-Instruct");
    assert_eq!(f["code"], "MG103");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("(not enforced by the policy)")
    );
    fs::write(
        t.path().join("modelgate.toml"),
        "[policy]\nenforce-lists = [\"us-entity-list\", \"us-dod-1260h\"]\n",
    )
    .unwrap();
    let (code, v, _) = scan_json(t.path(), &[]);
    assert_eq!(code, 1);
    let f = by_id(&v, "Qwen/Qwen2.5-7B-Instruct");
    assert_eq!(f["code"], "MG101");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("DoD Section 1260H list"),
        "{f}"
    );
}
