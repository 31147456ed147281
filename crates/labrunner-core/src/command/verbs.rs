//! The docker subcommands labrunner runs, and what a refused one is told to use instead.

/// The commands on containers, as `docker X` and `docker container X`.
pub(crate) const CONTAINER: &[&str] = &[
    "run", "create", "start", "stop", "restart", "kill", "pause", "unpause", "rm", "exec",
    "inspect", "port", "logs",
];
/// `docker network X`.
pub(crate) const NETWORK: &[&str] = &[
    "create",
    "rm",
    "connect",
    "disconnect",
    "ls",
    "inspect",
    "prune",
];
/// `docker volume X`.
pub(crate) const VOLUME: &[&str] = &["create", "rm", "ls", "inspect", "prune"];

/// Refused commands that have a supported way to get the same answer or result.
const INSTEAD: &[(&[&str], &str)] = &[
    (
        &["ps", "container ls", "container list", "container ps"],
        "to see a container's state, use `docker inspect -f '{{.State.Status}}' NAME`",
    ),
    (
        &["wait", "container wait"],
        "to see how a container ended, use `docker inspect -f '{{.State.ExitCode}}' NAME`",
    ),
    (
        &["attach", "container attach"],
        "to follow a container's output, use `docker logs -f NAME`",
    ),
    (
        &["top", "container top"],
        "to see a container's processes, use `docker exec NAME ps`",
    ),
    (
        &["cp", "container cp"],
        "to read a file in a container, use `docker exec NAME cat PATH`",
    ),
    (
        &["container prune"],
        "to remove containers, use `docker rm -f NAME...`",
    ),
    (
        &["image", "images"],
        "to see whether an image is here, use `docker inspect IMAGE`",
    ),
];

/// What to tell about the unsupported `docker {command}`: the supported way to do the same,
/// or else the subcommands of its group that labrunner runs. Starts with `; `.
pub(crate) fn instead(command: &str) -> String {
    if let Some((_, hint)) = INSTEAD.iter().find(|(names, _)| names.contains(&command)) {
        return format!("; {hint}");
    }
    let (group, verbs) = match command.split_once(' ') {
        Some(("network", _)) => ("docker network", NETWORK),
        Some(("volume", _)) => ("docker volume", VOLUME),
        Some(("container", _)) => ("docker container", CONTAINER),
        _ => {
            return format!(
                "; labrunner runs `docker {}`, `docker network {}` and `docker volume {}`",
                CONTAINER.join("|"),
                NETWORK.join("|"),
                VOLUME.join("|")
            );
        }
    };
    format!("; `{group}` takes {}", verbs.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::{ParseError, parse};

    fn refused(line: &str) -> bool {
        matches!(
            parse(line, Some("/w")),
            Err(ParseError::UnsupportedCommand(_))
        )
    }

    #[test]
    fn the_lists_are_what_the_parser_runs() {
        for verb in CONTAINER {
            assert!(!refused(&format!("docker {verb} x")), "{verb}");
            assert!(!refused(&format!("docker container {verb} x")), "{verb}");
        }
        for verb in NETWORK {
            assert!(!refused(&format!("docker network {verb} x")), "{verb}");
        }
        for verb in VOLUME {
            assert!(!refused(&format!("docker volume {verb} x")), "{verb}");
        }
        for (names, _) in INSTEAD {
            for name in *names {
                assert!(refused(&format!("docker {name} x")), "{name}");
            }
        }
    }

    #[test]
    fn a_refusal_names_the_supported_way() {
        let table = [
            (
                "docker ps -a",
                "unsupported docker command `docker ps`; to see a container's state, use `docker inspect -f '{{.State.Status}}' NAME`",
            ),
            (
                "docker container ls",
                "unsupported docker command `docker container ls`; to see a container's state, use `docker inspect -f '{{.State.Status}}' NAME`",
            ),
            (
                "docker image inspect alpine",
                "unsupported docker command `docker image`; to see whether an image is here, use `docker inspect IMAGE`",
            ),
            (
                "docker network frobnicate",
                "unsupported docker command `docker network frobnicate`; `docker network` takes create, rm, connect, disconnect, ls, inspect, prune",
            ),
            (
                "docker volume backup v",
                "unsupported docker command `docker volume backup`; `docker volume` takes create, rm, ls, inspect, prune",
            ),
            (
                "docker container rename a b",
                "unsupported docker command `docker container rename`; `docker container` takes run, create, start, stop, restart, kill, pause, unpause, rm, exec, inspect, port, logs",
            ),
            (
                "docker pull alpine",
                "unsupported docker command `docker pull`; labrunner runs `docker run|create|start|stop|restart|kill|pause|unpause|rm|exec|inspect|port|logs`, `docker network create|rm|connect|disconnect|ls|inspect|prune` and `docker volume create|rm|ls|inspect|prune`",
            ),
        ];
        for (line, message) in table {
            match parse(line, Some("/w")) {
                Err(e) => assert_eq!(e.to_string(), message, "{line}"),
                Ok(a) => panic!("{line}: {a:?}"),
            }
        }
    }
}
