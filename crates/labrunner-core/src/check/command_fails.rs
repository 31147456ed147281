//! `command_fails`: a docker command is refused by the daemon with an error matching a pattern.

use super::support::regex;
use super::{CheckEnv, Observed, Unknown, not_holds, observation};
use crate::engine::{ApplyContext, EngineError};
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
        .map_err(|e| Unknown::new(super::Cause::InvalidCheck, format!("could not check: {e}")))?;
    let re = regex(&c.error)?;
    let ctx = ApplyContext::for_run(env.labels.clone(), env.image_map.clone());
    match env.engine.apply(&action, &ctx).await {
        Ok(_) => not_holds(format!("`{}` succeeded", c.command)),
        Err(EngineError::Daemon { message, .. }) => {
            observation(re.is_match(&message), format!("the daemon said: {message}"))
        }
        Err(e) => Err(e.into()),
    }
}
