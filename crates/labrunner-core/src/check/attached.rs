//! `attached`: a container is attached to a network.

use super::support::list;
use super::{CheckEnv, Observed, not_holds, observation};
use crate::lab::AttachedCheck;

pub(super) fn describe(a: &AttachedCheck, positive: bool) -> String {
    format!(
        "container {} is {}attached to network {}",
        a.container,
        if positive { "" } else { "not " },
        a.network
    )
}

pub(super) async fn observe(a: &AttachedCheck, env: &CheckEnv<'_>) -> Observed {
    let Some(info) = env.engine.container(&a.container).await? else {
        return not_holds(format!("no container named {}", a.container));
    };
    let seen = format!("{} is attached to {}", info.name, list(&info.networks));
    observation(info.networks.contains(&a.network), seen)
}
