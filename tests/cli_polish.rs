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
