//! The banner for the same case open in two tabs: that another tab is open,
//! and, when the other tab saved, the choice of which version to keep. This
//! tab's changes are held back (not saved) until the analyst chooses, so
//! neither tab overwrites the other without being asked.

use yew::prelude::*;

/// Which tab-related notice to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenElsewhere {
    /// This tab opened while another had the case open.
    AlreadyOpen,
    /// Another tab opened after this one.
    OpenedLater,
}

#[derive(Properties, PartialEq)]
pub struct TabNoticeProps {
    pub open_elsewhere: Option<OpenElsewhere>,
    /// Another tab saved the case since this tab last read or wrote it.
    pub other_tab_saved: bool,
    pub on_load_theirs: Callback<()>,
    pub on_keep_mine: Callback<()>,
    pub on_export_mine: Callback<()>,
    pub on_dismiss: Callback<()>,
}

#[function_component(TabNotice)]
pub fn tab_notice(props: &TabNoticeProps) -> Html {
    let click = |cb: &Callback<()>| cb.reform(|_: MouseEvent| ());
    if props.other_tab_saved {
        return html! {
            <div class="banner tab-conflict" role="alert" data-testid="tab-conflict">
                <p>{ "Another tab saved changes to this case. To keep them safe, this tab no longer saves: \
                     choose which version to keep. Until then, what you change here is kept only in this tab." }</p>
                <button data-testid="tab-load-theirs" onclick={click(&props.on_load_theirs)}
                    title="Replace this tab's case with the one the other tab saved (this tab's unsaved changes are dropped)">{ "Use the other tab's version" }</button>
                <button data-testid="tab-keep-mine" onclick={click(&props.on_keep_mine)}
                    title="Save this tab's case over the one the other tab saved">{ "Keep this tab's version" }</button>
                <button data-testid="tab-export-mine" onclick={click(&props.on_export_mine)}
                    title="Save this tab's case as a file first; you can import it later">{ "Export this tab's version" }</button>
            </div>
        };
    }
    let Some(open) = props.open_elsewhere else { return Html::default() };
    let text = match open {
        OpenElsewhere::AlreadyOpen => "This case is already open in another tab. Work in one tab: if both change it, Loupe asks before either overwrites the other.",
        OpenElsewhere::OpenedLater => "This case was just opened in another tab as well. Work in one tab: if both change it, Loupe asks before either overwrites the other.",
    };
    html! {
        <div class="banner tab-open" role="status" data-testid="tab-open-elsewhere">
            <p>{ text }</p>
            <button data-testid="tab-notice-dismiss" onclick={click(&props.on_dismiss)}>{ "Dismiss" }</button>
        </div>
    }
}
