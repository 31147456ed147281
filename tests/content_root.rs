//! The content root is the root: `--root DIR` (before or after the command's name) and
//! `LABRUNNER_ROOT` choose the labs of every command that reads labs, here a course folder whose
//! lab shares its id with a shipped one but is another lab (one step, 20 points, where the
//! shipped lab has 11). Beside it, a lab file that is not valid: it fails alone.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{docker_available, labrunner};
use serde_json::Value;

/// The course's own `volume-persistence`: one step, one check worth 20 points.
const COURSE_LAB: &str = r#"format: 1
id: volume-persistence
title: The course's own volume lab
lesson: MOD-DOCKER-04
difficulty: beginner
minutes: 5
resources:
  volumes: [course-store]
steps:
  - id: create-volume
    title: Create the volume
    instructions: Create a volume named course-store.
    solution:
      - docker volume create course-store
    checks:
      - volume: { name: course-store }
        points: 20
"#;

/// Not a lab: no such difficulty (line 5).
const BROKEN_LAB: &str = r#"format: 1
id: broken-beside
title: Broken beside
lesson: MOD-DOCKER-04
difficulty: impossible
minutes: 5
resources:
  networks: [beside-net]
steps:
  - id: create-network
    title: A step
    instructions: Do the thing.
    solution:
      - docker network create beside-net
    checks:
      - network: { name: beside-net }
"#;

struct Course {
    _dir: tempfile::TempDir,
    root: PathBuf,
    home: tempfile::TempDir,
}

fn course() -> Course {
    let dir = tempfile::tempdir().expect("temp course");
    let root = dir.path().join("course");
    let labs = root.join("labs/MOD-DOCKER-04");
    std::fs::create_dir_all(&labs).expect("labs folder");
    std::fs::write(labs.join("volume-persistence.yaml"), COURSE_LAB).expect("course lab");
    std::fs::write(labs.join("broken.yaml"), BROKEN_LAB).expect("broken lab");
    Course {
        _dir: dir,
        root,
        home: tempfile::tempdir().expect("temp home"),
    }
}

/// The three ways to name the root.
#[derive(Debug, Clone, Copy)]
enum Root {
    Before,
    After,
    Env,
}

const ROOTS: [Root; 3] = [Root::Before, Root::After, Root::Env];

/// `labrunner [--root R] SUBCOMMAND [--root R] ARGS`, with the root named the way `how` says,
/// run from a folder that is no course (so nothing but the root can point at the course).
fn run(c: &Course, how: Root, subcommand: &str, args: &[&str]) -> Output {
    let mut cmd: Command = labrunner(c.home.path());
    cmd.env_remove("LABRUNNER_ROOT").current_dir(c.home.path());
    let root = c.root.to_str().expect("utf-8 path");
    match how {
        Root::Before => cmd.args(["--root", root, subcommand]).args(args),
        Root::After => cmd.arg(subcommand).args(["--root", root]).args(args),
        Root::Env => cmd.env("LABRUNNER_ROOT", root).arg(subcommand).args(args),
    };
    cmd.output().expect("run labrunner")
}

fn text(out: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn submission(dir: &Path, lines: &str) -> PathBuf {
    let path = dir.join("commands.sh");
    std::fs::write(&path, lines).expect("submission");
    path
}

#[test]
fn grade_by_id_grades_the_courses_lab_beside_a_broken_one() {
    if !docker_available() {
        return;
    }
    let c = course();
    let sub = submission(c.home.path(), "docker volume create course-store\n");
    for how in ROOTS {
        let out = run(
            &c,
            how,
            "grade",
            &[
                "volume-persistence",
                "--submission",
                sub.to_str().expect("utf-8 path"),
                "--format",
                "json",
            ],
        );
        let report: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{how:?}: no JSON report ({e})\n{}", text(&out)));
        assert_eq!(
            report["lab_title"], "The course's own volume lab",
            "{how:?}"
        );
        assert_eq!(
            (report["score"].as_u64(), report["max_score"].as_u64()),
            (Some(20), Some(20)),
            "{how:?}: {}",
            text(&out)
        );
        assert_eq!(out.status.code(), Some(0), "{how:?}: {}", text(&out));
    }
}

#[test]
fn grading_the_broken_lab_by_id_names_its_errors() {
    let c = course();
    let out = run(&c, Root::Before, "grade", &["broken-beside"]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(all.contains("broken.yaml is not a valid lab"), "{all}");
    assert!(all.contains("broken.yaml:5:"), "file:line:column: {all}");
}

#[test]
fn validate_checks_the_courses_labs_and_goes_on_past_the_broken_one() {
    let c = course();
    for how in ROOTS {
        let out = run(&c, how, "validate", &[]);
        let all = text(&out);
        assert_eq!(out.status.code(), Some(1), "{how:?}: {all}");
        assert!(
            all.contains(&format!(
                "{}:5:",
                c.root.join("labs/MOD-DOCKER-04/broken.yaml").display()
            )),
            "{how:?}: the broken lab at file:line:column: {all}"
        );
        assert!(
            all.contains("2 files, 1 error"),
            "{how:?}: both course labs, nothing shipped: {all}"
        );
    }
}

#[test]
fn test_proves_the_courses_labs_and_the_broken_one_fails_alone() {
    if !docker_available() {
        return;
    }
    let c = course();
    for how in ROOTS {
        let out = run(&c, how, "test", &["--isolate"]);
        let all = text(&out);
        assert_eq!(out.status.code(), Some(1), "{how:?}: {all}");
        assert!(
            all.contains(&format!(
                "lab volume-persistence ({}",
                c.root
                    .join("labs/MOD-DOCKER-04/volume-persistence.yaml")
                    .display()
            )),
            "{how:?}: the course's lab is tested: {all}"
        );
        assert!(all.contains("PASS volume-persistence"), "{how:?}: {all}");
        assert!(
            all.contains("broken.yaml:5:") && all.contains("FAIL "),
            "{how:?}: the broken lab is reported with its position: {all}"
        );
        assert!(all.contains("1 passed, 1 failed"), "{how:?}: {all}");
    }
}

#[test]
fn test_json_lists_the_broken_lab_as_failed() {
    if !docker_available() {
        return;
    }
    let c = course();
    let out = run(&c, Root::After, "test", &["--isolate", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let results: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e})\n{}", text(&out)));
    let by_lab = |id: &str| {
        results
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["lab"] == id)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(by_lab("volume-persistence")["ok"], true, "{results}");
    let broken = by_lab("broken-beside");
    assert_eq!(broken["ok"], false, "{results}");
    assert!(
        broken["error"]
            .as_str()
            .is_some_and(|e| e.contains("broken.yaml:5:")),
        "{results}"
    );
}

#[test]
fn lab_and_watch_look_ids_up_under_the_root() {
    let c = course();
    for how in ROOTS {
        let out = run(&c, how, "watch", &["no-such-lab"]);
        let all = text(&out);
        assert_eq!(out.status.code(), Some(2), "{how:?}: {all}");
        assert!(
            all.contains(&c.root.join("labs").display().to_string()),
            "{how:?}: {all}"
        );
        let out = run(&c, how, "lab", &["no-such-lab"]);
        let all = text(&out);
        assert_eq!(out.status.code(), Some(2), "{how:?}: {all}");
        assert!(
            all.contains(&c.root.display().to_string()) && all.contains("volume-persistence"),
            "{how:?}: {all}"
        );
    }
}

#[test]
fn a_root_given_to_a_command_that_reads_no_labs_is_refused_not_ignored() {
    let c = course();
    for how in [Root::Before, Root::After] {
        for sub in ["schema", "clean"] {
            let out = run(&c, how, sub, &[]);
            let all = text(&out);
            assert_eq!(out.status.code(), Some(2), "{how:?} {sub}: {all}");
            assert!(
                all.contains(&format!(
                    "--root: `labrunner {sub}` reads no labs or lessons"
                )),
                "{how:?} {sub}: {all}"
            );
        }
    }
    // From the environment it is a setting for the commands that read labs: schema still runs.
    let out = run(&c, Root::Env, "schema", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}
