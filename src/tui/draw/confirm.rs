//! The confirmation dialog shown before anything destructive.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};

use super::{centered, theme};

pub fn draw(frame: &mut Frame, area: Rect, question: &str) {
    let width = 60.min(area.width.saturating_sub(2)).max(10);
    let text_width = width.saturating_sub(4).max(1) as usize;
    let rows = question.len().div_ceil(text_width) as u16 + 4;
    let popup = centered(area, width, rows);
    frame.render_widget(Clear, popup);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme::warn())
        .title(" Are you sure? ");
    let text = vec![
        Line::from(question.to_string()),
        Line::default(),
        Line::from(vec![
            Span::styled(" y ", theme::key()),
            Span::raw("yes   "),
            Span::styled(" n ", theme::key()),
            Span::raw("no"),
        ]),
    ];
    frame.render_widget(
        Paragraph::new(text).wrap(Wrap { trim: true }).block(block),
        popup,
    );
}
