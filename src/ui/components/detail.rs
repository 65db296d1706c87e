//! One event in full: every normalised field and attribute, then the original
//! record exactly as the file had it (pretty-printed, always as text).

use crate::case::annotations::{STANDARD_TAGS, TAG_BENIGN, TAG_MALICIOUS, TAG_NEEDS_REVIEW};
use crate::case::{EventAnnotation, EventChange};
use crate::detect::{Indicator, IndicatorKind};
use crate::model::{attr, format_utc};
use crate::store::EventStore;
use crate::ui::format::evidence_text;
use crate::ui::originals::Originals;
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties)]
pub struct DetailProps {
    pub store: Rc<RefCell<EventStore>>,
    /// The opened files, to read the original record back from.
    pub originals: Originals,
    pub generation: u64,
    pub row: u32,
    pub on_close: Callback<()>,
    /// Mark a value of this event as an indicator of the attacker.
    pub on_mark: Callback<Indicator>,
    /// Values the analyst marked (indicators and suspect accounts).
    pub marked: Rc<Vec<String>>,
    /// The analyst's bookmark, tags and note on this event.
    pub annotation: Option<EventAnnotation>,
    pub on_annotate: Callback<EventChange>,
}

/// A cell that lives as long as the component.
#[hook]
fn use_mut_ref_cell(initial: u64) -> Rc<std::cell::Cell<u64>> {
    (*use_memo((), move |_| Rc::new(std::cell::Cell::new(initial)))).clone()
}

impl PartialEq for DetailProps {
    fn eq(&self, other: &Self) -> bool {
        self.generation == other.generation && self.row == other.row && self.marked == other.marked && self.annotation == other.annotation
    }
}

fn tag_label(tag: &str) -> &'static str {
    match tag {
        TAG_MALICIOUS => "Malicious",
        TAG_BENIGN => "Benign",
        TAG_NEEDS_REVIEW => "Needs review",
        _ => "",
    }
}

#[derive(Properties, PartialEq)]
struct AnnotateProps {
    /// Which event: a new row resets the editors.
    row: u32,
    annotation: EventAnnotation,
    on_annotate: Callback<EventChange>,
}

/// Bookmark, the standard tags, free tags and a note for one event.
#[function_component(Annotate)]
fn annotate(props: &AnnotateProps) -> Html {
    let a = &props.annotation;
    let new_tag = use_state(String::new);
    let note_ref = use_node_ref();
    let bookmark = {
        let (on, on_annotate) = (a.bookmarked, props.on_annotate.clone());
        Callback::from(move |_: MouseEvent| on_annotate.emit(EventChange::SetBookmark(!on)))
    };
    let toggle = |tag: &'static str| {
        let (has, on_annotate) = (a.has_tag(tag), props.on_annotate.clone());
        Callback::from(move |_: MouseEvent| on_annotate.emit(if has { EventChange::RemoveTag(tag.into()) } else { EventChange::AddTag(tag.into()) }))
    };
    let add_tag = {
        let (new_tag, on_annotate) = (new_tag.clone(), props.on_annotate.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if !new_tag.trim().is_empty() {
                on_annotate.emit(EventChange::AddTag((*new_tag).clone()));
                new_tag.set(String::new());
            }
        })
    };
    let on_tag_input = {
        let new_tag = new_tag.clone();
        Callback::from(move |e: InputEvent| new_tag.set(e.target_unchecked_into::<web_sys::HtmlInputElement>().value()))
    };
    // The note is saved when the field loses focus, not on every key.
    let save_note = {
        let (on_annotate, saved) = (props.on_annotate.clone(), a.note.clone());
        Callback::from(move |e: FocusEvent| {
            let note = e.target_unchecked_into::<web_sys::HtmlTextAreaElement>().value();
            if note != saved {
                on_annotate.emit(EventChange::SetNote(note));
            }
        })
    };
    {
        // Show the stored note when another event is opened.
        let (note_ref, note) = (note_ref.clone(), a.note.clone());
        use_effect_with((props.row, note), move |(_, note)| {
            if let Some(el) = note_ref.cast::<web_sys::HtmlTextAreaElement>() {
                el.set_value(note);
            }
        });
    }
    let free: Vec<&String> = a.tags.iter().filter(|t| !STANDARD_TAGS.contains(&t.as_str())).collect();
    html! {
        <div class="annotate" data-testid="annotate">
            <div class="tag-buttons" role="group" aria-label="Bookmark and tags">
                <button data-testid="bookmark" aria-pressed={a.bookmarked.to_string()} onclick={bookmark} title="Bookmark (b)">
                    { if a.bookmarked { "★ Bookmarked" } else { "☆ Bookmark" } }</button>
                { for STANDARD_TAGS.iter().map(|&tag| html! {
                    <button data-testid={format!("tag-{tag}")} class={format!("tag-{tag}")} aria-pressed={a.has_tag(tag).to_string()} onclick={toggle(tag)}>{ tag_label(tag) }</button>
                }) }
            </div>
            <div class="free-tags">
                { for free.into_iter().map(|tag| {
                    let (on_annotate, remove) = (props.on_annotate.clone(), tag.clone());
                    let onclick = Callback::from(move |_: MouseEvent| on_annotate.emit(EventChange::RemoveTag(remove.clone())));
                    html! { <span class="tag-chip" data-testid="tag-chip">{ tag }<button {onclick} aria-label={format!("Remove tag {tag}")}>{ "×" }</button></span> }
                }) }
                <form onsubmit={add_tag}>
                    <input data-testid="tag-input" aria-label="Add a tag" placeholder="add tag…" value={(*new_tag).clone()} oninput={on_tag_input} maxlength="40" />
                </form>
            </div>
            <label class="event-note-label">{ "Note on this event" }
                <textarea ref={note_ref} class="event-note" data-testid="event-note" rows="2" onblur={save_note}
                    placeholder="What this event shows (searchable with note:)"></textarea>
            </label>
        </div>
    }
}

/// One line of the field list.
#[derive(Default)]
struct Line {
    label: &'static str,
    value: String,
    /// From an IP database rather than the log.
    enriched: bool,
    /// Says where the line above came from.
    note: bool,
    testid: Option<&'static str>,
}

#[function_component(Detail)]
pub fn detail(props: &DetailProps) -> Html {
    // Records of opened files are read back from the File, asynchronously.
    let read_back = use_state(|| None::<(u32, String)>);
    let read_back_generation = use_mut_ref_cell(props.generation);
    {
        let (store, originals, read_back, generation_cell) = (props.store.clone(), props.originals.clone(), read_back.clone(), read_back_generation.clone());
        use_effect_with((props.row, props.generation), move |&(row, generation)| {
            let target = {
                let store = store.borrow();
                let file = store.file_of(row);
                let reachable = store.file(file).is_some_and(|f| !matches!(f.source.original, crate::ingest::Original::Elsewhere));
                (!reachable && (row as usize) < store.len()).then(|| (file, store.raw_span(row)))
            };
            if let Some((file, span)) = target {
                wasm_bindgen_futures::spawn_local(async move {
                    let text = match originals.read(file, span).await {
                        Ok(bytes) => serde_json::to_string_pretty(&store.borrow().raw_record_from(row, &bytes)).unwrap_or_default(),
                        Err(why) => format!("The original record could not be read: {why}."),
                    };
                    generation_cell.set(generation);
                    read_back.set(Some((row, text)));
                });
            }
            || ()
        });
    }
    let store = props.store.borrow();
    if props.row as usize >= store.len() {
        return html! {};
    }
    let event = store.event(props.row);
    let file = store.file(store.file_of(props.row)).map(|f| f.report.file.clone()).unwrap_or_default();
    let raw = match store.raw_record(props.row) {
        serde_json::Value::Null => match &*read_back {
            Some((row, text)) if *row == props.row && read_back_generation.get() == props.generation => text.clone(),
            _ => "reading the original record from the file…".to_string(),
        },
        value => serde_json::to_string_pretty(&value).unwrap_or_default(),
    };
    // The location the analyst sees: the log's own, or an IP database's
    // answer for the address, always with where it came from.
    let location = store.location(props.row);
    let from_db = location.is_some_and(|l| l.source.is_database());
    let geo = location.and_then(|l| l.geo).map(|(lat, lon)| format!("{lat:.4}, {lon:.4}")).unwrap_or_default();
    let (country, region, city) = location.map(|l| (l.country.to_string(), l.region.to_string(), l.city.to_string())).unwrap_or_default();
    let location_source = location.map(|l| l.source.describe()).unwrap_or_default();
    let network = store.network(props.row);
    let plain = |label: &'static str, value: String| Line { label, value, ..Line::default() };
    let placed = |label: &'static str, value: String| Line { label, value, enriched: from_db, ..Line::default() };
    let fields: Vec<Line> = vec![
        plain("Time (UTC)", format_utc(event.time)),
        plain("Source", event.source.label().to_string()),
        plain("Operation", event.operation.clone()),
        plain("Actor", event.actor.clone()),
        plain("Target", event.target.clone()),
        plain("IP address", event.ip.clone()),
        placed("Country", country),
        // A log's region is already among the attributes below.
        placed("Region", if from_db { region } else { String::new() }),
        placed("City", city),
        placed("Coordinates", geo),
        Line { label: "Location source", value: location_source, enriched: from_db, note: true, testid: Some("location-source") },
        Line {
            label: "Network",
            value: network.map(|n| format!("AS{} {}", n.asn, n.org).trim_end().to_string()).unwrap_or_default(),
            enriched: true,
            testid: Some("network"),
            ..Line::default()
        },
        Line { label: "Network source", value: network.map(|n| format!("from {}", n.source)).unwrap_or_default(), enriched: true, note: true, testid: Some("network-source") },
        plain("Outcome", event.outcome.key().to_string()),
        plain("User agent", event.user_agent.clone()),
        plain("App", event.app.clone()),
        plain("Record id", event.record_id.clone()),
        plain("File", format!("{file}, line {}", event.line)),
    ];
    let is_marked = |value: &str| !value.is_empty() && props.marked.iter().any(|m| m.eq_ignore_ascii_case(value.trim()));
    let ioc = |value: &str| is_marked(value).then_some("ioc");
    let close = props.on_close.reform(|_: MouseEvent| ());
    let app_id = event.attr(attr::APP_ID).map(str::to_string).unwrap_or_else(|| event.app.clone());
    let markable: Vec<(IndicatorKind, &str, String)> = [
        (IndicatorKind::Ip, "Mark IP", event.ip.clone()),
        (IndicatorKind::UserAgent, "Mark user agent", event.user_agent.clone()),
        (IndicatorKind::AppId, "Mark app", app_id),
        (IndicatorKind::Account, "Mark account as suspect", event.actor.clone()),
    ]
    .into_iter()
    .filter(|(_, _, v)| !v.is_empty())
    .collect();
    let note = format!("marked from {} at {}", event.operation, format_utc(event.time));
    html! {
        <section class="detail" data-testid="detail" aria-label="Event detail">
            <header>
                <h2>{ evidence_text(&format!("{} · {}", event.operation, event.actor)) }</h2>
                <button class="close" onclick={close} aria-label="Close detail">{ "×" }</button>
            </header>
            <dl class="fields">
                { for fields.into_iter().filter(|f| !f.value.is_empty()).map(|f| html! {
                    <><dt>{ f.label }</dt><dd class={classes!(f.enriched.then_some("enriched"), f.note.then_some("source-note"), ioc(&f.value))} data-testid={f.testid}>{ evidence_text(&f.value) }</dd></>
                }) }
                { for event.attrs.iter().map(|(k, v)| html! { <><dt class="attr">{ evidence_text(k) }</dt><dd class={classes!(ioc(v))}>{ evidence_text(v) }</dd></> }) }
            </dl>
            <Annotate row={props.row} annotation={props.annotation.clone().unwrap_or_default()} on_annotate={props.on_annotate.clone()} />
            <div class="mark" data-testid="mark">
                { for markable.into_iter().map(|(kind, label, value)| {
                    if is_marked(&value) {
                        return html! { <button disabled=true class="ioc" title={evidence_text(&value)}>{ format!("{label}: marked") }</button> };
                    }
                    let (on_mark, note, shown) = (props.on_mark.clone(), note.clone(), evidence_text(&value));
                    let onclick = Callback::from(move |_: MouseEvent| on_mark.emit(Indicator::new(kind, value.clone(), note.clone())));
                    html! { <button {onclick} title={shown}>{ label }</button> }
                }) }
            </div>
            <h3>{ "Original record" }</h3>
            <pre class="raw" data-testid="raw-record">{ evidence_text(&raw) }</pre>
        </section>
    }
}
