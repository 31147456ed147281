//! The results of a completed lab.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Cell, Paragraph, Row, Table};

use super::theme;
use crate::tui::app::App;

/// `1h 02m 05s`, `12m 30s`, `45s`.
pub fn duration_text(secs: i64) -> String {
    let secs = secs.max(0);
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    if h > 0 {
        format!("{h}h {m:02}m {s:02}s")
    } else if m > 0 {
        format!("{m}m {s:02}s")
    } else {
        format!("{s}s")
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let Some(view) = app.lab() else { return };
    let lab = &view.lab.lab;
    let p = app.progress().get().lab(&lab.id);
    let time = p
        .and_then(|p| Some((p.completed_at? - p.started_at?).num_seconds()))
        .map(duration_text)
        .unwrap_or_else(|| "unknown".to_string());
    let hints = p.map_or(0, |p| p.hints_used());
    let assisted = p.map_or(0, |p| p.assisted_steps());
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme::ok())
        .title(format!(" Lab complete: {} ", lab.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let head = vec![
        Line::from(Span::styled("✓ Every step is done.", theme::ok())),
        Line::default(),
        Line::from(vec![
            Span::styled("Time taken      ", theme::dim()),
            Span::raw(time),
        ]),
        Line::from(vec![
            Span::styled("Hints used      ", theme::dim()),
            Span::raw(hints.to_string()),
        ]),
        Line::from(vec![
            Span::styled("Assisted steps  ", theme::dim()),
            Span::raw(format!("{assisted} of {}", lab.steps.len())),
        ]),
        Line::default(),
    ];
    let head_height = head.len() as u16;
    frame.render_widget(
        Paragraph::new(head),
        Rect {
            height: head_height.min(inner.height),
            ..inner
        },
    );
    let rows: Vec<Row> = lab
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let sp = p.and_then(|p| p.steps.get(&s.id));
            Row::new(vec![
                Cell::from(format!("{}", i + 1)),
                Cell::from(s.title.clone()),
                Cell::from(sp.map_or(0, |s| s.attempts).to_string()),
                Cell::from(sp.map_or(0, |s| s.hints_used).to_string()),
                Cell::from(if sp.is_some_and(|s| s.assisted) {
                    "yes"
                } else {
                    ""
                }),
            ])
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(3),
            Constraint::Min(10),
            Constraint::Length(8),
            Constraint::Length(6),
            Constraint::Length(8),
        ],
    )
    .header(Row::new(vec!["#", "Step", "Attempts", "Hints", "Assisted"]).style(theme::bold()));
    let table_area = Rect {
        y: inner.y + head_height.min(inner.height),
        height: inner.height.saturating_sub(head_height),
        ..inner
    };
    frame.render_widget(table, table_area);
}
