//! `ran`: the student ran a command in a container, seen in the daemon's exec events.

use super::support::regex;
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
    let commands = env
        .engine
        .exec_commands_since(&r.container, env.since)
        .await?;
    match commands.iter().find(|c| re.is_match(c)) {
        Some(c) => holds(format!("`{c}` ran in {}", r.container)),
        None if commands.is_empty() => not_holds(format!("nothing was run in {} yet", r.container)),
        None => not_holds(format!("{} ran: {}", r.container, commands.join("; "))),
    }
}
