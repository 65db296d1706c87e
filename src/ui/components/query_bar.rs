//! The filter bar: the query being typed, applied on Enter; a malformed query
//! is refused with the column where it went wrong and the rows stay as they were.

use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct QueryBarProps {
    /// The applied query; the input follows it when it changes elsewhere (facet click).
    pub applied: AttrValue,
    pub error: Option<AttrValue>,
    pub on_apply: Callback<String>,
}

#[function_component(QueryBar)]
pub fn query_bar(props: &QueryBarProps) -> Html {
    let draft = use_state(|| props.applied.to_string());
    {
        let draft = draft.clone();
        use_effect_with(props.applied.clone(), move |applied| draft.set(applied.to_string()));
    }
    let oninput = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| draft.set(e.target_unchecked_into::<HtmlInputElement>().value()))
    };
    let onsubmit = {
        let (draft, on_apply) = (draft.clone(), props.on_apply.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            on_apply.emit((*draft).clone());
        })
    };
    let clear = props.on_apply.reform(|_: MouseEvent| String::new());
    html! {
        <form class="query-bar" {onsubmit} role="search">
            <input type="search" data-testid="query" value={(*draft).clone()} {oninput} spellcheck="false" autocomplete="off"
                aria-label="Filter events" placeholder="Filter: user:alice ip:203.0.113.0/24 op:New-InboxRule -outcome:success after:2026-03-01" />
            <button type="submit">{ "Filter" }</button>
            <button type="button" class="clear" onclick={clear}>{ "Clear" }</button>
            if let Some(error) = &props.error {
                <p class="query-error" data-testid="query-error" role="alert">{ error.clone() }</p>
            }
        </form>
    }
}
