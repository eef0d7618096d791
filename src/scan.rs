//! One scan, end to end: walk → classify → detect → resolve → policy → suppressions → a sorted
//! report.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::checks::{Code, Level};

use crate::classify::Class;
use crate::config::Config;
use crate::detect::text::TextDetector;
use crate::detect::weights::{self, ModelClues, WeightOptions};
use crate::digest::DigestCache;
use crate::policy;
use crate::report::{Notification, NotificationLevel, Report, RulesInfo};
use crate::resolve;
use crate::suppress::{self, Baseline, InlineAllow};
use crate::types::{Hit, Reference};
use crate::walk::{self, FileData, Visitor, WalkOptions};

pub struct ScanConfig {
    pub roots: Vec<PathBuf>,
    pub walk: WalkOptions,
    pub config: Config,
    pub baseline: Option<Baseline>,
    /// Dependency analysis of manifests and lock files (and `--deps`).
    pub deps: crate::deps::DepsOptions,
    /// Hashing of weight files.
    pub weights: WeightOptions,
    /// Folder of the digest cache; `None` disables it.
    pub cache_dir: Option<PathBuf>,
    /// `--online`: look up unknown hub repositories through the hub's API.
    pub online: Option<crate::online::OnlineOptions>,
    /// Counters for a progress line (files and bytes read, bytes hashed).
    pub progress: Option<std::sync::Arc<crate::progress::Progress>>,
}

type Found = (Reference, Vec<InlineAllow>);

/// What a worker produces for the files it was given.
#[derive(Default)]
pub struct Collected {
    pub refs: Vec<Found>,
    pub notes: Vec<Notification>,
    /// Manifests and lock files (by file name), analysed once after the walk.
    pub manifests: Vec<crate::deps::ManifestFile>,
    /// Weight files and model metadata, resolved after the walk by [`crate::lineage`].
    pub models: ModelClues,
}

/// Most references kept per text file (a model registry or a supported-models table of a training
/// framework holds a few thousand). A minified bundle or a generated file can hold hundreds of
/// thousands (300,000 in 4 MiB took 1.9 GiB); past this limit the most severe are kept (see
/// [`Rank`]) and the file gets a warning that says how many were dropped and at which levels.
/// Repeats of an identifier on its line are folded into one reference first (see [`FoldKey`]),
/// so they take no place.
pub const MAX_REFS_PER_FILE: usize = 5000;
/// Distinct hits per file whose policy level is remembered (a repeated identifier is evaluated
/// once).
const LEVEL_CACHE: usize = 4096;
/// Notifications about inline directives kept per file.
const MAX_DIRECTIVE_NOTES: usize = 100;
/// Distinct identifiers per line that repeats are folded into; past it, a repeat is a reference of
/// its own (a minified line of that many different identifiers gains nothing from folding).
const MAX_FOLD_KEYS: usize = 2 * MAX_REFS_PER_FILE;

/// What makes two references on one line the same finding: the identifier (case aside), what it
/// resolves to (developer, family, host), its kind and the level it would be reported at; the
/// evidence for the host (`via`) is the first occurrence's. Two occurrences that differ in any of
/// these (a ModelScope id and a Hugging Face id, say) stay two findings.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct FoldKey {
    identifier: String,
    kind: crate::types::RefKind,
    org: Option<String>,
    family: Option<String>,
    host: Option<String>,
    level: u8,
}

impl FoldKey {
    fn of(r: &Reference, level: u8) -> FoldKey {
        FoldKey {
            identifier: r.hit.identifier.to_ascii_lowercase(),
            kind: r.hit.kind,
            org: r.hit.org.clone(),
            family: r.hit.family.clone(),
            host: r.hit.host.clone(),
            level,
        }
    }
}

/// Detects references in one text file and reads the inline directives that apply to them. At
/// most [`MAX_REFS_PER_FILE`] references are kept, ranked under `config` (its policy levels,
/// allow entries and the inline directives), so that an error-level finding is never dropped in
/// favour of a lesser one; memory per file stays bounded whatever the file holds.
pub fn detect_file_with(
    detector: &TextDetector,
    config: &Config,
    rel: &str,
    bytes: &[u8],
    prose: bool,
    out: &mut Collected,
) {
    if let Some(kind) = crate::deps::manifest_kind(rel) {
        out.manifests.push(crate::deps::ManifestFile {
            rel: rel.to_string(),
            kind,
            text: String::from_utf8_lossy(bytes).into_owned(),
        });
    }
    let mut cap = FileRefs::new(detector.db(), config, rel, bytes, MAX_REFS_PER_FILE);
    detector.scan_with(bytes, rel, prose, &mut |r| cap.push(r));
    cap.finish(out);
}

/// Bytes that a window of a text read in windows ([`detect_chunked`]) reaches beyond the range it
/// reports on each side. A reference is decided by its token (at most
/// [`crate::detect::text::MAX_TOKEN`] bytes each side of an anchor) and by the text around it
/// (contexts read at most 4 KiB of its line each side, the resolver 256 bytes before it), so
/// every reference of a window's range is found, and found as in the whole file, with much
/// room to spare.
pub const TEXT_OVERLAP: usize = 64 << 10;

/// Least text a window holds before its range ([`TEXT_OVERLAP`] when it cannot start at a line
/// start within that): four times what a reference's context reads before it.
const TEXT_REACH: usize = 16 << 10;

/// Default window for text files: a text file up to this size is held whole; a larger one is
/// read and scanned in windows of this size (plus [`TEXT_OVERLAP`] each side), so that memory
/// stays bounded whatever the size of the file.
pub const TEXT_CHUNK: usize = 8 << 20;

/// 1-based (line, column) just after `b`, counted as [`crate::lineindex`] counts them.
fn end_position(b: &[u8]) -> (u32, u32) {
    let lines = memchr::memchr_iter(b'\n', b).count();
    let last = memchr::memrchr(b'\n', b).map_or(0, |i| i + 1);
    (
        1 + lines as u32,
        1 + crate::lineindex::count_chars(&b[last..]) as u32,
    )
}

/// Detects references in a text read from `reader`, one window of at most `chunk` bytes plus
/// [`TEXT_OVERLAP`] on each side at a time, so that memory is bounded by the window whatever the
/// size of the text. Each window reports the references whose token starts in its own range
/// (the window less its overlaps; consecutive ranges tile the text), with the line and column
/// they have in the whole text, so a token across the edge of two ranges is reported once, by
/// the window that holds its start. The references go through the same per-file limit as a
/// text read whole ([`FileRefs`], [`MAX_REFS_PER_FILE`]).
///
/// What a window does not see is the rest of the file: comments and strings are told apart from
/// the window's start on (a line start when the overlap holds one, so a string or comment open
/// across that line start, such as a docstring of several lines, is misread), the file-wide clues (an endpoint named elsewhere in the file that
/// decides an API name's host, a hub switch set at its top) come from the window, and inline
/// `modelgate: allow` directives are not read (a finding is never suppressed by one). Manifests
/// and model configs are not analysed from a text read in windows. Returns the bytes read.
pub fn detect_chunked(
    detector: &TextDetector,
    config: &Config,
    rel: &str,
    prose: bool,
    reader: &mut dyn std::io::Read,
    chunk: usize,
    out: &mut Collected,
) -> std::io::Result<u64> {
    let chunk = chunk.max(1);
    let mut cap = FileRefs::new(detector.db(), config, rel, &[], MAX_REFS_PER_FILE);
    let mut buf: Vec<u8> = Vec::with_capacity(chunk + 2 * TEXT_OVERLAP);
    // Offset in `buf` where the window's own range starts, and the (line, chars before it) of
    // `buf[0]` in the whole text.
    let mut own_start = 0usize;
    let mut base_line = 1u32;
    let mut base_col = 0u32;
    let mut total = 0u64;
    let mut eof = false;
    let mut result = Ok(());
    loop {
        let want = own_start + chunk + TEXT_OVERLAP;
        while buf.len() < want && !eof {
            let have = buf.len();
            buf.resize(want, 0);
            match reader.read(&mut buf[have..]) {
                Ok(0) => {
                    buf.truncate(have);
                    eof = true;
                }
                Ok(n) => buf.truncate(have + n),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => buf.truncate(have),
                Err(e) => {
                    // What was read is scanned; the error is reported by the caller.
                    buf.truncate(have);
                    eof = true;
                    result = Err(e);
                }
            }
        }
        let own_end = if eof {
            buf.len()
        } else {
            buf.len() - TEXT_OVERLAP
        };
        let from = end_position(&buf[..own_start]);
        let to = (!eof).then(|| end_position(&buf[..own_end]));
        detector.scan_with(&buf, rel, prose, &mut |mut r| {
            let at = (r.line, r.column);
            if at < from || to.is_some_and(|to| at >= to) {
                return;
            }
            if r.line == 1 {
                r.column += base_col;
                r.end_column += base_col;
            }
            r.line += base_line - 1;
            cap.push(r);
        });
        if eof {
            total += buf.len() as u64;
            break;
        }
        // The next window starts at a line start when its overlap holds one (comments and
        // strings are then told apart from a line start, as in the whole text), else
        // `TEXT_OVERLAP` before its range.
        let lo = own_end.saturating_sub(TEXT_OVERLAP);
        let hi = own_end.saturating_sub(TEXT_REACH);
        let next = match memchr::memchr(b'\n', &buf[lo..hi.max(lo)]) {
            Some(i) => lo + i + 1,
            None => lo,
        };
        let (lines, col) = end_position(&buf[..next]);
        if lines > 1 {
            base_line += lines - 1;
            base_col = col - 1;
        } else {
            base_col += col - 1;
        }
        total += next as u64;
        buf.drain(..next);
        own_start = own_end - next;
    }
    cap.finish(out);
    result.map(|()| total)
}

/// Scans a text file larger than one window ([`detect_chunked`]) from its start.
fn detect_in_windows(
    ctx: &FileCtx<'_>,
    file: &FileData<'_>,
    f: &std::fs::File,
    prose: bool,
    out: &mut Collected,
) {
    use std::io::{Read, Seek};
    let mut f = f;
    let read = f.seek(std::io::SeekFrom::Start(0)).and_then(|_| {
        detect_chunked(
            ctx.detector,
            ctx.config,
            file.rel,
            prose,
            &mut f.take(file.len),
            ctx.text_chunk,
            out,
        )
    });
    let mut say = |level, message: String| {
        out.notes.push(Notification {
            level,
            path: Some(file.rel.to_string()),
            line: None,
            message,
        })
    };
    if let Err(e) = read {
        say(
            NotificationLevel::Warning,
            format!("cannot read: {e}; scanned up to the error"),
        );
    }
    if crate::deps::manifest_kind(file.rel).is_some() {
        say(
            NotificationLevel::Warning,
            format!(
                "manifest of {} bytes is larger than {} bytes: scanned as text, its dependencies \
                 are not analysed",
                file.len, ctx.text_chunk
            ),
        );
    }
}

/// How a reference ranks for the per-file limit; greater is kept first: the level it would be
/// reported at (suppressed ones below inventory, references of a switched-off check last), then
/// the first kept occurrence of an identifier before repeats, then the earlier one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Rank {
    level: u8,
    novel: bool,
    order: Reverse<usize>,
}

const RANK_OFF: u8 = 0;
const RANK_SUPPRESSED: u8 = 1;
const LEVEL_NAMES: [&str; 6] = ["off", "suppressed", "inventory", "note", "warning", "error"];

fn level_rank(l: Level) -> u8 {
    match l {
        Level::None => 2,
        Level::Note => 3,
        Level::Warning => 4,
        Level::Error => 5,
    }
}

/// The references of one file, at most `cap` of them, best ranked first.
pub struct FileRefs<'a> {
    db: &'a crate::rules::Database,
    config: &'a Config,
    rel: &'a str,
    bytes: &'a [u8],
    cap: usize,
    /// The file names `modelgate` (it may hold inline directives); looked up with the first
    /// reference, most files have none.
    directives: Option<bool>,
    lines: LineWalker,
    last_allows: Option<(u32, Vec<InlineAllow>)>,
    /// hit → (matched text, check code, rank before inline directives).
    levels: HashMap<Hit, Vec<(String, Option<Code>, u8)>>,
    levels_len: usize,
    /// The line being read and, per [`FoldKey`] seen on it, the slot of its kept reference
    /// (`None`: the first occurrence was dropped, and so are its repeats).
    fold_line: u32,
    fold: HashMap<FoldKey, Option<usize>>,
    slots: Vec<(Reference, Vec<InlineAllow>, Rank)>,
    /// Min-heap of (rank, slot) of the kept references.
    heap: BinaryHeap<Reverse<(Rank, usize)>>,
    kept_idents: HashMap<String, u32>,
    seen: usize,
    /// Dropped references per rank.
    dropped: [usize; 6],
    off: usize,
    notes: Vec<Notification>,
    more_notes: usize,
}

impl<'a> FileRefs<'a> {
    pub fn new(
        db: &'a crate::rules::Database,
        config: &'a Config,
        rel: &'a str,
        bytes: &'a [u8],
        cap: usize,
    ) -> Self {
        FileRefs {
            db,
            config,
            rel,
            bytes,
            cap: cap.max(1),
            directives: None,
            lines: LineWalker::default(),
            last_allows: None,
            levels: HashMap::new(),
            levels_len: 0,
            fold_line: 0,
            fold: HashMap::new(),
            slots: Vec::new(),
            heap: BinaryHeap::new(),
            kept_idents: HashMap::new(),
            seen: 0,
            dropped: [0; 6],
            off: 0,
            notes: Vec::new(),
            more_notes: 0,
        }
    }

    /// Offers one reference (references come in file order).
    pub fn push(&mut self, r: Reference) {
        let order = self.seen;
        self.seen += 1;
        let allows = self.allows_for(r.line);
        let level = self.rank_level(&r, &allows);
        if level == RANK_OFF {
            self.off += 1;
        }
        if r.line != self.fold_line {
            self.fold_line = r.line;
            if self.fold.capacity() > 64 {
                // A long line's table is not cleared bucket by bucket on every line after it.
                self.fold = HashMap::new();
            } else {
                self.fold.clear();
            }
        }
        let key = FoldKey::of(&r, level);
        match self.fold.get(&key) {
            Some(Some(slot)) => {
                self.slots[*slot].0.also.push(r.column);
                return;
            }
            Some(None) => {
                self.dropped[level as usize] += 1;
                return;
            }
            None => {}
        }
        let foldable = self.fold.len() < MAX_FOLD_KEYS;
        let ident = r.hit.identifier.to_ascii_lowercase();
        let rank = Rank {
            level,
            novel: !self.kept_idents.contains_key(&ident),
            order: Reverse(order),
        };
        if self.slots.len() < self.cap {
            if foldable {
                self.fold.insert(key, Some(self.slots.len()));
            }
            self.heap.push(Reverse((rank, self.slots.len())));
            self.slots.push((r, allows, rank));
            *self.kept_idents.entry(ident).or_default() += 1;
            return;
        }
        let Some(&Reverse((worst, wi))) = self.heap.peek() else {
            return;
        };
        if rank <= worst {
            if foldable {
                self.fold.insert(key, None);
            }
            self.dropped[level as usize] += 1;
            return;
        }
        self.heap.pop();
        let old = std::mem::replace(&mut self.slots[wi], (r, allows, rank));
        // The evicted reference goes with the repeats folded into it; a later repeat on its line
        // is dropped too.
        self.dropped[worst.level as usize] += 1 + old.0.also.count();
        if old.0.line == self.fold_line
            && let Some(v) = self.fold.get_mut(&FoldKey::of(&old.0, old.2.level))
        {
            *v = None;
        }
        if foldable {
            self.fold.insert(key, Some(wi));
        }
        let old_ident = old.0.hit.identifier.to_ascii_lowercase();
        if let Some(n) = self.kept_idents.get_mut(&old_ident) {
            *n -= 1;
            if *n == 0 {
                self.kept_idents.remove(&old_ident);
            }
        }
        *self.kept_idents.entry(ident).or_default() += 1;
        self.heap.push(Reverse((rank, wi)));
    }

    /// The rank of the level the reference would be reported at.
    fn rank_level(&mut self, r: &Reference, allows: &[InlineAllow]) -> u8 {
        let cached = self
            .levels
            .get(&r.hit)
            .and_then(|v| v.iter().find(|(t, _, _)| *t == r.text))
            .map(|&(_, code, rank)| (code, rank));
        let (code, rank) = match cached {
            Some(c) => c,
            None => {
                let c = self.evaluate(r);
                if self.levels_len < LEVEL_CACHE {
                    self.levels_len += 1;
                    self.levels
                        .entry(r.hit.clone())
                        .or_default()
                        .push((r.text.clone(), c.0, c.1));
                }
                c
            }
        };
        match code {
            Some(code)
                if rank > RANK_SUPPRESSED
                    && allows
                        .iter()
                        .any(|d| d.codes.iter().any(|c| c == code.as_str())) =>
            {
                RANK_SUPPRESSED
            }
            _ => rank,
        }
    }

    /// Policy and allow entries (not the baseline: its fingerprints count occurrences over the
    /// whole file, so a baselined finding ranks as if it were not).
    fn evaluate(&self, r: &Reference) -> (Option<Code>, u8) {
        let Some(f) = policy::evaluate(&self.config.policy, r, resolve::resolve(self.db, r)) else {
            return (None, RANK_OFF);
        };
        let rank = if suppress::allowed(self.config, &f, &mut Vec::new()) {
            RANK_SUPPRESSED
        } else {
            level_rank(f.level)
        };
        (Some(f.code), rank)
    }

    /// The inline directives for a reference on `line` (references come in line order, so the
    /// file is walked once and each line's directives are read once).
    fn allows_for(&mut self, line: u32) -> Vec<InlineAllow> {
        let bytes = self.bytes;
        if !*self
            .directives
            .get_or_insert_with(|| memchr::memmem::find(bytes, b"modelgate").is_some())
        {
            return Vec::new();
        }
        if let Some((l, a)) = &self.last_allows
            && *l == line
        {
            return a.clone();
        }
        let (prev, cur) = self.lines.lines(self.bytes, line);
        let (lines, base): (Vec<&[u8]>, u32) = match prev {
            Some(p) => (vec![p, cur], 2),
            None => (vec![cur], 1),
        };
        let mut notes = Vec::new();
        let mut allows = suppress::inline_allows(&lines, base, self.rel, &mut notes);
        // Back from the two-line window to the file's line numbers.
        let real = |rel_line: u32| line + rel_line - base;
        for a in &mut allows {
            a.line = real(a.line);
            // The reason is file content that every finding of the line carries into the
            // report: on a minified line it would be the rest of the line.
            a.reason = crate::detect::cap_text(&a.reason, crate::detect::MAX_VALUE_CHARS);
        }
        for mut n in notes {
            n.line = n.line.map(real);
            if self.notes.len() < MAX_DIRECTIVE_NOTES {
                if !self.notes.contains(&n) {
                    self.notes.push(n);
                }
            } else {
                self.more_notes += 1;
            }
        }
        self.last_allows = Some((line, allows.clone()));
        allows
    }

    /// Hands the kept references, in file order, and the file's notifications to `out`.
    pub fn finish(self, out: &mut Collected) {
        let mut kept = self.slots;
        kept.sort_by_key(|(_, _, rank)| rank.order.0);
        let folded: usize = kept.iter().map(|(r, _, _)| r.also.count()).sum();
        let unlisted: usize = kept.iter().map(|(r, _, _)| r.also.more as usize).sum();
        out.refs
            .extend(kept.into_iter().map(|(r, allows, _)| (r, allows)));
        out.notes.extend(self.notes);
        if self.more_notes > 0 {
            out.notes.push(Notification {
                level: NotificationLevel::Warning,
                path: Some(self.rel.to_string()),
                line: None,
                message: format!(
                    "{} more `modelgate: allow` directives without a reason (not listed)",
                    self.more_notes
                ),
            });
        }
        let dropped: usize = self.dropped[1..].iter().sum();
        let mut parts = Vec::new();
        if dropped > 0 {
            let by_level: Vec<String> = (1..6)
                .rev()
                .filter(|&i| self.dropped[i] > 0)
                .map(|i| format!("{} {}", self.dropped[i], LEVEL_NAMES[i]))
                .collect();
            parts.push(format!(
                "more than the limit of {} per file: the {} most severe are reported (errors \
                 first, then the first occurrence of each identifier, then the earliest) and \
                 {dropped} are dropped ({})",
                self.cap,
                self.cap,
                by_level.join(", ")
            ));
        }
        // Folded repeats are said when anything else is: the counts then add up.
        if folded > 0 && (dropped > 0 || unlisted > 0) {
            let unlisted = if unlisted > 0 {
                format!(
                    ", {unlisted} of them without their columns (at most {} listed per finding)",
                    crate::types::MAX_ALSO_COLUMNS
                )
            } else {
                String::new()
            };
            parts.push(format!(
                "{folded} repeat an identifier on its line and are reported in the finding of \
                 its first occurrence there{unlisted}"
            ));
        }
        if !parts.is_empty() {
            out.notes.push(Notification {
                level: NotificationLevel::Warning,
                path: Some(self.rel.to_string()),
                line: None,
                message: format!(
                    "{} model references in this file: {}",
                    self.seen - self.off,
                    parts.join("; ")
                ),
            });
        }
    }
}

/// Walks a text forward to the lines that references are on (in increasing order).
#[derive(Debug, Default)]
struct LineWalker {
    /// 1-based number of the line starting at `start` (0 before the first call).
    no: u32,
    start: usize,
    prev_start: Option<usize>,
}

impl LineWalker {
    /// The line before `line` (if any) and `line` itself, without line terminators. `line` must
    /// not decrease between calls.
    fn lines<'b>(&mut self, text: &'b [u8], line: u32) -> (Option<&'b [u8]>, &'b [u8]) {
        if self.no == 0 {
            self.no = 1;
        }
        while self.no < line {
            match memchr::memchr(b'\n', &text[self.start..]) {
                Some(i) => {
                    self.prev_start = Some(self.start);
                    self.start += i + 1;
                    self.no += 1;
                }
                None => break,
            }
        }
        let end = memchr::memchr(b'\n', &text[self.start..]).map_or(text.len(), |i| self.start + i);
        let trim = |l: &'b [u8]| l.strip_suffix(b"\r").unwrap_or(l);
        let cur = trim(&text[self.start..end]);
        let prev = self
            .prev_start
            .filter(|_| line > 1)
            .map(|p| trim(&text[p..self.start.saturating_sub(1).max(p)]));
        (prev, cur)
    }
}

/// What the per-file path needs besides the file: the detector, the policy (to rank a file's
/// references), and how weight files are hashed.
pub struct FileCtx<'a> {
    pub detector: &'a TextDetector,
    pub config: &'a Config,
    pub weights: &'a WeightOptions,
    pub cache: &'a DigestCache,
    pub progress: Option<&'a crate::progress::Progress>,
    /// Window size for text read in windows ([`WalkOptions::text_chunk`]).
    pub text_chunk: usize,
}

impl<'a> FileCtx<'a> {
    /// The per-file context of a scan configured by `cfg`, with the digest cache `cache`.
    pub fn of(cfg: &'a ScanConfig, detector: &'a TextDetector, cache: &'a DigestCache) -> Self {
        FileCtx {
            detector,
            config: &cfg.config,
            weights: &cfg.weights,
            cache,
            progress: cfg.progress.as_deref(),
            text_chunk: cfg.walk.text_chunk,
        }
    }
}

/// The one per-file path of every mode (the walk, `--staged`, and the merge-base side of
/// `--diff-base`): one file's content, whatever its class, becomes references and model clues in
/// `out`.
pub fn visit_file(ctx: &FileCtx<'_>, file: &FileData<'_>, out: &mut Collected) {
    let windows = match (file.class, file.body) {
        (Class::Text { .. }, crate::types::Body::File(f)) => Some(f),
        _ => None,
    };
    if let Some(p) = ctx.progress {
        p.file(if windows.is_some() {
            file.len
        } else {
            file.bytes.len() as u64
        });
    }
    match file.class {
        Class::Text { prose } if let Some(f) = windows => {
            detect_in_windows(ctx, file, f, prose, out);
        }
        Class::Text { .. } if let Some(own) = crate::ownfiles::own_file(file.rel, file.bytes) => {
            out.notes.push(Notification {
                level: NotificationLevel::Note,
                path: Some(file.rel.to_string()),
                line: None,
                message: format!("modelgate's own {}: not scanned", own.as_str()),
            });
        }
        Class::Text { prose } => {
            detect_file_with(ctx.detector, ctx.config, file.rel, file.bytes, prose, out);
            weights::text_file(file.rel, file.bytes, &mut out.models);
        }
        Class::Weights => {
            if let Some(w) = weights::binary_file(
                ctx.weights,
                ctx.cache,
                file.rel,
                file.body,
                file.len,
                file.head,
            ) {
                if let Some(p) = ctx.progress
                    && w.sha256.is_some()
                    && matches!(file.body, crate::types::Body::File(_))
                {
                    p.hashed(w.size);
                }
                out.models.weights.push(w);
            }
        }
        Class::OtherBinary => {}
    }
}

struct Worker<'a> {
    ctx: &'a FileCtx<'a>,
    local: Collected,
    shared: &'a Mutex<Collected>,
}

impl Visitor for Worker<'_> {
    fn visit(&mut self, file: &FileData<'_>) {
        visit_file(self.ctx, file, &mut self.local);
    }
}

impl Drop for Worker<'_> {
    fn drop(&mut self) {
        if let Ok(mut s) = self.shared.lock() {
            s.refs.append(&mut self.local.refs);
            s.notes.append(&mut self.local.notes);
            s.manifests.append(&mut self.local.manifests);
            s.models.append(&mut self.local.models);
        }
    }
}

/// The one findings path of every mode: collected references, with those of the dependencies
/// the collected manifests declare and those the model clues add ([`crate::lineage`]), are
/// resolved, judged by the policy, matched with their inline directives, fingerprinted, and
/// matched with the allow entries and the baseline. Returns the findings, sorted, and the
/// notifications of these steps.
pub fn findings(
    cfg: &ScanConfig,
    detector: &TextDetector,
    mut collected: Collected,
) -> (Vec<policy::Finding>, Vec<Notification>) {
    let db = detector.db();
    dependency_refs(cfg, detector, &mut collected);
    if let Some(o) = &cfg.online {
        crate::online::enrich(
            &mut collected.refs,
            detector.resolver(),
            o,
            &mut collected.notes,
        );
    }
    if !collected.models.weights.is_empty()
        || !collected.models.metas.is_empty()
        || !collected.models.remote_code.is_empty()
    {
        let text_refs: Vec<&Reference> = collected.refs.iter().map(|(r, _)| r).collect();
        let (refs, notes) =
            crate::lineage::references(detector.resolver(), &collected.models, &text_refs);
        collected.notes.extend(notes);
        collected
            .refs
            .extend(refs.into_iter().map(|r| (r, Vec::new())));
    }
    // Each reference is judged on the scan's threads (one contiguous share each, the order
    // kept) and dropped as soon as it is a finding; findings of the same hit share its resolved
    // facts and message (one interner per thread).
    let judge = |refs: Vec<Found>| -> Vec<policy::Finding> {
        let mut interner = policy::Interner::default();
        refs.into_iter()
            .filter_map(|(r, allows)| {
                let mut f = interner.evaluate(db, &cfg.config.policy, &r)?;
                suppress::apply_inline(&mut f, &allows);
                Some(f)
            })
            .collect()
    };
    let mut refs = std::mem::take(&mut collected.refs);
    let threads = cfg.walk.threads.min(refs.len() / 256).max(1);
    let mut findings = if threads == 1 {
        judge(refs)
    } else {
        let share = refs.len().div_ceil(threads);
        let mut shares = Vec::with_capacity(threads);
        while refs.len() > share {
            let rest = refs.split_off(share);
            shares.push(std::mem::replace(&mut refs, rest));
        }
        shares.push(refs);
        std::thread::scope(|s| {
            let judge = &judge;
            let handles: Vec<_> = shares
                .into_iter()
                .map(|c| s.spawn(move || judge(c)))
                .collect();
            let mut out = Vec::new();
            for h in handles {
                out.extend(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
            }
            out
        })
    };
    policy::finalize(&mut findings);
    if let Some(p) = &cfg.config.file {
        let shown = crate::escape::display(&p.display().to_string()).into_owned();
        for f in &mut findings {
            f.policy = Some(shown.clone());
        }
    }
    let mut notes = collected.notes;
    suppress::apply(
        &mut findings,
        &cfg.config,
        cfg.baseline.as_ref(),
        &mut notes,
    );
    (findings, notes)
}

/// Turns collected references into a report ([`findings`]) with the run's notifications.
pub fn build_report(
    cfg: &ScanConfig,
    detector: &TextDetector,
    collected: Collected,
    mut notifications: Vec<Notification>,
    stats: walk::WalkStats,
) -> Report {
    let (findings, notes) = findings(cfg, detector, collected);
    notifications.extend(notes);
    notifications.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    notifications.dedup();
    // Exact bytes of the non-UTF-8 paths the report names (for SARIF URIs).
    let raw_paths = crate::escape::raw_paths(|p| {
        findings.iter().any(|f| f.path == p)
            || notifications.iter().any(|n| n.path.as_deref() == Some(p))
    });
    Report {
        tool_version: env!("CARGO_PKG_VERSION"),
        rules: RulesInfo::of(detector.db()),
        roots: cfg.roots.iter().map(|r| r.display().to_string()).collect(),
        findings,
        notifications,
        stats,
        raw_paths,
    }
}

/// Which policy governs the findings under the roots of `cfg` (a note in the report of a
/// multi-root scan, so that a reader sees which file decided what).
pub fn policy_note(cfg: &ScanConfig) -> Notification {
    let roots: Vec<String> = cfg
        .roots
        .iter()
        .map(|r| crate::escape::display(&r.display().to_string()).into_owned())
        .collect();
    let policy = match &cfg.config.file {
        Some(p) => format!(
            "policy file {}",
            crate::escape::display(&p.display().to_string())
        ),
        None => "the default policy (no policy file)".to_string(),
    };
    Notification {
        level: NotificationLevel::Note,
        path: None,
        line: None,
        message: format!("{}: {policy}", roots.join(", ")),
    }
}

/// Adds the references of the dependencies that the collected manifests declare, with the inline
/// directives on their manifest lines.
pub fn dependency_refs(cfg: &ScanConfig, detector: &TextDetector, c: &mut Collected) {
    if c.manifests.is_empty() {
        return;
    }
    c.manifests.sort_by(|a, b| a.rel.cmp(&b.rel));
    let a = crate::deps::analyze(&cfg.roots, detector, &c.manifests, &cfg.deps);
    c.notes.extend(a.notes);
    let texts: std::collections::HashMap<&str, &str> = c
        .manifests
        .iter()
        .map(|m| (m.rel.as_str(), m.text.as_str()))
        .collect();
    // Each manifest that holds a directive is split into lines once, not once per finding.
    let mut lines: std::collections::HashMap<&str, Vec<&[u8]>> = std::collections::HashMap::new();
    for r in a.refs {
        let allows = match texts.get_key_value(r.path.as_str()) {
            Some((&key, t)) if t.contains("modelgate") => {
                let ls = lines
                    .entry(key)
                    .or_insert_with(|| t.as_bytes().split(|&b| b == b'\n').collect());
                suppress::inline_allows(ls, r.line, &r.path, &mut c.notes)
            }
            _ => Vec::new(),
        };
        c.refs.push((r, allows));
    }
}

/// Scans the roots with an already built detector (it carries the database).
pub fn run(cfg: &ScanConfig, detector: &TextDetector) -> Report {
    let shared = Mutex::new(Collected::default());
    let cache = match &cfg.cache_dir {
        Some(d) if cfg.weights.hash => DigestCache::open(d),
        _ => DigestCache::disabled(),
    };
    let ctx = FileCtx::of(cfg, detector, &cache);
    let make = || Worker {
        ctx: &ctx,
        local: Collected::default(),
        shared: &shared,
    };
    let (mut notifications, stats) = walk::walk(&cfg.roots, &cfg.walk, &make);
    if let Err(e) = cache.save() {
        notifications.push(Notification {
            level: crate::report::NotificationLevel::Note,
            path: None,
            line: None,
            message: format!("digest cache not saved: {e}"),
        });
    }
    let collected = shared.into_inner().unwrap_or_default();
    build_report(cfg, detector, collected, notifications, stats)
}

/// Builds the detector for a database.
pub fn detector(db: Arc<crate::rules::Database>) -> Result<TextDetector, String> {
    TextDetector::for_database(db)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detector() -> TextDetector {
        TextDetector::for_database(Arc::new(crate::rules::Database::embedded().unwrap())).unwrap()
    }

    /// A text of `lines` lines of code, comments, prose, Chinese text and model ids, with one
    /// long line of ids in the middle (deterministic).
    fn sample(lines: usize) -> String {
        let ids = [
            "Qwen/Qwen2.5-7B-Instruct",
            "deepseek-ai/DeepSeek-V3",
            "https://api.deepseek.com/v1",
            "THUDM/glm-4-9b-chat",
            "moonshotai/Kimi-K2-Instruct",
            "hf-mirror.com",
            "meta-llama/Llama-3.1-8B-Instruct",
            "BAAI/bge-m3",
        ];
        let mut s = String::new();
        let mut x: u64 = 7;
        for i in 0..lines {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let id = ids[(x >> 33) as usize % ids.len()];
            match (x >> 40) % 6 {
                0 => s += &format!("m{i} = load(\"{id}\")  # {id}\n"),
                1 => s += &format!("# 模型 {id} 的说明, see {id}\n"),
                2 => s += &format!("x{i} = \"{}\"\n", "a".repeat((x >> 20) as usize % 400)),
                3 => s += &format!("cfg = {{\"model\": \"{id}\", \"other\": \"{id}\"}}\n"),
                4 => s += "\n",
                _ => s += &format!("\"\"\"A docstring naming {id}.\"\"\"\n"),
            }
            if i == lines / 2 {
                for k in 0..3000 {
                    s += &format!("\"{}\",é,", ids[k % ids.len()]);
                }
                s += "\n";
            }
        }
        s
    }

    fn whole(det: &TextDetector, rel: &str, text: &[u8]) -> Vec<String> {
        let mut out = Collected::default();
        detect_file_with(det, &Config::default(), rel, text, false, &mut out);
        render(out)
    }

    fn chunked(det: &TextDetector, rel: &str, text: &[u8], chunk: usize) -> Vec<String> {
        let mut out = Collected::default();
        let n = detect_chunked(
            det,
            &Config::default(),
            rel,
            false,
            &mut &text[..],
            chunk,
            &mut out,
        )
        .unwrap();
        assert_eq!(n, text.len() as u64);
        render(out)
    }

    fn render(out: Collected) -> Vec<String> {
        let mut v: Vec<String> = out.refs.iter().map(|r| format!("{r:?}")).collect();
        v.extend(out.notes.iter().map(|n| format!("{n:?}")));
        v
    }

    #[test]
    fn windows_find_what_the_whole_text_holds() {
        let det = detector();
        let text = sample(6000);
        let text = text.as_bytes();
        assert!(text.len() > 3 * TEXT_OVERLAP, "{}", text.len());
        for rel in ["data.log", "src/app.py"] {
            let want = whole(&det, rel, text);
            assert!(want.len() > 1000, "{rel}: {}", want.len());
            for chunk in [4093, 65536, 100_000, text.len() - 1, text.len(), 1 << 30] {
                let got = chunked(&det, rel, text, chunk);
                if got != want {
                    let i = (0..got.len().min(want.len()))
                        .find(|&i| got[i] != want[i])
                        .unwrap_or(got.len().min(want.len()));
                    panic!(
                        "{rel} in windows of {chunk}: {} against {}, first difference:\n{:?}\n{:?}",
                        got.len(),
                        want.len(),
                        got.get(i),
                        want.get(i)
                    );
                }
            }
        }
    }

    #[test]
    fn a_token_across_a_window_edge_is_found_once() {
        let det = detector();
        let text = sample(3000);
        let text = text.as_bytes();
        let want = whole(&det, "data.log", text);
        // Edges inside ids past the first overlap: each split of each id in turn.
        let id = b"deepseek-ai/DeepSeek-V3";
        let mut tried = 0;
        for at in memchr::memmem::find_iter(text, id)
            .filter(|&p| p > 2 * TEXT_OVERLAP)
            .step_by(97)
            .take(3)
        {
            for k in [1, 8, id.len() - 1] {
                let got = chunked(&det, "data.log", text, at + k);
                assert!(got == want, "edge at {} (inside the id at {at})", at + k);
                tried += 1;
            }
        }
        assert_eq!(tried, 9);
    }

    #[test]
    fn a_long_line_keeps_its_columns() {
        let det = detector();
        let mut text = vec![b'x'; 1 << 20];
        text.extend_from_slice("é \"Qwen/Qwen2.5-7B-Instruct\" ".as_bytes());
        text.extend(std::iter::repeat_n(b'y', 1 << 20));
        text.extend_from_slice(b" api.deepseek.com\nnext THUDM/glm-4-9b-chat");
        let mut out = Collected::default();
        detect_chunked(
            &det,
            &Config::default(),
            "b.js",
            false,
            &mut &text[..],
            10_000,
            &mut out,
        )
        .unwrap();
        let got: Vec<_> = out
            .refs
            .iter()
            .map(|(r, _)| (r.text.as_str(), r.line, r.column, r.end_column))
            .collect();
        let col = (1u32 << 20) + 4;
        assert_eq!(
            got,
            [
                ("Qwen/Qwen2.5-7B-Instruct", 1, col, col + 24),
                (
                    "api.deepseek.com",
                    1,
                    col + 27 + (1 << 20),
                    col + 43 + (1 << 20)
                ),
                ("THUDM/glm-4-9b-chat", 2, 6, 25),
            ]
        );
    }

    #[test]
    fn windows_keep_the_per_file_limit_and_say_so() {
        let det = detector();
        let mut text = String::new();
        for i in 0..(MAX_REFS_PER_FILE + 300) {
            text += &format!("m = \"Qwen/finetune-{i}\"\n");
        }
        let got = chunked(&det, "data.log", text.as_bytes(), 20_000);
        assert_eq!(got, whole(&det, "data.log", text.as_bytes()));
        assert_eq!(got.len(), MAX_REFS_PER_FILE + 1);
        assert!(
            got[MAX_REFS_PER_FILE].contains("more than the limit of 5000 per file"),
            "{}",
            got[MAX_REFS_PER_FILE]
        );
    }
}
