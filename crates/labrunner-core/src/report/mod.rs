//! Grading reports and their output formats.
//!
//! A [`GradeReport`] is plain data; each format is a pure function from it to text
//! ([`render`]). Everything time-dependent (when grading started, how long checks took) is in
//! the report, put there by the caller, so rendering the same report always gives the same text.

mod classroom;
mod ctrf;
mod gradescope;
mod junit;
mod tap;
mod text;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The result of grading one lab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradeReport {
    pub lab_id: String,
    pub lab_title: String,
    pub namespace: Option<String>,
    /// When grading started.
    pub started_at: DateTime<Utc>,
    pub duration_ms: u64,
    pub steps: Vec<StepReport>,
    pub score: u32,
    pub max_score: u32,
    /// Submission commands that were refused, and why.
    #[serde(default)]
    pub refused: Vec<Refusal>,
    /// Replay mode: every submission command, in order, with what became of it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<CommandRecord>,
    /// Why grading stopped before the end of the submission (total time limit, command limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aborted: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepReport {
    pub id: String,
    pub title: String,
    pub credited: bool,
    pub checks: Vec<CheckReport>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The condition holds and its points are earned.
    Passed,
    Failed,
    /// Could not be checked.
    Error,
    /// The condition holds but earns nothing by the credit rule ([`crate::credit`]): it held
    /// before the student did anything, or an earlier step is not done. The evidence ends with
    /// which. Never shown as passed: formats with a "skipped" status use it, with the reason.
    Unearned,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    pub description: String,
    pub score: u32,
    pub max_score: u32,
    pub status: Status,
    pub evidence: String,
    /// How long the (last) evaluation of this check took.
    #[serde(default)]
    pub duration_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refusal {
    /// 1-based line in the submission file.
    pub line: usize,
    pub command: String,
    pub reason: String,
}

/// One submission command and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandRecord {
    /// 1-based line in the submission file where the command starts.
    pub line: usize,
    pub command: String,
    pub outcome: CommandOutcome,
    /// Output, the daemon's error, or the reason it was refused.
    pub detail: String,
    /// Steps credited right after this command.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credited: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommandOutcome {
    /// Executed; the daemon accepted it.
    Ran,
    /// Executed; the daemon refused it (a student's mistake, not a grading failure).
    Failed,
    /// Not executed: unparsable, or refused by the grading policy.
    Refused,
    /// Stopped by the per-command time limit.
    TimedOut,
    /// Not executed because grading stopped earlier.
    NotRun,
}

impl CommandOutcome {
    pub fn label(self) -> &'static str {
        match self {
            CommandOutcome::Ran => "ran",
            CommandOutcome::Failed => "failed",
            CommandOutcome::Refused => "refused",
            CommandOutcome::TimedOut => "timed out",
            CommandOutcome::NotRun => "not run",
        }
    }
}

/// How many checks ended in each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub checks: usize,
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
    pub unearned: usize,
}

impl GradeReport {
    pub fn tally(&self) -> Tally {
        let mut t = Tally::default();
        for check in self.checks() {
            t.checks += 1;
            match check.status {
                Status::Passed => t.passed += 1,
                Status::Failed => t.failed += 1,
                Status::Error => t.errors += 1,
                Status::Unearned => t.unearned += 1,
            }
        }
        t
    }

    /// A report written before [`Status::Unearned`] existed called such a check `passed` with
    /// no points: a check that passes earns all its points or none, so `passed` below its
    /// maximum is that. (Records of earlier class runs are read through this.)
    pub fn mark_unearned(&mut self) {
        for step in &mut self.steps {
            for check in &mut step.checks {
                if check.status == Status::Passed && check.score < check.max_score {
                    check.status = Status::Unearned;
                }
            }
        }
    }

    /// Every check with the step it belongs to, in order.
    pub fn checks(&self) -> impl Iterator<Item = &CheckReport> {
        self.steps.iter().flat_map(|s| s.checks.iter())
    }

    /// True when every check passed (earning its points) and nothing stopped grading early.
    pub fn all_passed(&self) -> bool {
        self.aborted.is_none() && self.checks().all(|c| c.status == Status::Passed)
    }

    /// When grading ended.
    pub fn finished_at(&self) -> DateTime<Utc> {
        self.started_at
            + chrono::Duration::milliseconds(i64::try_from(self.duration_ms).unwrap_or(i64::MAX))
    }
}

/// Output formats of `labrunner grade`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned, for people.
    Text,
    /// The report itself, as JSON.
    Json,
    /// JUnit XML: one testsuite per lab, one testcase per check.
    Junit,
    /// TAP version 14.
    Tap,
    /// Gradescope autograder `results.json`.
    Gradescope,
    /// Common Test Report Format (CTRF) JSON.
    Ctrf,
    /// GitHub Classroom autograding result (what Classroom's autograding reporter reads).
    Classroom,
}

impl Format {
    /// Every format, in the order the command line lists them.
    pub const ALL: [Format; 7] = [
        Format::Text,
        Format::Json,
        Format::Junit,
        Format::Tap,
        Format::Gradescope,
        Format::Ctrf,
        Format::Classroom,
    ];

    /// The file name ending of a report in this format (`alice.junit.xml`); distinct for every
    /// format, so one student's reports in several formats sit side by side.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Text => "txt",
            Format::Json => "json",
            Format::Junit => "junit.xml",
            Format::Tap => "tap",
            Format::Gradescope => "gradescope.json",
            Format::Ctrf => "ctrf.json",
            Format::Classroom => "classroom.json",
        }
    }
}

/// One student's result in a class report: a grading, or why there is none.
#[derive(Debug, Clone, Copy)]
pub struct StudentResult<'a> {
    pub student: &'a str,
    pub outcome: StudentOutcome<'a>,
}

#[derive(Debug, Clone, Copy)]
pub enum StudentOutcome<'a> {
    Graded(&'a GradeReport),
    /// Could not be graded (bad submission, daemon error, time limit): the reason.
    Error(&'a str),
}

/// A whole class as one JUnit XML document: one testsuite per student.
pub fn junit_class(lab_id: &str, results: &[StudentResult]) -> String {
    junit::render_class(lab_id, results)
}

/// A whole class as one CTRF report: every student's checks, each test tagged with its student.
/// `shard` (`I/N`) is recorded when the class was split across machines.
pub fn ctrf_class(
    lab_id: &str,
    results: &[StudentResult],
    started_at: DateTime<Utc>,
    shard: Option<&str>,
) -> String {
    ctrf::render_class(lab_id, results, started_at, shard)
}

/// The report of a submission that could not be graded, in any format: no checks, 0 of the
/// lab's `max_score` points, the reason. `started_at` dates the JUnit and CTRF documents.
pub fn ungraded(
    student: &str,
    error: &str,
    max_score: u32,
    started_at: DateTime<Utc>,
    format: Format,
) -> String {
    let why = printable_line(error);
    let one = [StudentResult {
        student,
        outcome: StudentOutcome::Error(error),
    }];
    let rendered = match format {
        Format::Text => format!(
            "{}: could not be graded: {why}\n0/{max_score} points\n",
            printable_line(student)
        ),
        Format::Tap => format!(
            "TAP version 14\n1..1\nnot ok 1 - grading # could not be graded: {why}\n# score 0/{max_score}\n"
        ),
        Format::Gradescope => to_json(&serde_json::json!({
            "score": 0,
            "output": format!("Could not be graded: {why}"),
            "tests": [],
            "extra_data": { "max_score": max_score },
        })),
        // The reporter adds the tests' scores against `max_score`: 0 of the lab's points, so a
        // submission that could not be graded counts as nothing rather than as no assignment.
        Format::Classroom => to_json(&serde_json::json!({
            "version": 1,
            "status": "error",
            "max_score": max_score,
            "tests": [{ "name": "grading", "status": "error", "score": 0, "message": why }],
        })),
        Format::Junit => junit::render_class("", &one),
        Format::Ctrf => ctrf::render_class("", &one, started_at, None),
        Format::Json => to_json(&serde_json::json!({
            "student": student,
            "status": "error",
            "error": why,
            "score": 0,
            "max_score": max_score,
        })),
    };
    harmless(format, rendered)
}

/// Render a report in a format. Pure: the same report always gives the same text.
pub fn render(report: &GradeReport, format: Format) -> String {
    let rendered = match format {
        Format::Text => text::render(report),
        Format::Json => json(report),
        Format::Junit => junit::render(report),
        Format::Tap => tap::render(report),
        Format::Gradescope => gradescope::render(report),
        Format::Ctrf => ctrf::render(report),
        Format::Classroom => classroom::render(report),
    };
    harmless(format, rendered)
}

/// Whatever field a renderer forgot, no control or bidi character leaves in raw form.
fn harmless(format: Format, rendered: String) -> String {
    match format {
        Format::Json | Format::Gradescope | Format::Ctrf | Format::Classroom => {
            json_escaped(&rendered)
        }
        Format::Text | Format::Junit | Format::Tap => printable(&rendered),
    }
}

/// Characters that change how text around them is shown: control characters other than
/// newline and tab (terminal escape sequences, NUL, C1 controls), the bidirectional controls
/// (U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069, which can make a line read
/// differently from what it holds), the line and paragraph separators, and the two
/// non-characters XML 1.0 forbids.
pub(crate) fn is_hostile(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{fffe}'
                | '\u{ffff}'
        )
}

/// JSON text with every hostile character as a `\uXXXX` escape: the same JSON value, and
/// nothing a terminal or a viewer would act on. (Outside strings, JSON text holds no such
/// character, so replacing them everywhere only touches strings.)
pub fn json_escaped(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if is_hostile(c) && c != '\r' {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn json(report: &GradeReport) -> String {
    to_json(report)
}

/// Pretty JSON in which no control or bidi character is left raw (each is a `\uXXXX` escape):
/// for every JSON labrunner writes besides reports (class records, `--json` outputs).
pub fn harmless_json<T: Serialize>(value: &T) -> serde_json::Result<String> {
    serde_json::to_string_pretty(value).map(|json| json_escaped(&json))
}

/// Pretty JSON with a trailing newline. Serializing these plain structs cannot fail; should it
/// ever, the error is reported inside valid JSON rather than as a panic.
pub(crate) fn to_json<T: Serialize>(value: &T) -> String {
    match serde_json::to_string_pretty(value) {
        Ok(s) => s + "\n",
        Err(e) => serde_json::json!({ "error": e.to_string() }).to_string() + "\n",
    }
}

/// The name a check goes by in test-report formats: `step-id: description`.
pub(crate) fn check_name(step: &StepReport, check: &CheckReport) -> String {
    format!("{}: {}", step.id, check.description)
}

/// Text safe to print and to put in XML 1.0: every [`is_hostile`] character (terminal escape
/// sequences a container printed, NUL, bidi overrides, ...) is shown as a `\u{..}` escape.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            '\r' => {}
            c if is_hostile(c) => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// [`printable`] on one line: line breaks and tabs become spaces (a gradebook cell).
pub fn printable_line(text: &str) -> String {
    printable(text)
        .split(['\n', '\t'])
        .filter(|part| !part.trim().is_empty())
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Seconds with millisecond precision, as JUnit's `time` attributes want them.
pub(crate) fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

#[cfg(test)]
pub(crate) mod sample {
    //! Reports used by the renderers' snapshot tests.
    use super::*;
    use chrono::TimeZone;

    pub fn started() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 14, 9, 26, 53)
            .single()
            .unwrap_or_default()
    }

    /// A replayed submission: one step credited, one partly right, one check that could not run,
    /// one refused command. Evidence has XML/TAP-hostile characters on purpose.
    pub fn mixed() -> GradeReport {
        GradeReport {
            lab_id: "net-isolation".into(),
            lab_title: "Isolate a database on its own network".into(),
            namespace: Some("lr-a1b2c3".into()),
            started_at: started(),
            duration_ms: 4321,
            steps: vec![
                StepReport {
                    id: "create-network".into(),
                    title: "Create the network".into(),
                    credited: true,
                    checks: vec![CheckReport {
                        description: "network isolated-net exists (driver bridge)".into(),
                        score: 2,
                        max_score: 2,
                        status: Status::Passed,
                        evidence: "network isolated-net: driver bridge, subnet 172.30.0.0/16"
                            .into(),
                        duration_ms: 12,
                    }],
                },
                StepReport {
                    id: "run-db".into(),
                    title: "Start the database".into(),
                    credited: false,
                    checks: vec![
                        CheckReport {
                            description: "container db is running".into(),
                            score: 1,
                            max_score: 1,
                            status: Status::Passed,
                            evidence: "container db: running".into(),
                            duration_ms: 8,
                        },
                        CheckReport {
                            description: "container db is attached to isolated-net".into(),
                            score: 0,
                            max_score: 2,
                            status: Status::Failed,
                            evidence:
                                "db is attached to: bridge\n(expected isolated-net) <&> \"quoted\""
                                    .into(),
                            duration_ms: 9,
                        },
                    ],
                },
                StepReport {
                    id: "probe".into(),
                    title: "Prove the isolation".into(),
                    credited: false,
                    checks: vec![CheckReport {
                        description: "web cannot reach db by ping".into(),
                        score: 0,
                        max_score: 1,
                        status: Status::Error,
                        evidence: "no `ping` in container web: exec failed\u{1b}[0m".into(),
                        duration_ms: 1500,
                    }],
                },
            ],
            score: 3,
            max_score: 6,
            refused: vec![Refusal {
                line: 7,
                command: "docker run --privileged alpine".into(),
                reason: "`--privileged` gives the container full control of the host".into(),
            }],
            commands: vec![
                CommandRecord {
                    line: 3,
                    command: "docker network create isolated-net".into(),
                    outcome: CommandOutcome::Ran,
                    detail: "0f3c9a".into(),
                    credited: vec!["create-network".into()],
                },
                CommandRecord {
                    line: 5,
                    command: "docker run -d --name db alpine sleep 1000".into(),
                    outcome: CommandOutcome::Ran,
                    detail: String::new(),
                    credited: vec![],
                },
                CommandRecord {
                    line: 7,
                    command: "docker run --privileged alpine".into(),
                    outcome: CommandOutcome::Refused,
                    detail: "`--privileged` gives the container full control of the host".into(),
                    credited: vec![],
                },
            ],
            aborted: None,
        }
    }

    /// Current-state grading where everything passed.
    pub fn all_passed() -> GradeReport {
        GradeReport {
            lab_id: "volumes".into(),
            lab_title: "Keep data in a volume".into(),
            namespace: None,
            started_at: started(),
            duration_ms: 250,
            steps: vec![StepReport {
                id: "create".into(),
                title: "Create the volume".into(),
                credited: true,
                checks: vec![
                    CheckReport {
                        description: "volume persistent-store exists".into(),
                        score: 1,
                        max_score: 1,
                        status: Status::Passed,
                        evidence: "volume persistent-store (driver local)".into(),
                        duration_ms: 3,
                    },
                    CheckReport {
                        description: "file ledger.txt in persistent-store matches `entry`".into(),
                        score: 3,
                        max_score: 3,
                        status: Status::Passed,
                        evidence: "ledger.txt: entry 1".into(),
                        duration_ms: 410,
                    },
                ],
            }],
            score: 4,
            max_score: 4,
            refused: vec![],
            commands: vec![],
            aborted: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tally_counts_each_status() {
        let t = sample::mixed().tally();
        assert_eq!(
            t,
            Tally {
                checks: 4,
                passed: 2,
                failed: 1,
                errors: 1,
                unearned: 0,
            }
        );
        assert!(!sample::mixed().all_passed());
        assert!(sample::all_passed().all_passed());
    }

    #[test]
    fn aborted_grading_is_not_all_passed() {
        let mut r = sample::all_passed();
        r.aborted = Some("total time limit reached".into());
        assert!(!r.all_passed());
    }

    #[test]
    fn finished_at_adds_duration() {
        let r = sample::mixed();
        assert_eq!((r.finished_at() - r.started_at).num_milliseconds(), 4321);
    }

    #[test]
    fn a_report_reads_back_from_its_json() {
        let r = sample::mixed();
        let back: GradeReport = serde_json::from_str(&render(&r, Format::Json))
            .unwrap_or_else(|e| panic!("json report does not read back: {e}"));
        assert_eq!(back, r);
    }

    #[test]
    fn extensions_are_distinct() {
        let mut ext: Vec<_> = Format::ALL.iter().map(|f| f.extension()).collect();
        ext.sort_unstable();
        ext.dedup();
        assert_eq!(ext.len(), Format::ALL.len());
    }

    #[test]
    fn json_snapshot() {
        insta::assert_snapshot!(render(&sample::mixed(), Format::Json));
    }

    /// Every string of a report carries every kind of hostile character; no format lets one
    /// through raw, and the JSON formats still parse to the same text.
    #[test]
    fn no_format_lets_a_control_or_bidi_character_through() {
        const HOSTILE: &str = "x\u{1b}[2J\u{0}\u{7}\u{7f}\u{85}\u{9b}\u{202a}\u{202b}\u{202c}\u{202d}\u{202e}\u{2066}\u{2067}\u{2068}\u{2069}\u{200e}\u{200f}\u{61c}\u{2028}\u{2029}\r";
        let h = |s: &str| format!("{s}{HOSTILE}");
        let mut r = sample::mixed();
        r.lab_id = h(&r.lab_id);
        r.lab_title = h(&r.lab_title);
        r.namespace = Some(h("ns"));
        r.aborted = Some(h("stopped"));
        for step in &mut r.steps {
            step.id = h(&step.id);
            step.title = h(&step.title);
            for c in &mut step.checks {
                c.description = h(&c.description);
                c.evidence = h(&c.evidence);
            }
        }
        for x in &mut r.refused {
            x.command = h(&x.command);
            x.reason = h(&x.reason);
        }
        for c in &mut r.commands {
            c.command = h(&c.command);
            c.detail = h(&c.detail);
            c.credited = c.credited.iter().map(|s| h(s)).collect();
        }
        for format in [
            Format::Text,
            Format::Json,
            Format::Junit,
            Format::Tap,
            Format::Gradescope,
            Format::Ctrf,
        ] {
            let out = render(&r, format);
            let raw: Vec<char> = out.chars().filter(|&c| is_hostile(c)).collect();
            assert!(raw.is_empty(), "{format:?} lets through {raw:?}");
            if matches!(format, Format::Json | Format::Gradescope | Format::Ctrf) {
                let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
                if format == Format::Json {
                    assert_eq!(v["lab_title"].as_str(), Some(r.lab_title.as_str()));
                }
            }
        }
    }

    #[test]
    fn printable_escapes_control_characters() {
        assert_eq!(
            printable("a\u{1b}[0mb\r\n\tc\u{0}"),
            "a\\u{1b}[0mb\n\tc\\u{0}"
        );
    }

    #[test]
    fn seconds_has_millisecond_precision() {
        assert_eq!(seconds(0), "0.000");
        assert_eq!(seconds(1500), "1.500");
        assert_eq!(seconds(61_007), "61.007");
    }
}
