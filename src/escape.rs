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
}
