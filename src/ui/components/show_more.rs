//! Long lists (thousands of findings or remediation actions on a big
//! tenant) are drawn a page at a time: building every item's DOM froze the
//! page for seconds, on every redraw. The rest is one click away.

use std::collections::HashSet;
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

/// New items a list adds to the page per task. Creating an item's elements
/// is what costs (a finding is a dozen elements, and Chromium lays them out
/// after): a page of 100 new items in one redraw held the page's thread for
/// 70–130 ms at the end of a large load.
pub const NEW_ITEMS_PER_TASK: usize = 25;

/// How many of a list's first `wanted` items (named by `keys`, in order) to
/// draw now: every item already on the page, and at most
/// `NEW_ITEMS_PER_TASK` items that are not; the list grows by that many
/// per task until it is whole. Items that stay keep their elements, so a
/// list updated in place (findings following their rows during a load)
/// is not held back.
#[hook]
pub fn use_drawn_prefix(keys: &[String], wanted: usize) -> usize {
    let on_page = use_mut_ref(HashSet::<String>::new);
    let redraw = use_state(|| 0u32);
    let wanted = wanted.min(keys.len());
    let drawn = {
        let on_page = on_page.borrow();
        drawn_prefix(&keys[..wanted], |key| on_page.contains(key), NEW_ITEMS_PER_TASK)
    };
    let now_drawn: Vec<String> = keys[..drawn].to_vec();
    use_effect(move || {
        *on_page.borrow_mut() = now_drawn.into_iter().collect();
        if drawn < wanted {
            wasm_bindgen_futures::spawn_local(async move {
                crate::ui::yield_now::to_browser().await;
                redraw.set(*redraw + 1);
            });
        }
    });
    drawn
}

/// The longest prefix of `keys` holding at most `new_at_most` keys for
/// which `drawn` is false.
fn drawn_prefix(keys: &[String], drawn: impl Fn(&str) -> bool, new_at_most: usize) -> usize {
    let mut new = 0;
    for (i, key) in keys.iter().enumerate() {
        if !drawn(key) {
            if new == new_at_most {
                return i;
            }
            new += 1;
        }
    }
    keys.len()
}

#[cfg(test)]
mod tests {
    use super::drawn_prefix;

    fn keys(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_prefix_takes_every_drawn_item_and_a_bounded_number_of_new_ones() {
        let list = keys(&["a", "b", "c", "d", "e"]);
        assert_eq!(drawn_prefix(&list, |_| false, 2), 2);
        assert_eq!(drawn_prefix(&list, |_| true, 0), 5);
        // "a" and "c" are on the page: the prefix stops before the third new key.
        assert_eq!(drawn_prefix(&list, |k| k == "a" || k == "c", 2), 4);
        assert_eq!(drawn_prefix(&list, |k| k == "a" || k == "c", 0), 1);
        assert_eq!(drawn_prefix(&[], |_| false, 3), 0);
    }
}
