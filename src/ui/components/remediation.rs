//! A step's part of the remediation plan: each action with its commands to
//! review and copy (never run), where to click instead, a done box that
//! records when, a note, and a warning when later evidence contradicts an
//! action marked done.

use super::show_more::{use_drawn_prefix, use_list_limit, ShowMore};
use crate::case::{ActionProgress, CaseAction};
use crate::remediate::{Action, Contradiction, Plan};
use crate::ui::format::{datetime_local, parse_datetime_local};
use std::collections::BTreeMap;
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct RemediationProps {
    pub step: u8,
    pub plan: Rc<Plan>,
    pub progress: BTreeMap<String, ActionProgress>,
    pub contradictions: Rc<Vec<Contradiction>>,
    pub on_action: Callback<CaseAction>,
    pub on_open: Callback<String>,
}

#[function_component(Remediation)]
pub fn remediation(props: &RemediationProps) -> Html {
    let mine: Vec<&Action> = props.plan.for_step(props.step).collect();
    let (limit, on_more) = use_list_limit();
    let keys: Vec<String> = mine.iter().take(limit).map(|a| a.id.clone()).collect();
    let drawn = use_drawn_prefix(&keys, limit);
    if mine.is_empty() {
        return html! {};
    }
    let done = mine.iter().filter(|a| props.progress.get(&a.id).is_some_and(|p| p.done_at.is_some())).count();
    html! {
        <div class="remediation" data-testid={format!("remediation-{}", props.step)}>
            { for props.plan.notes.iter().filter(|_| props.step == 2).map(|n| html! { <p class="hint">{ n }</p> }) }
            <div class="counts" data-testid={format!("remediation-progress-{}", props.step)}>{ format!("Remediation: {done}/{} actions done", mine.len()) }</div>
            <ul aria-busy={(drawn < keys.len()).to_string()}>
                { for mine.iter().take(drawn).map(|a| html! {
                    <ActionItem key={a.id.clone()} action={(*a).clone()} progress={props.progress.get(&a.id).cloned().unwrap_or_default()}
                        contradiction={props.contradictions.iter().find(|c| c.action == a.id).cloned()}
                        on_action={props.on_action.clone()} on_open={props.on_open.clone()} />
                }) }
            </ul>
            <ShowMore hidden={mine.len().saturating_sub(limit)} {on_more} testid={format!("remediation-more-{}", props.step)} />
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct ActionItemProps {
    action: Action,
    progress: ActionProgress,
    contradiction: Option<Contradiction>,
    on_action: Callback<CaseAction>,
    on_open: Callback<String>,
}

#[function_component(ActionItem)]
fn action_item(props: &ActionItemProps) -> Html {
    let a = &props.action;
    let copied = use_state(|| None::<String>);
    // The commands, buttons and note of a folded action are not in the page
    // until it is unfolded: a large case lists hundreds of actions, and every
    // form control the page gains makes the browser scan its forms again.
    let unfolded = use_state(|| false);
    let on_toggle = {
        let unfolded = unfolded.clone();
        Callback::from(move |e: Event| unfolded.set(e.target_unchecked_into::<web_sys::Element>().has_attribute("open")))
    };
    let toggle = {
        let id = a.id.clone();
        props.on_action.reform(move |e: Event| CaseAction::SetActionDone { id: id.clone(), done: e.target_unchecked_into::<HtmlInputElement>().checked() })
    };
    let on_note = {
        let id = a.id.clone();
        props.on_action.reform(move |e: Event| CaseAction::SetActionNote { id: id.clone(), note: e.target_unchecked_into::<HtmlTextAreaElement>().value() })
    };
    let set_done_at = {
        let id = a.id.clone();
        let on_action = props.on_action.clone();
        Callback::from(move |e: Event| {
            if let Some(at) = parse_datetime_local(&e.target_unchecked_into::<HtmlInputElement>().value()) {
                on_action.emit(CaseAction::SetActionDoneAt { id: id.clone(), at });
            }
        })
    };
    let open = {
        let query = a.query.clone();
        props.on_open.reform(move |_: MouseEvent| query.clone())
    };
    let copy = |text: String| {
        let copied = copied.clone();
        Callback::from(move |_: MouseEvent| {
            let (text, copied) = (text.clone(), copied.clone());
            wasm_bindgen_futures::spawn_local(async move {
                copied.set(Some(crate::ui::clipboard::copy(&text, "Copied. Review it before you run it.").await));
            });
        })
    };
    let done = props.progress.done_at.is_some();
    html! {
        <li class={classes!("action", done.then_some("done"), props.contradiction.is_some().then_some("contradicted"))} data-testid="action">
            <label class="action-title">
                <input type="checkbox" checked={done} onchange={toggle} data-testid="action-done" />
                <span>{ &a.title }</span>
            </label>
            if let Some(at) = props.progress.done_at {
                <label class="done-at">{ "done at (UTC) " }
                    <input type="datetime-local" data-testid="action-done-at" value={datetime_local(at)} onchange={set_done_at} /></label>
            }
            if let Some(c) = &props.contradiction {
                <p class="contradiction" role="alert" data-testid="action-contradicted">{ &c.message }</p>
            }
            <details open={*unfolded} ontoggle={on_toggle}>
                <summary>{ "How" }</summary>
                if *unfolded {
                    <p>{ &a.why }</p>
                    { for a.commands.iter().map(|c| html! {
                        <div class="command">
                            <div class="command-head"><span class="tool">{ c.tool.label() }</span>
                                <button onclick={copy(c.text.clone())} data-testid="copy-command">{ "Copy" }</button></div>
                            <pre data-testid="command">{ &c.text }</pre>
                        </div>
                    }) }
                    if let Some(msg) = &*copied { <p class="hint">{ msg }</p> }
                    <p class="portal"><strong>{ "In the admin center: " }</strong>{ &a.portal }</p>
                    if !a.rows.is_empty() {
                        <button class="link" onclick={open}>{ format!("Show the evidence ({} rows)", a.rows.len()) }</button>
                    }
                    <textarea placeholder="Note: who did it, ticket number, what you saw" value={props.progress.note.clone()} onchange={on_note}
                        aria-label={format!("Note for: {}", a.title)} />
                }
            </details>
        </li>
    }
}
