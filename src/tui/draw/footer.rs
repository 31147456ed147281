//! The footer: the current scope's keys, from the keymap table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme;
use crate::tui::keymap::{self, Scope};

pub fn draw(frame: &mut Frame, area: Rect, scope: Scope) {
    let mut spans = Vec::new();
    for (keys, what) in keymap::footer(scope) {
        spans.push(Span::styled(format!(" {keys}"), theme::key()));
        spans.push(Span::styled(format!(" {what} "), theme::dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
