//! What a user sees on the command line: the error form, colour control, quiet output and a
//! clear message for a bad --diff-base.

mod common;

use common::*;

#[test]
fn usage_errors_have_the_documented_form() {
    let o = run(&["scan", "--bogus"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("modelgate: error: unexpected argument '--bogus'"),
        "{err}"
    );
    assert!(err.contains("Usage: modelgate scan"), "{err}");
    // --help is not an error.
    let o = run(&["scan", "--help"]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn color_always_never_and_quiet() {
    let o = run(&[
        "scan",
        "--color",
        "always",
        "--fail-on",
        "never",
        "fixtures/demo",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("\u{1b}["),
        "no ANSI colour with --color always"
    );
    let o = run(&[
        "scan",
        "--color",
        "never",
        "--fail-on",
        "never",
        "fixtures/demo",
    ]);
    let plain = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(!plain.contains('\u{1b}'));
    assert!(plain.contains(" files scanned"), "{plain}");
    let o = run(&["scan", "-q", "--fail-on", "never", "fixtures/demo"]);
    let quiet = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(!quiet.contains(" files scanned"), "{quiet}");
    assert!(!quiet.contains("note: "), "{quiet}");
    // The findings are the same.
    let findings = |s: &str| s.lines().filter(|l| l.contains(" MG10")).count();
    assert!(findings(&quiet) > 0);
    assert_eq!(findings(&quiet), findings(&plain));
    // No progress line when stderr is not a terminal.
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_bad_diff_base_names_the_option() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    git(d, &["init", "-q", "-b", "main"]);
    std::fs::write(d.join("a.py"), "x = 1\n").unwrap();
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "one"]);
    let o = bin()
        .current_dir(d)
        .args(["scan", "--diff-base", "no-such-branch", "."])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("modelgate: error: --diff-base no-such-branch: no merge base with HEAD"),
        "{err}"
    );
}

#[test]
fn one_scan_writes_several_formats() {
    let t = tempfile::tempdir().unwrap();
    let sarif = t.path().join("out.sarif");
    let json = t.path().join("out.json");
    let s = format!("sarif={}", sarif.display());
    let j = format!("json={}", json.display());
    let o = run(&[
        "scan",
        "--fail-on",
        "never",
        "-o",
        &s,
        "-o",
        &j,
        "-o",
        "github=-",
        "fixtures/demo",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.starts_with("::"),
        "only the GitHub annotations on stdout: {stdout}"
    );
    let alone = |fmt: &str| {
        let o = run(&[
            "scan",
            "--fail-on",
            "never",
            "--format",
            fmt,
            "fixtures/demo",
        ]);
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    assert_eq!(stdout, alone("github"));
    assert_eq!(std::fs::read_to_string(&sarif).unwrap(), alone("sarif"));
    let a: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let b: serde_json::Value = serde_json::from_str(&alone("json")).unwrap();
    assert_eq!(a["findings"], b["findings"]);
    // Two plain files are refused.
    let o = run(&["scan", "-o", "a.txt", "-o", "b.txt", "fixtures/demo"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).starts_with("modelgate: error: --output b.txt"));
}
