//! Microsoft-Extractor-Suite's log outputs, as its scripts write them into
//! `Output\…`: the UAL as `Export-Csv` (with PowerShell remoting columns)
//! and as `ConvertTo-Json` results appended session after session (several
//! arrays in one file, `AuditData` parsed to an object, `CreationDate` as
//! `\/Date(ms)\/`) or one record per line (JSONL); Graph sign-ins and
//! directory audits as page values appended (a one-item page is a bare
//! object); the AzureAD module's PascalCase sign-ins; message trace, risky
//! detections and risky users as `Export-Csv`. Each file is told by its
//! content, whatever its name.

use loupe::ingest::{ingest_bytes, Deduper, Schema};
use loupe::model::{format_utc, Source};
use std::path::{Path, PathBuf};

fn output_folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/extractor_suite/Output")
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("fixture folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

#[test]
fn every_log_file_of_an_output_folder_is_read_as_its_log() {
    let expected: [(&str, Schema, Source, u64); 9] = [
        ("SignInLogs.json", Schema::GraphSignIn, Source::SignIn, 3),
        ("20260301170000-AuditLogs.json", Schema::GraphDirectoryAudit, Source::DirectoryAudit, 4),
        ("20260301170000-SignInLogsGraph.json", Schema::GraphSignIn, Source::SignIn, 3),
        ("MessageTrace.csv", Schema::MessageTraceCmdlet, Source::MessageTrace, 0),
        ("RiskyDetections.csv", Schema::GraphRiskDetection, Source::RiskDetection, 3),
        ("RiskyUsers.csv", Schema::GraphRiskyUser, Source::RiskDetection, 2),
        ("UAL-20260301160000.csv", Schema::UalSearchCsv, Source::UnifiedAudit, 0),
        ("UAL-20260301180000.json", Schema::UalSearchCsv, Source::UnifiedAudit, 3),
        ("UAL-20260301200000.jsonl", Schema::UalSearchCsv, Source::UnifiedAudit, 3),
    ];
    let files = files_under(&output_folder());
    assert_eq!(files.len(), expected.len(), "{files:?}");
    let mut dedupe = Deduper::default();
    for (path, (name, schema, source, rows)) in files.iter().zip(expected) {
        assert!(path.ends_with(name), "{path:?} should be {name}");
        let bytes = std::fs::read(path).expect("fixture");
        let (report, events, _) = ingest_bytes(name, &bytes, &mut dedupe);
        assert_eq!(report.unreadable, None, "{name}");
        assert_eq!(report.format.map(|f| f.schema.source()), Some(source), "{name}: {:?}", report.format);
        if schema != Schema::UalSearchCsv {
            assert_eq!(report.format.map(|f| f.schema), Some(schema), "{name}");
        }
        assert_eq!((report.rows_rejected, report.duplicates), (0, 0), "{name}: {:?}", report.errors);
        assert!(report.rows_ok > 0 && events.iter().all(|e| e.source == source), "{name}");
        if rows > 0 {
            assert_eq!(report.rows_ok, rows, "{name}");
        }
    }
}

/// The JSON output's `CreationDate` is PowerShell's `\/Date(ms)\/`; the
/// record's own `AuditData.CreationTime` (UTC) times it.
#[test]
fn ual_json_appended_by_session_keeps_every_record_and_its_time() {
    let path = output_folder().join("UnifiedAuditLog/20260301180000/UAL-20260301180000.json");
    let (report, events, _) = ingest_bytes("UAL-20260301180000.json", &std::fs::read(path).expect("fixture"), &mut Deduper::default());
    assert_eq!((report.rows_ok, report.rows_rejected), (3, 0), "{:?}", report.errors);
    let summary: Vec<(String, &str, &str)> = events.iter().map(|e| (format_utc(e.time), e.operation.as_str(), e.actor.as_str())).collect();
    assert_eq!(
        summary,
        [
            ("2026-03-01T18:05:06.000Z".to_string(), "New-InboxRule", "jdoe@contoso.com"),
            ("2026-03-01T18:06:00.000Z".to_string(), "Set-Mailbox", "jdoe@contoso.com"),
            ("2026-03-01T19:00:00.000Z".to_string(), "Add-MailboxPermission", "admin@contoso.com"),
        ]
    );
    assert_eq!(events[0].ip, "203.0.113.7");
}
