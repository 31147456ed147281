//! The status line: the latest notice, else what the live checks are doing.

use labrunner_core::PullProgress;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{LineGauge, Paragraph};

use super::theme;
use crate::tui::app::{App, Level, Mode, ProgressKeeper};
use crate::tui::lab_view::LiveStatus;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    if app.notice().is_none()
        && app.mode() == Mode::Lab
        && let Some(pull) = app.lab().and_then(|l| l.pull.as_ref())
    {
        return draw_pull(frame, area, pull);
    }
    let line = if let Some(n) = app.notice() {
        let style = match n.level {
            Level::Info => theme::ok(),
            Level::Warn => theme::warn(),
            Level::Error => theme::bad(),
        };
        Line::from(Span::styled(format!(" {}", n.text), style))
    } else if let (Mode::Lab, Some(lab)) = (app.mode(), app.lab()) {
        let (text, style) = match (&lab.busy, &lab.live) {
            (Some(busy), _) => (format!(" ⧗ {}…", busy.describe()), theme::warn()),
            (None, LiveStatus::Watching) => (
                " ● live: checks re-run when Docker reports a change".to_string(),
                theme::ok(),
            ),
            (None, LiveStatus::Connecting) => (
                " ○ connecting to the Docker daemon…".to_string(),
                theme::warn(),
            ),
            (None, LiveStatus::Lost(why)) => (
                format!(" ✗ Docker daemon unreachable, reconnecting: {why}"),
                theme::bad(),
            ),
            (None, LiveStatus::Off(why)) => (format!(" ○ {why}"), theme::dim()),
        };
        Line::from(Span::styled(text, style))
    } else if let ProgressKeeper::Memory(_, why) = &app.progress() {
        Line::from(Span::styled(
            format!(" progress is not being saved: {why}"),
            theme::warn(),
        ))
    } else {
        Line::default()
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// What is being pulled, and a gauge of its bytes when the daemon gives them.
fn draw_pull(frame: &mut Frame, area: Rect, pull: &PullProgress) {
    let text = Paragraph::new(Span::styled(format!(" ⇣ {pull}"), theme::warn()));
    let Some(percent) = pull.percent() else {
        return frame.render_widget(text, area);
    };
    let [text_area, gauge_area] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(GAUGE_WIDTH)]).areas(area);
    frame.render_widget(text, text_area);
    let gauge = LineGauge::default()
        .ratio(f64::from(percent) / 100.0)
        .filled_symbol("█")
        .unfilled_symbol("░")
        .filled_style(theme::ok())
        .label(format!("{percent:>3}%"));
    frame.render_widget(gauge, gauge_area);
}

const GAUGE_WIDTH: u16 = 24;
