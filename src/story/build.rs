//! One suspect's story, built from the store: the account's rows sorted
//! into lanes and gathered per column of the time axis, so a drawing has
//! at most one mark per lane and column whatever the number of events.

use super::axis::Axis;
use super::lane::{lane_index, Lane, LaneClassifier};
use crate::detect::facts::op_named;
use crate::detect::oauth_apps::{app_id, GRANT_OPS};
use crate::detect::{Context, Finding, Severity};
use crate::model::{attr, Outcome, Source, TimeMs};
use crate::store::{EventStore, TextColumn};

/// Distinct labels a mark keeps for its tooltip.
const MARK_LABELS: usize = 3;
/// Findings a mark names; more are counted, not named.
const MARK_FINDINGS: usize = 6;
/// Room left either side of the activity, as a share of its span, so
/// marks at the ends are not cut in half.
const EDGE_SHARE: i64 = 40;

/// The events of one lane that fall in one column.
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub column: u32,
    pub count: u32,
    /// Failed sign-ins or requests among them.
    pub failures: u32,
    /// The row the mark opens: the first a finding cites, else the first.
    pub row: u32,
    /// Times of the first and last event in the mark.
    pub first: TimeMs,
    pub last: TimeMs,
    /// Up to `MARK_LABELS` distinct descriptions: the address and country
    /// of a sign-in, the operation of anything else.
    pub labels: Vec<String>,
    /// More distinct descriptions than `labels` holds.
    pub more_labels: bool,
    /// Positions (in the findings the story was built with) of findings
    /// that cite an event of the mark, at most `MARK_FINDINGS`.
    pub findings: Vec<usize>,
    /// How many findings cite an event of the mark.
    pub finding_count: usize,
}

impl Mark {
    pub fn is_cited(&self) -> bool {
        self.finding_count > 0
    }
}

/// When the compromise happened and when it was contained, drawn across
/// every lane.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Frame {
    pub window: Option<(TimeMs, TimeMs)>,
    pub containment: Option<TimeMs>,
}

impl Frame {
    /// The context's window; without one, the incident start up to the
    /// containment (or with no end, drawn to the axis end: `None` there
    /// means the window is open).
    pub fn new(ctx: &Context, incident_start: Option<TimeMs>) -> Frame {
        let window = ctx.window.or_else(|| incident_start.map(|start| (start, ctx.containment.filter(|&c| c >= start).unwrap_or(TimeMs::MAX))));
        Frame { window, containment: ctx.containment }
    }
}

/// What one suspect account did, lane by lane, on one time axis.
#[derive(Clone, Debug, PartialEq)]
pub struct SuspectStory {
    pub account: String,
    pub axis: Axis,
    /// Lanes with at least one mark, in `Lane::ALL` order; marks in time order.
    pub lanes: Vec<(Lane, Vec<Mark>)>,
    /// The window, cut to the axis.
    pub window: Option<(TimeMs, TimeMs)>,
    pub containment: Option<TimeMs>,
    /// Events drawn, over all lanes.
    pub events: usize,
}

impl SuspectStory {
    pub fn marks(&self, lane: Lane) -> &[Mark] {
        self.lanes.iter().find(|(l, _)| *l == lane).map_or(&[], |(_, marks)| marks.as_slice())
    }
}

/// A story per suspect account of the context, in the context's order.
pub fn stories(store: &EventStore, ctx: &Context, incident_start: Option<TimeMs>, findings: &[Finding], columns: u32) -> Vec<SuspectStory> {
    let frame = Frame::new(ctx, incident_start);
    let cited = Citations::of(findings);
    suspects(ctx).map(|account| build_cited(store, account, frame, &cited, columns)).collect()
}

/// The context's suspect accounts, trimmed, blanks left out: whose stories
/// `stories` tells, in that order.
pub fn suspects(ctx: &Context) -> impl Iterator<Item = &str> {
    ctx.suspect_accounts.iter().map(|a| a.trim()).filter(|a| !a.is_empty())
}

/// The rows the findings cite, sorted once for every suspect's story
/// (tens of thousands of findings cite hundreds of thousands of rows).
pub struct Citations(Vec<(u32, usize)>);

impl Citations {
    pub fn of(findings: &[Finding]) -> Citations {
        Citations(cited_rows(findings))
    }
}

/// One account's story. `columns` is how many columns the drawing has
/// across; the findings' rows must be the store's current row numbers.
pub fn build(store: &EventStore, account: &str, frame: Frame, findings: &[Finding], columns: u32) -> SuspectStory {
    build_with(store, account, frame, &cited_rows(findings), columns)
}

/// `build` with the findings' citations sorted already: the page draws the
/// suspects one task after another and sorts them once.
pub fn build_cited(store: &EventStore, account: &str, frame: Frame, cited: &Citations, columns: u32) -> SuspectStory {
    build_with(store, account, frame, &cited.0, columns)
}

fn build_with(store: &EventStore, account: &str, frame: Frame, cited: &[(u32, usize)], columns: u32) -> SuspectStory {
    let rows = account_rows(store, account);
    let events = rows.len();
    let axis = axis_for(store, &rows, frame, columns);
    let mut lanes: Vec<Vec<Mark>> = vec![Vec::new(); Lane::ALL.len()];
    let mut next_cited = 0;
    for &(row, lane) in &rows {
        while cited.get(next_cited).is_some_and(|&(r, _)| r < row) {
            next_cited += 1;
        }
        let citing = cited[next_cited.min(cited.len())..].iter().take_while(|&&(r, _)| r == row).map(|&(_, f)| f);
        let Some(marks) = lanes.get_mut(lane_index(lane)) else { continue };
        add_to_marks(store, marks, &axis, lane, row, citing);
    }
    let lanes = Lane::ALL.iter().zip(lanes).filter(|(_, marks)| !marks.is_empty()).map(|(&lane, marks)| (lane, marks)).collect();
    let window = frame.window.map(|(start, end)| (start.max(axis.start), end.min(axis.end))).filter(|(start, end)| start <= end);
    SuspectStory { account: account.to_string(), axis, lanes, window, containment: frame.containment, events }
}

/// The row into its lane's marks: the last mark when it is the row's
/// column (rows come in time order), else a new one.
fn add_to_marks(store: &EventStore, marks: &mut Vec<Mark>, axis: &Axis, lane: Lane, row: u32, citing: impl Iterator<Item = usize>) {
    let column = axis.column(store.time(row));
    let time = store.time(row);
    let failed = store.outcome(row) == Outcome::Failure;
    if marks.last().is_none_or(|mark| mark.column != column) {
        marks.push(Mark { column, count: 0, failures: 0, row, first: time, last: time, labels: Vec::new(), more_labels: false, findings: Vec::new(), finding_count: 0 });
    }
    let Some(mark) = marks.last_mut() else { return };
    mark.count += 1;
    mark.failures += u32::from(failed);
    mark.last = time;
    let cited_before = mark.is_cited();
    for finding in citing {
        if !mark.findings.contains(&finding) {
            if mark.findings.len() < MARK_FINDINGS {
                mark.findings.push(finding);
            }
            mark.finding_count += 1;
        }
    }
    // The event a finding cites is the one worth opening first.
    if !cited_before && mark.is_cited() {
        mark.row = row;
    }
    if !mark.more_labels {
        let label = label_of(store, lane, row);
        if !mark.labels.contains(&label) {
            if mark.labels.len() < MARK_LABELS {
                mark.labels.push(label);
            } else {
                mark.more_labels = true;
            }
        }
    }
}

/// What a mark's tooltip says of one event.
fn label_of(store: &EventStore, lane: Lane, row: u32) -> String {
    if lane != Lane::SignIns {
        return store.operation(row).trim().to_string();
    }
    let (ip, country) = (store.ip(row).trim(), store.country(row).trim());
    match (ip.is_empty(), country.is_empty()) {
        (false, false) => format!("{ip} ({country})"),
        (false, true) => ip.to_string(),
        (true, false) => country.to_string(),
        (true, true) => "address not recorded".to_string(),
    }
}

/// The axis over the account's activity, the window and the containment,
/// with a little room at the ends.
fn axis_for(store: &EventStore, rows: &[(u32, Lane)], frame: Frame, columns: u32) -> Axis {
    let mut times: Vec<TimeMs> = Vec::new();
    if let (Some(&(first, _)), Some(&(last, _))) = (rows.first(), rows.last()) {
        times.extend([store.time(first), store.time(last)]);
    }
    if let Some((start, end)) = frame.window {
        times.push(start);
        // An open window (see `Frame::new`) does not stretch the axis.
        if end != TimeMs::MAX {
            times.push(end);
        }
    }
    times.extend(frame.containment);
    let (start, end) = match (times.iter().min(), times.iter().max()) {
        (Some(&start), Some(&end)) => (start, end),
        _ => (0, 0),
    };
    let room = (end.saturating_sub(start) / EDGE_SHARE).max(60_000);
    Axis::new(start.saturating_sub(room), end.saturating_add(room), columns)
}

/// (row, position of a finding citing it) for every finding above Info,
/// sorted by row. Info findings are summaries of everything an account
/// did (`ual.window_activity`); marking every event with them would hide
/// the findings that single something out.
fn cited_rows(findings: &[Finding]) -> Vec<(u32, usize)> {
    let mut cited: Vec<(u32, usize)> = findings.iter().enumerate().filter(|(_, f)| f.severity > Severity::Info).flat_map(|(i, f)| f.rows.iter().map(move |&r| (r, i))).collect();
    cited.sort_unstable();
    cited.dedup();
    cited
}

/// How a row came to be the account's.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tie {
    /// The account acted (by name or object id), or its consented app did.
    Acted,
    /// The account is the target of a directory change (an admin
    /// registered a method for it, a role was given to it).
    Target,
}

/// The account's rows in time order with their lanes: rows it acted in
/// (named by UPN or, in Graph and cloud logs, by its object id), Graph
/// requests of apps it consented to, and directory changes of its methods
/// and roles made by others. Each test compares dictionary numbers, so the
/// pass over a million rows does no text work per row.
fn account_rows(store: &EventStore, account: &str) -> Vec<(u32, Lane)> {
    let account = account.trim();
    if account.is_empty() {
        return Vec::new();
    }
    let by_name = store.rows_matching(&store.text_match(TextColumn::Actor, |a| a.trim().eq_ignore_ascii_case(account)));
    let object_ids = object_ids(store, &by_name, account);
    let mut tied: Vec<(u32, Tie)> = by_name.iter().map(|&r| (r, Tie::Acted)).collect();
    if !object_ids.is_empty() {
        let by_id = store.text_match(TextColumn::Actor, |a| object_ids.iter().any(|id| id.eq_ignore_ascii_case(a.trim())));
        tied.extend(store.rows_matching(&by_id).into_iter().map(|r| (r, Tie::Acted)));
    }
    let apps = consented_apps(store, &by_name);
    if !apps.is_empty() {
        let by_app = store.text_match(TextColumn::App, |a| apps.iter().any(|id| id.eq_ignore_ascii_case(a.trim())));
        tied.extend(store.rows_matching(&by_app).into_iter().filter(|&r| store.source(r) == Source::GraphActivity).map(|r| (r, Tie::Acted)));
    }
    let as_target = store.text_match(TextColumn::Target, |t| contains_ignoring_case(t, account));
    tied.extend(store.rows_matching(&as_target).into_iter().filter(|&r| store.source(r) == Source::DirectoryAudit).map(|r| (r, Tie::Target)));
    // Sorting puts `Acted` first for a row tied both ways; dedup keeps it.
    tied.sort_unstable();
    tied.dedup_by_key(|(row, _)| *row);

    let mut classifier = LaneClassifier::new(store);
    tied.into_iter()
        .filter_map(|(row, tie)| {
            let lane = classifier.lane(store, row)?;
            (tie == Tie::Acted || matches!(lane, Lane::Mfa | Lane::RoleChanges)).then_some((row, lane))
        })
        .collect()
}

/// Whether `text` holds `part`, ASCII case ignored; without allocating, as
/// it runs once per distinct target (file paths and subjects included).
fn contains_ignoring_case(text: &str, part: &str) -> bool {
    let part = part.as_bytes();
    !part.is_empty() && text.as_bytes().windows(part.len()).any(|w| w.eq_ignore_ascii_case(part))
}

/// The account's Entra object ids, as its own sign-in and audit rows give
/// them: Graph and Azure logs name callers by these.
fn object_ids(store: &EventStore, rows: &[u32], account: &str) -> Vec<String> {
    let Some(key) = store.attr_key(attr::USER_ID) else { return Vec::new() };
    let mut ids: Vec<String> = Vec::new();
    for &row in rows.iter().filter(|&&r| matches!(store.source(r), Source::SignIn | Source::DirectoryAudit)) {
        let Some(id) = store.attr_at(row, &key).map(str::trim).filter(|id| !id.is_empty() && !id.eq_ignore_ascii_case(account)) else { continue };
        if !ids.iter().any(|known| known.eq_ignore_ascii_case(id)) {
            ids.push(id.to_string());
        }
    }
    ids
}

/// App ids of the applications the account consented to: their own Graph
/// requests (no user behind them) are the account's doing too.
fn consented_apps(store: &EventStore, rows: &[u32]) -> Vec<String> {
    let mut apps: Vec<String> = Vec::new();
    for &row in rows.iter().filter(|&&r| matches!(store.source(r), Source::DirectoryAudit | Source::UnifiedAudit)) {
        if !op_named(store.operation(row), &GRANT_OPS) {
            continue;
        }
        let id = app_id(store, row);
        if !id.trim().is_empty() && !apps.iter().any(|a| a.eq_ignore_ascii_case(id.trim())) {
            apps.push(id.trim().to_string());
        }
    }
    apps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::{audit, signin, store_of, t, ual, EventExt};
    use crate::model::Event;

    const ALICE: &str = "alice@contoso.com";

    fn finding(severity: Severity, title: &str, rows: Vec<u32>, store: &EventStore) -> Finding {
        Finding {
            id: title.into(),
            detector: "test",
            step: 3,
            severity,
            title: title.into(),
            why: "because".into(),
            entities: Vec::new(),
            first: store.time(rows[0]),
            rows,
            query: String::new(),
            benign_signals: Vec::new(),
            details: Vec::new(),
        }
    }

    fn graph(time: &str, caller: &str, app: &str) -> Event {
        Event { source: Source::GraphActivity, operation: "GET /users/{id}/messages".into(), app: app.into(), ..audit(time, "", caller, "") }
    }

    fn incident() -> Vec<Event> {
        vec![
            signin("2026-03-01T08:00:00Z", ALICE, "198.51.100.10", "GB").with(attr::USER_ID, "obj-alice"),
            signin("2026-03-02T09:00:00Z", "Alice@Contoso.com", "203.0.113.7", "NG").failed(),
            signin("2026-03-02T09:00:30Z", ALICE, "203.0.113.7", "NG"),
            signin("2026-03-02T09:01:00Z", "bob@contoso.com", "198.51.100.11", "GB"),
            audit("2026-03-02T09:05:00Z", "User registered security info", ALICE, ALICE),
            audit("2026-03-02T09:06:00Z", "Admin registered security info", "helpdesk@contoso.com", ALICE),
            audit("2026-03-02T09:07:00Z", "Update user", "helpdesk@contoso.com", ALICE),
            audit("2026-03-02T09:10:00Z", "Consent to application", ALICE, "Mail Reader").with(attr::APP_ID, "app-evil"),
            ual("2026-03-02T09:20:00Z", "New-InboxRule", ALICE, "203.0.113.7"),
            graph("2026-03-02T10:00:00Z", "obj-alice", "app-other"),
            graph("2026-03-02T10:05:00Z", "sp-evil", "app-evil"),
            graph("2026-03-02T10:06:00Z", "obj-bob", "app-other"),
            audit("2026-03-02T11:00:00Z", "Add member to role", "admin@contoso.com", ALICE),
            ual("2026-03-02T12:00:00Z", "FileDownloaded", "bob@contoso.com", "198.51.100.11"),
        ]
    }

    fn rows_of(story: &SuspectStory, lane: Lane) -> u32 {
        story.marks(lane).iter().map(|m| m.count).sum()
    }

    #[test]
    fn the_accounts_activity_is_sorted_into_lanes() {
        let store = store_of(incident());
        let story = build(&store, ALICE, Frame::default(), &[], 1000);
        let lanes: Vec<Lane> = story.lanes.iter().map(|(l, _)| *l).collect();
        assert_eq!(lanes, vec![Lane::SignIns, Lane::Mfa, Lane::Apps, Lane::MailRules, Lane::RoleChanges, Lane::Graph]);
        assert_eq!(rows_of(&story, Lane::SignIns), 3, "names compare without case; bob's sign-in is not alice's");
        assert_eq!(rows_of(&story, Lane::Mfa), 2, "her own registration and the helpdesk's for her; the bare update is not a method change");
        assert_eq!(rows_of(&story, Lane::Graph), 2, "her own object id, and the app she consented to");
        assert_eq!(rows_of(&story, Lane::RoleChanges), 1, "a role given to her counts");
        assert_eq!(story.events, 10);
        let failures: u32 = story.marks(Lane::SignIns).iter().map(|m| m.failures).sum();
        assert_eq!(failures, 1);
        let labels: Vec<&str> = story.marks(Lane::SignIns).iter().flat_map(|m| m.labels.iter().map(String::as_str)).collect();
        assert!(labels.contains(&"203.0.113.7 (NG)"), "{labels:?}");
    }

    #[test]
    fn events_in_one_column_make_one_mark() {
        let store = store_of(incident());
        // Ten columns over about a day and a half: the morning of the
        // second day is one column.
        let story = build(&store, ALICE, Frame::default(), &[], 10);
        let signins = story.marks(Lane::SignIns);
        assert_eq!(signins.iter().map(|m| m.count).collect::<Vec<_>>(), vec![1, 2]);
        let second = &signins[1];
        assert_eq!((second.first, second.last), (t("2026-03-02T09:00:00Z"), t("2026-03-02T09:00:30Z")));
        assert_eq!(second.row, 1, "the first event opens when no finding cites one");
        assert_eq!(second.labels, vec!["203.0.113.7 (NG)".to_string()], "one address, one label");
        for (_, marks) in &story.lanes {
            assert!(marks.windows(2).all(|w| w[0].column < w[1].column), "one mark per column, in order");
            assert!(marks.iter().all(|m| m.column < 10));
        }
    }

    #[test]
    fn a_million_events_draw_as_one_mark_per_column() {
        let base = t("2026-03-01T00:00:00Z");
        let events: Vec<Event> = (0..200_000i64)
            .map(|i| {
                let mut e = ual("2026-03-01T00:00:00Z", if i % 2 == 0 { "MailItemsAccessed" } else { "Send" }, ALICE, "203.0.113.7");
                e.time = base + i * 1000;
                e
            })
            .collect();
        let store = store_of(events);
        let story = build(&store, ALICE, Frame::default(), &[], 400);
        let marks = story.marks(Lane::Mail);
        assert!(marks.len() <= 400, "{}", marks.len());
        assert_eq!(marks.iter().map(|m| u64::from(m.count)).sum::<u64>(), 200_000);
        assert!(marks.iter().all(|m| m.labels.len() == 2 && !m.more_labels));
    }

    #[test]
    fn window_and_containment_frame_the_axis() {
        let store = store_of(incident());
        let ctx = Context { window: Some((t("2026-03-02T08:55:00Z"), t("2026-03-02T12:00:00Z"))), containment: Some(t("2026-03-04T00:00:00Z")), ..Context::default() };
        let story = build(&store, ALICE, Frame::new(&ctx, None), &[], 500);
        assert_eq!(story.window, ctx.window);
        assert_eq!(story.containment, ctx.containment);
        assert!(story.axis.start < t("2026-03-01T08:00:00Z") && story.axis.end > t("2026-03-04T00:00:00Z"), "{:?}", story.axis);

        // With no window, the incident start opens one up to the containment,
        // or to the axis end when there is none.
        let started = Frame::new(&Context { containment: ctx.containment, ..Context::default() }, Some(t("2026-03-02T09:00:00Z")));
        assert_eq!(started.window, Some((t("2026-03-02T09:00:00Z"), t("2026-03-04T00:00:00Z"))));
        let open = build(&store, ALICE, Frame::new(&Context::default(), Some(t("2026-03-02T09:00:00Z"))), &[], 500);
        assert_eq!(open.window, Some((t("2026-03-02T09:00:00Z"), open.axis.end)));
    }

    #[test]
    fn findings_mark_the_events_they_cite() {
        let store = store_of(incident());
        let findings = vec![
            finding(Severity::High, "Sign-in from a new country", vec![2], &store),
            finding(Severity::Medium, "Security info registered", vec![4, 5], &store),
            finding(Severity::Info, "Everything alice did", (0..store.len() as u32).collect(), &store),
        ];
        let story = build(&store, ALICE, Frame::default(), &findings, 10);
        let signins = story.marks(Lane::SignIns);
        assert!(!signins[0].is_cited(), "an Info summary marks nothing");
        assert_eq!((signins[1].findings.clone(), signins[1].finding_count), (vec![0], 1));
        assert_eq!(signins[1].row, 2, "the cited event opens, not the column's first");
        let mfa = story.marks(Lane::Mfa);
        assert_eq!(mfa.len(), 1);
        assert_eq!((mfa[0].findings.clone(), mfa[0].finding_count, mfa[0].row), (vec![1], 1, 4));
        assert!(story.marks(Lane::Apps).iter().all(|m| !m.is_cited()));
    }

    #[test]
    fn citations_sorted_once_tell_the_same_story() {
        let store = store_of(incident());
        let findings = vec![finding(Severity::High, "Sign-in from a new country", vec![2], &store), finding(Severity::Medium, "Security info registered", vec![4, 5], &store)];
        let cited = Citations::of(&findings);
        for account in [ALICE, "bob@contoso.com"] {
            assert_eq!(build_cited(&store, account, Frame::default(), &cited, 10), build(&store, account, Frame::default(), &findings, 10));
        }
        let ctx = Context { suspect_accounts: vec![" ".into(), ALICE.into(), "".into()], ..Context::default() };
        assert_eq!(suspects(&ctx).collect::<Vec<_>>(), vec![ALICE]);
    }

    #[test]
    fn an_account_with_no_activity_has_an_empty_story() {
        let store = store_of(incident());
        let story = build(&store, "nobody@contoso.com", Frame::default(), &[], 100);
        assert!(story.lanes.is_empty());
        assert_eq!(story.events, 0);
        let ctx = Context { suspect_accounts: vec![ALICE.into(), " ".into(), "bob@contoso.com".into()], ..Context::default() };
        let all = stories(&store, &ctx, None, &[], 100);
        assert_eq!(all.iter().map(|s| s.account.as_str()).collect::<Vec<_>>(), vec![ALICE, "bob@contoso.com"]);
    }
}
