//! The bar across the top: the case's name and incident clock, open files,
//! load the sample, export the case or the report, start a new case.

use super::export_menu::ExportMenu;
use crate::model::TimeMs;
use crate::ui::theme::Theme;
use crate::ui::format::{elapsed, minutes_utc, thousands};
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TopbarProps {
    pub case_name: AttrValue,
    pub incident_start: Option<TimeMs>,
    pub now: TimeMs,
    pub on_rename: Callback<String>,
    pub event_count: usize,
    pub loading: bool,
    pub on_files: Callback<Vec<web_sys::File>>,
    /// Load a bundled training incident from `samples/{folder}`.
    pub on_sample: Callback<&'static str>,
    pub on_new_case: Callback<()>,
    /// Save the case (checklist, notes, context, remediation) as a file.
    pub on_export: Callback<()>,
    /// Save the case with the loaded evidence as one zip.
    pub on_export_bundle: Callback<()>,
    /// Save the incident report in this format.
    pub on_report: Callback<ReportFormat>,
    pub theme: Theme,
    pub on_theme: Callback<Theme>,
    /// Show the keyboard shortcuts.
    pub on_help: Callback<()>,
}

/// The incident report's two renderings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Markdown,
    Html,
}

/// The bundled training incidents: folder under `samples/` and name.
/// `make samples` writes them (see the Makefile).
pub const SAMPLES: [(&str, &str); 2] = [("", "Mailbox takeover"), ("admin/", "Compromised admin")];

/// The files chosen in a file input, as a list.
pub fn input_files(input: &HtmlInputElement) -> Vec<web_sys::File> {
    let Some(list) = input.files() else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

#[function_component(Topbar)]
pub fn topbar(props: &TopbarProps) -> Html {
    let input = use_node_ref();
    let open = {
        let input = input.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(el) = input.cast::<HtmlInputElement>() {
                el.click();
            }
        })
    };
    let folder_input = use_node_ref();
    let open_folder = {
        let input = folder_input.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(el) = input.cast::<HtmlInputElement>() {
                el.click();
            }
        })
    };
    let chosen = {
        let on_files = props.on_files.clone();
        Callback::from(move |e: Event| {
            let el: HtmlInputElement = e.target_unchecked_into();
            on_files.emit(input_files(&el));
            el.set_value(""); // so choosing the same file again still fires
        })
    };
    let rename = props.on_rename.reform(|e: Event| e.target_unchecked_into::<HtmlInputElement>().value().trim().to_string());
    // The name is written into the field only when the case's name changes
    // (a new case, an import), not on every redraw: Yew sets a given `value`
    // on each render, and the page redraws whenever a load or an analysis
    // moves on, which wiped a name half typed before it was saved.
    let name_field = use_node_ref();
    {
        let name_field = name_field.clone();
        use_effect_with(props.case_name.clone(), move |name| {
            if let Some(field) = name_field.cast::<HtmlInputElement>() {
                if field.value() != name.as_str() {
                    field.set_value(name);
                }
            }
        });
    }
    let clock = match props.incident_start {
        Some(start) if props.now >= start => format!("T+{} since {}", elapsed(props.now - start), minutes_utc(start)),
        Some(start) => format!("incident start {}", minutes_utc(start)),
        None => "incident start not set".to_string(),
    };
    let picked_sample = use_state(|| 0usize);
    let sample = {
        let picked = picked_sample.clone();
        props.on_sample.reform(move |_: MouseEvent| SAMPLES.get(*picked).map_or("", |(folder, _)| *folder))
    };
    let pick_sample = {
        let picked = picked_sample.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
            picked.set(value.parse().unwrap_or(0));
        })
    };
    let new_case = props.on_new_case.reform(|_: MouseEvent| ());
    let next_theme = props.theme.next();
    let theme = props.on_theme.reform(move |_: MouseEvent| next_theme);
    let help = props.on_help.reform(|_: MouseEvent| ());
    html! {
        <header class="topbar">
            <h1 class="brand">{ "Loupe" }</h1>
            <input ref={name_field} class="case-name" data-testid="case-name" aria-label="Case name" placeholder="Untitled case"
                onchange={rename} />
            <span class="incident-clock" data-testid="incident-clock" title="Time since the incident start set in the checklist">{ clock }</span>
            <span class="tagline">{ "all evidence stays in this browser" }</span>
            <div class="actions">
                <button data-testid="open-files" onclick={open} title="Open log exports, IP databases or a Loupe case file (or drop them anywhere on the page)">{ "Open files…" }</button>
                <input ref={input} type="file" multiple=true class="hidden" data-testid="file-input" aria-label="Evidence files" onchange={chosen.clone()} />
                <button data-testid="open-folder" onclick={open_folder} title="Open every file in a folder (a tenant configuration export, a case's evidence)">{ "Folder…" }</button>
                <input ref={folder_input} type="file" webkitdirectory=true multiple=true class="hidden" data-testid="folder-input" aria-label="Evidence folder" onchange={chosen} />
                <select data-testid="sample-choice" aria-label="Training incident" onchange={pick_sample}>
                    { for SAMPLES.iter().enumerate().map(|(i, (_, name))| html! { <option value={i.to_string()} selected={i == *picked_sample}>{ *name }</option> }) }
                </select>
                <button data-testid="load-sample" onclick={sample} title="Load the chosen bundled training incident">{ "Load sample incident" }</button>
                <ExportMenu on_export={props.on_export.clone()} on_export_bundle={props.on_export_bundle.clone()} on_report={props.on_report.clone()} />
                <button data-testid="new-case" class="danger" onclick={new_case} title="Clear the checklist, notes and loaded evidence">{ "New case" }</button>
                <button data-testid="theme" class="theme-toggle" onclick={theme} title={format!("{} (click for {})", props.theme.label(), next_theme.label().trim_start_matches("Theme: "))}
                    aria-label={props.theme.label()}>{ match props.theme { Theme::Auto => "◐", Theme::Light => "☀", Theme::Dark => "☾" } }</button>
                <button data-testid="shortcuts-help" onclick={help} title="Keyboard shortcuts (?)" aria-label="Keyboard shortcuts">{ "?" }</button>
            </div>
            <span class="event-count" data-testid="event-count">
                { format!("{} events", thousands(props.event_count as u64)) }
                { if props.loading { " · loading…" } else { "" } }
            </span>
        </header>
    }
}
