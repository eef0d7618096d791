//! The GitHub Action's step scripts, run as a runner would: a pull_request event payload in
//! GITHUB_EVENT_PATH, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP, and a repository with a base
//! and a head commit. The install step finds the binary in its cache folder (as after a cache hit)
//! so the test does not compile modelgate a second time.

#![cfg(unix)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

mod common;
use common::{git, root};

struct Runner {
    _tmp: tempfile::TempDir,
    ws: PathBuf,
    temp: PathBuf,
    base: String,
}

fn setup() -> Runner {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("ws");
    let temp = tmp.path().join("runner-temp");
    std::fs::create_dir_all(&ws).unwrap();
    std::fs::create_dir_all(temp.join("modelgate-bin/bin")).unwrap();
    std::fs::copy(
        assert_cmd::cargo::cargo_bin("modelgate"),
        temp.join("modelgate-bin/bin/modelgate"),
    )
    .unwrap();
    git(&ws, &["init", "-q", "-b", "main"]);
    std::fs::write(ws.join("a.py"), "MODEL = \"zai-org/GLM-4.5-Air\"\n").unwrap();
    git(&ws, &["add", "."]);
    git(&ws, &["commit", "-q", "-m", "base"]);
    let base = git(&ws, &["rev-parse", "HEAD"]);
    git(&ws, &["checkout", "-q", "-b", "feature"]);
    // The existing reference moves down; a new one is added in another file.
    std::fs::write(
        ws.join("a.py"),
        "import os\n\n\nMODEL = \"zai-org/GLM-4.5-Air\"\n",
    )
    .unwrap();
    std::fs::write(ws.join("b.py"), "NEW = \"zai-org/GLM-4.5-Air\"\n").unwrap();
    git(&ws, &["add", "."]);
    git(&ws, &["commit", "-q", "-m", "head"]);
    Runner {
        _tmp: tmp,
        ws,
        temp,
        base,
    }
}

fn step(
    r: &Runner,
    script: &str,
    event: &str,
    payload: &str,
    env: &[(&str, &str)],
) -> (i32, String, HashMap<String, String>, String) {
    let event_path = r.temp.join("event.json");
    std::fs::write(&event_path, payload).unwrap();
    let out_path = r.temp.join(format!("output-{script}"));
    let summary = r.temp.join("summary.md");
    let _ = std::fs::remove_file(&out_path);
    let o = Command::new("bash")
        .arg(root().join(".ci/action").join(script))
        .current_dir(&r.ws)
        .env("GITHUB_ACTION_PATH", root())
        .env("GITHUB_WORKSPACE", &r.ws)
        .env("GITHUB_EVENT_NAME", event)
        .env("GITHUB_EVENT_PATH", &event_path)
        .env("GITHUB_OUTPUT", &out_path)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("RUNNER_TEMP", &r.temp)
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", "X64")
        .env("MODELGATE_DATA_DIR", r.temp.join("no-installed-rules"))
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let outputs = std::fs::read_to_string(&out_path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (
        o.status.code().unwrap_or(-1),
        log,
        outputs,
        std::fs::read_to_string(summary).unwrap_or_default(),
    )
}

fn payload(base: &str, head_repo: &str) -> String {
    format!(
        r#"{{"pull_request": {{"base": {{"sha": "{base}", "repo": {{"full_name": "acme/app"}}}}, "head": {{"repo": {{"full_name": "{head_repo}"}}}}}}}}"#
    )
}

fn scan(r: &Runner, event: &str, payload: &str) -> (i32, String, HashMap<String, String>, String) {
    let (code, log, out, _) = step(r, "install.sh", event, payload, &[]);
    assert_eq!(code, 0, "{log}");
    assert!(log.contains("restored from cache"), "{log}");
    let bin = out["bin"].clone();
    step(
        r,
        "run.sh",
        event,
        payload,
        &[
            ("MODELGATE_BIN", &bin),
            ("MG_PATH", "."),
            ("MG_FAIL_ON", "error"),
            ("MG_UPLOAD", "true"),
        ],
    )
}

#[test]
fn pull_request_reports_only_what_it_introduces() {
    let r = setup();
    let (code, log, out, _) = step(&r, "cache-key.sh", "pull_request", "{}", &[]);
    assert_eq!(code, 0, "{log}");
    assert!(out["key"].starts_with("modelgate-Linux-X64-"), "{out:?}");

    let p = payload(&r.base, "acme/app");
    let (code, log, out, summary) = scan(&r, "pull_request", &p);
    assert_eq!(code, 0, "the scan step never fails by itself: {log}");
    assert_eq!(out["errors"], "1", "{log}\n{out:?}");
    assert_eq!(out["exit-code"], "1");
    assert_eq!(out["upload"], "true");
    let annotations: Vec<_> = log
        .lines()
        .filter(|l| l.starts_with("::error file="))
        .collect();
    assert_eq!(annotations.len(), 1, "{log}");
    assert!(
        annotations[0].starts_with("::error file=b.py,line=1,"),
        "{log}"
    );
    assert!(
        summary.contains("## modelgate") && summary.contains("b.py"),
        "{summary}"
    );
    assert!(!summary.contains("a.py"), "{summary}");
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out["sarif-file"]).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 1);

    // fail-on is applied last.
    let (code, log, _, _) = step(&r, "fail.sh", "pull_request", &p, &[("MG_EXIT", "1")]);
    assert_eq!(code, 1, "{log}");
    assert!(log.contains("::error title=modelgate::"));
    let (code, _, _, _) = step(&r, "fail.sh", "pull_request", &p, &[("MG_EXIT", "0")]);
    assert_eq!(code, 0);
}

#[test]
fn forks_skip_the_upload_and_pushes_scan_everything() {
    let r = setup();
    let (_, log, out, _) = scan(&r, "pull_request", &payload(&r.base, "someone/fork"));
    assert_eq!(out["upload"], "false", "{log}");
    assert!(
        log.contains("::notice title=modelgate::SARIF upload skipped"),
        "{log}"
    );
    let (_, log, out, _) = scan(&r, "push", "{}");
    assert_eq!(out["errors"], "2", "{log}");
    assert_eq!(out["exit-code"], "1");
}

#[test]
fn a_pull_request_that_adds_nothing_passes() {
    let r = setup();
    git(&r.ws, &["rm", "-q", "b.py"]);
    git(
        &r.ws,
        &["-c", "user.name=t", "commit", "-q", "-m", "drop b"],
    );
    let (_, log, out, summary) = scan(&r, "pull_request", &payload(&r.base, "acme/app"));
    assert_eq!(out["errors"], "0", "{log}");
    assert_eq!(out["exit-code"], "0", "{log}");
    assert!(summary.contains("No findings."), "{summary}");
}
