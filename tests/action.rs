//! The GitHub Action's step scripts, run as a runner would: a pull_request event payload in
//! GITHUB_EVENT_PATH, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP, and a repository with a base
//! and a head commit. The install step finds the binary in its cache folder (as after a cache hit)
//! so the test does not compile modelgate a second time.

#![cfg(unix)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

mod common;
use common::{git, root, serve};

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
fn a_subfolder_path_keeps_uris_and_annotations_relative_to_the_repository_root() {
    let r = setup();
    let api = r.ws.join("services/api");
    std::fs::create_dir_all(&api).unwrap();
    std::fs::write(api.join("app.py"), "M = \"zai-org/GLM-4.5-Air\"\n").unwrap();
    git(&r.ws, &["add", "."]);
    git(&r.ws, &["commit", "-q", "-m", "service"]);
    let p = payload(&r.base, "acme/app");
    let (code, log, out, _) = step(&r, "install.sh", "pull_request", &p, &[]);
    assert_eq!(code, 0, "{log}");
    let bin = out["bin"].clone();
    let (code, log, out, summary) = step(
        &r,
        "run.sh",
        "pull_request",
        &p,
        &[
            ("MODELGATE_BIN", &bin),
            ("MG_PATH", "services/api"),
            ("MG_FAIL_ON", "error"),
            ("MG_UPLOAD", "true"),
        ],
    );
    assert_eq!(code, 0, "{log}");
    assert_eq!(out["errors"], "1", "{log}\n{out:?}");
    assert!(
        log.lines()
            .any(|l| l.starts_with("::error file=services/api/app.py,line=1,")),
        "{log}"
    );
    assert!(summary.contains("services/api/app.py"), "{summary}");
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out["sarif-file"]).unwrap()).unwrap();
    let loc =
        &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(loc["uri"], "services/api/app.py", "{sarif:#}");
    assert_eq!(loc["uriBaseId"], "%SRCROOT%");
    // One scan produced every output.
    assert_eq!(log.matches("modelgate: reporting only").count(), 1, "{log}");
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

// ---- where the binary comes from: a release download, or a build from the action's source ----

const VERSION: &str = env!("CARGO_PKG_VERSION");
const TRIPLE: &str = "x86_64-unknown-linux-musl";
/// A PATH with the runner's usual tools (bash, curl, tar, sha256sum, git, ...) and no cargo.
const NO_CARGO_PATH: &str = "/usr/bin:/bin";

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// A release archive laid out as dist builds it (`modelgate-TRIPLE/modelgate` and a README),
/// and its sha256 in the form of dist's `.sha256` files.
fn release_archive() -> (Vec<u8>, String) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(format!("modelgate-{TRIPLE}"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        assert_cmd::cargo::cargo_bin("modelgate"),
        dir.join("modelgate"),
    )
    .unwrap();
    std::fs::write(dir.join("README.md"), "modelgate\n").unwrap();
    let archive = tmp.path().join("a.tar.gz");
    let st = Command::new("tar")
        .arg("-czf")
        .arg(&archive)
        .arg("-C")
        .arg(tmp.path())
        .arg(format!("modelgate-{TRIPLE}"))
        .status()
        .unwrap();
    assert!(st.success());
    let bytes = std::fs::read(&archive).unwrap();
    use sha2::Digest;
    let hex: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let line = format!("{hex} *modelgate-{TRIPLE}.tar.gz\n");
    (bytes, line)
}

/// A release host on 127.0.0.1 serving `archive` and `sha256` for the tag v<VERSION>.
fn release_host(archive: Vec<u8>, sha256: String) -> String {
    let path = leak(format!("/v{VERSION}/modelgate-{TRIPLE}.tar.gz"));
    let sum = leak(format!("{path}.sha256"));
    serve(vec![(path, archive), (sum, sha256.into_bytes())])
}

/// A runner whose cache restored nothing.
fn cold_runner() -> Runner {
    let r = setup();
    std::fs::remove_dir_all(r.temp.join("modelgate-bin")).unwrap();
    r
}

/// A stand-in for cargo on PATH: records its arguments and "installs" the test binary into --root.
fn fake_cargo(r: &Runner) -> (PathBuf, PathBuf) {
    let dir = r.temp.join("fake-cargo");
    std::fs::create_dir_all(&dir).unwrap();
    let log = r.temp.join("cargo-args.txt");
    let script = format!(
        "#!/bin/sh\necho \"$@\" > '{}'\nfor a; do last=\"$a\"; done\nmkdir -p \"$last/bin\" && cp '{}' \"$last/bin/modelgate\"\n",
        log.display(),
        assert_cmd::cargo::cargo_bin("modelgate").display()
    );
    std::fs::write(dir.join("cargo"), script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.join("cargo"), std::fs::Permissions::from_mode(0o755)).unwrap();
    (dir, log)
}

#[test]
fn the_release_follows_the_action_ref() {
    let r = setup();
    let tag = |env: &[(&str, &str)]| {
        let (code, log, out, _) = step(&r, "cache-key.sh", "push", "{}", env);
        (
            code,
            log,
            out.get("release-tag").cloned().unwrap_or_default(),
        )
    };
    let want = format!("v{VERSION}");
    assert_eq!(tag(&[("MG_ACTION_REF", &want)]).2, want);
    assert_eq!(tag(&[("MG_ACTION_REF", VERSION)]).2, want);
    let major = format!("v{}", VERSION.split('.').next().unwrap());
    assert_eq!(tag(&[("MG_ACTION_REF", &major)]).2, want, "a moving tag");
    // Another release than this checkout's, a commit, a branch, a local action: no release.
    assert_eq!(tag(&[("MG_ACTION_REF", "v999.0.0")]).2, "");
    assert_eq!(
        tag(&[("MG_ACTION_REF", "8aad20d150bbac5944a9f9d289da16a4b0d87c1e")]).2,
        ""
    );
    assert_eq!(tag(&[("MG_ACTION_REF", "main")]).2, "");
    let (code, log, t) = tag(&[]);
    assert_eq!((code, t.as_str()), (0, ""), "{log}");
    assert!(log.contains("building from source"), "{log}");
    // The version input wins (actions pinned by commit SHA).
    let sha = "8aad20d150bbac5944a9f9d289da16a4b0d87c1e";
    assert_eq!(
        tag(&[("MG_ACTION_REF", sha), ("MG_VERSION", "1.2.3")]).2,
        "v1.2.3"
    );
    let (code, log, _) = tag(&[("MG_VERSION", "latest; rm -rf /")]);
    assert_eq!(code, 1, "{log}");
    assert!(
        log.contains("::error title=modelgate::version must be"),
        "{log}"
    );
}

#[test]
fn downloads_and_verifies_the_release_binary_without_cargo() {
    let r = cold_runner();
    let (archive, sum) = release_archive();
    let url = release_host(archive, sum);
    let no_cargo = Command::new("bash")
        .args(["-c", "command -v cargo"])
        .env("PATH", NO_CARGO_PATH)
        .status()
        .unwrap();
    assert!(!no_cargo.success(), "cargo must not be on the test's PATH");
    let tag = format!("v{VERSION}");
    let (code, log, out, _) = step(
        &r,
        "install.sh",
        "pull_request",
        "{}",
        &[
            ("PATH", NO_CARGO_PATH),
            ("MG_RELEASE_TAG", &tag),
            ("MG_RELEASE_URL", &url),
        ],
    );
    assert_eq!(code, 0, "{log}");
    assert!(
        log.contains(&format!("{url}/{tag}/modelgate-{TRIPLE}.tar.gz")),
        "{log}"
    );
    assert!(log.contains("verified"), "{log}");
    assert!(
        log.contains(&format!(
            "installed from the release {tag}: modelgate {VERSION}"
        )),
        "{log}"
    );
    let bin = out["bin"].clone();
    assert_eq!(
        PathBuf::from(&bin),
        r.temp.join("modelgate-bin/bin/modelgate")
    );
    // The downloaded binary runs the scan step, still without cargo.
    let p = payload(&r.base, "acme/app");
    let (code, log, out, _) = step(
        &r,
        "run.sh",
        "pull_request",
        &p,
        &[
            ("PATH", NO_CARGO_PATH),
            ("MODELGATE_BIN", &bin),
            ("MG_PATH", "."),
            ("MG_FAIL_ON", "error"),
        ],
    );
    assert_eq!(code, 0, "{log}");
    assert_eq!(out["errors"], "1", "{log}\n{out:?}");
}

#[test]
fn a_checksum_mismatch_fails_the_install() {
    let r = cold_runner();
    let (archive, _) = release_archive();
    let wrong = format!("{} *modelgate-{TRIPLE}.tar.gz\n", "0".repeat(64));
    let url = release_host(archive, wrong);
    let (dir, args) = fake_cargo(&r);
    let path = format!("{}:{NO_CARGO_PATH}", dir.display());
    let tag = format!("v{VERSION}");
    let (code, log, out, _) = step(
        &r,
        "install.sh",
        "pull_request",
        "{}",
        &[
            ("PATH", &path),
            ("MG_RELEASE_TAG", &tag),
            ("MG_RELEASE_URL", &url),
        ],
    );
    assert_eq!(code, 1, "{log}");
    assert!(
        log.contains("::error title=modelgate::checksum mismatch"),
        "{log}"
    );
    assert!(!out.contains_key("bin"), "{out:?}");
    assert!(!r.temp.join("modelgate-bin/bin/modelgate").exists());
    assert!(
        !args.exists(),
        "a tampered archive must not fall back to cargo"
    );

    // A release without a checksum file is not used either.
    let (archive, _) = release_archive();
    let path_only = leak(format!("/v{VERSION}/modelgate-{TRIPLE}.tar.gz"));
    let url = serve(vec![(path_only, archive)]);
    let (code, log, _, _) = step(
        &r,
        "install.sh",
        "pull_request",
        "{}",
        &[
            ("PATH", NO_CARGO_PATH),
            ("MG_RELEASE_TAG", &tag),
            ("MG_RELEASE_URL", &url),
        ],
    );
    assert_eq!(code, 1, "{log}");
    assert!(log.contains(".sha256 failed (HTTP 404)"), "{log}");
}

#[test]
fn falls_back_to_cargo_install_locked_when_no_release_matches() {
    // A commit ref: no release tag at all.
    let r = cold_runner();
    let (dir, args) = fake_cargo(&r);
    let path = format!("{}:{NO_CARGO_PATH}", dir.display());
    let (code, log, out, _) = step(&r, "install.sh", "push", "{}", &[("PATH", &path)]);
    assert_eq!(code, 0, "{log}");
    let got = std::fs::read_to_string(&args).unwrap();
    assert_eq!(
        got.trim(),
        format!(
            "install --locked --path {} --root {}",
            root().display(),
            r.temp.join("modelgate-bin").display()
        )
    );
    assert!(PathBuf::from(&out["bin"]).exists());

    // A release tag whose archive for this platform is missing (404): also built from source.
    let r = cold_runner();
    let (dir, args) = fake_cargo(&r);
    let path = format!("{}:{NO_CARGO_PATH}", dir.display());
    let url = serve(vec![]);
    let tag = format!("v{VERSION}");
    let (code, log, _, _) = step(
        &r,
        "install.sh",
        "push",
        "{}",
        &[
            ("PATH", &path),
            ("MG_RELEASE_TAG", &tag),
            ("MG_RELEASE_URL", &url),
        ],
    );
    assert_eq!(code, 0, "{log}");
    assert!(
        log.contains(&format!(
            "the release {tag} has no modelgate-{TRIPLE}.tar.gz"
        )),
        "{log}"
    );
    assert!(
        std::fs::read_to_string(&args)
            .unwrap()
            .starts_with("install --locked ")
    );

    // No release and no cargo: a clear error.
    let r = cold_runner();
    let (code, log, _, _) = step(&r, "install.sh", "push", "{}", &[("PATH", NO_CARGO_PATH)]);
    assert_eq!(code, 1, "{log}");
    assert!(log.contains("cargo is not installed"), "{log}");
}
