//! The response checklist beside the timeline: three time boxes of four
//! steps, each with its status, closing time, note and the evidence it needs.

use super::findings_panel::FindingItem;
use crate::case::{Case, CaseAction, PhaseClock, StepStatus};
use crate::detect::{subject_keys, Finding, Severity};
use crate::model::{Source, TimeMs};
use crate::playbook::{Phase, Step, PHASES};
use crate::ui::format::{datetime_local, minutes_utc, now_ms, parse_datetime_local};
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ChecklistProps {
    pub case: Case,
    pub loaded: Vec<Source>,
    /// A tenant configuration export is open.
    pub has_snapshot: bool,
    /// The case's context in force, for the collection commands.
    pub context: crate::detect::Context,
    /// The current snapshot's posture checks; each step lists its gaps.
    pub posture_checks: Rc<Vec<crate::tenant::posture::PostureCheck>>,
    /// Unfold the configuration view and bring it into sight.
    pub on_open_config: Callback<()>,
    /// Wall clock for the phase deadlines, refreshed every few seconds.
    pub now: TimeMs,
    pub on_action: Callback<CaseAction>,
    /// Every finding; each step shows its own.
    pub findings: Rc<Vec<Finding>>,
    /// Open the timeline on a finding's query.
    pub on_open: Callback<String>,
    /// The remediation plan's actions (steps 2, 4 and 11 show theirs).
    pub plan: Rc<crate::remediate::Plan>,
    pub contradictions: Rc<Vec<crate::remediate::Contradiction>>,
}

/// Findings shown under a step before "and N more".
const STEP_FINDINGS_SHOWN: usize = 4;

#[function_component(Checklist)]
pub fn checklist(props: &ChecklistProps) -> Html {
    let (done, total) = props.case.overall_progress();
    let set_start = props.on_action.reform(|e: Event| {
        let value = e.target_unchecked_into::<HtmlInputElement>().value();
        CaseAction::SetIncidentStart(parse_datetime_local(&value))
    });
    let start_now = props.on_action.reform(|_: MouseEvent| CaseAction::SetIncidentStart(Some(now_ms() / 60_000 * 60_000)));
    html! {
        <aside class="checklist" data-testid="checklist" aria-label="Response checklist">
            <div class="incident">
                <label for="incident-start">{ "Incident start (UTC)" }</label>
                <div class="row">
                    <input id="incident-start" type="datetime-local" data-testid="incident-start"
                        value={props.case.incident_start.map(datetime_local).unwrap_or_default()} onchange={set_start} />
                    <button data-testid="incident-now" onclick={start_now}>{ "Now" }</button>
                </div>
                <span class="overall" data-testid="overall-progress">{ format!("{done}/{total} steps") }</span>
            </div>
            { for PHASES.iter().enumerate().map(|(i, phase)| phase_view(props, i, phase)) }
        </aside>
    }
}

fn phase_view(props: &ChecklistProps, index: usize, phase: &'static Phase) -> Html {
    let (done, total) = props.case.phase_progress(index);
    let clock = props.case.phase_clock(index, props.now);
    let clock_class = match clock {
        PhaseClock::Overdue(_) => "overdue",
        PhaseClock::Complete => "complete",
        _ => "",
    };
    let deadline = props.case.incident_start.map(|s| format!("due {}", minutes_utc(crate::case::deadline(s, phase))));
    html! {
        <section class="phase" data-testid={format!("phase-{}", phase.id)}>
            <header>
                <h2>{ phase.title }</h2>
                <span class="phase-progress" data-testid={format!("phase-progress-{}", phase.id)}>{ format!("{done}/{total}") }</span>
            </header>
            <div class={classes!("phase-clock", clock_class)}>
                { clock.describe() }
                if let Some(d) = deadline { <span class="deadline">{ format!(" · {d}") }</span> }
            </div>
            { for phase.steps.iter().map(|step| step_view(props, step)) }
        </section>
    }
}

fn step_view(props: &ChecklistProps, step: &'static Step) -> Html {
    let state = props.case.step_state(step.number);
    let n = step.number;
    let on_status = props.on_action.reform(move |e: Event| {
        let key = e.target_unchecked_into::<HtmlSelectElement>().value();
        CaseAction::SetStepStatus { step: n, status: StepStatus::from_key(&key).unwrap_or_default() }
    });
    let on_note = props.on_action.reform(move |e: Event| CaseAction::SetStepNote { step: n, note: e.target_unchecked_into::<HtmlTextAreaElement>().value() });
    let needs = Case::step_needs(n, &props.loaded, props.has_snapshot);
    html! {
        <div class={classes!("step", state.status.is_closed().then_some("done"))} data-testid={format!("step-{n}")}>
            <h3>{ format!("{n}. {}", step.title) }</h3>
            <p class="summary">{ step.summary }</p>
            <div class="row">
                <select key={format!("status-{n}-{}", state.status.key())} data-testid={format!("step-status-{n}")} onchange={on_status} aria-label={format!("Status of step {n}")}>
                    { for StepStatus::ALL.iter().map(|s| html! { <option value={s.key()} selected={*s == state.status}>{ s.label() }</option> }) }
                </select>
                if let (true, Some(at)) = (state.status.is_closed(), state.completed_at) {
                    <span class="done-at" data-testid={format!("step-done-at-{n}")}>{ format!("closed {}", minutes_utc(at)) }</span>
                }
            </div>
            { step_findings(props, n) }
            { step_config_gaps(props, n) }
            <super::remediation::Remediation step={n} plan={props.plan.clone()} progress={props.case.remediation.clone()}
                contradictions={props.contradictions.clone()} on_action={props.on_action.clone()} on_open={props.on_open.clone()} />
            <ul class="needs">
                { for needs.iter().map(|need| html! {
                    <li class={classes!(if need.loaded { "have" } else { "missing" }, need.optional.then_some("optional"))}>
                        { format!("{} — {}", need.need.label(), match (need.loaded, need.optional) {
                            (true, _) => "loaded",
                            (false, false) => "missing",
                            (false, true) => "not loaded (helps, if the tenant keeps it)",
                        }) }
                    </li>
                }) }
            </ul>
            <super::queries::Queries commands={Rc::new(crate::collect::for_step(n, &props.context, &props.loaded, props.has_snapshot))}
                title="Collect what is missing" testid={format!("collect-{n}")} />
            <textarea data-testid={format!("step-note-{n}")} placeholder="Notes: what you checked, what you found, who did what"
                value={state.note.clone()} onchange={on_note} aria-label={format!("Notes for step {n}")} />
        </div>
    }
}

/// What the tenant configuration says for this step: its posture gaps,
/// riskiest first, and the way to the configuration view that shows them
/// with their objects and rows of the export.
fn step_config_gaps(props: &ChecklistProps, step: u8) -> Html {
    let mut mine: Vec<&crate::tenant::posture::PostureCheck> =
        props.posture_checks.iter().filter(|c| c.step == step && c.result == crate::tenant::posture::CheckResult::Gap).collect();
    if mine.is_empty() {
        return html! {};
    }
    mine.sort_by(|a, b| b.risk.cmp(&a.risk));
    let open = props.on_open_config.reform(|_: MouseEvent| ());
    html! {
        <div class="step-config" data-testid={format!("step-config-{step}")}>
            <div class="counts">{ format!("Tenant configuration: {} gap{} for this step", mine.len(), if mine.len() == 1 { "" } else { "s" }) }</div>
            <ul>
                { for mine.iter().take(STEP_FINDINGS_SHOWN).map(|c| html! {
                    <li><span class={classes!("sev", super::findings_panel::severity_class(c.risk))}>{ c.risk.label() }</span>{ " " }
                        <span>{ format!("{}: {}", c.title, c.object.name) }</span>
                        <div class="hint">{ &c.reason }</div></li>
                }) }
            </ul>
            <button class="link" data-testid={format!("step-config-open-{step}")} onclick={open}>{ "Open the configuration view" }</button>
        </div>
    }
}

/// "3 findings: 1 high, 2 low" and the most severe ones, each opening its rows.
fn step_findings(props: &ChecklistProps, step: u8) -> Html {
    let mine: Vec<&Finding> = props.findings.iter().filter(|f| f.step == step).collect();
    if mine.is_empty() {
        return html! {};
    }
    let by_severity: Vec<String> = [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info]
        .iter()
        .filter_map(|s| {
            let n = mine.iter().filter(|f| f.severity == *s).count();
            (n > 0).then(|| format!("{n} {}", s.label().to_lowercase()))
        })
        .collect();
    html! {
        <div class="step-findings" data-testid={format!("step-findings-{step}")}>
            <div class="counts">{ format!("{} finding{}: {}", mine.len(), if mine.len() == 1 { "" } else { "s" }, by_severity.join(", ")) }</div>
            <ul>{ for mine.iter().take(STEP_FINDINGS_SHOWN).zip(subject_keys(&mine[..STEP_FINDINGS_SHOWN.min(mine.len())])).map(|(f, key)| html! { <FindingItem {key} finding={(*f).clone()} on_open={props.on_open.clone()}
                verdict={props.case.findings.get(&f.id).map(|v| v.verdict)} on_action={props.on_action.clone()} /> }) }</ul>
            if mine.len() > STEP_FINDINGS_SHOWN {
                <div class="hint">{ format!("and {} more in the findings list", mine.len() - STEP_FINDINGS_SHOWN) }</div>
            }
        </div>
    }
}
