//! Evaluating declarative checks against the engine. A failed check is data, not an error.
//!
//! Every evaluation first observes whether the condition holds (with evidence), or finds that it
//! cannot tell ([`Verdict::Unknown`] with a typed [`Cause`]: daemon gone, container not running,
//! no `ping` in the image, ping not permitted, ...). `expect: false` then turns "holds" into a
//! failure. Each kind lives in a file of its own; this module only dispatches.

mod attached;
mod command_fails;
mod container;
mod container_ran;
mod exec;
mod file;
mod host_file;
mod image;
mod loopback_only;
mod mount;
mod network;
mod output;
pub mod probes;
mod published;
mod ran;
mod reachable;
mod resolves;
mod support;
mod user;
mod volume;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::OnceCell;

use crate::engine::{ContainerInfo, Engine, EngineError, Resources};
use crate::images::ImageMap;
use crate::lab::{Check, CheckKind, ContainerState};
use crate::recorder::Recorder;

pub use support::climbs;

/// Time limit for one check, whatever it does.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(20);
/// Time limit for a command a check runs inside a container.
const EXEC_TIMEOUT: Duration = Duration::from_secs(10);
/// How many checks of one step run at once.
pub const CHECK_CONCURRENCY: usize = 8;

/// The bounded waits for what no daemon event reveals: how long after a command returned (or an
/// event arrived) a check's answer may still trail the change, so a failing check is asked again
/// until then. Everything else the daemon has done by the time it answers.
pub mod lag {
    use std::time::Duration;

    /// A just-started container's process writes its files and prints its output.
    pub const PROCESS_WRITES: Duration = Duration::from_secs(1);
    /// The daemon's event of a command (exec, container start and end) reaches the record that
    /// event-based checks read.
    pub const EVENT_DELIVERY: Duration = Duration::from_secs(1);
    /// Docker's embedded DNS answers for a container that just joined a network.
    pub const DNS_REGISTRATION: Duration = Duration::from_secs(2);
    /// The daemon restarts a container by its restart policy (after 100 ms, then twice as long
    /// each time).
    pub const DAEMON_RESTARTS: Duration = Duration::from_secs(3);
    /// A server in a just-started container listens on its port (behind the port proxy too).
    pub const SERVER_LISTENS: Duration = Duration::from_secs(3);
    /// A failing check that may still trail is asked again after as long as the change is old
    /// (so the waits roughly double), no sooner than this ...
    pub const FIRST_RETRY: Duration = Duration::from_millis(20);
    /// ... and no later than this.
    pub const RETRY: Duration = Duration::from_millis(100);
}

/// Whether a check reads the daemon's events (as the run's recorder holds them) rather than
/// asking the daemon about the state.
pub fn reads_events(check: &Check) -> bool {
    matches!(
        check.kind(),
        Some(CheckKind::Ran(_) | CheckKind::ContainerRan(_))
    )
}

/// How long `check`'s answer may trail the change that makes it hold: zero for what the daemon
/// reports as done when it answers (networks, volumes, containers, attachments, mounts, images).
pub fn lag(check: &Check) -> Duration {
    match check.kind() {
        Some(
            CheckKind::File(_)
            | CheckKind::HostFile(_)
            | CheckKind::Output(_)
            | CheckKind::Exec(_)
            | CheckKind::CommandFails(_),
        ) => lag::PROCESS_WRITES,
        _ if reads_events(check) => lag::EVENT_DELIVERY,
        Some(CheckKind::Resolves(_)) => lag::DNS_REGISTRATION,
        Some(CheckKind::Reachable(_) | CheckKind::Published(_) | CheckKind::LoopbackOnly(_)) => {
            lag::SERVER_LISTENS
        }
        Some(CheckKind::Container(c)) if c.restarts.is_some() => lag::DAEMON_RESTARTS,
        // A container's own process ends a moment after it started.
        Some(CheckKind::Container(c)) if c.state == ContainerState::Exited => lag::PROCESS_WRITES,
        _ => Duration::ZERO,
    }
}

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// The condition holds as expected; `evidence` says what was seen.
    Pass { evidence: String },
    /// The condition does not hold as expected; `evidence` says what was seen instead.
    Fail { evidence: String },
    /// The check could not be carried out; `cause` says why as a value, `reason` in words.
    Unknown {
        #[serde(skip)]
        cause: Cause,
        reason: String,
    },
}

/// Why a check could not be carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// The daemon is gone, refuses permission, or is too old: nothing can be checked.
    DaemonUnreachable,
    /// The daemon or the check did not answer in time.
    TimedOut,
    /// The container a command must run in does not exist.
    NoSuchContainer,
    /// The container a command must run in exists but does not run.
    NotRunning,
    /// The image has no such command (`ping`, `nc`, ...).
    NoSuchCommand,
    /// The command is not permitted in the container (ping without NET_RAW).
    NotPermitted,
    /// The command answered in a way the check does not understand.
    UnexpectedAnswer,
    /// The check itself is unusable (no kind, a bad pattern, a command that does not parse).
    InvalidCheck,
    /// The daemon refused a request the check made.
    #[default]
    DaemonRefused,
    /// What the check needs was not seen: the daemon's events were not being followed, or a
    /// container was gone before it could be inspected or its output read.
    NotObserved,
}

impl Cause {
    /// True when the daemon itself is gone, as opposed to one check not working out.
    pub fn is_connection(self) -> bool {
        self == Cause::DaemonUnreachable
    }
}

/// A check that could not be carried out: why, as a value and in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    pub cause: Cause,
    pub reason: String,
}

impl Unknown {
    pub fn new(cause: Cause, reason: impl Into<String>) -> Self {
        Unknown {
            cause,
            reason: reason.into(),
        }
    }
}

impl From<crate::engine::EngineError> for Unknown {
    fn from(e: crate::engine::EngineError) -> Self {
        use crate::engine::EngineError;
        let cause = match &e {
            _ if e.is_connection() => Cause::DaemonUnreachable,
            EngineError::Timeout { .. } | EngineError::NoAnswer { .. } => Cause::TimedOut,
            _ => Cause::DaemonRefused,
        };
        Unknown::new(cause, format!("could not check: {e}"))
    }
}

impl Verdict {
    pub fn passed(&self) -> bool {
        matches!(self, Verdict::Pass { .. })
    }
    pub fn text(&self) -> &str {
        match self {
            Verdict::Pass { evidence } | Verdict::Fail { evidence } => evidence,
            Verdict::Unknown { reason, .. } => reason,
        }
    }
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Pass { .. } => "pass",
            Verdict::Fail { .. } => "fail",
            Verdict::Unknown { .. } => "unknown",
        }
    }
    /// Why the check could not be carried out, if it could not.
    pub fn cause(&self) -> Option<Cause> {
        match self {
            Verdict::Unknown { cause, .. } => Some(*cause),
            _ => None,
        }
    }
}

impl From<Unknown> for Verdict {
    fn from(u: Unknown) -> Self {
        Verdict::Unknown {
            cause: u.cause,
            reason: u.reason,
        }
    }
}

/// One check's outcome, with where it belongs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckOutcome {
    pub step: String,
    pub index: usize,
    /// Plain-English description of what was checked.
    pub description: String,
    pub points: u32,
    #[serde(flatten)]
    pub verdict: Verdict,
}

/// What checks need besides the check itself.
pub struct CheckEnv<'a> {
    pub engine: &'a dyn Engine,
    /// Image for helper containers (already the lab's default image; mapped here).
    pub helper_image: &'a str,
    pub image_map: &'a ImageMap,
    /// The lab's working folder: `$(pwd)` in commands and bind sources.
    pub workdir: &'a Path,
    /// Labels for anything a check creates (helper containers).
    pub labels: &'a BTreeMap<String, String>,
    /// What happened on the daemon: containers created and commands exec'd.
    pub recorder: &'a Recorder,
    /// When the step being evaluated opened (nanoseconds since the Unix epoch): event-based
    /// checks count only what happened since.
    pub opened_ns: i64,
    /// How labrunner's own probes begin ([`probes::own_exec_prefixes`]): never the student's.
    pub own_execs: &'a HashSet<String>,
    /// The run being checked: containers labelled with another run are never its.
    pub run_id: &'a str,
    /// Only containers carrying this run's label count (a grading or `test`, where labrunner
    /// starts every container); otherwise unlabelled ones (the student's shell) count too.
    pub only_run_containers: bool,
    /// Volumes the run created that no container has been given since: empty, without asking.
    pub known_empty: std::collections::BTreeSet<String>,
    /// What the daemon answered in this round of checks: checks that look at the same container
    /// share one answer.
    pub inspections: &'a Inspections,
}

/// One inspect per container, and at most one listing of everything, per round of checks.
#[derive(Default)]
pub struct Inspections {
    containers: Mutex<HashMap<String, Arc<OnceCell<Inspected>>>>,
    candidates: OnceCell<Option<Resources>>,
}

type Inspected = Result<Option<ContainerInfo>, EngineError>;

impl CheckEnv<'_> {
    /// The container named `name`, inspected once per round.
    async fn container(&self, name: &str) -> Inspected {
        let cell = {
            let mut seen = self
                .inspections
                .containers
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            Arc::clone(seen.entry(name.to_string()).or_default())
        };
        cell.get_or_init(|| self.engine.container(name))
            .await
            .clone()
    }

    /// The containers, networks and volumes a near miss may be among, listed once per round
    /// (`None` when the daemon cannot list): the run's own where labrunner starts every
    /// container, else everything on the daemon.
    async fn candidates(&self) -> Option<&Resources> {
        let own = crate::labels::of_run(self.run_id);
        let labels: &[(String, String)] = if self.only_run_containers { &own } else { &[] };
        self.inspections
            .candidates
            .get_or_init(|| async { self.engine.labelled(labels).await.ok() })
            .await
            .as_ref()
    }
}

/// Whether the condition holds, and what was seen.
struct Observation {
    holds: bool,
    evidence: String,
}

type Observed = Result<Observation, Unknown>;

fn observation(holds: bool, evidence: impl Into<String>) -> Observed {
    Ok(Observation {
        holds,
        evidence: evidence.into(),
    })
}

fn holds(evidence: impl Into<String>) -> Observed {
    observation(true, evidence)
}

fn not_holds(evidence: impl Into<String>) -> Observed {
    observation(false, evidence)
}

/// Evaluate one check. Never fails: problems become [`Verdict::Unknown`].
pub async fn evaluate(check: &Check, env: &CheckEnv<'_>) -> Verdict {
    let Some(kind) = check.kind() else {
        return Unknown::new(
            Cause::InvalidCheck,
            "the check does not name exactly one kind",
        )
        .into();
    };
    let observed = match tokio::time::timeout(CHECK_TIMEOUT, observe(kind, env)).await {
        Ok(o) => o,
        Err(_) => Err(Unknown::new(
            Cause::TimedOut,
            format!(
                "could not check: no answer within {}s",
                CHECK_TIMEOUT.as_secs()
            ),
        )),
    };
    match observed {
        Err(unknown) => unknown.into(),
        Ok(o) if o.holds == check.expect() => Verdict::Pass {
            evidence: o.evidence,
        },
        Ok(o) => Verdict::Fail {
            evidence: o.evidence,
        },
    }
}

/// Plain-English description of what a check asks for: its title, or one made from its kind.
pub fn describe(check: &Check) -> String {
    if let Some(title) = &check.title {
        return title.clone();
    }
    let positive = check.expect();
    match check.kind() {
        None => "invalid check".into(),
        Some(kind) => match kind {
            CheckKind::Network(c) => network::describe(c, positive),
            CheckKind::Volume(c) => volume::describe(c, positive),
            CheckKind::Container(c) => container::describe(c, positive),
            CheckKind::Attached(c) => attached::describe(c, positive),
            CheckKind::File(c) => file::describe(c, positive),
            CheckKind::Resolves(c) => resolves::describe(c, positive),
            CheckKind::Reachable(c) => reachable::describe(c, positive),
            CheckKind::Published(c) => published::describe(c, positive),
            CheckKind::Mount(c) => mount::describe(c, positive),
            CheckKind::LoopbackOnly(c) => loopback_only::describe(c, positive),
            CheckKind::Exec(c) => exec::describe(c, positive),
            CheckKind::CommandFails(c) => command_fails::describe(c),
            CheckKind::Image(c) => image::describe(c, positive),
            CheckKind::Ran(c) => ran::describe(c, positive),
            CheckKind::ContainerRan(c) => container_ran::describe(c, positive),
            CheckKind::HostFile(c) => host_file::describe(c, positive),
            CheckKind::Output(c) => output::describe(c, positive),
            CheckKind::User(c) => user::describe(c, positive),
        },
    }
}

async fn observe(kind: CheckKind<'_>, env: &CheckEnv<'_>) -> Observed {
    match kind {
        CheckKind::Network(c) => network::observe(c, env).await,
        CheckKind::Volume(c) => volume::observe(c, env).await,
        CheckKind::Container(c) => container::observe(c, env).await,
        CheckKind::Attached(c) => attached::observe(c, env).await,
        CheckKind::File(c) => file::observe(c, env).await,
        CheckKind::Resolves(c) => resolves::observe(c, env).await,
        CheckKind::Reachable(c) => reachable::observe(c, env).await,
        CheckKind::Published(c) => published::observe(c, env).await,
        CheckKind::Mount(c) => mount::observe(c, env).await,
        CheckKind::LoopbackOnly(c) => loopback_only::observe(c, env).await,
        CheckKind::Exec(c) => exec::observe(c, env).await,
        CheckKind::CommandFails(c) => command_fails::observe(c, env).await,
        CheckKind::Image(c) => image::observe(c, env).await,
        CheckKind::Ran(c) => ran::observe(c, env).await,
        CheckKind::ContainerRan(c) => container_ran::observe(c, env).await,
        CheckKind::HostFile(c) => host_file::observe(c, env).await,
        CheckKind::Output(c) => output::observe(c, env).await,
        CheckKind::User(c) => user::observe(c, env).await,
    }
}
