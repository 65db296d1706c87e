//! The case: what the analyst has decided and recorded, separate from the
//! evidence. One `Case` value changed only through `CaseAction`s (one reducer,
//! as in yew's todomvc example), saved as versioned JSON.

pub mod annotations;
pub mod bundle;
mod clock;
pub mod exercise;
pub mod tabs;
mod persist;

pub use annotations::{EventAnnotation, EventChange, EventSummary, FindingVerdict, Verdict};
pub use clock::{deadline, PhaseClock};
pub use exercise::ExerciseState;
pub use persist::{export_file_name, from_json, is_case_document, to_json, SCHEMA_VERSION};

use crate::detect::Context;
use crate::model::{Source, TimeMs};
use crate::playbook::{self, Need, PHASES};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where the analyst stands on one checklist step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    #[default]
    NotStarted,
    InProgress,
    Done,
    NotApplicable,
}

impl StepStatus {
    pub const ALL: [StepStatus; 4] = [StepStatus::NotStarted, StepStatus::InProgress, StepStatus::Done, StepStatus::NotApplicable];

    pub fn key(self) -> &'static str {
        match self {
            StepStatus::NotStarted => "not_started",
            StepStatus::InProgress => "in_progress",
            StepStatus::Done => "done",
            StepStatus::NotApplicable => "not_applicable",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StepStatus::NotStarted => "Not started",
            StepStatus::InProgress => "In progress",
            StepStatus::Done => "Done",
            StepStatus::NotApplicable => "Not applicable",
        }
    }

    pub fn from_key(key: &str) -> Option<StepStatus> {
        StepStatus::ALL.into_iter().find(|s| s.key() == key)
    }

    /// Done and not-applicable steps both count as closed.
    pub fn is_closed(self) -> bool {
        matches!(self, StepStatus::Done | StepStatus::NotApplicable)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StepState {
    pub status: StepStatus,
    /// When the step was closed (UTC ms); cleared when it is reopened.
    pub completed_at: Option<TimeMs>,
    pub note: String,
}

/// The analyst's progress on one remediation action.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ActionProgress {
    /// When it was marked done (UTC ms); `None` while it is open.
    pub done_at: Option<TimeMs>,
    pub note: String,
}

/// An evidence file the case was built from, so it can be re-attached by hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub name: String,
    pub sha256: String,
    pub bytes: u64,
    pub format: String,
    pub rows_ok: u64,
    pub rows_rejected: u64,
    pub loaded_at: TimeMs,
}

impl FileEntry {
    /// The manifest line for a file as its ingest report describes it.
    pub fn from_report(report: &crate::ingest::IngestReport, loaded_at: TimeMs) -> FileEntry {
        FileEntry {
            name: report.file.clone(),
            sha256: report.sha256.clone(),
            bytes: report.bytes,
            format: report.format.map(|f| f.label()).unwrap_or_default(),
            rows_ok: report.rows_ok,
            rows_rejected: report.rows_rejected,
            loaded_at,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Case {
    pub name: String,
    /// When the incident was declared; the phase deadlines count from here.
    pub incident_start: Option<TimeMs>,
    pub steps: BTreeMap<u8, StepState>,
    pub files: Vec<FileEntry>,
    /// Free-form case notes.
    pub notes: String,
    /// The investigation context the analyst confirmed (suspects, window,
    /// containment, indicators); `None` while Loupe's suggestion stands.
    pub context: Option<Context>,
    /// Remediation actions worked, by action id (`remediate::Action::id`).
    pub remediation: BTreeMap<String, ActionProgress>,
    /// Bookmarks, tags and notes on events, by `annotations::event_key`.
    pub events: BTreeMap<String, EventAnnotation>,
    /// Findings the analyst confirmed or dismissed, by finding id.
    pub findings: BTreeMap<String, FindingVerdict>,
    /// The training exercise being worked, if any (`exercise::score`
    /// reads the marks above against its answer key).
    pub exercise: Option<ExerciseState>,
    pub updated_at: Option<TimeMs>,
}

/// Every change the UI can make to a case.
#[derive(Clone, Debug, PartialEq)]
pub enum CaseAction {
    SetName(String),
    SetIncidentStart(Option<TimeMs>),
    SetStepStatus { step: u8, status: StepStatus },
    SetStepNote { step: u8, note: String },
    SetNotes(String),
    /// A file finished loading; a file with the same hash replaces its entry.
    FileLoaded(FileEntry),
    FileRemoved { sha256: String },
    /// Confirm (or, with `None`, drop back to the suggested) investigation context.
    SetContext(Option<Context>),
    /// Mark a remediation action done (now) or open again.
    SetActionDone { id: String, done: bool },
    SetActionNote { id: String, note: String },
    /// When an action was really done (e.g. by the helpdesk, earlier).
    SetActionDoneAt { id: String, at: TimeMs },
    /// Bookmark, tag or note one event (`key` from `annotations::row_key`);
    /// `summary` describes it for reports. An event left with no marks is
    /// forgotten.
    AnnotateEvent { key: String, summary: EventSummary, change: EventChange },
    /// Confirm or dismiss a finding; `None` takes the verdict back.
    SetFindingVerdict { id: String, verdict: Option<FindingVerdict> },
    SetFindingNote { id: String, note: String },
    /// Start an exercise on a bundled training scenario (`folder` under
    /// `samples/`). The investigation context becomes the trainee's own and
    /// starts empty (suspects, indicators, window; the tuning is kept), so
    /// only what they mark is scored. Starting again starts over.
    StartExercise { scenario: String, folder: String },
    /// Reveal the next hint of a playbook step that has `available` hints.
    RevealHint { step: u8, available: u8 },
    /// "Finish and score": record when (again on a later finish).
    FinishExercise,
    /// Back to work after a score: the scorecard is put away.
    ResumeExercise,
    /// Leave exercise mode; the marks stay in the case.
    StopExercise,
    /// Replace the whole case with an imported one.
    Import(Box<Case>),
    /// Start over with an empty case.
    Reset,
}

impl Case {
    /// Apply one change. `now` is the wall clock (UTC ms), passed in so the
    /// core stays deterministic and testable.
    pub fn apply(&mut self, action: CaseAction, now: TimeMs) {
        match action {
            CaseAction::SetName(name) => self.name = name,
            CaseAction::SetIncidentStart(start) => self.incident_start = start,
            CaseAction::SetStepStatus { step, status } => {
                if playbook::step(step).is_none() {
                    return;
                }
                let state = self.steps.entry(step).or_default();
                if status.is_closed() && !state.status.is_closed() {
                    state.completed_at = Some(now);
                } else if !status.is_closed() {
                    state.completed_at = None;
                }
                state.status = status;
            }
            CaseAction::SetStepNote { step, note } => {
                if playbook::step(step).is_some() {
                    self.steps.entry(step).or_default().note = note;
                }
            }
            CaseAction::SetNotes(notes) => self.notes = notes,
            CaseAction::FileLoaded(entry) => {
                self.files.retain(|f| f.sha256 != entry.sha256);
                self.files.push(entry);
            }
            CaseAction::FileRemoved { sha256 } => self.files.retain(|f| f.sha256 != sha256),
            CaseAction::SetContext(context) => self.context = context,
            CaseAction::SetActionDone { id, done } => {
                let progress = self.remediation.entry(id).or_default();
                progress.done_at = match (done, progress.done_at) {
                    (true, Some(at)) => Some(at),
                    (true, None) => Some(now),
                    (false, _) => None,
                };
            }
            CaseAction::SetActionDoneAt { id, at } => self.remediation.entry(id).or_default().done_at = Some(at),
            CaseAction::SetActionNote { id, note } => self.remediation.entry(id).or_default().note = note,
            CaseAction::AnnotateEvent { key, summary, change } => {
                let annotation = self.events.entry(key.clone()).or_default();
                annotation.change(change);
                annotation.summary = summary;
                annotation.updated_at = Some(now);
                if annotation.is_empty() {
                    self.events.remove(&key);
                }
            }
            CaseAction::SetFindingVerdict { id, verdict: Some(verdict) } => {
                let note = self.findings.get(&id).map(|v| v.note.clone()).unwrap_or_default();
                self.findings.insert(id, FindingVerdict { note, ..verdict });
            }
            CaseAction::SetFindingVerdict { id, verdict: None } => {
                self.findings.remove(&id);
            }
            CaseAction::SetFindingNote { id, note } => {
                if let Some(verdict) = self.findings.get_mut(&id) {
                    verdict.note = note;
                }
            }
            CaseAction::StartExercise { scenario, folder } => {
                let tuning = self.context.clone().unwrap_or_default();
                self.context = Some(Context {
                    suspect_accounts: Vec::new(),
                    window: None,
                    containment: None,
                    indicators: Vec::new(),
                    ..tuning
                });
                self.exercise = Some(ExerciseState::new(scenario, folder, now));
            }
            CaseAction::RevealHint { step, available } => {
                if let (Some(exercise), Some(_)) = (self.exercise.as_mut(), playbook::step(step)) {
                    exercise.reveal_hint(step, available);
                }
            }
            CaseAction::FinishExercise => {
                if let Some(exercise) = self.exercise.as_mut() {
                    exercise.finished_at = Some(now);
                }
            }
            CaseAction::ResumeExercise => {
                if let Some(exercise) = self.exercise.as_mut() {
                    exercise.finished_at = None;
                }
            }
            CaseAction::StopExercise => self.exercise = None,
            CaseAction::Import(case) => *self = *case,
            CaseAction::Reset => *self = Case::default(),
        }
        self.updated_at = Some(now);
    }

    /// Remediation actions marked done, with when (for `remediate::verify`).
    pub fn actions_done(&self) -> BTreeMap<String, TimeMs> {
        self.remediation.iter().filter_map(|(id, p)| p.done_at.map(|at| (id.clone(), at))).collect()
    }

    pub fn step_state(&self, step: u8) -> StepState {
        self.steps.get(&step).cloned().unwrap_or_default()
    }

    /// Closed steps and total steps of one phase (index 0..3).
    pub fn phase_progress(&self, phase: usize) -> (usize, usize) {
        let Some(phase) = PHASES.get(phase) else { return (0, 0) };
        let done = phase.steps.iter().filter(|s| self.step_state(s.number).status.is_closed()).count();
        (done, phase.steps.len())
    }

    pub fn overall_progress(&self) -> (usize, usize) {
        (0..PHASES.len()).map(|p| self.phase_progress(p)).fold((0, 0), |(d, t), (pd, pt)| (d + pd, t + pt))
    }

    /// The state of a phase's time box at `now`.
    pub fn phase_clock(&self, phase: usize, now: TimeMs) -> PhaseClock {
        let (done, total) = self.phase_progress(phase);
        clock::phase_clock(self.incident_start, PHASES.get(phase), done == total && total > 0, now)
    }

    /// Each evidence need of a step, then the optional evidence that helps
    /// it, and whether each is loaded. `has_snapshot`: a tenant
    /// configuration export is open.
    pub fn step_needs(step: u8, loaded: &[Source], has_snapshot: bool) -> Vec<NeedState> {
        let Some(step) = playbook::step(step) else { return Vec::new() };
        let required = step.needs.iter().map(|&need| NeedState { need, loaded: need.is_loaded(loaded, has_snapshot), optional: false });
        let optional = step.helps.iter().map(|&need| NeedState { need, loaded: need.is_loaded(loaded, has_snapshot), optional: true });
        required.chain(optional).collect()
    }
}

/// One piece of evidence a step asks for, and whether the case has it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NeedState {
    pub need: Need,
    pub loaded: bool,
    /// Helps the step but is not needed to answer it.
    pub optional: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remediation_actions_keep_the_first_done_time_and_reopen() {
        let mut case = Case::default();
        let id = "revoke_sessions:alice@contoso.com".to_string();
        case.apply(CaseAction::SetActionDone { id: id.clone(), done: true }, 10);
        case.apply(CaseAction::SetActionDone { id: id.clone(), done: true }, 20);
        case.apply(CaseAction::SetActionNote { id: id.clone(), note: "done by helpdesk".into() }, 30);
        assert_eq!(case.remediation[&id], ActionProgress { done_at: Some(10), note: "done by helpdesk".into() });
        assert_eq!(case.actions_done().get(&id), Some(&10));
        case.apply(CaseAction::SetActionDoneAt { id: id.clone(), at: 5 }, 35);
        assert_eq!(case.actions_done().get(&id), Some(&5), "the analyst can say when it was really done");
        case.apply(CaseAction::SetActionDone { id: id.clone(), done: false }, 40);
        assert!(case.actions_done().is_empty());
        assert_eq!(case.remediation[&id].note, "done by helpdesk", "the note stays");
        // Saved and restored with the case.
        assert_eq!(from_json(&to_json(&case)), Ok(case));
    }

    #[test]
    fn event_marks_are_kept_by_key_and_forgotten_when_cleared() {
        let mut case = Case::default();
        let summary = EventSummary { time: 5, operation: "New-InboxRule".into(), ..EventSummary::default() };
        let mark = |change| CaseAction::AnnotateEvent { key: "abcd:3:120".into(), summary: summary.clone(), change };
        case.apply(mark(EventChange::SetBookmark(true)), 10);
        case.apply(mark(EventChange::AddTag("Malicious".into())), 11);
        case.apply(mark(EventChange::SetNote("hides replies from the CFO".into())), 12);
        let saved = &case.events["abcd:3:120"];
        assert!(saved.bookmarked && saved.has_tag("malicious"));
        assert_eq!((saved.summary.operation.as_str(), saved.updated_at), ("New-InboxRule", Some(12)));
        assert_eq!(from_json(&to_json(&case)), Ok(case.clone()));
        case.apply(mark(EventChange::SetBookmark(false)), 13);
        case.apply(mark(EventChange::RemoveTag("malicious".into())), 14);
        case.apply(mark(EventChange::SetNote(String::new())), 15);
        assert!(case.events.is_empty());
    }

    #[test]
    fn a_finding_verdict_keeps_its_note_when_changed_and_can_be_taken_back() {
        use crate::detect::Severity;
        let mut case = Case::default();
        let verdict = |v| FindingVerdict { verdict: v, note: String::new(), at: 1, title: "Inbox rule".into(), step: 6, severity: Severity::High };
        case.apply(CaseAction::SetFindingVerdict { id: "f1".into(), verdict: Some(verdict(Verdict::Dismissed)) }, 1);
        case.apply(CaseAction::SetFindingNote { id: "f1".into(), note: "the user's own rule".into() }, 2);
        case.apply(CaseAction::SetFindingVerdict { id: "f1".into(), verdict: Some(verdict(Verdict::Confirmed)) }, 3);
        assert_eq!(case.findings["f1"].verdict, Verdict::Confirmed);
        assert_eq!(case.findings["f1"].note, "the user's own rule");
        assert_eq!(from_json(&to_json(&case)), Ok(case.clone()));
        case.apply(CaseAction::SetFindingVerdict { id: "f1".into(), verdict: None }, 4);
        assert!(case.findings.is_empty());
        case.apply(CaseAction::SetFindingNote { id: "f9".into(), note: "x".into() }, 5);
        assert!(case.findings.is_empty(), "a note needs a verdict first");
    }

    #[test]
    fn an_exercise_starts_with_an_empty_context_and_counts_hints() {
        let mut case = Case::default();
        let marked = Context { suspect_accounts: vec!["ada@contoso.example".into()], travel_speed_kmh: 700.0, ..Context::default() };
        case.apply(CaseAction::SetContext(Some(marked)), 1);
        case.apply(CaseAction::RevealHint { step: 1, available: 3 }, 2);
        assert_eq!(case.exercise, None, "no hints outside an exercise");
        case.apply(CaseAction::StartExercise { scenario: "Mailbox takeover".into(), folder: String::new() }, 3);
        let context = case.context.clone().unwrap();
        assert!(context.suspect_accounts.is_empty(), "the trainee marks their own suspects");
        assert_eq!(context.travel_speed_kmh, 700.0, "the tuning is kept");
        for _ in 0..5 {
            case.apply(CaseAction::RevealHint { step: 3, available: 2 }, 4);
        }
        case.apply(CaseAction::RevealHint { step: 1, available: 3 }, 5);
        case.apply(CaseAction::RevealHint { step: 13, available: 3 }, 5);
        case.apply(CaseAction::RevealHint { step: 4, available: 0 }, 5);
        let exercise = case.exercise.clone().unwrap();
        assert_eq!((exercise.hints_shown(3), exercise.hints_shown(1), exercise.hints_shown(4)), (2, 1, 0));
        assert_eq!((exercise.hints_used(), exercise.started_at, exercise.finished_at), (3, 3, None));
        case.apply(CaseAction::FinishExercise, 9);
        assert_eq!(case.exercise.as_ref().and_then(|e| e.finished_at), Some(9));
        assert_eq!(from_json(&to_json(&case)), Ok(case.clone()), "kept with the case");
        case.apply(CaseAction::ResumeExercise, 9);
        assert_eq!(case.exercise.as_ref().map(|e| (e.finished_at, e.hints_used())), Some((None, 3)));
        case.apply(CaseAction::StopExercise, 10);
        assert_eq!(case.exercise, None);
    }

    #[test]
    fn closing_a_step_records_the_time_and_reopening_clears_it() {
        let mut case = Case::default();
        case.apply(CaseAction::SetStepStatus { step: 1, status: StepStatus::InProgress }, 10);
        assert_eq!(case.step_state(1).completed_at, None);
        case.apply(CaseAction::SetStepStatus { step: 1, status: StepStatus::Done }, 20);
        assert_eq!(case.step_state(1).completed_at, Some(20));
        case.apply(CaseAction::SetStepStatus { step: 1, status: StepStatus::NotApplicable }, 30);
        assert_eq!(case.step_state(1).completed_at, Some(20), "still closed: keeps the first close time");
        case.apply(CaseAction::SetStepStatus { step: 1, status: StepStatus::InProgress }, 40);
        assert_eq!(case.step_state(1).completed_at, None);
        assert_eq!(case.updated_at, Some(40));
    }

    #[test]
    fn ignores_unknown_steps() {
        let mut case = Case::default();
        case.apply(CaseAction::SetStepStatus { step: 13, status: StepStatus::Done }, 1);
        case.apply(CaseAction::SetStepNote { step: 0, note: "x".into() }, 1);
        assert!(case.steps.is_empty());
    }

    #[test]
    fn counts_progress_per_phase_and_overall() {
        let mut case = Case::default();
        for (step, status) in [(1, StepStatus::Done), (2, StepStatus::NotApplicable), (5, StepStatus::Done), (9, StepStatus::InProgress)] {
            case.apply(CaseAction::SetStepStatus { step, status }, 1);
        }
        assert_eq!(case.phase_progress(0), (2, 4));
        assert_eq!(case.phase_progress(1), (1, 4));
        assert_eq!(case.phase_progress(2), (0, 4));
        assert_eq!(case.overall_progress(), (3, 12));
    }

    #[test]
    fn a_reloaded_file_replaces_its_entry() {
        let entry = |rows| FileEntry { name: "a.csv".into(), sha256: "ab".into(), bytes: 1, format: "x".into(), rows_ok: rows, rows_rejected: 0, loaded_at: 0 };
        let mut case = Case::default();
        case.apply(CaseAction::FileLoaded(entry(1)), 1);
        case.apply(CaseAction::FileLoaded(entry(2)), 2);
        assert_eq!(case.files.len(), 1);
        assert_eq!(case.files[0].rows_ok, 2);
        case.apply(CaseAction::FileRemoved { sha256: "ab".into() }, 3);
        assert!(case.files.is_empty());
    }

    #[test]
    fn a_confirmed_context_is_kept_and_can_be_dropped() {
        let mut case = Case::default();
        let context = Context { suspect_accounts: vec!["ada@contoso.example".into()], ..Context::default() };
        case.apply(CaseAction::SetContext(Some(context.clone())), 1);
        assert_eq!(case.context, Some(context));
        assert_eq!(crate::case::from_json(&crate::case::to_json(&case)), Ok(case.clone()));
        case.apply(CaseAction::SetContext(None), 2);
        assert_eq!(case.context, None);
    }

    #[test]
    fn step_needs_mark_what_is_loaded() {
        let state = |need, loaded, optional| NeedState { need, loaded, optional };
        let needs = Case::step_needs(10, &[Source::UnifiedAudit, Source::MessageTrace], false);
        assert_eq!(
            needs,
            vec![
                state(Need::Log(Source::UnifiedAudit), true, false),
                state(Need::Log(Source::DirectoryAudit), false, false),
                state(Need::Log(Source::SignIn), false, false),
                state(Need::Log(Source::GraphActivity), false, true),
                state(Need::Log(Source::MessageTrace), true, true),
                state(Need::Log(Source::RiskDetection), false, true),
            ]
        );
        let validate = Case::step_needs(1, &[Source::SignIn, Source::RiskDetection], false);
        assert_eq!(validate, vec![state(Need::Log(Source::SignIn), true, false), state(Need::Log(Source::RiskDetection), true, true)]);
        assert_eq!(Case::step_needs(12, &Source::ALL, false), vec![state(Need::TenantSnapshot, false, false)]);
        assert_eq!(Case::step_needs(12, &[], true), vec![state(Need::TenantSnapshot, true, false)]);
        let cloud = Case::step_needs(4, &[Source::CloudTrail], false);
        assert_eq!(
            cloud,
            vec![state(Need::Log(Source::AzureActivity), false, false), state(Need::Log(Source::CloudTrail), true, false), state(Need::Log(Source::GcpAudit), false, false)]
        );
    }
}
