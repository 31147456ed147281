//! The lab view: step list with live status, the selected step, and what labrunner ran.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, List, ListItem, ListState, Paragraph, Wrap};

use super::{gauge, markdown, theme};
use crate::tui::app::App;
use crate::tui::lab_view::{LabView, StepStatus, verdict_icon};
use labrunner_core::check::Verdict;
use labrunner_core::lesson::render_markdown;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let Some(view) = &app.lab else { return };
    let log_height = match area.height {
        0..14 => 0,
        14..20 => 4,
        20..36 => 5,
        _ => 8,
    };
    let [top, log] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(log_height)]).areas(area);
    let steps_width = (area.width / 3).clamp(18, 34);
    let [steps, detail] =
        Layout::horizontal([Constraint::Length(steps_width), Constraint::Min(0)]).areas(top);
    draw_steps(frame, steps, view);
    draw_step(frame, detail, view);
    if log_height > 0 {
        draw_log(frame, log, view);
    }
}

fn status_icon(view: &LabView, i: usize) -> (&'static str, Style) {
    let s = &view.steps[i];
    match s.status {
        StepStatus::Done => ("✓", theme::ok()),
        StepStatus::Current => {
            let failing = s.outcomes.iter().flatten().any(|o| !o.verdict.passed());
            if failing {
                ("✗", theme::warn())
            } else {
                ("●", theme::warn())
            }
        }
        StepStatus::Pending => ("○", theme::dim()),
    }
}

pub fn draw_steps(frame: &mut Frame, area: Rect, view: &LabView) {
    // Inside the border, after the highlight column.
    let width = area.width.saturating_sub(3) as usize;
    let items: Vec<ListItem> = view
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (icon, style) = status_icon(view, i);
            let head = format!("{icon} {} ", i + 1);
            let indent = head.chars().count();
            let mut title = s.title.clone();
            if s.assisted {
                title.push_str(" (assisted)");
            }
            let lines: Vec<Line> = wrap_words(&title, width.saturating_sub(indent).max(4))
                .into_iter()
                .enumerate()
                .map(|(k, text)| {
                    let lead = if k == 0 {
                        vec![
                            Span::styled(format!("{icon} "), style),
                            Span::styled(format!("{} ", i + 1), theme::dim()),
                        ]
                    } else {
                        vec![Span::raw(" ".repeat(indent))]
                    };
                    let mut spans = lead;
                    spans.push(Span::raw(text));
                    Line::from(spans)
                })
                .collect();
            ListItem::new(lines)
        })
        .collect();
    let total = view.steps.len();
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme::border())
        .title(" Steps ")
        .title_bottom(
            Line::from(format!(" {} ", gauge(view.done_count(), total, 6))).right_aligned(),
        );
    let list = List::new(items)
        .block(block)
        .highlight_style(theme::selected())
        .highlight_symbol("▶")
        .highlight_spacing(ratatui::widgets::HighlightSpacing::Always);
    let mut state = ListState::default().with_selected(Some(view.selected));
    frame.render_stateful_widget(list, area, &mut state);
}

/// The selected step's text: instructions, commands, checks with evidence, hints.
pub fn step_lines(view: &LabView, width: u16) -> Vec<Line<'static>> {
    let i = view.selected;
    let (Some(step), Some(sv)) = (view.lab.lab.steps.get(i), view.steps.get(i)) else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    let state = match sv.status {
        StepStatus::Done if sv.assisted => Span::styled("done (assisted)", theme::ok()),
        StepStatus::Done => Span::styled("done", theme::ok()),
        StepStatus::Current => Span::styled("in progress", theme::warn()),
        StepStatus::Pending => Span::styled("not yet", theme::dim()),
    };
    lines.push(Line::from(vec![
        Span::styled(
            format!("Step {} of {}: ", i + 1, view.steps.len()),
            theme::dim(),
        ),
        Span::styled(step.title.clone(), theme::bold()),
        Span::raw("  "),
        state,
    ]));
    lines.push(Line::default());
    lines.extend(markdown::lines(
        &render_markdown(&step.instructions, width).lines,
    ));
    lines.push(Line::default());

    if let Some(dir) = &view.workdir {
        lines.push(Line::from(vec![
            Span::styled("Work in the lab folder: ", theme::bold()),
            Span::styled(format!(" cd {} ", dir.display()), theme::code()),
        ]));
        lines.push(Line::default());
    }
    lines.push(Line::from(vec![
        Span::styled("Type this in your terminal", theme::bold()),
        Span::styled("  (c copies it)", theme::dim()),
    ]));
    for c in &step.solution {
        lines.push(Line::from(Span::styled(
            format!(" $ {} ", view.shown(c)),
            theme::code(),
        )));
        if let Some(err) = c.expected_error() {
            lines.push(Line::from(Span::styled(
                format!("   this one should fail with: {err}"),
                theme::dim(),
            )));
        }
    }
    lines.push(Line::default());

    lines.push(Line::styled("Checks", theme::bold()));
    for (ci, check) in step.checks.iter().enumerate() {
        let outcome = sv.outcomes.get(ci).and_then(Option::as_ref);
        let style = match outcome.map(|o| &o.verdict) {
            Some(Verdict::Pass { .. }) => theme::ok(),
            Some(Verdict::Fail { .. }) => theme::bad(),
            Some(Verdict::Unknown { .. }) => theme::warn(),
            None => theme::dim(),
        };
        let label = outcome
            .map(|o| o.description.clone())
            .unwrap_or_else(|| labrunner_core::check::describe(check));
        lines.push(Line::from(vec![
            Span::styled(format!(" {} ", verdict_icon(outcome)), style),
            Span::raw(label),
        ]));
        if let Some(o) = outcome {
            let prefix = match o.verdict {
                Verdict::Unknown { .. } => "could not check: ",
                _ => "seen: ",
            };
            lines.push(Line::from(Span::styled(
                format!("     {prefix}{}", o.verdict.text()),
                theme::dim(),
            )));
        }
    }
    if sv.status == StepStatus::Done && sv.outcomes.iter().all(Option::is_none) {
        lines.push(Line::styled("   (done earlier)", theme::dim()));
    }

    if !step.hints.is_empty() {
        lines.push(Line::default());
        lines.push(Line::from(vec![
            Span::styled(
                format!("Hints ({} of {})", sv.hints_shown, step.hints.len()),
                theme::bold(),
            ),
            Span::styled(
                if sv.hints_shown < step.hints.len() {
                    "  (h shows the next)"
                } else {
                    ""
                },
                theme::dim(),
            ),
        ]));
        for (n, hint) in step.hints.iter().take(sv.hints_shown).enumerate() {
            let md = render_markdown(&format!("{}. {hint}", n + 1), width);
            lines.extend(markdown::lines(&md.lines));
        }
    }
    lines
}

pub fn draw_step(frame: &mut Frame, area: Rect, view: &LabView) {
    let inner_width = area.width.saturating_sub(2);
    let lines = step_lines(view, inner_width);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme::border_focus())
        .title(format!(" {} ", view.lab.lab.title));
    // Never scroll past the last line (lines are mostly pre-wrapped, so this is close).
    let scroll = view.scroll.min(lines.len().saturating_sub(1) as u16);
    let p = Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0))
        .block(block);
    frame.render_widget(p, area);
}

pub fn draw_log(frame: &mut Frame, area: Rect, view: &LabView) {
    let visible = area.height.saturating_sub(2) as usize;
    let mut lines: Vec<Line> = Vec::new();
    for entry in &view.log {
        let style = if entry.ok { Style::new() } else { theme::bad() };
        for (k, text) in entry.text.lines().enumerate() {
            let style = if k == 0 { style } else { theme::dim() };
            lines.push(Line::from(Span::styled(format!(" {text}"), style)));
        }
    }
    if lines.is_empty() {
        lines.push(Line::styled(
            " nothing yet: labrunner shows here every command it runs for you",
            theme::dim(),
        ));
    }
    let skip = lines.len().saturating_sub(visible);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme::border())
        .title(" What labrunner ran ");
    frame.render_widget(Paragraph::new(lines.split_off(skip)).block(block), area);
}

/// Splits text into lines of at most `width` characters at spaces (long words are cut).
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word = word.to_string();
        loop {
            let used = line.chars().count();
            let need = word.chars().count() + usize::from(used > 0);
            if used + need <= width {
                if used > 0 {
                    line.push(' ');
                }
                line.push_str(&word);
                break;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // A word longer than the line.
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(head);
            if word.is_empty() {
                break;
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap_words;

    #[test]
    fn words_wrap_and_long_words_are_cut() {
        assert_eq!(
            wrap_words("Start a container with --network none", 12),
            ["Start a", "container", "with", "--network", "none"]
        );
        assert_eq!(wrap_words("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap_words("", 4), [""]);
        assert_eq!(wrap_words("a b", 0), ["a", "b"]);
    }
}
