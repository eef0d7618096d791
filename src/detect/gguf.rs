//! GGUF (v2 and v3) metadata reader. Reads only the key/value section, never the tensors, and
//! never trusts a count or a length: each is bounded by the bytes left in the file and by hard
//! caps, so a header that claims 2^60 keys or a 2^40-byte string is an error, not an allocation.

use std::collections::BTreeMap;

use super::source::{Cursor, Source};

pub use crate::classify::GGUF_MAGIC as MAGIC;
/// Largest key accepted (llama.cpp limits keys to 65535 bytes).
const MAX_KEY: u64 = 65_535;
/// Bytes of a kept string value that are read; the value is then cut to
/// [`super::MAX_VALUE_CHARS`] characters and the rest skipped.
const MAX_KEPT_READ: u64 = 4 * super::MAX_VALUE_CHARS as u64 + 4;
/// Longest key kept in [`GgufInfo::meta`] (longer `general.*` keys are skipped).
const MAX_KEPT_KEY: usize = 256;
/// Entries kept in [`GgufInfo::meta`].
const MAX_KEPT: usize = 512;
/// At most this many metadata bytes are read (tokenizer vocabularies are large); past it the
/// header is reported as truncated.
pub const MAX_META_BYTES: u64 = 256 << 20;
/// Most keys accepted (real files have a few dozen); more is malformed.
pub const MAX_KEYS: u64 = 1 << 16;
/// Most items of one array accepted (vocabularies have a few hundred thousand); more is
/// malformed.
pub const MAX_ARRAY: u64 = 1 << 24;
/// Longest string value accepted (chat templates are kilobytes); longer is malformed.
pub const MAX_STRING: u64 = 16 << 20;
/// Array nesting depth accepted.
const MAX_DEPTH: u32 = 3;

/// What a GGUF header says about the model.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct GgufInfo {
    pub version: u32,
    pub tensor_count: u64,
    pub kv_count: u64,
    /// String values of `general.*` keys and `tokenizer.ggml.model` (at most 512, values cut to
    /// [`super::MAX_VALUE_CHARS`] characters).
    pub meta: BTreeMap<String, String>,
    /// True when parsing stopped early (cap reached); what was read is still reported.
    pub truncated: bool,
}

impl GgufInfo {
    pub fn get(&self, k: &str) -> Option<&str> {
        self.meta
            .get(k)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }

    /// `general.base_model.N.{name,organization,repo_url}` entries, in order.
    pub fn base_models(&self) -> Vec<BaseModel> {
        let mut out = Vec::new();
        for i in 0..64 {
            let f = |k: &str| {
                self.get(&format!("general.base_model.{i}.{k}"))
                    .map(str::to_string)
            };
            let b = BaseModel {
                name: f("name"),
                organization: f("organization"),
                repo_url: f("repo_url"),
            };
            if b.name.is_none() && b.organization.is_none() && b.repo_url.is_none() {
                if i > 0 {
                    break;
                }
                continue;
            }
            out.push(b);
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseModel {
    pub name: Option<String>,
    pub organization: Option<String>,
    pub repo_url: Option<String>,
}

fn wanted(key: &str) -> bool {
    key.starts_with("general.") || key == "tokenizer.ggml.model"
}

/// Size in bytes of a fixed-size value type, `None` for strings and arrays.
fn fixed_size(t: u32) -> Option<u64> {
    match t {
        0 | 1 | 7 => Some(1),
        2 | 3 => Some(2),
        4..=6 => Some(4),
        10..=12 => Some(8),
        _ => None,
    }
}

/// Parses the metadata of a GGUF file. Errors are messages for a notification.
pub fn parse<S: Source>(src: &S) -> Result<GgufInfo, String> {
    let len = src.len();
    let mut c = Cursor::new(src, 0);
    let magic = c.bytes_fixed::<4>()?;
    if &magic != MAGIC {
        return Err("not a GGUF file".into());
    }
    let raw_version = c.u32_le()?;
    let big = raw_version > 0xFFFF && raw_version.swap_bytes() <= 0xFFFF;
    c.big_endian = big;
    let version = if big {
        raw_version.swap_bytes()
    } else {
        raw_version
    };
    if !(2..=3).contains(&version) {
        return Err(format!("unsupported GGUF version {version}"));
    }
    let tensor_count = c.u64()?;
    let kv_count = c.u64()?;
    // Each key/value takes at least 8 (key length) + 4 (type) + 1 bytes.
    if kv_count > (len.saturating_sub(c.pos())) / 13 {
        return Err(format!(
            "GGUF header claims {kv_count} keys, more than the file can hold"
        ));
    }
    if kv_count > MAX_KEYS {
        return Err(format!(
            "GGUF header claims {kv_count} keys, more than the {MAX_KEYS} accepted"
        ));
    }
    let mut info = GgufInfo {
        version,
        tensor_count,
        kv_count,
        ..GgufInfo::default()
    };
    for _ in 0..kv_count {
        if c.pos() > MAX_META_BYTES {
            info.truncated = true;
            break;
        }
        let klen = c.u64()?;
        if klen > MAX_KEY || klen > c.remaining() {
            return Err(format!(
                "GGUF key of {klen} bytes (past the end of the file or over the 65535-byte limit)"
            ));
        }
        let key = c.string(klen)?;
        let t = c.u32()?;
        let keep = wanted(&key) && key.len() <= MAX_KEPT_KEY && info.meta.len() < MAX_KEPT;
        if t == 8 && keep {
            let n = string_len(&mut c)?;
            let head = n.min(MAX_KEPT_READ);
            let v = c.string(head)?;
            c.skip(n - head)?;
            let mut v = super::cap_text(&v, super::MAX_VALUE_CHARS);
            if n > head && !v.ends_with('\u{2026}') {
                v.push('\u{2026}');
            }
            info.meta.insert(key, v);
        } else if keep && fixed_size(t).is_some() && key.ends_with(".count") {
            // Numeric general.* values (general.base_model.count): kept as text.
            let v = read_int(&mut c, t)?;
            info.meta.insert(key, v.to_string());
        } else {
            skip_value(&mut c, t, 0)?;
        }
    }
    Ok(info)
}

fn read_int<S: Source>(c: &mut Cursor<'_, S>, t: u32) -> Result<i128, String> {
    Ok(match t {
        0 => c.u8()? as i128,
        1 => c.u8()? as i8 as i128,
        2 => c.u16()? as i128,
        3 => c.u16()? as i16 as i128,
        4 => c.u32()? as i128,
        5 => c.u32()? as i32 as i128,
        10 => c.u64()? as i128,
        11 => c.u64()? as i64 as i128,
        7 => c.u8()? as i128,
        _ => {
            c.skip(fixed_size(t).unwrap_or(0))?;
            0
        }
    })
}

/// The length of a string value, bounded by the file and by [`MAX_STRING`].
fn string_len<S: Source>(c: &mut Cursor<'_, S>) -> Result<u64, String> {
    let n = c.u64()?;
    if n > c.remaining() {
        return Err(format!("GGUF string of {n} bytes past the end of the file"));
    }
    if n > MAX_STRING {
        return Err(format!(
            "GGUF string of {n} bytes, more than the {MAX_STRING} accepted"
        ));
    }
    Ok(n)
}

fn skip_value<S: Source>(c: &mut Cursor<'_, S>, t: u32, depth: u32) -> Result<(), String> {
    if let Some(n) = fixed_size(t) {
        return c.skip(n);
    }
    match t {
        8 => {
            let n = string_len(c)?;
            c.skip(n)
        }
        9 => {
            if depth >= MAX_DEPTH {
                return Err("GGUF arrays nested too deeply".into());
            }
            let et = c.u32()?;
            let n = c.u64()?;
            if n > MAX_ARRAY {
                return Err(format!(
                    "GGUF array of {n} items, more than the {MAX_ARRAY} accepted"
                ));
            }
            match fixed_size(et) {
                Some(sz) => {
                    let total = n
                        .checked_mul(sz)
                        .filter(|&b| b <= c.remaining())
                        .ok_or_else(|| {
                            format!("GGUF array of {n} items past the end of the file")
                        })?;
                    c.skip(total)
                }
                None => {
                    // Every string or array item takes at least 8 bytes.
                    if n > c.remaining() / 8 {
                        return Err(format!("GGUF array of {n} items past the end of the file"));
                    }
                    for _ in 0..n {
                        if c.pos() > MAX_META_BYTES {
                            return Err("GGUF metadata larger than the cap".into());
                        }
                        skip_value(c, et, depth + 1)?;
                    }
                    Ok(())
                }
            }
        }
        _ => Err(format!("unknown GGUF value type {t}")),
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// Builds a little-endian GGUF v3 header with string values (and one u32 array).
    pub fn build(kvs: &[(&str, &str)]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(&3u32.to_le_bytes());
        b.extend_from_slice(&0u64.to_le_bytes());
        b.extend_from_slice(&((kvs.len() + 1) as u64).to_le_bytes());
        let s = |b: &mut Vec<u8>, x: &str| {
            b.extend_from_slice(&(x.len() as u64).to_le_bytes());
            b.extend_from_slice(x.as_bytes());
        };
        for (k, v) in kvs {
            s(&mut b, k);
            b.extend_from_slice(&8u32.to_le_bytes());
            s(&mut b, v);
        }
        s(&mut b, "tokenizer.ggml.tokens");
        b.extend_from_slice(&9u32.to_le_bytes());
        b.extend_from_slice(&8u32.to_le_bytes());
        b.extend_from_slice(&2u64.to_le_bytes());
        s(&mut b, "a");
        s(&mut b, "b");
        b
    }

    #[test]
    fn reads_general_keys() {
        let b = build(&[
            ("general.architecture", "glm4"),
            ("general.name", "GLM 4 9B"),
            (
                "general.base_model.0.repo_url",
                "https://huggingface.co/zai-org/glm-4-9b",
            ),
            ("tokenizer.ggml.model", "gpt2"),
        ]);
        let i = parse(&b.as_slice()).unwrap();
        assert_eq!(i.get("general.architecture"), Some("glm4"));
        assert_eq!(i.base_models().len(), 1);
        assert_eq!(i.kv_count, 5);
    }

    #[test]
    fn hostile_counts_and_lengths_are_errors() {
        let mut b = build(&[("general.architecture", "llama")]);
        b[16..24].copy_from_slice(&(1u64 << 60).to_le_bytes());
        assert!(parse(&b.as_slice()).is_err());
        let mut b = build(&[("general.architecture", "llama")]);
        // key length
        b[24..32].copy_from_slice(&(1u64 << 40).to_le_bytes());
        assert!(parse(&b.as_slice()).is_err());
        let b = build(&[("general.name", "x")]);
        for cut in 0..b.len() {
            let _ = parse(&&b[..cut]);
        }
        assert!(parse(&&b"GGUF\x01\0\0\0"[..]).is_err());
    }
}
