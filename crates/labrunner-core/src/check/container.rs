//! `container`: a container is running, paused, exited (with a code), created, or absent.

use super::support::{Among, missing};
use super::{CheckEnv, Observed, observation};
use crate::engine::ContainerStatus;
use crate::lab::{ContainerCheck, ContainerState};

pub(super) fn describe(c: &ContainerCheck, positive: bool) -> String {
    let not = if positive { "" } else { "not " };
    match (c.state, positive) {
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
    }
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
    let seen = format!("container {} is {}{code}", info.name, info.status);
    let state_ok = match c.state {
        ContainerState::Absent => false,
        ContainerState::Running => info.status == ContainerStatus::Running,
        ContainerState::Paused => info.status == ContainerStatus::Paused,
        ContainerState::Exited => info.status == ContainerStatus::Exited,
        ContainerState::Created => info.status == ContainerStatus::Created,
    };
    let code_ok = c.exit_code.is_none() || c.exit_code == info.exit_code;
    observation(state_ok && code_ok, seen)
}
