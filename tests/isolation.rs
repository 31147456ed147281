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

/// One grading test at a time: each runs several gradings at once already, and a scored check
/// that depends on timing (name resolution with a one-second timeout) should not be raced by
/// the others on a loaded machine.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

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
    let _turn = one_at_a_time();
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

/// The fixture lab under an id of this test only, so that `clean --lab` (even with
/// `--all-labelled`, which knows only the runs of its own data folder) can reach nothing of any
/// other test's.
fn own_lab(dir: &Path, tag: &str) -> (PathBuf, String) {
    let id = format!("lrrun-{}-{tag}", std::process::id());
    let text = std::fs::read_to_string(fixture("storage.yaml")).expect("fixture");
    let path = dir.join("lab.yaml");
    std::fs::write(
        &path,
        text.replace("id: gx-grade-storage", &format!("id: {id}")),
    )
    .expect("write lab");
    (path, id)
}

fn grading(home: &Path, lab: &Path, ns: &str, sub: &Path) -> Command {
    let mut cmd = labrunner(home);
    cmd.arg("grade")
        .arg(lab)
        .args(["--namespace", ns, "--format", "json", "--submission"])
        .arg(sub)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Ids of the networks named in namespace `ns`.
fn networks_in(ns: &str) -> Vec<String> {
    let filter = format!("name={ns}--");
    let mut ids: Vec<String> = docker(&["network", "ls", "-q", "--filter", &filter])
        .split_whitespace()
        .map(str::to_string)
        .collect();
    ids.sort();
    ids
}

fn recorded_runs(home: &Path) -> Vec<String> {
    let Ok(list) = std::fs::read_dir(home.join("runs")) else {
        return Vec::new();
    };
    let mut runs: Vec<String> = list
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".json"))
        .collect();
    runs.sort();
    runs
}

/// Two gradings with one namespace (by flag, and by LABRUNNER_NAMESPACE): the second is refused
/// before it creates anything, saying which run holds the namespace and how to choose another;
/// the first scores full marks and nothing is left, not even its record.
#[test]
fn a_namespace_in_use_by_a_live_grading_is_refused() {
    if !docker_available() {
        return;
    }
    let _turn = one_at_a_time();
    let dir = tempfile::tempdir().expect("temp dir");
    let home = tempfile::tempdir().expect("temp home");
    let (lab, _) = own_lab(dir.path(), "refused");
    let ns = namespace("one");
    purge(&ns);
    let held = submission(dir.path(), "held.sh", "docker run --rm alpine sleep 10");
    let first = grading(home.path(), &lab, &ns, &held)
        .spawn()
        .expect("first grading");
    assert!(
        wait_running(&format!("{ns}--gx-reader"), Duration::from_secs(60)),
        "the first grading never got going"
    );
    let before = networks_in(&ns);
    assert_eq!(before.len(), 1);
    let correct = fixture("correct.sh");
    let by_flag = grading(home.path(), &lab, &ns, &correct)
        .output()
        .expect("second grading");
    let mut by_env = labrunner(home.path());
    let by_env = by_env
        .arg("grade")
        .arg(&lab)
        .args(["--format", "json", "--submission"])
        .arg(&correct)
        .env("LABRUNNER_NAMESPACE", &ns)
        .output()
        .expect("third grading");
    for out in [&by_flag, &by_env] {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        // The report, if one is written, says the submission was not graded, and why.
        if !out.stdout.is_empty() {
            let r = report(out);
            assert_eq!(r["status"], "error", "{r:#}");
            assert!(
                r["error"]
                    .as_str()
                    .unwrap_or("")
                    .contains("is in use by run"),
                "{r:#}"
            );
        }
        for part in [
            format!("namespace `{ns}` is in use by run {ns}"),
            format!("labrunner process {}", first.id()),
            "choose another with --namespace".to_string(),
        ] {
            assert!(stderr.contains(&part), "{part:?} not in: {stderr}");
        }
    }
    // Another data folder does not know the first grading's record, but the daemon shows
    // what carries its run label: refused as well, before anything is created.
    let elsewhere = tempfile::tempdir().expect("another home");
    let out = grading(elsewhere.path(), &lab, &ns, &correct)
        .output()
        .expect("grading from another home");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("already exist"), "{stderr}");
    assert_eq!(recorded_runs(elsewhere.path()), Vec::<String>::new());
    // Nothing of the refused gradings: the same one network, the first grading's.
    assert_eq!(networks_in(&ns), before);
    assert_eq!(recorded_runs(home.path()), [format!("{ns}.json")]);

    let out = first.wait_with_output().expect("first grading ends");
    assert_eq!(report(&out)["score"], 8);
    assert_eq!(leftovers(&ns), Vec::<String>::new());
    assert_eq!(
        recorded_runs(home.path()),
        Vec::<String>::new(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A grading killed outright leaves its record and its objects: the record is stale (its
/// process is gone), so it blocks nothing, and a plain `clean` removes exactly what it left.
#[test]
fn a_killed_gradings_record_is_stale_and_clean_removes_what_it_left() {
    if !docker_available() {
        return;
    }
    let _turn = one_at_a_time();
    let dir = tempfile::tempdir().expect("temp dir");
    let home = tempfile::tempdir().expect("temp home");
    let (lab, lab_id) = own_lab(dir.path(), "killed");
    let ns = namespace("kill");
    purge(&ns);
    let held = submission(dir.path(), "held.sh", "docker run --rm alpine sleep 60");
    let mut first = grading(home.path(), &lab, &ns, &held)
        .spawn()
        .expect("grading");
    assert!(wait_running(
        &format!("{ns}--gx-reader"),
        Duration::from_secs(60)
    ));
    first.kill().expect("SIGKILL");
    first.wait().expect("reaped");
    assert_eq!(recorded_runs(home.path()), [format!("{ns}.json")]);
    assert!(
        !leftovers(&ns).is_empty(),
        "a killed grading cleans nothing"
    );

    // The namespace is free in the registry; what is left in it still stops a replay.
    let out = grading(home.path(), &lab, &ns, &fixture("correct.sh"))
        .output()
        .expect("grading");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("is in use by run"), "{stderr}");
    assert!(stderr.contains("already exist"), "{stderr}");

    let dry = labrunner(home.path())
        .args(["clean", "--dry-run"])
        .output()
        .expect("clean");
    let listed = String::from_utf8_lossy(&dry.stdout);
    assert!(
        listed.contains(&format!("would remove network {ns}--gx-app-net")),
        "{listed}"
    );
    let out = labrunner(home.path())
        .args(["clean", "--lab", &lab_id])
        .output()
        .expect("clean");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // The sleeping container may still be going away: give the daemon a moment.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !leftovers(&ns).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(leftovers(&ns), Vec::<String>::new());
    assert_eq!(recorded_runs(home.path()), Vec::<String>::new());

    let out = grading(home.path(), &lab, &ns, &fixture("correct.sh"))
        .output()
        .expect("grading");
    assert_eq!(report(&out)["score"], 8);
    assert_eq!(leftovers(&ns), Vec::<String>::new());
}

/// An object that carries labrunner's labels but that no run of labrunner's recorded is not
/// `clean`'s: it is not listed by a dry run and survives `clean`.
#[test]
fn clean_leaves_a_hand_labelled_object_alone() {
    if !docker_available() {
        return;
    }
    let _turn = one_at_a_time();
    let home = tempfile::tempdir().expect("temp home");
    let decoy = format!("lrrun-decoy-{}", std::process::id());
    docker_quiet(&["network", "rm", &decoy]);
    docker_quiet(&["volume", "rm", &decoy]);
    docker(&[
        "network",
        "create",
        "--label",
        "io.labrunner.managed=true",
        &decoy,
    ]);
    docker(&[
        "volume",
        "create",
        "--label",
        "io.labrunner.managed=true",
        "--label",
        "io.labrunner.run=lrrun-hand",
        &decoy,
    ]);
    for args in [vec!["clean", "--dry-run"], vec!["clean"]] {
        let out = labrunner(home.path()).args(&args).output().expect("clean");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}");
        assert!(
            !stdout.contains(&decoy),
            "{args:?} named the decoy: {stdout}"
        );
        assert!(stdout.contains("--all-labelled"), "{stdout}");
    }
    docker(&["network", "inspect", &decoy]);
    docker(&["volume", "inspect", &decoy]);
    docker(&["network", "rm", &decoy]);
    docker(&["volume", "rm", &decoy]);
}

/// `clean` (plain, and with `--all-labelled`) over and over while a class is graded: every
/// student keeps full marks, because every grading in flight is a live recorded run.
#[test]
fn clean_during_a_class_grading_changes_no_score() {
    if !docker_available() {
        return;
    }
    let _turn = one_at_a_time();
    let dir = tempfile::tempdir().expect("temp dir");
    let home = tempfile::tempdir().expect("temp home");
    let (lab, lab_id) = own_lab(dir.path(), "class");
    let prefix = namespace("c");
    let subs = dir.path().join("subs");
    std::fs::create_dir(&subs).expect("subs");
    let correct = std::fs::read_to_string(fixture("correct.sh")).expect("fixture");
    for student in ["ann", "ben", "cat", "dan"] {
        std::fs::write(
            subs.join(format!("{student}.sh")),
            format!("{correct}\ndocker run --rm alpine sleep 2\n"),
        )
        .expect("submission");
    }
    let out_dir = dir.path().join("out");
    let mut class = labrunner(home.path())
        .arg("grade")
        .arg(&lab)
        .arg("--submissions")
        .arg(&subs)
        .arg("--out-dir")
        .arg(&out_dir)
        .args(["--namespace", &prefix, "--jobs", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("class");
    let mut cleans = 0;
    let status = loop {
        if let Some(status) = class.try_wait().expect("class state") {
            break status;
        }
        let mut args = vec!["clean", "--lab", lab_id.as_str()];
        if cleans % 2 == 1 {
            args.push("--all-labelled");
        }
        let out = labrunner(home.path()).args(&args).output().expect("clean");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        cleans += 1;
    };
    let out = class.wait_with_output().expect("class output");
    assert!(status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(cleans >= 4, "only {cleans} cleans ran during the class");
    let book = std::fs::read_to_string(out_dir.join("gradebook.csv")).expect("gradebook");
    let rows: Vec<&str> = book.lines().skip(1).collect();
    assert_eq!(rows.len(), 4, "{book}");
    for row in rows {
        let fields: Vec<&str> = row.split(',').collect();
        assert_eq!((fields[1], fields[2]), ("8", "8"), "{book}");
    }
    assert_eq!(recorded_runs(home.path()), Vec::<String>::new());
    let label = format!("label=io.labrunner.lab={lab_id}");
    assert_eq!(docker(&["ps", "-aq", "--filter", &label]).trim(), "");
}
