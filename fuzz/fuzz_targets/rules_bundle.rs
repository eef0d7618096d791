#![no_main]
//! Rules bundles (`rules::bundle::load`): the JSON envelope, file names, the TOML files inside
//! (`Database::parse`), `as_of`, validation, and for a valid database the detector built from it
//! with every example checked (`rulecheck::check`). A bundle that loads exports to a bundle that
//! loads to the same content.
use libfuzzer_sys::fuzz_target;
use modelgate::rules::{Origin, bundle};

fuzz_target!(|data: &[u8]| {
    if let Ok(db) = bundle::load(data, Origin::Embedded, &modelgate::rulecheck::check) {
        let again = bundle::export(&db);
        let db2 = bundle::load(&again, Origin::Embedded, &modelgate::rulecheck::check).expect("an exported bundle loads");
        assert_eq!(db.content_hash, db2.content_hash);
    }
});
