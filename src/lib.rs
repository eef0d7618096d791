//! modelgate: find AI model references in a repository, resolve them against a sourced rules
//! database, apply a policy and report.
//!
//! The pipeline is walk → classify → detect → resolve → policy → report, one module per stage;
//! [`scan::run`] strings them together.

pub mod audit;
pub mod checks;
pub mod classify;
pub mod cli;
pub mod config;
pub mod deps;
pub mod detect;
pub mod diff;
pub mod digest;
pub mod escape;
pub mod explain;
pub mod lineage;
pub mod lineindex;
pub mod message;
pub mod online;
pub mod ownfiles;
pub mod policy;
pub mod progress;
pub mod report;
pub mod resolve;
pub mod rulecheck;
pub mod rules;
pub mod safeio;
pub mod scan;
pub mod suppress;
pub mod types;
pub mod util;
pub mod walk;
