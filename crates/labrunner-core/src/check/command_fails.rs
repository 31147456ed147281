//! `command_fails`: a docker command is refused by the daemon with an error matching a pattern.
//! Only commands that look (`inspect`, `ls`, `port`, `logs`) are run: one that could change
//! something if it succeeded is refused here (and by `validate`), so that a check never has a
//! side effect the student would be blamed for.

use super::support::regex;
use super::{Cause, CheckEnv, Observed, Unknown, not_holds, observation};
use crate::engine::EngineError;
use crate::execute::{ApplyContext, execute};
use crate::lab::CommandFailsCheck;

pub(super) fn describe(c: &CommandFailsCheck) -> String {
    format!(
        "`{}` is refused with \"{}\"",
        c.command,
        crate::pattern::plain(&c.error)
    )
}

pub(super) async fn observe(c: &CommandFailsCheck, env: &CheckEnv<'_>) -> Observed {
    let workdir = env.workdir.to_string_lossy();
    let action = crate::command::parse(&c.command, Some(&workdir))
        .map_err(|e| Unknown::new(Cause::InvalidCheck, format!("could not check: {e}")))?;
    if !action.is_read_only() {
        return Err(Unknown::new(
            Cause::InvalidCheck,
            format!(
                "could not check: `{}` would change the daemon's state if it succeeded; a `command_fails` check only runs commands that look (inspect, ls, port, logs)",
                c.command
            ),
        ));
    }
    let re = regex(&c.error)?;
    let ctx = ApplyContext::for_run(env.labels.clone(), env.image_map.clone());
    match execute(env.engine, &action, &ctx).await {
        Ok(_) => not_holds(format!("`{}` succeeded", c.command)),
        Err(EngineError::Daemon { message, .. }) => {
            observation(re.is_match(&message), format!("the daemon said: {message}"))
        }
        Err(e) => Err(e.into()),
    }
}
