//! Where a candidate token stands, before it becomes a reference.
//!
//! Two questions, both answered from the bytes around the token:
//!
//! * **Is it code or commentary?** A small lexer per file kind finds comments, Python docstrings,
//!   string literals and (in notebooks) Markdown cells. A token in a comment or docstring is a
//!   mention — reported like prose, at most as a note — unless the comment has the shape of code
//!   (commented-out configuration: `# 'model': 'Qwen/…'`, `#MODEL_PATH = …`, `# --model …`). A token
//!   in a string literal that reads as a sentence (Chinese text, or several plain words) is a
//!   mention too.
//! * **What does its place say it is?** The key, option or call it is the value of, the file it is
//!   in, or the leading folder of its path, against the `[[context]]` entries of the database
//!   (`rules/contexts.toml`): a data set, or a local path.
//!
//! The lexer runs once per file and only for files with a confirmed candidate.

use std::collections::HashMap;

use crate::detect::anchors::COMMON_WORDS;
use crate::rules::{Database, normalise_key};

/// What the place of a token says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placed {
    /// Nothing special: a reference as the database resolves it.
    Code,
    /// Named in a comment, docstring, prose string or notebook Markdown: a mention.
    Mention,
}

/// A text searched for in a whole file: (its key in [`Contexts::marker_keys`], the text).
type Keyed = (usize, Vec<u8>);

/// A context that text anywhere in a file switches on: (context, markers, unless).
type FileSwitch = (usize, Vec<Keyed>, Vec<Vec<u8>>);

/// The `[[context]]` entries of a database, indexed for lookups.
pub struct Contexts {
    markers: Vec<FileSwitch>,
    /// (context, variable names with their keys): on when the file sets one of them to a true
    /// value.
    switches: Vec<(usize, Vec<Keyed>)>,
    /// Words that the markers and switch variables contain (see [`marker_keys`]): a file is
    /// searched for each marker only when it holds the marker's key, so a file is read a few
    /// times for the keys instead of once per marker.
    marker_keys: Vec<memchr::memmem::Finder<'static>>,
    /// Folder name (lower case) → context.
    folders: HashMap<String, usize>,
    keys: HashMap<String, usize>,
    calls: HashMap<String, usize>,
    /// Keys and calls written `*suffix`: (suffix, context), in database order.
    key_suffixes: Vec<(String, usize)>,
    call_suffixes: Vec<(String, usize)>,
    second_args: HashMap<String, usize>,
    /// Contexts of class `local` (their prefixes count only as a path's first folder).
    local: Vec<usize>,
    files: HashMap<String, usize>,
    prefixes: HashMap<String, usize>,
    /// (words of a shell command, lower case; context).
    commands: Vec<(Vec<String>, usize)>,
    /// (words after the token's literal, context); the words are lower case, split on spaces.
    follows: Vec<(Vec<String>, usize)>,
    /// (ending, lower case, context).
    extensions: Vec<(String, usize)>,
    /// (text of a heading comment, lower case, context).
    /// Texts of heading comments, matched without regard to ASCII case (pattern `k` is the
    /// heading of context `heading_ctx[k]`).
    headings: Option<aho_corasick::AhoCorasick>,
    heading_ctx: Vec<usize>,
    /// The texts of the heading comments, lower case.
    heading_texts: Vec<String>,
}

/// Sections of a file that a heading comment puts in a context: (start, end, context), in order.
pub type Sections = Vec<(usize, usize, usize)>;

/// How far a file is read for section headings (a price table of a gateway is a few thousand
/// lines).
const MAX_SECTION_SCAN: usize = 4 << 20;

impl Contexts {
    pub fn new(db: &Database) -> Contexts {
        let mut c = Contexts {
            markers: Vec::new(),
            switches: Vec::new(),
            marker_keys: Vec::new(),
            folders: HashMap::new(),
            keys: HashMap::new(),
            calls: HashMap::new(),
            key_suffixes: Vec::new(),
            call_suffixes: Vec::new(),
            second_args: HashMap::new(),
            local: Vec::new(),
            files: HashMap::new(),
            prefixes: HashMap::new(),
            commands: Vec::new(),
            follows: Vec::new(),
            extensions: Vec::new(),
            headings: None,
            heading_ctx: Vec::new(),
            heading_texts: Vec::new(),
        };
        for (i, x) in db.contexts.iter().enumerate() {
            for k in &x.keys {
                match k.strip_prefix('*') {
                    Some(suffix) => c.key_suffixes.push((normalise_key(suffix), i)),
                    None => {
                        c.keys.entry(normalise_key(k)).or_insert(i);
                    }
                }
            }
            for k in &x.calls {
                match k.strip_prefix('*') {
                    Some(suffix) => c.call_suffixes.push((suffix.to_ascii_lowercase(), i)),
                    None => {
                        c.calls.entry(k.to_ascii_lowercase()).or_insert(i);
                    }
                }
            }
            if x.class == crate::rules::ContextClass::Local {
                c.local.push(i);
            }
            for k in &x.second_args {
                c.second_args.entry(k.to_ascii_lowercase()).or_insert(i);
            }
            for k in &x.files {
                c.files.entry(k.to_ascii_lowercase()).or_insert(i);
            }
            for k in &x.commands {
                let words = k
                    .split_whitespace()
                    .filter(|w| !w.starts_with('-'))
                    .map(str::to_ascii_lowercase)
                    .collect();
                c.commands.push((words, i));
            }
            for k in &x.follows {
                let words = k.split_whitespace().map(str::to_ascii_lowercase).collect();
                c.follows.push((words, i));
            }
            for k in &x.extensions {
                c.extensions.push((k.to_ascii_lowercase(), i));
            }
            c.heading_ctx.extend(x.headings.iter().map(|_| i));
            if !x.switches.is_empty() {
                c.switches.push((
                    i,
                    x.switches
                        .iter()
                        .map(|m| (0, m.as_bytes().to_vec()))
                        .collect(),
                ));
            }
            for k in &x.folders {
                c.folders.entry(k.to_ascii_lowercase()).or_insert(i);
            }
            if !x.markers.is_empty() {
                let b = |v: &Vec<String>| v.iter().map(|m| m.as_bytes().to_vec()).collect();
                let on = x.markers.iter().map(|m| (0, m.as_bytes().to_vec()));
                c.markers.push((i, on.collect(), b(&x.unless)));
            }
            for k in &x.prefixes {
                c.prefixes
                    .entry(k.trim_end_matches('/').to_ascii_lowercase())
                    .or_insert(i);
            }
        }
        let needles: Vec<&[u8]> = (c.markers.iter().flat_map(|m| &m.1))
            .chain(c.switches.iter().flat_map(|s| &s.1))
            .map(|(_, n)| n.as_slice())
            .collect();
        let (keys, key_of) = marker_keys(&needles);
        c.marker_keys = keys
            .iter()
            .map(|k| memchr::memmem::Finder::new(k).into_owned())
            .collect();
        let mut key_of = key_of.into_iter();
        for (_, on, _) in &mut c.markers {
            for (k, _) in on {
                *k = key_of.next().unwrap_or(0);
            }
        }
        for (_, vars) in &mut c.switches {
            for (k, _) in vars {
                *k = key_of.next().unwrap_or(0);
            }
        }
        let texts: Vec<&String> = db.contexts.iter().flat_map(|x| &x.headings).collect();
        c.heading_texts = texts.iter().map(|t| t.to_ascii_lowercase()).collect();
        if !texts.is_empty() {
            c.headings = aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(texts)
                .ok();
        }
        c
    }

    /// The context (index into `db.contexts`) that classifies the token ending at `e` in the file
    /// `path`, if any. `raw_start` is where the token began before edge punctuation was trimmed.
    pub fn classify(&self, path: &str, buf: &[u8], raw_start: usize, e: usize) -> Option<usize> {
        let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
        if let Some(&i) = self.files.get(&name) {
            return Some(i);
        }
        if !self.extensions.is_empty() {
            let token = &buf[raw_start..e];
            // A URL's query or fragment does not change what it points to.
            let end = token
                .iter()
                .position(|&b| matches!(b, b'?' | b'#'))
                .unwrap_or(token.len());
            let token = &token[..end];
            if let Some(&(_, i)) = self.extensions.iter().find(|(x, _)| {
                token.len() > x.len()
                    && token[token.len() - x.len()..].eq_ignore_ascii_case(x.as_bytes())
            }) {
                return Some(i);
            }
        }
        let line_start = line_start_near(buf, raw_start);
        let prefix = &buf[line_start..raw_start];
        if !self.commands.is_empty()
            && let Some(words) = command_words(prefix)
            && let Some(&(_, i)) = self.commands.iter().find(|(c, _)| {
                // A one-word command takes the token as its operand; a longer one (`pip
                // install`) may list other operands first.
                words == *c || (c.len() > 1 && words.starts_with(c))
            })
        {
            return Some(i);
        }
        if !self.follows.is_empty()
            && let Some(i) = self.follows_token(buf, e)
        {
            return Some(i);
        }
        if !self.second_args.is_empty()
            && let Some(call) = call_of_second_arg(prefix)
            && let Some(&i) = self.second_args.get(&call.to_ascii_lowercase())
        {
            return Some(i);
        }
        let key = key_before(prefix).or_else(|| key_before_siblings(prefix));
        if let Some((word, call)) = &key
            && let Some(i) = self.lookup(word, *call)
        {
            return Some(i);
        }
        // A value on a shell continuation line: the option is on a line above.
        if key.is_none()
            && prefix
                .iter()
                .all(|b| matches!(b, b' ' | b'\t' | b'"' | b'\'' | b'#'))
        {
            let mut end = line_start;
            for _ in 0..32 {
                if end == 0 {
                    break;
                }
                let prev_end = end - 1;
                let prev_start = line_start_near(buf, prev_end);
                let line = &buf[prev_start..prev_end];
                let trimmed = trim_end_ws(line);
                if !trimmed.ends_with(b"\\") {
                    break;
                }
                if let Some(opt) = last_option(trimmed) {
                    if let Some(i) = self.lookup(&opt, false) {
                        return Some(i);
                    }
                    break;
                }
                end = prev_start;
            }
        }
        // A leading folder of the path (never the last component, which is the name itself).
        if !self.prefixes.is_empty() {
            let token = &buf[raw_start..e];
            let comps: Vec<&[u8]> = token.split(|&b| b == b'/').collect();
            let url = token.windows(3).any(|w| w == b"://");
            for (n, c) in comps.iter().take(comps.len().saturating_sub(1)).enumerate() {
                if let Ok(c) = std::str::from_utf8(c)
                    && let Some(&i) = self.prefixes.get(&c.to_ascii_lowercase())
                {
                    // A weights folder is the path's first folder, never a folder of a URL
                    // (`modelscope.cn/models/…`).
                    if self.local.contains(&i) && (n > 0 || url) {
                        continue;
                    }
                    return Some(i);
                }
            }
        }
        None
    }

    /// The contexts that the file's folder or text switches on (checked once per file), the
    /// folder's first.
    pub fn file_markers(&self, path: &str, buf: &[u8]) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        if !self.folders.is_empty() {
            let mut comps: Vec<&str> = path.split('/').collect();
            comps.pop();
            for c in comps {
                if let Some(&i) = self.folders.get(&c.to_ascii_lowercase()) {
                    out.push(i);
                }
            }
        }
        // Whether the file holds each key, searched for on first use.
        let mut held: Vec<Option<bool>> = vec![None; self.marker_keys.len()];
        let mut holds =
            |k: usize| *held[k].get_or_insert_with(|| self.marker_keys[k].find(buf).is_some());
        let has = |m: &Vec<u8>| memchr::memmem::find(buf, m).is_some();
        for (i, on, off) in &self.markers {
            if on
                .iter()
                .any(|(k, m)| holds(*k) && memchr::memmem::find(buf, m).is_some())
                && !off.iter().any(has)
            {
                out.push(*i);
            }
        }
        for (i, vars) in &self.switches {
            if vars.iter().any(|(k, v)| holds(*k) && switch_set(buf, v)) {
                out.push(*i);
            }
        }
        out
    }

    /// The texts of the heading comments (lower case).
    pub fn heading_texts(&self) -> &[String] {
        &self.heading_texts
    }

    /// Whether `text` holds the text of a heading comment (ASCII case aside).
    pub fn holds_heading(&self, text: &[u8]) -> bool {
        self.headings.as_ref().is_some_and(|h| h.is_match(text))
    }

    /// The sections of `buf` that a heading comment (`// https://openrouter.ai/models`) puts in a
    /// context: from the line after the heading to the next comment line, the first line indented
    /// less than the heading (the end of its block) or the end of the file.
    pub fn sections(&self, buf: &[u8]) -> Sections {
        let mut out = Vec::new();
        let buf = &buf[..buf.len().min(MAX_SECTION_SCAN)];
        let Some(headings) = self.headings.as_ref().filter(|h| h.is_match(buf)) else {
            return out;
        };
        // (start, indentation, context) of the open section.
        let mut open: Option<(usize, usize, usize)> = None;
        let mut at = 0;
        while at < buf.len() {
            let end = memchr::memchr(b'\n', &buf[at..]).map_or(buf.len(), |j| at + j);
            let line = &buf[at..end];
            let indent = line
                .iter()
                .position(|b| !matches!(b, b' ' | b'\t'))
                .unwrap_or(line.len());
            let body = &line[indent..];
            let blank = body.iter().all(|b| b.is_ascii_whitespace());
            let comment = body.starts_with(b"//") || body.starts_with(b"#");
            if !blank
                && (comment || open.is_some_and(|(_, i, _)| indent < i))
                && let Some((start, _, ci)) = open.take()
            {
                out.push((start, at, ci));
            }
            if comment && let Some(m) = headings.find(body) {
                open = Some((end, indent, self.heading_ctx[m.pattern().as_usize()]));
            }
            at = end + 1;
        }
        if let Some((start, _, ci)) = open {
            out.push((start, buf.len(), ci));
        }
        out
    }

    /// The context of the section holding `at`, if any.
    pub fn section_at(sections: &Sections, at: usize) -> Option<usize> {
        let i = sections.partition_point(|s| s.1 <= at);
        sections.get(i).filter(|s| s.0 <= at).map(|&(_, _, ci)| ci)
    }

    /// The context whose `follows` words come after the token's closing quote: `'x' not in y`.
    fn follows_token(&self, buf: &[u8], e: usize) -> Option<usize> {
        let q = *buf.get(e)?;
        if !matches!(q, b'"' | b'\'') {
            return None;
        }
        let hi = line_end_near(buf, e + 1);
        let after = std::str::from_utf8(&buf[e + 1..hi]).ok()?;
        let words: Vec<&str> = after.split_whitespace().take(4).collect();
        self.follows
            .iter()
            .find(|(w, _)| {
                w.len() < words.len()
                    && w.iter().zip(&words).all(|(a, b)| b.eq_ignore_ascii_case(a))
            })
            .map(|&(_, i)| i)
    }

    fn lookup(&self, word: &str, call: bool) -> Option<usize> {
        let by_suffix = |table: &[(String, usize)], last: &str| {
            table
                .iter()
                .find(|(suffix, _)| last.len() > suffix.len() && last.ends_with(suffix.as_str()))
                .map(|&(_, i)| i)
        };
        if call {
            let w = word.to_ascii_lowercase();
            let last = w.rsplit('.').next().unwrap_or(&w).to_string();
            return self
                .calls
                .get(&w)
                .or_else(|| self.calls.get(&last))
                .copied()
                .or_else(|| by_suffix(&self.call_suffixes, &last));
        }
        let k = normalise_key(word);
        if let Some(&i) = self.keys.get(&k) {
            return Some(i);
        }
        let last = k.rsplit('.').next().unwrap_or(&k);
        self.keys
            .get(last)
            .copied()
            .or_else(|| by_suffix(&self.key_suffixes, last))
    }
}

/// How far a line is read around a token: on a minified file (one line of megabytes) every token
/// would otherwise scan back to the start of the line, quadratic in the line's length.
const LINE_LOOK: usize = 4096;

/// The start of the line holding `at`, or `LINE_LOOK` bytes before `at` on a longer line.
fn line_start_near(buf: &[u8], at: usize) -> usize {
    let lo = at.saturating_sub(LINE_LOOK);
    memchr::memrchr(b'\n', &buf[lo..at]).map_or(lo, |x| lo + x + 1)
}

/// The end of the line holding `at`, or `LINE_LOOK` bytes after `at` on a longer line.
fn line_end_near(buf: &[u8], at: usize) -> usize {
    let hi = at.saturating_add(LINE_LOOK).min(buf.len());
    memchr::memchr(b'\n', &buf[at..hi]).map_or(hi, |x| at + x)
}

/// `call('first', ` before a token: the name of the call whose second positional argument the
/// token is, when the first is a string literal.
fn call_of_second_arg(prefix: &[u8]) -> Option<String> {
    let ws = |b: u8| matches!(b, b' ' | b'\t');
    let mut i = prefix.len();
    while i > 0 && (ws(prefix[i - 1]) || matches!(prefix[i - 1], b'"' | b'\'')) {
        i -= 1;
    }
    if i == 0 || prefix[i - 1] != b',' {
        return None;
    }
    i -= 1;
    while i > 0 && ws(prefix[i - 1]) {
        i -= 1;
    }
    let q = *prefix.get(i.checked_sub(1)?)?;
    if !matches!(q, b'"' | b'\'') {
        return None;
    }
    let open = prefix[..i - 1].iter().rposition(|&b| b == q)?;
    if prefix[open + 1..i - 1]
        .iter()
        .any(|&b| matches!(b, b',' | b'(' | b')'))
    {
        return None;
    }
    let mut j = open;
    while j > 0 && ws(prefix[j - 1]) {
        j -= 1;
    }
    if j == 0 || prefix[j - 1] != b'(' {
        return None;
    }
    let end = j - 1;
    let mut k = end;
    while k > 0 && (prefix[k - 1].is_ascii_alphanumeric() || matches!(prefix[k - 1], b'_' | b'.')) {
        k -= 1;
    }
    if k == end {
        return None;
    }
    let word = std::str::from_utf8(&prefix[k..end]).ok()?;
    Some(word.rsplit('.').next().unwrap_or(word).to_string())
}

/// The words of the shell command before a token, options left out, in lower case: `exec` for
/// `exec qwen/d`, `pip install` for `pip install -U qwen-vl-utils`, `pip install torch` for
/// `pip install torch qwen-vl-utils`. The command starts at the line, a quote, `;`, `&`, `|`, `(`
/// or a backtick; `RUN`, `sudo` and a notebook's `!`/`%` before it are left out. `None` when the
/// token directly follows the command start (it is the command itself).
fn command_words(prefix: &[u8]) -> Option<Vec<String>> {
    let mut end = prefix.len();
    if end > 0 && matches!(prefix[end - 1], b'"' | b'\'') {
        end -= 1;
    }
    let start = prefix[..end]
        .iter()
        .rposition(|b| matches!(b, b'"' | b'\'' | b'`' | b';' | b'&' | b'|' | b'('))
        .map_or(0, |i| i + 1);
    let text = std::str::from_utf8(&prefix[start..end]).ok()?;
    if !text.ends_with([' ', '\t']) {
        return None;
    }
    let mut words: Vec<String> = text
        .split_whitespace()
        .filter(|w| !w.starts_with('-'))
        .take(16)
        .map(|w| w.trim_start_matches(['!', '%']).to_ascii_lowercase())
        .collect();
    while words
        .first()
        .is_some_and(|w| matches!(w.as_str(), "run" | "sudo"))
    {
        words.remove(0);
    }
    (!words.is_empty()).then_some(words)
}

fn trim_end_ws(s: &[u8]) -> &[u8] {
    let mut e = s.len();
    while e > 0 && matches!(s[e - 1], b' ' | b'\t' | b'\r') {
        e -= 1;
    }
    &s[..e]
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// The key, option or call whose value starts where `prefix` ends: `key: `, `key=`,
/// `"key": "`, `--key '`, `call(` (then `true`).
fn key_before(prefix: &[u8]) -> Option<(String, bool)> {
    let mut i = prefix.len();
    let mut call = false;
    let mut sep = false;
    while i > 0 {
        match prefix[i - 1] {
            b' ' | b'\t' | b'"' | b'\'' | b'`' => {}
            // `key = (value`: a parenthesised value, not a call.
            b'=' | b':' => {
                sep = true;
                call = false;
            }
            b'(' => call = true,
            // `key=[value`, `call([value`: the first element of a list.
            b'[' if !sep && !call => {}
            _ => break,
        }
        i -= 1;
    }
    let end = i;
    let run = &prefix[end..];
    if run.windows(2).any(|w| w == b"==" || w == b"!=") {
        return None;
    }
    while i > 0 && is_word(prefix[i - 1]) {
        i -= 1;
    }
    if i == end {
        return None;
    }
    let word = std::str::from_utf8(&prefix[i..end]).ok()?;
    // `--opt value` needs the dashes; `key value` without a separator is not a key.
    if !call && !sep && !word.starts_with('-') {
        return None;
    }
    Some((word.to_string(), call))
}

/// How many earlier elements of a list or option are skipped to find its key.
const MAX_SIBLINGS: usize = 64;

/// The key of a list or of a shell option whose later element starts where `prefix` ends:
/// `key=['a', 'b'`, `call(['a', 'b'`, `call(a, 'b'`, `--opt 'a' 'b'`, `--opt a b`. Earlier
/// elements are string literals or bare words; the walk stops at anything else.
fn key_before_siblings(prefix: &[u8]) -> Option<(String, bool)> {
    let ws = |b: u8| matches!(b, b' ' | b'\t');
    let quote = |b: u8| matches!(b, b'"' | b'\'');
    let mut i = prefix.len();
    if i > 0 && quote(prefix[i - 1]) {
        i -= 1;
    }
    // Whether the elements are separated by commas (a list) or by spaces (shell words).
    let mut commas: Option<bool> = None;
    for _ in 0..MAX_SIBLINGS {
        let sep_end = i;
        while i > 0 && ws(prefix[i - 1]) {
            i -= 1;
        }
        let comma = i > 0 && prefix[i - 1] == b',';
        if comma {
            i -= 1;
            while i > 0 && ws(prefix[i - 1]) {
                i -= 1;
            }
        } else if i == sep_end {
            return None;
        }
        if *commas.get_or_insert(comma) != comma {
            return None;
        }
        let end = i;
        let last = *prefix.get(end.checked_sub(1)?)?;
        if quote(last) {
            i = prefix[..end - 1].iter().rposition(|&b| b == last)?;
        } else {
            while i > 0
                && !ws(prefix[i - 1])
                && !quote(prefix[i - 1])
                && !matches!(prefix[i - 1], b',' | b'[' | b'(' | b'=')
            {
                i -= 1;
            }
            if i == end
                || prefix[i..end]
                    .iter()
                    .any(|b| matches!(b, b')' | b']' | b'}'))
            {
                return None;
            }
            if !comma && prefix[i] == b'-' {
                // The shell option whose values these are.
                return key_before(&prefix[..end]).filter(|(w, _)| w.starts_with('-'));
            }
        }
        if comma {
            let mut j = i;
            while j > 0 && ws(prefix[j - 1]) {
                j -= 1;
            }
            if j > 0 && prefix[j - 1] == b'[' {
                return key_before(&prefix[..j]);
            }
            if j > 0 && prefix[j - 1] == b'(' {
                // A later argument of a call.
                return key_before(&prefix[..j]).filter(|(_, call)| *call);
            }
        }
    }
    None
}

/// The last `--option` (or `-o`) on a command line.
fn last_option(line: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(line).ok()?;
    text.split_whitespace()
        .rev()
        .find(|w| {
            w.starts_with('-') && w.len() > 1 && w.as_bytes()[1].is_ascii_alphabetic()
                || w.starts_with("--")
        })
        .map(|w| w.split('=').next().unwrap_or(w).to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    /// `#` comments, `"""` docstrings.
    Python,
    /// `#` comments after whitespace (shell, YAML, TOML, R, ...). `yaml`: `key: value` is code.
    Hash {
        yaml: bool,
    },
    /// `//` and `/* */` comments; `backtick` strings span lines; `quote` strings use `'`.
    Slash {
        backtick: bool,
        quote: bool,
    },
    Notebook,
    Other,
}

fn lang_of(path: &str) -> Lang {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    if name == "dockerfile" || name == "makefile" || name.starts_with(".env") {
        return Lang::Hash { yaml: false };
    }
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    match ext {
        "py" | "pyi" => Lang::Python,
        "yaml" | "yml" | "toml" => Lang::Hash { yaml: true },
        "sh" | "bash" | "zsh" | "r" | "rb" | "pl" | "cfg" | "conf" | "ini" | "cmake" | "txt" => {
            Lang::Hash { yaml: false }
        }
        "go" => Lang::Slash {
            backtick: true,
            quote: false,
        },
        "js" | "mjs" | "cjs" | "ts" | "tsx" | "jsx" | "vue" | "svelte" => Lang::Slash {
            backtick: true,
            quote: true,
        },
        "rs" | "c" | "h" | "cc" | "cpp" | "cxx" | "hpp" | "hh" | "cu" | "cuh" | "java" | "kt"
        | "kts" | "swift" | "cs" | "scala" | "dart" | "proto" | "m" | "mm" => Lang::Slash {
            backtick: false,
            quote: false,
        },
        "ipynb" => Lang::Notebook,
        _ => Lang::Other,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Region {
    Comment,
    Docstring,
    Str,
    Markdown,
    /// A notebook cell's outputs.
    Output,
}

/// Comments, docstrings, strings and Markdown cells of one file, in order. A source file is
/// lexed as far as the tokens asked about need (the hits of a file are often near its start).
pub struct FileLayout {
    lang: Lang,
    regions: Vec<(usize, usize, Region)>,
    /// Where the lexer stopped: every region that starts before it is in `regions`.
    lexed: usize,
}

impl FileLayout {
    pub fn new(path: &str, buf: &[u8]) -> FileLayout {
        let lang = lang_of(path);
        let (regions, lexed) = match lang {
            Lang::Python | Lang::Hash { .. } | Lang::Slash { .. } => (Vec::new(), 0),
            Lang::Notebook => (notebook_regions(buf), usize::MAX),
            Lang::Other => (Vec::new(), usize::MAX),
        };
        FileLayout {
            lang,
            regions,
            lexed,
        }
    }

    /// Code or mention, for the token `buf[s..e]`.
    pub fn place(&mut self, buf: &[u8], s: usize, e: usize) -> Placed {
        if self.lexed <= s {
            self.lexed = lex(buf, self.lang, self.lexed, s, &mut self.regions);
        }
        let i = self.regions.partition_point(|r| r.1 <= s);
        if let Some(&(rs, re, kind)) = self.regions.get(i)
            && rs <= s
        {
            match kind {
                Region::Markdown | Region::Output => return Placed::Mention,
                // A docstring documents: its code examples and sample outputs are mentions, but
                // a command line it gives to run the program (`python x.py --encoder BAAI/bge-m3`)
                // is how the program is used.
                Region::Docstring => {
                    let from = line_start_near(buf, s);
                    let to = line_end_near(buf, s);
                    let option = key_before(&buf[from..s]).is_some_and(|(k, _)| k.starts_with('-'));
                    return if option || command_shaped(&buf[from..to]) {
                        Placed::Code
                    } else {
                        Placed::Mention
                    };
                }
                Region::Comment => {
                    // The comment's text on the token's line: commented-out code keeps its
                    // weight.
                    let from = rs.max(line_start_near(buf, s));
                    let to = line_end_near(buf, s);
                    return if code_shaped(&buf[from..to], self.lang)
                        || model_key_before(&buf[from..s])
                    {
                        Placed::Code
                    } else {
                        Placed::Mention
                    };
                }
                Region::Str => {
                    // The argument of an option (`-k 'Qwen/Qwen3-32B and turbomind'`) is code.
                    let from = line_start_near(buf, rs);
                    let option =
                        key_before(&buf[from..rs]).is_some_and(|(k, _)| k.starts_with('-'));
                    return if !option && prose_string(&buf[rs..re], &buf[s..e]) {
                        Placed::Mention
                    } else {
                        Placed::Code
                    };
                }
            }
        }
        if self.lang == Lang::Notebook {
            // A line of a code cell is a JSON string: `"# comment\n",`.
            let line_start = line_start_near(buf, s);
            let pre = &buf[line_start..s];
            let t = pre
                .iter()
                .position(|b| !b.is_ascii_whitespace())
                .unwrap_or(pre.len());
            let pre = &pre[t..];
            if pre.first() == Some(&b'"') {
                let body = &pre[1..];
                let k = body
                    .iter()
                    .position(|b| !matches!(b, b' ' | b'\t'))
                    .unwrap_or(body.len());
                if body.get(k) == Some(&b'#') && !code_shaped(&body[k..], Lang::Python) {
                    return Placed::Mention;
                }
            }
        }
        Placed::Code
    }
}

/// A command line: an option (`--model x`, `-m x`) or a command of the tools that run models
/// (`python …`, `ollama run …`), after comment marks.
fn command_shaped(text: &[u8]) -> bool {
    let t = comment_body(text);
    if t.starts_with(b"--")
        || (t.first() == Some(&b'-') && t.get(1).is_some_and(u8::is_ascii_alphabetic))
    {
        return true;
    }
    let j = t
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')))
        .unwrap_or(t.len());
    COMMANDS.contains(&&t[..j]) && t.get(j) == Some(&b' ')
}

/// `text` without leading comment marks and blanks.
fn comment_body(text: &[u8]) -> &[u8] {
    let i = text
        .iter()
        .position(|b| !matches!(b, b'#' | b'/' | b'*' | b' ' | b'\t' | b'!'))
        .unwrap_or(text.len());
    &text[i..]
}

/// Commands whose arguments name models.
const COMMANDS: &[&[u8]] = &[
    b"export",
    b"python",
    b"python3",
    b"pip",
    b"ollama",
    b"docker",
    b"curl",
    b"vllm",
    b"lmdeploy",
    b"swift",
    b"llamafactory-cli",
    b"huggingface-cli",
    b"modelscope",
    b"git",
    b"model",
    b"return",
];

/// The text of a comment up to the token has the shape of code that was commented out.
fn code_shaped(text: &[u8], lang: Lang) -> bool {
    if command_shaped(text) {
        // `--model x`, `-m x`: a commented-out option; `# python run.py …`: a command.
        return true;
    }
    let t = comment_body(text);
    if t.starts_with(b"- ") && matches!(lang, Lang::Hash { yaml: true }) {
        // A commented-out list item of a YAML file.
        return true;
    }
    if matches!(t.first(), Some(b'"' | b'\'')) {
        let q = t[0];
        if let Some(j) = t[1..].iter().position(|&b| b == q) {
            let rest = &t[j + 2..];
            let k = rest.iter().position(|&b| b != b' ').unwrap_or(rest.len());
            return matches!(rest.get(k), Some(b':' | b'=' | b','));
        }
        return false;
    }
    let mut j = 0;
    while j < t.len() && (t[j].is_ascii_alphanumeric() || matches!(t[j], b'_' | b'.' | b'[' | b']'))
    {
        j += 1;
    }
    if j == 0 {
        return false;
    }
    let rest = &t[j..];
    let k = rest.iter().position(|&b| b != b' ').unwrap_or(rest.len());
    match rest.get(k) {
        Some(b'=') => rest.get(k + 1) != Some(&b'='),
        Some(b'(') => k == 0,
        Some(b':') => {
            if matches!(lang, Lang::Hash { yaml: true }) {
                return true;
            }
            let after = &rest[k + 1..];
            let m = after.iter().position(|&b| b != b' ').unwrap_or(after.len());
            matches!(after.get(m), Some(b'"' | b'\'' | b'[' | b'{'))
                || after.get(m).is_some_and(u8::is_ascii_digit)
        }
        _ => false,
    }
}

/// The token is the value of a key or option that names a model (`model='glm-4'`, `--model`),
/// even inside a comment.
fn model_key_before(prefix: &[u8]) -> bool {
    key_before(prefix).is_some_and(|(k, call)| !call && normalise_key(&k).contains("model"))
}

/// A string literal that reads as a sentence: Chinese (or other non-ASCII) text, or at least
/// four plain words besides the token, and no command-line options.
fn prose_string(lit: &[u8], token: &[u8]) -> bool {
    if lit.iter().any(|&b| b >= 0x80) {
        return true;
    }
    let Ok(text) = std::str::from_utf8(lit) else {
        return false;
    };
    let tok = std::str::from_utf8(token).unwrap_or("\u{0}");
    // A label: the name followed by a remark in parentheses (`"DeepSeek-V3.2 (w/ thinking)"`).
    if let Some(at) = text.find(tok)
        && text[at + tok.len()..].trim_start().starts_with('(')
        && text[at + tok.len()..].starts_with(' ')
    {
        return true;
    }
    // Words of a sentence or of a label.
    const JOINING: &[&str] = &[
        "and", "or", "the", "a", "an", "with", "using", "for", "of", "to", "in", "on", "by", "is",
        "are", "demo",
    ];
    let mut words = 0;
    let mut joining = false;
    for w in text.split_whitespace() {
        if w.as_bytes() == token || w.contains(tok) {
            continue;
        }
        if w.starts_with('-') || w.contains('=') || w.contains("{") {
            return false;
        }
        let core = w.trim_matches(|c: char| {
            matches!(
                c,
                ',' | '.' | ';' | ':' | '!' | '?' | '"' | '\'' | '(' | ')'
            )
        });
        if !core.is_empty() && core.bytes().all(|b| b.is_ascii_alphabetic()) {
            words += 1;
            joining |= JOINING.iter().any(|j| core.eq_ignore_ascii_case(j));
        }
    }
    // Several words, or a name joined to words by `and`, `with`, ... (`"Qwen and Qwen-VL"`,
    // `"QwQ-32B Tool-calling Demo"`).
    words >= 4 || (joining && words >= 1)
}

fn starts(buf: &[u8], i: usize, pat: &[u8]) -> bool {
    buf.len() >= i + pat.len() && &buf[i..i + pat.len()] == pat
}

fn line_end(buf: &[u8], i: usize) -> usize {
    memchr::memchr(b'\n', &buf[i..]).map_or(buf.len(), |j| i + j)
}

/// A string that ends on its line (or at the closing quote), honouring backslash escapes.
fn string_end(buf: &[u8], i: usize, q: u8) -> usize {
    let mut j = i + 1;
    while j < buf.len() {
        match buf[j] {
            b'\\' => j += 2,
            b'\n' => return j,
            c if c == q => return j + 1,
            _ => j += 1,
        }
    }
    buf.len()
}

/// Statement start: only whitespace (and string prefix letters) before `i` on its line, and the
/// previous non-blank line does not continue an expression.
fn statement_start(buf: &[u8], i: usize) -> bool {
    let ls = line_start_near(buf, i);
    let before = &buf[ls..i];
    let before_ok = before
        .iter()
        .rev()
        .skip_while(|b| matches!(b, b'r' | b'R' | b'u' | b'U' | b'f' | b'F' | b'b' | b'B'))
        .all(|b| matches!(b, b' ' | b'\t'));
    if !before_ok {
        return false;
    }
    let mut end = ls;
    while end > 0 {
        let pe = end - 1;
        let ps = line_start_near(buf, pe);
        let line = trim_end_ws(&buf[ps..pe]);
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            end = ps;
            continue;
        }
        return !matches!(
            line.last(),
            Some(b'(' | b',' | b'=' | b'[' | b'{' | b'+' | b'\\')
        );
    }
    true
}

/// Lexes `buf` from `from` (where a region starts or none is open) into `out`, until the region
/// that holds `until` (if any) is in; returns where it stopped.
fn lex(
    buf: &[u8],
    lang: Lang,
    from: usize,
    until: usize,
    out: &mut Vec<(usize, usize, Region)>,
) -> usize {
    let mut i = from;
    let n = buf.len();
    while i < n && i <= until {
        // Every region starts with one of these bytes.
        if !matches!(buf[i], b'"' | b'\'' | b'#' | b'/' | b'`') {
            i += 1;
            continue;
        }
        let c = buf[i];
        match lang {
            Lang::Python if starts(buf, i, b"\"\"\"") || starts(buf, i, b"'''") => {
                let pat = &buf[i..i + 3];
                let end = memchr::memmem::find(&buf[i + 3..], pat).map_or(n, |j| i + 3 + j + 3);
                let kind = if statement_start(buf, i) {
                    Region::Docstring
                } else {
                    Region::Str
                };
                out.push((i, end, kind));
                i = end;
                continue;
            }
            Lang::Python | Lang::Hash { .. }
                if c == b'#'
                    && (lang == Lang::Python || i == 0 || buf[i - 1].is_ascii_whitespace()) =>
            {
                let end = line_end(buf, i);
                out.push((i, end, Region::Comment));
                i = end;
                continue;
            }
            Lang::Slash { .. } if starts(buf, i, b"//") => {
                let end = line_end(buf, i);
                out.push((i, end, Region::Comment));
                i = end;
                continue;
            }
            Lang::Slash { .. } if starts(buf, i, b"/*") => {
                let end = memchr::memmem::find(&buf[i + 2..], b"*/").map_or(n, |j| i + 2 + j + 2);
                out.push((i, end, Region::Comment));
                i = end;
                continue;
            }
            Lang::Slash { backtick: true, .. } if c == b'`' => {
                let end = memchr::memchr(b'`', &buf[i + 1..]).map_or(n, |j| i + 1 + j + 1);
                out.push((i, end, Region::Str));
                i = end;
                continue;
            }
            Lang::Slash { quote: false, .. } if c == b'\'' => {
                // A character literal (`'a'`, `'\n'`) or a Rust lifetime: skip it.
                i += 1;
                continue;
            }
            _ => {}
        }
        if c == b'"' || c == b'\'' {
            let end = string_end(buf, i, c);
            out.push((i, end, Region::Str));
            i = end.max(i + 1);
            continue;
        }
        i += 1;
    }
    i
}

/// The Markdown cells and the outputs of a notebook. A Markdown cell runs from its
/// `"cell_type": "markdown"` to the next `"cell_type"` (Jupyter writes a cell's keys in order,
/// `source` after `cell_type`); a code cell's `"outputs"` run to its `"source"` or to the next
/// cell. What a program printed is a record of a run, not code.
fn notebook_regions(buf: &[u8]) -> Vec<(usize, usize, Region)> {
    let starts: Vec<usize> = memchr::memmem::find_iter(buf, b"\"cell_type\"").collect();
    let value_is = |at: usize, want: &[u8]| {
        let after = &buf[at..buf.len().min(at + 40)];
        let t = after
            .iter()
            .position(|b| !matches!(b, b' ' | b':' | b'\t' | b'\n' | b'\r'))
            .unwrap_or(after.len());
        after[t..].starts_with(want)
    };
    let mut out = Vec::new();
    for (k, &s) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(buf.len());
        if value_is(s + 11, b"\"markdown\"") {
            out.push((s, end, Region::Markdown));
            continue;
        }
        // The cell's outputs, if its keys come before the next cell.
        let cell = &buf[s..end];
        if let Some(o) = memchr::memmem::find(cell, b"\"outputs\"")
            && value_is(s + o + 9, b"[")
        {
            let from = s + o;
            let to = memchr::memmem::find(&buf[from..end], b"\"source\"").map_or(end, |j| from + j);
            out.push((from, to, Region::Output));
        }
    }
    out
}

/// Keys for `needles`: words (runs of ASCII letters and digits, 4 bytes or more, other than
/// the words that nearly every source file holds, such as `import`: [`COMMON_WORDS`]) that the
/// needles contain,
/// few enough that most needles share one. Chosen greedily, the word held by the most needles
/// still without a key first (the longer one on a tie); a needle without such a word is its own
/// key. Returns the keys and the index of each needle's key.
fn marker_keys(needles: &[&[u8]]) -> (Vec<Vec<u8>>, Vec<usize>) {
    let words = |n: &[u8]| -> Vec<Vec<u8>> {
        n.split(|b| !b.is_ascii_alphanumeric())
            .filter(|w| {
                w.len() >= 4
                    && !COMMON_WORDS
                        .iter()
                        .any(|c| w.eq_ignore_ascii_case(c.as_bytes()))
            })
            .map(<[u8]>::to_vec)
            .collect()
    };
    let word_sets: Vec<Vec<Vec<u8>>> = needles.iter().map(|n| words(n)).collect();
    let mut keys: Vec<Vec<u8>> = Vec::new();
    let mut key_of: Vec<Option<usize>> = vec![None; needles.len()];
    loop {
        let mut count: std::collections::BTreeMap<&Vec<u8>, usize> = Default::default();
        for (ws, k) in word_sets.iter().zip(&key_of) {
            if k.is_none() {
                let mut seen: Vec<&Vec<u8>> = ws.iter().collect();
                seen.sort();
                seen.dedup();
                for w in seen {
                    *count.entry(w).or_default() += 1;
                }
            }
        }
        let Some((best, _)) = count.into_iter().max_by(|a, b| {
            a.1.cmp(&b.1)
                .then(a.0.len().cmp(&b.0.len()))
                .then(b.0.cmp(a.0))
        }) else {
            break;
        };
        let best = best.clone();
        for (ws, k) in word_sets.iter().zip(key_of.iter_mut()) {
            if k.is_none() && ws.contains(&best) {
                *k = Some(keys.len());
            }
        }
        keys.push(best);
    }
    let key_of = needles
        .iter()
        .zip(key_of)
        .map(|(n, k)| {
            k.unwrap_or_else(|| {
                keys.push(n.to_vec());
                keys.len() - 1
            })
        })
        .collect();
    (keys, key_of)
}

/// Whether `buf` sets the variable `var` to a true value somewhere: `VAR=1`, `export VAR=true`,
/// `VAR: "True"`, `os.environ["VAR"] = "1"`, `--env VAR=yes`. Reading it (`os.getenv("VAR")`),
/// naming it in prose or setting it to a false value does not count.
pub fn switch_set(buf: &[u8], var: &[u8]) -> bool {
    memchr::memmem::find_iter(buf, var).any(|at| switch_value_at(buf, at, var.len()) == Some(true))
}

/// The value the variable at `at..at + len` is set to, when it is an assignment.
pub fn switch_value_at(buf: &[u8], at: usize, len: usize) -> Option<bool> {
    // The whole name, not a part of a longer one.
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    if at > 0 && word(buf[at - 1]) {
        return None;
    }
    let mut i = at + len;
    if buf.get(i).is_some_and(|&b| word(b)) {
        return None;
    }
    let skip = |i: &mut usize, set: &[u8]| {
        while *i < buf.len() && set.contains(&buf[*i]) {
            *i += 1;
        }
    };
    skip(&mut i, b"\"']");
    skip(&mut i, b" \t");
    if !matches!(buf.get(i), Some(b'=' | b':')) || buf.get(i + 1) == Some(&b'=') {
        return None;
    }
    i += 1;
    skip(&mut i, b" \t\"'");
    let start = i;
    while i < buf.len() && buf[i].is_ascii_alphanumeric() {
        i += 1;
    }
    let value = std::str::from_utf8(&buf[start..i])
        .ok()?
        .to_ascii_lowercase();
    match value.as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" | "" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(path: &str, text: &str, token: &str) -> Placed {
        let s = text.find(token).unwrap();
        FileLayout::new(path, text.as_bytes()).place(text.as_bytes(), s, s + token.len())
    }

    #[test]
    fn comments_and_docstrings_are_mentions() {
        assert_eq!(
            place("a.py", "# For models like Qwen3-VL\nx = 1\n", "Qwen3-VL"),
            Placed::Mention
        );
        assert_eq!(
            place(
                "a.py",
                "def f():\n    \"\"\"Load GLM-4.7-Flash.\"\"\"\n",
                "GLM-4.7-Flash"
            ),
            Placed::Mention
        );
        assert_eq!(
            place(
                "a.go",
                "x := 1 // Existing Qwen2.5-VL files\n",
                "Qwen2.5-VL"
            ),
            Placed::Mention
        );
        assert_eq!(
            place("a.cpp", "/* uses\n deepseek-chat */\n", "deepseek-chat"),
            Placed::Mention
        );
        assert_eq!(
            place(
                "a.py",
                "# source: https://huggingface.co/01-ai/Yi-34B-Chat\n",
                "01-ai/Yi-34B-Chat"
            ),
            Placed::Mention
        );
        // A docstring's code example and sample output are mentions; the command line it gives
        // to run the program is code.
        let doc = "def f():\n    \"\"\"\n    .. code-block:: python\n\n        AIMessage(content='x', response_metadata={'model_name': 'glm-4'})\n        m = load('Qwen/Qwen3-8B')\n    \"\"\"\n";
        assert_eq!(place("a.py", doc, "glm-4"), Placed::Mention);
        assert_eq!(place("a.py", doc, "Qwen/Qwen3-8B"), Placed::Mention);
        let doc = "\"\"\"\npython hybrid_all_results.py \\\n--encoder BAAI/bge-m3 \\\n\"\"\"\n";
        assert_eq!(place("a.py", doc, "BAAI/bge-m3"), Placed::Code);
        let doc = "\"\"\"\n调用示例: python api.py --model-path-address THUDM/chatglm2-6b@localhost@7650\n\"\"\"\n";
        assert_eq!(place("a.py", doc, "THUDM/chatglm2-6b"), Placed::Code);
    }

    #[test]
    fn commented_out_code_is_code() {
        assert_eq!(
            place(
                "a.py",
                "#MODEL_PATH = os.environ.get('MODEL_PATH', 'THUDM/chatglm3-6b')\n",
                "THUDM/chatglm3-6b"
            ),
            Placed::Code
        );
        assert_eq!(
            place(
                "a.py",
                "    # 'model': 'qwen2.5-72b-instruct',\n",
                "qwen2.5-72b-instruct"
            ),
            Placed::Code
        );
        assert_eq!(
            place("a.sh", "#     --model Qwen/Qwen3-8B \\\n", "Qwen/Qwen3-8B"),
            Placed::Code
        );
        assert_eq!(
            place(
                "a.yaml",
                "# model_name_or_path: Qwen/Qwen3-8B\n",
                "Qwen/Qwen3-8B"
            ),
            Placed::Code
        );
        assert_eq!(
            place("a.py", "x = 'a#b' + \"Qwen/Qwen3-8B\"\n", "Qwen/Qwen3-8B"),
            Placed::Code
        );
        assert_eq!(
            place(
                "a.sh",
                "curl http://x/#frag Qwen/Qwen3-8B\n",
                "Qwen/Qwen3-8B"
            ),
            Placed::Code
        );
        assert_eq!(
            place(
                "a.py",
                "m = \"\"\"\nQwen/Qwen3-8B\n\"\"\"\n",
                "Qwen/Qwen3-8B"
            ),
            Placed::Code
        );
    }

    #[test]
    fn prose_strings_and_markdown_cells() {
        assert_eq!(
            place(
                "a.py",
                "P = (\n    \"你是基于 GLM-4 模型开发的\"\n)\n",
                "GLM-4"
            ),
            Placed::Mention
        );
        assert_eq!(
            place("a.py", "m = \"deepseek-chat\"\n", "deepseek-chat"),
            Placed::Code
        );
        // Labels: a remark in parentheses, names joined by words.
        for (text, token) in [
            (
                "{ model: \"DeepSeek-AI/DeepSeek-V3.2 (w/ thinking)\", icon: \"x.png\" },\n",
                "DeepSeek-AI/DeepSeek-V3.2",
            ),
            ("M = {'QWenLMHeadModel': 'Qwen and Qwen-VL'}\n", "Qwen-VL"),
            (
                "a = Assistant(name='QwQ-32B Tool-calling Demo')\n",
                "QwQ-32B",
            ),
        ] {
            assert_eq!(place("a.ts", text, token), Placed::Mention, "{text}");
        }
        // Commands and ids stay code.
        for (text, token) in [
            ("cmd = \"ollama run qwen2.5:7b\"\n", "qwen2.5:7b"),
            (
                "cmd = \"vllm serve Qwen/Qwen3-8B --port 8000\"\n",
                "Qwen/Qwen3-8B",
            ),
            ("m = \"Qwen/Qwen3-8B(local)\"\n", "Qwen/Qwen3-8B"),
        ] {
            assert_eq!(place("a.py", text, token), Placed::Code, "{text}");
        }
        let nb = "{\"cells\": [{\"cell_type\": \"markdown\", \"source\": [\"# BGE-M3\"]}, {\"cell_type\": \"code\", \"source\": [\"m = 'BAAI/bge-m3'\\n\", \"# uses BAAI/bge-m4 here\\n\"]}]}";
        let s = nb.find("BGE-M3").unwrap();
        let mut l = FileLayout::new("n.ipynb", nb.as_bytes());
        assert_eq!(l.place(nb.as_bytes(), s, s + 6), Placed::Mention);
        let s = nb.find("BAAI/bge-m3").unwrap();
        assert_eq!(l.place(nb.as_bytes(), s, s + 11), Placed::Code);
        // A code cell's outputs (Jupyter writes `outputs` before `source`) are mentions; its
        // source is code, in either key order.
        let nb = "{\"cells\": [{\"cell_type\": \"code\", \"execution_count\": 1, \"metadata\": {}, \"outputs\": [{\"name\": \"stdout\", \"text\": [\"--2024  https://hf-mirror.com/datasets/x\\n\"]}], \"source\": [\"m = 'BAAI/bge-m3'\\n\"]}, {\"cell_type\": \"code\", \"source\": [\"n = 'BAAI/bge-m4'\"], \"outputs\": [{\"text\": [\"loaded BAAI/bge-m5\"]}]}]}";
        let mut l = FileLayout::new("n.ipynb", nb.as_bytes());
        let mut at = |t: &str| {
            let s = nb.find(t).unwrap();
            l.place(nb.as_bytes(), s, s + t.len())
        };
        assert_eq!(at("hf-mirror.com"), Placed::Mention);
        assert_eq!(at("BAAI/bge-m3"), Placed::Code);
        assert_eq!(at("BAAI/bge-m4"), Placed::Code);
        assert_eq!(at("BAAI/bge-m5"), Placed::Mention);
    }

    #[test]
    fn keys_and_calls() {
        assert_eq!(
            key_before(b"  \"ms_hub_url\": \""),
            Some(("ms_hub_url".into(), false))
        );
        assert_eq!(
            key_before(b"    --dataset '"),
            Some(("--dataset".into(), false))
        );
        assert_eq!(
            key_before(b"output_dir: "),
            Some(("output_dir".into(), false))
        );
        assert_eq!(
            key_before(b"ds = load_dataset(\""),
            Some(("load_dataset".into(), true))
        );
        assert_eq!(key_before(b"f(a, \""), None);
        assert_eq!(key_before(b"model "), None);
        assert_eq!(
            last_option(b"    --dataset 'a' \\").as_deref(),
            Some("--dataset")
        );
    }

    #[test]
    fn marker_keys_are_shared_words_and_every_needle_contains_its_key() {
        let needles: Vec<&[u8]> = vec![
            b"swift sft",
            b"swift infer",
            b"megatron sft",
            b"from swift import",
            b"from modelscope import",
            b"import modelscope",
            b"VLLM_USE_MODELSCOPE",
            b"a-b",
        ];
        let (keys, key_of) = marker_keys(&needles);
        let key = |i: usize| String::from_utf8(keys[key_of[i]].clone()).unwrap();
        assert_eq!(key(0), "swift");
        assert_eq!(key(3), "swift");
        assert_eq!(key(2), "megatron");
        assert_eq!(key(4), "modelscope");
        assert_eq!(key(5), "modelscope");
        assert_eq!(
            key(6),
            "VLLM_USE_MODELSCOPE"
                .split('_')
                .max_by_key(|w| w.len())
                .unwrap()
        );
        assert_eq!(
            key(7),
            "a-b",
            "a needle without a word of 4 bytes is its own key"
        );
        assert_eq!(keys.len(), 5);
        for (n, k) in needles.iter().zip(&key_of) {
            assert!(memchr::memmem::find(n, &keys[*k]).is_some());
        }
        // The database's markers: a file without any key is searched once per key only.
        let db = crate::rules::Database::embedded().unwrap();
        let c = Contexts::new(&db);
        let n = c.markers.iter().map(|m| m.1.len()).sum::<usize>()
            + c.switches.iter().map(|s| s.1.len()).sum::<usize>();
        assert!(
            c.marker_keys.len() * 3 <= n,
            "{} keys for {n} needles",
            c.marker_keys.len()
        );
        assert!(c.file_markers("a.py", b"from swift.llm import x").len() == 1);
        assert!(c.file_markers("a.py", b"VLLM_USE_MODELSCOPE=1\n").len() == 1);
        assert!(
            c.file_markers("a.py", b"VLLM_USE_MODELSCOPE=0\n")
                .is_empty()
        );
        assert!(c.file_markers("a.py", b"import os\n").is_empty());
    }

    #[test]
    fn sections_run_from_a_heading_comment_to_the_next_comment_or_the_end_of_the_block() {
        let db = crate::rules::Database::embedded().unwrap();
        let c = Contexts::new(&db);
        let openrouter = db
            .contexts
            .iter()
            .position(|x| x.headings.iter().any(|h| h == "openrouter.ai"))
            .unwrap();
        let text = "var m = map[string]float64{\n\t// https://openai.com/pricing\n\t\"gpt-4\": 1,\n\t//https://openrouter.ai/models\n\t\"deepseek/deepseek-chat\": 0.445,\n\n\t\"qwen/qwen-max\": 3.2,\n\t// whisper\n\t\"whisper-1\": 1,\n}\nvar n = \"deepseek/deepseek-r1\"\n";
        let sections = c.sections(text.as_bytes());
        let at = |t: &str| Contexts::section_at(&sections, text.find(t).unwrap());
        assert_eq!(at("deepseek/deepseek-chat"), Some(openrouter));
        assert_eq!(
            at("qwen/qwen-max"),
            Some(openrouter),
            "a blank line does not end it"
        );
        assert_eq!(at("gpt-4"), None);
        assert_eq!(at("whisper-1"), None, "the next comment ends it");
        assert_eq!(at("deepseek/deepseek-r1"), None);
        let text = "m = {\n    # https://openrouter.ai/models\n    'a/b': 1,\n}\nx = 'deepseek/deepseek-r1'\n";
        let sections = c.sections(text.as_bytes());
        assert_eq!(
            Contexts::section_at(&sections, text.find("deepseek/").unwrap()),
            None,
            "the end of the block ends it"
        );
    }

    #[test]
    fn later_elements_of_lists_and_options_have_the_list_key() {
        let k = |p: &[u8]| key_before(p).or_else(|| key_before_siblings(p));
        let dataset = Some(("dataset".to_string(), false));
        let option = Some(("--dataset".to_string(), false));
        assert_eq!(k(b"dataset=['"), dataset);
        assert_eq!(k(b"dataset = ['a#500', '"), dataset);
        assert_eq!(k(b"dataset = [\"a\", \"b\",\""), dataset);
        assert_eq!(k(b"  \"dataset = ['a#500', 'b', "), dataset);
        assert_eq!(
            k(b"x = load_dataset(['a#1000', '"),
            Some(("load_dataset".into(), true))
        );
        assert_eq!(k(b"  --dataset 'a#2000' '"), option);
        assert_eq!(k(b"  --dataset a#2000 b c "), option);
        assert_eq!(k(b"  --model m --dataset 'a' '"), option);
        // Not a list element: a plain command's argument, mixed separators, an element of another
        // kind.
        assert_eq!(k(b"f('a', '"), Some(("f".into(), true)));
        assert_eq!(
            k(b"\tcase strings.Contains(s, \"glm4\") || strings.Contains(s, \""),
            Some(("strings.Contains".into(), true))
        );
        assert_eq!(k(b"f(g(a), '"), None);
        assert_eq!(k(b"python run.py '"), None);
        assert_eq!(k(b"dataset = ['a' '"), None);
        assert_eq!(k(b"dataset = [x(1), '"), None);
        assert_eq!(k(b"d = {'a': 1, '"), None);
        assert_eq!(k(b"x = cfg[\""), None);
    }
}
