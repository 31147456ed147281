//! Subcommands: each parses nothing itself (clap did) and calls into the core.

pub mod explain;
pub mod progress;
pub mod schema;
pub mod tui;
pub mod validate;
