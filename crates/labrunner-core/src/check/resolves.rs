//! `resolves`: a name resolves (or must not) from inside a container.

use super::support::{both, exec, first_line, no_tool, running, waited};
use super::{CheckEnv, Observed, holds, not_holds, probes};
use crate::lab::ResolvesCheck;

pub(super) fn describe(r: &ResolvesCheck, positive: bool) -> String {
    let does = if positive {
        "resolves"
    } else {
        "does not resolve"
    };
    format!("name {} {does} from {}", r.name, r.from)
}

pub(super) async fn observe(r: &ResolvesCheck, env: &CheckEnv<'_>) -> Observed {
    running(env, &r.from).await?;
    let started = std::time::Instant::now();
    let out = exec(env, &r.from, &probes::resolve(&r.name)).await?;
    let text = both(&out);
    if let Some(addr) = pinged_address(&text) {
        return holds(format!("{} resolves to {addr} in {}", r.name, r.from));
    }
    if is_unresolved(&text) {
        return not_holds(format!(
            "{} does not resolve in {}: {}{}",
            r.name,
            r.from,
            first_line(&text),
            waited(started, "ping")
        ));
    }
    Err(no_tool(&out, "ping", &r.from))
}

/// The resolver's "no such name" in busybox/musl and glibc wordings.
pub(super) fn is_unresolved(text: &str) -> bool {
    text.contains("bad address")
        || text.contains("Name does not resolve")
        || text.contains("Unknown host")
        || text.contains("Name or service not known")
        || text.contains("Temporary failure in name resolution")
}

/// `PING web (172.18.0.2): 56 data bytes` -> `172.18.0.2`.
fn pinged_address(text: &str) -> Option<&str> {
    let line = text.lines().find(|l| l.starts_with("PING "))?;
    let start = line.find('(')? + 1;
    let end = line[start..].find(')')? + start;
    Some(&line[start..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::describe as describe_check;
    use crate::lab::Check;

    #[test]
    fn reads_ping_address() {
        assert_eq!(
            pinged_address("PING web (172.18.0.2): 56 data bytes\n64 bytes"),
            Some("172.18.0.2")
        );
        assert_eq!(pinged_address("ping: bad address 'web'"), None);
    }

    #[test]
    fn description_reads_as_a_sentence() {
        let c = Check {
            resolves: Some(ResolvesCheck {
                from: "isolated".into(),
                name: "web".into(),
            }),
            expect: Some(false),
            ..Default::default()
        };
        assert_eq!(
            describe_check(&c),
            "name web does not resolve from isolated"
        );
    }
}
