//! Runs that share one daemon and stay out of each other's way: nested namespaces graded at
//! once, one namespace claimed by one live run at a time, and `clean` beside live gradings.
//!
//! Everything here is named under `lrrun-<pid>` (namespaces) or `lrrun-` (objects made by
//! hand), and graded with the `gx-` fixture lab of tests/grade.rs.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{docker, docker_available, docker_quiet, labrunner};
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/grade")
        .join(name)
}

/// A namespace of this test process: `lrrun-<pid>-<tag>`.
fn namespace(tag: &str) -> String {
    format!("lrrun-{}-{tag}", std::process::id())
}

/// A submission file: the correct fixture submission, then `tail`.
fn submission(dir: &Path, name: &str, tail: &str) -> PathBuf {
    let correct = std::fs::read_to_string(fixture("correct.sh")).expect("fixture");
    let path = dir.join(name);
    std::fs::write(&path, format!("{correct}\n{tail}\n")).expect("write submission");
    path
}

/// `labrunner grade` of the fixture lab replaying `sub` in namespace `ns`, started now.
fn start_grading(home: &Path, ns: &str, sub: &Path) -> Child {
    labrunner(home)
        .arg("grade")
        .arg(fixture("storage.yaml"))
        .args(["--namespace", ns, "--format", "json", "--submission"])
        .arg(sub)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start labrunner")
}

fn report(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "grade printed no JSON report ({e})\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Everything carrying run label `ns` or a name in `ns`, as `kind name`.
fn leftovers(ns: &str) -> Vec<String> {
    let mut left = Vec::new();
    for filter in [
        format!("label=io.labrunner.run={ns}"),
        format!("name={ns}--"),
    ] {
        for (kind, args) in [
            (
                "container",
                ["ps", "-a", "--format", "{{.Names}}"].as_slice(),
            ),
            (
                "network",
                ["network", "ls", "--format", "{{.Name}}"].as_slice(),
            ),
            (
                "volume",
                ["volume", "ls", "--format", "{{.Name}}"].as_slice(),
            ),
        ] {
            let mut args = args.to_vec();
            args.extend(["--filter", filter.as_str()]);
            left.extend(docker(&args).lines().map(|n| format!("{kind} {n}")));
        }
    }
    left.sort();
    left.dedup();
    left
}

/// Remove whatever a grading in `ns` could have left (names of this test only).
fn purge(ns: &str) {
    assert!(ns.starts_with("lrrun-"));
    for line in leftovers(ns) {
        let (kind, name) = line.split_once(' ').expect("kind name");
        match kind {
            "container" => docker_quiet(&["rm", "-f", name]),
            "network" => docker_quiet(&["network", "rm", name]),
            _ => docker_quiet(&["volume", "rm", "-f", name]),
        }
    }
}

fn wait_running(container: &str, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        let out = Command::new("docker")
            .args(["inspect", "--format", "{{.State.Running}}", container])
            .output()
            .expect("docker runs");
        if String::from_utf8_lossy(&out.stdout).trim() == "true" {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// A grading under `N` and one under `N-x` at once (the closest two namespaces can be): the
/// one under `N` names the other's objects every way a student could (`x-NAME`, `x--NAME`,
/// the full name, `/NAME`, a volume, `container:`), reaches none of them, and both score full
/// marks.
#[test]
fn nested_namespaces_at_once_never_touch_each_other() {
    if !docker_available() {
        return;
    }
    let outer = namespace("n");
    let inner = format!("{outer}-x");
    purge(&outer);
    purge(&inner);
    let dir = tempfile::tempdir().expect("temp dir");
    let home = tempfile::tempdir().expect("temp home");
    // The inner grading holds its objects for a while after building them.
    let held = submission(dir.path(), "inner.sh", "docker run --rm alpine sleep 15");
    let full = format!("{inner}--gx-writer");
    // Each line, and what becomes of it: the names reach nothing of the inner grading's.
    let attacks = [
        (
            "docker exec x-gx-writer cat /data/ledger.txt".to_string(),
            "failed",
        ),
        (
            "docker exec x--gx-writer cat /data/ledger.txt".to_string(),
            "failed",
        ),
        (format!("docker exec {full} cat /data/ledger.txt"), "failed"),
        (format!("docker inspect /{full}"), "failed"),
        ("docker inspect x-gx-writer".to_string(), "failed"),
        (
            "docker run --rm --network container:x-gx-writer alpine true".to_string(),
            "failed",
        ),
        ("docker rm -f x-gx-writer x-gx-reader".to_string(), "failed"),
        // `-f`: a volume that is not there is no error.
        ("docker volume rm -f x-gx-store".to_string(), "ran"),
        ("docker network rm x-gx-app-net".to_string(), "failed"),
        // Into a volume of the outer grading's own.
        (
            "docker run --rm -v x-gx-store:/d alpine sh -c \"echo pwned > /d/ledger.txt\""
                .to_string(),
            "ran",
        ),
    ];
    let lines: Vec<&str> = attacks.iter().map(|(line, _)| line.as_str()).collect();
    let attacker = submission(dir.path(), "outer.sh", &lines.join("\n"));

    let inner_run = start_grading(home.path(), &inner, &held);
    assert!(
        wait_running(&full, Duration::from_secs(60)),
        "the inner grading's writer never ran"
    );
    let out = start_grading(home.path(), &outer, &attacker)
        .wait_with_output()
        .expect("outer grading");
    let r = report(&out);

    // The inner grading is still at work, untouched.
    let still = docker(&["exec", &full, "cat", "/data/ledger.txt"]);
    assert_eq!(still.trim(), "entry-1", "the inner grading's data changed");
    assert_eq!(
        docker(&["inspect", "--format", "{{.State.Running}}", &full]).trim(),
        "true",
        "the inner grading must outlive the outer one for this test to mean anything"
    );
    assert_eq!(r["score"], 8, "{r:#}");
    let commands = r["commands"].as_array().expect("commands");
    let outcomes: Vec<(&str, &str)> = commands[3..]
        .iter()
        .map(|c| {
            (
                c["command"].as_str().unwrap_or(""),
                c["outcome"].as_str().unwrap_or(""),
            )
        })
        .collect();
    let expected: Vec<(&str, &str)> = attacks.iter().map(|(l, o)| (l.as_str(), *o)).collect();
    assert_eq!(outcomes, expected, "{r:#}");
    assert_eq!(leftovers(&outer), Vec::<String>::new());

    let out = inner_run.wait_with_output().expect("inner grading");
    let r = report(&out);
    assert_eq!(r["score"], 8, "{r:#}");
    assert_eq!(leftovers(&inner), Vec::<String>::new());
}
