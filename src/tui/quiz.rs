//! The knowledge check's state machine: choose or type, reveal with the explanation,
//! self-assess typed answers, move on. Pure; the app records answers in the progress store.

use labrunner_core::{QuestionKind, Quiz, QuizProgress};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    Choosing {
        selected: usize,
    },
    Typing {
        text: String,
    },
    /// Multiple choice answered: the pick and whether it was right.
    ChoiceRevealed {
        picked: usize,
        correct: bool,
    },
    /// Typed answer shown next to the model answer; `assessed` once the student said.
    TextRevealed {
        text: String,
        assessed: Option<bool>,
    },
    Finished,
}

/// An answer to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    pub question: String,
    pub response: String,
    pub correct: bool,
    pub self_assessed: bool,
}

#[derive(Debug, Clone)]
pub struct QuizState {
    pub lesson: String,
    pub quiz: Quiz,
    pub index: usize,
    pub phase: Phase,
    /// Right/wrong per question in this sitting.
    pub results: Vec<Option<bool>>,
}

impl QuizState {
    /// Starts at the first question without a recorded answer (or the first, to retake).
    pub fn new(lesson: &str, quiz: Quiz, progress: Option<&QuizProgress>) -> Self {
        let start = quiz
            .questions
            .iter()
            .position(|q| progress.is_none_or(|p| !p.answers.contains_key(&q.id)))
            .unwrap_or(0);
        let results = quiz
            .questions
            .iter()
            .map(|q| {
                progress
                    .and_then(|p| p.answers.get(&q.id))
                    .map(|a| a.correct)
            })
            .collect();
        let mut s = QuizState {
            lesson: lesson.to_string(),
            quiz,
            index: start,
            phase: Phase::Finished,
            results,
        };
        s.phase = s.fresh_phase();
        s
    }

    fn fresh_phase(&self) -> Phase {
        match self.quiz.questions.get(self.index).map(|q| &q.kind) {
            Some(QuestionKind::Choice { .. }) => Phase::Choosing { selected: 0 },
            Some(QuestionKind::Text { .. }) => Phase::Typing {
                text: String::new(),
            },
            None => Phase::Finished,
        }
    }

    pub fn is_typing(&self) -> bool {
        matches!(self.phase, Phase::Typing { .. })
    }

    pub fn score(&self) -> (usize, usize) {
        (
            self.results.iter().filter(|r| **r == Some(true)).count(),
            self.quiz.questions.len(),
        )
    }

    fn choices(&self) -> usize {
        match self.quiz.questions.get(self.index).map(|q| &q.kind) {
            Some(QuestionKind::Choice { choices, .. }) => choices.len(),
            _ => 0,
        }
    }

    pub fn move_choice(&mut self, delta: isize) {
        let n = self.choices();
        if let Phase::Choosing { selected } = &mut self.phase
            && n > 0
        {
            *selected = selected.saturating_add_signed(delta).min(n - 1);
        }
    }

    pub fn choose(&mut self, i: usize) {
        let n = self.choices();
        if let Phase::Choosing { selected } = &mut self.phase
            && i < n
        {
            *selected = i;
        }
    }

    pub fn type_char(&mut self, c: char) {
        if let Phase::Typing { text } = &mut self.phase {
            text.push(c);
        }
    }

    pub fn backspace(&mut self) {
        if let Phase::Typing { text } = &mut self.phase {
            text.pop();
        }
    }

    /// Enter: answer, or move on after the explanation. Returns an answer to record.
    pub fn submit(&mut self) -> Option<Answered> {
        let question = self.quiz.questions.get(self.index)?.clone();
        match (&self.phase, &question.kind) {
            (Phase::Choosing { selected }, QuestionKind::Choice { answer, .. }) => {
                let correct = selected == answer;
                let picked = *selected;
                self.results[self.index] = Some(correct);
                self.phase = Phase::ChoiceRevealed { picked, correct };
                Some(Answered {
                    question: question.id,
                    response: picked.to_string(),
                    correct,
                    self_assessed: false,
                })
            }
            (Phase::Typing { text }, _) => {
                if !text.trim().is_empty() {
                    self.phase = Phase::TextRevealed {
                        text: text.clone(),
                        assessed: None,
                    };
                }
                None
            }
            (Phase::ChoiceRevealed { .. }, _)
            | (
                Phase::TextRevealed {
                    assessed: Some(_), ..
                },
                _,
            ) => {
                self.index += 1;
                self.phase = self.fresh_phase();
                None
            }
            _ => None,
        }
    }

    /// y/n after a typed answer was revealed.
    pub fn assess(&mut self, right: bool) -> Option<Answered> {
        let Phase::TextRevealed { text, assessed } = &mut self.phase else {
            return None;
        };
        if assessed.is_some() {
            return None;
        }
        *assessed = Some(right);
        let id = self.quiz.questions.get(self.index)?.id.clone();
        self.results[self.index] = Some(right);
        Some(Answered {
            question: id,
            response: text.clone(),
            correct: right,
            self_assessed: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use labrunner_core::parse_quiz;

    pub(crate) fn quiz() -> Quiz {
        parse_quiz(
            "lesson: L1\nquestions:\n  - {id: a, kind: choice, prompt: Which?, choices: [x, y, z], answer: 1, explanation: Because y.}\n  - {id: b, kind: text, prompt: Why?, model_answer: Because., explanation: E}\n",
            std::path::Path::new("q.yaml"),
        )
        .unwrap()
    }

    #[test]
    fn choice_then_text_then_finished() {
        let mut q = QuizState::new("L1", quiz(), None);
        assert_eq!(q.phase, Phase::Choosing { selected: 0 });
        q.move_choice(5);
        assert_eq!(q.phase, Phase::Choosing { selected: 2 });
        q.choose(1);
        q.choose(7);
        let a = q.submit().unwrap();
        assert!(a.correct && !a.self_assessed && a.response == "1");
        assert_eq!(
            q.phase,
            Phase::ChoiceRevealed {
                picked: 1,
                correct: true
            }
        );
        assert_eq!(q.submit(), None);
        assert!(q.is_typing());
        q.submit();
        assert!(q.is_typing(), "an empty answer is not submitted");
        for c in "becausx".chars() {
            q.type_char(c);
        }
        q.backspace();
        q.type_char('e');
        q.submit();
        assert_eq!(
            q.phase,
            Phase::TextRevealed {
                text: "because".into(),
                assessed: None
            }
        );
        assert_eq!(q.submit(), None, "must self-assess first");
        assert!(matches!(q.phase, Phase::TextRevealed { .. }));
        let a = q.assess(false).unwrap();
        assert!(!a.correct && a.self_assessed);
        assert_eq!(q.assess(true), None, "only once");
        q.submit();
        assert_eq!(q.phase, Phase::Finished);
        assert_eq!(q.score(), (1, 2));
    }

    #[test]
    fn resumes_at_first_unanswered() {
        let mut p = QuizProgress::default();
        p.answers.insert(
            "a".into(),
            labrunner_core::QuizAnswer {
                response: "0".into(),
                correct: false,
                self_assessed: false,
                answered_at: chrono::DateTime::UNIX_EPOCH,
            },
        );
        let q = QuizState::new("L1", quiz(), Some(&p));
        assert_eq!(q.index, 1);
        assert_eq!(q.results, vec![Some(false), None]);
    }
}
