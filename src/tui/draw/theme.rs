//! Colours and styles, in one place.

use ratatui::style::{Color, Modifier, Style};

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
