//! The sign-in map beside the histogram: where the filter's sign-ins came
//! from, coloured by outcome, marked addresses ringed, impossible travel as
//! labelled lines. Clicking a place narrows the timeline to it. The marks
//! come from `geo::layout`, as in the report's SVG; every text is a text
//! node or an attribute value, never markup. The map is worked out only
//! while the panel is open, in tasks after the rest (`ui::map_places`);
//! past `ROUTES_DRAWN_APART` routes, the others are one thin path and a
//! list of every route.

use crate::detect::{Context, Finding};
use crate::geo::drawing::{outcome_class, route_title, routes_by_significance};
use crate::geo::world::{countries, HEIGHT, WIDTH};
use crate::geo::{layout, place_query, TravelHops, TravelHopsBuilder};
use crate::store::{parse, EventStore};
use crate::ui::format::evidence_text;
use crate::ui::map_places::{use_signin_map, MapRequest, ShownMap};
use super::show_more::{use_list_limit, ShowMore};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties)]
pub struct SigninMapProps {
    pub store: Rc<RefCell<EventStore>>,
    /// Changes whenever the store does.
    pub generation: u64,
    /// The rows matching the applied query.
    pub rows: Rc<Vec<u32>>,
    pub findings: Rc<Vec<Finding>>,
    /// The context the findings were worked out with (its indicators mark
    /// places, its travel speed judges hops).
    pub context: Context,
    /// The applied query, which a click narrows.
    pub query: AttrValue,
    pub on_open: Callback<String>,
}

/// The store and the row list change as wholes: compared by identity, as
/// the timeline's are (a million row numbers are not compared one by one).
/// `on_open` is left out: the page makes it anew on every redraw, which
/// redrew the map (hundreds of lines and labels) on every click anywhere.
/// What it captures besides the query (the case's marked values) changes
/// the rows or the context, which are compared.
impl PartialEq for SigninMapProps {
    fn eq(&self, other: &Self) -> bool {
        self.generation == other.generation
            && Rc::ptr_eq(&self.store, &other.store)
            && Rc::ptr_eq(&self.rows, &other.rows)
            && Rc::ptr_eq(&self.findings, &other.findings)
            && self.context == other.context
            && self.query == other.query
    }
}

/// Travel findings whose hops are judged in one task: thousands took
/// about 50 ms in wasm as one.
const HOP_FINDINGS_PER_TASK: usize = 256;

/// The country outlines: the same for every map, built once.
fn land() -> Html {
    html! {
        <g class="map-land" aria-hidden="true">
            { for countries().iter().filter(|c| !c.outline.is_empty()).map(|c| html! { <path d={AttrValue::Static(c.outline)} /> }) }
        </g>
    }
}

#[function_component(SigninMapPanel)]
pub fn signin_map_panel(props: &SigninMapProps) -> Html {
    let unfolded = use_state(|| false);
    // The findings' hops change only with the findings, the store or the
    // context; a change of filter rebuilds only the places. They are worked
    // out in tasks of their own once the findings are in, open or not
    // (tens of ms for thousands of travel findings): unfolding the map then
    // costs the places alone. Unfolded before they are ready, the map shows
    // its places first and its lines a task later.
    // Hops go with the store, findings and context they were worked out
    // for: row numbers of another store would draw the wrong lines.
    type HopsFor = (u64, usize, Context);
    let hops = use_state(|| None::<(HopsFor, Rc<TravelHops>)>);
    let wanted: HopsFor = (props.generation, Rc::as_ptr(&props.findings) as usize, props.context.clone());
    {
        let (store, findings, hops) = (props.store.clone(), props.findings.clone(), hops.clone());
        use_effect_with(wanted.clone(), move |wanted| {
            let live = Rc::new(Cell::new(true));
            let (wanted, still) = (wanted.clone(), live.clone());
            wasm_bindgen_futures::spawn_local(async move {
                // A few findings per task; the store is let go between
                // them, and the hops are given up if its rows moved meanwhile
                // (a newer request follows).
                let layout = crate::ui::summary::free(&store).await.row_layout();
                let mut builder = TravelHopsBuilder::default();
                for some in findings.chunks(HOP_FINDINGS_PER_TASK) {
                    crate::ui::yield_now::to_browser().await;
                    let Some(store) = crate::ui::summary::current(&store, layout).await.filter(|_| still.get()) else { return };
                    crate::ui::analysis::timed("sign-in map: travel hops", || builder.add(&store, &wanted.2, some));
                }
                let Some(store) = crate::ui::summary::current(&store, layout).await.filter(|_| still.get()) else { return };
                let worked_out = crate::ui::analysis::timed("sign-in map: travel hops", || builder.finish(&store));
                drop(store);
                hops.set(Some((wanted, Rc::new(worked_out))));
            });
            move || live.set(false)
        });
    }
    let no_hops = use_memo((), |_| TravelHops::default());
    let hops: Rc<TravelHops> = match &*hops {
        Some((made_for, hops)) if *made_for == wanted => hops.clone(),
        _ => no_hops.clone(),
    };
    // The places follow in tasks of their own (see `map_places`); the last
    // map finished stays meanwhile.
    let row_layout = props.store.try_borrow().map(|s| s.row_layout()).unwrap_or(u64::MAX);
    let marked: Vec<String> = props.context.indicators.iter().map(|i| i.value.clone()).collect();
    let request = MapRequest { rows: props.rows.clone(), layout: row_layout, generation: props.generation, hops, marked };
    let ShownMap { map, current } = use_signin_map(props.store.clone(), request, *unfolded);
    let routes_open = use_state(|| false);
    let (routes_limit, on_more_routes) = use_list_limit();
    let outline = use_memo((), |_| land());
    let on_toggle = {
        let unfolded = unfolded.clone();
        Callback::from(move |e: Event| unfolded.set(e.target_unchecked_into::<web_sys::Element>().has_attribute("open")))
    };
    let drawing = layout(&map);
    let pick = |place: usize| {
        let (map, query, on_open) = (map.clone(), props.query.clone(), props.on_open.clone());
        move || {
            if let Some(p) = map.places.get(place) {
                on_open.emit(place_query(&parse(&query).unwrap_or_default(), p));
            }
        }
    };
    let summary = match (map.is_empty(), current) {
        (true, false) => "Working out the places…".to_string(),
        (true, true) => "No sign-in in this filter has a place.".to_string(),
        (false, _) => {
            let unplaced = if map.unplaced > 0 { format!("; {} sign-in(s) without a place", map.unplaced) } else { String::new() };
            let routes = match drawing.other_route_count {
                0 => format!("{} impossible-travel route(s)", map.lines.len()),
                more => format!("{} impossible-travel route(s), the {} most significant labelled, {more} more drawn thin (all listed below the map)", map.lines.len(), drawing.lines.len()),
            };
            let updating = if current { "" } else { " Updating…" };
            format!("{} place(s), {routes}{unplaced}. Click a place to filter the timeline to it.{updating}", map.places.len())
        }
    };
    let on_routes_toggle = {
        let routes_open = routes_open.clone();
        Callback::from(move |e: Event| routes_open.set(e.target_unchecked_into::<web_sys::Element>().has_attribute("open")))
    };
    html! {
        <details class="map-panel" data-testid="map-panel" open={*unfolded} ontoggle={on_toggle}>
            <summary>{ "Sign-in map" }</summary>
            if *unfolded {
                <p class="hint" data-testid="map-summary" aria-busy={(!current).then_some("true")}>{ evidence_text(&summary) }</p>
                <svg class="signin-map" data-testid="map" viewBox={format!("0 0 {WIDTH} {HEIGHT}")} role="img" aria-label="Sign-ins by place">
                    <rect class="map-sea" width={WIDTH.to_string()} height={HEIGHT.to_string()} />
                    { (*outline).clone() }
                    if !drawing.other_routes.is_empty() {
                        <path class="map-travel-other" data-testid="map-travel-other" d={drawing.other_routes.clone()}>
                            <title>{ format!("{} more impossible-travel route(s), listed below the map", drawing.other_route_count) }</title>
                        </path>
                    }
                    { for drawing.lines.iter().map(|l| html! {
                        <line class="map-travel" data-testid="map-travel" x1={format!("{:.1}", l.x1)} y1={format!("{:.1}", l.y1)} x2={format!("{:.1}", l.x2)} y2={format!("{:.1}", l.y2)}>
                            <title>{ evidence_text(&l.title) }</title>
                        </line>
                    }) }
                    { for drawing.points.iter().map(|p| {
                        let click = pick(p.place);
                        let key = pick(p.place);
                        let onclick = Callback::from(move |_: MouseEvent| click());
                        let onkeydown = Callback::from(move |e: KeyboardEvent| if e.key() == "Enter" || e.key() == " " {
                            e.prevent_default();
                            key();
                        });
                        html! {
                            <circle class={classes!("map-point", outcome_class(p.outcome), p.failure_ring.then_some("ring"), p.marked.then_some("marked"))}
                                data-testid="map-point" data-country={p.country.clone()} data-place={p.label.clone()}
                                cx={format!("{:.1}", p.x)} cy={format!("{:.1}", p.y)} r={format!("{:.1}", p.r)}
                                tabindex="0" role="button" aria-label={p.label.clone()} {onclick} {onkeydown}>
                                <title>{ evidence_text(&p.title) }</title>
                            </circle>
                        }
                    }) }
                    { for drawing.lines.iter().map(|l| html! {
                        <text class="map-travel-label" data-testid="map-travel-label" x={format!("{:.1}", l.label_x)} y={format!("{:.1}", l.label_y)}>
                            { evidence_text(&l.label) }
                        </text>
                    }) }
                </svg>
                <ul class="map-legend" aria-label="Map key">
                    <li><span class="swatch success"></span>{ "mostly succeeded" }</li>
                    <li><span class="swatch failure"></span>{ "mostly failed" }</li>
                    <li><span class="swatch interrupted"></span>{ "mostly interrupted" }</li>
                    <li><span class="swatch success ring"></span>{ "some failed" }</li>
                    <li><span class="swatch marked"></span>{ "marked indicator address" }</li>
                    <li><span class="swatch travel"></span>{ "impossible travel" }</li>
                    <li>{ "size: number of sign-ins" }</li>
                </ul>
                if !map.lines.is_empty() {
                    // Every route as text, made only while unfolded, a page at a time (hundreds of items).
                    <details class="map-routes" data-testid="map-routes" open={*routes_open} ontoggle={on_routes_toggle}>
                        <summary>{ format!("Every impossible-travel route ({}), most significant first", map.lines.len()) }</summary>
                        if *routes_open {
                            <ol>
                                { for routes_by_significance(&map).into_iter().take(routes_limit).filter_map(|i| map.lines.get(i)).filter_map(|line| route_title(&map, line)).map(|title| html! {
                                    <li data-testid="map-route">{ evidence_text(&title) }</li>
                                }) }
                            </ol>
                            <ShowMore hidden={map.lines.len().saturating_sub(routes_limit)} on_more={on_more_routes} testid="map-routes-more" />
                        }
                    </details>
                }
            }
        </details>
    }
}
