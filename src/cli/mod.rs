//! Subcommands: each parses nothing itself (clap did) and calls into the core.

pub mod common;
pub mod explain;
pub mod schema;
pub mod test;
pub mod validate;
