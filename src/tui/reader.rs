//! The lesson reader's state: rendered lines for the current width, scroll, section list.

use ratatui::layout::{Constraint, Layout, Rect};

use labrunner_core::{LineKind, Rendered, render_markdown};
use unicode_width::UnicodeWidthStr;

/// Narrower than this, the section list is only shown when toggled on (and then replaces text):
/// at 80 columns the text keeps the whole width, so a table of three columns stays readable.
pub const SIDEBAR_MIN_WIDTH: u16 = 100;
pub const SIDEBAR_WIDTH: u16 = 28;
/// Columns one ←/→ moves code sideways.
const SIDEWAYS_STEP: usize = 8;

/// A search in the lesson's text (case-insensitive), and where its matches are.
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub query: String,
    /// The query is being typed (Enter searches, Esc stops).
    pub typing: bool,
    /// Rendered lines holding the query, in order.
    pub matches: Vec<usize>,
    /// The match shown (index into `matches`).
    pub current: Option<usize>,
}

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
    /// Columns code is scrolled sideways (code never wraps).
    pub hscroll: usize,
    pub search: Option<Search>,
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
            hscroll: 0,
            search: None,
        }
    }

    /// The text's width the lesson is rendered at.
    pub fn width(&self) -> u16 {
        self.width
    }

    /// Columns code can be scrolled sideways: its widest line past the text's width.
    fn max_hscroll(&self) -> usize {
        let widest = self
            .rendered
            .lines
            .iter()
            .filter(|l| l.kind == LineKind::Code)
            .map(|l| l.plain().width())
            .max()
            .unwrap_or(0);
        widest.saturating_sub(usize::from(self.width))
    }

    /// Scrolls code sideways (right when `right`).
    pub fn scroll_sideways(&mut self, right: bool) {
        self.hscroll = if right {
            (self.hscroll + SIDEWAYS_STEP).min(self.max_hscroll())
        } else {
            self.hscroll.saturating_sub(SIDEWAYS_STEP)
        };
    }

    /// Starts typing a search (a new one; the last query is offered again).
    pub fn start_search(&mut self) {
        let query = self.search.take().map(|s| s.query).unwrap_or_default();
        self.search = Some(Search {
            query,
            typing: true,
            ..Search::default()
        });
    }

    pub fn searching(&self) -> bool {
        self.search.as_ref().is_some_and(|s| s.typing)
    }

    pub fn search_type(&mut self, c: char) {
        if let Some(s) = self.search.as_mut().filter(|s| s.typing)
            && s.query.chars().count() < 200
        {
            s.query.push(c);
        }
    }

    pub fn search_backspace(&mut self) {
        if let Some(s) = self.search.as_mut().filter(|s| s.typing) {
            s.query.pop();
        }
    }

    pub fn cancel_search(&mut self) {
        self.search = None;
    }

    /// Searches for what was typed and shows the first match at or below the top line.
    pub fn submit_search(&mut self) {
        let Some(s) = &mut self.search else { return };
        s.typing = false;
        if s.query.is_empty() {
            self.search = None;
            return;
        }
        self.find_matches();
        let top = self.scroll;
        if let Some(s) = &mut self.search {
            s.current = s
                .matches
                .iter()
                .position(|l| *l >= top)
                .or((!s.matches.is_empty()).then_some(0));
        }
        self.show_match();
    }

    fn find_matches(&mut self) {
        let Some(s) = &mut self.search else { return };
        let needle = s.query.to_lowercase();
        s.matches = self
            .rendered
            .lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.plain().to_lowercase().contains(&needle))
            .map(|(i, _)| i)
            .collect();
        s.current = s.current.filter(|c| *c < s.matches.len());
    }

    /// The next (or previous) match, round the end of the lesson.
    pub fn next_match(&mut self, forward: bool) {
        let Some(s) = self.search.as_mut().filter(|s| !s.matches.is_empty()) else {
            return;
        };
        let n = s.matches.len();
        s.current = Some(match s.current {
            Some(c) if forward => (c + 1) % n,
            Some(c) => (c + n - 1) % n,
            None => 0,
        });
        self.show_match();
    }

    /// Scrolls so the current match is in view, a few lines below the top.
    fn show_match(&mut self) {
        let Some(line) = self
            .search
            .as_ref()
            .and_then(|s| s.current.and_then(|c| s.matches.get(c)))
            .copied()
        else {
            return;
        };
        let visible = usize::from(self.height.max(1));
        if line < self.scroll || line >= self.scroll + visible {
            self.scroll = line.saturating_sub(2);
            self.clamp();
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
            self.find_matches();
        }
        self.clamp();
        self.hscroll = self.hscroll.min(self.max_hscroll());
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
    fn search_finds_every_match_and_n_and_shift_n_go_round() {
        let mut r = ReaderState::new(0, doc());
        r.resize(40, 10);
        r.start_search();
        assert!(r.searching());
        for c in "LINE 3".chars() {
            r.search_type(c);
        }
        r.search_backspace();
        r.search_type('3');
        r.submit_search();
        let s = r.search.clone().unwrap();
        assert!(!s.typing);
        assert_eq!(s.matches.len(), 5, "once per part, case-insensitive");
        assert_eq!(s.current, Some(0));
        let first = s.matches[0];
        assert!(
            r.scroll <= first && first < r.scroll + 10,
            "the match is in view"
        );
        r.next_match(true);
        assert_eq!(r.search.as_ref().unwrap().current, Some(1));
        r.next_match(false);
        r.next_match(false);
        assert_eq!(
            r.search.as_ref().unwrap().current,
            Some(4),
            "round the start"
        );
        // A new width re-renders; the matches follow.
        r.resize(15, 10);
        assert_eq!(r.search.as_ref().unwrap().matches.len(), 5);
        // Nothing found: no match, the place kept.
        let at = r.scroll;
        r.start_search();
        r.search_type('!');
        r.submit_search();
        assert_eq!(r.search.as_ref().unwrap().current, None);
        assert_eq!(r.scroll, at);
        r.cancel_search();
        assert!(r.search.is_none());
    }

    /// At 80 columns (77 for the text), the lesson's Troubleshooting table shows every word of
    /// every cell, no line is wider than the text, and code scrolls sideways to its end.
    #[test]
    fn the_troubleshooting_table_is_readable_at_80_columns() {
        let md = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/lessons/MOD-DOCKER-04.md"
        ))
        .unwrap();
        let mut r = ReaderState::new(0, md.clone());
        r.resize(77, 21);
        let table_md: Vec<&str> = md
            .lines()
            .skip_while(|l| !l.starts_with("## Troubleshooting"))
            .skip_while(|l| !l.starts_with("| Symptom"))
            .take_while(|l| l.starts_with('|'))
            .collect();
        assert!(table_md.len() > 3, "the lesson has the table");
        let start = r
            .rendered
            .lines
            .iter()
            .position(|l| l.plain().contains("Symptom") && l.plain().contains("Fix"))
            .unwrap();
        let rendered: Vec<String> = r.rendered.lines[start..]
            .iter()
            .take_while(|l| l.plain().starts_with(['│', '├', '└']))
            .map(|l| l.plain())
            .collect();
        assert!(rendered.iter().all(|l| l.width() <= 77), "{rendered:#?}");
        let shown: String = rendered.join(" ");
        assert!(!shown.contains('…'), "no cell is cut: {rendered:#?}");
        let shown: Vec<&str> = shown.split_whitespace().collect();
        for row in table_md.iter().filter(|l| !l.starts_with("|---")) {
            let row = row.replace('`', "");
            for word in row.split_whitespace().filter(|w| *w != "|") {
                assert!(
                    shown.contains(&word),
                    "{word:?} of {row:?} is not shown:\n{}",
                    rendered.join("\n")
                );
            }
        }
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
            r.rendered.size() <= labrunner_core::MAX_RENDERED_BYTES,
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
