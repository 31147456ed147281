//! The run registry: which runs this machine's labrunner started, and whether each is alive.
//!
//! One JSON file per run in the `runs` folder of labrunner's data folder
//! ([`crate::home::home`]), written atomically: the run id (the value of
//! [`crate::labels::LABEL_RUN`] on everything the run creates), its namespace, the lab, the
//! process (pid and start time, so that a pid the system reused is not taken for the run's),
//! the host, and when it started. A run claims its entry before it creates anything and gives
//! it up once everything it created is removed.
//!
//! A run is alive while its process is: an entry whose process is gone (killed, crashed) is
//! stale and blocks nothing. A namespace is claimed by one live run at a time; claiming reads
//! and writes the folder under an exclusive lock on `runs/registry.lock`, which the system
//! drops with the process that held it. `clean` removes what stale entries' runs left, and
//! never what a live run's.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::namespace::Namespace;

const LOCK_FILE: &str = "registry.lock";
/// Held by the one run at a time that may create networks with a fixed address range.
const SUBNETS_LOCK_FILE: &str = "subnets.lock";
/// How often a run waiting for [`SUBNETS_LOCK_FILE`] tries again.
const SUBNETS_POLL: Duration = Duration::from_millis(100);
const ENTRY_SUFFIX: &str = ".json";
/// An entry is a few hundred bytes; anything much larger is not one.
const MAX_ENTRY_BYTES: u64 = 64 * 1024;
/// How long a claim waits for another process's claim or release to finish.
const LOCK_WAIT: Duration = Duration::from_secs(10);

/// One run, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunEntry {
    /// The run id: the value of the run label on everything the run creates.
    pub run: String,
    /// The namespace its names live in, if any.
    pub namespace: Option<String>,
    /// The lab it runs.
    pub lab: String,
    /// The labrunner process that runs it.
    pub pid: u32,
    /// When that process started, in the system's clock ticks since boot (`None` where the
    /// system does not say).
    pub process_start: Option<u64>,
    /// The machine it runs on.
    pub host: String,
    pub created_at: DateTime<Utc>,
}

/// Whether a recorded run is still running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    /// Its process is running: nothing of the run may be touched.
    Alive,
    /// Its process is gone: what it left may be removed, and its namespace used again.
    Stale,
    /// Recorded on another machine (a shared data folder): treated as alive.
    Elsewhere,
}

impl Liveness {
    pub fn is_alive(self) -> bool {
        !matches!(self, Liveness::Stale)
    }
}

impl RunEntry {
    /// Whether the process that recorded this run still runs.
    pub fn liveness(&self) -> Liveness {
        if self.host != host_name() {
            return Liveness::Elsewhere;
        }
        match process_alive(self.pid, self.process_start) {
            true => Liveness::Alive,
            false => Liveness::Stale,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(
        "namespace `{}` is in use by run {} of lab {} (labrunner process {} on {}, since {}); choose another with --namespace (or leave it out for a fresh one), or wait for that run to end",
        .0.namespace.as_deref().unwrap_or_default(), .0.run, .0.lab, .0.pid, .0.host,
        .0.created_at.format("%Y-%m-%d %H:%M:%S UTC")
    )]
    NamespaceInUse(Box<RunEntry>),
    #[error("run registry {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("run registry {0}: another labrunner process held it for more than {LOCK_WAIT:?}")]
    Busy(PathBuf),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> RunError + '_ {
    move |source| RunError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The registry folder of one data folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRegistry {
    dir: PathBuf,
}

impl RunRegistry {
    /// The registry in labrunner's data folder (`LABRUNNER_HOME`, else the platform's).
    pub fn in_home() -> Self {
        RunRegistry::at(crate::home::home().join("runs"))
    }

    pub fn at(dir: impl Into<PathBuf>) -> Self {
        RunRegistry { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Record run `run` of `lab` in `namespace` as this process's. Refused when a live run
    /// holds the namespace; a stale entry for it is replaced.
    pub fn claim(
        &self,
        run: &str,
        namespace: Option<&Namespace>,
        lab: &str,
    ) -> Result<RunClaim, RunError> {
        let _lock = self.lock()?;
        if let Some(ns) = namespace {
            // A stale entry of the namespace stays (another run id's, for `clean`), or is
            // replaced by this run's below (the same run id: the same label to clean by).
            for (entry, _) in self.read_entries()? {
                if entry.namespace.as_deref() == Some(ns.name()) && entry.liveness().is_alive() {
                    return Err(RunError::NamespaceInUse(Box::new(entry)));
                }
            }
        }
        let inherited = read_entry(&self.entry_path(run)).is_some();
        let pid = std::process::id();
        let entry = RunEntry {
            run: run.to_string(),
            namespace: namespace.map(|n| n.name().to_string()),
            lab: lab.to_string(),
            pid,
            process_start: process_start(pid),
            host: host_name(),
            created_at: Utc::now(),
        };
        self.write_entry(&entry)?;
        Ok(RunClaim {
            registry: self.clone(),
            run: run.to_string(),
            inherited,
            undecided: Undecided::Keep,
        })
    }

    /// Every recorded run, with whether it is alive. Unreadable entries are skipped.
    pub fn entries(&self) -> Result<Vec<(RunEntry, Liveness)>, RunError> {
        Ok(self
            .read_entries()?
            .into_iter()
            .map(|(e, _)| {
                let live = e.liveness();
                (e, live)
            })
            .collect())
    }

    /// Take over the entry of run `run` if it is stale, as this process's, so that no grading
    /// claims its namespace while its leftovers are removed. `None`: it is alive (or gone).
    pub fn adopt(&self, run: &str) -> Result<Option<RunClaim>, RunError> {
        let _lock = self.lock()?;
        let Some(mut entry) = read_entry(&self.entry_path(run)) else {
            return Ok(None);
        };
        if entry.liveness().is_alive() {
            return Ok(None);
        }
        entry.pid = std::process::id();
        entry.process_start = process_start(entry.pid);
        entry.host = host_name();
        self.write_entry(&entry)?;
        Ok(Some(RunClaim {
            registry: self.clone(),
            run: run.to_string(),
            inherited: true,
            undecided: Undecided::Keep,
        }))
    }

    /// Record a run as a process that has since ended would have.
    #[cfg(test)]
    pub(crate) fn record_ended(&self, run: &str, namespace: Option<&str>, lab: &str) {
        std::fs::create_dir_all(&self.dir).expect("registry folder");
        let mut entry = tests::dead_entry(run, namespace.unwrap_or_default(), lab);
        entry.namespace = namespace.map(str::to_string);
        self.write_entry(&entry).expect("entry written");
    }

    fn entry_path(&self, run: &str) -> PathBuf {
        self.dir.join(format!("{run}{ENTRY_SUFFIX}"))
    }

    /// Wait up to `wait` (without blocking the async runtime) until no other run of this data
    /// folder may create networks with a fixed address range, then hold that right until the
    /// lease is dropped. `Ok(None)`: another run held it all that time. The system drops the
    /// lock with the process that held it.
    pub async fn hold_subnets(&self, wait: Duration) -> Result<Option<SubnetLease>, RunError> {
        let (file, path) = self.lock_file(SUBNETS_LOCK_FILE)?;
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(Some(SubnetLease { _file: file })),
                Err(std::fs::TryLockError::WouldBlock)
                    if tokio::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(SUBNETS_POLL).await;
                }
                Err(std::fs::TryLockError::WouldBlock) => return Ok(None),
                Err(std::fs::TryLockError::Error(e)) => return Err(io_err(&path)(e)),
            }
        }
    }

    /// One of the data folder's lock files (made if missing), open for `flock`.
    fn lock_file(&self, name: &str) -> Result<(File, PathBuf), RunError> {
        std::fs::create_dir_all(&self.dir).map_err(io_err(&self.dir))?;
        let path = self.dir.join(name);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .custom_flags_nonblocking()
            .open(&path)
            .map_err(io_err(&path))?;
        Ok((file, path))
    }

    /// The registry's lock, held while the returned file is open.
    fn lock(&self) -> Result<File, RunError> {
        let (file, path) = self.lock_file(LOCK_FILE)?;
        let deadline = Instant::now() + LOCK_WAIT;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(std::fs::TryLockError::WouldBlock) => return Err(RunError::Busy(path)),
                Err(std::fs::TryLockError::Error(e)) => return Err(io_err(&path)(e)),
            }
        }
    }

    fn read_entries(&self) -> Result<Vec<(RunEntry, PathBuf)>, RunError> {
        let list = match std::fs::read_dir(&self.dir) {
            Ok(list) => list,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_err(&self.dir)(e)),
        };
        let mut out: Vec<(RunEntry, PathBuf)> = list
            .flatten()
            .map(|d| d.path())
            .filter(|p| p.to_string_lossy().ends_with(ENTRY_SUFFIX))
            .filter_map(|p| read_entry(&p).map(|e| (e, p)))
            .collect();
        out.sort_by_key(|a| a.0.created_at);
        Ok(out)
    }

    /// Whole or not at all ([`crate::atomic::write_atomic`]).
    fn write_entry(&self, entry: &RunEntry) -> Result<(), RunError> {
        let path = self.entry_path(&entry.run);
        let json = serde_json::to_vec_pretty(entry).map_err(|e| io_err(&path)(e.into()))?;
        crate::atomic::write_atomic(&path, ".entry-", &json).map_err(|e| io_err(&e.path)(e.source))
    }
}

/// An entry read with a bound; `None` when it is not a readable entry (a non-file, too large,
/// not JSON): such a file names no run.
fn read_entry(path: &Path) -> Option<RunEntry> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_ENTRY_BYTES {
        return None;
    }
    let text = std::fs::read(path).ok()?;
    serde_json::from_slice(&text).ok()
}

/// A run's entry, held while it runs. [`RunClaim::release`] forgets it once everything the
/// run created is gone; [`RunClaim::keep`] leaves it (the run left something behind): once
/// the process has ended it is stale, and `clean` removes whatever carries its run label. A
/// process that is killed leaves its entry the same way. Dropped without either, the claim
/// keeps the entry too, unless it was made [`RunClaim::abandoned_if_dropped`].
#[derive(Debug)]
#[must_use = "a claim is released once the run's resources are gone"]
pub struct RunClaim {
    registry: RunRegistry,
    run: String,
    /// It replaced a stale entry of the same run id (a killed run's, whose leftovers carry
    /// the same label): that record must outlive this claim until `clean` has seen it.
    inherited: bool,
    undecided: Undecided,
}

/// What a dropped claim does with its entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Undecided {
    Keep,
    Abandon,
    Decided,
}

impl RunClaim {
    pub fn run(&self) -> &str {
        &self.run
    }

    /// Dropped before the run decided (it stopped before creating anything: refused, or its
    /// folder could not be prepared), the entry is forgotten, unless it records a killed run
    /// of the same id.
    pub fn abandoned_if_dropped(mut self) -> Self {
        self.undecided = Undecided::Abandon;
        self
    }

    /// Everything the run created is gone: forget it.
    pub fn release(mut self) -> Result<(), RunError> {
        self.undecided = Undecided::Decided;
        self.remove()
    }

    /// The run left something behind: keep the entry, so that `clean` finds it.
    pub fn keep(mut self) {
        self.undecided = Undecided::Decided;
    }

    fn remove(&self) -> Result<(), RunError> {
        let _lock = self.registry.lock()?;
        let path = self.registry.entry_path(&self.run);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_err(&path)(e)),
            _ => Ok(()),
        }
    }
}

impl Drop for RunClaim {
    fn drop(&mut self) {
        if self.undecided == Undecided::Abandon && !self.inherited {
            let _ = self.remove();
        }
    }
}

/// The right to create networks with a fixed address range, held by one run of the data folder
/// at a time until it is dropped (see [`RunRegistry::hold_subnets`]).
#[derive(Debug)]
#[must_use = "the right is given up when the lease is dropped"]
pub struct SubnetLease {
    _file: File,
}

/// Opening the lock file must not block on a FIFO planted in its place.
trait NonBlocking {
    fn custom_flags_nonblocking(&mut self) -> &mut Self;
}

impl NonBlocking for OpenOptions {
    #[cfg(unix)]
    fn custom_flags_nonblocking(&mut self) -> &mut Self {
        use std::os::unix::fs::OpenOptionsExt;
        self.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
    }
    #[cfg(not(unix))]
    fn custom_flags_nonblocking(&mut self) -> &mut Self {
        self
    }
}

/// This machine's name, as entries record it.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

/// When process `pid` started, in clock ticks since boot (Linux: field 22 of
/// `/proc/PID/stat`); `None` where that cannot be read.
fn process_start(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces and `)`.
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(19)?.parse().ok()
}

/// Whether `pid` is the process that recorded `start`: running, and started then.
fn process_alive(pid: u32, start: Option<u64>) -> bool {
    if Path::new("/proc/self/stat").exists() {
        return match (process_start(pid), start) {
            (Some(now), Some(then)) => now == then,
            (Some(_), None) => true,
            (None, _) => false,
        };
    }
    // Without /proc: only whether a process of that id exists.
    #[cfg(unix)]
    {
        rustix::process::Pid::from_raw(pid as i32).is_none_or(|p| {
            !matches!(
                rustix::process::test_kill_process(p),
                Err(rustix::io::Errno::SRCH)
            )
        })
    }
    #[cfg(not(unix))]
    {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(name: &str) -> Namespace {
        Namespace::new(name).expect("valid")
    }

    /// An entry as a process that has ended would have left it.
    pub(crate) fn dead_entry(run: &str, namespace: &str, lab: &str) -> RunEntry {
        RunEntry {
            run: run.into(),
            namespace: Some(namespace.into()),
            lab: lab.into(),
            pid: std::process::id(),
            // This process did not start at tick 1.
            process_start: Some(1),
            host: host_name(),
            created_at: Utc::now(),
        }
    }

    #[test]
    fn a_live_namespace_is_refused_and_released_namespaces_are_free() {
        let dir = tempfile::tempdir().expect("temp");
        let reg = RunRegistry::at(dir.path().join("runs"));
        let first = reg.claim("run-a", Some(&ns("n1")), "lab").expect("claim");
        let err = reg
            .claim("run-b", Some(&ns("n1")), "lab")
            .expect_err("in use");
        let text = err.to_string();
        assert!(
            text.contains("namespace `n1` is in use by run run-a"),
            "{text}"
        );
        assert!(
            text.contains(&format!("process {}", std::process::id())),
            "{text}"
        );
        assert!(text.contains("--namespace"), "{text}");
        // Another namespace, and runs without one, are fine meanwhile.
        let other = reg.claim("run-c", Some(&ns("n1-x")), "lab").expect("other");
        let plain = reg.claim("run-d", None, "lab").expect("plain");
        let runs: Vec<String> = reg
            .entries()
            .unwrap()
            .into_iter()
            .map(|(e, _)| e.run)
            .collect();
        assert_eq!(runs.len(), 3, "{runs:?}");
        first.release().expect("release");
        reg.claim("run-b", Some(&ns("n1")), "lab")
            .expect("free again")
            .release()
            .expect("release");
        other.release().unwrap();
        plain.release().unwrap();
        assert!(reg.entries().unwrap().is_empty());
    }

    #[test]
    fn a_dead_owners_entry_is_stale_not_blocking() {
        let dir = tempfile::tempdir().expect("temp");
        let reg = RunRegistry::at(dir.path());
        reg.lock().expect("folder");
        reg.write_entry(&dead_entry("run-old", "n1", "lab"))
            .unwrap();
        let entries = reg.entries().unwrap();
        assert_eq!(entries[0].1, Liveness::Stale);
        let claim = reg.claim("run-new", Some(&ns("n1")), "lab").expect("stale");
        let runs: Vec<(String, Liveness)> = reg
            .entries()
            .unwrap()
            .into_iter()
            .map(|(e, l)| (e.run, l))
            .collect();
        // The stale entry stays, so that `clean` still finds what its run left.
        assert_eq!(
            runs,
            [
                ("run-old".to_string(), Liveness::Stale),
                ("run-new".to_string(), Liveness::Alive)
            ]
        );
        claim.keep();
        // Kept: still recorded, alive while this process is.
        assert_eq!(reg.entries().unwrap().len(), 2);
        // The same run id again (a namespace's replay after a killed one): replaced, and
        // not forgotten when the new run stops early.
        reg.write_entry(&dead_entry("run-new", "n1", "lab"))
            .unwrap();
        drop(
            reg.claim("run-new", Some(&ns("n1")), "lab")
                .unwrap()
                .abandoned_if_dropped(),
        );
        assert_eq!(reg.entries().unwrap().len(), 2);
        // A new run id that stops early: forgotten.
        drop(
            reg.claim("run-x", Some(&ns("n9")), "lab")
                .unwrap()
                .abandoned_if_dropped(),
        );
        assert_eq!(reg.entries().unwrap().len(), 2);
    }

    #[test]
    fn liveness_follows_the_process_and_its_start_time() {
        let me = std::process::id();
        let mut e = dead_entry("r", "n", "lab");
        e.process_start = process_start(me);
        assert_eq!(e.liveness(), Liveness::Alive);
        e.process_start = Some(1);
        assert_eq!(
            e.liveness(),
            Liveness::Stale,
            "a reused pid is not the run's"
        );
        e.pid = u32::MAX - 1;
        e.process_start = None;
        assert_eq!(e.liveness(), Liveness::Stale);
        e.host = "another-machine".into();
        assert_eq!(e.liveness(), Liveness::Elsewhere);
        assert!(Liveness::Elsewhere.is_alive());
    }

    #[test]
    fn only_stale_runs_are_adopted_and_junk_is_no_entry() {
        let dir = tempfile::tempdir().expect("temp");
        let reg = RunRegistry::at(dir.path());
        let claim = reg.claim("live", Some(&ns("n2")), "lab").unwrap();
        assert!(
            reg.adopt("live").unwrap().is_none(),
            "a live run is never adopted"
        );
        assert!(reg.adopt("unknown").unwrap().is_none());
        std::fs::write(dir.path().join("junk.json"), "not json").unwrap();
        std::fs::write(dir.path().join("big.json"), vec![b' '; 70_000]).unwrap();
        assert_eq!(reg.entries().unwrap().len(), 1);
        drop(claim);
        assert_eq!(reg.entries().unwrap().len(), 1, "dropped: kept");
        reg.write_entry(&dead_entry("live", "n2", "lab")).unwrap();
        reg.adopt("live")
            .unwrap()
            .expect("stale")
            .release()
            .unwrap();
        reg.write_entry(&dead_entry("gone", "n3", "lab")).unwrap();
        let adopted = reg.adopt("gone").unwrap().expect("stale");
        // While it is being cleaned, its namespace is not free.
        assert!(matches!(
            reg.claim("other", Some(&ns("n3")), "lab"),
            Err(RunError::NamespaceInUse(_))
        ));
        adopted.release().unwrap();
        assert!(reg.entries().unwrap().is_empty());
        reg.claim("other", Some(&ns("n3")), "lab").unwrap().keep();
        assert_eq!(reg.entries().unwrap().len(), 1, "kept");
    }

    #[tokio::test]
    async fn one_run_at_a_time_holds_the_fixed_subnets() {
        let dir = tempfile::tempdir().expect("tempdir");
        let reg = RunRegistry::at(dir.path().join("runs"));
        let first = reg
            .hold_subnets(Duration::ZERO)
            .await
            .expect("folder")
            .expect("free");
        let waited = reg
            .hold_subnets(Duration::from_millis(250))
            .await
            .expect("folder");
        assert!(waited.is_none(), "held twice at once");
        drop(first);
        let again = reg.hold_subnets(Duration::ZERO).await.expect("folder");
        assert!(again.is_some(), "released with the lease");
    }

    #[test]
    fn claims_from_many_threads_give_a_namespace_to_one() {
        let dir = tempfile::tempdir().expect("temp");
        let reg = RunRegistry::at(dir.path());
        let results: Vec<Result<RunClaim, RunError>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let reg = reg.clone();
                    s.spawn(move || reg.claim(&format!("run-{i}"), Some(&ns("shared")), "lab"))
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let won = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(won, 1, "{results:?}");
        for r in results.into_iter().flatten() {
            r.release().unwrap();
        }
    }
}
