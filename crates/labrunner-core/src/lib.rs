//! labrunner's core: hands-on Docker labs, run against a real daemon.
//!
//! The lab model and loader, the docker-command parser, the engine (trait and bollard
//! implementation), checks, the runner and live loop, grading, namespaces, the progress store,
//! reports and lessons. Nothing here knows a terminal or a command line: the `labrunner` binary's
//! TUI and subcommands are thin shells over this crate.
//!
//! The crate's modules are private; what the shells and tests use is the facade below, so the
//! compiler finds what nothing uses (`dead_code` is denied). The modules' layers and what each
//! holds: `docs/architecture.md`.

#![deny(dead_code)]

mod atomic;
mod check;
mod class;
mod clean;
mod command;
mod credit;
mod engine;
mod execute;
mod folder;
mod grade;
mod home;
mod ids;
mod images;
mod input;
mod lab;
mod labels;
mod lesson;
mod live;
mod lms;
mod load;
mod namespace;
mod output;
mod pattern;
mod preexisting;
mod progress;
mod prove;
mod recorder;
mod report;
mod runner;
mod runs;
mod sandbox;
mod schema;
mod submission;
mod sweep;
mod validate;

pub use check::{
    CheckEnv, CheckOutcome, Verdict, describe as describe_check, evaluate as evaluate_check,
};
pub use class::{
    ClassEvent, ClassOptions, ClassSummary, MAX_JOBS, OutDir, Outcome, Shard, StudentRecord,
    default_jobs, grade_class, merge as merge_shards, read_roster,
};
pub use clean::{Cleaned, Scope, clean};
pub use command::{
    Action, MountKind, ResourceKind, accepted_options, fixed_subnet, parse as parse_command,
};
pub use engine::docker::{DockerEngine, MAX_API, MIN_API};
#[cfg(any(test, feature = "fake"))]
pub use engine::fake::FakeEngine;
pub use engine::timed::{TimedEngine, Timings};
pub use engine::{Engine, EngineError, PullProgress, VolumeFile, reconnect};
pub use execute::{ApplyContext, execute};
pub use grade::{GradeError, GradeOptions, Graded, HostPorts, Mode, grade};
pub use home::{config_file, home, workdir};
pub use ids::{new_run_id, panic_text};
pub use images::ImageMap;
pub use input::{MAX_DOCUMENT_BYTES, read_to_string};
pub use lab::{
    Alternative, AttachedCheck, CHECK_KINDS, Check, CheckKind, Command, CommandFailsCheck,
    ContainerCheck, ContainerRanCheck, ContainerState, Difficulty, ExecCheck, FORMAT_VERSION,
    FailingCommand, FileCheck, HostFileCheck, ImageCheck, Lab, LoadedLab, LoopbackOnlyCheck,
    Mistake, MountCheck, MountType, NetworkCheck, OutputCheck, Probe, PublishedCheck, RanCheck,
    RanMount, ReachableCheck, ResolvesCheck, Resource, Resources, Step, UserCheck, VariantKind,
    VolumeCheck, declared, lab_files,
};
pub use lesson::{
    Catalog, LabEntry, LessonEntry, LessonError, LineKind, MAX_RENDERED_BYTES, Question,
    QuestionKind, Quiz, Rendered, SpanStyle, StyledLine, lint_lesson, load_catalog, load_lab,
    parse_quiz, read_lesson, render_markdown,
};
pub use live::{LiveCommand, LiveConfig, run as run_live};
pub use lms::{LmsFormat, LmsRoster, write_lms_files};
pub use load::{Diagnostic, Pos, PositionIndex, load, load_str};
pub use namespace::{Namespace, NamespacedEngine};
pub use pattern::plain as plain_pattern;
pub use preexisting::{Touched, refusal, touched_by};
pub use progress::{
    LabProgress, Loaded, PROGRESS_FILE, Progress, ProgressError, ProgressStore, QuizAnswer,
    QuizProgress, StepProgress, default_dir as default_progress_dir, read as read_progress,
};
pub use prove::{
    DemoProblem, LabTest, LessonRun, LessonTest, early_pass_message, test_lab, test_lesson,
};
pub use recorder::Recorder;
pub use report::{
    CheckReport, CommandOutcome, CommandRecord, Format, GradeReport, Refusal, Status, StepReport,
    harmless_json, json_escaped, printable, printable_line, render as render_report, ungraded,
};
pub use runner::{Consent, LabRun, RunEvent};
pub use runs::RunRegistry;
pub use schema::schema_json;
pub use submission::{Limits, Policy, parse_submission, read_submission};
pub use validate::{check_file, check_str, lint as lint_lab, load_valid};

#[cfg(test)]
mod layering;
