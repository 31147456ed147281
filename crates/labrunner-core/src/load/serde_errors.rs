//! serde_yaml's errors rewritten for a lab author: the right position, the words of the lab
//! format instead of Rust's, and a hint ("did you mean").

use std::path::Path;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use super::{Diagnostic, Pos, PositionIndex, child_path};

/// A tab in the indentation of `line` (1-based), or of any line when libyaml gave no place.
/// libyaml points at the tab itself; tabs inside block text elsewhere are legitimate.
pub(super) fn indentation_tab(text: &str, line: Option<usize>) -> Option<Pos> {
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

pub(super) fn error_pos(e: &serde_yaml::Error) -> Option<Pos> {
    e.location().map(|l| Pos::new(l.line(), l.column()))
}

/// The error's message without serde_yaml's first " at line N column M" (the diagnostic's own
/// position). A second one, where libyaml says what it was parsing, is kept: for an unclosed
/// bracket it tells where the bracket was opened.
pub(super) fn bare_message(e: &serde_yaml::Error) -> String {
    strip_first_location(&e.to_string())
}

pub(super) fn strip_first_location(s: &str) -> String {
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
pub(super) fn syntax_diagnostic(path: &Path, text: &str, e: &serde_yaml::Error) -> Diagnostic {
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

pub(super) fn syntax_hint(message: &str) -> Option<&'static str> {
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

pub(super) fn first_alias(text: &str) -> Option<Pos> {
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

pub(super) fn second_document(text: &str) -> Option<Pos> {
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

pub(super) fn describe_value(v: &serde_yaml::Value) -> &'static str {
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
pub(super) fn split_path(message: &str) -> (String, &str) {
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
pub(super) fn backticked(s: &str) -> Vec<&str> {
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
pub(super) fn plain_expected(expected: &str) -> String {
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
pub(super) fn serde_diagnostic(
    path: &Path,
    index: &PositionIndex,
    e: &serde_yaml::Error,
) -> Diagnostic {
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
        return unknown_field(path, index, &node, &where_, rest, &at_node);
    }
    if let Some(rest) = msg.strip_prefix("unknown variant ") {
        return unknown_variant(path, index, &node, &where_, rest, &at_node);
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
        return invalid_command(path, index, &node, where_, serde_pos, &at_node);
    }
    if msg.contains("duplicate entry") || msg.contains("duplicate key") {
        return Diagnostic::error(path, at_node(), format!("duplicate key {where_}: {msg}"))
            .with_hint("each key may appear once per mapping");
    }
    Diagnostic::error(path, at_node(), format!("{msg} {where_}"))
}

/// From "`x`, expected one of `a`, `b`": what serde found, what it allows, and the start of a
/// hint naming the nearest allowed one.
fn found_and_allowed(rest: &str) -> (&str, Vec<&str>, String) {
    let names = backticked(rest);
    let found = names.first().copied().unwrap_or("?");
    let allowed: Vec<&str> = names.iter().skip(1).copied().collect();
    let hint = nearest(found, &allowed)
        .map(|n| format!("did you mean `{n}`? "))
        .unwrap_or_default();
    (found, allowed, hint)
}

/// serde's "unknown field `x`, expected one of `a`, `b`": at the key, with the allowed keys.
fn unknown_field(
    path: &Path,
    index: &PositionIndex,
    node: &str,
    where_: &str,
    rest: &str,
    at_node: &impl Fn() -> Pos,
) -> Diagnostic {
    let (found, allowed, mut hint) = found_and_allowed(rest);
    let key_path = child_path(node, found);
    let pos = index.key(&key_path).unwrap_or_else(at_node);
    if allowed.is_empty() {
        hint.push_str("no keys are allowed here");
    } else {
        hint.push_str(&format!("allowed keys: {}", allowed.join(", ")));
    }
    Diagnostic::error(path, pos, format!("unknown key `{found}` {where_}")).with_hint(hint)
}

/// serde's "unknown variant `x`, expected one of `a`, `b`": at the value, with the choices.
fn unknown_variant(
    path: &Path,
    index: &PositionIndex,
    node: &str,
    where_: &str,
    rest: &str,
    at_node: &impl Fn() -> Pos,
) -> Diagnostic {
    let (found, allowed, mut hint) = found_and_allowed(rest);
    hint.push_str(&format!("one of: {}", allowed.join(", ")));
    Diagnostic::error(
        path,
        index.value(node).unwrap_or_else(at_node),
        format!("unknown value `{found}` {where_}"),
    )
    .with_hint(hint)
}

/// A command that is neither a string nor a `run`/`fails_with` mapping. serde names the list;
/// this finds the item it stopped at and any key that does not belong.
fn invalid_command(
    path: &Path,
    index: &PositionIndex,
    node: &str,
    where_: String,
    serde_pos: Option<Pos>,
    at_node: &impl Fn() -> Pos,
) -> Diagnostic {
    let item = serde_pos.and_then(|p| index.item_at(node, p));
    let (pos, where_) = match &item {
        Some(item) => (index.locate(item), format!("in `{item}`")),
        None => (index.value(node).unwrap_or_else(at_node), where_),
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
        return Diagnostic::error(path, pos, format!("invalid command {where_}")).with_hint(hint);
    }
    Diagnostic::error(path, pos, format!("invalid command {where_}")).with_hint(
        "a command is a string (`docker network create my-net`), or a mapping with `run` \
         (the command) and `fails_with` (a pattern of the expected error)",
    )
}

pub(super) fn type_hint(expected: &str) -> String {
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
