//! Dependencies: each ecosystem's fixture project under fixtures/deps/ is scanned through the
//! binary, without and with `--deps`, and its findings (with the dependency each is attributed
//! to and the related location inside it) are compared with a pinned snapshot in
//! tests/snapshots/. MODELGATE_BLESS=1 rewrites the snapshots; review the diff.

mod common;

use common::*;

/// `render` plus, per finding, the dependency and the related location.
fn render_deps(v: &serde_json::Value) -> String {
    let mut s = String::new();
    for f in v["findings"].as_array().unwrap() {
        s.push_str(&finding_line(f, true));
        let d = &f["dependency"];
        if d.is_object() {
            s.push_str(&format!(
                "    dependency {} {} {} direct={} evidence={}",
                d["ecosystem"].as_str().unwrap(),
                d["name"].as_str().unwrap(),
                d["version"].as_str().unwrap_or("-"),
                d["direct"],
                d["evidence"].as_str().unwrap()
            ));
            if let Some(p) = d["path"].as_array() {
                let p: Vec<_> = p.iter().map(|x| x.as_str().unwrap()).collect();
                s.push_str(&format!(" path={}", p.join(">")));
            }
            if let Some(r) = d["related"].as_object() {
                s.push_str(&format!(
                    " related={}:{}:{}@{}",
                    r["path"].as_str().unwrap(),
                    r["line"],
                    r["column"],
                    r["base"].as_str().unwrap()
                ));
            }
            s.push('\n');
        }
    }
    for n in v["notifications"].as_array().unwrap() {
        let line = n["line"]
            .as_u64()
            .map(|l| format!(":{l}"))
            .unwrap_or_default();
        s.push_str(&format!(
            "notification {} {}{line}: {}\n",
            n["level"].as_str().unwrap(),
            n["path"].as_str().unwrap_or("-"),
            n["message"].as_str().unwrap()
        ));
    }
    s
}

fn check(name: &str, dir: &str, extra: &[&str]) -> serde_json::Value {
    let v = json(&root().join(dir), extra);
    assert_snapshot(name, dir, &render_deps(&v));
    v
}

#[test]
fn cargo_workspace_with_a_path_dependency() {
    check("deps-cargo", "fixtures/deps/cargo", &[]);
}

#[test]
fn cargo_with_deps_falls_back_to_the_lock_file_and_says_so() {
    let v = check("deps-cargo-sources", "fixtures/deps/cargo", &["--deps"]);
    let notes = v["notifications"].to_string();
    assert!(notes.contains("Cargo.lock"), "{notes}");
}

#[test]
fn python_manifests() {
    check("deps-python", "fixtures/deps/python", &[]);
}

#[test]
fn python_environment_sources() {
    let v = check("deps-python-sources", "fixtures/deps/python", &["--deps"]);
    let r = render_deps(&v);
    // The model in acme-rag's code is attributed to the requirements line of acme-rag; the
    // mention in its README (prose) is not.
    assert!(r.contains("requirements.txt:3:1 MG103"), "{r}");
    assert!(!r.contains("DeepSeek-R1"), "{r}");
    // The environment's Requires-Dist gives the path of a transitive dependency.
    assert!(r.contains("path=acme-rag>erniebot"), "{r}");
}

#[test]
fn python_environment_outside_the_tree_is_a_dependency_base() {
    // The same environment given with --python-env from outside the scanned folder: the file in
    // the dependency is relative to site-packages, under the DEPENDENCY base.
    let tmp = tempfile::tempdir().unwrap();
    let src = root().join("fixtures/deps/python");
    let proj = tmp.path().join("proj");
    std::fs::create_dir_all(proj.join("common")).unwrap();
    for f in ["requirements.txt", "pyproject.toml", "common/base.in"] {
        std::fs::copy(src.join(f), proj.join(f)).unwrap();
    }
    copy_dir(&src.join(".venv"), &tmp.path().join("env"));
    let env = tmp.path().join("env").to_string_lossy().into_owned();
    let v = json(&proj, &["--deps", "--python-env", &env]);
    let r = render_deps(&v);
    assert!(
        r.contains("related=acme_rag/models.py:2:23@DEPENDENCY"),
        "{r}"
    );
    assert!(!r.contains(&env), "no absolute path in the report: {r}");
    let out = run(&[
        "scan",
        "--format",
        "sarif",
        "--fail-on",
        "never",
        "--deps",
        "--python-env",
        &env,
        &proj.to_string_lossy(),
    ]);
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let with_related = results
        .iter()
        .find(|r| r["relatedLocations"].is_array())
        .expect("a result with a related location");
    assert_eq!(
        with_related["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "requirements.txt"
    );
    assert_eq!(
        with_related["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"],
        "DEPENDENCY"
    );
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), t).unwrap();
        }
    }
}

#[test]
fn npm_with_a_lock_file() {
    check("deps-npm", "fixtures/deps/npm", &[]);
}

#[test]
fn npm_node_modules_sources() {
    let v = check("deps-npm-sources", "fixtures/deps/npm", &["--deps"]);
    let r = render_deps(&v);
    assert!(
        r.contains("related=node_modules/example-ai-glue/index.js:2"),
        "{r}"
    );
}

#[test]
fn pnpm_lock() {
    check("deps-pnpm", "fixtures/deps/pnpm", &[]);
}

#[test]
fn yarn_lock() {
    check("deps-yarn", "fixtures/deps/yarn", &[]);
}

#[test]
fn go_module() {
    check("deps-go", "fixtures/deps/go", &[]);
}

#[test]
fn malformed_manifests_are_notifications_with_file_and_line() {
    let v = check("deps-malformed", "fixtures/deps/malformed", &[]);
    let notes: Vec<String> = v["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            format!(
                "{}:{} {}",
                n["path"].as_str().unwrap(),
                n["line"],
                n["message"]
            )
        })
        .collect();
    for at in [
        "Cargo.toml:5",
        "package.json:4",
        "pnpm-lock.yaml:4",
        "requirements.txt:2",
        "go.mod:4",
    ] {
        assert!(notes.iter().any(|n| n.starts_with(at)), "{at}: {notes:?}");
    }
}

#[test]
fn name_traps_are_silent() {
    let v = json(&root().join("fixtures/deps/python"), &[]);
    for f in v["findings"].as_array().unwrap() {
        let id = f["identifier"].as_str().unwrap();
        for trap in ["minimax", "ark-sdk", "baichuan-hydro", "deepseek"] {
            assert_ne!(id, trap, "{f}");
        }
    }
    let v = json(&root().join("fixtures/deps/npm"), &[]);
    assert!(
        !v["findings"]
            .to_string()
            .contains("\"identifier\":\"dashscope\""),
        "npm dashscope's ownership is unverified"
    );
}

#[test]
fn package_allow_entries_and_inline_directives() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("requirements.txt"),
        "fastembed>=0.3\n# modelgate: allow MG101 approved by legal (TICKET-7)\nzhipuai\n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("modelgate.toml"),
        "[[allow]]\npackage = \"fastembed\"\nreason = \"embeddings run offline\"\n",
    )
    .unwrap();
    let v = json(tmp.path(), &[]);
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 2, "{v}");
    for x in f {
        assert!(x["suppression"].is_object(), "{x}");
    }
    let kinds: Vec<_> = f
        .iter()
        .map(|x| x["suppression"]["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"config") && kinds.contains(&"inline"),
        "{kinds:?}"
    );
}

#[test]
fn fingerprints_survive_inserted_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let req = tmp.path().join("requirements.txt");
    std::fs::write(&req, "zhipuai\nfastembed\n").unwrap();
    let fp = |v: &serde_json::Value| -> Vec<String> {
        let mut x: Vec<String> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["fingerprint"].as_str().unwrap().to_string())
            .collect();
        x.sort();
        x
    };
    let a = fp(&json(tmp.path(), &[]));
    std::fs::write(&req, "# pinned\nrequests\nzhipuai\n\nfastembed\n").unwrap();
    let b = fp(&json(tmp.path(), &[]));
    assert_eq!(a.len(), 2);
    assert_eq!(a, b);
}

#[test]
fn package_kind_fixture() {
    check("kinds-packages", "fixtures/kinds/packages", &[]);
}

#[test]
fn package_entries_are_validated() {
    use modelgate::rules::{Database, Origin, embedded};
    let mut files: Vec<(String, String)> = embedded::FILES
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    files.push((
        "broken.toml".into(),
        "[[package]]\necosystem = \"cargo\"\nname = \"x\"\norg = \"zhipu\"\nexamples = { match = [\"x\"] }\nsources = [\"PYPI_LIST\"]\nas_of = \"2026-11-28\"\n\n[[package]]\necosystem = \"PyPI\"\nname = \"some-sdk\"\norg = \"nobody\"\nexamples = { match = [\"other-sdk\"], no_match = [\"zhipuai\"] }\nsources = [\"NOPE\"]\nas_of = \"2026-11-28\"\n"
            .into(),
    ));
    let db = Database::parse(files, Origin::Embedded).unwrap();
    let problems: Vec<String> = modelgate::rules::validate(&db)
        .iter()
        .map(|p| p.to_string())
        .collect();
    for want in [
        "unknown ecosystem `cargo`",
        "unknown org `nobody`",
        "unknown source `NOPE`",
        "example `other-sdk` names `other-sdk`, not this package",
        "must-not-match example `zhipuai` names package `zhipuai`",
    ] {
        assert!(
            problems
                .iter()
                .any(|p| p.contains(want) && p.starts_with("broken.toml:")),
            "{want}: {problems:#?}"
        );
    }
}
