//! The one escaping function for everything modelgate prints that came from a repository (file
//! names, metadata values, manifest lines): control characters (C0, DEL, C1, so ESC, BEL, CR and
//! newlines) and the Unicode bidirectional controls are shown as visible escapes, so content can
//! neither rewrite a terminal nor start a new line in a log. Markdown and GitHub workflow
//! commands add their own syntax escaping on top of it.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` must not reach a terminal or a log as it is.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}')
}

/// `s` with every control and bidirectional-control character written as an escape (`\n`, `\r`,
/// `\t`, `\x1b`, `\u{202e}`); a backslash stays as it is. Borrowed when nothing needed escaping.
pub fn display(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x80 && is_unsafe(c) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// [`display`], then Markdown's inline syntax escaped (for table cells and running text): a value
/// cannot open a link, an HTML tag, emphasis or code, nor end a table cell.
pub fn markdown(s: &str) -> String {
    let d = display(s);
    let mut out = String::with_capacity(d.len() + 8);
    for c in d.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '!' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// [`display`], then the encoding of a GitHub workflow command's message (`%`, CR and LF).
pub fn github_message(s: &str) -> String {
    display(s).replace('%', "%25")
}

/// [`github_message`], plus `:` and `,`, for a property value (`file=`, `title=`).
pub fn github_property(s: &str) -> String {
    github_message(s).replace(':', "%3A").replace(',', "%2C")
}

/// A file name's bytes as a display string: valid UTF-8 as it is, every byte that is not part of
/// valid UTF-8 written as `\xNN`. Non-UTF-8 names are remembered with [`note_raw_path`] by the
/// code that builds paths, so that SARIF can give their exact bytes.
pub fn path_bytes(b: &[u8]) -> Cow<'_, str> {
    if let Ok(s) = std::str::from_utf8(b) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(b.len() + 8);
    for chunk in b.utf8_chunks() {
        out.push_str(chunk.valid());
        for x in chunk.invalid() {
            let _ = write!(out, "\\x{x:02x}");
        }
    }
    Cow::Owned(out)
}

/// The original bytes of the non-UTF-8 paths seen in this process, by display path.
static RAW_PATHS: std::sync::Mutex<std::collections::BTreeMap<String, Vec<u8>>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

/// Remembers that the display path `display` stands for the bytes `raw` (only needed when `raw`
/// is not UTF-8; a UTF-8 path is its own bytes).
pub fn note_raw_path(display: &str, raw: &[u8]) {
    if std::str::from_utf8(raw).is_err()
        && let Ok(mut m) = RAW_PATHS.lock()
    {
        m.insert(display.to_string(), raw.to_vec());
    }
}

/// The non-UTF-8 paths remembered so far whose display path satisfies `wanted`.
pub fn raw_paths(wanted: impl Fn(&str) -> bool) -> std::collections::BTreeMap<String, Vec<u8>> {
    RAW_PATHS
        .lock()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| wanted(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_bidi() {
        assert!(matches!(display("plain/path.py"), Cow::Borrowed(_)));
        assert_eq!(display("a\x1b[2Jb\x07\r\nc"), "a\\x1b[2Jb\\x07\\r\\nc");
        assert_eq!(display("x\u{202e}y\u{85}"), "x\\u{202e}y\\u{85}");
        assert_eq!(markdown("a|b`c\n"), "a\\|b\\`c\\\\n");
        assert_eq!(github_message("50%\n::error::x"), "50%25\\n::error::x");
        assert_eq!(github_property("a:b,c"), "a%3Ab%2Cc");
    }

    #[test]
    fn non_utf8_paths() {
        assert!(matches!(path_bytes(b"a/b.py"), Cow::Borrowed(_)));
        assert_eq!(path_bytes(b"a\xffb\xc3\xa9.py"), "a\\xffb\u{e9}.py");
        note_raw_path("x\\xfe", b"x\xfe");
        note_raw_path("utf8", b"utf8");
        let m = raw_paths(|_| true);
        assert_eq!(m.get("x\\xfe").map(Vec::as_slice), Some(&b"x\xfe"[..]));
        assert!(!m.contains_key("utf8"));
    }
}
