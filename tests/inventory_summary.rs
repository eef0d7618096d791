//! One finding per identifier per line, and the inventory summary: the repeats fixture
//! (fixtures/kinds/repeats) holds an identifier twice on one line, an identifier once on a line
//! below, two hostings of one repository on one line, and a message that recurs in two files.
//! Its findings, the JSON `summary.by_developer` and `summary.by_family`, the SARIF run
//! properties, the grouped text report and the Markdown inventory tables are checked here.

mod common;

use common::*;

const FIXTURE: &str = "fixtures/kinds/repeats";

fn output(format: &str) -> String {
    let o = run(&[
        "scan",
        "--format",
        format,
        "--color",
        "never",
        "--fail-on",
        "never",
        FIXTURE,
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

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
            row(
                "models.py",
                6,
                29,
                &[46],
                "deepseek-chat",
                "deepseek-api-default"
            ),
            row(
                "models.py",
                6,
                63,
                &[],
                "deepseek-reasoner",
                "deepseek-api-default"
            ),
            // A ModelScope URL and a Hugging Face URL of one repository: two hostings, two
            // findings.
            row("models.py", 7, 13, &[], q, "modelscope"),
            row("models.py", 7, 70, &[], q, "huggingface"),
            row(
                "serve.yaml",
                1,
                8,
                &[],
                "deepseek-chat",
                "deepseek-api-default"
            ),
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

#[test]
fn json_summary_counts_per_developer_and_family() {
    let v = json(&root().join(FIXTURE), &[]);
    let s = &v["summary"];
    let devs: Vec<(&str, u64, u64, u64, u64, u64, &str)> = s["by_developer"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap(),
                d["findings"].as_u64().unwrap(),
                d["occurrences"].as_u64().unwrap(),
                d["files"].as_u64().unwrap(),
                d["levels"]["error"].as_u64().unwrap(),
                d["levels"]["warning"].as_u64().unwrap(),
                d["most_severe"].as_str().unwrap(),
            )
        })
        .collect();
    // Most severe first, then by number of findings.
    assert_eq!(
        devs,
        [
            ("alibaba", 4, 5, 1, 1, 3, "error"),
            ("baai", 1, 1, 1, 1, 0, "error"),
            ("deepseek", 3, 4, 2, 0, 3, "warning"),
        ],
        "{s}"
    );
    let alibaba = &s["by_developer"][0];
    assert_eq!(alibaba["name"], "Alibaba Group");
    assert_eq!(alibaba["country"], "CN");
    assert_eq!(alibaba["families"], serde_json::json!(["qwen"]));
    assert_eq!(
        alibaba["identifiers"],
        serde_json::json!(["Qwen/Qwen2.5-7B-Instruct"])
    );
    let deepseek = &s["by_developer"][2];
    assert_eq!(
        deepseek["identifiers"],
        serde_json::json!(["deepseek-chat", "deepseek-reasoner"])
    );
    assert_eq!(deepseek["identifiers_total"], 2);
    let fams: Vec<(&str, &str, u64, u64)> = s["by_family"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap(),
                f["developer"]["id"].as_str().unwrap(),
                f["findings"].as_u64().unwrap(),
                f["files"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        fams,
        [
            ("qwen", "alibaba", 4, 1),
            ("bge", "baai", 1, 1),
            ("deepseek", "deepseek", 3, 2)
        ],
        "{s}"
    );
    assert_eq!(s["unattributed"], 0);
    // The developer rows add up to the findings.
    let total: u64 = devs.iter().map(|d| d.1).sum();
    assert_eq!(total as usize, v["findings"].as_array().unwrap().len());
}

#[test]
fn json_summary_counts_inventory_and_unattributed_findings() {
    // The demo: Meta's Llama is inventory-only, hf-mirror.com and openrouter.ai have no
    // developer; api.deepseek.com counts under DeepSeek, the operator of the endpoint.
    let v = json(&root().join("fixtures/demo"), &[]);
    let s = &v["summary"];
    assert_eq!(s["unattributed"], 2, "{s}");
    let dev = |id: &str| {
        s["by_developer"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == id)
            .unwrap_or_else(|| panic!("{id}: {s}"))
            .clone()
    };
    assert_eq!(dev("meta")["levels"]["none"], 1);
    assert_eq!(dev("meta")["most_severe"], "none");
    let ds = dev("deepseek");
    assert_eq!(
        (
            &ds["findings"],
            &ds["levels"]["error"],
            &ds["levels"]["note"]
        ),
        (
            &serde_json::json!(4),
            &serde_json::json!(2),
            &serde_json::json!(1)
        ),
        "{ds}"
    );
}

#[test]
fn sarif_run_properties_carry_the_inventory() {
    let v: serde_json::Value = serde_json::from_str(&output("sarif")).unwrap();
    let run = &v["runs"][0];
    let inv = &run["properties"]["modelgate/inventory"];
    let json = json(&root().join(FIXTURE), &[]);
    assert_eq!(inv["by_developer"], json["summary"]["by_developer"]);
    assert_eq!(inv["by_family"], json["summary"]["by_family"]);
    // The folded repeat's column is a property of its result; the result has one location.
    let folded = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["properties"]["alsoColumns"].is_array())
        .expect("a result with alsoColumns");
    assert_eq!(folded["properties"]["alsoColumns"], serde_json::json!([38]));
    assert_eq!(folded["locations"].as_array().unwrap().len(), 1);
    assert_eq!(
        folded["locations"][0]["physicalLocation"]["region"]["startColumn"],
        10
    );
    // Property bags hold objects; SARIF property names are strings without constraints, but the
    // bag itself must stay an object.
    assert!(run["properties"].is_object());
}

#[test]
fn text_says_a_message_once_and_lists_its_locations() {
    let out = output("text");
    let message = "`deepseek-chat` is DeepSeek, developed by DeepSeek (CN)";
    assert_eq!(
        out.matches(message).count(),
        1,
        "the message is said once:\n{out}"
    );
    let lines: Vec<&str> = out.lines().collect();
    let at = lines.iter().position(|l| l.contains(message)).unwrap();
    // The message once, with how many places say it, then the places file by file.
    assert!(
        lines[at].ends_with(" [3 locations in 2 files]"),
        "{}",
        lines[at]
    );
    assert_eq!(lines[at + 1].trim(), "models.py:6:29, 6:46", "{out}");
    assert_eq!(lines[at + 2].trim(), "serve.yaml:1:8", "{out}");
    // Under the section of its level and check, which says how many findings it holds.
    let section = lines[..at]
        .iter()
        .rev()
        .find(|l| !l.starts_with(' '))
        .unwrap();
    assert_eq!(
        *section, "warning MG103 origin-of-concern  (6 findings)",
        "{out}"
    );
    // The Qwen repository repeated on a line and on the next: one message, four places.
    let qwen = "`Qwen/Qwen2.5-7B-Instruct` is Qwen, developed by Alibaba Group (CN); weights on \
                Hugging Face Hub";
    let at = lines.iter().position(|l| l.contains(qwen)).unwrap();
    assert_eq!(
        lines[at + 1].trim(),
        "models.py:4:10, 4:38, 5:9, 7:70",
        "{out}"
    );
    // Errors come first: MG101, then MG102.
    let sections: Vec<&str> = lines
        .iter()
        .take_while(|l| !l.starts_with("Inventory"))
        .filter(|l| !l.is_empty() && !l.starts_with(' '))
        .copied()
        .collect();
    assert_eq!(
        sections,
        [
            "error   MG101 restricted-entity  (1 finding)",
            "error   MG102 restricted-jurisdiction-endpoint  (1 finding)",
            "warning MG103 origin-of-concern  (6 findings)",
        ],
        "{out}"
    );
    // The inventory is at the end, before the totals.
    let inv = lines
        .iter()
        .position(|l| l.starts_with("Inventory by developer"))
        .expect("an inventory section");
    assert!(lines[inv + 1].contains("Alibaba Group (CN)"), "{out}");
    assert!(
        lines[inv + 1].ends_with("4 findings in 1 file (1 error, 3 warning)"),
        "{out}"
    );
    let fam = lines
        .iter()
        .position(|l| l.starts_with("Inventory by model family"))
        .unwrap();
    assert!(
        lines[fam + 1]
            .trim_start()
            .starts_with("Qwen (Alibaba Group)")
    );
    assert!(
        lines.last().unwrap().starts_with("2 errors, 6 warnings"),
        "{out}"
    );
    // Quiet output has no inventory.
    let o = run(&["scan", "-q", "--fail-on", "never", FIXTURE]);
    assert!(!String::from_utf8_lossy(&o.stdout).contains("Inventory"));
}

#[test]
fn markdown_has_the_inventory_tables() {
    let out = output("markdown");
    let lines: Vec<&str> = out.lines().collect();
    let dev = lines
        .iter()
        .position(|l| *l == "### Inventory by developer")
        .expect("a developer table");
    let header = lines[dev + 1..]
        .iter()
        .position(|l| l.starts_with("| Developer |"))
        .map(|i| dev + 1 + i)
        .unwrap();
    assert_eq!(
        lines[header + 2],
        "| Alibaba Group | CN | 4 | 1 | 1 error, 3 warning | 🔴 error | Qwen/Qwen2.5-7B-Instruct |",
        "{out}"
    );
    let fam = lines
        .iter()
        .position(|l| *l == "### Inventory by model family")
        .expect("a family table");
    assert_eq!(
        lines[fam + 6],
        "| DeepSeek | DeepSeek | 3 | 2 | 3 warning | 🟠 warning | deepseek-chat, deepseek-reasoner |",
        "{out}"
    );
}
