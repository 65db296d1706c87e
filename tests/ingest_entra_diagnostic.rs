//! Entra sign-in and audit logs in the diagnostic-settings form (storage
//! archive, one record per line; Event Hubs, `{"records": […]}`, gzipped)
//! give the same events and the same findings as the Graph form of the same
//! records. Each training scenario's Graph sign-in and audit files are
//! rewritten as diagnostic-settings records, all categories in one file,
//! and the incident is worked both ways.

use loupe::detect::{run_all, suggest_context, Finding};
use loupe::ingest::{ingest_bytes, Deduper, IngestReport, Schema};
use loupe::model::{Event, Source};
use loupe::sample::{generate_scenario, Scenario, DEFAULT_SEED};
use loupe::store::EventStore;
use serde_json::{json, Map, Value};
use std::io::Write;

/// Every record object of a Graph export: an array of pages, one page, or an array.
fn graph_objects(bytes: &[u8]) -> Vec<Map<String, Value>> {
    let value: Value = serde_json::from_slice(bytes).expect("the sample's Graph file is JSON");
    let pages = match value {
        Value::Array(items) => items,
        other => vec![other],
    };
    pages
        .into_iter()
        .flat_map(|page| match page {
            Value::Object(mut o) if o.contains_key("value") => match o.remove("value") {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            },
            other => vec![other],
        })
        .filter_map(|v| match v {
            Value::Object(o) => Some(o),
            _ => None,
        })
        .collect()
}

/// The record a tenant's diagnostic setting writes for a Graph object.
fn as_diagnostic_record(object: Map<String, Value>) -> Value {
    let text = |k: &str| object.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let (time, category, operation) = if object.contains_key("activityDateTime") {
        (text("activityDateTime"), "AuditLogs".to_string(), text("activityDisplayName"))
    } else {
        let types = object.get("signInEventTypes").map(|v| v.to_string().to_ascii_lowercase()).unwrap_or_default();
        let category = if types.contains("noninteractive") {
            "NonInteractiveUserSignInLogs"
        } else if types.contains("serviceprincipal") {
            "ServicePrincipalSignInLogs"
        } else if types.contains("managedidentity") {
            "ManagedIdentitySignInLogs"
        } else {
            "SignInLogs"
        };
        (text("createdDateTime"), category.to_string(), "Sign-in activity".to_string())
    };
    json!({
        "time": time,
        "resourceId": "/tenants/a7694e21-ac30-45e2-aa3f-95b3338d2290/providers/Microsoft.aadiam",
        "operationName": operation,
        "operationVersion": "1.0",
        "category": category,
        "tenantId": "a7694e21-ac30-45e2-aa3f-95b3338d2290",
        "resultSignature": "None",
        "durationMs": 0,
        "callerIpAddress": text("ipAddress"),
        "correlationId": text("correlationId"),
        "identity": text("userDisplayName"),
        "Level": 4,
        "properties": Value::Object(object),
    })
}

fn is_entra_graph_file(name: &str) -> bool {
    name.ends_with("_graph.json") && (name.starts_with("signins_") || name.starts_with("audit_"))
}

struct Worked {
    events: Vec<Event>,
    findings: Vec<(String, String, u8, String, Vec<String>)>,
    reports: Vec<IngestReport>,
}

fn work(files: &[(String, Vec<u8>)]) -> Worked {
    let mut store = EventStore::new();
    let mut dedupe = Deduper::default();
    let mut reports = Vec::new();
    for (name, contents) in files {
        let (report, events, text) = ingest_bytes(name, contents, &mut dedupe);
        reports.push(report.clone());
        store.add_file(report, text, events);
    }
    let findings = run_all(&store, &suggest_context(&store));
    let cited = |f: &Finding| {
        let mut ids: Vec<String> = f.rows.iter().map(|&r| store.record_id(r).to_string()).collect();
        ids.sort();
        ids
    };
    let mut findings: Vec<_> = findings.iter().map(|f| (f.detector.to_string(), format!("{:?}", f.severity), f.step, f.title.clone(), cited(f))).collect();
    findings.sort();
    let mut events: Vec<Event> = (0..store.len() as u32)
        .map(|r| {
            let mut e = store.event(r);
            // Where the record sits in its file differs between the forms.
            (e.line, e.raw) = (0, Default::default());
            e
        })
        .collect();
    events.sort_by(|a, b| (a.time, &a.record_id, &a.operation).cmp(&(b.time, &b.record_id, &b.operation)));
    Worked { events, findings, reports }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).expect("gzip in memory");
    encoder.finish().expect("gzip in memory")
}

#[test]
fn diagnostic_settings_records_give_the_same_events_and_findings_as_graph() {
    for scenario in [Scenario::MailboxTakeover, Scenario::CompromisedAdmin] {
        let set = generate_scenario(scenario, DEFAULT_SEED);
        let graph_form: Vec<(String, Vec<u8>)> = set.files.iter().map(|f| (f.name.clone(), f.contents.clone())).collect();
        let records: Vec<Value> = graph_form.iter().filter(|(name, _)| is_entra_graph_file(name)).flat_map(|(_, bytes)| graph_objects(bytes)).map(as_diagnostic_record).collect();
        let categories: std::collections::BTreeSet<&str> = records.iter().filter_map(|r| r["category"].as_str()).collect();
        assert!(categories.contains("AuditLogs") && categories.len() >= 2, "{scenario:?}: the file mixes categories: {categories:?}");
        assert!(records.len() > 100, "{scenario:?}: {} records", records.len());
        let others = graph_form.iter().filter(|(name, _)| !is_entra_graph_file(name)).cloned();

        // Storage archive: one record per line.
        let per_line: String = records.iter().map(|r| format!("{r}\n")).collect();
        // Event Hubs capture: {"records": [...]}, here also gzipped.
        let event_hub = gzip(json!({ "records": records }).to_string().as_bytes());
        let want = work(&graph_form);
        assert!(!want.findings.is_empty(), "{scenario:?} has findings to compare");
        for (name, bytes) in [("PT1H.json", per_line.into_bytes()), ("eventhub-capture.json.gz", event_hub)] {
            let mut files: Vec<(String, Vec<u8>)> = others.clone().collect();
            files.push((name.to_string(), bytes));
            let got = work(&files);
            let report = got.reports.iter().find(|r| r.file == name).expect("the diagnostic file's report");
            assert_eq!(report.format.map(|f| f.schema), Some(Schema::EntraDiagnosticRecords), "{name}: {:?}", report.unreadable);
            assert_eq!((report.rows_ok as usize, report.rows_rejected), (records.len(), 0), "{name}: {:?}", report.errors);
            assert_eq!(got.events.len(), want.events.len(), "{scenario:?} {name}");
            for (g, w) in got.events.iter().zip(&want.events) {
                assert_eq!(g, w, "{scenario:?} {name}");
            }
            assert_eq!(got.findings, want.findings, "{scenario:?} {name}: the same findings, citing the same records");
        }
    }
}

#[test]
fn a_mixed_file_names_each_log_it_holds_and_counts_the_categories_not_read() {
    let lines = [
        json!({"time": "2026-03-02T08:00:00Z", "resourceId": "/tenants/t/providers/Microsoft.aadiam", "operationName": "Sign-in activity", "category": "SignInLogs",
            "callerIpAddress": "203.0.113.50", "properties": {"id": "s-1", "createdDateTime": "2026-03-02T08:00:00Z", "userPrincipalName": "ana@contoso.example",
            "appDisplayName": "Office 365 Exchange Online", "ipAddress": "203.0.113.50", "status": {"errorCode": 0}, "isInteractive": true}}),
        json!({"time": "2026-03-02T08:05:00Z", "resourceId": "/tenants/t/providers/Microsoft.aadiam", "operationName": "Add member to role", "category": "AuditLogs",
            "properties": {"id": "Directory_1", "activityDisplayName": "Add member to role", "activityDateTime": "2026-03-02T08:05:00Z", "category": "RoleManagement",
            "result": "success", "initiatedBy": {"user": {"userPrincipalName": "ana@contoso.example", "ipAddress": "203.0.113.50"}},
            "targetResources": [{"type": "User", "userPrincipalName": "bo@contoso.example", "modifiedProperties": [{"displayName": "Role.DisplayName", "newValue": "\"Global Administrator\""}]}]}}),
        json!({"time": "2026-03-02T08:06:00Z", "resourceId": "/tenants/t/providers/Microsoft.aadiam", "operationName": "Risky user", "category": "RiskyUsers",
            "properties": {"id": "r-1", "userPrincipalName": "ana@contoso.example", "riskLevel": "high", "riskState": "atRisk"}}),
        json!({"time": "2026-03-02T08:07:00Z", "resourceId": "/tenants/t/providers/Microsoft.aadiam", "operationName": "Traffic", "category": "NetworkAccessTrafficLogs",
            "properties": {"transactionId": "n-1", "userPrincipalName": "ana@contoso.example"}}),
    ];
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let (report, events, text) = ingest_bytes("PT1H.json", text.as_bytes(), &mut Deduper::default());
    assert_eq!((report.rows_ok, report.rows_rejected), (3, 1));
    assert!(report.errors.iter().any(|e| e.line == 4 && e.reason.contains("NetworkAccessTrafficLogs")), "{:?}", report.errors);
    let sources: Vec<Source> = events.iter().map(|e| e.source).collect();
    assert_eq!(sources, [Source::SignIn, Source::DirectoryAudit, Source::RiskDetection]);
    assert_eq!(events[2].operation, "Risk state: atRisk", "the wrapper's time stands in for riskLastUpdatedDateTime");
    let mut store = EventStore::new();
    store.add_file(report, text, events);
    assert_eq!(store.sources(), [Source::SignIn, Source::DirectoryAudit, Source::RiskDetection], "the checklist sees the three logs loaded");
}

#[test]
fn a_lone_utf16_surrogate_keeps_its_record_and_the_report_says_so() {
    let text = concat!(
        r#"{"id":"1","createdDateTime":"2026-03-02T08:00:00Z","userPrincipalName":"ana@contoso.example","appDisplayName":"Mail \ud83d","ipAddress":"203.0.113.5","status":{"errorCode":0}}"#,
        "\n",
        r#"{"id":"2","createdDateTime":"2026-03-02T08:01:00Z","userPrincipalName":"bo@contoso.example","appDisplayName":"Teams \ud83d\ude00","ipAddress":"203.0.113.6","status":{"errorCode":0}}"#,
        "\n"
    );
    let (report, events, _) = ingest_bytes("signins.json", text.as_bytes(), &mut Deduper::default());
    assert_eq!((report.rows_ok, report.rows_rejected), (2, 0), "{:?}", report.errors);
    assert_eq!(events.iter().map(|e| e.app.as_str()).collect::<Vec<_>>(), ["Mail \u{FFFD}", "Teams 😀"]);
    assert_eq!(report.warnings_total, 1);
    assert!(report.warnings.iter().any(|w| w.line == 1 && w.reason.contains("surrogate")), "{:?}", report.warnings);
}
