//! The keys of the lesson reader and the knowledge check.

use labrunner_core::QuizAnswer;

use super::super::keymap::Action;
use super::super::quiz::{Answered, Phase, QuizState};
use super::super::reader::ReaderState;
use super::{App, Level};

/// What a screen asks of the router after a key.
#[must_use]
#[derive(Debug, PartialEq)]
pub enum Next {
    Stay,
    /// Back to home.
    Leave,
}

pub fn act_reader(r: &mut ReaderState, action: Action) -> Next {
    if r.searching() {
        match action {
            Action::Submit => r.submit_search(),
            Action::Back => r.cancel_search(),
            _ => {}
        }
        return Next::Stay;
    }
    if r.sections_focus {
        match action {
            Action::Up => r.move_section_selection(-1),
            Action::Down => r.move_section_selection(1),
            Action::Top => r.section_selected = 0,
            Action::Bottom => r.move_section_selection(isize::MAX),
            Action::Open => {
                let i = r.section_selected;
                r.jump_to_section(i);
                r.sections_focus = false;
            }
            Action::Back | Action::ToggleSections => r.sections_focus = false,
            _ => return act_reader_text(r, action),
        }
        return Next::Stay;
    }
    act_reader_text(r, action)
}

fn act_reader_text(r: &mut ReaderState, action: Action) -> Next {
    match action {
        Action::Up => r.scroll_by(-1),
        Action::Down => r.scroll_by(1),
        Action::PageUp => r.page(false),
        Action::PageDown => r.page(true),
        Action::Top => r.top(),
        Action::Bottom => r.bottom(),
        Action::NextSection => r.next_section(true),
        Action::PrevSection => r.next_section(false),
        Action::ToggleSections => r.toggle_sections(),
        Action::Search => r.start_search(),
        Action::NextMatch => r.next_match(true),
        Action::PrevMatch => r.next_match(false),
        Action::ScrollLeft => r.scroll_sideways(false),
        Action::ScrollRight => r.scroll_sideways(true),
        // Esc ends a search first, then leaves.
        Action::Back if r.search.is_some() => r.cancel_search(),
        Action::Back => return Next::Leave,
        _ => {}
    }
    Next::Stay
}

/// A key of the knowledge check: whether to leave, and the answer to record, if any.
pub fn act_quiz(q: &mut QuizState, action: Action) -> (Next, Option<Answered>) {
    let answered = match action {
        Action::Up => {
            q.move_choice(-1);
            None
        }
        Action::Down => {
            q.move_choice(1);
            None
        }
        Action::Choose(i) => {
            q.choose(i as usize);
            None
        }
        Action::Submit if q.phase == Phase::Finished => return (Next::Leave, None),
        Action::Submit => q.submit(),
        Action::Right => q.assess(true),
        Action::Wrong => q.assess(false),
        Action::Back => return (Next::Leave, None),
        _ => None,
    };
    (Next::Stay, answered)
}

impl App {
    /// Saves an answer of the knowledge check.
    pub(super) fn record_answer(&mut self, lesson: &str, a: Answered) {
        let answer = QuizAnswer {
            response: a.response,
            correct: a.correct,
            self_assessed: a.self_assessed,
            answered_at: (self.cx.now)(),
        };
        if let Err(e) = self
            .cx
            .progress
            .update(|p| p.record_answer(lesson, &a.question, answer))
        {
            self.notify(Level::Error, format!("progress not saved: {e}"));
        }
    }
}
