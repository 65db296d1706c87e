//! What the detectors found, across all steps: sortable by severity, time
//! or step, with a severity floor so background novelties can be hidden.
//! A click opens the timeline on the finding's own query, so the analyst
//! sees (and can edit) exactly which rows prove it; "why" unfolds the
//! explanation, the entities, the supporting facts and any benign signals.

use crate::case::{CaseAction, FindingVerdict, Verdict};
use crate::detect::{subject_keys, Finding, FindingOrder, FindingSortKey, Severity};
use super::show_more::{use_drawn_prefix, use_list_limit, ShowMore};
use crate::ui::format::{evidence_text, minutes_utc, now_ms};
use std::collections::BTreeMap;
use std::rc::Rc;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct FindingsPanelProps {
    pub findings: Rc<Vec<Finding>>,
    pub on_open: Callback<String>,
    /// The analyst's verdicts, by finding id.
    pub verdicts: Rc<BTreeMap<String, FindingVerdict>>,
    pub on_action: Callback<CaseAction>,
    /// The detectors are running on changed evidence or context.
    #[prop_or_default]
    pub analysing: bool,
}

/// CSS class for a severity badge.
pub fn severity_class(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "sev-info",
        Severity::Low => "sev-low",
        Severity::Medium => "sev-medium",
        Severity::High => "sev-high",
        Severity::Critical => "sev-critical",
    }
}

#[derive(Properties, PartialEq)]
pub struct FindingItemProps {
    pub finding: Finding,
    pub on_open: Callback<String>,
    pub verdict: Option<Verdict>,
    /// Confirming or dismissing the finding goes to the case.
    pub on_action: Callback<CaseAction>,
}

/// One finding: a line that opens its rows, and its explanation on demand.
#[function_component(FindingItem)]
pub fn finding_item(props: &FindingItemProps) -> Html {
    let expanded = use_state(|| false);
    let f = &props.finding;
    let query = f.query.clone();
    let open = props.on_open.reform(move |_: MouseEvent| query.clone());
    let toggle = {
        let expanded = expanded.clone();
        Callback::from(move |_: MouseEvent| expanded.set(!*expanded))
    };
    let rows = f.rows.len();
    // A second click on the verdict already given takes it back.
    let judge = |verdict: Verdict| {
        let (finding, on_action, current) = (f.clone(), props.on_action.clone(), props.verdict);
        Callback::from(move |_: MouseEvent| {
            let next = (current != Some(verdict)).then(|| FindingVerdict::new(&finding, verdict, now_ms()));
            on_action.emit(CaseAction::SetFindingVerdict { id: finding.id.clone(), verdict: next });
        })
    };
    let state_class = match props.verdict {
        Some(Verdict::Confirmed) => Some("confirmed"),
        Some(Verdict::Dismissed) => Some("dismissed"),
        None => None,
    };
    html! {
        <li class={classes!("finding-item", state_class)} data-verdict={props.verdict.map(|v| v.label().to_lowercase())}>
            <div class="finding-line">
                <button class="finding" data-testid="finding" onclick={open} title={format!("Show the {rows} evidence row(s) in the timeline")}>
                    <span class={classes!("sev", severity_class(f.severity))}>{ f.severity.label() }</span>
                    <span class="step-no">{ format!("step {}", f.step) }</span>
                    <span class="title">{ evidence_text(&f.title) }</span>
                    <span class="when">{ minutes_utc(f.first) }</span>
                </button>
                <button class="explain" data-testid="finding-why" aria-expanded={(*expanded).to_string()} onclick={toggle}
                    aria-label={format!("Why: {}", evidence_text(&f.title))}>{ if *expanded { "▾ why" } else { "▸ why" } }</button>
                <span class="verdict" role="group" aria-label="Verdict">
                    <button data-testid="finding-confirm" aria-pressed={(props.verdict == Some(Verdict::Confirmed)).to_string()} onclick={judge(Verdict::Confirmed)}
                        title="Confirm: part of the incident">{ "✓" }</button>
                    <button data-testid="finding-dismiss" aria-pressed={(props.verdict == Some(Verdict::Dismissed)).to_string()} onclick={judge(Verdict::Dismissed)}
                        title="Dismiss: looked at, not part of the incident">{ "✗" }</button>
                </span>
            </div>
            if *expanded {
                <div class="finding-why" data-testid="finding-explained">
                    <p class="title-full">{ evidence_text(&f.title) }</p>
                    <p>{ evidence_text(&f.why) }</p>
                    if !f.entities.is_empty() {
                        <ul class="entities">
                            { for f.entities.iter().map(|e| html! { <li><span class="kind">{ format!("{:?}", e.kind).to_lowercase() }</span><span class="value">{ evidence_text(&e.value) }</span></li> }) }
                        </ul>
                    }
                    if !f.details.is_empty() {
                        <ul class="details">{ for f.details.iter().map(|d| html! { <li>{ evidence_text(d) }</li> }) }</ul>
                    }
                    if !f.benign_signals.is_empty() {
                        <div class="benign" data-testid="finding-benign">
                            <strong>{ "Points to ordinary activity: " }</strong>
                            <ul>{ for f.benign_signals.iter().map(|s| html! { <li>{ evidence_text(s) }</li> }) }</ul>
                        </div>
                    }
                    <p class="meta">{ format!("{} · {} evidence row(s) · query: ", f.detector, rows) }<code>{ evidence_text(&f.query) }</code></p>
                </div>
            }
        </li>
    }
}

/// Severity floors offered, as (select value, label, floor).
const FLOORS: [(&str, &str, Option<Severity>); 4] = [
    ("all", "all", None),
    ("low", "low and above", Some(Severity::Low)),
    ("medium", "medium and above", Some(Severity::Medium)),
    ("high", "high and above", Some(Severity::High)),
];

#[function_component(FindingsPanel)]
pub fn findings_panel(props: &FindingsPanelProps) -> Html {
    // Info-level novelties are the background of every tenant: hidden until asked for.
    let order = use_state(|| FindingOrder { at_least: Some(Severity::Low), ..FindingOrder::default() });
    // Dismissed findings are out of the way unless asked for.
    let show_dismissed = use_state(|| false);
    let (limit, on_more) = use_list_limit();
    let is_dismissed = |f: &Finding| props.verdicts.get(&f.id).is_some_and(|v| v.verdict == Verdict::Dismissed);
    let ordered = order.apply(&props.findings);
    let dismissed = ordered.iter().filter(|f| is_dismissed(f)).count();
    let shown: Vec<&Finding> = ordered.into_iter().filter(|f| *show_dismissed || !is_dismissed(f)).collect();
    let hidden = props.findings.len() - shown.len() - if *show_dismissed { 0 } else { dismissed };
    let keys = subject_keys(&shown[..limit.min(shown.len())]);
    let drawn = use_drawn_prefix(&keys, limit);
    let confirmed = props.findings.iter().filter(|f| props.verdicts.get(&f.id).is_some_and(|v| v.verdict == Verdict::Confirmed)).count();
    let on_show_dismissed = {
        let show_dismissed = show_dismissed.clone();
        Callback::from(move |e: Event| show_dismissed.set(e.target_unchecked_into::<web_sys::HtmlInputElement>().checked()))
    };
    let notable = props.findings.iter().filter(|f| f.severity >= Severity::Medium).count();
    let sort_button = |key: FindingSortKey| {
        let active = order.key == key;
        let arrow = match (active, order.reversed) {
            (false, _) => "",
            (true, false) => " ↓",
            (true, true) => " ↑",
        };
        let onclick = {
            let order = order.clone();
            Callback::from(move |_: MouseEvent| order.set(order.toggled(key)))
        };
        html! {
            <button class={classes!("sort", active.then_some("active"))} aria-pressed={active.to_string()} {onclick}
                data-testid={format!("findings-sort-{}", key.label())}>{ format!("{}{arrow}", key.label()) }</button>
        }
    };
    let on_floor = {
        let order = order.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            let at_least = FLOORS.iter().find(|(v, _, _)| *v == value).and_then(|(_, _, floor)| *floor);
            order.set(FindingOrder { at_least, ..*order });
        })
    };
    let current_floor = FLOORS.iter().find(|(_, _, floor)| *floor == order.at_least).map_or("all", |(v, _, _)| *v);
    html! {
        <details class="findings-panel" data-testid="findings" open={notable > 0}>
            <summary>
                { format!("Findings: {} ({} medium or above)", props.findings.len(), notable) }
                if confirmed > 0 { <span class="hint">{ format!(" · {confirmed} confirmed") }</span> }
                if hidden > 0 { <span class="hint">{ format!(" · {hidden} below the severity floor hidden") }</span> }
                if props.analysing { <span class="hint" role="status" data-testid="findings-analysing">{ " · analysing…" }</span> }
            </summary>
            <div class="findings-tools">
                <span>{ "Sort by" }</span>
                { for FindingSortKey::ALL.into_iter().map(sort_button) }
                <label>{ "Show " }
                    <select data-testid="findings-floor" onchange={on_floor}>
                        { for FLOORS.iter().map(|(value, label, _)| html! { <option value={*value} selected={*value == current_floor}>{ *label }</option> }) }
                    </select>
                </label>
                <label><input type="checkbox" data-testid="findings-show-dismissed" checked={*show_dismissed} onchange={on_show_dismissed} />
                    { format!(" dismissed ({dismissed})") }</label>
            </div>
            if props.findings.is_empty() && !props.analysing {
                <p class="hint">{ "No findings for the loaded evidence and the current context." }</p>
            }
            <ul data-testid="findings-list" aria-busy={(drawn < limit.min(shown.len())).to_string()}>
                { for shown.iter().zip(keys).take(drawn).map(|(f, key)| html! {
                    <FindingItem {key} finding={(*f).clone()} on_open={props.on_open.clone()}
                        verdict={props.verdicts.get(&f.id).map(|v| v.verdict)} on_action={props.on_action.clone()} />
                }) }
            </ul>
            <ShowMore hidden={shown.len().saturating_sub(limit)} {on_more} testid="findings-more" />
        </details>
    }
}
