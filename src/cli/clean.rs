//! `labrunner clean`: remove what ended runs left behind, never anything of a live run.

use std::process::ExitCode;

use super::common::connect;
use labrunner_core::{Cleaned, RunRegistry, Scope, clean};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only what this lab (id) created.
    #[arg(long)]
    pub lab: Option<String>,
    /// Only what this run or grading (id) created.
    #[arg(long)]
    pub run: Option<String>,
    /// Also remove objects that carry labrunner's labels but belong to no run this machine's
    /// labrunner recorded (labelled by hand, or by a labrunner with another data folder).
    /// A run that is still alive is never touched.
    #[arg(long)]
    pub all_labelled: bool,
    /// List what would be removed, remove nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let engine = connect().await?;
    let registry = RunRegistry::in_home();
    let scope = Scope {
        lab: args.lab,
        run: args.run,
        all_labelled: args.all_labelled,
        dry_run: args.dry_run,
    };
    let cleaned = clean(&engine, &registry, &scope).await?;
    print(&cleaned, &scope);
    Ok(if cleaned.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print(cleaned: &Cleaned, scope: &Scope) {
    let verb = if scope.dry_run {
        "would remove"
    } else {
        "removed"
    };
    for r in &cleaned.removed {
        println!("{verb} {r}");
    }
    for (r, e) in &cleaned.failed {
        println!("could not remove {r}: {e}");
    }
    for e in &cleaned.live {
        let ns = e
            .namespace
            .as_deref()
            .map(|n| format!(", namespace {n}"))
            .unwrap_or_default();
        println!(
            "kept run {} (lab {}{ns}): labrunner process {} on {} is still running it",
            e.run, e.lab, e.pid, e.host
        );
    }
    if cleaned.unrecorded > 0 {
        println!(
            "kept {} object(s) that carry labrunner's labels but belong to no run this machine's labrunner recorded; `labrunner clean --all-labelled` removes them too (never a live run's)",
            cleaned.unrecorded
        );
    }
    if cleaned.removed.is_empty() && cleaned.failed.is_empty() {
        println!("nothing to clean: no run that has ended left anything behind");
    }
}
