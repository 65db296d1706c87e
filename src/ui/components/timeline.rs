//! The event table. Only the rows in view (plus a margin) are in the DOM; a
//! spacer as tall as all rows keeps the scrollbar honest, so a million events
//! scroll as smoothly as a hundred.

use crate::model::Outcome;
use crate::store::EventStore;
use crate::ui::format::{seconds, thousands};
use std::cell::RefCell;
use std::rc::Rc;
use web_sys::Element;
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
    pub total: usize,
    pub selected: Option<u32>,
    pub on_select: Callback<u32>,
    /// Marked indicator values, lower-cased; cells holding one are highlighted.
    pub marked: Rc<Vec<String>>,
}

impl PartialEq for TimelineProps {
    fn eq(&self, other: &Self) -> bool {
        self.generation == other.generation
            && Rc::ptr_eq(&self.rows, &other.rows)
            && self.total == other.total
            && self.selected == other.selected
            && self.marked == other.marked
    }
}

#[function_component(Timeline)]
pub fn timeline(props: &TimelineProps) -> Html {
    let scroller = use_node_ref();
    let viewport = use_state(|| (0i32, 560i32)); // (scroll top, height)
    {
        // A new result set starts at its top.
        let (scroller, viewport) = (scroller.clone(), viewport.clone());
        use_effect_with(Rc::as_ptr(&props.rows) as usize, move |_| {
            if let Some(el) = scroller.cast::<Element>() {
                el.set_scroll_top(0);
                viewport.set((0, el.client_height().max(ROW_HEIGHT)));
            }
        });
    }
    let onscroll = {
        let viewport = viewport.clone();
        Callback::from(move |e: Event| {
            let el: Element = e.target_unchecked_into();
            viewport.set((el.scroll_top(), el.client_height().max(ROW_HEIGHT)));
        })
    };
    let (top, height) = *viewport;
    let count = props.rows.len() as i32;
    let first = (top / ROW_HEIGHT - OVERSCAN).max(0);
    let last = ((top + height) / ROW_HEIGHT + OVERSCAN).min(count);
    let store = props.store.borrow();
    let ioc = |value: &str| (!value.is_empty() && props.marked.iter().any(|m| m.eq_ignore_ascii_case(value))).then_some("ioc");
    let visible = (first..last).filter_map(|i| props.rows.get(i as usize).map(|&row| (i, row))).map(|(i, row)| {
        let outcome = store.outcome(row);
        let onclick = props.on_select.reform(move |_: MouseEvent| row);
        html! {
            <div key={row} data-testid="row" role="row" onclick={onclick}
                class={classes!("tl-row", (props.selected == Some(row)).then_some("selected"), (i % 2 == 1).then_some("odd"))}
                style={format!("top:{}px", i * ROW_HEIGHT)}>
                <span class="c-time">{ seconds(store.time(row)) }</span>
                <span class="c-source">{ store.source(row).key() }</span>
                <span class="c-op" title={store.operation(row).to_string()}>{ store.operation(row) }</span>
                <span class={classes!("c-actor", ioc(store.actor(row)))} title={store.actor(row).to_string()}>{ store.actor(row) }</span>
                <span class="c-target" title={store.target(row).to_string()}>{ store.target(row) }</span>
                <span class={classes!("c-ip", ioc(store.ip(row)))} title={store.ip(row).to_string()}>{ store.ip(row) }</span>
                <span class="c-country">{ store.country(row) }</span>
                <span class={classes!("c-outcome", outcome_class(outcome))}>{ outcome.key() }</span>
                <span class={classes!("c-app", ioc(store.app(row)))} title={store.app(row).to_string()}>{ store.app(row) }</span>
            </div>
        }
    });
    html! {
        <div class="timeline" data-testid="timeline">
            <div class="tl-meta">
                <span data-testid="match-count">{ format!("{} of {} events", thousands(props.rows.len() as u64), thousands(props.total as u64)) }</span>
                <span class="hint">{ "times in UTC" }</span>
            </div>
            <div class="tl-head" role="row">
                <span class="c-time">{ "Time (UTC)" }</span><span class="c-source">{ "Source" }</span><span class="c-op">{ "Operation" }</span>
                <span class="c-actor">{ "Actor" }</span><span class="c-target">{ "Target" }</span><span class="c-ip">{ "IP" }</span>
                <span class="c-country">{ "Ctry" }</span><span class="c-outcome">{ "Outcome" }</span><span class="c-app">{ "App" }</span>
            </div>
            <div class="tl-scroll" ref={scroller} {onscroll} role="grid" aria-rowcount={count.to_string()}>
                <div class="tl-spacer" style={format!("height:{}px", count * ROW_HEIGHT)}>
                    { for visible }
                </div>
            </div>
        </div>
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
