//! Parts of the page drawn a task after the rest when the evidence or the
//! findings change.
//!
//! When a loading file first shows rows, every view of the workspace is
//! built at once: the timeline, the facets and the histogram, and beside
//! them the story, the map and the checklist with its findings and
//! remediation lists. Drawn in one task, with Chromium's layout after it,
//! that held the page's thread for 60–100 ms. Wrapped in `Later`, a part
//! keeps showing what it showed for one more task, then draws the new
//! evidence in a task of its own. New findings (the end of an analysis) are
//! held back the same way. Any other change (a click, a typed note) is
//! drawn at once.

use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct LaterProps {
    /// Changes when the evidence or the findings do (see `App`).
    pub stamp: u64,
    pub children: Html,
}

#[function_component(Later)]
pub fn later(props: &LaterProps) -> Html {
    let drawn: Rc<RefCell<(u64, Html)>> = use_mut_ref(|| (props.stamp, props.children.clone()));
    let redraw = use_state(|| 0u32);
    let stale = drawn.borrow().0 != props.stamp;
    {
        let (drawn, redraw, children) = (drawn.clone(), redraw.clone(), props.children.clone());
        use_effect_with(props.stamp, move |&stamp| {
            if stale {
                wasm_bindgen_futures::spawn_local(async move {
                    crate::ui::yield_now::to_browser().await;
                    if drawn.borrow().0 != stamp {
                        *drawn.borrow_mut() = (stamp, children);
                        redraw.set(*redraw + 1);
                    }
                });
            }
        });
    }
    if stale {
        return drawn.borrow().1.clone();
    }
    *drawn.borrow_mut() = (props.stamp, props.children.clone());
    props.children.clone()
}
