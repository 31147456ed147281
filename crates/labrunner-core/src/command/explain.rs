//! One line of plain English per command, for students (`labrunner explain`) and the TUI.

use super::{Action, ContainerSpec, ExecSpec, Mount, MountKind, NetworkCreate, PortSpec};

impl Action {
    /// One line of plain English saying what the command does.
    pub fn explain(&self) -> String {
        match self {
            Action::NetworkCreate(n) => network_create(n),
            Action::NetworkRm { names, force } => network_rm(names, *force),
            Action::NetworkConnect {
                network,
                container,
                aliases,
            } => network_connect(network, container, aliases),
            Action::NetworkDisconnect {
                network,
                container,
                force,
            } => network_disconnect(network, container, *force),
            Action::NetworkLs => "list the networks".into(),
            Action::NetworkInspect { names, format } => format!(
                "show the configuration of {} (driver, subnet, gateway, connected containers){}",
                things("network", names),
                template(format)
            ),
            Action::NetworkPrune { force, labels } => network_prune(*force, labels),
            Action::VolumeCreate {
                name,
                driver,
                labels,
            } => volume_create(name.as_deref(), driver.as_deref(), labels),
            Action::VolumeRm { names, force } => volume_rm(names, *force),
            Action::VolumeLs => "list the volumes".into(),
            Action::VolumeInspect { names, format } => format!(
                "show the details of {} (driver, mount point on the host){}",
                things("volume", names),
                template(format)
            ),
            Action::VolumePrune { force, all } => volume_prune(*force, *all),
            Action::Run(spec) => container(spec, false),
            Action::Create(spec) => container(spec, true),
            Action::Exec(e) => exec(e),
            Action::Rm {
                names,
                force,
                volumes,
            } => rm(names, *force, *volumes),
            Action::Stop { names, time } => stop(names, *time),
            Action::Start { names } => format!("start existing {}", things("container", names)),
            Action::Restart { names, time } => restart(names, *time),
            Action::Kill { names, signal } => kill(names, signal.as_deref()),
            Action::Pause { names } => format!(
                "pause {}: freeze every process in it (its status becomes paused) until unpaused",
                things("container", names)
            ),
            Action::Unpause { names } => format!(
                "unpause {}: let the frozen processes run again",
                things("container", names)
            ),
            Action::Inspect { names, format } => {
                format!(
                    "show the low-level details of {}{}",
                    and_list(names),
                    template(format)
                )
            }
            Action::Port { container, port } => port_lookup(container, port.as_deref()),
            Action::Logs {
                container,
                follow,
                tail,
            } => logs(container, *follow, tail.as_deref()),
        }
    }
}

/// `network a`, `networks a and b`.
fn things(kind: &str, names: &[String]) -> String {
    if names.len() == 1 {
        format!("{kind} {}", names[0])
    } else {
        format!("{kind}s {}", and_list(names))
    }
}

fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn pairs(labels: &[(String, String)]) -> String {
    labels
        .iter()
        .map(|(k, v)| {
            if v.is_empty() {
                k.clone()
            } else {
                format!("{k}={v}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn template(format: &Option<String>) -> String {
    format
        .as_ref()
        .map(|f| format!(", printed with the template {}", quote(f)))
        .unwrap_or_default()
}

/// Quote a word for display the way a person would type it: double quotes when that needs no
/// escaping, else single quotes. Line breaks are shown as spaces to keep one line.
fn quote(word: &str) -> String {
    let word = word.split_whitespace().collect::<Vec<_>>().join(" ");
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,+@%^{}".contains(c));
    if plain {
        word
    } else if !word.contains(['"', '$', '`', '\\']) {
        format!("\"{word}\"")
    } else {
        shell_words::quote(&word).into_owned()
    }
}

fn command_line(words: &[String]) -> String {
    words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ")
}

fn network_create(n: &NetworkCreate) -> String {
    let mut s = format!(
        "create {} network {}",
        n.driver.as_deref().unwrap_or("bridge"),
        n.name
    );
    let mut with = Vec::new();
    if let Some(subnet) = &n.subnet {
        with.push(format!("subnet {subnet}"));
    }
    if let Some(gw) = &n.gateway {
        with.push(format!("gateway {gw}"));
    }
    if let Some(range) = &n.ip_range {
        with.push(format!("container addresses taken from {range}"));
    }
    if !n.labels.is_empty() {
        with.push(format!("labels {}", pairs(&n.labels)));
    }
    if !with.is_empty() {
        s.push_str(&format!(" with {}", with.join(", ")));
    }
    if n.internal {
        s.push_str(", internal: its containers cannot reach anything outside it");
    }
    s
}

fn network_rm(names: &[String], force: bool) -> String {
    format!(
        "remove {}{}",
        things("network", names),
        if force { " (no error if missing)" } else { "" }
    )
}

fn network_connect(network: &str, container: &str, aliases: &[String]) -> String {
    let mut s = format!("connect container {container} to network {network}");
    if !aliases.is_empty() {
        s.push_str(&format!(
            ", where it is also reachable as {}",
            and_list(aliases)
        ));
    }
    s
}

fn network_disconnect(network: &str, container: &str, force: bool) -> String {
    format!(
        "disconnect container {container} from network {network}{}",
        if force { " (forced)" } else { "" }
    )
}

fn network_prune(force: bool, labels: &[String]) -> String {
    format!(
        "remove every custom network that no container uses{}{}",
        if labels.is_empty() {
            String::new()
        } else {
            format!(" and that carries the label {}", labels.join(" and "))
        },
        if force { ", without asking" } else { "" }
    )
}

fn volume_create(name: Option<&str>, driver: Option<&str>, labels: &[(String, String)]) -> String {
    let mut s = match name {
        Some(n) => format!("create named volume {n}"),
        None => "create a volume with a generated name".into(),
    };
    if let Some(d) = driver {
        s.push_str(&format!(" using volume driver {d}"));
    }
    if !labels.is_empty() {
        s.push_str(&format!(" labelled {}", pairs(labels)));
    }
    s
}

fn volume_rm(names: &[String], force: bool) -> String {
    format!(
        "remove {} and the data in {}{}",
        things("volume", names),
        if names.len() == 1 { "it" } else { "them" },
        if force { " (forced)" } else { "" }
    )
}

fn volume_prune(force: bool, all: bool) -> String {
    format!(
        "{}{}",
        if all {
            "delete every volume no container uses, named ones included, with their data"
        } else {
            "delete volumes no container uses: only anonymous ones on Docker 23 and newer unless -a is given, named ones too on older daemons"
        },
        if force { ", without asking" } else { "" }
    )
}

fn size(bytes: i64) -> String {
    const UNITS: [(i64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (unit, name) in UNITS {
        if bytes >= unit && bytes % unit == 0 {
            return format!("{} {name}", bytes / unit);
        }
    }
    format!("{bytes} bytes")
}

pub(crate) fn mount(m: &Mount) -> String {
    let ro = if m.read_only { "read-only " } else { "" };
    let mut s = match (m.kind, &m.source) {
        (MountKind::Volume, Some(src)) => format!("{ro}named volume {src} mounted at {}", m.target),
        (MountKind::Volume, None) => format!("a new anonymous {ro}volume at {}", m.target),
        (MountKind::Bind, Some(src)) => format!("{ro}bind mount of {src} at {}", m.target),
        (MountKind::Bind, None) => format!("{ro}bind mount with no source at {}", m.target),
        (MountKind::Tmpfs, _) => format!("{ro}tmpfs (in memory) at {}", m.target),
    };
    if !m.options.is_empty() {
        s.push_str(&format!(" ({})", m.options.join(", ")));
    }
    if !m.target.starts_with('/') {
        s.push_str(" (not an absolute path: the daemon will refuse it)");
    }
    s
}

fn range(r: (u16, u16)) -> String {
    if r.0 == r.1 {
        r.0.to_string()
    } else {
        format!("{}-{}", r.0, r.1)
    }
}

pub(crate) fn port(p: &PortSpec) -> String {
    let on = p
        .host_ip
        .as_ref()
        .map(|ip| format!(" on {ip}"))
        .unwrap_or_default();
    let container = format!("{}/{}", range(p.container_ports), p.protocol);
    let multi = p.container_ports.0 != p.container_ports.1;
    match p.host_ports {
        None | Some((0, 0)) => {
            format!("a random host port{on} forwards to container port {container}")
        }
        Some(h) if multi => format!(
            "host ports {}{on} forward to container ports {container}",
            range(h)
        ),
        Some(h) if h.0 != h.1 => {
            format!(
                "a free host port from {}{on} forwards to container port {container}",
                range(h)
            )
        }
        Some(h) => format!(
            "host port {}{on} forwards to container port {container}",
            h.0
        ),
    }
}

fn namespace(what: &str, value: &Option<String>, with: &mut Vec<String>) {
    match value.as_deref() {
        None | Some("") | Some("private") => {}
        Some("host") => with.push(format!("the host's {what} namespace")),
        Some(v) => match v.strip_prefix("container:") {
            Some(c) => with.push(format!("the {what} namespace of container {c}")),
            None => with.push(format!("{what} mode {v}")),
        },
    }
}

fn container(c: &ContainerSpec, create_only: bool) -> String {
    let mut s = container_opening(c, create_only);
    container_network(c, &mut s);
    let with = container_settings(c);
    if !with.is_empty() {
        s.push_str(&format!(", with {}", with.join(", ")));
    }
    container_ports(c, &mut s);
    container_process(c, &mut s);
    s
}

/// How the container is started: `run ... from IMAGE in the foreground` and the like.
fn container_opening(c: &ContainerSpec, create_only: bool) -> String {
    let who = match &c.name {
        Some(n) => format!("container {n}"),
        None => "a new container".into(),
    };
    let image = &c.image;
    if create_only {
        format!("create {who} from {image} without starting it")
    } else if c.detach {
        format!("start {who} in the background from {image}")
    } else if c.interactive && c.tty {
        format!("run {who} from {image} interactively with a terminal")
    } else {
        format!("run {who} from {image} in the foreground")
    }
}

/// The network the container joins, and its aliases there.
fn container_network(c: &ContainerSpec, s: &mut String) {
    match c.network.as_deref() {
        None => {}
        Some("bridge" | "default") => s.push_str(" on the default bridge network"),
        Some("host") => s.push_str(" sharing the host's network stack (no network isolation)"),
        Some("none") => s.push_str(" with no network (loopback only)"),
        Some(n) => match n.strip_prefix("container:") {
            Some(other) => s.push_str(&format!(" sharing the network stack of container {other}")),
            None => s.push_str(&format!(" on network {n}")),
        },
    }
    if !c.network_aliases.is_empty() {
        s.push_str(&format!(
            " (also reachable there as {})",
            and_list(&c.network_aliases)
        ));
    }
}

/// The `with ...` list: mounts, environment, limits, privileges and shared namespaces.
fn container_settings(c: &ContainerSpec) -> Vec<String> {
    let mut with: Vec<String> = Vec::new();
    with.extend(c.mounts.iter().map(mount));
    if c.publish_all {
        with.push("every exposed port published on a random host port".into());
    }
    if !c.expose.is_empty() {
        with.push(format!(
            "container port {} exposed (not published)",
            and_list(&c.expose)
        ));
    }
    if !c.env.is_empty() {
        let names: Vec<String> = c
            .env
            .iter()
            .map(|e| e.split('=').next().unwrap_or(e).to_string())
            .collect();
        let word = if names.len() == 1 {
            "variable"
        } else {
            "variables"
        };
        with.push(format!("environment {word} {}", names.join(", ")));
    }
    if !c.labels.is_empty() {
        with.push(format!("labels {}", pairs(&c.labels)));
    }
    if let Some(h) = &c.hostname {
        with.push(format!("hostname {h}"));
    }
    if !c.dns.is_empty() {
        with.push(format!("DNS server {}", and_list(&c.dns)));
    }
    if let Some(r) = &c.restart {
        with.push(format!("restart policy {r}"));
    }
    if c.read_only {
        with.push(
            "a read-only root file system (only its volumes, bind mounts and tmpfs can be written)"
                .into(),
        );
    }
    if let Some(m) = c.memory {
        with.push(format!("a memory limit of {}", size(m)));
    }
    if let Some(p) = c.pids_limit {
        with.push(format!("a limit of {p} processes"));
    }
    if c.privileged {
        with.push("privileged mode (full access to the host's devices and kernel)".into());
    }
    if !c.cap_add.is_empty() {
        with.push(format!("extra capabilities {}", and_list(&c.cap_add)));
    }
    namespace("process", &c.pid, &mut with);
    namespace("IPC", &c.ipc, &mut with);
    namespace("UTS (hostname)", &c.uts, &mut with);
    with
}

/// The published ports, or a note that host networking ignores them.
fn container_ports(c: &ContainerSpec, s: &mut String) {
    if !c.ports.is_empty() {
        if c.network.as_deref() == Some("host") {
            s.push_str(", ignoring the published ports (with host networking the container's ports are the host's)");
        } else {
            let ports: Vec<String> = c.ports.iter().map(port).collect();
            s.push_str(&format!(", where {}", and_list(&ports)));
        }
    }
}

/// Who the program runs as, where, whether it is removed, and what it runs.
fn container_process(c: &ContainerSpec, s: &mut String) {
    if let Some(u) = &c.user {
        s.push_str(&format!(", as user {u}"));
    }
    if let Some(w) = &c.workdir {
        s.push_str(&format!(", working in {w}"));
    }
    if c.remove {
        s.push_str(", removed when it exits");
    }
    let mut program: Vec<String> = Vec::new();
    match c.entrypoint.as_deref() {
        Some("") => s.push_str(", with the image's entrypoint cleared"),
        Some(e) => {
            s.push_str(", with its entrypoint replaced");
            program.push(e.to_string());
        }
        None => {}
    }
    program.extend(c.command.iter().cloned());
    if program.is_empty() {
        s.push_str(", running the image's default command");
    } else {
        s.push_str(&format!(", running: {}", command_line(&program)));
    }
}

fn exec(e: &ExecSpec) -> String {
    let mut s = format!("in running container {}", e.container);
    if e.interactive && e.tty {
        s.push_str(", interactively with a terminal");
    } else if e.interactive {
        s.push_str(", with your input attached");
    }
    if e.detach {
        s.push_str(", in the background");
    }
    if let Some(u) = &e.user {
        s.push_str(&format!(", as user {u}"));
    }
    if let Some(w) = &e.workdir {
        s.push_str(&format!(", in folder {w}"));
    }
    if !e.env.is_empty() {
        let names: Vec<&str> = e
            .env
            .iter()
            .map(|v| v.split('=').next().unwrap_or(v))
            .collect();
        s.push_str(&format!(", with environment {}", names.join(", ")));
    }
    s.push_str(&format!(", run: {}", command_line(&e.command)));
    s
}

fn rm(names: &[String], force: bool, volumes: bool) -> String {
    let mut s = format!("remove {}", things("container", names));
    let one = names.len() == 1;
    if force {
        s.push_str(if one {
            ", stopping it first if it is running"
        } else {
            ", stopping them first if they are running"
        });
    }
    if volumes {
        s.push_str(if one {
            ", and its anonymous volumes"
        } else {
            ", and their anonymous volumes"
        });
    }
    s
}

fn stop(names: &[String], time: Option<i64>) -> String {
    let mut s = format!("stop {}", things("container", names));
    if let Some(t) = time {
        let which = if names.len() == 1 {
            "killing it if it has"
        } else {
            "killing any that have"
        };
        s.push_str(&format!(", {which} not exited after {t} seconds"));
    }
    s
}

/// `docker restart`: stop, then start again, keeping the container and what it wrote.
fn restart(names: &[String], time: Option<i64>) -> String {
    let mut s = format!(
        "restart {} (stop, then start again; the container, its file system and its volumes stay)",
        things("container", names)
    );
    if let Some(t) = time {
        s.push_str(&format!(
            ", killing the process if it has not exited after {t} seconds"
        ));
    }
    s
}

/// `docker kill`: a signal, without waiting.
fn kill(names: &[String], signal: Option<&str>) -> String {
    match signal {
        None => format!(
            "kill {} at once (SIGKILL, no time to clean up)",
            things("container", names)
        ),
        Some(sig) => format!(
            "send signal {sig} to the main process of {}",
            things("container", names)
        ),
    }
}

/// `docker port`: which host ports lead to a container.
fn port_lookup(container: &str, port: Option<&str>) -> String {
    match port {
        Some(p) => format!("show which host port forwards to port {p} of container {container}"),
        None => format!("show which host ports forward to container {container}"),
    }
}

fn logs(container: &str, follow: bool, tail: Option<&str>) -> String {
    let mut s = format!("show the output of container {container}");
    if let Some(n) = tail {
        s.push_str(&format!(" (last {n} lines)"));
    }
    if follow {
        s.push_str(", and keep following new output");
    }
    s
}

#[cfg(test)]
mod tests {
    use crate::command::parse;

    fn explain(line: &str) -> String {
        match parse(line, Some("/home/s/lab")) {
            Ok(a) => a.explain(),
            Err(e) => panic!("{line}: {e}"),
        }
    }

    #[test]
    fn explains_in_plain_english() {
        let table = [
            (
                r#"docker run -d --name db-writer --network=isolated-net --mount type=volume,source=persistent-store,target=/app/data alpine:latest sh -c "echo 'CRITICAL' > /app/data/ledger.txt && sleep 3600""#,
                r#"start container db-writer in the background from alpine:latest on network isolated-net, with named volume persistent-store mounted at /app/data, running: sh -c "echo 'CRITICAL' > /app/data/ledger.txt && sleep 3600""#,
            ),
            (
                "docker run -d -p 127.0.0.1:8080:80 --name local-only nginx",
                "start container local-only in the background from nginx, where host port 8080 on 127.0.0.1 forwards to container port 80/tcp, running the image's default command",
            ),
            (
                "docker run -d -p 80 --name random-port nginx",
                "start container random-port in the background from nginx, where a random host port forwards to container port 80/tcp, running the image's default command",
            ),
            (
                "docker run -d -p 8000-8010:8000-8010/udp myapp",
                "start a new container in the background from myapp, where host ports 8000-8010 forward to container ports 8000-8010/udp, running the image's default command",
            ),
            (
                "docker run --rm -v /home/user/config:/app/config:ro --tmpfs /app/secrets myapp",
                "run a new container from myapp in the foreground, with read-only bind mount of /home/user/config at /app/config, tmpfs (in memory) at /app/secrets, removed when it exits, running the image's default command",
            ),
            (
                "docker run -it --rm -v $(pwd):/backup -v /data alpine sh",
                "run a new container from alpine interactively with a terminal, with bind mount of /home/s/lab at /backup, a new anonymous volume at /data, removed when it exits, running: sh",
            ),
            (
                "docker create --name c --network host --privileged --cap-add NET_ADMIN --pid host -m 512m --pids-limit 100 --dns 10.0.0.2 -e A=1 -e B -u 1000:1000 -w /app --entrypoint /bin/sh alpine -c true",
                "create container c from alpine without starting it sharing the host's network stack (no network isolation), with environment variables A, B, DNS server 10.0.0.2, a memory limit of 512 MiB, a limit of 100 processes, privileged mode (full access to the host's devices and kernel), extra capabilities NET_ADMIN, the host's process namespace, as user 1000:1000, working in /app, with its entrypoint replaced, running: /bin/sh -c true",
            ),
            (
                "docker run -d --name web --network net --network-alias www --mount type=volume,src=v,dst=app/data nginx",
                "start container web in the background from nginx on network net (also reachable there as www), with named volume v mounted at app/data (not an absolute path: the daemon will refuse it), running the image's default command",
            ),
            (
                "docker network create --driver bridge --subnet 172.20.0.0/16 --gateway 172.20.0.1 --ip-range 172.20.240.0/20 my-custom-net",
                "create bridge network my-custom-net with subnet 172.20.0.0/16, gateway 172.20.0.1, container addresses taken from 172.20.240.0/20",
            ),
            (
                "docker network create --internal backend",
                "create bridge network backend, internal: its containers cannot reach anything outside it",
            ),
            (
                "docker network rm my-app-network other-network",
                "remove networks my-app-network and other-network",
            ),
            (
                "docker network connect --alias db net c",
                "connect container c to network net, where it is also reachable as db",
            ),
            (
                "docker network disconnect net c",
                "disconnect container c from network net",
            ),
            ("docker network ls", "list the networks"),
            (
                "docker network prune -f",
                "remove every custom network that no container uses, without asking",
            ),
            (
                "docker volume create app-data",
                "create named volume app-data",
            ),
            (
                "docker volume rm app-data",
                "remove volume app-data and the data in it",
            ),
            (
                "docker volume prune",
                "delete volumes no container uses: only anonymous ones on Docker 23 and newer unless -a is given, named ones too on older daemons",
            ),
            (
                "docker exec -it mysql-server mysql -u appuser -papppass myapp -e \"\nSELECT * FROM users;\n\"",
                "in running container mysql-server, interactively with a terminal, run: mysql -u appuser -papppass myapp -e \"SELECT * FROM users;\"",
            ),
            (
                "docker exec api ping -c 2 web",
                "in running container api, run: ping -c 2 web",
            ),
            (
                "docker rm -f web api isolated",
                "remove containers web, api and isolated, stopping them first if they are running",
            ),
            (
                "docker stop -t 3 web",
                "stop container web, killing it if it has not exited after 3 seconds",
            ),
            ("docker start web", "start existing container web"),
            (
                "docker restart -t 1 web",
                "restart container web (stop, then start again; the container, its file system and its volumes stay), killing the process if it has not exited after 1 seconds",
            ),
            (
                "docker kill web db",
                "kill containers web and db at once (SIGKILL, no time to clean up)",
            ),
            (
                "docker kill -s HUP web",
                "send signal HUP to the main process of container web",
            ),
            (
                "docker pause web",
                "pause container web: freeze every process in it (its status becomes paused) until unpaused",
            ),
            (
                "docker unpause web",
                "unpause container web: let the frozen processes run again",
            ),
            (
                "docker run -d --read-only --name web alpine sleep 1",
                "start container web in the background from alpine, with a read-only root file system (only its volumes, bind mounts and tmpfs can be written), running: sleep 1",
            ),
            (
                "docker inspect container-a --format '{{.NetworkSettings.IPAddress}}'",
                "show the low-level details of container-a, printed with the template {{.NetworkSettings.IPAddress}}",
            ),
            (
                "docker port random-port",
                "show which host ports forward to container random-port",
            ),
            (
                "docker port web 80/tcp",
                "show which host port forwards to port 80/tcp of container web",
            ),
            (
                "docker logs -f --tail 20 db",
                "show the output of container db (last 20 lines), and keep following new output",
            ),
        ];
        for (line, expected) in table {
            assert_eq!(explain(line), expected, "{line}");
        }
    }
}
