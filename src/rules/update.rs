//! `rules update`: download a bundle over HTTPS, verify its minisign signature (`URL.minisig`)
//! against the trusted keys (see [`super::sign`]), check its sha256 when one is given or
//! published, validate it with the same checks as `rules check`, refuse a downgrade, and install
//! it atomically. Any failure leaves the installed bundle as it was.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::Origin;
use super::bundle::{self, MAX_BUNDLE};
use super::sign::{self, TrustedKey};

/// The project's release feed: the bundle the `rules-release` workflow publishes (with
/// `.minisig` and `.sha256` beside it) as an asset of the `rules-feed` release.
pub const DEFAULT_FEED: &str =
    "https://github.com/modelgate/modelgate/releases/download/rules-feed/modelgate-rules.bundle";

/// What a bundle's signature is checked against.
#[derive(Debug, Clone)]
pub enum Signatures {
    /// `URL.minisig` must be a valid signature by one of these keys that is not retired, and
    /// the bundle's `as_of` must lie in that key's validity range.
    Require(Vec<TrustedKey>),
    /// No signature is checked (`--from URL --insecure-skip-signature`).
    Skip,
}

/// The signature policy of `rules update`: the embedded keys unless `trusted_key` (a key file)
/// replaces them, or none with `skip`. Both options are for an explicit `--from URL` only, so
/// the default feed is always checked against the embedded keys.
pub fn signatures(
    from: Option<&str>,
    trusted_key: Option<&Path>,
    skip: bool,
) -> Result<Signatures, String> {
    if from.is_none() && (trusted_key.is_some() || skip) {
        return Err(
            "--trusted-key and --insecure-skip-signature need an explicit --from URL".into(),
        );
    }
    match (trusted_key, skip) {
        (Some(_), true) => {
            Err("--trusted-key and --insecure-skip-signature exclude each other".into())
        }
        (None, true) => Ok(Signatures::Skip),
        (Some(p), false) => sign::load_keys(p).map(Signatures::Require),
        (None, false) => Ok(Signatures::Require(sign::embedded_keys())),
    }
}

/// The bundle URL: `--from`, else `$MODELGATE_RULES_URL`, else [`DEFAULT_FEED`].
pub fn feed_url(from: Option<&str>) -> String {
    from.map(str::to_string)
        .or_else(|| {
            std::env::var("MODELGATE_RULES_URL")
                .ok()
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_else(|| DEFAULT_FEED.to_string())
}

pub struct UpdateOptions<'a> {
    pub url: &'a str,
    /// Expected sha256 (hex). Without it, `<url>.sha256` is fetched and checked when the server
    /// has one. A digest is never trusted on its own: it only catches a damaged download.
    pub sha256: Option<&'a str>,
    pub signatures: &'a Signatures,
    /// Install even if the bundle is older than the current database.
    pub force: bool,
    pub timeout: Duration,
    pub data_dir: &'a Path,
    /// `as_of` of the database in use now (installed or embedded).
    pub current_as_of: &'a str,
    /// The full check a bundle must pass before it is installed ([`crate::rulecheck::check`]).
    pub check: bundle::Check<'a>,
}

#[derive(Debug)]
pub struct Updated {
    pub path: PathBuf,
    pub as_of: String,
    pub sha256: String,
    /// The key that signed the bundle, and the signature's trusted comment (None when the
    /// signature was skipped).
    pub signed: Option<sign::Verified>,
}

/// Most redirects followed for one request.
pub const MAX_REDIRECTS: usize = 5;

fn is_loopback(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "::1" | "[::1]") || host.starts_with("127.")
}

fn loopback_url(u: &reqwest::Url) -> bool {
    u.host_str().is_some_and(is_loopback)
}

/// Whether the redirect number `hop` (1 for the first) from `from` to `to` may be followed, in a
/// chain that started at `original`: never more than [`MAX_REDIRECTS`], never from HTTPS down to
/// plain HTTP, plain HTTP only to a loopback address and only when the chain started at one.
pub fn check_redirect(
    original: &reqwest::Url,
    from: &reqwest::Url,
    to: &reqwest::Url,
    hop: usize,
) -> Result<(), String> {
    let refuse = |why: &str| Err(format!("redirect {hop} from {from} to {to} refused: {why}"));
    if hop > MAX_REDIRECTS {
        return refuse(&format!("more than {MAX_REDIRECTS} redirects"));
    }
    match to.scheme() {
        "https" => Ok(()),
        "http" if from.scheme() == "https" || original.scheme() == "https" => {
            refuse("a downgrade from https:// to plain http://")
        }
        "http" if !loopback_url(to) => {
            refuse("plain http:// is only accepted to a loopback address")
        }
        "http" if !loopback_url(original) => {
            refuse("plain http:// is only accepted when the request started at a loopback address")
        }
        "http" => Ok(()),
        s => refuse(&format!("only https:// is accepted (got {s}://)")),
    }
}

fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let prev = attempt.previous();
        let (Some(original), Some(from)) = (prev.first().cloned(), prev.last().cloned()) else {
            return attempt.error("redirect without a previous request");
        };
        match check_redirect(&original, &from, attempt.url(), prev.len()) {
            Ok(()) => attempt.follow(),
            Err(e) => attempt.error(e),
        }
    })
}

/// The HTTP client for untrusted servers (rules bundles, the hub's API): each connection and
/// each read is bounded by `timeout`, and redirects are checked hop by hop with
/// [`check_redirect`]. Use it with [`get`], which bounds the whole request.
pub fn client(timeout: Duration) -> Result<reqwest::blocking::Client, String> {
    reqwest::blocking::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(redirect_policy())
        .user_agent(concat!("modelgate/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot start the HTTP client: {e}"))
}

/// GETs `url` and returns its body, at most `limit` bytes, within `timeout` in total: connection,
/// redirects, headers and the whole body (a server sending one byte at a time cannot stretch
/// it). The request runs on its own thread, which checks the deadline between reads and stops
/// soon after it; the caller returns at the deadline in any case.
pub fn get(
    c: &reqwest::blocking::Client,
    url: &str,
    limit: u64,
    timeout: Duration,
) -> Result<Vec<u8>, String> {
    get_optional(c, url, limit, timeout)?
        .ok_or_else(|| format!("{url}: server answered {}", reqwest::StatusCode::NOT_FOUND))
}

/// [`get`], with `Ok(None)` when the server answers 404 Not Found.
pub fn get_optional(
    c: &reqwest::blocking::Client,
    url: &str,
    limit: u64,
    timeout: Duration,
) -> Result<Option<Vec<u8>>, String> {
    let deadline = Instant::now() + timeout;
    let (tx, rx) = std::sync::mpsc::channel();
    let (c, u) = (c.clone(), url.to_string());
    std::thread::spawn(move || {
        let _ = tx.send(get_until(&c, &u, limit, deadline));
    });
    match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(r) => r,
        Err(_) => Err(format!(
            "{url}: timed out (no complete answer within {:?})",
            timeout
        )),
    }
}

fn get_until(
    c: &reqwest::blocking::Client,
    url: &str,
    limit: u64,
    deadline: Instant,
) -> Result<Option<Vec<u8>>, String> {
    let timed_out = || format!("{url}: timed out");
    let mut resp = c
        .get(url)
        .send()
        .map_err(|e| format!("{url}: {}", describe(&e)))?;
    let status = resp.status();
    if status == reqwest::StatusCode::NOT_FOUND {
        return Ok(None);
    }
    if !status.is_success() {
        return Err(format!("{url}: server answered {status}"));
    }
    if let Some(len) = resp.content_length()
        && len > limit
    {
        return Err(format!(
            "{url}: {len} bytes is more than the {limit}-byte limit"
        ));
    }
    let mut body = Vec::new();
    let mut buf = vec![0u8; 64 << 10];
    loop {
        if Instant::now() >= deadline {
            return Err(timed_out());
        }
        let n = match resp.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("{url}: download failed: {e}")),
        };
        if body.len() as u64 + n as u64 > limit {
            return Err(format!("{url}: more than the {limit}-byte limit"));
        }
        body.extend_from_slice(&buf[..n]);
    }
    if Instant::now() >= deadline {
        return Err(timed_out());
    }
    Ok(Some(body))
}

/// An error and its causes (a refused redirect is the cause of reqwest's error).
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".into();
    }
    let mut s = if e.is_connect() {
        format!("cannot connect ({e})")
    } else {
        e.to_string()
    };
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let t = c.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cause = c.source();
    }
    s
}

/// Checks the URL: HTTPS, or plain HTTP to a loopback address (tests, local mirrors).
pub fn check_url(url: &str) -> Result<(), String> {
    let u = reqwest::Url::parse(url).map_err(|e| format!("`{url}` is not a URL: {e}"))?;
    match u.scheme() {
        "https" => Ok(()),
        "http" if u.host_str().is_some_and(is_loopback) => Ok(()),
        s => Err(format!("`{url}`: only https:// is accepted (got {s}://)")),
    }
}

/// The last path segment of `url`, to name the downloaded files in messages.
fn file_name(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.path_segments()?.next_back().map(str::to_string))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| url.to_string())
}

pub fn update(o: &UpdateOptions<'_>) -> Result<Updated, String> {
    check_url(o.url)?;
    let c = client(o.timeout)?;
    let body = get(&c, o.url, MAX_BUNDLE, o.timeout)?;
    let actual = bundle::sha256_hex(&body);
    let side = format!("{}.sha256", o.url);
    let expected = match o.sha256 {
        Some(h) => Some(h.trim().to_ascii_lowercase()),
        None => get_optional(&c, &side, 4096, o.timeout)?.map(|text| {
            String::from_utf8_lossy(&text)
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_lowercase()
        }),
    };
    if let Some(expected) = expected {
        if expected.len() != 64 || !expected.bytes().all(|b| b.is_ascii_hexdigit()) {
            // The server's text, shown inert.
            let shown: String = expected.chars().take(100).collect();
            return Err(format!(
                "`{}` is not a sha256 digest (64 hex digits)",
                crate::escape::display(&shown)
            ));
        }
        if actual != expected {
            return Err(format!(
                "sha256 mismatch: the download is {actual}, expected {expected}; nothing installed"
            ));
        }
    }
    // The signature is checked before the bundle is parsed: unsigned bytes reach no parser.
    let signed = match o.signatures {
        Signatures::Skip => None,
        Signatures::Require(keys) => {
            let sig_url = format!("{}{}", o.url, sign::SUFFIX);
            let sig = get_optional(&c, &sig_url, sign::MAX_SIGNATURE, o.timeout)?.ok_or_else(
                || {
                    format!(
                        "{sig_url}: no signature (the server answered 404); a bundle is installed only when signed by a trusted key; nothing installed"
                    )
                },
            )?;
            let name = file_name(o.url);
            Some(
                sign::verify(keys, &name, &body, &file_name(&sig_url), &sig)
                    .map_err(|e| crate::escape::display(&e).into_owned())?,
            )
        }
    };
    let db = bundle::load(
        &body,
        Origin::Dir(o.data_dir.join(bundle::FILE_NAME)),
        o.check,
    )
    .map_err(|p| {
        // Problems quote the downloaded content: shown inert.
        format!(
            "the bundle is invalid; nothing installed:\n{}",
            p.iter()
                .map(|l| crate::escape::display(l).into_owned())
                .collect::<Vec<_>>()
                .join("\n")
        )
    })?;
    if let Some(v) = &signed {
        sign::check_validity(v, &db.meta.as_of)?;
    }
    if db.meta.as_of.as_str() < o.current_as_of && !o.force {
        return Err(format!(
            "the bundle is dated {}, older than the database in use ({}); use --force to downgrade",
            db.meta.as_of, o.current_as_of
        ));
    }
    let path = bundle::install(o.data_dir, &body)
        .map_err(|e| format!("cannot install into {}: {e}", o.data_dir.display()))?;
    Ok(Updated {
        path,
        as_of: db.meta.as_of.clone(),
        sha256: actual,
        signed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> reqwest::Url {
        reqwest::Url::parse(s).unwrap()
    }

    #[test]
    fn redirects_are_checked_hop_by_hop() {
        let https = u("https://rules.example/b.json");
        let local = u("http://127.0.0.1:8080/b.json");
        // HTTPS anywhere is fine.
        assert!(check_redirect(&https, &https, &u("https://mirror.example/b.json"), 1).is_ok());
        // Never down to plain HTTP, not even to a loopback address.
        let e = check_redirect(&https, &https, &u("http://mirror.example/b.json"), 1).unwrap_err();
        assert!(e.contains("redirect 1 from https://rules.example/b.json to http://mirror.example/b.json refused: a downgrade"), "{e}");
        assert!(check_redirect(&https, &https, &u("http://127.0.0.1/b.json"), 1).is_err());
        // A chain that went through HTTPS cannot come back to plain HTTP either.
        let mid = u("https://127.0.0.1/x");
        assert!(check_redirect(&local, &mid, &u("http://127.0.0.1/y"), 2).is_err());
        // Plain HTTP: loopback to loopback only.
        assert!(check_redirect(&local, &local, &u("http://127.0.0.1:9/c.json"), 1).is_ok());
        let e = check_redirect(&local, &local, &u("http://evil.example/c.json"), 1).unwrap_err();
        assert!(e.contains("only accepted to a loopback address"), "{e}");
        // Other schemes, and too many hops.
        assert!(check_redirect(&https, &https, &u("file:///etc/passwd"), 1).is_err());
        let e = check_redirect(&https, &https, &https, MAX_REDIRECTS + 1).unwrap_err();
        assert!(e.contains("more than 5 redirects"), "{e}");
    }
}
