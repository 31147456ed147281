//! What labrunner may do to resources that existed before a lab first started.
//!
//! A container, network or volume of a lab's declared names that was on the daemon before the
//! lab's first start is someone's: a volume may hold their data. Nothing labrunner runs for the
//! lab (setup, a step's solution for "run it for me", reset, cleanup) writes into it, runs a
//! command in it, starts, stops, connects or removes it. [`refusal`] is that rule, over the
//! parsed command; the runner asks it before every command it runs. What the student types in
//! their own terminal is theirs to decide.

use crate::command::{Action, MountKind, ResourceKind};
use crate::lab::{Lab, Resource};

/// What a command would do to a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Touch {
    /// Remove it.
    Remove,
    /// Mount the volume into a new container without `readonly`: the container may write.
    WriteInto,
    /// Run a command in the container.
    ExecIn,
    Start,
    Stop,
    Restart,
    Kill,
    Pause,
    Unpause,
    /// Connect a container to the network, or the container to a network (or share its
    /// network namespace).
    Connect,
    Disconnect,
}

impl Touch {
    fn verb(self) -> &'static str {
        match self {
            Touch::Remove => "remove",
            Touch::WriteInto => "write into",
            Touch::ExecIn => "run a command in",
            Touch::Start => "start",
            Touch::Stop => "stop",
            Touch::Restart => "restart",
            Touch::Kill => "kill",
            Touch::Pause => "pause",
            Touch::Unpause => "unpause",
            Touch::Connect => "connect",
            Touch::Disconnect => "disconnect",
        }
    }
}

/// Why a command labrunner would run for a lab is not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "not run: {resource} existed before this lab started, and this command would {verb} it. labrunner never changes or removes what it did not create: type the command yourself if you mean it, or run the lab under its own names",
    verb = .touch.verb()
)]
pub struct Refusal {
    pub resource: Resource,
    pub touch: Touch,
}

/// Why `action` must not be run by labrunner for a lab, given the resources that existed
/// before the lab first started. Commands that only read (inspect, logs, ls) or create anew are
/// run; a prune is narrowed by the engine to what carries the run's label, so it cannot reach
/// what existed before.
pub fn refusal(action: &Action, preexisting: &[Resource]) -> Option<Refusal> {
    use ResourceKind::{Container, Network, Volume};
    let first = |kind, names: Vec<&str>, touch| first_of(preexisting, kind, names, touch);
    match action {
        Action::Rm { names, .. } => first(Container, of(names), Touch::Remove),
        Action::NetworkRm { names, .. } => first(Network, of(names), Touch::Remove),
        Action::VolumeRm { names, .. } => first(Volume, of(names), Touch::Remove),
        Action::Start { names } => first(Container, of(names), Touch::Start),
        Action::Stop { names, .. } => first(Container, of(names), Touch::Stop),
        Action::Restart { names, .. } => first(Container, of(names), Touch::Restart),
        Action::Kill { names, .. } => first(Container, of(names), Touch::Kill),
        Action::Pause { names } => first(Container, of(names), Touch::Pause),
        Action::Unpause { names } => first(Container, of(names), Touch::Unpause),
        Action::Exec(e) => first(Container, vec![&e.container], Touch::ExecIn),
        Action::NetworkConnect {
            network, container, ..
        } => first(Container, vec![container], Touch::Connect)
            .or_else(|| first(Network, vec![network], Touch::Connect)),
        Action::NetworkDisconnect {
            network, container, ..
        } => first(Container, vec![container], Touch::Disconnect)
            .or_else(|| first(Network, vec![network], Touch::Disconnect)),
        Action::Run(spec) | Action::Create(spec) => {
            let written = spec
                .mounts
                .iter()
                .filter(|m| m.kind == MountKind::Volume && !m.read_only)
                .filter_map(|m| m.source.as_deref())
                .collect();
            let network = spec.network.as_deref();
            let shared = network.and_then(|n| n.strip_prefix("container:"));
            let joined = network.filter(|n| !crate::command::is_builtin_network(n));
            first(Volume, written, Touch::WriteInto)
                .or_else(|| first(Container, shared.into_iter().collect(), Touch::Connect))
                .or_else(|| first(Network, joined.into_iter().collect(), Touch::Connect))
        }
        Action::NetworkCreate(_)
        | Action::NetworkLs
        | Action::NetworkInspect { .. }
        | Action::NetworkPrune { .. }
        | Action::VolumeCreate { .. }
        | Action::VolumeLs
        | Action::VolumeInspect { .. }
        | Action::VolumePrune { .. }
        | Action::Inspect { .. }
        | Action::Port { .. }
        | Action::Logs { .. } => None,
    }
}

/// The first of `names` that existed before, as `kind`, refused for `touch`.
fn first_of(
    preexisting: &[Resource],
    kind: ResourceKind,
    names: Vec<&str>,
    touch: Touch,
) -> Option<Refusal> {
    let name = names
        .into_iter()
        .find(|n| preexisting.iter().any(|r| r.kind == kind && r.name == *n))?;
    Some(Refusal {
        resource: Resource {
            kind,
            name: name.to_string(),
        },
        touch,
    })
}

/// Where in a lab a command is run by labrunner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabPart {
    Setup,
    /// The solution of the step with this title ("run it for me").
    Solution {
        step: String,
    },
    Cleanup,
}

impl std::fmt::Display for LabPart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LabPart::Setup => f.write_str("the setup"),
            LabPart::Solution { step } => write!(f, "\"run it for me\" of step \"{step}\""),
            LabPart::Cleanup => f.write_str("the cleanup"),
        }
    }
}

/// A command of the lab that labrunner would refuse, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Touched {
    pub part: LabPart,
    pub refusal: Refusal,
}

impl std::fmt::Display for Touched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Refusal { resource, touch } = &self.refusal;
        write!(f, "{} would {} {resource}", self.part, touch.verb())
    }
}

/// Which commands of `lab` labrunner would refuse to run, given what existed before it: what of
/// the user's the lab would otherwise touch, in the order the lab runs them.
pub fn touched_by(lab: &Lab, preexisting: &[Resource]) -> Vec<Touched> {
    let parts = std::iter::once((LabPart::Setup, &lab.setup))
        .chain(lab.steps.iter().map(|s| {
            let part = LabPart::Solution {
                step: s.title.clone(),
            };
            (part, &s.solution)
        }))
        .chain(std::iter::once((LabPart::Cleanup, &lab.cleanup)));
    let mut out = Vec::new();
    for (part, commands) in parts {
        // The folder does not matter here: bind mounts are not what existed before.
        let refused = commands
            .iter()
            .filter_map(|c| crate::command::parse(c.text(), Some("/lab")).ok())
            .filter_map(|a| refusal(&a, preexisting));
        for refusal in refused {
            let touched = Touched {
                part: part.clone(),
                refusal,
            };
            if !out.contains(&touched) {
                out.push(touched);
            }
        }
    }
    out
}

fn of(names: &[String]) -> Vec<&str> {
    names.iter().map(String::as_str).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(kind: ResourceKind, name: &str) -> Resource {
        Resource {
            kind,
            name: name.into(),
        }
    }

    #[test]
    fn what_existed_before_the_lab_is_never_written_started_stopped_connected_or_removed() {
        use ResourceKind::{Container, Network, Volume};
        let before = [
            resource(Volume, "store"),
            resource(Container, "db"),
            resource(Network, "net"),
        ];
        let refused = |what: ResourceKind, name: &str, touch| {
            Some(Refusal {
                resource: resource(what, name),
                touch,
            })
        };
        let table = [
            // Volumes: mounted read-write into a new container, removed.
            (
                "docker run --rm -v store:/d alpine sh -c 'echo x > /d/f'",
                refused(Volume, "store", Touch::WriteInto),
            ),
            (
                "docker run -d --mount type=volume,source=store,target=/d alpine sleep 9",
                refused(Volume, "store", Touch::WriteInto),
            ),
            (
                "docker create -v other:/o -v store:/d alpine",
                refused(Volume, "store", Touch::WriteInto),
            ),
            ("docker run --rm -v store:/d:ro alpine cat /d/f", None),
            (
                "docker run --rm --mount type=volume,source=store,target=/d,readonly alpine true",
                None,
            ),
            ("docker run --rm -v fresh:/d alpine true", None),
            (
                "docker volume rm fresh store",
                refused(Volume, "store", Touch::Remove),
            ),
            ("docker volume create store", None),
            ("docker volume inspect store", None),
            ("docker volume prune -f", None),
            // Containers: exec, start, stop, remove, share its network, connect.
            ("docker exec db ls", refused(Container, "db", Touch::ExecIn)),
            ("docker start db", refused(Container, "db", Touch::Start)),
            ("docker stop web db", refused(Container, "db", Touch::Stop)),
            ("docker rm -f db", refused(Container, "db", Touch::Remove)),
            (
                "docker restart db",
                refused(Container, "db", Touch::Restart),
            ),
            ("docker kill db", refused(Container, "db", Touch::Kill)),
            ("docker pause db", refused(Container, "db", Touch::Pause)),
            (
                "docker unpause db",
                refused(Container, "db", Touch::Unpause),
            ),
            ("docker restart web", None),
            (
                "docker run --rm --network container:db alpine true",
                refused(Container, "db", Touch::Connect),
            ),
            (
                "docker network connect fresh-net db",
                refused(Container, "db", Touch::Connect),
            ),
            (
                "docker network disconnect fresh-net db",
                refused(Container, "db", Touch::Disconnect),
            ),
            ("docker logs db", None),
            ("docker inspect db", None),
            ("docker exec web ls", None),
            ("docker rm -f web", None),
            // Networks: a new container joins it, a container is connected, removed.
            (
                "docker run -d --name web --network net alpine sleep 9",
                refused(Network, "net", Touch::Connect),
            ),
            (
                "docker network connect net web",
                refused(Network, "net", Touch::Connect),
            ),
            (
                "docker network rm net",
                refused(Network, "net", Touch::Remove),
            ),
            ("docker network create net", None),
            ("docker run -d --network bridge alpine sleep 9", None),
            ("docker network inspect net", None),
        ];
        for (line, expected) in table {
            let action = crate::command::parse(line, None).expect("the command parses");
            assert_eq!(refusal(&action, &before), expected, "{line}");
            assert_eq!(refusal(&action, &[]), None, "nothing existed: {line}");
        }
    }

    #[test]
    fn a_refusal_names_the_resource_and_what_the_student_can_do() {
        let action =
            crate::command::parse("docker run --rm -v store:/d alpine true", None).unwrap();
        let said = refusal(&action, &[resource(ResourceKind::Volume, "store")])
            .expect("refused")
            .to_string();
        assert!(
            said.starts_with("not run: volume store existed before this lab started"),
            "{said}"
        );
        assert!(said.contains("type the command yourself"), "{said}");
        assert!(said.contains("under its own names"), "{said}");
    }

    #[test]
    fn what_a_lab_would_touch_is_named_with_where_it_runs() {
        let lab: Lab = serde_yaml::from_str(
            r#"
format: 1
id: t
title: T
lesson: L
difficulty: beginner
minutes: 5
resources: {volumes: [store], containers: [writer]}
setup: [docker volume create store]
steps:
  - id: write
    title: Write it
    instructions: Write.
    solution:
      - docker run -d --name writer -v store:/d alpine sleep 9
      - docker run --rm -v store:/d alpine sh -c 'echo > /d/f'
    checks: [{container: {name: writer, state: running}}]
  - id: read
    title: Read it
    instructions: Read.
    solution: [docker run --rm -v store:/d:ro alpine cat /d/f]
    checks: [{container: {name: writer, state: running}}]
cleanup: [docker volume rm store]
"#,
        )
        .expect("the lab parses");
        let said: Vec<String> = touched_by(&lab, &[resource(ResourceKind::Volume, "store")])
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            said,
            [
                "\"run it for me\" of step \"Write it\" would write into volume store",
                "the cleanup would remove volume store",
            ]
        );
        assert!(touched_by(&lab, &[]).is_empty());
    }
}
