//! `attached`: a container has a real endpoint on a network, optionally answering to aliases
//! there. A container that was only created while its network did not exist lists the network
//! but has no endpoint on it.

use super::support::{Among, list, missing, near_misses};
use super::{CheckEnv, Observed, not_holds, observation};
use crate::lab::AttachedCheck;

pub(super) fn describe(a: &AttachedCheck, positive: bool) -> String {
    let aliases = if a.aliases.is_empty() {
        String::new()
    } else {
        format!(" as {}", a.aliases.join(", "))
    };
    format!(
        "container {} is {}attached to network {}{aliases}",
        a.container,
        if positive { "" } else { "not " },
        a.network
    )
}

pub(super) async fn observe(a: &AttachedCheck, env: &CheckEnv<'_>) -> Observed {
    let Some(info) = env.container(&a.container).await? else {
        return not_holds(missing(env, Among::Containers, &a.container).await);
    };
    let endpoint = info
        .endpoints
        .get(&a.network)
        .is_some_and(|id| !id.is_empty());
    if endpoint {
        let aliases = info.aliases.get(&a.network).cloned().unwrap_or_default();
        let attached = format!("{} is attached to {}", info.name, list(&info.networks));
        if a.aliases.is_empty() {
            return observation(true, attached);
        }
        let all = a.aliases.iter().all(|x| aliases.contains(x));
        let named = if aliases.is_empty() {
            format!("no aliases on {}", a.network)
        } else {
            format!("aliases {} on {}", aliases.join(", "), a.network)
        };
        return observation(all, format!("{attached}, with {named}"));
    }
    let mut seen = if info.networks.contains(&a.network) {
        format!(
            "{} names {} but has no endpoint on it ({}; does the network exist?)",
            info.name, a.network, info.status
        )
    } else {
        format!(
            "{} is on {}, not {}",
            info.name,
            list(&info.networks),
            a.network
        )
    };
    let close = near_misses(env, Among::Networks, &a.network).await;
    if !close.is_empty() {
        seen.push_str(&format!(
            "; network {} exists: a typo of {}?",
            close.join(", "),
            a.network
        ));
    }
    observation(false, seen)
}
