//! The incident report: what the case says and what the evidence shows, in
//! the order a reader asks for it (summary, accounts, tagged events,
//! findings by step, indicators, configuration changes, remediation,
//! checklist). Built as a `Doc`, rendered to Markdown or HTML.

use super::document::Doc;
use crate::case::{Case, StepStatus, Verdict};
use crate::detect::{Context, Finding, Severity};
use crate::model::{format_utc, TimeMs};
use crate::playbook::PHASES;
use crate::remediate::{Contradiction, Plan};
use crate::store::EventStore;
use crate::tenant::{ObjectChange, Snapshot};
use std::collections::BTreeMap;

/// A configuration change to report, with when the log says it happened
/// (`None` when it comes from comparing snapshots).
#[derive(Clone, Debug)]
pub struct ConfigChange {
    pub change: ObjectChange,
    pub when: Option<TimeMs>,
    /// Audit-log rows that show it (none for a snapshot comparison).
    pub rows: usize,
}

/// The configuration changes and where they come from: baseline against
/// current snapshot when both are loaded, else rebuilt from the Entra audit
/// log (checked against the current snapshot when there is one).
pub fn config_changes(baseline: &Snapshot, current: &Snapshot, store: &EventStore, context: &Context) -> (Vec<ConfigChange>, &'static str) {
    if !baseline.is_empty() && !current.is_empty() {
        let diff = crate::tenant::diff_snapshots(baseline, current);
        (diff.changes.into_iter().map(|change| ConfigChange { change, when: None, rows: 0 }).collect(), "baseline against current snapshot")
    } else {
        let current = (!current.is_empty()).then_some(current);
        let logged = crate::tenant::reconstruct::reconstruct(store, current, Some(context));
        (
            logged.into_iter().map(|l| ConfigChange { when: Some(l.time), rows: l.rows.len(), change: l.change }).collect(),
            "rebuilt from the Entra audit log (no baseline loaded)",
        )
    }
}

/// Everything the report draws on, worked out by the caller (the UI has
/// most of it already; the command line computes it).
pub struct ReportInput<'a> {
    pub case: &'a Case,
    /// The context the findings were computed with (confirmed or suggested).
    pub context: &'a Context,
    pub findings: &'a [Finding],
    pub plan: &'a Plan,
    pub contradictions: &'a [Contradiction],
    pub changes: &'a [ConfigChange],
    /// Where the changes come from ("baseline against current snapshot" …).
    pub changes_from: &'a str,
    pub store: &'a EventStore,
    pub generated_at: TimeMs,
}

/// Rows of the accounts table kept at most (a spray can name hundreds).
const ACCOUNTS_SHOWN: usize = 50;

fn time_or_dash(time: Option<TimeMs>) -> String {
    time.map(format_utc).unwrap_or_else(|| "—".into())
}

fn severity_word(severity: Severity) -> String {
    severity.label().to_string()
}

pub fn build(input: &ReportInput) -> Doc {
    let case = input.case;
    let name = if case.name.trim().is_empty() { "Untitled case" } else { case.name.trim() };
    let mut doc = Doc { title: format!("Incident report: {name}"), ..Doc::default() };
    summary(&mut doc, input);
    accounts(&mut doc, input);
    signin_places(&mut doc, input);
    tagged_events(&mut doc, case);
    findings(&mut doc, input);
    indicators(&mut doc, input.context);
    config_changes_section(&mut doc, input);
    remediation(&mut doc, input);
    checklist(&mut doc, case);
    if !case.notes.trim().is_empty() {
        doc.heading(2, "Case notes");
        doc.paragraph(case.notes.trim());
    }
    doc
}

fn summary(doc: &mut Doc, input: &ReportInput) {
    let case = input.case;
    let open = input.findings.iter().filter(|f| !case.findings.contains_key(&f.id)).count();
    let verdicts = |v: Verdict| case.findings.values().filter(|f| f.verdict == v).count();
    let high = input.findings.iter().filter(|f| f.severity >= Severity::High && case.findings.get(&f.id).is_none_or(|v| v.verdict != Verdict::Dismissed)).count();
    let (closed, steps) = case.overall_progress();
    let done_actions = input.plan.actions.iter().filter(|a| case.remediation.get(&a.id).is_some_and(|p| p.done_at.is_some())).count();
    let window = input.context.window.map(|(a, b)| format!("{} to {}", format_utc(a), format_utc(b))).unwrap_or_else(|| "not set".into());
    let tagged_malicious = case.events.values().filter(|e| e.has_tag(crate::case::annotations::TAG_MALICIOUS)).count();
    doc.heading(2, "Summary");
    doc.facts(vec![
        ("Report generated (UTC)".into(), format_utc(input.generated_at)),
        ("Incident declared".into(), time_or_dash(case.incident_start)),
        ("Compromise window".into(), window),
        ("Containment".into(), time_or_dash(input.context.containment)),
        ("Context".into(), if case.context.is_some() { "confirmed by the analyst".into() } else { "Loupe's suggestion (not confirmed)".into() }),
        ("Suspect accounts".into(), input.context.suspect_accounts.len().to_string()),
        (
            "Findings".into(),
            format!(
                "{} in all; {high} High or Critical not dismissed; {} confirmed, {} dismissed, {open} not yet judged",
                input.findings.len(),
                verdicts(Verdict::Confirmed),
                verdicts(Verdict::Dismissed)
            ),
        ),
        ("Events tagged malicious".into(), tagged_malicious.to_string()),
        ("Remediation".into(), format!("{done_actions} of {} actions done; {} contradicted by later evidence", input.plan.actions.len(), input.contradictions.len())),
        ("Checklist".into(), format!("{closed} of {steps} steps closed")),
    ]);
    doc.heading(3, "Evidence files");
    if case.files.is_empty() {
        doc.paragraph("No evidence files were recorded in this case.");
    } else {
        let rows = case
            .files
            .iter()
            .map(|f| vec![f.name.clone(), f.format.clone(), f.rows_ok.to_string(), f.rows_rejected.to_string(), f.sha256.clone()])
            .collect();
        doc.table(&["File", "Format", "Rows read", "Rows rejected", "SHA-256"], rows);
    }
}

/// Suspects first, then other accounts the findings name, with what the
/// loaded evidence says of them.
fn accounts(doc: &mut Doc, input: &ReportInput) {
    let mut named: BTreeMap<String, &'static str> = BTreeMap::new();
    for account in &input.context.suspect_accounts {
        named.insert(account.to_lowercase(), "suspect");
    }
    for finding in input.findings.iter().filter(|f| listed(input.case, f)) {
        for entity in finding.entities.iter().filter(|e| e.kind == crate::detect::EntityKind::Account) {
            named.entry(entity.value.to_lowercase()).or_insert("named by a finding");
        }
    }
    doc.heading(2, "Accounts involved");
    if named.is_empty() {
        doc.paragraph("No account is marked as a suspect and no finding names one.");
        return;
    }
    let store = input.store;
    let mut seen: BTreeMap<String, (usize, TimeMs, TimeMs)> = BTreeMap::new();
    for row in 0..store.len() as u32 {
        let actor = store.actor(row).to_lowercase();
        if named.contains_key(&actor) {
            let time = store.time(row);
            let entry = seen.entry(actor).or_insert((0, time, time));
            entry.0 += 1;
            entry.1 = entry.1.min(time);
            entry.2 = entry.2.max(time);
        }
    }
    let mut rows: Vec<(bool, Vec<String>)> = named
        .iter()
        .map(|(account, role)| {
            let (count, first, last) = seen.get(account).map_or((0, None, None), |&(n, a, b)| (n, Some(a), Some(b)));
            (*role != "suspect", vec![account.clone(), role.to_string(), count.to_string(), time_or_dash(first), time_or_dash(last)])
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0).then(a.1[0].cmp(&b.1[0])));
    let left_out = rows.len().saturating_sub(ACCOUNTS_SHOWN);
    doc.table(&["Account", "Why listed", "Events as actor", "First", "Last"], rows.into_iter().take(ACCOUNTS_SHOWN).map(|(_, r)| r).collect());
    if left_out > 0 {
        doc.paragraph(format!("{left_out} more accounts named by findings are not listed."));
    }
}

/// Rows of the sign-in places table kept at most.
const PLACES_SHOWN: usize = 25;

/// Where the sign-ins came from: the map (HTML only), the busiest places
/// and the impossible-travel lines. Left out when no sign-in has a place.
fn signin_places(doc: &mut Doc, input: &ReportInput) {
    let store = input.store;
    let rows: Vec<u32> = (0..store.len() as u32).collect();
    let marked: Vec<String> = input.context.indicators.iter().map(|i| i.value.clone()).collect();
    let map = crate::geo::SigninMap::build(store, &rows, &marked, input.findings, input.context);
    if map.is_empty() {
        return;
    }
    doc.heading(2, "Where sign-ins came from");
    let unplaced = if map.unplaced > 0 { format!(" {} sign-in(s) had no place and are not shown.", map.unplaced) } else { String::new() };
    doc.paragraph(format!(
        "Every sign-in of the loaded evidence by place: coordinates from the log or a loaded IP database, or the country's centre when the log gives only a country.{unplaced}"
    ));
    let table: Vec<Vec<String>> = map
        .places
        .iter()
        .take(PLACES_SHOWN)
        .map(|p| {
            let c = &p.counts;
            vec![
                p.label(),
                c.total().to_string(),
                c.success.to_string(),
                c.failure.to_string(),
                c.interrupted.to_string(),
                p.addresses.len().to_string(),
                p.marked_addresses.join(", "),
            ]
        })
        .collect();
    let left_out = map.places.len().saturating_sub(PLACES_SHOWN);
    let travel: Vec<String> = map
        .lines
        .iter()
        .filter_map(|l| Some(format!("{}: {} to {}, {}", l.account, map.places.get(l.from)?.label(), map.places.get(l.to)?.label(), l.label())))
        .collect();
    doc.signin_map(map);
    doc.table(&["Place", "Sign-ins", "Succeeded", "Failed", "Interrupted", "Addresses", "Marked addresses"], table);
    if left_out > 0 {
        doc.paragraph(format!("{left_out} quieter places are not listed."));
    }
    if !travel.is_empty() {
        doc.heading(3, "Impossible travel");
        doc.bullets(travel);
    }
}

fn tagged_events(doc: &mut Doc, case: &Case) {
    doc.heading(2, "Timeline of tagged events");
    if case.events.is_empty() {
        doc.paragraph("No event was bookmarked, tagged or annotated.");
        return;
    }
    let mut events: Vec<_> = case.events.values().collect();
    events.sort_by(|a, b| a.summary.time.cmp(&b.summary.time).then(a.summary.operation.cmp(&b.summary.operation)));
    let rows = events
        .into_iter()
        .map(|e| {
            let s = &e.summary;
            let mut tags = e.tags.join(", ");
            if e.bookmarked {
                tags = if tags.is_empty() { "bookmarked".into() } else { format!("{tags}, bookmarked") };
            }
            vec![format_utc(s.time), s.source.key().to_string(), s.operation.clone(), s.actor.clone(), s.target.clone(), s.ip.clone(), tags, e.note.clone(), format!("{}:{}", s.file, s.line)]
        })
        .collect();
    doc.table(&["Time (UTC)", "Source", "Operation", "Actor", "Target", "IP", "Tags", "Note", "File:line"], rows);
}

/// Whether a finding gets its own line: confirmed ones, and Medium or worse
/// that were not dismissed. Dismissed ones are listed apart with the reason.
fn listed(case: &Case, finding: &Finding) -> bool {
    match case.findings.get(&finding.id).map(|v| v.verdict) {
        Some(Verdict::Confirmed) => true,
        Some(Verdict::Dismissed) => false,
        None => finding.severity >= Severity::Medium,
    }
}

fn findings(doc: &mut Doc, input: &ReportInput) {
    let case = input.case;
    doc.heading(2, "Findings by checklist step");
    let mut shown_any = false;
    for phase in PHASES.iter() {
        for step in phase.steps.iter() {
            let in_step: Vec<&Finding> = input.findings.iter().filter(|f| f.step == step.number).collect();
            let dismissed = |f: &&Finding| case.findings.get(&f.id).is_some_and(|v| v.verdict == Verdict::Dismissed);
            let mut here: Vec<&Finding> = in_step.iter().copied().filter(|f| listed(case, f) || dismissed(f)).collect();
            let unlisted = in_step.len() - here.len();
            // Verdicts on findings whose evidence is not loaded are still the analyst's record.
            let absent: Vec<_> = case.findings.iter().filter(|(id, v)| v.step == step.number && !input.findings.iter().any(|f| &f.id == *id)).collect();
            if in_step.is_empty() && absent.is_empty() {
                continue;
            }
            shown_any = true;
            here.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.first.cmp(&b.first)));
            doc.heading(3, format!("Step {}: {}", step.number, step.title));
            let mut rows: Vec<Vec<String>> = here
                .iter()
                .map(|f| {
                    let verdict = case.findings.get(&f.id);
                    vec![
                        severity_word(f.severity),
                        f.title.clone(),
                        verdict.map_or("not judged", |v| v.verdict.label()).to_string(),
                        format_utc(f.first),
                        f.rows.len().to_string(),
                        verdict.map(|v| v.note.clone()).unwrap_or_default(),
                    ]
                })
                .collect();
            rows.extend(absent.into_iter().map(|(_, v)| {
                vec![severity_word(v.severity), v.title.clone(), format!("{} (evidence not loaded)", v.verdict.label()), "—".into(), "—".into(), v.note.clone()]
            }));
            if !rows.is_empty() {
                doc.table(&["Severity", "Finding", "Verdict", "First seen (UTC)", "Evidence rows", "Analyst's note"], rows);
            }
            if unlisted > 0 {
                doc.paragraph(format!("{unlisted} Low or Info finding(s) not judged are not listed."));
            }
        }
    }
    if !shown_any {
        doc.paragraph("No findings.");
    }
}

fn indicators(doc: &mut Doc, context: &Context) {
    doc.heading(2, "Indicators");
    let mut rows: Vec<Vec<String>> = context.suspect_accounts.iter().map(|a| vec!["account".into(), a.clone(), "suspect account".into()]).collect();
    rows.extend(context.indicators.iter().map(|i| vec![i.kind.label().to_string(), i.value.clone(), i.note.clone()]));
    if rows.is_empty() {
        doc.paragraph("No indicators are marked.");
    } else {
        doc.table(&["Kind", "Value", "Note"], rows);
    }
}

fn config_changes_section(doc: &mut Doc, input: &ReportInput) {
    doc.heading(2, "Configuration changes");
    if input.changes.is_empty() {
        doc.paragraph("No configuration changes were found (no snapshots loaded and none rebuilt from the audit log).");
        return;
    }
    doc.paragraph(format!("Changes {}; riskiest first.", input.changes_from));
    let mut changes: Vec<&ConfigChange> = input.changes.iter().collect();
    changes.sort_by(|a, b| b.change.risk.cmp(&a.change.risk).then(a.when.cmp(&b.when)));
    let rows = changes
        .into_iter()
        .map(|c| {
            let ch = &c.change;
            vec![
                severity_word(ch.risk),
                ch.kind.label().to_string(),
                ch.name.clone(),
                crate::tenant::reconstruct::change_word(ch.change).to_string(),
                ch.reason(),
                time_or_dash(c.when),
            ]
        })
        .collect();
    doc.table(&["Risk", "Object type", "Object", "Change", "Why it matters", "When (UTC)"], rows);
}

fn remediation(doc: &mut Doc, input: &ReportInput) {
    doc.heading(2, "Remediation actions");
    if input.plan.actions.is_empty() {
        doc.paragraph("The evidence calls for no remediation action yet.");
        return;
    }
    let rows = input
        .plan
        .actions
        .iter()
        .map(|a| {
            let progress = input.case.remediation.get(&a.id);
            let status = progress.and_then(|p| p.done_at).map_or_else(|| "open".to_string(), |at| format!("done {}", format_utc(at)));
            let contradicted: Vec<&str> = input.contradictions.iter().filter(|c| c.action == a.id).map(|c| c.message.as_str()).collect();
            vec![a.step.to_string(), a.title.clone(), status, progress.map(|p| p.note.clone()).unwrap_or_default(), contradicted.join(" ")]
        })
        .collect();
    doc.table(&["Step", "Action", "Status", "Note", "Contradicted by evidence"], rows);
    if !input.plan.notes.is_empty() {
        doc.bullets(input.plan.notes.clone());
    }
}

fn checklist(doc: &mut Doc, case: &Case) {
    doc.heading(2, "Checklist");
    let mut rows = Vec::new();
    for phase in PHASES.iter() {
        for step in phase.steps.iter() {
            let state = case.step_state(step.number);
            let deadline = case.incident_start.map(|start| format_utc(start + phase.minutes * 60_000));
            let late = match (case.incident_start, state.completed_at) {
                (Some(start), Some(at)) if at > start + phase.minutes * 60_000 => " (after the phase deadline)",
                _ => "",
            };
            rows.push(vec![
                phase.title.to_string(),
                format!("{}. {}", step.number, step.title),
                state.status.label().to_string(),
                state.completed_at.map(|t| format!("{}{late}", format_utc(t))).unwrap_or_else(|| if state.status == StepStatus::NotStarted { "—".into() } else { String::new() }),
                deadline.unwrap_or_else(|| "—".into()),
                state.note.clone(),
            ]);
        }
    }
    doc.table(&["Phase", "Step", "Status", "Closed (UTC)", "Phase deadline (UTC)", "Note"], rows);
}
