//! `labrunner progress [--json]`: what the student has done, from the progress file.

use std::path::PathBuf;
use std::process::ExitCode;

use labrunner_core::{Loaded, Progress, load_catalog};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the progress as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `root`: where the labs are, to show totals (the global `--root`).
pub async fn run(args: Args, root: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let dir = labrunner_core::default_progress_dir();
    let path = dir.join(labrunner_core::PROGRESS_FILE);
    let p = match labrunner_core::read_progress(&dir)? {
        Loaded::Missing => Progress::default(),
        Loaded::Ok(p) => p,
        Loaded::Unreadable(reason) => {
            anyhow::bail!(
                "{} cannot be read ({reason}); start labrunner to keep it aside and begin a new one",
                path.display()
            )
        }
    };
    if args.json {
        println!("{}", labrunner_core::harmless_json(&p)?);
        return Ok(ExitCode::SUCCESS);
    }
    print!("{}", human(&p, &path, root));
    Ok(ExitCode::SUCCESS)
}

/// Labs in the order the catalog lists them (then any others by id), each with its steps in
/// the lab file's order (then any the file no longer has).
fn human(p: &Progress, path: &std::path::Path, root: Option<PathBuf>) -> String {
    use std::fmt::Write;
    let catalog = super::tui::root(root)
        .ok()
        .and_then(|r| load_catalog(&r).ok());
    let known: Vec<(String, Vec<String>)> = catalog
        .iter()
        .flat_map(|c| &c.lessons)
        .flat_map(|l| &l.labs)
        .filter_map(|e| e.lab())
        .map(|l| {
            let steps = l.lab.steps.iter().map(|s| s.id.clone()).collect();
            (l.lab.id.clone(), steps)
        })
        .collect();
    let order = |lab: &str| known.iter().position(|(id, _)| id == lab);
    let mut out = String::new();
    let _ = writeln!(out, "Progress file: {}", path.display());
    if p.labs.is_empty() && p.quizzes.is_empty() {
        let _ = writeln!(out, "Nothing done yet.");
        return out;
    }
    let mut labs: Vec<_> = p.labs.iter().collect();
    labs.sort_by_key(|(id, _)| (order(id).unwrap_or(usize::MAX), id.to_string()));
    for (id, lab) in labs {
        let steps_of = order(id).map(|i| &known[i].1);
        let of = match steps_of {
            Some(ids) => format!(
                "{}/{} steps done",
                lab.done_count(ids.iter().map(String::as_str)),
                ids.len()
            ),
            None => format!(
                "{} step(s) done",
                lab.steps.values().filter(|s| s.done).count()
            ),
        };
        let complete = match lab.completed_at {
            Some(t) => format!(", completed {}", t.format("%Y-%m-%d %H:%M UTC")),
            None => String::new(),
        };
        let _ = writeln!(out, "\nlab {id}: {of}{complete}");
        let position = |step: &str| steps_of.and_then(|ids| ids.iter().position(|s| s == step));
        let mut steps: Vec<_> = lab.steps.iter().collect();
        steps.sort_by_key(|(step, _)| (position(step).unwrap_or(usize::MAX), step.to_string()));
        for (step, s) in steps {
            let mark = if s.done { "✓" } else { "○" };
            let mut extra = vec![
                format!("attempts {}", s.attempts),
                format!("hints {}", s.hints_used),
            ];
            if s.assisted {
                extra.push("assisted".to_string());
            }
            if let Some(t) = s.done_at {
                extra.push(format!("done {}", t.format("%Y-%m-%d %H:%M UTC")));
            }
            let _ = writeln!(out, "  {mark} {step}  ({})", extra.join(", "));
        }
    }
    for (lesson, q) in &p.quizzes {
        let right = q.answers.values().filter(|a| a.correct).count();
        let _ = writeln!(
            out,
            "\nknowledge check {lesson}: {right} of {} answered right",
            q.answers.len()
        );
    }
    out
}
