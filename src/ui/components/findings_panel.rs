//! What the detectors found, across all steps, most severe first. A click
//! opens the timeline on the finding's own query, so the analyst sees (and
//! can edit) exactly which rows prove it.

use crate::detect::{Finding, Severity};
use crate::ui::format::minutes_utc;
use std::rc::Rc;
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

/// One finding as a clickable line.
pub fn finding_line(finding: &Finding, on_open: &Callback<String>) -> Html {
    let query = finding.query.clone();
    let onclick = on_open.reform(move |_: MouseEvent| query.clone());
    html! {
        <li key={finding.id.clone()}>
            <button class="finding" data-testid="finding" {onclick} title={finding.why.clone()}>
                <span class={classes!("sev", severity_class(finding.severity))}>{ finding.severity.label() }</span>
                <span class="step-no">{ format!("step {}", finding.step) }</span>
                <span class="title">{ &finding.title }</span>
                <span class="when">{ minutes_utc(finding.first) }</span>
            </button>
        </li>
    }
}

#[function_component(FindingsPanel)]
pub fn findings_panel(props: &FindingsPanelProps) -> Html {
    let notable = props.findings.iter().filter(|f| f.severity >= Severity::Medium).count();
    html! {
        <details class="findings-panel" data-testid="findings" open={notable > 0}>
            <summary>{ format!("Findings: {} ({} medium or above)", props.findings.len(), notable) }</summary>
            if props.findings.is_empty() {
                <p class="hint">{ "No findings for the loaded evidence and the current context." }</p>
            }
            <ul>{ for props.findings.iter().map(|f| finding_line(f, &props.on_open)) }</ul>
        </details>
    }
}
