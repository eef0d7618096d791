//! SARIF 2.1.0 output for GitHub code scanning, built with serde-sarif: one rule per check, one
//! location per result with a `%SRCROOT%`-relative URI, fingerprints without line numbers,
//! notifications in the invocation.

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::{Value, json};
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, Message, MultiformatMessageString, Notification,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor, Result,
    ResultLevel, Run, RunAutomationDetails, Sarif, Suppression, Tool, ToolComponent,
};

use super::{INFORMATION_URI, Report};
use crate::checks::{CHECKS, Level};
use crate::policy::FINGERPRINT_KEY;

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn props(map: BTreeMap<String, Value>, tags: Option<Vec<String>>) -> PropertyBag {
    let mut p = PropertyBag::builder().additional_properties(map).build();
    p.tags = tags;
    p
}

fn level_str(l: Level) -> &'static str {
    match l {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Note => "note",
        Level::None => "none",
    }
}

/// Encodes a relative path's bytes as a URI reference (RFC 3986): the unreserved characters,
/// the sub-delimiters and `/` kept, every other byte (`%` itself, spaces, `:`, controls, bytes
/// of non-ASCII and non-UTF-8 names) percent-encoded.
fn uri_of_bytes(path: &[u8]) -> String {
    let mut s = String::with_capacity(path.len());
    for &b in path {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=/".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// The URI of a report path: the exact bytes of the file name when it is not UTF-8 (the report
/// shows it with `\xNN` escapes), else the path's own bytes.
fn uri(report: &Report, path: &str) -> String {
    match report.raw_paths.get(path) {
        Some(raw) => uri_of_bytes(raw),
        None => uri_of_bytes(path.as_bytes()),
    }
}

pub fn build(report: &Report) -> Sarif {
    let rules: Vec<ReportingDescriptor> = CHECKS
        .iter()
        .map(|c| {
            let mut p = BTreeMap::new();
            if c.default_level > Level::None {
                p.insert("security-severity".into(), json!(c.security_severity));
            }
            p.insert("precision".into(), json!(c.precision));
            p.insert(
                "problem.severity".into(),
                json!(match c.default_level {
                    Level::Error => "error",
                    Level::Warning => "warning",
                    _ => "recommendation",
                }),
            );
            ReportingDescriptor::builder()
                .id(c.code.as_str())
                .name(c.name)
                .short_description(MultiformatMessageString::builder().text(c.short).build())
                .full_description(MultiformatMessageString::builder().text(c.full).build())
                .help(
                    MultiformatMessageString::builder()
                        .text(c.doc)
                        .markdown(c.doc)
                        .build(),
                )
                .default_configuration(
                    ReportingConfiguration::builder()
                        .level(json!(level_str(c.default_level.max(Level::Note))))
                        .enabled(c.default_level > Level::None)
                        .build(),
                )
                .properties(props(
                    p,
                    Some(c.tags.iter().map(|t| t.to_string()).collect()),
                ))
                .build()
        })
        .collect();

    let results: Vec<Result> =
        report
            .visible()
            .map(|f| {
                // A weight file has no lines: its results point at line 1.
                let region = if f.kind == crate::types::RefKind::WeightFile {
                    Region::builder().start_line(1).build()
                } else {
                    Region::builder()
                        .start_line(f.line as i64)
                        .start_column(f.column as i64)
                        .end_column(f.end_column as i64)
                        .build()
                };
                let loc = Location::builder()
                    .physical_location(
                        PhysicalLocation::builder()
                            .artifact_location(
                                ArtifactLocation::builder()
                                    .uri(uri(report, &f.path))
                                    .uri_base_id("%SRCROOT%")
                                    .build(),
                            )
                            .region(region)
                            .build(),
                    )
                    .build();
                let mut fp = BTreeMap::new();
                fp.insert(FINGERPRINT_KEY.to_string(), f.fingerprint.clone());
                let mut p = BTreeMap::new();
                p.insert("kind".into(), json!(f.kind.as_str()));
                p.insert("identifier".into(), json!(f.identifier));
                p.insert("confidence".into(), json!(f.confidence.as_str()));
                if let Some(d) = &f.resolved.developer {
                    p.insert("organization".into(), json!(d.name));
                    p.insert("organizationId".into(), json!(d.id));
                    p.insert("country".into(), json!(d.country));
                }
                if let Some(fam) = &f.resolved.family {
                    p.insert("family".into(), json!(fam.name));
                }
                if let Some(h) = &f.resolved.hosting {
                    p.insert("hosting".into(), json!({
                    "id": h.id, "name": h.name, "kind": h.kind, "jurisdiction": h.jurisdiction,
                    "operator": h.operator.as_ref().map(|o| &o.name),
                }));
                }
                if let Some(v) = &f.via {
                    p.insert("via".into(), json!(v));
                }
                if !f.resolved.listings.is_empty() {
                    p.insert(
                        "listings".into(),
                        json!(f.resolved.listings.iter().map(|l| json!({
                    "list": l.list_name, "entity": l.entities.first(), "organization": l.org_name,
                    "effective": l.effective, "citation": l.citation,
                })).collect::<Vec<_>>()),
                    );
                }
                if f.prose {
                    p.insert("prose".into(), json!(true));
                }
                if let Some(d) = &f.dependency {
                    p.insert("dependency".into(), json!(d));
                }
                if let Some(w) = &f.weight {
                    if let Some(h) = &w.sha256 {
                        p.insert("sha256".into(), json!(h));
                    }
                    if let Some(n) = w.size {
                        p.insert("size".into(), json!(n));
                    }
                    if let Some(x) = w.format {
                        p.insert("format".into(), json!(x));
                    }
                    if let Some(x) = &w.header {
                        p.insert("header".into(), json!(x));
                    }
                    if let Some(x) = &w.release {
                        p.insert("release".into(), json!(x));
                    }
                }
                p.insert("sources".into(), json!(f.resolved.sources));
                let level = match f.level {
                    Level::Error => ResultLevel::Error,
                    Level::Warning => ResultLevel::Warning,
                    Level::Note => ResultLevel::Note,
                    Level::None => ResultLevel::None,
                };
                let mut result = Result::builder()
                    .rule_id(f.code.as_str())
                    .rule_index(f.code.index() as i64)
                    .level(level)
                    .message(Message::builder().text(f.message.clone()).build())
                    .locations(vec![loc])
                    .partial_fingerprints(fp)
                    .properties(props(p, None))
                    .build();
                if let Some(rel) = f
                    .dependency
                    .as_ref()
                    .and_then(|d| d.related.as_ref().map(|r| (d, r)))
                {
                    let (d, r) = rel;
                    let version = d
                        .version
                        .as_deref()
                        .map(|v| format!(" {v}"))
                        .unwrap_or_default();
                    result.related_locations = Some(vec![
                        Location::builder()
                            .id(0)
                            .physical_location(
                                PhysicalLocation::builder()
                                    .artifact_location(
                                        ArtifactLocation::builder()
                                            .uri(uri_of_bytes(r.path.as_bytes()))
                                            .uri_base_id(r.base)
                                            .build(),
                                    )
                                    .region(
                                        Region::builder()
                                            .start_line(r.line as i64)
                                            .start_column(r.column as i64)
                                            .end_column(r.end_column as i64)
                                            .build(),
                                    )
                                    .build(),
                            )
                            .message(
                                Message::builder()
                                    .text(format!(
                                        "in the installed files of {} package {}{version}",
                                        d.ecosystem, d.name
                                    ))
                                    .build(),
                            )
                            .build(),
                    ]);
                }
                if let Some(s) = &f.suppression {
                    result.suppressions = Some(vec![
                        Suppression::builder()
                            .kind(json!(if s.kind == "inline" {
                                "inSource"
                            } else {
                                "external"
                            }))
                            .justification(format!("{} ({}: {})", s.reason, s.kind, s.source))
                            .build(),
                    ]);
                }
                result
            })
            .collect();

    let notifications: Vec<Notification> = report
        .notifications
        .iter()
        .map(|n| {
            let mut b = Notification::builder()
                .message(Message::builder().text(n.message.clone()).build())
                .level(json!(n.level.as_str()))
                .build();
            if let Some(path) = &n.path {
                b.locations = Some(vec![
                    Location::builder()
                        .physical_location(
                            PhysicalLocation::builder()
                                .artifact_location(
                                    ArtifactLocation::builder()
                                        .uri(uri(report, path))
                                        .uri_base_id("%SRCROOT%")
                                        .build(),
                                )
                                .build(),
                        )
                        .build(),
                ]);
            }
            b
        })
        .collect();

    let mut driver_props = BTreeMap::new();
    driver_props.insert(
        "rulesDatabase".into(),
        serde_json::to_value(&report.rules).unwrap_or(Value::Null),
    );
    let driver = ToolComponent::builder()
        .name("modelgate")
        .version(report.tool_version)
        .semantic_version(report.tool_version)
        .information_uri(INFORMATION_URI)
        .rules(rules)
        .properties(props(driver_props, None))
        .build();
    let invocation = Invocation::builder()
        .execution_successful(true)
        .tool_execution_notifications(notifications)
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .invocations(vec![invocation])
        .automation_details(RunAutomationDetails::builder().id("modelgate/").build())
        .column_kind(json!("unicodeCodePoints"))
        .original_uri_base_ids(BTreeMap::from([
            (
                "%SRCROOT%".to_string(),
                ArtifactLocation::builder()
                    .description(
                        Message::builder()
                            .text("The scanned folder; result paths are relative to it.")
                            .build(),
                    )
                    .build(),
            ),
            (
                "DEPENDENCY".to_string(),
                ArtifactLocation::builder()
                    .description(
                        Message::builder()
                            .text("The installation folder of the dependency that a related location's message names (outside the scanned folder).")
                            .build(),
                    )
                    .build(),
            ),
        ]))
        .build();
    Sarif::builder()
        .schema(SCHEMA)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build()
}

pub fn write(report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &build(report))?;
    w.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn uris_encode_every_byte_outside_the_unreserved_and_sub_delims_sets() {
        assert_eq!(super::uri_of_bytes(b"src/main.rs"), "src/main.rs");
        assert_eq!(
            super::uri_of_bytes(b"a b%c:d@e/\xff\x1b\n(x)+,;=.py"),
            "a%20b%25c%3Ad%40e/%FF%1B%0A(x)+,;=.py"
        );
        assert_eq!(super::uri_of_bytes("é".as_bytes()), "%C3%A9");
    }
}
