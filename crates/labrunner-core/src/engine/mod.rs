//! The Docker engine behind a small trait. [`docker::DockerEngine`] (bollard) is the real one.

pub mod docker;
#[cfg(any(test, feature = "fake"))]
pub mod fake;
pub mod ports;
pub mod timed;

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use serde::Serialize;

pub use crate::command::output::PortBinding;
use crate::command::{Action, ContainerSpec, ExecSpec, NetworkCreate};
use crate::output::BoundedOutput;

/// How long each part of labrunner waits before it tries the daemon again, together so that the
/// waits are seen side by side.
pub mod reconnect {
    use std::time::Duration;

    /// The recorder, after its event stream ended: soon, since a run's events are being missed.
    pub const RECORDER: Duration = Duration::from_millis(500);
    /// The live loop, after its event stream ended: then it pings, and subscribes again.
    pub const LIVE: Duration = Duration::from_secs(1);
    /// The lab view, while the daemon does not answer: to open the lab or follow it again.
    pub const VIEW: Duration = Duration::from_secs(3);
}

/// Default time limit for one daemon call.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// The most of a file in a volume that is read (its size is known whatever it is).
pub const VOLUME_FILE_LIMIT: usize = 1 << 20;

/// What is at a path in a volume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VolumeFile {
    /// A regular file: its size in bytes and its first bytes, at most [`VOLUME_FILE_LIMIT`].
    File {
        size: u64,
        head: Vec<u8>,
    },
    /// Something else: what it is ("a folder", "a symbolic link to x").
    Other(String),
    Missing,
}

impl VolumeFile {
    /// What a look at a path (Go's `os.FileMode` bits, the size, a link's target) tells without
    /// reading it: `None` for a regular file with bytes to read.
    pub fn from_stat(mode: u32, size: i64, link_target: &str) -> Option<VolumeFile> {
        const DIR: u32 = 1 << 31;
        const LINK: u32 = 1 << 27;
        // A device, a named pipe, a socket, a character device, anything irregular.
        const SPECIAL: u32 = 1 << 26 | 1 << 25 | 1 << 24 | 1 << 21 | 1 << 19;
        if mode & LINK != 0 {
            Some(VolumeFile::Other(format!("a link to {link_target}")))
        } else if mode & DIR != 0 {
            Some(VolumeFile::Other("a folder".into()))
        } else if mode & SPECIAL != 0 {
            Some(VolumeFile::Other("not a regular file".into()))
        } else if size == 0 {
            Some(VolumeFile::File {
                size: 0,
                head: Vec::new(),
            })
        } else {
            None
        }
    }

    /// The first entry of a tar archive (what the daemon's archive endpoint sends): a file,
    /// or what else it is. The archive may be cut short after the file's first bytes.
    pub fn from_tar(tar: &[u8]) -> Result<VolumeFile, String> {
        use std::io::Read;
        let mut archive = tar::Archive::new(tar);
        let mut entries = archive.entries().map_err(|e| e.to_string())?;
        let Some(entry) = entries.next() else {
            return Err("the daemon sent an empty archive".into());
        };
        let mut entry = entry.map_err(|e| format!("the daemon sent an unreadable archive: {e}"))?;
        let kind = entry.header().entry_type();
        if kind.is_symlink() || kind.is_hard_link() {
            let target = entry
                .link_name()
                .ok()
                .flatten()
                .map(|t| t.display().to_string())
                .unwrap_or_default();
            return Ok(VolumeFile::Other(format!("a link to {target}")));
        }
        if kind.is_dir() {
            return Ok(VolumeFile::Other("a folder".into()));
        }
        if !kind.is_file() {
            return Ok(VolumeFile::Other("not a regular file".into()));
        }
        let size = entry.size();
        let mut head = Vec::new();
        // A cut archive ends early: what arrived is the head.
        let _ = (&mut entry)
            .take(VOLUME_FILE_LIMIT as u64)
            .read_to_end(&mut head);
        Ok(VolumeFile::File { size, head })
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    #[error(
        "cannot reach the Docker daemon at {endpoint}: {detail}\n  fix: start it (`sudo systemctl start docker`, or `sudo dockerd &`), or point DOCKER_HOST at a running one"
    )]
    Unreachable { endpoint: String, detail: String },
    #[error(
        "permission denied on the Docker daemon socket {endpoint}\n  fix: add yourself to the `docker` group (`sudo usermod -aG docker $USER`, then log in again) or run with sudo"
    )]
    PermissionDenied { endpoint: String },
    #[error(
        "the Docker daemon speaks API {found}; labrunner needs {needed} or newer (Docker 20.10+)\n  fix: upgrade Docker Engine"
    )]
    TooOld { found: String, needed: String },
    /// A command ran past the time limit it was given (a foreground container, an exec).
    #[error("timed out after {secs}s: {what}")]
    Timeout { what: String, secs: u64 },
    /// One of labrunner's own calls got no answer within [`CALL_TIMEOUT`]: the daemon's fault,
    /// not the command's.
    #[error("timed out after {secs}s: {what}")]
    NoAnswer { what: String, secs: u64 },
    /// The daemon refused; `message` is its own words.
    #[error("Error response from daemon: {message}")]
    Daemon { status: u16, message: String },
    /// The daemon could not bind host address `address` (`127.0.0.1:8080`) because something
    /// already holds it; `message` is its own words.
    #[error("Error response from daemon: {message}")]
    PortTaken { address: String, message: String },
    /// The daemon refused a network's address range because it overlaps one that another
    /// network already has; `message` is its own words.
    #[error("Error response from daemon: {message}")]
    SubnetTaken { message: String },
    /// labrunner would not hand this to the daemon (a grading's [`StartGuard`] said no).
    #[error("refused: {0}")]
    Refused(String),
    #[error("{0}")]
    Other(String),
}

impl EngineError {
    /// True when the daemon itself is gone (as opposed to refusing one request).
    pub fn is_connection(&self) -> bool {
        matches!(
            self,
            EngineError::Unreachable { .. }
                | EngineError::PermissionDenied { .. }
                | EngineError::TooOld { .. }
        )
    }
}

/// One report of an image pull in progress, as the daemon gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullProgress {
    /// The image being pulled (`alpine:latest`).
    pub image: String,
    /// The daemon's status text (`Downloading`, `Pull complete`, ...).
    pub status: String,
    /// Bytes done and in total, when the daemon says.
    pub bytes: Option<(u64, u64)>,
}

impl PullProgress {
    /// Percent done (0..=100), when the byte counts are known.
    pub fn percent(&self) -> Option<u16> {
        self.bytes
            .map(|(done, total)| (done.saturating_mul(100) / total.max(1)).min(100) as u16)
    }
}

impl std::fmt::Display for PullProgress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pulling {}: {}", self.image, self.status)?;
        if let Some((done, total)) = self.bytes {
            write!(f, " {done}/{total} bytes")?;
        }
        Ok(())
    }
}

/// Guards the moment the daemon resolves bind-mount sources. The daemon follows a source path
/// itself when it starts a container, after labrunner checked it; the engine calls
/// [`StartGuard::enter`] before it creates or starts a container with bind mounts, and
/// [`StartGuard::leave`] once the daemon has answered the start, so the guard can make sure
/// nothing changes the path in between (see `sandbox`).
#[async_trait]
pub trait StartGuard: Send + Sync + std::fmt::Debug {
    /// The bind sources to hand the daemon, in the order given, or a refusal
    /// ([`EngineError::Refused`]). When this fails, nothing is left to `leave`.
    async fn enter(
        &self,
        freezer: &dyn Freezer,
        sources: &[String],
    ) -> Result<Vec<String>, EngineError>;
    /// The daemon has created and started the container, or failed to.
    async fn leave(&self, freezer: &dyn Freezer);
}

/// The daemon's freezer, as a [`StartGuard`] uses it.
#[async_trait]
pub trait Freezer: Send + Sync {
    /// Ids of running (or paused) containers carrying every `key=value` label given.
    async fn running(&self, labels: &[(String, String)]) -> Result<Vec<String>, EngineError>;
    /// Freeze every process of a container (`docker pause`).
    async fn pause(&self, id: &str) -> Result<(), EngineError>;
    async fn unpause(&self, id: &str) -> Result<(), EngineError>;
    /// Whether the container is still running (a container that exited needs no freezing).
    async fn is_running(&self, id: &str) -> Result<bool, EngineError>;
}

/// How labrunner has a container created, beside what the command itself asks for.
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    /// Labels stamped on the container (and on the volumes it declares); they win over the
    /// command's own.
    pub labels: BTreeMap<String, String>,
    /// DNS servers and resolver options for a container that sets no `--dns`.
    pub dns: Option<Vec<String>>,
    pub dns_options: Option<Vec<String>>,
    /// Memory (bytes) and process limits where the command sets none.
    pub memory_limit: Option<i64>,
    pub pids_limit: Option<i64>,
    /// The daemon removes the container when it ends (`--rm` with `-d`).
    pub auto_remove: bool,
}

/// A container the daemon created: its id and the warnings it gave.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Created {
    pub id: String,
    pub warnings: Vec<String>,
}

/// One change to a container, network or volume the daemon has, by name. The daemon's
/// answers are kept: a missing object is its 404, one in use its 409.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Start,
    /// Stop, after `time` seconds of grace (the daemon's default without).
    Stop {
        time: Option<i64>,
    },
    Restart {
        time: Option<i64>,
    },
    /// Send a signal (`KILL`, `TERM`, `HUP`).
    Kill {
        signal: String,
    },
    Pause,
    Unpause,
    /// Remove a container: `force` a running one, with its anonymous `volumes`.
    RemoveContainer {
        force: bool,
        volumes: bool,
    },
    /// Attach a container to a network, with aliases on it.
    Connect {
        network: String,
        aliases: Vec<String>,
    },
    Disconnect {
        network: String,
        force: bool,
    },
    RemoveNetwork,
    RemoveVolume {
        force: bool,
    },
}

/// What a prune removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prunable {
    Networks,
    Volumes,
}

/// What a process run in a container printed: each stream the text of a [`BoundedOutput`].
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ExecOutput {
    /// `None` if the process never reported one.
    pub exit_code: Option<i64>,
    pub stdout: String,
    pub stderr: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NetworkInfo {
    pub name: String,
    pub id: String,
    pub driver: String,
    /// `local`, `swarm`, `global`.
    pub scope: String,
    pub subnets: Vec<String>,
    /// `--ip-range` of each address pool that has one.
    pub ip_ranges: Vec<String>,
    /// `--gateway` (or the one the daemon picked) of each address pool that has one.
    pub gateways: Vec<String>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct VolumeInfo {
    pub name: String,
    pub driver: String,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MountInfo {
    /// `volume`, `bind` or `tmpfs`; `None` for a type labs do not speak of (`npipe`, ...).
    pub kind: Option<crate::command::MountKind>,
    /// Volume name, or host path for binds.
    pub source: String,
    pub target: String,
    pub read_only: bool,
    /// For a tmpfs: its size and mode, and the mount options it was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tmpfs: Option<TmpfsInfo>,
}

/// What a tmpfs mount was given: `--tmpfs /cache:size=16m,mode=1770,noexec` or
/// `--mount type=tmpfs,tmpfs-size=16777216,tmpfs-mode=1770`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TmpfsInfo {
    /// Size in bytes; `None` when not given (half the host's memory) or not in bytes (`50%`).
    pub size_bytes: Option<i64>,
    /// Permission bits (`0o1770`).
    pub mode: Option<u32>,
    /// The other mount options (`noexec`, `nosuid`, `ro`, ...), and `size=`/`mode=` as written.
    pub options: Vec<String>,
}

impl TmpfsInfo {
    /// The options of `--tmpfs TARGET:OPTIONS` (HostConfig.Tmpfs), as the daemon stores them.
    pub fn from_options(text: &str) -> TmpfsInfo {
        let options: Vec<String> = text
            .split(',')
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(str::to_string)
            .collect();
        let value = |key: &str| {
            options
                .iter()
                .rev()
                .find_map(|o| o.strip_prefix(key)?.strip_prefix('='))
        };
        TmpfsInfo {
            size_bytes: value("size").and_then(parse_size),
            mode: value("mode").and_then(|m| u32::from_str_radix(m, 8).ok()),
            options,
        }
    }
}

/// A size as the docker CLI and the kernel write it (`16m`, `16384k`, `1g`, `65536`): binary
/// units, in bytes. `None` for what is not a size in bytes (`50%`).
pub fn parse_size(text: &str) -> Option<i64> {
    let s = text.trim().to_ascii_lowercase();
    let s = s.strip_suffix('b').unwrap_or(&s);
    let s = s.strip_suffix('i').unwrap_or(s);
    let (num, shift) = match s.chars().last()? {
        'k' => (&s[..s.len() - 1], 10),
        'm' => (&s[..s.len() - 1], 20),
        'g' => (&s[..s.len() - 1], 30),
        't' => (&s[..s.len() - 1], 40),
        _ => (s, 0),
    };
    let n: i64 = num.parse().ok().filter(|n| *n >= 0)?;
    n.checked_mul(1 << shift)
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ContainerInfo {
    pub id: String,
    pub name: String,
    pub image: String,
    pub status: ContainerStatus,
    pub exit_code: Option<i64>,
    /// `bridge`, `host`, `none`, a network name.
    pub network_mode: String,
    /// HostConfig.ReadonlyRootfs (`--read-only`).
    pub read_only_root: bool,
    /// HostConfig.RestartPolicy as `--restart` writes it (`always`, `on-failure:3`); `no` when
    /// none was given.
    pub restart_policy: String,
    /// How many times the daemon restarted it by its restart policy (`docker restart` does not
    /// count).
    pub restart_count: i64,
    /// When it was created and when it last started, in nanoseconds since the Unix epoch.
    pub created_ns: Option<i64>,
    pub started_ns: Option<i64>,
    /// Networks the container is attached to (or asks to be, while it is only created).
    pub networks: Vec<String>,
    /// The endpoint id on each network it has a real endpoint on. A container that was only
    /// created, or whose network has gone, has none.
    pub endpoints: BTreeMap<String, String>,
    /// Entrypoint and command, word by word.
    pub command: Vec<String>,
    /// `--user` as given (`1000`, `nobody:nogroup`), empty for the image's default (root).
    pub user: String,
    /// Its IPv4 address on each network it is attached to.
    pub addresses: BTreeMap<String, String>,
    /// The names it answers to on each network it is attached to (`--network-alias`), without
    /// the short id the daemon adds.
    pub aliases: BTreeMap<String, Vec<String>>,
    /// Mounts, including tmpfs given with `--tmpfs` (HostConfig.Tmpfs).
    pub mounts: Vec<MountInfo>,
    pub ports: Vec<PortBinding>,
    pub labels: BTreeMap<String, String>,
}

/// A container's state as the daemon reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ContainerStatus {
    #[default]
    Created,
    Running,
    Paused,
    Restarting,
    Removing,
    Exited,
    Dead,
}

impl ContainerStatus {
    /// The daemon's word for it (`running`).
    pub fn as_str(self) -> &'static str {
        match self {
            ContainerStatus::Created => "created",
            ContainerStatus::Running => "running",
            ContainerStatus::Paused => "paused",
            ContainerStatus::Restarting => "restarting",
            ContainerStatus::Removing => "removing",
            ContainerStatus::Exited => "exited",
            ContainerStatus::Dead => "dead",
        }
    }

    /// Whether its process has ended (`exited` or `dead`).
    pub fn ended(self) -> bool {
        matches!(self, ContainerStatus::Exited | ContainerStatus::Dead)
    }

    /// Whether it has a process, running or frozen.
    pub fn is_up(self) -> bool {
        matches!(self, ContainerStatus::Running | ContainerStatus::Paused)
    }
}

impl std::fmt::Display for ContainerStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a daemon event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    Container,
    Network,
    Volume,
    /// Images, plugins, the daemon itself: nothing a check looks at.
    Other,
}

impl EventKind {
    /// The daemon's `Type` of an event (`container`).
    pub fn parse(text: &str) -> Self {
        match text {
            "container" => EventKind::Container,
            "network" => EventKind::Network,
            "volume" => EventKind::Volume,
            _ => EventKind::Other,
        }
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EventKind::Container => "container",
            EventKind::Network => "network",
            EventKind::Volume => "volume",
            EventKind::Other => "other",
        })
    }
}

/// What happened, in the daemon's grammar (`exec_start: cat /x` is
/// [`EventAction::ExecStart`] of `cat /x`), parsed once where the event arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventAction {
    Create,
    Start,
    Die,
    Destroy,
    Oom,
    Kill,
    Stop,
    Restart,
    Pause,
    Unpause,
    Connect,
    Disconnect,
    /// A command was set up to run in a container; the command line.
    ExecCreate(String),
    /// A command started in a container; the command line.
    ExecStart(String),
    /// A command run in a container ended.
    ExecDie,
    /// Anything else, as the daemon wrote it (`rename`, `health_status: healthy`).
    Other(String),
}

impl EventAction {
    /// The daemon's `Action` text of an event.
    pub fn parse(text: &str) -> Self {
        if let Some(command) = text.strip_prefix("exec_start: ") {
            return EventAction::ExecStart(command.to_string());
        }
        if let Some(command) = text.strip_prefix("exec_create: ") {
            return EventAction::ExecCreate(command.to_string());
        }
        match text {
            "create" => EventAction::Create,
            "start" => EventAction::Start,
            "die" => EventAction::Die,
            "destroy" => EventAction::Destroy,
            "oom" => EventAction::Oom,
            "kill" => EventAction::Kill,
            "stop" => EventAction::Stop,
            "restart" => EventAction::Restart,
            "pause" => EventAction::Pause,
            "unpause" => EventAction::Unpause,
            "connect" => EventAction::Connect,
            "disconnect" => EventAction::Disconnect,
            "exec_die" => EventAction::ExecDie,
            other => EventAction::Other(other.to_string()),
        }
    }
}

impl std::fmt::Display for EventAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let word = match self {
            EventAction::Create => "create",
            EventAction::Start => "start",
            EventAction::Die => "die",
            EventAction::Destroy => "destroy",
            EventAction::Oom => "oom",
            EventAction::Kill => "kill",
            EventAction::Stop => "stop",
            EventAction::Restart => "restart",
            EventAction::Pause => "pause",
            EventAction::Unpause => "unpause",
            EventAction::Connect => "connect",
            EventAction::Disconnect => "disconnect",
            EventAction::ExecCreate(c) => return write!(f, "exec_create: {c}"),
            EventAction::ExecStart(c) => return write!(f, "exec_start: {c}"),
            EventAction::ExecDie => "exec_die",
            EventAction::Other(text) => text,
        };
        f.write_str(word)
    }
}

impl Serialize for EventAction {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// One event from the daemon's event stream, reduced to what checks care about.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DaemonEvent {
    pub kind: EventKind,
    pub action: EventAction,
    /// Container, network or volume name, where the daemon gives it.
    pub name: Option<String>,
    /// The actor's id (a container's full id; a volume's name).
    pub id: Option<String>,
    /// When it happened, in nanoseconds since the Unix epoch (the daemon's clock).
    pub time_ns: i64,
    pub attributes: BTreeMap<String, String>,
}

impl DaemonEvent {
    /// Whether a stream narrowed to `labels` brings this event: with none, every event;
    /// otherwise the events of containers carrying every one of them (the daemon gives a
    /// container's labels with each of its events; networks and volumes give none).
    pub fn carries(&self, labels: &[(String, String)]) -> bool {
        labels.is_empty()
            || (self.kind == EventKind::Container
                && labels
                    .iter()
                    .all(|(k, v)| self.attributes.get(k) == Some(v)))
    }
}

/// Resources found by label.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Resources {
    pub containers: Vec<String>,
    pub networks: Vec<String>,
    pub volumes: Vec<String>,
}

impl Resources {
    pub fn is_empty(&self) -> bool {
        self.containers.is_empty() && self.networks.is_empty() && self.volumes.is_empty()
    }

    /// Each found object as `kind name`: containers, then networks, then volumes.
    pub fn listed(self) -> Vec<crate::lab::Resource> {
        use crate::command::ResourceKind;
        let of = |kind, names: Vec<String>| {
            names
                .into_iter()
                .map(move |name| crate::lab::Resource { kind, name })
        };
        of(ResourceKind::Container, self.containers)
            .chain(of(ResourceKind::Network, self.networks))
            .chain(of(ResourceKind::Volume, self.volumes))
            .collect()
    }
}

/// What a daemon can give concurrent gradings (read from its `info`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DaemonCapacity {
    pub cpus: u32,
    /// 0 when the daemon does not say.
    pub memory_bytes: u64,
    /// User-defined networks its default address pools can hand out; `None` when the daemon
    /// does not report its pools.
    pub pool_networks: Option<u64>,
}

#[async_trait]
pub trait Engine: Send + Sync {
    /// Daemon version and API version, e.g. `20.10.24 (API 1.41)`.
    async fn version(&self) -> Result<String, EngineError>;
    /// Whether the daemon answers (what [`Engine::version`] tells, for less of its work).
    async fn ping(&self) -> Result<(), EngineError> {
        self.version().await.map(drop)
    }
    /// Give a command's names the ones this engine's objects have (a namespace's); the
    /// daemon's own engine leaves them.
    fn rename(&self, action: &mut Action);
    /// Create a container as `spec` says, from its image as named there (present already).
    async fn create_container(
        &self,
        spec: &ContainerSpec,
        options: &CreateOptions,
    ) -> Result<Created, EngineError>;
    /// Make one change to the container, network or volume `name`.
    async fn change(&self, name: &str, change: &Change) -> Result<(), EngineError>;
    /// Wait for a container to end: its exit code.
    async fn wait_container(&self, id: &str) -> Result<i64, EngineError>;
    /// Attached to a container once this returns (before its start, nothing it prints is
    /// missed); the stream ends when the container does.
    async fn attach(
        &self,
        id: &str,
    ) -> Result<BoxStream<'static, Result<Vec<u8>, EngineError>>, EngineError>;
    /// Create a network as `spec` says, with `labels`: its id.
    async fn create_network(
        &self,
        spec: &NetworkCreate,
        labels: &BTreeMap<String, String>,
    ) -> Result<String, EngineError>;
    /// Create a volume (the daemon names one left unnamed): its name.
    async fn create_volume(
        &self,
        name: Option<&str>,
        driver: Option<&str>,
        labels: &BTreeMap<String, String>,
    ) -> Result<String, EngineError>;
    /// Every network the daemon has.
    async fn networks(&self) -> Result<Vec<NetworkInfo>, EngineError>;
    /// Every volume the daemon has.
    async fn volumes(&self) -> Result<Vec<VolumeInfo>, EngineError>;
    /// Remove the unused networks or volumes carrying every `key=value` label given: the
    /// names removed.
    async fn prune(&self, what: Prunable, labels: &[String]) -> Result<Vec<String>, EngineError>;
    /// The container, network or volume `name` as the daemon describes it, in its JSON; a
    /// container's host ports as `shown` translates them.
    async fn inspect_raw(
        &self,
        name: &str,
        shown: Option<&ports::PortTranslation>,
    ) -> Result<Option<serde_json::Value>, EngineError>;
    /// Pull an image, reporting progress to `progress`.
    async fn pull_image(
        &self,
        image: &str,
        progress: Option<&tokio::sync::mpsc::UnboundedSender<PullProgress>>,
    ) -> Result<(), EngineError>;
    /// Ids of the running (or paused) containers carrying every `key=value` label given.
    async fn running(&self, labels: &[(String, String)]) -> Result<Vec<String>, EngineError>;
    /// A container's logs (the last `tail` lines, or all), read to their end (with `follow`,
    /// on until the container ends) within `limit`.
    async fn read_logs(
        &self,
        container: &str,
        tail: Option<&str>,
        follow: bool,
        limit: Duration,
    ) -> Result<BoundedOutput, EngineError>;
    async fn network(&self, name: &str) -> Result<Option<NetworkInfo>, EngineError>;
    async fn volume(&self, name: &str) -> Result<Option<VolumeInfo>, EngineError>;
    async fn container(&self, name: &str) -> Result<Option<ContainerInfo>, EngineError>;
    async fn image_present(&self, name: &str) -> Result<bool, EngineError>;
    /// Run a command in a running container as `spec` says; waits for it to end (or `timeout`)
    /// unless it is detached.
    async fn exec_spec(
        &self,
        spec: &ExecSpec,
        timeout: Duration,
    ) -> Result<ExecOutput, EngineError>;
    /// Run a command in a running container; waits for it to end (or `timeout`).
    async fn exec(
        &self,
        container: &str,
        command: &[String],
        timeout: Duration,
    ) -> Result<ExecOutput, EngineError> {
        let spec = ExecSpec {
            container: container.to_string(),
            command: command.to_vec(),
            ..Default::default()
        };
        self.exec_spec(&spec, timeout).await
    }
    /// The file at `path` in `volume`, read through a labelled container of `image` that mounts
    /// the volume read-only and is created, never started, then removed: what it reads is in
    /// the volume, not in any container's layer.
    async fn volume_file(
        &self,
        image: &str,
        volume: &str,
        path: &str,
        labels: &BTreeMap<String, String>,
    ) -> Result<VolumeFile, EngineError>;
    /// Resources carrying every `key=value` label given.
    async fn labelled(&self, labels: &[(String, String)]) -> Result<Resources, EngineError>;
    /// Force-remove a container (and its anonymous volumes). Absent is not an error.
    async fn remove_container(&self, name: &str) -> Result<(), EngineError>;
    async fn remove_network(&self, name: &str) -> Result<(), EngineError>;
    async fn remove_volume(&self, name: &str) -> Result<(), EngineError>;
    /// The daemon's live event stream (container, network and volume events).
    fn events(&self) -> BoxStream<'static, Result<DaemonEvent, EngineError>>;
    /// The live event stream, starting with what happened since `since_ns` (nanoseconds since
    /// the Unix epoch), so that nothing is missed while the stream opens. With `labels`, only
    /// the events of containers carrying every one of them ([`DaemonEvent::carries`]).
    fn events_since(
        &self,
        since_ns: i64,
        labels: &[(String, String)],
    ) -> BoxStream<'static, Result<DaemonEvent, EngineError>> {
        let _ = since_ns;
        let labels = labels.to_vec();
        self.events()
            .filter(move |e| std::future::ready(e.as_ref().map_or(true, |e| e.carries(&labels))))
            .boxed()
    }
    /// Container events the daemon still remembers, from `since_ns` until now; with `labels`,
    /// of the containers carrying every one of them.
    async fn past_events(
        &self,
        since_ns: i64,
        labels: &[(String, String)],
    ) -> Result<Vec<DaemonEvent>, EngineError> {
        let _ = (since_ns, labels);
        Err(EngineError::Other(
            "this engine keeps no history of events".into(),
        ))
    }
    /// What a container prints from its start (standard output and error, in order), until it
    /// ends. Attaching right after `create` misses nothing.
    fn attach_output(&self, container: &str) -> BoxStream<'static, Result<Vec<u8>, EngineError>> {
        let message = format!("this engine cannot attach to {container}");
        futures_util::stream::once(async move { Err(EngineError::Other(message)) }).boxed()
    }
    /// A container's logs so far (standard output and error), kept with the bound every output
    /// has; logs longer than [`crate::output::LOGS_READ_LIMIT`] are read from both ends.
    async fn logs(&self, container: &str) -> Result<BoundedOutput, EngineError> {
        Err(EngineError::Other(format!(
            "this engine cannot read the logs of {container}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::LABEL_RUN;

    fn archive(kind: tar::EntryType, data: &[u8], link: Option<&str>) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(kind);
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        if let Some(target) = link {
            header.set_link_name(target).unwrap();
        }
        builder
            .append_data(&mut header, "ledger.txt", data)
            .unwrap();
        builder.into_inner().unwrap()
    }

    #[test]
    fn a_volume_file_is_told_from_a_folder_a_link_and_a_cut_archive() {
        let file = archive(tar::EntryType::Regular, b"TX_99\n", None);
        assert_eq!(
            VolumeFile::from_tar(&file).unwrap(),
            VolumeFile::File {
                size: 6,
                head: b"TX_99\n".to_vec()
            }
        );
        // Cut inside the content: the size is still known, the head is what arrived.
        let cut = &file[..512 + 3];
        assert_eq!(
            VolumeFile::from_tar(cut).unwrap(),
            VolumeFile::File {
                size: 6,
                head: b"TX_".to_vec()
            }
        );
        let dir = archive(tar::EntryType::Directory, b"", None);
        assert_eq!(
            VolumeFile::from_tar(&dir).unwrap(),
            VolumeFile::Other("a folder".into())
        );
        let link = archive(tar::EntryType::Symlink, b"", Some("/etc/shadow"));
        assert_eq!(
            VolumeFile::from_tar(&link).unwrap(),
            VolumeFile::Other("a link to /etc/shadow".into())
        );
        assert!(VolumeFile::from_tar(b"").is_err());
    }

    #[test]
    fn the_daemons_event_words_are_parsed_once_and_written_back_the_same() {
        for text in [
            "create",
            "start",
            "die",
            "destroy",
            "oom",
            "kill",
            "stop",
            "restart",
            "pause",
            "unpause",
            "connect",
            "disconnect",
            "exec_create: cat /x",
            "exec_start: ping -c 1 web",
            "exec_die",
            "health_status: healthy",
        ] {
            assert_eq!(EventAction::parse(text).to_string(), text);
        }
        assert_eq!(
            EventAction::parse("exec_start: cat /data/a: b"),
            EventAction::ExecStart("cat /data/a: b".into())
        );
        assert_eq!(
            EventAction::parse("rename"),
            EventAction::Other("rename".into())
        );
        assert_eq!(EventKind::parse("container"), EventKind::Container);
        assert_eq!(EventKind::parse("image"), EventKind::Other);
        assert!(ContainerStatus::Dead.ended() && !ContainerStatus::Paused.ended());
        assert_eq!(
            serde_json::to_string(&ContainerStatus::Running).unwrap(),
            "\"running\""
        );
    }

    #[test]
    fn a_narrowed_stream_brings_only_the_containers_carrying_every_label() {
        let event = |kind: &str, labels: &[(&str, &str)]| DaemonEvent {
            kind: EventKind::parse(kind),
            action: EventAction::Create,
            name: None,
            id: None,
            time_ns: 0,
            attributes: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        let run = [(LABEL_RUN.to_string(), "r1".to_string())];
        assert!(event("container", &[(LABEL_RUN, "r1"), ("x", "y")]).carries(&run));
        assert!(!event("container", &[(LABEL_RUN, "r2")]).carries(&run));
        assert!(!event("container", &[]).carries(&run));
        assert!(!event("network", &[(LABEL_RUN, "r1")]).carries(&run));
        assert!(event("network", &[]).carries(&[]));
    }

    #[test]
    fn a_look_at_a_path_answers_all_but_a_file_with_bytes() {
        // The modes the daemon sends: Go's `os.FileMode` of `-rw-r--r--`, a folder, a link, a
        // named pipe.
        assert_eq!(VolumeFile::from_stat(0o644, 6, ""), None);
        assert_eq!(
            VolumeFile::from_stat(0o644, 0, ""),
            Some(VolumeFile::File {
                size: 0,
                head: vec![]
            })
        );
        assert_eq!(
            VolumeFile::from_stat(0x8000_01ed, 4096, ""),
            Some(VolumeFile::Other("a folder".into()))
        );
        assert_eq!(
            VolumeFile::from_stat(0x0800_01ff, 11, "/etc/shadow"),
            Some(VolumeFile::Other("a link to /etc/shadow".into()))
        );
        assert_eq!(
            VolumeFile::from_stat(0x0200_01a4, 0, ""),
            Some(VolumeFile::Other("not a regular file".into()))
        );
    }
}
