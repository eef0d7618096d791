//! What a hostile repository or server sends back to modelgate: file names and content with
//! terminal and workflow-command control characters (text, Markdown and GitHub output stay inert,
//! SARIF URIs stay exact), and rules or hub servers that trickle, redirect or send too much.
//! Servers run on 127.0.0.1 only.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use common::*;

/// What the hostile server does for a path.
#[derive(Clone)]
enum Answer {
    Body(Vec<u8>),
    /// 302 to this location.
    Redirect(String),
    /// Announces this many bytes and sends one per 300 ms.
    Trickle(usize),
    /// This many bytes without a Content-Length.
    Unsized(usize),
}

/// A server on 127.0.0.1 answering `route(path)`; 404 for `None`.
fn hostile_server(route: impl Fn(&str) -> Option<Answer> + Send + Sync + 'static) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let route = std::sync::Arc::new(route);
    std::thread::spawn(move || {
        for stream in l.incoming().take(64) {
            let Ok(mut s) = stream else { continue };
            let route = route.clone();
            std::thread::spawn(move || {
                let mut r = BufReader::new(s.try_clone().unwrap());
                let mut line = String::new();
                if r.read_line(&mut line).is_err() {
                    return;
                }
                loop {
                    let mut h = String::new();
                    if r.read_line(&mut h).is_err() || h == "\r\n" || h.is_empty() {
                        break;
                    }
                }
                let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                let _ = match route(&path) {
                    None => s.write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    ),
                    Some(Answer::Body(b)) => write!(
                        s,
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        b.len()
                    )
                    .and_then(|_| s.write_all(&b)),
                    Some(Answer::Redirect(to)) => write!(
                        s,
                        "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    ),
                    Some(Answer::Trickle(n)) => {
                        let mut res = write!(
                            s,
                            "HTTP/1.1 200 OK\r\nContent-Length: {n}\r\nConnection: close\r\n\r\n"
                        );
                        for _ in 0..n {
                            if res.is_err() {
                                break;
                            }
                            std::thread::sleep(Duration::from_millis(300));
                            res = s.write_all(b"{").and_then(|_| s.flush());
                        }
                        res
                    }
                    Some(Answer::Unsized(n)) => {
                        let mut res = s.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
                        let chunk = vec![b'a'; 4096];
                        let mut sent = 0;
                        while res.is_ok() && sent < n {
                            res = s.write_all(&chunk);
                            sent += chunk.len();
                        }
                        res
                    }
                };
            });
        }
    });
    format!("http://{addr}")
}

fn bundle() -> Vec<u8> {
    let db = modelgate::rules::Database::embedded().unwrap();
    let bytes = modelgate::rules::bundle::export(&db);
    let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let old = db.meta.as_of.clone();
    v["as_of"] = "2099-01-01".into();
    let meta = v["files"]["meta.toml"]
        .as_str()
        .unwrap()
        .replace(&old, "2099-01-01");
    v["files"]["meta.toml"] = meta.into();
    serde_json::to_vec(&v).unwrap()
}

fn update(data: &Path, args: &[&str]) -> (Option<i32>, String, Duration) {
    let start = Instant::now();
    let o = bin()
        .env("MODELGATE_DATA_DIR", data)
        .args(["rules", "update"])
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.code(), text, start.elapsed())
}

#[test]
fn rules_update_timeout_bounds_the_whole_download() {
    let base = hostile_server(|p| match p {
        "/trickle.json" => Some(Answer::Trickle(200)),
        _ => None,
    });
    let data = tempfile::tempdir().unwrap();
    let sha = "0".repeat(64);
    let (code, text, took) = update(
        data.path(),
        &[
            "--from",
            &format!("{base}/trickle.json"),
            "--sha256",
            &sha,
            "--timeout",
            "2",
        ],
    );
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("timed out"), "{text}");
    assert!(took < Duration::from_secs(6), "took {took:?}: {text}");
    assert!(!data.path().join("rules.bundle.json").exists());
}

#[test]
fn rules_update_refuses_unsafe_redirects_and_oversized_answers() {
    let good = bundle();
    let sum = modelgate::rules::bundle::sha256_hex(&good);
    let g2 = good.clone();
    let base = hostile_server(move |p| match p {
        // To plain HTTP on another (non-loopback) host: refused before any connection.
        "/offsite.json" => Some(Answer::Redirect("http://rules.invalid/b.json".into())),
        // A loop: refused after the limit.
        "/loop.json" => Some(Answer::Redirect("/loop.json".into())),
        // Loopback to loopback, plain HTTP: followed.
        "/moved.json" => Some(Answer::Redirect("/real.json".into())),
        "/real.json" => Some(Answer::Body(g2.clone())),
        // The published digest: far more than a digest, no Content-Length.
        "/huge-sum.json" => Some(Answer::Body(g2.clone())),
        "/huge-sum.json.sha256" => Some(Answer::Unsized(1 << 20)),
        _ => None,
    });
    let data = tempfile::tempdir().unwrap();
    let installed = data.path().join("rules.bundle.json");

    let (code, text, _) = update(data.path(), &["--from", &format!("{base}/offsite.json")]);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains(&format!(
            "redirect 1 from {base}/offsite.json to http://rules.invalid/b.json refused"
        )),
        "{text}"
    );
    assert!(!installed.exists());

    let (code, text, _) = update(data.path(), &["--from", &format!("{base}/loop.json")]);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("redirect 6 from") && text.contains("more than 5 redirects"),
        "{text}"
    );
    assert!(!installed.exists());

    let (code, text, _) = update(data.path(), &["--from", &format!("{base}/huge-sum.json")]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("more than the 4096-byte limit"), "{text}");
    assert!(!installed.exists());

    let (code, text, _) = update(
        data.path(),
        &["--from", &format!("{base}/moved.json"), "--sha256", &sum],
    );
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(std::fs::read(&installed).unwrap(), good);
}

#[test]
fn online_timeout_bounds_a_trickling_hub() {
    let base = hostile_server(|p| {
        p.starts_with("/api/models/")
            .then_some(Answer::Trickle(100))
    });
    let t = tempfile::tempdir().unwrap();
    std::fs::write(
        t.path().join("app.py"),
        "A = \"https://huggingface.co/acme/support-bot\"\n",
    )
    .unwrap();
    let start = Instant::now();
    let o = bin()
        .args([
            "scan",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--online",
            "--hub-endpoint",
            &base,
            "--online-timeout",
            "2",
            "--no-cache",
        ])
        .arg(t.path())
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let took = start.elapsed();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(render(&v).contains("timed out"), "{}", render(&v));
    assert!(took < Duration::from_secs(8), "took {took:?}");
}
