//! `scan --history [--since REF]` on repositories built here: findings added, removed, renamed
//! and edited across commits, each with the commit and date it first appeared, where it was last
//! present and which commit removed it; every (blob, path) read once; `--since` bounds the walk;
//! a hostile repository's configuration runs nothing; weight files that were committed and
//! removed are found.

mod common;

use std::fs;
use std::path::Path;
use std::time::Duration;

use common::*;
use serde_json::Value;

/// Commits everything in `d` with the given author and committer date; returns the commit id.
fn commit(d: &Path, msg: &str, date: &str) -> String {
    git(d, &["add", "-A"]);
    let o = std::process::Command::new("git")
        .current_dir(d)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            msg,
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    git(d, &["rev-parse", "HEAD"])
}

/// Runs `modelgate scan` in `d` with `args` then `.`; returns (exit code, stdout, stderr).
fn scan(d: &Path, args: &[&str]) -> (i32, String, String) {
    let o = bin()
        .current_dir(d)
        .arg("scan")
        .args(args)
        .arg(".")
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn history_json(d: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["--history", "--format", "json"];
    args.extend_from_slice(extra);
    let (code, out, err) = scan(d, &args);
    let v: Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\nstderr: {err}"));
    (code, v)
}

/// `path identifier first last removed present` of every finding.
fn rows(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no report: {v}"))
        .iter()
        .map(|f| {
            let h = &f["history"];
            format!(
                "{} {} first={} last={} removed={} head={}",
                f["path"].as_str().unwrap(),
                f["identifier"].as_str().unwrap(),
                h["first_commit"].as_str().unwrap(),
                h["last_commit"].as_str().unwrap(),
                h["removed_in"].as_str().unwrap_or("-"),
                h["present_at_head"]
            )
        })
        .collect()
}

/// The history note: `N commits walked, N blobs scanned, N skipped`.
fn counts(v: &Value) -> (u64, u64, u64) {
    let n = v["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|n| {
            n["message"]
                .as_str()
                .filter(|m| m.starts_with("history mode"))
        })
        .unwrap_or_else(|| panic!("no history note: {}", render(v)));
    let num = |what: &str| -> u64 {
        let i = n.find(what).unwrap_or_else(|| panic!("{what} in {n}"));
        n[..i]
            .trim_end()
            .rsplit(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    (
        num(" commits walked"),
        num(" blobs scanned"),
        num(" skipped as already scanned"),
    )
}

/// Five commits: a.py gets a GLM repository id, b.py `deepseek-chat`; the GLM line is removed,
/// b.py is renamed c.py, then c.py gets an unrelated line above the reference.
struct Story {
    dir: tempfile::TempDir,
    c: [String; 5],
}

fn story() -> Story {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    git(d, &["init", "-q", "-b", "main"]);
    fs::write(d.join("a.py"), "import os\nM = \"THUDM/chatglm3-6b\"\n").unwrap();
    let c1 = commit(d, "one", "2026-01-01T10:00:00+02:00");
    fs::write(d.join("b.py"), "C = \"deepseek-chat\"\n").unwrap();
    let c2 = commit(d, "two", "2026-02-01T10:00:00Z");
    fs::write(d.join("a.py"), "import os\n").unwrap();
    let c3 = commit(d, "three", "2026-03-01T10:00:00Z");
    git(d, &["mv", "b.py", "c.py"]);
    let c4 = commit(d, "four", "2026-04-01T10:00:00Z");
    fs::write(d.join("c.py"), "# client\nC = \"deepseek-chat\"\n").unwrap();
    let c5 = commit(d, "five", "2026-05-01T10:00:00-05:00");
    Story {
        dir: t,
        c: [c1, c2, c3, c4, c5],
    }
}

#[test]
fn every_finding_ever_committed_with_its_first_last_and_removing_commit() {
    let s = story();
    let d = s.dir.path();
    let [c1, c2, c3, c4, c5] = &s.c;
    // The only error-level finding was removed before HEAD: it still fails the run.
    let (code, v) = history_json(d, &[]);
    assert_eq!(code, 1, "{}", render(&v));
    assert_eq!(
        rows(&v),
        [
            format!("a.py THUDM/chatglm3-6b first={c1} last={c2} removed={c3} head=false"),
            format!("b.py deepseek-chat first={c2} last={c3} removed={c4} head=false"),
            format!("c.py deepseek-chat first={c4} last={c5} removed=- head=true"),
        ],
        "{}",
        render(&v)
    );
    let f = &v["findings"];
    assert_eq!(f[0]["code"], "MG101");
    assert_eq!(f[0]["level"], "error");
    assert_eq!(f[0]["line"], 2);
    let h = &f[0]["history"];
    assert_eq!(h["first_date"], "2026-01-01T10:00:00+02:00");
    assert_eq!(h["last_date"], "2026-02-01T10:00:00Z");
    assert_eq!(h["removed_date"], "2026-03-01T10:00:00Z");
    // A finding still there is located where HEAD has it.
    assert_eq!(f[2]["line"], 2);
    assert_eq!(f[2]["history"]["last_date"], "2026-05-01T10:00:00-05:00");
    assert_eq!(f[2]["history"]["removed_date"], Value::Null);

    // Five distinct (blob, path) pairs, each read once: a.py twice, b.py, c.py twice (the
    // rename is a new path). The old sides of the three changes were already scanned.
    assert_eq!(counts(&v), (5, 5, 3), "{}", render(&v));
    assert_eq!(v["summary"]["files_scanned"], 5);

    let sum = &v["summary"]["history"];
    assert_eq!(sum["present_at_head"], 1);
    assert_eq!(sum["removed"], 2);
    let ids = sum["identifiers"].as_array().unwrap();
    assert_eq!(ids.len(), 2, "{sum}");
    assert_eq!(ids[0]["identifier"], "THUDM/chatglm3-6b");
    assert_eq!(ids[0]["present_at_head"], false);
    assert_eq!(ids[0]["last_commit"], c2.as_str());
    assert_eq!(ids[1]["identifier"], "deepseek-chat");
    assert_eq!(ids[1]["paths"], serde_json::json!(["b.py", "c.py"]));
    assert_eq!(ids[1]["first_commit"], c2.as_str());
    assert_eq!(ids[1]["last_commit"], c5.as_str());
    assert_eq!(ids[1]["present_at_head"], true);

    // Without --history only what HEAD has; --fail-on never passes.
    let (code, v) = {
        let (code, out, _) = scan(d, &["--format", "json"]);
        (code, serde_json::from_str::<Value>(&out).unwrap())
    };
    assert_eq!(code, 0);
    assert_eq!(v["findings"].as_array().unwrap().len(), 1);
    assert!(v["findings"][0].get("history").is_none());
    assert!(v["summary"].get("history").is_none());
    let (code, _, _) = scan(d, &["--history", "--fail-on", "never"]);
    assert_eq!(code, 0);

    // Text and Markdown name the commits.
    let (_, text, _) = scan(d, &["--history"]);
    let short = |c: &str| c[..12].to_string();
    assert!(
        text.contains(&format!(
            "first committed in {} 2026-01-01T10:00:00+02:00; last present in {} 2026-02-01T10:00:00Z; removed in {} 2026-03-01T10:00:00Z",
            short(c1),
            short(c2),
            short(c3)
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "first committed in {} 2026-04-01T10:00:00Z; still at HEAD",
            short(c4)
        )),
        "{text}"
    );
    let (_, md, _) = scan(d, &["--history", "--format", "markdown"]);
    assert!(md.contains("### History by identifier"), "{md}");
    assert!(
        md.contains(&format!(
            "| deepseek-chat | 🟠 warning | b.py, c.py | {} 2026-02-01T10:00:00Z | {} 2026-05-01T10:00:00-05:00 | yes |",
            short(c2),
            short(c5)
        )),
        "{md}"
    );

    // SARIF: only what the checked-out tree has is a result; the rest is in run properties.
    let (_, sarif, _) = scan(d, &["--history", "--format", "sarif"]);
    let sv: Value = serde_json::from_str(&sarif).unwrap();
    let run = &sv["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{sarif}");
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "c.py"
    );
    assert_eq!(
        results[0]["properties"]["history"]["firstCommit"],
        c4.as_str()
    );
    let removed = run["properties"]["removedBeforeHead"].as_array().unwrap();
    assert_eq!(removed.len(), 2);
    assert_eq!(removed[0]["path"], "a.py");
    assert_eq!(removed[0]["history"]["removedIn"], c3.as_str());
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert!(
        notes.iter().any(|n| n["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("2 findings of the history were removed before HEAD")),
        "{sarif}"
    );
}

#[test]
fn since_walks_only_the_range() {
    let s = story();
    let d = s.dir.path();
    let [_, c2, c3, c4, c5] = &s.c;
    // c3..HEAD: commits four and five. The GLM line went in three: not reported. b.py's
    // finding was already there at the boundary; the rename removed it.
    let (code, v) = history_json(d, &["--since", c3]);
    assert_eq!(code, 0, "{}", render(&v));
    assert_eq!(
        rows(&v),
        [
            format!("b.py deepseek-chat first={c3} last={c3} removed={c4} head=false"),
            format!("c.py deepseek-chat first={c4} last={c5} removed=- head=true"),
        ],
        "{}",
        render(&v)
    );
    assert_eq!(v["findings"][0]["history"]["before_range"], true);
    assert!(v["findings"][1]["history"].get("before_range").is_none());
    // Two commits; b.py (the boundary side of the rename) and c.py twice are read.
    assert_eq!(counts(&v), (2, 3, 1), "{}", render(&v));

    // HEAD~3..HEAD: commit three removed the GLM line that was there at the boundary.
    let (code, v) = history_json(d, &["--since", "HEAD~3"]);
    assert_eq!(code, 1, "{}", render(&v));
    assert_eq!(counts(&v).0, 3);
    let rows = rows(&v);
    assert_eq!(
        rows[0],
        format!("a.py THUDM/chatglm3-6b first={c2} last={c2} removed={c3} head=false")
    );
    assert_eq!(
        v["findings"][0]["history"]["first_date"],
        "2026-02-01T10:00:00Z"
    );

    // A ref that names no commit, and --since without --history, are usage errors.
    let (code, _, err) = scan(d, &["--history", "--since", "no-such-ref"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("`no-such-ref` does not name a commit"),
        "{err}"
    );
    let (code, _, err) = scan(d, &["--since", c2]);
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = scan(d, &["--history", "--staged"]);
    assert_eq!(code, 2);
}

#[test]
fn each_version_is_read_once_over_many_commits() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    git(d, &["init", "-q", "-b", "main"]);
    fs::write(d.join("a.py"), "M = \"THUDM/chatglm3-6b\"\n").unwrap();
    fs::write(d.join("n.txt"), "v0\n").unwrap();
    let first = commit(d, "c1", "2026-01-01T00:00:00Z");
    for i in 1..=10 {
        fs::write(d.join("n.txt"), format!("v{i}\n")).unwrap();
        commit(
            d,
            &format!("v{i}"),
            &format!("2026-01-{:02}T00:00:00Z", i + 1),
        );
    }
    // Back to the first version: known, not read again.
    fs::write(d.join("n.txt"), "v0\n").unwrap();
    let head = commit(d, "revert", "2026-02-01T00:00:00Z");
    let (code, v) = history_json(d, &[]);
    assert_eq!(code, 1);
    // a.py and eleven versions of n.txt; ten old sides and both sides of the revert skipped.
    assert_eq!(counts(&v), (12, 12, 12), "{}", render(&v));
    assert_eq!(
        rows(&v),
        [format!(
            "a.py THUDM/chatglm3-6b first={first} last={head} removed=- head=true"
        )]
    );
}

#[test]
fn merged_branches_and_excludes_and_subfolders() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    git(d, &["init", "-q", "-b", "main"]);
    fs::create_dir_all(d.join("app")).unwrap();
    fs::create_dir_all(d.join("vendor")).unwrap();
    fs::write(d.join("app/main.py"), "x = 1\n").unwrap();
    fs::write(d.join("vendor/lib.py"), "V = \"deepseek-chat\"\n").unwrap();
    fs::write(d.join("top.py"), "T = \"moonshot-v1-8k\"\n").unwrap();
    fs::write(
        d.join("app/modelgate.toml"),
        "[paths]\nexclude = [\"gen/**\"]\n",
    )
    .unwrap();
    commit(d, "base", "2026-01-01T00:00:00Z");
    git(d, &["checkout", "-q", "-b", "side"]);
    fs::create_dir_all(d.join("app/gen")).unwrap();
    fs::write(d.join("app/gen/out.py"), "G = \"deepseek-chat\"\n").unwrap();
    fs::write(d.join("app/tmp.py"), "Q = \"Qwen/Qwen2.5-7B-Instruct\"\n").unwrap();
    let added = commit(d, "side adds", "2026-01-02T00:00:00Z");
    fs::remove_file(d.join("app/tmp.py")).unwrap();
    let gone = commit(d, "side removes", "2026-01-03T00:00:00Z");
    git(d, &["checkout", "-q", "main"]);
    fs::write(d.join("app/main.py"), "x = 2\n").unwrap();
    commit(d, "main", "2026-01-04T00:00:00Z");
    git(d, &["merge", "-q", "--no-edit", "side"]);
    // Scanning app/: paths relative to it, vendor/ and top.py are outside, gen/ is excluded;
    // the branch's short-lived file is found.
    let o = bin()
        .current_dir(d)
        .args(["scan", "--history", "--format", "json", "app"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        rows(&v),
        [format!(
            "tmp.py Qwen/Qwen2.5-7B-Instruct first={added} last={added} removed={gone} head=false"
        )],
        "{}",
        render(&v)
    );
    // base, side adds, side removes, main, the merge.
    assert_eq!(counts(&v).0, 5);
}

#[test]
fn weight_files_committed_then_removed_are_found() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    git(d, &["init", "-q", "-b", "main"]);
    fs::write(d.join("README.md"), "models\n").unwrap();
    commit(d, "base", "2026-01-01T00:00:00Z");
    fs::create_dir_all(d.join("models")).unwrap();
    fs::copy(
        root().join("fixtures/weights/gguf/glm4-arch-only.gguf"),
        d.join("models/glm4-arch-only.gguf"),
    )
    .unwrap();
    let added = commit(d, "add weights", "2026-01-02T00:00:00Z");
    fs::remove_dir_all(d.join("models")).unwrap();
    let removed = commit(d, "remove weights", "2026-01-03T00:00:00Z");
    let (code, v) = history_json(d, &[]);
    assert_eq!(code, 1, "{}", render(&v));
    let f = &v["findings"][0];
    assert_eq!(f["kind"], "weight-file", "{}", render(&v));
    assert_eq!(f["code"], "MG101");
    assert_eq!(f["path"], "models/glm4-arch-only.gguf");
    assert_eq!(
        f["identifier"],
        "sha256:b21cb8ba709f329bb7354909b3a0fbbf5d5acc835d1613eb3426cdf2609ff0a7"
    );
    assert_eq!(f["history"]["first_commit"], added.as_str());
    assert_eq!(f["history"]["removed_in"], removed.as_str());
    assert_eq!(f["history"]["present_at_head"], false);
    assert_eq!(v["summary"]["binary_files"], 1);
}

#[test]
fn text_versions_over_the_size_limit_are_reported_not_read() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    git(d, &["init", "-q", "-b", "main"]);
    let big = "M = \"THUDM/chatglm3-6b\"\n".repeat(100);
    fs::write(d.join("big.py"), &big).unwrap();
    let c1 = commit(d, "big", "2026-01-01T00:00:00Z");
    fs::write(d.join("big.py"), "M = \"THUDM/chatglm3-6b\"\n").unwrap();
    let c2 = commit(d, "small", "2026-01-02T00:00:00Z");
    let (code, v) = history_json(d, &["--max-file-size", "1K"]);
    assert_eq!(code, 1);
    // The large first version was not scanned: the finding first appears in the second.
    assert_eq!(
        rows(&v),
        [format!(
            "big.py THUDM/chatglm3-6b first={c2} last={c2} removed=- head=true"
        )]
    );
    let r = render(&v);
    assert!(
        r.contains(&format!(
            "notification warning big.py: in commit {}: text file of {} bytes is larger than --max-file-size (1024 bytes); not scanned",
            &c1[..12],
            big.len()
        )),
        "{r}"
    );
    assert_eq!(v["summary"]["skipped"], 1);
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

#[test]
fn a_hostile_repository_runs_nothing_in_history_mode() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("repo");
    let m = t.path().join("markers");
    fs::create_dir_all(&d).unwrap();
    fs::create_dir_all(&m).unwrap();
    git(&d, &["init", "-q", "-b", "main"]);
    fs::write(d.join("a.py"), "A = \"zai-org/GLM-4.5-Air\"\n").unwrap();
    commit(&d, "one", "2026-01-01T00:00:00Z");
    fs::write(d.join("a.py"), "A = 1\n").unwrap();
    fs::write(d.join("b.md"), "We use deepseek-chat.\n").unwrap();
    commit(&d, "two", "2026-01-02T00:00:00Z");
    // A signed-looking commit on top, so that showing signatures would run the gpg program.
    let tree = git(&d, &["rev-parse", "HEAD^{tree}"]);
    let parent = git(&d, &["rev-parse", "HEAD"]);
    let obj = format!(
        "tree {tree}\nparent {parent}\nauthor t <t@example.com> 1767312000 +0000\ncommitter t <t@example.com> 1767312000 +0000\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n -----END PGP SIGNATURE-----\n\nsigned\n"
    );
    let f = t.path().join("commit.txt");
    fs::write(&f, obj).unwrap();
    let signed = git(
        &d,
        &["hash-object", "-t", "commit", "-w", f.to_str().unwrap()],
    );
    git(&d, &["update-ref", "refs/heads/main", &signed]);

    let hooks = m.join("hooks");
    fs::create_dir_all(&hooks).unwrap();
    for hook in [
        "post-index-change",
        "reference-transaction",
        "post-checkout",
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
    let mk = m.display();
    let mut cfg = fs::read_to_string(d.join(".git/config")).unwrap();
    cfg.push_str(&format!(
        r#"[core]
	fsmonitor = "touch '{mk}/fsmonitor'; false"
	hooksPath = {mk}/hooks
	pager = "touch '{mk}/pager'; cat"
[filter "evil"]
	clean = "touch '{mk}/clean'; cat"
	smudge = "touch '{mk}/smudge'; cat"
	process = "touch '{mk}/process'"
	required = true
[diff "x"]
	textconv = "touch '{mk}/textconv'; cat"
	command = "touch '{mk}/diff-command'"
[diff]
	external = "touch '{mk}/diff-external'"
[log]
	showSignature = true
[gpg]
	program = {mk}/gpg
"#
    ));
    fs::write(d.join(".git/config"), cfg).unwrap();
    let gpg = m.join("gpg");
    fs::write(&gpg, format!("#!/bin/sh\ntouch '{mk}/gpg-ran'\nexit 1\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&gpg, fs::Permissions::from_mode(0o755)).unwrap();
    }
    fs::create_dir_all(d.join(".git/info")).unwrap();
    fs::write(d.join(".git/info/attributes"), "* filter=evil diff=x\n").unwrap();

    let (code, v) = history_json(&d, &[]);
    assert_eq!(code, 1, "{}", render(&v));
    let mut found: Vec<String> = rows(&v)
        .iter()
        .map(|r| r.split(" first=").next().unwrap().to_string())
        .collect();
    found.sort();
    assert_eq!(found, ["a.py zai-org/GLM-4.5-Air", "b.md deepseek-chat"]);
    let fired: Vec<String> = markers(&m).into_iter().filter(|n| n != "gpg").collect();
    assert_eq!(
        fired,
        Vec::<String>::new(),
        "history mode ran repository commands"
    );

    // The trap is live: plain git shows the signature by running the gpg program.
    let _ = std::process::Command::new("git")
        .current_dir(&d)
        .args(["log", "-1", "--format=%H"])
        .output();
    assert!(
        markers(&m).contains(&"gpg-ran".to_string()),
        "{:?}",
        markers(&m)
    );
}

#[test]
fn allow_entries_are_judged_over_the_whole_history() {
    let s = story();
    let d = s.dir.path();
    // The policy file of the working tree applies to every version; it is not committed.
    fs::write(
        d.join("modelgate.toml"),
        "[[allow]]\nmodel = \"deepseek-chat\"\nreason = \"approved client\"\n\n\
         [[allow]]\nhost = \"api.example.invalid\"\nreason = \"never matches\"\n",
    )
    .unwrap();
    let (code, v) = history_json(d, &[]);
    assert_eq!(code, 1, "{}", render(&v));
    let suppressed: Vec<bool> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["suppression"].is_object())
        .collect();
    assert_eq!(suppressed, [false, true, true], "{}", render(&v));
    let r = render(&v);
    // The entry used by some versions only is used; the other is reported once.
    assert_eq!(r.matches("matched nothing").count(), 1, "{r}");
    assert!(
        r.contains("allow entry (host `api.example.invalid`) matched nothing"),
        "{r}"
    );
}

#[test]
fn a_partial_clone_never_fetches_an_old_version() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("repo");
    let m = t.path().join("markers");
    fs::create_dir_all(&d).unwrap();
    fs::create_dir_all(&m).unwrap();
    git(&d, &["init", "-q", "-b", "main"]);
    fs::write(d.join("a.py"), "A = \"zai-org/GLM-4.5-Air\"\n").unwrap();
    let c1 = commit(&d, "one", "2026-01-01T00:00:00Z");
    fs::write(d.join("a.py"), "A = 1\nB = \"deepseek-chat\"\n").unwrap();
    commit(&d, "two", "2026-01-02T00:00:00Z");
    // The first version is gone and a promisor remote is said to have it; fetching it would
    // run the remote's upload-pack command.
    let blob = git(&d, &["rev-parse", &format!("{c1}:a.py")]);
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
    let (code, v) = history_json(&d, &["--fail-on", "never"]);
    assert_eq!(code, 0, "{}", render(&v));
    assert_eq!(markers(&m), Vec::<String>::new(), "a lazy fetch ran");
    let r = render(&v);
    assert!(
        r.contains(&format!(
            "notification warning a.py: in commit {}: object {blob} is not in the repository; not scanned",
            &c1[..12]
        )),
        "{r}"
    );
    assert!(r.contains(", 1 missing from the object database,"), "{r}");
    assert_eq!(v["findings"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(v["findings"][0]["identifier"], "deepseek-chat");
    // The trap is live: plain git fetches, running the command.
    let _ = std::process::Command::new("git")
        .current_dir(&d)
        .args(["cat-file", "-p", &blob])
        .output();
    assert_eq!(markers(&m), ["upload-pack"]);
}

#[test]
fn sha256_repositories_are_walked_too() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    git(d, &["init", "-q", "-b", "main", "--object-format=sha256"]);
    fs::write(d.join("a.py"), "M = \"THUDM/chatglm3-6b\"\n").unwrap();
    let c1 = commit(d, "one", "2026-01-01T00:00:00Z");
    fs::write(d.join("a.py"), "M = 1\n").unwrap();
    let c2 = commit(d, "two", "2026-01-02T00:00:00Z");
    assert_eq!(c1.len(), 64);
    let (code, v) = history_json(d, &[]);
    assert_eq!(code, 1, "{}", render(&v));
    assert_eq!(
        rows(&v),
        [format!(
            "a.py THUDM/chatglm3-6b first={c1} last={c1} removed={c2} head=false"
        )]
    );
    assert_eq!(counts(&v), (2, 2, 1));
}
