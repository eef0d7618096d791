//! `modelgate audit` and `modelgate merge`: 50 generated repositories audited in one run and in 4
//! shard runs (parallel processes) merged give the same bytes; per-repository policy files are
//! honoured; broken repositories are listed; `--github-org` pages through a stand-in API on
//! 127.0.0.1 and honours its rate-limit headers.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

const REPOS: usize = 50;

/// Writes `files` (relative path, content) under `dir`.
fn write_files(dir: &Path, files: &[(&str, String)]) {
    for (rel, text) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

/// The generated repository `i`: model references of different kinds and levels, some with a
/// policy file of their own, some with none at all.
fn repo_files(i: usize) -> Vec<(&'static str, String)> {
    let mut f: Vec<(&'static str, String)> = vec![(
        "src/util.py",
        format!("def helper_{i}(x):\n    return x * {i}\n"),
    )];
    match i % 5 {
        0 => f.push((
            "app.py",
            format!("MODEL = \"Qwen/Qwen2.5-7B-Instruct\"  # service {i}\n"),
        )),
        1 => f.push((
            "client.py",
            "from openai import OpenAI\nclient = OpenAI(base_url=\"https://api.deepseek.com\")\n"
                .to_string(),
        )),
        2 => f.push((
            "config.yaml",
            "model: zai-org/GLM-4.5-Air\n# 模型配置：智谱\n".to_string(),
        )),
        3 => {}
        _ => f.push((
            "serve.sh",
            "ollama pull deepseek-r1:14b\nollama pull qwen2.5:7b\n".to_string(),
        )),
    }
    if i % 7 == 3 {
        // Qwen and GLM references raised to errors, DeepSeek's listing lowered to a note.
        f.push((
            "modelgate.toml",
            "[checks]\nMG103 = \"error\"\nMG101 = \"note\"\nMG102 = \"note\"\n".to_string(),
        ));
    }
    f
}

fn repo_name(i: usize) -> String {
    format!("service-{i:02}")
}

/// 50 repositories under `root/repos`, plus one with a malformed policy file, and a list file
/// naming them, a missing folder and a clone URL of one of them.
fn generate(root: &Path) -> PathBuf {
    let mut list = String::from("# generated\n\n");
    for i in 0..REPOS {
        let name = repo_name(i);
        write_files(&root.join("repos").join(&name), &repo_files(i));
        list.push_str(&format!("repos/{name}\n"));
    }
    write_files(
        &root.join("repos/bad-policy"),
        &[
            ("modelgate.toml", "[checks\nMG101 = 3\n".to_string()),
            ("a.py", "m = \"Qwen/Qwen2.5-7B-Instruct\"\n".to_string()),
        ],
    );
    list.push_str("repos/bad-policy\nrepos/does-not-exist\n");
    // A clone URL: a git repository of its own.
    let origin = root.join("origin/tool");
    write_files(&origin, &repo_files(1));
    common::git(&origin, &["init", "-q", "-b", "main"]);
    common::git(&origin, &["add", "."]);
    common::git(&origin, &["commit", "-q", "-m", "init"]);
    list.push_str(&format!("file://{}\n", origin.display()));
    let p = root.join("repos.txt");
    std::fs::write(&p, list).unwrap();
    p
}

fn audit_cmd(list: &Path, out: &Path, extra: &[&str]) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_modelgate"));
    c.env(
        "MODELGATE_DATA_DIR",
        common::root().join("target/test-no-installed-rules"),
    )
    .env(
        "XDG_CACHE_HOME",
        common::root().join("target/test-xdg-cache"),
    )
    // The CycloneDX BOMs' timestamp: with it, every per-repository file is the same bytes too.
    .env("SOURCE_DATE_EPOCH", "1767225600")
    .args(["audit", "-j", "1", "--no-cache", "--repos"])
    .arg(list)
    .arg("--output-dir")
    .arg(out)
    .args(extra);
    c
}

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

/// file name → bytes of every file under `dir/repos/*/` except status.json (which holds times).
fn repo_outputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir.join("repos")).unwrap() {
        let d = e.unwrap().path();
        for f in std::fs::read_dir(&d).unwrap() {
            let f = f.unwrap().path();
            if f.file_name().unwrap() != "status.json" {
                let name = format!(
                    "{}/{}",
                    d.file_name().unwrap().to_string_lossy(),
                    f.file_name().unwrap().to_string_lossy()
                );
                out.push((name, std::fs::read(&f).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn four_shards_in_parallel_merged_equal_the_single_run() {
    let t = tempfile::tempdir().unwrap();
    let list = generate(t.path());
    let single = t.path().join("single");
    let o = audit_cmd(&list, &single, &[]).output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("53 repositories audited (2 with errors)"),
        "{stdout}"
    );

    // Four shard runs as parallel processes.
    let shard_dirs: Vec<PathBuf> = (1..=4)
        .map(|i| t.path().join(format!("shard-{i}")))
        .collect();
    let start = Instant::now();
    let children: Vec<_> = shard_dirs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            audit_cmd(&list, d, &["--shard", &format!("{}/4", i + 1)])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut planned = Vec::new();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    eprintln!("4 shards in parallel: {:?}", start.elapsed());
    for d in &shard_dirs {
        let s = read_json(&d.join("shard.json"));
        let ids: Vec<String> = s["repositories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert!(!ids.is_empty(), "{s}");
        // A shard run writes no merged report of its own.
        assert!(!d.join("merged.json").exists());
        planned.extend(ids);
    }
    planned.sort();
    let before = planned.len();
    planned.dedup();
    assert_eq!(planned.len(), before, "a repository in two shards");
    assert_eq!(planned.len(), REPOS + 3);

    // Merging only some shards is refused.
    let partial = common::bin()
        .args(["merge", "--output-dir"])
        .arg(t.path().join("partial"))
        .args(&shard_dirs[..3])
        .output()
        .unwrap();
    assert_eq!(partial.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&partial.stderr).contains("shard(s) 4/4 missing"),
        "{}",
        String::from_utf8_lossy(&partial.stderr)
    );

    let merged = t.path().join("merged");
    let start = Instant::now();
    let o = common::bin()
        .args(["merge", "--output-dir"])
        .arg(&merged)
        .args(&shard_dirs)
        .output()
        .unwrap();
    eprintln!("merge: {:?}", start.elapsed());
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for f in ["merged.json", "merged.md", "merged.html"] {
        let a = std::fs::read(single.join(f)).unwrap();
        let b = std::fs::read(merged.join(f)).unwrap();
        assert!(
            a == b,
            "{f} differs between the single run and the merged shards"
        );
    }
    assert_eq!(repo_outputs(&single), repo_outputs(&merged));
    // Merging the single run's folder again changes nothing either.
    let again = t.path().join("again");
    let o = common::bin()
        .args(["merge", "--output-dir"])
        .arg(&again)
        .arg(&single)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        std::fs::read(single.join("merged.json")).unwrap(),
        std::fs::read(again.join("merged.json")).unwrap()
    );

    check_merged(&read_json(&single.join("merged.json")));
    let md = std::fs::read_to_string(single.join("merged.md")).unwrap();
    assert!(md.contains("### Repositories with errors"), "{md}");
    assert!(md.contains("repos/does-not-exist"), "{md}");
    let html = std::fs::read_to_string(single.join("merged.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("<td>repos/does-not-exist</td>"), "{html}");
    assert!(html.contains("<td>repos/service-01</td>"), "{html}");
    // Per repository: the JSON report and the CycloneDX BOM.
    let one = single.join("repos").join(
        std::fs::read_dir(single.join("repos"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .find(|n| n.to_string_lossy().starts_with("repos_service-01-"))
            .unwrap(),
    );
    let bom = read_json(&one.join("modelgate.cdx.json"));
    assert_eq!(bom["bomFormat"], "CycloneDX");
    assert!(read_json(&one.join("modelgate.json"))["findings"].is_array());
    // --fail-on applies to every repository's findings.
    let o = common::bin()
        .args(["merge", "--fail-on", "error", "--output-dir"])
        .arg(&again)
        .arg(&single)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
}

fn findings_of<'a>(m: &'a Value, repo: &str) -> Vec<&'a Value> {
    m["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["repository"] == repo)
        .collect()
}

fn check_merged(m: &Value) {
    assert_eq!(m["format"], "modelgate-audit");
    assert_eq!(m["summary"]["repositories"], REPOS + 3);
    assert_eq!(m["summary"]["repositories_with_errors"], 2);
    // Every finding and notification names its repository.
    for f in m["findings"].as_array().unwrap() {
        assert!(f["repository"].is_string(), "{f}");
    }
    for n in m["notifications"].as_array().unwrap() {
        assert!(n["repository"].is_string(), "{n}");
    }
    // Repositories with errors: the missing folder and the malformed policy file.
    let errors: Vec<(String, String)> = m["repositories_with_errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["repository"].as_str().unwrap().to_string(),
                e["error"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].0, "repos/bad-policy");
    assert!(errors[0].1.contains("modelgate.toml"), "{errors:?}");
    assert!(
        !errors[0]
            .1
            .contains(&*std::env::temp_dir().to_string_lossy()),
        "a machine path in {errors:?}"
    );
    assert_eq!(
        errors[1],
        (
            "repos/does-not-exist".into(),
            "repos/does-not-exist: no such folder".into()
        )
    );
    let levels = |repo: &str, ident: &str| -> Vec<String> {
        findings_of(m, repo)
            .iter()
            .filter(|f| f["identifier"].as_str().unwrap().contains(ident))
            .map(|f| f["level"].as_str().unwrap().to_string())
            .collect()
    };
    // Default policy: Qwen is a warning (origin of concern), DeepSeek an error (listed).
    assert_eq!(levels("repos/service-00", "Qwen2.5"), ["warning"]);
    assert_eq!(levels("repos/service-01", "deepseek"), ["error"]);
    // Their own policy files: service-10 (10 % 7 == 3) raises Qwen to error; service-31
    // (31 % 7 == 3) lowers DeepSeek to a note.
    assert_eq!(levels("repos/service-10", "Qwen2.5"), ["error"]);
    assert_eq!(levels("repos/service-31", "deepseek"), ["note"]);
    // Findings name the policy file that governed them, relative to their repository.
    assert_eq!(
        findings_of(m, "repos/service-10")[0]["policy"],
        "modelgate.toml"
    );
    assert!(
        findings_of(m, "repos/service-00")[0]
            .get("policy")
            .is_none()
    );
    assert!(findings_of(m, "repos/service-03").is_empty());
    // Each report says which policy governed it.
    let policy = |repo: &str| -> Vec<&str> {
        m["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["repository"] == repo)
            .filter_map(|n| {
                n["message"]
                    .as_str()
                    .filter(|t| t.starts_with("scanned with"))
            })
            .collect()
    };
    assert_eq!(
        policy("repos/service-10"),
        ["scanned with policy file modelgate.toml"]
    );
    assert_eq!(
        policy("repos/service-00"),
        ["scanned with the default policy (no policy file)"]
    );
    // The clone URL was cloned and scanned like the path.
    let url = m["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["repository"].as_str().unwrap().starts_with("file://"))
        .unwrap();
    assert_eq!(url["status"], "ok", "{url}");
    assert_eq!(url["developers"], serde_json::json!(["deepseek"]));
    // Inventory: who uses DeepSeek, and the listings it carries.
    let ds = m["developers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "deepseek")
        .unwrap();
    let users = ds["repositories"].as_array().unwrap();
    assert!(users.iter().any(|r| r == "repos/service-01"));
    assert!(users.iter().any(|r| r == "repos/service-04"));
    assert!(!users.iter().any(|r| r == "repos/service-03"));
    assert_eq!(ds["most_severe"], "error");
    let listed = m["listed_entities"].as_array().unwrap();
    assert!(
        listed
            .iter()
            .any(|l| l["org"] == "deepseek" && l["repositories"].as_array().unwrap().len() >= 10),
        "{listed:?}"
    );
    // Ordered by repository id.
    let ids: Vec<&str> = m["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["repository"].as_str().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
}

/// A stand-in for the GitHub API on 127.0.0.1: `routes` maps a path (with query) to the answers
/// given in turn (status, extra headers, body); the last repeats. Returns the base URL and the
/// request lines with their Authorization header.
fn github_stand_in(routes: Vec<Route>) -> (String, Requests) {
    github_stand_in_shared(Arc::new(Mutex::new(routes)))
}

/// A path and its answers in turn: (status, extra headers, body).
type Route = (String, Vec<(u16, Vec<(String, String)>, String)>);
/// The requests answered: (path, Authorization header).
type Requests = Arc<Mutex<Vec<(String, String)>>>;

fn github_stand_in_shared(routes: Arc<Mutex<Vec<Route>>>) -> (String, Requests) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in l.incoming().take(32) {
            let Ok(mut s) = stream else { continue };
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            if r.read_line(&mut line).is_err() {
                continue;
            }
            let mut auth = String::new();
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).is_err() || h == "\r\n" || h.is_empty() {
                    break;
                }
                if let Some(v) = h.to_ascii_lowercase().strip_prefix("authorization:") {
                    auth = v.trim().to_string();
                }
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
            log.lock().unwrap().push((path.clone(), auth));
            let answer = {
                let mut rs = routes.lock().unwrap();
                rs.iter_mut().find(|(p, _)| *p == path).map(|(_, a)| {
                    if a.len() > 1 {
                        a.remove(0)
                    } else {
                        a[0].clone()
                    }
                })
            };
            let (status, headers, body) =
                answer.unwrap_or((404, Vec::new(), "{\"message\":\"Not Found\"}".into()));
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(body.as_bytes());
        }
    });
    (base, seen)
}

fn git_repo(dir: &Path, files: &[(&str, String)]) -> String {
    write_files(dir, files);
    common::git(dir, &["init", "-q", "-b", "main"]);
    common::git(dir, &["add", "."]);
    common::git(dir, &["commit", "-q", "-m", "init"]);
    format!("file://{}", dir.display())
}

fn page(repos: &[(&str, &str)]) -> String {
    let items: Vec<Value> = repos
        .iter()
        .map(|(name, url)| {
            serde_json::json!({
                "full_name": format!("acme/{name}"),
                "name": name,
                "clone_url": url,
                "owner": {"login": "acme"}
            })
        })
        .collect();
    serde_json::to_string(&items).unwrap()
}

#[test]
fn a_github_organisation_is_listed_page_by_page_within_its_rate_limit() {
    let t = tempfile::tempdir().unwrap();
    let a = git_repo(&t.path().join("git/a"), &repo_files(0));
    let b = git_repo(&t.path().join("git/b"), &repo_files(1));
    let c = git_repo(&t.path().join("git/c"), &repo_files(3));
    // A listed repository that cannot be cloned.
    let gone = format!("file://{}", t.path().join("git/gone").display());
    let p1 = "/orgs/acme/repos?per_page=100&page=1".to_string();
    let p2 = "/orgs/acme/repos?per_page=100&page=2".to_string();
    let routes_of = |base: &str| {
        let reset = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 1;
        vec![
            (
                p1.clone(),
                vec![(
                    200,
                    vec![
                        (
                            "Link".to_string(),
                            format!("<{base}{p2}>; rel=\"next\", <{base}{p2}>; rel=\"last\""),
                        ),
                        // The page leaves no requests: the next one waits for the reset.
                        ("X-RateLimit-Remaining".to_string(), "0".to_string()),
                        ("X-RateLimit-Reset".to_string(), reset.to_string()),
                    ],
                    page(&[("a", &a), ("b", &b)]),
                )],
            ),
            (
                p2.clone(),
                vec![
                    // A secondary rate limit first, then the page.
                    (
                        429,
                        vec![("Retry-After".to_string(), "1".to_string())],
                        "{\"message\":\"slow down\"}".to_string(),
                    ),
                    (200, Vec::new(), page(&[("c", &c), ("gone", &gone)])),
                ],
            ),
        ]
    };
    // The stand-in's routes name its own address: start it, then hand it its routes.
    let (base, seen) = github_stand_in_with(routes_of);
    let out = t.path().join("out");
    let start = Instant::now();
    let o = common::bin()
        .env("GITHUB_TOKEN", "test-token")
        .args([
            "audit",
            "-j",
            "1",
            "--no-cache",
            "--github-org",
            "acme",
            "--github-api",
        ])
        .arg(&base)
        .arg("--output-dir")
        .arg(&out)
        .output()
        .unwrap();
    let took = start.elapsed();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(took >= Duration::from_secs(2), "waited {took:?}: {stderr}");
    assert!(stderr.contains("GitHub rate limit: waiting"), "{stderr}");
    let requests = seen.lock().unwrap().clone();
    assert_eq!(
        requests,
        [
            (p1.clone(), "bearer test-token".to_string()),
            (p2.clone(), "bearer test-token".to_string()),
            (p2.clone(), "bearer test-token".to_string()),
        ]
    );
    let m = read_json(&out.join("merged.json"));
    let repos: Vec<(String, String)> = m["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["repository"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        repos,
        [
            ("acme/a".to_string(), "ok".to_string()),
            ("acme/b".into(), "ok".into()),
            ("acme/c".into(), "ok".into()),
            ("acme/gone".into(), "error".into()),
        ]
    );
    let owners = m["owners"].as_array().unwrap();
    assert_eq!(owners.len(), 1);
    assert_eq!(owners[0]["owner"], "acme");
    assert_eq!(
        owners[0]["repositories_with_errors"],
        serde_json::json!(["acme/gone"])
    );
    assert_eq!(
        owners[0]["developers"],
        serde_json::json!(["alibaba", "deepseek"])
    );
    let err = m["repositories_with_errors"][0]["error"].as_str().unwrap();
    assert!(err.starts_with("clone failed: "), "{err}");
    assert_eq!(
        findings_of(&m, "acme/a")[0]["identifier"],
        "Qwen/Qwen2.5-7B-Instruct"
    );
}

/// [`github_stand_in`] with routes built from its own base URL.
fn github_stand_in_with(routes: impl FnOnce(&str) -> Vec<Route>) -> (String, Requests) {
    let slot = Arc::new(Mutex::new(Vec::new()));
    let (base, seen) = github_stand_in_shared(slot.clone());
    *slot.lock().unwrap() = routes(&base);
    (base, seen)
}

#[test]
fn a_rate_limit_longer_than_the_allowed_wait_fails_the_run() {
    let (base, seen) = github_stand_in(vec![(
        "/orgs/acme/repos?per_page=100&page=1".to_string(),
        vec![(
            403,
            vec![
                ("Retry-After".to_string(), "3600".to_string()),
                ("X-RateLimit-Remaining".to_string(), "0".to_string()),
            ],
            "{\"message\":\"API rate limit exceeded\"}".to_string(),
        )],
    )]);
    let t = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let o = common::bin()
        .env_remove("GITHUB_TOKEN")
        .args([
            "audit",
            "--github-org",
            "acme",
            "--max-rate-wait",
            "5",
            "--github-api",
        ])
        .arg(&base)
        .arg("--output-dir")
        .arg(t.path().join("out"))
        .output()
        .unwrap();
    assert!(start.elapsed() < Duration::from_secs(30));
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains(
            "rate limited (HTTP 403); the limit resets in 3600 s, more than --max-rate-wait 5 s"
        ),
        "{stderr}"
    );
    // No token, no Authorization header.
    assert_eq!(seen.lock().unwrap()[0].1, "");
}

#[test]
fn a_next_page_on_another_origin_is_refused() {
    let (base, _) = github_stand_in(vec![(
        "/orgs/acme/repos?per_page=100&page=1".to_string(),
        vec![(
            200,
            vec![(
                "Link".to_string(),
                "<http://127.0.0.2:9/orgs/acme/repos?page=2>; rel=\"next\"".to_string(),
            )],
            "[]".to_string(),
        )],
    )]);
    let t = tempfile::tempdir().unwrap();
    let o = common::bin()
        .env("GITHUB_TOKEN", "secret")
        .args(["audit", "--github-org", "acme", "--github-api"])
        .arg(&base)
        .arg("--output-dir")
        .arg(t.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("refused (the token goes to the API only)"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_rerun_replaces_its_own_outputs_and_foreign_folders_are_refused() {
    let t = tempfile::tempdir().unwrap();
    write_files(&t.path().join("a"), &repo_files(0));
    write_files(&t.path().join("b"), &repo_files(1));
    std::fs::write(t.path().join("list.txt"), "a\nb\n").unwrap();
    let list = t.path().join("list.txt");
    let out = t.path().join("out");
    assert_eq!(
        audit_cmd(&list, &out, &[]).status().unwrap().code(),
        Some(0)
    );
    let first = std::fs::read(out.join("merged.json")).unwrap();
    // A retried run (a Kubernetes index run again) writes over its own outputs.
    std::fs::write(t.path().join("b/client.py"), "x = 1\n").unwrap();
    assert_eq!(
        audit_cmd(&list, &out, &[]).status().unwrap().code(),
        Some(0)
    );
    let second = read_json(&out.join("merged.json"));
    assert_ne!(serde_json::to_vec_pretty(&second).unwrap(), first);
    assert!(findings_of(&second, "b").is_empty());
    assert_eq!(findings_of(&second, "a").len(), 1);
    // Something else under repos/ is not removed.
    std::fs::create_dir_all(out.join("repos/notes")).unwrap();
    let o = audit_cmd(&list, &out, &[]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("is not a modelgate audit output"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.join("repos/notes").is_dir());
}
