//! modelgate's own files: its policy file, baselines and the reports it writes. They name models
//! because modelgate (or a reviewer) put them there, so the per-file path skips them with a
//! note instead of reporting every finding a second time.

/// A file modelgate itself writes or reads as configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnFile {
    Policy,
    Baseline,
    JsonReport,
    SarifReport,
    MarkdownReport,
    CycloneDx,
    HtmlReport,
}

impl OwnFile {
    pub fn as_str(self) -> &'static str {
        match self {
            OwnFile::Policy => "policy file",
            OwnFile::Baseline => "baseline",
            OwnFile::JsonReport => "JSON report",
            OwnFile::SarifReport => "SARIF report",
            OwnFile::MarkdownReport => "Markdown report",
            OwnFile::CycloneDx => "CycloneDX BOM",
            OwnFile::HtmlReport => "HTML report",
        }
    }
}

/// Whether a text file is one of modelgate's own: its policy file (named so, and a TOML document
/// of only the policy's tables), a baseline, or a report it wrote (JSON, SARIF, CycloneDX,
/// Markdown, HTML), recognised by content — a whole document of that format that names modelgate
/// as its producer — never by name alone. Such a file names models because modelgate wrote them
/// there (or a reviewer allowed them); scanning it would report every finding twice.
pub fn own_file(rel: &str, bytes: &[u8]) -> Option<OwnFile> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let body = &bytes[start..];
    if crate::config::FILE_NAMES.contains(&name) {
        let text = std::str::from_utf8(bytes).ok()?;
        let table: toml::Table = toml::from_str(text).ok()?;
        let policy_keys = ["policy", "checks", "paths", "allow"];
        return table
            .keys()
            .all(|k| policy_keys.contains(&k.as_str()))
            .then_some(OwnFile::Policy);
    }
    if body.first() == Some(&b'{') {
        // Cheap test first: the producer's name is near the start of every format written.
        let head = &body[..body.len().min(4096)];
        memchr::memmem::find(head, b"modelgate")?;
        return json_own(body);
    }
    if body.starts_with(b"## modelgate\n") || body.starts_with(b"## modelgate\r\n") {
        let text = String::from_utf8_lossy(&body[..body.len().min(1024)]);
        let summary = text.lines().nth(2).unwrap_or("");
        return (summary.starts_with("**") && summary.contains(" · rules "))
            .then_some(OwnFile::MarkdownReport);
    }
    if name.ends_with(".html") || name.ends_with(".htm") {
        let head = &body[..body.len().min(4096)];
        return (memchr::memmem::find(head, b"<meta name=\"generator\" content=\"modelgate")
            .is_some())
        .then_some(OwnFile::HtmlReport);
    }
    None
}

/// A JSON document written by modelgate: its report, baseline, SARIF log or CycloneDX BOM.
fn json_own(body: &[u8]) -> Option<OwnFile> {
    #[derive(serde::Deserialize)]
    struct Probe {
        format: Option<String>,
        #[serde(rename = "bomFormat")]
        bom_format: Option<String>,
        runs: Option<Vec<SarifRun>>,
        metadata: Option<serde_json::Value>,
    }
    #[derive(serde::Deserialize)]
    struct SarifRun {
        tool: SarifTool,
    }
    #[derive(serde::Deserialize)]
    struct SarifTool {
        driver: SarifDriver,
    }
    #[derive(serde::Deserialize)]
    struct SarifDriver {
        name: String,
    }
    let p: Probe = serde_json::from_slice(body).ok()?;
    match p.format.as_deref() {
        Some("modelgate-report") => return Some(OwnFile::JsonReport),
        Some(crate::suppress::BASELINE_FORMAT) => return Some(OwnFile::Baseline),
        _ => {}
    }
    if let Some(runs) = &p.runs
        && !runs.is_empty()
        && runs.iter().all(|r| r.tool.driver.name == "modelgate")
    {
        return Some(OwnFile::SarifReport);
    }
    if p.bom_format.as_deref() == Some("CycloneDX") {
        let tools = p.metadata.as_ref().and_then(|m| m.get("tools"));
        let named =
            |v: &serde_json::Value| v.get("name").and_then(|n| n.as_str()) == Some("modelgate");
        let by_modelgate = match tools {
            Some(serde_json::Value::Array(a)) => a.iter().any(named),
            Some(t) => t
                .get("components")
                .and_then(|c| c.as_array())
                .is_some_and(|a| a.iter().any(named)),
            None => false,
        };
        return by_modelgate.then_some(OwnFile::CycloneDx);
    }
    None
}
