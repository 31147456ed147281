//! The real engine: Docker Engine API through bollard.
//!
//! Connects through `DOCKER_HOST` or the local socket, negotiates the API version (1.41 or newer)
//! and puts a time limit on every call. Conversions from bollard's models to the domain types of
//! [`super`] are pure functions, tested below.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use async_trait::async_trait;
use bollard::Docker;
use bollard::container::LogOutput;
use bollard::exec::{StartExecOptions, StartExecResults};
use bollard::models::{
    ContainerCreateBody, ContainerInspectResponse, EndpointSettings, EventMessage, HostConfig,
    Ipam, IpamConfig, MountTmpfsOptions, MountType, NetworkConnectRequest, NetworkCreateRequest,
    NetworkDisconnectRequest, NetworkInspect, NetworkingConfig, PortBinding as ApiPortBinding,
    Volume, VolumeCreateRequest,
};
use bollard::query_parameters::{
    AttachContainerOptions, CreateContainerOptions, CreateImageOptions, EventsOptions, InspectContainerOptions,
    ListContainersOptions, ListNetworksOptions, ListVolumesOptions, LogsOptions,
    PruneNetworksOptions, PruneVolumesOptions, RemoveContainerOptions, RemoveVolumeOptions,
    StopContainerOptions, WaitContainerOptions,
};
use futures_util::stream::{BoxStream, StreamExt};
use tokio::time::timeout;

use super::{
    ActionOutput, ApplyContext, CALL_TIMEOUT, ContainerInfo, DaemonEvent, Engine, EngineError,
    ExecOutput, LABEL_LAB, MountInfo, NetworkInfo, PortBinding, Resources, VolumeInfo,
};
use crate::command::output::{render_inspect, render_ports};
use crate::command::{Action, ContainerSpec, ExecSpec, MountKind, MountSyntax, NetworkCreate};

/// Oldest Engine API labrunner supports (Docker 20.10).
pub const MIN_API: (u64, u64) = (1, 41);

/// How long a foreground `docker run` may take when the caller gives no limit.
const FOREGROUND_TIMEOUT: Duration = Duration::from_secs(120);

pub struct DockerEngine {
    docker: Docker,
    endpoint: String,
}

impl DockerEngine {
    /// Connect and negotiate the API version. Fails with one clear message when the daemon is
    /// missing, refuses permission or is too old.
    pub async fn connect() -> Result<Self, EngineError> {
        let endpoint =
            std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into());
        let docker = Docker::connect_with_defaults()
            .map_err(|e| classify(&e, &endpoint))?
            .with_timeout(CALL_TIMEOUT);
        let docker = match timeout(Duration::from_secs(10), docker.negotiate_version()).await {
            Ok(Ok(d)) => d,
            Ok(Err(e)) => return Err(classify(&e, &endpoint)),
            Err(_) => {
                return Err(EngineError::Unreachable {
                    endpoint,
                    detail: "no answer within 10s".into(),
                });
            }
        };
        let engine = DockerEngine { docker, endpoint };
        let version = engine
            .call("read the daemon version", engine.docker.version())
            .await?;
        let api = version.api_version.unwrap_or_default();
        if parse_api(&api).is_some_and(|v| v < MIN_API) {
            return Err(EngineError::TooOld {
                found: api,
                needed: format!("{}.{}", MIN_API.0, MIN_API.1),
            });
        }
        Ok(engine)
    }

    async fn call<T>(
        &self,
        what: &str,
        fut: impl Future<Output = Result<T, bollard::errors::Error>>,
    ) -> Result<T, EngineError> {
        match timeout(CALL_TIMEOUT, fut).await {
            Ok(r) => r.map_err(|e| classify(&e, &self.endpoint)),
            Err(_) => Err(EngineError::Timeout {
                what: what.to_string(),
                secs: CALL_TIMEOUT.as_secs(),
            }),
        }
    }

    /// Inspect that treats 404 as absence.
    async fn optional<T>(
        &self,
        what: &str,
        fut: impl Future<Output = Result<T, bollard::errors::Error>>,
    ) -> Result<Option<T>, EngineError> {
        match self.call(what, fut).await {
            Ok(v) => Ok(Some(v)),
            Err(EngineError::Daemon { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
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
                        let detail = match info.progress_detail.and_then(|p| p.current.zip(p.total))
                        {
                            Some((cur, total)) => {
                                format!("{} {cur}/{total} bytes", info.status.unwrap_or_default())
                            }
                            None => info.status.unwrap_or_default(),
                        };
                        let _ = tx.send(format!("pulling {image}: {detail}"));
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

    async fn create_container(
        &self,
        spec: &ContainerSpec,
        ctx: &ApplyContext,
    ) -> Result<String, EngineError> {
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
        Ok(created.id)
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
        let id = self.create_container(spec, ctx).await?;
        if let Err(e) = self
            .call("start a container", self.docker.start_container(&id, None))
            .await
        {
            // `docker run` leaves the created container behind; with --rm it is removed.
            if spec.remove {
                let _ = self.remove_container(&id).await;
            }
            return Err(e);
        }
        if spec.detach {
            return Ok(ActionOutput {
                stdout: format!("{id}\n"),
                exit_code: None,
            });
        }
        let limit = ctx.timeout.unwrap_or(FOREGROUND_TIMEOUT);
        let waited = timeout(limit, self.wait(&id)).await;
        let logs = self.logs(&id, None).await.unwrap_or_default();
        let result = match waited {
            Ok(Ok(code)) => Ok(ActionOutput {
                stdout: logs,
                exit_code: Some(code),
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
        if spec.remove {
            let _ = self.remove_container(&id).await;
        }
        result
    }

    async fn wait(&self, id: &str) -> Result<i64, EngineError> {
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

    async fn logs(&self, id: &str, tail: Option<&str>) -> Result<String, EngineError> {
        let options = LogsOptions {
            stdout: true,
            stderr: true,
            tail: tail.unwrap_or("all").to_string(),
            ..Default::default()
        };
        let mut stream = self.docker.logs(id, Some(options));
        let mut out = String::new();
        let drained = timeout(CALL_TIMEOUT, async {
            while let Some(item) = stream.next().await {
                match item {
                    Ok(chunk) => out.push_str(&String::from_utf8_lossy(&chunk.into_bytes())),
                    Err(e) => return Err(classify(&e, &self.endpoint)),
                }
            }
            Ok(())
        })
        .await;
        match drained {
            Ok(r) => r.map(|()| out),
            Err(_) => Err(EngineError::Timeout {
                what: format!("read logs of {id}"),
                secs: CALL_TIMEOUT.as_secs(),
            }),
        }
    }

    async fn exec_spec(&self, spec: &ExecSpec, limit: Duration) -> Result<ExecOutput, EngineError> {
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
            let drained = timeout(limit, async {
                while let Some(item) = output.next().await {
                    match item {
                        Ok(LogOutput::StdErr { message }) => {
                            out.stderr.push_str(&String::from_utf8_lossy(&message))
                        }
                        Ok(chunk) => out
                            .stdout
                            .push_str(&String::from_utf8_lossy(&chunk.into_bytes())),
                        Err(e) => return Err(classify(&e, &self.endpoint)),
                    }
                }
                Ok(())
            })
            .await;
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

    async fn inspect_json(&self, name: &str) -> Result<serde_json::Value, EngineError> {
        if let Some(c) = self
            .optional(
                "inspect a container",
                self.docker
                    .inspect_container(name, None::<InspectContainerOptions>),
            )
            .await?
        {
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
        Err(EngineError::Daemon {
            status: 404,
            message: format!("No such object: {name}"),
        })
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

    /// Prune only what this lab created: pruning someone else's networks or volumes would
    /// destroy data labrunner does not own.
    fn lab_filter(ctx: &ApplyContext) -> HashMap<String, Vec<String>> {
        let lab = ctx.labels.get(LABEL_LAB).cloned().unwrap_or_default();
        HashMap::from([("label".to_string(), vec![format!("{LABEL_LAB}={lab}")])])
    }
}

#[async_trait]
impl Engine for DockerEngine {
    async fn version(&self) -> Result<String, EngineError> {
        let v = self
            .call("read the daemon version", self.docker.version())
            .await?;
        Ok(format!(
            "{} (API {})",
            v.version.unwrap_or_default(),
            v.api_version.unwrap_or_default()
        ))
    }

    async fn apply(
        &self,
        action: &Action,
        ctx: &ApplyContext,
    ) -> Result<ActionOutput, EngineError> {
        match action {
            Action::NetworkCreate(spec) => self.network_create(spec, ctx).await,
            Action::NetworkRm { names, .. } => {
                for name in names {
                    self.call("remove a network", self.docker.remove_network(name))
                        .await?;
                }
                Ok(lines(names))
            }
            Action::NetworkConnect {
                network,
                container,
                aliases,
            } => {
                let request = NetworkConnectRequest {
                    container: container.clone(),
                    endpoint_config: (!aliases.is_empty()).then(|| EndpointSettings {
                        aliases: Some(aliases.clone()),
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
            Action::NetworkDisconnect {
                network,
                container,
                force,
            } => {
                let request = NetworkDisconnectRequest {
                    container: container.clone(),
                    force: Some(*force),
                };
                self.call(
                    "disconnect a network",
                    self.docker.disconnect_network(network, request),
                )
                .await?;
                Ok(ActionOutput::default())
            }
            Action::NetworkLs => {
                let nets = self
                    .call(
                        "list networks",
                        self.docker.list_networks(None::<ListNetworksOptions>),
                    )
                    .await?;
                let mut out = format!(
                    "{:<14}{:<24}{:<10}{}\n",
                    "NETWORK ID", "NAME", "DRIVER", "SCOPE"
                );
                for n in nets {
                    let id: String = n.id.unwrap_or_default().chars().take(12).collect();
                    out.push_str(&format!(
                        "{:<14}{:<24}{:<10}{}\n",
                        id,
                        n.name.unwrap_or_default(),
                        n.driver.unwrap_or_default(),
                        n.scope.unwrap_or_default()
                    ));
                }
                Ok(text(out))
            }
            Action::NetworkInspect { names, format }
            | Action::VolumeInspect { names, format }
            | Action::Inspect { names, format } => {
                let mut values = Vec::new();
                for name in names {
                    values.push(self.inspect_json(name).await?);
                }
                Ok(text(render_inspect(&values, format.as_deref())))
            }
            Action::NetworkPrune { .. } => {
                let options = PruneNetworksOptions {
                    filters: Some(Self::lab_filter(ctx)),
                };
                let pruned = self
                    .call("prune networks", self.docker.prune_networks(Some(options)))
                    .await?;
                Ok(lines(&pruned.networks_deleted.unwrap_or_default()))
            }
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
            Action::VolumeRm { names, force } => {
                for name in names {
                    self.call(
                        "remove a volume",
                        self.docker
                            .remove_volume(name, Some(RemoveVolumeOptions { force: *force })),
                    )
                    .await?;
                }
                Ok(lines(names))
            }
            Action::VolumeLs => {
                let vols = self
                    .call(
                        "list volumes",
                        self.docker.list_volumes(None::<ListVolumesOptions>),
                    )
                    .await?;
                let mut out = format!("{:<10}{}\n", "DRIVER", "VOLUME NAME");
                for v in vols.volumes.unwrap_or_default() {
                    out.push_str(&format!("{:<10}{}\n", v.driver, v.name));
                }
                Ok(text(out))
            }
            Action::VolumePrune { .. } => {
                let options = PruneVolumesOptions {
                    filters: Some(Self::lab_filter(ctx)),
                };
                let pruned = self
                    .call("prune volumes", self.docker.prune_volumes(Some(options)))
                    .await?;
                Ok(lines(&pruned.volumes_deleted.unwrap_or_default()))
            }
            Action::Run(spec) => self.run(spec, ctx).await,
            Action::Create(spec) => {
                let id = self.create_container(spec, ctx).await?;
                Ok(text(format!("{id}\n")))
            }
            Action::Exec(spec) => {
                let out = self
                    .exec_spec(spec, ctx.timeout.unwrap_or(FOREGROUND_TIMEOUT))
                    .await?;
                Ok(ActionOutput {
                    stdout: format!("{}{}", out.stdout, out.stderr),
                    exit_code: out.exit_code,
                })
            }
            Action::Rm {
                names,
                force,
                volumes,
            } => {
                for name in names {
                    let options = RemoveContainerOptions {
                        force: *force,
                        v: *volumes,
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
            Action::Stop { names, time } => {
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
            Action::Start { names } => {
                for name in names {
                    self.call("start a container", self.docker.start_container(name, None))
                        .await?;
                }
                Ok(lines(names))
            }
            Action::Port { container, port } => {
                let info = self
                    .container(container)
                    .await?
                    .ok_or_else(|| EngineError::Daemon {
                        status: 404,
                        message: format!("No such container: {container}"),
                    })?;
                Ok(text(render_ports(&info.ports, port.as_deref())))
            }
            Action::Logs {
                container, tail, ..
            } => Ok(text(self.logs(container, tail.as_deref()).await?)),
        }
    }

    async fn network(&self, name: &str) -> Result<Option<NetworkInfo>, EngineError> {
        let found = self
            .optional("inspect a network", self.docker.inspect_network(name, None))
            .await?;
        // The API also matches network id prefixes; only an exact name counts.
        Ok(found
            .map(network_info)
            .filter(|n| n.name == name || n.id == name))
    }

    async fn volume(&self, name: &str) -> Result<Option<VolumeInfo>, EngineError> {
        let found = self
            .optional("inspect a volume", self.docker.inspect_volume(name))
            .await?;
        Ok(found.map(volume_info))
    }

    async fn container(&self, name: &str) -> Result<Option<ContainerInfo>, EngineError> {
        let found = self
            .optional(
                "inspect a container",
                self.docker
                    .inspect_container(name, None::<InspectContainerOptions>),
            )
            .await?;
        Ok(found
            .map(container_info)
            .filter(|c| c.name == name || c.id.starts_with(name)))
    }

    async fn image_present(&self, name: &str) -> Result<bool, EngineError> {
        Ok(self
            .optional("inspect an image", self.docker.inspect_image(name))
            .await?
            .is_some())
    }

    async fn exec(
        &self,
        container: &str,
        command: &[String],
        limit: Duration,
    ) -> Result<ExecOutput, EngineError> {
        let spec = ExecSpec {
            container: container.to_string(),
            command: command.to_vec(),
            ..Default::default()
        };
        self.exec_spec(&spec, limit).await
    }

    async fn run_helper(
        &self,
        image: &str,
        volume: &str,
        command: &[String],
        labels: &BTreeMap<String, String>,
        limit: Duration,
    ) -> Result<ExecOutput, EngineError> {
        let body = ContainerCreateBody {
            image: Some(image.to_string()),
            cmd: Some(command.to_vec()),
            labels: Some(labels.clone().into_iter().collect()),
            host_config: Some(HostConfig {
                binds: Some(vec![format!("{volume}:/volume:ro")]),
                network_mode: Some("none".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let created = self
            .call(
                "create a helper container",
                self.docker
                    .create_container(None::<CreateContainerOptions>, body),
            )
            .await?;
        let id = created.id;
        let result = async {
            self.call(
                "start a helper container",
                self.docker.start_container(&id, None),
            )
            .await?;
            let code = match timeout(limit, self.wait(&id)).await {
                Ok(r) => r?,
                Err(_) => {
                    return Err(EngineError::Timeout {
                        what: "helper container".into(),
                        secs: limit.as_secs(),
                    });
                }
            };
            let mut out = ExecOutput {
                exit_code: Some(code),
                ..Default::default()
            };
            let options = LogsOptions {
                stdout: true,
                stderr: true,
                tail: "all".into(),
                ..Default::default()
            };
            let mut logs = self.docker.logs(&id, Some(options));
            while let Some(Ok(chunk)) = logs.next().await {
                match chunk {
                    LogOutput::StdErr { message } => {
                        out.stderr.push_str(&String::from_utf8_lossy(&message))
                    }
                    other => out
                        .stdout
                        .push_str(&String::from_utf8_lossy(&other.into_bytes())),
                }
            }
            Ok(out)
        }
        .await;
        let _ = self.remove_container(&id).await;
        result
    }

    async fn exec_commands_since(
        &self,
        container: &str,
        since: i64,
    ) -> Result<Vec<String>, EngineError> {
        // `until` to the nanosecond: a whole second would make the daemon hold the request
        // open until that second has passed.
        let now = chrono::Utc::now();
        let options = EventsOptions {
            since: Some(since.to_string()),
            until: Some(format!(
                "{}.{:09}",
                now.timestamp(),
                now.timestamp_subsec_nanos()
            )),
            filters: Some(HashMap::from([
                ("type".to_string(), vec!["container".to_string()]),
                ("container".to_string(), vec![container.to_string()]),
            ])),
        };
        let mut stream = self.docker.events(Some(options));
        let mut commands = Vec::new();
        let read = timeout(CALL_TIMEOUT, async {
            while let Some(item) = stream.next().await {
                let event = item.map_err(|e| classify(&e, &self.endpoint))?;
                if let Some(cmd) = event
                    .action
                    .as_deref()
                    .and_then(|a| a.strip_prefix("exec_start: "))
                {
                    commands.push(cmd.to_string());
                }
            }
            Ok::<(), EngineError>(())
        })
        .await;
        match read {
            Ok(r) => r.map(|()| commands),
            Err(_) => Err(EngineError::Timeout {
                what: "read past events".into(),
                secs: CALL_TIMEOUT.as_secs(),
            }),
        }
    }

    async fn labelled(&self, labels: &[(String, String)]) -> Result<Resources, EngineError> {
        let filter: HashMap<String, Vec<String>> = HashMap::from([(
            "label".to_string(),
            labels.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        )]);
        let containers = self
            .call(
                "list containers",
                self.docker.list_containers(Some(ListContainersOptions {
                    all: true,
                    filters: Some(filter.clone()),
                    ..Default::default()
                })),
            )
            .await?;
        let networks = self
            .call(
                "list networks",
                self.docker.list_networks(Some(ListNetworksOptions {
                    filters: Some(filter.clone()),
                })),
            )
            .await?;
        let volumes = self
            .call(
                "list volumes",
                self.docker.list_volumes(Some(ListVolumesOptions {
                    filters: Some(filter),
                })),
            )
            .await?;
        Ok(Resources {
            containers: containers
                .into_iter()
                .filter_map(|c| {
                    c.names
                        .and_then(|n| n.first().map(|n| n.trim_start_matches('/').to_string()))
                })
                .collect(),
            networks: networks.into_iter().filter_map(|n| n.name).collect(),
            volumes: volumes
                .volumes
                .unwrap_or_default()
                .into_iter()
                .map(|v| v.name)
                .collect(),
        })
    }

    async fn remove_container(&self, name: &str) -> Result<(), EngineError> {
        let options = RemoveContainerOptions {
            force: true,
            v: true,
            ..Default::default()
        };
        match self
            .call(
                "remove a container",
                self.docker.remove_container(name, Some(options)),
            )
            .await
        {
            Err(EngineError::Daemon { status: 404, .. }) => Ok(()),
            // Removal already under way (an auto-removed container): wait for it to finish.
            Err(EngineError::Daemon { status: 409, .. }) => {
                for _ in 0..40 {
                    if self.container(name).await?.is_none() {
                        return Ok(());
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Ok(())
            }
            other => other,
        }
    }

    async fn remove_network(&self, name: &str) -> Result<(), EngineError> {
        match self
            .call("remove a network", self.docker.remove_network(name))
            .await
        {
            Err(EngineError::Daemon { status: 404, .. }) => Ok(()),
            other => other,
        }
    }

    async fn remove_volume(&self, name: &str) -> Result<(), EngineError> {
        match self
            .call(
                "remove a volume",
                self.docker
                    .remove_volume(name, Some(RemoveVolumeOptions { force: false })),
            )
            .await
        {
            Err(EngineError::Daemon { status: 404, .. }) => Ok(()),
            other => other,
        }
    }

    fn events(&self) -> BoxStream<'static, Result<DaemonEvent, EngineError>> {
        let options = EventsOptions {
            filters: Some(HashMap::from([(
                "type".to_string(),
                vec!["container".into(), "network".into(), "volume".into()],
            )])),
            ..Default::default()
        };
        // The events stream is long-lived: use a client without the per-call timeout.
        let docker = self
            .docker
            .clone()
            .with_timeout(Duration::from_secs(u32::MAX as u64));
        let endpoint = self.endpoint.clone();
        docker
            .events(Some(options))
            .map(move |item| item.map(daemon_event).map_err(|e| classify(&e, &endpoint)))
            .boxed()
    }

    fn events_since(&self, since_ns: i64) -> BoxStream<'static, Result<DaemonEvent, EngineError>> {
        let options = EventsOptions {
            since: Some(api_time(since_ns)),
            filters: Some(HashMap::from([(
                "type".to_string(),
                vec!["container".into(), "network".into(), "volume".into()],
            )])),
            ..Default::default()
        };
        let docker = self.long_lived();
        let endpoint = self.endpoint.clone();
        docker
            .events(Some(options))
            .map(move |item| item.map(daemon_event).map_err(|e| classify(&e, &endpoint)))
            .boxed()
    }

    async fn past_events(&self, since_ns: i64) -> Result<Vec<DaemonEvent>, EngineError> {
        // `until` to the nanosecond: a whole second would make the daemon hold the request
        // open until that second has passed.
        let options = EventsOptions {
            since: Some(api_time(since_ns)),
            until: Some(api_time(crate::recorder::now_ns())),
            filters: Some(HashMap::from([(
                "type".to_string(),
                vec!["container".to_string()],
            )])),
        };
        let mut stream = self.docker.events(Some(options));
        let mut events = Vec::new();
        let read = timeout(CALL_TIMEOUT, async {
            while let Some(item) = stream.next().await {
                events.push(daemon_event(item.map_err(|e| classify(&e, &self.endpoint))?));
                if events.len() >= PAST_EVENTS_LIMIT {
                    break;
                }
            }
            Ok::<(), EngineError>(())
        })
        .await;
        match read {
            Ok(r) => r.map(|()| events),
            Err(_) => Err(EngineError::Timeout {
                what: "read past events".into(),
                secs: CALL_TIMEOUT.as_secs(),
            }),
        }
    }

    fn attach_output(&self, container: &str) -> BoxStream<'static, Result<Vec<u8>, EngineError>> {
        let options = AttachContainerOptions {
            logs: true,
            stream: true,
            stdout: true,
            stderr: true,
            ..Default::default()
        };
        // Attached for the container's whole life: no per-call time limit.
        let docker = self.long_lived();
        let endpoint = self.endpoint.clone();
        let id = container.to_string();
        futures_util::stream::once(async move {
            match docker.attach_container(&id, Some(options)).await {
                Ok(attached) => attached
                    .output
                    .map(move |item| {
                        item.map(|o| o.into_bytes().to_vec())
                            .map_err(|e| classify(&e, &endpoint))
                    })
                    .boxed(),
                Err(e) => {
                    let error = classify(&e, &endpoint);
                    futures_util::stream::once(async move { Err(error) }).boxed()
                }
            }
        })
        .flatten()
        .boxed()
    }

    async fn logs(&self, container: &str, limit: usize) -> Result<String, EngineError> {
        let options = LogsOptions {
            stdout: true,
            stderr: true,
            tail: "all".to_string(),
            ..Default::default()
        };
        let mut stream = self.docker.logs(container, Some(options));
        let mut out: Vec<u8> = Vec::new();
        let read = timeout(CALL_TIMEOUT, async {
            while let Some(item) = stream.next().await {
                let chunk = item.map_err(|e| classify(&e, &self.endpoint))?.into_bytes();
                let room = limit.saturating_sub(out.len());
                out.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if out.len() >= limit {
                    break;
                }
            }
            Ok::<(), EngineError>(())
        })
        .await;
        match read {
            Ok(r) => r.map(|()| String::from_utf8_lossy(&out).to_string()),
            Err(_) => Err(EngineError::Timeout {
                what: format!("read the logs of {container}"),
                secs: CALL_TIMEOUT.as_secs(),
            }),
        }
    }
}

/// Most past events read at once.
const PAST_EVENTS_LIMIT: usize = 10_000;

/// Nanoseconds since the epoch as the API's `seconds.nanoseconds`.
fn api_time(ns: i64) -> String {
    format!("{}.{:09}", ns.div_euclid(1_000_000_000), ns.rem_euclid(1_000_000_000))
}

impl DockerEngine {
    /// A client without the per-call time limit, for streams that live long.
    fn long_lived(&self) -> Docker {
        self.docker
            .clone()
            .with_timeout(Duration::from_secs(u32::MAX as u64))
    }
}

// ---------------------------------------------------------------------------------------------
// Pure conversions.

/// Turn a bollard error into one the user can act on, keeping the daemon's own message.
pub fn classify(error: &bollard::errors::Error, endpoint: &str) -> EngineError {
    use bollard::errors::Error as E;
    match error {
        E::DockerResponseServerError {
            status_code,
            message,
        } => EngineError::Daemon {
            status: *status_code,
            message: message.trim().to_string(),
        },
        E::RequestTimeoutError => EngineError::Timeout {
            what: "a call to the Docker daemon".into(),
            secs: CALL_TIMEOUT.as_secs(),
        },
        other => {
            let detail = full_message(other);
            let lower = detail.to_lowercase();
            if lower.contains("permission denied") {
                EngineError::PermissionDenied {
                    endpoint: endpoint.to_string(),
                }
            } else if lower.contains("no such file")
                || lower.contains("connection refused")
                || lower.contains("socket not found")
                || lower.contains("connect")
                || lower.contains("broken pipe")
                || lower.contains("connection reset")
            {
                EngineError::Unreachable {
                    endpoint: endpoint.to_string(),
                    detail,
                }
            } else {
                EngineError::Other(detail)
            }
        }
    }
}

fn full_message(error: &dyn std::error::Error) -> String {
    let mut msg = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

fn parse_api(v: &str) -> Option<(u64, u64)> {
    let (a, b) = v.split_once('.')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

fn split_tag(image: &str) -> (&str, &str) {
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        Some((_, tag)) if !last.contains('@') => (&image[..image.len() - tag.len() - 1], tag),
        _ => (image, "latest"),
    }
}

fn text(stdout: String) -> ActionOutput {
    ActionOutput {
        stdout,
        exit_code: None,
    }
}

fn lines(names: &[String]) -> ActionOutput {
    text(names.iter().map(|n| format!("{n}\n")).collect())
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<serde_json::Value, EngineError> {
    serde_json::to_value(value).map_err(|e| EngineError::Other(e.to_string()))
}

/// The create request `docker run`/`docker create` would send for `spec`.
pub fn container_body(
    spec: &ContainerSpec,
    image: &str,
    ctx: &ApplyContext,
) -> ContainerCreateBody {
    // The command's own labels first: labrunner's ownership labels always win.
    let mut labels: HashMap<String, String> = spec.labels.iter().cloned().collect();
    labels.extend(ctx.labels.clone());

    let mut binds = Vec::new();
    let mut mounts = Vec::new();
    let mut anonymous = Vec::new();
    let mut tmpfs = HashMap::new();
    for m in &spec.mounts {
        match (m.syntax, m.kind) {
            (MountSyntax::TmpfsFlag, _) => {
                tmpfs.insert(m.target.clone(), m.options.join(","));
            }
            (MountSyntax::VolumeFlag, _) => match &m.source {
                Some(source) => {
                    let mut opts = m.options.clone();
                    if m.read_only {
                        opts.insert(0, "ro".into());
                    }
                    binds.push(if opts.is_empty() {
                        format!("{source}:{}", m.target)
                    } else {
                        format!("{source}:{}:{}", m.target, opts.join(","))
                    });
                }
                None => anonymous.push(m.target.clone()),
            },
            (MountSyntax::MountFlag, kind) => {
                let size = m
                    .options
                    .iter()
                    .find_map(|o| o.strip_prefix("tmpfs-size=").and_then(parse_size));
                mounts.push(bollard::models::Mount {
                    typ: Some(match kind {
                        MountKind::Volume => MountType::VOLUME,
                        MountKind::Bind => MountType::BIND,
                        MountKind::Tmpfs => MountType::TMPFS,
                    }),
                    source: m.source.clone(),
                    target: Some(m.target.clone()),
                    read_only: Some(m.read_only),
                    tmpfs_options: (kind == MountKind::Tmpfs && size.is_some()).then(|| {
                        MountTmpfsOptions {
                            size_bytes: size,
                            ..Default::default()
                        }
                    }),
                    ..Default::default()
                });
            }
        }
    }

    let mut exposed: Vec<String> = spec
        .expose
        .iter()
        .map(|p| {
            if p.contains('/') {
                p.clone()
            } else {
                format!("{p}/tcp")
            }
        })
        .collect();
    let mut bindings: HashMap<String, Option<Vec<ApiPortBinding>>> = HashMap::new();
    for p in &spec.ports {
        let count = p.container_ports.1.saturating_sub(p.container_ports.0);
        for i in 0..=count {
            let key = format!("{}/{}", p.container_ports.0 + i, p.protocol);
            if !exposed.contains(&key) {
                exposed.push(key.clone());
            }
            let host_port = match p.host_ports {
                // A host range the size of the container range maps one to one; a single host
                // port for one container port is that port.
                Some((lo, hi)) if hi.saturating_sub(lo) == count => (lo + i).to_string(),
                Some((lo, hi)) => format!("{lo}-{hi}"),
                None => String::new(),
            };
            bindings
                .entry(key)
                .or_insert_with(|| Some(Vec::new()))
                .get_or_insert_with(Vec::new)
                .push(ApiPortBinding {
                    host_ip: Some(p.host_ip.clone().unwrap_or_default()),
                    host_port: Some(host_port),
                });
        }
    }

    let network_mode = spec.network.clone();
    let networking_config = match (&network_mode, spec.network_aliases.is_empty()) {
        (Some(net), false) => Some(NetworkingConfig {
            endpoints_config: Some(HashMap::from([(
                net.clone(),
                EndpointSettings {
                    aliases: Some(spec.network_aliases.clone()),
                    ..Default::default()
                },
            )])),
        }),
        _ => None,
    };
    let (dns, dns_options) = if spec.dns.is_empty() {
        (ctx.dns.clone(), ctx.dns_options.clone())
    } else {
        (Some(spec.dns.clone()), None)
    };

    ContainerCreateBody {
        image: Some(image.to_string()),
        cmd: (!spec.command.is_empty()).then(|| spec.command.clone()),
        entrypoint: spec.entrypoint.as_ref().map(|e| {
            if e.is_empty() {
                vec![]
            } else {
                vec![e.clone()]
            }
        }),
        env: (!spec.env.is_empty()).then(|| spec.env.clone()),
        user: spec.user.clone(),
        working_dir: spec.workdir.clone(),
        hostname: spec.hostname.clone(),
        labels: Some(labels),
        tty: Some(spec.tty),
        open_stdin: Some(spec.interactive),
        attach_stdout: Some(!spec.detach),
        attach_stderr: Some(!spec.detach),
        exposed_ports: (!exposed.is_empty()).then_some(exposed),
        volumes: (!anonymous.is_empty()).then_some(anonymous),
        host_config: Some(HostConfig {
            binds: (!binds.is_empty()).then_some(binds),
            mounts: (!mounts.is_empty()).then_some(mounts),
            tmpfs: (!tmpfs.is_empty()).then_some(tmpfs),
            port_bindings: (!bindings.is_empty()).then_some(bindings),
            publish_all_ports: Some(spec.publish_all),
            network_mode,
            auto_remove: Some(spec.remove && spec.detach),
            privileged: Some(spec.privileged),
            cap_add: (!spec.cap_add.is_empty()).then(|| spec.cap_add.clone()),
            pid_mode: spec.pid.clone(),
            ipc_mode: spec.ipc.clone(),
            uts_mode: spec.uts.clone(),
            memory: spec.memory.or(ctx.memory_limit),
            pids_limit: spec.pids_limit.or(ctx.pids_limit),
            dns,
            dns_options,
            restart_policy: spec
                .restart
                .as_ref()
                .map(|r| bollard::models::RestartPolicy {
                    name: Some(match r.split(':').next().unwrap_or("") {
                        "always" => bollard::models::RestartPolicyNameEnum::ALWAYS,
                        "unless-stopped" => bollard::models::RestartPolicyNameEnum::UNLESS_STOPPED,
                        "on-failure" => bollard::models::RestartPolicyNameEnum::ON_FAILURE,
                        _ => bollard::models::RestartPolicyNameEnum::NO,
                    }),
                    maximum_retry_count: r.split(':').nth(1).and_then(|n| n.parse().ok()),
                }),
            ..Default::default()
        }),
        networking_config,
        ..Default::default()
    }
}

fn parse_size(s: &str) -> Option<i64> {
    let s = s.trim().to_lowercase();
    let (num, mult) = match s.chars().last()? {
        'k' => (&s[..s.len() - 1], 1024),
        'm' => (&s[..s.len() - 1], 1024 * 1024),
        'g' => (&s[..s.len() - 1], 1024 * 1024 * 1024),
        _ => (s.as_str(), 1),
    };
    num.parse::<i64>().ok().map(|n| n * mult)
}

pub fn container_info(c: ContainerInspectResponse) -> ContainerInfo {
    let state = c.state.unwrap_or_default();
    let host = c.host_config.unwrap_or_default();
    let settings = c.network_settings.unwrap_or_default();
    let endpoints = settings.networks.unwrap_or_default();
    let addresses: BTreeMap<String, String> = endpoints
        .iter()
        .filter_map(|(net, e)| {
            e.ip_address
                .clone()
                .filter(|ip| !ip.is_empty())
                .map(|ip| (net.clone(), ip))
        })
        .collect();
    let real_endpoints: BTreeMap<String, String> = endpoints
        .iter()
        .filter_map(|(net, e)| {
            e.network_id
                .clone()
                .filter(|id| !id.is_empty())
                .map(|id| (net.clone(), id))
        })
        .collect();
    let mut networks: Vec<String> = endpoints.into_keys().collect();
    networks.sort();
    let mut mounts: Vec<MountInfo> = c
        .mounts
        .unwrap_or_default()
        .into_iter()
        .map(|m| {
            let kind = m.typ.as_deref().and_then(MountKind::from_daemon);
            MountInfo {
                kind,
                source: if kind == Some(MountKind::Volume) {
                    m.name.unwrap_or_default()
                } else {
                    m.source.unwrap_or_default()
                },
                target: m.destination.unwrap_or_default(),
                read_only: m.rw == Some(false),
            }
        })
        .collect();
    // `--tmpfs` mounts live in HostConfig.Tmpfs, not in Mounts.
    for (target, opts) in host.tmpfs.unwrap_or_default() {
        if !mounts.iter().any(|m| m.target == target) {
            mounts.push(MountInfo {
                kind: Some(MountKind::Tmpfs),
                source: String::new(),
                target,
                read_only: opts.split(',').any(|o| o == "ro"),
            });
        }
    }
    mounts.sort_by(|a, b| a.target.cmp(&b.target));
    let mut ports = Vec::new();
    for (key, bindings) in settings.ports.unwrap_or_default() {
        let (port, proto) = key.split_once('/').unwrap_or((&key, "tcp"));
        let Ok(container_port) = port.parse::<u16>() else {
            continue;
        };
        for b in bindings.unwrap_or_default() {
            ports.push(PortBinding {
                container_port,
                protocol: proto.to_string(),
                host_ip: b.host_ip.unwrap_or_default(),
                host_port: b.host_port.and_then(|p| p.parse().ok()).unwrap_or(0),
            });
        }
    }
    ports.sort_by(|a, b| (a.container_port, &a.host_ip).cmp(&(b.container_port, &b.host_ip)));
    let config = c.config.unwrap_or_default();
    let mut command = config.entrypoint.clone().unwrap_or_default();
    command.extend(config.cmd.clone().unwrap_or_default());
    ContainerInfo {
        id: c.id.unwrap_or_default(),
        name: c
            .name
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_string(),
        image: config.image.unwrap_or_default(),
        status: state.status.map(|s| s.to_string()).unwrap_or_default(),
        exit_code: state.exit_code,
        network_mode: host.network_mode.unwrap_or_default(),
        networks,
        endpoints: real_endpoints,
        command,
        user: config.user.clone().unwrap_or_default(),
        addresses,
        mounts,
        ports,
        labels: config.labels.unwrap_or_default().into_iter().collect(),
    }
}

pub fn network_info(n: NetworkInspect) -> NetworkInfo {
    NetworkInfo {
        name: n.name.unwrap_or_default(),
        id: n.id.unwrap_or_default(),
        driver: n.driver.unwrap_or_default(),
        subnets: n
            .ipam
            .and_then(|i| i.config)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|c| c.subnet)
            .collect(),
        labels: n.labels.unwrap_or_default().into_iter().collect(),
    }
}

pub fn volume_info(v: Volume) -> VolumeInfo {
    VolumeInfo {
        name: v.name,
        driver: v.driver,
        labels: v.labels.into_iter().collect(),
    }
}

pub fn daemon_event(e: EventMessage) -> DaemonEvent {
    let actor = e.actor.unwrap_or_default();
    let attributes: BTreeMap<String, String> =
        actor.attributes.unwrap_or_default().into_iter().collect();
    let kind = e.typ.map(|t| t.to_string()).unwrap_or_default();
    let name = attributes
        .get("name")
        .cloned()
        .or_else(|| (kind == "volume").then(|| actor.id.clone()).flatten());
    let time_ns = e
        .time_nano
        .or_else(|| e.time.map(|t| t.saturating_mul(1_000_000_000)))
        .unwrap_or_default();
    DaemonEvent {
        kind,
        action: e.action.unwrap_or_default(),
        name,
        id: actor.id,
        time_ns,
        attributes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::{Mount, PortSpec};
    use bollard::models::{ContainerState, MountPoint, NetworkSettings};

    #[test]
    fn splits_image_tags() {
        assert_eq!(split_tag("alpine"), ("alpine", "latest"));
        assert_eq!(split_tag("alpine:3.19"), ("alpine", "3.19"));
        assert_eq!(
            split_tag("localhost:5000/x"),
            ("localhost:5000/x", "latest")
        );
        assert_eq!(split_tag("localhost:5000/x:1"), ("localhost:5000/x", "1"));
    }

    #[test]
    fn api_versions_compare() {
        assert!(parse_api("1.40").unwrap() < MIN_API);
        assert!(parse_api("1.41").unwrap() >= MIN_API);
        assert!(parse_api("1.47").unwrap() >= MIN_API);
        assert_eq!(parse_api("x"), None);
    }

    #[test]
    fn run_spec_becomes_create_body() {
        let spec = ContainerSpec {
            name: Some("web".into()),
            image: "nginx".into(),
            detach: true,
            network: Some("app-net".into()),
            network_aliases: vec!["web".into()],
            mounts: vec![
                Mount {
                    kind: MountKind::Volume,
                    syntax: MountSyntax::MountFlag,
                    source: Some("data".into()),
                    target: "/data".into(),
                    read_only: true,
                    options: vec![],
                },
                Mount {
                    kind: MountKind::Bind,
                    syntax: MountSyntax::VolumeFlag,
                    source: Some("/lab".into()),
                    target: "/backup".into(),
                    read_only: false,
                    options: vec![],
                },
                Mount {
                    kind: MountKind::Volume,
                    syntax: MountSyntax::VolumeFlag,
                    source: None,
                    target: "/anon".into(),
                    read_only: false,
                    options: vec![],
                },
                Mount {
                    kind: MountKind::Tmpfs,
                    syntax: MountSyntax::TmpfsFlag,
                    source: None,
                    target: "/run".into(),
                    read_only: false,
                    options: vec!["size=64m".into()],
                },
            ],
            ports: vec![
                PortSpec {
                    host_ip: Some("127.0.0.1".into()),
                    host_ports: Some((8080, 8080)),
                    container_ports: (80, 80),
                    protocol: "tcp".into(),
                },
                PortSpec {
                    host_ip: None,
                    host_ports: Some((8000, 8001)),
                    container_ports: (9000, 9001),
                    protocol: "udp".into(),
                },
            ],
            ..Default::default()
        };
        let mut ctx = ApplyContext::default();
        ctx.labels
            .insert("io.labrunner.managed".into(), "true".into());
        ctx.dns = Some(vec!["127.0.0.1".into()]);
        let body = container_body(&spec, "fixture/web:1", &ctx);
        assert_eq!(body.image.as_deref(), Some("fixture/web:1"));
        let host = body.host_config.unwrap();
        assert_eq!(host.binds.unwrap(), vec!["/lab:/backup".to_string()]);
        assert_eq!(body.volumes.unwrap(), vec!["/anon".to_string()]);
        assert_eq!(
            host.tmpfs.unwrap().get("/run").map(String::as_str),
            Some("size=64m")
        );
        let mounts = host.mounts.unwrap();
        assert_eq!(mounts[0].read_only, Some(true));
        assert_eq!(mounts[0].typ, Some(MountType::VOLUME));
        let mut exposed = body.exposed_ports.unwrap();
        exposed.sort();
        assert_eq!(exposed, vec!["80/tcp", "9000/udp", "9001/udp"]);
        let ports = host.port_bindings.unwrap();
        let b = ports["80/tcp"].as_ref().unwrap();
        assert_eq!(b[0].host_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(b[0].host_port.as_deref(), Some("8080"));
        assert_eq!(
            ports["9001/udp"].as_ref().unwrap()[0].host_port.as_deref(),
            Some("8001")
        );
        assert_eq!(host.network_mode.as_deref(), Some("app-net"));
        assert_eq!(host.dns.unwrap(), vec!["127.0.0.1".to_string()]);
        assert_eq!(host.auto_remove, Some(false));
        let endpoints = body.networking_config.unwrap().endpoints_config.unwrap();
        assert_eq!(
            endpoints["app-net"].aliases.as_ref().unwrap(),
            &vec!["web".to_string()]
        );
        assert_eq!(body.labels.unwrap()["io.labrunner.managed"], "true");
    }

    #[test]
    fn inspect_response_becomes_container_info() {
        let response = ContainerInspectResponse {
            id: Some("abc123".into()),
            name: Some("/web".into()),
            state: Some(ContainerState {
                status: Some(bollard::models::ContainerStateStatusEnum::EXITED),
                exit_code: Some(3),
                ..Default::default()
            }),
            host_config: Some(HostConfig {
                network_mode: Some("none".into()),
                tmpfs: Some(HashMap::from([(
                    "/cache".to_string(),
                    "ro,size=1m".to_string(),
                )])),
                ..Default::default()
            }),
            mounts: Some(vec![MountPoint {
                typ: Some("volume".into()),
                name: Some("data".into()),
                source: Some("/var/lib/docker/volumes/data/_data".into()),
                destination: Some("/data".into()),
                rw: Some(false),
                ..Default::default()
            }]),
            network_settings: Some(NetworkSettings {
                ports: Some(HashMap::from([
                    (
                        "80/tcp".to_string(),
                        Some(vec![ApiPortBinding {
                            host_ip: Some("127.0.0.1".into()),
                            host_port: Some("8081".into()),
                        }]),
                    ),
                    ("443/tcp".to_string(), None),
                ])),
                ..Default::default()
            }),
            ..Default::default()
        };
        let info = container_info(response);
        assert_eq!(info.name, "web");
        assert_eq!(info.status, "exited");
        assert_eq!(info.exit_code, Some(3));
        assert_eq!(info.mounts.len(), 2);
        assert_eq!(info.mounts[0].target, "/cache");
        assert_eq!(info.mounts[0].kind, Some(MountKind::Tmpfs));
        assert!(info.mounts[0].read_only);
        assert_eq!(info.mounts[1].source, "data");
        assert!(info.mounts[1].read_only);
        assert_eq!(
            info.ports,
            vec![PortBinding {
                container_port: 80,
                protocol: "tcp".into(),
                host_ip: "127.0.0.1".into(),
                host_port: 8081
            }]
        );
        assert_eq!(
            render_ports(&info.ports, None),
            "80/tcp -> 127.0.0.1:8081\n"
        );
        assert_eq!(render_ports(&info.ports, Some("443")), "");
    }

    #[test]
    fn inspect_format_renders_paths() {
        let v = serde_json::json!({"NetworkSettings": {"IPAddress": "172.17.0.2", "Ports": {}}, "Name": "/a"});
        assert_eq!(
            render_inspect(
                std::slice::from_ref(&v),
                Some("{{.NetworkSettings.IPAddress}}")
            ),
            "172.17.0.2\n"
        );
        assert_eq!(
            render_inspect(
                std::slice::from_ref(&v),
                Some("ip={{ .NetworkSettings.IPAddress }}!")
            ),
            "ip=172.17.0.2!\n"
        );
        assert_eq!(
            render_inspect(
                std::slice::from_ref(&v),
                Some("{{json .NetworkSettings.Ports}}")
            ),
            "{}\n"
        );
        assert_eq!(render_inspect(&[v], Some("{{.Missing}}")), "<no value>\n");
    }

    #[test]
    fn errors_are_classified() {
        let e = bollard::errors::Error::DockerResponseServerError {
            status_code: 404,
            message: "network missing-net not found".into(),
        };
        assert_eq!(
            classify(&e, "unix:///x"),
            EngineError::Daemon {
                status: 404,
                message: "network missing-net not found".into()
            }
        );
        let e = bollard::errors::Error::IOError {
            err: std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                "Permission denied (os error 13)",
            ),
        };
        let message = classify(&e, "unix:///var/run/docker.sock").to_string();
        assert!(message.contains("docker` group"), "{message}");
        let e = bollard::errors::Error::IOError {
            err: std::io::Error::new(
                std::io::ErrorKind::ConnectionRefused,
                "Connection refused (os error 111)",
            ),
        };
        assert!(matches!(
            classify(&e, "unix:///x"),
            EngineError::Unreachable { .. }
        ));
        let e = bollard::errors::Error::SocketNotFoundError("/nope.sock".into());
        assert!(matches!(
            classify(&e, "unix:///nope.sock"),
            EngineError::Unreachable { .. }
        ));
    }
}
