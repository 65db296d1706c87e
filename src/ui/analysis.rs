//! The findings, worked out again whenever the evidence or the confirmed
//! context changes, in short steps between which the page paints and
//! answers the analyst: Loupe's suggestion of the context, then each
//! detector in turn (`detect::run_all` does the same in one go natively).
//! On millions of rows the detectors together take seconds; as one task
//! they froze the page at the end of every load.
//!
//! The analysis reads the store across those steps, so nothing may change
//! the store under it: whoever changes the store goes through `StoreGate`,
//! which abandons the running analysis and waits for it to let go (the
//! change that follows starts a new one).

use crate::detect::{detection_context, order_findings, suggest_context, Context, Finding, History, DETECTORS};
use crate::store::EventStore;
use gloo::timers::future::TimeoutFuture;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

/// Run detectors back to back for this long before letting the page paint.
const STEP_MS: f64 = 16.0;

/// The findings on screen and what they answer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Analysis {
    /// The load generation the findings were worked out on.
    pub generation: u64,
    /// Loupe's suggested context for the evidence of that generation.
    pub suggested: Rc<Context>,
    pub findings: Rc<Vec<Finding>>,
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
pub fn use_analysis(store: Rc<RefCell<EventStore>>, gate: StoreGate, generation: u64, confirmed: Option<Context>) -> Analysis {
    let shown = use_state(Analysis::default);
    {
        let shown = shown.clone();
        use_effect_with((generation, confirmed), move |(generation, confirmed)| {
            let run = gate.start_run();
            // Findings of an older generation name rows that have moved:
            // they go. With the same rows, the old ones stay until the new
            // ones are ready. The suggested context names accounts and
            // addresses, not rows: it stays until the new one is ready, so
            // the context panel and the timeline's marks do not flicker.
            let previous = (*shown).clone();
            let kept = if previous.generation == *generation {
                previous
            } else {
                Analysis { generation: *generation, suggested: previous.suggested, ..Analysis::default() }
            };
            shown.set(Analysis { busy: true, ..kept });
            spawn_local(analyse(store, gate, run, *generation, confirmed.clone(), shown));
        });
    }
    (*shown).clone()
}

/// One analysis, step by step; it gives up, keeping nothing, as soon as a
/// newer one starts or the store is about to change.
async fn analyse(store: Rc<RefCell<EventStore>>, gate: StoreGate, run: u64, generation: u64, confirmed: Option<Context>, shown: UseStateHandle<Analysis>) {
    // Let the page paint what changed (a finished load) first.
    TimeoutFuture::new(0).await;
    if !gate.is_current(run) {
        return;
    }
    let Ok(store) = store.try_borrow() else { return };
    let mut step_started = js_sys::Date::now();
    let suggested = timed("suggest_context", || suggest_context(&store));
    let ctx = detection_context(confirmed.as_ref().unwrap_or(&suggested));
    let history = History::new(&store, &ctx);
    let mut findings = Vec::new();
    for detector in DETECTORS {
        if js_sys::Date::now() - step_started > STEP_MS {
            TimeoutFuture::new(0).await;
            if !gate.is_current(run) {
                return;
            }
            step_started = js_sys::Date::now();
        }
        findings.extend(timed(detector.id, || (detector.run)(&store, &ctx, &history)));
    }
    order_findings(&mut findings);
    if !gate.is_current(run) {
        return;
    }
    shown.set(Analysis { generation, suggested: Rc::new(suggested), findings: Rc::new(findings), busy: false });
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
