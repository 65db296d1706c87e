//! Exchange message trace: the same messages in the three layouts they come
//! in (`Get-MessageTrace` and `Get-MessageTraceV2` through `Export-Csv`, the
//! admin center's downloadable report in UTF-16) give the expected events;
//! rows with a bad date are counted with their line; a message in two
//! exports is kept once. Then the detectors on a small incident: a suspect
//! mailing three outside recipients in the window, thirty colleagues
//! phished in ten minutes, a marked sender reaching two mailboxes, and
//! ordinary mail that must make no finding.

use loupe::detect::{run_all, Context, Finding, Indicator, IndicatorKind, Severity};
use loupe::ingest::{ingest_bytes, Deduper, IngestReport, Schema};
use loupe::model::{attr, parse_rfc3339_utc, Event, Outcome, Source, TimeMs};
use loupe::store::EventStore;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("tests/fixtures/{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn ingest(name: &str, bytes: &[u8]) -> (IngestReport, Vec<Event>) {
    let (report, events, _) = ingest_bytes(name, bytes, &mut Deduper::default());
    (report, events)
}

fn t(text: &str) -> TimeMs {
    parse_rfc3339_utc(text).unwrap_or_else(|| panic!("bad time {text}"))
}

/// (time, operation, actor, target, ip, outcome) of each event.
fn summary(events: &[Event]) -> Vec<(TimeMs, &str, &str, &str, &str, Outcome)> {
    events.iter().map(|e| (e.time, e.operation.as_str(), e.actor.as_str(), e.target.as_str(), e.ip.as_str(), e.outcome)).collect()
}

#[test]
fn the_cmdlet_exports_give_one_event_per_recipient() {
    for (name, schema_line) in [("message_trace_v1_export.csv", 7), ("message_trace_v2_export.csv", 7)] {
        let (report, events) = ingest(name, &fixture(name));
        assert_eq!(report.format.map(|f| f.schema), Some(Schema::MessageTraceCmdlet), "{name}: {:?}", report.unreadable);
        assert!(events.iter().all(|e| e.source == Source::MessageTrace));
        assert_eq!(
            summary(&events),
            vec![
                (t("2026-03-14T10:05:12Z"), "Delivered", "alice@contoso.com", "ap@fabrikam.net", "203.0.113.45", Outcome::Success),
                (t("2026-03-14T10:06:40Z"), "Delivered", "alice@contoso.com", "bob@contoso.com", "203.0.113.45", Outcome::Success),
                (t("2026-03-14T10:07:03Z"), "FilteredAsSpam", "billing@evil.example", "carol@contoso.com", "198.51.100.23", Outcome::Failure),
                (t("2026-03-14T10:09:30Z"), "Failed", "alice@contoso.com", "x@tailspin.example", "203.0.113.45", Outcome::Failure),
            ],
            "{name}"
        );
        let first = &events[0];
        let attr = |k: &str| first.attr(k).unwrap_or("");
        assert_eq!(
            [attr(attr::SUBJECT), attr(attr::DELIVERY_STATUS), attr(attr::MESSAGE_SIZE), attr(attr::TO_IP), attr(attr::MESSAGE_TRACE_ID)],
            ["Updated bank details for March invoices", "Delivered", "24567", "104.47.58.33", "6d1b0c2e-3f4a-4b5c-8d6e-7f8091a2b3c4"],
            "{name}"
        );
        assert_eq!(attr(attr::MESSAGE_ID), "<SA1PR04MB7710B2C1D3E4F5A6B7C8D9E0@SA1PR04MB7710.namprd04.prod.outlook.com>");
        assert_eq!(first.record_id, "6d1b0c2e3f4a4b5c8d6e7f8091a2b3c4|ap@fabrikam.net");
        assert_eq!(first.line, 3, "{name}: after the #TYPE line and the header");
        // The row with a date no calendar has is refused with its line.
        assert_eq!((report.rows_ok, report.rows_rejected), (4, 1), "{name}: {:?}", report.errors);
        assert_eq!(report.errors.first().map(|i| i.line), Some(schema_line), "{name}");
        assert!(report.errors.first().is_some_and(|i| i.reason.contains("no usable time in Received")), "{name}: {:?}", report.errors);
    }
}

#[test]
fn the_admin_center_report_gives_one_event_per_message() {
    let name = "message_trace_admin_center_report.csv";
    let (report, events) = ingest(name, &fixture(name));
    assert_eq!(report.format.map(|f| f.schema), Some(Schema::MessageTraceReport), "{:?}", report.unreadable);
    assert_eq!(report.encoding, "UTF-16LE");
    assert_eq!(
        summary(&events),
        vec![
            (t("2026-03-14T10:05:12Z"), "Delivered", "alice@contoso.com", "ap@fabrikam.net; bob@contoso.com", "203.0.113.45", Outcome::Success),
            (t("2026-03-14T10:07:03Z"), "Delivered", "billing@evil.example", "carol@contoso.com", "198.51.100.23", Outcome::Success),
            (t("2026-03-14T10:09:30Z"), "Failed", "alice@contoso.com", "x@tailspin.example", "203.0.113.45", Outcome::Failure),
        ]
    );
    let first = &events[0];
    assert_eq!(first.attr(attr::DIRECTION), Some("Outbound"));
    assert_eq!(events[1].attr(attr::DIRECTION), Some("Inbound"));
    assert_eq!(first.attr(attr::DELIVERY_STATUS), Some("ap@fabrikam.net##Receive, Send;bob@contoso.com##Receive, Deliver"));
    assert_eq!((first.attr(attr::MESSAGE_SIZE), first.attr(attr::SUBJECT)), (Some("24567"), Some("Updated bank details for March invoices")));
    assert_eq!((report.rows_ok, report.rows_rejected), (3, 1), "{:?}", report.errors);
    assert_eq!(report.errors.first().map(|i| (i.line, i.reason.as_str())), Some((5, "no usable time in origin_timestamp_utc 'not a time'")));
}

#[test]
fn the_same_message_in_two_exports_is_kept_once() {
    let mut dedupe = Deduper::default();
    let (_, v1, _) = ingest_bytes("v1.csv", &fixture("message_trace_v1_export.csv"), &mut dedupe);
    let (report, v2, _) = ingest_bytes("v2.csv", &fixture("message_trace_v2_export.csv"), &mut dedupe);
    assert_eq!((v1.len(), v2.len(), report.duplicates), (4, 0, 4));
}

/// One `Get-MessageTraceV2` row as `Export-Csv` writes it (ISO times, as a
/// session in an invariant culture does).
fn row(n: u32, time: &str, from: &str, to: &str, subject: &str, ip: &str) -> String {
    format!("\"{time}\",\"{from}\",\"{to}\",\"{subject}\",\"Delivered\",\"\",\"{ip}\",\"2048\",\"<m{n}@contoso.com>\",\"00000000-0000-4000-8000-{n:012}\"")
}

/// The incident: Alice's mailbox taken over at 10:00 on 14 March.
fn incident() -> Vec<u8> {
    let mut lines = vec!["\"Received\",\"SenderAddress\",\"RecipientAddress\",\"Subject\",\"Status\",\"ToIP\",\"FromIP\",\"Size\",\"MessageId\",\"MessageTraceId\"".to_string()];
    // Before the window: Alice writes to a partner, Bob to a colleague.
    lines.push(row(1, "2026-03-10T09:00:00Z", "alice@contoso.com", "partner@fabrikam.net", "Minutes", "198.51.100.7"));
    lines.push(row(2, "2026-03-14T11:00:00Z", "bob@contoso.com", "carol@contoso.com", "Lunch?", "198.51.100.8"));
    // In the window: three outside recipients, then thirty colleagues in ten minutes.
    for (n, to) in ["ap@fabrikam.net", "billing@tailspin.example", "cfo@northwind.example"].into_iter().enumerate() {
        lines.push(row(10 + n as u32, &format!("2026-03-14T10:0{n}:00Z"), "alice@contoso.com", to, "Updated bank details", "203.0.113.45"));
    }
    for n in 0..30u32 {
        lines.push(row(100 + n, &format!("2026-03-14T10:{:02}:{:02}Z", 20 + n / 3, (n % 3) * 20), "alice@contoso.com", &format!("user{n}@contoso.com"), "Shared document", "203.0.113.45"));
    }
    // The marked sender reaches two mailboxes.
    lines.push(row(200, "2026-03-14T09:50:00Z", "billing@evil.example", "alice@contoso.com", "Invoice overdue", "198.51.100.23"));
    lines.push(row(201, "2026-03-14T09:50:00Z", "billing@evil.example", "dave@contoso.com", "Invoice overdue", "198.51.100.23"));
    lines.iter().map(|l| format!("{l}\r\n")).collect::<String>().into_bytes()
}

fn findings(bytes: &[u8], ctx: &Context) -> Vec<Finding> {
    let mut store = EventStore::new();
    let (report, events, text) = ingest_bytes("trace.csv", bytes, &mut Deduper::default());
    assert_eq!((report.rows_rejected, report.format.map(|f| f.schema)), (0, Some(Schema::MessageTraceCmdlet)), "{:?}", report.errors);
    store.add_file(report, text, events);
    run_all(&store, ctx).into_iter().filter(|f| f.detector.starts_with("trace.")).collect()
}

fn context() -> Context {
    Context {
        suspect_accounts: vec!["alice@contoso.com".into()],
        window: Some((t("2026-03-14T10:00:00Z"), t("2026-03-14T18:00:00Z"))),
        indicators: vec![Indicator::new(IndicatorKind::EmailAddress, "billing@evil.example", "")],
        ..Context::default()
    }
}

#[test]
fn outside_mail_internal_phishing_and_a_marked_sender_are_found() {
    let found = findings(&incident(), &context());
    let mut got: Vec<(&str, u8, Severity, &str, usize)> = found.iter().map(|f| (f.detector, f.step, f.severity, f.title.as_str(), f.rows.len())).collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("trace.internal_phishing_burst", 10, Severity::High, "alice@contoso.com mailed 30 colleagues within 30 minutes (2026-03-14T10:20Z to 2026-03-14T10:29:40Z)", 30),
            ("trace.mail_from_marked_sender", 10, Severity::High, "Mail from billing@evil.example reached 2 mailbox(es): alice@contoso.com, dave@contoso.com", 2),
            (
                "trace.outside_mail_in_window",
                6,
                Severity::Medium,
                "alice@contoso.com mailed 3 outside recipient(s) during the compromise: ap@fabrikam.net, billing@tailspin.example, cfo@northwind.example",
                3
            ),
        ]
    );
    let outside = found.iter().find(|f| f.detector == "trace.outside_mail_in_window").expect("outside mail");
    assert!(outside.query.contains("source:trace"), "{}", outside.query);
    assert!(!outside.details.iter().any(|d| d.contains("partner@fabrikam.net")), "mail before the window is not in it: {:?}", outside.details);
}

#[test]
fn ordinary_mail_makes_no_finding() {
    // No suspect, no marks: nothing, though the same rows are there.
    assert!(findings(&incident(), &Context::default()).is_empty());
    // Only the mail before the window and Bob's: nothing either.
    let quiet: Vec<u8> = String::from_utf8_lossy(&incident()).lines().take(3).map(|l| format!("{l}\r\n")).collect::<String>().into_bytes();
    assert!(findings(&quiet, &context()).is_empty());
}
