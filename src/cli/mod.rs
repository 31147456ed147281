//! Subcommands: each parses nothing itself (clap did) and calls into the core.

pub mod clean;
pub mod common;
pub mod explain;
pub mod grade;
pub mod lab;
pub mod progress;
pub mod schema;
pub mod test;
pub mod tui;
pub mod validate;
pub mod watch;
