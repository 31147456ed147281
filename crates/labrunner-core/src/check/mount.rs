//! `mount`: a container has a mount of a type at a target, optionally from a source and
//! read-only; a tmpfs optionally of a size, a mode and with mount options. tmpfs from `--tmpfs`
//! (HostConfig.Tmpfs) counts like one in Mounts.

use super::support::{Among, expand_pwd, list, missing, same_source};
use super::{CheckEnv, Observed, not_holds, observation};
use crate::engine::{TmpfsInfo, parse_size};
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
    let mut s = format!(
        "container {} {}has a{ro} {} mount{src} at {}",
        m.container,
        if positive { "" } else { "no longer " },
        m.kind,
        m.target
    );
    let mut with = Vec::new();
    if let Some(size) = &m.size {
        with.push(format!("size {size}"));
    }
    if let Some(mode) = &m.mode {
        with.push(format!("mode {mode}"));
    }
    with.extend(m.options.iter().cloned());
    if !with.is_empty() {
        s.push_str(&format!(" ({})", with.join(", ")));
    }
    s
}

/// A tmpfs's size, mode and options as the check compares them, in words; empty when the check
/// asks about none of them.
fn tmpfs_seen(m: &MountCheck, tmpfs: Option<&TmpfsInfo>) -> String {
    if m.size.is_none() && m.mode.is_none() && m.options.is_empty() {
        return String::new();
    }
    let Some(t) = tmpfs else {
        return String::new();
    };
    let size = t
        .size_bytes
        .map_or("no size limit (half the memory)".to_string(), size_words);
    let mode = t.mode.map_or("the default mode (1777)".to_string(), |m| {
        format!("mode {m:o}")
    });
    let options = if t.options.is_empty() {
        String::new()
    } else {
        format!(", options {}", t.options.join(","))
    };
    format!(" ({size}, {mode}{options})")
}

/// Bytes in the largest binary unit that divides them (`16m`, `16384k`).
fn size_words(bytes: i64) -> String {
    for (unit, shift) in [("g", 30), ("m", 20), ("k", 10)] {
        if bytes != 0 && bytes % (1 << shift) == 0 {
            return format!("size {}{unit}", bytes >> shift);
        }
    }
    format!("size {bytes} bytes")
}

/// Whether a tmpfs has the size, mode and options the check asks for.
fn tmpfs_ok(m: &MountCheck, tmpfs: Option<&TmpfsInfo>) -> bool {
    let default = TmpfsInfo::default();
    let t = tmpfs.unwrap_or(&default);
    let size_ok = m
        .size
        .as_ref()
        .is_none_or(|s| parse_size(s).is_some_and(|want| t.size_bytes == Some(want)));
    let mode_ok = m.mode.as_ref().is_none_or(|want| {
        u32::from_str_radix(want, 8).is_ok_and(|want| t.mode.unwrap_or(0o1777) == want)
    });
    let options_ok = m.options.iter().all(|o| t.options.contains(o));
    size_ok && mode_ok && options_ok
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
        "{} has a {ro} {} mount of {source} at {}{}{}",
        info.name,
        kind_name(mount.kind),
        mount.target,
        tmpfs_seen(m, mount.tmpfs.as_ref()),
        root(&info)
    );
    let kind_ok = mount.kind == Some(m.kind);
    let ro_ok = m.read_only.is_none_or(|r| r == mount.read_only);
    let source_ok = m
        .source
        .as_ref()
        .is_none_or(|s| same_source(&expand_pwd(s, env.workdir), &mount.source));
    let tmpfs_ok = tmpfs_ok(m, mount.tmpfs.as_ref());
    observation(kind_ok && ro_ok && source_ok && tmpfs_ok, seen)
}
