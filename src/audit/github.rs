//! `--github-org ORG`: the repositories of an organisation through the GitHub REST API,
//! `GET {api}/orgs/{org}/repos?per_page=100&page=N` with `Authorization: Bearer TOKEN`, page after
//! page along `Link: <…>; rel="next"`. Rate limits are honoured with a bounded wait: an answer 403
//! or 429 with `Retry-After`, or with `X-RateLimit-Remaining: 0` and `X-RateLimit-Reset`, is
//! retried after that wait when it is at most `max_wait`, and is an error otherwise; a page that
//! leaves `X-RateLimit-Remaining: 0` makes the next request wait for the reset the same way.
//!
//! Requests go through the client of `rules update` (connection and read timeouts, redirects
//! checked hop by hop); each request, body included, must complete within `timeout`, and a page
//! is at most [`MAX_PAGE`] bytes. The token is sent to the API's origin only: a `next` link to
//! another origin is refused.

use std::io::Read;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::{Location, Repo};
use crate::rules::update;

/// Largest page accepted (100 repositories take about 600 KB).
pub const MAX_PAGE: u64 = 16 << 20;
/// Most pages read (100,000 repositories).
pub const MAX_PAGES: usize = 1000;
/// Most rate-limit retries of one page.
pub const MAX_RETRIES: usize = 5;

pub struct GithubOptions<'a> {
    /// API base URL, e.g. `https://api.github.com` (plain http only to a loopback address).
    pub api: &'a str,
    pub org: &'a str,
    pub token: Option<&'a str>,
    /// Whole-request deadline.
    pub timeout: Duration,
    /// Longest wait for a rate limit to reset; a longer one is an error.
    pub max_wait: Duration,
}

/// What one request answered.
struct Answer {
    status: u16,
    link: Option<String>,
    remaining: Option<u64>,
    reset: Option<u64>,
    retry_after: Option<u64>,
    body: Vec<u8>,
}

/// The organisation's repositories (ids `owner/name`, cloned from their `clone_url`), in the
/// API's order; `progress` gets a line per wait.
pub fn list_org(
    o: &GithubOptions<'_>,
    progress: &mut dyn std::io::Write,
) -> Result<Vec<Repo>, String> {
    update::check_url(o.api)?;
    if o.org.is_empty()
        || !o
            .org
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        return Err(format!("`{}` is not a GitHub organisation name", o.org));
    }
    let base = reqwest::Url::parse(o.api).map_err(|e| format!("`{}`: {e}", o.api))?;
    let client = update::client(o.timeout)?;
    let mut url = format!(
        "{}/orgs/{}/repos?per_page=100&page=1",
        o.api.trim_end_matches('/'),
        o.org
    );
    let mut repos = Vec::new();
    let mut wait_before: Option<Duration> = None;
    for _ in 0..MAX_PAGES {
        let mut retries = 0;
        let answer = loop {
            if let Some(w) = wait_before.take() {
                let _ = writeln!(
                    progress,
                    "modelgate: GitHub rate limit: waiting {} s",
                    w.as_secs_f64().ceil()
                );
                std::thread::sleep(w);
            }
            let a = fetch(&client, &url, o.token, o.timeout)?;
            if (a.status == 403 || a.status == 429)
                && (a.retry_after.is_some() || a.remaining == Some(0))
            {
                let w = rate_wait(&a, now_secs());
                if w > o.max_wait {
                    return Err(format!(
                        "{url}: rate limited (HTTP {}); the limit resets in {} s, more than --max-rate-wait {} s",
                        a.status,
                        w.as_secs(),
                        o.max_wait.as_secs()
                    ));
                }
                retries += 1;
                if retries > MAX_RETRIES {
                    return Err(format!(
                        "{url}: still rate limited after {MAX_RETRIES} waits"
                    ));
                }
                wait_before = Some(w);
                continue;
            }
            break a;
        };
        if answer.status != 200 {
            let msg = serde_json::from_slice::<serde_json::Value>(&answer.body)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_string))
                .unwrap_or_default();
            return Err(format!(
                "{url}: server answered {}{}",
                answer.status,
                if msg.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", crate::escape::display(&msg))
                }
            ));
        }
        repos.extend(parse_page(&answer.body, &url)?);
        let Some(next) = answer.link.as_deref().and_then(next_link) else {
            return Ok(repos);
        };
        let next_url =
            reqwest::Url::parse(&next).map_err(|e| format!("next page `{next}`: {e}"))?;
        if next_url.origin() != base.origin() {
            return Err(format!(
                "next page `{next}` is not on {}: refused (the token goes to the API only)",
                o.api
            ));
        }
        if answer.remaining == Some(0) {
            let w = rate_wait(&answer, now_secs());
            if w > o.max_wait {
                return Err(format!(
                    "rate limit exhausted after {} repositories; it resets in {} s, more than --max-rate-wait {} s",
                    repos.len(),
                    w.as_secs(),
                    o.max_wait.as_secs()
                ));
            }
            wait_before = Some(w);
        }
        url = next;
    }
    Err(format!("more than {MAX_PAGES} pages of repositories"))
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// How long to wait before the next request: `Retry-After` seconds, else until
/// `X-RateLimit-Reset` (epoch seconds; at least 1 s), else 60 s (GitHub's advice for a secondary
/// limit without either header).
fn rate_wait(a: &Answer, now: u64) -> Duration {
    if let Some(s) = a.retry_after {
        return Duration::from_secs(s);
    }
    match a.reset {
        Some(r) => Duration::from_secs(r.saturating_sub(now).max(1)),
        None => Duration::from_secs(60),
    }
}

/// The `rel="next"` target of a `Link` header.
fn next_link(header: &str) -> Option<String> {
    for part in header.split(',') {
        let (target, params) = part.split_once(';')?;
        let target = target.trim();
        let is_next = params.split(';').any(|p| {
            let p = p.trim();
            p == "rel=\"next\"" || p == "rel=next"
        });
        if is_next && target.starts_with('<') && target.ends_with('>') {
            return Some(target[1..target.len() - 1].to_string());
        }
    }
    None
}

fn parse_page(body: &[u8], url: &str) -> Result<Vec<Repo>, String> {
    let v: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("{url}: not JSON: {e}"))?;
    let items = v
        .as_array()
        .ok_or_else(|| format!("{url}: expected a list of repositories"))?;
    let mut out = Vec::with_capacity(items.len());
    for it in items {
        let full = it["full_name"].as_str();
        let clone = it["clone_url"].as_str();
        let (Some(full), Some(clone)) = (full, clone) else {
            return Err(format!(
                "{url}: a repository without full_name or clone_url"
            ));
        };
        if clone.starts_with('-') || full.starts_with('-') {
            return Err(format!("{url}: refused repository `{full}`"));
        }
        out.push(Repo {
            id: full.to_string(),
            owner: it["owner"]["login"]
                .as_str()
                .map(str::to_string)
                .or_else(|| full.split_once('/').map(|(o, _)| o.to_string())),
            location: Location::Url(clone.to_string()),
        });
    }
    Ok(out)
}

/// One GET within `timeout` (body included, at most [`MAX_PAGE`] bytes), on its own thread.
fn fetch(
    c: &reqwest::blocking::Client,
    url: &str,
    token: Option<&str>,
    timeout: Duration,
) -> Result<Answer, String> {
    let deadline = Instant::now() + timeout;
    let (tx, rx) = std::sync::mpsc::channel();
    let (c, u, t) = (c.clone(), url.to_string(), token.map(str::to_string));
    std::thread::spawn(move || {
        let _ = tx.send(fetch_until(&c, &u, t.as_deref(), deadline));
    });
    match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(r) => r,
        Err(_) => Err(format!(
            "{url}: timed out (no complete answer within {timeout:?})"
        )),
    }
}

fn fetch_until(
    c: &reqwest::blocking::Client,
    url: &str,
    token: Option<&str>,
    deadline: Instant,
) -> Result<Answer, String> {
    let mut req = c
        .get(url)
        .header(reqwest::header::ACCEPT, "application/vnd.github+json")
        .header("X-GitHub-Api-Version", "2022-11-28");
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let mut resp = req.send().map_err(|e| format!("{url}: {e}"))?;
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let number = |name: &str| header(name).and_then(|v| v.trim().parse::<u64>().ok());
    let mut a = Answer {
        status: resp.status().as_u16(),
        link: header("link"),
        remaining: number("x-ratelimit-remaining"),
        reset: number("x-ratelimit-reset"),
        retry_after: number("retry-after"),
        body: Vec::new(),
    };
    if resp.content_length().is_some_and(|n| n > MAX_PAGE) {
        return Err(format!("{url}: more than the {MAX_PAGE}-byte limit"));
    }
    let mut buf = vec![0u8; 64 << 10];
    loop {
        if Instant::now() >= deadline {
            return Err(format!("{url}: timed out"));
        }
        let n = match resp.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("{url}: {e}")),
        };
        if a.body.len() as u64 + n as u64 > MAX_PAGE {
            return Err(format!("{url}: more than the {MAX_PAGE}-byte limit"));
        }
        a.body.extend_from_slice(&buf[..n]);
    }
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_links_are_read_from_the_link_header() {
        let h = r#"<https://api.github.com/organizations/1/repos?page=2>; rel="next", <https://api.github.com/organizations/1/repos?page=5>; rel="last""#;
        assert_eq!(
            next_link(h).as_deref(),
            Some("https://api.github.com/organizations/1/repos?page=2")
        );
        let last = r#"<https://api.github.com/x?page=1>; rel="prev", <https://api.github.com/x?page=1>; rel="first""#;
        assert_eq!(next_link(last), None);
    }

    #[test]
    fn waits_follow_retry_after_then_the_reset_time() {
        let a = |retry_after, reset| Answer {
            status: 403,
            link: None,
            remaining: Some(0),
            reset,
            retry_after,
            body: Vec::new(),
        };
        assert_eq!(
            rate_wait(&a(Some(7), Some(1000)), 10),
            Duration::from_secs(7)
        );
        assert_eq!(
            rate_wait(&a(None, Some(1000)), 990),
            Duration::from_secs(10)
        );
        assert_eq!(rate_wait(&a(None, Some(5)), 990), Duration::from_secs(1));
        assert_eq!(rate_wait(&a(None, None), 990), Duration::from_secs(60));
    }

    #[test]
    fn pages_become_repositories() {
        let body = br#"[{"full_name":"acme/app","clone_url":"https://github.com/acme/app.git","owner":{"login":"acme"}}]"#;
        let r = parse_page(body, "u").unwrap();
        assert_eq!(r[0].id, "acme/app");
        assert_eq!(r[0].owner.as_deref(), Some("acme"));
        assert!(parse_page(br#"[{"full_name":"a/b"}]"#, "u").is_err());
        assert!(parse_page(br#"{"message":"Not Found"}"#, "u").is_err());
    }
}
