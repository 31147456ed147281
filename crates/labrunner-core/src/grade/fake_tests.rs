//! Grading against the scripted engine: whatever stops a grading, what it created is removed,
//! and what cannot be removed is reported.

use std::time::Duration;

use super::*;
use crate::engine::DaemonEvent;
use crate::engine::fake::{FakeEngine, Fault};
use crate::submission::split_commands;

fn lab() -> Lab {
    crate::live::tests::lab()
}

fn options(ns: &str) -> GradeOptions {
    GradeOptions {
        namespace: Some(Namespace::new(ns).expect("a valid namespace")),
        image_map: ImageMap::default(),
        limits: Limits::default(),
        sandbox: None,
        started_at: Utc::now(),
        registry: None,
        host_ports: Default::default(),
    }
}

fn submission() -> Mode {
    Mode::Replay(split_commands(
        "docker network create net\n\
         docker volume create store\n\
         docker run -d --name web --network net alpine sleep 3600\n",
    ))
}

#[tokio::test(start_paused = true)]
async fn an_interrupted_grading_removes_what_it_created() {
    let fake = FakeEngine::new();
    fake.add_image("alpine");
    // Every call takes 10 ms: the interrupt lands after the second command has run.
    fake.set_latency(Duration::from_millis(10));
    let lab = lab();
    let interrupt = async {
        while !fake.existing().iter().any(|r| r.starts_with("volume ")) {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    };
    let result = grade(&fake, &lab, submission(), &options("px-int"), interrupt).await;
    assert!(matches!(result, Err(GradeError::Interrupted)), "{result:?}");
    assert_eq!(fake.existing(), Vec::<String>::new(), "nothing is left");
}

#[tokio::test(start_paused = true)]
async fn a_failed_setup_still_cleans_up_and_a_removal_that_fails_is_reported() {
    let fake = FakeEngine::new();
    fake.add_image("alpine");
    let mut lab = lab();
    // Setup creates a network and a volume, then fails on a command the daemon refuses.
    lab.setup = serde_yaml::from_str(
        r#"["docker network create net", "docker volume create store",
            "docker run -d --name web --network net alpine sleep 1"]"#,
    )
    .expect("commands parse");
    fake.fail(
        Fault::Apply("px-setup--web".into()),
        EngineError::Daemon {
            status: 500,
            message: "volume driver exploded".into(),
        },
    );
    fake.fail(
        Fault::Remove("px-setup--net".into()),
        EngineError::Daemon {
            status: 500,
            message: "network is stuck".into(),
        },
    );
    let result = grade(
        &fake,
        &lab,
        submission(),
        &options("px-setup"),
        std::future::pending(),
    )
    .await;
    match result {
        Err(GradeError::Setup(why)) => assert!(why.contains("volume driver exploded"), "{why}"),
        other => panic!("expected a setup failure, got {other:?}"),
    }
    // The volume is gone; only the network the fault keeps from being removed is left.
    assert_eq!(fake.existing(), ["network px-setup--net"]);
}

/// A container, then a command run in it.
fn exec_lab() -> Lab {
    lab_with_first_checks("      - container: {name: web, state: running}")
}

/// The same lab with other checks in its first step (YAML lines, indented six spaces).
fn lab_with_first_checks(checks: &str) -> Lab {
    serde_yaml::from_str(
        r#"
format: 1
id: exec-lab
title: Exec
lesson: L1
difficulty: beginner
minutes: 5
image: alpine:latest
resources:
  containers: [web]
steps:
  - id: web
    title: Web
    instructions: Run it.
    solution: ["docker run -d --name web alpine sleep 3600"]
    checks:
CHECKS
  - id: cat
    title: Cat
    instructions: Read it.
    solution: ["docker exec web cat /etc/hostname"]
    checks:
      - ran: {container: web, command: 'cat\s+/etc/hostname'}
"#
        .replace("CHECKS", checks)
        .as_str(),
    )
    .expect("the test lab parses")
}

async fn graded_steps(fake: &FakeEngine, submission: &str, ns: &str) -> Vec<bool> {
    graded_lab_steps(fake, &exec_lab(), submission, ns).await
}

async fn graded_lab_steps(fake: &FakeEngine, lab: &Lab, submission: &str, ns: &str) -> Vec<bool> {
    let mode = Mode::Replay(split_commands(submission));
    let graded = grade(fake, lab, mode, &options(ns), std::future::pending())
        .await
        .expect("grading runs");
    assert_eq!(fake.existing(), Vec::<String>::new(), "nothing is left");
    graded.report.steps.iter().map(|s| s.credited).collect()
}

#[tokio::test(start_paused = true)]
async fn an_exec_is_credited_although_its_event_arrives_after_the_container_is_gone() {
    let fake = FakeEngine::new();
    fake.add_image("alpine");
    // The event stream lags the daemon's log by 300 ms; the next line removes the container,
    // and with it what the `ran` check needs.
    fake.set_event_delay(Duration::from_millis(300));
    let did_it = "docker run -d --name web alpine sleep 3600\n\
                  docker exec web cat /etc/hostname\n\
                  docker rm -f web\n";
    assert_eq!(graded_steps(&fake, did_it, "px-lag").await, [true, true]);
    // Nothing for nothing: without the exec, the same lag credits no `ran`.
    let skipped = "docker run -d --name web alpine sleep 3600\ndocker rm -f web\n";
    assert_eq!(
        graded_steps(&fake, skipped, "px-nolag").await,
        [true, false]
    );
}

#[tokio::test(start_paused = true)]
async fn a_file_the_container_writes_a_moment_after_it_starts_is_waited_for_before_the_next_line() {
    let fake = FakeEngine::new();
    fake.add_image("alpine");
    let lab = lab_with_first_checks(
        "      - container: {name: web, state: running}\n      \
         - file: {volume: store, path: f.txt, contains: X99}",
    );
    // The container's process writes its file 200 ms after the container starts; the next line
    // is the exec, and the one after it removes the container.
    let writer = async {
        let started = async {
            while !fake
                .existing()
                .iter()
                .any(|r| r == "container px-late--web")
            {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        };
        // Bounded: a grading that does not wait is over before the container is seen.
        if tokio::time::timeout(Duration::from_secs(5), started)
            .await
            .is_ok()
        {
            tokio::time::sleep(Duration::from_millis(200)).await;
            fake.write_file("px-late--store", "f.txt", "X99");
        }
    };
    let submission = "docker volume create store\n\
                      docker run -d --name web -v store:/data alpine sleep 3600\n\
                      docker exec web cat /etc/hostname\n\
                      docker rm -f web\n\
                      docker volume rm store\n";
    let (steps, ()) = tokio::join!(graded_lab_steps(&fake, &lab, submission, "px-late"), writer);
    assert_eq!(steps, [true, true]);
}

#[tokio::test(start_paused = true)]
async fn a_reader_whose_output_stream_stalls_is_judged_by_its_logs() {
    let fake = FakeEngine::new();
    fake.add_image("alpine");
    let lab = lab_with_first_checks("      - container_ran: {image: alpine, output: X99}");
    fake.stall_output("px-stall--reader", "X99\n");
    let submission = "docker run --name reader alpine echo X99\n\
                      docker exec reader true\n\
                      docker rm reader\n";
    assert!(
        graded_lab_steps(&fake, &lab, submission, "px-stall").await[0],
        "the logs have the output"
    );
    // Nothing for nothing: a reader that printed something else is not credited.
    fake.stall_output("px-other--reader", "X98\n");
    assert!(!graded_lab_steps(&fake, &lab, submission, "px-other").await[0]);
}

#[tokio::test]
async fn a_reused_sandbox_is_refused_and_a_link_left_in_it_creates_nothing() {
    let fake = FakeEngine::new();
    fake.add_image("alpine");
    let mut lab = lab();
    lab.files.insert("site/index.html".into(), "lab".into());
    let top = tempfile::tempdir().expect("temp dir");
    let sandbox = top.path().join("sandbox");
    let target = top.path().join("outside/index.html");
    std::fs::create_dir_all(top.path().join("outside")).expect("outside");
    std::fs::create_dir_all(sandbox.join("site")).expect("sandbox");
    // What an earlier submission left: a dangling link where the lab's file goes.
    std::os::unix::fs::symlink(&target, sandbox.join("site/index.html")).expect("link");
    let options = GradeOptions {
        sandbox: Some(sandbox.clone()),
        ..options("px-reused")
    };
    let result = grade(&fake, &lab, submission(), &options, async {}).await;
    let err = result.expect_err("a used sandbox is refused");
    assert!(matches!(err, GradeError::SandboxInUse { .. }), "{err}");
    assert!(
        err.to_string().contains("is not empty (it holds site)"),
        "{err}"
    );
    assert!(!target.exists(), "a file was created through the link");
    assert_eq!(fake.existing(), Vec::<String>::new(), "nothing was created");

    // Emptied, the same folder serves; the lab's file is a real file in it.
    std::fs::remove_dir_all(sandbox.join("site")).expect("emptied");
    let graded = grade(&fake, &lab, submission(), &options, std::future::pending())
        .await
        .expect("graded");
    assert!(graded.leftovers.is_empty(), "{:?}", graded.leftovers);
    let written = std::fs::symlink_metadata(sandbox.join("site/index.html")).expect("lab file");
    assert!(written.is_file());
    assert!(!target.exists());
}

/// A submission whose first line the daemon answers with `error`.
async fn first_line_answered(error: EngineError, ns: &str) -> Result<Graded, GradeError> {
    let fake = FakeEngine::new();
    fake.add_image("alpine");
    fake.fail(Fault::Apply(format!("{ns}--web")), error);
    let mode = Mode::Replay(split_commands(
        "docker run -d --name web alpine sleep 3600\ndocker exec web cat /etc/hostname\n",
    ));
    let result = grade(
        &fake,
        &exec_lab(),
        mode,
        &options(ns),
        std::future::pending(),
    )
    .await;
    assert_eq!(fake.existing(), Vec::<String>::new(), "nothing is left");
    result
}

#[tokio::test(start_paused = true)]
async fn a_failure_the_student_did_not_cause_stops_the_grading_unscored() {
    let held = first_line_answered(
        EngineError::PortTaken {
            address: "127.0.0.1:8080".into(),
            message: "driver failed programming external connectivity on endpoint px-held--web (1f): Bind for 127.0.0.1:8080 failed: port is already allocated".into(),
        },
        "px-held",
    )
    .await;
    match &held {
        Err(
            e @ GradeError::Infrastructure(Infrastructure::PortHeld {
                address,
                line,
                daemon,
            }),
        ) => {
            assert_eq!((address.as_str(), *line), ("127.0.0.1:8080", 1));
            assert!(
                daemon.contains("endpoint web "),
                "shown in the lab's names: {daemon}"
            );
            assert!(e.is_infrastructure());
        }
        other => panic!("expected a held port, got {other:?}"),
    }
    let silent = first_line_answered(
        EngineError::NoAnswer {
            what: "create a container".into(),
            secs: 30,
        },
        "px-silent",
    )
    .await;
    assert!(
        matches!(
            silent,
            Err(GradeError::Infrastructure(Infrastructure::NoAnswer {
                line: 1,
                ..
            }))
        ),
        "{silent:?}"
    );
    let lost = first_line_answered(
        EngineError::Unreachable {
            endpoint: "fake".into(),
            detail: "connection reset".into(),
        },
        "px-lost",
    )
    .await;
    assert!(
        matches!(
            lost,
            Err(GradeError::Infrastructure(Infrastructure::DaemonLost {
                line: 1,
                ..
            }))
        ),
        "{lost:?}"
    );
    // The daemon refusing what the student asked for is the student's: graded, not credited.
    let own = first_line_answered(
        EngineError::Daemon {
            status: 409,
            message: "Conflict. The container name is already in use".into(),
        },
        "px-own",
    )
    .await
    .expect("graded");
    assert!(!own.report.steps[0].credited);
    assert_eq!(own.report.score, 0);
}

#[tokio::test(start_paused = true)]
async fn memory_is_the_student_s_only_under_a_limit_they_chose() {
    for (ns, run, infrastructure) in [
        ("px-oom", "docker run -d --name web alpine sleep 3600", true),
        (
            "px-own-oom",
            "docker run -d --name web --memory 64m alpine sleep 3600",
            false,
        ),
    ] {
        let fake = FakeEngine::new();
        fake.add_image("alpine");
        fake.set_latency(Duration::from_millis(10));
        let submission = format!("{run}\ndocker exec web cat /etc/hostname\n");
        let mode = Mode::Replay(split_commands(&submission));
        // The kernel kills it for memory as soon as it exists.
        let kill = async {
            loop {
                if let Some(info) = fake.container_info(&format!("{ns}--web")) {
                    let mut attributes = info.labels.clone();
                    attributes.insert("name".into(), info.name.clone());
                    fake.push_event(DaemonEvent {
                        kind: crate::engine::EventKind::Container,
                        action: crate::engine::EventAction::Oom,
                        name: Some(info.name.clone()),
                        id: Some(info.id.clone()),
                        time_ns: crate::ids::now_ns(),
                        attributes,
                    });
                    break;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        };
        let (lab, options) = (exec_lab(), options(ns));
        let (result, ()) = tokio::join!(
            grade(&fake, &lab, mode, &options, std::future::pending()),
            kill
        );
        match (result, infrastructure) {
            (
                Err(GradeError::Infrastructure(Infrastructure::OutOfMemory {
                    container,
                    limit_mib,
                    ..
                })),
                true,
            ) => assert_eq!((container.as_str(), limit_mib), ("web", 256)),
            (Ok(_), false) => {}
            (other, _) => panic!("{ns}: {other:?}"),
        }
        assert_eq!(fake.existing(), Vec::<String>::new(), "nothing is left");
    }
}

/// A submission that creates `first` and then `net`, both with the subnet 10.9.0.0/16, where the
/// daemon refuses `net` as overlapping; with a registry, so that the subnet lock is taken.
async fn overlapping_network(first: bool, ns: &str) -> Result<Graded, GradeError> {
    let fake = FakeEngine::new();
    fake.add_image("alpine");
    let message = "invalid pool request: Pool overlaps with other one on this address space";
    fake.fail(
        Fault::Apply(format!("{ns}--net")),
        EngineError::SubnetTaken {
            message: message.into(),
        },
    );
    let mut text = String::new();
    if first {
        text.push_str("docker network create --subnet 10.9.0.0/16 first\n");
    }
    text.push_str("docker network create --subnet 10.9.0.0/16 net\n");
    let home = tempfile::tempdir().expect("a data folder");
    let mut options = options(ns);
    options.registry = Some(RunRegistry::at(home.path().join("runs")));
    let result = grade(
        &fake,
        &exec_lab(),
        Mode::Replay(split_commands(&text)),
        &options,
        std::future::pending(),
    )
    .await;
    assert_eq!(fake.existing(), Vec::<String>::new(), "nothing is left");
    result
}

#[tokio::test]
async fn a_range_overlapping_a_network_outside_the_grading_is_not_the_students() {
    match overlapping_network(false, "sx-held").await {
        Err(e @ GradeError::Infrastructure(Infrastructure::SubnetHeld { .. })) => {
            assert!(e.is_infrastructure());
            let shown = e.to_string();
            assert!(
                shown.contains("10.9.0.0/16 overlaps a network outside this grading (line 1)")
                    && shown.contains("Pool overlaps"),
                "{shown}"
            );
        }
        other => panic!("{other:?}"),
    }
    // Overlapping the submission's own network: its own conflict, graded.
    let graded = overlapping_network(true, "sx-own").await.expect("graded");
    assert_eq!(graded.report.commands[1].outcome, CommandOutcome::Failed);
}
