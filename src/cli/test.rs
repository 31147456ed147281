//! `labrunner test`: prove each lab is solvable and that its checks can fail; for a lesson
//! (`LESSON.md`), run its marked demonstrations and compare what they print.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::common::{BrokenLab, ImageArgs, connect, load_labs, print_timings};
use labrunner_core::{
    DemoProblem, LabRun, LabTest, LessonRun, LessonTest, Namespace, NamespacedEngine, PullProgress,
    VariantKind, early_pass_message, test_lab, test_lesson,
};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Lab files or folders (default: labs/ of the course folder, or of the shipped
    /// curriculum), or lesson files (`lessons/NAME.md`) whose demonstrations marked `doctest`
    /// are run.
    #[arg(value_name = "LAB|LESSON.md")]
    pub labs: Vec<PathBuf>,
    /// Print one JSON document with every lab's result.
    #[arg(long)]
    pub json: bool,
    /// Print, per lab, the time spent inside daemon calls against the whole run (standard error).
    #[arg(long)]
    pub timings: bool,
    /// Run each lab under a fresh namespace (`lr-xxxxxx-NAME` for every container, network and
    /// volume), so that it cannot collide with resources of the same names. Fixed host ports
    /// stay as they are.
    #[arg(long)]
    pub isolate: bool,
    #[command(flatten)]
    pub images: ImageArgs,
}

pub async fn run(args: Args, root: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let (lessons, paths): (Vec<PathBuf>, Vec<PathBuf>) =
        args.labs.iter().cloned().partition(|p| is_lesson(p));
    let paths = if paths.is_empty() && lessons.is_empty() {
        vec![super::content::labs(root)?]
    } else {
        paths
    };
    if !lessons.is_empty() {
        let lessons_ok = test_lessons(&lessons, &args).await?;
        if paths.is_empty() {
            return Ok(if lessons_ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            });
        }
        if !lessons_ok {
            test_labs(&paths, args).await?;
            return Ok(ExitCode::from(1));
        }
    }
    test_labs(&paths, args).await
}

/// A lesson is a markdown file; everything else is a lab file or folder.
fn is_lesson(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "md")
}

async fn test_labs(paths: &[PathBuf], args: Args) -> anyhow::Result<ExitCode> {
    let labs = load_labs(paths)?;
    let image_map = args.images.image_map()?;
    let timed = labrunner_core::TimedEngine::new(connect().await?);
    let pulls = pull_printer();
    let registry = labrunner_core::RunRegistry::in_home();
    let mut results = Vec::new();
    let single = labs.len() == 1;
    for loaded in &labs {
        let loaded = match loaded {
            Ok(loaded) => loaded,
            Err(broken) => {
                // Reported, counted as failed, and the other labs go on.
                if !args.json {
                    print_broken(broken);
                }
                results.push(LabTest {
                    lab: broken
                        .id
                        .clone()
                        .unwrap_or_else(|| broken.path.display().to_string()),
                    run_id: String::new(),
                    error: Some(broken.to_string()),
                    steps: Vec::new(),
                    variants: Vec::new(),
                    leftovers: Vec::new(),
                    ok: false,
                    duration_ms: 0,
                });
                continue;
            }
        };
        let namespace = args.isolate.then(Namespace::fresh);
        let lab = match &namespace {
            Some(ns) => ns.rewrite_lab(&loaded.lab),
            None => loaded.lab.clone(),
        };
        let engine = NamespacedEngine::new(&timed, namespace.clone());
        let mut run = LabRun::new(&engine, &lab, PathBuf::new(), image_map.clone());
        run.workdir = labrunner_core::workdir(&lab.id, Some(&run.run_id));
        run.pull_progress = Some(pulls.clone());
        run.namespace = namespace.clone();
        if !args.json {
            let ns = namespace
                .as_ref()
                .map(|n| format!(", namespace {n}"))
                .unwrap_or_default();
            println!(
                "lab {} ({}, {} steps{ns})",
                lab.id,
                loaded.path.display(),
                lab.steps.len()
            );
        }
        // Recorded while it runs: `clean` leaves it alone, and removes what it left if the
        // process ends before its cleanup does.
        let claim = registry.claim(&run.run_id, namespace.as_ref(), &lab.id)?;
        let before = timed.timings();
        let result = test_lab(&mut run).await;
        if result.leftovers.is_empty() {
            // Forgetting the run is bookkeeping: nothing of it is left to find.
            let _ = claim.release();
        } else {
            claim.keep();
        }
        if args.timings {
            print_timings(&result.lab, result.duration_ms, &timed, before, single);
        }
        if !args.json {
            print_human(&result);
        }
        results.push(result);
    }
    let passed = results.iter().filter(|r| r.ok).count();
    let failed = results.len() - passed;
    if args.json {
        println!("{}", labrunner_core::harmless_json(&results)?);
    } else {
        println!("{passed} passed, {failed} failed");
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_broken(broken: &BrokenLab) {
    println!("lab {} (not valid)", broken.path.display());
    for line in broken.errors.lines() {
        println!("  {line}");
    }
    println!("FAIL {} (fix it, then test again)", broken.path.display());
}

fn print_human(r: &LabTest) {
    for s in &r.steps {
        let mark = if s.ok { "ok  " } else { "FAIL" };
        println!("  {mark} {:<24} {}", s.step, s.title);
        for o in &s.passed_too_early {
            println!("       check {}", early_pass_message(o));
        }
        for (cmd, err) in &s.solution_failures {
            println!("       solution `{cmd}` failed: {err}");
        }
        for o in s.after.iter().filter(|o| !o.verdict.passed()) {
            println!(
                "       after the solution, {} {}: {}",
                o.verdict.label(),
                o.description,
                o.verdict.text()
            );
        }
    }
    for v in &r.variants {
        let mark = if v.ok { "ok  " } else { "FAIL" };
        println!(
            "  {mark} {:<24} {} {}: {}",
            v.step,
            v.kind,
            verb(v.kind),
            v.title
        );
        if let Some(problem) = &v.problem {
            println!("       {problem}");
        }
    }
    if let Some(e) = &r.error {
        println!("  error: {e}");
    }
    if r.leftovers.is_empty() {
        if r.error.is_none() {
            println!("  cleanup: nothing left behind");
        }
    } else {
        println!("  cleanup left behind: {}", r.leftovers.join(", "));
    }
    println!(
        "{} {} in {:.1}s",
        if r.ok { "PASS" } else { "FAIL" },
        r.lab,
        r.duration_ms as f64 / 1000.0
    );
}

/// What proving a variant means: an alternative passes, a mistake does not.
fn verb(kind: VariantKind) -> &'static str {
    match kind {
        VariantKind::Alternative => "passes",
        VariantKind::Mistake => "does not pass",
    }
}

/// Show image pulls on stderr, at most one line a second.
fn pull_printer() -> tokio::sync::mpsc::UnboundedSender<PullProgress> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<PullProgress>();
    tokio::spawn(async move {
        let mut last = std::time::Instant::now() - std::time::Duration::from_secs(1);
        while let Some(line) = rx.recv().await {
            if last.elapsed() >= std::time::Duration::from_secs(1) {
                eprintln!("  {line}");
                last = std::time::Instant::now();
            }
        }
    });
    tx
}

/// Runs each lesson's demonstrations; true when every lesson passed.
async fn test_lessons(lessons: &[PathBuf], args: &Args) -> anyhow::Result<bool> {
    let image_map = args.images.image_map()?;
    // Every lesson is read (with its bound, whatever its file type) before the daemon is asked.
    let texts = lessons
        .iter()
        .map(|path| labrunner_core::read_lesson(path))
        .collect::<Result<Vec<_>, _>>()
        // The message names the file and the reason already; its source would say it twice.
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let engine = connect().await?;
    let registry = labrunner_core::RunRegistry::in_home();
    let mut reports = Vec::new();
    for (path, markdown) in lessons.iter().zip(texts) {
        let run_id = labrunner_core::new_run_id();
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        // Recorded while it runs, like a lab's: `clean` never touches it meanwhile.
        let claim = registry.claim(&run_id, None, &format!("lesson-{stem}"))?;
        let run = LessonRun {
            engine: &engine,
            lesson: path.clone(),
            markdown,
            image_map: image_map.clone(),
            workdir: labrunner_core::workdir(&format!("lesson-{stem}"), Some(&run_id)),
            run_id,
        };
        let report = test_lesson(&run).await;
        if report.leftovers.is_empty() {
            // Forgetting the run is bookkeeping: nothing of it is left to find.
            let _ = claim.release();
        } else {
            claim.keep();
        }
        if !args.json {
            print_lesson(&report);
        }
        reports.push(report);
    }
    if args.json {
        println!("{}", labrunner_core::harmless_json(&reports)?);
    }
    Ok(reports.iter().all(|r| r.ok))
}

fn print_lesson(r: &LessonTest) {
    let path = r.lesson.display();
    println!("lesson {path} ({} demonstrations)", r.results.len());
    for d in &r.results {
        let mark = if d.problem.is_none() { "ok  " } else { "FAIL" };
        println!("  {mark} {path}:{}: {}", d.line, d.command);
        match &d.problem {
            None => {}
            Some(DemoProblem::NotRunnable { reason }) => {
                println!("       labrunner cannot run this command: {reason}")
            }
            Some(DemoProblem::Refused { reasons }) => {
                for reason in reasons {
                    println!("       refused: {reason}");
                }
            }
            Some(DemoProblem::ImageMissing { image, resolved }) => {
                let mapped = if image == resolved {
                    String::new()
                } else {
                    format!(" (mapped from {image})")
                };
                println!(
                    "       image {resolved}{mapped} is not on this machine, and a doctest never pulls\n       fix: pull or load it, or map {image} onto a local image with --image-map or LABRUNNER_IMAGE_MAP"
                )
            }
            Some(DemoProblem::Failed { error }) => println!("       failed: {error}"),
            Some(DemoProblem::OutputDiffers { expected, actual }) => {
                println!("       the lesson shows:");
                for line in expected {
                    println!("         | {line}");
                }
                println!("       the daemon printed:");
                for line in actual.lines() {
                    println!("         | {line}");
                }
            }
        }
    }
    if let Some(e) = &r.error {
        println!("  error: {e}");
    }
    if r.leftovers.is_empty() && r.leftover_files.is_empty() {
        if r.error.is_none() {
            println!("  cleanup: nothing left behind");
        }
    } else {
        if !r.leftovers.is_empty() {
            println!("  cleanup left behind: {}", r.leftovers.join(", "));
        }
        if !r.leftover_files.is_empty() {
            println!(
                "  cleanup left files in the working folder: {}",
                r.leftover_files.join(", ")
            );
        }
    }
    println!(
        "{} {path} in {:.1}s",
        if r.ok { "PASS" } else { "FAIL" },
        r.duration_ms as f64 / 1000.0
    );
}
