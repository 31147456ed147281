//! Drawing: one function per panel, each reading the app state and nothing else.

pub mod confirm;
pub mod footer;
pub mod help;
pub mod home;
pub mod lab;
pub mod markdown;
pub mod quiz;
pub mod reader;
pub mod status;
pub mod summary;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};

use super::app::{App, Mode, Overlay};

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &App) {
    let [title, body, status_area, footer_area] = super::layout::chrome(frame.area());
    draw_title(frame, title, app);
    match app.mode() {
        Mode::Home => home::draw(frame, body, app),
        Mode::Reader => reader::draw(frame, body, app),
        Mode::Lab => lab::draw(frame, body, app),
        Mode::Quiz => quiz::draw(frame, body, app),
        Mode::Summary => summary::draw(frame, body, app),
    }
    status::draw(frame, status_area, app);
    footer::draw(frame, footer_area, app.scope());
    match app.overlay() {
        Some(Overlay::Help) => help::draw(
            frame,
            frame.area(),
            app.scope_below_overlay(),
            app.help_scroll(),
        ),
        Some(Overlay::Confirm(p)) => {
            let lab = app
                .lab()
                .as_ref()
                .map(|l| l.lab.lab.id.as_str())
                .unwrap_or("");
            confirm::draw(frame, frame.area(), &p.question(lab));
        }
        None => {}
    }
}

fn draw_title(frame: &mut Frame, area: Rect, app: &App) {
    let screen = match app.mode() {
        Mode::Home => "Home".to_string(),
        Mode::Reader => app
            .reader()
            .as_ref()
            .and_then(|r| app.catalog().lessons.get(r.lesson))
            .map(|l| format!("Lesson {}", l.id))
            .unwrap_or_default(),
        Mode::Lab | Mode::Summary => app
            .lab()
            .as_ref()
            .map(|l| format!("Lab {}", l.lab.lab.id))
            .unwrap_or_default(),
        Mode::Quiz => app
            .quiz()
            .as_ref()
            .map(|q| format!("Knowledge check {}", q.lesson))
            .unwrap_or_default(),
    };
    let line = Line::from(vec![
        Span::raw(" labrunner "),
        Span::raw("· "),
        Span::raw(screen),
    ]);
    frame.render_widget(
        ratatui::widgets::Paragraph::new(line).style(theme::title()),
        area,
    );
}

/// A centred rectangle of at most `w`×`h` inside `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(h.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [c] = Layout::horizontal([Constraint::Length(w.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    c
}

/// A progress gauge as text: `███░░ 3/5`.
pub fn gauge(done: usize, total: usize, width: usize) -> String {
    if total == 0 || width == 0 {
        return format!("{done}/{total}");
    }
    let filled = (done * width).div_ceil(total).min(width);
    let filled = if done < total {
        filled.min(width - 1)
    } else {
        filled
    };
    format!(
        "{}{} {done}/{total}",
        "█".repeat(filled),
        "░".repeat(width - filled)
    )
}
