//! Entra ID Protection: the same risk detections in the layouts they come
//! in (Graph `riskDetections` page, Log Analytics `AADUserRiskEvents` CSV,
//! Microsoft-Extractor-Suite's `Get-RiskyDetections` CSV, and the
//! diagnostic-settings `UserRiskEvents` category) give the same events; bad
//! records are counted with their line; a detection in several exports is
//! kept once. The diagnostic-settings file also holds a service principal
//! detection, risky users and a provisioning record, each read into its
//! source. Then the detectors on a small incident, and quiet on ordinary data.

use loupe::detect::{run_all, Context, Finding, Indicator, IndicatorKind, Severity};
use loupe::ingest::{ingest_bytes, Deduper, IngestReport, Schema};
use loupe::model::{attr, parse_rfc3339_utc, Event, Outcome, Source, TimeMs};
use loupe::store::{parse, EventStore, FacetField};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("tests/fixtures/{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn ingest(name: &str, dedupe: &mut Deduper) -> (IngestReport, Vec<Event>) {
    let (report, events, _) = ingest_bytes(name, &fixture(name), dedupe);
    (report, events)
}

fn t(text: &str) -> TimeMs {
    parse_rfc3339_utc(text).unwrap_or_else(|| panic!("bad time {text}"))
}

/// What every layout must agree on for a detection.
#[derive(Debug, PartialEq)]
struct Seen<'a> {
    time: TimeMs,
    operation: &'a str,
    actor: &'a str,
    ip: &'a str,
    country: &'a str,
    city: &'a str,
    outcome: Outcome,
    record_id: &'a str,
    attrs: Vec<&'a str>,
}

fn seen(e: &Event) -> Seen<'_> {
    let keys = [attr::RISK_LEVEL, attr::RISK_STATE, attr::RISK_DETAIL, attr::DETECTION_TIMING, attr::RISK_SOURCE, attr::SIGNIN_ID, attr::CORRELATION_ID, attr::USER_ID, attr::STATE_PROVINCE];
    Seen {
        time: e.time,
        operation: &e.operation,
        actor: &e.actor,
        ip: &e.ip,
        country: &e.country,
        city: &e.city,
        outcome: e.outcome,
        record_id: &e.record_id,
        attrs: keys.iter().map(|k| e.attr(k).unwrap_or("")).collect(),
    }
}

/// (file, layout, line of its bad record: each Extractor-Suite row spans
/// four lines, the location columns ending in a line break).
const LAYOUTS: [(&str, Schema, u32); 3] = [
    ("risk_detections_graph_page.json", Schema::GraphRiskDetection, 5),
    ("risk_detections_sentinel_export.csv", Schema::SentinelRiskEvents, 5),
    ("risk_detections_extractor_suite.csv", Schema::GraphRiskDetection, 14),
];

#[test]
fn the_same_detections_in_every_layout_give_the_same_events() {
    let mut reference: Option<Vec<Event>> = None;
    for (name, schema, bad_line) in LAYOUTS {
        let (report, events) = ingest(name, &mut Deduper::default());
        assert_eq!(report.format.map(|f| f.schema), Some(schema), "{name}: {:?}", report.unreadable);
        assert!(events.iter().all(|e| e.source == Source::RiskDetection), "{name}");
        assert_eq!((report.rows_ok, report.rows_rejected), (3, 1), "{name}: {:?}", report.errors);
        assert_eq!(report.errors.first().map(|e| e.line), Some(bad_line), "{name}: {:?}", report.errors);
        let first = seen(&events[0]);
        assert_eq!(
            first,
            Seen {
                time: t("2026-03-14T09:58:12Z"),
                operation: "unfamiliarFeatures",
                actor: "alice@contoso.com",
                ip: "203.0.113.45",
                country: "NG",
                city: "Lagos",
                outcome: Outcome::Unknown,
                record_id: events[0].record_id.as_str(),
                attrs: vec![
                    "high",
                    "atRisk",
                    "none",
                    "realtime",
                    "IdentityProtection",
                    "a1b2c3d4-0001-4e5f-8a9b-0c1d2e3f4a01",
                    "c4d5e6f7-0001-4a1b-8c2d-3e4f5a6b7c01",
                    "11111111-aaaa-4bbb-8ccc-000000000001",
                    "Lagos"
                ],
            },
            "{name}"
        );
        assert!(events[0].attr(attr::ADDITIONAL_INFO).unwrap_or("").contains("python-requests"), "{name}");
        match &reference {
            None => reference = Some(events),
            Some(reference) => {
                let (a, b): (Vec<Seen>, Vec<Seen>) = (reference.iter().map(seen).collect(), events.iter().map(seen).collect());
                assert_eq!(a, b, "{name} differs from the Graph page");
            }
        }
    }
}

#[test]
fn a_detection_in_several_exports_is_kept_once() {
    let mut dedupe = Deduper::default();
    let mut kept = 0;
    let mut duplicates = 0;
    for (name, _, _) in LAYOUTS {
        let (report, events) = ingest(name, &mut dedupe);
        kept += events.len();
        duplicates += report.duplicates;
    }
    let (report, events) = ingest("entra_diagnostic_identity_protection_PT1H.json", &mut dedupe);
    assert_eq!((kept, duplicates), (3, 6));
    assert_eq!(report.duplicates, 1, "Alice's detection again in the diagnostic archive");
    assert!(!events.iter().any(|e| e.operation == "unfamiliarFeatures"));
}

#[test]
fn the_diagnostic_archive_routes_each_category_to_its_source() {
    let (report, events) = ingest("entra_diagnostic_identity_protection_PT1H.json", &mut Deduper::default());
    assert_eq!(report.format.map(|f| f.schema), Some(Schema::EntraDiagnosticRecords));
    assert_eq!((report.rows_ok, report.rows_rejected), (5, 1), "{:?}", report.errors);
    assert!(report.errors[0].line == 6 && report.errors[0].reason.contains("yesterday"), "{:?}", report.errors);
    let got: Vec<(Source, &str, &str, &str, Outcome)> =
        events.iter().map(|e| (e.source, e.operation.as_str(), e.actor.as_str(), e.target.as_str(), e.outcome)).collect();
    assert_eq!(
        got,
        vec![
            (Source::RiskDetection, "unfamiliarFeatures", "alice@contoso.com", "", Outcome::Unknown),
            (Source::RiskDetection, "investigationsThreatIntelligence", "Payroll Connector", "", Outcome::Unknown),
            (Source::RiskDetection, "Risk state: dismissed", "alice@contoso.com", "alice@contoso.com", Outcome::Unknown),
            (Source::RiskDetection, "Risk state: atRisk", "bob@contoso.com", "bob@contoso.com", Outcome::Unknown),
            (Source::DirectoryAudit, "Provisioning: create", "Azure AD Provisioning Service", "dave@contoso.com", Outcome::Success),
        ]
    );
    // The diagnostic form of Alice's detection equals the Graph page's.
    let (_, graph) = ingest("risk_detections_graph_page.json", &mut Deduper::default());
    assert_eq!(seen(&events[0]), seen(&graph[0]));
    let sp = &events[1];
    assert_eq!((sp.attr(attr::SERVICE_PRINCIPAL_ID), sp.attr(attr::KEY_IDS)), (Some("5a4b3c2d-0001-4e5f-9a8b-7c6d5e4f3a21"), Some("4c3b2a19-0001-4d5e-8f70-a1b2c3d4e5f6")));
    assert_eq!(events[2].attr(attr::RISK_DETAIL), Some("adminDismissedAllRiskForUser"));
    assert_eq!(events[4].attr(attr::CATEGORY), Some("Provisioning"));
    // The risky users exported by Get-RiskyUsers are the same two rows.
    let (report, users) = ingest("risky_users_extractor_suite.csv", &mut Deduper::default());
    assert_eq!(report.format.map(|f| f.schema), Some(Schema::GraphRiskyUser), "{:?}", report.unreadable);
    let pair = |e: &Event| (e.time, e.operation.clone(), e.actor.clone(), e.record_id.clone());
    assert_eq!(users.iter().map(pair).collect::<Vec<_>>(), events[2..4].iter().map(pair).collect::<Vec<_>>());
}

/// Every risk fixture in one store, as a case would hold them.
fn store() -> EventStore {
    let mut store = EventStore::new();
    let mut dedupe = Deduper::default();
    for name in ["entra_diagnostic_identity_protection_PT1H.json", "risk_detections_graph_page.json"] {
        let (report, events, text) = ingest_bytes(name, &fixture(name), &mut dedupe);
        store.add_file(report, text, events);
    }
    store
}

fn risk_findings(store: &EventStore, ctx: &Context) -> Vec<Finding> {
    run_all(store, ctx).into_iter().filter(|f| f.detector.starts_with("risk.") || f.detector == "scope.risk_from_marked_address").collect()
}

#[test]
fn source_risk_queries_and_facets_see_the_rows() {
    let store = store();
    let all: Vec<u32> = (0..store.len() as u32).collect();
    let rows = store.filter(&parse("source:risk").expect("query"), &Default::default()).expect("filter");
    assert_eq!(rows.len(), 6);
    let facets = store.facets(&all, FacetField::Source, 10);
    assert!(facets.iter().any(|f| f.value == "risk" && f.count == 6), "{facets:?}");
}

#[test]
fn the_risk_detectors_on_a_small_incident() {
    let ctx = Context {
        suspect_accounts: vec!["alice@contoso.com".into()],
        window: Some((t("2026-03-14T09:50:00Z"), t("2026-03-14T18:00:00Z"))),
        indicators: vec![Indicator::new(IndicatorKind::Ip, "203.0.113.45", "")],
        ..Context::default()
    };
    let found = risk_findings(&store(), &ctx);
    let mut got: Vec<(&str, u8, Severity, &str)> = found.iter().map(|f| (f.detector, f.step, f.severity, f.title.as_str())).collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("risk.account_flagged", 1, Severity::Medium, "Entra ID Protection has bob@contoso.com at medium risk: 1 detection(s)"),
            ("risk.account_flagged", 1, Severity::High, "Entra ID Protection has Payroll Connector at high risk: 1 detection(s)"),
            ("risk.account_flagged", 1, Severity::High, "Entra ID Protection has alice@contoso.com (a suspect) at high risk: 1 detection(s)"),
            ("risk.cleared_in_window", 5, Severity::High, "Risk on alice@contoso.com dismissed during the compromise, by an administrator"),
            ("scope.risk_from_marked_address", 10, Severity::High, "Payroll Connector: 1 risk detection(s) from attacker address(es) 203.0.113.45"),
            ("scope.risk_from_marked_address", 10, Severity::High, "bob@contoso.com: 1 risk detection(s) from attacker address(es) 203.0.113.45"),
        ]
    );
    let alice = found.iter().find(|f| f.title.contains("alice") && f.step == 1).expect("alice");
    assert!(alice.details.iter().any(|d| d.starts_with("unfamiliarFeatures (high, atRisk) from 203.0.113.45 at 2026-03-14T09:58:12Z")), "{:?}", alice.details);
    assert!(alice.benign_signals.iter().any(|b| b.contains("dismissed")), "{:?}", alice.benign_signals);
    assert!(alice.query.contains("source:risk"), "{}", alice.query);
    // Bob's detection is no longer another account for the generic detector.
    assert!(!run_all(&store(), &ctx).iter().any(|f| f.detector == "scope.indicator_other_accounts" && f.title.contains("bob")));
}

#[test]
fn ordinary_risk_data_makes_no_finding() {
    // Carol's low, self-remediated detection alone: nothing, whatever the context.
    let mut store = EventStore::new();
    let (report, events, text) = ingest_bytes("risk_detections_graph_page.json", &fixture("risk_detections_graph_page.json"), &mut Deduper::default());
    let ordinary: Vec<Event> = events.into_iter().filter(|e| e.actor == "carol@contoso.com").collect();
    assert_eq!(ordinary.len(), 1);
    store.add_file(report, text, ordinary);
    assert!(risk_findings(&store, &Context::default()).is_empty());
    let ctx = Context {
        suspect_accounts: vec!["alice@contoso.com".into()],
        window: Some((t("2026-03-14T09:50:00Z"), t("2026-03-14T18:00:00Z"))),
        indicators: vec![Indicator::new(IndicatorKind::Ip, "203.0.113.45", "")],
        ..Context::default()
    };
    assert!(risk_findings(&store, &ctx).is_empty());
}
