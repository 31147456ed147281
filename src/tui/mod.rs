//! The student TUI: a thin shell over the core. [`app::App`] owns all state, [`keymap`] is the
//! one table of keys, `draw` renders panels, `run` is the event loop.

pub mod app;
pub mod draw;
pub mod keymap;
pub mod lab_view;
pub mod live;
pub mod quiz;
pub mod reader;
pub mod run;

pub use run::{TuiError, run};
