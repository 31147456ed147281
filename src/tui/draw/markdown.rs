//! The lesson model's neutral styled lines, as ratatui lines.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use labrunner_core::{LineKind, SpanStyle, StyledLine};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

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

/// Lines to draw `width` columns wide: a code line (kept whole by the renderer) is shown from
/// column `hscroll` of its code, with `←` where code is hidden on the left and `→` where it
/// goes on past the right edge.
pub fn lines(ls: &[StyledLine], width: u16, hscroll: usize) -> Vec<Line<'static>> {
    ls.iter()
        .map(|l| match l.kind {
            LineKind::Code => code_line(l, usize::from(width), hscroll),
            _ => line(l),
        })
        .collect()
}

fn code_line(l: &StyledLine, width: usize, hscroll: usize) -> Line<'static> {
    let Some((code, prefix)) = l.spans.split_last() else {
        return Line::default();
    };
    let mut out: Vec<Span<'static>> = prefix
        .iter()
        .map(|s| Span::styled(s.text.clone(), span_style(s.style, l.kind)))
        .collect();
    let avail = width.saturating_sub(prefix.iter().map(|s| s.text.width()).sum());
    let style = span_style(code.style, l.kind);
    let mut shown = String::new();
    let mut used = 0;
    let mut skipped = 0;
    let mut hidden = false;
    let mut more = false;
    for c in code.text.chars() {
        let cw = c.width().unwrap_or(0);
        if skipped < hscroll {
            skipped += cw;
            hidden |= !c.is_whitespace();
            continue;
        }
        if used + cw > avail {
            more = true;
            break;
        }
        shown.push(c);
        used += cw;
    }
    // The markers take the first and last column of the code.
    if more {
        while used + 1 > avail && shown.pop().is_some() {
            used = shown.width();
        }
        shown.push('→');
    }
    if hidden && !shown.is_empty() {
        shown.replace_range(..shown.chars().next().map_or(0, char::len_utf8), "←");
    }
    out.push(Span::styled(shown, style));
    Line::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use labrunner_core::render_markdown;

    fn shown(md: &str, width: u16, hscroll: usize) -> Vec<String> {
        let r = render_markdown(md, width);
        lines(&r.lines, width, hscroll)
            .iter()
            .map(|l| {
                l.spans
                    .iter()
                    .map(|s| s.content.as_ref())
                    .collect::<String>()
            })
            .collect()
    }

    #[test]
    fn code_is_cut_with_markers_and_scrolls_sideways() {
        let md = "```\nabcdefghijklmnopqrstuvwxyz0123456789\nshort\n```\n";
        let at0 = shown(md, 20, 0);
        assert_eq!(at0[0], " abcdefghijklmnopqr→");
        assert_eq!(at0[1].trim_end(), " short");
        let at8 = shown(md, 20, 8);
        assert_eq!(at8[0], "←ijklmnopqrstuvwxyz→", "{at8:?}");
        assert_eq!(at8[1].trim_end(), "←", "all of it is on the left: {at8:?}");
        let end = shown(md, 20, 17);
        assert_eq!(end[0], "←rstuvwxyz0123456789", "{end:?}");
        assert!(end.iter().all(|l| l.width() <= 20), "{end:?}");
    }
}
