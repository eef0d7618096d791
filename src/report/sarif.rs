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
use crate::checks::{CHECKS, Check, Level};
use crate::policy::{FINGERPRINT_KEY, Finding, SuppressionKind};

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Key of the run property that holds the inventory (findings per developer and per family, the
/// same object as the JSON report's `summary.by_developer` and `summary.by_family`).
pub const INVENTORY_KEY: &str = "modelgate/inventory";

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

/// The reporting descriptor of one check: its name, descriptions, Markdown help, default level
/// and the properties code scanning reads (`security-severity`, `precision`, `problem.severity`,
/// tags).
pub fn rule(c: &Check) -> ReportingDescriptor {
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
}

/// One reporting descriptor per check, in code order (a result's `ruleIndex` points into it).
pub fn rules() -> Vec<ReportingDescriptor> {
    CHECKS.iter().map(rule).collect()
}

/// A location in the scanned folder (`%SRCROOT%`-relative URI), with an optional region.
fn source_location(report: &Report, path: &str, region: Option<Region>) -> Location {
    let mut physical = PhysicalLocation::builder()
        .artifact_location(
            ArtifactLocation::builder()
                .uri(uri(report, path))
                .uri_base_id("%SRCROOT%")
                .build(),
        )
        .build();
    physical.region = region;
    Location::builder().physical_location(physical).build()
}

/// The region of a finding; a weight file has no lines, so its results point at line 1.
fn region(f: &Finding) -> Region {
    if f.kind == crate::types::RefKind::WeightFile {
        Region::builder().start_line(1).build()
    } else {
        Region::builder()
            .start_line(f.line as i64)
            .start_column(f.column as i64)
            .end_column(f.end_column as i64)
            .build()
    }
}

/// A result's property bag: what was seen (kind, identifier, confidence), what the database
/// says of it (organisation, family, hosting, listings, sources) and, where there is one, the
/// dependency and the weight file's digest and header.
pub fn result_properties(f: &Finding) -> PropertyBag {
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
        p.insert(
            "hosting".into(),
            json!({
                "id": h.id, "name": h.name, "kind": h.kind, "jurisdiction": h.jurisdiction,
                "operator": h.operator.as_ref().map(|o| &o.name),
            }),
        );
    }
    if let Some(v) = &f.via {
        p.insert("via".into(), json!(v));
    }
    if let Some(pf) = &f.policy {
        p.insert("policy".into(), json!(pf));
    }
    if !f.resolved.listings.is_empty() {
        let listings: Vec<Value> = f
            .resolved
            .listings
            .iter()
            .map(|l| {
                json!({
                    "list": l.list_name, "entity": l.entities.first(), "organization": l.org_name,
                    "effective": l.effective, "citation": l.citation,
                })
            })
            .collect();
        p.insert("listings".into(), json!(listings));
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
    if let Some(h) = &f.history {
        p.insert("history".into(), history_json(h));
    }
    if !f.also_columns.is_empty() {
        p.insert("alsoColumns".into(), json!(f.also_columns));
    }
    if f.more_on_line > 0 {
        p.insert("moreOnLine".into(), json!(f.more_on_line));
    }
    props(p, None)
}

/// A finding's history (`scan --history`) in SARIF's camel case.
fn history_json(h: &crate::policy::History) -> Value {
    let mut v = json!({
        "firstCommit": h.first_commit, "firstDate": h.first_date,
        "lastCommit": h.last_commit, "lastDate": h.last_date,
        "removedIn": h.removed_in, "removedDate": h.removed_date,
        "presentAtHead": h.present_at_head,
    });
    if h.before_range {
        v["beforeRange"] = json!(true);
    }
    v
}

/// Findings of a history scan that HEAD no longer has: their locations are not in the checked-out
/// tree, so code scanning could not show them; they are not results.
fn removed_before_head(f: &Finding) -> bool {
    f.history.as_ref().is_some_and(|h| !h.present_at_head)
}

/// The findings removed before HEAD, listed in the run's property bag (`removedBeforeHead`).
fn removed_list(report: &Report) -> Vec<Value> {
    report
        .visible()
        .filter(|f| removed_before_head(f))
        .map(|f| {
            json!({
                "ruleId": f.code.as_str(),
                "level": level_str(f.level),
                "message": f.message,
                "path": f.path,
                "line": f.line,
                "identifier": f.identifier,
                "fingerprint": f.fingerprint,
                "suppressed": f.suppression.is_some(),
                "history": f.history.as_deref().map(history_json),
            })
        })
        .collect()
}

/// The related location of a finding in a dependency's installed files (relative to the
/// `DEPENDENCY` base), if it has one.
fn related_location(f: &Finding) -> Option<Location> {
    let d = f.dependency.as_ref()?;
    let r = d.related.as_ref()?;
    let version = d
        .version
        .as_deref()
        .map(|v| format!(" {v}"))
        .unwrap_or_default();
    Some(
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
    )
}

/// The result of one finding: rule, level, message, one location, the line-independent
/// fingerprint, properties, and a suppression when the policy, an inline comment or the baseline
/// suppressed it.
pub fn result(report: &Report, f: &Finding) -> Result {
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
        .message(Message::builder().text(f.message.to_string()).build())
        .locations(vec![source_location(report, &f.path, Some(region(f)))])
        .partial_fingerprints(BTreeMap::from([(
            FINGERPRINT_KEY.to_string(),
            f.fingerprint.clone(),
        )]))
        .properties(result_properties(f))
        .build();
    result.related_locations = related_location(f).map(|l| vec![l]);
    if let Some(s) = &f.suppression {
        result.suppressions = Some(vec![
            Suppression::builder()
                .kind(json!(if s.kind == SuppressionKind::Inline {
                    "inSource"
                } else {
                    "external"
                }))
                .justification(format!("{} ({}: {})", s.reason, s.kind.as_str(), s.source))
                .build(),
        ]);
    }
    result
}

/// The results of the findings SARIF shows (inventory-only findings are left out, and so are
/// the findings of a history scan that were removed before HEAD: see [`removed_list`]).
pub fn results(report: &Report) -> Vec<Result> {
    shown(report).map(|f| result(report, f)).collect()
}

/// The findings that are SARIF results: visible ones still in the checked-out tree.
fn shown(report: &Report) -> impl Iterator<Item = &Finding> {
    report.visible().filter(|f| !removed_before_head(f))
}

/// A notification of the run or of one file, as a tool execution notification.
fn notification(report: &Report, n: &super::Notification) -> Notification {
    let mut b = Notification::builder()
        .message(Message::builder().text(n.message.clone()).build())
        .level(json!(n.level.as_str()))
        .build();
    let region = n
        .line
        .map(|l| Region::builder().start_line(i64::from(l)).build());
    b.locations = n
        .path
        .as_ref()
        .map(|path| vec![source_location(report, path, region)]);
    b
}

/// The driver's property bag: the identity of the rules database the run used.
pub fn run_properties(report: &Report) -> PropertyBag {
    let mut driver_props = BTreeMap::new();
    driver_props.insert(
        "rulesDatabase".into(),
        serde_json::to_value(&report.rules).unwrap_or(Value::Null),
    );
    props(driver_props, None)
}

/// The base URIs a result or related location refers to, each described.
fn uri_bases() -> BTreeMap<String, ArtifactLocation> {
    let base = |text: &str| {
        ArtifactLocation::builder()
            .description(Message::builder().text(text).build())
            .build()
    };
    BTreeMap::from([
        (
            "%SRCROOT%".to_string(),
            base("The scanned folder; result paths are relative to it."),
        ),
        (
            "DEPENDENCY".to_string(),
            base(
                "The installation folder of the dependency that a related location's message names (outside the scanned folder).",
            ),
        ),
    ])
}

/// The whole log: one run with the tool (rules and run properties), the results, and one
/// invocation carrying the notifications.
pub fn build(report: &Report) -> Sarif {
    document(report, results(report))
}

/// The SARIF log of `report` with `results` as its run's results.
fn document(report: &Report, results: Vec<Result>) -> Sarif {
    let driver = ToolComponent::builder()
        .name("modelgate")
        .version(report.tool_version)
        .semantic_version(report.tool_version)
        .information_uri(INFORMATION_URI)
        .rules(rules())
        .properties(run_properties(report))
        .build();
    let mut notifications: Vec<Notification> = report
        .notifications
        .iter()
        .map(|n| notification(report, n))
        .collect();
    let removed = removed_list(report);
    if !removed.is_empty() {
        notifications.push(
            Notification::builder()
                .message(
                    Message::builder()
                        .text(format!(
                            "{} findings of the history were removed before HEAD: their locations \
                             are not in the checked-out tree, so they are not results; they are \
                             listed in runs[0].properties.removedBeforeHead",
                            removed.len()
                        ))
                        .build(),
                )
                .level(json!("note"))
                .build(),
        );
    }
    let invocation = Invocation::builder()
        .execution_successful(true)
        .tool_execution_notifications(notifications)
        .build();
    let mut run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .invocations(vec![invocation])
        .automation_details(RunAutomationDetails::builder().id("modelgate/").build())
        .column_kind(json!("unicodeCodePoints"))
        .original_uri_base_ids(uri_bases())
        .build();
    let mut run_props = BTreeMap::from([(
        INVENTORY_KEY.to_string(),
        serde_json::to_value(super::summary::inventory(&report.findings)).unwrap_or(Value::Null),
    )]);
    if !removed.is_empty() {
        run_props.insert("removedBeforeHead".to_string(), json!(removed));
    }
    run.properties = Some(props(run_props, None));
    Sarif::builder()
        .schema(SCHEMA)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build()
}

/// Writes the SARIF log of `report`, the same bytes as pretty-printing [`build`], with the results
/// streamed: everything else is small and rendered first with an empty results array, then each
/// result is rendered and written in its place one at a time, so that the log is never held in
/// memory a second time beside the findings.
pub fn write(report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    write_with(report, w, 1)
}

/// [`write`], rendering the results on up to `threads` threads, a batch at a time (the output
/// is the same; memory holds one batch of rendered results).
pub fn write_with(report: &Report, w: &mut dyn Write, threads: usize) -> std::io::Result<()> {
    const BATCH: usize = 256;
    let frame = serde_json::to_string_pretty(&document(report, Vec::new()))?;
    const EMPTY: &str = "\"results\": []";
    let Some(at) = frame.find(EMPTY) else {
        // Not reached: the frame always has a results array.
        serde_json::to_writer_pretty(&mut *w, &build(report))?;
        return w.write_all(b"\n");
    };
    let line_start = frame[..at].rfind('\n').map_or(0, |i| i + 1);
    let indent = &frame[line_start..at];
    let inner = format!("\n{indent}  ");
    w.write_all(&frame.as_bytes()[..at])?;
    w.write_all(b"\"results\": [")?;
    let mut first = true;
    let shown: Vec<&Finding> = shown(report).collect();
    // Results are rendered on `threads` threads, a batch at a time, while this one writes.
    crate::util::par_batches_in_order(
        &shown,
        threads,
        BATCH,
        &|batch: &[&Finding]| -> std::io::Result<Vec<String>> {
            batch
                .iter()
                // JSON strings hold no raw newline: every line break is the printer's own.
                .map(
                    |f| Ok(serde_json::to_string_pretty(&result(report, f))?.replace('\n', &inner)),
                )
                .collect()
        },
        &mut |texts: std::io::Result<Vec<String>>| -> std::io::Result<()> {
            for text in texts? {
                w.write_all(if first { b"" } else { b"," })?;
                first = false;
                w.write_all(inner.as_bytes())?;
                w.write_all(text.as_bytes())?;
            }
            Ok(())
        },
    )?;
    if !first {
        w.write_all(b"\n")?;
        w.write_all(indent.as_bytes())?;
    }
    w.write_all(b"]")?;
    w.write_all(&frame.as_bytes()[at + EMPTY.len()..])?;
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
