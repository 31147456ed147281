//! Home: lessons, their labs with progress, their knowledge checks.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, List, ListItem, ListState, Paragraph, Wrap};

use super::{gauge, theme};
use crate::tui::app::{App, HomeRow};
use labrunner_core::{LabEntry, LessonEntry, Progress};

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let area = match app.banner() {
        Some(text) if area.height > 8 => {
            let [banner, rest] =
                Layout::vertical([Constraint::Length(4), Constraint::Min(0)]).areas(area);
            let block = Block::bordered()
                .border_type(BorderType::Rounded)
                .border_style(theme::warn())
                .title(" Progress ");
            frame.render_widget(
                Paragraph::new(text)
                    .style(theme::warn())
                    .wrap(Wrap { trim: true })
                    .block(block),
                banner,
            );
            rest
        }
        _ => area,
    };
    let rows = app.home_rows();
    let (list_area, detail_area) = if area.width >= 90 {
        let [l, d] = Layout::horizontal([Constraint::Min(50), Constraint::Length(36)]).areas(area);
        (l, Some(d))
    } else {
        (area, None)
    };
    draw_list(frame, list_area, app, &rows);
    if let Some(d) = detail_area {
        draw_detail(frame, d, app, rows.get(app.home_selected()).copied());
    }
}

fn draw_list(frame: &mut Frame, area: Rect, app: &App, rows: &[HomeRow]) {
    let progress = app.progress().get();
    let inner_width = area.width.saturating_sub(4) as usize;
    let items: Vec<ListItem> = rows
        .iter()
        .map(|row| match *row {
            HomeRow::Lesson(i) => lesson_item(&app.catalog().lessons[i], inner_width),
            HomeRow::Lab(i, j) => {
                lab_item(&app.catalog().lessons[i].labs[j], progress, inner_width)
            }
            HomeRow::Quiz(i) => quiz_item(&app.catalog().lessons[i], progress, inner_width),
        })
        .collect();
    let mut block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme::border())
        .title(" Lessons and labs ");
    if rows.len() > area.height.saturating_sub(2) as usize {
        block = block.title_bottom(Line::styled(" ↕ more (↑↓) ", theme::dim()));
    }
    let list = List::new(items)
        .block(block)
        .highlight_style(theme::selected())
        .highlight_symbol("▶")
        .highlight_spacing(ratatui::widgets::HighlightSpacing::Always);
    let mut state = ListState::default().with_selected(Some(app.home_selected()));
    frame.render_stateful_widget(list, area, &mut state);
}

/// A lesson's row: its id, then its title.
fn lesson_item(l: &LessonEntry, inner_width: usize) -> ListItem<'static> {
    let title = title_without_id(&l.title, &l.id);
    let room = inner_width.saturating_sub(l.id.chars().count() + 2);
    ListItem::new(Line::from(vec![
        Span::styled(format!("{}  ", l.id), theme::key()),
        Span::styled(truncate(title, room), theme::bold()),
    ]))
}

/// A lab's row: a mark, its title and a gauge of the steps done; or why it cannot be loaded.
fn lab_item(entry: &LabEntry, progress: &Progress, inner_width: usize) -> ListItem<'static> {
    match entry {
        LabEntry::Ok(lab) => {
            let ids = lab.lab.steps.iter().map(|s| s.id.as_str());
            let total = lab.lab.steps.len();
            let done = progress.lab(&lab.lab.id).map_or(0, |p| p.done_count(ids));
            let bar = gauge(done, total, 8);
            let mark = if done == total {
                "✓"
            } else if done > 0 {
                "◐"
            } else {
                "○"
            };
            let style = if done == total {
                theme::ok()
            } else {
                ratatui::style::Style::new()
            };
            let title_width = inner_width.saturating_sub(bar.chars().count() + 7);
            let title = truncate(&lab.lab.title, title_width);
            let pad = title_width.saturating_sub(title.chars().count());
            ListItem::new(Line::from(vec![
                Span::styled(format!("  {mark} "), style),
                Span::raw(title),
                Span::raw(" ".repeat(pad + 1)),
                Span::styled(bar, style),
            ]))
        }
        LabEntry::Broken { path, .. } => {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            ListItem::new(Line::from(vec![
                Span::styled("  ✗ ", theme::bad()),
                Span::styled(format!("{name} (cannot be loaded)"), theme::bad()),
            ]))
        }
    }
}

/// A lesson's knowledge check row: how many of its questions are answered.
fn quiz_item(l: &LessonEntry, progress: &Progress, inner_width: usize) -> ListItem<'static> {
    let text = match &l.quiz {
        Some(Ok(q)) => {
            let answers = progress.quizzes.get(&l.id);
            let answered = q
                .questions
                .iter()
                .filter(|x| answers.is_some_and(|a| a.answers.contains_key(&x.id)))
                .count();
            format!("Knowledge check  {answered}/{} answered", q.questions.len())
        }
        _ => "Knowledge check (cannot be loaded)".to_string(),
    };
    ListItem::new(Line::from(vec![
        Span::styled("  ? ", theme::key()),
        Span::raw(truncate(&text, inner_width.saturating_sub(4))),
    ]))
}

fn draw_detail(frame: &mut Frame, area: Rect, app: &App, row: Option<HomeRow>) {
    let mut lines: Vec<Line> = Vec::new();
    match row {
        Some(HomeRow::Lesson(i)) => {
            let l = &app.catalog().lessons[i];
            lines.push(Line::styled(l.title.clone(), theme::bold()));
            lines.push(Line::default());
            lines.push(Line::from(format!("{} lab(s)", l.labs.len())));
            lines.push(Line::from(if l.markdown.is_some() {
                "Enter: read the lesson"
            } else {
                "no lesson text"
            }));
        }
        Some(HomeRow::Lab(i, j)) => match &app.catalog().lessons[i].labs[j] {
            LabEntry::Ok(lab) => {
                let lab = &lab.lab;
                lines.push(Line::styled(lab.title.clone(), theme::bold()));
                lines.push(Line::default());
                lines.push(Line::from(format!(
                    "{:?}, about {} min",
                    lab.difficulty, lab.minutes
                )));
                lines.push(Line::from(format!("{} steps", lab.steps.len())));
                lines.push(Line::default());
                let p = app.progress().get().lab(&lab.id);
                for s in &lab.steps {
                    let done = p.and_then(|p| p.steps.get(&s.id)).is_some_and(|s| s.done);
                    let (mark, style) = if done {
                        ("✓", theme::ok())
                    } else {
                        ("○", theme::dim())
                    };
                    lines.push(Line::from(vec![
                        Span::styled(format!("{mark} "), style),
                        Span::raw(s.title.clone()),
                    ]));
                }
            }
            LabEntry::Broken { error, .. } => {
                lines.push(Line::styled(
                    "This lab file cannot be loaded:",
                    theme::bad(),
                ));
                lines.push(Line::from(error.clone()));
            }
        },
        Some(HomeRow::Quiz(i)) => {
            let l = &app.catalog().lessons[i];
            lines.push(Line::styled("Knowledge check", theme::bold()));
            lines.push(Line::default());
            match &l.quiz {
                Some(Ok(q)) => lines.push(Line::from(format!(
                    "{} questions on {}",
                    q.questions.len(),
                    l.title
                ))),
                Some(Err(e)) => lines.push(Line::styled(e.clone(), theme::bad())),
                None => {}
            }
        }
        None => {}
    }
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme::border());
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}

/// A lesson title without the lesson id it may start with (`MOD-DOCKER-04: Networking`
/// is shown as `Networking` next to the id).
pub fn title_without_id<'a>(title: &'a str, id: &str) -> &'a str {
    match title.strip_prefix(id) {
        Some(rest) => {
            let rest = rest.trim_start_matches([':', ' ', '-', '—', '–', '·']);
            if rest.is_empty() { title } else { rest }
        }
        None => title,
    }
}

/// Cuts text to `width` characters with `…`.
pub fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}
