//! Microsoft Graph activity logs as a diagnostic setting archives them
//! (category `MicrosoftGraphActivityLogs`): one JSON record per line, each
//! request's fields under `properties`, the hourly `PT1H.json` blobs of the
//! month joined oldest first.

use super::super::clock;
use super::super::records::{GraphCall, GraphCaller};
use super::json::{Obj, J};

/// The Azure region that served the requests (not where the caller was).
const REGION: &str = "Central US";

/// One archived record.
pub fn record(call: &GraphCall, tenant_id: &str) -> Obj {
    let time = clock::iso_ticks(call.time, (call.duration_ms * 7) % 10_000);
    let (user_id, sp_id, identity_type) = match &call.caller {
        GraphCaller::User { id } => (J::from(id), J::Null, "user"),
        GraphCaller::App { sp_id } => (J::Null, J::from(sp_id), "app"),
    };
    let properties = Obj::new()
        .with("__UDI_RequiredFields_TenantId", tenant_id)
        .with("timeGenerated", time.as_str())
        .with("location", REGION)
        .with("requestId", &call.request_id)
        .with("operationId", &call.request_id)
        .with("clientRequestId", &call.client_request_id)
        .with("apiVersion", if call.uri.contains("/beta/") { "beta" } else { "v1.0" })
        .with("requestMethod", call.method)
        .with("responseStatusCode", i64::from(call.status))
        .with("tenantId", tenant_id)
        .with("durationMs", i64::from(call.duration_ms))
        .with("responseSizeBytes", call.response_bytes as i64)
        .with("signInActivityId", &call.sign_in_activity_id)
        .with("roles", &call.roles)
        .with("tokenIssuedAt", clock::iso_ticks(call.token_issued_at, 0))
        .with("appId", &call.app_id)
        .with("userId", user_id)
        .with("servicePrincipalId", sp_id)
        .with("scopes", &call.scopes)
        .with("identityProvider", format!("https://sts.windows.net/{tenant_id}/"))
        .with("clientAuthMethod", if matches!(call.caller, GraphCaller::App { .. }) { "2" } else { "0" })
        .with("wids", &call.wids)
        .with("isReplay", false)
        .with("C_Idtyp", identity_type)
        .with("ipAddress", &call.ip)
        .with("userAgent", &call.user_agent)
        .with("requestUri", &call.uri)
        .with("policyEvaluated", false)
        .with("sessionId", &call.session_id);
    Obj::new()
        .with("time", time.as_str())
        .with("resourceId", format!("/TENANTS/{}/PROVIDERS/MICROSOFT.AADIAM", tenant_id.to_ascii_uppercase()))
        .with("operationName", "Microsoft Graph Activity")
        .with("operationVersion", if call.uri.contains("/beta/") { "beta" } else { "v1.0" })
        .with("category", "MicrosoftGraphActivityLogs")
        .with("resultSignature", call.status.to_string())
        .with("durationMs", call.duration_ms.to_string())
        .with("callerIpAddress", &call.ip)
        .with("correlationId", &call.request_id)
        .with("level", "Informational")
        .with("location", REGION)
        .with("properties", properties)
        .with("tenantId", tenant_id)
}

/// The file: every call, oldest first, one record per line.
pub fn write(calls: &[GraphCall], tenant_id: &str) -> Vec<u8> {
    let mut rows: Vec<&GraphCall> = calls.iter().collect();
    rows.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.request_id.cmp(&b.request_id)));
    let mut out = String::new();
    for call in rows {
        out.push_str(&record(call, tenant_id).to_json());
        out.push('\n');
    }
    out.into_bytes()
}
