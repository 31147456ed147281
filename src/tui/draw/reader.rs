//! The lesson reader: section list and rendered text with a scrollbar.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, BorderType, List, ListItem, ListState, Paragraph, Scrollbar, ScrollbarOrientation,
    ScrollbarState,
};

use super::{markdown, theme};
use crate::tui::app::App;
use crate::tui::reader::{ReaderState, Search, layout};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let Some(r) = app.reader() else { return };
    let (side, text) = layout(area, r.sections_focus);
    if let Some(side) = side {
        draw_sections(frame, side, r);
    }
    if text.width > 0 {
        let title = app
            .catalog()
            .lessons
            .get(r.lesson)
            .map(|l| l.title.as_str())
            .unwrap_or("");
        draw_text(frame, text, r, title);
    }
}

pub fn draw_sections(frame: &mut Frame, area: Rect, r: &ReaderState) {
    let current = r.current_section();
    // Inside the border; a name longer than that ends in `…`.
    let inner = usize::from(area.width.saturating_sub(2));
    let items: Vec<ListItem> = r
        .rendered
        .sections
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let indent = "  ".repeat(s.level.saturating_sub(1) as usize);
            let style = if Some(i) == current {
                theme::key()
            } else {
                ratatui::style::Style::new()
            };
            ListItem::new(Line::from(Span::styled(
                cut(&format!("{indent}{}", s.title), inner),
                style,
            )))
        })
        .collect();
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(if r.sections_focus {
            theme::border_focus()
        } else {
            theme::border()
        })
        .title(" Sections ");
    let mut list = List::new(items).block(block);
    let mut state = ListState::default();
    if r.sections_focus {
        list = list.highlight_style(theme::selected());
        state.select(Some(r.section_selected));
    }
    frame.render_stateful_widget(list, area, &mut state);
}

pub fn draw_text(frame: &mut Frame, area: Rect, r: &ReaderState, title: &str) {
    let total = r.rendered.lines.len();
    let visible = area.height.saturating_sub(2) as usize;
    let end = (r.scroll + visible).min(total);
    let start = r.scroll.min(end);
    let mut lines = markdown::lines(&r.rendered.lines[start..end], r.width(), r.hscroll);
    if let Some(search) = r.search.as_ref().filter(|s| !s.typing) {
        let current = search.current.and_then(|c| search.matches.get(c));
        for (i, line) in lines.iter_mut().enumerate() {
            let at = start + i;
            if current == Some(&at) {
                *line = std::mem::take(line).patch_style(theme::selected());
            } else if search.matches.binary_search(&at).is_ok() {
                *line = std::mem::take(line).patch_style(theme::key());
            }
        }
    }
    let percent = if total <= visible {
        100
    } else {
        (end * 100 / total.max(1)).min(100)
    };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(if r.sections_focus {
            theme::border()
        } else {
            theme::border_focus()
        })
        .title(format!(" {title} "))
        .title_bottom(Line::from(format!(" {percent}% ")).right_aligned());
    let block = match &r.search {
        Some(search) => block.title_bottom(Line::styled(search_status(search), theme::key())),
        None => block,
    };
    frame.render_widget(Paragraph::new(lines).block(block), area);
    if total > visible {
        let mut state = ScrollbarState::new(total.saturating_sub(visible)).position(r.scroll);
        let bar_area = Rect {
            y: area.y + 1,
            height: area.height.saturating_sub(2),
            ..area
        };
        frame.render_stateful_widget(
            Scrollbar::new(ScrollbarOrientation::VerticalRight),
            bar_area,
            &mut state,
        );
    }
}

/// The search as the reader's bottom line says it.
fn search_status(s: &Search) -> String {
    if s.typing {
        return format!(" /{}▏ Enter searches, Esc stops ", s.query);
    }
    match s.current {
        Some(c) => format!(" /{}: {} of {} (n/N) ", s.query, c + 1, s.matches.len()),
        None => format!(" /{}: not found ", s.query),
    }
}

/// `text` cut to `width` columns, ending in `…` when something was cut.
fn cut(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        if out.width() + c.width().unwrap_or(0) + 1 > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}
