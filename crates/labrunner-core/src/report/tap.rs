//! TAP version 14: one test point per check, `step-id: description`, each with a YAML
//! diagnostics block (points, evidence, and severity for failures). A check that holds but
//! earned no points (the credit rule) is a `# SKIP` with the reason: TAP's only way to say a
//! point neither passed nor failed.
//!
//! Test points are flat rather than grouped into subtests per step: every TAP consumer reads
//! flat points, while subtests are new in TAP 14 and ignored or misread by older parsers.

use std::fmt::Write;

use serde::Serialize;

use super::{GradeReport, Status, check_name, printable};

#[derive(Serialize)]
struct Diagnostics<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    severity: Option<&'a str>,
    step: &'a str,
    points: u32,
    max_points: u32,
    evidence: String,
    duration_ms: u64,
}

pub(super) fn render(report: &GradeReport) -> String {
    let mut out = String::from("TAP version 14\n");
    let total = report.tally().checks;
    let _ = writeln!(out, "1..{total}");
    let _ = writeln!(out, "# {}: {}", report.lab_id, one_line(&report.lab_title));
    if let Some(ns) = &report.namespace {
        let _ = writeln!(out, "# namespace {ns}");
    }
    let mut n = 0;
    for step in &report.steps {
        for check in &step.checks {
            n += 1;
            let ok = match check.status {
                Status::Passed | Status::Unearned => "ok",
                Status::Failed | Status::Error => "not ok",
            };
            let evidence = printable(&check.evidence);
            let directive = match check.status {
                Status::Unearned => format!(" # SKIP not earned: {}", description(&evidence)),
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "{ok} {n} - {}{directive}",
                description(&check_name(step, check))
            );
            let diagnostics = Diagnostics {
                message: match check.status {
                    Status::Passed => None,
                    _ => Some(evidence.lines().next().unwrap_or("").to_string()),
                },
                severity: match check.status {
                    Status::Passed => None,
                    Status::Unearned => Some("unearned"),
                    Status::Failed => Some("fail"),
                    Status::Error => Some("error"),
                },
                step: &step.id,
                points: check.score,
                max_points: check.max_score,
                evidence,
                duration_ms: check.duration_ms,
            };
            if let Ok(yaml) = serde_yaml::to_string(&diagnostics) {
                out.push_str("  ---\n");
                for line in yaml.lines() {
                    let _ = writeln!(out, "  {line}");
                }
                out.push_str("  ...\n");
            }
        }
    }
    for r in &report.refused {
        let _ = writeln!(
            out,
            "# refused line {}: {}: {}",
            r.line,
            one_line(&r.command),
            one_line(&r.reason)
        );
    }
    if let Some(why) = &report.aborted {
        let _ = writeln!(out, "# grading stopped early: {}", one_line(why));
    }
    let _ = writeln!(out, "# score {}/{}", report.score, report.max_score);
    out
}

/// A test point description: one line, with `\` and `#` escaped as TAP 14 requires (an
/// unescaped `#` would start a directive).
fn description(text: &str) -> String {
    one_line(text).replace('\\', "\\\\").replace('#', "\\#")
}

fn one_line(text: &str) -> String {
    printable(text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
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
    fn descriptions_escape_hash_and_backslash() {
        assert_eq!(description("port #80 on C:\\x"), "port \\#80 on C:\\\\x");
        assert_eq!(description("two\nlines"), "two lines");
    }

    #[test]
    fn plan_counts_every_check() {
        let tap = render(&sample::mixed());
        assert!(tap.starts_with("TAP version 14\n1..4\n"));
        assert_eq!(
            tap.lines()
                .filter(|l| l.starts_with("ok ") || l.starts_with("not ok "))
                .count(),
            4
        );
    }
}
