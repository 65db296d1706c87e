//! Azure Activity Log (the subscription's Resource Manager operations), in
//! the layouts responders get:
//!
//! - The portal's "Download as CSV": display columns (`Operation name`,
//!   `Status`, `Time stamp`, `Event initiated by`, `Resource`, …). It has no
//!   caller address and no record id, and its time stamp is written the way
//!   the browser prints dates (`Sun Mar 01 2026 17:10:00 GMT+0100 (…)`).
//! - `EventData` objects as the portal's JSON view, `az monitor
//!   activity-log list` and the REST API give them (`eventTimestamp`,
//!   `operationName{value, localizedValue}`, `status`, `caller`, `claims`,
//!   `httpRequest.clientIpAddress`, `eventDataId` …), in an array or a
//!   `value` page.
//! - The diagnostic-settings form (storage account archive, Event Hubs):
//!   `{"records": [{time, resourceId, operationName, category, resultType,
//!   callerIpAddress, identity{authorization, claims}, properties}]}` or one
//!   record per line. Azure resource logs in the same envelope (Key Vault
//!   `AuditEvent` with `identity.claim`) are read by the same mapper.
//! - Log Analytics / Sentinel `AzureActivity` rows, as CSV or JSON
//!   (`TimeGenerated`, `OperationNameValue`, `Caller`, `CallerIpAddress`,
//!   `ActivityStatusValue`, `_ResourceId`, and `Properties_d`, `Claims_d`,
//!   `Authorization_d` as objects or JSON text).
//!
//! Every layout fills one `Activity`; one function turns that into an `Event`.

use super::csv_input::Headers;
use super::signin::record::{self, CsvRecord, Fields, JsonRecord};
use super::ual::normalise_ip;
use super::{layout_score, value_text, RowCtx, Schema, SchemaDef};
use crate::model::{attr, Event, Outcome, Source, TimeMs};
use chrono::DateTime;
use serde_json::{Map, Value};

pub static SCHEMAS: &[SchemaDef] = &[
    SchemaDef {
        schema: Schema::AzureActivityPortalCsv,
        detect_csv: portal::detect_csv,
        detect_json: portal::detect_json,
        from_csv: portal::from_csv,
        from_json: read_json,
    },
    SchemaDef {
        schema: Schema::AzureActivityEventData,
        detect_csv: event_data::detect_csv,
        detect_json: event_data::detect_json,
        from_csv: read_csv,
        from_json: read_json,
    },
    SchemaDef {
        schema: Schema::AzureDiagnosticRecords,
        detect_csv: diagnostic::detect_csv,
        detect_json: diagnostic::detect_json,
        from_csv: read_csv,
        from_json: read_json,
    },
    SchemaDef {
        schema: Schema::SentinelAzureActivity,
        detect_csv: log_analytics::detect_csv,
        detect_json: log_analytics::detect_json,
        from_csv: read_csv,
        from_json: read_json,
    },
];

/// One activity record's values as the layout gives them.
#[derive(Debug, Default)]
struct Activity {
    time_field: &'static str,
    time_text: String,
    time: Option<TimeMs>,
    operation: String,
    operation_display: String,
    status: String,
    sub_status: String,
    caller: String,
    object_id: String,
    app_id: String,
    ip: String,
    user_agent: String,
    resource_id: String,
    subscription: String,
    category: String,
    correlation_id: String,
    record_id: String,
    location: String,
    properties: String,
    request_body: String,
}

impl Activity {
    fn into_event(self, ctx: &RowCtx) -> Result<Event, String> {
        if self.time_text.is_empty() {
            return Err(format!("no time: {} is empty", self.time_field));
        }
        let Some(time) = self.time.or_else(|| ctx.parse_time(&self.time_text)) else {
            return Err(format!("no usable time in {} '{}'", self.time_field, self.time_text));
        };
        let operation = if self.operation.is_empty() { self.operation_display.clone() } else { self.operation };
        if operation.is_empty() {
            return Err("has no operation name, so there is nothing to show for it".into());
        }
        let actor = [&self.caller, &self.app_id, &self.object_id].into_iter().find(|s| !s.is_empty()).cloned().unwrap_or_default();
        let subscription = if self.subscription.is_empty() { resource_part(&self.resource_id, "subscriptions") } else { self.subscription };
        let mut event = Event {
            time,
            source: Source::AzureActivity,
            app: provider_of(&operation),
            operation,
            actor,
            target: self.resource_id.clone(),
            ip: normalise_ip(&self.ip),
            outcome: outcome(&self.status),
            user_agent: self.user_agent,
            source_time: self.time_text,
            record_id: self.record_id,
            ..Event::default()
        };
        let display = if self.operation_display.eq_ignore_ascii_case(&event.operation) { String::new() } else { self.operation_display };
        let attrs = [
            (attr::OPERATION_DISPLAY, display),
            (attr::STATUS, join_status(&self.status, &self.sub_status)),
            (attr::USER_ID, self.object_id),
            (attr::APP_ID, self.app_id),
            (attr::CLOUD_ACCOUNT, subscription),
            (attr::CLOUD_SERVICE, event.app.clone()),
            (attr::CLOUD_REGION, self.location),
            (attr::CATEGORY, self.category),
            (attr::CORRELATION_ID, self.correlation_id),
            ("ResourceGroup", resource_part(&self.resource_id, "resourcegroups")),
            (attr::REQUEST, self.request_body),
            ("Properties", self.properties),
        ];
        event.set_attrs(attrs);
        Ok(event)
    }
}

/// `Succeeded` / `Success` and `Failed` / `Failure`; the `Started`,
/// `Accepted`, `Active` and `Resolved` steps of an operation say nothing
/// about how it ended.
fn outcome(status: &str) -> Outcome {
    match status.trim().to_ascii_lowercase().as_str() {
        "succeeded" | "success" => Outcome::Success,
        "failed" | "failure" | "canceled" | "cancelled" => Outcome::Failure,
        _ => Outcome::Unknown,
    }
}

fn join_status(status: &str, sub: &str) -> String {
    match (status.is_empty(), sub.is_empty()) {
        (false, false) => format!("{status} ({sub})"),
        (false, true) => status.to_string(),
        _ => sub.to_string(),
    }
}

/// `Microsoft.Compute` from `Microsoft.Compute/virtualMachines/write`.
fn provider_of(operation: &str) -> String {
    match operation.split_once('/') {
        Some((provider, _)) if provider.contains('.') => provider.to_string(),
        _ => String::new(),
    }
}

/// The segment after `/name/` in a resource id (`subscriptions`, `resourceGroups`).
fn resource_part(resource_id: &str, name: &str) -> String {
    let mut parts = resource_id.split('/');
    while let Some(part) = parts.next() {
        if part.eq_ignore_ascii_case(name) {
            return parts.next().unwrap_or("").to_string();
        }
    }
    String::new()
}

/// A claim from the token claims Azure logs with an activity: keys are
/// either short (`upn`, `oid`) or claim type URIs ending in the name.
fn claim(claims: &Map<String, Value>, names: &[&str]) -> String {
    names
        .iter()
        .find_map(|name| {
            claims
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name) || k.rsplit('/').next().is_some_and(|last| last.eq_ignore_ascii_case(name)))
                .map(|(_, v)| value_text(v))
                .filter(|v| !v.is_empty())
        })
        .unwrap_or_default()
}

fn object_at(f: &dyn Fields, names: &[&str]) -> Map<String, Value> {
    names
        .iter()
        .find_map(|n| match f.json(n) {
            Some(Value::Object(map)) if !map.is_empty() => Some(map),
            _ => None,
        })
        .unwrap_or_default()
}

/// A field that may be a plain string or a `{value, localizedValue}` object.
fn localizable(f: &dyn Fields, name: &str) -> (String, String) {
    match f.json(name) {
        Some(Value::Object(map)) => {
            let get = |k: &str| map.iter().find(|(key, _)| key.eq_ignore_ascii_case(k)).map(|(_, v)| value_text(v)).unwrap_or_default();
            (get("value"), get("localizedValue"))
        }
        Some(Value::String(s)) => (s.trim().to_string(), String::new()),
        Some(other) => (value_text(&other), String::new()),
        None => (String::new(), String::new()),
    }
}

fn read_json(obj: &Map<String, Value>, ctx: &RowCtx) -> Result<Event, String> {
    read_record(&JsonRecord::new(obj), String::new(), ctx)
}

fn read_csv(headers: &Headers, row: &csv::StringRecord, ctx: &RowCtx) -> Result<Event, String> {
    // `_ResourceId` and `ResourceId` are one name to the forgiving header
    // lookup; Log Analytics fills the first and leaves the second empty.
    let exact = headers.names.iter().position(|n| n == "_ResourceId").and_then(|i| row.get(i)).map(str::trim).unwrap_or("");
    read_record(&CsvRecord::new(headers, row), exact.to_string(), ctx)
}

/// EventData, diagnostic records and `AzureActivity` rows: the same facts
/// under names that differ in case, nesting and suffix.
fn read_record(f: &dyn Fields, underscore_resource_id: String, ctx: &RowCtx) -> Result<Event, String> {
    let (time_field, time_text) = [("TimeGenerated", "TimeGenerated"), ("eventTimestamp", "eventTimestamp"), ("time", "time")]
        .into_iter()
        .map(|(label, name)| (label, f.text(&[name])))
        .find(|(_, t)| !t.is_empty())
        .unwrap_or(("eventTimestamp", String::new()));
    let mut operation = f.text(&["OperationNameValue"]);
    let (op_value, op_localized) = localizable(f, "operationName");
    let display = if operation.is_empty() {
        operation = op_value;
        op_localized
    } else if op_localized.is_empty() {
        // Log Analytics: `OperationName` is the display name.
        op_value
    } else {
        op_localized
    };
    let authorization = object_at(f, &["Authorization_d", "authorization", "identity.authorization", "Authorization"]);
    let auth_text = |k: &str| authorization.iter().find(|(key, _)| key.eq_ignore_ascii_case(k)).map(|(_, v)| value_text(v)).unwrap_or_default();
    if operation.is_empty() {
        operation = auth_text("action");
    }
    let status = match f.text(&["ActivityStatusValue"]) {
        s if !s.is_empty() => s,
        _ => match localizable(f, "status") {
            (v, _) if !v.is_empty() => v,
            _ => f.text(&["resultType", "ActivityStatus"]),
        },
    };
    let sub_status = match f.text(&["ActivitySubstatusValue"]) {
        s if !s.is_empty() => s,
        _ => match localizable(f, "subStatus") {
            (v, l) if !l.is_empty() || !v.is_empty() => if l.is_empty() { v } else { l },
            _ => f.text(&["resultSignature", "ActivitySubstatus"]),
        },
    };
    let claims = object_at(f, &["Claims_d", "claims", "identity.claims", "identity.claim", "Claims"]);
    let caller = match f.text(&["caller"]) {
        c if !c.is_empty() => c,
        _ => claim(&claims, &["upn", "unique_name", "name"]),
    };
    let properties = object_at(f, &["Properties_d", "properties", "Properties"]);
    let prop = |k: &str| properties.iter().find(|(key, _)| key.eq_ignore_ascii_case(k)).map(|(_, v)| value_text(v)).unwrap_or_default();
    let mut resource_id = match f.text(&["resourceId", "_ResourceId"]) {
        r if r.is_empty() => underscore_resource_id,
        r => r,
    };
    if resource_id.is_empty() {
        resource_id = auth_text("scope");
    }
    let subscription = match f.text(&["SubscriptionId"]) {
        s if s.is_empty() => resource_part(&resource_id, "subscriptions"),
        s => s,
    };
    // Key Vault and other resource logs name the object acted on in `properties.id`.
    let item = prop("id");
    if item.starts_with("https://") {
        resource_id = item;
    }
    let (category, _) = localizable(f, "CategoryValue");
    let category = if category.is_empty() { localizable(f, "category").0 } else { category };
    let is_resource_audit = category.eq_ignore_ascii_case("AuditEvent");
    let activity = Activity {
        time_field,
        time_text,
        time: None,
        operation,
        operation_display: display,
        status,
        sub_status,
        object_id: claim(&claims, &["objectidentifier", "oid"]),
        app_id: claim(&claims, &["appid", "azp"]),
        caller,
        ip: f.text(&["CallerIpAddress", "httpRequest.clientIpAddress", "HTTPRequest.clientIpAddress"]),
        user_agent: {
            let ua = prop("clientInfo");
            if ua.is_empty() { prop("userAgent") } else { ua }
        },
        resource_id,
        subscription,
        category,
        record_id: match f.text(&["eventDataId"]) {
            // Resource logs have no record id of their own. Key Vault's
            // `AuditEvent` logs the caller's request id (`x-ms-client-request-id`,
            // fresh for every request the SDKs and the portal make) as the
            // correlation id: the nearest thing to one.
            id if id.is_empty() && is_resource_audit => f.text(&["correlationId"]),
            id => id,
        },
        correlation_id: f.text(&["correlationId"]),
        location: f.text(&["location"]),
        request_body: prop("requestbody"),
        properties: if properties.is_empty() { String::new() } else { Value::Object(properties).to_string() },
    };
    activity.into_event(ctx)
}

/// The portal's "Download as CSV".
mod portal {
    use super::*;

    const TIME_COLUMNS: [&str; 4] = ["Time stamp", "Event timestamp", "Timestamp", "Time"];
    const TYPICAL: [&str; 9] = ["Status", "Time stamp", "Subscription", "Resource group", "Resource", "Resource type", "Level", "Event category", "Correlation id"];

    fn detect(has: &dyn Fn(&str) -> bool) -> bool {
        !has("TimeGenerated") && has("Operation name") && (has("Event initiated by") || has("Caller")) && TIME_COLUMNS.iter().any(|c| has(c))
    }

    pub(super) fn detect_csv(h: &Headers) -> u32 {
        layout_score(&|n| h.has(n), detect, &TYPICAL)
    }

    pub(super) fn detect_json(_: &Map<String, Value>) -> u32 {
        0
    }

    /// The portal writes the time as the browser prints a date:
    /// `Sun Mar 01 2026 17:10:00 GMT+0100 (Central European Standard Time)`.
    pub(super) fn parse_browser_date(text: &str) -> Option<TimeMs> {
        let t = text.split(" (").next().unwrap_or(text).trim();
        let t = t.replace("GMT", "").replace("UTC", "");
        let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
        for fmt in ["%a %b %d %Y %H:%M:%S %z", "%b %d %Y %H:%M:%S %z"] {
            if let Ok(parsed) = DateTime::parse_from_str(&t, fmt) {
                return Some(parsed.timestamp_millis());
            }
        }
        None
    }

    pub(super) fn from_csv(headers: &Headers, row: &csv::StringRecord, ctx: &RowCtx) -> Result<Event, String> {
        let get = |names: &[&str]| headers.get(row, names).to_string();
        // The first time column that reads as a time: `Time` may be relative ("2 hours ago").
        let times: Vec<(&'static str, String)> = TIME_COLUMNS.iter().map(|c| (*c, get(&[c]))).filter(|(_, v)| !v.is_empty()).collect();
        let parsed = times.iter().find_map(|(c, v)| parse_browser_date(v).or_else(|| ctx.parse_time(v)).map(|t| (*c, v.clone(), t)));
        let (time_field, time_text, time) = match (parsed, times.first()) {
            (Some((c, v, t)), _) => (c, v, Some(t)),
            (None, Some((c, v))) => (*c, v.clone(), None),
            (None, None) => ("Time stamp", String::new(), None),
        };
        ctx.note_once("The portal's Activity Log CSV has no caller IP address, user agent or record id; the JSON view or a Log Analytics export has them.");
        let resource = get(&["Resource id", "Resource ID", "Resource"]);
        let activity = Activity {
            time_field,
            time_text,
            time,
            operation: get(&["Operation name value", "Operation"]),
            operation_display: get(&["Operation name"]),
            status: get(&["Status"]),
            caller: get(&["Event initiated by", "Caller"]),
            resource_id: resource,
            subscription: get(&["Subscription id", "Subscription"]),
            category: get(&["Event category", "Category"]),
            correlation_id: get(&["Correlation id"]),
            record_id: get(&["Event data id"]),
            ..Activity::default()
        };
        let mut event = activity.into_event(ctx)?;
        event.set_attr("ResourceGroup", get(&["Resource group"]));
        event.set_attr("ResourceType", get(&["Resource type"]));
        Ok(event)
    }
}

/// `EventData` objects (portal JSON, `az monitor activity-log list`, REST).
mod event_data {
    use super::*;

    const TYPICAL: [&str; 9] = ["authorization", "caller", "claims", "eventDataId", "httpRequest", "status", "subStatus", "resourceId", "correlationId"];

    fn detect(has: &dyn Fn(&str) -> bool) -> bool {
        !has("TimeGenerated") && has("eventTimestamp") && has("operationName") && (has("caller") || has("eventDataId") || has("claims"))
    }

    pub(super) fn detect_csv(h: &Headers) -> u32 {
        layout_score(&|n| h.has(n), detect, &TYPICAL)
    }

    pub(super) fn detect_json(obj: &Map<String, Value>) -> u32 {
        layout_score(&|n| record::has_key(obj, n), detect, &TYPICAL)
    }
}

/// Diagnostic-settings records (archive and Event Hubs form).
mod diagnostic {
    use super::*;

    const TYPICAL: [&str; 8] = ["category", "resultType", "resultSignature", "callerIpAddress", "correlationId", "identity", "level", "properties"];

    fn detect(has: &dyn Fn(&str) -> bool) -> bool {
        !has("TimeGenerated") && has("time") && has("operationName") && has("resourceId") && (has("resultType") || has("category") || has("identity"))
    }

    pub(super) fn detect_csv(h: &Headers) -> u32 {
        layout_score(&|n| h.has(n), detect, &TYPICAL)
    }

    pub(super) fn detect_json(obj: &Map<String, Value>) -> u32 {
        layout_score(&|n| record::has_key(obj, n), detect, &TYPICAL)
    }
}

/// Log Analytics / Sentinel `AzureActivity`.
mod log_analytics {
    use super::*;

    const TYPICAL: [&str; 12] = [
        "OperationNameValue",
        "ActivityStatusValue",
        "ActivitySubstatusValue",
        "Caller",
        "CallerIpAddress",
        "CategoryValue",
        "EventDataId",
        "ResourceProviderValue",
        "Properties_d",
        "Claims_d",
        "Authorization_d",
        "_ResourceId",
    ];

    fn detect(has: &dyn Fn(&str) -> bool) -> bool {
        has("TimeGenerated") && (has("OperationNameValue") || has("ActivityStatusValue") || (has("Caller") && has("CallerIpAddress") && has("OperationName")))
    }

    pub(super) fn detect_csv(h: &Headers) -> u32 {
        layout_score(&|n| h.has(n), detect, &TYPICAL)
    }

    pub(super) fn detect_json(obj: &Map<String, Value>) -> u32 {
        layout_score(&|n| record::has_key(obj, n), detect, &TYPICAL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::format_utc;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn event_data_maps_caller_claims_and_status() {
        let record = obj(json!({
            "authorization": {"action": "Microsoft.Storage/storageAccounts/listKeys/action", "scope": "/subscriptions/s-1/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct"},
            "caller": "victim@contoso.com",
            "claims": {"http://schemas.microsoft.com/identity/claims/objectidentifier": "oid-1", "appid": "app-1"},
            "correlationId": "c-1", "eventDataId": "e-1",
            "eventTimestamp": "2026-03-01T16:10:00.1234567Z",
            "httpRequest": {"clientIpAddress": "203.0.113.7", "method": "POST"},
            "operationName": {"value": "Microsoft.Storage/storageAccounts/listKeys/action", "localizedValue": "List Storage Account Keys"},
            "resourceId": "/subscriptions/s-1/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct",
            "status": {"value": "Succeeded", "localizedValue": "Succeeded"}, "subStatus": {"value": "OK", "localizedValue": "OK (HTTP Status Code: 200)"}
        }));
        assert!(event_data::detect_json(&record) > diagnostic::detect_json(&record));
        let e = read_json(&record, &RowCtx::default()).unwrap();
        assert_eq!(format_utc(e.time), "2026-03-01T16:10:00.123Z");
        assert_eq!((e.operation.as_str(), e.actor.as_str(), e.ip.as_str()), ("Microsoft.Storage/storageAccounts/listKeys/action", "victim@contoso.com", "203.0.113.7"));
        assert_eq!((e.outcome, e.record_id.as_str(), e.app.as_str()), (Outcome::Success, "e-1", "Microsoft.Storage"));
        assert_eq!(e.attr(attr::USER_ID), Some("oid-1"));
        assert_eq!(e.attr(attr::OPERATION_DISPLAY), Some("List Storage Account Keys"));
        assert_eq!(e.attr(attr::CLOUD_ACCOUNT), Some("s-1"));
        assert_eq!(e.attr("ResourceGroup"), Some("rg"));
        assert_eq!(e.attr(attr::STATUS), Some("Succeeded (OK (HTTP Status Code: 200))"));
    }

    #[test]
    fn diagnostic_record_takes_the_caller_from_claims() {
        let record = obj(json!({
            "time": "2026-03-01T16:10:00Z", "resourceId": "/SUBSCRIPTIONS/S-1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/X",
            "operationName": "MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE", "category": "Administrative", "resultType": "Failure",
            "callerIpAddress": "203.0.113.7",
            "identity": {"claims": {"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": "victim@contoso.com", "oid": "oid-1"}},
            "properties": "{\"statusCode\":\"Forbidden\"}"
        }));
        assert!(diagnostic::detect_json(&record) > 0);
        assert_eq!(event_data::detect_json(&record), 0);
        let e = read_json(&record, &RowCtx::default()).unwrap();
        assert_eq!((e.actor.as_str(), e.outcome), ("victim@contoso.com", Outcome::Failure));
        assert_eq!(e.attr(attr::USER_ID), Some("oid-1"));
        assert_eq!(e.attr(attr::CLOUD_ACCOUNT), Some("S-1"));
        assert_eq!(e.attr("Properties"), Some(r#"{"statusCode":"Forbidden"}"#));
        // An Activity Log record's correlation id is shared by its steps: never a record id.
        assert_eq!(e.record_id, "");
    }

    #[test]
    fn key_vault_audit_events_are_known_by_their_request_id() {
        let record = obj(json!({
            "time": "2026-03-01T17:05:13.0000000Z", "resourceId": "/SUBSCRIPTIONS/S-1/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV-1",
            "operationName": "SecretGet", "category": "AuditEvent", "resultType": "Success", "callerIpAddress": "203.0.113.7",
            "correlationId": "9f0c2b1e-0000-4000-8000-000000000001",
            "identity": {"claim": {"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": "victim@contoso.com"}},
            "properties": {"id": "https://kv-1.vault.azure.net/secrets/db/0a1b", "httpStatusCode": 200}
        }));
        let e = read_json(&record, &RowCtx::default()).unwrap();
        assert_eq!((e.record_id.as_str(), e.target.as_str()), ("9f0c2b1e-0000-4000-8000-000000000001", "https://kv-1.vault.azure.net/secrets/db/0a1b"));
    }

    #[test]
    fn browser_dates_carry_their_offset() {
        let t = portal::parse_browser_date("Sun Mar 01 2026 17:10:00 GMT+0100 (Central European Standard Time)").map(format_utc);
        assert_eq!(t.as_deref(), Some("2026-03-01T16:10:00.000Z"));
        assert_eq!(portal::parse_browser_date("2 hours ago"), None);
    }

    #[test]
    fn bad_records_are_rejected_with_a_reason() {
        let no_time = obj(json!({"eventTimestamp": "", "operationName": {"value": "x"}, "caller": "a"}));
        assert!(read_json(&no_time, &RowCtx::default()).unwrap_err().contains("no time"));
        let no_op = obj(json!({"eventTimestamp": "2026-03-01T16:10:00Z", "operationName": null, "caller": "a"}));
        assert!(read_json(&no_op, &RowCtx::default()).unwrap_err().contains("no operation"));
        let odd = obj(json!({"time": "2026-03-01T16:10:00Z", "operationName": 7, "resourceId": [1], "identity": "not json", "properties": 3}));
        let e = read_json(&odd, &RowCtx::default()).unwrap();
        assert_eq!((e.operation.as_str(), e.actor.as_str()), ("7", ""));
    }
}
