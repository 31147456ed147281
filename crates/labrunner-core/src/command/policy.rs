//! What a command may do to the host: options a grader refuses, and commands that change
//! nothing.

use std::path::Path;

use serde::Serialize;

use super::values::normalize;
use super::{Action, ContainerSpec, Mount, MountKind, MountSyntax};

/// An option that reaches beyond the container: named as written, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Danger {
    pub flag: String,
    pub reason: String,
}

fn danger(flag: impl Into<String>, reason: impl Into<String>) -> Danger {
    Danger {
        flag: flag.into(),
        reason: reason.into(),
    }
}

/// Host folders whose contents (or any folder below them) belong to the system.
const SYSTEM_TREES: &[&str] = &[
    "/etc",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/root",
    "/run",
    "/var/run",
    "/var/lib/docker",
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/snap",
];
/// Folders that are fine to go below, but not to mount whole.
const SYSTEM_ROOTS: &[&str] = &["/", "/home", "/var", "/opt", "/srv", "/mnt", "/media"];

fn within(path: &str, folder: &str) -> bool {
    folder == "/"
        || path == folder
        || path
            .strip_prefix(folder)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The mount as it would be written on the command line, to name it.
fn written(m: &Mount) -> String {
    let source = m.source.as_deref().unwrap_or("");
    let mut opts: Vec<&str> = Vec::new();
    if m.read_only {
        opts.push("ro");
    }
    opts.extend(m.options.iter().map(String::as_str));
    match m.syntax {
        MountSyntax::VolumeFlag if opts.is_empty() => format!("-v {source}:{}", m.target),
        MountSyntax::VolumeFlag => format!("-v {source}:{}:{}", m.target, opts.join(",")),
        MountSyntax::MountFlag => {
            let mut s = format!("--mount type=bind,source={source},target={}", m.target);
            for o in opts {
                s.push(',');
                s.push_str(if o == "ro" { "readonly" } else { o });
            }
            s
        }
        MountSyntax::TmpfsFlag => format!("--tmpfs {}", m.target),
    }
}

fn mount_dangers(m: &Mount, sandbox: Option<&Path>, out: &mut Vec<Danger>) {
    if m.kind != MountKind::Bind {
        return;
    }
    let Some(source) = m.source.as_deref() else {
        return;
    };
    let flag = written(m);
    let absolute = source.starts_with('/');
    let path = if absolute {
        normalize(source)
    } else {
        source.to_string()
    };
    if path.rsplit('/').next() == Some("docker.sock") {
        out.push(danger(
            &flag,
            "mounts the Docker socket: the container can control the daemon, which is root on the host",
        ));
    } else if absolute
        && (SYSTEM_ROOTS.contains(&path.as_str()) || SYSTEM_TREES.iter().any(|t| within(&path, t)))
    {
        out.push(danger(
            &flag,
            format!("bind-mounts the system folder {path} into the container"),
        ));
    }
    if let Some(sandbox) = sandbox {
        let root = normalize(&sandbox.to_string_lossy());
        if !absolute {
            out.push(danger(
                &flag,
                format!("the bind source {source} is not an absolute path"),
            ));
        } else if !within(&path, &root) {
            out.push(danger(
                &flag,
                format!("the bind source {path} is outside the sandbox folder {root}"),
            ));
        }
    }
}

fn namespace_danger(flag: &str, value: &Option<String>, what: &str, out: &mut Vec<Danger>) {
    if value.as_deref() == Some("host") {
        out.push(danger(
            format!("{flag}=host"),
            format!("shares the host's {what}"),
        ));
    }
}

fn container_dangers(c: &ContainerSpec, sandbox: Option<&Path>) -> Vec<Danger> {
    let mut out = Vec::new();
    if c.privileged {
        out.push(danger(
            "--privileged",
            "gives the container every capability and all host devices: it can take over the host",
        ));
    }
    for cap in &c.cap_add {
        out.push(danger(
            format!("--cap-add {cap}"),
            if cap.eq_ignore_ascii_case("ALL") {
                "adds every Linux capability: close to --privileged".to_string()
            } else {
                format!("adds the Linux capability {cap} beyond Docker's safe default set")
            },
        ));
    }
    namespace_danger(
        "--pid",
        &c.pid,
        "processes: the container can see and signal them",
        &mut out,
    );
    namespace_danger("--ipc", &c.ipc, "shared memory and IPC objects", &mut out);
    namespace_danger("--uts", &c.uts, "hostname, and may change it", &mut out);
    if c.network.as_deref() == Some("host") {
        out.push(danger(
            "--network=host",
            "uses the host's network stack: no network isolation, it can bind any host port",
        ));
    }
    for m in &c.mounts {
        mount_dangers(m, sandbox, &mut out);
    }
    restart_danger(c, &mut out);
    out
}

/// The daemon restarts such a container on its own, whenever it exits: it then resolves the
/// bind sources again, or joins another container's processes (and, through `/proc`, that
/// container's mounts), at a moment no check can watch.
fn restart_danger(c: &ContainerSpec, out: &mut Vec<Danger>) {
    let Some(policy) = c.restart.as_deref().filter(|r| *r != "no") else {
        return;
    };
    let binds = c.mounts.iter().any(|m| m.kind == MountKind::Bind);
    let joins = c
        .pid
        .as_deref()
        .is_some_and(|p| p.starts_with("container:"));
    if binds || joins {
        out.push(danger(
            format!("--restart {policy}"),
            format!(
                "restarts the container by itself, and each restart {} again unchecked; \
                 drop the restart policy",
                if binds {
                    "resolves its bind-mount sources"
                } else {
                    "joins the other container's processes and their mounts"
                }
            ),
        ));
    }
}

impl Action {
    /// Options that reach beyond the container: `--privileged`, `--cap-add`, host PID/IPC/UTS
    /// namespaces, host networking, the Docker socket, bind mounts of `/` or system folders,
    /// and, when `sandbox` is given, bind sources outside it. Paths are compared after
    /// removing `.` and `..` (lexically: a symlink inside the sandbox is not followed here).
    pub fn dangers(&self, sandbox: Option<&Path>) -> Vec<Danger> {
        match self {
            Action::Run(c) | Action::Create(c) => container_dangers(c, sandbox),
            // A network prune filtered on a label is the habit lessons teach for shared
            // machines, and labrunner confines every prune to its own run in any case; without
            // a filter, a prune on someone else's daemon removes what is not yours.
            Action::NetworkPrune { labels, .. } if !labels.is_empty() => Vec::new(),
            Action::NetworkCreate(n) => super::ranges::network_dangers(n)
                .into_iter()
                .map(|(flag, reason)| danger(flag, reason))
                .collect(),
            Action::NetworkPrune { .. } | Action::VolumePrune { .. } => vec![danger(
                "prune",
                "removes resources of everyone using this Docker daemon, not only yours; filter it on a label of your own (`--filter label=KEY=VALUE`)",
            )],
            _ => Vec::new(),
        }
    }

    /// True for commands that only look (`ls`, `inspect`, `port`, `logs`).
    pub fn is_read_only(&self) -> bool {
        matches!(
            self,
            Action::NetworkLs
                | Action::NetworkInspect { .. }
                | Action::VolumeLs
                | Action::VolumeInspect { .. }
                | Action::Inspect { .. }
                | Action::Port { .. }
                | Action::Logs { .. }
        )
    }

    /// True for commands that give no container a volume and write into none: they only look,
    /// or touch networks, or create a volume.
    pub fn leaves_volume_contents_alone(&self) -> bool {
        self.is_read_only()
            || matches!(
                self,
                Action::NetworkCreate(_)
                    | Action::NetworkRm { .. }
                    | Action::NetworkConnect { .. }
                    | Action::NetworkDisconnect { .. }
                    | Action::NetworkPrune { .. }
                    | Action::VolumeCreate { .. }
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::parse;

    fn flags(line: &str, sandbox: Option<&str>) -> Vec<String> {
        match parse(line, Some("/home/s/lab")) {
            Ok(a) => a
                .dangers(sandbox.map(Path::new))
                .into_iter()
                .map(|d| d.flag)
                .collect(),
            Err(e) => panic!("{line}: {e}"),
        }
    }

    #[test]
    fn dangerous_options_are_named() {
        let table: &[(&str, &[&str])] = &[
            ("docker run --privileged alpine", &["--privileged"]),
            (
                "docker run --cap-add NET_ADMIN --cap-add=SYS_TIME alpine",
                &["--cap-add NET_ADMIN", "--cap-add SYS_TIME"],
            ),
            (
                "docker run --pid host --ipc=host --uts host alpine",
                &["--pid=host", "--ipc=host", "--uts=host"],
            ),
            ("docker run --pid container:db alpine", &[]),
            ("docker run -d --restart always alpine", &[]),
            (
                "docker run -d --restart always -v /home/s/lab:/d alpine",
                &["--restart always"],
            ),
            (
                "docker run -d --restart=on-failure:3 --pid container:db alpine",
                &["--restart on-failure:3"],
            ),
            (
                "docker run -d --network host --name web nginx",
                &["--network=host"],
            ),
            ("docker run --net=host alpine", &["--network=host"]),
            (
                "docker run -v /var/run/docker.sock:/var/run/docker.sock alpine",
                &["-v /var/run/docker.sock:/var/run/docker.sock"],
            ),
            (
                "docker run --mount type=bind,src=/run/docker.sock,dst=/s alpine",
                &["--mount type=bind,source=/run/docker.sock,target=/s"],
            ),
            ("docker run -v /:/host alpine", &["-v /:/host"]),
            ("docker run -v /etc:/x alpine", &["-v /etc:/x"]),
            (
                "docker run -v /etc/nginx:/x:ro,z alpine",
                &["-v /etc/nginx:/x:ro,z"],
            ),
            (
                "docker run --mount type=bind,src=/etc,dst=/x,ro alpine",
                &["--mount type=bind,source=/etc,target=/x,readonly"],
            ),
            (
                "docker run -v /home/../etc:/x alpine",
                &["-v /home/../etc:/x"],
            ),
            ("docker run -v /home:/x alpine", &["-v /home:/x"]),
            ("docker run -v /home/user/project:/x alpine", &[]),
            ("docker run -v /etcetera:/x alpine", &[]),
            (
                "docker run -v /var/lib/docker/volumes:/x alpine",
                &["-v /var/lib/docker/volumes:/x"],
            ),
            ("docker run -v data:/etc alpine", &[]),
            ("docker run --tmpfs /etc alpine", &[]),
            ("docker exec web sh", &[]),
        ];
        for (line, expected) in table {
            assert_eq!(flags(line, None), *expected, "{line}");
        }
    }

    #[test]
    fn bind_sources_must_stay_in_the_sandbox() {
        let sb = Some("/home/s/lab");
        let table: &[(&str, &[&str])] = &[
            ("docker run -v $(pwd):/backup alpine", &[]),
            ("docker run -v $(pwd)/data:/backup alpine", &[]),
            ("docker run -v ./data:/backup alpine", &[]),
            ("docker run -v ../other:/x alpine", &["-v /home/s/other:/x"]),
            (
                "docker run -v /home/s/lab/../../s2:/x alpine",
                &["-v /home/s/lab/../../s2:/x"],
            ),
            (
                "docker run -v /home/s/lab2:/x alpine",
                &["-v /home/s/lab2:/x"],
            ),
            ("docker run -v /tmp:/x alpine", &["-v /tmp:/x"]),
            (
                "docker run --mount type=bind,src=rel,dst=/x alpine",
                &["--mount type=bind,source=rel,target=/x"],
            ),
            ("docker run -v vol:/x alpine", &[]),
        ];
        for (line, expected) in table {
            assert_eq!(flags(line, sb), *expected, "{line}");
        }
        // Two reasons for one mount: a system folder that is also outside the sandbox.
        assert_eq!(flags("docker run -v /etc:/x alpine", sb).len(), 2);
    }

    #[test]
    fn read_only_commands() {
        let table = [
            ("docker network ls", true),
            ("docker network inspect n", true),
            ("docker volume ls", true),
            ("docker volume inspect v", true),
            ("docker inspect c", true),
            ("docker port c", true),
            ("docker logs -f c", true),
            ("docker exec c ls", false),
            ("docker run alpine", false),
            ("docker network prune", false),
            ("docker rm c", false),
        ];
        for (line, expected) in table {
            let a = parse(line, None).unwrap_or_else(|e| panic!("{line}: {e}"));
            assert_eq!(a.is_read_only(), expected, "{line}");
        }
    }
}
