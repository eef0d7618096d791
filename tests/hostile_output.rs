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
        // A digest file that tries to rewrite the terminal.
        "/esc.json" => Some(Answer::Body(g2.clone())),
        "/esc.json.sha256" => Some(Answer::Body(b"\x1b]0;pwned\x07\x1b[2J\n".to_vec())),
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

    let (code, text, _) = update(data.path(), &["--from", &format!("{base}/esc.json")]);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("`\\x1b]0;pwned\\x07\\x1b[2j` is not a sha256 digest"),
        "{text}"
    );
    assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text:?}");
    assert!(!installed.exists());

    let (code, text, _) = update(
        data.path(),
        &[
            "--from",
            &format!("{base}/moved.json"),
            "--sha256",
            &sum,
            "--insecure-skip-signature",
        ],
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

/// A little-endian GGUF v3 header with string values (as `src/detect/gguf.rs` tests build it).
fn gguf(kvs: &[(&str, &str)]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(b"GGUF");
    b.extend_from_slice(&3u32.to_le_bytes());
    b.extend_from_slice(&0u64.to_le_bytes());
    b.extend_from_slice(&(kvs.len() as u64).to_le_bytes());
    let s = |b: &mut Vec<u8>, x: &str| {
        b.extend_from_slice(&(x.len() as u64).to_le_bytes());
        b.extend_from_slice(x.as_bytes());
    };
    for (k, v) in kvs {
        s(&mut b, k);
        b.extend_from_slice(&8u32.to_le_bytes());
        s(&mut b, v);
    }
    b
}

/// A file name with ESC, BEL, CR and a newline followed by a forged workflow command.
const EVIL_NAME: &str = "evil\x1b[2J\x07\r\n::error file=x::forged name.py";

/// A repository whose file names and content carry terminal and workflow-command controls.
fn hostile_repo(d: &Path) {
    std::fs::write(d.join(EVIL_NAME), "M = \"zai-org/GLM-4.5-Air\"\n").unwrap();
    std::fs::write(
        d.join("model.gguf"),
        gguf(&[
            ("general.architecture", "glm4"),
            (
                "general.name",
                "GLM\x1b]0;pwned\x07\x1b[31m\r\n::error::forged by general.name",
            ),
        ]),
    )
    .unwrap();
    std::fs::write(
        d.join("requirements.txt"),
        "zhipuai\nbad\x1b[2J\x07 \r::warning::forged by a manifest line ~~ x\n",
    )
    .unwrap();
}

fn output(d: &Path, format: &str) -> String {
    let o = bin()
        .args(["scan", "--fail-on", "never", "--format", format])
        .arg(d)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

#[cfg(unix)]
#[test]
fn hostile_names_and_content_cannot_control_the_terminal_or_forge_annotations() {
    let t = tempfile::tempdir().unwrap();
    hostile_repo(t.path());
    // The content did reach the report (JSON keeps it as it is, escaped by serde).
    let v = json(t.path(), &[]);
    let r = render(&v);
    assert!(r.contains(EVIL_NAME), "{r}");
    assert!(r.contains("\x1b]0;pwned"), "{r}");
    assert!(r.contains("bad\x1b[2J"), "{r}");
    for format in ["text", "markdown", "github"] {
        let out = output(t.path(), format);
        for (i, c) in out.chars().enumerate() {
            assert!(
                c == '\n' || !(c.is_control() || c == '\u{202e}'),
                "{format}: raw control {c:?} at {i}:\n{out}"
            );
        }
        for l in out.lines() {
            let l = l.trim_start();
            let forged = [
                "::error::forged",
                "::warning::forged",
                "::error file=x::forged",
            ]
            .iter()
            .any(|p| l.starts_with(p))
                || (format != "github" && l.starts_with("::"));
            assert!(!forged, "{format}: forged line {l:?}\n{out}");
        }
        // The escaped forms are shown.
        assert!(out.contains("\\x1b"), "{format}:\n{out}");
        if format == "github" {
            for l in out.lines() {
                assert!(
                    [
                        "::error file=",
                        "::warning file=",
                        "::notice file=",
                        "::warning title=",
                        "::notice title=",
                        "modelgate: "
                    ]
                    .iter()
                    .any(|p| l.starts_with(p)),
                    "unexpected github line {l:?}"
                );
            }
            // The file name is one property: its `:` and `,` are encoded.
            assert!(
                out.contains(
                    "file=evil\\x1b[2J\\x07\\r\\n%3A%3Aerror file=x%3A%3Aforged name.py,line=1,"
                ),
                "{out}"
            );
        }
    }
}

#[cfg(unix)]
#[test]
fn sarif_uris_are_the_exact_bytes_of_non_utf8_names() {
    use std::os::unix::ffi::OsStrExt;
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    std::fs::create_dir(d.join("dir 1")).unwrap();
    let raw: &[u8] = b"dir 1/caf\xe9 100%.py";
    std::fs::write(
        d.join(std::ffi::OsStr::from_bytes(raw)),
        "M = \"zai-org/GLM-4.5-Air\"\n",
    )
    .unwrap();
    std::fs::write(d.join("dir 1/ok:é.py"), "M = \"zai-org/GLM-4.5-Air\"\n").unwrap();
    let v = json(d, &[]);
    let paths: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["dir 1/caf\\xe9 100%.py", "dir 1/ok:é.py"]);
    let sarif: serde_json::Value = serde_json::from_str(&output(d, "sarif")).unwrap();
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(
        uris,
        ["dir%201/caf%E9%20100%25.py", "dir%201/ok%3A%C3%A9.py"]
    );
    // Text output shows the name with the escape.
    assert!(output(d, "text").contains("dir 1/caf\\xe9 100%.py"));
}
