//! Evaluating declarative checks against the engine. A failed check is data, not an error.

use serde::Serialize;

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// The condition holds as expected; `evidence` says what was seen.
    Pass { evidence: String },
    /// The condition does not hold as expected; `evidence` says what was seen instead.
    Fail { evidence: String },
    /// The check could not be carried out (daemon gone, no such command in the container, ...).
    Unknown { reason: String },
}

impl Verdict {
    pub fn passed(&self) -> bool {
        matches!(self, Verdict::Pass { .. })
    }
    pub fn text(&self) -> &str {
        match self {
            Verdict::Pass { evidence } | Verdict::Fail { evidence } => evidence,
            Verdict::Unknown { reason } => reason,
        }
    }
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Pass { .. } => "pass",
            Verdict::Fail { .. } => "fail",
            Verdict::Unknown { .. } => "unknown",
        }
    }
}

/// One check's outcome, with where it belongs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckOutcome {
    pub step: String,
    pub index: usize,
    /// Plain-English description of what was checked.
    pub description: String,
    pub points: u32,
    #[serde(flatten)]
    pub verdict: Verdict,
}
