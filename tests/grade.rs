//! `labrunner grade` against the real Docker daemon: replayed submissions (correct, wrong,
//! malicious), current-state grading, many gradings at once, and the student's own resources.
//!
//! Every grading here runs in a `gx-` namespace, and the fixture lab's own names start with
//! `gx-`, so nothing outside this test's names is ever created or removed.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{docker, docker_available, docker_quiet, events_since, labrunner};
use serde_json::Value;

const LAB_NETWORK: &str = "gx-app-net";
const LAB_VOLUME: &str = "gx-store";
const LAB_CONTAINERS: &[&str] = &["gx-writer", "gx-reader"];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/grade")
        .join(name)
}

/// Remove everything a grading in namespace `ns` could have left (only `gx-` names).
fn purge(ns: &str) {
    assert!(ns.starts_with("gx-"), "tests only touch gx- resources");
    let label = format!("label=io.labrunner.run={ns}");
    for id in docker(&["ps", "-aq", "--filter", &label]).split_whitespace() {
        docker_quiet(&["rm", "-f", id]);
    }
    for c in LAB_CONTAINERS.iter().chain(&["gx-bomb", "gx-sleeper"]) {
        docker_quiet(&["rm", "-f", &format!("{ns}--{c}")]);
    }
    for n in docker(&["network", "ls", "-q", "--filter", &label]).split_whitespace() {
        docker_quiet(&["network", "rm", n]);
    }
    for n in [LAB_NETWORK, "gx-other-net"] {
        docker_quiet(&["network", "rm", &format!("{ns}--{n}")]);
    }
    for v in docker(&["volume", "ls", "-q", "--filter", &label]).split_whitespace() {
        docker_quiet(&["volume", "rm", "-f", v]);
    }
    docker_quiet(&["volume", "rm", "-f", &format!("{ns}--{LAB_VOLUME}")]);
}

/// What a grading in namespace `ns` left behind: labelled resources, or any name in it.
fn leftovers(ns: &str) -> Vec<String> {
    let label = format!("label=io.labrunner.run={ns}");
    let name = format!("name={ns}-");
    let mut left = Vec::new();
    for filter in [&label, &name] {
        left.extend(
            docker(&[
                "ps",
                "-a",
                "--format",
                "container {{.Names}}",
                "--filter",
                filter,
            ])
            .lines()
            .map(str::to_string),
        );
        left.extend(
            docker(&[
                "network",
                "ls",
                "--format",
                "network {{.Name}}",
                "--filter",
                filter,
            ])
            .lines()
            .map(str::to_string),
        );
        left.extend(
            docker(&[
                "volume",
                "ls",
                "--format",
                "volume {{.Name}}",
                "--filter",
                filter,
            ])
            .lines()
            .map(str::to_string),
        );
    }
    left.sort();
    left.dedup();
    left
}

/// `labrunner grade` for the fixture lab in namespace `ns`, with extra arguments.
fn grade_cmd(home: &Path, ns: &str, extra: &[&str]) -> Command {
    let mut cmd = labrunner(home);
    cmd.arg("grade")
        .arg(fixture("storage.yaml"))
        .args(["--namespace", ns, "--format", "json"])
        .args(extra);
    cmd
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

/// Points per check, as `step/index -> (score, max)`.
fn scores(r: &Value) -> Vec<(String, u64, u64)> {
    let mut out = Vec::new();
    for step in r["steps"].as_array().into_iter().flatten() {
        for (i, c) in step["checks"].as_array().into_iter().flatten().enumerate() {
            out.push((
                format!("{}/{i}", step["id"].as_str().unwrap_or("")),
                c["score"].as_u64().unwrap_or(0),
                c["max_score"].as_u64().unwrap_or(0),
            ));
        }
    }
    out
}

fn credited(r: &Value) -> Vec<String> {
    r["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["credited"] == true)
        .map(|s| s["id"].as_str().unwrap_or("").to_string())
        .collect()
}

/// Replay a fixture submission in its own namespace and return (exit code, report).
fn replay(ns: &str, submission: &str, extra: &[&str]) -> (Option<i32>, Value, Output) {
    replay_file(ns, &fixture(submission), extra)
}

fn replay_file(ns: &str, sub: &Path, extra: &[&str]) -> (Option<i32>, Value, Output) {
    purge(ns);
    let home = tempfile::tempdir().expect("temp home");
    let mut args = vec!["--submission", sub.to_str().expect("utf-8 path")];
    args.extend_from_slice(extra);
    let out = grade_cmd(home.path(), ns, &args)
        .output()
        .expect("run labrunner");
    let r = report(&out);
    (out.status.code(), r, out)
}

#[test]
fn a_correct_submission_scores_full_marks_and_leaves_nothing() {
    if !docker_available() {
        return;
    }
    let ns = "gx-ok";
    let (code, r, out) = replay(ns, "correct.sh", &[]);
    assert_eq!(
        code,
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(r["score"], 8, "{r:#}");
    assert_eq!(r["max_score"], 8);
    assert_eq!(credited(&r), ["network", "writer", "reader"]);
    assert_eq!(r["namespace"], ns);
    assert_eq!(r["refused"], serde_json::json!([]));
    // Each step was credited right after the command that completed it (the writer's file may
    // take a moment, so it may be credited one command later).
    let commands = r["commands"].as_array().expect("commands");
    assert_eq!(commands.len(), 3);
    assert_eq!(commands[0]["line"], 2);
    assert_eq!(commands[0]["credited"], serde_json::json!(["network"]));
    assert_eq!(
        commands[1]["line"], 4,
        "continuation lines join into the command on line 4"
    );
    assert_eq!(commands[2]["line"], 7);
    assert!(
        commands.iter().all(|c| c["outcome"] == "ran"),
        "{commands:#?}"
    );
    // Evidence names the lab's resources, not the namespaced ones.
    let text = r.to_string();
    assert!(
        !text.contains("gx-ok--gx-"),
        "namespace shown in evidence: {text}"
    );
    assert_eq!(leftovers(ns), Vec::<String>::new());
}

#[test]
fn wrong_submissions_lose_exactly_the_points_of_what_they_got_wrong() {
    if !docker_available() {
        return;
    }
    // The ledger has the wrong content: the writer step is not credited, so the reader step,
    // though it would pass, earns nothing (steps are credited in order; nothing counts for a
    // step whose predecessors are not done).
    let (code, r, _) = replay("gx-wc", "wrong-content.sh", &[]);
    assert_eq!(code, Some(1));
    assert_eq!(r["score"], 3, "{r:#}");
    assert_eq!(
        scores(&r),
        [
            ("network/0".to_string(), 2, 2),
            ("writer/0".into(), 1, 1),
            ("writer/1".into(), 0, 3),
            ("reader/0".into(), 0, 2)
        ]
    );
    assert_eq!(credited(&r), ["network"]);
    let evidence = r["steps"][1]["checks"][1]["evidence"]
        .as_str()
        .unwrap_or("");
    assert!(
        evidence.contains("oops"),
        "evidence shows what was found: {evidence}"
    );
    assert_eq!(leftovers("gx-wc"), Vec::<String>::new());

    // The network has the wrong name: the first step is never done, so nothing counts.
    let (code, r, _) = replay("gx-wn", "wrong-network.sh", &[]);
    assert_eq!(code, Some(1));
    assert_eq!(r["score"], 0, "{r:#}");
    assert_eq!(scores(&r)[0], ("network/0".to_string(), 0, 2));
    assert_eq!(credited(&r), Vec::<String>::new());
    let evidence = r["steps"][0]["checks"][0]["evidence"]
        .as_str()
        .unwrap_or("");
    assert!(
        evidence.contains("no network named gx-app-net"),
        "evidence: {evidence}"
    );
    assert_eq!(leftovers("gx-wn"), Vec::<String>::new());
}

/// A submission written to a file of its own, replayed in namespace `ns`.
fn replay_text(ns: &str, submission: &str) -> (Option<i32>, Value, Output) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("submission.sh");
    std::fs::write(&file, submission).expect("write the submission");
    replay_file(ns, &file, &[])
}

/// The evidence of the writer step's file check, and its points.
fn ledger_check(r: &Value) -> (String, u64) {
    let check = &r["steps"][1]["checks"][1];
    (
        check["evidence"].as_str().unwrap_or("").to_string(),
        check["score"].as_u64().unwrap_or(0),
    )
}

#[test]
fn a_volume_the_grading_just_created_is_known_empty_without_a_reader() {
    if !docker_available() {
        return;
    }
    // Just created, given to no container: empty without a reader container (the writer step
    // is evaluated from line 2 on, once the network step is done).
    let ns = "gx-ke";
    let since = chrono::Utc::now().timestamp();
    let (code, r, _) = replay_text(
        ns,
        "docker volume create gx-store\ndocker network create gx-app-net\n",
    );
    assert_eq!(code, Some(1));
    let (evidence, score) = ledger_check(&r);
    assert!(evidence.contains("no file ledger.txt"), "{evidence}");
    assert_eq!(score, 0);
    let run = format!("label=io.labrunner.run={ns}");
    let readers = events_since(
        since,
        &["event=create", "label=io.labrunner.role=check", &run],
    );
    assert_eq!(readers.trim(), "", "a reader was created for a new volume");
    assert_eq!(leftovers(ns), Vec::<String>::new());
}

#[test]
fn a_malicious_submission_is_refused_or_contained_with_reasons() {
    if !docker_available() {
        return;
    }
    let ns = "gx-mal";
    purge(ns);
    let home = tempfile::tempdir().expect("temp home");
    let sub = fixture("malicious.sh");
    let child = grade_cmd(
        home.path(),
        ns,
        &[
            "--submission",
            sub.to_str().expect("utf-8"),
            "--command-timeout",
            "6",
            "--pids-limit",
            "40",
            "--memory-mib",
            "64",
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("start labrunner");

    // While the endless foreground sleep holds the grading, the fork bomb has run into the
    // grading's process limit: the shell could not fork any more and gave up.
    let bomb = format!("{ns}--gx-bomb");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = None;
    while Instant::now() < deadline && seen.is_none() {
        let out = Command::new("docker")
            .args([
                "inspect",
                "--format",
                "{{.State.Status}} {{.HostConfig.PidsLimit}} {{.HostConfig.Memory}}",
                &bomb,
            ])
            .output()
            .expect("docker inspect");
        let state = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if out.status.success() && state.starts_with("exited") {
            let logs = Command::new("docker")
                .args(["logs", &bomb])
                .output()
                .expect("docker logs");
            seen = Some((state, String::from_utf8_lossy(&logs.stderr).to_string()));
        } else {
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    let out = child.wait_with_output().expect("labrunner finishes");
    let r = report(&out);
    let (state, logs) = seen.expect("the fork bomb container ran during grading");
    assert_eq!(state, format!("exited 40 {}", 64 * 1024 * 1024));
    assert!(
        logs.contains("can't fork"),
        "the bomb hit the process limit: {logs}"
    );

    // The refused commands, each with its reason; nothing of them ran.
    let refused = r["refused"].as_array().expect("refused");
    let by_line = |line: u64| {
        refused
            .iter()
            .find(|x| x["line"] == line)
            .and_then(|x| x["reason"].as_str())
            .unwrap_or_else(|| panic!("line {line} not refused: {refused:#?}"))
            .to_string()
    };
    assert!(by_line(2).contains("--privileged"));
    assert!(by_line(3).contains("Docker socket"));
    assert!(by_line(4).contains("/etc"));
    assert!(by_line(5).contains("prune"));
    assert!(
        by_line(8).contains("not a docker command"),
        "{}",
        by_line(8)
    );
    assert!(
        by_line(11).contains("grading does not pull images"),
        "{}",
        by_line(11)
    );
    assert!(by_line(12).contains("io.labrunner."), "{}", by_line(12));

    let commands = r["commands"].as_array().expect("commands");
    let outcome = |line: u64| {
        commands
            .iter()
            .find(|c| c["line"] == line)
            .map(|c| {
                (
                    c["outcome"].as_str().unwrap_or("").to_string(),
                    c["detail"].as_str().unwrap_or("").to_string(),
                )
            })
            .expect("command recorded")
    };
    let (sleeper, why) = outcome(7);
    assert_eq!(sleeper, "timed_out", "{why}");
    assert!(why.contains("6s"), "{why}");

    // The honest parts of the submission still earn every point, and everything is gone.
    assert_eq!(r["score"], 8, "{r:#}");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(leftovers(ns), Vec::<String>::new());
}

#[test]
fn ten_gradings_at_once_all_score_correctly_and_leave_nothing() {
    if !docker_available() {
        return;
    }
    let home = tempfile::tempdir().expect("temp home");
    let sub = fixture("correct.sh");
    let wrong = fixture("wrong-content.sh");
    let namespaces: Vec<String> = (0..10).map(|i| format!("gx-c{i}")).collect();
    for ns in &namespaces {
        purge(ns);
    }
    // Odd ones are wrong: a grading must not see another's resources.
    let children: Vec<_> = namespaces
        .iter()
        .enumerate()
        .map(|(i, ns)| {
            let file = if i % 2 == 0 { &sub } else { &wrong };
            grade_cmd(
                home.path(),
                ns,
                &["--submission", file.to_str().expect("utf-8")],
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start labrunner")
        })
        .collect();
    for (i, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().expect("labrunner finishes");
        let r = report(&out);
        let (code, score) = if i % 2 == 0 { (0, 8) } else { (1, 3) };
        assert_eq!(r["score"], score, "grading {i}: {r:#}");
        assert_eq!(out.status.code(), Some(code), "grading {i}");
        assert_eq!(r["namespace"], namespaces[i].as_str());
    }
    for ns in &namespaces {
        assert_eq!(leftovers(ns), Vec::<String>::new(), "{ns}");
    }
}

/// The student's own resources under the lab's names, with data in the volume.
struct StudentResources;

impl StudentResources {
    fn create() -> Self {
        Self::remove();
        docker(&["network", "create", LAB_NETWORK]);
        docker(&["volume", "create", LAB_VOLUME]);
        docker(&[
            "run",
            "--rm",
            "-v",
            &format!("{LAB_VOLUME}:/data"),
            "labrunner-fixture/busybox:1",
            "sh",
            "-c",
            "echo student-data > /data/ledger.txt",
        ]);
        docker(&[
            "run",
            "-d",
            "--name",
            "gx-writer",
            "--network",
            LAB_NETWORK,
            "-v",
            &format!("{LAB_VOLUME}:/data"),
            "labrunner-fixture/busybox:1",
            "sleep",
            "600",
        ]);
        StudentResources
    }
    fn remove() {
        for c in LAB_CONTAINERS {
            docker_quiet(&["rm", "-f", c]);
        }
        docker_quiet(&["network", "rm", LAB_NETWORK]);
        docker_quiet(&["volume", "rm", "-f", LAB_VOLUME]);
    }
}

impl Drop for StudentResources {
    fn drop(&mut self) {
        Self::remove();
    }
}

#[test]
fn the_students_own_same_named_resources_are_untouched() {
    if !docker_available() {
        return;
    }
    let _student = StudentResources::create();
    let writer_id = docker(&["inspect", "--format", "{{.Id}}", "gx-writer"]);

    // The submission goes after the student's things by id and by name first: in the
    // namespace, those ids and names reach nothing of theirs.
    let dir = tempfile::tempdir().expect("temp dir");
    let sub = dir.path().join("sub.sh");
    let correct = std::fs::read_to_string(fixture("correct.sh")).expect("fixture");
    std::fs::write(
        &sub,
        format!(
            "docker rm -f {}\ndocker rm -f gx-writer\ndocker volume rm -f gx-store\ndocker network rm gx-app-net\n{correct}",
            writer_id.trim()
        ),
    )
    .expect("write submission");
    let (code, r, out) = replay_file("gx-iso", &sub, &[]);
    assert_eq!(
        code,
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(r["score"], 8, "{r:#}");
    assert_eq!(
        r["commands"][3]["outcome"], "failed",
        "no network gx-app-net in the namespace: {r:#}"
    );
    assert_eq!(leftovers("gx-iso"), Vec::<String>::new());

    // Still there, the same, with the same data.
    assert_eq!(
        docker(&["inspect", "--format", "{{.Id}}", "gx-writer"]),
        writer_id
    );
    assert_eq!(
        docker(&["inspect", "--format", "{{.State.Running}}", "gx-writer"]).trim(),
        "true"
    );
    docker(&["network", "inspect", LAB_NETWORK]);
    let data = docker(&[
        "run",
        "--rm",
        "-v",
        &format!("{LAB_VOLUME}:/data"),
        "labrunner-fixture/busybox:1",
        "cat",
        "/data/ledger.txt",
    ]);
    assert_eq!(data.trim(), "student-data");

    // Grading the current state reads the student's resources and changes none of them: the
    // ledger says student-data, so the file check fails and gx-reader does not exist.
    let home = tempfile::tempdir().expect("temp home");
    let out = labrunner(home.path())
        .args([
            "grade",
            fixture("storage.yaml").to_str().expect("utf-8"),
            "--format",
            "json",
        ])
        .output()
        .expect("run labrunner");
    let r = report(&out);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(r["namespace"], Value::Null);
    assert_eq!(
        scores(&r),
        [
            ("network/0".to_string(), 2, 2),
            ("writer/0".into(), 1, 1),
            ("writer/1".into(), 0, 3),
            ("reader/0".into(), 0, 2)
        ]
    );
    assert_eq!(
        r["steps"][2]["checks"][0]["status"], "error",
        "no gx-reader to resolve from"
    );
    assert_eq!(
        docker(&["inspect", "--format", "{{.Id}}", "gx-writer"]),
        writer_id
    );
    assert_eq!(
        docker(&["ps", "-aq", "--filter", "name=^gx-reader$"]).trim(),
        ""
    );
}

#[test]
fn current_state_in_a_namespace_with_every_format() {
    if !docker_available() {
        return;
    }
    let ns = "gx-st";
    purge(ns);
    // Someone (a CI job) built the lab's state in namespace gx-st, half-way.
    let net = format!("{ns}--{LAB_NETWORK}");
    docker(&[
        "network",
        "create",
        "--label",
        &format!("io.labrunner.run={ns}"),
        &net,
    ]);
    let home = tempfile::tempdir().expect("temp home");
    let dir = tempfile::tempdir().expect("temp dir");
    for format in ["text", "json", "junit", "tap", "gradescope", "ctrf"] {
        let file = dir.path().join(format!("report.{format}"));
        let out = labrunner(home.path())
            .args([
                "grade",
                fixture("storage.yaml").to_str().expect("utf-8"),
                "--namespace",
                ns,
            ])
            .args(["--format", format, "--out", file.to_str().expect("utf-8")])
            .output()
            .expect("run labrunner");
        assert_eq!(
            out.status.code(),
            Some(1),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "--out keeps stdout empty");
        assert!(String::from_utf8_lossy(&out.stderr).contains("2/8 points"));
        let text = std::fs::read_to_string(&file).expect("report written");
        match format {
            "text" => assert!(text.contains("Total: 2/8 points"), "{text}"),
            "json" => assert_eq!(
                serde_json::from_str::<Value>(&text).expect("json")["score"],
                2
            ),
            "junit" => {
                assert!(
                    text.contains("<testsuite name=\"gx-grade-storage\" tests=\"4\""),
                    "{text}"
                );
                validate_with_python("check_junit.py", &file, Some("junit.xsd"));
            }
            "tap" => {
                assert!(text.starts_with("TAP version 14\n1..4\n"), "{text}");
                assert!(text.contains("\nok 1 - network:"), "{text}");
                validate_with_python("check_tap.py", &file, None);
            }
            "gradescope" => assert_eq!(
                serde_json::from_str::<Value>(&text).expect("json")["score"],
                2
            ),
            "ctrf" => validate_with_python("check_ctrf.py", &file, Some("ctrf.schema.json")),
            _ => unreachable!(),
        }
    }
    // Current-state grading removes nothing of the state it graded.
    docker(&["network", "inspect", &net]);
    docker(&["network", "rm", &net]);
    assert_eq!(leftovers(ns), Vec::<String>::new());
}

fn validate_with_python(script: &str, file: &Path, schema: Option<&str>) {
    let validators = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validators");
    let mut cmd = Command::new(std::env::var("PYTHON").unwrap_or_else(|_| "python3".into()));
    cmd.arg(validators.join(script)).arg(file);
    if let Some(s) = schema {
        cmd.arg(validators.join(s));
    }
    let out = cmd
        .output()
        .expect("python3 runs (scripts/test-deps.sh installs what it needs)");
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn ctrl_c_stops_grading_and_removes_everything() {
    if !docker_available() {
        return;
    }
    let ns = "gx-int";
    purge(ns);
    let dir = tempfile::tempdir().expect("temp dir");
    let sub = dir.path().join("sub.sh");
    std::fs::write(
        &sub,
        "docker network create gx-app-net\ndocker run --name gx-sleeper alpine sleep 100000\n",
    )
    .expect("write submission");
    let home = tempfile::tempdir().expect("temp home");
    let child = grade_cmd(
        home.path(),
        ns,
        &[
            "--submission",
            sub.to_str().expect("utf-8"),
            "--command-timeout",
            "120",
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("start labrunner");
    let sleeper = format!("{ns}--gx-sleeper");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let running = Command::new("docker")
            .args(["inspect", "--format", "{{.State.Running}}", &sleeper])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "true")
            .unwrap_or(false);
        if running {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let pid = child.id().to_string();
    let status = Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let out = child.wait_with_output().expect("labrunner finishes");
    assert_eq!(
        out.status.code(),
        Some(2),
        "could not grade: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted"));
    assert_eq!(leftovers(ns), Vec::<String>::new());
}

#[test]
fn what_cannot_be_graded_exits_2_with_a_reason() {
    let home = tempfile::tempdir().expect("temp home");
    let dir = tempfile::tempdir().expect("temp dir");
    let run = |args: &[&str]| {
        let out = labrunner(home.path())
            .current_dir(dir.path())
            .arg("grade")
            .args(args)
            .output()
            .expect("run");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let lab = fixture("storage.yaml");
    let lab = lab.to_str().expect("utf-8");

    let (code, err) = run(&["no-such-lab"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no-such-lab"), "{err}");

    let (code, err) = run(&[lab, "--namespace", "Bad Name"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("namespace `Bad Name` is not usable"), "{err}");

    let sub = fixture("correct.sh");
    let (code, err) = run(&[
        lab,
        "--submission",
        sub.to_str().expect("utf-8"),
        "--max-commands",
        "2",
    ]);
    assert_eq!(code, Some(2));
    assert!(err.contains("3 commands; the limit is 2"), "{err}");

    let (code, err) = run(&[lab, "--submission", "missing.sh"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("cannot read submission missing.sh"), "{err}");
}

#[test]
fn the_total_time_limit_stops_the_replay_and_says_so() {
    if !docker_available() {
        return;
    }
    let ns = "gx-tot";
    let dir = tempfile::tempdir().expect("temp dir");
    let sub = dir.path().join("sub.sh");
    std::fs::write(
        &sub,
        "docker network create gx-app-net\n\
         docker run --name gx-sleeper alpine sleep 100000\n\
         docker run -d --name gx-writer --network gx-app-net alpine sleep 600\n\
         docker run -d --name gx-reader --network gx-app-net alpine sleep 600\n",
    )
    .expect("write submission");
    let started = Instant::now();
    let (code, r, _) = replay_file(
        ns,
        &sub,
        &["--total-timeout", "5", "--command-timeout", "60"],
    );
    assert!(
        started.elapsed() < Duration::from_secs(45),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(code, Some(1));
    assert!(
        r["aborted"]
            .as_str()
            .unwrap_or("")
            .contains("total time limit of 5s"),
        "{r:#}"
    );
    let outcomes: Vec<&str> = r["commands"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| c["outcome"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(outcomes, ["ran", "timed_out", "not_run", "not_run"]);
    assert_eq!(
        r["score"], 2,
        "only the network step was done in time: {r:#}"
    );
    assert_eq!(r["steps"][2]["checks"][0]["status"], "error");
    assert_eq!(leftovers(ns), Vec::<String>::new());
}

/// Every lab's reference solution, replayed as a submission in its own namespace, scores full
/// marks and leaves nothing behind; an empty submission scores 0, on every shipped lab and on
/// every fixture lab that loads (some fixtures are defective on purpose: their checks hold
/// before anything is done, and must earn nothing for it).
#[test]
fn every_labs_reference_solution_scores_full_marks_when_replayed() {
    if !docker_available() {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("labs");
    let mut labs = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("labs/ is readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml")
                && !path.to_string_lossy().ends_with(".quiz.yaml")
            {
                labs.push(path);
            }
        }
    }
    labs.sort();
    assert!(!labs.is_empty(), "no labs under {}", root.display());
    let shipped = labs.len();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for dir in ["labs", "runner", "grade", "verdicts", "tui/labs"] {
        for path in labrunner_core::lab_files(&fixtures.join(dir)).expect("fixtures") {
            if labrunner_core::load_valid(&path).is_ok() {
                labs.push(path);
            }
        }
    }
    assert!(labs.len() > shipped + 8, "fixture labs found: {labs:#?}");

    let dir = tempfile::tempdir().expect("temp dir");
    let home = tempfile::tempdir().expect("temp home");
    let mut children = Vec::new();
    for (i, path) in labs.iter().enumerate() {
        let lab: labrunner_core::Lab =
            serde_yaml::from_str(&std::fs::read_to_string(path).expect("read lab"))
                .expect("lab loads");
        let kinds: &[&str] = if i < shipped {
            &["full", "empty"]
        } else {
            &["empty"]
        };
        let solution: Vec<String> = lab
            .steps
            .iter()
            .flat_map(|s| s.solution.iter().map(|c| c.text().to_string()))
            .collect();
        let sub = dir.path().join(format!("{}.sh", lab.id));
        std::fs::write(&sub, solution.join("\n")).expect("write submission");
        let empty = dir.path().join(format!("{}.empty.sh", lab.id));
        std::fs::write(&empty, "# nothing\n").expect("write submission");
        for (kind, file) in [("full", sub), ("empty", empty)] {
            if !kinds.contains(&kind) {
                continue;
            }
            let ns = format!("gx-lab{i}{}", if kind == "full" { "f" } else { "e" });
            purge(&ns);
            let child = labrunner(home.path())
                .arg("grade")
                .arg(path)
                .args(["--namespace", &ns, "--format", "json", "--submission"])
                .arg(&file)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start labrunner");
            children.push((lab.id.clone(), kind, ns, child));
        }
    }
    for (lab, kind, ns, child) in children {
        let out = child.wait_with_output().expect("labrunner finishes");
        let r = report(&out);
        let (score, max) = (
            r["score"].as_u64().unwrap_or(0),
            r["max_score"].as_u64().unwrap_or(0),
        );
        if kind == "full" {
            assert_eq!((out.status.code(), score), (Some(0), max), "{lab}: {r:#}");
            let failed: Vec<&Value> = r["commands"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|c| c["outcome"] == "refused" || c["outcome"] == "timed_out")
                .collect();
            assert!(
                failed.is_empty(),
                "{lab}: the reference solution was refused: {failed:#?}"
            );
        } else {
            assert!(max > 0, "{lab}: {r:#}");
            assert_eq!(
                score, 0,
                "{lab}: an empty submission scored {score}/{max}: {r:#}"
            );
        }
        assert_eq!(leftovers(&ns), Vec::<String>::new(), "{lab}");
    }
}
