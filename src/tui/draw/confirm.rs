//! The confirmation dialog shown before anything destructive (or before a lab's first start).
//! The answer keys sit in its border, so they stay in view however long the question is.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

use super::home::truncate;
use super::{centered, theme};
use crate::tui::layout::wrap_words;

pub fn draw(frame: &mut Frame, area: Rect, question: &str) {
    let width = 64.min(area.width.saturating_sub(2)).max(10).min(area.width);
    let text_width = width.saturating_sub(2).max(1) as usize;
    let mut lines: Vec<String> = wrap_words(question, text_width);
    let room = area.height.saturating_sub(2) as usize;
    if lines.len() > room {
        lines.truncate(room);
        if let Some(last) = lines.last_mut() {
            *last = truncate(&format!("{last} …"), text_width);
        }
    }
    let popup = centered(area, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, popup);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme::warn())
        .title(" Are you sure? ")
        .title_bottom(Line::from(vec![
            Span::styled(" y ", theme::key()),
            Span::raw("yes  "),
            Span::styled(" n ", theme::key()),
            Span::raw("no "),
        ]));
    let text: Vec<Line> = lines.into_iter().map(Line::from).collect();
    frame.render_widget(Paragraph::new(text).block(block), popup);
}
