//! The commands checks run inside the student's containers. One list: the checks build their
//! commands from it, and the live loop uses it to tell the student's exec events from the
//! checks' own.

use std::collections::HashSet;
use std::time::Duration;

use crate::lab::{CheckKind, Probe, Step};

/// How long a probe waits for its peer (a ping's reply, a TCP connection) before the check calls
/// it "no answer". A container-to-container round trip on a bridge takes 0.29 ms (p99), and the
/// whole probe inside the container (the shell, the tool, the name through the embedded DNS
/// server, the round trip) 30 ms (p99) on a loaded 2-core machine (bench/README.md "Probe
/// bound"): 250 ms is 8x the latter and more than 800x the former.
pub const ANSWER_BOUND: Duration = Duration::from_millis(250);
/// What a probe prints when [`ANSWER_BOUND`] ended it.
pub const NO_ANSWER: &str = "no answer within 250 ms";

/// Seconds `ping` waits for a reply when a check only wants a name resolved (the name's answer
/// is what counts, so it is not bounded by [`ANSWER_BOUND`]).
const RESOLVE_WAIT: &str = "1";
/// Seconds `ping` and `nc` wait on their own: the least they accept. [`ANSWER_BOUND`] ends them
/// sooner, from outside, since neither takes a fraction of a second.
const TOOL_WAIT: &str = "1";

fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

/// `command` run by the image's shell, ended by SIGTERM after [`ANSWER_BOUND`] if it has not
/// ended by then; [`NO_ANSWER`] then follows on standard error and the exit status is 143. The
/// tool is looked for on `PATH` first and run by its path: a busybox shell would otherwise run
/// its own applet of that name, in an image that has no such command.
fn bounded(command: &[&str]) -> Vec<String> {
    let secs = ANSWER_BOUND.as_secs_f64();
    let script = format!(
        "f=; IFS=:; for d in $PATH; do [ -x \"$d/$1\" ] && {{ f=$d/$1; break; }}; done; unset IFS; \
         [ -n \"$f\" ] || {{ echo \"$1: not found\" >&2; exit 127; }}; shift; \
         \"$f\" \"$@\" & p=$!; (sleep {secs}; kill $p) >/dev/null 2>&1 & t=$!; wait $p; r=$?; \
         kill $t 2>/dev/null; [ $r = 143 ] && echo '{NO_ANSWER}' >&2; exit $r"
    );
    let mut words = vec![
        "sh".to_string(),
        "-c".to_string(),
        script,
        "probe".to_string(),
    ];
    words.extend(argv(command));
    words
}

/// Whether a bounded probe was ended by [`ANSWER_BOUND`].
pub fn unanswered(text: &str) -> bool {
    text.contains(NO_ANSWER)
}

/// Resolve `name` (and send one ping, whose first line shows the address).
pub fn resolve(name: &str) -> Vec<String> {
    argv(&["ping", "-c", "1", "-W", RESOLVE_WAIT, name])
}

/// One ping to `target`, bounded by [`ANSWER_BOUND`].
pub fn ping(target: &str) -> Vec<String> {
    bounded(&["ping", "-c", "1", "-W", TOOL_WAIT, target])
}

/// A TCP connection to `target:port`, bounded by [`ANSWER_BOUND`].
pub fn tcp(target: &str, port: u16) -> Vec<String> {
    bounded(&["nc", "-w", TOOL_WAIT, target, &port.to_string()])
}

/// The container's network interfaces.
pub fn interfaces() -> Vec<String> {
    argv(&["ls", "/sys/class/net"])
}

/// How the commands a step's own checks run inside containers begin, as the daemon's exec
/// events show them (words joined by spaces). Checks resolve with `ping -c 1 -W 1` and probe
/// through a shell script of their own; students rarely do either.
pub fn own_exec_prefixes(step: &Step) -> HashSet<String> {
    let mut set = HashSet::new();
    // The words before the target (and port).
    let prefix = |mut words: Vec<String>, after: usize| {
        words.truncate(words.len() - after);
        words.join(" ") + " "
    };
    for check in &step.checks {
        match check.kind() {
            Some(CheckKind::Resolves(_)) => {
                set.insert(prefix(resolve(""), 1));
            }
            Some(CheckKind::Reachable(r)) => {
                set.insert(match r.via {
                    Probe::Ping => prefix(ping(""), 1),
                    Probe::Tcp => prefix(tcp("", 0), 2),
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

    #[test]
    fn bounded_probes_end_with_the_tool_and_its_target() {
        let words = tcp("web", 80);
        assert_eq!(words[..2], ["sh", "-c"]);
        assert!(words[2].contains("sleep 0.25;"), "{}", words[2]);
        assert!(words[2].contains(NO_ANSWER));
        assert_eq!(words[3..], ["probe", "nc", "-w", "1", "web", "80"]);
    }
}
