//! `container_ran`: a container ran since the step opened, seen in the daemon's events, so a
//! `docker run --rm` reader that is gone by the time anyone looks still counts, with its exit
//! code and what it printed. Only containers created since the step opened count, never
//! labrunner's own helpers.

use std::time::Duration;

use regex::Regex;

use super::support::{excerpt, expand_pwd, is_this_runs, recorder, regex, same_source};
use super::{Cause, CheckEnv, Observed, Unknown, holds, not_holds};
use crate::lab::ContainerRanCheck;
use crate::recorder::{Capture, ContainerRecord};

/// How long a check waits for a container that was just seen to be inspected, or for the last
/// bytes of a container that just ended.
const CATCH_UP: Duration = Duration::from_secs(2);

pub(super) fn describe(c: &ContainerRanCheck, positive: bool) -> String {
    let mut s = String::from(if positive {
        "a container ran"
    } else {
        "no container ran"
    });
    if let Some(name) = &c.name {
        s.push_str(&format!(" named {name}"));
    }
    if let Some(image) = &c.image {
        s.push_str(&format!(" from {image}"));
    }
    if let Some(m) = &c.mount {
        match (&m.source, &m.target) {
            (Some(src), Some(target)) => s.push_str(&format!(" with {src} mounted at {target}")),
            (Some(src), None) => s.push_str(&format!(" with {src} mounted")),
            (None, Some(target)) => s.push_str(&format!(" with a mount at {target}")),
            (None, None) => s.push_str(" with a mount"),
        }
    }
    if let Some(cmd) = &c.command {
        s.push_str(&format!(" running /{cmd}/"));
    }
    if let Some(code) = c.exit_code {
        s.push_str(&format!(", exited {code}"));
    }
    if let Some(out) = &c.output {
        s.push_str(&format!(", printed /{out}/"));
    }
    if let Some(user) = &c.user {
        s.push_str(&format!(", as user {user}"));
    }
    s
}

/// The check's patterns, compiled once.
struct Wanted<'c> {
    check: &'c ContainerRanCheck,
    command: Option<Regex>,
    output: Option<Regex>,
}

/// How a record differs from what the check wants, in words (empty: it matches).
fn differences(w: &Wanted<'_>, r: &ContainerRecord, env: &CheckEnv<'_>) -> Vec<String> {
    let c = w.check;
    let mut out = Vec::new();
    if let Some(name) = &c.name
        && r.name != *name
    {
        out.push(format!("it was named {}, not {name}", r.label()));
    }
    if let Some(image) = &c.image
        && !env.image_map.accepts(image, &r.image)
    {
        out.push(format!("it ran {}, not {image}", r.image));
    }
    if !r.inspected {
        if c.mount.is_some() || c.command.is_some() || c.user.is_some() {
            out.push("it was gone before labrunner could inspect it".into());
        }
    } else {
        if let Some(m) = &c.mount {
            let source = m.source.as_ref().map(|s| expand_pwd(s, env.workdir));
            let found = r.mounts.iter().any(|seen| {
                m.target
                    .as_ref()
                    .is_none_or(|t| same_source(t, &seen.target))
                    && source.as_ref().is_none_or(|s| same_source(s, &seen.source))
            });
            if !found {
                let mounts: Vec<String> = r
                    .mounts
                    .iter()
                    .map(|m| format!("{}:{}", m.source, m.target))
                    .collect();
                out.push(if mounts.is_empty() {
                    "it mounted nothing".into()
                } else {
                    format!("it mounted {}", mounts.join(", "))
                });
            }
        }
        if let Some(re) = &w.command
            && !re.is_match(&r.command_line())
        {
            out.push(format!("it ran `{}`", r.command_line()));
        }
        if let Some(user) = &c.user
            && !super::user::same_user(user, &r.user)
        {
            out.push(format!("it ran as {}", super::user::shown(&r.user)));
        }
    }
    if let Some(code) = c.exit_code {
        match r.exit_code {
            None => out.push("it has not exited yet".into()),
            Some(e) if e != code => out.push(format!("it exited {e}")),
            Some(_) => {}
        }
    }
    if let Some(re) = &w.output {
        let printed = r.output.text();
        match &r.capture {
            Capture::Lost(_) => {}
            _ if re.is_match(&printed) => {}
            Capture::Reading => out.push(format!("it has printed so far: {}", excerpt(&printed))),
            _ => out.push(format!("it printed: {}", excerpt(&printed))),
        }
    }
    out
}

/// Whether the record may still change in a way the check cares about (inspection or the last
/// output on its way).
fn settling(w: &Wanted<'_>, r: &ContainerRecord) -> bool {
    let inspecting = !r.inspected && !r.removed;
    let last_output = w.output.is_some() && r.died_ns.is_some() && r.capture == Capture::Reading;
    inspecting || last_output
}

pub(super) async fn observe(c: &ContainerRanCheck, env: &CheckEnv<'_>) -> Observed {
    let recorder = recorder(env)?;
    let wanted = Wanted {
        check: c,
        command: c.command.as_deref().map(regex).transpose()?,
        output: c.output.as_deref().map(regex).transpose()?,
    };
    let deadline = tokio::time::Instant::now() + CATCH_UP;
    let records = loop {
        let mut records = recorder.containers_since(env.opened_ns);
        records.retain(|r| is_this_runs(env, r));
        let unsettled: Vec<&ContainerRecord> =
            records.iter().filter(|r| settling(&wanted, r)).collect();
        if unsettled.is_empty() {
            break records;
        }
        if tokio::time::Instant::now() >= deadline {
            // The record's own stream is slow (a busy daemon): ask the daemon directly.
            for r in unsettled {
                recorder.fill_from_daemon(env.engine, &r.id).await;
            }
            let mut records = recorder.containers_since(env.opened_ns);
            records.retain(|r| is_this_runs(env, r));
            break records;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut closest: Option<(&ContainerRecord, Vec<String>)> = None;
    // The latest container first: it is the one the student just ran.
    for r in records.iter().rev() {
        let diff = differences(&wanted, r, env);
        if diff.is_empty() {
            return matched(&wanted, r);
        }
        // The container of the name asked for is the closest whatever else differs.
        let rank = |r: &ContainerRecord, d: &Vec<String>| {
            (c.name.as_ref().is_some_and(|n| r.name != *n), d.len())
        };
        if closest
            .as_ref()
            .is_none_or(|(best, d)| rank(r, &diff) < rank(best, d))
        {
            closest = Some((r, diff));
        }
    }
    match closest {
        None => not_holds("no container ran since this step opened"),
        Some((r, diff)) => not_holds(format!(
            "closest: {} ran `{}`, but {}",
            r.label(),
            r.command_line(),
            diff.join("; ")
        )),
    }
}

fn matched(w: &Wanted<'_>, r: &ContainerRecord) -> Observed {
    let code = r
        .exit_code
        .map(|e| format!(", exited {e}"))
        .unwrap_or_default();
    let ran = format!(
        "{} ({}) ran `{}`{code}",
        r.label(),
        r.image,
        r.command_line()
    );
    match (&w.output, &r.capture) {
        (Some(_), Capture::Lost(why)) => Err(Unknown::new(
            Cause::NotObserved,
            format!("could not check: {ran}, but its output could not be captured: {why}"),
        )),
        (Some(_), _) => holds(format!("{ran} and printed: {}", excerpt(&r.output.text()))),
        (None, _) => holds(ran),
    }
}
