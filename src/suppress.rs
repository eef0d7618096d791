//! Suppressions: inline `modelgate: allow MG103 <reason>` comments, `[[allow]]` entries of the
//! policy file, and baselines. A suppressed finding stays in every report with its reason; it
//! only stops counting towards the exit code.

use std::collections::HashSet;
use std::path::Path;
use std::sync::OnceLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::config::{AllowKey, Config};
use crate::policy::{Finding, Suppression, SuppressionKind};
use crate::safeio::{self, limits};
use crate::types::{Notification, NotificationLevel};

/// An inline directive found on a reference's line or the line above.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineAllow {
    pub codes: Vec<String>,
    pub reason: String,
    pub line: u32,
}

fn directive() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)modelgate:\s*allow\s+((?:MG[0-9]{3})(?:\s*,\s*MG[0-9]{3})*)(.*)$")
            .expect("valid directive regex")
    })
}

/// Check codes and the reason of a directive.
pub type Directive = (Vec<String>, String);

/// Parses a directive in one line of text. `Err` (with the codes) when it has no reason.
pub fn parse_directive(line: &str) -> Option<Result<Directive, Vec<String>>> {
    let c = directive().captures(line)?;
    let codes: Vec<String> = c[1]
        .split(',')
        .map(|s| s.trim().to_ascii_uppercase())
        .collect();
    let mut reason = c[2].trim();
    for closer in ["*/", "-->", "%>", "#}", "}}", "*)"] {
        reason = reason.strip_suffix(closer).unwrap_or(reason).trim_end();
    }
    let reason = reason
        .trim_start_matches([':', '-', '—', '–', ' ', '\t'])
        .trim();
    if reason.is_empty() {
        Some(Err(codes))
    } else {
        // The reason is copied into every finding it suppresses: bounded like any printed value.
        Some(Ok((
            codes,
            crate::detect::cap_text(reason, crate::detect::MAX_VALUE_CHARS),
        )))
    }
}

/// Directives that apply to a reference on 1-based `line`: on that line or the one above.
/// Directives without a reason become notifications.
pub fn inline_allows(
    lines: &[&[u8]],
    line: u32,
    path: &str,
    notes: &mut Vec<Notification>,
) -> Vec<InlineAllow> {
    let mut out = Vec::new();
    for l in [line, line.saturating_sub(1)] {
        if l == 0 {
            continue;
        }
        let Some(text) = lines.get(l as usize - 1) else {
            continue;
        };
        if memchr::memmem::find(text, b"modelgate").is_none() {
            continue;
        }
        let text = String::from_utf8_lossy(text);
        match parse_directive(&text) {
            Some(Ok((codes, reason))) => out.push(InlineAllow {
                codes,
                reason,
                line: l,
            }),
            Some(Err(codes)) => {
                let n = Notification {
                    level: NotificationLevel::Warning,
                    path: Some(path.to_string()),
                    line: Some(l),
                    message: format!(
                        "`modelgate: allow {}` has no reason and suppresses nothing",
                        codes.join(",")
                    ),
                };
                if !notes.contains(&n) {
                    notes.push(n);
                }
            }
            None => {}
        }
        if l == line && !out.is_empty() {
            break;
        }
    }
    out
}

fn allow_matches(a: &crate::config::Allow, f: &Finding) -> bool {
    if !a.checks.is_empty() && !a.checks.contains(&f.code) {
        return false;
    }
    if let Some(p) = &a.paths
        && !p.is_match(&f.path)
    {
        return false;
    }
    if let Some(g) = &a.org {
        let dev = f.resolved.developer.as_ref();
        let op = f
            .resolved
            .hosting
            .as_ref()
            .and_then(|h| h.operator.as_ref());
        let ok = [dev, op]
            .into_iter()
            .flatten()
            .any(|o| g.is_match(&o.id) || g.is_match(&o.name));
        if !ok {
            return false;
        }
    }
    if let Some(g) = &a.model
        && !(f.kind.names_model() && (g.is_match(&f.identifier) || g.is_match(&f.matched)))
    {
        return false;
    }
    if let Some(g) = &a.host {
        let ok = f
            .resolved
            .hosting
            .as_ref()
            .is_some_and(|h| g.is_match(&h.id))
            || (!f.kind.names_model() && g.is_match(&f.identifier));
        if !ok {
            return false;
        }
    }
    if let Some(g) = &a.package {
        // The package of a package finding, or the dependency a finding is attributed to.
        let ok = (f.kind == crate::types::RefKind::Package && g.is_match(&f.identifier))
            || f.dependency.as_ref().is_some_and(|d| g.is_match(&d.name));
        if !ok {
            return false;
        }
    }
    true
}

/// Suppresses a finding by an inline directive that names its check, if any.
pub fn apply_inline(f: &mut Finding, directives: &[InlineAllow]) {
    if let Some(d) = directives
        .iter()
        .find(|d| d.codes.iter().any(|c| c == f.code.as_str()))
    {
        f.suppression = Some(Suppression {
            kind: SuppressionKind::Inline,
            reason: d.reason.clone(),
            source: format!("{}:{}", f.path, d.line),
        });
    }
}

/// The names of `f` that an allow entry can be keyed on (see [`crate::config::AllowIndex`]).
fn allow_names(f: &Finding) -> Vec<(AllowKey, &str)> {
    let mut v = vec![
        (AllowKey::Model, f.identifier.as_str()),
        (AllowKey::Model, f.matched.as_str()),
        (AllowKey::Host, f.identifier.as_str()),
        (AllowKey::Package, f.identifier.as_str()),
    ];
    let op = f
        .resolved
        .hosting
        .as_ref()
        .and_then(|h| h.operator.as_ref());
    for o in [f.resolved.developer.as_ref(), op].into_iter().flatten() {
        v.push((AllowKey::Org, o.id.as_str()));
        v.push((AllowKey::Org, o.name.as_str()));
    }
    if let Some(h) = &f.resolved.hosting {
        v.push((AllowKey::Host, h.id.as_str()));
    }
    if let Some(d) = &f.dependency {
        v.push((AllowKey::Package, d.name.as_str()));
    }
    v
}

/// Whether an unexpired allow entry suppresses `f` (what ranking within a file needs; no
/// notifications).
pub fn allowed(config: &Config, f: &Finding, scratch: &mut Vec<usize>) -> bool {
    if config.allows.is_empty() {
        return false;
    }
    config.allow_index().candidates(allow_names(f), scratch);
    scratch.iter().any(|&i| {
        let a = &config.allows[i];
        !a.expired && allow_matches(a, f)
    })
}

/// Marks findings suppressed by allow entries or the baseline, and reports expired and unused
/// allow entries.
pub fn apply(
    findings: &mut [Finding],
    config: &Config,
    baseline: Option<&Baseline>,
    notes: &mut Vec<Notification>,
) {
    let mut used = vec![false; config.allows.len()];
    let mut candidates = Vec::new();
    for f in findings.iter_mut() {
        if f.suppression.is_some() {
            continue;
        }
        if !config.allows.is_empty() {
            config
                .allow_index()
                .candidates(allow_names(f), &mut candidates);
        }
        for &ai in &candidates {
            let a = &config.allows[ai];
            if allow_matches(a, f) {
                used[ai] = true;
                if !a.expired {
                    f.suppression = Some(Suppression {
                        kind: SuppressionKind::Config,
                        reason: a.reason.clone(),
                        source: a.location.clone(),
                    });
                    break;
                }
            }
        }
        if f.suppression.is_some() {
            continue;
        }
        if let Some(b) = baseline
            && b.fingerprints.contains(&f.fingerprint)
        {
            f.suppression = Some(Suppression {
                kind: SuppressionKind::Baseline,
                reason: format!("in the baseline {}", b.source),
                source: b.source.clone(),
            });
        }
    }
    let mut listed = 0usize;
    let mut unlisted = 0usize;
    for (a, u) in config.allows.iter().zip(used) {
        let message = if a.expired {
            format!(
                "{}: allow entry ({}) expired on {}; it no longer suppresses anything",
                a.location,
                a.describe,
                a.expires.as_deref().unwrap_or("?")
            )
        } else if !u {
            format!(
                "{}: allow entry ({}) matched nothing (unused)",
                a.location, a.describe
            )
        } else {
            continue;
        };
        if listed == MAX_ALLOW_NOTES {
            unlisted += 1;
            continue;
        }
        listed += 1;
        notes.push(Notification {
            level: NotificationLevel::Warning,
            path: None,
            line: None,
            message,
        });
    }
    if unlisted > 0 {
        notes.push(Notification {
            level: NotificationLevel::Warning,
            path: None,
            line: None,
            message: format!(
                "{unlisted} more expired or unused allow entries not listed: at most \
                 {MAX_ALLOW_NOTES} are"
            ),
        });
    }
}

/// Expired or unused `[[allow]]` entries reported one by one; the rest are counted.
pub const MAX_ALLOW_NOTES: usize = 200;

pub const BASELINE_FORMAT: &str = "modelgate-baseline";

#[derive(Serialize, Deserialize)]
struct BaselineFile {
    format: String,
    version: u32,
    findings: Vec<BaselineEntry>,
}

/// A baseline as read: only the fingerprints are kept (the other fields are skipped without
/// being allocated).
#[derive(Deserialize)]
struct BaselineIn {
    format: String,
    version: u32,
    findings: Vec<BaselineEntryIn>,
}

#[derive(Deserialize)]
struct BaselineEntryIn {
    fingerprint: String,
}

#[derive(Serialize, Deserialize)]
struct BaselineEntry {
    fingerprint: String,
    code: String,
    path: String,
    identifier: String,
}

/// Fingerprints of accepted findings.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    pub source: String,
    pub fingerprints: HashSet<String>,
}

impl Baseline {
    /// Reads a baseline: at most [`limits::BASELINE_FILE`] bytes, without waiting on a FIFO or
    /// device. The path is the user's (`--baseline`): a link there is resolved first, as for
    /// `--config`; what it leads to must still be a regular file.
    pub fn load(path: &Path) -> Result<Baseline, String> {
        let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        let real = match path.canonicalize() {
            Ok(c) if is_link => c,
            _ => path.to_path_buf(),
        };
        let bytes = safeio::read_bounded(&real, None, limits::BASELINE_FILE)
            .map_err(|e| format!("{}: baseline {e}", path.display()))?;
        let f: BaselineIn = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{}: not a modelgate baseline: {e}", path.display()))?;
        if f.format != BASELINE_FORMAT || f.version != 1 {
            return Err(format!(
                "{}: unsupported baseline format {} {}",
                path.display(),
                f.format,
                f.version
            ));
        }
        Ok(Baseline {
            source: path.display().to_string(),
            fingerprints: f.findings.into_iter().map(|e| e.fingerprint).collect(),
        })
    }

    /// The baseline of the given findings (suppressed or not), as JSON.
    pub fn render(findings: &[Finding]) -> Vec<u8> {
        let f = BaselineFile {
            format: BASELINE_FORMAT.into(),
            version: 1,
            findings: findings
                .iter()
                .map(|f| BaselineEntry {
                    fingerprint: f.fingerprint.clone(),
                    code: f.code.as_str().into(),
                    path: f.path.clone(),
                    identifier: f.identifier.clone(),
                })
                .collect(),
        };
        let mut v = serde_json::to_vec_pretty(&f).expect("baseline serialises");
        v.push(b'\n');
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_in_any_comment_syntax() {
        for l in [
            "x = 1  # modelgate: allow MG103 approved by legal",
            "// modelgate: allow MG103, MG102 - vendor demo",
            "/* modelgate: allow mg103 reviewed 2026-10 */",
            "<!-- modelgate: allow MG103 docs example -->",
            "-- modelgate: allow MG103: kept for the benchmark",
        ] {
            let (codes, reason) = parse_directive(l).unwrap().unwrap();
            assert!(codes.contains(&"MG103".to_string()), "{l}");
            assert!(
                !reason.is_empty() && !reason.ends_with("*/") && !reason.ends_with("-->"),
                "{l}: {reason}"
            );
        }
        assert!(
            parse_directive("# modelgate: allow MG103")
                .unwrap()
                .is_err()
        );
        assert!(
            parse_directive("# modelgate: allow MG103 */")
                .unwrap()
                .is_err()
        );
        assert!(parse_directive("# nothing here").is_none());
    }
}
