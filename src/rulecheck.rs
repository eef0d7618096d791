//! Checks of a rules database that need the pipeline above it: every `examples` entry of
//! `rules/` must be found (or not found) by the real text detector, and every default model a
//! package names must resolve. `rules check`, bundle loading and `rules update` run this; it
//! sits above both the database and the detector so that neither imports the other.

use std::sync::Arc;

use crate::detect::text::TextDetector;
use crate::rules::{Database, Problem, validate};

/// Every problem of a parsed database: structure and references first; when those hold, the
/// examples through the detector and the packages' default models through the resolver.
pub fn check(db: &Database) -> Vec<Problem> {
    let mut problems = validate(db);
    if problems.is_empty() {
        match TextDetector::for_database(Arc::new(db.clone())) {
            Ok(d) => {
                problems.extend(d.check_examples());
                problems.extend(crate::deps::check_default_models(d.resolver()));
            }
            Err(e) => problems.push(Problem {
                file: "rules".into(),
                line: None,
                message: format!("cannot build the detector: {e}"),
            }),
        }
    }
    problems
}
