//! Entra ID logs in the Azure Monitor diagnostic-settings form: what a
//! tenant's diagnostic setting writes to a storage account
//! (`insights-logs-signinlogs/…/PT1H.json`, one record per line), to an
//! Event Hub (`{"records": […]}`), and what SIEM archives keep of either.
//! This is where sign-ins are kept beyond Entra's own 7 to 30 days.
//!
//! Each record wraps the Graph object: `time`, `resourceId`
//! (`/tenants/<id>/providers/Microsoft.aadiam`), `operationName`,
//! `category` (`SignInLogs`, `NonInteractiveUserSignInLogs`,
//! `ServicePrincipalSignInLogs`, `ManagedIdentitySignInLogs`, `AuditLogs` …),
//! `callerIpAddress`, `identity`, and `properties` with the Graph `signIn` or
//! `directoryAudit` fields. The category decides the reader, per record, so
//! one file may mix them. `properties` is read by the Graph readers, so a
//! sign-in gives the same event in either form. `MicrosoftGraphActivityLogs`
//! records (one per Graph request) go to `graph_activity`, which reads their
//! `properties` with the same names as the Log Analytics table's columns.
//! The Identity Protection categories (`UserRiskEvents`,
//! `ServicePrincipalRiskEvents`, `RiskyUsers`, `RiskyServicePrincipals`) go
//! to `identity_protection`, whose readers take the Graph objects their
//! `properties` hold; `ProvisioningLogs` goes to the directory audit source
//! through `provisioning`.

use super::{audit, graph_activity, identity_protection, provisioning, signin, value_text, RowCtx, Schema, SchemaDef};
use crate::model::Event;
use serde_json::{Map, Value};

pub static SCHEMAS: &[SchemaDef] = &[SchemaDef {
    schema: Schema::EntraDiagnosticRecords,
    detect_csv: |_| 0,
    detect_json,
    from_csv: |_, _, _| Err("diagnostic-settings records are JSON".into()),
    from_json,
}];

/// What Loupe does with a category's records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reader {
    SignIn,
    Audit,
    GraphActivity,
    Provisioning,
    RiskDetection,
    RiskState,
    /// An Entra category Loupe recognises but does not read yet: its records
    /// are counted as rejected, with the category named.
    NotYet,
}

/// The Entra categories a diagnostic setting can send (Microsoft's list for
/// `microsoft.aadiam/diagnosticSettings`).
const CATEGORIES: [(&str, Reader); 16] = [
    ("SignInLogs", Reader::SignIn),
    ("NonInteractiveUserSignInLogs", Reader::SignIn),
    ("ServicePrincipalSignInLogs", Reader::SignIn),
    ("ManagedIdentitySignInLogs", Reader::SignIn),
    ("MicrosoftServicePrincipalSignInLogs", Reader::SignIn),
    ("ADFSSignInLogs", Reader::SignIn),
    ("AuditLogs", Reader::Audit),
    ("ProvisioningLogs", Reader::Provisioning),
    ("RiskyUsers", Reader::RiskState),
    ("UserRiskEvents", Reader::RiskDetection),
    ("ServicePrincipalRiskEvents", Reader::RiskDetection),
    ("RiskyServicePrincipals", Reader::RiskState),
    ("MicrosoftGraphActivityLogs", Reader::GraphActivity),
    ("EnrichedOffice365AuditLogs", Reader::NotYet),
    ("NetworkAccessTrafficLogs", Reader::NotYet),
    ("B2CRequestLogs", Reader::NotYet),
];

fn reader_of(category: &str) -> Option<Reader> {
    CATEGORIES.iter().find(|(name, _)| name.eq_ignore_ascii_case(category)).map(|(_, reader)| *reader)
}

/// A top-level field, whatever its case (archives differ: `Level` / `level`).
fn field<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).or_else(|| obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
}

fn text<'a>(obj: &'a Map<String, Value>, name: &str) -> &'a str {
    field(obj, name).and_then(Value::as_str).unwrap_or("")
}

/// Higher than the Azure resource-log reader's score for the same record
/// (it would otherwise take these as Azure Activity events with no user):
/// the Entra category is what sets them apart.
fn detect_json(obj: &Map<String, Value>) -> u32 {
    let wrapped = field(obj, "properties").is_some() && field(obj, "time").is_some();
    match reader_of(text(obj, "category")) {
        Some(_) if wrapped => 40 + ["resourceId", "operationName", "tenantId", "callerIpAddress", "correlationId", "identity"].iter().filter(|n| field(obj, n).is_some()).count() as u32,
        _ => 0,
    }
}

fn from_json(obj: &Map<String, Value>, ctx: &RowCtx) -> Result<Event, String> {
    let category = text(obj, "category");
    let reader = reader_of(category).ok_or_else(|| {
        if category.is_empty() {
            "a diagnostic-settings record without a category".to_string()
        } else {
            format!("category {category} is not an Entra ID log; load it on its own")
        }
    })?;
    if reader == Reader::NotYet {
        return Err(not_read_yet(category));
    }
    let mut properties = match field(obj, "properties") {
        Some(Value::Object(p)) => p.clone(),
        // Some archives hold the object as JSON text.
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Object(p)) => p,
            _ => return Err("properties is text that is not a JSON object".into()),
        },
        _ => return Err("the record has no properties object".into()),
    };
    // The wrapper's values fill what the Graph object lacks.
    let time = text(obj, "time");
    let fill = |properties: &mut Map<String, Value>, key: &str, value: &str| {
        if !value.is_empty() && !properties.keys().any(|k| k.eq_ignore_ascii_case(key)) {
            properties.insert(key.to_string(), Value::String(value.to_string()));
        }
    };
    match reader {
        Reader::SignIn => {
            fill(&mut properties, "createdDateTime", time);
            fill(&mut properties, "ipAddress", text(obj, "callerIpAddress"));
            // The category says which sign-in log it is; Graph says so only in beta.
            if !properties.keys().any(|k| k.eq_ignore_ascii_case("signInEventTypes")) {
                fill(&mut properties, "Category", category);
            }
            signin::from_graph_object(&properties, ctx)
        }
        Reader::Audit => {
            fill(&mut properties, "activityDateTime", time);
            fill(&mut properties, "activityDisplayName", text(obj, "operationName"));
            audit::from_graph_object(&properties, ctx)
        }
        Reader::GraphActivity => {
            fill(&mut properties, "timeGenerated", time);
            fill(&mut properties, "ipAddress", text(obj, "callerIpAddress"));
            fill(&mut properties, "apiVersion", text(obj, "operationVersion"));
            // The wrapper's `resultSignature` is the HTTP status as text.
            let status = field(obj, "resultSignature").map(value_text).unwrap_or_default();
            if status.bytes().all(|b| b.is_ascii_digit()) {
                fill(&mut properties, "responseStatusCode", &status);
            }
            // Here `tenantId` is the Entra tenant, which the reader takes
            // under the table's name (the table's own `TenantId` is the workspace).
            let tenant = properties.iter().find(|(k, _)| k.eq_ignore_ascii_case("tenantId")).map(|(_, v)| value_text(v)).unwrap_or_default();
            let tenant = if tenant.is_empty() { text(obj, "tenantId").to_string() } else { tenant };
            fill(&mut properties, "AadTenantId", &tenant);
            graph_activity::from_diagnostic_properties(&properties, ctx)
        }
        Reader::Provisioning => {
            fill(&mut properties, "activityDateTime", time);
            provisioning::from_graph_object(&properties, ctx)
        }
        Reader::RiskDetection => {
            fill(&mut properties, "activityDateTime", time);
            fill(&mut properties, "ipAddress", text(obj, "callerIpAddress"));
            identity_protection::detection_from_graph_object(&properties, ctx)
        }
        Reader::RiskState => {
            fill(&mut properties, "riskLastUpdatedDateTime", time);
            identity_protection::risk_state_from_graph_object(&properties, ctx)
        }
        Reader::NotYet => Err(not_read_yet(category)),
    }
}

fn not_read_yet(category: &str) -> String {
    format!("{category} records are recognised but not read yet (this file's sign-in, audit, provisioning, Graph activity and Identity Protection records are read)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn the_category_decides_the_reader_and_unknown_ones_are_named() {
        let record = |category: &str| {
            obj(json!({"time": "2026-03-01T10:00:00Z", "resourceId": "/tenants/t/providers/Microsoft.aadiam", "operationName": "Sign-in activity",
                "category": category, "properties": {"id": "1", "createdDateTime": "2026-03-01T10:00:00Z", "userPrincipalName": "a@contoso.com",
                "appDisplayName": "Office", "ipAddress": "203.0.113.9", "status": {"errorCode": 0}}}))
        };
        assert!(detect_json(&record("SignInLogs")) > 30);
        assert_eq!(detect_json(&record("Administrative")), 0, "Azure Activity records stay with their own reader");
        let e = from_json(&record("NonInteractiveUserSignInLogs"), &RowCtx::default()).expect("a sign-in");
        assert_eq!(e.operation, "Non-interactive sign-in");
        assert_eq!(e.actor, "a@contoso.com");
        let why = from_json(&record("NetworkAccessTrafficLogs"), &RowCtx::default()).expect_err("not read yet");
        assert!(why.contains("NetworkAccessTrafficLogs") && why.contains("not read yet"), "{why}");
        let why = from_json(&record("Administrative"), &RowCtx::default()).expect_err("not Entra");
        assert!(why.contains("Administrative"), "{why}");
    }

    #[test]
    fn properties_as_json_text_and_wrapper_values_fill_gaps() {
        let record = obj(json!({"time": "2026-03-01T10:00:00Z", "category": "SignInLogs", "callerIpAddress": "198.51.100.7",
            "properties": "{\"id\":\"2\",\"userPrincipalName\":\"b@contoso.com\",\"appDisplayName\":\"Azure Portal\",\"status\":{\"errorCode\":50126}}"}));
        let e = from_json(&record, &RowCtx::default()).expect("a sign-in");
        assert_eq!((e.ip.as_str(), e.actor.as_str()), ("198.51.100.7", "b@contoso.com"));
        assert_eq!(e.time, crate::model::parse_rfc3339_utc("2026-03-01T10:00:00Z").expect("time"));
        let broken = obj(json!({"time": "2026-03-01T10:00:00Z", "category": "AuditLogs", "properties": "not json"}));
        assert!(from_json(&broken, &RowCtx::default()).is_err());
    }
}
