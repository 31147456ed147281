//! The lesson model's neutral styled lines, as ratatui lines.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use labrunner_core::lesson::{LineKind, SpanStyle, StyledLine};

use super::theme;

fn span_style(s: SpanStyle, kind: LineKind) -> Style {
    let mut style = match kind {
        LineKind::Heading(1) => Style::new()
            .fg(theme::ACCENT)
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
        LineKind::Heading(2) => Style::new().fg(theme::ACCENT).add_modifier(Modifier::BOLD),
        LineKind::Heading(_) => Style::new()
            .fg(Color::LightBlue)
            .add_modifier(Modifier::BOLD),
        LineKind::Code => theme::code(),
        _ => Style::new(),
    };
    if s.decoration {
        style = style.fg(theme::DIM);
    }
    if s.code && kind != LineKind::Code {
        style = style.fg(Color::LightYellow);
    }
    if s.bold {
        style = style.add_modifier(Modifier::BOLD);
    }
    if s.italic {
        style = style.add_modifier(Modifier::ITALIC);
    }
    if s.strike {
        style = style.add_modifier(Modifier::CROSSED_OUT);
    }
    if s.link {
        style = style
            .fg(Color::LightBlue)
            .add_modifier(Modifier::UNDERLINED);
    }
    style
}

pub fn line(l: &StyledLine) -> Line<'static> {
    Line::from(
        l.spans
            .iter()
            .map(|s| Span::styled(s.text.clone(), span_style(s.style, l.kind)))
            .collect::<Vec<_>>(),
    )
}

pub fn lines(ls: &[StyledLine]) -> Vec<Line<'static>> {
    ls.iter().map(line).collect()
}
