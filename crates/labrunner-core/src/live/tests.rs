//! The live loop against the scripted engine, on tokio's paused clock: every wait below is
//! virtual, so the tests take milliseconds and their timings are exact.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::time::Instant;

use super::*;
use crate::engine::fake::FakeEngine;
use crate::execute::{ApplyContext, execute};
use crate::images::ImageMap;
use crate::lab::Lab;
use crate::labels::LABEL_ROLE;

fn event(action: &str, attrs: &[(&str, &str)]) -> DaemonEvent {
    DaemonEvent {
        kind: crate::engine::EventKind::Container,
        action: crate::engine::EventAction::parse(action),
        name: Some("api".into()),
        id: Some("0123456789ab".into()),
        time_ns: 0,
        attributes: attrs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
    }
}

#[test]
fn own_activity_is_not_relevant() {
    let own: HashSet<String> = ["ping -c 1 -W 1 ".to_string()].into();
    assert!(is_relevant(&event("start", &[]), &own));
    assert!(is_relevant(
        &event("exec_start: cat /app/data/ledger.txt", &[]),
        &own
    ));
    assert!(!is_relevant(
        &event("exec_start: ping -c 1 -W 1 web", &[]),
        &own
    ));
    assert!(!is_relevant(&event("exec_create: cat /x", &[]), &own));
    assert!(!is_relevant(&event("exec_die", &[]), &own));
    assert!(!is_relevant(
        &event("start", &[(LABEL_ROLE, "check")]),
        &own
    ));
}

/// Three steps: a network (an event reveals it), a file in a volume (no event reveals it), a
/// running container.
pub(crate) fn lab() -> Lab {
    serde_yaml::from_str(
        r#"
format: 1
id: fake-lab
title: Fake
lesson: L1
difficulty: beginner
minutes: 5
image: alpine:latest
resources:
  networks: [net]
  volumes: [store]
  containers: [web]
cleanup:
  - docker network rm net
steps:
  - id: network
    title: Network
    instructions: Make it.
    solution: ["docker network create net"]
    checks:
      - network: {name: net}
  - id: file
    title: File
    instructions: Write it.
    solution: ["docker volume create store"]
    checks:
      - file: {volume: store, path: ledger.txt, contains: X99}
  - id: web
    title: Web
    instructions: Run it.
    solution: ["docker run -d --name web --network net alpine sleep 3600"]
    checks:
      - container: {name: web, state: running}
      - attached: {container: web, network: net}
"#,
    )
    .expect("the test lab parses")
}

pub(crate) struct Harness {
    pub fake: FakeEngine,
    pub lab: Lab,
    pub dir: tempfile::TempDir,
}

impl Harness {
    pub fn new() -> Self {
        Harness {
            fake: FakeEngine::new(),
            lab: lab(),
            dir: tempfile::tempdir().expect("a temporary folder"),
        }
    }

    pub fn run(&self) -> (LabRun<'_>, UnboundedReceiver<RunEvent>) {
        let (tx, rx) = unbounded_channel();
        let run = LabRun::new(
            &self.fake,
            &self.lab,
            self.dir.path().join("work"),
            ImageMap::default(),
        )
        .with_events(tx);
        (run, rx)
    }

    /// Do what a student's command would do.
    pub async fn student(&self, line: &str) {
        let action = crate::command::parse(line, None).expect(line);
        execute(&self.fake, &action, &ApplyContext::default())
            .await
            .expect(line);
    }
}

/// The next event that `want` accepts (others are skipped); panics after 60 virtual seconds.
pub(crate) async fn next(
    rx: &mut UnboundedReceiver<RunEvent>,
    want: impl Fn(&RunEvent) -> bool,
) -> RunEvent {
    let wait = async {
        loop {
            match rx.recv().await {
                Some(e) if want(&e) => return e,
                Some(_) => {}
                None => panic!("the run's event channel closed"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), wait)
        .await
        .expect("the awaited event came within 60 s")
}

pub(crate) fn done(step: &'static str) -> impl Fn(&RunEvent) -> bool {
    move |e| matches!(e, RunEvent::StepDone { step: s, passed: true } if s == step)
}

pub(crate) fn started(step: &'static str) -> impl Fn(&RunEvent) -> bool {
    move |e| matches!(e, RunEvent::StepStarted { step: s } if s == step)
}

/// The last check of a round of `step` reported.
pub(crate) fn round_of(step: &'static str, checks: usize) -> impl Fn(&RunEvent) -> bool {
    move |e| matches!(e, RunEvent::Check(o) if o.step == step && o.index + 1 == checks)
}

/// Run the live loop from `start` next to `script`; quit when the script ends.
pub(crate) async fn live_with<F>(
    run: &LabRun<'_>,
    start: usize,
    script: impl FnOnce(UnboundedSender<LiveCommand>) -> F,
) -> usize
where
    F: std::future::Future<Output = ()>,
{
    let (tx, rx) = unbounded_channel();
    let quit = tx.clone();
    let script = async move {
        script(tx).await;
        let _ = quit.send(LiveCommand::Quit);
    };
    let (current, ()) = tokio::join!(super::run(run, start, rx, LiveConfig::default()), script);
    current
}

#[tokio::test(start_paused = true)]
async fn an_event_re_runs_the_checks_and_the_fallback_catches_what_no_event_reveals() {
    let h = Harness::new();
    let (run, mut rx) = h.run();
    let current = live_with(&run, 0, |_| async {
        next(&mut rx, round_of("network", 1)).await;
        // An event: the step is re-checked at once, with no wait in between.
        let t = Instant::now();
        h.student("docker network create net").await;
        next(&mut rx, done("network")).await;
        assert_eq!(
            t.elapsed(),
            Duration::ZERO,
            "the network step turned done {:?} after its event",
            t.elapsed()
        );
        // The next step opens and is checked at once; its failing file check is asked again
        // while a process may still be writing, then no more.
        next(&mut rx, round_of("file", 1)).await;
        tokio::time::sleep(lag::PROCESS_WRITES + Duration::from_millis(300)).await;
        // A file written into a volume later makes no event: the periodic fallback finds it.
        h.fake.write_file("store", "ledger.txt", "X99");
        let t = Instant::now();
        next(&mut rx, done("file")).await;
        let fallback = LiveConfig::default().fallback;
        assert!(
            t.elapsed() <= fallback && t.elapsed() >= fallback - lag::PROCESS_WRITES,
            "the file step turned done {:?} after the write, not at the fallback",
            t.elapsed()
        );
    })
    .await;
    assert_eq!(current, 2, "the loop stopped on the third step");
}

#[tokio::test(start_paused = true)]
async fn a_file_written_just_after_the_event_is_found_by_the_named_retry() {
    let h = Harness::new();
    let (run, mut rx) = h.run();
    live_with(&run, 1, |_| async {
        next(&mut rx, round_of("file", 1)).await;
        h.student("docker volume create store").await;
        next(&mut rx, round_of("file", 1)).await;
        // The volume's event made a round; the file lands a moment later, with no event.
        tokio::time::sleep(Duration::from_millis(250)).await;
        h.fake.write_file("store", "ledger.txt", "X99");
        let t = Instant::now();
        next(&mut rx, done("file")).await;
        assert!(
            t.elapsed() <= lag::RETRY,
            "found {:?} after the write, not at the next retry",
            t.elapsed()
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_step_that_cannot_trail_is_not_asked_again_after_its_round() {
    let h = Harness::new();
    let (run, mut rx) = h.run();
    live_with(&run, 0, |_| async {
        next(&mut rx, round_of("network", 1)).await;
        h.student("docker volume create unrelated").await;
        next(&mut rx, round_of("network", 1)).await;
        // A network check cannot trail: the next round is the fallback's, not a retry's.
        let t = Instant::now();
        next(&mut rx, round_of("network", 1)).await;
        assert!(
            t.elapsed() >= LiveConfig::default().fallback - Duration::from_millis(1),
            "asked again after {:?}",
            t.elapsed()
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn steps_advance_in_order_and_the_last_one_ends_the_lab() {
    let h = Harness::new();
    let (run, mut rx) = h.run();
    let current = live_with(&run, 0, |_| async {
        next(&mut rx, started("network")).await;
        // All three steps' work at once: they still turn done one after the other.
        h.student("docker network create net").await;
        h.fake.write_file("store", "ledger.txt", "X99");
        h.student("docker run -d --name web --network net alpine sleep 3600")
            .await;
        let mut order = Vec::new();
        while order.len() < 3 {
            match next(&mut rx, |e| {
                matches!(e, RunEvent::StepDone { .. } | RunEvent::StepStarted { .. })
            })
            .await
            {
                RunEvent::StepDone { step, passed: true } => order.push(step),
                RunEvent::StepDone { step, .. } => panic!("step {step} did not pass"),
                _ => {}
            }
        }
        assert_eq!(order, ["network", "file", "web"]);
    })
    .await;
    assert_eq!(current, 3, "past the last step");
}

#[tokio::test(start_paused = true)]
async fn a_lost_daemon_is_reported_and_its_return_re_checks_the_step() {
    let h = Harness::new();
    let (run, mut rx) = h.run();
    live_with(&run, 0, |_| async {
        next(&mut rx, round_of("network", 1)).await;
        h.fake.drop_connection();
        let lost = next(&mut rx, |e| matches!(e, RunEvent::Daemon { .. })).await;
        assert!(
            matches!(
                lost,
                RunEvent::Daemon {
                    connected: false,
                    ..
                }
            ),
            "{lost:?}"
        );
        // Done while the daemon was away: seen once it is back, without any new event.
        h.fake.restore_connection();
        h.student("docker network create net").await;
        let back = next(&mut rx, |e| matches!(e, RunEvent::Daemon { .. })).await;
        assert!(
            matches!(
                back,
                RunEvent::Daemon {
                    connected: true,
                    ..
                }
            ),
            "{back:?}"
        );
        next(&mut rx, done("network")).await;
    })
    .await;
    assert!(
        h.fake.calls("events") >= 2,
        "the event stream was opened again"
    );
}

fn assist_done(e: &RunEvent) -> bool {
    matches!(e, RunEvent::AssistDone { .. })
}

#[tokio::test(start_paused = true)]
async fn run_it_for_me_runs_the_asked_step_and_says_when_it_is_over() {
    let h = Harness::new();
    let (run, mut rx) = h.run();
    let h = &h;
    live_with(&run, 0, |tx| async move {
        next(&mut rx, round_of("network", 1)).await;
        tx.send(LiveCommand::Assist {
            step: "network".into(),
        })
        .expect("the loop listens");
        let over = next(&mut rx, assist_done).await;
        assert_eq!(
            over,
            RunEvent::AssistDone {
                step: "network".into(),
                failures: Vec::new(),
                error: None
            }
        );
        next(&mut rx, done("network")).await;
        // A solution command that fails is named in the completion event.
        h.fake.fail(
            crate::engine::fake::Fault::Apply("store".into()),
            crate::engine::EngineError::Daemon {
                status: 500,
                message: "disk full".into(),
            },
        );
        next(&mut rx, round_of("file", 1)).await;
        tx.send(LiveCommand::Assist {
            step: "file".into(),
        })
        .expect("the loop listens");
        match next(&mut rx, assist_done).await {
            RunEvent::AssistDone {
                step,
                failures,
                error: None,
            } => {
                assert_eq!(step, "file");
                assert_eq!(failures.len(), 1, "{failures:?}");
                assert!(failures[0].contains("disk full"), "{failures:?}");
            }
            other => panic!("{other:?}"),
        }
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn run_it_for_me_asked_for_a_step_just_done_runs_nothing() {
    let h = Harness::new();
    let (run, mut rx) = h.run();
    let h = &h;
    let current = live_with(&run, 0, |tx| async move {
        next(&mut rx, round_of("network", 1)).await;
        // The student's own command completes the step, and the assist asked for it arrives
        // after the loop has moved on: the next step's solution must not run in its place.
        h.student("docker network create net").await;
        next(&mut rx, done("network")).await;
        tx.send(LiveCommand::Assist {
            step: "network".into(),
        })
        .expect("the loop listens");
        match next(&mut rx, assist_done).await {
            RunEvent::AssistDone {
                step,
                failures,
                error: Some(why),
            } => {
                assert_eq!(step, "network");
                assert!(failures.is_empty());
                assert!(why.contains("current step is file"), "{why}");
            }
            other => panic!("{other:?}"),
        }
    })
    .await;
    assert_eq!(current, 1);
    assert!(
        !h.fake.existing().iter().any(|r| r.contains("store")),
        "the file step's solution did not run: {:?}",
        h.fake.existing()
    );
}

#[tokio::test(start_paused = true)]
async fn a_reset_ends_with_its_outcome_even_when_cleanup_fails() {
    let h = Harness::new();
    let (run, mut rx) = h.run();
    let h = &h;
    live_with(&run, 0, |tx| async move {
        h.student("docker network create net").await;
        next(&mut rx, done("network")).await;
        tx.send(LiveCommand::Reset).expect("the loop listens");
        assert_eq!(
            next(&mut rx, |e| matches!(e, RunEvent::ResetDone { .. })).await,
            RunEvent::ResetDone { error: None }
        );
        assert!(
            h.fake.existing().is_empty(),
            "the reset removed what the lab made: {:?}",
            h.fake.existing()
        );

        // Listing what the run labelled fails: the reset still ends, with the daemon's error,
        // and the loop goes on at the first step.
        h.fake.fail(
            crate::engine::fake::Fault::Labelled,
            crate::engine::EngineError::Daemon {
                status: 500,
                message: "listing failed".into(),
            },
        );
        tx.send(LiveCommand::Reset).expect("the loop listens");
        match next(&mut rx, |e| matches!(e, RunEvent::ResetDone { .. })).await {
            RunEvent::ResetDone { error: Some(why) } => {
                assert!(why.contains("listing failed"), "{why}")
            }
            other => panic!("{other:?}"),
        }
        h.fake.heal(&crate::engine::fake::Fault::Labelled);
        h.student("docker network create net").await;
        next(&mut rx, done("network")).await;
    })
    .await;
}
