//! Keyboard shortcuts for the moves an analyst makes hundreds of times:
//! the key table, and the help panel that lists it. Keys are single
//! letters without modifiers, ignored while typing in a field.

use crate::case::annotations::{TAG_BENIGN, TAG_MALICIOUS, TAG_NEEDS_REVIEW};
use yew::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    FocusFilter,
    NextRow,
    PreviousRow,
    ToggleBookmark,
    /// Toggle one of the standard tags on the selected event.
    ToggleTag(&'static str),
    /// Mark the first checklist step that is still open as done.
    CloseNextStep,
    /// Close the help, else the event detail.
    Close,
    ToggleHelp,
}

/// What a key does, if anything. `modified`: Ctrl, Alt or Meta held (those
/// belong to the browser); `typing`: focus is in a text field.
pub fn command_for(key: &str, modified: bool, typing: bool) -> Option<Command> {
    if modified || (typing && key != "Escape") {
        return None;
    }
    Some(match key {
        "/" => Command::FocusFilter,
        "j" => Command::NextRow,
        "k" => Command::PreviousRow,
        "b" => Command::ToggleBookmark,
        "m" => Command::ToggleTag(TAG_MALICIOUS),
        "n" => Command::ToggleTag(TAG_BENIGN),
        "r" => Command::ToggleTag(TAG_NEEDS_REVIEW),
        "d" => Command::CloseNextStep,
        "Escape" if !typing => Command::Close,
        "?" => Command::ToggleHelp,
        _ => return None,
    })
}

/// The help panel's lines: keys and what they do.
const HELP: [(&str, &str); 10] = [
    ("/", "Put the cursor in the filter"),
    ("j  ↓", "Next event (↓ when the table has focus)"),
    ("k  ↑", "Previous event"),
    ("b", "Bookmark the open event"),
    ("m", "Tag the open event malicious"),
    ("n", "Tag the open event benign"),
    ("r", "Tag the open event needs review"),
    ("d", "Mark the next open checklist step done"),
    ("Esc", "Close this help, or the event detail"),
    ("?", "Show or hide this help"),
];

#[derive(Properties, PartialEq)]
pub struct ShortcutHelpProps {
    pub on_close: Callback<()>,
}

#[function_component(ShortcutHelp)]
pub fn shortcut_help(props: &ShortcutHelpProps) -> Html {
    let close = props.on_close.reform(|_: MouseEvent| ());
    html! {
        <>
            <div class="shortcuts-backdrop" onclick={close.clone()} />
            <section class="shortcuts" data-testid="shortcuts" role="dialog" aria-modal="true" aria-label="Keyboard shortcuts">
                <header><h2>{ "Keyboard shortcuts" }</h2><button class="close" onclick={close} aria-label="Close">{ "×" }</button></header>
                <dl>{ for HELP.iter().map(|(keys, what)| html! {
                    <><dt>{ for keys.split("  ").map(|k| html! { <kbd>{ k }</kbd> }) }</dt><dd>{ *what }</dd></>
                }) }</dl>
            </section>
        </>
    }
}
