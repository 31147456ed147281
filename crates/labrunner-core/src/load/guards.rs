//! Checks made on the text before any YAML parser sees it: binary data, and nesting deep
//! enough to make libyaml's scanner slow.

use std::path::Path;

use super::diagnostics::pos_of_byte;
use super::{Diagnostic, Pos};

/// NUL and other control characters mean this is not a text file (YAML forbids them).
pub(super) fn control_character(path: &Path, text: &str) -> Option<Diagnostic> {
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
pub(super) const MAX_FLOW_NESTING: usize = 256;

/// Brackets are counted everywhere, quoted text and comments included: a lab has no reason to
/// hold hundreds of unclosed brackets. Reported where the nesting passed serde's 128 levels.
pub(super) fn flow_nesting(path: &Path, text: &str) -> Option<Diagnostic> {
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
pub(super) fn is_blank(text: &str) -> bool {
    text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || t == "---" || t == "..."
    })
}
