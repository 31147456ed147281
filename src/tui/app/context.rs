//! What every screen shares, and the app's settings and read-only views (drawing and tests
//! read the app through these; nothing outside writes its state).

use chrono::{DateTime, Utc};
use ratatui::layout::Rect;

use labrunner_core::{Catalog, ImageMap};

use super::events::{Effect, Level, Notice};
use super::{App, HomeRow, LabScreen, Mode, Overlay, ProgressKeeper, Screen, home};
use crate::tui::lab_view::LabView;
use crate::tui::quiz::QuizState;
use crate::tui::reader::ReaderState;
use crate::tui::terminal::Pane;

/// A notice stays this many ticks of [`App::tick`], then the status line shows the live state
/// again.
const NOTICE_TICKS: u32 = 16;

/// What every screen may read and write: the content, progress, the status line and settings.
pub struct Context {
    pub(super) catalog: Catalog,
    pub(super) progress: ProgressKeeper,
    pub(super) notice: Option<Notice>,
    /// Ticks the current notice has been shown.
    pub(super) notice_age: u32,
    /// The clock (fixed in tests).
    pub(super) now: fn() -> DateTime<Utc>,
    /// Where a lab's working folder is (fixed in tests).
    pub(super) workdir_of: fn(&str) -> std::path::PathBuf,
    /// Images mapped onto local ones: commands put at the prompt name the local image.
    pub(super) image_map: ImageMap,
    /// Start labs with the terminal pane (off for the screen tests of the panes around it).
    pub(super) with_terminal: bool,
    /// Labs open with the keyboard in the terminal pane (`labrunner lab`), else on the steps.
    pub(super) focus_terminal_on_open: bool,
}

impl Context {
    /// What [`Effect::RemoveLab`](super::Effect::RemoveLab) removed, on the status line.
    pub(super) fn removed(&mut self, lab: &str, result: &Result<Vec<String>, String>) {
        match result {
            Ok(removed) if removed.is_empty() => self.notify(
                Level::Info,
                format!("{lab}: nothing of it was left to remove"),
            ),
            Ok(removed) => {
                let text = format!("{lab}: removed {}", removed.join(", "));
                self.notify(Level::Info, text);
            }
            Err(e) => self.notify(Level::Error, format!("{lab}: could not remove: {e}")),
        }
    }

    /// A tick passes: a notice shown long enough goes.
    pub(super) fn age_notice(&mut self) {
        if self.notice.is_some() {
            self.notice_age += 1;
            if self.notice_age > NOTICE_TICKS {
                self.notice = None;
            }
        }
    }

    pub(super) fn notify(&mut self, level: Level, text: impl Into<String>) {
        self.notice = Some(Notice {
            level,
            text: text.into(),
        });
        self.notice_age = 0;
    }
}

impl App {
    // Settings, given before the app runs (tests fix the clock and the folders).

    pub fn set_clock(&mut self, now: fn() -> DateTime<Utc>) {
        self.cx.now = now;
    }

    pub fn set_workdirs(&mut self, workdir_of: fn(&str) -> std::path::PathBuf) {
        self.cx.workdir_of = workdir_of;
    }

    pub fn set_image_map(&mut self, map: ImageMap) {
        self.cx.image_map = map;
    }

    /// Labs open without the terminal pane (screen tests of the panes around it).
    pub fn without_terminal(&mut self) {
        self.cx.with_terminal = false;
    }

    /// Labs open with the keyboard in the terminal pane.
    pub fn focus_terminal_on_open(&mut self) {
        self.cx.focus_terminal_on_open = true;
    }

    pub fn set_banner(&mut self, text: String) {
        self.banner = Some(text);
    }

    // What drawing (and tests) read.

    pub fn catalog(&self) -> &Catalog {
        &self.cx.catalog
    }

    pub fn progress(&self) -> &ProgressKeeper {
        &self.cx.progress
    }

    pub fn notice(&self) -> Option<&Notice> {
        self.cx.notice.as_ref()
    }

    pub fn banner(&self) -> Option<&str> {
        self.banner.as_deref()
    }

    pub fn mode(&self) -> Mode {
        match &self.screen {
            Screen::Home => Mode::Home,
            Screen::Reader(_) => Mode::Reader,
            Screen::Lab(l) if l.showing_results() => Mode::Summary,
            Screen::Lab(_) => Mode::Lab,
            Screen::Quiz(_) => Mode::Quiz,
        }
    }

    pub fn overlay(&self) -> Option<&Overlay> {
        self.overlay.as_ref()
    }

    pub fn help_scroll(&self) -> u16 {
        self.help_scroll
    }

    pub fn session(&self) -> u64 {
        self.session
    }

    /// The student asked to quit.
    pub fn quitting(&self) -> bool {
        self.quit
    }

    pub fn home_selected(&self) -> usize {
        self.home.selected()
    }

    pub fn home_rows(&self) -> Vec<HomeRow> {
        home::rows(&self.cx.catalog)
    }

    pub fn reader(&self) -> Option<&ReaderState> {
        match &self.screen {
            Screen::Reader(r) => Some(r),
            _ => None,
        }
    }

    pub fn quiz(&self) -> Option<&QuizState> {
        match &self.screen {
            Screen::Quiz(q) => Some(q),
            _ => None,
        }
    }

    pub(super) fn lab_screen(&self) -> Option<&LabScreen> {
        match &self.screen {
            Screen::Lab(l) => Some(l),
            _ => None,
        }
    }

    pub(super) fn lab_screen_mut(&mut self) -> Option<&mut LabScreen> {
        match &mut self.screen {
            Screen::Lab(l) => Some(l),
            _ => None,
        }
    }

    /// The open lab's view (its results included).
    pub fn lab(&self) -> Option<&LabView> {
        self.lab_screen().map(LabScreen::view)
    }

    /// The open lab's terminal pane.
    pub fn terminal(&self) -> Option<&Pane> {
        self.lab_screen().and_then(LabScreen::pane)
    }

    /// Where the terminal pane was last laid out.
    pub fn terminal_area(&self) -> Option<Rect> {
        self.lab_screen().and_then(LabScreen::terminal_area)
    }

    /// Gives the mouse wheel to labrunner, or text selection back to the terminal.
    pub(super) fn toggle_mouse(&mut self) -> Effect {
        self.mouse_capture = !self.mouse_capture;
        let text = if self.mouse_capture {
            "mouse: the wheel scrolls here (m lets your terminal select text)"
        } else {
            "mouse: select text with your terminal (m gives the wheel back)"
        };
        self.notify(Level::Info, text);
        Effect::MouseCapture(self.mouse_capture)
    }
}
