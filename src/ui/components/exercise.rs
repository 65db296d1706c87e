//! Exercise mode's panel, shown once a bundled training incident is
//! loaded: what counts and how it is scored, a start button, hints step by
//! step, "Finish and score", and the scorecard (found, missed with why it
//! mattered, false positives with why they were benign, hints used). The
//! trainee marks with Loupe's ordinary tools; this panel only reads the
//! case and sends exercise actions.

use crate::case::{Case, CaseAction, ExerciseState};
use crate::detect::Finding;
use crate::exercise::{self, hints, AnswerKey, Category, CategoryScore, ScoredItem, Scorecard};
use crate::playbook::{self, PHASES};
use crate::store::EventStore;
use crate::ui::format::minutes_utc;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[derive(Properties)]
pub struct ExerciseProps {
    /// The bundled training incident loaded in this session (its folder
    /// under `samples/`), if any.
    pub sample_folder: Option<AttrValue>,
    pub case: Case,
    pub store: Rc<RefCell<EventStore>>,
    pub generation: u64,
    /// The findings shown (verdicts on them count).
    pub findings: Rc<Vec<Finding>>,
    pub on_action: Callback<CaseAction>,
}

impl PartialEq for ExerciseProps {
    fn eq(&self, other: &Self) -> bool {
        self.sample_folder == other.sample_folder && self.case == other.case && self.generation == other.generation && Rc::ptr_eq(&self.findings, &other.findings)
    }
}

type KeyLoad = Option<Result<Rc<AnswerKey>, String>>;

#[function_component(ExercisePanel)]
pub fn exercise_panel(props: &ExerciseProps) -> Html {
    let running = props.case.exercise.clone();
    let folder: Option<String> = running.as_ref().map(|e| e.folder.clone()).or_else(|| props.sample_folder.as_ref().map(|f| f.to_string()));
    let key = use_state(|| None as KeyLoad);
    {
        let key = key.clone();
        use_effect_with(folder.clone(), move |folder| {
            key.set(None);
            if let Some(folder) = folder.clone() {
                spawn_local(async move {
                    let loaded = crate::ui::loader::fetch_sample_file(&folder, crate::sample::FILE_ANSWER_KEY).await.and_then(|b| exercise::parse_key(&b)).map(Rc::new);
                    key.set(Some(loaded));
                });
            }
        });
    }
    let hint_step = use_state(|| 1u8);
    let Some(folder) = folder else { return html! {} };
    let key = match &*key {
        None => return panel(None, html! { <p class="hint">{ "Reading the training incident's answer key…" }</p> }),
        Some(Err(why)) => return panel(None, html! { <p class="problem" role="alert">{ format!("Exercise mode needs the incident's answer key: {why}") }</p> }),
        Some(Ok(key)) => key.clone(),
    };
    let body = match &running {
        None => intro(props, &key, folder),
        Some(state) if state.finished_at.is_some() => {
            let answers = crate::ui::analysis::timed("exercise answers", || exercise::gather(&props.case, &props.store.borrow(), &props.findings));
            scorecard(props, &exercise::score(&key, &answers), state)
        }
        Some(state) => working(props, &key, state, hint_step),
    };
    panel(Some(&key), body)
}

fn panel(key: Option<&AnswerKey>, body: Html) -> Html {
    html! {
        <section class="exercise" data-testid="exercise" aria-label="Exercise">
            <header>
                <h2>{ "Exercise" }</h2>
                if let Some(key) = key {
                    <span class="badge difficulty" data-testid="exercise-difficulty">{ key.difficulty.label() }</span>
                }
            </header>
            if let Some(key) = key { <p class="scenario">{ &key.scenario }</p> }
            { body }
        </section>
    }
}

/// Before the start: what counts and how it is scored.
fn intro(props: &ExerciseProps, key: &AnswerKey, folder: String) -> Html {
    let loaded = !props.store.borrow().is_empty();
    let start = {
        let (on_action, scenario, case) = (props.on_action.clone(), key.scenario.clone(), props.case.clone());
        Callback::from(move |_: MouseEvent| {
            let marked = case.context.as_ref().is_some_and(|c| !c.suspect_accounts.is_empty() || !c.indicators.is_empty());
            if marked && !gloo::dialogs::confirm("Starting clears the suspects and indicators of the investigation context, so that only what you mark counts. Start?") {
                return;
            }
            on_action.emit(CaseAction::StartExercise { scenario: scenario.clone(), folder: folder.clone() });
        })
    };
    html! {
        <>
            <p>{ "Work the checklist and mark what you believe is the attacker's; at the end Loupe scores you against the incident's answer key." }</p>
            <details class="rules" data-testid="exercise-rules">
                <summary>{ "What counts, and how it is scored" }</summary>
                <ul>
                    <li>{ "Suspect accounts and indicators (IP addresses, apps, user agents, mail addresses, domains) in the investigation context, added there or from an event's detail and the facets." }</li>
                    <li>{ "Events tagged malicious (an inbox rule is its New-InboxRule event); tag benign what you judge is not." }</li>
                    <li>{ "Findings you confirm or dismiss, for the events they cite." }</li>
                    <li>{ "Remediation actions you mark done." }</li>
                    <li>{ format!(
                        "Points by category: accounts {}, IP addresses {}, applications {}, other indicators {}, events and rules {}, remediation {}. \
                         Attack events count by what they show: one record of a spray or of a run of mail reads is enough.",
                        Category::Accounts.weight(), Category::Ips.weight(), Category::Apps.weight(), Category::Indicators.weight(), Category::Events.weight(), Category::Remediation.weight()
                    ) }</li>
                    <li>{ format!(
                        "Each false positive costs {} points, each attack item called benign {}, each hint {}. Decoys are planted: not every foreign sign-in is an intruder.",
                        exercise::FALSE_POSITIVE_PENALTY, exercise::WRONG_CALL_PENALTY, exercise::HINT_PENALTY
                    ) }</li>
                    <li>{ "Starting clears the context's suspects and indicators (Loupe's suggestion would give the answers away); the findings still run." }</li>
                </ul>
            </details>
            if loaded {
                <button class="primary" data-testid="exercise-start" onclick={start}>{ "Start the exercise" }</button>
            } else {
                <p class="hint">{ "Load the training incident's evidence to start." }</p>
            }
        </>
    }
}

/// While working: hints step by step, finish.
fn working(props: &ExerciseProps, key: &AnswerKey, state: &ExerciseState, hint_step: UseStateHandle<u8>) -> Html {
    let step = *hint_step;
    let pick = {
        let hint_step = hint_step.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            hint_step.set(value.parse().unwrap_or(1));
        })
    };
    let available = hints::available(key, step);
    let shown = hints::revealed(key, state, step);
    let next = props.on_action.reform(move |_: MouseEvent| CaseAction::RevealHint { step, available });
    let finish = props.on_action.reform(|_: MouseEvent| CaseAction::FinishExercise);
    let stop = {
        let on_action = props.on_action.clone();
        Callback::from(move |_: MouseEvent| {
            if gloo::dialogs::confirm("Leave exercise mode? Your marks stay in the case; the hints you used are forgotten.") {
                on_action.emit(CaseAction::StopExercise);
            }
        })
    };
    let left = available.saturating_sub(state.hints_shown(step));
    html! {
        <>
            <p class="status" data-testid="exercise-status">
                { format!("Started {} · hints used: ", minutes_utc(state.started_at)) }
                <span data-testid="hints-used">{ state.hints_used() }</span>
            </p>
            <div class="hint-row">
                <select data-testid="hint-step" aria-label="Checklist step for a hint" onchange={pick}>
                    { for PHASES.iter().flat_map(|p| p.steps.iter()).map(|s| html! {
                        <option value={s.number.to_string()} selected={s.number == step}>{ format!("{}. {}", s.number, s.title) }</option>
                    }) }
                </select>
                <button data-testid="hint-next" onclick={next} disabled={left == 0}
                    title={format!("Each hint costs {} point", exercise::HINT_PENALTY)}>
                    { if left == 0 { "No more hints".to_string() } else { format!("Hint ({left} left)") } }
                </button>
            </div>
            if !shown.is_empty() {
                <ol class="hints" data-testid="hints">
                    { for shown.iter().map(|h| html! { <li>{ h }</li> }) }
                </ol>
            }
            if props.case.context.is_none() {
                <p class="hint" role="note">{ "The investigation context is back to Loupe's suggestion: it is not your answer until you accept or edit it." }</p>
            }
            <div class="row">
                <button class="primary" data-testid="exercise-finish" onclick={finish}>{ "Finish and score" }</button>
                <button data-testid="exercise-stop" onclick={stop}>{ "Leave exercise" }</button>
            </div>
        </>
    }
}

fn category_key(category: Category) -> &'static str {
    match category {
        Category::Accounts => "accounts",
        Category::Ips => "ips",
        Category::Apps => "apps",
        Category::Indicators => "indicators",
        Category::Events => "events",
        Category::Remediation => "remediation",
    }
}

fn step_label(step: u8) -> String {
    playbook::step(step).map(|s| format!("step {}: {}", s.number, s.title)).unwrap_or_default()
}

fn item_view(item: &ScoredItem, class: &'static str, testid: &'static str) -> Html {
    let shown_value = if item.value != item.what { item.value.as_str() } else { "" };
    html! {
        <li class={classes!(class, item.decoy.then_some("decoy"))} data-testid={testid}>
            <span class="what">{ &item.what }</span>
            if !shown_value.is_empty() { <span class="value">{ shown_value }</span> }
            if item.step > 0 { <span class="step-ref">{ step_label(item.step) }</span> }
            if !item.why.is_empty() { <p class="why">{ &item.why }</p> }
            if !item.how.is_empty() { <p class="how">{ &item.how }</p> }
        </li>
    }
}

fn category_view(category: &CategoryScore) -> Html {
    let empty = category.expected() == 0 && category.false_positives.is_empty() && category.cleared.is_empty() && category.not_scored.is_empty();
    if empty {
        return html! {};
    }
    html! {
        <section class="category" data-testid={format!("score-{}", category_key(category.category))}>
            <h3>{ format!("{} · {} of {}", category.label, category.found.len(), category.expected()) }
                if !category.false_positives.is_empty() { <span class="fp-count">{ format!(" · {} false positive{}", category.false_positives.len(), if category.false_positives.len() == 1 { "" } else { "s" }) }</span> }
            </h3>
            <ul class="items">
                { for category.missed.iter().map(|i| item_view(i, "missed", "missed-item")) }
                { for category.false_positives.iter().map(|i| item_view(i, "false-positive", "false-positive")) }
                { for category.found.iter().map(|i| item_view(i, "found", "found-item")) }
                { for category.cleared.iter().map(|i| item_view(i, "cleared", "cleared-item")) }
                { for category.not_scored.iter().map(|i| item_view(i, "not-scored", "not-scored-item")) }
            </ul>
        </section>
    }
}

/// After "Finish and score".
fn scorecard(props: &ExerciseProps, card: &Scorecard, state: &ExerciseState) -> Html {
    let resume = props.on_action.reform(|_: MouseEvent| CaseAction::ResumeExercise);
    let stop = props.on_action.reform(|_: MouseEvent| CaseAction::StopExercise);
    let hints = card.hints_by_step.iter().map(|(s, n)| format!("step {s}: {n}")).collect::<Vec<_>>().join(", ");
    html! {
        <div class="scorecard" data-testid="scorecard">
            <p class="score"><span data-testid="score">{ card.score }</span>{ " / 100" }</p>
            <p class="summary" data-testid="score-summary">
                { format!(
                    "Found {} of {} ({:.0} points) · {} false positive{} · {} called benign · {} hint{} used",
                    card.found, card.expected, card.found_points, card.false_positives, if card.false_positives == 1 { "" } else { "s" },
                    card.called_benign, card.hints_used, if card.hints_used == 1 { "" } else { "s" }
                ) }
                if card.penalty_points > 0.0 { { format!(" (−{:.0} points)", card.penalty_points) } }
            </p>
            if !hints.is_empty() { <p class="hint" data-testid="score-hints">{ format!("Hints by step: {hints}") }</p> }
            if let Some(at) = state.finished_at { <p class="hint">{ format!("Scored {}; change your marks and finish again to rescore.", minutes_utc(at)) }</p> }
            { for card.notes.iter().map(|n| html! { <p class="problem">{ n }</p> }) }
            { for card.categories.iter().map(category_view) }
            <div class="row">
                <button data-testid="exercise-resume" onclick={resume}>{ "Keep working" }</button>
                <button data-testid="exercise-stop" onclick={stop}>{ "Leave exercise" }</button>
            </div>
        </div>
    }
}
