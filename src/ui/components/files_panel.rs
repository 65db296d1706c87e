//! The loaded files and what Loupe made of each: progress while loading, then
//! the ingest report, or the sentence saying why a file could not be read.
//! IP databases are listed apart: they add locations, they are not evidence.

use crate::case::FileEntry;
use crate::enrich::DbReport;
use crate::ingest::IngestReport;
use crate::ui::format::{evidence_text, minutes_utc, plural, thousands};
use crate::ui::state::{FileLoad, Stage};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct FilesPanelProps {
    pub loads: Vec<FileLoad>,
    /// Files the case lists but that are not loaded in this page (after a reload).
    pub missing: Vec<FileEntry>,
    /// Close a card: unload a loaded file, or dismiss one that was not loaded.
    pub on_remove: Callback<FileLoad>,
    /// Loaded IP databases.
    pub databases: Vec<DbReport>,
    /// Unload an IP database, by file name.
    pub on_remove_database: Callback<String>,
}

#[function_component(FilesPanel)]
pub fn files_panel(props: &FilesPanelProps) -> Html {
    html! {
        <aside class="files" data-testid="files" aria-label="Evidence files">
            <h2>{ "Evidence" }</h2>
            if props.loads.is_empty() && props.missing.is_empty() {
                <p class="hint">{ "Open or drop sign-in logs, audit logs and Unified Audit Log exports (CSV or JSON). Nothing leaves this browser." }</p>
                <p class="hint">{ "To place addresses the logs do not, also drop an IP database: DB-IP City, Country or ASN Lite CSV, or an iptoasn.com TSV." }</p>
            }
            { for props.loads.iter().map(|load| file_card(load, &props.on_remove)) }
            { for props.missing.iter().map(missing_card) }
            if !props.databases.is_empty() {
                <h2 class="ipdb-title">{ "IP databases" }</h2>
                { for props.databases.iter().map(|db| database_card(db, &props.on_remove_database)) }
            }
        </aside>
    }
}

fn file_card(load: &FileLoad, on_remove: &Callback<FileLoad>) -> Html {
    let busy = matches!(load.stage, Stage::Reading | Stage::Parsing);
    let (label, title) = match load.stage {
        Stage::Done => ("Unload", format!("Remove {} and its events from this case", evidence_text(&load.name))),
        Stage::Reading | Stage::Parsing => ("Cancel", format!("Stop loading {}; nothing of it is kept", evidence_text(&load.name))),
        _ => ("Dismiss", format!("Remove this message about {}", evidence_text(&load.name))),
    };
    let remove = {
        let (on_remove, load) = (on_remove.clone(), load.clone());
        Callback::from(move |_: MouseEvent| on_remove.emit(load.clone()))
    };
    let stage = match load.stage {
        Stage::Reading => "reading",
        Stage::Parsing => "parsing",
        _ => "",
    };
    html! {
        <div class="file-card" data-testid="file-card" key={load.id}>
            <div class="file-head">
                <div class="file-name" title={evidence_text(&load.name)}>{ evidence_text(&load.name) }</div>
                <button class="file-remove" data-testid={if busy { "file-cancel" } else { "file-remove" }} onclick={remove} {title}>{ label }</button>
            </div>
            if busy {
                <div class="file-stage" data-testid="file-stage">{ format!("{stage} {:.0}%", load.progress * 100.0) }</div>
                <progress class="file-progress" max="1" value={load.progress.to_string()} />
                if !load.detail.is_empty() {
                    <div class="file-rate" data-testid="file-rate">{ &load.detail }</div>
                }
            }
            if let Some(report) = &load.report {
                { report_details(report, load.stage) }
            }
        </div>
    }
}

fn report_details(r: &IngestReport, stage: Stage) -> Html {
    if let (Some(why), Stage::NotLoaded) = (&r.unreadable, stage) {
        return html! { <p class="file-unreadable" data-testid="file-unreadable">{ evidence_text(why) }</p> };
    }
    let format = r.format.map(|f| f.label()).unwrap_or_default();
    let mut counts = format!("{} kept · {} rejected", plural(r.rows_ok, "row", "rows"), thousands(r.rows_rejected));
    if r.duplicates > 0 {
        counts.push_str(&format!(" · {} removed", plural(r.duplicates, "duplicate", "duplicates")));
    }
    if r.conflicting_ids > 0 {
        // Kept, not removed: the same id with other content is evidence to look at.
        counts.push_str(&format!(" · {} reusing an id with other content (kept)", plural(r.conflicting_ids, "row", "rows")));
    }
    html! {
        <>
            <div class="file-format">{ format }{ format!(" · {}", r.encoding) }</div>
            <div data-testid="file-rows" class={classes!("file-rows", (r.rows_rejected > 0).then_some("has-rejects"))}>{ counts }</div>
            if let (Some(first), Some(last)) = (r.first, r.last) {
                <div class="file-range">{ format!("{} → {}", minutes_utc(first), minutes_utc(last)) }</div>
            }
            <div class="file-accounts">{ plural(r.accounts.len() as u64, "account", "accounts") }</div>
            if r.rows_rejected > 0 {
                <details class="file-errors">
                    <summary>{ format!("{} — first {} listed", plural(r.rows_rejected, "rejected row", "rejected rows"), r.errors.len()) }</summary>
                    <ul>{ for r.errors.iter().map(|e| html! { <li>{ format!("line {}: {}", e.line, evidence_text(&e.reason)) }</li> }) }</ul>
                </details>
            }
            if r.warnings_total > 0 {
                <details class="file-warnings">
                    <summary>{ plural(r.warnings_total, "row kept with a caveat", "rows kept with a caveat") }</summary>
                    <ul>{ for r.warnings.iter().map(|e| html! { <li>{ format!("line {}: {}", e.line, evidence_text(&e.reason)) }</li> }) }</ul>
                </details>
            }
            if !r.notes.is_empty() {
                <ul class="file-notes">{ for r.notes.iter().map(|n| html! { <li>{ n }</li> }) }</ul>
            }
            <div class="file-hash" title="SHA-256 of the file as loaded">{ format!("SHA-256 {}", r.sha256) }</div>
        </>
    }
}

fn database_card(db: &DbReport, on_remove: &Callback<String>) -> Html {
    let remove = {
        let (on_remove, name) = (on_remove.clone(), db.file.clone());
        Callback::from(move |_: MouseEvent| on_remove.emit(name.clone()))
    };
    let mut counts = format!("{} · {} · {}", plural(db.rows_ok, "row", "rows"), plural(db.ranges_v4 + db.ranges_v6, "range", "ranges"), plural(db.rows_bad, "bad row", "bad rows"));
    if db.rows_skipped > 0 {
        counts.push_str(&format!(" · {} not routed", thousands(db.rows_skipped)));
    }
    html! {
        <div class="file-card ipdb-card" data-testid="ipdb-card" key={db.file.clone()}>
            <div class="file-head">
                <div class="file-name" title={db.file.clone()}>{ &db.file }</div>
                <button class="file-remove" data-testid="ipdb-remove" onclick={remove} title={format!("Stop using {} for locations", db.file)}>{ "Unload" }</button>
            </div>
            <div class="file-format">{ &db.format }</div>
            <div data-testid="ipdb-rows" class={classes!("file-rows", (db.rows_bad > 0).then_some("has-rejects"))}>{ counts }</div>
            if db.rows_bad > 0 {
                <details class="file-errors">
                    <summary>{ format!("{} — first {} listed", plural(db.rows_bad, "bad row", "bad rows"), db.errors.len()) }</summary>
                    <ul>{ for db.errors.iter().map(|e| html! { <li>{ format!("line {}: {}", e.line, e.reason) }</li> }) }</ul>
                </details>
            }
        </div>
    }
}

fn missing_card(entry: &FileEntry) -> Html {
    html! {
        <div class="file-card missing" data-testid="file-card-missing" key={entry.sha256.clone()}>
            <div class="file-name">{ &entry.name }</div>
            <p>{ format!("not loaded — re-open this file to restore its {} events (SHA-256 {}).", thousands(entry.rows_ok), entry.sha256) }</p>
        </div>
    }
}
