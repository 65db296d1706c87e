//! One event in full: every normalised field and attribute, then the original
//! record exactly as the file had it (pretty-printed, always as text).

use crate::detect::{Indicator, IndicatorKind};
use crate::model::{attr, format_utc};
use crate::store::EventStore;
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties)]
pub struct DetailProps {
    pub store: Rc<RefCell<EventStore>>,
    pub generation: u64,
    pub row: u32,
    pub on_close: Callback<()>,
    /// Mark a value of this event as an indicator of the attacker.
    pub on_mark: Callback<Indicator>,
    /// Values the analyst marked (indicators and suspect accounts).
    pub marked: Rc<Vec<String>>,
}

impl PartialEq for DetailProps {
    fn eq(&self, other: &Self) -> bool {
        self.generation == other.generation && self.row == other.row && self.marked == other.marked
    }
}

#[function_component(Detail)]
pub fn detail(props: &DetailProps) -> Html {
    let store = props.store.borrow();
    if props.row as usize >= store.len() {
        return html! {};
    }
    let event = store.event(props.row);
    let file = store.file(store.file_of(props.row)).map(|f| f.report.file.clone()).unwrap_or_default();
    let raw = serde_json::to_string_pretty(&store.raw_record(props.row)).unwrap_or_default();
    let geo = event.geo.map(|(lat, lon)| format!("{lat:.4}, {lon:.4}")).unwrap_or_default();
    let fields: Vec<(&str, String)> = vec![
        ("Time (UTC)", format_utc(event.time)),
        ("Source", event.source.label().to_string()),
        ("Operation", event.operation.clone()),
        ("Actor", event.actor.clone()),
        ("Target", event.target.clone()),
        ("IP address", event.ip.clone()),
        ("Country", event.country.clone()),
        ("City", event.city.clone()),
        ("Coordinates", geo),
        ("Outcome", event.outcome.key().to_string()),
        ("User agent", event.user_agent.clone()),
        ("App", event.app.clone()),
        ("Record id", event.record_id.clone()),
        ("File", format!("{file}, line {}", event.line)),
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
                <h2>{ format!("{} · {}", event.operation, event.actor) }</h2>
                <button class="close" onclick={close} aria-label="Close detail">{ "×" }</button>
            </header>
            <dl class="fields">
                { for fields.into_iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| html! { <><dt>{ k }</dt><dd class={classes!(ioc(&v))}>{ v }</dd></> }) }
                { for event.attrs.iter().map(|(k, v)| html! { <><dt class="attr">{ k }</dt><dd class={classes!(ioc(v))}>{ v }</dd></> }) }
            </dl>
            <div class="mark" data-testid="mark">
                { for markable.into_iter().map(|(kind, label, value)| {
                    if is_marked(&value) {
                        return html! { <button disabled=true class="ioc" title={value.clone()}>{ format!("{label}: marked") }</button> };
                    }
                    let (on_mark, note, shown) = (props.on_mark.clone(), note.clone(), value.clone());
                    let onclick = Callback::from(move |_: MouseEvent| on_mark.emit(Indicator::new(kind, value.clone(), note.clone())));
                    html! { <button {onclick} title={shown}>{ label }</button> }
                }) }
            </div>
            <h3>{ "Original record" }</h3>
            <pre class="raw" data-testid="raw-record">{ raw }</pre>
        </section>
    }
}
