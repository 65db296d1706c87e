//! The investigation context the detectors work from: suspect accounts, the
//! compromise window, containment time, marked indicators and the analyst's
//! tuning (corporate networks, travel speed, token lifetime, baseline).
//! Loupe suggests one from the evidence; the analyst accepts it, edits it
//! (any edit confirms it), or goes back to the suggestion.

use crate::detect::{parse_networks, Context, Indicator, IndicatorKind};
use crate::ui::format::{datetime_local, evidence_text, parse_datetime_local};
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ContextPanelProps {
    /// The context in force: the confirmed one, or the suggestion.
    pub context: Context,
    pub confirmed: bool,
    /// A newer analysis is under way, so the suggestion shown may still
    /// lack what the evidence loaded last brings.
    #[prop_or_default]
    pub analysing: bool,
    /// Confirm a context (`Some`) or go back to the suggestion (`None`).
    pub on_set: Callback<Option<Context>>,
}

/// Indicator kinds the analyst can add by hand (accounts go to suspects).
const ADDABLE: [IndicatorKind; 6] =
    [IndicatorKind::Ip, IndicatorKind::UserAgent, IndicatorKind::AppId, IndicatorKind::Domain, IndicatorKind::EmailAddress, IndicatorKind::Other];

/// A callback that confirms `ctx` changed by `edit`, reading the event's value.
fn edit_with<E: AsRef<web_sys::Event> + 'static>(
    on_set: &Callback<Option<Context>>,
    ctx: &Context,
    read: fn(&E) -> String,
    edit: fn(&mut Context, String),
) -> Callback<E> {
    let (on_set, ctx) = (on_set.clone(), ctx.clone());
    Callback::from(move |e: E| {
        let mut next = ctx.clone();
        edit(&mut next, read(&e));
        on_set.emit(Some(next));
    })
}

fn input_value(e: &Event) -> String {
    e.target_unchecked_into::<HtmlInputElement>().value()
}

fn textarea_value(e: &Event) -> String {
    e.target_unchecked_into::<HtmlTextAreaElement>().value()
}

fn checkbox_value(e: &Event) -> String {
    e.target_unchecked_into::<HtmlInputElement>().checked().to_string()
}

#[function_component(ContextPanel)]
pub fn context_panel(props: &ContextPanelProps) -> Html {
    let ctx = &props.context;
    // Recomputed on every change of the context: a few strings per indicator.
    let hunts = std::rc::Rc::new(crate::collect::hunt(ctx));
    let on_set = &props.on_set;
    let accept = {
        let (on_set, ctx) = (on_set.clone(), ctx.clone());
        Callback::from(move |_: MouseEvent| on_set.emit(Some(ctx.clone())))
    };
    let back = on_set.reform(|_: MouseEvent| None);
    let set_containment = edit_with(on_set, ctx, input_value, |c, v| c.containment = parse_datetime_local(&v));
    let set_window_start = edit_with(on_set, ctx, input_value, |c, v| {
        c.window = match (parse_datetime_local(&v), c.window) {
            (Some(start), Some((_, end))) => Some((start, end.max(start))),
            (Some(start), None) => Some((start, start)),
            (None, _) => None,
        }
    });
    let set_window_end = edit_with(on_set, ctx, input_value, |c, v| {
        if let (Some(end), Some((start, _))) = (parse_datetime_local(&v), c.window) {
            c.window = Some((start.min(end), end));
        }
    });
    let remove_indicator = |i: usize| {
        let (on_set, ctx) = (on_set.clone(), ctx.clone());
        Callback::from(move |_: MouseEvent| {
            let mut next = ctx.clone();
            if i < next.indicators.len() {
                next.indicators.remove(i);
            }
            on_set.emit(Some(next));
        })
    };
    let remove_suspect = |i: usize| {
        let (on_set, ctx) = (on_set.clone(), ctx.clone());
        Callback::from(move |_: MouseEvent| {
            let mut next = ctx.clone();
            if i < next.suspect_accounts.len() {
                next.suspect_accounts.remove(i);
            }
            on_set.emit(Some(next));
        })
    };

    // Adding by hand: a suspect account, or an indicator of a chosen kind.
    let new_suspect = use_node_ref();
    let add_suspect = {
        let (on_set, ctx, input) = (on_set.clone(), ctx.clone(), new_suspect.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(field) = input.cast::<HtmlInputElement>() else { return };
            let upn = field.value().trim().to_string();
            if upn.is_empty() || ctx.is_suspect(&upn) {
                return;
            }
            let mut next = ctx.clone();
            next.suspect_accounts.push(upn);
            field.set_value("");
            on_set.emit(Some(next));
        })
    };
    let new_kind = use_node_ref();
    let new_value = use_node_ref();
    let add_indicator = {
        let (on_set, ctx, kind_ref, value_ref) = (on_set.clone(), ctx.clone(), new_kind.clone(), new_value.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (Some(kind_field), Some(value_field)) = (kind_ref.cast::<HtmlSelectElement>(), value_ref.cast::<HtmlInputElement>()) else { return };
            let value = value_field.value().trim().to_string();
            let kind = ADDABLE.into_iter().find(|k| kind_key(*k) == kind_field.value()).unwrap_or(IndicatorKind::Other);
            if value.is_empty() || ctx.indicators.iter().any(|i| i.value.eq_ignore_ascii_case(&value)) {
                return;
            }
            let mut next = ctx.clone();
            next.indicators.push(Indicator::new(kind, value, "added by the analyst"));
            value_field.set_value("");
            on_set.emit(Some(next));
        })
    };

    // Tuning.
    let ranges_problem = use_state(|| None::<String>);
    let set_ranges = {
        let (on_set, ctx, problem) = (on_set.clone(), ctx.clone(), ranges_problem.clone());
        Callback::from(move |e: Event| {
            let (good, bad) = parse_networks(&textarea_value(&e));
            problem.set((!bad.is_empty()).then(|| format!("Not a network, left out: {}", bad.join(", "))));
            on_set.emit(Some(Context { corporate_ranges: good, ..ctx.clone() }));
        })
    };
    let set_speed = edit_with(on_set, ctx, input_value, |c, v| {
        if let Ok(speed) = v.trim().parse::<f64>() {
            c.travel_speed_kmh = speed;
        }
    });
    let set_ignore_failed = edit_with(on_set, ctx, checkbox_value, |c, v| c.travel_ignores_failed = v == "true");
    let set_lifetime = edit_with(on_set, ctx, input_value, |c, v| {
        if let Ok(minutes) = v.trim().parse::<i64>() {
            c.token_lifetime_minutes = minutes;
        }
    });
    let set_baseline = edit_with(on_set, ctx, input_value, |c, v| {
        if let Ok(days) = v.trim().parse::<i64>() {
            c.baseline_days = days;
        }
    });
    let tuned = ctx.clone().with_sane_tuning();
    // The indicators as files for other tools.
    let export = |stix: bool| {
        let ctx = ctx.clone();
        Callback::from(move |_: MouseEvent| {
            let now = crate::ui::format::now_ms();
            let today = crate::model::format_utc(now).get(..10).unwrap_or("").to_string();
            let saved = if stix {
                let bundle = crate::report::stix_bundle(&ctx, "", now);
                crate::ui::download::save(&format!("loupe-indicators-{today}.stix.json"), "application/json", &serde_json::to_string_pretty(&bundle).unwrap_or_default())
            } else {
                crate::ui::download::save(&format!("loupe-indicators-{today}.csv"), "text/csv;charset=utf-8", &crate::report::indicators_csv(&ctx))
            };
            if let Err(why) = saved {
                web_sys::console::warn_1(&format!("export failed: {why}").into());
            }
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
                <p class="hint">{ "Nothing in the loaded evidence looks like a break-in yet. Mark indicators from an event's detail, or add them below." }</p>
            }
            <dl>
                <dt>{ "Suspect accounts" }</dt>
                <dd data-testid="context-suspects">
                    if ctx.suspect_accounts.is_empty() { { "none yet" } }
                    <ul class="indicators">
                        { for ctx.suspect_accounts.iter().enumerate().map(|(i, upn)| html! {
                            <li><span class="value" title={evidence_text(upn)}>{ evidence_text(upn) }</span>
                                <button class="remove" onclick={remove_suspect(i)} aria-label={format!("Remove suspect {}", evidence_text(upn))}>{ "×" }</button></li>
                        }) }
                    </ul>
                    <form class="add-row" onsubmit={add_suspect}>
                        <input ref={new_suspect} data-testid="add-suspect" placeholder="add account (UPN)" aria-label="Add a suspect account" />
                        <button type="submit">{ "Add" }</button>
                    </form>
                </dd>
                <dt><label for="window-start">{ "Compromise window (UTC)" }</label></dt>
                <dd class="window">
                    <input id="window-start" type="datetime-local" data-testid="window-start" aria-label="Compromise window start (UTC)"
                        value={ctx.window.map(|(a, _)| datetime_local(a)).unwrap_or_default()} onchange={set_window_start} />
                    <span>{ "→" }</span>
                    <input type="datetime-local" data-testid="window-end" aria-label="Compromise window end (UTC)" disabled={ctx.window.is_none()}
                        value={ctx.window.map(|(_, b)| datetime_local(b)).unwrap_or_default()} onchange={set_window_end} />
                </dd>
                <dt><label for="containment">{ "Sessions revoked at (UTC)" }</label></dt>
                <dd><input id="containment" type="datetime-local" data-testid="containment" value={ctx.containment.map(datetime_local).unwrap_or_default()} onchange={set_containment} /></dd>
            </dl>
            <ul class="indicators" data-testid="indicators">
                { for ctx.indicators.iter().enumerate().map(|(i, ind)| html! {
                    <li title={evidence_text(&ind.note)}>
                        <span class="kind">{ IndicatorKind::label(ind.kind) }</span>
                        <span class="value">{ evidence_text(&ind.value) }</span>
                        <button class="remove" onclick={remove_indicator(i)} aria-label={format!("Remove indicator {}", evidence_text(&ind.value))}>{ "×" }</button>
                    </li>
                }) }
            </ul>
            <form class="add-row" onsubmit={add_indicator}>
                <select ref={new_kind} aria-label="Kind of indicator" data-testid="add-indicator-kind">
                    { for ADDABLE.iter().map(|k| html! { <option value={kind_key(*k)} selected={*k == IndicatorKind::Ip}>{ IndicatorKind::label(*k) }</option> }) }
                </select>
                <input ref={new_value} data-testid="add-indicator" placeholder="add indicator" aria-label="Add an indicator" />
                <button type="submit">{ "Add" }</button>
            </form>
            <super::queries::Queries commands={hunts} title="Hunt these indicators tenant-wide" testid="hunt" />
            <details class="tuning" data-testid="tuning">
                <summary>{ "Tuning" }</summary>
                <label for="corporate-ranges">{ "Corporate networks (one CIDR or address per line); sign-ins from them count as ordinary" }</label>
                <textarea id="corporate-ranges" data-testid="corporate-ranges" rows="3" placeholder="203.0.113.0/24"
                    value={ctx.corporate_ranges.join("\n")} onchange={set_ranges} />
                if let Some(problem) = &*ranges_problem { <p class="problem" role="alert">{ problem }</p> }
                <label class="inline">{ "Impossible travel above " }
                    <input type="number" min="50" max="50000" step="50" data-testid="travel-speed" value={format!("{:.0}", tuned.travel_speed_kmh)} onchange={set_speed} />
                    { " km/h" }</label>
                <label class="inline"><input type="checkbox" data-testid="travel-ignores-failed" checked={ctx.travel_ignores_failed} onchange={set_ignore_failed} />
                    { " leave failed sign-ins out of travel" }</label>
                <label class="inline">{ "Access tokens stay valid " }
                    <input type="number" min="0" max="1440" data-testid="token-lifetime" value={tuned.token_lifetime_minutes.to_string()} onchange={set_lifetime} />
                    { " min after revocation" }</label>
                <label class="inline">{ "An account's normal: the " }
                    <input type="number" min="1" max="365" data-testid="baseline-days" value={tuned.baseline_days.to_string()} onchange={set_baseline} />
                    { " days before the window" }</label>
            </details>
            <div class="row">
                <button data-testid="export-indicators-csv" onclick={export(false)} title="Suspects and indicators as CSV">{ "Indicators CSV" }</button>
                <button data-testid="export-indicators-stix" onclick={export(true)} title="Suspects and indicators as a STIX 2.1 bundle">{ "STIX 2.1" }</button>
                if props.confirmed {
                    <button onclick={back}>{ "Back to Loupe's suggestion" }</button>
                } else {
                    // Accepting a half-worked suggestion would freeze it
                    // without what the last files bring.
                    <button data-testid="accept-context" onclick={accept} disabled={props.analysing}
                        title={if props.analysing { "Loupe is still working out its suggestion from the evidence" } else { "Confirm this context" }}>
                        { if props.analysing { "Accept (working…)" } else { "Accept" } }</button>
                }
            </div>
        </section>
    }
}

fn kind_key(kind: IndicatorKind) -> &'static str {
    match kind {
        IndicatorKind::Ip => "ip",
        IndicatorKind::UserAgent => "user_agent",
        IndicatorKind::AppId => "app_id",
        IndicatorKind::Domain => "domain",
        IndicatorKind::EmailAddress => "email_address",
        IndicatorKind::Account => "account",
        IndicatorKind::Other => "other",
    }
}

