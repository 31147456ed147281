//! `reachable`: a peer answers ping, or accepts a TCP connection, from inside a container (or
//! must not). "Unreachable" is told apart from "ping not permitted" and "no such command".

use super::resolves::is_unresolved;
use super::support::{both, exec, first_line, last_line, no_tool, running, waited};
use super::{Cause, CheckEnv, Observed, Unknown, holds, not_holds, probes};
use crate::engine::{ContainerInfo, ExecOutput};
use crate::lab::{Probe, ReachableCheck};

pub(super) fn describe(r: &ReachableCheck, positive: bool) -> String {
    let how = match r.via {
        Probe::Ping => "by ping".to_string(),
        Probe::Tcp => format!("on TCP port {}", r.port.unwrap_or(0)),
    };
    let by = if r.by_ip { " (by IP address)" } else { "" };
    format!(
        "{}{by} is {}reachable from {} {how}",
        r.to,
        if positive { "" } else { "un" },
        r.from
    )
}

pub(super) async fn observe(r: &ReachableCheck, env: &CheckEnv<'_>) -> Observed {
    let from = running(env, &r.from).await?;
    let target = if r.by_ip {
        peer_address(env, &from, &r.to).await?
    } else {
        r.to.clone()
    };
    match r.via {
        Probe::Ping => ping(env, &r.from, &target).await,
        Probe::Tcp => {
            let port = r.port.ok_or_else(|| {
                Unknown::new(
                    Cause::InvalidCheck,
                    "could not check: `via: tcp` needs a `port`",
                )
            })?;
            tcp(env, &r.from, &target, port).await
        }
    }
}

/// Run a bounded probe; one that [`probes::ANSWER_BOUND`] ended is run once more, so that "no
/// answer" is what two probes saw, never one moment's stall.
async fn probe(env: &CheckEnv<'_>, from: &str, argv: &[String]) -> Result<ExecOutput, Unknown> {
    let out = exec(env, from, argv).await?;
    if !probes::unanswered(&both(&out)) {
        return Ok(out);
    }
    exec(env, from, argv).await
}

async fn ping(env: &CheckEnv<'_>, from: &str, to: &str) -> Observed {
    let started = std::time::Instant::now();
    let out = probe(env, from, &probes::ping(to)).await?;
    let text = both(&out);
    if out.exit_code == Some(0) {
        return holds(format!("{to} answered ping from {from}"));
    }
    let waited = waited(started, "ping");
    if is_unresolved(&text) {
        return not_holds(format!(
            "{from} cannot even resolve {to}: {}{waited}",
            first_line(&text)
        ));
    }
    if probes::unanswered(&text) {
        return not_holds(format!(
            "no reply from {to} to ping from {from}: {} (twice){waited}",
            probes::NO_ANSWER
        ));
    }
    if is_no_reply(&text) {
        return not_holds(format!(
            "no reply from {to} to ping from {from}: {}{waited}",
            last_line(&text)
        ));
    }
    if text.contains("permission denied") || text.contains("Operation not permitted") {
        return Err(Unknown::new(
            Cause::NotPermitted,
            format!(
                "could not check: ping is not permitted in {from} ({})",
                first_line(&text)
            ),
        ));
    }
    Err(no_tool(&out, "ping", from))
}

/// ping's "no answer" in busybox/musl and iputils/glibc wordings.
fn is_no_reply(text: &str) -> bool {
    text.contains("packet loss")
        || text.contains("Network unreachable")
        || text.contains("Network is unreachable")
        || text.contains("No route")
        || text.contains("Host unreachable")
        || text.contains("Destination Host Unreachable")
}

async fn tcp(env: &CheckEnv<'_>, from: &str, to: &str, port: u16) -> Observed {
    let started = std::time::Instant::now();
    let out = probe(env, from, &probes::tcp(to, port)).await?;
    let text = both(&out);
    if out.exit_code == Some(0) {
        return holds(format!(
            "{to} accepted a TCP connection on port {port} from {from}"
        ));
    }
    let waited = waited(started, "nc");
    if probes::unanswered(&text) {
        return not_holds(format!(
            "no TCP connection from {from} to {to}:{port}: {} (twice){waited}",
            probes::NO_ANSWER
        ));
    }
    if text.contains("bad address")
        || text.contains("refused")
        || text.contains("timed out")
        || text.contains("unreachable")
        || text.contains("No route")
    {
        return not_holds(format!(
            "no TCP connection from {from} to {to}:{port}: {}{waited}",
            first_line(&text)
        ));
    }
    Err(no_tool(&out, "nc", from))
}

/// The IP address of container `peer`, preferably on a network `from` is attached to.
async fn peer_address(
    env: &CheckEnv<'_>,
    from: &ContainerInfo,
    peer: &str,
) -> Result<String, Unknown> {
    let info = env.container(peer).await?.ok_or_else(|| {
        Unknown::new(
            Cause::NoSuchContainer,
            format!("could not check: no container named {peer}"),
        )
    })?;
    from.networks
        .iter()
        .find_map(|n| info.addresses.get(n))
        .or_else(|| info.addresses.values().next())
        .cloned()
        .ok_or_else(|| {
            Unknown::new(
                Cause::UnexpectedAnswer,
                format!(
                    "could not check: {peer} has no IP address (network mode {})",
                    info.network_mode
                ),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::describe as describe_check;
    use crate::lab::Check;

    #[test]
    fn unreachable_in_every_libc_wording() {
        for text in [
            "PING 10.0.0.9 (10.0.0.9): 56 data bytes\n\n--- 10.0.0.9 ping statistics ---\n1 packets transmitted, 0 packets received, 100% packet loss",
            "ping: sendto: Network unreachable",
            "ping: sendto: Network is unreachable",
            "ping: connect: Network is unreachable",
            "From 172.18.0.1 icmp_seq=1 Destination Host Unreachable",
            "ping: sendto: No route to host",
        ] {
            assert!(is_no_reply(text), "{text}");
        }
        assert!(!is_no_reply("ping: permission denied (are you root?)"));
    }

    #[test]
    fn description_reads_as_a_sentence() {
        let c = Check {
            reachable: Some(ReachableCheck {
                from: "api".into(),
                to: "web".into(),
                via: Probe::Tcp,
                by_ip: false,
                port: Some(80),
            }),
            ..Default::default()
        };
        assert_eq!(
            describe_check(&c),
            "web is reachable from api on TCP port 80"
        );
    }
}
