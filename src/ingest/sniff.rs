//! Recognising an export from its content: one table of known layouts, each
//! scoring a CSV header row or sample JSON records. File names are never used.

use super::csv_input::Headers;
use super::{audit, azure_activity, cloudtrail, entra_diagnostic, gcp_audit, graph_activity, identity_protection, message_trace, signin, ual, RowCtx};
use crate::model::{Event, Source};
use serde_json::{Map, Value};

/// An export layout Loupe can read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Schema {
    /// Entra admin center "Download" of sign-ins (CSV or JSON; interactive,
    /// non-interactive, service principal and managed identity variants).
    EntraSignInPortal,
    /// Microsoft Graph `auditLogs/signIns` objects.
    GraphSignIn,
    /// Log Analytics / Sentinel `SigninLogs` (and `AADNonInteractiveUserSignInLogs`) rows.
    SentinelSigninLogs,
    /// Entra admin center "Download" of audit logs.
    EntraAuditPortal,
    /// Microsoft Graph `auditLogs/directoryAudits` objects.
    GraphDirectoryAudit,
    /// Log Analytics / Sentinel `AuditLogs` rows.
    SentinelAuditLogs,
    /// Entra sign-in, audit and Graph activity records as a diagnostic
    /// setting writes them (storage archive, Event Hubs): `category` +
    /// `properties`.
    EntraDiagnosticRecords,
    /// `Search-UnifiedAuditLog` output or the Purview audit search export
    /// (`CreationDate`, `UserIds`, `Operations`, `AuditData`).
    UalSearchCsv,
    /// Bare `AuditData` records (JSON array or one per line).
    UalAuditData,
    /// Log Analytics / Sentinel `OfficeActivity` rows.
    SentinelOfficeActivity,
    /// Microsoft Defender XDR advanced hunting `CloudAppEvents` rows (or
    /// Sentinel's copy of the table): each row's `RawEventData` is the
    /// Unified Audit Log record.
    DefenderCloudAppEvents,
    /// Azure portal Activity Log "Download as CSV".
    AzureActivityPortalCsv,
    /// Azure Activity Log `EventData` objects (portal JSON, `az monitor activity-log list`, REST).
    AzureActivityEventData,
    /// Azure Activity Log or resource log records in the diagnostic-settings
    /// form (storage archive, Event Hubs): `time`, `resourceId`, `operationName` …
    AzureDiagnosticRecords,
    /// Log Analytics / Sentinel `AzureActivity` rows.
    SentinelAzureActivity,
    /// Full CloudTrail events: S3 delivery `{"Records": […]}` (gzip or not),
    /// the event history JSON download, or one event per line.
    CloudTrailRecords,
    /// `aws cloudtrail lookup-events` output or the console's event history CSV.
    CloudTrailLookupEvents,
    /// Log Analytics / Sentinel `AWSCloudTrail` rows.
    SentinelAwsCloudTrail,
    /// Google Cloud audit log entries (`gcloud logging read --format=json`, NDJSON).
    GcpAuditLog,
    /// Log Analytics / Sentinel `MicrosoftGraphActivityLogs` rows.
    SentinelGraphActivity,
    /// `Get-MessageTrace` / `Get-MessageTraceV2` output (CSV or JSON), or
    /// Microsoft Graph `exchangeMessageTrace` objects.
    MessageTraceCmdlet,
    /// The Exchange admin center's downloadable message trace report.
    MessageTraceReport,
    /// Microsoft Graph `riskDetection` / `servicePrincipalRiskDetection`
    /// objects, or `Get-RiskyDetections` output.
    GraphRiskDetection,
    /// Log Analytics / Sentinel `AADUserRiskEvents` or
    /// `AADServicePrincipalRiskEvents` rows.
    SentinelRiskEvents,
    /// Microsoft Graph `riskyUser` (and its history items) or
    /// `riskyServicePrincipal` objects, or `Get-RiskyUsers` output.
    GraphRiskyUser,
    /// Log Analytics / Sentinel `AADRiskyUsers` or `AADRiskyServicePrincipals` rows.
    SentinelRiskyUsers,
}

impl Schema {
    pub fn source(self) -> Source {
        match self {
            // A diagnostic-settings file may also hold audit records; what a
            // file holds is taken from its events where that matters.
            Schema::EntraSignInPortal | Schema::GraphSignIn | Schema::SentinelSigninLogs | Schema::EntraDiagnosticRecords => Source::SignIn,
            Schema::EntraAuditPortal | Schema::GraphDirectoryAudit | Schema::SentinelAuditLogs => Source::DirectoryAudit,
            Schema::UalSearchCsv | Schema::UalAuditData | Schema::SentinelOfficeActivity | Schema::DefenderCloudAppEvents => Source::UnifiedAudit,
            Schema::AzureActivityPortalCsv | Schema::AzureActivityEventData | Schema::AzureDiagnosticRecords | Schema::SentinelAzureActivity => {
                Source::AzureActivity
            }
            Schema::CloudTrailRecords | Schema::CloudTrailLookupEvents | Schema::SentinelAwsCloudTrail => Source::CloudTrail,
            Schema::GcpAuditLog => Source::GcpAudit,
            Schema::SentinelGraphActivity => Source::GraphActivity,
            Schema::MessageTraceCmdlet | Schema::MessageTraceReport => Source::MessageTrace,
            Schema::GraphRiskDetection | Schema::SentinelRiskEvents | Schema::GraphRiskyUser | Schema::SentinelRiskyUsers => Source::RiskDetection,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Schema::EntraSignInPortal => "Entra sign-in log (admin center download)",
            Schema::GraphSignIn => "Entra sign-in log (Microsoft Graph signIns)",
            Schema::SentinelSigninLogs => "Entra sign-in log (Log Analytics SigninLogs)",
            Schema::EntraAuditPortal => "Entra audit log (admin center download)",
            Schema::GraphDirectoryAudit => "Entra audit log (Microsoft Graph directoryAudits)",
            Schema::SentinelAuditLogs => "Entra audit log (Log Analytics AuditLogs)",
            Schema::EntraDiagnosticRecords => "Entra ID logs (diagnostic settings records)",
            Schema::UalSearchCsv => "Unified Audit Log (Search-UnifiedAuditLog / Purview export)",
            Schema::UalAuditData => "Unified Audit Log (AuditData records)",
            Schema::SentinelOfficeActivity => "Unified Audit Log (Log Analytics OfficeActivity)",
            Schema::DefenderCloudAppEvents => "Unified Audit Log (Defender XDR / Sentinel CloudAppEvents RawEventData)",
            Schema::AzureActivityPortalCsv => "Azure Activity Log (portal download)",
            Schema::AzureActivityEventData => "Azure Activity Log (portal JSON / az monitor activity-log list)",
            Schema::AzureDiagnosticRecords => "Azure Activity or resource log (diagnostic settings records)",
            Schema::SentinelAzureActivity => "Azure Activity Log (Log Analytics AzureActivity)",
            Schema::CloudTrailRecords => "AWS CloudTrail (event records)",
            Schema::CloudTrailLookupEvents => "AWS CloudTrail (event history / lookup-events)",
            Schema::SentinelAwsCloudTrail => "AWS CloudTrail (Log Analytics AWSCloudTrail)",
            Schema::GcpAuditLog => "Google Cloud audit log (Cloud Logging entries)",
            Schema::SentinelGraphActivity => "Microsoft Graph activity log (Log Analytics MicrosoftGraphActivityLogs)",
            Schema::MessageTraceCmdlet => "Exchange message trace (Get-MessageTrace / Get-MessageTraceV2)",
            Schema::MessageTraceReport => "Exchange message trace (admin center downloadable report)",
            Schema::GraphRiskDetection => "Entra ID Protection risk detections (Microsoft Graph riskDetections, Get-RiskyDetections)",
            Schema::SentinelRiskEvents => "Entra ID Protection risk detections (Log Analytics AADUserRiskEvents / AADServicePrincipalRiskEvents)",
            Schema::GraphRiskyUser => "Entra ID Protection risky users (Microsoft Graph riskyUsers, Get-RiskyUsers)",
            Schema::SentinelRiskyUsers => "Entra ID Protection risky users (Log Analytics AADRiskyUsers / AADRiskyServicePrincipals)",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Container {
    Csv { delimiter: u8 },
    Json,
}

/// Layout plus container: what the ingest report says a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Format {
    pub schema: Schema,
    pub container: Container,
}

impl Format {
    pub fn label(self) -> String {
        match self.container {
            Container::Json => format!("{}, JSON", self.schema.label()),
            Container::Csv { delimiter: b',' } => format!("{}, CSV", self.schema.label()),
            Container::Csv { delimiter } => format!("{}, CSV delimited by '{}'", self.schema.label(), char::from(delimiter).escape_default()),
        }
    }
}

/// How one layout is recognised and read. Scores: 0 = not this layout; the
/// highest score wins, so a score should grow with the number of the
/// layout's distinctive fields present.
pub struct SchemaDef {
    pub schema: Schema,
    pub detect_csv: fn(&Headers) -> u32,
    pub detect_json: fn(&Map<String, Value>) -> u32,
    pub from_csv: fn(&Headers, &csv::StringRecord, &RowCtx) -> Result<Event, String>,
    pub from_json: fn(&Map<String, Value>, &RowCtx) -> Result<Event, String>,
}

/// Whether a record or header row has a field of that name.
pub type FieldTest<'a> = &'a dyn Fn(&str) -> bool;

/// The usual score: 0 unless the layout's `required` fields are all there,
/// then a base of 20 plus one for each of its other typical fields present,
/// so the layout with the most of its own fields wins a tie.
pub fn layout_score(has: FieldTest, required: fn(FieldTest) -> bool, typical: &[&str]) -> u32 {
    if required(has) {
        20 + typical.iter().filter(|n| has(n)).count() as u32
    } else {
        0
    }
}

/// Every layout Loupe reads, in no particular order.
pub static SCHEMAS: &[&[SchemaDef]] = &[
    signin::SCHEMAS,
    audit::SCHEMAS,
    entra_diagnostic::SCHEMAS,
    graph_activity::SCHEMAS,
    message_trace::SCHEMAS,
    identity_protection::SCHEMAS,
    ual::SCHEMAS,
    azure_activity::SCHEMAS,
    cloudtrail::SCHEMAS,
    gcp_audit::SCHEMAS,
];

fn all_defs() -> impl Iterator<Item = &'static SchemaDef> {
    SCHEMAS.iter().flat_map(|defs| defs.iter())
}

/// A column name as a message shows it: at most 40 characters, control
/// characters as `\u{…}`, so a hostile or binary header cannot flood or
/// garble the message.
fn shown_name(name: &str) -> String {
    let mut shown: String = name.chars().take(40).flat_map(|c| if c.is_control() { c.escape_unicode().collect::<Vec<_>>() } else { vec![c] }).collect();
    if name.chars().nth(40).is_some() {
        shown.push('…');
    }
    shown
}

pub(super) fn detect_csv(headers: &Headers) -> Result<&'static SchemaDef, String> {
    let best = all_defs().map(|d| ((d.detect_csv)(headers), d)).filter(|(score, _)| *score > 0).max_by_key(|(score, _)| *score);
    best.map(|(_, d)| d).ok_or_else(|| {
        let shown: Vec<String> = headers.names.iter().take(8).map(|name| shown_name(name)).collect();
        format!(
            "a CSV file with columns {} — not a layout Loupe knows. Expected an Entra sign-in or audit log download, a Search-UnifiedAuditLog / Purview audit export, a Log Analytics export of SigninLogs, AuditLogs, OfficeActivity, AzureActivity or MicrosoftGraphActivityLogs, an Azure Activity Log download, an AWS CloudTrail event history download, an Exchange message trace (Get-MessageTrace, Get-MessageTraceV2 or the admin center's report), or Entra ID Protection risk detections or risky users (Graph, Log Analytics AADUserRiskEvents / AADRiskyUsers, Get-RiskyDetections / Get-RiskyUsers).",
            if shown.is_empty() { "(none)".to_string() } else { shown.join(", ") }
        )
    })
}

pub(super) fn detect_json(samples: &[Map<String, Value>]) -> Result<&'static SchemaDef, String> {
    if samples.is_empty() {
        return Err("JSON with no readable record objects in it. Expected an array of records, a Microsoft Graph page with \"value\", or one record per line.".into());
    }
    let best = all_defs()
        .map(|d| (samples.iter().map(|s| (d.detect_json)(s)).sum::<u32>(), d))
        .filter(|(score, _)| *score > 0)
        .max_by_key(|(score, _)| *score);
    best.map(|(_, d)| d).ok_or_else(|| {
        let keys: Vec<String> = samples[0].keys().take(8).map(|key| shown_name(key)).collect();
        format!(
            "JSON records with fields {} — not a layout Loupe knows. Expected Entra sign-in or audit records (admin center, Graph or Log Analytics), Unified Audit Log AuditData records, Microsoft Graph activity records, Exchange message trace rows, Entra ID Protection risk detections or risky users, Azure Activity Log events, AWS CloudTrail events or Google Cloud audit log entries.",
            keys.join(", ")
        )
    })
}

/// Recognise archives and other binary files by their first bytes.
pub(super) fn binary_kind(bytes: &[u8]) -> Option<&'static str> {
    const MAGIC: [(&[u8], &str); 13] = [
        (b"\xFF\xFE\x00\x00", "UTF-32 text (save it as UTF-8 or UTF-16)"),
        (b"\x00\x00\xFE\xFF", "UTF-32 text (save it as UTF-8 or UTF-16)"),
        (b"PK\x03\x04", "a ZIP archive (or an Excel .xlsx workbook)"),
        (b"PK\x05\x06", "an empty ZIP archive"),
        (b"\x1f\x8b", "a gzip-compressed file that does not unpack"),
        (b"%PDF", "a PDF document"),
        (b"\xD0\xCF\x11\xE0", "an Office 97-2003 document (.xls)"),
        (b"7z\xBC\xAF", "a 7-Zip archive"),
        (b"SQLite format 3", "an SQLite database"),
        (b"\x89PNG", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"\x7FELF", "a program (ELF executable)"),
    ];
    MAGIC.iter().find(|(magic, _)| bytes.starts_with(magic)).map(|(_, what)| *what)
}

/// Whether decoded text is binary data rather than an export: more than 1
/// in 20 of its first 4,096 characters are control characters other than
/// tab and line ends (text exports have next to none; random bytes read as
/// Windows-1252 have about 1 in 9, a file of zero bytes nothing else).
pub(super) fn looks_binary(text: &str) -> bool {
    let mut chars = 0usize;
    let mut control = 0usize;
    for c in text.chars().take(4096) {
        chars += 1;
        if c.is_control() && !matches!(c, '\t' | '\n' | '\r') {
            control += 1;
        }
    }
    chars > 0 && control * 20 > chars
}
