//! `rules update`: download a bundle over HTTPS, verify its sha256, validate it with the same
//! checks as `rules check`, refuse a downgrade, and install it atomically. Any failure leaves the
//! installed bundle as it was.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::Origin;
use super::bundle::{self, MAX_BUNDLE};

pub struct UpdateOptions<'a> {
    pub url: &'a str,
    /// Expected sha256 (hex). Without it, `<url>.sha256` is fetched and used.
    pub sha256: Option<&'a str>,
    /// Install even if the bundle is older than the current database.
    pub force: bool,
    pub timeout: Duration,
    pub data_dir: &'a Path,
    /// `as_of` of the database in use now (installed or embedded).
    pub current_as_of: &'a str,
}

#[derive(Debug)]
pub struct Updated {
    pub path: PathBuf,
    pub as_of: String,
    pub sha256: String,
}

fn is_loopback(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "::1" | "[::1]") || host.starts_with("127.")
}

fn client(timeout: Duration) -> Result<reqwest::blocking::Client, String> {
    reqwest::blocking::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::limited(5))
        .user_agent(concat!("modelgate/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot start the HTTP client: {e}"))
}

fn get(c: &reqwest::blocking::Client, url: &str, limit: u64) -> Result<Vec<u8>, String> {
    let resp = c
        .get(url)
        .send()
        .map_err(|e| format!("{url}: {}", describe(&e)))?;
    let status = resp.status();
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
    resp.take(limit + 1)
        .read_to_end(&mut body)
        .map_err(|e| format!("{url}: download failed: {e}"))?;
    if body.len() as u64 > limit {
        return Err(format!("{url}: more than the {limit}-byte limit"));
    }
    Ok(body)
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        format!("cannot connect ({e})")
    } else {
        e.to_string()
    }
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

pub fn update(o: &UpdateOptions<'_>) -> Result<Updated, String> {
    check_url(o.url)?;
    let c = client(o.timeout)?;
    let body = get(&c, o.url, MAX_BUNDLE)?;
    let actual = bundle::sha256_hex(&body);
    let expected = match o.sha256 {
        Some(h) => h.trim().to_ascii_lowercase(),
        None => {
            let side = format!("{}.sha256", o.url);
            let text = get(&c, &side, 4096)?;
            String::from_utf8_lossy(&text)
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_lowercase()
        }
    };
    if expected.len() != 64 || !expected.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "`{expected}` is not a sha256 digest (64 hex digits)"
        ));
    }
    if actual != expected {
        return Err(format!(
            "sha256 mismatch: the download is {actual}, expected {expected}; nothing installed"
        ));
    }
    let db = bundle::load(&body, Origin::Dir(o.data_dir.join(bundle::FILE_NAME))).map_err(|p| {
        format!(
            "the bundle is invalid; nothing installed:\n{}",
            p.join("\n")
        )
    })?;
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
    })
}
