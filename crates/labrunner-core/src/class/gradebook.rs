//! The gradebook: one CSV row per student.

use super::*;

/// How a student stands in the gradebook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowStatus {
    /// Graded; every check passed.
    Passed,
    /// Graded; some check did not pass (the score says how much did).
    Failed,
    /// Could not be graded; the error column says why.
    Error,
    /// On the roster, but no result was found.
    Missing,
}

impl RowStatus {
    pub fn label(self) -> &'static str {
        match self {
            RowStatus::Passed => "passed",
            RowStatus::Failed => "failed",
            RowStatus::Error => "error",
            RowStatus::Missing => "missing",
        }
    }
}

/// One line of the gradebook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradebookRow {
    pub student: String,
    /// `None` when not graded.
    pub score: Option<u32>,
    pub max_score: u32,
    /// Points per step, in the lab's step order.
    pub steps: Vec<Option<u32>>,
    pub status: RowStatus,
    pub error: String,
}

impl GradebookRow {
    pub fn new(lab: &Lab, student: &str, record: Option<&StudentRecord>) -> Self {
        let max_score = lab.max_score();
        let mut row = GradebookRow {
            student: student.to_string(),
            score: None,
            max_score,
            steps: vec![None; lab.steps.len()],
            status: RowStatus::Missing,
            error: String::new(),
        };
        match record.map(|r| &r.outcome) {
            None => row.error = "no result in any of the folders given".to_string(),
            Some(Outcome::Error { error }) => {
                row.status = RowStatus::Error;
                row.error = error.clone();
            }
            Some(Outcome::Graded { report }) => {
                row.score = Some(report.score);
                row.max_score = report.max_score;
                row.status = if report.all_passed() {
                    RowStatus::Passed
                } else {
                    RowStatus::Failed
                };
                row.error = report.aborted.clone().unwrap_or_default();
                for (i, step) in lab.steps.iter().enumerate() {
                    row.steps[i] = report
                        .steps
                        .iter()
                        .find(|s| s.id == step.id)
                        .map(|s| s.checks.iter().map(|c| c.score).sum());
                }
            }
        }
        row
    }
}

/// The gradebook as CSV: `student,score,max,step:<id>...,status,error`.
pub fn gradebook_csv(lab: &Lab, rows: &[GradebookRow]) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["student".to_string(), "score".into(), "max".into()];
    header.extend(lab.steps.iter().map(|s| format!("step:{}", s.id)));
    header.extend(["status".to_string(), "error".into()]);
    w.write_record(&header)?;
    let show = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
    for row in rows {
        let mut fields = vec![
            csv_text(&row.student),
            show(row.score),
            row.max_score.to_string(),
        ];
        fields.extend(row.steps.iter().map(|s| show(*s)));
        fields.extend([row.status.label().to_string(), csv_text(&row.error)]);
        w.write_record(&fields)?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A text cell of the gradebook: on one line, control and bidi characters escaped, and a cell
/// a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return: OWASP's CSV injection list) prefixed with `'`, so it is shown as text. Student ids
/// are file names, and errors quote submissions: either may be written to be run.
pub(crate) fn csv_text(text: &str) -> String {
    let line = report::printable_line(text);
    if line.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{line}")
    } else {
        line
    }
}
