//! Gradescope autograder `results.json`: overall score and output, one test per check with
//! its score, max_score, status, output (the evidence) and visibility. Gradescope knows only
//! `passed` and `failed`: a check that holds but earned no points (the credit rule) has no
//! status, so Gradescope judges it by its score, and its output starts with "Not earned".

use serde::Serialize;

use super::{GradeReport, Status, check_name, printable, to_json};

#[derive(Serialize)]
struct Results {
    score: u32,
    /// Seconds.
    execution_time: u64,
    output: String,
    output_format: &'static str,
    visibility: &'static str,
    stdout_visibility: &'static str,
    tests: Vec<Test>,
    extra_data: Extra,
}

#[derive(Serialize)]
struct Test {
    name: String,
    /// `step.check`, both 1-based: Gradescope sorts and shows tests by it.
    number: String,
    score: u32,
    max_score: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
    output: String,
    tags: Vec<String>,
    visibility: &'static str,
}

#[derive(Serialize)]
struct Extra {
    lab: String,
    max_score: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<String>,
    credited_steps: Vec<String>,
}

pub(super) fn render(report: &GradeReport) -> String {
    let mut tests = Vec::new();
    for (si, step) in report.steps.iter().enumerate() {
        for (ci, check) in step.checks.iter().enumerate() {
            let evidence = printable(&check.evidence);
            tests.push(Test {
                name: check_name(step, check),
                number: format!("{}.{}", si + 1, ci + 1),
                score: check.score,
                max_score: check.max_score,
                status: match check.status {
                    Status::Passed => Some("passed"),
                    Status::Unearned => None,
                    Status::Failed | Status::Error => Some("failed"),
                },
                output: match check.status {
                    Status::Error => format!("Could not be checked: {evidence}"),
                    Status::Unearned => format!("Not earned: {evidence}"),
                    _ => evidence,
                },
                tags: vec![step.id.clone()],
                visibility: "visible",
            });
        }
    }
    let results = Results {
        score: report.score,
        execution_time: report.duration_ms.div_ceil(1000),
        output: summary(report),
        output_format: "text",
        visibility: "visible",
        stdout_visibility: "hidden",
        tests,
        extra_data: Extra {
            lab: report.lab_id.clone(),
            max_score: report.max_score,
            namespace: report.namespace.clone(),
            credited_steps: report
                .steps
                .iter()
                .filter(|s| s.credited)
                .map(|s| s.id.clone())
                .collect(),
        },
    };
    to_json(&results)
}

/// The overall output shown above the tests: score, steps done, refusals.
fn summary(report: &GradeReport) -> String {
    let done = report.steps.iter().filter(|s| s.credited).count();
    let mut lines = vec![format!(
        "{}: {} - {}/{} points, {done}/{} steps done.",
        report.lab_id,
        printable(&report.lab_title),
        report.score,
        report.max_score,
        report.steps.len()
    )];
    for r in &report.refused {
        lines.push(printable(&format!(
            "Line {} was not run: {} ({})",
            r.line, r.command, r.reason
        )));
    }
    if let Some(why) = &report.aborted {
        lines.push(printable(&format!("Grading stopped early: {why}")));
    }
    lines.join("\n")
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
    fn fields_per_test() {
        let v: serde_json::Value =
            serde_json::from_str(&render(&sample::mixed())).unwrap_or_default();
        assert_eq!(v["score"], 3);
        assert_eq!(v["execution_time"], 5);
        let tests = v["tests"].as_array().cloned().unwrap_or_default();
        assert_eq!(tests.len(), 4);
        assert_eq!(tests[2]["status"], "failed");
        assert_eq!(tests[2]["max_score"], 2);
        assert_eq!(tests[3]["status"], "failed");
        assert!(
            tests[3]["output"]
                .as_str()
                .unwrap_or("")
                .starts_with("Could not be checked")
        );
    }
}
