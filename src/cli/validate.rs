//! `labrunner validate [PATH...]`: every error of every lab file, with file:line:column.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use labrunner_core::lab::lab_files;
use labrunner_core::load::Diagnostic;
use labrunner_core::validate::check_file;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Lab files or folders to check (folders are searched for *.yaml and *.yml; default: labs/
    /// of the course folder, or of the shipped curriculum).
    pub paths: Vec<PathBuf>,
    /// Print the diagnostics as a JSON array instead of text.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let paths = if args.paths.is_empty() {
        vec![super::content::labs(None)?]
    } else {
        args.paths
    };
    let mut files = Vec::new();
    for path in &paths {
        if !path.exists() {
            eprintln!("labrunner: {}: no such file or folder", path.display());
            return Ok(ExitCode::from(2));
        }
        files.extend(lab_files(path).with_context(|| format!("reading {}", path.display()))?);
    }

    let mut diags: Vec<Diagnostic> = Vec::new();
    for file in &files {
        diags.extend(check_file(file));
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;

    let mut text = String::new();
    if args.json {
        text.push_str(&serde_json::to_string_pretty(&diags)?);
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
