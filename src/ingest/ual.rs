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
use super::{json_path, json_text, layout_score, nested_json, value_text, RowCtx, Schema, SchemaDef};
use crate::model::{attr, Event, Outcome, Source, TimeMs};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::cell::RefCell;
use std::net::{IpAddr, SocketAddr};
use std::rc::Rc;

#[path = "ual_fields.rs"]
mod fields;
use fields::{AuditRecord, Pairs, Slot};

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
    SchemaDef {
        schema: Schema::DefenderCloudAppEvents,
        detect_csv: cloud_app_events::detect_csv,
        detect_json: cloud_app_events::detect_json,
        from_csv: cloud_app_events::from_csv,
        from_json: cloud_app_events::from_json,
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
        with_columns(headers, |columns| read(&CsvFields { columns, row }, ctx))
    }

    pub(super) fn from_json(obj: &Map<String, Value>, ctx: &RowCtx) -> Result<Event, String> {
        read(&JsonFields(obj), ctx)
    }

    /// The record is `AuditData`; the export's own columns fill in what it
    /// lacks, or everything when `AuditData` cannot be read.
    fn read(outer: &dyn Fields, ctx: &RowCtx) -> Result<Event, String> {
        let audit_text = outer.text(&[Slot::AuditData]);
        if audit_text.is_empty() {
            ctx.warn("AuditData is empty; kept the CSV columns only");
            return read_record(None, outer, ctx);
        }
        // Only the indexed fields, borrowed from the text. A record this
        // cannot read exactly as the JSON tree would is read as a tree.
        if let Ok(record) = AuditRecord::parse(&audit_text) {
            return read_record(Some(&RecordFields(&record)), outer, ctx);
        }
        match crate::ingest::json_record::parse_object(&audit_text) {
            Ok((map, repaired)) => {
                if repaired {
                    ctx.warn(crate::ingest::json_record::LONE_SURROGATE_WARNING);
                }
                read_record(Some(&JsonFields(&map)), outer, ctx)
            }
            Err(e) => {
                ctx.warn(format!("AuditData is not valid JSON ({e}); kept the CSV columns only"));
                read_record(None, outer, ctx)
            }
        }
    }

    fn read_record(record: Option<&dyn Fields>, outer: &dyn Fields, ctx: &RowCtx) -> Result<Event, String> {
        let fields = Layered { record, outer };
        let creation_time = record.map(|r| r.text(&[Slot::CreationTime])).unwrap_or_default();
        if let Some(ms) = parse_any_time(&creation_time, ctx) {
            return map_record(&fields, ms, creation_time.into_owned());
        }
        let creation_date = outer.text(&[Slot::CreationDate]);
        if let Some(ms) = parse_any_time(&creation_date, ctx) {
            ctx.note_once(CREATION_DATE_NOTE);
            return map_record(&fields, ms, creation_date.into_owned());
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
        with_columns(headers, |columns| read(&CsvFields { columns, row }, None, ctx))
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
        let time_text = fields.text(&[Slot::CreationTime, Slot::CreatedDateTime]);
        match parse_any_time(&time_text, ctx) {
            Some(ms) => map_record(&fields, ms, time_text.into_owned()),
            None if time_text.is_empty() => Err("no time: the record has no CreationTime".into()),
            None => Err(format!("no usable time in CreationTime '{time_text}'")),
        }
    }
}

/// Defender XDR advanced hunting `CloudAppEvents` (and Sentinel's copy of
/// it): the table's own columns (`Timestamp`, `ActionType`, `Application`,
/// `IPAddress` …) are a summary; `RawEventData` holds the Unified Audit Log
/// record itself, as JSON (text in a CSV export). That record is read, so
/// an event from this table is the same event as from the UAL.
mod cloud_app_events {
    use super::*;

    const TYPICAL: [&str; 8] = ["ActionType", "Application", "ApplicationId", "AccountObjectId", "AccountDisplayName", "IPAddress", "ActivityType", "ReportId"];

    fn required(has: &dyn Fn(&str) -> bool) -> bool {
        has("RawEventData") && (has("Timestamp") || has("TimeGenerated")) && has("ActionType")
    }

    pub(super) fn detect_csv(h: &Headers) -> u32 {
        layout_score(&|n| h.has(n), required, &TYPICAL)
    }

    pub(super) fn detect_json(obj: &Map<String, Value>) -> u32 {
        layout_score(&|n| has_key(obj, n), required, &TYPICAL)
    }

    pub(super) fn from_csv(headers: &Headers, row: &csv::StringRecord, ctx: &RowCtx) -> Result<Event, String> {
        from_raw(&Value::String(headers.get(row, &["RawEventData"]).to_string()), ctx)
    }

    pub(super) fn from_json(obj: &Map<String, Value>, ctx: &RowCtx) -> Result<Event, String> {
        let raw = obj.iter().find(|(k, _)| k.eq_ignore_ascii_case("RawEventData")).map(|(_, v)| v.clone()).unwrap_or(Value::Null);
        from_raw(&raw, ctx)
    }

    fn from_raw(raw: &Value, ctx: &RowCtx) -> Result<Event, String> {
        let record = match nested_json(raw) {
            Some(Value::Object(map)) => map,
            _ => return Err("RawEventData is empty or not a JSON object".into()),
        };
        if !(has_key(&record, "CreationTime") && has_key(&record, "Operation")) {
            return Err("RawEventData holds no audit record (no CreationTime and Operation)".into());
        }
        audit_data::from_json(&record, ctx)
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
    const TIME: [Slot; 2] = [Slot::TimeGenerated, Slot::TimeGeneratedUtc];

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
        with_columns(headers, |columns| read(&CsvFields { columns, row }, ctx))
    }

    pub(super) fn from_json(obj: &Map<String, Value>, ctx: &RowCtx) -> Result<Event, String> {
        read(&JsonFields(obj), ctx)
    }

    fn read(fields: &dyn Fields, ctx: &RowCtx) -> Result<Event, String> {
        let time_text = fields.text(&TIME);
        match parse_any_time(&time_text, ctx) {
            Some(ms) => map_record(fields, ms, time_text.into_owned()),
            None if time_text.is_empty() => Err("no time: TimeGenerated is empty".into()),
            None => Err(format!("no usable time in TimeGenerated '{time_text}'")),
        }
    }
}

// ---------------------------------------------------------------------------
// One record's fields, whatever container they came in.

/// Read access to a record's fields, named by `Slot`. Names match as the
/// container's own lookups do (JSON keys case-insensitively, CSV headers
/// forgivingly); a dotted name (`AppAccessContext.AADSessionId`) descends
/// into nested JSON.
trait Fields {
    /// Trimmed text of the first of `slots` that has a non-empty value, else `""`.
    fn text(&self, slots: &[Slot]) -> Cow<'_, str>;
    /// A `[{"Name": …, "Value": …}]` list (JSON held as text is parsed):
    /// `None` when the field is absent, no pairs when it is no list.
    fn pairs(&self, slot: Slot) -> Option<Pairs<'_>>;
    /// Items listed in `Folders[].FolderItems`: `None` when there is no
    /// `Folders`, `Some(0)` when it is no list.
    fn folder_items(&self) -> Option<usize>;
    /// `ModifiedProperties` as the attribute keeps it: `None` when absent,
    /// `Some(None)` when there is nothing to keep.
    fn modified_properties(&self) -> Option<Option<String>>;
}

/// A record read as a JSON tree: JSON layouts, and AuditData the borrowed
/// reader leaves to the tree.
struct JsonFields<'a>(&'a Map<String, Value>);

impl JsonFields<'_> {
    /// A field as JSON, with JSON held as text (`Parameters` in Log
    /// Analytics exports) parsed; plain text comes back as a string.
    fn json(&self, slot: Slot) -> Option<Value> {
        json_of(json_path(self.0, slot.name())?.into_owned())
    }
}

impl Fields for JsonFields<'_> {
    fn text(&self, slots: &[Slot]) -> Cow<'_, str> {
        let found = slots.iter().filter_map(|s| json_path(self.0, s.name())).map(|v| value_text(&v)).find(|s| !s.is_empty());
        Cow::Owned(found.unwrap_or_default())
    }

    fn pairs(&self, slot: Slot) -> Option<Pairs<'_>> {
        self.json(slot).map(|v| name_value_pairs(&v))
    }

    fn folder_items(&self) -> Option<usize> {
        self.json(Slot::Folders).map(|v| listed_items(&v))
    }

    fn modified_properties(&self) -> Option<Option<String>> {
        self.json(Slot::ModifiedProperties).map(modified_text)
    }
}

/// AuditData read by `AuditRecord`: the same answers as `JsonFields` over
/// the record's tree, without the tree.
struct RecordFields<'r, 'a>(&'r AuditRecord<'a>);

impl Fields for RecordFields<'_, '_> {
    fn text(&self, slots: &[Slot]) -> Cow<'_, str> {
        Cow::Borrowed(slots.iter().map(|s| self.0.text(*s)).find(|s| !s.is_empty()).unwrap_or(""))
    }

    fn pairs(&self, slot: Slot) -> Option<Pairs<'_>> {
        self.0.list(slot).map(|pairs| pairs.iter().map(|(n, v)| (Cow::Borrowed(&**n), Cow::Borrowed(&**v))).collect())
    }

    fn folder_items(&self) -> Option<usize> {
        self.0.folder_items()
    }

    fn modified_properties(&self) -> Option<Option<String>> {
        self.0.modified_properties().cloned().and_then(json_of).map(modified_text)
    }
}

/// Where each slot's column is in a header row (`Headers::index` of its name).
struct Columns(Vec<Option<usize>>);

impl Columns {
    fn new(headers: &Headers) -> Columns {
        Columns(Slot::ALL.iter().map(|s| headers.index(&[s.name()])).collect())
    }
}

/// `read` with the columns of `headers`, looked up once per header row
/// rather than once per field and row: mappers only get the `Headers`.
fn with_columns<R>(headers: &Headers, read: impl FnOnce(&Columns) -> R) -> R {
    thread_local! {
        static LAST: RefCell<Option<(Vec<String>, Rc<Columns>)>> = const { RefCell::new(None) };
    }
    let columns = LAST.with(|last| {
        let mut last = last.borrow_mut();
        match &*last {
            Some((names, columns)) if *names == headers.names => Rc::clone(columns),
            _ => {
                let columns = Rc::new(Columns::new(headers));
                *last = Some((headers.names.clone(), Rc::clone(&columns)));
                columns
            }
        }
    });
    read(&columns)
}

struct CsvFields<'a> {
    columns: &'a Columns,
    row: &'a csv::StringRecord,
}

impl<'a> CsvFields<'a> {
    /// The trimmed value of a slot's column, or `""`.
    fn raw(&self, slot: Slot) -> &'a str {
        self.columns.0[slot.index()].and_then(|i| self.row.get(i)).map_or("", str::trim)
    }

    fn json(&self, slot: Slot) -> Option<Value> {
        let raw = self.raw(slot);
        if raw.is_empty() {
            return None;
        }
        let text = Value::String(raw.to_string());
        Some(nested_json(&text).unwrap_or(text))
    }
}

impl Fields for CsvFields<'_> {
    fn text(&self, slots: &[Slot]) -> Cow<'_, str> {
        for slot in slots {
            let direct = self.raw(*slot);
            if !direct.is_empty() {
                return Cow::Borrowed(direct);
            }
            // `AppAccessContext.AADSessionId` inside a JSON-text column.
            if let Some((column, rest)) = slot.parent() {
                let nested = self.json(column).and_then(|v| descend(&v, rest)).map(|v| value_text(&v)).unwrap_or_default();
                if !nested.is_empty() {
                    return Cow::Owned(nested);
                }
            }
        }
        Cow::Borrowed("")
    }

    fn pairs(&self, slot: Slot) -> Option<Pairs<'_>> {
        self.json(slot).map(|v| name_value_pairs(&v))
    }

    fn folder_items(&self) -> Option<usize> {
        self.json(Slot::Folders).map(|v| listed_items(&v))
    }

    fn modified_properties(&self) -> Option<Option<String>> {
        self.json(Slot::ModifiedProperties).map(modified_text)
    }
}

/// The record's own fields first, then the export's columns around it.
struct Layered<'a> {
    record: Option<&'a dyn Fields>,
    outer: &'a dyn Fields,
}

impl Fields for Layered<'_> {
    fn text(&self, slots: &[Slot]) -> Cow<'_, str> {
        match self.record.map(|r| r.text(slots)) {
            Some(found) if !found.is_empty() => found,
            _ => self.outer.text(slots),
        }
    }

    fn pairs(&self, slot: Slot) -> Option<Pairs<'_>> {
        self.record.and_then(|r| r.pairs(slot)).or_else(|| self.outer.pairs(slot))
    }

    fn folder_items(&self) -> Option<usize> {
        self.record.and_then(|r| r.folder_items()).or_else(|| self.outer.folder_items())
    }

    fn modified_properties(&self) -> Option<Option<String>> {
        self.record.and_then(|r| r.modified_properties()).or_else(|| self.outer.modified_properties())
    }
}

/// A field's value as JSON: JSON text parsed, null as nothing.
fn json_of(value: Value) -> Option<Value> {
    nested_json(&value).or(match value {
        Value::Null => None,
        other => Some(other),
    })
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
    use Slot::*;
    let operation = f.text(&[Operation, Operations]);
    let actor = f.text(&[UserId, UserIds, UserPrincipalName]);
    if operation.is_empty() && actor.is_empty() {
        return Err("has neither an operation nor a user, so there is nothing to show for it".into());
    }
    let cmdlet_params = f.pairs(Parameters).unwrap_or_default();
    // Outlook client rule changes (UpdateInboxRules) and mailbox access
    // records carry their details as OperationProperties.
    let operation_props = f.pairs(OperationProperties).unwrap_or_default();

    let mut event = Event {
        time,
        source: Source::UnifiedAudit,
        target: target(f, &cmdlet_params),
        ip: normalise_ip(&f.text(&[ClientIp, ClientIpAddress, ActorIpAddress, ClientIpAddressLa])),
        outcome: outcome(&f.text(&[ResultStatus])),
        user_agent: user_agent(f),
        app: app(f),
        source_time: time_text,
        record_id: f.text(&[Id, OfficeId, Identity, RecordId]).into_owned(),
        operation: operation.into_owned(),
        actor: actor.into_owned(),
        ..Event::default()
    };

    let plain: [(&str, &[Slot]); 15] = [
        (attr::WORKLOAD, &[Workload, OfficeWorkload, Service]),
        (attr::RECORD_TYPE, &[RecordType, AuditLogRecordType]),
        (attr::OBJECT_ID, &[ObjectId, OfficeObjectId]),
        (attr::USER_TYPE, &[UserType]),
        (attr::MAILBOX_OWNER, &[MailboxOwnerUpn]),
        (attr::LOGON_TYPE, &[LogonType, LogonTypeLa]),
        (attr::SITE_URL, &[SiteUrl, SiteUrlLa]),
        (attr::SOURCE_FILE_NAME, &[SourceFileName]),
        (attr::FILE_SIZE, &[FileSizeBytes]),
        (attr::CLIENT_INFO, &[ClientInfoString]),
        (attr::SESSION_ID, &[SessionId, AadSessionId]),
        // Kept under the log's own names: the raw result text, the token
        // that links a record to its sign-in, and sharing recipients.
        ("ResultStatus", &[ResultStatus]),
        ("UniqueTokenId", &[UniqueTokenId]),
        ("TargetUserOrGroupName", &[TargetUserOrGroupName]),
        ("ApplicationDisplayName", &[ApplicationDisplayName]),
    ];
    for (key, slots) in plain {
        event.set_attr(key, f.text(slots));
    }
    for (name, value) in cmdlet_params.iter().chain(&operation_props) {
        event.set_attr(&format!("{}{name}", attr::PARAM_PREFIX), value.as_ref());
    }
    if let Some(count) = item_count(f) {
        event.set_attr(attr::ITEM_COUNT, count.to_string());
    }
    if let Some(Some(modified)) = f.modified_properties() {
        event.set_attr(attr::MODIFIED_PROPERTIES, modified);
    }
    Ok(event)
}

/// `ModifiedProperties` (as `json_of` gives it) as the attribute keeps it:
/// a non-empty list or an object as JSON, text that is no JSON as it is.
fn modified_text(value: Value) -> Option<String> {
    match value {
        Value::Array(items) if !items.is_empty() => Some(Value::Array(items).to_string()),
        Value::String(s) if s.trim() != "[]" => Some(s),
        v @ Value::Object(_) => Some(v.to_string()),
        _ => None,
    }
}

/// What was acted on. Exchange cmdlets name it in their `Identity`
/// parameter (the mailbox for Set-Mailbox, the rule for Set-InboxRule);
/// `ObjectId` is the cmdlet's resolved object, and `Mailbox` names where
/// New-InboxRule put a rule. Mailbox access names the mailbox's owner.
/// SharePoint / OneDrive put the file's URL in `ObjectId`.
fn target(f: &dyn Fields, cmdlet_params: &[(Cow<'_, str>, Cow<'_, str>)]) -> String {
    let param = |name: &str| cmdlet_params.iter().find(|(k, v)| k.eq_ignore_ascii_case(name) && !v.is_empty()).map(|(_, v)| v.to_string());
    let object_id = f.text(&[Slot::ObjectId, Slot::OfficeObjectId]);
    if !cmdlet_params.is_empty() {
        if let Some(identity) = param("Identity") {
            return identity;
        }
        if !object_id.is_empty() {
            return object_id.into_owned();
        }
        if let Some(mailbox) = param("Mailbox") {
            return mailbox;
        }
    }
    let owner = f.text(&[Slot::MailboxOwnerUpn]);
    if !owner.is_empty() {
        return owner.into_owned();
    }
    if !object_id.is_empty() {
        return object_id.into_owned();
    }
    f.text(&[Slot::SourceFileName, Slot::TargetUserOrGroupName]).into_owned()
}

/// A real user agent where the record has one (SharePoint `UserAgent`,
/// Entra records' ExtendedProperties); Exchange only has `ClientInfoString`,
/// which holds the protocol and the browser or Outlook version.
fn user_agent(f: &dyn Fields) -> String {
    let direct = f.text(&[Slot::UserAgent]);
    if !direct.is_empty() {
        return direct.into_owned();
    }
    let extended = f.pairs(Slot::ExtendedProperties).unwrap_or_default();
    if let Some((_, ua)) = extended.iter().find(|(k, v)| k.eq_ignore_ascii_case("UserAgent") && !v.is_empty()) {
        return ua.to_string();
    }
    f.text(&[Slot::ClientInfoString]).into_owned()
}

/// The application involved. Application ids come first: they identify an
/// OAuth app exactly, while a display name is chosen by whoever registered
/// the app and may imitate a Microsoft one. Without an id, the display name;
/// then the protocol Exchange names in `ClientInfoString` (`Client=OWA`,
/// `Client=REST`, `Client=Microsoft.Exchange.Powershell`), which tells how a
/// mailbox was reached; then the Log Analytics `Client` column.
fn app(f: &dyn Fields) -> String {
    let id = f.text(&[Slot::AppId, Slot::ClientAppId, Slot::ApplicationId, Slot::ApplicationDisplayName]);
    if !id.is_empty() {
        return id.into_owned();
    }
    let client = client_from_info(&f.text(&[Slot::ClientInfoString]));
    if !client.is_empty() {
        return client;
    }
    f.text(&[Slot::Client]).into_owned()
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
fn name_value_pairs(value: &Value) -> Pairs<'static> {
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
            Some((Cow::Owned(name), Cow::Owned(value)))
        })
        .collect()
}

/// Items listed per folder in a `Folders` value (0 when it is no list).
fn listed_items(folders: &Value) -> usize {
    match folders {
        Value::Array(folders) => folders
            .iter()
            .filter_map(|folder| folder.as_object())
            .map(|folder| match json_path(folder, "FolderItems").as_deref() {
                Some(Value::Array(items)) => items.len(),
                _ => 0,
            })
            .sum(),
        _ => 0,
    }
}

/// Mail items a MailItemsAccessed record covers: the items listed per
/// folder (bind access), else `OperationCount` (sync and aggregated records).
fn item_count(f: &dyn Fields) -> Option<u64> {
    let listed = f.folder_items().unwrap_or(0);
    if listed > 0 {
        return Some(listed as u64);
    }
    f.text(&[Slot::OperationCount]).parse().ok()
}

/// `ResultStatus` as an outcome. Exchange cmdlets write True/False, other
/// workloads Succeeded/Failed (and PartiallySucceeded: the change was made).
fn outcome(status: &str) -> Outcome {
    let status = status.trim();
    let is = |word: &str| status.eq_ignore_ascii_case(word);
    if is("succeeded") || is("success") || is("true") || is("partiallysucceeded") {
        Outcome::Success
    } else if is("failed") || is("failure") || is("false") {
        Outcome::Failure
    } else {
        Outcome::Unknown
    }
}

/// An IP address as one spelling: ports, brackets and the IPv4-mapped
/// `::ffff:` prefix removed (`[2001:db8::1]:443` -> `2001:db8::1`,
/// `1.2.3.4:5678` -> `1.2.3.4`). Text that is no address is kept as written.
pub fn normalise_ip(raw: &str) -> String {
    normalised_ip(raw).into_owned()
}

/// `normalise_ip` without a copy when the text is already in its one
/// spelling (the usual case), for callers that only look at it.
pub fn normalised_ip(raw: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    let s = raw.trim();
    // The usual case: an IPv4 address already in its one spelling (the
    // parser refuses leading zeros, so what parses is written canonically).
    if s.is_empty() || s.parse::<std::net::Ipv4Addr>().is_ok() {
        return Cow::Borrowed(s);
    }
    let ip = s
        .parse::<IpAddr>()
        .ok()
        .or_else(|| s.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| s.strip_prefix('[').and_then(|r| r.strip_suffix(']')).and_then(|r| r.parse().ok()));
    match ip {
        Some(IpAddr::V6(v6)) => Cow::Owned(v6.to_ipv4_mapped().map_or_else(|| v6.to_string(), |v4| v4.to_string())),
        Some(v4) => Cow::Owned(v4.to_string()),
        None => Cow::Borrowed(s),
    }
}

/// A time as exports write it, including `/Date(1740844706000)/` from
/// Windows PowerShell's `ConvertTo-Json`.
pub(super) fn parse_any_time(s: &str, ctx: &RowCtx) -> Option<TimeMs> {
    let t = s.trim();
    if let Some(inner) = t.strip_prefix("/Date(").and_then(|r| r.strip_suffix(")/")) {
        // The offset after the milliseconds (`+0100`) is display-only.
        let end = inner.char_indices().skip(1).find(|(_, c)| *c == '+' || *c == '-').map_or(inner.len(), |(i, _)| i);
        return inner[..end].parse().ok();
    }
    if let Some(ms) = plain_utc_seconds(t) {
        return Some(ms);
    }
    ctx.parse_time(t)
}

/// `2026-03-01T16:05:06`, as AuditData writes CreationTime, read without
/// chrono's format parser. Anything else, and anything out of range (a
/// 30 February, a leap second), is left to `dates::parse_time`.
fn plain_utc_seconds(t: &str) -> Option<TimeMs> {
    let b = t.as_bytes();
    if b.len() != 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |at: usize, len: usize| b[at..at + len].iter().try_fold(0u32, |n, &d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')));
    let date = chrono::NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 2)?, num(8, 2)?)?;
    Some(date.and_hms_opt(num(11, 2)?, num(14, 2)?, num(17, 2)?)?.and_utc().timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::dates::{self, DateOrder};
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
    fn plain_creation_times_read_as_the_general_parser_reads_them() {
        for t in [
            "2026-03-01T16:05:06",
            "2024-02-29T23:59:59",
            "0001-01-01T00:00:00",
            "9999-12-31T23:59:59",
            "2026-02-29T10:00:00",
            "2026-13-01T10:00:00",
            "2026-00-10T10:00:00",
            "2026-03-01T24:00:00",
            "2026-03-01T23:60:00",
            "2026-03-01T23:59:60",
            "2026-03-01 16:05:06",
            "2026-03-01T16:05:0x",
            "+026-03-01T16:05:06",
            "2026-3-01T16:05:06Z",
        ] {
            // Where the shortcut answers, it answers as the general parser.
            if let Some(ms) = plain_utc_seconds(t) {
                assert_eq!(Some(ms), dates::parse_time(t, DateOrder::MonthFirst), "{t}");
            }
        }
        let answered = ["2026-03-01T16:05:06", "2024-02-29T23:59:59", "0001-01-01T00:00:00", "9999-12-31T23:59:59"];
        assert!(answered.iter().all(|t| plain_utc_seconds(t).is_some()));
        assert_eq!(normalise_ip("01.2.3.4"), "01.2.3.4");
        assert_eq!(normalise_ip("198.51.100.7"), "198.51.100.7");
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
        assert_eq!(scores(&search), [23, 0, 0, 0]);
        assert_eq!(scores(&purview), [22, 0, 0, 0]);
        assert_eq!(scores(&office), [0, 0, 12, 0]);
        assert_eq!(scores(&signin), [0, 0, 0, 0]);
        let cloud_apps = Headers::new(["Timestamp", "ActionType", "Application", "ApplicationId", "AccountObjectId", "IPAddress", "RawEventData", "ReportId"]);
        assert_eq!(scores(&cloud_apps), [0, 0, 0, 26], "CloudAppEvents by its RawEventData");
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
        assert_eq!(scores, [27, 0, 0, 0]);
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
    fn training_audit_data_is_read_without_a_json_tree() {
        // Falling back to the tree is correct but slow: the generated
        // exports, shaped like real ones, must all take the borrowed path.
        for scenario in crate::sample::Scenario::ALL {
            let set = crate::sample::generate_scenario(scenario, crate::sample::DEFAULT_SEED);
            let file = set.file(crate::sample::FILE_UAL).expect("UAL export");
            let text = String::from_utf8(file.contents.clone()).unwrap();
            let dialect = crate::ingest::csv_input::sniff_dialect(&text);
            let mut reader = csv::ReaderBuilder::new().from_reader(&text.as_bytes()[dialect.header_offset..]);
            let column = reader.headers().unwrap().iter().position(|h| h == "AuditData").unwrap();
            let mut rows = 0;
            for row in reader.records() {
                let row = row.unwrap();
                if let Err(e) = AuditRecord::parse(&row[column]) {
                    panic!("{}: {e}: {}", scenario.name(), &row[column]);
                }
                rows += 1;
            }
            assert!(rows > 1000, "{rows}");
        }
    }

    #[test]
    fn csv_fields_descend_into_json_text_columns() {
        let headers = Headers::new(["AppAccessContext", "SessionId"]);
        let row = csv::StringRecord::from(vec![r#"{"AADSessionId":"s-1","UniqueTokenId":"tok"}"#, ""]);
        let columns = Columns::new(&headers);
        let fields = CsvFields { columns: &columns, row: &row };
        assert_eq!(fields.text(&[Slot::SessionId, Slot::AadSessionId]), "s-1");
        assert_eq!(fields.text(&[Slot::UniqueTokenId]), "tok");
        let row = csv::StringRecord::from(vec![r#"{"AADSessionId":"s-1"}"#, ""]);
        assert_eq!(CsvFields { columns: &columns, row: &row }.text(&[Slot::UniqueTokenId]), "");
    }
}
