//! The labels labrunner puts on everything it creates, and the one rule that builds a run's.
//! Every `io.labrunner.*` name is here; cleanup, the recorder and grading find what is theirs
//! by these labels, so a student's command may not set any of them.

use std::collections::BTreeMap;

/// The prefix of every label labrunner sets.
pub const PREFIX: &str = "io.labrunner.";
/// Label every resource labrunner creates carries.
pub const LABEL_MANAGED: &str = "io.labrunner.managed";
/// Label naming the lab that created a resource.
pub const LABEL_LAB: &str = "io.labrunner.lab";
/// Label naming the run (one start of a lab, or one grading) that created a resource.
pub const LABEL_RUN: &str = "io.labrunner.run";
/// Label marking a check's own helper containers (value [`ROLE_CHECK`]).
pub const LABEL_ROLE: &str = "io.labrunner.role";
/// The role of a check's own helper containers: their events are not the student's.
pub const ROLE_CHECK: &str = "check";

/// The labels of everything one run creates: managed, the lab, the run.
pub fn run_labels(lab: &str, run: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (LABEL_MANAGED.to_string(), "true".to_string()),
        (LABEL_LAB.to_string(), lab.to_string()),
        (LABEL_RUN.to_string(), run.to_string()),
    ])
}

/// The filter that lists what one run created.
pub fn of_run(run: &str) -> [(String, String); 1] {
    [(LABEL_RUN.to_string(), run.to_string())]
}

/// Whether labels (a resource's, or an event's attributes) mark a check's own helper.
pub fn is_check_helper(labels: &BTreeMap<String, String>) -> bool {
    labels.get(LABEL_ROLE).is_some_and(|r| r == ROLE_CHECK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runs_labels_name_the_lab_and_the_run() {
        let labels = run_labels("lab-1", "r1");
        assert_eq!(labels[LABEL_MANAGED], "true");
        assert_eq!(labels[LABEL_LAB], "lab-1");
        assert_eq!(labels[LABEL_RUN], "r1");
        assert!(labels.keys().all(|k| k.starts_with(PREFIX)));
        assert!(!is_check_helper(&labels));
        let mut helper = labels;
        helper.insert(LABEL_ROLE.to_string(), ROLE_CHECK.to_string());
        assert!(is_check_helper(&helper));
    }
}
