//! Where a dependency is written in a manifest. Parsers give the structure; this finds the line
//! (and columns, in code points) of a name in the text, searching after the section that holds
//! it.

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
    /// A whole line (when the name is not found on it, or for a line-based format).
    pub fn line_of(path: &str, text: &str, line: u32) -> Loc {
        let l = text
            .lines()
            .nth(line.saturating_sub(1) as usize)
            .unwrap_or("");
        let lead = l.len() - l.trim_start().len();
        let content = l.trim();
        let col = l[..lead].chars().count() as u32 + 1;
        Loc {
            path: path.to_string(),
            line: line.max(1),
            column: col,
            end_column: col + content.chars().count() as u32,
            text: content.to_string(),
        }
    }
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/' | b'@')
}

/// Byte offset of `name` in `line` as a whole name (not part of a longer one), case-insensitive.
pub fn find_name(line: &str, name: &str) -> Option<usize> {
    if name.is_empty() {
        return None;
    }
    let hay = line.to_ascii_lowercase();
    let needle = name.to_ascii_lowercase();
    let bytes = hay.as_bytes();
    let mut from = 0;
    while let Some(i) = hay[from..].find(&needle) {
        let s = from + i;
        let e = s + needle.len();
        // A dotted TOML table header (`[dependencies.name]`) may precede a name with `.`.
        let before_ok = s == 0
            || !is_name_byte(bytes[s - 1])
            || bytes[s - 1] == b'/'
            || (bytes[s - 1] == b'.' && hay.trim_start().starts_with('['));
        // `@` may follow a name (`left-pad@1.0.0`), `/` may precede one inside a path key
        // (`node_modules/left-pad`), but neither may continue the name itself.
        let after_ok = e >= bytes.len() || !is_name_byte(bytes[e]) || bytes[e] == b'@';
        if before_ok && after_ok && !(s > 0 && bytes[s - 1] == b'/' && needle.starts_with('@')) {
            return Some(s);
        }
        from = s + 1;
        if from >= hay.len() {
            break;
        }
    }
    None
}

/// The first line at or after 0-based line `start` that holds `name`; `None` when no line does.
pub fn find_after(path: &str, text: &str, start: usize, name: &str) -> Option<Loc> {
    for (i, l) in text.lines().enumerate().skip(start) {
        if let Some(b) = find_name(l, name) {
            let col = l[..b].chars().count() as u32 + 1;
            return Some(Loc {
                path: path.to_string(),
                line: i as u32 + 1,
                column: col,
                end_column: col + name.chars().count() as u32,
                text: l[b..b + name.len()].to_string(),
            });
        }
    }
    None
}

/// 0-based index of the first line at or after `start` whose trimmed text satisfies `pred`.
pub fn line_where(text: &str, start: usize, pred: impl Fn(&str) -> bool) -> Option<usize> {
    text.lines()
        .enumerate()
        .skip(start)
        .find(|(_, l)| pred(l.trim()))
        .map(|(i, _)| i)
}

/// `name` after the section header line satisfying `header` (falls back to the whole file, then
/// to the header line itself, then line 1).
pub fn locate(path: &str, text: &str, header: impl Fn(&str) -> bool, name: &str) -> Loc {
    let h = line_where(text, 0, header);
    if let Some(h) = h
        && let Some(l) = find_after(path, text, h, name)
    {
        return l;
    }
    if let Some(l) = find_after(path, text, 0, name) {
        return l;
    }
    Loc::line_of(path, text, h.map_or(1, |h| h as u32 + 1))
}

/// 1-based line of a byte offset.
pub fn line_of_offset(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }

    #[test]
    fn columns_count_code_points() {
        let t = "# 依赖\n[dependencies]\nfastembed = \"4\" # 嵌入\n";
        let l = locate("Cargo.toml", t, |l| l == "[dependencies]", "fastembed");
        assert_eq!((l.line, l.column, l.end_column), (3, 1, 10));
    }
}
