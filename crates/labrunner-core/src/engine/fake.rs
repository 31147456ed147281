//! A scripted, in-memory [`Engine`] for unit tests of the runner, the live loop and grading.
//!
//! It keeps networks, volumes (with files in them) and containers in memory, answers `exec`
//! from a script, sends the daemon events a real daemon would send for what it does (plus any
//! a test pushes), and can lose the connection and get it back. It never stands in for a claim
//! that a check kind works: every kind has tests against the real daemon.
//!
//! Compiled for the core's own tests, and for other crates' tests behind the `fake` feature.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use super::ports::PortTranslation;
use super::{
    Change, ContainerInfo, ContainerStatus, CreateOptions, Created, DaemonEvent, Engine,
    EngineError, EventAction, EventKind, ExecOutput, MountInfo, NetworkInfo, Prunable,
    PullProgress, Resources, VolumeFile, VolumeInfo,
};
use crate::command::{Action, ContainerSpec, ExecSpec, MountKind, NetworkCreate};
use crate::output::{BoundedOutput, bounded_text};

type EventItem = Result<DaemonEvent, EngineError>;

/// A scripted answer for commands exec'd in a container.
#[derive(Debug, Clone)]
struct ExecScript {
    container: String,
    /// The command line must start with this.
    prefix: String,
    answer: ExecOutput,
}

/// What a test can make fail.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    /// Removing the container, network or volume of this name (by `remove_*` or a command).
    Remove(String),
    /// Creating a resource of this name, or a command's exec in a container of this name.
    Apply(String),
    /// Listing resources by label.
    Labelled,
}

#[derive(Debug, Default)]
struct State {
    reachable: bool,
    networks: BTreeMap<String, NetworkInfo>,
    volumes: BTreeMap<String, VolumeInfo>,
    /// (volume, path inside it without a leading `/`) -> content.
    files: BTreeMap<(String, String), String>,
    containers: BTreeMap<String, ContainerInfo>,
    images: Vec<String>,
    scripts: Vec<ExecScript>,
    faults: HashMap<Fault, EngineError>,
    /// Containers attached to before their start: they run in the foreground.
    foreground: std::collections::BTreeSet<String>,
    subscribers: Vec<UnboundedSender<EventItem>>,
    /// Every event, as the daemon's log keeps them (`past_events` reads it).
    log: Vec<DaemonEvent>,
    /// What a container prints, by name: its logs have it, its output stream never ends.
    stalled_output: BTreeMap<String, String>,
    /// How long an event takes to reach a subscriber (the log has it at once).
    event_delay: Duration,
    /// Calls per method, and inspections per container name.
    calls: BTreeMap<&'static str, u64>,
    inspections: BTreeMap<String, u64>,
    next_id: u64,
    latency: Duration,
}

/// The scripted engine. Cheap to share by reference; all state sits behind one lock.
#[derive(Debug)]
pub struct FakeEngine {
    state: Mutex<State>,
}

impl Default for FakeEngine {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeEngine {
    pub fn new() -> Self {
        FakeEngine {
            state: Mutex::new(State {
                reachable: true,
                ..State::default()
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every daemon call takes this long (on tokio's clock, so paused tests stay instant).
    pub fn set_latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    /// Events reach subscribers this long after they happen (on tokio's clock); the daemon's
    /// log, which `past_events` reads, has them at once.
    pub fn set_event_delay(&self, delay: Duration) {
        self.lock().event_delay = delay;
    }

    /// The container named `name` prints `text`, which its logs give; attaching to it brings
    /// nothing and never ends (a daemon too busy to deliver the stream).
    pub fn stall_output(&self, name: &str, text: &str) {
        self.lock()
            .stalled_output
            .insert(name.to_string(), text.to_string());
    }

    /// Images `image_present` reports (any image runs whether listed or not).
    pub fn add_image(&self, image: &str) {
        self.lock().images.push(image.to_string());
    }

    /// Put a file into a volume (the volume is created if missing).
    pub fn write_file(&self, volume: &str, path: &str, content: &str) {
        let mut s = self.lock();
        s.volumes
            .entry(volume.to_string())
            .or_insert_with(|| VolumeInfo {
                name: volume.to_string(),
                driver: "local".into(),
                labels: BTreeMap::new(),
            });
        s.files.insert(
            (volume.to_string(), path.trim_start_matches('/').to_string()),
            content.to_string(),
        );
    }

    /// Commands exec'd in `container` whose line starts with `prefix` answer `answer`.
    pub fn answer_exec(&self, container: &str, prefix: &str, answer: ExecOutput) {
        self.lock().scripts.push(ExecScript {
            container: container.to_string(),
            prefix: prefix.to_string(),
            answer,
        });
    }

    /// Make a call fail with `error` until [`FakeEngine::heal`].
    pub fn fail(&self, fault: Fault, error: EngineError) {
        self.lock().faults.insert(fault, error);
    }

    pub fn heal(&self, fault: &Fault) {
        self.lock().faults.remove(fault);
    }

    /// Send an event to every open event stream, as if the daemon had reported it.
    pub fn push_event(&self, event: DaemonEvent) {
        let mut s = self.lock();
        s.subscribers
            .retain(|tx| tx.send(Ok(event.clone())).is_ok());
    }

    /// The daemon goes away: open event streams end with an error, every call is refused.
    pub fn drop_connection(&self) {
        let mut s = self.lock();
        s.reachable = false;
        for tx in s.subscribers.drain(..) {
            let _ = tx.send(Err(unreachable()));
        }
    }

    /// The daemon is back.
    pub fn restore_connection(&self) {
        self.lock().reachable = true;
    }

    /// Number of calls made to `method` (`container`, `apply`, `exec`, `events`, ...).
    pub fn calls(&self, method: &str) -> u64 {
        self.lock().calls.get(method).copied().unwrap_or(0)
    }

    /// Number of times the container named `name` was inspected.
    pub fn inspections(&self, name: &str) -> u64 {
        self.lock().inspections.get(name).copied().unwrap_or(0)
    }

    /// Names of every resource that exists now, as `kind name`.
    pub fn existing(&self) -> Vec<String> {
        let s = self.lock();
        let mut all: Vec<String> = s
            .containers
            .keys()
            .map(|n| format!("container {n}"))
            .collect();
        all.extend(s.networks.keys().map(|n| format!("network {n}")));
        all.extend(s.volumes.keys().map(|n| format!("volume {n}")));
        all
    }

    pub fn container_info(&self, name: &str) -> Option<ContainerInfo> {
        self.lock().containers.get(name).cloned()
    }

    /// Count a call, wait the latency, and refuse it if the daemon is gone.
    async fn enter(&self, method: &'static str) -> Result<(), EngineError> {
        let latency = {
            let mut s = self.lock();
            *s.calls.entry(method).or_default() += 1;
            s.latency
        };
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        if self.lock().reachable {
            Ok(())
        } else {
            Err(unreachable())
        }
    }
}

/// A tmpfs as the daemon keeps it: `--tmpfs` options as written; of `--mount`, only
/// `tmpfs-size` and `tmpfs-mode`.
fn fake_tmpfs(m: &crate::command::Mount) -> super::TmpfsInfo {
    let info = super::TmpfsInfo::from_options(&m.options.join(","));
    if m.syntax == crate::command::MountSyntax::TmpfsFlag {
        return info;
    }
    let value = |key: &str| m.options.iter().find_map(|o| o.strip_prefix(key));
    super::TmpfsInfo {
        size_bytes: value("tmpfs-size=").and_then(super::parse_size),
        mode: value("tmpfs-mode=").and_then(|v| u32::from_str_radix(v, 8).ok()),
        options: Vec::new(),
    }
}

fn unreachable() -> EngineError {
    EngineError::Unreachable {
        endpoint: "fake".into(),
        detail: "connection dropped".into(),
    }
}

fn no_such(kind: &str, name: &str) -> EngineError {
    EngineError::Daemon {
        status: 404,
        message: format!("No such {kind}: {name}"),
    }
}

fn conflict(message: String) -> EngineError {
    EngineError::Daemon {
        status: 409,
        message,
    }
}

impl State {
    fn fault(&self, fault: Fault) -> Result<(), EngineError> {
        match self.faults.get(&fault) {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    /// An event, stamped now; a container's carries its id (emitted before it is removed).
    fn emit(
        &mut self,
        kind: EventKind,
        action: EventAction,
        name: &str,
        labels: &BTreeMap<String, String>,
    ) {
        let mut attributes = labels.clone();
        attributes.insert("name".into(), name.to_string());
        let id = match kind {
            EventKind::Container => self.containers.get(name).map(|c| c.id.clone()),
            _ => None,
        };
        let event = DaemonEvent {
            kind,
            action,
            name: Some(name.to_string()),
            id,
            time_ns: crate::ids::now_ns(),
            attributes,
        };
        self.log.push(event.clone());
        if self.event_delay.is_zero() {
            self.subscribers
                .retain(|tx| tx.send(Ok(event.clone())).is_ok());
            return;
        }
        for tx in self.subscribers.clone() {
            let (event, delay) = (event.clone(), self.event_delay);
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let _ = tx.send(Ok(event));
            });
        }
    }

    fn new_id(&mut self) -> String {
        self.next_id += 1;
        format!("{:012x}", 0xfa4e_0000_0000u64 + self.next_id)
    }

    fn create_network(
        &mut self,
        spec: &crate::command::NetworkCreate,
        labels: BTreeMap<String, String>,
    ) -> Result<String, EngineError> {
        let name = spec.name.as_str();
        self.fault(Fault::Apply(name.to_string()))?;
        if self.networks.contains_key(name) {
            return Err(conflict(format!("network with name {name} already exists")));
        }
        let id = self.new_id();
        self.networks.insert(
            name.to_string(),
            NetworkInfo {
                name: name.to_string(),
                id: id.clone(),
                driver: spec.driver.as_deref().unwrap_or("bridge").to_string(),
                scope: "local".into(),
                subnets: spec.subnet.iter().cloned().collect(),
                ip_ranges: spec.ip_range.iter().cloned().collect(),
                gateways: spec.gateway.iter().cloned().collect(),
                labels: labels.clone(),
            },
        );
        self.emit(EventKind::Network, EventAction::Create, name, &labels);
        Ok(id)
    }

    fn create_volume(&mut self, name: &str, labels: BTreeMap<String, String>) {
        if !self.volumes.contains_key(name) {
            self.volumes.insert(
                name.to_string(),
                VolumeInfo {
                    name: name.to_string(),
                    driver: "local".into(),
                    labels: labels.clone(),
                },
            );
            self.emit(EventKind::Volume, EventAction::Create, name, &labels);
        }
    }

    fn create_container(
        &mut self,
        spec: &ContainerSpec,
        options: &CreateOptions,
    ) -> Result<String, EngineError> {
        let id = self.new_id();
        let name = spec.name.clone().unwrap_or_else(|| format!("fake_{id}"));
        self.fault(Fault::Apply(name.clone()))?;
        if self.containers.contains_key(&name) {
            return Err(conflict(format!(
                "Conflict. The container name \"/{name}\" is already in use"
            )));
        }
        let network_mode = spec.network.clone().unwrap_or_else(|| "bridge".into());
        if !matches!(network_mode.as_str(), "bridge" | "host" | "none")
            && !self.networks.contains_key(&network_mode)
        {
            return Err(no_such("network", &network_mode));
        }
        // The command's own labels first: labrunner's ownership labels win, as with the daemon.
        let mut labels: BTreeMap<String, String> = spec.labels.iter().cloned().collect();
        labels.extend(options.labels.clone());
        let mut mounts = Vec::new();
        for m in &spec.mounts {
            if m.kind == MountKind::Volume
                && let Some(source) = &m.source
            {
                self.create_volume(source, BTreeMap::new());
            }
            mounts.push(MountInfo {
                kind: Some(m.kind),
                source: m.source.clone().unwrap_or_default(),
                target: m.target.clone(),
                read_only: m.read_only,
                tmpfs: (m.kind == MountKind::Tmpfs).then(|| fake_tmpfs(m)),
            });
        }
        let networks = if network_mode == "none" {
            Vec::new()
        } else {
            vec![network_mode.clone()]
        };
        self.containers.insert(
            name.clone(),
            ContainerInfo {
                id: id.clone(),
                name: name.clone(),
                image: spec.image.clone(),
                status: ContainerStatus::Created,
                exit_code: None,
                network_mode,
                read_only_root: spec.read_only,
                restart_policy: spec.restart.clone().unwrap_or_else(|| "no".into()),
                created_ns: Some(crate::ids::now_ns()),
                aliases: networks
                    .iter()
                    .map(|n| (n.clone(), spec.network_aliases.clone()))
                    .collect(),
                networks,
                mounts,
                labels: labels.clone(),
                ..ContainerInfo::default()
            },
        );
        self.emit(EventKind::Container, EventAction::Create, &name, &labels);
        Ok(name)
    }

    /// Start a created container: detached ones keep running, foreground ones exit 0.
    fn start(&mut self, name: &str, keeps_running: bool) -> Result<(), EngineError> {
        let Some(c) = self.containers.get_mut(name) else {
            return Err(no_such("container", name));
        };
        c.status = ContainerStatus::Running;
        c.started_ns = Some(crate::ids::now_ns());
        // Started on networks that exist, like the daemon: an endpoint on each.
        c.endpoints = c
            .networks
            .iter()
            .map(|n| (n.clone(), format!("ep-{n}")))
            .collect();
        let labels = c.labels.clone();
        let networks = c.networks.clone();
        for n in networks {
            self.emit(
                EventKind::Network,
                EventAction::Connect,
                &n,
                &BTreeMap::new(),
            );
        }
        self.emit(EventKind::Container, EventAction::Start, name, &labels);
        if !keeps_running {
            if let Some(c) = self.containers.get_mut(name) {
                c.status = ContainerStatus::Exited;
                c.exit_code = Some(0);
            }
            self.emit(EventKind::Container, EventAction::Die, name, &labels);
        }
        Ok(())
    }

    fn remove_container(&mut self, name: &str) -> Result<(), EngineError> {
        // By name or by id, like the daemon.
        let by_id = self.containers.values().find(|c| c.id == name);
        let name = &by_id.map_or_else(|| name.to_string(), |c| c.name.clone());
        self.fault(Fault::Remove(name.to_string()))?;
        if let Some(c) = self.containers.get(name).cloned() {
            if c.status == ContainerStatus::Running {
                self.emit(EventKind::Container, EventAction::Die, name, &c.labels);
            }
            self.emit(EventKind::Container, EventAction::Destroy, name, &c.labels);
            self.containers.remove(name);
        }
        Ok(())
    }

    fn remove_network(&mut self, name: &str) -> Result<(), EngineError> {
        self.fault(Fault::Remove(name.to_string()))?;
        if self
            .containers
            .values()
            .any(|c| c.networks.iter().any(|n| n == name))
        {
            return Err(conflict(format!(
                "error while removing network: network {name} has active endpoints"
            )));
        }
        if let Some(n) = self.networks.remove(name) {
            self.emit(EventKind::Network, EventAction::Destroy, name, &n.labels);
        }
        Ok(())
    }

    fn remove_volume(&mut self, name: &str) -> Result<(), EngineError> {
        self.fault(Fault::Remove(name.to_string()))?;
        if self
            .containers
            .values()
            .any(|c| c.mounts.iter().any(|m| m.source == name))
        {
            return Err(conflict(format!("remove {name}: volume is in use")));
        }
        if let Some(v) = self.volumes.remove(name) {
            self.files.retain(|(vol, _), _| vol != name);
            self.emit(EventKind::Volume, EventAction::Destroy, name, &v.labels);
        }
        Ok(())
    }

    fn exec(&mut self, container: &str, command: &[String]) -> Result<ExecOutput, EngineError> {
        let Some(c) = self.containers.get(container) else {
            return Err(no_such("container", container));
        };
        if c.status != ContainerStatus::Running {
            return Err(conflict(format!("Container {} is not running", c.id)));
        }
        let line = command.join(" ");
        let labels = c.labels.clone();
        // Kept with the daemon engine's bound: a scripted flood reads as a real one does.
        let mut answer = self.answer(container, &line);
        answer.stdout = bounded_text(answer.stdout);
        answer.stderr = bounded_text(answer.stderr);
        self.emit(
            EventKind::Container,
            EventAction::ExecStart(line.clone()),
            container,
            &labels,
        );
        Ok(answer)
    }

    /// A scripted answer; else `cat` of a file in a volume the container mounts; else "no such
    /// command".
    fn answer(&self, container: &str, line: &str) -> ExecOutput {
        if let Some(s) = self
            .scripts
            .iter()
            .rev()
            .find(|s| s.container == container && line.starts_with(&s.prefix))
        {
            return s.answer.clone();
        }
        if let (Some(path), Some(c)) = (line.strip_prefix("cat "), self.containers.get(container)) {
            for m in &c.mounts {
                if let Some(rel) = path.strip_prefix(&format!("{}/", m.target))
                    && let Some(content) = self.files.get(&(m.source.clone(), rel.to_string()))
                {
                    return ExecOutput {
                        exit_code: Some(0),
                        stdout: content.clone(),
                        stderr: String::new(),
                    };
                }
            }
            return ExecOutput {
                exit_code: Some(1),
                stdout: String::new(),
                stderr: format!("cat: can't open '{path}': No such file or directory"),
            };
        }
        let tool = line.split_whitespace().next().unwrap_or("");
        ExecOutput {
            exit_code: Some(127),
            stdout: format!(
                "OCI runtime exec failed: exec failed: unable to start container process: exec: \"{tool}\": executable file not found in $PATH: unknown"
            ),
            stderr: String::new(),
        }
    }

    /// `docker stop` (exit 0 after SIGTERM) or `docker kill` (137 after SIGKILL), with the
    /// daemon's answers: stopping what is not running changes nothing (the daemon's 304, which
    /// the CLI prints as a success), killing it is a conflict, and a paused container is stopped or killed all the same.
    fn halt(&mut self, name: &str, kill: bool) -> Result<(), EngineError> {
        let Some(c) = self.containers.get_mut(name) else {
            return Err(no_such("container", name));
        };
        if !c.status.is_up() {
            return match kill {
                true => Err(conflict(format!(
                    "Cannot kill container: {name}: Container {} is not running",
                    c.id
                ))),
                false => Ok(()),
            };
        }
        c.status = ContainerStatus::Exited;
        c.exit_code = Some(if kill { 137 } else { 0 });
        let labels = c.labels.clone();
        if kill {
            self.emit(EventKind::Container, EventAction::Kill, name, &labels);
        }
        self.emit(EventKind::Container, EventAction::Die, name, &labels);
        if !kill {
            self.emit(EventKind::Container, EventAction::Stop, name, &labels);
        }
        Ok(())
    }

    /// `docker pause` / `docker unpause`, with the daemon's conflicts.
    fn freeze(&mut self, name: &str, pause: bool) -> Result<(), EngineError> {
        let Some(c) = self.containers.get_mut(name) else {
            return Err(no_such("container", name));
        };
        let id = c.id.clone();
        let refusal = match (pause, c.status) {
            (true, ContainerStatus::Running) | (false, ContainerStatus::Paused) => None,
            (true, ContainerStatus::Paused) => Some(format!("Container {id} is already paused")),
            (true, _) => Some(format!("Container {id} is not running")),
            (false, _) => Some(format!("Container {id} is not paused")),
        };
        if let Some(message) = refusal {
            return Err(conflict(message));
        }
        c.status = match pause {
            true => ContainerStatus::Paused,
            false => ContainerStatus::Running,
        };
        let labels = c.labels.clone();
        let action = match pause {
            true => EventAction::Pause,
            false => EventAction::Unpause,
        };
        self.emit(EventKind::Container, action, name, &labels);
        Ok(())
    }

    /// `docker rm [-f] NAME`: a running container only with force, as the daemon says.
    fn rm(&mut self, name: &str, force: bool) -> Result<(), EngineError> {
        match self.containers.get(name) {
            None => Err(no_such("container", name)),
            Some(c) if c.status == ContainerStatus::Paused && !force => Err(conflict(format!(
                "You cannot remove a paused container {}. Unpause and then stop the container before attempting removal or force remove",
                c.id
            ))),
            Some(c) if c.status == ContainerStatus::Running && !force => Err(conflict(format!(
                "You cannot remove a running container {}. Stop the container before attempting removal or force remove",
                c.id
            ))),
            Some(_) => self.remove_container(name),
        }
    }

    /// A container's name, given its name or its id, as the daemon takes either.
    fn named(&self, name_or_id: &str) -> Result<String, EngineError> {
        if self.containers.contains_key(name_or_id) {
            return Ok(name_or_id.to_string());
        }
        self.containers
            .values()
            .find(|c| c.id == name_or_id)
            .map(|c| c.name.clone())
            .ok_or_else(|| no_such("container", name_or_id))
    }

    fn change(&mut self, name: &str, change: &Change) -> Result<(), EngineError> {
        match change {
            Change::RemoveNetwork => {
                if !self.networks.contains_key(name) {
                    return Err(no_such("network", name));
                }
                return self.remove_network(name);
            }
            Change::RemoveVolume { .. } => {
                if !self.volumes.contains_key(name) {
                    return Err(no_such("volume", name));
                }
                return self.remove_volume(name);
            }
            _ => {}
        }
        let n = self.named(name)?;
        match change {
            Change::Start => {
                let foreground = self.foreground.remove(&n);
                self.start(&n, !foreground)
            }
            Change::Stop { .. } => self.halt(&n, false),
            Change::Kill { .. } => self.halt(&n, true),
            Change::Restart { .. } => {
                // Not running: a restart starts it.
                self.halt(&n, false)?;
                self.start(&n, true)?;
                let labels = self.containers[&n].labels.clone();
                self.emit(EventKind::Container, EventAction::Restart, &n, &labels);
                Ok(())
            }
            Change::Pause => self.freeze(&n, true),
            Change::Unpause => self.freeze(&n, false),
            Change::RemoveContainer { force, .. } => self.rm(&n, *force),
            Change::Connect { network, .. } => {
                if !self.networks.contains_key(network) {
                    return Err(no_such("network", network));
                }
                let c = self.containers.get_mut(&n).expect("named");
                if !c.networks.contains(network) {
                    c.networks.push(network.clone());
                }
                self.emit(
                    EventKind::Network,
                    EventAction::Connect,
                    network,
                    &BTreeMap::new(),
                );
                Ok(())
            }
            Change::Disconnect { network, .. } => {
                let c = self.containers.get_mut(&n).expect("named");
                c.networks.retain(|x| x != network);
                c.endpoints.remove(network);
                self.emit(
                    EventKind::Network,
                    EventAction::Disconnect,
                    network,
                    &BTreeMap::new(),
                );
                Ok(())
            }
            Change::RemoveNetwork | Change::RemoveVolume { .. } => unreachable!("handled above"),
        }
    }

    /// The unused networks or volumes carrying every `key=value` label given, removed.
    fn prune(&mut self, what: Prunable, labels: &[String]) -> Vec<String> {
        let carries = |have: &BTreeMap<String, String>| {
            labels.iter().all(|l| {
                let (k, v) = l.split_once('=').unwrap_or((l, ""));
                have.get(k).is_some_and(|x| x == v)
            })
        };
        let candidates: Vec<String> = match what {
            Prunable::Networks => self
                .networks
                .values()
                .filter(|n| carries(&n.labels))
                .map(|n| n.name.clone())
                .collect(),
            Prunable::Volumes => self
                .volumes
                .values()
                .filter(|v| carries(&v.labels))
                .map(|v| v.name.clone())
                .collect(),
        };
        candidates
            .into_iter()
            .filter(|name| match what {
                Prunable::Networks => self.remove_network(name).is_ok(),
                Prunable::Volumes => self.remove_volume(name).is_ok(),
            })
            .collect()
    }
}

#[async_trait]
impl Engine for FakeEngine {
    async fn version(&self) -> Result<String, EngineError> {
        self.enter("version").await?;
        Ok("fake (API 1.41)".into())
    }

    fn rename(&self, _: &mut Action) {}

    async fn create_container(
        &self,
        spec: &ContainerSpec,
        options: &CreateOptions,
    ) -> Result<Created, EngineError> {
        self.enter("create_container").await?;
        let mut s = self.lock();
        let name = s.create_container(spec, options)?;
        Ok(Created {
            id: s.containers[&name].id.clone(),
            warnings: Vec::new(),
        })
    }

    async fn change(&self, name: &str, change: &Change) -> Result<(), EngineError> {
        self.enter("change").await?;
        self.lock().change(name, change)
    }

    async fn wait_container(&self, id: &str) -> Result<i64, EngineError> {
        self.enter("wait_container").await?;
        let s = self.lock();
        let c = &s.containers[&s.named(id)?];
        match c.status.ended() {
            true => Ok(c.exit_code.unwrap_or(0)),
            false => Err(EngineError::Other(format!(
                "the fake engine's container {} does not end",
                c.name
            ))),
        }
    }

    /// A container attached to before its start runs in the foreground: its process ends at
    /// once, printing nothing.
    async fn attach(
        &self,
        id: &str,
    ) -> Result<BoxStream<'static, Result<Vec<u8>, EngineError>>, EngineError> {
        self.enter("attach").await?;
        let mut s = self.lock();
        let name = s.named(id)?;
        s.foreground.insert(name);
        Ok(futures_util::stream::empty().boxed())
    }

    async fn create_network(
        &self,
        spec: &NetworkCreate,
        labels: &BTreeMap<String, String>,
    ) -> Result<String, EngineError> {
        self.enter("create_network").await?;
        self.lock().create_network(spec, labels.clone())
    }

    async fn create_volume(
        &self,
        name: Option<&str>,
        _driver: Option<&str>,
        labels: &BTreeMap<String, String>,
    ) -> Result<String, EngineError> {
        self.enter("create_volume").await?;
        let mut s = self.lock();
        let name = name.map_or_else(|| s.new_id(), str::to_string);
        s.fault(Fault::Apply(name.clone()))?;
        s.create_volume(&name, labels.clone());
        Ok(name)
    }

    async fn networks(&self) -> Result<Vec<NetworkInfo>, EngineError> {
        self.enter("networks").await?;
        Ok(self.lock().networks.values().cloned().collect())
    }

    async fn volumes(&self) -> Result<Vec<VolumeInfo>, EngineError> {
        self.enter("volumes").await?;
        Ok(self.lock().volumes.values().cloned().collect())
    }

    async fn prune(&self, what: Prunable, labels: &[String]) -> Result<Vec<String>, EngineError> {
        self.enter("prune").await?;
        Ok(self.lock().prune(what, labels))
    }

    async fn inspect_raw(
        &self,
        name: &str,
        _shown: Option<&PortTranslation>,
    ) -> Result<Option<serde_json::Value>, EngineError> {
        self.enter("inspect_raw").await?;
        Err(EngineError::Other(format!(
            "the fake engine keeps no daemon description of {name}"
        )))
    }

    /// Any image runs, listed or not: a pull succeeds and adds nothing.
    async fn pull_image(
        &self,
        _image: &str,
        _progress: Option<&tokio::sync::mpsc::UnboundedSender<PullProgress>>,
    ) -> Result<(), EngineError> {
        self.enter("pull_image").await
    }

    async fn running(&self, labels: &[(String, String)]) -> Result<Vec<String>, EngineError> {
        self.enter("running").await?;
        Ok(self
            .lock()
            .containers
            .values()
            .filter(|c| c.status.is_up())
            .filter(|c| labels.iter().all(|(k, v)| c.labels.get(k) == Some(v)))
            .map(|c| c.id.clone())
            .collect())
    }

    async fn read_logs(
        &self,
        container: &str,
        _tail: Option<&str>,
        _follow: bool,
        _limit: Duration,
    ) -> Result<BoundedOutput, EngineError> {
        self.enter("read_logs").await?;
        let s = self.lock();
        let name = s.named(container)?;
        Ok(BoundedOutput::of(
            s.stalled_output.get(&name).map_or("", String::as_str),
        ))
    }

    async fn exec_spec(
        &self,
        spec: &ExecSpec,
        _timeout: Duration,
    ) -> Result<ExecOutput, EngineError> {
        self.enter("exec").await?;
        let mut s = self.lock();
        s.fault(Fault::Apply(spec.container.clone()))?;
        s.exec(&spec.container, &spec.command)
    }

    async fn network(&self, name: &str) -> Result<Option<NetworkInfo>, EngineError> {
        self.enter("network").await?;
        Ok(self.lock().networks.get(name).cloned())
    }

    async fn volume(&self, name: &str) -> Result<Option<VolumeInfo>, EngineError> {
        self.enter("volume").await?;
        Ok(self.lock().volumes.get(name).cloned())
    }

    async fn container(&self, name: &str) -> Result<Option<ContainerInfo>, EngineError> {
        self.enter("container").await?;
        let mut s = self.lock();
        *s.inspections.entry(name.to_string()).or_default() += 1;
        let by_id = || s.containers.values().find(|c| c.id == name);
        Ok(s.containers.get(name).or_else(by_id).cloned())
    }

    async fn image_present(&self, name: &str) -> Result<bool, EngineError> {
        self.enter("image_present").await?;
        Ok(self.lock().images.iter().any(|i| i == name))
    }

    /// A check's own command: never made to fail by a fault on the container.
    async fn exec(
        &self,
        container: &str,
        command: &[String],
        _timeout: Duration,
    ) -> Result<ExecOutput, EngineError> {
        self.enter("exec").await?;
        self.lock().exec(container, command)
    }

    async fn volume_file(
        &self,
        _image: &str,
        volume: &str,
        path: &str,
        _labels: &BTreeMap<String, String>,
    ) -> Result<VolumeFile, EngineError> {
        self.enter("volume_file").await?;
        let s = self.lock();
        let key = (volume.to_string(), path.trim_start_matches('/').to_string());
        Ok(match s.files.get(&key) {
            Some(content) => VolumeFile::File {
                size: content.len() as u64,
                head: content.clone().into_bytes(),
            },
            None => VolumeFile::Missing,
        })
    }

    async fn labelled(&self, labels: &[(String, String)]) -> Result<Resources, EngineError> {
        self.enter("labelled").await?;
        let s = self.lock();
        s.fault(Fault::Labelled)?;
        let carries =
            |have: &BTreeMap<String, String>| labels.iter().all(|(k, v)| have.get(k) == Some(v));
        Ok(Resources {
            containers: s
                .containers
                .values()
                .filter(|c| carries(&c.labels))
                .map(|c| c.name.clone())
                .collect(),
            networks: s
                .networks
                .values()
                .filter(|n| carries(&n.labels))
                .map(|n| n.name.clone())
                .collect(),
            volumes: s
                .volumes
                .values()
                .filter(|v| carries(&v.labels))
                .map(|v| v.name.clone())
                .collect(),
        })
    }

    async fn remove_container(&self, name: &str) -> Result<(), EngineError> {
        self.enter("remove_container").await?;
        self.lock().remove_container(name)
    }

    async fn remove_network(&self, name: &str) -> Result<(), EngineError> {
        self.enter("remove_network").await?;
        self.lock().remove_network(name)
    }

    async fn remove_volume(&self, name: &str) -> Result<(), EngineError> {
        self.enter("remove_volume").await?;
        self.lock().remove_volume(name)
    }

    async fn past_events(
        &self,
        since_ns: i64,
        labels: &[(String, String)],
    ) -> Result<Vec<DaemonEvent>, EngineError> {
        self.enter("past_events").await?;
        Ok(self
            .lock()
            .log
            .iter()
            .filter(|e| {
                e.kind == EventKind::Container && e.time_ns >= since_ns && e.carries(labels)
            })
            .cloned()
            .collect())
    }

    fn attach_output(&self, container: &str) -> BoxStream<'static, Result<Vec<u8>, EngineError>> {
        let s = self.lock();
        let name = s
            .containers
            .values()
            .find(|c| c.id == container || c.name == container)
            .map(|c| c.name.clone())
            .unwrap_or_default();
        if s.stalled_output.contains_key(&name) {
            return futures_util::stream::pending().boxed();
        }
        let message = format!("the fake engine cannot attach to {container}");
        futures_util::stream::once(async move { Err(EngineError::Other(message)) }).boxed()
    }

    async fn logs(&self, container: &str) -> Result<BoundedOutput, EngineError> {
        self.enter("logs").await?;
        let s = self.lock();
        s.containers
            .values()
            .find(|c| c.id == container || c.name == container)
            .and_then(|c| s.stalled_output.get(&c.name))
            .map(|text| BoundedOutput::of(text))
            .ok_or_else(|| no_such("container", container))
    }

    fn events(&self) -> BoxStream<'static, Result<DaemonEvent, EngineError>> {
        let (tx, rx) = unbounded_channel();
        let mut s = self.lock();
        *s.calls.entry("events").or_default() += 1;
        if s.reachable {
            s.subscribers.push(tx);
        } else {
            let _ = tx.send(Err(unreachable()));
        }
        futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        })
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command;
    use crate::execute::{ApplyContext, Outcome, execute};

    fn act(fake: &FakeEngine, line: &str) -> Result<Outcome, EngineError> {
        let action = command::parse(line, None).expect(line);
        futures_util::FutureExt::now_or_never(execute(fake, &action, &ApplyContext::default()))
            .expect("the fake answers at once")
    }

    #[test]
    fn commands_change_the_state_and_report_events() {
        let fake = FakeEngine::new();
        let mut events = fake.events();
        act(&fake, "docker network create isolated-net").unwrap();
        act(
            &fake,
            "docker run -d --name db --network isolated-net --mount type=volume,source=store,target=/data alpine sleep 1",
        )
        .unwrap();
        let c = fake.container_info("db").unwrap();
        assert_eq!(c.status, ContainerStatus::Running);
        assert_eq!(c.networks, vec!["isolated-net".to_string()]);
        assert_eq!(c.mounts[0].source, "store");
        let err = act(&fake, "docker network rm isolated-net").unwrap_err();
        assert!(err.to_string().contains("active endpoints"), "{err}");
        fake.write_file("store", "ledger.txt", "X99");
        let out = act(&fake, "docker exec db cat /data/ledger.txt").unwrap();
        assert_eq!(out.stdout, "X99");
        let mut seen = Vec::new();
        while let Some(Some(Ok(e))) = futures_util::FutureExt::now_or_never(events.next()) {
            seen.push(format!("{} {}", e.kind, e.action));
        }
        assert_eq!(
            seen,
            [
                "network create",
                "volume create",
                "container create",
                "network connect",
                "container start",
                "container exec_start: cat /data/ledger.txt"
            ]
        );
    }

    #[test]
    fn restart_kill_pause_and_unpause_follow_the_daemon() {
        let fake = FakeEngine::new();
        act(&fake, "docker run -d --name web alpine sleep 100").unwrap();
        act(&fake, "docker run -d --name db alpine sleep 100").unwrap();
        let status = |name: &str| fake.container_info(name).unwrap().status.to_string();
        let out = act(&fake, "docker pause web db").unwrap();
        assert_eq!(out.stdout, "web\ndb\n");
        assert_eq!(status("web"), "paused");
        let again = act(&fake, "docker pause web").unwrap_err().to_string();
        assert!(again.contains("is already paused"), "{again}");
        let rm = act(&fake, "docker rm web").unwrap_err().to_string();
        assert!(rm.contains("cannot remove a paused container"), "{rm}");
        assert_eq!(act(&fake, "docker unpause web").unwrap().stdout, "web\n");
        assert_eq!(status("web"), "running");
        let not = act(&fake, "docker unpause web").unwrap_err().to_string();
        assert!(not.contains("is not paused"), "{not}");
        assert_eq!(act(&fake, "docker kill web").unwrap().stdout, "web\n");
        assert_eq!(status("web"), "exited");
        assert_eq!(fake.container_info("web").unwrap().exit_code, Some(137));
        let dead = act(&fake, "docker kill web").unwrap_err().to_string();
        assert!(
            dead.contains("Cannot kill container: web: Container"),
            "{dead}"
        );
        assert!(dead.contains("is not running"), "{dead}");
        let paused = act(&fake, "docker pause web").unwrap_err().to_string();
        assert!(paused.contains("is not running"), "{paused}");
        // A restart starts a stopped container, and stops and starts a running one.
        assert_eq!(
            act(&fake, "docker restart -t 1 web db").unwrap().stdout,
            "web\ndb\n"
        );
        assert_eq!(status("web"), "running");
        assert_eq!(status("db"), "running");
        assert_eq!(act(&fake, "docker stop -t 0 db").unwrap().stdout, "db\n");
        assert_eq!(status("db"), "exited");
        assert_eq!(act(&fake, "docker stop db").unwrap().stdout, "db\n");
        let missing = act(&fake, "docker restart nope").unwrap_err().to_string();
        assert!(missing.contains("No such container: nope"), "{missing}");
    }

    #[tokio::test]
    async fn the_executor_prints_what_the_docker_cli_prints_over_the_fakes_state() {
        let fake = FakeEngine::new();
        let id = act(&fake, "docker network create net").unwrap().stdout;
        assert_eq!(id, format!("{}\n", fake_network_id(&fake, "net")));
        act(&fake, "docker run -d --name a alpine sleep 9").unwrap();
        act(&fake, "docker create --name b alpine true").unwrap();
        let running = act(&fake, "docker rm a b").unwrap_err().to_string();
        assert!(
            running.contains("cannot remove a running container"),
            "{running}"
        );
        assert_eq!(act(&fake, "docker rm -f a b").unwrap().stdout, "a\nb\n");
        assert_eq!(act(&fake, "docker network rm net").unwrap().stdout, "net\n");
        let gone = act(&fake, "docker network rm net").unwrap_err().to_string();
        assert!(gone.contains("No such network: net"), "{gone}");
        let action = command::parse("docker run --rm alpine true", None).unwrap();
        let ran = execute(&fake, &action, &ApplyContext::default())
            .await
            .unwrap();
        assert_eq!((ran.stdout.as_str(), ran.exit_code), ("", Some(0)));
        assert!(fake.existing().iter().all(|e| !e.starts_with("container")));
    }

    fn fake_network_id(fake: &FakeEngine, name: &str) -> String {
        fake.lock().networks[name].id.clone()
    }

    #[test]
    fn a_flood_reads_as_the_daemon_engine_reads_it_head_and_tail() {
        use crate::output::{OUTPUT_HEAD, OUTPUT_TAIL, omission};
        let fake = FakeEngine::new();
        act(
            &fake,
            "docker run -d --name db --mount type=volume,source=store,target=/data alpine sleep 1",
        )
        .unwrap();
        let flood = format!("FIRST{}LAST", "y\n".repeat(OUTPUT_HEAD + OUTPUT_TAIL));
        fake.write_file("store", "flood.txt", &flood);
        let out = act(&fake, "docker exec db cat /data/flood.txt").unwrap();
        assert!(out.stdout.starts_with("FIRST") && out.stdout.ends_with("LAST"));
        assert!(
            out.stdout
                .contains(&omission((flood.len() - OUTPUT_HEAD - OUTPUT_TAIL) as u64))
        );
        fake.stall_output("db", &flood);
        let logs = futures_util::FutureExt::now_or_never(fake.logs("db"))
            .unwrap()
            .unwrap();
        assert_eq!(logs.text(), out.stdout);
    }

    #[test]
    fn a_dropped_connection_ends_the_stream_and_refuses_calls() {
        let fake = FakeEngine::new();
        let mut events = fake.events();
        fake.drop_connection();
        let first = futures_util::FutureExt::now_or_never(events.next()).flatten();
        assert!(matches!(first, Some(Err(EngineError::Unreachable { .. }))));
        assert!(
            act(&fake, "docker volume create v")
                .unwrap_err()
                .is_connection()
        );
        fake.restore_connection();
        assert!(act(&fake, "docker volume create v").is_ok());
    }
}
