//! Messages: the one place where a finding's text is written, from what the reference is, what
//! the database says about it and the check the policy chose. Nothing here decides a level.

use crate::checks::Code;
use crate::resolve::{ListingFacts, Resolved};
use crate::rules::{HostKind, ListKind};
use crate::types::{Confidence, DepContext, DepEvidence, Ecosystem, RefKind, Reference};

fn with_country(name: &str, country: &str) -> String {
    if country.is_empty() {
        name.to_string()
    } else {
        format!("{name} ({country})")
    }
}

/// The message of a finding under check `code`: what it is, who made it, where it is served,
/// and which lists it is on (`enforced` tells the lists the policy enforces from the others).
pub fn render(
    r: &Reference,
    res: &Resolved,
    code: Code,
    enforced: &dyn Fn(&str, ListKind) -> bool,
) -> String {
    let hit = &r.hit;
    let restricted: Vec<&ListingFacts> = res
        .listings
        .iter()
        .filter(|l| enforced(&l.list, l.list_kind))
        .collect();
    let id = &hit.identifier;
    let dev = res
        .developer
        .as_ref()
        .map(|d| with_country(&d.name, &d.country));
    let fam = res.family.as_ref().map(|f| f.name.as_str());
    let described = r.evidence.weights().map(|w| w.description.as_str());
    let mut msg = match (hit.kind, dev.as_deref()) {
        (RefKind::Dataset, _) => match (&hit.via, dev.as_deref()) {
            (Some(v), _) => format!("`{id}` is a data set ({v}), not a model"),
            (None, _) => format!("`{id}` is a data set, not a model"),
        },
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
        (k, Some(d)) if k.names_model() && res.publisher.is_some() => {
            let p = res.publisher.as_ref().expect("checked");
            format!(
                "`{id}` is a fine-tune of {}, developed by {d}; published by {}",
                fam.unwrap_or("a model"),
                with_country(&p.name, &p.country)
            )
        }
        (RefKind::Derivative, Some(d)) => format!(
            "`{id}` is a third-party repository whose name derives from {}, developed by {d}",
            fam.unwrap_or("a model family")
        ),
        (RefKind::EnvVar, Some(d)) => format!("`{id}` configures the API of {d}"),
        (RefKind::SdkClass, Some(d)) => format!("`{id}` is a framework integration for {d}"),
        (RefKind::Package, Some(d)) => {
            let eco = r.evidence.dependency().map(|x| x.ecosystem);
            let article = if eco == Some(Ecosystem::Npm) {
                "an"
            } else {
                "a"
            };
            let eco = eco.map_or("", Ecosystem::as_str);
            format!("`{id}` is {article} {eco} package for the services of {d}")
        }
        (k, Some(d)) if k.names_model() => match fam {
            Some(f) => format!("`{id}` is {f}, developed by {d}"),
            None => format!("`{id}` is a model of {d}"),
        },
        (_, Some(d)) => format!("`{id}` belongs to {d}"),
        (k, None) if k.names_model() && res.hosting.is_some() => {
            format!("`{id}` is a model repository whose developer the database does not record")
        }
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
                HostKind::Hub | HostKind::Mirror => msg.push_str(&format!("; weights on {served}")),
                HostKind::Local => msg.push_str(&format!("; run locally with {}", h.name)),
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
            if matches!(h.kind, HostKind::Hub | HostKind::Mirror) {
                msg.push_str(&format!("; weights are downloaded from {}", h.jurisdiction));
            } else {
                msg.push_str(&format!(
                    "; prompts and data are sent to {}",
                    h.jurisdiction
                ));
            }
        }
    }
    if hit.kind == RefKind::LocalModel
        && res.hosting.is_none()
        && let Some(v) = &hit.via
    {
        msg.push_str(&format!("; run from {v}"));
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
        if l.list_kind == ListKind::ProcurementProhibition
            || named.contains(&(l.org.as_str(), l.list.as_str()))
        {
            continue;
        }
        named.push((&l.org, &l.list));
        if l.list_kind == ListKind::Informational {
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
    msg
}

impl DepContext {
    /// `a direct dependency` / `a transitive dependency brought in by a → b → c`, with the
    /// version and marker.
    fn relation(&self) -> String {
        let mut s = if self.direct {
            "a direct dependency".to_string()
        } else if self.path.len() > 1 {
            format!(
                "a transitive dependency brought in by {}",
                self.path
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(" → ")
            )
        } else if self.ecosystem == Ecosystem::Go {
            "an indirect dependency (`// indirect` in go.mod)".to_string()
        } else {
            "a locked dependency".to_string()
        };
        if let Some(m) = &self.marker {
            s.push_str(&format!(" (only where `{m}`)"));
        }
        s
    }

    fn version_suffix(&self) -> String {
        self.version
            .as_ref()
            .map(|v| format!(" {v}"))
            .unwrap_or_default()
    }

    /// The part of a finding's message that names the dependency.
    pub fn describe(&self) -> String {
        match self.evidence {
            DepEvidence::Package => format!(
                ", {}{}",
                self.relation(),
                self.version
                    .as_ref()
                    .map(|v| format!(", version {v}"))
                    .unwrap_or_default()
            ),
            DepEvidence::DefaultModel => format!(
                "; loaded by default by {} package `{}`{}, {}",
                self.ecosystem,
                self.name,
                self.version_suffix(),
                self.relation()
            ),
            DepEvidence::Source => {
                let at = self
                    .related
                    .as_ref()
                    .map(|r| format!(" ({}:{})", r.path, r.line))
                    .unwrap_or_default();
                format!(
                    "; found in the installed files of {} package `{}`{}{at}, {}",
                    self.ecosystem,
                    self.name,
                    self.version_suffix(),
                    self.relation()
                )
            }
        }
    }
}
