use super::quote::{kql, ps, sh, spl};
use super::*;
use crate::detect::{Indicator, IndicatorKind};
use crate::ingest::{ingest_bytes, Deduper};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Graph pages one per line, as `Invoke-MgGraphRequest -OutputType Json`
/// appended page after page writes them.
fn pages_per_line(page_fixture: &str) -> Vec<u8> {
    let page: serde_json::Value = serde_json::from_slice(&fixture(page_fixture)).expect("a Graph page");
    let line = serde_json::to_string(&page).expect("compact");
    format!("{line}\n{line}\n").into_bytes()
}

/// Events one per line, as Splunk's "Raw Events" export writes them.
fn records_per_line(array_fixture: &str) -> Vec<u8> {
    let records: Vec<serde_json::Value> = serde_json::from_slice(&fixture(array_fixture)).expect("a JSON array");
    records.iter().map(|r| serde_json::to_string(r).expect("compact") + "\n").collect::<String>().into_bytes()
}

/// A file shaped like what a command writes: by its layout, and where
/// two commands share a layout but not its rows, by what it asks for.
fn output_for(c: &Command) -> (&'static str, Vec<u8>) {
    let workload_table = ["AADServicePrincipalSignInLogs", "AADManagedIdentitySignInLogs"].iter().any(|t| c.query.starts_with(t));
    if workload_table {
        return ("AADServicePrincipalSignInLogs.csv", fixture("signin_sentinel_service_principal_export.csv"));
    }
    if c.query.contains("sourcetype=\"mscs:azure:audit\"") {
        return ("azure_audit_raw_events.txt", records_per_line("azure_activity_cli_list.json"));
    }
    output_of(c.reads_as.expect("a layout"))
}

/// A file shaped like what each layout's command writes.
fn output_of(schema: Schema) -> (&'static str, Vec<u8>) {
    match schema {
        Schema::SentinelSigninLogs => ("SigninLogs.csv", fixture("signin_sentinel_export.csv")),
        Schema::SentinelAuditLogs => ("AuditLogs.json", fixture("audit_sentinel_export.json")),
        Schema::SentinelOfficeActivity => ("OfficeActivity.csv", fixture("ual_officeactivity_export.csv")),
        Schema::DefenderCloudAppEvents => ("CloudAppEvents.csv", fixture("ual_cloudappevents_export.csv")),
        Schema::SentinelAzureActivity => ("AzureActivity.csv", fixture("azure_activity_sentinel_export.csv")),
        Schema::SentinelGraphActivity => ("MicrosoftGraphActivityLogs.csv", fixture("graph_activity_sentinel_export.csv")),
        Schema::SentinelAwsCloudTrail => (
            "AWSCloudTrail.csv",
            b"TenantId,TimeGenerated [UTC],EventVersion,EventSource,EventName,AWSRegion,SourceIpAddress,UserAgent,UserIdentityType,UserIdentityPrincipalid,UserIdentityArn,UserIdentityAccountId,AwsEventId,RecipientAccountId\n\
              t1,\"3/1/2026, 5:10:00.000 PM\",1.09,iam.amazonaws.com,CreateAccessKey,us-east-1,203.0.113.7,aws-cli/2.15,AssumedRole,AROAEXAMPLE:jdoe@contoso.com,arn:aws:sts::123456789012:assumed-role/Admin/jdoe@contoso.com,123456789012,e-1,123456789012\n"
                .to_vec(),
        ),
        Schema::UalAuditData => ("o365_raw_events.txt", fixture("ual_auditdata_records.ndjson")),
        Schema::GraphSignIn => ("signins_graph.json", pages_per_line("signin_graph_page.json")),
        Schema::GraphDirectoryAudit => ("directory_audits_graph.json", pages_per_line("audit_graph_page.json")),
        Schema::CloudTrailRecords => ("cloudtrail_raw_events.txt", fixture("cloudtrail_events_per_line_truncated.ndjson")),
        Schema::UalSearchCsv => ("ual_search.csv", fixture("ual_search_export.csv")),
        Schema::MessageTraceCmdlet => ("message_trace.csv", fixture("message_trace_v2_export.csv")),
        Schema::AzureActivityEventData => ("azure_activity_jdoe.json", fixture("azure_activity_cli_list.json")),
        Schema::CloudTrailLookupEvents => ("cloudtrail_jdoe.json", fixture("cloudtrail_lookup_events.json")),
        Schema::GcpAuditLog => ("gcp_audit.json", fixture("gcp_logging_read_service_account_key.json")),
        Schema::SentinelRiskEvents => ("AADUserRiskEvents.csv", fixture("risk_detections_sentinel_export.csv")),
        Schema::SentinelRiskyUsers => (
            "AADRiskyUsers.csv",
            b"TenantId,TimeGenerated [UTC],Id,IsDeleted,IsProcessing,RiskDetail,RiskLastUpdatedDateTime [UTC],RiskLevel,RiskState,UserDisplayName,UserPrincipalName,OperationName,Type\n\
              t1,\"3/14/2026, 10:05:00.000 AM\",u1,false,false,none,\"3/14/2026, 10:02:40.000 AM\",high,atRisk,Jane Doe,jdoe@contoso.com,Risky user,AADRiskyUsers\n"
                .to_vec(),
        ),
        Schema::GraphRiskDetection => ("risk_detections_graph.json", pages_per_line("risk_detections_graph_page.json")),
        other => panic!("no output shape for {other:?}: add one"),
    }
}

fn case(suspects: &[&str], indicators: &[(IndicatorKind, &str)]) -> Context {
    Context {
        suspect_accounts: suspects.iter().map(|s| s.to_string()).collect(),
        window: Some((crate::model::parse_rfc3339_utc("2026-03-01T16:00:00Z").unwrap(), crate::model::parse_rfc3339_utc("2026-03-02T16:00:00Z").unwrap())),
        indicators: indicators.iter().map(|(k, v)| Indicator::new(*k, *v, "test")).collect(),
        ..Context::default()
    }
}

#[test]
fn every_collect_and_hunt_command_writes_a_layout_loupe_reads() {
    let ctx = case(
        &["jdoe@contoso.com"],
        &[
            (IndicatorKind::Ip, "203.0.113.7"),
            (IndicatorKind::UserAgent, "python-requests/2.31"),
            (IndicatorKind::AppId, "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f"),
            (IndicatorKind::Domain, "evil.example"),
        ],
    );
    let commands: Vec<Command> = collect(&ctx, &[], false).into_iter().chain(hunt(&ctx)).collect();
    for engine in Engine::ALL {
        assert!(commands.iter().any(|c| c.engine == engine), "no {engine:?} command");
    }
    for c in &commands {
        let Some(schema) = c.reads_as else { continue };
        let (name, bytes) = output_for(c);
        let (report, events, _) = ingest_bytes(name, &bytes, &mut Deduper::default());
        assert_eq!(report.format.map(|f| f.schema), Some(schema), "{}: {}", c.purpose, c.query);
        assert!(!events.is_empty(), "{name}");
    }
    // Apps sign in without a user: their tables are narrowed by the marked apps and addresses.
    let workload = commands.iter().find(|c| c.query.starts_with("AADServicePrincipalSignInLogs\n")).expect("service principal sign-ins");
    assert!(workload.query.contains("AppId in (dynamic([\"2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f\"]))"), "{}", workload.query);
    let (name, bytes) = output_for(workload);
    let (_, events, _) = ingest_bytes(name, &bytes, &mut Deduper::default());
    assert!(events.iter().all(|e| e.operation == "Service principal sign-in"), "read as app sign-ins");
    assert!(commands.iter().any(|c| c.engine == Engine::Kql && c.query.starts_with("AADManagedIdentitySignInLogs\n")));
    let azure_audit = commands.iter().find(|c| c.query.contains("sourcetype=\"mscs:azure:audit\"")).expect("the Activity Log in Splunk");
    assert!(azure_audit.query.contains("in(lower(caller), \"jdoe@contoso.com\")"), "{}", azure_audit.query);
    assert_eq!(azure_audit.reads_as, Some(Schema::AzureActivityEventData));

    // The Purview audit search writes auditLogRecord pages: each record's auditData is read.
    assert!(commands.iter().any(|c| c.query.contains("security/auditLog/queries")));
    let record = r##"{"@odata.type":"#microsoft.graph.security.auditLogRecord","id":"r1","createdDateTime":"2026-03-01T16:05:06Z","auditLogRecordType":"exchangeAdmin","operation":"New-InboxRule","userPrincipalName":"jdoe@contoso.com","clientIp":"203.0.113.7","auditData":{"CreationTime":"2026-03-01T16:05:06","Id":"r1","Operation":"New-InboxRule","RecordType":1,"ResultStatus":"True","UserId":"jdoe@contoso.com","ClientIP":"203.0.113.7:51234","Workload":"Exchange","Parameters":[{"Name":"ForwardTo","Value":"drop@evil.example"}]}}"##;
    let page = format!("{{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#security/auditLog/queries('q')/records\",\"value\":[{record}]}}\n");
    let (report, events, _) = ingest_bytes("purview_audit_records.json", page.as_bytes(), &mut Deduper::default());
    assert_eq!(report.format.map(|f| f.schema), Some(Schema::UalAuditData));
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].attr("Param.ForwardTo"), Some("drop@evil.example"), "the record's own auditData is read");

    // The tenant snapshot commands: files of their shapes are read as configuration.
    assert!(commands.iter().any(|c| c.reads_as.is_none() && c.query.contains("roleAssignments?$expand=principal")));
    let exchange = commands.iter().find(|c| c.query.contains("Get-InboxRule")).expect("the mailbox configuration command");
    assert!(exchange.query.contains("'jdoe@contoso.com'"));
    let tenant = format!("{}/tests/fixtures/tenant/", env!("CARGO_MANIFEST_DIR"));
    for (written, shaped_like) in [("inbox_rules.json", "hawk/All_InboxRules.json"), ("mailbox_forwarding.csv", "hawk/User_ForwardingReport.csv")] {
        assert!(exchange.writes.contains(written));
        let bytes = std::fs::read(format!("{tenant}{shaped_like}")).expect("fixture");
        assert!(crate::tenant::looks_like_snapshot(written, &bytes), "{written}");
        assert!(!crate::tenant::read::read_file(written, &bytes).objects.is_empty(), "{written}");
    }
}

#[test]
fn missing_evidence_only_and_each_source_once_for_the_first_step_that_needs_it() {
    let ctx = case(&["jdoe@contoso.com"], &[]);
    let everything = collect(&ctx, &[], false);
    let sign_ins: Vec<&Command> = everything.iter().filter(|c| c.query.starts_with("SigninLogs")).collect();
    assert_eq!(sign_ins.len(), 1, "once, though eight steps need sign-ins");
    assert_eq!(sign_ins[0].step, 1);
    assert!(everything.iter().any(|c| c.step == 7 && c.reads_as.is_none()), "the snapshot for step 7");
    let loaded = collect(&ctx, &crate::model::Source::ALL, true);
    assert!(loaded.is_empty(), "{loaded:#?}");
    assert!(hunt(&ctx).is_empty(), "no indicators, nothing to hunt");
    // A step's own panel lists its sources even when an earlier step did.
    let step_ten = for_step(10, &ctx, &[crate::model::Source::UnifiedAudit], true);
    assert!(step_ten.iter().all(|c| c.step == 10) && step_ten.iter().any(|c| c.query.starts_with("SigninLogs")));
    assert!(!step_ten.iter().any(|c| c.query.starts_with("OfficeActivity")), "the UAL is loaded");
}

#[test]
fn values_from_evidence_never_end_their_string() {
    let benign = case(&["jdoe@contoso.com", "amy@contoso.com"], &[(IndicatorKind::Ip, "203.0.113.7"), (IndicatorKind::UserAgent, "curl/8"), (IndicatorKind::AppId, "app"), (IndicatorKind::Domain, "evil.example")]);
    let hostile_account = "x\"') or 1==1 | where true; $(rm -rf ~) `whoami`\n| take 1 //@contoso.com";
    let hostile_ua = "Mozilla\\\" | search *\r\n' ; drop";
    let hostile = case(
        &[hostile_account, "amy@contoso.com"],
        &[(IndicatorKind::Ip, "203.0.113.7\" or \"1\"==\"1"), (IndicatorKind::UserAgent, hostile_ua), (IndicatorKind::AppId, "a'pp"), (IndicatorKind::Domain, "evil.example\" | delete")],
    );
    let all = |ctx: &Context| -> Vec<Command> { collect(ctx, &[], false).into_iter().chain(hunt(ctx)).collect() };
    let (plain, nasty) = (all(&benign), all(&hostile));
    assert_eq!(plain.len(), nasty.len());
    let lower = hostile_account.to_lowercase();
    for (p, h) in plain.iter().zip(&nasty) {
        // A line break in a value would add a line; quoting keeps the shape.
        assert_eq!(p.query.lines().count(), h.query.lines().count(), "{}\n---\n{}", p.query, h.query);
        // Where the account appears, it appears only quoted for the language.
        if h.query.contains("whoami") {
            let quoted = match h.engine {
                Engine::Kql => kql(&lower),
                Engine::Spl => spl(&lower),
                Engine::PowerShell => ps(&lower),
                Engine::Cli => sh(&lower),
            };
            let cli_json = h.engine == Engine::Cli && h.query.contains("AttributeValue");
            let odata = h.engine == Engine::PowerShell && h.query.contains("EscapeDataString");
            let extractor = h.query.contains("Get-UAL ") && h.query.contains(",");
            let logging = h.query.contains("gcloud");
            // The escaped text without its quotes: a `like` pattern adds `%` around it.
            let body = &quoted[1..quoted.len() - 1];
            assert!(h.query.contains(body) || cli_json || odata || extractor || logging, "{:?}: {}", h.engine, h.query);
        }
    }
}
