//! labrunner: hands-on Docker labs, run against a real daemon.
//!
//! The core (lab model, docker-command parser, engine adapter, checks, runner, progress store,
//! reporters) has no terminal code. The TUI (`tui`) and the subcommands (`cli`) are thin shells.

pub mod check;
pub mod cli;
pub mod command;
pub mod engine;
pub mod grade;
pub mod home;
pub mod images;
pub mod lab;
pub mod lesson;
pub mod live;
pub mod load;
pub mod namespace;
pub mod progress;
pub mod report;
pub mod runner;
pub mod submission;
pub mod tui;
pub mod validate;
