//! The docker CLI subset labrunner understands, parsed into typed actions.
//!
//! Lab authors and students write real `docker ...` command lines; [`parse`] turns one into an
//! [`Action`] that the engine executes through the Engine API (no docker binary, no shell).

use serde::Serialize;

/// A parsed docker command.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    NetworkCreate(NetworkCreate),
    NetworkRm { names: Vec<String>, force: bool },
    NetworkConnect { network: String, container: String, aliases: Vec<String> },
    NetworkDisconnect { network: String, container: String, force: bool },
    NetworkLs,
    NetworkInspect { names: Vec<String>, format: Option<String> },
    NetworkPrune { force: bool },
    VolumeCreate { name: Option<String>, driver: Option<String>, labels: Vec<(String, String)> },
    VolumeRm { names: Vec<String>, force: bool },
    VolumeLs,
    VolumeInspect { names: Vec<String>, format: Option<String> },
    VolumePrune { force: bool, all: bool },
    /// `docker run`.
    Run(Box<ContainerSpec>),
    /// `docker create`: like run, never started.
    Create(Box<ContainerSpec>),
    Exec(ExecSpec),
    Rm { names: Vec<String>, force: bool, volumes: bool },
    Stop { names: Vec<String>, time: Option<i64> },
    Start { names: Vec<String> },
    Inspect { names: Vec<String>, format: Option<String> },
    Port { container: String, port: Option<String> },
    Logs { container: String, follow: bool, tail: Option<String> },
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
    // Options a grader refuses or limits; parsed so that they can be named.
    pub privileged: bool,
    pub cap_add: Vec<String>,
    pub pid: Option<String>,
    pub ipc: Option<String>,
    pub uts: Option<String>,
    pub memory: Option<i64>,
    pub pids_limit: Option<i64>,
    pub dns: Vec<String>,
    /// `-P`: publish every exposed port on a random host port.
    pub publish_all: bool,
}

/// Where a mount came from on the command line: the daemon treats them differently
/// (`-v` goes to `HostConfig.Binds` and auto-creates missing host folders; `--mount` to
/// `HostConfig.Mounts` and does not; `--tmpfs` to `HostConfig.Tmpfs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MountSyntax {
    VolumeFlag,
    MountFlag,
    TmpfsFlag,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MountKind {
    Volume,
    Bind,
    Tmpfs,
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
    #[error("unsupported docker command `docker {0}`")]
    UnsupportedCommand(String),
    #[error("unsupported flag `{flag}` for `docker {command}`")]
    UnsupportedFlag { command: String, flag: String },
    #[error("flag `{flag}` needs a value")]
    MissingValue { flag: String },
    #[error("invalid value `{value}` for `{flag}`: {reason}")]
    InvalidValue { flag: String, value: String, reason: String },
    #[error("`docker {command}` needs {what}")]
    MissingArgument { command: String, what: String },
}

/// Parse one docker command line. `workdir` replaces `$(pwd)`, `${PWD}` and `$PWD`.
pub fn parse(line: &str, workdir: Option<&str>) -> Result<Action, ParseError> {
    let _ = (line, workdir);
    Err(ParseError::Empty)
}

impl Action {
    /// One line of plain English saying what the command does.
    pub fn explain(&self) -> String {
        format!("{self:?}")
    }
}
