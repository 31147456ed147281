//! The knowledge check: one question at a time, then the explanation.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};

use ratatui::style::Style;

use super::{markdown, theme};
use crate::tui::app::App;
use crate::tui::quiz::{Phase, QuizState};
use labrunner_core::{Question, QuestionKind, render_markdown};

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let Some(q) = app.quiz() else { return };
    let (title, lines) = match q.quiz.questions.get(q.index) {
        Some(_) if q.phase != Phase::Finished => (
            format!(" Question {} of {} ", q.index + 1, q.quiz.questions.len()),
            question_lines(q, area.width.saturating_sub(2)),
        ),
        _ => (" Knowledge check done ".to_string(), finished_lines(q)),
    };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme::border_focus())
        .title(title);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}

fn finished_lines(q: &QuizState) -> Vec<Line<'static>> {
    let (right, total) = q.score();
    vec![
        Line::from(format!("You got {right} of {total} right.")),
        Line::default(),
        Line::styled(
            "Your answers are saved with your progress. Enter goes back home.",
            theme::dim(),
        ),
    ]
}

/// Markdown text (backticks and all) wrapped to `width`, with `style` patched on top.
fn md(text: &str, width: u16, style: Style) -> Vec<Line<'static>> {
    markdown::lines(&render_markdown(text, width).lines, width, 0)
        .into_iter()
        .map(|l| l.patch_style(style))
        .collect()
}

/// A choice with a hanging indent under its number.
fn choice(marker: &str, n: usize, text: &str, width: u16, style: Style) -> Vec<Line<'static>> {
    let head = format!(" {marker} {n}. ");
    let indent = head.chars().count() as u16;
    let mut out = Vec::new();
    for (k, line) in md(text, width.saturating_sub(indent), style)
        .into_iter()
        .enumerate()
    {
        let lead = if k == 0 {
            head.clone()
        } else {
            " ".repeat(indent as usize)
        };
        let mut spans = vec![Span::styled(lead, theme::key())];
        spans.extend(line.spans);
        out.push(Line::from(spans));
    }
    out
}

fn question_lines(q: &QuizState, width: u16) -> Vec<Line<'static>> {
    let Some(question) = q.quiz.questions.get(q.index) else {
        return Vec::new();
    };
    let mut lines = md(&question.prompt, width, theme::bold());
    lines.push(Line::default());
    match &question.kind {
        QuestionKind::Choice { choices, answer } => {
            choice_lines(&mut lines, question, choices, *answer, &q.phase, width);
        }
        QuestionKind::Text { model_answer } => {
            text_lines(&mut lines, question, model_answer, &q.phase, width);
        }
    }
    lines
}

/// A multiple-choice question's choices, then whether the pick was right and why.
fn choice_lines(
    lines: &mut Vec<Line<'static>>,
    question: &Question,
    choices: &[String],
    answer: usize,
    phase: &Phase,
    width: u16,
) {
    let (selected, revealed) = match phase {
        Phase::Choosing { selected } => (Some(*selected), None),
        Phase::ChoiceRevealed { picked, correct } => (Some(*picked), Some(*correct)),
        _ => (None, None),
    };
    for (i, c) in choices.iter().enumerate() {
        let marker = if Some(i) == selected { "▶" } else { " " };
        let mut style = Style::new();
        if revealed.is_some() && i == answer {
            style = theme::ok();
        } else if revealed == Some(false) && Some(i) == selected {
            style = theme::bad();
        } else if revealed.is_none() && Some(i) == selected {
            style = theme::selected();
        }
        lines.extend(choice(marker, i + 1, c, width, style));
    }
    if let Some(correct) = revealed {
        lines.push(Line::default());
        lines.push(if correct {
            Line::styled("✓ Right.", theme::ok())
        } else {
            Line::styled(
                format!("✗ Not quite: the answer is {}.", answer + 1),
                theme::bad(),
            )
        });
        lines.extend(md(&question.explanation, width, Style::new()));
        lines.push(Line::default());
        lines.push(Line::styled("Enter: next question", theme::dim()));
    } else {
        lines.push(Line::default());
        lines.push(Line::styled(
            "Pick with ↑↓ or a number, answer with Enter.",
            theme::dim(),
        ));
    }
}

/// A free-text question: the answer being typed, or it next to the model answer.
fn text_lines(
    lines: &mut Vec<Line<'static>>,
    question: &Question,
    model_answer: &str,
    phase: &Phase,
    width: u16,
) {
    match phase {
        Phase::Typing { text } => {
            lines.push(Line::styled(
                "Your answer (type, then Enter):",
                theme::dim(),
            ));
            lines.push(Line::from(vec![
                Span::raw(format!("> {text}")),
                Span::styled("█", theme::key()),
            ]));
        }
        Phase::TextRevealed { text, assessed } => {
            lines.push(Line::styled("Your answer:", theme::dim()));
            lines.push(Line::from(format!("> {text}")));
            lines.push(Line::default());
            lines.push(Line::styled("Model answer:", theme::dim()));
            lines.extend(md(model_answer, width, theme::ok()));
            lines.push(Line::default());
            lines.extend(md(&question.explanation, width, Style::new()));
            lines.push(Line::default());
            lines.push(match assessed {
                None => Line::from(vec![
                    Span::raw("Did your answer say the same? "),
                    Span::styled("y", theme::key()),
                    Span::raw(" yes / "),
                    Span::styled("n", theme::key()),
                    Span::raw(" no"),
                ]),
                Some(true) => Line::styled("Recorded as right. Enter: next question", theme::ok()),
                Some(false) => {
                    Line::styled("Recorded as not yet. Enter: next question", theme::warn())
                }
            });
        }
        _ => {}
    }
}
