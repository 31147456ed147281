//! `network`: a network exists, optionally with a driver and a subnet.

use super::support::{Among, list, missing};
use super::{CheckEnv, Observed, not_holds, observation};
use crate::lab::NetworkCheck;

pub(super) fn describe(n: &NetworkCheck, positive: bool) -> String {
    let mut s = format!(
        "network {} {}exists",
        n.name,
        if positive { "" } else { "no longer " }
    );
    if let Some(d) = &n.driver {
        s.push_str(&format!(" (driver {d})"));
    }
    if let Some(sub) = &n.subnet {
        s.push_str(&format!(" (subnet {sub})"));
    }
    s
}

pub(super) async fn observe(n: &NetworkCheck, env: &CheckEnv<'_>) -> Observed {
    let Some(net) = env.engine.network(&n.name).await? else {
        return not_holds(missing(env, Among::Networks, &n.name).await);
    };
    let seen = format!(
        "network {} (driver {}, subnets {})",
        net.name,
        net.driver,
        list(&net.subnets)
    );
    let driver_ok = n.driver.as_ref().is_none_or(|d| *d == net.driver);
    let subnet_ok = n.subnet.as_ref().is_none_or(|s| net.subnets.contains(s));
    observation(driver_ok && subnet_ok, seen)
}
