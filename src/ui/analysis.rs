//! The findings, worked out again whenever the evidence or the confirmed
//! context changes, in short steps between which the page paints and
//! answers the analyst: Loupe's suggestion of the context, then each
//! detector in turn (`detect::run_all` does the same in one go natively).
//! On millions of rows the detectors together take seconds; as one task
//! they froze the page at the end of every load. The few that alone take
//! over 50 ms there (the passes over every row for the tenant's domains,
//! sign-ins and addresses, inbox rules, other people's mailboxes, their
//! removal) are done in slices of rows or findings, and those passes are
//! shared by the suggestion and the detectors rather than made by each.
//!
//! The analysis reads the store across those steps, so nothing may change
//! the store under it: whoever changes the store goes through `StoreGate`,
//! which abandons the running analysis and waits for it to let go (the
//! change that follows starts a new one).

use crate::detect::facts::TenantAccounts;
use crate::detect::{detection_context, order_findings, AddressUse, Context, Finding, History, Rounds, SigninsByAccount, Suggesting, DETECTORS};
use crate::remediate::{Plan, PlanBuilder};
use crate::store::{EventStore, RowMover};
use gloo::timers::future::TimeoutFuture;
use std::cell::{Cell, RefCell};
use std::ops::Range;
use std::rc::Rc;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

/// Run detectors back to back for this long before letting the page paint.
/// Short, because the next detector may itself take tens of milliseconds
/// on millions of rows and the page's tasks are to stay under 50 ms.
const STEP_MS: f64 = 8.0;

/// While a file loads, findings are worked out again at most this often
/// (ms between one analysis' end and the next one's start). Each part of a
/// loading file changes the evidence; redoing the findings for every part
/// took the page's thread from the load and rebuilt the finding lists on
/// screen each time. Once the load ends the analysis runs at once.
const LOADING_ANALYSIS_GAP_MS: f64 = 2000.0;

/// ... and at least this many times as long as the last analysis took
/// (from its start to its findings shown), so that on millions of rows,
/// where one analysis takes seconds, the load keeps most of the page's
/// thread rather than redoing findings back to back.
const LOADING_ANALYSIS_GAP_FACTOR: f64 = 2.0;

/// When the last analysis ended and how long it took (ms), to space out
/// analyses while a file loads.
#[derive(Default)]
struct Pace {
    last_shown_at: Cell<f64>,
    last_took: Cell<f64>,
}

impl Pace {
    /// The earliest start of the next analysis while a file loads.
    fn next_while_loading(&self) -> f64 {
        self.last_shown_at.get() + LOADING_ANALYSIS_GAP_MS.max(LOADING_ANALYSIS_GAP_FACTOR * self.last_took.get())
    }
}

/// The findings on screen and what they answer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Analysis {
    /// The load generation the findings were worked out on, or followed
    /// into (see `follow_rows`).
    pub generation: u64,
    /// The store's row layout the findings' row numbers belong to.
    pub layout: u64,
    /// Loupe's suggested context for the evidence of that generation.
    pub suggested: Rc<Context>,
    pub findings: Rc<Vec<Finding>>,
    /// The remediation plan for those findings, made in a step of its own
    /// rather than while the page redraws.
    pub plan: Rc<Plan>,
    /// A newer analysis is under way (the findings shown are older).
    pub busy: bool,
}

/// The one way to change the store while the page is live (see the module
/// notes). Cloned handles share one count of analyses started.
#[derive(Clone, Default)]
pub struct StoreGate {
    current_run: Rc<Cell<u64>>,
}

impl PartialEq for StoreGate {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.current_run, &other.current_run)
    }
}

impl StoreGate {
    /// Change the store as soon as no analysis reads it. A running analysis
    /// is abandoned at its next step (at most `STEP_MS` and one detector
    /// away).
    pub async fn change<T>(&self, store: &RefCell<EventStore>, change: impl FnOnce(&mut EventStore) -> T) -> T {
        self.abandon_running();
        loop {
            if let Ok(mut store) = store.try_borrow_mut() {
                return change(&mut store);
            }
            TimeoutFuture::new(1).await;
        }
    }

    /// `change`, from code that cannot wait (a click handler): runs now
    /// when the store is free, else as soon as it is.
    pub fn change_soon(&self, store: Rc<RefCell<EventStore>>, change: impl FnOnce(&mut EventStore) + 'static) {
        self.abandon_running();
        if let Ok(mut now) = store.try_borrow_mut() {
            return change(&mut now);
        }
        let gate = self.clone();
        spawn_local(async move { gate.change(&store, change).await });
    }

    fn abandon_running(&self) {
        self.current_run.set(self.current_run.get() + 1);
    }

    fn start_run(&self) -> u64 {
        self.abandon_running();
        self.current_run.get()
    }

    fn is_current(&self, run: u64) -> bool {
        self.current_run.get() == run
    }
}

/// The findings for the store as of `generation` and the analyst's
/// confirmed context (or, without one, Loupe's suggestion).
#[hook]
pub fn use_analysis(store: Rc<RefCell<EventStore>>, gate: StoreGate, generation: u64, confirmed: Option<Context>, loading: bool) -> Analysis {
    let state = use_state(Analysis::default);
    let shown = {
        let store = store.clone();
        use_memo((), |_| Shown { state: RefCell::new(state.clone()), latest: RefCell::new(Analysis::default()), following: Cell::new(false), store })
    };
    *shown.state.borrow_mut() = state.clone();
    let pace = use_memo((), |_| Rc::new(Pace { last_shown_at: Cell::new(f64::NEG_INFINITY), last_took: Cell::new(0.0) }));
    {
        let shown = shown.clone();
        let pace = (*pace).clone();
        use_effect_with((generation, confirmed), move |(generation, confirmed)| {
            let run = gate.start_run();
            // With the same rows, the old findings stay until the new ones
            // are ready. When a loading file merged rows in, they follow
            // their rows (see `follow_rows`), so the lists on screen are
            // updated in place rather than emptied and built again.
            let previous = shown.latest.borrow().clone();
            let kept = if previous.generation == *generation { previous } else { follow_rows(&store, &shown, previous, *generation) };
            shown.show(Analysis { busy: true, ..kept });
            let not_before = if loading { pace.next_while_loading() } else { f64::NEG_INFINITY };
            spawn_local(analyse(store, gate, run, *generation, confirmed.clone(), not_before, shown, pace));
        });
    }
    (*state).clone()
}

/// What the page shows, and the way to change it.
struct Shown {
    /// The handle of the latest render (an older one would set a stale state).
    state: RefCell<UseStateHandle<Analysis>>,
    /// The analysis last handed to the page, rendered or about to be.
    latest: RefCell<Analysis>,
    /// Many findings are following their rows in slices (`follow_in_slices`).
    following: Cell<bool>,
    store: Rc<RefCell<EventStore>>,
}

impl Shown {
    /// Show `next`; the findings and plan it replaces are freed in slices
    /// after the redraw (see `retire`).
    fn show(&self, next: Analysis) {
        let replaced = self.latest.replace(next.clone());
        self.state.borrow().set(next);
        let now = self.latest.borrow();
        if !Rc::ptr_eq(&replaced.findings, &now.findings) {
            let size = replaced.findings.len();
            super::retire::free_in_slices(replaced.findings, size, |findings| findings);
        }
        if !Rc::ptr_eq(&replaced.plan, &now.plan) {
            let size = replaced.plan.actions.len();
            super::retire::free_in_slices(replaced.plan, size, |plan| plan.actions);
        }
    }
}

/// One analysis, step by step; it gives up, keeping nothing, as soon as a
/// newer one starts or the store is about to change.
#[allow(clippy::too_many_arguments)]
async fn analyse(
    store: Rc<RefCell<EventStore>>,
    gate: StoreGate,
    run: u64,
    generation: u64,
    confirmed: Option<Context>,
    not_before: f64,
    shown: Rc<Shown>,
    pace: Rc<Pace>,
) {
    // Let the page paint what changed (a finished load) first, and while a
    // file loads, leave it to the load for a while (`Pace`).
    TimeoutFuture::new((not_before - js_sys::Date::now()).max(0.0) as u32).await;
    if !gate.is_current(run) {
        return;
    }
    let started = js_sys::Date::now();
    let Ok(store) = store.try_borrow() else { return };
    // The passes over every row that the suggestion and the detectors
    // share (the tenant's domains, each account's sign-ins, the addresses
    // it used), a slice of rows at a time.
    let mut step_started = js_sys::Date::now();
    let (mut tenant, mut signins, mut addresses) = (TenantAccounts::new(&store), SigninsByAccount::default(), AddressUse::default());
    let every_row = |rows: Range<usize>| {
        timed("passes over every row", || {
            let rows = rows.start as u32..rows.end as u32;
            tenant.rows(rows.clone());
            signins.add_rows(&store, rows.clone());
            addresses.add_rows(&store, rows);
        })
    };
    if !in_slices(&gate, run, &mut step_started, store.len(), every_row).await {
        return;
    }
    let no_context = Context::default();
    let shared = History::new(&store, &no_context);
    shared.know_tenant_domains(tenant.domains());
    shared.know_signins_and_addresses(signins.finish(), addresses);
    if !next_step(&gate, run).await {
        return;
    }
    step_started = js_sys::Date::now();
    // The suggestion and the detectors each need the sign-ins that were new
    // to their accounts (for no context, then for the one they run with):
    // found an account at a time.
    if !novelties_in_slices(&gate, run, &mut step_started, &shared).await {
        return;
    }
    let mut suggesting = timed("suggest_context", || Suggesting::new(&store, &shared));
    if !in_rounds(&gate, run, &mut step_started, "suggest_context", &mut suggesting).await {
        return;
    }
    let suggested = timed("suggest_context", || suggesting.finish());
    let ctx = detection_context(confirmed.as_ref().unwrap_or(&suggested));
    let history = shared.for_context(&ctx);
    if !novelties_in_slices(&gate, run, &mut step_started, &history).await {
        return;
    }
    let mut findings = Vec::new();
    for detector in DETECTORS {
        if js_sys::Date::now() - step_started > STEP_MS {
            super::yield_now::to_browser().await;
            if !gate.is_current(run) {
                return;
            }
            step_started = js_sys::Date::now();
        }
        let Some(start) = detector.sliced else {
            findings.extend(timed(detector.id, || (detector.run)(&store, &ctx, &history)));
            continue;
        };
        let mut work = timed(detector.id, || start(&store, &ctx, &history));
        if !in_rounds(&gate, run, &mut step_started, detector.id, &mut work).await {
            return;
        }
        findings.extend(timed(detector.id, || work.finish()));
    }
    order_findings(&mut findings);
    if js_sys::Date::now() - step_started > STEP_MS {
        super::yield_now::to_browser().await;
    }
    if !gate.is_current(run) {
        return;
    }
    // The plan reuses the detectors' `history` (the tenant's domains: a
    // pass over every row), a part at a time.
    let mut plan = PlanBuilder::new(confirmed.as_ref().unwrap_or(&suggested));
    for part in &crate::remediate::PLAN_PARTS {
        if !next_step(&gate, run).await {
            return;
        }
        step_started = js_sys::Date::now();
        match PlanBuilder::taken_each(part, &findings) {
            Some(taken) => {
                if !in_slices(&gate, run, &mut step_started, taken.len(), |slice| timed(part.name, || plan.add_each(part, &store, &taken[slice], &history))).await {
                    return;
                }
            }
            None => timed(part.name, || plan.add(part, &store, &findings, &history)),
        }
    }
    let plan = timed("remediation plan", || plan.finish());
    // Drawing the new findings and plan is a task of its own.
    if !next_step(&gate, run).await {
        return;
    }
    shown.show(Analysis { generation, layout: store.row_layout(), suggested: Rc::new(suggested), findings: Rc::new(findings), plan: Rc::new(plan), busy: false });
    let now = js_sys::Date::now();
    pace.last_shown_at.set(now);
    pace.last_took.set(now - started);
}

/// Do `pieces` pieces of work (rows, or findings) in slices, letting the
/// page paint whenever the step has run `STEP_MS`. A slice's size follows
/// how long the last one took, as pieces cost from tens of nanoseconds (a
/// row looked at) to tens of microseconds (a finding made). False when
/// the analysis was abandoned meanwhile.
async fn in_slices(gate: &StoreGate, run: u64, step_started: &mut f64, pieces: usize, mut work: impl FnMut(Range<usize>)) -> bool {
    let mut size = FIRST_SLICE;
    let mut done = 0;
    while done < pieces {
        if js_sys::Date::now() - *step_started > STEP_MS {
            if !next_step(gate, run).await {
                return false;
            }
            *step_started = js_sys::Date::now();
        }
        let end = done.saturating_add(size).min(pieces);
        let started = super::workers::now();
        work(done..end);
        let took = super::workers::now() - started;
        if took < STEP_MS / 8.0 {
            size = size.saturating_mul(2);
        } else if took > STEP_MS / 2.0 {
            size = (size / 2).max(1);
        }
        done = end;
    }
    true
}

/// `in_slices` a round at a time, until the work's pieces stop growing.
/// Each round starts again from small slices: its pieces may cost a
/// thousand times those of the last (a novelty indexed, an account
/// searched), and a slice sized for the last round held the page for
/// half a second.
async fn in_rounds(gate: &StoreGate, run: u64, step_started: &mut f64, step: &str, work: &mut impl Rounds) -> bool {
    let mut done = 0;
    while done < work.pieces() {
        let pieces = work.pieces();
        if !in_slices(gate, run, step_started, pieces - done, |slice| timed(step, || work.work(slice.start + done..slice.end + done))).await {
            return false;
        }
        done = pieces;
    }
    true
}

/// Work out the history's novelties an account at a time (`in_slices`).
async fn novelties_in_slices(gate: &StoreGate, run: u64, step_started: &mut f64, history: &History<'_>) -> bool {
    let mut finding = history.novelties_in_slices();
    if !in_slices(gate, run, step_started, finding.pieces(), |slice| timed("first-seen values per account", || finding.work(slice))).await {
        return false;
    }
    timed("first-seen values per account", || finding.finish());
    true
}

/// The first slice of `in_slices`: a few milliseconds of the costliest
/// pieces.
const FIRST_SLICE: usize = 64;

/// Let the page paint and answer; false when this analysis was abandoned
/// meanwhile.
async fn next_step(gate: &StoreGate, run: u64) -> bool {
    super::yield_now::to_browser().await;
    gate.is_current(run)
}

/// Findings and remediation actions followed to their rows' new places in
/// the task that merged the rows, up to this many. More (tens of thousands
/// on millions of rows: 50-90 ms of copying) follow in slices, and meanwhile
/// the page shows them with their old layout, which the views that place
/// rows by number treat as stale (`Analysis::layout`).
const FOLLOW_AT_ONCE: usize = 2000;

/// Findings and actions copied between two looks at the clock.
const FOLLOW_SLICE: usize = 128;

/// The findings of an older generation, their row numbers moved to where
/// their rows are now. When the rows cannot be followed (a file was
/// removed) the findings go. The suggested context names accounts and
/// addresses, not rows: it stays either way until the new one is ready, so
/// the context panel and the timeline's marks do not flicker.
fn follow_rows(store: &RefCell<EventStore>, shown: &Rc<Shown>, previous: Analysis, generation: u64) -> Analysis {
    let Ok(store) = store.try_borrow() else {
        return Analysis { generation, suggested: previous.suggested, ..Analysis::default() };
    };
    let many = previous.findings.len() + previous.plan.actions.len() > FOLLOW_AT_ONCE;
    if many && store.rows_moved_since(previous.layout).is_some_and(|moved| !moved.is_identity()) {
        if !shown.following.replace(true) {
            spawn_local(follow_in_slices(shown.clone()));
        }
        return previous;
    }
    let (findings, plan) = at_current_layout(&store, &previous);
    Analysis { generation, layout: store.row_layout(), suggested: previous.suggested, findings, plan, busy: previous.busy }
}

/// Follow the findings and actions shown to the store's current layout a
/// slice at a time, again until they are there: the store may take more
/// rows meanwhile. Only the copying is sliced; the store is read between
/// slices, never held, so merges go on. A newer analysis shown meanwhile
/// replaces what was being followed, and the following starts from it.
async fn follow_in_slices(shown: Rc<Shown>) {
    let store = shown.store.clone();
    'again: loop {
        let from = shown.latest.borrow().clone();
        let (moved, layout) = {
            let now = super::summary::free(&store).await;
            (now.rows_moved_since(from.layout).map(RowMover::into_owned), now.row_layout())
        };
        if from.layout == layout {
            break;
        }
        let replaced = |shown: &Shown| !Rc::ptr_eq(&shown.latest.borrow().findings, &from.findings);
        let next = match moved {
            None => Analysis { generation: from.generation, layout, suggested: from.suggested.clone(), busy: from.busy, ..Analysis::default() },
            Some(moved) => {
                let mut findings = Vec::with_capacity(from.findings.len());
                let mut actions = Vec::with_capacity(from.plan.actions.len());
                let mut step_started = js_sys::Date::now();
                let finding_chunks = from.findings.chunks(FOLLOW_SLICE).map(|c| (c.len(), true));
                let action_chunks = from.plan.actions.chunks(FOLLOW_SLICE).map(|c| (c.len(), false));
                for (size, of_findings) in finding_chunks.chain(action_chunks) {
                    if js_sys::Date::now() - step_started > STEP_MS {
                        super::yield_now::to_browser().await;
                        if replaced(&shown) {
                            continue 'again;
                        }
                        step_started = js_sys::Date::now();
                    }
                    if of_findings {
                        findings.extend(followed(&from.findings[findings.len()..findings.len() + size], &moved));
                    } else {
                        actions.extend(followed(&from.plan.actions[actions.len()..actions.len() + size], &moved));
                    }
                }
                Analysis {
                    generation: from.generation,
                    layout,
                    suggested: from.suggested.clone(),
                    findings: Rc::new(findings),
                    plan: Rc::new(Plan { actions, notes: from.plan.notes.clone() }),
                    busy: shown.latest.borrow().busy,
                }
            }
        };
        if replaced(&shown) {
            continue;
        }
        shown.show(next);
        super::yield_now::to_browser().await;
    }
    shown.following.set(false);
}

/// The findings and plan of `analysis` with row numbers of the store as it
/// is now: followed at once if they are still being followed in slices
/// (for a report asked for meanwhile), none if they cannot be.
pub fn at_current_layout(store: &EventStore, analysis: &Analysis) -> (Rc<Vec<Finding>>, Rc<Plan>) {
    match store.rows_moved_since(analysis.layout) {
        Some(moved) if moved.is_identity() => (analysis.findings.clone(), analysis.plan.clone()),
        Some(moved) => {
            let plan = Plan { actions: followed(&analysis.plan.actions, &moved), notes: analysis.plan.notes.clone() };
            (Rc::new(followed(&analysis.findings, &moved)), Rc::new(plan))
        }
        None => (Rc::default(), Rc::default()),
    }
}

/// Copies of `items` (findings, actions) with their rows followed.
fn followed<T: Clone + HasRows>(items: &[T], moved: &RowMover) -> Vec<T> {
    items
        .iter()
        .cloned()
        .map(|mut item| {
            moved.rows(item.rows_mut());
            item
        })
        .collect()
}

/// What holds row numbers of the store.
trait HasRows {
    fn rows_mut(&mut self) -> &mut [u32];
}

impl HasRows for Finding {
    fn rows_mut(&mut self) -> &mut [u32] {
        &mut self.rows
    }
}

impl HasRows for crate::remediate::Action {
    fn rows_mut(&mut self) -> &mut [u32] {
        &mut self.rows
    }
}

/// Do `work`, naming it on the console when it held the page up (see
/// `note_if_slow`).
pub fn timed<T>(step: &str, work: impl FnOnce() -> T) -> T {
    let started = super::workers::now();
    let result = work();
    let took = super::workers::now() - started;
    add_to_step(step, took);
    note_if_slow(step, started);
    result
}

/// Count one more run of `step` that took `took` ms.
pub fn add_to_step(step: &str, took: f64) {
    STEP_TOTALS.with(|totals| {
        let mut totals = totals.borrow_mut();
        match totals.iter_mut().find(|(name, _, _)| name == step) {
            Some((_, total, runs)) => {
                *total += took;
                *runs += 1;
            }
            None => totals.push((step.to_string(), took, 1)),
        }
    });
}

thread_local! {
    /// Time taken by each named step since the page opened (ms), and how
    /// many times it ran.
    static STEP_TOTALS: RefCell<Vec<(String, f64, u32)>> = const { RefCell::new(Vec::new()) };
}

/// Each named step's time so far (ms) and runs: the loader logs how much
/// of a load went into them.
pub fn step_totals() -> Vec<(String, f64, u32)> {
    STEP_TOTALS.with(|t| t.borrow().clone())
}

/// Tell the console (and `make bench-browser`) which step held the page up.
pub fn note_if_slow(step: &str, started: f64) {
    let took = super::workers::now() - started;
    if took > SLOW_STEP_MS {
        web_sys::console::debug_1(&format!("loupe: slow step {step}: {took:.0} ms").into());
    }
}

/// A step this long shows as a long task (the browser's own threshold).
const SLOW_STEP_MS: f64 = 50.0;
