//! Hostile repository content aimed at the walk, the ignore files, the policy file and the
//! baseline: FIFOs, links to `/dev/zero` or out of the tree, huge or numerous patterns, invalid
//! dates, many entries. Every case must finish quickly, scan more rather than less, and say why.

#![cfg(unix)]

mod common;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::time::Duration;

use common::*;

const HIT: &str = "M = \"deepseek-chat\"\n";

fn mkfifo(p: &Path) {
    let c = std::ffi::CString::new(p.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
}

/// Exit code, JSON report (or null), stderr of a scan of `dir`, killed after 20 s.
fn scan(dir: &Path, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let mut args = vec![
        "scan",
        "--format",
        "json",
        "--fail-on",
        "never",
        "--no-cache",
    ];
    args.extend_from_slice(extra);
    let p = dir.to_string_lossy().into_owned();
    args.push(&p);
    let o = bin()
        .current_dir(dir)
        .args(&args)
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let v = serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null);
    (o.status.code().unwrap_or(-1), v, err)
}

fn ok_scan(dir: &Path, extra: &[&str]) -> serde_json::Value {
    let (code, v, err) = scan(dir, extra);
    assert_eq!(code, 0, "{err}");
    v
}

fn paths(v: &serde_json::Value) -> Vec<String> {
    let mut p: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    p.sort();
    p.dedup();
    p
}

// ---- ignore files -------------------------------------------------------------------------

#[test]
fn fifo_gitignore_does_not_block_and_is_reported() {
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("a.py"), HIT).unwrap();
    mkfifo(&t.path().join(".gitignore"));
    let v = ok_scan(t.path(), &[]);
    assert_eq!(paths(&v), ["a.py"]);
    let r = render(&v);
    assert!(
        r.contains("notification warning .gitignore: ignore file not honoured: not a regular file"),
        "{r}"
    );
}

#[test]
fn ignore_files_linked_to_dev_zero_are_not_followed() {
    for name in [".gitignore", ".modelgateignore", ".ignore"] {
        let t = tempfile::tempdir().unwrap();
        fs::write(t.path().join("a.py"), HIT).unwrap();
        symlink("/dev/zero", t.path().join(name)).unwrap();
        let v = ok_scan(t.path(), &[]);
        assert_eq!(paths(&v), ["a.py"], "{name}");
        let r = render(&v);
        assert!(
            r.contains(&format!(
                "notification warning {name}: ignore file not honoured: is a symbolic link"
            )),
            "{r}"
        );
    }
}

#[test]
fn gitignore_linked_out_of_the_tree_hides_nothing() {
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("ign"), "*\n").unwrap();
    let t = tempfile::tempdir().unwrap();
    fs::create_dir(t.path().join("sub")).unwrap();
    fs::write(t.path().join("a.py"), HIT).unwrap();
    fs::write(t.path().join("sub/b.py"), HIT).unwrap();
    symlink(outside.path().join("ign"), t.path().join(".gitignore")).unwrap();
    // Also a link inside the tree: git refuses symlinked .gitignore files, so do we.
    fs::write(t.path().join("sub/real"), "*\n").unwrap();
    symlink("real", t.path().join("sub/.gitignore")).unwrap();
    let v = ok_scan(t.path(), &[]);
    assert_eq!(paths(&v), ["a.py", "sub/b.py"]);
    let r = render(&v);
    assert!(
        r.contains("warning .gitignore: ignore file not honoured"),
        "{r}"
    );
    assert!(
        r.contains("warning sub/.gitignore: ignore file not honoured"),
        "{r}"
    );
}

#[test]
fn oversized_ignore_file_is_not_honoured() {
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("a.py"), HIT).unwrap();
    let mut body = String::from("a.py\n");
    body.push_str(&"#".repeat(2 << 20));
    fs::write(t.path().join(".gitignore"), body).unwrap();
    let v = ok_scan(t.path(), &[]);
    assert_eq!(paths(&v), ["a.py"]);
    assert!(
        render(&v).contains("warning .gitignore: ignore file not honoured:")
            && render(&v).contains("larger than the limit"),
        "{}",
        render(&v)
    );
}

#[test]
fn ignore_patterns_beyond_the_budget_are_not_honoured() {
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("first.py"), HIT).unwrap();
    fs::write(t.path().join("last.py"), HIT).unwrap();
    fs::write(t.path().join("kept.py"), HIT).unwrap();
    let mut body = String::from("first.py\n");
    for i in 0..6000 {
        body.push_str(&format!("d{i}/*.tmp\n"));
    }
    body.push_str("last.py\n");
    fs::write(t.path().join(".gitignore"), body).unwrap();
    let v = ok_scan(t.path(), &[]);
    // Honoured up to the budget: the first pattern applies, the one past it does not.
    assert_eq!(paths(&v), ["kept.py", "last.py"]);
    let r = render(&v);
    assert!(
        r.contains("warning .gitignore: ignore patterns from line 5001 on not honoured"),
        "{r}"
    );
}

#[test]
fn the_budget_is_shared_by_all_ignore_files() {
    let t = tempfile::tempdir().unwrap();
    for d in 0..8 {
        let sub = t.path().join(format!("d{d}"));
        fs::create_dir(&sub).unwrap();
        fs::write(sub.join("a.py"), HIT).unwrap();
        let body: String = (0..1000).map(|i| format!("x{i}/*.tmp\n")).collect();
        fs::write(sub.join(".gitignore"), body + "a.py\n").unwrap();
    }
    let v = ok_scan(t.path(), &[]);
    let r = render(&v);
    // 5,000 patterns for 8 files of 1,001: four in full, one cut before its last line, three
    // not at all (which ones is up to the parallel walk); what the budget left out is scanned.
    assert_eq!(paths(&v).len(), 4, "{r}");
    assert_eq!(
        r.matches("not honoured: the scan's budget").count(),
        4,
        "{r}"
    );
}

#[test]
fn invalid_patterns_are_reported_once_per_file() {
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("a.py"), HIT).unwrap();
    fs::write(t.path().join("b.py"), HIT).unwrap();
    let mut body = String::new();
    for _ in 0..500 {
        body.push_str("a{b\n");
    }
    body.push_str("b.py\n");
    fs::write(t.path().join(".gitignore"), body).unwrap();
    let v = ok_scan(t.path(), &[]);
    assert_eq!(paths(&v), ["a.py"]);
    let r = render(&v);
    assert_eq!(r.matches("invalid ignore pattern").count(), 1, "{r}");
    assert!(r.contains("500 invalid ignore pattern(s)"), "{r}");
}

#[test]
fn ignore_semantics_are_kept() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    git(d, &["init", "-q"]);
    fs::create_dir_all(d.join("sub/deep")).unwrap();
    fs::create_dir_all(d.join("gen")).unwrap();
    for f in [
        "a.py",
        "keep.py",
        "sub/x.py",
        "sub/keep.py",
        "sub/deep/y.py",
        "gen/g.py",
        "local.py",
        "plain.txt",
    ] {
        fs::write(d.join(f), HIT).unwrap();
    }
    fs::write(d.join(".gitignore"), "*.py\n!sub/\n").unwrap();
    // A deeper file re-includes; .modelgateignore beats .gitignore.
    fs::write(d.join("sub/.gitignore"), "!keep.py\n").unwrap();
    fs::write(d.join(".modelgateignore"), "!/keep.py\n").unwrap();
    fs::write(d.join(".ignore"), "plain.txt\n").unwrap();
    fs::write(d.join(".git/info/exclude"), "local.py\n").unwrap();
    let v = ok_scan(d, &[]);
    assert_eq!(paths(&v), ["keep.py", "sub/keep.py"], "{}", render(&v));
    let v = ok_scan(d, &["--no-ignore"]);
    assert_eq!(paths(&v).len(), 8, "{}", render(&v));
}

#[test]
fn parent_ignore_files_are_read_up_to_the_repository_root_only() {
    let outer = tempfile::tempdir().unwrap();
    // Above the repository: never read.
    fs::write(outer.path().join(".gitignore"), "*\n").unwrap();
    fs::write(outer.path().join(".modelgateignore"), "*\n").unwrap();
    let repo = outer.path().join("repo");
    fs::create_dir_all(repo.join("sub")).unwrap();
    git(&repo, &["init", "-q"]);
    fs::write(repo.join(".gitignore"), "/sub/ignored.py\n").unwrap();
    fs::write(repo.join("sub/ignored.py"), HIT).unwrap();
    fs::write(repo.join("sub/kept.py"), HIT).unwrap();
    // Scanning a folder of the repository: the repository root's .gitignore applies.
    let v = ok_scan(&repo.join("sub"), &[]);
    assert_eq!(paths(&v), ["kept.py"], "{}", render(&v));
    let v = ok_scan(&repo, &[]);
    assert_eq!(paths(&v), ["sub/kept.py"], "{}", render(&v));
    // Outside any repository: no parent is read.
    let plain = outer.path().join("plain");
    fs::create_dir(&plain).unwrap();
    fs::write(plain.join("a.py"), HIT).unwrap();
    let v = ok_scan(&plain, &[]);
    assert_eq!(paths(&v), ["a.py"], "{}", render(&v));
}

// ---- walk structure -------------------------------------------------------------------------

#[test]
fn walk_notifications_are_capped() {
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("a.py"), HIT).unwrap();
    for i in 0..1500 {
        mkfifo(&t.path().join(format!("p{i}")));
    }
    let v = ok_scan(t.path(), &[]);
    assert_eq!(paths(&v), ["a.py"]);
    let n = v["notifications"].as_array().unwrap();
    assert_eq!(n.len(), 1001, "{}", render(&v));
    assert!(
        render(&v).contains("500 more notifications of the walk"),
        "{}",
        render(&v)
    );
    assert_eq!(v["summary"]["skipped"], 1500);
}

#[test]
fn too_many_excludes_are_dropped_with_an_error() {
    let t = tempfile::tempdir().unwrap();
    fs::create_dir(t.path().join("vendor")).unwrap();
    fs::create_dir(t.path().join("late")).unwrap();
    fs::write(t.path().join("vendor/a.py"), HIT).unwrap();
    fs::write(t.path().join("late/a.py"), HIT).unwrap();
    fs::write(t.path().join("a.py"), HIT).unwrap();
    let mut ex = vec!["\"vendor/**\"".to_string()];
    ex.extend((0..2000).map(|i| format!("\"d{i}/**\"")));
    ex.push("\"late/**\"".into());
    fs::write(
        t.path().join("modelgate.toml"),
        format!("[paths]\nexclude = [{}]\n", ex.join(", ")),
    )
    .unwrap();
    let v = ok_scan(t.path(), &[]);
    assert_eq!(paths(&v), ["a.py", "late/a.py"]);
    let r = render(&v);
    assert!(
        r.contains("notification error -: 2002 exclude globs")
            && r.contains("only the first 1000 are applied"),
        "{r}"
    );
}

// ---- policy file ----------------------------------------------------------------------------

#[test]
fn policy_file_linked_to_dev_zero_or_fifo_is_refused_quickly() {
    for fifo in [false, true] {
        let t = tempfile::tempdir().unwrap();
        fs::write(t.path().join("a.py"), HIT).unwrap();
        let p = t.path().join("modelgate.toml");
        if fifo {
            mkfifo(&p);
        } else {
            symlink("/dev/zero", &p).unwrap();
        }
        let (code, _, err) = scan(t.path(), &[]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("modelgate.toml:1:1: policy file"), "{err}");
    }
}

#[test]
fn policy_file_linked_out_of_the_tree_is_not_applied() {
    let outside = tempfile::tempdir().unwrap();
    let policy = outside.path().join("policy.toml");
    fs::write(
        &policy,
        "[[allow]]\nmodel = \"deepseek-*\"\nreason = \"from outside\"\n",
    )
    .unwrap();
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("a.py"), HIT).unwrap();
    symlink(&policy, t.path().join("modelgate.toml")).unwrap();
    let (code, v, err) = scan(t.path(), &[]);
    assert_eq!(code, 2, "{err}");
    assert!(v.is_null());
    assert!(
        err.contains("modelgate.toml:1:1: policy file is a symbolic link; not followed"),
        "{err}"
    );
    // The same file given with --config is the user's choice: applied.
    let link = t.path().join("modelgate.toml");
    let v = ok_scan(t.path(), &["--config", link.to_str().unwrap()]);
    assert_eq!(v["findings"][0]["suppression"]["reason"], "from outside");
}

#[test]
fn oversized_policy_file_is_refused() {
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("a.py"), HIT).unwrap();
    let mut body = String::from("# big\n");
    body.push_str(&"#".repeat(5 << 20));
    fs::write(t.path().join("modelgate.toml"), body).unwrap();
    let (code, _, err) = scan(t.path(), &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("larger than the limit of 2097152 bytes; not read"),
        "{err}"
    );
}

#[test]
fn expiry_dates_are_real_calendar_dates() {
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("a.py"), HIT).unwrap();
    for (date, want) in [
        ("2027-02-30", Some("2027-02 has 28 days")),
        ("2027-04-31", Some("2027-04 has 30 days")),
        ("2100-02-29", Some("2100-02 has 28 days")),
        ("2027-13-01", Some("is not a YYYY-MM-DD date")),
        ("2028-02-29", None),
        ("2400-02-29", None),
    ] {
        fs::write(
            t.path().join("modelgate.toml"),
            format!("[[allow]]\nmodel = \"x\"\nreason = \"r\"\nexpires = \"{date}\"\n"),
        )
        .unwrap();
        let (code, _, err) = scan(t.path(), &[]);
        match want {
            Some(w) => {
                assert_eq!(code, 2, "{date}: {err}");
                assert!(
                    err.contains(&format!("modelgate.toml:4:11: expires `{date}` "))
                        && err.contains(w),
                    "{date}: {err}"
                );
            }
            None => assert_eq!(code, 0, "{date}: {err}"),
        }
    }
}

#[test]
fn many_allow_entries_are_placed_by_line() {
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("a.py"), HIT).unwrap();
    let n = 20_000;
    let mut body = String::new();
    for i in 0..n {
        body.push_str(&format!("[[allow]]\nmodel = \"m{i}\"\nreason = \"r\"\n\n"));
    }
    body.push_str("[[allow]]\nmodel = \"deepseek-chat\"\nreason = \"last\"\n");
    fs::write(t.path().join("modelgate.toml"), body).unwrap();
    let v = ok_scan(t.path(), &[]);
    let s = &v["findings"][0]["suppression"];
    assert_eq!(s["reason"], "last");
    assert!(
        s["source"]
            .as_str()
            .unwrap()
            .ends_with(&format!("modelgate.toml:{}", 4 * n + 1)),
        "{s}"
    );
    // 20,000 unused entries: a bounded list and a count.
    let r = render(&v);
    assert_eq!(r.matches("matched nothing (unused)").count(), 200, "{r}");
    assert!(
        r.contains("19800 more expired or unused allow entries"),
        "{r}"
    );
}

#[test]
fn too_many_allow_globs_are_refused() {
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("a.py"), HIT).unwrap();
    let body: String = (0..5001)
        .map(|i| format!("[[allow]]\nmodel = \"m{i}-*\"\nreason = \"r\"\n"))
        .collect();
    fs::write(t.path().join("modelgate.toml"), body).unwrap();
    let (code, _, err) = scan(t.path(), &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("modelgate.toml:15002:9: more than 5000 glob patterns"),
        "{err}"
    );
}

// ---- baseline -------------------------------------------------------------------------------

#[test]
fn hostile_baselines_are_refused_quickly() {
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("a.py"), HIT).unwrap();
    let fifo = t.path().join("fifo.json");
    mkfifo(&fifo);
    let zero = t.path().join("zero.json");
    symlink("/dev/zero", &zero).unwrap();
    for b in [&fifo, &zero] {
        let (code, _, err) = scan(t.path(), &["--baseline", b.to_str().unwrap()]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("baseline not a regular file"), "{err}");
    }
    let big = t.path().join("big.json");
    fs::write(&big, " ".repeat(17 << 20)).unwrap();
    let (code, _, err) = scan(t.path(), &["--baseline", big.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("larger than the limit of 16777216 bytes"),
        "{err}"
    );
}

#[test]
fn gitignore_stops_at_a_nested_repository_but_dot_ignore_does_not() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    git(d, &["init", "-q"]);
    fs::create_dir_all(d.join("nested/deep")).unwrap();
    git(&d.join("nested"), &["init", "-q"]);
    fs::write(d.join(".gitignore"), "*.py\n").unwrap();
    fs::write(d.join(".ignore"), "*.js\n").unwrap();
    fs::write(d.join("nested/deep/a.py"), HIT).unwrap();
    fs::write(d.join("nested/deep/b.js"), "const m = \"deepseek-chat\";\n").unwrap();
    fs::write(d.join("top.py"), HIT).unwrap();
    let v = ok_scan(d, &[]);
    assert_eq!(paths(&v), ["nested/deep/a.py"], "{}", render(&v));
}

/// Thousands of allow entries against a thousand findings: each finding is checked against the
/// entries that name it (an index), not against every entry (findings × entries took minutes).
#[test]
fn many_allow_entries_against_many_findings() {
    let t = tempfile::tempdir().unwrap();
    let mut src = String::new();
    for i in 0..900 {
        src.push_str(&format!("m{i} = \"Qwen/example-{i}\"\n"));
    }
    fs::write(t.path().join("models.py"), src).unwrap();
    let mut pol = String::new();
    // Entries for every other model, and many that match nothing.
    for i in (0..900).step_by(2) {
        pol.push_str(&format!(
            "[[allow]]\nmodel = \"qwen/EXAMPLE-{i}\"\nreason = \"reviewed\"\n"
        ));
    }
    for i in 0..20_000 {
        pol.push_str(&format!(
            "[[allow]]\nmodel = \"other/m{i}\"\nreason = \"r\"\n"
        ));
    }
    // A glob entry still applies, after the literal ones as written.
    pol.push_str("[[allow]]\nmodel = \"Qwen/example-1?\"\nreason = \"glob\"\n");
    // The policy lives outside the scanned tree (its own names are not findings then).
    let pd = tempfile::tempdir().unwrap();
    let cfg = pd.path().join("policy.toml");
    fs::write(&cfg, pol).unwrap();
    let v = ok_scan(t.path(), &["--config", cfg.to_str().unwrap()]);
    let fs_ = v["findings"].as_array().unwrap();
    let in_models: Vec<_> = fs_.iter().filter(|f| f["path"] == "models.py").collect();
    assert_eq!(in_models.len(), 900);
    let reason = |i: usize| {
        let id = format!("Qwen/example-{i}");
        in_models
            .iter()
            .find(|f| f["identifier"] == id.as_str())
            .map(|f| f["suppression"]["reason"].clone())
            .unwrap()
    };
    assert_eq!(reason(0), "reviewed");
    assert_eq!(reason(898), "reviewed");
    assert_eq!(reason(13), "glob");
    assert!(reason(21).is_null());
    let suppressed = in_models
        .iter()
        .filter(|f| !f["suppression"].is_null())
        .count();
    assert_eq!(suppressed, 450 + 5); // 11, 13, 15, 17, 19
}

/// A text file larger than one window is read in windows (hidden `--text-chunk`), in bounded
/// memory, with the findings of a whole read: same identifiers, lines, columns, fingerprints,
/// and the per-file limit with its warning.
#[test]
fn large_text_is_scanned_in_windows_as_a_whole() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    // One line of 4 MiB: ids early, in the middle, across many window edges, and at the end.
    let mut line = String::from("var m=[\"Qwen/Qwen2.5-7B-Instruct\",");
    let filler = "\"x\",".repeat(1 << 18);
    line += &filler;
    line += "\"deepseek-ai/DeepSeek-V3\",\"模型\",";
    for i in 0..2000 {
        line += &format!("\"THUDM/glm-4-9b-chat\",{},", "1,".repeat(i % 50));
    }
    line += &filler;
    line += "u=\"https://api.deepseek.com/v1\"];";
    fs::write(d.join("app.min.js"), &line).unwrap();
    // More references than the per-file limit, one per line.
    let many: String = (0..5200)
        .map(|i| format!("m = load(\"Qwen/finetune-{i}\")\n"))
        .collect();
    fs::write(d.join("many.py"), &many).unwrap();

    let whole = ok_scan(d, &[]);
    let windows = ok_scan(d, &["--text-chunk", "64K"]);
    let found = whole["findings"].as_array().unwrap();
    assert_eq!(windows["findings"], whole["findings"]);
    assert_eq!(windows["notifications"], whole["notifications"]);
    let col = |id: &str| {
        found
            .iter()
            .find(|f| f["identifier"] == id)
            .map(|f| (f["line"].as_u64().unwrap(), f["column"].as_u64().unwrap()))
    };
    let chars = |s: &str| s.chars().count() as u64;
    assert_eq!(col("Qwen/Qwen2.5-7B-Instruct"), Some((1, 9)));
    let mid = chars("var m=[\"Qwen/Qwen2.5-7B-Instruct\",") + chars(&filler) + 2;
    assert_eq!(col("deepseek-ai/DeepSeek-V3"), Some((1, mid)));
    // The token is the URL, the identifier its host.
    let end = chars(&line) - chars("https://api.deepseek.com/v1\"];") + 1;
    assert_eq!(col("api.deepseek.com"), Some((1, end)));
    // 2,000 repeats on the line, across about 30 window edges: one finding for all of them.
    let glm: Vec<_> = found
        .iter()
        .filter(|f| f["identifier"] == "THUDM/glm-4-9b-chat")
        .collect();
    assert_eq!(glm.len(), 1);
    let also = glm[0]["also_columns"].as_array().map_or(0, |a| a.len());
    assert_eq!(
        also as u64 + glm[0]["more_on_line"].as_u64().unwrap_or(0),
        1999
    );
    let r = render(&windows);
    assert!(
        r.contains("notification warning many.py: 5200 model references in this file: more than the limit of 5000"),
        "{r}"
    );
    // A limit the user sets still applies.
    let capped = ok_scan(d, &["--text-chunk", "64K", "--max-file-size", "1M"]);
    assert!(
        render(&capped).contains("app.min.js: text file of"),
        "{}",
        render(&capped)
    );
}
