//! `ran`: the student ran a command in a container, seen in the daemon's exec events. Only the
//! container that has the name now counts (by id, not an earlier one of the same name), only
//! since the step opened, and never labrunner's own probes.

use super::support::{Among, is_own_exec, missing, recorder, regex};
use super::{CheckEnv, Observed, holds, not_holds};
use crate::lab::RanCheck;

pub(super) fn describe(r: &RanCheck, positive: bool) -> String {
    format!(
        "`{}` was {}run in {}",
        crate::pattern::plain(&r.command),
        if positive { "" } else { "not " },
        r.container
    )
}

pub(super) async fn observe(r: &RanCheck, env: &CheckEnv<'_>) -> Observed {
    let re = regex(&r.command)?;
    let recorder = recorder(env)?;
    let Some(info) = env.container(&r.container).await? else {
        return not_holds(missing(env, Among::Containers, &r.container).await);
    };
    let commands: Vec<String> = recorder
        .execs_since(&info.id, env.opened_ns)
        .into_iter()
        .map(|e| e.command)
        .filter(|c| !is_own_exec(c, env))
        .collect();
    match commands.iter().find(|c| re.is_match(c)) {
        Some(c) => holds(format!("`{c}` ran in {}", r.container)),
        None if commands.is_empty() => not_holds(format!(
            "nothing was run in {} since this step opened",
            r.container
        )),
        None => not_holds(format!("{} ran: {}", r.container, commands.join("; "))),
    }
}
