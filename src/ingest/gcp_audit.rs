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
//!
//! The Logs Explorer's "Download" as CSV writes the same entries with one
//! column per leaf, named by its dotted path (`protoPayload.methodName`,
//! `resource.labels.project_id`); a BigQuery log sink names the payload
//! `protopayload_auditlog`. Those rows are folded back into the nested
//! entry and read like the JSON.

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

/// The payload's own key in a flattened header: Logging's `protoPayload`,
/// or BigQuery's `protopayload_auditlog`.
const PAYLOAD_PREFIXES: [&str; 2] = ["protoPayload", "protopayload_auditlog"];

fn detect_csv(h: &Headers) -> u32 {
    fn required(has: &dyn Fn(&str) -> bool) -> bool {
        PAYLOAD_PREFIXES.iter().any(|p| has(&format!("{p}.methodName")))
            && (has("timestamp") || has("receiveTimestamp"))
            && (has("logName") || has("insertId"))
    }
    const TYPICAL_COLUMNS: [&str; 5] = ["insertId", "logName", "severity", "resource.type", "receiveTimestamp"];
    layout_score(&|n| h.has(n), required, &TYPICAL_COLUMNS)
}

fn detect_json(obj: &Map<String, Value>) -> u32 {
    layout_score(&|n| record::has_key(obj, n), detect, &TYPICAL)
}

fn from_csv(headers: &Headers, row: &csv::StringRecord, ctx: &RowCtx) -> Result<Event, String> {
    from_json(&unflatten(headers, row), ctx)
}

/// The nested entry a flattened row came from. Empty cells are left out
/// (the download writes every column for every row); a cell holding JSON
/// (`protoPayload.request` when the download keeps a map whole) is parsed.
fn unflatten(headers: &Headers, row: &csv::StringRecord) -> Map<String, Value> {
    let mut entry = Map::new();
    for (name, cell) in headers.names.iter().zip(row.iter()) {
        let cell = cell.trim();
        if cell.is_empty() {
            continue;
        }
        let value = match cell.as_bytes()[0] {
            b'{' | b'[' => serde_json::from_str(cell).unwrap_or_else(|_| Value::String(cell.to_string())),
            _ => Value::String(cell.to_string()),
        };
        // `bindings[0].role` and `bindings.0.role` name the same leaf.
        let mut path: Vec<&str> = name.split(['.', '[', ']']).filter(|p| !p.is_empty()).collect();
        if path.first().is_some_and(|first| first.eq_ignore_ascii_case(PAYLOAD_PREFIXES[1])) {
            path[0] = PAYLOAD_PREFIXES[0];
        }
        insert_at(&mut entry, &path, value);
    }
    entry
}

/// Put `value` at `path`, making the objects on the way. A leaf already
/// there (a column `a` beside `a.b`) keeps its place; the deeper one is dropped.
fn insert_at(map: &mut Map<String, Value>, path: &[&str], value: Value) {
    let Some((last, parents)) = path.split_last() else { return };
    let mut current = map;
    for part in parents {
        let next = current.entry(part.to_string()).or_insert_with(|| Value::Object(Map::new()));
        match next {
            Value::Object(inner) => current = inner,
            _ => return,
        }
    }
    current.entry(last.to_string()).or_insert(value);
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
