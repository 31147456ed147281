//! `labrunner test`: proving labs and lessons on the daemon.
//!
//! - this module: a lab's steps — every step's checks must fail before its solution and pass
//!   after it, then cleanup must leave nothing behind;
//! - [`variants`]: each step's alternatives (must pass) and mistakes (must not, and say why);
//! - [`lesson`]: a lesson's runnable demonstrations, in order, then its cleanup.

mod lesson;
pub mod variants;

use serde::Serialize;

use crate::check::{CheckOutcome, Verdict};
use crate::lab::Step;
use crate::runner::{LabRun, RunEvent};

pub use lesson::*;

/// How one step fared under `test`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepTest {
    pub step: String,
    pub title: String,
    /// Checks that already passed before the solution ran (each is a defect of the lab).
    pub passed_too_early: Vec<CheckOutcome>,
    /// Solution commands that did not go as expected: (command, error).
    pub solution_failures: Vec<(String, String)>,
    /// Verdicts after the solution ran.
    pub after: Vec<CheckOutcome>,
    pub ok: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabTest {
    pub lab: String,
    pub run_id: String,
    /// A problem that stopped the test (conflict, setup failure, daemon gone).
    pub error: Option<String>,
    pub steps: Vec<StepTest>,
    /// Each alternative and mistake of each step, proved from a clean state.
    pub variants: Vec<variants::VariantTest>,
    /// Resources still present after cleanup.
    pub leftovers: Vec<String>,
    pub ok: bool,
    pub duration_ms: u64,
}

/// Prove a lab: setup, then per step fail-before / solution / pass-after; then every
/// alternative (must pass) and mistake (must not) of every step, each from a clean state; then
/// cleanup, which must leave nothing behind.
pub async fn test_lab(run: &mut LabRun<'_>) -> LabTest {
    run.only_run_containers = true;
    run.recorder.scope(&run.run_id, true);
    let recorder = run.recorder.clone();
    let engine = run.engine;
    recorder.follow(engine, prove(run)).await
}

async fn prove(run: &mut LabRun<'_>) -> LabTest {
    let started = std::time::Instant::now();
    let mut report = LabTest {
        lab: run.lab.id.clone(),
        run_id: run.run_id.clone(),
        error: None,
        steps: Vec::new(),
        variants: Vec::new(),
        leftovers: Vec::new(),
        ok: false,
        duration_ms: 0,
    };
    if let Err(e) = ready(run).await {
        report.error = Some(e);
        return report;
    }
    let since = crate::ids::now_ns();
    if let Err(e) = run.setup().await {
        report.error = Some(e);
    } else {
        run.settle_line(since, !run.lab.setup.is_empty(), None)
            .await;
        for step in &run.lab.steps {
            report.steps.push(prove_step(run, step).await);
        }
        report.variants = variants::prove_all(run).await;
    }
    if let Err(e) = cleaned(run, &mut report.leftovers).await {
        report.error.get_or_insert(e);
    }
    report.ok = report.error.is_none()
        && report.leftovers.is_empty()
        && report.steps.iter().all(|s| s.ok)
        && report.variants.iter().all(|v| v.ok);
    report.duration_ms = started.elapsed().as_millis() as u64;
    report
}

/// Whether a lab can be proved here: none of its resources exist yet, and its folder is ready.
async fn ready(run: &mut LabRun<'_>) -> Result<(), String> {
    let found = run.preflight().await.map_err(|e| e.to_string())?;
    if !found.is_empty() {
        let names: Vec<String> = found.iter().map(ToString::to_string).collect();
        return Err(format!(
            "{} already exist{} on this daemon; `test` needs them absent (labrunner never removes what it did not create). Remove them yourself, or run with --namespace",
            names.join(", "),
            if names.len() == 1 { "s" } else { "" }
        ));
    }
    run.prepare_workdir().map_err(|e| {
        format!(
            "cannot prepare the lab folder {}: {e}",
            run.workdir.display()
        )
    })
}

/// One step proved: its checks fail before the solution, the solution runs, then they pass.
async fn prove_step(run: &LabRun<'_>, step: &Step) -> StepTest {
    run.open_step(step);
    let before = run.evaluate(step).await;
    let passed_too_early: Vec<CheckOutcome> =
        before.into_iter().filter(|o| o.verdict.passed()).collect();
    let since = crate::ids::now_ns();
    let solution_failures = run.run_solution(step).await;
    run.settle_line(since, true, Some(step)).await;
    let after = run.evaluate_settled(step).await;
    let ok = passed_too_early.is_empty()
        && solution_failures.is_empty()
        && after.iter().all(|o| o.verdict.passed());
    run.emit(RunEvent::StepDone {
        step: step.id.clone(),
        passed: ok,
    });
    StepTest {
        step: step.id.clone(),
        title: step.title.clone(),
        passed_too_early,
        solution_failures,
        after,
        ok,
    }
}

/// Remove what the run created and list into `leftovers` what is still there.
async fn cleaned(run: &LabRun<'_>, leftovers: &mut Vec<String>) -> Result<(), String> {
    run.cleanup()
        .await
        .map_err(|e| format!("cleanup failed: {e}"))?;
    *leftovers = run
        .leftovers()
        .await
        .map_err(|e| format!("cannot list what is left: {e}"))?;
    Ok(())
}

/// `Verdict` of a check before the solution ran, phrased for people.
pub fn early_pass_message(o: &CheckOutcome) -> String {
    match &o.verdict {
        Verdict::Pass { evidence } => format!(
            "passed before the solution ran: {} ({evidence})",
            o.description
        ),
        other => other.text().to_string(),
    }
}
