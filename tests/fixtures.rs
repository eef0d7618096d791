//! Every fixture repository is scanned through the binary and its findings are compared with a
//! pinned snapshot in tests/snapshots/. Set MODELGATE_BLESS=1 to rewrite the snapshots after an
//! intended change, then review the diff.

mod common;

use common::*;

fn check(name: &str, dir: &str) {
    let v = json(&root().join(dir), &[]);
    assert_snapshot(name, dir, &render(&v));
}

#[test]
fn demo() {
    check("demo", "fixtures/demo");
}

#[test]
fn hub_ids_urls_and_derivatives() {
    check("kinds-hub", "fixtures/kinds/hub");
}

#[test]
fn bare_names_as_values_of_model_keys() {
    check("kinds-model-keys", "fixtures/kinds/model-keys");
}

#[test]
fn provider_api_names() {
    check("kinds-api-names", "fixtures/kinds/api-names");
}

#[test]
fn routers_and_clouds() {
    check("kinds-routers", "fixtures/kinds/routers");
}

#[test]
fn ollama() {
    check("kinds-ollama", "fixtures/kinds/ollama");
}

#[test]
fn endpoints_and_mirrors() {
    check("kinds-endpoints", "fixtures/kinds/endpoints");
}

#[test]
fn environment_variables() {
    check("kinds-env-vars", "fixtures/kinds/env-vars");
}

#[test]
fn framework_classes() {
    check("kinds-classes", "fixtures/kinds/classes");
}

#[test]
fn context_of_candidates() {
    check("kinds-context", "fixtures/kinds/context");
}

#[test]
fn notebook_lines() {
    check("kinds-notebook", "fixtures/kinds/notebook");
}

#[test]
fn traps_are_silent() {
    let v = json(&root().join("fixtures/traps"), &[]);
    assert_eq!(
        render(&v),
        "",
        "the traps fixture must yield no finding at any level"
    );
}

#[test]
fn gitignored_folders_are_skipped_unless_no_ignore() {
    let v = json(&root().join("fixtures/traps"), &["--no-ignore"]);
    let r = render(&v);
    assert!(r.contains("vendor/copy.py:1:"), "{r}");
    assert!(r.contains("MG101"), "{r}");
}

#[test]
fn every_reference_kind_is_covered() {
    let mut kinds = std::collections::BTreeSet::new();
    for d in std::fs::read_dir(root().join("fixtures/kinds")).unwrap() {
        let v = json(&d.unwrap().path(), &[]);
        for f in v["findings"].as_array().unwrap() {
            kinds.insert(f["kind"].as_str().unwrap().to_string());
        }
    }
    for k in [
        "hub-repo",
        "derivative",
        "router-model",
        "api-model",
        "cloud-model",
        "ollama-tag",
        "endpoint",
        "hub",
        "env-var",
        "sdk-class",
        "package",
        "dataset",
        "local-model",
    ] {
        assert!(
            kinds.contains(k),
            "no fixture produces a {k} reference: {kinds:?}"
        );
    }
}
