//! `labrunner test` and the runner's ownership rules, on the real daemon.

mod common;

use std::path::PathBuf;

use common::{docker, docker_available, docker_quiet, labrunner};
use labrunner_core::{Consent, DockerEngine, ImageMap, LabRun, ResourceKind};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/runner")
        .join(name)
}

fn left_by_lab(lab: &str) -> String {
    let filter = format!("label=io.labrunner.lab={lab}");
    let mut out = docker(&["ps", "-aq", "--filter", &filter]);
    out.push_str(&docker(&["network", "ls", "-q", "--filter", &filter]));
    out.push_str(&docker(&["volume", "ls", "-q", "--filter", &filter]));
    out
}

#[test]
fn a_lab_never_seen_before_passes_and_leaves_nothing() {
    if !docker_available() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let out = labrunner(home.path())
        .arg("test")
        .arg(fixture("handwritten.yaml"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for step in ["author", "reader", "wrong-target"] {
        assert!(stdout.contains(&format!("ok   {step}")), "{stdout}");
    }
    assert!(stdout.contains("cleanup: nothing left behind"), "{stdout}");
    assert!(stdout.contains("1 passed, 0 failed"), "{stdout}");
    assert_eq!(left_by_lab("lrx-handwritten").trim(), "");
    for name in ["lrx-author", "lrx-reader"] {
        assert!(
            docker(&["ps", "-aq", "--filter", &format!("name=^{name}$")])
                .trim()
                .is_empty()
        );
    }
    // The lab's working folder is gone too.
    let work = home.path().join("work");
    assert!(!work.exists() || std::fs::read_dir(&work).unwrap().next().is_none());
}

#[test]
fn defects_in_a_lab_are_reported_and_fail_the_run() {
    if !docker_available() {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let out = labrunner(home.path())
        .args(["test", "--json"])
        .arg(fixture("early-pass.yaml"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lab = &report[0];
    assert_eq!(lab["ok"], false);
    let early = &lab["steps"][0]["passed_too_early"];
    assert_eq!(early.as_array().unwrap().len(), 1, "{lab}");
    assert!(
        early[0]["description"]
            .as_str()
            .unwrap()
            .contains("image alpine:latest")
    );
    let after = &lab["steps"][1]["after"][0];
    assert_eq!(after["verdict"], "fail");
    assert!(
        after["evidence"].as_str().unwrap().contains("missing.txt"),
        "{after}"
    );
    assert_eq!(lab["leftovers"].as_array().unwrap().len(), 0);
    assert_eq!(left_by_lab("lrx-defective").trim(), "");
}

/// Someone's volume with data in it, named by a lab, survives the lab's start, its reset and
/// cleanup, `labrunner clean`, and a `test` run that refuses to start.
#[test]
fn a_preexisting_volume_is_never_touched() {
    if !docker_available() {
        return;
    }
    docker_quiet(&["rm", "-f", "lrx-user"]);
    docker_quiet(&["volume", "rm", "-f", "lrx-precious"]);
    docker(&["volume", "create", "lrx-precious"]);
    docker(&[
        "run",
        "--rm",
        "-v",
        "lrx-precious:/data",
        "labrunner-fixture/busybox:1",
        "sh",
        "-c",
        "echo thesis-draft-7 > /data/work.txt",
    ]);
    let read = || {
        docker(&[
            "run",
            "--rm",
            "-v",
            "lrx-precious:/data",
            "labrunner-fixture/busybox:1",
            "cat",
            "/data/work.txt",
        ])
    };

    let home = tempfile::tempdir().unwrap();
    let out = labrunner(home.path())
        .arg("test")
        .arg(fixture("preexisting.yaml"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("volume lrx-precious already exists"),
        "{stdout}"
    );
    assert_eq!(read().trim(), "thesis-draft-7");

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let engine = DockerEngine::connect().await.unwrap();
        let lab = labrunner_core::load_valid(&fixture("preexisting.yaml"))
            .unwrap()
            .0
            .lab;
        let map = ImageMap::parse_entries(common::IMAGE_MAP).unwrap();
        let mut run = LabRun::new(&engine, &lab, home.path().join("work/pre"), map);
        let found = run.preflight().await.unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, ResourceKind::Volume);
        run.prepare_workdir().unwrap();
        // Without consent, the container that would write into the volume is not started.
        let refused = run.run_solution(&lab.steps[0]).await;
        assert_eq!(refused.len(), 1, "{refused:?}");
        assert!(
            refused[0]
                .1
                .contains("volume lrx-precious existed before this lab started"),
            "{refused:?}"
        );
        // Consent covers the lab folder's files only: the container is still not started by
        // labrunner. The student may type the command themselves.
        run.consent = Consent::Given;
        let refused = run.run_solution(&lab.steps[0]).await;
        assert_eq!(refused.len(), 1, "{refused:?}");
        assert!(
            refused[0].1.contains("type the command yourself"),
            "{refused:?}"
        );
        {
            use labrunner_core::{ApplyContext, execute};
            let typed =
                labrunner_core::parse_command(lab.steps[0].solution[1].text(), None).unwrap();
            let ctx = ApplyContext::for_run(Default::default(), run.image_map.clone());
            execute(&engine, &typed, &ctx).await.unwrap();
        }
        assert!(
            run.evaluate(&lab.steps[0])
                .await
                .iter()
                .all(|o| o.verdict.passed())
        );
        // Reset and cleanup remove the lab's container, keep the volume.
        let removed = run.cleanup().await.unwrap();
        assert_eq!(removed, vec!["container lrx-user".to_string()]);
        assert!(run.leftovers().await.unwrap().is_empty());
    });
    assert_eq!(read().trim(), "thesis-draft-7");

    // Scoped to this lab: other tests run labs at the same time.
    let out = labrunner(home.path())
        .args(["clean", "--lab", "lrx-preexisting"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("lrx-precious"));
    assert_eq!(read().trim(), "thesis-draft-7");
    docker(&["volume", "rm", "lrx-precious"]);
}

/// Without a daemon: one clear message naming the fix, exit code 2, no panic.
#[test]
fn no_daemon_gets_one_clear_message() {
    let home = tempfile::tempdir().unwrap();
    let socket = home.path().join("no-daemon.sock");
    let out = labrunner(home.path())
        .env("DOCKER_HOST", format!("unix://{}", socket.display()))
        .arg("test")
        .arg(fixture("handwritten.yaml"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot reach the Docker daemon"),
        "{stderr}"
    );
    assert!(stderr.contains("fix:"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.matches("labrunner:").count(), 1, "{stderr}");
}

/// A refused `docker run` leaves no volume behind: the daemon would not have created one.
#[test]
fn a_refused_container_leaves_no_volume() {
    if !docker_available() {
        return;
    }
    docker_quiet(&["volume", "rm", "-f", "lrx-orphan"]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        use labrunner_core::Engine;
        use labrunner_core::{ApplyContext, execute};
        let engine = DockerEngine::connect().await.unwrap();
        let action = labrunner_core::parse_command(
            "docker run --name lrx-orphan-c --mount type=volume,source=lrx-orphan,target=data alpine:latest true",
            None,
        )
        .unwrap();
        let ctx = ApplyContext::for_run(Default::default(), ImageMap::parse_entries(common::IMAGE_MAP).unwrap());
        let err = execute(&engine, &action, &ctx).await.unwrap_err().to_string();
        assert!(err.contains("mount path must be absolute"), "{err}");
        assert!(engine.volume("lrx-orphan").await.unwrap().is_none());
        assert!(engine.container("lrx-orphan-c").await.unwrap().is_none());
    });
}

/// `test --isolate` runs a lab under a fresh namespace: resources of the lab's own names that
/// someone else has are neither in the way nor touched.
#[test]
fn an_isolated_test_runs_beside_same_named_resources() {
    if !docker_available() {
        return;
    }
    let lab = fixture("handwritten.yaml");
    let copy = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(&lab)
        .unwrap()
        .replace("id: lrx-handwritten", "id: lrx-isolated");
    let path = copy.path().join("isolated.yaml");
    std::fs::write(&path, text).unwrap();
    docker_quiet(&["rm", "-f", "lri-reader"]);
    docker(&[
        "run",
        "-d",
        "--name",
        "lri-reader",
        "--label",
        "owner=someone",
        "labrunner-fixture/busybox:1",
        "sleep",
        "300",
    ]);
    let home = tempfile::tempdir().unwrap();
    let out = labrunner(home.path())
        .args(["test", "--isolate"])
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let theirs = docker(&[
        "inspect",
        "--format",
        "{{.State.Status}} {{index .Config.Labels \"owner\"}}",
        "lri-reader",
    ]);
    docker_quiet(&["rm", "-f", "lri-reader"]);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("namespace lr-"), "{stdout}");
    assert_eq!(theirs.trim(), "running someone");
    assert_eq!(left_by_lab("lri-handwritten").trim(), "");
}

/// The shipped volume-persistence lab opened as the lab view opens it after "yes, use my
/// existing resources" (consent given), under a namespace of its own so that its volume's name
/// is this test's: the user's volume of that name, holding a text file and a binary file, stays
/// byte-identical through the opening, every step's "run it for me", a reset and the cleanup.
/// The assists that would write into it are refused by name, and it is never removed.
#[test]
fn the_users_volume_stays_byte_identical_through_every_assist_reset_and_cleanup() {
    use labrunner_core::RunEvent;
    use labrunner_core::{LiveCommand, LiveConfig};
    use labrunner_core::{Namespace, NamespacedEngine};

    if !docker_available() {
        return;
    }
    let ns = Namespace::fresh_in(&Namespace::new("lrud").unwrap()).unwrap();
    let volume = ns.resource("persistent-store");
    docker(&["volume", "create", &volume]);
    docker(&[
        "run",
        "--rm",
        "-v",
        &format!("{volume}:/d"),
        "labrunner-fixture/busybox:1",
        "sh",
        "-c",
        "printf 'my own ledger: 42\\n' > /d/ledger.txt && head -c 65536 /dev/urandom > /d/blob.bin",
    ]);
    let digest = || {
        docker(&[
            "run",
            "--rm",
            "-v",
            &format!("{volume}:/d:ro"),
            "labrunner-fixture/busybox:1",
            "sh",
            "-c",
            "cd /d && ls -ln && md5sum *",
        ])
    };
    let before = digest();
    assert!(
        before.contains("ledger.txt") && before.contains("blob.bin"),
        "{before}"
    );

    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("labs/MOD-DOCKER-04/volume-persistence.yaml");
    let lab = labrunner_core::load_valid(&path).unwrap().0.lab;
    let lab = ns.rewrite_lab(&lab);
    let home = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (events, removed, left) = runtime.block_on(async {
        let docker_engine = DockerEngine::connect().await.unwrap();
        let engine = NamespacedEngine::new(&docker_engine, Some(ns.clone()));
        let map = ImageMap::parse_entries(common::IMAGE_MAP).unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut run = LabRun::new(&engine, &lab, home.path().join("work"), map).with_events(tx);
        run.namespace = Some(ns.clone());
        // What the lab view does when the student says yes.
        run.consent = Consent::Given;
        let found = run.preflight().await.unwrap();
        assert_eq!(
            found.iter().map(ToString::to_string).collect::<Vec<_>>(),
            [format!("volume {volume}")]
        );
        assert_eq!(digest(), before, "changed by the opening");
        run.prepare_workdir().unwrap();
        run.setup().await.unwrap();

        let live_run = |commands: Vec<LiveCommand>| {
            let (cmd_tx, cmd_rx) = tokio::sync::mpsc::unbounded_channel();
            for c in commands {
                cmd_tx.send(c).unwrap();
            }
            cmd_tx.send(LiveCommand::Quit).unwrap();
            let config = LiveConfig {
                fallback: std::time::Duration::from_secs(60),
            };
            labrunner_core::run_live(&run, 0, cmd_rx, config)
        };
        let assists = lab
            .steps
            .iter()
            .enumerate()
            .flat_map(|(i, s)| {
                [
                    LiveCommand::Goto(i),
                    LiveCommand::Assist { step: s.id.clone() },
                ]
            })
            .collect();
        live_run(assists).await;
        assert_eq!(digest(), before, "changed by \"run it for me\"");
        live_run(vec![LiveCommand::Reset]).await;
        assert_eq!(digest(), before, "changed by the reset");
        let removed = run.cleanup().await.unwrap();
        let left = run.leftovers().await.unwrap();
        drop(run);
        let mut events = Vec::new();
        while let Ok(e) = rx.try_recv() {
            events.push(e);
        }
        (events, removed, left)
    });
    let after = digest();
    let still_there = docker(&[
        "volume",
        "ls",
        "-q",
        "--filter",
        &format!("name=^{volume}$"),
    ]);
    docker_quiet(&["volume", "rm", &volume]);
    assert_eq!(after, before, "changed by the cleanup");
    assert_eq!(still_there.trim(), volume, "the user's volume was removed");
    assert!(
        !removed.iter().any(|r| r.contains("persistent-store")),
        "{removed:?}"
    );
    assert!(left.is_empty(), "the lab left {left:?}");

    // Every assist that would have written into it said so, naming it and what to do instead.
    let refused: Vec<(String, String)> = events
        .iter()
        .filter_map(|e| match e {
            RunEvent::ActionRan {
                command,
                error: Some(err),
                ..
            } if err.starts_with(&format!("not run: volume {volume} existed before")) => {
                Some((command.clone(), err.clone()))
            }
            _ => None,
        })
        .collect();
    assert!(
        refused.iter().any(|(c, _)| c.contains("ledger.txt")),
        "the writer was not refused: {events:#?}"
    );
    assert!(
        refused
            .iter()
            .all(|(_, err)| err.contains("type the command yourself")),
        "{refused:?}"
    );
    let assisted: Vec<&Vec<String>> = events
        .iter()
        .filter_map(|e| match e {
            RunEvent::AssistDone { failures, .. } => Some(failures),
            _ => None,
        })
        .collect();
    assert_eq!(assisted.len(), lab.steps.len(), "{events:#?}");
    assert!(
        assisted.iter().any(|f| f
            .iter()
            .any(|x| x.contains("existed before this lab started"))),
        "the refusal is among the assist's failures: {assisted:?}"
    );
}
