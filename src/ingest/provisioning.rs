//! Entra provisioning logs (`ProvisioningLogs` diagnostic category, Graph
//! `provisioningObjectSummary`): what the provisioning service created,
//! updated, disabled or deleted, in Entra ID or in a connected app (HR
//! inbound, SaaS outbound, cross-tenant sync).
//!
//! They are read into the directory audit source rather than a source of
//! their own: each record is one change to one object, made by an
//! initiator, with a result and the properties it changed, which is what an
//! audit row holds. The record is recast as a Graph `directoryAudit` object
//! and read by `audit`, so provisioning rows carry the audit attributes
//! (`Category` is `Provisioning`, `ModifiedProperties`, `AdditionalDetails`)
//! and appear in `source:audit` with the rest of the directory's changes.
//! The operation is `Provisioning: <action>` (`create`, `update`, `delete`,
//! `disable`, `stagedDelete`, `other`), so it never matches a directory
//! activity name such as `Add user` that detectors look for.

use super::{audit, json_path, json_text, value_text, RowCtx};
use crate::model::Event;
use serde_json::{json, Map, Value};

/// A `provisioningObjectSummary` (the `properties` of a `ProvisioningLogs`
/// record), read as a directory audit event.
pub(super) fn from_graph_object(obj: &Map<String, Value>, ctx: &RowCtx) -> Result<Event, String> {
    audit::from_graph_object(&as_directory_audit(obj), ctx)
}

fn object_at(obj: &Map<String, Value>, path: &str) -> Map<String, Value> {
    match json_path(obj, path).map(|v| super::nested_json(&v).unwrap_or_else(|| v.into_owned())) {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// The same record under `directoryAudit` names.
fn as_directory_audit(obj: &Map<String, Value>) -> Map<String, Value> {
    // `action` and `statusInfo` are the deprecated beta names.
    let action = json_text(obj, &["provisioningAction", "action"]);
    let status = json_text(obj, &["provisioningStatusInfo.status", "statusInfo.status"]);
    let error = object_at(obj, "provisioningStatusInfo.errorInformation");
    let initiator = object_at(obj, "initiatedBy");
    let service_principal = object_at(obj, "servicePrincipal");
    let source = object_at(obj, "sourceIdentity");
    let target = object_at(obj, "targetIdentity");
    let initiator_name = json_text(&initiator, &["displayName"]);
    let initiator_id = json_text(&initiator, &["id"]);
    // Provisioning runs as the app's service principal unless a person
    // started it (on-demand provisioning): the initiator says which.
    let initiated_by = if json_text(&initiator, &["initiatorType"]).eq_ignore_ascii_case("user") {
        json!({"user": {"displayName": initiator_name, "id": initiator_id, "userPrincipalName": if initiator_name.contains('@') { initiator_name.clone() } else { String::new() }}})
    } else {
        let name = if initiator_name.is_empty() { json_text(&service_principal, &["displayName"]) } else { initiator_name };
        let id = json_text(&service_principal, &["id"]);
        json!({"app": {"displayName": name, "servicePrincipalId": if id.is_empty() { initiator_id } else { id }}})
    };
    let changes: Vec<Value> = match json_path(obj, "modifiedProperties").map(|v| super::nested_json(&v).unwrap_or_else(|| v.into_owned())) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_object)
            .map(|p| json!({"displayName": json_text(p, &["displayName"]), "oldValue": field_text(p, "oldValue"), "newValue": field_text(p, "newValue")}))
            .collect(),
        _ => Vec::new(),
    };
    let target_name = json_text(&target, &["displayName"]);
    let target_resource = json!({
        "id": json_text(&target, &["id"]),
        "displayName": target_name,
        "type": json_text(&target, &["identityType"]),
        "userPrincipalName": if target_name.contains('@') { target_name.clone() } else { String::new() },
        "modifiedProperties": changes,
    });
    let system = |key: &str| json_text(&object_at(obj, key), &["displayName"]);
    let details: Vec<Value> = [
        ("SourceSystem", system("sourceSystem")),
        ("TargetSystem", system("targetSystem")),
        ("SourceIdentity", identity_label(&source)),
        ("ProvisioningStatus", status.clone()),
        ("ErrorCode", json_text(&error, &["errorCode"])),
        ("JobId", json_text(obj, &["jobId"])),
        ("CycleId", json_text(obj, &["cycleId"])),
        ("ChangeId", json_text(obj, &["changeId"])),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| json!({"key": k, "value": v}))
    .collect();
    let mut out = Map::new();
    let mut put = |k: &str, v: Value| {
        out.insert(k.to_string(), v);
    };
    put("id", Value::String(json_text(obj, &["id"])));
    put("activityDateTime", Value::String(json_text(obj, &["activityDateTime"])));
    put("activityDisplayName", Value::String(if action.is_empty() { String::new() } else { format!("Provisioning: {action}") }));
    put("category", Value::String("Provisioning".into()));
    put("loggedByService", Value::String("Account Provisioning".into()));
    put("operationType", Value::String(action));
    put("result", Value::String(result(&status).into()));
    put("resultReason", Value::String(json_text(&error, &["reason", "additionalDetails"])));
    put("initiatedBy", initiated_by);
    put("targetResources", Value::Array(vec![target_resource]));
    put("additionalDetails", Value::Array(details));
    out
}

/// `success`, `failure`, and the two that are neither: a `skipped` object
/// was out of scope, a `warning` went through with something to check.
fn result(status: &str) -> &'static str {
    match status.trim().to_ascii_lowercase().as_str() {
        "success" => "success",
        "failure" => "failure",
        _ => "",
    }
}

fn identity_label(identity: &Map<String, Value>) -> String {
    match (json_text(identity, &["displayName"]), json_text(identity, &["id"])) {
        (name, id) if name.is_empty() => id,
        (name, id) if id.is_empty() => name,
        (name, id) => format!("{name} ({id})"),
    }
}

fn field_text(obj: &Map<String, Value>, key: &str) -> String {
    obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| value_text(v)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{attr, Outcome, Source};

    #[test]
    fn a_provisioning_record_reads_as_an_audit_event() {
        let record = json!({"id": "prov-1", "activityDateTime": "2026-03-02T07:00:00Z", "jobId": "job-1", "cycleId": "c-1", "changeId": "ch-1",
            "provisioningAction": "create", "provisioningStatusInfo": {"status": "failure", "errorInformation": {"errorCode": "DuplicateTarget", "reason": "already exists"}},
            "initiatedBy": {"id": "i-1", "displayName": "Azure AD Provisioning Service", "initiatorType": "system"},
            "servicePrincipal": {"id": "sp-9", "displayName": "Salesforce"},
            "sourceIdentity": {"id": "u-1", "displayName": "alice@contoso.com", "identityType": "User"},
            "targetIdentity": {"id": "005x", "displayName": "alice@contoso.com", "identityType": "User"},
            "sourceSystem": {"displayName": "Microsoft Entra ID"}, "targetSystem": {"displayName": "Salesforce"},
            "modifiedProperties": [{"displayName": "IsActive", "oldValue": null, "newValue": "True"}]});
        let record = record.as_object().cloned().unwrap_or_default();
        let e = from_graph_object(&record, &RowCtx::default()).expect("an audit event");
        assert_eq!(e.source, Source::DirectoryAudit);
        assert_eq!((e.operation.as_str(), e.actor.as_str(), e.target.as_str(), e.outcome), ("Provisioning: create", "Azure AD Provisioning Service", "alice@contoso.com", Outcome::Failure));
        let get = |k: &str| e.attrs.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str()).unwrap_or("");
        assert_eq!((get(attr::CATEGORY), get(attr::RESULT_REASON), get(attr::TARGET_ID)), ("Provisioning", "already exists", "005x"));
        assert!(get(attr::ADDITIONAL_DETAILS).contains("Salesforce"), "{}", get(attr::ADDITIONAL_DETAILS));
        assert!(get(attr::MODIFIED_PROPERTIES).contains("IsActive"));
        assert_eq!(e.record_id, "prov-1");
    }
}
