//! The command line: exit codes, outputs, explain, version, and the walk's behaviour on awkward
//! files, run through the real binary.

mod common;

use std::fs;
use std::time::Duration;

use common::*;

#[test]
fn exit_codes_follow_fail_on() {
    assert_eq!(run(&["scan", "fixtures/demo"]).status.code(), Some(1));
    assert_eq!(
        run(&["scan", "fixtures/demo", "--fail-on", "never"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        run(&["scan", "fixtures/traps", "--fail-on", "note"])
            .status
            .code(),
        Some(0)
    );
    let t = tempfile::tempdir().unwrap();
    fs::write(
        t.path().join("a.py"),
        "MODEL = \"moonshotai/Kimi-K2-Instruct\"\n",
    )
    .unwrap();
    let p = t.path().to_str().unwrap();
    assert_eq!(
        run(&["scan", p]).status.code(),
        Some(0),
        "a warning does not fail by default"
    );
    assert_eq!(
        run(&["scan", p, "--fail-on", "warning"]).status.code(),
        Some(1)
    );
    fs::write(
        t.path().join("README.md"),
        "We tried `zai-org/GLM-4.5-Air`.\n",
    )
    .unwrap();
    fs::remove_file(t.path().join("a.py")).unwrap();
    assert_eq!(
        run(&["scan", p, "--fail-on", "warning"]).status.code(),
        Some(0),
        "prose is a note"
    );
    assert_eq!(
        run(&["scan", p, "--fail-on", "note"]).status.code(),
        Some(1)
    );
}

#[test]
fn usage_and_configuration_errors_exit_2_with_one_line() {
    for args in [
        vec!["scan", "--format", "xml"],
        vec!["scan", "no/such/dir"],
        vec!["scan", "--max-file-size", "lots", "."],
        vec!["scan", "--rules", "fixtures/demo", "fixtures/demo"],
        vec!["explain", "MG999"],
        vec!["bogus"],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
    let out = run(&["scan", "no/such/dir"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("modelgate: error: "), "{err}");
}

#[test]
fn version_names_the_rules_date() {
    let out = run(&["--version"]);
    assert!(out.status.success());
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        s.starts_with(&format!(
            "modelgate {} (rules 20",
            env!("CARGO_PKG_VERSION")
        )),
        "{s}"
    );
}

#[test]
fn explain_prints_check_docs() {
    for code in ["MG100", "MG101", "mg102", "origin-of-concern"] {
        let out = run(&["explain", code]);
        assert!(out.status.success(), "{code}");
        let s = String::from_utf8_lossy(&out.stdout);
        assert!(s.starts_with("# MG10"), "{s}");
        assert!(s.contains("## How to resolve"));
    }
    let s = String::from_utf8_lossy(&run(&["explain", "MG101"]).stdout).into_owned();
    assert!(s.contains("90 FR 4617"));
}

#[test]
fn output_file_is_written_whole_or_not_at_all() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("r.sarif");
    let o = run(&[
        "scan",
        "fixtures/demo",
        "--format",
        "sarif",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    let v: serde_json::Value = serde_json::from_slice(&fs::read(&out).unwrap()).unwrap();
    assert_eq!(v["version"], "2.1.0");
    // A folder that does not exist: error, and nothing left behind.
    let bad = t.path().join("missing/r.sarif");
    let o = run(&[
        "scan",
        "fixtures/demo",
        "--format",
        "sarif",
        "-o",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!bad.exists());
    let leftovers: Vec<_> = fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}

#[test]
fn sarif_has_rules_locations_and_fingerprints() {
    let o = run(&[
        "scan",
        "fixtures/demo",
        "--format",
        "sarif",
        "--fail-on",
        "never",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let run0 = &v["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), modelgate::checks::CHECKS.len());
    for r in rules {
        assert!(
            r["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("## What it detects")
        );
        assert!(r["properties"]["tags"].is_array());
    }
    assert!(run0["tool"]["driver"]["properties"]["rulesDatabase"]["as_of"].is_string());
    let results = run0["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(
            !loc["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .starts_with('/')
        );
        assert!(loc["region"]["startLine"].as_i64().unwrap() >= 1);
        assert!(
            r["partialFingerprints"]["modelgate/v1"]
                .as_str()
                .unwrap()
                .starts_with("v1:")
        );
        assert_eq!(
            rules[r["ruleIndex"].as_u64().unwrap() as usize]["id"],
            r["ruleId"]
        );
        assert_ne!(r["ruleId"], "MG100", "inventory stays out of SARIF");
    }
}

#[test]
fn fingerprints_survive_lines_inserted_above() {
    let t = tempfile::tempdir().unwrap();
    let f = t.path().join("app.py");
    let body = "A = \"zai-org/GLM-4.5-Air\"\nB = \"deepseek-chat\"\nC = \"deepseek-chat\"\n";
    fs::write(&f, body).unwrap();
    let fps = |v: serde_json::Value| -> Vec<(String, u64)> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                (
                    x["fingerprint"].as_str().unwrap().to_string(),
                    x["line"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let before = fps(json(t.path(), &[]));
    fs::write(&f, format!("import os\n\n# config\n{body}")).unwrap();
    let after = fps(json(t.path(), &[]));
    assert_eq!(before.len(), 3);
    let b: Vec<_> = before.iter().map(|x| &x.0).collect();
    let a: Vec<_> = after.iter().map(|x| &x.0).collect();
    assert_eq!(a, b, "fingerprints changed when lines were inserted above");
    assert_eq!(after[0].1, before[0].1 + 3);
    assert_ne!(
        b[1], b[2],
        "two occurrences of one identifier get distinct fingerprints"
    );
}

#[test]
fn large_text_files_are_reported_not_dropped() {
    let t = tempfile::tempdir().unwrap();
    let mut big = "x = 1\n".repeat(400);
    big.push_str("M = \"deepseek-chat\"\n");
    fs::write(t.path().join("big.py"), &big).unwrap();
    let v = json(t.path(), &["--max-file-size", "1K"]);
    assert!(v["findings"].as_array().unwrap().is_empty());
    let r = render(&v);
    assert!(
        r.contains("notification warning big.py: text file of"),
        "{r}"
    );
    let v = json(t.path(), &["--max-file-size", "1M"]);
    assert_eq!(v["findings"].as_array().unwrap().len(), 1);
}

#[test]
fn binary_files_are_not_text_matched() {
    let t = tempfile::tempdir().unwrap();
    let mut bytes = b"GGUF\x03\x00\x00\x00".to_vec();
    bytes.extend_from_slice(b"\x00\x00zai-org/GLM-4.5-Air\x00");
    fs::write(t.path().join("model.gguf"), bytes).unwrap();
    let v = json(t.path(), &["--no-cache"]);
    // The file is a (truncated) GGUF: reported as weights of unknown origin, never text-matched.
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["kind"], "weight-file");
    assert_eq!(f[0]["code"], "MG104");
    assert!(!f[0]["message"].as_str().unwrap().contains("GLM"));
    assert_eq!(v["summary"]["binary_files"], 1);
}

#[test]
fn modelgateignore_is_honoured() {
    let t = tempfile::tempdir().unwrap();
    fs::create_dir(t.path().join("gen")).unwrap();
    fs::write(t.path().join("gen/a.py"), "M = \"deepseek-chat\"\n").unwrap();
    fs::write(t.path().join("b.py"), "M = \"deepseek-chat\"\n").unwrap();
    fs::write(t.path().join(".modelgateignore"), "gen/\n").unwrap();
    let v = json(t.path(), &[]);
    let paths: Vec<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(paths, vec!["b.py"]);
}

#[cfg(unix)]
#[test]
fn fifo_and_outside_symlink_do_not_block_or_escape() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    fs::write(
        outside.path().join("secret.py"),
        "M = \"zai-org/GLM-4.5-Air\"\n",
    )
    .unwrap();
    let t = tempfile::tempdir().unwrap();
    let fifo = t.path().join("pipe.txt");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    symlink(outside.path().join("secret.py"), t.path().join("link.py")).unwrap();
    symlink(outside.path(), t.path().join("linkdir")).unwrap();
    fs::write(t.path().join("ok.py"), "M = \"deepseek-chat\"\n").unwrap();
    let out = bin()
        .args([
            "scan",
            "--format",
            "json",
            "--fail-on",
            "never",
            t.path().to_str().unwrap(),
        ])
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let r = render(&v);
    assert!(r.contains("ok.py:1:"), "{r}");
    assert!(
        !r.contains("GLM"),
        "followed a symlink out of the tree: {r}"
    );
    assert!(
        r.contains("notification note pipe.txt: not a regular file"),
        "{r}"
    );
    assert!(
        r.contains("notification note link.py: symbolic link"),
        "{r}"
    );
}

#[cfg(unix)]
#[test]
fn broken_pipe_exits_quietly() {
    let exe = assert_cmd::cargo::cargo_bin("modelgate");
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -o pipefail; '{}' scan --format json --fail-on never fixtures/demo | head -c 10 >/dev/null; echo \"${{PIPESTATUS[0]}}\"",
            exe.display()
        ))
        .current_dir(root())
        .output()
        .unwrap();
    let status = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        status.trim(),
        "0",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}
