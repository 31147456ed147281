//! What each docker command does, carried out on the Engine API: the semantics the docker CLI
//! adds (implicit volumes, ExposedPorts for `-p`, `--rm`, waiting for a foreground `run`).

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use bollard::container::LogOutput;
use bollard::exec::{StartExecOptions, StartExecResults};
use bollard::models::{
    EndpointSettings, Ipam, IpamConfig, NetworkConnectRequest, NetworkCreateRequest,
    NetworkDisconnectRequest, VolumeCreateRequest,
};
use bollard::query_parameters::{
    CreateContainerOptions, CreateImageOptions, InspectContainerOptions, KillContainerOptions,
    ListNetworksOptions, ListVolumesOptions, PruneNetworksOptions, PruneVolumesOptions,
    RemoveContainerOptions, RemoveVolumeOptions, RestartContainerOptions, StopContainerOptions,
    WaitContainerOptions,
};
use futures_util::stream::StreamExt;
use tokio::time::timeout;

use super::convert::{container_body, lines, split_tag, text, to_json};
use super::error::classify;
use super::{DockerEngine, FOREGROUND_TIMEOUT};
use crate::command::output::{render_inspect, render_network_ls, render_ports, render_volume_ls};
use crate::command::{Action, ContainerSpec, ExecSpec, MountKind, NetworkCreate};
use crate::engine::{
    ActionOutput, ApplyContext, CALL_TIMEOUT, Engine, EngineError, ExecOutput, PullProgress,
};
use crate::labels::{LABEL_LAB, LABEL_RUN};
use crate::output::BoundedOutput;

impl DockerEngine {
    /// Carry out one parsed docker command. A table: each command has a method of its own.
    pub(super) async fn apply_action(
        &self,
        action: &Action,
        ctx: &ApplyContext,
    ) -> Result<ActionOutput, EngineError> {
        match action {
            Action::NetworkCreate(spec) => self.network_create(spec, ctx).await,
            Action::NetworkRm { names, .. } => self.network_rm(names).await,
            Action::NetworkConnect {
                network,
                container,
                aliases,
            } => self.network_connect(network, container, aliases).await,
            Action::NetworkDisconnect {
                network,
                container,
                force,
            } => self.network_disconnect(network, container, *force).await,
            Action::NetworkLs => self.network_ls().await,
            Action::NetworkInspect { names, format }
            | Action::VolumeInspect { names, format }
            | Action::Inspect { names, format } => {
                self.inspect(names, format.as_deref(), ctx).await
            }
            Action::NetworkPrune { labels, .. } => self.network_prune(labels, ctx).await,
            Action::VolumeCreate {
                name,
                driver,
                labels,
            } => {
                let name = self
                    .create_volume(name.as_deref(), driver.as_deref(), labels, ctx)
                    .await?;
                Ok(text(format!("{name}\n")))
            }
            Action::VolumeRm { names, force } => self.volume_rm(names, *force).await,
            Action::VolumeLs => self.volume_ls().await,
            Action::VolumePrune { .. } => self.volume_prune(ctx).await,
            Action::Run(spec) => self.run(spec, ctx).await,
            Action::Create(spec) => {
                let guarded = self.guard_create(spec, ctx).await?;
                let created = self
                    .create_container(guarded.as_ref().unwrap_or(spec), ctx)
                    .await;
                if guarded.is_some() {
                    self.guard_leave(ctx).await;
                }
                let (id, warnings) = created?;
                Ok(ActionOutput {
                    left_to_remove: (spec.remove && ctx.defer_removal).then(|| id.clone()),
                    ..text(format!("{}{id}\n", warning_lines(&warnings)))
                })
            }
            Action::Exec(spec) => {
                let out = self
                    .exec_spec(spec, ctx.timeout.unwrap_or(FOREGROUND_TIMEOUT))
                    .await?;
                Ok(ActionOutput {
                    stdout: format!("{}{}", out.stdout, out.stderr),
                    exit_code: out.exit_code,
                    ..ActionOutput::default()
                })
            }
            Action::Rm {
                names,
                force,
                volumes,
            } => self.rm(names, *force, *volumes).await,
            Action::Stop { names, time } => self.stop(names, *time).await,
            Action::Start { names } => self.start(names, ctx).await,
            Action::Restart { names, time } => self.restart(names, *time, ctx).await,
            Action::Kill { names, signal } => self.kill(names, signal.as_deref()).await,
            Action::Pause { names } => {
                for name in names {
                    self.call("pause a container", self.docker.pause_container(name))
                        .await?;
                }
                Ok(lines(names))
            }
            Action::Unpause { names } => {
                for name in names {
                    self.call("unpause a container", self.docker.unpause_container(name))
                        .await?;
                }
                Ok(lines(names))
            }
            Action::Port { container, port } => self.port(container, port.as_deref(), ctx).await,
            Action::Logs {
                container,
                tail,
                follow,
            } => {
                // With `-f`, until the container ends, as the docker CLI does (or the limit).
                let limit = ctx.timeout.unwrap_or(CALL_TIMEOUT);
                let logs = self
                    .read_logs(container, tail.as_deref(), *follow, limit)
                    .await?;
                Ok(text(logs.text()))
            }
        }
    }

    async fn network_rm(&self, names: &[String]) -> Result<ActionOutput, EngineError> {
        for name in names {
            self.call("remove a network", self.docker.remove_network(name))
                .await?;
        }
        Ok(lines(names))
    }

    async fn network_connect(
        &self,
        network: &str,
        container: &str,
        aliases: &[String],
    ) -> Result<ActionOutput, EngineError> {
        let request = NetworkConnectRequest {
            container: container.to_string(),
            endpoint_config: (!aliases.is_empty()).then(|| EndpointSettings {
                aliases: Some(aliases.to_vec()),
                ..Default::default()
            }),
        };
        self.call(
            "connect a network",
            self.docker.connect_network(network, request),
        )
        .await?;
        Ok(ActionOutput::default())
    }

    async fn network_disconnect(
        &self,
        network: &str,
        container: &str,
        force: bool,
    ) -> Result<ActionOutput, EngineError> {
        let request = NetworkDisconnectRequest {
            container: container.to_string(),
            force: Some(force),
        };
        self.call(
            "disconnect a network",
            self.docker.disconnect_network(network, request),
        )
        .await?;
        Ok(ActionOutput::default())
    }

    async fn network_ls(&self) -> Result<ActionOutput, EngineError> {
        let nets = self
            .call(
                "list networks",
                self.docker.list_networks(None::<ListNetworksOptions>),
            )
            .await?;
        let rows = nets.into_iter().map(|n| {
            [
                n.id.unwrap_or_default().chars().take(12).collect(),
                n.name.unwrap_or_default(),
                n.driver.unwrap_or_default(),
                n.scope.unwrap_or_default(),
            ]
        });
        Ok(text(render_network_ls(rows)))
    }

    async fn inspect(
        &self,
        names: &[String],
        format: Option<&str>,
        ctx: &ApplyContext,
    ) -> Result<ActionOutput, EngineError> {
        let mut values = Vec::new();
        for name in names {
            values.push(self.inspect_json(name, ctx).await?);
        }
        Ok(text(render_inspect(&values, format)))
    }

    async fn network_prune(
        &self,
        labels: &[String],
        ctx: &ApplyContext,
    ) -> Result<ActionOutput, EngineError> {
        // The command's own label filters narrow the lab's further (all must match).
        let mut filters = Self::lab_filter(ctx);
        if let Some(all) = filters.get_mut("label") {
            all.extend(labels.iter().cloned());
        }
        let options = PruneNetworksOptions {
            filters: Some(filters),
        };
        let pruned = self
            .call("prune networks", self.docker.prune_networks(Some(options)))
            .await?;
        Ok(lines(&pruned.networks_deleted.unwrap_or_default()))
    }

    async fn volume_rm(&self, names: &[String], force: bool) -> Result<ActionOutput, EngineError> {
        for name in names {
            self.call(
                "remove a volume",
                self.docker
                    .remove_volume(name, Some(RemoveVolumeOptions { force })),
            )
            .await?;
        }
        Ok(lines(names))
    }

    async fn volume_ls(&self) -> Result<ActionOutput, EngineError> {
        let vols = self
            .call(
                "list volumes",
                self.docker.list_volumes(None::<ListVolumesOptions>),
            )
            .await?;
        let rows = vols
            .volumes
            .unwrap_or_default()
            .into_iter()
            .map(|v| [v.driver, v.name]);
        Ok(text(render_volume_ls(rows)))
    }

    async fn volume_prune(&self, ctx: &ApplyContext) -> Result<ActionOutput, EngineError> {
        let options = PruneVolumesOptions {
            filters: Some(Self::lab_filter(ctx)),
        };
        let pruned = self
            .call("prune volumes", self.docker.prune_volumes(Some(options)))
            .await?;
        Ok(lines(&pruned.volumes_deleted.unwrap_or_default()))
    }

    async fn rm(
        &self,
        names: &[String],
        force: bool,
        volumes: bool,
    ) -> Result<ActionOutput, EngineError> {
        for name in names {
            let options = RemoveContainerOptions {
                force,
                v: volumes,
                ..Default::default()
            };
            self.call(
                "remove a container",
                self.docker.remove_container(name, Some(options)),
            )
            .await?;
        }
        Ok(lines(names))
    }

    async fn stop(&self, names: &[String], time: Option<i64>) -> Result<ActionOutput, EngineError> {
        for name in names {
            let options = StopContainerOptions {
                t: time.map(|t| t as i32),
                signal: None,
            };
            self.call(
                "stop a container",
                self.docker.stop_container(name, Some(options)),
            )
            .await?;
        }
        Ok(lines(names))
    }

    async fn start(
        &self,
        names: &[String],
        ctx: &ApplyContext,
    ) -> Result<ActionOutput, EngineError> {
        for name in names {
            let guarded = self.guard_start(name, ctx).await?;
            let started = self
                .call("start a container", self.docker.start_container(name, None))
                .await;
            if guarded {
                self.guard_leave(ctx).await;
            }
            started?;
        }
        Ok(lines(names))
    }

    /// `docker restart`. The daemon resolves the bind sources again when it starts the
    /// container, so under a sandbox guard a container with bind mounts is restarted as the
    /// stop and the guarded start a restart is made of (the guard freezes the running
    /// containers, which a stop inside it would wait on). Any other is restarted in one call.
    async fn restart(
        &self,
        names: &[String],
        time: Option<i64>,
        ctx: &ApplyContext,
    ) -> Result<ActionOutput, EngineError> {
        let t = time.map(|t| t as i32);
        for name in names {
            let binds = match &ctx.start_guard {
                Some(_) => !self.bind_sources(name).await?.is_empty(),
                None => false,
            };
            if !binds {
                let options = RestartContainerOptions { t, signal: None };
                self.call(
                    "restart a container",
                    self.docker.restart_container(name, Some(options)),
                )
                .await?;
                continue;
            }
            // Not running: the daemon answers 304, and the restart starts it.
            let options = StopContainerOptions { t, signal: None };
            self.call(
                "restart a container",
                self.docker.stop_container(name, Some(options)),
            )
            .await?;
            self.start(std::slice::from_ref(name), ctx).await?;
        }
        Ok(lines(names))
    }

    async fn kill(
        &self,
        names: &[String],
        signal: Option<&str>,
    ) -> Result<ActionOutput, EngineError> {
        for name in names {
            let options = KillContainerOptions {
                signal: signal.unwrap_or("KILL").to_string(),
            };
            self.call(
                "kill a container",
                self.docker.kill_container(name, Some(options)),
            )
            .await?;
        }
        Ok(lines(names))
    }

    async fn port(
        &self,
        container: &str,
        port: Option<&str>,
        ctx: &ApplyContext,
    ) -> Result<ActionOutput, EngineError> {
        let mut info = self
            .container(container)
            .await?
            .ok_or_else(|| EngineError::Daemon {
                status: 404,
                message: format!("No such container: {container}"),
            })?;
        if let Some(translation) = &ctx.host_ports {
            translation.show(&info.name, &mut info.ports);
        }
        Ok(text(render_ports(&info.ports, port)))
    }

    async fn ensure_image(&self, image: &str, ctx: &ApplyContext) -> Result<(), EngineError> {
        if self.image_present(image).await? {
            return Ok(());
        }
        let (from_image, tag) = split_tag(image);
        let options = CreateImageOptions {
            from_image: Some(from_image.to_string()),
            tag: Some(tag.to_string()),
            ..Default::default()
        };
        let mut stream = self.docker.create_image(Some(options), None, None);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(600);
        loop {
            let next = tokio::time::timeout_at(deadline, stream.next())
                .await
                .map_err(|_| EngineError::Timeout {
                    what: format!("pull {image}"),
                    secs: 600,
                })?;
            match next {
                None => break,
                Some(Ok(info)) => {
                    if let Some(tx) = &ctx.progress {
                        let _ = tx.send(PullProgress {
                            image: image.to_string(),
                            status: info.status.unwrap_or_default(),
                            bytes: info
                                .progress_detail
                                .and_then(|p| p.current.zip(p.total))
                                .map(|(done, total)| (done.max(0) as u64, total.max(0) as u64)),
                        });
                    }
                }
                Some(Err(e)) => {
                    let err = classify(&e, &self.endpoint);
                    return Err(match err {
                        EngineError::Daemon { status, message } => EngineError::Daemon {
                            status,
                            message: format!(
                                "{message} (image {image} is not present locally and could not be pulled; map it to a local image with --image-map {image}=LOCAL)"
                            ),
                        },
                        other => other,
                    });
                }
            }
        }
        Ok(())
    }

    /// Creates the container; returns its id and the daemon's warnings (such as published
    /// ports discarded in host mode), which the docker CLI prints as `WARNING: ...` lines.
    async fn create_container(
        &self,
        spec: &ContainerSpec,
        ctx: &ApplyContext,
    ) -> Result<(String, Vec<String>), EngineError> {
        let image = ctx.image_map.resolve(&spec.image).to_string();
        self.ensure_image(&image, ctx).await?;
        // Named volumes the daemon would create implicitly are created here, labelled, so that
        // cleanup knows they belong to the lab. Existing volumes are left as they are; the ones
        // made here are removed again if the daemon refuses the container, as it would have
        // created none.
        let mut made = Vec::new();
        for mount in &spec.mounts {
            if mount.kind == MountKind::Volume
                && let Some(name) = &mount.source
                && !made.contains(name)
                && self.volume(name).await?.is_none()
            {
                self.create_volume(Some(name), None, &[], ctx).await?;
                made.push(name.clone());
            }
        }
        let body = container_body(spec, &image, ctx);
        let options = CreateContainerOptions {
            name: spec.name.clone(),
            ..Default::default()
        };
        let created = self
            .call(
                "create a container",
                self.docker.create_container(Some(options), body),
            )
            .await;
        let created = match created {
            Ok(c) => c,
            Err(e) => {
                for name in &made {
                    let _ = self.remove_volume(name).await;
                }
                return Err(e);
            }
        };
        Ok((created.id, created.warnings))
    }

    async fn create_volume(
        &self,
        name: Option<&str>,
        driver: Option<&str>,
        labels: &[(String, String)],
        ctx: &ApplyContext,
    ) -> Result<String, EngineError> {
        let mut all: BTreeMap<String, String> = labels.iter().cloned().collect();
        all.extend(ctx.labels.clone());
        let request = VolumeCreateRequest {
            name: name.map(str::to_string),
            driver: driver.map(str::to_string),
            labels: Some(all.into_iter().collect()),
            ..Default::default()
        };
        let volume = self
            .call("create a volume", self.docker.create_volume(request))
            .await?;
        Ok(volume.name)
    }

    async fn run(
        &self,
        spec: &ContainerSpec,
        ctx: &ApplyContext,
    ) -> Result<ActionOutput, EngineError> {
        // The daemon resolves bind sources while it starts the container: the guard holds from
        // before the creation until the start has been answered.
        let guarded = self.guard_create(spec, ctx).await?;
        let spec = guarded.as_ref().unwrap_or(spec);
        let created = self.create_container(spec, ctx).await;
        // A foreground run is attached before its start, as the docker CLI does: what it
        // prints is read while it runs, nothing is missed, and no log is read back whole.
        let mut printed = None;
        let started = match &created {
            Ok((id, _)) if !spec.detach => match self.attach_now(id).await {
                Ok(stream) => {
                    printed = Some(stream);
                    self.call("start a container", self.docker.start_container(id, None))
                        .await
                }
                Err(e) => Err(e),
            },
            Ok((id, _)) => {
                self.call("start a container", self.docker.start_container(id, None))
                    .await
            }
            Err(_) => Ok(()),
        };
        if guarded.is_some() {
            self.guard_leave(ctx).await;
        }
        let (id, warnings) = created?;
        let warned = warning_lines(&warnings);
        if let Err(e) = started {
            // `docker run` leaves the created container behind; with --rm it is removed.
            if spec.remove {
                let _ = self.remove_container(&id).await;
            }
            return Err(e);
        }
        // With the removal deferred, the caller removes a `--rm` container once it has ended.
        let deferred = (spec.remove && ctx.defer_removal).then(|| id.clone());
        if spec.detach {
            return Ok(ActionOutput {
                stdout: format!("{warned}{id}\n"),
                exit_code: None,
                left_to_remove: deferred,
            });
        }
        let limit = ctx.timeout.unwrap_or(FOREGROUND_TIMEOUT);
        let mut out = BoundedOutput::new();
        let waited = timeout(limit, async {
            // The stream ends when the container does; a broken one ends what is read.
            let read = async {
                let mut stream = printed.unwrap_or_else(|| futures_util::stream::empty().boxed());
                while let Some(Ok(chunk)) = stream.next().await {
                    out.push(&chunk);
                }
            };
            let (code, ()) = tokio::join!(self.wait(&id), read);
            code
        })
        .await;
        let result = match waited {
            Ok(Ok(code)) => Ok(ActionOutput {
                stdout: format!("{warned}{out}"),
                exit_code: Some(code),
                left_to_remove: deferred.clone(),
            }),
            Ok(Err(e)) => Err(e),
            Err(_) => {
                let _ = self
                    .call(
                        "stop a container",
                        self.docker.stop_container(
                            &id,
                            Some(StopContainerOptions {
                                t: Some(1),
                                signal: None,
                            }),
                        ),
                    )
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
            let _ = self.remove_container(&id).await;
        }
        result
    }

    pub(super) async fn wait(&self, id: &str) -> Result<i64, EngineError> {
        let mut stream = self.docker.wait_container(id, None::<WaitContainerOptions>);
        match stream.next().await {
            Some(Ok(r)) => Ok(r.status_code),
            Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => Ok(code),
            Some(Err(e)) => Err(classify(&e, &self.endpoint)),
            None => Err(EngineError::Other(format!(
                "the daemon ended the wait on {id} without an exit code"
            ))),
        }
    }

    pub(super) async fn exec_spec(
        &self,
        spec: &ExecSpec,
        limit: Duration,
    ) -> Result<ExecOutput, EngineError> {
        let config = bollard::models::ExecConfig {
            attach_stdout: Some(!spec.detach),
            attach_stderr: Some(!spec.detach),
            cmd: Some(spec.command.clone()),
            user: spec.user.clone(),
            working_dir: spec.workdir.clone(),
            env: (!spec.env.is_empty()).then(|| spec.env.clone()),
            ..Default::default()
        };
        let created = self
            .call(
                "create an exec",
                self.docker.create_exec(&spec.container, config),
            )
            .await?;
        let start = StartExecOptions {
            detach: spec.detach,
            ..Default::default()
        };
        let started = self
            .call(
                "start an exec",
                self.docker.start_exec(&created.id, Some(start)),
            )
            .await?;
        let mut out = ExecOutput::default();
        if let StartExecResults::Attached { mut output, .. } = started {
            // Drain the whole stream first: the exit code is only known once the process ended.
            let (mut stdout, mut stderr) = (BoundedOutput::new(), BoundedOutput::new());
            let drained = timeout(limit, async {
                while let Some(item) = output.next().await {
                    match item {
                        Ok(LogOutput::StdErr { message }) => stderr.push(&message),
                        Ok(chunk) => stdout.push(&chunk.into_bytes()),
                        Err(e) => return Err(classify(&e, &self.endpoint)),
                    }
                }
                Ok(())
            })
            .await;
            (out.stdout, out.stderr) = (stdout.text(), stderr.text());
            match drained {
                Ok(r) => r?,
                Err(_) => {
                    return Err(EngineError::Timeout {
                        what: format!("`{}` in {}", spec.command.join(" "), spec.container),
                        secs: limit.as_secs(),
                    });
                }
            }
        } else {
            return Ok(out);
        }
        for _ in 0..20 {
            let inspect = self
                .call("inspect an exec", self.docker.inspect_exec(&created.id))
                .await?;
            if inspect.running != Some(true) && inspect.exit_code.is_some() {
                out.exit_code = inspect.exit_code;
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        Ok(out)
    }

    async fn inspect_json(
        &self,
        name: &str,
        ctx: &ApplyContext,
    ) -> Result<serde_json::Value, EngineError> {
        // Only names can be objects; an image reference is not asked about, so that nothing
        // but a name (renamed in a namespace) reaches the daemon's paths.
        if !crate::command::is_object_name(name) {
            return no_such_object(name);
        }
        if let Some(mut c) = self
            .optional(
                "inspect a container",
                self.docker
                    .inspect_container(name, None::<InspectContainerOptions>),
            )
            .await?
        {
            if let Some(translation) = &ctx.host_ports {
                show_ports(translation, &mut c);
            }
            return to_json(&c);
        }
        if let Some(n) = self
            .optional("inspect a network", self.docker.inspect_network(name, None))
            .await?
        {
            return to_json(&n);
        }
        if let Some(v) = self
            .optional("inspect a volume", self.docker.inspect_volume(name))
            .await?
        {
            return to_json(&v);
        }
        no_such_object(name)
    }

    async fn network_create(
        &self,
        spec: &NetworkCreate,
        ctx: &ApplyContext,
    ) -> Result<ActionOutput, EngineError> {
        // The command's own labels first: labrunner's ownership labels always win.
        let mut labels: HashMap<String, String> = spec.labels.iter().cloned().collect();
        labels.extend(ctx.labels.clone());
        let ipam = (spec.subnet.is_some() || spec.gateway.is_some() || spec.ip_range.is_some())
            .then(|| Ipam {
                config: Some(vec![IpamConfig {
                    subnet: spec.subnet.clone(),
                    gateway: spec.gateway.clone(),
                    ip_range: spec.ip_range.clone(),
                    ..Default::default()
                }]),
                ..Default::default()
            });
        let request = NetworkCreateRequest {
            name: spec.name.clone(),
            driver: Some(spec.driver.clone().unwrap_or_else(|| "bridge".into())),
            internal: Some(spec.internal),
            ipam,
            labels: Some(labels),
            ..Default::default()
        };
        let created = self
            .call("create a network", self.docker.create_network(request))
            .await?;
        Ok(text(format!("{}\n", created.id)))
    }

    /// Prune only what this run created (else, without a run, what this lab created): pruning
    /// someone else's networks or volumes, or those of another grading of the same lab on the
    /// same daemon, would destroy data this run does not own.
    fn lab_filter(ctx: &ApplyContext) -> HashMap<String, Vec<String>> {
        let owner = match ctx.labels.get(LABEL_RUN) {
            Some(run) => format!("{LABEL_RUN}={run}"),
            None => {
                let lab = ctx.labels.get(LABEL_LAB).cloned().unwrap_or_default();
                format!("{LABEL_LAB}={lab}")
            }
        };
        HashMap::from([("label".to_string(), vec![owner])])
    }
}

/// The daemon's warnings as the docker CLI prints them.
fn warning_lines(warnings: &[String]) -> String {
    warnings.iter().map(|w| format!("WARNING: {w}\n")).collect()
}

/// The daemon's answer for a name that is no container, network or volume.
fn no_such_object<T>(name: &str) -> Result<T, EngineError> {
    Err(EngineError::Daemon {
        status: 404,
        message: format!("No such object: {name}"),
    })
}

/// A container's published ports and port bindings in `docker inspect`, as a namespaced run's
/// commands wrote them.
fn show_ports(
    translation: &crate::engine::ports::PortTranslation,
    c: &mut bollard::models::ContainerInspectResponse,
) {
    let name = c.name.clone().unwrap_or_default();
    let maps = [
        c.network_settings.as_mut().and_then(|s| s.ports.as_mut()),
        c.host_config
            .as_mut()
            .and_then(|h| h.port_bindings.as_mut()),
    ];
    for map in maps.into_iter().flatten() {
        for (key, bindings) in map.iter_mut() {
            let (port, proto) = key.split_once('/').unwrap_or((key, "tcp"));
            let Ok(container_port) = port.parse::<u16>() else {
                continue;
            };
            let Some(bindings) = bindings.as_mut() else {
                continue;
            };
            let mut ours: Vec<crate::engine::PortBinding> = bindings
                .iter()
                .map(|b| crate::engine::PortBinding {
                    container_port,
                    protocol: proto.to_string(),
                    host_ip: b.host_ip.clone().unwrap_or_default(),
                    host_port: b
                        .host_port
                        .as_deref()
                        .and_then(|p| p.parse().ok())
                        .unwrap_or(0),
                    bound_port: None,
                })
                .collect();
            translation.show(&name, &mut ours);
            for (b, shown) in bindings.iter_mut().zip(ours) {
                if shown.bound_port.is_some() {
                    b.host_port = Some(shown.host_port.to_string());
                }
            }
        }
    }
}
