//! Colours and styles, in one place.

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};

/// True when the user asked for no colour (`NO_COLOR` set and not empty, see no-color.org).
pub fn colour_off() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Remove every colour from a drawn frame, keeping bold, reverse and the other modifiers, so
/// selections and titles stay visible without colour.
pub fn monochrome(buf: &mut Buffer) {
    for cell in buf.content.iter_mut() {
        cell.set_fg(Color::Reset).set_bg(Color::Reset);
    }
}

pub const ACCENT: Color = Color::Cyan;
pub const OK: Color = Color::Green;
pub const BAD: Color = Color::Red;
pub const WARN: Color = Color::Yellow;
pub const DIM: Color = Color::DarkGray;

pub fn title() -> Style {
    Style::new()
        .fg(Color::Black)
        .bg(ACCENT)
        .add_modifier(Modifier::BOLD)
}
pub fn selected() -> Style {
    Style::new().add_modifier(Modifier::REVERSED)
}
pub fn dim() -> Style {
    Style::new().fg(DIM)
}
pub fn bold() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}
pub fn ok() -> Style {
    Style::new().fg(OK)
}
pub fn bad() -> Style {
    Style::new().fg(BAD)
}
pub fn warn() -> Style {
    Style::new().fg(WARN)
}
pub fn code() -> Style {
    Style::new()
        .fg(Color::LightYellow)
        .bg(Color::Rgb(40, 40, 40))
}
pub fn key() -> Style {
    Style::new().fg(ACCENT).add_modifier(Modifier::BOLD)
}
pub fn border() -> Style {
    Style::new().fg(DIM)
}
pub fn border_focus() -> Style {
    Style::new().fg(ACCENT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;

    #[test]
    fn monochrome_removes_colours_and_keeps_modifiers() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 12, 2));
        buf.set_string(0, 0, "title", title());
        buf.set_string(0, 1, "ok", ok());
        assert!(
            buf.content
                .iter()
                .any(|c| c.fg != Color::Reset || c.bg != Color::Reset)
        );
        monochrome(&mut buf);
        assert!(
            buf.content
                .iter()
                .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
        );
        assert!(buf[(0, 0)].modifier.contains(Modifier::BOLD));
        assert_eq!(buf[(0, 0)].symbol(), "t");
    }
}
