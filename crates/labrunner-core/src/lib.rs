//! labrunner's core: hands-on Docker labs, run against a real daemon.
//!
//! The lab model and loader, the docker-command parser, the engine (trait and bollard
//! implementation), checks, the runner and live loop, grading, namespaces, the progress store,
//! reports and lessons. Nothing here knows a terminal or a command line: the `labrunner` binary's
//! TUI and subcommands are thin shells over this crate.

pub mod atomic;
pub mod check;
pub mod class;
pub mod clean;
pub mod command;
pub mod credit;
pub mod engine;
pub mod execute;
pub mod folder;
pub mod grade;
pub mod home;
pub mod ids;
pub mod images;
pub mod input;
pub mod lab;
pub mod labels;
pub mod lesson;
pub mod live;
pub mod lms;
pub mod load;
pub mod namespace;
pub mod output;
pub mod pattern;
pub mod preexisting;
pub mod progress;
pub mod prove;
pub mod recorder;
pub mod report;
pub mod runner;
pub mod runs;
pub mod sandbox;
pub mod schema;
pub mod submission;
pub mod sweep;
pub mod validate;

#[cfg(test)]
mod layering;
