//! The investigation context the detectors work from: suspect accounts, the
//! compromise window, containment time and marked indicators. Loupe suggests
//! one from the evidence; the analyst accepts it, edits it, or goes back.

use crate::detect::{Context, IndicatorKind};
use crate::ui::format::{datetime_local, minutes_utc, parse_datetime_local};
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ContextPanelProps {
    /// The context in force: the confirmed one, or the suggestion.
    pub context: Context,
    pub confirmed: bool,
    /// Confirm a context (`Some`) or go back to the suggestion (`None`).
    pub on_set: Callback<Option<Context>>,
}

#[function_component(ContextPanel)]
pub fn context_panel(props: &ContextPanelProps) -> Html {
    let ctx = &props.context;
    let accept = {
        let (on_set, ctx) = (props.on_set.clone(), ctx.clone());
        Callback::from(move |_: MouseEvent| on_set.emit(Some(ctx.clone())))
    };
    let back = props.on_set.reform(|_: MouseEvent| None);
    let set_containment = {
        let (on_set, ctx) = (props.on_set.clone(), ctx.clone());
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlInputElement>().value();
            on_set.emit(Some(Context { containment: parse_datetime_local(&value), ..ctx.clone() }));
        })
    };
    let remove_indicator = |i: usize| {
        let (on_set, ctx) = (props.on_set.clone(), ctx.clone());
        Callback::from(move |_: MouseEvent| {
            let mut next = ctx.clone();
            if i < next.indicators.len() {
                next.indicators.remove(i);
            }
            on_set.emit(Some(next));
        })
    };
    let remove_suspect = |i: usize| {
        let (on_set, ctx) = (props.on_set.clone(), ctx.clone());
        Callback::from(move |_: MouseEvent| {
            let mut next = ctx.clone();
            if i < next.suspect_accounts.len() {
                next.suspect_accounts.remove(i);
            }
            on_set.emit(Some(next));
        })
    };
    html! {
        <section class="context" data-testid="context">
            <header>
                <h2>{ "Investigation context" }</h2>
                <span class={classes!("badge", if props.confirmed { "confirmed" } else { "suggested" })}>
                    { if props.confirmed { "confirmed" } else { "suggested by Loupe" } }
                </span>
            </header>
            if ctx.suspect_accounts.is_empty() && ctx.indicators.is_empty() && !props.confirmed {
                <p class="hint">{ "Nothing in the loaded evidence looks like a break-in yet. Mark indicators from an event's detail to start one." }</p>
            }
            <dl>
                <dt>{ "Suspect accounts" }</dt>
                <dd data-testid="context-suspects">
                    if ctx.suspect_accounts.is_empty() { { "none — mark one from an event's detail" } }
                    <ul class="indicators">
                        { for ctx.suspect_accounts.iter().enumerate().map(|(i, upn)| html! {
                            <li><span class="value">{ upn }</span>
                                <button class="remove" onclick={remove_suspect(i)} aria-label={format!("Remove suspect {upn}")}>{ "×" }</button></li>
                        }) }
                    </ul>
                </dd>
                <dt>{ "Compromise window" }</dt>
                <dd>{ ctx.window.map(|(a, b)| format!("{} → {}", minutes_utc(a), minutes_utc(b))).unwrap_or_else(|| "not set".into()) }</dd>
                <dt><label for="containment">{ "Sessions revoked at (UTC)" }</label></dt>
                <dd><input id="containment" type="datetime-local" data-testid="containment" value={ctx.containment.map(datetime_local).unwrap_or_default()} onchange={set_containment} /></dd>
            </dl>
            <ul class="indicators" data-testid="indicators">
                { for ctx.indicators.iter().enumerate().map(|(i, ind)| html! {
                    <li title={ind.note.clone()}>
                        <span class="kind">{ kind_label(ind.kind) }</span>
                        <span class="value">{ &ind.value }</span>
                        <button class="remove" onclick={remove_indicator(i)} aria-label={format!("Remove indicator {}", ind.value)}>{ "×" }</button>
                    </li>
                }) }
            </ul>
            <div class="row">
                if props.confirmed {
                    <button onclick={back}>{ "Back to Loupe's suggestion" }</button>
                } else {
                    <button data-testid="accept-context" onclick={accept}>{ "Accept" }</button>
                }
            </div>
        </section>
    }
}

fn kind_label(kind: IndicatorKind) -> &'static str {
    match kind {
        IndicatorKind::Ip => "IP",
        IndicatorKind::UserAgent => "user agent",
        IndicatorKind::AppId => "app",
        IndicatorKind::Domain => "domain",
        IndicatorKind::EmailAddress => "address",
        IndicatorKind::Account => "account",
        IndicatorKind::Other => "other",
    }
}
