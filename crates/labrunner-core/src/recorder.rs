//! What happened on the daemon, not only what is: a record of every container created while a
//! lab is open or a grading runs (named or not, `--rm` or not), and of every command exec'd.
//!
//! [`Recorder::follow`] follows the daemon's event stream while the work it wraps runs (the
//! live loop, `test`, a grading). For each container it records, at `create`, its image,
//! command, mounts, networks and user (inspected right away, before a `--rm` container can be
//! gone), at `die` its exit code, and its output (attached from the start, so nothing printed
//! is missed), read to its end and kept as a [`BoundedOutput`]: head and tail of each, and no
//! more than [`crate::output::GRADING_OUTPUT_BUDGET`] bytes for all containers together. When
//! output could not be read, the record says so and why. Containers that checks start for themselves (labelled with the check role) are not
//! recorded. Checks read the record through [`crate::check::CheckEnv`].
//!
//! Times are the daemon's, in nanoseconds; steps are marked open on the same clock, so that
//! event-based checks count only what happened since their step opened.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use serde::Serialize;

use crate::engine::{
    ContainerInfo, DaemonEvent, Engine, EngineError, EventAction, EventKind, MountInfo,
};
use crate::ids::now_ns;
use crate::labels::{self, LABEL_RUN};
use crate::output::{BoundedOutput, OutputBudget};

/// The most exec outputs kept waiting for their exec's event.
const PRINTED_WAITING: usize = 64;

/// Whether a container's output was read, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "reason", rename_all = "snake_case")]
pub enum Capture {
    /// Still being read (the container runs, or its last bytes are on their way).
    Reading,
    /// Everything it printed.
    Complete,
    /// Read to its end, but only its head and tail are kept (the budget of the record, or of
    /// one output, was reached).
    Truncated,
    /// Could not be read; the reason in words.
    Lost(String),
}

/// One container, as it was created and as it ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContainerRecord {
    pub id: String,
    pub name: String,
    /// The image as the daemon was asked for it (a mapped image appears under its local name).
    pub image: String,
    /// Entrypoint and command, word by word.
    pub command: Vec<String>,
    pub mounts: Vec<MountInfo>,
    /// Network mode and networks it was attached to at create time.
    pub network_mode: String,
    pub networks: Vec<String>,
    /// `--user`, or empty (root).
    pub user: String,
    pub labels: BTreeMap<String, String>,
    /// False when the container was gone before it could be inspected (only the event's own
    /// attributes are known then).
    pub inspected: bool,
    pub created_ns: i64,
    pub exit_code: Option<i64>,
    pub died_ns: Option<i64>,
    /// The kernel killed a process of it for memory (the daemon's `oom` event).
    pub oom_killed: bool,
    pub removed: bool,
    pub output: BoundedOutput,
    pub capture: Capture,
}

impl ContainerRecord {
    /// The command line, words joined by spaces.
    pub fn command_line(&self) -> String {
        self.command.join(" ")
    }
    /// The first 12 characters of its id, as `docker ps` shows them.
    pub fn short_id(&self) -> &str {
        &self.id[..self.id.len().min(12)]
    }
    /// Its name, or its short id when the daemon gave it a random one nobody typed.
    pub fn label(&self) -> String {
        if self.name.is_empty() {
            self.short_id().to_string()
        } else {
            self.name.clone()
        }
    }
}

/// One command exec'd in a container.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExecRecord {
    pub container_id: String,
    pub container: String,
    pub command: String,
    pub time_ns: i64,
    /// The daemon's id of the exec, which its `exec_die` event names.
    pub exec_id: String,
    /// The code it exited with, once the daemon said (`exec_die`).
    pub exit_code: Option<i64>,
    /// What it printed (standard output and error), when labrunner ran it and so saw it.
    pub output: Option<String>,
}

/// What a `docker exec` labrunner ran printed, waiting for the daemon's event of that exec.
#[derive(Debug, Clone)]
struct Printed {
    container: String,
    command: String,
    output: String,
}

#[derive(Debug, Default)]
struct Log {
    containers: Vec<ContainerRecord>,
    execs: Vec<ExecRecord>,
    /// Output of execs labrunner ran whose event has not arrived yet, oldest first.
    printed: Vec<Printed>,
    /// When each step opened.
    opened: BTreeMap<String, i64>,
    /// When the recorder started following (or was created).
    started_ns: i64,
    following: bool,
    /// Events arrive until here (the latest event's time).
    seen_until_ns: i64,
    /// Times the event stream was lost, and why (containers that ran then may be missing).
    gaps: Vec<String>,
    /// Whose containers are recorded: (run id, only the run's own). `None`: everyone's.
    scope: Option<(String, bool)>,
    /// Output bytes the record may still keep, all containers together.
    budget: OutputBudget,
}

/// Whether a container with these labels can count for the run `run_id`: one labelled with
/// another run never does; an unlabelled one does unless only the run's own containers count (a
/// grading or `test`, where labrunner starts every container).
pub fn counts_for_run(labels: &BTreeMap<String, String>, run_id: &str, only_own: bool) -> bool {
    match labels.get(LABEL_RUN) {
        Some(run) => run == run_id,
        None => !only_own,
    }
}

/// The shared record. Cloning gives another handle on the same record.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    log: Arc<Mutex<Log>>,
    /// Woken whenever an event is taken into the record.
    recorded: Arc<tokio::sync::Notify>,
}

impl Recorder {
    pub fn new() -> Self {
        let recorder = Recorder::default();
        recorder.lock().started_ns = now_ns();
        recorder
    }

    /// Record only the containers that can count for the run `run_id` ([`counts_for_run`]):
    /// others on the same daemon (other gradings, other runs) are neither inspected nor
    /// attached to.
    pub fn scope(&self, run_id: &str, only_own: bool) {
        self.lock().scope = Some((run_id.to_string(), only_own));
    }

    /// The labels the daemon's events are narrowed to: the run's, where only its own
    /// containers count (the others' events could never count); none otherwise.
    pub fn own_labels(&self) -> Vec<(String, String)> {
        match &self.lock().scope {
            Some((run, true)) => vec![(LABEL_RUN.to_string(), run.clone())],
            _ => Vec::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Log> {
        // A panic while holding the lock leaves a record that is still readable.
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Mark `step` as opened now. Event-based checks of the step count from here.
    pub fn open_step(&self, step: &str) -> i64 {
        let now = now_ns();
        self.lock().opened.insert(step.to_string(), now);
        now
    }

    /// When `step` opened (when the recorder started, if it never did).
    pub fn step_opened(&self, step: &str) -> i64 {
        let log = self.lock();
        log.opened.get(step).copied().unwrap_or(log.started_ns)
    }

    /// Whether the daemon's events are being followed now, or were read from its history.
    pub fn is_following(&self) -> bool {
        self.lock().following
    }

    /// Wait until the record holds the daemon's events up to `time_ns` (one seen on another
    /// stream), at most `limit`; at once when the record is not following.
    pub async fn caught_up(&self, time_ns: i64, limit: std::time::Duration) {
        let wait = async {
            loop {
                let recorded = self.recorded.notified();
                {
                    let log = self.lock();
                    if !log.following || log.seen_until_ns >= time_ns {
                        return;
                    }
                }
                recorded.await;
            }
        };
        let _ = tokio::time::timeout(limit, wait).await;
    }

    /// Wait until the container with this id has ended since `started_ns` (its `die` is in the
    /// record), or the clock reaches `until_ns`, whichever comes first. Returns whether it
    /// ended.
    pub async fn ended_by(&self, id: &str, started_ns: i64, until_ns: i64) -> bool {
        loop {
            let recorded = self.recorded.notified();
            let ended = self
                .lock()
                .containers
                .iter()
                .any(|c| c.id == id && c.died_ns.is_some_and(|d| d >= started_ns));
            if ended {
                return true;
            }
            let Some(left) = u64::try_from(until_ns.saturating_sub(now_ns()))
                .ok()
                .filter(|n| *n > 0)
            else {
                return false;
            };
            if tokio::time::timeout(Duration::from_nanos(left), recorded)
                .await
                .is_err()
            {
                return self
                    .lock()
                    .containers
                    .iter()
                    .any(|c| c.id == id && c.died_ns.is_some_and(|d| d >= started_ns));
            }
        }
    }

    /// Wait until the record of container `id` is whole (inspected, ended, its output read to
    /// the end or known lost), at most `limit`. Returns whether it is.
    pub async fn whole(&self, id: &str, limit: Duration) -> bool {
        let is_whole = |log: &Log| {
            log.containers.iter().any(|c| {
                c.id == id && c.inspected && c.died_ns.is_some() && c.capture != Capture::Reading
            })
        };
        let wait = async {
            loop {
                let recorded = self.recorded.notified();
                if is_whole(&self.lock()) {
                    return;
                }
                recorded.await;
            }
        };
        let _ = tokio::time::timeout(limit, wait).await;
        is_whole(&self.lock())
    }

    /// Make the record of container `id` whole from the daemon itself, where its own stream has
    /// not yet: the inspection, the exit of a container the daemon knows has ended, and the
    /// whole output of an ended container (from its logs). A container already removed keeps
    /// its record as it is.
    pub async fn fill_from_daemon(&self, engine: &dyn Engine, id: &str) {
        let Some(r) = self.container(id) else {
            return;
        };
        if (!r.inspected || r.died_ns.is_none())
            && let Ok(Some(info)) = engine.container(id).await
        {
            self.describe(&info);
            if r.died_ns.is_none() && info.status.ended() {
                let mut log = self.lock();
                if let Some(c) = log.containers.iter_mut().find(|c| c.id == id) {
                    c.exit_code = info.exit_code;
                    c.died_ns = Some(now_ns());
                }
            }
        }
        let ended = self.container(id).is_some_and(|c| c.died_ns.is_some());
        if ended
            && r.capture == Capture::Reading
            && let Ok(logs) = engine.logs(id).await
        {
            self.settle_output(id, &logs);
        }
    }

    /// Times the event stream was lost while following.
    pub fn gaps(&self) -> Vec<String> {
        self.lock().gaps.clone()
    }

    /// Containers created at or after `since_ns`, oldest first.
    pub fn containers_since(&self, since_ns: i64) -> Vec<ContainerRecord> {
        self.lock()
            .containers
            .iter()
            .filter(|c| c.created_ns >= since_ns)
            .cloned()
            .collect()
    }

    /// The record of one container, by id.
    pub fn container(&self, id: &str) -> Option<ContainerRecord> {
        self.lock().containers.iter().find(|c| c.id == id).cloned()
    }

    /// Commands exec'd in the container with this id at or after `since_ns`, oldest first.
    pub fn execs_since(&self, container_id: &str, since_ns: i64) -> Vec<ExecRecord> {
        self.lock()
            .execs
            .iter()
            .filter(|e| e.container_id == container_id && e.time_ns >= since_ns)
            .cloned()
            .collect()
    }

    /// Take one daemon event into the record. Returns the id of a container that was just
    /// created (and must now be inspected and attached to).
    pub fn record(&self, event: &DaemonEvent) -> Option<String> {
        let mut log = self.lock();
        log.seen_until_ns = log.seen_until_ns.max(event.time_ns);
        self.recorded.notify_waiters();
        if event.kind != EventKind::Container {
            return None;
        }
        let id = event.id.clone()?;
        if labels::is_check_helper(&event.attributes) {
            return None;
        }
        let name = event.name.clone().unwrap_or_default();
        match &event.action {
            EventAction::ExecStart(command) => {
                let waiting = log
                    .printed
                    .iter()
                    .position(|p| p.container == name && p.command == *command);
                let output = waiting.map(|i| log.printed.remove(i).output);
                log.execs.push(ExecRecord {
                    container_id: id,
                    container: name,
                    command: command.clone(),
                    time_ns: event.time_ns,
                    exec_id: event.attributes.get("execID").cloned().unwrap_or_default(),
                    exit_code: None,
                    output,
                });
                None
            }
            EventAction::ExecDie => {
                let exec_id = event.attributes.get("execID");
                if let Some(e) = log
                    .execs
                    .iter_mut()
                    .rev()
                    .find(|e| Some(&e.exec_id) == exec_id)
                {
                    e.exit_code = event
                        .attributes
                        .get("exitCode")
                        .and_then(|c| c.parse().ok());
                }
                None
            }
            EventAction::Create => {
                if log.containers.iter().any(|c| c.id == id) {
                    return None;
                }
                let labels: BTreeMap<String, String> = event
                    .attributes
                    .iter()
                    .filter(|(k, _)| !matches!(k.as_str(), "name" | "image"))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if let Some((run, only_own)) = &log.scope
                    && !counts_for_run(&labels, run, *only_own)
                {
                    return None;
                }
                log.containers.push(ContainerRecord {
                    id: id.clone(),
                    name,
                    image: event.attributes.get("image").cloned().unwrap_or_default(),
                    command: Vec::new(),
                    mounts: Vec::new(),
                    network_mode: String::new(),
                    networks: Vec::new(),
                    user: String::new(),
                    labels,
                    inspected: false,
                    created_ns: event.time_ns,
                    exit_code: None,
                    died_ns: None,
                    oom_killed: false,
                    removed: false,
                    output: BoundedOutput::new(),
                    capture: Capture::Reading,
                });
                Some(id)
            }
            EventAction::Die => {
                if let Some(c) = log.containers.iter_mut().find(|c| c.id == id) {
                    c.exit_code = event
                        .attributes
                        .get("exitCode")
                        .and_then(|s| s.parse().ok());
                    c.died_ns = Some(event.time_ns);
                }
                None
            }
            EventAction::Destroy => {
                if let Some(c) = log.containers.iter_mut().find(|c| c.id == id) {
                    c.removed = true;
                }
                None
            }
            EventAction::Oom => {
                if let Some(c) = log.containers.iter_mut().find(|c| c.id == id) {
                    c.oom_killed = true;
                }
                None
            }
            _ => None,
        }
    }

    /// What a `docker exec` labrunner ran in `container` (by name) printed: kept with the
    /// record of that exec, now or when its event arrives.
    pub fn printed(&self, container: &str, command: &str, output: &str) {
        let mut log = self.lock();
        let output = crate::output::bounded_text(output.to_string());
        match log
            .execs
            .iter_mut()
            .rev()
            .find(|e| e.container == container && e.command == command && e.output.is_none())
        {
            Some(e) => e.output = Some(output),
            None => {
                // Events that never come (the stream not followed) leave no more than a few.
                if log.printed.len() >= PRINTED_WAITING {
                    log.printed.remove(0);
                }
                log.printed.push(Printed {
                    container: container.to_string(),
                    command: command.to_string(),
                    output,
                })
            }
        }
    }

    /// What inspecting a container at create time showed.
    pub fn describe(&self, info: &ContainerInfo) {
        let mut log = self.lock();
        if let Some(c) = log.containers.iter_mut().find(|c| c.id == info.id) {
            c.image = info.image.clone();
            c.command = info.command.clone();
            c.mounts = info.mounts.clone();
            c.network_mode = info.network_mode.clone();
            c.networks = info.networks.clone();
            c.user = info.user.clone();
            c.inspected = true;
        }
    }

    /// Add output: kept within the bounds of one output and of the record's budget, counted
    /// beyond them (read on to the end: the tail is what it printed last). Returns false when
    /// the output is no longer being read (stop reading).
    pub fn append_output(&self, id: &str, bytes: &[u8]) -> bool {
        let mut log = self.lock();
        let Log {
            containers, budget, ..
        } = &mut *log;
        let Some(c) = containers.iter_mut().find(|c| c.id == id) else {
            return false;
        };
        // Read to its end already (by `settle_output`): what the stream still brings is a copy.
        if c.capture != Capture::Reading {
            return false;
        }
        c.output.push_within(bytes, budget);
        true
    }

    /// A container's whole output, read from its logs after it ended, in place of what its
    /// output stream has brought so far (when that is still being read).
    pub fn settle_output(&self, id: &str, output: &BoundedOutput) {
        let mut log = self.lock();
        let Log {
            containers, budget, ..
        } = &mut *log;
        if let Some(c) = containers.iter_mut().find(|c| c.id == id)
            && c.capture == Capture::Reading
        {
            budget.give_back(c.output.kept());
            c.output = output.kept_within(budget);
            c.capture = read_to_end(&c.output);
        }
    }

    /// The output has been read to its end, or could not be.
    pub fn finish_output(&self, id: &str, capture: Capture) {
        let mut log = self.lock();
        if let Some(c) = log.containers.iter_mut().find(|c| c.id == id)
            && c.capture == Capture::Reading
        {
            c.capture = match capture {
                Capture::Complete => read_to_end(&c.output),
                other => other,
            };
        }
    }

    /// Inspect a just-created container and read its output until it ends.
    async fn capture(&self, engine: &dyn Engine, id: String) {
        let inspect = async {
            if let Ok(Some(info)) = engine.container(&id).await {
                self.describe(&info);
            }
        };
        let output = async {
            let mut stream = engine.attach_output(&id);
            while let Some(chunk) = stream.next().await {
                match chunk {
                    Ok(bytes) => {
                        if !self.append_output(&id, &bytes) {
                            return;
                        }
                    }
                    Err(e) => {
                        self.finish_output(&id, lost(&e));
                        return;
                    }
                }
            }
            self.finish_output(&id, Capture::Complete);
        };
        futures_util::join!(inspect, output);
    }

    /// Run `work` while following the daemon's events; returns what `work` returns.
    pub async fn follow<F: Future>(&self, engine: &dyn Engine, work: F) -> F::Output {
        let start = now_ns();
        {
            let mut log = self.lock();
            log.following = true;
            log.seen_until_ns = log.seen_until_ns.max(start);
        }
        // From `start`: the daemon replays what happened between now and when the stream
        // is actually open, so nothing is missed at the start.
        let labels = self.own_labels();
        let mut events = engine.events_since(start, &labels);
        let mut captures = FuturesUnordered::new();
        let mut reconnect: Option<tokio::time::Instant> = None;
        tokio::pin!(work);
        let out = loop {
            tokio::select! {
                biased;
                event = events.next(), if reconnect.is_none() => match event {
                    Some(Ok(e)) => {
                        if let Some(id) = self.record(&e) {
                            captures.push(self.capture(engine, id));
                        }
                    }
                    Some(Err(e)) => {
                        self.lock().gaps.push(format!("lost the daemon's events: {e}"));
                        reconnect = Some(tokio::time::Instant::now() + crate::engine::reconnect::RECORDER);
                    }
                    None => {
                        self.lock().gaps.push("the daemon ended its event stream".into());
                        reconnect = Some(tokio::time::Instant::now() + crate::engine::reconnect::RECORDER);
                    }
                },
                () = async { tokio::time::sleep_until(reconnect.unwrap_or_else(tokio::time::Instant::now)).await }, if reconnect.is_some() => {
                    reconnect = None;
                    let from = self.lock().seen_until_ns;
                    events = engine.events_since(from, &labels);
                }
                Some(()) = captures.next(), if !captures.is_empty() => {}
                out = &mut work => break out,
            }
        };
        self.lock().following = false;
        out
    }

    /// Read what the daemon still remembers of the past (for grading a daemon the student
    /// worked on before grading started): containers created and commands exec'd since
    /// `since_ns`. Output is read from the logs of containers that still exist.
    pub async fn read_history(
        &self,
        engine: &dyn Engine,
        since_ns: i64,
    ) -> Result<(), EngineError> {
        let events = engine.past_events(since_ns, &self.own_labels()).await?;
        let mut created = Vec::new();
        for e in &events {
            if let Some(id) = self.record(e) {
                created.push(id);
            }
        }
        for id in created {
            match engine.container(&id).await? {
                Some(info) => {
                    self.describe(&info);
                    match engine.logs(&id).await {
                        Ok(logs) => self.settle_output(&id, &logs),
                        Err(e) => self.finish_output(&id, lost(&e)),
                    }
                }
                None => self.finish_output(
                    &id,
                    Capture::Lost("the container was removed before grading started".into()),
                ),
            }
        }
        let mut log = self.lock();
        log.following = true;
        log.started_ns = log.started_ns.min(since_ns);
        Ok(())
    }
}

/// How much of an output read to its end is kept.
fn read_to_end(output: &BoundedOutput) -> Capture {
    if output.omitted() > 0 {
        Capture::Truncated
    } else {
        Capture::Complete
    }
}

fn lost(e: &EngineError) -> Capture {
    match e {
        EngineError::Daemon { status: 404, .. } => {
            Capture::Lost("the container was removed before its output could be read".into())
        }
        other => Capture::Lost(format!("its output could not be read: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::LABEL_ROLE;

    fn event(action: &str, id: &str, time_ns: i64, attrs: &[(&str, &str)]) -> DaemonEvent {
        DaemonEvent {
            kind: EventKind::Container,
            action: EventAction::parse(action),
            id: Some(id.into()),
            time_ns,
            name: attrs
                .iter()
                .find(|(k, _)| *k == "name")
                .map(|(_, v)| v.to_string()),
            attributes: attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn a_container_is_recorded_from_create_to_destroy() {
        let r = Recorder::new();
        let created = r.record(&event(
            "create",
            "abc123",
            10,
            &[("name", "reader"), ("image", "alpine:latest"), ("x", "y")],
        ));
        assert_eq!(created.as_deref(), Some("abc123"));
        assert!(r.append_output("abc123", b"CRITICAL\n"));
        r.record(&event("die", "abc123", 20, &[("exitCode", "3")]));
        r.finish_output("abc123", Capture::Complete);
        r.record(&event("destroy", "abc123", 30, &[]));
        let c = r.container("abc123").unwrap();
        assert_eq!(
            (c.exit_code, c.died_ns, c.removed),
            (Some(3), Some(20), true)
        );
        assert_eq!(c.output.text(), "CRITICAL\n");
        assert_eq!(c.capture, Capture::Complete);
        assert_eq!(c.labels.get("x").map(String::as_str), Some("y"));
        assert_eq!(r.containers_since(11), vec![]);
        assert_eq!(r.containers_since(10).len(), 1);
    }

    #[tokio::test]
    async fn a_container_has_ended_when_its_die_since_the_start_is_in_the_record() {
        let r = Recorder::new();
        r.record(&event("create", "w", 10, &[]));
        r.record(&event("die", "w", 20, &[("exitCode", "0")]));
        let past = now_ns() - 1;
        assert!(r.ended_by("w", 15, past).await, "died after it started");
        // Started again at 30: the die at 20 was an earlier run; at the deadline, not ended.
        assert!(!r.ended_by("w", 30, past).await);
        assert!(!r.ended_by("unknown", 0, past).await);
        r.record(&event("die", "w", 40, &[("exitCode", "1")]));
        assert!(r.ended_by("w", 30, now_ns() + 1_000_000_000).await);
    }

    #[tokio::test]
    async fn a_record_is_whole_once_inspected_ended_and_read() {
        let r = Recorder::new();
        r.record(&event("create", "c", 10, &[]));
        let quick = Duration::from_millis(1);
        assert!(!r.whole("c", quick).await);
        r.describe(&ContainerInfo {
            id: "c".into(),
            ..ContainerInfo::default()
        });
        r.record(&event("die", "c", 20, &[("exitCode", "0")]));
        assert!(!r.whole("c", quick).await, "its output is still on its way");
        r.finish_output("c", Capture::Complete);
        assert!(r.whole("c", quick).await);
    }

    #[test]
    fn a_container_killed_for_memory_is_marked() {
        let r = Recorder::new();
        r.record(&event("create", "abc123", 10, &[("name", "hog")]));
        assert!(!r.container("abc123").unwrap().oom_killed);
        r.record(&event("oom", "abc123", 15, &[("name", "hog")]));
        r.record(&event("die", "abc123", 20, &[("exitCode", "137")]));
        let c = r.container("abc123").unwrap();
        assert!(c.oom_killed);
        assert_eq!(c.exit_code, Some(137));
    }

    #[test]
    fn checks_own_containers_are_not_recorded() {
        let r = Recorder::new();
        let e = event("create", "h1", 1, &[(LABEL_ROLE, "check")]);
        assert_eq!(r.record(&e), None);
        assert!(r.containers_since(0).is_empty());
    }

    #[test]
    fn a_scoped_record_keeps_only_the_containers_that_can_count_for_its_run() {
        let run = LABEL_RUN;
        let grading = Recorder::new();
        grading.scope("r1", true);
        let own = event("create", "own", 1, &[(run, "r1")]);
        let other = event("create", "other", 1, &[(run, "r2")]);
        let unlabelled = event("create", "shell", 1, &[]);
        assert_eq!(grading.record(&own).as_deref(), Some("own"));
        assert_eq!(grading.record(&other), None);
        assert_eq!(grading.record(&unlabelled), None);
        assert_eq!(grading.containers_since(0).len(), 1);
        // A student's shell counts where not only the run's own containers do.
        let live = Recorder::new();
        live.scope("r1", false);
        assert_eq!(live.record(&unlabelled).as_deref(), Some("shell"));
        assert_eq!(live.record(&other), None);
    }

    #[test]
    fn execs_are_kept_by_container_id() {
        let r = Recorder::new();
        r.record(&event("exec_start: cat /x", "old", 5, &[("name", "w")]));
        r.record(&event("exec_start: cat /x", "new", 7, &[("name", "w")]));
        assert_eq!(r.execs_since("new", 0).len(), 1);
        assert_eq!(r.execs_since("old", 6).len(), 0);
    }

    #[test]
    fn output_is_bounded_and_says_so() {
        use crate::output::{OUTPUT_HEAD, OUTPUT_TAIL};
        let r = Recorder::new();
        r.record(&event("create", "big", 1, &[]));
        let chunk = vec![b'x'; (OUTPUT_HEAD + OUTPUT_TAIL) / 2 + 1];
        assert!(r.append_output("big", &chunk));
        // Read on to the end: the last bytes printed are kept too.
        assert!(r.append_output("big", &chunk));
        assert!(r.append_output("big", b"END"));
        r.finish_output("big", Capture::Complete);
        let c = r.container("big").unwrap();
        assert_eq!(c.output.kept(), OUTPUT_HEAD + OUTPUT_TAIL);
        assert_eq!(c.output.omitted(), 5);
        assert!(c.output.text().ends_with("xEND"));
        assert!(c.output.text().contains("… 5 bytes more …"));
        assert_eq!(c.capture, Capture::Truncated);
        // Once settled, the stream's copy is not read any more.
        assert!(!r.append_output("big", b"more"));
    }

    #[test]
    fn all_containers_together_keep_no_more_than_the_budget() {
        use crate::output::{GRADING_OUTPUT_BUDGET, OUTPUT_HEAD, OUTPUT_TAIL};
        let r = Recorder::new();
        let chunk = vec![b'y'; 1 << 20];
        for n in 0..2 * GRADING_OUTPUT_BUDGET / (OUTPUT_HEAD + OUTPUT_TAIL) {
            let id = format!("c{n}");
            r.record(&event("create", &id, 1, &[]));
            assert!(r.append_output(&id, &chunk));
            r.finish_output(&id, Capture::Complete);
        }
        let kept: usize = r.containers_since(0).iter().map(|c| c.output.kept()).sum();
        assert_eq!(kept, GRADING_OUTPUT_BUDGET);
        let last = r.containers_since(0).pop().unwrap();
        assert_eq!((last.output.kept(), last.output.total()), (0, 1 << 20));
        assert_eq!(last.capture, Capture::Truncated);
    }

    #[test]
    fn steps_open_on_the_recorders_clock() {
        let r = Recorder::new();
        let started = r.step_opened("never");
        let opened = r.open_step("s");
        assert!(opened >= started);
        assert_eq!(r.step_opened("s"), opened);
    }
}
