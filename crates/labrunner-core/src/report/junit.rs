//! JUnit XML: one `<testsuite>` per lab, one `<testcase>` per check, `<failure>` for a check
//! that does not hold and `<error>` for one that could not be carried out, with the evidence.
//!
//! The shape follows the de-facto schema most CI servers read (Jenkins' `junit-10.xsd`, as used
//! by GitLab and GitHub test reporters): `testsuites > testsuite > properties, testcase*,
//! system-out, system-err`. Timestamps are ISO 8601 without a zone (the stricter Ant schema
//! rejects one), always UTC.

use std::io::Cursor;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use super::{CommandOutcome, GradeReport, Status, check_name, printable, seconds};

pub(super) fn render(report: &GradeReport) -> String {
    match write(report) {
        Ok(xml) => xml,
        // Writing into memory cannot fail; keep the output well-formed if it ever does.
        Err(e) => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"labrunner\" tests=\"0\"><!-- {} --></testsuites>\n",
            e.to_string().replace("--", "- -")
        ),
    }
}

fn write(report: &GradeReport) -> std::io::Result<String> {
    let mut w = Writer::new_with_indent(Cursor::new(Vec::new()), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;

    let t = report.tally();
    let (tests, failures, errors) = (
        t.checks.to_string(),
        t.failed.to_string(),
        t.errors.to_string(),
    );
    let time = seconds(report.duration_ms);
    let timestamp = report.started_at.format("%Y-%m-%dT%H:%M:%S").to_string();
    let common = [
        ("tests", tests.as_str()),
        ("failures", failures.as_str()),
        ("errors", errors.as_str()),
        ("skipped", "0"),
        ("time", time.as_str()),
        ("timestamp", timestamp.as_str()),
    ];

    w.create_element("testsuites")
        .with_attribute(("name", "labrunner grade"))
        .with_attributes(common)
        .write_inner_content(|w| {
            w.create_element("testsuite")
                .with_attribute(("name", report.lab_id.as_str()))
                .with_attributes(common)
                .write_inner_content(|w| {
                    write_properties(w, report)?;
                    write_testcases(w, report)?;
                    w.create_element("system-out")
                        .write_text_content(BytesText::new(&commands_log(report)))?;
                    w.create_element("system-err")
                        .write_text_content(BytesText::new(&problems_log(report)))?;
                    Ok(())
                })?;
            Ok(())
        })?;
    let mut xml = String::from_utf8_lossy(&w.into_inner().into_inner()).into_owned();
    xml.push('\n');
    Ok(xml)
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

fn write_testcases(w: &mut Writer<Cursor<Vec<u8>>>, report: &GradeReport) -> std::io::Result<()> {
    for step in &report.steps {
        let classname = format!("{}.{}", report.lab_id, step.id);
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
