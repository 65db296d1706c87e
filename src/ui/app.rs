//! The workbench page: evidence on the left, timeline in the middle, the
//! checklist on the right. Holds the state and wires components to it.

use super::components::{
    checklist::Checklist, context_panel::ContextPanel, detail::Detail, facets::{FacetPick, Facets}, files_panel::FilesPanel,
    findings_panel::FindingsPanel, histogram::HistogramChart, query_bar::QueryBar, tab_notice::{OpenElsewhere, TabNotice}, timeline::Timeline,
    topbar::Topbar,
};
use crate::case::tabs::TabSignal;
use super::format::now_ms;
use super::loader::Loader;
use super::state::{CaseState, FileLoad, LoadAction, Loads, Stage};
use super::view;
use super::components::topbar::ReportFormat;
use super::shortcuts::{command_for, Command, ShortcutHelp};
use super::theme::Theme;
use crate::case::annotations::{resolve, row_key};
use crate::case::{CaseAction, EventChange, EventSummary, StepStatus};
use crate::enrich::DbReport;
use crate::detect::{Context, Indicator, IndicatorKind};
use super::analysis::{use_analysis, StoreGate};
use crate::ingest::Deduper;
use crate::model::{Source, TimeMs};
use crate::store::{parse, EvalContext, EventStore, FacetField, Query, Term, TermKind};
use gloo::timers::callback::Interval;
use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// How often the phase clocks are refreshed.
const CLOCK_TICK_MS: u32 = 15_000;

#[function_component(App)]
pub fn app() -> Html {
    super::analysis::add_to_step("page redrawn", 0.0);
    let store = use_mut_ref(EventStore::new);
    let dedupe = use_mut_ref(Deduper::default);
    let next_id = use_memo((), |_| Rc::new(Cell::new(0u32)));
    let first_live_id = use_memo((), |_| Rc::new(Cell::new(0u32)));
    let streaming = use_memo((), |_| Rc::new(Cell::new(0usize)));
    let originals = use_memo((), |_| super::originals::Originals::default());
    let cancelled = use_memo((), |_| Rc::new(RefCell::new(std::collections::HashSet::<u32>::new())));
    let gate = use_memo((), |_| StoreGate::default());
    let pool = use_memo((), |_| {
        let state = Rc::new(RefCell::new(super::loader::PoolState::default()));
        super::loader::start_pool(state.clone());
        state
    });
    let loads = use_reducer(Loads::default);
    let case = use_reducer(CaseState::restore);
    let snapshots = use_reducer(super::state::Snapshots::default);
    let applied = use_state(String::new);
    let query_error = use_state(|| None::<String>);
    let selected = super::selected_row::use_selected_row(store.clone());
    let dragging = use_state(|| false);
    // The bundled training incident loaded in this session, for exercise mode.
    let sample_folder = use_state(|| None::<&'static str>);
    let help_open = use_state(|| false);
    let theme = use_state(|| {
        let saved = Theme::restore();
        saved.apply();
        saved
    });
    let now = use_state(now_ms);
    {
        let now = now.clone();
        use_effect_with((), move |_| {
            let tick = Interval::new(CLOCK_TICK_MS, move || now.set(now_ms()));
            move || drop(tick)
        });
    }

    let loader = Loader {
        store: store.clone(),
        dedupe: dedupe.clone(),
        next_id: (*next_id).clone(),
        first_live_id: (*first_live_id).clone(),
        streaming: (*streaming).clone(),
        loads: loads.dispatcher(),
        case: case.dispatcher(),
        snapshots: snapshots.dispatcher(),
        originals: (*originals).clone(),
        cancelled: (*cancelled).clone(),
        pool: (*pool).clone(),
        gate: (*gate).clone(),
    };
    // The detectors work from the confirmed context, or Loupe's suggestion,
    // in steps after each change (see `analysis`).
    let loading = loads.files.iter().any(|f| matches!(f.stage, Stage::Reading | Stage::Parsing));
    let analysis = use_analysis(store.clone(), (*gate).clone(), loads.generation, case.case.context.clone(), loading);
    let context: Context = case.case.context.clone().unwrap_or_else(|| (*analysis.suggested).clone());
    let indicators: Vec<String> = context.indicators.iter().map(|i| i.value.clone()).collect();
    let findings = analysis.findings.clone();
    // The remediation plan comes with the findings (see `analysis`); done
    // actions are checked against the evidence whenever either changes.
    let plan = analysis.plan.clone();
    let contradictions = {
        let store = store.clone();
        let done = case.case.actions_done();
        let plan: Rc<crate::remediate::Plan> = plan.clone();
        use_memo((analysis.generation, context.clone(), plan, done), move |(_, ctx, plan, done)| {
            super::analysis::timed("remediation check", || crate::remediate::verify(&store.borrow(), ctx, plan, done))
        })
    };
    // Row numbers change with the store's layout, which can run a moment
    // ahead of the load generation (the loader merges, then tells).
    let layout = store.borrow().row_layout();
    // The analyst's event marks on the rows now loaded (by file hash and place).
    let annotations = {
        let store = store.clone();
        use_memo((loads.generation, layout, case.case.events.clone()), move |(_, _, events)| {
            super::analysis::timed("marks found again", || resolve(events, &store.borrow()))
        })
    };
    let eval_context = EvalContext { indicators: indicators.clone(), annotations: (*annotations).clone() };
    let timeline_rows: Rc<Vec<u32>> = {
        let store = store.clone();
        use_memo((loads.generation, layout, (*applied).clone(), indicators.clone(), annotations.clone()), move |(_, _, query, iocs, annotations)| {
            super::analysis::timed("timeline query", || {
                view::matching_rows(&store.borrow(), query, &EvalContext { indicators: iocs.clone(), annotations: (**annotations).clone() }).unwrap_or_default()
            })
        })
    };
    // Views that place the findings' rows by number get none while those
    // rows are still being followed into the store's layout (`analysis`).
    let findings_current = analysis.layout == layout;
    let no_findings = use_memo((), |_| Vec::<crate::detect::Finding>::new());
    let row_findings: Rc<Vec<crate::detect::Finding>> = if findings_current { findings.clone() } else { no_findings };
    // Facets and histogram follow the rows a step at a time (see `summary`).
    let summary = super::summary::use_rows_summary(store.clone(), timeline_rows.clone(), layout);

    let apply_query = {
        let (store, applied, query_error, selected) = (store.clone(), applied.clone(), query_error.clone(), selected.clone());
        let eval_context = eval_context.clone();
        // Checked, not run: the timeline's memo runs the query once applied.
        Callback::from(move |text: String| match view::check(&store.borrow(), &text, &eval_context) {
            Ok(_) => {
                applied.set(text.trim().to_string());
                query_error.set(None);
                selected.set(None);
            }
            Err(why) => query_error.set(Some(why)),
        })
    };
    let pick_facet = {
        let (applied, apply_query) = (applied.clone(), apply_query.clone());
        Callback::from(move |(field, value, exclude): FacetPick| {
            let current = parse(&applied).unwrap_or_default();
            // Clicking a value already picked takes it out again.
            let text = if exclude {
                current.with_excluded_term(field.query_field(), &value)
            } else if current.includes_term(&field.query_field(), &value) {
                current.without_term(field.query_field(), &value)
            } else {
                current.with_term(field.query_field(), &value)
            };
            apply_query.emit(text);
        })
    };
    let pick_range = {
        let (applied, apply_query) = (applied.clone(), apply_query.clone());
        Callback::from(move |(start, end): (TimeMs, TimeMs)| {
            apply_query.emit(parse(&applied).unwrap_or_default().with_time_range(start, end));
        })
    };
    let whole_range = {
        let (applied, apply_query) = (applied.clone(), apply_query.clone());
        Callback::from(move |()| apply_query.emit(without_time_terms(&parse(&applied).unwrap_or_default())))
    };
    let has_range = parse(&applied).is_ok_and(|q| q.terms.iter().any(is_time_term));
    let on_files = {
        let loader = loader.clone();
        Callback::from(move |files: Vec<web_sys::File>| loader.load_files(files))
    };
    let on_sample = {
        let (loader, case, sample_folder) = (loader.clone(), case.clone(), sample_folder.clone());
        Callback::from(move |folder: &'static str| {
            sample_folder.set(Some(folder));
            // An untitled case takes the training scenario's name.
            let named = {
                let case = case.clone();
                Callback::from(move |name: String| {
                    if case.case.name.trim().is_empty() {
                        case.dispatch(CaseAction::SetName(format!("Training: {name}")));
                    }
                })
            };
            loader.load_sample(folder, named)
        })
    };
    let on_export = {
        let case = case.clone();
        Callback::from(move |_| {
            let today = crate::model::format_utc(now_ms()).get(..10).unwrap_or("").to_string();
            let name = crate::case::export_file_name(&case.case, &today);
            if let Err(why) = super::download::save(&name, "application/json", &crate::case::to_json(&case.case)) {
                web_sys::console::warn_1(&format!("export failed: {why}").into());
            }
        })
    };
    let on_export_bundle = {
        let (case, store, originals) = (case.clone(), store.clone(), (*originals).clone());
        Callback::from(move |_| {
            let (case, store, originals) = (case.case.clone(), store.clone(), originals.clone());
            // The files are read back from the page's File handles (or the
            // bytes it holds for samples and unpacked gzip).
            wasm_bindgen_futures::spawn_local(async move {
                let files: Vec<(String, String, crate::ingest::Original, crate::store::FileId)> =
                    store.borrow().files().iter().map(|f| (f.report.file.clone(), f.report.sha256.clone(), f.source.original.clone(), f.id)).collect();
                let mut contents = Vec::new();
                for (name, sha256, original, id) in files {
                    let bytes = match original.whole() {
                        Some(bytes) => Ok(bytes.into_owned()),
                        None => originals.read_all(id).await.unwrap_or_else(|| Err("not open in this page".into())),
                    };
                    match bytes {
                        Ok(bytes) => contents.push((name, sha256, bytes)),
                        Err(why) => web_sys::console::warn_1(&format!("bundle: {name} left out: {why}").into()),
                    }
                }
                let evidence: Vec<crate::case::bundle::EvidenceText> =
                    contents.iter().map(|(name, sha256, bytes)| crate::case::bundle::EvidenceText { name, sha256, bytes }).collect();
                let today = crate::model::format_utc(now_ms()).get(..10).unwrap_or("").to_string();
                let name = crate::case::export_file_name(&case, &today).replace("loupe-case-", "loupe-bundle-").replace(".json", ".zip");
                let saved = crate::case::bundle::write(&case, &evidence).and_then(|bytes| super::download::save_bytes(&name, "application/zip", &bytes));
                if let Err(why) = saved {
                    web_sys::console::warn_1(&format!("bundle failed: {why}").into());
                }
            });
        })
    };
    // The same case in another tab: told when it opens or saves (the
    // browser's `storage` event reaches every other tab of this origin).
    let open_elsewhere = use_state(|| None::<OpenElsewhere>);
    let other_tab_saved = use_state(|| false);
    let current_case = use_mut_ref(crate::case::Case::default);
    *current_case.borrow_mut() = case.case.clone();
    {
        let (open_elsewhere, other_tab_saved, current_case) = (open_elsewhere.clone(), other_tab_saved.clone(), current_case.clone());
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|window| {
                gloo::events::EventListener::new(&window, "storage", move |e| {
                    let field = |name: &str| js_sys::Reflect::get(e, &name.into()).ok().and_then(|v| v.as_string());
                    match super::storage::on_storage_event(field("key"), field("newValue"), &current_case.borrow()) {
                        Some(TabSignal::OtherTabOpened) => open_elsewhere.set(Some(OpenElsewhere::OpenedLater)),
                        Some(TabSignal::OtherTabPresent) => open_elsewhere.set(Some(OpenElsewhere::AlreadyOpen)),
                        Some(TabSignal::OtherTabSaved(_)) => other_tab_saved.set(true),
                        None => {}
                    }
                })
            });
            super::storage::announce_opened();
            move || drop(listener)
        });
    }
    let on_load_theirs = {
        let (case, other_tab_saved) = (case.clone(), other_tab_saved.clone());
        Callback::from(move |()| {
            if let Some(saved) = super::storage::take_saved_case() {
                other_tab_saved.set(false);
                case.dispatch(CaseAction::Import(Box::new(saved)));
            }
        })
    };
    let on_keep_mine = {
        let (case, other_tab_saved) = (case.clone(), other_tab_saved.clone());
        Callback::from(move |()| {
            super::storage::overwrite_next_save();
            other_tab_saved.set(false);
            // Saving is what the reducer does after a change: give it this
            // tab's own case as the change.
            case.dispatch(CaseAction::Import(Box::new(case.case.clone())));
        })
    };
    let on_dismiss_tab_notice = {
        let open_elsewhere = open_elsewhere.clone();
        Callback::from(move |()| open_elsewhere.set(None))
    };
    let on_export_mine = on_export.clone();
    let on_new_case = {
        let (store, dedupe, loads, case, applied, selected) = (store.clone(), dedupe.clone(), loads.clone(), case.clone(), applied.clone(), selected.clone());
        let gate = (*gate).clone();
        let (next_id, first_live_id, snapshots) = ((*next_id).clone(), (*first_live_id).clone(), snapshots.dispatcher());
        let originals = (*originals).clone();
        Callback::from(move |_| {
            if gloo::dialogs::confirm("Start a new case? The checklist, notes and loaded evidence in this browser will be cleared.") {
                // Files still loading belong to the old case: drop them.
                first_live_id.set(next_id.get());
                let (originals, dedupe, loads, snapshots, case, applied, selected) =
                    (originals.clone(), dedupe.clone(), loads.clone(), snapshots.clone(), case.clone(), applied.clone(), selected.clone());
                gate.change_soon(store.clone(), move |store| {
                    store.clear_evidence();
                    originals.clear();
                    *dedupe.borrow_mut() = Deduper::default();
                    loads.dispatch(LoadAction::Cleared);
                    snapshots.dispatch(super::state::SnapshotAction::Clear);
                    case.dispatch(CaseAction::Reset);
                    applied.set(String::new());
                    selected.set(None);
                });
            }
        })
    };
    let on_remove_file = {
        let (store, dedupe, loads, case, selected) = (store.clone(), dedupe.clone(), loads.clone(), case.clone(), selected.clone());
        let (originals, cancel, gate) = ((*originals).clone(), loader.clone(), (*gate).clone());
        Callback::from(move |load: FileLoad| {
            if matches!(load.stage, Stage::Reading | Stage::Parsing) {
                // Cancel: the load stops at its next step and keeps nothing.
                cancel.cancel(load.id);
                loads.dispatch(LoadAction::Removed { id: load.id, unloaded: false });
                return;
            }
            let sha = load.report.as_ref().filter(|_| load.stage == Stage::Done).map(|r| r.sha256.clone());
            let Some(sha) = sha else {
                loads.dispatch(LoadAction::Removed { id: load.id, unloaded: false });
                return;
            };
            let (originals, dedupe, selected, loads, case) = (originals.clone(), dedupe.clone(), selected.clone(), loads.clone(), case.clone());
            gate.change_soon(store.clone(), move |store| {
                let file = store.files().iter().find(|f| f.report.sha256 == sha).map(|f| f.id);
                if let Some(file) = file {
                    store.remove_file(file);
                    originals.remove(file);
                }
                // Forget the removed file's record ids, so opening it again
                // does not count every record as a duplicate.
                let mut fresh = Deduper::default();
                for row in 0..store.len() as u32 {
                    fresh.first_time(store.source(row), store.record_id(row));
                }
                *dedupe.borrow_mut() = fresh;
                selected.set(None);
                loads.dispatch(LoadAction::Removed { id: load.id, unloaded: true });
                case.dispatch(CaseAction::FileRemoved { sha256: sha });
            });
        })
    };
    let on_remove_database = {
        let (store, loads, gate) = (store.clone(), loads.clone(), (*gate).clone());
        Callback::from(move |name: String| {
            let mut enrichment = store.borrow().enrichment().clone();
            if enrichment.remove(&name) {
                let loads = loads.clone();
                gate.change_soon(store.clone(), move |store| {
                    store.set_enrichment(enrichment);
                    loads.dispatch(LoadAction::DatabasesChanged { finished_load: None });
                });
            }
        })
    };
    let on_case_action = {
        let case = case.clone();
        Callback::from(move |action| case.dispatch(action))
    };
    let on_set_context = {
        let case = case.clone();
        Callback::from(move |ctx: Option<Context>| case.dispatch(CaseAction::SetContext(ctx)))
    };
    let on_mark = {
        let (case, context) = (case.clone(), context.clone());
        Callback::from(move |indicator: Indicator| case.dispatch(CaseAction::SetContext(Some(with_marked(&context, indicator)))))
    };
    let on_facet_mark = {
        let on_mark = on_mark.clone();
        Callback::from(move |(field, value): (FacetField, String)| {
            let kind = if field == FacetField::Ip { IndicatorKind::Ip } else { IndicatorKind::Account };
            on_mark.emit(Indicator::new(kind, value, "marked from the facets"));
        })
    };
    let marked = Rc::new(indicators.iter().chain(context.suspect_accounts.iter()).cloned().collect::<Vec<_>>());
    let on_select = {
        let selected = selected.clone();
        Callback::from(move |row: u32| selected.set(Some(row)))
    };
    let on_close = {
        let selected = selected.clone();
        Callback::from(move |_| selected.set(None))
    };

    // Marks on one event go to the case under the event's lasting key.
    let annotate_row = {
        let (store, case) = (store.clone(), case.clone());
        Callback::from(move |(row, change): (u32, EventChange)| {
            let store = store.borrow();
            if (row as usize) < store.len() {
                if let Some(key) = row_key(&store, row) {
                    case.dispatch(CaseAction::AnnotateEvent { key, summary: EventSummary::of_row(&store, row), change });
                }
            }
        })
    };
    let on_report = {
        let (store, case, context, analysis, contradictions, snapshots) =
            (store.clone(), case.clone(), context.clone(), analysis.clone(), contradictions.clone(), snapshots.clone());
        Callback::from(move |format: ReportFormat| {
            let store = store.borrow();
            let (findings, plan) = super::analysis::at_current_layout(&store, &analysis);
            let baseline = super::components::config_view::side(&snapshots.files, super::state::SnapshotRole::Baseline);
            let current = super::components::config_view::side(&snapshots.files, super::state::SnapshotRole::Current);
            let (changes, changes_from) = crate::report::incident::config_changes(&baseline, &current, &store, &context);
            let input = crate::report::ReportInput {
                case: &case.case,
                context: &context,
                findings: &findings,
                plan: &plan,
                contradictions: &contradictions,
                changes: &changes,
                changes_from,
                store: &store,
                generated_at: now_ms(),
            };
            let doc = crate::report::incident::build(&input);
            let today = crate::model::format_utc(now_ms()).get(..10).unwrap_or("").to_string();
            let stem = crate::case::export_file_name(&case.case, &today).replace("loupe-case-", "loupe-report-").replace(".json", "");
            let saved = match format {
                ReportFormat::Markdown => super::download::save(&format!("{stem}.md"), "text/markdown;charset=utf-8", &crate::report::to_markdown(&doc)),
                ReportFormat::Html => super::download::save(&format!("{stem}.html"), "text/html;charset=utf-8", &crate::report::to_html(&doc)),
            };
            if let Err(why) = saved {
                web_sys::console::warn_1(&format!("report failed: {why}").into());
            }
        })
    };
    let on_theme = {
        let theme = theme.clone();
        Callback::from(move |next: Theme| {
            next.apply();
            theme.set(next);
        })
    };
    let toggle_help = {
        let help_open = help_open.clone();
        Callback::from(move |()| help_open.set(!*help_open))
    };
    // The shortcut handler sees this render's state; the document listener
    // below calls whichever handler is current.
    let on_command = {
        let (rows, selected, help_open, case, annotate_row, store) =
            (timeline_rows.clone(), selected.clone(), help_open.clone(), case.clone(), annotate_row.clone(), store.clone());
        Callback::from(move |command: Command| match command {
            Command::FocusFilter => {
                let input = web_sys::window().and_then(|w| w.document()).and_then(|d| d.query_selector("[data-testid=query]").ok().flatten());
                if let Some(input) = input.and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok()) {
                    let _ = input.focus();
                }
            }
            Command::NextRow | Command::PreviousRow => {
                let at = selected.get().and_then(|s| rows.iter().position(|&r| r == s));
                let next = match (command, at) {
                    (Command::NextRow, Some(i)) => (i + 1).min(rows.len().saturating_sub(1)),
                    (_, Some(i)) => i.saturating_sub(1),
                    (_, None) => 0,
                };
                if let Some(&row) = rows.get(next) {
                    selected.set(Some(row));
                }
            }
            Command::ToggleBookmark => {
                if let Some(row) = selected.get() {
                    let on = row_annotation(&case.case, row, &store.borrow()).is_some_and(|a| a.bookmarked);
                    annotate_row.emit((row, EventChange::SetBookmark(!on)));
                }
            }
            Command::ToggleTag(tag) => {
                if let Some(row) = selected.get() {
                    let has = row_annotation(&case.case, row, &store.borrow()).is_some_and(|a| a.has_tag(tag));
                    annotate_row.emit((row, if has { EventChange::RemoveTag(tag.into()) } else { EventChange::AddTag(tag.into()) }));
                }
            }
            Command::CloseNextStep => {
                let open = crate::playbook::PHASES.iter().flat_map(|p| p.steps.iter()).find(|s| !case.case.step_state(s.number).status.is_closed());
                if let Some(step) = open {
                    case.dispatch(CaseAction::SetStepStatus { step: step.number, status: StepStatus::Done });
                }
            }
            Command::Close => {
                if *help_open {
                    help_open.set(false);
                } else if selected.is_some() {
                    selected.set(None);
                }
            }
            Command::ToggleHelp => help_open.set(!*help_open),
        })
    };
    let current_command = use_mut_ref(|| Callback::from(|_: Command| ()));
    *current_command.borrow_mut() = on_command;
    {
        let current_command = current_command.clone();
        use_effect_with((), move |_| {
            let document = web_sys::window().and_then(|w| w.document());
            let listener = document.map(|d| {
                // Not passive: a shortcut key must not also type or scroll.
                let options = gloo::events::EventListenerOptions::enable_prevent_default();
                gloo::events::EventListener::new_with_options(&d, "keydown", options, move |e| {
                    let Some(e) = e.dyn_ref::<KeyboardEvent>() else { return };
                    let typing = e
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                        .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
                    if let Some(command) = command_for(&e.key(), e.ctrl_key() || e.alt_key() || e.meta_key(), typing) {
                        e.prevent_default();
                        current_command.borrow().emit(command);
                    }
                })
            });
            move || drop(listener)
        });
    }

    let (drag_over, drag_leave, drop_files) = {
        let (d1, d2, d3) = (dragging.clone(), dragging.clone(), dragging.clone());
        let loader = loader.clone();
        (
            Callback::from(move |e: DragEvent| {
                e.prevent_default();
                d1.set(true);
            }),
            Callback::from(move |_: DragEvent| d2.set(false)),
            Callback::from(move |e: DragEvent| {
                e.prevent_default();
                d3.set(false);
                let files = e.data_transfer().and_then(|dt| dt.files()).map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect()).unwrap_or_default();
                loader.load_files(files);
            }),
        )
    };

    // The current snapshot's posture checks: listed in the configuration
    // view, and their gaps under the steps they belong to.
    let posture_checks = {
        let files = snapshots.files.clone();
        use_memo((snapshots.generation, context.clone()), move |(_, context)| {
            let current = super::components::config_view::side(&files, super::state::SnapshotRole::Current);
            let checks = if current.is_empty() { Vec::new() } else { crate::tenant::posture::evaluate(&current, Some(context)) };
            Rc::new(checks)
        })
    };
    let open_config = Callback::from(|()| {
        let found = web_sys::window().and_then(|w| w.document()).and_then(|d| d.query_selector("[data-testid=\"config\"]").ok().flatten());
        if let Some(details) = found {
            let _ = details.set_attribute("open", "");
            details.scroll_into_view();
        }
    });
    // What the rows are, not what each file's layout is called: a
    // diagnostic-settings file holds sign-ins and audit records alike.
    let loaded_sources = {
        let store = store.clone();
        use_memo(loads.generation, move |_| store.borrow().sources())
    };
    let store_ref = store.borrow();
    let loaded_hashes: BTreeSet<&str> = store_ref.files().iter().map(|f| f.report.sha256.as_str()).collect();
    let loaded_sources: Vec<Source> = (*loaded_sources).clone();
    let missing = case.case.files.iter().filter(|f| !loaded_hashes.contains(f.sha256.as_str())).cloned().collect::<Vec<_>>();
    let total = store_ref.len();
    let databases: Vec<DbReport> = store_ref.enrichment().databases().iter().map(|d| d.report().clone()).collect();
    drop(store_ref);
    // New evidence or new findings redraw the histogram, the views and the
    // side column each in a task after the rest (see `Later`).
    let later_stamp = loads.generation.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ Rc::as_ptr(&findings) as usize as u64;
    use super::components::later::Later;

    html! {
        <div class={classes!("app", (*dragging).then_some("dragging"))} ondragover={drag_over} ondragleave={drag_leave} ondrop={drop_files}>
            <Topbar case_name={AttrValue::from(case.case.name.clone())} incident_start={case.case.incident_start} now={*now}
                on_rename={on_case_action.reform(CaseAction::SetName)} event_count={total} {loading} {on_files} {on_sample} {on_new_case} {on_export} {on_export_bundle}
                {on_report} theme={*theme} {on_theme} on_help={toggle_help.clone()} />
            if *help_open {
                <ShortcutHelp on_close={toggle_help} />
            }
            <TabNotice open_elsewhere={*open_elsewhere} other_tab_saved={case.other_tab_saved || *other_tab_saved}
                {on_load_theirs} {on_keep_mine} {on_export_mine} on_dismiss={on_dismiss_tab_notice} />
            if let Some(problem) = &case.storage_problem {
                <p class="banner" role="alert">{ problem }</p>
            }
            <div class="columns">
                <FilesPanel loads={loads.files.clone()} {missing} on_remove={on_remove_file} {databases} {on_remove_database} />
                <main class="workspace">
                    <QueryBar applied={AttrValue::from((*applied).clone())} error={(*query_error).clone().map(AttrValue::from)} on_apply={apply_query.clone()} />
                    <FindingsPanel findings={findings.clone()} analysing={analysis.busy} on_open={apply_query.clone()} verdicts={Rc::new(case.case.findings.clone())} on_action={on_case_action.clone()} />
                    <super::components::config_view::ConfigView files={Rc::new(snapshots.files.clone())} snapshots_generation={snapshots.generation}
                        store={store.clone()} generation={loads.generation} context={context.clone()} checks={(*posture_checks).clone()}
                        on_role={{ let d = snapshots.dispatcher(); Callback::from(move |(id, role)| d.dispatch(super::state::SnapshotAction::SetRole { id, role })) }}
                        on_remove={{ let d = snapshots.dispatcher(); Callback::from(move |id| d.dispatch(super::state::SnapshotAction::Remove { id })) }}
                        on_open={apply_query.clone()} />
                    <Later stamp={later_stamp}>
                    <HistogramChart histogram={Rc::new(summary.histogram.clone())} on_range={pick_range} {has_range} on_whole_range={whole_range}
                        findings={findings.clone()} window={context.window} containment={context.containment} on_open={apply_query.clone()} />
                    </Later>
                    // Folded, the story and the map share one line: the timeline keeps the height.
                    <Later stamp={later_stamp}>
                    <div class="views">
                        <super::components::story::StoryPanel store={store.clone()} generation={loads.generation} context={context.clone()} incident_start={case.case.incident_start}
                            findings={findings.clone()} {findings_current} on_select={on_select.clone()} />
                        <super::components::map::SigninMapPanel store={store.clone()} generation={loads.generation} rows={timeline_rows.clone()}
                            findings={row_findings.clone()} context={context.clone()} query={AttrValue::from((*applied).clone())} on_open={apply_query.clone()} />
                    </div>
                    </Later>
                    <Facets facets={Rc::new(summary.facets.clone())} on_pick={pick_facet} on_mark={on_facet_mark} marked={marked.clone()} />
                    <Timeline store={store.clone()} generation={loads.generation} rows={timeline_rows.clone()} query={AttrValue::from((*applied).clone())} {total} selected={selected.get()} {on_select} marked={marked.clone()} annotations={annotations.clone()} />
                    if let Some(row) = selected.get() {
                        <Detail store={store.clone()} originals={(*originals).clone()} generation={loads.generation} {row} {on_close} {on_mark} marked={marked.clone()}
                            annotation={row_annotation(&case.case, row, &store.borrow())}
                            on_annotate={annotate_row.reform(move |change| (row, change))} />
                    }
                </main>
                <div class="side">
                    <Later stamp={later_stamp}>
                    <super::components::exercise::ExercisePanel sample_folder={(*sample_folder).map(AttrValue::Static)} case={case.case.clone()}
                        store={store.clone()} generation={loads.generation} findings={row_findings.clone()} on_action={on_case_action.clone()} />
                    <ContextPanel context={context.clone()} confirmed={case.case.context.is_some()} analysing={analysis.busy} on_set={on_set_context} />
                    <Checklist case={case.case.clone()} loaded={loaded_sources} has_snapshot={!snapshots.files.is_empty()} context={context.clone()} posture_checks={(*posture_checks).clone()} on_open_config={open_config} now={*now} on_action={on_case_action}
                        findings={findings.clone()} on_open={apply_query.clone()}
                        plan={plan.clone()} contradictions={contradictions.clone()} />
                    </Later>
                </div>
            </div>
            <div class="drop-overlay" aria-hidden="true">{ "Drop log exports to load them" }</div>
        </div>
    }
}

/// The selected row's current marks, read through its lasting key.
fn row_annotation(case: &crate::case::Case, row: u32, store: &EventStore) -> Option<crate::case::EventAnnotation> {
    row_key(store, row).and_then(|k| case.events.get(&k).cloned())
}

/// The context with one more marked value: an account becomes a suspect,
/// anything else an indicator; a value already there is not added twice.
fn with_marked(context: &Context, indicator: Indicator) -> Context {
    let mut next = context.clone();
    if indicator.kind == IndicatorKind::Account {
        if !next.suspect_accounts.iter().any(|a| a.eq_ignore_ascii_case(&indicator.value)) {
            next.suspect_accounts.push(indicator.value);
        }
    } else if !next.indicators.iter().any(|i| i.value.eq_ignore_ascii_case(&indicator.value)) {
        next.indicators.push(indicator);
    }
    next
}

fn is_time_term(term: &Term) -> bool {
    matches!(term.kind, TermKind::After(_) | TermKind::Before(_) | TermKind::Between { .. })
}

/// The query text without its time terms (the histogram's "Whole range").
fn without_time_terms(query: &Query) -> String {
    Query { terms: query.terms.iter().filter(|t| !is_time_term(t)).cloned().collect() }.to_string()
}
