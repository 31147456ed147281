//! A replayed submission races the daemon for its bind-mount sources, and never wins.
//!
//! The submission's first container mounts the whole sandbox read-write and, without pause,
//! swaps every component of the path `d1/d2/d3` for a symbolic link to a folder outside the
//! sandbox (by `ln -s` in place, and by renaming a ready link over the component), and renames
//! components away and back. Every later command starts a container that bind-mounts
//! `$(pwd)/d1/d2/d3`, with `-v` and with `--mount`, read-only in one grading and read-write in
//! the other, and tries to read the canary file that waits outside the sandbox at the end of
//! every link and, read-write, to write next to it. An escape is the canary's token in any
//! output, or any file written outside the sandbox. There must be none, while the attack is
//! shown to be live: some commands are refused because a link was in place when the grading
//! looked, and some run against the real folder.
//!
//! In the read-write grading every other attacked start is a `docker create` followed by a
//! `docker start`, since the daemon resolves bind sources again at every start.
//!
//! `LABRUNNER_RACE_ATTEMPTS` sets the number of attacked starts per grading (default 250, so
//! 500 in all); `bench/sandbox-race.sh` runs 5,000 per grading.

mod common;

use std::path::{Path, PathBuf};

use common::{docker, docker_available, docker_quiet, labrunner};
use serde_json::Value;

const LAB: &str = "format: 1
id: rx-race
title: A lab whose only step never passes
lesson: MOD-DOCKER-04
difficulty: beginner
minutes: 1
resources:
  networks: [rx-never-made]
files:
  d1/d2/d3/keep: ''
steps:
  - id: never
    title: Create a network no submission here creates
    instructions: Create `rx-never-made`.
    solution:
      - docker network create rx-never-made
    checks:
      - network: { name: rx-never-made }
";

fn attempts() -> usize {
    std::env::var("LABRUNNER_RACE_ATTEMPTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(250)
}

/// The attacker: every component of `d1/d2/d3`, in turn, replaced by a link to `out<k>` (in
/// place, then by a rename of a ready link), then renamed away for a fresh folder, forever.
fn attacker(outside: &Path) -> String {
    let out = outside.display();
    format!(
        "docker run -d --name racer -v $(pwd):/s alpine sh -c 'n=0; while true; do \
         for k in 1 2 3; do \
         case $k in 1) P=/s/d1;; 2) P=/s/d1/d2;; 3) P=/s/d1/d2/d3;; esac; \
         mkdir -p /s/d1/d2/d3; \
         mv $P $P.real && ln -s {out}/out$k $P; usleep 500; rm -f $P; mv $P.real $P; usleep 6000; \
         ln -s {out}/out$k /s/link$k; mv $P $P.real && mv /s/link$k $P; usleep 500; \
         rm -f $P; mv $P.real $P; rm -f /s/link$k; usleep 6000; \
         mv $P $P.moved && mkdir $P; usleep 500; rmdir $P; mv $P.moved $P; usleep 6000; \
         n=$((n+1)); echo $n > /s/swaps; \
         done; done'"
    )
}

/// One attacked start: both bind syntaxes on the raced path.
fn victim(writable: bool) -> String {
    if writable {
        "docker run --rm -v $(pwd)/d1/d2/d3:/x --mount type=bind,source=$(pwd)/d1/d2/d3,target=/y \
         alpine sh -c 'cat /x/secret /y/secret 2>/dev/null; touch /x/pwned /y/pwned; exit 0'"
            .to_string()
    } else {
        "docker run --rm -v $(pwd)/d1/d2/d3:/x:ro --mount type=bind,source=$(pwd)/d1/d2/d3,target=/y,readonly \
         alpine sh -c 'cat /x/secret /y/secret 2>/dev/null; exit 0'"
            .to_string()
    }
}

/// Canary trees outside the sandbox: `out1/d2/d3/secret`, `out2/d3/secret`, `out3/secret`,
/// so that whichever component is a link, the raced path leads to a secret.
fn plant_canaries(outside: &Path, token: &str) -> Vec<PathBuf> {
    let mut secrets = Vec::new();
    for (k, rest) in [(1, "d2/d3"), (2, "d3"), (3, "")] {
        let dir = outside.join(format!("out{k}")).join(rest);
        std::fs::create_dir_all(&dir).expect("canary folder");
        let secret = dir.join("secret");
        std::fs::write(&secret, token).expect("canary");
        secrets.push(secret);
    }
    secrets
}

/// Every file under `dir`.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read canary tree").flatten() {
            let p = entry.path();
            if entry.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn race(ns: &str, writable: bool) {
    let n = attempts();
    let top = tempfile::tempdir().expect("temp dir");
    let outside = top.path().join("outside");
    let sandbox = top.path().join("sandbox");
    // Empty, as every sandbox of a replay must be: the lab's files make `d1/d2/d3`.
    std::fs::create_dir_all(&sandbox).expect("sandbox");
    let token = format!("CANARY-{}-{}", ns, fastrand_token());
    let secrets = plant_canaries(&outside, &token);

    let mut submission = attacker(&outside);
    submission.push('\n');
    let mut lines = 1;
    for i in 0..n {
        if writable && i % 2 == 1 {
            // `docker create`, then `docker start`: the daemon resolves the binds at the start.
            let create =
                victim(true).replacen("docker run --rm", &format!("docker create --name v{i}"), 1);
            submission.push_str(&format!("{create}\ndocker start v{i}\n"));
            lines += 2;
        } else {
            submission.push_str(&victim(writable));
            submission.push('\n');
            lines += 1;
        }
    }
    let lab = top.path().join("race.yaml");
    std::fs::write(&lab, LAB).expect("lab");
    let sub = top.path().join("race.sh");
    std::fs::write(&sub, submission).expect("submission");

    let home = tempfile::tempdir().expect("home");
    let out = labrunner(home.path())
        .arg("grade")
        .arg(&lab)
        .args(["--namespace", ns, "--format", "json", "--submission"])
        .arg(&sub)
        .arg("--sandbox")
        .arg(&sandbox)
        .args(["--max-commands", &lines.to_string()])
        .args(["--total-timeout", &(n * 4 + 120).to_string()])
        .output()
        .expect("run labrunner");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("no JSON report ({e}); stderr: {stderr}"));

    // No escape: the token nowhere in the report, nothing new outside the sandbox.
    assert!(
        !stdout.contains(&token) && !stderr.contains(&token),
        "a container read the canary outside the sandbox"
    );
    assert_eq!(
        files_under(&outside),
        secrets,
        "a container wrote outside the sandbox"
    );
    for secret in &secrets {
        assert_eq!(std::fs::read_to_string(secret).expect("canary"), token);
    }

    // The attack was live: the attacker ran and swapped, some starts were refused with a link
    // in place, and some ran against the real folder.
    let commands = report["commands"].as_array().expect("commands");
    assert_eq!(commands.len(), lines);
    assert_eq!(commands[0]["outcome"], "ran", "attacker: {}", commands[0]);
    let outcome = |c: &Value| c["outcome"].as_str().unwrap_or("").to_string();
    // The attacked commands: each `docker run`, and each `docker start` (its `docker create`
    // resolves nothing; when it is refused, the start that follows fails for want of it).
    let attacked: Vec<&Value> = commands[1..]
        .iter()
        .filter(|c| {
            let text = c["command"].as_str().unwrap_or("");
            !text.starts_with("docker create")
        })
        .collect();
    assert_eq!(attacked.len(), n);
    let refused = commands[1..]
        .iter()
        .filter(|c| outcome(c) == "refused")
        .count();
    let ran = attacked.iter().filter(|c| outcome(c) == "ran").count();
    let swaps: u64 = std::fs::read_to_string(sandbox.join("swaps"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    eprintln!(
        "{ns}: {n} attacked starts, {ran} ran, {refused} refused (link in place), {} failed otherwise, {swaps} swap rounds, 0 escapes",
        n.saturating_sub(ran + refused)
    );
    assert!(swaps >= 3, "the attacker barely ran: {swaps} rounds");
    assert!(refused > 0, "no start met a link: the attack was not live");
    assert!(ran > 0, "no start ran: {:?}", &commands[1]);
    for c in &commands[1..] {
        if outcome(c) == "refused" {
            let why = c["detail"].as_str().unwrap_or("");
            // Refused by the policy (a link seen when the command was checked) or by the
            // guard (a link seen while everything was paused).
            assert!(
                why.contains("symbolic link")
                    || why.contains("leads to")
                    || why.contains("not plain paths"),
                "{why}"
            );
        }
    }
    let label = format!("label=io.labrunner.run={ns}");
    let left = docker(&["ps", "-aq", "--filter", &label]);
    assert!(left.trim().is_empty(), "left containers: {left}");
}

fn fastrand_token() -> String {
    format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    )
}

fn purge(ns: &str) {
    let label = format!("label=io.labrunner.run={ns}");
    for id in docker(&["ps", "-aq", "--filter", &label]).split_whitespace() {
        docker_quiet(&["rm", "-f", id]);
    }
}

#[test]
fn read_only_binds_never_reach_outside_the_sandbox_under_a_symlink_race() {
    if !docker_available() {
        return;
    }
    purge("rx-ro");
    race("rx-ro", false);
}

#[test]
fn read_write_binds_never_reach_outside_the_sandbox_under_a_symlink_race() {
    if !docker_available() {
        return;
    }
    purge("rx-rw");
    race("rx-rw", true);
}
