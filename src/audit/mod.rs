//! `modelgate audit`: many repositories, each scanned with its own policy, and `modelgate merge`:
//! the per-repository outputs of one run or of several shard runs combined into one report.
//!
//! - [`Repo`] and [`plan`]: the repositories to audit (paths, clone URLs, a list file, a GitHub
//!   organisation through [`github`]), each with a stable id, and [`Shard`]: the deterministic
//!   subset `I/N` of a plan, chosen by a hash of the id (not by position, so adding a repository
//!   moves no other one to another shard).
//! - [`run`]: each repository of a shard is cloned when it is a URL (git with its configuration
//!   and hooks neutralised), scanned by the scan function the command gives it, and written to
//!   `DIR/repos/<safe-name>/` with a status file.
//! - [`merge`]: the per-repository outputs of one or more folders read back and combined into
//!   `merged.json` and `merged.md`, identical whatever the number of shards.

pub mod github;
pub mod merge;
pub mod run;

use std::path::{Path, PathBuf};

use sha2::Digest;

/// The folder of per-repository outputs inside an output folder.
pub const REPOS_DIR: &str = "repos";
/// The status file of one repository's output folder.
pub const STATUS_FILE: &str = "status.json";
/// The shard description of an output folder (which plan, which shard, which repositories).
pub const SHARD_FILE: &str = "shard.json";
/// Most characters of an id kept in a folder name (a hash of the whole id follows them).
const SAFE_NAME_CHARS: usize = 60;

/// Where a repository's files come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A folder on this machine, scanned in place.
    Path(PathBuf),
    /// A clone URL, cloned with `git clone --depth 1` into a temporary folder.
    Url(String),
}

/// One repository of an audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    /// Stable id: the entry as written (a path as given, a URL without credentials), or the
    /// `owner/name` of a repository listed through the GitHub API. Reports name the repository
    /// by it and shards are chosen by its hash, so it must not depend on the machine.
    pub id: String,
    /// The organisation or user that owns it, when known (GitHub listing, or the first path
    /// segment of a clone URL).
    pub owner: Option<String>,
    pub location: Location,
}

impl Repo {
    /// A repository entry: a clone URL (`https://`, `ssh://`, `git://`, `file://`, or
    /// `user@host:path`), otherwise a path, resolved against `base` when relative.
    pub fn from_entry(entry: &str, base: Option<&Path>) -> Result<Repo, String> {
        let entry = entry.trim();
        if entry.is_empty() {
            return Err("empty repository entry".into());
        }
        if entry.starts_with('-') {
            return Err(format!(
                "`{entry}`: a repository entry cannot start with `-`"
            ));
        }
        if is_url(entry) {
            let id = strip_credentials(entry);
            return Ok(Repo {
                owner: url_owner(&id),
                id,
                location: Location::Url(entry.to_string()),
            });
        }
        let p = PathBuf::from(entry);
        let location = match base {
            Some(b) if p.is_relative() => b.join(&p),
            _ => p,
        };
        Ok(Repo {
            id: entry.trim_end_matches('/').to_string(),
            owner: None,
            location: Location::Path(location),
        })
    }

    /// The folder name of this repository's outputs: the id's safe characters (at most
    /// [`SAFE_NAME_CHARS`]), then 10 hex digits of its sha256, so distinct ids never share one.
    pub fn safe_name(&self) -> String {
        safe_name(&self.id)
    }
}

/// See [`Repo::safe_name`].
pub fn safe_name(id: &str) -> String {
    let mut s: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let trimmed = s.trim_matches(|c| c == '.' || c == '_').to_string();
    s = trimmed.chars().take(SAFE_NAME_CHARS).collect();
    if s.is_empty() {
        s.push_str("repo");
    }
    let digest = sha2::Sha256::digest(id.as_bytes());
    format!("{s}-{}", &crate::util::hex(&digest)[..10])
}

fn is_url(s: &str) -> bool {
    if let Some((scheme, rest)) = s.split_once("://") {
        return !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.')
            && !rest.is_empty();
    }
    // scp-like `user@host:path` (a colon before any slash, and a user part).
    match (s.find(':'), s.find('/'), s.find('@')) {
        (Some(colon), slash, Some(at)) => at < colon && slash.is_none_or(|sl| colon < sl),
        _ => false,
    }
}

/// The URL without a `user:password@` part (a token in a clone URL must not reach a report).
/// The user of an scp-like address (`git@host:path`) is kept: it is not a secret.
fn strip_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let end = rest.find('/').unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

/// The first path segment of a clone URL (`https://host/OWNER/name`, `git@host:OWNER/name`).
fn url_owner(url: &str) -> Option<String> {
    let path = match url.split_once("://") {
        Some(("file", _)) => return None,
        Some((_, rest)) => rest.split_once('/')?.1,
        None => url.split_once(':')?.1,
    };
    let mut segs = path.split('/').filter(|s| !s.is_empty());
    let owner = segs.next()?;
    // Only when a repository name follows (a bare `host/name.git` has no owner).
    segs.next()?;
    Some(owner.to_string())
}

/// Reads a repository list: one entry a line (a path, relative to the list's folder, or a clone
/// URL); blank lines and lines starting with `#` are ignored.
pub fn read_list(path: &Path) -> Result<Vec<Repo>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let base = path.parent().unwrap_or(Path::new(""));
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        out.push(
            Repo::from_entry(l, Some(base))
                .map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?,
        );
    }
    Ok(out)
}

/// The plan: every repository once, sorted by id. The same id given twice for different
/// locations is an error (the outputs would collide).
pub fn plan(mut repos: Vec<Repo>) -> Result<Vec<Repo>, String> {
    repos.sort_by(|a, b| a.id.cmp(&b.id));
    repos.dedup();
    for w in repos.windows(2) {
        if w[0].id == w[1].id {
            return Err(format!(
                "the repository `{}` is given twice, at different locations",
                w[0].id
            ));
        }
    }
    if repos.is_empty() {
        return Err(
            "no repositories to audit (give paths, --repos FILE or --github-org ORG)".into(),
        );
    }
    Ok(repos)
}

/// The digest of a plan's ids: shards of one plan carry the same one, so `merge` can tell that
/// they belong together.
pub fn plan_digest(repos: &[Repo]) -> String {
    let mut h = sha2::Sha256::new();
    for r in repos {
        h.update(r.id.as_bytes());
        h.update(b"\n");
    }
    crate::util::hex(&h.finalize())
}

/// Shard `index` of `count` (1-based: `1/4` … `4/4`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    pub const ALL: Shard = Shard { index: 1, count: 1 };

    /// Parses `I/N` with 1 ≤ I ≤ N.
    pub fn parse(s: &str) -> Result<Shard, String> {
        let bad = || format!("`{s}` is not a shard: expected I/N with 1 <= I <= N, e.g. 2/4");
        let (i, n) = s.trim().split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Whether the repository `id` belongs to this shard: the first 8 bytes of sha256(id), as a
    /// big-endian number, modulo the count.
    pub fn contains(&self, id: &str) -> bool {
        let d = sha2::Sha256::digest(id.as_bytes());
        let mut b = [0u8; 8];
        b.copy_from_slice(&d[..8]);
        u64::from_be_bytes(b) % u64::from(self.count) == u64::from(self.index - 1)
    }

    /// The repositories of `plan` in this shard, in plan order.
    pub fn select(&self, plan: &[Repo]) -> Vec<Repo> {
        plan.iter()
            .filter(|r| self.contains(&r.id))
            .cloned()
            .collect()
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(id: &str) -> Repo {
        Repo::from_entry(id, None).unwrap()
    }

    #[test]
    fn entries_are_urls_or_paths_and_ids_carry_no_credentials() {
        let r = repo("https://x-access-token:secret@github.com/acme/app.git");
        assert_eq!(r.id, "https://github.com/acme/app.git");
        assert_eq!(r.owner.as_deref(), Some("acme"));
        assert_eq!(
            r.location,
            Location::Url("https://x-access-token:secret@github.com/acme/app.git".into())
        );
        let r = repo("git@github.com:acme/tool.git");
        assert_eq!(r.id, "git@github.com:acme/tool.git");
        assert_eq!(r.owner.as_deref(), Some("acme"));
        let r = repo("file:///srv/git/a.git");
        assert!(matches!(r.location, Location::Url(_)));
        assert_eq!(r.owner, None);
        let r = Repo::from_entry("repos/app-1/", Some(Path::new("/lists"))).unwrap();
        assert_eq!(r.id, "repos/app-1");
        assert_eq!(r.owner, None);
        assert_eq!(
            r.location,
            Location::Path(PathBuf::from("/lists/repos/app-1/"))
        );
        assert!(matches!(repo("C:/repos/app").location, Location::Path(_)));
        assert!(Repo::from_entry("--upload-pack=x", None).is_err());
    }

    #[test]
    fn safe_names_are_distinct_and_plain() {
        let a = safe_name("acme/app");
        let b = safe_name("acme_app");
        assert_ne!(a, b);
        assert!(a.starts_with("acme_app-"), "{a}");
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        );
        assert!(safe_name("../..").starts_with("repo-"));
        assert!(safe_name(&"x".repeat(500)).len() < 80);
    }

    #[test]
    fn shards_partition_the_plan_by_id_hash() {
        let plan: Vec<Repo> = (0..200).map(|i| repo(&format!("r{i}"))).collect();
        let shards: Vec<Vec<Repo>> = (1..=4)
            .map(|i| Shard { index: i, count: 4 }.select(&plan))
            .collect();
        assert_eq!(shards.iter().map(Vec::len).sum::<usize>(), 200);
        for r in &plan {
            assert_eq!(shards.iter().filter(|s| s.contains(r)).count(), 1);
        }
        // Every shard gets some: the hash spreads them.
        assert!(
            shards.iter().all(|s| s.len() > 20),
            "{:?}",
            shards.iter().map(Vec::len).collect::<Vec<_>>()
        );
        // Membership depends on the id alone, not on the other repositories.
        let alone = Shard { index: 1, count: 4 }.select(&plan[..1]);
        assert_eq!(alone.len(), usize::from(shards[0].contains(&plan[0])));
        assert_eq!(Shard::parse("2/4"), Ok(Shard { index: 2, count: 4 }));
        assert!(Shard::parse("0/4").is_err());
        assert!(Shard::parse("5/4").is_err());
        assert!(Shard::parse("1").is_err());
        assert_eq!(Shard::ALL.select(&plan).len(), 200);
    }

    #[test]
    fn a_plan_is_sorted_and_refuses_one_id_at_two_places() {
        let p = plan(vec![repo("b"), repo("a"), repo("b")]).unwrap();
        assert_eq!(
            p.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        let clash = Repo {
            location: Location::Path("/elsewhere".into()),
            ..repo("a")
        };
        assert!(plan(vec![repo("a"), clash]).is_err());
        assert!(plan(Vec::new()).is_err());
    }
}
