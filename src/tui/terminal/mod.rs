//! The terminal pane of the lab view: a real shell on a pseudo-terminal, drawn inside the TUI.
//!
//! - [`screen::TerminalScreen`]: the terminal emulator (alacritty's) with scrollback, drawn
//!   into the frame's buffer; it answers the program's queries.
//! - [`shell::Shell`]: the PTY and the user's shell (portable-pty), owned by the event loop.
//! - [`keys`]: keys, pastes and mouse events as the bytes a terminal sends.
//! - [`Pane`]: what the app knows about the pane (focus, visibility, mouse capture, its end).

pub mod keys;
pub mod screen;
pub mod shell;

use std::path::PathBuf;

pub use screen::TerminalScreen;

/// The pane as the app sees it; the [`shell::Shell`] itself lives in the event loop.
#[derive(Debug, Clone)]
pub struct Pane {
    pub screen: TerminalScreen,
    /// Every key goes to the shell (except the one that gives focus back).
    pub focused: bool,
    pub visible: bool,
    /// The folder the shell started in.
    pub dir: PathBuf,
    /// Why the shell is gone, once it is.
    pub ended: Option<String>,
    /// A program other than the shell runs in it (updated by the event loop).
    pub busy: bool,
}

impl Pane {
    pub fn new(dir: PathBuf) -> Self {
        Pane {
            screen: TerminalScreen::new(24, 80),
            focused: true,
            visible: true,
            dir,
            ended: None,
            busy: false,
        }
    }

    /// Whether keys go to the shell now.
    pub fn takes_keys(&self) -> bool {
        self.focused && self.visible && self.ended.is_none()
    }
}
