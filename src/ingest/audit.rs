//! Microsoft Entra ID audit logs (directory changes), in the layouts
//! responders get:
//!
//! - The admin center "Download" as CSV: `Date (UTC)`, `CorrelationId`,
//!   `Service`, `Category`, `Activity`, `Result`, `ResultReason`, `Actor…`
//!   columns, then the targets flattened into `Target1Type`,
//!   `Target1DisplayName`, `Target1ObjectId`, `Target1UserPrincipalName`,
//!   `Target1ModifiedProperty1Name` / `OldValue` / `NewValue` … and the
//!   details into `AdditionalDetail1Key` / `Value` … It has no record id.
//! - Microsoft Graph `directoryAudit` objects (`auditLogs/directoryAudits`).
//!   The admin center's JSON download is an array of the same objects and is
//!   read (and reported) as this layout.
//! - Log Analytics / Sentinel `AuditLogs` rows, as CSV or JSON, where
//!   `InitiatedBy`, `TargetResources` and `AdditionalDetails` hold Graph's
//!   nested objects, often as JSON text.
//!
//! Each layout fills one `Audit`; one function turns that into an `Event`.

use super::csv_input::Headers;
use super::signin::record::{self, CsvRecord, Fields, JsonRecord};
use super::ual::normalise_ip;
use super::{json_text, layout_score, value_text, RowCtx, Schema, SchemaDef};
use crate::model::{attr, Event, Outcome, Source};
use serde_json::{json, Map, Value};

pub static SCHEMAS: &[SchemaDef] = &[
    SchemaDef {
        schema: Schema::EntraAuditPortal,
        detect_csv: portal::detect_csv,
        detect_json: portal::detect_json,
        from_csv: portal::from_csv,
        from_json: graph::from_json,
    },
    SchemaDef {
        schema: Schema::GraphDirectoryAudit,
        detect_csv: graph::detect_csv,
        detect_json: graph::detect_json,
        from_csv: graph::from_csv,
        from_json: graph::from_json,
    },
    SchemaDef {
        schema: Schema::SentinelAuditLogs,
        detect_csv: log_analytics::detect_csv,
        detect_json: log_analytics::detect_json,
        from_csv: log_analytics::from_csv,
        from_json: log_analytics::from_json,
    },
];

/// One changed attribute of a target.
#[derive(Debug, Default, PartialEq)]
struct Change {
    property: String,
    old: String,
    new: String,
}

/// An object the activity acted on.
#[derive(Debug, Default)]
struct Target {
    id: String,
    display_name: String,
    kind: String,
    upn: String,
    changes: Vec<Change>,
}

impl Target {
    /// How the target is named in the modified-properties list.
    fn label(&self) -> &str {
        [&self.display_name, &self.upn, &self.id].into_iter().find(|s| !s.is_empty()).map_or("", |s| s.as_str())
    }
}

/// One audit record's values as the layout gives them, before mapping.
#[derive(Debug, Default)]
struct Audit {
    time_field: &'static str,
    time_text: String,
    id: String,
    activity: String,
    category: String,
    service: String,
    operation_type: String,
    result: String,
    result_reason: String,
    correlation_id: String,
    actor_upn: String,
    actor_user_name: String,
    actor_user_id: String,
    actor_app: String,
    actor_app_id: String,
    ip: String,
    user_agent: String,
    targets: Vec<Target>,
    details: Vec<(String, String)>,
}

impl Audit {
    fn into_event(self, ctx: &RowCtx) -> Result<Event, String> {
        if self.time_text.is_empty() {
            return Err(format!("no time: {} is empty", self.time_field));
        }
        let Some(time) = ctx.parse_time(&self.time_text) else {
            return Err(format!("no usable time in {} '{}'", self.time_field, self.time_text));
        };
        if self.activity.is_empty() {
            return Err("has no activity name, so there is nothing to show for it".into());
        }
        let actor = [&self.actor_upn, &self.actor_app, &self.actor_user_name].into_iter().find(|s| !s.is_empty()).cloned().unwrap_or_default();
        let first = self.targets.first();
        let target = first.map(|t| if t.upn.is_empty() { t.display_name.clone() } else { t.upn.clone() }).unwrap_or_default();
        let user_agent = if self.user_agent.is_empty() {
            self.details.iter().find(|(k, _)| k.eq_ignore_ascii_case("User-Agent")).map(|(_, v)| v.clone()).unwrap_or_default()
        } else {
            self.user_agent
        };
        let mut event = Event {
            time,
            source: Source::DirectoryAudit,
            operation: self.activity,
            actor,
            target,
            ip: normalise_ip(&self.ip),
            outcome: outcome(&self.result),
            user_agent,
            app: self.actor_app.clone(),
            source_time: self.time_text,
            record_id: self.id.clone(),
            ..Event::default()
        };
        let attrs = [
            (attr::CATEGORY, self.category),
            (attr::SERVICE, self.service),
            (attr::RESULT_REASON, self.result_reason),
            (attr::TARGET_TYPE, first.map(|t| t.kind.clone()).unwrap_or_default()),
            (attr::TARGET_ID, first.map(|t| t.id.clone()).unwrap_or_default()),
            (attr::INITIATED_BY_APP, self.actor_app),
            (attr::CORRELATION_ID, self.correlation_id),
            (attr::ACTIVITY_ID, self.id),
            (attr::USER_ID, if self.actor_user_id.is_empty() { self.actor_app_id } else { self.actor_user_id }),
            ("OperationType", self.operation_type),
            (attr::MODIFIED_PROPERTIES, modified_properties(&self.targets)),
            (attr::ADDITIONAL_DETAILS, additional_details(&self.details)),
        ];
        event.set_attrs(attrs);
        Ok(event)
    }
}

/// Graph's `result` (`success`, `failure`, `timeout`) or the admin center's `Success` / `Failure`.
fn outcome(result: &str) -> Outcome {
    match result.trim().to_ascii_lowercase().as_str() {
        "success" | "succeeded" => Outcome::Success,
        "failure" | "failed" | "timeout" => Outcome::Failure,
        _ => Outcome::Unknown,
    }
}

/// `[{"target", "property", "old", "new"}]` over every target, old and new
/// values exactly as the log wrote them (often JSON text themselves).
fn modified_properties(targets: &[Target]) -> String {
    let items: Vec<Value> = targets
        .iter()
        .flat_map(|t| t.changes.iter().map(move |c| json!({"target": t.label(), "property": c.property, "old": c.old, "new": c.new})))
        .collect();
    if items.is_empty() {
        String::new()
    } else {
        Value::Array(items).to_string()
    }
}

/// `{key: value}`; the first of repeated keys is kept.
fn additional_details(details: &[(String, String)]) -> String {
    let mut map = Map::new();
    for (key, value) in details {
        if !key.is_empty() && !map.contains_key(key) {
            map.insert(key.clone(), Value::String(value.clone()));
        }
    }
    if map.is_empty() {
        String::new()
    } else {
        Value::Object(map).to_string()
    }
}

/// Admin center CSV download.
mod portal {
    use super::*;

    const EXTRA_COLUMNS: [&str; 11] = [
        "CorrelationId",
        "Service",
        "Category",
        "Result",
        "ResultReason",
        "ActorDisplayName",
        "ActorObjectId",
        "IPAddress",
        "Target1DisplayName",
        "Target1ObjectId",
        "AdditionalDetail1Key",
    ];

    pub(super) fn detect_csv(h: &Headers) -> u32 {
        if h.has("Date (UTC)") && h.has("Activity") && (h.has("ActorType") || h.has("ActorUserPrincipalName") || h.has("Target1Type")) {
            30 + h.count_present(&EXTRA_COLUMNS)
        } else {
            0
        }
    }

    /// The JSON download holds Graph `directoryAudit` objects: `graph` reads it.
    pub(super) fn detect_json(_: &Map<String, Value>) -> u32 {
        0
    }

    pub(super) fn from_csv(headers: &Headers, row: &csv::StringRecord, ctx: &RowCtx) -> Result<Event, String> {
        let get = |name: &str| headers.get(row, &[name]).to_string();
        let actor_type = get("ActorType").to_ascii_lowercase();
        let actor_app = match get("ActorServicePrincipalName") {
            name if !name.is_empty() => name,
            _ if actor_type.contains("app") || actor_type.contains("serviceprincipal") => get("ActorDisplayName"),
            _ => String::new(),
        };
        let audit = Audit {
            time_field: "Date (UTC)",
            time_text: get("Date (UTC)"),
            activity: get("Activity"),
            category: get("Category"),
            service: get("Service"),
            result: get("Result"),
            result_reason: get("ResultReason"),
            correlation_id: get("CorrelationId"),
            actor_upn: get("ActorUserPrincipalName"),
            actor_user_name: if actor_app.is_empty() { get("ActorDisplayName") } else { String::new() },
            actor_user_id: get("ActorObjectId"),
            actor_app_id: get("ActorServicePrincipalId"),
            actor_app,
            ip: get("IPAddress"),
            user_agent: get("User Agent"),
            targets: targets(headers, row),
            details: (1..)
                .take_while(|n| headers.has(&format!("AdditionalDetail{n}Key")))
                .map(|n| (get(&format!("AdditionalDetail{n}Key")), get(&format!("AdditionalDetail{n}Value"))))
                .filter(|(k, _)| !k.is_empty())
                .collect(),
            ..Audit::default()
        };
        audit.into_event(ctx)
    }

    /// `Target1…`, `Target2…` with their `ModifiedPropertyN…` columns.
    fn targets(headers: &Headers, row: &csv::StringRecord) -> Vec<Target> {
        let get = |name: &str| headers.get(row, &[name]).to_string();
        (1..)
            .take_while(|n| headers.has(&format!("Target{n}Type")) || headers.has(&format!("Target{n}DisplayName")))
            .map(|n| {
                let changes = (1..)
                    .take_while(|m| headers.has(&format!("Target{n}ModifiedProperty{m}Name")))
                    .map(|m| Change {
                        property: get(&format!("Target{n}ModifiedProperty{m}Name")),
                        old: get(&format!("Target{n}ModifiedProperty{m}OldValue")),
                        new: get(&format!("Target{n}ModifiedProperty{m}NewValue")),
                    })
                    .filter(|c| !c.property.is_empty())
                    .collect();
                Target {
                    id: get(&format!("Target{n}ObjectId")),
                    display_name: get(&format!("Target{n}DisplayName")),
                    kind: get(&format!("Target{n}Type")),
                    upn: get(&format!("Target{n}UserPrincipalName")),
                    changes,
                }
            })
            .filter(|t| !(t.id.is_empty() && t.display_name.is_empty() && t.upn.is_empty() && t.kind.is_empty()))
            .collect()
    }

}

/// Microsoft Graph `directoryAudit` objects (and the admin center JSON download).
mod graph {
    use super::*;

    const EXTRA_FIELDS: [&str; 8] = ["category", "correlationId", "loggedByService", "operationType", "result", "resultReason", "additionalDetails", "id"];

    fn detect(has: &dyn Fn(&str) -> bool) -> bool {
        !has("TimeGenerated") && has("activityDateTime") && has("activityDisplayName") && (has("initiatedBy") || has("targetResources"))
    }

    pub(super) fn detect_csv(h: &Headers) -> u32 {
        layout_score(&|n| h.has(n), detect, &EXTRA_FIELDS)
    }

    pub(super) fn detect_json(obj: &Map<String, Value>) -> u32 {
        layout_score(&|n| record::has_key(obj, n), detect, &EXTRA_FIELDS)
    }

    pub(super) fn from_json(obj: &Map<String, Value>, ctx: &RowCtx) -> Result<Event, String> {
        read_graph_like(&JsonRecord::new(obj), ctx)
    }

    pub(super) fn from_csv(headers: &Headers, row: &csv::StringRecord, ctx: &RowCtx) -> Result<Event, String> {
        read_graph_like(&CsvRecord::new(headers, row), ctx)
    }
}

/// Log Analytics / Sentinel `AuditLogs`.
mod log_analytics {
    use super::*;

    const EXTRA_COLUMNS: [&str; 10] = [
        "LoggedByService",
        "AADOperationType",
        "Result",
        "ResultReason",
        "AdditionalDetails",
        "Category",
        "CorrelationId",
        "Identity",
        "ActivityDateTime",
        "AADTenantId",
    ];

    fn detect(has: &dyn Fn(&str) -> bool) -> bool {
        has("TimeGenerated") && (has("InitiatedBy") || has("TargetResources")) && (has("OperationName") || has("ActivityDisplayName"))
    }

    pub(super) fn detect_csv(h: &Headers) -> u32 {
        layout_score(&|n| h.has(n), detect, &EXTRA_COLUMNS)
    }

    pub(super) fn detect_json(obj: &Map<String, Value>) -> u32 {
        layout_score(&|n| record::has_key(obj, n), detect, &EXTRA_COLUMNS)
    }

    pub(super) fn from_json(obj: &Map<String, Value>, ctx: &RowCtx) -> Result<Event, String> {
        read_graph_like(&JsonRecord::new(obj), ctx)
    }

    pub(super) fn from_csv(headers: &Headers, row: &csv::StringRecord, ctx: &RowCtx) -> Result<Event, String> {
        read_graph_like(&CsvRecord::new(headers, row), ctx)
    }
}

/// A Graph `directoryAudit` object (also the `properties` of a
/// diagnostic-settings record, see `entra_diagnostic`).
pub(super) fn from_graph_object(obj: &Map<String, Value>, ctx: &RowCtx) -> Result<Event, String> {
    read_graph_like(&JsonRecord::new(obj), ctx)
}

/// Graph `directoryAudit` fields, or the same as Log Analytics columns.
fn read_graph_like(f: &dyn Fields, ctx: &RowCtx) -> Result<Event, String> {
    let (time_field, time_text) = match f.text(&["TimeGenerated"]) {
        t if !t.is_empty() => ("TimeGenerated", t),
        _ => ("activityDateTime", f.text(&["activityDateTime"])),
    };
    let initiator = match f.json("initiatedBy") {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    };
    let targets = match f.json("targetResources") {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_object).map(target).collect(),
        _ => Vec::new(),
    };
    let details = match f.json("additionalDetails") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_object)
            .map(|d| (json_text(d, &["key"]), d.iter().find(|(k, _)| k.eq_ignore_ascii_case("value")).map(|(_, v)| value_text(v)).unwrap_or_default()))
            .filter(|(k, _)| !k.is_empty())
            .collect(),
        _ => Vec::new(),
    };
    let audit = Audit {
        time_field,
        time_text,
        id: f.text(&["id"]),
        activity: f.text(&["activityDisplayName", "OperationName"]),
        category: f.text(&["category"]),
        service: f.text(&["loggedByService"]),
        operation_type: f.text(&["operationType", "AADOperationType"]),
        result: f.text(&["result"]),
        result_reason: f.text(&["resultReason"]),
        correlation_id: f.text(&["correlationId"]),
        actor_upn: json_text(&initiator, &["user.userPrincipalName"]),
        actor_user_name: json_text(&initiator, &["user.displayName"]),
        actor_user_id: json_text(&initiator, &["user.id"]),
        actor_app: json_text(&initiator, &["app.displayName", "app.servicePrincipalName"]),
        actor_app_id: json_text(&initiator, &["app.servicePrincipalId", "app.appId"]),
        ip: json_text(&initiator, &["user.ipAddress", "app.ipAddress"]),
        targets,
        details,
        ..Audit::default()
    };
    audit.into_event(ctx)
}

/// One `targetResources` entry.
fn target(t: &Map<String, Value>) -> Target {
    let changes = match super::json_path(t, "modifiedProperties").as_deref() {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_object)
            .map(|p| Change { property: json_text(p, &["displayName"]), old: raw_text(p, "oldValue"), new: raw_text(p, "newValue") })
            .filter(|c| !c.property.is_empty())
            .collect(),
        _ => Vec::new(),
    };
    Target {
        id: json_text(t, &["id"]),
        display_name: json_text(t, &["displayName"]),
        kind: json_text(t, &["type"]),
        upn: json_text(t, &["userPrincipalName"]),
        changes,
    }
}

/// A value exactly as written: strings untrimmed, other JSON as JSON text.
fn raw_text(obj: &Map<String, Value>, key: &str) -> String {
    match obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::format_utc;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn results_become_outcomes() {
        assert_eq!(outcome("success"), Outcome::Success);
        assert_eq!(outcome("Failure"), Outcome::Failure);
        assert_eq!(outcome("timeout"), Outcome::Failure);
        assert_eq!(outcome("unknownFutureValue"), Outcome::Unknown);
    }

    #[test]
    fn graph_record_maps_initiator_targets_and_details() {
        let record = obj(json!({
            "id": "Directory_1", "activityDateTime": "2026-03-01T16:10:00.5Z", "activityDisplayName": "Update user",
            "category": "UserManagement", "loggedByService": "Core Directory", "operationType": "Update", "result": "success",
            "initiatedBy": {"app": {"displayName": "Sync Agent", "servicePrincipalId": "sp-9", "appId": null}, "user": null},
            "targetResources": [{"id": "u-1", "displayName": null, "type": "User", "userPrincipalName": "victim@contoso.com",
                "modifiedProperties": [{"displayName": "StrongAuthenticationPhoneAppDetail", "oldValue": "[]", "newValue": "[{\"Id\":1}]"}]}],
            "additionalDetails": [{"key": "User-Agent", "value": "Mozilla/5.0"}, {"key": "UserType", "value": "Member"}]
        }));
        assert!((graph::detect_json)(&record) > 0);
        let e = graph::from_json(&record, &RowCtx::default()).unwrap();
        assert_eq!(format_utc(e.time), "2026-03-01T16:10:00.500Z");
        assert_eq!((e.actor.as_str(), e.target.as_str(), e.app.as_str()), ("Sync Agent", "victim@contoso.com", "Sync Agent"));
        assert_eq!((e.ip.as_str(), e.user_agent.as_str(), e.outcome), ("", "Mozilla/5.0", Outcome::Success));
        assert_eq!(e.attr(attr::USER_ID), Some("sp-9"));
        assert_eq!(e.attr(attr::TARGET_TYPE), Some("User"));
        let props: Value = serde_json::from_str(e.attr(attr::MODIFIED_PROPERTIES).unwrap()).unwrap();
        assert_eq!(props, json!([{"target": "victim@contoso.com", "property": "StrongAuthenticationPhoneAppDetail", "old": "[]", "new": "[{\"Id\":1}]"}]));
        assert_eq!(e.attr(attr::ADDITIONAL_DETAILS), Some(r#"{"User-Agent":"Mozilla/5.0","UserType":"Member"}"#));
    }

    #[test]
    fn bad_records_are_rejected_with_a_reason() {
        let no_time = obj(json!({"activityDateTime": null, "activityDisplayName": "Add user", "initiatedBy": {}}));
        assert_eq!(graph::from_json(&no_time, &RowCtx::default()).unwrap_err(), "no time: activityDateTime is empty");
        let no_activity = obj(json!({"activityDateTime": "2026-03-01T16:10:00Z", "activityDisplayName": "", "initiatedBy": {}}));
        assert!(graph::from_json(&no_activity, &RowCtx::default()).unwrap_err().contains("no activity name"));
    }

    #[test]
    fn nested_fields_of_the_wrong_shape_are_ignored_not_fatal() {
        let record = obj(json!({"TimeGenerated": "2026-03-01T16:10:00Z", "OperationName": "Delete user", "Result": "success",
            "InitiatedBy": 42, "TargetResources": "{not json", "AdditionalDetails": {"key": "x"}}));
        let e = log_analytics::from_json(&record, &RowCtx::default()).unwrap();
        assert_eq!((e.operation.as_str(), e.actor.as_str(), e.target.as_str()), ("Delete user", "", ""));
        assert_eq!((e.attr(attr::MODIFIED_PROPERTIES), e.attr(attr::ADDITIONAL_DETAILS)), (None, None));
    }

    #[test]
    fn detection_tells_the_layouts_apart() {
        let portal = Headers::new(["Date (UTC)", "CorrelationId", "Service", "Category", "Activity", "Result", "ActorType", "Target1Type"]);
        let sentinel = Headers::new(["TenantId", "TimeGenerated [UTC]", "OperationName", "Category", "Result", "InitiatedBy", "TargetResources"]);
        let signin_portal = Headers::new(["Date (UTC)", "Request ID", "Username", "Status", "Sign-in error code"]);
        let scores = |h: &Headers| SCHEMAS.iter().map(|d| (d.detect_csv)(h)).collect::<Vec<_>>();
        assert_eq!(scores(&portal), [34, 0, 0]);
        assert_eq!(scores(&sentinel), [0, 0, 22]);
        assert_eq!(scores(&signin_portal), [0, 0, 0]);
        let sentinel_json = obj(json!({"TimeGenerated": "x", "ActivityDateTime": "x", "ActivityDisplayName": "a", "InitiatedBy": "{}"}));
        let json_scores = |o: &Map<String, Value>| SCHEMAS.iter().map(|d| (d.detect_json)(o)).collect::<Vec<_>>();
        assert_eq!(json_scores(&sentinel_json), [0, 0, 21]);
    }
}
