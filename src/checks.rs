//! The checks: the fixed kinds of finding, with stable codes, names, default levels and docs.
//! One table lists them all; tests prove the codes are unique and documented.

use serde::Serialize;

/// Severity of a finding, ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Inventory only: in JSON output, not in SARIF or text.
    None,
    Note,
    Warning,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Note => "note",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

pub struct Check {
    pub code: Code,
    pub name: &'static str,
    pub default_level: Level,
    pub short: &'static str,
    pub full: &'static str,
    pub doc: &'static str,
    /// GitHub code scanning `security-severity` (0.0–10.0, as a string).
    pub security_severity: &'static str,
    /// SARIF `precision`.
    pub precision: &'static str,
    pub tags: &'static [&'static str],
}

/// Defines the checks once: the [`Code`] enum, its spelling, the [`CHECKS`] table (with each
/// check's documentation from `docs/checks/CODE.md`) and parsing. A new check is one entry here
/// and its documentation file.
macro_rules! checks {
    ($($code:ident { $($field:ident: $value:expr),* $(,)? })*) => {
        /// A check's stable code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        pub enum Code {
            $($code),*
        }

        impl Code {
            /// Every code, in table order.
            pub const ALL: &'static [Code] = &[$(Code::$code),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$code => stringify!($code)),*
                }
            }
        }

        pub const CHECKS: &[Check] = &[
            $(Check {
                code: Code::$code,
                doc: include_str!(concat!("../docs/checks/", stringify!($code), ".md")),
                $($field: $value),*
            }),*
        ];
    };
}

checks! {
    MG100 {
        name: "model-inventory",
        default_level: Level::None,
        short: "Model reference (inventory)",
        full: "A model, model API or hub reference that resolves to the rules database and that no other check flags.",
        security_severity: "0.0",
        precision: "high",
        tags: &["supply-chain", "ai-model", "inventory"],
    }
    MG101 {
        name: "restricted-entity",
        default_level: Level::Error,
        short: "Model or provider of a restricted entity",
        full: "The developer or operator of this model, endpoint or hub is named on a restriction list the policy enforces (default: every trade-restriction list in the database, such as the US Entity List).",
        security_severity: "8.5",
        precision: "high",
        tags: &[
            "security",
            "supply-chain",
            "ai-model",
            "compliance",
            "export-control",
        ],
    }
    MG102 {
        name: "restricted-jurisdiction-endpoint",
        default_level: Level::Error,
        short: "Endpoint, hub or mirror in a flagged jurisdiction",
        full: "An API endpoint, model hub or mirror operated in a flagged jurisdiction (default: CN): prompts and data go there, or weights come from there.",
        security_severity: "7.5",
        precision: "high",
        tags: &["security", "supply-chain", "ai-model", "data-residency"],
    }
    MG103 {
        name: "origin-of-concern",
        default_level: Level::Warning,
        short: "Model or provider developed in a flagged jurisdiction",
        full: "A model or provider developed in a flagged jurisdiction (default: CN), used through another host or self-hosted.",
        security_severity: "5.0",
        precision: "high",
        tags: &["security", "supply-chain", "ai-model", "provenance"],
    }
    MG104 {
        name: "unidentified-weights",
        default_level: Level::Note,
        short: "Model weights of unknown origin",
        full: "A weight file (GGUF, safetensors, pickle, ONNX, or a Git LFS pointer to one) that neither its digest nor its header, config, model card or location ties to any model family or release in the rules database.",
        security_severity: "2.0",
        precision: "medium",
        tags: &["security", "supply-chain", "ai-model", "provenance"],
    }
    MG105 {
        name: "remote-code",
        default_level: Level::Warning,
        short: "Loader executes code from a model repository",
        full: "`trust_remote_code=True` in code, or an `auto_map` in a model's config.json, makes the loader download and execute Python code from a model repository. Raised to error when the repository belongs to an entity on an enforced restriction list.",
        security_severity: "6.5",
        precision: "high",
        tags: &["security", "supply-chain", "ai-model", "code-execution"],
    }
}

impl Code {
    /// The code spelled `s` exactly (`MG101`), as policy files write it.
    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == s)
    }

    pub fn check(self) -> &'static Check {
        CHECKS
            .iter()
            .find(|c| c.code == self)
            .expect("every code is in CHECKS")
    }

    /// Index of the check in [`CHECKS`] (SARIF `ruleIndex`).
    pub fn index(self) -> usize {
        CHECKS.iter().position(|c| c.code == self).unwrap_or(0)
    }
}

/// Finds a check by code (`MG101`, case-insensitive) or name (`restricted-entity`).
pub fn find(query: &str) -> Option<&'static Check> {
    CHECKS
        .iter()
        .find(|c| c.code.as_str().eq_ignore_ascii_case(query) || c.name == query)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_unique_documented_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for (i, c) in CHECKS.iter().enumerate() {
            assert!(
                seen.insert(c.code.as_str()),
                "duplicate {}",
                c.code.as_str()
            );
            assert!(seen.insert(c.name), "duplicate {}", c.name);
            assert_eq!(c.code.index(), i);
            assert!(
                c.doc
                    .starts_with(&format!("# {} {}", c.code.as_str(), c.name))
            );
            for section in [
                "## What it detects",
                "## Why it matters",
                "## Example",
                "## How to resolve",
                "## Configuration",
                "## References",
            ] {
                assert!(
                    c.doc.contains(section),
                    "{} lacks {section}",
                    c.code.as_str()
                );
            }
            assert!(c.security_severity.parse::<f64>().is_ok());
            assert_eq!(find(c.code.as_str()).map(|x| x.code), Some(c.code));
            assert_eq!(
                find(&c.code.as_str().to_lowercase()).map(|x| x.code),
                Some(c.code)
            );
            assert_eq!(find(c.name).map(|x| x.code), Some(c.code));
        }
    }
}
