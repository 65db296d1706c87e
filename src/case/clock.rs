//! The time boxes: each phase is due a fixed time after the incident start.

use crate::model::TimeMs;
use crate::playbook::Phase;

/// Where a phase stands against its deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhaseClock {
    /// No incident start set yet.
    NotStarted,
    /// Milliseconds until the deadline.
    TimeLeft(i64),
    /// Milliseconds past the deadline with steps still open.
    Overdue(i64),
    /// Every step closed.
    Complete,
}

/// When a phase is due.
pub fn deadline(incident_start: TimeMs, phase: &Phase) -> TimeMs {
    incident_start + phase.minutes * 60_000
}

pub(super) fn phase_clock(start: Option<TimeMs>, phase: Option<&Phase>, complete: bool, now: TimeMs) -> PhaseClock {
    if complete {
        return PhaseClock::Complete;
    }
    let (Some(start), Some(phase)) = (start, phase) else { return PhaseClock::NotStarted };
    let due = deadline(start, phase);
    if now <= due {
        PhaseClock::TimeLeft(due - now)
    } else {
        PhaseClock::Overdue(now - due)
    }
}

impl PhaseClock {
    /// "12 min left", "overdue by 1 h 05 min", "complete", "no start time".
    pub fn describe(self) -> String {
        match self {
            PhaseClock::NotStarted => "set the incident start".into(),
            PhaseClock::TimeLeft(ms) => format!("{} left", human_duration(ms)),
            PhaseClock::Overdue(ms) => format!("overdue by {}", human_duration(ms)),
            PhaseClock::Complete => "complete".into(),
        }
    }
}

/// Minutes, or hours and minutes, rounded up so "0 min left" never shows early.
pub fn human_duration(ms: i64) -> String {
    let minutes = (ms.max(0) + 59_999) / 60_000;
    if minutes < 60 {
        format!("{minutes} min")
    } else {
        format!("{} h {:02} min", minutes / 60, minutes % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Case, CaseAction, StepStatus};

    #[test]
    fn phases_fall_due_15_60_and_240_minutes_after_the_start() {
        let mut case = Case::default();
        assert_eq!(case.phase_clock(0, 0), PhaseClock::NotStarted);
        case.apply(CaseAction::SetIncidentStart(Some(0)), 0);
        assert_eq!(case.phase_clock(0, 5 * 60_000), PhaseClock::TimeLeft(10 * 60_000));
        assert_eq!(case.phase_clock(0, 20 * 60_000), PhaseClock::Overdue(5 * 60_000));
        assert_eq!(case.phase_clock(1, 20 * 60_000), PhaseClock::TimeLeft(40 * 60_000));
        assert_eq!(case.phase_clock(2, 20 * 60_000), PhaseClock::TimeLeft(220 * 60_000));
        for step in 1..=4 {
            case.apply(CaseAction::SetStepStatus { step, status: StepStatus::Done }, 1);
        }
        assert_eq!(case.phase_clock(0, 20 * 60_000), PhaseClock::Complete);
    }

    #[test]
    fn describes_durations_for_people() {
        assert_eq!(PhaseClock::TimeLeft(61_000).describe(), "2 min left");
        assert_eq!(PhaseClock::Overdue(65 * 60_000).describe(), "overdue by 1 h 05 min");
        assert_eq!(human_duration(0), "0 min");
    }
}
