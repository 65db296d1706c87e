//! Microsoft Graph activity logs: the same six requests (five by a suspect's
//! token from the attacker's address, one app-only call) in the four
//! layouts they come in give the same events; a diagnostic-settings file
//! that mixes sign-ins and Graph activity sends each record to its reader;
//! bad records are counted with their line. Then the detectors on a small
//! incident: the token used from the attacker's address, 200 message reads
//! in the window, and the same suspect's ordinary volume, which must not
//! make a bulk-read finding.

use loupe::detect::{run_all, Context, Finding, Indicator, IndicatorKind, Severity};
use loupe::ingest::{ingest_bytes, Deduper, IngestReport, Schema};
use loupe::model::{attr, parse_rfc3339_utc, Event, Outcome, Source};
use loupe::store::EventStore;
use serde_json::json;
use std::io::Write;

const MEGAN: &str = "4f1c2e3a-8b7d-4c6e-9a15-0d2b3c4e5f60";
const ATTACKER: &str = "203.0.113.45";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("tests/fixtures/{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn ingest(name: &str, bytes: &[u8]) -> (IngestReport, Vec<Event>) {
    let (report, events, _) = ingest_bytes(name, bytes, &mut Deduper::default());
    (report, events)
}

/// The Graph activity events, without what differs by layout: where the
/// record sits in its file and the time as the file wrote it.
fn graph_events(events: &[Event]) -> Vec<Event> {
    events
        .iter()
        .filter(|e| e.source == Source::GraphActivity)
        .map(|e| Event { line: 0, raw: Default::default(), source_time: String::new(), ..e.clone() })
        .collect()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).expect("gzip in memory");
    encoder.finish().expect("gzip in memory")
}

#[test]
fn every_layout_gives_the_same_events() {
    let (report, events) = ingest("graph_activity_sentinel_export.csv", &fixture("graph_activity_sentinel_export.csv"));
    assert_eq!(report.format.map(|f| f.schema), Some(Schema::SentinelGraphActivity), "{:?}", report.unreadable);
    let want = graph_events(&events);
    assert_eq!(want.len(), 6);

    let first = &want[0];
    assert_eq!(first.time, parse_rfc3339_utc("2026-03-14T10:05:12.123Z").expect("time"));
    assert_eq!((first.operation.as_str(), first.actor.as_str(), first.ip.as_str()), ("GET /me", MEGAN, ATTACKER));
    assert_eq!((first.app.as_str(), first.user_agent.as_str()), ("14d82eec-204b-4c2f-b7e8-296a70dab67e", "python-requests/2.31.0"));
    assert_eq!((first.outcome, first.record_id.as_str()), (Outcome::Success, "a1b2c3d4-0000-4000-8000-000000000001"));
    assert_eq!(first.attr(attr::SCOPES), Some("Mail.Read Files.Read.All User.ReadBasic.All openid profile"));
    assert_eq!(first.attr(attr::SIGNIN_ACTIVITY_ID), Some("Xk2vQ0Lm3E6b9YtR8WpAAA"));
    assert_eq!(first.attr(attr::TOKEN_ISSUED_AT), Some("2026-03-14T10:04:50.000Z"));
    assert_eq!(first.attr(attr::ENTRA_TENANT_ID), Some("8d4f1c2a-5b6e-4f70-9a81-2c3d4e5f6a7b"), "not the workspace id");
    let ops: Vec<(&str, Outcome)> = want.iter().map(|e| (e.operation.as_str(), e.outcome)).collect();
    assert_eq!(
        ops,
        [
            ("GET /me", Outcome::Success),
            ("GET /me/mailFolders/inbox/messages", Outcome::Success),
            ("GET /users", Outcome::Success),
            ("GET /me/drive/root:{path}:/content", Outcome::Success),
            ("GET /users/{id}/messages", Outcome::Failure),
            ("GET /groups", Outcome::Success),
        ]
    );
    let app_only = &want[5];
    assert_eq!((app_only.actor.as_str(), app_only.attr(attr::IDENTITY_TYPE)), ("7e2f3a4b-0000-4000-8000-0000000000c2", Some("app")));
    assert_eq!((app_only.attr(attr::ROLES), app_only.attr(attr::CLIENT_AUTH_METHOD)), (Some("Group.Read.All User.Read.All"), Some("2 (client certificate)")));

    let records = fixture("graph_activity_diagnostic_records.json");
    for (name, bytes) in [
        ("graph_activity_sentinel_export.json", fixture("graph_activity_sentinel_export.json")),
        ("graph_activity_diagnostic_mixed_PT1H.json", fixture("graph_activity_diagnostic_mixed_PT1H.json")),
        ("graph_activity_diagnostic_records.json", records.clone()),
        ("eventhub-capture.json.gz", gzip(&records)),
    ] {
        let (report, events) = ingest(name, &bytes);
        assert!(report.unreadable.is_none(), "{name}: {:?}", report.unreadable);
        assert_eq!(graph_events(&events), want, "{name}");
    }
}

#[test]
fn a_mixed_diagnostic_file_sends_each_record_to_its_reader() {
    let (report, events) = ingest("PT1H.json", &fixture("graph_activity_diagnostic_mixed_PT1H.json"));
    assert_eq!(report.format.map(|f| f.schema), Some(Schema::EntraDiagnosticRecords));
    let sources: Vec<Source> = events.iter().map(|e| e.source).collect();
    assert_eq!(sources, [Source::SignIn, Source::GraphActivity, Source::GraphActivity, Source::GraphActivity, Source::GraphActivity, Source::GraphActivity, Source::GraphActivity]);
    let signin = &events[0];
    assert_eq!((signin.actor.as_str(), signin.attr(attr::USER_ID), signin.ip.as_str()), ("megan@contoso.com", Some(MEGAN), ATTACKER));
    // Each event points back at its own line.
    assert_eq!(events.iter().map(|e| e.line).collect::<Vec<_>>(), [1, 2, 3, 4, 5, 7, 8]);
}

#[test]
fn bad_records_are_counted_with_their_line() {
    for (name, line, reason) in [
        ("graph_activity_sentinel_export.csv", 5, "no usable time in TimeGenerated 'not a date'"),
        ("graph_activity_sentinel_export.json", 5, "no RequestUri, so there is no request to show"),
        ("graph_activity_diagnostic_mixed_PT1H.json", 6, "no RequestUri, so there is no request to show"),
        ("graph_activity_diagnostic_records.json", 7, "no RequestUri, so there is no request to show"),
    ] {
        let (report, _) = ingest(name, &fixture(name));
        assert_eq!((report.rows_ok, report.rows_rejected), (if name.contains("diagnostic") { 7 } else { 6 }, 1), "{name}: {:?}", report.errors);
        let issue = report.errors.first().expect("the bad record is listed");
        assert_eq!((issue.line, issue.reason.as_str()), (line, reason), "{name}");
    }
}

#[test]
fn the_same_request_in_two_exports_is_kept_once() {
    let mut dedupe = Deduper::default();
    let (first, _, _) = ingest_bytes("a.csv", &fixture("graph_activity_sentinel_export.csv"), &mut dedupe);
    let (second, events, _) = ingest_bytes("PT1H.json", &fixture("graph_activity_diagnostic_mixed_PT1H.json"), &mut dedupe);
    assert_eq!((first.rows_ok, first.duplicates), (6, 0));
    assert_eq!((second.duplicates, events.len()), (6, 1), "only the sign-in is new");
}

// --- detectors on a small incident -----------------------------------------

/// A diagnostic-settings archive: Megan signs in from the attacker's
/// address, then her token lists `reads` messages a few seconds apart from
/// there and 20 users; Bob, not a suspect, reads 150 messages from home.
fn incident(reads: usize) -> Vec<u8> {
    let mut lines = Vec::new();
    let signin = |time: &str, upn: &str, oid: &str, ip: &str| {
        json!({"time": time, "category": "SignInLogs", "resourceId": "/tenants/t/providers/Microsoft.aadiam", "operationName": "Sign-in activity",
            "callerIpAddress": ip, "properties": {"id": format!("s-{upn}-{time}"), "createdDateTime": time, "userPrincipalName": upn, "userId": oid,
            "appId": "14d82eec-204b-4c2f-b7e8-296a70dab67e", "appDisplayName": "Microsoft Graph Command Line Tools", "ipAddress": ip, "status": {"errorCode": 0}}})
    };
    let request = |n: usize, time: String, oid: &str, ip: &str, uri: &str| {
        json!({"time": time, "category": "MicrosoftGraphActivityLogs", "resourceId": "/TENANTS/T/PROVIDERS/MICROSOFT.AADIAM", "operationName": "Microsoft Graph Activity",
            "resultSignature": "200", "callerIpAddress": ip, "properties": {"requestId": format!("req-{oid}-{n}"), "requestMethod": "GET", "responseStatusCode": 200,
            "requestUri": uri, "userId": oid, "appId": "14d82eec-204b-4c2f-b7e8-296a70dab67e", "ipAddress": ip, "userAgent": "python-requests/2.31.0",
            "responseSizeBytes": 5000, "C_Idtyp": "user"}})
    };
    lines.push(signin("2026-03-14T10:04:50Z", "megan@contoso.com", MEGAN, ATTACKER));
    lines.push(signin("2026-03-14T08:00:00Z", "bob@contoso.com", "bob-oid", "198.51.100.7"));
    for n in 0..reads {
        let time = format!("2026-03-14T10:{:02}:{:02}Z", 10 + n / 60, n % 60);
        lines.push(request(n, time, MEGAN, ATTACKER, &format!("https://graph.microsoft.com/v1.0/me/messages/AAMkAGI2TG93AAA{n:04}=?$select=body")));
    }
    for n in 0..20 {
        lines.push(request(1000 + n, format!("2026-03-14T10:05:{n:02}Z"), MEGAN, ATTACKER, "https://graph.microsoft.com/v1.0/users?$top=999"));
    }
    for n in 0..150 {
        lines.push(request(n, format!("2026-03-14T11:{:02}:{:02}Z", n / 60, n % 60), "bob-oid", "198.51.100.7", "https://graph.microsoft.com/v1.0/me/messages"));
    }
    lines.iter().map(|l| format!("{l}\n")).collect::<String>().into_bytes()
}

fn findings(bytes: &[u8], ctx: &Context) -> Vec<Finding> {
    let mut store = EventStore::new();
    let (report, events, text) = ingest_bytes("PT1H.json", bytes, &mut Deduper::default());
    assert_eq!(report.rows_rejected, 0, "{:?}", report.errors);
    store.add_file(report, text, events);
    run_all(&store, ctx).into_iter().filter(|f| f.detector.starts_with("graph.")).collect()
}

fn context() -> Context {
    let t = |s: &str| parse_rfc3339_utc(s).expect("time");
    Context {
        suspect_accounts: vec!["megan@contoso.com".into()],
        window: Some((t("2026-03-14T10:00:00Z"), t("2026-03-14T18:00:00Z"))),
        indicators: vec![Indicator::new(IndicatorKind::Ip, ATTACKER, "")],
        ..Context::default()
    }
}

#[test]
fn the_token_from_the_attacker_address_and_its_bulk_reads_are_found() {
    let found = findings(&incident(200), &context());
    let got: Vec<(&str, u8, Severity, &str, usize)> = found.iter().map(|f| (f.detector, f.step, f.severity, f.title.as_str(), f.rows.len())).collect();
    assert_eq!(
        got,
        [
            // Same severity: the earlier first evidence (the directory reads at 10:05) first.
            ("graph.token_from_attacker_address", 5, Severity::High, "megan@contoso.com's token called Microsoft Graph 220 time(s) from 203.0.113.45 (220 answered)", 220),
            ("graph.bulk_data_reads", 6, Severity::High, "megan@contoso.com read mail through Microsoft Graph: 200 request(s) in the window, 200 within an hour", 200),
        ]
    );
    let bulk = &found[1];
    assert!(bulk.details.contains(&"GET /me/messages/{id}: 200".to_string()), "{:?}", bulk.details);
    assert!(bulk.details.contains(&"from 203.0.113.45: 200 (marked)".to_string()), "{:?}", bulk.details);
    assert!(bulk.details.contains(&"1000000 bytes returned".to_string()), "{:?}", bulk.details);
}

#[test]
fn ordinary_volume_and_an_unmarked_address_make_no_finding() {
    // 40 message reads and 20 directory reads: below the bulk thresholds.
    let found = findings(&incident(40), &context());
    let detectors: Vec<&str> = found.iter().map(|f| f.detector).collect();
    assert_eq!(detectors, ["graph.token_from_attacker_address"]);
    // Without the marked address and outside the window, nothing at all.
    let quiet = Context { indicators: Vec::new(), window: None, ..context() };
    assert!(findings(&incident(40), &quiet).is_empty());
}
