//! A lesson's knowledge-check quiz, from `lessons/<LESSON>.quiz.yaml`.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;

use super::{LessonError, invalid};

/// A lesson's knowledge check, from `lessons/<LESSON>.quiz.yaml`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quiz {
    pub lesson: String,
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Question {
    pub id: String,
    pub prompt: String,
    /// Shown after answering.
    pub explanation: String,
    #[serde(flatten)]
    pub kind: QuestionKind,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum QuestionKind {
    /// Multiple choice; `answer` is the 0-based index of the right choice.
    Choice { choices: Vec<String>, answer: usize },
    /// Free text, compared by the student with the model answer (self-assessed).
    Text { model_answer: String },
}

/// Parses and checks a quiz: unique ids, answers within the choices.
pub fn parse_quiz(text: &str, path: &Path) -> Result<Quiz, LessonError> {
    let quiz: Quiz = serde_yaml::from_str(text).map_err(|e| {
        let at = e
            .location()
            .map(|l| format!("{}:{}: ", l.line(), l.column()))
            .unwrap_or_default();
        invalid(path, format!("{at}{e}"))
    })?;
    let mut seen = BTreeSet::new();
    for q in &quiz.questions {
        if !seen.insert(q.id.as_str()) {
            return Err(invalid(
                path,
                format!("question id `{}` appears twice", q.id),
            ));
        }
        if let QuestionKind::Choice { choices, answer } = &q.kind
            && *answer >= choices.len()
        {
            return Err(invalid(
                path,
                format!(
                    "question `{}`: answer {answer} is not one of the {} choices (answers count from 0)",
                    q.id,
                    choices.len()
                ),
            ));
        }
    }
    Ok(quiz)
}

pub fn load_quiz(path: &Path) -> Result<Quiz, LessonError> {
    let text = std::fs::read_to_string(path).map_err(|source| LessonError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_quiz(&text, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiz_parses_and_checks_answers() {
        let ok = "lesson: L\nquestions:\n  - {id: a, kind: choice, prompt: P, choices: [x, y, z], answer: 2, explanation: E}\n  - {id: b, kind: text, prompt: P, model_answer: M, explanation: E}\n";
        let quiz = parse_quiz(ok, Path::new("q.yaml")).unwrap();
        assert_eq!(quiz.questions.len(), 2);
        assert!(matches!(
            quiz.questions[0].kind,
            QuestionKind::Choice { answer: 2, .. }
        ));
        let cases = [
            (
                "lesson: L\nquestions:\n  - {id: a, kind: choice, prompt: P, choices: [x], answer: 1, explanation: E}\n",
                "not one of",
            ),
            (
                "lesson: L\nquestions:\n  - {id: a, kind: text, prompt: P, model_answer: M, explanation: E}\n  - {id: a, kind: text, prompt: P, model_answer: M, explanation: E}\n",
                "twice",
            ),
            (
                "lesson: L\nquestions:\n  - {id: a, kind: essay, prompt: P, explanation: E}\n",
                "essay",
            ),
            ("lesson: [\n", "q.yaml"),
        ];
        for (text, expected) in cases {
            let err = parse_quiz(text, Path::new("q.yaml"))
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{err}");
        }
    }
}
