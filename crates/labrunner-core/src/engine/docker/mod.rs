//! The real engine: Docker Engine API through bollard.
//!
//! Connects through `DOCKER_HOST` or the local socket, negotiates the API version (1.41 or newer)
//! and puts a time limit on every call. `calls.rs` makes the daemon calls of the [`Engine`]
//! primitives, `observe.rs` reads events, output and logs, `convert.rs`
//! holds the pure conversions between bollard's models and the domain types of [`super`],
//! `error.rs` turns bollard's errors into ones the user can act on.

mod calls;
mod convert;
mod error;
mod observe;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use async_trait::async_trait;
use bollard::Docker;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    ContainerArchiveInfoOptionsBuilder, CreateContainerOptions,
    DownloadFromContainerOptionsBuilder, InspectContainerOptions, ListContainersOptions,
    ListNetworksOptions, ListVolumesOptions, RemoveContainerOptions, RemoveVolumeOptions,
};
use futures_util::stream::{BoxStream, StreamExt};
use tokio::time::timeout;

use super::ports::PortTranslation;
use super::{
    CALL_TIMEOUT, Change, ContainerInfo, CreateOptions, Created, DaemonCapacity, DaemonEvent,
    Engine, EngineError, ExecOutput, NetworkInfo, Prunable, PullProgress, Resources,
    VOLUME_FILE_LIMIT, VolumeFile, VolumeInfo,
};
use crate::command::{Action, ContainerSpec, ExecSpec, NetworkCreate};
use crate::output::BoundedOutput;

pub use convert::{container_info, daemon_event, network_info, volume_info};
pub use error::classify;
use error::parse_api;

/// Oldest Engine API labrunner supports (Docker 20.10).
pub const MIN_API: (u64, u64) = (1, 41);

/// Newest Engine API labrunner speaks (its client's version; newer daemons answer it too).
pub const MAX_API: (u64, u64) = (
    bollard::API_DEFAULT_VERSION.major_version as u64,
    bollard::API_DEFAULT_VERSION.minor_version as u64,
);

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
        // Negotiated down to the daemon's API where that is older than the client's.
        let api = docker.client_version().to_string();
        if parse_api(&api).is_some_and(|v| v < MIN_API) {
            return Err(EngineError::TooOld {
                found: api,
                needed: format!("{}.{}", MIN_API.0, MIN_API.1),
            });
        }
        Ok(DockerEngine { docker, endpoint })
    }

    async fn call<T>(
        &self,
        what: &str,
        fut: impl Future<Output = Result<T, bollard::errors::Error>>,
    ) -> Result<T, EngineError> {
        match timeout(CALL_TIMEOUT, fut).await {
            Ok(r) => r.map_err(|e| classify(&e, &self.endpoint)),
            Err(_) => Err(EngineError::NoAnswer {
                what: what.to_string(),
                secs: CALL_TIMEOUT.as_secs(),
            }),
        }
    }

    /// The first entry at `path` of a container's filesystem, through the archive endpoint:
    /// at most [`VOLUME_FILE_LIMIT`] of its bytes (and the headers before them) are read. A
    /// look at the path comes first: it answers what is not a file with bytes in it, where
    /// reading makes the daemon start a process of its own.
    async fn read_archive(&self, id: &str, path: &str) -> Result<VolumeFile, EngineError> {
        let look = ContainerArchiveInfoOptionsBuilder::new().path(path).build();
        let stat = self
            .optional(
                "look at a file in a volume",
                self.docker.get_container_archive_info(id, Some(look)),
            )
            .await?;
        let Some(s) = stat else {
            return Ok(VolumeFile::Missing);
        };
        if let Some(answer) = VolumeFile::from_stat(s.file_mode, s.size, &s.link_target) {
            return Ok(answer);
        }
        let options = DownloadFromContainerOptionsBuilder::new()
            .path(path)
            .build();
        let mut stream = self.docker.download_from_container(id, Some(options));
        let read = async {
            let mut tar = Vec::new();
            while let Some(chunk) = stream.next().await {
                tar.extend_from_slice(&chunk?);
                if tar.len() > VOLUME_FILE_LIMIT + 64 * 1024 {
                    break;
                }
            }
            Ok(tar)
        };
        match self.call("read a file in a volume", read).await {
            Ok(tar) => VolumeFile::from_tar(&tar).map_err(EngineError::Other),
            Err(EngineError::Daemon { status: 404, .. }) => Ok(VolumeFile::Missing),
            Err(e) => Err(e),
        }
    }

    /// A file at the top of `volume`, read through a container that already mounts the whole
    /// volume with nothing mounted below it (the student's own, running or not), so that no
    /// container is created. `None` when there is none, when the path goes through folders (a
    /// link among them would resolve inside that container's own layer), or when each candidate
    /// went away meanwhile; the caller then reads through a container of its own. `ours` are the
    /// labels of those: they come and go, and are not used.
    async fn read_through_mounter(
        &self,
        volume: &str,
        path: &str,
        ours: &BTreeMap<String, String>,
    ) -> Result<Option<VolumeFile>, EngineError> {
        if path.is_empty() || path.contains('/') {
            return Ok(None);
        }
        let Some(root) = self
            .optional("inspect a volume", self.docker.inspect_volume(volume))
            .await?
            .map(|v| v.mountpoint)
        else {
            return Ok(None);
        };
        let filters = HashMap::from([("volume".to_string(), vec![volume.to_string()])]);
        let options = ListContainersOptions {
            all: true,
            filters: Some(filters),
            ..Default::default()
        };
        let mounters = self
            .call(
                "list the containers that mount a volume",
                self.docker.list_containers(Some(options)),
            )
            .await?;
        for c in mounters {
            let labels = c.labels.unwrap_or_default();
            if !ours.is_empty() && ours.iter().all(|(k, v)| labels.get(k) == Some(v)) {
                continue;
            }
            let mounts = c.mounts.unwrap_or_default();
            let (Some(id), Some(target)) = (c.id, convert::whole_volume_at(&mounts, volume, &root))
            else {
                continue;
            };
            match self.read_archive(&id, &format!("{target}/{path}")).await {
                // Not found: the file is not there, unless the container itself went away.
                Ok(VolumeFile::Missing) => {
                    let inspect = self
                        .docker
                        .inspect_container(&id, None::<InspectContainerOptions>);
                    if self
                        .optional("inspect a container", inspect)
                        .await?
                        .is_some()
                    {
                        return Ok(Some(VolumeFile::Missing));
                    }
                }
                Ok(read) => return Ok(Some(read)),
                // Removed or being removed meanwhile: try the next one.
                Err(_) => {}
            }
        }
        Ok(None)
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
}

impl DockerEngine {
    /// What the daemon has to give concurrent gradings: CPUs, memory, and how many networks its
    /// address pools can hand out.
    pub async fn capacity(&self) -> Result<DaemonCapacity, EngineError> {
        let info = self
            .call("read the daemon's resources", self.docker.info())
            .await?;
        let pools = info.default_address_pools.map(|pools| {
            pools
                .iter()
                .map(|p| {
                    let base_bits = p
                        .base
                        .as_deref()
                        .and_then(|b| b.split_once('/'))
                        .and_then(|(_, bits)| bits.parse::<i64>().ok());
                    match (base_bits, p.size) {
                        (Some(base), Some(size)) if size >= base && size - base < 32 => {
                            1u64 << (size - base)
                        }
                        _ => 0,
                    }
                })
                .sum()
        });
        Ok(DaemonCapacity {
            cpus: info.ncpu.and_then(|n| u32::try_from(n).ok()).unwrap_or(1),
            memory_bytes: info
                .mem_total
                .and_then(|m| u64::try_from(m).ok())
                .unwrap_or(0),
            pool_networks: pools.filter(|n| *n > 0),
        })
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

    async fn ping(&self) -> Result<(), EngineError> {
        self.call("reach the daemon", self.docker.ping())
            .await
            .map(drop)
    }

    fn rename(&self, _: &mut Action) {}

    async fn create_container(
        &self,
        spec: &ContainerSpec,
        options: &CreateOptions,
    ) -> Result<Created, EngineError> {
        self.create(spec, options).await
    }

    async fn change(&self, name: &str, change: &Change) -> Result<(), EngineError> {
        self.make_change(name, change).await
    }

    async fn wait_container(&self, id: &str) -> Result<i64, EngineError> {
        self.wait(id).await
    }

    async fn attach(
        &self,
        id: &str,
    ) -> Result<BoxStream<'static, Result<Vec<u8>, EngineError>>, EngineError> {
        self.attach_now(id).await
    }

    async fn create_network(
        &self,
        spec: &NetworkCreate,
        labels: &BTreeMap<String, String>,
    ) -> Result<String, EngineError> {
        self.new_network(spec, labels).await
    }

    async fn create_volume(
        &self,
        name: Option<&str>,
        driver: Option<&str>,
        labels: &BTreeMap<String, String>,
    ) -> Result<String, EngineError> {
        self.new_volume(name, driver, labels).await
    }

    async fn networks(&self) -> Result<Vec<NetworkInfo>, EngineError> {
        self.all_networks().await
    }

    async fn volumes(&self) -> Result<Vec<VolumeInfo>, EngineError> {
        self.all_volumes().await
    }

    async fn prune(&self, what: Prunable, labels: &[String]) -> Result<Vec<String>, EngineError> {
        self.prune_by(what, labels).await
    }

    async fn inspect_raw(
        &self,
        name: &str,
        shown: Option<&PortTranslation>,
    ) -> Result<Option<serde_json::Value>, EngineError> {
        self.inspect_json(name, shown).await
    }

    async fn pull_image(
        &self,
        image: &str,
        progress: Option<&tokio::sync::mpsc::UnboundedSender<PullProgress>>,
    ) -> Result<(), EngineError> {
        self.pull(image, progress).await
    }

    async fn running(&self, labels: &[(String, String)]) -> Result<Vec<String>, EngineError> {
        self.running_ids(labels).await
    }

    async fn read_logs(
        &self,
        container: &str,
        tail: Option<&str>,
        follow: bool,
        limit: Duration,
    ) -> Result<BoundedOutput, EngineError> {
        self.logs_until(container, tail, follow, limit).await
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

    async fn exec_spec(&self, spec: &ExecSpec, limit: Duration) -> Result<ExecOutput, EngineError> {
        self.run_exec(spec, limit).await
    }

    async fn volume_file(
        &self,
        image: &str,
        volume: &str,
        path: &str,
        labels: &BTreeMap<String, String>,
    ) -> Result<VolumeFile, EngineError> {
        let path = path.trim_start_matches('/');
        if let Some(read) = self.read_through_mounter(volume, path, labels).await? {
            return Ok(read);
        }
        let body = ContainerCreateBody {
            image: Some(image.to_string()),
            cmd: Some(vec!["true".into()]),
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
                "create a reader container",
                self.docker
                    .create_container(None::<CreateContainerOptions>, body),
            )
            .await?;
        let read = self
            .read_archive(&created.id, &format!("/volume/{path}"))
            .await;
        let _ = self.remove_container(&created.id).await;
        read
    }

    async fn labelled(&self, labels: &[(String, String)]) -> Result<Resources, EngineError> {
        let filter: HashMap<String, Vec<String>> = HashMap::from([(
            "label".to_string(),
            labels.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        )]);
        // The three lists at once: they do not depend on each other.
        let (containers, networks, volumes) = futures_util::try_join!(
            self.call(
                "list containers",
                self.docker.list_containers(Some(ListContainersOptions {
                    all: true,
                    filters: Some(filter.clone()),
                    ..Default::default()
                })),
            ),
            self.call(
                "list networks",
                self.docker.list_networks(Some(ListNetworksOptions {
                    filters: Some(filter.clone()),
                })),
            ),
            self.call(
                "list volumes",
                self.docker.list_volumes(Some(ListVolumesOptions {
                    filters: Some(filter),
                })),
            ),
        )?;
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
        self.stream_events_since(crate::ids::now_ns(), &[])
    }

    fn events_since(
        &self,
        since_ns: i64,
        labels: &[(String, String)],
    ) -> BoxStream<'static, Result<DaemonEvent, EngineError>> {
        self.stream_events_since(since_ns, labels)
    }

    async fn past_events(
        &self,
        since_ns: i64,
        labels: &[(String, String)],
    ) -> Result<Vec<DaemonEvent>, EngineError> {
        self.read_past_events(since_ns, labels).await
    }

    fn attach_output(&self, container: &str) -> BoxStream<'static, Result<Vec<u8>, EngineError>> {
        self.attach_stream(container)
    }

    async fn logs(&self, container: &str) -> Result<crate::output::BoundedOutput, EngineError> {
        self.sampled_logs(container).await
    }
}
