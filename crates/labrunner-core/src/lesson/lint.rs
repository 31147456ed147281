//! Lesson lint: a lesson file against the curriculum's canonical lesson structure, with a
//! `file:line:column` diagnostic and a hint for every problem.
//!
//! The structure is data ([`CANONICAL`]): the `##` sections in order, the fields some of them
//! must state, the `###` parts some must have. Links to labs and the quiz must resolve, every
//! lab of the lesson (`labs/<LESSON>/*.yaml`) must be linked from the Hands-on Lab, and the
//! quiz (`lessons/<LESSON>.quiz.yaml`) must load with an answer for every question. Runnable
//! demonstrations must be commands labrunner can run, and a lesson with any needs a cleanup.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use regex::Regex;

use super::doctest::{Demonstration, demonstrations, in_run_order};
use super::markdown::CutKind;
use crate::command::{Action, ResourceKind};
use crate::load::{Diagnostic, Pos};
use crate::submission::Policy;

/// What the curriculum asks of one `##` section.
#[derive(Debug)]
pub struct SectionRule {
    pub title: &'static str,
    /// `- **Field:** value` lines the section must contain.
    pub fields: &'static [&'static str],
    /// `###` headings the section must contain, in this order.
    pub parts: &'static [&'static str],
}

const fn section(title: &'static str) -> SectionRule {
    SectionRule {
        title,
        fields: &[],
        parts: &[],
    }
}

/// The curriculum's canonical lesson structure, in order.
pub const CANONICAL: &[SectionRule] = &[
    SectionRule {
        title: "Lesson Metadata",
        fields: &[
            "Lesson ID",
            "Module",
            "Difficulty",
            "Estimated Duration",
            "Learning Track",
            "Version",
            "Last Updated",
        ],
        parts: &[],
    },
    section("Lesson Overview"),
    section("Learning Objectives"),
    section("Prerequisites"),
    section("Why This Exists"),
    section("Core Concepts"),
    section("Architecture"),
    section("Real-World Example"),
    section("Hands-on Demonstration"),
    SectionRule {
        title: "Hands-on Lab",
        fields: &["Objective", "Estimated Time", "Difficulty", "Environment"],
        parts: &[],
    },
    section("Verification"),
    section("Troubleshooting"),
    section("Cleanup"),
    section("Production Notes"),
    section("Common Mistakes"),
    section("Failure-Driven Learning"),
    section("Engineering Decisions"),
    section("Best Practices"),
    section("Troubleshooting Guide"),
    section("Summary"),
    section("Cheat Sheet"),
    SectionRule {
        title: "Knowledge Check",
        fields: &[],
        parts: &[
            "Multiple Choice Questions",
            "Scenario Questions",
            "Short Answer Questions",
        ],
    },
    section("Interview Preparation"),
];

/// The difficulty levels the curriculum uses.
pub const DIFFICULTIES: &[&str] = &[
    "Beginner",
    "Beginner to Intermediate",
    "Intermediate",
    "Intermediate to Advanced",
    "Advanced",
];

/// A heading as found: level, text, position, and the byte range of its section's body.
#[derive(Debug, Clone)]
struct Heading {
    level: u8,
    title: String,
    pos: Pos,
    body: Range<usize>,
}

/// A link as found.
#[derive(Debug, Clone)]
struct Link {
    dest: String,
    pos: Pos,
    offset: usize,
}

/// Positions inside a lesson's text.
struct Source<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> Source<'a> {
    fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Source { text, line_starts }
    }

    fn pos(&self, offset: usize) -> Pos {
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let column = self.text[start..offset.min(self.text.len())]
            .chars()
            .count()
            + 1;
        Pos::new(line, column)
    }

    fn end(&self) -> Pos {
        self.pos(self.text.len())
    }
}

/// Headings and links of a lesson, in document order.
fn outline(source: &Source<'_>) -> (Vec<Heading>, Vec<Link>) {
    let mut headings: Vec<Heading> = Vec::new();
    let mut links = Vec::new();
    let mut open: Option<(u8, String, usize)> = None;
    let parser = Parser::new_ext(source.text, Options::ENABLE_TABLES);
    for (event, range) in parser.into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                open = Some((heading_level(level), String::new(), range.start))
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, title, _)) = open.as_mut() {
                    title.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, title, start)) = open.take() {
                    headings.push(Heading {
                        level,
                        title: title.trim().to_string(),
                        pos: source.pos(start),
                        body: range.end..source.text.len(),
                    });
                }
            }
            Event::Start(Tag::Link { dest_url, .. }) => links.push(Link {
                dest: dest_url.to_string(),
                pos: source.pos(range.start),
                offset: range.start,
            }),
            _ => {}
        }
    }
    // Each heading's body ends where the next heading of the same or a higher level starts.
    let starts: Vec<(u8, usize)> = headings
        .iter()
        .map(|h| (h.level, offset_of(source, h.pos)))
        .collect();
    for (i, h) in headings.iter_mut().enumerate() {
        if let Some((_, next)) = starts[i + 1..].iter().find(|(l, _)| *l <= h.level) {
            h.body.end = *next;
        }
    }
    (headings, links)
}

fn offset_of(source: &Source<'_>, pos: Pos) -> usize {
    let start = source.line_starts[pos.line - 1];
    source.text[start..]
        .char_indices()
        .nth(pos.column - 1)
        .map(|(i, _)| start + i)
        .unwrap_or(source.text.len())
}

fn heading_level(level: HeadingLevel) -> u8 {
    level as u8
}

/// Checks one lesson file; the content root is the folder above `lessons/`.
pub fn lint_lesson(path: &Path, text: &str) -> Vec<Diagnostic> {
    let source = Source::new(text);
    let (headings, links) = outline(&source);
    let id = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let mut out = Vec::new();
    title_rule(path, &headings, &mut out);
    let sections = section_rules(path, &source, &headings, &mut out);
    for (rule, heading) in &sections {
        field_rules(path, &source, rule, heading, &id, &mut out);
        part_rules(path, &headings, rule, heading, &mut out);
    }
    link_rules(path, &links, &mut out);
    let lab_section = sections.iter().find(|(r, _)| r.title == "Hands-on Lab");
    lab_rules(path, &id, &links, lab_section.map(|(_, h)| h), &mut out);
    let check = sections.iter().find(|(r, _)| r.title == "Knowledge Check");
    quiz_rules(path, &id, &links, check.map(|(_, h)| h), &mut out);
    demonstration_rules(path, text, &headings, &mut out);
    rendering_rules(path, &source, &mut out);
    out.sort_by_key(|d| (d.line, d.column));
    out
}

fn title_rule(path: &Path, headings: &[Heading], out: &mut Vec<Diagnostic>) {
    let titles: Vec<&Heading> = headings.iter().filter(|h| h.level == 1).collect();
    match titles.as_slice() {
        [] => out.push(
            Diagnostic::error(path, Pos::START, "the lesson has no `#` title")
                .with_hint("start the file with `# LESSON-ID: Title`"),
        ),
        [_] => {}
        [_, second, ..] => out.push(
            Diagnostic::error(path, second.pos, "a second `#` title")
                .with_hint("a lesson has one `#` title; use `##` for its sections"),
        ),
    }
}

/// The canonical sections present, each with its heading; reports missing, misplaced,
/// repeated and unknown ones.
fn section_rules<'r>(
    path: &Path,
    source: &Source<'_>,
    headings: &[Heading],
    out: &mut Vec<Diagnostic>,
) -> Vec<(&'r SectionRule, Heading)> {
    let h2: Vec<&Heading> = headings.iter().filter(|h| h.level == 2).collect();
    let mut found: Vec<(&'r SectionRule, Heading)> = Vec::new();
    let mut last_index: Option<usize> = None;
    for heading in &h2 {
        let Some(index) = CANONICAL.iter().position(|r| r.title == heading.title) else {
            out.push(unknown_section(path, heading));
            continue;
        };
        let rule = &CANONICAL[index];
        if found.iter().any(|(r, _)| r.title == rule.title) {
            out.push(
                Diagnostic::error(
                    path,
                    heading.pos,
                    format!("section `## {}` appears twice", rule.title),
                )
                .with_hint("merge the two sections into one"),
            );
            continue;
        }
        if let Some(last) = last_index.filter(|&l| l > index) {
            out.push(
                Diagnostic::error(
                    path,
                    heading.pos,
                    format!(
                        "section `## {}` is out of order: the curriculum puts it before `## {}`",
                        rule.title, CANONICAL[last].title
                    ),
                )
                .with_hint(format!("move it {}", placement(index))),
            );
        } else {
            last_index = Some(index);
        }
        found.push((rule, (*heading).clone()));
    }
    for (index, rule) in CANONICAL.iter().enumerate() {
        if found.iter().any(|(r, _)| r.title == rule.title) {
            continue;
        }
        // Point at the next canonical section that is there, or at the end of the file.
        let at = CANONICAL[index + 1..]
            .iter()
            .find_map(|next| found.iter().find(|(r, _)| r.title == next.title))
            .map(|(_, h)| h.pos)
            .unwrap_or_else(|| source.end());
        out.push(
            Diagnostic::error(path, at, format!("missing section `## {}`", rule.title))
                .with_hint(format!("add `## {}` {}", rule.title, placement(index))),
        );
    }
    found
}

fn placement(index: usize) -> String {
    match index.checked_sub(1) {
        Some(prev) => format!("after `## {}`", CANONICAL[prev].title),
        None => "right after the `#` title".to_string(),
    }
}

fn unknown_section(path: &Path, heading: &Heading) -> Diagnostic {
    let written = heading.title.to_lowercase();
    // A title that is part of a canonical one ("Metadata") counts as close.
    let closeness = |title: &str| {
        let title = title.to_lowercase();
        if !written.is_empty() && title.contains(&written) {
            1.0
        } else {
            strsim::jaro_winkler(&title, &written)
        }
    };
    let nearest = CANONICAL
        .iter()
        .map(|r| (closeness(r.title), r.title))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let hint = match nearest {
        Some((score, title)) if score > 0.7 => format!("did you mean `## {title}`?"),
        _ => {
            "the canonical sections are listed in docs/lesson-format.md; use `###` for a subsection"
                .to_string()
        }
    };
    Diagnostic::error(
        path,
        heading.pos,
        format!(
            "`## {}` is not a section of the canonical lesson structure",
            heading.title
        ),
    )
    .with_hint(hint)
}

static FIELD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^[ \t]*[-*][ \t]+\*\*([^*:\n]+):\*\*[ \t]*(.*)$").unwrap());

/// `- **Field:** value` lines of a section body, by field name: (value, value position).
fn fields_of(source: &Source<'_>, body: &Range<usize>) -> BTreeMap<String, (String, Pos)> {
    let text = &source.text[body.clone()];
    FIELD
        .captures_iter(text)
        .filter_map(|c| {
            let value = c.get(2)?;
            Some((
                c[1].trim().to_string(),
                (
                    value.as_str().trim().to_string(),
                    source.pos(body.start + value.start()),
                ),
            ))
        })
        .collect()
}

fn field_rules(
    path: &Path,
    source: &Source<'_>,
    rule: &SectionRule,
    heading: &Heading,
    id: &str,
    out: &mut Vec<Diagnostic>,
) {
    let fields = fields_of(source, &heading.body);
    for name in rule.fields {
        let Some((value, pos)) = fields.get(*name) else {
            out.push(
                Diagnostic::error(
                    path,
                    heading.pos,
                    format!("`## {}` does not state `{name}`", rule.title),
                )
                .with_hint(format!("add a line `- **{name}:** ...` to the section")),
            );
            continue;
        };
        if value.is_empty() {
            out.push(
                Diagnostic::error(path, *pos, format!("`{name}` has no value"))
                    .with_hint(format!("write the value after `**{name}:**`")),
            );
        } else if *name == "Difficulty" && !DIFFICULTIES.contains(&value.as_str()) {
            out.push(
                Diagnostic::error(
                    path,
                    *pos,
                    format!("difficulty `{value}` is not one the curriculum uses"),
                )
                .with_hint(format!("use one of: {}", DIFFICULTIES.join(", "))),
            );
        } else if *name == "Lesson ID" && value != id {
            out.push(
                Diagnostic::error(
                    path,
                    *pos,
                    format!("lesson id `{value}` does not match the file name `{id}.md`"),
                )
                .with_hint(format!("write `{id}`, or rename the file to `{value}.md`")),
            );
        }
    }
}

fn part_rules(
    path: &Path,
    headings: &[Heading],
    rule: &SectionRule,
    heading: &Heading,
    out: &mut Vec<Diagnostic>,
) {
    let inside: Vec<&Heading> = headings
        .iter()
        .filter(|h| h.level == 3 && heading.body.contains(&h.body.start))
        .collect();
    let mut last = 0;
    for part in rule.parts {
        match inside.iter().position(|h| h.title == *part) {
            Some(i) if i >= last => last = i,
            Some(i) => out.push(
                Diagnostic::error(
                    path,
                    inside[i].pos,
                    format!("`### {part}` is out of order in `## {}`", rule.title),
                )
                .with_hint(format!(
                    "the parts go in this order: {}",
                    rule.parts.join(", ")
                )),
            ),
            None => out.push(
                Diagnostic::error(
                    path,
                    heading.pos,
                    format!("`## {}` has no part `### {part}`", rule.title),
                )
                .with_hint(format!("add `### {part}` to the section")),
            ),
        }
    }
}

/// Relative links must point at files that exist.
fn link_rules(path: &Path, links: &[Link], out: &mut Vec<Diagnostic>) {
    for link in links {
        let Some(target) = local_target(path, &link.dest) else {
            continue;
        };
        if !target.exists() {
            out.push(
                Diagnostic::error(
                    path,
                    link.pos,
                    format!("link `{}` points at nothing", link.dest),
                )
                .with_hint(format!(
                    "{} does not exist; fix the path (relative to the lesson file)",
                    target.display()
                )),
            );
        }
    }
}

/// The file a relative link points at; `None` for URLs and anchors.
fn local_target(lesson: &Path, dest: &str) -> Option<PathBuf> {
    if dest.is_empty()
        || dest.starts_with('#')
        || dest.contains("://")
        || dest.starts_with("mailto:")
    {
        return None;
    }
    let file = dest.split('#').next().unwrap_or(dest);
    Some(lesson.parent().unwrap_or(Path::new(".")).join(file))
}

fn root_of(lesson: &Path) -> PathBuf {
    lesson
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Every lab of the lesson is linked from its Hands-on Lab section.
fn lab_rules(
    path: &Path,
    id: &str,
    links: &[Link],
    section: Option<&Heading>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(section) = section else { return };
    let dir = root_of(path).join("labs").join(id);
    let Ok(files) = crate::lab::lab_files(&dir) else {
        return;
    };
    shared_names(path, &files, section, out);
    for file in files {
        let Some(name) = file.file_name().map(|n| n.to_string_lossy().to_string()) else {
            continue;
        };
        let linked = links.iter().any(|l| {
            section.body.contains(&l.offset)
                && local_target(path, &l.dest).is_some_and(|t| t.file_name() == file.file_name())
        });
        if !linked {
            out.push(
                Diagnostic::error(path, section.pos, format!("the lab `{name}` is not linked from `## Hands-on Lab`"))
                    .with_hint(format!("add a row with a link to ../labs/{id}/{name}, in the order the lesson teaches it")),
            );
        }
    }
}

/// The Knowledge Check links to the quiz, which loads and answers every question.
fn quiz_rules(
    path: &Path,
    id: &str,
    links: &[Link],
    section: Option<&Heading>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(section) = section else { return };
    let quiz_name = format!("{id}.quiz.yaml");
    let quiz_path = path.parent().unwrap_or(Path::new(".")).join(&quiz_name);
    let linked = links.iter().any(|l| {
        section.body.contains(&l.offset)
            && local_target(path, &l.dest)
                .is_some_and(|t| t.file_name().is_some_and(|n| n == quiz_name.as_str()))
    });
    if !linked {
        out.push(
            Diagnostic::error(
                path,
                section.pos,
                "`## Knowledge Check` does not link to its quiz",
            )
            .with_hint(format!(
                "link the interactive quiz: [{quiz_name}]({quiz_name})"
            )),
        );
        return;
    }
    if !quiz_path.exists() {
        return; // the broken link is reported already
    }
    match super::load_quiz(&quiz_path) {
        Err(e) => out.push(
            Diagnostic::error(&quiz_path, Pos::START, quiz_problem(e))
                .with_hint("every question needs an id, a prompt, an explanation and an answer (`answer` for choices, `model_answer` for text)"),
        ),
        Ok(quiz) if quiz.lesson != id => out.push(
            Diagnostic::error(&quiz_path, Pos::START, format!("the quiz names lesson `{}`, not `{id}`", quiz.lesson))
                .with_hint(format!("write `lesson: {id}`")),
        ),
        Ok(quiz) if quiz.questions.is_empty() => out.push(
            Diagnostic::error(&quiz_path, Pos::START, "the quiz has no questions")
                .with_hint("add at least one question with its answer"),
        ),
        Ok(_) => {}
    }
}

/// The width the reader's bounds are checked at: a common terminal's.
const READER_WIDTH: u16 = 80;

/// What the lesson reader would leave out (nesting too deep, a table too large, a rendering
/// too long: the renderer's own bounds, [`super::MAX_NESTING`] and the others), at the place
/// it starts.
fn rendering_rules(path: &Path, source: &Source<'_>, out: &mut Vec<Diagnostic>) {
    for cut in super::render_markdown(source.text, READER_WIDTH).cuts {
        let hint = match cut.what {
            CutKind::Nesting => {
                "flatten the list or quote: readers see a marker instead of what is nested deeper"
            }
            CutKind::TableColumns | CutKind::TableRows => {
                "split the table: readers see a marker instead of the rest"
            }
            CutKind::Length => "split the lesson: readers see a marker instead of the rest",
        };
        out.push(
            Diagnostic::error(
                path,
                source.pos(cut.offset),
                format!("the lesson reader cuts this: {cut}"),
            )
            .with_hint(hint),
        );
    }
}

/// Where `validate` puts `$(pwd)` of the demonstrations: bind sources must stay below it, as
/// they must stay below the run's working folder when `test` runs them. Messages show it as
/// `$(pwd)` again.
const DEMO_FOLDER: &str = "/labrunner-lesson-folder";

/// Runnable demonstrations must parse and pass the doctest policy (a grading's refusals, binds
/// in the working folder), may touch only what an earlier demonstration creates, and a lesson
/// with any needs a cleanup block.
fn demonstration_rules(path: &Path, text: &str, headings: &[Heading], out: &mut Vec<Diagnostic>) {
    let demos = demonstrations(text);
    let policy = Policy::for_lesson(PathBuf::from(DEMO_FOLDER));
    let mut created: BTreeSet<(ResourceKind, String)> = BTreeSet::new();
    for demo in in_run_order(&demos) {
        let action = match crate::command::parse(&demo.command, Some(DEMO_FOLDER)) {
            Ok(action) => action,
            Err(e) => {
                out.push(
                    Diagnostic::error(path, demo_pos(text, demo, None), format!("labrunner cannot run this demonstration: {e}"))
                        .with_hint("`labrunner explain '<command>'` shows what labrunner understands; or drop `doctest` from the block"),
                );
                continue;
            }
        };
        let as_written = |s: &str| s.replace(DEMO_FOLDER, "$(pwd)");
        for refusal in policy.refusals(&action) {
            let option = refusal.option.as_deref().map(as_written);
            out.push(
                Diagnostic::error(
                    path,
                    demo_pos(text, demo, option.as_deref()),
                    format!("a doctest may not run this: {}", as_written(&refusal.reason)),
                )
                .with_hint("demonstrations run under the grading policy, with bind mounts in `$(pwd)`; show it in a plain ```console block instead"),
            );
        }
        if touches_existing(&action) {
            for (kind, name) in action.resources() {
                if !created.contains(&(kind, name.clone())) {
                    out.push(
                        Diagnostic::error(
                            path,
                            demo_pos(text, demo, Some(&name)),
                            format!("{kind} {name} is not created by an earlier demonstration: a doctest touches only what it created"),
                        )
                        .with_hint(format!("create {kind} {name} in an earlier demonstration, or drop `doctest` from the block")),
                    );
                }
            }
        }
        created.extend(action.creates());
    }
    if !demos.is_empty() && !demos.iter().any(|d| d.cleanup) {
        let at = headings
            .iter()
            .find(|h| h.level == 2 && h.title == "Cleanup")
            .map(|h| h.pos)
            .unwrap_or(Pos::START);
        out.push(
            Diagnostic::error(
                path,
                at,
                "the lesson runs demonstrations but has no cleanup block",
            )
            .with_hint("mark the block that removes what they created with ```sh doctest cleanup"),
        );
    }
}

/// Commands that change or enter an object that must exist already (remove, stop, start,
/// exec, connect): in a doctest, only one that an earlier demonstration created. (`test` checks
/// every command against the daemon: anything it names that exists must carry the run's label.)
fn touches_existing(action: &Action) -> bool {
    matches!(
        action,
        Action::Rm { .. }
            | Action::Stop { .. }
            | Action::Start { .. }
            | Action::Restart { .. }
            | Action::Kill { .. }
            | Action::Pause { .. }
            | Action::Unpause { .. }
            | Action::Exec(_)
            | Action::VolumeRm { .. }
            | Action::NetworkRm { .. }
            | Action::NetworkConnect { .. }
            | Action::NetworkDisconnect { .. }
    )
}

/// The position of a demonstration in the lesson: of `part` (an option or a name, as written)
/// when it is found on the command's first line, else of the command.
fn demo_pos(text: &str, demo: &Demonstration, part: Option<&str>) -> Pos {
    let line = text.lines().nth(demo.line - 1).unwrap_or_default();
    let start = line.find("docker").unwrap_or(0);
    let at = part
        .filter(|p| !p.is_empty())
        .and_then(|p| line[start..].find(p))
        .map_or(start, |i| start + i);
    Pos::new(demo.line, line[..at].chars().count() + 1)
}

/// Resource names declared by more than one lab of the lesson: a lab left unfinished would hand
/// its resources to the next one, which keeps and reports them as pre-existing.
fn shared_names(path: &Path, files: &[PathBuf], section: &Heading, out: &mut Vec<Diagnostic>) {
    let mut owners: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in files {
        let Ok(loaded) = super::load_lab(file) else {
            continue; // `labrunner validate labs/` reports broken labs
        };
        for resource in crate::lab::declared(&loaded.lab) {
            owners
                .entry(resource.to_string())
                .or_default()
                .push(loaded.lab.id.clone());
        }
    }
    for (resource, labs) in owners.iter().filter(|(_, labs)| labs.len() > 1) {
        out.push(
            Diagnostic::warning(
                path,
                section.pos,
                format!("{resource} is declared by several labs of this lesson: {}", labs.join(", ")),
            )
            .with_hint("give each lab its own names, so that a lab left unfinished does not hand its resources to the next"),
        );
    }
}

/// The quiz's problem without the path, which the diagnostic names already.
fn quiz_problem(error: super::LessonError) -> String {
    match error {
        super::LessonError::Invalid { message, .. } => message,
        other => other.to_string(),
    }
}
