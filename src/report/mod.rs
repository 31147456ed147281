//! Grading reports and their output formats.

use serde::Serialize;

/// The result of grading one lab.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GradeReport {
    pub lab_id: String,
    pub lab_title: String,
    pub namespace: Option<String>,
    pub duration_ms: u64,
    pub steps: Vec<StepReport>,
    pub score: u32,
    pub max_score: u32,
    /// Submission commands that were refused, and why.
    pub refused: Vec<Refusal>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepReport {
    pub id: String,
    pub title: String,
    pub credited: bool,
    pub checks: Vec<CheckReport>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Passed,
    Failed,
    /// Could not be checked.
    Error,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    pub description: String,
    pub score: u32,
    pub max_score: u32,
    pub status: Status,
    pub evidence: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Refusal {
    /// 1-based line in the submission file.
    pub line: usize,
    pub command: String,
    pub reason: String,
}
