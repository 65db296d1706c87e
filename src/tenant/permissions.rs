//! OAuth permissions in tenant configuration: naming them when an object
//! holds only an id, and ranking them. The ranking is `detect::scope_risk`
//! (the one the audit-log detectors use), raised where configuration says
//! more than a log line: an application permission works on every mailbox,
//! file or user in the tenant, not one signed-in user's.

use crate::detect::{scope_risk, Severity};

/// Microsoft Graph's appId.
pub const MICROSOFT_GRAPH: &str = "00000003-0000-0000-c000-000000000000";
/// Office 365 Exchange Online's appId.
pub const EXCHANGE_ONLINE: &str = "00000002-0000-0ff1-ce00-000000000000";

/// Well-known permission ids, for when the API's service principal (whose
/// `appRoles` / `oauth2PermissionScopes` name them) is not in the snapshot.
/// (resource appId, permission id, is an app role, name). Ids are the same
/// in every tenant.
const KNOWN: [(&str, &str, bool, &str); 24] = [
    (MICROSOFT_GRAPH, "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9", true, "Application.ReadWrite.All"),
    (MICROSOFT_GRAPH, "18a4783c-866b-4cc7-a460-3d5e5662c884", true, "Application.ReadWrite.OwnedBy"),
    (MICROSOFT_GRAPH, "06b708a9-e830-4db3-a914-8e69da51d44f", true, "AppRoleAssignment.ReadWrite.All"),
    (MICROSOFT_GRAPH, "19dbc75e-c2e2-444c-a770-ec69d8559fc7", true, "Directory.ReadWrite.All"),
    (MICROSOFT_GRAPH, "7ab1d382-f21e-4acd-a863-ba3e13f7da61", true, "Directory.Read.All"),
    (MICROSOFT_GRAPH, "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8", true, "RoleManagement.ReadWrite.Directory"),
    (MICROSOFT_GRAPH, "741f803b-c850-494e-b5df-cde7c675a1ca", true, "User.ReadWrite.All"),
    (MICROSOFT_GRAPH, "df021288-bdef-4463-88db-98f22de89214", true, "User.Read.All"),
    (MICROSOFT_GRAPH, "62a82d76-70ea-41e2-9197-370581804d09", true, "Group.ReadWrite.All"),
    (MICROSOFT_GRAPH, "810c84a8-4a9e-49e6-bf7d-12d183f40d01", true, "Mail.Read"),
    (MICROSOFT_GRAPH, "e2a3a72e-5f79-4c64-b1b1-878b674786c9", true, "Mail.ReadWrite"),
    (MICROSOFT_GRAPH, "b633e1c5-b582-4048-a93e-9f11b44c7e96", true, "Mail.Send"),
    (MICROSOFT_GRAPH, "6931bccd-447a-43d1-b442-00a195474933", true, "MailboxSettings.ReadWrite"),
    (MICROSOFT_GRAPH, "01d4889c-1287-42c6-ac1f-5d1e02578ef6", true, "Files.Read.All"),
    (MICROSOFT_GRAPH, "75359482-378d-4052-8f01-80520e7db3cd", true, "Files.ReadWrite.All"),
    (MICROSOFT_GRAPH, "9492366f-7969-46a4-8d15-ed1a20078fff", true, "Sites.ReadWrite.All"),
    (MICROSOFT_GRAPH, "a82116e5-55eb-4c41-a434-62fe8a61c773", true, "Sites.FullControl.All"),
    (EXCHANGE_ONLINE, "dc890d15-9560-4a4c-9b7f-a736ec74ec40", true, "full_access_as_app"),
    (MICROSOFT_GRAPH, "e1fe6dd8-ba31-4d61-89e7-88639da4683d", false, "User.Read"),
    (MICROSOFT_GRAPH, "570282fd-fa5c-430d-a7fd-fc8dc98a9dca", false, "Mail.Read"),
    (MICROSOFT_GRAPH, "024d486e-b451-40bb-833d-3e66d98c5c73", false, "Mail.ReadWrite"),
    (MICROSOFT_GRAPH, "e383f46e-2787-4529-855e-0e479a3ffac0", false, "Mail.Send"),
    (MICROSOFT_GRAPH, "863451e7-0667-486c-a5d6-d135439485f0", false, "Files.ReadWrite.All"),
    (MICROSOFT_GRAPH, "0e263e50-5827-48a4-b97c-d940288653c7", false, "Directory.AccessAsUser.All"),
];

/// The name of a well-known permission, by its id (any case).
pub fn known_permission(permission_id: &str) -> Option<&'static str> {
    KNOWN.iter().find(|(_, id, _, _)| id.eq_ignore_ascii_case(permission_id.trim())).map(|(_, _, _, name)| *name)
}

/// Families whose data belongs to users: tenant-wide when held by an app.
const USER_DATA: [&str; 9] = ["mail", "files", "sites", "notes", "chat", "channelmessage", "contacts", "mailboxsettings", "calendars"];

/// How dangerous a delegated permission (scope) is.
pub fn delegated_risk(name: &str) -> Severity {
    if name.eq_ignore_ascii_case("Directory.AccessAsUser.All") {
        // Everything the signed-in user can do in the directory: an admin's all.
        return Severity::Critical;
    }
    scope_risk(name)
}

/// How dangerous an application permission (app role) is: the user-data
/// families reach every user's data, so high becomes critical.
pub fn application_risk(name: &str) -> Severity {
    let base = scope_risk(name);
    let family = name.split('.').next().unwrap_or("").to_ascii_lowercase();
    if base == Severity::High && USER_DATA.contains(&family.as_str()) {
        Severity::Critical
    } else {
        base
    }
}

/// The scopes of a grant's `scope` string (space separated), deduplicated.
pub fn split_scopes(scope: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in scope.split_whitespace() {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(s)) {
            out.push(s.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_and_names() {
        assert_eq!(application_risk("Mail.Read"), Severity::Critical);
        assert_eq!(delegated_risk("Mail.Read"), Severity::High);
        assert_eq!(application_risk("RoleManagement.ReadWrite.Directory"), Severity::Critical);
        assert_eq!(application_risk("AppRoleAssignment.ReadWrite.All"), Severity::Critical);
        assert_eq!(application_risk("full_access_as_app"), Severity::Critical);
        assert_eq!(delegated_risk("Directory.AccessAsUser.All"), Severity::Critical);
        assert_eq!(delegated_risk("User.Read"), Severity::Low);
        assert_eq!(known_permission("E2A3A72E-5F79-4C64-B1B1-878B674786C9"), Some("Mail.ReadWrite"));
        assert_eq!(split_scopes(" openid  Mail.Read mail.read offline_access "), vec!["openid", "Mail.Read", "offline_access"]);
    }
}
