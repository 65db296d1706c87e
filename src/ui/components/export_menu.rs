//! The top bar's "Export" menu: the case file, the case with its evidence and
//! the incident report in its two renderings. Four buttons side by side
//! pushed the bar's last controls off the screen at 1280 pixels and under a
//! projector's zoom; one menu keeps them a click away at any width.

use super::topbar::ReportFormat;
use wasm_bindgen::JsCast;
use web_sys::{Element, Node};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ExportMenuProps {
    pub on_export: Callback<()>,
    pub on_export_bundle: Callback<()>,
    pub on_report: Callback<ReportFormat>,
}

/// Close an open `<details>` menu.
fn close(menu: &NodeRef) {
    if let Some(el) = menu.cast::<Element>() {
        let _ = el.remove_attribute("open");
    }
}

#[function_component(ExportMenu)]
pub fn export_menu(props: &ExportMenuProps) -> Html {
    let menu = use_node_ref();
    {
        // A press anywhere outside the open menu closes it, as menus do.
        let menu = menu.clone();
        use_effect_with((), move |_| {
            let document = web_sys::window().and_then(|w| w.document());
            let listener = document.map(|d| {
                gloo::events::EventListener::new(&d, "pointerdown", move |e| {
                    let Some(el) = menu.cast::<Element>() else { return };
                    let inside = e.target().and_then(|t| t.dyn_into::<Node>().ok()).is_some_and(|node| el.contains(Some(&node)));
                    if !inside {
                        close(&menu);
                    }
                })
            });
            move || drop(listener)
        });
    }
    let item = |callback: Callback<()>| {
        let menu = menu.clone();
        Callback::from(move |_: MouseEvent| {
            close(&menu);
            callback.emit(());
        })
    };
    let report = |format: ReportFormat| item(props.on_report.reform(move |()| format));
    let escape = {
        let menu = menu.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                // Esc closes the menu only, not the event detail behind it.
                e.stop_propagation();
                close(&menu);
                if let Some(summary) = menu.cast::<Element>().and_then(|el| el.query_selector("summary").ok().flatten()) {
                    if let Some(summary) = summary.dyn_ref::<web_sys::HtmlElement>() {
                        let _ = summary.focus();
                    }
                }
            }
        })
    };
    html! {
        <details class="menu" ref={menu.clone()} data-testid="export-menu" onkeydown={escape}>
            <summary data-testid="export-menu-toggle" title="Save the case, the case with its evidence, or the incident report">
                { "Export " }<span aria-hidden="true">{ "▾" }</span>
            </summary>
            <div class="menu-items">
                <button data-testid="export-case" onclick={item(props.on_export.clone())}
                    title="Save the case as a file; open it on another machine to carry on (evidence files are matched by hash)">{ "Case file (.json)" }</button>
                <button data-testid="export-bundle" onclick={item(props.on_export_bundle.clone())}
                    title="Save the case and the loaded evidence as one .zip to hand over (opening it imports both)">{ "Case + evidence (.zip)" }</button>
                <button data-testid="report-md" onclick={report(ReportFormat::Markdown)}
                    title="The incident report as Markdown: summary, accounts, tagged events, findings, indicators, changes, remediation, checklist">{ "Report (.md)" }</button>
                <button data-testid="report-html" onclick={report(ReportFormat::Html)}
                    title="The incident report as one printable HTML page">{ "Report (.html)" }</button>
            </div>
        </details>
    }
}
