//! `container`: a container is running, paused, exited (with a code), created, or absent;
//! optionally with a read-only root, a restart policy, restarts by that policy, or started
//! again since the step opened.

use super::support::{Among, missing};
use super::{CheckEnv, Observed, observation};
use crate::engine::{ContainerInfo, ContainerStatus};
use crate::lab::{ContainerCheck, ContainerState};

pub(super) fn describe(c: &ContainerCheck, positive: bool) -> String {
    let not = if positive { "" } else { "not " };
    let mut s = match (c.state, positive) {
        (ContainerState::Absent, true) => format!("container {} is gone", c.name),
        (ContainerState::Absent, false) => format!("container {} exists", c.name),
        (state, _) => {
            let state = format!("{state:?}").to_lowercase();
            let code = c
                .exit_code
                .map(|e| format!(" with code {e}"))
                .unwrap_or_default();
            format!("container {} is {not}{state}{code}", c.name)
        }
    };
    let mut with = Vec::new();
    match c.read_only_root {
        Some(true) => with.push("a read-only root".to_string()),
        Some(false) => with.push("a writable root".to_string()),
        None => {}
    }
    if let Some(p) = &c.restart_policy {
        with.push(format!("restart policy {p}"));
    }
    if let Some(n) = c.restarts {
        with.push(format!("restarted by the daemon at least {n} times"));
    }
    match c.restarted {
        Some(true) => with.push("started again since this step opened".to_string()),
        Some(false) => with.push("not started again since this step opened".to_string()),
        None => {}
    }
    if !with.is_empty() {
        s.push_str(&format!(" ({})", with.join(", ")));
    }
    s
}

/// Whether a restart policy as `--restart` writes it is the one wanted: `on-failure` without a
/// count takes any count; `no` is also what a container without `--restart` has.
pub(super) fn same_policy(wanted: &str, seen: &str) -> bool {
    let name = |p: &str| p.split(':').next().unwrap_or("").to_string();
    match wanted.split_once(':') {
        Some(_) => wanted == seen,
        None => name(wanted) == name(seen) || (wanted == "no" && seen.is_empty()),
    }
}

/// Whether the container was started again since `opened_ns`: created before, started after.
fn restarted_since(info: &ContainerInfo, opened_ns: i64) -> bool {
    let created_before = info.created_ns.is_some_and(|c| c < opened_ns);
    let started_after = info.started_ns.is_some_and(|s| s >= opened_ns);
    created_before && started_after
}

/// What the check's extra conditions saw, in words, and whether they hold.
fn settings(c: &ContainerCheck, info: &ContainerInfo, opened_ns: i64) -> (bool, Vec<String>) {
    let mut ok = true;
    let mut seen = Vec::new();
    if let Some(want) = c.read_only_root {
        ok &= want == info.read_only_root;
        seen.push(if info.read_only_root {
            "its root file system is read-only".to_string()
        } else {
            "its root file system is writable".to_string()
        });
    }
    if let Some(want) = &c.restart_policy {
        ok &= same_policy(want, &info.restart_policy);
        seen.push(format!("restart policy {}", info.restart_policy));
    }
    if let Some(want) = c.restarts {
        ok &= info.restart_count >= want;
        seen.push(format!(
            "the daemon restarted it {} times",
            info.restart_count
        ));
    }
    if let Some(want) = c.restarted {
        let again = restarted_since(info, opened_ns);
        ok &= want == again;
        seen.push(if again {
            "it was started again since this step opened".to_string()
        } else if info.created_ns.is_some_and(|t| t >= opened_ns) {
            "it was created anew since this step opened, not restarted".to_string()
        } else {
            "it has not been started again since this step opened".to_string()
        });
    }
    (ok, seen)
}

pub(super) async fn observe(c: &ContainerCheck, env: &CheckEnv<'_>) -> Observed {
    let Some(info) = env.container(&c.name).await? else {
        let absent = c.state == ContainerState::Absent;
        let seen = if absent {
            format!("no container named {}", c.name)
        } else {
            missing(env, Among::Containers, &c.name).await
        };
        return observation(absent, seen);
    };
    let code = info
        .exit_code
        .filter(|_| info.status == ContainerStatus::Exited)
        .map(|e| format!(" with exit code {e}"))
        .unwrap_or_default();
    let mut seen = format!("container {} is {}{code}", info.name, info.status);
    let state_ok = match c.state {
        ContainerState::Absent => false,
        ContainerState::Running => info.status == ContainerStatus::Running,
        ContainerState::Paused => info.status == ContainerStatus::Paused,
        ContainerState::Exited => info.status == ContainerStatus::Exited,
        ContainerState::Created => info.status == ContainerStatus::Created,
    };
    let code_ok = c.exit_code.is_none() || c.exit_code == info.exit_code;
    let (settings_ok, said) = settings(c, &info, env.opened_ns);
    if !said.is_empty() {
        seen.push_str(&format!("; {}", said.join("; ")));
    }
    observation(state_ok && code_ok && settings_ok, seen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restart_policies_compare_as_the_cli_writes_them() {
        let table = [
            ("always", "always", true),
            ("always", "unless-stopped", false),
            ("on-failure", "on-failure:3", true),
            ("on-failure", "on-failure", true),
            ("on-failure:3", "on-failure:3", true),
            ("on-failure:3", "on-failure:5", false),
            ("on-failure:3", "on-failure", false),
            ("no", "no", true),
            ("no", "always", false),
        ];
        for (wanted, seen, expected) in table {
            assert_eq!(same_policy(wanted, seen), expected, "{wanted} vs {seen}");
        }
    }

    #[test]
    fn started_again_means_the_same_container_started_after_the_step_opened() {
        let info = |created, started| ContainerInfo {
            created_ns: Some(created),
            started_ns: Some(started),
            ..Default::default()
        };
        assert!(restarted_since(&info(10, 30), 20));
        // Started before the step opened: not again.
        assert!(!restarted_since(&info(10, 15), 20));
        // Created anew (docker rm + docker run) is not a restart.
        assert!(!restarted_since(&info(25, 30), 20));
        assert!(!restarted_since(&ContainerInfo::default(), 20));
    }
}
