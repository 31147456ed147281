//! Grading against the scripted engine: whatever stops a grading, what it created is removed,
//! and what cannot be removed is reported.

use std::time::Duration;

use super::*;
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
        Fault::Apply("px-setup-web".into()),
        EngineError::Daemon {
            status: 500,
            message: "volume driver exploded".into(),
        },
    );
    fake.fail(
        Fault::Remove("px-setup-net".into()),
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
    assert_eq!(fake.existing(), ["network px-setup-net"]);
}

/// A container, then a command run in it.
fn exec_lab() -> Lab {
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
      - container: {name: web, state: running}
  - id: cat
    title: Cat
    instructions: Read it.
    solution: ["docker exec web cat /etc/hostname"]
    checks:
      - ran: {container: web, command: 'cat\s+/etc/hostname'}
"#,
    )
    .expect("the test lab parses")
}

async fn graded_steps(fake: &FakeEngine, submission: &str, ns: &str) -> Vec<bool> {
    let mode = Mode::Replay(split_commands(submission));
    let graded = grade(
        fake,
        &exec_lab(),
        mode,
        &options(ns),
        std::future::pending(),
    )
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
