//! Statuses in the report follow the credit rule: a check that holds but earns nothing is
//! `Unearned`, with the reason in its evidence, never `Passed`.

use super::*;
use crate::engine::fake::FakeEngine;
use crate::report::Status;
use crate::submission::split_commands;

/// Step 1: `web` running (the student's work) and `ghost` absent (true before anything is
/// done). Step 2: `spare` absent, also true from the start.
fn lab() -> Lab {
    serde_yaml::from_str(
        r#"
format: 1
id: status-lab
title: Status
lesson: L1
difficulty: beginner
minutes: 5
image: alpine:latest
resources:
  containers: [web, ghost, spare]
steps:
  - id: web
    title: Web
    instructions: Run it.
    solution: ["docker run -d --name web alpine sleep 3600"]
    checks:
      - container: {name: web, state: running}
      - container: {name: ghost, state: absent}
  - id: spare
    title: Spare
    instructions: Keep it away.
    solution: ["docker rm -f spare"]
    checks:
      - container: {name: spare, state: absent}
"#,
    )
    .expect("the test lab parses")
}

async fn statuses(submission: &str, ns: &str) -> (Vec<(Status, u32, String)>, GradeReport) {
    let fake = FakeEngine::new();
    fake.add_image("alpine");
    let options = GradeOptions {
        namespace: Some(Namespace::new(ns).expect("a valid namespace")),
        image_map: ImageMap::default(),
        limits: Limits::default(),
        sandbox: None,
        started_at: Utc::now(),
        registry: None,
        host_ports: Default::default(),
    };
    let mode = Mode::Replay(split_commands(submission));
    let graded = grade(&fake, &lab(), mode, &options, std::future::pending())
        .await
        .expect("grading runs");
    let checks = graded
        .report
        .checks()
        .map(|c| (c.status, c.score, c.evidence.clone()))
        .collect();
    (checks, graded.report)
}

#[tokio::test(start_paused = true)]
async fn an_empty_submission_has_no_passed_check() {
    let (checks, report) = statuses("", "st-empty").await;
    let only: Vec<Status> = checks.iter().map(|c| c.0).collect();
    assert_eq!(
        only,
        [Status::Failed, Status::Unearned, Status::Unearned],
        "{checks:?}"
    );
    assert!(checks.iter().all(|c| c.1 == 0), "{checks:?}");
    assert!(
        checks[1]
            .2
            .contains("no points: it already held before anything was done"),
        "{checks:?}"
    );
    assert!(
        checks[2]
            .2
            .contains("no points yet: an earlier step is not done"),
        "{checks:?}"
    );
    assert_eq!(report.tally().passed, 0);
    assert_eq!(report.tally().unearned, 2);
    assert!(!report.all_passed());
}

#[tokio::test(start_paused = true)]
async fn a_check_given_at_the_start_is_earned_with_its_step() {
    let (checks, report) =
        statuses("docker run -d --name web alpine sleep 3600\n", "st-done").await;
    let only: Vec<Status> = checks.iter().map(|c| c.0).collect();
    // Step 1 is credited: both its checks earn. Step 2 held from the start and still held
    // when it opened: credited so the lab goes on, but nothing was done for it.
    assert_eq!(
        only,
        [Status::Passed, Status::Passed, Status::Unearned],
        "{checks:?}"
    );
    assert!(
        checks[2]
            .2
            .contains("no points: it held before anything was done"),
        "{checks:?}"
    );
    assert_eq!(report.score, 2);
}
