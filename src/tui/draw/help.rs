//! The help overlay, generated from the keymap table. It fits any screen: long lines wrap
//! under their own column, and when the keys do not all fit they scroll (↑↓) with a marker.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

use super::{centered, theme};
use crate::tui::keymap::{self, Scope};
use crate::tui::layout::wrap_words;

/// The overlay's lines for a popup `width` columns wide inside its border.
pub fn lines(scope: Scope, width: usize) -> Vec<Line<'static>> {
    let sections = keymap::help(scope);
    let key_width = sections
        .iter()
        .flat_map(|(_, rows)| rows.iter().map(|(k, _)| k.chars().count()))
        .max()
        .unwrap_or(4)
        .min(width / 3);
    let mut lines = Vec::new();
    for (title, rows) in sections {
        if !lines.is_empty() {
            lines.push(Line::default());
        }
        lines.push(Line::from(Span::styled(title, theme::bold())));
        for (keys, help) in rows {
            let text_width = width.saturating_sub(key_width + 4).max(8);
            for (k, piece) in wrap_words(help, text_width).into_iter().enumerate() {
                let lead = if k == 0 { keys.clone() } else { String::new() };
                let lead: String = lead.chars().take(key_width).collect();
                lines.push(Line::from(vec![
                    Span::styled(format!("  {lead:<key_width$}  "), theme::key()),
                    Span::raw(piece),
                ]));
            }
        }
    }
    lines
}

pub fn draw(frame: &mut Frame, area: Rect, scope: Scope, scroll: u16) {
    let full = lines(scope, usize::MAX / 4);
    let natural = full.iter().map(|l| l.width() as u16).max().unwrap_or(20) + 2;
    let width = natural.min(area.width);
    let lines = lines(scope, width.saturating_sub(2) as usize);
    let height = (lines.len() as u16 + 2).min(area.height);
    let popup = centered(area, width, height);
    frame.render_widget(Clear, popup);
    let rows = height.saturating_sub(2) as usize;
    let max_scroll = lines.len().saturating_sub(rows);
    let from = (scroll as usize).min(max_scroll);
    let mut block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme::border_focus())
        .title(" Keys (Esc closes) ");
    if max_scroll > 0 {
        let mut marks = Vec::new();
        if from > 0 {
            marks.push("↑");
        }
        if from < max_scroll {
            marks.push("↓ more");
        }
        block = block.title_bottom(Line::styled(
            format!(" {} (↑↓) ", marks.join(" ")),
            theme::warn(),
        ));
    }
    let visible: Vec<Line> = lines.into_iter().skip(from).take(rows).collect();
    frame.render_widget(Paragraph::new(visible).block(block), popup);
}
