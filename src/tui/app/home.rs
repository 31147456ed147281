//! Home: the list of lessons, their labs and knowledge checks.

use labrunner_core::{Catalog, LabEntry};

use super::{App, Effect, Level, Screen};
use crate::tui::keymap::Action;
use crate::tui::quiz::QuizState;
use crate::tui::reader::ReaderState;

/// One row of the home list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HomeRow {
    Lesson(usize),
    Lab(usize, usize),
    Quiz(usize),
}

/// The rows of the home list, in order.
pub fn rows(catalog: &Catalog) -> Vec<HomeRow> {
    let mut rows = Vec::new();
    for (i, lesson) in catalog.lessons.iter().enumerate() {
        rows.push(HomeRow::Lesson(i));
        for j in 0..lesson.labs.len() {
            rows.push(HomeRow::Lab(i, j));
        }
        if lesson.quiz.is_some() {
            rows.push(HomeRow::Quiz(i));
        }
    }
    rows
}

/// Which row is selected; kept while other screens are open.
#[derive(Debug, Default)]
pub struct HomeScreen {
    selected: usize,
}

impl HomeScreen {
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// Selects row `i` of `count` (the last one when `i` is past it).
    pub fn select(&mut self, i: usize, count: usize) {
        self.selected = i.min(count.saturating_sub(1));
    }

    pub fn move_by(&mut self, delta: isize, count: usize) {
        self.select(self.selected.saturating_add_signed(delta), count);
    }
}

impl App {
    /// Opens a lesson, lab or quiz.
    pub fn open(&mut self, row: HomeRow, effects: &mut Vec<Effect>) {
        let catalog = &self.cx.catalog;
        match row {
            HomeRow::Lesson(i) => {
                let lesson = &catalog.lessons[i];
                match &lesson.markdown {
                    Some(md) => self.screen = Screen::Reader(ReaderState::new(i, md.clone())),
                    None => {
                        let text = format!("lesson {} has no lessons/{}.md", lesson.id, lesson.id);
                        self.notify(Level::Warn, text);
                    }
                }
            }
            HomeRow::Lab(i, j) => match &catalog.lessons[i].labs[j] {
                LabEntry::Ok(lab) => {
                    let lab = (**lab).clone();
                    self.open_lab(lab, effects);
                }
                LabEntry::Broken { path, error } => {
                    let name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().to_string())
                        .unwrap_or_default();
                    let text = format!("{name}: {error} (run `labrunner validate`)");
                    self.notify(Level::Error, text);
                }
            },
            HomeRow::Quiz(i) => {
                let lesson = &catalog.lessons[i];
                match &lesson.quiz {
                    Some(Ok(quiz)) => {
                        let state = QuizState::new(
                            &lesson.id,
                            quiz.clone(),
                            self.cx.progress.get().quizzes.get(&lesson.id),
                        );
                        self.screen = Screen::Quiz(state);
                    }
                    Some(Err(e)) => {
                        let text = e.clone();
                        self.notify(Level::Error, text);
                    }
                    None => {}
                }
            }
        }
    }

    pub(super) fn go_home(&mut self, effects: &mut Vec<Effect>) {
        self.session += 1;
        // Stops the live loop, or the preflight of a lab that was never started.
        if let Screen::Lab(l) = &self.screen {
            effects.push(Effect::StopLive);
            if l.pane().is_some() {
                effects.push(Effect::CloseTerminal);
            }
        }
        self.screen = Screen::Home;
    }

    pub(super) fn act_home(&mut self, action: Action, effects: &mut Vec<Effect>) {
        let count = self.home_rows().len();
        match action {
            Action::Up => self.home.move_by(-1, count),
            Action::Down => self.home.move_by(1, count),
            Action::Top => self.home.select(0, count),
            Action::Bottom => self.home.select(usize::MAX, count),
            Action::Open => {
                if let Some(row) = self.home_rows().get(self.home.selected()).copied() {
                    self.open(row, effects);
                }
            }
            _ => {}
        }
    }

    /// Selects row `i` of home.
    pub fn select_home(&mut self, i: usize) {
        let count = self.home_rows().len();
        self.home.select(i, count);
    }
}
