//! `labrunner grade LAB --submissions DIR --out-dir OUT`: a whole class, on one daemon.
//! Exit codes: 0 every student graded (whatever their scores), 1 some student could not be
//! graded (see the gradebook's error column), 2 the class could not be graded (bad lab,
//! roster or flags, no daemon, interrupted).

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::common::connect;
use super::grade::Args;
use labrunner_core::{
    ClassEvent, ClassOptions, ClassSummary, GradeOptions, LoadedLab, Namespace, OutDir, Outcome,
    RunRegistry, Shard, StudentRecord, default_jobs, grade_class, printable_line, read_roster,
};

pub async fn run(args: &Args, loaded: &LoadedLab, dir: &Path) -> anyhow::Result<ExitCode> {
    let lab = &loaded.lab;
    let out = OutDir::new(
        args.out_dir
            .clone()
            .context("--submissions needs --out-dir DIR")?,
    );
    let shard = shard(args)?;
    check_out_dir(dir, &out)?;
    let lms = super::merge::lms_roster(&args.format, args.roster.as_deref())?;
    let mut roster = read_roster(dir)?;
    if let Some(shard) = shard {
        roster = shard.select(roster);
    }
    let limits = args.limits();
    let namespace = namespace_prefix(args)?;
    let engine = connect().await?;
    let jobs = match args.jobs {
        Some(n) => usize::from(n),
        None => default_jobs(&engine.capacity().await?, lab, limits.memory_bytes),
    };
    let options = ClassOptions {
        grade: GradeOptions {
            namespace,
            image_map: args.images.image_map()?,
            limits,
            sandbox: None,
            started_at: chrono::Utc::now(),
            registry: Some(RunRegistry::in_home()),
            host_ports: args.host_ports.into(),
        },
        formats: args.format.iter().filter_map(|f| f.report()).collect(),
        jobs,
        force: args.force,
        shard,
    };
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let mut progress = Progress::new(roster.len(), jobs, shard);
    let summary = grade_class(&engine, lab, &roster, &options, &out, interrupt, &mut |e| {
        progress.on(e)
    })
    .await?;
    progress.finish();
    if let Some((roster, formats)) = &lms {
        super::merge::write_lms(
            &out,
            lab,
            &summary.records,
            roster,
            formats,
            args.assignment.as_deref(),
        )?;
    }
    let errors = print_summary(&lab.id, &summary, &out);
    if summary.interrupted {
        anyhow::bail!(
            "interrupted; students not yet graded have no result, and running the same command again grades them"
        );
    }
    Ok(if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `--shard I/N`, or `--shard N` with the index taken from `JOB_COMPLETION_INDEX`.
fn shard(args: &Args) -> anyhow::Result<Option<Shard>> {
    Ok(match &args.shard {
        Some(text) => {
            let job_index = std::env::var("JOB_COMPLETION_INDEX").ok();
            Some(Shard::parse(text, job_index.as_deref())?)
        }
        None => None,
    })
}

/// Refuse an output folder that is the submissions folder itself.
fn check_out_dir(dir: &Path, out: &OutDir) -> anyhow::Result<()> {
    if let (Ok(a), Ok(b)) = (std::fs::canonicalize(dir), std::fs::canonicalize(&out.root))
        && a == b
    {
        anyhow::bail!(
            "--out-dir {}: the results would become submissions; choose a folder outside --submissions",
            out.root.display()
        );
    }
    Ok(())
}

/// `--namespace PREFIX`, checked to leave room for each student's suffix.
fn namespace_prefix(args: &Args) -> anyhow::Result<Option<Namespace>> {
    let namespace = args.namespace.as_deref().map(Namespace::new).transpose()?;
    if let Some(prefix) = &namespace {
        // Each student gets PREFIX-xxxxxx: check now that it is a usable namespace.
        Namespace::fresh_in(prefix).context("--namespace: too long to take a student suffix")?;
    }
    Ok(namespace)
}

/// Print what cleanup left behind and the class's totals; returns how many students could not
/// be graded.
fn print_summary(lab_id: &str, summary: &ClassSummary, out: &OutDir) -> usize {
    let errors = summary
        .records
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Error { .. }))
        .count();
    for r in summary.records.iter().filter(|r| !r.leftovers.is_empty()) {
        eprintln!(
            "labrunner: {}: cleanup could not remove: {}",
            printable_line(&r.student),
            r.leftovers.join("; ")
        );
    }
    eprintln!(
        "{}: {} graded, {} kept from an earlier run, {} could not be graded; gradebook: {}",
        lab_id,
        // Students who could not be graded are graded again in a re-run, never kept: every one
        // of them was attempted in this run, and is counted apart.
        summary.graded.saturating_sub(errors),
        summary.skipped,
        errors,
        out.gradebook().display()
    );
    errors
}

/// A progress bar on a terminal; one line per student otherwise (CI logs, pods).
struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    fn new(students: usize, jobs: usize, shard: Option<Shard>) -> Self {
        let part = shard.map(|s| format!(" (shard {s})")).unwrap_or_default();
        eprintln!("grading {students} students{part}, {jobs} at a time");
        if !std::io::stderr().is_terminal() {
            return Progress { bar: None };
        }
        let bar =
            ProgressBar::with_draw_target(Some(students as u64), ProgressDrawTarget::stderr());
        // No colours in the template: nothing to switch off for NO_COLOR.
        let style = ProgressStyle::with_template("{bar:30} {pos}/{len} students  {elapsed}  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        Progress { bar: Some(bar) }
    }

    fn on(&mut self, event: ClassEvent<'_>) {
        match event {
            ClassEvent::Planned { skipped, .. } => {
                if let Some(bar) = &self.bar {
                    bar.inc(skipped as u64);
                }
                if skipped > 0 {
                    self.line(&format!(
                        "{skipped} already graded (use --force to grade them again)"
                    ));
                }
            }
            ClassEvent::Finished(record) => {
                let line = describe(record);
                match &self.bar {
                    Some(bar) => {
                        bar.set_message(line);
                        bar.inc(1);
                    }
                    None => eprintln!("{line}"),
                }
            }
        }
    }

    fn line(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// A student's line for the terminal: the id and error escaped (a file name may hold escape
/// sequences or bidi controls).
fn describe(record: &StudentRecord) -> String {
    let student = printable_line(&record.student);
    match &record.outcome {
        Outcome::Graded { report } => {
            format!("{student}: {}/{}", report.score, report.max_score)
        }
        Outcome::Error { error } => {
            format!("{student}: could not be graded: {}", printable_line(error))
        }
    }
}
