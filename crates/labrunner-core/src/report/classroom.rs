//! GitHub Classroom autograding: the result a grading step hands to Classroom's autograding
//! reporter (base64 of this JSON in the step's `result` output). `version` 1, an overall
//! `status` (`pass`, `fail`, `error`), `max_score`, and one test per check with its `score`:
//! the reporter adds up the tests' scores against `max_score`, while its console summary and
//! table count the share of tests that `pass`. A check that holds but earned no points (the
//! credit rule) is therefore `fail`, its message saying why: Classroom has no other status.

use serde::Serialize;

use super::{GradeReport, Status, check_name, printable, to_json};

#[derive(Serialize)]
struct Results {
    version: u32,
    status: &'static str,
    max_score: u32,
    tests: Vec<Test>,
}

#[derive(Serialize)]
struct Test {
    name: String,
    status: &'static str,
    score: u32,
    message: String,
    test_code: String,
    filename: String,
    line_no: u32,
    /// Milliseconds.
    duration: u64,
}

pub(super) fn render(report: &GradeReport) -> String {
    let mut tests = Vec::new();
    for step in &report.steps {
        for check in &step.checks {
            tests.push(Test {
                name: check_name(step, check),
                status: match check.status {
                    Status::Passed => "pass",
                    Status::Failed | Status::Unearned => "fail",
                    Status::Error => "error",
                },
                score: check.score,
                message: match check.status {
                    Status::Unearned => format!("Not earned: {}", printable(&check.evidence)),
                    _ => printable(&check.evidence),
                },
                test_code: printable(&check.description),
                filename: String::new(),
                line_no: 0,
                duration: check.duration_ms,
            });
        }
    }
    let t = report.tally();
    let status = if t.errors > 0 {
        "error"
    } else if report.all_passed() {
        "pass"
    } else {
        "fail"
    };
    to_json(&Results {
        version: 1,
        status,
        max_score: report.max_score,
        tests,
    })
}

#[cfg(test)]
mod tests {
    use super::super::sample;
    use super::*;

    #[test]
    fn scores_add_up_to_the_report() {
        let v: serde_json::Value =
            serde_json::from_str(&render(&sample::mixed())).unwrap_or_default();
        assert_eq!(v["version"], 1);
        assert_eq!(v["max_score"], 6);
        assert_eq!(v["status"], "error");
        let tests = v["tests"].as_array().cloned().unwrap_or_default();
        assert_eq!(tests.len(), 4);
        let total: u64 = tests.iter().filter_map(|t| t["score"].as_u64()).sum();
        assert_eq!(total, 3);
        assert_eq!(tests[2]["status"], "fail");
        assert_eq!(tests[3]["status"], "error");
    }

    #[test]
    fn all_passed_is_pass_with_full_marks() {
        let v: serde_json::Value =
            serde_json::from_str(&render(&sample::all_passed())).unwrap_or_default();
        assert_eq!(v["status"], "pass");
        let total: u64 = v["tests"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["score"].as_u64())
            .sum();
        assert_eq!(total, 4);
        assert_eq!(v["max_score"], 4);
    }

    #[test]
    fn nothing_passed_scores_nothing() {
        let mut r = sample::all_passed();
        for c in r.steps.iter_mut().flat_map(|s| s.checks.iter_mut()) {
            c.status = Status::Failed;
            c.score = 0;
        }
        r.score = 0;
        let v: serde_json::Value = serde_json::from_str(&render(&r)).unwrap_or_default();
        assert_eq!(v["status"], "fail");
        assert!(
            v["tests"]
                .as_array()
                .into_iter()
                .flatten()
                .all(|t| t["score"] == 0)
        );
    }
}
