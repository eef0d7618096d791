//! Where the text scanner looks: the next occurrence of a literal anchor (ASCII case aside).
//!
//! The anchors of the database are about 300 literals, many of them with short or common
//! prefixes, and are matched without regard to ASCII case. An Aho-Corasick automaton over them
//! has no fast prefilter (packed searchers take at most 64 case-sensitive patterns, and the
//! anchors start with almost every letter), so it steps through every byte of every file in a
//! transition table that does not fit the first-level cache; that was the largest cost of a scan.
//!
//! [`Anchors`] instead picks one 4-byte window of each anchor (its least common letters) and
//! keeps a bit per hashed window in a table that stays in the cache. The scan hashes the 4 bytes
//! at each position, with ASCII letters folded to lower case, and tests the bit; only a set bit
//! is checked against the anchors that chose that window. A 3-byte anchor is entered with every
//! possible fourth byte. Each occurrence of an anchor contains its window, so nothing is missed;
//! a hash collision only costs the check.
//!
//! On x86-64 with AVX2 (detected at run time), 32 positions are hashed at once and their bits
//! fetched with a gather; the positions whose bit is set are then checked in order, as above.
//!
//! The text scanner only needs to know which tokens (runs of identifier bytes) contain an anchor.
//! When every anchor consists of such bytes, any occurrence of an anchor lies inside one token,
//! so the occurrence found first (by the position of its window) is in the first token that holds
//! one, as with a leftmost search. Databases with an anchor shorter than 3 bytes or with other
//! bytes (a rules folder can hold anything) keep the Aho-Corasick automaton.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};

/// log2 of the number of bits of the window table (32 KiB, in the first-level cache). About
/// 2,100 windows are set (a 3-byte anchor sets one per fourth byte), so about 0.8% of the
/// positions of a text are checked for nothing.
const HASH_BITS: u32 = 18;

/// `SPREAD[m]` has bit `4 j` set for each bit `j` of the byte `m` (the lanes of one of the four
/// vectors of a 32-position block are every fourth position).
#[cfg(target_arch = "x86_64")]
const SPREAD: [u32; 256] = {
    let mut t = [0u32; 256];
    let mut m = 0;
    while m < 256 {
        let mut j = 0;
        while j < 8 {
            if m & (1 << j) != 0 {
                t[m] |= 1 << (4 * j);
            }
            j += 1;
        }
        m += 1;
    }
    t
};

/// ASCII upper-case letters to lower case (other bytes may change too, identically for a text
/// and an anchor that are equal ASCII case aside, so folded windows compare as the bytes do).
#[inline(always)]
fn fold(w: u32) -> u32 {
    w | 0x2020_2020
}

#[inline(always)]
fn hash(key: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
}

/// How common a byte of an anchor is in source text (English letter frequencies; punctuation
/// and digits of identifiers in between). The window with the smallest sum is chosen.
fn commonness(b: u8) -> u32 {
    const BY_FREQUENCY: &[u8] = b"etaoinsrhldcumfpgwybvkxjqz";
    match b {
        b'a'..=b'z' => {
            26 - BY_FREQUENCY
                .iter()
                .position(|&c| c == b)
                .map_or(0, |p| p as u32)
        }
        b'0'..=b'9' | b'-' => 10,
        b'/' | b'.' | b'_' => 14,
        _ => 4,
    }
}

/// Words that source code is full of (identifiers, keywords, common parts of names and
/// URLs), lower case. A window inside one of them would be checked at almost every use of the
/// word, so a window elsewhere in the anchor is preferred; a context marker is not searched for by
/// one of them (`context::marker_keys`). Only the speed depends on this list.
pub(crate) const COMMON_WORDS: &[&str] = &[
    "from",
    "true",
    "false",
    "none",
    "null",
    "this",
    "const",
    "class",
    "print",
    "index",
    "embedding",
    "network",
    "worker",
    "cluster",
    "module",
    "model",
    "keyerror",
    "api_key",
    "_api_",
    "secret_key",
    "secret",
    "section",
    "label",
    "https",
    ".com",
    "open",
    "base_url",
    "database",
    "error",
    "string",
    "return",
    "function",
    "import",
    "default",
    "config",
    "token",
    "content",
    "message",
    "client",
    "server",
    "request",
    "response",
    "input",
    "output",
    "result",
    "param",
    "image",
    "length",
    "state",
    "train",
    "value",
    "version",
    "scope",
    "type",
    "name",
    "data",
    "self",
    "json",
    "file",
    "path",
    "list",
    "text",
    "test",
    "user",
    "time",
    "size",
    "info",
    "node",
    "layer",
    "cache",
    "main",
    "http",
    "init",
    "auth",
    "_id",
    "_url",
    "-api",
    "api.",
    ".api",
    "/api",
    "_model",
    "_module",
    "_mode",
    "_secret",
    "_section",
    "_label",
];

/// The cost of choosing `w` (4 bytes) as an anchor's window: the commonness of its bytes, and a
/// large penalty when it lies inside one of [`COMMON_WORDS`] (`common` holds their windows of
/// 4 bytes, from [`common_windows`]).
fn window_cost(w: &[u8], common: &std::collections::HashSet<[u8; 4]>) -> u32 {
    let key = [w[0], w[1], w[2], w[3]].map(|b| b.to_ascii_lowercase());
    let penalty = if common.contains(&key) { 1000 } else { 0 };
    w.iter().map(|&b| commonness(b)).sum::<u32>() + penalty
}

/// Every 4-byte window of [`COMMON_WORDS`].
fn common_windows() -> std::collections::HashSet<[u8; 4]> {
    COMMON_WORDS
        .iter()
        .flat_map(|c| c.as_bytes().windows(4).map(|w| [w[0], w[1], w[2], w[3]]))
        .collect()
}

/// The anchor search of a database (see the module documentation).
pub enum Anchors {
    Windows(Windows),
    Automaton(AhoCorasick),
}

/// The window table: one bit per hash of a folded 4-byte window, and per hash the anchors that
/// chose such a window with the window's offset in the anchor.
pub struct Windows {
    bits: Box<[u64]>,
    /// Entries of hash `h`: `entries[starts[h]..starts[h + 1]]`.
    starts: Box<[u32]>,
    /// (folded window, anchor, offset of the window in the anchor).
    entries: Box<[(u32, u32, u32)]>,
    /// Lower case.
    anchors: Box<[Box<[u8]>]>,
}

impl Anchors {
    /// The search for `anchors` (lower case, as the database gives them); `is_tok` says which
    /// bytes make up a token.
    pub fn new(anchors: &[String], is_tok: fn(u8) -> bool) -> Result<Anchors, String> {
        let windows_apply = anchors.len() < u32::MAX as usize
            && anchors.iter().all(|a| {
                a.len() >= 3
                    && a.len() < u32::MAX as usize
                    && a.bytes().all(|b| is_tok(b) && !b.is_ascii_uppercase())
            });
        if windows_apply {
            return Ok(Anchors::Windows(Windows::new(anchors)));
        }
        AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostFirst)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(anchors)
            .map(Anchors::Automaton)
            .map_err(|e| e.to_string())
    }

    /// An occurrence (start, end) of an anchor that starts at or after `at`: for the window
    /// table, the one whose window comes first; for the automaton, the leftmost.
    pub fn find(&self, buf: &[u8], at: usize) -> Option<(usize, usize)> {
        match self {
            Anchors::Windows(w) => w.find(buf, at),
            Anchors::Automaton(ac) => ac
                .find(Input::new(buf).span(at..buf.len()))
                .map(|m| (m.start(), m.end())),
        }
    }
}

impl Windows {
    fn new(anchors: &[String]) -> Windows {
        // (hash, folded window, anchor, offset)
        let mut list: Vec<(usize, u32, u32, u32)> = Vec::new();
        let common = common_windows();
        for (ai, a) in anchors.iter().enumerate() {
            let a = a.as_bytes();
            if a.len() == 3 {
                // Every fourth byte, as folded.
                let mut fourth: Vec<u8> = (0..=255u8).map(|v| v | 0x20).collect();
                fourth.sort_unstable();
                fourth.dedup();
                for v in fourth {
                    let key = fold(u32::from_le_bytes([a[0], a[1], a[2], v]));
                    list.push((hash(key), key, ai as u32, 0));
                }
            } else {
                let k = (0..=a.len() - 4)
                    .min_by_key(|&k| window_cost(&a[k..k + 4], &common))
                    .unwrap_or(0);
                let key = fold(u32::from_le_bytes([a[k], a[k + 1], a[k + 2], a[k + 3]]));
                list.push((hash(key), key, ai as u32, k as u32));
            }
        }
        list.sort_unstable();
        list.dedup();
        let size = 1usize << HASH_BITS;
        let mut bits = vec![0u64; size / 64];
        let mut starts = vec![0u32; size + 1];
        for &(h, _, _, _) in &list {
            bits[h >> 6] |= 1 << (h & 63);
            starts[h + 1] += 1;
        }
        for i in 0..size {
            starts[i + 1] += starts[i];
        }
        Windows {
            bits: bits.into(),
            starts: starts.into(),
            entries: list.iter().map(|&(_, key, a, k)| (key, a, k)).collect(),
            anchors: anchors.iter().map(|a| a.as_bytes().into()).collect(),
        }
    }

    #[inline(always)]
    fn bit(&self, h: usize) -> bool {
        (self.bits[h >> 6] >> (h & 63)) & 1 != 0
    }

    /// The anchor whose window is `key` (hashed: `h`) at `i`, starting at or after `at`.
    #[cold]
    fn check(&self, buf: &[u8], at: usize, i: usize, key: u32, h: usize) -> Option<(usize, usize)> {
        let (from, to) = (self.starts[h] as usize, self.starts[h + 1] as usize);
        self.entries[from..to].iter().find_map(|&(window, a, k)| {
            if window != key {
                return None;
            }
            let s = i.checked_sub(k as usize).filter(|&s| s >= at)?;
            let anchor = &self.anchors[a as usize];
            let e = s + anchor.len();
            (e <= buf.len() && buf[s..e].eq_ignore_ascii_case(anchor)).then_some((s, e))
        })
    }

    fn find(&self, buf: &[u8], at: usize) -> Option<(usize, usize)> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            return unsafe { self.find_avx2(buf, at) };
        }
        self.find_from(buf, at, at)
    }

    /// [`Windows::find`] 32 positions at a time; the last positions (fewer than 35 bytes
    /// left) go through [`Windows::find_from`].
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn find_avx2(&self, buf: &[u8], at: usize) -> Option<(usize, usize)> {
        use std::arch::x86_64::*;
        let n = buf.len();
        let mut i = at;
        let bits = self.bits.as_ptr() as *const i32;
        let fold_v = _mm256_set1_epi32(0x2020_2020);
        let mul = _mm256_set1_epi32(0x9E37_79B1u32 as i32);
        let m31 = _mm256_set1_epi32(31);
        while i + 35 <= n {
            // Positions i..i + 32: vector k holds, in lane j, the window at i + 4j + k.
            let mut mask: u32 = 0;
            for k in 0..4 {
                // SAFETY: reads the 32 bytes at i + k, within `buf` as i + k + 32 <= i + 35 <= n.
                let v = unsafe { _mm256_loadu_si256(buf.as_ptr().add(i + k) as *const __m256i) };
                let key = _mm256_or_si256(v, fold_v);
                let h =
                    _mm256_srli_epi32::<{ 32 - HASH_BITS as i32 }>(_mm256_mullo_epi32(key, mul));
                // SAFETY: h < 2^HASH_BITS, so the 32-bit word h / 32 is within `bits`, which
                // holds 2^HASH_BITS bits.
                let w = unsafe { _mm256_i32gather_epi32::<4>(bits, _mm256_srli_epi32::<5>(h)) };
                // Bit h % 32 of the word to the sign bit (the bits of the table are laid out
                // little-endian, so the u64 word h / 64 holds the u32 words 2 (h / 64) and up).
                let b = _mm256_sllv_epi32(w, _mm256_sub_epi32(m31, _mm256_and_si256(h, m31)));
                let m = _mm256_movemask_ps(_mm256_castsi256_ps(b)) as usize;
                mask |= SPREAD[m] << k;
            }
            while mask != 0 {
                let j = i + mask.trailing_zeros() as usize;
                let key = fold(u32::from_le_bytes([
                    buf[j],
                    buf[j + 1],
                    buf[j + 2],
                    buf[j + 3],
                ]));
                if let Some(m) = self.check(buf, at, j, key, hash(key)) {
                    return Some(m);
                }
                mask &= mask - 1;
            }
            i += 32;
        }
        self.find_from(buf, at, i)
    }

    /// The occurrence whose window comes first among the windows at `from` and after (an
    /// occurrence still starts at or after `at`).
    fn find_from(&self, buf: &[u8], at: usize, from: usize) -> Option<(usize, usize)> {
        let n = buf.len();
        let mut i = from;
        if i + 4 <= n {
            for w in buf[i..].windows(4) {
                let key = fold(u32::from_le_bytes([w[0], w[1], w[2], w[3]]));
                let h = hash(key);
                if self.bit(h)
                    && let Some(m) = self.check(buf, at, i, key, h)
                {
                    return Some(m);
                }
                i += 1;
            }
        }
        // The last three positions (only a 3-byte anchor fits): padded with zero bytes.
        while i < n {
            let mut w = [0u8; 4];
            w[..n - i].copy_from_slice(&buf[i..]);
            let key = fold(u32::from_le_bytes(w));
            let h = hash(key);
            if self.bit(h)
                && let Some(m) = self.check(buf, at, i, key, h)
            {
                return Some(m);
            }
            i += 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_tok(b: u8) -> bool {
        b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/' | b':' | b'@' | b'~')
    }

    /// The start of the token around every occurrence found, in order.
    fn tokens(a: &Anchors, buf: &[u8]) -> Vec<usize> {
        let mut out = Vec::new();
        let mut at = 0;
        while let Some((s, e)) = a.find(buf, at) {
            assert!(s >= at && e > s && e <= buf.len());
            let mut t = s;
            while t > 0 && is_tok(buf[t - 1]) {
                t -= 1;
            }
            let mut end = e;
            while end < buf.len() && is_tok(buf[end]) {
                end += 1;
            }
            if out.last() != Some(&t) {
                out.push(t);
            }
            at = end;
        }
        out
    }

    fn automaton(anchors: &[String]) -> Anchors {
        Anchors::Automaton(
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::LeftmostFirst)
                .build(anchors)
                .unwrap(),
        )
    }

    /// A small deterministic generator (xorshift), so that a failure can be replayed.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn the_window_table_finds_the_tokens_the_automaton_finds() {
        let anchors: Vec<String> = [
            "qwen",
            "glm",
            "yi-",
            "bge",
            "deepseek",
            "moonshot",
            "kimi",
            "01-ai/",
            "thudm/",
            "hf.co",
            "huggingface.co",
            "dashscope_",
            "api.z.ai",
            "hy3",
            "qianfan_",
            "minimax",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let Ok(windows @ Anchors::Windows(_)) = Anchors::new(&anchors, is_tok) else {
            panic!("token-byte anchors of 3 bytes or more use the window table");
        };
        let ac = automaton(&anchors);
        let pieces: Vec<Vec<u8>> = anchors
            .iter()
            .map(|a| a.as_bytes().to_vec())
            .chain(
                [
                    "q", "we", "n", "gl", "yi", "-", "/", " ", "\n", "\"", "(", "_", ".", "x",
                    "deeps", "eek", "中", "@", "Moon", "shot", "hf", "co", "k", "imi", "\t",
                ]
                .iter()
                .map(|s| s.as_bytes().to_vec()),
            )
            .collect();
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for round in 0..3000 {
            let mut buf = Vec::new();
            for _ in 0..rng.below(40) {
                let mut p = pieces[rng.below(pieces.len())].clone();
                for b in &mut p {
                    if rng.below(3) == 0 {
                        b.make_ascii_uppercase();
                    }
                }
                buf.extend(p);
            }
            if round % 7 == 0 {
                // A long token: the scanner skips it, but both searches find it.
                buf.extend(std::iter::repeat_n(b'a', 400));
                buf.extend(b"QWEN");
            }
            assert_eq!(
                tokens(&windows, &buf),
                tokens(&ac, &buf),
                "{:?}",
                String::from_utf8_lossy(&buf)
            );
        }
    }

    #[test]
    fn the_vector_search_finds_what_the_scalar_search_finds() {
        let anchors: Vec<String> = ["qwen", "glm", "yi-", "deepseek", "hf.co", "kimi"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let Ok(Anchors::Windows(w)) = Anchors::new(&anchors, is_tok) else {
            panic!("window table expected");
        };
        let pieces: &[&[u8]] = &[
            b"qwen",
            b"GLM",
            b"yi-",
            b"DeepSeek",
            b"hf.co",
            b"kim",
            b"i",
            b" ",
            b"x",
            b"\n",
            b"gl",
            b"\0",
        ];
        let mut rng = Rng(0x2545_F491_4F6C_DD1D);
        for _ in 0..4000 {
            let mut buf = Vec::new();
            for _ in 0..rng.below(60) {
                buf.extend_from_slice(pieces[rng.below(pieces.len())]);
            }
            let at = rng.below(buf.len() + 1);
            assert_eq!(
                w.find(&buf, at),
                w.find_from(&buf, at, at),
                "{:?} at {at}",
                String::from_utf8_lossy(&buf)
            );
            // Every occurrence, one after another.
            let (mut a, mut b) = (0, 0);
            loop {
                let (x, y) = (w.find(&buf, a), w.find_from(&buf, b, b));
                assert_eq!(x, y);
                let Some((s, _)) = x else { break };
                a = s + 1;
                b = s + 1;
            }
        }
    }

    #[test]
    fn an_anchor_at_the_very_end_is_found() {
        let anchors = vec!["glm".to_string(), "kimi".to_string()];
        let a = Anchors::new(&anchors, is_tok).unwrap();
        assert_eq!(a.find(b"GLM", 0), Some((0, 3)));
        assert_eq!(a.find(b"x glm", 0), Some((2, 5)));
        assert_eq!(a.find(b"x glm", 3), None);
        assert_eq!(a.find(b"gl", 0), None);
        assert_eq!(a.find(b"", 0), None);
        assert_eq!(a.find(b"the kimI", 1), Some((4, 8)));
    }

    #[test]
    fn other_anchors_keep_the_automaton() {
        for anchors in [vec!["ai".to_string()], vec!["deep seek".to_string()]] {
            let a = Anchors::new(&anchors, is_tok).unwrap();
            assert!(matches!(a, Anchors::Automaton(_)));
            assert!(a.find(b"x DEEP SEEK ai", 0).is_some());
        }
    }
}
