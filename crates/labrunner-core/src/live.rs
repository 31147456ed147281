//! Live mode: while the student works in their own terminal, the current step's checks re-run
//! whenever the daemon reports a relevant event (debounced), and on a slow periodic fallback for
//! conditions no event reveals. When every check of the step passes, the next step opens.
//!
//! The TUI and `labrunner watch` drive this loop; it reports through the run's [`RunEvent`]s.

use std::collections::HashSet;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::check::Cause;
use crate::check::probes::own_exec_prefixes;
use crate::credit::Credit;
use crate::engine::DaemonEvent;
use crate::lab::Step;
use crate::runner::{LABEL_ROLE, LabRun, RunEvent, SETTLE_WINDOW};

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
    /// Quiet time after an event before checks run (events come in bursts).
    pub debounce: Duration,
    /// Re-run checks this often even without events.
    pub fallback: Duration,
}

impl Default for LiveConfig {
    fn default() -> Self {
        LiveConfig {
            debounce: Duration::from_millis(60),
            fallback: Duration::from_secs(5),
        }
    }
}

/// Whether a daemon event can change a check's answer (and is not caused by the checks).
pub fn is_relevant(event: &DaemonEvent, own: &HashSet<String>) -> bool {
    if event
        .attributes
        .get(LABEL_ROLE)
        .is_some_and(|r| r == "check")
    {
        return false;
    }
    if let Some(cmd) = event.action.strip_prefix("exec_") {
        // exec_create / exec_start / exec_die: only the student's commands count.
        let command = cmd.split_once(": ").map(|(_, c)| c).unwrap_or("");
        if cmd.starts_with("die") || cmd.starts_with("create") {
            return false;
        }
        return !own.iter().any(|p| command.starts_with(p.as_str()));
    }
    true
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
    run.recorder
        .follow(run.engine, watch(run, start, commands, config))
        .await
}

async fn watch(
    run: &LabRun<'_>,
    start: usize,
    mut commands: UnboundedReceiver<LiveCommand>,
    config: LiveConfig,
) -> usize {
    let steps = &run.lab.steps;
    let fresh = || Credit::new(vec![Vec::new(); steps.len()]);
    let mut credit = fresh().resumed(start);
    let mut current = credit.pending().unwrap_or(steps.len());
    let mut connected = true;
    let mut events = run.engine.events();
    let mut evaluate_now = true;
    if let Some(step) = steps.get(current) {
        run.open_step(step);
    }
    loop {
        if evaluate_now && current < steps.len() {
            evaluate_now = false;
            let step = &steps[current];
            let outcomes = run.evaluate(step).await;
            let daemon_gone = outcomes
                .iter()
                .any(|o| o.verdict.cause().is_some_and(Cause::is_connection));
            if daemon_gone && connected {
                connected = false;
                run.emit(RunEvent::Daemon {
                    connected: false,
                    message: "the Docker daemon does not answer; waiting for it to come back"
                        .into(),
                });
            }
            let passed: Vec<bool> = outcomes.iter().map(|o| o.verdict.passed()).collect();
            if credit.offer(current, &passed) {
                run.emit(RunEvent::StepDone {
                    step: step.id.clone(),
                    passed: true,
                });
                current = credit.pending().unwrap_or(steps.len());
                if let Some(next) = steps.get(current) {
                    run.open_step(next);
                    evaluate_now = true;
                }
                continue;
            }
        }
        let own = steps
            .get(current)
            .map(own_exec_prefixes)
            .unwrap_or_default();
        tokio::select! {
            command = commands.recv() => match command {
                None | Some(LiveCommand::Quit) => return current,
                Some(LiveCommand::Recheck) => evaluate_now = true,
                Some(LiveCommand::Goto(i)) => {
                    credit = fresh().resumed(i);
                    current = credit.pending().unwrap_or(steps.len());
                    if let Some(step) = steps.get(current) {
                        run.open_step(step);
                    }
                    evaluate_now = true;
                }
                Some(LiveCommand::Assist { step }) => {
                    evaluate_now = true;
                    run.emit(assist(run, steps.get(current), step).await);
                }
                Some(LiveCommand::Reset) => {
                    let error = reset(run).await;
                    credit = fresh();
                    current = credit.pending().unwrap_or(steps.len());
                    if let Some(step) = steps.first() {
                        run.open_step(step);
                    }
                    evaluate_now = true;
                    run.emit(RunEvent::ResetDone { error });
                }
            },
            event = events.next() => match event {
                Some(Ok(e)) => {
                    if !connected {
                        connected = true;
                        run.emit(RunEvent::Daemon { connected: true, message: "the Docker daemon is back".into() });
                    }
                    if is_relevant(&e, &own) {
                        // Let the burst of events that one CLI command causes settle.
                        tokio::time::sleep(config.debounce).await;
                        evaluate_now = true;
                    }
                }
                Some(Err(_)) | None => {
                    if connected {
                        connected = false;
                        run.emit(RunEvent::Daemon {
                            connected: false,
                            message: "lost the Docker daemon's event stream; reconnecting".into(),
                        });
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    if run.engine.version().await.is_ok() {
                        events = run.engine.events();
                        connected = true;
                        run.emit(RunEvent::Daemon { connected: true, message: "reconnected to the Docker daemon".into() });
                        evaluate_now = true;
                    }
                }
            },
            _ = tokio::time::sleep(config.fallback) => evaluate_now = true,
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
    run.evaluate_settled(step, SETTLE_WINDOW).await;
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
