//! Signatures of rules bundles: minisign format (Ed25519 over the BLAKE2b-512 hash of the file,
//! the "prehashed" signatures of minisign 0.8 and later), written beside the bundle as
//! `BUNDLE.minisig`.
//!
//! Verification uses `minisign-verify` against a list of trusted keys: the project's keys
//! embedded below ([`EMBEDDED_KEYS`]), or, for one `rules update --from URL`, the keys of a file
//! given with `--trusted-key`. A rotation is a change of that list, not of code: each key has an
//! id, its public key, the range of bundle `as_of` dates it may sign and, once it must not be
//! trusted any more, a `retired` reason. Signing (`rules export --sign KEYFILE`) uses the
//! `minisign` crate.

use std::path::Path;

use serde::Deserialize;

/// Suffix of the signature file beside a bundle.
pub const SUFFIX: &str = ".minisig";
/// Largest signature file read (a minisign signature is about 300 bytes plus its comments).
pub const MAX_SIGNATURE: u64 = 4096;
/// Largest key file read (`--trusted-key`, `--sign`).
const MAX_KEY_FILE: u64 = 64 << 10;
/// Environment variable with the password of an encrypted secret key for `--sign`.
pub const PASSWORD_ENV: &str = "MODELGATE_SIGNING_KEY_PASSWORD";

/// The keys a bundle from the project's feed may be signed with, in the format of a
/// `--trusted-key` keyring file. To rotate: add the new key (with `valid_from`), publish with
/// it, then give the old key a `valid_until` (or `retired` when it was compromised). The
/// public key is also in `docs/rules-signing.pub`.
pub const EMBEDDED_KEYS: &str = r#"
[[key]]
id = "5ED2ED16BDE5A6F9"
public_key = "RWT5puW9Fu3SXuCdFY9RobxMszlNBSF4XU0CG+ktPcajWGzRpIxSInXg"
"#;

/// One trusted public key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustedKey {
    /// The key id as minisign prints it: 16 uppercase hex digits.
    pub id: String,
    /// The second line of a minisign public key file (base64).
    pub public_key: String,
    /// Earliest bundle `as_of` date (YYYY-MM-DD, inclusive) this key may sign.
    #[serde(default)]
    pub valid_from: Option<String>,
    /// Latest bundle `as_of` date (inclusive) this key may sign.
    #[serde(default)]
    pub valid_until: Option<String>,
    /// Set, with the reason, when no signature by this key is accepted any more.
    #[serde(default)]
    pub retired: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Keyring {
    key: Vec<TrustedKey>,
}

/// A signature that checked out.
#[derive(Debug, Clone)]
pub struct Verified {
    pub key: TrustedKey,
    /// The signed comment of the signature (minisign's "trusted comment").
    pub trusted_comment: String,
}

fn key_id_hex(keynum: &[u8]) -> String {
    let mut b = [0u8; 8];
    b.copy_from_slice(&keynum[..8]);
    format!("{:016X}", u64::from_le_bytes(b))
}

/// Parses and checks a keyring (TOML, `[[key]]` tables); `what` names it in errors.
pub fn parse_keyring(text: &str, what: &str) -> Result<Vec<TrustedKey>, String> {
    let ring: Keyring = toml::from_str(text).map_err(|e| format!("{what}: {e}"))?;
    if ring.key.is_empty() {
        return Err(format!("{what}: no [[key]]"));
    }
    for k in &ring.key {
        let pk = minisign::PublicKey::from_base64(k.public_key.trim())
            .map_err(|e| format!("{what}: key {}: not a minisign public key: {e}", k.id))?;
        let id = key_id_hex(pk.keynum());
        if !k.id.eq_ignore_ascii_case(&id) {
            return Err(format!(
                "{what}: key {} has the key id {id} in its public key",
                k.id
            ));
        }
        for d in [&k.valid_from, &k.valid_until].into_iter().flatten() {
            if !crate::util::is_date(d) {
                return Err(format!(
                    "{what}: key {}: `{d}` is not a YYYY-MM-DD date",
                    k.id
                ));
            }
        }
    }
    Ok(ring.key)
}

/// The project's trusted keys.
pub fn embedded_keys() -> Vec<TrustedKey> {
    parse_keyring(EMBEDDED_KEYS, "embedded keys").expect("the embedded keyring is valid")
}

/// Reads the keys of `--trusted-key FILE`: a minisign public key file (`untrusted comment:`
/// line, then the key; trusted for any date) or a keyring in the format of [`EMBEDDED_KEYS`].
pub fn load_keys(path: &Path) -> Result<Vec<TrustedKey>, String> {
    let text = read_small(path, MAX_KEY_FILE)?;
    let what = path.display().to_string();
    if text.starts_with("untrusted comment:") {
        let pk = minisign::PublicKey::from_box(
            minisign::PublicKeyBox::from_string(&text)
                .map_err(|e| format!("{what}: not a minisign public key: {e}"))?,
        )
        .map_err(|e| format!("{what}: not a minisign public key: {e}"))?;
        return Ok(vec![TrustedKey {
            id: key_id_hex(pk.keynum()),
            public_key: pk.to_base64(),
            valid_from: None,
            valid_until: None,
            retired: None,
        }]);
    }
    parse_keyring(&text, &what)
}

fn read_small(path: &Path, limit: u64) -> Result<String, String> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut s = String::new();
    f.take(limit + 1)
        .read_to_string(&mut s)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if s.len() as u64 > limit {
        return Err(format!(
            "{}: more than {limit} bytes: not a key file",
            path.display()
        ));
    }
    Ok(s)
}

/// Checks that `sig` (the text of `sig_name`) is a valid signature of `bundle` (named
/// `bundle_name`) by one of `keys` that is not retired. Errors name the file and the reason.
pub fn verify(
    keys: &[TrustedKey],
    bundle_name: &str,
    bundle: &[u8],
    sig_name: &str,
    sig: &[u8],
) -> Result<Verified, String> {
    let text = std::str::from_utf8(sig)
        .map_err(|_| format!("{sig_name}: not a minisign signature (not UTF-8 text)"))?;
    let parsed = minisign_verify::Signature::decode(text)
        .map_err(|e| format!("{sig_name}: not a minisign signature ({e})"))?;
    let id = minisign::SignatureBox::from_string(text)
        .map(|b| key_id_hex(b.keynum()))
        .map_err(|e| format!("{sig_name}: not a minisign signature ({e})"))?;
    let Some(key) = keys.iter().find(|k| k.id.eq_ignore_ascii_case(&id)) else {
        let trusted: Vec<&str> = keys.iter().map(|k| k.id.as_str()).collect();
        return Err(format!(
            "{sig_name}: signed by key {id}, which is not a trusted key (trusted: {}); nothing installed",
            trusted.join(", ")
        ));
    };
    if let Some(why) = &key.retired {
        return Err(format!(
            "{sig_name}: signed by key {id}, which is retired ({why}); nothing installed"
        ));
    }
    let pk = minisign_verify::PublicKey::from_base64(key.public_key.trim())
        .map_err(|e| format!("trusted key {id}: {e}"))?;
    pk.verify(bundle, &parsed, false).map_err(|e| match e {
        minisign_verify::Error::UnexpectedAlgorithm => format!(
            "{sig_name}: a legacy (not prehashed) minisign signature, which is not accepted; nothing installed"
        ),
        minisign_verify::Error::InvalidSignature => format!(
            "{bundle_name} does not match its signature {sig_name} by key {id}: the bundle or the signature was altered; nothing installed"
        ),
        e => format!("{sig_name}: {e}; nothing installed"),
    })?;
    Ok(Verified {
        key: key.clone(),
        trusted_comment: parsed.trusted_comment().to_string(),
    })
}

/// Checks that the key of `v` may sign a bundle dated `as_of` (its `valid_from`..`valid_until`).
pub fn check_validity(v: &Verified, as_of: &str) -> Result<(), String> {
    let k = &v.key;
    if let Some(from) = &k.valid_from
        && as_of < from.as_str()
    {
        return Err(format!(
            "the bundle is dated {as_of}, before key {} became valid ({from}); nothing installed",
            k.id
        ));
    }
    if let Some(until) = &k.valid_until
        && as_of > until.as_str()
    {
        return Err(format!(
            "the bundle is dated {as_of}, after key {} stopped signing ({until}); nothing installed",
            k.id
        ));
    }
    Ok(())
}

/// Signs `bundle` with the minisign secret key in `key_path` and returns the text of the
/// `.minisig` file. An encrypted key is decrypted with the password in `$`[`PASSWORD_ENV`]; the
/// password is never asked for interactively.
pub fn sign(
    key_path: &Path,
    bundle: &[u8],
    file_name: &str,
    as_of: &str,
) -> Result<String, String> {
    let what = key_path.display();
    let text = read_small(key_path, MAX_KEY_FILE)?;
    let sk_box = || {
        minisign::SecretKeyBox::from_string(&text)
            .map_err(|e| format!("{what}: not a minisign secret key: {e}"))
    };
    let sk = match sk_box()?.into_unencrypted_secret_key() {
        Ok(sk) => sk,
        Err(_) => {
            let password = std::env::var(PASSWORD_ENV)
                .ok()
                .filter(|p| !p.is_empty())
                .ok_or_else(|| {
                    format!("{what}: an encrypted secret key (or not a minisign secret key); set {PASSWORD_ENV} to its password")
                })?;
            sk_box()?
                .into_secret_key(Some(password))
                .map_err(|e| format!("{what}: cannot decrypt the secret key: {e}"))?
        }
    };
    let id = key_id_hex(sk.keynum());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // The trusted comment is signed too; it records what was signed and when.
    let trusted = format!("timestamp:{now}\tfile:{file_name}\tas_of:{as_of}\tprehashed");
    let untrusted = format!("modelgate rules bundle signature, key {id}");
    let sig = minisign::sign(None, &sk, bundle, Some(&trusted), Some(&untrusted))
        .map_err(|e| format!("cannot sign with {what}: {e}"))?;
    Ok(sig.into_string())
}

/// The key id a signature (the text of a `.minisig` file) names.
pub fn signature_key_id(sig_text: &str) -> Option<String> {
    minisign::SignatureBox::from_string(sig_text)
        .ok()
        .map(|b| key_id_hex(b.keynum()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keypair() -> (String, Vec<TrustedKey>, tempfile::TempDir) {
        let kp = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        let t = tempfile::tempdir().unwrap();
        let skp = t.path().join("k.key");
        std::fs::write(&skp, kp.sk.to_box(None).unwrap().into_string()).unwrap();
        let key = TrustedKey {
            id: key_id_hex(kp.pk.keynum()),
            public_key: kp.pk.to_base64(),
            valid_from: None,
            valid_until: None,
            retired: None,
        };
        (skp.to_string_lossy().into_owned(), vec![key], t)
    }

    #[test]
    fn embedded_keys_parse_and_match_the_published_public_key() {
        let keys = embedded_keys();
        assert!(keys.iter().any(|k| k.retired.is_none()));
        let published = include_str!("../../docs/rules-signing.pub");
        let pk = minisign::PublicKeyBox::from_string(published)
            .unwrap()
            .into_public_key()
            .unwrap();
        let current = keys.iter().find(|k| k.retired.is_none()).unwrap();
        assert_eq!(current.public_key, pk.to_base64());
        assert_eq!(current.id, key_id_hex(pk.keynum()));
    }

    #[test]
    fn sign_then_verify_and_every_refusal() {
        let (skp, keys, _t) = keypair();
        let body = b"{\"bundle\": 1}\n";
        let sig = sign(Path::new(&skp), body, "b.json", "2099-01-01").unwrap();
        let v = verify(&keys, "b.json", body, "b.json.minisig", sig.as_bytes()).unwrap();
        assert!(v.trusted_comment.contains("as_of:2099-01-01"), "{v:?}");
        assert_eq!(signature_key_id(&sig).unwrap(), keys[0].id);

        let e = verify(
            &keys,
            "b.json",
            b"{\"bundle\": 2}\n",
            "b.json.minisig",
            sig.as_bytes(),
        )
        .unwrap_err();
        assert!(
            e.contains("b.json does not match its signature b.json.minisig"),
            "{e}"
        );
        let (_, other, _t2) = keypair();
        let e = verify(&other, "b.json", body, "b.json.minisig", sig.as_bytes()).unwrap_err();
        assert!(e.contains("which is not a trusted key"), "{e}");
        let mut retired = keys.clone();
        retired[0].retired = Some("lost".into());
        let e = verify(&retired, "b.json", body, "b.json.minisig", sig.as_bytes()).unwrap_err();
        assert!(e.contains("is retired (lost)"), "{e}");
        let e = verify(&keys, "b.json", body, "b.json.minisig", b"hello").unwrap_err();
        assert!(
            e.contains("b.json.minisig: not a minisign signature"),
            "{e}"
        );

        let mut windowed = v.clone();
        windowed.key.valid_from = Some("2099-02-01".into());
        assert!(
            check_validity(&windowed, "2099-01-01")
                .unwrap_err()
                .contains("before key")
        );
        windowed.key.valid_from = None;
        windowed.key.valid_until = Some("2098-12-31".into());
        assert!(
            check_validity(&windowed, "2099-01-01")
                .unwrap_err()
                .contains("stopped signing")
        );
        assert!(check_validity(&v, "2099-01-01").is_ok());
    }

    #[test]
    fn keyrings_are_checked() {
        let (_, keys, _t) = keypair();
        let ring = format!(
            "[[key]]\nid = \"{}\"\npublic_key = \"{}\"\nvalid_until = \"2030-01-01\"\n",
            keys[0].id, keys[0].public_key
        );
        assert_eq!(parse_keyring(&ring, "r").unwrap().len(), 1);
        let bad_id = ring.replace(&keys[0].id, "0000000000000000");
        assert!(
            parse_keyring(&bad_id, "r")
                .unwrap_err()
                .contains("has the key id")
        );
        let bad_date = ring.replace("2030-01-01", "2030-13-01");
        assert!(
            parse_keyring(&bad_date, "r")
                .unwrap_err()
                .contains("not a YYYY-MM-DD")
        );
        assert!(parse_keyring("", "r").is_err());
    }
}
