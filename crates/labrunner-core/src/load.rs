//! Reading lab files, with errors that say exactly where and what to do about it.
//!
//! [`load`] reads one lab file and either returns the typed [`Lab`] or a list of
//! [`Diagnostic`]s, each with a 1-based line and column. serde_yaml decides what is valid;
//! a second parse with yaml-rust2 builds a [`PositionIndex`] so that later checks (the semantic
//! lint in `validate`) can point at the node they complain about, which serde does not tell.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use crate::lab::{FORMAT_VERSION, Lab, LoadedLab};

/// Lab files larger than this are refused before they are parsed.
pub const MAX_LAB_BYTES: u64 = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// A place in a file: 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    pub const START: Pos = Pos { line: 1, column: 1 };

    pub fn new(line: usize, column: usize) -> Pos {
        Pos { line, column }
    }
}

/// One problem found in a lab file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub severity: Severity,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(path: &Path, pos: Pos, severity: Severity, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.to_path_buf(),
            line: pos.line,
            column: pos.column,
            severity,
            message: message.into(),
            hint: None,
        }
    }

    pub fn error(path: &Path, pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic::new(path, pos, Severity::Error, message)
    }

    pub fn warning(path: &Path, pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic::new(path, pos, Severity::Warning, message)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub fn pos(&self) -> Pos {
        Pos::new(self.line, self.column)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.path.display(),
            self.line,
            self.column,
            self.severity,
            self.message
        )?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Where each node of a YAML document starts, by path (`steps[2].checks[0].resolves.from`).
///
/// `value` is where the node itself starts; `key` is where the mapping key naming it starts
/// (absent for sequence items and the root). The root's path is the empty string.
#[derive(Debug, Clone, Default)]
pub struct PositionIndex {
    values: HashMap<String, Pos>,
    keys: HashMap<String, Pos>,
    /// Keys of each mapping, in document order, by the mapping's path.
    mapping_keys: HashMap<String, Vec<String>>,
    /// Keys written a second time in the same mapping: path and position, in document order.
    duplicates: Vec<(String, Pos)>,
    /// The source lines, to point inside a scalar (at one flag of a command, say).
    lines: Vec<String>,
}

impl PositionIndex {
    /// Index a document. A document yaml-rust2 cannot read yields the positions it saw before
    /// the error (serde_yaml, not this index, decides whether a file is valid).
    pub fn build(text: &str) -> PositionIndex {
        let mut builder = IndexBuilder::default();
        let mut parser = Parser::new_from_str(text);
        // Errors are ignored on purpose: see above.
        let _ = parser.load(&mut builder, false);
        let mut index = builder.index;
        index.lines = text.lines().map(str::to_string).collect();
        index
    }

    /// Where `needle` first appears in the scalar at `path` (searching from the scalar's start
    /// over the next few lines, since long commands are folded); else where the scalar starts.
    pub fn locate_within(&self, path: &str, needle: &str) -> Pos {
        let start = self.locate(path);
        if needle.is_empty() {
            return start;
        }
        let indent = |l: &str| l.len() - l.trim_start_matches(' ').len();
        let first_indent = self.lines.get(start.line - 1).map_or(0, |l| indent(l));
        for (n, line) in self.lines.iter().enumerate().skip(start.line - 1) {
            let skip = if n + 1 == start.line {
                start.column - 1
            } else if line.trim().is_empty() {
                continue;
            } else if indent(line) <= first_indent {
                break; // The scalar has ended: this line belongs to another node.
            } else {
                0
            };
            let Some((byte, _)) = line.char_indices().nth(skip) else {
                continue;
            };
            if let Some(found) = line[byte..].find(needle) {
                let column = skip + line[byte..byte + found].chars().count() + 1;
                return Pos::new(n + 1, column);
            }
        }
        start
    }

    /// yaml-rust2 marks a block collection where its first entry's indicator was seen (the
    /// `:` of the first key); the node really starts at its first entry.
    fn pull_back(&mut self, path: &str, first: Pos) {
        if let Some(v) = self.values.get_mut(path) {
            *v = (*v).min(first);
        }
    }

    /// Where the node at `path` starts.
    pub fn value(&self, path: &str) -> Option<Pos> {
        self.values.get(path).copied()
    }

    /// Where the key naming the node at `path` starts.
    pub fn key(&self, path: &str) -> Option<Pos> {
        self.keys.get(path).copied()
    }

    /// The keys written in the mapping at `path`, in document order.
    pub fn keys_of(&self, path: &str) -> &[String] {
        self.mapping_keys
            .get(path)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The best position for `path`: its value, else its key, else the nearest ancestor that
    /// is known, else the start of the file.
    pub fn locate(&self, path: &str) -> Pos {
        let mut p = path;
        loop {
            if let Some(pos) = self.value(p).or_else(|| self.key(p)) {
                return pos;
            }
            match parent_path(p) {
                Some(parent) => p = parent,
                None => return Pos::START,
            }
        }
    }

    /// The item of the sequence at `seq` that starts at `pos`, or just after it on the same
    /// line (libyaml marks a `- ` entry at its dash, the index at its content).
    pub fn item_at(&self, seq: &str, pos: Pos) -> Option<String> {
        let prefix = format!("{seq}[");
        self.values
            .iter()
            .filter(|(p, v)| {
                p.strip_prefix(&prefix)
                    .and_then(|rest| rest.strip_suffix(']'))
                    .is_some_and(|i| i.bytes().all(|b| b.is_ascii_digit()))
                    && v.line == pos.line
                    && v.column >= pos.column
            })
            .min_by_key(|(_, v)| v.column)
            .map(|(p, _)| p.clone())
    }

    /// The first key written twice in one mapping: its path and where the second one starts.
    pub fn first_duplicate(&self) -> Option<(&str, Pos)> {
        self.duplicates.first().map(|(p, pos)| (p.as_str(), *pos))
    }

    /// The position of the key naming `path` if there is one, else [`Self::locate`].
    pub fn locate_key(&self, path: &str) -> Pos {
        self.key(path).unwrap_or_else(|| self.locate(path))
    }
}

/// `a.b[2].c` → `a.b[2]` → `a.b` → `a` → `` → None.
fn parent_path(path: &str) -> Option<&str> {
    if path.is_empty() {
        return None;
    }
    let cut = path.rfind(['.', '[']).unwrap_or(0);
    Some(&path[..cut])
}

/// Join a mapping key onto a path.
pub fn child_path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

enum Frame {
    Seq {
        path: String,
        next: usize,
    },
    Map {
        path: String,
        /// The key whose value comes next; `None` while a key is expected.
        key: Option<String>,
    },
}

#[derive(Default)]
struct IndexBuilder {
    index: PositionIndex,
    stack: Vec<Frame>,
    /// Nesting depth inside a complex key; nodes there are not indexed.
    skipping: usize,
}

impl IndexBuilder {
    /// Called at the start of every node. Returns the node's path, or None when it is a key
    /// (recorded here) or inside a complex key.
    fn enter(&mut self, mark: Marker, scalar: Option<&str>) -> Option<String> {
        if self.skipping > 0 {
            return None;
        }
        let pos = Pos::new(mark.line(), mark.col() + 1);
        match self.stack.last_mut() {
            None => {
                self.index.values.insert(String::new(), pos);
                Some(String::new())
            }
            Some(Frame::Seq { path, next }) => {
                let p = format!("{path}[{next}]");
                if *next == 0 {
                    self.index.pull_back(path, pos);
                }
                *next += 1;
                self.index.values.insert(p.clone(), pos);
                Some(p)
            }
            Some(Frame::Map { path, key }) => match key.take() {
                None => {
                    // This node is a key.
                    let name = scalar.unwrap_or("?").to_string();
                    let p = child_path(path, &name);
                    match self.index.mapping_keys.get(path.as_str()) {
                        None => self.index.pull_back(path, pos),
                        Some(keys) if keys.contains(&name) => {
                            self.index.duplicates.push((p.clone(), pos));
                        }
                        Some(_) => {}
                    }
                    self.index.keys.insert(p, pos);
                    self.index
                        .mapping_keys
                        .entry(path.clone())
                        .or_default()
                        .push(name.clone());
                    *key = Some(name);
                    None
                }
                Some(name) => {
                    let p = child_path(path, &name);
                    self.index.values.insert(p.clone(), pos);
                    Some(p)
                }
            },
        }
    }

    fn start_collection(&mut self, mark: Marker, is_map: bool) {
        if self.skipping > 0 {
            self.skipping += 1;
            return;
        }
        match self.enter(mark, None) {
            Some(path) => self.stack.push(if is_map {
                Frame::Map { path, key: None }
            } else {
                Frame::Seq { path, next: 0 }
            }),
            None => {
                // A complex key: skip its contents.
                self.skipping = 1;
            }
        }
    }

    fn end_collection(&mut self) {
        if self.skipping > 0 {
            self.skipping -= 1;
            return;
        }
        self.stack.pop();
    }
}

impl MarkedEventReceiver for IndexBuilder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(value, ..) => {
                self.enter(mark, Some(&value));
            }
            Event::Alias(_) => {
                self.enter(mark, Some("*"));
            }
            Event::SequenceStart(..) => self.start_collection(mark, false),
            Event::MappingStart(..) => self.start_collection(mark, true),
            Event::SequenceEnd | Event::MappingEnd => self.end_collection(),
            Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart
            | Event::DocumentEnd
            | Event::Nothing => {}
        }
    }
}

/// Read and parse one lab file.
pub fn load(path: &Path) -> Result<LoadedLab, Vec<Diagnostic>> {
    load_indexed(path).map(|(lab, _)| lab)
}

/// Parse a lab from text; `path` is only used in diagnostics.
pub fn load_str(path: &Path, text: &str) -> Result<LoadedLab, Vec<Diagnostic>> {
    load_str_indexed(path, text).map(|(lab, _)| lab)
}

/// Like [`load`], also returning the position index for further checks.
pub fn load_indexed(path: &Path) -> Result<(LoadedLab, PositionIndex), Vec<Diagnostic>> {
    let err = |message: String| vec![Diagnostic::error(path, Pos::START, message)];
    let bytes = match crate::input::read_file(path, MAX_LAB_BYTES) {
        Ok(b) => b,
        Err(crate::input::InputError::NotAFile { kind, .. }) => {
            return Err(vec![
                Diagnostic::error(path, Pos::START, format!("is {kind}, not a lab file"))
                    .with_hint(
                        "a lab is a regular YAML file; remove this entry or point it at one",
                    ),
            ]);
        }
        Err(crate::input::InputError::TooLarge { .. }) => {
            return Err(too_big(path));
        }
        Err(e) => return Err(err(format!("cannot read the file: {}", io_detail(&e)))),
    };
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => t,
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            // The prefix is valid UTF-8 by definition; fall back to a lossy view just in case.
            let prefix = String::from_utf8_lossy(good);
            let pos = end_pos(&prefix);
            return Err(vec![
                Diagnostic::error(
                    path,
                    pos,
                    format!(
                        "the file is not valid UTF-8 text (byte 0x{:02x} at offset {})",
                        bytes[e.valid_up_to()],
                        e.valid_up_to()
                    ),
                )
                .with_hint("lab files are UTF-8 YAML text; is this a binary file?"),
            ]);
        }
    };
    load_str_indexed(path, text)
}

/// Like [`load_str`], also returning the position index for further checks.
pub fn load_str_indexed(
    path: &Path,
    text: &str,
) -> Result<(LoadedLab, PositionIndex), Vec<Diagnostic>> {
    if text.len() as u64 > MAX_LAB_BYTES {
        return Err(too_big(path));
    }
    // A byte-order mark is invisible in editors; columns are counted without it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some(d) = control_character(path, text) {
        return Err(vec![d]);
    }
    if is_blank(text) {
        return Err(vec![
            Diagnostic::error(path, Pos::START, "the lab file is empty").with_hint(
                "a lab starts with `format: 1`, then `id`, `title`, `lesson`, `difficulty`, \
                 `minutes` and `steps`",
            ),
        ]);
    }

    if let Some(d) = flow_nesting(path, text) {
        return Err(vec![d]);
    }

    // 1. Syntax, and the alias/recursion limits, on an untyped parse.
    let value: serde_yaml::Value = match serde_yaml::from_str(text) {
        Ok(v) => v,
        Err(e) => return Err(vec![syntax_diagnostic(path, text, &e)]),
    };
    let index = PositionIndex::build(text);

    // 2. The shape of the top: a mapping with `format: 1`.
    let serde_yaml::Value::Mapping(top) = &value else {
        return Err(vec![
            Diagnostic::error(
                path,
                index.locate(""),
                format!(
                    "a lab file must be a mapping of keys to values, found {}",
                    describe_value(&value)
                ),
            )
            .with_hint("start the file with `format: 1` followed by `id: ...` on the next line"),
        ]);
    };
    match top.get("format") {
        None => {
            return Err(vec![
                Diagnostic::error(path, index.locate(""), "missing key `format`")
                    .with_hint("add `format: 1` as the first line of the lab"),
            ]);
        }
        Some(v) if v.as_u64() == Some(u64::from(FORMAT_VERSION)) => {}
        Some(v) => {
            let shown = serde_yaml::to_string(v)
                .map(|s| s.trim().to_string())
                .unwrap_or_else(|_| "?".into());
            return Err(vec![
                Diagnostic::error(
                    path,
                    index.locate("format"),
                    format!(
                        "unsupported lab format `{shown}`: this labrunner reads format {FORMAT_VERSION}"
                    ),
                )
                .with_hint(format!(
                    "write `format: {FORMAT_VERSION}`, or use a labrunner that knows this format"
                )),
            ]);
        }
    }

    // 3. The typed model.
    match serde_yaml::from_str::<Lab>(text) {
        Ok(lab) => Ok((
            LoadedLab {
                path: path.to_path_buf(),
                lab,
            },
            index,
        )),
        Err(e) => Err(vec![serde_diagnostic(path, &index, &e)]),
    }
}

fn too_big(path: &Path) -> Vec<Diagnostic> {
    vec![
        Diagnostic::error(
            path,
            Pos::START,
            format!(
                "the file is larger than the limit for lab files, {MAX_LAB_BYTES} bytes (1 MiB)"
            ),
        )
        .with_hint("split the lab, or move long text into the lesson markdown"),
    ]
}

/// The system's reason for a failed read, without the path (a diagnostic names the file).
fn io_detail(e: &crate::input::InputError) -> String {
    match e {
        crate::input::InputError::Io { error, .. } => error.to_string(),
        other => other.to_string(),
    }
}

/// The position just after `prefix`.
fn end_pos(prefix: &str) -> Pos {
    let line = prefix.matches('\n').count() + 1;
    let last = prefix.rsplit('\n').next().unwrap_or("");
    Pos::new(line, last.chars().count() + 1)
}

fn pos_of_byte(text: &str, byte: usize) -> Pos {
    let mut cut = byte.min(text.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    end_pos(&text[..cut])
}

/// NUL and other control characters mean this is not a text file (YAML forbids them).
fn control_character(path: &Path, text: &str) -> Option<Diagnostic> {
    let (line, column, c) = crate::input::control_character(text)?;
    Some(
        Diagnostic::error(
            path,
            Pos::new(line, column),
            format!(
                "control character U+{:04X} in the file: this looks like binary data, not YAML text",
                c as u32
            ),
        )
        .with_hint("lab files are UTF-8 YAML text; remove the character or check the file"),
    )
}

/// Unclosed `[`/`{` deeper than this are refused before parsing: libyaml's scanner slows down
/// with the square of the nesting depth, so a megabyte of `[` would take minutes. serde_yaml
/// refuses documents nested deeper than 128 levels anyway.
const MAX_FLOW_NESTING: usize = 256;

/// Brackets are counted everywhere, quoted text and comments included: a lab has no reason to
/// hold hundreds of unclosed brackets. Reported where the nesting passed serde's 128 levels.
fn flow_nesting(path: &Path, text: &str) -> Option<Diagnostic> {
    let mut depth = 0usize;
    let mut passed_128 = None;
    for (at, c) in text.char_indices() {
        match c {
            '[' | '{' => {
                depth += 1;
                if depth == 129 && passed_128.is_none() {
                    passed_128 = Some(at);
                }
                if depth > MAX_FLOW_NESTING {
                    let at = passed_128.unwrap_or(at);
                    return Some(
                        Diagnostic::error(
                            path,
                            pos_of_byte(text, at),
                            "the document is nested too deeply (more than 128 levels)",
                        )
                        .with_hint("a lab needs only a few levels of nesting; check the brackets"),
                    );
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Nothing but blank lines and comments.
fn is_blank(text: &str) -> bool {
    text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || t == "---" || t == "..."
    })
}

/// A tab in the indentation of `line` (1-based), or of any line when libyaml gave no place.
/// libyaml points at the tab itself; tabs inside block text elsewhere are legitimate.
fn indentation_tab(text: &str, line: Option<usize>) -> Option<Pos> {
    let lines = text.lines().enumerate();
    let mut candidates: Box<dyn Iterator<Item = (usize, &str)>> = match line {
        Some(n) => Box::new(lines.skip(n.saturating_sub(1)).take(1)),
        None => Box::new(lines),
    };
    candidates.find_map(|(i, l)| {
        let indent: String = l.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
        let col = indent.chars().position(|c| c == '\t')?;
        // A line of nothing but whitespace has no indentation to speak of.
        (indent.len() < l.len()).then_some(Pos::new(i + 1, col + 1))
    })
}

fn error_pos(e: &serde_yaml::Error) -> Option<Pos> {
    e.location().map(|l| Pos::new(l.line(), l.column()))
}

/// The error's message without serde_yaml's first " at line N column M" (the diagnostic's own
/// position). A second one, where libyaml says what it was parsing, is kept: for an unclosed
/// bracket it tells where the bracket was opened.
fn bare_message(e: &serde_yaml::Error) -> String {
    strip_first_location(&e.to_string())
}

fn strip_first_location(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    if let Some(i) = rest.find(" at line ") {
        out.push_str(&rest[..i]);
        let after = &rest[i + " at line ".len()..];
        // Skip "N column M".
        let skipped = after
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .strip_prefix(" column ")
            .map(|r| r.trim_start_matches(|c: char| c.is_ascii_digit()));
        match skipped {
            Some(r) => rest = r,
            None => {
                out.push_str(" at line ");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A diagnostic for an error of the untyped parse: syntax, aliases, several documents.
fn syntax_diagnostic(path: &Path, text: &str, e: &serde_yaml::Error) -> Diagnostic {
    let message = bare_message(e);
    let pos = error_pos(e);
    if let Some(tab) = indentation_tab(text, pos.map(|p| p.line)) {
        return Diagnostic::error(path, tab, "tab character used for indentation")
            .with_hint("indent with spaces: YAML does not allow tabs in indentation");
    }
    if message.contains("recursion limit") {
        return Diagnostic::error(
            path,
            pos.unwrap_or(Pos::START),
            "the document is nested too deeply (more than 128 levels)",
        )
        .with_hint("a lab needs only a few levels of nesting; check the brackets");
    }
    if message.contains("duplicate entry") {
        let (key, at) = PositionIndex::build(text)
            .first_duplicate()
            .map(|(p, at)| (p.to_string(), at))
            .unwrap_or_else(|| (String::new(), pos.unwrap_or(Pos::START)));
        let message = if key.is_empty() {
            message.clone()
        } else {
            format!("duplicate key `{key}`")
        };
        return Diagnostic::error(path, at, message)
            .with_hint("each key may appear once per mapping; remove or merge the repeated one");
    }
    if message.contains("repetition limit exceeded") {
        let at = first_alias(text).or(pos).unwrap_or(Pos::START);
        return Diagnostic::error(
            path,
            at,
            format!(
                "the document expands too much ({message}): aliases nested into an alias bomb?"
            ),
        )
        .with_hint("write the values out instead of nesting `*alias` references");
    }
    if message.contains("more than one document") {
        let at = second_document(text).unwrap_or(Pos::START);
        return Diagnostic::error(path, at, "the file holds more than one YAML document")
            .with_hint("one lab per file: remove the `---` separator, or split the file");
    }
    if message.contains("unknown anchor") {
        return Diagnostic::error(
            path,
            pos.unwrap_or(Pos::START),
            "alias to an unknown anchor",
        )
        .with_hint("define `&name` before using `*name`");
    }
    let hint = syntax_hint(&message);
    let d = Diagnostic::error(
        path,
        pos.unwrap_or(Pos::START),
        format!("invalid YAML: {message}"),
    );
    match hint {
        Some(h) => d.with_hint(h),
        None => d,
    }
}

fn syntax_hint(message: &str) -> Option<&'static str> {
    if message.contains("mapping values are not allowed") {
        Some("a value containing `: ` must be quoted, or a key is indented wrongly")
    } else if message.contains("did not find expected key") {
        Some("check the indentation of this line against the keys above it")
    } else if message.contains("found unexpected end of stream")
        || message.contains("found unknown escape")
        || message.contains("while scanning a quoted scalar")
    {
        Some("check the quotes: every opening quote needs its closing quote")
    } else if message.contains("did not find expected '-' indicator") {
        Some(
            "check the indentation of this line: it must line up with the keys or `- ` items above",
        )
    } else if message.contains("block sequence entries are not allowed") {
        Some("list items (`- ...`) must line up under each other")
    } else if message.contains("did not find expected ',' or ']'")
        || message.contains("did not find expected ',' or '}'")
    {
        Some(
            "close the bracket opened before this point, or quote the value if it contains `[`, `]`, `{`, `}` or `,`",
        )
    } else if message.contains("found character that cannot start any token") {
        Some("quote the value: it starts with a character YAML reserves (`@`, `` ` ``, `%`, ...)")
    } else if message.contains("duplicate entry") || message.contains("duplicate key") {
        Some("each key may appear once per mapping")
    } else {
        None
    }
}

fn first_alias(text: &str) -> Option<Pos> {
    struct FirstAlias(Option<Pos>);
    impl MarkedEventReceiver for FirstAlias {
        fn on_event(&mut self, ev: Event, mark: Marker) {
            if self.0.is_none() && matches!(ev, Event::Alias(_)) {
                self.0 = Some(Pos::new(mark.line(), mark.col() + 1));
            }
        }
    }
    let mut r = FirstAlias(None);
    let _ = Parser::new_from_str(text).load(&mut r, true);
    r.0
}

fn second_document(text: &str) -> Option<Pos> {
    struct Docs(usize, Option<Pos>);
    impl MarkedEventReceiver for Docs {
        fn on_event(&mut self, ev: Event, mark: Marker) {
            if matches!(ev, Event::DocumentStart) {
                self.0 += 1;
                if self.0 == 2 && self.1.is_none() {
                    self.1 = Some(Pos::new(mark.line(), mark.col() + 1));
                }
            }
        }
    }
    let mut r = Docs(0, None);
    let _ = Parser::new_from_str(text).load(&mut r, true);
    r.1
}

fn describe_value(v: &serde_yaml::Value) -> &'static str {
    match v {
        serde_yaml::Value::Null => "nothing (null)",
        serde_yaml::Value::Bool(_) => "a boolean",
        serde_yaml::Value::Number(_) => "a number",
        serde_yaml::Value::String(_) => "a string",
        serde_yaml::Value::Sequence(_) => "a list",
        serde_yaml::Value::Mapping(_) => "a mapping",
        serde_yaml::Value::Tagged(_) => "a tagged value",
    }
}

/// Split serde_yaml's `path: message` into the path (as the index writes it) and the message.
fn split_path(message: &str) -> (String, &str) {
    if let Some((p, rest)) = message.split_once(": ") {
        let looks_like_path = !p.is_empty()
            && !p.contains(' ')
            && !p.contains('`')
            && p.chars()
                .next()
                .is_some_and(|c| c.is_alphanumeric() || c == '_');
        if looks_like_path {
            return (p.to_string(), rest);
        }
    }
    (String::new(), message)
}

/// Names between backticks, in order.
fn backticked(s: &str) -> Vec<&str> {
    s.split('`').skip(1).step_by(2).collect()
}

/// The closest of `candidates` to `word`, if it is close enough to be a likely typo.
pub fn nearest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::levenshtein(&word.to_lowercase(), c), *c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2) && *d < word.chars().count())
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// What a Rust type in serde's "expected ..." means to a lab author.
fn plain_expected(expected: &str) -> String {
    match expected {
        "u8" | "u16" | "u32" | "u64" | "i32" | "i64" | "usize" => {
            let range = match expected {
                "u16" => " from 0 to 65535",
                "u8" => " from 0 to 255",
                "u32" | "u64" | "usize" => " (0 or more)",
                _ => "",
            };
            format!("a whole number{range}")
        }
        "a boolean" => "`true` or `false`".into(),
        "a string" => "text (a string)".into(),
        "a sequence" => "a list (`- item` lines)".into(),
        other if other.starts_with("struct ") => "a mapping of keys to values".into(),
        other => other.to_string(),
    }
}

/// A diagnostic for an error of the typed parse (shape of the document).
fn serde_diagnostic(path: &Path, index: &PositionIndex, e: &serde_yaml::Error) -> Diagnostic {
    let full = bare_message(e);
    let (node, msg) = split_path(&full);
    let serde_pos = error_pos(e);
    let at_node = || serde_pos.unwrap_or_else(|| index.locate(&node));
    let where_ = if node.is_empty() {
        "at the top level".to_string()
    } else {
        format!("in `{node}`")
    };

    if let Some(rest) = msg.strip_prefix("unknown field ") {
        let names = backticked(rest);
        let found = names.first().copied().unwrap_or("?");
        let allowed: Vec<&str> = names.iter().skip(1).copied().collect();
        let key_path = child_path(&node, found);
        let pos = index.key(&key_path).unwrap_or_else(at_node);
        let mut hint = String::new();
        if let Some(n) = nearest(found, &allowed) {
            hint.push_str(&format!("did you mean `{n}`? "));
        }
        if allowed.is_empty() {
            hint.push_str("no keys are allowed here");
        } else {
            hint.push_str(&format!("allowed keys: {}", allowed.join(", ")));
        }
        return Diagnostic::error(path, pos, format!("unknown key `{found}` {where_}"))
            .with_hint(hint);
    }
    if let Some(rest) = msg.strip_prefix("unknown variant ") {
        let names = backticked(rest);
        let found = names.first().copied().unwrap_or("?");
        let allowed: Vec<&str> = names.iter().skip(1).copied().collect();
        let mut hint = String::new();
        if let Some(n) = nearest(found, &allowed) {
            hint.push_str(&format!("did you mean `{n}`? "));
        }
        hint.push_str(&format!("one of: {}", allowed.join(", ")));
        return Diagnostic::error(
            path,
            index.value(&node).unwrap_or_else(at_node),
            format!("unknown value `{found}` {where_}"),
        )
        .with_hint(hint);
    }
    if let Some(rest) = msg.strip_prefix("missing field ") {
        let field = backticked(rest).first().copied().unwrap_or("?").to_string();
        let pos = index.value(&node).unwrap_or_else(at_node);
        let what = if node.is_empty() {
            "the lab".to_string()
        } else {
            format!("`{node}`")
        };
        return Diagnostic::error(path, pos, format!("missing key `{field}` in {what}"))
            .with_hint(format!("add `{field}:` to this mapping"));
    }
    if let Some(rest) = msg.strip_prefix("invalid type: ") {
        // "string \"abc\", expected u32"
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "?"));
        let expected = plain_expected(expected);
        return Diagnostic::error(
            path,
            index.value(&node).unwrap_or_else(at_node),
            format!("wrong type {where_}: expected {expected}, found {found}"),
        )
        .with_hint(type_hint(&expected));
    }
    if let Some(rest) = msg.strip_prefix("invalid value: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, "?"));
        let expected = plain_expected(expected);
        return Diagnostic::error(
            path,
            index.value(&node).unwrap_or_else(at_node),
            format!("invalid value {where_}: expected {expected}, found {found}"),
        )
        .with_hint(format!("write {expected} here"));
    }
    if msg.starts_with("data did not match any variant of untagged enum Command") {
        // serde names the list; find the item it stopped at.
        let item = serde_pos.and_then(|p| index.item_at(&node, p));
        let (pos, where_) = match &item {
            Some(item) => (index.locate(item), format!("in `{item}`")),
            None => (index.value(&node).unwrap_or_else(at_node), where_),
        };
        let keys = item
            .as_deref()
            .map(|i| index.keys_of(i))
            .unwrap_or_default();
        let stray: Vec<&String> = keys
            .iter()
            .filter(|k| !matches!(k.as_str(), "run" | "fails_with"))
            .collect();
        if let Some(first) = stray.first() {
            let mut hint = format!(
                "a command is a string, or a mapping with exactly `run` and `fails_with`; \
                 `{first}` is not allowed"
            );
            if let Some(n) = nearest(first, &["run", "fails_with"]) {
                hint.push_str(&format!(" (did you mean `{n}`?)"));
            }
            return Diagnostic::error(path, pos, format!("invalid command {where_}"))
                .with_hint(hint);
        }
        return Diagnostic::error(path, pos, format!("invalid command {where_}")).with_hint(
            "a command is a string (`docker network create my-net`), or a mapping with `run` \
             (the command) and `fails_with` (a pattern of the expected error)",
        );
    }
    if msg.contains("duplicate entry") || msg.contains("duplicate key") {
        return Diagnostic::error(path, at_node(), format!("duplicate key {where_}: {msg}"))
            .with_hint("each key may appear once per mapping");
    }
    Diagnostic::error(path, at_node(), format!("{msg} {where_}"))
}

fn type_hint(expected: &str) -> String {
    if expected.starts_with("a list") {
        "start each item on its own line with `- `".into()
    } else if expected.starts_with("a mapping") {
        "write `key: value` lines indented under this key".into()
    } else if expected.starts_with("text") {
        "quote the value to make it text".into()
    } else {
        format!("write {expected} here")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("labs/x.yaml")
    }

    #[test]
    fn index_paths_and_positions() {
        let text = "format: 1\nsteps:\n  - id: a\n    checks:\n      - resolves:\n          from: web\n          name: db\n  - id: b\n";
        let idx = PositionIndex::build(text);
        assert_eq!(idx.value("format"), Some(Pos::new(1, 9)));
        assert_eq!(idx.key("format"), Some(Pos::new(1, 1)));
        assert_eq!(idx.value("steps[0].id"), Some(Pos::new(3, 9)));
        assert_eq!(
            idx.value("steps[0].checks[0].resolves.from"),
            Some(Pos::new(6, 17))
        );
        assert_eq!(idx.key("steps[1].id"), Some(Pos::new(8, 5)));
        assert_eq!(idx.locate("steps[1].checks[3].x"), Pos::new(8, 5));
        assert_eq!(idx.keys_of("steps[0].checks[0].resolves"), ["from", "name"]);
        assert_eq!(
            idx.locate_within("steps[0].checks[0].resolves.from", "eb"),
            Pos::new(6, 18)
        );
        assert_eq!(idx.locate_within("steps[1].id", "nowhere"), Pos::new(8, 9));
    }

    #[test]
    fn index_survives_complex_keys_and_flow() {
        let text = "? [a, b]\n: 1\nc: {d: [1, 2], e: x}\n";
        let idx = PositionIndex::build(text);
        assert_eq!(idx.value("c.d[1]"), Some(Pos::new(3, 12)));
        assert_eq!(idx.value("c.e"), Some(Pos::new(3, 19)));
    }

    #[test]
    fn display_has_location_and_hint() {
        let d = Diagnostic::error(p(), Pos::new(12, 5), "bad").with_hint("fix it");
        assert_eq!(
            d.to_string(),
            "labs/x.yaml:12:5: error: bad\n  hint: fix it"
        );
    }

    #[test]
    fn strips_the_first_serde_location() {
        assert_eq!(
            strip_first_location(
                "did not find expected key at line 3 column 5, while parsing a block mapping at line 1 column 1"
            ),
            "did not find expected key, while parsing a block mapping at line 1 column 1"
        );
        assert_eq!(
            strip_first_location("unknown anchor at line 2 column 3"),
            "unknown anchor"
        );
    }

    #[test]
    fn tabs_are_blamed_only_where_libyaml_stopped() {
        let at = |text: &str| load_str(p(), text).expect_err("invalid")[0].pos();
        let msg = |text: &str| load_str(p(), text).expect_err("invalid")[0].message.clone();
        assert_eq!(at("a: 1\nb:\n\tc: 2\n"), Pos::new(3, 1));
        assert_eq!(at("a: 1\nb:\n  c: 2\n  \td: 3\n"), Pos::new(4, 3));
        assert!(msg("a:\n  - x\n\t- y\n").contains("tab character"));
        // A tab inside block text is content; the error is the unclosed bracket.
        let text = "a: |\n  x\n  \ty\nb: [1,\n";
        assert_eq!(at(text), Pos::new(5, 1));
        assert!(msg(text).contains("invalid YAML"));
    }

    #[test]
    fn nearest_finds_typos() {
        assert_eq!(nearest("titel", &["id", "title", "steps"]), Some("title"));
        assert_eq!(nearest("zzzzzz", &["id", "title"]), None);
    }

    #[test]
    fn end_position_counts_characters() {
        assert_eq!(end_pos("ab\ncé"), Pos::new(2, 3));
        assert_eq!(pos_of_byte("a\n\u{0}", 2), Pos::new(2, 1));
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        for text in [
            "",
            "\n",
            "---",
            "- a",
            "a",
            "&a [*a]",
            "{",
            "\"",
            "a: *b",
            "? : :",
            "[[[[[[",
            "format: 1",
            "format: one",
            "format: 1\n---\nx: 1",
            "\u{feff}format: 1",
        ] {
            let _ = load_str(p(), text);
        }
        let deep = "[".repeat(10_000);
        let _ = load_str(p(), &deep);
        // Just under the size limit, and after an error found before the nesting.
        let deeper = format!("a: 1\nb: {}", "[".repeat(1_000_000));
        let errors = load_str(p(), &deeper).expect_err("too deep");
        assert_eq!(errors[0].pos(), Pos::new(2, 132));
        assert!(errors[0].message.contains("nested too deeply"));
        let blocks: String = (0..5_000)
            .map(|i| format!("{}- x\n", " ".repeat(i % 200)))
            .collect();
        let _ = load_str(p(), &blocks);
    }
}
