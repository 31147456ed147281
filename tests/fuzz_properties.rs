//! Property tests with generated hostile inputs, on stable Rust: the lab loader, the
//! docker-command parser and the submission reader each take any text and answer with a value
//! or an error, never a panic, never a hang.
//!
//! Each property runs for `LABRUNNER_FUZZ_SECONDS` seconds (default 2; CI gives 20 each, so a
//! minute in all) with fresh random inputs every run. A failing input is shrunk and written to
//! `tests/fixtures/fuzz-regressions/`, and every input kept there, and every file of the
//! cargo-fuzz corpora in `fuzz/corpus/`, is replayed first.

use std::path::Path;
use std::time::{Duration, Instant};

use labrunner_core::{
    Limits, Policy, PositionIndex, load_str, parse_command as parse, parse_submission,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};

/// No single input may take longer than this (a hang shows up as a failure, not a stall).
const PER_INPUT: Duration = Duration::from_secs(5);

fn budget() -> Duration {
    let secs = std::env::var("LABRUNNER_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    Duration::from_secs(secs)
}

/// Run `property` on inputs from `strategy` until the budget is spent.
fn run_for<S: Strategy<Value = String>>(
    name: &'static str,
    strategy: S,
    property: impl Fn(&str) -> Result<(), TestCaseError>,
) {
    let deadline = Instant::now() + budget();
    let mut cases = 0u64;
    while Instant::now() < deadline || cases == 0 {
        let config = Config {
            cases: 128,
            failure_persistence: Some(Box::new(FileFailurePersistence::Direct(Box::leak(
                format!("tests/fixtures/fuzz-regressions/{name}.txt").into_boxed_str(),
            )))),
            ..Config::default()
        };
        let mut runner = TestRunner::new(config);
        if let Err(e) = runner.run(&strategy, |input| property(&input)) {
            panic!("{name}: {e}");
        }
        cases += 128;
    }
    eprintln!("{name}: {cases} generated inputs, no failure");
}

fn timed(what: &str, input: &str, f: impl FnOnce()) -> Result<(), TestCaseError> {
    let started = Instant::now();
    f();
    let took = started.elapsed();
    prop_assert!(
        took < PER_INPUT,
        "{what} took {took:?} on {} bytes",
        input.len()
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The properties

fn loader_property(text: &str) -> Result<(), TestCaseError> {
    timed("the loader", text, || {
        let path = Path::new("fuzz.yaml");
        match load_str(path, text) {
            Ok(loaded) => {
                let index = PositionIndex::build(text);
                let _ = labrunner_core::lint_lab(&loaded, &index);
            }
            Err(diagnostics) => assert!(!diagnostics.is_empty(), "an error with no diagnostic"),
        }
    })
}

fn parser_property(line: &str) -> Result<(), TestCaseError> {
    let sandbox = Path::new("/home/student/lab");
    let policy = Policy {
        sandbox: Some(sandbox.to_path_buf()),
        allow_host_network: false,
    };
    timed("the parser", line, || {
        for workdir in [None, Some("/home/student/lab")] {
            if let Ok(mut action) = parse(line, workdir) {
                let _ = action.explain();
                let _ = action.dangers(Some(sandbox));
                let _ = policy.check(&action);
                let _ = action.resources();
                action.rename(&|_, name| Some(format!("ns-{name}")));
                let _ = action.explain();
            }
        }
    })
}

fn submission_property(text: &str) -> Result<(), TestCaseError> {
    let limits = Limits {
        max_commands: 20,
        ..Limits::default()
    };
    let started = Instant::now();
    let result = parse_submission(Path::new("fuzz.sh"), text, &limits);
    prop_assert!(started.elapsed() < PER_INPUT);
    if let Ok(commands) = result {
        let lines = text.lines().count().max(1);
        prop_assert!(commands.len() <= limits.max_commands);
        for c in &commands {
            prop_assert!(c.line >= 1 && c.line <= lines, "line {} of {lines}", c.line);
            prop_assert!(!c.text.is_empty());
            prop_assert!(
                !c.text.chars().any(|ch| ch.is_control() && ch != '\t'),
                "a control character reached a command: {:?}",
                c.text
            );
            parser_property(&c.text)?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Generators: fragments of the real formats, glued together with random text

fn glue(fragments: Vec<&'static str>, random: BoxedStrategy<String>) -> BoxedStrategy<String> {
    let piece = prop_oneof![
        3 => proptest::sample::select(fragments).prop_map(str::to_string),
        1 => random,
    ];
    proptest::collection::vec(piece, 0..48)
        .prop_map(|parts| parts.concat())
        .boxed()
}

fn lab_text() -> BoxedStrategy<String> {
    glue(
        vec![
            "format: 1\n",
            "id: l\n",
            "title: t\n",
            "lesson: m\n",
            "difficulty: beginner\n",
            "minutes: 1\n",
            "steps:\n",
            "  - id: s\n",
            "    title: t\n",
            "    instructions: i\n",
            "    solution:\n",
            "      - docker run -d --name web -v $(pwd):/x nginx\n",
            "    checks:\n",
            "      - network: { name: n }\n",
            "      - file: { volume: v, path: a, contains: b }\n",
            "resources:\n",
            "  networks: [n]\n",
            "files:\n",
            "  a/b: c\n",
            "[",
            "]",
            "{",
            "}",
            "&a ",
            "*a ",
            "<<: *a\n",
            "- ",
            ": ",
            "\"",
            "'",
            "\t",
            "\u{0}",
            "\u{feff}",
            "\u{202e}",
            "!!binary ",
            "!!str ",
            "? ",
            "|\n",
            ">-\n",
            "  ",
            "\n",
            "#",
            "---\n",
            "...\n",
            "~",
            "0x1F",
            "1e400",
            "-.inf",
            "%YAML 1.2\n",
            "\\",
            "\r\n",
        ],
        "\\PC{0,12}".boxed(),
    )
}

fn command_line() -> BoxedStrategy<String> {
    glue(
        vec![
            "docker ",
            "run ",
            "create ",
            "exec ",
            "network ",
            "volume ",
            "create ",
            "connect ",
            "rm ",
            "inspect ",
            "logs ",
            "start ",
            "stop ",
            "port ",
            "prune ",
            "-d ",
            "-it ",
            "-v ",
            "--mount ",
            "type=bind,source=$(pwd)/a,target=/b ",
            "type=volume,src=v,dst=/d,volume-opt=o=bind ",
            "type=tmpfs,target=/t,tmpfs-size=1g ",
            "--network ",
            "container:x ",
            "host ",
            "-p ",
            "127.0.0.1:80:80/udp ",
            "8000-8010:80-90 ",
            "--pid ",
            "--ipc ",
            "--uts ",
            "--restart ",
            "always ",
            "on-failure:3 ",
            "--rm ",
            "-e ",
            "A=$B ",
            "--name ",
            "web ",
            "-m ",
            "1.5g ",
            "--pids-limit ",
            "-1 ",
            "--dns ",
            "::1 ",
            "--hostname ",
            "--",
            "'",
            "\"",
            "\\",
            "$(pwd)",
            "${PWD}",
            "$PWD",
            "..",
            "/",
            ":",
            ",",
            "=",
            ";",
            "|",
            "&&",
            "`",
            "$(",
            ")",
            "sh ",
            "-c ",
            "alpine ",
            "nginx:1.25@sha256:",
            "--format ",
            "{{.Name}} ",
            "=false ",
            "-",
            " ",
            "\t",
        ],
        "\\PC{0,8}".boxed(),
    )
}

fn submission_text() -> BoxedStrategy<String> {
    let line = prop_oneof![
        4 => command_line(),
        1 => proptest::sample::select(vec![
            "# a comment", "   ", "$ ", "\\", "\\\\", "docker ps \\", "'", "\"", "\r", "\u{0}",
            "\u{1b}[2J", "\u{202e}", "\u{85}",
        ])
        .prop_map(str::to_string),
        1 => "\\PC{0,40}",
    ];
    proptest::collection::vec(line, 0..30)
        .prop_map(|lines| lines.join("\n"))
        .boxed()
}

// ---------------------------------------------------------------------------------------------

/// Every input the cargo-fuzz targets keep in their corpora still passes.
#[test]
fn the_fuzz_corpora_replay_without_failure() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut replayed = 0;
    for (folder, property) in [
        (
            "load_str",
            loader_property as fn(&str) -> Result<(), TestCaseError>,
        ),
        ("command_parse", parser_property),
    ] {
        let Ok(entries) = std::fs::read_dir(root.join(folder)) else {
            panic!("no corpus at fuzz/corpus/{folder}");
        };
        for entry in entries.flatten() {
            let bytes = std::fs::read(entry.path()).expect("corpus file");
            let text = String::from_utf8_lossy(&bytes);
            property(&text).unwrap_or_else(|e| panic!("{}: {e}", entry.path().display()));
            if folder == "command_parse" {
                submission_property(&text)
                    .unwrap_or_else(|e| panic!("{}: {e}", entry.path().display()));
            }
            replayed += 1;
        }
    }
    assert!(replayed > 100, "only {replayed} corpus inputs");
}

#[test]
fn the_lab_loader_takes_any_text() {
    run_for("lab_loader", lab_text(), loader_property);
}

#[test]
fn the_command_parser_takes_any_line() {
    run_for("command_parser", command_line(), parser_property);
}

#[test]
fn the_submission_reader_takes_any_text() {
    run_for("submission_reader", submission_text(), submission_property);
}
