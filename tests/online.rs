//! `--online`: unknown hub repositories resolved through the hub's API, served here by a local
//! HTTP server on 127.0.0.1 (never the internet). Off by default: results are the offline ones.

mod common;

use std::fs;

use common::*;

fn finding<'a>(v: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["identifier"] == id)
        .unwrap_or_else(|| panic!("no finding {id}: {}", render(v)))
}

#[test]
fn online_lookup_resolves_declared_base_models_and_caches_answers() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    fs::create_dir(&src).unwrap();
    fs::write(
        src.join("app.py"),
        "A = \"https://huggingface.co/acme/support-bot\"\nB = \"https://huggingface.co/acme/unknown-thing\"\n",
    )
    .unwrap();
    let cache = t.path().join("cache");

    // Offline (the default): an unattributed hub repository, inventory only.
    let v = json(&src, &["--cache-dir", cache.to_str().unwrap()]);
    let f = finding(&v, "acme/support-bot");
    assert_eq!(f["code"], "MG100");
    assert!(f["developer"].is_null());

    let (base, requests) = serve_counting(vec![(
        "/api/models/acme/support-bot",
        br#"{"id":"acme/support-bot","author":"acme","cardData":{"base_model":"zai-org/GLM-4.5-Air","license":"mit"}}"#.to_vec(),
    )]);
    let online = [
        "--online",
        "--hub-endpoint",
        base.as_str(),
        "--online-timeout",
        "5",
        "--cache-dir",
        cache.to_str().unwrap(),
    ];
    let v = json(&src, &online);
    let f = finding(&v, "acme/support-bot");
    assert_eq!(f["code"], "MG101", "{}", render(&v));
    assert_eq!(f["developer"]["id"], "zhipu");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("declared base model `zai-org/GLM-4.5-Air`")
    );
    assert_eq!(f["confidence"], "medium");
    // The repository the server does not know stays unattributed, with a notification.
    assert!(finding(&v, "acme/unknown-thing")["developer"].is_null());
    assert!(
        render(&v).contains("no answer for `acme/unknown-thing`"),
        "{}",
        render(&v)
    );

    // A second run answers the known repository from the cache; only the repository the
    // server did not know is asked again.
    let before = requests.load(std::sync::atomic::Ordering::SeqCst);
    let v = json(&src, &online);
    assert_eq!(finding(&v, "acme/support-bot")["code"], "MG101");
    let after = requests.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(
        after - before,
        1,
        "only acme/unknown-thing is fetched again"
    );
    // With --no-cache both are fetched.
    let mut no_cache: Vec<&str> = online
        .iter()
        .copied()
        .filter(|a| *a != "--cache-dir" && *a != cache.to_str().unwrap())
        .collect();
    no_cache.push("--no-cache");
    json(&src, &no_cache);
    assert_eq!(
        requests.load(std::sync::atomic::Ordering::SeqCst) - after,
        2
    );
}

#[test]
fn online_endpoints_must_be_https_or_loopback() {
    let t = tempfile::tempdir().unwrap();
    fs::write(t.path().join("a.py"), "x = 1\n").unwrap();
    let o = bin()
        .args([
            "scan",
            "--online",
            "--hub-endpoint",
            "http://example.com",
            t.path().to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("only https://"));
}
