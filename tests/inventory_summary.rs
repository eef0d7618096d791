//! One finding per identifier per line: the repeats fixture (fixtures/kinds/repeats) holds an
//! identifier twice on one line, an identifier once on a line below, two hostings of one
//! repository on one line, and a message that recurs in two files.

mod common;

use common::*;

const FIXTURE: &str = "fixtures/kinds/repeats";

fn findings(v: &serde_json::Value) -> Vec<(String, u64, u64, Vec<u64>, String, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["also_columns"]
                    .as_array()
                    .map(|a| a.iter().map(|c| c.as_u64().unwrap()).collect())
                    .unwrap_or_default(),
                f["identifier"].as_str().unwrap().to_string(),
                f["hosting"]["id"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect()
}

#[test]
fn repeats_on_a_line_are_one_finding_with_their_columns() {
    let v = json(&root().join(FIXTURE), &[]);
    let got = findings(&v);
    let row = |p: &str, l, c, also: &[u64], id: &str, host: &str| {
        (
            p.to_string(),
            l,
            c,
            also.to_vec(),
            id.to_string(),
            host.to_string(),
        )
    };
    let q = "Qwen/Qwen2.5-7B-Instruct";
    assert_eq!(
        got,
        [
            // `("Qwen/…", "Qwen/…")`: one finding, the second column in it.
            row("models.py", 4, 10, &[38], q, "huggingface"),
            row("models.py", 5, 9, &[], q, "huggingface"),
            // `"deepseek-chat", "deepseek-chat", "deepseek-reasoner"`: two identifiers.
            row("models.py", 6, 29, &[46], "deepseek-chat", "-"),
            row("models.py", 6, 63, &[], "deepseek-reasoner", "-"),
            // A ModelScope URL and a Hugging Face URL of one repository: two hostings, two
            // findings.
            row("models.py", 7, 13, &[], q, "modelscope"),
            row("models.py", 7, 70, &[], q, "huggingface"),
            row("serve.yaml", 1, 8, &[], "deepseek-chat", "-"),
            row("serve.yaml", 2, 12, &[], "BAAI/bge-m3", "huggingface"),
        ],
        "{v}"
    );
    // Nothing was dropped or left unlisted: no notification about the file.
    assert!(
        v["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["path"].is_null()),
        "{}",
        v["notifications"]
    );
}

/// The fingerprint of a finding as docs/json-output.md defines it: sha256 over the check, the
/// subject ids, the path, the lower-cased identifier and the occurrence index of the identifier
/// in the file.
fn fingerprint(code: &str, subject: &str, path: &str, ident: &str, n: usize) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for part in [code, subject, path, ident, &n.to_string()] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    format!("v1:{}", &modelgate::util::hex(&h.finalize())[..32])
}

#[test]
fn folded_repeats_keep_the_occurrence_index_of_fingerprints() {
    // Repeats folded into a finding count in the occurrence index: the finding of the second
    // line is the third occurrence (index 2), as when each occurrence was a finding of its own,
    // so a baseline written before keeps matching it; the folded finding has the first
    // occurrence's fingerprint.
    let t = tempfile::tempdir().unwrap();
    std::fs::write(
        t.path().join("a.py"),
        "m = (\"deepseek-chat\", \"deepseek-chat\")\nn = \"deepseek-chat\"\n",
    )
    .unwrap();
    let v = json(t.path(), &[]);
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 2, "{v}");
    let subject = "deepseek|deepseek|";
    assert_eq!(
        f[0]["fingerprint"],
        fingerprint("MG103", subject, "a.py", "deepseek-chat", 0)
    );
    assert_eq!(
        f[1]["fingerprint"],
        fingerprint("MG103", subject, "a.py", "deepseek-chat", 2)
    );
}

#[test]
fn a_baseline_written_before_folding_still_matches() {
    // A baseline holds fingerprints; write one, then check that every finding matches it,
    // folded or not, and that a repeat added to a line keeps the line's finding baselined.
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    std::fs::write(
        d.join("a.py"),
        "m = \"deepseek-chat\"\nn = \"deepseek-chat\"\n",
    )
    .unwrap();
    let base = d.join("baseline.json");
    let p = d.to_string_lossy().into_owned();
    let o = run(&[
        "scan",
        "--fail-on",
        "never",
        "--write-baseline",
        base.to_str().unwrap(),
        &p,
    ]);
    assert!(o.status.success());
    // The second line gains a repeat: still two findings, both baselined.
    std::fs::write(
        d.join("a.py"),
        "m = \"deepseek-chat\"\nn = \"deepseek-chat\" or \"deepseek-chat\"\n",
    )
    .unwrap();
    let v = json(d, &["--baseline", base.to_str().unwrap()]);
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 2, "{v}");
    assert_eq!(f[1]["also_columns"], serde_json::json!([25]), "{v}");
    for x in f {
        assert_eq!(x["suppression"]["kind"], "baseline", "{v}");
    }
}
