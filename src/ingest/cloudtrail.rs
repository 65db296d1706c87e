//! AWS CloudTrail, in the layouts responders get:
//!
//! - The trail's S3 delivery files: `{"Records": [event, …]}`, usually
//!   gzip-compressed (the pipeline unpacks gzip before reading); the event
//!   history's JSON download has the same shape; events one per line
//!   (CloudWatch Logs, Athena or `jq -c` output) read the same way.
//! - `aws cloudtrail lookup-events` output: `{"Events": [{EventId,
//!   EventName, EventTime, EventSource, Username, Resources,
//!   CloudTrailEvent}]}` where `CloudTrailEvent` holds the whole event as
//!   JSON text.
//! - The console event history's CSV download (`Event name`, `Event time`,
//!   `User name`, `Event source`, `Resource type`, `Resource name`, `AWS
//!   access key`, `AWS region`, `Error code`, `Source IP address`, …), with
//!   the whole event in a `CloudTrail event` column when the download has it.
//!
//! Fields of an event as the CloudTrail record reference describes them:
//! `eventTime`, `eventSource`, `eventName`, `awsRegion`, `sourceIPAddress`,
//! `userAgent`, `userIdentity{type, principalId, arn, accountId,
//! accessKeyId, userName, sessionContext{sessionIssuer, webIdFederationData,
//! attributes}, invokedBy}`, `errorCode`, `errorMessage`,
//! `requestParameters`, `responseElements`, `eventID`, `recipientAccountId`.

use super::csv_input::Headers;
use super::signin::record::{self, CsvRecord, Fields, JsonRecord};
use super::ual::normalise_ip;
use super::{layout_score, text_at as at, RowCtx, Schema, SchemaDef};
use crate::model::{attr, Event, Outcome, Source};
use serde_json::{Map, Value};

pub static SCHEMAS: &[SchemaDef] = &[
    SchemaDef {
        schema: Schema::CloudTrailRecords,
        detect_csv: records::detect_csv,
        detect_json: records::detect_json,
        from_csv: records::from_csv,
        from_json: records::from_json,
    },
    SchemaDef {
        schema: Schema::CloudTrailLookupEvents,
        detect_csv: lookup::detect_csv,
        detect_json: lookup::detect_json,
        from_csv: lookup::from_csv,
        from_json: lookup::from_json,
    },
    SchemaDef {
        schema: Schema::SentinelAwsCloudTrail,
        detect_csv: sentinel::detect_csv,
        detect_json: sentinel::detect_json,
        from_csv: sentinel::from_csv,
        from_json: sentinel::from_json,
    },
];

/// `requestParameters` keys that name what a call acted on, most telling first.
const TARGET_PARAMETERS: [&str; 18] = [
    "bucketName",
    "userName",
    "roleName",
    "groupName",
    "policyArn",
    "secretId",
    "keyId",
    "name",
    "trailName",
    "instanceId",
    "instancesSet.items.0.instanceId",
    "serviceAccountId",
    "functionName",
    "dBInstanceIdentifier",
    "snapshotId",
    "imageId",
    "groupId",
    "detectorId",
];

/// The session name at the end of an assumed-role ARN
/// (`arn:aws:sts::123456789012:assumed-role/Admins/alice@contoso.com`).
pub fn session_name_of_arn(arn: &str) -> Option<&str> {
    let rest = arn.split_once(":assumed-role/")?.1;
    rest.split_once('/').map(|(_, session)| session).filter(|s| !s.is_empty())
}


/// Map one CloudTrail event (as a JSON object) to an `Event`.
pub fn map_event(obj: &Map<String, Value>, ctx: &RowCtx) -> Result<Event, String> {
    let f = JsonRecord::new(obj);
    // Forwarded through Logstash or Beats, an event may have lost
    // `eventTime` to `@timestamp` (the shipper's copy of the same instant).
    let (time_field, time_text) = match f.text(&["eventTime"]) {
        t if !t.is_empty() => ("eventTime", t),
        _ => ("@timestamp", f.text(&["@timestamp"])),
    };
    if time_text.is_empty() {
        return Err("no time: eventTime is empty".into());
    }
    let Some(time) = ctx.parse_time(&time_text) else {
        return Err(format!("no usable time in {time_field} '{time_text}'"));
    };
    if time_field == "@timestamp" {
        ctx.note_once("Events without eventTime (forwarded by Logstash or Beats) are timed by @timestamp, the shipper's copy of the event's time; check one against the original trail if the order matters to the minute.");
    }
    let name = f.text(&["eventName"]);
    if name.is_empty() {
        return Err("has no eventName, so there is nothing to show for it".into());
    }
    let identity = f.json("userIdentity").unwrap_or(Value::Null);
    let id = |path: &str| at(&identity, path);
    let arn = id("arn");
    let principal_id = id("principalId");
    let user_name = id("userName");
    let identity_type = id("type");
    // Who is behind the call: for a role assumed through a federated
    // identity provider (Entra ID over SAML or OIDC) the session name,
    // usually the UPN; for a SAML or web identity user their name.
    let federated = session_name_of_arn(&arn)
        .map(str::to_string)
        .or_else(|| principal_id.rsplit_once(':').map(|(_, s)| s.to_string()).filter(|s| !s.is_empty()))
        .or_else(|| matches!(identity_type.as_str(), "SAMLUser" | "WebIdentityUser").then(|| user_name.clone()))
        .unwrap_or_default();
    let actor = [&arn, &user_name, &principal_id].into_iter().find(|s| !s.is_empty()).cloned().unwrap_or_else(|| id("invokedBy"));
    let request = f.json("requestParameters").unwrap_or(Value::Null);
    let response = f.json("responseElements").unwrap_or(Value::Null);
    let mut target = TARGET_PARAMETERS.iter().map(|p| at(&request, p)).find(|v| !v.is_empty()).unwrap_or_default();
    if target.is_empty() {
        target = match f.json("resources") {
            Some(Value::Array(items)) => items.iter().map(|r| at(r, "ARN")).find(|v| !v.is_empty()).unwrap_or_default(),
            _ => String::new(),
        };
    }
    let error_code = f.text(&["errorCode"]);
    // A console sign-in reports its result in `responseElements.ConsoleLogin`.
    let console_result = at(&response, "ConsoleLogin");
    let outcome = if !error_code.is_empty() || console_result.eq_ignore_ascii_case("Failure") { Outcome::Failure } else { Outcome::Success };
    let source_ip = f.text(&["sourceIPAddress"]);
    let ip = normalise_ip(&source_ip);
    let is_address = ip.parse::<std::net::IpAddr>().is_ok();
    let event_source = f.text(&["eventSource"]);
    let mut event = Event {
        time,
        source: Source::CloudTrail,
        operation: name,
        actor,
        target,
        ip: if is_address { ip } else { String::new() },
        outcome,
        user_agent: f.text(&["userAgent"]),
        app: event_source.clone(),
        source_time: time_text,
        record_id: f.text(&["eventID"]),
        ..Event::default()
    };
    let json_text = |v: &Value| match v {
        Value::Null => String::new(),
        Value::Object(m) if m.is_empty() => String::new(),
        other => other.to_string(),
    };
    let attrs = [
        (attr::CLOUD_SERVICE, event_source),
        (attr::CLOUD_REGION, f.text(&["awsRegion"])),
        (attr::CLOUD_ACCOUNT, [f.text(&["recipientAccountId"]), id("accountId")].into_iter().find(|s| !s.is_empty()).unwrap_or_default()),
        (attr::IDENTITY_TYPE, identity_type),
        (attr::USER_ID, principal_id),
        (attr::FEDERATED_NAME, federated),
        (attr::SESSION_ISSUER, id("sessionContext.sessionIssuer.arn")),
        ("WebIdentityProvider", id("sessionContext.webIdFederationData.federatedProvider")),
        (attr::MFA_AUTHENTICATED, [id("sessionContext.attributes.mfaAuthenticated"), at(&f.json("additionalEventData").unwrap_or(Value::Null), "MFAUsed")].into_iter().find(|s| !s.is_empty()).unwrap_or_default()),
        (attr::ACCESS_KEY_ID, id("accessKeyId")),
        ("SourceIPAddress", if is_address { String::new() } else { source_ip }),
        (attr::ERROR_CODE, error_code),
        (attr::ERROR_MESSAGE, f.text(&["errorMessage"])),
        (attr::REQUEST, json_text(&request)),
        (attr::RESPONSE, json_text(&response)),
        ("ReadOnly", f.text(&["readOnly"])),
        ("EventType", f.text(&["eventType"])),
        ("InvokedBy", id("invokedBy")),
    ];
    event.set_attrs(attrs);
    Ok(event)
}

/// Full CloudTrail events: S3 delivery, event history JSON, one per line.
mod records {
    use super::*;

    const TYPICAL: [&str; 10] = ["eventVersion", "userIdentity", "eventSource", "awsRegion", "sourceIPAddress", "userAgent", "requestParameters", "responseElements", "eventID", "recipientAccountId"];

    fn detect(has: &dyn Fn(&str) -> bool) -> bool {
        (has("eventTime") || has("@timestamp")) && has("eventName") && (has("eventSource") || has("userIdentity"))
    }

    pub(super) fn detect_csv(h: &Headers) -> u32 {
        // Athena or a script may write events flat, but their nested fields
        // would be JSON text: readable through the same mapper.
        if h.has("CloudTrailEvent") {
            return 0;
        }
        layout_score(&|n| h.has(n), detect, &TYPICAL)
    }

    pub(super) fn detect_json(obj: &Map<String, Value>) -> u32 {
        layout_score(&|n| record::has_key(obj, n), detect, &TYPICAL)
    }

    pub(super) fn from_json(obj: &Map<String, Value>, ctx: &RowCtx) -> Result<Event, String> {
        map_event(obj, ctx)
    }

    pub(super) fn from_csv(headers: &Headers, row: &csv::StringRecord, ctx: &RowCtx) -> Result<Event, String> {
        let obj: Map<String, Value> = headers
            .names
            .iter()
            .zip(row.iter())
            .map(|(h, v)| {
                let v = v.trim();
                let value = super::super::nested_json(&Value::String(v.to_string())).unwrap_or_else(|| Value::String(v.to_string()));
                (h.clone(), value)
            })
            .collect();
        map_event(&obj, ctx)
    }
}

/// Log Analytics / Sentinel `AWSCloudTrail` rows (CSV or JSON): the event's
/// fields flattened into columns (`UserIdentityArn`, `SessionIssuerUserName`
/// …), nested ones as JSON text. Each row is put back into CloudTrail's own
/// shape and read by `map_event`, so it gives the event the trail would.
mod sentinel {
    use super::*;

    const TYPICAL: [&str; 10] = ["AwsEventId", "AWSRegion", "SourceIpAddress", "UserIdentityType", "UserIdentityArn", "UserIdentityAccountId", "EventTypeName", "RecipientAccountId", "SessionIssuerUserName", "RequestParameters"];

    fn detect(has: &dyn Fn(&str) -> bool) -> bool {
        has("TimeGenerated") && has("EventName") && has("EventSource") && (has("AwsEventId") || has("UserIdentityType") || has("AWSRegion"))
    }

    pub(super) fn detect_csv(h: &Headers) -> u32 {
        layout_score(&|n| h.has(n), detect, &TYPICAL)
    }

    pub(super) fn detect_json(obj: &Map<String, Value>) -> u32 {
        layout_score(&|n| record::has_key(obj, n), detect, &TYPICAL)
    }

    pub(super) fn from_json(obj: &Map<String, Value>, ctx: &RowCtx) -> Result<Event, String> {
        map_event(&as_cloudtrail(&JsonRecord::new(obj)), ctx)
    }

    pub(super) fn from_csv(headers: &Headers, row: &csv::StringRecord, ctx: &RowCtx) -> Result<Event, String> {
        map_event(&as_cloudtrail(&CsvRecord::new(headers, row)), ctx)
    }

    /// The row as a CloudTrail event object (empty columns left out).
    fn as_cloudtrail(f: &dyn Fields) -> Map<String, Value> {
        let mut event = Map::new();
        let put = |map: &mut Map<String, Value>, key: &str, value: String| {
            if !value.is_empty() {
                map.insert(key.to_string(), Value::String(value));
            }
        };
        // Log Analytics keeps no eventTime: TimeGenerated is the event's time.
        put(&mut event, "eventTime", f.text(&["TimeGenerated"]));
        for (column, key) in [
            ("EventName", "eventName"),
            ("EventSource", "eventSource"),
            ("AWSRegion", "awsRegion"),
            ("SourceIpAddress", "sourceIPAddress"),
            ("UserAgent", "userAgent"),
            ("ErrorCode", "errorCode"),
            ("ErrorMessage", "errorMessage"),
            ("AwsEventId", "eventID"),
            ("EventTypeName", "eventType"),
            ("RecipientAccountId", "recipientAccountId"),
            ("EventVersion", "eventVersion"),
        ] {
            put(&mut event, key, f.text(&[column]));
        }
        for (column, key) in [("RequestParameters", "requestParameters"), ("ResponseElements", "responseElements"), ("AdditionalEventData", "additionalEventData"), ("Resources", "resources")] {
            if let Some(value) = f.json(column).filter(|v| !v.is_null() && v.as_str() != Some("")) {
                event.insert(key.to_string(), value);
            }
        }
        let mut identity = Map::new();
        for (column, key) in [
            ("UserIdentityType", "type"),
            ("UserIdentityArn", "arn"),
            ("UserIdentityUserName", "userName"),
            ("UserIdentityAccountId", "accountId"),
            ("UserIdentityPrincipalid", "principalId"),
            ("UserIdentityAccessKeyId", "accessKeyId"),
            ("UserIdentityInvokedBy", "invokedBy"),
        ] {
            put(&mut identity, key, f.text(&[column]));
        }
        let mut issuer = Map::new();
        for (column, key) in [("SessionIssuerType", "type"), ("SessionIssuerUserName", "userName"), ("SessionIssuerArn", "arn"), ("SessionIssuerAccountId", "accountId"), ("SessionIssuerPrincipalId", "principalId")] {
            put(&mut issuer, key, f.text(&[column]));
        }
        let mut attributes = Map::new();
        put(&mut attributes, "mfaAuthenticated", f.text(&["SessionMfaAuthenticated"]));
        put(&mut attributes, "creationDate", f.text(&["SessionCreationDate"]));
        let mut session = Map::new();
        if !issuer.is_empty() {
            session.insert("sessionIssuer".into(), Value::Object(issuer));
        }
        if !attributes.is_empty() {
            session.insert("attributes".into(), Value::Object(attributes));
        }
        if !session.is_empty() {
            identity.insert("sessionContext".into(), Value::Object(session));
        }
        if !identity.is_empty() {
            event.insert("userIdentity".into(), Value::Object(identity));
        }
        event
    }
}

/// `lookup-events` objects and the console's event history CSV.
mod lookup {
    use super::*;

    const TYPICAL: [&str; 8] = ["EventId", "EventSource", "Username", "Resources", "CloudTrailEvent", "AccessKeyId", "ReadOnly", "Event ID"];

    fn detect(has: &dyn Fn(&str) -> bool) -> bool {
        has("EventName") && has("EventTime") && (has("CloudTrailEvent") || has("Username") || has("User name") || has("EventSource"))
    }

    pub(super) fn detect_csv(h: &Headers) -> u32 {
        let typical = ["Event source", "Resource type", "Resource name", "AWS access key", "AWS region", "Error code", "Source IP address", "Event ID"];
        layout_score(&|n| h.has(n), detect, &typical)
    }

    pub(super) fn detect_json(obj: &Map<String, Value>) -> u32 {
        // Full events have `eventTime` too; `CloudTrailEvent` or `Username` tell lookup output apart.
        if record::has_key(obj, "userIdentity") {
            return 0;
        }
        layout_score(&|n| record::has_key(obj, n), detect, &TYPICAL)
    }

    pub(super) fn from_json(obj: &Map<String, Value>, ctx: &RowCtx) -> Result<Event, String> {
        read(&JsonRecord::new(obj), ctx)
    }

    pub(super) fn from_csv(headers: &Headers, row: &csv::StringRecord, ctx: &RowCtx) -> Result<Event, String> {
        read(&CsvRecord::new(headers, row), ctx)
    }

    /// The embedded full event when there is one; the summary fields fill
    /// what it lacks (or everything, when the download has no full event).
    fn read(f: &dyn Fields, ctx: &RowCtx) -> Result<Event, String> {
        let full = match f.json("CloudTrailEvent") {
            Some(Value::Object(map)) => Some(map),
            Some(Value::String(s)) if !s.trim().is_empty() => {
                ctx.warn("CloudTrailEvent is not valid JSON; kept the summary fields only");
                None
            }
            _ => None,
        };
        if let Some(full) = full {
            let mut event = map_event(&full, ctx)?;
            if event.record_id.is_empty() {
                event.record_id = f.text(&["EventId", "Event ID"]);
            }
            return Ok(event);
        }
        let time_text = f.text(&["EventTime", "Event time"]);
        let time = match f.json("EventTime") {
            // The SDKs write epoch seconds.
            Some(Value::Number(n)) => n.as_f64().map(|s| (s * 1000.0) as i64),
            _ => ctx.parse_time(&time_text),
        };
        if time_text.is_empty() {
            return Err("no time: EventTime is empty".into());
        }
        let Some(time) = time else { return Err(format!("no usable time in EventTime '{time_text}'")) };
        let name = f.text(&["EventName", "Event name"]);
        if name.is_empty() {
            return Err("has no event name, so there is nothing to show for it".into());
        }
        let user = f.text(&["Username", "User name"]);
        let error_code = f.text(&["Error code", "ErrorCode"]);
        let target = match f.text(&["Resource name"]) {
            t if !t.is_empty() => t,
            _ => match f.json("Resources") {
                Some(Value::Array(items)) => items.iter().map(|r| at(r, "ResourceName")).find(|v| !v.is_empty()).unwrap_or_default(),
                _ => String::new(),
            },
        };
        let event_source = f.text(&["EventSource", "Event source"]);
        let ip = normalise_ip(&f.text(&["Source IP address", "SourceIPAddress"]));
        let mut event = Event {
            time,
            source: Source::CloudTrail,
            operation: name,
            // The summary's user name is the session name for an assumed role.
            actor: user.clone(),
            target,
            ip: if ip.parse::<std::net::IpAddr>().is_ok() { ip } else { String::new() },
            outcome: if error_code.is_empty() { Outcome::Success } else { Outcome::Failure },
            app: event_source.clone(),
            source_time: time_text,
            record_id: f.text(&["EventId", "Event ID"]),
            ..Event::default()
        };
        let attrs = [
            (attr::CLOUD_SERVICE, event_source),
            (attr::CLOUD_REGION, f.text(&["AWS region"])),
            (attr::FEDERATED_NAME, user),
            (attr::ACCESS_KEY_ID, f.text(&["AccessKeyId", "AWS access key"])),
            (attr::ERROR_CODE, error_code),
            ("ReadOnly", f.text(&["ReadOnly", "Read-only"])),
            ("ResourceType", f.text(&["Resource type"])),
        ];
        event.set_attrs(attrs);
        Ok(event)
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
    fn federated_role_session_keeps_the_upn() {
        let record = obj(json!({
            "eventVersion": "1.09", "eventTime": "2026-03-01T16:20:00Z", "eventSource": "iam.amazonaws.com", "eventName": "CreateAccessKey",
            "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.7", "userAgent": "aws-cli/2.15.0",
            "userIdentity": {"type": "AssumedRole", "principalId": "AROAEXAMPLE:victim@contoso.com",
                "arn": "arn:aws:sts::111122223333:assumed-role/EntraAdmins/victim@contoso.com", "accountId": "111122223333",
                "sessionContext": {"sessionIssuer": {"type": "Role", "arn": "arn:aws:iam::111122223333:role/EntraAdmins"}, "attributes": {"mfaAuthenticated": "false"}}},
            "requestParameters": {"userName": "backup-svc"}, "responseElements": {"accessKey": {"accessKeyId": "AKIAEXAMPLE", "status": "Active"}},
            "eventID": "ev-1", "recipientAccountId": "111122223333"
        }));
        assert!(records::detect_json(&record) > 0);
        assert_eq!(lookup::detect_json(&record), 0);
        let e = map_event(&record, &RowCtx::default()).unwrap();
        assert_eq!(format_utc(e.time), "2026-03-01T16:20:00.000Z");
        assert_eq!(e.actor, "arn:aws:sts::111122223333:assumed-role/EntraAdmins/victim@contoso.com");
        assert_eq!((e.target.as_str(), e.ip.as_str(), e.outcome, e.record_id.as_str()), ("backup-svc", "203.0.113.7", Outcome::Success, "ev-1"));
        assert_eq!(e.attr(attr::FEDERATED_NAME), Some("victim@contoso.com"));
        assert_eq!(e.attr(attr::SESSION_ISSUER), Some("arn:aws:iam::111122223333:role/EntraAdmins"));
        assert_eq!(e.attr(attr::CLOUD_ACCOUNT), Some("111122223333"));
        assert!(e.attr(attr::RESPONSE).is_some_and(|r| r.contains("AKIAEXAMPLE")));
    }

    #[test]
    fn errors_and_service_callers() {
        let record = obj(json!({"eventTime": "2026-03-01T16:20:00Z", "eventSource": "s3.amazonaws.com", "eventName": "PutBucketPolicy",
            "sourceIPAddress": "cloudformation.amazonaws.com", "userIdentity": {"type": "AWSService", "invokedBy": "cloudformation.amazonaws.com"},
            "errorCode": "AccessDenied", "errorMessage": "Access Denied", "requestParameters": {"bucketName": "finance-exports"}}));
        let e = map_event(&record, &RowCtx::default()).unwrap();
        assert_eq!((e.actor.as_str(), e.ip.as_str(), e.outcome), ("cloudformation.amazonaws.com", "", Outcome::Failure));
        assert_eq!(e.attr("SourceIPAddress"), Some("cloudformation.amazonaws.com"));
        assert_eq!(e.target, "finance-exports");
    }

    #[test]
    fn console_login_failure_is_in_the_response() {
        let record = obj(json!({"eventTime": "2026-03-01T16:20:00Z", "eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin",
            "userIdentity": {"type": "IAMUser", "userName": "ops", "arn": "arn:aws:iam::1:user/ops"}, "responseElements": {"ConsoleLogin": "Failure"}}));
        assert_eq!(map_event(&record, &RowCtx::default()).unwrap().outcome, Outcome::Failure);
    }

    #[test]
    fn lookup_events_read_the_embedded_event() {
        let inner = json!({"eventTime": "2026-03-01T16:20:00Z", "eventSource": "sts.amazonaws.com", "eventName": "GetCallerIdentity",
            "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::1:user/ops", "userName": "ops"}, "sourceIPAddress": "198.51.100.2"});
        let record = obj(json!({"EventId": "ev-9", "EventName": "GetCallerIdentity", "EventTime": 1772382000.0, "Username": "ops", "CloudTrailEvent": inner.to_string()}));
        assert!(lookup::detect_json(&record) > 0);
        let e = lookup::from_json(&record, &RowCtx::default()).unwrap();
        assert_eq!((e.actor.as_str(), e.ip.as_str(), e.record_id.as_str()), ("arn:aws:iam::1:user/ops", "198.51.100.2", "ev-9"));
        let summary = obj(json!({"EventId": "ev-8", "EventName": "ConsoleLogin", "EventTime": 1772382000.0, "Username": "ops", "CloudTrailEvent": "{broken"}));
        let e = lookup::from_json(&summary, &RowCtx::default()).unwrap();
        assert_eq!((format_utc(e.time).as_str(), e.actor.as_str()), ("2026-03-01T16:20:00.000Z", "ops"));
        let bad = obj(json!({"EventId": "ev-7", "EventName": "x", "EventTime": "soon", "Username": "ops"}));
        assert!(lookup::from_json(&bad, &RowCtx::default()).unwrap_err().contains("no usable time"));
    }

    #[test]
    fn session_names() {
        assert_eq!(session_name_of_arn("arn:aws:sts::1:assumed-role/R/alice@contoso.com"), Some("alice@contoso.com"));
        assert_eq!(session_name_of_arn("arn:aws:iam::1:user/ops"), None);
        assert_eq!(session_name_of_arn("arn:aws:sts::1:assumed-role/R"), None);
    }
}
