//! The commands checks run inside the student's containers. One list: the checks build their
//! commands from it, and the live loop uses it to tell the student's exec events from the
//! checks' own.

use std::collections::HashSet;

use crate::lab::{CheckKind, Probe, Step};

/// Seconds `ping` waits for a reply when a check only wants a name resolved.
const RESOLVE_WAIT: &str = "1";
/// Seconds `ping` waits for a reply when a check wants the peer to answer.
const PING_WAIT: &str = "2";
/// Seconds `nc` waits for a TCP connection.
const TCP_WAIT: &str = "2";

fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

/// Resolve `name` (and send one ping, whose first line shows the address).
pub fn resolve(name: &str) -> Vec<String> {
    argv(&["ping", "-c", "1", "-W", RESOLVE_WAIT, name])
}

/// One ping to `target`.
pub fn ping(target: &str) -> Vec<String> {
    argv(&["ping", "-c", "1", "-W", PING_WAIT, target])
}

/// A TCP connection to `target:port`.
pub fn tcp(target: &str, port: u16) -> Vec<String> {
    argv(&["nc", "-w", TCP_WAIT, target, &port.to_string()])
}

/// The container's network interfaces.
pub fn interfaces() -> Vec<String> {
    argv(&["ls", "/sys/class/net"])
}

/// How the commands a step's own checks run inside containers begin, as the daemon's exec
/// events show them (words joined by spaces). Checks ping with `-c 1 -W n` and probe with
/// `nc -w 2`; students rarely do.
pub fn own_exec_prefixes(step: &Step) -> HashSet<String> {
    let mut set = HashSet::new();
    let prefix = |mut words: Vec<String>| {
        words.pop();
        words.join(" ") + " "
    };
    for check in &step.checks {
        match check.kind() {
            Some(CheckKind::Resolves(_)) => {
                set.insert(prefix(resolve("")));
            }
            Some(CheckKind::Reachable(r)) => {
                set.insert(match r.via {
                    Probe::Ping => prefix(ping("")),
                    Probe::Tcp => tcp("", 0)[..3].join(" ") + " ",
                });
            }
            Some(CheckKind::LoopbackOnly(_)) => {
                set.insert(interfaces().join(" "));
            }
            Some(CheckKind::Exec(e)) => {
                if let Ok(words) = shell_words::split(&e.command) {
                    set.insert(words.join(" "));
                }
            }
            _ => {}
        }
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_match_the_commands_checks_run() {
        let step: Step = serde_yaml::from_str(
            "id: s\ntitle: t\ninstructions: i\nsolution: []\nchecks:\n  - resolves: { from: a, name: web }\n  - reachable: { from: a, to: web, via: tcp, port: 80 }\n  - reachable: { from: a, to: web }\n  - loopback_only: { container: a }\n",
        )
        .unwrap();
        let own = own_exec_prefixes(&step);
        for command in [resolve("web"), tcp("web", 80), ping("web"), interfaces()] {
            let line = command.join(" ");
            assert!(
                own.iter().any(|p| line.starts_with(p.as_str())),
                "{line} not in {own:?}"
            );
        }
        assert!(!own.iter().any(|p| "ping web".starts_with(p.as_str())));
        assert!(!own.iter().any(|p| "nc web 80".starts_with(p.as_str())));
    }
}
