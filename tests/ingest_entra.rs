//! Entra ID sign-in and audit logs read end to end: the admin center
//! downloads, Microsoft Graph pages, and Log Analytics exports, with the
//! damage real files carry (UTF-16, semicolons and locale dates, nested JSON
//! as text, a bad row, a cut-off download).

use loupe::ingest::{ingest_bytes, Container, Deduper, IngestReport, RowIssue, Schema};
use loupe::model::{format_utc, Event, Outcome, Source};
use serde_json::{json, Value};

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

fn by_id<'a>(events: &'a [Event], id: &str) -> &'a Event {
    events.iter().find(|e| e.record_id == id).unwrap_or_else(|| panic!("no event with id {id}"))
}

fn by_operation<'a>(events: &'a [Event], operation: &str) -> &'a Event {
    events.iter().find(|e| e.operation == operation).unwrap_or_else(|| panic!("no {operation} event"))
}

fn utc(event: &Event) -> String {
    format_utc(event.time)
}

fn schema(report: &IngestReport) -> Option<Schema> {
    report.format.map(|f| f.schema)
}

fn modified(event: &Event) -> Value {
    serde_json::from_str(event.attr("ModifiedProperties").expect("ModifiedProperties")).expect("ModifiedProperties is JSON")
}

fn utf16le_with_bom(text: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(text).unwrap();
    let mut out = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out
}

const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36";

/// The four rows of `signin_portal_interactive.csv`, checked field by field.
fn assert_portal_interactive(report: &IngestReport, events: &[Event]) {
    assert_eq!(schema(report), Some(Schema::EntraSignInPortal));
    assert_eq!((report.rows_ok, report.rows_rejected), (4, 0), "{:?}", report.errors);
    assert!(report.notes.iter().any(|n| n.contains("same columns for interactive and non-interactive")), "{:?}", report.notes);
    assert!(events.iter().all(|e| e.source == Source::SignIn && e.operation == "Sign-in"));

    let failed = by_id(events, "a1c3e5f7-0001-4b2d-9e8f-100000000001");
    assert_eq!(utc(failed), "2026-03-01T16:02:11.000Z");
    assert_eq!(failed.source_time, "2026-03-01T16:02:11Z");
    assert_eq!((failed.actor.as_str(), failed.ip.as_str(), failed.outcome), ("victim@contoso.com", "102.89.34.5", Outcome::Failure));
    assert_eq!((failed.country.as_str(), failed.city.as_str(), failed.geo), ("NG", "Lagos", None));
    assert_eq!(failed.attr("StateProvince"), Some("Lagos"));
    assert_eq!(failed.attr("ErrorCode"), Some("50126"));
    assert_eq!(failed.attr("FailureReason"), Some("Error validating credentials due to invalid username or password."));
    assert_eq!(failed.attr("AuthenticationRequirement"), Some("singleFactorAuthentication"));
    assert_eq!(failed.attr("ConditionalAccessStatus"), Some("notApplied"));

    let interrupted = by_id(events, "a1c3e5f7-0002-4b2d-9e8f-100000000002");
    assert_eq!(interrupted.outcome, Outcome::Interrupted);
    assert_eq!(interrupted.attr("MfaResult"), Some("MFA required in Azure AD"));

    let success = by_id(events, "a1c3e5f7-0003-4b2d-9e8f-100000000003");
    assert_eq!(success.outcome, Outcome::Success);
    assert_eq!((success.app.as_str(), success.target.as_str()), ("OfficeHome", "Office 365 Exchange Online"));
    assert_eq!(success.user_agent, CHROME);
    assert_eq!(success.attr("AppId"), Some("4765445b-32c6-49b0-83e6-1d93765276ca"));
    assert_eq!(success.attr("ResourceId"), Some("00000002-0000-0ff1-ce00-000000000000"));
    assert_eq!(success.attr("RequestId"), Some("a1c3e5f7-0003-4b2d-9e8f-100000000003"));
    assert_eq!(success.attr("CorrelationId"), Some("c0ffee00-0001-4000-8000-000000000001"));
    assert_eq!(success.attr("UserId"), Some("5e2a9c71-0b3d-4c8e-a1f2-33d4e5f60718"));
    assert_eq!(success.attr("UserDisplayName"), Some("Vic Tim"));
    assert_eq!(success.attr("MfaMethod"), Some("Mobile app notification"));
    assert_eq!(success.attr("AuthenticationRequirement"), Some("multiFactorAuthentication"));
    assert_eq!(success.attr("ClientApp"), Some("Browser"));
    assert_eq!(success.attr("Browser"), Some("Chrome 122.0.0"));
    assert_eq!(success.attr("OperatingSystem"), Some("Windows10"));
    assert_eq!((success.attr("IsCompliant"), success.attr("IsManaged")), (Some("false"), Some("false")));
    assert_eq!(success.attr("TokenIssuerType"), Some("AzureAD"));
    assert_eq!(success.attr("IsInteractive"), None, "the download does not say");

    let home = by_id(events, "a1c3e5f7-0004-4b2d-9e8f-100000000004");
    assert_eq!((home.ip.as_str(), home.country.as_str(), home.city.as_str()), ("2001:db8:7:1::20", "US", "Seattle"));
    assert_eq!(home.attr("StateProvince"), Some("Washington"));
    assert_eq!(home.attr("DeviceId"), Some("0d3c1b2a-0000-4000-8000-0000000000aa"));
    assert_eq!(home.attr("TrustType"), Some("Microsoft Entra joined"));
    assert_eq!((home.attr("IsCompliant"), home.attr("IsManaged")), (Some("true"), Some("true")));
}

#[test]
fn admin_center_sign_in_download_is_read_column_by_column() {
    let (report, events) = ingest("signin_portal_interactive.csv");
    assert_eq!(report.format.map(|f| f.container), Some(Container::Csv { delimiter: b',' }));
    assert_eq!(report.encoding, "UTF-8 with BOM");
    assert_portal_interactive(&report, &events);
}

#[test]
fn admin_center_download_saved_as_utf16_reads_the_same() {
    let (report, events) = ingest_named("signins_utf16.csv", &utf16le_with_bom(&fixture("signin_portal_interactive.csv")));
    assert_eq!(report.encoding, "UTF-16LE");
    assert_portal_interactive(&report, &events);
}

#[test]
fn admin_center_download_name_says_which_sign_ins_it_holds() {
    let csv = fixture("signin_portal_interactive.csv");
    let (report, events) = ingest_named("NonInteractiveSignIns_2026-03-01_2026-03-02.csv", &csv);
    assert!(events.iter().all(|e| e.operation == "Non-interactive sign-in"), "{:?}", events.iter().map(|e| &e.operation).collect::<Vec<_>>());
    assert!(report.notes.iter().any(|n| n.contains("taken from the admin center's download file name")), "{:?}", report.notes);
    let (report, events) = ingest_named("InteractiveSignIns_2026-03-01_2026-03-02.csv", &csv);
    assert!(events.iter().all(|e| e.operation == "Sign-in"));
    assert!(report.notes.iter().any(|n| n.contains("download file name")), "{:?}", report.notes);
}

#[test]
fn a_row_with_an_impossible_date_is_rejected_and_the_rest_kept() {
    let (report, events) = ingest("signin_portal_noninteractive_bad_date.csv");
    assert_eq!(schema(&report), Some(Schema::EntraSignInPortal));
    assert_eq!((report.rows_ok, report.rows_rejected), (2, 1));
    assert_eq!(report.errors, [RowIssue { line: 3, reason: "no usable time in Date (UTC) '2026-02-30T16:25:00Z'".into() }]);

    let graph = by_id(&events, "b2d4f6a8-0001-4c3e-8f90-200000000001");
    assert_eq!(utc(graph), "2026-03-01T16:20:44.000Z");
    assert_eq!((graph.app.as_str(), graph.target.as_str()), ("Microsoft Office", "Microsoft Graph"));
    assert_eq!((graph.user_agent.as_str(), graph.outcome), ("python-requests/2.31.0", Outcome::Success));
    assert_eq!(graph.attr("MfaResult"), Some("MFA requirement satisfied by claim in the token"));
    assert_eq!(graph.attr("ClientApp"), Some("Mobile Apps and Desktop clients"));

    let expired = by_id(&events, "b2d4f6a8-0003-4c3e-8f90-200000000003");
    assert_eq!((expired.outcome, expired.attr("ErrorCode")), (Outcome::Failure, Some("70043")));
    assert_eq!(expired.attr("ConditionalAccessStatus"), Some("failure"));
}

#[test]
fn admin_center_service_principal_download_names_the_service_principal() {
    let (report, events) = ingest("signin_portal_service_principal.csv");
    assert_eq!(schema(&report), Some(Schema::EntraSignInPortal));
    assert!(report.notes.is_empty(), "{:?}", report.notes);
    let [sp] = events.as_slice() else { panic!("{events:?}") };
    assert_eq!(sp.operation, "Service principal sign-in");
    assert_eq!((sp.actor.as_str(), sp.target.as_str(), sp.app.as_str()), ("Contoso Mail Sync", "Microsoft Graph", "Contoso Mail Sync"));
    assert_eq!((sp.ip.as_str(), sp.country.as_str(), sp.city.as_str()), ("185.220.101.47", "DE", ""));
    assert_eq!(sp.attr("UserId"), Some("7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"));
    assert_eq!(sp.outcome, Outcome::Success);
}

#[test]
fn admin_center_json_download_is_read_as_graph_sign_ins() {
    let (report, events) = ingest("signin_portal_download.json");
    assert_eq!(schema(&report), Some(Schema::GraphSignIn));
    let [e] = events.as_slice() else { panic!("{events:?}") };
    assert_eq!((utc(e).as_str(), e.operation.as_str()), ("2026-03-01T16:05:06.000Z", "Sign-in"));
    assert_eq!(e.geo, Some((6.45306, 3.39583)));
    assert_eq!(e.user_agent, CHROME);
    assert_eq!(e.attr("SignInEventType"), Some("interactiveUser"));
    assert_eq!(e.attr("IsInteractive"), Some("true"));
    assert_eq!(e.attr("MfaMethod"), Some("Mobile app notification"));
    assert_eq!(e.attr("MfaResult"), Some("MFA completed in Azure AD"));
}

#[test]
fn graph_sign_in_page_maps_status_location_risk_and_device() {
    let (report, events) = ingest("signin_graph_page.json");
    assert_eq!(schema(&report), Some(Schema::GraphSignIn));
    assert_eq!((report.rows_ok, report.rows_rejected), (3, 0));
    assert!(report.notes.is_empty(), "{:?}", report.notes);

    let failed = by_id(&events, "a1c3e5f7-0001-4b2d-9e8f-100000000001");
    assert_eq!((failed.outcome, failed.attr("ErrorCode")), (Outcome::Failure, Some("50126")));
    assert_eq!(failed.attr("IsInteractive"), Some("true"));
    let interrupted = by_id(&events, "a1c3e5f7-0002-4b2d-9e8f-100000000002");
    assert_eq!(interrupted.outcome, Outcome::Interrupted);

    let success = by_id(&events, "a1c3e5f7-0003-4b2d-9e8f-100000000003");
    assert_eq!((utc(success).as_str(), success.operation.as_str()), ("2026-03-01T16:05:06.000Z", "Sign-in"));
    assert_eq!((success.actor.as_str(), success.ip.as_str(), success.outcome), ("victim@contoso.com", "102.89.34.5", Outcome::Success));
    assert_eq!((success.country.as_str(), success.city.as_str(), success.geo), ("NG", "Lagos", Some((6.45306, 3.39583))));
    assert_eq!(success.attr("StateProvince"), Some("Lagos"));
    assert_eq!(success.attr("RiskLevelAggregated"), Some("medium"));
    assert_eq!(success.attr("RiskLevelDuringSignIn"), Some("medium"));
    assert_eq!(success.attr("RiskState"), Some("atRisk"));
    assert_eq!(success.attr("RiskDetail"), Some("none"));
    assert_eq!(success.attr("RiskEventTypes"), Some("unfamiliarFeatures, anonymizedIPAddress"));
    assert_eq!(success.attr("MfaMethod"), Some("Mobile app notification"));
    assert_eq!(success.attr("ConditionalAccessStatus"), Some("success"));
    assert_eq!((success.attr("IsCompliant"), success.attr("DeviceId")), (Some("false"), None));
}

#[test]
fn an_array_of_graph_pages_is_read_whole() {
    let (report, events) = ingest("signin_graph_pages.json");
    assert_eq!((schema(&report), report.rows_ok), (Some(Schema::GraphSignIn), 4));
    let laptop = by_id(&events, "a1c3e5f7-0004-4b2d-9e8f-100000000004");
    assert_eq!((laptop.ip.as_str(), laptop.geo), ("2001:db8:7:1::20", Some((47.6062, -122.3321))));
    assert_eq!(laptop.attr("DeviceName"), Some("VIC-LAPTOP"));
    assert_eq!(laptop.attr("TrustType"), Some("Azure AD joined"));
    assert_eq!((laptop.attr("IsCompliant"), laptop.attr("IsManaged")), (Some("true"), Some("true")));
}

#[test]
fn the_same_sign_in_from_the_admin_center_and_from_graph_is_kept_once() {
    let mut dedupe = Deduper::default();
    let (_, portal, _) = ingest_bytes("InteractiveSignIns.csv", &fixture("signin_portal_interactive.csv"), &mut dedupe);
    let (report, graph, _) = ingest_bytes("signins.json", &fixture("signin_graph_page.json"), &mut dedupe);
    assert_eq!(portal.len(), 4);
    assert_eq!((graph.len(), report.duplicates), (0, 3), "Request ID and Graph id are the same identifier");
}

#[test]
fn graph_beta_lines_say_non_interactive_and_service_principal() {
    let (report, events) = ingest("signin_graph_beta.ndjson");
    assert_eq!((schema(&report), report.rows_ok), (Some(Schema::GraphSignIn), 2));
    let refresh = by_id(&events, "c3e5f7a9-0001-4a2b-8c3d-600000000001");
    assert_eq!(utc(refresh), "2026-03-01T16:20:44.510Z");
    assert_eq!(refresh.source_time, "2026-03-01T16:20:44.5107291Z");
    assert_eq!(refresh.operation, "Non-interactive sign-in");
    assert_eq!(refresh.user_agent, "python-requests/2.31.0");
    assert_eq!(refresh.attr("SignInEventType"), Some("nonInteractiveUser"));
    assert_eq!(refresh.attr("IsInteractive"), Some("false"));
    assert_eq!(refresh.attr("MfaMethod"), Some("Previously satisfied"));

    let sp = by_id(&events, "c3e5f7a9-0002-4a2b-8c3d-600000000002");
    assert_eq!((sp.operation.as_str(), sp.actor.as_str()), ("Service principal sign-in", "Contoso Mail Sync"));
    assert_eq!((sp.outcome, sp.attr("ErrorCode")), (Outcome::Failure, Some("7000215")));
    assert_eq!((sp.country.as_str(), sp.geo), ("DE", None));
}

#[test]
fn a_cut_off_graph_download_keeps_its_complete_records() {
    let (report, events) = ingest("signin_graph_page_truncated.json");
    assert_eq!(schema(&report), Some(Schema::GraphSignIn));
    assert_eq!((report.rows_ok, report.rows_rejected), (2, 1));
    assert!(report.errors[0].reason.contains("cut off"), "{:?}", report.errors);
    assert_eq!(events.iter().map(|e| e.record_id.as_str()).collect::<Vec<_>>(), ["a1c3e5f7-0001-4b2d-9e8f-100000000001", "a1c3e5f7-0002-4b2d-9e8f-100000000002"]);
}

#[test]
fn log_analytics_csv_with_locale_dates_and_json_text_columns() {
    let (report, events) = ingest("signin_sentinel_export.csv");
    assert_eq!(schema(&report), Some(Schema::SentinelSigninLogs));
    assert_eq!((report.rows_ok, report.rows_rejected), (2, 0), "{:?}", report.errors);
    assert!(report.notes.iter().any(|n| n.contains("month/day/year")), "{:?}", report.notes);

    let interactive = by_id(&events, "a1c3e5f7-0003-4b2d-9e8f-100000000003");
    assert_eq!(utc(interactive), "2026-03-01T16:05:06.123Z");
    assert_eq!(interactive.source_time, "3/1/2026, 4:05:06.123 PM");
    assert_eq!((interactive.operation.as_str(), interactive.outcome), ("Sign-in", Outcome::Success));
    assert_eq!((interactive.country.as_str(), interactive.city.as_str(), interactive.geo), ("NG", "Lagos", Some((6.45306, 3.39583))));
    assert_eq!(interactive.attr("ResourceId"), Some("00000002-0000-0ff1-ce00-000000000000"), "ResourceIdentity, not the log's Azure path");
    assert_eq!(interactive.attr("RiskEventTypes"), Some("unfamiliarFeatures, anonymizedIPAddress"));
    assert_eq!(interactive.attr("MfaMethod"), Some("Mobile app notification"));
    assert_eq!(interactive.attr("MfaResult"), Some("MFA completed in Azure AD"));
    assert_eq!(interactive.attr("OperatingSystem"), Some("Windows10"));
    assert_eq!(interactive.attr("IsInteractive"), Some("true"));

    let refresh = by_id(&events, "f7a8b9c0-0001-4e6f-a012-400000000001");
    assert_eq!(utc(refresh), "2026-03-14T09:41:00.500Z");
    assert_eq!(refresh.operation, "Non-interactive sign-in");
    assert_eq!(refresh.attr("SignInEventType"), Some("NonInteractiveUserSignInLogs"));
    assert_eq!((refresh.outcome, refresh.attr("ErrorCode")), (Outcome::Failure, Some("50173")));
    assert_eq!(refresh.attr("FailureReason"), Some("The provided grant has expired due to it being revoked, a fresh auth token is needed."));
}

#[test]
fn log_analytics_csv_resaved_with_semicolons_and_day_first_dates() {
    let (report, events) = ingest("signin_sentinel_semicolon_de.csv");
    assert_eq!(report.format.map(|f| f.container), Some(Container::Csv { delimiter: b';' }));
    assert_eq!(schema(&report), Some(Schema::SentinelSigninLogs));
    assert!(report.notes.iter().any(|n| n.contains("day/month/year")), "{:?}", report.notes);
    let spray = by_id(&events, "0d1e2f3a-0001-4b5c-8d6e-500000000001");
    assert_eq!((utc(spray).as_str(), spray.actor.as_str(), spray.outcome), ("2026-03-01T16:05:06.123Z", "admin@contoso.com", Outcome::Failure));
    assert_eq!((spray.city.as_str(), spray.geo), ("Frankfurt am Main", Some((50.1109, 8.6821))));
    let later = by_id(&events, "0d1e2f3a-0002-4b5c-8d6e-500000000002");
    assert_eq!((utc(later).as_str(), later.geo, later.attr("ResourceId")), ("2026-03-14T09:00:00.000Z", None, None));
}

#[test]
fn log_analytics_json_rows_with_nested_json_text() {
    let (report, events) = ingest("signin_sentinel_export.json");
    assert_eq!(schema(&report), Some(Schema::SentinelSigninLogs));
    let [e] = events.as_slice() else { panic!("{events:?}") };
    assert_eq!((utc(e).as_str(), e.operation.as_str()), ("2026-03-01T16:20:44.510Z", "Non-interactive sign-in"));
    assert_eq!((e.actor.as_str(), e.target.as_str(), e.outcome), ("victim@contoso.com", "Microsoft Graph", Outcome::Success));
    assert_eq!((e.country.as_str(), e.city.as_str(), e.geo), ("NG", "Lagos", Some((6.45306, 3.39583))));
    assert_eq!(e.attr("OperatingSystem"), Some("Linux"));
    assert_eq!(e.attr("Browser"), Some("Python Requests 2.31"));
    assert_eq!(e.attr("IsInteractive"), Some("false"));
    assert_eq!(e.attr("MfaMethod"), Some("Previously satisfied"));
    assert_eq!(e.attr("MfaResult"), Some("MFA requirement satisfied by claim in the token"));
    assert_eq!(e.attr("RiskEventTypes"), None, "an empty list is not kept");
}

#[test]
fn admin_center_audit_download_rebuilds_targets_and_changes() {
    let (report, events) = ingest("audit_portal_export.csv");
    assert_eq!(schema(&report), Some(Schema::EntraAuditPortal));
    assert_eq!((report.rows_ok, report.rows_rejected), (3, 0), "{:?}", report.errors);
    assert!(events.iter().all(|e| e.source == Source::DirectoryAudit));

    let role = by_operation(&events, "Add member to role");
    assert_eq!(utc(role), "2026-03-01T16:12:40.123Z");
    assert_eq!((role.actor.as_str(), role.target.as_str(), role.ip.as_str()), ("victim@contoso.com", "backdoor@contoso.com", "102.89.34.5"));
    assert_eq!((role.outcome, role.record_id.as_str()), (Outcome::Success, ""));
    assert_eq!(role.user_agent, CHROME);
    assert_eq!(role.attr("Category"), Some("RoleManagement"));
    assert_eq!(role.attr("LoggedByService"), Some("Core Directory"));
    assert_eq!(role.attr("TargetType"), Some("User"));
    assert_eq!(role.attr("TargetId"), Some("aa11bb22-cc33-4d44-8e55-ff6677889900"));
    assert_eq!(role.attr("CorrelationId"), Some("c0ffee00-0100-4000-8000-000000000100"));
    let ga = "\"62e90394-69f5-4237-9190-012177145e10\"";
    assert_eq!(
        modified(role),
        json!([
            {"target": "backdoor@contoso.com", "property": "Role.ObjectID", "old": "", "new": ga},
            {"target": "backdoor@contoso.com", "property": "Role.DisplayName", "old": "", "new": "\"Global Administrator\""},
            {"target": "backdoor@contoso.com", "property": "Role.TemplateId", "old": "", "new": ga},
            {"target": "backdoor@contoso.com", "property": "Role.WellKnownObjectName", "old": "", "new": "\"TenantAdmins\""},
        ])
    );

    let consent = by_operation(&events, "Consent to application");
    assert_eq!(consent.target, "Mail Backup Pro");
    assert_eq!(consent.attr("TargetType"), Some("ServicePrincipal"));
    let details: Value = serde_json::from_str(consent.attr("AdditionalDetails").unwrap()).unwrap();
    assert_eq!(details, json!({"User-Agent": CHROME, "AppId": "9b9b9b9b-1111-4222-8333-444455556666"}));
    let changes = modified(consent);
    assert_eq!(changes[0], json!({"target": "Mail Backup Pro", "property": "ConsentContext.IsAdminConsent", "old": "", "new": "\"True\""}));
    assert!(changes[2]["new"].as_str().unwrap().contains("Mail.ReadWrite Mail.Send offline_access"));

    let system = by_operation(&events, "Update user");
    assert_eq!((system.actor.as_str(), system.app.as_str(), system.ip.as_str()), ("Microsoft Substrate Management", "Microsoft Substrate Management", ""));
    assert_eq!(system.attr("InitiatedByApp"), Some("Microsoft Substrate Management"));
}

#[test]
fn graph_directory_audits_keep_old_and_new_values_exactly() {
    let (report, events) = ingest("audit_graph_page.json");
    assert_eq!(schema(&report), Some(Schema::GraphDirectoryAudit));
    assert_eq!((report.rows_ok, report.rows_rejected), (4, 0));

    let role = by_id(&events, "Directory_9c1d2e3f-0001-4a5b-8c6d-700000000001");
    assert_eq!((role.operation.as_str(), role.actor.as_str(), role.target.as_str()), ("Add member to role", "victim@contoso.com", "backdoor@contoso.com"));
    assert_eq!(role.attr("ActivityId"), Some("Directory_9c1d2e3f-0001-4a5b-8c6d-700000000001"));
    assert_eq!(role.attr("OperationType"), Some("Assign"));
    assert_eq!(modified(role)[1], json!({"target": "backdoor@contoso.com", "property": "Role.DisplayName", "old": "", "new": "\"Global Administrator\""}));

    let consent = by_operation(&events, "Consent to application");
    assert_eq!((consent.target.as_str(), consent.user_agent.as_str()), ("Mail Backup Pro", CHROME));
    assert_eq!(modified(consent).as_array().map(Vec::len), Some(5));

    let mfa = by_operation(&events, "User registered security info");
    assert_eq!((mfa.target.as_str(), mfa.outcome), ("victim@contoso.com", Outcome::Success));
    assert_eq!(mfa.attr("LoggedByService"), Some("Authentication Methods"));
    assert_eq!(mfa.attr("ResultReason"), Some("User registered Authenticator App with Notification and Code"));
    assert_eq!(mfa.attr("ModifiedProperties"), None);

    let policy = by_operation(&events, "Update conditional access policy");
    assert_eq!((policy.target.as_str(), policy.outcome), ("Require MFA for all users", Outcome::Failure));
    assert_eq!(policy.attr("ResultReason"), Some("Insufficient privileges to complete the operation."));
    assert_eq!(
        modified(policy),
        json!([{
            "target": "Require MFA for all users",
            "property": "ConditionalAccessPolicy",
            "old": r#"{"id":"ca000001-0000-4000-8000-000000000001","displayName":"Require MFA for all users","state":"enabled"}"#,
            "new": r#"{"id":"ca000001-0000-4000-8000-000000000001","displayName":"Require MFA for all users","state":"disabled"}"#,
        }])
    );
    assert_eq!(policy.attr("AdditionalDetails"), Some(r#"{"Category":"Conditional Access"}"#));
}

#[test]
fn log_analytics_audit_rows_with_nested_json_text() {
    let (report, events) = ingest("audit_sentinel_export.json");
    assert_eq!(schema(&report), Some(Schema::SentinelAuditLogs));
    let [e] = events.as_slice() else { panic!("{events:?}") };
    assert_eq!(utc(e), "2026-03-01T16:50:21.987Z");
    assert_eq!(e.operation, "Update application \u{2013} Certificates and secrets management");
    assert_eq!((e.actor.as_str(), e.ip.as_str(), e.target.as_str()), ("victim@contoso.com", "102.89.34.5", "Contoso Mail Sync"));
    assert_eq!((e.user_agent.as_str(), e.outcome, e.record_id.as_str()), ("python-requests/2.31.0", Outcome::Success, "Directory_9c1d2e3f-0005-4a5b-8c6d-700000000005"));
    assert_eq!(e.attr("TargetType"), Some("Application"));
    assert_eq!(e.attr("OperationType"), Some("Update"));
    assert_eq!(
        modified(e),
        json!([
            {"target": "Contoso Mail Sync", "property": "KeyDescription", "old": "[]",
             "new": "[\"[KeyIdentifier=11112222-3333-4444-5555-666677778888,KeyType=Password,KeyUsage=Verify,DisplayName=sync]\"]"},
            {"target": "Contoso Mail Sync", "property": "Included Updated Properties", "old": "", "new": "\"KeyDescription\""},
        ])
    );
}

#[test]
fn accounts_seen_are_listed_in_the_report() {
    let (report, _) = ingest("audit_graph_page.json");
    assert_eq!(report.accounts, ["backdoor@contoso.com", "victim@contoso.com"]);
}

#[test]
fn managed_identity_column_alone_does_not_make_a_user_sign_in_a_managed_identity_one() {
    let csv = "\"Date (UTC)\",\"Request ID\",\"User\",\"Username\",\"Application\",\"IP address\",\"Status\",\"Managed Identity type\"\n\
\"2026-03-01T16:02:11Z\",\"r1\",\"Ada\",\"ada@contoso.example\",\"Office 365\",\"192.0.2.1\",\"Success\",\"\"\n\
\"2026-03-01T16:03:11Z\",\"r2\",\"\",\"\",\"vm-backup\",\"\",\"Success\",\"SystemAssigned\"\n";
    let (report, events) = ingest_named("signins.csv", csv.as_bytes());
    assert_eq!((report.rows_ok, report.rows_rejected), (2, 0), "{:?}", report.errors);
    assert_eq!(by_id(&events, "r1").operation, "Sign-in");
    assert_eq!(by_id(&events, "r2").operation, "Managed identity sign-in");
}
