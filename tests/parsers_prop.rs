//! Property checks of the parsers of untrusted bytes (a dependency-free stand-in for proptest):
//! thousands of mutations of real fixture files — flipped bytes, truncations, and hostile
//! counts and lengths spliced over every 8-byte position — must never panic, and a parse of a
//! file of N bytes never reports more than N bytes of strings.

use modelgate::detect::{gguf, modelmeta, safetensors, weights};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn fixture(p: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(p)).unwrap()
}

fn all_parsers(b: &[u8]) {
    if let Ok(i) = gguf::parse(&b) {
        let strings: usize = i.meta.iter().map(|(k, v)| k.len() + v.len()).sum();
        assert!(strings <= b.len() * 3, "strings larger than the input");
        let _ = i.base_models();
    }
    let _ = safetensors::sniff(b, b.len() as u64);
    if let Ok(i) = safetensors::parse(&b) {
        assert!(i.header_len + 8 <= b.len() as u64);
    }
    let _ = modelmeta::lfs_pointer(b);
    let _ = modelmeta::config(b);
    let _ = modelmeta::card(b);
    let _ = modelmeta::ollama_manifest("m/manifests/r/library/x/y", b);
    let _ = modelmeta::trust_remote_code_lines(b);
    let _ = weights::sniff_format(b, b.len() as u64, "pt");
}

const HOSTILE: [u64; 6] = [u64::MAX, 1 << 60, 1 << 40, 100_000_001, 0xFFFF_FFFF, 65_536];

#[test]
fn mutated_fixtures_never_panic() {
    let seeds = [
        fixture("fixtures/weights/gguf/qwen-derived.gguf"),
        fixture("fixtures/weights/gguf/glm4-arch-only.gguf"),
        fixture("fixtures/weights/safetensors/model.safetensors"),
        fixture("fixtures/weights/adapter/README.md"),
        fixture("fixtures/weights/remote/config.json"),
        fixture("fixtures/weights/lfs/Qwen3-14B-Q4_K_M.gguf"),
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for seed in &seeds {
        for cut in 0..=seed.len() {
            all_parsers(&seed[..cut]);
        }
        for pos in 0..seed.len().saturating_sub(8) {
            for h in HOSTILE {
                let mut b = seed.clone();
                b[pos..pos + 8].copy_from_slice(&h.to_le_bytes());
                all_parsers(&b);
            }
        }
        for _ in 0..2000 {
            let mut b = seed.clone();
            for _ in 0..(rng.next() % 8 + 1) {
                let i = (rng.next() as usize) % b.len();
                b[i] = rng.next() as u8;
            }
            if rng.next().is_multiple_of(4) {
                let n = (rng.next() as usize) % b.len();
                b.truncate(n);
            }
            all_parsers(&b);
        }
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(42);
    for len in 0..600 {
        let mut b: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        all_parsers(&b);
        if b.len() >= 4 {
            b[..4].copy_from_slice(b"GGUF");
            all_parsers(&b);
        }
    }
}

/// Dependency names mixing ASCII name characters with multibyte ones (`é`, `依`, `😀`), some
/// nested in others (`aéb` and `éb`): the manifest parsers must not panic and every place they
/// report must be inside the file, on a line that holds the name when it is plain ASCII.
#[test]
fn multibyte_dependency_names_never_panic() {
    use modelgate::deps::{self, ManifestFile, ManifestKind};
    const PARTS: [&str; 9] = ["a", "b", "-", "_", ".", "é", "依", "😀", "1"];
    let mut rng = Rng(0xDEAD_BEEF_CAFE_F00D);
    let mf = |rel: &str, kind, text: &str| ManifestFile {
        rel: rel.into(),
        kind,
        text: text.into(),
    };
    for round in 0..300 {
        let mut names: Vec<String> = Vec::new();
        for _ in 0..(rng.next() % 12 + 1) {
            let len = rng.next() % 6 + 1;
            let n: String = (0..len)
                .map(|_| PARTS[(rng.next() % PARTS.len() as u64) as usize])
                .collect();
            // A suffix of an earlier name, as in `aéb` and `éb`.
            if let Some(prev) = names.last()
                && rng.next().is_multiple_of(2)
                && let Some((i, _)) = prev.char_indices().nth(1)
            {
                names.push(prev[i..].to_string());
            }
            names.push(n);
        }
        names.sort();
        names.dedup();
        let quoted = |n: &str| n.replace(['\\', '"'], "");
        let cargo: String = names
            .iter()
            .map(|n| format!("\"{}\" = \"1\"\n", quoted(n)))
            .collect();
        let cargo = format!("[package]\nname = \"x\"\n\n[dependencies]\n{cargo}");
        let pkg = format!(
            "{{\"name\": \"x\", \"dependencies\": {{{}}}}}",
            names
                .iter()
                .map(|n| format!("\"{}\": \"1\"", quoted(n)))
                .collect::<Vec<_>>()
                .join(",\n ")
        );
        let pyproject = format!(
            "[project]\nname = \"x\"\ndependencies = [\n{}]\n\n[tool.poetry.dependencies]\n{}",
            names
                .iter()
                .map(|n| format!("  \"{}>=1\",\n", quoted(n)))
                .collect::<String>(),
            cargo
                .lines()
                .skip(4)
                .map(|l| format!("{l}\n"))
                .collect::<String>()
        );
        let req: String = names.iter().map(|n| format!("{n}==1 # é\n")).collect();
        let yarn: String = names
            .iter()
            .map(|n| format!("\"{}@^1\":\n  version \"1\"\n\n", quoted(n)))
            .collect();
        let pnpm: String = format!(
            "lockfileVersion: '9.0'\n\npackages:\n\n{}",
            names
                .iter()
                .map(|n| format!("  '{}@1.0.0':\n    resolution: {{}}\n\n", quoted(n)))
                .collect::<String>()
        );
        let mut notes = Vec::new();
        let mut all: Vec<(String, Vec<deps::Dep>)> = Vec::new();
        let m = mf("Cargo.toml", ManifestKind::CargoToml, &cargo);
        all.push((cargo.clone(), deps::cargo::manifest_deps(&m, &mut notes).1));
        let m = mf("package.json", ManifestKind::PackageJson, &pkg);
        all.push((pkg.clone(), deps::npm::package_json(&m, &mut notes).1));
        let m = mf("pyproject.toml", ManifestKind::Pyproject, &pyproject);
        all.push((pyproject.clone(), deps::python::pyproject(&m, &mut notes).1));
        all.push((
            req.clone(),
            deps::python::requirements("requirements.txt", &req, &mut notes).0,
        ));
        let m = mf("yarn.lock", ManifestKind::YarnLock, &yarn);
        let _ = deps::npm::yarn_lock(&m, &mut notes);
        let m = mf("pnpm-lock.yaml", ManifestKind::PnpmLock, &pnpm);
        let _ = deps::npm::pnpm_lock(&m, &mut notes);
        for (text, ds) in &all {
            let lines: Vec<&str> = text.lines().collect();
            for d in ds {
                let l = d.loc.line as usize;
                assert!(l >= 1 && l <= lines.len().max(1), "round {round}: {d:?}");
                assert!(d.loc.end_column >= d.loc.column, "round {round}: {d:?}");
                let line = lines.get(l - 1).copied().unwrap_or("");
                assert!(
                    (d.loc.end_column as usize) <= line.chars().count() + 1,
                    "round {round}: {d:?} on {line:?}"
                );
                if d.name.is_ascii() && d.loc.text == d.name {
                    let col = d.loc.column as usize - 1;
                    let at: String = line
                        .chars()
                        .skip(col)
                        .take(d.name.chars().count())
                        .collect();
                    assert!(
                        at.eq_ignore_ascii_case(&d.name),
                        "round {round}: {d:?} on {line:?}"
                    );
                }
            }
        }
    }
}
