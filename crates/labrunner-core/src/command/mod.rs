//! The docker CLI subset labrunner understands, parsed into typed actions.
//!
//! Lab authors and students write real `docker ...` command lines; [`parse`] turns one into an
//! [`Action`] that the engine executes through the Engine API (no docker binary, no shell).
//!
//! - `tokenize`: words as a POSIX shell splits them; `$(pwd)`/`$PWD` become the working folder,
//!   every other expansion, operator or redirection is refused by name.
//! - `flags`: the docker CLI's flag spellings (pflag rules); an unknown flag is refused, never
//!   ignored.
//! - `values`: mounts, ports, sizes, names, as the docker CLI reads them. What only the daemon
//!   rejects (a relative mount target) is kept, so that a lab step can expect the daemon's error.
//! - `explain`: one line of plain English per command.
//! - `rename`: the containers, networks and volumes a command names, and rewriting them.
//! - `policy`: options that reach beyond the container (`Danger`), read-only commands.

mod explain;
mod flags;
pub mod output;
mod policy;
mod ranges;
mod rename;
pub(crate) mod tokenize;
mod values;
mod verbs;

use serde::Serialize;

use flags::{Flag, Found, switch, value};

pub use ranges::{fixed_subnet, host_overlaps, host_routes, ranges_overlap};

/// A parsed docker command.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    NetworkCreate(NetworkCreate),
    NetworkRm {
        names: Vec<String>,
        force: bool,
    },
    NetworkConnect {
        network: String,
        container: String,
        aliases: Vec<String>,
    },
    NetworkDisconnect {
        network: String,
        container: String,
        force: bool,
    },
    NetworkLs,
    NetworkInspect {
        names: Vec<String>,
        format: Option<String>,
    },
    NetworkPrune {
        force: bool,
        /// `--filter label=KEY` or `label=KEY=VALUE`: only networks carrying every one of these
        /// labels are pruned.
        labels: Vec<String>,
    },
    VolumeCreate {
        name: Option<String>,
        driver: Option<String>,
        labels: Vec<(String, String)>,
    },
    VolumeRm {
        names: Vec<String>,
        force: bool,
    },
    VolumeLs,
    VolumeInspect {
        names: Vec<String>,
        format: Option<String>,
    },
    VolumePrune {
        force: bool,
        all: bool,
    },
    /// `docker run`.
    Run(Box<ContainerSpec>),
    /// `docker create`: like run, never started.
    Create(Box<ContainerSpec>),
    Exec(ExecSpec),
    Rm {
        names: Vec<String>,
        force: bool,
        volumes: bool,
    },
    Stop {
        names: Vec<String>,
        time: Option<i64>,
    },
    Start {
        names: Vec<String>,
    },
    /// `docker restart [-t N]`: stop (killing after N seconds), then start again.
    Restart {
        names: Vec<String>,
        time: Option<i64>,
    },
    /// `docker kill [-s SIGNAL]`: `SIGKILL` unless a signal is given.
    Kill {
        names: Vec<String>,
        signal: Option<String>,
    },
    Pause {
        names: Vec<String>,
    },
    Unpause {
        names: Vec<String>,
    },
    Inspect {
        names: Vec<String>,
        format: Option<String>,
    },
    Port {
        container: String,
        port: Option<String>,
    },
    Logs {
        container: String,
        follow: bool,
        tail: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct NetworkCreate {
    pub name: String,
    pub driver: Option<String>,
    pub subnet: Option<String>,
    pub gateway: Option<String>,
    pub ip_range: Option<String>,
    pub internal: bool,
    pub labels: Vec<(String, String)>,
}

/// Everything `docker run`/`docker create` can say that labrunner supports.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ContainerSpec {
    pub name: Option<String>,
    pub image: String,
    /// Arguments after the image.
    pub command: Vec<String>,
    pub entrypoint: Option<String>,
    pub detach: bool,
    pub remove: bool,
    pub interactive: bool,
    pub tty: bool,
    /// `--network`/`--net` value: a network name, `bridge`, `host`, `none`, `container:x`.
    pub network: Option<String>,
    pub network_aliases: Vec<String>,
    pub mounts: Vec<Mount>,
    pub ports: Vec<PortSpec>,
    /// `--expose`d container ports (`80`, `53/udp`).
    pub expose: Vec<String>,
    pub env: Vec<String>,
    pub labels: Vec<(String, String)>,
    pub user: Option<String>,
    pub workdir: Option<String>,
    pub hostname: Option<String>,
    pub restart: Option<String>,
    /// `--read-only`: the root file system is mounted read-only (HostConfig.ReadonlyRootfs);
    /// volumes, binds and tmpfs mounts keep their own mode.
    pub read_only: bool,
    // Options a grader refuses or limits; parsed so that they can be named.
    pub privileged: bool,
    pub cap_add: Vec<String>,
    pub pid: Option<String>,
    pub ipc: Option<String>,
    pub uts: Option<String>,
    pub memory: Option<i64>,
    pub pids_limit: Option<i64>,
    /// `-P`/`--publish-all`: publish every exposed port on a random host port.
    pub publish_all: bool,
    /// `--dns` servers.
    pub dns: Vec<String>,
}

/// Where a mount came from on the command line: the daemon treats them differently
/// (`-v` goes to `HostConfig.Binds` and auto-creates missing host folders; `--mount` to
/// `HostConfig.Mounts` and does not; `--tmpfs` to `HostConfig.Tmpfs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[expect(
    clippy::enum_variant_names,
    reason = "serialized as volume_flag, mount_flag and tmpfs_flag: the flags they came from"
)]
pub enum MountSyntax {
    VolumeFlag,
    MountFlag,
    TmpfsFlag,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "MountType")]
pub enum MountKind {
    Volume,
    Bind,
    Tmpfs,
}

impl MountKind {
    /// The daemon's and the CLI's name for the type: `volume`, `bind`, `tmpfs`.
    pub fn as_str(self) -> &'static str {
        match self {
            MountKind::Volume => "volume",
            MountKind::Bind => "bind",
            MountKind::Tmpfs => "tmpfs",
        }
    }

    /// The type the daemon names, if it is one labs speak of.
    pub fn from_daemon(name: &str) -> Option<Self> {
        match name {
            "volume" => Some(MountKind::Volume),
            "bind" => Some(MountKind::Bind),
            "tmpfs" => Some(MountKind::Tmpfs),
            _ => None,
        }
    }
}

impl std::fmt::Display for MountKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mount {
    pub kind: MountKind,
    pub syntax: MountSyntax,
    /// Volume name or host path; `None` for anonymous volumes and tmpfs.
    pub source: Option<String>,
    /// Target path in the container, as written (may be relative: the daemon rejects it).
    pub target: String,
    pub read_only: bool,
    /// Remaining options as written (`size=64m`, `mode=1770`, `volume-nocopy`, `z`).
    pub options: Vec<String>,
}

/// `-p`/`--publish`: `[host_ip:][host_port[-end]:]container_port[-end][/proto]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortSpec {
    pub host_ip: Option<String>,
    /// Host port range; `None` lets the daemon pick.
    pub host_ports: Option<(u16, u16)>,
    pub container_ports: (u16, u16),
    pub protocol: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ExecSpec {
    pub container: String,
    pub command: Vec<String>,
    pub interactive: bool,
    pub tty: bool,
    pub detach: bool,
    pub user: Option<String>,
    pub workdir: Option<String>,
    pub env: Vec<String>,
}

/// Why a command line is not one labrunner can run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseError {
    #[error("empty command")]
    Empty,
    #[error("not a docker command: `{0}` (only `docker ...` commands are understood)")]
    NotDocker(String),
    #[error("quoting error: {0}")]
    Quoting(String),
    #[error("unsupported shell syntax `{0}`: labrunner runs docker commands, not a shell")]
    Shell(String),
    #[error("unsupported docker command `docker {0}`{hint}", hint = verbs::instead(.0))]
    UnsupportedCommand(String),
    #[error("unsupported flag `{flag}` for `{}`", docker(.command))]
    UnsupportedFlag { command: String, flag: String },
    #[error("flag `{flag}` needs a value")]
    MissingValue { flag: String },
    #[error("invalid value `{value}` for `{flag}`: {reason}")]
    InvalidValue {
        flag: String,
        value: String,
        reason: String,
    },
    #[error("`{}` needs {what}", docker(.command))]
    MissingArgument { command: String, what: String },
    /// `$(pwd)`, `$PWD` or a relative bind source, with no working folder to resolve it.
    #[error("`{syntax}` refers to the current folder, and no working folder was given")]
    NoWorkdir { syntax: String },
    #[error("unexpected argument `{arg}` for `{}`", docker(.command))]
    UnexpectedArgument { command: String, arg: String },
}

/// `docker` followed by the subcommand, if any.
fn docker(command: &str) -> String {
    if command.is_empty() {
        "docker".into()
    } else {
        format!("docker {command}")
    }
}

/// The kinds of daemon objects a command names.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum ResourceKind {
    Container,
    Network,
    Volume,
}

impl std::fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ResourceKind::Container => "container",
            ResourceKind::Network => "network",
            ResourceKind::Volume => "volume",
        })
    }
}

/// Network names that are modes or built-in networks, never resources a lab owns.
pub fn is_builtin_network(name: &str) -> bool {
    matches!(name, "bridge" | "host" | "none" | "default") || name.starts_with("container:")
}

/// Whether `name` can name a container, network or volume (`[a-zA-Z0-9][a-zA-Z0-9_.-]*`, as the
/// daemon requires). What cannot (an image reference `docker inspect` was given) names no object.
pub fn is_object_name(name: &str) -> bool {
    values::check_name("", name).is_ok()
}

/// Parse one docker command line. `workdir` (an absolute path, as `pwd` prints) replaces
/// `$(pwd)`, `${PWD}` and `$PWD`, and makes `.`-relative bind sources absolute; `None` makes
/// any of those an error ([`ParseError::NoWorkdir`]).
///
/// Accepts `docker` followed by a supported subcommand (`docker container <cmd>` works for the
/// container commands). Flags the docker CLI accepts but labrunner does not are refused with
/// [`ParseError::UnsupportedFlag`], so nothing is silently ignored.
pub fn parse(line: &str, workdir: Option<&str>) -> Result<Action, ParseError> {
    let words = tokenize::tokenize(line, workdir)?;
    let Some((first, rest)) = words.split_first() else {
        return Err(ParseError::Empty);
    };
    if first != "docker" {
        return Err(ParseError::NotDocker(first.clone()));
    }
    let Some((sub, rest)) = rest.split_first() else {
        return Err(ParseError::MissingArgument {
            command: String::new(),
            what: "a subcommand (run, exec, network, volume, ...)".into(),
        });
    };
    if sub.starts_with('-') {
        return Err(ParseError::UnsupportedFlag {
            command: String::new(),
            flag: sub.split('=').next().unwrap_or(sub).to_string(),
        });
    }
    let cx = Cx { workdir };
    match sub.as_str() {
        "network" => {
            let (verb, rest) = verb("network", rest)?;
            let command = format!("network {verb}");
            match verb {
                "create" => cx.network_create(&command, rest),
                "rm" | "remove" => network_rm(&command, rest),
                "connect" => network_connect(&command, rest),
                "disconnect" => network_disconnect(&command, rest),
                "ls" | "list" => no_args(&command, rest, Action::NetworkLs),
                "inspect" => network_inspect(&command, rest),
                "prune" => network_prune(&command, rest),
                _ => Err(ParseError::UnsupportedCommand(command)),
            }
        }
        "volume" => {
            let (verb, rest) = verb("volume", rest)?;
            let command = format!("volume {verb}");
            match verb {
                "create" => volume_create(&command, rest),
                "rm" | "remove" => volume_rm(&command, rest),
                "ls" | "list" => no_args(&command, rest, Action::VolumeLs),
                "inspect" => volume_inspect(&command, rest),
                "prune" => volume_prune(&command, rest),
                _ => Err(ParseError::UnsupportedCommand(command)),
            }
        }
        "container" => {
            let (verb, rest) = verb("container", rest)?;
            let command = format!("container {verb}");
            cx.container_command(&command, verb, rest)
                .unwrap_or(Err(ParseError::UnsupportedCommand(command)))
        }
        other => cx
            .container_command(other, other, rest)
            .unwrap_or_else(|| Err(ParseError::UnsupportedCommand(other.to_string()))),
    }
}

fn verb<'a>(group: &str, rest: &'a [String]) -> Result<(&'a str, &'a [String]), ParseError> {
    match rest.split_first() {
        Some((v, rest)) if !v.starts_with('-') => Ok((v.as_str(), rest)),
        Some((flag, _)) => Err(ParseError::UnsupportedFlag {
            command: group.to_string(),
            flag: flag.split('=').next().unwrap_or(flag).to_string(),
        }),
        None => Err(ParseError::MissingArgument {
            command: group.to_string(),
            what: "a subcommand".into(),
        }),
    }
}

/// What parsing needs besides the words.
struct Cx<'a> {
    workdir: Option<&'a str>,
}

fn missing(command: &str, what: &str) -> ParseError {
    ParseError::MissingArgument {
        command: command.to_string(),
        what: what.to_string(),
    }
}

fn unexpected(command: &str, args: &[String]) -> Result<(), ParseError> {
    match args.first() {
        Some(arg) => Err(ParseError::UnexpectedArgument {
            command: command.to_string(),
            arg: arg.clone(),
        }),
        None => Ok(()),
    }
}

/// Positional names (`label` as in docker's usage text: `CONTAINER`), at least one, each a
/// valid object name.
fn names(command: &str, label: &str, args: Vec<String>) -> Result<Vec<String>, ParseError> {
    if args.is_empty() {
        return Err(missing(command, &format!("at least one {label}")));
    }
    for name in &args {
        values::check_name(label, name)?;
    }
    Ok(args)
}

/// Set an `Option` once; a second occurrence is an error rather than a silent override.
fn once(slot: &mut Option<String>, found: &Found) -> Result<(), ParseError> {
    if slot.is_some() {
        return Err(ParseError::InvalidValue {
            flag: found.name.clone(),
            value: found.text(),
            reason: "given more than once".into(),
        });
    }
    *slot = Some(found.text());
    Ok(())
}

fn no_args(command: &str, rest: &[String], action: Action) -> Result<Action, ParseError> {
    let scanned = flags::scan(command, rest, &[], true)?;
    unexpected(command, &scanned.args)?;
    Ok(action)
}

const FORMAT: Flag = value("format", &["-f", "--format"]);
const FORCE: Flag = switch("force", &["-f", "--force"]);
const NETWORK_CREATE_FLAGS: &[Flag] = &[
    value("driver", &["-d", "--driver"]),
    value("subnet", &["--subnet"]),
    value("gateway", &["--gateway"]),
    value("ip-range", &["--ip-range"]),
    switch("internal", &["--internal"]),
    value("label", &["--label"]),
];
const RUN_FLAGS: &[Flag] = &[
    switch("detach", &["-d", "--detach"]),
    switch("rm", &["--rm"]),
    value("name", &["--name"]),
    value("network", &["--network", "--net"]),
    value("network-alias", &["--network-alias", "--net-alias"]),
    value("volume", &["-v", "--volume"]),
    value("mount", &["--mount"]),
    value("publish", &["-p", "--publish"]),
    switch("publish-all", &["-P", "--publish-all"]),
    value("expose", &["--expose"]),
    value("env", &["-e", "--env"]),
    value("label", &["-l", "--label"]),
    value("user", &["-u", "--user"]),
    value("tmpfs", &["--tmpfs"]),
    value("workdir", &["-w", "--workdir"]),
    value("entrypoint", &["--entrypoint"]),
    switch("interactive", &["-i", "--interactive"]),
    switch("tty", &["-t", "--tty"]),
    value("hostname", &["-h", "--hostname"]),
    value("restart", &["--restart"]),
    switch("read-only", &["--read-only"]),
    switch("privileged", &["--privileged"]),
    value("cap-add", &["--cap-add"]),
    value("pid", &["--pid"]),
    value("ipc", &["--ipc"]),
    value("uts", &["--uts"]),
    value("memory", &["-m", "--memory"]),
    value("pids-limit", &["--pids-limit"]),
    value("dns", &["--dns"]),
];
const VOLUME_CREATE_FLAGS: &[Flag] = &[
    value("driver", &["-d", "--driver"]),
    value("label", &["--label"]),
    value("name", &["--name"]),
];
const EXEC_FLAGS: &[Flag] = &[
    switch("interactive", &["-i", "--interactive"]),
    switch("tty", &["-t", "--tty"]),
    switch("detach", &["-d", "--detach"]),
    value("user", &["-u", "--user"]),
    value("workdir", &["-w", "--workdir"]),
    value("env", &["-e", "--env"]),
];
const LOGS_FLAGS: &[Flag] = &[
    switch("follow", &["-f", "--follow"]),
    value("tail", &["-n", "--tail"]),
];
const NETWORK_PRUNE_FLAGS: &[Flag] = &[FORCE, value("filter", &["--filter"])];
const NETWORK_CONNECT_FLAGS: &[Flag] = &[value("alias", &["--alias"])];
const VOLUME_PRUNE_FLAGS: &[Flag] = &[FORCE, switch("all", &["-a", "--all"])];
const RM_FLAGS: &[Flag] = &[FORCE, switch("volumes", &["-v", "--volumes"])];
const STOP_FLAGS: &[Flag] = &[value("time", &["-t", "--time", "--timeout"])];
const KILL_FLAGS: &[Flag] = &[value("signal", &["-s", "--signal"])];
const INSPECT_FLAGS: &[Flag] = &[FORMAT, value("type", &["--type"])];

/// Every option the parser accepts, by subcommand, each with all its spellings: what
/// `explain` accepts, and what `validate`, `test` and `grade` must each give one verdict on.
pub fn accepted_options() -> Vec<(&'static str, &'static [&'static str])> {
    let table: &[(&'static str, &[Flag])] = &[
        ("network create", NETWORK_CREATE_FLAGS),
        ("network connect", NETWORK_CONNECT_FLAGS),
        ("network disconnect", &[FORCE]),
        ("network inspect", &[FORMAT]),
        ("network prune", NETWORK_PRUNE_FLAGS),
        ("volume create", VOLUME_CREATE_FLAGS),
        ("volume rm", &[FORCE]),
        ("volume inspect", &[FORMAT]),
        ("volume prune", VOLUME_PRUNE_FLAGS),
        ("run", RUN_FLAGS),
        ("create", RUN_FLAGS),
        ("exec", EXEC_FLAGS),
        ("rm", RM_FLAGS),
        ("stop", STOP_FLAGS),
        ("restart", STOP_FLAGS),
        ("kill", KILL_FLAGS),
        ("inspect", INSPECT_FLAGS),
        ("logs", LOGS_FLAGS),
    ];
    table
        .iter()
        .flat_map(|(command, flags)| flags.iter().map(move |f| (*command, f.names)))
        .collect()
}

fn force(found: &[Found]) -> bool {
    flags::last(found, "force").is_some_and(Found::is_on)
}

fn format_of(found: &[Found]) -> Option<String> {
    flags::last(found, "format").map(Found::text)
}

impl Cx<'_> {
    fn network_create(&self, command: &str, rest: &[String]) -> Result<Action, ParseError> {
        let scanned = flags::scan(command, rest, NETWORK_CREATE_FLAGS, true)?;
        let mut args = scanned.args.into_iter();
        let name = args
            .next()
            .ok_or_else(|| missing(command, "a network name"))?;
        unexpected(command, &args.collect::<Vec<_>>())?;
        values::check_name("NETWORK", &name)?;
        let mut net = NetworkCreate {
            name,
            ..NetworkCreate::default()
        };
        for f in &scanned.flags {
            match f.id {
                "driver" => once(&mut net.driver, f)?,
                "subnet" => {
                    values::check_cidr(&f.name, &f.text())?;
                    once(&mut net.subnet, f)?;
                }
                "gateway" => {
                    values::check_ip(&f.name, &f.text())?;
                    once(&mut net.gateway, f)?;
                }
                "ip-range" => {
                    values::check_cidr(&f.name, &f.text())?;
                    once(&mut net.ip_range, f)?;
                }
                "internal" => net.internal = f.is_on(),
                "label" => net.labels.push(values::label(&f.text())),
                _ => {}
            }
        }
        Ok(Action::NetworkCreate(net))
    }

    /// The commands on containers, reachable as `docker X` and `docker container X`.
    /// `None` when `verb` is not one of them.
    fn container_command(
        &self,
        command: &str,
        verb: &str,
        rest: &[String],
    ) -> Option<Result<Action, ParseError>> {
        Some(match verb {
            "run" => self
                .run_or_create(command, rest)
                .map(|s| Action::Run(Box::new(s))),
            "create" => self
                .run_or_create(command, rest)
                .map(|s| Action::Create(Box::new(s))),
            "exec" => exec(command, rest),
            "rm" | "remove" => rm(command, rest),
            "stop" => stop(command, rest),
            "start" => start(command, rest),
            "restart" => restart(command, rest),
            "kill" => kill(command, rest),
            "pause" => containers(command, rest).map(|names| Action::Pause { names }),
            "unpause" => containers(command, rest).map(|names| Action::Unpause { names }),
            "inspect" => inspect(command, rest),
            "port" => port(command, rest),
            "logs" => logs(command, rest),
            _ => return None,
        })
    }

    fn run_or_create(&self, command: &str, rest: &[String]) -> Result<ContainerSpec, ParseError> {
        let scanned = flags::scan(command, rest, RUN_FLAGS, false)?;
        let mut args = scanned.args.into_iter();
        let image = args.next().ok_or_else(|| missing(command, "an image"))?;
        let mut c = ContainerSpec {
            image,
            command: args.collect(),
            ..ContainerSpec::default()
        };
        for f in &scanned.flags {
            self.run_flag(&mut c, f)?;
        }
        // Checked after the flags, so that errors come in the order of the line.
        check_run_spec(&c)?;
        Ok(c)
    }

    /// Apply one flag of `docker run`/`docker create` to `c`.
    fn run_flag(&self, c: &mut ContainerSpec, f: &Found) -> Result<(), ParseError> {
        let text = f.text();
        let name = f.name.as_str();
        match f.id {
            "detach" => c.detach = f.is_on(),
            "rm" => c.remove = f.is_on(),
            "name" => {
                values::check_name(name, &text)?;
                once(&mut c.name, f)?;
            }
            "network" => {
                if !is_builtin_network(&text) {
                    values::check_name(name, &text)?;
                }
                if let Some(container) = text.strip_prefix("container:") {
                    values::check_name(name, container)?;
                }
                once(&mut c.network, f)?;
            }
            "network-alias" => {
                values::check_name(name, &text)?;
                c.network_aliases.push(text);
            }
            "volume" => c
                .mounts
                .push(values::volume_flag(name, &text, self.workdir)?),
            "mount" => c
                .mounts
                .push(values::mount_flag(name, &text, self.workdir)?),
            "tmpfs" => c.mounts.push(values::tmpfs_flag(name, &text)?),
            "publish" => c.ports.push(values::publish(name, &text)?),
            "publish-all" => c.publish_all = f.is_on(),
            "expose" => c.expose.push(values::expose(name, &text)?),
            "env" => c.env.push(text),
            "label" => c.labels.push(values::label(&text)),
            "user" => c.user = Some(text),
            "workdir" => c.workdir = Some(text),
            "entrypoint" => c.entrypoint = Some(text),
            "interactive" => c.interactive = f.is_on(),
            "tty" => c.tty = f.is_on(),
            "hostname" => c.hostname = Some(text),
            "restart" => {
                values::check_restart(&text)?;
                c.restart = Some(text);
            }
            "read-only" => c.read_only = f.is_on(),
            "privileged" => c.privileged = f.is_on(),
            "cap-add" => c.cap_add.push(text),
            "pid" => c.pid = Some(namespace_mode(name, text, &["host"])?),
            "ipc" => {
                let modes = ["host", "none", "private", "shareable"];
                c.ipc = Some(namespace_mode(name, text, &modes)?);
            }
            "uts" => c.uts = Some(namespace_mode(name, text, &["host"])?),
            "memory" => c.memory = Some(values::memory(name, &text)?),
            "pids-limit" => c.pids_limit = Some(values::integer(name, &text)?),
            "dns" => {
                values::check_ip(name, &text)?;
                c.dns.push(text);
            }
            _ => {}
        }
        Ok(())
    }
}

/// What `docker run` refuses once all its flags are read: a bad image reference, aliases
/// without a user-defined network, conflicting shared namespaces, `--rm` with a restart policy.
fn check_run_spec(c: &ContainerSpec) -> Result<(), ParseError> {
    values::check_image(&c.image)?;
    let user_network = c.network.as_deref().is_some_and(|n| !is_builtin_network(n));
    if let Some(alias) = c.network_aliases.first().filter(|_| !user_network) {
        return Err(ParseError::InvalidValue {
            flag: "--network-alias".into(),
            value: alias.clone(),
            reason: "network-scoped aliases are only supported for user-defined networks".into(),
        });
    }
    shared_network_conflicts(c)?;
    if c.remove && c.restart.as_deref().is_some_and(|r| r != "no") {
        return Err(ParseError::InvalidValue {
            flag: "--restart".into(),
            value: c.restart.clone().unwrap_or_default(),
            reason: "a container started with --rm cannot have a restart policy".into(),
        });
    }
    Ok(())
}

/// A `--pid`/`--ipc`/`--uts` value the daemon knows: one of `modes`, or (for pid and ipc)
/// `container:NAME`.
fn namespace_mode(flag: &str, text: String, modes: &[&str]) -> Result<String, ParseError> {
    let joins = flag != "--uts"
        && text
            .strip_prefix("container:")
            .is_some_and(|c| values::check_name(flag, c).is_ok());
    if joins || modes.contains(&text.as_str()) {
        return Ok(text);
    }
    Err(ParseError::InvalidValue {
        flag: flag.to_string(),
        reason: format!(
            "the daemon knows {}{}",
            modes.join(", "),
            if flag == "--uts" {
                ""
            } else {
                ", container:NAME"
            }
        ),
        value: text,
    })
}

/// A container on another container's network stack (`--network container:NAME`) has no
/// network settings of its own: the daemon refuses each of these, so the parser does first.
fn shared_network_conflicts(c: &ContainerSpec) -> Result<(), ParseError> {
    let Some(network) = c.network.as_deref().filter(|n| n.starts_with("container:")) else {
        return Ok(());
    };
    let conflict = |flag: &str, value: String, what: &str| ParseError::InvalidValue {
        flag: flag.to_string(),
        value,
        reason: format!(
            "a container on another container's network (--network {network}) uses that container's {what}; drop one of the two options"
        ),
    };
    if let Some(h) = &c.hostname {
        return Err(conflict("--hostname", h.clone(), "hostname"));
    }
    if let Some(d) = c.dns.first() {
        return Err(conflict("--dns", d.clone(), "DNS servers"));
    }
    if let Some(a) = c.network_aliases.first() {
        return Err(conflict("--network-alias", a.clone(), "network endpoints"));
    }
    if !c.ports.is_empty() || c.publish_all {
        return Err(conflict("--publish", String::new(), "ports"));
    }
    if let Some(e) = c.expose.first() {
        return Err(conflict("--expose", e.clone(), "ports"));
    }
    Ok(())
}

fn network_rm(command: &str, rest: &[String]) -> Result<Action, ParseError> {
    let scanned = flags::scan(command, rest, &[FORCE], true)?;
    Ok(Action::NetworkRm {
        names: names(command, "NETWORK", scanned.args)?,
        force: force(&scanned.flags),
    })
}

fn two_names(command: &str, args: Vec<String>) -> Result<(String, String), ParseError> {
    let mut args = args.into_iter();
    let network = args
        .next()
        .ok_or_else(|| missing(command, "a network and a container"))?;
    let container = args
        .next()
        .ok_or_else(|| missing(command, "a container after the network"))?;
    unexpected(command, &args.collect::<Vec<_>>())?;
    values::check_name("NETWORK", &network)?;
    values::check_name("CONTAINER", &container)?;
    Ok((network, container))
}

fn network_connect(command: &str, rest: &[String]) -> Result<Action, ParseError> {
    let scanned = flags::scan(command, rest, NETWORK_CONNECT_FLAGS, true)?;
    let (network, container) = two_names(command, scanned.args)?;
    let mut aliases = Vec::new();
    for f in &scanned.flags {
        values::check_name(&f.name, &f.text())?;
        aliases.push(f.text());
    }
    Ok(Action::NetworkConnect {
        network,
        container,
        aliases,
    })
}

fn network_disconnect(command: &str, rest: &[String]) -> Result<Action, ParseError> {
    let scanned = flags::scan(command, rest, &[FORCE], true)?;
    let (network, container) = two_names(command, scanned.args)?;
    Ok(Action::NetworkDisconnect {
        network,
        container,
        force: force(&scanned.flags),
    })
}

fn network_inspect(command: &str, rest: &[String]) -> Result<Action, ParseError> {
    let scanned = flags::scan(command, rest, &[FORMAT], true)?;
    Ok(Action::NetworkInspect {
        names: names(command, "NETWORK", scanned.args)?,
        format: format_of(&scanned.flags),
    })
}

fn network_prune(command: &str, rest: &[String]) -> Result<Action, ParseError> {
    let scanned = flags::scan(command, rest, NETWORK_PRUNE_FLAGS, true)?;
    unexpected(command, &scanned.args)?;
    let mut labels = Vec::new();
    for f in scanned.flags.iter().filter(|f| f.id == "filter") {
        // Only label filters are understood; `until=` and the rest stay unsupported.
        match f.text().strip_prefix("label=") {
            Some(label) if !label.is_empty() => labels.push(label.to_string()),
            _ => {
                return Err(ParseError::UnsupportedFlag {
                    command: command.to_string(),
                    flag: "--filter".to_string(),
                });
            }
        }
    }
    Ok(Action::NetworkPrune {
        force: force(&scanned.flags),
        labels,
    })
}

fn volume_create(command: &str, rest: &[String]) -> Result<Action, ParseError> {
    let scanned = flags::scan(command, rest, VOLUME_CREATE_FLAGS, true)?;
    let mut name = None;
    let mut driver = None;
    let mut labels = Vec::new();
    for f in &scanned.flags {
        match f.id {
            "driver" => once(&mut driver, f)?,
            "label" => labels.push(values::label(&f.text())),
            "name" => once(&mut name, f)?,
            _ => {}
        }
    }
    let mut args = scanned.args.into_iter();
    if let Some(positional) = args.next() {
        if name.is_some() {
            return Err(ParseError::UnexpectedArgument {
                command: command.to_string(),
                arg: positional,
            });
        }
        name = Some(positional);
    }
    unexpected(command, &args.collect::<Vec<_>>())?;
    if let Some(n) = &name {
        values::check_name("VOLUME", n)?;
    }
    Ok(Action::VolumeCreate {
        name,
        driver,
        labels,
    })
}

fn volume_rm(command: &str, rest: &[String]) -> Result<Action, ParseError> {
    let scanned = flags::scan(command, rest, &[FORCE], true)?;
    Ok(Action::VolumeRm {
        names: names(command, "VOLUME", scanned.args)?,
        force: force(&scanned.flags),
    })
}

fn volume_inspect(command: &str, rest: &[String]) -> Result<Action, ParseError> {
    let scanned = flags::scan(command, rest, &[FORMAT], true)?;
    Ok(Action::VolumeInspect {
        names: names(command, "VOLUME", scanned.args)?,
        format: format_of(&scanned.flags),
    })
}

fn volume_prune(command: &str, rest: &[String]) -> Result<Action, ParseError> {
    let scanned = flags::scan(command, rest, VOLUME_PRUNE_FLAGS, true)?;
    unexpected(command, &scanned.args)?;
    Ok(Action::VolumePrune {
        force: force(&scanned.flags),
        all: flags::last(&scanned.flags, "all").is_some_and(Found::is_on),
    })
}

fn exec(command: &str, rest: &[String]) -> Result<Action, ParseError> {
    let scanned = flags::scan(command, rest, EXEC_FLAGS, false)?;
    let mut args = scanned.args.into_iter();
    let container = args
        .next()
        .ok_or_else(|| missing(command, "a container and a command"))?;
    values::check_name("CONTAINER", &container)?;
    let mut e = ExecSpec {
        container,
        command: args.collect(),
        ..ExecSpec::default()
    };
    if e.command.is_empty() {
        return Err(missing(
            command,
            "a command to run after the container name",
        ));
    }
    for f in &scanned.flags {
        match f.id {
            "interactive" => e.interactive = f.is_on(),
            "tty" => e.tty = f.is_on(),
            "detach" => e.detach = f.is_on(),
            "user" => e.user = Some(f.text()),
            "workdir" => e.workdir = Some(f.text()),
            "env" => e.env.push(f.text()),
            _ => {}
        }
    }
    Ok(Action::Exec(e))
}

fn rm(command: &str, rest: &[String]) -> Result<Action, ParseError> {
    let scanned = flags::scan(command, rest, RM_FLAGS, true)?;
    Ok(Action::Rm {
        names: names(command, "CONTAINER", scanned.args)?,
        force: force(&scanned.flags),
        volumes: flags::last(&scanned.flags, "volumes").is_some_and(Found::is_on),
    })
}

/// The names and `-t` of `docker stop` and `docker restart`.
fn stop_args(command: &str, rest: &[String]) -> Result<(Vec<String>, Option<i64>), ParseError> {
    let scanned = flags::scan(command, rest, STOP_FLAGS, true)?;
    let time = match scanned.flags.last() {
        Some(f) => Some(values::integer(&f.name, &f.text())?),
        None => None,
    };
    Ok((names(command, "CONTAINER", scanned.args)?, time))
}

fn stop(command: &str, rest: &[String]) -> Result<Action, ParseError> {
    let (names, time) = stop_args(command, rest)?;
    Ok(Action::Stop { names, time })
}

fn restart(command: &str, rest: &[String]) -> Result<Action, ParseError> {
    let (names, time) = stop_args(command, rest)?;
    Ok(Action::Restart { names, time })
}

fn kill(command: &str, rest: &[String]) -> Result<Action, ParseError> {
    let scanned = flags::scan(command, rest, KILL_FLAGS, true)?;
    let signal = match scanned.flags.last() {
        Some(f) => Some(values::signal(&f.name, &f.text())?),
        None => None,
    };
    Ok(Action::Kill {
        names: names(command, "CONTAINER", scanned.args)?,
        signal,
    })
}

/// The container names of a command that takes nothing else (`start`, `pause`, `unpause`).
fn containers(command: &str, rest: &[String]) -> Result<Vec<String>, ParseError> {
    let scanned = flags::scan(command, rest, &[], true)?;
    names(command, "CONTAINER", scanned.args)
}

fn start(command: &str, rest: &[String]) -> Result<Action, ParseError> {
    Ok(Action::Start {
        names: containers(command, rest)?,
    })
}

/// `docker inspect`: `--type network|volume` becomes the network/volume inspect action, whose
/// arguments are names. Otherwise each argument is a name, written `/NAME` too (as the daemon
/// shows container names: the same container), or an image reference (`alpine:latest`).
/// Anything else (`NAME/`, `a/../b`) is refused: no argument reaches the daemon as a path of
/// its own, around the names a namespace rewrites.
fn inspect(command: &str, rest: &[String]) -> Result<Action, ParseError> {
    let scanned = flags::scan(command, rest, INSPECT_FLAGS, true)?;
    let format = format_of(&scanned.flags);
    let kind = flags::last(&scanned.flags, "type");
    if scanned.args.is_empty() {
        return Err(missing(command, "a name"));
    }
    let args = scanned.args;
    match kind.map(Found::text).as_deref() {
        None | Some("container") => Ok(Action::Inspect {
            names: args.into_iter().map(inspected).collect::<Result<_, _>>()?,
            format,
        }),
        Some("network") => Ok(Action::NetworkInspect {
            names: names(command, "NETWORK", args)?,
            format,
        }),
        Some("volume") => Ok(Action::VolumeInspect {
            names: names(command, "VOLUME", args)?,
            format,
        }),
        Some(other) => Err(ParseError::InvalidValue {
            flag: "--type".into(),
            value: other.to_string(),
            reason: "labrunner inspects containers, networks and volumes".into(),
        }),
    }
}

/// One argument of `docker inspect`: a name (`/NAME` is NAME), or an image reference.
fn inspected(arg: String) -> Result<String, ParseError> {
    let name = arg.strip_prefix('/').unwrap_or(&arg);
    if values::check_name("NAME", name).is_ok() {
        return Ok(name.to_string());
    }
    if values::check_image(&arg).is_ok() {
        return Ok(arg);
    }
    Err(ParseError::InvalidValue {
        flag: "NAME".into(),
        value: arg,
        reason: "neither a container, network or volume name (`[a-zA-Z0-9][a-zA-Z0-9_.-]*`, also written `/NAME`) nor an image reference".into(),
    })
}

fn port(command: &str, rest: &[String]) -> Result<Action, ParseError> {
    let scanned = flags::scan(command, rest, &[], true)?;
    let mut args = scanned.args.into_iter();
    let container = args
        .next()
        .ok_or_else(|| missing(command, "a container name"))?;
    values::check_name("CONTAINER", &container)?;
    let port = args.next();
    if let Some(p) = &port {
        values::expose("PORT", p)?;
    }
    unexpected(command, &args.collect::<Vec<_>>())?;
    Ok(Action::Port { container, port })
}

fn logs(command: &str, rest: &[String]) -> Result<Action, ParseError> {
    let scanned = flags::scan(command, rest, LOGS_FLAGS, true)?;
    let mut args = scanned.args.into_iter();
    let container = args
        .next()
        .ok_or_else(|| missing(command, "a container name"))?;
    values::check_name("CONTAINER", &container)?;
    unexpected(command, &args.collect::<Vec<_>>())?;
    let mut follow = false;
    let mut tail = None;
    for f in &scanned.flags {
        match f.id {
            "follow" => follow = f.is_on(),
            "tail" => {
                let t = f.text();
                if t != "all" {
                    values::integer(&f.name, &t)?;
                }
                tail = Some(t);
            }
            _ => {}
        }
    }
    Ok(Action::Logs {
        container,
        follow,
        tail,
    })
}

#[cfg(test)]
mod tests;
