//! Line and column of a byte offset in linear total time: the line starts are found once (one
//! `memchr` pass), then each lookup is a binary search. Every parser that reports a place uses it,
//! so no lookup rescans a file from its start.

/// Start offsets of the lines of one text.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &[u8]) -> LineIndex {
        let mut starts = Vec::with_capacity(text.len() / 40 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text).map(|i| i + 1));
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    /// Number of lines (a trailing newline does not start another one).
    pub fn lines(&self) -> usize {
        match self.starts.last() {
            Some(&s) if s == self.len && self.starts.len() > 1 => self.starts.len() - 1,
            _ => self.starts.len(),
        }
    }

    /// 0-based line of byte `offset`.
    pub fn line0(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    /// 1-based line of byte `offset`.
    pub fn line(&self, offset: usize) -> u32 {
        (self.line0(offset) + 1) as u32
    }

    /// Byte range of 0-based line `line` without its line terminator (`\n` or `\r\n`).
    pub fn line_range(&self, text: &[u8], line: usize) -> std::ops::Range<usize> {
        let s = self
            .starts
            .get(line)
            .copied()
            .unwrap_or(self.len)
            .min(text.len());
        let mut e = self
            .starts
            .get(line + 1)
            .map(|&n| n - 1)
            .unwrap_or(self.len)
            .min(text.len());
        if e > s && text[e - 1] == b'\r' {
            e -= 1;
        }
        s..e
    }

    /// Byte offset where the line holding `offset` starts.
    pub fn line_start(&self, offset: usize) -> usize {
        self.starts[self.line0(offset)]
    }

    /// 1-based (line, column) of byte `offset`, the column counted in code points of the line.
    /// Linear in the distance from the line start; callers that look up many offsets of one long
    /// line use [`ColumnCursor`].
    pub fn line_col(&self, text: &[u8], offset: usize) -> (u32, u32) {
        let l = self.line0(offset);
        let s = self.starts[l];
        let col = count_chars(&text[s..offset.min(text.len())]);
        ((l + 1) as u32, col as u32 + 1)
    }
}

/// Code points in `b` (UTF-8 continuation bytes do not count; invalid bytes count one each).
pub fn count_chars(b: &[u8]) -> usize {
    b.iter().filter(|&&c| (c & 0xC0) != 0x80).count()
}

/// Columns of increasing offsets within one text, in amortised linear time: remembers the last
/// (offset, column) so a long line full of matches is walked once, not once per match.
#[derive(Debug, Default, Clone)]
pub struct ColumnCursor {
    line: usize,
    offset: usize,
    col: usize,
    valid: bool,
}

impl ColumnCursor {
    /// 1-based (line, column) of byte `offset`; offsets given in increasing order cost O(distance).
    pub fn line_col(&mut self, idx: &LineIndex, text: &[u8], offset: usize) -> (u32, u32) {
        let offset = offset.min(text.len());
        let l = idx.line0(offset);
        if !self.valid || self.line != l || self.offset > offset {
            self.line = l;
            self.offset = idx.starts[l];
            self.col = 0;
            self.valid = true;
        }
        self.col += count_chars(&text[self.offset..offset]);
        self.offset = offset;
        ((l + 1) as u32, self.col as u32 + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns() {
        let t = "ab\né x\r\nz".as_bytes();
        let i = LineIndex::new(t);
        assert_eq!(i.lines(), 3);
        assert_eq!(i.line_col(t, 0), (1, 1));
        assert_eq!(i.line_col(t, 3), (2, 1));
        assert_eq!(i.line_col(t, 6), (2, 3)); // after "é "
        assert_eq!(&t[i.line_range(t, 1)], "é x".as_bytes());
        assert_eq!(i.line(t.len() - 1), 3);
        let mut c = ColumnCursor::default();
        assert_eq!(c.line_col(&i, t, 5), (2, 2));
        assert_eq!(c.line_col(&i, t, 6), (2, 3));
        assert_eq!(c.line_col(&i, t, 9), (3, 1));
        assert_eq!(LineIndex::new(b"a\n").lines(), 1);
    }
}
