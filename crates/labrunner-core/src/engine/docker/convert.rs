//! Pure conversions between bollard's models and the engine's domain types, and the create
//! request a `docker run` sends. Unit-tested here without a daemon.

use std::collections::{BTreeMap, HashMap};

use bollard::models::{
    ContainerCreateBody, ContainerInspectResponse, ContainerStateStatusEnum, EndpointSettings,
    EventMessage, HostConfig, MountBindOptions, MountTmpfsOptions, MountType, MountVolumeOptions,
    MountVolumeOptionsDriverConfig, NetworkInspect, NetworkingConfig,
    PortBinding as ApiPortBinding, Volume,
};

use crate::command::{ContainerSpec, MountKind, MountSyntax};
use crate::engine::{
    ContainerInfo, ContainerStatus, CreateOptions, DaemonEvent, EngineError, EventAction,
    EventKind, MountInfo, NetworkInfo, PortBinding, TmpfsInfo, VolumeInfo,
};
use crate::output::bounded_text;

pub(super) fn split_tag(image: &str) -> (&str, &str) {
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        Some((_, tag)) if !last.contains('@') => (&image[..image.len() - tag.len() - 1], tag),
        _ => (image, "latest"),
    }
}

pub(super) fn to_json<T: serde::Serialize>(value: &T) -> Result<serde_json::Value, EngineError> {
    serde_json::to_value(value).map_err(|e| EngineError::Other(e.to_string()))
}

/// The create request `docker run`/`docker create` would send for `spec`.
pub fn container_body(
    spec: &ContainerSpec,
    image: &str,
    ctx: &CreateOptions,
) -> ContainerCreateBody {
    // The command's own labels first: labrunner's ownership labels always win.
    let mut labels: HashMap<String, String> = spec.labels.iter().cloned().collect();
    labels.extend(ctx.labels.clone());
    let storage = storage(spec, &ctx.labels);
    let (exposed, bindings) = ports(spec);
    let network_mode = spec.network.clone();
    let networking_config = networking(spec);
    // A container on another container's network uses that container's resolver; the daemon
    // refuses DNS settings for it.
    let shares_network = spec
        .network
        .as_deref()
        .is_some_and(|n| n.starts_with("container:"));
    let (dns, dns_options) = if shares_network {
        (None, None)
    } else if spec.dns.is_empty() {
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
        volumes: (!storage.anonymous.is_empty()).then_some(storage.anonymous),
        host_config: Some(HostConfig {
            binds: (!storage.binds.is_empty()).then_some(storage.binds),
            mounts: (!storage.mounts.is_empty()).then_some(storage.mounts),
            tmpfs: (!storage.tmpfs.is_empty()).then_some(storage.tmpfs),
            port_bindings: (!bindings.is_empty()).then_some(bindings),
            publish_all_ports: Some(spec.publish_all),
            network_mode,
            auto_remove: Some(ctx.auto_remove),
            privileged: Some(spec.privileged),
            cap_add: (!spec.cap_add.is_empty()).then(|| spec.cap_add.clone()),
            pid_mode: spec.pid.clone(),
            ipc_mode: spec.ipc.clone(),
            uts_mode: spec.uts.clone(),
            memory: spec.memory.or(ctx.memory_limit),
            pids_limit: spec.pids_limit.or(ctx.pids_limit),
            dns,
            dns_options,
            restart_policy: spec.restart.as_deref().map(restart_policy),
            readonly_rootfs: spec.read_only.then_some(true),
            ..Default::default()
        }),
        networking_config,
        ..Default::default()
    }
}

/// Where a container's storage goes in the create request: `-v` binds, `--mount` mounts,
/// anonymous volumes, and `--tmpfs`.
#[derive(Default)]
struct Storage {
    binds: Vec<String>,
    mounts: Vec<bollard::models::Mount>,
    anonymous: Vec<String>,
    tmpfs: HashMap<String, String>,
}

fn storage(spec: &ContainerSpec, run_labels: &BTreeMap<String, String>) -> Storage {
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
                None => {
                    // As the docker CLI sends it, and also as a volume mount on the same
                    // target carrying the run's labels: the daemon mounts that one and skips
                    // the bare entry, so the volume it makes up is labelled like everything
                    // else the run creates (and removed with it, whatever `docker rm` did).
                    anonymous.push(m.target.clone());
                    mounts.push(bollard::models::Mount {
                        typ: Some(MountType::VOLUME),
                        target: Some(m.target.clone()),
                        read_only: Some(m.read_only),
                        volume_options: Some(MountVolumeOptions {
                            labels: Some(run_labels.clone().into_iter().collect()),
                            ..Default::default()
                        }),
                        ..Default::default()
                    });
                }
            },
            (MountSyntax::MountFlag, kind) => mounts.push(mount_flag(m, kind, run_labels)),
        }
    }

    Storage {
        binds,
        mounts,
        anonymous,
        tmpfs,
    }
}

/// A `--mount`, every option carried: none is dropped (the parser refuses those labrunner
/// cannot carry).
fn mount_flag(
    m: &crate::command::Mount,
    kind: MountKind,
    run_labels: &BTreeMap<String, String>,
) -> bollard::models::Mount {
    let mut volume = MountVolumeOptions::default();
    let mut bind = MountBindOptions::default();
    let mut tmpfs = MountTmpfsOptions::default();
    let mut consistency = None;
    let mut labels: HashMap<String, String> = HashMap::new();
    let mut driver = MountVolumeOptionsDriverConfig::default();
    for option in &m.options {
        let (key, val) = option.split_once('=').unwrap_or((option, ""));
        match key {
            "volume-nocopy" => {
                volume.no_copy = Some(!matches!(
                    val,
                    "0" | "f" | "F" | "false" | "FALSE" | "False"
                ));
            }
            "volume-label" | "volume-opt" => {
                let (k, v) = val.split_once('=').unwrap_or((val, ""));
                if key == "volume-label" {
                    labels.insert(k.to_string(), v.to_string());
                } else {
                    driver
                        .options
                        .get_or_insert_with(HashMap::new)
                        .insert(k.to_string(), v.to_string());
                }
            }
            "volume-driver" => driver.name = Some(val.to_string()),
            "bind-propagation" => bind.propagation = val.parse().ok(),
            "consistency" => consistency = Some(val.to_string()),
            "tmpfs-size" => tmpfs.size_bytes = crate::engine::parse_size(val),
            "tmpfs-mode" => tmpfs.mode = i64::from_str_radix(val, 8).ok(),
            _ => {}
        }
    }
    // A volume the daemon makes up for this mount carries the run's labels.
    if kind == MountKind::Volume && m.source.is_none() {
        labels.extend(run_labels.clone());
    }
    if !labels.is_empty() {
        volume.labels = Some(labels);
    }
    if driver != MountVolumeOptionsDriverConfig::default() {
        volume.driver_config = Some(driver);
    }
    bollard::models::Mount {
        typ: Some(match kind {
            MountKind::Volume => MountType::VOLUME,
            MountKind::Bind => MountType::BIND,
            MountKind::Tmpfs => MountType::TMPFS,
        }),
        source: m.source.clone(),
        target: Some(m.target.clone()),
        read_only: Some(m.read_only),
        consistency,
        volume_options: (volume != MountVolumeOptions::default()).then_some(volume),
        bind_options: (bind != MountBindOptions::default()).then_some(bind),
        tmpfs_options: (tmpfs != MountTmpfsOptions::default()).then_some(tmpfs),
        ..Default::default()
    }
}

type Bindings = HashMap<String, Option<Vec<ApiPortBinding>>>;

/// ExposedPorts (the CLI exposes every published port) and PortBindings for `-p` and `--expose`.
fn ports(spec: &ContainerSpec) -> (Vec<String>, Bindings) {
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
    let mut bindings: Bindings = HashMap::new();
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

    (exposed, bindings)
}

/// Network aliases go in the endpoint settings of the network the container starts on.
fn networking(spec: &ContainerSpec) -> Option<NetworkingConfig> {
    match (&spec.network, spec.network_aliases.is_empty()) {
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
    }
}

/// `--restart always`, `unless-stopped`, `on-failure[:N]`, `no`.
fn restart_policy(r: &str) -> bollard::models::RestartPolicy {
    use bollard::models::RestartPolicyNameEnum as Name;
    bollard::models::RestartPolicy {
        name: Some(match r.split(':').next().unwrap_or("") {
            "always" => Name::ALWAYS,
            "unless-stopped" => Name::UNLESS_STOPPED,
            "on-failure" => Name::ON_FAILURE,
            _ => Name::NO,
        }),
        maximum_retry_count: r.split(':').nth(1).and_then(|n| n.parse().ok()),
    }
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
    let aliases: BTreeMap<String, Vec<String>> = endpoints
        .iter()
        .map(|(net, e)| {
            let short_id = c.id.as_deref().unwrap_or_default().get(..12).unwrap_or("");
            let names = e
                .aliases
                .iter()
                .flatten()
                .filter(|a| a.as_str() != short_id)
                .cloned()
                .collect();
            (net.clone(), names)
        })
        .collect();
    let mut networks: Vec<String> = endpoints.into_keys().collect();
    networks.sort();
    let mounts = mount_infos(
        c.mounts.unwrap_or_default(),
        host.tmpfs.clone().unwrap_or_default(),
        host.mounts.clone().unwrap_or_default(),
    );
    let ports = published(settings.ports.unwrap_or_default());
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
        status: container_status(state.status),
        exit_code: state.exit_code,
        network_mode: host.network_mode.unwrap_or_default(),
        read_only_root: host.readonly_rootfs.unwrap_or(false),
        restart_policy: restart_text(host.restart_policy.as_ref()),
        restart_count: c.restart_count.unwrap_or(0),
        created_ns: c.created.as_deref().and_then(time_ns),
        started_ns: state.started_at.as_deref().and_then(time_ns),
        aliases,
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

/// A restart policy as `--restart` writes it: `always`, `on-failure:3`, `no`.
fn restart_text(policy: Option<&bollard::models::RestartPolicy>) -> String {
    use bollard::models::RestartPolicyNameEnum as Name;
    let Some(p) = policy else {
        return "no".into();
    };
    match p.name {
        Some(Name::ALWAYS) => "always".into(),
        Some(Name::UNLESS_STOPPED) => "unless-stopped".into(),
        Some(Name::ON_FAILURE) => match p.maximum_retry_count {
            Some(n) if n > 0 => format!("on-failure:{n}"),
            _ => "on-failure".into(),
        },
        _ => "no".into(),
    }
}

/// An RFC 3339 time the daemon gives (`2026-12-07T18:20:22.366582864Z`) in nanoseconds since
/// the Unix epoch; `None` for the zero time of a container that never started.
fn time_ns(text: &str) -> Option<i64> {
    let t = chrono::DateTime::parse_from_rfc3339(text).ok()?;
    t.timestamp_nanos_opt().filter(|ns| *ns > 0)
}

/// A container's mounts by target, `--tmpfs` ones included (they live in HostConfig.Tmpfs, not
/// in Mounts); a tmpfs with the size, mode and options it was given (HostConfig.Tmpfs, or the
/// TmpfsOptions of HostConfig.Mounts).
fn mount_infos(
    points: Vec<bollard::models::MountPoint>,
    tmpfs: HashMap<String, String>,
    asked: Vec<bollard::models::Mount>,
) -> Vec<MountInfo> {
    let tmpfs_of = |target: &str| -> Option<TmpfsInfo> {
        if let Some(opts) = tmpfs.get(target) {
            return Some(TmpfsInfo::from_options(opts));
        }
        let m = asked
            .iter()
            .find(|m| m.target.as_deref() == Some(target) && m.typ == Some(MountType::TMPFS))?;
        let o = m.tmpfs_options.clone().unwrap_or_default();
        Some(TmpfsInfo {
            size_bytes: o.size_bytes.filter(|s| *s > 0),
            mode: o.mode.and_then(|m| u32::try_from(m).ok()),
            options: Vec::new(),
        })
    };
    let mut mounts: Vec<MountInfo> = points
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
                tmpfs: (kind == Some(MountKind::Tmpfs))
                    .then(|| tmpfs_of(m.destination.as_deref().unwrap_or_default()))
                    .flatten(),
                target: m.destination.unwrap_or_default(),
                read_only: m.rw == Some(false),
            }
        })
        .collect();
    for (target, opts) in &tmpfs {
        if !mounts.iter().any(|m| m.target == *target) {
            mounts.push(MountInfo {
                kind: Some(MountKind::Tmpfs),
                source: String::new(),
                target: target.clone(),
                read_only: opts.split(',').any(|o| o == "ro"),
                tmpfs: Some(TmpfsInfo::from_options(opts)),
            });
        }
    }
    mounts.sort_by(|a, b| a.target.cmp(&b.target));
    mounts
}

/// Published ports, by container port and host address.
fn published(map: HashMap<String, Option<Vec<bollard::models::PortBinding>>>) -> Vec<PortBinding> {
    let mut ports = Vec::new();
    for (key, bindings) in map {
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
                bound_port: None,
            });
        }
    }
    ports.sort_by(|a, b| (a.container_port, &a.host_ip).cmp(&(b.container_port, &b.host_ip)));
    ports
}

/// Where a container mounts the whole of `volume` (its mount's source is the volume's own
/// folder, `root`, not a part of it), provided nothing else is mounted below that target, so that
/// a path right under the target is the volume's. Trailing slashes trimmed.
pub fn whole_volume_at(
    mounts: &[bollard::models::MountPoint],
    volume: &str,
    root: &str,
) -> Option<String> {
    let target = mounts
        .iter()
        .find(|m| {
            m.typ.as_deref() == Some("volume")
                && m.name.as_deref() == Some(volume)
                && m.source.as_deref() == Some(root)
        })?
        .destination
        .as_deref()?
        .trim_end_matches('/')
        .to_string();
    let below = format!("{target}/");
    let shadowed = mounts
        .iter()
        .filter_map(|m| m.destination.as_deref())
        .any(|d| d.trim_end_matches('/').starts_with(&below));
    (!target.is_empty() && !shadowed).then_some(target)
}

pub fn network_info(n: NetworkInspect) -> NetworkInfo {
    let pools = n.ipam.and_then(|i| i.config).unwrap_or_default();
    NetworkInfo {
        name: n.name.unwrap_or_default(),
        id: n.id.unwrap_or_default(),
        driver: n.driver.unwrap_or_default(),
        scope: n.scope.unwrap_or_default(),
        subnets: pools.iter().filter_map(|c| c.subnet.clone()).collect(),
        ip_ranges: pools.iter().filter_map(|c| c.ip_range.clone()).collect(),
        gateways: pools.iter().filter_map(|c| c.gateway.clone()).collect(),
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

/// The daemon's word for a container's state; a state it leaves out is `created`.
fn container_status(status: Option<ContainerStateStatusEnum>) -> ContainerStatus {
    match status {
        // A newer daemon's `stopping`: its process has not ended yet.
        Some(ContainerStateStatusEnum::RUNNING | ContainerStateStatusEnum::STOPPING) => {
            ContainerStatus::Running
        }
        Some(ContainerStateStatusEnum::PAUSED) => ContainerStatus::Paused,
        Some(ContainerStateStatusEnum::RESTARTING) => ContainerStatus::Restarting,
        Some(ContainerStateStatusEnum::REMOVING) => ContainerStatus::Removing,
        Some(ContainerStateStatusEnum::EXITED) => ContainerStatus::Exited,
        Some(ContainerStateStatusEnum::DEAD) => ContainerStatus::Dead,
        Some(ContainerStateStatusEnum::CREATED | ContainerStateStatusEnum::EMPTY) | None => {
            ContainerStatus::Created
        }
    }
}

pub fn daemon_event(e: EventMessage) -> DaemonEvent {
    let actor = e.actor.unwrap_or_default();
    // A value the daemon sends (a command line exec'd, a label) is kept as any output is.
    let attributes: BTreeMap<String, String> = actor
        .attributes
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, bounded_text(v)))
        .collect();
    let kind = EventKind::parse(&e.typ.map(|t| t.to_string()).unwrap_or_default());
    let name = attributes.get("name").cloned().or_else(|| {
        (kind == EventKind::Volume)
            .then(|| actor.id.clone())
            .flatten()
    });
    let time_ns = e
        .time_nano
        .or_else(|| e.time.map(|t| t.saturating_mul(1_000_000_000)))
        .unwrap_or_default();
    DaemonEvent {
        kind,
        action: EventAction::parse(&bounded_text(e.action.unwrap_or_default())),
        name,
        id: actor.id,
        time_ns,
        attributes,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_volume_is_read_through_a_mount_of_all_of_it_with_nothing_below() {
        let m = |typ: &str, name: &str, source: &str, dest: &str| bollard::models::MountPoint {
            typ: Some(typ.into()),
            name: Some(name.into()),
            source: Some(source.into()),
            destination: Some(dest.into()),
            ..Default::default()
        };
        let root = "/var/lib/docker/volumes/store/_data";
        let whole = m("volume", "store", root, "/app/data/");
        assert_eq!(
            whole_volume_at(std::slice::from_ref(&whole), "store", root).as_deref(),
            Some("/app/data")
        );
        // Another volume, or a part of this one (a subpath), is not the volume's root.
        assert_eq!(
            whole_volume_at(std::slice::from_ref(&whole), "other", root),
            None
        );
        let part = m("volume", "store", &format!("{root}/sub"), "/app/data");
        assert_eq!(whole_volume_at(&[part], "store", root), None);
        // A file bound over a path inside the volume's target hides the volume there.
        let over = m("bind", "", "/home/me/fake.txt", "/app/data/ledger.txt");
        assert_eq!(whole_volume_at(&[whole.clone(), over], "store", root), None);
        // A mount next to it, not below it, does not.
        let beside = m("bind", "", "/home/me", "/app/database");
        assert_eq!(
            whole_volume_at(&[whole, beside], "store", root).as_deref(),
            Some("/app/data")
        );
    }

    use super::*;
    use crate::command::output::render_ports;
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
        let mut ctx = CreateOptions::default();
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
    fn anonymous_volumes_carry_the_run_labels_and_no_mount_option_is_dropped() {
        let mount = |kind, syntax, source: Option<&str>, target: &str, options: &[&str]| Mount {
            kind,
            syntax,
            source: source.map(str::to_string),
            target: target.into(),
            read_only: false,
            options: options.iter().map(|o| o.to_string()).collect(),
        };
        let spec = ContainerSpec {
            image: "alpine".into(),
            mounts: vec![
                mount(
                    MountKind::Volume,
                    MountSyntax::VolumeFlag,
                    None,
                    "/anon",
                    &[],
                ),
                mount(
                    MountKind::Volume,
                    MountSyntax::MountFlag,
                    None,
                    "/m",
                    &["volume-nocopy", "volume-label=tier=db"],
                ),
                mount(
                    MountKind::Volume,
                    MountSyntax::MountFlag,
                    Some("data"),
                    "/d",
                    &[
                        "volume-nocopy=false",
                        "volume-driver=local",
                        "volume-opt=type=tmpfs",
                    ],
                ),
                mount(
                    MountKind::Bind,
                    MountSyntax::MountFlag,
                    Some("/lab"),
                    "/b",
                    &["bind-propagation=rslave", "consistency=cached"],
                ),
                mount(
                    MountKind::Tmpfs,
                    MountSyntax::MountFlag,
                    None,
                    "/t",
                    &["tmpfs-size=1m", "tmpfs-mode=1770"],
                ),
            ],
            ..Default::default()
        };
        let mut ctx = CreateOptions::default();
        ctx.labels.insert("io.labrunner.run".into(), "r1".into());
        let body = container_body(&spec, "alpine", &ctx);
        // `-v /anon`: as the CLI sends it, and as a labelled mount the daemon uses instead.
        assert_eq!(body.volumes.unwrap(), vec!["/anon".to_string()]);
        let mounts = body.host_config.unwrap().mounts.unwrap();
        let at = |target: &str| {
            mounts
                .iter()
                .find(|m| m.target.as_deref() == Some(target))
                .cloned()
                .unwrap()
        };
        let labels = |target: &str| at(target).volume_options.unwrap().labels.unwrap();
        assert_eq!(labels("/anon")["io.labrunner.run"], "r1");
        assert_eq!(at("/anon").source, None);
        assert_eq!(labels("/m")["io.labrunner.run"], "r1");
        assert_eq!(labels("/m")["tier"], "db");
        assert_eq!(at("/m").volume_options.unwrap().no_copy, Some(true));
        // A named volume keeps its own labels only: the run's go on what the daemon makes up.
        let named = at("/d").volume_options.unwrap();
        assert_eq!(named.no_copy, Some(false));
        assert_eq!(named.labels, None);
        let driver = named.driver_config.unwrap();
        assert_eq!(driver.name.as_deref(), Some("local"));
        assert_eq!(driver.options.unwrap()["type"], "tmpfs");
        assert_eq!(
            at("/b").bind_options.unwrap().propagation,
            Some(bollard::models::MountBindOptionsPropagationEnum::RSLAVE)
        );
        assert_eq!(at("/b").consistency.as_deref(), Some("cached"));
        let tmpfs = at("/t").tmpfs_options.unwrap();
        assert_eq!(
            (tmpfs.size_bytes, tmpfs.mode),
            (Some(1024 * 1024), Some(0o1770))
        );
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
        assert_eq!(info.status, crate::engine::ContainerStatus::Exited);
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
                host_port: 8081,
                bound_port: None,
            }]
        );
        assert_eq!(
            render_ports(&info.ports, None),
            "80/tcp -> 127.0.0.1:8081\n"
        );
        assert_eq!(render_ports(&info.ports, Some("443")), "");
    }
}
