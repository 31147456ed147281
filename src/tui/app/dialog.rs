//! The questions the app asks before doing something destructive or recorded.

use labrunner_core::{Resource, Touched};

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
        /// Names of its own the lab could run under instead (when some were taken): the
        /// namespace, and the lab's resources renamed into it.
        own_names: Option<(String, Vec<String>)>,
    },
    /// Leaving the lab view ends the program running in its terminal.
    Leave {
        quit: bool,
    },
    /// Leaving a finished lab: remove what it created, or keep it.
    LeaveFinished,
}

/// The student's answer about declared resources that existed before the lab started: passed
/// with the start of the lab. Whatever the answer, labrunner never writes into, starts, stops
/// or removes them ([`labrunner_core::refusal`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExistingResources {
    /// None of the lab's resources existed before it started.
    NoneExisted,
    /// "Yes, use my existing resources as they are": the lab opens beside them.
    UseThem,
}

impl ExistingResources {
    pub fn of(preexisting: &[Resource]) -> Self {
        if preexisting.is_empty() {
            ExistingResources::NoneExisted
        } else {
            ExistingResources::UseThem
        }
    }
}

/// What covers the screen.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Help,
    Confirm(Pending),
}

impl Pending {
    pub fn question(&self, lab: &str) -> String {
        match self {
            Pending::OpenLab {
                creates,
                existing,
                touched,
                own_names,
            } => open_question(lab, creates, existing, touched, own_names.as_ref()),
            Pending::Leave { quit } => format!(
                "A program is still running in the terminal pane. {} ends it.",
                if *quit { "Quitting" } else { "Leaving the lab" }
            ),
            Pending::Reset => format!(
                "Reset lab {lab}? Everything labrunner created for it is removed (its setup's containers, networks and volumes too) and the lab folder starts again from the lab's files; then its setup runs again and its progress is cleared. Anything that existed before the lab is kept."
            ),
            Pending::LeaveFinished => format!(
                "Leaving {lab}, which is done. Remove what labrunner created for it (its containers, networks and volumes, its setup's too, and the lab folder)? Anything that existed before the lab is kept. y: remove them and leave; n: keep them and leave."
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
    own_names: Option<&(String, Vec<String>)>,
) -> String {
    let mut q = String::new();
    if !creates.is_empty() {
        q.push_str(&format!(
            "Opening {lab} runs its setup, which creates: {}. They stay until the lab is done or reset. ",
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
    if let Some((ns, _)) = own_names {
        q.push_str(&format!("o: open it under its own names ({ns}--NAME); "));
    }
    q.push_str("y: yes, use my existing resources as they are; n: no, do not open the lab.");
    q
}
