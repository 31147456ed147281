//! The lab view: the steps (a list, or a one-line strip when space is short), the selected
//! step (its text scrolls; the command to type and the checks stay pinned below it), what
//! labrunner ran, and the terminal pane. Smaller panels collapse before they disappear, and
//! every panel whose content is cut says so.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, List, ListItem, ListState, Paragraph};

use super::home::truncate;
use super::{gauge, markdown, theme};
use crate::tui::app::App;
use crate::tui::lab_view::{LabView, StepStatus, verdict_icon};
use crate::tui::layout::{self, wrap_words};
use crate::tui::terminal::Pane;
use labrunner_core::{Verdict, render_markdown};

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let Some(view) = app.lab() else { return };
    let pane = app.terminal();
    let l = layout::lab(area, view, pane.is_some_and(|p| p.visible));
    if let Some(r) = l.steps {
        draw_steps(frame, r, view);
    }
    let focused = pane.is_none_or(|p| !p.takes_keys());
    draw_step(frame, l.detail, view, focused, l.strip);
    if let Some(r) = l.log {
        draw_log(frame, r, view);
    }
    if let Some(r) = l.log_line {
        draw_log_line(frame, r, view);
    }
    if let (Some(r), Some(pane)) = (l.terminal, pane) {
        draw_terminal(frame, r, pane);
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
    let mut total_lines = 0usize;
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
            total_lines += lines.len();
            ListItem::new(lines)
        })
        .collect();
    let total = view.steps.len();
    let mut block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme::border())
        .title(" Steps ")
        .title_bottom(
            Line::from(format!(" {} ", gauge(view.done_count(), total, 6))).right_aligned(),
        );
    if total_lines > area.height.saturating_sub(2) as usize {
        block = block.title_bottom(Line::styled(" ↕ more ", theme::dim()).left_aligned());
    }
    let list = List::new(items)
        .block(block)
        .highlight_style(theme::selected())
        .highlight_symbol("▶")
        .highlight_spacing(ratatui::widgets::HighlightSpacing::Always);
    let mut state = ListState::default().with_selected(Some(view.selected));
    frame.render_stateful_widget(list, area, &mut state);
}

/// The steps as one line, `Step 3/6 ✓✓●○○○ Write data into the…`, at most `width` wide.
pub fn strip_line(view: &LabView, width: usize) -> Line<'static> {
    let mut spans = vec![Span::styled(
        format!(" Step {}/{} ", view.selected + 1, view.steps.len()),
        theme::bold(),
    )];
    for i in 0..view.steps.len() {
        let (icon, style) = status_icon(view, i);
        let style = if i == view.selected {
            style.patch(theme::selected())
        } else {
            style
        };
        spans.push(Span::styled(icon, style));
    }
    let used: usize = spans.iter().map(|s| s.width()).sum();
    let title = view
        .steps
        .get(view.selected)
        .map(|s| s.title.as_str())
        .unwrap_or("");
    let room = width.saturating_sub(used + 2);
    spans.push(Span::raw(format!(" {} ", truncate(title, room))));
    Line::from(spans)
}

/// The selected step's text that scrolls: its title (unless the strip above shows it),
/// instructions, the lab folder and hints.
pub fn step_lines(view: &LabView, width: u16, title: bool) -> Vec<Line<'static>> {
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
    if title {
        for text in wrap_words(
            &format!("Step {} of {}: {}", i + 1, view.steps.len(), step.title),
            width as usize,
        ) {
            lines.push(Line::styled(text, theme::bold()));
        }
        lines.push(Line::from(vec![Span::raw("  "), state]));
    }
    lines.extend(markdown::lines(
        &render_markdown(&step.instructions, width).lines,
        width,
        0,
    ));
    if let Some(dir) = &view.workdir {
        lines.push(Line::default());
        lines.push(Line::styled(
            "The lab folder (the terminal starts there):",
            theme::bold(),
        ));
        lines.push(Line::styled(
            format!(" cd {} ", dir.display()),
            theme::code(),
        ));
    }
    if sv.status == StepStatus::Done && sv.outcomes.iter().all(Option::is_none) {
        lines.push(Line::styled("(done earlier)", theme::dim()));
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
            lines.extend(markdown::lines(&md.lines, width, 0));
        }
    }
    lines
}

/// One line, cut with `…` to `width` columns.
fn one_line(text: &str, width: usize, style: Style) -> Line<'static> {
    Line::styled(truncate(text, width), style)
}

/// The part of the step that stays in view: the command to type and the checks. `budget`:
/// rows available; evidence lines are added while they fit.
pub fn pinned_lines(view: &LabView, width: u16, budget: usize, header: bool) -> Vec<Line<'static>> {
    let i = view.selected;
    let (Some(step), Some(sv)) = (view.lab.lab.steps.get(i), view.steps.get(i)) else {
        return Vec::new();
    };
    let w = width as usize;
    let mut lines = Vec::new();
    if header {
        let text = if w >= 62 {
            "Type this in the terminal (t puts it at the prompt, c copies it)"
        } else {
            "Type this (t: at the prompt, c: copy)"
        };
        lines.push(one_line(text, w, theme::bold()));
    }
    for c in &step.solution {
        for (k, piece) in wrap_words(&view.shown(c), w.saturating_sub(3).max(1))
            .into_iter()
            .enumerate()
        {
            let lead = if k == 0 { "$ " } else { "  " };
            lines.push(Line::styled(format!("{lead}{piece} "), theme::code()));
        }
        if let Some(err) = c.expected_error() {
            let text = format!(
                "  this one should fail with: {}",
                labrunner_core::plain_pattern(err)
            );
            lines.push(one_line(&text, w, theme::dim()));
        }
    }
    let mut checks = Vec::new();
    let mut evidence = Vec::new();
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
            .unwrap_or_else(|| labrunner_core::describe_check(check));
        checks.push(Line::from(vec![
            Span::styled(format!("{} ", verdict_icon(outcome)), style),
            Span::raw(truncate(&label, w.saturating_sub(2))),
        ]));
        evidence.push(outcome.map(|o| {
            let prefix = match o.verdict {
                Verdict::Unknown { .. } => "could not check: ",
                _ => "seen: ",
            };
            // Some reasons say it themselves: said once.
            let text = o.verdict.text();
            let text = text.strip_prefix(prefix).unwrap_or(text);
            one_line(&format!("   {prefix}{text}"), w, theme::dim())
        }));
    }
    let base = lines.len() + checks.len();
    let mut spare = budget.saturating_sub(base);
    // Evidence of failing checks first, then of the others, as space allows.
    let mut show = vec![false; evidence.len()];
    for pass in [false, true] {
        for (k, e) in evidence.iter().enumerate() {
            let passed = sv.outcomes[k].as_ref().is_some_and(|o| o.verdict.passed());
            if e.is_some() && passed == pass && spare > 0 && !show[k] {
                show[k] = true;
                spare -= 1;
            }
        }
    }
    for (k, (check, e)) in checks.into_iter().zip(evidence).enumerate() {
        lines.push(check);
        if let (true, Some(e)) = (show[k], e) {
            lines.push(e);
        }
    }
    lines
}

/// The selected step; `strip`: its title line is the steps as one line (no step list beside).
pub fn draw_step(frame: &mut Frame, area: Rect, view: &LabView, focused: bool, strip: bool) {
    let title_room = area.width.saturating_sub(4) as usize;
    let title = if strip {
        strip_line(view, area.width.saturating_sub(2) as usize)
    } else {
        Line::from(format!(" {} ", truncate(&view.lab.lab.title, title_room)))
    };
    let mut block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(if focused {
            theme::border_focus()
        } else {
            theme::border()
        })
        .title(title);
    let inner = block.inner(area);
    if inner.is_empty() {
        frame.render_widget(block, area);
        return;
    }
    let height = inner.height as usize;
    // The command and the checks come first; the header line and the step's text give way.
    let need = layout::pinned_need(view, inner.width);
    let header = need + 2 <= height;
    let text_min = (height.saturating_sub(need + usize::from(header))).min(3);
    let mut pinned = pinned_lines(view, inner.width, height - text_min, header);
    let text_rows = height.saturating_sub(pinned.len());
    let pinned_rows = height - text_rows;
    if pinned.len() > pinned_rows {
        pinned.truncate(pinned_rows.saturating_sub(1));
        pinned.push(Line::styled(
            truncate("↓ more: T hides the terminal", inner.width as usize),
            theme::warn(),
        ));
        pinned.truncate(pinned_rows);
    }
    let text = step_lines(view, inner.width, !strip);
    let (visible, marker) = scrolled(text, text_rows, view.scroll);
    if let Some(m) = marker {
        block = block.title_bottom(Line::styled(
            truncate(&format!(" {m} "), title_room),
            theme::warn(),
        ));
    }
    frame.render_widget(block, area);
    let [text_area, pinned_area] = Layout::vertical([
        Constraint::Length(text_rows as u16),
        Constraint::Length(pinned_rows as u16),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(visible), text_area);
    frame.render_widget(Paragraph::new(pinned), pinned_area);
}

/// The `rows` lines from `scroll` on (clamped), and what is cut above and below, if anything.
fn scrolled(
    lines: Vec<Line<'static>>,
    rows: usize,
    scroll: u16,
) -> (Vec<Line<'static>>, Option<String>) {
    if lines.len() <= rows {
        return (lines, None);
    }
    let from = (scroll as usize).min(lines.len() - rows);
    let below = lines.len() - from - rows;
    let mut marks = Vec::new();
    if from > 0 {
        marks.push(format!("↑ {from} above"));
    }
    if below > 0 {
        marks.push(format!("↓ {below} more"));
    }
    let marker = format!("{} (PgUp/PgDn)", marks.join(" · "));
    (
        lines.into_iter().skip(from).take(rows).collect(),
        Some(marker),
    )
}

fn log_lines(view: &LabView, width: usize) -> Vec<Line<'static>> {
    let mut lines: Vec<Line> = Vec::new();
    for entry in &view.log {
        let style = if entry.ok { Style::new() } else { theme::bad() };
        for (k, text) in entry.text.lines().enumerate() {
            let style = if k == 0 { style } else { theme::dim() };
            lines.push(one_line(&format!(" {text}"), width, style));
        }
    }
    lines
}

pub fn draw_log(frame: &mut Frame, area: Rect, view: &LabView) {
    let visible = area.height.saturating_sub(2) as usize;
    let width = area.width.saturating_sub(2) as usize;
    let mut lines = log_lines(view, width);
    if lines.is_empty() {
        lines.push(one_line(
            " nothing yet: labrunner shows here every command it runs for you",
            width,
            theme::dim(),
        ));
    }
    let skip = lines.len().saturating_sub(visible);
    let mut block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme::border())
        .title(" What labrunner ran ");
    if skip > 0 {
        block = block.title_bottom(Line::styled(format!(" ↑ {skip} earlier "), theme::dim()));
    }
    frame.render_widget(Paragraph::new(lines.split_off(skip)).block(block), area);
}

/// The latest line labrunner ran, when there is no room for the panel.
pub fn draw_log_line(frame: &mut Frame, area: Rect, view: &LabView) {
    let width = area.width as usize;
    let line = match view.log.last() {
        Some(entry) => {
            let first = entry.text.lines().next().unwrap_or_default();
            let style = if entry.ok { theme::dim() } else { theme::bad() };
            one_line(&format!(" ran: {first}"), width, style)
        }
        None => return,
    };
    frame.render_widget(Paragraph::new(line), area);
}

pub fn draw_terminal(frame: &mut Frame, area: Rect, pane: &Pane) {
    let room = area.width.saturating_sub(4) as usize;
    let title = match (&pane.ended, pane.takes_keys()) {
        (Some(why), _) => format!(" Terminal: {why} "),
        (None, true) => " Terminal · F2: back to the steps ".to_string(),
        (None, false) => " Terminal · F2 to type here ".to_string(),
    };
    let style = if pane.takes_keys() {
        theme::border_focus()
    } else {
        theme::border()
    };
    let mut block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(style)
        .title(truncate(&title, room));
    let back = pane.screen.scrollback();
    if back > 0 {
        block = block.title_bottom(
            Line::styled(
                truncate(&format!(" ↑ {back} lines back (Shift-PgDn) "), room),
                theme::warn(),
            )
            .right_aligned(),
        );
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    pane.screen
        .render(inner, frame.buffer_mut(), pane.takes_keys());
}
