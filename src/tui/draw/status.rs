//! The status line: the latest notice, else what the live checks are doing.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme;
use crate::tui::app::{App, Level, Mode, ProgressKeeper};
use crate::tui::lab_view::LiveStatus;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let line = if let Some(n) = &app.notice {
        let style = match n.level {
            Level::Info => theme::ok(),
            Level::Warn => theme::warn(),
            Level::Error => theme::bad(),
        };
        Line::from(Span::styled(format!(" {}", n.text), style))
    } else if let (Mode::Lab, Some(pull)) =
        (app.mode, app.lab.as_ref().and_then(|l| l.pull.as_ref()))
    {
        let mut spans = vec![Span::styled(format!(" ⇣ {pull}"), theme::warn())];
        if let Some((done, total)) = pull_bytes(pull) {
            let pct = (done.saturating_mul(100) / total.max(1)).min(100) as usize;
            let bar = format!("{}{}", "█".repeat(pct / 10), "░".repeat(10 - pct / 10));
            spans.push(Span::styled(format!("  {bar} {pct}%"), theme::ok()));
        }
        Line::from(spans)
    } else if let (Mode::Lab, Some(lab)) = (app.mode, &app.lab) {
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
    } else if let ProgressKeeper::Memory(_, why) = &app.progress {
        Line::from(Span::styled(
            format!(" progress is not being saved: {why}"),
            theme::warn(),
        ))
    } else {
        Line::default()
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// `current/total bytes` in a pull progress line.
pub fn pull_bytes(line: &str) -> Option<(u64, u64)> {
    let before = line.strip_suffix(" bytes")?;
    let pair = before.rsplit(' ').next()?;
    let (done, total) = pair.split_once('/')?;
    Some((done.parse().ok()?, total.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::pull_bytes;

    #[test]
    fn pull_lines_give_their_byte_counts() {
        assert_eq!(
            pull_bytes("pulling alpine:latest: Downloading 1234/5678 bytes"),
            Some((1234, 5678))
        );
        assert_eq!(pull_bytes("pulling alpine:latest: Pull complete"), None);
        assert_eq!(pull_bytes("pulling x: a/b bytes"), None);
    }
}
