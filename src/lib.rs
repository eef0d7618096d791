//! modelgate: find AI model references in a repository, resolve them against a sourced rules
//! database, apply a policy and report.
//!
//! The pipeline is walk → classify → detect → resolve → policy → report, one module per stage;
//! [`scan::run`] strings them together: [`scan::visit_file`] is the one per-file path (walk,
//! `--staged` and the merge base of `--diff-base` all call it) and [`scan::findings`] the one
//! findings path.
//!
//! Layers, from the bottom (a module imports only from layers below it; `tests/module_graph.rs`
//! proves there is no cycle):
//! - shared types and utilities: [`types`], [`util`], [`escape`], [`lineindex`], [`safeio`],
//!   [`digest`], [`checks`], [`progress`];
//! - the database: [`rules`];
//! - the stages: [`walk`], [`classify`], [`detect`] (with [`deps`] for manifests and [`lineage`]
//!   for weights and model metadata), [`resolve`] (the token [`resolve::Resolver`] and the
//!   facts of a hit), [`policy`] with [`message`], [`config`] and [`suppress`], [`report`];
//! - the runs: [`scan`], [`diff`] (`--staged`, `--diff-base`), [`online`], [`ownfiles`];
//! - above them: [`rulecheck`] (database checks through the detector), [`explain`], [`cli`].

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
pub mod history;
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
