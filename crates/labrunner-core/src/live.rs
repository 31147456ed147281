//! Live mode: while the student works in their own terminal, the current step's checks re-run
//! at once on the first relevant event the daemon reports, once more for the rest of a burst
//! (the events that arrived meanwhile), briefly again while a failing check may still trail the
//! change ([`crate::check::lag`]), and on a slow periodic fallback. When every check of the step
//! passes, the next step opens.
//!
//! The TUI and `labrunner watch` drive this loop; it reports through the run's [`RunEvent`]s.

use std::collections::HashSet;
use std::time::Duration;

use futures_util::stream::BoxStream;
use futures_util::{FutureExt, StreamExt};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::{Instant, sleep_until};

use crate::check::probes::own_exec_prefixes;
use crate::check::{Cause, CheckOutcome, lag};
use crate::credit::Credit;
use crate::engine::{DaemonEvent, EngineError, EventAction};
use crate::lab::Step;
use crate::labels;
use crate::runner::{LabRun, RunEvent, settle_wait};

/// What the user asks of the live loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveCommand {
    /// Run this step's reference solution ("run it for me"), if it is still the current step.
    /// Ends with [`RunEvent::AssistDone`].
    Assist {
        step: String,
    },
    /// Evaluate the current step now.
    Recheck,
    /// Remove what the lab created (never pre-existing resources) and start again at step 0.
    /// Ends with [`RunEvent::ResetDone`].
    Reset,
    /// Make this step (index) the current one, as if the lab were resumed there: the steps
    /// before it count as done, the ones after it are credited in order again.
    Goto(usize),
    Quit,
}

#[derive(Debug, Clone)]
pub struct LiveConfig {
    /// Re-run checks this often even without events.
    pub fallback: Duration,
}

impl Default for LiveConfig {
    fn default() -> Self {
        LiveConfig {
            fallback: Duration::from_secs(5),
        }
    }
}

/// Whether a daemon event can change a check's answer (and is not caused by the checks).
pub fn is_relevant(event: &DaemonEvent, own: &HashSet<String>) -> bool {
    if labels::is_check_helper(&event.attributes) {
        return false;
    }
    match &event.action {
        // Only the student's commands count, once, when they start.
        EventAction::ExecCreate(_) | EventAction::ExecDie => false,
        EventAction::ExecStart(command) => !own.iter().any(|p| command.starts_with(p.as_str())),
        _ => true,
    }
}

/// Run the live loop from step `start` until [`LiveCommand::Quit`] or the command channel closes.
/// Returns the index of the current step when it stopped. The run's recorder follows the
/// daemon's events meanwhile; steps are credited by the one rule of [`crate::credit`].
pub async fn run(
    run: &LabRun<'_>,
    start: usize,
    commands: UnboundedReceiver<LiveCommand>,
    config: LiveConfig,
) -> usize {
    run.recorder.scope(&run.run_id, run.only_run_containers);
    run.recorder
        .follow(run.engine, watch(run, start, commands, config))
        .await
}

/// Where the loop stands: the credit so far and the step it waits on.
struct Position {
    credit: Credit,
    current: usize,
}

impl Position {
    /// Steps from `start` on are open; the ones before it count as done.
    fn at(run: &LabRun<'_>, start: usize) -> Self {
        let steps = &run.lab.steps;
        let credit = Credit::new(vec![Vec::new(); steps.len()]).resumed(start);
        let current = credit.pending().unwrap_or(steps.len());
        if let Some(step) = steps.get(current) {
            run.open_step(step);
        }
        Position { credit, current }
    }
}

/// What the daemon's event stream brought.
enum Events {
    /// Nothing that can change a check's answer.
    Irrelevant,
    /// At least one relevant event, the latest at this time (the daemon's clock, ns).
    Relevant {
        latest_ns: i64,
    },
    Lost,
}

/// Take `first` and every event already waiting behind it: a burst is answered by one round.
fn take_burst(
    first: Option<Result<DaemonEvent, EngineError>>,
    events: &mut BoxStream<'static, Result<DaemonEvent, EngineError>>,
    own: &HashSet<String>,
) -> Events {
    let mut seen = Events::Irrelevant;
    let mut next = Some(first);
    while let Some(event) = next {
        match event {
            Some(Ok(e)) if is_relevant(&e, own) => {
                let latest_ns = match seen {
                    Events::Relevant { latest_ns } => latest_ns.max(e.time_ns),
                    _ => e.time_ns,
                };
                seen = Events::Relevant { latest_ns };
            }
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return Events::Lost,
        }
        next = events.next().now_or_never();
    }
    seen
}

async fn watch(
    run: &LabRun<'_>,
    start: usize,
    mut commands: UnboundedReceiver<LiveCommand>,
    config: LiveConfig,
) -> usize {
    let steps = &run.lab.steps;
    let mut at = Position::at(run, start);
    let mut connected = true;
    let mut events = run.engine.events();
    let mut evaluate_now = true;
    // When the change being answered happened, and until when a failing check may still trail.
    let mut changed = Instant::now();
    let mut retry: Option<Instant> = None;
    loop {
        if evaluate_now && at.current < steps.len() {
            evaluate_now = false;
            retry = None;
            match evaluate_round(run, &mut at, &mut connected).await {
                Round::Advanced => {
                    evaluate_now = at.current < steps.len();
                    continue;
                }
                Round::Failing(outcomes) => {
                    retry = settle_wait(&steps[at.current], &outcomes, changed.elapsed(), false)
                        .map(|wait| Instant::now() + wait);
                }
            }
        }
        let own = steps
            .get(at.current)
            .map(own_exec_prefixes)
            .unwrap_or_default();
        tokio::select! {
            command = commands.recv() => {
                let Some(command) = command.filter(|c| *c != LiveCommand::Quit) else {
                    return at.current;
                };
                obey(run, &mut at, command).await;
                changed = Instant::now();
                evaluate_now = true;
            }
            event = events.next() => match take_burst(event, &mut events, &own) {
                Events::Irrelevant => {}
                Events::Relevant { latest_ns } => {
                    if !connected {
                        connected = true;
                        run.emit(daemon(true, "the Docker daemon is back"));
                    }
                    // Event-based checks read the record, which follows its own stream.
                    run.recorder.caught_up(latest_ns, lag::EVENT_DELIVERY).await;
                    changed = Instant::now();
                    evaluate_now = true;
                }
                Events::Lost => {
                    if reconnect(run, &mut connected).await {
                        events = run.engine.events();
                        evaluate_now = true;
                    }
                }
            },
            () = sleep_until(retry.unwrap_or_else(Instant::now)), if retry.is_some() => evaluate_now = true,
            () = tokio::time::sleep(config.fallback) => evaluate_now = true,
        }
    }
}

/// What one evaluation of the current step came to.
enum Round {
    /// The step was credited; the next one (if any) is open.
    Advanced,
    /// Not yet: what its checks said.
    Failing(Vec<CheckOutcome>),
}

/// Evaluate the current step once, say when the daemon stops answering, and credit the step
/// (opening the next) when its checks pass in order.
async fn evaluate_round(run: &LabRun<'_>, at: &mut Position, connected: &mut bool) -> Round {
    let steps = &run.lab.steps;
    let step = &steps[at.current];
    let outcomes = run.evaluate(step).await;
    if *connected
        && outcomes
            .iter()
            .any(|o| o.verdict.cause().is_some_and(Cause::is_connection))
    {
        *connected = false;
        run.emit(daemon(
            false,
            "the Docker daemon does not answer; waiting for it to come back",
        ));
    }
    let passed: Vec<bool> = outcomes.iter().map(|o| o.verdict.passed()).collect();
    if !at.credit.offer(at.current, &passed) {
        return Round::Failing(outcomes);
    }
    run.emit(RunEvent::StepDone {
        step: step.id.clone(),
        passed: true,
    });
    at.current = at.credit.pending().unwrap_or(steps.len());
    if let Some(next) = steps.get(at.current) {
        run.open_step(next);
    }
    Round::Advanced
}

/// The event stream ended: say so once, wait a second, and tell whether the daemon answers
/// again (then the caller subscribes anew).
async fn reconnect(run: &LabRun<'_>, connected: &mut bool) -> bool {
    if *connected {
        *connected = false;
        run.emit(daemon(
            false,
            "lost the Docker daemon's event stream; reconnecting",
        ));
    }
    tokio::time::sleep(crate::engine::reconnect::LIVE).await;
    if run.engine.ping().await.is_err() {
        return false;
    }
    *connected = true;
    run.emit(daemon(true, "reconnected to the Docker daemon"));
    true
}

fn daemon(connected: bool, message: &str) -> RunEvent {
    RunEvent::Daemon {
        connected,
        message: message.into(),
    }
}

/// Carry out one of the user's commands (other than quitting).
async fn obey(run: &LabRun<'_>, at: &mut Position, command: LiveCommand) {
    let steps = &run.lab.steps;
    match command {
        LiveCommand::Quit | LiveCommand::Recheck => {}
        LiveCommand::Goto(i) => *at = Position::at(run, i),
        LiveCommand::Assist { step } => {
            run.emit(assist(run, steps.get(at.current), step).await);
        }
        LiveCommand::Reset => {
            let error = reset(run).await;
            *at = Position::at(run, 0);
            run.emit(RunEvent::ResetDone { error });
        }
    }
}

/// Runs the solution of `asked` if it is the `current` step; the event that ends the assist.
async fn assist(run: &LabRun<'_>, current: Option<&Step>, asked: String) -> RunEvent {
    let Some(step) = current.filter(|s| s.id == asked) else {
        let now = current.map_or("the lab is complete".to_string(), |s| {
            format!("the current step is {}", s.id)
        });
        return RunEvent::AssistDone {
            error: Some(format!("step {asked} is done already; {now}")),
            step: asked,
            failures: Vec::new(),
        };
    };
    let failures = run
        .run_solution(step)
        .await
        .into_iter()
        .map(|(command, error)| format!("{command}: {error}"))
        .collect();
    run.evaluate_settled(step).await;
    RunEvent::AssistDone {
        step: asked,
        failures,
        error: None,
    }
}

/// Cleans up, prepares the folder and runs setup again; the first thing that went wrong.
async fn reset(run: &LabRun<'_>) -> Option<String> {
    let cleanup = run.cleanup().await.err().map(|e| format!("cleanup: {e}"));
    let folder = run
        .prepare_workdir()
        .err()
        .map(|e| format!("lab folder {}: {e}", run.workdir.display()));
    let setup = run.setup().await.err();
    cleanup.or(folder).or(setup)
}

#[cfg(test)]
pub(crate) mod tests;
