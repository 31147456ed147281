//! Runs a lab: setup, steps, cleanup, emitting typed events on a channel.

use serde::Serialize;

use crate::check::CheckOutcome;

/// What happens during a run, in order. The TUI reduces these into its state; `test`, `grade`
/// and `watch` feed them to reporters.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum RunEvent {
    /// Declared resources that already existed before the lab started (kept, never removed).
    Preexisting {
        resources: Vec<String>,
    },
    StepStarted {
        step: String,
    },
    /// A command labrunner ran (setup, solution, cleanup). `error` is the daemon's message.
    ActionRan {
        step: Option<String>,
        command: String,
        output: String,
        error: Option<String>,
        /// For commands that must fail: whether the error matched.
        as_expected: bool,
    },
    Check(CheckOutcome),
    StepDone {
        step: String,
        passed: bool,
    },
    CleanupDone {
        removed: Vec<String>,
        kept: Vec<String>,
    },
}
