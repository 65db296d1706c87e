//! Google Cloud audit logs: Cloud Logging `LogEntry` objects whose
//! `protoPayload` is an `AuditLog`, as `gcloud logging read --format=json`
//! writes them (an array), one per line (`--format=json` piped through
//! `jq -c`, or a log sink to Cloud Storage), or as an `entries` page of the
//! Logging API.
//!
//! Fields as the LogEntry and AuditLog references describe them:
//! `timestamp`, `insertId`, `logName`, `severity`, `resource{type, labels}`,
//! `protoPayload{@type, serviceName, methodName, resourceName,
//! authenticationInfo{principalEmail, principalSubject,
//! serviceAccountDelegationInfo}, requestMetadata{callerIp,
//! callerSuppliedUserAgent}, status{code, message}, request, response}`.
//! A `status.code` other than 0 is a failure (google.rpc.Code).

use super::csv_input::Headers;
use super::signin::record::{self, Fields, JsonRecord};
use super::ual::normalise_ip;
use super::{layout_score, text_at as at, RowCtx, Schema, SchemaDef};
use crate::model::{attr, Event, Outcome, Source};
use serde_json::{Map, Value};

pub static SCHEMAS: &[SchemaDef] = &[SchemaDef {
    schema: Schema::GcpAuditLog,
    detect_csv,
    detect_json,
    from_csv,
    from_json,
}];

const TYPICAL: [&str; 6] = ["insertId", "logName", "severity", "resource", "receiveTimestamp", "protoPayload"];

fn detect(has: &dyn Fn(&str) -> bool) -> bool {
    has("protoPayload") && (has("timestamp") || has("receiveTimestamp")) && (has("logName") || has("insertId"))
}

/// CSV exports of Cloud Logging flatten the payload beyond use; not read.
fn detect_csv(_: &Headers) -> u32 {
    0
}

fn detect_json(obj: &Map<String, Value>) -> u32 {
    layout_score(&|n| record::has_key(obj, n), detect, &TYPICAL)
}

fn from_csv(_: &Headers, _: &csv::StringRecord, _: &RowCtx) -> Result<Event, String> {
    Err("Google Cloud audit logs are read from JSON only".into())
}


fn from_json(obj: &Map<String, Value>, ctx: &RowCtx) -> Result<Event, String> {
    let f = JsonRecord::new(obj);
    let (time_field, time_text) = match f.text(&["timestamp"]) {
        t if !t.is_empty() => ("timestamp", t),
        _ => ("receiveTimestamp", f.text(&["receiveTimestamp"])),
    };
    if time_text.is_empty() {
        return Err(format!("no time: {time_field} is empty"));
    }
    let Some(time) = ctx.parse_time(&time_text) else {
        return Err(format!("no usable time in {time_field} '{time_text}'"));
    };
    let payload = match f.json("protoPayload") {
        Some(p @ Value::Object(_)) => p,
        _ => return Err("protoPayload is missing or not an object".into()),
    };
    let p = |path: &str| at(&payload, path);
    let method = p("methodName");
    if method.is_empty() {
        return Err("has no protoPayload.methodName, so there is nothing to show for it".into());
    }
    let payload_type = p("@type");
    if !payload_type.is_empty() && !payload_type.ends_with("AuditLog") {
        ctx.note_once(format!("Some entries carry a {payload_type} payload rather than an audit log; their fields were read where they match."));
    }
    let status_code = p("status.code");
    let failed = !status_code.is_empty() && status_code != "0";
    let caller_ip = p("requestMetadata.callerIp");
    let ip = normalise_ip(&caller_ip);
    let is_address = ip.parse::<std::net::IpAddr>().is_ok();
    let service = p("serviceName");
    let principal = match p("authenticationInfo.principalEmail") {
        e if !e.is_empty() => e,
        _ => p("authenticationInfo.principalSubject"),
    };
    let resource = f.json("resource").unwrap_or(Value::Null);
    let project = match at(&resource, "labels.project_id") {
        p if !p.is_empty() => p,
        _ => project_of_log_name(&f.text(&["logName"])),
    };
    let json_of = |key: &str| match payload.get(key) {
        Some(v @ (Value::Object(_) | Value::Array(_))) => v.to_string(),
        _ => String::new(),
    };
    let mut event = Event {
        time,
        source: Source::GcpAudit,
        operation: method,
        actor: principal,
        target: p("resourceName"),
        ip: if is_address { ip } else { String::new() },
        outcome: if failed { Outcome::Failure } else { Outcome::Success },
        user_agent: p("requestMetadata.callerSuppliedUserAgent"),
        app: service.clone(),
        source_time: time_text,
        record_id: f.text(&["insertId"]),
        ..Event::default()
    };
    let attrs = [
        (attr::CLOUD_SERVICE, service),
        (attr::CLOUD_ACCOUNT, project),
        (attr::CLOUD_REGION, at(&resource, "labels.location")),
        ("ResourceType", at(&resource, "type")),
        ("LogName", f.text(&["logName"])),
        ("Severity", f.text(&["severity"])),
        ("PrincipalSubject", p("authenticationInfo.principalSubject")),
        ("DelegatedBy", p("authenticationInfo.serviceAccountDelegationInfo.0.firstPartyPrincipal.principalEmail")),
        ("ServiceAccountKey", p("authenticationInfo.serviceAccountKeyName")),
        ("CallerIp", if is_address { String::new() } else { caller_ip }),
        (attr::STATUS, status_code),
        (attr::ERROR_MESSAGE, p("status.message")),
        (attr::REQUEST, json_of("request")),
        (attr::RESPONSE, json_of("response")),
        // Bucket IAM changes carry their policy delta here.
        ("ServiceData", json_of("serviceData")),
    ];
    event.set_attrs(attrs);
    Ok(event)
}

/// `my-project` from `projects/my-project/logs/cloudaudit.googleapis.com%2Factivity`.
fn project_of_log_name(log_name: &str) -> String {
    log_name.strip_prefix("projects/").and_then(|r| r.split('/').next()).unwrap_or("").to_string()
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
    fn maps_an_audit_entry() {
        let record = obj(json!({
            "insertId": "abc123", "logName": "projects/acme-prod/logs/cloudaudit.googleapis.com%2Factivity",
            "protoPayload": {"@type": "type.googleapis.com/google.cloud.audit.AuditLog",
                "authenticationInfo": {"principalEmail": "victim@contoso.com"},
                "methodName": "google.iam.admin.v1.CreateServiceAccountKey",
                "requestMetadata": {"callerIp": "203.0.113.7", "callerSuppliedUserAgent": "google-cloud-sdk gcloud/470.0.0"},
                "resourceName": "projects/-/serviceAccounts/111", "serviceName": "iam.googleapis.com", "status": {}},
            "resource": {"type": "service_account", "labels": {"project_id": "acme-prod"}},
            "severity": "NOTICE", "timestamp": "2026-03-01T16:30:00.123456789Z"
        }));
        assert!(detect_json(&record) > 0);
        let e = from_json(&record, &RowCtx::default()).unwrap();
        assert_eq!(format_utc(e.time), "2026-03-01T16:30:00.123Z");
        assert_eq!((e.operation.as_str(), e.actor.as_str(), e.ip.as_str()), ("google.iam.admin.v1.CreateServiceAccountKey", "victim@contoso.com", "203.0.113.7"));
        assert_eq!((e.outcome, e.record_id.as_str(), e.target.as_str()), (Outcome::Success, "abc123", "projects/-/serviceAccounts/111"));
        assert_eq!(e.attr(attr::CLOUD_ACCOUNT), Some("acme-prod"));
    }

    #[test]
    fn failures_and_odd_shapes() {
        let denied = obj(json!({"insertId": "x", "timestamp": "2026-03-01T16:30:00Z",
            "protoPayload": {"methodName": "SetIamPolicy", "status": {"code": 7, "message": "PERMISSION_DENIED"}, "requestMetadata": {"callerIp": "private"}}}));
        let e = from_json(&denied, &RowCtx::default()).unwrap();
        assert_eq!((e.outcome, e.ip.as_str()), (Outcome::Failure, ""));
        assert_eq!(e.attr("CallerIp"), Some("private"));
        let no_payload = obj(json!({"insertId": "x", "timestamp": "2026-03-01T16:30:00Z", "protoPayload": "text"}));
        assert!(from_json(&no_payload, &RowCtx::default()).unwrap_err().contains("protoPayload"));
        let no_time = obj(json!({"insertId": "x", "protoPayload": {"methodName": "m"}}));
        assert!(from_json(&no_time, &RowCtx::default()).unwrap_err().contains("no time"));
    }
}
