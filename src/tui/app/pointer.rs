//! The mouse and pasted text, routed to the screen under them.

use ratatui::crossterm::event::{MouseEvent, MouseEventKind};
use ratatui::layout::Position;

use super::{App, Effect, Screen};

impl App {
    /// The mouse: reported to the program in the terminal pane when it enabled mouse tracking
    /// and the pointer is over the pane; otherwise the wheel scrolls what is under it.
    pub fn on_mouse(&mut self, ev: MouseEvent) -> Vec<Effect> {
        if self.overlay.is_some() {
            return Vec::new();
        }
        if let Screen::Lab(l) = &self.screen
            && let Some(effects) = l.terminal_mouse(&ev)
        {
            return effects;
        }
        let delta: isize = match ev.kind {
            MouseEventKind::ScrollDown => 3,
            MouseEventKind::ScrollUp => -3,
            _ => return Vec::new(),
        };
        let count = self.home_rows().len();
        match &mut self.screen {
            Screen::Home => self.home.move_by(delta.signum(), count),
            Screen::Reader(r) => r.scroll_by(delta),
            Screen::Lab(l) => {
                let over = l
                    .terminal_area()
                    .is_some_and(|a| a.contains(Position::new(ev.column, ev.row)));
                l.scroll(delta, over);
            }
            Screen::Quiz(_) => {}
        }
        Vec::new()
    }

    /// Text pasted into labrunner's terminal: to the pane's shell when the pane has the keys.
    pub fn on_paste(&mut self, text: &str) -> Vec<Effect> {
        match &self.screen {
            Screen::Lab(l) => l.terminal_paste(text),
            _ => Vec::new(),
        }
    }
}
