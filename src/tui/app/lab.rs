//! The lab screen: the lab view, its terminal pane and the live loop's state, and the results
//! once every step is done. It owns all three; the router hands it keys and events.

use ratatui::crossterm::event::{KeyCode, KeyEvent, MouseEvent};
use ratatui::layout::{Position, Rect};

use labrunner_core::{LoadedLab, Namespace, Resource, RunEvent};

use super::dialog::{ExistingResources, Pending};
use super::{Context, Effect, Level};
use crate::tui::keymap::Action;
use crate::tui::lab_view::{self, LabChange, LabView, LiveStatus};
use crate::tui::layout;
use crate::tui::terminal::shell::ShellEvent;
use crate::tui::terminal::{Pane, keys};

/// What the lab screen asks of the router.
#[must_use]
#[derive(Debug, PartialEq)]
pub enum Next {
    Stay,
    Ask(Pending),
    Leave,
}

pub struct LabScreen {
    view: LabView,
    pane: Option<Pane>,
    /// A live loop runs for this lab.
    live: bool,
    /// The results are shown (every step is done).
    results: bool,
    /// Where the terminal pane was last laid out (the mouse wheel over it scrolls its history).
    terminal_area: Option<Rect>,
    /// The opening of the lab this screen shows (its background events carry it).
    session: u64,
    /// The student chose to run the lab under names of its own (and so agreed to its setup).
    own_names_chosen: bool,
}

/// The namespace offered first when a lab's names are taken.
const OWN_NAMES: &str = "lab";

/// The lab under the names of namespace `name` (kept in progress); as written if the name is
/// not a namespace's.
fn under_own_names(mut lab: LoadedLab, name: &str) -> LoadedLab {
    if let Ok(ns) = Namespace::new(name) {
        lab.lab = ns.own_names(&lab.lab);
    }
    lab
}

impl LabScreen {
    /// Opens a lab: its results when it is complete; on its first start, what already exists
    /// is found and the student asked before anything runs; otherwise it resumes.
    pub fn open(lab: LoadedLab, session: u64, cx: &mut Context, effects: &mut Vec<Effect>) -> Self {
        let id = lab.lab.id.clone();
        let recorded = cx.progress.get().lab(&id);
        let first_start = recorded.is_none_or(|l| l.started_at.is_none());
        let preexisting = recorded.and_then(|l| l.preexisting.clone());
        let lab = match recorded.and_then(|l| l.own_names.as_deref()) {
            Some(name) => under_own_names(lab, name),
            None => lab,
        };
        let mut view = LabView::new(lab.clone(), recorded);
        view.image_map = cx.image_map.clone();
        if lab_view::uses_workdir(&lab.lab) || cx.with_terminal {
            view.workdir = Some((cx.workdir_of)(&id));
        }
        let complete = view.is_complete() && !first_start;
        if !complete {
            view.live = LiveStatus::Connecting;
        }
        let mut screen = LabScreen {
            view,
            pane: None,
            live: false,
            results: complete,
            terminal_area: None,
            session,
            own_names_chosen: false,
        };
        if complete {
            return screen;
        }
        match preexisting {
            Some(known) if !first_start => screen.start(known, false, cx, effects),
            _ => effects.push(Effect::Preflight {
                session,
                lab: Box::new(lab),
            }),
        }
        screen
    }

    pub fn view(&self) -> &LabView {
        &self.view
    }

    pub fn pane(&self) -> Option<&Pane> {
        self.pane.as_ref()
    }

    pub fn showing_results(&self) -> bool {
        self.results
    }

    pub fn terminal_area(&self) -> Option<Rect> {
        self.terminal_area
    }

    fn id(&self) -> String {
        self.view.lab.lab.id.clone()
    }

    /// Whether a program other than the shell runs in the pane.
    pub fn terminal_busy(&self) -> bool {
        self.pane
            .as_ref()
            .is_some_and(|p| p.busy && p.ended.is_none())
    }

    /// Whether keys go to the terminal's shell.
    pub fn terminal_takes_keys(&self) -> bool {
        !self.results && self.pane.as_ref().is_some_and(Pane::takes_keys)
    }

    pub fn set_terminal_busy(&mut self, busy: bool) {
        if let Some(p) = &mut self.pane {
            p.busy = busy;
        }
    }

    /// The screen's size is known: the terminal pane takes the size it is drawn at.
    pub fn resize(&mut self, body: Rect) {
        self.terminal_area = None;
        let Some(pane) = &self.pane else { return };
        if self.results {
            return;
        }
        let laid = layout::lab(body, &self.view, pane.visible);
        if let Some(inner) = laid.terminal_inner {
            pane.screen.resize(inner.height, inner.width);
            self.terminal_area = Some(inner);
        }
    }

    /// The mouse wheel: over the terminal it scrolls its history, elsewhere the step text.
    /// A mouse event over the terminal pane, for the program in it when it enabled mouse
    /// tracking; `None` when it did not (the wheel then scrolls the pane's history).
    pub fn terminal_mouse(&self, ev: &MouseEvent) -> Option<Vec<Effect>> {
        let area = self
            .terminal_area
            .filter(|a| a.contains(Position::new(ev.column, ev.row)))?;
        let pane = self.pane.as_ref().filter(|p| p.ended.is_none())?;
        let asked = pane.screen.mouse_reporting()?;
        let (col, row) = (ev.column - area.x, ev.row - area.y);
        Some(
            keys::mouse(ev, col, row, asked)
                .map(Effect::TerminalInput)
                .into_iter()
                .collect(),
        )
    }

    /// Text pasted while the pane has the keys: bracketed only when the program asked for it,
    /// never with an escape character in it.
    pub fn terminal_paste(&self, text: &str) -> Vec<Effect> {
        let Some(pane) = self.pane.as_ref().filter(|_| self.terminal_takes_keys()) else {
            return Vec::new();
        };
        pane.screen.follow();
        vec![Effect::TerminalInput(keys::paste(
            text,
            pane.screen.bracketed_paste(),
        ))]
    }

    pub fn scroll(&mut self, delta: isize, over_terminal: bool) {
        match &self.pane {
            Some(pane) if over_terminal => pane.screen.scroll_by(-delta),
            _ if !self.results => self.view.scroll_by(delta),
            _ => {}
        }
    }

    /// Starts the live checks (and, on the first start, the setup) and the terminal pane.
    pub fn start(
        &mut self,
        preexisting: Vec<Resource>,
        setup: bool,
        cx: &mut Context,
        effects: &mut Vec<Effect>,
    ) {
        let id = self.id();
        let now = (cx.now)();
        if let Err(e) = cx.progress.update(|p| p.start_lab(&id, now)) {
            cx.notify(Level::Error, format!("progress not saved: {e}"));
        }
        self.live = true;
        effects.push(Effect::StartLive {
            session: self.session,
            lab: Box::new(self.view.lab.clone()),
            existing: ExistingResources::of(&preexisting),
            start: self.view.current().unwrap_or(0),
            preexisting: Some(preexisting),
            setup,
        });
        self.open_terminal(cx, effects);
    }

    /// The pane, whichever way the lab was opened (a completed lab has none until it is reset).
    fn open_terminal(&mut self, cx: &Context, effects: &mut Vec<Effect>) {
        if !cx.with_terminal || self.pane.is_some() {
            return;
        }
        let dir = (cx.workdir_of)(&self.id());
        let mut pane = Pane::new(dir.clone());
        pane.focused = cx.focus_terminal_on_open;
        effects.push(Effect::OpenTerminal {
            screen: pane.screen.clone(),
            dir,
        });
        self.pane = Some(pane);
    }

    /// The declared resources that exist were found: ask before a first start that runs a
    /// setup or would use them, else start.
    pub fn preflight_done(
        &mut self,
        resources: Vec<Resource>,
        cx: &mut Context,
        effects: &mut Vec<Effect>,
    ) -> Next {
        let id = self.id();
        if let Err(e) = cx
            .progress
            .update(|p| p.lab_mut(&id).preexisting = Some(resources.clone()))
        {
            cx.notify(Level::Error, format!("progress not saved: {e}"));
        }
        let creates = lab_view::setup_creates(&self.view.lab.lab);
        if resources.is_empty() && (creates.is_empty() || self.own_names_chosen) {
            self.start(resources, true, cx, effects);
            return Next::Stay;
        }
        let touched = labrunner_core::touched_by(&self.view.lab.lab, &resources);
        let own_names = (!resources.is_empty()).then(|| {
            // `lab--NAME` reads well; taken as well (the offer was taken and still collides),
            // a random namespace.
            let ns = match Namespace::new(OWN_NAMES) {
                Ok(ns) if !self.own_names_chosen => ns,
                _ => Namespace::fresh(),
            };
            let own = ns.own_names(&self.view.lab.lab);
            let renamed = labrunner_core::declared(&own)
                .iter()
                .map(ToString::to_string)
                .collect();
            (ns.name().to_string(), renamed)
        });
        Next::Ask(Pending::OpenLab {
            creates,
            existing: resources,
            touched,
            own_names,
        })
    }

    /// The student chose names of its own for the lab (`name`, a namespace): from now on the
    /// lab is shown, typed, checked and resumed under them; what exists under those names is
    /// found again before anything runs.
    pub fn open_under_own_names(
        &mut self,
        name: &str,
        cx: &mut Context,
        effects: &mut Vec<Effect>,
    ) {
        let id = self.id();
        let saved = cx.progress.update(|p| {
            let l = p.lab_mut(&id);
            l.own_names = Some(name.to_string());
            l.preexisting = None;
        });
        if let Err(e) = saved {
            cx.notify(Level::Error, format!("progress not saved: {e}"));
        }
        let lab = under_own_names(self.view.lab.clone(), name);
        let mut view = LabView::new(lab.clone(), cx.progress.get().lab(&id));
        view.image_map = cx.image_map.clone();
        view.workdir = self.view.workdir.clone();
        view.live = LiveStatus::Connecting;
        self.view = view;
        self.own_names_chosen = true;
        effects.push(Effect::Preflight {
            session: self.session,
            lab: Box::new(lab),
        });
        cx.notify(
            Level::Info,
            format!("the lab runs under names of its own: {name}--…"),
        );
    }

    /// A key while the terminal pane has focus and is not one of its own bindings: the shell
    /// gets it.
    pub fn terminal_key(&mut self, key: KeyEvent, cx: &mut Context) -> Vec<Effect> {
        let Some(pane) = &self.pane else {
            return Vec::new();
        };
        let Some(bytes) = keys::encode(&key, pane.screen.application_cursor()) else {
            return Vec::new();
        };
        // Typing follows the output again.
        pane.screen.follow();
        let mut effects = vec![Effect::TerminalInput(bytes)];
        if key.code == KeyCode::Enter {
            let changes = self.view.command_submitted();
            self.record(&changes, cx, &mut effects);
        }
        effects
    }

    /// A key on the results screen.
    pub fn act_results(&mut self, action: Action) -> Next {
        match action {
            Action::Back => Next::Ask(Pending::LeaveFinished),
            Action::Reset => Next::Ask(Pending::Reset),
            _ => Next::Stay,
        }
    }

    pub fn act(&mut self, action: Action, cx: &mut Context, effects: &mut Vec<Effect>) -> Next {
        if self.results {
            return self.act_results(action);
        }
        if action == Action::Back && self.terminal_busy() {
            return Next::Ask(Pending::Leave { quit: false });
        }
        let busy = self.view.busy.is_some();
        match action {
            Action::Up => self.view.select(-1),
            Action::Down => self.view.select(1),
            Action::PageUp => self.view.scroll_by(-5),
            Action::PageDown => self.view.scroll_by(5),
            Action::FocusTerminal | Action::FocusSteps | Action::ToggleTerminal => {
                self.act_terminal(action, cx)
            }
            Action::PutCommand => self.put_command(cx, effects),
            Action::ScrollBack | Action::ScrollForward => {
                self.scroll_terminal(action == Action::ScrollBack)
            }
            // Leaving stops the live task: not in the middle of a reset or a solution run.
            Action::Back if busy && self.view.live == LiveStatus::Watching => cx.notify(
                Level::Warn,
                "wait: labrunner is still busy (q quits anyway)",
            ),
            Action::Back => return Next::Leave,
            Action::NextHint => self.next_hint(cx),
            Action::Copy => self.copy_solution(cx, effects),
            Action::Assist => return self.ask_assist(cx),
            Action::Reset if busy => cx.notify(Level::Warn, "wait: labrunner is still busy"),
            Action::Reset => return Next::Ask(Pending::Reset),
            _ => {}
        }
        Next::Stay
    }

    /// Scroll the terminal pane's history by a page, back or forward.
    fn scroll_terminal(&mut self, back: bool) {
        if let Some(p) = &self.pane {
            let (rows, _) = p.screen.size();
            let page = rows.max(2) as isize - 1;
            p.screen.scroll_by(if back { page } else { -page });
        }
    }

    /// Reveal the selected step's next hint, and save how many were used.
    fn next_hint(&mut self, cx: &mut Context) {
        let view = &mut self.view;
        let Some(step) = view.steps.get(view.selected).map(|s| s.id.clone()) else {
            return;
        };
        let lab_id = view.lab.lab.id.clone();
        match view.reveal_hint() {
            Some(n) => {
                let saved = cx.progress.update(|p| {
                    let s = p.step_mut(&lab_id, &step);
                    s.hints_used = s.hints_used.max(n as u32);
                });
                if let Err(e) = saved {
                    cx.notify(Level::Error, format!("progress not saved: {e}"));
                }
            }
            None => cx.notify(Level::Info, "no more hints for this step"),
        }
    }

    /// Copy the selected step's solution commands to the clipboard.
    fn copy_solution(&mut self, cx: &mut Context, effects: &mut Vec<Effect>) {
        let view = &self.view;
        let Some(step) = view.lab.lab.steps.get(view.selected) else {
            return;
        };
        let text: Vec<String> = step.solution.iter().map(|c| view.shown(c)).collect();
        let n = step.solution.len();
        effects.push(Effect::Copy(text.join("\n")));
        cx.notify(
            Level::Info,
            format!(
                "copied {n} command{} to the clipboard (OSC 52)",
                if n == 1 { "" } else { "s" }
            ),
        );
    }

    /// Ask before running the current step's solution; only the current step can be run.
    fn ask_assist(&mut self, cx: &mut Context) -> Next {
        let view = &self.view;
        if view.busy.is_some() {
            cx.notify(Level::Warn, "wait: labrunner is still busy");
            return Next::Stay;
        }
        match view.current_id() {
            Some(step) if view.steps.get(view.selected).is_some_and(|s| s.id == step) => {
                return Next::Ask(Pending::Assist {
                    step: step.to_string(),
                });
            }
            Some(_) => cx.notify(Level::Info, "only the current step can be run for you"),
            None => {}
        }
        Next::Stay
    }

    fn act_terminal(&mut self, action: Action, cx: &mut Context) {
        let Some(pane) = &mut self.pane else {
            return cx.notify(Level::Info, "this lab has no terminal pane");
        };
        match action {
            Action::FocusTerminal if pane.ended.is_some() => {
                let why = pane.ended.clone().unwrap_or_default();
                cx.notify(
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
                let text = if pane.visible {
                    "terminal pane shown (F2 gives it the keys; T hides it)"
                } else {
                    "terminal pane hidden (its shell keeps running; T shows it)"
                };
                cx.notify(Level::Info, text);
            }
            _ => {}
        }
    }

    /// Puts the selected step's command at the shell's prompt, without Enter.
    fn put_command(&mut self, cx: &mut Context, effects: &mut Vec<Effect>) {
        let view = &self.view;
        let Some(pane) = &mut self.pane else {
            return cx.notify(Level::Info, "this lab has no terminal pane");
        };
        if pane.ended.is_some() {
            return cx.notify(Level::Warn, "the terminal's shell has ended");
        }
        let Some(step) = view.lab.lab.steps.get(view.selected) else {
            return;
        };
        let text: Vec<String> = step
            .solution
            .iter()
            .map(|c| lab_view::with_local_images(c.text(), &cx.image_map))
            .collect();
        let text = text.join("; ").replace(['\n', '\r'], " ");
        let bytes = keys::paste(&text, pane.screen.bracketed_paste());
        pane.visible = true;
        pane.focused = true;
        pane.screen.follow();
        effects.push(Effect::TerminalInput(bytes));
        cx.notify(
            Level::Info,
            "the command is at the terminal's prompt: Enter runs it",
        );
    }

    /// The student said yes to running the current step's solution.
    pub fn assist(&mut self, effects: &mut Vec<Effect>) {
        if let Some(step) = self.view.start_assist() {
            effects.push(Effect::Assist { step });
        }
    }

    /// The student said yes to a reset. A completed lab has no live loop: one starts to do
    /// the reset, and the terminal pane opens.
    pub fn reset(&mut self, cx: &mut Context, effects: &mut Vec<Effect>) {
        if !self.view.start_reset() {
            return;
        }
        if !self.live {
            let preexisting = cx
                .progress
                .get()
                .lab(&self.id())
                .and_then(|l| l.preexisting.clone());
            effects.push(Effect::StartLive {
                session: self.session,
                lab: Box::new(self.view.lab.clone()),
                existing: ExistingResources::of(preexisting.as_deref().unwrap_or_default()),
                start: self.view.steps.len(),
                preexisting,
                setup: false,
            });
            self.live = true;
        }
        effects.push(Effect::Reset);
    }

    /// The student chose to remove what the finished lab created.
    pub fn remove_created(&self, cx: &Context, effects: &mut Vec<Effect>) {
        let preexisting = cx
            .progress
            .get()
            .lab(&self.id())
            .and_then(|l| l.preexisting.clone())
            .unwrap_or_default();
        effects.push(Effect::RemoveLab {
            lab: Box::new(self.view.lab.clone()),
            preexisting,
        });
    }

    /// The pane's shell printed something, or ended.
    pub fn shell_event(&mut self, event: &ShellEvent, cx: &mut Context) {
        if let (Some(pane), ShellEvent::Ended(why)) = (&mut self.pane, event) {
            pane.ended = Some(why.clone());
            pane.focused = false;
            cx.notify(Level::Warn, format!("terminal pane: {why}"));
        }
    }

    /// An event of this lab's background task. Returns whether the lab has just completed.
    pub fn on_run_event(&mut self, ev: &RunEvent, cx: &mut Context) -> (Vec<Effect>, bool) {
        let mut effects = Vec::new();
        let changes = self.view.apply(ev, (cx.now)());
        let completed = self.record(&changes, cx, &mut effects);
        (effects, completed)
    }

    pub fn on_live(&mut self, status: LiveStatus) {
        self.view.live = status;
    }

    pub fn on_pull(&mut self, pull: labrunner_core::PullProgress) {
        self.view.pull = Some(pull);
    }

    /// Time passes: a failing attempt is recorded once its command's events have settled.
    pub fn tick(&mut self, cx: &mut Context) -> (Vec<Effect>, bool) {
        let mut effects = Vec::new();
        let changes = self.view.settle((cx.now)());
        let completed = self.record(&changes, cx, &mut effects);
        (effects, completed)
    }

    /// Saves what changed in the lab, and tells the student. Returns whether the lab has just
    /// completed.
    fn record(
        &mut self,
        changes: &[LabChange],
        cx: &mut Context,
        effects: &mut Vec<Effect>,
    ) -> bool {
        if changes.is_empty() {
            return false;
        }
        let lab_id = self.id();
        let step_ids: Vec<String> = self.view.steps.iter().map(|s| s.id.clone()).collect();
        let now = (cx.now)();
        let saved = cx.progress.update(|p| {
            for change in changes {
                match change {
                    LabChange::Attempt { step } => p.step_mut(&lab_id, step).attempts += 1,
                    LabChange::StepDone { step } => {
                        p.step_mut(&lab_id, step).attempts += 1;
                        p.mark_done(&lab_id, step, now);
                    }
                    LabChange::Complete => {
                        p.complete_if_all_done(&lab_id, step_ids.iter().map(String::as_str), now);
                    }
                    LabChange::Assisted { step, .. } => p.step_mut(&lab_id, step).assisted = true,
                    LabChange::NotAssisted { .. } => {}
                    LabChange::Reset { .. } => {
                        p.reset_lab(&lab_id);
                        p.start_lab(&lab_id, now);
                    }
                }
            }
        });
        if let Err(e) = saved {
            cx.notify(Level::Error, format!("progress not saved: {e}"));
        }
        let mut completed = false;
        for change in changes {
            match change {
                LabChange::StepDone { step } => {
                    cx.notify(Level::Info, format!("✓ step {step} done"))
                }
                LabChange::Assisted { step, failures } if failures.is_empty() => cx.notify(
                    Level::Info,
                    format!("ran the solution of step {step}; checking"),
                ),
                LabChange::Assisted { step, failures } => cx.notify(
                    Level::Error,
                    format!(
                        "the solution of step {step} did not go as expected: {}",
                        failures.join("; ")
                    ),
                ),
                LabChange::Reset { error } => {
                    self.results = false;
                    self.open_terminal(cx, effects);
                    self.restart_shell(effects);
                    match error {
                        None => cx.notify(Level::Info, "lab reset: start again from step 1"),
                        Some(e) => cx.notify(
                            Level::Error,
                            format!("lab reset, but not cleanly: {e}; start again from step 1"),
                        ),
                    }
                }
                LabChange::NotAssisted { step, why } => cx.notify(
                    Level::Warn,
                    format!("did not run the solution of step {step}: {why}"),
                ),
                LabChange::Complete => {
                    effects.push(Effect::StopLive);
                    self.live = false;
                    self.results = true;
                    completed = true;
                }
                LabChange::Attempt { .. } => {}
            }
        }
        completed
    }

    /// After a reset the lab folder is a new one: the pane's shell starts again in it (the old
    /// one would be left in a folder that no longer exists), and the pane says so.
    fn restart_shell(&mut self, effects: &mut Vec<Effect>) {
        let Some(pane) = &mut self.pane else { return };
        if effects
            .iter()
            .any(|e| matches!(e, Effect::OpenTerminal { .. }))
        {
            return;
        }
        pane.screen.feed(
            b"\r\n\x1b[0m[labrunner: the lab was reset; a new shell starts in the lab folder]\r\n",
        );
        pane.ended = None;
        pane.busy = false;
        effects.push(Effect::OpenTerminal {
            screen: pane.screen.clone(),
            dir: pane.dir.clone(),
        });
    }
}
