//! The lesson reader's state: rendered lines for the current width, scroll, section list.

use ratatui::layout::{Constraint, Layout, Rect};

use labrunner_core::lesson::{Rendered, render_markdown};

/// Narrower than this, the section list is only shown when toggled on (and then replaces text).
pub const SIDEBAR_MIN_WIDTH: u16 = 72;
pub const SIDEBAR_WIDTH: u16 = 26;

#[derive(Debug, Clone)]
pub struct ReaderState {
    /// Index into the catalog's lessons.
    pub lesson: usize,
    pub markdown: String,
    pub rendered: Rendered,
    width: u16,
    /// Rows of text visible.
    pub height: u16,
    /// First visible line.
    pub scroll: usize,
    /// The section list has the keyboard (↑↓ pick, Enter jump).
    pub sections_focus: bool,
    pub section_selected: usize,
}

/// Where the section list and the text go inside the reader's area.
pub fn layout(area: Rect, sections_focus: bool) -> (Option<Rect>, Rect) {
    if area.width >= SIDEBAR_MIN_WIDTH {
        let [side, text] =
            Layout::horizontal([Constraint::Length(SIDEBAR_WIDTH), Constraint::Min(10)])
                .areas(area);
        (Some(side), text)
    } else if sections_focus {
        (
            Some(area),
            Rect {
                width: 0,
                height: 0,
                ..area
            },
        )
    } else {
        (None, area)
    }
}

/// The text's size: inside the border, one column kept for the scrollbar.
pub fn text_inner(area: Rect, sections_focus: bool) -> (u16, u16) {
    let (_, text) = layout(area, sections_focus);
    (text.width.saturating_sub(3), text.height.saturating_sub(2))
}

impl ReaderState {
    pub fn new(lesson: usize, markdown: String) -> Self {
        ReaderState {
            lesson,
            rendered: Rendered::default(),
            markdown,
            width: 0,
            height: 0,
            scroll: 0,
            sections_focus: false,
            section_selected: 0,
        }
    }

    /// Re-renders for a new width, keeping the reader in the same section.
    pub fn resize(&mut self, width: u16, height: u16) {
        self.height = height;
        if width != self.width && width > 0 {
            let section = self.rendered.section_at(self.scroll);
            self.width = width;
            self.rendered = render_markdown(&self.markdown, width);
            if let Some(s) = section.and_then(|i| self.rendered.sections.get(i)) {
                self.scroll = s.line;
            }
        }
        self.clamp();
    }

    fn max_scroll(&self) -> usize {
        self.rendered
            .lines
            .len()
            .saturating_sub(self.height.max(1) as usize)
    }

    fn clamp(&mut self) {
        self.scroll = self.scroll.min(self.max_scroll());
    }

    pub fn scroll_by(&mut self, delta: isize) {
        self.scroll = self.scroll.saturating_add_signed(delta);
        self.clamp();
    }

    pub fn page(&mut self, down: bool) {
        let page = (self.height.max(2) - 1) as isize;
        self.scroll_by(if down { page } else { -page });
    }

    pub fn top(&mut self) {
        self.scroll = 0;
    }

    pub fn bottom(&mut self) {
        self.scroll = self.max_scroll();
    }

    /// The section the top line is in.
    pub fn current_section(&self) -> Option<usize> {
        self.rendered.section_at(self.scroll)
    }

    pub fn jump_to_section(&mut self, i: usize) {
        if let Some(s) = self.rendered.sections.get(i) {
            self.scroll = s.line;
            self.section_selected = i;
            self.clamp();
        }
    }

    pub fn next_section(&mut self, forward: bool) {
        let sections = &self.rendered.sections;
        let target = if forward {
            sections.iter().position(|s| s.line > self.scroll)
        } else {
            sections.iter().rposition(|s| s.line < self.scroll)
        };
        if let Some(i) = target {
            self.jump_to_section(i);
        }
    }

    pub fn toggle_sections(&mut self) {
        self.sections_focus = !self.sections_focus;
        if self.sections_focus {
            self.section_selected = self.current_section().unwrap_or(0);
        }
    }

    pub fn move_section_selection(&mut self, delta: isize) {
        let max = self.rendered.sections.len().saturating_sub(1);
        self.section_selected = self.section_selected.saturating_add_signed(delta).min(max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> String {
        let mut md = String::from("# Title\n\n");
        for i in 1..=5 {
            md.push_str(&format!("## Part {i}\n\n"));
            for j in 0..10 {
                md.push_str(&format!("Line {j} of part {i}.\n\n"));
            }
        }
        md
    }

    #[test]
    fn scrolling_is_clamped_and_sections_jump() {
        let mut r = ReaderState::new(0, doc());
        r.resize(40, 10);
        r.scroll_by(-3);
        assert_eq!(r.scroll, 0);
        r.bottom();
        let bottom = r.scroll;
        r.scroll_by(100);
        assert_eq!(r.scroll, bottom);
        r.top();
        r.next_section(true);
        assert_eq!(r.current_section(), Some(1));
        r.next_section(true);
        assert_eq!(r.current_section(), Some(2));
        r.next_section(false);
        assert_eq!(r.current_section(), Some(1));
        r.toggle_sections();
        r.move_section_selection(2);
        r.jump_to_section(r.section_selected);
        assert_eq!(r.current_section(), Some(3));
    }

    #[test]
    fn resize_keeps_the_section() {
        let mut r = ReaderState::new(0, doc());
        r.resize(40, 10);
        r.jump_to_section(3);
        r.resize(15, 10);
        assert_eq!(r.current_section(), Some(3));
    }

    #[test]
    fn a_lesson_nested_100000_deep_opens_within_the_renderers_bound() {
        let md = format!("# Deep\n\n{}x\n", "- ".repeat(100_000));
        let mut r = ReaderState::new(0, md);
        r.resize(120, 40);
        assert!(
            r.rendered.size() <= labrunner_core::lesson::MAX_RENDERED_BYTES,
            "{} bytes",
            r.rendered.size()
        );
        assert!(
            r.rendered.lines.len() < 100,
            "{} lines",
            r.rendered.lines.len()
        );
        assert!(
            r.rendered
                .lines
                .iter()
                .any(|l| l.plain().contains("nested deeper than")),
            "no marker where the nesting was cut"
        );
    }
}
