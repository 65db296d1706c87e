//! Microsoft 365 Unified Audit Log exports, in the three layouts responders get:
//!
//! - `Search-UnifiedAuditLog | Export-Csv` (columns `RunspaceId, RecordType,
//!   CreationDate, UserIds, Operations, AuditData, ResultIndex, ResultCount,
//!   Identity, IsValid, ObjectState`) and the Purview portal's audit search
//!   export (`RecordId, CreationDate, RecordType, Operation, UserId, AuditData,
//!   AssociatedAdminUnits, AssociatedAdminUnitsNames`): a few summary columns
//!   with the whole record as JSON text in `AuditData`. The same objects saved
//!   with `ConvertTo-Json` are read too.
//! - Bare AuditData records as JSON (Management Activity API, scripts that
//!   expand `AuditData`), also Microsoft Graph `auditLogRecord` objects whose
//!   `auditData` holds the record, and AuditData flattened into CSV columns.
//! - Log Analytics / Sentinel `OfficeActivity` rows, as CSV or JSON.
//!
//! All of them carry the same record fields under slightly different names
//! (`ObjectId` / `OfficeObjectId`, `LogonType` / `Logon_Type`), so each layout
//! only finds the record's time and hands its fields to one mapper.

use super::csv_input::{header_key, Headers};
use super::{dates, json_path, json_text, nested_json, value_text, RowCtx, Schema, SchemaDef};
use crate::model::{attr, Event, Outcome, Source, TimeMs};
use serde_json::{Map, Value};
use std::net::{IpAddr, SocketAddr};

pub static SCHEMAS: &[SchemaDef] = &[
    SchemaDef {
        schema: Schema::UalSearchCsv,
        detect_csv: search_export::detect_csv,
        detect_json: search_export::detect_json,
        from_csv: search_export::from_csv,
        from_json: search_export::from_json,
    },
    SchemaDef {
        schema: Schema::UalAuditData,
        detect_csv: audit_data::detect_csv,
        detect_json: audit_data::detect_json,
        from_csv: audit_data::from_csv,
        from_json: audit_data::from_json,
    },
    SchemaDef {
        schema: Schema::SentinelOfficeActivity,
        detect_csv: office_activity::detect_csv,
        detect_json: office_activity::detect_json,
        from_csv: office_activity::from_csv,
        from_json: office_activity::from_json,
    },
];

/// Said once per file when some times had to come from `CreationDate`.
const CREATION_DATE_NOTE: &str = "Some records had no usable CreationTime in AuditData, so their time came from the CreationDate column. \
Search-UnifiedAuditLog writes that column in the exporting machine's locale and time zone; those times were taken as UTC and may be off by that machine's offset.";

/// `Search-UnifiedAuditLog` / Purview export: summary columns plus `AuditData`.
mod search_export {
    use super::*;

    const EXTRA_COLUMNS: [&str; 10] = [
        "RecordType",
        "ResultIndex",
        "ResultCount",
        "Identity",
        "RunspaceId",
        "IsValid",
        "ObjectState",
        "RecordId",
        "AssociatedAdminUnits",
        "AssociatedAdminUnitsNames",
    ];

    pub(super) fn detect_csv(h: &Headers) -> u32 {
        let has = |n: &str| h.has(n);
        let required = has("CreationDate") && has("AuditData") && (has("UserIds") || has("UserId")) && (has("Operations") || has("Operation"));
        if required {
            20 + h.count_present(&EXTRA_COLUMNS)
        } else {
            0
        }
    }

    pub(super) fn detect_json(obj: &Map<String, Value>) -> u32 {
        let has = |n: &str| has_key(obj, n);
        let required = has("CreationDate") && has("AuditData") && (has("UserIds") || has("UserId")) && (has("Operations") || has("Operation"));
        if required {
            20 + EXTRA_COLUMNS.iter().filter(|n| has(n)).count() as u32
        } else {
            0
        }
    }

    pub(super) fn from_csv(headers: &Headers, row: &csv::StringRecord, ctx: &RowCtx) -> Result<Event, String> {
        read(&CsvFields { headers, row }, ctx)
    }

    pub(super) fn from_json(obj: &Map<String, Value>, ctx: &RowCtx) -> Result<Event, String> {
        read(&JsonFields(obj), ctx)
    }

    /// The record is `AuditData`; the export's own columns fill in what it
    /// lacks, or everything when `AuditData` cannot be read.
    fn read(outer: &dyn Fields, ctx: &RowCtx) -> Result<Event, String> {
        let audit_text = outer.text(&["AuditData"]);
        let audit: Option<Map<String, Value>> = if audit_text.is_empty() {
            ctx.warn("AuditData is empty; kept the CSV columns only");
            None
        } else {
            match serde_json::from_str::<Map<String, Value>>(&audit_text) {
                Ok(map) => Some(map),
                Err(e) => {
                    ctx.warn(format!("AuditData is not valid JSON ({e}); kept the CSV columns only"));
                    None
                }
            }
        };
        let record = audit.as_ref().map(JsonFields);
        let fields = Layered { record: record.as_ref().map(|r| r as &dyn Fields), outer };

        let creation_time = fields.record.map(|r| r.text(&["CreationTime"])).unwrap_or_default();
        if let Some(ms) = parse_any_time(&creation_time, ctx) {
            return map_record(&fields, ms, creation_time);
        }
        let creation_date = outer.text(&["CreationDate"]);
        if let Some(ms) = parse_any_time(&creation_date, ctx) {
            ctx.note_once(CREATION_DATE_NOTE);
            return map_record(&fields, ms, creation_date);
        }
        Err(match (creation_time.is_empty(), creation_date.is_empty()) {
            (true, true) => "no time: AuditData has no CreationTime and CreationDate is empty".to_string(),
            (true, false) => format!("no usable time in CreationDate '{creation_date}'"),
            (false, true) => format!("no usable time in CreationTime '{creation_time}'"),
            (false, false) => format!("no usable time in CreationTime '{creation_time}' or CreationDate '{creation_date}'"),
        })
    }
}

/// Bare AuditData records, Graph `auditLogRecord` objects, or AuditData
/// expanded into CSV columns.
mod audit_data {
    use super::*;

    const EXTRA_FIELDS: [&str; 8] = ["Id", "UserKey", "UserType", "Version", "ClientIP", "ObjectId", "ResultStatus", "UserId"];
    const GRAPH_FIELDS: [&str; 6] = ["auditData", "service", "organizationId", "userPrincipalName", "clientIp", "objectId"];

    pub(super) fn detect_csv(h: &Headers) -> u32 {
        let has = |n: &str| h.has(n);
        if has("CreationTime") && has("Operation") && has("RecordType") && (has("Workload") || has("OrganizationId")) {
            10 + h.count_present(&EXTRA_FIELDS)
        } else {
            0
        }
    }

    pub(super) fn detect_json(obj: &Map<String, Value>) -> u32 {
        let has = |n: &str| has_key(obj, n);
        if has("CreationTime") && has("Operation") && has("RecordType") && (has("Workload") || has("OrganizationId")) {
            10 + EXTRA_FIELDS.iter().filter(|n| has(n)).count() as u32
        } else if has("createdDateTime") && has("auditLogRecordType") && has("operation") {
            10 + GRAPH_FIELDS.iter().filter(|n| has(n)).count() as u32
        } else {
            0
        }
    }

    pub(super) fn from_csv(headers: &Headers, row: &csv::StringRecord, ctx: &RowCtx) -> Result<Event, String> {
        read(&CsvFields { headers, row }, None, ctx)
    }

    pub(super) fn from_json(obj: &Map<String, Value>, ctx: &RowCtx) -> Result<Event, String> {
        // A Graph auditLogRecord keeps the original record under `auditData`;
        // its own camelCase fields are the fallback.
        let inner = match obj.get("auditData").and_then(nested_json) {
            Some(Value::Object(map)) => Some(map),
            _ => None,
        };
        match &inner {
            Some(record) => read(&JsonFields(record), Some(&JsonFields(obj)), ctx),
            None => read(&JsonFields(obj), None, ctx),
        }
    }

    fn read(record: &dyn Fields, outer: Option<&dyn Fields>, ctx: &RowCtx) -> Result<Event, String> {
        let fields = match outer {
            Some(outer) => Layered { record: Some(record), outer },
            None => Layered { record: None, outer: record },
        };
        let time_text = fields.text(&["CreationTime", "createdDateTime"]);
        match parse_any_time(&time_text, ctx) {
            Some(ms) => map_record(&fields, ms, time_text),
            None if time_text.is_empty() => Err("no time: the record has no CreationTime".into()),
            None => Err(format!("no usable time in CreationTime '{time_text}'")),
        }
    }
}

/// Log Analytics / Sentinel `OfficeActivity` rows.
mod office_activity {
    use super::*;

    const EXTRA_COLUMNS: [&str; 10] = [
        "OfficeObjectId",
        "OfficeTenantId",
        "Client_IPAddress",
        "Logon_Type",
        "Site_Url",
        "SourceRecordId",
        "RecordType",
        "Operation",
        "UserId",
        "ResultStatus",
    ];
    const TIME: [&str; 2] = ["TimeGenerated", "TimeGenerated [UTC]"];

    pub(super) fn detect_csv(h: &Headers) -> u32 {
        if h.has("TimeGenerated") && (h.has("OfficeWorkload") || h.has("OfficeId")) {
            10 + h.count_present(&EXTRA_COLUMNS)
        } else {
            0
        }
    }

    pub(super) fn detect_json(obj: &Map<String, Value>) -> u32 {
        let has = |n: &str| has_key(obj, n);
        if has("TimeGenerated") && (has("OfficeWorkload") || has("OfficeId")) {
            10 + EXTRA_COLUMNS.iter().filter(|n| has(n)).count() as u32
        } else {
            0
        }
    }

    pub(super) fn from_csv(headers: &Headers, row: &csv::StringRecord, ctx: &RowCtx) -> Result<Event, String> {
        read(&CsvFields { headers, row }, ctx)
    }

    pub(super) fn from_json(obj: &Map<String, Value>, ctx: &RowCtx) -> Result<Event, String> {
        read(&JsonFields(obj), ctx)
    }

    fn read(fields: &dyn Fields, ctx: &RowCtx) -> Result<Event, String> {
        let time_text = fields.text(&TIME);
        match parse_any_time(&time_text, ctx) {
            Some(ms) => map_record(fields, ms, time_text),
            None if time_text.is_empty() => Err("no time: TimeGenerated is empty".into()),
            None => Err(format!("no usable time in TimeGenerated '{time_text}'")),
        }
    }
}

// ---------------------------------------------------------------------------
// One record's fields, whatever container they came in.

/// Read access to a record's fields by name. Names match as the container's
/// own lookups do (JSON keys case-insensitively, CSV headers forgivingly);
/// a dotted name (`AppAccessContext.AADSessionId`) descends into nested JSON.
trait Fields {
    /// Text of the first of `names` that has a non-empty value, else `""`.
    fn text(&self, names: &[&str]) -> String;
    /// A field as JSON, with JSON held as text (`Parameters` in Log
    /// Analytics exports) parsed; plain text comes back as a string.
    fn json(&self, name: &str) -> Option<Value>;
}

struct JsonFields<'a>(&'a Map<String, Value>);

impl Fields for JsonFields<'_> {
    fn text(&self, names: &[&str]) -> String {
        json_text(self.0, names)
    }

    fn json(&self, name: &str) -> Option<Value> {
        let value = json_path(self.0, name)?;
        nested_json(&value).or_else(|| match value.into_owned() {
            Value::Null => None,
            other => Some(other),
        })
    }
}

struct CsvFields<'a> {
    headers: &'a Headers,
    row: &'a csv::StringRecord,
}

impl Fields for CsvFields<'_> {
    fn text(&self, names: &[&str]) -> String {
        names
            .iter()
            .map(|name| {
                let direct = self.headers.get(self.row, &[name]);
                if !direct.is_empty() {
                    return direct.to_string();
                }
                // `AppAccessContext.AADSessionId` inside a JSON-text column.
                match name.split_once('.') {
                    Some((column, rest)) => self.json(column).and_then(|v| descend(&v, rest)).map(|v| value_text(&v)).unwrap_or_default(),
                    None => String::new(),
                }
            })
            .find(|v| !v.is_empty())
            .unwrap_or_default()
    }

    fn json(&self, name: &str) -> Option<Value> {
        let raw = self.headers.get(self.row, &[name]);
        if raw.is_empty() {
            return None;
        }
        let text = Value::String(raw.to_string());
        Some(nested_json(&text).unwrap_or(text))
    }
}

/// The record's own fields first, then the export's columns around it.
struct Layered<'a> {
    record: Option<&'a dyn Fields>,
    outer: &'a dyn Fields,
}

impl Fields for Layered<'_> {
    fn text(&self, names: &[&str]) -> String {
        match self.record.map(|r| r.text(names)) {
            Some(found) if !found.is_empty() => found,
            _ => self.outer.text(names),
        }
    }

    fn json(&self, name: &str) -> Option<Value> {
        self.record.and_then(|r| r.json(name)).or_else(|| self.outer.json(name))
    }
}

fn descend(value: &Value, path: &str) -> Option<Value> {
    let mut current = value.clone();
    for part in path.split('.') {
        let next = match &current {
            Value::Object(map) => map.iter().find(|(k, _)| k.eq_ignore_ascii_case(part)).map(|(_, v)| v.clone())?,
            _ => return None,
        };
        current = nested_json(&next).unwrap_or(next);
    }
    Some(current)
}

/// Whether a JSON record has a key, spelled as loosely as CSV headers may be.
fn has_key(obj: &Map<String, Value>, name: &str) -> bool {
    if obj.contains_key(name) {
        return true;
    }
    let key = header_key(name);
    obj.keys().any(|k| header_key(k) == key)
}

// ---------------------------------------------------------------------------
// Mapping a record to an Event.

/// A record's fields as an event. `time_text` is the string the time came from.
fn map_record(f: &dyn Fields, time: TimeMs, time_text: String) -> Result<Event, String> {
    let operation = f.text(&["Operation", "Operations"]);
    let actor = f.text(&["UserId", "UserIds", "userPrincipalName"]);
    if operation.is_empty() && actor.is_empty() {
        return Err("has neither an operation nor a user, so there is nothing to show for it".into());
    }
    let cmdlet_params = f.json("Parameters").map(|v| name_value_pairs(&v)).unwrap_or_default();
    // Outlook client rule changes (UpdateInboxRules) and mailbox access
    // records carry their details as OperationProperties.
    let operation_props = f.json("OperationProperties").map(|v| name_value_pairs(&v)).unwrap_or_default();

    let mut event = Event {
        time,
        source: Source::UnifiedAudit,
        target: target(f, &cmdlet_params),
        ip: normalise_ip(&f.text(&["ClientIP", "ClientIPAddress", "ActorIpAddress", "Client_IPAddress"])),
        outcome: outcome(&f.text(&["ResultStatus"])),
        user_agent: user_agent(f),
        app: app(f),
        source_time: time_text,
        record_id: f.text(&["Id", "OfficeId", "Identity", "RecordId"]),
        operation,
        actor,
        ..Event::default()
    };

    let plain: [(&str, &[&str]); 15] = [
        (attr::WORKLOAD, &["Workload", "OfficeWorkload", "service"]),
        (attr::RECORD_TYPE, &["RecordType", "auditLogRecordType"]),
        (attr::OBJECT_ID, &["ObjectId", "OfficeObjectId"]),
        (attr::USER_TYPE, &["UserType"]),
        (attr::MAILBOX_OWNER, &["MailboxOwnerUPN"]),
        (attr::LOGON_TYPE, &["LogonType", "Logon_Type"]),
        (attr::SITE_URL, &["SiteUrl", "Site_Url"]),
        (attr::SOURCE_FILE_NAME, &["SourceFileName"]),
        (attr::FILE_SIZE, &["FileSizeBytes"]),
        (attr::CLIENT_INFO, &["ClientInfoString"]),
        (attr::SESSION_ID, &["SessionId", "AppAccessContext.AADSessionId"]),
        // Kept under the log's own names: the raw result text, the token
        // that links a record to its sign-in, and sharing recipients.
        ("ResultStatus", &["ResultStatus"]),
        ("UniqueTokenId", &["AppAccessContext.UniqueTokenId"]),
        ("TargetUserOrGroupName", &["TargetUserOrGroupName"]),
        ("ApplicationDisplayName", &["ApplicationDisplayName"]),
    ];
    for (key, names) in plain {
        event.set_attr(key, f.text(names));
    }
    for (name, value) in cmdlet_params.iter().chain(&operation_props) {
        event.set_attr(&format!("{}{name}", attr::PARAM_PREFIX), value.clone());
    }
    if let Some(count) = item_count(f) {
        event.set_attr(attr::ITEM_COUNT, count.to_string());
    }
    match f.json("ModifiedProperties") {
        Some(Value::Array(items)) if !items.is_empty() => event.set_attr(attr::MODIFIED_PROPERTIES, Value::Array(items).to_string()),
        Some(Value::String(s)) if s.trim() != "[]" => event.set_attr(attr::MODIFIED_PROPERTIES, s),
        Some(v @ Value::Object(_)) => event.set_attr(attr::MODIFIED_PROPERTIES, v.to_string()),
        _ => {}
    }
    Ok(event)
}

/// What was acted on. Exchange cmdlets name it in their `Identity`
/// parameter (the mailbox for Set-Mailbox, the rule for Set-InboxRule);
/// `ObjectId` is the cmdlet's resolved object, and `Mailbox` names where
/// New-InboxRule put a rule. Mailbox access names the mailbox's owner.
/// SharePoint / OneDrive put the file's URL in `ObjectId`.
fn target(f: &dyn Fields, cmdlet_params: &[(String, String)]) -> String {
    let param = |name: &str| cmdlet_params.iter().find(|(k, v)| k.eq_ignore_ascii_case(name) && !v.is_empty()).map(|(_, v)| v.clone());
    let object_id = f.text(&["ObjectId", "OfficeObjectId"]);
    if !cmdlet_params.is_empty() {
        if let Some(identity) = param("Identity") {
            return identity;
        }
        if !object_id.is_empty() {
            return object_id;
        }
        if let Some(mailbox) = param("Mailbox") {
            return mailbox;
        }
    }
    let owner = f.text(&["MailboxOwnerUPN"]);
    if !owner.is_empty() {
        return owner;
    }
    if !object_id.is_empty() {
        return object_id;
    }
    f.text(&["SourceFileName", "TargetUserOrGroupName"])
}

/// A real user agent where the record has one (SharePoint `UserAgent`,
/// Entra records' ExtendedProperties); Exchange only has `ClientInfoString`,
/// which holds the protocol and the browser or Outlook version.
fn user_agent(f: &dyn Fields) -> String {
    let direct = f.text(&["UserAgent"]);
    if !direct.is_empty() {
        return direct;
    }
    let extended = f.json("ExtendedProperties").map(|v| name_value_pairs(&v)).unwrap_or_default();
    if let Some((_, ua)) = extended.into_iter().find(|(k, v)| k.eq_ignore_ascii_case("UserAgent") && !v.is_empty()) {
        return ua;
    }
    f.text(&["ClientInfoString"])
}

/// The application involved. Application ids come first: they identify an
/// OAuth app exactly, while a display name is chosen by whoever registered
/// the app and may imitate a Microsoft one. Without an id, the display name;
/// then the protocol Exchange names in `ClientInfoString` (`Client=OWA`,
/// `Client=REST`, `Client=Microsoft.Exchange.Powershell`), which tells how a
/// mailbox was reached; then the Log Analytics `Client` column.
fn app(f: &dyn Fields) -> String {
    let id = f.text(&["AppId", "ClientAppId", "ApplicationId", "ApplicationDisplayName"]);
    if !id.is_empty() {
        return id;
    }
    let client = client_from_info(&f.text(&["ClientInfoString"]));
    if !client.is_empty() {
        return client;
    }
    f.text(&["Client"])
}

/// `Client=OWA;Mozilla/5.0 …` -> `OWA`.
fn client_from_info(info: &str) -> String {
    info.split(';')
        .filter_map(|part| part.trim().split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("Client"))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default()
}

/// `[{"Name": …, "Value": …}]` as pairs; items without a name are skipped.
fn name_value_pairs(value: &Value) -> Vec<(String, String)> {
    let Value::Array(items) = value else { return Vec::new() };
    items
        .iter()
        .filter_map(|item| {
            let obj = item.as_object()?;
            let name = json_text(obj, &["Name"]);
            if name.is_empty() {
                return None;
            }
            let value = obj.iter().find(|(k, _)| k.eq_ignore_ascii_case("Value")).map(|(_, v)| value_text(v)).unwrap_or_default();
            Some((name, value))
        })
        .collect()
}

/// Mail items a MailItemsAccessed record covers: the items listed per
/// folder (bind access), else `OperationCount` (sync and aggregated records).
fn item_count(f: &dyn Fields) -> Option<u64> {
    let listed: usize = match f.json("Folders") {
        Some(Value::Array(folders)) => folders
            .iter()
            .filter_map(|folder| folder.as_object())
            .map(|folder| match json_path(folder, "FolderItems").as_deref() {
                Some(Value::Array(items)) => items.len(),
                _ => 0,
            })
            .sum(),
        _ => 0,
    };
    if listed > 0 {
        return Some(listed as u64);
    }
    f.text(&["OperationCount"]).parse().ok()
}

/// `ResultStatus` as an outcome. Exchange cmdlets write True/False, other
/// workloads Succeeded/Failed (and PartiallySucceeded: the change was made).
fn outcome(status: &str) -> Outcome {
    match status.trim().to_ascii_lowercase().as_str() {
        "succeeded" | "success" | "true" | "partiallysucceeded" => Outcome::Success,
        "failed" | "failure" | "false" => Outcome::Failure,
        _ => Outcome::Unknown,
    }
}

/// An IP address as one spelling: ports, brackets and the IPv4-mapped
/// `::ffff:` prefix removed (`[2001:db8::1]:443` -> `2001:db8::1`,
/// `1.2.3.4:5678` -> `1.2.3.4`). Text that is no address is kept as written.
pub fn normalise_ip(raw: &str) -> String {
    let s = raw.trim();
    if s.is_empty() {
        return String::new();
    }
    let ip = s
        .parse::<IpAddr>()
        .ok()
        .or_else(|| s.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| s.strip_prefix('[').and_then(|r| r.strip_suffix(']')).and_then(|r| r.parse().ok()));
    match ip {
        Some(IpAddr::V6(v6)) => v6.to_ipv4_mapped().map_or_else(|| v6.to_string(), |v4| v4.to_string()),
        Some(v4) => v4.to_string(),
        None => s.to_string(),
    }
}

/// A time as exports write it, including `/Date(1740844706000)/` from
/// Windows PowerShell's `ConvertTo-Json`.
fn parse_any_time(s: &str, ctx: &RowCtx) -> Option<TimeMs> {
    let t = s.trim();
    if let Some(inner) = t.strip_prefix("/Date(").and_then(|r| r.strip_suffix(")/")) {
        // The offset after the milliseconds (`+0100`) is display-only.
        let end = inner.char_indices().skip(1).find(|(_, c)| *c == '+' || *c == '-').map_or(inner.len(), |(i, _)| i);
        return inner[..end].parse().ok();
    }
    dates::parse_time(t, ctx.date_order)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::dates::DateOrder;
    use crate::model::format_utc;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn ip_addresses_lose_ports_brackets_and_mapping() {
        assert_eq!(normalise_ip("1.2.3.4:5678"), "1.2.3.4");
        assert_eq!(normalise_ip("[2001:db8::1]:443"), "2001:db8::1");
        assert_eq!(normalise_ip("[2001:DB8::1]"), "2001:db8::1");
        assert_eq!(normalise_ip("2001:db8:0:0::1"), "2001:db8::1");
        assert_eq!(normalise_ip("::ffff:198.51.100.23"), "198.51.100.23");
        assert_eq!(normalise_ip(" 203.0.113.9 "), "203.0.113.9");
        assert_eq!(normalise_ip("<null>"), "<null>");
        assert_eq!(normalise_ip(""), "");
    }

    #[test]
    fn result_status_becomes_an_outcome() {
        assert_eq!(outcome("Succeeded"), Outcome::Success);
        assert_eq!(outcome("True"), Outcome::Success);
        assert_eq!(outcome("PartiallySucceeded"), Outcome::Success);
        assert_eq!(outcome("Failed"), Outcome::Failure);
        assert_eq!(outcome("False"), Outcome::Failure);
        assert_eq!(outcome(""), Outcome::Unknown);
    }

    #[test]
    fn reads_powershell_json_dates() {
        let ctx = RowCtx::new(DateOrder::MonthFirst);
        assert_eq!(parse_any_time("/Date(1772381106000)/", &ctx).map(format_utc).as_deref(), Some("2026-03-01T16:05:06.000Z"));
        assert_eq!(parse_any_time("/Date(1772381106000+0100)/", &ctx).map(format_utc).as_deref(), Some("2026-03-01T16:05:06.000Z"));
        assert_eq!(parse_any_time("2026-03-01T16:05:06", &ctx).map(format_utc).as_deref(), Some("2026-03-01T16:05:06.000Z"));
        assert_eq!(parse_any_time("/Date(soon)/", &ctx), None);
    }

    #[test]
    fn client_protocol_comes_from_client_info() {
        assert_eq!(client_from_info("Client=OWA;Mozilla/5.0 (Windows NT 10.0)"), "OWA");
        assert_eq!(client_from_info("Client=Microsoft.Exchange.Powershell; Microsoft WinRM Client"), "Microsoft.Exchange.Powershell");
        assert_eq!(client_from_info("Mozilla/5.0"), "");
    }

    #[test]
    fn cmdlet_parameters_become_param_attrs_and_identity_the_target() {
        let record = obj(json!({
            "CreationTime": "2026-03-01T16:05:06", "Id": "a1", "Operation": "Set-InboxRule", "RecordType": 1,
            "Workload": "Exchange", "UserId": "mallory@contoso.com", "ObjectId": "victim\\Rule",
            "ResultStatus": "True", "ClientIP": "[2001:db8::7]:1234",
            "Parameters": [{"Name": "Identity", "Value": "victim\\Rule"}, {"Name": "ForwardTo", "Value": "x@evil.example"},
                           {"Name": "StopProcessingRules", "Value": true}]
        }));
        let event = (SCHEMAS[1].from_json)(&record, &RowCtx::default()).unwrap();
        assert_eq!(event.target, "victim\\Rule");
        assert_eq!(event.attr("Param.ForwardTo"), Some("x@evil.example"));
        assert_eq!(event.attr("Param.StopProcessingRules"), Some("true"));
        assert_eq!(event.attr(attr::RECORD_TYPE), Some("1"));
        assert_eq!(event.ip, "2001:db8::7");
        assert_eq!(event.outcome, Outcome::Success);
    }

    #[test]
    fn mailbox_access_targets_the_owner_and_counts_items() {
        let record = obj(json!({
            "CreationTime": "2026-03-01T16:05:06", "Id": "b2", "Operation": "MailItemsAccessed", "RecordType": 50,
            "Workload": "Exchange", "UserId": "mallory@contoso.com", "MailboxOwnerUPN": "victim@contoso.com",
            "ClientInfoString": "Client=REST;Client=RESTSystem;;",
            "Folders": [{"Path": "\\Inbox", "FolderItems": [{"InternetMessageId": "<1@x>"}, {"InternetMessageId": "<2@x>"}]},
                        {"Path": "\\Sent Items", "FolderItems": [{"InternetMessageId": "<3@x>"}]}],
            "OperationCount": 9
        }));
        let event = (SCHEMAS[1].from_json)(&record, &RowCtx::default()).unwrap();
        assert_eq!(event.target, "victim@contoso.com");
        assert_eq!(event.attr(attr::ITEM_COUNT), Some("3"));
        assert_eq!(event.app, "REST");
        assert_eq!(event.user_agent, "Client=REST;Client=RESTSystem;;");

        let sync = obj(json!({"CreationTime": "2026-03-01T16:05:06", "Operation": "MailItemsAccessed", "RecordType": 50,
            "Workload": "Exchange", "UserId": "u@contoso.com", "OperationCount": 120}));
        let event = (SCHEMAS[1].from_json)(&sync, &RowCtx::default()).unwrap();
        assert_eq!(event.attr(attr::ITEM_COUNT), Some("120"));
    }

    #[test]
    fn graph_audit_log_records_are_read_through_their_audit_data() {
        let record = obj(json!({
            "id": "g1", "createdDateTime": "2026-03-01T16:05:06Z", "auditLogRecordType": "exchangeAdmin",
            "operation": "Set-Mailbox", "service": "Exchange", "userPrincipalName": "admin@contoso.com", "clientIp": "203.0.113.4",
            "auditData": {"@odata.type": "#microsoft.graph.security.exchangeAdminAuditRecord",
                          "Parameters": [{"Name": "Identity", "Value": "victim@contoso.com"}]}
        }));
        assert!((SCHEMAS[1].detect_json)(&record) > 0);
        let event = (SCHEMAS[1].from_json)(&record, &RowCtx::default()).unwrap();
        assert_eq!(format_utc(event.time), "2026-03-01T16:05:06.000Z");
        assert_eq!((event.operation.as_str(), event.actor.as_str()), ("Set-Mailbox", "admin@contoso.com"));
        assert_eq!((event.target.as_str(), event.ip.as_str(), event.record_id.as_str()), ("victim@contoso.com", "203.0.113.4", "g1"));
        assert_eq!(event.attr(attr::WORKLOAD), Some("Exchange"));
    }

    #[test]
    fn records_without_time_or_without_anything_to_show_are_rejected() {
        let no_time = obj(json!({"Operation": "FileDownloaded", "UserId": "u@contoso.com", "RecordType": 6, "Workload": "OneDrive"}));
        assert_eq!((SCHEMAS[1].from_json)(&no_time, &RowCtx::default()).unwrap_err(), "no time: the record has no CreationTime");
        let bad_time = obj(json!({"CreationTime": "2026-02-30T10:00:00", "Operation": "x", "UserId": "u"}));
        assert_eq!((SCHEMAS[1].from_json)(&bad_time, &RowCtx::default()).unwrap_err(), "no usable time in CreationTime '2026-02-30T10:00:00'");
        let empty = obj(json!({"CreationTime": "2026-03-01T10:00:00", "RecordType": 1}));
        assert!((SCHEMAS[1].from_json)(&empty, &RowCtx::default()).unwrap_err().contains("neither an operation nor a user"));
    }

    #[test]
    fn detection_needs_each_layouts_distinctive_fields() {
        let search = Headers::new(["RunspaceId", "RecordType", "CreationDate", "UserIds", "Operations", "AuditData", "ResultIndex"]);
        let purview = Headers::new(["RecordId", "CreationDate", "RecordType", "Operation", "UserId", "AuditData"]);
        let office = Headers::new(["TenantId", "TimeGenerated [UTC]", "OfficeWorkload", "Operation", "UserId"]);
        let signin = Headers::new(["Date (UTC)", "Request ID", "User", "Username", "IP address", "Operation"]);
        let scores = |h: &Headers| SCHEMAS.iter().map(|d| (d.detect_csv)(h)).collect::<Vec<_>>();
        assert_eq!(scores(&search), [23, 0, 0]);
        assert_eq!(scores(&purview), [22, 0, 0]);
        assert_eq!(scores(&office), [0, 0, 12]);
        assert_eq!(scores(&signin), [0, 0, 0]);
        // AuditData expanded into columns beside the export's own columns: the
        // export layout wins, so AuditData is still read whole.
        let expanded = Headers::new(["RecordId", "CreationDate", "Operation", "UserId", "AuditData", "CreationTime", "RecordType", "Workload"]);
        let s = scores(&expanded);
        assert!(s[0] > s[1] && s[1] > 0, "{s:?}");
    }

    #[test]
    fn office_activity_parameters_arrive_as_json_text() {
        let row = obj(json!({
            "TimeGenerated": "2026-03-01T16:05:06.1234567Z", "OfficeId": "o1", "OfficeWorkload": "Exchange",
            "Operation": "New-InboxRule", "UserId": "mallory@contoso.com", "Client_IPAddress": "203.0.113.7:50000",
            "Parameters": "[{\"Name\":\"Name\",\"Value\":\".\"},{\"Name\":\"DeleteMessage\",\"Value\":\"True\"}]",
            "OfficeObjectId": "victim\\.", "Logon_Type": "0", "ResultStatus": "True"
        }));
        let event = (SCHEMAS[2].from_json)(&row, &RowCtx::default()).unwrap();
        assert_eq!(format_utc(event.time), "2026-03-01T16:05:06.123Z");
        assert_eq!(event.source_time, "2026-03-01T16:05:06.1234567Z");
        assert_eq!(event.attr("Param.DeleteMessage"), Some("True"));
        assert_eq!(event.attr(attr::OBJECT_ID), Some("victim\\."));
        assert_eq!(event.attr(attr::LOGON_TYPE), Some("0"));
        assert_eq!((event.target.as_str(), event.ip.as_str(), event.record_id.as_str()), ("victim\\.", "203.0.113.7", "o1"));
    }

    #[test]
    fn search_results_saved_with_convertto_json_are_read() {
        // Windows PowerShell writes DateTime as /Date(ms)/ and AuditData as text.
        let row = obj(json!({
            "RunspaceId": "3c2d1e0f", "RecordType": "ExchangeAdmin", "CreationDate": "/Date(1772384706000)/",
            "UserIds": "victim@contoso.com", "Operations": "Set-Mailbox", "ResultIndex": 1, "ResultCount": 1,
            "Identity": "c1", "IsValid": true, "ObjectState": "Unchanged",
            "AuditData": "{\"CreationTime\":\"2026-03-01T16:05:06\",\"Id\":\"c1\",\"Operation\":\"Set-Mailbox\",\"ResultStatus\":\"True\",\"UserId\":\"victim@contoso.com\",\"Parameters\":[{\"Name\":\"Identity\",\"Value\":\"victim\"}]}"
        }));
        let scores: Vec<u32> = SCHEMAS.iter().map(|d| (d.detect_json)(&row)).collect();
        assert_eq!(scores, [27, 0, 0]);
        let ctx = RowCtx::default();
        let event = (SCHEMAS[0].from_json)(&row, &ctx).unwrap();
        assert_eq!((format_utc(event.time).as_str(), event.target.as_str()), ("2026-03-01T16:05:06.000Z", "victim"));

        // Without AuditData the /Date() CreationDate is used, and the file is told so once.
        let mut bare = row.clone();
        bare.insert("AuditData".into(), Value::String(String::new()));
        let event = (SCHEMAS[0].from_json)(&bare, &ctx).unwrap();
        assert_eq!(format_utc(event.time), "2026-03-01T17:05:06.000Z");
        assert_eq!((event.operation.as_str(), event.record_id.as_str()), ("Set-Mailbox", "c1"));
        assert_eq!(ctx.take_warnings(), ["AuditData is empty; kept the CSV columns only"]);
    }

    #[test]
    fn csv_fields_descend_into_json_text_columns() {
        let headers = Headers::new(["AppAccessContext", "SessionId"]);
        let row = csv::StringRecord::from(vec![r#"{"AADSessionId":"s-1","UniqueTokenId":"tok"}"#, ""]);
        let fields = CsvFields { headers: &headers, row: &row };
        assert_eq!(fields.text(&["SessionId", "AppAccessContext.AADSessionId"]), "s-1");
        assert_eq!(fields.text(&["AppAccessContext.Missing"]), "");
    }
}
