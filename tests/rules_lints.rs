//! The citation lints of `rules check`: every source has a URL and a kind, every listing of a
//! restriction list cites a primary source, no citation says how it was found, a withdrawn
//! listing has its date, and a procurement prohibition says whom it binds. Each test copies the
//! database into a temporary folder, breaks one entry and runs `modelgate rules check DIR`.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn copy_rules(to: &Path) {
    for (name, body) in modelgate::rules::embedded::FILES {
        let p = to.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
}

/// Copies the database, replaces `from` by `to` (once) in `file`, runs `rules check` on the copy
/// and returns its exit code and output.
fn check_with(file: &str, from: &str, to: &str) -> (Option<i32>, String) {
    let t = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    copy_rules(t.path());
    let f = t.path().join(file);
    let s = std::fs::read_to_string(&f).unwrap();
    assert!(s.contains(from), "{file} has no `{from}`");
    std::fs::write(&f, s.replacen(from, to, 1)).unwrap();
    let o = assert_cmd::Command::cargo_bin("modelgate")
        .unwrap()
        .current_dir(root())
        .env("MODELGATE_DATA_DIR", data.path())
        .args(["rules", "check", t.path().to_str().unwrap()])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.code(), text)
}

#[test]
fn the_database_passes_every_lint() {
    let db = modelgate::rules::Database::embedded().unwrap();
    let problems = modelgate::rules::validate(&db);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn a_source_without_url_is_refused() {
    let (code, out) = check_with(
        "sources.toml",
        "url = \"https://pypi.org/project/transformers/5.24.0/\"\n",
        "",
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("sources.toml:"), "{out}");
    assert!(out.contains("source `TF`: no url"), "{out}");
}

#[test]
fn a_url_that_is_not_http_is_refused() {
    let (code, out) = check_with(
        "sources.toml",
        "url = \"https://pypi.org/project/transformers/5.24.0/\"",
        "url = \"transformers 5.24.0\"",
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("is not an http(s) URL"), "{out}");
}

#[test]
fn a_source_without_kind_is_refused() {
    let (code, out) = check_with(
        "sources.toml",
        "url = \"https://pypi.org/project/transformers/5.24.0/\"\nkind = \"primary\"\n",
        "url = \"https://pypi.org/project/transformers/5.24.0/\"\n",
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("source `TF`: no kind"), "{out}");
}

#[test]
fn a_citation_naming_a_search_result_id_is_refused() {
    // Built at run time, so that the repository's own text holds no such citation.
    let hit_ids = format!("third-party code. {} ids: 62597746449, 66513451149", "Hit");
    for bad in [
        "public GitHub research note (lookup id 70099710725)",
        hit_ids.as_str(),
        "a note (id 70099710725)",
        "llama-arch.cpp (result id 123456789)",
    ] {
        let (code, out) = check_with(
            "sources.toml",
            "citation = \"PyPI transformers 5.24.0 wheel",
            &format!("citation = \"{bad}; PyPI transformers 5.24.0 wheel"),
        );
        assert_eq!(code, Some(1), "{bad}: {out}");
        assert!(
            out.contains("source `TF`: the citation says how it was found"),
            "{bad}: {out}"
        );
    }
}

#[test]
fn a_listing_without_a_primary_source_is_refused() {
    // The Zhipu listing cited only by its press source.
    let (code, out) = check_with(
        "lists.toml",
        "sources = [\"FR_2025_00704\", \"FR_2025_00704_NAMES\", \"ZAI_ENTITY_NOTE\"]",
        "sources = [\"FR_2025_00704_NAMES\"]",
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("lists.toml:"), "{out}");
    assert!(
        out.contains("listing `el-2025-zhipu`: no primary source"),
        "{out}"
    );
}

#[test]
fn a_withdrawn_listing_needs_its_date() {
    let (code, out) = check_with("lists.toml", "withdrawn_on = \"2025-01-07\"\n", "");
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("listing `dod-1260h-megvii`: withdrawn without withdrawn_on"),
        "{out}"
    );
}

#[test]
fn a_procurement_prohibition_names_whom_it_binds() {
    let (code, out) = check_with(
        "lists.toml",
        "applies_to = [\"U.S. Department of Defense\", \"contractors of the Department of Defense, in performing DoD contracts\"]\n",
        "",
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("listing `ndaa-fy26-1532-deepseek`: a procurement-prohibition names who"),
        "{out}"
    );
}

#[test]
fn a_list_note_needs_a_whole_suspension_window() {
    let (code, out) = check_with("lists.toml", "suspended_from = \"2025-11-12\"\n", "");
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("note `bis-affiliates-rule`: a suspension needs both"),
        "{out}"
    );
}

#[test]
fn search_traces_are_recognised_and_ordinary_citations_are_not() {
    use modelgate::rules::is_search_trace;
    assert!(is_search_trace("seen via a lookup (ids 6846209849, 34103272890)").is_some());
    assert!(is_search_trace(&format!("{} ids: 62597746449", "Hit")).is_some());
    assert!(is_search_trace("FR Doc 2025-00704, 90 FR 4617-4620, RIN 0694-AJ76").is_none());
    assert!(is_search_trace("github.com/x/y @ 0297c0b66043b582f4d3767ed3e06b34b66f4ae1").is_none());
    assert!(is_search_trace("Docket 200407-0100, CIK 1508913").is_none());
}
