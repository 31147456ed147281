//! Inputs that are not what they claim to be (devices, FIFOs, endless streams) are refused by
//! name in bounded time and memory, and a replayed submission stays inside every limit:
//! memory, output size, number of commands (and so of containers).

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{docker, docker_available, docker_quiet, labrunner};
use serde_json::Value;

const LAB: &str = "format: 1
id: hx-limits
title: A lab whose only step never passes
lesson: MOD-DOCKER-04
difficulty: beginner
minutes: 1
resources:
  networks: [hx-never]
steps:
  - id: never
    title: Create a network no submission here creates
    instructions: Create `hx-never`.
    solution:
      - docker network create hx-never
    checks:
      - network: { name: hx-never }
";

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(status.success());
}

/// Run `cmd` and return (exit code, stdout, stderr, how long it took), killing it after 20 s.
fn bounded(mut cmd: Command) -> (Option<i32>, String, String, Duration) {
    let started = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    loop {
        if child.try_wait().expect("wait").is_some() || started.elapsed() > Duration::from_secs(20)
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let out = child.wait_with_output().expect("output");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
        started.elapsed(),
    )
}

#[test]
fn validate_refuses_devices_and_fifos_by_name_without_hanging() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.yaml")).expect("symlink");
    mkfifo(&dir.path().join("pipe.yaml"));
    std::os::unix::fs::symlink("..", dir.path().join("loop")).expect("symlink");
    let home = tempfile::tempdir().expect("home");

    let mut cmd = labrunner(home.path());
    cmd.arg("validate").arg(dir.path());
    let (code, out, err, took) = bounded(cmd);
    assert!(took < Duration::from_secs(10), "validate took {took:?}");
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        out.contains("zero.yaml:1:1: error: is a character device, not a lab file"),
        "{out}"
    );
    assert!(
        out.contains("pipe.yaml:1:1: error: is a FIFO (named pipe), not a lab file"),
        "{out}"
    );
    assert!(out.contains("2 files, 2 errors"), "{out}");

    let mut cmd = labrunner(home.path());
    cmd.arg("validate").arg(dir.path().join("pipe.yaml"));
    let (code, out, _, took) = bounded(cmd);
    assert!(took < Duration::from_secs(10));
    assert_eq!(code, Some(1));
    assert!(
        out.contains("is a FIFO (named pipe), not a lab file"),
        "{out}"
    );
    assert!(!out.contains("Not a directory"), "{out}");
}

#[test]
fn grade_refuses_device_fifo_and_endless_submissions_in_bounded_time() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lab = dir.path().join("lab.yaml");
    std::fs::write(&lab, LAB).expect("lab");
    let fifo = dir.path().join("sub.sh");
    mkfifo(&fifo);
    let home = tempfile::tempdir().expect("home");
    for (submission, says) in [
        (
            "/dev/zero".to_string(),
            "cannot read submission /dev/zero: it is a character device",
        ),
        (
            fifo.display().to_string(),
            "sub.sh: it is a FIFO (named pipe)",
        ),
    ] {
        let mut cmd = labrunner(home.path());
        cmd.arg("grade")
            .arg(&lab)
            .args(["--submission", &submission]);
        let (code, _, err, took) = bounded(cmd);
        assert!(took < Duration::from_secs(10), "{submission}: {took:?}");
        assert_eq!(code, Some(2), "{submission}: {err}");
        assert!(err.contains(says), "{submission}: {err}");
    }

    // An endless writer on standard input (`yes`) is cut at the size limit.
    let started = Instant::now();
    let mut child = labrunner(home.path())
        .arg("grade")
        .arg(&lab)
        .args(["--submission", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let feeder = std::thread::spawn(move || {
        let line = b"docker ps\n".repeat(1000);
        while stdin.write_all(&line).is_ok() {}
    });
    let out = child.wait_with_output().expect("output");
    feeder.join().expect("feeder");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("is larger than the limit of 262144 bytes"),
        "{err}"
    );

    // A submission line with a NUL is refused like a lab file's.
    let sub = dir.path().join("nul.sh");
    std::fs::write(
        &sub,
        "docker network create hx-a\ndocker run alpine echo a\0b\n",
    )
    .expect("sub");
    let mut cmd = labrunner(home.path());
    cmd.arg("grade").arg(&lab).arg("--submission").arg(&sub);
    let (code, _, err, _) = bounded(cmd);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("nul.sh:2:25: control character U+0000"),
        "{err}"
    );
}

#[test]
fn a_replayed_submission_stays_inside_memory_output_and_command_limits() {
    if !docker_available() {
        return;
    }
    let ns = "hx-limits";
    let label = format!("label=io.labrunner.run={ns}");
    for id in docker(&["ps", "-aq", "--filter", &label]).split_whitespace() {
        docker_quiet(&["rm", "-f", id]);
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let lab = dir.path().join("lab.yaml");
    std::fs::write(&lab, LAB).expect("lab");
    let home = tempfile::tempdir().expect("home");
    let grade = |name: &str, text: &str| {
        let sub = dir.path().join(name);
        std::fs::write(&sub, text).expect("submission");
        labrunner(home.path())
            .arg("grade")
            .arg(&lab)
            .args(["--namespace", ns, "--format", "json", "--memory-mib", "32"])
            .arg("--submission")
            .arg(&sub)
            .output()
            .expect("grade")
    };
    // Memory: the 100 MB string cannot be built under the 32 MiB limit, whatever -m asked for.
    // A container killed at labrunner's own limit is not the student's failure: the grading
    // stops unscored (exit 2) and names the cause; nothing the hog printed survives.
    let out = grade(
        "hog.sh",
        "docker run --rm -m 1g alpine sh -c 'x=$(head -c 100000000 /dev/zero | tr \"\\000\" a); echo survived'\n",
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        format!("{stdout}{stderr}").contains("killed for memory at labrunner's limit of 32 MiB"),
        "{stdout}{stderr}"
    );
    assert!(!stdout.contains("survived"), "{stdout}");
    // Output: five megabytes of output become a short excerpt in the report.
    let out = grade(
        "chatty.sh",
        "docker run --rm alpine sh -c 'yes labrunner | head -c 5000000'\n",
    );
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no report ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    let chatty = &report["commands"][0];
    assert_eq!(chatty["outcome"], "ran", "{chatty}");
    assert!(
        chatty["detail"].as_str().unwrap_or("").len() <= 303,
        "{chatty}"
    );
    assert!(
        out.stdout.len() < 64 * 1024,
        "report of {} bytes",
        out.stdout.len()
    );

    // Commands (and so containers): one more than the limit and nothing is run at all.
    let many = dir.path().join("many.sh");
    std::fs::write(&many, "docker run -d alpine sleep 600\n".repeat(4)).expect("submission");
    let out = labrunner(home.path())
        .arg("grade")
        .arg(&lab)
        .args(["--namespace", ns, "--max-commands", "3", "--submission"])
        .arg(&many)
        .output()
        .expect("grade");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("4 commands; the limit is 3"), "{err}");
    let left = docker(&["ps", "-aq", "--filter", &label]);
    assert!(left.trim().is_empty(), "left containers: {left}");
}

/// An anonymous volume (`-v /path`) a submission leaves behind with `docker rm` (no `-v`)
/// carries the grading's labels and is removed with everything else the grading created.
#[test]
fn an_anonymous_volume_left_by_docker_rm_is_removed_with_the_grading() {
    if !docker_available() {
        return;
    }
    let ns = format!("hx-anon{}", fastrand::u32(..100_000));
    let dir = tempfile::tempdir().expect("temp dir");
    let lab = dir.path().join("lab.yaml");
    std::fs::write(&lab, LAB).expect("lab");
    let sub = dir.path().join("sub.sh");
    std::fs::write(
        &sub,
        "docker run --name keeper -v /data alpine sh -c 'echo kept > /data/f'\n\
         docker run --name keeper2 --mount type=volume,target=/data alpine true\n\
         docker rm keeper keeper2\n",
    )
    .expect("submission");
    let since = docker(&["system", "info", "--format", "{{.SystemTime}}"])
        .trim()
        .to_string();
    let home = tempfile::tempdir().expect("home");
    let out = labrunner(home.path())
        .arg("grade")
        .arg(&lab)
        .args(["--namespace", &ns, "--format", "json", "--submission"])
        .arg(&sub)
        .output()
        .expect("run labrunner");
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no report ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    for c in report["commands"].as_array().expect("commands") {
        assert_eq!(c["outcome"], "ran", "{c}");
    }
    let until = docker(&["system", "info", "--format", "{{.SystemTime}}"])
        .trim()
        .to_string();
    let events = |filters: &[&str], format: &str| {
        let mut args = vec!["events", "--since", &since, "--until", &until];
        for f in filters {
            args.extend(["--filter", f]);
        }
        args.extend(["--format", format]);
        docker(&args)
    };
    let label = format!("label=io.labrunner.run={ns}");
    let ours = events(&["type=container", "event=create", &label], "{{.Actor.ID}}");
    let ours: Vec<&str> = ours.lines().collect();
    assert_eq!(ours.len(), 2, "{ours:?}");
    let mounted = events(
        &["type=volume", "event=mount"],
        "{{.Actor.ID}} {{index .Actor.Attributes \"container\"}}",
    );
    let volumes: Vec<&str> = mounted
        .lines()
        .filter_map(|l| l.split_once(' '))
        .filter(|(_, c)| ours.contains(c))
        .map(|(v, _)| v)
        .collect();
    assert_eq!(volumes.len(), 2, "{mounted}");
    for v in volumes {
        let gone = Command::new("docker")
            .args(["volume", "inspect", v])
            .output()
            .expect("docker");
        assert!(!gone.status.success(), "volume {v} outlived the grading");
    }
}

#[test]
fn a_lesson_that_is_a_device_a_fifo_or_too_large_is_refused_quickly_by_validate_and_test() {
    let dir = tempfile::tempdir().expect("temp dir");
    let lessons = dir.path().join("lessons");
    std::fs::create_dir(&lessons).expect("lessons folder");
    std::os::unix::fs::symlink("/dev/zero", lessons.join("ZERO.md")).expect("symlink");
    mkfifo(&lessons.join("PIPE.md"));
    // Larger than the one bound every lesson is read with (validate, test and the reader).
    let large = lessons.join("LARGE.md");
    let mut text = String::from("# LARGE: a lesson over the bound\n\n");
    text.push_str(&"Text of the lesson.\n\n".repeat(60_000));
    std::fs::write(&large, &text).expect("write");
    let home = tempfile::tempdir().expect("home");
    let refusals = [
        ("ZERO.md", "is a character device, not a regular file"),
        ("PIPE.md", "is a FIFO (named pipe), not a regular file"),
        ("LARGE.md", "is larger than the limit of 1048576 bytes"),
    ];

    // The folder, as `validate lessons/` finds them.
    let mut cmd = labrunner(home.path());
    cmd.arg("validate").arg(&lessons);
    let (code, out, err, took) = bounded(cmd);
    assert!(took < Duration::from_secs(10), "validate took {took:?}");
    assert_eq!(code, Some(1), "{out}{err}");
    for (name, why) in refusals {
        let shown = format!(
            "{}:1:1: error: cannot read the lesson: it {why}",
            lessons.join(name).display()
        );
        assert!(out.contains(&shown), "expected `{shown}` in:\n{out}{err}");
    }

    for (name, why) in refusals {
        let path = lessons.join(name);
        let mut cmd = labrunner(home.path());
        cmd.arg("validate").arg(&path);
        let (code, out, err, took) = bounded(cmd);
        assert!(
            took < Duration::from_secs(10),
            "validate {name} took {took:?}"
        );
        assert_eq!(code, Some(1), "{out}{err}");
        assert!(out.contains(&format!("it {why}")), "{name}: {out}{err}");

        let mut cmd = labrunner(home.path());
        cmd.arg("test").arg(&path);
        let (code, out, err, took) = bounded(cmd);
        assert!(took < Duration::from_secs(10), "test {name} took {took:?}");
        assert_ne!(code, Some(0), "{name}: {out}{err}");
        assert!(code.is_some(), "test {name} was killed: {out}{err}");
        assert!(
            err.contains(&format!("cannot read {}: it {why}", path.display())),
            "{name}: {out}{err}"
        );
        assert_eq!(
            err.matches(why).count(),
            1,
            "{name}: said more than once: {err}"
        );
    }
}
