//! The same saved case open in two browser tabs. Each tab saves after every
//! change, so without a check whichever tab saves last silently replaces the
//! other's work. A revision stored beside the case (a counter and the id of
//! the tab that wrote it) lets a tab see that the saved case moved since it
//! last read or wrote it, and stop instead of overwriting. Small signals in
//! the same storage tell a tab at once that another tab opened or saved (the
//! browser's `storage` event reaches every other tab of the origin).
//!
//! Only decisions live here, so they are tested natively; `ui::storage` and
//! the page's event listener are the browser glue.

/// The revision of the saved case: how many saves it has seen, and which tab
/// made the last. Stored as text: `"12 tab-1a2b3c"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revision {
    pub number: u64,
    pub writer: String,
}

impl Revision {
    /// `None` for text this module did not write (missing, damaged).
    pub fn parse(text: &str) -> Option<Revision> {
        let (number, writer) = text.trim().split_once(' ')?;
        let number = number.parse().ok()?;
        let writer = writer.trim();
        (!writer.is_empty()).then(|| Revision { number, writer: writer.to_string() })
    }

    pub fn to_text(&self) -> String {
        format!("{} {}", self.number, self.writer)
    }
}

/// What a tab does with a change it wants to save.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SaveDecision {
    /// The saved case is the one this tab last read or wrote: write the
    /// change as this revision.
    Write(Revision),
    /// The saved case already holds this work (another tab made the same
    /// change, or this tab took the other's version): nothing to write;
    /// this tab now knows the stored revision.
    AlreadySaved,
    /// Another tab saved since this tab last read or wrote: writing would
    /// destroy that tab's work, so this tab does not write until the analyst
    /// chooses which version to keep.
    Conflict,
}

/// `known` is the revision this tab last read or wrote, `stored` the one in
/// storage now, `same_work` whether the stored case holds the work this tab
/// would write (see `same_work`), `me` this tab's id.
pub fn decide_save(known: Option<&Revision>, stored: Option<&Revision>, same_work: bool, me: &str) -> SaveDecision {
    if same_work {
        SaveDecision::AlreadySaved
    } else if known == stored {
        SaveDecision::Write(Revision { number: stored.map_or(0, |r| r.number) + 1, writer: me.to_string() })
    } else {
        SaveDecision::Conflict
    }
}

/// Whether two cases hold the same work: the same in everything but when
/// they were last changed (every change, even taking another tab's case as
/// it is, stamps the time). Their saved text may differ in that stamp alone.
pub fn same_work(a: &super::Case, b: &super::Case) -> bool {
    let unstamped = |c: &super::Case| super::Case { updated_at: None, ..c.clone() };
    unstamped(a) == unstamped(b)
}

/// Storage key of the saved case.
pub const CASE_KEY: &str = "loupe.case";
/// Storage key of the saved case's revision.
pub const REVISION_KEY: &str = "loupe.case.revision";
/// Written by a tab when it opens ("tab-id time"), so tabs already open learn of it.
pub const OPENED_KEY: &str = "loupe.tab.opened";
/// Written by an open tab in answer to `OPENED_KEY`, so the new tab learns
/// that it is not alone.
pub const PRESENT_KEY: &str = "loupe.tab.present";

/// What another tab's write to storage means for this tab.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TabSignal {
    /// Another tab opened the case (this tab answers with `PRESENT_KEY`).
    OtherTabOpened,
    /// This tab opened while another already had the case open.
    OtherTabPresent,
    /// Another tab saved the case: from now on this tab's saves would
    /// conflict, unless its case is the same text.
    OtherTabSaved(Revision),
}

/// Reads a `storage` event (its key and new value) from this tab's point of
/// view. Events about this tab's own writes and about other keys are `None`.
pub fn signal(key: Option<&str>, new_value: Option<&str>, me: &str, known: Option<&Revision>) -> Option<TabSignal> {
    let writer = |value: Option<&str>| value.and_then(|v| v.split_whitespace().next()).filter(|id| *id != me).map(str::to_string);
    match key? {
        REVISION_KEY => {
            let revision = Revision::parse(new_value?)?;
            (revision.writer != me && Some(&revision) != known).then_some(TabSignal::OtherTabSaved(revision))
        }
        OPENED_KEY => writer(new_value).map(|_| TabSignal::OtherTabOpened),
        PRESENT_KEY => writer(new_value).map(|_| TabSignal::OtherTabPresent),
        _ => None,
    }
}

/// A tab id from a random number and the clock: unique enough among the few
/// tabs of one browser, and free of spaces (the revision text splits on one).
pub fn tab_id(random: f64, now_ms: f64) -> String {
    format!("tab-{:x}-{:x}", (random * 4_294_967_296.0) as u64, now_ms.max(0.0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rev(number: u64, writer: &str) -> Revision {
        Revision { number, writer: writer.into() }
    }

    #[test]
    fn revision_text_round_trips_and_damage_reads_as_none() {
        let r = rev(12, "tab-1a-2b");
        assert_eq!(Revision::parse(&r.to_text()), Some(r));
        for bad in ["", "12", "x tab", "12 ", "-1 tab"] {
            assert_eq!(Revision::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_tab_writes_only_over_what_it_last_saw() {
        // First save ever (or over a case saved before revisions existed).
        assert_eq!(decide_save(None, None, false, "a"), SaveDecision::Write(rev(1, "a")));
        // Nothing moved since this tab's own last save.
        assert_eq!(decide_save(Some(&rev(4, "a")), Some(&rev(4, "a")), false, "a"), SaveDecision::Write(rev(5, "a")));
        // Loaded tab b's revision 4, nothing moved: this tab continues it.
        assert_eq!(decide_save(Some(&rev(4, "b")), Some(&rev(4, "b")), false, "a"), SaveDecision::Write(rev(5, "a")));
        // Tab b saved after this tab last read: never overwrite silently.
        assert_eq!(decide_save(Some(&rev(4, "a")), Some(&rev(5, "b")), false, "a"), SaveDecision::Conflict);
        // A case appeared where this tab saw none.
        assert_eq!(decide_save(None, Some(&rev(1, "b")), false, "a"), SaveDecision::Conflict);
        // The same work is no conflict, whoever wrote it.
        assert_eq!(decide_save(Some(&rev(4, "a")), Some(&rev(5, "b")), true, "a"), SaveDecision::AlreadySaved);
    }

    #[test]
    fn storage_events_from_other_tabs_become_signals() {
        let known = rev(3, "a");
        assert_eq!(signal(Some(REVISION_KEY), Some("4 b"), "a", Some(&known)), Some(TabSignal::OtherTabSaved(rev(4, "b"))));
        // This tab's own write (seen through another path) or what it already knows.
        assert_eq!(signal(Some(REVISION_KEY), Some("4 a"), "a", Some(&known)), None);
        assert_eq!(signal(Some(REVISION_KEY), Some("3 a"), "a", Some(&known)), None);
        assert_eq!(signal(Some(REVISION_KEY), Some("garbage"), "a", Some(&known)), None);
        assert_eq!(signal(Some(REVISION_KEY), None, "a", Some(&known)), None);
        assert_eq!(signal(Some(OPENED_KEY), Some("b 1700000000000"), "a", None), Some(TabSignal::OtherTabOpened));
        assert_eq!(signal(Some(OPENED_KEY), Some("a 1700000000000"), "a", None), None);
        assert_eq!(signal(Some(PRESENT_KEY), Some("b 1700000000000"), "a", None), Some(TabSignal::OtherTabPresent));
        assert_eq!(signal(Some(CASE_KEY), Some("{}"), "a", None), None);
        // storage.clear() in another tab: no key.
        assert_eq!(signal(None, None, "a", None), None);
    }

    #[test]
    fn the_same_work_is_the_same_whenever_it_was_stamped() {
        let mut a = super::super::Case { name: "IR-7".into(), updated_at: Some(1), ..Default::default() };
        let mut b = a.clone();
        b.updated_at = Some(2);
        assert!(same_work(&a, &b));
        b.name = "IR-8".into();
        assert!(!same_work(&a, &b));
        a.updated_at = None;
        assert!(!same_work(&a, &b));
    }

    #[test]
    fn tab_ids_have_no_spaces_and_differ_by_random() {
        let a = tab_id(0.25, 1.7e12);
        assert!(!a.contains(' ') && a.starts_with("tab-"), "{a}");
        assert_ne!(a, tab_id(0.5, 1.7e12));
    }
}
