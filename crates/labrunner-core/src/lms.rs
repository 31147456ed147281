//! Gradebooks a learning management system imports: Canvas's and Moodle's gradebook CSV, and an
//! LTI 1.3 Assignment and Grade Services score per student (for a relay that posts it to the
//! platform's line item). Students are submission names; an LMS knows people by its own
//! identities, so a roster file maps the one onto the other (`student,name,canvas_id,...`).
//!
//! Every text cell goes through the gradebook's one rule against formulas (a cell starting
//! with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::class::{
    ClassError, GradebookRow, OutDir, RowStatus, StudentRecord, csv_text, write_atomic,
};
use crate::input::{self, MAX_DOCUMENT_BYTES};
use crate::lab::Lab;

/// The columns a roster file may have; `student` is required.
pub const ROSTER_COLUMNS: &[&str] = &[
    "student",
    "name",
    "canvas_id",
    "sis_user_id",
    "sis_login_id",
    "section",
    "email",
    "username",
    "idnumber",
    "lti_user_id",
];

/// One student's identities in the LMS, as the roster file gives them (empty when not given).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub canvas_id: String,
    pub sis_user_id: String,
    pub sis_login_id: String,
    pub section: String,
    pub email: String,
    pub username: String,
    pub idnumber: String,
    pub lti_user_id: String,
}

/// Submission names onto LMS identities.
#[derive(Debug, Clone, Default)]
pub struct LmsRoster {
    path: PathBuf,
    students: BTreeMap<String, Identity>,
}

#[derive(Debug, thiserror::Error)]
pub enum LmsError {
    #[error("cannot read the roster {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}:{column}: {message}", path.display())]
    At {
        path: PathBuf,
        line: u64,
        column: usize,
        message: String,
    },
    #[error("{}: {message}", path.display())]
    Roster { path: PathBuf, message: String },
    #[error(transparent)]
    Write(#[from] ClassError),
}

impl LmsRoster {
    /// Read a roster file: CSV, a header of [`ROSTER_COLUMNS`] (in any order, `student`
    /// required), one row per student. Read with the documents' bound.
    pub fn read(path: &Path) -> Result<LmsRoster, LmsError> {
        let text =
            input::read_to_string(path, MAX_DOCUMENT_BYTES).map_err(|source| LmsError::Read {
                path: path.to_path_buf(),
                source,
            })?;
        Self::parse(path, &text)
    }

    fn parse(path: &Path, text: &str) -> Result<LmsRoster, LmsError> {
        let at = |line: u64, column: usize, message: String| LmsError::At {
            path: path.to_path_buf(),
            line,
            column,
            message,
        };
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| at(1, 1, e.to_string()))?
            .iter()
            .map(str::to_string)
            .collect();
        for (i, column) in header.iter().enumerate() {
            if !ROSTER_COLUMNS.contains(&column.as_str()) {
                return Err(at(
                    1,
                    i + 1,
                    format!(
                        "unknown column `{column}`; a roster's columns are {}",
                        ROSTER_COLUMNS.join(", ")
                    ),
                ));
            }
            if header[..i].contains(column) {
                return Err(at(1, i + 1, format!("column `{column}` given twice")));
            }
        }
        let Some(student_column) = header.iter().position(|c| c == "student") else {
            return Err(at(
                1,
                1,
                "no `student` column: it names each student's submission (`alice` for alice.sh)"
                    .into(),
            ));
        };
        let mut students = BTreeMap::new();
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                at(line, 1, e.to_string())
            })?;
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            let field = |name: &str| {
                header
                    .iter()
                    .position(|c| c == name)
                    .and_then(|i| record.get(i))
                    .unwrap_or("")
                    .to_string()
            };
            let student = field("student");
            if student.is_empty() {
                return Err(at(line, student_column + 1, "empty student".into()));
            }
            let identity = Identity {
                name: field("name"),
                canvas_id: field("canvas_id"),
                sis_user_id: field("sis_user_id"),
                sis_login_id: field("sis_login_id"),
                section: field("section"),
                email: field("email"),
                username: field("username"),
                idnumber: field("idnumber"),
                lti_user_id: field("lti_user_id"),
            };
            if students.insert(student.clone(), identity).is_some() {
                return Err(at(
                    line,
                    student_column + 1,
                    format!("student `{student}` is on the roster twice"),
                ));
            }
        }
        Ok(LmsRoster {
            path: path.to_path_buf(),
            students,
        })
    }

    /// The identity of each graded student, in order; an error naming every student the
    /// roster file lacks, or who lacks what `format` needs to be found in the LMS.
    fn identities<'a>(
        &'a self,
        rows: &[GradebookRow],
        format: LmsFormat,
    ) -> Result<Vec<&'a Identity>, LmsError> {
        let mut found = Vec::new();
        let mut absent = Vec::new();
        let mut unnamed = Vec::new();
        for row in rows {
            match self.students.get(&row.student) {
                None => absent.push(row.student.as_str()),
                Some(id) if !format.identifies(id) => unnamed.push(row.student.as_str()),
                Some(id) => found.push(id),
            }
        }
        if !absent.is_empty() {
            return Err(LmsError::Roster {
                path: self.path.clone(),
                message: format!("no row for {}: add one per student", absent.join(", ")),
            });
        }
        if !unnamed.is_empty() {
            return Err(LmsError::Roster {
                path: self.path.clone(),
                message: format!(
                    "{} needs {} for {}",
                    format.label(),
                    format.needs(),
                    unnamed.join(", ")
                ),
            });
        }
        Ok(found)
    }
}

/// The LMS forms of a class's gradebook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LmsFormat {
    /// `gradebook.canvas.csv`: Canvas's gradebook import.
    CanvasCsv,
    /// `gradebook.moodle.csv`: Moodle's "Import grades: CSV file".
    MoodleCsv,
    /// `<student>.lti-score.json`: an LTI AGS score per student.
    LtiScore,
}

impl LmsFormat {
    pub fn label(self) -> &'static str {
        match self {
            LmsFormat::CanvasCsv => "canvas-csv",
            LmsFormat::MoodleCsv => "moodle-csv",
            LmsFormat::LtiScore => "lti-score",
        }
    }

    fn needs(self) -> &'static str {
        match self {
            LmsFormat::CanvasCsv => "name and one of canvas_id, sis_user_id, sis_login_id",
            LmsFormat::MoodleCsv => "one of email, username, idnumber",
            LmsFormat::LtiScore => "lti_user_id",
        }
    }

    fn identifies(self, id: &Identity) -> bool {
        match self {
            LmsFormat::CanvasCsv => {
                let keys = [&id.canvas_id, &id.sis_user_id, &id.sis_login_id];
                !id.name.is_empty() && keys.iter().any(|k| !k.is_empty())
            }
            LmsFormat::MoodleCsv => {
                !(id.email.is_empty() && id.username.is_empty() && id.idnumber.is_empty())
            }
            LmsFormat::LtiScore => !id.lti_user_id.is_empty(),
        }
    }
}

/// A score for an LMS: empty (no change) for a student who could not be graded or has no
/// result, so nothing labrunner could not establish overwrites a grade.
fn score(row: &GradebookRow) -> String {
    match (row.status, row.score) {
        (RowStatus::Passed | RowStatus::Failed, Some(s)) => s.to_string(),
        _ => String::new(),
    }
}

fn csv_string(rows: Vec<Vec<String>>) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows {
        w.write_record(row.iter().map(|c| csv_text(c)))?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Canvas's gradebook import: `Student,ID,SIS User ID,SIS Login ID,Section,<assignment>`,
/// a `Points Possible` row, then one row per student.
pub fn canvas_csv(
    roster: &LmsRoster,
    assignment: &str,
    max_score: u32,
    rows: &[GradebookRow],
) -> Result<String, LmsError> {
    let ids = roster.identities(rows, LmsFormat::CanvasCsv)?;
    let mut table = vec![
        [
            "Student",
            "ID",
            "SIS User ID",
            "SIS Login ID",
            "Section",
            assignment,
        ]
        .map(String::from)
        .to_vec(),
        vec![
            "Points Possible".into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            max_score.to_string(),
        ],
    ];
    for (row, id) in rows.iter().zip(ids) {
        table.push(vec![
            id.name.clone(),
            id.canvas_id.clone(),
            id.sis_user_id.clone(),
            id.sis_login_id.clone(),
            id.section.clone(),
            score(row),
        ]);
    }
    csv_string(table).map_err(|e| roster_error(roster, e))
}

/// Moodle's grade import: `Email address,Username,ID number` (map any of them to the user
/// field of the same name), the grade item's column, and a feedback column (map it to the
/// item's feedback) saying why a student could not be graded.
pub fn moodle_csv(
    roster: &LmsRoster,
    assignment: &str,
    rows: &[GradebookRow],
) -> Result<String, LmsError> {
    let ids = roster.identities(rows, LmsFormat::MoodleCsv)?;
    let mut table = vec![vec![
        "Email address".to_string(),
        "Username".into(),
        "ID number".into(),
        assignment.into(),
        format!("{assignment} (feedback)"),
    ]];
    for (row, id) in rows.iter().zip(ids) {
        let feedback = match row.status {
            RowStatus::Error => format!("could not be graded: {}", row.error),
            RowStatus::Missing => "no result".to_string(),
            RowStatus::Passed | RowStatus::Failed => String::new(),
        };
        table.push(vec![
            id.email.clone(),
            id.username.clone(),
            id.idnumber.clone(),
            score(row),
            feedback,
        ]);
    }
    csv_string(table).map_err(|e| roster_error(roster, e))
}

fn roster_error(roster: &LmsRoster, e: csv::Error) -> LmsError {
    LmsError::Roster {
        path: roster.path.clone(),
        message: e.to_string(),
    }
}

/// Write the LMS forms asked for, for the students of `records` (in their order), into `out`:
/// `gradebook.canvas.csv`, `gradebook.moodle.csv`, `lti-scores/<student>.json`. The
/// assignment's name is the column Canvas and Moodle match on (default: the lab's title).
/// Returns the files written.
pub fn write_lms_files(
    out: &OutDir,
    lab: &Lab,
    records: &[StudentRecord],
    roster: &LmsRoster,
    formats: &[LmsFormat],
    assignment: Option<&str>,
    at: DateTime<Utc>,
) -> Result<Vec<PathBuf>, LmsError> {
    let rows: Vec<GradebookRow> = records
        .iter()
        .map(|r| GradebookRow::new(lab, &r.student, Some(r)))
        .collect();
    let assignment = assignment.unwrap_or(&lab.title);
    let folder = out.gradebook().with_file_name("");
    let mut written = Vec::new();
    for format in formats {
        match format {
            LmsFormat::CanvasCsv => {
                let path = folder.join("gradebook.canvas.csv");
                let csv = canvas_csv(roster, assignment, lab.max_score(), &rows)?;
                write_atomic(&path, csv.as_bytes())?;
                written.push(path);
            }
            LmsFormat::MoodleCsv => {
                let path = folder.join("gradebook.moodle.csv");
                write_atomic(&path, moodle_csv(roster, assignment, &rows)?.as_bytes())?;
                written.push(path);
            }
            LmsFormat::LtiScore => {
                let dir = folder.join("lti-scores");
                std::fs::create_dir_all(&dir).map_err(|source| ClassError::Write {
                    path: dir.clone(),
                    source,
                })?;
                for (student, json) in lti_scores(roster, &rows, at)? {
                    let path = dir.join(format!("{student}.json"));
                    write_atomic(&path, json.as_bytes())?;
                }
                written.push(dir);
            }
        }
    }
    Ok(written)
}

/// An LTI 1.3 AGS score (`application/vnd.ims.lis.v1.score+json`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Score<'a> {
    user_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    score_given: Option<u32>,
    score_maximum: u32,
    comment: String,
    timestamp: String,
    activity_progress: &'static str,
    grading_progress: &'static str,
}

/// Each graded student's AGS score, `(student, JSON)`: `FullyGraded` with the score, or for a
/// student who could not be graded `Failed` without `scoreGiven` and the reason as comment.
pub fn lti_scores(
    roster: &LmsRoster,
    rows: &[GradebookRow],
    at: DateTime<Utc>,
) -> Result<Vec<(String, String)>, LmsError> {
    let ids = roster.identities(rows, LmsFormat::LtiScore)?;
    let timestamp = at.to_rfc3339_opts(SecondsFormat::Millis, true);
    let mut scores = Vec::new();
    for (row, id) in rows.iter().zip(ids) {
        let graded = matches!(row.status, RowStatus::Passed | RowStatus::Failed);
        let score = Score {
            user_id: &id.lti_user_id,
            score_given: if graded { row.score } else { None },
            score_maximum: row.max_score,
            comment: match row.status {
                RowStatus::Error => format!("could not be graded: {}", row.error),
                _ => format!("{}/{}", row.score.unwrap_or(0), row.max_score),
            },
            timestamp: timestamp.clone(),
            activity_progress: "Completed",
            grading_progress: if graded { "FullyGraded" } else { "Failed" },
        };
        let json = serde_json::to_string_pretty(&score).unwrap_or_default();
        scores.push((row.student.clone(), json + "\n"));
    }
    Ok(scores)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(student: &str, score: Option<u32>, status: RowStatus) -> GradebookRow {
        GradebookRow {
            student: student.into(),
            score,
            max_score: 8,
            steps: vec![],
            status,
            error: if status == RowStatus::Error {
                "submission too large".into()
            } else {
                String::new()
            },
        }
    }

    const ROSTER: &str = "student,name,canvas_id,sis_user_id,sis_login_id,section,email,username,idnumber,lti_user_id
alice,\"Liddell, Alice\",101,S1,alice1,Lab A,alice@uni.test,alice,1001,lti-a
bob,=cmd|'/c calc'!A0,102,S2,bob1,Lab A,bob@uni.test,bob,1002,lti-b
zed,Zed,103,S3,zed1,Lab B,zed@uni.test,zed,1003,lti-z
";

    fn roster() -> LmsRoster {
        LmsRoster::parse(Path::new("roster.csv"), ROSTER).unwrap_or_else(|e| panic!("{e}"))
    }

    fn rows() -> Vec<GradebookRow> {
        vec![
            row("alice", Some(8), RowStatus::Passed),
            row("bob", Some(3), RowStatus::Failed),
            row("zed", None, RowStatus::Error),
        ]
    }

    fn read(csv: &str) -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(csv.as_bytes())
            .records()
            .map(|r| {
                r.map(|r| r.iter().map(str::to_string).collect())
                    .unwrap_or_default()
            })
            .collect()
    }

    #[test]
    fn canvas_has_its_import_columns_points_possible_and_neutralised_cells() {
        let csv =
            canvas_csv(&roster(), "Volumes lab", 8, &rows()).unwrap_or_else(|e| panic!("{e}"));
        let t = read(&csv);
        assert_eq!(
            t[0],
            [
                "Student",
                "ID",
                "SIS User ID",
                "SIS Login ID",
                "Section",
                "Volumes lab"
            ]
        );
        assert_eq!(t[1], ["Points Possible", "", "", "", "", "8"]);
        assert_eq!(
            t[2],
            ["Liddell, Alice", "101", "S1", "alice1", "Lab A", "8"]
        );
        assert_eq!(t[3][0], "'=cmd|'/c calc'!A0", "{csv}");
        assert_eq!(t[3][5], "3");
        // Could not be graded: no grade is written (the LMS keeps what it had).
        assert_eq!(t[4], ["Zed", "103", "S3", "zed1", "Lab B", ""]);
    }

    #[test]
    fn moodle_has_identity_columns_the_item_and_feedback() {
        let csv = moodle_csv(&roster(), "Volumes lab", &rows()).unwrap_or_else(|e| panic!("{e}"));
        let t = read(&csv);
        assert_eq!(
            t[0],
            [
                "Email address",
                "Username",
                "ID number",
                "Volumes lab",
                "Volumes lab (feedback)"
            ]
        );
        assert_eq!(t[1], ["alice@uni.test", "alice", "1001", "8", ""]);
        assert_eq!(t[3][3], "");
        assert_eq!(t[3][4], "could not be graded: submission too large");
    }

    #[test]
    fn lti_scores_are_fully_graded_or_failed_without_a_score() {
        let at = DateTime::parse_from_rfc3339("2026-12-07T10:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let scores = lti_scores(&roster(), &rows(), at).unwrap_or_else(|e| panic!("{e}"));
        let json = |i: usize| -> serde_json::Value {
            serde_json::from_str(&scores[i].1).unwrap_or_default()
        };
        assert_eq!(scores[0].0, "alice");
        assert_eq!(json(0)["userId"], "lti-a");
        assert_eq!(json(0)["scoreGiven"], 8);
        assert_eq!(json(0)["scoreMaximum"], 8);
        assert_eq!(json(0)["gradingProgress"], "FullyGraded");
        assert_eq!(json(0)["activityProgress"], "Completed");
        assert_eq!(json(0)["timestamp"], "2026-12-07T10:00:00.000Z");
        assert_eq!(json(1)["scoreGiven"], 3);
        assert!(json(2).get("scoreGiven").is_none(), "{}", scores[2].1);
        assert_eq!(json(2)["gradingProgress"], "Failed");
    }

    #[test]
    fn a_roster_missing_a_student_or_an_identity_is_refused_by_name() {
        let short = LmsRoster::parse(
            Path::new("r.csv"),
            "student,name,canvas_id\nalice,Alice,1\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let e = canvas_csv(&short, "x", 8, &rows())
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert_eq!(e, "r.csv: no row for bob, zed: add one per student");
        let e = lti_scores(&roster_without_lti(), &rows(), Utc::now())
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("lti-score needs lti_user_id for alice, bob, zed"),
            "{e}"
        );
    }

    fn roster_without_lti() -> LmsRoster {
        LmsRoster::parse(
            Path::new("r.csv"),
            "student,name,email\nalice,A,a@x\nbob,B,b@x\nzed,Z,z@x\n",
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn bad_roster_files_name_the_line_and_column() {
        let table = [
            (
                "student,nmae\nalice,A\n",
                "r.csv:1:2: unknown column `nmae`",
            ),
            ("name\nA\n", "r.csv:1:1: no `student` column"),
            (
                "student,name\nalice,A\nalice,B\n",
                "r.csv:3:1: student `alice` is on the roster twice",
            ),
            ("name,student\nA,\n", "r.csv:2:2: empty student"),
            (
                "student,student\na,b\n",
                "r.csv:1:2: column `student` given twice",
            ),
            ("student,name\nalice,A,extra\n", "r.csv:2:1: "),
        ];
        for (text, expected) in table {
            let e = LmsRoster::parse(Path::new("r.csv"), text)
                .map(|_| ())
                .unwrap_err()
                .to_string();
            assert!(e.starts_with(expected), "{text:?}: {e}");
        }
    }
}
