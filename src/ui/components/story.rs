//! The suspect's story (steps 5 to 10): per suspect account, one drawing
//! with a lane per kind of activity on one time axis, the compromise
//! window shaded and the containment time drawn across. A mark opens its
//! event; an outline says a finding cites an event in it. What goes where is
//! `crate::story`'s; this only draws it, and works it out only while open.

use crate::detect::{Context, Finding};
use crate::model::TimeMs;
use crate::store::EventStore;
use crate::story::{build_cited, suspects, Citations, Frame, Lane, Mark, SuspectStory};
use crate::ui::format::{evidence_text, minutes_utc, plural, thousands};
use chrono::DateTime;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use yew::prelude::*;

/// The drawing's coordinates (it scales to the panel's width).
const WIDTH: f64 = 1000.0;
const LABEL_WIDTH: f64 = 150.0;
const PLOT_WIDTH: f64 = WIDTH - LABEL_WIDTH - 10.0;
const AXIS_HEIGHT: f64 = 18.0;
const LANE_HEIGHT: f64 = 22.0;
const MARK_HEIGHT: f64 = 12.0;
/// Two drawing units per column: marks stay apart at any panel width.
const COLUMNS: u32 = (PLOT_WIDTH / 2.0) as u32;
const TICKS: usize = 6;

#[derive(Properties)]
pub struct StoryProps {
    pub store: Rc<RefCell<EventStore>>,
    pub generation: u64,
    pub context: Context,
    pub incident_start: Option<TimeMs>,
    pub findings: Rc<Vec<Finding>>,
    /// Whether the findings' row numbers are the store's current ones
    /// (the analysis can lag a merge); stale findings mark nothing.
    pub findings_current: bool,
    pub on_select: Callback<u32>,
}

impl PartialEq for StoryProps {
    fn eq(&self, other: &Self) -> bool {
        self.generation == other.generation
            && self.context == other.context
            && self.incident_start == other.incident_start
            && Rc::ptr_eq(&self.findings, &other.findings)
            && self.findings_current == other.findings_current
    }
}

/// One story drawn, with the findings it was built with (a mark names
/// findings by their place in that list).
#[derive(Clone)]
struct Drawn {
    story: Rc<SuspectStory>,
    findings: Rc<Vec<Finding>>,
    findings_current: bool,
}

#[function_component(StoryPanel)]
pub fn story_panel(props: &StoryProps) -> Html {
    let open = use_state(|| false);
    let ontoggle = {
        let open = open.clone();
        Callback::from(move |e: Event| open.set(e.target_unchecked_into::<web_sys::Element>().has_attribute("open")))
    };
    let drawn = use_state(|| Rc::new(Vec::<Drawn>::new()));
    let layout = props.store.try_borrow().map(|s| s.row_layout()).unwrap_or_default();
    {
        // One suspect per task: each story scans the store (a million
        // events: 20-60 ms) and draws hundreds of marks, so building them
        // all in the task that opened the panel held the page for 100-250
        // ms. The first story shows in that task, the next ones after the
        // browser has had its turn, each taking the place of the one drawn
        // before (no flicker); a change meanwhile stops the rest.
        let (store, findings, drawn) = (props.store.clone(), props.findings.clone(), drawn.clone());
        let key = (*open, props.generation, layout, props.context.clone(), props.incident_start, Rc::as_ptr(&props.findings) as usize, props.findings_current);
        use_effect_with(key, move |(open, _, _, context, incident_start, _, current)| {
            let live = Rc::new(Cell::new(true));
            if *open {
                let (live, context, incident_start, current) = (live.clone(), context.clone(), *incident_start, *current);
                let before: Rc<Vec<Drawn>> = (*drawn).clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let frame = Frame::new(&context, incident_start);
                    let cited = Citations::of(if current { &findings[..] } else { &[] });
                    let accounts: Vec<&str> = suspects(&context).collect();
                    let mut stories: Vec<Drawn> = Vec::new();
                    for (i, account) in accounts.iter().enumerate() {
                        let story = {
                            let Ok(store) = store.try_borrow() else { return };
                            build_cited(&store, account, frame, &cited, COLUMNS)
                        };
                        stories.push(Drawn { story: Rc::new(story), findings: findings.clone(), findings_current: current });
                        let last = i + 1 == accounts.len();
                        let shown = if last { stories.clone() } else { stories.iter().chain(before.get(i + 1..accounts.len()).unwrap_or_default()).cloned().collect() };
                        drawn.set(Rc::new(shown));
                        if last {
                            return;
                        }
                        crate::ui::yield_now::to_browser().await;
                        if !live.get() {
                            return;
                        }
                    }
                    drawn.set(Rc::new(stories));
                });
            } else {
                drawn.set(Rc::new(Vec::new()));
            }
            move || live.set(false)
        });
    }
    let suspects = props.context.suspect_accounts.iter().filter(|a| !a.trim().is_empty()).count();
    html! {
        <details class="story-panel" data-testid="story" open={*open} {ontoggle}>
            <summary>{ format!("Suspect story: {}", plural(suspects as u64, "suspect account", "suspect accounts")) }</summary>
            if suspects == 0 {
                <p class="hint">{ "Add a suspect account to the investigation context to see what it did, lane by lane, on one time axis." }</p>
            }
            { for drawn.iter().map(|d| html! {
                <SuspectChart story={d.story.clone()} findings={d.findings.clone()} findings_current={d.findings_current} on_select={props.on_select.clone()} />
            }) }
        </details>
    }
}

#[derive(Properties)]
struct SuspectChartProps {
    story: Rc<SuspectStory>,
    findings: Rc<Vec<Finding>>,
    findings_current: bool,
    on_select: Callback<u32>,
}

/// By identity, and without the callback (as `StoryProps`): a suspect
/// already drawn is not drawn again when the next one is added.
impl PartialEq for SuspectChartProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.story, &other.story) && Rc::ptr_eq(&self.findings, &other.findings) && self.findings_current == other.findings_current
    }
}

#[function_component(SuspectChart)]
fn suspect_chart(props: &SuspectChartProps) -> Html {
    suspect(&props.story, &props.findings, props.findings_current, &props.on_select)
}

/// One suspect's drawing.
fn suspect(story: &SuspectStory, findings: &[Finding], findings_current: bool, on_select: &Callback<u32>) -> Html {
    let axis = story.axis;
    let x = |time: TimeMs| LABEL_WIDTH + axis.fraction(time) * PLOT_WIDTH;
    let height = AXIS_HEIGHT + LANE_HEIGHT * story.lanes.len().max(1) as f64 + 4.0;
    let plot_bottom = height - 4.0;
    let ticks = axis.ticks(TICKS).into_iter().map(|time| {
        let at = x(time);
        html! {
            <g class="story-tick">
                <line x1={at.to_string()} x2={at.to_string()} y1={(AXIS_HEIGHT - 3.0).to_string()} y2={plot_bottom.to_string()} />
                <text x={at.to_string()} y={(AXIS_HEIGHT - 6.0).to_string()} text-anchor="middle">{ tick_label(time) }</text>
            </g>
        }
    });
    let window = story.window.map(|(start, end)| {
        html! {
            <rect class="story-window" x={x(start).to_string()} y={AXIS_HEIGHT.to_string()} width={(x(end) - x(start)).max(1.0).to_string()} height={(plot_bottom - AXIS_HEIGHT).to_string()}>
                <title>{ format!("Compromise window: {} to {}", minutes_utc(start), minutes_utc(end)) }</title>
            </rect>
        }
    });
    let containment = story.containment.filter(|&c| (axis.start..=axis.end).contains(&c)).map(|c| {
        html! {
            <line class="story-containment" x1={x(c).to_string()} x2={x(c).to_string()} y1={(AXIS_HEIGHT - 3.0).to_string()} y2={plot_bottom.to_string()}>
                <title>{ format!("Containment: {}", minutes_utc(c)) }</title>
            </line>
        }
    });
    let lanes = story.lanes.iter().enumerate().map(|(i, (lane, marks))| {
        let top = AXIS_HEIGHT + LANE_HEIGHT * i as f64;
        let middle = top + LANE_HEIGHT / 2.0;
        html! {
            <g class="story-lane" data-lane={lane.key()}>
                <line class="story-lane-line" x1={LABEL_WIDTH.to_string()} x2={(LABEL_WIDTH + PLOT_WIDTH).to_string()} y1={middle.to_string()} y2={middle.to_string()} />
                <text class="story-lane-label" x="4" y={(middle + 4.0).to_string()}>{ lane.label() }</text>
                { for marks.iter().map(|mark| mark_view(*lane, mark, x(mark.first), middle, findings, findings_current, on_select)) }
            </g>
        }
    });
    let label = format!("What {} did: {} in {} lanes", story.account, plural(story.events as u64, "event", "events"), story.lanes.len());
    html! {
        <section class="story-suspect" data-account={story.account.clone()}>
            <h3>{ evidence_text(&story.account) }<span class="hint">{ format!(" · {} · {} to {}", plural(story.events as u64, "event", "events"), minutes_utc(axis.start), minutes_utc(axis.end)) }</span></h3>
            if story.lanes.is_empty() {
                <p class="hint">{ "No sign-ins, changes, mail, downloads, cloud or Graph activity by this account in the loaded evidence." }</p>
            } else {
                <svg class="story-chart" viewBox={format!("0 0 {WIDTH} {height}")} role="group" aria-label={label}>
                    { for window }
                    { for ticks }
                    { for lanes }
                    { for containment }
                </svg>
            }
        </section>
    }
}

/// One mark: a bar whose width is its column's, opening its event when
/// clicked (or with Enter), outlined when a finding cites an event in it.
fn mark_view(lane: Lane, mark: &Mark, left: f64, middle: f64, findings: &[Finding], findings_current: bool, on_select: &Callback<u32>) -> Html {
    let row = mark.row;
    let onclick = on_select.reform(move |_: MouseEvent| row);
    let onkeydown = {
        let on_select = on_select.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                on_select.emit(row);
            }
        })
    };
    let width = (PLOT_WIDTH / f64::from(COLUMNS)).max(3.0);
    let cited = findings_current && mark.is_cited();
    // An outline rather than a circle: cited marks side by side merge into
    // one band instead of a chain of overlapping rings.
    let ring = cited.then(|| {
        html! { <rect class="story-ring" x={(left - 1.5).to_string()} y={(middle - MARK_HEIGHT / 2.0 - 2.0).to_string()} width={(width + 3.0).to_string()} height={(MARK_HEIGHT + 4.0).to_string()} rx="2" /> }
    });
    html! {
        <g class={classes!("story-mark", (mark.failures == mark.count).then_some("failed"), cited.then_some("cited"))} data-testid="story-mark"
            tabindex="0" role="button" {onclick} {onkeydown}>
            <title>{ evidence_text(&tooltip(lane, mark, findings, findings_current)) }</title>
            { for ring }
            <rect x={left.to_string()} y={(middle - MARK_HEIGHT / 2.0).to_string()} width={width.to_string()} height={MARK_HEIGHT.to_string()} rx="1" />
        </g>
    }
}

/// The mark's tooltip: when, what, how many, and the findings citing it.
fn tooltip(lane: Lane, mark: &Mark, findings: &[Finding], findings_current: bool) -> String {
    let when = if mark.first == mark.last { minutes_utc(mark.first) } else { format!("{} to {}", minutes_utc(mark.first), minutes_utc(mark.last)) };
    let mut lines = vec![format!("{}: {when}", lane.label())];
    let mut what = mark.labels.join(", ");
    if mark.more_labels {
        what.push_str(", …");
    }
    lines.push(what);
    let mut count = plural(u64::from(mark.count), "event", "events");
    if mark.failures > 0 {
        count.push_str(&format!(" ({} failed)", thousands(u64::from(mark.failures))));
    }
    lines.push(count);
    if findings_current {
        for title in mark.findings.iter().filter_map(|&i| findings.get(i)).map(|f| format!("Finding ({}): {}", f.severity.label(), f.title)) {
            lines.push(title);
        }
        if mark.finding_count > mark.findings.len() {
            lines.push(format!("and {} more findings", mark.finding_count - mark.findings.len()));
        }
    }
    lines.push("Click to open the event".to_string());
    lines.join("\n")
}

/// `03-02 09:00`: the axis says UTC once, in the heading.
fn tick_label(time: TimeMs) -> String {
    DateTime::from_timestamp_millis(time).map_or_else(String::new, |t| t.format("%m-%d %H:%M").to_string())
}
