//! The daemon's primitives on the Engine API: one method per call the executor makes
//! ([`crate::execute`] holds what each docker command does with them).

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
    ListContainersOptions, ListNetworksOptions, ListVolumesOptions, PruneNetworksOptions,
    PruneVolumesOptions, RemoveContainerOptions, RemoveVolumeOptions, RestartContainerOptions,
    StopContainerOptions, WaitContainerOptions,
};
use futures_util::stream::StreamExt;
use tokio::time::timeout;

use super::DockerEngine;
use super::convert::{container_body, split_tag, to_json, volume_info};
use super::error::classify;
use crate::command::{ContainerSpec, ExecSpec, NetworkCreate};
use crate::engine::ports::PortTranslation;
use crate::engine::{
    Change, CreateOptions, Created, EngineError, ExecOutput, NetworkInfo, Prunable, PullProgress,
    VolumeInfo,
};
use crate::output::BoundedOutput;

impl DockerEngine {
    pub(super) async fn create(
        &self,
        spec: &ContainerSpec,
        options: &CreateOptions,
    ) -> Result<Created, EngineError> {
        let body = container_body(spec, &spec.image, options);
        let name = CreateContainerOptions {
            name: spec.name.clone(),
            ..Default::default()
        };
        let created = self
            .call(
                "create a container",
                self.docker.create_container(Some(name), body),
            )
            .await?;
        Ok(Created {
            id: created.id,
            warnings: created.warnings,
        })
    }

    pub(super) async fn make_change(&self, name: &str, change: &Change) -> Result<(), EngineError> {
        let docker = &self.docker;
        let t = |time: &Option<i64>| time.map(|t| t as i32);
        match change {
            Change::Start => {
                self.call("start a container", docker.start_container(name, None))
                    .await
            }
            Change::Stop { time } => {
                let options = StopContainerOptions {
                    t: t(time),
                    signal: None,
                };
                self.call(
                    "stop a container",
                    docker.stop_container(name, Some(options)),
                )
                .await
            }
            Change::Restart { time } => {
                let options = RestartContainerOptions {
                    t: t(time),
                    signal: None,
                };
                self.call(
                    "restart a container",
                    docker.restart_container(name, Some(options)),
                )
                .await
            }
            Change::Kill { signal } => {
                let options = KillContainerOptions {
                    signal: signal.clone(),
                };
                self.call(
                    "kill a container",
                    docker.kill_container(name, Some(options)),
                )
                .await
            }
            Change::Pause => {
                self.call("pause a container", docker.pause_container(name))
                    .await
            }
            Change::Unpause => {
                self.call("unpause a container", docker.unpause_container(name))
                    .await
            }
            Change::RemoveContainer { force, volumes } => {
                let options = RemoveContainerOptions {
                    force: *force,
                    v: *volumes,
                    ..Default::default()
                };
                self.call(
                    "remove a container",
                    docker.remove_container(name, Some(options)),
                )
                .await
            }
            Change::Connect { network, aliases } => {
                let request = NetworkConnectRequest {
                    container: name.to_string(),
                    endpoint_config: (!aliases.is_empty()).then(|| EndpointSettings {
                        aliases: Some(aliases.to_vec()),
                        ..Default::default()
                    }),
                };
                self.call(
                    "connect a network",
                    docker.connect_network(network, request),
                )
                .await
            }
            Change::Disconnect { network, force } => {
                let request = NetworkDisconnectRequest {
                    container: name.to_string(),
                    force: Some(*force),
                };
                self.call(
                    "disconnect a network",
                    docker.disconnect_network(network, request),
                )
                .await
            }
            Change::RemoveNetwork => {
                self.call("remove a network", docker.remove_network(name))
                    .await
            }
            Change::RemoveVolume { force } => {
                let options = RemoveVolumeOptions { force: *force };
                self.call("remove a volume", docker.remove_volume(name, Some(options)))
                    .await
            }
        }
    }

    /// Ids of the running (or paused) containers carrying every label given.
    pub(super) async fn running_ids(
        &self,
        labels: &[(String, String)],
    ) -> Result<Vec<String>, EngineError> {
        let filters = HashMap::from([(
            "label".to_string(),
            labels.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        )]);
        let list = self
            .call(
                "list running containers",
                self.docker.list_containers(Some(ListContainersOptions {
                    all: false,
                    filters: Some(filters),
                    ..Default::default()
                })),
            )
            .await?;
        Ok(list.into_iter().filter_map(|c| c.id).collect())
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

    pub(super) async fn new_network(
        &self,
        spec: &NetworkCreate,
        labels: &BTreeMap<String, String>,
    ) -> Result<String, EngineError> {
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
            labels: Some(labels.clone().into_iter().collect()),
            ..Default::default()
        };
        let created = self
            .call("create a network", self.docker.create_network(request))
            .await?;
        Ok(created.id)
    }

    pub(super) async fn new_volume(
        &self,
        name: Option<&str>,
        driver: Option<&str>,
        labels: &BTreeMap<String, String>,
    ) -> Result<String, EngineError> {
        let request = VolumeCreateRequest {
            name: name.map(str::to_string),
            driver: driver.map(str::to_string),
            labels: Some(labels.clone().into_iter().collect()),
            ..Default::default()
        };
        let volume = self
            .call("create a volume", self.docker.create_volume(request))
            .await?;
        Ok(volume.name)
    }

    pub(super) async fn all_networks(&self) -> Result<Vec<NetworkInfo>, EngineError> {
        let nets = self
            .call(
                "list networks",
                self.docker.list_networks(None::<ListNetworksOptions>),
            )
            .await?;
        Ok(nets
            .into_iter()
            .map(|n| NetworkInfo {
                name: n.name.unwrap_or_default(),
                id: n.id.unwrap_or_default(),
                driver: n.driver.unwrap_or_default(),
                scope: n.scope.unwrap_or_default(),
                ..NetworkInfo::default()
            })
            .collect())
    }

    pub(super) async fn all_volumes(&self) -> Result<Vec<VolumeInfo>, EngineError> {
        let vols = self
            .call(
                "list volumes",
                self.docker.list_volumes(None::<ListVolumesOptions>),
            )
            .await?;
        Ok(vols
            .volumes
            .unwrap_or_default()
            .into_iter()
            .map(volume_info)
            .collect())
    }

    pub(super) async fn prune_by(
        &self,
        what: Prunable,
        labels: &[String],
    ) -> Result<Vec<String>, EngineError> {
        let filters = Some(HashMap::from([("label".to_string(), labels.to_vec())]));
        match what {
            Prunable::Networks => {
                let options = PruneNetworksOptions { filters };
                let pruned = self
                    .call("prune networks", self.docker.prune_networks(Some(options)))
                    .await?;
                Ok(pruned.networks_deleted.unwrap_or_default())
            }
            Prunable::Volumes => {
                let options = PruneVolumesOptions { filters };
                let pruned = self
                    .call("prune volumes", self.docker.prune_volumes(Some(options)))
                    .await?;
                Ok(pruned.volumes_deleted.unwrap_or_default())
            }
        }
    }

    /// A container, else a network, else a volume of this name, in the daemon's JSON.
    pub(super) async fn inspect_json(
        &self,
        name: &str,
        shown: Option<&PortTranslation>,
    ) -> Result<Option<serde_json::Value>, EngineError> {
        if let Some(mut c) = self
            .optional(
                "inspect a container",
                self.docker
                    .inspect_container(name, None::<InspectContainerOptions>),
            )
            .await?
        {
            if let Some(translation) = shown {
                show_ports(translation, &mut c);
            }
            return to_json(&c).map(Some);
        }
        if let Some(n) = self
            .optional("inspect a network", self.docker.inspect_network(name, None))
            .await?
        {
            return to_json(&n).map(Some);
        }
        if let Some(v) = self
            .optional("inspect a volume", self.docker.inspect_volume(name))
            .await?
        {
            return to_json(&v).map(Some);
        }
        Ok(None)
    }

    pub(super) async fn pull(
        &self,
        image: &str,
        progress: Option<&tokio::sync::mpsc::UnboundedSender<PullProgress>>,
    ) -> Result<(), EngineError> {
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
                    if let Some(tx) = progress {
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

    pub(super) async fn run_exec(
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
