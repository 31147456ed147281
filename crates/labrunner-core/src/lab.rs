//! The lab file format (version 1): what a lab says, as typed Rust values.
//!
//! A lab reads like the lesson it belongs to: metadata, the resources it owns, optional setup and
//! cleanup commands, then ordered steps. Each step carries markdown instructions, the reference
//! solution as docker CLI commands, escalating hints and declarative checks.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::command::ResourceKind;

/// The only lab format version this build understands.
pub const FORMAT_VERSION: u32 = 1;

/// A lab: one hands-on exercise with ordered steps.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Lab {
    /// Lab format version; must be 1.
    pub format: u32,
    /// Stable identifier, used for progress and resource labels (lowercase, digits, `-`).
    pub id: String,
    /// One-line title shown in lists.
    pub title: String,
    /// Id of the lesson this lab belongs to, e.g. `MOD-DOCKER-04`.
    pub lesson: String,
    pub difficulty: Difficulty,
    /// Estimated minutes a student needs.
    pub minutes: u32,
    /// Image used when a check needs a fresh helper container (reading a volume, for example).
    #[serde(default = "default_image")]
    pub image: String,
    /// Everything the lab creates. Names not declared here are never removed by cleanup.
    #[serde(default)]
    pub resources: Resources,
    /// Files written into the lab's working folder before setup. Keys are relative paths.
    #[serde(default)]
    pub files: std::collections::BTreeMap<String, String>,
    /// Commands run before the first step.
    #[serde(default)]
    pub setup: Vec<Command>,
    /// Commands run when the lab is cleaned up, before declared resources are removed.
    #[serde(default)]
    pub cleanup: Vec<Command>,
    pub steps: Vec<Step>,
}

impl Lab {
    /// Every point the lab's checks can give: the maximum of its grade.
    pub fn max_score(&self) -> u32 {
        self.steps
            .iter()
            .flat_map(|s| &s.checks)
            .map(Check::points)
            .sum()
    }
}

fn default_image() -> String {
    "alpine:latest".to_string()
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Difficulty {
    Beginner,
    Intermediate,
    Advanced,
}

/// Docker resources a lab creates and therefore owns.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    #[serde(default)]
    pub networks: Vec<String>,
    #[serde(default)]
    pub volumes: Vec<String>,
    #[serde(default)]
    pub containers: Vec<String>,
}

/// One docker CLI command, written exactly as a student would type it. `$(pwd)` and `$PWD` stand
/// for the lab's working folder. A command that must fail names the daemon error it expects.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(untagged)]
pub enum Command {
    Plain(String),
    Failing(FailingCommand),
}

/// A command that must be refused by the daemon with an error matching `fails_with`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FailingCommand {
    pub run: String,
    /// Regular expression the daemon's error message must match.
    pub fails_with: String,
}

impl Command {
    pub fn text(&self) -> &str {
        match self {
            Command::Plain(s) => s,
            Command::Failing(f) => &f.run,
        }
    }
    pub fn expected_error(&self) -> Option<&str> {
        match self {
            Command::Plain(_) => None,
            Command::Failing(f) => Some(&f.fails_with),
        }
    }
}

/// One step of a lab.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Unique within the lab.
    pub id: String,
    pub title: String,
    /// Markdown shown to the student.
    pub instructions: String,
    /// The reference solution: docker commands in order.
    pub solution: Vec<Command>,
    /// Hints, from gentle to explicit; revealed one at a time.
    #[serde(default)]
    pub hints: Vec<String>,
    /// All must pass for the step to be done.
    pub checks: Vec<Check>,
    /// Other correct ways to do the step. `labrunner test` proves that each one passes every
    /// check, from a clean state.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<Alternative>,
    /// Near misses that must NOT pass, each with what the student is then told. `labrunner test`
    /// proves that each one fails, from a clean state, with evidence matching `told`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mistakes: Vec<Mistake>,
}

/// Another correct way to do a step: commands that must pass every check of the step.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Alternative {
    /// What makes this way different (`-v instead of --mount`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Docker commands in order, as a student would type them.
    pub commands: Vec<Command>,
}

/// A near miss: commands a student may plausibly type that must not pass the step.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Mistake {
    /// What is wrong (`wrong network`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Docker commands in order, as a student would type them. They may fail.
    pub commands: Vec<Command>,
    /// Regular expression the evidence of at least one failing check must match: what the
    /// student is told.
    pub told: String,
}

/// Which of a step's variants: an [`Alternative`] or a [`Mistake`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VariantKind {
    /// Another correct way: must pass.
    Alternative,
    /// A near miss: must not pass.
    Mistake,
}

impl std::fmt::Display for VariantKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            VariantKind::Alternative => "alternative",
            VariantKind::Mistake => "mistake",
        })
    }
}

/// A declarative check. Exactly one of the kind keys (`network`, `volume`, `container`, ...) is
/// set; `expect: false` turns it into "must not hold".
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// Network exists (optionally with driver, subnet, ip range, gateway and labels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<NetworkCheck>,
    /// Volume exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<VolumeCheck>,
    /// Container is in a state: running, exited, created or absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<ContainerCheck>,
    /// Container is attached to a network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attached: Option<AttachedCheck>,
    /// A file in a volume has content, read by a fresh helper container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<FileCheck>,
    /// A name resolves from inside a container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolves: Option<ResolvesCheck>,
    /// A peer answers ping or a TCP connection from inside a container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reachable: Option<ReachableCheck>,
    /// A container port is published on the host, and answers on 127.0.0.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<PublishedCheck>,
    /// A container has a mount of a given type, target, source, read-only flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount: Option<MountCheck>,
    /// A container has exactly one network interface: `lo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loopback_only: Option<LoopbackOnlyCheck>,
    /// A command run inside a container exits with a code and/or prints a pattern.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec: Option<ExecCheck>,
    /// A docker command fails with a daemon error matching a pattern.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command_fails: Option<CommandFailsCheck>,
    /// An image is present locally.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageCheck>,
    /// The student ran a command in a container (seen in the daemon's exec events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ran: Option<RanCheck>,
    /// A container ran since the step opened (seen in the daemon's events, so a `--rm` container
    /// that is gone still counts), with its image, mount, command, exit code and output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_ran: Option<ContainerRanCheck>,
    /// A file, or a member of a tar archive, in the lab's working folder on the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_file: Option<HostFileCheck>,
    /// What a container printed (its logs) matches a pattern.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<OutputCheck>,
    /// A container runs as a given user (`--user`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserCheck>,

    /// `false` means the condition must NOT hold. Default `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<bool>,
    /// Points for grading. Default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<u32>,
    /// Optional human title; a description is generated when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NetworkCheck {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet: Option<String>,
    /// The range containers get their addresses from (`--ip-range`), e.g. `10.214.7.128/25`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_range: Option<String>,
    /// The gateway address (`--gateway`), e.g. `10.214.0.254`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
    /// Labels the network must carry (`--label`), each with the value given (`""` for a label
    /// given without one). Other labels do not matter.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct VolumeCheck {
    pub name: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ContainerState {
    Running,
    Paused,
    Exited,
    Created,
    Absent,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ContainerCheck {
    pub name: String,
    pub state: ContainerState,
    /// For `exited`: the exit code it must have.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    /// Its root file system is read-only (`--read-only`), or writable (`false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only_root: Option<bool>,
    /// Its restart policy as `--restart` writes it: `no`, `always`, `unless-stopped`,
    /// `on-failure` (any retry count) or `on-failure:N`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<String>,
    /// The daemon restarted it by its restart policy at least this many times (RestartCount;
    /// `docker restart` does not count).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restarts: Option<i64>,
    /// It was started again since the step opened (`docker restart`, or `docker stop` then
    /// `docker start`): the same container, created before the step opened. `false`: it was not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restarted: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AttachedCheck {
    pub container: String,
    pub network: String,
    /// Names it must answer to on that network (`--network-alias`, `network connect --alias`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FileCheck {
    pub volume: String,
    /// Path of the file relative to the volume's root (`ledger.txt`, `logs/app.log`).
    pub path: String,
    /// Regular expression the content must match. Absent: the file must merely exist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ResolvesCheck {
    /// Container to resolve from.
    pub from: String,
    /// Name to resolve.
    pub name: String,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Probe {
    #[default]
    Ping,
    Tcp,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReachableCheck {
    pub from: String,
    /// Container name or address to reach.
    pub to: String,
    #[serde(default)]
    pub via: Probe,
    /// Address the peer container by its IP address (on a network both share, else any of its
    /// addresses) instead of its name: reaching by IP works where names do not resolve.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub by_ip: bool,
    /// TCP port, required with `via: tcp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PublishedCheck {
    pub container: String,
    /// Container port, e.g. 80.
    pub port: u16,
    #[serde(default = "default_protocol")]
    pub protocol: String,
    /// Host port it must be published on; absent: any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_port: Option<u16>,
    /// Host address it must be bound to, e.g. 127.0.0.1; absent: any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_ip: Option<String>,
    /// Exchange bytes with it on 127.0.0.1 (an HTTP GET). Default true.
    #[serde(default = "yes")]
    pub probe: bool,
}

fn default_protocol() -> String {
    "tcp".to_string()
}
fn yes() -> bool {
    true
}

/// A mount's type, as labs and the docker CLI name it.
pub use crate::command::MountKind as MountType;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MountCheck {
    pub container: String,
    #[serde(rename = "type")]
    pub kind: MountType,
    pub target: String,
    /// Volume name, or host path for binds (`$(pwd)` allowed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    /// For a tmpfs: its size, in any unit the docker CLI takes (`16m`, `16384k`, `16777216`),
    /// compared in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    /// For a tmpfs: its permission bits in octal (`1770`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    /// For a tmpfs: mount options it must have been given (`noexec`, `nosuid`), as
    /// `--tmpfs TARGET:OPTIONS` writes them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LoopbackOnlyCheck {
    pub container: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExecCheck {
    pub container: String,
    /// Command line, split as a POSIX shell would.
    pub command: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    /// Regular expression the combined output must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CommandFailsCheck {
    /// A docker command that must be refused. It must not change anything when it fails.
    pub command: String,
    /// Regular expression the daemon's error must match.
    pub error: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ImageCheck {
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RanCheck {
    pub container: String,
    /// Regular expression the exec'd command line must match.
    pub command: String,
    /// The code the command exited with (seen in the daemon's events, whoever ran it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    /// Regular expression what the command printed must match. labrunner sees the output of
    /// the commands it runs itself (grading, `test`, "run it for me"); for one typed in another
    /// terminal the check says it could not see it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
}

/// A mount a container had: volume name or host path, and target; either may be left open.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RanMount {
    /// Volume name, or host path for binds (`$(pwd)` allowed). Absent: any source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Path in the container. Absent: any path, so `-v VOL:/data` and `-v VOL:/source` both count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ContainerRanCheck {
    /// Its name; absent: any container, named or not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The image it ran, as the lab names it (a mapped image counts as the original).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// A mount it had.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount: Option<RanMount>,
    /// Regular expression its command line (words joined by spaces) must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// The code it exited with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    /// Regular expression its output (standard output and error) must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// The user it ran as, as given to `--user` (see the `user` check).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HostFileCheck {
    /// Path relative to the lab's working folder (`app-data.tar.gz`, `config/app.conf`).
    pub path: String,
    /// A member of the archive at `path` (`.tar`, `.tar.gz` or `.tgz`), e.g. `./orders.txt`
    /// (a leading `./` does not matter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// Regular expression the file's (or member's) content must match. Absent: it must exist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OutputCheck {
    pub container: String,
    /// Regular expression its output (standard output and error) must match.
    pub matches: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UserCheck {
    pub container: String,
    /// The user it runs as, as given to `--user`: a name or uid, optionally `:group`. `root`
    /// and `0` also match a container started without `--user`. A container that is gone (a
    /// `--rm` one) is judged by what was recorded when it ran since the step opened.
    pub user: String,
}

/// The kind of a check, once exactly one kind key has been picked out of [`Check`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CheckKind<'a> {
    Network(&'a NetworkCheck),
    Volume(&'a VolumeCheck),
    Container(&'a ContainerCheck),
    Attached(&'a AttachedCheck),
    File(&'a FileCheck),
    Resolves(&'a ResolvesCheck),
    Reachable(&'a ReachableCheck),
    Published(&'a PublishedCheck),
    Mount(&'a MountCheck),
    LoopbackOnly(&'a LoopbackOnlyCheck),
    Exec(&'a ExecCheck),
    CommandFails(&'a CommandFailsCheck),
    Image(&'a ImageCheck),
    Ran(&'a RanCheck),
    ContainerRan(&'a ContainerRanCheck),
    HostFile(&'a HostFileCheck),
    Output(&'a OutputCheck),
    User(&'a UserCheck),
}

/// The keys that name a check kind, in the order they are documented.
pub const CHECK_KINDS: &[&str] = &[
    "network",
    "volume",
    "container",
    "attached",
    "file",
    "resolves",
    "reachable",
    "published",
    "mount",
    "loopback_only",
    "exec",
    "command_fails",
    "image",
    "ran",
    "container_ran",
    "host_file",
    "output",
    "user",
];

impl Check {
    /// Every kind set on this check. A valid check has exactly one.
    pub fn kinds(&self) -> Vec<CheckKind<'_>> {
        let mut out = Vec::new();
        macro_rules! push {
            ($($field:ident => $variant:ident),* $(,)?) => {
                $(if let Some(v) = &self.$field { out.push(CheckKind::$variant(v)); })*
            };
        }
        push!(
            network => Network, volume => Volume, container => Container, attached => Attached,
            file => File, resolves => Resolves, reachable => Reachable, published => Published,
            mount => Mount, loopback_only => LoopbackOnly, exec => Exec,
            command_fails => CommandFails, image => Image, ran => Ran,
            container_ran => ContainerRan, host_file => HostFile, output => Output, user => User,
        );
        out
    }

    /// The single kind of a validated check.
    pub fn kind(&self) -> Option<CheckKind<'_>> {
        let kinds = self.kinds();
        (kinds.len() == 1).then(|| kinds[0])
    }

    pub fn expect(&self) -> bool {
        self.expect.unwrap_or(true)
    }

    pub fn points(&self) -> u32 {
        self.points.unwrap_or(1)
    }
}

/// A lab together with where it was read from.
#[derive(Debug, Clone)]
pub struct LoadedLab {
    pub path: PathBuf,
    pub lab: Lab,
}

impl LoadedLab {
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.lab.steps.iter().find(|s| s.id == id)
    }
}

/// Lab files below a path: the path itself when it is not a folder (whatever it is: the loader
/// refuses what is not a regular file, by name), or every `*.yaml`/`*.yml` under a folder,
/// sorted. Symbolic links to folders are not followed (a link to `..` would never end); a
/// linked `*.yaml` is listed, and the loader reads it only if it leads to a regular file.
pub fn lab_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    // A missing path is an error, as it always was; anything else that is not a folder is
    // listed for the loader to read or refuse.
    if !std::fs::metadata(path)?.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let p = entry.path();
            if entry.file_type()?.is_dir() {
                stack.push(p);
            } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// A declared resource, as `kind name` (`volume persistent-store`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Resource {
    pub kind: ResourceKind,
    pub name: String,
}

impl std::fmt::Display for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind, self.name)
    }
}

/// Every resource a lab declares.
pub fn declared(lab: &Lab) -> Vec<Resource> {
    let r = &lab.resources;
    let of = |kind, names: &Vec<String>| {
        names
            .iter()
            .map(move |n| Resource {
                kind,
                name: n.clone(),
            })
            .collect::<Vec<_>>()
    };
    let mut all = of(ResourceKind::Container, &r.containers);
    all.extend(of(ResourceKind::Network, &r.networks));
    all.extend(of(ResourceKind::Volume, &r.volumes));
    all
}
