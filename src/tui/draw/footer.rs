//! The footer: the current scope's keys, from the keymap table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme;
use crate::tui::keymap::{self, Scope};

/// Entries that fit whole, in table order (help first); when some do not, the line ends with
/// `…` (the help overlay lists every key).
pub fn draw(frame: &mut Frame, area: Rect, scope: Scope) {
    let mut spans = Vec::new();
    let mut used = 0usize;
    let room = area.width as usize;
    for (keys, what) in keymap::footer(scope) {
        let (k, w) = (format!(" {keys}"), format!(" {what} "));
        let need = k.chars().count() + w.chars().count();
        if used + need > room.saturating_sub(1) {
            spans.push(Span::styled("…", theme::dim()));
            break;
        }
        used += need;
        spans.push(Span::styled(k, theme::key()));
        spans.push(Span::styled(w, theme::dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
