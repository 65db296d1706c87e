//! Directory roles: a new holder (or PIM-eligible holder) of a privileged
//! role, and custom roles that carry sensitive actions.

use super::{role_template, Risk, RuleCtx};
use crate::detect::Severity;
use crate::tenant::diff::ChangeKind;
use crate::tenant::kind::ObjectKind;

pub fn assess_assignment(ctx: &RuleCtx) -> Vec<Risk> {
    let Some(a) = ctx.object() else { return Vec::new() };
    let eligible = a.kind == ObjectKind::RoleEligibility;
    let principal_id = a.str_at("principalId").unwrap_or("");
    let principal = ctx.name_of(principal_id);
    let role_id = a.str_at("roleDefinitionId").unwrap_or("");
    let template = role_template(ctx.current, role_id).or_else(|| role_template(ctx.baseline, role_id));
    let role_name = template.map(|t| t.name.to_string()).unwrap_or_else(|| ctx.name_of(role_id));
    let scoped = a.str_at("directoryScopeId").is_some_and(|s| s != "/");
    let scope_note = if scoped { format!(" (scoped to {})", a.str_at("directoryScopeId").unwrap_or("")) } else { String::new() };
    let how = if eligible { "made eligible for" } else { "given" };
    let is_app = ctx.current.get(&ObjectKind::ServicePrincipal, principal_id).is_some();
    match ctx.change {
        ChangeKind::Removed => {
            let level = if template.is_some() { Severity::Low } else { Severity::Info };
            vec![Risk::new(level, format!("'{principal}' no longer {} {role_name}", if eligible { "eligible for" } else { "holds" }))]
        }
        ChangeKind::Added => match template {
            Some(t) => {
                let mut level = if scoped { t.risk.lowered() } else { t.risk };
                let mut reason = format!("'{principal}' {how} privileged role {role_name}{scope_note}");
                if is_app {
                    level = level.raised();
                    reason.push_str("; the holder is an app, which signs in without MFA");
                }
                vec![Risk::new(level, reason)]
            }
            None if ctx.current.get(&ObjectKind::RoleDefinition, role_id).is_some_and(|d| d.bool_at("isBuiltIn") == Some(false)) => {
                vec![Risk::new(Severity::Medium, format!("'{principal}' {how} custom role {role_name}{scope_note}"))]
            }
            None if role_name == role_id => vec![Risk::new(
                Severity::Medium,
                format!("'{principal}' {how} role {role_id}{scope_note}, not on Loupe's list of privileged built-in roles and not defined in the snapshot: check what it allows"),
            )],
            None => vec![Risk::new(Severity::Low, format!("'{principal}' {how} role {role_name}{scope_note}"))],
        },
        ChangeKind::Changed => {
            let (before, after) = ctx.str_change("roleDefinitionId");
            if before != after && template.is_some() {
                vec![Risk::new(template.map_or(Severity::Medium, |t| t.risk), format!("assignment of '{principal}' changed to privileged role {role_name}"))]
            } else {
                Vec::new()
            }
        }
    }
}

/// Actions in a role definition that hand over the tenant or its apps.
const SENSITIVE_ACTIONS: [&str; 8] = [
    "microsoft.directory/applications/credentials/update",
    "microsoft.directory/servicePrincipals/credentials/update",
    "microsoft.directory/roleAssignments/",
    "microsoft.directory/conditionalAccessPolicies/",
    "microsoft.directory/domains/federation/",
    "microsoft.directory/users/authenticationMethods/",
    "microsoft.directory/servicePrincipals/appRoleAssignedTo/update",
    "microsoft.directory/oAuth2PermissionGrants/",
];

fn actions(object: Option<&crate::tenant::object::TenantObject>) -> Vec<String> {
    let Some(o) = object else { return Vec::new() };
    o.raw
        .get("rolePermissions")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .flat_map(|p| crate::tenant::object::strings(p.get("allowedResourceActions")))
        .collect()
}

pub fn assess_definition(ctx: &RuleCtx) -> Vec<Risk> {
    let name = ctx.quoted();
    let before = actions(ctx.old);
    let added: Vec<String> = actions(ctx.new).into_iter().filter(|a| !before.contains(a)).collect();
    let sensitive: Vec<&String> = added.iter().filter(|a| SENSITIVE_ACTIONS.iter().any(|s| a.to_ascii_lowercase().starts_with(&s.to_ascii_lowercase()))).collect();
    let builtin = ctx.object().and_then(|o| o.bool_at("isBuiltIn")).unwrap_or(false);
    match ctx.change {
        ChangeKind::Removed => Vec::new(),
        _ if !sensitive.is_empty() => {
            let shown: Vec<&str> = sensitive.iter().take(4).map(|s| s.as_str()).collect();
            vec![Risk::new(Severity::High, format!("role {name} can now {}", shown.join(", ")))]
        }
        ChangeKind::Added if !builtin => vec![Risk::new(Severity::Medium, format!("new custom role {name}"))],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::only;
    use crate::detect::Severity;

    const USER: &str = r#"{"id":"0b7e1f0e-0000-4000-8000-0000000000e1","userPrincipalName":"mallory@contoso.com","displayName":"Mallory"}"#;

    fn page(items: &str, set: &str) -> String {
        format!(r#"[{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users","value":[{USER}]}},{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#roleManagement/directory/{set}","value":[{items}]}}]"#)
    }

    fn assignment(role: &str) -> String {
        format!(r#"{{"id":"ra-1","roleDefinitionId":"{role}","principalId":"0b7e1f0e-0000-4000-8000-0000000000e1","directoryScopeId":"/"}}"#)
    }

    #[test]
    fn new_global_admin_is_critical() {
        let c = only(&page("", "roleAssignments"), &page(&assignment("62e90394-69f5-4237-9190-012177145e10"), "roleAssignments"));
        assert_eq!(c.risk, Severity::Critical);
        assert!(c.reason().contains("'mallory@contoso.com' given privileged role Global Administrator"), "{}", c.reason());
    }

    #[test]
    fn eligibility_and_other_roles() {
        let c = only(&page("", "roleEligibilitySchedules"), &page(&assignment("158c047a-c907-4556-b7ef-446551a6b5f7"), "roleEligibilitySchedules"));
        assert_eq!(c.risk, Severity::High);
        assert!(c.reason().contains("made eligible for privileged role Cloud Application Administrator"), "{}", c.reason());
        let c = only(&page("", "roleAssignments"), &page(&assignment("88d8e3e3-8f55-4a1e-953a-9b9898b8876b"), "roleAssignments"));
        assert_eq!(c.risk, Severity::Medium, "unknown role id: {}", c.reason());
    }
}
