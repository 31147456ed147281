//! Grading a lab headless: against the daemon's current state, or by replaying a submission.
//!
//! Current state: every step's checks are evaluated once, as things are; nothing is created
//! except the helper containers checks need, and nothing the student made is touched.
//!
//! Replay: the lab's setup runs, the lab's initial state is evaluated, then the submission runs
//! command by command, through the parser, the refusal [`Policy`] and a [`NamespacedEngine`].
//! After each command the pending step's checks are evaluated. Credit follows the one rule of
//! [`crate::credit`]: steps in order, points kept once credited, nothing for a check that held
//! before the student did anything, nothing for a later step before its predecessors. A step
//! not credited shows the closest state the submission reached for it, and after which line.
//!
//! Whatever happens (a failure, the total time limit, Ctrl-C, a panic), everything the grading
//! created carries its run label and is removed before [`grade`] returns.

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::FutureExt;

use crate::check::{self, CheckOutcome, Verdict};
use crate::command::{self, Action};
use crate::credit::Credit;
use crate::engine::{Engine, EngineError, PortBinding};
use crate::execute::{Outcome, failure};
use crate::images::ImageMap;
use crate::lab::Lab;
use crate::labels::{self, LABEL_RUN};
use crate::namespace::{Namespace, NamespacedEngine};
use crate::report::{
    CheckReport, CommandOutcome, CommandRecord, GradeReport, Refusal, Status, StepReport,
};
use crate::runner::LabRun;
use crate::runs::{RunError, RunRegistry, SubnetLease};
use crate::sandbox::SandboxGuard;
use crate::submission::{ImageRefusal, Limits, Policy, SubmittedCommand, admit_image};

/// Extra time, beyond the total limit, for the last check and cleanup before grading is cut off.
const GRACE: Duration = Duration::from_secs(30);

/// How long past a command's own limit the engine may take to answer before the daemon is
/// taken to be silent.
const BACKSTOP: Duration = Duration::from_secs(5);

/// What to grade.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// The daemon's current state.
    State,
    /// A submission, command by command.
    Replay(Vec<SubmittedCommand>),
}

/// How to grade.
#[derive(Debug, Clone)]
pub struct GradeOptions {
    /// Resource names are prefixed with it. Replay always has one; current-state grading uses
    /// the lab's own names unless one is given.
    pub namespace: Option<Namespace>,
    pub image_map: ImageMap,
    pub limits: Limits,
    /// The lab's working folder (`$(pwd)`), and the only place bind mounts may come from.
    /// `None`: a fresh temporary folder, removed afterwards.
    pub sandbox: Option<PathBuf>,
    /// When grading started (the caller's clock, so reports can be reproduced).
    pub started_at: DateTime<Utc>,
    /// Where the grading records itself while it runs (its namespace is then refused to any
    /// other live run, and `clean` knows it); `None`: not recorded.
    pub registry: Option<RunRegistry>,
    /// How a namespaced grading publishes the fixed host ports its commands write.
    pub host_ports: HostPorts,
}

/// How a namespaced grading publishes a fixed host port (`-p 8080:80`) that the lab or the
/// submission writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HostPorts {
    /// The daemon binds an ephemeral port; checks, probes, `docker port`, `docker inspect` and
    /// the report follow the translation and show the port written (see `engine::ports`).
    /// Gradings of one lab never compete for a port.
    #[default]
    Translated,
    /// As written: one grading at a time per port; a port held outside the grading is an
    /// infrastructure error.
    AsWritten,
}

/// A failure the student did not cause. The grading stops and scores nothing: the student is
/// `error` (a class grades them once more), never `failed`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Infrastructure {
    #[error(
        "host address {address} is held by something outside this grading (line {line}): {daemon}"
    )]
    PortHeld {
        address: String,
        line: usize,
        daemon: String,
    },
    #[error(
        "address range {subnet} overlaps a network outside this grading (line {line}): {daemon}"
    )]
    SubnetHeld {
        subnet: String,
        line: usize,
        daemon: String,
    },
    #[error(
        "other gradings on this machine held the fixed address ranges for {waited_secs}s, up to this grading's total limit (line {line})"
    )]
    SubnetsBusy { line: usize, waited_secs: u64 },
    #[error("the Docker daemon was lost (line {line}): {detail}")]
    DaemonLost { line: usize, detail: String },
    #[error("the Docker daemon did not answer labrunner's own call (line {line}): {detail}")]
    NoAnswer { line: usize, detail: String },
    #[error(
        "container {container} was killed for memory at labrunner's limit of {limit_mib} MiB (line {line})"
    )]
    OutOfMemory {
        container: String,
        limit_mib: i64,
        line: usize,
    },
}

/// Why a lab could not be graded at all (exit code 2), as opposed to a low score.
#[derive(Debug, thiserror::Error)]
pub enum GradeError {
    #[error("{0}")]
    Daemon(EngineError),
    #[error(
        "{} already exist{} on this daemon in namespace {namespace}; grading never touches what it did not create. Choose another --namespace",
        .resources.join(", "), if .resources.len() == 1 { "s" } else { "" }
    )]
    Conflict {
        namespace: String,
        resources: Vec<String>,
    },
    #[error("cannot prepare the lab folder {path}: {source}")]
    Workdir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the sandbox {} is not empty (it holds {}): a replayed submission starts in an empty folder, since what an earlier one left there (a link, a FIFO) would act on this grading; give an empty folder",
        .path.display(), .entry.to_string_lossy()
    )]
    SandboxInUse {
        path: PathBuf,
        entry: std::ffi::OsString,
    },
    #[error("the lab's setup failed, so the submission cannot be graded: {0}")]
    Setup(String),
    #[error("interrupted; everything this grading created has been removed")]
    Interrupted,
    #[error("grading took longer than the total limit of {0}s and was stopped")]
    TimedOut(u64),
    #[error("grading failed unexpectedly: {0}")]
    Panicked(String),
    #[error(transparent)]
    Registry(#[from] RunError),
    #[error("not the student's failure: {0}")]
    Infrastructure(Infrastructure),
}

impl GradeError {
    /// A failure of the machine rather than of the submission: worth grading once more.
    pub fn is_infrastructure(&self) -> bool {
        match self {
            GradeError::Infrastructure(_) => true,
            GradeError::Daemon(e) => e.is_connection() || matches!(e, EngineError::NoAnswer { .. }),
            _ => false,
        }
    }
}

/// A finished grading: the report, and anything cleanup could not remove (should be empty).
#[derive(Debug, Clone)]
pub struct Graded {
    pub report: GradeReport,
    pub leftovers: Vec<String>,
}

/// Grade `lab`. `interrupt` resolves when grading must stop (Ctrl-C); everything created is
/// removed in every case before this returns.
pub async fn grade(
    engine: &dyn Engine,
    lab: &Lab,
    mode: Mode,
    options: &GradeOptions,
    interrupt: impl Future<Output = ()>,
) -> Result<Graded, GradeError> {
    let replay = matches!(mode, Mode::Replay(_));
    let (namespace, run_id) = identity(options, replay);
    // Before anything is created: a namespace a live run holds is not touched at all.
    let claim = match &options.registry {
        Some(registry) => Some(
            registry
                .claim(&run_id, namespace.as_ref(), &lab.id)?
                .abandoned_if_dropped(),
        ),
        None => None,
    };
    let graded_lab = namespace
        .as_ref()
        .map_or_else(|| lab.clone(), |ns| ns.rewrite_lab(lab));
    let mut renaming = NamespacedEngine::new(engine, namespace.clone());
    if options.host_ports == HostPorts::AsWritten {
        renaming = renaming.keep_host_ports();
    }
    let translating = renaming.translates_host_ports();
    let (temp, workdir) = workdir(options)?;
    let guard = if replay {
        Some(Arc::new(sandbox_guard(
            &workdir,
            &run_id,
            options.sandbox.is_some(),
        )?))
    } else {
        None
    };
    let workdir = guard.as_ref().map_or(workdir, |g| g.root().to_path_buf());
    let mut run = lab_run(
        &renaming,
        &graded_lab,
        workdir.clone(),
        options,
        (namespace.clone(), &run_id),
        replay,
    );
    if replay {
        // Everything the lab declares must be absent in the namespace: then it is the
        // grading's own, and cleanup removes it. So must anything carrying the run label
        // (the namespace): that is another run's (one with another data folder, or one that
        // was killed), and cleanup would remove it too.
        let mut found = run.preflight().await.map_err(GradeError::Daemon)?;
        let labelled = engine
            .labelled(&crate::labels::of_run(&run_id))
            .await
            .map_err(GradeError::Daemon)?;
        for r in labelled.listed() {
            if !found.contains(&r) {
                found.push(r);
            }
        }
        if !found.is_empty() {
            return Err(GradeError::Conflict {
                namespace: namespace
                    .as_ref()
                    .map(|n| n.name().to_string())
                    .unwrap_or_default(),
                resources: found.iter().map(ToString::to_string).collect(),
            });
        }
    }

    let grader = Grader {
        run: &run,
        original: lab,
        namespace: namespace.clone(),
        options,
        policy: Policy::for_lab(lab, Some(workdir.clone())),
        guard,
        halted: Cell::new(None),
        translating,
        own_memory_limits: RefCell::new(BTreeSet::new()),
        infrastructure: Cell::new(None),
        subnets: RefCell::new(None),
    };
    let hard_limit = options.limits.total_timeout + GRACE;
    run.recorder.scope(&run.run_id, run.only_run_containers);
    let followed = run.recorder.follow(run.engine, grader.grade(mode));
    let work = std::panic::AssertUnwindSafe(followed).catch_unwind();
    let outcome = tokio::select! {
        r = work => match r {
            Ok(result) => result,
            Err(panic) => Err(GradeError::Panicked(crate::ids::panic_text(panic.as_ref()))),
        },
        () = interrupt => Err(GradeError::Interrupted),
        () = tokio::time::sleep(hard_limit) => Err(GradeError::TimedOut(options.limits.total_timeout.as_secs())),
    };
    // What carries the run label is the grading's; so are the declared resources in the
    // namespace once replay's preflight found none of them there before it started.
    let leftovers = match run.cleanup().await {
        Ok(_) => run
            .leftovers()
            .await
            .unwrap_or_else(|e| vec![format!("could not list what the grading created: {e}")]),
        Err(e) => vec![format!("could not remove what the grading created: {e}")],
    };
    // Its networks are gone (or left to `clean`): the next grading may fix its ranges.
    drop(grader);
    drop(temp);
    if let Some(claim) = claim {
        if leftovers.is_empty() {
            // Forgetting the run is bookkeeping: nothing of it is left to find.
            let _ = claim.release();
        } else {
            // `clean` removes the rest once this process has ended.
            claim.keep();
        }
    }
    outcome.map(|report| Graded { report, leftovers })
}

/// The grading's namespace and run label. Replay always runs in a namespace, and its run label
/// is the namespace, so that whatever the grading creates can be found and removed. Grading the
/// current state in a namespace must not claim the resources it grades (their creator may have
/// labelled them with that name), so it gets a fresh run label.
fn identity(options: &GradeOptions, replay: bool) -> (Option<Namespace>, String) {
    let namespace = match (&options.namespace, replay) {
        (Some(ns), _) => Some(ns.clone()),
        (None, true) => Some(Namespace::fresh()),
        (None, false) => None,
    };
    let run_id = match &namespace {
        Some(ns) if replay => ns.name().to_string(),
        _ => Namespace::fresh().name().to_string(),
    };
    (namespace, run_id)
}

/// The folder the grading works in: the caller's sandbox, else a temporary folder of its own
/// (returned too, so that it lives as long as the grading).
fn workdir(options: &GradeOptions) -> Result<(Option<tempfile::TempDir>, PathBuf), GradeError> {
    if let Some(dir) = &options.sandbox {
        return Ok((None, dir.clone()));
    }
    let temp = tempfile::Builder::new()
        .prefix("labrunner-grade-")
        .tempdir()
        .map_err(|source| GradeError::Workdir {
            path: std::env::temp_dir(),
            source,
        })?;
    let path = temp.path().to_path_buf();
    Ok((Some(temp), path))
}

/// Replay: bind mounts are set up only under the sandbox guard, and `$(pwd)` is the sandbox's
/// canonical path, which is what the guard hands the daemon. A sandbox the caller gave must be
/// empty: labrunner cannot tell what it made there from what a submission planted, so it
/// empties nothing and refuses the folder instead.
fn sandbox_guard(workdir: &Path, run_id: &str, given: bool) -> Result<SandboxGuard, GradeError> {
    let failed = |source| GradeError::Workdir {
        path: workdir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(workdir).map_err(failed)?;
    let guard =
        SandboxGuard::new(workdir, (LABEL_RUN.to_string(), run_id.to_string())).map_err(failed)?;
    if given && let Some(entry) = guard.folder().first_entry().map_err(failed)? {
        return Err(GradeError::SandboxInUse {
            path: guard.root().to_path_buf(),
            entry,
        });
    }
    Ok(guard)
}

/// The lab run a grading drives: labelled with its run id, under its limits, in its namespace.
fn lab_run<'a>(
    engine: &'a dyn Engine,
    lab: &'a Lab,
    workdir: PathBuf,
    options: &GradeOptions,
    (namespace, run_id): (Option<Namespace>, &str),
    replay: bool,
) -> LabRun<'a> {
    let mut run = LabRun::new(engine, lab, workdir, options.image_map.clone());
    run.run_id = run_id.to_string();
    run.labels = labels::run_labels(&lab.id, run_id);
    run.memory_limit = Some(options.limits.memory_bytes);
    run.pids_limit = Some(options.limits.pids);
    run.command_timeout = Some(options.limits.command_timeout);
    run.namespace = namespace;
    run.only_run_containers = replay;
    if options.sandbox.is_some() {
        // The caller's folder: used, never removed.
        run.keep_workdir();
    }
    run
}

struct Grader<'r, 'a> {
    run: &'r LabRun<'a>,
    /// The lab as written (descriptions name its resources, not the namespaced ones).
    original: &'r Lab,
    namespace: Option<Namespace>,
    options: &'r GradeOptions,
    policy: Policy,
    /// Replay: guards every container start with bind mounts.
    guard: Option<Arc<SandboxGuard>>,
    /// Set when replay must stop before the next command, with the reason.
    halted: Cell<Option<String>>,
    /// Fixed host ports are translated: the grading's own containers hold none of them.
    translating: bool,
    /// Containers (names in the namespace) whose memory limit the student chose, at or below
    /// the grading's: memory they run out of is theirs.
    own_memory_limits: RefCell<BTreeSet<String>>,
    /// Set when a failure the student did not cause stops the grading.
    infrastructure: Cell<Option<Infrastructure>>,
    /// Held from the first network with a fixed address range until cleanup has removed it.
    subnets: RefCell<Option<SubnetLease>>,
}

/// What a step's checks showed at one moment, and after which submitted line.
#[derive(Debug, Clone)]
struct Seen {
    outcomes: Vec<(CheckOutcome, Duration)>,
    /// The submission line after which this was seen; `None`: at the end, or in the state.
    after_line: Option<usize>,
}

impl Seen {
    fn passed(&self) -> Vec<bool> {
        self.outcomes
            .iter()
            .map(|(o, _)| o.verdict.passed())
            .collect()
    }
    /// How close this is to the step's goal: points of the checks that pass, then how many
    /// checks could be carried out at all (a container that exists, on the wrong network,
    /// is closer than none).
    fn closeness(&self) -> (u32, usize) {
        let points = self
            .outcomes
            .iter()
            .filter(|(o, _)| o.verdict.passed())
            .map(|(o, _)| o.points)
            .sum();
        let determinate = self
            .outcomes
            .iter()
            .filter(|(o, _)| o.verdict.cause().is_none())
            .count();
        (points, determinate)
    }
}

/// Per step: the state shown in the report. For a credited step, what was seen when it was
/// credited; otherwise the closest state the submission reached (the first of equals).
struct Progress {
    credit: Credit,
    shown: Vec<Option<Seen>>,
}

impl Progress {
    /// Take what `step`'s checks show now: it credits the step if the step is pending and
    /// every check passes (returns true), and is kept as the step's evidence if it is closer
    /// than what was kept. A credited step keeps what credited it.
    fn observe(&mut self, step: usize, seen: Seen) -> bool {
        if self.credit.is_credited(step) {
            return false;
        }
        let credited = self.credit.offer(step, &seen.passed());
        let slot = &mut self.shown[step];
        if credited
            || slot
                .as_ref()
                .is_none_or(|kept| seen.closeness() > kept.closeness())
        {
            *slot = Some(seen);
        }
        credited
    }
}

impl Grader<'_, '_> {
    async fn grade(&self, mode: Mode) -> Result<GradeReport, GradeError> {
        let started = Instant::now();
        let mut refused = Vec::new();
        let mut commands = Vec::new();
        let mut aborted = None;
        let progress = match mode {
            Mode::State => self.grade_state().await?,
            Mode::Replay(submitted) => {
                self.prepare(started + self.options.limits.total_timeout)
                    .await?;
                let mut progress = Progress {
                    credit: self.run.initial_state().await,
                    shown: vec![None; self.run.lab.steps.len()],
                };
                self.open_pending(&progress);
                let deadline = started + self.options.limits.total_timeout;
                for (i, cmd) in submitted.iter().enumerate() {
                    let now = Instant::now();
                    let halted = self.halted.take();
                    if now >= deadline || halted.is_some() {
                        let (why, short) = match halted {
                            Some(why) => (why, "grading was stopped"),
                            None => (
                                format!(
                                    "the total time limit of {}s was reached",
                                    self.options.limits.total_timeout.as_secs()
                                ),
                                "total time limit reached",
                            ),
                        };
                        aborted = Some(format!(
                            "{why}; {} command(s) were not run",
                            submitted.len() - i
                        ));
                        commands.extend(submitted[i..].iter().map(|c| CommandRecord {
                            line: c.line,
                            command: c.text.clone(),
                            outcome: CommandOutcome::NotRun,
                            detail: short.into(),
                            credited: vec![],
                        }));
                        break;
                    }
                    let line_started = crate::ids::now_ns();
                    let (mut record, started) = self.execute(cmd, deadline - now).await;
                    if let Some(cause) = self
                        .infrastructure
                        .take()
                        .or_else(|| self.out_of_memory(cmd.line))
                    {
                        return Err(GradeError::Infrastructure(cause));
                    }
                    let pending = progress.credit.pending().map(|i| &self.run.lab.steps[i]);
                    self.run.settle_line(line_started, started, pending).await;
                    if record.outcome == CommandOutcome::Refused {
                        refused.push(Refusal {
                            line: cmd.line,
                            command: cmd.text.clone(),
                            reason: record.detail.clone(),
                        });
                    }
                    record.credited = self.credit_pending(&mut progress, Some(cmd.line)).await;
                    commands.push(record);
                }
                if aborted.is_none()
                    && let Some(why) = self.halted.take()
                {
                    aborted = Some(why);
                }
                if aborted.is_none() {
                    self.finish(&mut progress).await;
                }
                let last = submitted.last().map_or(0, |c| c.line);
                if let Some(cause) = self.out_of_memory(last) {
                    return Err(GradeError::Infrastructure(cause));
                }
                progress
            }
        };
        Ok(self.report(progress, refused, commands, aborted, started.elapsed()))
    }

    /// The daemon as the student left it: what its events still remember counts for
    /// event-based checks, and credit assumes a start where nothing was done.
    async fn grade_state(&self) -> Result<Progress, GradeError> {
        let run = self.run;
        run.engine.ping().await.map_err(GradeError::Daemon)?;
        // Event-based checks see what the daemon remembers; without it they say so.
        let _ = run.recorder.read_history(run.engine, 0).await;
        let mut progress = Progress {
            credit: Credit::nominal(run.lab),
            shown: vec![None; run.lab.steps.len()],
        };
        for (i, step) in run.lab.steps.iter().enumerate() {
            let outcomes = run.evaluate_quietly(step).await;
            progress.observe(
                i,
                Seen {
                    outcomes,
                    after_line: None,
                },
            );
        }
        Ok(progress)
    }

    /// Mark the pending step opened: event-based checks count from now.
    fn open_pending(&self, progress: &Progress) {
        if let Some(step) = progress
            .credit
            .pending()
            .and_then(|i| self.run.lab.steps.get(i))
        {
            self.run.open_step(step);
        }
    }

    /// Evaluate the pending step, and the next ones as long as each is credited. Returns the
    /// ids of the steps credited.
    async fn credit_pending(&self, progress: &mut Progress, line: Option<usize>) -> Vec<String> {
        let mut credited = Vec::new();
        while let Some(i) = progress.credit.pending() {
            let step = &self.run.lab.steps[i];
            // Settled: a file the line's container is still writing is not missed because the
            // next line runs at once.
            let outcomes = self.run.evaluate_settled_quietly(step).await;
            if !progress.observe(
                i,
                Seen {
                    outcomes,
                    after_line: line,
                },
            ) {
                break;
            }
            credited.push(step.id.clone());
            self.open_pending(progress);
        }
        credited
    }

    /// The end of the submission: pending steps get a moment to settle, in order; the steps
    /// after the first one that does not pass are evaluated once, for their evidence.
    async fn finish(&self, progress: &mut Progress) {
        let run = self.run;
        self.credit_pending(progress, None).await;
        let first_open = progress.credit.pending().unwrap_or(run.lab.steps.len());
        for (i, step) in run.lab.steps.iter().enumerate().skip(first_open + 1) {
            let outcomes = run.evaluate_quietly(step).await;
            progress.observe(
                i,
                Seen {
                    outcomes,
                    after_line: None,
                },
            );
        }
    }

    /// Replay only: the lab's working folder and setup, in the namespace.
    async fn prepare(&self, deadline: Instant) -> Result<(), GradeError> {
        let run = self.run;
        run.engine.ping().await.map_err(GradeError::Daemon)?;
        run.prepare_workdir()
            .map_err(|source| GradeError::Workdir {
                path: run.workdir.clone(),
                source,
            })?;
        let fixes_subnet = run.lab.setup.iter().any(|c| {
            command::parse(c.text(), None)
                .is_ok_and(|action| command::fixed_subnet(&action).is_some())
        });
        if fixes_subnet && let Err(cause) = self.hold_subnets(deadline, 0).await? {
            return Err(GradeError::Infrastructure(cause));
        }
        let since = crate::ids::now_ns();
        run.setup().await.map_err(GradeError::Setup)?;
        // The initial state is judged like any line: once what the setup started has settled.
        run.settle_line(since, !run.lab.setup.is_empty(), None)
            .await;
        Ok(())
    }

    /// Parse, check against the policy, and run one submitted command. Also says whether the
    /// command may have started a container (its line then settles before it is judged).
    async fn execute(&self, cmd: &SubmittedCommand, remaining: Duration) -> (CommandRecord, bool) {
        let mut record = CommandRecord {
            line: cmd.line,
            command: cmd.text.clone(),
            outcome: CommandOutcome::Refused,
            detail: String::new(),
            credited: vec![],
        };
        let mut action = match self.admit(&cmd.text, cmd.line).await {
            Ok(action) => action,
            Err((outcome, detail)) => {
                record.outcome = outcome;
                record.detail = detail;
                return (record, false);
            }
        };
        let starts = matches!(
            action,
            Action::Run(_) | Action::Start { .. } | Action::Restart { .. }
        );
        self.clamp(&mut action);
        let subnet = command::fixed_subnet(&action).map(str::to_string);
        // Waiting for the fixed address ranges is not the command's time.
        let waiting = Instant::now();
        if subnet.is_some() {
            match self.hold_subnets(waiting + remaining, cmd.line).await {
                Ok(Ok(())) => {}
                Ok(Err(cause)) => {
                    self.infrastructure.set(Some(cause));
                    record.outcome = CommandOutcome::NotRun;
                    record.detail = "not run: the fixed address ranges were busy".into();
                    return (record, false);
                }
                Err(e) => {
                    record.outcome = CommandOutcome::NotRun;
                    record.detail = e.to_string();
                    self.halted.set(Some(e.to_string()));
                    return (record, false);
                }
            }
        }
        let remaining = remaining.saturating_sub(waiting.elapsed());
        let limit = self.options.limits.command_timeout.min(remaining);
        let mut ctx = self.run.apply_context();
        ctx.timeout = Some(limit);
        ctx.start_guard = self
            .guard
            .clone()
            .map(|g| g as Arc<dyn crate::engine::StartGuard>);
        // The engine enforces the limit on foreground containers and execs; this is the backstop
        // for anything else that does not answer.
        let applied = tokio::time::timeout(limit + BACKSTOP, self.run.apply(&action, &ctx)).await;
        // A command cut off inside the sandbox guard (or an unpause that failed) leaves the
        // grading's containers paused, and the daemon may still be resolving bind sources:
        // they stay paused, the replay stops here, and cleanup removes them.
        if self.guard.as_ref().is_some_and(|g| g.holds_paused()) {
            self.halted.set(Some(
                "the daemon did not finish setting up bind mounts in time, so the submission's containers stay paused and grading stopped".to_string(),
            ));
        }
        if let Some(cause) = self
            .infrastructure_of(&applied, cmd.line, limit, subnet.as_deref())
            .await
        {
            self.infrastructure.set(Some(cause));
        }
        (record.outcome, record.detail) = self.outcome_of(applied, limit);
        (record, starts)
    }

    /// A daemon error the student did not cause, if applying a line ended in one: the daemon
    /// gone or silent, or a host port held by something outside the grading.
    async fn infrastructure_of(
        &self,
        applied: &Result<Result<Outcome, EngineError>, tokio::time::error::Elapsed>,
        line: usize,
        limit: Duration,
        subnet: Option<&str>,
    ) -> Option<Infrastructure> {
        let error = match applied {
            Ok(Ok(_)) => return None,
            Ok(Err(e)) => e,
            Err(_) => {
                return Some(Infrastructure::NoAnswer {
                    line,
                    detail: format!(
                        "no answer {}s after the command's own limit of {}s",
                        BACKSTOP.as_secs(),
                        limit.as_secs()
                    ),
                });
            }
        };
        match error {
            EngineError::PortTaken { address, message } => {
                if !self.translating && self.run_holds(address).await {
                    return None;
                }
                Some(Infrastructure::PortHeld {
                    address: address.clone(),
                    line,
                    daemon: self.unname(message),
                })
            }
            EngineError::SubnetTaken { message } => {
                let subnet = subnet.unwrap_or("chosen by the daemon");
                if self.run_overlaps(subnet).await {
                    return None;
                }
                Some(Infrastructure::SubnetHeld {
                    subnet: subnet.to_string(),
                    line,
                    daemon: self.unname(message),
                })
            }
            e => lost_daemon(e, line),
        }
    }

    /// Hold the right to create networks with a fixed address range, unless already held:
    /// waits for other gradings that hold it, until `deadline`. Gradings recorded in no
    /// registry have no data folder to share it through and take none.
    async fn hold_subnets(
        &self,
        deadline: Instant,
        line: usize,
    ) -> Result<Result<(), Infrastructure>, GradeError> {
        let Some(registry) = &self.options.registry else {
            return Ok(Ok(()));
        };
        if self.subnets.borrow().is_some() {
            return Ok(Ok(()));
        }
        let waiting = Instant::now();
        match registry
            .hold_subnets(deadline.saturating_duration_since(waiting))
            .await?
        {
            Some(lease) => {
                *self.subnets.borrow_mut() = Some(lease);
                Ok(Ok(()))
            }
            None => Ok(Err(Infrastructure::SubnetsBusy {
                line,
                waited_secs: waiting.elapsed().as_secs(),
            })),
        }
    }

    /// Whether one of the grading's own networks has an address range that overlaps `subnet`:
    /// then the daemon's refusal is the submission's own conflict.
    async fn run_overlaps(&self, subnet: &str) -> bool {
        let labels = crate::labels::of_run(&self.run.run_id);
        let Ok(own) = self.run.engine.labelled(&labels).await else {
            return false;
        };
        for name in &own.networks {
            if let Ok(Some(info)) = self.run.engine.network(name).await
                && info
                    .subnets
                    .iter()
                    .any(|s| command::ranges_overlap(s, subnet))
            {
                return true;
            }
        }
        false
    }

    /// Remember a daemon that is gone or did not answer one of labrunner's own calls.
    fn note_lost_daemon(&self, e: &EngineError, line: usize) {
        if let Some(cause) = lost_daemon(e, line) {
            self.infrastructure.set(Some(cause));
        }
    }

    /// Whether one of the grading's own containers publishes `address` (`ip:port`): then a
    /// second one asking for it is the submission's own conflict.
    async fn run_holds(&self, address: &str) -> bool {
        let labels = crate::labels::of_run(&self.run.run_id);
        let Ok(own) = self.run.engine.labelled(&labels).await else {
            return false;
        };
        for name in &own.containers {
            if let Ok(Some(info)) = self.run.engine.container(name).await
                && info.ports.iter().any(|b| holds_address(b, address))
            {
                return true;
            }
        }
        false
    }

    /// A container of the grading killed for memory at the grading's own limit (not one the
    /// student chose), seen in the daemon's events so far.
    fn out_of_memory(&self, line: usize) -> Option<Infrastructure> {
        let own = self.own_memory_limits.borrow();
        let killed = self
            .run
            .recorder
            .containers_since(0)
            .into_iter()
            .find(|c| c.oom_killed && !own.contains(&c.name))?;
        Some(Infrastructure::OutOfMemory {
            container: self.unname(&killed.label()),
            limit_mib: self.options.limits.memory_bytes / (1024 * 1024),
            line,
        })
    }

    /// Parse a submitted line, check it against the policy, and make sure the image it runs is
    /// here: the action to apply, or the outcome and why it is not applied.
    async fn admit(&self, text: &str, line: usize) -> Result<Action, (CommandOutcome, String)> {
        let workdir = self.run.workdir.to_string_lossy().to_string();
        let action = command::parse(text, Some(&workdir))
            .map_err(|e| (CommandOutcome::Refused, e.to_string()))?;
        self.policy
            .check(&action)
            .map_err(|reasons| (CommandOutcome::Refused, reasons.join("; ")))?;
        // Grading never pulls: a submission must not make the daemon download what it names.
        match admit_image(self.run.engine, &self.options.image_map, &action).await {
            Ok(()) => {}
            Err(ImageRefusal::Missing { image, resolved }) => {
                return Err((
                    CommandOutcome::Refused,
                    format!(
                        "image {resolved} is not present on this machine, and grading does not pull images (map it to a local one with --image-map {image}=LOCAL)"
                    ),
                ));
            }
            Err(ImageRefusal::Daemon(e)) => {
                self.note_lost_daemon(&e, line);
                return Err((CommandOutcome::Failed, command_excerpt(&e.to_string())));
            }
        }
        Ok(action)
    }

    /// What applying a submitted command came to, told in the submission's own names.
    fn outcome_of(
        &self,
        applied: Result<Result<Outcome, EngineError>, tokio::time::error::Elapsed>,
        limit: Duration,
    ) -> (CommandOutcome, String) {
        match applied {
            Ok(Ok(out)) => {
                let detail = command_excerpt(&self.unname(&out.stdout));
                match out.failed() {
                    Some(code) => (CommandOutcome::Failed, failure(code, &detail)),
                    None => (CommandOutcome::Ran, detail),
                }
            }
            Ok(Err(EngineError::Refused(why))) => (CommandOutcome::Refused, self.unname(&why)),
            Ok(Err(EngineError::Timeout { what, secs })) => (
                CommandOutcome::TimedOut,
                self.unname(&format!("stopped after {secs}s: {what}")),
            ),
            Ok(Err(e)) => (
                CommandOutcome::Failed,
                command_excerpt(&self.unname(&e.to_string())),
            ),
            Err(_) => (
                CommandOutcome::TimedOut,
                format!("stopped after {}s without an answer", limit.as_secs()),
            ),
        }
    }

    /// Containers a submission starts get the grading's memory and process limits, whatever
    /// the command asked for.
    fn clamp(&self, action: &mut Action) {
        if let Action::Run(spec) | Action::Create(spec) = action {
            let limits = &self.options.limits;
            if let Some(name) = &spec.name
                && spec
                    .memory
                    .is_some_and(|m| m > 0 && m <= limits.memory_bytes)
            {
                let name = self
                    .namespace
                    .as_ref()
                    .map_or_else(|| name.clone(), |ns| ns.resource(name));
                self.own_memory_limits.borrow_mut().insert(name);
            }
            spec.memory = Some(
                spec.memory
                    .filter(|m| *m > 0)
                    .map_or(limits.memory_bytes, |m| m.min(limits.memory_bytes)),
            );
            spec.pids_limit = Some(
                spec.pids_limit
                    .filter(|p| *p > 0)
                    .map_or(limits.pids, |p| p.min(limits.pids)),
            );
        }
    }

    /// The report of step `index`'s checks: what was shown for it (or, where nothing was
    /// evaluated, `why_not`), scored by the credit rule.
    fn check_reports(&self, progress: &Progress, index: usize, why_not: &str) -> Vec<CheckReport> {
        let originals = &self.original.steps[index].checks;
        let Some(seen) = &progress.shown[index] else {
            return originals
                .iter()
                .map(|c| CheckReport {
                    description: check::describe(c),
                    score: 0,
                    max_score: c.points(),
                    status: Status::Error,
                    evidence: why_not.to_string(),
                    duration_ms: 0,
                })
                .collect();
        };
        // The moment scored: the state that credited the step, or the closest state a step not
        // credited reached. Say after which line that was (a later line may have undone it).
        let when = seen
            .after_line
            .map(|line| format!("after line {line}: "))
            .unwrap_or_default();
        seen.outcomes
            .iter()
            .enumerate()
            .map(|(i, (outcome, took))| {
                let description = originals
                    .get(i)
                    .map_or_else(|| outcome.description.clone(), check::describe);
                let points = outcome.points;
                let passed = outcome.verdict.passed();
                let earned = progress.credit.earns(index, i, passed);
                let status = match &outcome.verdict {
                    Verdict::Pass { .. } if !earned => Status::Unearned,
                    Verdict::Pass { .. } => Status::Passed,
                    Verdict::Fail { .. } => Status::Failed,
                    Verdict::Unknown { .. } => Status::Error,
                };
                let mut evidence = format!("{when}{}", self.unname(outcome.verdict.text()));
                if passed && !earned {
                    evidence.push_str(if progress.credit.pending() == Some(index) {
                        " (no points: it already held before anything was done)"
                    } else if progress.credit.is_credited(index) {
                        " (no points: it held before anything was done)"
                    } else {
                        " (no points yet: an earlier step is not done)"
                    });
                }
                CheckReport {
                    description,
                    score: if earned { points } else { 0 },
                    max_score: points,
                    status,
                    evidence,
                    duration_ms: u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
                }
            })
            .collect()
    }

    /// Namespaced names shown as the lab's names (`lr-k3x9q2-db` as `db`).
    fn unname(&self, text: &str) -> String {
        self.run.unname(text)
    }

    fn report(
        &self,
        progress: Progress,
        refused: Vec<Refusal>,
        commands: Vec<CommandRecord>,
        aborted: Option<String>,
        took: Duration,
    ) -> GradeReport {
        let why_not = if aborted.is_some() {
            "not evaluated: the total time limit was reached"
        } else {
            "not evaluated"
        };
        let steps: Vec<StepReport> = self
            .original
            .steps
            .iter()
            .enumerate()
            .map(|(i, step)| StepReport {
                id: step.id.clone(),
                title: step.title.clone(),
                credited: progress.credit.is_credited(i),
                checks: self.check_reports(&progress, i, why_not),
            })
            .collect();
        let score = steps
            .iter()
            .flat_map(|s| s.checks.iter())
            .map(|c| c.score)
            .sum();
        let max_score = self.original.max_score();
        GradeReport {
            lab_id: self.original.id.clone(),
            lab_title: self.original.title.clone(),
            namespace: self.namespace.as_ref().map(|n| n.name().to_string()),
            started_at: self.options.started_at,
            duration_ms: u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
            steps,
            score,
            max_score,
            refused,
            commands,
            aborted,
        }
    }
}

/// A daemon that is gone, or did not answer one of labrunner's own calls.
fn lost_daemon(e: &EngineError, line: usize) -> Option<Infrastructure> {
    let detail = e.to_string();
    match e {
        EngineError::NoAnswer { .. } => Some(Infrastructure::NoAnswer { line, detail }),
        e if e.is_connection() => Some(Infrastructure::DaemonLost { line, detail }),
        _ => None,
    }
}

/// Whether a binding holds host address `address` (`ip:port`); a binding on every address
/// holds each of them.
fn holds_address(b: &PortBinding, address: &str) -> bool {
    let Some((ip, port)) = address.rsplit_once(':') else {
        return false;
    };
    let every = |ip: &str| ip.is_empty() || ip == "0.0.0.0" || ip == "::" || ip == "[::]";
    port.parse() == Ok(b.reached_at()) && (b.host_ip == ip || every(&b.host_ip) || every(ip))
}

/// How much of a command's output or error a grading report keeps for each line of the
/// submission (lines kept). A check's evidence is shorter and on one line:
/// `EXCERPT_CHARS` in `check/support.rs`.
const COMMAND_EXCERPT_CHARS: usize = 300;

/// At most [`COMMAND_EXCERPT_CHARS`] characters of a command's output, trimmed.
fn command_excerpt(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(COMMAND_EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_bounded() {
        assert_eq!(command_excerpt("  short \n"), "short");
        let long = "x".repeat(400);
        assert_eq!(command_excerpt(&long).len(), 303);
    }
}

#[cfg(test)]
mod fake_tests;

#[cfg(test)]
mod status_tests;
