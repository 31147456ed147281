//! `labrunner progress [--json]`: what the student has done, from the progress file.

use std::path::PathBuf;
use std::process::ExitCode;

use labrunner_core::lesson::load_catalog;
use labrunner_core::progress::{self, Loaded, Progress};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the progress as JSON.
    #[arg(long)]
    pub json: bool,
    /// Folder holding lessons/ and labs/, to show totals (default: as for the TUI).
    #[arg(long, env = "LABRUNNER_ROOT", value_name = "DIR")]
    pub root: Option<PathBuf>,
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let dir = progress::default_dir();
    let path = dir.join(progress::PROGRESS_FILE);
    let p = match progress::read(&dir)? {
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
        println!("{}", serde_json::to_string_pretty(&p)?);
        return Ok(ExitCode::SUCCESS);
    }
    print!("{}", human(&p, &path, args.root));
    Ok(ExitCode::SUCCESS)
}

fn human(p: &Progress, path: &std::path::Path, root: Option<PathBuf>) -> String {
    use std::fmt::Write;
    let catalog = super::tui::root(root)
        .ok()
        .and_then(|r| load_catalog(&r).ok());
    let total = |lab: &str| -> Option<Vec<String>> {
        let c = catalog.as_ref()?;
        c.lessons
            .iter()
            .flat_map(|l| &l.labs)
            .filter_map(|e| e.lab())
            .find(|l| l.lab.id == lab)
            .map(|l| l.lab.steps.iter().map(|s| s.id.clone()).collect())
    };
    let mut out = String::new();
    let _ = writeln!(out, "Progress file: {}", path.display());
    if p.labs.is_empty() && p.quizzes.is_empty() {
        let _ = writeln!(out, "Nothing done yet.");
        return out;
    }
    for (id, lab) in &p.labs {
        let done = lab.steps.values().filter(|s| s.done).count();
        let of = match total(id) {
            Some(ids) => format!(
                "{}/{} steps done",
                lab.done_count(ids.iter().map(String::as_str)),
                ids.len()
            ),
            None => format!("{done} step(s) done"),
        };
        let complete = match lab.completed_at {
            Some(t) => format!(", completed {}", t.format("%Y-%m-%d %H:%M UTC")),
            None => String::new(),
        };
        let _ = writeln!(out, "\nlab {id}: {of}{complete}");
        for (step, s) in &lab.steps {
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
