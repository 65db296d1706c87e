//! Unified Audit Log exports read end to end: Search-UnifiedAuditLog and
//! Purview CSV, bare AuditData JSON, and Log Analytics OfficeActivity, with
//! the damage real files carry (UTF-16, semicolons, cut-off downloads,
//! broken AuditData, duplicate records).

use loupe::ingest::{ingest_bytes, Container, Deduper, IngestReport, Schema};
use loupe::model::{format_utc, Event, Outcome, Source};

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
    events.iter().find(|e| e.operation == operation).unwrap_or_else(|| panic!("no {operation} event"))
}

fn utc(event: &Event) -> String {
    format_utc(event.time)
}

fn utf16le_with_bom(text: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(text).unwrap();
    let mut out = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out
}

/// The six records of `ual_search_export.csv`, checked field by field.
fn assert_search_export_events(report: &IngestReport, events: &[Event]) {
    assert_eq!(report.format.map(|f| f.schema), Some(Schema::UalSearchCsv));
    assert_eq!((report.rows_ok, report.rows_rejected, report.warnings_total), (6, 0, 0), "{:?}", report.errors);
    assert!(events.iter().all(|e| e.source == Source::UnifiedAudit));
    // AuditData's CreationTime wins over the locale CreationDate column
    // (written an hour later, in the exporting machine's time zone).
    assert!(!report.notes.iter().any(|n| n.contains("CreationDate column")), "{:?}", report.notes);

    let logon = find(events, "UserLoggedIn");
    assert_eq!(utc(logon), "2026-03-01T15:58:30.000Z");
    assert_eq!(logon.source_time, "2026-03-01T15:58:30");
    assert_eq!((logon.actor.as_str(), logon.ip.as_str(), logon.outcome), ("victim@contoso.com", "198.51.100.23", Outcome::Success));
    assert_eq!(logon.user_agent, "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0");
    assert_eq!(logon.app, "d3590ed6-52b3-4102-aeff-aad2292ab01c");
    assert_eq!(logon.attr("RecordType"), Some("15"));
    assert_eq!(logon.attr("Workload"), Some("AzureActiveDirectory"));
    assert_eq!(logon.attr("ModifiedProperties"), None, "an empty ModifiedProperties is not kept");

    let rule = find(events, "New-InboxRule");
    assert_eq!(utc(rule), "2026-03-01T16:05:06.000Z");
    assert_eq!(rule.record_id, "4f6c3b1e-2a7d-4e88-9c1f-5b2d7e9a0c01");
    assert_eq!(rule.ip, "2001:db8:4a::15", "IPv6 ClientIP with brackets and port");
    assert_eq!(rule.target, "victim@contoso.com\\.");
    assert_eq!(rule.outcome, Outcome::Success);
    assert_eq!(rule.app, "00000002-0000-0ff1-ce00-000000000000");
    assert_eq!(rule.attr("Param.ForwardTo"), Some("exfil@proton.example"));
    assert_eq!(rule.attr("Param.DeleteMessage"), Some("True"));
    assert_eq!(rule.attr("Param.SubjectContainsWords"), Some("invoice;payment;wire"));
    assert_eq!(rule.attr("Param.Name"), Some("."));
    assert_eq!(rule.attr("SessionId"), Some("8a2f7c1d-3b4e-4f5a-9c6d-7e8f9a0b1c2d"));

    let forward = find(events, "Set-Mailbox");
    assert_eq!(forward.target, "victim@contoso.com");
    assert_eq!(forward.ip, "203.0.113.7");
    assert_eq!(forward.attr("Param.ForwardingSmtpAddress"), Some("smtp:exfil@proton.example"));
    assert_eq!(forward.attr("Param.DeliverToMailboxAndForward"), Some("True"));
    assert_eq!(forward.attr("ObjectId"), Some("EURPR01A001.prod.outlook.com/Microsoft Exchange Hosted Organizations/contoso.onmicrosoft.com/victim"));

    let read = find(events, "MailItemsAccessed");
    assert_eq!(read.ip, "198.51.100.23", "IPv4-mapped IPv6 is shown as IPv4");
    assert_eq!(read.target, "victim@contoso.com");
    assert_eq!(read.attr("ItemCount"), Some("3"));
    assert_eq!(read.attr("Param.MailAccessType"), Some("Bind"));
    assert_eq!(read.attr("MailboxOwnerUPN"), Some("victim@contoso.com"));
    assert_eq!(read.attr("LogonType"), Some("0"));
    assert_eq!(read.attr("UniqueTokenId"), Some("qv3XcE2AtkyrT6lN0c4JAA"));
    assert_eq!(read.user_agent, "Client=REST;Client=RESTSystem;;");
    assert_eq!(read.app, "00000003-0000-0000-c000-000000000000");

    let download = find(events, "FileDownloaded");
    assert_eq!(utc(download), "2026-03-01T16:31:12.000Z");
    assert_eq!(download.target, "https://contoso-my.sharepoint.com/personal/victim_contoso_com/Documents/Finance/Q1 payroll.xlsx");
    assert_eq!(download.attr("SourceFileName"), Some("Q1 payroll.xlsx"));
    assert_eq!(download.attr("FileSizeBytes"), Some("48213"));
    assert_eq!(download.attr("SiteUrl"), Some("https://contoso-my.sharepoint.com/personal/victim_contoso_com/"));
    assert_eq!(download.attr("Workload"), Some("OneDrive"));
    assert_eq!(download.user_agent, "python-requests/2.31.0");
    assert_eq!(download.outcome, Outcome::Unknown);

    let client_rule = find(events, "UpdateInboxRules");
    assert_eq!(client_rule.target, "victim@contoso.com");
    assert_eq!(client_rule.app, "MSExchangeRPC");
    assert_eq!(client_rule.attr("Param.RuleName"), Some(".."));
    assert_eq!(client_rule.attr("Param.RuleActions"), Some("MoveToFolder: RSS Feeds; MarkAsRead"));
    assert_eq!(client_rule.attr("Param.RuleCondition"), Some("SubjectOrBodyContainsWords: invoice, payment"));

    assert!(report.accounts.contains(&"victim@contoso.com".to_string()), "{:?}", report.accounts);
}

#[test]
fn search_unified_audit_log_export_with_type_line() {
    let (report, events) = ingest("ual_search_export.csv");
    assert_eq!(report.format.map(|f| f.container), Some(Container::Csv { delimiter: b',' }));
    assert_eq!(report.encoding, "UTF-8");
    assert_search_export_events(&report, &events);
}

#[test]
fn search_export_in_utf16le_with_bom() {
    let bytes = utf16le_with_bom(&fixture("ual_search_export.csv"));
    let (report, events) = ingest_named("ual_search_export_utf16.csv", &bytes);
    assert_eq!(report.encoding, "UTF-16LE");
    assert_search_export_events(&report, &events);
}

#[test]
fn semicolon_export_with_german_dates_and_a_cut_audit_data() {
    let (report, events) = ingest("ual_search_export_semicolon_de.csv");
    assert_eq!(report.format.map(|f| f.container), Some(Container::Csv { delimiter: b';' }));
    assert_eq!((report.rows_ok, report.rows_rejected), (2, 0), "{:?}", report.errors);

    let rule = find(&events, "New-InboxRule");
    assert_eq!(utc(rule), "2026-03-14T08:00:00.000Z", "CreationTime, not the local CreationDate 09:00");
    assert_eq!(rule.attr("Param.ForwardTo"), Some("exfil@proton.example"));

    // AuditData cut short: the row is kept from the export's own columns.
    let forward = find(&events, "Set-Mailbox");
    assert_eq!(utc(forward), "2026-03-14T09:30:00.000Z", "day-first CreationDate taken as UTC");
    assert_eq!(forward.source_time, "14.03.2026 09:30:00");
    assert_eq!(forward.actor, "victim@contoso.com");
    assert_eq!(forward.record_id, "4f6c3b1e-2a7d-4e88-9c1f-5b2d7e9a0c02", "Identity column stands in for AuditData's Id");
    assert_eq!(forward.attr("RecordType"), Some("ExchangeAdmin"));
    assert_eq!(report.warnings.len(), 1);
    assert!(report.warnings[0].reason.starts_with("AuditData is not valid JSON ("), "{}", report.warnings[0].reason);
    assert!(report.warnings[0].reason.ends_with("); kept the CSV columns only"), "{}", report.warnings[0].reason);
    assert!(report.notes.iter().any(|n| n.contains("CreationDate column") && n.contains("taken as UTC")), "{:?}", report.notes);
    assert!(report.notes.iter().any(|n| n.contains("day/month/year")), "{:?}", report.notes);
}

#[test]
fn quoted_multi_line_audit_data() {
    let bytes = fixture("ual_search_multiline_auditdata.csv");
    let (report, events, text) = ingest_bytes("ual_search_multiline_auditdata.csv", &bytes, &mut Deduper::default());
    assert_eq!((report.rows_ok, report.rows_rejected), (2, 0), "{:?}", report.errors);
    let download = find(&events, "FileDownloaded");
    assert_eq!(download.attr("SourceFileName"), Some("Q1 payroll.xlsx"));
    assert!(text.record_text(download.raw).unwrap().contains("{\n    \"\"CreationTime\"\""));
    assert_eq!(find(&events, "UpdateInboxRules").attr("Param.RuleName"), Some(".."));
}

#[test]
fn purview_portal_export() {
    let (report, events) = ingest("ual_purview_export.csv");
    assert_eq!(report.format.map(|f| f.schema), Some(Schema::UalSearchCsv));
    assert_eq!((report.rows_ok, report.rows_rejected), (2, 0), "{:?}", report.errors);

    let sp = find(&events, "Add service principal.");
    assert_eq!(utc(sp), "2026-03-02T09:12:44.000Z");
    assert_eq!(sp.actor, "ServicePrincipal_4e3d2c1b-0a9f-8e7d-6c5b-4a3928170605");
    assert_eq!(sp.record_id, "7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2901");
    assert_eq!(sp.attr("RecordType"), Some("8"));
    assert_eq!(sp.outcome, Outcome::Success);
    let modified = sp.attr("ModifiedProperties").unwrap();
    let parsed: serde_json::Value = serde_json::from_str(modified).unwrap();
    assert_eq!(parsed[0]["Name"], "AppAddress");

    let redirect = find(&events, "Set-InboxRule");
    assert_eq!(redirect.target, "victim@contoso.com\\.");
    assert_eq!(redirect.attr("Param.RedirectTo"), Some("exfil@proton.example"));
    assert_eq!(redirect.ip, "203.0.113.7");
}

#[test]
fn duplicate_records_are_kept_once() {
    let (report, events) = ingest("ual_search_duplicate_records.csv");
    assert_eq!((report.rows_ok, report.duplicates), (2, 1));
    assert_eq!(events.iter().map(|e| e.operation.as_str()).collect::<Vec<_>>(), ["New-InboxRule", "Set-Mailbox"]);
}

#[test]
fn the_same_record_from_another_export_is_a_duplicate() {
    let mut dedupe = Deduper::default();
    let (first, _, _) = ingest_bytes("search.csv", &fixture("ual_search_export.csv"), &mut dedupe);
    let (ndjson, kept, _) = ingest_bytes("records.ndjson", &fixture("ual_auditdata_records.ndjson"), &mut dedupe);
    let (office, _, _) = ingest_bytes("office.csv", &fixture("ual_officeactivity_export.csv"), &mut dedupe);
    assert_eq!(first.rows_ok, 6);
    // New-InboxRule and Set-Mailbox were already loaded from the search export.
    assert_eq!((ndjson.rows_ok, ndjson.duplicates), (1, 2));
    assert_eq!(kept[0].record_id, "4f6c3b1e-2a7d-4e88-9c1f-5b2d7e9a0c14");
    // OfficeActivity's OfficeId is the same record id.
    assert_eq!((office.rows_ok, office.duplicates), (1, 2));
}

#[test]
fn broken_rows_are_listed_and_the_rest_kept() {
    let (report, events) = ingest("ual_search_bad_rows.csv");
    assert_eq!((report.rows_ok, report.rows_rejected, report.warnings_total), (3, 2, 1), "{:?}", report.errors);
    assert_eq!(events.iter().map(|e| e.operation.as_str()).collect::<Vec<_>>(), ["New-InboxRule", "MailItemsAccessed", "UpdateInboxRules"]);

    // Bad JSON in AuditData: kept from the CSV columns, time from CreationDate.
    let read = find(&events, "MailItemsAccessed");
    assert_eq!(utc(read), "2026-03-01T17:20:00.000Z");
    assert_eq!(read.source_time, "3/1/2026 5:20:00 PM");
    assert_eq!(read.actor, "victim@contoso.com");
    assert_eq!(read.attr("RecordType"), Some("ExchangeItemAggregated"));
    assert!(report.warnings[0].reason.starts_with("AuditData is not valid JSON"), "{}", report.warnings[0].reason);

    assert_eq!(report.errors[0].reason, "no usable time in CreationTime '2026-02-30T10:00:00' or CreationDate '31/31/2026 10:00:00'");
    assert!(report.errors[1].reason.contains("neither an operation nor a user"), "{}", report.errors[1].reason);
}

#[test]
fn truncated_download_keeps_the_complete_rows() {
    let (report, events) = ingest("ual_search_truncated.csv");
    assert_eq!((report.rows_ok, report.rows_rejected), (2, 1));
    assert_eq!(events.iter().map(|e| e.operation.as_str()).collect::<Vec<_>>(), ["New-InboxRule", "Set-Mailbox"]);
    assert!(report.errors[0].reason.contains("cut-off"), "{}", report.errors[0].reason);
}

#[test]
fn truncated_json_array_keeps_the_complete_records() {
    let text = String::from_utf8(fixture("ual_auditdata_records.json")).unwrap();
    let cut = &text[..text.find("\"Operation\": \"MailItemsAccessed\"").unwrap()];
    let (report, events) = ingest_named("cut.json", cut.as_bytes());
    assert_eq!((report.rows_ok, report.rows_rejected), (1, 1));
    assert_eq!(events[0].operation, "Add-MailboxPermission");
}

#[test]
fn audit_data_records_one_per_line() {
    let (report, events) = ingest("ual_auditdata_records.ndjson");
    assert_eq!(report.format.map(|f| (f.schema, f.container)), Some((Schema::UalAuditData, Container::Json)));
    assert_eq!((report.rows_ok, report.rows_rejected), (3, 0), "{:?}", report.errors);
    assert_eq!(events.iter().map(|e| e.line).collect::<Vec<_>>(), [1, 2, 3]);

    let rule = find(&events, "New-InboxRule");
    assert_eq!(rule.attr("Param.DeleteMessage"), Some("True"));
    assert_eq!(rule.ip, "2001:db8:4a::15");
    assert_eq!(find(&events, "Set-Mailbox").attr("Param.ForwardingSmtpAddress"), Some("smtp:exfil@proton.example"));

    let download = find(&events, "FileDownloaded");
    assert_eq!(utc(download), "2026-03-01T16:33:00.447Z");
    assert_eq!(download.source_time, "2026-03-01T16:33:00.4470000");
    assert_eq!(download.ip, "2001:db8:4a::15");
    assert_eq!(download.attr("SourceFileName"), Some("Q1 payroll.xlsx"));
}

#[test]
fn audit_data_records_as_a_json_array() {
    let (report, events) = ingest("ual_auditdata_records.json");
    assert_eq!(report.format.map(|f| f.schema), Some(Schema::UalAuditData));
    assert_eq!((report.rows_ok, report.rows_rejected), (2, 1));

    let grant = find(&events, "Add-MailboxPermission");
    assert_eq!(grant.line, 2);
    assert_eq!((grant.actor.as_str(), grant.target.as_str()), ("admin@contoso.com", "ceo@contoso.com"));
    assert_eq!(grant.attr("Param.User"), Some("victim@contoso.com"));
    assert_eq!(grant.attr("Param.AccessRights"), Some("FullAccess"));

    let sync = find(&events, "MailItemsAccessed");
    assert_eq!(sync.target, "ceo@contoso.com");
    assert_eq!(sync.attr("ItemCount"), Some("240"), "sync access lists no items: OperationCount");
    assert_eq!(sync.attr("Param.MailAccessType"), Some("Sync"));
    assert_eq!(sync.app, "OutlookService");

    assert_eq!(report.errors[0].reason, "no time: the record has no CreationTime");
    assert_eq!(report.errors[0].line, 72);
}

#[test]
fn office_activity_csv_from_log_analytics() {
    let (report, events) = ingest("ual_officeactivity_export.csv");
    assert_eq!(report.format.map(|f| f.schema), Some(Schema::SentinelOfficeActivity));
    assert_eq!((report.rows_ok, report.rows_rejected), (3, 0), "{:?}", report.errors);
    assert!(report.notes.iter().any(|n| n.contains("month/day/year")), "{:?}", report.notes);
    // LF line endings and no preamble: lines and raw spans are exact.
    assert_eq!(events.iter().map(|e| e.line).collect::<Vec<_>>(), [2, 3, 4]);

    let rule = find(&events, "New-InboxRule");
    assert_eq!(utc(rule), "2026-03-01T16:05:06.123Z");
    assert_eq!(rule.source_time, "3/1/2026, 4:05:06.123 PM");
    assert_eq!(rule.record_id, "4f6c3b1e-2a7d-4e88-9c1f-5b2d7e9a0c01");
    assert_eq!(rule.ip, "2001:db8:4a::15");
    assert_eq!(rule.target, "victim@contoso.com\\.");
    assert_eq!(rule.app, "Microsoft.Exchange.Powershell");
    assert_eq!(rule.attr("Param.ForwardTo"), Some("exfil@proton.example"));
    assert_eq!(rule.attr("Param.SubjectContainsWords"), Some("invoice;payment;wire"));
    assert_eq!(rule.attr("RecordType"), Some("ExchangeAdmin"));
    assert_eq!(rule.attr("Workload"), Some("Exchange"));

    let download = find(&events, "FileDownloaded");
    assert_eq!(download.target, "https://contoso-my.sharepoint.com/personal/victim_contoso_com/Documents/Finance/Q1 payroll.xlsx");
    assert_eq!(download.attr("SiteUrl"), Some("https://contoso-my.sharepoint.com/personal/victim_contoso_com/"));
    assert_eq!(download.attr("SourceFileName"), Some("Q1 payroll.xlsx"));
    assert_eq!(download.user_agent, "python-requests/2.31.0");

    let read = find(&events, "MailItemsAccessed");
    assert_eq!(utc(read), "2026-03-14T09:00:00.000Z");
    assert_eq!(read.ip, "198.51.100.23");
    assert_eq!(read.target, "victim@contoso.com");
    assert_eq!(read.attr("LogonType"), Some("Owner"));
    assert_eq!(read.attr("Param.MailAccessType"), Some("Bind"));
}

#[test]
fn office_activity_json_with_parameters_as_text() {
    let (report, events) = ingest("ual_officeactivity_export.json");
    assert_eq!(report.format.map(|f| (f.schema, f.container)), Some((Schema::SentinelOfficeActivity, Container::Json)));
    assert_eq!((report.rows_ok, report.rows_rejected), (2, 0), "{:?}", report.errors);

    let forward = find(&events, "Set-Mailbox");
    assert_eq!(utc(forward), "2026-03-01T16:07:41.517Z");
    assert_eq!(forward.target, "victim@contoso.com");
    assert_eq!(forward.ip, "203.0.113.7");
    assert_eq!(forward.outcome, Outcome::Success);
    assert_eq!(forward.attr("Param.ForwardingSmtpAddress"), Some("smtp:exfil@proton.example"));

    let client_rule = find(&events, "UpdateInboxRules");
    assert_eq!(client_rule.target, "victim@contoso.com");
    assert_eq!(client_rule.attr("Param.RuleOperation"), Some("AddMailboxRule"));
    assert_eq!(client_rule.attr("LogonType"), Some("Owner"));
}

/// Lines and raw spans of CSV records in files as PowerShell writes them:
/// CRLF line endings, and a `#TYPE` line before the header. Needs
/// `csv_record_start` in `ingest/mod.rs` (the csv reader counts bytes from the
/// header row and places a record after a CRLF at the `\n`, one line early).
#[test]
fn crlf_and_type_line_files_report_true_lines_and_raw_spans() {
    let lines = |events: &[Event]| events.iter().map(|e| e.line).collect::<Vec<_>>();

    let bytes = fixture("ual_search_export.csv");
    let (_, events, text) = ingest_bytes("s.csv", &bytes, &mut Deduper::default());
    // The #TYPE line is line 1 and the header line 2.
    assert_eq!(lines(&events), [3, 4, 5, 6, 7, 8]);
    let raw = text.record_text(events[1].raw).unwrap();
    assert!(raw.starts_with("\"3c2d1e0f-9a8b-4c7d-6e5f-4a3b2c1d0e9f\",\"ExchangeAdmin\""), "{raw}");
    assert!(raw.ends_with("\"4f6c3b1e-2a7d-4e88-9c1f-5b2d7e9a0c01\",\"True\",\"Unchanged\""), "{raw}");

    let (_, events) = ingest("ual_purview_export.csv");
    assert_eq!(lines(&events), [2, 3]);

    let (report, events) = ingest("ual_search_export_semicolon_de.csv");
    assert_eq!(lines(&events), [3, 4]);
    assert_eq!(report.warnings[0].line, 4);

    let (_, events) = ingest("ual_search_multiline_auditdata.csv");
    // The pretty-printed AuditData spans lines 3 to 29, so the next record starts on line 30.
    assert_eq!(lines(&events), [3, 30]);

    let (report, events) = ingest("ual_search_bad_rows.csv");
    assert_eq!(lines(&events), [3, 4, 7]);
    assert_eq!(report.warnings[0].line, 4);
    assert_eq!(report.errors.iter().map(|e| e.line).collect::<Vec<_>>(), [5, 6]);

    let (report, _) = ingest("ual_search_truncated.csv");
    assert_eq!(report.errors[0].line, 5);
}

/// Defender XDR's `CloudAppEvents` (advanced hunting export, JSON with
/// `RawEventData` as an object; CSV with it as JSON text) carries the UAL
/// record in `RawEventData`: the same records give the same events as the
/// bare `AuditData` file, and a row whose raw data is no audit record is
/// refused with its line.
#[test]
fn cloud_app_events_read_their_raw_audit_records() {
    let core = |e: &Event| (e.time, e.operation.clone(), e.actor.clone(), e.target.clone(), e.ip.clone(), e.outcome, e.record_id.clone());
    let (_, want) = ingest("ual_auditdata_records.json");
    for name in ["ual_cloudappevents_export.json", "ual_cloudappevents_export.csv"] {
        let (report, got) = ingest(name);
        assert_eq!(report.format.map(|f| f.schema), Some(Schema::DefenderCloudAppEvents), "{name}");
        assert_eq!(got.iter().map(core).collect::<Vec<_>>(), want.iter().map(core).collect::<Vec<_>>(), "{name}");
        assert!(got.iter().all(|e| e.source == Source::UnifiedAudit));
    }
    let (csv, _) = ingest("ual_cloudappevents_export.csv");
    assert_eq!((csv.rows_ok, csv.rows_rejected), (2, 2), "{:?}", csv.errors);
    assert!(csv.errors.iter().any(|e| e.line == 5 && e.reason.contains("no audit record")), "{:?}", csv.errors);
}
