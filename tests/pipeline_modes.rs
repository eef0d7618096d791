//! One pipeline for every mode: a full scan, `--staged` after `git add`, and `--diff-base`
//! against an empty base give the same findings on every weight and kind fixture; and a change
//! that leaves a weight file's or a remote-code line's findings as they were adds none.

mod common;

use std::fs;
use std::path::Path;

use common::*;

fn copy_tree(from: &Path, to: &Path) {
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = e.file_type().unwrap();
        let dst = to.join(e.file_name());
        if t.is_dir() {
            fs::create_dir_all(&dst).unwrap();
            copy_tree(&e.path(), &dst);
        } else if t.is_file() {
            fs::copy(e.path(), &dst).unwrap();
        }
    }
}

/// Findings as `path:line:col CODE level identifier kind — message`, sorted, fingerprint kept.
fn findings(dir: &Path, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["scan", "--format", "json", "--fail-on", "never"];
    args.extend_from_slice(extra);
    args.push(".");
    let o = bin().current_dir(dir).args(&args).output().unwrap();
    assert!(
        o.status.success(),
        "{:?} in {}: {}",
        extra,
        dir.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut out: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {}", finding_line(f, true).trim_end(), f["fingerprint"]))
        .collect();
    out.sort();
    out
}

fn fixture_dirs() -> Vec<std::path::PathBuf> {
    let mut v = Vec::new();
    for group in ["fixtures/weights", "fixtures/kinds"] {
        for e in fs::read_dir(root().join(group)).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                v.push(p);
            }
        }
    }
    v.sort();
    v
}

#[test]
fn staged_and_diff_base_equal_a_full_scan_on_every_weight_and_kind_fixture() {
    let dirs = fixture_dirs();
    assert!(dirs.len() >= 15, "{dirs:?}");
    let mut failures = Vec::new();
    for src in dirs {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        git(d, &["init", "-q", "-b", "main"]);
        git(d, &["commit", "-q", "--allow-empty", "-m", "empty"]);
        let base = git(d, &["rev-parse", "HEAD"]).trim().to_string();
        copy_tree(&src, d);
        git(d, &["add", "-A"]);
        let name = src.file_name().unwrap().to_string_lossy().into_owned();
        let full = findings(d, &[]);
        assert!(
            !full.is_empty() || name == "malformed",
            "{name}: no findings"
        );
        let staged = findings(d, &["--staged"]);
        if staged != full {
            failures.push(format!(
                "{name} --staged:\n  full:   {full:#?}\n  staged: {staged:#?}"
            ));
        }
        git(d, &["commit", "-q", "-m", "fixture"]);
        let diff = findings(d, &["--diff-base", &base]);
        if diff != full {
            failures.push(format!(
                "{name} --diff-base:\n  full: {full:#?}\n  diff: {diff:#?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn unchanged_weight_and_remote_code_findings_of_a_modified_file_are_not_new() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    git(d, &["init", "-q", "-b", "main"]);
    copy_tree(&root().join("fixtures/weights/remote"), d);
    copy_tree(&root().join("fixtures/weights/gguf"), d);
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "base"]);
    assert!(!findings(d, &[]).is_empty());
    // An edit elsewhere in the loader (its MG105 line stays as it was), and a GGUF file moved
    // to a folder (a rename: same content, so the same findings).
    let load = fs::read_to_string(d.join("load.py")).unwrap();
    fs::write(d.join("load.py"), format!("# edited\n\n{load}")).unwrap();
    fs::create_dir_all(d.join("models")).unwrap();
    git(d, &["mv", "qwen-derived.gguf", "models/qwen-derived.gguf"]);
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "edit"]);
    let new = findings(d, &["--diff-base", "HEAD~1"]);
    assert!(new.is_empty(), "{new:#?}");
    // A weight file whose bytes change is a new file: its finding (named by its digest) is new,
    // in diff mode and in staged mode, where it is read from the index.
    let mut g = fs::read(d.join("models/qwen-derived.gguf")).unwrap();
    g.extend_from_slice(&[0u8; 32]);
    fs::write(d.join("models/qwen-derived.gguf"), &g).unwrap();
    git(d, &["add", "-A"]);
    let staged = findings(d, &["--staged"]);
    assert_eq!(staged.len(), 1, "{staged:#?}");
    assert!(
        staged[0].starts_with("models/qwen-derived.gguf:1:1 MG103"),
        "{staged:#?}"
    );
    git(d, &["commit", "-q", "-m", "weights changed"]);
    let new = findings(d, &["--diff-base", "HEAD~1"]);
    assert_eq!(new, staged);
}

#[test]
fn staged_weight_blobs_larger_than_the_text_limit_are_parsed_and_hashed_as_they_stream() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    git(d, &["init", "-q", "-b", "main"]);
    copy_tree(&root().join("fixtures/weights/gguf"), d);
    copy_tree(&root().join("fixtures/weights/safetensors"), d);
    git(d, &["add", "-A"]);
    // Every weight file is larger than 100 bytes: read in part (header) and hashed whole.
    let full = findings(d, &["--max-file-size", "100"]);
    let staged = findings(d, &["--staged", "--max-file-size", "100"]);
    assert!(full.len() >= 3, "{full:#?}");
    assert_eq!(staged, full);
}

#[test]
fn a_large_text_blob_is_scanned_in_staged_diff_and_history_modes_unless_capped() {
    // A minified bundle of 9 MiB on one line (more than the 8 MiB a blob is held whole up to),
    // with a restricted model near its end.
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    git(d, &["init", "-q", "-b", "main"]);
    git(d, &["commit", "-q", "--allow-empty", "-m", "empty"]);
    let mut text = "var a=1;".repeat(9 << 17);
    text.push_str("m=\"THUDM/glm-4-9b-chat\";\n");
    let column = text.find("THUDM").unwrap() + 1;
    fs::write(d.join("bundle.min.js"), &text).unwrap();
    git(d, &["add", "-A"]);
    let want = format!("bundle.min.js:1:{column} ");
    let full = findings(d, &[]);
    assert!(full.len() == 1 && full[0].starts_with(&want), "{full:#?}");
    assert_eq!(findings(d, &["--staged"]), full);
    git(d, &["commit", "-q", "-m", "bundle"]);
    assert_eq!(findings(d, &["--diff-base", "HEAD~1"]), full);
    let history = findings(d, &["--history"]);
    assert!(history.iter().any(|f| f.starts_with(&want)), "{history:#?}");
    // A cap the user sets still skips the blob, with a warning.
    let o = bin()
        .current_dir(d)
        .args(["scan", "--format", "json", "--fail-on", "never"])
        .args(["--max-file-size", "1M", "--history", "."])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["findings"].as_array().unwrap().is_empty(), "{v}");
    assert!(
        v["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["message"].as_str().unwrap().contains("--max-file-size")),
        "{v}"
    );
}

/// The findings of `scan --staged --format json .` run in `dir`.
fn staged_findings(dir: &Path) -> Vec<serde_json::Value> {
    let o = bin()
        .current_dir(dir)
        .args([
            "scan",
            "--staged",
            "--format",
            "json",
            "--fail-on",
            "never",
            ".",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["findings"].as_array().unwrap().clone()
}

/// The identifiers that `scan --staged .` run in `dir` reports.
fn staged_ids(dir: &Path) -> Vec<String> {
    staged_findings(dir)
        .iter()
        .map(|f| f["identifier"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn staged_scans_a_folder_whose_name_holds_a_newline_and_a_repository_without_commits() {
    // The top level, prefix and HEAD's tree come from one `rev-parse` when its answer is plain;
    // a name with a newline in it, or no commit yet, is read another way, with the same result.
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    git(d, &["init", "-q", "-b", "main"]);
    let sub = d.join("odd\nname");
    fs::create_dir_all(&sub).unwrap();
    fs::write(sub.join("app.py"), "m = \"THUDM/glm-4-9b-chat\"\n").unwrap();
    git(d, &["add", "-A"]);
    for dir in [d, sub.as_path()] {
        assert_eq!(
            staged_ids(dir),
            ["THUDM/glm-4-9b-chat"],
            "{}",
            dir.display()
        );
    }
    git(d, &["commit", "-q", "-m", "first"]);
    fs::write(sub.join("b.py"), "m = \"deepseek-ai/DeepSeek-V3\"\n").unwrap();
    git(d, &["add", "-A"]);
    assert_eq!(staged_ids(&sub), ["deepseek-ai/DeepSeek-V3"]);
}

/// `path identifier` of each finding of `scan --staged .` run in `dir`, sorted.
fn staged_paths(dir: &Path) -> Vec<String> {
    let mut ids: Vec<String> = staged_findings(dir)
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["path"].as_str().unwrap(),
                f["identifier"].as_str().unwrap()
            )
        })
        .collect();
    ids.sort();
    ids
}

#[test]
fn staged_renames_are_scanned_under_the_folder_and_a_bare_repository_is_an_error() {
    // `--staged` asks git for no rename detection: a file renamed (within the folder, or into it
    // from outside) is an added file there; a folder scans only what is staged under it.
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("repo");
    let sub = d.join("sub");
    fs::create_dir_all(&sub).unwrap();
    git(&d, &["init", "-q", "-b", "main"]);
    fs::write(d.join("top.py"), "m = \"Qwen/Qwen2.5-7B-Instruct\"\n").unwrap();
    fs::write(sub.join("a.py"), "m = \"deepseek-ai/DeepSeek-V3\"\n").unwrap();
    fs::write(sub.join("same.py"), "m = \"BAAI/bge-m3\"\n").unwrap();
    git(&d, &["add", "-A"]);
    git(&d, &["commit", "-q", "-m", "one"]);
    git(&d, &["mv", "sub/a.py", "sub/b.py"]);
    git(&d, &["mv", "top.py", "sub/moved.py"]);
    fs::write(d.join("new.py"), "m = \"THUDM/glm-4-9b-chat\"\n").unwrap();
    git(&d, &["add", "-A"]);
    assert_eq!(
        staged_paths(&sub),
        [
            "b.py deepseek-ai/DeepSeek-V3",
            "moved.py Qwen/Qwen2.5-7B-Instruct"
        ]
    );
    assert_eq!(
        staged_paths(&d),
        [
            "new.py THUDM/glm-4-9b-chat",
            "sub/b.py deepseek-ai/DeepSeek-V3",
            "sub/moved.py Qwen/Qwen2.5-7B-Instruct"
        ]
    );
    // Not a work tree: the error of `rev-parse`, as before the git processes ran at once.
    let bare = t.path().join("bare.git");
    git(
        t.path(),
        &["clone", "-q", "--bare", d.to_str().unwrap(), "bare.git"],
    );
    let o = bin()
        .current_dir(&bare)
        .args(["scan", "--staged", "."])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("work tree"), "{err}");
}
