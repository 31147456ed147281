//! The one executor of docker commands: what each parsed command does, carried out with the
//! engine's daemon primitives, and what the docker CLI would print for it. Setup, reference
//! solutions, assists, resets, `command_fails` checks, grading replay and lesson doctests all
//! run commands here, so the real engine and the fake one share the CLI's semantics.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::StreamExt;
use serde::Serialize;

use crate::command::output::{render_inspect, render_network_ls, render_ports, render_volume_ls};
use crate::command::{Action, ContainerSpec, MountKind};
use crate::engine::{
    CALL_TIMEOUT, Change, CreateOptions, Created, Engine, EngineError, Freezer, Prunable,
    PullProgress, StartGuard,
};
use crate::labels::{LABEL_LAB, LABEL_RUN};
use crate::output::BoundedOutput;

/// How long a foreground `docker run` or an `exec` may take when the caller gives no limit.
pub const FOREGROUND_TIMEOUT: Duration = Duration::from_secs(120);

/// What the caller passes along with a command: labels to stamp, image substitutions, limits.
#[derive(Debug, Clone, Default)]
pub struct ApplyContext {
    pub labels: BTreeMap<String, String>,
    pub image_map: crate::images::ImageMap,
    /// Memory limit (bytes) and pids limit applied to containers this command starts.
    pub memory_limit: Option<i64>,
    pub pids_limit: Option<i64>,
    /// Time limit for the whole command (a foreground `docker run` waits for its container).
    pub timeout: Option<Duration>,
    /// DNS servers for containers that do not set `--dns`. labrunner uses `127.0.0.1` so that
    /// lookups of names no container answers fail inside the machine instead of leaving it.
    pub dns: Option<Vec<String>>,
    /// Resolver options that go with `dns` (`timeout:1`, `attempts:1`): a failed lookup answers
    /// in a second instead of ten.
    pub dns_options: Option<Vec<String>>,
    /// Where image pull progress goes.
    pub progress: Option<tokio::sync::mpsc::UnboundedSender<PullProgress>>,
    /// Called around every creation and start of a container with bind mounts (replay).
    pub start_guard: Option<Arc<dyn StartGuard>>,
    /// A `--rm` container that ran is not removed by the executor or the daemon: its id is
    /// handed back ([`Outcome::left_to_remove`]) for the caller to remove once it has recorded
    /// how the container ended. One whose start failed is removed at once, as without.
    pub defer_removal: bool,
}

impl ApplyContext {
    /// Labels, DNS kept on this machine, and image substitutions: how labrunner starts
    /// containers for a lab run.
    pub fn for_run(labels: BTreeMap<String, String>, image_map: crate::images::ImageMap) -> Self {
        ApplyContext {
            labels,
            image_map,
            dns: Some(vec!["127.0.0.1".into()]),
            dns_options: Some(vec!["timeout:1".into(), "attempts:1".into()]),
            ..Default::default()
        }
    }

    fn create_options(&self, spec: &ContainerSpec) -> CreateOptions {
        CreateOptions {
            labels: self.labels.clone(),
            dns: self.dns.clone(),
            dns_options: self.dns_options.clone(),
            memory_limit: self.memory_limit,
            pids_limit: self.pids_limit,
            auto_remove: spec.remove && spec.detach && !self.defer_removal,
        }
    }
}

/// What a command printed, as the docker CLI would have printed it. What a process printed (an
/// exec, a foreground `run`, `docker logs`) is the text of a [`BoundedOutput`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Outcome {
    pub stdout: String,
    /// For `run` without `-d` and for `exec`: the process' exit code.
    pub exit_code: Option<i64>,
    /// The id of a `--rm` container left for the caller to remove
    /// ([`ApplyContext::defer_removal`]).
    pub left_to_remove: Option<String>,
}

impl Outcome {
    fn text(stdout: String) -> Self {
        Outcome {
            stdout,
            ..Outcome::default()
        }
    }

    /// Each name on its own line, as the docker CLI prints what it removed, stopped or paused.
    fn lines(names: &[String]) -> Self {
        Outcome::text(names.iter().map(|n| format!("{n}\n")).collect())
    }

    /// The process it ran exited non-zero: the docker CLI fails too, with what the process
    /// printed as the message ([`failure`]).
    pub fn failed(&self) -> Option<i64> {
        self.exit_code.filter(|c| *c != 0)
    }
}

/// How a command whose process exited with `code` fails, `printed` being what it printed (or
/// the part of it shown): the one wording every caller uses.
pub fn failure(code: i64, printed: &str) -> String {
    format!("exit code {code}: {}", printed.trim())
        .trim()
        .to_string()
}

/// Execute one parsed docker command on `engine`, under the engine's names for its objects.
pub async fn execute(
    engine: &dyn Engine,
    action: &Action,
    ctx: &ApplyContext,
) -> Result<Outcome, EngineError> {
    let mut action = action.clone();
    engine.rename(&mut action);
    let x = Executor { engine, ctx };
    x.action(&action).await
}

struct Executor<'a> {
    engine: &'a dyn Engine,
    ctx: &'a ApplyContext,
}

impl Executor<'_> {
    /// A table: each command has its daemon calls and what the CLI prints for them.
    async fn action(&self, action: &Action) -> Result<Outcome, EngineError> {
        let engine = self.engine;
        match action {
            Action::NetworkCreate(spec) => {
                // The command's own labels first: labrunner's ownership labels always win.
                let mut labels: BTreeMap<String, String> = spec.labels.iter().cloned().collect();
                labels.extend(self.ctx.labels.clone());
                let id = engine.create_network(spec, &labels).await?;
                Ok(Outcome::text(format!("{id}\n")))
            }
            Action::NetworkRm { names, .. } => self.each(names, Change::RemoveNetwork).await,
            Action::NetworkConnect {
                network,
                container,
                aliases,
            } => {
                let change = Change::Connect {
                    network: network.clone(),
                    aliases: aliases.clone(),
                };
                engine.change(container, &change).await?;
                Ok(Outcome::default())
            }
            Action::NetworkDisconnect {
                network,
                container,
                force,
            } => {
                let change = Change::Disconnect {
                    network: network.clone(),
                    force: *force,
                };
                engine.change(container, &change).await?;
                Ok(Outcome::default())
            }
            Action::NetworkLs => {
                let rows = engine
                    .networks()
                    .await?
                    .into_iter()
                    .map(|n| [n.id.chars().take(12).collect(), n.name, n.driver, n.scope]);
                Ok(Outcome::text(render_network_ls(rows)))
            }
            Action::NetworkInspect { names, format }
            | Action::VolumeInspect { names, format }
            | Action::Inspect { names, format } => self.inspect(names, format.as_deref()).await,
            Action::NetworkPrune { labels, .. } => {
                // The command's own label filters narrow the lab's further (all must match).
                let mut filters = vec![self.owner()];
                filters.extend(labels.iter().cloned());
                let pruned = engine.prune(Prunable::Networks, &filters).await?;
                Ok(Outcome::lines(&pruned))
            }
            Action::VolumeCreate {
                name,
                driver,
                labels,
            } => {
                let mut all: BTreeMap<String, String> = labels.iter().cloned().collect();
                all.extend(self.ctx.labels.clone());
                let name = engine
                    .create_volume(name.as_deref(), driver.as_deref(), &all)
                    .await?;
                Ok(Outcome::text(format!("{name}\n")))
            }
            Action::VolumeRm { names, force } => {
                self.each(names, Change::RemoveVolume { force: *force })
                    .await
            }
            Action::VolumeLs => {
                let rows = engine
                    .volumes()
                    .await?
                    .into_iter()
                    .map(|v| [v.driver, v.name]);
                Ok(Outcome::text(render_volume_ls(rows)))
            }
            Action::VolumePrune { .. } => {
                let pruned = engine.prune(Prunable::Volumes, &[self.owner()]).await?;
                Ok(Outcome::lines(&pruned))
            }
            Action::Run(spec) => self.run(spec).await,
            Action::Create(spec) => {
                let guarded = self.guard_create(spec).await?;
                let created = self.create(guarded.as_ref().unwrap_or(spec)).await;
                if guarded.is_some() {
                    self.guard_leave().await;
                }
                let Created { id, warnings } = created?;
                Ok(Outcome {
                    left_to_remove: (spec.remove && self.ctx.defer_removal).then(|| id.clone()),
                    ..Outcome::text(format!("{}{id}\n", warning_lines(&warnings)))
                })
            }
            Action::Exec(spec) => {
                let limit = self.ctx.timeout.unwrap_or(FOREGROUND_TIMEOUT);
                let out = engine.exec_spec(spec, limit).await?;
                Ok(Outcome {
                    stdout: format!("{}{}", out.stdout, out.stderr),
                    exit_code: out.exit_code,
                    ..Outcome::default()
                })
            }
            Action::Rm {
                names,
                force,
                volumes,
            } => {
                let change = Change::RemoveContainer {
                    force: *force,
                    volumes: *volumes,
                };
                self.each(names, change).await
            }
            Action::Stop { names, time } => self.each(names, Change::Stop { time: *time }).await,
            Action::Start { names } => {
                for name in names {
                    self.start(name).await?;
                }
                Ok(Outcome::lines(names))
            }
            Action::Restart { names, time } => {
                for name in names {
                    self.restart(name, *time).await?;
                }
                Ok(Outcome::lines(names))
            }
            Action::Kill { names, signal } => {
                let signal = signal.clone().unwrap_or_else(|| "KILL".into());
                self.each(names, Change::Kill { signal }).await
            }
            Action::Pause { names } => self.each(names, Change::Pause).await,
            Action::Unpause { names } => self.each(names, Change::Unpause).await,
            Action::Port { container, port } => {
                let info =
                    engine
                        .container(container)
                        .await?
                        .ok_or_else(|| EngineError::Daemon {
                            status: 404,
                            message: format!("No such container: {container}"),
                        })?;
                Ok(Outcome::text(render_ports(&info.ports, port.as_deref())))
            }
            Action::Logs {
                container,
                tail,
                follow,
            } => {
                // With `-f`, until the container ends, as the docker CLI does (or the limit).
                let limit = self.ctx.timeout.unwrap_or(CALL_TIMEOUT);
                let logs = engine
                    .read_logs(container, tail.as_deref(), *follow, limit)
                    .await?;
                Ok(Outcome::text(logs.text()))
            }
        }
    }

    /// One change to each object named, in order; the names printed one a line.
    async fn each(&self, names: &[String], change: Change) -> Result<Outcome, EngineError> {
        for name in names {
            self.engine.change(name, &change).await?;
        }
        Ok(Outcome::lines(names))
    }

    /// Prune only what this run created (else, without a run, what this lab created): pruning
    /// someone else's networks or volumes, or those of another grading of the same lab on the
    /// same daemon, would destroy data this run does not own.
    fn owner(&self) -> String {
        match self.ctx.labels.get(LABEL_RUN) {
            Some(run) => format!("{LABEL_RUN}={run}"),
            None => {
                let lab = self.ctx.labels.get(LABEL_LAB).cloned().unwrap_or_default();
                format!("{LABEL_LAB}={lab}")
            }
        }
    }

    async fn inspect(
        &self,
        names: &[String],
        format: Option<&str>,
    ) -> Result<Outcome, EngineError> {
        let mut values = Vec::new();
        for name in names {
            // Only names can be objects; an image reference is not asked about, so that
            // nothing but a name (renamed in a namespace) reaches the daemon's paths.
            let found = match crate::command::is_object_name(name) {
                true => self.engine.inspect_raw(name, None).await?,
                false => None,
            };
            values.push(found.ok_or_else(|| EngineError::Daemon {
                status: 404,
                message: format!("No such object: {name}"),
            })?);
        }
        Ok(Outcome::text(render_inspect(&values, format)))
    }

    /// The image a container is created from is here, or pulled.
    async fn ensure_image(&self, image: &str) -> Result<(), EngineError> {
        if self.engine.image_present(image).await? {
            return Ok(());
        }
        self.engine
            .pull_image(image, self.ctx.progress.as_ref())
            .await
    }

    /// Create the container `spec` describes, from its image as the image map resolves it.
    /// Named volumes the daemon would create implicitly are created first, labelled, so that
    /// cleanup knows they belong to the lab. Existing volumes are left as they are; the ones
    /// made here are removed again if the daemon refuses the container, as it would have
    /// created none.
    async fn create(&self, spec: &ContainerSpec) -> Result<Created, EngineError> {
        let mut spec = spec.clone();
        spec.image = self.ctx.image_map.resolve(&spec.image).to_string();
        self.ensure_image(&spec.image).await?;
        let mut made = Vec::new();
        for mount in &spec.mounts {
            if mount.kind == MountKind::Volume
                && let Some(name) = &mount.source
                && !made.contains(name)
                && self.engine.volume(name).await?.is_none()
            {
                self.engine
                    .create_volume(Some(name), None, &self.ctx.labels)
                    .await?;
                made.push(name.clone());
            }
        }
        let options = self.ctx.create_options(&spec);
        let created = self.engine.create_container(&spec, &options).await;
        if created.is_err() {
            for name in &made {
                let _ = self.engine.remove_volume(name).await;
            }
        }
        created
    }

    /// `docker run`: create, attach when in the foreground, start, and wait for the end.
    async fn run(&self, spec: &ContainerSpec) -> Result<Outcome, EngineError> {
        // The daemon resolves bind sources while it starts the container: the guard holds from
        // before the creation until the start has been answered.
        let guarded = self.guard_create(spec).await?;
        let spec = guarded.as_ref().unwrap_or(spec);
        let created = self.create(spec).await;
        // A foreground run is attached before its start, as the docker CLI does: what it
        // prints is read while it runs, nothing is missed, and no log is read back whole.
        let mut printed = None;
        let started = match &created {
            Ok(c) if !spec.detach => match self.engine.attach(&c.id).await {
                Ok(stream) => {
                    printed = Some(stream);
                    self.engine.change(&c.id, &Change::Start).await
                }
                Err(e) => Err(e),
            },
            Ok(c) => self.engine.change(&c.id, &Change::Start).await,
            Err(_) => Ok(()),
        };
        if guarded.is_some() {
            self.guard_leave().await;
        }
        let Created { id, warnings } = created?;
        let warned = warning_lines(&warnings);
        if let Err(e) = started {
            // `docker run` leaves the created container behind; with --rm it is removed.
            if spec.remove {
                let _ = self.engine.remove_container(&id).await;
            }
            return Err(e);
        }
        // With the removal deferred, the caller removes a `--rm` container once it has ended.
        let deferred = (spec.remove && self.ctx.defer_removal).then(|| id.clone());
        if spec.detach {
            return Ok(Outcome {
                stdout: format!("{warned}{id}\n"),
                exit_code: None,
                left_to_remove: deferred,
            });
        }
        let limit = self.ctx.timeout.unwrap_or(FOREGROUND_TIMEOUT);
        let mut out = BoundedOutput::new();
        let waited = tokio::time::timeout(limit, async {
            // The stream ends when the container does; a broken one ends what is read.
            let read = async {
                let mut stream = printed.unwrap_or_else(|| futures_util::stream::empty().boxed());
                while let Some(Ok(chunk)) = stream.next().await {
                    out.push(&chunk);
                }
            };
            let (code, ()) = tokio::join!(self.engine.wait_container(&id), read);
            code
        })
        .await;
        let result = match waited {
            Ok(Ok(code)) => Ok(Outcome {
                stdout: format!("{warned}{out}"),
                exit_code: Some(code),
                left_to_remove: deferred.clone(),
            }),
            Ok(Err(e)) => Err(e),
            Err(_) => {
                let _ = self
                    .engine
                    .change(&id, &Change::Stop { time: Some(1) })
                    .await;
                Err(EngineError::Timeout {
                    what: format!(
                        "container {} still running in the foreground",
                        spec.name.as_deref().unwrap_or(&id)
                    ),
                    secs: limit.as_secs(),
                })
            }
        };
        // Deferred only when the caller hears of it: an error hands back no id.
        if spec.remove && (deferred.is_none() || result.is_err()) {
            let _ = self.engine.remove_container(&id).await;
        }
        result
    }

    async fn start(&self, name: &str) -> Result<(), EngineError> {
        let guarded = self.guard_start(name).await?;
        let started = self.engine.change(name, &Change::Start).await;
        if guarded {
            self.guard_leave().await;
        }
        started
    }

    /// `docker restart`. The daemon resolves the bind sources again when it starts the
    /// container, so under a sandbox guard a container with bind mounts is restarted as the
    /// stop and the guarded start a restart is made of (the guard freezes the running
    /// containers, which a stop inside it would wait on). Any other is restarted in one call.
    async fn restart(&self, name: &str, time: Option<i64>) -> Result<(), EngineError> {
        let binds = match &self.ctx.start_guard {
            Some(_) => !self.bind_sources(name).await?.is_empty(),
            None => false,
        };
        if !binds {
            return self.engine.change(name, &Change::Restart { time }).await;
        }
        // Not running: the daemon answers 304, and the restart starts it.
        self.engine.change(name, &Change::Stop { time }).await?;
        self.start(name).await
    }

    /// Before a container with bind mounts is created: the guard's verdict on its sources, and
    /// the spec with the sources it verified. `None` when there is no guard or no bind mount.
    async fn guard_create(
        &self,
        spec: &ContainerSpec,
    ) -> Result<Option<ContainerSpec>, EngineError> {
        let Some(guard) = &self.ctx.start_guard else {
            return Ok(None);
        };
        let binds: Vec<usize> = (0..spec.mounts.len())
            .filter(|&i| spec.mounts[i].kind == MountKind::Bind)
            .collect();
        if binds.is_empty() {
            return Ok(None);
        }
        let sources: Vec<String> = binds
            .iter()
            .map(|&i| spec.mounts[i].source.clone().unwrap_or_default())
            .collect();
        let verified = guard.enter(&self.freezer(), &sources).await?;
        let mut spec = spec.clone();
        for (&i, source) in binds.iter().zip(verified) {
            spec.mounts[i].source = Some(source);
        }
        Ok(Some(spec))
    }

    /// Before an existing container is started: the guard checks the bind sources the daemon
    /// will resolve again. `true` when the guard was entered (and must be left).
    async fn guard_start(&self, name: &str) -> Result<bool, EngineError> {
        let Some(guard) = &self.ctx.start_guard else {
            return Ok(false);
        };
        let sources = self.bind_sources(name).await?;
        if sources.is_empty() {
            return Ok(false);
        }
        let freezer = self.freezer();
        let verified = guard.enter(&freezer, &sources).await?;
        if verified != sources {
            guard.leave(&freezer).await;
            return Err(EngineError::Refused(format!(
                "container {name} has bind mounts from {} that are not plain paths inside the sandbox",
                sources.join(", ")
            )));
        }
        Ok(true)
    }

    async fn guard_leave(&self) {
        if let Some(guard) = &self.ctx.start_guard {
            guard.leave(&self.freezer()).await;
        }
    }

    /// The bind sources of an existing container, which the daemon resolves again each time
    /// it starts it.
    async fn bind_sources(&self, name: &str) -> Result<Vec<String>, EngineError> {
        Ok(self
            .engine
            .container(name)
            .await?
            .map(|c| c.mounts)
            .unwrap_or_default()
            .into_iter()
            .filter(|m| m.kind == Some(MountKind::Bind))
            .map(|m| m.source)
            .collect())
    }

    fn freezer(&self) -> EngineFreezer<'_> {
        EngineFreezer(self.engine)
    }
}

/// The daemon's freezer, through the engine's primitives.
struct EngineFreezer<'a>(&'a dyn Engine);

#[async_trait]
impl Freezer for EngineFreezer<'_> {
    async fn running(&self, labels: &[(String, String)]) -> Result<Vec<String>, EngineError> {
        self.0.running(labels).await
    }

    async fn pause(&self, id: &str) -> Result<(), EngineError> {
        self.0.change(id, &Change::Pause).await
    }

    async fn unpause(&self, id: &str) -> Result<(), EngineError> {
        self.0.change(id, &Change::Unpause).await
    }

    async fn is_running(&self, id: &str) -> Result<bool, EngineError> {
        Ok(self
            .0
            .container(id)
            .await?
            .is_some_and(|c| c.status.is_up()))
    }
}

/// The daemon's warnings as the docker CLI prints them.
fn warning_lines(warnings: &[String]) -> String {
    warnings.iter().map(|w| format!("WARNING: {w}\n")).collect()
}
