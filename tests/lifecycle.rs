//! `docker restart`, `kill`, `pause`/`unpause` and `run --read-only` on the real daemon: the
//! fixture lab whose steps use them passes `labrunner test`, a submission using them scores
//! full marks, and one that uses the wrong verbs gets nothing for those steps.

mod common;

use std::path::{Path, PathBuf};

use common::{docker, docker_available, docker_quiet, labrunner};
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/lifecycle")
        .join(name)
}

/// A namespace of this test process, so that runs side by side do not meet.
fn namespace(what: &str) -> String {
    format!("lx-{}-{what}", std::process::id())
}

fn left(ns: &str) -> String {
    let label = format!("label=io.labrunner.run={ns}");
    docker(&["ps", "-aq", "--filter", &label])
}

fn purge(ns: &str) {
    for id in left(ns).split_whitespace() {
        docker_quiet(&["rm", "-f", id]);
    }
}

/// (step id, score, max score) of a graded submission, and the report.
fn grade(what: &str) -> (Vec<(String, u64, u64)>, Value) {
    let ns = namespace(what);
    let home = tempfile::tempdir().expect("home");
    let out = labrunner(home.path())
        .arg("grade")
        .arg(fixture("lifecycle.yaml"))
        .args(["--namespace", &ns, "--format", "json", "--submission"])
        .arg(fixture(&format!("{what}.sh")))
        .output()
        .expect("grade");
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no report ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    let leftover = left(&ns);
    purge(&ns);
    assert!(leftover.trim().is_empty(), "{what} left {leftover}");
    let steps = report["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            let sum = |key: &str| {
                s["checks"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| c[key].as_u64().unwrap_or(0))
                    .sum::<u64>()
            };
            (
                s["id"].as_str().unwrap_or("").to_string(),
                sum("score"),
                sum("max_score"),
            )
        })
        .collect();
    (steps, report)
}

#[test]
fn the_lifecycle_lab_passes_test() {
    if !docker_available() {
        return;
    }
    let home = tempfile::tempdir().expect("home");
    let out = labrunner(home.path())
        .args(["test", "--isolate"])
        .arg(fixture("lifecycle.yaml"))
        .output()
        .expect("test");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("1 passed, 0 failed"), "{text}");
}

#[test]
fn restart_kill_pause_and_read_only_are_graded() {
    if !docker_available() {
        return;
    }
    let (steps, report) = grade("correct");
    assert_eq!(report["score"], report["max_score"], "{steps:?}");
    assert_eq!(report["score"], 12);
    for c in report["commands"].as_array().expect("commands") {
        assert_eq!(c["outcome"], "ran", "{c}");
    }
    let outputs: Vec<&str> = report["commands"]
        .as_array()
        .into_iter()
        .flatten()
        .skip(1)
        .map(|c| c["detail"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        outputs, ["lx-web"; 4],
        "each verb prints the name it was given"
    );

    // Never paused, stopped rather than killed: nothing for those steps.
    let (steps, report) = grade("wrong");
    let wrong: Vec<(&str, u64)> = steps.iter().map(|(id, s, _)| (id.as_str(), *s)).collect();
    assert_eq!(
        wrong,
        [
            ("read-only", 4),
            ("pause", 0),
            ("unpause", 0),
            ("kill", 0),
            ("restart", 0)
        ]
    );
    let unpause = &report["commands"][1];
    assert_eq!(unpause["outcome"], "failed");
    assert!(
        unpause["detail"]
            .as_str()
            .unwrap_or("")
            .contains("is not paused"),
        "{unpause}"
    );

    // A writable root: the read-only check fails.
    let (steps, _) = grade("writable");
    assert_eq!(steps[0], ("read-only".to_string(), 2, 4));
    assert!(steps[1..].iter().all(|(_, s, _)| *s == 0), "{steps:?}");
}

#[test]
fn the_sandbox_guard_leaves_a_paused_container_paused_and_guards_a_restart() {
    if !docker_available() {
        return;
    }
    let (_, report) = grade("bind");
    let commands = report["commands"].as_array().expect("commands");
    let outcomes: Vec<(&str, &str)> = commands
        .iter()
        .map(|c| {
            (
                c["outcome"].as_str().unwrap_or(""),
                c["detail"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(outcomes.iter().all(|(o, _)| *o == "ran"), "{outcomes:?}");
    assert_eq!(outcomes[3].1, "paused", "{outcomes:?}");
    assert_eq!(outcomes[7].1, "running", "{outcomes:?}");
    assert_eq!(report["score"], report["max_score"], "{outcomes:?}");
}
