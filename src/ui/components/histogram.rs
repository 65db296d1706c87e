//! Events over time for the current filter. Dragging across it selects a
//! span, which becomes the query's time range; "Whole range" takes the time
//! range out of the query again.

use crate::model::TimeMs;
use crate::store::Histogram;
use crate::ui::format::{minutes_utc, thousands};
use std::rc::Rc;
use web_sys::Element;
use yew::prelude::*;

const WIDTH: f64 = 1000.0;
const HEIGHT: f64 = 80.0;

#[derive(Properties, PartialEq)]
pub struct HistogramProps {
    pub histogram: Rc<Histogram>,
    pub on_range: Callback<(TimeMs, TimeMs)>,
    /// Whether the applied query limits the time range.
    pub has_range: bool,
    pub on_whole_range: Callback<()>,
}

/// Where the pointer is across the chart, 0.0 to 1.0.
fn fraction(svg: &NodeRef, e: &MouseEvent) -> Option<f64> {
    let rect = svg.cast::<Element>()?.get_bounding_client_rect();
    (rect.width() > 0.0).then(|| ((f64::from(e.client_x()) - rect.left()) / rect.width()).clamp(0.0, 1.0))
}

#[function_component(HistogramChart)]
pub fn histogram_chart(props: &HistogramProps) -> Html {
    let svg = use_node_ref();
    let drag = use_state(|| None::<(f64, f64)>);
    let h = &props.histogram;
    let buckets = h.counts.len().max(1);
    let onmousedown = {
        let (svg, drag) = (svg.clone(), drag.clone());
        Callback::from(move |e: MouseEvent| {
            if let Some(f) = fraction(&svg, &e) {
                e.prevent_default();
                drag.set(Some((f, f)));
            }
        })
    };
    let onmousemove = {
        let (svg, drag) = (svg.clone(), drag.clone());
        Callback::from(move |e: MouseEvent| {
            if let (Some((start, _)), Some(f)) = (*drag, fraction(&svg, &e)) {
                drag.set(Some((start, f)));
            }
        })
    };
    let onmouseup = {
        let (drag, on_range, histogram) = (drag.clone(), props.on_range.clone(), props.histogram.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(selected) = *drag {
                if !histogram.counts.is_empty() {
                    on_range.emit(selected_span(&histogram, selected));
                }
            }
            drag.set(None);
        })
    };
    let onmouseleave = {
        let drag = drag.clone();
        Callback::from(move |_: MouseEvent| drag.set(None))
    };
    let max = f64::from(h.max_count().max(1));
    let bar_width = WIDTH / buckets as f64;
    let bars = h.counts.iter().enumerate().filter(|(_, &c)| c > 0).map(|(i, &count)| {
        let height = (f64::from(count) / max * (HEIGHT - 4.0)).max(1.5);
        let (from, to) = h.bucket_span(i);
        html! {
            <rect class="bar" x={(i as f64 * bar_width).to_string()} y={(HEIGHT - height).to_string()}
                width={(bar_width * 0.9).max(0.5).to_string()} height={height.to_string()}>
                <title>{ format!("{} events, {} – {}", thousands(u64::from(count)), minutes_utc(from), minutes_utc(to)) }</title>
            </rect>
        }
    });
    let selection = drag.map(|(a, b)| {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        html! { <rect class="selection" x={(lo * WIDTH).to_string()} y="0" width={((hi - lo) * WIDTH).max(1.0).to_string()} height={HEIGHT.to_string()} /> }
    });
    let last = h.bucket_span(buckets.saturating_sub(1)).1;
    html! {
        <div class="histogram">
            <svg ref={svg} data-testid="histogram" viewBox={format!("0 0 {WIDTH} {HEIGHT}")} preserveAspectRatio="none"
                role="img" aria-label="Events over time; drag to select a time range"
                {onmousedown} {onmousemove} {onmouseup} {onmouseleave}>
                { for bars }
                { for selection }
            </svg>
            if !h.counts.is_empty() || props.has_range {
                <div class="axis">
                    <span>{ if h.counts.is_empty() { String::new() } else { minutes_utc(h.start) } }</span>
                    <span class="hint">{ "drag across the chart to set the time range" }</span>
                    if props.has_range {
                        <button class="whole-range" data-testid="whole-range" onclick={props.on_whole_range.reform(|_: MouseEvent| ())}
                            title="Take the time range out of the filter">{ "Whole range" }</button>
                    }
                    <span>{ if h.counts.is_empty() { String::new() } else { minutes_utc(last) } }</span>
                </div>
            }
        </div>
    }
}

/// The whole buckets a drag from one fraction to another covers.
fn selected_span(h: &Histogram, (a, b): (f64, f64)) -> (TimeMs, TimeMs) {
    let buckets = h.counts.len().max(1);
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    let to_bucket = |f: f64| ((f * buckets as f64).floor() as usize).min(buckets - 1);
    (h.bucket_span(to_bucket(lo)).0, h.bucket_span(to_bucket(hi)).1)
}
