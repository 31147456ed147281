//! Content checks for lesson MOD-DOCKER-04: canonical sections in order, a link to every lab
//! file (and every relative link resolving), a well-formed quiz, and lab files that load.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use serde::Deserialize;

const LESSON_ID: &str = "MOD-DOCKER-04";

/// The `##` sections every lesson has, in this order.
const CANONICAL_SECTIONS: &[&str] = &[
    "Metadata",
    "Overview",
    "Learning Objectives",
    "Prerequisites",
    "Why This Exists",
    "Core Concepts",
    "Architecture",
    "Real-World Example",
    "Hands-on Demonstration",
    "Hands-on Lab",
    "Verification",
    "Troubleshooting",
    "Cleanup",
    "Production Notes",
    "Common Mistakes",
    "Failure-Driven Learning",
    "Engineering Decisions",
    "Best Practices",
    "Summary",
    "Cheat Sheet",
    "Knowledge Check",
    "Interview Preparation",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn lesson_path() -> PathBuf {
    root().join("lessons").join(format!("{LESSON_ID}.md"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The text of every heading of `level`, in document order.
fn headings(markdown: &str, level: HeadingLevel) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Heading { level: l, .. }) if l == level => {
                current = Some(String::new())
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = current.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(l)) if l == level => {
                if let Some(h) = current.take() {
                    out.push(h.trim().to_string());
                }
            }
            _ => {}
        }
    }
    out
}

/// Destinations of every markdown link, with the `##` section each one appears in.
fn links(markdown: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut in_h2 = false;
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H2,
                ..
            }) => {
                in_h2 = true;
                section.clear();
            }
            Event::End(TagEnd::Heading(HeadingLevel::H2)) => in_h2 = false,
            Event::Text(t) if in_h2 => section.push_str(&t),
            Event::Start(Tag::Link { dest_url, .. }) => {
                out.push((section.clone(), dest_url.to_string()))
            }
            _ => {}
        }
    }
    out
}

fn lab_files() -> Vec<PathBuf> {
    let dir = root().join("labs").join(LESSON_ID);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn lesson_has_every_canonical_section_in_order() {
    let text = read(&lesson_path());
    let found = headings(&text, HeadingLevel::H2);
    let expected: Vec<String> = CANONICAL_SECTIONS.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        found, expected,
        "the lesson's `##` sections must be exactly the canonical ones, in order"
    );

    let titles = headings(&text, HeadingLevel::H1);
    assert_eq!(titles.len(), 1, "exactly one `#` title, found {titles:?}");
    assert!(
        titles[0].starts_with(LESSON_ID),
        "the title names the lesson id: {}",
        titles[0]
    );
}

#[test]
fn lesson_metadata_names_the_lesson() {
    let text = read(&lesson_path());
    let metadata = text
        .split("\n## ")
        .find(|s| s.starts_with("Metadata"))
        .expect("a Metadata section");
    for needle in [
        "Lesson ID:** MOD-DOCKER-04",
        "Module:**",
        "Difficulty:**",
        "Duration:**",
        "Version:**",
        "Last updated:** 2026-11-23",
    ] {
        assert!(metadata.contains(needle), "Metadata lacks `{needle}`");
    }
}

#[test]
fn hands_on_lab_section_links_every_lab_file() {
    let text = read(&lesson_path());
    let lab_links: BTreeSet<String> = links(&text)
        .into_iter()
        .filter(|(section, _)| section == "Hands-on Lab")
        .map(|(_, dest)| dest)
        .collect();
    let files = lab_files();
    assert!(
        files.len() >= 8,
        "expected the eight labs, found {}",
        files.len()
    );
    for file in &files {
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .expect("utf-8 file name");
        let wanted = format!("../labs/{LESSON_ID}/{name}");
        assert!(
            lab_links.contains(&wanted),
            "the Hands-on Lab section does not link {wanted}"
        );
    }
}

#[test]
fn every_relative_link_in_the_lesson_resolves() {
    let text = read(&lesson_path());
    let base = lesson_path().parent().expect("lessons/").to_path_buf();
    let mut checked = 0;
    for (section, dest) in links(&text) {
        if dest.contains("://") || dest.starts_with('#') || dest.starts_with("mailto:") {
            continue;
        }
        let path = dest.split('#').next().unwrap_or(&dest);
        let target = base.join(path);
        assert!(
            target.exists(),
            "link `{dest}` in section {section} points to a missing file {}",
            target.display()
        );
        checked += 1;
    }
    assert!(
        checked >= 8,
        "expected at least the eight lab links, checked {checked}"
    );
}

#[test]
fn code_blocks_say_their_language() {
    let text = read(&lesson_path());
    let mut open = false;
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            if !open {
                assert!(
                    !info.trim().is_empty(),
                    "line {}: a fenced code block without a language",
                    n + 1
                );
            }
            open = !open;
        }
    }
    assert!(!open, "an unclosed fenced code block");
}

#[test]
fn lesson_text_has_no_exclamation_marks() {
    let text = read(&lesson_path());
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
            "line {}: exclamation mark in prose: {line}",
            n + 1
        );
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

fn quiz() -> Quiz {
    let path = root()
        .join("lessons")
        .join(format!("{LESSON_ID}.quiz.yaml"));
    serde_yaml::from_str(&read(&path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn quiz_parses_and_every_answer_index_is_valid() {
    let quiz = quiz();
    assert_eq!(quiz.lesson, LESSON_ID);

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
                assert!(
                    q.choices.len() >= 2,
                    "{}: a choice question needs at least two choices",
                    q.id
                );
                let answer = q
                    .answer
                    .unwrap_or_else(|| panic!("{}: a choice question needs `answer`", q.id));
                assert!(
                    answer < q.choices.len(),
                    "{}: answer {answer} is not an index into {} choices",
                    q.id,
                    q.choices.len()
                );
                let distinct: BTreeSet<&String> = q.choices.iter().collect();
                assert_eq!(distinct.len(), q.choices.len(), "{}: repeated choice", q.id);
                assert!(
                    q.model_answer.is_none(),
                    "{}: `model_answer` belongs to text questions",
                    q.id
                );
            }
            Kind::Text => {
                let model = q.model_answer.as_deref().unwrap_or_default();
                assert!(
                    !model.trim().is_empty(),
                    "{}: a text question needs `model_answer`",
                    q.id
                );
                assert!(
                    q.choices.is_empty() && q.answer.is_none(),
                    "{}: a text question has no choices",
                    q.id
                );
            }
        }
    }
    let choice = quiz
        .questions
        .iter()
        .filter(|q| q.kind == Kind::Choice)
        .count();
    let text = quiz
        .questions
        .iter()
        .filter(|q| q.kind == Kind::Text)
        .count();
    assert!(
        choice >= 5,
        "at least five choice questions, found {choice}"
    );
    assert!(text >= 3, "at least three text questions, found {text}");
}

#[test]
fn quiz_answers_are_not_always_in_the_same_place() {
    let quiz = quiz();
    let positions: BTreeSet<usize> = quiz.questions.iter().filter_map(|q| q.answer).collect();
    assert!(
        positions.len() >= 2,
        "every choice answer sits at the same index: {positions:?}"
    );
}

#[test]
fn every_lab_loads_and_belongs_to_the_lesson() {
    for file in lab_files() {
        let text = read(&file);
        assert!(
            text.starts_with("# yaml-language-server: $schema=../../schema/lab.schema.json\n"),
            "{}: first line must point editors at the schema",
            file.display()
        );
        let lab: labrunner_core::lab::Lab =
            serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("utf-8 file stem");
        assert_eq!(lab.id, stem, "{}: the id is the file name", file.display());
        assert_eq!(lab.lesson, LESSON_ID, "{}", file.display());
        assert_eq!(
            lab.format,
            labrunner_core::lab::FORMAT_VERSION,
            "{}",
            file.display()
        );
        assert!(!lab.steps.is_empty(), "{}: no steps", file.display());
        let mut step_ids = BTreeSet::new();
        for step in &lab.steps {
            assert!(
                step_ids.insert(step.id.as_str()),
                "{}: duplicate step id {}",
                file.display(),
                step.id
            );
            assert!(
                !step.solution.is_empty(),
                "{}: step {} has no solution",
                file.display(),
                step.id
            );
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
            for (i, check) in step.checks.iter().enumerate() {
                assert!(
                    check.kind().is_some(),
                    "{}: step {} check {i} must have exactly one kind",
                    file.display(),
                    step.id
                );
            }
        }
    }
}

#[test]
fn labs_use_only_the_mapped_images_and_ports() {
    let allowed_images = ["alpine", "alpine:latest", "nginx", "nginx:latest"];
    for file in lab_files() {
        let lab: labrunner_core::lab::Lab = serde_yaml::from_str(&read(&file)).expect("lab loads");
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
                let image_named = words.iter().any(|w| allowed_images.contains(&w.as_str()));
                assert!(
                    image_named,
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
                            host_port == "8080" || host_port == "8081",
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

#[test]
fn every_named_container_network_and_volume_is_declared() {
    for file in lab_files() {
        let lab: labrunner_core::lab::Lab = serde_yaml::from_str(&read(&file)).expect("lab loads");
        let declared: BTreeSet<&str> = lab
            .resources
            .containers
            .iter()
            .chain(lab.resources.networks.iter())
            .chain(lab.resources.volumes.iter())
            .map(String::as_str)
            .collect();
        let commands = lab
            .setup
            .iter()
            .chain(lab.steps.iter().flat_map(|s| s.solution.iter()));
        for command in commands {
            let words = shell_words::split(command.text()).expect("command splits into words");
            let mut created: Vec<String> = Vec::new();
            for (i, word) in words.iter().enumerate() {
                if word == "--name" {
                    created.extend(words.get(i + 1).cloned());
                }
                if let Some(spec) = word.strip_prefix("type=volume,source=") {
                    created.extend(spec.split(',').next().map(str::to_string));
                }
            }
            match (
                words.get(1).map(String::as_str),
                words.get(2).map(String::as_str),
            ) {
                (Some("network"), Some("create")) | (Some("volume"), Some("create")) => {
                    created.extend(words.last().cloned());
                }
                _ => {}
            }
            for name in created {
                assert!(
                    declared.contains(name.as_str()),
                    "{}: `{}` creates `{name}`, which is not under resources",
                    file.display(),
                    command.text()
                );
            }
        }
    }
}

#[test]
fn labrunner_validate_accepts_every_lab_without_warnings() {
    let labs = root().join("labs").join(LESSON_ID);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_labrunner"))
        .arg("validate")
        .arg(&labs)
        .output()
        .expect("run labrunner validate");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "validate failed:\n{stdout}{stderr}");
    let count = lab_files().len();
    assert!(
        stdout.contains(&format!("{count} files, 0 errors, 0 warnings")),
        "validate reported diagnostics:\n{stdout}{stderr}"
    );
}
