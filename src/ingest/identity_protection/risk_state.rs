//! Risk states of users and service principals: Graph `riskyUser`,
//! `riskyUserHistoryItem` (`riskyUsers/{id}/history`) and
//! `riskyServicePrincipal`, Log Analytics `AADRiskyUsers` and
//! `AADRiskyServicePrincipals`, and `Get-RiskyUsers` output.
//!
//! One row says where an account's risk stood at `riskLastUpdatedDateTime`:
//! the operation is `Risk state: <state>`, so `op:"Risk state: dismissed"`
//! finds every dismissal. A history item also says who changed it
//! (`initiatedBy`, an object id) and which detections raised it.

use super::super::csv_input::Headers;
use super::super::signin::record::{CsvRecord, Fields, JsonRecord};
use super::super::{layout_score, value_text, RowCtx};
use super::{clean, parse_time, record_id};
use crate::model::{attr, Event, Outcome, Source};
use serde_json::{Map, Value};

/// A risky user or service principal, in any of its layouts.
fn is_risk_state(has: &dyn Fn(&str) -> bool) -> bool {
    has("riskLastUpdatedDateTime") && has("riskState") && (has("userPrincipalName") || has("userId") || has("appId") || has("servicePrincipalType"))
}

pub(super) mod graph {
    use super::*;

    const TYPICAL: [&str; 13] =
        ["id", "isDeleted", "isProcessing", "riskLevel", "riskDetail", "userDisplayName", "initiatedBy", "activity", "History", "AdditionalProperties", "displayName", "isEnabled", "servicePrincipalType"];

    fn detect(has: &dyn Fn(&str) -> bool) -> bool {
        is_risk_state(has) && !has("TimeGenerated")
    }

    pub(in super::super) fn detect_csv(h: &Headers) -> u32 {
        layout_score(&|n| h.has(n), detect, &TYPICAL)
    }

    pub(in super::super) fn detect_json(obj: &Map<String, Value>) -> u32 {
        layout_score(&|n| super::super::super::signin::record::has_key(obj, n), detect, &TYPICAL)
    }
}

pub(super) mod log_analytics {
    use super::*;

    const TYPICAL: [&str; 8] = ["OperationName", "SourceSystem", "TenantId", "Type", "IsDeleted", "IsProcessing", "RiskLevel", "RiskDetail"];

    fn detect(has: &dyn Fn(&str) -> bool) -> bool {
        is_risk_state(has) && has("TimeGenerated")
    }

    pub(in super::super) fn detect_csv(h: &Headers) -> u32 {
        layout_score(&|n| h.has(n), detect, &TYPICAL)
    }

    pub(in super::super) fn detect_json(obj: &Map<String, Value>) -> u32 {
        layout_score(&|n| super::super::super::signin::record::has_key(obj, n), detect, &TYPICAL)
    }
}

pub(super) fn from_csv(headers: &Headers, row: &csv::StringRecord, ctx: &RowCtx) -> Result<Event, String> {
    read(&CsvRecord::new(headers, row), ctx)
}

pub(super) fn from_json(obj: &Map<String, Value>, ctx: &RowCtx) -> Result<Event, String> {
    read(&JsonRecord::new(obj), ctx)
}

/// The `properties` of a `RiskyUsers` or `RiskyServicePrincipals`
/// diagnostic-settings record.
pub(in super::super) fn from_graph_object(obj: &Map<String, Value>, ctx: &RowCtx) -> Result<Event, String> {
    read(&JsonRecord::new(obj), ctx)
}

fn read(f: &dyn Fields, ctx: &RowCtx) -> Result<Event, String> {
    let text = |names: &[&str]| clean(f.text(names));
    let time_text = text(&["riskLastUpdatedDateTime"]);
    let time = parse_time("riskLastUpdatedDateTime", &time_text, ctx)?;
    let upn = text(&["userPrincipalName"]);
    let app_id = text(&["appId"]);
    let is_service_principal = upn.is_empty() && (!app_id.is_empty() || !text(&["servicePrincipalType"]).is_empty());
    let display_name = text(&["userDisplayName", "displayName"]);
    // A history item's `id` is the item's; the account is its `userId`.
    let object_id = text(&["userId", "id"]);
    let actor = [&upn, &display_name, &object_id].into_iter().find(|s| !s.is_empty()).cloned().unwrap_or_default();
    if actor.is_empty() {
        return Err("names no user or service principal".into());
    }
    let state = text(&["riskState"]);
    let operation = format!("Risk state: {}", if state.is_empty() { "unknown" } else { state.as_str() });
    let event_types = match f.json("activity") {
        Some(Value::Object(activity)) => ["eventTypes", "riskEventTypes"]
            .iter()
            .find_map(|k| activity.iter().find(|(key, _)| key.eq_ignore_ascii_case(k)).map(|(_, v)| v))
            .map(|v| match v {
                Value::Array(items) => items.iter().map(value_text).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(", "),
                other => value_text(other),
            })
            .unwrap_or_default(),
        _ => String::new(),
    };
    let mut event = Event {
        time,
        source: Source::RiskDetection,
        operation,
        actor: actor.clone(),
        target: actor,
        outcome: Outcome::Unknown,
        app: if is_service_principal { display_name.clone() } else { String::new() },
        source_time: time_text,
        // The account's state at that moment: a riskyUser and the history
        // item of the same change are one row.
        record_id: record_id("state", &format!("{object_id}|{state}"), Some(time)),
        ..Event::default()
    };
    let kind = if is_service_principal { "service principal risk state" } else { "user risk state" };
    let attrs = [
        (attr::RISK_RECORD, kind.to_string()),
        (attr::RISK_LEVEL, text(&["riskLevel"])),
        (attr::RISK_STATE, state),
        (attr::RISK_DETAIL, text(&["riskDetail", "activity.detail"])),
        (attr::RISK_EVENT_TYPES, event_types),
        (attr::INITIATED_BY, text(&["initiatedBy"])),
        (if is_service_principal { attr::SERVICE_PRINCIPAL_ID } else { attr::USER_ID }, object_id),
        (attr::USER_DISPLAY_NAME, if is_service_principal { String::new() } else { display_name }),
        (attr::APP_ID, app_id),
        ("IsDeleted", text(&["isDeleted"])),
        ("IsProcessing", text(&["isProcessing"])),
    ];
    event.set_attrs(attrs);
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn a_history_item_and_its_risky_user_are_one_row_with_who_changed_it() {
        let user = obj(json!({"id": "u-1", "isDeleted": false, "isProcessing": false, "riskLastUpdatedDateTime": "2026-03-02T09:00:00Z",
            "riskLevel": "none", "riskState": "dismissed", "riskDetail": "adminDismissedAllRiskForUser", "userDisplayName": "Alice", "userPrincipalName": "alice@contoso.com"}));
        let item = obj(json!({"id": "h-9", "userId": "u-1", "initiatedBy": "a-7", "riskLastUpdatedDateTime": "2026-03-02T09:00:00.250Z",
            "riskLevel": "none", "riskState": "dismissed", "riskDetail": "adminDismissedAllRiskForUser", "userPrincipalName": "alice@contoso.com",
            "activity": {"eventTypes": [], "detail": "adminDismissedAllRiskForUser"}}));
        assert!(graph::detect_json(&user) > 20 && graph::detect_json(&item) > 20);
        let (a, b) = (from_json(&user, &RowCtx::default()).expect("user"), from_json(&item, &RowCtx::default()).expect("item"));
        assert_eq!((a.operation.as_str(), a.actor.as_str()), ("Risk state: dismissed", "alice@contoso.com"));
        assert_eq!(a.record_id, b.record_id);
        assert!(b.attrs.contains(&(attr::INITIATED_BY.to_string(), "a-7".to_string())));
    }

    #[test]
    fn a_risky_service_principal_is_named_by_its_display_name() {
        let sp = obj(json!({"id": "sp-1", "appId": "app-1", "displayName": "Payroll sync", "servicePrincipalType": "Application", "isEnabled": true,
            "riskLastUpdatedDateTime": "2026-03-02T09:00:00Z", "riskLevel": "high", "riskState": "atRisk", "riskDetail": "none"}));
        let e = from_json(&sp, &RowCtx::default()).expect("a service principal");
        assert_eq!((e.actor.as_str(), e.app.as_str()), ("Payroll sync", "Payroll sync"));
        assert!(e.attrs.contains(&(attr::SERVICE_PRINCIPAL_ID.to_string(), "sp-1".to_string())));
    }
}
