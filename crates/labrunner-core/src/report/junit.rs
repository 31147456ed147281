//! JUnit XML: one `<testsuite>` per lab, one `<testcase>` per check, `<failure>` for a check
//! that does not hold, `<error>` for one that could not be carried out and `<skipped>` for one
//! that holds but earned no points (the credit rule), with the evidence.
//!
//! The shape follows the de-facto schema most CI servers read (Jenkins' `junit-10.xsd`, as used
//! by GitLab and GitHub test reporters, vendored in `tests/validators/` and checked in the
//! tests): `testsuites > testsuite > properties, testcase*, system-out, system-err`; the totals
//! on `<testsuites>` are `tests`, `failures`, `errors` and `time` only (the schema has no other). Timestamps are ISO 8601 without a zone (the stricter Ant schema
//! rejects one), always UTC.

use std::io::Cursor;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use chrono::{DateTime, Utc};

use super::{
    CommandOutcome, GradeReport, Status, StudentOutcome, StudentResult, check_name, printable,
    seconds,
};

pub(super) fn render(report: &GradeReport) -> String {
    let suite = Suite {
        name: &report.lab_id,
        classname: &report.lab_id,
        content: SuiteContent::Graded(report),
    };
    finish(write("labrunner grade", std::slice::from_ref(&suite)))
}

/// A class: one testsuite per student, named after the student; a student who could not be
/// graded has a suite with one `grading` testcase in error.
pub(super) fn render_class(lab_id: &str, results: &[StudentResult]) -> String {
    let suites: Vec<Suite> = results
        .iter()
        .map(|r| Suite {
            name: r.student,
            classname: r.student,
            content: match r.outcome {
                StudentOutcome::Graded(report) => SuiteContent::Graded(report),
                StudentOutcome::Error(why) => SuiteContent::Error(why),
            },
        })
        .collect();
    finish(write(&format!("labrunner grade {lab_id}"), &suites))
}

fn finish(written: std::io::Result<String>) -> String {
    match written {
        Ok(xml) => xml,
        // Writing into memory cannot fail; keep the output well-formed if it ever does.
        Err(e) => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"labrunner\" tests=\"0\"><!-- {} --></testsuites>\n",
            e.to_string().replace("--", "- -")
        ),
    }
}

struct Suite<'a> {
    name: &'a str,
    /// Testcases' classname is `<classname>.<step id>`.
    classname: &'a str,
    content: SuiteContent<'a>,
}

enum SuiteContent<'a> {
    Graded(&'a GradeReport),
    Error(&'a str),
}

/// Counts of one suite, or of all of them.
#[derive(Clone, Copy, Default)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
    ms: u64,
}

impl std::ops::Add for Counts {
    type Output = Counts;
    fn add(self, c: Counts) -> Counts {
        Counts {
            tests: self.tests + c.tests,
            failures: self.failures + c.failures,
            errors: self.errors + c.errors,
            skipped: self.skipped + c.skipped,
            ms: self.ms + c.ms,
        }
    }
}

fn counts(suite: &Suite) -> Counts {
    match suite.content {
        SuiteContent::Graded(report) => {
            let t = report.tally();
            Counts {
                tests: t.checks,
                failures: t.failed,
                errors: t.errors,
                skipped: t.unearned,
                ms: report.duration_ms,
            }
        }
        SuiteContent::Error(_) => Counts {
            tests: 1,
            errors: 1,
            ..Counts::default()
        },
    }
}

fn write(name: &str, suites: &[Suite]) -> std::io::Result<String> {
    let mut w = Writer::new_with_indent(Cursor::new(Vec::new()), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let total = suites
        .iter()
        .map(counts)
        .fold(Counts::default(), |a, c| a + c);
    // Jenkins' schema gives `<testsuites>` no `skipped` and no `timestamp`: each suite has them.
    w.create_element("testsuites")
        .with_attribute(("name", name))
        .with_attribute(("tests", total.tests.to_string().as_str()))
        .with_attribute(("failures", total.failures.to_string().as_str()))
        .with_attribute(("errors", total.errors.to_string().as_str()))
        .with_attribute(("time", seconds(total.ms).as_str()))
        .write_inner_content(|w| {
            for suite in suites {
                write_suite(w, suite)?;
            }
            Ok(())
        })?;
    let mut xml = String::from_utf8_lossy(&w.into_inner().into_inner()).into_owned();
    xml.push('\n');
    Ok(xml)
}

fn attributes(c: Counts, started: DateTime<Utc>) -> [(&'static str, String); 6] {
    [
        ("tests", c.tests.to_string()),
        ("failures", c.failures.to_string()),
        ("errors", c.errors.to_string()),
        ("skipped", c.skipped.to_string()),
        ("time", seconds(c.ms)),
        ("timestamp", started.format("%Y-%m-%dT%H:%M:%S").to_string()),
    ]
}

fn write_suite(w: &mut Writer<Cursor<Vec<u8>>>, suite: &Suite) -> std::io::Result<()> {
    let started = match suite.content {
        SuiteContent::Graded(report) => report.started_at,
        SuiteContent::Error(_) => DateTime::<Utc>::default(),
    };
    let attrs = attributes(counts(suite), started);
    w.create_element("testsuite")
        .with_attribute(("name", printable(suite.name).as_str()))
        .with_attributes(attrs.iter().map(|(k, v)| (*k, v.as_str())))
        .write_inner_content(|w| {
            match suite.content {
                SuiteContent::Graded(report) => {
                    write_properties(w, report)?;
                    write_testcases(w, suite.classname, report)?;
                    w.create_element("system-out")
                        .write_text_content(BytesText::new(&commands_log(report)))?;
                    w.create_element("system-err")
                        .write_text_content(BytesText::new(&problems_log(report)))?;
                }
                SuiteContent::Error(why) => {
                    let why = printable(why);
                    w.create_element("testcase")
                        .with_attribute(("name", "grading"))
                        .with_attribute(("classname", printable(suite.classname).as_str()))
                        .with_attribute(("time", "0.000"))
                        .write_inner_content(|w| {
                            w.create_element("error")
                                .with_attribute(("message", why.lines().next().unwrap_or("")))
                                .with_attribute(("type", "CouldNotGrade"))
                                .write_text_content(BytesText::new(&why))?;
                            Ok(())
                        })?;
                }
            }
            Ok(())
        })?;
    Ok(())
}

fn write_properties(w: &mut Writer<Cursor<Vec<u8>>>, report: &GradeReport) -> std::io::Result<()> {
    let mut props: Vec<(String, String)> = vec![
        ("lab.title".into(), printable(&report.lab_title)),
        ("score".into(), report.score.to_string()),
        ("max_score".into(), report.max_score.to_string()),
    ];
    if let Some(ns) = &report.namespace {
        props.push(("namespace".into(), ns.clone()));
    }
    for step in &report.steps {
        props.push((
            format!("step.{}.credited", step.id),
            step.credited.to_string(),
        ));
    }
    for r in &report.refused {
        props.push((
            format!("refused.line.{}", r.line),
            printable(&format!("{}: {}", r.command, r.reason)),
        ));
    }
    if let Some(why) = &report.aborted {
        props.push(("aborted".into(), printable(why)));
    }
    w.create_element("properties").write_inner_content(|w| {
        for (name, value) in &props {
            w.create_element("property")
                .with_attribute(("name", name.as_str()))
                .with_attribute(("value", value.as_str()))
                .write_empty()?;
        }
        Ok(())
    })?;
    Ok(())
}

fn write_testcases(
    w: &mut Writer<Cursor<Vec<u8>>>,
    classname: &str,
    report: &GradeReport,
) -> std::io::Result<()> {
    for step in &report.steps {
        let classname = printable(&format!("{classname}.{}", step.id));
        for check in &step.checks {
            let name = printable(&check_name(step, check));
            let time = seconds(check.duration_ms);
            let evidence = printable(&check.evidence);
            let body = format!("{evidence}\npoints: {}/{}", check.score, check.max_score);
            let first_line = evidence.lines().next().unwrap_or("").to_string();
            let case = w
                .create_element("testcase")
                .with_attribute(("name", name.as_str()))
                .with_attribute(("classname", classname.as_str()))
                .with_attribute(("time", time.as_str()));
            case.write_inner_content(|w| {
                let (element, kind) = match check.status {
                    Status::Passed => {
                        w.create_element("system-out")
                            .write_text_content(BytesText::new(&body))?;
                        return Ok(());
                    }
                    Status::Unearned => {
                        // JUnit's `skipped` takes a message and no type.
                        w.create_element("skipped")
                            .with_attribute(("message", first_line.as_str()))
                            .write_text_content(BytesText::new(&body))?;
                        return Ok(());
                    }
                    Status::Failed => ("failure", "CheckFailed"),
                    Status::Error => ("error", "CouldNotCheck"),
                };
                w.create_element(element)
                    .with_attribute(("message", first_line.as_str()))
                    .with_attribute(("type", kind))
                    .write_text_content(BytesText::new(&body))?;
                Ok(())
            })?;
        }
    }
    Ok(())
}

fn commands_log(report: &GradeReport) -> String {
    let mut lines = Vec::new();
    for c in &report.commands {
        lines.push(printable(&format!(
            "line {} [{}] {}",
            c.line,
            c.outcome.label(),
            c.command
        )));
        if !c.credited.is_empty() {
            lines.push(format!("  credited: {}", c.credited.join(", ")));
        }
    }
    lines.push(format!("score: {}/{}", report.score, report.max_score));
    lines.join("\n")
}

fn problems_log(report: &GradeReport) -> String {
    let mut lines = Vec::new();
    for r in &report.refused {
        lines.push(printable(&format!(
            "refused line {}: {}: {}",
            r.line, r.command, r.reason
        )));
    }
    for c in report
        .commands
        .iter()
        .filter(|c| matches!(c.outcome, CommandOutcome::Failed | CommandOutcome::TimedOut))
    {
        lines.push(printable(&format!(
            "{} line {}: {}: {}",
            c.outcome.label(),
            c.line,
            c.command,
            c.detail
        )));
    }
    if let Some(why) = &report.aborted {
        lines.push(printable(&format!("grading stopped early: {why}")));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::super::sample;
    use super::*;

    #[test]
    fn mixed_report() {
        insta::assert_snapshot!(render(&sample::mixed()));
    }

    #[test]
    fn all_passed_report() {
        insta::assert_snapshot!(render(&sample::all_passed()));
    }

    /// (testsuite names, testcase count) of a document, failing on any XML error.
    fn suites_and_cases(xml: &str) -> (Vec<String>, usize) {
        let mut reader = quick_xml::Reader::from_str(xml);
        let (mut suites, mut cases) = (Vec::new(), 0);
        loop {
            match reader.read_event() {
                Ok(Event::Start(e)) if e.name().as_ref() == "testsuite" => {
                    let name = e
                        .try_get_attribute("name")
                        .ok()
                        .flatten()
                        .map(|a| a.value.to_string())
                        .unwrap_or_default();
                    suites.push(name);
                }
                Ok(Event::Start(e)) if e.name().as_ref() == "testcase" => cases += 1,
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("not well-formed: {e}\n{xml}"),
            }
        }
        (suites, cases)
    }

    #[test]
    fn a_class_has_one_suite_per_student_and_an_error_suite_for_the_ungraded() {
        let (mixed, passed) = (sample::mixed(), sample::all_passed());
        let results = [
            StudentResult {
                student: "alice",
                outcome: StudentOutcome::Graded(&passed),
            },
            StudentResult {
                student: "bob",
                outcome: StudentOutcome::Graded(&mixed),
            },
            StudentResult {
                student: "carol",
                outcome: StudentOutcome::Error("submission carol.sh is 9999999 bytes; <limit>"),
            },
        ];
        let xml = render_class("volumes", &results);
        let (suites, cases) = suites_and_cases(&xml);
        assert_eq!(suites, ["alice", "bob", "carol"]);
        assert_eq!(cases, 2 + 4 + 1);
        // Totals on <testsuites>: 7 tests, 1 failure (bob), 2 errors (bob's and carol's).
        assert!(
            xml.contains(
                r#"<testsuites name="labrunner grade volumes" tests="7" failures="1" errors="2""#
            ),
            "{xml}"
        );
        assert!(xml.contains(r#"classname="bob.run-db""#));
        assert!(xml.contains(r#"type="CouldNotGrade""#));
        assert!(xml.contains("&lt;limit&gt;"));
    }

    #[test]
    fn output_is_well_formed_and_escaped() {
        let xml = render(&sample::mixed());
        let mut reader = quick_xml::Reader::from_str(&xml);
        let mut depth = 0i32;
        let mut cases = 0;
        loop {
            match reader.read_event() {
                Ok(Event::Start(e)) => {
                    depth += 1;
                    if e.name().as_ref() == "testcase" {
                        cases += 1;
                    }
                }
                Ok(Event::Empty(_)) => {}
                Ok(Event::End(_)) => depth -= 1,
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("not well-formed: {e}\n{xml}"),
            }
        }
        assert_eq!(depth, 0);
        assert_eq!(cases, 4);
        assert!(xml.contains("&lt;&amp;&gt;"));
        assert!(!xml.contains('\u{1b}'));
    }
}
