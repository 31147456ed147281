//! `ran`: the student ran a command in a container, seen in the daemon's exec events,
//! optionally with the code it exited with (the daemon's `exec_die`) and what it printed (seen
//! when labrunner ran it: grading, `test`, "run it for me"). Only the container that has the
//! name now counts (by id, not an earlier one of the same name), only since the step opened,
//! and never labrunner's own probes.

use super::support::{Among, excerpt, is_own_exec, missing, recorder, regex};
use super::{Cause, CheckEnv, Observed, Unknown, holds, not_holds};
use crate::lab::RanCheck;
use crate::recorder::ExecRecord;

pub(super) fn describe(r: &RanCheck, positive: bool) -> String {
    let mut s = format!(
        "`{}` was {}run in {}",
        crate::pattern::plain(&r.command),
        if positive { "" } else { "not " },
        r.container
    );
    if let Some(code) = r.exit_code {
        s.push_str(&format!(", exited {code}"));
    }
    if let Some(out) = &r.output {
        s.push_str(&format!(", printed \"{}\"", crate::pattern::plain(out)));
    }
    s
}

/// How an exec differs from what the check wants, in words (empty: it matches). `None` for an
/// output nobody could see.
fn differences(r: &RanCheck, e: &ExecRecord, output: Option<&regex::Regex>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(code) = r.exit_code {
        match e.exit_code {
            None => out.push("it has not exited yet".into()),
            Some(c) if c != code => out.push(format!("it exited {c}")),
            Some(_) => {}
        }
    }
    if let (Some(re), Some(text)) = (output, &e.output)
        && !re.is_match(text)
    {
        out.push(format!("it printed: {}", excerpt(text)));
    }
    out
}

pub(super) async fn observe(r: &RanCheck, env: &CheckEnv<'_>) -> Observed {
    let re = regex(&r.command)?;
    let output = r.output.as_deref().map(regex).transpose()?;
    let recorder = recorder(env)?;
    let Some(info) = env.container(&r.container).await? else {
        return not_holds(missing(env, Among::Containers, &r.container).await);
    };
    let execs: Vec<ExecRecord> = recorder
        .execs_since(&info.id, env.opened_ns)
        .into_iter()
        .filter(|e| !is_own_exec(&e.command, env))
        .collect();
    if execs.is_empty() {
        return not_holds(format!(
            "nothing was run in {} since this step opened",
            r.container
        ));
    }
    let matching: Vec<&ExecRecord> = execs.iter().filter(|e| re.is_match(&e.command)).collect();
    if matching.is_empty() {
        let commands: Vec<&str> = execs.iter().map(|e| e.command.as_str()).collect();
        return not_holds(format!("{} ran: {}", r.container, commands.join("; ")));
    }
    // The latest first: it is the one the student just ran.
    let mut closest: Option<(&ExecRecord, Vec<String>)> = None;
    for e in matching.iter().rev() {
        let diff = differences(r, e, output.as_ref());
        if diff.is_empty() {
            if output.is_some() && e.output.is_none() {
                continue;
            }
            return holds(ran_words(r, e));
        }
        if closest.as_ref().is_none_or(|(_, d)| diff.len() < d.len()) {
            closest = Some((e, diff));
        }
    }
    match closest {
        Some((e, diff)) => not_holds(format!(
            "`{}` ran in {}, but {}",
            e.command,
            r.container,
            diff.join("; ")
        )),
        // It ran as wanted, but what it printed was not seen.
        None => Err(Unknown::new(
            Cause::NotObserved,
            format!(
                "could not check: `{}` ran in {}, but labrunner sees what a `docker exec` prints only when it runs it itself (grading, test, run it for me)",
                matching[matching.len() - 1].command,
                r.container
            ),
        )),
    }
}

fn ran_words(r: &RanCheck, e: &ExecRecord) -> String {
    let mut s = format!("`{}` ran in {}", e.command, r.container);
    if let Some(code) = e.exit_code.filter(|_| r.exit_code.is_some()) {
        s.push_str(&format!(", exited {code}"));
    }
    if let Some(text) = e.output.as_ref().filter(|_| r.output.is_some()) {
        s.push_str(&format!(", printed: {}", excerpt(text)));
    }
    s
}
