//! Microsoft Graph `auditLogs/directoryAudits` (v1.0), saved as one response
//! page with every record on its own line.

use super::super::clock;
use super::super::records::{DirectoryAudit, Initiator};
use super::json::{Obj, J};

pub const CONTEXT: &str = "https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits";

/// One Graph `directoryAudit` object.
pub fn record(a: &DirectoryAudit) -> Obj {
    let initiated_by = match &a.initiated_by {
        Initiator::User { id, upn, ip } => Obj::new().with("app", J::Null).with(
            "user",
            Obj::new()
                .with("id", id)
                .with("displayName", J::Null)
                .with("userPrincipalName", upn)
                .with("ipAddress", ip)
                .with("userType", J::Null)
                .with("homeTenantId", J::Null)
                .with("homeTenantName", J::Null),
        ),
        Initiator::App { app_id, name, sp_id } => Obj::new()
            .with("app", Obj::new().with("appId", app_id).with("displayName", name).with("servicePrincipalId", sp_id).with("servicePrincipalName", J::Null))
            .with("user", J::Null),
    };
    let targets: Vec<J> = a
        .targets
        .iter()
        .map(|t| {
            let modified: Vec<J> = t
                .modified
                .iter()
                .map(|m| J::Obj(Obj::new().with("displayName", &m.name).with("oldValue", &m.old).with("newValue", &m.new)))
                .collect();
            J::Obj(
                Obj::new()
                    .with("id", &t.id)
                    .with("displayName", if t.display_name.is_empty() { J::Null } else { J::from(&t.display_name) })
                    .with("type", t.kind)
                    .with("userPrincipalName", if t.upn.is_empty() { J::Null } else { J::from(&t.upn) })
                    .with("groupType", J::Null)
                    .with("modifiedProperties", modified),
            )
        })
        .collect();
    let details: Vec<J> = a.additional.iter().map(|(k, v)| J::Obj(Obj::new().with("key", k).with("value", v))).collect();
    Obj::new()
        .with("id", &a.id)
        .with("category", a.category)
        .with("correlationId", &a.correlation_id)
        .with("result", "success")
        .with("resultReason", &a.result_reason)
        .with("activityDisplayName", a.activity)
        .with("activityDateTime", clock::iso_ticks(a.time, a.ticks))
        .with("loggedByService", a.service)
        .with("operationType", a.operation_type)
        .with("initiatedBy", initiated_by)
        .with("targetResources", targets)
        .with("additionalDetails", details)
}

/// One page, newest record first.
pub fn write(audits: &[DirectoryAudit]) -> Vec<u8> {
    let mut rows: Vec<&DirectoryAudit> = audits.iter().collect();
    rows.sort_by(|a, b| b.time.cmp(&a.time).then_with(|| a.id.cmp(&b.id)));
    let mut out = format!("{{\"@odata.context\":\"{CONTEXT}\",\"value\":[\n");
    for (i, a) in rows.iter().enumerate() {
        out.push_str(&record(a).to_json());
        out.push_str(if i + 1 < rows.len() { ",\n" } else { "\n" });
    }
    out.push_str("]}\n");
    out.into_bytes()
}
