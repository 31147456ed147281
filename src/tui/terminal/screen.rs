//! The pane's screen: a VT parser with scrollback, fed by the shell's reader thread and read
//! by the drawing code. The parser is the one piece of TUI state shared across threads (the
//! reader writes, the UI reads), behind one mutex held only for one chunk or one frame.

use std::num::NonZeroU16;
use std::sync::{Arc, Mutex, MutexGuard};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

/// Lines kept above the visible screen.
pub const SCROLLBACK_LINES: usize = 5000;

#[derive(Clone)]
pub struct TerminalScreen(Arc<Mutex<vt100::Parser>>);

impl std::fmt::Debug for TerminalScreen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (rows, cols) = self.size();
        write!(f, "TerminalScreen({rows}x{cols})")
    }
}

/// A grid has at least one row, and two columns so that a wide character fits. Drawing
/// clips to the pane.
fn at_least_one(rows: u16, cols: u16) -> (NonZeroU16, NonZeroU16) {
    let n = |v: u16, min: u16| NonZeroU16::new(v.max(min)).unwrap_or(NonZeroU16::MIN);
    (n(rows, 1), n(cols, 2))
}

impl TerminalScreen {
    pub fn new(rows: u16, cols: u16) -> Self {
        let (rows, cols) = at_least_one(rows, cols);
        TerminalScreen(Arc::new(Mutex::new(vt100::Parser::new(
            rows,
            cols,
            SCROLLBACK_LINES,
        ))))
    }

    /// The parser. A panic while it was held (in the reader thread) leaves it usable: the
    /// screen shows what had arrived, and the pane reports that the reader stopped.
    pub fn lock(&self) -> MutexGuard<'_, vt100::Parser> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn feed(&self, bytes: &[u8]) {
        self.lock().process(bytes);
    }

    /// (rows, columns).
    pub fn size(&self) -> (u16, u16) {
        let (rows, cols) = self.lock().screen().size();
        (rows.get(), cols.get())
    }

    /// Resizes the grid; returns whether the size changed.
    pub fn resize(&self, rows: u16, cols: u16) -> bool {
        let (rows, cols) = at_least_one(rows, cols);
        let mut p = self.lock();
        if p.screen().size() == (rows, cols) {
            return false;
        }
        p.set_size(rows, cols);
        true
    }

    /// Lines scrolled back from the bottom (0: following the output).
    pub fn scrollback(&self) -> usize {
        self.lock().screen().scrollback()
    }

    /// Scrolls the view back (positive) or forward; clamped to the lines kept.
    pub fn scroll_by(&self, delta: isize) {
        let mut p = self.lock();
        let now = p.screen().scrollback();
        p.screen_mut()
            .set_scrollback(now.saturating_add_signed(delta));
    }

    pub fn application_cursor(&self) -> bool {
        self.lock().screen().application_cursor()
    }

    /// The program in the pane asked for bracketed paste (text put at the prompt is wrapped in
    /// the paste markers, so a newline in it is not taken as Enter).
    pub fn bracketed_paste(&self) -> bool {
        self.lock().screen().bracketed_paste()
    }

    /// The visible text (for tests and the benchmark's checks).
    pub fn contents(&self) -> String {
        self.lock().screen().contents()
    }

    /// Draws the visible screen into `area`; the cursor only when `show_cursor`.
    pub fn render(&self, area: Rect, buf: &mut Buffer, show_cursor: bool) {
        let area = area.intersection(buf.area);
        if area.is_empty() {
            return;
        }
        let p = self.lock();
        let screen = p.screen();
        for row in 0..area.height {
            for col in 0..area.width {
                let Some(cell) = screen.cell(row, col) else {
                    continue;
                };
                if let Some(target) = buf.cell_mut((area.x + col, area.y + row)) {
                    target.reset();
                    // The right half of a wide character: drawn by its left half.
                    if cell.is_wide_continuation() {
                        continue;
                    }
                    if cell.has_contents() {
                        target.set_symbol(cell.contents());
                    }
                    target.set_style(cell_style(cell));
                }
            }
        }
        let (row, col) = screen.cursor_position();
        if show_cursor && !screen.hide_cursor() && screen.scrollback() == 0 {
            let at = (area.x.saturating_add(col), area.y.saturating_add(row));
            if let Some(target) = buf
                .cell_mut(at)
                .filter(|_| col < area.width && row < area.height)
            {
                target.set_style(Style::new().add_modifier(Modifier::REVERSED));
            }
        }
    }
}

fn cell_style(cell: &vt100::Cell) -> Style {
    let mut m = Modifier::empty();
    for (on, bit) in [
        (cell.bold(), Modifier::BOLD),
        (cell.dim(), Modifier::DIM),
        (cell.italic(), Modifier::ITALIC),
        (cell.underline(), Modifier::UNDERLINED),
        (cell.inverse(), Modifier::REVERSED),
    ] {
        if on {
            m |= bit;
        }
    }
    Style::new()
        .fg(color(cell.fgcolor()))
        .bg(color(cell.bgcolor()))
        .add_modifier(m)
}

fn color(c: vt100::Color) -> Color {
    match c {
        vt100::Color::Default => Color::Reset,
        vt100::Color::Idx(i) => Color::Indexed(i),
        vt100::Color::Rgb(r, g, b) => Color::Rgb(r, g, b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_lands_on_the_grid_and_scrolls_back() {
        let s = TerminalScreen::new(3, 10);
        s.feed(b"one\r\ntwo\r\nthree\r\nfour");
        assert_eq!(s.contents(), "two\nthree\nfour");
        s.scroll_by(1);
        assert_eq!(s.scrollback(), 1);
        assert!(s.contents().starts_with("one"), "{}", s.contents());
        s.scroll_by(-5);
        assert_eq!(s.scrollback(), 0);
        assert!(s.resize(0, 0), "clamped to 1x2");
        assert_eq!(s.size(), (1, 2));
        assert!(!s.resize(1, 1));
    }

    /// Random byte streams (with a bias towards escape sequences) at random sizes, resized
    /// in between, scrolled, and drawn into buffers of every small size: nothing panics.
    #[test]
    fn any_byte_stream_at_any_size_renders_without_panic() {
        const PIECES: &[&[u8]] = &[
            b"\x1b[",
            b"\x1b]",
            b"\x1bP",
            b"\x07",
            b"\x1b\\",
            b";",
            b"m",
            b"H",
            b"J",
            b"K",
            b"r",
            b"?1049h",
            b"?1049l",
            b"?25l",
            b"?1h",
            b"38;2;",
            b"48;5;",
            b"999999999",
            b"\r\n",
            b"\t",
            b"\x08",
            "界".as_bytes(),
            "é".as_bytes(),
            b"\xff\xfe",
            b"\x1b[2J",
            b"\x1b[1;1H",
            b"\x1b[65535;65535H",
            b"\x1b[@",
            b"\x1b[1000P",
            b"\x1bM",
            b"\x1b7",
            b"\x1b8",
            b"\x1b[4h",
            b"\x1b[?6h",
            b"\x1b[3;1r",
            b"\x1b[L",
            b"\x1b[M",
        ];
        let mut rng = fastrand::Rng::with_seed(0x1ab);
        for round in 0..400 {
            let s = TerminalScreen::new(rng.u16(0..6), rng.u16(0..12));
            for _ in 0..rng.usize(1..40) {
                let mut chunk = Vec::new();
                for _ in 0..rng.usize(0..24) {
                    if rng.bool() {
                        chunk.extend_from_slice(PIECES[rng.usize(0..PIECES.len())]);
                    } else {
                        chunk.push(rng.u8(..));
                    }
                }
                s.feed(&chunk);
                match rng.u8(0..8) {
                    0 => {
                        s.resize(rng.u16(0..8), rng.u16(0..16));
                    }
                    1 => s.scroll_by(rng.isize(-20..20)),
                    _ => {}
                }
            }
            for (w, h) in [(0, 0), (1, 1), (2, 1), (rng.u16(0..30), rng.u16(0..10))] {
                let mut buf = Buffer::empty(Rect::new(0, 0, w, h));
                s.render(Rect::new(0, 0, w + 3, h + 2), &mut buf, round % 2 == 0);
            }
        }
    }
}
