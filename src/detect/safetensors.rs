//! safetensors header reader: an 8-byte little-endian length, then that many bytes of JSON
//! (tensor names, dtypes, shapes, offsets, and an optional `__metadata__` string map). The length
//! is bounded by the format's 100 MB header limit and by the file size before anything is read.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::NameIs;
use super::source::{Source, SourceReader, read_exact};

pub use crate::classify::SAFETENSORS_MAX_HEADER as MAX_HEADER;
/// `__metadata__` entries kept.
pub const MAX_METADATA: usize = 256;
/// Longest `__metadata__` key kept (bytes).
pub const MAX_METADATA_KEY: usize = 256;
/// Longest dtype accepted (the format's longest is 7 bytes, `F8_E4M3`).
const MAX_DTYPE: usize = 32;
/// Distinct dtypes kept.
const MAX_DTYPES: usize = 32;

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SafetensorsInfo {
    pub header_len: u64,
    pub tensors: u64,
    /// Distinct dtypes, sorted.
    pub dtypes: Vec<String>,
    /// `__metadata__` (string values only; at most [`MAX_METADATA`] entries, values cut to
    /// [`super::MAX_VALUE_CHARS`] characters).
    pub metadata: BTreeMap<String, String>,
}

pub use crate::classify::sniff_safetensors as sniff;

pub fn parse<S: Source>(src: &S) -> Result<SafetensorsInfo, String> {
    let mut lb = [0u8; 8];
    read_exact(src, 0, &mut lb)?;
    let n = u64::from_le_bytes(lb);
    if n > MAX_HEADER {
        return Err(format!(
            "safetensors header of {n} bytes exceeds the format's 100 MB limit"
        ));
    }
    if n.saturating_add(8) > src.len() {
        return Err(format!(
            "safetensors header of {n} bytes runs past the end of the file"
        ));
    }
    // Streamed from the file: the header is never held in memory, let alone as a JSON tree.
    let reader = std::io::BufReader::with_capacity(64 << 10, SourceReader::new(src, 8, n));
    let mut de = serde_json::Deserializer::from_reader(reader);
    run(&mut de, n)
}

/// Parses a header already in memory (`buf` is the JSON, `n` its declared length).
pub fn parse_header(buf: &[u8], n: u64) -> Result<SafetensorsInfo, String> {
    let mut de = serde_json::Deserializer::from_slice(buf);
    run(&mut de, n)
}

fn run<'de, R: serde_json::de::Read<'de>>(
    de: &mut serde_json::Deserializer<R>,
    n: u64,
) -> Result<SafetensorsInfo, String> {
    let mut info = de
        .deserialize_map(HeaderVisitor)
        .map_err(|e| format!("safetensors header: {e}"))?;
    de.end().map_err(|e| format!("safetensors header: {e}"))?;
    info.header_len = n;
    Ok(info)
}

/// The top-level map, one entry at a time: a tensor entry leaves its dtype in a small set and
/// nothing else; `__metadata__` keeps at most [`MAX_METADATA`] string entries.
struct HeaderVisitor;

impl<'de> Visitor<'de> for HeaderVisitor {
    type Value = SafetensorsInfo;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a safetensors header (a JSON object)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SafetensorsInfo, A::Error> {
        let mut info = SafetensorsInfo::default();
        let mut dtypes = BTreeSet::new();
        let mut metadata_seen = false;
        while let Some(k) = map.next_key_seed(NameIs("__metadata__"))? {
            if k {
                if metadata_seen {
                    return Err(de::Error::custom("duplicate `__metadata__`"));
                }
                metadata_seen = true;
                map.next_value_seed(MetadataSeed(&mut info.metadata))?;
            } else {
                map.next_value_seed(TensorSeed(&mut dtypes))?;
                info.tensors += 1;
            }
        }
        info.dtypes = dtypes.into_iter().collect();
        Ok(info)
    }
}

/// One tensor entry: an object whose `dtype` is a short string; shape and offsets are skipped.
struct TensorSeed<'a>(&'a mut BTreeSet<String>);

impl<'de> DeserializeSeed<'de> for TensorSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TensorSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a tensor entry (an object with a dtype)")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(k) = map.next_key_seed(NameIs("dtype"))? {
            if k {
                map.next_value_seed(DtypeSeed(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// A dtype: at most [`MAX_DTYPE`] bytes of letters, digits and `_`; copied only when new.
struct DtypeSeed<'a>(&'a mut BTreeSet<String>);

impl<'de> DeserializeSeed<'de> for DtypeSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for DtypeSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a dtype string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        if v.is_empty()
            || v.len() > MAX_DTYPE
            || !v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(E::custom(format!(
                "invalid dtype `{}`",
                super::cap_text(v, MAX_DTYPE)
            )));
        }
        if self.0.len() < MAX_DTYPES && !self.0.contains(v) {
            self.0.insert(v.to_string());
        }
        Ok(())
    }
}

/// `__metadata__`: an object of strings. At most [`MAX_METADATA`] entries are kept, keys of at
/// most [`MAX_METADATA_KEY`] bytes, values cut to [`super::MAX_VALUE_CHARS`] characters; values
/// that are not strings are skipped.
struct MetadataSeed<'a>(&'a mut BTreeMap<String, String>);

impl<'de> DeserializeSeed<'de> for MetadataSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for MetadataSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a `__metadata__` object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(k) = map.next_key_seed(super::BoundedStr(MAX_METADATA_KEY))? {
            let v = map.next_value_seed(super::BoundedStr(super::MAX_VALUE_CHARS))?;
            if let (Some(k), Some(v)) = (k, v)
                && self.0.len() < MAX_METADATA
            {
                self.0.insert(k, v);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(h: &str) -> Vec<u8> {
        let mut b = (h.len() as u64).to_le_bytes().to_vec();
        b.extend_from_slice(h.as_bytes());
        b.extend_from_slice(&[0u8; 16]);
        b
    }

    #[test]
    fn header_and_metadata() {
        let b = file(
            r#"{"__metadata__":{"format":"pt"},"w":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]}}"#,
        );
        assert!(sniff(&b, b.len() as u64));
        let i = parse(&b.as_slice()).unwrap();
        assert_eq!(i.tensors, 1);
        assert_eq!(i.dtypes, vec!["F16"]);
        assert_eq!(i.metadata.get("format").map(String::as_str), Some("pt"));
    }

    #[test]
    fn hostile_lengths() {
        let mut b = file("{}");
        b[..8].copy_from_slice(&(1u64 << 40).to_le_bytes());
        assert!(parse(&b.as_slice()).is_err());
        let mut b = file("{}");
        b[..8].copy_from_slice(&(50_000u64).to_le_bytes());
        assert!(parse(&b.as_slice()).is_err());
        assert!(parse(&&b"\x02\0\0"[..]).is_err());
        assert!(parse(&file("[1]").as_slice()).is_err());
    }
}
