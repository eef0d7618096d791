//! The gate never trips over its own files (its policy file, baselines and the reports it wrote,
//! recognised by content), and each root of a multi-root scan is governed by its own policy.

mod common;

use std::fs;
use std::path::Path;

use common::*;

fn scan(dir: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    let mut a = vec!["scan", "--format", "json"];
    a.extend_from_slice(args);
    let o = bin().current_dir(dir).args(&a).output().unwrap();
    let v = serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null);
    (o.status.code().unwrap_or(-1), v)
}

fn lines(v: &serde_json::Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| finding_line(f, true))
        .collect()
}

fn notes(v: &serde_json::Value) -> Vec<String> {
    v["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            format!(
                "{} {}",
                n["path"].as_str().unwrap_or("-"),
                n["message"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn reports_baselines_and_the_policy_file_written_into_the_tree_are_not_findings() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    fs::write(
        d.join("app.py"),
        "M = \"deepseek-chat\"\nG = \"zai-org/GLM-4.5-Air\"\n",
    )
    .unwrap();
    // The commented template, then allow entries that name models.
    let o = bin().current_dir(d).args(["init"]).output().unwrap();
    assert!(o.status.success());
    let mut policy = fs::read_to_string(d.join("modelgate.toml")).unwrap();
    policy.push_str(
        "\n[[allow]]\nmodel = \"moonshot-v1-8k\"\nreason = \"approved by legal\"\nexpires = \"2099-01-01\"\n",
    );
    fs::write(d.join("modelgate.toml"), policy).unwrap();
    let (_, first) = scan(d, &["--fail-on", "never", "."]);
    let before = lines(&first);
    assert_eq!(before.len(), 2, "{before:#?}");
    // Every report format and a baseline, written into the scanned tree.
    for (fmt, file) in [
        ("sarif", "modelgate.sarif"),
        ("json", "report.json"),
        ("markdown", "report.md"),
        ("cyclonedx", "bom.cdx.json"),
        ("html", "report.html"),
    ] {
        let o = bin()
            .current_dir(d)
            .args([
                "scan",
                "--fail-on",
                "never",
                "--format",
                fmt,
                "--output",
                file,
                ".",
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let o = bin()
        .current_dir(d)
        .args([
            "scan",
            "--fail-on",
            "never",
            "--write-baseline",
            "base.json",
            ".",
        ])
        .output()
        .unwrap();
    assert!(o.status.success());
    let (_, again) = scan(d, &["--fail-on", "never", "."]);
    assert_eq!(lines(&again), before);
    let n = notes(&again);
    for (file, what) in [
        ("modelgate.toml", "policy file"),
        ("modelgate.sarif", "SARIF report"),
        ("report.json", "JSON report"),
        ("report.md", "Markdown report"),
        ("base.json", "baseline"),
        ("bom.cdx.json", "CycloneDX BOM"),
        ("report.html", "HTML report"),
    ] {
        assert!(
            n.contains(&format!("{file} modelgate's own {what}: not scanned")),
            "{n:#?}"
        );
    }
}

#[test]
fn own_files_are_recognised_by_content_not_by_name() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    // Named like a report but code; named like a policy file but another TOML document.
    fs::write(
        d.join("modelgate.sarif"),
        "M = \"THUDM/chatglm3-6b\"  # modelgate\n",
    )
    .unwrap();
    fs::write(
        d.join("report.json"),
        "{\"format\": \"not-modelgate\", \"model\": \"THUDM/chatglm3-6b\"}\n",
    )
    .unwrap();
    let sub = d.join("svc");
    fs::create_dir_all(&sub).unwrap();
    fs::write(
        sub.join("modelgate.toml"),
        "[service]\nmodel = \"THUDM/chatglm3-6b\"\n",
    )
    .unwrap();
    let (code, v) = scan(d, &["."]);
    assert_eq!(code, 1);
    let got = lines(&v);
    assert_eq!(got.len(), 3, "{got:#?}");
    for f in ["modelgate.sarif:1", "report.json:1", "svc/modelgate.toml:2"] {
        assert!(got.iter().any(|l| l.starts_with(f)), "{f}: {got:#?}");
    }
}

#[test]
fn each_root_of_a_multi_root_scan_uses_its_own_policy_file() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    for r in ["repoA", "repoB"] {
        fs::create_dir_all(d.join(r)).unwrap();
        fs::write(d.join(r).join("app.py"), "M = \"deepseek-chat\"\n").unwrap();
    }
    fs::write(
        d.join("repoA/modelgate.toml"),
        "[checks]\nMG103 = \"off\"\n",
    )
    .unwrap();
    fs::write(
        d.join("repoB/modelgate.toml"),
        "[checks]\nMG103 = \"error\"\n",
    )
    .unwrap();
    let (code, v) = scan(d, &["repoA", "repoB"]);
    assert_eq!(code, 1, "repoB's error must fail the scan");
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["path"], "repoB/app.py");
    assert_eq!(f[0]["level"], "error");
    assert_eq!(f[0]["policy"], "repoB/modelgate.toml");
    let n = notes(&v);
    assert!(
        n.contains(&"- repoA: policy file repoA/modelgate.toml".to_string()),
        "{n:#?}"
    );
    assert!(
        n.contains(&"- repoB: policy file repoB/modelgate.toml".to_string()),
        "{n:#?}"
    );
    // The same roots in the other order, and one root alone, give the same verdicts.
    let (_, w) = scan(d, &["repoB", "repoA"]);
    assert_eq!(lines(&w), lines(&v));
    let (code, alone) = scan(d, &["repoA"]);
    assert_eq!(code, 0);
    assert!(lines(&alone).is_empty());
    // --config governs every root, and says so.
    let (code, c) = scan(d, &["--config", "repoA/modelgate.toml", "repoA", "repoB"]);
    assert_eq!(code, 0, "{c:#?}");
    assert!(
        notes(&c).contains(&"- repoA, repoB: policy file repoA/modelgate.toml".to_string()),
        "{:#?}",
        notes(&c)
    );
}
