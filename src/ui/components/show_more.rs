//! Long lists (thousands of findings or remediation actions on a big
//! tenant) are drawn a page at a time: building every item's DOM froze the
//! page for seconds, on every redraw. The rest is one click away.

use yew::prelude::*;

/// Items drawn at first, and added per click.
pub const LIST_PAGE: usize = 100;

#[derive(Properties, PartialEq)]
pub struct ShowMoreProps {
    /// Items not drawn yet.
    pub hidden: usize,
    pub on_more: Callback<()>,
    pub testid: AttrValue,
}

/// "Show 100 more (2,345 not shown)".
#[function_component(ShowMore)]
pub fn show_more(props: &ShowMoreProps) -> Html {
    if props.hidden == 0 {
        return html! {};
    }
    let on_click = props.on_more.reform(|_: MouseEvent| ());
    html! {
        <button class="show-more" data-testid={props.testid.clone()} onclick={on_click}>
            { format!("Show {} more ({} not shown)", props.hidden.min(LIST_PAGE), props.hidden) }
        </button>
    }
}

/// How many of a list to draw: a page, growing by a page per click.
#[hook]
pub fn use_list_limit() -> (usize, Callback<()>) {
    let limit = use_state(|| LIST_PAGE);
    let more = {
        let limit = limit.clone();
        Callback::from(move |()| limit.set(*limit + LIST_PAGE))
    };
    (*limit, more)
}
