//! Where a dependency is written in a manifest. Parsers give the structure; this finds the line
//! (and columns, in code points) of a name in the text, searching after the section that holds
//! it.
//!
//! Every lookup is cheap whatever the order of the lookups and the size of the manifest: a
//! [`Locator`] is built once per manifest (one [`LineIndex`], one lower-cased copy, and one pass
//! over the text that records where each of the names the parser will ask for occurs as a whole
//! name), so a lock file with tens of thousands of entries is located in linear time. Names that
//! the pass cannot index (with spaces or quotes) fall back to a byte search with a budget
//! proportional to the manifest's size; past it they are reported at their section's line.

use std::cell::Cell;
use std::collections::HashMap;

use crate::lineindex::{LineIndex, count_chars};

/// A place in a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loc {
    pub path: String,
    /// 1-based.
    pub line: u32,
    /// 1-based, in code points.
    pub column: u32,
    /// Exclusive, in code points.
    pub end_column: u32,
    /// The text at the place (the name as written).
    pub text: String,
}

impl Loc {
    /// A whole line (when the name is not found on it, or for a line-based format). Scans the
    /// text up to that line: use [`Locator::line_of`] for repeated lookups.
    pub fn line_of(path: &str, text: &str, line: u32) -> Loc {
        let idx = LineIndex::new(text.as_bytes());
        whole_line(path, text, &idx, line)
    }
}

fn whole_line(path: &str, text: &str, idx: &LineIndex, line: u32) -> Loc {
    let b = text.as_bytes();
    let r = idx.line_range(b, line.saturating_sub(1) as usize);
    let l = String::from_utf8_lossy(&b[r]);
    let lead = l.len() - l.trim_start().len();
    let content = l.trim();
    let col = count_chars(&l.as_bytes()[..lead]) as u32 + 1;
    Loc {
        path: path.to_string(),
        line: line.max(1),
        column: col,
        end_column: col + content.chars().count() as u32,
        text: content.to_string(),
    }
}

/// 1-based line of a byte offset (one scan: for a single lookup such as a parse error).
pub fn line_of_offset(text: &str, offset: usize) -> usize {
    memchr::memchr_iter(b'\n', &text.as_bytes()[..offset.min(text.len())]).count() + 1
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/' | b'@')
}

/// Whether an occurrence of `needle` at `s..e` of `hay` (both lower-cased) is a whole name. A
/// dotted TOML table header (`[dependencies.name]`) may precede a name with `.`, `/` a name in a
/// path key (`node_modules/left-pad`) unless the name is scoped, and `@` may follow one
/// (`left-pad@1.0.0`).
fn whole_name(hay: &[u8], s: usize, e: usize, needle: &[u8], bracket_line: bool) -> bool {
    let before_ok = s == 0
        || !is_name_byte(hay[s - 1])
        || (hay[s - 1] == b'/' && needle.first() != Some(&b'@'))
        || (hay[s - 1] == b'.' && bracket_line);
    let after_ok = e >= hay.len() || !is_name_byte(hay[e]) || hay[e] == b'@';
    before_ok && after_ok
}

/// Byte offset of `name` in `line` as a whole name (not part of a longer one), case-insensitive.
/// A byte search: never slices inside a character. ([`Locator`] does the same per manifest.)
#[cfg(test)]
pub fn find_name(line: &str, name: &str) -> Option<usize> {
    if name.is_empty() {
        return None;
    }
    let hay = line.as_bytes().to_ascii_lowercase();
    let needle = name.as_bytes().to_ascii_lowercase();
    let bracket = line.trim_start().starts_with('[');
    memchr::memmem::find_iter(&hay, &needle)
        .find(|&s| whole_name(&hay, s, s + needle.len(), &needle, bracket))
}

/// Granularity of the code point counts kept for column lookups.
const CHUNK: usize = 4096;
/// Bytes of fallback search allowed per byte of manifest (plus a constant).
const FALLBACK_FACTOR: usize = 16;
/// Work allowed per token of the indexing pass, per byte of the token.
const TOKEN_WORK: usize = 32;

/// Lookups of names and lines in one manifest (see the module documentation).
pub struct Locator<'a> {
    pub path: &'a str,
    pub text: &'a str,
    pub idx: LineIndex,
    lower: Vec<u8>,
    /// Code points before each multiple of [`CHUNK`].
    chars: Vec<usize>,
    /// Lower-cased wanted name → sorted offsets of its whole-name occurrences.
    occ: HashMap<Vec<u8>, Vec<usize>>,
    budget: Cell<usize>,
    /// Trimmed line → first 0-based line with that text.
    trimmed: HashMap<&'a str, usize>,
}

impl<'a> Locator<'a> {
    /// Indexes `text` for the given names (the parser's later [`find_after`](Self::find_after)
    /// lookups of other names take the bounded fallback).
    pub fn new<'n>(path: &'a str, text: &'a str, names: impl IntoIterator<Item = &'n str>) -> Self {
        let bytes = text.as_bytes();
        let idx = LineIndex::new(bytes);
        let lower = bytes.to_ascii_lowercase();
        let mut chars = Vec::with_capacity(bytes.len() / CHUNK + 1);
        let mut acc = 0;
        for c in bytes.chunks(CHUNK) {
            chars.push(acc);
            acc += count_chars(c);
        }
        chars.push(acc);
        let mut occ: HashMap<Vec<u8>, Vec<usize>> = HashMap::new();
        let mut max_len = 0;
        for n in names {
            let n = n.as_bytes().to_ascii_lowercase();
            if !n.is_empty() && n.iter().all(|&b| is_token_byte(b)) {
                max_len = max_len.max(n.len());
                occ.entry(n).or_default();
            }
        }
        if !occ.is_empty() {
            index_tokens(&lower, &idx, max_len, &mut occ);
        }
        let mut trimmed = HashMap::new();
        for i in (0..idx.lines()).rev() {
            let r = idx.line_range(bytes, i);
            if let Some(l) = text.get(r) {
                trimmed.insert(l.trim(), i);
            }
        }
        Locator {
            path,
            text,
            idx,
            lower,
            chars,
            occ,
            budget: Cell::new(FALLBACK_FACTOR * bytes.len() + (1 << 20)),
            trimmed,
        }
    }

    /// Number of lines.
    pub fn lines(&self) -> usize {
        self.idx.lines()
    }

    /// The text of 0-based line `i` (without its terminator; empty when not valid UTF-8 there).
    pub fn line(&self, i: usize) -> &'a str {
        let r = self.idx.line_range(self.text.as_bytes(), i);
        self.text.get(r).unwrap_or("")
    }

    /// The lines with their 0-based numbers, in one pass.
    pub fn iter_lines(&self) -> impl Iterator<Item = (usize, &'a str)> + '_ {
        (0..self.lines()).map(|i| (i, self.line(i)))
    }

    /// The first 0-based line whose trimmed text is `t`.
    pub fn trimmed_line(&self, t: &str) -> Option<usize> {
        self.trimmed.get(t).copied()
    }

    /// 0-based index of the first line at or after `start` whose trimmed text satisfies `pred`.
    /// Linear: call it a bounded number of times per manifest, not once per dependency.
    pub fn line_where(&self, start: usize, pred: impl Fn(&str) -> bool) -> Option<usize> {
        (start..self.lines()).find(|&i| pred(self.line(i).trim()))
    }

    /// A whole line.
    pub fn line_of(&self, line: u32) -> Loc {
        whole_line(self.path, self.text, &self.idx, line)
    }

    fn chars_before(&self, offset: usize) -> usize {
        let k = offset / CHUNK;
        self.chars[k] + count_chars(&self.text.as_bytes()[k * CHUNK..offset])
    }

    fn loc_at(&self, s: usize, len: usize) -> Loc {
        let line0 = self.idx.line0(s);
        let ls = self.idx.line_range(self.text.as_bytes(), line0).start;
        let col = (self.chars_before(s) - self.chars_before(ls)) as u32 + 1;
        let matched = &self.text.as_bytes()[s..(s + len).min(self.text.len())];
        Loc {
            path: self.path.to_string(),
            line: line0 as u32 + 1,
            column: col,
            end_column: col + count_chars(matched) as u32,
            text: String::from_utf8_lossy(matched).into_owned(),
        }
    }

    /// The first whole-name occurrence of `name` at or after the start of 0-based line `start`.
    pub fn find_after(&self, start: usize, name: &str) -> Option<Loc> {
        self.find_from(self.line_start(start), self.text.len(), name)
            .map(|s| self.loc_at(s, name.len()))
    }

    /// The occurrence of `name` on 0-based line `line` itself (searching that line only).
    pub fn find_in_line(&self, line: usize, name: &str) -> Option<Loc> {
        if line >= self.lines() {
            return None;
        }
        let r = self.idx.line_range(self.text.as_bytes(), line);
        self.find_from(r.start, r.end, name)
            .map(|s| self.loc_at(s, name.len()))
    }

    fn line_start(&self, line: usize) -> usize {
        if line >= self.lines() {
            return self.text.len();
        }
        self.idx.line_range(self.text.as_bytes(), line).start
    }

    /// Offset of the first whole-name occurrence of `name` within bytes `from..end`.
    fn find_from(&self, from: usize, end: usize, name: &str) -> Option<usize> {
        if name.is_empty() {
            return None;
        }
        let needle = name.as_bytes().to_ascii_lowercase();
        if let Some(v) = self.occ.get(&needle) {
            let i = v.partition_point(|&o| o < from);
            return v.get(i).copied().filter(|&s| s + needle.len() <= end);
        }
        // Not indexed: a byte search within the budget.
        let end = end.min(self.lower.len());
        let hay = &self.lower[from.min(end)..end];
        let mut left = self.budget.get();
        let finder = memchr::memmem::Finder::new(&needle);
        let mut pos: usize = 0;
        let mut last_line = (usize::MAX, false);
        let found = loop {
            if left == 0 {
                break None;
            }
            let window = &hay[pos..hay
                .len()
                .min(pos.saturating_add(left).saturating_add(needle.len()))];
            match finder.find(window) {
                Some(i) => {
                    let s = from + pos + i;
                    left = left.saturating_sub(i + 1);
                    // Only a `.` before the name needs the line's first character; found once
                    // per line.
                    let bracket = s > 0 && self.lower[s - 1] == b'.' && {
                        let ls = self.idx.line_start(s);
                        if last_line.0 != ls {
                            last_line = (ls, self.bracket_line(s));
                        }
                        last_line.1
                    };
                    if whole_name(&self.lower, s, s + needle.len(), &needle, bracket) {
                        break Some(s);
                    }
                    pos += i + 1;
                }
                None => {
                    left = left.saturating_sub(window.len());
                    if pos + window.len() >= hay.len() {
                        break None;
                    }
                    pos += window.len().saturating_sub(needle.len()).max(1);
                }
            }
        };
        self.budget.set(left);
        found
    }

    fn bracket_line(&self, offset: usize) -> bool {
        let s = self.idx.line_start(offset);
        self.text.as_bytes()[s..]
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            == Some(&b'[')
    }

    /// `name` after 0-based line `header` (falls back to the whole file, then to the header
    /// line itself, then line 1).
    pub fn locate(&self, header: Option<usize>, name: &str) -> Loc {
        if let Some(h) = header
            && let Some(l) = self.find_after(h, name)
        {
            return l;
        }
        if let Some(l) = self.find_after(0, name) {
            return l;
        }
        self.line_of(header.map_or(1, |h| h as u32 + 1))
    }
}

/// Bytes that can be part of an indexed name: name bytes and any non-ASCII byte.
fn is_token_byte(b: u8) -> bool {
    is_name_byte(b) || b >= 0x80
}

/// One pass over the lower-cased text: within each token (a run of [`is_token_byte`]s) every
/// whole-name candidate (from the token start or after a `/` or `.`, to the token end or before
/// an `@`) no longer than the longest wanted name is looked up; the work per token is bounded
/// by a multiple of its length.
fn index_tokens(
    lower: &[u8],
    idx: &LineIndex,
    max_len: usize,
    occ: &mut HashMap<Vec<u8>, Vec<usize>>,
) {
    let n = lower.len();
    let mut i = 0;
    let mut line_start = usize::MAX;
    let mut bracket = false;
    let mut ends: Vec<usize> = Vec::new();
    while i < n {
        if !is_token_byte(lower[i]) {
            i += 1;
            continue;
        }
        let t0 = i;
        while i < n && is_token_byte(lower[i]) {
            i += 1;
        }
        let t1 = i;
        let ls = idx.line_start(t0);
        if ls != line_start {
            line_start = ls;
            bracket = lower[ls..].iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
        }
        let mut work = TOKEN_WORK * (t1 - t0) + 256;
        ends.clear();
        ends.extend(memchr::memchr_iter(b'@', &lower[t0 + 1..t1]).map(|e| t0 + 1 + e));
        ends.push(t1);
        let mut s = t0;
        'starts: while s < t1 {
            let valid_start = s == t0
                || !is_name_byte(lower[s - 1])
                || lower[s - 1] == b'/'
                || (lower[s - 1] == b'.' && bracket);
            if valid_start {
                let first = ends.partition_point(|&e| e <= s);
                for &e in &ends[first..] {
                    if e - s > max_len {
                        break;
                    }
                    if work < e - s {
                        break 'starts;
                    }
                    work -= e - s + 1;
                    let cand = &lower[s..e];
                    if let Some(v) = occ.get_mut(cand)
                        && whole_name(lower, s, e, cand, bracket)
                    {
                        v.push(s);
                    }
                }
            }
            // The next possible start: after the next `/` or `.`.
            match lower[s..t1].iter().position(|&b| b == b'/' || b == b'.') {
                Some(p) => s += p + 1,
                None => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(text: &str, start: usize, name: &str) -> Option<(u32, u32)> {
        let l = Locator::new("f", text, [name]);
        l.find_after(start, name).map(|x| (x.line, x.column))
    }

    #[test]
    fn whole_names_only() {
        assert_eq!(find_name("zhipuai-extra = 1", "zhipuai"), None);
        assert_eq!(find_name("  zhipuai = \"2\"", "zhipuai"), Some(2));
        assert_eq!(
            find_name("\"node_modules/left-pad\": {", "left-pad"),
            Some(14)
        );
        assert_eq!(find_name("left-pad@1.3.0:", "left-pad"), Some(0));
        assert_eq!(
            find_name("@ai-sdk/deepseek@1.0.0", "@ai-sdk/deepseek"),
            Some(0)
        );
        assert_eq!(find_name("x/@ai-sdk/deepseek", "@ai-sdk/deepseek"), None);
        for (t, n) in [
            ("zhipuai-extra = 1\nzhipuai = 2", "zhipuai"),
            ("\"node_modules/left-pad\": {", "left-pad"),
            ("left-pad@1.3.0:", "left-pad"),
            ("x/@ai-sdk/deepseek\n@ai-sdk/deepseek@1", "@ai-sdk/deepseek"),
            ("[dependencies.fastembed]", "fastembed"),
            ("a.fastembed = 1\nfastembed", "fastembed"),
            (
                "\"node_modules/a/node_modules/b\": {",
                "node_modules/a/node_modules/b",
            ),
        ] {
            let by_index = loc(t, 0, n);
            let l = Locator::new("f", t, []);
            let by_search = l.find_after(0, n).map(|x| (x.line, x.column));
            assert_eq!(by_index, by_search, "{t:?} {n:?}");
            assert!(by_index.is_some(), "{t:?} {n:?}");
        }
        assert_eq!(
            loc("a.fastembed = 1\nfastembed", 0, "fastembed"),
            Some((2, 1))
        );
    }

    #[test]
    fn multibyte_names_do_not_panic() {
        // The second search used to start inside `é`.
        assert_eq!(find_name("\"aéb\" = \"1\"", "éb"), None);
        assert_eq!(find_name("\"aéb\" = \"éb\"", "éb"), Some(10));
        assert_eq!(find_name("\"aéb\" = \"1\"", "aéb"), Some(1));
        let t = "[dependencies]\n\"aéb\" = \"1\"\n\"éb\" = \"1\"\n";
        let l = Locator::new("Cargo.toml", t, ["aéb", "éb"]);
        let a = l.find_after(0, "aéb").unwrap();
        assert_eq!((a.line, a.column, a.end_column), (2, 2, 5));
        // `éb` inside the token `aéb` is not a whole name.
        assert_eq!(l.find_after(0, "éb").unwrap().line, 3);
    }

    #[test]
    fn columns_count_code_points() {
        let t = "# 依赖\n[dependencies]\nfastembed = \"4\" # 嵌入\n";
        let l = Locator::new("Cargo.toml", t, ["fastembed"]);
        let h = l.trimmed_line("[dependencies]");
        let x = l.locate(h, "fastembed");
        assert_eq!((x.line, x.column, x.end_column), (3, 1, 10));
        let long = format!("{}é zhipuai", "é".repeat(5000));
        let l = Locator::new("f", &long, ["zhipuai"]);
        assert_eq!(l.find_after(0, "zhipuai").unwrap().column, 5003);
    }

    #[test]
    fn fallback_is_bounded() {
        let t = "x".repeat(10_000);
        let l = Locator::new("f", &t, []);
        for _ in 0..100_000 {
            let _ = l.find_after(0, "not here");
        }
        assert_eq!(l.budget.get(), 0);
    }
}
