//! Which rules database a command uses, how the version line names it, and when it is too old.

use std::path::Path;

use crate::rules::{Database, bundle};
use crate::types::{Notification, NotificationLevel};
use crate::util::days_from_date;

/// The database to use: `--rules DIR`, else an installed bundle, else the embedded one.
pub fn load_db(rules: Option<&Path>) -> Result<Database, String> {
    if let Some(dir) = rules {
        return Database::from_dir(dir).map_err(|e| format!("rules database: {e}"));
    }
    if let Some(dir) = bundle::data_dir() {
        match bundle::load_installed(&dir, &crate::rulecheck::check) {
            Ok(Some(db)) => return Ok(db),
            Ok(None) => {}
            Err(e) => {
                return Err(format!(
                    "installed rules bundle: {e} (remove it or run `modelgate rules update`)"
                ));
            }
        }
    }
    Database::embedded().map_err(|e| format!("embedded rules database: {e}"))
}

/// `modelgate --version`: the version and the date, schema, hash and origin of the database in
/// use.
pub fn version_line() -> String {
    match load_db(None) {
        Ok(db) => format!(
            "modelgate {} (rules {}, schema {}, sha256 {}; {})",
            env!("CARGO_PKG_VERSION"),
            db.meta.as_of,
            db.meta.schema_version,
            &db.content_hash[..16],
            db.origin
        ),
        Err(e) => format!(
            "modelgate {} (embedded rules invalid: {e})",
            env!("CARGO_PKG_VERSION")
        ),
    }
}

/// A warning when `db` is dated more than `max_age_days` before `today` (days since
/// 1970-01-01), for the report's notifications (and the command line's stderr).
pub fn staleness(db: &Database, max_age_days: u32, today: i64) -> Option<Notification> {
    let age = today - days_from_date(&db.meta.as_of)?;
    (age > i64::from(max_age_days)).then(|| Notification {
        level: NotificationLevel::Warning,
        path: None,
        line: None,
        message: format!(
            "the rules database ({}) is dated {}, {age} days ago (more than {max_age_days}); run `modelgate rules update`",
            db.origin, db.meta.as_of
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_older_than_the_limit_is_stale() {
        let db = Database::embedded().unwrap();
        let dated = days_from_date(&db.meta.as_of).unwrap();
        assert_eq!(staleness(&db, 180, dated + 180), None);
        let n = staleness(&db, 180, dated + 181).unwrap();
        assert_eq!(n.level, NotificationLevel::Warning);
        assert_eq!(n.path, None);
        assert_eq!(
            n.message,
            format!(
                "the rules database (embedded) is dated {}, 181 days ago (more than 180); run `modelgate rules update`",
                db.meta.as_of
            )
        );
        assert_eq!(staleness(&db, 0, dated), None);
    }
}
