//! Applications, service principals and the permissions they hold. An
//! intruder's lasting access is an app: a new registration or consent, a
//! secret or certificate added to an existing app (a second way to sign in
//! as it that survives every password reset), a new redirect address, or a
//! broad permission granted.

use super::{Risk, RuleCtx};
use crate::detect::Severity;
use crate::tenant::diff::ChangeKind;
use crate::tenant::kind::ObjectKind;
use crate::tenant::object::TenantObject;
use crate::tenant::permissions::{application_risk, delegated_risk, known_permission, split_scopes};
use serde_json::Value;

/// Credential ids (`keyId`) in a credential list.
fn key_ids(object: Option<&TenantObject>, list: &str) -> Vec<(String, String)> {
    object
        .and_then(|o| o.raw.get(list))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|c| {
                    let id = c.get("keyId").and_then(Value::as_str)?;
                    let label = c.get("displayName").and_then(Value::as_str).filter(|s| !s.is_empty()).unwrap_or(id);
                    Some((id.to_ascii_lowercase(), label.to_string()))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Credentials on the new side that the old side did not have.
fn new_credentials(ctx: &RuleCtx) -> Vec<String> {
    let mut out = Vec::new();
    for (list, what) in [("passwordCredentials", "client secret"), ("keyCredentials", "certificate/key")] {
        let before = key_ids(ctx.old, list);
        for (id, label) in key_ids(ctx.new, list) {
            if !before.iter().any(|(b, _)| *b == id) {
                out.push(format!("{what} '{label}'"));
            }
        }
    }
    out
}

/// The riskiest application permission the service principal `sp_id` holds
/// through app role assignments in the current snapshot.
fn held_app_permissions(ctx: &RuleCtx, sp_id: &str) -> Vec<(Severity, String)> {
    let mut held: Vec<(Severity, String)> = ctx
        .current
        .of_kind(&ObjectKind::AppRoleAssignment)
        .filter(|a| a.str_at("principalId").is_some_and(|p| p.eq_ignore_ascii_case(sp_id)))
        .filter_map(|a| role_value(ctx, a))
        .map(|v| (application_risk(&v), v))
        .collect();
    held.sort_by_key(|h| std::cmp::Reverse(h.0));
    held
}

/// The permission name an app role assignment stands for.
fn role_value(ctx: &RuleCtx, assignment: &TenantObject) -> Option<String> {
    // Tool reports give the permission's name, not its app role id.
    if let Some(value) = assignment.str_at("appRoleValue").filter(|v| !v.is_empty()) {
        return Some(value.to_string());
    }
    let role = assignment.str_at("appRoleId")?;
    let resource = assignment.str_at("resourceId").unwrap_or("");
    ctx.current
        .app_role_value(resource, role)
        .or_else(|| ctx.baseline.app_role_value(resource, role))
        .or_else(|| known_permission(role).map(str::to_string))
}

/// Permissions an app registration asks for in `requiredResourceAccess`,
/// named where possible: (risk, name marked "(application)" for app roles).
fn requested(ctx: &RuleCtx, object: Option<&TenantObject>) -> Vec<(Severity, String)> {
    let mut out = Vec::new();
    let Some(list) = object.and_then(|o| o.raw.get("requiredResourceAccess")).and_then(Value::as_array) else { return out };
    for resource in list {
        let app = resource.get("resourceAppId").and_then(Value::as_str).unwrap_or("");
        for access in resource.get("resourceAccess").and_then(Value::as_array).into_iter().flatten() {
            let Some(id) = access.get("id").and_then(Value::as_str) else { continue };
            let is_role = access.get("type").and_then(Value::as_str).is_some_and(|t| t.eq_ignore_ascii_case("Role"));
            let name = ctx
                .current
                .permission_value(app, id, is_role)
                .or_else(|| ctx.baseline.permission_value(app, id, is_role))
                .or_else(|| known_permission(id).map(str::to_string));
            if let Some(name) = name {
                let risk = if is_role { application_risk(&name) } else { delegated_risk(&name) };
                let label = if is_role { format!("{name} (application)") } else { name };
                out.push((risk, label));
            }
        }
    }
    out
}

fn redirect_uris(object: Option<&TenantObject>) -> Vec<String> {
    let Some(o) = object else { return Vec::new() };
    let mut uris = o.strings_at("web.redirectUris");
    uris.extend(o.strings_at("spa.redirectUris"));
    uris.extend(o.strings_at("publicClient.redirectUris"));
    uris.extend(o.strings_at("replyUrls"));
    uris
}

/// Shared by applications and service principals.
fn credentials_and_redirects(ctx: &RuleCtx, what: &str, holds_critical: bool, risks: &mut Vec<Risk>) {
    let name = ctx.quoted();
    let creds = new_credentials(ctx);
    if !creds.is_empty() && ctx.change == ChangeKind::Changed {
        let (level, why) = if holds_critical {
            (Severity::Critical, " and it holds high-privilege application permissions")
        } else {
            (Severity::High, "")
        };
        risks.push(Risk::new(level, format!("new {} on {what} {name}: another way to sign in as the app{why}", creds.join(", "))));
    }
    let before = redirect_uris(ctx.old);
    let added: Vec<String> = redirect_uris(ctx.new).into_iter().filter(|u| !before.contains(u)).collect();
    if !added.is_empty() && ctx.change == ChangeKind::Changed {
        risks.push(Risk::new(Severity::Medium, format!("{what} {name} can now send tokens to {}", added.join(", "))));
    }
}

pub fn assess_application(ctx: &RuleCtx) -> Vec<Risk> {
    let name = ctx.quoted();
    let mut risks = Vec::new();
    let sp = ctx.object().and_then(|o| o.str_at("appId")).and_then(|app_id| ctx.current.service_principal_for_app(app_id));
    let held = sp.map(|sp| held_app_permissions(ctx, &sp.id)).unwrap_or_default();
    let holds_critical = held.first().is_some_and(|(r, _)| *r == Severity::Critical);
    match ctx.change {
        ChangeKind::Removed => risks.push(Risk::new(Severity::Low, format!("app registration {name} deleted"))),
        ChangeKind::Added => {
            let asks = requested(ctx, ctx.new);
            let top = asks.iter().map(|(r, _)| *r).max().unwrap_or(Severity::Low);
            let creds = key_ids(ctx.new, "passwordCredentials").len() + key_ids(ctx.new, "keyCredentials").len();
            let mut reason = format!("new app registration {name}");
            if creds > 0 {
                reason.push_str(&format!(" with {creds} credential(s)"));
            }
            let level = if top >= Severity::High {
                let names: Vec<&str> = asks.iter().filter(|(r, _)| *r >= Severity::High).map(|(_, n)| n.as_str()).collect();
                reason.push_str(&format!(", asking for {}", names.join(", ")));
                top.lowered().max(Severity::Medium)
            } else {
                Severity::Medium
            };
            risks.push(Risk::new(level, reason));
        }
        ChangeKind::Changed => {
            let before: Vec<String> = requested(ctx, ctx.old).into_iter().map(|(_, n)| n).collect();
            let asks: Vec<(Severity, String)> = requested(ctx, ctx.new).into_iter().filter(|(r, n)| *r >= Severity::High && !before.contains(n)).collect();
            if let Some(top) = asks.iter().map(|(r, _)| *r).max() {
                let names: Vec<&str> = asks.iter().map(|(_, n)| n.as_str()).collect();
                risks.push(Risk::new(top.lowered(), format!("app registration {name} now asks for {} (granted only once consented)", names.join(", "))));
            }
        }
    }
    credentials_and_redirects(ctx, "app registration", holds_critical, &mut risks);
    risks
}

pub fn assess_service_principal(ctx: &RuleCtx) -> Vec<Risk> {
    let name = ctx.quoted();
    let mut risks = Vec::new();
    let held = ctx.object().map(|o| held_app_permissions(ctx, &o.id)).unwrap_or_default();
    let holds_critical = held.first().is_some_and(|(r, _)| *r == Severity::Critical);
    match ctx.change {
        ChangeKind::Removed => risks.push(Risk::new(Severity::Low, format!("enterprise app {name} deleted"))),
        ChangeKind::Added => {
            let mut reason = format!("new enterprise app {name} (consented to or registered in this tenant)");
            if let Some(owner) = ctx.new.and_then(|o| o.str_at("appOwnerOrganizationId")) {
                reason.push_str(&format!("; publisher tenant {owner}"));
            }
            risks.push(Risk::new(Severity::Medium, reason));
        }
        ChangeKind::Changed => {
            let (before, after) = (ctx.old.and_then(|o| o.bool_at("accountEnabled")), ctx.new.and_then(|o| o.bool_at("accountEnabled")));
            if before == Some(false) && after == Some(true) {
                risks.push(Risk::new(Severity::Medium, format!("enterprise app {name} re-enabled")));
            }
        }
    }
    credentials_and_redirects(ctx, "enterprise app", holds_critical, &mut risks);
    risks
}

pub fn assess_grant(ctx: &RuleCtx) -> Vec<Risk> {
    let Some(grant) = ctx.object() else { return Vec::new() };
    let client = grant.str_at("clientId").map_or_else(|| "an app".to_string(), |c| format!("'{}'", ctx.name_of(c)));
    let resource = grant.str_at("resourceId").map_or_else(|| "an API".to_string(), |r| format!("'{}'", ctx.name_of(r)));
    let all_users = grant.str_at("consentType").is_some_and(|c| c.eq_ignore_ascii_case("AllPrincipals"));
    let whom = if all_users {
        "for every user".to_string()
    } else {
        grant.str_at("principalId").map_or_else(|| "for one user".to_string(), |p| format!("for {}", ctx.name_of(p)))
    };
    let before = split_scopes(ctx.old.and_then(|o| o.str_at("scope")).unwrap_or(""));
    let added: Vec<String> = split_scopes(ctx.new.and_then(|o| o.str_at("scope")).unwrap_or(""))
        .into_iter()
        .filter(|s| !before.iter().any(|b| b.eq_ignore_ascii_case(s)))
        .collect();
    match ctx.change {
        ChangeKind::Removed => return vec![Risk::new(Severity::Info, format!("delegated grant to {client} on {resource} removed"))],
        _ if added.is_empty() => return Vec::new(),
        _ => {}
    }
    let mut ranked: Vec<(Severity, &String)> = added.iter().map(|s| (delegated_risk(s), s)).collect();
    ranked.sort_by_key(|r| std::cmp::Reverse(r.0));
    let top = ranked.first().map_or(Severity::Low, |(r, _)| *r);
    let level = if all_users && top >= Severity::Medium { top.raised() } else { top };
    let names: Vec<&str> = ranked.iter().map(|(_, s)| s.as_str()).collect();
    let verb = if ctx.change == ChangeKind::Added { "granted" } else { "added to the grant of" };
    vec![Risk::new(level.max(Severity::Low), format!("delegated permissions {} {verb} {client} on {resource} {whom}", names.join(" ")))]
}

pub fn assess_app_role_assignment(ctx: &RuleCtx) -> Vec<Risk> {
    let Some(a) = ctx.object() else { return Vec::new() };
    let principal = a.str_at("principalDisplayName").map(str::to_string).or_else(|| a.str_at("principalId").map(|p| ctx.name_of(p))).unwrap_or_default();
    let resource = a.str_at("resourceDisplayName").map(str::to_string).or_else(|| a.str_at("resourceId").map(|r| ctx.name_of(r))).unwrap_or_default();
    if ctx.change == ChangeKind::Removed {
        return vec![Risk::new(Severity::Info, format!("app role assignment of '{principal}' on '{resource}' removed"))];
    }
    if ctx.change != ChangeKind::Added {
        return Vec::new();
    }
    let to_app = a.str_at("principalType").is_some_and(|t| t.eq_ignore_ascii_case("ServicePrincipal"));
    let default_access = a.str_at("appRoleId").is_some_and(|r| r == "00000000-0000-0000-0000-000000000000");
    match (role_value(ctx, a), to_app) {
        (Some(value), true) => {
            let level = application_risk(&value).max(Severity::Low);
            vec![Risk::new(level, format!("application permission {value} on '{resource}' granted to '{principal}': it works without any user signed in"))]
        }
        (None, true) if !default_access => vec![Risk::new(
            Severity::Medium,
            format!("app role {} on '{resource}' granted to '{principal}' (the role's name is not in the snapshot: load the resource's service principal)", a.str_at("appRoleId").unwrap_or("?")),
        )],
        (value, _) => {
            let role = value.map_or_else(|| "access".to_string(), |v| format!("role {v}"));
            vec![Risk::new(Severity::Low, format!("'{principal}' assigned {role} on app '{resource}'"))]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{changes, only};
    use crate::detect::Severity;
    use crate::tenant::diff::ChangeKind;

    const GRAPH_SP: &str = r##"{"id":"4f6a2c1d-0000-4000-8000-00000000a001","appId":"00000003-0000-0000-c000-000000000000","displayName":"Microsoft Graph","servicePrincipalType":"Application","appRoles":[{"id":"e2a3a72e-5f79-4c64-b1b1-878b674786c9","value":"Mail.ReadWrite","allowedMemberTypes":["Application"]}]}"##;
    const TOOL_SP: &str = r##"{"id":"4f6a2c1d-0000-4000-8000-00000000b002","appId":"11111111-2222-4333-8444-555555555555","displayName":"Backup Tool","servicePrincipalType":"Application","passwordCredentials":[],"keyCredentials":[]}"##;

    fn app(creds: &str, uris: &str) -> String {
        format!(
            r##"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#applications","value":[{{"id":"9d1e7c2b-0000-4000-8000-00000000c003","appId":"11111111-2222-4333-8444-555555555555","displayName":"Backup Tool","signInAudience":"AzureADMyOrg",
            "passwordCredentials":[{creds}],"keyCredentials":[],"web":{{"redirectUris":[{uris}]}},"requiredResourceAccess":[]}}]}}"##
        )
    }
    const SECRET1: &str = r##"{"keyId":"aaaaaaaa-0000-4000-8000-000000000001","displayName":"prod","hint":"abc","endDateTime":"2027-01-01T00:00:00Z","secretText":null}"##;
    const SECRET2: &str = r##"{"keyId":"aaaaaaaa-0000-4000-8000-000000000002","displayName":"sync","hint":"x9Q","endDateTime":"2028-01-01T00:00:00Z","secretText":null}"##;

    #[test]
    fn new_secret_on_application() {
        let c = only(&app(SECRET1, ""), &app(&format!("{SECRET1},{SECRET2}"), ""));
        assert_eq!(c.risk, Severity::High);
        assert!(c.reason().contains("client secret 'sync'"), "{}", c.reason());
        let c = only(&app(SECRET1, ""), &app(SECRET1, r##""https://evil.example/cb""##));
        assert_eq!(c.risk, Severity::Medium);
    }

    #[test]
    fn new_application_and_service_principal() {
        let c = only(r##"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#applications","value":[]}"##, &app("", ""));
        assert_eq!((c.change, c.risk), (ChangeKind::Added, Severity::Medium));
        let c = only(&format!("[{GRAPH_SP}]"), &format!("[{GRAPH_SP},{TOOL_SP}]"));
        assert_eq!((c.change, c.risk), (ChangeKind::Added, Severity::Medium));
    }

    #[test]
    fn credential_on_sp_that_holds_mail_readwrite_is_critical() {
        let assignment = r##"{"@odata.type":"#microsoft.graph.appRoleAssignment","id":"x1","appRoleId":"e2a3a72e-5f79-4c64-b1b1-878b674786c9","principalId":"4f6a2c1d-0000-4000-8000-00000000b002","principalType":"ServicePrincipal","principalDisplayName":"Backup Tool","resourceId":"4f6a2c1d-0000-4000-8000-00000000a001","resourceDisplayName":"Microsoft Graph"}"##;
        let with_secret = TOOL_SP.replace(r##""passwordCredentials":[]"##, &format!(r##""passwordCredentials":[{SECRET2}]"##));
        let all = changes(&format!("[{GRAPH_SP},{TOOL_SP},{assignment}]"), &format!("[{GRAPH_SP},{with_secret},{assignment}]"));
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].risk, Severity::Critical, "{}", all[0].reason());
    }

    #[test]
    fn high_privilege_grants() {
        let grant = |scope: &str| {
            format!(r##"[{GRAPH_SP},{TOOL_SP},{{"clientId":"4f6a2c1d-0000-4000-8000-00000000b002","consentType":"AllPrincipals","id":"g1","principalId":null,"resourceId":"4f6a2c1d-0000-4000-8000-00000000a001","scope":"{scope}"}}]"##)
        };
        let c = only(&grant("User.Read"), &grant("User.Read Mail.ReadWrite"));
        assert_eq!(c.risk, Severity::Critical, "{}", c.reason());
        assert!(c.reason().contains("'Backup Tool' on 'Microsoft Graph' for every user"), "{}", c.reason());
        let assignment = r##"{"@odata.type":"#microsoft.graph.appRoleAssignment","id":"x1","appRoleId":"e2a3a72e-5f79-4c64-b1b1-878b674786c9","principalId":"4f6a2c1d-0000-4000-8000-00000000b002","principalType":"ServicePrincipal","principalDisplayName":"Backup Tool","resourceId":"4f6a2c1d-0000-4000-8000-00000000a001","resourceDisplayName":"Microsoft Graph"}"##;
        let c = only(&format!("[{GRAPH_SP},{TOOL_SP}]"), &format!("[{GRAPH_SP},{TOOL_SP},{assignment}]"));
        assert_eq!(c.risk, Severity::Critical);
        assert!(c.reason().contains("Mail.ReadWrite"));
    }
}
