#![allow(dead_code)]
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The binary, isolated from any rules bundle installed for the user running the tests.
pub fn bin() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("modelgate").unwrap();
    c.env(
        "MODELGATE_DATA_DIR",
        root().join("target/test-no-installed-rules"),
    );
    // Never touch the user's digest cache.
    c.env("XDG_CACHE_HOME", root().join("target/test-xdg-cache"));
    c
}

pub fn run(args: &[&str]) -> Output {
    bin().current_dir(root()).args(args).output().unwrap()
}

pub fn json(path: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["scan", "--format", "json", "--fail-on", "never"];
    args.extend_from_slice(extra);
    let p = path.to_string_lossy().into_owned();
    args.push(&p);
    let out = run(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `path:line:col CODE level identifier — message` (with `kind` when asked) for one finding.
pub fn finding_line(f: &serde_json::Value, with_kind: bool) -> String {
    let kind = if with_kind {
        format!("{} ", f["kind"].as_str().unwrap())
    } else {
        String::new()
    };
    format!(
        "{}:{}:{} {} {} {kind}{} — {}\n",
        f["path"].as_str().unwrap(),
        f["line"],
        f["column"],
        f["code"].as_str().unwrap(),
        f["level"].as_str().unwrap(),
        f["identifier"].as_str().unwrap(),
        f["message"].as_str().unwrap()
    )
}

/// One line per finding: `path:line:col CODE level identifier — message`.
pub fn render(v: &serde_json::Value) -> String {
    let mut s = String::new();
    for f in v["findings"].as_array().unwrap() {
        s.push_str(&finding_line(f, false));
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

/// An HTTP/1.1 server on 127.0.0.1 with canned routes (a thread per connection, 64 at most).
/// `/error.json` answers 500, `/slow.json` answers after 4 s, `/truncated.json` sends half its
/// body; unknown paths answer 404.
pub fn serve(routes: Vec<(&'static str, Vec<u8>)>) -> String {
    serve_counting(routes).0
}

/// [`serve`], also returning the number of requests answered so far.
pub fn serve_counting(
    routes: Vec<(&'static str, Vec<u8>)>,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = count.clone();
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let routes = std::sync::Arc::new(routes);
    std::thread::spawn(move || {
        for stream in l.incoming().take(64) {
            let Ok(mut s) = stream else { continue };
            let routes = routes.clone();
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            std::thread::spawn(move || {
                let mut line = String::new();
                let mut r = BufReader::new(s.try_clone().unwrap());
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
                let body = routes
                    .iter()
                    .find(|(p, _)| *p == path)
                    .map(|(_, b)| b.clone());
                match (path.as_str(), body) {
                    ("/error.json", _) => {
                        let _ = s.write_all(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                    }
                    ("/slow.json", _) => {
                        std::thread::sleep(Duration::from_secs(4));
                        let _ = s.write_all(
                            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
                        );
                    }
                    ("/truncated.json", Some(b)) => {
                        let _ = write!(
                            s,
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            b.len()
                        );
                        let _ = s.write_all(&b[..b.len() / 2]);
                    }
                    (_, Some(b)) => {
                        let _ = write!(
                            s,
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            b.len()
                        );
                        let _ = s.write_all(&b);
                    }
                    (_, None) => {
                        let _ = s.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                    }
                }
            });
        }
    });
    (format!("http://{addr}"), count)
}

/// The pinned snapshot `tests/snapshots/FILE`, or `None` after rewriting it with `got` when
/// MODELGATE_BLESS is set (review the diff).
pub fn snapshot_or_bless(file: &str, got: &str) -> Option<(PathBuf, String)> {
    let snap = root().join("tests/snapshots").join(file);
    if std::env::var_os("MODELGATE_BLESS").is_some() {
        std::fs::write(&snap, got).unwrap();
        return None;
    }
    let want = std::fs::read_to_string(&snap).unwrap_or_else(|_| {
        panic!(
            "missing snapshot {}; run with MODELGATE_BLESS=1",
            snap.display()
        )
    });
    Some((snap, want))
}

/// Compares `got` with the pinned snapshot `tests/snapshots/NAME.txt`; with MODELGATE_BLESS set,
/// rewrites it instead (review the diff).
pub fn assert_snapshot(name: &str, what: &str, got: &str) {
    let Some((snap, want)) = snapshot_or_bless(&format!("{name}.txt"), got) else {
        return;
    };
    assert_eq!(
        got,
        want,
        "findings of {what} differ from {}",
        snap.display()
    );
}

/// Runs git in `dir` with a throw-away identity; panics on failure; returns stdout.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let o = std::process::Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}
