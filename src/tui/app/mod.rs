//! The TUI's state: a router over screens that own their state. Keys and background events
//! come in; effects (things that touch the outside world: the clipboard, the daemon, the
//! terminal pane's shell) go out to the event loop. Drawing only reads this.
//!
//! - [`home`]: the list of lessons, labs and knowledge checks.
//! - [`lab::LabScreen`]: a lab's view, its terminal pane, its live loop and its results.
//! - [`screens`]: the lesson reader's and the knowledge check's keys.
//! - [`dialog`]: the questions asked before something destructive or recorded.

mod context;
mod dialog;
mod events;
mod home;
mod keeper;
mod lab;
mod pointer;
mod screens;

use chrono::Utc;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;

use labrunner_core::{Catalog, ImageMap, LoadedLab};

pub use context::Context;
pub use dialog::{ExistingResources, Overlay, Pending};
pub use events::{AppEvent, Effect, Level, Notice};
pub use home::HomeRow;
pub use keeper::ProgressKeeper;
pub use lab::LabScreen;

use super::keymap::{self, Action, Scope};
use super::quiz::QuizState;
use super::reader::{self, ReaderState};
use home::HomeScreen;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Home,
    Reader,
    Lab,
    Quiz,
    Summary,
}

/// The screen on top of home.
enum Screen {
    Home,
    Reader(ReaderState),
    Lab(Box<LabScreen>),
    Quiz(QuizState),
}

pub struct App {
    cx: Context,
    home: HomeScreen,
    screen: Screen,
    overlay: Option<Overlay>,
    /// How far the help overlay is scrolled.
    help_scroll: u16,
    /// Which opening of a lab is on screen: every opening (and every closing) takes a new
    /// number, and background events tagged with another are dropped.
    session: u64,
    quit: bool,
    /// Whether labrunner captures the mouse (else the terminal selects text).
    mouse_capture: bool,
    /// A problem to keep in view on the home screen (a progress file that was set aside).
    banner: Option<String>,
}

impl App {
    pub fn new(catalog: Catalog, progress: ProgressKeeper) -> Self {
        App {
            cx: Context {
                catalog,
                progress,
                notice: None,
                notice_age: 0,
                now: Utc::now,
                workdir_of: |id| labrunner_core::workdir(id, None),
                image_map: ImageMap::default(),
                with_terminal: true,
                focus_terminal_on_open: false,
            },
            home: HomeScreen::default(),
            screen: Screen::Home,
            overlay: None,
            help_scroll: 0,
            session: 0,
            quit: false,
            mouse_capture: true,
            banner: None,
        }
    }

    /// Whether a program other than the shell runs in the pane (the event loop knows).
    pub fn set_terminal_busy(&mut self, busy: bool) {
        if let Some(l) = self.lab_screen_mut() {
            l.set_terminal_busy(busy);
        }
    }

    pub fn notify(&mut self, level: Level, text: impl Into<String>) {
        self.cx.notify(level, text);
    }

    /// The key scope in effect (overlays first).
    pub fn scope(&self) -> Scope {
        match &self.overlay {
            Some(Overlay::Help) => Scope::Help,
            Some(Overlay::Confirm(_)) => Scope::Confirm,
            None => self.scope_below_overlay(),
        }
    }

    /// The screen's own key scope, ignoring overlays (the help overlay lists its keys).
    pub fn scope_below_overlay(&self) -> Scope {
        match &self.screen {
            Screen::Home => Scope::Home,
            Screen::Reader(r) if r.searching() => Scope::ReaderSearch,
            Screen::Reader(_) => Scope::Reader,
            Screen::Lab(l) if l.showing_results() => Scope::Summary,
            Screen::Lab(l) if l.terminal_takes_keys() => Scope::Terminal,
            Screen::Lab(_) => Scope::Lab,
            Screen::Quiz(q) if q.is_typing() => Scope::QuizTyping,
            Screen::Quiz(_) => Scope::Quiz,
        }
    }

    /// Tells the app the terminal's size before drawing (the reader wraps to it, the terminal
    /// pane's shell takes it).
    pub fn resize(&mut self, area: Rect) {
        let body = super::layout::body_area(area);
        match &mut self.screen {
            Screen::Reader(r) => {
                let (w, h) = reader::text_inner(body, r.sections_focus);
                r.resize(w, h);
            }
            Screen::Lab(l) => l.resize(body),
            _ => {}
        }
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let scope = self.scope();
        if scope == Scope::Terminal {
            if let Some(action) = keymap::lookup(Scope::Terminal, &key) {
                return self.act(action);
            }
            let Screen::Lab(l) = &mut self.screen else {
                return Vec::new();
            };
            return l.terminal_key(key, &mut self.cx);
        }
        if scope == Scope::ReaderSearch
            && let Screen::Reader(r) = &mut self.screen
        {
            match key.code {
                KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                    r.search_type(c);
                    return Vec::new();
                }
                KeyCode::Backspace => {
                    r.search_backspace();
                    return Vec::new();
                }
                _ => {}
            }
        }
        if scope == Scope::QuizTyping
            && let Screen::Quiz(q) = &mut self.screen
        {
            let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
            match key.code {
                KeyCode::Char(c) if !ctrl => {
                    q.type_char(c);
                    return Vec::new();
                }
                KeyCode::Backspace => {
                    q.backspace();
                    return Vec::new();
                }
                _ => {}
            }
        }
        match keymap::lookup(scope, &key) {
            Some(action) => self.act(action),
            None => Vec::new(),
        }
    }

    /// Performs an action in the current scope.
    pub fn act(&mut self, action: Action) -> Vec<Effect> {
        let mut effects = Vec::new();
        if action == Action::Quit {
            let busy = self
                .lab_screen()
                .is_some_and(|l| !l.showing_results() && l.terminal_busy());
            if self.overlay.is_none() && busy {
                self.overlay = Some(Overlay::Confirm(Pending::Leave { quit: true }));
            } else {
                self.quit = true;
            }
            return effects;
        }
        match self.overlay.take() {
            Some(Overlay::Help) => {
                match action {
                    Action::Back | Action::Help => {}
                    Action::Up => self.help_scroll = self.help_scroll.saturating_sub(1),
                    Action::Down => self.help_scroll = self.help_scroll.saturating_add(1).min(200),
                    _ => {}
                }
                if !matches!(action, Action::Back | Action::Help) {
                    self.overlay = Some(Overlay::Help);
                }
                return effects;
            }
            Some(Overlay::Confirm(pending)) => {
                match (action, &pending) {
                    (
                        Action::OwnNames,
                        Pending::OpenLab {
                            own_names: Some((name, _)),
                            ..
                        },
                    ) => {
                        if let Screen::Lab(l) = &mut self.screen {
                            l.open_under_own_names(name, &mut self.cx, &mut effects);
                        }
                    }
                    // Another question: o is not one of its answers.
                    (Action::OwnNames, _) => self.overlay = Some(Overlay::Confirm(pending)),
                    (Action::Yes, _) => self.confirmed(pending, &mut effects),
                    // Not opening the lab: nothing was started, nothing was created. Leaving
                    // a finished lab without removing what it created.
                    _ if matches!(pending, Pending::OpenLab { .. } | Pending::LeaveFinished) => {
                        self.go_home(&mut effects)
                    }
                    _ => {}
                }
                return effects;
            }
            None => {}
        }
        if action == Action::ToggleMouse {
            effects.push(self.toggle_mouse());
            return effects;
        }
        if action == Action::Help {
            self.overlay = Some(Overlay::Help);
            self.help_scroll = 0;
            return effects;
        }
        match &mut self.screen {
            Screen::Home => self.act_home(action, &mut effects),
            Screen::Reader(r) => {
                if screens::act_reader(r, action) == screens::Next::Leave {
                    self.screen = Screen::Home;
                }
            }
            Screen::Quiz(q) => {
                let (next, answered) = screens::act_quiz(q, action);
                if let Some(a) = answered {
                    let lesson = q.lesson.clone();
                    self.record_answer(&lesson, a);
                }
                if next == screens::Next::Leave {
                    self.screen = Screen::Home;
                }
            }
            Screen::Lab(l) => match l.act(action, &mut self.cx, &mut effects) {
                lab::Next::Stay => {}
                lab::Next::Ask(p) => self.overlay = Some(Overlay::Confirm(p)),
                lab::Next::Leave => self.go_home(&mut effects),
            },
        }
        effects
    }

    /// Opens a lab: its results when it is complete; on its first start, what already exists
    /// is found and the student asked before anything runs; otherwise it resumes.
    pub fn open_lab(&mut self, lab: LoadedLab, effects: &mut Vec<Effect>) {
        self.session += 1;
        let screen = LabScreen::open(lab, self.session, &mut self.cx, effects);
        self.screen = Screen::Lab(Box::new(screen));
    }

    fn confirmed(&mut self, pending: Pending, effects: &mut Vec<Effect>) {
        if let Pending::Leave { quit } = pending {
            if quit {
                self.quit = true;
            } else {
                self.go_home(effects);
            }
            return;
        }
        let Screen::Lab(l) = &mut self.screen else {
            return;
        };
        match pending {
            Pending::LeaveFinished => {
                l.remove_created(&self.cx, effects);
                self.go_home(effects);
            }
            Pending::OpenLab { existing, .. } => l.start(existing, true, &mut self.cx, effects),
            Pending::Assist { .. } => l.assist(effects),
            Pending::Reset => l.reset(&mut self.cx, effects),
            Pending::Leave { .. } => {}
        }
    }

    /// Folds in what a background task reported.
    pub fn on_event(&mut self, event: AppEvent) -> Vec<Effect> {
        if let AppEvent::Removed { lab, result } = &event {
            self.cx.removed(lab, result);
            return Vec::new();
        }
        let Screen::Lab(l) = &mut self.screen else {
            return Vec::new();
        };
        let (effects, completed) = match event {
            AppEvent::Terminal(ev) => {
                l.shell_event(&ev, &mut self.cx);
                return Vec::new();
            }
            AppEvent::ForLab { session, event } if session == self.session => {
                return self.on_event(*event);
            }
            AppEvent::ForLab { .. } | AppEvent::Shell { .. } | AppEvent::Removed { .. } => {
                return Vec::new();
            }
            AppEvent::Run(ev) => l.on_run_event(&ev, &mut self.cx),
            AppEvent::Live(status) => {
                l.on_live(status);
                return Vec::new();
            }
            AppEvent::Pull(line) => {
                l.on_pull(line);
                return Vec::new();
            }
            AppEvent::Preflight { resources } => {
                let mut effects = Vec::new();
                if let lab::Next::Ask(p) = l.preflight_done(resources, &mut self.cx, &mut effects) {
                    self.overlay = Some(Overlay::Confirm(p));
                }
                return effects;
            }
        };
        if completed {
            self.overlay = None;
        }
        effects
    }

    /// Time passes (every quarter of a second): a notice shown long enough goes, and a
    /// failing attempt is recorded once its command's events have settled.
    pub fn tick(&mut self) -> Vec<Effect> {
        self.cx.age_notice();
        let Screen::Lab(l) = &mut self.screen else {
            return Vec::new();
        };
        let (effects, completed) = l.tick(&mut self.cx);
        if completed {
            self.overlay = None;
        }
        effects
    }
}
