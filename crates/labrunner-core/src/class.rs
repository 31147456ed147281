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

/// Largest record file read back (records are small; a bigger file is not one of ours).
const MAX_RECORD_BYTES: u64 = 16 * 1024 * 1024;

/// Most gradings at once, whatever the daemon could take.
pub const MAX_JOBS: usize = 32;

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

/// One student's submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Student {
    pub id: String,
    pub path: PathBuf,
}

/// The roster in a folder: every regular file (or link to one) not starting with `.`, sorted
/// by student id. Sub-folders, sockets, pipes and devices are not submissions and are left out.
pub fn read_roster(dir: &Path) -> Result<Vec<Student>, ClassError> {
    let err = |source| ClassError::Roster {
        path: dir.to_path_buf(),
        source,
    };
    let mut by_id: BTreeMap<String, PathBuf> = BTreeMap::new();
    for entry in std::fs::read_dir(dir).map_err(err)? {
        let path = entry.map_err(err)?.path();
        let Some(name) = path.file_name() else {
            continue;
        };
        let name = name
            .to_str()
            .ok_or_else(|| ClassError::NotUtf8Name { path: path.clone() })?;
        // Following links is fine: the folder is the grader's, and a link to anything other
        // than a regular file is left out here, before anything reads it.
        let is_file = std::fs::metadata(&path).is_ok_and(|m| m.is_file());
        if name.starts_with('.') || !is_file {
            continue;
        }
        let id = student_id(name).to_string();
        if let Some(first) = by_id.get(&id) {
            let (first, second) = order(first.clone(), path);
            return Err(ClassError::DuplicateStudent {
                student: id,
                first,
                second,
            });
        }
        by_id.insert(id, path);
    }
    if by_id.is_empty() {
        return Err(ClassError::EmptyRoster(dir.to_path_buf()));
    }
    Ok(by_id
        .into_iter()
        .map(|(id, path)| Student { id, path })
        .collect())
}

fn order(a: PathBuf, b: PathBuf) -> (PathBuf, PathBuf) {
    if a <= b { (a, b) } else { (b, a) }
}

/// A file name without its last extension (`alice.sh` -> `alice`, `bob` -> `bob`).
fn student_id(file_name: &str) -> &str {
    match file_name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => file_name,
    }
}

/// One of `count` parts of a roster. A student's part depends only on their id (FNV-1a of it,
/// modulo `count`), so every machine computes the same split, and a student added to the
/// roster moves nobody else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// `I/N`, or `N` alone with the index taken from `job_index` (Kubernetes sets
    /// `JOB_COMPLETION_INDEX` in each pod of an Indexed Job).
    pub fn parse(text: &str, job_index: Option<&str>) -> Result<Shard, ClassError> {
        let bad = || ClassError::BadShard(text.to_string());
        let (index, count) = match text.split_once('/') {
            Some((i, n)) => (i.trim(), n.trim()),
            None => (job_index.ok_or_else(bad)?.trim(), text.trim()),
        };
        let index: u32 = index.parse().map_err(|_| bad())?;
        let count: u32 = count.parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    pub fn contains(&self, student: &str) -> bool {
        fnv1a(student.as_bytes()) % u64::from(self.count) == u64::from(self.index)
    }

    pub fn select(&self, roster: Vec<Student>) -> Vec<Student> {
        roster
            .into_iter()
            .filter(|s| self.contains(&s.id))
            .collect()
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// 64-bit FNV-1a: fixed by its definition, so the same on every machine and every build.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// How many students to grade at once on a daemon: two per CPU, no more than its memory holds
/// at the grading's memory limit for every container the lab declares, and no more than half
/// of the networks its address pools can hand out (other users share them); 1 to [`MAX_JOBS`].
pub fn default_jobs(capacity: &DaemonCapacity, lab: &Lab, memory_limit_bytes: i64) -> usize {
    let by_cpu = capacity.cpus.max(1) as usize * 2;
    let containers = lab.resources.containers.len().max(1) as u64;
    let per_grading = u64::try_from(memory_limit_bytes).unwrap_or(0).max(1) * containers;
    let by_memory = match capacity.memory_bytes {
        0 => MAX_JOBS,
        m => usize::try_from(m / per_grading).unwrap_or(MAX_JOBS),
    };
    let networks = lab.resources.networks.len() as u64;
    let by_networks = match (networks, capacity.pool_networks) {
        (0, _) => MAX_JOBS,
        (n, pool) => usize::try_from(pool.unwrap_or(31) / 2 / n).unwrap_or(MAX_JOBS),
    };
    by_cpu.min(by_memory).min(by_networks).clamp(1, MAX_JOBS)
}

/// What became of one student, as stored in `records/<student>.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudentRecord {
    pub student: String,
    pub lab_id: String,
    /// Fingerprint of the submitted commands: a re-run grades the student again when it changed.
    pub submission: String,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// What cleanup could not remove (should be empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub leftovers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Outcome {
    Graded {
        report: GradeReport,
    },
    /// Could not be graded: an unreadable or oversized submission, the daemon, the time limit.
    Error {
        error: String,
    },
}

impl StudentRecord {
    fn result(&self) -> StudentResult<'_> {
        StudentResult {
            student: &self.student,
            outcome: match &self.outcome {
                Outcome::Graded { report } => StudentOutcome::Graded(report),
                Outcome::Error { error } => StudentOutcome::Error(error),
            },
        }
    }
}

fn fingerprint(commands: &[SubmittedCommand]) -> String {
    let mut bytes = Vec::new();
    for c in commands {
        bytes.extend_from_slice(c.line.to_string().as_bytes());
        bytes.push(0);
        bytes.extend_from_slice(c.text.as_bytes());
        bytes.push(0);
    }
    format!("{:016x}", fnv1a(&bytes))
}

/// The layout of a class's results folder; the one place that names its files.
#[derive(Debug, Clone)]
pub struct OutDir {
    pub root: PathBuf,
}

impl OutDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        OutDir { root: root.into() }
    }
    pub fn records(&self) -> PathBuf {
        self.root.join("records")
    }
    pub fn record(&self, student: &str) -> PathBuf {
        self.records().join(format!("{student}.json"))
    }
    pub fn report(&self, student: &str, format: Format) -> PathBuf {
        self.root.join(format!("{student}.{}", format.extension()))
    }
    pub fn gradebook(&self) -> PathBuf {
        self.root.join("gradebook.csv")
    }
    pub fn junit(&self) -> PathBuf {
        self.root.join("class.junit.xml")
    }
    pub fn ctrf(&self) -> PathBuf {
        self.root.join("class.ctrf.json")
    }

    /// Every student's reports have a file name of their own, apart from the class files.
    pub fn check_names(&self, roster: &[Student], formats: &[Format]) -> Result<(), ClassError> {
        let mut owner: BTreeMap<PathBuf, String> = BTreeMap::new();
        for class_file in [self.gradebook(), self.junit(), self.ctrf(), self.records()] {
            owner.insert(class_file, "(the class files)".to_string());
        }
        for s in roster {
            for f in formats {
                let file = self.report(&s.id, *f);
                if let Some(first) = owner.insert(file.clone(), s.id.clone()) {
                    return Err(ClassError::OutputClash {
                        first,
                        second: s.id.clone(),
                        file: file.display().to_string(),
                    });
                }
            }
        }
        Ok(())
    }

    /// The record of a student, if there is a readable one.
    pub fn read_record(&self, student: &str) -> Result<Option<StudentRecord>, ClassError> {
        let path = self.record(student);
        if !path.exists() {
            return Ok(None);
        }
        read_record(&path).map(Some)
    }

    /// Every record in the folder, by student.
    pub fn read_records(&self) -> Result<BTreeMap<String, (PathBuf, StudentRecord)>, ClassError> {
        let dir = self.records();
        let mut out = BTreeMap::new();
        if !dir.is_dir() {
            return Ok(out);
        }
        let err = |source| ClassError::Read {
            path: dir.clone(),
            source,
        };
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(err)?
            .map(|e| e.map(|e| e.path()).map_err(err))
            .collect::<Result<_, _>>()?;
        paths.sort();
        for path in paths {
            if path.extension().is_some_and(|e| e == "json") {
                let record = read_record(&path)?;
                out.insert(record.student.clone(), (path, record));
            }
        }
        Ok(out)
    }
}

fn read_record(path: &Path) -> Result<StudentRecord, ClassError> {
    let read_err = |source| ClassError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut text = String::new();
    std::fs::File::open(path)
        .map_err(read_err)?
        .take(MAX_RECORD_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(read_err)?;
    if text.len() as u64 > MAX_RECORD_BYTES {
        return Err(ClassError::BadRecord {
            path: path.to_path_buf(),
            reason: format!("larger than {MAX_RECORD_BYTES} bytes"),
        });
    }
    let mut record: StudentRecord =
        serde_json::from_str(&text).map_err(|e| ClassError::BadRecord {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    if let Outcome::Graded { report } = &mut record.outcome {
        report.mark_unearned();
    }
    Ok(record)
}

/// Write a file whole or not at all ([`crate::atomic::write_atomic`]), making its folder first.
fn write_atomic(path: &Path, content: &[u8]) -> Result<(), ClassError> {
    let err = |source| ClassError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(err)?;
    crate::atomic::write_atomic(path, ".", content).map_err(|e| err(e.source))
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

/// How a student stands in the gradebook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowStatus {
    /// Graded; every check passed.
    Passed,
    /// Graded; some check did not pass (the score says how much did).
    Failed,
    /// Could not be graded; the error column says why.
    Error,
    /// On the roster, but no result was found.
    Missing,
}

impl RowStatus {
    pub fn label(self) -> &'static str {
        match self {
            RowStatus::Passed => "passed",
            RowStatus::Failed => "failed",
            RowStatus::Error => "error",
            RowStatus::Missing => "missing",
        }
    }
}

/// One line of the gradebook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradebookRow {
    pub student: String,
    /// `None` when not graded.
    pub score: Option<u32>,
    pub max_score: u32,
    /// Points per step, in the lab's step order.
    pub steps: Vec<Option<u32>>,
    pub status: RowStatus,
    pub error: String,
}

impl GradebookRow {
    pub fn new(lab: &Lab, student: &str, record: Option<&StudentRecord>) -> Self {
        let max_score = lab.max_score();
        let mut row = GradebookRow {
            student: student.to_string(),
            score: None,
            max_score,
            steps: vec![None; lab.steps.len()],
            status: RowStatus::Missing,
            error: String::new(),
        };
        match record.map(|r| &r.outcome) {
            None => row.error = "no result in any of the folders given".to_string(),
            Some(Outcome::Error { error }) => {
                row.status = RowStatus::Error;
                row.error = error.clone();
            }
            Some(Outcome::Graded { report }) => {
                row.score = Some(report.score);
                row.max_score = report.max_score;
                row.status = if report.all_passed() {
                    RowStatus::Passed
                } else {
                    RowStatus::Failed
                };
                row.error = report.aborted.clone().unwrap_or_default();
                for (i, step) in lab.steps.iter().enumerate() {
                    row.steps[i] = report
                        .steps
                        .iter()
                        .find(|s| s.id == step.id)
                        .map(|s| s.checks.iter().map(|c| c.score).sum());
                }
            }
        }
        row
    }
}

/// The gradebook as CSV: `student,score,max,step:<id>...,status,error`.
pub fn gradebook_csv(lab: &Lab, rows: &[GradebookRow]) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["student".to_string(), "score".into(), "max".into()];
    header.extend(lab.steps.iter().map(|s| format!("step:{}", s.id)));
    header.extend(["status".to_string(), "error".into()]);
    w.write_record(&header)?;
    let show = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
    for row in rows {
        let mut fields = vec![
            csv_text(&row.student),
            show(row.score),
            row.max_score.to_string(),
        ];
        fields.extend(row.steps.iter().map(|s| show(*s)));
        fields.extend([row.status.label().to_string(), csv_text(&row.error)]);
        w.write_record(&fields)?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A text cell of the gradebook: on one line, control and bidi characters escaped, and a cell
/// a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return: OWASP's CSV injection list) prefixed with `'`, so it is shown as text. Student ids
/// are file names, and errors quote submissions: either may be written to be run.
fn csv_text(text: &str) -> String {
    let line = report::printable_line(text);
    if line.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{line}")
    } else {
        line
    }
}

/// The result of joining shards.
#[derive(Debug, Clone)]
pub struct MergeSummary {
    pub records: Vec<StudentRecord>,
    /// On the roster, in no folder.
    pub missing: Vec<String>,
    /// In a folder, not on the roster (left out of the gradebook).
    pub unknown: Vec<String>,
}

/// Join the records of several shards' out-dirs into `out`: one gradebook and merged reports
/// for the whole roster. A student found in two folders must have the same result in both.
pub fn merge(
    lab: &Lab,
    roster: &[Student],
    shards: &[OutDir],
    out: &OutDir,
) -> Result<MergeSummary, ClassError> {
    let mut found: BTreeMap<String, (PathBuf, StudentRecord)> = BTreeMap::new();
    for shard in shards {
        for (student, (path, record)) in shard.read_records()? {
            if record.lab_id != lab.id {
                return Err(ClassError::OtherLab {
                    path,
                    found: record.lab_id,
                    expected: lab.id.clone(),
                });
            }
            if let Some((first, earlier)) = found.get(&student) {
                if !same_result(earlier, &record) {
                    return Err(ClassError::ConflictingRecords {
                        student,
                        first: first.clone(),
                        second: path,
                    });
                }
                continue;
            }
            found.insert(student, (path, record));
        }
    }
    let on_roster: BTreeSet<&str> = roster.iter().map(|s| s.id.as_str()).collect();
    let unknown = found
        .keys()
        .filter(|s| !on_roster.contains(s.as_str()))
        .cloned()
        .collect();
    let missing = roster
        .iter()
        .filter(|s| !found.contains_key(&s.id))
        .map(|s| s.id.clone())
        .collect();
    let records: Vec<StudentRecord> = roster
        .iter()
        .filter_map(|s| found.remove(&s.id).map(|(_, r)| r))
        .collect();
    let ids: Vec<&str> = roster.iter().map(|s| s.id.as_str()).collect();
    write_class_files(out, lab, &ids, &records, None)?;
    Ok(MergeSummary {
        records,
        missing,
        unknown,
    })
}

/// Two records of one student agree: same submission, same points per check, same status.
fn same_result(a: &StudentRecord, b: &StudentRecord) -> bool {
    let points = |r: &StudentRecord| match &r.outcome {
        Outcome::Graded { report } => Some(
            report
                .checks()
                .map(|c| (c.score, c.status))
                .collect::<Vec<_>>(),
        ),
        Outcome::Error { .. } => None,
    };
    a.submission == b.submission && points(a) == points(b)
}

#[cfg(test)]
mod tests;
