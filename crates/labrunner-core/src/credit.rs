//! The one rule for credit: what a student earns for what their checks show. The live loop (and
//! through it the TUI and `watch`), `test` and `grade` all ask this module.
//!
//! - Steps are credited in order. The pending step is the first one not credited; a step is
//!   credited when every one of its checks passes while it is pending. Once credited, it stays
//!   credited (a later step may undo its work on purpose).
//! - A check that held in the lab's initial state (right after setup, before the student did
//!   anything) earns nothing by itself: it counts only once its step is credited.
//! - Partial credit goes to the pending step only: a check of a later step earns nothing until
//!   every step before it is credited.
//! - A step whose every check held in the initial state is credited (so the lab can go on) but
//!   earns no points: nothing was done for it.

use serde::Serialize;

use crate::lab::{Check, CheckKind, ContainerState, Lab};

/// Whether a check's condition holds on a daemon where the student did nothing.
fn holds_where_nothing_was_done(check: &Check) -> bool {
    matches!(
        check.kind(),
        Some(CheckKind::Container(c)) if c.state == ContainerState::Absent
    ) || matches!(check.kind(), Some(CheckKind::CommandFails(_)))
}

/// Which steps are credited, and what held before the student did anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Credit {
    /// Per step, per check: whether it held in the initial state.
    initial: Vec<Vec<bool>>,
    credited: Vec<bool>,
}

impl Credit {
    /// Credit for a lab whose initial state was evaluated: `initial[step][check]` is whether
    /// that check held before the student did anything.
    pub fn new(initial: Vec<Vec<bool>>) -> Self {
        let credited = vec![false; initial.len()];
        Credit { initial, credited }
    }

    /// Credit when the initial state cannot be seen (grading a daemon the student already
    /// worked on): assume a daemon where nothing was done. There, "X is absent" and "this
    /// command is refused" hold and nothing else does; `expect: false` turns that around.
    pub fn nominal(lab: &Lab) -> Self {
        Credit::new(
            lab.steps
                .iter()
                .map(|s| {
                    s.checks
                        .iter()
                        .map(|c| holds_where_nothing_was_done(c) == c.expect())
                        .collect()
                })
                .collect(),
        )
    }

    /// Resume a lab whose first `done` steps were credited before.
    pub fn resumed(mut self, done: usize) -> Self {
        for c in self.credited.iter_mut().take(done) {
            *c = true;
        }
        self
    }

    /// The step being worked on: the first one not credited (`None` once all are).
    pub fn pending(&self) -> Option<usize> {
        self.credited.iter().position(|c| !c)
    }

    pub fn is_credited(&self, step: usize) -> bool {
        self.credited.get(step).copied().unwrap_or(false)
    }

    pub fn credited_steps(&self) -> usize {
        self.credited.iter().filter(|c| **c).count()
    }

    /// Offer what `step`'s checks show now (`passed[check]`). The step is credited when it is
    /// the pending one and every check passes. Returns whether it was credited by this offer.
    pub fn offer(&mut self, step: usize, passed: &[bool]) -> bool {
        if self.pending() != Some(step) || passed.is_empty() || !passed.iter().all(|p| *p) {
            return false;
        }
        self.credited[step] = true;
        true
    }

    /// Whether check `check` of `step` earns its points, given whether it passes now.
    pub fn earns(&self, step: usize, check: usize, passes_now: bool) -> bool {
        let initial = self.initial.get(step);
        let held_initially = |c: usize| initial.and_then(|i| i.get(c)).copied().unwrap_or(false);
        if self.is_credited(step) {
            // Credited: every check counts, unless the whole step was there from the start.
            let all_initial = initial.is_some_and(|i| !i.is_empty() && i.iter().all(|h| *h));
            return !all_initial;
        }
        self.pending() == Some(step) && passes_now && !held_initially(check)
    }

    /// Whether the step's checks all held in the initial state.
    pub fn held_initially(&self, step: usize) -> bool {
        self.initial
            .get(step)
            .is_some_and(|i| !i.is_empty() && i.iter().all(|h| *h))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_credited_in_order_only() {
        let mut c = Credit::new(vec![vec![false], vec![false], vec![false]]);
        assert_eq!(c.pending(), Some(0));
        assert!(!c.offer(1, &[true]), "a later step is not credited first");
        assert!(!c.offer(0, &[]), "a step without verdicts is not credited");
        assert!(!c.offer(0, &[false]));
        assert!(c.offer(0, &[true]));
        assert!(!c.offer(0, &[true]), "credited once");
        assert_eq!(c.pending(), Some(1));
        assert!(c.offer(1, &[true]));
        assert!(c.offer(2, &[true]));
        assert_eq!(c.pending(), None);
        assert_eq!(c.credited_steps(), 3);
    }

    #[test]
    fn nothing_is_earned_for_nothing() {
        // Step 0: one check that held initially, one that did not. Step 1: held initially.
        let c = Credit::new(vec![vec![true, false], vec![true]]);
        assert!(!c.earns(0, 0, true), "held in the initial state");
        assert!(c.earns(0, 1, true), "changed since: partial credit");
        assert!(!c.earns(0, 1, false));
        assert!(!c.earns(1, 0, true), "a later step earns nothing before its predecessors");
    }

    #[test]
    fn credited_steps_earn_everything_unless_nothing_was_done() {
        let mut c = Credit::new(vec![vec![true, false], vec![true]]);
        assert!(c.offer(0, &[true, true]));
        assert!(c.earns(0, 0, false), "kept after later commands undo it");
        assert!(c.earns(0, 1, true));
        assert!(c.offer(1, &[true]), "credited, so the lab goes on");
        assert!(!c.earns(1, 0, true), "but it held before anything was done");
        assert!(c.held_initially(1));
    }

    #[test]
    fn nominal_initial_state_is_that_only_negative_checks_hold() {
        let lab: Lab = serde_yaml::from_str(
            "format: 1\nid: l\ntitle: t\nlesson: L\ndifficulty: beginner\nminutes: 1\nsteps:\n  - id: s\n    title: t\n    instructions: i\n    solution: []\n    checks:\n      - volume: { name: v }\n      - container: { name: c, state: absent }\n      - resolves: { from: c, name: w }\n        expect: false\n",
        )
        .unwrap();
        let c = Credit::nominal(&lab);
        assert!(c.earns(0, 0, true), "a volume is not there where nothing was done");
        assert!(!c.earns(0, 1, true), "an absent container is");
        assert!(!c.earns(0, 2, true), "a name that does not resolve is");
        let resumed = Credit::nominal(&lab).resumed(1);
        assert_eq!(resumed.pending(), None);
    }
}
