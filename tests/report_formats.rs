//! Every grading output format, read back by a real consumer of that format:
//! JUnit XML by junitparser (plus well-formedness and an XSD), TAP by tappy (`tap.py`),
//! CTRF by its JSON schema, Gradescope field by field against its documented format.
//!
//! The Python packages come from `scripts/test-deps.sh`; without them these tests fail and say
//! so, rather than pass without checking anything.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::TimeZone;
use labrunner_core::{
    CheckReport, CommandOutcome, CommandRecord, Format, GradeReport, Refusal, Status, StepReport,
    render_report as render,
};
use serde_json::Value;

fn check(description: &str, score: u32, max: u32, status: Status, evidence: &str) -> CheckReport {
    CheckReport {
        description: description.into(),
        score,
        max_score: max,
        status,
        evidence: evidence.into(),
        duration_ms: 42,
    }
}

/// A report with every status, partial credit, a refusal, and evidence full of characters that
/// XML, YAML and JSON must escape (quotes, angle brackets, newlines, a terminal escape, colons).
fn report() -> GradeReport {
    GradeReport {
        lab_id: "storage-basics".into(),
        lab_title: "Volumes, binds & tmpfs: \"where does data live?\"".into(),
        namespace: Some("lr-q7w8e9".into()),
        started_at: chrono::Utc
            .with_ymd_and_hms(2026, 11, 23, 18, 30, 0)
            .single()
            .expect("valid time"),
        duration_ms: 12_345,
        steps: vec![
            StepReport {
                id: "volume".into(),
                title: "Create a volume".into(),
                credited: true,
                checks: vec![
                    check("volume persistent-store exists", 1, 1, Status::Passed, "volume persistent-store (local)"),
                    check(
                        "file ledger.txt in persistent-store matches `entry \\d+`",
                        3,
                        3,
                        Status::Passed,
                        "ledger.txt:\nentry 1\nentry 2",
                    ),
                ],
            },
            StepReport {
                id: "bind".into(),
                title: "Bind the working folder".into(),
                credited: false,
                checks: vec![
                    check(
                        "container web has a bind mount at /usr/share/nginx/html (read-only)",
                        0,
                        2,
                        Status::Failed,
                        "mounts of web: volume web-data -> /usr/share/nginx/html (rw)\n<none> & \"nothing\" else: {a: b}",
                    ),
                    check(
                        "web answers on 127.0.0.1:8080",
                        0,
                        1,
                        Status::Error,
                        "could not check: \u{1b}[31mconnection reset\u{1b}[0m - key: value",
                    ),
                ],
            },
            StepReport {
                id: "tmpfs".into(),
                title: "Scratch space in memory".into(),
                credited: false,
                checks: vec![check("container cache has a tmpfs at /scratch", 1, 1, Status::Passed, "tmpfs /scratch")],
            },
        ],
        score: 5,
        max_score: 8,
        refused: vec![Refusal {
            line: 4,
            command: "docker run -v /var/run/docker.sock:/s alpine".into(),
            reason: "bind mount of `/var/run/docker.sock`: the Docker socket gives the container control of the daemon"
                .into(),
        }],
        commands: vec![
            CommandRecord {
                line: 2,
                command: "docker volume create persistent-store".into(),
                outcome: CommandOutcome::Ran,
                detail: String::new(),
                credited: vec!["volume".into()],
            },
            CommandRecord {
                line: 4,
                command: "docker run -v /var/run/docker.sock:/s alpine".into(),
                outcome: CommandOutcome::Refused,
                detail: "the Docker socket".into(),
                credited: vec![],
            },
        ],
        aborted: None,
    }
}

fn empty_report() -> GradeReport {
    GradeReport {
        steps: vec![],
        score: 0,
        max_score: 0,
        refused: vec![],
        commands: vec![],
        ..report()
    }
}

fn validators() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validators")
}

/// Write `text` to a file and run a validator script on it; its stdout is JSON.
fn validate(script: &str, text: &str, extra_args: &[&Path]) -> Value {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("report");
    std::fs::write(&file, text).expect("write report");
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let output = Command::new(&python)
        .arg(validators().join(script))
        .arg(&file)
        .args(extra_args)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `{python}` (needed to validate report formats): {e}")
        });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{script} rejected the output:\n{stderr}\n--- output was ---\n{text}"
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{script} printed no JSON ({e}):\n{}\n{stderr}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

fn names(report: &GradeReport) -> Vec<String> {
    report
        .steps
        .iter()
        .flat_map(|s| {
            s.checks
                .iter()
                .map(move |c| format!("{}: {}", s.id, c.description))
        })
        .collect()
}

#[test]
fn junit_is_valid_and_read_by_junitparser() {
    let report = report();
    let xml = render(&report, Format::Junit);
    let read = validate("check_junit.py", &xml, &[&validators().join("junit.xsd")]);

    let suites = read["suites"].as_array().expect("suites");
    assert_eq!(suites.len(), 1, "one testsuite per lab");
    let suite = &suites[0];
    assert_eq!(suite["name"], "storage-basics");
    assert_eq!(suite["tests"], 5);
    assert_eq!(suite["failures"], 1);
    assert_eq!(suite["errors"], 1);
    assert_eq!(suite["skipped"], 0);
    assert_eq!(suite["time"], 12.345);
    assert_eq!(suite["timestamp"], "2026-11-23T18:30:00");
    assert_eq!(suite["properties"]["score"], "5");
    assert_eq!(suite["properties"]["max_score"], "8");
    assert_eq!(suite["properties"]["namespace"], "lr-q7w8e9");
    assert_eq!(suite["properties"]["lab.title"], report.lab_title);
    assert!(
        suite["system_err"]
            .as_str()
            .unwrap_or("")
            .contains("docker.sock"),
        "refusals are in system-err"
    );

    let cases = suite["cases"].as_array().expect("cases");
    let case_names: Vec<String> = cases
        .iter()
        .map(|c| c["name"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(case_names, names(&report));
    let statuses: Vec<Status> = report
        .steps
        .iter()
        .flat_map(|s| s.checks.iter().map(|c| c.status))
        .collect();
    for (case, status) in cases.iter().zip(statuses) {
        assert_eq!(case["time"], 0.042);
        assert!(
            case["classname"]
                .as_str()
                .unwrap_or("")
                .starts_with("storage-basics.")
        );
        let results = case["results"].as_array().expect("results");
        match status {
            Status::Passed => {
                assert_eq!(case["is_passed"], true);
                assert!(results.is_empty());
            }
            Status::Failed | Status::Error | Status::Unearned => {
                assert_eq!(case["is_passed"], false);
                assert_eq!(results.len(), 1);
                let kind = match status {
                    Status::Failed => "Failure",
                    Status::Unearned => "Skipped",
                    _ => "Error",
                };
                assert_eq!(results[0]["kind"], kind);
            }
        }
    }
    // Evidence survives escaping, and the terminal escape does not reach the XML.
    let failure = &cases[2]["results"][0];
    assert_eq!(
        failure["message"],
        "mounts of web: volume web-data -> /usr/share/nginx/html (rw)"
    );
    assert!(
        failure["text"]
            .as_str()
            .unwrap_or("")
            .contains("<none> & \"nothing\" else: {a: b}")
    );
    assert!(
        failure["text"]
            .as_str()
            .unwrap_or("")
            .contains("points: 0/2")
    );
    assert!(!xml.contains('\u{1b}'));
}

#[test]
fn tap_is_read_by_tappy_with_yaml_diagnostics() {
    let report = report();
    let tap = render(&report, Format::Tap);
    let read = validate("check_tap.py", &tap, &[]);

    assert_eq!(
        read["rule_errors"],
        serde_json::json!([]),
        "tappy's rules were broken"
    );
    assert_eq!(read["version"], 14, "tappy reads the version line as 14");
    assert_eq!(read["plan"], 5);
    assert_eq!(read["unknown"], 0, "every line is one tappy understands");
    let tests = read["tests"].as_array().expect("tests");
    let expected = names(&report);
    assert_eq!(tests.len(), expected.len());
    let checks: Vec<&CheckReport> = report.steps.iter().flat_map(|s| s.checks.iter()).collect();
    for (i, ((test, name), check)) in tests.iter().zip(&expected).zip(checks).enumerate() {
        assert_eq!(test["number"], i + 1);
        // tappy keeps the optional ` - ` separator as part of the description, and predates
        // TAP 14's `\\` and `\#` escapes, so it hands them over as written.
        let description = unescape_tap14(test["description"].as_str().unwrap_or(""));
        assert_eq!(
            description,
            format!("- {name}"),
            "description of test {}",
            i + 1
        );
        assert_eq!(test["ok"], check.status == Status::Passed);
        assert_eq!(test["todo"], false);
        assert_eq!(test["skip"], false);
        let yaml = &test["yaml"];
        assert_eq!(yaml["points"], check.score);
        assert_eq!(yaml["max_points"], check.max_score);
        let severity = match check.status {
            Status::Passed => Value::Null,
            Status::Failed => "fail".into(),
            Status::Error => "error".into(),
            Status::Unearned => "unearned".into(),
        };
        assert_eq!(yaml["severity"], severity);
    }
    assert_eq!(
        tests[2]["yaml"]["evidence"],
        "mounts of web: volume web-data -> /usr/share/nginx/html (rw)\n<none> & \"nothing\" else: {a: b}"
    );
    assert_eq!(
        tests[1]["yaml"]["evidence"],
        "ledger.txt:\nentry 1\nentry 2"
    );
}

/// Undo TAP 14's description escapes (`\\` for `\`, `\#` for `#`).
fn unescape_tap14(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('\\', Some(next @ ('\\' | '#'))) => {
                out.push(next);
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

#[test]
fn gradescope_results_have_every_documented_field() {
    let report = report();
    let v: Value = serde_json::from_str(&render(&report, Format::Gradescope)).expect("JSON");
    let visibilities = ["hidden", "after_due_date", "after_published", "visible"];

    assert_eq!(v["score"], 5);
    assert!(
        v["execution_time"].is_u64(),
        "execution_time is whole seconds"
    );
    assert_eq!(v["execution_time"], 13);
    assert!(v["output"].as_str().unwrap_or("").contains("5/8 points"));
    assert!(
        v["output"]
            .as_str()
            .unwrap_or("")
            .contains("Line 4 was not run")
    );
    assert!(
        ["text", "html", "simple_format", "md", "ansi"]
            .contains(&v["output_format"].as_str().unwrap_or(""))
    );
    assert!(visibilities.contains(&v["visibility"].as_str().unwrap_or("")));
    assert!(visibilities.contains(&v["stdout_visibility"].as_str().unwrap_or("")));
    assert_eq!(v["extra_data"]["max_score"], 8);

    let tests = v["tests"].as_array().expect("tests");
    let checks: Vec<&CheckReport> = report.steps.iter().flat_map(|s| s.checks.iter()).collect();
    assert_eq!(tests.len(), checks.len());
    let mut sum = 0;
    for ((test, check), name) in tests.iter().zip(&checks).zip(names(&report)) {
        assert_eq!(test["name"], name.as_str());
        assert_eq!(test["score"], check.score);
        assert_eq!(test["max_score"], check.max_score);
        let status = if check.status == Status::Passed {
            "passed"
        } else {
            "failed"
        };
        assert_eq!(test["status"], status);
        assert!(test["output"].as_str().is_some_and(|o| !o.is_empty()));
        assert!(visibilities.contains(&test["visibility"].as_str().unwrap_or("")));
        assert!(test["number"].is_string());
        sum += test["score"].as_u64().unwrap_or(0);
    }
    assert_eq!(sum, 5, "test scores add up to the total");
    // Keys Gradescope does not define are kept out of each test.
    let allowed = [
        "score",
        "max_score",
        "status",
        "name",
        "name_format",
        "number",
        "output",
        "output_format",
        "tags",
        "visibility",
        "extra_data",
    ];
    for test in tests {
        for key in test.as_object().expect("object").keys() {
            assert!(allowed.contains(&key.as_str()), "unexpected test key {key}");
        }
    }
}

#[test]
fn ctrf_matches_its_schema_and_counts() {
    let report = report();
    let text = render(&report, Format::Ctrf);
    let v = validate(
        "check_ctrf.py",
        &text,
        &[&validators().join("ctrf.schema.json")],
    );

    assert_eq!(v["reportFormat"], "CTRF");
    let results = &v["results"];
    assert_eq!(results["tool"]["name"], "labrunner");
    let s = &results["summary"];
    assert_eq!(s["tests"], 5);
    assert_eq!(s["passed"], 3);
    assert_eq!(s["failed"], 2);
    assert_eq!(s["pending"], 0);
    assert_eq!(s["skipped"], 0);
    assert_eq!(s["other"], 0);
    let start = s["start"].as_i64().expect("start");
    let stop = s["stop"].as_i64().expect("stop");
    assert_eq!(start, report.started_at.timestamp_millis());
    assert_eq!(stop - start, 12_345);

    let tests = results["tests"].as_array().expect("tests");
    for ((test, name), check) in tests
        .iter()
        .zip(names(&report))
        .zip(report.steps.iter().flat_map(|s| s.checks.iter()))
    {
        assert_eq!(test["name"], name.as_str());
        assert_eq!(test["duration"], 42);
        let (status, raw) = match check.status {
            Status::Passed => ("passed", Value::Null),
            Status::Failed => ("failed", Value::Null),
            Status::Error => ("failed", "error".into()),
            Status::Unearned => ("skipped", "unearned".into()),
        };
        assert_eq!(test["status"], status);
        assert_eq!(test["rawStatus"], raw);
        assert_eq!(test["message"].is_string(), check.status != Status::Passed);
        assert_eq!(test["extra"]["points"], check.score);
    }
}

#[test]
fn the_schemas_reject_what_they_should() {
    // A validator that accepts anything proves nothing: break each format and expect a no.
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let dir = tempfile::tempdir().expect("temp dir");
    let run = |script: &str, text: &str, schema: &str| {
        let file = dir.path().join(format!("{script}.in"));
        std::fs::write(&file, text).expect("write");
        Command::new(&python)
            .arg(validators().join(script))
            .arg(&file)
            .arg(validators().join(schema))
            .output()
            .expect("run python")
    };
    let ctrf =
        render(&report(), Format::Ctrf).replace("\"status\": \"failed\"", "\"status\": \"broken\"");
    let out = run("check_ctrf.py", &ctrf, "ctrf.schema.json");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let junit = render(&report(), Format::Junit).replace("tests=\"5\"", "tests=\"five\"");
    let out = run("check_junit.py", &junit, "junit.xsd");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("five"));
    // Jenkins' own schema (vendored) refuses what the laxer writers put on <testsuites>, even
    // when the given schema lets it through: an attribute its `testsuites` does not declare.
    let junit = render(&report(), Format::Junit).replacen(
        "<testsuites name=",
        "<testsuites skipped=\"0\" name=",
        1,
    );
    let lax = dir.path().join("lax.xsd");
    std::fs::write(
        &lax,
        std::fs::read_to_string(validators().join("junit.xsd"))
            .expect("junit.xsd")
            .replace(
                r#"<xs:attribute name="errors" type="xs:nonNegativeInteger"/>
      <xs:attribute name="time" type="seconds"/>"#,
                r#"<xs:attribute name="errors" type="xs:nonNegativeInteger"/>
      <xs:attribute name="skipped" type="xs:nonNegativeInteger"/>
      <xs:attribute name="time" type="seconds"/>"#,
            ),
    )
    .expect("write");
    let out = run("check_junit.py", &junit, lax.to_str().expect("utf-8 path"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "Jenkins' schema took <testsuites skipped>"
    );
    assert!(
        stderr.contains("jenkins-junit-10.xsd") || stderr.contains("skipped"),
        "{stderr}"
    );
}

#[test]
fn an_empty_lab_is_valid_in_every_format() {
    let report = empty_report();
    let junit = validate(
        "check_junit.py",
        &render(&report, Format::Junit),
        &[&validators().join("junit.xsd")],
    );
    assert_eq!(junit["suites"][0]["tests"], 0);
    let tap = validate("check_tap.py", &render(&report, Format::Tap), &[]);
    assert_eq!(tap["plan"], 0);
    assert_eq!(tap["rule_errors"], serde_json::json!([]));
    let ctrf = validate(
        "check_ctrf.py",
        &render(&report, Format::Ctrf),
        &[&validators().join("ctrf.schema.json")],
    );
    assert_eq!(ctrf["results"]["summary"]["tests"], 0);
    let gs: Value = serde_json::from_str(&render(&report, Format::Gradescope)).expect("JSON");
    assert_eq!(gs["tests"], serde_json::json!([]));
    let json: Value = serde_json::from_str(&render(&report, Format::Json)).expect("JSON");
    assert_eq!(json["max_score"], 0);
}

#[test]
fn json_is_the_report_itself() {
    let report = report();
    let v: Value = serde_json::from_str(&render(&report, Format::Json)).expect("JSON");
    assert_eq!(v["lab_id"], "storage-basics");
    assert_eq!(v["score"], 5);
    assert_eq!(v["steps"][1]["checks"][1]["status"], "error");
    assert_eq!(v["refused"][0]["line"], 4);
    assert_eq!(v["commands"][0]["outcome"], "ran");
    assert_eq!(v["started_at"], "2026-11-23T18:30:00Z");
}

/// An empty submission: nothing done, so nothing earned, although two conditions hold (one
/// held before anything was done, one belongs to a step after an uncredited one).
fn empty_submission() -> GradeReport {
    GradeReport {
        steps: vec![
            StepReport {
                id: "writer".into(),
                title: "Start the writer".into(),
                credited: false,
                checks: vec![
                    check(
                        "container db-writer is running",
                        0,
                        3,
                        Status::Failed,
                        "no container db-writer",
                    ),
                    check(
                        "container old-writer is absent",
                        0,
                        1,
                        Status::Unearned,
                        "no container old-writer (no points: it already held before anything was done)",
                    ),
                ],
            },
            StepReport {
                id: "remove".into(),
                title: "Remove the writer".into(),
                credited: false,
                checks: vec![check(
                    "container db-writer is absent",
                    0,
                    2,
                    Status::Unearned,
                    "no container db-writer (no points yet: an earlier step is not done)",
                )],
            },
        ],
        score: 0,
        max_score: 6,
        refused: vec![],
        commands: vec![],
        ..report()
    }
}

/// Every consumer reads an empty submission as nothing passed: the conditions that hold
/// without points are skipped (or failed where a format has no skip), each with its reason.
#[test]
fn unearned_points_are_never_passed_in_any_format() {
    let report = empty_submission();

    let junit = validate(
        "check_junit.py",
        &render(&report, Format::Junit),
        &[&validators().join("junit.xsd")],
    );
    let suite = &junit["suites"][0];
    assert_eq!(suite["skipped"], 2, "{junit}");
    assert_eq!(suite["failures"], 1, "{junit}");
    for case in suite["cases"].as_array().expect("cases") {
        assert_eq!(case["is_passed"], false, "{case}");
    }
    let skipped = &suite["cases"][1]["results"][0];
    assert_eq!(skipped["kind"], "Skipped");
    assert!(
        skipped["message"]
            .as_str()
            .is_some_and(|m| m.contains("already held before anything was done")),
        "{skipped}"
    );

    let tap = validate("check_tap.py", &render(&report, Format::Tap), &[]);
    assert_eq!(tap["rule_errors"], serde_json::json!([]));
    let tests = tap["tests"].as_array().expect("tests");
    let passed_unskipped = tests
        .iter()
        .filter(|t| t["ok"] == true && t["skip"] == false)
        .count();
    assert_eq!(passed_unskipped, 0, "{tap}");
    assert_eq!(tests[1]["skip"], true, "{tap}");
    assert_eq!(tests[2]["skip"], true, "{tap}");

    let ctrf = validate(
        "check_ctrf.py",
        &render(&report, Format::Ctrf),
        &[&validators().join("ctrf.schema.json")],
    );
    let summary = &ctrf["results"]["summary"];
    assert_eq!(
        (&summary["passed"], &summary["failed"], &summary["skipped"]),
        (&Value::from(0), &Value::from(1), &Value::from(2)),
        "{ctrf}"
    );
    let unearned = &ctrf["results"]["tests"][2];
    assert_eq!(unearned["status"], "skipped");
    assert_eq!(unearned["rawStatus"], "unearned");
    assert!(
        unearned["message"]
            .as_str()
            .is_some_and(|m| m.contains("an earlier step is not done")),
        "{unearned}"
    );

    let gradescope: Value =
        serde_json::from_str(&render(&report, Format::Gradescope)).expect("JSON");
    for test in gradescope["tests"].as_array().expect("tests") {
        assert_ne!(test["status"], "passed", "{test}");
        assert_eq!(test["score"], 0, "{test}");
    }
    assert!(
        gradescope["tests"][1]["output"]
            .as_str()
            .is_some_and(|o| o.starts_with("Not earned: ")),
        "{gradescope}"
    );

    let json: Value = serde_json::from_str(&render(&report, Format::Json)).expect("JSON");
    assert_eq!(json["steps"][0]["checks"][1]["status"], "unearned");

    let text = render(&report, Format::Text);
    assert!(!text.contains("PASS"), "{text}");
    assert!(
        text.contains("HELD  container old-writer is absent"),
        "{text}"
    );
}

/// GitHub Classroom's reporter, as `check_classroom.py` reads it: 0 points, and its summary
/// (the share of tests that pass) is 0 too, not 1 of 3 tests.
#[test]
fn classroom_counts_no_pass_for_unearned_points() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = dir.path().join("github-output");
    let encoded = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .encode(render(&empty_submission(), Format::Classroom))
    };
    std::fs::write(&output, format!("result={encoded}\n")).expect("write");
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let out = Command::new(&python)
        .arg(validators().join("check_classroom.py"))
        .arg(&output)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(read["points"], 0, "{read}");
    assert_eq!(read["max_score"], 6, "{read}");
    assert_eq!(read["passed_tests"], 0, "{read}");
    assert_eq!(read["summary_points"], 0.0, "{read}");
    assert_eq!(read["run_fails"], true, "{read}");
}
