//! The inventory of a report: its findings counted per developer and per model family. Computed
//! once from the findings when a report is written, and shown by every emitter that has a summary
//! (text, Markdown, JSON `summary.by_developer` and `summary.by_family`, SARIF run properties).
//! It counts every finding, inventory-only and suppressed ones included: it says what the
//! repository uses, not only what the gate objects to.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::checks::Level;
use crate::policy::Finding;
use crate::resolve::OrgFacts;

/// Most identifiers listed per row; `identifiers_total` counts them all.
pub const MAX_IDENTIFIERS: usize = 20;

/// Findings of one row by level (unsuppressed ones) and suppressed ones.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct LevelCounts {
    pub error: usize,
    pub warning: usize,
    pub note: usize,
    pub none: usize,
    pub suppressed: usize,
}

impl LevelCounts {
    fn add(&mut self, f: &Finding) {
        if f.suppression.is_some() {
            self.suppressed += 1;
            return;
        }
        match f.level {
            Level::Error => self.error += 1,
            Level::Warning => self.warning += 1,
            Level::Note => self.note += 1,
            Level::None => self.none += 1,
        }
    }

    /// The most severe level of the unsuppressed findings (`none` when there are only
    /// inventory-only or suppressed ones).
    pub fn most_severe(&self) -> Level {
        if self.error > 0 {
            Level::Error
        } else if self.warning > 0 {
            Level::Warning
        } else if self.note > 0 {
            Level::Note
        } else {
            Level::None
        }
    }

    /// `2 error, 1 warning, 3 suppressed`: the non-zero counts, most severe first.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = [
            (self.error, "error"),
            (self.warning, "warning"),
            (self.note, "note"),
            (self.none, "inventory"),
            (self.suppressed, "suppressed"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, name)| format!("{n} {name}"))
        .collect();
        parts.join(", ")
    }
}

/// What one row counts.
#[derive(Debug, Clone, Serialize)]
pub struct Counts {
    /// Findings (an identifier repeated on its line is one finding).
    pub findings: usize,
    /// Occurrences: the findings and the repeats on their lines folded into them.
    pub occurrences: usize,
    /// Distinct files (paths) with a finding.
    pub files: usize,
    pub levels: LevelCounts,
    /// The most severe level of the unsuppressed findings.
    pub most_severe: Level,
    /// The distinct identifiers (case aside), sorted, at most [`MAX_IDENTIFIERS`].
    pub identifiers: Vec<String>,
    pub identifiers_total: usize,
}

/// A row being counted.
#[derive(Default)]
struct Acc<'a> {
    findings: usize,
    occurrences: usize,
    files: HashSet<&'a str>,
    levels: LevelCounts,
    identifiers: BTreeMap<String, &'a str>,
}

impl<'a> Acc<'a> {
    fn add(&mut self, f: &'a Finding) {
        self.findings += 1;
        self.occurrences += f.occurrences();
        self.files.insert(&f.path);
        self.levels.add(f);
        self.identifiers
            .entry(f.identifier.to_ascii_lowercase())
            .or_insert(&f.identifier);
    }

    fn counts(self) -> Counts {
        let most_severe = self.levels.most_severe();
        Counts {
            findings: self.findings,
            occurrences: self.occurrences,
            files: self.files.len(),
            most_severe,
            levels: self.levels,
            identifiers_total: self.identifiers.len(),
            identifiers: self
                .identifiers
                .into_values()
                .take(MAX_IDENTIFIERS)
                .map(str::to_string)
                .collect(),
        }
    }
}

/// One developing organisation and what the report found of it.
#[derive(Debug, Clone, Serialize)]
pub struct DeveloperRow {
    pub id: String,
    pub name: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    #[serde(flatten)]
    pub counts: Counts,
    /// Ids of the model families found, sorted.
    pub families: Vec<String>,
}

/// One model family and what the report found of it.
#[derive(Debug, Clone, Serialize)]
pub struct FamilyRow {
    pub id: String,
    pub name: String,
    /// The developer of the family's findings (the first one when they name several).
    pub developer: Option<OrgFacts>,
    #[serde(flatten)]
    pub counts: Counts,
}

/// The findings per developer and per family.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Inventory {
    pub by_developer: Vec<DeveloperRow>,
    pub by_family: Vec<FamilyRow>,
    /// Findings attributed to no developer (a hub mirror, a router, an unidentified weight
    /// file): not in `by_developer`.
    pub unattributed: usize,
}

impl Inventory {
    pub fn is_empty(&self) -> bool {
        self.by_developer.is_empty() && self.by_family.is_empty()
    }
}

/// The developer a finding is counted under: the model's developer, else the operator of the
/// host it reaches (`api.deepseek.com` is DeepSeek's).
fn developer_of(f: &Finding) -> Option<&OrgFacts> {
    f.resolved.developer.as_ref().or_else(|| {
        f.resolved
            .hosting
            .as_ref()
            .and_then(|h| h.operator.as_ref())
    })
}

/// Rows sort by the most severe level, then by number of findings, then by id.
fn order(a: &Counts, a_id: &str, b: &Counts, b_id: &str) -> std::cmp::Ordering {
    (b.most_severe, b.findings, a_id).cmp(&(a.most_severe, a.findings, b_id))
}

/// Counts `findings` per developer and per family.
pub fn inventory<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Inventory {
    type DevAcc<'a> = (&'a OrgFacts, Acc<'a>, std::collections::BTreeSet<&'a str>);
    let mut devs: HashMap<&str, DevAcc<'a>> = HashMap::new();
    let mut fams: HashMap<&str, (&str, Option<&OrgFacts>, Acc<'a>)> = HashMap::new();
    let mut unattributed = 0;
    for f in findings {
        let dev = developer_of(f);
        match dev {
            Some(d) => {
                let e = devs
                    .entry(d.id.as_str())
                    .or_insert_with(|| (d, Acc::default(), Default::default()));
                e.1.add(f);
                if let Some(fam) = &f.resolved.family {
                    e.2.insert(fam.id.as_str());
                }
            }
            None => unattributed += 1,
        }
        if let Some(fam) = &f.resolved.family {
            let e = fams
                .entry(fam.id.as_str())
                .or_insert_with(|| (fam.name.as_str(), dev, Acc::default()));
            e.1 = e.1.or(dev);
            e.2.add(f);
        }
    }
    let mut by_developer: Vec<DeveloperRow> = devs
        .into_values()
        .map(|(d, acc, families)| DeveloperRow {
            id: d.id.clone(),
            name: d.name.clone(),
            country: d.country.clone(),
            counts: acc.counts(),
            families: families.into_iter().map(str::to_string).collect(),
        })
        .collect();
    by_developer.sort_by(|a, b| order(&a.counts, &a.id, &b.counts, &b.id));
    let mut by_family: Vec<FamilyRow> = fams
        .into_iter()
        .map(|(id, (name, dev, acc))| FamilyRow {
            id: id.to_string(),
            name: name.to_string(),
            developer: dev.cloned(),
            counts: acc.counts(),
        })
        .collect();
    by_family.sort_by(|a, b| order(&a.counts, &a.id, &b.counts, &b.id));
    Inventory {
        by_developer,
        by_family,
        unattributed,
    }
}
