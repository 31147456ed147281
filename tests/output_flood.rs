//! An output flood (`yes` through `docker exec`, the logs of a container running `yes`, and a
//! foreground `docker run IMAGE yes`) is graded in bounded memory: each command stops at the
//! per-command time limit, the report keeps a bounded head and tail of what was printed, the
//! peak resident memory of `labrunner grade` stays under the bound docs/grading.md states, a
//! check reads the flooding container's logs, and nothing the grading started is left running.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{docker, docker_available, docker_quiet, labrunner};
use serde_json::Value;

/// The bound docs/grading.md states for a grading under an output flood.
const RSS_BOUND_KIB: u64 = 64 * 1024;

const LAB: &str = "format: 1
id: of-flood
title: A lab whose only step never passes
lesson: MOD-DOCKER-04
difficulty: beginner
minutes: 1
resources:
  networks: [of-never]
  containers: [chatter, shell, brief]
steps:
  - id: never
    title: Create a network no submission here creates
    instructions: Create `of-never`.
    solution:
      - docker network create of-never
    checks:
      - network: { name: of-never }
  - id: chatter
    title: Start a container that says yes
    instructions: Start `chatter`, running `yes`.
    solution:
      - docker run -d --name chatter alpine yes
    checks:
      - output: { container: chatter, matches: '^y' }
";

const FLOOD: &str = "docker run -d --name chatter alpine yes
docker run -d --name shell alpine sleep 600
docker exec shell yes
docker logs chatter
docker run alpine yes
docker run -d --name brief alpine sh -c 'sleep 1; echo bye'
docker logs -f brief
";

/// The highest resident set (VmHWM, KiB) of a live process, when /proc tells.
fn high_water_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn an_output_flood_is_graded_in_bounded_memory_and_leaves_nothing() {
    if !docker_available() {
        return;
    }
    let ns = format!("of-{}", std::process::id());
    let label = format!("label=io.labrunner.run={ns}");
    let dir = tempfile::tempdir().expect("temp dir");
    let lab = dir.path().join("lab.yaml");
    std::fs::write(&lab, LAB).expect("lab");
    let sub = dir.path().join("flood.sh");
    std::fs::write(&sub, FLOOD).expect("submission");
    let home = tempfile::tempdir().expect("home");
    let started = Instant::now();
    let mut child = labrunner(home.path())
        .arg("grade")
        .arg(&lab)
        .args(["--namespace", &ns, "--format", "json"])
        .args(["--command-timeout", "2", "--submission"])
        .arg(&sub)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("grade");
    // Its peak, read while it runs (a process that has ended has no VmHWM any more).
    let pid = child.id();
    let mut peak = 0;
    while child.try_wait().expect("wait").is_none() {
        peak = peak.max(high_water_kib(pid).unwrap_or(0));
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no report ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    let commands = report["commands"].as_array().expect("commands");
    let outcome = |i: usize| commands[i]["outcome"].as_str().unwrap_or("").to_string();
    assert_eq!(commands.len(), 7, "{report}");
    // The exec and the foreground run flood until the per-command limit stops them; the logs
    // are read to their end (or stopped in the same way).
    assert_eq!(outcome(2), "timed_out", "{}", commands[2]);
    assert_eq!(outcome(4), "timed_out", "{}", commands[4]);
    assert!(
        matches!(outcome(3).as_str(), "ran" | "timed_out"),
        "{}",
        commands[3]
    );
    // `logs -f` follows until the container ends, as the docker CLI does.
    assert_eq!(outcome(6), "ran", "{}", commands[6]);
    assert_eq!(commands[6]["detail"], "bye", "{}", commands[6]);
    // A check reads the flooding container's logs from both ends, in bounded time: it holds
    // (no points: the step before it is not done).
    let chatter = &report["steps"][1]["checks"][0];
    assert!(
        matches!(chatter["status"].as_str(), Some("passed" | "unearned")),
        "{chatter}"
    );
    for c in commands {
        assert!(c["detail"].as_str().unwrap_or("").len() <= 303, "{c}");
    }
    assert!(peak > 0, "no VmHWM read for labrunner");
    assert!(
        peak < RSS_BOUND_KIB,
        "labrunner grade peaked at {peak} KiB under an output flood (bound {RSS_BOUND_KIB} KiB)"
    );
    let left = docker(&["ps", "-aq", "--filter", &label]);
    for id in left.split_whitespace() {
        docker_quiet(&["rm", "-f", id]);
    }
    assert!(left.trim().is_empty(), "left containers: {left}");
}
