//! `exec`: a command run in a container exits with a code and/or prints a pattern.

use super::support::{both, excerpt, exec, is_missing_command, no_tool, regex, running};
use super::{Cause, CheckEnv, Observed, Unknown, observation};
use crate::lab::ExecCheck;

pub(super) fn describe(e: &ExecCheck, positive: bool) -> String {
    let mut s = format!("`{}` in {}", e.command, e.container);
    if let Some(code) = e.exit_code {
        s.push_str(&format!(" exits with {code}"));
    }
    if let Some(out) = &e.output {
        s.push_str(&format!(" prints \"{}\"", crate::pattern::plain(out)));
    }
    if positive { s } else { format!("not: {s}") }
}

pub(super) async fn observe(e: &ExecCheck, env: &CheckEnv<'_>) -> Observed {
    running(env, &e.container).await?;
    let words = shell_words::split(&e.command)
        .map_err(|err| Unknown::new(Cause::InvalidCheck, format!("could not check: {err}")))?;
    let out = exec(env, &e.container, &words).await?;
    if is_missing_command(&out) {
        let tool = words.first().map(String::as_str).unwrap_or("");
        return Err(no_tool(&out, tool, &e.container));
    }
    let text = both(&out);
    let code = out.exit_code.unwrap_or(-1);
    let code_ok = e.exit_code.is_none_or(|c| c == code);
    let output_ok = match &e.output {
        Some(p) => regex(p)?.is_match(&text),
        None => true,
    };
    observation(
        code_ok && output_ok,
        format!("`{}` exited {code}: {}", e.command, excerpt(&text)),
    )
}
