//! Verdicts that can be trusted, against the real Docker daemon: the lesson's own commands earn
//! full marks, labs the project never shipped get the right verdict both ways, event-based
//! checks count only the current container since its step opened, every new kind passes and
//! fails, and a user's own data survives everything labrunner does, byte for byte.
//!
//! Gradings run in `vx` namespaces; resources created here by hand start with `vx-`. The
//! user-data test uses the shipped lab's own volume name, `persistent-store`, and so needs the
//! daemon lock the whole suite runs under.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::{IMAGE_MAP, docker, docker_available, docker_quiet, labrunner};
use labrunner_core::{
    AttachedCheck, Check, CheckEnv, ContainerRanCheck, DockerEngine, HostFileCheck, ImageMap,
    OutputCheck, RanCheck, RanMount, Recorder, UserCheck, Verdict, evaluate_check as evaluate,
};
use serde_json::Value;

const BUSYBOX: &str = "labrunner-fixture/busybox:1";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/verdicts").join(name)
}

/// Remove what a grading in namespace `ns` could have left.
fn purge(ns: &str) {
    assert!(ns.starts_with("vx"), "tests only touch vx resources");
    let label = format!("label=io.labrunner.run={ns}");
    let name = format!("name={ns}-");
    for filter in [&label, &name] {
        for id in docker(&["ps", "-aq", "--filter", filter]).split_whitespace() {
            docker_quiet(&["rm", "-f", id]);
        }
    }
    for filter in [&label, &name] {
        for n in docker(&["network", "ls", "-q", "--filter", filter]).split_whitespace() {
            docker_quiet(&["network", "rm", n]);
        }
        for v in docker(&["volume", "ls", "-q", "--filter", filter]).split_whitespace() {
            docker_quiet(&["volume", "rm", "-f", v]);
        }
    }
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

/// Start `labrunner grade LAB --submission SUB` in namespace `ns`, JSON out.
fn spawn_grade(home: &Path, lab: &Path, submission: &Path, ns: &str) -> std::process::Child {
    purge(ns);
    labrunner(home)
        .arg("grade")
        .arg(lab)
        .args(["--namespace", ns, "--format", "json", "--submission"])
        .arg(submission)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start labrunner")
}

/// Points per check, as `step/index -> score`.
fn scores(r: &Value) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for step in r["steps"].as_array().into_iter().flatten() {
        for (i, c) in step["checks"].as_array().into_iter().flatten().enumerate() {
            out.insert(
                format!("{}/{i}", step["id"].as_str().unwrap_or("")),
                c["score"].as_u64().unwrap_or(0),
            );
        }
    }
    out
}

fn evidence(r: &Value, step: usize, check: usize) -> String {
    r["steps"][step]["checks"][check]["evidence"]
        .as_str()
        .unwrap_or("")
        .to_string()
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

#[test]
fn the_lessons_lab_typed_verbatim_scores_full_marks() {
    if !docker_available() {
        return;
    }
    let home = tempfile::tempdir().expect("temp home");
    let lab = root().join("labs/MOD-DOCKER-04/volume-persistence.yaml");
    let out = spawn_grade(
        home.path(),
        &lab,
        &fixture("lesson-volume-persistence.sh"),
        "vx-lesson",
    )
    .wait_with_output()
    .expect("labrunner finishes");
    let r = report(&out);
    assert_eq!(r["score"], r["max_score"], "{r:#}");
    assert_eq!(credited(&r).len(), 6, "{r:#}");
    // The `--rm` reader is gone by the time anyone looks; it is credited with what it printed.
    let reader = evidence(&r, 5, 0);
    assert!(
        reader.contains("printed: CRITICAL_DATABASE_TRANSACTION_99"),
        "{reader}"
    );
    // The shell pipe at the end is refused, and costs nothing.
    assert_eq!(r["refused"].as_array().map(Vec::len), Some(1), "{r:#}");
    purge("vx-lesson");
}

#[test]
fn labs_never_shipped_get_the_right_verdict_both_ways() {
    if !docker_available() {
        return;
    }
    let home = tempfile::tempdir().expect("temp home");
    let storage = fixture("troubleshoot-storage.yaml");
    let isolation = fixture("isolation.yaml");
    let runs = [
        ("vx-ts-ok", &storage, "troubleshoot-correct.sh"),
        ("vx-ts-exit1", &storage, "troubleshoot-exit1.sh"),
        ("vx-iso-ok", &isolation, "isolation-correct.sh"),
        ("vx-iso-wrong", &isolation, "isolation-wrong-network.sh"),
    ];
    let children: Vec<_> = runs
        .iter()
        .map(|(ns, lab, sub)| spawn_grade(home.path(), lab, &fixture(sub), ns))
        .collect();
    let reports: Vec<Value> = children
        .into_iter()
        .map(|c| report(&c.wait_with_output().expect("labrunner finishes")))
        .collect();

    let ok = &reports[0];
    assert_eq!(ok["score"], ok["max_score"], "{ok:#}");

    // "Permission denied" is not "any exit code 1": `sh -c "exit 1"` earns nothing for it,
    // and the steps after it earn nothing before it is done.
    let exit1 = &reports[1];
    let s = scores(exit1);
    assert_eq!(s["permission-denied/1"], 0, "{exit1:#}");
    assert_eq!(s["read-back/0"] + s["read-back/1"], 0, "{exit1:#}");
    assert_eq!(credited(exit1), ["absolute-target"]);
    assert!(
        evidence(exit1, 1, 1).contains("`sh -c exit 1`, but it printed: (no output)"),
        "{}",
        evidence(exit1, 1, 1)
    );

    let iso = &reports[2];
    assert_eq!(iso["score"], iso["max_score"], "{iso:#}");

    // The probe sat on the wrong network, then was removed: the evidence is the closest state
    // the submission reached, and says after which line.
    let wrong = &reports[3];
    assert_eq!(wrong["score"], 0, "{wrong:#}");
    let seen = evidence(wrong, 0, 0);
    assert_eq!(seen, "after line 3: vt-probe is on vt-front, not vt-back");
    for (ns, _, _) in runs {
        purge(ns);
    }
}

#[test]
fn test_proves_the_alternatives_and_mistakes_of_labs_never_shipped() {
    if !docker_available() {
        return;
    }
    let home = tempfile::tempdir().expect("temp home");
    let out = labrunner(home.path())
        .args(["test", "--isolate"])
        .arg(root().join("tests/fixtures/verdicts"))
        .output()
        .expect("run labrunner test");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    for line in [
        "ok   back-network             mistake does not pass: a mistyped network name",
        "ok   permission-denied        mistake does not pass: any failure is not this failure",
        "ok   read-back                alternative passes: --mount, read-only",
    ] {
        assert!(text.contains(line), "missing `{line}` in:\n{text}");
    }

    // A mistake that passes, or one whose student is told something else, fails the test.
    let dir = tempfile::tempdir().expect("temp dir");
    let lab = std::fs::read_to_string(fixture("isolation.yaml"))
        .expect("fixture")
        .replace(
            "told: 'network vt_back exists: a typo of vt-back'",
            "told: 'something nobody says'",
        )
        .replace(
            "--network vt-front alpine:latest sleep 600",
            "--network vt-back alpine:latest sleep 600",
        );
    let path = dir.path().join("isolation.yaml");
    std::fs::write(&path, lab).expect("write lab");
    let out = labrunner(home.path())
        .args(["test", "--isolate"])
        .arg(&path)
        .output()
        .expect("run labrunner test");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("FAIL back-network             mistake does not pass: the probe joins the front network\n       it passed every check of the step"),
        "{text}"
    );
    assert!(
        text.contains("the student is not told /something nobody says/"),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------------------
// Checks through the core, with a recorder following the daemon's events.

async fn engine() -> Option<DockerEngine> {
    if !docker_available() {
        return None;
    }
    Some(DockerEngine::connect().await.expect("daemon answers"))
}

struct Seen<'a> {
    engine: &'a DockerEngine,
    recorder: &'a Recorder,
    workdir: &'a Path,
    run_id: &'a str,
    only_run_containers: bool,
}

impl Seen<'_> {
    async fn verdict(&self, check: &Check, opened_ns: i64) -> Verdict {
        let map = ImageMap::parse_entries(IMAGE_MAP).expect("image map");
        let labels = BTreeMap::from([
            ("io.labrunner.managed".to_string(), "true".to_string()),
            ("io.labrunner.role".to_string(), "check".to_string()),
        ]);
        let own = HashSet::new();
        let env = CheckEnv {
            engine: self.engine,
            helper_image: "alpine:latest",
            image_map: &map,
            workdir: self.workdir,
            labels: &labels,
            recorder: self.recorder,
            opened_ns,
            own_execs: &own,
            run_id: self.run_id,
            only_run_containers: self.only_run_containers,
            known_empty: Default::default(),
            inspections: &Default::default(),
        };
        evaluate(check, &env).await
    }

    /// The verdict once it passes, or after three seconds (events arrive a moment after the
    /// command that causes them returns).
    async fn eventually(&self, check: &Check, opened_ns: i64) -> Verdict {
        let deadline = std::time::Instant::now() + Duration::from_secs(3);
        loop {
            let v = self.verdict(check, opened_ns).await;
            if v.passed() || std::time::Instant::now() >= deadline {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn pass(v: &Verdict, fragment: &str) {
    assert!(
        matches!(v, Verdict::Pass { .. }) && v.text().contains(fragment),
        "expected pass with {fragment:?}, got {v:?}"
    );
}

fn fail(v: &Verdict, fragment: &str) {
    assert!(
        matches!(v, Verdict::Fail { .. }) && v.text().contains(fragment),
        "expected fail with {fragment:?}, got {v:?}"
    );
}

fn ran_container(c: ContainerRanCheck) -> Check {
    Check {
        container_ran: Some(c),
        ..Default::default()
    }
}

/// Run a docker CLI command without waiting on the test's own runtime thread.
async fn docker_cli(args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        Command::new("docker")
            .args(&args)
            .output()
            .expect("docker CLI runs")
    })
    .await
    .expect("docker CLI finishes")
}

#[tokio::test]
async fn event_checks_count_this_container_since_its_step_opened() {
    let Some(engine) = engine().await else { return };
    let volume = "vx-ev-store";
    let writer = "vx-ev-writer";
    docker_quiet(&["rm", "-f", writer]);
    docker_quiet(&["volume", "rm", "-f", volume]);
    docker(&["volume", "create", volume]);
    let recorder = Recorder::new();
    let workdir = tempfile::tempdir().expect("temp dir");
    let seen = Seen {
        engine: &engine,
        recorder: &recorder,
        workdir: workdir.path(),
        run_id: "vx-ev",
        only_run_containers: false,
    };
    let reader = ran_container(ContainerRanCheck {
        image: Some("alpine:latest".into()),
        mount: Some(RanMount {
            source: Some(volume.into()),
            target: Some("/app/data".into()),
        }),
        command: Some(r"cat /app/data/ledger\.txt".into()),
        exit_code: Some(0),
        output: Some("LEDGER_LINE_7".into()),
        ..Default::default()
    });
    let ran = |command: &str| Check {
        ran: Some(RanCheck {
            container: writer.into(),
            command: command.into(),
            exit_code: None,
            output: None,
        }),
        ..Default::default()
    };
    let mount = format!("{volume}:/app/data");
    recorder
        .follow(&engine, async {
            let opened = recorder.open_step("reader");
            fail(
                &seen.verdict(&reader, opened).await,
                "no container ran since this step opened",
            );
            // A reader of an empty volume: it ran, but exited 1 and printed the error.
            docker_cli(&[
                "run",
                "--rm",
                "-v",
                &mount,
                BUSYBOX,
                "cat",
                "/app/data/ledger.txt",
            ])
            .await;
            fail(&seen.eventually(&reader, opened).await, "it exited 1");
            docker_cli(&[
                "run",
                "--rm",
                "-v",
                &mount,
                BUSYBOX,
                "sh",
                "-c",
                "echo LEDGER_LINE_7 > /app/data/ledger.txt",
            ])
            .await;
            docker_cli(&[
                "run",
                "--rm",
                "-v",
                &mount,
                BUSYBOX,
                "cat",
                "/app/data/ledger.txt",
            ])
            .await;
            // Gone (`--rm`), yet seen, with what it printed; the mapped image counts as alpine.
            let v = seen.eventually(&reader, opened).await;
            pass(&v, "printed: LEDGER_LINE_7");
            pass(&v, BUSYBOX);
            // A mount without a target: the volume counts at any path, another volume does not.
            let anywhere = |source: &str| {
                ran_container(ContainerRanCheck {
                    mount: Some(RanMount {
                        source: Some(source.into()),
                        target: None,
                    }),
                    output: Some("LEDGER_LINE_7".into()),
                    ..Default::default()
                })
            };
            pass(
                &seen.eventually(&anywhere(volume), opened).await,
                "printed: LEDGER_LINE_7",
            );
            fail(
                &seen.verdict(&anywhere("vx-ev-other"), opened).await,
                &format!("it mounted {volume}:/app/data"),
            );
            // A step opened later does not count what ran before it.
            let later = recorder.open_step("later");
            fail(
                &seen.verdict(&reader, later).await,
                "no container ran since this step opened",
            );
            // Another run's containers never count.
            let elsewhere = Seen {
                run_id: "vx-other",
                only_run_containers: true,
                ..seen
            };
            fail(
                &elsewhere.verdict(&reader, opened).await,
                "no container ran",
            );

            // `ran`: by container id. An earlier container of the same name does not count.
            docker_cli(&["run", "-d", "--name", writer, BUSYBOX, "sleep", "60"]).await;
            docker_cli(&["exec", writer, "cat", "/etc/hostname"]).await;
            pass(
                &seen.eventually(&ran("cat /etc/hostname"), opened).await,
                "ran in",
            );
            docker_cli(&["rm", "-f", writer]).await;
            docker_cli(&["run", "-d", "--name", writer, BUSYBOX, "sleep", "60"]).await;
            fail(
                &seen.verdict(&ran("cat /etc/hostname"), opened).await,
                "nothing was run in vx-ev-writer since this step opened",
            );
        })
        .await;
    // Not following any more: the check says it cannot tell instead of guessing.
    let stale = Recorder::new();
    let v = Seen {
        recorder: &stale,
        ..seen
    }
    .verdict(&reader, 0)
    .await;
    assert!(
        matches!(v, Verdict::Unknown { .. }) && v.text().contains("not being followed"),
        "{v:?}"
    );
    docker_quiet(&["rm", "-f", writer]);
    docker_quiet(&["volume", "rm", "-f", volume]);
}

#[tokio::test]
async fn new_kinds_pass_on_the_right_state_and_fail_on_the_wrong_one() {
    let Some(engine) = engine().await else { return };
    let (app, net, missing) = ("vx-kinds-app", "vx-kinds-net", "vx-kinds-missing");
    let (store, plain) = ("vx-kinds-store", "vx-kinds-plain");
    for c in [app, plain] {
        docker_quiet(&["rm", "-f", c]);
    }
    docker_quiet(&["network", "rm", net]);
    docker_quiet(&["volume", "rm", "-f", store]);
    let workdir = tempfile::tempdir().expect("temp dir");
    let dir = workdir.path().to_string_lossy().to_string();
    let recorder = Recorder::new();
    let seen = Seen {
        engine: &engine,
        recorder: &recorder,
        workdir: workdir.path(),
        run_id: "vx-kinds",
        only_run_containers: false,
    };

    // host_file: a file, and a member of a tar archive, in the lab folder.
    docker(&["volume", "create", store]);
    docker(&[
        "run",
        "--rm",
        "-v",
        &format!("{store}:/source"),
        BUSYBOX,
        "sh",
        "-c",
        "echo 'order 1001' > /source/orders.txt",
    ]);
    let host_file = |path: &str, member: Option<&str>, contains: Option<&str>| Check {
        host_file: Some(HostFileCheck {
            path: path.into(),
            member: member.map(str::to_string),
            contains: contains.map(str::to_string),
        }),
        ..Default::default()
    };
    fail(
        &seen
            .verdict(&host_file("app-data.tar.gz", Some("orders.txt"), None), 0)
            .await,
        "no file app-data.tar.gz",
    );
    // Archiving /source itself stores source/orders.txt: a restore would land one folder deep.
    docker(&[
        "run",
        "--rm",
        "-v",
        &format!("{store}:/source:ro"),
        "-v",
        &format!("{dir}:/backup"),
        BUSYBOX,
        "tar",
        "czf",
        "/backup/app-data.tar.gz",
        "/source",
    ]);
    fail(
        &seen
            .verdict(&host_file("app-data.tar.gz", Some("./orders.txt"), None), 0)
            .await,
        "source/orders.txt",
    );
    docker(&[
        "run",
        "--rm",
        "-v",
        &format!("{store}:/source:ro"),
        "-v",
        &format!("{dir}:/backup"),
        BUSYBOX,
        "tar",
        "czf",
        "/backup/app-data.tar.gz",
        "-C",
        "/source",
        ".",
    ]);
    pass(
        &seen
            .verdict(
                &host_file("app-data.tar.gz", Some("./orders.txt"), Some("order 1001")),
                0,
            )
            .await,
        "order 1001",
    );
    fail(
        &seen
            .verdict(
                &host_file("app-data.tar.gz", Some("orders.txt"), Some("order 2002")),
                0,
            )
            .await,
        "order 1001",
    );
    docker(&[
        "run",
        "--rm",
        "-v",
        &format!("{dir}:/backup"),
        BUSYBOX,
        "sh",
        "-c",
        "echo hello > /backup/note.txt",
    ]);
    pass(
        &seen
            .verdict(&host_file("note.txt", None, Some("^hello")), 0)
            .await,
        "note.txt",
    );
    fail(
        &seen.verdict(&host_file("nope.txt", None, None), 0).await,
        "no file nope.txt",
    );

    // output: what a container printed.
    docker(&[
        "run",
        "-d",
        "--name",
        app,
        "--user",
        "1000:1000",
        BUSYBOX,
        "sh",
        "-c",
        "echo ready on 8080; sleep 60",
    ]);
    let output = |matches: &str| Check {
        output: Some(OutputCheck {
            container: app.into(),
            matches: matches.into(),
        }),
        ..Default::default()
    };
    let v = {
        let deadline = std::time::Instant::now() + Duration::from_secs(3);
        loop {
            let v = seen.verdict(&output("ready on \\d+"), 0).await;
            if v.passed() || std::time::Instant::now() >= deadline {
                break v;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    pass(&v, "ready on 8080");
    fail(
        &seen.verdict(&output("listening"), 0).await,
        "ready on 8080",
    );

    // user: as `--user` set it.
    let user = |container: &str, user: &str| Check {
        user: Some(UserCheck {
            container: container.into(),
            user: user.into(),
        }),
        ..Default::default()
    };
    pass(
        &seen.verdict(&user(app, "1000"), 0).await,
        "runs as 1000:1000",
    );
    fail(
        &seen.verdict(&user(app, "root"), 0).await,
        "runs as 1000:1000",
    );
    docker(&["run", "-d", "--name", plain, BUSYBOX, "sleep", "60"]);
    pass(&seen.verdict(&user(plain, "root"), 0).await, "default user");
    fail(
        &seen.verdict(&user(plain, "65534"), 0).await,
        "default user",
    );

    // attached: a real endpoint. A container created on a network that does not exist lists
    // it, but is not attached to it.
    let attached = |container: &str, network: &str| Check {
        attached: Some(AttachedCheck {
            container: container.into(),
            network: network.into(),
            aliases: Vec::new(),
        }),
        ..Default::default()
    };
    docker_quiet(&["rm", "-f", plain]);
    let _ = Command::new("docker")
        .args([
            "create",
            "--name",
            plain,
            "--network",
            missing,
            BUSYBOX,
            "sleep",
            "60",
        ])
        .output();
    fail(
        &seen.verdict(&attached(plain, missing), 0).await,
        "has no endpoint on it",
    );
    docker(&["network", "create", net]);
    docker(&["network", "connect", net, app]);
    pass(&seen.verdict(&attached(app, net), 0).await, "attached to");
    // Near misses are named.
    fail(
        &seen.verdict(&attached(app, "vx_kinds_net"), 0).await,
        "network vx-kinds-net exists: a typo of vx_kinds_net?",
    );

    for c in [app, plain] {
        docker_quiet(&["rm", "-f", c]);
    }
    docker_quiet(&["network", "rm", net]);
    docker_quiet(&["volume", "rm", "-f", store]);
    // The archive belongs to root; the container that wrote it can remove it.
    docker_quiet(&[
        "run",
        "--rm",
        "-v",
        &format!("{dir}:/backup"),
        BUSYBOX,
        "sh",
        "-c",
        "rm -rf /backup/*",
    ]);
}

// ---------------------------------------------------------------------------------------------
// The user's own data.

/// Names, sizes and checksums of every file in a volume, read by a throwaway container.
fn volume_digest(volume: &str) -> String {
    docker(&[
        "run",
        "--rm",
        "-v",
        &format!("{volume}:/d:ro"),
        BUSYBOX,
        "sh",
        "-c",
        "cd /d && ls -ln && sha256sum *",
    ])
}

#[tokio::test]
async fn the_users_own_data_stays_byte_identical() {
    use labrunner_core::{LabRun, RunEvent};
    use labrunner_core::{LiveCommand, LiveConfig};

    let Some(engine) = engine().await else { return };
    // The shipped lab's own names: nothing of them may exist before (the suite holds the
    // daemon lock, so no other test uses them now).
    for (kind, name) in [
        ("volume", "persistent-store"),
        ("network", "isolated-net"),
        ("container", "db-writer"),
        ("container", "ledger-reader"),
    ] {
        let exists = Command::new("docker")
            .args([kind, "inspect", name])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        assert!(
            !exists,
            "{kind} {name} exists on this daemon; this test needs it absent"
        );
    }
    docker(&["volume", "create", "persistent-store"]);
    docker(&[
        "run",
        "--rm",
        "-v",
        "persistent-store:/d",
        BUSYBOX,
        "sh",
        "-c",
        "printf 'my own ledger: 42\\n' > /d/ledger.txt && printf '\\001\\002\\377 notes' > /d/notes.bin",
    ]);
    let before = volume_digest("persistent-store");
    assert!(
        before.contains("ledger.txt") && before.contains("notes.bin"),
        "{before}"
    );

    let loaded =
        labrunner_core::load_valid(&root().join("labs/MOD-DOCKER-04/volume-persistence.yaml"))
            .expect("the lab loads")
            .0;
    let lab = loaded.lab;
    let map = ImageMap::parse_entries(IMAGE_MAP).expect("image map");
    let workdir = tempfile::tempdir().expect("temp dir");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut run = LabRun::new(&engine, &lab, workdir.path().join("lab"), map).with_events(tx);
    // Opening the lab says what exists before anything runs.
    let found = run.preflight().await.expect("preflight");
    assert_eq!(
        found.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["volume persistent-store"]
    );
    run.prepare_workdir().expect("lab folder");
    run.setup().await.expect("setup");
    // "Run it for me" on every step, a reset, and quit; the user gave no consent.
    let (cmd_tx, cmd_rx) = tokio::sync::mpsc::unbounded_channel();
    for i in 0..lab.steps.len() {
        cmd_tx.send(LiveCommand::Goto(i)).expect("send");
        let step = lab.steps[i].id.clone();
        cmd_tx.send(LiveCommand::Assist { step }).expect("send");
    }
    cmd_tx.send(LiveCommand::Reset).expect("send");
    cmd_tx.send(LiveCommand::Quit).expect("send");
    let config = LiveConfig {
        fallback: Duration::from_secs(60),
    };
    labrunner_core::run_live(&run, 0, cmd_rx, config).await;
    drop(run);
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    assert!(
        matches!(events.first(), Some(RunEvent::Preexisting { resources }) if resources == &["volume persistent-store"]),
        "the first thing said is what existed: {:?}",
        events.first()
    );
    let refused: Vec<&String> = events
        .iter()
        .filter_map(|e| match e {
            RunEvent::ActionRan {
                error: Some(err), ..
            } if err.starts_with("not run: volume persistent-store existed before") => Some(err),
            _ => None,
        })
        .collect();
    assert!(
        refused.len() >= 2,
        "the writer and the reader mount the volume read-write and are refused: {events:#?}"
    );

    // `clean` and `grade` (the daemon's state, and a replayed submission).
    let home = tempfile::tempdir().expect("temp home");
    let clean = labrunner(home.path())
        .args(["clean", "--lab", "volume-persistence"])
        .output()
        .expect("clean runs");
    assert!(
        clean.status.success(),
        "{}",
        String::from_utf8_lossy(&clean.stderr)
    );
    let lab_path = root().join("labs/MOD-DOCKER-04/volume-persistence.yaml");
    let state = labrunner(home.path())
        .arg("grade")
        .arg(&lab_path)
        .args(["--format", "json"])
        .output()
        .expect("grade runs");
    let r = report(&state);
    assert_eq!(r["score"], 0, "nothing of the lab was done: {r:#}");
    let replayed = spawn_grade(
        home.path(),
        &lab_path,
        &fixture("lesson-volume-persistence.sh"),
        "vx-userdata",
    )
    .wait_with_output()
    .expect("grade runs");
    let r = report(&replayed);
    assert_eq!(r["score"], r["max_score"], "{r:#}");
    purge("vx-userdata");

    let after = volume_digest("persistent-store");
    docker_quiet(&["volume", "rm", "persistent-store"]);
    assert_eq!(before, after, "the user's files changed");
    for (kind, name) in [("network", "isolated-net"), ("container", "db-writer")] {
        let exists = Command::new("docker")
            .args([kind, "inspect", name])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        assert!(!exists, "{kind} {name} was left behind");
    }
}

#[test]
fn a_labs_prune_spares_the_users_network_with_the_same_label() {
    if !docker_available() {
        return;
    }
    // Unused, and labelled exactly as the lab's prune filters: only the run's own label keeps
    // it out of the prune.
    let mine = "vx-users-scratch";
    docker_quiet(&["network", "rm", mine]);
    docker(&[
        "network",
        "create",
        "--label",
        "lab=network-addressing",
        mine,
    ]);
    let home = tempfile::tempdir().expect("temp home");
    let out = labrunner(home.path())
        .arg("test")
        .arg(root().join("labs/MOD-DOCKER-04/network-addressing.yaml"))
        .output()
        .expect("test runs");
    let exists = docker(&["network", "ls", "-q", "--filter", &format!("name=^{mine}$")]);
    docker_quiet(&["network", "rm", mine]);
    assert!(
        out.status.success(),
        "the lab's prune runs: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        !exists.trim().is_empty(),
        "the user's network {mine} was pruned"
    );
}
