//! Runs a lab: setup, steps, cleanup, emitting typed events on a channel.
//!
//! [`LabRun`] owns one run of one lab: its run id and labels, its working folder, which declared
//! resources existed before it started (those are never removed), and the event channel. The
//! `test` command, grading, the live loop and the TUI all drive labs through it.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use regex::Regex;
use serde::Serialize;
use tokio::sync::mpsc::UnboundedSender;

use crate::check::probes::own_exec_prefixes;
use crate::check::{self, CheckEnv, CheckOutcome, Inspections};
pub use crate::command::ResourceKind;
use crate::command::{self, Action};
use crate::engine::{Engine, EngineError, EventAction, PullProgress};
use crate::execute::{ApplyContext, Outcome, execute, failure};
use crate::folder::{Folder, FolderError, Taken};
use crate::images::ImageMap;
use crate::lab::{Command, Lab, Step};
pub use crate::lab::{Resource, declared};
use crate::labels::{self, LABEL_ROLE, ROLE_CHECK};
pub use crate::preexisting::Refusal;
use crate::recorder::Recorder;

/// What happens during a run, in order. The TUI reduces these into its state; `test`, `grade`
/// and `watch` feed them to reporters.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum RunEvent {
    /// Declared resources that already existed before the lab started (kept, never removed).
    Preexisting {
        resources: Vec<String>,
    },
    StepStarted {
        step: String,
    },
    /// A command labrunner ran (setup, solution, cleanup). `error` is the daemon's message.
    ActionRan {
        step: Option<String>,
        command: String,
        output: String,
        error: Option<String>,
        /// For commands that must fail: whether the error matched. Otherwise: no error.
        as_expected: bool,
    },
    Check(CheckOutcome),
    StepDone {
        step: String,
        passed: bool,
    },
    CleanupDone {
        removed: Vec<String>,
        kept: Vec<String>,
    },
    /// "Run it for me" of `step` is over. Each command reported itself as an
    /// [`RunEvent::ActionRan`]; `failures` are those that went wrong (`command: error`).
    /// `error` says why nothing ran (the step was no longer the current one).
    AssistDone {
        step: String,
        failures: Vec<String>,
        error: Option<String>,
    },
    /// A reset is over: what the lab created is gone, its folder and setup are fresh, and the
    /// lab is at its first step again. `error` is what went wrong on the way, if anything.
    ResetDone {
        error: Option<String>,
    },
    /// The daemon went away (`connected: false`) or came back.
    Daemon {
        connected: bool,
        message: String,
    },
}

/// The outcome of one command.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandOutcome {
    pub output: String,
    /// The daemon's (or parser's) error, if the command failed.
    pub error: Option<String>,
    /// Succeeded, or failed with the expected error.
    pub as_expected: bool,
    /// Why the command did not finish, when a time limit cut it off (the daemon's or
    /// labrunner's): what it was to do may or may not have happened.
    pub unfinished: Option<String>,
}

/// Whether labrunner may write the lab's files into a working folder that held files before
/// the lab started. The caller asks the user, and passes the answer. Containers, networks and
/// volumes that existed before are never written into, started, stopped, connected or removed,
/// with or without consent ([`crate::preexisting::refusal`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Consent {
    /// A lab file whose name is taken in a folder that was not labrunner's is kept as it is.
    #[default]
    Withheld,
    /// The user agreed that the lab's files may replace theirs in the lab folder.
    Given,
}

/// One run of one lab.
pub struct LabRun<'a> {
    pub engine: &'a dyn Engine,
    pub lab: &'a Lab,
    pub run_id: String,
    pub workdir: PathBuf,
    pub image_map: ImageMap,
    /// What happened on the daemon while the run followed its events.
    pub recorder: Recorder,
    /// Declared resources that existed before the run started.
    pub preexisting: Vec<Resource>,
    /// Whether [`LabRun::preflight`] (or [`LabRun::assume_preexisting`]) established which
    /// declared resources predate the run. Until it has, cleanup removes only what carries the
    /// run's label: a declared name alone does not make a resource the run's.
    pub preflighted: bool,
    /// Whether the working folder held anything before the run first prepared it. Such a
    /// folder is not labrunner's to remove, and its files are not overwritten without consent.
    workdir_preexisting: AtomicBool,
    /// Cleanup commands a time limit cut off, with why (see [`LabRun::leftovers`]).
    unfinished_cleanup: std::sync::Mutex<Vec<String>>,
    /// Whether the lab's files may replace files of the same names in a folder that was not
    /// labrunner's.
    pub consent: Consent,
    /// Only containers carrying the run's label count for event-based checks (set by `test`
    /// and grading replays, where labrunner starts every container).
    pub only_run_containers: bool,
    /// The namespace the lab's names were moved into, if any (evidence shows the lab's names).
    pub namespace: Option<crate::namespace::Namespace>,
    /// Whether the working folder was prepared once (a reset prepares it again).
    prepared: AtomicBool,
    /// How labrunner's own probes begin, for every check of the lab: never the student's.
    own_execs: HashSet<String>,
    /// Extra labels (grading marks its runs).
    pub labels: BTreeMap<String, String>,
    /// Limits for containers the run starts (grading).
    pub memory_limit: Option<i64>,
    pub pids_limit: Option<i64>,
    pub command_timeout: Option<Duration>,
    /// Where progress of image pulls goes (a missing image is pulled when a command needs it).
    pub pull_progress: Option<UnboundedSender<PullProgress>>,
    /// Volumes this run created that no container has been given since: they are empty, and a
    /// file check need not read them. Kept only where labrunner is the only one acting
    /// ([`LabRun::only_run_containers`]).
    known_empty: std::sync::Mutex<BTreeSet<String>>,
    /// `--rm` containers this run started that labrunner removes itself once they have ended
    /// and their record is whole ([`ApplyContext::defer_removal`]), by id.
    left_to_remove: std::sync::Mutex<Vec<String>>,
    events: Option<UnboundedSender<RunEvent>>,
}

impl<'a> LabRun<'a> {
    pub fn new(
        engine: &'a dyn Engine,
        lab: &'a Lab,
        workdir: PathBuf,
        image_map: ImageMap,
    ) -> Self {
        let run_id = new_run_id();
        let labels = labels::run_labels(&lab.id, &run_id);
        LabRun {
            engine,
            lab,
            run_id,
            workdir,
            image_map,
            recorder: Recorder::new(),
            preexisting: Vec::new(),
            preflighted: false,
            workdir_preexisting: AtomicBool::new(false),
            unfinished_cleanup: std::sync::Mutex::new(Vec::new()),
            consent: Consent::Withheld,
            namespace: None,
            only_run_containers: false,
            prepared: AtomicBool::new(false),
            own_execs: lab.steps.iter().flat_map(own_exec_prefixes).collect(),
            labels,
            memory_limit: None,
            pids_limit: None,
            command_timeout: None,
            pull_progress: None,
            known_empty: std::sync::Mutex::default(),
            left_to_remove: std::sync::Mutex::default(),
            events: None,
        }
    }

    /// Send events to `tx` as they happen.
    pub fn with_events(mut self, tx: UnboundedSender<RunEvent>) -> Self {
        self.events = Some(tx);
        self
    }

    /// Report an event on the run's channel (the live loop reports through the run too).
    pub fn emit(&self, event: RunEvent) {
        if let Some(tx) = &self.events {
            let _ = tx.send(event);
        }
    }

    pub fn apply_context(&self) -> ApplyContext {
        let mut ctx = ApplyContext::for_run(self.labels.clone(), self.image_map.clone());
        ctx.memory_limit = self.memory_limit;
        ctx.pids_limit = self.pids_limit;
        ctx.timeout = self.command_timeout;
        ctx.progress = self.pull_progress.clone();
        // Where labrunner starts every container, it removes `--rm` ones itself, once recorded.
        ctx.defer_removal = self.only_run_containers;
        ctx
    }

    /// Which declared resources exist already. They will be used but never removed.
    pub async fn preflight(&mut self) -> Result<Vec<Resource>, EngineError> {
        let mut found = Vec::new();
        for r in declared(self.lab) {
            if self.exists(&r).await? {
                found.push(r);
            }
        }
        if !found.is_empty() {
            self.emit(RunEvent::Preexisting {
                resources: found.iter().map(ToString::to_string).collect(),
            });
        }
        self.preexisting = found.clone();
        self.preflighted = true;
        Ok(found)
    }

    /// A resumed lab: which declared resources predate it was established when it first
    /// started (checking again now would count the student's own work as pre-existing).
    pub fn assume_preexisting(&mut self, known: Vec<Resource>) {
        if !known.is_empty() {
            self.emit(RunEvent::Preexisting {
                resources: known.iter().map(ToString::to_string).collect(),
            });
        }
        self.preexisting = known;
        self.preflighted = true;
    }

    /// `text` with namespaced names shown as the lab's names.
    pub fn unname(&self, text: &str) -> String {
        match &self.namespace {
            Some(ns) => ns.unname(text),
            None => text.to_string(),
        }
    }

    /// The working folder is the caller's (a grading sandbox): used, never removed.
    pub fn keep_workdir(&self) {
        self.workdir_preexisting.store(true, Ordering::SeqCst);
    }

    /// Whether the working folder held something before the run first prepared it.
    pub fn workdir_preexisting(&self) -> bool {
        self.workdir_preexisting.load(Ordering::SeqCst)
    }

    /// Make `step` the one being worked on: event-based checks count from now.
    pub fn open_step(&self, step: &Step) {
        self.recorder.open_step(&step.id);
        self.emit(RunEvent::StepStarted {
            step: step.id.clone(),
        });
    }

    /// Why `action` must not run for this lab: it would write into, run a command in, start,
    /// stop, connect or remove what existed before the lab first started
    /// ([`crate::preexisting::refusal`]). Until [`LabRun::preflight`] has run nothing is known
    /// to predate the lab. In a namespace the command is asked about under the names the
    /// engine will give it, as what existed was found under those.
    pub fn refusal(&self, action: &Action) -> Option<Refusal> {
        let Some(ns) = &self.namespace else {
            return crate::preexisting::refusal(action, &self.preexisting);
        };
        let mut renamed = action.clone();
        ns.rename_action(&mut renamed);
        crate::preexisting::refusal(&renamed, &self.preexisting)
    }

    async fn exists(&self, r: &Resource) -> Result<bool, EngineError> {
        Ok(match r.kind {
            ResourceKind::Container => self.engine.container(&r.name).await?.is_some(),
            ResourceKind::Network => self.engine.network(&r.name).await?.is_some(),
            ResourceKind::Volume => self.engine.volume(&r.name).await?.is_some(),
        })
    }

    /// Create the working folder and the lab's files in it. A folder that already held
    /// something is remembered as not labrunner's: its files are kept as they are (without
    /// consent) and it is not removed by cleanup.
    pub fn prepare_workdir(&self) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.workdir)?;
        let folder = Folder::open(&self.workdir)?;
        let held = folder.first_entry()?.is_some();
        if !self.prepared.swap(true, Ordering::SeqCst) && held {
            self.workdir_preexisting.store(true, Ordering::SeqCst);
        }
        let taken = if self.workdir_preexisting() && self.consent == Consent::Withheld {
            Taken::Keep
        } else {
            Taken::Replace
        };
        for (rel, content) in &self.lab.files {
            let rel = Path::new(rel);
            if rel.is_absolute()
                || rel
                    .components()
                    .any(|c| matches!(c, std::path::Component::ParentDir))
            {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!(
                        "lab file {} must be a relative path inside the lab folder",
                        rel.display()
                    ),
                ));
            }
            folder
                .write_new(rel, content.as_bytes(), taken)
                .map_err(|e| {
                    let kind = match &e {
                        FolderError::Io { error, .. } => error.kind(),
                        _ => std::io::ErrorKind::InvalidData,
                    };
                    std::io::Error::new(kind, format!("lab file {}: {e}", rel.display()))
                })?;
        }
        Ok(())
    }

    /// Parse and execute one command, reporting it as an event.
    pub async fn run_command(&self, step: Option<&str>, command: &Command) -> CommandOutcome {
        let outcome = self.execute(command.text(), command.expected_error()).await;
        self.emit(RunEvent::ActionRan {
            step: step.map(str::to_string),
            command: command.text().to_string(),
            output: outcome.output.clone(),
            error: outcome.error.clone(),
            as_expected: outcome.as_expected,
        });
        outcome
    }

    /// Apply one action for the run, keeping track of the volumes it leaves known to be empty.
    pub async fn apply(&self, action: &Action, ctx: &ApplyContext) -> Result<Outcome, EngineError> {
        let creates_empty = match action {
            Action::VolumeCreate {
                name: Some(name),
                driver,
                ..
            } if self.only_run_containers && driver.as_deref().is_none_or(|d| d == "local") => {
                // Under the name the checks know it by (the engine moves actions into the
                // namespace). The daemon answers the creation of a volume that exists with that
                // volume, contents and all.
                let name = self
                    .namespace
                    .as_ref()
                    .map_or_else(|| name.clone(), |ns| ns.resource(name));
                matches!(self.engine.volume(&name).await, Ok(None)).then_some(name)
            }
            _ => None,
        };
        if !action.leaves_volume_contents_alone() {
            self.known_empty().clear();
        }
        // Before the command: what ended since the last one is gone, as the daemon would have it.
        self.remove_ended().await;
        let applied = execute(self.engine, action, ctx).await;
        if let (Action::Exec(exec), Ok(out)) = (action, &applied)
            && !exec.detach
        {
            // What the command printed, for checks of what the student's exec showed.
            let container = self
                .namespace
                .as_ref()
                .map_or_else(|| exec.container.clone(), |ns| ns.resource(&exec.container));
            self.recorder
                .printed(&container, &exec.command.join(" "), &out.stdout);
        }
        if let (Some(name), Ok(_)) = (creates_empty, &applied) {
            self.known_empty().insert(name);
        }
        if let Ok(Outcome {
            left_to_remove: Some(id),
            ..
        }) = &applied
        {
            self.left_to_remove().push(id.clone());
            // A foreground container has ended: it is gone when the command returns.
            self.remove_ended().await;
        }
        applied
    }

    fn known_empty(&self) -> std::sync::MutexGuard<'_, BTreeSet<String>> {
        self.known_empty.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn left_to_remove(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.left_to_remove
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Remove the `--rm` containers left to the run that have ended, each once its record is
    /// whole (how it ended, what it printed, what it mounted; from the daemon itself where the
    /// event stream has not brought it within [`check::lag::EVENT_DELIVERY`]). So a `--rm`
    /// container counts the same however fast it ended, and is gone as with the daemon's own
    /// removal by the time anything is judged.
    async fn remove_ended(&self) {
        let pending = self.left_to_remove().clone();
        for id in pending {
            let settled = match self.engine.container(&id).await {
                Ok(Some(info)) if info.status.ended() => {
                    if !self.recorder.whole(&id, check::lag::EVENT_DELIVERY).await {
                        self.recorder.fill_from_daemon(self.engine, &id).await;
                    }
                    self.engine.remove_container(&id).await.is_ok()
                }
                Ok(Some(_)) | Err(_) => false,
                Ok(None) => true,
            };
            if settled {
                self.left_to_remove().retain(|i| *i != id);
            }
        }
    }

    async fn execute(&self, text: &str, expected_error: Option<&str>) -> CommandOutcome {
        let mut unfinished = None;
        let result = match self.parse(text) {
            Ok(action) => match self.refusal(&action) {
                Some(refused) => Err(refused.to_string()),
                None => match self.apply(&action, &self.apply_context()).await {
                    // A process that exits non-zero makes the docker CLI fail too; its output is the
                    // message the student sees.
                    Ok(out) if out.failed().is_some() => {
                        Err(failure(out.failed().unwrap_or_default(), &out.stdout))
                    }
                    Ok(out) => Ok(out),
                    Err(e) => {
                        if matches!(e, EngineError::Timeout { .. }) {
                            unfinished = Some(e.to_string());
                        }
                        Err(e.to_string())
                    }
                },
            },
            Err(e) => Err(e),
        };
        let (output, error, as_expected) = match (result, expected_error) {
            (Ok(out), None) => (out.stdout, None, true),
            (Ok(out), Some(pattern)) => (
                out.stdout,
                Some(format!(
                    "the command succeeded, but it was expected to fail with \"{}\"",
                    crate::pattern::plain(pattern)
                )),
                false,
            ),
            (Err(e), None) => (String::new(), Some(e), false),
            (Err(e), Some(pattern)) => {
                let matched = Regex::new(pattern).is_ok_and(|re| re.is_match(&e));
                (String::new(), Some(e), matched)
            }
        };
        CommandOutcome {
            output,
            error,
            as_expected,
            unfinished,
        }
    }

    pub fn parse(&self, text: &str) -> Result<Action, String> {
        command::parse(text, Some(&self.workdir.to_string_lossy()))
            .map_err(|e| format!("cannot run `{text}`: {e}"))
    }

    /// Run the setup commands. Stops at the first one that does not go as expected.
    pub async fn setup(&self) -> Result<(), String> {
        for c in &self.lab.setup {
            let o = self.run_command(None, c).await;
            if !o.as_expected {
                return Err(format!(
                    "setup command `{}` failed: {}",
                    c.text(),
                    o.error.unwrap_or_default()
                ));
            }
        }
        Ok(())
    }

    /// Run a step's reference solution. Returns the commands that did not go as expected.
    pub async fn run_solution(&self, step: &Step) -> Vec<(String, String)> {
        let mut failures = Vec::new();
        for c in &step.solution {
            let o = self.run_command(Some(&step.id), c).await;
            if !o.as_expected {
                failures.push((c.text().to_string(), o.error.unwrap_or_default()));
            }
        }
        failures
    }

    /// What `step`'s checks need: the engine, the record of events since the step opened, and
    /// labels (with the check role) for any helper container they start.
    pub fn check_env<'e>(
        &'e self,
        step: &Step,
        labels: &'e BTreeMap<String, String>,
        inspections: &'e Inspections,
    ) -> CheckEnv<'e> {
        CheckEnv {
            engine: self.engine,
            helper_image: &self.lab.image,
            image_map: &self.image_map,
            workdir: &self.workdir,
            labels,
            recorder: &self.recorder,
            opened_ns: self.recorder.step_opened(&step.id),
            own_execs: &self.own_execs,
            run_id: &self.run_id,
            only_run_containers: self.only_run_containers,
            known_empty: self.known_empty().clone(),
            inspections,
        }
    }

    /// The run's labels, plus the role that marks a check's own helper containers.
    pub fn check_labels(&self) -> BTreeMap<String, String> {
        let mut labels = self.labels.clone();
        labels.insert(LABEL_ROLE.to_string(), ROLE_CHECK.to_string());
        labels
    }

    /// Evaluate every check of a step, at most [`check::CHECK_CONCURRENCY`] at once, each with
    /// its time, in declaration order; checks of one container share one inspect. Nothing is
    /// reported on the run's channel.
    pub async fn evaluate_quietly(&self, step: &Step) -> Vec<(CheckOutcome, Duration)> {
        self.evaluate_in_round(step, &Inspections::default()).await
    }

    /// [`LabRun::evaluate_quietly`] within a round whose answers other steps share.
    async fn evaluate_in_round(
        &self,
        step: &Step,
        round: &Inspections,
    ) -> Vec<(CheckOutcome, Duration)> {
        let labels = self.check_labels();
        let env = self.check_env(step, &labels, round);
        let env = &env;
        // Collected first: with a lazy iterator here the compiler cannot prove the future `Send`.
        let timed: Vec<_> = step
            .checks
            .iter()
            .map(|c| async move {
                let started = std::time::Instant::now();
                (check::evaluate(c, env).await, started.elapsed())
            })
            .collect();
        let verdicts: Vec<_> = futures_util::stream::iter(timed)
            .buffered(check::CHECK_CONCURRENCY)
            .collect()
            .await;
        step.checks
            .iter()
            .zip(verdicts)
            .enumerate()
            .map(|(index, (c, (verdict, took)))| {
                let outcome = CheckOutcome {
                    step: step.id.clone(),
                    index,
                    description: check::describe(c),
                    points: c.points(),
                    verdict,
                };
                (outcome, took)
            })
            .collect()
    }

    /// Which checks of every step hold now: the lab's initial state, before the student does
    /// anything, from which [`crate::credit::Credit`] starts.
    pub async fn initial_state(&self) -> crate::credit::Credit {
        // One moment: every step shares the daemon's answers.
        let round = Inspections::default();
        let mut initial = Vec::new();
        for step in &self.lab.steps {
            let outcomes = self.evaluate_in_round(step, &round).await;
            initial.push(outcomes.iter().map(|(o, _)| o.verdict.passed()).collect());
        }
        crate::credit::Credit::new(initial)
    }

    /// Evaluate every check of a step, concurrently, in declaration order.
    pub async fn evaluate(&self, step: &Step) -> Vec<CheckOutcome> {
        let outcomes: Vec<CheckOutcome> = self
            .evaluate_quietly(step)
            .await
            .into_iter()
            .map(|(o, _)| o)
            .collect();
        for o in &outcomes {
            self.emit(RunEvent::Check(o.clone()));
        }
        outcomes
    }

    /// Evaluate a step right after what should make it pass was done. A failing check is asked
    /// again only while its answer may still trail the change ([`check::lag`]: a process writing
    /// its file, DNS registration, a server starting to listen); one that cannot trail fails at
    /// once.
    pub async fn evaluate_settled(&self, step: &Step) -> Vec<CheckOutcome> {
        let outcomes = self.settle(step, false, true).await;
        outcomes.into_iter().map(|(o, _)| o).collect()
    }

    /// [`LabRun::evaluate_settled`] without telling anyone, with the time each check took, once
    /// the change has settled ([`LabRun::settle_line`]).
    pub async fn evaluate_settled_quietly(&self, step: &Step) -> Vec<(CheckOutcome, Duration)> {
        self.settle(step, true, false).await
    }

    /// Evaluate `step` until [`settle_wait`] says waiting cannot change it; `tell`: report every
    /// round's outcomes on the run's channel.
    async fn settle(
        &self,
        step: &Step,
        events_in: bool,
        tell: bool,
    ) -> Vec<(CheckOutcome, Duration)> {
        let since = tokio::time::Instant::now();
        loop {
            let timed = self.evaluate_quietly(step).await;
            if tell {
                for (o, _) in &timed {
                    self.emit(RunEvent::Check(o.clone()));
                }
            }
            let outcomes = timed.iter().map(|(o, _)| o);
            match settle_wait(step, outcomes, since.elapsed(), events_in) {
                Some(wait) => tokio::time::sleep(wait).await,
                None => return timed,
            }
        }
    }

    /// Let what was done since `since_ns` (one submitted line, or a step's solution) settle
    /// before anything is judged on it, so that the verdict does not depend on how fast the
    /// daemon and the containers' processes happen to be:
    ///
    /// - every container started since then has ended, or has run for
    ///   [`check::lag::PROCESS_WRITES`] since it started: a process that ends at once (a writer
    ///   without `sleep`) is judged exited, never running because the check came first;
    /// - the record holds every container event the daemon logged since then (at most
    ///   [`check::lag::EVENT_DELIVERY`] more), so that event-based checks see what the line did
    ///   even when a later line removes the container.
    ///
    /// `started`: whether the line may have started a container; `step`: the step to be judged
    /// next. Nothing is asked of the daemon when neither a start nor the step's events matter.
    pub async fn settle_line(&self, since_ns: i64, started: bool, step: Option<&Step>) {
        let reads_events = step.is_some_and(|s| s.checks.iter().any(check::reads_events));
        if !started && !reads_events {
            return;
        }
        let labels = self.recorder.own_labels();
        let Ok(logged) = self.engine.past_events(since_ns, &labels).await else {
            return;
        };
        let window = i64::try_from(check::lag::PROCESS_WRITES.as_nanos()).unwrap_or(i64::MAX);
        let starts = logged
            .iter()
            .filter(|e| e.action == EventAction::Start && !labels::is_check_helper(&e.attributes));
        for (id, at) in starts.filter_map(|e| Some((e.id.as_deref()?, e.time_ns))) {
            self.recorder
                .ended_by(id, at, at.saturating_add(window))
                .await;
        }
        self.remove_ended().await;
        if let Some(latest) = logged.iter().map(|e| e.time_ns).max() {
            self.recorder
                .caught_up(latest, check::lag::EVENT_DELIVERY)
                .await;
        }
    }

    /// Run cleanup commands, then remove what the run owns: declared resources that did not exist
    /// before it started, and anything carrying its run label. Pre-existing resources are kept.
    pub async fn cleanup(&self) -> Result<Vec<String>, EngineError> {
        let mut unfinished = Vec::new();
        for c in &self.lab.cleanup {
            // A cleanup command that fails has usually nothing to do (what it removes is gone);
            // one cut off by a time limit may have left its work undone, and is reported.
            if let Some(why) = self.run_command(None, c).await.unfinished {
                unfinished.push(format!(
                    "cleanup command `{}` did not finish ({why})",
                    c.text()
                ));
            }
        }
        let mut removed = Vec::new();
        let mut kept: Vec<String> = self.preexisting.iter().map(ToString::to_string).collect();
        kept.extend(unfinished.iter().cloned());
        *self
            .unfinished_cleanup
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = unfinished;
        let owned = self
            .engine
            .labelled(&crate::labels::of_run(&self.run_id))
            .await?;
        let mut targets = if self.preflighted {
            declared(self.lab)
        } else {
            Vec::new()
        };
        targets.retain(|r| !self.preexisting.contains(r));
        let extra =
            |kind, names: Vec<String>| names.into_iter().map(move |name| Resource { kind, name });
        targets.extend(extra(ResourceKind::Container, owned.containers));
        targets.extend(extra(ResourceKind::Network, owned.networks));
        targets.extend(extra(ResourceKind::Volume, owned.volumes));
        targets.sort();
        targets.dedup();
        let mut present = Vec::new();
        for r in targets {
            if !self.preexisting.contains(&r) && self.exists(&r).await? {
                present.push(r);
            }
        }
        let swept = crate::sweep::sweep(self.engine, present).await;
        removed.extend(swept.removed.iter().map(ToString::to_string));
        kept.extend(
            swept
                .failed
                .into_iter()
                .map(|(r, e)| format!("{r} (could not remove: {e})")),
        );
        self.emit(RunEvent::CleanupDone {
            removed: removed.clone(),
            kept,
        });
        if !self.workdir_preexisting() {
            let _ = crate::folder::remove(&self.workdir);
        }
        Ok(removed)
    }

    /// What the run left behind after cleanup (should be nothing).
    pub async fn leftovers(&self) -> Result<Vec<String>, EngineError> {
        // A cleanup command cut off by a time limit: the run is not known to be clean.
        let mut left = self
            .unfinished_cleanup
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let declared = if self.preflighted {
            declared(self.lab)
        } else {
            Vec::new()
        };
        for r in declared {
            if !self.preexisting.contains(&r) && self.exists(&r).await? {
                left.push(r.to_string());
            }
        }
        let owned = self
            .engine
            .labelled(&crate::labels::of_run(&self.run_id))
            .await?;
        left.extend(
            owned
                .containers
                .into_iter()
                .map(|n| format!("container {n}")),
        );
        left.extend(owned.networks.into_iter().map(|n| format!("network {n}")));
        left.extend(owned.volumes.into_iter().map(|n| format!("volume {n}")));
        left.sort();
        left.dedup();
        Ok(left)
    }
}

pub use crate::ids::new_run_id;

/// How long to wait before asking `step`'s checks again, `elapsed` after the change that
/// should make them pass. `None` when they all pass, when the failing ones are past their bound,
/// or when one of them cannot trail the change at all: then only another change can turn it, and
/// waiting would not. `events_in`: the record already holds every event of the change, so
/// event-based checks cannot trail it either.
pub fn settle_wait<'o>(
    step: &Step,
    outcomes: impl IntoIterator<Item = &'o CheckOutcome>,
    elapsed: Duration,
    events_in: bool,
) -> Option<Duration> {
    let mut longest = Duration::ZERO;
    for o in outcomes.into_iter().filter(|o| !o.verdict.passed()) {
        let c = step.checks.get(o.index)?;
        let lag = if events_in && check::reads_events(c) {
            Duration::ZERO
        } else {
            check::lag(c)
        };
        if lag.is_zero() {
            return None;
        }
        longest = longest.max(lag);
    }
    let left = longest.checked_sub(elapsed).filter(|d| !d.is_zero())?;
    let wait = elapsed.clamp(check::lag::FIRST_RETRY, check::lag::RETRY);
    Some(left.min(wait))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Verdict;

    #[test]
    fn run_ids_are_short_and_safe() {
        let a = new_run_id();
        assert_eq!(a.len(), 8);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
    }

    #[tokio::test]
    async fn a_cleanup_command_cut_off_by_a_time_limit_is_not_reported_clean() {
        use crate::engine::fake::{FakeEngine, Fault};
        let fake = FakeEngine::new();
        let mut lab = crate::live::tests::lab();
        lab.cleanup = serde_yaml::from_str(r#"["docker network create slow-net"]"#).unwrap();
        fake.fail(
            Fault::Apply("slow-net".into()),
            EngineError::Timeout {
                what: "create a network".into(),
                secs: 30,
            },
        );
        let dir = tempfile::tempdir().expect("a temp dir");
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let run = LabRun::new(&fake, &lab, dir.path().into(), ImageMap::default()).with_events(tx);
        run.cleanup().await.expect("cleanup ran");
        let says = "cleanup command `docker network create slow-net` did not finish (timed out after 30s: create a network)";
        assert_eq!(run.leftovers().await.unwrap(), [says]);
        let mut kept_reported = false;
        while let Ok(event) = rx.try_recv() {
            if let RunEvent::CleanupDone { kept, .. } = event {
                kept_reported = kept.iter().any(|k| k == says);
            }
        }
        assert!(kept_reported, "the cleanup event does not name it");
    }

    #[test]
    fn lab_files_are_never_written_through_a_link_left_in_the_folder() {
        use crate::engine::fake::FakeEngine;
        use std::os::unix::fs::symlink;
        let fake = FakeEngine::new();
        let mut lab = crate::live::tests::lab();
        lab.files.insert("note.txt".into(), "lab".into());
        lab.files.insert("site/index.html".into(), "lab".into());
        let top = tempfile::tempdir().expect("a temp dir");
        let (work, outside) = (top.path().join("work"), top.path().join("outside"));
        std::fs::create_dir_all(&work).expect("work");
        std::fs::create_dir_all(&outside).expect("outside");
        // A folder used before: a dangling link where a file goes, a link where a folder goes.
        symlink(outside.join("note.txt"), work.join("note.txt")).expect("link");
        symlink(&outside, work.join("site")).expect("folder link");
        let created_outside = || std::fs::read_dir(&outside).expect("outside").count();

        // Not labrunner's folder, no consent: the file's link is kept as it is, the folder's
        // link is refused by name.
        let mut run = LabRun::new(&fake, &lab, work.clone(), ImageMap::default());
        let err = run.prepare_workdir().expect_err("a link on the way");
        assert!(
            err.to_string()
                .contains("lab file site/index.html: site is a symbolic link"),
            "{err}"
        );
        assert_eq!(created_outside(), 0);
        assert!(run.workdir_preexisting());

        // With consent the file's link is replaced by the file (the link removed, never
        // followed); the folder's link is still refused.
        run.consent = Consent::Given;
        std::fs::remove_file(work.join("site")).expect("unlinked");
        run.prepare_workdir().expect("prepared");
        assert_eq!(created_outside(), 0);
        let note = std::fs::symlink_metadata(work.join("note.txt")).expect("note");
        assert!(note.is_file());
        assert_eq!(
            std::fs::read_to_string(work.join("site/index.html")).expect("site"),
            "lab"
        );
    }

    #[tokio::test]
    async fn a_volume_is_known_empty_from_its_creation_until_a_container_may_have_it() {
        use crate::engine::fake::FakeEngine;
        let fake = FakeEngine::new();
        fake.add_image("alpine");
        let lab = crate::live::tests::lab();
        let dir = tempfile::tempdir().expect("a temp dir");
        let mut run = LabRun::new(&fake, &lab, dir.path().into(), ImageMap::default());
        let ctx = run.apply_context();
        let act = |line: &str| command::parse(line, None).expect("the command parses");
        let known = |run: &LabRun<'_>| run.known_empty().iter().cloned().collect::<Vec<_>>();
        // Where others may act too, nothing is known.
        run.apply(&act("docker volume create a"), &ctx)
            .await
            .unwrap();
        assert!(known(&run).is_empty());
        run.only_run_containers = true;
        run.apply(&act("docker volume create store"), &ctx)
            .await
            .unwrap();
        run.apply(&act("docker network create net"), &ctx)
            .await
            .unwrap();
        assert_eq!(known(&run), ["store"]);
        // A container may write into it.
        run.apply(&act("docker run --rm -v store:/d alpine true"), &ctx)
            .await
            .unwrap();
        assert!(known(&run).is_empty());
        // Created again, the daemon keeps what is in it; another driver may bring contents.
        run.apply(&act("docker volume create store"), &ctx)
            .await
            .unwrap();
        run.apply(&act("docker volume create --driver other x"), &ctx)
            .await
            .unwrap();
        assert!(known(&run).is_empty());
        // A failed creation makes nothing known.
        fake.fail(
            crate::engine::fake::Fault::Apply("late".into()),
            EngineError::Other("no".into()),
        );
        assert!(
            run.apply(&act("docker volume create late"), &ctx)
                .await
                .is_err()
        );
        assert!(known(&run).is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn a_rm_container_is_removed_by_the_run_once_it_has_ended() {
        use crate::engine::fake::FakeEngine;
        let fake = FakeEngine::new();
        fake.add_image("alpine");
        let lab = crate::live::tests::lab();
        let dir = tempfile::tempdir().expect("a temp dir");
        let mut run = LabRun::new(&fake, &lab, dir.path().into(), ImageMap::default());
        run.only_run_containers = true;
        let ctx = run.apply_context();
        assert!(ctx.defer_removal, "labrunner starts every container here");
        let act = |line: &str| command::parse(line, None).expect("the command parses");
        let exists = |name: &str| {
            let fake = &fake;
            let name = name.to_string();
            async move { fake.container(&name).await.expect("an answer").is_some() }
        };
        // In the foreground: ended, so gone when the command returns.
        run.apply(&act("docker run --rm --name reader alpine true"), &ctx)
            .await
            .unwrap();
        assert!(!exists("reader").await);
        // Detached and still running: kept until it ends.
        run.apply(
            &act("docker run -d --rm --name server alpine sleep 9"),
            &ctx,
        )
        .await
        .unwrap();
        run.settle_line(0, true, None).await;
        assert!(exists("server").await);
        assert_eq!(run.left_to_remove().len(), 1);
        // Where others act too, the daemon removes them as always.
        run.only_run_containers = false;
        assert!(!run.apply_context().defer_removal);
    }

    #[test]
    fn in_a_namespace_a_command_is_refused_under_the_names_it_will_have() {
        use crate::engine::fake::FakeEngine;
        let fake = FakeEngine::new();
        let lab = crate::live::tests::lab();
        let ns = crate::namespace::Namespace::new("lrud-t1").expect("a namespace");
        let mut run = LabRun::new(&fake, &lab, PathBuf::new(), ImageMap::default());
        run.namespace = Some(ns.clone());
        run.assume_preexisting(vec![Resource {
            kind: ResourceKind::Volume,
            name: ns.resource("store"),
        }]);
        // Consent covers the lab folder's files, never what existed on the daemon.
        run.consent = Consent::Given;
        let act = |line: &str| command::parse(line, None).expect("the command parses");
        let refused = run
            .refusal(&act("docker run --rm -v store:/d alpine true"))
            .expect("refused");
        assert_eq!(refused.resource.name, "lrud-t1--store");
        assert_eq!(
            run.refusal(&act("docker run --rm -v other:/d alpine true")),
            None
        );
        assert_eq!(
            run.refusal(&act("docker run --rm -v store:/d:ro alpine true")),
            None
        );
    }

    /// A step with a check that cannot trail (a container), one a process writes (a file) and
    /// one that reads events (an exec).
    fn mixed_step() -> Step {
        serde_yaml::from_str(
            r#"
id: s
title: S
instructions: Do it.
solution: []
checks:
  - container: {name: web, state: running}
  - file: {volume: store, path: f.txt}
  - ran: {container: web, command: cat}
"#,
        )
        .expect("the step parses")
    }

    fn outcomes(passed: [bool; 3]) -> Vec<CheckOutcome> {
        passed
            .iter()
            .enumerate()
            .map(|(index, &p)| CheckOutcome {
                step: "s".into(),
                index,
                description: String::new(),
                points: 1,
                verdict: if p {
                    Verdict::Pass {
                        evidence: String::new(),
                    }
                } else {
                    Verdict::Fail {
                        evidence: String::new(),
                    }
                },
            })
            .collect()
    }

    #[test]
    fn a_step_waits_only_while_every_failing_check_may_still_trail() {
        let step = mixed_step();
        let ms = Duration::from_millis;
        assert_eq!(settle_wait(&step, &outcomes([true; 3]), ms(0), false), None);
        // The container check fails: waiting cannot turn it, whatever else fails.
        assert_eq!(
            settle_wait(&step, &outcomes([false, false, true]), ms(0), false),
            None
        );
        // Only the file: asked again soon, then at growing intervals, never past its bound.
        let file_only = outcomes([true, false, true]);
        assert_eq!(settle_wait(&step, &file_only, ms(0), false), Some(ms(20)));
        assert_eq!(settle_wait(&step, &file_only, ms(50), false), Some(ms(50)));
        assert_eq!(
            settle_wait(&step, &file_only, ms(500), false),
            Some(ms(100))
        );
        assert_eq!(settle_wait(&step, &file_only, ms(950), false), Some(ms(50)));
        assert_eq!(settle_wait(&step, &file_only, ms(1000), false), None);
        // The exec: its event may be on its way, unless the record is known to hold them all.
        let exec_only = outcomes([true, true, false]);
        assert_eq!(settle_wait(&step, &exec_only, ms(0), false), Some(ms(20)));
        assert_eq!(settle_wait(&step, &exec_only, ms(0), true), None);
    }
}
