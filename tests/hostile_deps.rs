//! Hostile dependency manifests: the scan runs on untrusted pull requests, so what a repository
//! holds must not panic the scan, make it quadratic, block it, make it read outside the tree or
//! without a bound, exhaust memory, run code, or hide a dependency.

mod common;

use std::os::unix::fs::symlink;
use std::path::Path;
use std::time::Duration;

use common::*;

fn write(p: &Path, s: &str) {
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::write(p, s).unwrap();
}

fn mkfifo(p: &Path) {
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).unwrap();
    }
    let st = std::process::Command::new("mkfifo")
        .arg(p)
        .status()
        .unwrap();
    assert!(st.success());
}

/// A scan that must finish quickly (a blocked read would hang it).
fn scan(dir: &Path, extra: &[&str]) -> serde_json::Value {
    scan_in(&root(), dir, extra)
}

/// [`scan`] run from the folder `cwd` (cargo reads its configuration from the working folder).
fn scan_in(cwd: &Path, dir: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["scan", "--format", "json", "--fail-on", "never"];
    args.extend_from_slice(extra);
    let p = dir.to_string_lossy().into_owned();
    args.push(&p);
    let out = bin()
        .current_dir(cwd)
        .env("CARGO_HOME", dir.join("no-cargo-home"))
        .args(&args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "status {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn notes(v: &serde_json::Value) -> Vec<(String, String)> {
    v["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["path"].as_str().unwrap_or("").to_string(),
                n["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn has_note(v: &serde_json::Value, path: &str, words: &str) -> bool {
    notes(v)
        .iter()
        .any(|(p, m)| p == path && m.contains(path) && m.contains(words))
}

fn finding_at(v: &serde_json::Value, id: &str) -> Vec<(String, u64)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["identifier"].as_str() == Some(id))
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn multibyte_dependency_names_do_not_panic() {
    let t = tempfile::tempdir().unwrap();
    write(
        &t.path().join("Cargo.toml"),
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\n\n[dependencies]\n\"aéb\" = \"1\"\n\"éb\" = \"1\"\nfastembed = \"4\"\n",
    );
    write(
        &t.path().join("web/package.json"),
        "{\"name\": \"w\", \"dependencies\": {\"aéb\": \"1\", \"éb\": \"1\", \"@ai-sdk/deepseek\": \"1\"}}\n",
    );
    let v = scan(t.path(), &[]);
    assert!(
        finding_at(&v, "BAAI/bge-small-en-v1.5").contains(&("Cargo.toml".into(), 8)),
        "{v}"
    );
    assert!(
        finding_at(&v, "@ai-sdk/deepseek").contains(&("web/package.json".into(), 1)),
        "{v}"
    );
}

#[test]
fn large_manifests_are_located_line_by_line() {
    // 20k requirements and a 5k-entry package-lock.json: each dependency at its own line (the
    // lookups used to rescan the file from the top for every dependency).
    let t = tempfile::tempdir().unwrap();
    let mut req = String::new();
    for i in 0..20_000 {
        if i == 14_999 {
            req.push_str("zhipuai>=2\n");
        } else {
            req.push_str(&format!("pkg-{i:05}==1.0\n"));
        }
    }
    write(&t.path().join("requirements.txt"), &req);
    let mut pkgs = vec!["    \"\": {\"name\": \"w\", \"version\": \"1.0.0\"}".to_string()];
    for i in 0..5_000 {
        pkgs.push(format!(
            "    \"node_modules/pkg-{i:05}\": {{\n      \"version\": \"1.0.0\"\n    }}"
        ));
    }
    pkgs.push(
        "    \"node_modules/@ai-sdk/deepseek\": {\n      \"version\": \"1.0.5\"\n    }".into(),
    );
    let lock = format!(
        "{{\n  \"name\": \"w\",\n  \"lockfileVersion\": 3,\n  \"packages\": {{\n{}\n  }}\n}}\n",
        pkgs.join(",\n")
    );
    write(&t.path().join("web/package-lock.json"), &lock);
    let v = scan(t.path(), &[]);
    assert_eq!(
        finding_at(&v, "zhipuai"),
        vec![("requirements.txt".to_string(), 15_000)],
        "{v}"
    );
    let line = 5 + 5_000 * 3 + 1;
    assert!(
        finding_at(&v, "@ai-sdk/deepseek").contains(&("web/package-lock.json".into(), line)),
        "{:?}",
        finding_at(&v, "@ai-sdk/deepseek")
    );
}

#[test]
fn requirements_includes_are_read_safely() {
    let t = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    write(
        &outside.path().join("base.in"),
        "zhipuai  # SECRET-OUTSIDE-CONTENT\n",
    );
    let d = t.path();
    write(
        &d.join("requirements.txt"),
        "-r fifo.in\n-r zero.in\n-r big.in\n-r linked/base.in\n-r ../escape.in\n-r ok.in\n",
    );
    mkfifo(&d.join("fifo.in"));
    symlink("/dev/zero", d.join("zero.in")).unwrap();
    let big = std::fs::File::create(d.join("big.in")).unwrap();
    big.set_len(1 << 30).unwrap();
    symlink(outside.path(), d.join("linked")).unwrap();
    write(&d.join("sub/ok.txt"), "");
    // An include the walk does not see as a requirements file of its own.
    write(&d.join("ok.in"), "dashscope\n");
    // The walk would scan the 1 GiB file as text in windows (no default size cap, and its size
    // is not what this test is about): a cap keeps the walk off it; the include limit is its own.
    let v = scan(d, &["--deps", "--max-file-size", "8M"]);
    let text = v.to_string();
    assert!(!text.contains("SECRET-OUTSIDE-CONTENT"), "{text}");
    assert!(
        has_note(&v, "fifo.in", "not a regular file"),
        "{:#?}",
        notes(&v)
    );
    assert!(has_note(&v, "zero.in", "symbolic link"), "{:#?}", notes(&v));
    assert!(
        has_note(&v, "big.in", "larger than the limit"),
        "{:#?}",
        notes(&v)
    );
    assert!(
        has_note(&v, "linked/base.in", "outside the scanned tree"),
        "{:#?}",
        notes(&v)
    );
    assert!(
        has_note(&v, "../escape.in", "out of the scanned tree"),
        "{:#?}",
        notes(&v)
    );
    // Nothing from outside is reported as if it were in the repository.
    assert!(finding_at(&v, "zhipuai").is_empty(), "{v}");
    assert_eq!(
        finding_at(&v, "dashscope"),
        vec![("ok.in".to_string(), 1)],
        "{v}"
    );
}

#[test]
fn installed_python_metadata_is_read_safely() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    write(&d.join("requirements.txt"), "acme\nbroken\n");
    let site = d.join(".venv/lib/python3.12/site-packages");
    write(&d.join(".venv/pyvenv.cfg"), "home = /usr/bin\n");
    // METADATA is a link to /dev/zero.
    std::fs::create_dir_all(site.join("broken-1.0.dist-info")).unwrap();
    symlink("/dev/zero", site.join("broken-1.0.dist-info/METADATA")).unwrap();
    // A wheel whose RECORD lists a FIFO.
    write(
        &site.join("acme-1.0.dist-info/METADATA"),
        "Metadata-Version: 2.1\nName: acme\nVersion: 1.0\n",
    );
    write(
        &site.join("acme-1.0.dist-info/RECORD"),
        "acme/__init__.py,,\nacme/pipe.py,,\nacme/models.py,,\n",
    );
    write(&site.join("acme/__init__.py"), "");
    mkfifo(&site.join("acme/pipe.py"));
    write(
        &site.join("acme/models.py"),
        "MODEL = \"deepseek-ai/DeepSeek-V3\"\n",
    );
    let v = scan(d, &["--deps"]);
    let n = notes(&v);
    assert!(
        n.iter()
            .any(|(p, m)| p.ends_with("broken-1.0.dist-info/METADATA")
                && m.contains("symbolic link")),
        "{n:#?}"
    );
    assert!(
        n.iter()
            .any(|(p, m)| p.ends_with("acme/pipe.py") && m.contains("not a regular file")),
        "{n:#?}"
    );
    // The regular file of the same package is still scanned.
    assert!(v.to_string().contains("acme/models.py"), "{v}");
}

#[test]
fn node_modules_are_read_safely() {
    let t = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    write(
        &outside.path().join("package.json"),
        "{\"name\": \"c\", \"version\": \"1.0.0\"}",
    );
    write(
        &outside.path().join("index.js"),
        "const m = \"deepseek-ai/DeepSeek-V3\"; // SECRET-OUTSIDE\n",
    );
    let d = t.path();
    write(
        &d.join("package.json"),
        "{\"name\": \"w\", \"dependencies\": {\"a\": \"1\", \"b\": \"1\", \"c\": \"1\"}}",
    );
    mkfifo(&d.join("node_modules/a/package.json"));
    std::fs::create_dir_all(d.join("node_modules/b")).unwrap();
    symlink("/dev/zero", d.join("node_modules/b/package.json")).unwrap();
    symlink(outside.path(), d.join("node_modules/c")).unwrap();
    let v = scan(d, &["--deps"]);
    assert!(
        has_note(&v, "node_modules/a/package.json", "not a regular file"),
        "{:#?}",
        notes(&v)
    );
    assert!(
        has_note(&v, "node_modules/b/package.json", "symbolic link"),
        "{:#?}",
        notes(&v)
    );
    assert!(
        has_note(
            &v,
            "node_modules/c/package.json",
            "outside the scanned tree"
        ),
        "{:#?}",
        notes(&v)
    );
    assert!(!v.to_string().contains("SECRET-OUTSIDE"), "{v}");

    // The whole node_modules folder linked out of the tree.
    let t2 = tempfile::tempdir().unwrap();
    write(
        &t2.path().join("package.json"),
        "{\"name\": \"w\", \"dependencies\": {\"c\": \"1\"}}",
    );
    let nm = tempfile::tempdir().unwrap();
    symlink(outside.path(), nm.path().join("c")).unwrap();
    symlink(nm.path(), t2.path().join("node_modules")).unwrap();
    let v = scan(t2.path(), &["--deps"]);
    assert!(
        has_note(&v, "node_modules", "outside the scanned tree"),
        "{:#?}",
        notes(&v)
    );
    assert!(!v.to_string().contains("SECRET-OUTSIDE"), "{v}");
}

#[test]
fn yaml_alias_bombs_are_refused() {
    // The billion laughs: nine levels of nine aliases each, a few hundred bytes.
    let mut y = String::from(
        "lockfileVersion: '9.0'\na0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for i in 1..10 {
        let p = i - 1;
        y.push_str(&format!(
            "a{i}: &a{i} [*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p}]\n"
        ));
    }
    assert!(y.len() < 1024);
    let t = tempfile::tempdir().unwrap();
    write(&t.path().join("pnpm-lock.yaml"), &y);
    write(
        &t.path().join("berry/yarn.lock"),
        &format!(
            "__metadata:\n  version: 6\n{}",
            &y[y.find('\n').unwrap() + 1..]
        ),
    );
    // The bomb in a second document (the loader reads every document).
    write(
        &t.path().join("multi/pnpm-lock.yaml"),
        &format!("lockfileVersion: '9.0'\n---\n{y}"),
    );
    let v = scan(t.path(), &[]);
    assert!(
        notes(&v)
            .iter()
            .any(|(p, m)| p == "multi/pnpm-lock.yaml" && m.contains("too many alias expansions")),
        "{:#?}",
        notes(&v)
    );
    assert!(
        notes(&v)
            .iter()
            .any(|(p, m)| p == "pnpm-lock.yaml" && m.contains("too many alias expansions")),
        "{:#?}",
        notes(&v)
    );
    assert!(
        notes(&v)
            .iter()
            .any(|(p, m)| p == "berry/yarn.lock" && m.contains("too many alias expansions")),
        "{:#?}",
        notes(&v)
    );
}

#[test]
fn deps_never_runs_cargo() {
    // `cargo metadata` honours the repository's .cargo/config.toml: a rustc-wrapper would run.
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let marker = d.join("PWNED");
    let wrapper = d.join("wrapper.sh");
    write(
        &wrapper,
        &format!("#!/bin/sh\ntouch '{}'\nexec \"$@\"\n", marker.display()),
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    write(
        &d.join(".cargo/config.toml"),
        &format!(
            "[build]\nrustc-wrapper = \"{}\"\n[env]\nX = \"1\"\n",
            wrapper.display()
        ),
    );
    write(
        &d.join("Cargo.toml"),
        "[package]\nname = \"victim\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nfastembed = \"4\"\n\n[target.'cfg(unix)'.dependencies]\n",
    );
    write(&d.join("src/lib.rs"), "\n");
    write(
        &d.join("Cargo.lock"),
        "version = 4\n\n[[package]]\nname = \"victim\"\nversion = \"0.1.0\"\ndependencies = [\n \"fastembed\",\n]\n\n[[package]]\nname = \"fastembed\"\nversion = \"4.9.1\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n[[package]]\nname = \"../../../../etc\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
    );
    // Scanned as CI does: from the checkout, where cargo would find .cargo/config.toml.
    let v = scan_in(d, Path::new("."), &["--deps"]);
    assert!(!marker.exists(), "the repository's rustc-wrapper ran");
    assert!(
        finding_at(&v, "BAAI/bge-small-en-v1.5").contains(&("Cargo.toml".into(), 7)),
        "{v}"
    );
}

#[test]
fn nul_bytes_do_not_hide_a_requirements_file() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(
        t.path().join("requirements.txt"),
        b"# pinned \0 by the build\nzhipuai>=2\n",
    )
    .unwrap();
    std::fs::write(
        t.path().join("app.py"),
        b"# \0\nMODEL = \"deepseek-ai/DeepSeek-V3\"\n",
    )
    .unwrap();
    let v = scan(t.path(), &[]);
    assert_eq!(
        finding_at(&v, "zhipuai"),
        vec![("requirements.txt".to_string(), 2)],
        "{v}"
    );
    assert!(v.to_string().contains("app.py"), "{v}");
}

#[test]
fn long_dependency_chains_stay_linear() {
    // A chain pkg-0 → pkg-1 → ... → pkg-1999 → @ai-sdk/deepseek: each transitive dependency used
    // to carry a copy of its whole path (quadratic memory: 15 GB for 60k entries).
    let t = tempfile::tempdir().unwrap();
    let mut y = String::from("# yarn lockfile v1\n\n");
    for i in 0..2000 {
        let next = if i == 1999 {
            "\"@ai-sdk/deepseek\"".to_string()
        } else {
            format!("pkg-{:05}", i + 1)
        };
        y.push_str(&format!(
            "pkg-{i:05}@^1.0.0:\n  version \"1.0.0\"\n  dependencies:\n    {next} \"^1.0.0\"\n\n"
        ));
    }
    y.push_str("\"@ai-sdk/deepseek@^1.0.0\":\n  version \"1.0.5\"\n");
    write(&t.path().join("yarn.lock"), &y);
    write(
        &t.path().join("package.json"),
        "{\"name\": \"w\",\n \"dependencies\": {\"pkg-00000\": \"^1.0.0\"}}\n",
    );
    let v = scan(t.path(), &[]);
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["identifier"] == "@ai-sdk/deepseek")
        .unwrap_or_else(|| panic!("{v}"));
    assert_eq!(
        (f["path"].as_str(), f["line"].as_u64()),
        (Some("package.json"), Some(2))
    );
    let path: Vec<&str> = f["dependency"]["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(path.len(), 33, "{path:?}");
    assert_eq!(path[0], "pkg-00000");
    assert_eq!(path[16], "…");
    assert_eq!(path[32], "@ai-sdk/deepseek");
    assert_eq!(path[31], "pkg-01999");
}

#[test]
fn python_environment_linked_out_of_the_tree_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let site = outside.path().join("python3.12/site-packages");
    write(
        &site.join("acme-1.0.dist-info/METADATA"),
        "Name: acme\nVersion: 1.0\n",
    );
    write(&site.join("acme-1.0.dist-info/RECORD"), "acme/m.py,,\n");
    write(
        &site.join("acme/m.py"),
        "M = \"deepseek-ai/DeepSeek-V3\" # SECRET-OUTSIDE\n",
    );
    let d = t.path();
    write(&d.join("requirements.txt"), "acme\n");
    write(&d.join(".venv/pyvenv.cfg"), "home = /usr/bin\n");
    symlink(outside.path(), d.join(".venv/lib")).unwrap();
    let v = scan(d, &["--deps"]);
    assert!(
        has_note(&v, ".venv", "outside the scanned tree"),
        "{:#?}",
        notes(&v)
    );
    assert!(!v.to_string().contains("SECRET-OUTSIDE"), "{v}");
    assert!(!v.to_string().contains("DeepSeek-V3"), "{v}");
}

#[test]
fn findings_per_manifest_are_capped() {
    let t = tempfile::tempdir().unwrap();
    let req: String = (0..1200).map(|i| format!("zhipuai==2.{i}\n")).collect();
    write(&t.path().join("requirements.txt"), &req);
    let v = scan(t.path(), &[]);
    assert_eq!(finding_at(&v, "zhipuai").len(), 1000);
    assert!(
        notes(&v)
            .iter()
            .any(|(p, m)| p == "requirements.txt" && m.contains("more than 1000")),
        "{:#?}",
        notes(&v)
    );
}
