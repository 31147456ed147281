//! The one rule for credit: what a student earns for what their checks show. The live loop (and
//! through it the TUI and `watch`), `test` and `grade` all ask this module.
//!
//! - Steps are credited in order. The pending step is the first one not credited; a step is
//!   credited when every one of its checks passes while it is pending. Once credited, it stays
//!   credited (a later step may undo its work on purpose).
//! - A check is *given* when it held in the lab's initial state (right after setup, before the
//!   student did anything) and still held when its step opened: nothing the student did made
//!   it hold. A given check earns nothing by itself; it counts once its step is credited.
//! - Partial credit goes to the pending step only: a check of a later step earns nothing until
//!   every step before it is credited.
//! - A step whose every check is given is credited (so the lab can go on) but earns no points.

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
    /// Per step, once it opened: which checks held then.
    opening: Vec<Option<Vec<bool>>>,
    credited: Vec<bool>,
}

impl Credit {
    /// Credit for a lab whose initial state was evaluated: `initial[step][check]` is whether
    /// that check held before the student did anything.
    pub fn new(initial: Vec<Vec<bool>>) -> Self {
        let credited = vec![false; initial.len()];
        let mut opening = vec![None; initial.len()];
        // The first step opens in the initial state.
        if let Some(first) = initial.first() {
            opening[0] = Some(first.clone());
        }
        Credit {
            initial,
            opening,
            credited,
        }
    }

    /// Credit when the initial state cannot be seen (grading a daemon the student already
    /// worked on): assume a daemon where nothing was done. There, "X is absent" and "this
    /// command is refused" hold and nothing else does; `expect: false` turns that around.
    /// Only the first step is taken to open in that state: when a later step opened cannot be
    /// seen, and a student who got that far did the work before it.
    pub fn nominal(lab: &Lab) -> Self {
        let mut credit = Credit::new(
            lab.steps
                .iter()
                .map(|s| {
                    s.checks
                        .iter()
                        .map(|c| holds_where_nothing_was_done(c) == c.expect())
                        .collect()
                })
                .collect(),
        );
        for (step, opening) in credit.opening.iter_mut().enumerate().skip(1) {
            *opening = Some(vec![false; lab.steps[step].checks.len()]);
        }
        credit
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
    /// The first offer for a step records what held when it opened.
    pub fn offer(&mut self, step: usize, passed: &[bool]) -> bool {
        if self.pending() != Some(step) {
            return false;
        }
        if self.opening[step].is_none() {
            self.opening[step] = Some(passed.to_vec());
        }
        if passed.is_empty() || !passed.iter().all(|p| *p) {
            return false;
        }
        self.credited[step] = true;
        true
    }

    /// Whether check `check` of `step` held from the start to its step's opening.
    fn given(&self, step: usize, check: usize) -> bool {
        let held = |v: Option<&Vec<bool>>| v.and_then(|v| v.get(check)).copied().unwrap_or(false);
        held(self.initial.get(step)) && held(self.opening.get(step).and_then(Option::as_ref))
    }

    /// Whether every check of `step` is given: nothing was done for it.
    pub fn all_given(&self, step: usize) -> bool {
        let n = self.initial.get(step).map_or(0, Vec::len);
        n > 0 && (0..n).all(|c| self.given(step, c))
    }

    /// Whether check `check` of `step` earns its points, given whether it passes now.
    pub fn earns(&self, step: usize, check: usize, passes_now: bool) -> bool {
        if self.is_credited(step) {
            // Every check counts (kept after later commands undo it), unless nothing was done.
            return !self.all_given(step);
        }
        self.pending() == Some(step) && passes_now && !self.given(step, check)
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
        assert!(
            !c.earns(1, 0, true),
            "a later step earns nothing before its predecessors"
        );
    }

    #[test]
    fn credited_steps_earn_everything_unless_nothing_was_done() {
        let mut c = Credit::new(vec![vec![true, false], vec![true], vec![true]]);
        assert!(c.offer(0, &[true, true]));
        assert!(c.earns(0, 0, false), "kept after later commands undo it");
        assert!(c.earns(0, 1, true));
        // Step 1 held at the start and still holds when it opens: given.
        assert!(c.offer(1, &[true]), "credited, so the lab goes on");
        assert!(c.all_given(1));
        assert!(!c.earns(1, 0, true), "nothing was done for it");
        // Step 2 held at the start, but not when it opened (an earlier step changed that):
        // the student made it hold again.
        assert!(!c.offer(2, &[false]));
        assert!(!c.all_given(2));
        assert!(c.offer(2, &[true]));
        assert!(c.earns(2, 0, true));
    }

    #[test]
    fn work_done_ahead_of_its_step_counts() {
        // Step 1 did not hold initially; the student did it before step 0.
        let mut c = Credit::new(vec![vec![false], vec![false]]);
        assert!(c.offer(0, &[true]));
        assert!(c.offer(1, &[true]), "it holds when it opens");
        assert!(c.earns(1, 0, true));
    }

    #[test]
    fn nominal_initial_state_is_a_daemon_where_nothing_was_done() {
        let lab: Lab = serde_yaml::from_str(
            "format: 1\nid: l\ntitle: t\nlesson: L\ndifficulty: beginner\nminutes: 1\nsteps:\n  - id: s\n    title: t\n    instructions: i\n    solution: []\n    checks:\n      - volume: { name: v }\n      - container: { name: c, state: absent }\n      - resolves: { from: c, name: w }\n        expect: false\n",
        )
        .unwrap();
        let c = Credit::nominal(&lab);
        assert!(
            c.earns(0, 0, true),
            "a volume is not there where nothing was done"
        );
        assert!(!c.earns(0, 1, true), "an absent container is");
        assert!(!c.earns(0, 2, true), "a name that does not resolve is");
        let resumed = Credit::nominal(&lab).resumed(1);
        assert_eq!(resumed.pending(), None);
    }
}
