//! The event table. Only the rows in view (plus a margin) are in the DOM; a
//! spacer as tall as all rows keeps the scrollbar honest, so a million events
//! scroll as smoothly as a hundred. The spacer's height and the offset of the
//! drawn rows are set through the CSS object model after each render, not
//! with style attributes, so the page's CSP can refuse inline styles.

use crate::case::annotations::{TAG_BENIGN, TAG_MALICIOUS, TAG_NEEDS_REVIEW};
use crate::model::Outcome;
use crate::store::{EventStore, RowAnnotation};
use std::collections::BTreeMap;
use crate::ui::format::{evidence_text, seconds, thousands};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};
use yew::prelude::*;

/// Must match `.tl-row` height in style.css.
pub const ROW_HEIGHT: i32 = 28;
/// Rows drawn above and below the visible ones.
const OVERSCAN: i32 = 12;

#[derive(Properties)]
pub struct TimelineProps {
    pub store: Rc<RefCell<EventStore>>,
    /// Changes whenever the store does.
    pub generation: u64,
    pub rows: Rc<Vec<u32>>,
    /// The query the rows answer: a new one starts the table at its top
    /// (rows arriving from a file still loading do not).
    pub query: AttrValue,
    pub total: usize,
    pub selected: Option<u32>,
    pub on_select: Callback<u32>,
    /// Marked indicator values, lower-cased; cells holding one are highlighted.
    pub marked: Rc<Vec<String>>,
    /// The analyst's bookmarks and tags, by row, shown in the first column.
    pub annotations: Rc<BTreeMap<u32, RowAnnotation>>,
}

impl PartialEq for TimelineProps {
    fn eq(&self, other: &Self) -> bool {
        self.generation == other.generation
            && Rc::ptr_eq(&self.rows, &other.rows)
            && self.query == other.query
            && self.total == other.total
            && self.selected == other.selected
            && self.marked == other.marked
            && Rc::ptr_eq(&self.annotations, &other.annotations)
    }
}

#[function_component(Timeline)]
pub fn timeline(props: &TimelineProps) -> Html {
    let scroller = use_node_ref();
    let spacer = use_node_ref();
    let window = use_node_ref();
    let viewport = use_state(|| (0i32, 560i32)); // (scroll top, height)
    let measure = {
        let (scroller, viewport) = (scroller.clone(), viewport.clone());
        move || {
            if let Some(el) = scroller.cast::<Element>() {
                // Reading the size makes the browser lay the page out now.
                let started = crate::ui::workers::now();
                let next = (el.scroll_top(), el.client_height().max(ROW_HEIGHT));
                crate::ui::analysis::add_to_step("timeline measures its size (layout)", crate::ui::workers::now() - started);
                if next != *viewport {
                    viewport.set(next);
                }
            }
        }
    };
    {
        // A new query starts at its top. Not on every new set of rows: while
        // a file loads they change every few hundred ms, and each reset
        // would throw the analyst back to the top (and force a layout).
        let scroller = scroller.clone();
        use_effect_with(props.query.clone(), move |_| {
            if let Some(el) = scroller.cast::<Element>() {
                el.set_scroll_top(0);
            }
        });
    }
    // The panes around the table (detail, findings, an error line) and the
    // window change its height without a scroll event. A ResizeObserver
    // says so after the browser's own layout; measuring after every render
    // instead forced a layout each time, tens of ms on a busy page.
    {
        let (measure, scroller) = (measure.clone(), scroller.clone());
        use_effect_with((), move |_| {
            let on_resize = Closure::<dyn FnMut()>::new(measure);
            let observer = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()).ok();
            if let (Some(observer), Some(el)) = (&observer, scroller.cast::<Element>()) {
                observer.observe(&el);
            }
            move || {
                if let Some(observer) = observer {
                    observer.disconnect();
                }
                drop(on_resize);
            }
        });
    }
    // Keep the selected row in view, also when the detail pane opening below
    // has just made the table shorter.
    {
        let (scroller, rows) = (scroller.clone(), props.rows.clone());
        use_effect_with(props.selected, move |selected| {
            if let (Some(el), Some(row)) = (scroller.cast::<Element>(), *selected) {
                if let Some(index) = rows.iter().position(|&r| r == row) {
                    reveal(&el, index as i32);
                }
            }
        });
    }
    let onscroll = {
        let measure = measure.clone();
        Callback::from(move |_: Event| measure())
    };
    let onkeydown = {
        let (rows, selected, on_select, scroller) = (props.rows.clone(), props.selected, props.on_select.clone(), scroller.clone());
        Callback::from(move |e: KeyboardEvent| {
            let Some(last) = rows.len().checked_sub(1) else { return };
            let at = selected.and_then(|s| rows.iter().position(|&r| r == s));
            let page = scroller.cast::<Element>().map_or(10, |el| (el.client_height() / ROW_HEIGHT - 1).max(1) as usize);
            let next = match (e.key().as_str(), at) {
                ("ArrowDown", Some(i)) => (i + 1).min(last),
                ("ArrowUp", Some(i)) => i.saturating_sub(1),
                ("PageDown", Some(i)) => (i + page).min(last),
                ("PageUp", Some(i)) => i.saturating_sub(page),
                ("ArrowDown" | "ArrowUp" | "PageDown" | "PageUp", None) | ("Home", _) => 0,
                ("End", _) => last,
                _ => return,
            };
            e.prevent_default();
            if let Some(&row) = rows.get(next) {
                on_select.emit(row);
                if let Some(el) = scroller.cast::<Element>() {
                    reveal(&el, next as i32);
                }
            }
        })
    };
    let (top, height) = *viewport;
    let count = props.rows.len() as i32;
    let first = (top / ROW_HEIGHT - OVERSCAN).clamp(0, count);
    let last = ((top + height) / ROW_HEIGHT + OVERSCAN).clamp(first, count);
    {
        let (spacer, window) = (spacer.clone(), window.clone());
        use_effect_with((count, first), move |&(count, first)| {
            if let Some(el) = spacer.cast::<HtmlElement>() {
                let _ = el.style().set_property("height", &format!("{}px", count * ROW_HEIGHT));
            }
            if let Some(el) = window.cast::<HtmlElement>() {
                let _ = el.style().set_property("transform", &format!("translateY({}px)", first * ROW_HEIGHT));
            }
        });
    }
    let store = props.store.borrow();
    let ioc = |value: &str| (!value.is_empty() && props.marked.iter().any(|m| m.eq_ignore_ascii_case(value))).then_some("ioc");
    let visible = (first..last).filter_map(|i| props.rows.get(i as usize).map(|&row| (i, row))).map(|(i, row)| {
        let outcome = store.outcome(row);
        let onclick = props.on_select.reform(move |_: MouseEvent| row);
        let selected = props.selected == Some(row);
        html! {
            <div key={row} data-testid="row" role="row" aria-selected={selected.to_string()} onclick={onclick}
                class={classes!("tl-row", selected.then_some("selected"), (i % 2 == 1).then_some("odd"))}>
                { mark_cell(props.annotations.get(&row)) }
                <span class="c-time">{ seconds(store.time(row)) }</span>
                <span class="c-source">{ store.source(row).key() }</span>
                <span class="c-op" title={evidence_text(store.operation(row))}>{ evidence_text(store.operation(row)) }</span>
                <span class={classes!("c-actor", ioc(store.actor(row)))} title={evidence_text(store.actor(row))}>{ evidence_text(store.actor(row)) }</span>
                <span class="c-target" title={evidence_text(store.target(row))}>{ evidence_text(store.target(row)) }</span>
                <span class={classes!("c-ip", ioc(store.ip(row)))} title={evidence_text(store.ip(row))}>{ evidence_text(store.ip(row)) }</span>
                { country_cell(&store, row) }
                <span class={classes!("c-outcome", outcome_class(outcome))}>{ outcome.key() }</span>
                <span class={classes!("c-app", ioc(store.app(row)))} title={evidence_text(store.app(row))}>{ evidence_text(store.app(row)) }</span>
            </div>
        }
    });
    let export = |kind: ExportKind| {
        let (store, rows) = (props.store.clone(), props.rows.clone());
        Callback::from(move |_: MouseEvent| {
            let store = store.borrow();
            let events = rows.iter().map(|&r| (store.event(r), store.file(store.file_of(r)).map_or("", |f| f.report.file.as_str())));
            let today = crate::model::format_utc(crate::ui::format::now_ms()).get(..10).unwrap_or("").to_string();
            let (name, mime, text) = match kind {
                ExportKind::Csv => (format!("loupe-timeline-{today}.csv"), "text/csv;charset=utf-8", crate::report::timeline_csv(events)),
                ExportKind::Timesketch => (format!("loupe-timeline-{today}.jsonl"), "application/x-ndjson", crate::report::timesketch_jsonl(events)),
            };
            if let Err(why) = crate::ui::download::save(&name, mime, &text) {
                web_sys::console::warn_1(&format!("export failed: {why}").into());
            }
        })
    };
    html! {
        <div class="timeline" data-testid="timeline">
            <div class="tl-meta">
                <span data-testid="match-count">{ format!("{} of {} events", thousands(props.rows.len() as u64), thousands(props.total as u64)) }</span>
                <span class="hint">{ "times in UTC · click a row, then ↑ ↓ to step through" }</span>
                <span class="exports">
                    <button data-testid="export-csv" onclick={export(ExportKind::Csv)} title="The matching events as CSV (Excel-safe: formulas neutralised, UTF-8 with BOM)">{ "CSV" }</button>
                    <button data-testid="export-jsonl" onclick={export(ExportKind::Timesketch)} title="The matching events as JSON lines Timesketch imports">{ "Timesketch JSONL" }</button>
                </span>
            </div>
            <div class="tl-head" role="row">
                <span class="c-mark" title="Bookmarks and tags">{ "★" }</span><span class="c-time">{ "Time (UTC)" }</span><span class="c-source">{ "Source" }</span><span class="c-op">{ "Operation" }</span>
                <span class="c-actor">{ "Actor" }</span><span class="c-target">{ "Target" }</span><span class="c-ip">{ "IP" }</span>
                <span class="c-country">{ "Ctry" }</span><span class="c-outcome">{ "Outcome" }</span><span class="c-app">{ "App" }</span>
            </div>
            <div class="tl-scroll" ref={scroller} {onscroll} {onkeydown} tabindex="0" role="grid" aria-label="Events" aria-rowcount={count.to_string()}>
                <div class="tl-spacer" ref={spacer}>
                    <div class="tl-window" ref={window}>{ for visible }</div>
                </div>
            </div>
        </div>
    }
}

/// The row's bookmark and tags, as small badges (the title lists them all).
fn mark_cell(annotation: Option<&RowAnnotation>) -> Html {
    let Some(a) = annotation else { return html! { <span class="c-mark" /> } };
    let mut title: Vec<String> = a.tags.clone();
    if a.bookmarked {
        title.insert(0, "bookmarked".into());
    }
    if !a.note.is_empty() {
        title.push(format!("note: {}", a.note));
    }
    // One badge: the verdict-like tag if there is one, else any tag.
    let badge = [(TAG_MALICIOUS, "M", "tag-malicious"), (TAG_BENIGN, "B", "tag-benign"), (TAG_NEEDS_REVIEW, "?", "tag-needs-review")]
        .into_iter()
        .find(|(tag, _, _)| a.tags.iter().any(|t| t == tag))
        .map(|(_, letter, class)| (letter, class))
        .or_else(|| (!a.tags.is_empty() || !a.note.is_empty()).then_some(("#", "tag-other")));
    html! {
        <span class="c-mark" title={title.join(", ")} data-testid="row-mark" aria-label={title.join(", ")}>
            if a.bookmarked { <span class="mark-bookmark">{ "★" }</span> }
            if let Some((letter, class)) = badge { <span class={classes!("tag-badge", class)}>{ letter }</span> }
        </span>
    }
}

/// The row's country: the log's, or an IP database's marked as such (the
/// title says which file).
fn country_cell(store: &EventStore, row: u32) -> Html {
    match store.location(row) {
        Some(l) if l.source.is_database() => {
            let title = format!("{} — {} (not in the log)", [l.city, l.country].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(", "), l.source.describe());
            html! { <span class="c-country enriched" data-testid="country-enriched" title={evidence_text(&title)}>{ evidence_text(l.country) }</span> }
        }
        Some(l) => html! { <span class="c-country">{ evidence_text(l.country) }</span> },
        None => html! { <span class="c-country" /> },
    }
}

/// Scroll the table just enough to show line `index`.
fn reveal(scroller: &Element, index: i32) {
    let top = index * ROW_HEIGHT;
    let height = scroller.client_height();
    let current = scroller.scroll_top();
    if top < current {
        scroller.set_scroll_top(top);
    } else if top + ROW_HEIGHT > current + height {
        scroller.set_scroll_top(top + ROW_HEIGHT - height);
    }
}

fn outcome_class(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Success => "success",
        Outcome::Failure => "failure",
        Outcome::Interrupted => "interrupted",
        Outcome::Unknown => "unknown",
    }
}

/// What the timeline's export buttons write.
#[derive(Clone, Copy)]
enum ExportKind {
    Csv,
    Timesketch,
}
