//! What several check kinds share: running a command in a container, reading its answer, and
//! putting what was seen into short evidence.

use std::path::Path;

use regex::Regex;

use super::{Cause, CheckEnv, EXEC_TIMEOUT, Unknown};
use crate::engine::{ContainerInfo, ContainerStatus, ExecOutput};

/// Which kind of resource a near miss is looked for among.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Among {
    Networks,
    Volumes,
    Containers,
}

/// Names close to `name` (another separator, another case, a letter or two off), among what
/// exists ([`CheckEnv::candidates`]): what the student probably meant. Empty when nothing is
/// close or the daemon cannot list.
pub(super) async fn near_misses(env: &CheckEnv<'_>, among: Among, name: &str) -> Vec<String> {
    let Some(all) = env.candidates().await else {
        return Vec::new();
    };
    let names = match among {
        Among::Networks => &all.networks,
        Among::Volumes => &all.volumes,
        Among::Containers => &all.containers,
    };
    close_to(name, names)
}

/// The names in `candidates` close to `name`, but not `name` itself.
pub(super) fn close_to(name: &str, candidates: &[String]) -> Vec<String> {
    let squash = |s: &str| {
        s.chars()
            .filter(|c| !matches!(c, '-' | '_' | '.'))
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    let wanted = squash(name);
    let mut close: Vec<String> = candidates
        .iter()
        .filter(|c| c.as_str() != name)
        .filter(|c| {
            let other = squash(c);
            other == wanted
                || (wanted.chars().count() > 4 && strsim::levenshtein(&other, &wanted) <= 2)
        })
        .cloned()
        .collect();
    close.sort();
    close.dedup();
    close
}

/// "no network named X" and, where one exists, the name the student probably meant.
pub(super) async fn missing(env: &CheckEnv<'_>, among: Among, name: &str) -> String {
    let what = match among {
        Among::Networks => "network",
        Among::Volumes => "volume",
        Among::Containers => "container",
    };
    let close = near_misses(env, among, name).await;
    if close.is_empty() {
        format!("no {what} named {name}")
    } else {
        format!(
            "no {what} named {name}, but {what} {} exists: a typo?",
            close.join(", ")
        )
    }
}

/// The record of what happened on the daemon, if it is being kept.
pub(super) fn recorder<'e>(env: &CheckEnv<'e>) -> Result<&'e crate::recorder::Recorder, Unknown> {
    if env.recorder.is_following() {
        Ok(env.recorder)
    } else {
        Err(Unknown::new(
            Cause::NotObserved,
            "could not check: the daemon's events were not being followed",
        ))
    }
}

/// Whether a recorded container belongs to the run being checked: never one labelled with
/// another run.
pub(super) fn is_this_runs(env: &CheckEnv<'_>, record: &crate::recorder::ContainerRecord) -> bool {
    crate::recorder::counts_for_run(&record.labels, env.run_id, env.only_run_containers)
}

/// Whether an exec'd command line is one of labrunner's own probes.
pub(super) fn is_own_exec(command: &str, env: &CheckEnv<'_>) -> bool {
    env.own_execs
        .iter()
        .any(|p| command.starts_with(p.as_str()))
}

/// Longest excerpt of output shown as evidence, in characters.
pub const EXCERPT_CHARS: usize = 120;

/// The container must exist and run for a command to be executed in it.
pub(super) async fn running(env: &CheckEnv<'_>, name: &str) -> Result<ContainerInfo, Unknown> {
    match env.container(name).await? {
        Some(info) if info.status == ContainerStatus::Running => Ok(info),
        Some(info) => Err(Unknown::new(
            Cause::NotRunning,
            format!(
                "could not check: container {name} is {}, not running",
                info.status
            ),
        )),
        None => Err(Unknown::new(
            Cause::NoSuchContainer,
            format!("could not check: no container named {name}"),
        )),
    }
}

/// Run `argv` in `container` with the check's time limit.
pub(super) async fn exec(
    env: &CheckEnv<'_>,
    container: &str,
    argv: &[String],
) -> Result<ExecOutput, Unknown> {
    Ok(env.engine.exec(container, argv, EXEC_TIMEOUT).await?)
}

/// A negative answer that took longer than a probe's tool waits on its own (1 s) says which
/// tool made it wait: " (`TOOL` answered after 5.0 s)", else nothing.
pub(super) fn waited(started: std::time::Instant, tool: &str) -> String {
    let took = started.elapsed();
    if took > std::time::Duration::from_secs(1) {
        format!(" (`{tool}` answered after {:.1} s)", took.as_secs_f64())
    } else {
        String::new()
    }
}

/// Standard output and error together, as a person would have seen them.
pub(super) fn both(out: &ExecOutput) -> String {
    format!("{}{}", out.stdout, out.stderr)
}

pub(super) fn is_missing_command(out: &ExecOutput) -> bool {
    let text = both(out);
    matches!(out.exit_code, Some(126 | 127))
        && (text.contains("not found") || text.contains("executable file"))
}

/// The command answered in a way the check cannot read: say whether it was even there.
pub(super) fn no_tool(out: &ExecOutput, tool: &str, container: &str) -> Unknown {
    if is_missing_command(out) {
        Unknown::new(
            Cause::NoSuchCommand,
            format!("could not check: {container} has no `{tool}` command"),
        )
    } else {
        Unknown::new(
            Cause::UnexpectedAnswer,
            format!(
                "could not check: unexpected answer from `{tool}` in {container}: {}",
                excerpt(&both(out))
            ),
        )
    }
}

pub(super) fn regex(pattern: &str) -> Result<Regex, Unknown> {
    Regex::new(pattern).map_err(|e| {
        Unknown::new(
            Cause::InvalidCheck,
            format!("could not check: bad pattern /{pattern}/: {e}"),
        )
    })
}

/// Replace `$(pwd)`, `${PWD}` and `$PWD` with the lab's working folder.
pub fn expand_pwd(text: &str, workdir: &Path) -> String {
    let dir = workdir.to_string_lossy();
    text.replace("$(pwd)", &dir)
        .replace("${PWD}", &dir)
        .replace("$PWD", &dir)
}

pub(super) fn same_source(expected: &str, seen: &str) -> bool {
    let norm = |s: &str| s.trim_end_matches('/').to_string();
    norm(expected) == norm(seen)
}

pub(super) fn list(items: &[String]) -> String {
    if items.is_empty() {
        "nothing".into()
    } else {
        items.join(", ")
    }
}

pub(super) fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .to_string()
}

pub(super) fn last_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("")
        .to_string()
}

/// A check's evidence: at most [`EXCERPT_CHARS`] characters of output, on one line.
pub fn excerpt(text: &str) -> String {
    let one = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > EXCERPT_CHARS {
        let kept: String = one.chars().take(EXCERPT_CHARS - 3).collect();
        format!("{kept}...")
    } else if one.is_empty() {
        "(no output)".into()
    } else {
        one
    }
}

/// Whether a path a check names climbs out of where it is read (`..` anywhere in it).
pub fn climbs(path: &str) -> bool {
    std::path::Path::new(path)
        .components()
        .any(|c| matches!(c, std::path::Component::ParentDir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_commands_are_told_apart() {
        let out = ExecOutput {
            exit_code: Some(126),
            stdout: "OCI runtime exec failed: exec failed: unable to start container process: exec: \"ping\": executable file not found in $PATH: unknown".into(),
            stderr: String::new(),
        };
        assert!(is_missing_command(&out));
        let u = no_tool(&out, "ping", "api");
        assert_eq!(u.reason, "could not check: api has no `ping` command");
        assert_eq!(u.cause, Cause::NoSuchCommand);
        let out = ExecOutput {
            exit_code: Some(1),
            stdout: "ping: bad address 'web'".into(),
            stderr: String::new(),
        };
        assert!(!is_missing_command(&out));
        assert_eq!(no_tool(&out, "ping", "api").cause, Cause::UnexpectedAnswer);
    }

    #[test]
    fn near_misses_are_close_names_only() {
        let names: Vec<String> = [
            "isolated_net",
            "isolated-net",
            "bridge",
            "isolatednet2",
            "iso",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            close_to("isolated-net", &names),
            vec!["isolated_net".to_string(), "isolatednet2".to_string()]
        );
        assert!(close_to("web", &["db".to_string(), "wbe".to_string()]).is_empty());
    }

    #[test]
    fn pwd_is_expanded() {
        let dir = Path::new("/tmp/lab");
        assert_eq!(expand_pwd("$(pwd)/config", dir), "/tmp/lab/config");
        assert_eq!(expand_pwd("${PWD}:/backup", dir), "/tmp/lab:/backup");
    }

    #[test]
    fn excerpts_are_short() {
        assert_eq!(excerpt(""), "(no output)");
        assert_eq!(excerpt("a\n b"), "a b");
        assert!(excerpt(&"x".repeat(500)).len() <= EXCERPT_CHARS);
    }
}
