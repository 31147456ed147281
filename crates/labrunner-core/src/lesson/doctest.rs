//! Lesson doctests: the demonstrations a lesson marks as runnable, and how their shown output is
//! compared with what the daemon printed.
//!
//! A fenced block whose info string carries the word `doctest` is a demonstration:
//!
//! - ```` ```console doctest ````: lines starting with `$ ` are commands; the lines after one,
//!   up to the next `$ `, are the output it must print. A line `...` stands for any number of
//!   lines.
//! - ```` ```sh doctest ````: every line is a command (`#` comments and blank lines skipped);
//!   output is not compared.
//! - the word `cleanup` as well (```` ```sh doctest cleanup ````) marks the lesson's cleanup: it
//!   runs last, also after a failure, and must remove everything the demonstrations created.
//!
//! A line ending in `\` continues on the next one, as in a shell. Commands go through labrunner's
//! own parser and engine, never a shell, so only the docker subset labrunner understands runs.

use std::sync::LazyLock;

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use regex::{Captures, Regex};
use serde::Serialize;

/// One command of a runnable block, with the output the lesson shows for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Demonstration {
    /// 1-based line of the command in the lesson file.
    pub line: usize,
    pub command: String,
    /// The shown output (`console` blocks); `None` when output is not compared.
    pub expected: Option<Vec<String>>,
    /// Part of the lesson's cleanup.
    pub cleanup: bool,
}

/// The word in a fenced block's info string that marks it as runnable.
pub const DOCTEST_MARK: &str = "doctest";
const CLEANUP_MARK: &str = "cleanup";
/// An expected-output line that matches any number of lines.
pub const ANY_LINES: &str = "...";

/// Every runnable command of a lesson, in document order.
pub fn demonstrations(markdown: &str) -> Vec<Demonstration> {
    let mut out = Vec::new();
    let mut open: Option<(Vec<String>, usize, String)> = None; // words, first line, body
    let parser = Parser::new_ext(markdown, Options::ENABLE_YAML_STYLE_METADATA_BLOCKS);
    for (event, range) in parser.into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                let words: Vec<String> = info.split_whitespace().map(str::to_string).collect();
                if words.iter().any(|w| w == DOCTEST_MARK) {
                    let fence_line = line_of(markdown, range.start);
                    open = Some((words, fence_line + 1, String::new()));
                }
            }
            Event::Text(text) => {
                if let Some((_, _, body)) = open.as_mut() {
                    body.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((words, first, body)) = open.take() {
                    let cleanup = words.iter().any(|w| w == CLEANUP_MARK);
                    let console = words.first().is_some_and(|w| w == "console");
                    out.extend(block_commands(&body, first, console, cleanup));
                }
            }
            _ => {}
        }
    }
    out
}

/// The order a doctest runs them in: the demonstrations as they come, then the cleanup.
pub fn in_run_order(demos: &[Demonstration]) -> Vec<&Demonstration> {
    let (body, cleanup): (Vec<_>, Vec<_>) = demos.iter().partition(|d| !d.cleanup);
    body.into_iter().chain(cleanup).collect()
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Splits a block body into commands. `console` bodies have `$ ` prompts and shown output.
fn block_commands(body: &str, first: usize, console: bool, cleanup: bool) -> Vec<Demonstration> {
    let mut out: Vec<Demonstration> = Vec::new();
    let mut pending: Option<(usize, String)> = None; // a command continued with `\`
    for (i, raw) in body.lines().enumerate() {
        let line = first + i;
        if let Some((start, mut text)) = pending.take() {
            text.push(' ');
            text.push_str(raw.trim());
            push_or_continue(&mut out, &mut pending, start, text, console, cleanup);
            continue;
        }
        let command = if console {
            raw.strip_prefix("$ ").map(str::trim)
        } else {
            let t = raw.trim();
            (!t.is_empty() && !t.starts_with('#')).then_some(t)
        };
        match command {
            Some(c) => push_or_continue(&mut out, &mut pending, line, c.into(), console, cleanup),
            None if console => {
                if let Some(Some(expected)) = out.last_mut().map(|d| d.expected.as_mut()) {
                    expected.push(raw.trim_end().to_string());
                }
            }
            None => {}
        }
    }
    if let Some((line, command)) = pending {
        out.push(new_demo(line, command, console, cleanup));
    }
    out
}

fn push_or_continue(
    out: &mut Vec<Demonstration>,
    pending: &mut Option<(usize, String)>,
    line: usize,
    text: String,
    console: bool,
    cleanup: bool,
) {
    match text.strip_suffix('\\') {
        Some(head) => *pending = Some((line, head.trim_end().to_string())),
        None => out.push(new_demo(line, text, console, cleanup)),
    }
}

fn new_demo(line: usize, command: String, console: bool, cleanup: bool) -> Demonstration {
    Demonstration {
        line,
        command,
        expected: console.then(Vec::new),
        cleanup,
    }
}

// ---------------------------------------------------------------------------------------------
// Normalising and comparing output

static FULL_ID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b[0-9a-f]{64}\b").unwrap());
static SHORT_ID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b[0-9a-f]{12}\b").unwrap());
static MAC: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b02:42(:[0-9a-f]{2}){4}\b").unwrap());
static RFC3339: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})").unwrap()
});
static LS_TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} +(\d{2}:\d{2}|\d{4})\b",
    )
    .unwrap()
});
/// IPv4 addresses in the pools the daemon picks from by itself (172.17-31.x.x, 192.168.x.x).
static POOL_ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(172\.(1[7-9]|2[0-9]|3[01])|192\.168)\.\d{1,3}\.\d{1,3}\b").unwrap()
});
/// A host port after an address: ephemeral ones (32768-60999) are the daemon's choice.
static HOST_PORT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"([0-9\]]):(\d{5})\b").unwrap());

/// Replaces what differs from run to run with placeholders: container and network ids
/// (`<id>`), MAC addresses (`<mac>`), times (`<time>`), addresses the daemon picked from its
/// default pools (`<ip>`) and ephemeral host ports (`<port>`). Trailing blanks go too.
pub fn normalise(line: &str) -> String {
    let s = FULL_ID.replace_all(line, "<id>");
    let s = SHORT_ID.replace_all(&s, "<id>");
    let s = MAC.replace_all(&s, "<mac>");
    let s = RFC3339.replace_all(&s, "<time>");
    let s = LS_TIME.replace_all(&s, "<time>");
    let s = POOL_ADDRESS.replace_all(&s, "<ip>");
    let s = HOST_PORT.replace_all(&s, |c: &Captures| match c[2].parse::<u32>() {
        Ok(32768..=60999) => format!("{}:<port>", &c[1]),
        _ => c[0].to_string(),
    });
    s.trim_end().to_string()
}

fn normalised_lines(text: &[String]) -> Vec<String> {
    let mut lines: Vec<String> = text.iter().map(|l| normalise(l)).collect();
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

/// Whether `actual` output matches the `expected` lines after normalising both; `...` in
/// `expected` matches any run of lines.
pub fn output_matches(expected: &[String], actual: &str) -> bool {
    let actual: Vec<String> = actual.lines().map(str::to_string).collect();
    matches_from(&normalised_lines(expected), &normalised_lines(&actual))
}

fn matches_from(expected: &[String], actual: &[String]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first == ANY_LINES => {
            (0..=actual.len()).any(|skip| matches_from(rest, &actual[skip..]))
        }
        Some((first, rest)) => actual
            .split_first()
            .is_some_and(|(a, more)| a == first && matches_from(rest, more)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_blocks_give_commands_with_their_output_and_lines() {
        let md = "# L\n\nText.\n\n```console doctest\n$ docker volume create site\nsite\n$ docker run --rm \\\n    alpine echo hi\nhi\n```\n\n```console\n$ docker ps\n```\n\n```sh doctest cleanup\n# remove it\ndocker volume rm site\n```\n";
        let demos = demonstrations(md);
        assert_eq!(demos.len(), 3, "{demos:?}");
        assert_eq!(demos[0].line, 6);
        assert_eq!(demos[0].command, "docker volume create site");
        assert_eq!(
            demos[0].expected.as_deref(),
            Some(&["site".to_string()][..])
        );
        assert_eq!(demos[1].line, 8);
        assert_eq!(demos[1].command, "docker run --rm alpine echo hi");
        assert_eq!(demos[1].expected.as_deref(), Some(&["hi".to_string()][..]));
        assert!(!demos[1].cleanup);
        assert_eq!(demos[2].line, 19);
        assert_eq!(demos[2].command, "docker volume rm site");
        assert_eq!(demos[2].expected, None);
        assert!(demos[2].cleanup);
    }

    #[test]
    fn normalising_hides_what_changes_between_runs() {
        let cases = [
            (
                "3f1c0a9be2d47c8e1f0a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70",
                "<id>",
            ),
            (
                "remove reports: volume is in use - [15d1c0970aaa15d1c0970aaa15d1c0970aaa15d1c0970aaa15d1c0970aaa1234]",
                "remove reports: volume is in use - [<id>]",
            ),
            (
                "PING web (172.18.0.2): 56 data bytes",
                "PING web (<ip>): 56 data bytes",
            ),
            (
                "inet 10.213.5.2/16 scope global eth0",
                "inet 10.213.5.2/16 scope global eth0",
            ),
            ("80/tcp -> 0.0.0.0:32768", "80/tcp -> 0.0.0.0:<port>"),
            ("80/tcp -> [::]:49153", "80/tcp -> [::]:<port>"),
            ("80/tcp -> 127.0.0.1:18081", "80/tcp -> 127.0.0.1:18081"),
            (
                "drwxr-xr-x    2 root     root          4096 Nov 23 18:22 /data   ",
                "drwxr-xr-x    2 root     root          4096 <time> /data",
            ),
            (
                "\"CreatedAt\": \"2026-11-23T18:20:44Z\",",
                "\"CreatedAt\": \"<time>\",",
            ),
            (
                "\"MacAddress\": \"02:42:ac:1e:00:02\"",
                "\"MacAddress\": \"<mac>\"",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(normalise(input), expected, "{input}");
        }
    }

    #[test]
    fn output_is_compared_line_by_line_with_wildcards() {
        let lines = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(output_matches(&lines(&["a", "b"]), "a\nb\n"));
        assert!(output_matches(&lines(&["a", "b", ""]), "a\nb"));
        assert!(!output_matches(&lines(&["a", "b"]), "a\nc\n"));
        assert!(!output_matches(&lines(&["a"]), "a\nb\n"));
        assert!(!output_matches(&lines(&[]), "a\n"));
        assert!(output_matches(&lines(&[]), ""));
        assert!(output_matches(&lines(&["a", "...", "z"]), "a\nb\nc\nz\n"));
        assert!(output_matches(&lines(&["a", "...", "z"]), "a\nz\n"));
        assert!(!output_matches(&lines(&["a", "...", "z"]), "a\nb\n"));
        assert!(output_matches(
            &lines(&["<id>"]),
            "0123456789ab0123456789ab0123456789ab0123456789ab0123456789abcdef\n"
        ));
    }
}
