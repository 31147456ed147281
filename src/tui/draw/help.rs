//! The help overlay, generated from the keymap table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

use super::{centered, theme};
use crate::tui::keymap::{self, Scope};

pub fn draw(frame: &mut Frame, area: Rect, scope: Scope) {
    let sections = keymap::help(scope);
    let key_width = sections
        .iter()
        .flat_map(|(_, rows)| rows.iter().map(|(k, _)| k.chars().count()))
        .max()
        .unwrap_or(4);
    let mut lines = Vec::new();
    for (title, rows) in sections {
        if !lines.is_empty() {
            lines.push(Line::default());
        }
        lines.push(Line::from(Span::styled(title, theme::bold())));
        for (keys, help) in rows {
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<key_width$}  "), theme::key()),
                Span::raw(help),
            ]));
        }
    }
    let width = lines.iter().map(|l| l.width() as u16).max().unwrap_or(20) + 4;
    let popup = centered(area, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, popup);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme::border_focus())
        .title(" Keys (Esc closes) ");
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
