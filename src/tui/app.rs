//! The TUI's state, owned in one place. Keys and background events come in; effects (things
//! that touch the outside world: the clipboard, the daemon) go out to the event loop. Drawing
//! only reads this.

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

use labrunner_core::engine::PullProgress;
use labrunner_core::images::ImageMap;
use labrunner_core::lab::LoadedLab;
use labrunner_core::lesson::{Catalog, LabEntry};
use labrunner_core::preexisting::Touched;
use labrunner_core::progress::{Progress, ProgressStore, QuizAnswer};
use labrunner_core::runner::{Resource, RunEvent};

use super::keymap::{self, Action, Scope};
use super::lab_view::{LabChange, LabView, LiveStatus};
use super::quiz::{Answered, QuizState};
use super::reader::{self, ReaderState};
use super::terminal::{Pane, TerminalScreen, keys};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Home,
    Reader,
    Lab,
    Quiz,
    Summary,
}

/// Something destructive (or recorded) waiting for a yes.
#[derive(Debug, Clone, PartialEq)]
pub enum Pending {
    Reset,
    Assist {
        step: String,
    },
    /// Opening a lab for the first time runs its setup and uses what already exists.
    OpenLab {
        /// What the setup creates (`network app-net`), in order.
        creates: Vec<String>,
        /// Declared resources that exist already (someone's data may be in them).
        existing: Vec<Resource>,
        /// The lab's commands that would touch them, which labrunner refuses to run.
        touched: Vec<Touched>,
    },
    /// Leaving the lab view ends the program running in its terminal.
    Leave {
        quit: bool,
    },
}

/// The student's answer about declared resources that existed before the lab started: passed
/// with the start of the lab. Whatever the answer, labrunner never writes into, starts, stops
/// or removes them ([`labrunner_core::preexisting::refusal`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExistingResources {
    /// None of the lab's resources existed before it started.
    NoneExisted,
    /// "Yes, use my existing resources as they are": the lab opens beside them.
    UseThem,
}

impl Pending {
    pub fn question(&self, lab: &str) -> String {
        match self {
            Pending::OpenLab {
                creates,
                existing,
                touched,
            } => open_question(lab, creates, existing, touched),
            Pending::Leave { quit } => format!(
                "A program is still running in the terminal pane. {} ends it.",
                if *quit { "Quitting" } else { "Leaving the lab" }
            ),
            Pending::Reset => format!(
                "Reset lab {lab}? Containers, networks and volumes labrunner created for it are removed and its progress is cleared. Anything that existed before the lab is kept."
            ),
            Pending::Assist { step } => format!(
                "Run the solution of step {step} for you? The step will be recorded as assisted."
            ),
        }
    }
}

/// The question asked before a lab's first start.
fn open_question(
    lab: &str,
    creates: &[String],
    existing: &[Resource],
    touched: &[Touched],
) -> String {
    let mut q = String::new();
    if !creates.is_empty() {
        q.push_str(&format!(
            "Opening {lab} runs its setup, which creates: {}. Leaving keeps them until you reset the lab. ",
            creates.join(", ")
        ));
    }
    if existing.is_empty() {
        q.push_str("y: open the lab; n: do not open it.");
        return q;
    }
    let names: Vec<String> = existing.iter().map(ToString::to_string).collect();
    q.push_str(&format!(
        "Already on your Docker daemon: {}. They are yours: labrunner never writes into, starts, stops or removes them. ",
        names.join(", ")
    ));
    if !touched.is_empty() {
        let what: Vec<String> = touched.iter().map(ToString::to_string).collect();
        q.push_str(&format!(
            "So it refuses to run what would: {}. You may type those commands yourself. ",
            what.join("; ")
        ));
    }
    q.push_str("y: yes, use my existing resources as they are; n: no, do not open the lab.");
    q
}

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Help,
    Confirm(Pending),
}

/// Work for the event loop, which owns the terminal and spawns background tasks.
#[derive(Debug, Clone)]
pub enum Effect {
    /// Put text on the clipboard (OSC 52).
    Copy(String),
    /// Start watching the lab from step index `start`: re-run the current step's checks on
    /// daemon events.
    StartLive {
        /// The opening of the lab this live loop belongs to (its events carry it).
        session: u64,
        lab: Box<LoadedLab>,
        /// What the student said about pre-existing resources.
        existing: ExistingResources,
        start: usize,
        /// Resources recorded as pre-existing when the lab was first started; `None`: not yet
        /// recorded (first start: detect them now and report [`AppEvent::Preflight`]).
        preexisting: Option<Vec<Resource>>,
        /// Run the lab's setup commands first (first start only).
        setup: bool,
    },
    StopLive,
    /// Run this step's solution, if it is still the current step.
    Assist {
        step: String,
    },
    /// Clean up what the lab created (never what existed before) and start again.
    Reset,
    /// Find which of the lab's declared resources exist already (before asking to open it).
    Preflight {
        session: u64,
        lab: Box<LoadedLab>,
    },
    /// Start the shell of the terminal pane in `dir`, drawing on `screen`.
    OpenTerminal {
        screen: TerminalScreen,
        dir: std::path::PathBuf,
    },
    /// End the shell (and what runs in it).
    CloseTerminal,
    /// Bytes for the shell, as the terminal would send them.
    TerminalInput(Vec<u8>),
    /// Capture the mouse (wheel scrolling in labrunner) or leave it to the terminal.
    MouseCapture(bool),
}

/// What background tasks send to the app.
#[derive(Debug, Clone, PartialEq)]
pub enum AppEvent {
    Run(RunEvent),
    Live(LiveStatus),
    /// Declared resources found already present on the lab's first start.
    Preflight {
        resources: Vec<Resource>,
    },
    /// The terminal pane's shell printed something, or ended.
    Terminal(super::terminal::shell::ShellEvent),
    /// The same, from shell number `id` (the event loop passes on only the open shell's).
    Shell {
        id: u64,
        event: super::terminal::shell::ShellEvent,
    },
    /// Image pull progress, while a command waits for its image.
    Pull(PullProgress),
    /// An event from the background task of one opening of a lab. Dropped unless that opening
    /// is still on screen, so that a lab closed a moment ago (even if opened again at once)
    /// cannot touch the next one's progress.
    ForLab {
        session: u64,
        event: Box<AppEvent>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub level: Level,
    pub text: String,
}

/// Progress, saved to disk when the store could be opened, kept in memory otherwise.
#[derive(Debug)]
pub enum ProgressKeeper {
    Store(ProgressStore),
    /// Not saved: why.
    Memory(Progress, String),
}

impl ProgressKeeper {
    pub fn get(&self) -> &Progress {
        match self {
            ProgressKeeper::Store(s) => s.progress(),
            ProgressKeeper::Memory(p, _) => p,
        }
    }
    fn update<R>(&mut self, f: impl FnOnce(&mut Progress) -> R) -> Result<R, String> {
        match self {
            ProgressKeeper::Store(s) => s.update(f).map_err(|e| e.to_string()),
            ProgressKeeper::Memory(p, _) => Ok(f(p)),
        }
    }
}

/// One row of the home list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HomeRow {
    Lesson(usize),
    Lab(usize, usize),
    Quiz(usize),
}

pub struct App {
    pub catalog: Catalog,
    pub progress: ProgressKeeper,
    pub mode: Mode,
    pub overlay: Option<Overlay>,
    pub home_selected: usize,
    pub reader: Option<ReaderState>,
    pub lab: Option<LabView>,
    pub quiz: Option<QuizState>,
    pub notice: Option<Notice>,
    pub quit: bool,
    /// A live loop runs for the open lab.
    pub live: bool,
    /// Which opening of a lab is on screen: every opening (and every closing) takes a new
    /// number, and background events tagged with another are dropped.
    pub session: u64,
    /// Where a lab's working folder is (fixed in tests).
    pub workdir_of: fn(&str) -> std::path::PathBuf,
    /// A problem to keep in view on the home screen (a progress file that was set aside).
    pub banner: Option<String>,
    /// The clock (fixed in tests).
    pub now: fn() -> DateTime<Utc>,
    /// The open lab's terminal pane.
    pub terminal: Option<Pane>,
    /// Whether labrunner captures the mouse (else the terminal selects text).
    pub mouse_capture: bool,
    /// Images mapped onto local ones: commands put at the prompt name the local image.
    pub image_map: ImageMap,
    /// Where the terminal pane was last drawn (mouse wheel over it scrolls its history).
    pub terminal_area: Option<Rect>,
    /// Start labs with the terminal pane (off for the screen tests of the panes around it).
    pub with_terminal: bool,
    /// Labs open with the keyboard in the terminal pane (`labrunner lab`), else on the steps.
    pub focus_terminal_on_open: bool,
    /// How far the help overlay is scrolled.
    pub help_scroll: u16,
}

impl App {
    pub fn new(catalog: Catalog, progress: ProgressKeeper) -> Self {
        App {
            catalog,
            progress,
            mode: Mode::Home,
            overlay: None,
            home_selected: 0,
            reader: None,
            lab: None,
            quiz: None,
            notice: None,
            quit: false,
            live: false,
            session: 0,
            workdir_of: |id| labrunner_core::home::workdir(id, None),
            banner: None,
            now: Utc::now,
            terminal: None,
            mouse_capture: true,
            image_map: ImageMap::default(),
            terminal_area: None,
            with_terminal: true,
            focus_terminal_on_open: false,
            help_scroll: 0,
        }
    }

    pub fn notify(&mut self, level: Level, text: impl Into<String>) {
        self.notice = Some(Notice {
            level,
            text: text.into(),
        });
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
        match self.mode {
            Mode::Home => Scope::Home,
            Mode::Reader => Scope::Reader,
            Mode::Lab if self.terminal.as_ref().is_some_and(Pane::takes_keys) => Scope::Terminal,
            Mode::Lab => Scope::Lab,
            Mode::Quiz if self.quiz.as_ref().is_some_and(QuizState::is_typing) => Scope::QuizTyping,
            Mode::Quiz => Scope::Quiz,
            Mode::Summary => Scope::Summary,
        }
    }

    pub fn home_rows(&self) -> Vec<HomeRow> {
        let mut rows = Vec::new();
        for (i, lesson) in self.catalog.lessons.iter().enumerate() {
            rows.push(HomeRow::Lesson(i));
            for j in 0..lesson.labs.len() {
                rows.push(HomeRow::Lab(i, j));
            }
            if lesson.quiz.is_some() {
                rows.push(HomeRow::Quiz(i));
            }
        }
        rows
    }

    /// Tells the app the terminal's size before drawing (the reader wraps to it).
    pub fn resize(&mut self, area: Rect) {
        let body = super::layout::body_area(area);
        if let Some(r) = &mut self.reader {
            let (w, h) = reader::text_inner(body, r.sections_focus);
            r.resize(w, h);
        }
        self.terminal_area = None;
        if let (Mode::Lab, Some(view), Some(pane)) = (self.mode, &self.lab, &self.terminal) {
            let layout = super::layout::lab(body, view, pane.visible);
            if let Some(inner) = layout.terminal_inner {
                pane.screen.resize(inner.height, inner.width);
                self.terminal_area = Some(inner);
            }
        }
    }

    pub fn on_mouse(&mut self, ev: MouseEvent) {
        let delta = match ev.kind {
            MouseEventKind::ScrollDown => 3,
            MouseEventKind::ScrollUp => -3,
            _ => return,
        };
        if self.overlay.is_some() {
            return;
        }
        let over_terminal = self
            .terminal_area
            .is_some_and(|a| a.contains(ratatui::layout::Position::new(ev.column, ev.row)));
        if let (true, Some(pane)) = (over_terminal, &self.terminal) {
            pane.screen.scroll_by(-delta);
            return;
        }
        match self.mode {
            Mode::Reader => {
                if let Some(r) = &mut self.reader {
                    r.scroll_by(delta);
                }
            }
            Mode::Lab => {
                if let Some(l) = &mut self.lab {
                    l.scroll_by(delta);
                }
            }
            Mode::Home => self.move_home(delta.signum()),
            _ => {}
        }
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let scope = self.scope();
        if scope == Scope::Terminal {
            return self.terminal_key(key);
        }
        if scope == Scope::QuizTyping
            && let Some(q) = &mut self.quiz
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

    /// A key while the terminal pane has focus: its own bindings, else the shell gets it.
    fn terminal_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if let Some(action) = keymap::lookup(Scope::Terminal, &key) {
            return self.act(action);
        }
        let Some(pane) = &self.terminal else {
            return Vec::new();
        };
        let Some(bytes) = keys::encode(&key, pane.screen.application_cursor()) else {
            return Vec::new();
        };
        // Typing follows the output again.
        pane.screen.scroll_by(isize::MIN / 2);
        let mut effects = vec![Effect::TerminalInput(bytes)];
        if key.code == KeyCode::Enter
            && let Some(view) = &mut self.lab
        {
            let changes = view.command_submitted();
            effects.extend(self.record_lab_changes(&changes));
        }
        effects
    }

    fn move_home(&mut self, delta: isize) {
        let max = self.home_rows().len().saturating_sub(1);
        self.home_selected = self.home_selected.saturating_add_signed(delta).min(max);
    }

    /// Performs an action in the current scope.
    pub fn act(&mut self, action: Action) -> Vec<Effect> {
        let mut effects = Vec::new();
        if action == Action::Quit {
            if self.overlay.is_none() && self.mode == Mode::Lab && self.terminal_busy() {
                self.overlay = Some(Overlay::Confirm(Pending::Leave { quit: true }));
                return effects;
            }
            self.quit = true;
            return effects;
        }
        match self.overlay.clone() {
            Some(Overlay::Help) => {
                match action {
                    Action::Back | Action::Help => self.overlay = None,
                    Action::Up => self.help_scroll = self.help_scroll.saturating_sub(1),
                    Action::Down => self.help_scroll = self.help_scroll.saturating_add(1).min(200),
                    _ => {}
                }
                return effects;
            }
            Some(Overlay::Confirm(pending)) => {
                self.overlay = None;
                match action {
                    Action::Yes => self.confirmed(pending, &mut effects),
                    // Not opening the lab: nothing was started, nothing was created.
                    _ if matches!(pending, Pending::OpenLab { .. }) => self.go_home(&mut effects),
                    _ => {}
                }
                return effects;
            }
            None => {}
        }
        if action == Action::Help {
            self.overlay = Some(Overlay::Help);
            self.help_scroll = 0;
            return effects;
        }
        match self.mode {
            Mode::Home => self.act_home(action, &mut effects),
            Mode::Reader => self.act_reader(action),
            Mode::Lab => self.act_lab(action, &mut effects),
            Mode::Quiz => self.act_quiz(action),
            Mode::Summary => match action {
                Action::Back => self.go_home(&mut effects),
                Action::Reset => self.overlay = Some(Overlay::Confirm(Pending::Reset)),
                _ => {}
            },
        }
        effects
    }

    fn terminal_busy(&self) -> bool {
        self.terminal
            .as_ref()
            .is_some_and(|p| p.busy && p.ended.is_none())
    }

    fn go_home(&mut self, effects: &mut Vec<Effect>) {
        self.session += 1;
        // Stops the live loop, or the preflight of a lab that was never started.
        if self.lab.take().is_some() {
            effects.push(Effect::StopLive);
        }
        if self.terminal.take().is_some() {
            effects.push(Effect::CloseTerminal);
        }
        self.terminal_area = None;
        self.live = false;
        self.mode = Mode::Home;
        self.reader = None;
        self.quiz = None;
    }

    fn act_home(&mut self, action: Action, effects: &mut Vec<Effect>) {
        match action {
            Action::Up => self.move_home(-1),
            Action::Down => self.move_home(1),
            Action::Top => self.home_selected = 0,
            Action::Bottom => self.move_home(isize::MAX),
            Action::Open => {
                let Some(row) = self.home_rows().get(self.home_selected).copied() else {
                    return;
                };
                self.open(row, effects);
            }
            _ => {}
        }
    }

    /// Opens a lesson, lab or quiz.
    pub fn open(&mut self, row: HomeRow, effects: &mut Vec<Effect>) {
        match row {
            HomeRow::Lesson(i) => {
                let lesson = &self.catalog.lessons[i];
                match &lesson.markdown {
                    Some(md) => {
                        self.reader = Some(ReaderState::new(i, md.clone()));
                        self.mode = Mode::Reader;
                    }
                    None => self.notify(
                        Level::Warn,
                        format!("lesson {} has no lessons/{}.md", lesson.id, lesson.id),
                    ),
                }
            }
            HomeRow::Lab(i, j) => match &self.catalog.lessons[i].labs[j] {
                LabEntry::Ok(lab) => {
                    let lab = (**lab).clone();
                    self.open_lab(lab, effects);
                }
                LabEntry::Broken { path, error } => {
                    let name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().to_string())
                        .unwrap_or_default();
                    self.notify(
                        Level::Error,
                        format!("{name}: {error} (run `labrunner validate`)"),
                    );
                }
            },
            HomeRow::Quiz(i) => {
                let lesson = &self.catalog.lessons[i];
                match &lesson.quiz {
                    Some(Ok(quiz)) => {
                        let state = QuizState::new(
                            &lesson.id,
                            quiz.clone(),
                            self.progress.get().quizzes.get(&lesson.id),
                        );
                        self.quiz = Some(state);
                        self.mode = Mode::Quiz;
                    }
                    Some(Err(e)) => self.notify(Level::Error, e.clone()),
                    None => {}
                }
            }
        }
    }

    /// Opens a lab: its results when it is complete; on its first start, what already exists
    /// is found and the student asked before anything runs; otherwise it resumes.
    pub fn open_lab(&mut self, lab: LoadedLab, effects: &mut Vec<Effect>) {
        self.session += 1;
        let id = lab.lab.id.clone();
        let recorded = self.progress.get().lab(&id);
        let first_start = recorded.is_none_or(|l| l.started_at.is_none());
        let preexisting = recorded.and_then(|l| l.preexisting.clone());
        let mut view = LabView::new(lab.clone(), recorded);
        view.image_map = self.image_map.clone();
        if super::lab_view::uses_workdir(&lab.lab) || self.with_terminal {
            view.workdir = Some((self.workdir_of)(&id));
        }
        if view.is_complete() && !first_start {
            self.lab = Some(view);
            self.mode = Mode::Summary;
            return;
        }
        view.live = LiveStatus::Connecting;
        self.lab = Some(view);
        self.mode = Mode::Lab;
        match preexisting {
            Some(known) if !first_start => self.start_lab(lab, known, false, effects),
            _ => effects.push(Effect::Preflight {
                session: self.session,
                lab: Box::new(lab),
            }),
        }
    }

    /// Starts the live checks (and, on the first start, the setup) and the terminal pane.
    fn start_lab(
        &mut self,
        lab: LoadedLab,
        preexisting: Vec<Resource>,
        setup: bool,
        effects: &mut Vec<Effect>,
    ) {
        let id = lab.lab.id.clone();
        let now = (self.now)();
        if let Err(e) = self.progress.update(|p| p.start_lab(&id, now)) {
            self.notify(Level::Error, format!("progress not saved: {e}"));
        }
        let start = self.lab.as_ref().and_then(LabView::current).unwrap_or(0);
        let existing = if preexisting.is_empty() {
            ExistingResources::NoneExisted
        } else {
            ExistingResources::UseThem
        };
        self.live = true;
        effects.push(Effect::StartLive {
            session: self.session,
            lab: Box::new(lab),
            existing,
            start,
            preexisting: Some(preexisting),
            setup,
        });
        if self.with_terminal && self.terminal.is_none() {
            let dir = (self.workdir_of)(&id);
            let mut pane = Pane::new(dir.clone());
            pane.focused = self.focus_terminal_on_open;
            effects.push(Effect::OpenTerminal {
                screen: pane.screen.clone(),
                dir,
            });
            self.terminal = Some(pane);
        }
    }

    /// The declared resources that exist were found: ask before a first start that runs a
    /// setup or would use them, else start.
    fn preflight_done(&mut self, resources: Vec<Resource>, effects: &mut Vec<Effect>) {
        let Some(view) = &self.lab else { return };
        let lab = view.lab.clone();
        let lab_id = lab.lab.id.clone();
        if let Err(e) = self
            .progress
            .update(|p| p.lab_mut(&lab_id).preexisting = Some(resources.clone()))
        {
            self.notify(Level::Error, format!("progress not saved: {e}"));
        }
        let creates = super::lab_view::setup_creates(&lab.lab);
        if creates.is_empty() && resources.is_empty() {
            return self.start_lab(lab, resources, true, effects);
        }
        let touched = labrunner_core::preexisting::touched_by(&lab.lab, &resources);
        self.overlay = Some(Overlay::Confirm(Pending::OpenLab {
            creates,
            existing: resources,
            touched,
        }));
    }

    fn act_reader(&mut self, action: Action) {
        let Some(r) = &mut self.reader else { return };
        if r.sections_focus {
            match action {
                Action::Up => return r.move_section_selection(-1),
                Action::Down => return r.move_section_selection(1),
                Action::Top => return r.section_selected = 0,
                Action::Bottom => return r.move_section_selection(isize::MAX),
                Action::Open => {
                    let i = r.section_selected;
                    r.jump_to_section(i);
                    r.sections_focus = false;
                    return;
                }
                Action::Back | Action::ToggleSections => {
                    r.sections_focus = false;
                    return;
                }
                _ => {}
            }
        }
        match action {
            Action::Up => r.scroll_by(-1),
            Action::Down => r.scroll_by(1),
            Action::PageUp => r.page(false),
            Action::PageDown => r.page(true),
            Action::Top => r.top(),
            Action::Bottom => r.bottom(),
            Action::NextSection => r.next_section(true),
            Action::PrevSection => r.next_section(false),
            Action::ToggleSections => r.toggle_sections(),
            Action::Back => {
                self.reader = None;
                self.mode = Mode::Home;
            }
            _ => {}
        }
    }

    fn act_lab(&mut self, action: Action, effects: &mut Vec<Effect>) {
        if action == Action::Back && self.terminal_busy() {
            self.overlay = Some(Overlay::Confirm(Pending::Leave { quit: false }));
            return;
        }
        let Some(view) = &mut self.lab else { return };
        match action {
            Action::Up => view.select(-1),
            Action::Down => view.select(1),
            Action::PageUp => view.scroll_by(-5),
            Action::PageDown => view.scroll_by(5),
            Action::FocusTerminal | Action::FocusSteps | Action::ToggleTerminal => {
                self.act_terminal(action)
            }
            Action::PutCommand => self.put_command(effects),
            Action::ToggleMouse => self.toggle_mouse(effects),
            Action::ScrollBack | Action::ScrollForward => {
                self.scroll_terminal(action == Action::ScrollBack)
            }
            // Leaving stops the live task: not in the middle of a reset or a solution run.
            Action::Back if view.busy.is_some() && view.live == LiveStatus::Watching => self
                .notify(
                    Level::Warn,
                    "wait: labrunner is still busy (q quits anyway)",
                ),
            Action::Back => self.go_home(effects),
            Action::NextHint => self.next_hint(),
            Action::Copy => self.copy_solution(effects),
            Action::Assist => self.ask_assist(),
            Action::Reset => {
                if view.busy.is_some() {
                    return self.notify(Level::Warn, "wait: labrunner is still busy");
                }
                self.overlay = Some(Overlay::Confirm(Pending::Reset));
            }
            _ => {}
        }
    }

    /// Give the mouse wheel to labrunner, or text selection back to the terminal.
    fn toggle_mouse(&mut self, effects: &mut Vec<Effect>) {
        self.mouse_capture = !self.mouse_capture;
        effects.push(Effect::MouseCapture(self.mouse_capture));
        let text = if self.mouse_capture {
            "mouse: the wheel scrolls here (m lets your terminal select text)"
        } else {
            "mouse: select text with your terminal (m gives the wheel back)"
        };
        self.notify(Level::Info, text);
    }

    /// Scroll the terminal pane's history by a page, back or forward.
    fn scroll_terminal(&mut self, back: bool) {
        if let Some(p) = &self.terminal {
            let (rows, _) = p.screen.size();
            let page = rows.max(2) as isize - 1;
            p.screen.scroll_by(if back { page } else { -page });
        }
    }

    /// Reveal the selected step's next hint, and save how many were used.
    fn next_hint(&mut self) {
        let Some(view) = &mut self.lab else { return };
        let Some(step) = view.steps.get(view.selected).map(|s| s.id.clone()) else {
            return;
        };
        let lab_id = view.lab.lab.id.clone();
        match view.reveal_hint() {
            Some(n) => {
                let saved = self.progress.update(|p| {
                    let s = p.step_mut(&lab_id, &step);
                    s.hints_used = s.hints_used.max(n as u32);
                });
                if let Err(e) = saved {
                    self.notify(Level::Error, format!("progress not saved: {e}"));
                }
            }
            None => self.notify(Level::Info, "no more hints for this step"),
        }
    }

    /// Copy the selected step's solution commands to the clipboard.
    fn copy_solution(&mut self, effects: &mut Vec<Effect>) {
        let Some(view) = &self.lab else { return };
        let Some(step) = view.lab.lab.steps.get(view.selected) else {
            return;
        };
        let text: Vec<String> = step.solution.iter().map(|c| view.shown(c)).collect();
        let text = text.join("\n");
        let n = step.solution.len();
        effects.push(Effect::Copy(text));
        self.notify(
            Level::Info,
            format!(
                "copied {n} command{} to the clipboard (OSC 52)",
                if n == 1 { "" } else { "s" }
            ),
        );
    }

    /// Ask before running the current step's solution; only the current step can be run.
    fn ask_assist(&mut self) {
        let Some(view) = &self.lab else { return };
        if view.busy.is_some() {
            return self.notify(Level::Warn, "wait: labrunner is still busy");
        }
        match view.current_id() {
            Some(step) if view.steps.get(view.selected).is_some_and(|s| s.id == step) => {
                self.overlay = Some(Overlay::Confirm(Pending::Assist {
                    step: step.to_string(),
                }));
            }
            Some(_) => self.notify(Level::Info, "only the current step can be run for you"),
            None => {}
        }
    }

    fn act_terminal(&mut self, action: Action) {
        let Some(pane) = &mut self.terminal else {
            return self.notify(Level::Info, "this lab has no terminal pane");
        };
        match action {
            Action::FocusTerminal if pane.ended.is_some() => {
                let why = pane.ended.clone().unwrap_or_default();
                self.notify(
                    Level::Warn,
                    format!("{why}; reopen the lab for a new shell"),
                );
            }
            Action::FocusTerminal => {
                pane.visible = true;
                pane.focused = true;
            }
            Action::FocusSteps => pane.focused = false,
            Action::ToggleTerminal => {
                // Shown or hidden, the keys stay with the steps (F2 moves them).
                pane.visible = !pane.visible;
                pane.focused = false;
                if !pane.visible {
                    self.notify(
                        Level::Info,
                        "terminal pane hidden (its shell keeps running; T shows it)",
                    );
                }
            }
            _ => {}
        }
    }

    /// Puts the selected step's command at the shell's prompt, without Enter.
    fn put_command(&mut self, effects: &mut Vec<Effect>) {
        let (Some(view), Some(pane)) = (&self.lab, &mut self.terminal) else {
            return self.notify(Level::Info, "this lab has no terminal pane");
        };
        if pane.ended.is_some() {
            return self.notify(Level::Warn, "the terminal's shell has ended");
        }
        let Some(step) = view.lab.lab.steps.get(view.selected) else {
            return;
        };
        let text: Vec<String> = step
            .solution
            .iter()
            .map(|c| super::lab_view::with_local_images(c.text(), &self.image_map))
            .collect();
        let text = text.join("; ").replace(['\n', '\r'], " ");
        let mut bytes = Vec::new();
        let paste = pane.screen.bracketed_paste();
        if paste {
            bytes.extend_from_slice(b"\x1b[200~");
        }
        bytes.extend_from_slice(text.as_bytes());
        if paste {
            bytes.extend_from_slice(b"\x1b[201~");
        }
        pane.visible = true;
        pane.focused = true;
        pane.screen.scroll_by(isize::MIN / 2);
        effects.push(Effect::TerminalInput(bytes));
        self.notify(
            Level::Info,
            "the command is at the terminal's prompt: Enter runs it",
        );
    }

    fn confirmed(&mut self, pending: Pending, effects: &mut Vec<Effect>) {
        if let Pending::OpenLab { existing, .. } = pending {
            let Some(lab) = self.lab.as_ref().map(|v| v.lab.clone()) else {
                return;
            };
            return self.start_lab(lab, existing, true, effects);
        }
        if let Pending::Leave { quit } = pending {
            if quit {
                self.quit = true;
            } else {
                self.go_home(effects);
            }
            return;
        }
        let Some(view) = &mut self.lab else { return };
        match pending {
            Pending::OpenLab { .. } | Pending::Leave { .. } => {}
            Pending::Assist { .. } => {
                if let Some(step) = view.start_assist() {
                    effects.push(Effect::Assist { step });
                }
            }
            Pending::Reset => {
                if view.start_reset() {
                    if !self.live {
                        // A completed lab has no live loop: start one to do the reset.
                        let preexisting = self
                            .progress
                            .get()
                            .lab(&view.lab.lab.id)
                            .and_then(|l| l.preexisting.clone());
                        effects.push(Effect::StartLive {
                            session: self.session,
                            lab: Box::new(view.lab.clone()),
                            existing: match &preexisting {
                                Some(p) if !p.is_empty() => ExistingResources::UseThem,
                                _ => ExistingResources::NoneExisted,
                            },
                            start: view.steps.len(),
                            preexisting,
                            setup: false,
                        });
                        self.live = true;
                    }
                    effects.push(Effect::Reset);
                }
            }
        }
    }

    fn act_quiz(&mut self, action: Action) {
        let Some(q) = &mut self.quiz else { return };
        let answered = match action {
            Action::Up => {
                q.move_choice(-1);
                None
            }
            Action::Down => {
                q.move_choice(1);
                None
            }
            Action::Choose(i) => {
                q.choose(i as usize);
                None
            }
            Action::Submit => {
                if q.phase == super::quiz::Phase::Finished {
                    self.quiz = None;
                    self.mode = Mode::Home;
                    return;
                }
                q.submit()
            }
            Action::Right => q.assess(true),
            Action::Wrong => q.assess(false),
            Action::Back => {
                self.quiz = None;
                self.mode = Mode::Home;
                return;
            }
            _ => None,
        };
        if let Some(a) = answered {
            let lesson = q.lesson.clone();
            self.record_answer(&lesson, a);
        }
    }

    fn record_answer(&mut self, lesson: &str, a: Answered) {
        let answer = QuizAnswer {
            response: a.response,
            correct: a.correct,
            self_assessed: a.self_assessed,
            answered_at: (self.now)(),
        };
        if let Err(e) = self
            .progress
            .update(|p| p.record_answer(lesson, &a.question, answer))
        {
            self.notify(Level::Error, format!("progress not saved: {e}"));
        }
    }

    /// Folds in what a background task reported.
    pub fn on_event(&mut self, event: AppEvent) -> Vec<Effect> {
        let mut effects = Vec::new();
        if let AppEvent::Terminal(ev) = &event {
            if let (Some(pane), super::terminal::shell::ShellEvent::Ended(why)) =
                (&mut self.terminal, ev)
            {
                pane.ended = Some(why.clone());
                pane.focused = false;
                self.notify(Level::Warn, format!("terminal pane: {why}"));
            }
            return effects;
        }
        let now = (self.now)();
        let Some(view) = &mut self.lab else {
            return effects;
        };
        let lab_id = view.lab.lab.id.clone();
        match event {
            AppEvent::ForLab { session, event } => {
                if session == self.session {
                    return self.on_event(*event);
                }
            }
            AppEvent::Terminal(_) | AppEvent::Shell { .. } => {}
            AppEvent::Run(ev) => {
                let changes = view.apply(&ev, now);
                let step_ids: Vec<String> = view.steps.iter().map(|s| s.id.clone()).collect();
                self.record(&lab_id, &step_ids, &changes, &mut effects);
            }
            AppEvent::Live(status) => view.live = status,
            AppEvent::Pull(line) => view.pull = Some(line),
            AppEvent::Preflight { resources } => self.preflight_done(resources, &mut effects),
        }
        effects
    }

    /// Time passes: a failing attempt is recorded once its command's events have settled.
    pub fn tick(&mut self) -> Vec<Effect> {
        let now = (self.now)();
        match &mut self.lab {
            Some(view) => {
                let changes = view.settle(now);
                self.record_lab_changes(&changes)
            }
            None => Vec::new(),
        }
    }

    fn record_lab_changes(&mut self, changes: &[LabChange]) -> Vec<Effect> {
        let mut effects = Vec::new();
        let Some(view) = &self.lab else {
            return effects;
        };
        let lab_id = view.lab.lab.id.clone();
        let step_ids: Vec<String> = view.steps.iter().map(|s| s.id.clone()).collect();
        self.record(&lab_id, &step_ids, changes, &mut effects);
        effects
    }

    /// Saves what changed in the lab, and tells the student.
    fn record(
        &mut self,
        lab_id: &str,
        step_ids: &[String],
        changes: &[LabChange],
        effects: &mut Vec<Effect>,
    ) {
        if changes.is_empty() {
            return;
        }
        let now = (self.now)();
        let saved = self.progress.update(|p| {
            for change in changes {
                match change {
                    LabChange::Attempt { step } => p.step_mut(lab_id, step).attempts += 1,
                    LabChange::StepDone { step } => {
                        p.step_mut(lab_id, step).attempts += 1;
                        p.mark_done(lab_id, step, now);
                    }
                    LabChange::Complete => {
                        p.complete_if_all_done(lab_id, step_ids.iter().map(String::as_str), now);
                    }
                    LabChange::Assisted { step, .. } => p.step_mut(lab_id, step).assisted = true,
                    LabChange::NotAssisted { .. } => {}
                    LabChange::Reset { .. } => {
                        p.reset_lab(lab_id);
                        p.start_lab(lab_id, now);
                    }
                }
            }
        });
        if let Err(e) = saved {
            self.notify(Level::Error, format!("progress not saved: {e}"));
        }
        for change in changes {
            match change {
                LabChange::StepDone { step } => {
                    self.notify(Level::Info, format!("✓ step {step} done"))
                }
                LabChange::Assisted { step, failures } if failures.is_empty() => self.notify(
                    Level::Info,
                    format!("ran the solution of step {step}; checking"),
                ),
                LabChange::Assisted { step, failures } => self.notify(
                    Level::Error,
                    format!(
                        "the solution of step {step} did not go as expected: {}",
                        failures.join("; ")
                    ),
                ),
                LabChange::Reset { error } => {
                    self.mode = Mode::Lab;
                    match error {
                        None => self.notify(Level::Info, "lab reset: start again from step 1"),
                        Some(e) => self.notify(
                            Level::Error,
                            format!("lab reset, but not cleanly: {e}; start again from step 1"),
                        ),
                    }
                }
                LabChange::NotAssisted { step, why } => self.notify(
                    Level::Warn,
                    format!("did not run the solution of step {step}: {why}"),
                ),
                LabChange::Complete => {
                    effects.push(Effect::StopLive);
                    self.live = false;
                    self.mode = Mode::Summary;
                    self.overlay = None;
                }
                LabChange::Attempt { .. } => {}
            }
        }
    }
}
