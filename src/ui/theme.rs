//! Light, dark, or whatever the system prefers. The choice is the analyst's
//! and not part of any case, so it is kept under its own storage key. The
//! stylesheet reads `data-theme` ("light" or "dark") on the root element;
//! "follow the system" is resolved here, so the dark palette is written
//! once in the stylesheet, and the choice itself is in `data-theme-choice`.

const KEY: &str = "loupe.theme";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    /// Follow the system's light/dark setting.
    Auto,
    Light,
    Dark,
}

impl Theme {
    fn key(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Theme::Auto => "Theme: system",
            Theme::Light => "Theme: light",
            Theme::Dark => "Theme: dark",
        }
    }

    /// The next choice when the theme button is pressed.
    pub fn next(self) -> Theme {
        match self {
            Theme::Auto => Theme::Light,
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::Auto,
        }
    }

    /// The saved choice (system when none, or storage is unavailable).
    pub fn restore() -> Theme {
        let saved = web_sys::window().and_then(|w| w.local_storage().ok().flatten()).and_then(|s| s.get_item(KEY).ok().flatten());
        match saved.as_deref() {
            Some("light") => Theme::Light,
            Some("dark") => Theme::Dark,
            _ => Theme::Auto,
        }
    }

    /// Show it and remember it (remembering may fail quietly: the theme is
    /// a convenience, and the page already reports storage problems).
    pub fn apply(self) {
        let Some(window) = web_sys::window() else { return };
        let system_dark = window.match_media("(prefers-color-scheme: dark)").ok().flatten().is_some_and(|m| m.matches());
        let shown = match self {
            Theme::Auto if system_dark => Theme::Dark,
            Theme::Auto => Theme::Light,
            chosen => chosen,
        };
        if let Some(root) = window.document().and_then(|d| d.document_element()) {
            let _ = root.set_attribute("data-theme", shown.key());
            let _ = root.set_attribute("data-theme-choice", self.key());
        }
        if let Ok(Some(storage)) = window.local_storage() {
            let _ = storage.set_item(KEY, self.key());
        }
    }
}
