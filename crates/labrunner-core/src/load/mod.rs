//! Reading lab files, with errors that say exactly where and what to do about it.
//!
//! [`load`] reads one lab file and either returns the typed [`Lab`] or a list of
//! [`Diagnostic`]s, each with a 1-based line and column. serde_yaml decides what is valid;
//! a second parse with yaml-rust2 builds a [`PositionIndex`] so that later checks (the semantic
//! lint in `validate`) can point at the node they complain about, which serde does not tell.
//!
//! The module is split by concern: `diagnostics` (what a diagnostic is), `positions` (the
//! position index), `guards` (checks before parsing), `serde_errors` (serde's errors in the
//! lab author's words).

mod diagnostics;
mod guards;
mod positions;
mod serde_errors;

use std::path::Path;

use crate::lab::{FORMAT_VERSION, Lab, LoadedLab};

pub use diagnostics::{Diagnostic, Pos};
pub use positions::{PositionIndex, child_path};

use diagnostics::end_pos;
use guards::{control_character, flow_nesting, is_blank};
use serde_errors::{describe_value, serde_diagnostic, syntax_diagnostic};

/// Lab files larger than this are refused before they are parsed.
pub const MAX_LAB_BYTES: u64 = 1024 * 1024;

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
    let text = crate::input::without_bom(text);
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

#[cfg(test)]
mod tests {
    use super::diagnostics::pos_of_byte;
    use super::serde_errors::strip_first_location;
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
        assert_eq!(
            serde_errors::nearest("titel", &["id", "title", "steps"]),
            Some("title")
        );
        assert_eq!(serde_errors::nearest("zzzzzz", &["id", "title"]), None);
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
