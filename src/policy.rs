//! Policy: decide which check a resolved reference falls under, at which level, with which
//! message, and give it a stable fingerprint.

use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::checks::{Code, Level};
use crate::resolve::Resolved;
use crate::rules::ListKind;
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

/// Where a suppression is written.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SuppressionKind {
    /// A `modelgate: allow` comment in the source.
    Inline,
    /// An `[[allow]]` entry of the policy file.
    Config,
    /// The baseline file.
    Baseline,
}

impl SuppressionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SuppressionKind::Inline => "inline",
            SuppressionKind::Config => "config",
            SuppressionKind::Baseline => "baseline",
        }
    }
}

/// Why a finding does not count towards the exit code.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Suppression {
    pub kind: SuppressionKind,
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
    /// Shared by the findings that say the same (see [`Interner`]).
    pub message: Arc<str>,
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub end_column: u32,
    /// Columns of further occurrences of the identifier on the same line, reported in this one
    /// finding (at most [`crate::types::MAX_ALSO_COLUMNS`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_columns: Vec<u32>,
    /// Further occurrences on the line beyond the columns listed.
    #[serde(skip_serializing_if = "is_zero")]
    pub more_on_line: u32,
    pub kind: RefKind,
    pub identifier: String,
    /// The text as it appears in the file.
    pub matched: String,
    pub confidence: Confidence,
    pub prose: bool,
    pub via: Option<String>,
    /// The dependency the finding is attributed to (package findings, models of dependencies).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dependency: Option<Box<crate::types::DepContext>>,
    /// Shared by the findings of the same hit (see [`Interner`]).
    #[serde(flatten)]
    pub resolved: Arc<Resolved>,
    /// Database entries that decided the match (`kind:id` in JSON).
    pub rules: Vec<crate::types::RuleRef>,
    pub fingerprint: String,
    pub suppression: Option<Suppression>,
    /// The policy file that governed the finding (`None`: the default policy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// sha256, size, format and header of a weight file (and the evidence of configs and
    /// remote code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<Box<crate::types::WeightEvidence>>,
    /// When the finding was committed and removed (`scan --history` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Box<History>>,
}

/// Where a finding of `scan --history` is in the repository's history (commits in the walk's
/// order: parents before children). Dates are author dates, ISO 8601.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct History {
    /// The first commit that has it (with `--since`, the range's boundary when it was already
    /// there: see `before_range`).
    pub first_commit: String,
    pub first_date: String,
    /// HEAD when it is still there, else the last commit that had it (the parent of
    /// `removed_in`).
    pub last_commit: String,
    pub last_date: String,
    /// The commit that removed it, when it is not at HEAD.
    pub removed_in: Option<String>,
    pub removed_date: Option<String>,
    pub present_at_head: bool,
    /// `--since` only: it was already there before the range (`first_commit` is the boundary).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub before_range: bool,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Finding {
    /// Occurrences on its line the finding stands for: itself and the further ones folded in.
    pub fn occurrences(&self) -> usize {
        1 + self.also_columns.len() + self.more_on_line as usize
    }

    /// Stable subject id used in fingerprints and sorting: the database ids involved.
    pub fn subject(&self) -> String {
        format!(
            "{}|{}|{}",
            self.resolved
                .developer
                .as_ref()
                .map_or("", |o| o.id.as_str()),
            self.resolved.family.as_ref().map_or("", |f| f.id.as_str()),
            // A provider's API whose region no endpoint decided says no more than the developer:
            // left out, so that a finding keeps its fingerprint from before it had a host.
            self.resolved
                .hosting
                .as_ref()
                .filter(|h| !h.default_api)
                .map_or("", |h| h.id.as_str()),
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

/// Applies the policy to one resolved reference: decides the check and the level here, and has
/// the message rendered by [`crate::message::render`]; `None` when its check is switched off.
pub fn evaluate(policy: &Policy, r: &Reference, res: impl Into<Arc<Resolved>>) -> Option<Finding> {
    let res: Arc<Resolved> = res.into();
    let hit = &r.hit;
    // By default MG101 enforces export-control lists (the US Entity List). Investment
    // restrictions (NS-CMIC) and procurement designations (DoD 1260H) are reported in the
    // message and can be enforced with `enforce-lists`; procurement prohibitions (FY2026 NDAA
    // covered AI) are off and silent unless `enforce-lists` names them; informational lists are
    // never enforced.
    let enforced = |list: &str, kind: ListKind| {
        kind != ListKind::Informational
            && match &policy.enforced_lists {
                Some(l) => l.iter().any(|x| x == list),
                None => kind == ListKind::TradeRestriction,
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

    let message = crate::message::render(r, &res, code, &enforced);
    Some(Finding {
        code,
        check: code.check().name,
        level,
        message: message.into(),
        path: r.path.clone(),
        line: r.line,
        column: r.column,
        end_column: r.end_column,
        also_columns: r.also.columns.clone(),
        more_on_line: r.also.more,
        kind: hit.kind,
        identifier: hit.identifier.clone(),
        matched: r.text.clone(),
        confidence: hit.confidence,
        prose: r.prose,
        via: hit.via.clone(),
        dependency: r.evidence.dependency().cloned().map(Box::new),
        resolved: res,
        rules: hit.rules.clone(),
        fingerprint: String::new(),
        suppression: None,
        policy: None,
        weight: r.evidence.weights().cloned().map(Box::new),
        history: None,
    })
}

/// What [`crate::resolve::resolve`] reads of a hit: developer, family, host and the database
/// entries.
type ResolveKey = (
    Option<String>,
    Option<String>,
    Option<String>,
    Vec<crate::types::RuleRef>,
);

/// Shares what findings repeat: the facts resolved for a hit (the same hit always resolves to the
/// same facts) and rendered messages. Memory then grows with the distinct identifiers of a scan,
/// not with its findings.
#[derive(Default)]
pub struct Interner {
    /// By a hash of the hit's [`ResolveKey`] (not the identifier, so that two fine-tunes of a
    /// family share theirs), so a lookup clones nothing; keys of the same hash are compared whole.
    resolved: std::collections::HashMap<u64, Vec<(ResolveKey, Arc<Resolved>)>>,
    hasher: std::hash::RandomState,
    messages: std::collections::HashSet<Arc<str>>,
}

impl Interner {
    /// [`evaluate`] with the reference resolved once per distinct hit and the message shared.
    pub fn evaluate(
        &mut self,
        db: &crate::rules::Database,
        policy: &Policy,
        r: &Reference,
    ) -> Option<Finding> {
        let h = &r.hit;
        let key = (&h.org, &h.family, &h.host, &h.rules);
        let bucket = self
            .resolved
            .entry(std::hash::BuildHasher::hash_one(&self.hasher, key))
            .or_default();
        let res = match bucket.iter().find(|(k, _)| (&k.0, &k.1, &k.2, &k.3) == key) {
            Some((_, res)) => res.clone(),
            None => {
                let res = Arc::new(crate::resolve::resolve(db, r));
                let owned = (
                    h.org.clone(),
                    h.family.clone(),
                    h.host.clone(),
                    h.rules.clone(),
                );
                bucket.push((owned, res.clone()));
                res
            }
        };
        let mut f = evaluate(policy, r, res)?;
        f.message = self.message(f.message);
        Some(f)
    }

    /// The shared copy of `m`.
    pub fn message(&mut self, m: Arc<str>) -> Arc<str> {
        match self.messages.get(&m) {
            Some(s) => s.clone(),
            None => {
                self.messages.insert(m.clone());
                m
            }
        }
    }
}

/// Sorts findings by path, line, column, check and identifier. A finding is large, so the
/// order is found on indices and each finding then moved once (a stable order, as before).
pub fn sort(findings: &mut [Finding]) {
    fn key(f: &Finding) -> (&String, u32, u32, Code, &String) {
        (&f.path, f.line, f.column, f.code, &f.identifier)
    }
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by(|&a, &b| key(&findings[a]).cmp(&key(&findings[b])));
    // Put each cycle of the permutation in place: position i receives the finding at order[i].
    for start in 0..order.len() {
        if order[start] == start {
            continue;
        }
        let mut i = start;
        loop {
            let from = order[i];
            order[i] = i;
            if from == start {
                break;
            }
            findings.swap(i, from);
            i = from;
        }
    }
}

/// Sorts findings deterministically and assigns fingerprints. A fingerprint hashes the check, the
/// subject, the path, the normalised identifier and the occurrence index of that identifier in
/// the file, never a line number, so it survives unrelated edits. Occurrences folded into a
/// finding (the same identifier again on its line) count in the index, so that a finding keeps
/// the fingerprint it had when each occurrence was a finding of its own.
pub fn finalize(findings: &mut [Finding]) {
    sort(findings);
    // Occurrences so far of (check, subject, normalised identifier) in the current file: the
    // findings are sorted by path, so the table starts again with each file.
    let mut seen: std::collections::HashMap<(Code, String, String), u32> =
        std::collections::HashMap::new();
    let mut path: Option<String> = None;
    for f in findings.iter_mut() {
        if path.as_deref() != Some(f.path.as_str()) {
            seen.clear();
            path = Some(f.path.clone());
        }
        let key = (f.code, f.subject(), f.identifier.to_ascii_lowercase());
        let n = seen.get(&key).copied().unwrap_or(0);
        let mut h = Sha256::new();
        for part in [key.0.as_str(), &key.1, &f.path, &key.2, &n.to_string()] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        seen.insert(key, n + f.occurrences() as u32);
        f.fingerprint = format!("v1:{}", &crate::util::hex(&h.finalize())[..32]);
    }
}
