//! The store end to end on a small hand-built case: three files loaded out
//! of time order, queries of every kind, facets, histogram, removal and the
//! raw record behind a row.

use loupe::ingest::{Container, Format, IngestReport, Schema};
use loupe::model::{parse_rfc3339_utc, Event, Outcome, RawSpan, Source};
use loupe::store::{parse, EvalContext, EventStore, FacetCount, FacetField, FileId, PendingFile};
use serde_json::json;
use std::sync::Arc;

struct Spec {
    time: &'static str,
    source: Source,
    op: &'static str,
    actor: &'static str,
    target: &'static str,
    ip: &'static str,
    country: &'static str,
    outcome: Outcome,
    app: &'static str,
    ua: &'static str,
    attrs: &'static [(&'static str, &'static str)],
}

fn event(s: &Spec) -> Event {
    Event {
        time: parse_rfc3339_utc(s.time).unwrap(),
        source: s.source,
        operation: s.op.into(),
        actor: s.actor.into(),
        target: s.target.into(),
        ip: s.ip.into(),
        country: s.country.into(),
        city: if s.country == "FR" { "Paris".into() } else { String::new() },
        geo: if s.country == "FR" { Some((48.8566, 2.3522)) } else { None },
        outcome: s.outcome,
        user_agent: s.ua.into(),
        app: s.app.into(),
        attrs: s.attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        source_time: s.time.into(),
        line: 2,
        raw: RawSpan::default(),
        record_id: String::new(),
    }
}

const ALICE: &str = "alice@contoso.com";
const BOB: &str = "bob@contoso.com";

fn sign_ins() -> Vec<Event> {
    let base = Spec {
        time: "2026-03-01T09:00:00Z",
        source: Source::SignIn,
        op: "Sign-in",
        actor: ALICE,
        target: "",
        ip: "198.51.100.7",
        country: "FR",
        outcome: Outcome::Success,
        app: "Office 365 Exchange Online",
        ua: "Mozilla/5.0 (Windows NT 10.0)",
        attrs: &[("RiskLevelDuringSignIn", "none")],
    };
    vec![
        // Deliberately out of time order within the file.
        event(&Spec { time: "2026-03-01T09:31:00Z", ip: "203.0.113.9", country: "NG", ua: "python-requests/2.31", attrs: &[("RiskLevelDuringSignIn", "high")], ..base }),
        event(&base),
        event(&Spec {
            time: "2026-03-01T09:30:00Z",
            ip: "203.0.113.9",
            country: "NG",
            outcome: Outcome::Failure,
            app: "OfficeHome",
            ua: "python-requests/2.31",
            attrs: &[("RiskLevelDuringSignIn", "high"), ("ErrorCode", "50126")],
            ..base
        }),
    ]
}

fn ual() -> Vec<Event> {
    let base = Spec {
        time: "2026-03-01T10:05:00Z",
        source: Source::UnifiedAudit,
        op: "New-InboxRule",
        actor: ALICE,
        target: "alice@contoso.com\\Invoices",
        ip: "203.0.113.9",
        country: "",
        outcome: Outcome::Success,
        app: "",
        ua: "",
        attrs: &[("Param.ForwardTo", "ext@evil.example"), ("Param.Name", "Invoice rule")],
    };
    vec![
        event(&base),
        event(&Spec { time: "2026-03-01T12:00:00Z", op: "Send", actor: BOB, target: "", ip: "198.51.100.20", country: "US", attrs: &[("Subject", "Quarterly report")], ..base }),
        event(&Spec { time: "2026-03-01T10:10:00Z", op: "MailItemsAccessed", target: "", attrs: &[("ItemCount", "12")], ..base }),
    ]
}

fn audit() -> Vec<Event> {
    vec![event(&Spec {
        time: "2026-03-01T11:00:00Z",
        source: Source::DirectoryAudit,
        op: "Add member to role",
        actor: "admin@contoso.com",
        target: BOB,
        ip: "2001:db8::5",
        country: "",
        outcome: Outcome::Success,
        app: "",
        ua: "",
        attrs: &[("Category", "RoleManagement")],
    })]
}

fn report(name: &str) -> IngestReport {
    IngestReport::new(name, name.as_bytes())
}

/// The case: UAL loaded first, then sign-ins (earlier), then the audit log.
fn store() -> (EventStore, [FileId; 3]) {
    let mut store = EventStore::new();
    let u = store.add_file(report("ual.csv"), Arc::new(String::new()), ual());
    let s = store.add_file(report("signins.json"), Arc::new(String::new()), sign_ins());
    let a = store.add_file(report("audit.json"), Arc::new(String::new()), audit());
    (store, [u, s, a])
}

fn ops(store: &EventStore, rows: &[u32]) -> Vec<String> {
    rows.iter().map(|&r| format!("{} {}", &loupe::model::format_utc(store.time(r))[11..16], store.operation(r))).collect()
}

fn run(store: &EventStore, query: &str) -> Vec<String> {
    let rows = store.filter(&parse(query).unwrap(), &EvalContext::default()).unwrap();
    ops(store, &rows)
}

#[test]
fn rows_are_in_time_order_whatever_the_load_order() {
    let (store, [u, s, a]) = store();
    assert_eq!(store.len(), 7);
    let all: Vec<u32> = (0..7).collect();
    assert_eq!(
        ops(&store, &all),
        ["09:00 Sign-in", "09:30 Sign-in", "09:31 Sign-in", "10:05 New-InboxRule", "10:10 MailItemsAccessed", "11:00 Add member to role", "12:00 Send"]
    );
    assert_eq!([store.file_of(0), store.file_of(3), store.file_of(5)], [s, u, a]);
    assert_eq!(store.time_range(), Some((parse_rfc3339_utc("2026-03-01T09:00:00Z").unwrap(), parse_rfc3339_utc("2026-03-01T12:00:00Z").unwrap())));
    assert_eq!(store.files().iter().map(|f| f.report.file.as_str()).collect::<Vec<_>>(), ["ual.csv", "signins.json", "audit.json"]);
    // Attributes follow their rows through the re-sort.
    assert_eq!(store.attrs(1).collect::<Vec<_>>(), [("RiskLevelDuringSignIn", "high"), ("ErrorCode", "50126")]);
    assert_eq!(store.attr(3, "Param.ForwardTo"), Some("ext@evil.example"));
    assert_eq!(store.geo(0), Some((48.8566f32 as f64, 2.3522f32 as f64)));
    assert_eq!(store.geo(1), None);
    assert_eq!((store.source(5), store.outcome(1), store.country(1), store.user_agent(1)), (Source::DirectoryAudit, Outcome::Failure, "NG", "python-requests/2.31"));
}

#[test]
fn equal_times_keep_load_order() {
    let mut store = EventStore::new();
    let mut first = audit();
    first[0].operation = "first".into();
    let mut second = audit();
    second[0].operation = "second".into();
    store.add_file(report("a.json"), Arc::new(String::new()), first);
    store.add_file(report("b.json"), Arc::new(String::new()), second);
    assert_eq!([store.operation(0), store.operation(1)], ["first", "second"]);
}

#[test]
fn field_terms() {
    let (store, _) = store();
    assert_eq!(run(&store, "").len(), 7);
    assert_eq!(run(&store, "user:alice").len(), 5);
    assert_eq!(run(&store, "user:BOB"), ["11:00 Add member to role", "12:00 Send"]);
    assert_eq!(run(&store, "actor:bob"), ["12:00 Send"]);
    assert_eq!(run(&store, "target:bob"), ["11:00 Add member to role"]);
    assert_eq!(run(&store, "op:new-inboxrule,Send"), ["10:05 New-InboxRule", "12:00 Send"]);
    assert_eq!(run(&store, "op:mail*"), ["10:10 MailItemsAccessed"]);
    assert_eq!(run(&store, "op:*mail"), Vec::<String>::new());
    assert_eq!(run(&store, "country:ng ua:python"), ["09:30 Sign-in", "09:31 Sign-in"]);
    assert_eq!(run(&store, "city:paris"), ["09:00 Sign-in"]);
    assert_eq!(run(&store, "app:officehome"), ["09:30 Sign-in"]);
    assert_eq!(run(&store, "source:signin,audit").len(), 4);
    assert_eq!(run(&store, "-source:signin"), ["10:05 New-InboxRule", "10:10 MailItemsAccessed", "11:00 Add member to role", "12:00 Send"]);
    assert_eq!(run(&store, "outcome:failure"), ["09:30 Sign-in"]);
    assert_eq!(run(&store, "file:ual"), ["10:05 New-InboxRule", "10:10 MailItemsAccessed", "12:00 Send"]);
    assert_eq!(run(&store, "file:nothing.csv"), Vec::<String>::new());
    assert_eq!(run(&store, "user:\"alice@contoso.com\\invoices\""), ["10:05 New-InboxRule"]);
}

#[test]
fn ip_terms() {
    let (store, _) = store();
    assert_eq!(run(&store, "ip:203.0.113.0/24 -outcome:success"), ["09:30 Sign-in"]);
    assert_eq!(run(&store, "ip:203.0.113.").len(), 4);
    assert_eq!(run(&store, "ip:198.51.100.2"), Vec::<String>::new());
    assert_eq!(run(&store, "ip:198.51.100.20"), ["12:00 Send"]);
    assert_eq!(run(&store, "ip:2001:db8::/32"), ["11:00 Add member to role"]);
    assert_eq!(run(&store, "ip:2001:DB8::5"), ["11:00 Add member to role"]);
    assert_eq!(run(&store, "ip:198.51.*"), ["09:00 Sign-in", "12:00 Send"]);
}

#[test]
fn free_text_and_attributes() {
    let (store, _) = store();
    assert_eq!(run(&store, "invoice"), ["10:05 New-InboxRule"]);
    assert_eq!(run(&store, "EVIL.example"), ["10:05 New-InboxRule"]);
    assert_eq!(run(&store, "quarterly,50126"), ["09:30 Sign-in", "12:00 Send"]);
    assert_eq!(run(&store, "2001:db8::5"), ["11:00 Add member to role"]);
    assert_eq!(run(&store, "Param.ForwardTo:evil.example"), ["10:05 New-InboxRule"]);
    assert_eq!(run(&store, "param.forwardto:*@evil.example"), ["10:05 New-InboxRule"]);
    assert_eq!(run(&store, "RiskLevelDuringSignIn:high"), ["09:30 Sign-in", "09:31 Sign-in"]);
    assert_eq!(run(&store, "-RiskLevelDuringSignIn:high source:signin"), ["09:00 Sign-in"]);
    // The value must be under that key: "high" appears nowhere else either,
    // but "Quarterly" is a Subject, not a risk level.
    assert_eq!(run(&store, "RiskLevelDuringSignIn:quarterly"), Vec::<String>::new());
}

#[test]
fn unknown_attribute_is_an_error_with_position() {
    let (store, _) = store();
    let err = store.filter(&parse("op:Send usr:alice").unwrap(), &EvalContext::default()).unwrap_err();
    assert_eq!(err.position, 8);
    assert_eq!(
        err.message,
        "unknown field 'usr'; known fields: user, actor, target, ip, op, country, city, asn, app, ua, source, outcome, file, tag, note, after, before, time; \
         or an attribute of the loaded events: Category, ErrorCode, ItemCount, Param.ForwardTo, Param.Name, RiskLevelDuringSignIn, Subject"
    );
}

#[test]
fn check_finds_what_filter_refuses_without_running_it() {
    let (store, _) = store();
    let ctx = EvalContext::default();
    for text in ["op:Send usr:alice", "-nope:x", "time:2026-03-01T09:30Z.. Subjekt:Quarterly"] {
        let query = parse(text).unwrap();
        assert_eq!(store.check(&query, &ctx), store.filter(&query, &ctx).map(|_| ()), "{text}");
        assert!(store.check(&query, &ctx).is_err(), "{text}");
    }
    for text in ["", "op:Send", "Param.ForwardTo:evil.example -source:signin", "after:2026-03-01T10:00Z", "quarterly,50126"] {
        assert_eq!(store.check(&parse(text).unwrap(), &ctx), Ok(()), "{text}");
    }
}

#[test]
fn time_terms() {
    let (store, _) = store();
    assert_eq!(run(&store, "after:2026-03-01T10:00Z before:2026-03-01T12:00Z"), ["10:05 New-InboxRule", "10:10 MailItemsAccessed", "11:00 Add member to role"]);
    assert_eq!(run(&store, "time:2026-03-01T09:30Z..2026-03-01T10:06"), ["09:30 Sign-in", "09:31 Sign-in", "10:05 New-InboxRule"]);
    assert_eq!(run(&store, "-after:2026-03-01T09:31Z"), ["09:00 Sign-in", "09:30 Sign-in"]);
    assert_eq!(run(&store, "time:2026-03-01T11:00Z.. op:send"), ["12:00 Send"]);
    assert_eq!(run(&store, "after:2026-03-02"), Vec::<String>::new());
}

#[test]
fn ioc_term_uses_the_case_indicators() {
    let (store, _) = store();
    let q = parse("ioc").unwrap();
    let ctx = EvalContext { indicators: vec!["203.0.113.9".into(), " EXT@evil.example ".into()], ..EvalContext::default() };
    assert_eq!(ops(&store, &store.filter(&q, &ctx).unwrap()), ["09:30 Sign-in", "09:31 Sign-in", "10:05 New-InboxRule", "10:10 MailItemsAccessed"]);
    let ctx = EvalContext { indicators: vec!["ext@evil.example".into()], ..EvalContext::default() };
    assert_eq!(ops(&store, &store.filter(&q, &ctx).unwrap()), ["10:05 New-InboxRule"]);
    // Equality, not substring.
    let ctx = EvalContext { indicators: vec!["evil.example".into()], ..EvalContext::default() };
    assert!(store.filter(&q, &ctx).unwrap().is_empty());
    assert!(store.filter(&q, &EvalContext::default()).unwrap().is_empty());
    assert_eq!(store.filter(&parse("-ioc").unwrap(), &EvalContext::default()).unwrap().len(), 7);
}

#[test]
fn facets_count_and_rank() {
    let (store, _) = store();
    let all: Vec<u32> = (0..7).collect();
    let fc = |v: &str, count: u32| FacetCount { value: v.into(), count };
    assert_eq!(store.facets(&all, FacetField::User, 10), [fc(ALICE, 5), fc("admin@contoso.com", 1), fc(BOB, 1)]);
    assert_eq!(store.facets(&all, FacetField::User, 2), [fc(ALICE, 5), fc("admin@contoso.com", 1)]);
    assert_eq!(store.facets(&all, FacetField::Source, 10), [fc("signin", 3), fc("ual", 3), fc("audit", 1)]);
    assert_eq!(store.facets(&all, FacetField::Outcome, 10), [fc("success", 6), fc("failure", 1)]);
    assert_eq!(store.facets(&all, FacetField::Country, 10), [fc("NG", 2), fc("FR", 1), fc("US", 1)]);
    let alice = store.filter(&parse("user:alice").unwrap(), &EvalContext::default()).unwrap();
    assert_eq!(store.facets(&alice, FacetField::Ip, 10), [fc("203.0.113.9", 4), fc("198.51.100.7", 1)]);
    assert_eq!(store.facets(&alice, FacetField::Operation, 1), [fc("Sign-in", 3)]);
    assert_eq!(store.facets(&[], FacetField::App, 5), []);
}

#[test]
fn histogram_over_the_case() {
    let (store, _) = store();
    let all: Vec<u32> = (0..7).collect();
    let h = store.histogram(&all, 10);
    let nine = parse_rfc3339_utc("2026-03-01T09:00:00Z").unwrap();
    assert_eq!((h.start, h.bucket_ms, &h.counts[..]), (nine, 30 * 60_000, &[1, 2, 2, 0, 1, 0, 1][..]));
    assert_eq!(h.source_totals(), [(Source::SignIn, 3), (Source::DirectoryAudit, 1), (Source::UnifiedAudit, 3)]);
    assert_eq!(h.bucket_span(1), (nine + 1_800_000, nine + 3_600_000));
    let h = store.histogram(&all, 200);
    assert_eq!((h.bucket_ms, h.counts.len(), h.counts.iter().sum::<u32>()), (60_000, 181, 7));
    assert_eq!(store.histogram(&[], 10).counts, Vec::<u32>::new());
}

#[test]
fn removing_a_file_drops_its_rows() {
    let (mut store, [_, s, _]) = store();
    store.remove_file(s);
    assert_eq!(store.len(), 4);
    assert_eq!(store.files().len(), 2);
    assert_eq!(ops(&store, &[0, 1, 2, 3]), ["10:05 New-InboxRule", "10:10 MailItemsAccessed", "11:00 Add member to role", "12:00 Send"]);
    assert_eq!(store.attrs(0).count(), 2);
    assert_eq!(store.attr(3, "Subject"), Some("Quarterly report"));
    assert!(run(&store, "source:signin").is_empty());
    // Attribute keys only the removed file had are still known, so the query is not an error.
    assert!(run(&store, "RiskLevelDuringSignIn:high").is_empty());
    store.remove_file(s);
    assert_eq!(store.len(), 4);
}

#[test]
fn raw_record_and_event_of_a_json_file() {
    let text = "[\n  {\"id\": \"a1\", \"createdDateTime\": \"2026-03-01T09:00:00Z\", \"userPrincipalName\": \"alice@contoso.com\"},\n  {\"id\": \"a2\", \"createdDateTime\": \"2026-03-01T08:00:00Z\", \"userPrincipalName\": \"bob@contoso.com\"}\n]\n";
    let span_of = |needle: &str| {
        let start = text.find(needle).unwrap();
        let end = start + text[start..].find('}').unwrap() + 1;
        RawSpan::new(start as u64, end as u64)
    };
    let mut first = event(&Spec {
        time: "2026-03-01T09:00:00Z",
        source: Source::SignIn,
        op: "Sign-in",
        actor: ALICE,
        target: "",
        ip: "",
        country: "",
        outcome: Outcome::Success,
        app: "",
        ua: "",
        attrs: &[("RequestId", "a1")],
    });
    first.raw = span_of("{\"id\": \"a1\"");
    first.line = 2;
    let mut second = first.clone();
    second.time = parse_rfc3339_utc("2026-03-01T08:00:00Z").unwrap();
    second.actor = BOB.into();
    second.raw = span_of("{\"id\": \"a2\"");
    second.line = 3;
    let mut rep = report("signins.json");
    rep.format = Some(Format { schema: Schema::GraphSignIn, container: Container::Json });
    let mut store = EventStore::new();
    store.add_file(rep, Arc::new(text.to_string()), vec![first.clone(), second]);
    assert_eq!(store.actor(0), BOB);
    assert_eq!(store.line(0), 3);
    assert_eq!(store.raw_record(1), json!({"id": "a1", "createdDateTime": "2026-03-01T09:00:00Z", "userPrincipalName": "alice@contoso.com"}));
    assert_eq!(store.raw_record(0)["id"], "a2");
    let rebuilt = store.event(1);
    assert_eq!(rebuilt, Event { source_time: String::new(), geo: None, ..first });
}

#[test]
fn raw_record_of_a_csv_row_expands_audit_data() {
    let text = "CreationDate,UserIds,Operations,AuditData\n3/1/2026 10:05:00 AM,alice@contoso.com,Send,\"{\"\"Id\"\":\"\"x1\"\",\"\"Operation\"\":\"\"Send\"\"}\"\n";
    let start = text.find("3/1/2026").unwrap();
    let mut e = ual().remove(1);
    e.raw = RawSpan::new(start as u64, (text.len() - 1) as u64);
    let mut rep = report("ual.csv");
    rep.format = Some(Format { schema: Schema::UalSearchCsv, container: Container::Csv { delimiter: b',' } });
    let mut store = EventStore::new();
    store.add_file(rep, Arc::new(text.to_string()), vec![e]);
    assert_eq!(
        store.raw_record(0),
        json!({"CreationDate": "3/1/2026 10:05:00 AM", "UserIds": "alice@contoso.com", "Operations": "Send", "AuditData": {"Id": "x1", "Operation": "Send"}})
    );
}

#[test]
fn a_pending_file_loads_like_add_file() {
    let (direct, _) = store();
    let mut streamed = EventStore::new();
    streamed.add_file(report("ual.csv"), Arc::new(String::new()), ual());
    let mut pending = PendingFile::new();
    let mut batches = sign_ins();
    let last = batches.split_off(2);
    pending.extend(batches);
    pending.extend(last);
    assert_eq!(pending.len(), 3);
    streamed.add_pending(report("signins.json"), Arc::new(String::new()), pending);
    let mut pending = PendingFile::default();
    pending.extend(audit());
    streamed.add_pending(report("audit.json"), Arc::new(String::new()), pending);
    assert_eq!(streamed.len(), 7);
    for row in 0..7 {
        assert_eq!(streamed.event(row), direct.event(row), "row {row}");
        assert_eq!(streamed.file_of(row), direct.file_of(row), "row {row}");
    }
    assert_eq!(run(&streamed, "RiskLevelDuringSignIn:high"), run(&direct, "RiskLevelDuringSignIn:high"));
    assert_eq!(run(&streamed, "user:alice ip:203.0.113.0/24").len(), 4);
}

/// A file that loads in parts merges rows into the middle of the timeline;
/// row numbers taken before a part follow their rows to where they are now.
#[test]
fn row_numbers_follow_their_rows_through_later_parts_and_stop_at_a_removal() {
    let mut store = EventStore::new();
    let ual_file = store.add_file(report("ual.csv"), Arc::new(String::new()), ual());
    let before = store.row_layout();
    let held: Vec<u32> = (0..store.len() as u32).collect();
    let held_ops = ops(&store, &held);
    // Two parts of a sign-in file: both merge rows before and among the UAL rows.
    let signins = sign_ins();
    let file = store.add_pending(report("signins.json"), Arc::new(String::new()), pending(&signins[..1]));
    store.extend_file(file, pending(&signins[1..]));
    let after = store.rows_moved_since(before).expect("merges can be followed");
    let moved: Vec<u32> = held.iter().map(|&r| after.row(r)).collect();
    assert_eq!(ops(&store, &moved), held_ops);
    assert!(moved.iter().zip(&held).any(|(now, was)| now != was), "the sign-ins went before the UAL rows");
    assert_eq!(store.file_of(moved[0]), ual_file);
    // Rows added after every earlier row move nothing.
    let late = store.row_layout();
    let mut send = audit();
    send[0].time = parse_rfc3339_utc("2026-03-02T00:00:00Z").unwrap();
    store.add_file(report("later.json"), Arc::new(String::new()), send);
    assert!(store.rows_moved_since(late).is_some_and(|m| m.is_identity()));
    store.remove_file(file);
    assert!(store.rows_moved_since(before).is_none());
    assert!(store.rows_moved_since(store.row_layout()).is_some());
}

fn pending(events: &[Event]) -> PendingFile {
    let mut pending = PendingFile::new();
    pending.extend(events.iter().cloned());
    pending
}
