//! Common Test Report Format (CTRF) JSON: `results.tool`, `results.summary` (counts, start and
//! stop in Unix milliseconds) and one test per check. A check that could not be carried out is
//! `failed` with `rawStatus: "error"`: it earned no points, and CI must not treat it as passing.

use serde::Serialize;

use super::{GradeReport, Status, check_name, printable, to_json};

/// The CTRF specification version this output follows.
const SPEC_VERSION: &str = "0.0.0";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    report_format: &'static str,
    spec_version: &'static str,
    timestamp: String,
    generated_by: &'static str,
    results: Results,
}

#[derive(Serialize)]
struct Results {
    tool: Tool,
    summary: Summary,
    tests: Vec<Test>,
    extra: Extra,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    tests: usize,
    passed: usize,
    failed: usize,
    pending: usize,
    skipped: usize,
    other: usize,
    start: i64,
    stop: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Test {
    name: String,
    status: &'static str,
    duration: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    raw_status: Option<&'static str>,
    extra: TestExtra,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TestExtra {
    step: String,
    points: u32,
    max_points: u32,
    evidence: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Extra {
    lab: String,
    lab_title: String,
    score: u32,
    max_score: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<String>,
    credited_steps: Vec<String>,
    refused: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    aborted: Option<String>,
}

pub(super) fn render(report: &GradeReport) -> String {
    let t = report.tally();
    let mut tests = Vec::new();
    for step in &report.steps {
        for check in &step.checks {
            let evidence = printable(&check.evidence);
            tests.push(Test {
                name: check_name(step, check),
                status: if check.status == Status::Passed {
                    "passed"
                } else {
                    "failed"
                },
                duration: check.duration_ms,
                message: (check.status != Status::Passed).then(|| evidence.clone()),
                raw_status: (check.status == Status::Error).then_some("error"),
                extra: TestExtra {
                    step: step.id.clone(),
                    points: check.score,
                    max_points: check.max_score,
                    evidence,
                },
            });
        }
    }
    let start = report.started_at.timestamp_millis();
    let stop = report.finished_at().timestamp_millis();
    let doc = Report {
        report_format: "CTRF",
        spec_version: SPEC_VERSION,
        timestamp: report
            .finished_at()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        generated_by: "labrunner",
        results: Results {
            tool: Tool {
                name: "labrunner",
                version: env!("CARGO_PKG_VERSION"),
            },
            summary: Summary {
                tests: t.checks,
                passed: t.passed,
                failed: t.failed + t.errors,
                pending: 0,
                skipped: 0,
                other: 0,
                start,
                stop,
            },
            tests,
            extra: Extra {
                lab: report.lab_id.clone(),
                lab_title: report.lab_title.clone(),
                score: report.score,
                max_score: report.max_score,
                namespace: report.namespace.clone(),
                credited_steps: report
                    .steps
                    .iter()
                    .filter(|s| s.credited)
                    .map(|s| s.id.clone())
                    .collect(),
                refused: report
                    .refused
                    .iter()
                    .map(|r| printable(&format!("line {}: {}: {}", r.line, r.command, r.reason)))
                    .collect(),
                aborted: report.aborted.clone(),
            },
        },
    };
    to_json(&doc)
}

#[cfg(test)]
mod tests {
    use super::super::sample;
    use super::*;

    #[test]
    fn mixed_report() {
        // The tool version changes with every release; the snapshot should not.
        let text = render(&sample::mixed()).replace(
            &format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION")),
            "\"version\": \"[version]\"",
        );
        insta::assert_snapshot!(text);
    }

    #[test]
    fn summary_counts_and_times() {
        let v: serde_json::Value =
            serde_json::from_str(&render(&sample::mixed())).unwrap_or_default();
        let s = &v["results"]["summary"];
        assert_eq!(s["tests"], 4);
        assert_eq!(s["passed"], 2);
        assert_eq!(s["failed"], 2);
        assert_eq!(
            s["stop"].as_i64().unwrap_or(0) - s["start"].as_i64().unwrap_or(0),
            4321
        );
        assert_eq!(v["results"]["tests"][3]["rawStatus"], "error");
    }
}
