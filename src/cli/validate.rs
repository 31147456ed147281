//! `labrunner validate [PATH...]`: every error of every lab file and lesson, with
//! file:line:column. Markdown files are lessons, checked against the canonical lesson structure
//! (their quiz, `NAME.quiz.yaml`, with them); other YAML files are labs.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use labrunner_core::{Diagnostic, LessonError, check_file, lab_files, lint_lesson, read_lesson};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Lab files, lesson files (*.md) or folders to check (folders are searched for *.yaml,
    /// *.yml and *.md; default: labs/ of the course folder, or of the shipped curriculum).
    pub paths: Vec<PathBuf>,
    /// Print the diagnostics as a JSON array instead of text.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: Args, root: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let paths = if args.paths.is_empty() {
        vec![super::content::labs(root)?]
    } else {
        args.paths
    };
    let mut files = Vec::new();
    let mut lessons = Vec::new();
    for path in &paths {
        if !path.exists() {
            eprintln!("labrunner: {}: no such file or folder", path.display());
            return Ok(ExitCode::from(2));
        }
        lessons.extend(lesson_files(path).with_context(|| format!("reading {}", path.display()))?);
        files.extend(
            lab_files(path)
                .with_context(|| format!("reading {}", path.display()))?
                .into_iter()
                .filter(|f| is_lab(f)),
        );
    }

    let mut diags: Vec<Diagnostic> = Vec::new();
    for file in &files {
        diags.extend(check_file(file));
    }
    for lesson in &lessons {
        match read_lesson(lesson) {
            Ok(text) => diags.extend(lint_lesson(lesson, &text)),
            Err(LessonError::Read { source, .. }) => diags.push(Diagnostic::error(
                lesson,
                labrunner_core::Pos::START,
                format!("cannot read the lesson: {source}"),
            )),
            Err(e) => diags.push(Diagnostic::error(
                lesson,
                labrunner_core::Pos::START,
                e.to_string(),
            )),
        }
    }
    let files: Vec<PathBuf> = files.into_iter().chain(lessons).collect();
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;

    let mut text = String::new();
    if args.json {
        text.push_str(&labrunner_core::harmless_json(&diags)?);
        text.push('\n');
    } else {
        for d in &diags {
            text.push_str(&format!("{d}\n"));
        }
        text.push_str(&format!(
            "{} {}, {} {}, {} {}\n",
            files.len(),
            plural(files.len(), "file", "files"),
            errors,
            plural(errors, "error", "errors"),
            warnings,
            plural(warnings, "warning", "warnings"),
        ));
    }
    write_stdout(&text)?;
    Ok(if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Print to stdout; a reader that went away (`labrunner validate | head`) is not an error.
pub(crate) fn write_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// Lesson files: the path itself if it is a markdown file, else the markdown files below it.
fn lesson_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    let is_md = |p: &Path| p.extension().is_some_and(|e| e == "md");
    // Anything but a folder is taken as named (a FIFO or a device included): the readers
    // refuse what is not a regular file, by name.
    if !path.is_dir() {
        return Ok(if is_md(path) {
            vec![path.to_path_buf()]
        } else {
            Vec::new()
        });
    }
    let mut out: Vec<PathBuf> = std::fs::read_dir(path)?
        .flatten()
        .map(|e| e.path())
        // Not only regular files: a lesson that is a FIFO or a link to a device is reported.
        .filter(|p| !p.is_dir() && is_md(p))
        .collect();
    out.sort();
    Ok(out)
}

/// Lab files are YAML; a lesson's quiz (`NAME.quiz.yaml`) is checked with its lesson instead.
/// A file given by name that is neither a lesson nor YAML is checked as a lab, and reported.
fn is_lab(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    !name.ends_with(".quiz.yaml") && !name.ends_with(".md")
}
