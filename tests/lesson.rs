//! Lessons, checked by the product itself: `labrunner validate` lints every shipped lesson and
//! reports each broken fixture lesson at its line and column; `labrunner test LESSON.md` runs
//! fixture lessons' demonstrations on the real daemon and fails on wrong output, leftovers and
//! missing images. Plus content rules that hold for every lesson and its labs and quiz.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde::Deserialize;

const BIN: &str = env!("CARGO_BIN_EXE_labrunner");
const LINT_FIXTURES: &str = "tests/fixtures/lessons/lessons";
const DOCTEST_FIXTURES: &str = "tests/fixtures/doctest";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn run(args: &[&str]) -> (Output, String) {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(root())
        .output()
        .expect("run labrunner");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, text)
}

/// Every shipped lesson (`lessons/*.md`), with its id.
fn lessons() -> Vec<(String, PathBuf)> {
    let dir = root().join("lessons");
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| {
            let id = p.file_stem().unwrap().to_string_lossy().to_string();
            (id, p)
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no lessons under {}", dir.display());
    out
}

/// The lab files of a lesson.
fn lab_files(lesson_id: &str) -> Vec<PathBuf> {
    let dir = root().join("labs").join(lesson_id);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

// ---------------------------------------------------------------------------------------------
// Lint

#[test]
fn every_shipped_lesson_passes_the_lesson_lint() {
    let (out, text) = run(&["validate", "lessons/"]);
    assert!(out.status.success(), "validate lessons/ failed:\n{text}");
    let count = lessons().len();
    let files = if count == 1 { "file" } else { "files" };
    assert!(
        text.contains(&format!("{count} {files}, 0 errors, 0 warnings")),
        "validate lessons/ reported diagnostics:\n{text}"
    );
}

#[test]
fn a_lesson_that_follows_the_structure_is_clean() {
    let (out, text) = run(&["validate", &format!("{LINT_FIXTURES}/GOOD-LESSON.md")]);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("1 file, 0 errors, 0 warnings"), "{text}");
}

/// (fixture lesson, file the diagnostic names, line, column, severity, message fragment).
const LINT_CASES: &[(&str, &str, usize, usize, &str, &str)] = &[
    (
        "MISSING-SECTION",
        "MISSING-SECTION.md",
        85,
        1,
        "error",
        "missing section `## Troubleshooting Guide`",
    ),
    (
        "OUT-OF-ORDER",
        "OUT-OF-ORDER.md",
        49,
        1,
        "error",
        "section `## Hands-on Lab` is out of order",
    ),
    (
        "UNKNOWN-SECTION",
        "UNKNOWN-SECTION.md",
        13,
        1,
        "error",
        "`## Overview` is not a section of the canonical lesson structure",
    ),
    (
        "DUPLICATE-SECTION",
        "DUPLICATE-SECTION.md",
        93,
        1,
        "error",
        "section `## Summary` appears twice",
    ),
    (
        "MISSING-FIELD",
        "MISSING-FIELD.md",
        3,
        1,
        "error",
        "`## Lesson Metadata` does not state `Learning Track`",
    ),
    (
        "BAD-DIFFICULTY",
        "BAD-DIFFICULTY.md",
        7,
        19,
        "error",
        "difficulty `Hard` is not one the curriculum uses",
    ),
    (
        "WRONG-ID",
        "WRONG-ID.md",
        5,
        18,
        "error",
        "lesson id `SOME-OTHER-ID` does not match the file name `WRONG-ID.md`",
    ),
    (
        "LAB-FIELD-MISSING",
        "LAB-FIELD-MISSING.md",
        45,
        1,
        "error",
        "`## Hands-on Lab` does not state `Environment`",
    ),
    (
        "KC-PART-MISSING",
        "KC-PART-MISSING.md",
        97,
        1,
        "error",
        "`## Knowledge Check` has no part `### Scenario Questions`",
    ),
    (
        "BROKEN-LINK",
        "BROKEN-LINK.md",
        52,
        3,
        "error",
        "link `../labs/BROKEN-LINK/missing.yaml` points at nothing",
    ),
    (
        "LAB-NOT-LINKED",
        "LAB-NOT-LINKED.md",
        45,
        1,
        "error",
        "the lab `forgotten-lab.yaml` is not linked from `## Hands-on Lab`",
    ),
    (
        "SHARED-NAMES",
        "SHARED-NAMES.md",
        45,
        1,
        "warning",
        "container lrlint-same is declared by several labs of this lesson: one-lab, two-lab",
    ),
    (
        "QUIZ-NOT-LINKED",
        "QUIZ-NOT-LINKED.md",
        97,
        1,
        "error",
        "`## Knowledge Check` does not link to its quiz",
    ),
    (
        "QUIZ-BAD-ANSWER",
        "QUIZ-BAD-ANSWER.quiz.yaml",
        1,
        1,
        "error",
        "question `q1`: answer 5 is not one of the 2 choices",
    ),
    (
        "QUIZ-WRONG-LESSON",
        "QUIZ-WRONG-LESSON.quiz.yaml",
        1,
        1,
        "error",
        "the quiz names lesson `ANOTHER`, not `QUIZ-WRONG-LESSON`",
    ),
    (
        "NO-TITLE",
        "NO-TITLE.md",
        1,
        1,
        "error",
        "the lesson has no `#` title",
    ),
    (
        "DEMO-UNRUNNABLE",
        "DEMO-UNRUNNABLE.md",
        44,
        3,
        "error",
        "labrunner cannot run this demonstration: unsupported docker command `docker compose`",
    ),
    (
        "NO-CLEANUP",
        "NO-CLEANUP.md",
        64,
        1,
        "error",
        "the lesson runs demonstrations but has no cleanup block",
    ),
];

#[test]
fn each_broken_lesson_is_reported_at_its_line_and_column_with_a_hint() {
    for (lesson, file, line, column, severity, fragment) in LINT_CASES {
        let path = format!("{LINT_FIXTURES}/{lesson}.md");
        let (out, text) = run(&["validate", &path]);
        let expected = format!("{LINT_FIXTURES}/{file}:{line}:{column}: {severity}: {fragment}");
        let found = text.lines().position(|l| l.starts_with(&expected));
        assert!(
            found.is_some(),
            "{lesson}: expected `{expected}` in:\n{text}"
        );
        let hint = text.lines().nth(found.unwrap() + 1).unwrap_or_default();
        assert!(
            hint.starts_with("  hint: "),
            "{lesson}: no hint after the diagnostic:\n{text}"
        );
        if *severity == "error" {
            assert_eq!(out.status.code(), Some(1), "{lesson}: exit code\n{text}");
        } else {
            assert!(
                out.status.success(),
                "{lesson}: a warning alone fails validate\n{text}"
            );
        }
        // Exactly one problem per fixture, apart from the section a rename leaves missing.
        let problems = text
            .lines()
            .filter(|l| l.contains(": error: ") || l.contains(": warning: "))
            .count();
        let allowed = if *lesson == "UNKNOWN-SECTION" { 2 } else { 1 };
        assert_eq!(
            problems, allowed,
            "{lesson}: unexpected diagnostics:\n{text}"
        );
    }
}

#[test]
fn every_lint_fixture_is_covered_by_a_case() {
    let dir = root().join(LINT_FIXTURES);
    for entry in std::fs::read_dir(&dir).expect("list fixtures") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            let stem = path.file_stem().unwrap().to_string_lossy().to_string();
            assert!(
                stem == "GOOD-LESSON" || LINT_CASES.iter().any(|c| c.0 == stem),
                "{stem}.md has no case in LINT_CASES"
            );
        }
    }
}

#[test]
fn lesson_diagnostics_come_as_json_too() {
    let path = format!("{LINT_FIXTURES}/WRONG-ID.md");
    let (_, text) = run(&["validate", "--json", &path]);
    let diags: serde_json::Value = serde_json::from_str(&text).expect("JSON diagnostics");
    let first = &diags[0];
    assert_eq!(first["line"], 5, "{text}");
    assert_eq!(first["column"], 18, "{text}");
    assert!(
        first["hint"]
            .as_str()
            .is_some_and(|h| h.contains("WRONG-ID")),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------------------
// Doctests on the real daemon

/// `labrunner test` on a fixture lesson, with alpine mapped onto its local stand-in.
fn doctest(fixture: &str) -> (Output, String) {
    let home = tempfile::tempdir().expect("temp home");
    let out = Command::new(BIN)
        .args(["test", "--image-map", "alpine=labrunner-fixture/alpine:1"])
        .arg(format!("{DOCTEST_FIXTURES}/{fixture}"))
        .env_remove("LABRUNNER_IMAGE_MAP")
        .env("LABRUNNER_HOME", home.path())
        .current_dir(root())
        .output()
        .expect("run labrunner test");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, text)
}

fn docker_ok(args: &[&str]) -> bool {
    Command::new("docker")
        .args(args)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

#[test]
fn demonstrations_that_hold_pass_and_leave_nothing_behind() {
    if !common::docker_available() {
        return;
    }
    let (out, text) = doctest("passing.md");
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("passing.md:9: docker exec lrdoc-pass-reader cat /data/note.txt"),
        "{text}"
    );
    assert!(text.contains("cleanup: nothing left behind"), "{text}");
    assert!(
        !docker_ok(&["volume", "inspect", "lrdoc-pass-data"]),
        "the volume is left"
    );
    assert!(
        !docker_ok(&["container", "inspect", "lrdoc-pass-reader"]),
        "the container is left"
    );
}

#[test]
fn output_that_differs_from_the_lesson_fails_at_its_line() {
    if !common::docker_available() {
        return;
    }
    let (out, text) = doctest("wrong-output.md");
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("FAIL tests/fixtures/doctest/wrong-output.md:4:"),
        "{text}"
    );
    assert!(text.contains("| what the lesson claims"), "{text}");
    assert!(text.contains("| what the daemon prints"), "{text}");
}

#[test]
fn a_cleanup_that_forgets_something_fails_and_the_run_removes_it_anyway() {
    if !common::docker_available() {
        return;
    }
    let (out, text) = doctest("leaky-cleanup.md");
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("cleanup left behind: volume lrdoc-leak-data"),
        "{text}"
    );
    assert!(
        text.contains("cleanup left files in the working folder: forgotten"),
        "{text}"
    );
    assert!(
        !docker_ok(&["volume", "inspect", "lrdoc-leak-data"]),
        "the run left its volume"
    );
}

#[test]
fn an_image_that_is_not_here_is_reported_and_never_pulled() {
    if !common::docker_available() {
        return;
    }
    let (out, text) = doctest("missing-image.md");
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(
            "image lrdoc-no-such-image:0 is not on this machine, and a doctest never pulls"
        ),
        "{text}"
    );
    assert!(!docker_ok(&["image", "inspect", "lrdoc-no-such-image:0"]));
}

#[test]
fn a_lesson_with_nothing_marked_runnable_is_an_error() {
    if !common::docker_available() {
        return;
    }
    let (out, text) = doctest("no-demonstrations.md");
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("marks no demonstration as runnable"),
        "{text}"
    );
    assert!(text.contains("```console doctest"), "{text}");
}

#[test]
fn a_resource_that_exists_already_stops_the_run_and_is_kept() {
    if !common::docker_available() {
        return;
    }
    let volume = "lrdoc-pass-data";
    assert!(docker_ok(&["volume", "create", volume]));
    let (out, text) = doctest("passing.md");
    let kept = docker_ok(&["volume", "inspect", volume]);
    let _ = docker_ok(&["volume", "rm", volume]);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(&format!(
            "these already exist and the demonstrations would create them: volume {volume}"
        )),
        "{text}"
    );
    assert!(kept, "the doctest removed a volume it did not create");
    assert!(
        !docker_ok(&["container", "inspect", "lrdoc-pass-reader"]),
        "the run started anyway"
    );
}

/// Every demonstration of the hostile lesson that reaches beyond what it created, with the
/// line and column `validate` reports it at and a piece of its message.
const HOSTILE: &[(usize, usize, &str)] = &[
    (
        6,
        19,
        "a doctest may not run this: `-v /etc:/host` bind-mounts the system folder /etc",
    ),
    (
        7,
        19,
        "a doctest may not run this: `-v /var/run/docker.sock:/var/run/docker.sock` mounts the Docker socket",
    ),
    (8, 19, "a doctest may not run this: `--privileged`"),
    (
        9,
        19,
        "a doctest may not run this: `-v $(pwd)/../..:/up` bind-mounts the system folder /",
    ),
    (
        10,
        15,
        "container lrles-victim-ctr is not created by an earlier demonstration",
    ),
    (
        11,
        16,
        "container lrles-victim-ctr is not created by an earlier demonstration",
    ),
    (
        12,
        23,
        "volume lrles-victim-vol is not created by an earlier demonstration",
    ),
    (
        13,
        21,
        "network lrles-victim-net is not created by an earlier demonstration",
    ),
];

#[test]
fn validate_reports_each_demonstration_that_reaches_beyond_the_lesson_at_its_line_and_column() {
    let path = format!("{DOCTEST_FIXTURES}/hostile.md");
    let (out, text) = run(&["validate", &path]);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for (line, column, fragment) in HOSTILE {
        let expected = format!("{path}:{line}:{column}: error: {fragment}");
        assert!(
            text.lines().any(|l| l.starts_with(&expected)),
            "expected `{expected}` in:\n{text}"
        );
    }
    // The lesson's own volume is its to remove: nothing is said about it.
    assert!(!text.contains("lrles-own is not created"), "{text}");
}

#[test]
fn validate_refuses_what_the_reader_would_cut_at_its_line_and_column() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("DEEP.md");
    let table = format!("| a | b |\n|---|---|\n{}", "| 1 | 2 |\n".repeat(1_001));
    let text = format!("# DEEP: nested\n\n{}x\n\n{table}", "- ".repeat(100_000));
    std::fs::write(&path, text).expect("write");
    let started = std::time::Instant::now();
    let (out, text) = run(&["validate", path.to_str().unwrap()]);
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(1), "{text}");
    let shown = path.display();
    for expected in [
        format!(
            "{shown}:3:33: error: the lesson reader cuts this: lists and quotes nested deeper than 16 levels are not shown"
        ),
        format!(
            "{shown}:1007:1: error: the lesson reader cuts this: table rows beyond 1000 are not shown"
        ),
    ] {
        assert!(
            text.lines().any(|l| l == expected),
            "expected `{expected}` in:\n{text}"
        );
    }
}

/// What a volume holds (names and checksums of its files), read by a helper container.
fn volume_digest(volume: &str) -> String {
    common::docker(&[
        "run",
        "--rm",
        "-v",
        &format!("{volume}:/d:ro"),
        "labrunner-fixture/busybox:1",
        "sh",
        "-c",
        "cd /d && find . -type f | sort | xargs md5sum",
    ])
}

#[test]
fn test_refuses_the_hostile_demonstrations_and_what_existed_before_is_kept_as_it_was() {
    if !common::docker_available() {
        return;
    }
    let (volume, network, container) = ("lrles-victim-vol", "lrles-victim-net", "lrles-victim-ctr");
    let remove = || {
        common::docker_quiet(&["rm", "-f", container]);
        common::docker_quiet(&["volume", "rm", volume]);
        common::docker_quiet(&["network", "rm", network]);
    };
    remove();
    common::docker(&["volume", "create", volume]);
    common::docker(&["network", "create", network]);
    common::docker(&[
        "run",
        "--rm",
        "-v",
        &format!("{volume}:/d"),
        "labrunner-fixture/busybox:1",
        "sh",
        "-c",
        "echo someone elses ledger > /d/ledger.txt && mkdir /d/sub && echo 42 > /d/sub/n",
    ]);
    common::docker(&[
        "run",
        "-d",
        "--name",
        container,
        "--network",
        network,
        "-v",
        &format!("{volume}:/data"),
        "labrunner-fixture/busybox:1",
        "sleep",
        "3600",
    ]);
    let data_before = volume_digest(volume);
    let container_before = common::docker(&[
        "inspect",
        "-f",
        "{{.Id}} {{.State.Status}} {{.State.StartedAt}}",
        container,
    ]);
    let network_before = common::docker(&["network", "inspect", "-f", "{{.Id}}", network]);

    let (out, text) = doctest("hostile.md");

    let container_after = Command::new("docker")
        .args([
            "inspect",
            "-f",
            "{{.Id}} {{.State.Status}} {{.State.StartedAt}}",
            container,
        ])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).to_string());
    let network_after = Command::new("docker")
        .args(["network", "inspect", "-f", "{{.Id}}", network])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).to_string());
    let data_after = docker_ok(&["volume", "inspect", volume]).then(|| volume_digest(volume));
    remove();

    assert_eq!(out.status.code(), Some(1), "{text}");
    for (line, _, _) in HOSTILE {
        assert!(
            text.contains(&format!("FAIL tests/fixtures/doctest/hostile.md:{line}:")),
            "line {line} was not refused:\n{text}"
        );
    }
    assert_eq!(
        text.matches("       refused: ").count(),
        HOSTILE.len(),
        "{text}"
    );
    assert!(text.contains("refused: `--privileged`"), "{text}");
    assert!(
        text.contains("refused: volume lrles-victim-vol was not created by this run"),
        "{text}"
    );
    assert!(text.contains("cleanup: nothing left behind"), "{text}");
    assert_eq!(
        data_after.as_deref(),
        Some(data_before.as_str()),
        "the volume's data changed"
    );
    assert!(data_before.contains("ledger.txt"), "{data_before}");
    assert_eq!(
        container_after.ok().as_deref(),
        Some(container_before.as_str()),
        "the container changed"
    );
    assert_eq!(
        network_after.ok().as_deref(),
        Some(network_before.as_str()),
        "the network changed"
    );
}

// ---------------------------------------------------------------------------------------------
// Content rules for every lesson

#[test]
fn code_blocks_say_their_language() {
    for (_, path) in lessons() {
        let text = read(&path);
        let mut open = false;
        for (n, line) in text.lines().enumerate() {
            let trimmed = line.trim_start();
            if let Some(info) = trimmed.strip_prefix("```") {
                if !open {
                    assert!(
                        !info.trim().is_empty(),
                        "{}:{}: a fenced code block without a language",
                        path.display(),
                        n + 1
                    );
                }
                open = !open;
            }
        }
        assert!(!open, "{}: an unclosed fenced code block", path.display());
    }
}

#[test]
fn lesson_text_has_no_exclamation_marks() {
    for (_, path) in lessons() {
        let text = read(&path);
        let mut in_code = false;
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
                continue;
            }
            if in_code {
                continue;
            }
            // Inline code may hold shell or iptables syntax; prose may not shout.
            let prose: String = line.split('`').step_by(2).collect();
            assert!(
                !prose.contains('!'),
                "{}:{}: exclamation mark in prose: {line}",
                path.display(),
                n + 1
            );
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Quiz {
    lesson: String,
    questions: Vec<Question>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Question {
    id: String,
    kind: Kind,
    prompt: String,
    #[serde(default)]
    choices: Vec<String>,
    answer: Option<usize>,
    model_answer: Option<String>,
    explanation: String,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Choice,
    Text,
}

#[test]
fn every_quiz_answers_its_questions_and_varies_the_right_choice() {
    for (id, path) in lessons() {
        let quiz_path = path.with_file_name(format!("{id}.quiz.yaml"));
        let quiz: Quiz = serde_yaml::from_str(&read(&quiz_path))
            .unwrap_or_else(|e| panic!("{}: {e}", quiz_path.display()));
        assert_eq!(quiz.lesson, id);
        let mut ids = BTreeSet::new();
        for q in &quiz.questions {
            assert!(ids.insert(q.id.as_str()), "duplicate question id {}", q.id);
            assert!(!q.prompt.trim().is_empty(), "{}: empty prompt", q.id);
            assert!(
                !q.explanation.trim().is_empty(),
                "{}: empty explanation",
                q.id
            );
            match q.kind {
                Kind::Choice => {
                    let answer = q.answer.unwrap_or_else(|| panic!("{}: no `answer`", q.id));
                    assert!(q.choices.len() >= 2, "{}: fewer than two choices", q.id);
                    assert!(
                        answer < q.choices.len(),
                        "{}: answer {answer} out of range",
                        q.id
                    );
                    let distinct: BTreeSet<&String> = q.choices.iter().collect();
                    assert_eq!(distinct.len(), q.choices.len(), "{}: repeated choice", q.id);
                    assert!(
                        q.model_answer.is_none(),
                        "{}: model_answer on a choice",
                        q.id
                    );
                }
                Kind::Text => {
                    let model = q.model_answer.as_deref().unwrap_or_default();
                    assert!(!model.trim().is_empty(), "{}: no `model_answer`", q.id);
                    assert!(
                        q.choices.is_empty() && q.answer.is_none(),
                        "{}: choices on text",
                        q.id
                    );
                }
            }
        }
        let positions: BTreeSet<usize> = quiz.questions.iter().filter_map(|q| q.answer).collect();
        assert!(
            positions.len() >= 2,
            "{id}: every right answer at the same index"
        );
    }
}

#[test]
fn every_lab_loads_belongs_to_its_lesson_and_has_escalating_hints() {
    for (id, _) in lessons() {
        for file in lab_files(&id) {
            let text = read(&file);
            assert!(
                text.starts_with("# yaml-language-server: $schema=../../schema/lab.schema.json\n"),
                "{}: first line must point editors at the schema",
                file.display()
            );
            let lab: labrunner_core::Lab =
                serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let stem = file
                .file_stem()
                .and_then(|s| s.to_str())
                .expect("utf-8 file stem");
            assert_eq!(lab.id, stem, "{}: the id is the file name", file.display());
            assert_eq!(lab.lesson, id, "{}", file.display());
            for step in &lab.steps {
                assert!(
                    step.hints.len() >= 2,
                    "{}: step {} needs escalating hints",
                    file.display(),
                    step.id
                );
                assert!(
                    !step.checks.is_empty(),
                    "{}: step {} has no checks",
                    file.display(),
                    step.id
                );
            }
        }
    }
}

/// The host ports the shipped labs publish; the lessons' demonstrations keep off them.
const LAB_HOST_PORTS: [&str; 6] = ["8080", "8081", "8085-8086", "8053", "8090", "8091"];

#[test]
fn labs_use_only_the_mapped_images_and_ports() {
    let allowed_images = ["alpine", "alpine:latest", "nginx", "nginx:latest"];
    for (id, _) in lessons() {
        for file in lab_files(&id) {
            let lab: labrunner_core::Lab = serde_yaml::from_str(&read(&file)).expect("lab loads");
            assert!(
                allowed_images.contains(&lab.image.as_str()),
                "{}: helper image {}",
                file.display(),
                lab.image
            );
            let commands = lab
                .setup
                .iter()
                .chain(lab.cleanup.iter())
                .chain(lab.steps.iter().flat_map(|s| s.solution.iter()));
            for command in commands {
                let words = shell_words::split(command.text()).expect("command splits into words");
                if words.get(1).map(String::as_str) == Some("run") {
                    assert!(
                        words.iter().any(|w| allowed_images.contains(&w.as_str())),
                        "{}: `{}` uses an image outside alpine/nginx",
                        file.display(),
                        command.text()
                    );
                }
                for (i, word) in words.iter().enumerate() {
                    if (word == "-p" || word == "--publish")
                        && let Some(value) = words.get(i + 1)
                    {
                        let parts: Vec<&str> = value.split(':').collect();
                        if parts.len() >= 2 {
                            let host_port = parts[parts.len() - 2];
                            assert!(
                                LAB_HOST_PORTS.contains(&host_port),
                                "{}: host port {host_port} in `{}`",
                                file.display(),
                                command.text()
                            );
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn demonstrations_publish_no_host_port_a_lab_uses() {
    for (_, path) in lessons() {
        for (n, line) in read(&path).lines().enumerate() {
            let Some(command) = line.strip_prefix("$ docker run ") else {
                continue;
            };
            let words = shell_words::split(command).expect("command splits into words");
            for (i, word) in words.iter().enumerate() {
                if (word == "-p" || word == "--publish")
                    && let Some(value) = words.get(i + 1)
                {
                    let parts: Vec<&str> = value.split(':').collect();
                    if parts.len() >= 2 {
                        let host_port = parts[parts.len() - 2];
                        assert!(
                            !LAB_HOST_PORTS.contains(&host_port),
                            "{}:{}: a demonstration publishes host port {host_port}, which a lab uses",
                            path.display(),
                            n + 1
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn the_catalog_lists_each_lessons_labs_in_the_order_the_lesson_links_them() {
    let catalog = labrunner_core::load_catalog(&root()).expect("catalog loads");
    for lesson in &catalog.lessons {
        let Some(markdown) = &lesson.markdown else {
            continue;
        };
        let prefix = format!("](../labs/{}/", lesson.id);
        let linked: Vec<String> = markdown
            .match_indices(&prefix)
            .filter_map(|(i, _)| {
                let rest = &markdown[i + prefix.len()..];
                rest.split_once(".yaml)").map(|(name, _)| name.to_string())
            })
            .fold(Vec::new(), |mut seen, name| {
                if !seen.contains(&name) {
                    seen.push(name);
                }
                seen
            });
        let listed: Vec<String> = lesson
            .labs
            .iter()
            .filter_map(|entry| entry.lab())
            .map(|loaded| loaded.lab.id.clone())
            .collect();
        assert_eq!(listed, linked, "{}: the home screen's lab order", lesson.id);
    }
}

#[test]
fn labrunner_validate_accepts_every_lab_without_warnings() {
    for (id, _) in lessons() {
        let count = lab_files(&id).len();
        if count == 0 {
            continue;
        }
        let (out, text) = run(&["validate", &format!("labs/{id}")]);
        assert!(out.status.success(), "validate failed:\n{text}");
        assert!(
            text.contains(&format!("{count} files, 0 errors, 0 warnings")),
            "{text}"
        );
    }
}
