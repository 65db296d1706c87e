//! What the trainee marked, gathered from the case and the loaded evidence:
//! the confirmed context's suspects and indicators, events tagged
//! `malicious` or `benign` (resolved to rows, then named by file and record
//! id as the answer key names them), findings confirmed or dismissed (with
//! their evidence records), remediation actions done, hints revealed.
//! Loupe's suggested context is not the trainee's answer: only a context
//! they confirmed counts.

use crate::case::annotations::{resolve, TAG_BENIGN, TAG_MALICIOUS};
use crate::case::{Case, Verdict};
use crate::detect::{Finding, Indicator};
use crate::store::EventStore;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One record the trainee called malicious or benign.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventMark {
    /// The evidence file's name as loaded.
    pub file: String,
    /// `EventStore::record_id` (what the answer key's items name).
    pub record_id: String,
    pub malicious: bool,
    /// What the record is, for the scorecard (operation, actor, time).
    pub label: String,
}

/// A finding the trainee confirmed or dismissed, with its evidence.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingMark {
    pub id: String,
    pub title: String,
    pub step: u8,
    pub confirmed: bool,
    /// Record ids of its evidence rows.
    pub record_ids: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Answers {
    /// Whether the trainee confirmed an investigation context at all.
    pub context_confirmed: bool,
    /// Suspect accounts (and indicators of kind account).
    pub accounts: Vec<String>,
    /// Every other indicator.
    pub indicators: Vec<Indicator>,
    pub events: Vec<EventMark>,
    pub findings: Vec<FindingMark>,
    /// Remediation action ids marked done.
    pub remediation_done: Vec<String>,
    /// Hints revealed per playbook step.
    pub hints: BTreeMap<u8, u8>,
    /// Tagged events whose file is not loaded: they cannot be scored.
    pub unresolved_events: usize,
    /// Verdicts on findings the current evidence and context no longer produce.
    pub unmatched_findings: usize,
}

/// Gather the trainee's answers. `findings` are the findings now shown
/// (`detect::run_all` over `store` with the case's context).
pub fn gather(case: &Case, store: &EventStore, findings: &[Finding]) -> Answers {
    let mut answers = Answers::default();
    if let Some(context) = &case.context {
        answers.context_confirmed = true;
        for account in &context.suspect_accounts {
            push_unique(&mut answers.accounts, account);
        }
        for indicator in &context.indicators {
            if indicator.kind == crate::detect::IndicatorKind::Account {
                push_unique(&mut answers.accounts, &indicator.value);
            } else if !indicator.value.trim().is_empty() {
                answers.indicators.push(indicator.clone());
            }
        }
    }

    let judged = |tags: &[String]| tags.iter().any(|t| t == TAG_MALICIOUS || t == TAG_BENIGN);
    let wanted = case.events.values().filter(|a| judged(&a.tags)).count();
    for (row, annotation) in resolve(&case.events, store) {
        if !judged(&annotation.tags) {
            continue;
        }
        let file = store.file(store.file_of(row)).map(|f| f.report.file.clone()).unwrap_or_default();
        let label = format!("{} by {} at {}", store.operation(row), store.actor(row), crate::model::format_utc(store.time(row)));
        answers.events.push(EventMark { file, record_id: store.record_id(row).to_string(), malicious: annotation.tags.iter().any(|t| t == TAG_MALICIOUS), label });
    }
    answers.unresolved_events = wanted.saturating_sub(answers.events.len());

    for (id, verdict) in &case.findings {
        match findings.iter().find(|f| f.id == *id) {
            Some(finding) => answers.findings.push(FindingMark {
                id: id.clone(),
                title: finding.title.clone(),
                step: finding.step,
                confirmed: verdict.verdict == Verdict::Confirmed,
                record_ids: finding.rows.iter().map(|&r| store.record_id(r).to_string()).filter(|r| !r.is_empty()).collect(),
            }),
            None => answers.unmatched_findings += 1,
        }
    }
    answers.remediation_done = case.actions_done().into_keys().collect();
    answers.hints = case.exercise.as_ref().map(|e| e.hints.clone()).unwrap_or_default();
    answers
}

fn push_unique(list: &mut Vec<String>, value: &str) {
    let value = value.trim();
    if !value.is_empty() && !list.iter().any(|v| v.eq_ignore_ascii_case(value)) {
        list.push(value.to_string());
    }
}
