//! Microsoft Graph activity logs: one record per request a token made to
//! Microsoft Graph, naming the caller (a user's or a service principal's
//! object id), the app, the address, the method and URI and the HTTP status.
//! They show what a stolen token read, which the sign-in log cannot.
//!
//! Two layouts, with the same fields in different case:
//!
//! - the diagnostic-settings record (category `MicrosoftGraphActivityLogs`,
//!   in a storage archive or an Event Hubs capture), whose camelCase
//!   `properties` (`requestUri`, `responseStatusCode`, `userId` …) are read
//!   here after `entra_diagnostic` routed the record by its category;
//! - the Log Analytics / Sentinel table `MicrosoftGraphActivityLogs`,
//!   exported as CSV or JSON, in PascalCase columns (`TimeGenerated`,
//!   `IPAddress`, `RequestUri` …). Its `TenantId` is the workspace, not
//!   the Entra tenant, which is `AadTenantId`.
//!
//! The logs carry no UPN, so the actor is the object id as written; the
//! detectors match it to a suspect through the `UserId` the sign-in log
//! gives the same account. The operation is the method and the request's
//! resource path (`request_path`), the target the whole URI.

mod request_path;

use super::csv_input::Headers;
use super::signin::record::{self, CsvRecord, Fields, JsonRecord};
use super::ual::normalise_ip;
use super::{layout_score, RowCtx, Schema, SchemaDef};
use crate::model::{attr, format_utc, Event, Outcome, Source};
use serde_json::{Map, Value};

pub static SCHEMAS: &[SchemaDef] = &[SchemaDef {
    schema: Schema::SentinelGraphActivity,
    detect_csv: log_analytics::detect_csv,
    detect_json: log_analytics::detect_json,
    from_csv: log_analytics::from_csv,
    from_json: log_analytics::from_json,
}];

/// The `properties` of a diagnostic-settings record, with the wrapper's
/// values already filled in where they were missing (see `entra_diagnostic`).
pub(super) fn from_diagnostic_properties(properties: &Map<String, Value>, ctx: &RowCtx) -> Result<Event, String> {
    read(&JsonRecord::new(properties), ctx)
}

/// Log Analytics / Sentinel `MicrosoftGraphActivityLogs` rows.
mod log_analytics {
    use super::*;

    const TYPICAL: [&str; 12] = [
        "RequestId",
        "OperationId",
        "ResponseStatusCode",
        "IPAddress",
        "UserAgent",
        "AppId",
        "UserId",
        "ServicePrincipalId",
        "SignInActivityId",
        "Scopes",
        "Roles",
        "TokenIssuedAt",
    ];

    /// `RequestUri` and `RequestMethod` with `TimeGenerated` are what sets
    /// the table apart from the other Log Analytics tables Loupe reads;
    /// `OperationName` is left to the tables that have one (the legacy
    /// `AADGraphActivityLogs` among them, which this reader does not know).
    fn detect(has: &dyn Fn(&str) -> bool) -> bool {
        has("TimeGenerated") && has("RequestUri") && has("RequestMethod") && (has("ResponseStatusCode") || has("SignInActivityId")) && !has("OperationName")
    }

    pub(super) fn detect_csv(h: &Headers) -> u32 {
        layout_score(&|n| h.has(n), detect, &TYPICAL)
    }

    pub(super) fn detect_json(obj: &Map<String, Value>) -> u32 {
        let other_table = record::has_key(obj, "Type") && !super::super::json_text(obj, &["Type"]).eq_ignore_ascii_case("MicrosoftGraphActivityLogs");
        if other_table {
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
}

/// `ClientAuthMethod` as the table documents it.
fn client_auth_method(code: &str) -> String {
    let what = match code.trim() {
        "0" => "public client",
        "1" => "client secret",
        "2" => "client certificate",
        _ => return code.trim().to_string(),
    };
    format!("{} ({what})", code.trim())
}

/// Success for 2xx, and for 3xx too: Graph answers a file download
/// (`…/content`) with a redirect to the file, so a 302 is a file read.
fn outcome(status: &str) -> Outcome {
    match status.trim().parse::<u16>() {
        Ok(200..=399) => Outcome::Success,
        Ok(400..=599) => Outcome::Failure,
        _ => Outcome::Unknown,
    }
}

/// One request, from either layout (names match whatever their case).
fn read(f: &dyn Fields, ctx: &RowCtx) -> Result<Event, String> {
    let time_text = f.text(&["TimeGenerated"]);
    if time_text.is_empty() {
        return Err("no time: TimeGenerated is empty".into());
    }
    let Some(time) = ctx.parse_time(&time_text) else {
        return Err(format!("no usable time in TimeGenerated '{time_text}'"));
    };
    let method = f.text(&["RequestMethod"]).to_ascii_uppercase();
    let uri = f.text(&["RequestUri"]);
    if uri.is_empty() {
        return Err("no RequestUri, so there is no request to show".into());
    }
    let user_id = f.text(&["UserId"]);
    let service_principal_id = f.text(&["ServicePrincipalId"]);
    // Seen in archives, not in the table's documentation: the caller's
    // object id under this name, beside (or instead of) the two above.
    let caller_object_id = f.text(&["UserPrincipalObjectID"]);
    let actor = [&user_id, &service_principal_id, &caller_object_id].into_iter().find(|s| !s.is_empty()).cloned().unwrap_or_default();
    let app_id = f.text(&["AppId"]);
    if actor.is_empty() && app_id.is_empty() {
        return Err("names neither a user, a service principal nor an app, so there is nothing to show for it".into());
    }
    // The token's `idtyp` claim where the record has it; else which id the
    // record names (a delegated call names the user, an app-only call the
    // service principal).
    let identity_type = match f.text(&["c_idtyp", "IdentityType"]) {
        t if !t.is_empty() => t,
        _ if !user_id.is_empty() => "user".to_string(),
        _ if !service_principal_id.is_empty() => "app".to_string(),
        _ => String::new(),
    };
    let status = f.text(&["ResponseStatusCode"]);
    // In UTC like every time Loupe shows: a CSV export writes it in the
    // exporting machine's locale.
    let token_issued_at = match f.text(&["TokenIssuedAt"]) {
        t if t.is_empty() => t,
        t => ctx.parse_time(&t).map(format_utc).unwrap_or(t),
    };
    let request_id = f.text(&["RequestId"]);
    let mut event = Event {
        time,
        source: Source::GraphActivity,
        operation: request_path::operation(&method, &uri),
        actor: actor.clone(),
        target: uri,
        ip: normalise_ip(&f.text(&["IPAddress"])),
        outcome: outcome(&status),
        user_agent: f.text(&["UserAgent"]),
        app: app_id.clone(),
        source_time: time_text,
        // One per request; the requests of a `$batch` share `OperationId`.
        record_id: request_id.clone(),
        ..Event::default()
    };
    let attrs = [
        (attr::USER_ID, actor),
        (attr::APP_ID, app_id),
        (attr::SERVICE_PRINCIPAL_ID, service_principal_id),
        (attr::IDENTITY_TYPE, identity_type),
        (attr::REQUEST_ID, request_id),
        (attr::HTTP_METHOD, method),
        (attr::HTTP_STATUS, status),
        (attr::RESPONSE_SIZE, f.text(&["ResponseSizeBytes"])),
        (attr::API_VERSION, f.text(&["ApiVersion"])),
        (attr::OPERATION_ID, f.text(&["OperationId"])),
        (attr::CLIENT_REQUEST_ID, f.text(&["ClientRequestId"])),
        (attr::SCOPES, f.text(&["Scopes"])),
        (attr::ROLES, f.text(&["Roles"])),
        (attr::SIGNIN_ACTIVITY_ID, f.text(&["SignInActivityId"])),
        (attr::SESSION_ID, f.text(&["SessionId", "c_sid"])),
        (attr::DEVICE_ID, f.text(&["DeviceId"])),
        (attr::TOKEN_ISSUED_AT, token_issued_at),
        (attr::CLIENT_AUTH_METHOD, client_auth_method(&f.text(&["ClientAuthMethod"]))),
        (attr::ENTRA_TENANT_ID, f.text(&["AadTenantId"])),
        // The Azure region that served the request, not where the caller was.
        (attr::CLOUD_REGION, f.text(&["Location"])),
        ("DurationMs", f.text(&["DurationMs"])),
        ("IdentityProvider", f.text(&["IdentityProvider"])),
        ("Wids", f.text(&["Wids"])),
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
    fn a_delegated_read_maps_to_one_event() {
        let row = obj(json!({"TimeGenerated": "2026-03-02T10:15:00.1234567Z", "RequestId": "r-1", "OperationId": "r-1", "RequestMethod": "get",
            "RequestUri": "https://graph.microsoft.com/v1.0/users/5d3c0a47-1f7e-4b8e-9c55-2a3f1c9d8e01/messages?$top=100", "ResponseStatusCode": 200, "IPAddress": "203.0.113.7",
            "UserAgent": "python-requests/2.31", "AppId": "app-1", "UserId": "5d3c0a47-1f7e-4b8e-9c55-2a3f1c9d8e01", "Scopes": "Mail.Read User.Read", "SignInActivityId": "tok-1",
            "ClientAuthMethod": 0, "TenantId": "workspace", "AadTenantId": "tenant", "Location": "West Europe", "Type": "MicrosoftGraphActivityLogs"}));
        let e = log_analytics::from_json(&row, &RowCtx::default()).expect("a request");
        assert_eq!(format_utc(e.time), "2026-03-02T10:15:00.123Z");
        assert_eq!((e.source, e.operation.as_str(), e.actor.as_str(), e.app.as_str()), (Source::GraphActivity, "GET /users/{id}/messages", "5d3c0a47-1f7e-4b8e-9c55-2a3f1c9d8e01", "app-1"));
        assert_eq!((e.ip.as_str(), e.outcome, e.record_id.as_str()), ("203.0.113.7", Outcome::Success, "r-1"));
        assert_eq!(e.target, "https://graph.microsoft.com/v1.0/users/5d3c0a47-1f7e-4b8e-9c55-2a3f1c9d8e01/messages?$top=100");
        assert_eq!(e.country, "", "Location is the serving region, not the caller's country");
        let attr = |k: &str| e.attr(k).unwrap_or("");
        assert_eq!([attr(attr::IDENTITY_TYPE), attr(attr::SCOPES), attr(attr::CLIENT_AUTH_METHOD), attr(attr::ENTRA_TENANT_ID), attr(attr::CLOUD_REGION)],
            ["user", "Mail.Read User.Read", "0 (public client)", "tenant", "West Europe"]);
    }

    #[test]
    fn status_codes_become_outcomes() {
        assert_eq!(outcome("200"), Outcome::Success);
        assert_eq!(outcome("302"), Outcome::Success);
        assert_eq!(outcome("403"), Outcome::Failure);
        assert_eq!(outcome("503"), Outcome::Failure);
        assert_eq!(outcome(""), Outcome::Unknown);
        assert_eq!(outcome("ok"), Outcome::Unknown);
    }

    #[test]
    fn an_app_only_call_names_the_service_principal_and_bad_rows_say_why() {
        let row = obj(json!({"TimeGenerated": "2026-03-02T10:15:00Z", "RequestMethod": "GET", "RequestUri": "https://graph.microsoft.com/v1.0/users",
            "ResponseStatusCode": "403", "AppId": "app-2", "ServicePrincipalId": "sp-2"}));
        let e = log_analytics::from_json(&row, &RowCtx::default()).expect("a request");
        assert_eq!((e.actor.as_str(), e.attr(attr::IDENTITY_TYPE), e.outcome), ("sp-2", Some("app"), Outcome::Failure));
        let mut no_time = row.clone();
        no_time.insert("TimeGenerated".into(), json!("soon"));
        assert_eq!(log_analytics::from_json(&no_time, &RowCtx::default()).unwrap_err(), "no usable time in TimeGenerated 'soon'");
        let mut no_uri = row.clone();
        no_uri.remove("RequestUri");
        assert!(log_analytics::from_json(&no_uri, &RowCtx::default()).unwrap_err().contains("RequestUri"));
        let nobody = obj(json!({"TimeGenerated": "2026-03-02T10:15:00Z", "RequestUri": "/v1.0/me"}));
        assert!(log_analytics::from_json(&nobody, &RowCtx::default()).unwrap_err().contains("nothing to show"));
    }

    #[test]
    fn detection_wants_the_request_columns_and_this_table() {
        let h = Headers::new(["TenantId", "TimeGenerated [UTC]", "Location", "RequestId", "OperationId", "RequestMethod", "ResponseStatusCode", "RequestUri", "UserId", "AppId"]);
        assert_eq!(log_analytics::detect_csv(&h), 25);
        let legacy = Headers::new(["TimeGenerated", "OperationName", "RequestMethod", "RequestUri", "ResponseStatusCode"]);
        assert_eq!(log_analytics::detect_csv(&legacy), 0);
        let row = obj(json!({"TimeGenerated": "x", "RequestMethod": "GET", "RequestUri": "/v1.0/me", "ResponseStatusCode": 200, "Type": "MicrosoftGraphActivityLogs"}));
        assert_eq!(log_analytics::detect_json(&row), 21);
        let mut other = row.clone();
        other.insert("Type".into(), json!("AADGraphActivityLogs"));
        assert_eq!(log_analytics::detect_json(&other), 0);
    }
}
