//! `labrunner merge LAB --submissions DIR --out-dir OUT SHARD_DIR...`: join the results of a
//! class graded in shards into one gradebook. Exit codes: 0 every student of the roster has a
//! result, 1 some are missing (named on standard error and in the gradebook), 2 could not merge.

use std::path::PathBuf;
use std::process::ExitCode;

use std::path::Path;

use anyhow::Context;
use labrunner_core::{
    Lab, LmsFormat, LmsRoster, OutDir, StudentRecord, merge_shards as merge, printable_line,
    read_roster, write_lms_files,
};

use super::grade::FormatArg;

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
    /// LMS gradebooks to write too: canvas-csv, moodle-csv, lti-score (needs --roster).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub format: Vec<FormatArg>,
    /// The LMS identities of the class (see `labrunner grade --roster`).
    #[arg(long, value_name = "FILE")]
    pub roster: Option<PathBuf>,
    /// The assignment's name in the LMS (default: the lab's title).
    #[arg(long, value_name = "NAME", requires = "roster")]
    pub assignment: Option<String>,
}

/// The roster file and the LMS formats of `--format`, read before anything is graded; `None`
/// when no LMS format is asked for.
pub fn lms_roster(
    formats: &[FormatArg],
    roster: Option<&Path>,
) -> anyhow::Result<Option<(LmsRoster, Vec<LmsFormat>)>> {
    let lms: Vec<LmsFormat> = formats.iter().filter_map(|f| f.lms()).collect();
    match (lms.is_empty(), roster) {
        (true, None) => Ok(None),
        (true, Some(_)) => anyhow::bail!(
            "--roster: give --format canvas-csv, moodle-csv or lti-score to write an LMS gradebook"
        ),
        (false, None) => anyhow::bail!(
            "--format {}: needs --roster FILE, mapping each student to their LMS identity",
            lms.iter().map(|f| f.label()).collect::<Vec<_>>().join(",")
        ),
        (false, Some(path)) => Ok(Some((LmsRoster::read(path)?, lms))),
    }
}

/// Write the LMS gradebooks and say where.
pub fn write_lms(
    out: &OutDir,
    lab: &Lab,
    records: &[StudentRecord],
    roster: &LmsRoster,
    formats: &[LmsFormat],
    assignment: Option<&str>,
) -> anyhow::Result<()> {
    let written = write_lms_files(
        out,
        lab,
        records,
        roster,
        formats,
        assignment,
        chrono::Utc::now(),
    )
    .context("cannot write the LMS gradebooks")?;
    for path in written {
        eprintln!("LMS gradebook: {}", path.display());
    }
    Ok(())
}

pub async fn run(args: Args, root: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let loaded = super::grade::find_lab(&args.lab, root)?;
    let roster = read_roster(&args.submissions)?;
    if let Some(f) = args.format.iter().find(|f| f.lms().is_none()) {
        anyhow::bail!(
            "--format {}: merge writes the LMS gradebooks only (canvas-csv, moodle-csv, lti-score)",
            clap::ValueEnum::to_possible_value(f)
                .map(|v| v.get_name().to_string())
                .unwrap_or_default()
        );
    }
    let lms = lms_roster(&args.format, args.roster.as_deref())?;
    for dir in &args.shards {
        if !dir.is_dir() {
            anyhow::bail!("{}: no such results folder", dir.display());
        }
    }
    let shards: Vec<OutDir> = args.shards.iter().map(OutDir::new).collect();
    let out = OutDir::new(&args.out_dir);
    let summary = merge(&loaded.lab, &roster, &shards, &out)?;
    if let Some((lms_roster, formats)) = &lms {
        write_lms(
            &out,
            &loaded.lab,
            &summary.records,
            lms_roster,
            formats,
            args.assignment.as_deref(),
        )?;
    }
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
