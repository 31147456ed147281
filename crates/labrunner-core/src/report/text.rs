//! Human-readable report: per step and check, points aligned, refusals, total.

use std::fmt::Write;

use super::{CommandOutcome, GradeReport, Status, printable};

pub(super) fn render(report: &GradeReport) -> String {
    let mut out = String::new();
    header(&mut out, report);
    steps(&mut out, report, points_width(report));
    commands(&mut out, report);
    if let Some(why) = &report.aborted {
        let _ = writeln!(out, "\nGrading stopped early: {}", printable(why));
    }
    total(&mut out, report);
    out
}

/// The lab's id and title, then when it started, in which namespace and how long it took.
fn header(out: &mut String, report: &GradeReport) {
    let _ = writeln!(out, "{} - {}", report.lab_id, printable(&report.lab_title));
    let mut meta = vec![format!(
        "started {}",
        report.started_at.format("%Y-%m-%d %H:%M:%S UTC")
    )];
    if let Some(ns) = &report.namespace {
        meta.push(format!("namespace {ns}"));
    }
    meta.push(format!("took {}", super::seconds(report.duration_ms) + "s"));
    let _ = writeln!(out, "{}", meta.join(", "));
}

/// Width of the points column ("12/15"), shared by steps and checks so they line up.
fn points_width(report: &GradeReport) -> usize {
    report
        .steps
        .iter()
        .flat_map(|s| {
            let (got, max) = step_points(s);
            std::iter::once(format!("{got}/{max}").len()).chain(
                s.checks
                    .iter()
                    .map(|c| format!("{}/{}", c.score, c.max_score).len()),
            )
        })
        .max()
        .unwrap_or(3)
}

/// Each step with its points, then each of its checks with their evidence.
fn steps(out: &mut String, report: &GradeReport, points_width: usize) {
    for step in &report.steps {
        let (got, max) = step_points(step);
        let mark = if step.credited { "done" } else { "open" };
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:>pw$}  [{mark}] {}: {}",
            format!("{got}/{max}"),
            step.id,
            printable(&step.title),
            pw = points_width
        );
        for check in &step.checks {
            let label = match check.status {
                Status::Passed => "PASS ",
                Status::Failed => "FAIL ",
                Status::Error => "ERROR",
                // The condition holds, no points: the evidence says why.
                Status::Unearned => "HELD ",
            };
            let _ = writeln!(
                out,
                "{:>pw$}    {label} {}",
                format!("{}/{}", check.score, check.max_score),
                printable(&check.description),
                pw = points_width
            );
            for line in printable(&check.evidence)
                .lines()
                .filter(|l| !l.trim().is_empty())
            {
                let _ = writeln!(out, "{:pw$}          {line}", "", pw = points_width);
            }
        }
    }
}

/// The refused commands, then those that ran but did not succeed.
fn commands(out: &mut String, report: &GradeReport) {
    let interesting: Vec<_> = report
        .commands
        .iter()
        .filter(|c| c.outcome != CommandOutcome::Ran)
        .collect();
    if !report.refused.is_empty() {
        let _ = writeln!(out, "\nRefused commands (not run):");
        for r in &report.refused {
            let _ = writeln!(out, "  line {}: {}", r.line, printable(&r.command));
            let _ = writeln!(out, "    {}", printable(&r.reason));
        }
    }
    let problems: Vec<_> = interesting
        .iter()
        .filter(|c| c.outcome != CommandOutcome::Refused)
        .collect();
    if !problems.is_empty() {
        let _ = writeln!(out, "\nCommands that did not succeed:");
        for c in problems {
            let _ = writeln!(
                out,
                "  line {} ({}): {}",
                c.line,
                c.outcome.label(),
                printable(&c.command)
            );
            for line in printable(&c.detail)
                .lines()
                .filter(|l| !l.trim().is_empty())
            {
                let _ = writeln!(out, "    {line}");
            }
        }
    }
}

/// The total line: points, percentage, steps done and checks by outcome.
fn total(out: &mut String, report: &GradeReport) {
    let t = report.tally();
    let percent = if report.max_score == 0 {
        100
    } else {
        (u64::from(report.score) * 100 / u64::from(report.max_score)) as u32
    };
    let credited = report.steps.iter().filter(|s| s.credited).count();
    let _ = writeln!(out);
    let _ = write!(
        out,
        "Total: {}/{} points ({percent}%), {credited}/{} steps done; checks: {} passed, {} failed",
        report.score,
        report.max_score,
        report.steps.len(),
        t.passed,
        t.failed
    );
    if t.unearned > 0 {
        let _ = write!(out, ", {} held without points", t.unearned);
    }
    if t.errors > 0 {
        let _ = write!(out, ", {} could not be checked", t.errors);
    }
    let _ = writeln!(out);
}

fn step_points(step: &super::StepReport) -> (u32, u32) {
    step.checks
        .iter()
        .fold((0, 0), |(g, m), c| (g + c.score, m + c.max_score))
}

#[cfg(test)]
mod tests {
    use super::super::sample;
    use super::*;

    #[test]
    fn mixed_report() {
        insta::assert_snapshot!(render(&sample::mixed()));
    }

    #[test]
    fn all_passed_report() {
        insta::assert_snapshot!(render(&sample::all_passed()));
    }

    #[test]
    fn escape_sequences_from_containers_are_not_sent_to_the_terminal() {
        let text = render(&sample::mixed());
        assert!(!text.contains('\u{1b}'));
        assert!(text.contains("\\u{1b}[0m"));
    }

    #[test]
    fn aborted_and_failed_commands_are_listed() {
        let mut r = sample::mixed();
        r.commands.push(super::super::CommandRecord {
            line: 9,
            command: "docker run alpine sleep 999".into(),
            outcome: CommandOutcome::TimedOut,
            detail: "stopped after 10s".into(),
            credited: vec![],
        });
        r.aborted = Some("total time limit of 60s reached".into());
        let text = render(&r);
        assert!(text.contains("line 9 (timed out): docker run alpine sleep 999"));
        assert!(text.contains("Grading stopped early: total time limit of 60s reached"));
    }
}
