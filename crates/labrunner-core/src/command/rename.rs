//! The containers, networks and volumes a command names, and rewriting those names (so that
//! many gradings share one daemon: `web` becomes `ns1-web`).

use super::{Action, ContainerSpec, MountKind, ResourceKind, is_builtin_network};

/// A reference to a name inside an action. `container:x` values (`--network`, `--pid`,
/// `--ipc`, `--uts`) are a container reference behind a prefix.
enum Slot<'a> {
    Plain(ResourceKind, &'a mut String),
    ContainerMode(&'a mut String),
}

const CONTAINER_MODE: &str = "container:";

impl Slot<'_> {
    fn get(&self) -> (ResourceKind, &str) {
        match self {
            Slot::Plain(kind, s) => (*kind, s.as_str()),
            Slot::ContainerMode(s) => (
                ResourceKind::Container,
                s.strip_prefix(CONTAINER_MODE).unwrap_or(s),
            ),
        }
    }

    fn set(&mut self, new: String) {
        match self {
            Slot::Plain(_, s) => **s = new,
            Slot::ContainerMode(s) => **s = format!("{CONTAINER_MODE}{new}"),
        }
    }
}

fn container_mode<'a>(value: &'a mut Option<String>, out: &mut Vec<Slot<'a>>) {
    if let Some(v) = value.as_mut().filter(|v| v.starts_with(CONTAINER_MODE)) {
        out.push(Slot::ContainerMode(v));
    }
}

fn spec_slots(spec: &mut ContainerSpec) -> Vec<Slot<'_>> {
    let mut out = Vec::new();
    let ContainerSpec {
        name,
        network,
        mounts,
        pid,
        ipc,
        uts,
        ..
    } = spec;
    if let Some(n) = name.as_mut() {
        out.push(Slot::Plain(ResourceKind::Container, n));
    }
    match network.as_mut() {
        Some(n) if n.starts_with(CONTAINER_MODE) => out.push(Slot::ContainerMode(n)),
        Some(n) if !is_builtin_network(n) => out.push(Slot::Plain(ResourceKind::Network, n)),
        _ => {}
    }
    for m in mounts.iter_mut().filter(|m| m.kind == MountKind::Volume) {
        if let Some(src) = m.source.as_mut() {
            out.push(Slot::Plain(ResourceKind::Volume, src));
        }
    }
    container_mode(pid, &mut out);
    container_mode(ipc, &mut out);
    container_mode(uts, &mut out);
    out
}

fn all(kind: ResourceKind, names: &mut [String]) -> Vec<Slot<'_>> {
    names
        .iter_mut()
        .filter(|n| kind != ResourceKind::Network || !is_builtin_network(n))
        .map(|n| Slot::Plain(kind, n))
        .collect()
}

impl Action {
    fn slots(&mut self) -> Vec<Slot<'_>> {
        use ResourceKind::{Container, Network, Volume};
        match self {
            Action::NetworkCreate(n) => vec![Slot::Plain(Network, &mut n.name)],
            Action::NetworkRm { names, .. } | Action::NetworkInspect { names, .. } => {
                all(Network, names)
            }
            Action::NetworkConnect {
                network, container, ..
            }
            | Action::NetworkDisconnect {
                network, container, ..
            } => {
                let mut out = all(Network, std::slice::from_mut(network));
                out.push(Slot::Plain(Container, container));
                out
            }
            Action::VolumeCreate { name, .. } => {
                name.iter_mut().map(|n| Slot::Plain(Volume, n)).collect()
            }
            Action::VolumeRm { names, .. } | Action::VolumeInspect { names, .. } => {
                all(Volume, names)
            }
            Action::Run(spec) | Action::Create(spec) => spec_slots(spec),
            Action::Exec(e) => vec![Slot::Plain(Container, &mut e.container)],
            Action::Rm { names, .. }
            | Action::Stop { names, .. }
            | Action::Start { names }
            | Action::Restart { names, .. }
            | Action::Kill { names, .. }
            | Action::Pause { names }
            | Action::Unpause { names } => all(Container, names),
            // `docker inspect` also takes images (`alpine:latest`): only names that can be
            // container names count.
            Action::Inspect { names, .. } => names
                .iter_mut()
                .filter(|n| super::is_object_name(n))
                .map(|n| Slot::Plain(Container, n))
                .collect(),
            Action::Port { container, .. } | Action::Logs { container, .. } => {
                vec![Slot::Plain(Container, container)]
            }
            Action::NetworkLs
            | Action::NetworkPrune { .. }
            | Action::VolumeLs
            | Action::VolumePrune { .. } => Vec::new(),
        }
    }

    /// Every container, network and volume this command refers to or creates, in order of
    /// appearance, without duplicates. Not included: `bridge`, `host`, `none`, bind-mount
    /// paths. A `container:x` mode (`--network`, `--pid`, ...) counts as container `x`.
    /// `docker inspect NAME` counts NAME as a container (it is the first kind the CLI tries).
    pub fn resources(&self) -> Vec<(ResourceKind, String)> {
        let mut copy = self.clone();
        let mut out: Vec<(ResourceKind, String)> = Vec::new();
        for slot in copy.slots() {
            let (kind, name) = slot.get();
            let item = (kind, name.to_string());
            if !out.contains(&item) {
                out.push(item);
            }
        }
        out
    }

    /// The resources this command creates when it succeeds: the network of `network create`,
    /// the volume of `volume create`, the named container of `run`/`create` and the named
    /// volumes it mounts (the daemon creates a missing one).
    pub fn creates(&self) -> Vec<(ResourceKind, String)> {
        match self {
            Action::NetworkCreate(n) => vec![(ResourceKind::Network, n.name.clone())],
            Action::VolumeCreate { name: Some(n), .. } => vec![(ResourceKind::Volume, n.clone())],
            Action::Run(spec) | Action::Create(spec) => {
                let mut out: Vec<(ResourceKind, String)> = spec
                    .name
                    .iter()
                    .map(|n| (ResourceKind::Container, n.clone()))
                    .collect();
                for m in spec.mounts.iter().filter(|m| m.kind == MountKind::Volume) {
                    if let Some(src) = &m.source {
                        let item = (ResourceKind::Volume, src.clone());
                        if !out.contains(&item) {
                            out.push(item);
                        }
                    }
                }
                out
            }
            _ => Vec::new(),
        }
    }

    /// Rewrite every name [`Action::resources`] lists: `f` returns the new name, or `None` to
    /// keep it. A container renamed by `run`/`create` on a user-defined network, or by
    /// `network connect`, gets its original name as a network alias, so that other containers
    /// still reach it by that name (`ping web`). The default bridge has no aliases, so none is
    /// added there.
    pub fn rename(&mut self, f: &dyn Fn(ResourceKind, &str) -> Option<String>) {
        let original_container = match self {
            Action::Run(spec) | Action::Create(spec) => spec.name.clone(),
            Action::NetworkConnect { container, .. } => Some(container.clone()),
            _ => None,
        };
        for mut slot in self.slots() {
            let (kind, name) = slot.get();
            if let Some(new) = f(kind, name) {
                slot.set(new);
            }
        }
        let Some(original) = original_container else {
            return;
        };
        match self {
            Action::Run(spec) | Action::Create(spec) => {
                let user_network = spec
                    .network
                    .as_deref()
                    .is_some_and(|n| !is_builtin_network(n));
                let renamed = spec.name.as_deref() != Some(original.as_str());
                if user_network && renamed && !spec.network_aliases.contains(&original) {
                    spec.network_aliases.push(original);
                }
            }
            Action::NetworkConnect {
                container, aliases, ..
            } if *container != original && !aliases.contains(&original) => {
                aliases.push(original);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::parse;
    use ResourceKind::{Container, Network, Volume};

    fn action(line: &str) -> Action {
        match parse(line, Some("/home/s/lab")) {
            Ok(a) => a,
            Err(e) => panic!("{line}: {e}"),
        }
    }

    fn res(items: &[(ResourceKind, &str)]) -> Vec<(ResourceKind, String)> {
        items.iter().map(|(k, n)| (*k, n.to_string())).collect()
    }

    #[test]
    fn resources_of_each_command() {
        let table: &[(&str, &[(ResourceKind, &str)])] = &[
            (
                "docker network create isolated-net",
                &[(Network, "isolated-net")],
            ),
            ("docker network rm a b", &[(Network, "a"), (Network, "b")]),
            ("docker network inspect bridge", &[]),
            (
                "docker network connect my-app-network isolated",
                &[(Network, "my-app-network"), (Container, "isolated")],
            ),
            (
                "docker network disconnect n c",
                &[(Network, "n"), (Container, "c")],
            ),
            ("docker network ls", &[]),
            ("docker network prune -f", &[]),
            ("docker volume create app-data", &[(Volume, "app-data")]),
            ("docker volume create", &[]),
            ("docker volume rm a b", &[(Volume, "a"), (Volume, "b")]),
            ("docker volume inspect pgdata", &[(Volume, "pgdata")]),
            ("docker volume ls", &[]),
            (
                "docker run -d --name db-writer --network=isolated-net --mount type=volume,source=persistent-store,target=/app/data -v persistent-store:/again -v /home/x:/x -v /anon --tmpfs /t alpine true",
                &[
                    (Container, "db-writer"),
                    (Network, "isolated-net"),
                    (Volume, "persistent-store"),
                ],
            ),
            ("docker run --network host alpine", &[]),
            (
                "docker run --network none --name n alpine",
                &[(Container, "n")],
            ),
            (
                "docker run --network container:web --pid container:web alpine",
                &[(Container, "web")],
            ),
            ("docker create --name c alpine", &[(Container, "c")]),
            ("docker exec api ping web", &[(Container, "api")]),
            (
                "docker rm -f web api",
                &[(Container, "web"), (Container, "api")],
            ),
            ("docker stop web", &[(Container, "web")]),
            ("docker start web", &[(Container, "web")]),
            ("docker inspect web", &[(Container, "web")]),
            ("docker inspect web alpine:latest", &[(Container, "web")]),
            ("docker inspect --type volume v", &[(Volume, "v")]),
            ("docker port web 80", &[(Container, "web")]),
            ("docker logs -f web", &[(Container, "web")]),
        ];
        for (line, expected) in table {
            assert_eq!(action(line).resources(), res(expected), "{line}");
        }
    }

    #[test]
    fn creates() {
        assert_eq!(
            action("docker run -d --name w -v data:/d -v /h:/h alpine").creates(),
            res(&[(Container, "w"), (Volume, "data")])
        );
        assert_eq!(
            action("docker network create n").creates(),
            res(&[(Network, "n")])
        );
        assert_eq!(action("docker rm w").creates(), res(&[]));
    }

    fn ns(_: ResourceKind, name: &str) -> Option<String> {
        Some(format!("ns1-{name}"))
    }

    #[test]
    fn rename_rewrites_every_name_and_keeps_dns_names() {
        let mut a = action(
            "docker run -d --name web --network my-app-network -v data:/d -v /host:/h --pid container:db nginx",
        );
        a.rename(&ns);
        let Action::Run(spec) = &a else {
            panic!("not a run: {a:?}");
        };
        assert_eq!(spec.name.as_deref(), Some("ns1-web"));
        assert_eq!(spec.network.as_deref(), Some("ns1-my-app-network"));
        assert_eq!(spec.network_aliases, vec!["web".to_string()]);
        assert_eq!(spec.mounts[0].source.as_deref(), Some("ns1-data"));
        assert_eq!(spec.mounts[1].source.as_deref(), Some("/host"));
        assert_eq!(spec.pid.as_deref(), Some("container:ns1-db"));

        // Default bridge: aliases are not allowed there, so none is added.
        let mut a = action("docker run -d --name web nginx");
        a.rename(&ns);
        let Action::Run(spec) = &a else {
            panic!("not a run: {a:?}");
        };
        assert_eq!(
            (spec.name.as_deref(), spec.network_aliases.len()),
            (Some("ns1-web"), 0)
        );

        let mut a = action("docker network connect my-app-network isolated");
        a.rename(&ns);
        assert_eq!(
            a,
            Action::NetworkConnect {
                network: "ns1-my-app-network".into(),
                container: "ns1-isolated".into(),
                aliases: vec!["isolated".into()],
            }
        );

        let mut a = action("docker network rm bridge mine");
        a.rename(&ns);
        assert_eq!(a.resources(), res(&[(Network, "ns1-mine")]));

        // Only containers renamed: volumes and networks stay.
        let mut a = action("docker run --name web --network net -v data:/d alpine");
        a.rename(&|kind, name| (kind == Container).then(|| format!("x-{name}")));
        assert_eq!(
            a.resources(),
            res(&[(Container, "x-web"), (Network, "net"), (Volume, "data")])
        );
    }

    #[test]
    fn rename_is_stable_when_nothing_changes() {
        let mut a = action("docker run --name web --network net alpine");
        let before = a.clone();
        a.rename(&|_, _| None);
        assert_eq!(a, before);
    }
}
