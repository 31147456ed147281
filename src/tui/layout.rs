//! Where things go on the screen: the chrome around every screen and the lab view's panels.
//! Both input (the app sizes the reader and the terminal pane to it) and drawing use it, so
//! neither depends on the other.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Block;

use super::lab_view::LabView;

/// Title bar, body, status line, footer.
pub fn chrome(area: Rect) -> [Rect; 4] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// The area screens draw in (the app wraps lesson text to it).
pub fn body_area(area: Rect) -> Rect {
    chrome(area)[1]
}

/// Where each panel of the lab view goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LabLayout {
    /// The step list, when there is room for it.
    pub steps: Option<Rect>,
    /// Otherwise the steps are one line, in the step panel's title.
    pub strip: bool,
    pub detail: Rect,
    /// "What labrunner ran" as a panel, or as its latest line.
    pub log: Option<Rect>,
    pub log_line: Option<Rect>,
    pub terminal: Option<Rect>,
    /// Inside the terminal's border: the size of its PTY.
    pub terminal_inner: Option<Rect>,
}

/// The lab view's layout for a body area; `terminal`: the pane is shown.
pub fn lab(area: Rect, view: &LabView, terminal: bool) -> LabLayout {
    let h = area.height;
    let mut term_h = match (terminal, h) {
        (false, _) => 0,
        (true, 0..4) => h / 2,
        (true, _) => (h * 42 / 100).max(3),
    };
    // The terminal gives rows (down to two lines inside its border) so that the command and
    // the checks fit above it.
    if terminal && h >= 10 {
        let narrow = area.width < 100;
        let detail_width = if narrow {
            area.width
        } else {
            area.width - (area.width / 4).clamp(24, 34)
        };
        let need = pinned_need(view, detail_width.saturating_sub(2)) as u16 + 2;
        if h.saturating_sub(term_h) < need {
            term_h = h.saturating_sub(need).clamp(4.min(term_h), term_h);
        }
    }
    let [top, term] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(term_h)]).areas(area);
    let mut out = LabLayout::default();
    if term_h > 0 {
        out.terminal = Some(term);
        let inner = Block::bordered().inner(term);
        out.terminal_inner = (!inner.is_empty()).then_some(inner);
    }
    let mut rest = top;
    if area.width >= 100 && top.height >= 10 {
        let w = (area.width / 4).clamp(24, 34);
        let [steps, right] =
            Layout::horizontal([Constraint::Length(w), Constraint::Min(0)]).areas(top);
        out.steps = Some(steps);
        rest = right;
    } else {
        out.strip = true;
    }
    if rest.height >= 20 {
        let [d, l] = Layout::vertical([Constraint::Min(0), Constraint::Length(5)]).areas(rest);
        out.log = Some(l);
        rest = d;
    } else if rest.height >= 8 && !view.log.is_empty() {
        let [d, l] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(rest);
        out.log_line = Some(l);
        rest = d;
    }
    out.detail = rest;
    out
}

/// Rows the command and the checks need at `width` (without the header line and evidence):
/// each command wrapped after its `$ `, a line for a command that should fail, one per check.
pub fn pinned_need(view: &LabView, width: u16) -> usize {
    let Some(step) = view.lab.lab.steps.get(view.selected) else {
        return 0;
    };
    let w = (width as usize).saturating_sub(3).max(1);
    let commands: usize = step
        .solution
        .iter()
        .map(|c| wrap_words(&view.shown(c), w).len() + usize::from(c.expected_error().is_some()))
        .sum();
    commands + step.checks.len()
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
