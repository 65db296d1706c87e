//! Top values of a few fields among the matching events. A click narrows the
//! filter to a value; alt- or shift-click excludes it.

use crate::store::{FacetCount, FacetField};
use crate::ui::format::{evidence_text, thousands};
use crate::ui::view::facet_id;
use std::rc::Rc;
use yew::prelude::*;

/// A facet click: the field, the value, and whether to exclude it.
pub type FacetPick = (FacetField, String, bool);

#[derive(Properties, PartialEq)]
pub struct FacetsProps {
    pub facets: Rc<Vec<(FacetField, Vec<FacetCount>)>>,
    pub on_pick: Callback<FacetPick>,
    /// Mark a value as an indicator (IP addresses) or a suspect (users).
    pub on_mark: Callback<(FacetField, String)>,
    /// Values the analyst marked, shown as such.
    pub marked: Rc<Vec<String>>,
}

#[function_component(Facets)]
pub fn facets(props: &FacetsProps) -> Html {
    html! {
        <div class="facets">
            { for props.facets.iter().map(|(field, values)| {
                let field = *field;
                html! {
                    <section class="facet" data-testid={format!("facet-{}", facet_id(field))}>
                        <h3>{ field.label() }</h3>
                        if values.is_empty() { <p class="hint">{ "—" }</p> }
                        { for values.iter().map(|v| {
                            let on_pick = props.on_pick.clone();
                            let value = v.value.clone();
                            let onclick = Callback::from(move |e: MouseEvent| on_pick.emit((field, value.clone(), e.alt_key() || e.shift_key())));
                            let is_marked = props.marked.iter().any(|m| m.eq_ignore_ascii_case(&v.value));
                            let markable = matches!(field, FacetField::Ip | FacetField::User) && !is_marked;
                            let mark = {
                                let (on_mark, value) = (props.on_mark.clone(), v.value.clone());
                                Callback::from(move |_: MouseEvent| on_mark.emit((field, value.clone())))
                            };
                            html! {
                                <div class="facet-line">
                                    <button class="facet-value" {onclick} title={format!("{} (alt-click to exclude)", evidence_text(&v.value))}>
                                        <span class={classes!("value", is_marked.then_some("ioc"))}>{ evidence_text(&v.value) }</span>
                                        <span class="count">{ thousands(u64::from(v.count)) }</span>
                                    </button>
                                    if markable {
                                        <button class="facet-mark" onclick={mark} title={format!("Mark {} as the attacker's", evidence_text(&v.value))} aria-label={format!("Mark {}", evidence_text(&v.value))}>{ "⚑" }</button>
                                    }
                                </div>
                            }
                        }) }
                    </section>
                }
            }) }
        </div>
    }
}
