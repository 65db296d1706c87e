//! Microsoft Graph `auditLogs/signIns` (beta, which is where non-interactive
//! sign-ins are listed), saved as an array of the response pages, one
//! record per line.

use super::super::clock;
use super::super::records::{AppCredential, AppSignIn, SignIn, SignInStatus};
use super::json::{Obj, J};

pub const CONTEXT: &str = "https://graph.microsoft.com/beta/$metadata#auditLogs/signIns";
const PAGE_SIZE: usize = 500;

fn risk(level: &str) -> J {
    J::from(level)
}

/// One Graph `signIn` object.
pub fn record(s: &SignIn, tenant_id: &str) -> Obj {
    let (error_code, failure_reason) = match s.status {
        SignInStatus::Success => (0, "Other.".to_string()),
        _ => (s.error_code, s.failure_reason.clone()),
    };
    let device = match &s.device {
        Some(d) => Obj::new()
            .with("deviceId", &d.id)
            .with("displayName", &d.name)
            .with("operatingSystem", d.os)
            .with("browser", d.browser)
            .with("isCompliant", d.compliant)
            .with("isManaged", d.managed)
            .with("trustType", d.trust_type),
        None => Obj::new()
            .with("deviceId", "")
            .with("displayName", "")
            .with("operatingSystem", &s.os)
            .with("browser", &s.browser)
            .with("isCompliant", false)
            .with("isManaged", false)
            .with("trustType", ""),
    };
    let mfa = if s.mfa.requirement_mfa {
        let method = if s.mfa.method.is_empty() { J::Null } else { J::from(&s.mfa.method) };
        Obj::new().with("authMethod", method).with("authDetail", J::Null)
    } else {
        Obj::new().with("authMethod", J::Null).with("authDetail", J::Null)
    };
    let location = Obj::new()
        .with("city", s.place.city)
        .with("state", s.place.state)
        .with("countryOrRegion", s.place.country)
        .with("geoCoordinates", Obj::new().with("altitude", J::Null).with("latitude", s.place.lat).with("longitude", s.place.lon));
    Obj::new()
        .with("id", &s.request_id)
        .with("createdDateTime", clock::iso_seconds(s.time))
        .with("userDisplayName", &s.user_display)
        .with("userPrincipalName", &s.upn)
        .with("userId", &s.user_id)
        .with("appId", s.app.id.as_ref())
        .with("appDisplayName", s.app.name.as_ref())
        .with("ipAddress", &s.ip)
        .with("ipAddressFromResourceProvider", J::Null)
        .with("clientAppUsed", s.client_app)
        .with("userAgent", &s.user_agent)
        .with("correlationId", &s.correlation_id)
        .with("conditionalAccessStatus", match s.conditional_access {
            "Success" => "success",
            "Failure" => "failure",
            _ => "notApplied",
        })
        .with("originalRequestId", "")
        .with("isInteractive", s.interactive)
        .with("tokenIssuerName", "")
        .with("tokenIssuerType", "AzureAD")
        .with("clientCredentialType", "none")
        .with("processingTimeInMilliseconds", s.latency_ms)
        .with("riskDetail", "none")
        .with("riskLevelAggregated", risk(s.risk_aggregated))
        .with("riskLevelDuringSignIn", risk(s.risk_during))
        .with("riskState", s.risk_state)
        .with("riskEventTypes", Vec::<J>::new())
        .with("riskEventTypes_v2", Vec::<J>::new())
        .with("resourceDisplayName", s.resource.name.as_ref())
        .with("resourceId", s.resource.id.as_ref())
        .with("resourceTenantId", tenant_id)
        .with("homeTenantId", tenant_id)
        .with("homeTenantName", "")
        .with("authenticationMethodsUsed", Vec::<J>::new())
        .with("authenticationRequirement", if s.mfa.requirement_mfa { "multiFactorAuthentication" } else { "singleFactorAuthentication" })
        .with("signInIdentifier", "")
        .with("signInIdentifierType", J::Null)
        .with("servicePrincipalName", J::Null)
        .with("signInEventTypes", vec![J::from(if s.interactive { "interactiveUser" } else { "nonInteractiveUser" })])
        .with("servicePrincipalId", "")
        .with("federatedCredentialId", J::Null)
        .with("userType", "member")
        .with("flaggedForReview", false)
        .with("isTenantRestricted", false)
        .with("autonomousSystemNumber", s.asn)
        .with("crossTenantAccessType", "none")
        .with("servicePrincipalCredentialKeyId", J::Null)
        .with("servicePrincipalCredentialThumbprint", "")
        .with("uniqueTokenIdentifier", &s.unique_token)
        .with("incomingTokenType", s.incoming_token)
        .with("authenticationProtocol", s.auth_protocol)
        .with("sessionId", &s.session_id)
        .with("status", Obj::new().with("errorCode", error_code).with("failureReason", failure_reason).with("additionalDetails", J::Null))
        .with("deviceDetail", device)
        .with("location", location)
        .with("mfaDetail", mfa)
        .with("appliedConditionalAccessPolicies", Vec::<J>::new())
        .with("authenticationProcessingDetails", Vec::<J>::new())
        .with("networkLocationDetails", Vec::<J>::new())
        .with("authenticationDetails", Vec::<J>::new())
}

/// One Graph `signIn` object of a service principal sign-in (beta lists
/// these under `signInEventTypes` `servicePrincipal`): no user, no device,
/// no MFA; the credential the app used is named by its key id.
pub fn service_principal_record(s: &AppSignIn, tenant_id: &str) -> Obj {
    let (credential_type, key_id, thumbprint) = match &s.credential {
        AppCredential::Secret { key_id } => ("clientSecret", key_id.as_str(), ""),
        AppCredential::Certificate { key_id, thumbprint } => ("certificate", key_id.as_str(), thumbprint.as_str()),
    };
    let location = Obj::new()
        .with("city", s.place.city)
        .with("state", s.place.state)
        .with("countryOrRegion", s.place.country)
        .with("geoCoordinates", Obj::new().with("altitude", J::Null).with("latitude", s.place.lat).with("longitude", s.place.lon));
    Obj::new()
        .with("id", &s.request_id)
        .with("createdDateTime", clock::iso_seconds(s.time))
        .with("userDisplayName", "")
        .with("userPrincipalName", "")
        .with("userId", "")
        .with("appId", &s.app_id)
        .with("appDisplayName", &s.app_name)
        .with("ipAddress", &s.ip)
        .with("ipAddressFromResourceProvider", J::Null)
        .with("clientAppUsed", "")
        .with("userAgent", "")
        .with("correlationId", &s.correlation_id)
        .with("conditionalAccessStatus", "notApplied")
        .with("originalRequestId", "")
        .with("isInteractive", false)
        .with("tokenIssuerName", "")
        .with("tokenIssuerType", "AzureAD")
        .with("clientCredentialType", credential_type)
        .with("processingTimeInMilliseconds", s.latency_ms)
        .with("riskDetail", "none")
        .with("riskLevelAggregated", "none")
        .with("riskLevelDuringSignIn", "none")
        .with("riskState", "none")
        .with("riskEventTypes", Vec::<J>::new())
        .with("riskEventTypes_v2", Vec::<J>::new())
        .with("resourceDisplayName", s.resource.name.as_ref())
        .with("resourceId", s.resource.id.as_ref())
        .with("resourceTenantId", tenant_id)
        .with("homeTenantId", tenant_id)
        .with("homeTenantName", "")
        .with("authenticationMethodsUsed", Vec::<J>::new())
        .with("authenticationRequirement", "singleFactorAuthentication")
        .with("signInIdentifier", "")
        .with("signInIdentifierType", J::Null)
        .with("servicePrincipalName", &s.app_name)
        .with("signInEventTypes", vec![J::from("servicePrincipal")])
        .with("servicePrincipalId", &s.sp_id)
        .with("federatedCredentialId", J::Null)
        .with("userType", "member")
        .with("flaggedForReview", false)
        .with("isTenantRestricted", false)
        .with("autonomousSystemNumber", s.asn)
        .with("crossTenantAccessType", "none")
        .with("servicePrincipalCredentialKeyId", key_id)
        .with("servicePrincipalCredentialThumbprint", thumbprint)
        .with("uniqueTokenIdentifier", &s.unique_token)
        .with("incomingTokenType", "none")
        .with("authenticationProtocol", "none")
        .with("sessionId", "")
        .with("status", Obj::new().with("errorCode", 0i64).with("failureReason", "Other.").with("additionalDetails", J::Null))
        .with("deviceDetail", Obj::new().with("deviceId", "").with("displayName", "").with("operatingSystem", "").with("browser", "").with("isCompliant", false).with("isManaged", false).with("trustType", ""))
        .with("location", location)
        .with("mfaDetail", Obj::new().with("authMethod", J::Null).with("authDetail", J::Null))
        .with("appliedConditionalAccessPolicies", Vec::<J>::new())
        .with("authenticationProcessingDetails", Vec::<J>::new())
        .with("networkLocationDetails", Vec::<J>::new())
        .with("authenticationDetails", Vec::<J>::new())
}

/// The pages as a JSON array, newest sign-in first.
pub fn write(sign_ins: &[SignIn], tenant_id: &str, skip_token: &str) -> Vec<u8> {
    let mut rows: Vec<&SignIn> = sign_ins.iter().collect();
    rows.sort_by(|a, b| b.time.cmp(&a.time).then_with(|| a.request_id.cmp(&b.request_id)));
    let records: Vec<Obj> = rows.iter().map(|s| record(s, tenant_id)).collect();
    pages(&records, "nonInteractiveUser", skip_token)
}

/// Service principal sign-ins in the same paged layout, newest first.
pub fn write_service_principal(sign_ins: &[AppSignIn], tenant_id: &str, skip_token: &str) -> Vec<u8> {
    let mut rows: Vec<&AppSignIn> = sign_ins.iter().collect();
    rows.sort_by(|a, b| b.time.cmp(&a.time).then_with(|| a.request_id.cmp(&b.request_id)));
    let records: Vec<Obj> = rows.iter().map(|s| service_principal_record(s, tenant_id)).collect();
    pages(&records, "servicePrincipal", skip_token)
}

/// Records split into response pages of `PAGE_SIZE`, each but the last with
/// the `@odata.nextLink` the request filtered on `event_type` would return.
fn pages(records: &[Obj], event_type: &str, skip_token: &str) -> Vec<u8> {
    let pages: Vec<&[Obj]> = records.chunks(PAGE_SIZE).collect();
    let mut out = String::from("[\n");
    for (n, page) in pages.iter().enumerate() {
        out.push_str(&format!("{{\"@odata.context\":\"{CONTEXT}\",\"value\":[\n"));
        for (i, r) in page.iter().enumerate() {
            out.push_str(&r.to_json());
            out.push_str(if i + 1 < page.len() { ",\n" } else { "\n" });
        }
        out.push(']');
        if n + 1 < pages.len() {
            let link = format!(
                "https://graph.microsoft.com/beta/auditLogs/signIns?$filter=signInEventTypes/any(t:t eq '{event_type}')&$top={PAGE_SIZE}&$skiptoken={skip_token}{n:04}"
            );
            out.push_str(&format!(",\"@odata.nextLink\":{}", J::from(link.as_str()).to_json_text()));
        }
        out.push_str(if n + 1 < pages.len() { "},\n" } else { "}\n" });
    }
    out.push_str("]\n");
    out.into_bytes()
}
