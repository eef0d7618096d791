//! Policy: decide which check a resolved reference falls under, at which level, with which
//! message, and give it a stable fingerprint.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::checks::{Code, Level};
use crate::resolve::Resolved;
use crate::types::{Confidence, RefKind, Reference};

/// Key under which fingerprints appear in SARIF `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "modelgate/v1";

#[derive(Debug, Clone)]
pub struct Policy {
    /// ISO codes of jurisdictions that MG102 and MG103 flag.
    pub flagged_jurisdictions: Vec<String>,
    /// Restriction lists MG101 enforces; `None` means every restriction list of the database.
    pub enforced_lists: Option<Vec<String>>,
    /// Level overrides per check; `None` switches a check off.
    pub levels: std::collections::HashMap<Code, Option<Level>>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            flagged_jurisdictions: vec!["CN".into()],
            enforced_lists: None,
            levels: std::collections::HashMap::new(),
        }
    }
}

/// Why a finding does not count towards the exit code.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Suppression {
    /// `inline` (a comment in the source), `config` (an allow entry) or `baseline`.
    pub kind: &'static str,
    pub reason: String,
    /// Where the suppression is written: `path:line` of the comment or the allow entry, or the
    /// baseline file.
    pub source: String,
}

/// One finding: a reference, what it resolved to, and the check it falls under.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub code: Code,
    pub check: &'static str,
    pub level: Level,
    pub message: String,
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub end_column: u32,
    pub kind: RefKind,
    pub identifier: String,
    /// The text as it appears in the file.
    pub matched: String,
    pub confidence: Confidence,
    pub prose: bool,
    pub via: Option<String>,
    /// The dependency the finding is attributed to (package findings, models of dependencies).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dependency: Option<crate::types::DepContext>,
    #[serde(flatten)]
    pub resolved: Resolved,
    /// Database entries that decided the match.
    pub rules: Vec<String>,
    pub fingerprint: String,
    pub suppression: Option<Suppression>,
    /// sha256, size, format and header of a weight file (and the evidence of configs and
    /// remote code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<crate::types::WeightEvidence>,
}

impl Finding {
    /// Stable subject id used in fingerprints and sorting: the database ids involved.
    pub fn subject(&self) -> String {
        format!(
            "{}|{}|{}",
            self.resolved
                .developer
                .as_ref()
                .map_or("", |o| o.id.as_str()),
            self.resolved.family.as_ref().map_or("", |f| f.id.as_str()),
            self.resolved.hosting.as_ref().map_or("", |h| h.id.as_str()),
        )
    }
}

fn flagged(policy: &Policy, j: &str) -> bool {
    !j.is_empty()
        && policy
            .flagged_jurisdictions
            .iter()
            .any(|f| f.eq_ignore_ascii_case(j))
}

fn with_country(name: &str, country: &str) -> String {
    if country.is_empty() {
        name.to_string()
    } else {
        format!("{name} ({country})")
    }
}

/// Applies the policy to one resolved reference; `None` when its check is switched off.
pub fn evaluate(policy: &Policy, r: &Reference, res: Resolved) -> Option<Finding> {
    let hit = &r.hit;
    // By default MG101 enforces export-control lists (the US Entity List). Investment
    // restrictions (NS-CMIC) and procurement designations (DoD 1260H) are reported in the
    // message and can be enforced with `enforce-lists`; procurement prohibitions (FY2026 NDAA
    // covered AI) are off and silent unless `enforce-lists` names them; informational lists are
    // never enforced.
    let enforced = |list: &str, kind: &str| {
        kind != "informational"
            && match &policy.enforced_lists {
                Some(l) => l.iter().any(|x| x == list),
                None => kind == "trade-restriction",
            }
    };
    let restricted: Vec<_> = res
        .listings
        .iter()
        .filter(|l| enforced(&l.list, l.list_kind))
        .collect();
    let host_flagged = res
        .hosting
        .as_ref()
        .is_some_and(|h| flagged(policy, &h.jurisdiction));
    let origin_flagged = res
        .developer
        .as_ref()
        .is_some_and(|d| flagged(policy, &d.country))
        || res
            .hosting
            .as_ref()
            .and_then(|h| h.operator.as_ref())
            .is_some_and(|o| flagged(policy, &o.country));

    let unidentified =
        hit.kind == RefKind::WeightFile && res.developer.is_none() && res.family.is_none();
    let code = if hit.kind == RefKind::RemoteCode {
        Code::MG105
    } else if !restricted.is_empty() {
        Code::MG101
    } else if host_flagged {
        Code::MG102
    } else if origin_flagged {
        Code::MG103
    } else if unidentified {
        Code::MG104
    } else {
        Code::MG100
    };
    let mut level = match policy.levels.get(&code) {
        Some(Some(l)) => *l,
        Some(None) => return None,
        // Remote code from a restricted entity's repository is an error by default.
        None if code == Code::MG105 && !restricted.is_empty() => Level::Error,
        None => code.check().default_level,
    };
    if r.prose && level > Level::Note {
        level = Level::Note;
    }

    // The message: what it is, who made it, where it is served, what lists it is on.
    let id = &hit.identifier;
    let dev = res
        .developer
        .as_ref()
        .map(|d| with_country(&d.name, &d.country));
    let fam = res.family.as_ref().map(|f| f.name.as_str());
    let described = r.evidence.weights().map(|w| w.description.as_str());
    let mut msg = match (hit.kind, dev.as_deref()) {
        (RefKind::WeightFile | RefKind::ModelConfig | RefKind::RemoteCode, d) => {
            let mut m = described.unwrap_or(id.as_str()).to_string();
            match (fam, d) {
                (Some(f), Some(d)) => m.push_str(&format!("; {f}, developed by {d}")),
                (None, Some(d)) => m.push_str(&format!("; developed by {d}")),
                (Some(f), None) => m.push_str(&format!("; {f}")),
                (None, None) if hit.kind == RefKind::WeightFile => m.push_str(
                    "; no digest, header, config, card or location ties it to a known model",
                ),
                (None, None) => {}
            }
            m
        }
        (RefKind::Derivative, Some(d)) => format!(
            "`{id}` is a third-party repository whose name derives from {}, developed by {d}",
            fam.unwrap_or("a model family")
        ),
        (RefKind::EnvVar, Some(d)) => format!("`{id}` configures the API of {d}"),
        (RefKind::SdkClass, Some(d)) => format!("`{id}` is a framework integration for {d}"),
        (RefKind::Package, Some(d)) => {
            let eco = r.evidence.dependency().map_or("", |x| x.ecosystem);
            let article = if eco == "npm" { "an" } else { "a" };
            format!("`{id}` is {article} {eco} package for the services of {d}")
        }
        (k, Some(d)) if k.names_model() => match fam {
            Some(f) => format!("`{id}` is {f}, developed by {d}"),
            None => format!("`{id}` is a model of {d}"),
        },
        (_, Some(d)) => format!("`{id}` belongs to {d}"),
        (_, None) => match &res.hosting {
            Some(h) => {
                let mut s = format!("`{id}` is {}", h.name);
                if let Some(op) = &h.operator {
                    s.push_str(&format!(
                        ", operated by {}",
                        with_country(&op.name, &op.country)
                    ));
                }
                s
            }
            None => format!("`{id}`"),
        },
    };
    if let Some(h) = &res.hosting {
        let served = if h.jurisdiction.is_empty() {
            h.name.clone()
        } else {
            format!("{} ({})", h.name, h.jurisdiction)
        };
        if hit.kind.names_model() {
            match h.kind {
                "hub" | "mirror" => msg.push_str(&format!("; weights on {served}")),
                "local" => msg.push_str(&format!("; run locally with {}", h.name)),
                _ => msg.push_str(&format!("; served by {served}")),
            }
            if let Some(v) = &hit.via {
                msg.push_str(&format!(" via {v}"));
            }
        } else if (dev.is_some() || hit.kind == RefKind::Hub || hit.kind == RefKind::Endpoint)
            && !h.jurisdiction.is_empty()
            && !msg.contains(&format!("({})", h.jurisdiction))
        {
            msg.push_str(&format!(", serving from {}", h.jurisdiction));
        }
        if code == Code::MG102 {
            if matches!(h.kind, "hub" | "mirror") {
                msg.push_str(&format!("; weights are downloaded from {}", h.jurisdiction));
            } else {
                msg.push_str(&format!(
                    "; prompts and data are sent to {}",
                    h.jurisdiction
                ));
            }
        }
    }
    if let Some(d) = r.evidence.dependency() {
        msg.push_str(&d.describe());
    }
    let mut named: Vec<(&str, &str)> = Vec::new();
    for l in &restricted {
        if named.contains(&(l.org.as_str(), l.list.as_str())) {
            continue;
        }
        named.push((&l.org, &l.list));
        msg.push_str(&format!(
            "; {} is on the {} since {} ({})",
            l.org_name, l.list_name, l.effective, l.citation
        ));
    }
    let mut informational: Vec<&str> = Vec::new();
    for l in res
        .listings
        .iter()
        .filter(|l| !enforced(&l.list, l.list_kind))
    {
        // A procurement prohibition (FY2026 NDAA covered AI) binds only the buyers it names
        // (DoD and its contractors): it is silent unless the policy enforces its list.
        if l.list_kind == "procurement-prohibition"
            || named.contains(&(l.org.as_str(), l.list.as_str()))
        {
            continue;
        }
        named.push((&l.org, &l.list));
        if l.list_kind == "informational" {
            if !informational.contains(&l.list_name.as_str()) {
                informational.push(&l.list_name);
            }
        } else {
            msg.push_str(&format!(
                "; also: {} is on the {} since {} (not enforced by the policy)",
                l.org_name, l.list_name, l.effective
            ));
        }
    }
    if !informational.is_empty() {
        msg.push_str(&format!("; informational: {}", informational.join(", ")));
    }
    if hit.confidence < Confidence::High {
        msg.push_str(&format!(" [{} confidence]", hit.confidence.as_str()));
    }
    if r.prose {
        msg.push_str(" (mentioned in documentation)");
    }

    Some(Finding {
        code,
        check: code.check().name,
        level,
        message: msg,
        path: r.path.clone(),
        line: r.line,
        column: r.column,
        end_column: r.end_column,
        kind: hit.kind,
        identifier: hit.identifier.clone(),
        matched: r.text.clone(),
        confidence: hit.confidence,
        prose: r.prose,
        via: hit.via.clone(),
        dependency: r.evidence.dependency().cloned(),
        resolved: res,
        rules: hit.rules.clone(),
        fingerprint: String::new(),
        suppression: None,
        weight: r.evidence.weights().cloned(),
    })
}

/// Sorts findings deterministically and assigns fingerprints. A fingerprint hashes the check, the
/// subject, the path, the normalised identifier and the occurrence index of that identifier in
/// the file, never a line number, so it survives unrelated edits.
pub fn finalize(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (&a.path, a.line, a.column, a.code, &a.identifier).cmp(&(
            &b.path,
            b.line,
            b.column,
            b.code,
            &b.identifier,
        ))
    });
    let mut seen: std::collections::HashMap<(String, Code, String, String), u32> =
        std::collections::HashMap::new();
    for f in findings.iter_mut() {
        let norm = f.identifier.to_ascii_lowercase();
        let key = (f.path.clone(), f.code, f.subject(), norm.clone());
        let n = seen.entry(key).or_insert(0);
        let mut h = Sha256::new();
        for part in [
            f.code.as_str(),
            &f.subject(),
            &f.path,
            &norm,
            &n.to_string(),
        ] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        *n += 1;
        f.fingerprint = format!("v1:{}", &crate::util::hex(&h.finalize())[..32]);
    }
}
