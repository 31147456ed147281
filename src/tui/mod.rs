//! The student TUI: a thin shell over the core.
//!
//! - [`app::App`] routes between screens that own their state (home, the lesson reader, the lab
//!   screen with its view, terminal pane and live state, the knowledge check, the dialogs); no
//!   field is public. Keys and [`app::AppEvent`]s from background tasks go in; [`app::Effect`]s
//!   (clipboard, start/stop the live loop, assist, reset, the pane's shell) come out for the
//!   event loop to carry out.
//! - [`layout`] says where things go; input and drawing both use it.
//! - [`lab_view::LabView`] is a reducer over the runner's [`labrunner_core::RunEvent`]s, so the
//!   lab screen is tested with synthetic events.
//! - [`keymap::KEYMAP`] is the one table of keys; the footer and the help overlay are made from it.
//! - [`draw`] has one function per panel; they only read the app.
//! - [`mod@run`] is the event loop (`tokio::select!` over terminal input, a tick, signals and app
//!   events); [`live::Driver`] runs the core's live loop in a task per open lab.
//! - [`terminal`] is the lab view's terminal pane: a PTY running the user's shell in the lab's
//!   folder, emulated by alacritty's terminal and drawn into the frame. The event loop owns the shell; the app
//!   owns focus and visibility and sends keys as [`app::Effect::TerminalInput`].

pub mod app;
pub mod draw;
pub mod keymap;
pub mod lab_view;
pub mod layout;
pub mod live;
pub mod quiz;
pub mod reader;
pub mod run;
pub mod terminal;

pub use run::{TuiError, run};
