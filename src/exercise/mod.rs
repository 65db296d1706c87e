//! Exercise mode: a trainee works a bundled training incident, marks what
//! they believe is the attacker's with Loupe's ordinary tools (suspects and
//! indicators in the context, events tagged malicious or benign, findings
//! confirmed or dismissed, remediation actions done), may ask for hints
//! step by step, and is scored against the scenario's answer key.
//!
//! `key` reads the answer key and says what is expected, `answers` gathers
//! the trainee's marks from a case and the loaded evidence, `score` compares
//! them, `hints` reveals hints. The exercise's own state (scenario, hints
//! revealed, finished) is kept in the case (`case::ExerciseState`).

pub mod answers;
pub mod hints;
pub mod key;
pub mod score;
#[cfg(test)]
mod tests;

pub use answers::{gather, Answers, EventMark, FindingMark};
pub use key::{parse_key, AnswerKey, Difficulty};
pub use score::{score, Category, CategoryScore, ScoredItem, Scorecard, FALSE_POSITIVE_PENALTY, HINT_PENALTY, WRONG_CALL_PENALTY};
