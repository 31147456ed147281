//! `network`: a network exists, optionally with a driver, a subnet, an ip range, a gateway and
//! labels.

use super::support::{Among, list, missing};
use super::{CheckEnv, Observed, not_holds, observation};
use crate::engine::NetworkInfo;
use crate::lab::NetworkCheck;

pub(super) fn describe(n: &NetworkCheck, positive: bool) -> String {
    let mut s = format!(
        "network {} {}exists",
        n.name,
        if positive { "" } else { "no longer " }
    );
    let mut with = Vec::new();
    if let Some(d) = &n.driver {
        with.push(format!("driver {d}"));
    }
    if let Some(sub) = &n.subnet {
        with.push(format!("subnet {sub}"));
    }
    if let Some(r) = &n.ip_range {
        with.push(format!("ip range {r}"));
    }
    if let Some(g) = &n.gateway {
        with.push(format!("gateway {g}"));
    }
    for (k, v) in &n.labels {
        with.push(label(k, v));
    }
    if !with.is_empty() {
        s.push_str(&format!(" ({})", with.join(", ")));
    }
    s
}

fn label(key: &str, value: &str) -> String {
    if value.is_empty() {
        format!("label {key}")
    } else {
        format!("label {key}={value}")
    }
}

/// What the network is, in the terms the check asks about.
fn seen(n: &NetworkCheck, net: &NetworkInfo) -> String {
    let mut parts = vec![
        format!("driver {}", net.driver),
        format!("subnets {}", list(&net.subnets)),
    ];
    if n.ip_range.is_some() {
        parts.push(if net.ip_ranges.is_empty() {
            "no ip range".into()
        } else {
            format!("ip ranges {}", list(&net.ip_ranges))
        });
    }
    if n.gateway.is_some() {
        parts.push(if net.gateways.is_empty() {
            "no gateway".into()
        } else {
            format!("gateways {}", list(&net.gateways))
        });
    }
    if !n.labels.is_empty() {
        // labrunner's own labels say nothing the student did.
        let own: Vec<String> = net
            .labels
            .iter()
            .filter(|(k, _)| !k.starts_with("io.labrunner."))
            .map(|(k, v)| label(k, v))
            .collect();
        parts.push(if own.is_empty() {
            "no labels".into()
        } else {
            own.join(", ")
        });
    }
    format!("network {} ({})", net.name, parts.join(", "))
}

pub(super) async fn observe(n: &NetworkCheck, env: &CheckEnv<'_>) -> Observed {
    let Some(net) = env.engine.network(&n.name).await? else {
        return not_holds(missing(env, Among::Networks, &n.name).await);
    };
    let driver_ok = n.driver.as_ref().is_none_or(|d| *d == net.driver);
    let subnet_ok = n.subnet.as_ref().is_none_or(|s| net.subnets.contains(s));
    let range_ok = n
        .ip_range
        .as_ref()
        .is_none_or(|r| net.ip_ranges.contains(r));
    let gateway_ok = n.gateway.as_ref().is_none_or(|g| net.gateways.contains(g));
    let labels_ok = n.labels.iter().all(|(k, v)| net.labels.get(k) == Some(v));
    observation(
        driver_ok && subnet_ok && range_ok && gateway_ok && labels_ok,
        seen(n, &net),
    )
}
