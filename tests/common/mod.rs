#![allow(dead_code)]
use std::path::{Path, PathBuf};
use std::process::Output;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The binary, isolated from any rules bundle installed for the user running the tests.
pub fn bin() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("modelgate").unwrap();
    c.env(
        "MODELGATE_DATA_DIR",
        root().join("target/test-no-installed-rules"),
    );
    // Never touch the user's digest cache.
    c.env("XDG_CACHE_HOME", root().join("target/test-xdg-cache"));
    c
}

pub fn run(args: &[&str]) -> Output {
    bin().current_dir(root()).args(args).output().unwrap()
}

pub fn json(path: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["scan", "--format", "json", "--fail-on", "never"];
    args.extend_from_slice(extra);
    let p = path.to_string_lossy().into_owned();
    args.push(&p);
    let out = run(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// One line per finding: `path:line:col CODE level identifier — message`.
pub fn render(v: &serde_json::Value) -> String {
    let mut s = String::new();
    for f in v["findings"].as_array().unwrap() {
        s.push_str(&format!(
            "{}:{}:{} {} {} {} — {}\n",
            f["path"].as_str().unwrap(),
            f["line"],
            f["column"],
            f["code"].as_str().unwrap(),
            f["level"].as_str().unwrap(),
            f["identifier"].as_str().unwrap(),
            f["message"].as_str().unwrap()
        ));
    }
    for n in v["notifications"].as_array().unwrap() {
        s.push_str(&format!(
            "notification {} {}: {}\n",
            n["level"].as_str().unwrap(),
            n["path"].as_str().unwrap_or("-"),
            n["message"].as_str().unwrap()
        ));
    }
    s
}
