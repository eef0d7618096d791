//! `rules check`, `rules list`, `rules export`, `rules update` and `explain` through the binary.
//! Update tests talk to a small HTTP server on 127.0.0.1 started by the test; never the internet.

use std::path::{Path, PathBuf};
use std::time::Duration;

mod common;
use common::serve;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn cmd(data: &Path) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("modelgate").unwrap();
    c.current_dir(root()).env("MODELGATE_DATA_DIR", data);
    c
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn rules_check_passes_on_the_database() {
    let t = tempfile::tempdir().unwrap();
    for args in [vec!["rules", "check"], vec!["rules", "check", "rules"]] {
        let o = cmd(t.path()).args(&args).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        assert!(text(&o).contains(": ok ("), "{}", text(&o));
    }
}

fn copy_rules(to: &Path) {
    for (name, body) in modelgate::rules::embedded::FILES {
        let p = to.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
}

#[test]
fn rules_check_reports_every_problem_with_file_and_line() {
    let t = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    copy_rules(t.path());
    let f = t.path().join("orgs/deepseek.toml");
    let s = std::fs::read_to_string(&f).unwrap();
    let s = s
        .replacen(
            "sources = [\"LITELLM\", \"LITELLM_OLD\"]",
            "sources = []",
            1,
        )
        .replacen(
            "regex = '(?i)deepseek-(?:chat|",
            "regex = '(?i)deepseek-(?:chat|(",
            1,
        )
        .replace(
            "\"deepseek-reasoner\", \"deepseek-coder\"], no_match",
            "\"deepseek-reasoner\", \"deepseek-coder\", \"deepseek-v9000\"], no_match",
        );
    std::fs::write(&f, s).unwrap();
    let z = t.path().join("orgs/zhipu.toml");
    let s = std::fs::read_to_string(&z).unwrap();
    std::fs::write(
        &z,
        s.replacen("family = \"glm\"", "family = \"glm-nope\"", 1),
    )
    .unwrap();
    let o = cmd(data.path())
        .args(["rules", "check", t.path().to_str().unwrap()])
        .output()
        .unwrap();
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("orgs/deepseek.toml:"), "{out}");
    assert!(out.contains("no sources"), "{out}");
    assert!(out.contains("invalid regex"), "{out}");
    assert!(
        out.contains("orgs/zhipu.toml:") && out.contains("unknown family `glm-nope`"),
        "{out}"
    );
    for line in out.lines().filter(|l| l.starts_with("orgs/")) {
        let loc = line.split(": ").next().unwrap();
        assert!(
            loc.rsplit(':').next().unwrap().parse::<u32>().is_ok(),
            "no line number: {line}"
        );
    }
    // An example that no longer matches, and a must-not-match that matches.
    copy_rules(t.path());
    let s = std::fs::read_to_string(&f).unwrap();
    std::fs::write(
        &f,
        s.replace("\"deepseek-reasoner\", \"deepseek-coder\"], no_match = [\"deepseek\"", "\"deepseek-reasoner\", \"deepseek-coder\", \"deepseek-v9000\"], no_match = [\"deepseek-chat\", \"deepseek\""),
    )
    .unwrap();
    let o = cmd(data.path())
        .args(["rules", "check", t.path().to_str().unwrap()])
        .output()
        .unwrap();
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("example `deepseek-v9000` does not match"),
        "{out}"
    );
    assert!(
        out.contains("must-not-match example `deepseek-chat` matches"),
        "{out}"
    );
}

#[test]
fn rules_list_text_and_json() {
    let t = tempfile::tempdir().unwrap();
    let o = cmd(t.path())
        .args(["rules", "list", "--kind", "org", "--format", "json"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let z = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "zhipu")
        .unwrap();
    assert_eq!(z["country"], "CN");
    assert!(!z["sources"].as_array().unwrap().is_empty());
    let o = cmd(t.path())
        .args(["rules", "list", "--kind", "listing"])
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(
        s.contains("el-2025-zhipu") && s.contains("90 FR 4617"),
        "{s}"
    );
}

#[test]
fn explain_gives_cited_dossiers() {
    let t = tempfile::tempdir().unwrap();
    let run = |q: &str| {
        let o = cmd(t.path()).args(["explain", q]).output().unwrap();
        assert!(o.status.success(), "{q}: {}", text(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let z = run("zhipu");
    assert!(z.contains("Zhipu AI") && z.contains("US Entity List") && z.contains("2025-01-16"));
    assert!(z.contains("90 FR 4617") && z.contains("Sources"));
    let b = run("BAAI");
    assert!(b.contains("2025-03-25") && b.contains("90 FR 14046"));
    let d = run("api.deepseek.com");
    assert!(d.contains("Jurisdiction: CN") && d.contains("Operator: DeepSeek"));
    let i = run("dashscope-intl.aliyuncs.com");
    assert!(i.contains("Jurisdiction: SG"));
    let m = run("zai-org/GLM-4.5-Air");
    assert!(m.contains("Default policy: MG101"), "{m}");
    assert!(run("MG101").starts_with("# MG101"));
    let p = run("zhipuai");
    assert!(
        p.contains("PyPI package") && p.contains("Zhipu AI") && p.contains("US Entity List"),
        "{p}"
    );
    let f = run("fastembed");
    assert!(f.contains("BAAI/bge-small-en-v1.5"), "{f}");
    let o = cmd(t.path())
        .args(["explain", "no-such-thing-anywhere"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

fn bundle_with(as_of: &str, break_it: bool) -> Vec<u8> {
    let db = modelgate::rules::Database::embedded().unwrap();
    let bytes = modelgate::rules::bundle::export(&db);
    let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let old = db.meta.as_of.clone();
    v["as_of"] = as_of.into();
    let meta = v["files"]["meta.toml"]
        .as_str()
        .unwrap()
        .replace(&old, as_of);
    v["files"]["meta.toml"] = meta.into();
    if break_it {
        let d = v["files"]["orgs/deepseek.toml"].as_str().unwrap().replacen(
            "family = \"deepseek\"",
            "family = \"gone\"",
            1,
        );
        v["files"]["orgs/deepseek.toml"] = d.into();
    }
    serde_json::to_vec(&v).unwrap()
}

fn sha(b: &[u8]) -> String {
    modelgate::rules::bundle::sha256_hex(b)
}

/// A throw-away minisign key pair: the secret and public key files in `dir`. Bundles are now
/// installed only when signed; `--trusted-key` makes this key the trusted one (signatures
/// themselves are tested in tests/rules_sign.rs).
fn test_key(dir: &Path) -> (PathBuf, PathBuf) {
    let kp = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let (sk, pk) = (dir.join("test.key"), dir.join("test.pub"));
    std::fs::write(&sk, kp.sk.to_box(None).unwrap().into_string()).unwrap();
    std::fs::write(&pk, kp.pk.to_box().unwrap().into_string()).unwrap();
    (sk, pk)
}

fn minisig(key: &Path, b: &[u8]) -> Vec<u8> {
    modelgate::rules::sign::sign(key, b, "b.json", "test")
        .unwrap()
        .into_bytes()
}

#[test]
fn update_installs_verified_bundles_and_loses_nothing_on_failure() {
    let newer = bundle_with("2099-01-01", false);
    let newest = bundle_with("2099-06-01", false);
    let older = bundle_with("2020-01-01", false);
    let invalid = bundle_with("2099-02-01", true);
    let keys = tempfile::tempdir().unwrap();
    let (sk, pk) = test_key(keys.path());
    let base = serve(vec![
        ("/good.json", newer.clone()),
        ("/good.json.minisig", minisig(&sk, &newer)),
        (
            "/good.json.sha256",
            format!("{}  good.json\n", sha(&newer)).into_bytes(),
        ),
        ("/newest.json", newest.clone()),
        ("/newest.json.minisig", minisig(&sk, &newest)),
        ("/badhash.json", newest.clone()),
        (
            "/badhash.json.sha256",
            format!("{}\n", sha(&older)).into_bytes(),
        ),
        ("/truncated.json", newest.clone()),
        ("/invalid.json", invalid.clone()),
        ("/invalid.json.minisig", minisig(&sk, &invalid)),
        ("/invalid.json.sha256", sha(&invalid).into_bytes()),
        ("/old.json", older.clone()),
        ("/old.json.minisig", minisig(&sk, &older)),
        ("/old.json.sha256", sha(&older).into_bytes()),
    ]);
    let data = tempfile::tempdir().unwrap();
    let installed = data.path().join("rules.bundle.json");
    let up = |extra: &[&str]| {
        let mut args = vec![
            "rules",
            "update",
            "--timeout",
            "1",
            "--trusted-key",
            pk.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        cmd(data.path())
            .args(&args)
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap()
    };

    // Success: the published digest is fetched beside the bundle.
    let o = up(&["--from", &format!("{base}/good.json")]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(std::fs::read(&installed).unwrap(), newer);
    // Scans and --version now use it and say so.
    let o = cmd(data.path()).arg("--version").output().unwrap();
    assert!(text(&o).contains("rules 2099-01-01"), "{}", text(&o));
    let o = cmd(data.path())
        .args(["scan", "fixtures/traps"])
        .output()
        .unwrap();
    assert!(text(&o).contains("rules 2099-01-01"), "{}", text(&o));

    let unchanged = |o: &std::process::Output, what: &str| {
        assert_eq!(o.status.code(), Some(2), "{what}: {}", text(o));
        assert_eq!(
            std::fs::read(&installed).unwrap(),
            newer,
            "{what} changed the installed bundle"
        );
        let stray: Vec<_> = std::fs::read_dir(data.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(stray.is_empty(), "{what} left {stray:?}");
    };
    let o = up(&["--from", &format!("{base}/badhash.json")]);
    unchanged(&o, "wrong hash");
    assert!(text(&o).contains("sha256 mismatch"));
    let o = up(&[
        "--from",
        &format!("{base}/newest.json"),
        "--sha256",
        &sha(&older),
    ]);
    unchanged(&o, "wrong --sha256");
    let o = up(&[
        "--from",
        &format!("{base}/truncated.json"),
        "--sha256",
        &sha(&newest),
    ]);
    unchanged(&o, "truncated body");
    let o = up(&[
        "--from",
        &format!("{base}/error.json"),
        "--sha256",
        &sha(&newest),
    ]);
    unchanged(&o, "server error");
    assert!(text(&o).contains("500"));
    let o = up(&[
        "--from",
        &format!("{base}/slow.json"),
        "--sha256",
        &sha(&newest),
    ]);
    unchanged(&o, "timeout");
    assert!(text(&o).contains("timed out"), "{}", text(&o));
    let o = up(&["--from", &format!("{base}/invalid.json")]);
    unchanged(&o, "invalid bundle");
    assert!(text(&o).contains("unknown family `gone`"), "{}", text(&o));
    let o = up(&["--from", &format!("{base}/old.json")]);
    unchanged(&o, "downgrade");
    assert!(text(&o).contains("--force"));
    let o = up(&[
        "--from",
        "http://example.com/rules.json",
        "--sha256",
        &sha(&newest),
    ]);
    unchanged(&o, "plain http to a remote host");

    // A forced downgrade installs, and the previous bundle is kept.
    let o = up(&["--from", &format!("{base}/old.json"), "--force"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(std::fs::read(&installed).unwrap(), older);
    assert_eq!(
        std::fs::read(data.path().join("rules.bundle.prev.json")).unwrap(),
        newer
    );
    // --sha256 given explicitly.
    let o = up(&[
        "--from",
        &format!("{base}/newest.json"),
        "--sha256",
        &sha(&newest),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(std::fs::read(&installed).unwrap(), newest);
}

#[test]
fn export_round_trips_and_old_databases_warn() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("b.json");
    let o = cmd(t.path())
        .args(["rules", "export", "-o", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let bytes = std::fs::read(&out).unwrap();
    let side = std::fs::read_to_string(t.path().join("b.json.sha256")).unwrap();
    assert!(side.starts_with(&sha(&bytes)));
    let db = modelgate::rules::bundle::load(
        &bytes,
        modelgate::rules::Origin::Embedded,
        &modelgate::rulecheck::check,
    )
    .unwrap();
    assert_eq!(
        db.content_hash,
        modelgate::rules::Database::embedded().unwrap().content_hash
    );

    // A database dated long ago gets a warning on scan, once.
    let old = t.path().join("old");
    copy_rules(&old);
    let m = old.join("meta.toml");
    let s = std::fs::read_to_string(&m).unwrap();
    let as_of = modelgate::rules::Database::embedded().unwrap().meta.as_of;
    std::fs::write(
        &m,
        s.replace(&format!("as_of = \"{as_of}\""), "as_of = \"2020-01-01\""),
    )
    .unwrap();
    let o = cmd(t.path())
        .args(["scan", "--rules", old.to_str().unwrap(), "fixtures/traps"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        err.matches("warning: the rules database").count(),
        1,
        "{err}"
    );
    let o = cmd(t.path())
        .args([
            "scan",
            "--rules",
            old.to_str().unwrap(),
            "--max-rules-age",
            "100000",
            "fixtures/traps",
        ])
        .output()
        .unwrap();
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn scan_json(data: &Path, dir: &Path) -> (Option<i32>, serde_json::Value) {
    let o = cmd(data)
        .current_dir(dir)
        .args(["scan", "--format", "json", dir.to_str().unwrap()])
        .output()
        .unwrap();
    let v = serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null);
    (o.status.code(), v)
}

fn finding<'a>(v: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["identifier"] == id)
        .unwrap_or_else(|| panic!("no finding {id}: {v}"))
}

#[test]
fn ndaa_covered_ai_prohibition_is_off_until_the_policy_enforces_it() {
    let data = tempfile::tempdir().unwrap();
    let t = tempfile::tempdir().unwrap();
    std::fs::write(
        t.path().join("a.py"),
        "M = \"deepseek-ai/DeepSeek-R1-Distill-Qwen-7B\"\n",
    )
    .unwrap();
    let (_, v) = scan_json(data.path(), t.path());
    let f = finding(&v, "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B");
    assert_eq!(f["code"], "MG103", "{f}");
    assert!(!f["message"].as_str().unwrap().contains("NDAA"), "{f}");
    std::fs::write(
        t.path().join("modelgate.toml"),
        "[policy]\nenforce-lists = [\"us-entity-list\", \"us-ndaa-fy26-covered-ai\"]\n",
    )
    .unwrap();
    let (code, v) = scan_json(data.path(), t.path());
    assert_eq!(code, Some(1));
    let f = finding(&v, "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B");
    assert_eq!(f["code"], "MG101", "{f}");
    let m = f["message"].as_str().unwrap();
    assert!(m.contains("FY2026 NDAA") && m.contains("2025-12-18"), "{m}");
    assert_eq!(m.matches("FY2026 NDAA").count(), 1, "{m}");
}

#[test]
fn qihoo_360_is_on_the_entity_list() {
    let data = tempfile::tempdir().unwrap();
    let t = tempfile::tempdir().unwrap();
    std::fs::write(
        t.path().join("a.py"),
        "M = \"qihoo360/360Zhinao2-7B-Chat-4K\"\n",
    )
    .unwrap();
    let (_, v) = scan_json(data.path(), t.path());
    let f = finding(&v, "qihoo360/360Zhinao2-7B-Chat-4K");
    assert_eq!(f["code"], "MG101", "{f}");
    assert!(
        f["message"].as_str().unwrap().contains("85 FR 34495"),
        "{f}"
    );
}

#[test]
fn explain_cites_primary_documents_with_urls_and_the_affiliates_window() {
    let t = tempfile::tempdir().unwrap();
    let run = |q: &str| {
        let o = cmd(t.path()).args(["explain", q]).output().unwrap();
        assert!(o.status.success(), "{q}: {}", text(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let z = run("zhipu");
    assert!(
        z.contains("[FR_2025_00704] (primary) Federal Register")
            && z.contains("<https://www.federalregister.gov/d/2025-00704>"),
        "{z}"
    );
    assert!(
        z.contains("BIS Affiliates (50%) rule") && z.contains("suspended 2025-11-12 to 2026-11-09"),
        "{z}"
    );
    assert!(
        z.lines()
            .all(|l| modelgate::rules::is_search_trace(l).is_none()),
        "{z}"
    );
    let q = run("qihoo360");
    assert!(
        q.contains("85 FR 34495")
            && q.contains("https://www.federalregister.gov/citation/85-FR-34495"),
        "{q}"
    );
    let d = run("deepseek");
    assert!(
        d.contains("binds: U.S. Department of Defense") && d.contains("enforce-lists"),
        "{d}"
    );
    let m = run("megvii");
    assert!(
        m.contains("Withdrawn listings:") && m.contains("withdrawn 2025-01-07"),
        "{m}"
    );
    let h = run("huawei");
    assert!(
        h.contains("84 FR 22961") && h.contains("DoD Section 1260H"),
        "{h}"
    );
}

#[test]
fn rules_diff_reports_added_changed_withdrawn_and_removed_entries_of_two_bundles() {
    let t = tempfile::tempdir().unwrap();
    let old = t.path().join("old.json");
    std::fs::write(&old, bundle_with("2026-12-04", false)).unwrap();
    // The new bundle: a listing withdrawn with its date, a source re-cited, a namespace removed
    // and an org added.
    let mut v: serde_json::Value =
        serde_json::from_slice(&bundle_with("2027-01-15", false)).unwrap();
    let edit = |v: &mut serde_json::Value, file: &str, from: &str, to: &str| {
        let s = v["files"][file].as_str().unwrap();
        assert!(s.contains(from), "{file}: {from}");
        v["files"][file] = s.replacen(from, to, 1).into();
    };
    edit(
        &mut v,
        "lists.toml",
        "id = \"dod-1260h-tencent\"",
        "id = \"dod-1260h-tencent\"\nwithdrawn = true\nwithdrawn_on = \"2027-01-07\"",
    );
    edit(
        &mut v,
        "sources.toml",
        "citation = \"PyPI transformers 5.24.0 wheel",
        "citation = \"PyPI transformers 5.30.0 wheel",
    );
    edit(
        &mut v,
        "orgs/vivo.toml",
        "[[namespace]]\nname = \"vivo-ai\"\nhost = \"modelscope\"",
        "[[namespace]]\nname = \"vivo-ai-gone\"\nhost = \"modelscope\"",
    );
    v["files"]["orgs/example.toml"] = "[org]\nid = \"example\"\nname = \"Example Lab\"\ncountry = \"CN\"\nsources = [\"TF\"]\nas_of = \"2027-01-15\"\n".into();
    let new = t.path().join("new.json");
    std::fs::write(&new, serde_json::to_vec(&v).unwrap()).unwrap();

    let o = cmd(t.path())
        .args([
            "rules",
            "diff",
            old.to_str().unwrap(),
            new.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(
        s.contains("(as of 2026-12-04) ->") && s.contains("(as of 2027-01-15)"),
        "{s}"
    );
    assert!(
        s.contains(
            "withdrawn  listing:dod-1260h-tencent  Tencent Holdings Limited (on 2027-01-07)"
        ),
        "{s}"
    );
    assert!(s.contains("changed    source:TF (citation)"), "{s}");
    assert!(s.contains("added      org:example  Example Lab"), "{s}");
    assert!(
        s.contains("added      namespace:vivo-ai-gone@modelscope"),
        "{s}"
    );
    assert!(s.contains("removed    namespace:vivo-ai@modelscope"), "{s}");
    assert!(
        s.trim_end()
            .ends_with("2 added, 1 changed, 1 withdrawn, 1 removed"),
        "{s}"
    );

    // A folder against a bundle, and identical inputs.
    let o = cmd(t.path())
        .args(["rules", "diff", "rules", old.to_str().unwrap()])
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(
        s.trim_end()
            .ends_with("0 added, 0 changed, 0 withdrawn, 0 removed"),
        "{s}"
    );
    let o = cmd(t.path())
        .args(["rules", "diff", "rules", "no-such-bundle.json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}
