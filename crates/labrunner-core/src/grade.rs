//! Grading a lab headless: against the daemon's current state, or by replaying a submission.
//!
//! Current state: every step's checks are evaluated once, as things are; nothing is created
//! except the helper containers checks need, and nothing the student made is touched.
//!
//! Replay: the lab's setup runs, then the submission command by command, through the parser,
//! the refusal [`Policy`] and a [`NamespacedEngine`]. After each command the first pending
//! step's checks are evaluated; a step is credited once its checks pass after its predecessors
//! were credited, and its points are kept even if a later command undoes its work. At the end,
//! steps still pending are evaluated once more for partial credit.
//!
//! Whatever happens (a failure, the total time limit, Ctrl-C, a panic), everything the grading
//! created carries its run label and is removed before [`grade`] returns.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::FutureExt;
use futures_util::future::join_all;

use crate::check::{self, CheckEnv, Verdict};
use crate::command::{self, Action};
use crate::engine::{Engine, EngineError, LABEL_RUN};
use crate::images::ImageMap;
use crate::lab::{Lab, Step};
use crate::namespace::{Namespace, NamespacedEngine};
use crate::report::{
    CheckReport, CommandOutcome, CommandRecord, GradeReport, Refusal, Status, StepReport,
};
use crate::runner::{LABEL_ROLE, LabRun, ResourceKind, declared};
use crate::submission::{Limits, Policy, SubmittedCommand};

/// How long the final evaluation waits for a pending step to settle (a name resolves a moment
/// after its container starts; a server needs a moment to listen).
pub const SETTLE_WINDOW: Duration = Duration::from_secs(3);

/// Extra time, beyond the total limit, for the last check and cleanup before grading is cut off.
const GRACE: Duration = Duration::from_secs(30);

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
    #[error("the lab's setup failed, so the submission cannot be graded: {0}")]
    Setup(String),
    #[error("interrupted; everything this grading created has been removed")]
    Interrupted,
    #[error("grading took longer than the total limit of {0}s and was stopped")]
    TimedOut(u64),
    #[error("grading failed unexpectedly: {0}")]
    Panicked(String),
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
    // Replay always runs in a namespace; the run label is the namespace, so that whatever the
    // grading creates can be found and removed.
    let namespace = match (&options.namespace, replay) {
        (Some(ns), _) => Some(ns.clone()),
        (None, true) => Some(Namespace::fresh()),
        (None, false) => None,
    };
    // The run label marks what this grading creates, so cleanup removes exactly that. In
    // replay it is the namespace; grading the current state in a namespace must not claim the
    // resources it grades (their creator may have labelled them with that name), so it gets a
    // fresh one.
    let run_id = match &namespace {
        Some(ns) if replay => ns.name().to_string(),
        _ => Namespace::fresh().name().to_string(),
    };
    let graded_lab = namespace
        .as_ref()
        .map_or_else(|| lab.clone(), |ns| ns.rewrite_lab(lab));
    let renaming = NamespacedEngine::new(engine, namespace.clone());

    let temp = match &options.sandbox {
        Some(_) => None,
        None => Some(
            tempfile::Builder::new()
                .prefix("labrunner-grade-")
                .tempdir()
                .map_err(|source| GradeError::Workdir {
                    path: std::env::temp_dir(),
                    source,
                })?,
        ),
    };
    let workdir = match (&options.sandbox, &temp) {
        (Some(dir), _) => dir.clone(),
        (None, Some(t)) => t.path().to_path_buf(),
        (None, None) => std::env::temp_dir(),
    };

    let mut run = LabRun::new(
        &renaming,
        &graded_lab,
        workdir.clone(),
        options.image_map.clone(),
    );
    run.run_id = run_id.clone();
    run.labels.insert(LABEL_RUN.to_string(), run_id.clone());
    run.memory_limit = Some(options.limits.memory_bytes);
    run.pids_limit = Some(options.limits.pids);
    run.command_timeout = Some(options.limits.command_timeout);
    if !replay {
        // The student worked before grading started: `ran` checks look at all exec events the
        // daemon still remembers.
        run.since = 0;
    }

    let grader = Grader {
        run: &run,
        original: lab,
        namespace: namespace.clone(),
        options,
        policy: Policy::for_lab(lab, Some(workdir.clone())),
        owns_declared: Cell::new(false),
    };
    let hard_limit = options.limits.total_timeout + GRACE;
    let work = std::panic::AssertUnwindSafe(grader.grade(mode)).catch_unwind();
    let outcome = tokio::select! {
        r = work => match r {
            Ok(result) => result,
            Err(panic) => Err(GradeError::Panicked(panic_text(&panic))),
        },
        () = interrupt => Err(GradeError::Interrupted),
        () = tokio::time::sleep(hard_limit) => Err(GradeError::TimedOut(options.limits.total_timeout.as_secs())),
    };
    // Declared resources in the namespace are the grading's own once replay has checked that
    // none of them existed before it started; until then only labelled ones are.
    let leftovers = cleanup(engine, &run_id, &graded_lab, grader.owns_declared.get()).await;
    drop(temp);
    outcome.map(|report| Graded { report, leftovers })
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "panic".to_string())
}

/// Remove everything carrying the run label (containers first: networks and volumes in use
/// cannot be removed), and in replay the lab's declared resources in the namespace. Returns
/// what could not be removed.
async fn cleanup(engine: &dyn Engine, run_id: &str, lab: &Lab, owns_declared: bool) -> Vec<String> {
    let mut left = Vec::new();
    let label = [(LABEL_RUN.to_string(), run_id.to_string())];
    // Two rounds: a container removed in the first frees the network or volume for the second.
    for _ in 0..2 {
        left.clear();
        let owned = match engine.labelled(&label).await {
            Ok(owned) => owned,
            Err(e) => {
                left.push(format!("could not list what the grading created: {e}"));
                return left;
            }
        };
        let mut containers = owned.containers;
        let mut networks = owned.networks;
        let mut volumes = owned.volumes;
        if owns_declared {
            for r in declared(lab) {
                match r.kind {
                    ResourceKind::Container => containers.push(r.name),
                    ResourceKind::Network => networks.push(r.name),
                    ResourceKind::Volume => volumes.push(r.name),
                }
            }
        }
        for list in [&mut containers, &mut networks, &mut volumes] {
            list.sort();
            list.dedup();
        }
        for c in &containers {
            if let Err(e) = engine.remove_container(c).await {
                left.push(format!("container {c}: {e}"));
            }
        }
        for n in &networks {
            match engine.network(n).await {
                Ok(None) => {}
                _ => {
                    if let Err(e) = engine.remove_network(n).await {
                        left.push(format!("network {n}: {e}"));
                    }
                }
            }
        }
        for v in &volumes {
            match engine.volume(v).await {
                Ok(None) => {}
                _ => {
                    if let Err(e) = engine.remove_volume(v).await {
                        left.push(format!("volume {v}: {e}"));
                    }
                }
            }
        }
        if left.is_empty() {
            break;
        }
    }
    left
}

struct Grader<'r, 'a> {
    run: &'r LabRun<'a>,
    /// The lab as written (descriptions name its resources, not the namespaced ones).
    original: &'r Lab,
    namespace: Option<Namespace>,
    options: &'r GradeOptions,
    policy: Policy,
    /// Set once replay has found none of the lab's declared resources in the namespace.
    owns_declared: Cell<bool>,
}

/// Per step: credited, and the latest report of each check.
struct Progress {
    credited: Vec<bool>,
    checks: Vec<Vec<CheckReport>>,
}

impl Grader<'_, '_> {
    async fn grade(&self, mode: Mode) -> Result<GradeReport, GradeError> {
        let started = Instant::now();
        let lab = self.run.lab;
        let mut progress = Progress {
            credited: vec![false; lab.steps.len()],
            checks: lab.steps.iter().map(|_| Vec::new()).collect(),
        };
        let mut refused = Vec::new();
        let mut commands = Vec::new();
        let mut aborted = None;
        match mode {
            Mode::State => {
                self.run
                    .engine
                    .version()
                    .await
                    .map_err(GradeError::Daemon)?;
                for i in 0..lab.steps.len() {
                    let reports = self.evaluate(i).await;
                    progress.credited[i] = reports.iter().all(|c| c.status == Status::Passed);
                    progress.checks[i] = reports;
                }
            }
            Mode::Replay(submitted) => {
                self.prepare().await?;
                let deadline = started + self.options.limits.total_timeout;
                let mut next = 0;
                for (i, cmd) in submitted.iter().enumerate() {
                    let now = Instant::now();
                    if now >= deadline {
                        aborted = Some(format!(
                            "the total time limit of {}s was reached; {} command(s) were not run",
                            self.options.limits.total_timeout.as_secs(),
                            submitted.len() - i
                        ));
                        commands.extend(submitted[i..].iter().map(|c| CommandRecord {
                            line: c.line,
                            command: c.text.clone(),
                            outcome: CommandOutcome::NotRun,
                            detail: "total time limit reached".into(),
                            credited: vec![],
                        }));
                        break;
                    }
                    let mut record = self.execute(cmd, deadline - now).await;
                    if record.outcome == CommandOutcome::Refused {
                        refused.push(Refusal {
                            line: cmd.line,
                            command: cmd.text.clone(),
                            reason: record.detail.clone(),
                        });
                    }
                    // Credit pending steps in order, as far as they pass now.
                    while next < lab.steps.len() {
                        let reports = self.evaluate(next).await;
                        let passed = reports.iter().all(|c| c.status == Status::Passed);
                        progress.checks[next] = reports;
                        if !passed {
                            break;
                        }
                        progress.credited[next] = true;
                        record.credited.push(lab.steps[next].id.clone());
                        next += 1;
                    }
                    commands.push(record);
                }
                // The end of the submission: pending steps get a moment to settle, in order,
                // then whatever still does not pass is evaluated once for partial credit.
                if aborted.is_none() {
                    while next < lab.steps.len() {
                        let reports = self.evaluate_settled(next, SETTLE_WINDOW).await;
                        let passed = reports.iter().all(|c| c.status == Status::Passed);
                        progress.checks[next] = reports;
                        if !passed {
                            break;
                        }
                        progress.credited[next] = true;
                        next += 1;
                    }
                    for i in next + 1..lab.steps.len() {
                        progress.checks[i] = self.evaluate(i).await;
                    }
                } else {
                    for i in next..lab.steps.len() {
                        if progress.checks[i].is_empty() {
                            progress.checks[i] = self.not_evaluated(
                                i,
                                "not evaluated: the total time limit was reached",
                            );
                        }
                    }
                }
            }
        }
        Ok(self.report(progress, refused, commands, aborted, started.elapsed()))
    }

    /// Replay only: the lab's working folder and setup, in the namespace.
    async fn prepare(&self) -> Result<(), GradeError> {
        let run = self.run;
        run.engine.version().await.map_err(GradeError::Daemon)?;
        let mut found = Vec::new();
        for r in declared(run.lab) {
            let exists = match r.kind {
                ResourceKind::Container => run.engine.container(&r.name).await.map(|c| c.is_some()),
                ResourceKind::Network => run.engine.network(&r.name).await.map(|n| n.is_some()),
                ResourceKind::Volume => run.engine.volume(&r.name).await.map(|v| v.is_some()),
            }
            .map_err(GradeError::Daemon)?;
            if exists {
                found.push(r.to_string());
            }
        }
        if !found.is_empty() {
            return Err(GradeError::Conflict {
                namespace: self
                    .namespace
                    .as_ref()
                    .map(|n| n.name().to_string())
                    .unwrap_or_default(),
                resources: found,
            });
        }
        self.owns_declared.set(true);
        self.write_lab_files()?;
        run.setup().await.map_err(GradeError::Setup)
    }

    /// The lab's files, written into the working folder where they are not there yet (a
    /// caller's sandbox is never overwritten).
    fn write_lab_files(&self) -> Result<(), GradeError> {
        let workdir = &self.run.workdir;
        let err = |source| GradeError::Workdir {
            path: workdir.clone(),
            source,
        };
        std::fs::create_dir_all(workdir).map_err(err)?;
        for (rel, content) in &self.run.lab.files {
            let rel_path = std::path::Path::new(rel);
            if rel_path.is_absolute()
                || rel_path
                    .components()
                    .any(|c| matches!(c, std::path::Component::ParentDir))
            {
                return Err(err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("lab file {rel} must be a relative path inside the lab folder"),
                )));
            }
            let path = workdir.join(rel_path);
            if path.exists() {
                continue;
            }
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(err)?;
            }
            std::fs::write(&path, content).map_err(err)?;
        }
        Ok(())
    }

    /// Parse, check against the policy, and run one submitted command.
    async fn execute(&self, cmd: &SubmittedCommand, remaining: Duration) -> CommandRecord {
        let mut record = CommandRecord {
            line: cmd.line,
            command: cmd.text.clone(),
            outcome: CommandOutcome::Refused,
            detail: String::new(),
            credited: vec![],
        };
        let workdir = self.run.workdir.to_string_lossy().to_string();
        let mut action = match command::parse(&cmd.text, Some(&workdir)) {
            Ok(a) => a,
            Err(e) => {
                record.detail = e.to_string();
                return record;
            }
        };
        if let Err(reasons) = self.policy.check(&action) {
            record.detail = reasons.join("; ");
            return record;
        }
        // Grading never pulls: a submission must not make the daemon download what it names.
        if let Action::Run(spec) | Action::Create(spec) = &action {
            let image = self.options.image_map.resolve(&spec.image);
            match self.run.engine.image_present(image).await {
                Ok(true) => {}
                Ok(false) => {
                    record.detail = format!(
                        "image {image} is not present on this machine, and grading does not pull images (map it to a local one with --image-map {}=LOCAL)",
                        spec.image
                    );
                    return record;
                }
                Err(e) => {
                    record.outcome = CommandOutcome::Failed;
                    record.detail = excerpt(&e.to_string());
                    return record;
                }
            }
        }
        self.clamp(&mut action);
        let limit = self.options.limits.command_timeout.min(remaining);
        let mut ctx = self.run.apply_context();
        ctx.timeout = Some(limit);
        // The engine enforces the limit on foreground containers and execs; this is the backstop
        // for anything else that does not answer.
        let applied = tokio::time::timeout(
            limit + Duration::from_secs(5),
            self.run.engine.apply(&action, &ctx),
        )
        .await;
        match applied {
            Ok(Ok(out)) => {
                record.outcome = match out.exit_code {
                    Some(code) if code != 0 => CommandOutcome::Failed,
                    _ => CommandOutcome::Ran,
                };
                record.detail = excerpt(&self.unname(&out.stdout));
                if let Some(code) = out.exit_code.filter(|c| *c != 0) {
                    record.detail = format!("exit code {code}. {}", record.detail)
                        .trim()
                        .to_string();
                }
            }
            Ok(Err(EngineError::Timeout { what, secs })) => {
                record.outcome = CommandOutcome::TimedOut;
                record.detail = self.unname(&format!("stopped after {secs}s: {what}"));
            }
            Ok(Err(e)) => {
                record.outcome = CommandOutcome::Failed;
                record.detail = excerpt(&self.unname(&e.to_string()));
            }
            Err(_) => {
                record.outcome = CommandOutcome::TimedOut;
                record.detail = format!("stopped after {}s without an answer", limit.as_secs());
            }
        }
        record
    }

    /// Containers a submission starts get the grading's memory and process limits, whatever
    /// the command asked for.
    fn clamp(&self, action: &mut Action) {
        if let Action::Run(spec) | Action::Create(spec) = action {
            let limits = &self.options.limits;
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

    fn env_labels(&self) -> BTreeMap<String, String> {
        let mut labels = self.run.labels.clone();
        labels.insert(LABEL_ROLE.to_string(), "check".to_string());
        labels
    }

    /// Evaluate a step's checks concurrently, each timed.
    async fn evaluate(&self, index: usize) -> Vec<CheckReport> {
        let step: &Step = &self.run.lab.steps[index];
        let labels = self.env_labels();
        let env = CheckEnv {
            labels: &labels,
            ..self.run.check_env()
        };
        let env = &env;
        let timed = step.checks.iter().map(|c| async move {
            let t = Instant::now();
            let verdict = check::evaluate(c, env).await;
            (verdict, t.elapsed())
        });
        let results = join_all(timed).await;
        let originals = self
            .original
            .steps
            .get(index)
            .map(|s| s.checks.as_slice())
            .unwrap_or(&[]);
        step.checks
            .iter()
            .zip(results)
            .enumerate()
            .map(|(i, (c, (verdict, took)))| {
                let description = originals
                    .get(i)
                    .map_or_else(|| check::describe(c), check::describe);
                let points = c.points();
                let (status, score) = match &verdict {
                    Verdict::Pass { .. } => (Status::Passed, points),
                    Verdict::Fail { .. } => (Status::Failed, 0),
                    Verdict::Unknown { .. } => (Status::Error, 0),
                };
                CheckReport {
                    description,
                    score,
                    max_score: points,
                    status,
                    evidence: self.unname(verdict.text()),
                    duration_ms: u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
                }
            })
            .collect()
    }

    async fn evaluate_settled(&self, index: usize, window: Duration) -> Vec<CheckReport> {
        let deadline = Instant::now() + window;
        loop {
            let reports = self.evaluate(index).await;
            if reports.iter().all(|c| c.status == Status::Passed) || Instant::now() >= deadline {
                return reports;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    fn not_evaluated(&self, index: usize, why: &str) -> Vec<CheckReport> {
        self.original.steps[index]
            .checks
            .iter()
            .map(|c| CheckReport {
                description: check::describe(c),
                score: 0,
                max_score: c.points(),
                status: Status::Error,
                evidence: why.to_string(),
                duration_ms: 0,
            })
            .collect()
    }

    /// Namespaced names shown as the lab's names (`lr-k3x9q2-db` as `db`).
    fn unname(&self, text: &str) -> String {
        match &self.namespace {
            Some(ns) => text.replace(&format!("{}-", ns.name()), ""),
            None => text.to_string(),
        }
    }

    fn report(
        &self,
        progress: Progress,
        refused: Vec<Refusal>,
        commands: Vec<CommandRecord>,
        aborted: Option<String>,
        took: Duration,
    ) -> GradeReport {
        let steps: Vec<StepReport> = self
            .original
            .steps
            .iter()
            .zip(progress.checks)
            .zip(progress.credited)
            .map(|((step, checks), credited)| StepReport {
                id: step.id.clone(),
                title: step.title.clone(),
                credited,
                checks,
            })
            .collect();
        let score = steps
            .iter()
            .flat_map(|s| s.checks.iter())
            .map(|c| c.score)
            .sum();
        let max_score = self
            .original
            .steps
            .iter()
            .flat_map(|s| s.checks.iter())
            .map(|c| c.points())
            .sum();
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

/// At most 300 characters of output.
fn excerpt(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(300) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_bounded() {
        assert_eq!(excerpt("  short \n"), "short");
        let long = "x".repeat(400);
        assert_eq!(excerpt(&long).len(), 303);
    }
}

#[cfg(test)]
mod fake_tests;
