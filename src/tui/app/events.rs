//! What goes in and out of the app: effects for the event loop, events from background tasks,
//! and the status line's notices.

use labrunner_core::{LoadedLab, PullProgress, Resource, RunEvent};

use super::ExistingResources;
use crate::tui::lab_view::LiveStatus;
use crate::tui::terminal::TerminalScreen;
use crate::tui::terminal::shell::ShellEvent;

/// Work for the event loop, which owns the terminal and spawns background tasks.
#[derive(Debug, Clone)]
pub enum Effect {
    /// Put text on the clipboard (OSC 52).
    Copy(String),
    /// Start watching the lab from step index `start`: re-run the current step's checks on
    /// daemon events.
    StartLive {
        /// The opening of the lab this live loop belongs to (its events carry it).
        session: u64,
        lab: Box<LoadedLab>,
        /// What the student said about pre-existing resources.
        existing: ExistingResources,
        start: usize,
        /// Resources recorded as pre-existing when the lab was first started; `None`: not yet
        /// recorded (first start: detect them now and report [`AppEvent::Preflight`]).
        preexisting: Option<Vec<Resource>>,
        /// Run the lab's setup commands first (first start only).
        setup: bool,
    },
    StopLive,
    /// Run this step's solution, if it is still the current step.
    Assist {
        step: String,
    },
    /// Clean up what the lab created (never what existed before) and start again.
    Reset,
    /// Remove what a finished lab created (never what existed before), after the lab has
    /// been left.
    RemoveLab {
        lab: Box<LoadedLab>,
        preexisting: Vec<Resource>,
    },
    /// Find which of the lab's declared resources exist already (before asking to open it).
    Preflight {
        session: u64,
        lab: Box<LoadedLab>,
    },
    /// Start the shell of the terminal pane in `dir`, drawing on `screen` (a shell already
    /// running there ends first).
    OpenTerminal {
        screen: TerminalScreen,
        dir: std::path::PathBuf,
    },
    /// End the shell (and what runs in it).
    CloseTerminal,
    /// Bytes for the shell, as the terminal would send them.
    TerminalInput(Vec<u8>),
    /// Capture the mouse (wheel scrolling in labrunner) or leave it to the terminal.
    MouseCapture(bool),
}

/// What background tasks send to the app.
#[derive(Debug, Clone, PartialEq)]
pub enum AppEvent {
    Run(RunEvent),
    Live(LiveStatus),
    /// Declared resources found already present on the lab's first start.
    Preflight {
        resources: Vec<Resource>,
    },
    /// The terminal pane's shell printed something, or ended.
    Terminal(ShellEvent),
    /// The same, from shell number `id` (the event loop passes on only the open shell's).
    Shell {
        id: u64,
        event: ShellEvent,
    },
    /// Image pull progress, while a command waits for its image.
    Pull(PullProgress),
    /// What [`Effect::RemoveLab`] removed from lab `lab`, or why it could not.
    Removed {
        lab: String,
        result: Result<Vec<String>, String>,
    },
    /// An event from the background task of one opening of a lab. Dropped unless that opening
    /// is still on screen, so that a lab closed a moment ago (even if opened again at once)
    /// cannot touch the next one's progress.
    ForLab {
        session: u64,
        event: Box<AppEvent>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub level: Level,
    pub text: String,
}
