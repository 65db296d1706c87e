//! Cloud infrastructure logs read end to end: Azure Activity Log (portal
//! CSV, CLI JSON, diagnostic-settings records, Log Analytics), AWS
//! CloudTrail (S3 delivery plain and gzipped, one per line, lookup-events,
//! console CSV) and Google Cloud audit logs (gcloud JSON, NDJSON), with the
//! damage real files carry (bad rows, cut-off lines, broken nested JSON).

use loupe::ingest::{ingest_bytes, Container, Deduper, IngestReport, Schema};
use loupe::model::{attr, format_utc, Event, Outcome, Source};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn ingest(name: &str) -> (IngestReport, Vec<Event>) {
    ingest_named(name, &fixture(name))
}

fn ingest_named(name: &str, bytes: &[u8]) -> (IngestReport, Vec<Event>) {
    let (report, events, _) = ingest_bytes(name, bytes, &mut Deduper::default());
    assert_eq!(report.unreadable, None, "{name}");
    (report, events)
}

fn find<'a>(events: &'a [Event], operation: &str) -> &'a Event {
    events.iter().find(|e| e.operation.eq_ignore_ascii_case(operation)).unwrap_or_else(|| panic!("no {operation} event"))
}

fn utc(event: &Event) -> String {
    format_utc(event.time)
}

#[test]
fn azure_portal_csv() {
    let (report, events) = ingest("azure_activity_portal_export.csv");
    assert_eq!(report.format.map(|f| f.schema), Some(Schema::AzureActivityPortalCsv));
    assert_eq!((report.rows_ok, report.rows_rejected), (5, 1), "{:?}", report.errors);
    assert_eq!(report.errors[0].line, 7);
    assert!(report.errors[0].reason.contains("not a date"), "{:?}", report.errors);
    assert!(report.notes.iter().any(|n| n.contains("no caller IP")), "{:?}", report.notes);
    assert!(events.iter().all(|e| e.source == Source::AzureActivity));
    let vm = events.iter().find(|e| e.operation == "Create or Update Virtual Machine" && e.outcome == Outcome::Success).unwrap();
    assert_eq!(utc(vm), "2026-03-01T16:40:12.000Z");
    assert_eq!(vm.actor, "victim@contoso.com");
    assert!(vm.target.ends_with("/virtualMachines/build-agent-07"));
    assert_eq!(vm.attr("ResourceGroup"), Some("rg-build"));
    assert_eq!(find(&events, "Delete diagnostic setting").outcome, Outcome::Failure);
    let started = events.iter().find(|e| e.attr(attr::STATUS) == Some("Started")).unwrap();
    assert_eq!(started.outcome, Outcome::Unknown);
}

#[test]
fn azure_cli_json_keeps_claims_and_request_body() {
    let (report, events) = ingest("azure_activity_cli_list.json");
    assert_eq!(report.format.map(|f| f.schema), Some(Schema::AzureActivityEventData));
    assert_eq!((report.rows_ok, report.rows_rejected), (2, 1), "{:?}", report.errors);
    assert!(report.errors[0].reason.contains("yesterday"));
    let storage = find(&events, "Microsoft.Storage/storageAccounts/write");
    assert_eq!(utc(storage), "2026-03-01T16:55:21.441Z");
    assert_eq!((storage.actor.as_str(), storage.ip.as_str(), storage.outcome), ("victim@contoso.com", "203.0.113.7", Outcome::Success));
    assert_eq!(storage.record_id, "e1d2c3b4-0000-4000-8000-000000000001");
    assert_eq!(storage.attr(attr::USER_ID), Some("6f2c8a1e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"));
    assert_eq!(storage.attr(attr::OPERATION_DISPLAY), Some("Create/Update Storage Account"));
    assert!(storage.attr(attr::REQUEST).is_some_and(|r| r.contains("\"allowBlobPublicAccess\":true")));
    assert_eq!(report.accounts, ["ops@contoso.com", "victim@contoso.com"]);
}

#[test]
fn azure_diagnostic_records_and_key_vault_audit() {
    let (report, events) = ingest("azure_activity_diagnostic_records.json");
    assert_eq!(report.format.map(|f| f.schema), Some(Schema::AzureDiagnosticRecords));
    assert_eq!((report.rows_ok, report.rows_rejected), (3, 0), "{:?}", report.errors);
    let role = find(&events, "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE");
    assert_eq!((role.actor.as_str(), role.ip.as_str(), role.outcome), ("victim@contoso.com", "203.0.113.7", Outcome::Success));
    assert_eq!(role.attr(attr::CLOUD_ACCOUNT), Some("0B1F6471-1BF0-4DDA-AEC3-111122223333"));
    let secret = find(&events, "SecretGet");
    assert_eq!(secret.target, "https://kv-contoso-prod.vault.azure.net/secrets/sql-admin-password/2b1f0c9e");
    assert_eq!(secret.user_agent, "azsdk-python-keyvault-secrets/4.8.0");
    assert_eq!(secret.attr(attr::CLOUD_ACCOUNT), Some("0B1F6471-1BF0-4DDA-AEC3-111122223333"));
    assert_eq!(secret.attr(attr::USER_ID), Some("6f2c8a1e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"));
    // Claims held as JSON text are read too.
    assert_eq!(find(&events, "SecretList").actor, "victim@contoso.com");
    // The archive's newer form: one record per line, no wrapper.
    let text = String::from_utf8(fixture("azure_activity_diagnostic_records.json")).unwrap();
    let per_line: Vec<&str> = text.lines().filter(|l| l.starts_with("{\"time\"")).map(|l| l.trim_end_matches(',')).collect();
    let (report, events) = ingest_named("PT1H.json", per_line.join("\n").as_bytes());
    assert_eq!((report.rows_ok, report.format.map(|f| f.schema)), (3, Some(Schema::AzureDiagnosticRecords)));
    assert_eq!(events.len(), 3);
}

#[test]
fn azure_log_analytics_csv() {
    let (report, events) = ingest("azure_activity_sentinel_export.csv");
    assert_eq!(report.format.map(|f| f.schema), Some(Schema::SentinelAzureActivity));
    assert_eq!((report.rows_ok, report.rows_rejected), (3, 1), "{:?}", report.errors);
    assert!(report.errors[0].reason.contains("cut-off"), "{:?}", report.errors);
    let keys = find(&events, "MICROSOFT.STORAGE/STORAGEACCOUNTS/LISTKEYS/ACTION");
    assert_eq!(utc(keys), "2026-03-01T16:45:03.512Z");
    assert_eq!((keys.actor.as_str(), keys.ip.as_str(), keys.outcome), ("victim@contoso.com", "203.0.113.7", Outcome::Success));
    assert_eq!(keys.attr(attr::OPERATION_DISPLAY), Some("List Storage Account Keys"));
    assert_eq!(keys.attr(attr::USER_ID), Some("6f2c8a1e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"));
    assert!(keys.target.ends_with("/storageaccounts/contosofinance"));
    // Broken Properties_d text costs the properties, not the row.
    let vm = find(&events, "MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE");
    assert_eq!((vm.outcome, vm.attr("Properties")), (Outcome::Unknown, None));
}

#[test]
fn cloudtrail_s3_delivery_plain_and_gzipped() {
    let (report, events) = ingest("cloudtrail_s3_records_create_access_key.json");
    assert_eq!(report.format.map(|f| (f.schema, f.container)), Some((Schema::CloudTrailRecords, Container::Json)));
    assert_eq!((report.rows_ok, report.rows_rejected), (9, 0), "{:?}", report.errors);
    assert!(events.iter().all(|e| e.source == Source::CloudTrail));
    let key = find(&events, "CreateAccessKey");
    assert_eq!(utc(key), "2026-03-01T17:02:15.000Z");
    assert!(key.actor.ends_with(":assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/victim@contoso.com"));
    assert_eq!((key.target.as_str(), key.ip.as_str(), key.app.as_str()), ("svc-backup-sync", "203.0.113.7", "iam.amazonaws.com"));
    assert_eq!(key.attr(attr::FEDERATED_NAME), Some("victim@contoso.com"));
    assert_eq!(key.attr(attr::USER_ID), Some("AROAEXAMPLEROLEID01:victim@contoso.com"));
    assert_eq!(key.attr(attr::CLOUD_REGION), Some("eu-west-1"));
    assert_eq!(key.record_id, "6b7c1d2e-0001-4000-8000-000000000003");
    assert_eq!(find(&events, "RunInstances").outcome, Outcome::Failure);
    assert_eq!(find(&events, "RunInstances").attr(attr::ERROR_CODE), Some("Client.UnauthorizedOperation"));
    assert_eq!(find(&events, "AttachUserPolicy").attr(attr::REQUEST).map(|r| r.contains("AdministratorAccess")), Some(true));
    assert!(report.accounts.contains(&"victim@contoso.com".to_string()), "{:?}", report.accounts);

    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&fixture("cloudtrail_s3_records_create_access_key.json")).unwrap();
    let packed = gz.finish().unwrap();
    let (zipped, zipped_events) = ingest_named("111122223333_CloudTrail_eu-west-1_20260301T1705Z_abc.json.gz", &packed);
    assert_eq!((zipped.rows_ok, zipped.bytes), (9, packed.len() as u64));
    assert!(zipped.notes.iter().any(|n| n.contains("gzip")), "{:?}", zipped.notes);
    assert_eq!(zipped_events, events);
    let (broken, _, _) = ingest_bytes("cut.json.gz", &packed[..packed.len() / 2], &mut Deduper::default());
    assert!(broken.unreadable.is_some_and(|u| u.contains("gzip")));
}

#[test]
fn cloudtrail_one_per_line_with_damage() {
    let (report, events) = ingest("cloudtrail_events_per_line_truncated.ndjson");
    assert_eq!(report.format.map(|f| f.schema), Some(Schema::CloudTrailRecords));
    assert_eq!((report.rows_ok, report.rows_rejected), (3, 2), "{:?}", report.errors);
    assert_eq!(report.errors.iter().map(|e| e.line).collect::<Vec<_>>(), [3, 5]);
    let login = find(&events, "ConsoleLogin");
    assert_eq!((login.outcome, login.attr(attr::MFA_AUTHENTICATED)), (Outcome::Success, Some("No")));
    let decrypt = find(&events, "Decrypt");
    assert_eq!((decrypt.ip.as_str(), decrypt.attr("SourceIPAddress")), ("", Some("ssm.amazonaws.com")));
}

#[test]
fn cloudtrail_lookup_events_and_console_csv() {
    let (report, events) = ingest("cloudtrail_lookup_events.json");
    assert_eq!(report.format.map(|f| f.schema), Some(Schema::CloudTrailLookupEvents));
    assert_eq!((report.rows_ok, report.rows_rejected), (2, 0), "{:?}", report.errors);
    let stop = find(&events, "StopLogging");
    assert_eq!(stop.attr(attr::FEDERATED_NAME), Some("victim@contoso.com"));
    assert_eq!(stop.ip, "203.0.113.7");
    let delete = find(&events, "DeleteTrail");
    assert_eq!((utc(delete).as_str(), delete.actor.as_str(), delete.target.as_str()), ("2026-03-01T17:10:00.000Z", "victim@contoso.com", "org-trail-backup"));

    let (csv, rows) = ingest("cloudtrail_console_event_history.csv");
    assert_eq!(csv.format.map(|f| f.schema), Some(Schema::CloudTrailLookupEvents));
    assert_eq!((csv.rows_ok, csv.rows_rejected), (3, 1), "{:?}", csv.errors);
    assert_eq!(csv.errors[0].line, 5);
    let acl = find(&rows, "PutBucketAcl");
    assert_eq!((acl.outcome, acl.target.as_str(), acl.ip.as_str()), (Outcome::Failure, "contoso-finance-exports", "203.0.113.7"));
    // The same event from two downloads is kept once.
    let mut dedupe = Deduper::default();
    let (_, a, _) = ingest_bytes("a.json", &fixture("cloudtrail_s3_records_create_access_key.json"), &mut dedupe);
    let (b_report, _, _) = ingest_bytes("b.csv", &fixture("cloudtrail_console_event_history.csv"), &mut dedupe);
    assert_eq!((a.len(), b_report.duplicates), (9, 1));
}

#[test]
fn gcp_logging_read_and_ndjson() {
    let (report, events) = ingest("gcp_logging_read_service_account_key.json");
    assert_eq!(report.format.map(|f| f.schema), Some(Schema::GcpAuditLog));
    assert_eq!((report.rows_ok, report.rows_rejected), (5, 0), "{:?}", report.errors);
    assert!(events.iter().all(|e| e.source == Source::GcpAudit));
    let key = find(&events, "google.iam.admin.v1.CreateServiceAccountKey");
    assert_eq!(utc(key), "2026-03-01T17:10:44.518Z");
    assert_eq!((key.actor.as_str(), key.ip.as_str(), key.record_id.as_str()), ("victim@contoso.com", "203.0.113.7", "-x3k9a2e1b7c"));
    assert_eq!(key.target, "projects/acme-prod-4411/serviceAccounts/deploy-bot@acme-prod-4411.iam.gserviceaccount.com");
    assert_eq!(key.attr(attr::CLOUD_ACCOUNT), Some("acme-prod-4411"));
    let sink = find(&events, "google.logging.v2.ConfigServiceV2.DeleteSink");
    assert_eq!((sink.outcome, sink.attr(attr::STATUS)), (Outcome::Failure, Some("7")));

    let (report, events) = ingest("gcp_audit_entries.ndjson");
    assert_eq!((report.rows_ok, report.rows_rejected), (2, 1), "{:?}", report.errors);
    assert_eq!(report.errors[0].line, 2);
    assert!(find(&events, "storage.setIamPermissions").attr("ServiceData").is_some_and(|d| d.contains("allUsers")));
}

#[test]
fn cloud_layouts_do_not_steal_each_others_files() {
    for (file, source) in [
        ("azure_activity_portal_export.csv", Source::AzureActivity),
        ("cloudtrail_console_event_history.csv", Source::CloudTrail),
        ("gcp_audit_entries.ndjson", Source::GcpAudit),
        ("ual_auditdata_records.json", Source::UnifiedAudit),
        ("audit_sentinel_export.json", Source::DirectoryAudit),
        ("signin_sentinel_export.json", Source::SignIn),
    ] {
        let (report, _) = ingest(file);
        assert_eq!(report.format.map(|f| f.schema.source()), Some(source), "{file}");
    }
}

/// CloudTrail forwarded through Logstash: one event per line, `eventTime`
/// moved to `@timestamp`, the shipper's own fields beside the event's.
#[test]
fn cloudtrail_forwarded_by_logstash_is_timed_by_its_timestamp() {
    let text = concat!(
        r#"{"@timestamp":"2026-03-01T16:20:00.000Z","@version":"1","tags":["cloudtrail"],"eventVersion":"1.09","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.7","userIdentity":{"type":"IAMUser","userName":"ops","arn":"arn:aws:iam::123456789012:user/ops"},"eventID":"e-1"}"#,
        "\n",
        r#"{"@timestamp":"2026-03-01T16:21:00.000Z","@version":"1","tags":["cloudtrail"],"eventVersion":"1.09","eventSource":"sts.amazonaws.com","eventName":"GetCallerIdentity","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.7","userIdentity":{"type":"IAMUser","userName":"ops","arn":"arn:aws:iam::123456789012:user/ops"},"eventID":"e-2"}"#,
        "\n"
    );
    let (report, events, _) = loupe::ingest::ingest_bytes("logstash-cloudtrail.json", text.as_bytes(), &mut loupe::ingest::Deduper::default());
    assert_eq!(report.format.map(|f| f.schema), Some(loupe::ingest::Schema::CloudTrailRecords), "{:?}", report.unreadable);
    assert_eq!((report.rows_ok, report.rows_rejected), (2, 0), "{:?}", report.errors);
    assert_eq!(events[0].time, loupe::model::parse_rfc3339_utc("2026-03-01T16:20:00Z").expect("time"));
    assert!(report.notes.iter().any(|n| n.contains("@timestamp")), "{:?}", report.notes);
}

/// A CloudTrail event as a Log Analytics `AWSCloudTrail` row (its columns
/// as Microsoft's table reference names them; nested fields as JSON text).
fn as_sentinel_row(event: &serde_json::Map<String, serde_json::Value>) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::Value;
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let id = event.get("userIdentity");
    let at = |path: &[&str]| {
        let mut v = id;
        for key in path {
            v = v.and_then(|v| v.get(*key));
        }
        text(v)
    };
    let mut row = serde_json::Map::new();
    let mut put = |k: &str, v: String| {
        row.insert(k.to_string(), Value::String(v));
    };
    put("TimeGenerated", text(event.get("eventTime")));
    for (column, key) in [("EventName", "eventName"), ("EventSource", "eventSource"), ("AWSRegion", "awsRegion"), ("SourceIpAddress", "sourceIPAddress"),
        ("UserAgent", "userAgent"), ("ErrorCode", "errorCode"), ("ErrorMessage", "errorMessage"), ("AwsEventId", "eventID"), ("EventTypeName", "eventType"),
        ("RecipientAccountId", "recipientAccountId"), ("EventVersion", "eventVersion"), ("RequestParameters", "requestParameters"),
        ("ResponseElements", "responseElements"), ("AdditionalEventData", "additionalEventData"), ("Resources", "resources")] {
        put(column, text(event.get(key)));
    }
    for (column, path) in [("UserIdentityType", &["type"][..]), ("UserIdentityArn", &["arn"]), ("UserIdentityUserName", &["userName"]), ("UserIdentityAccountId", &["accountId"]),
        ("UserIdentityPrincipalid", &["principalId"]), ("UserIdentityAccessKeyId", &["accessKeyId"]), ("UserIdentityInvokedBy", &["invokedBy"]),
        ("SessionIssuerType", &["sessionContext", "sessionIssuer", "type"]), ("SessionIssuerUserName", &["sessionContext", "sessionIssuer", "userName"]),
        ("SessionIssuerArn", &["sessionContext", "sessionIssuer", "arn"]), ("SessionIssuerAccountId", &["sessionContext", "sessionIssuer", "accountId"]),
        ("SessionIssuerPrincipalId", &["sessionContext", "sessionIssuer", "principalId"]), ("SessionMfaAuthenticated", &["sessionContext", "attributes", "mfaAuthenticated"]),
        ("SessionCreationDate", &["sessionContext", "attributes", "creationDate"])] {
        put(column, at(path));
    }
    row
}

/// Sentinel's `AWSCloudTrail` export of the admin scenario's trail, as JSON
/// and as CSV, gives the trail's events: same time, operation, actor,
/// target, address, outcome and id.
#[test]
fn sentinel_awscloudtrail_rows_give_the_trails_events() {
    use serde_json::Value;
    let set = loupe::sample::generate_scenario(loupe::sample::Scenario::CompromisedAdmin, loupe::sample::DEFAULT_SEED);
    let trail = set.files.iter().find(|f| f.name.contains("cloudtrail")).expect("the admin scenario has a trail");
    let (_, want, _) = ingest_bytes(&trail.name, &trail.contents, &mut Deduper::default());
    let parsed: Value = serde_json::from_slice(&trail.contents).expect("trail JSON");
    let records: Vec<serde_json::Map<String, Value>> = parsed["Records"].as_array().expect("Records").iter().filter_map(|r| r.as_object().cloned()).collect();
    assert!(records.len() > 10, "{} records", records.len());
    let rows: Vec<serde_json::Map<String, Value>> = records.iter().map(as_sentinel_row).collect();

    let json_text = serde_json::to_vec(&rows).expect("rows as JSON");
    let columns: Vec<String> = rows[0].keys().cloned().collect();
    let mut csv_text = csv::Writer::from_writer(Vec::new());
    csv_text.write_record(columns.iter().map(|c| if c == "TimeGenerated" { "TimeGenerated [UTC]".to_string() } else { c.clone() })).expect("header");
    for row in &rows {
        csv_text.write_record(columns.iter().map(|c| row[c].as_str().unwrap_or(""))).expect("row");
    }
    let csv_text = csv_text.into_inner().expect("csv");
    let core = |e: &Event| (e.time, e.source, e.operation.clone(), e.actor.clone(), e.target.clone(), e.ip.clone(), e.outcome, e.user_agent.clone(), e.record_id.clone());
    for (name, bytes) in [("AWSCloudTrail.json", json_text), ("AWSCloudTrail.csv", csv_text)] {
        let (report, got, _) = ingest_bytes(name, &bytes, &mut Deduper::default());
        assert_eq!(report.format.map(|f| f.schema), Some(Schema::SentinelAwsCloudTrail), "{name}: {:?}", report.unreadable);
        assert_eq!((report.rows_ok as usize, report.rows_rejected), (want.len(), 0), "{name}: {:?}", report.errors);
        let (mut got, mut want): (Vec<_>, Vec<_>) = (got.iter().map(core).collect(), want.iter().map(core).collect());
        got.sort();
        want.sort();
        assert_eq!(got, want, "{name}");
    }
}

/// The Logs Explorer's CSV download and a BigQuery log sink's table write
/// one column per leaf of the entry; they read as the JSON entries do.
#[test]
fn gcp_flattened_csv_downloads_read_like_the_json_entries() {
    let (_, from_json) = ingest("gcp_logging_read_service_account_key.json");
    let summary = |events: &[Event]| -> Vec<(String, String, String, String, Outcome, String, Option<String>)> {
        events
            .iter()
            .map(|e| (utc(e), e.operation.clone(), e.actor.clone(), e.ip.clone(), e.outcome, e.record_id.clone(), e.attr(attr::CLOUD_ACCOUNT).map(str::to_string)))
            .collect()
    };
    for file in ["gcp_logs_explorer_download.csv", "gcp_bigquery_sink_export.csv"] {
        let (report, events) = ingest(file);
        assert_eq!(report.format.map(|f| f.schema), Some(Schema::GcpAuditLog), "{file}");
        assert_eq!(summary(&events), summary(&from_json), "{file}");
        assert!(events.iter().all(|e| e.source == Source::GcpAudit && e.target.starts_with("projects/")), "{file}");
    }
    // A row without a method is refused with its line; the others are kept.
    let (report, _) = ingest("gcp_logs_explorer_download.csv");
    assert_eq!((report.rows_ok, report.rows_rejected), (5, 1), "{:?}", report.errors);
    assert_eq!(report.errors[0].line, 4);
    assert!(report.errors[0].reason.contains("methodName"), "{:?}", report.errors);
}
