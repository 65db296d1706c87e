//! Events over time for the current filter, each bar stacked by the log its
//! events came from, with the case's compromise window, the containment
//! time and the findings marked along the same time axis. Dragging across
//! the bars selects a span, which becomes the query's time range; "Whole
//! range" takes the time range out of the query again.

use crate::detect::{Finding, Severity};
use crate::model::{Source, TimeMs};
use crate::store::{Histogram, Scale};
use crate::ui::components::findings_panel::severity_class;
use crate::ui::format::{minutes_utc, thousands};
use std::collections::BTreeMap;
use std::rc::Rc;
use web_sys::{Element, HtmlInputElement};
use yew::prelude::*;

/// Finding markers: one per this many columns across the chart at most.
const MARK_COLUMNS: usize = 250;
const WIDTH: f64 = 1000.0;
const HEIGHT: f64 = 80.0;
/// Room left above the tallest bar.
const HEADROOM: f64 = 4.0;
/// A bucket with any events stays visible however tall the tallest is.
const MIN_BAR: f64 = 1.5;
/// Height of the strip above the bars that holds the finding markers.
const MARKS_HEIGHT: f64 = 12.0;

#[derive(Properties, PartialEq)]
pub struct HistogramProps {
    pub histogram: Rc<Histogram>,
    pub on_range: Callback<(TimeMs, TimeMs)>,
    /// Whether the applied query limits the time range.
    pub has_range: bool,
    pub on_whole_range: Callback<()>,
    /// Marked at their first evidence time, where that falls in the chart.
    pub findings: Rc<Vec<Finding>>,
    /// The case's compromise window (start and end, inclusive), shaded.
    pub window: Option<(TimeMs, TimeMs)>,
    /// When the sessions were revoked, drawn as a line.
    pub containment: Option<TimeMs>,
    /// Applies a finding's query when its marker is chosen.
    pub on_open: Callback<String>,
}

/// Where the pointer is across the chart, 0.0 to 1.0.
fn fraction(svg: &NodeRef, e: &MouseEvent) -> Option<f64> {
    let rect = svg.cast::<Element>()?.get_bounding_client_rect();
    (rect.width() > 0.0).then(|| ((f64::from(e.client_x()) - rect.left()) / rect.width()).clamp(0.0, 1.0))
}

/// CSS class giving a source its colour (`www/style.css`, "histogram by source").
fn source_class(source: Source) -> &'static str {
    match source {
        Source::SignIn => "src-signin",
        Source::DirectoryAudit => "src-audit",
        Source::UnifiedAudit => "src-ual",
        Source::AzureActivity => "src-azure",
        Source::CloudTrail => "src-cloudtrail",
        Source::GcpAudit => "src-gcp",
        Source::GraphActivity => "src-graph",
        Source::MessageTrace => "src-trace",
        Source::RiskDetection => "src-risk",
    }
}

#[function_component(HistogramChart)]
pub fn histogram_chart(props: &HistogramProps) -> Html {
    let svg = use_node_ref();
    let drag = use_state(|| None::<(f64, f64)>);
    let scale = use_state(Scale::default);
    let h = &props.histogram;
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
    let on_scale = {
        let scale = scale.clone();
        Callback::from(move |e: Event| {
            let log = e.target_dyn_into::<HtmlInputElement>().is_some_and(|input| input.checked());
            scale.set(if log { Scale::Log } else { Scale::Linear });
        })
    };
    let selection = drag.map(|(a, b)| {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        html! { <rect class="selection" x={(lo * WIDTH).to_string()} y="0" width={((hi - lo) * WIDTH).max(1.0).to_string()} height={HEIGHT.to_string()} /> }
    });
    let span = h.span();
    let sources = h.source_totals();
    html! {
        <div class="histogram">
            if !sources.is_empty() {
                <FindingMarks histogram={h.clone()} findings={props.findings.clone()} on_open={props.on_open.clone()} />
            }
            <svg ref={svg} data-testid="histogram" viewBox={format!("0 0 {WIDTH} {HEIGHT}")} preserveAspectRatio="none"
                role="img" aria-label="Events over time by log; drag to select a time range"
                {onmousedown} {onmousemove} {onmouseup} {onmouseleave}>
                <title>{ "Drag across the chart to set the time range" }</title>
                { compromise_window(h, props.window) }
                { for bars(h, *scale) }
                { containment(h, props.containment) }
                { for selection }
            </svg>
            if !h.counts.is_empty() || props.has_range {
                <div class="axis">
                    <span>{ span.map(|(start, _)| minutes_utc(start)).unwrap_or_default() }</span>
                    // The legend sits in the axis line, scrolling sideways when
                    // there are many logs, so the chart takes no extra height
                    // from the timeline below it.
                    <ul class="histogram-legend" data-testid="histogram-legend" aria-label="Events by log">
                        { for sources.iter().map(|&(source, n)| html! {
                            <li class="source">
                                <span class={classes!("swatch", source_class(source))} aria-hidden="true"></span>
                                { source.label() }<span class="n">{ thousands(n) }</span>
                            </li>
                        }) }
                    </ul>
                    if !sources.is_empty() {
                        <label class="log-scale" title="Bar heights by the logarithm of the count, so quiet periods show beside a burst">
                            <input type="checkbox" data-testid="histogram-log" checked={*scale == Scale::Log} onchange={on_scale} />
                            { "log scale" }
                        </label>
                    }
                    if props.has_range {
                        <button class="whole-range" data-testid="whole-range" onclick={props.on_whole_range.reform(|_: MouseEvent| ())}
                            title="Take the time range out of the filter">{ "Whole range" }</button>
                    }
                    <span>{ span.map(|(_, end)| minutes_utc(end)).unwrap_or_default() }</span>
                </div>
            }
        </div>
    }
}

/// One stack per bucket with events: the bar's height follows the total on
/// `scale`, and the sources share it in proportion to their counts, so the
/// segments add up to the bar on either scale.
fn bars(h: &Histogram, scale: Scale) -> impl Iterator<Item = Html> + '_ {
    let max = h.max_count();
    let bar_width = WIDTH / h.counts.len().max(1) as f64;
    h.counts.iter().enumerate().filter(|(_, &c)| c > 0).map(move |(i, &count)| {
        let height = (scale.fraction(count, max) * (HEIGHT - HEADROOM)).max(MIN_BAR);
        let x = (i as f64 * bar_width).to_string();
        let width = (bar_width * 0.9).max(0.5).to_string();
        let segments = h.segments(i).map(|(source, from, to)| {
            html! {
                <rect class={classes!("bar", source_class(source))} x={x.clone()} y={(HEIGHT - to * height).to_string()}
                    width={width.clone()} height={((to - from) * height).to_string()} />
            }
        });
        html! {
            <g class="stack">
                <title>{ stack_title(h, i) }</title>
                { for segments }
            </g>
        }
    })
}

/// "1,204 events, 09:00 – 09:15 UTC: Entra sign-in log 1,180, Unified Audit Log 24".
fn stack_title(h: &Histogram, i: usize) -> String {
    let (from, to) = h.bucket_span(i);
    let count = h.counts.get(i).copied().unwrap_or(0);
    let split: Vec<String> = h
        .by_source
        .get(i)
        .into_iter()
        .flat_map(|split| Source::ALL.into_iter().zip(split))
        .filter(|&(_, &n)| n > 0)
        .map(|(source, &n)| format!("{} {}", source.label(), thousands(u64::from(n))))
        .collect();
    format!("{} events, {} – {}: {}", thousands(u64::from(count)), minutes_utc(from), minutes_utc(to), split.join(", "))
}

/// The part of the compromise window inside the chart, shaded behind the bars.
fn compromise_window(h: &Histogram, window: Option<(TimeMs, TimeMs)>) -> Html {
    let (Some((start, end)), Some((first, last))) = (window, h.span()) else {
        return Html::default();
    };
    if end < first || start > last {
        return Html::default();
    }
    let from = h.position(start.max(first)).unwrap_or(0.0) * WIDTH;
    let to = h.position(end.min(last)).unwrap_or(1.0) * WIDTH;
    html! {
        <rect class="window" data-testid="histogram-window" x={from.to_string()} y="0"
            width={(to - from).max(1.0).to_string()} height={HEIGHT.to_string()}>
            <title>{ format!("Compromise window: {} – {}", minutes_utc(start), minutes_utc(end)) }</title>
        </rect>
    }
}

/// A line at the containment time, when it falls inside the chart. The wide
/// transparent strip behind it is what the pointer finds for the title.
fn containment(h: &Histogram, at: Option<TimeMs>) -> Html {
    let Some(x) = at.and_then(|t| h.position(t)).map(|f| f * WIDTH) else {
        return Html::default();
    };
    let at = at.unwrap_or_default();
    html! {
        <g class="containment" data-testid="histogram-containment">
            <title>{ format!("Containment (sessions revoked): {}", minutes_utc(at)) }</title>
            <rect class="hit" x={(x - 4.0).to_string()} y="0" width="8" height={HEIGHT.to_string()} />
            <line x1={x.to_string()} x2={x.to_string()} y1="0" y2={HEIGHT.to_string()} />
        </g>
    }
}

#[derive(Properties, PartialEq)]
struct FindingMarksProps {
    histogram: Rc<Histogram>,
    findings: Rc<Vec<Finding>>,
    on_open: Callback<String>,
}

/// A strip above the bars with a marker at each finding's first evidence
/// time; choosing one applies the finding's query. Apart from the bars so
/// that a click on a marker is never taken for the start of a drag.
#[function_component(FindingMarks)]
fn finding_marks(props: &FindingMarksProps) -> Html {
    let h = &props.histogram;
    // One marker per column of the strip, for its most severe finding (the
    // earliest among equals): thousands of findings stay a few hundred
    // shapes to draw, and the one a click opens is the one that matters.
    let mut columns: BTreeMap<usize, (&Finding, usize)> = BTreeMap::new();
    for finding in props.findings.iter() {
        let Some(at) = h.position(finding.first) else { continue };
        let column = ((at * MARK_COLUMNS as f64) as usize).min(MARK_COLUMNS - 1);
        let entry = columns.entry(column).or_insert((finding, 0));
        entry.1 += 1;
        if (finding.severity, std::cmp::Reverse(finding.first)) > (entry.0.severity, std::cmp::Reverse(entry.0.first)) {
            entry.0 = finding;
        }
    }
    let mut placed: Vec<(&Finding, usize, f64)> =
        columns.into_iter().map(|(column, (finding, count))| (finding, count, (column as f64 + 0.5) / MARK_COLUMNS as f64 * WIDTH)).collect();
    // Later markers are drawn over earlier ones: where columns crowd
    // together, the most severe stays on top and clickable.
    placed.sort_by_key(|(finding, _, _)| finding.severity);
    let marks = placed.into_iter().map(|(finding, count, x)| {
        let mut label = format!("{}: {} ({})", finding.severity.label(), finding.title, minutes_utc(finding.first));
        if count > 1 {
            label.push_str(&format!(" · {} more here", count - 1));
        }
        let open = {
            let (on_open, query) = (props.on_open.clone(), finding.query.clone());
            move || on_open.emit(query.clone())
        };
        let onclick = {
            let open = open.clone();
            Callback::from(move |_: MouseEvent| open())
        };
        let onkeydown = Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                open();
            }
        });
        // Out of the Tab order (tabindex -1): the findings list opens the same
        // queries from the keyboard, and an incident's hundred markers would
        // be a hundred Tab presses on the way to the timeline.
        // Critical findings get a larger marker as well as their own colour.
        let half = if finding.severity == Severity::Critical { 5.5 } else { 4.0 };
        let d = format!("M{:.1} 1L{:.1} 1L{:.1} {}Z", x - half, x + half, x, MARKS_HEIGHT - 1.0);
        html! {
            <path class={classes!("finding-mark", severity_class(finding.severity))} data-testid="histogram-finding" {d}
                role="button" tabindex="-1" aria-label={label.clone()} {onclick} {onkeydown}>
                <title>{ label }</title>
            </path>
        }
    });
    html! {
        <svg class="finding-marks" viewBox={format!("0 0 {WIDTH} {MARKS_HEIGHT}")} preserveAspectRatio="none" aria-label="Findings by first evidence time">
            { for marks }
        </svg>
    }
}

/// The whole buckets a drag from one fraction to another covers.
fn selected_span(h: &Histogram, (a, b): (f64, f64)) -> (TimeMs, TimeMs) {
    let buckets = h.counts.len().max(1);
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    let to_bucket = |f: f64| ((f * buckets as f64).floor() as usize).min(buckets - 1);
    (h.bucket_span(to_bucket(lo)).0, h.bucket_span(to_bucket(hi)).1)
}
