//! The pane's screen: a terminal emulator (alacritty's) with scrollback, fed by the shell's
//! reader thread and read by the drawing code. It is the one piece of TUI state shared across
//! threads (the reader writes, the UI reads), behind a fair mutex held for one chunk or one
//! frame: a flood of output cannot keep the UI from drawing, because a waiting frame gets the
//! lock before the reader takes it again.
//!
//! Queries a program sends to its terminal (cursor position `ESC[6n`, device status `ESC[5n`,
//! device attributes `ESC[c`, modes) are answered from the grid: [`TerminalScreen::feed`]
//! returns the answers for the shell's reader to write back.

use std::num::NonZeroU16;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use alacritty_terminal::Grid;
use alacritty_terminal::event::{Event, EventListener};
use alacritty_terminal::grid::{Dimensions, Scroll};
use alacritty_terminal::index::{Column, Line};
use alacritty_terminal::sync::FairMutex;
use alacritty_terminal::term::cell::{Cell, Flags};
use alacritty_terminal::term::{Config, Term, TermMode};
use alacritty_terminal::vte::ansi::{self, Processor};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

/// Lines kept above the visible screen.
pub const SCROLLBACK_LINES: usize = 5000;

/// Answers waiting to be written back to the program are capped: a program that asks without
/// reading the answers cannot grow them without bound.
const MAX_PENDING_ANSWERS: usize = 64 * 1024;

/// The answers the emulator gives to the program's queries, collected while a chunk is parsed
/// (the emulator holds one handle, the screen the other).
#[derive(Clone, Default)]
struct Answers(Arc<Mutex<Vec<u8>>>);

impl Answers {
    fn pending(&self) -> MutexGuard<'_, Vec<u8>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl EventListener for Answers {
    fn send_event(&self, event: Event) {
        if let Event::PtyWrite(text) = event {
            let mut pending = self.pending();
            if pending.len() + text.len() <= MAX_PENDING_ANSWERS {
                pending.extend_from_slice(text.as_bytes());
            }
        }
    }
}

/// The grid's size as the emulator wants it.
struct GridSize {
    rows: usize,
    cols: usize,
}

impl Dimensions for GridSize {
    fn total_lines(&self) -> usize {
        self.rows
    }
    fn screen_lines(&self) -> usize {
        self.rows
    }
    fn columns(&self) -> usize {
        self.cols
    }
}

struct Emulator {
    term: Term<Answers>,
    parser: Processor,
    answers: Answers,
}

/// Which mouse events the program in the pane asked for (xterm's modes 1000, 1002, 1003 and
/// the encodings 1005 and 1006).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MouseReporting {
    /// Movement with a button held (1002), or any movement (1003).
    pub drag: bool,
    pub motion: bool,
    /// `ESC[<b;x;yM` (1006) rather than the byte encoding.
    pub sgr: bool,
    /// Coordinates as UTF-8 characters (1005).
    pub utf8: bool,
}

#[derive(Clone)]
pub struct TerminalScreen(Arc<FairMutex<Emulator>>);

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

fn grid_size(rows: u16, cols: u16) -> GridSize {
    let (rows, cols) = at_least_one(rows, cols);
    GridSize {
        rows: usize::from(rows.get()),
        cols: usize::from(cols.get()),
    }
}

impl TerminalScreen {
    pub fn new(rows: u16, cols: u16) -> Self {
        let config = Config {
            scrolling_history: SCROLLBACK_LINES,
            ..Config::default()
        };
        let answers = Answers::default();
        let term = Term::new(config, &grid_size(rows, cols), answers.clone());
        TerminalScreen(Arc::new(FairMutex::new(Emulator {
            term,
            parser: Processor::new(),
            answers,
        })))
    }

    /// Parses output of the program; returns the answers to its queries, to be written back
    /// to it in this order.
    pub fn feed(&self, bytes: &[u8]) -> Vec<u8> {
        let mut e = self.0.lock();
        let Emulator {
            term,
            parser,
            answers,
        } = &mut *e;
        parser.advance(term, bytes);
        std::mem::take(&mut *answers.pending())
    }

    /// (rows, columns).
    pub fn size(&self) -> (u16, u16) {
        let e = self.0.lock();
        let clamp = |v: usize| u16::try_from(v).unwrap_or(u16::MAX);
        (clamp(e.term.screen_lines()), clamp(e.term.columns()))
    }

    /// Resizes the grid; returns whether the size changed.
    pub fn resize(&self, rows: u16, cols: u16) -> bool {
        let size = grid_size(rows, cols);
        let mut e = self.0.lock();
        if (e.term.screen_lines(), e.term.columns()) == (size.rows, size.cols) {
            return false;
        }
        e.term.resize(size);
        true
    }

    /// Lines scrolled back from the bottom (0: following the output).
    pub fn scrollback(&self) -> usize {
        view_offset(self.0.lock().term.grid()) as usize
    }

    /// Scrolls the view back (positive) or forward; clamped to the lines kept.
    pub fn scroll_by(&self, delta: isize) {
        // Past the history either way is the same; the emulator adds without saturating.
        let limit = SCROLLBACK_LINES as isize + 1;
        let delta = delta.clamp(-limit, limit) as i32;
        self.0.lock().term.scroll_display(Scroll::Delta(delta));
    }

    /// Follows the output again (typing does this).
    pub fn follow(&self) {
        self.0.lock().term.scroll_display(Scroll::Bottom);
    }

    fn mode(&self) -> TermMode {
        *self.0.lock().term.mode()
    }

    pub fn application_cursor(&self) -> bool {
        self.mode().contains(TermMode::APP_CURSOR)
    }

    /// The program in the pane asked for bracketed paste (mode 2004): pasted text is wrapped in
    /// the paste markers, so a newline in it is not taken as Enter.
    pub fn bracketed_paste(&self) -> bool {
        self.mode().contains(TermMode::BRACKETED_PASTE)
    }

    /// The mouse events the program asked for; `None` when it did not enable mouse tracking
    /// (the pane then keeps the wheel for its scrollback).
    pub fn mouse_reporting(&self) -> Option<MouseReporting> {
        let mode = self.mode();
        mode.intersects(TermMode::MOUSE_MODE)
            .then(|| MouseReporting {
                drag: mode.contains(TermMode::MOUSE_DRAG),
                motion: mode.contains(TermMode::MOUSE_MOTION),
                sgr: mode.contains(TermMode::SGR_MOUSE),
                utf8: mode.contains(TermMode::UTF8_MOUSE),
            })
    }

    /// The visible text, one line per row, trailing blanks trimmed (for tests and the
    /// benchmark's checks).
    pub fn contents(&self) -> String {
        let e = self.0.lock();
        let grid = e.term.grid();
        let offset = view_offset(grid);
        let mut rows = Vec::new();
        for row in 0..grid.screen_lines() as i32 {
            let line = &grid[Line(row - offset)];
            let mut text = String::new();
            for col in 0..grid.columns() {
                let cell = &line[Column(col)];
                if cell
                    .flags
                    .intersects(Flags::WIDE_CHAR_SPACER | Flags::LEADING_WIDE_CHAR_SPACER)
                {
                    continue;
                }
                text.push(cell.c);
                text.extend(cell.zerowidth().into_iter().flatten());
            }
            rows.push(text.trim_end().to_string());
        }
        while rows.last().is_some_and(|r| r.is_empty()) {
            rows.pop();
        }
        rows.join("\n")
    }

    /// Draws the visible screen into `area`; the cursor only when `show_cursor`.
    pub fn render(&self, area: Rect, buf: &mut Buffer, show_cursor: bool) {
        let area = area.intersection(buf.area);
        if area.is_empty() {
            return;
        }
        let mut e = self.0.lock();
        let Emulator { term, parser, .. } = &mut *e;
        // A synchronized update (mode 2026) the program did not end in time is shown as it is.
        if parser
            .sync_timeout()
            .sync_timeout()
            .is_some_and(|t| Instant::now() >= t)
        {
            parser.stop_sync(term);
        }
        let grid = term.grid();
        let offset = view_offset(grid);
        let rows = area
            .height
            .min(u16::try_from(grid.screen_lines()).unwrap_or(u16::MAX));
        let cols = area
            .width
            .min(u16::try_from(grid.columns()).unwrap_or(u16::MAX));
        for row in 0..rows {
            let line = &grid[Line(i32::from(row) - offset)];
            for col in 0..cols {
                let cell = &line[Column(usize::from(col))];
                let Some(target) = buf.cell_mut((area.x + col, area.y + row)) else {
                    continue;
                };
                target.reset();
                // The right half of a wide character: drawn by its left half.
                if cell.flags.contains(Flags::WIDE_CHAR_SPACER) {
                    continue;
                }
                if !cell.flags.contains(Flags::LEADING_WIDE_CHAR_SPACER) && cell.c != ' ' {
                    match cell.zerowidth() {
                        Some(marks) => {
                            let mut s = String::from(cell.c);
                            s.extend(marks);
                            target.set_symbol(&s);
                        }
                        None => {
                            target.set_char(cell.c);
                        }
                    }
                }
                target.set_style(cell_style(cell.fg, cell.bg, cell.flags));
            }
        }
        let cursor = grid.cursor.point;
        let (row, col) = (cursor.line.0, cursor.column.0);
        if show_cursor
            && term.mode().contains(TermMode::SHOW_CURSOR)
            && offset == 0
            && let (Ok(row), Ok(col)) = (u16::try_from(row), u16::try_from(col))
            && row < area.height
            && col < area.width
            && let Some(target) = buf.cell_mut((area.x + col, area.y + row))
        {
            target.set_style(Style::new().add_modifier(Modifier::REVERSED));
        }
    }
}

/// Lines scrolled back, never more than the history holds (a grid shrunk while scrolled back
/// can keep an offset past it).
fn view_offset(grid: &Grid<Cell>) -> i32 {
    let lines = grid.display_offset().min(grid.history_size());
    i32::try_from(lines).unwrap_or(i32::MAX)
}

fn cell_style(fg: ansi::Color, bg: ansi::Color, flags: Flags) -> Style {
    let mut m = Modifier::empty();
    for (bit, modifier) in [
        (Flags::BOLD, Modifier::BOLD),
        (Flags::DIM, Modifier::DIM),
        (Flags::ITALIC, Modifier::ITALIC),
        (Flags::ALL_UNDERLINES, Modifier::UNDERLINED),
        (Flags::INVERSE, Modifier::REVERSED),
        (Flags::HIDDEN, Modifier::HIDDEN),
        (Flags::STRIKEOUT, Modifier::CROSSED_OUT),
    ] {
        if flags.intersects(bit) {
            m |= modifier;
        }
    }
    Style::new().fg(color(fg)).bg(color(bg)).add_modifier(m)
}

/// The program's colours as the outer terminal's: the 16 named ones and the 256 indexed ones
/// by index (the student's palette), true colour as it is, the default colours as the
/// terminal's own.
fn color(c: ansi::Color) -> Color {
    match c {
        ansi::Color::Named(n) if (n as usize) < 16 => Color::Indexed(n as u8),
        ansi::Color::Named(_) => Color::Reset,
        ansi::Color::Indexed(i) => Color::Indexed(i),
        ansi::Color::Spec(rgb) => Color::Rgb(rgb.r, rgb.g, rgb.b),
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
