//! Common Test Report Format (CTRF) JSON: `results.tool`, `results.summary` (counts, start and
//! stop in Unix milliseconds) and one test per check. A check that could not be carried out is
//! `failed` with `rawStatus: "error"`: it earned no points, and CI must not treat it as passing.
//! A check that holds but earned no points (the credit rule) is `skipped` with
//! `rawStatus: "unearned"` and the reason in its message.

use serde::Serialize;

use super::{GradeReport, Status, StudentOutcome, StudentResult, check_name, printable, to_json};

/// The CTRF specification version this output follows.
const SPEC_VERSION: &str = "0.0.0";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<E> {
    report_format: &'static str,
    spec_version: &'static str,
    timestamp: String,
    generated_by: &'static str,
    results: Results<E>,
}

#[derive(Serialize)]
struct Results<E> {
    tool: Tool,
    summary: Summary,
    tests: Vec<Test>,
    extra: E,
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
    /// In a class report: the student, then the step.
    #[serde(skip_serializing_if = "Option::is_none")]
    suite: Option<Vec<String>>,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    student: Option<String>,
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

/// Every check of a report as a CTRF test; in a class report named and tagged by student.
fn tests_of(report: &GradeReport, student: Option<&str>) -> Vec<Test> {
    let mut tests = Vec::new();
    for step in &report.steps {
        for check in &step.checks {
            let evidence = printable(&check.evidence);
            let name = check_name(step, check);
            tests.push(Test {
                name: match student {
                    Some(s) => printable(&format!("{s}: {name}")),
                    None => name,
                },
                suite: student.map(|s| vec![printable(s), step.id.clone()]),
                status: match check.status {
                    Status::Passed => "passed",
                    Status::Unearned => "skipped",
                    Status::Failed | Status::Error => "failed",
                },
                duration: check.duration_ms,
                message: (check.status != Status::Passed).then(|| evidence.clone()),
                raw_status: match check.status {
                    Status::Error => Some("error"),
                    Status::Unearned => Some("unearned"),
                    Status::Passed | Status::Failed => None,
                },
                extra: TestExtra {
                    student: student.map(printable),
                    step: step.id.clone(),
                    points: check.score,
                    max_points: check.max_score,
                    evidence,
                },
            });
        }
    }
    tests
}

fn summary(tests: &[Test], start: i64, stop: i64) -> Summary {
    let passed = tests.iter().filter(|t| t.status == "passed").count();
    let skipped = tests.iter().filter(|t| t.status == "skipped").count();
    Summary {
        tests: tests.len(),
        passed,
        failed: tests.len() - passed - skipped,
        pending: 0,
        skipped,
        other: 0,
        start,
        stop,
    }
}

fn document<E: Serialize>(tests: Vec<Test>, start: i64, stop: i64, extra: E) -> String {
    let timestamp = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(stop)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    to_json(&Report {
        report_format: "CTRF",
        spec_version: SPEC_VERSION,
        timestamp,
        generated_by: "labrunner",
        results: Results {
            tool: Tool {
                name: "labrunner",
                version: env!("CARGO_PKG_VERSION"),
            },
            summary: summary(&tests, start, stop),
            tests,
            extra,
        },
    })
}

pub(super) fn render(report: &GradeReport) -> String {
    let extra = Extra {
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
    };
    document(
        tests_of(report, None),
        report.started_at.timestamp_millis(),
        report.finished_at().timestamp_millis(),
        extra,
    )
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ClassExtra {
    lab: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    shard: Option<String>,
    students: Vec<StudentSummary>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StudentSummary {
    student: String,
    /// `None` when the student could not be graded.
    score: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_score: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// A class: every student's checks in one report. A student who could not be graded is one
/// failed test `<student>: grading` with the reason.
pub(super) fn render_class(
    lab_id: &str,
    results: &[StudentResult],
    started_at: chrono::DateTime<chrono::Utc>,
    shard: Option<&str>,
) -> String {
    let mut tests = Vec::new();
    let mut students = Vec::new();
    let mut stop = started_at.timestamp_millis();
    for r in results {
        match r.outcome {
            StudentOutcome::Graded(report) => {
                tests.extend(tests_of(report, Some(r.student)));
                stop = stop.max(report.finished_at().timestamp_millis());
                students.push(StudentSummary {
                    student: printable(r.student),
                    score: Some(report.score),
                    max_score: Some(report.max_score),
                    error: None,
                });
            }
            StudentOutcome::Error(why) => {
                tests.push(Test {
                    name: printable(&format!("{}: grading", r.student)),
                    suite: Some(vec![printable(r.student)]),
                    status: "failed",
                    duration: 0,
                    message: Some(printable(why)),
                    raw_status: Some("error"),
                    extra: TestExtra {
                        student: Some(printable(r.student)),
                        step: String::new(),
                        points: 0,
                        max_points: 0,
                        evidence: printable(why),
                    },
                });
                students.push(StudentSummary {
                    student: printable(r.student),
                    score: None,
                    max_score: None,
                    error: Some(printable(why)),
                });
            }
        }
    }
    let extra = ClassExtra {
        lab: lab_id.to_string(),
        shard: shard.map(str::to_string),
        students,
    };
    document(tests, started_at.timestamp_millis(), stop, extra)
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

    #[test]
    fn a_class_tags_every_test_with_its_student() {
        let (mixed, passed) = (sample::mixed(), sample::all_passed());
        let results = [
            StudentResult {
                student: "alice",
                outcome: StudentOutcome::Graded(&passed),
            },
            StudentResult {
                student: "bob",
                outcome: StudentOutcome::Graded(&mixed),
            },
            StudentResult {
                student: "carol",
                outcome: StudentOutcome::Error("no daemon"),
            },
        ];
        let text = render_class("volumes", &results, sample::started(), Some("1/4"));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let s = &v["results"]["summary"];
        assert_eq!(s["tests"], 7);
        assert_eq!(s["passed"], 4);
        assert_eq!(s["failed"], 3);
        let tests = v["results"]["tests"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(tests[0]["suite"][0], "alice");
        assert_eq!(tests[0]["extra"]["student"], "alice");
        assert_eq!(tests[6]["name"], "carol: grading");
        assert_eq!(tests[6]["rawStatus"], "error");
        assert_eq!(v["results"]["extra"]["shard"], "1/4");
        assert_eq!(v["results"]["extra"]["students"][1]["score"], 3);
        assert!(v["results"]["extra"]["students"][2]["score"].is_null());
    }
}
