//! CycloneDX output: the binary's BOMs of the demo, weights and dependency fixtures pass the
//! bom-kit validator (`../shared/tools/bom-kit/cyclonedx-validate --strict`, schema and ML-BOM
//! lint), also when relabelled as 1.6, and carry what the findings say: one component per
//! distinct model, an occurrence for every place, listings with their citation URL, lineage,
//! digests, package purls and dependency edges. Two runs give byte-identical BOMs.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use common::*;
use serde_json::Value;

/// A fixed timestamp (2026-01-01T00:00:00Z) so that runs compare byte for byte.
const EPOCH: &str = "1767225600";

fn kit() -> Option<PathBuf> {
    let p = root().join("../shared/tools/bom-kit/cyclonedx-validate");
    if p.is_file() {
        Some(p)
    } else {
        println!(
            "SKIPPED validation: ../shared/tools/bom-kit/cyclonedx-validate not found next to the repository"
        );
        None
    }
}

fn bom_bytes(dir: &str, extra: &[&str]) -> Vec<u8> {
    let mut args = vec!["scan", "--format", "cyclonedx", "--fail-on", "never"];
    args.extend_from_slice(extra);
    args.push(dir);
    let out = bin()
        .current_dir(root())
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env_remove("MODELGATE_BOM_SERIAL")
        .args(&args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Runs the validator with `--strict` on the BOM as written and relabelled as spec 1.6.
fn validate(name: &str, bytes: &[u8]) {
    let Some(kit) = kit() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join(format!("{name}.cdx.json"));
    std::fs::write(&f, bytes).unwrap();
    let mut v: Value = serde_json::from_slice(bytes).unwrap();
    v["specVersion"] = "1.6".into();
    v["$schema"] = "http://cyclonedx.org/schema/bom-1.6.schema.json".into();
    let f16 = tmp.path().join(format!("{name}-1.6.cdx.json"));
    std::fs::write(&f16, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    for file in [&f, &f16] {
        let out = std::process::Command::new(&kit)
            .arg("--strict")
            .arg(file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn bom(name: &str, dir: &str, extra: &[&str]) -> Value {
    let bytes = bom_bytes(dir, extra);
    validate(name, &bytes);
    serde_json::from_slice(&bytes).unwrap()
}

fn components(b: &Value) -> &Vec<Value> {
    b["components"].as_array().unwrap()
}

fn by_ref<'a>(b: &'a Value, r: &str) -> &'a Value {
    components(b)
        .iter()
        .chain(b["services"].as_array().into_iter().flatten())
        .find(|c| c["bom-ref"] == r)
        .unwrap_or_else(|| panic!("no {r} in {b:#}"))
}

fn props<'a>(c: &'a Value, name: &str) -> Vec<&'a str> {
    c["properties"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["name"] == name)
        .map(|p| p["value"].as_str().unwrap())
        .collect()
}

fn occurrences(c: &Value) -> Vec<(String, u64)> {
    c["evidence"]["occurrences"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| {
            (
                o["location"].as_str().unwrap().to_string(),
                o["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn depends_on(b: &Value, r: &str) -> BTreeSet<String> {
    b["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["ref"] == r)
        .map(|d| {
            d["dependsOn"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn demo_bom_is_valid_and_has_one_component_per_model() {
    let b = bom("demo", "fixtures/demo", &[]);
    assert_eq!(b["specVersion"], "1.7");
    assert_eq!(b["metadata"]["timestamp"], "2026-01-01T00:00:00Z");
    let tools = b["metadata"]["tools"]["components"].as_array().unwrap();
    assert_eq!(tools[0]["name"], "modelgate");
    let report = json(&root().join("fixtures/demo"), &[]);
    assert_eq!(
        tools[1]["version"], report["rules"]["as_of"],
        "the rules database version is a tool"
    );

    // One component per distinct model: the model findings' identifiers, case-folded.
    let findings = report["findings"].as_array().unwrap();
    let model_kinds = [
        "hub-repo",
        "derivative",
        "router-model",
        "api-model",
        "ollama-tag",
    ];
    let distinct: BTreeSet<String> = findings
        .iter()
        .filter(|f| model_kinds.contains(&f["kind"].as_str().unwrap()))
        .map(|f| f["identifier"].as_str().unwrap().to_ascii_lowercase())
        .collect();
    let models: Vec<&Value> = components(&b)
        .iter()
        .filter(|c| c["type"] == "machine-learning-model")
        .collect();
    assert_eq!(models.len(), distinct.len(), "{distinct:?}");
    let names: BTreeSet<String> = models
        .iter()
        .map(|c| match c["group"].as_str() {
            Some(g) => format!("{g}/{}", c["name"].as_str().unwrap()).to_ascii_lowercase(),
            None => c["name"].as_str().unwrap().to_ascii_lowercase(),
        })
        .collect();
    assert_eq!(names, distinct);

    // Every finding is one occurrence of exactly one component or service.
    let mut places = 0;
    for c in components(&b) {
        places += occurrences(c).len();
    }
    for s in b["services"].as_array().unwrap() {
        places += props(s, "modelgate:occurrence").len();
    }
    assert_eq!(places, findings.len());

    let qwen = by_ref(&b, "model:hub/qwen/qwen2.5-7b-instruct");
    assert_eq!(qwen["purl"], "pkg:huggingface/Qwen/Qwen2.5-7B-Instruct");
    assert_eq!(qwen["supplier"]["name"], "Alibaba Group");
    assert_eq!(qwen["manufacturer"]["name"], "Alibaba Group");
    assert_eq!(occurrences(qwen), vec![("app/llm.py".to_string(), 21)]);
    assert_eq!(props(qwen, "modelgate:country"), ["CN"]);

    // A listing property with list, entity, effective date, citation and its URL.
    let bge = by_ref(&b, "model:hub/baai/bge-m3");
    let listing = props(bge, "modelgate:listing");
    assert_eq!(listing.len(), 1, "{listing:?}");
    let l = listing[0];
    assert!(
        l.starts_with(
            "us-entity-list | US Entity List | Beijing Academy of Artificial Intelligence: "
        ),
        "{l}"
    );
    assert!(l.contains("effective 2025-03-25 | 90 FR 14046"), "{l}");
    assert!(l.contains("| https://"), "{l}");
    assert_eq!(props(bge, "modelgate:check"), ["MG101 restricted-entity"]);
    assert_eq!(props(bge, "modelgate:level"), ["error"]);

    // Router model: served in the US, developed in CN.
    let glm = by_ref(&b, "model:openrouter/z-ai/glm-4.6");
    assert_eq!(props(glm, "modelgate:jurisdiction"), ["US"]);
    assert_eq!(props(glm, "modelgate:country"), ["CN"]);
    assert_eq!(props(glm, "modelgate:hosting"), ["OpenRouter (router)"]);

    // Services: endpoints and provider.
    let ds = by_ref(&b, "service:deepseek-api");
    assert_eq!(
        ds["endpoints"],
        serde_json::json!(["https://api.deepseek.com/v1"])
    );
    assert_eq!(ds["provider"]["name"], "DeepSeek");
    assert_eq!(props(ds, "modelgate:jurisdiction"), ["CN"]);

    // The repository depends on everything it references.
    let root_deps = depends_on(&b, "repository");
    assert!(root_deps.contains("model:hub/qwen/qwen2.5-7b-instruct"));
    assert!(root_deps.contains("service:openrouter"));
}

#[test]
fn bom_is_reproducible() {
    let a = bom_bytes("fixtures/demo", &[]);
    let b = bom_bytes("fixtures/demo", &[]);
    assert!(a == b, "two runs differ");
    let v: Value = serde_json::from_slice(&a).unwrap();
    let serial = v["serialNumber"].as_str().unwrap();
    assert!(serial.starts_with("urn:uuid:"), "{serial}");
    // The serial follows the content: another fixture, another serial.
    let w: Value = serde_json::from_slice(&bom_bytes("fixtures/weights", &[])).unwrap();
    assert_ne!(w["serialNumber"], v["serialNumber"]);
    // An explicit serial number wins.
    let fixed = "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79";
    let out = bin()
        .current_dir(root())
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env("MODELGATE_BOM_SERIAL", fixed)
        .args([
            "scan",
            "--format",
            "cyclonedx",
            "--fail-on",
            "never",
            "fixtures/demo",
        ])
        .output()
        .unwrap();
    let o: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(o["serialNumber"], fixed);
}

#[test]
fn weights_bom_has_digests_lineage_and_unidentified_files() {
    let b = bom("weights", "fixtures/weights", &[]);
    // One component per digest, with every file that has it.
    let e854 = by_ref(
        &b,
        "weight:sha256:e854d365238f37a1d38ff1e3e8a8313bf6750ed7694e3c0caa1ca2aaf3b895b0",
    );
    assert_eq!(e854["type"], "machine-learning-model");
    assert_eq!(
        e854["hashes"],
        serde_json::json!([{"alg": "SHA-256", "content": "e854d365238f37a1d38ff1e3e8a8313bf6750ed7694e3c0caa1ca2aaf3b895b0"}])
    );
    let locs: Vec<String> = occurrences(e854).into_iter().map(|o| o.0).collect();
    assert_eq!(locs.len(), 4, "{locs:?}");
    assert!(locs.contains(&"finetune/model.safetensors".to_string()));
    // Lineage: the fine-tune's chain and the adapter's base, one ancestor per base model.
    let ancestors: BTreeMap<String, Vec<&str>> = e854["pedigree"]["ancestors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["purl"].as_str().unwrap().to_string(),
                props(a, "modelgate:relation"),
            )
        })
        .collect();
    assert_eq!(
        e854["pedigree"]["ancestors"].as_array().unwrap().len(),
        ancestors.len()
    );
    assert_eq!(
        ancestors["pkg:huggingface/Qwen/Qwen2.5-1.5B-Instruct"],
        ["adapter on", "fine-tune of"]
    );
    assert_eq!(
        ancestors["pkg:huggingface/acme/support-bot-base"],
        ["fine-tune of"]
    );
    // GGUF general.base_model.* becomes an ancestor; general.name does not.
    let gguf = by_ref(
        &b,
        "weight:sha256:2faaeff11581cc590cb183b2b9c50a84ff44f01c1ed39285ba459072a11bd83c",
    );
    let a = gguf["pedigree"]["ancestors"].as_array().unwrap();
    assert_eq!(a.len(), 1);
    assert_eq!(a[0]["purl"], "pkg:huggingface/Qwen/Qwen2.5-1.5B-Instruct");
    // A catalogued release names its Hugging Face repository.
    let lfs = by_ref(
        &b,
        "weight:sha256:712c0791d5124d3dd6d1e4968de1201207afeae49c6e10fbeb9c58fe00c58555",
    );
    assert_eq!(
        lfs["purl"],
        "pkg:huggingface/lmstudio-community/Qwen3-14B-GGUF"
    );
    assert_eq!(props(lfs, "modelgate:lfs-pointer"), ["true"]);
    // Weight files nothing ties to a model are files, with their digest and the check.
    let unknown = by_ref(
        &b,
        "weight:sha256:a63eb1a4ed8e53293ab1de7d5b7666cb6bb4fc972b3b876e6b43ab11f14eae54",
    );
    assert_eq!(unknown["type"], "file");
    assert!(unknown.get("supplier").is_none());
    assert_eq!(
        props(unknown, "modelgate:check"),
        ["MG104 unidentified-weights"]
    );
    assert_eq!(
        occurrences(unknown),
        vec![("pickle/model.pt".to_string(), 1)]
    );
    // The auto_map class suffix is not part of the repository id: remote code and the hub
    // reference are one model.
    let chatglm = by_ref(&b, "model:hub/thudm/chatglm3-6b");
    assert_eq!(chatglm["purl"], "pkg:huggingface/THUDM/chatglm3-6b");
    assert_eq!(occurrences(chatglm).len(), 2);
}

#[test]
fn deps_bom_has_packages_with_purls_and_edges() {
    let b = bom("deps-python", "fixtures/deps/python", &["--deps"]);
    let acme = by_ref(&b, "library:pypi/acme-rag");
    assert_eq!(acme["type"], "library");
    assert_eq!(acme["purl"], "pkg:pypi/acme-rag@1.0.0");
    assert_eq!(occurrences(acme), vec![("requirements.txt".to_string(), 3)]);
    assert_eq!(
        depends_on(&b, "library:pypi/acme-rag"),
        BTreeSet::from([
            "library:pypi/erniebot".to_string(),
            "model:hub/qwen/qwen2.5-7b-instruct".to_string()
        ])
    );
    assert_eq!(
        depends_on(&b, "library:pypi/fastembed"),
        BTreeSet::from(["model:hub/baai/bge-small-en-v1.5".to_string()])
    );
    let zhipuai = by_ref(&b, "library:pypi/zhipuai");
    assert_eq!(
        props(zhipuai, "modelgate:check"),
        ["MG101 restricted-entity"]
    );
    assert_eq!(props(zhipuai, "modelgate:country"), ["CN"]);
    // The model comes in through the package, not from the repository's own files.
    let root_deps = depends_on(&b, "repository");
    assert!(root_deps.contains("library:pypi/acme-rag"));
    assert!(!root_deps.contains("model:hub/qwen/qwen2.5-7b-instruct"));
    assert!(!root_deps.contains("library:pypi/erniebot"));

    let n = bom("deps-npm", "fixtures/deps/npm", &["--deps"]);
    let sdk = by_ref(&n, "library:npm/@ai-sdk/deepseek");
    assert_eq!(sdk["purl"], "pkg:npm/%40ai-sdk/deepseek@1.0.5");
    assert_eq!(sdk["group"], "@ai-sdk");
    assert_eq!(sdk["name"], "deepseek");
    assert_eq!(
        depends_on(&n, "library:npm/example-ai-glue"),
        BTreeSet::from([
            "library:npm/@ai-sdk/moonshotai".to_string(),
            "service:deepseek-api".to_string()
        ])
    );
}
