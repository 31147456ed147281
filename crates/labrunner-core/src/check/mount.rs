//! `mount`: a container has a mount of a type at a target, optionally from a source and
//! read-only. tmpfs from `--tmpfs` (HostConfig.Tmpfs) counts like one in Mounts.

use super::support::{Among, expand_pwd, list, missing, same_source};
use super::{CheckEnv, Observed, not_holds, observation};
use crate::lab::MountCheck;

pub(super) fn describe(m: &MountCheck, positive: bool) -> String {
    let ro = match m.read_only {
        Some(true) => " read-only",
        Some(false) => " read-write",
        None => "",
    };
    let src = m
        .source
        .as_ref()
        .map(|s| format!(" from {s}"))
        .unwrap_or_default();
    format!(
        "container {} {}has a{ro} {} mount{src} at {}",
        m.container,
        if positive { "" } else { "no longer " },
        m.kind,
        m.target
    )
}

/// A read-only root file system (`--read-only`), said beside the mounts it does not change.
fn root(info: &crate::engine::ContainerInfo) -> &'static str {
    if info.read_only_root {
        "; its root file system is read-only"
    } else {
        ""
    }
}

pub(super) async fn observe(m: &MountCheck, env: &CheckEnv<'_>) -> Observed {
    let Some(info) = env.container(&m.container).await? else {
        return not_holds(missing(env, Among::Containers, &m.container).await);
    };
    let kind_name = |k: Option<crate::command::MountKind>| k.map_or("other", |k| k.as_str());
    let Some(mount) = info.mounts.iter().find(|x| x.target == m.target) else {
        let seen: Vec<String> = info
            .mounts
            .iter()
            .map(|x| format!("{} at {}", kind_name(x.kind), x.target))
            .collect();
        return not_holds(format!(
            "{} has no mount at {} (mounts: {}){}",
            info.name,
            m.target,
            list(&seen),
            root(&info)
        ));
    };
    let ro = if mount.read_only {
        "read-only"
    } else {
        "read-write"
    };
    let source = if mount.source.is_empty() {
        "-"
    } else {
        &mount.source
    };
    let seen = format!(
        "{} has a {ro} {} mount of {source} at {}{}",
        info.name,
        kind_name(mount.kind),
        mount.target,
        root(&info)
    );
    let kind_ok = mount.kind == Some(m.kind);
    let ro_ok = m.read_only.is_none_or(|r| r == mount.read_only);
    let source_ok = m
        .source
        .as_ref()
        .is_none_or(|s| same_source(&expand_pwd(s, env.workdir), &mount.source));
    observation(kind_ok && ro_ok && source_ok, seen)
}
