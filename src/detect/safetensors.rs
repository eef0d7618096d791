//! safetensors header reader: an 8-byte little-endian length, then that many bytes of JSON
//! (tensor names, dtypes, shapes, offsets, and an optional `__metadata__` string map). The length
//! is bounded by the format's 100 MB header limit and by the file size before anything is read.

use std::collections::BTreeMap;

use super::source::{Source, read_exact};

/// The format's limit on the header size.
pub const MAX_HEADER: u64 = 100_000_000;

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SafetensorsInfo {
    pub header_len: u64,
    pub tensors: u64,
    /// Distinct dtypes, sorted.
    pub dtypes: Vec<String>,
    /// `__metadata__` (string values only; at most 256 entries of at most 4 KiB).
    pub metadata: BTreeMap<String, String>,
}

/// True when the first bytes look like a safetensors header.
pub fn sniff(head: &[u8], file_len: u64) -> bool {
    if head.len() < 10 {
        return false;
    }
    let n = u64::from_le_bytes(head[..8].try_into().unwrap_or([0; 8]));
    (2..=MAX_HEADER).contains(&n) && n.saturating_add(8) <= file_len && head[8] == b'{'
}

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
    let mut buf = vec![0u8; n as usize];
    read_exact(src, 8, &mut buf)?;
    parse_header(&buf, n)
}

pub fn parse_header(buf: &[u8], n: u64) -> Result<SafetensorsInfo, String> {
    let v: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(buf).map_err(|e| format!("safetensors header: {e}"))?;
    let mut info = SafetensorsInfo {
        header_len: n,
        ..Default::default()
    };
    let mut dtypes = std::collections::BTreeSet::new();
    for (k, val) in &v {
        if k == "__metadata__" {
            if let Some(m) = val.as_object() {
                for (mk, mv) in m.iter().take(256) {
                    if let Some(s) = mv.as_str()
                        && s.len() <= 4096
                        && mk.len() <= 256
                    {
                        info.metadata.insert(mk.clone(), s.to_string());
                    }
                }
            }
            continue;
        }
        let Some(obj) = val.as_object() else {
            return Err(format!("safetensors header: tensor `{k}` is not an object"));
        };
        info.tensors += 1;
        if let Some(d) = obj.get("dtype").and_then(|d| d.as_str())
            && dtypes.len() < 32
        {
            dtypes.insert(d.to_string());
        }
    }
    info.dtypes = dtypes.into_iter().collect();
    Ok(info)
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
