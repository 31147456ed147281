//! `labrunner merge LAB --submissions DIR --out-dir OUT SHARD_DIR...`: join the results of a
//! class graded in shards into one gradebook. Exit codes: 0 every student of the roster has a
//! result, 1 some are missing (named on standard error and in the gradebook), 2 could not merge.

use std::path::PathBuf;
use std::process::ExitCode;

use labrunner_core::class::{OutDir, merge, read_roster};
use labrunner_core::report::printable_line;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The lab the shards graded: a lab file, or a lab id.
    #[arg(value_name = "LAB")]
    pub lab: String,
    /// The out-dirs of the shards (`labrunner grade ... --shard I/N --out-dir DIR`).
    #[arg(value_name = "SHARD_DIR", required = true)]
    pub shards: Vec<PathBuf>,
    /// The roster: the same submissions folder the shards graded.
    #[arg(long, value_name = "DIR")]
    pub submissions: PathBuf,
    /// Where the merged gradebook.csv, class.junit.xml and class.ctrf.json go.
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
}

pub async fn run(args: Args, root: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let loaded = super::grade::find_lab(&args.lab, root)?;
    let roster = read_roster(&args.submissions)?;
    for dir in &args.shards {
        if !dir.is_dir() {
            anyhow::bail!("{}: no such results folder", dir.display());
        }
    }
    let shards: Vec<OutDir> = args.shards.iter().map(OutDir::new).collect();
    let out = OutDir::new(&args.out_dir);
    let summary = merge(&loaded.lab, &roster, &shards, &out)?;
    for record in &summary.records {
        if !record.leftovers.is_empty() {
            eprintln!(
                "labrunner: {}: its grading could not remove: {}",
                printable_line(&record.student),
                record.leftovers.join("; ")
            );
        }
    }
    if !summary.unknown.is_empty() {
        eprintln!(
            "labrunner: not on the roster, left out: {}",
            students(&summary.unknown)
        );
    }
    eprintln!(
        "{}: {} of {} students merged; gradebook: {}",
        loaded.lab.id,
        summary.records.len(),
        roster.len(),
        out.gradebook().display()
    );
    if summary.missing.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "labrunner: missing (no shard has a result): {}",
            students(&summary.missing)
        );
        Ok(ExitCode::from(1))
    }
}

/// Student ids for the terminal, escaped (they are file names).
fn students(ids: &[String]) -> String {
    ids.iter()
        .map(|s| printable_line(s))
        .collect::<Vec<_>>()
        .join(", ")
}
