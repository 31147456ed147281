//! The `labrunner` binary's shells over `labrunner-core`: the subcommands (`cli`) and the
//! student TUI (`tui`). Kept as a library so screen tests can drive the TUI without a terminal.

pub mod cli;
pub mod tui;
