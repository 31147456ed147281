//! Proving a step's alternatives and mistakes (part of `labrunner test`).
//!
//! Each variant starts from a clean state: what the run created is removed, the lab folder and
//! setup are made again, and the solutions of the steps before are replayed. Then the step
//! opens, the variant's commands run, and its checks are evaluated until they settle. An
//! alternative must pass every check; a mistake must not, and what the student is told (the
//! evidence of a failing check, or the daemon's answer to one of the commands) must match its
//! `told` pattern.

use regex::Regex;
use serde::Serialize;

use crate::check::CheckOutcome;
use crate::lab::{Command, Step, VariantKind};
use crate::runner::LabRun;

/// How one alternative or mistake fared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantTest {
    pub step: String,
    pub kind: VariantKind,
    /// Its title, or its first command.
    pub title: String,
    /// Verdicts after its commands ran.
    pub after: Vec<CheckOutcome>,
    /// Why it is not proved; `None` when it is.
    pub problem: Option<String>,
    pub ok: bool,
}

/// Prove every alternative and mistake of every step of the run's lab.
pub async fn prove_all(run: &LabRun<'_>) -> Vec<VariantTest> {
    let lab = run.lab;
    let mut out = Vec::new();
    for (index, step) in lab.steps.iter().enumerate() {
        for alt in &step.alternatives {
            let title = title(alt.title.as_deref(), &alt.commands);
            out.push(
                prove(
                    run,
                    index,
                    VariantKind::Alternative,
                    title,
                    &alt.commands,
                    None,
                )
                .await,
            );
        }
        for m in &step.mistakes {
            let title = title(m.title.as_deref(), &m.commands);
            let told = Some(m.told.as_str());
            out.push(prove(run, index, VariantKind::Mistake, title, &m.commands, told).await);
        }
    }
    out
}

fn title(given: Option<&str>, commands: &[Command]) -> String {
    given
        .map(str::to_string)
        .or_else(|| commands.first().map(|c| c.text().to_string()))
        .unwrap_or_default()
}

/// Remove what the run made, prepare the folder and setup again, and replay the solutions of
/// the steps before `index`.
async fn clean_start(run: &LabRun<'_>, index: usize) -> Result<(), String> {
    run.cleanup()
        .await
        .map_err(|e| format!("could not clean up before it: {e}"))?;
    run.prepare_workdir()
        .map_err(|e| format!("cannot prepare the lab folder: {e}"))?;
    run.setup().await?;
    for step in &run.lab.steps[..index] {
        if let Some((cmd, err)) = run.run_solution(step).await.into_iter().next() {
            return Err(format!(
                "could not reach the step: `{cmd}` of step {} failed: {err}",
                step.id
            ));
        }
    }
    Ok(())
}

async fn prove(
    run: &LabRun<'_>,
    index: usize,
    kind: VariantKind,
    title: String,
    commands: &[Command],
    told: Option<&str>,
) -> VariantTest {
    let lab = run.lab;
    let step: &Step = &lab.steps[index];
    let mut test = VariantTest {
        step: step.id.clone(),
        kind,
        title,
        after: Vec::new(),
        problem: None,
        ok: false,
    };
    // What the way to the step started settles with the variant's own commands.
    let since = crate::ids::now_ns();
    if let Err(e) = clean_start(run, index).await {
        test.problem = Some(e);
        return test;
    }
    run.open_step(step);
    let mut answers = Vec::new();
    for c in commands {
        let outcome = run.run_command(Some(&step.id), c).await;
        if kind == VariantKind::Alternative && !outcome.as_expected {
            test.problem = Some(format!(
                "`{}` failed: {}",
                c.text(),
                outcome.error.unwrap_or_default()
            ));
            return test;
        }
        answers.extend(outcome.error);
    }
    run.settle_line(since, true, Some(step)).await;
    test.after = run.evaluate_settled(step).await;
    let passed = test.after.iter().all(|o| o.verdict.passed());
    test.problem = match (kind, passed) {
        (VariantKind::Alternative, true) => None,
        (VariantKind::Alternative, false) => Some(failing(&test.after)),
        (VariantKind::Mistake, true) => Some("it passed every check of the step".to_string()),
        (VariantKind::Mistake, false) => untold(run, &test.after, &answers, told.unwrap_or("")),
    };
    test.ok = test.problem.is_none();
    test
}

fn failing(after: &[CheckOutcome]) -> String {
    after
        .iter()
        .filter(|o| !o.verdict.passed())
        .map(|o| {
            format!(
                "{} {}: {}",
                o.verdict.label(),
                o.description,
                o.verdict.text()
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// `None` when the student is told what `told` says; else what they are told instead.
fn untold(
    run: &LabRun<'_>,
    after: &[CheckOutcome],
    answers: &[String],
    told: &str,
) -> Option<String> {
    let re = match Regex::new(told) {
        Ok(re) => re,
        Err(e) => return Some(format!("`told` is not a valid pattern: {e}")),
    };
    // As the student reads it: with the lab's names, not the namespaced ones.
    let evidence = after
        .iter()
        .filter(|o| !o.verdict.passed())
        .map(|o| o.verdict.text());
    if evidence
        .chain(answers.iter().map(String::as_str))
        .any(|t| re.is_match(&run.unname(t)))
    {
        return None;
    }
    Some(format!(
        "the student is not told /{told}/; they are told: {}",
        run.unname(&failing(after))
    ))
}
