//! Signed rules updates: `rules update` installs a bundle only with a valid minisign signature
//! (`URL.minisig`) by a trusted key that is not retired, and `rules export --sign` writes one.
//! Keys are throw-away pairs made by each test; bundles are served by a small HTTP server on
//! 127.0.0.1 started by the test, never the internet.

use std::path::{Path, PathBuf};
use std::time::Duration;

mod common;
use common::serve;

use modelgate::rules::sign;

fn cmd(data: &Path) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("modelgate").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("MODELGATE_DATA_DIR", data)
        .env_remove("MODELGATE_RULES_URL")
        .env_remove(sign::PASSWORD_ENV)
        .timeout(Duration::from_secs(60));
    c
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A throw-away key pair in `dir`: the secret key file, the public key file, the key id.
struct Key {
    secret: PathBuf,
    public: PathBuf,
    id: String,
    base64: String,
}

fn key(dir: &Path, name: &str) -> Key {
    let kp = minisign::KeyPair::generate_unencrypted_keypair().unwrap();
    let secret = dir.join(format!("{name}.key"));
    let public = dir.join(format!("{name}.pub"));
    std::fs::write(&secret, kp.sk.to_box(None).unwrap().into_string()).unwrap();
    std::fs::write(&public, kp.pk.to_box().unwrap().into_string()).unwrap();
    let id = format!(
        "{:016X}",
        u64::from_le_bytes(kp.pk.keynum().try_into().unwrap())
    );
    Key {
        secret,
        public,
        id,
        base64: kp.pk.to_base64(),
    }
}

fn signature(k: &Key, bundle: &[u8]) -> Vec<u8> {
    sign::sign(&k.secret, bundle, "b.json", "test")
        .unwrap()
        .into_bytes()
}

/// The embedded database as a bundle dated `as_of`.
fn bundle(as_of: &str) -> Vec<u8> {
    let db = modelgate::rules::Database::embedded().unwrap();
    let mut v: serde_json::Value =
        serde_json::from_slice(&modelgate::rules::bundle::export(&db)).unwrap();
    v["as_of"] = as_of.into();
    let meta = v["files"]["meta.toml"]
        .as_str()
        .unwrap()
        .replace(&db.meta.as_of, as_of);
    v["files"]["meta.toml"] = meta.into();
    serde_json::to_vec(&v).unwrap()
}

fn update(data: &Path, args: &[&str]) -> std::process::Output {
    cmd(data)
        .args(["rules", "update", "--timeout", "5"])
        .args(args)
        .output()
        .unwrap()
}

/// Exit 2, the installed bundle is still `before` (or absent), and no temporary file is left.
fn refused(o: &std::process::Output, data: &Path, before: Option<&[u8]>, what: &str) {
    assert_eq!(o.status.code(), Some(2), "{what}: {}", text(o));
    let installed = std::fs::read(data.join("rules.bundle.json")).ok();
    assert_eq!(
        installed.as_deref(),
        before,
        "{what} changed the installed bundle"
    );
    let stray: Vec<_> = std::fs::read_dir(data)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".tmp"))
                .collect()
        })
        .unwrap_or_default();
    assert!(stray.is_empty(), "{what} left {stray:?}");
}

#[test]
fn signed_bundle_installs_and_tampered_or_unsigned_ones_are_refused() {
    let keys = tempfile::tempdir().unwrap();
    let k = key(keys.path(), "test");
    let good = bundle("2099-01-01");
    let newer = bundle("2099-02-01");
    let mut tampered = newer.clone();
    // One entry changed after signing: the bundle is still valid, only the signature tells.
    let s = String::from_utf8(tampered.clone()).unwrap();
    tampered = s.replacen("Zhipu AI", "Zhipu Al", 1).into_bytes();
    assert_ne!(tampered, newer);
    let good_sig = signature(&k, &good);
    let newer_sig = signature(&k, &newer);
    let mut bad_sig = String::from_utf8(newer_sig.clone()).unwrap();
    // Flip one character of the signature line (the second line).
    let second = bad_sig.find('\n').unwrap() + 20;
    let c = if &bad_sig[second..=second] == "A" {
        "B"
    } else {
        "A"
    };
    bad_sig.replace_range(second..=second, c);
    let base = serve(vec![
        ("/good.json", good.clone()),
        ("/good.json.minisig", good_sig.clone()),
        ("/tampered.json", tampered.clone()),
        ("/tampered.json.minisig", newer_sig.clone()),
        ("/badsig.json", newer.clone()),
        ("/badsig.json.minisig", bad_sig.into_bytes()),
        ("/garbage.json", newer.clone()),
        ("/garbage.json.minisig", b"not a signature\n".to_vec()),
        ("/unsigned.json", newer.clone()),
    ]);
    let data = tempfile::tempdir().unwrap();
    let trust = ["--trusted-key", k.public.to_str().unwrap()];

    // Signed by the trusted key: installed, and the output says by which key.
    let mut args = vec!["--from".to_string(), format!("{base}/good.json")];
    args.extend(trust.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = update(data.path(), &args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains(&format!("signed by key {}", k.id)),
        "{}",
        text(&o)
    );
    assert!(
        text(&o).contains("trusting only the key(s) in"),
        "{}",
        text(&o)
    );
    assert_eq!(
        std::fs::read(data.path().join("rules.bundle.json")).unwrap(),
        good
    );

    let with = |path: &str| {
        let url = format!("{base}/{path}");
        update(data.path(), &["--from", &url, trust[0], trust[1]])
    };
    // The content changed after signing.
    let o = with("tampered.json");
    refused(&o, data.path(), Some(&good), "tampered bundle");
    assert!(
        text(&o).contains("tampered.json does not match its signature tampered.json.minisig"),
        "{}",
        text(&o)
    );
    // The signature changed.
    let o = with("badsig.json");
    refused(&o, data.path(), Some(&good), "tampered signature");
    assert!(text(&o).contains("badsig.json.minisig"), "{}", text(&o));
    // Not a signature at all.
    let o = with("garbage.json");
    refused(&o, data.path(), Some(&good), "garbage signature");
    assert!(
        text(&o).contains("garbage.json.minisig: not a minisign signature"),
        "{}",
        text(&o)
    );
    // No signature published.
    let o = with("unsigned.json");
    refused(&o, data.path(), Some(&good), "unsigned bundle");
    assert!(
        text(&o).contains("unsigned.json.minisig: no signature"),
        "{}",
        text(&o)
    );

    // An unsigned bundle installs only with an explicit --from and --insecure-skip-signature,
    // with a warning.
    let url = format!("{base}/unsigned.json");
    let o = update(data.path(), &["--from", &url, "--insecure-skip-signature"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("warning: --insecure-skip-signature"),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains("not signature-checked"), "{}", text(&o));
    assert_eq!(
        std::fs::read(data.path().join("rules.bundle.json")).unwrap(),
        newer
    );

    // Neither option works without --from: the default feed is always checked against the
    // project's keys.
    for extra in [
        vec!["--insecure-skip-signature"],
        vec!["--trusted-key", k.public.to_str().unwrap()],
    ] {
        let o = cmd(data.path())
            .env("MODELGATE_RULES_URL", &url)
            .args(["rules", "update"])
            .args(&extra)
            .output()
            .unwrap();
        refused(&o, data.path(), Some(&newer), "option without --from");
        assert!(text(&o).contains("--from"), "{}", text(&o));
    }
    let o = cmd(data.path())
        .args([
            "rules",
            "update",
            "--from",
            &url,
            "--insecure-skip-signature",
            "--trusted-key",
            k.public.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    refused(&o, data.path(), Some(&newer), "both options");
}

#[test]
fn a_signature_by_an_untrusted_or_retired_key_is_refused() {
    let keys = tempfile::tempdir().unwrap();
    let trusted = key(keys.path(), "trusted");
    let other = key(keys.path(), "other");
    let b = bundle("2099-01-01");
    let base = serve(vec![
        ("/other.json", b.clone()),
        ("/other.json.minisig", signature(&other, &b)),
        ("/trusted.json", b.clone()),
        ("/trusted.json.minisig", signature(&trusted, &b)),
    ]);
    let data = tempfile::tempdir().unwrap();

    // Signed by a key that is not the trusted one.
    let o = update(
        data.path(),
        &[
            "--from",
            &format!("{base}/other.json"),
            "--trusted-key",
            trusted.public.to_str().unwrap(),
        ],
    );
    refused(&o, data.path(), None, "wrong key");
    assert!(
        text(&o).contains(&format!(
            "other.json.minisig: signed by key {}, which is not a trusted key (trusted: {})",
            other.id, trusted.id
        )),
        "{}",
        text(&o)
    );

    // Without --trusted-key only the project's embedded keys count: a test key is refused,
    // also when the URL comes from $MODELGATE_RULES_URL.
    let project: Vec<String> = sign::embedded_keys().into_iter().map(|k| k.id).collect();
    assert!(!project.contains(&trusted.id));
    let o = cmd(data.path())
        .env("MODELGATE_RULES_URL", format!("{base}/trusted.json"))
        .args(["rules", "update", "--timeout", "5"])
        .output()
        .unwrap();
    refused(&o, data.path(), None, "test key against the project keys");
    assert!(
        text(&o).contains(&format!(
            "signed by key {}, which is not a trusted key (trusted: {})",
            trusted.id,
            project.join(", ")
        )),
        "{}",
        text(&o)
    );

    // A keyring where the signing key is retired.
    let ring = keys.path().join("ring.toml");
    let write_ring = |extra: &str| {
        std::fs::write(
            &ring,
            format!(
                "[[key]]\nid = \"{}\"\npublic_key = \"{}\"\n{extra}\n\n[[key]]\nid = \"{}\"\npublic_key = \"{}\"\n",
                trusted.id, trusted.base64, other.id, other.base64
            ),
        )
        .unwrap();
    };
    let via_ring = || {
        update(
            data.path(),
            &[
                "--from",
                &format!("{base}/trusted.json"),
                "--trusted-key",
                ring.to_str().unwrap(),
            ],
        )
    };
    write_ring("retired = \"key lost 2099-01-02\"");
    let o = via_ring();
    refused(&o, data.path(), None, "retired key");
    assert!(
        text(&o).contains(&format!(
            "trusted.json.minisig: signed by key {}, which is retired (key lost 2099-01-02)",
            trusted.id
        )),
        "{}",
        text(&o)
    );
    // A key past its validity range: it may not sign a bundle dated after it.
    write_ring("valid_until = \"2098-12-31\"");
    let o = via_ring();
    refused(&o, data.path(), None, "key past valid_until");
    assert!(
        text(&o).contains(&format!(
            "the bundle is dated 2099-01-01, after key {} stopped signing (2098-12-31)",
            trusted.id
        )),
        "{}",
        text(&o)
    );
    // The same keyring with the key current: installed.
    write_ring("valid_from = \"2099-01-01\"");
    let o = via_ring();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        std::fs::read(data.path().join("rules.bundle.json")).unwrap(),
        b
    );
    // A keyring whose id does not match its key is an error naming the file.
    std::fs::write(
        &ring,
        format!(
            "[[key]]\nid = \"{}\"\npublic_key = \"{}\"\n",
            other.id, trusted.base64
        ),
    )
    .unwrap();
    let o = via_ring();
    refused(&o, data.path(), Some(&b), "inconsistent keyring");
    assert!(
        text(&o).contains("ring.toml: key") && text(&o).contains("has the key id"),
        "{}",
        text(&o)
    );
}

#[test]
fn signed_downgrades_are_still_refused() {
    let keys = tempfile::tempdir().unwrap();
    let k = key(keys.path(), "test");
    let newer = bundle("2099-06-01");
    let older = bundle("2099-01-01");
    let base = serve(vec![
        ("/new.json", newer.clone()),
        ("/new.json.minisig", signature(&k, &newer)),
        ("/old.json", older.clone()),
        ("/old.json.minisig", signature(&k, &older)),
    ]);
    let data = tempfile::tempdir().unwrap();
    let pk = k.public.to_str().unwrap();
    let o = update(
        data.path(),
        &["--from", &format!("{base}/new.json"), "--trusted-key", pk],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = update(
        data.path(),
        &["--from", &format!("{base}/old.json"), "--trusted-key", pk],
    );
    refused(&o, data.path(), Some(&newer), "signed downgrade");
    assert!(text(&o).contains("--force"), "{}", text(&o));
    let o = update(
        data.path(),
        &[
            "--from",
            &format!("{base}/old.json"),
            "--trusted-key",
            pk,
            "--force",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        std::fs::read(data.path().join("rules.bundle.prev.json")).unwrap(),
        newer
    );
}

#[test]
fn export_sign_round_trips_through_verify_and_update() {
    let t = tempfile::tempdir().unwrap();
    let k = key(t.path(), "test");
    let data = tempfile::tempdir().unwrap();
    let out = t.path().join("modelgate-rules.bundle");
    let o = cmd(data.path())
        .args([
            "rules",
            "export",
            "-o",
            out.to_str().unwrap(),
            "--sign",
            k.secret.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains(&format!("(key {})", k.id)),
        "{}",
        text(&o)
    );
    let bytes = std::fs::read(&out).unwrap();
    let sig = std::fs::read(t.path().join("modelgate-rules.bundle.minisig")).unwrap();

    // Our verifier, with the public key file as a trusted key.
    let keys = sign::load_keys(&k.public).unwrap();
    let v = sign::verify(&keys, "b", &bytes, "b.minisig", &sig).unwrap();
    let as_of = modelgate::rules::Database::embedded().unwrap().meta.as_of;
    assert!(
        v.trusted_comment.contains("file:modelgate-rules.bundle")
            && v.trusted_comment.contains(&format!("as_of:{as_of}")),
        "{}",
        v.trusted_comment
    );
    // The minisign crate's own verifier agrees (the format is minisign's, not ours).
    let pk = minisign::PublicKey::from_file(&k.public).unwrap();
    let sigbox = minisign::SignatureBox::from_string(std::str::from_utf8(&sig).unwrap()).unwrap();
    minisign::verify(
        &pk,
        &sigbox,
        std::io::Cursor::new(&bytes),
        true,
        false,
        false,
    )
    .unwrap();
    let mut altered = bytes.clone();
    altered.push(b'\n');
    assert!(
        minisign::verify(
            &pk,
            &sigbox,
            std::io::Cursor::new(&altered),
            true,
            false,
            false
        )
        .is_err()
    );

    // Served as exported, `rules update` installs it (same date as the embedded database: not
    // a downgrade).
    let base = serve(vec![
        ("/modelgate-rules.bundle", bytes.clone()),
        ("/modelgate-rules.bundle.minisig", sig.clone()),
        (
            "/modelgate-rules.bundle.sha256",
            std::fs::read(t.path().join("modelgate-rules.bundle.sha256")).unwrap(),
        ),
    ]);
    let o = update(
        data.path(),
        &[
            "--from",
            &format!("{base}/modelgate-rules.bundle"),
            "--trusted-key",
            k.public.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        std::fs::read(data.path().join("rules.bundle.json")).unwrap(),
        bytes
    );

    // A key file that is not a secret key: an error naming it, and nothing written.
    let out2 = t.path().join("other.bundle");
    let o = cmd(data.path())
        .args([
            "rules",
            "export",
            "-o",
            out2.to_str().unwrap(),
            "--sign",
            k.public.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("test.pub"), "{}", text(&o));
    assert!(!out2.exists());
}

#[test]
fn the_default_feed_is_the_asset_the_release_workflow_publishes() {
    let feed = modelgate::rules::update::DEFAULT_FEED;
    let wf = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".github/workflows/rules-release.yml"),
    )
    .unwrap();
    let (prefix, asset) = feed.rsplit_once('/').unwrap();
    let tag = prefix.rsplit('/').next().unwrap();
    assert!(
        prefix.starts_with("https://github.com/modelgate/modelgate/releases/download/"),
        "{feed}"
    );
    assert!(
        wf.contains(&format!("ASSET: {asset}")),
        "workflow asset is not {asset}"
    );
    assert!(
        wf.contains(&format!("FEED_TAG: {tag}")),
        "workflow tag is not {tag}"
    );
    assert!(wf.contains("--sign"), "the workflow does not sign");
    // The documentation names the same URL.
    for doc in ["README.md", "docs/security.md"] {
        let s = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(doc)).unwrap();
        assert!(s.contains(feed), "{doc} does not name {feed}");
    }
}
