//! The student's progress: per lab and step (done, when, attempts, hints used, assisted) and per
//! lesson quiz answers.
//!
//! One JSON file per user in the platform data directory (`LABRUNNER_HOME` overrides it). The
//! file carries a format version, is written atomically (temporary file in the same folder,
//! fsync, rename, fsync of the folder) and is guarded by an exclusive lock on a sibling lock
//! file so two instances never interleave their saves. A file that cannot be read is moved aside
//! with a timestamp and reported, never silently replaced.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::atomic::{TEMP_SUFFIX, write_atomic};
use crate::lab::Resource;

/// The progress file format this build writes and understands.
pub const PROGRESS_VERSION: u32 = 1;
/// Name of the progress file inside the data folder.
pub const PROGRESS_FILE: &str = "progress.json";
/// Bound on the progress file: thousands of labs' worth.
pub const MAX_PROGRESS_BYTES: u64 = 16 * 1024 * 1024;
const LOCK_FILE: &str = "progress.lock";
const TEMP_PREFIX: &str = ".progress.json.";

#[derive(Debug, thiserror::Error)]
pub enum ProgressError {
    #[error("another labrunner is already using {path}; close it first")]
    Locked { path: PathBuf },
    #[error(
        "{path} was written by a newer labrunner (progress format {found}, this build knows {known}); upgrade labrunner"
    )]
    NewerVersion {
        path: PathBuf,
        found: u32,
        known: u32,
    },
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn io_err(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> ProgressError {
    let path = path.to_path_buf();
    move |source| ProgressError::Io { what, path, source }
}

/// Everything saved for one user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub version: u32,
    /// Keyed by lab id.
    #[serde(default)]
    pub labs: BTreeMap<String, LabProgress>,
    /// Keyed by lesson id.
    #[serde(default)]
    pub quizzes: BTreeMap<String, QuizProgress>,
}

impl Default for Progress {
    fn default() -> Self {
        Progress {
            version: PROGRESS_VERSION,
            labs: BTreeMap::new(),
            quizzes: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LabProgress {
    /// When the student first opened the lab (since the last reset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    /// When the last step was done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<DateTime<Utc>>,
    /// Keyed by step id.
    #[serde(default)]
    pub steps: BTreeMap<String, StepProgress>,
    /// Declared resources that already existed when the lab was first started. Only these are
    /// kept by a reset; recorded once, so what the student created later is not mistaken for
    /// them when the lab is resumed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preexisting: Option<Vec<Resource>>,
    /// The namespace the lab runs under when the student chose to run it under names of its
    /// own ([`crate::namespace::Namespace::own_names`]), because its names were taken. Kept by
    /// a reset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub own_names: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StepProgress {
    pub done: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_at: Option<DateTime<Utc>>,
    /// Check rounds that found the step not yet done after the student changed something.
    #[serde(default)]
    pub attempts: u32,
    /// Hints revealed (they are revealed one at a time, so this is also the highest shown).
    #[serde(default)]
    pub hints_used: u32,
    /// labrunner ran the solution on the student's behalf.
    #[serde(default)]
    pub assisted: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QuizProgress {
    /// Keyed by question id.
    #[serde(default)]
    pub answers: BTreeMap<String, QuizAnswer>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuizAnswer {
    /// The chosen option's index (multiple choice) or the typed text.
    pub response: String,
    /// Right or wrong: checked for multiple choice, self-assessed for free text.
    pub correct: bool,
    pub self_assessed: bool,
    pub answered_at: DateTime<Utc>,
}

impl LabProgress {
    pub fn done_count<'a>(&self, step_ids: impl IntoIterator<Item = &'a str>) -> usize {
        step_ids
            .into_iter()
            .filter(|id| self.steps.get(*id).is_some_and(|s| s.done))
            .count()
    }
    pub fn hints_used(&self) -> u32 {
        self.steps.values().map(|s| s.hints_used).sum()
    }
    pub fn assisted_steps(&self) -> usize {
        self.steps.values().filter(|s| s.assisted).count()
    }
}

impl Progress {
    pub fn lab(&self, lab: &str) -> Option<&LabProgress> {
        self.labs.get(lab)
    }
    pub fn step(&self, lab: &str, step: &str) -> Option<&StepProgress> {
        self.labs.get(lab).and_then(|l| l.steps.get(step))
    }
    pub fn lab_mut(&mut self, lab: &str) -> &mut LabProgress {
        self.labs.entry(lab.to_string()).or_default()
    }
    pub fn step_mut(&mut self, lab: &str, step: &str) -> &mut StepProgress {
        self.lab_mut(lab).steps.entry(step.to_string()).or_default()
    }
    /// Records that the lab was opened (first time only).
    pub fn start_lab(&mut self, lab: &str, now: DateTime<Utc>) {
        let l = self.lab_mut(lab);
        l.started_at.get_or_insert(now);
    }
    /// Marks a step done; returns true if it was not done before.
    pub fn mark_done(&mut self, lab: &str, step: &str, now: DateTime<Utc>) -> bool {
        let s = self.step_mut(lab, step);
        if s.done {
            return false;
        }
        s.done = true;
        s.done_at = Some(now);
        true
    }
    /// Marks the lab complete if every listed step is done; returns true when it just became so.
    pub fn complete_if_all_done<'a>(
        &mut self,
        lab: &str,
        step_ids: impl IntoIterator<Item = &'a str>,
        now: DateTime<Utc>,
    ) -> bool {
        let l = self.lab_mut(lab);
        let all = step_ids
            .into_iter()
            .all(|id| l.steps.get(id).is_some_and(|s| s.done));
        if all && l.completed_at.is_none() {
            l.completed_at = Some(now);
            return true;
        }
        false
    }
    /// Forgets a lab's progress (after a reset), except which resources predate it.
    pub fn reset_lab(&mut self, lab: &str) {
        if let Some(l) = self.labs.get_mut(lab) {
            *l = LabProgress {
                preexisting: l.preexisting.take(),
                own_names: l.own_names.take(),
                ..LabProgress::default()
            };
        }
    }
    pub fn record_answer(&mut self, lesson: &str, question: &str, answer: QuizAnswer) {
        self.quizzes
            .entry(lesson.to_string())
            .or_default()
            .answers
            .insert(question.to_string(), answer);
    }
}

/// A progress file that could not be read and was moved aside.
#[derive(Debug, Clone, PartialEq)]
pub struct Recovery {
    pub moved_to: PathBuf,
    pub reason: String,
}

impl std::fmt::Display for Recovery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the progress file could not be read ({}); it was kept as {} and a new one was started",
            self.reason,
            self.moved_to.display()
        )
    }
}

/// The folder progress lives in: labrunner's home (`LABRUNNER_HOME`, else the platform data
/// directory).
pub fn default_dir() -> PathBuf {
    crate::home::home()
}

/// Outcome of reading the progress file without touching it.
#[derive(Debug)]
pub enum Loaded {
    Missing,
    Ok(Progress),
    /// Present but unreadable; the reason.
    Unreadable(String),
}

/// Parses progress JSON, checking the version.
pub fn parse(text: &str, path: &Path) -> Result<Result<Progress, String>, ProgressError> {
    #[derive(Deserialize)]
    struct VersionOnly {
        version: u32,
    }
    let version = match serde_json::from_str::<VersionOnly>(text) {
        Ok(v) => v.version,
        Err(e) => return Ok(Err(e.to_string())),
    };
    if version > PROGRESS_VERSION {
        return Err(ProgressError::NewerVersion {
            path: path.to_path_buf(),
            found: version,
            known: PROGRESS_VERSION,
        });
    }
    Ok(serde_json::from_str::<Progress>(text).map_err(|e| e.to_string()))
}

/// Reads the progress file in `dir` without locking or moving anything (for `labrunner progress`).
pub fn read(dir: &Path) -> Result<Loaded, ProgressError> {
    let path = dir.join(PROGRESS_FILE);
    let text = match crate::input::read_file(&path, MAX_PROGRESS_BYTES) {
        Ok(t) => t,
        Err(crate::input::InputError::Io { error, .. })
            if error.kind() == std::io::ErrorKind::NotFound =>
        {
            return Ok(Loaded::Missing);
        }
        // Not a regular file, or far too large: unreadable, so it is kept aside and reported.
        Err(
            e @ (crate::input::InputError::NotAFile { .. }
            | crate::input::InputError::TooLarge { .. }),
        ) => {
            return Ok(Loaded::Unreadable(e.into_io().to_string()));
        }
        Err(e) => return Err(io_err("cannot read", &path)(e.into_io())),
    };
    let text = match String::from_utf8(text) {
        Ok(t) => t,
        Err(e) => return Ok(Loaded::Unreadable(format!("not UTF-8: {e}"))),
    };
    Ok(match parse(&text, &path)? {
        Ok(p) => Loaded::Ok(p),
        Err(reason) => Loaded::Unreadable(reason),
    })
}

/// The progress file of one user, locked for as long as this value lives.
#[derive(Debug)]
pub struct ProgressStore {
    dir: PathBuf,
    progress: Progress,
    /// Held open: the exclusive lock is released when it is dropped (or the process dies).
    _lock: File,
}

impl ProgressStore {
    /// Opens (creating the folder if needed), locks and loads the progress in `dir`. An unreadable
    /// file is moved aside and described in the returned [`Recovery`].
    pub fn open(dir: &Path) -> Result<(Self, Option<Recovery>), ProgressError> {
        std::fs::create_dir_all(dir).map_err(io_err("cannot create", dir))?;
        let lock_path = dir.join(LOCK_FILE);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            // A FIFO in the lock file's place fails at once instead of waiting for a reader.
            .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
            .open(&lock_path)
            .map_err(io_err("cannot open", &lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(ProgressError::Locked {
                    path: dir.join(PROGRESS_FILE),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(io_err("cannot lock", &lock_path)(e));
            }
        }
        remove_stale_temp_files(dir);
        let path = dir.join(PROGRESS_FILE);
        let (progress, recovery) = match read(dir)? {
            Loaded::Missing => (Progress::default(), None),
            Loaded::Ok(p) => (p, None),
            Loaded::Unreadable(reason) => {
                let moved_to = aside_path(dir, Utc::now());
                std::fs::rename(&path, &moved_to).map_err(io_err("cannot move aside", &path))?;
                (Progress::default(), Some(Recovery { moved_to, reason }))
            }
        };
        Ok((
            ProgressStore {
                dir: dir.to_path_buf(),
                progress,
                _lock: lock,
            },
            recovery,
        ))
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(PROGRESS_FILE)
    }

    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// Changes progress in memory and saves it.
    pub fn update<R>(&mut self, f: impl FnOnce(&mut Progress) -> R) -> Result<R, ProgressError> {
        let r = f(&mut self.progress);
        self.save()?;
        Ok(r)
    }

    /// Writes the file atomically: a temporary file in the same folder, fsync, rename over the
    /// old one, fsync of the folder. A crash at any point leaves either the old or the new file.
    pub fn save(&self) -> Result<(), ProgressError> {
        let path = self.path();
        let mut json = serde_json::to_vec_pretty(&self.progress)
            .map_err(|e| io_err("cannot encode", &path)(std::io::Error::other(e)))?;
        json.push(b'\n');
        write_atomic(&path, TEMP_PREFIX, &json).map_err(|e| io_err(e.doing, &e.path)(e.source))
    }
}

/// Where an unreadable progress file is moved: `progress.json.unreadable-20261123T181900Z`.
fn aside_path(dir: &Path, now: DateTime<Utc>) -> PathBuf {
    let stamp = now.format("%Y%m%dT%H%M%SZ");
    let mut candidate = dir.join(format!("{PROGRESS_FILE}.unreadable-{stamp}"));
    let mut n = 1;
    while candidate.exists() {
        candidate = dir.join(format!("{PROGRESS_FILE}.unreadable-{stamp}-{n}"));
        n += 1;
    }
    candidate
}

/// Temporary files left by a process killed mid-save. Only called while holding the lock.
fn remove_stale_temp_files(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn missing_file_opens_empty_and_save_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, recovery) = ProgressStore::open(dir.path()).unwrap();
        assert!(recovery.is_none());
        assert_eq!(store.progress(), &Progress::default());
        store
            .update(|p| {
                p.start_lab("net-basics", t("2026-01-01T10:00:00Z"));
                p.step_mut("net-basics", "create").hints_used = 2;
                p.mark_done("net-basics", "create", t("2026-01-01T10:05:00Z"))
            })
            .unwrap();
        drop(store);
        let (store, recovery) = ProgressStore::open(dir.path()).unwrap();
        assert!(recovery.is_none());
        let step = store.progress().step("net-basics", "create").unwrap();
        assert!(step.done);
        assert_eq!(step.hints_used, 2);
        assert_eq!(step.done_at, Some(t("2026-01-01T10:05:00Z")));
    }

    #[test]
    fn corrupt_file_is_moved_aside_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(PROGRESS_FILE),
            "{\"version\": 1, \"labs\": [tru",
        )
        .unwrap();
        let (store, recovery) = ProgressStore::open(dir.path()).unwrap();
        let recovery = recovery.expect("corruption must be reported");
        assert!(
            recovery
                .moved_to
                .file_name()
                .unwrap()
                .to_string_lossy()
                .contains("unreadable-")
        );
        assert_eq!(
            std::fs::read_to_string(&recovery.moved_to).unwrap(),
            "{\"version\": 1, \"labs\": [tru",
            "the unreadable file is kept byte for byte"
        );
        assert_eq!(store.progress(), &Progress::default());
        assert!(recovery.to_string().contains("kept as"));
    }

    #[test]
    fn binary_garbage_and_wrong_shape_are_unreadable() {
        for content in [
            &b"\xff\xfe\x00garbage"[..],
            b"[]",
            b"{\"version\": \"one\"}",
            b"",
        ] {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join(PROGRESS_FILE), content).unwrap();
            assert!(
                matches!(read(dir.path()).unwrap(), Loaded::Unreadable(_)),
                "{content:?}"
            );
            let (_, recovery) = ProgressStore::open(dir.path()).unwrap();
            assert!(recovery.is_some(), "{content:?}");
        }
    }

    #[test]
    fn newer_version_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let text = "{\"version\": 99, \"labs\": {}}";
        std::fs::write(dir.path().join(PROGRESS_FILE), text).unwrap();
        let err = ProgressStore::open(dir.path()).unwrap_err();
        assert!(
            matches!(err, ProgressError::NewerVersion { found: 99, .. }),
            "{err}"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join(PROGRESS_FILE)).unwrap(),
            text
        );
    }

    #[test]
    fn second_instance_is_refused_while_first_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let (first, _) = ProgressStore::open(dir.path()).unwrap();
        let err = ProgressStore::open(dir.path()).unwrap_err();
        assert!(matches!(err, ProgressError::Locked { .. }), "{err}");
        drop(first);
        assert!(ProgressStore::open(dir.path()).is_ok());
    }

    #[test]
    fn stale_temp_files_are_removed_on_open() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join(".progress.json.abc123.tmp");
        std::fs::write(&stale, "half").unwrap();
        let _ = ProgressStore::open(dir.path()).unwrap();
        assert!(!stale.exists());
    }

    #[test]
    fn completion_and_summary_counts() {
        let mut p = Progress::default();
        let ids = ["a", "b"];
        p.mark_done("lab", "a", t("2026-01-01T10:00:00Z"));
        assert!(!p.complete_if_all_done("lab", ids, t("2026-01-01T10:01:00Z")));
        p.step_mut("lab", "b").assisted = true;
        p.step_mut("lab", "b").hints_used = 3;
        assert!(p.mark_done("lab", "b", t("2026-01-01T10:02:00Z")));
        assert!(
            !p.mark_done("lab", "b", t("2026-01-01T10:03:00Z")),
            "already done"
        );
        assert!(p.complete_if_all_done("lab", ids, t("2026-01-01T10:02:00Z")));
        let lab = p.lab("lab").unwrap();
        assert_eq!(lab.done_count(ids), 2);
        assert_eq!(lab.hints_used(), 3);
        assert_eq!(lab.assisted_steps(), 1);
        p.lab_mut("lab").preexisting = Some(Vec::new());
        p.lab_mut("lab").own_names = Some("lr-abc123".into());
        p.reset_lab("lab");
        assert_eq!(
            p.lab("lab"),
            Some(&LabProgress {
                preexisting: Some(Vec::new()),
                own_names: Some("lr-abc123".into()),
                ..Default::default()
            })
        );
    }

    /// Env var that turns [`save_loop_keeps_file_loadable`] into an endless saver for the kill test.
    const FOREVER_DIR: &str = "LABRUNNER_TEST_SAVE_FOREVER_DIR";

    /// Saves a large progress over and over. On its own it saves a bounded number of times and
    /// checks the file after each; when the kill test starts it as a child process, it saves
    /// into the given folder until killed.
    #[test]
    fn save_loop_keeps_file_loadable() {
        let forever = std::env::var_os(FOREVER_DIR).map(PathBuf::from);
        let tmp = tempfile::tempdir().unwrap();
        let dir = forever.clone().unwrap_or_else(|| tmp.path().to_path_buf());
        let (mut store, _) = ProgressStore::open(&dir).unwrap();
        let mut round: u32 = 0;
        loop {
            round += 1;
            store
                .update(|p| {
                    for i in 0..400 {
                        let s = p.step_mut(&format!("lab-{}", i % 20), &format!("step-{i}"));
                        s.attempts = round;
                        s.hints_used = round % 7;
                    }
                })
                .unwrap();
            if forever.is_none() {
                match read(&dir).unwrap() {
                    Loaded::Ok(p) => assert_eq!(p.step("lab-0", "step-0").unwrap().attempts, round),
                    other => panic!("round {round}: {other:?}"),
                }
                if round == 20 {
                    break;
                }
            }
        }
    }

    #[test]
    fn sigkill_mid_save_never_leaves_an_unloadable_file() {
        let dir = tempfile::tempdir().unwrap();
        let exe = std::env::current_exe().unwrap();
        let mut mid_save_kills = 0;
        // Kill at varying moments until some kills have landed mid-save (a temporary file left
        // behind), so the test is known to have exercised the dangerous window.
        for round in 0..30u64 {
            if mid_save_kills >= 3 {
                break;
            }
            let delay_ms = 30 + (round * 37) % 200;
            let mut child = std::process::Command::new(&exe)
                .args([
                    "--exact",
                    "progress::tests::save_loop_keeps_file_loadable",
                    "--nocapture",
                ])
                .env(FOREVER_DIR, dir.path())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(std::time::Duration::from_millis(delay_ms));
            // Child::kill sends SIGKILL on Unix: no destructor, no flush, no cleanup.
            child.kill().unwrap();
            child.wait().unwrap();
            let half_written = std::fs::read_dir(dir.path())
                .unwrap()
                .flatten()
                .any(|e| e.file_name().to_string_lossy().ends_with(TEMP_SUFFIX));
            if half_written {
                mid_save_kills += 1;
            }
            let (store, recovery) = ProgressStore::open(dir.path()).unwrap();
            assert!(
                recovery.is_none(),
                "after kill at {delay_ms} ms: {recovery:?}"
            );
            drop(store);
        }
        assert!(
            mid_save_kills > 0,
            "no kill landed while a save was in progress"
        );
        // The children got far enough to write something (otherwise the test proves nothing).
        match read(dir.path()).unwrap() {
            Loaded::Ok(p) => assert!(p.step("lab-0", "step-0").is_some_and(|s| s.attempts > 0)),
            other => panic!("{other:?}"),
        }
    }
}
