//! Fixed subnets on the real daemon: a class of network-addressing's reference solution (its
//! network has the fixed subnet 10.214.0.0/16), graded at the default `--jobs`, scores every
//! copy full marks and an empty submission nothing; a network outside the grading that holds an
//! overlapping range makes the student `error` with the cause, never `failed`; two networks of
//! one submission that overlap are the submission's own conflict, graded.
//!
//! Gradings run under the `lrsub` namespace prefixes; the network made by hand is
//! `lrsub-holder` (10.251.17.0/24, the fixture lab's range), removed afterwards.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{docker, docker_available, docker_quiet, labrunner};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/subnets").join(name)
}

fn run(mut cmd: Command) -> Output {
    let out = cmd.output().expect("labrunner runs");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The gradebook's rows, each a map from column name to value.
fn gradebook(out: &Path) -> Vec<BTreeMap<String, String>> {
    let text = read(&out.join("gradebook.csv"));
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    reader
        .records()
        .map(|r| {
            let r = r.expect("row");
            header
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

/// The networks whose names start with `prefix-`.
fn networks(prefix: &str) -> Vec<String> {
    docker(&["network", "ls", "--format", "{{.Name}}"])
        .lines()
        .filter(|n| n.starts_with(&format!("{prefix}-")))
        .map(str::to_string)
        .collect()
}

fn purge(prefix: &str) {
    for name in networks(prefix) {
        docker_quiet(&["network", "rm", &name]);
    }
}

/// The reference solution of a shipped lab, its steps' `solution` commands as one submission.
fn solution(lab: &Path) -> String {
    let lab = labrunner_core::load(lab).expect("the lab loads").lab;
    lab.steps
        .iter()
        .flat_map(|s| s.solution.iter())
        .map(|c| format!("{}\n", c.text()))
        .collect()
}

#[test]
fn a_class_of_a_fixed_subnet_lab_scores_every_correct_student_in_parallel() {
    if !docker_available() {
        return;
    }
    purge("lrsubc");
    let lab = root().join("labs/MOD-DOCKER-04/network-addressing.yaml");
    let work = tempfile::tempdir().expect("temp dir");
    let roster = work.path().join("roster");
    std::fs::create_dir_all(&roster).expect("roster");
    let reference = solution(&lab);
    for i in 0..6 {
        std::fs::write(roster.join(format!("correct-{i}.sh")), &reference).expect("a copy");
    }
    std::fs::write(roster.join("empty.sh"), "").expect("empty");
    let out_dir = work.path().join("out");
    let mut cmd = labrunner(&work.path().join("home"));
    cmd.arg("grade")
        .arg(&lab)
        .arg("--submissions")
        .arg(&roster)
        .arg("--out-dir")
        .arg(&out_dir)
        .args(["--format", "json", "--namespace", "lrsubc"]);
    let out = run(cmd);
    assert_eq!(out.status.code(), Some(0), "every student was graded");
    let rows = gradebook(&out_dir);
    assert_eq!(rows.len(), 7);
    for row in &rows {
        let student = &row["student"];
        let expected = if student.starts_with("correct") {
            (row["max"].as_str(), "passed")
        } else {
            // Nothing done, nothing earned.
            ("0", "failed")
        };
        assert_eq!(
            (row["score"].as_str(), row["status"].as_str()),
            expected,
            "{student}: {}",
            row["error"]
        );
        assert!(row["error"].is_empty(), "{student}: {}", row["error"]);
    }
    assert_eq!(
        networks("lrsubc"),
        Vec::<String>::new(),
        "nothing left behind"
    );
}

#[test]
fn a_range_held_outside_the_grading_is_an_error_not_a_failure() {
    if !docker_available() {
        return;
    }
    purge("lrsubh");
    docker_quiet(&["network", "rm", "lrsub-holder"]);
    let work = tempfile::tempdir().expect("temp dir");
    let home = work.path().join("home");
    let roster = work.path().join("roster");
    std::fs::create_dir_all(&roster).expect("roster");
    std::fs::copy(fixture("correct.sh"), roster.join("correct.sh")).expect("copy");
    let out_dir = work.path().join("out");
    // A network that is not the grading's holds an overlapping range.
    docker(&[
        "network",
        "create",
        "--subnet",
        "10.251.17.0/25",
        "lrsub-holder",
    ]);
    let mut cmd = labrunner(&home);
    cmd.arg("grade")
        .arg(fixture("fixed-subnet.yaml"))
        .arg("--submissions")
        .arg(&roster)
        .arg("--out-dir")
        .arg(&out_dir)
        .args(["--format", "json,text", "--namespace", "lrsubh"]);
    let out = run(cmd);
    docker_quiet(&["network", "rm", "lrsub-holder"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "some student could not be graded"
    );
    let rows = gradebook(&out_dir);
    let row = &rows[0];
    assert_eq!(row["student"], "correct");
    assert_eq!(
        (row["score"].as_str(), row["status"].as_str()),
        ("", "error"),
        "{}",
        row["error"]
    );
    let error = &row["error"];
    assert!(
        error.contains("not the student's failure")
            && error.contains("10.251.17.0/24 overlaps a network outside this grading")
            && error.contains("Pool overlaps")
            && error.contains("graded 2 times"),
        "{error}"
    );
    let text = read(&out_dir.join("correct.txt"));
    assert!(text.contains("overlaps a network outside"), "{text}");

    // Two networks of one submission that overlap: the submission's own conflict, graded.
    let mut cmd = labrunner(&home);
    cmd.arg("grade")
        .arg(fixture("fixed-subnet.yaml"))
        .arg("--submission")
        .arg(fixture("own-conflict.sh"))
        .args(["--namespace", "lrsubh-own", "--format", "json"]);
    let own = run(cmd);
    assert_eq!(own.status.code(), Some(1), "graded, checks failed");
    let report: serde_json::Value = serde_json::from_slice(&own.stdout).expect("json report");
    assert_eq!(report["commands"][0]["outcome"], "ran");
    assert_eq!(report["commands"][1]["outcome"], "failed");
    let detail = report["commands"][1]["detail"].as_str().unwrap_or("");
    assert!(detail.contains("Pool overlaps"), "{detail}");
    assert_eq!(report["score"], 0);
    assert_eq!(
        networks("lrsubh"),
        Vec::<String>::new(),
        "nothing left behind"
    );
}
