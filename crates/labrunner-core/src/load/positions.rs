//! The position index: where each node of a YAML document starts, from a second parse with
//! yaml-rust2 (serde_yaml does not say where a value was).

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use super::Pos;

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
pub(super) fn parent_path(path: &str) -> Option<&str> {
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
