//! `loopback_only`: the container has exactly the `lo` interface (network mode none).

use super::support::{exec, no_tool, running};
use super::{CheckEnv, Observed, observation, probes};
use crate::lab::LoopbackOnlyCheck;

pub(super) fn describe(l: &LoopbackOnlyCheck, positive: bool) -> String {
    format!(
        "container {} has {}only the loopback interface",
        l.container,
        if positive { "" } else { "not " }
    )
}

pub(super) async fn observe(l: &LoopbackOnlyCheck, env: &CheckEnv<'_>) -> Observed {
    running(env, &l.container).await?;
    let out = exec(env, &l.container, &probes::interfaces()).await?;
    if out.exit_code != Some(0) {
        return Err(no_tool(&out, "ls", &l.container));
    }
    let mut ifaces: Vec<&str> = out.stdout.split_whitespace().collect();
    ifaces.sort();
    observation(
        ifaces == ["lo"],
        format!("{} has interfaces: {}", l.container, ifaces.join(", ")),
    )
}
