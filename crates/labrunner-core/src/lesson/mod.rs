//! Lessons: markdown rendered into a neutral model of styled, wrapped lines (no terminal types),
//! their section list, their knowledge-check quizzes, and the catalog of lessons and labs found
//! under a content root (`lessons/*.md`, `lessons/<LESSON>.quiz.yaml`, `labs/<LESSON>/*.yaml`).
//!
//! - `markdown`: rendering and the section list;
//! - `quiz`: the knowledge check;
//! - `catalog`: lessons and labs below a content root;
//! - `doctest`: a lesson's runnable demonstrations (run by [`crate::prove`]);
//! - `lint`: a lesson against the curriculum's canonical structure.

mod catalog;
mod doctest;
mod lint;
mod markdown;
mod quiz;

use std::path::{Path, PathBuf};

pub use catalog::*;
pub use doctest::*;
pub use lint::lint_lesson;
pub use markdown::*;
pub use quiz::*;

#[derive(Debug, thiserror::Error)]
pub enum LessonError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error(
        "no lessons or labs found under {root} (looked for lessons/*.md and labs/<LESSON>/*.yaml)\n  fix: run labrunner from the course folder, or pass --root DIR (or set LABRUNNER_ROOT)"
    )]
    NoContent { root: PathBuf },
}

fn invalid(path: &Path, message: impl Into<String>) -> LessonError {
    LessonError::Invalid {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// Reads a lesson file: the one way a lesson is read (`validate`, `test` and the TUI), with the
/// one bound of [`crate::input::MAX_DOCUMENT_BYTES`], whatever the path names (a FIFO or a
/// device is refused by name, without waiting).
pub fn read_lesson(path: &Path) -> Result<String, LessonError> {
    crate::input::read_to_string(path, crate::input::MAX_DOCUMENT_BYTES)
        .map(|text| crate::input::without_bom(&text).to_string())
        .map_err(|source| LessonError::Read {
            path: path.to_path_buf(),
            source,
        })
}
