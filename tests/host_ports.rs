//! Fixed host ports on the real daemon: a class of a lab that publishes `127.0.0.1:21190-21191`,
//! graded at the default `--jobs`, scores every correct student full marks even while another
//! process holds the lab's port; a student who publishes the wrong port fails the check; with
//! ports published as written, a port held outside the grading makes the student `error`, with
//! the cause in the gradebook, never `failed`.
//!
//! Gradings run under the `kp` namespace prefixes and the lab id `kp-fixed-ports`; the host
//! ports held here are 21190-21191 on 127.0.0.1.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{docker, docker_available, docker_quiet, labrunner};

const LAB_ID: &str = "kp-fixed-ports";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ports")
        .join(name)
}

fn grade_class(home: &Path, roster: &Path, out: &Path, extra: &[&str]) -> Command {
    let mut cmd = labrunner(home);
    cmd.arg("grade")
        .arg(fixture("fixed-range.yaml"))
        .arg("--submissions")
        .arg(roster)
        .arg("--out-dir")
        .arg(out)
        .args(["--format", "json,text"])
        .args(extra);
    cmd
}

fn run(mut cmd: Command) -> Output {
    let out = cmd.output().expect("labrunner runs");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The gradebook's rows: student -> (score, status, error).
fn gradebook(out: &Path) -> Vec<(String, String, String, String)> {
    let text = read(&out.join("gradebook.csv"));
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(
        header,
        ["student", "score", "max", "step:publish", "status", "error"]
    );
    reader
        .records()
        .map(|r| {
            let r = r.expect("row");
            (
                r[0].to_string(),
                r[1].to_string(),
                r[4].to_string(),
                r[5].to_string(),
            )
        })
        .collect()
}

/// What the gradings under namespace prefix `prefix` left on the daemon.
fn leftovers(prefix: &str) -> Vec<String> {
    let filter = format!("label=io.labrunner.lab={LAB_ID}");
    let mut left = docker(&["ps", "-a", "--format", "{{.Names}}", "--filter", &filter]);
    left.push_str(&docker(&["ps", "-a", "--format", "{{.Names}}"]));
    let mut names: Vec<String> = left
        .lines()
        .filter(|n| n.starts_with(&format!("{prefix}-")))
        .map(str::to_string)
        .collect();
    names.sort();
    names.dedup();
    names
}

fn purge(prefix: &str) {
    for name in leftovers(prefix) {
        docker_quiet(&["rm", "-f", &name]);
    }
}

/// Copy the roster fixtures whose names start with one of `kinds`.
fn roster(dir: &Path, kinds: &[&str]) {
    std::fs::create_dir_all(dir).expect("roster dir");
    for entry in std::fs::read_dir(fixture("class")).expect("fixtures") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if kinds.iter().any(|k| name.starts_with(k)) {
            std::fs::copy(&path, dir.join(name)).expect("copy");
        }
    }
}

#[test]
fn a_class_of_a_fixed_port_lab_scores_every_correct_student_in_parallel() {
    if !docker_available() {
        return;
    }
    purge("kpc");
    // Something outside labrunner holds the lab's first port all along: translated gradings
    // never ask for it.
    let held = TcpListener::bind("127.0.0.1:21190").ok();
    let work = tempfile::tempdir().expect("temp dir");
    let home = work.path().join("home");
    let roster_dir = work.path().join("roster");
    roster(&roster_dir, &["correct", "wrong", "empty"]);
    let out_dir = work.path().join("out");
    let out = run(grade_class(
        &home,
        &roster_dir,
        &out_dir,
        &["--namespace", "kpc"],
    ));
    drop(held);
    assert_eq!(out.status.code(), Some(0), "every student was graded");
    let rows = gradebook(&out_dir);
    assert_eq!(rows.len(), 6);
    for (student, score, status, error) in &rows {
        let expected = if student.starts_with("correct") {
            ("5", "passed")
        } else {
            ("0", "failed")
        };
        assert_eq!(
            (score.as_str(), status.as_str()),
            expected,
            "{student}: {error}"
        );
        assert!(error.is_empty(), "{student}: {error}");
    }

    // The report shows the lab's ports, and `docker port` printed them too.
    let report: serde_json::Value =
        serde_json::from_str(&read(&out_dir.join("correct-range.json"))).expect("json");
    let evidence = report["steps"][0]["checks"][0]["evidence"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        evidence.contains("8000/tcp -> 127.0.0.1:21190") && evidence.contains("answered"),
        "{evidence}"
    );
    let port_output = report["commands"][1]["detail"].as_str().unwrap_or("");
    assert!(
        port_output.contains("8000/tcp -> 127.0.0.1:21190")
            && port_output.contains("8001/tcp -> 127.0.0.1:21191"),
        "{port_output}"
    );
    // So did `docker inspect`, in what the daemon bound and in what was asked for.
    let report: serde_json::Value =
        serde_json::from_str(&read(&out_dir.join("correct-create-start.json"))).expect("json");
    let inspect = report["commands"][2]["detail"].as_str().unwrap_or("");
    assert_eq!(
        inspect.matches(r#""HostPort":"21190""#).count(),
        2,
        "{inspect}"
    );
    assert_eq!(
        inspect.matches(r#""HostPort":"21191""#).count(),
        2,
        "{inspect}"
    );
    // The wrong port is shown as the student wrote it, and fails.
    let wrong: serde_json::Value =
        serde_json::from_str(&read(&out_dir.join("wrong-port.json"))).expect("json");
    let evidence = wrong["steps"][0]["checks"][0]["evidence"]
        .as_str()
        .unwrap_or("");
    assert!(evidence.contains("127.0.0.1:21192"), "{evidence}");
    assert_eq!(wrong["steps"][0]["checks"][0]["status"], "failed");
    assert_eq!(
        leftovers("kpc"),
        Vec::<String>::new(),
        "nothing left behind"
    );
}

#[test]
fn a_port_held_outside_the_grading_is_an_error_not_a_failure() {
    if !docker_available() {
        return;
    }
    purge("kph");
    let work = tempfile::tempdir().expect("temp dir");
    let home = work.path().join("home");
    let roster_dir = work.path().join("roster");
    roster(&roster_dir, &["correct-range"]);
    let out_dir = work.path().join("out");
    // Published as written, the lab's second port is held by a process that is not labrunner.
    let held = TcpListener::bind("127.0.0.1:21191").expect("port 21191 is free for the test");
    let out = run(grade_class(
        &home,
        &roster_dir,
        &out_dir,
        &["--namespace", "kph", "--host-ports", "as-written"],
    ));
    drop(held);
    assert_eq!(
        out.status.code(),
        Some(1),
        "some student could not be graded"
    );
    let rows = gradebook(&out_dir);
    let (student, score, status, error) = &rows[0];
    assert_eq!(student, "correct-range");
    assert_eq!((score.as_str(), status.as_str()), ("", "error"), "{error}");
    assert!(
        error.contains("not the student's failure")
            && error.contains("held by something outside this grading")
            && error.contains("127.0.0.1:2119")
            && error.contains("graded 2 times"),
        "{error}"
    );
    let text = read(&out_dir.join("correct-range.txt"));
    assert!(text.contains("held by something outside"), "{text}");

    // The same student graded alone: could not grade (exit 2), the cause on standard error.
    let mut cmd = labrunner(&home);
    cmd.arg("grade")
        .arg(fixture("fixed-range.yaml"))
        .arg("--submission")
        .arg(roster_dir.join("correct-range.sh"))
        .args(["--namespace", "kph-single", "--host-ports", "as-written"]);
    let held = TcpListener::bind("127.0.0.1:21191").expect("port 21191 is free again");
    let single = run(cmd);
    drop(held);
    let stderr = String::from_utf8_lossy(&single.stderr);
    assert_eq!(single.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("held by something outside"), "{stderr}");
    let report = String::from_utf8_lossy(&single.stdout);
    assert!(report.contains("held by something outside"), "{report}");

    // A port the submission's own container holds is the submission's conflict: graded.
    let mut cmd = labrunner(&home);
    cmd.arg("grade")
        .arg(fixture("fixed-range.yaml"))
        .arg("--submission")
        .arg(fixture("own-conflict.sh"))
        .args(["--namespace", "kph-own", "--host-ports", "as-written"])
        .args(["--format", "json"]);
    let own = run(cmd);
    assert_eq!(own.status.code(), Some(1), "graded, checks failed");
    let report: serde_json::Value = serde_json::from_slice(&own.stdout).expect("json report");
    assert_eq!(report["commands"][0]["outcome"], "ran");
    assert_eq!(report["commands"][1]["outcome"], "failed");
    let detail = report["commands"][1]["detail"].as_str().unwrap_or("");
    assert!(detail.contains("port is already allocated"), "{detail}");
    assert_eq!(
        leftovers("kph"),
        Vec::<String>::new(),
        "nothing left behind"
    );
}
