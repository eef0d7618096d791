//! `modelgate rules check|list|export|diff|update`: inspect, validate, export and update the rules
//! database.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::dbsel::load_db;
use super::{Failure, Outcome, cannot_write, write_atomic};
use crate::rules::{self, Database, bundle};

/// `rules check [DIR]`: every problem of a database as `file:line: message`, or a one-line
/// summary of its contents. Exit 1 when there is a problem.
pub fn check(dir: Option<&Path>, out: &mut dyn Write) -> Outcome {
    let db = match dir {
        Some(d) => {
            if !d.is_dir() {
                return Err(Failure::Error(format!("{}: not a folder", d.display())));
            }
            match Database::from_dir_unchecked(d) {
                Ok(db) => db,
                Err(e) => {
                    writeln!(out, "{e}")?;
                    out.flush()?;
                    return Ok(1);
                }
            }
        }
        None => load_db(None).map_err(Failure::Error)?,
    };
    let problems = crate::rulecheck::check(&db);
    for p in &problems {
        writeln!(out, "{p}")?;
    }
    let code = if problems.is_empty() {
        writeln!(
            out,
            "{}: ok ({} organisations, {} families, {} namespaces, {} hosts, {} routes, {} patterns, {} packages, {} lists, {} listings, {} architectures, {} digests, {} sources; as of {})",
            db.origin,
            db.orgs.len(),
            db.families.len(),
            db.namespaces.len(),
            db.hosts.len(),
            db.routes.len(),
            db.patterns.len(),
            db.packages.len(),
            db.lists.len(),
            db.listings.len(),
            db.archs.len(),
            db.digests.len(),
            db.sources.len(),
            db.meta.as_of
        )?;
        0
    } else {
        writeln!(out, "{} problem(s)", problems.len())?;
        1
    };
    out.flush()?;
    Ok(code)
}

/// The kinds of database entry `rules list --kind` selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EntryKind {
    Org,
    Family,
    Host,
    Namespace,
    Route,
    Pattern,
    List,
    Listing,
    Source,
    Package,
}

/// How `rules list` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

/// One entry of `rules list`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    pub kind: &'static str,
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    pub sources: Vec<String>,
    pub as_of: String,
}

/// The entries of `db` (of one kind, or all), in the database's order by kind.
pub fn list_rows(db: &Database, kind: Option<EntryKind>) -> Vec<Row> {
    let want = |k: EntryKind| kind.is_none_or(|x| x == k);
    let mut rows = Vec::new();
    let row =
        |kind, id: &str, name: &str, country: Option<&str>, sources: &[String], as_of: &str| Row {
            kind,
            id: id.to_string(),
            name: name.to_string(),
            country: country.map(str::to_string),
            sources: sources.to_vec(),
            as_of: as_of.to_string(),
        };
    if want(EntryKind::Org) {
        rows.extend(db.orgs.iter().map(|o| {
            row(
                "org",
                &o.id,
                &o.name,
                Some(&o.country),
                &o.sources,
                &o.as_of,
            )
        }));
    }
    if want(EntryKind::Family) {
        rows.extend(
            db.families
                .iter()
                .map(|f| row("family", &f.id, &f.name, None, &f.sources, &f.as_of)),
        );
    }
    if want(EntryKind::Namespace) {
        rows.extend(db.namespaces.iter().map(|n| {
            row(
                "namespace",
                &format!("{}@{}", n.name, n.host),
                &n.org,
                None,
                &n.sources,
                &n.as_of,
            )
        }));
    }
    if want(EntryKind::Host) {
        rows.extend(db.hosts.iter().map(|h| {
            let name = format!("{} [{}; {}]", h.name, h.kind.as_str(), h.domains.join(", "));
            row(
                "host",
                &h.id,
                &name,
                Some(&h.jurisdiction),
                &h.sources,
                &h.as_of,
            )
        }));
    }
    if want(EntryKind::Route) {
        rows.extend(db.routes.iter().map(|r| {
            row(
                "route",
                &format!("{}/", r.prefix),
                &format!("{} → {}", r.tool, r.host),
                None,
                &r.sources,
                &r.as_of,
            )
        }));
    }
    if want(EntryKind::Pattern) {
        rows.extend(db.patterns.iter().map(|p| {
            let name = format!("{} ({})", p.kind.as_str(), p.org);
            row("pattern", &p.id, &name, None, &p.sources, &p.as_of)
        }));
    }
    if want(EntryKind::Package) {
        rows.extend(db.packages.iter().map(|p| {
            let what = if p.default_models.is_empty() {
                p.org.clone()
            } else {
                format!("default model {}", p.default_models.join(", "))
            };
            let name = format!("{} {} ({what})", p.ecosystem, p.name);
            row("package", &p.key(), &name, None, &p.sources, &p.as_of)
        }));
    }
    if want(EntryKind::List) {
        rows.extend(
            db.lists
                .iter()
                .map(|l| row("list", &l.id, &l.name, None, &l.sources, &l.as_of)),
        );
    }
    if want(EntryKind::Listing) {
        rows.extend(db.listings.iter().map(|l| {
            let name = format!(
                "{} on {} since {} ({})",
                l.org, l.list, l.effective, l.citation
            );
            row("listing", &l.id, &name, None, &l.sources, &l.as_of)
        }));
    }
    if want(EntryKind::Source) {
        rows.extend(
            db.sources
                .values()
                .map(|s| row("source", &s.id, &s.citation, None, &[], "")),
        );
    }
    rows
}

/// Writes rows as aligned text (kind, id, country, name, sources) or as a JSON array.
pub fn write_rows(rows: &[Row], format: ListFormat, out: &mut dyn Write) -> std::io::Result<()> {
    match format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, rows)?;
            writeln!(out)?;
        }
        ListFormat::Text => {
            for r in rows {
                writeln!(
                    out,
                    "{:<9} {:<36} {:<4} {}  [{}]",
                    r.kind,
                    r.id,
                    r.country.as_deref().unwrap_or("-"),
                    r.name,
                    r.sources.join(", ")
                )?;
            }
        }
    }
    out.flush()
}

/// `rules list`: the entries of the database in use (or of `--rules DIR`).
pub fn list(
    kind: Option<EntryKind>,
    format: ListFormat,
    rules: Option<&Path>,
    out: &mut dyn Write,
) -> Outcome {
    let db = load_db(rules).map_err(Failure::Error)?;
    write_rows(&list_rows(&db, kind), format, out)?;
    Ok(0)
}

/// `rules export`: the database in use (or `--rules DIR`) as a bundle file, with `FILE.sha256`
/// beside it.
pub fn export(
    output: &Path,
    rules: Option<&Path>,
    sign: Option<&Path>,
    out: &mut dyn Write,
) -> Outcome {
    let db = load_db(rules).map_err(Failure::Error)?;
    let bytes = bundle::export(&db);
    let digest = bundle::sha256_hex(&bytes);
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Signed before anything is written, so a bad key leaves no unsigned bundle behind.
    let signature = match sign {
        Some(k) => {
            Some(rules::sign::sign(k, &bytes, &name, &db.meta.as_of).map_err(Failure::Error)?)
        }
        None => None,
    };
    write_atomic(output, &|w| w.write_all(&bytes)).map_err(cannot_write(output))?;
    let side = PathBuf::from(format!("{}.sha256", output.display()));
    write_atomic(&side, &|w| writeln!(w, "{digest}  {name}")).map_err(cannot_write(&side))?;
    if let Some(sig) = &signature {
        let p = PathBuf::from(format!("{}{}", output.display(), rules::sign::SUFFIX));
        write_atomic(&p, &|w| w.write_all(sig.as_bytes())).map_err(cannot_write(&p))?;
        writeln!(
            out,
            "wrote {} (key {})",
            p.display(),
            rules::sign::signature_key_id(sig).unwrap_or_default()
        )?;
    }
    writeln!(
        out,
        "wrote {} (rules {}, sha256 {digest})",
        output.display(),
        db.meta.as_of
    )?;
    out.flush()?;
    Ok(0)
}

/// `rules diff OLD NEW`: added, changed, withdrawn and removed entries between two databases
/// (folders or bundle files).
pub fn diff(old: &Path, new: &Path, out: &mut dyn Write) -> Outcome {
    let load = |p: &Path| rules::diff::load(p).map_err(Failure::Error);
    let text = rules::diff::report(&load(old)?, &load(new)?);
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(0)
}

/// What `rules update` was asked for.
#[derive(Debug, Clone)]
pub struct UpdateRequest {
    /// Bundle URL; default `$MODELGATE_RULES_URL`, else the project's feed.
    pub from: Option<String>,
    /// Expected sha256 of the bundle (checked in addition to the signature).
    pub sha256: Option<String>,
    /// Trust only the keys in this file (a `.pub` file or a key list); only with `from`.
    pub trusted_key: Option<PathBuf>,
    /// Do not check the signature; only with `from`.
    pub insecure_skip_signature: bool,
    /// Install even when the bundle is older than the database in use.
    pub force: bool,
    /// Network timeout in seconds (at least 1).
    pub timeout_secs: u64,
}

/// `rules update`: downloads a bundle and its signature, verifies the signature against the
/// trusted keys, validates the bundle and installs it into the data directory. Warnings about
/// weakened checks go to `err`.
pub fn update(req: &UpdateRequest, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    let url = rules::update::feed_url(req.from.as_deref());
    let signatures = rules::update::signatures(
        req.from.as_deref(),
        req.trusted_key.as_deref(),
        req.insecure_skip_signature,
    )
    .map_err(Failure::Error)?;
    if req.insecure_skip_signature {
        writeln!(
            err,
            "modelgate: warning: --insecure-skip-signature: the bundle's signature is not checked; anyone who can change what {url} serves decides your rules"
        )?;
    } else if let Some(k) = &req.trusted_key {
        writeln!(
            err,
            "modelgate: warning: trusting only the key(s) in {} for this update, not the project's keys",
            k.display()
        )?;
    }
    let dir = bundle::data_dir().ok_or_else(|| {
        Failure::Error("no data directory: set MODELGATE_DATA_DIR or HOME".into())
    })?;
    let current = load_db(None).map_err(Failure::Error)?;
    let done = rules::update::update(&rules::update::UpdateOptions {
        url: &url,
        sha256: req.sha256.as_deref(),
        signatures: &signatures,
        force: req.force,
        timeout: std::time::Duration::from_secs(req.timeout_secs.max(1)),
        data_dir: &dir,
        current_as_of: &current.meta.as_of,
        check: &crate::rulecheck::check,
    })
    .map_err(Failure::Error)?;
    let signed = done
        .signed
        .as_ref()
        .map_or("not signature-checked".into(), |v| {
            format!("signed by key {}", v.key.id)
        });
    writeln!(
        out,
        "installed rules {} (sha256 {}, {signed}) into {}; previous: {} ({})",
        done.as_of,
        done.sha256,
        done.path.display(),
        current.meta.as_of,
        current.origin
    )?;
    out.flush()?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_rows_select_one_kind_or_all() {
        let db = Database::embedded().unwrap();
        let all = list_rows(&db, None);
        let orgs = list_rows(&db, Some(EntryKind::Org));
        assert_eq!(orgs.len(), db.orgs.len());
        assert!(orgs.iter().all(|r| r.kind == "org" && r.country.is_some()));
        let kinds = [
            EntryKind::Org,
            EntryKind::Family,
            EntryKind::Host,
            EntryKind::Namespace,
            EntryKind::Route,
            EntryKind::Pattern,
            EntryKind::List,
            EntryKind::Listing,
            EntryKind::Source,
            EntryKind::Package,
        ];
        let sum: usize = kinds.iter().map(|k| list_rows(&db, Some(*k)).len()).sum();
        assert_eq!(sum, all.len());
        let mut text = Vec::new();
        write_rows(&orgs[..1], ListFormat::Text, &mut text).unwrap();
        let line = String::from_utf8(text).unwrap();
        assert!(line.starts_with("org       "), "{line}");
        assert!(line.contains(&orgs[0].id), "{line}");
        let mut json = Vec::new();
        write_rows(&orgs[..1], ListFormat::Json, &mut json).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(v[0]["id"], orgs[0].id.as_str());
    }
}
