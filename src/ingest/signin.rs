//! Microsoft Entra ID sign-in logs, in the layouts responders get:
//!
//! - The admin center "Download" as CSV: display-name headers (`Date (UTC)`,
//!   `Request ID`, `Username`, `IP address`, `Location` as "City, State, CC",
//!   `Status`, `Sign-in error code` …). The interactive and non-interactive
//!   downloads have the same columns, so such a file cannot say which it is;
//!   the service principal download has `Service principal ID` / `name`
//!   instead of user columns, the managed identity one also a filled-in
//!   `Managed Identity type` (user downloads have that column too, empty).
//! - Microsoft Graph `signIn` objects (`auditLogs/signIns`, v1.0 or beta),
//!   in a `value` page, an array of pages, an array or one per line. The admin
//!   center's JSON download is an array of the same objects, so it is read
//!   (and reported) as this layout: no field tells the two apart.
//! - Log Analytics / Sentinel `SigninLogs`, `AADNonInteractiveUserSignInLogs`,
//!   `AADServicePrincipalSignInLogs` and `AADManagedIdentitySignInLogs` rows,
//!   as CSV (`TimeGenerated [UTC]`, locale dates) or JSON, with nested objects
//!   (`LocationDetails`, `Status`, `DeviceDetail`, `MfaDetail`) often held as
//!   JSON text. Their names are Graph's in PascalCase, so Graph and Log
//!   Analytics records share one reader; lookups ignore case.
//!
//! Each layout fills one `SignIn` with the record's own values; one function
//! turns that into an `Event`.

use super::csv_input::Headers;
use super::ual::normalise_ip;
use super::{layout_score, RowCtx, Schema, SchemaDef};
use crate::model::{attr, Event, Outcome, Source};
use record::{CsvRecord, Fields, JsonRecord};
use serde_json::{Map, Value};

pub static SCHEMAS: &[SchemaDef] = &[
    SchemaDef {
        schema: Schema::EntraSignInPortal,
        detect_csv: portal::detect_csv,
        detect_json: portal::detect_json,
        from_csv: portal::from_csv,
        from_json: graph::from_json,
    },
    SchemaDef {
        schema: Schema::GraphSignIn,
        detect_csv: graph::detect_csv,
        detect_json: graph::detect_json,
        from_csv: graph::from_csv,
        from_json: graph::from_json,
    },
    SchemaDef {
        schema: Schema::SentinelSigninLogs,
        detect_csv: log_analytics::detect_csv,
        detect_json: log_analytics::detect_json,
        from_csv: log_analytics::from_csv,
        from_json: log_analytics::from_json,
    },
];

/// Said once for admin center CSV downloads of user sign-ins.
const PORTAL_INTERACTIVITY_NOTE: &str = "The admin center's CSV download has the same columns for interactive and non-interactive sign-ins, \
so these rows are shown as \"Sign-in\". The download's file name says which it was (InteractiveSignIns_… or NonInteractiveSignIns_…).";

/// The admin center names its downloads `InteractiveSignIns_…` and
/// `NonInteractiveSignIns_…`; the columns are identical, so the name is the
/// only witness. Without it the rows stay plain "Sign-in", and the file says why.
fn kind_from_download_name(ctx: &RowCtx) -> Kind {
    let name = ctx.file_name.to_ascii_lowercase();
    if name.contains("noninteractivesignins") {
        ctx.note_once(PORTAL_NAME_NOTE);
        Kind::NonInteractive
    } else if name.contains("interactivesignins") {
        ctx.note_once(PORTAL_NAME_NOTE);
        Kind::Interactive
    } else {
        ctx.note_once(PORTAL_INTERACTIVITY_NOTE);
        Kind::Unstated
    }
}

/// Said once when interactivity came from the download's file name.
const PORTAL_NAME_NOTE: &str = "Interactive or non-interactive was taken from the admin center's download file name; the CSV's columns do not say.";

/// Error codes Entra shows as "Interrupted": the sign-in stopped to ask for
/// something (MFA, registration, keep-me-signed-in, device or account
/// choice) rather than being refused. From the Entra error code reference.
const INTERRUPT_CODES: [&str; 13] = [
    "16000",  // InteractionRequired: choose an account
    "50058",  // UserInformationNotProvided: no session to sign in silently
    "50072",  // UserStrongAuthEnrollmentRequiredInterrupt
    "50074",  // UserStrongAuthClientAuthNRequiredInterrupt: MFA challenge not (yet) passed
    "50076",  // UserStrongAuthClientAuthNRequired: MFA required
    "50079",  // UserStrongAuthEnrollmentRequired: must register MFA
    "50097",  // DeviceAuthenticationRequired
    "50125",  // PasswordResetRegistrationRequiredInterrupt
    "50129",  // DeviceIsNotWorkplaceJoined
    "50140",  // KmsiInterrupt: "Stay signed in?"
    "50199",  // CmsiInterrupt: user confirmation required
    "81010",  // Seamless SSO: Kerberos ticket expired or invalid, falls back to a prompt
    "81012",  // Seamless SSO: signed-in Windows user differs from the one signing in
];

/// What kind of sign-in a record is, as the record or its table says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum Kind {
    /// The record does not say (admin center CSV of user sign-ins).
    #[default]
    Unstated,
    Interactive,
    NonInteractive,
    ServicePrincipal,
    ManagedIdentity,
}

impl Kind {
    fn operation(self) -> &'static str {
        match self {
            Kind::Unstated | Kind::Interactive => "Sign-in",
            Kind::NonInteractive => "Non-interactive sign-in",
            Kind::ServicePrincipal => "Service principal sign-in",
            Kind::ManagedIdentity => "Managed identity sign-in",
        }
    }

    /// From Graph beta `signInEventTypes` or a Log Analytics `Category` / `Type`.
    fn from_label(label: &str) -> Kind {
        let l = label.to_ascii_lowercase();
        if l.contains("noninteractive") {
            Kind::NonInteractive
        } else if l.contains("serviceprincipal") {
            Kind::ServicePrincipal
        } else if l.contains("managedidentity") {
            Kind::ManagedIdentity
        } else if l.contains("interactiveuser") || l == "signinlogs" {
            Kind::Interactive
        } else {
            Kind::Unstated
        }
    }
}

/// One sign-in's values as the layout gives them, before mapping.
#[derive(Debug, Default)]
struct SignIn {
    /// Name of the field the time came from, for error messages.
    time_field: &'static str,
    time_text: String,
    kind: Kind,
    request_id: String,
    correlation_id: String,
    upn: String,
    user_display_name: String,
    user_id: String,
    service_principal_name: String,
    service_principal_id: String,
    app: String,
    app_id: String,
    resource: String,
    resource_id: String,
    ip: String,
    city: String,
    state: String,
    country: String,
    geo: Option<(f64, f64)>,
    /// The admin center's own verdict (`Success`, `Failure`, `Interrupted`).
    status_text: String,
    error_code: String,
    failure_reason: String,
    client_app: String,
    user_agent: String,
    risk_level_aggregated: String,
    risk_level_during_signin: String,
    risk_state: String,
    risk_detail: String,
    risk_event_types: String,
    auth_requirement: String,
    mfa_result: String,
    mfa_method: String,
    conditional_access: String,
    device_id: String,
    device_name: String,
    operating_system: String,
    browser: String,
    is_compliant: String,
    is_managed: String,
    trust_type: String,
    is_interactive: String,
    token_issuer_type: String,
    event_type: String,
}

impl SignIn {
    fn into_event(self, ctx: &RowCtx) -> Result<Event, String> {
        if self.time_text.is_empty() {
            return Err(format!("no time: {} is empty", self.time_field));
        }
        let Some(time) = ctx.parse_time(&self.time_text) else {
            return Err(format!("no usable time in {} '{}'", self.time_field, self.time_text));
        };
        let actor = [&self.upn, &self.user_display_name, &self.service_principal_name].into_iter().find(|s| !s.is_empty()).cloned().unwrap_or_default();
        if actor.is_empty() && self.app.is_empty() && self.app_id.is_empty() {
            return Err("names neither a user, a service principal nor an application, so there is nothing to show for it".into());
        }
        let mut event = Event {
            time,
            source: Source::SignIn,
            operation: self.kind.operation().to_string(),
            actor,
            target: self.resource.clone(),
            ip: normalise_ip(&self.ip),
            country: self.country,
            city: self.city,
            geo: self.geo,
            outcome: outcome(&self.status_text, &self.error_code),
            user_agent: self.user_agent,
            app: if self.app.is_empty() { self.app_id.clone() } else { self.app },
            source_time: self.time_text,
            record_id: self.request_id.clone(),
            ..Event::default()
        };
        let user_id = if self.user_id.is_empty() { self.service_principal_id } else { self.user_id };
        let attrs = [
            (attr::USER_ID, user_id),
            (attr::USER_DISPLAY_NAME, self.user_display_name),
            (attr::APP_ID, self.app_id),
            (attr::RESOURCE, self.resource),
            (attr::RESOURCE_ID, self.resource_id),
            (attr::CLIENT_APP, self.client_app),
            (attr::SIGNIN_ID, self.request_id),
            (attr::CORRELATION_ID, self.correlation_id),
            (attr::ERROR_CODE, self.error_code),
            (attr::FAILURE_REASON, self.failure_reason),
            (attr::RISK_LEVEL_AGGREGATED, self.risk_level_aggregated),
            (attr::RISK_LEVEL_DURING_SIGNIN, self.risk_level_during_signin),
            (attr::RISK_STATE, self.risk_state),
            (attr::RISK_DETAIL, self.risk_detail),
            (attr::RISK_EVENT_TYPES, self.risk_event_types),
            (attr::AUTH_REQUIREMENT, graph_spelling(&self.auth_requirement)),
            (attr::MFA_RESULT, self.mfa_result),
            (attr::MFA_METHOD, self.mfa_method),
            (attr::CONDITIONAL_ACCESS, graph_spelling(&self.conditional_access)),
            (attr::DEVICE_ID, self.device_id),
            (attr::DEVICE_NAME, self.device_name),
            (attr::DEVICE_OS, self.operating_system),
            (attr::DEVICE_BROWSER, self.browser),
            (attr::DEVICE_COMPLIANT, bool_text(&self.is_compliant)),
            (attr::DEVICE_MANAGED, bool_text(&self.is_managed)),
            (attr::DEVICE_TRUST, self.trust_type),
            (attr::INTERACTIVE, bool_text(&self.is_interactive)),
            (attr::TOKEN_ISSUER_TYPE, self.token_issuer_type),
            (attr::STATE_PROVINCE, self.state),
            (attr::SIGNIN_EVENT_TYPE, self.event_type),
        ];
        event.set_attrs(attrs);
        Ok(event)
    }
}

/// The admin center's `Status` column when there is one, else the error code.
fn outcome(status_text: &str, error_code: &str) -> Outcome {
    match status_text.trim().to_ascii_lowercase().as_str() {
        "success" => return Outcome::Success,
        "failure" => return Outcome::Failure,
        "interrupted" => return Outcome::Interrupted,
        _ => {}
    }
    let code = error_code.trim();
    match code {
        "" => Outcome::Unknown,
        "0" => Outcome::Success,
        c if INTERRUPT_CODES.contains(&c) => Outcome::Interrupted,
        c if c.bytes().all(|b| b.is_ascii_digit()) => Outcome::Failure,
        _ => Outcome::Unknown,
    }
}

/// The admin center writes some values as display text; detections compare
/// against Graph's spelling (`singleFactorAuthentication`, `notApplied`).
fn graph_spelling(value: &str) -> String {
    let v = value.trim();
    let graph = match v.to_ascii_lowercase().as_str() {
        "single-factor authentication" | "single factor authentication" => "singleFactorAuthentication",
        "multifactor authentication" | "multi-factor authentication" => "multiFactorAuthentication",
        "not applied" => "notApplied",
        "success" => "success",
        "failure" => "failure",
        _ => v,
    };
    graph.to_string()
}

/// Booleans as `true` / `false`, whatever the export wrote (`True`, `Yes`, `1`).
fn bool_text(value: &str) -> String {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => "true".into(),
        "false" | "no" | "0" => "false".into(),
        _ => value.trim().to_string(),
    }
}

/// A list field (JSON array, or JSON text of one) as `a, b`; `[]` becomes "".
fn list_text(value: Option<Value>) -> String {
    match value {
        Some(Value::Array(items)) => items.iter().map(super::value_text).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(", "),
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// Admin center `Location`: "City, State, CC" with parts possibly empty.
fn split_location(location: &str) -> (String, String, String) {
    let parts: Vec<&str> = location.split(',').map(str::trim).collect();
    match parts.as_slice() {
        [] | [""] => Default::default(),
        [country] => (String::new(), String::new(), country.to_string()),
        [city, country] => (city.to_string(), String::new(), country.to_string()),
        [city, middle @ .., country] => (city.to_string(), middle.join(", "), country.to_string()),
    }
}

/// Admin center CSV download.
mod portal {
    use super::*;

    const EXTRA_COLUMNS: [&str; 12] = [
        "User agent",
        "Correlation ID",
        "User ID",
        "Application ID",
        "Resource ID",
        "IP address",
        "Location",
        "Failure reason",
        "Client app",
        "Conditional Access",
        "Multifactor authentication result",
        "Token issuer type",
    ];

    pub(super) fn detect_csv(h: &Headers) -> u32 {
        let who = h.has("Username") || h.has("Service principal ID");
        if h.has("Date (UTC)") && h.has("Request ID") && (h.has("Sign-in error code") || h.has("Status")) && who {
            30 + h.count_present(&EXTRA_COLUMNS)
        } else {
            0
        }
    }

    /// The JSON download holds Graph `signIn` objects: `graph` reads it.
    pub(super) fn detect_json(_: &Map<String, Value>) -> u32 {
        0
    }

    pub(super) fn from_csv(headers: &Headers, row: &csv::StringRecord, ctx: &RowCtx) -> Result<Event, String> {
        let get = |names: &[&str]| headers.get(row, names).to_string();
        let (city, state, country) = split_location(&get(&["Location"]));
        // The user sign-in downloads carry a `Managed Identity type` column
        // too (empty for users), so the row's values decide, not the header.
        let no_user = get(&["Username"]).is_empty();
        let kind = if no_user && !get(&["Managed Identity type"]).is_empty() {
            Kind::ManagedIdentity
        } else if headers.has("Service principal ID") && no_user {
            Kind::ServicePrincipal
        } else {
            kind_from_download_name(ctx)
        };
        let sign_in = SignIn {
            time_field: "Date (UTC)",
            time_text: get(&["Date (UTC)"]),
            kind,
            request_id: get(&["Request ID"]),
            correlation_id: get(&["Correlation ID"]),
            upn: get(&["Username", "User principal name"]),
            user_display_name: get(&["User"]),
            user_id: get(&["User ID"]),
            service_principal_name: get(&["Service principal name"]),
            service_principal_id: get(&["Service principal ID"]),
            app: get(&["Application"]),
            app_id: get(&["Application ID", "App ID"]),
            resource: get(&["Resource"]),
            resource_id: get(&["Resource ID"]),
            ip: get(&["IP address"]),
            city,
            state,
            country,
            status_text: get(&["Status"]),
            error_code: get(&["Sign-in error code"]),
            failure_reason: get(&["Failure reason"]),
            client_app: get(&["Client app"]),
            user_agent: get(&["User agent"]),
            auth_requirement: get(&["Authentication requirement"]),
            mfa_result: get(&["Multifactor authentication result"]),
            mfa_method: get(&["Multifactor authentication auth method"]),
            conditional_access: get(&["Conditional Access"]),
            device_id: get(&["Device ID"]),
            browser: get(&["Browser"]),
            operating_system: get(&["Operating System"]),
            is_compliant: get(&["Compliant"]),
            is_managed: get(&["Managed"]),
            trust_type: get(&["Join Type"]),
            token_issuer_type: get(&["Token issuer type"]),
            ..SignIn::default()
        };
        sign_in.into_event(ctx)
    }
}

/// Microsoft Graph `signIn` objects (and the admin center JSON download).
mod graph {
    use super::*;

    const EXTRA_FIELDS: [&str; 10] = [
        "status",
        "location",
        "deviceDetail",
        "clientAppUsed",
        "conditionalAccessStatus",
        "isInteractive",
        "resourceDisplayName",
        "correlationId",
        "riskState",
        "ipAddress",
    ];

    fn detect(has: &dyn Fn(&str) -> bool) -> bool {
        !has("TimeGenerated")
            && !has("auditLogRecordType")
            && has("createdDateTime")
            && (has("appDisplayName") || has("appId"))
            && (has("userPrincipalName") || has("servicePrincipalName") || has("status"))
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

/// Log Analytics / Sentinel sign-in tables.
mod log_analytics {
    use super::*;

    const EXTRA_COLUMNS: [&str; 12] = [
        "LocationDetails",
        "ConditionalAccessStatus",
        "ClientAppUsed",
        "ResourceDisplayName",
        "DeviceDetail",
        "IsInteractive",
        "RiskLevelDuringSignIn",
        "AuthenticationRequirement",
        "Status",
        "UserAgent",
        "TokenIssuerType",
        "ResultDescription",
    ];

    fn detect(has: &dyn Fn(&str) -> bool) -> bool {
        has("TimeGenerated")
            && has("ResultType")
            && (has("AppDisplayName") || has("AppId"))
            && (has("UserPrincipalName") || has("ServicePrincipalName") || has("IPAddress"))
            && !has("OfficeWorkload")
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

/// A Graph `signIn` object (also the `properties` of a diagnostic-settings
/// record, see `entra_diagnostic`).
pub(super) fn from_graph_object(obj: &Map<String, Value>, ctx: &RowCtx) -> Result<Event, String> {
    read_graph_like(&JsonRecord::new(obj), ctx)
}

/// Graph `signIn` fields, or the same fields as Log Analytics columns.
fn read_graph_like(f: &dyn Fields, ctx: &RowCtx) -> Result<Event, String> {
    // Log Analytics: TimeGenerated is what KQL shows; CreatedDateTime is the same instant.
    let (time_field, time_text) = match f.text(&["TimeGenerated"]) {
        t if !t.is_empty() => ("TimeGenerated", t),
        _ => ("createdDateTime", f.text(&["createdDateTime"])),
    };
    let upn = f.text(&["userPrincipalName"]);
    let service_principal_name = f.text(&["servicePrincipalName"]);
    let is_interactive = bool_text(&f.text(&["isInteractive"]));
    let event_type = match list_text(f.json("signInEventTypes")) {
        t if !t.is_empty() => t,
        _ => f.text(&["Category", "Type"]),
    };
    let kind = match Kind::from_label(&event_type) {
        Kind::Unstated if upn.is_empty() && !service_principal_name.is_empty() => {
            let msi = f.text(&["managedServiceIdentity.msiType"]);
            if msi.is_empty() || msi.eq_ignore_ascii_case("none") {
                Kind::ServicePrincipal
            } else {
                Kind::ManagedIdentity
            }
        }
        Kind::Unstated => match is_interactive.as_str() {
            "true" => Kind::Interactive,
            "false" => Kind::NonInteractive,
            _ => Kind::Unstated,
        },
        known => known,
    };
    let country = match f.text(&["location.countryOrRegion", "LocationDetails.countryOrRegion"]) {
        c if !c.is_empty() => c,
        // Log Analytics `Location` is the two-letter country code.
        _ => Some(f.text(&["Location"])).filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic())).unwrap_or_default(),
    };
    let coordinate = |axis: &str| {
        f.text(&[&format!("location.geoCoordinates.{axis}"), &format!("LocationDetails.geoCoordinates.{axis}")]).parse::<f64>().ok().filter(|v| v.is_finite())
    };
    let geo = coordinate("latitude").zip(coordinate("longitude"));
    let risk_event_types = match list_text(f.json("riskEventTypes_v2")) {
        t if !t.is_empty() => t,
        _ => list_text(f.json("riskEventTypes")),
    };
    // Log Analytics `ResourceId` is the Azure path of the log itself
    // (`/tenants/…/providers/Microsoft.aadiam`); the signed-in resource is `ResourceIdentity`.
    let resource_id = f.text(&["ResourceIdentity"]);
    let resource_id = if resource_id.is_empty() { f.text(&["resourceId"]) } else { resource_id };
    let resource_id = if resource_id.starts_with('/') { String::new() } else { resource_id };
    let mfa_method = match f.text(&["mfaDetail.authMethod"]) {
        m if !m.is_empty() => m,
        _ => second_factor(f.json("authenticationDetails")),
    };
    let sign_in = SignIn {
        time_field,
        time_text,
        kind,
        request_id: f.text(&["id"]),
        correlation_id: f.text(&["correlationId"]),
        upn,
        user_display_name: f.text(&["userDisplayName"]),
        user_id: f.text(&["userId"]),
        service_principal_name,
        service_principal_id: f.text(&["servicePrincipalId"]),
        app: f.text(&["appDisplayName"]),
        app_id: f.text(&["appId"]),
        resource: f.text(&["resourceDisplayName"]),
        resource_id,
        ip: f.text(&["ipAddress"]),
        city: f.text(&["location.city", "LocationDetails.city"]),
        state: f.text(&["location.state", "LocationDetails.state"]),
        country,
        geo,
        error_code: f.text(&["status.errorCode", "ResultType"]),
        failure_reason: f.text(&["status.failureReason", "ResultDescription"]),
        mfa_result: f.text(&["status.additionalDetails"]),
        client_app: f.text(&["clientAppUsed"]),
        user_agent: f.text(&["userAgent"]),
        risk_level_aggregated: f.text(&["riskLevelAggregated"]),
        risk_level_during_signin: f.text(&["riskLevelDuringSignIn"]),
        risk_state: f.text(&["riskState"]),
        risk_detail: f.text(&["riskDetail"]),
        risk_event_types,
        auth_requirement: f.text(&["authenticationRequirement"]),
        mfa_method,
        conditional_access: f.text(&["conditionalAccessStatus"]),
        device_id: f.text(&["deviceDetail.deviceId"]),
        device_name: f.text(&["deviceDetail.displayName"]),
        operating_system: f.text(&["deviceDetail.operatingSystem"]),
        browser: f.text(&["deviceDetail.browser"]),
        is_compliant: f.text(&["deviceDetail.isCompliant"]),
        is_managed: f.text(&["deviceDetail.isManaged"]),
        trust_type: f.text(&["deviceDetail.trustType"]),
        is_interactive,
        token_issuer_type: f.text(&["tokenIssuerType"]),
        event_type,
        ..SignIn::default()
    };
    sign_in.into_event(ctx)
}

/// Graph beta and Log Analytics list each authentication step; without
/// `mfaDetail`, the first successful method other than the password is the
/// second factor.
fn second_factor(steps: Option<Value>) -> String {
    let Some(Value::Array(steps)) = steps else { return String::new() };
    steps
        .iter()
        .filter_map(Value::as_object)
        .filter(|step| step.iter().find(|(k, _)| k.eq_ignore_ascii_case("succeeded")).map(|(_, v)| v) != Some(&Value::Bool(false)))
        .map(|step| super::json_text(step, &["authenticationMethod"]))
        .find(|method| !method.is_empty() && !method.eq_ignore_ascii_case("Password"))
        .unwrap_or_default()
}

/// Reading a record's fields by name, whatever container it came in. The
/// audit log reader uses it too.
pub(super) mod record {
    use super::super::csv_input::{header_key, Headers};
    use super::super::{json_path, json_text, nested_json, value_text};
    use serde_json::{Map, Value};
    use std::cell::RefCell;

    /// Named access to one record. JSON keys match ignoring case, CSV headers
    /// as `Headers` forgives them; a dotted name (`Status.errorCode`)
    /// descends into nested objects, also when they are held as JSON text.
    pub(in super::super) trait Fields {
        /// Text of the first of `names` with a non-empty value, else `""`.
        fn text(&self, names: &[&str]) -> String;
        /// A field as JSON, with JSON text parsed; plain text stays a string.
        fn json(&self, name: &str) -> Option<Value>;
    }

    /// Fields held as JSON text, parsed once per record: a Log Analytics
    /// row asks `LocationDetails` or `DeviceDetail` for several values.
    #[derive(Default)]
    struct ParsedText(RefCell<Vec<(String, Option<Value>)>>);

    impl ParsedText {
        /// Text at `path` inside the JSON text `text` of field `field`.
        fn text_at(&self, field: &str, text: &str, path: &str) -> String {
            let mut parsed = self.0.borrow_mut();
            let at = match parsed.iter().position(|(name, _)| name.eq_ignore_ascii_case(field)) {
                Some(at) => at,
                None => {
                    parsed.push((field.to_string(), nested_json(&Value::String(text.to_string()))));
                    parsed.len() - 1
                }
            };
            match parsed.get(at) {
                Some((_, Some(Value::Object(map)))) => json_path(map, path).map(|v| value_text(&v)).unwrap_or_default(),
                _ => String::new(),
            }
        }
    }

    pub(in super::super) struct JsonRecord<'a> {
        obj: &'a Map<String, Value>,
        parsed: ParsedText,
    }

    impl<'a> JsonRecord<'a> {
        pub(in super::super) fn new(obj: &'a Map<String, Value>) -> JsonRecord<'a> {
            JsonRecord { obj, parsed: ParsedText::default() }
        }

        fn field(&self, name: &str) -> Option<&'a Value> {
            self.obj.get(name).or_else(|| self.obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
        }

        fn one(&self, name: &str) -> String {
            let Some((first, rest)) = name.split_once('.') else { return json_text(self.obj, &[name]) };
            match self.field(first) {
                Some(Value::String(text)) => self.parsed.text_at(first, text, rest),
                Some(_) => json_text(self.obj, &[name]),
                None => String::new(),
            }
        }
    }

    impl Fields for JsonRecord<'_> {
        fn text(&self, names: &[&str]) -> String {
            names.iter().map(|name| self.one(name)).find(|v| !v.is_empty()).unwrap_or_default()
        }

        fn json(&self, name: &str) -> Option<Value> {
            let value = json_path(self.obj, name)?;
            nested_json(&value).or_else(|| match value.into_owned() {
                Value::Null => None,
                other => Some(other),
            })
        }
    }

    pub(in super::super) struct CsvRecord<'a> {
        headers: &'a Headers,
        row: &'a csv::StringRecord,
        parsed: ParsedText,
    }

    impl<'a> CsvRecord<'a> {
        pub(in super::super) fn new(headers: &'a Headers, row: &'a csv::StringRecord) -> CsvRecord<'a> {
            CsvRecord { headers, row, parsed: ParsedText::default() }
        }

        fn one(&self, name: &str) -> String {
            let direct = self.headers.get(self.row, &[name]);
            if !direct.is_empty() {
                return direct.to_string();
            }
            match name.split_once('.') {
                Some((column, rest)) => match self.headers.get(self.row, &[column]) {
                    "" => String::new(),
                    text => self.parsed.text_at(column, text, rest),
                },
                None => String::new(),
            }
        }
    }

    impl Fields for CsvRecord<'_> {
        fn text(&self, names: &[&str]) -> String {
            names.iter().map(|name| self.one(name)).find(|v| !v.is_empty()).unwrap_or_default()
        }

        fn json(&self, name: &str) -> Option<Value> {
            let raw = self.headers.get(self.row, &[name]);
            if raw.is_empty() {
                return None;
            }
            let text = Value::String(raw.to_string());
            Some(nested_json(&text).unwrap_or(text))
        }
    }

    /// Whether a JSON record has a key, spelled as loosely as CSV headers may be.
    pub(in super::super) fn has_key(obj: &Map<String, Value>, name: &str) -> bool {
        if obj.contains_key(name) {
            return true;
        }
        let key = header_key(name);
        obj.keys().any(|k| header_key(k) == key)
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use serde_json::json;

        #[test]
        fn dotted_names_reach_into_objects_and_json_text() {
            let obj = json!({"Status": "{\"errorCode\":50126,\"failureReason\":\"bad\"}", "location": {"city": "Lagos"}, "Plain": "x"});
            let obj = obj.as_object().cloned().unwrap_or_default();
            let f = JsonRecord::new(&obj);
            assert_eq!(f.text(&["status.errorCode"]), "50126");
            assert_eq!(f.text(&["Status.failureReason"]), "bad");
            assert_eq!(f.text(&["missing.x", "Location.City"]), "Lagos");
            assert_eq!(f.text(&["Plain.x"]), "");
            assert_eq!(f.parsed.0.borrow().len(), 2, "Status parsed once, Plain tried once");

            let headers = Headers::new(["LocationDetails", "Location"]);
            let row = csv::StringRecord::from(vec![r#"{"city":"Lagos","geoCoordinates":{"latitude":6.45}}"#, "NG"]);
            let f = CsvRecord::new(&headers, &row);
            assert_eq!(f.text(&["LocationDetails.city"]), "Lagos");
            assert_eq!(f.text(&["LocationDetails.geoCoordinates.latitude"]), "6.45");
            assert_eq!(f.text(&["Location"]), "NG");
            assert_eq!(f.parsed.0.borrow().len(), 1);
        }
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

    fn graph(v: Value) -> Result<Event, String> {
        graph::from_json(&obj(v), &RowCtx::default())
    }

    #[test]
    fn error_codes_become_outcomes() {
        assert_eq!(outcome("", "0"), Outcome::Success);
        assert_eq!(outcome("", "50126"), Outcome::Failure);
        assert_eq!(outcome("", "50074"), Outcome::Interrupted);
        assert_eq!(outcome("", "50140"), Outcome::Interrupted);
        assert_eq!(outcome("", ""), Outcome::Unknown);
        assert_eq!(outcome("", "n/a"), Outcome::Unknown);
        // The admin center's own verdict wins over the code.
        assert_eq!(outcome("Interrupted", "50199"), Outcome::Interrupted);
        assert_eq!(outcome("Failure", "0"), Outcome::Failure);
    }

    #[test]
    fn portal_location_splits_into_city_state_and_country() {
        let s = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
        assert_eq!(split_location("Lagos, Lagos, NG"), s("Lagos", "Lagos", "NG"));
        assert_eq!(split_location("Amsterdam, Noord-Holland, NL"), s("Amsterdam", "Noord-Holland", "NL"));
        assert_eq!(split_location(", , US"), s("", "", "US"));
        assert_eq!(split_location("DE"), s("", "", "DE"));
        assert_eq!(split_location(""), s("", "", ""));
    }

    #[test]
    fn display_spellings_become_graph_spellings() {
        assert_eq!(graph_spelling("Single-factor authentication"), "singleFactorAuthentication");
        assert_eq!(graph_spelling("Multifactor authentication"), "multiFactorAuthentication");
        assert_eq!(graph_spelling("Not Applied"), "notApplied");
        assert_eq!(graph_spelling("reportOnlyFailure"), "reportOnlyFailure");
        assert_eq!(bool_text("True"), "true");
        assert_eq!(bool_text("No"), "false");
        assert_eq!(bool_text(""), "");
    }

    #[test]
    fn service_principal_and_managed_identity_sign_ins_are_named() {
        let sp = graph(json!({"id": "s1", "createdDateTime": "2026-03-01T16:05:06Z", "appId": "a", "appDisplayName": "Backup tool",
            "servicePrincipalName": "Backup tool", "servicePrincipalId": "sp-1", "signInEventTypes": ["servicePrincipal"],
            "status": {"errorCode": 0}, "ipAddress": "198.51.100.4"}))
        .unwrap();
        assert_eq!((sp.operation.as_str(), sp.actor.as_str()), ("Service principal sign-in", "Backup tool"));
        assert_eq!(sp.attr(attr::USER_ID), Some("sp-1"));
        let msi = graph(json!({"id": "m1", "createdDateTime": "2026-03-01T16:05:06Z", "appId": "b",
            "servicePrincipalName": "vm-web-01", "managedServiceIdentity": {"msiType": "systemAssigned"}, "status": {"errorCode": 0}}))
        .unwrap();
        assert_eq!(msi.operation, "Managed identity sign-in");
        assert_eq!(msi.app, "b", "the app id stands in for a missing app name");
        let ni = graph(json!({"id": "n1", "createdDateTime": "2026-03-01T16:05:06Z", "appDisplayName": "Teams",
            "userPrincipalName": "u@contoso.com", "isInteractive": false, "status": {"errorCode": 0}}))
        .unwrap();
        assert_eq!((ni.operation.as_str(), ni.attr(attr::INTERACTIVE)), ("Non-interactive sign-in", Some("false")));
    }

    #[test]
    fn mfa_method_falls_back_to_authentication_steps() {
        let e = graph(json!({"id": "x", "createdDateTime": "2026-03-01T16:05:06Z", "appDisplayName": "Office", "userPrincipalName": "u@contoso.com",
            "authenticationDetails": [{"authenticationMethod": "Password", "succeeded": true},
                                      {"authenticationMethod": "Mobile app notification", "succeeded": false},
                                      {"authenticationMethod": "OATH verification code", "succeeded": true}]}))
        .unwrap();
        assert_eq!(e.attr(attr::MFA_METHOD), Some("OATH verification code"));
    }

    #[test]
    fn bad_records_are_rejected_with_a_reason() {
        assert_eq!(graph(json!({"createdDateTime": "", "appDisplayName": "x"})).unwrap_err(), "no time: createdDateTime is empty");
        assert_eq!(graph(json!({"createdDateTime": "yesterday", "appDisplayName": "x"})).unwrap_err(), "no usable time in createdDateTime 'yesterday'");
        assert!(graph(json!({"createdDateTime": "2026-03-01T16:05:06Z"})).unwrap_err().contains("nothing to show"));
    }

    #[test]
    fn nested_fields_of_the_wrong_shape_are_ignored_not_fatal() {
        let e = graph(json!({"id": "w", "createdDateTime": "2026-03-01T16:05:06Z", "appDisplayName": "x", "userPrincipalName": "u@contoso.com",
            "status": "odd", "location": 5, "deviceDetail": [1, 2], "riskEventTypes_v2": {"a": 1}, "authenticationDetails": "{cut",
            "signInEventTypes": null, "isInteractive": "maybe"}))
        .unwrap();
        assert_eq!((e.outcome, e.country.as_str(), e.geo, e.operation.as_str()), (Outcome::Unknown, "", None, "Sign-in"));
        assert_eq!(e.attr(attr::INTERACTIVE), Some("maybe"));
    }

    #[test]
    fn log_analytics_resource_path_is_not_a_resource_id() {
        let row = obj(json!({"TimeGenerated": "2026-03-01T16:05:06.1234567Z", "ResultType": "0", "AppDisplayName": "Azure Portal",
            "UserPrincipalName": "u@contoso.com", "ResourceId": "/tenants/t/providers/Microsoft.aadiam", "Location": "NG",
            "Category": "SignInLogs", "Type": "SigninLogs"}));
        let e = log_analytics::from_json(&row, &RowCtx::default()).unwrap();
        assert_eq!(format_utc(e.time), "2026-03-01T16:05:06.123Z");
        assert_eq!(e.attr(attr::RESOURCE_ID), None);
        assert_eq!((e.country.as_str(), e.operation.as_str(), e.outcome), ("NG", "Sign-in", Outcome::Success));
    }

    #[test]
    fn detection_tells_the_layouts_apart() {
        let portal = Headers::new(["Date (UTC)", "Request ID", "User agent", "Username", "IP address", "Status", "Sign-in error code"]);
        let sentinel = Headers::new(["TenantId", "TimeGenerated [UTC]", "ResultType", "AppDisplayName", "UserPrincipalName", "LocationDetails"]);
        let graph_csv = Headers::new(["CreatedDateTime", "UserPrincipalName", "AppDisplayName", "IPAddress", "Status"]);
        let audit = Headers::new(["Date (UTC)", "CorrelationId", "Service", "Category", "Activity", "Result", "ActorType", "Target1Type"]);
        let scores = |h: &Headers| SCHEMAS.iter().map(|d| (d.detect_csv)(h)).collect::<Vec<_>>();
        assert_eq!(scores(&portal), [32, 0, 0]);
        assert_eq!(scores(&sentinel), [0, 0, 21]);
        assert_eq!(scores(&graph_csv), [0, 22, 0]);
        assert_eq!(scores(&audit), [0, 0, 0]);
        let graph_json = obj(json!({"id": "1", "createdDateTime": "x", "appDisplayName": "a", "userPrincipalName": "u", "status": {}}));
        let sentinel_json = obj(json!({"TimeGenerated": "x", "CreatedDateTime": "x", "ResultType": "0", "AppId": "a", "UserPrincipalName": "u"}));
        let json_scores = |o: &Map<String, Value>| SCHEMAS.iter().map(|d| (d.detect_json)(o)).collect::<Vec<_>>();
        assert_eq!(json_scores(&graph_json), [0, 21, 0]);
        assert_eq!(json_scores(&sentinel_json), [0, 0, 20]);
    }
}
