//! The lab view's state, reduced from [`RunEvent`]s. No terminal code and no daemon calls: the
//! live loop (a background task) sends events, this only folds them in, so every transition is
//! testable with synthetic events.

use chrono::{DateTime, Utc};
use labrunner_core::{Action, CheckOutcome, ImageMap, LabProgress, LoadedLab, RunEvent, Verdict};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepStatus {
    /// Not reached yet.
    Pending,
    /// The step the student is on; its checks run live.
    Current,
    Done,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StepView {
    pub id: String,
    pub title: String,
    pub status: StepStatus,
    /// Latest outcome per check (index as in the lab file).
    pub outcomes: Vec<Option<CheckOutcome>>,
    pub hints_shown: usize,
    pub assisted: bool,
}

/// What the live connection to the daemon is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveStatus {
    /// Not started (or not available in this build): the reason.
    Off(String),
    Connecting,
    Watching,
    /// The daemon went away; the live loop keeps trying. The daemon's (or client's) message.
    Lost(String),
}

/// One line of "what labrunner ran".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub step: Option<String>,
    pub text: String,
    pub ok: bool,
}

/// Something the app must record in the progress store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabChange {
    /// A check round found the current step not done, with verdicts unlike the round before:
    /// the student changed something.
    Attempt {
        step: String,
    },
    StepDone {
        step: String,
    },
    /// Every step is done.
    Complete,
    /// The step's solution ran on the student's behalf; the commands that went wrong.
    Assisted {
        step: String,
        failures: Vec<String>,
    },
    /// "Run it for me" did not run: why.
    NotAssisted {
        step: String,
        why: String,
    },
    /// The lab was cleaned up and starts again; what went wrong on the way, if anything.
    Reset {
        error: Option<String>,
    },
}

/// A long operation labrunner is doing for the student.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Busy {
    /// Running a step's solution, until the live loop says it is over.
    Assist {
        step: String,
    },
    Reset,
}

impl Busy {
    fn is_assist_of(&self, step: &str) -> bool {
        matches!(self, Busy::Assist { step: s } if s == step)
    }

    pub fn describe(&self) -> String {
        match self {
            Busy::Assist { step, .. } => format!("running the solution of step {step}"),
            Busy::Reset => "resetting the lab".to_string(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct LabView {
    pub lab: LoadedLab,
    pub steps: Vec<StepView>,
    /// The step being looked at (not necessarily the current one).
    pub selected: usize,
    pub log: Vec<LogLine>,
    pub preexisting: Vec<String>,
    pub live: LiveStatus,
    /// A long operation in progress (assist, reset).
    pub busy: Option<Busy>,
    /// Verdicts of the current step's last round, to tell a new attempt from a periodic re-run.
    last_round: Vec<Option<labrunner_core::Verdict>>,
    /// The current step's checks changed and still fail since then: an attempt, counted once
    /// the command's burst of events has settled (or the next command is typed).
    unsettled: Option<DateTime<Utc>>,
    /// Scroll offset of the step text.
    pub scroll: u16,
    /// The lab's working folder, shown when its commands refer to it (`$(pwd)`) or it has files.
    pub workdir: Option<std::path::PathBuf>,
    /// The latest image pull progress, while a command waits for its image.
    pub pull: Option<labrunner_core::PullProgress>,
    /// Image substitutions in force.
    pub image_map: labrunner_core::ImageMap,
}

impl LabView {
    /// A command as it will run, and as the student is shown it and copies it: naming the
    /// mapped image where an image map is in force.
    pub fn shown(&self, command: &labrunner_core::Command) -> String {
        self.image_map.shown_command(command.text())
    }

    pub fn new(lab: LoadedLab, progress: Option<&LabProgress>) -> Self {
        let steps: Vec<StepView> = lab
            .lab
            .steps
            .iter()
            .map(|s| {
                let p = progress.and_then(|p| p.steps.get(&s.id));
                StepView {
                    id: s.id.clone(),
                    title: s.title.clone(),
                    status: if p.is_some_and(|p| p.done) {
                        StepStatus::Done
                    } else {
                        StepStatus::Pending
                    },
                    outcomes: vec![None; s.checks.len()],
                    hints_shown: p.map_or(0, |p| p.hints_used as usize).min(s.hints.len()),
                    assisted: p.is_some_and(|p| p.assisted),
                }
            })
            .collect();
        let mut view = LabView {
            lab,
            steps,
            selected: 0,
            log: Vec::new(),
            preexisting: Vec::new(),
            live: LiveStatus::Off("live checks are not running".to_string()),
            busy: None,
            last_round: Vec::new(),
            unsettled: None,
            scroll: 0,
            workdir: None,
            pull: None,
            image_map: Default::default(),
        };
        view.advance();
        view.selected = view.current().unwrap_or(0);
        view
    }

    /// The first step not done.
    pub fn current(&self) -> Option<usize> {
        self.steps.iter().position(|s| s.status != StepStatus::Done)
    }

    pub fn current_id(&self) -> Option<&str> {
        self.current().map(|i| self.steps[i].id.as_str())
    }

    pub fn is_complete(&self) -> bool {
        self.current().is_none()
    }

    pub fn done_count(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.status == StepStatus::Done)
            .count()
    }

    fn index_of(&self, step: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.id == step)
    }

    /// Marks the first not-done step current (and only that one).
    fn advance(&mut self) {
        let current = self.current();
        for (i, s) in self.steps.iter_mut().enumerate() {
            if s.status != StepStatus::Done {
                s.status = if Some(i) == current {
                    StepStatus::Current
                } else {
                    StepStatus::Pending
                };
            }
        }
    }

    fn finish_step(&mut self, i: usize, changes: &mut Vec<LabChange>) {
        if self.steps[i].status == StepStatus::Done {
            return;
        }
        let follow = self.selected == i;
        self.steps[i].status = StepStatus::Done;
        changes.push(LabChange::StepDone {
            step: self.steps[i].id.clone(),
        });
        self.advance();
        match self.current() {
            Some(next) if follow => {
                self.selected = next;
                self.scroll = 0;
            }
            Some(_) => {}
            None => changes.push(LabChange::Complete),
        }
    }

    /// A failing attempt is recorded when this long has passed since the checks changed with
    /// no pass: one student command can cause several rounds (create, then start).
    pub const ATTEMPT_SETTLE: chrono::TimeDelta = chrono::TimeDelta::seconds(3);

    /// Records the pending failing attempt once it has settled.
    pub fn settle(&mut self, now: DateTime<Utc>) -> Vec<LabChange> {
        match (self.unsettled, self.current_id()) {
            (Some(at), Some(step)) if now - at >= Self::ATTEMPT_SETTLE => {
                let step = step.to_string();
                self.unsettled = None;
                vec![LabChange::Attempt { step }]
            }
            _ => Vec::new(),
        }
    }

    /// The student typed a command (Enter in the terminal pane): the previous one is over, so
    /// its failing checks count now.
    pub fn command_submitted(&mut self) -> Vec<LabChange> {
        match (self.unsettled.take(), self.current_id()) {
            (Some(_), Some(step)) => vec![LabChange::Attempt {
                step: step.to_string(),
            }],
            _ => Vec::new(),
        }
    }

    /// Folds one event in (seen at `now`); returns what must be recorded.
    pub fn apply(&mut self, event: &RunEvent, now: DateTime<Utc>) -> Vec<LabChange> {
        let mut changes = Vec::new();
        match event {
            RunEvent::Preexisting { resources } => self.found_preexisting(resources),
            RunEvent::StepStarted { .. } => {}
            RunEvent::ActionRan {
                step,
                command,
                output,
                error,
                as_expected,
            } => self.action_ran(step, command, output, error.as_deref(), *as_expected),
            RunEvent::AssistDone {
                step,
                failures,
                error,
            } => self.assist_done(step, failures, error, &mut changes),
            RunEvent::Check(outcome) => self.check_reported(outcome, now),
            RunEvent::StepDone { step, passed } => {
                // A pass is one attempt (the command that did it), counted with the step.
                if let Some(i) = self.index_of(step)
                    && *passed
                {
                    self.last_round.clear();
                    self.unsettled = None;
                    self.finish_step(i, &mut changes);
                }
            }
            RunEvent::CleanupDone { removed, kept } => self.cleanup_done(removed, kept),
            RunEvent::ResetDone { error } => self.reset_done(error, &mut changes),
            RunEvent::Daemon { connected, message } => {
                self.live = if *connected {
                    LiveStatus::Watching
                } else {
                    LiveStatus::Lost(message.clone())
                };
            }
        }
        changes
    }

    /// Declared resources were there before the lab: remember them, and say they are kept.
    fn found_preexisting(&mut self, resources: &[String]) {
        self.preexisting = resources.to_vec();
        if !resources.is_empty() {
            self.log.push(LogLine {
                step: None,
                text: format!(
                    "already there before the lab, kept: {}",
                    resources.join(", ")
                ),
                ok: true,
            });
        }
    }

    /// A command labrunner ran: log it with its output and error.
    fn action_ran(
        &mut self,
        step: &Option<String>,
        command: &str,
        output: &str,
        error: Option<&str>,
        as_expected: bool,
    ) {
        // The command is done, and so is any pull it waited for.
        self.pull = None;
        let mut text = format!("$ {command}");
        let out = output.trim();
        if !out.is_empty() {
            text.push_str(&format!("\n{out}"));
        }
        if let Some(e) = error {
            text.push_str(&format!("\n{e}"));
        }
        self.log.push(LogLine {
            step: step.clone(),
            text,
            ok: as_expected,
        });
    }

    /// "Run it for me" of `step` is over: no longer busy, and the step marked assisted.
    fn assist_done(
        &mut self,
        step: &str,
        failures: &[String],
        error: &Option<String>,
        changes: &mut Vec<LabChange>,
    ) {
        if self.busy.as_ref().is_some_and(|b| b.is_assist_of(step)) {
            self.busy = None;
            changes.push(match error {
                None => {
                    self.mark_assisted(step);
                    LabChange::Assisted {
                        step: step.to_string(),
                        failures: failures.to_vec(),
                    }
                }
                Some(why) => LabChange::NotAssisted {
                    step: step.to_string(),
                    why: why.clone(),
                },
            });
        }
    }

    /// A check's outcome. When it completes a round of the current step that fails and differs
    /// from the last one, a failing attempt is pending from `now`.
    fn check_reported(&mut self, outcome: &CheckOutcome, now: DateTime<Utc>) {
        if let Some(i) = self.index_of(&outcome.step) {
            let n = self.steps[i].outcomes.len();
            if let Some(slot) = self.steps[i].outcomes.get_mut(outcome.index) {
                *slot = Some(outcome.clone());
            }
            // The round is complete when its last check reports.
            if outcome.index + 1 == n && Some(i) == self.current() {
                let round: Vec<_> = self.steps[i]
                    .outcomes
                    .iter()
                    .map(|o| o.as_ref().map(|o| o.verdict.clone()))
                    .collect();
                let all_pass = round.iter().all(|v| v.as_ref().is_some_and(|v| v.passed()));
                // Rounds after "run it for me" are labrunner's doing, not attempts.
                let student = !self.steps[i].assisted;
                if student && !all_pass && !self.last_round.is_empty() && round != self.last_round {
                    self.unsettled = Some(now);
                }
                self.last_round = round;
            }
        }
    }

    /// Cleanup is over: log what was removed and what was kept.
    fn cleanup_done(&mut self, removed: &[String], kept: &[String]) {
        let removed_text = if removed.is_empty() {
            "nothing".to_string()
        } else {
            removed.join(", ")
        };
        let mut text = format!("removed: {removed_text}");
        if !kept.is_empty() {
            text.push_str(&format!(
                "; kept (not created by labrunner): {}",
                kept.join(", ")
            ));
        }
        self.log.push(LogLine {
            step: None,
            text,
            ok: true,
        });
    }

    /// A reset is over: log its error, and start the lab's view over if it was asked for.
    fn reset_done(&mut self, error: &Option<String>, changes: &mut Vec<LabChange>) {
        if let Some(e) = error {
            self.log.push(LogLine {
                step: None,
                text: format!("reset: {e}"),
                ok: false,
            });
        }
        if self.busy == Some(Busy::Reset) {
            self.busy = None;
            self.reset();
            changes.push(LabChange::Reset {
                error: error.clone(),
            });
        }
    }

    /// The student confirmed "run it for me" on the current step.
    pub fn start_assist(&mut self) -> Option<String> {
        let i = self.current()?;
        if self.lab.lab.steps.get(i)?.solution.is_empty() || self.busy.is_some() {
            return None;
        }
        let step = self.steps[i].id.clone();
        self.busy = Some(Busy::Assist { step: step.clone() });
        Some(step)
    }

    /// The student confirmed a reset.
    pub fn start_reset(&mut self) -> bool {
        if self.busy.is_some() {
            return false;
        }
        self.busy = Some(Busy::Reset);
        true
    }

    /// Marks a step assisted (the solution ran on the student's behalf).
    pub fn mark_assisted(&mut self, step: &str) {
        if let Some(i) = self.index_of(step) {
            self.steps[i].assisted = true;
        }
    }

    /// Reveals the next hint of the selected step; returns the new count if one was revealed.
    pub fn reveal_hint(&mut self) -> Option<usize> {
        let total = self.lab.lab.steps.get(self.selected)?.hints.len();
        let step = self.steps.get_mut(self.selected)?;
        if step.hints_shown >= total {
            return None;
        }
        step.hints_shown += 1;
        Some(step.hints_shown)
    }

    /// Back to the start: every step pending, outcomes and hints forgotten.
    pub fn reset(&mut self) {
        for s in &mut self.steps {
            s.status = StepStatus::Pending;
            s.outcomes.iter_mut().for_each(|o| *o = None);
            s.hints_shown = 0;
            s.assisted = false;
        }
        self.advance();
        self.last_round.clear();
        self.unsettled = None;
        self.selected = 0;
        self.scroll = 0;
    }

    /// Scrolls the step text, up to a rough bound of its length (the drawing clamps exactly).
    pub fn scroll_by(&mut self, delta: isize) {
        let bound = self.lab.lab.steps.get(self.selected).map_or(0, |s| {
            s.instructions.lines().count() * 2
                + s.solution.len() * 3
                + s.checks.len() * 3
                + s.hints.len() * 4
                + 12
        });
        let next = (self.scroll as isize + delta).clamp(0, bound as isize);
        self.scroll = next as u16;
    }

    pub fn select(&mut self, delta: isize) {
        let max = self.steps.len().saturating_sub(1);
        let next = self.selected.saturating_add_signed(delta).min(max);
        if next != self.selected {
            self.selected = next;
            self.scroll = 0;
        }
    }
}

/// Whether the student must work in the lab's folder: its commands or checks name the current
/// directory, or it puts files there.
pub fn uses_workdir(lab: &labrunner_core::Lab) -> bool {
    if !lab.files.is_empty() {
        return true;
    }
    let text = serde_yaml::to_string(lab).unwrap_or_default();
    ["$(pwd)", "$PWD", "${PWD}"]
        .iter()
        .any(|m| text.contains(m))
}

/// What a lab's setup creates, as `network app-net`, in order (a command whose effect cannot
/// be told is shown as it is written).
pub fn setup_creates(lab: &labrunner_core::Lab) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    for c in &lab.setup {
        match labrunner_core::parse_command(c.text(), Some(".")) {
            Ok(Action::NetworkCreate(n)) => add(format!("network {}", n.name)),
            Ok(Action::VolumeCreate { name, .. }) => add(format!(
                "volume {}",
                name.unwrap_or_else(|| "(unnamed)".into())
            )),
            Ok(Action::Run(spec) | Action::Create(spec)) => {
                for m in &spec.mounts {
                    if let (labrunner_core::MountKind::Volume, Some(v)) = (m.kind, &m.source) {
                        add(format!("volume {v}"));
                    }
                }
                add(match &spec.name {
                    Some(n) => format!("container {n}"),
                    None => format!("a container of {}", spec.image),
                });
            }
            Ok(_) => {}
            Err(_) => add(format!("`{}`", c.text())),
        }
    }
    out
}

/// A command with the images it names replaced by their local stand-ins, so that what is put
/// at the prompt runs here as it does when labrunner runs it.
pub fn with_local_images(text: &str, map: &ImageMap) -> String {
    map.shown_command(text)
}

/// Icon for a check outcome (or its absence).
pub fn verdict_icon(outcome: Option<&CheckOutcome>) -> &'static str {
    match outcome.map(|o| &o.verdict) {
        None => "·",
        Some(Verdict::Pass { .. }) => "✓",
        Some(Verdict::Fail { .. }) => "✗",
        Some(Verdict::Unknown { .. }) => "?",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use labrunner_core::Lab;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-01T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    impl LabView {
        fn at0(&mut self, event: &RunEvent) -> Vec<LabChange> {
            self.apply(event, t0())
        }
    }

    pub(crate) fn lab() -> LoadedLab {
        let yaml = r#"
format: 1
id: net-basics
title: Networks
lesson: L1
difficulty: beginner
minutes: 10
steps:
  - id: create
    title: Create a network
    instructions: Make it.
    solution: ["docker network create isolated-net"]
    hints: ["one", "two"]
    checks:
      - network: {name: isolated-net}
  - id: attach
    title: Attach
    instructions: Attach it.
    solution: ["docker run -d --name web --network isolated-net nginx:latest"]
    checks:
      - container: {name: web, state: running}
      - attached: {container: web, network: isolated-net}
"#;
        let lab: Lab = serde_yaml::from_str(yaml).unwrap();
        LoadedLab {
            path: "net-basics.yaml".into(),
            lab,
        }
    }

    fn outcome(step: &str, index: usize, pass: bool) -> RunEvent {
        RunEvent::Check(CheckOutcome {
            step: step.into(),
            index,
            description: format!("check {index}"),
            points: 1,
            verdict: if pass {
                Verdict::Pass {
                    evidence: "seen".into(),
                }
            } else {
                Verdict::Fail {
                    evidence: "missing".into(),
                }
            },
        })
    }

    #[test]
    fn steps_complete_in_order_and_the_next_opens() {
        let mut v = LabView::new(lab(), None);
        assert_eq!(v.current_id(), Some("create"));
        assert_eq!(v.steps[0].status, StepStatus::Current);
        assert_eq!(v.steps[1].status, StepStatus::Pending);

        let cases: Vec<(RunEvent, Vec<LabChange>, Option<&str>)> = vec![
            (outcome("create", 0, false), vec![], Some("create")),
            (
                RunEvent::StepDone {
                    step: "create".into(),
                    passed: false,
                },
                vec![],
                Some("create"),
            ),
            (outcome("create", 0, true), vec![], Some("create")),
            (
                RunEvent::StepDone {
                    step: "create".into(),
                    passed: true,
                },
                vec![LabChange::StepDone {
                    step: "create".into(),
                }],
                Some("attach"),
            ),
            (
                RunEvent::StepDone {
                    step: "create".into(),
                    passed: true,
                },
                vec![],
                Some("attach"),
            ),
            (
                RunEvent::StepDone {
                    step: "attach".into(),
                    passed: true,
                },
                vec![
                    LabChange::StepDone {
                        step: "attach".into(),
                    },
                    LabChange::Complete,
                ],
                None,
            ),
        ];
        for (event, changes, current) in cases {
            assert_eq!(v.at0(&event), changes, "{event:?}");
            assert_eq!(v.current_id(), current, "{event:?}");
        }
        assert!(v.is_complete());
        assert_eq!(v.done_count(), 2);
    }

    #[test]
    fn selection_follows_the_current_step_only_when_it_was_on_it() {
        let mut v = LabView::new(lab(), None);
        v.at0(&RunEvent::StepDone {
            step: "create".into(),
            passed: true,
        });
        assert_eq!(v.selected, 1);
        v.select(-1);
        assert_eq!(v.selected, 0);
        v.select(-5);
        assert_eq!(v.selected, 0);
        v.select(9);
        assert_eq!(v.selected, 1);
    }

    #[test]
    fn progress_resumes_done_steps_and_hints() {
        let mut p = LabProgress::default();
        p.steps.insert(
            "create".into(),
            labrunner_core::StepProgress {
                done: true,
                hints_used: 9,
                ..Default::default()
            },
        );
        let v = LabView::new(lab(), Some(&p));
        assert_eq!(v.current_id(), Some("attach"));
        assert_eq!(v.selected, 1);
        assert_eq!(v.steps[0].hints_shown, 2, "clamped to the hints that exist");
    }

    #[test]
    fn labs_naming_the_current_directory_need_the_workdir() {
        let mut l = lab().lab;
        assert!(!uses_workdir(&l));
        l.steps[1].solution = vec![labrunner_core::Command::Plain(
            "docker run -v $(pwd):/data alpine:latest".into(),
        )];
        assert!(uses_workdir(&l));
        let mut l = lab().lab;
        l.files.insert("app.conf".into(), "x=1".into());
        assert!(uses_workdir(&l));
    }

    #[test]
    fn hints_reveal_one_at_a_time_up_to_the_last() {
        let mut v = LabView::new(lab(), None);
        assert_eq!(v.reveal_hint(), Some(1));
        assert_eq!(v.reveal_hint(), Some(2));
        assert_eq!(v.reveal_hint(), None);
        v.select(1);
        assert_eq!(v.reveal_hint(), None, "the second step has no hints");
    }

    #[test]
    fn outcomes_log_and_reset() {
        let mut v = LabView::new(lab(), None);
        v.at0(&outcome("attach", 1, true));
        v.at0(&outcome("attach", 7, true));
        v.at0(&outcome("nope", 0, true));
        assert!(v.steps[1].outcomes[1].is_some());
        v.at0(&RunEvent::ActionRan {
            step: Some("create".into()),
            command: "docker network create isolated-net".into(),
            output: "abc\n".into(),
            error: None,
            as_expected: true,
        });
        v.at0(&RunEvent::CleanupDone {
            removed: vec!["isolated-net".into()],
            kept: vec!["data".into()],
        });
        assert_eq!(v.log.len(), 2);
        assert!(v.log[1].text.contains("kept"));
        v.at0(&RunEvent::StepDone {
            step: "create".into(),
            passed: true,
        });
        v.reveal_hint();
        v.reset();
        assert_eq!(v.current_id(), Some("create"));
        assert!(
            v.steps
                .iter()
                .all(|s| s.outcomes.iter().all(Option::is_none) && s.hints_shown == 0)
        );
    }

    #[test]
    fn assist_finishes_when_the_live_loop_says_so() {
        let mut v = LabView::new(lab(), None);
        assert_eq!(v.start_assist().as_deref(), Some("create"));
        assert_eq!(v.start_assist(), None, "one at a time");
        let over = |step: &str, failures: &[&str], error: Option<&str>| RunEvent::AssistDone {
            step: step.into(),
            failures: failures.iter().map(|f| f.to_string()).collect(),
            error: error.map(str::to_string),
        };
        // The commands' own reports and another step's completion do not end it.
        v.at0(&RunEvent::ActionRan {
            step: Some("create".into()),
            command: "docker network create isolated-net".into(),
            output: String::new(),
            error: None,
            as_expected: true,
        });
        assert_eq!(v.at0(&over("other", &[], None)), vec![]);
        assert!(v.busy.is_some());
        let failure =
            "docker network create isolated-net: network with name isolated-net already exists";
        assert_eq!(
            v.at0(&over("create", &[failure], None)),
            vec![LabChange::Assisted {
                step: "create".into(),
                failures: vec![failure.into()],
            }]
        );
        assert!(v.busy.is_none() && v.steps[0].assisted);

        // Asked for a step the loop had just left: nothing ran, the view is free again and
        // the step is not marked assisted.
        let mut v = LabView::new(lab(), None);
        v.start_assist();
        assert_eq!(
            v.at0(&over("create", &[], Some("step create is done already"))),
            vec![LabChange::NotAssisted {
                step: "create".into(),
                why: "step create is done already".into(),
            }]
        );
        assert!(v.busy.is_none() && !v.steps[0].assisted);
    }

    #[test]
    fn reset_completes_on_its_own_event_even_when_it_failed() {
        let mut v = LabView::new(lab(), None);
        v.at0(&RunEvent::StepDone {
            step: "create".into(),
            passed: true,
        });
        assert!(v.start_reset());
        assert!(!v.start_reset());
        // Cleanup reporting is not the end of the reset: setup is still to run.
        v.at0(&RunEvent::CleanupDone {
            removed: vec![],
            kept: vec![],
        });
        assert_eq!(v.busy, Some(Busy::Reset));
        let error = Some("cleanup: listing failed".to_string());
        let changes = v.at0(&RunEvent::ResetDone {
            error: error.clone(),
        });
        assert_eq!(changes, vec![LabChange::Reset { error }]);
        assert!(v.busy.is_none());
        assert!(
            v.log
                .iter()
                .any(|l| !l.ok && l.text.contains("listing failed"))
        );
        assert_eq!(v.current_id(), Some("create"));
        v.at0(&RunEvent::Daemon {
            connected: false,
            message: "gone".into(),
        });
        assert_eq!(v.live, LiveStatus::Lost("gone".into()));
        v.at0(&RunEvent::Daemon {
            connected: true,
            message: "back".into(),
        });
        assert_eq!(v.live, LiveStatus::Watching);
    }

    #[test]
    fn an_attempt_is_one_command_followed_by_failing_checks() {
        let mut v = LabView::new(lab(), None);
        let at = |s: i64| t0() + chrono::TimeDelta::seconds(s);
        let round = |v: &mut LabView, verdict: Verdict, t| {
            v.apply(
                &RunEvent::Check(CheckOutcome {
                    step: "create".into(),
                    index: 0,
                    description: "d".into(),
                    points: 1,
                    verdict,
                }),
                t,
            )
        };
        let fail = |e: &str| Verdict::Fail { evidence: e.into() };
        let attempt = vec![LabChange::Attempt {
            step: "create".into(),
        }];
        assert_eq!(round(&mut v, fail("none"), at(0)), vec![], "the baseline");
        assert_eq!(
            round(&mut v, fail("none"), at(1)),
            vec![],
            "a periodic re-run"
        );
        assert_eq!(v.settle(at(30)), vec![], "nothing changed: no attempt");
        // One command, two rounds in its burst of events: one attempt, once settled.
        assert_eq!(round(&mut v, fail("created"), at(40)), vec![]);
        assert_eq!(round(&mut v, fail("started"), at(41)), vec![]);
        assert_eq!(v.settle(at(42)), vec![], "not settled yet");
        assert_eq!(v.settle(at(44)), attempt);
        assert_eq!(v.settle(at(50)), vec![], "counted once");
        // A command typed in the pane ends the previous one's attempt at once.
        assert_eq!(round(&mut v, fail("other"), at(60)), vec![]);
        assert_eq!(v.command_submitted(), attempt);
        assert_eq!(v.command_submitted(), vec![]);
        // The command that passes is the step's last attempt (counted with the step), and a
        // failing round just before it in the same burst is not another one.
        assert_eq!(round(&mut v, fail("half"), at(70)), vec![]);
        v.apply(
            &RunEvent::StepDone {
                step: "create".into(),
                passed: true,
            },
            at(71),
        );
        assert_eq!(v.settle(at(90)), vec![]);
    }

    #[test]
    fn setup_is_told_as_what_it_creates_and_images_map_to_local_ones() {
        let mut l = lab().lab;
        l.setup = vec![
            labrunner_core::Command::Plain("docker network create app-net".into()),
            labrunner_core::Command::Plain(
                "docker run -d --name db -v app-data:/data alpine:latest sleep 1".into(),
            ),
        ];
        assert_eq!(
            setup_creates(&l),
            ["network app-net", "volume app-data", "container db"]
        );
        let map = ImageMap::parse_entries("alpine=local/busybox:1").unwrap();
        assert_eq!(
            with_local_images(
                "docker run --name alpine-x alpine:latest echo alpine:latest",
                &map
            ),
            "docker run --name alpine-x local/busybox:1 echo alpine:latest"
        );
        assert_eq!(
            with_local_images("docker network create alpine", &map),
            "docker network create alpine"
        );
    }
}
