//! Exercise mode's place in the case: which training scenario the trainee
//! is working, the hints they asked for per playbook step, and when they
//! started and finished. What they marked is the case itself (suspects,
//! indicators, event tags, finding verdicts, remediation done); the
//! `exercise` module scores it against the scenario's answer key.

use crate::model::TimeMs;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExerciseState {
    /// The scenario's title, as its answer key names it.
    pub scenario: String,
    /// Where the bundled scenario lives under `samples/` (empty or ending
    /// in `/`), so its answer key can be fetched again after a reload.
    pub folder: String,
    pub started_at: TimeMs,
    /// Hints revealed, by playbook step (the first N of that step's list).
    pub hints: BTreeMap<u8, u8>,
    /// Set by "Finish and score"; the marks stay editable, and finishing
    /// again scores again.
    pub finished_at: Option<TimeMs>,
}

impl ExerciseState {
    pub fn new(scenario: String, folder: String, now: TimeMs) -> ExerciseState {
        ExerciseState { scenario, folder, started_at: now, ..ExerciseState::default() }
    }

    /// How many hints of `step` are shown.
    pub fn hints_shown(&self, step: u8) -> u8 {
        self.hints.get(&step).copied().unwrap_or(0)
    }

    /// Hints revealed over all steps.
    pub fn hints_used(&self) -> u32 {
        self.hints.values().map(|&n| u32::from(n)).sum()
    }

    /// Show one more hint of `step`, up to the `available` ones.
    pub(super) fn reveal_hint(&mut self, step: u8, available: u8) {
        let shown = self.hints.entry(step).or_insert(0);
        *shown = (*shown + 1).min(available);
        if *shown == 0 {
            self.hints.remove(&step);
        }
    }
}
