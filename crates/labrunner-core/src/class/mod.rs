//! Grading a whole class: one submission file per student, each replayed with [`grade`].
//!
//! A roster is a folder of submission files; a file's name without its last extension is the
//! student's id (`alice.sh` is `alice`). A [`Shard`] (`I/N`) takes a stable subset of it, so a
//! Kubernetes Indexed Job or an Actions matrix can split a class across machines, each with its
//! own daemon. Every student is graded in a fresh namespace of its own with [`grade`], at most
//! `jobs` at a time; a failing, hostile or timed-out submission ends in its own record and
//! never touches another student's.
//!
//! An [`OutDir`] holds the results: `records/<student>.json` (what this module reads back to
//! resume and to merge), `<student>.<ext>` in each chosen format, `gradebook.csv`,
//! `class.junit.xml` and `class.ctrf.json`. A re-run skips students whose record says they were
//! graded from the same submission; [`merge`] joins the out-dirs of several shards into one and
//! names the students no shard graded.

mod gradebook;
mod merge;
mod records;
mod roster;
mod shard;
mod sizing;

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::Utc;
use futures_util::{FutureExt, StreamExt};
use serde::{Deserialize, Serialize};

use crate::engine::{DaemonCapacity, Engine};
use crate::grade::{GradeError, GradeOptions, Mode, grade};
use crate::lab::Lab;
use crate::namespace::Namespace;
use crate::report::{self, Format, GradeReport, StudentOutcome, StudentResult};
use crate::submission::{SubmittedCommand, read_submission};

pub use gradebook::*;
pub use merge::*;
pub use records::*;
pub use roster::*;
pub use shard::*;
pub use sizing::*;

/// Times a student is graded when a failure they did not cause stops the grading.
const ATTEMPTS: usize = 2;

#[derive(Debug, thiserror::Error)]
pub enum ClassError {
    #[error("cannot read the submissions folder {path}: {source}")]
    Roster {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: a file name must be UTF-8 text, because it is the student's id; rename it")]
    NotUtf8Name { path: PathBuf },
    #[error("{first} and {second} are both submissions of student `{student}`; keep one of them")]
    DuplicateStudent {
        student: String,
        first: PathBuf,
        second: PathBuf,
    },
    #[error("no submission files in {0} (one file per student, named after the student)")]
    EmptyRoster(PathBuf),
    #[error(
        "students `{first}` and `{second}` would both write {file}; rename one of their submissions"
    )]
    OutputClash {
        first: String,
        second: String,
        file: String,
    },
    #[error(
        "--shard {0}: write INDEX/COUNT with 0 <= INDEX < COUNT (e.g. 0/4), or COUNT alone to take the index from JOB_COMPLETION_INDEX"
    )]
    BadShard(String),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a labrunner grading record: {reason}")]
    BadRecord { path: PathBuf, reason: String },
    #[error("{path} holds a grading of lab `{found}`, not of `{expected}`")]
    OtherLab {
        path: PathBuf,
        found: String,
        expected: String,
    },
    #[error(
        "student `{student}` was graded differently in {first} and {second}; remove the stale one"
    )]
    ConflictingRecords {
        student: String,
        first: PathBuf,
        second: PathBuf,
    },
}

/// How to grade a class.
#[derive(Debug, Clone)]
pub struct ClassOptions {
    /// Options for each student's grading. Its namespace, when set, is a prefix: each student
    /// gets a fresh namespace under it. Its sandbox must be `None`: each student gets a fresh one.
    pub grade: GradeOptions,
    pub formats: Vec<Format>,
    pub jobs: usize,
    /// Grade again students whose record says they were graded.
    pub force: bool,
    pub shard: Option<Shard>,
}

/// What a class grading reports as it goes.
#[derive(Debug)]
pub enum ClassEvent<'a> {
    /// `to_grade` students will be graded; `skipped` already were (from their records).
    Planned { to_grade: usize, skipped: usize },
    /// A student's grading ended (or could not start).
    Finished(&'a StudentRecord),
}

/// A finished class grading.
#[derive(Debug, Clone)]
pub struct ClassSummary {
    /// Every student of the roster (or shard) with a record, in roster order.
    pub records: Vec<StudentRecord>,
    pub graded: usize,
    pub skipped: usize,
    /// Ctrl-C stopped grading; students not graded have no record and a re-run grades them.
    pub interrupted: bool,
}

/// Grade every student of `roster` (already cut to its shard) into `out`, then write the
/// gradebook and the merged reports. `interrupt` resolves when grading must stop.
pub async fn grade_class(
    engine: &dyn Engine,
    lab: &Lab,
    roster: &[Student],
    options: &ClassOptions,
    out: &OutDir,
    interrupt: impl Future<Output = ()>,
    on_event: &mut dyn FnMut(ClassEvent<'_>),
) -> Result<ClassSummary, ClassError> {
    out.check_names(roster, &options.formats)?;
    let mut done: BTreeMap<String, StudentRecord> = BTreeMap::new();
    let mut pending = Vec::new();
    for student in roster {
        match previous(out, lab, student, options)? {
            Some(record) => {
                write_reports(out, lab, &record, &options.formats)?;
                done.insert(student.id.clone(), record);
            }
            None => pending.push(student),
        }
    }
    let skipped = done.len();
    on_event(ClassEvent::Planned {
        to_grade: pending.len(),
        skipped,
    });
    let interrupt = interrupt.shared();
    let mut graded = 0;
    let mut interrupted = false;
    let mut results = futures_util::stream::iter(pending)
        .map(|student| grade_student(engine, lab, student, &options.grade, interrupt.clone()))
        .buffer_unordered(options.jobs.clamp(1, MAX_JOBS));
    while let Some(result) = results.next().await {
        let Some(record) = result else {
            interrupted = true;
            continue;
        };
        write_student(out, lab, &record, &options.formats)?;
        on_event(ClassEvent::Finished(&record));
        graded += 1;
        done.insert(record.student.clone(), record);
    }
    let records: Vec<StudentRecord> = roster.iter().filter_map(|s| done.remove(&s.id)).collect();
    let ids: Vec<&str> = roster.iter().map(|s| s.id.as_str()).collect();
    write_class_files(out, lab, &ids, &records, options.shard)?;
    Ok(ClassSummary {
        records,
        graded,
        skipped,
        interrupted,
    })
}

/// The student's record when it can stand: same lab, graded, from the same submission.
fn previous(
    out: &OutDir,
    lab: &Lab,
    student: &Student,
    options: &ClassOptions,
) -> Result<Option<StudentRecord>, ClassError> {
    if options.force {
        return Ok(None);
    }
    let Some(record) = out.read_record(&student.id)? else {
        return Ok(None);
    };
    let current = read_submission(&student.path, &options.grade.limits)
        .ok()
        .map(|c| fingerprint(&c));
    let stands = record.lab_id == lab.id
        && matches!(record.outcome, Outcome::Graded { .. })
        && current.as_deref() == Some(record.submission.as_str());
    Ok(stands.then_some(record))
}

/// One student, in a fresh namespace and sandbox. `None`: interrupted (no record is kept).
async fn grade_student(
    engine: &dyn Engine,
    lab: &Lab,
    student: &Student,
    base: &GradeOptions,
    interrupt: futures_util::future::Shared<impl Future<Output = ()>>,
) -> Option<StudentRecord> {
    if interrupt.peek().is_some() {
        return None;
    }
    let record = |submission: String, outcome| StudentRecord {
        student: student.id.clone(),
        lab_id: lab.id.clone(),
        submission,
        outcome,
        leftovers: Vec::new(),
    };
    let commands = match read_submission(&student.path, &base.limits) {
        Ok(c) => c,
        Err(e) => {
            return Some(record(
                String::new(),
                Outcome::Error {
                    error: e.to_string(),
                },
            ));
        }
    };
    let submission = fingerprint(&commands);
    // A failure the student did not cause is graded once more, in a fresh namespace.
    let mut graded = Err(GradeError::Interrupted);
    for attempt in 1..=ATTEMPTS {
        let namespace = match &base.namespace {
            Some(prefix) => Namespace::fresh_in(prefix),
            None => Ok(Namespace::fresh()),
        };
        let namespace = match namespace {
            Ok(ns) => ns,
            Err(e) => {
                let error = e.to_string();
                return Some(record(submission, Outcome::Error { error }));
            }
        };
        let options = GradeOptions {
            namespace: Some(namespace),
            sandbox: None,
            started_at: Utc::now(),
            ..base.clone()
        };
        let mode = Mode::Replay(commands.clone());
        graded = grade(engine, lab, mode, &options, interrupt.clone()).await;
        match &graded {
            Err(e) if e.is_infrastructure() && attempt < ATTEMPTS => continue,
            _ => break,
        }
    }
    match graded {
        Ok(graded) => Some(StudentRecord {
            leftovers: graded.leftovers,
            ..record(
                submission,
                Outcome::Graded {
                    report: graded.report,
                },
            )
        }),
        Err(GradeError::Interrupted) => None,
        Err(e) if e.is_infrastructure() => Some(record(
            submission,
            Outcome::Error {
                error: format!("{e} (graded {ATTEMPTS} times)"),
            },
        )),
        Err(e) => Some(record(
            submission,
            Outcome::Error {
                error: e.to_string(),
            },
        )),
    }
}

/// A student's record and reports. The record goes last: a student with a record has reports.
fn write_student(
    out: &OutDir,
    lab: &Lab,
    record: &StudentRecord,
    formats: &[Format],
) -> Result<(), ClassError> {
    write_reports(out, lab, record, formats)?;
    let json = report::harmless_json(record).map_err(|e| ClassError::Write {
        path: out.record(&record.student),
        source: std::io::Error::other(e),
    })?;
    write_atomic(&out.record(&record.student), json.as_bytes())
}

/// A student's report in each format, from their record (so a re-run that adds a format
/// writes it for students it does not grade again).
fn write_reports(
    out: &OutDir,
    lab: &Lab,
    record: &StudentRecord,
    formats: &[Format],
) -> Result<(), ClassError> {
    for format in formats {
        let text = match &record.outcome {
            Outcome::Graded { report } => report::render(report, *format),
            // A student who could not be graded still gets a report in each format, saying why.
            Outcome::Error { error } => {
                report::ungraded(&record.student, error, lab.max_score(), Utc::now(), *format)
            }
        };
        write_atomic(&out.report(&record.student, *format), text.as_bytes())?;
    }
    Ok(())
}

/// `gradebook.csv`, `class.junit.xml` and `class.ctrf.json` for `roster` (student ids, in
/// order) from `records`; students without a record are `missing` in the gradebook.
pub fn write_class_files(
    out: &OutDir,
    lab: &Lab,
    roster: &[&str],
    records: &[StudentRecord],
    shard: Option<Shard>,
) -> Result<(), ClassError> {
    let by_student: BTreeMap<&str, &StudentRecord> =
        records.iter().map(|r| (r.student.as_str(), r)).collect();
    let rows: Vec<GradebookRow> = roster
        .iter()
        .map(|s| GradebookRow::new(lab, s, by_student.get(s).copied()))
        .collect();
    let csv = gradebook_csv(lab, &rows).map_err(|e| ClassError::Write {
        path: out.gradebook(),
        source: std::io::Error::other(e),
    })?;
    write_atomic(&out.gradebook(), csv.as_bytes())?;
    let results: Vec<StudentResult> = roster
        .iter()
        .filter_map(|s| by_student.get(s).map(|r| r.result()))
        .collect();
    let started = records
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Graded { report } => Some(report.started_at),
            Outcome::Error { .. } => None,
        })
        .min()
        .unwrap_or_else(Utc::now);
    write_atomic(
        &out.junit(),
        report::junit_class(&lab.id, &results).as_bytes(),
    )?;
    let shard = shard.map(|s| s.to_string());
    write_atomic(
        &out.ctrf(),
        report::ctrf_class(&lab.id, &results, started, shard.as_deref()).as_bytes(),
    )
}

#[cfg(test)]
mod tests;
