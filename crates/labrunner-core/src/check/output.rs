//! `output`: what a container printed (standard output and error) matches a pattern. A
//! container that still exists is read from its logs; one that is gone (a `--rm` container) from
//! what was recorded while it ran since the step opened. Either way the pattern is matched
//! against the head and tail of a [`crate::output::BoundedOutput`].

use super::support::{Among, excerpt, is_this_runs, missing, regex};
use super::{Cause, CheckEnv, Observed, Unknown, not_holds, observation};
use crate::lab::OutputCheck;
use crate::recorder::Capture;

pub(super) fn describe(o: &OutputCheck, positive: bool) -> String {
    format!(
        "{} {}printed /{}/",
        o.container,
        if positive { "" } else { "has not " },
        o.matches
    )
}

pub(super) async fn observe(o: &OutputCheck, env: &CheckEnv<'_>) -> Observed {
    let re = regex(&o.matches)?;
    let text = match env.container(&o.container).await? {
        Some(info) => env.engine.logs(&info.id).await?.text(),
        None => {
            let gone = env.recorder.is_following().then(|| {
                env.recorder
                    .containers_since(env.opened_ns)
                    .into_iter()
                    .rfind(|r| r.name == o.container && is_this_runs(env, r))
            });
            match gone.flatten() {
                None => return not_holds(missing(env, Among::Containers, &o.container).await),
                Some(r) => match r.capture {
                    Capture::Lost(why) => {
                        return Err(Unknown::new(
                            Cause::NotObserved,
                            format!(
                                "could not check: {} is gone and its output could not be captured: {why}",
                                o.container
                            ),
                        ));
                    }
                    _ => r.output.text(),
                },
            }
        }
    };
    observation(
        re.is_match(&text),
        format!("{} printed: {}", o.container, excerpt(&text)),
    )
}
