//! A folded list of commands and queries to copy into another tool (the
//! steps' "collect what is missing" and the indicators' hunts). The list
//! is put on the page only when unfolded: a step can carry a dozen long
//! queries, and most are never opened.

use crate::collect::Command;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct QueriesProps {
    pub commands: Rc<Vec<Command>>,
    /// The folded line, e.g. "Collect what is missing".
    pub title: AttrValue,
    pub testid: AttrValue,
}

#[function_component(Queries)]
pub fn queries(props: &QueriesProps) -> Html {
    let unfolded = use_state(|| false);
    let copied = use_state(|| None::<(usize, String)>);
    if props.commands.is_empty() {
        return html! {};
    }
    let on_toggle = {
        let unfolded = unfolded.clone();
        Callback::from(move |e: Event| unfolded.set(e.target_unchecked_into::<web_sys::Element>().has_attribute("open")))
    };
    let copy = |index: usize, text: String| {
        let copied = copied.clone();
        Callback::from(move |_: MouseEvent| {
            let (text, copied) = (text.clone(), copied.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let said = crate::ui::clipboard::copy(&text, "Copied. Check the scope before you run it.").await;
                copied.set(Some((index, said)));
            });
        })
    };
    html! {
        <details class="queries" data-testid={props.testid.clone()} open={*unfolded} ontoggle={on_toggle}>
            <summary>{ format!("{} ({})", props.title, props.commands.len()) }</summary>
            if *unfolded {
                <ul>
                    { for props.commands.iter().enumerate().map(|(i, c)| html! {
                        <li class="query" data-testid="query">
                            <div class="command-head">
                                <span class="tool">{ c.engine.label() }</span>
                                <button onclick={copy(i, c.query.clone())} data-testid="copy-query">{ "Copy" }</button>
                            </div>
                            <p>{ &c.purpose }</p>
                            <pre data-testid="query-text">{ &c.query }</pre>
                            <p class="hint">{ &c.writes }</p>
                            if let Some((at, msg)) = &*copied {
                                if *at == i { <p class="hint" role="status">{ msg }</p> }
                            }
                        </li>
                    }) }
                </ul>
            }
        </details>
    }
}
