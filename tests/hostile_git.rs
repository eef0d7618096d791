//! `--diff-base` and `--staged` on a hostile repository: its `.git/config` names commands
//! (`core.fsmonitor`, a filter driver, a diff driver, a hooks folder with `post-index-change`)
//! that must never run, and its blobs may be large. Each trap writes a marker file.

mod common;

use std::fs;
use std::path::Path;
use std::time::Duration;

use common::*;

/// Scans `dir` with `extra` and returns (exit code, JSON report, stderr).
fn scan(dir: &Path, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let mut args = vec!["scan", "--format", "json"];
    args.extend_from_slice(extra);
    let p = dir.to_string_lossy().into_owned();
    args.push(&p);
    let o = bin()
        .current_dir(dir)
        .args(&args)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let v = serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null);
    (o.status.code().unwrap_or(-1), v, err)
}

fn ids(v: &serde_json::Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no report: {v}"))
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["path"].as_str().unwrap(),
                f["identifier"].as_str().unwrap()
            )
        })
        .collect()
}

fn markers(m: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(m)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "hooks")
        .collect();
    v.sort();
    v
}

/// Appends the traps to the repository's configuration and attributes. Every command touches a
/// marker in `m`; hooks are in `m/hooks`.
fn arm(repo: &Path, m: &Path) {
    let hooks = m.join("hooks");
    fs::create_dir_all(&hooks).unwrap();
    for hook in [
        "post-index-change",
        "pre-commit",
        "post-checkout",
        "reference-transaction",
    ] {
        let h = hooks.join(hook);
        fs::write(
            &h,
            format!("#!/bin/sh\ntouch '{}/hook-{hook}'\n", m.display()),
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&h, fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    let m = m.display();
    let mut cfg = fs::read_to_string(repo.join(".git/config")).unwrap();
    cfg.push_str(&format!(
        r#"[core]
	fsmonitor = "touch '{m}/fsmonitor'; false"
	hooksPath = {m}/hooks
[filter "evil"]
	clean = "touch '{m}/clean'; cat"
	smudge = "touch '{m}/smudge'; cat"
	process = "touch '{m}/process'"
	required = true
[filter "evil.dotted"]
	clean = "touch '{m}/clean-dotted'; cat"
	required = true
[diff "x"]
	textconv = "touch '{m}/textconv'; cat"
	command = "touch '{m}/diff-command'"
[diff]
	external = "touch '{m}/diff-external'"
[include]
	path = extra.config
"#
    ));
    fs::write(repo.join(".git/config"), cfg).unwrap();
    // A driver defined in an included file is neutralised too.
    fs::write(
        repo.join(".git/extra.config"),
        format!(
            "[filter \"inc\"]\n\tclean = \"touch '{m}/clean-included'; cat\"\n\trequired = true\n"
        ),
    )
    .unwrap();
    fs::write(
        repo.join(".gitattributes"),
        "* filter=evil diff=x\n*.md filter=evil.dotted\n*.txt filter=inc\n",
    )
    .unwrap();
}

/// Makes every tracked file look modified to git's stat check, so that git would read (and
/// filter) its content.
fn touch_all(dir: &Path) {
    let old = std::time::SystemTime::now() - Duration::from_secs(3600 * 24 * 400);
    for e in fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            let f = fs::File::options().append(true).open(e.path()).unwrap();
            f.set_modified(old).unwrap();
        }
    }
}

#[test]
fn hostile_git_config_runs_nothing_in_diff_and_staged_modes() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("repo");
    let m = t.path().join("markers");
    fs::create_dir_all(&d).unwrap();
    fs::create_dir_all(&m).unwrap();
    git(&d, &["init", "-q", "-b", "main"]);
    fs::write(d.join("a.py"), "A = \"zai-org/GLM-4.5-Air\"\n").unwrap();
    fs::write(d.join("notes.md"), "We use deepseek-chat.\n").unwrap();
    fs::write(d.join("list.txt"), "x\n").unwrap();
    git(&d, &["add", "."]);
    git(&d, &["commit", "-q", "-m", "one"]);
    fs::write(d.join("b.py"), "B = \"moonshot-v1-8k\"\n").unwrap();
    git(&d, &["add", "."]);
    git(&d, &["commit", "-q", "-m", "two"]);
    // Staged: a new file and a change; unstaged: another change and an untracked file.
    fs::write(d.join("staged.py"), "S = \"BAAI/bge-m3\"\n").unwrap();
    fs::write(
        d.join("a.py"),
        "A = \"zai-org/GLM-4.5-Air\"\nQ = \"Qwen/Qwen2.5-7B-Instruct\"\n",
    )
    .unwrap();
    git(&d, &["add", "staged.py", "a.py"]);
    fs::write(
        d.join("notes.md"),
        "We use deepseek-chat.\nAnd moonshot-v1-8k.\n",
    )
    .unwrap();
    fs::write(d.join("list.txt"), "y\n").unwrap();
    fs::write(d.join("untracked.py"), "U = \"deepseek-chat\"\n").unwrap();
    arm(&d, &m);
    touch_all(&d);

    let (code, v, err) = scan(&d, &["--staged"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        ids(&v),
        [
            "a.py zai-org/GLM-4.5-Air",
            "a.py Qwen/Qwen2.5-7B-Instruct",
            "staged.py BAAI/bge-m3"
        ],
        "{}",
        render(&v)
    );
    assert_eq!(
        markers(&m),
        Vec::<String>::new(),
        "--staged ran repository commands"
    );

    touch_all(&d);
    let (code, v, err) = scan(&d, &["--diff-base", "HEAD"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        ids(&v),
        [
            "a.py Qwen/Qwen2.5-7B-Instruct",
            "notes.md moonshot-v1-8k",
            "staged.py BAAI/bge-m3",
            "untracked.py deepseek-chat"
        ],
        "{}",
        render(&v)
    );
    assert_eq!(
        markers(&m),
        Vec::<String>::new(),
        "--diff-base HEAD ran repository commands"
    );

    touch_all(&d);
    let (code, v, err) = scan(&d, &["--diff-base", "HEAD~1"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        ids(&v).contains(&"b.py moonshot-v1-8k".to_string()),
        "{}",
        render(&v)
    );
    assert_eq!(
        markers(&m),
        Vec::<String>::new(),
        "--diff-base HEAD~1 ran repository commands"
    );

    // The traps are live: git with the repository's configuration runs them (the process
    // filter first makes git stop; without it, the hook and the textconv driver run).
    let plain = |pre: &[&str], args: &[&str]| {
        touch_all(&d);
        let _ = std::process::Command::new("git")
            .current_dir(&d)
            .args(pre)
            .args(args)
            .output();
    };
    plain(&[], &["status", "--porcelain"]);
    let no_process = [
        "-c",
        "filter.evil.process=",
        "-c",
        "filter.evil.clean=",
        "-c",
        "filter.evil.required=false",
    ];
    plain(&no_process, &["status", "--porcelain"]);
    plain(&no_process, &["diff", "HEAD"]);
    plain(&no_process, &["diff", "--no-ext-diff", "HEAD"]);
    let fired = markers(&m);
    for trap in [
        "clean-dotted",
        "clean-included",
        "diff-command",
        "fsmonitor",
        "hook-post-index-change",
        "process",
        "textconv",
    ] {
        assert!(
            fired.iter().any(|f| f == trap),
            "{trap} did not fire: {fired:?}"
        );
    }
}

#[test]
fn staged_renames_in_a_hostile_repository_run_nothing() {
    // `--staged` runs git without overriding the repository's drivers (see `Git::index_and_objects`
    // in src/diff.rs): no command it runs applies one, also not to staged renames, whose working
    // tree files a rename detection could read (and filter).
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("repo");
    let m = t.path().join("markers");
    fs::create_dir_all(d.join("sub")).unwrap();
    fs::create_dir_all(&m).unwrap();
    git(&d, &["init", "-q", "-b", "main"]);
    fs::write(d.join("a.py"), "A = \"zai-org/GLM-4.5-Air\"\n").unwrap();
    fs::write(d.join("notes.md"), "We use deepseek-chat.\n").unwrap();
    fs::write(d.join("list.txt"), "moonshot-v1-8k\n").unwrap();
    git(&d, &["add", "."]);
    git(&d, &["commit", "-q", "-m", "one"]);
    git(&d, &["mv", "a.py", "sub/b.py"]);
    git(&d, &["mv", "notes.md", "sub/notes.md"]);
    git(&d, &["mv", "list.txt", "sub/list.txt"]);
    arm(&d, &m);
    touch_all(&d);
    touch_all(&d.join("sub"));
    for dir in [d.clone(), d.join("sub")] {
        let (code, v, err) = scan(&dir, &["--staged"]);
        assert_eq!(code, 1, "{err}");
        assert_eq!(ids(&v).len(), 3, "{}", render(&v));
        assert_eq!(
            markers(&m),
            Vec::<String>::new(),
            "--staged ran repository commands"
        );
    }
}

#[test]
fn staged_blobs_larger_than_the_limit_are_reported_not_read() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    git(d, &["init", "-q", "-b", "main"]);
    let mut big = "M = \"zai-org/GLM-4.5-Air\"\n".repeat(1000);
    big.push_str("end\n");
    fs::write(d.join("big.py"), &big).unwrap();
    let mut bin = vec![0u8; 300_000];
    bin[..4].copy_from_slice(b"\x7fELF");
    fs::write(d.join("blob.bin"), &bin).unwrap();
    fs::write(d.join("small.py"), "S = \"BAAI/bge-m3\"\n").unwrap();
    git(d, &["add", "."]);
    let (code, v, err) = scan(d, &["--staged", "--max-file-size", "10K"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(ids(&v), ["small.py BAAI/bge-m3"], "{}", render(&v));
    let r = render(&v);
    assert!(
        r.contains("notification warning big.py: text file of 26004 bytes is larger than --max-file-size (10240 bytes); not scanned"),
        "{r}"
    );
    assert_eq!(v["summary"]["binary_files"], 1, "{r}");
    assert_eq!(v["summary"]["files_scanned"], 1, "{r}");
    assert_eq!(v["summary"]["skipped"], 1, "{r}");
}

#[cfg(unix)]
#[test]
fn non_utf8_names_match_between_the_walk_and_git() {
    use std::os::unix::ffi::OsStrExt;
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    git(d, &["init", "-q", "-b", "main"]);
    fs::write(d.join("base.py"), "x = 1\n").unwrap();
    git(d, &["add", "."]);
    git(d, &["commit", "-q", "-m", "base"]);
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9 model.py");
    fs::write(d.join(name), "M = \"zai-org/GLM-4.5-Air\"\n").unwrap();
    git(d, &["add", "."]);
    let (code, v, err) = scan(d, &["--staged"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(ids(&v), ["caf\\xe9 model.py zai-org/GLM-4.5-Air"]);
    let (code, v, err) = scan(d, &["--diff-base", "HEAD"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(ids(&v), ["caf\\xe9 model.py zai-org/GLM-4.5-Air"]);
}

#[test]
fn a_partial_clone_never_fetches_a_missing_blob() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("repo");
    let m = t.path().join("markers");
    fs::create_dir_all(&d).unwrap();
    fs::create_dir_all(&m).unwrap();
    git(&d, &["init", "-q", "-b", "main"]);
    fs::write(d.join("a.py"), "A = \"zai-org/GLM-4.5-Air\"\n").unwrap();
    git(&d, &["add", "."]);
    git(&d, &["commit", "-q", "-m", "one"]);
    // The base blob is gone and the repository says a promisor remote has it; fetching it
    // would run the remote's upload-pack command.
    let blob = git(&d, &["rev-parse", "HEAD:a.py"]);
    fs::remove_file(d.join(".git/objects").join(&blob[..2]).join(&blob[2..])).unwrap();
    let url = d.to_string_lossy().into_owned();
    let pack = format!("touch '{}/upload-pack'; git-upload-pack", m.display());
    for (k, v) in [
        ("core.repositoryformatversion", "1"),
        ("extensions.partialClone", "origin"),
        ("remote.origin.promisor", "true"),
        ("remote.origin.url", url.as_str()),
        ("remote.origin.uploadpack", pack.as_str()),
    ] {
        git(&d, &["config", k, v]);
    }
    fs::write(
        d.join("a.py"),
        "A = \"zai-org/GLM-4.5-Air\"\nN = \"BAAI/bge-m3\"\n",
    )
    .unwrap();
    let (code, v, err) = scan(&d, &["--diff-base", "HEAD"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(markers(&m), Vec::<String>::new(), "a lazy fetch ran");
    // Without the base content, every finding of the file is new, and the report says why.
    assert_eq!(
        ids(&v),
        ["a.py zai-org/GLM-4.5-Air", "a.py BAAI/bge-m3"],
        "{}",
        render(&v)
    );
    assert!(
        render(&v).contains(&format!(
            "notification warning a.py: the content at the merge base (object {blob}) is not in the repository"
        )),
        "{}",
        render(&v)
    );
    // The trap is live: plain git fetches, running the command.
    let _ = std::process::Command::new("git")
        .current_dir(&d)
        .args(["cat-file", "-p", &blob])
        .output();
    assert_eq!(markers(&m), ["upload-pack"]);
}
