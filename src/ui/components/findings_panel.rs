//! What the detectors found, across all steps: sortable by severity, time
//! or step, with a severity floor so background novelties can be hidden.
//! A click opens the timeline on the finding's own query, so the analyst
//! sees (and can edit) exactly which rows prove it; "why" unfolds the
//! explanation, the entities, the supporting facts and any benign signals.

use crate::detect::{Finding, FindingOrder, FindingSortKey, Severity};
use crate::ui::format::minutes_utc;
use std::rc::Rc;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct FindingsPanelProps {
    pub findings: Rc<Vec<Finding>>,
    pub on_open: Callback<String>,
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
    html! {
        <li class="finding-item">
            <div class="finding-line">
                <button class="finding" data-testid="finding" onclick={open} title={format!("Show the {rows} evidence row(s) in the timeline")}>
                    <span class={classes!("sev", severity_class(f.severity))}>{ f.severity.label() }</span>
                    <span class="step-no">{ format!("step {}", f.step) }</span>
                    <span class="title">{ &f.title }</span>
                    <span class="when">{ minutes_utc(f.first) }</span>
                </button>
                <button class="explain" data-testid="finding-why" aria-expanded={(*expanded).to_string()} onclick={toggle}
                    aria-label={format!("Why: {}", f.title)}>{ if *expanded { "▾ why" } else { "▸ why" } }</button>
            </div>
            if *expanded {
                <div class="finding-why" data-testid="finding-explained">
                    <p class="title-full">{ &f.title }</p>
                    <p>{ &f.why }</p>
                    if !f.entities.is_empty() {
                        <ul class="entities">
                            { for f.entities.iter().map(|e| html! { <li><span class="kind">{ format!("{:?}", e.kind).to_lowercase() }</span><span class="value">{ &e.value }</span></li> }) }
                        </ul>
                    }
                    if !f.details.is_empty() {
                        <ul class="details">{ for f.details.iter().map(|d| html! { <li>{ d }</li> }) }</ul>
                    }
                    if !f.benign_signals.is_empty() {
                        <div class="benign" data-testid="finding-benign">
                            <strong>{ "Points to ordinary activity: " }</strong>
                            <ul>{ for f.benign_signals.iter().map(|s| html! { <li>{ s }</li> }) }</ul>
                        </div>
                    }
                    <p class="meta">{ format!("{} · {} evidence row(s) · query: ", f.detector, rows) }<code>{ &f.query }</code></p>
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
    let shown = order.apply(&props.findings);
    let hidden = props.findings.len() - shown.len();
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
                if hidden > 0 { <span class="hint">{ format!(" · {hidden} below the severity floor hidden") }</span> }
            </summary>
            <div class="findings-tools">
                <span>{ "Sort by" }</span>
                { for FindingSortKey::ALL.into_iter().map(sort_button) }
                <label>{ "Show " }
                    <select data-testid="findings-floor" onchange={on_floor}>
                        { for FLOORS.iter().map(|(value, label, _)| html! { <option value={*value} selected={*value == current_floor}>{ *label }</option> }) }
                    </select>
                </label>
            </div>
            if props.findings.is_empty() {
                <p class="hint">{ "No findings for the loaded evidence and the current context." }</p>
            }
            <ul data-testid="findings-list">
                { for shown.into_iter().map(|f| html! { <FindingItem key={f.id.clone()} finding={f.clone()} on_open={props.on_open.clone()} /> }) }
            </ul>
        </details>
    }
}
