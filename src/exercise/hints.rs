//! Hints, one step at a time: each playbook step has its own list in the
//! answer key, gentlest first; the case records how many of each were
//! revealed, and the score counts them.

use super::key::AnswerKey;
use crate::case::ExerciseState;

/// How many hints `step` has.
pub fn available(key: &AnswerKey, step: u8) -> u8 {
    u8::try_from(key.hints_for(step).len()).unwrap_or(u8::MAX)
}

/// The hints of `step` revealed so far, in order.
pub fn revealed<'a>(key: &'a AnswerKey, state: &ExerciseState, step: u8) -> &'a [String] {
    let hints = key.hints_for(step);
    &hints[..usize::from(state.hints_shown(step)).min(hints.len())]
}

/// Whether `step` has a hint not yet revealed.
pub fn has_more(key: &AnswerKey, state: &ExerciseState, step: u8) -> bool {
    state.hints_shown(step) < available(key, step)
}
