//! Weight files and model metadata end to end: a pinned snapshot of fixtures/weights (written by
//! the reference gguf/safetensors implementations, see fixtures/weights/make_weights.py), the
//! JSON and SARIF fields of weight findings, the digest cache and the hashing options.

mod common;

use std::fs;

use common::*;

fn scan_json(dir: &std::path::Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["--no-cache"];
    args.extend_from_slice(extra);
    json(dir, &args)
}

#[test]
fn weights_snapshot() {
    let v = scan_json(&root().join("fixtures/weights"), &[]);
    let got = render(&v);
    let snap = root().join("tests/snapshots/weights.txt");
    if std::env::var_os("MODELGATE_BLESS").is_some() {
        fs::write(&snap, &got).unwrap();
        return;
    }
    let want = fs::read_to_string(&snap).expect("run with MODELGATE_BLESS=1");
    assert_eq!(
        got, want,
        "findings of fixtures/weights differ from the snapshot"
    );
}

fn finding<'a>(v: &'a serde_json::Value, path: &str) -> &'a serde_json::Value {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path && f["kind"] == "weight-file")
        .unwrap_or_else(|| panic!("no weight finding for {path}"))
}

#[test]
fn json_carries_digest_size_and_lineage() {
    let v = scan_json(&root().join("fixtures/weights"), &[]);
    let g = finding(&v, "gguf/glm4-arch-only.gguf");
    assert_eq!(g["code"], "MG101");
    assert_eq!(g["weight"]["sha256"].as_str().unwrap().len(), 64);
    assert!(g["weight"]["size"].as_u64().unwrap() > 0);
    assert_eq!(g["weight"]["format"], "GGUF");
    assert_eq!(g["weight"]["metadata"]["general.architecture"], "glm4");
    assert_eq!(g["line"], 1);
    assert!(g["fingerprint"].as_str().unwrap().starts_with("v1:"));
    let f = finding(&v, "finetune/model.safetensors");
    assert!(
        f["message"].as_str().unwrap().contains(
            "fine-tune of acme/support-bot-base; itself fine-tune of Qwen/Qwen2.5-1.5B-Instruct (Alibaba Group, CN)"
        ),
        "{}",
        f["message"]
    );
    let l = finding(&v, "lfs/Qwen3-14B-Q4_K_M.gguf");
    assert_eq!(l["weight"]["lfs_pointer"], true);
    assert_eq!(l["weight"]["size"], 9_001_753_376u64);
    assert_eq!(l["code"], "MG103");
    assert_eq!(finding(&v, "gguf/llama-unnamed.gguf")["code"], "MG104");
    assert_eq!(finding(&v, "cycle/model.safetensors")["code"], "MG104");
    let rc: Vec<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "MG105")
        .collect();
    assert_eq!(rc.len(), 2);
    assert!(
        rc.iter()
            .any(|f| f["path"] == "remote/config.json" && f["level"] == "error")
    );
    assert!(
        rc.iter()
            .any(|f| f["path"] == "remote/load.py" && f["level"] == "warning")
    );
}

#[test]
fn sarif_weight_results_have_line_one_and_digest_properties() {
    let o = run(&[
        "scan",
        "fixtures/weights",
        "--no-cache",
        "--format",
        "sarif",
        "--fail-on",
        "never",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    let r = results
        .iter()
        .find(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                == "gguf/glm4-arch-only.gguf"
        })
        .unwrap();
    assert_eq!(
        r["locations"][0]["physicalLocation"]["region"],
        serde_json::json!({"startLine": 1})
    );
    assert_eq!(r["properties"]["sha256"].as_str().unwrap().len(), 64);
    assert!(r["properties"]["size"].as_u64().is_some());
}

#[test]
fn fingerprint_follows_the_digest_not_the_content_position() {
    let t = tempfile::tempdir().unwrap();
    let src = root().join("fixtures/weights/gguf/glm4-arch-only.gguf");
    fs::copy(&src, t.path().join("a.gguf")).unwrap();
    let a = scan_json(t.path(), &[]);
    fs::write(t.path().join("b.gguf"), fs::read(&src).unwrap()).unwrap();
    let b = scan_json(t.path(), &[]);
    let fa = &a["findings"][0];
    let fb = b["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "a.gguf")
        .unwrap();
    assert_eq!(fa["fingerprint"], fb["fingerprint"]);
    assert_eq!(
        fa["identifier"].as_str().unwrap().len(),
        "sha256:".len() + 64
    );
}

#[test]
fn no_hash_and_hash_max_size() {
    let dir = root().join("fixtures/weights/pickle");
    let v = scan_json(&dir, &["--no-hash"]);
    for f in v["findings"].as_array().unwrap() {
        assert!(f["weight"]["sha256"].is_null());
        assert!(f["message"].as_str().unwrap().contains("--no-hash"));
    }
    let v = scan_json(&dir, &["--hash-max-size", "100"]);
    let big = finding(&v, "model.pt");
    assert!(big["weight"]["sha256"].is_null());
    assert!(finding(&v, "old.ckpt")["weight"]["sha256"].is_string());
}

#[test]
fn digest_cache_is_used_and_a_corrupt_one_rebuilt() {
    let cache = tempfile::tempdir().unwrap();
    let c = cache.path().to_string_lossy().into_owned();
    let dir = root().join("fixtures/weights/gguf");
    let first = json(&dir, &["--cache-dir", &c]);
    let file = cache.path().join("digests-v1.txt");
    let text = fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("modelgate-digest-cache v1\n"));
    assert_eq!(text.lines().count(), 4, "{text}");
    // A cached digest is used as is: poison one entry and see it reported.
    let poisoned = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 1 {
                let mut f: Vec<&str> = l.split(' ').collect();
                f[5] = "0000000000000000000000000000000000000000000000000000000000000000";
                f.join(" ")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    fs::write(&file, poisoned + "\n").unwrap();
    let second = json(&dir, &["--cache-dir", &c]);
    assert!(render(&second).contains("sha256 000000000000"));
    // Corrupt: ignored, rebuilt, same findings as without a cache.
    fs::write(&file, b"\x00\x01garbage").unwrap();
    let third = json(&dir, &["--cache-dir", &c]);
    assert_eq!(render(&first), render(&third));
    assert!(
        fs::read_to_string(&file)
            .unwrap()
            .starts_with("modelgate-digest-cache v1\n")
    );
}

#[test]
fn remote_code_is_blamed_on_the_repository_passed_to_the_same_call() {
    let t = tempfile::tempdir().unwrap();
    fs::write(
        t.path().join("load.py"),
        "tok = AutoTokenizer.from_pretrained(\"THUDM/chatglm3-6b\", trust_remote_code=True)\n\
         model = AutoModel.from_pretrained(MODEL_PATH, trust_remote_code=True)\n\
         m2 = AutoModel.from_pretrained(\n    \"Qwen/Qwen-7B-Chat\",\n    revision=\"main\",\n    trust_remote_code=True,\n)\n",
    )
    .unwrap();
    fs::write(
        t.path().join("train.yaml"),
        "model_name_or_path: THUDM/glm-4-9b-chat\ntrust_remote_code: true\n",
    )
    .unwrap();
    let v = scan_json(t.path(), &[]);
    let remote: Vec<(String, u64, String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "remote-code")
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["identifier"].as_str().unwrap().to_string(),
                f["level"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let at = |path: &str, line: u64| {
        remote
            .iter()
            .find(|r| r.0 == path && r.1 == line)
            .unwrap_or_else(|| panic!("no remote-code finding at {path}:{line} in {remote:?}"))
    };
    assert_eq!(at("load.py", 1).2, "THUDM/chatglm3-6b");
    // Not the THUDM id one line up: this call loads a local path.
    assert_eq!(at("load.py", 2).2, "trust_remote_code=True");
    // A call over several lines: the repository passed to it.
    assert_eq!(at("load.py", 6).2, "Qwen/Qwen-7B-Chat");
    // A configuration has no call: the repository just above.
    assert_eq!(at("train.yaml", 2).2, "THUDM/glm-4-9b-chat");
}
