//! Risk detections: Graph `riskDetection` / `servicePrincipalRiskDetection`,
//! Log Analytics `AADUserRiskEvents` / `AADServicePrincipalRiskEvents`, and
//! `Get-RiskyDetections` output. One reader: the three share Graph's names.
//!
//! The event's time is when the risky activity happened
//! (`activityDateTime`), not when Entra noticed it (`detectedDateTime`, kept
//! as an attribute; offline detections come hours later). The actor is the
//! account at risk, the operation the risk event type (`unfamiliarFeatures`,
//! `anonymizedIPAddress`, `leakedCredentials` …).

use super::super::csv_input::Headers;
use super::super::signin::record::{CsvRecord, Fields, JsonRecord};
use super::super::ual::normalise_ip;
use super::super::{layout_score, RowCtx};
use super::{clean, parse_time, record_id};
use crate::model::{attr, Event, Outcome, Source};
use serde_json::{Map, Value};

/// What every layout of a detection has, whatever else it carries.
fn is_detection(has: &dyn Fn(&str) -> bool) -> bool {
    (has("riskEventType") || has("riskType"))
        && (has("activityDateTime") || has("detectedDateTime"))
        && (has("riskLevel") || has("riskState") || has("detectionTimingType"))
}

/// Graph objects, and `Get-RiskyDetections` CSV (Graph's names, with the
/// location in columns of its own).
pub(super) mod graph {
    use super::*;

    const TYPICAL: [&str; 16] = [
        "id",
        "requestId",
        "correlationId",
        "riskDetail",
        "source",
        "activity",
        "tokenIssuerType",
        "ipAddress",
        "location",
        "userPrincipalName",
        "servicePrincipalId",
        "lastUpdatedDateTime",
        "additionalInfo",
        "City",
        "CountryOrRegion",
        "AdditionalProperties",
    ];

    fn detect(has: &dyn Fn(&str) -> bool) -> bool {
        is_detection(has) && !has("TimeGenerated")
    }

    pub(in super::super) fn detect_csv(h: &Headers) -> u32 {
        layout_score(&|n| h.has(n), detect, &TYPICAL)
    }

    pub(in super::super) fn detect_json(obj: &Map<String, Value>) -> u32 {
        layout_score(&|n| super::super::super::signin::record::has_key(obj, n), detect, &TYPICAL)
    }
}

/// Log Analytics rows: Graph's names in PascalCase plus the workspace's
/// own columns; `Location` and `AdditionalInfo` are JSON text in CSV.
pub(super) mod log_analytics {
    use super::*;

    const TYPICAL: [&str; 8] = ["OperationName", "SourceSystem", "TenantId", "Type", "Location", "RequestId", "UserPrincipalName", "ServicePrincipalId"];

    fn detect(has: &dyn Fn(&str) -> bool) -> bool {
        is_detection(has) && has("TimeGenerated")
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

/// The `properties` of a `UserRiskEvents` or `ServicePrincipalRiskEvents`
/// diagnostic-settings record.
pub(in super::super) fn from_graph_object(obj: &Map<String, Value>, ctx: &RowCtx) -> Result<Event, String> {
    read(&JsonRecord::new(obj), ctx)
}

fn read(f: &dyn Fields, ctx: &RowCtx) -> Result<Event, String> {
    let text = |names: &[&str]| clean(f.text(names));
    let (time_field, time_text) = match text(&["activityDateTime"]) {
        t if !t.is_empty() => ("activityDateTime", t),
        _ => ("detectedDateTime", text(&["detectedDateTime"])),
    };
    let time = parse_time(time_field, &time_text, ctx)?;
    let upn = text(&["userPrincipalName"]);
    let service_principal = text(&["servicePrincipalDisplayName"]);
    let service_principal_id = text(&["servicePrincipalId"]);
    let user_id = text(&["userId"]);
    let actor = [&upn, &service_principal, &service_principal_id, &user_id].into_iter().find(|s| !s.is_empty()).cloned().unwrap_or_default();
    if actor.is_empty() {
        return Err("names no user or service principal at risk".into());
    }
    let operation = match text(&["riskEventType", "riskType"]) {
        t if !t.is_empty() => t,
        _ => "risk detection".to_string(),
    };
    let coordinate = |axis: &str| text(&[&format!("location.geoCoordinates.{axis}")]).parse::<f64>().ok().filter(|v| v.is_finite());
    let updated_text = text(&["lastUpdatedDateTime"]);
    let updated = super::super::ual::parse_any_time(&updated_text, ctx);
    let mut event = Event {
        time,
        source: Source::RiskDetection,
        operation,
        actor,
        ip: normalise_ip(&text(&["ipAddress"])),
        country: text(&["location.countryOrRegion", "CountryOrRegion"]),
        city: text(&["location.city", "City"]),
        geo: coordinate("latitude").zip(coordinate("longitude")),
        outcome: Outcome::Unknown,
        app: service_principal,
        source_time: time_text,
        record_id: record_id("detection", &text(&["id"]), updated),
        ..Event::default()
    };
    let attrs = [
        (attr::RISK_RECORD, if service_principal_id.is_empty() { "detection" } else { "service principal detection" }.to_string()),
        (attr::RISK_LEVEL, text(&["riskLevel"])),
        (attr::RISK_STATE, text(&["riskState"])),
        (attr::RISK_DETAIL, text(&["riskDetail"])),
        (attr::DETECTION_TIMING, text(&["detectionTimingType"])),
        (attr::RISK_SOURCE, text(&["source"])),
        (attr::RISK_ACTIVITY, text(&["activity"])),
        (attr::SIGNIN_ID, text(&["requestId"])),
        (attr::CORRELATION_ID, text(&["correlationId"])),
        (attr::USER_ID, user_id),
        (attr::USER_DISPLAY_NAME, text(&["userDisplayName"])),
        (attr::SERVICE_PRINCIPAL_ID, service_principal_id),
        (attr::APP_ID, text(&["appId"])),
        (attr::KEY_IDS, f.json("keyIds").map(|v| list_text(&v)).unwrap_or_default()),
        (attr::TOKEN_ISSUER_TYPE, text(&["tokenIssuerType"])),
        (attr::STATE_PROVINCE, text(&["location.state", "State"])),
        (attr::DETECTED_AT, text(&["detectedDateTime"])),
        (attr::LAST_UPDATED, updated_text),
        (attr::ADDITIONAL_INFO, f.json("additionalInfo").map(|v| info_text(&v)).unwrap_or_default()),
    ];
    event.set_attrs(attrs);
    Ok(event)
}

/// `additionalInfo` is JSON text in Graph (`[{"Key":"userAgent","Value":…}]`)
/// and a JSON value in Log Analytics; kept as compact JSON either way.
fn info_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.trim().to_string(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A list as `a, b`; text stays as it is.
fn list_text(value: &Value) -> String {
    match value {
        Value::Array(items) => items.iter().map(super::super::value_text).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(", "),
        other => super::super::value_text(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::format_utc;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn a_graph_detection_becomes_an_event() {
        let d = obj(json!({"id": "6b5e", "requestId": "req-1", "correlationId": "cor-1", "riskEventType": "unfamiliarFeatures", "riskState": "atRisk",
            "riskLevel": "high", "riskDetail": "none", "source": "IdentityProtection", "detectionTimingType": "realtime", "activity": "signin",
            "ipAddress": "203.0.113.7", "location": {"city": "Lagos", "state": "Lagos", "countryOrRegion": "NG", "geoCoordinates": {"latitude": 6.45, "longitude": 3.39}},
            "activityDateTime": "2026-03-01T08:00:00Z", "detectedDateTime": "2026-03-01T08:00:05Z", "lastUpdatedDateTime": "2026-03-01T08:10:00Z",
            "userId": "u-1", "userDisplayName": "Alice", "userPrincipalName": "alice@contoso.com", "additionalInfo": "[{\"Key\":\"userAgent\",\"Value\":\"curl\"}]"}));
        assert!(graph::detect_json(&d) > 30);
        assert_eq!(log_analytics::detect_json(&d), 0);
        let e = from_json(&d, &RowCtx::default()).expect("a detection");
        assert_eq!(format_utc(e.time), "2026-03-01T08:00:00.000Z");
        assert_eq!((e.operation.as_str(), e.actor.as_str(), e.ip.as_str(), e.country.as_str(), e.city.as_str()), ("unfamiliarFeatures", "alice@contoso.com", "203.0.113.7", "NG", "Lagos"));
        assert_eq!(e.geo, Some((6.45, 3.39)));
        assert_eq!(e.outcome, Outcome::Unknown);
        assert!(e.record_id.starts_with("detection|6b5e|"));
        let get = |k: &str| e.attrs.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str()).unwrap_or("");
        assert_eq!((get(attr::RISK_LEVEL), get(attr::RISK_STATE), get(attr::SIGNIN_ID)), ("high", "atRisk", "req-1"));
        assert!(get(attr::ADDITIONAL_INFO).contains("userAgent"));
    }

    #[test]
    fn without_a_time_or_an_account_a_detection_is_refused() {
        let no_time = obj(json!({"riskEventType": "x", "riskLevel": "low", "activityDateTime": "", "userPrincipalName": "a@contoso.com"}));
        assert!(from_json(&no_time, &RowCtx::default()).expect_err("no time").contains("detectedDateTime"));
        let nobody = obj(json!({"riskEventType": "x", "riskLevel": "low", "activityDateTime": "2026-03-01T08:00:00Z"}));
        assert!(from_json(&nobody, &RowCtx::default()).expect_err("nobody").contains("no user"));
    }
}
